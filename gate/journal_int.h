/* SPDX-License-Identifier: MIT */
/*
 * journal_int.h - what the journal (journal.c: the states, the decisions, the
 * maintenance) needs of a backend, and nothing more: open a connection, run
 * one statement with parameters, check soundness, close. The SQL is written
 * once, in journal.c, with "?" placeholders; both backends run it as it is
 * (SQLite) or numbered (PostgreSQL: $1, $2...). No module but journal*.c
 * sees this header.
 */
#ifndef EG_JOURNAL_INT_H
#define EG_JOURNAL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"

/* A statement's parameter: text (s, n bytes; n 0: strlen), an integer, or NULL. */
struct jval {
	const char *s;
	size_t n;
	int64_t i;
	int is_int;
};

#define JROW_COLS 12

/* The first row of a result: each column's text (malloc'd, NUL-terminated) or NULL for an
 * SQL NULL. n 0: no row. jrow_clear frees it. */
struct jrow {
	int n;
	char *v[JROW_COLS];
	size_t len[JROW_COLS];
};

void jrow_clear(struct jrow *r);

/* A copy of len bytes at s into row column i (NULL s: SQL NULL). -1: out of memory. */
int jrow_set(struct jrow *r, int i, const char *s, size_t len);

/* What exec and check return besides a count. */
#define JDB_FAILED (-1)   /* this statement failed (disk full, a constraint...) */
#define JDB_BROKEN (-2)   /* the store is unsound or unreachable: nothing more until the
                             journal has re-opened or reconnected */

struct jdb;

struct jdb_ops {
	const char *name;   /* "sqlite", "postgresql" */
	/* Opens the store of o. create: make the file and tables when missing (the gate's
	 * start); else they must be there (re-opening an unsound journal). Runs
	 * journal_schema[] (create) and journal_verify[]. NULL with err set. */
	struct jdb *(*open)(const struct journal_opts *o, int create, struct eg_err *err);
	/* One statement. row (when not NULL) gets the first row. Returns the rows changed
	 * (INSERT, UPDATE, DELETE) or returned (SELECT), or JDB_FAILED / JDB_BROKEN with err. */
	int64_t (*exec)(struct jdb *db, const char *sql, const struct jval *p, int np,
	    struct jrow *row, struct eg_err *err);
	/* Cheap: is the store still the one opened (SQLite: the file), still reachable
	 * (PostgreSQL: the connection)? 0, or JDB_BROKEN with err. */
	int (*check)(struct jdb *db, struct eg_err *err);
	void (*close)(struct jdb *db);
};

extern const struct jdb_ops journal_sqlite_ops;
extern const struct jdb_ops journal_pg_ops;

/* The schema (CREATE ... IF NOT EXISTS, NULL-terminated) and the statements that fail
 * when a table lacks a column the journal uses (NULL-terminated). */
extern const char *const journal_schema[];
extern const char *const journal_verify[];

#endif
