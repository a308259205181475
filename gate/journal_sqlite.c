/* SPDX-License-Identifier: MIT */
/*
 * journal_sqlite.c - the journal in an SQLite file (journal_int.h): WAL with
 * synchronous=FULL, so that a claim is on disk before it is acted on; a 2 MiB
 * page cache; and the checks that the file is still the one opened.
 *
 * The file is watched through a descriptor of our own (SQLite does not hand
 * out its own): the path must still name the open inode, which must still be
 * linked, never shrink (nothing here vacuums), hold whole pages and start with
 * SQLite's header. SQLite's own reports of corruption, and of a file moved or
 * deleted under it, mean the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dynlib.h"
#include "journal_int.h"

/*
 * SQLite is loaded when an SQLite journal is opened, not linked: a gate without a journal
 * then maps none of it (about 0.3 MB of its resident memory, BENCHMARKS.md, "RSS with 16
 * sessions"). sqlite3.h gives the types and constants; the functions used below go
 * through this table (dynlib.h), their names staying SQLite's.
 */
#define SQ_FUNCS(X) \
	X(sqlite3_bind_int64) \
	X(sqlite3_bind_null) \
	X(sqlite3_bind_text) \
	X(sqlite3_busy_timeout) \
	X(sqlite3_changes64) \
	X(sqlite3_clear_bindings) \
	X(sqlite3_close_v2) \
	X(sqlite3_column_bytes) \
	X(sqlite3_column_count) \
	X(sqlite3_column_text) \
	X(sqlite3_errmsg) \
	X(sqlite3_errstr) \
	X(sqlite3_exec) \
	X(sqlite3_extended_result_codes) \
	X(sqlite3_finalize) \
	X(sqlite3_open_v2) \
	X(sqlite3_prepare_v2) \
	X(sqlite3_reset) \
	X(sqlite3_step) \
	X(sqlite3_stmt_readonly) \
	X(sqlite3_system_errno) \

static struct {
	SQ_FUNCS(DYNLIB_FIELD)
} sq;
static const char *const sq_names[] = { SQ_FUNCS(DYNLIB_NAME) };
static struct dynlib sq_lib = DYNLIB_INIT("libsqlite3.so.0", "libsqlite3-0",
    "the SQLite journal", sq_names, sq);

#define sqlite3_bind_int64 sq.sqlite3_bind_int64
#define sqlite3_bind_null sq.sqlite3_bind_null
#define sqlite3_bind_text sq.sqlite3_bind_text
#define sqlite3_busy_timeout sq.sqlite3_busy_timeout
#define sqlite3_changes64 sq.sqlite3_changes64
#define sqlite3_clear_bindings sq.sqlite3_clear_bindings
#define sqlite3_close_v2 sq.sqlite3_close_v2
#define sqlite3_column_bytes sq.sqlite3_column_bytes
#define sqlite3_column_count sq.sqlite3_column_count
#define sqlite3_column_text sq.sqlite3_column_text
#define sqlite3_errmsg sq.sqlite3_errmsg
#define sqlite3_errstr sq.sqlite3_errstr
#define sqlite3_exec sq.sqlite3_exec
#define sqlite3_extended_result_codes sq.sqlite3_extended_result_codes
#define sqlite3_finalize sq.sqlite3_finalize
#define sqlite3_open_v2 sq.sqlite3_open_v2
#define sqlite3_prepare_v2 sq.sqlite3_prepare_v2
#define sqlite3_reset sq.sqlite3_reset
#define sqlite3_step sq.sqlite3_step
#define sqlite3_stmt_readonly sq.sqlite3_stmt_readonly
#define sqlite3_system_errno sq.sqlite3_system_errno

#define BUSY_MS      5000
#define STMT_CACHE   16

static const char MAGIC[16] = "SQLite format 3";   /* with its NUL: 16 bytes */

struct jdb {
	sqlite3 *db;
	char *path;
	int fd;                       /* ours, read-only: the inode that was opened */
	dev_t dev;
	ino_t ino;
	off_t max_size;               /* the largest size seen: the file never shrinks */
	long page_size;
	struct {
		const char *sql;          /* the journal's statements are constants: keyed by address */
		sqlite3_stmt *st;
	} cache[STMT_CACHE];
};

/* SQLite's message, with the system's for an I/O failure (ENOSPC: "No space left"). */
static int
fail(sqlite3 *db, int rc, const char *what, struct eg_err *err)
{
	int sys = 0;

	if (db != NULL && ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_FULL ||
	    (rc & 0xff) == SQLITE_CANTOPEN))
		sys = sqlite3_system_errno(db);
	/* SQLite keeps no errno for a write cut short by a full disk; with no page limit set
	 * (none is), SQLITE_FULL means exactly that. */
	if (sys == 0 && (rc & 0xff) == SQLITE_FULL)
		sys = ENOSPC;

	eg_err_set(err, EG_EIO, "%s: %s%s%s%s", what, db != NULL ? sqlite3_errmsg(db) :
	    sqlite3_errstr(rc), sys ? " (" : "", sys ? strerror(sys) : "", sys ? ")" : "");
	return -1;
}

/* Does rc mean the file is not the journal it was (corrupt, moved, gone, its tables
 * missing)? Anything else (a full disk, a busy lock) fails one statement only. */
static int
broken_rc(sqlite3 *db, int rc)
{
	const char *msg;

	switch (rc & 0xff) {
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_CANTOPEN:
		return 1;
	case SQLITE_READONLY:
		return rc == SQLITE_READONLY_DBMOVED;
	case SQLITE_ERROR:
		msg = sqlite3_errmsg(db);
		return strstr(msg, "no such table") != NULL || strstr(msg, "no such column") != NULL;
	default:
		return 0;
	}
}

static int
simple(sqlite3 *db, const char *sql, struct eg_err *err)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return fail(db, rc, sql, err);
	return 0;
}

/* A one-value PRAGMA's answer as text into out. */
static int
pragma(sqlite3 *db, const char *sql, char *out, size_t cap, struct eg_err *err)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *v;
	int rc;

	out[0] = '\0';
	if ((rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL)) != SQLITE_OK)
		return fail(db, rc, sql, err);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (v = sqlite3_column_text(st, 0)) != NULL)
		snprintf(out, cap, "%s", (const char *)v);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		fail(db, rc, sql, err);
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static int sq_check(struct jdb *d, struct eg_err *err);

/* The file is not the journal it was: JDB_BROKEN with err set. */
static int __attribute__((format(printf, 2, 3)))
broken(struct eg_err *err, const char *fmt, ...)
{
	va_list ap;

	err->code = EG_EIO;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return JDB_BROKEN;
}

static void
sq_close(struct jdb *d)
{
	int i;

	if (d == NULL)
		return;
	for (i = 0; i < STMT_CACHE; i++)
		sqlite3_finalize(d->cache[i].st);
	sqlite3_close_v2(d->db);   /* never fails for want of finalized statements */
	if (d->fd >= 0)
		close(d->fd);
	free(d->path);
	free(d);
}

/*
 * What is at the path before SQLite sees it: nothing (created when allowed, mode 0600), an
 * empty file (a new journal), or a file that must start with SQLite's header. The
 * journal of earlier versions (one JSON record a line) is named as such, with the fix.
 */
static int
precheck(const char *path, int create, int *fresh, struct eg_err *err)
{
	char head[16];
	struct stat st;
	ssize_t n;
	int fd;

	*fresh = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 && errno == ENOENT) {
		if (!create)
			return eg_err_set(err, EG_EIO, "%s does not exist", path);
		fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd == -1 && errno == EEXIST)   /* another gate made it meanwhile */
			return precheck(path, create, fresh, err);
		if (fd == -1)
			return eg_err_set(err, EG_EIO, "cannot create %s: %s", path, strerror(errno));
		close(fd);
		*fresh = 1;
		return 0;
	}
	if (fd == -1)
		return eg_err_set(err, EG_EIO, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return eg_err_set(err, EG_ECONFIG, "%s is not a regular file", path);
	}
	n = st.st_size > 0 ? pread(fd, head, sizeof(head), 0) : 0;
	close(fd);
	if (st.st_size == 0) {
		if (!create)
			return eg_err_set(err, EG_EIO, "%s is empty", path);
		return 0;
	}
	if (n == (ssize_t)sizeof(head) && memcmp(head, MAGIC, sizeof(MAGIC)) == 0)
		return 0;
	if (n > 0 && (head[0] == '{' || head[0] == '\n'))
		return eg_err_set(err, EG_ECONFIG, "%s is a journal of the older format (one JSON "
		    "record a line), which this version does not read: move it aside (mv %s "
		    "%s.old) and start the gate again; it begins a new journal (the requests "
		    "recorded only in the old one are then no longer known)", path, path, path);
	return eg_err_set(err, EG_ECONFIG, "%s is not an SQLite database: name another "
	    "journal.file, or move this file aside and start the gate again", path);
}

static struct jdb *
sq_open(const struct journal_opts *o, int create, struct eg_err *err)
{
	struct jdb *d;
	struct stat st;
	char v[64];
	int rc, fresh, i;

	if (dynlib_load(&sq_lib, err) == -1 || precheck(o->file, create, &fresh, err) == -1)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL || (d->path = strdup(o->file)) == NULL) {
		free(d);
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	d->fd = -1;
	rc = sqlite3_open_v2(o->file, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	    NULL);
	if (rc != SQLITE_OK) {
		fail(d->db, rc, o->file, err);
		goto bad;
	}
	sqlite3_extended_result_codes(d->db, 1);
	sqlite3_busy_timeout(d->db, BUSY_MS);
	if (pragma(d->db, "PRAGMA journal_mode = WAL", v, sizeof(v), err) == -1)
		goto bad;
	if (strcmp(v, "wal") != 0) {
		eg_err_set(err, EG_EIO, "%s: cannot use write-ahead logging (journal_mode %s)",
		    o->file, v);
		goto bad;
	}
	if (simple(d->db, "PRAGMA synchronous = FULL", err) == -1 ||
	    simple(d->db, "PRAGMA cache_size = -2048", err) == -1 ||
	    simple(d->db, "PRAGMA mmap_size = 0", err) == -1)
		goto bad;
	if (!fresh) {
		if (pragma(d->db, "PRAGMA quick_check(1)", v, sizeof(v), err) == -1)
			goto bad;
		if (strcmp(v, "ok") != 0) {
			eg_err_set(err, EG_EIO, "%s is damaged (quick_check: %s)", o->file, v);
			goto bad;
		}
	}
	if (create) {
		if (simple(d->db, "BEGIN IMMEDIATE", err) == -1)
			goto bad;
		for (i = 0; journal_schema[i] != NULL; i++)
			if (simple(d->db, journal_schema[i], err) == -1) {
				sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
				goto bad;
			}
		if (simple(d->db, "COMMIT", err) == -1)
			goto bad;
	}
	for (i = 0; journal_verify[i] != NULL; i++)
		if (simple(d->db, journal_verify[i], err) == -1) {
			eg_err_prefix(err, "%s is not a journal of this version: ", o->file);
			goto bad;
		}
	if (pragma(d->db, "PRAGMA page_size", v, sizeof(v), err) == -1)
		goto bad;
	d->page_size = strtol(v, NULL, 10);
	if ((d->fd = open(o->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1 ||
	    fstat(d->fd, &st) == -1) {
		eg_err_set(err, EG_EIO, "cannot open %s: %s", o->file, strerror(errno));
		goto bad;
	}
	d->dev = st.st_dev;
	d->ino = st.st_ino;
	d->max_size = st.st_size;
	if (d->page_size <= 0)
		d->page_size = 4096;
	if (sq_check(d, err) != 0)
		goto bad;
	return d;
bad:
	sq_close(d);
	return NULL;
}

static int
sq_check(struct jdb *d, struct eg_err *err)
{
	struct stat ps, fs;
	char head[16];

	if (fstat(d->fd, &fs) == -1)
		return broken(err, "%s: %s", d->path, strerror(errno));
	if (stat(d->path, &ps) == -1) {
		if (errno == ENOENT)
			return broken(err, "%s was deleted while in use", d->path);
		return broken(err, "%s: %s", d->path, strerror(errno));
	}
	if (fs.st_nlink == 0 || ps.st_dev != d->dev || ps.st_ino != d->ino)
		return broken(err, "%s was replaced by another file while in use", d->path);
	if (fs.st_size < d->max_size)
		return broken(err, "%s was truncated while in use (from %lld to %lld bytes)",
		    d->path, (long long)d->max_size, (long long)fs.st_size);
	if (fs.st_size % d->page_size != 0)
		return broken(err, "%s has %lld bytes, not a whole number of %ld-byte pages: "
		    "something was appended to it or cut from it", d->path, (long long)fs.st_size,
		    d->page_size);
	if (fs.st_size >= (off_t)sizeof(head) &&
	    (pread(d->fd, head, sizeof(head), 0) != (ssize_t)sizeof(head) ||
	    memcmp(head, MAGIC, sizeof(MAGIC)) != 0))
		return broken(err, "%s no longer starts with SQLite's header: it was overwritten",
		    d->path);
	d->max_size = fs.st_size;
	return 0;
}

/* The prepared statement for sql, kept for the next call when there is room (*cached). The
 * journal's statements are constants: the cache is keyed by their address. */
static sqlite3_stmt *
prepared(struct jdb *d, const char *sql, int *cached, int *rc)
{
	sqlite3_stmt *st = NULL;
	int i, free_slot = -1;

	*cached = 1;
	for (i = 0; i < STMT_CACHE; i++) {
		if (d->cache[i].sql == sql)
			return d->cache[i].st;
		if (d->cache[i].sql == NULL && free_slot < 0)
			free_slot = i;
	}
	if ((*rc = sqlite3_prepare_v2(d->db, sql, -1, &st, NULL)) != SQLITE_OK)
		return NULL;
	if (free_slot >= 0) {
		d->cache[free_slot].sql = sql;
		d->cache[free_slot].st = st;
	} else {
		*cached = 0;
	}
	return st;
}

/* The first row's columns into row, as text. -1: out of memory. */
static int
copy_row(sqlite3_stmt *st, struct jrow *row)
{
	int i, cols = sqlite3_column_count(st);

	if (cols > JROW_COLS)
		cols = JROW_COLS;
	for (i = 0; i < cols; i++)
		if (jrow_set(row, i, (const char *)sqlite3_column_text(st, i),
		    (size_t)sqlite3_column_bytes(st, i)) == -1) {
			jrow_clear(row);
			return -1;
		}
	row->n = cols;
	return 0;
}

static int64_t
sq_exec(struct jdb *d, const char *sql, const struct jval *p, int np, struct jrow *row,
    struct eg_err *err)
{
	sqlite3_stmt *st;
	int64_t n = 0;
	int rc = SQLITE_OK, i, cached = 0;

	if (row != NULL)
		jrow_clear(row);
	if ((st = prepared(d, sql, &cached, &rc)) == NULL)
		goto failed;
	for (i = 0; i < np && rc == SQLITE_OK; i++) {
		if (p[i].is_int)
			rc = sqlite3_bind_int64(st, i + 1, p[i].i);
		else if (p[i].s == NULL)
			rc = sqlite3_bind_null(st, i + 1);
		else
			rc = sqlite3_bind_text(st, i + 1, p[i].s,
			    (int)(p[i].n > 0 ? p[i].n : strlen(p[i].s)), SQLITE_STATIC);
	}
	if (rc != SQLITE_OK)
		goto failed;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		n = 1;
		if (row != NULL && copy_row(st, row) == -1) {
			eg_err_set(err, EG_ENOMEM, "out of memory");
			n = JDB_FAILED;
		}
	} else if (rc == SQLITE_DONE) {
		n = sqlite3_stmt_readonly(st) ? 0 : sqlite3_changes64(d->db);
	} else {
		goto failed;
	}
	goto out;
failed:
	fail(d->db, rc, d->path, err);
	n = broken_rc(d->db, rc) ? JDB_BROKEN : JDB_FAILED;
out:
	if (st != NULL) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (!cached)
			sqlite3_finalize(st);
	}
	return n;
}

const struct jdb_ops journal_sqlite_ops = {
	"sqlite", sq_open, sq_exec, sq_check, sq_close,
};
