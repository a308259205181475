/* SPDX-License-Identifier: MIT */
/* Libraries loaded when first needed (gate/dynlib.h): loaded once for every thread that
 * asks, and a missing library or function named in the error, which stays. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dynlib.h"
#include "tap.h"

/* Declared, never defined: a function libm does not have. */
double eg_test_no_such_function(double x);

#define M_FUNCS(X) X(cos) X(sqrt)
static struct {
	M_FUNCS(DYNLIB_FIELD)
} m;
static const char *const m_names[] = { M_FUNCS(DYNLIB_NAME) };
static struct dynlib m_lib = DYNLIB_INIT("libm.so.6", "libc6", "the test", m_names, m);

#define BAD_FUNCS(X) X(cos) X(eg_test_no_such_function)
static struct {
	BAD_FUNCS(DYNLIB_FIELD)
} bad;
static const char *const bad_names[] = { BAD_FUNCS(DYNLIB_NAME) };
static struct dynlib bad_lib = DYNLIB_INIT("libm.so.6", "libc6", "the test", bad_names, bad);

static struct {
	M_FUNCS(DYNLIB_FIELD)
} none;
static struct dynlib none_lib = DYNLIB_INIT("libeppgate-none.so.0", "eppgate-none",
    "the missing backend", m_names, none);

#define THREADS 4

static void *
loader(void *arg)
{
	struct eg_err err;

	*(int *)arg = dynlib_load(&m_lib, &err);
	return NULL;
}

int
main(void)
{
	pthread_t th[THREADS];
	int rc[THREADS], i, started = 0, loaded = 0;
	struct eg_err err;
	char first[sizeof(err.msg)];
	const char *why = "the missing backend needs libeppgate-none.so.0 (Debian package "
	    "eppgate-none): ";

	/* Several threads ask first at once: each finds the table filled. */
	for (i = 0; i < THREADS; i++)
		if (pthread_create(&th[i], NULL, loader, &rc[i]) == 0)
			started++;
	tap_is_int(started, THREADS, "%d threads load libm at once", THREADS);
	for (i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		loaded += rc[i] == 0;
	}
	tap_is_int(loaded, THREADS, "each of them finds it loaded");
	tap_ok(m.cos != NULL && m.sqrt != NULL, "the table is filled");
	if (m.cos != NULL && m.sqrt != NULL)
		tap_ok(m.cos(0.0) == 1.0 && m.sqrt(16.0) == 4.0, "through it, libm's own functions");
	else
		tap_ok(0, "through it, libm's own functions");
	tap_is_int(dynlib_load(&m_lib, &err), 0, "asked again: loaded");

	/* A library that is not there: the error names it and its package, and stays. */
	memset(&err, 0, sizeof(err));
	tap_is_int(dynlib_load(&none_lib, &err), -1, "a missing library: -1");
	tap_is_int(err.code, EG_ECONFIG, "a configuration error");
	tap_ok(strncmp(err.msg, why, strlen(why)) == 0 &&
	    strstr(err.msg + strlen(why), "libeppgate-none.so.0") != NULL,
	    "saying what needs which library, its package and the loader's reason: %s", err.msg);
	snprintf(first, sizeof(first), "%s", err.msg);
	memset(&err, 0, sizeof(err));
	tap_is_int(dynlib_load(&none_lib, &err), -1, "asked again: -1");
	tap_is_str(err.msg, first, "with the same error (it is not tried again)");

	/* A library without one of the functions. */
	memset(&err, 0, sizeof(err));
	tap_is_int(dynlib_load(&bad_lib, &err), -1, "a function the library lacks: -1");
	tap_is_str(err.msg, "the test needs libm.so.6 (Debian package libc6): libm.so.6 has no "
	    "eg_test_no_such_function", "the error names the function");
	return tap_done();
}
