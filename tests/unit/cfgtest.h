/* SPDX-License-Identifier: MIT */
/*
 * cfgtest.h - helpers for the configuration tests (test_config*.c): a private
 * scratch directory, files written into it with a given mode, and a warning
 * collector for the loaders' warn callback.
 */
#ifndef EG_CFGTEST_H
#define EG_CFGTEST_H

#include <sys/types.h>

#include "config.h"

/* The scratch directory, made by cf_setup() under $TMPDIR (default /tmp). */
extern char cf_dir[256];

/* Makes the scratch directory; -1 (and a message on stderr) when it cannot. */
int cf_setup(void);
/* Removes the scratch directory and everything in it. */
void cf_cleanup(void);

/* Path of name inside the scratch directory (one of eight rotating static buffers). */
const char *cf_tmp(const char *name);

/* Writes a file in the scratch directory with this mode; returns its path (as cf_tmp).
 * Exits the test program when the file cannot be written. */
const char *cf_write(const char *name, mode_t mode, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Warnings handed to the loaders' warn callback: how many, and all of them, one a line. */
struct cf_warnings {
	int n;
	char all[4096];
};

/* The warn callback: ctx is a struct cf_warnings. */
void cf_collect(const char *msg, void *ctx);

/* Loads text as a config file (t.conf) on top of defaults; returns gate_config_load()'s
 * result. w may be NULL (no warnings collected). */
int cf_load_text(struct gate_config *c, struct cf_warnings *w, struct eg_err *e,
    const char *text);

/* The error message of loading text, with the scratch directory cut off; "(loaded)" when
 * it loads. Static buffer. */
const char *cf_load_error(const char *text);

#endif
