/* SPDX-License-Identifier: MIT */
/*
 * tap.h - a small TAP producer for the C unit tests. tests/run-all counts the
 * "ok" / "not ok" lines of every test program; a program that crashes or exits
 * non-zero counts as a failure too.
 */
#ifndef EG_TAP_H
#define EG_TAP_H

#include <stddef.h>

int tap_ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tap_is_str(const char *got, const char *want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int tap_is_int(long long got, long long want, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tap_done(void);                     /* prints the plan; returns main's exit status */

/* Path of a file in tests/data of the source tree (tap_src); static buffer. */
const char *tap_data(const char *rel);
/* Path of a file in the source tree (EG_SRCDIR overrides, default "."); static buffer. */
const char *tap_src(const char *rel);
/* Reads a whole file; NUL-terminated; caller frees. NULL on failure. */
char *tap_slurp(const char *path, size_t *len);

#endif
