/* SPDX-License-Identifier: MIT */
/*
 * err.c - filling in struct eg_err (the conventions are in err.h).
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
eg_err_set(struct eg_err *e, enum eg_errcode code, const char *fmt, ...)
{
	va_list ap;

	if (e == NULL)
		return -1;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
eg_err_prefix(struct eg_err *e, const char *fmt, ...)
{
	char pre[256];
	size_t np, nm;
	va_list ap;

	if (e == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof(pre), fmt, ap);
	va_end(ap);
	np = strlen(pre);
	nm = strnlen(e->msg, sizeof(e->msg) - 1);
	if (np + nm > sizeof(e->msg) - 1)
		nm = sizeof(e->msg) - 1 - np;   /* the end of the old message gives way */
	memmove(e->msg + np, e->msg, nm);
	memcpy(e->msg, pre, np);
	e->msg[np + nm] = '\0';
	return -1;
}

void
eg_err_clear(struct eg_err *e)
{
	if (e == NULL)
		return;
	e->code = EG_OK;
	e->msg[0] = '\0';
}
