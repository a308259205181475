/* SPDX-License-Identifier: MIT */
/*
 * dynlib.h - a shared library loaded the first time it is needed instead of linked, and
 * the table of its functions that its one user calls through: the journal's backends
 * (journal_pg.c: libpq; journal_sqlite.c: SQLite), so that a gate without a journal maps
 * neither (BENCHMARKS.md, "RSS with 16 sessions").
 *
 * The user lists the functions once, X(f) a function, and makes from that list the table
 * (a struct of pointers, typed by the library's own header) and the names:
 *
 *	#define LIB_FUNCS(X) X(lib_open) X(lib_close)
 *	static struct { LIB_FUNCS(DYNLIB_FIELD) } lib;
 *	static const char *const lib_names[] = { LIB_FUNCS(DYNLIB_NAME) };
 *	static struct dynlib lib_so = DYNLIB_INIT("liblib.so.1", "liblib1", "the X journal",
 *	    lib_names, lib);
 */
#ifndef EG_DYNLIB_H
#define EG_DYNLIB_H

#include <pthread.h>
#include <stddef.h>

#include "err.h"

#define DYNLIB_FIELD(f) __typeof__(f) *f;
#define DYNLIB_NAME(f) #f,

struct dynlib {
	const char *file;             /* the name dlopen() takes: "libpq.so.5" */
	const char *package;          /* the Debian package that holds it: "libpq5" */
	const char *user;             /* what needs it, for the error: "the PostgreSQL journal" */
	const char *const *names;     /* the functions, in the table's order */
	size_t n;
	void **table;                 /* n function pointers (POSIX: a void * holds one) */
	pthread_mutex_t mu;
	int tried;
	char error[256];              /* why it could not be loaded; "" when loaded */
};

#define DYNLIB_INIT(file, package, user, names, table) \
	{ (file), (package), (user), (names), sizeof(names) / sizeof((names)[0]), \
	  (void **)&(table), PTHREAD_MUTEX_INITIALIZER, 0, "" }

/*
 * Loads the library and fills its table the first time it is called (it stays loaded for
 * the life of the process); later calls say the same. 0 when every function was found;
 * -1 with err set (EG_ECONFIG: the library and its package named) when the library
 * cannot be loaded or lacks one of them. Thread-safe.
 */
int dynlib_load(struct dynlib *l, struct eg_err *err);

#endif
