/* SPDX-License-Identifier: MIT */
/*
 * journal_pg.c - the journal in PostgreSQL (journal_int.h), shared by gates on
 * several hosts. libpq takes the URL as it is, so its TLS settings (sslmode,
 * sslrootcert...) and environment (PGSSLMODE, PGCONNECT_TIMEOUT...) apply; the
 * password comes from the gate's password file and is given to libpq alone.
 *
 * Every statement is bounded: sent without waiting, then its answer waited for
 * at most STMT_MS, after which it is cancelled and the connection counts as
 * lost (the journal then reconnects, journal.c). The session asks for
 * synchronous_commit = on whatever the server's default: a claim must be on
 * the server's disk before the command is written.
 */
#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dynlib.h"
#include "journal_int.h"

/*
 * libpq is loaded when a PostgreSQL journal is opened, not linked: with its dependencies
 * (Kerberos, LDAP, GnuTLS...) it weighed about 3 MB of every gate's resident memory,
 * journal or not (BENCHMARKS.md, "RSS with 16 sessions"). The functions used below go
 * through this table (dynlib.h); their names stay libpq's.
 */
#define PQ_FUNCS(X) \
	X(PQcancel) \
	X(PQclear) \
	X(PQcmdTuples) \
	X(PQconnectdbParams) \
	X(PQconsumeInput) \
	X(PQerrorMessage) \
	X(PQfinish) \
	X(PQfreeCancel) \
	X(PQgetCancel) \
	X(PQgetResult) \
	X(PQgetisnull) \
	X(PQgetlength) \
	X(PQgetvalue) \
	X(PQisBusy) \
	X(PQnfields) \
	X(PQntuples) \
	X(PQresultErrorField) \
	X(PQresultErrorMessage) \
	X(PQresultStatus) \
	X(PQsendQueryParams) \
	X(PQsetNoticeProcessor) \
	X(PQsocket) \
	X(PQstatus) \

static struct {
	PQ_FUNCS(DYNLIB_FIELD)
} pq;
static const char *const pq_names[] = { PQ_FUNCS(DYNLIB_NAME) };
static struct dynlib pq_lib = DYNLIB_INIT("libpq.so.5", "libpq5", "the PostgreSQL journal",
    pq_names, pq);

#define PQcancel pq.PQcancel
#define PQclear pq.PQclear
#define PQcmdTuples pq.PQcmdTuples
#define PQconnectdbParams pq.PQconnectdbParams
#define PQconsumeInput pq.PQconsumeInput
#define PQerrorMessage pq.PQerrorMessage
#define PQfinish pq.PQfinish
#define PQfreeCancel pq.PQfreeCancel
#define PQgetCancel pq.PQgetCancel
#define PQgetResult pq.PQgetResult
#define PQgetisnull pq.PQgetisnull
#define PQgetlength pq.PQgetlength
#define PQgetvalue pq.PQgetvalue
#define PQisBusy pq.PQisBusy
#define PQnfields pq.PQnfields
#define PQntuples pq.PQntuples
#define PQresultErrorField pq.PQresultErrorField
#define PQresultErrorMessage pq.PQresultErrorMessage
#define PQresultStatus pq.PQresultStatus
#define PQsendQueryParams pq.PQsendQueryParams
#define PQsetNoticeProcessor pq.PQsetNoticeProcessor
#define PQsocket pq.PQsocket
#define PQstatus pq.PQstatus

#define STMT_MS          5000
#define CONNECT_TIMEOUT  "10"        /* seconds, unless the URL or PGCONNECT_TIMEOUT say */
#define MAX_PARAMS       8
#define SCHEMA_LOCK      "7046716101"   /* advisory lock: one gate creates the tables */

struct jdb {
	PGconn *c;
};

static void
no_notices(void *arg, const char *msg)
{
	/* "relation already exists, skipping" and the like: nothing for the log */
	(void)arg;
	(void)msg;
}

/* libpq's message on one line. */
static void
conn_error(PGconn *c, const char *what, struct eg_err *err)
{
	char msg[400];
	size_t n, o;

	snprintf(msg, sizeof(msg), "%s", c != NULL ? PQerrorMessage(c) : "out of memory");
	for (n = strlen(msg); n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '); n--)
		msg[n - 1] = '\0';
	for (n = 0, o = 0; msg[n] != '\0'; n++) {
		if (msg[n] == '\n' || msg[n] == '\t')
			msg[n] = ' ';
		if (msg[n] != ' ' || o == 0 || msg[o - 1] != ' ')
			msg[o++] = msg[n];
	}
	msg[o] = '\0';
	eg_err_set(err, EG_EIO, "%s: %s", what, msg[0] ? msg : "connection lost");
}

/* "?" placeholders numbered: $1, $2... (the journal's SQL has no '?' in a literal). */
static char *
numbered(const char *sql)
{
	size_t n = strlen(sql), i, o = 0;
	char *out = malloc(n * 3 + 1);
	int k = 0;

	if (out == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (sql[i] == '?')
			o += (size_t)sprintf(out + o, "$%d", ++k);
		else
			out[o++] = sql[i];
	}
	out[o] = '\0';
	return out;
}

/* Waits for the answer of what was sent, at most STMT_MS. 0 ready; -1 lost or late. */
static int
await(PGconn *c, struct eg_err *err)
{
	int64_t end = eg_now_ms() + STMT_MS, left;
	struct pollfd pfd;
	PGcancel *cancel;
	char buf[256];
	int r;

	for (;;) {
		if (PQconsumeInput(c) == 0) {
			conn_error(c, "the journal's database", err);
			return -1;
		}
		if (!PQisBusy(c))
			return 0;
		if ((left = end - eg_now_ms()) <= 0)
			break;
		pfd.fd = PQsocket(c);
		pfd.events = POLLIN;
		r = poll(&pfd, 1, (int)left);
		if (r == -1 && errno != EINTR) {
			eg_err_set(err, EG_EIO, "the journal's database: poll: %s", strerror(errno));
			return -1;
		}
	}
	if ((cancel = PQgetCancel(c)) != NULL) {
		PQcancel(cancel, buf, sizeof(buf));
		PQfreeCancel(cancel);
	}
	eg_err_set(err, EG_EIO, "the journal's database did not answer within %d s",
	    STMT_MS / 1000);
	return -1;
}

/* Class of an SQLSTATE that means the database is not the one we can use: the connection
 * (08), the server going away (57), the tables or database missing (42P01, 42703, 3D000). */
static int
broken_state(const char *st)
{
	return st == NULL || strncmp(st, "08", 2) == 0 || strncmp(st, "57", 2) == 0 ||
	    strcmp(st, "42P01") == 0 || strcmp(st, "42703") == 0 || strcmp(st, "3D000") == 0;
}

static int64_t
pg_exec(struct jdb *d, const char *sql, const struct jval *p, int np, struct jrow *row,
    struct eg_err *err)
{
	const char *vals[MAX_PARAMS];
	int lens[MAX_PARAMS], fmts[MAX_PARAMS];
	char nums[MAX_PARAMS][24];
	PGresult *res, *first = NULL;
	const char *state, *msg;
	char *q;
	int64_t n = JDB_FAILED;
	int i, cols;

	if (row != NULL)
		jrow_clear(row);
	if (np > MAX_PARAMS)
		return eg_err_set(err, EG_EIO, "internal error: too many parameters");
	if (d->c == NULL || PQstatus(d->c) != CONNECTION_OK) {
		eg_err_set(err, EG_EIO, "the connection to the journal's database was lost");
		return JDB_BROKEN;
	}
	for (i = 0; i < np; i++) {
		fmts[i] = 0;
		if (p[i].is_int) {
			snprintf(nums[i], sizeof(nums[i]), "%lld", (long long)p[i].i);
			vals[i] = nums[i];
		} else {
			vals[i] = p[i].s;
		}
		lens[i] = vals[i] != NULL ? (int)(p[i].n > 0 ? p[i].n : strlen(vals[i])) : 0;
	}
	if ((q = numbered(sql)) == NULL)
		return eg_err_set(err, EG_ENOMEM, "out of memory");
	if (PQsendQueryParams(d->c, q, np, NULL, vals, lens, fmts, 0) == 0) {
		free(q);
		conn_error(d->c, "the journal's database", err);
		return PQstatus(d->c) == CONNECTION_OK ? JDB_FAILED : JDB_BROKEN;
	}
	free(q);
	if (await(d->c, err) == -1) {
		/* An answer that may still come would be read as the next statement's. */
		PQfinish(d->c);
		d->c = NULL;
		return JDB_BROKEN;
	}
	while ((res = PQgetResult(d->c)) != NULL) {
		if (first == NULL)
			first = res;
		else
			PQclear(res);
	}
	if (first == NULL) {
		conn_error(d->c, "the journal's database", err);
		return JDB_BROKEN;
	}
	switch (PQresultStatus(first)) {
	case PGRES_COMMAND_OK:
		n = strtoll(PQcmdTuples(first), NULL, 10);
		break;
	case PGRES_TUPLES_OK:
		n = PQntuples(first);
		if (row == NULL || n == 0)
			break;
		cols = PQnfields(first) < JROW_COLS ? PQnfields(first) : JROW_COLS;
		for (i = 0; i < cols; i++)
			if (jrow_set(row, i, PQgetisnull(first, 0, i) ? NULL : PQgetvalue(first, 0, i),
			    (size_t)PQgetlength(first, 0, i)) == -1) {
				jrow_clear(row);
				eg_err_set(err, EG_ENOMEM, "out of memory");
				n = JDB_FAILED;
				goto out;
			}
		row->n = cols;
		break;
	default:
		state = PQresultErrorField(first, PG_DIAG_SQLSTATE);
		msg = PQresultErrorField(first, PG_DIAG_MESSAGE_PRIMARY);
		if (msg == NULL)
			msg = PQresultErrorMessage(first);
		eg_err_set(err, EG_EIO, "the journal's database: %s%s%s%s", msg != NULL ? msg : "",
		    state ? " (SQLSTATE " : "", state ? state : "", state ? ")" : "");
		n = broken_state(state) || PQstatus(d->c) != CONNECTION_OK ? JDB_BROKEN :
		    JDB_FAILED;
		break;
	}
out:
	PQclear(first);
	return n;
}

static int
pg_check(struct jdb *d, struct eg_err *err)
{
	if (d->c == NULL || PQstatus(d->c) != CONNECTION_OK) {
		eg_err_set(err, EG_EIO, "the connection to the journal's database was lost");
		return JDB_BROKEN;
	}
	return 0;
}

static void
pg_close(struct jdb *d)
{
	if (d == NULL)
		return;
	if (d->c != NULL)
		PQfinish(d->c);
	free(d);
}

static int
simple(struct jdb *d, const char *sql, struct eg_err *err)
{
	return pg_exec(d, sql, NULL, 0, NULL, err) < 0 ? -1 : 0;
}

static struct jdb *
pg_open(const struct journal_opts *o, int create, struct eg_err *err)
{
	const char *keys[6], *vals[6];
	struct jdb *d;
	int k = 0, i;

	if (dynlib_load(&pq_lib, err) == -1)
		return NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	/* Before the URL, so that what it says wins; the environment's only when unset. */
	if (getenv("PGCONNECT_TIMEOUT") == NULL) {
		keys[k] = "connect_timeout";
		vals[k++] = CONNECT_TIMEOUT;
	}
	keys[k] = "fallback_application_name";
	vals[k++] = "epp-gate";
	keys[k] = "dbname";
	vals[k++] = o->url;
	if (o->password != NULL && o->password[0] != '\0') {
		keys[k] = "password";
		vals[k++] = o->password;
	}
	keys[k] = NULL;
	vals[k] = NULL;
	d->c = PQconnectdbParams(keys, vals, 1);
	if (d->c == NULL || PQstatus(d->c) != CONNECTION_OK) {
		conn_error(d->c, "cannot connect to the journal's database", err);
		goto bad;
	}
	PQsetNoticeProcessor(d->c, no_notices, NULL);
	if (simple(d, "SET synchronous_commit = on", err) == -1)
		goto bad;
	if (create) {
		if (simple(d, "BEGIN", err) == -1 ||
		    simple(d, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK ")", err) == -1)
			goto bad;
		for (i = 0; journal_schema[i] != NULL; i++)
			if (simple(d, journal_schema[i], err) == -1) {
				eg_err_prefix(err, "cannot create the journal's tables: ");
				goto bad;
			}
		if (simple(d, "COMMIT", err) == -1)
			goto bad;
	}
	for (i = 0; journal_verify[i] != NULL; i++)
		if (simple(d, journal_verify[i], err) == -1) {
			eg_err_prefix(err, "the journal's tables are missing or not of this "
			    "version: ");
			goto bad;
		}
	return d;
bad:
	pg_close(d);
	return NULL;
}

const struct jdb_ops journal_pg_ops = {
	"postgresql", pg_open, pg_exec, pg_check, pg_close,
};
