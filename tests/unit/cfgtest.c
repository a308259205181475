/* SPDX-License-Identifier: MIT */
/*
 * cfgtest.c - helpers for the configuration tests (see cfgtest.h).
 */
#include "cfgtest.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tap.h"

char cf_dir[256];

int
cf_setup(void)
{
	snprintf(cf_dir, sizeof(cf_dir), "%s/eg-config.XXXXXX", getenv("TMPDIR") ?
	    getenv("TMPDIR") : "/tmp");
	if (mkdtemp(cf_dir) == NULL) {
		perror("mkdtemp");
		return -1;
	}
	return 0;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
cf_cleanup(void)
{
	nftw(cf_dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

void
cf_collect(const char *msg, void *ctx)
{
	struct cf_warnings *w = ctx;
	size_t len = strlen(w->all);

	w->n++;
	snprintf(w->all + len, sizeof(w->all) - len, "%s\n", msg);
}

const char *
cf_tmp(const char *name)
{
	static char path[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(path[i], sizeof(path[i]), "%s/%s", cf_dir, name);
	return path[i];
}

const char *
cf_write(const char *name, mode_t mode, const char *fmt, ...)
{
	const char *path = cf_tmp(name);
	FILE *f = fopen(path, "w");
	va_list ap;

	if (f == NULL) {
		tap_diag("cannot write %s: %s", path, strerror(errno));
		exit(1);
	}
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	chmod(path, mode);
	return path;
}

int
cf_load_text(struct gate_config *c, struct cf_warnings *w, struct eg_err *e, const char *text)
{
	const char *path = cf_write("t.conf", 0600, "%s", text);

	gate_config_defaults(c);
	if (w != NULL)
		memset(w, 0, sizeof(*w));
	eg_err_clear(e);
	return gate_config_load(c, path, w != NULL ? cf_collect : NULL, w, e);
}

const char *
cf_load_error(const char *text)
{
	static char msg[600];
	struct gate_config c;
	struct eg_err e;
	size_t n = strlen(cf_dir);

	if (cf_load_text(&c, NULL, &e, text) == 0)
		return "(loaded)";
	snprintf(msg, sizeof(msg), "%s", strncmp(e.msg, cf_dir, n) == 0 ? e.msg + n + 1 : e.msg);
	return msg;
}
