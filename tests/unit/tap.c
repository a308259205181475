/* SPDX-License-Identifier: MIT */
/* tap.c - a small TAP producer for the unit tests (ok lines, diagnostics, plan). */
#include "tap.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

static int vreport(int cond, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static int
vreport(int cond, const char *fmt, va_list ap)
{
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

int
tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(cond, fmt, ap);
	va_end(ap);
	return cond;
}

int
tap_is_str(const char *got, const char *want, const char *fmt, ...)
{
	int cond = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);
	va_list ap;

	va_start(ap, fmt);
	vreport(cond, fmt, ap);
	va_end(ap);
	if (!cond) {
		printf("#   got:  %s\n", got ? got : "(null)");
		printf("#   want: %s\n", want ? want : "(null)");
	}
	return cond;
}

int
tap_is_int(long long got, long long want, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(got == want, fmt, ap);
	va_end(ap);
	if (got != want)
		printf("#   got: %lld, want: %lld\n", got, want);
	return got == want;
}

void
tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_n);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

const char *
tap_data(const char *rel)
{
	static char path[4096];
	const char *base = getenv("EG_SRCDIR");

	snprintf(path, sizeof(path), "%s/tests/data/%s", base ? base : ".", rel);
	return path;
}

const char *
tap_src(const char *rel)
{
	static char path[4096];
	const char *base = getenv("EG_SRCDIR");

	snprintf(path, sizeof(path), "%s/%s", base ? base : ".", rel);
	return path;
}

char *
tap_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (p = malloc((size_t)n + 1)) != NULL) {
		if (fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		} else {
			p[n] = '\0';
			if (len != NULL)
				*len = (size_t)n;
		}
	}
	fclose(f);
	return p;
}
