/* SPDX-License-Identifier: MIT */
/*
 * journal.c - the request journal (journal.h): the schema, the claim's state
 * machine and its decisions, the gate's lease, soundness, retries of failed
 * writes and pruning; the same for both backends (journal_sqlite.c,
 * journal_pg.c), which only run statements.
 *
 * Locks: `mu` is held around every statement and around swapping the backend's
 * connection (re-opening); `st_mu` guards what journal_status shows, so that
 * the AMQP thread never waits on a statement. Order: mu, then st_mu.
 */
#include "journal.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"
#include "journal_int.h"
#include "utf8.h"

#define PENDING_MAX      1000
#define PRUNE_EVERY_MS   60000
#define PRUNE_BATCH      500
#define PRUNE_BATCHES    20
#define COUNT_EVERY_MS   30000
#define RETRY_MIN_MS     1000
#define RETRY_MAX_MS     30000
#define REMIND_EVERY_MS  300000

/* ---- the schema and the statements ------------------------------------------ */

const char *const journal_schema[] = {
	"CREATE TABLE IF NOT EXISTS eppgate_journal ("
	" message_id TEXT PRIMARY KEY,"
	" state TEXT NOT NULL CHECK (state IN ('claimed', 'sent', 'done', 'unknown')),"
	" command TEXT NOT NULL,"
	" object TEXT NOT NULL,"
	" request_sha256 TEXT NOT NULL,"
	" cltrid TEXT NOT NULL,"
	" gate_id TEXT NOT NULL,"
	" claimed_ms BIGINT NOT NULL,"
	" sent_ms BIGINT,"
	" done_ms BIGINT,"
	" result_code INTEGER,"
	" reply TEXT)",
	"CREATE INDEX IF NOT EXISTS eppgate_journal_claimed ON eppgate_journal (claimed_ms)",
	"CREATE TABLE IF NOT EXISTS eppgate_gates ("
	" gate_id TEXT PRIMARY KEY,"
	" host TEXT NOT NULL,"
	" pid INTEGER NOT NULL,"
	" started_ms BIGINT NOT NULL,"
	" lease_until_ms BIGINT NOT NULL)",
	NULL,
};

const char *const journal_verify[] = {
	"SELECT message_id, state, command, object, request_sha256, cltrid, gate_id, claimed_ms,"
	" sent_ms, done_ms, result_code, reply FROM eppgate_journal LIMIT 0",
	"SELECT gate_id, host, pid, started_ms, lease_until_ms FROM eppgate_gates LIMIT 0",
	NULL,
};

static const char SQL_CLAIM[] =
	"INSERT INTO eppgate_journal (message_id, state, command, object, request_sha256,"
	" cltrid, gate_id, claimed_ms) VALUES (?, 'claimed', ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (message_id) DO NOTHING";
static const char SQL_ROW[] =
	"SELECT j.state, j.command, j.object, j.request_sha256, j.cltrid, j.gate_id,"
	" j.claimed_ms, j.sent_ms, j.reply, g.lease_until_ms"
	" FROM eppgate_journal j LEFT JOIN eppgate_gates g ON g.gate_id = j.gate_id"
	" WHERE j.message_id = ?";
static const char SQL_TAKE_OVER[] =
	"UPDATE eppgate_journal SET gate_id = ?, cltrid = ?, claimed_ms = ?"
	" WHERE message_id = ? AND state = 'claimed' AND gate_id = ?";
static const char SQL_SENT[] =
	"UPDATE eppgate_journal SET state = 'sent', sent_ms = ?, cltrid = ?"
	" WHERE message_id = ? AND gate_id = ? AND state = 'claimed'";
static const char SQL_DONE[] =
	"UPDATE eppgate_journal SET state = 'done', done_ms = ?, result_code = ?, reply = ?"
	" WHERE message_id = ? AND gate_id = ? AND state = 'sent'";
static const char SQL_UNKNOWN[] =
	"UPDATE eppgate_journal SET state = 'unknown'"
	" WHERE message_id = ? AND gate_id = ? AND state = 'sent'";
static const char SQL_RELEASE[] =
	"DELETE FROM eppgate_journal"
	" WHERE message_id = ? AND gate_id = ? AND state IN ('claimed', 'sent')";
static const char SQL_LEASE[] =
	"INSERT INTO eppgate_gates (gate_id, host, pid, started_ms, lease_until_ms)"
	" VALUES (?, ?, ?, ?, ?) ON CONFLICT (gate_id)"
	" DO UPDATE SET lease_until_ms = excluded.lease_until_ms";
static const char SQL_LEASE_END[] = "DELETE FROM eppgate_gates WHERE gate_id = ?";
static const char SQL_PRUNE[] =
	"DELETE FROM eppgate_journal WHERE message_id IN (SELECT message_id FROM eppgate_journal"
	" WHERE claimed_ms < ? ORDER BY claimed_ms LIMIT ?)";
static const char SQL_PRUNE_GATES[] = "DELETE FROM eppgate_gates WHERE lease_until_ms < ?";
static const char SQL_COUNT[] = "SELECT count(*) FROM eppgate_journal";

/* ---- the journal ---------------------------------------------------------------- */

enum pend_op { PEND_DONE, PEND_UNKNOWN, PEND_RELEASE };

/* A write that failed, to be tried again by journal_check. */
struct pending {
	struct pending *next;
	enum pend_op op;
	char *reply;
	size_t len;
	int code;
	char id[];
};

struct journal {
	const struct jdb_ops *ops;
	struct journal_opts o;          /* strings below are copies */
	char *file, *url, *password;
	struct eg_log *log;
	char gate_id[128];
	char host[64];
	int64_t started_ms;

	pthread_mutex_t mu;             /* the connection and every statement */
	struct jdb *db;
	struct pending *pend, **pend_tail;
	atomic_int npend;               /* read by journal_status without mu */

	pthread_mutex_t st_mu;          /* what journal_status shows, and the re-open timing */
	int broken;                     /* unsound or unreachable: every claim fails */
	char problem[512];
	long rows;
	int64_t retry_at, retry_step;   /* monotonic ms: next re-open attempt, and the step */
	int64_t next_remind;            /* monotonic ms: the next reminder in the log */

	/* journal_check's own (one caller at a time: the thread, or a test) */
	int64_t next_prune, next_count;
	int never_opened;               /* PostgreSQL unreachable since the start: the tables
	                                   may still have to be made */

	pthread_mutex_t th_mu;
	pthread_cond_t th_cv;
	pthread_t th;
	int th_started, th_stop;
};

void
jrow_clear(struct jrow *r)
{
	int i;

	for (i = 0; i < JROW_COLS; i++) {
		free(r->v[i]);
		r->v[i] = NULL;
		r->len[i] = 0;
	}
	r->n = 0;
}

int
jrow_set(struct jrow *r, int i, const char *s, size_t len)
{
	if (i < 0 || i >= JROW_COLS)
		return 0;
	free(r->v[i]);
	r->v[i] = NULL;
	r->len[i] = 0;
	if (s == NULL)
		return 0;
	if ((r->v[i] = malloc(len + 1)) == NULL)
		return -1;
	memcpy(r->v[i], s, len);
	r->v[i][len] = '\0';
	r->len[i] = len;
	return 0;
}

static struct jval
txt(const char *s)
{
	struct jval v = {s, 0, 0, 0};

	return v;
}

static struct jval
num(int64_t i)
{
	struct jval v = {NULL, 0, i, 1};

	return v;
}

/* The journal in log lines: its file, or its URL (which holds no password: the config
 * refuses one there; one given some other way is not shown). */
static const char *
where(const struct journal *j)
{
	const char *auth, *at;

	if (j->file != NULL)
		return j->file;
	auth = strstr(j->url, "://");
	at = auth != NULL ? strchr(auth, '@') : NULL;
	if (auth == NULL || strstr(j->url, "password") != NULL ||
	    (at != NULL && memchr(auth + 3, ':', (size_t)(at - auth - 3)) != NULL))
		return "(PostgreSQL)";
	return j->url;
}

/* What the operator does about an unsound journal. */
static const char *
advice(const struct journal *j)
{
	if (j->file != NULL)
		return "restore the file (from a backup: the gate re-opens it within seconds once "
		    "it is a sound journal), or restart the gate to begin a new, empty journal "
		    "(requests recorded only in the lost one are then no longer known)";
	return "the gate reconnects by itself; check the server, the network and the "
	    "journal's tables";
}

/* Records that the journal is unsound (mu held). Logged once, at error. */
static void
set_broken(struct journal *j, const struct eg_err *why)
{
	int first;

	pthread_mutex_lock(&j->st_mu);
	first = !j->broken;
	j->broken = 1;
	snprintf(j->problem, sizeof(j->problem), "%s", why->msg);
	if (first) {
		j->retry_at = 0;
		j->retry_step = RETRY_MIN_MS;
		j->next_remind = eg_now_ms() + REMIND_EVERY_MS;
	}
	pthread_mutex_unlock(&j->st_mu);
	if (first) {
		log_err(j->log, "journal %s: %s; commands with side effects are refused (not sent) "
		    "until it is sound again: %s", where(j), why->msg, advice(j));
	}
}

static int
is_broken(struct journal *j, struct eg_err *err)
{
	int b;

	pthread_mutex_lock(&j->st_mu);
	b = j->broken;
	if (b && err != NULL)
		eg_err_set(err, EG_EIO, "the journal is not usable: %s", j->problem);
	pthread_mutex_unlock(&j->st_mu);
	return b;
}

/* One statement (mu held); a broken store is noted. */
static int64_t
run(struct journal *j, const char *sql, const struct jval *p, int np, struct jrow *row,
    struct eg_err *err)
{
	int64_t n;

	if (j->db == NULL)
		return eg_err_set(err, EG_EIO, "the journal is not open");
	n = j->ops->exec(j->db, sql, p, np, row, err);
	if (n == JDB_BROKEN)
		set_broken(j, err);
	return n < 0 ? -1 : n;
}

/* Usable for a claim (mu held): not known to be broken, and the cheap check passes. */
static int
usable(struct journal *j, struct eg_err *err)
{
	if (is_broken(j, err))
		return -1;
	if (j->db == NULL || j->ops->check(j->db, err) != 0) {
		if (j->db == NULL)
			eg_err_set(err, EG_EIO, "the journal is not open");
		set_broken(j, err);
		eg_err_prefix(err, "the journal is not usable: ");
		return -1;
	}
	return 0;
}

static int
renew_lease(struct journal *j, struct eg_err *err)
{
	int64_t now = eg_wall_ms();
	struct jval p[] = {txt(j->gate_id), txt(j->host), num(getpid()), num(j->started_ms),
	    num(now + j->o.lease_ms)};

	return run(j, SQL_LEASE, p, 5, NULL, err) < 0 ? -1 : 0;
}

/* ---- open and close -------------------------------------------------------------- */

static char *
dup_opt(const char *s)
{
	return s != NULL && s[0] != '\0' ? strdup(s) : NULL;
}

static void
make_gate_id(struct journal *j)
{
	uint32_t rnd = 0;
	char *dot;

	if (gethostname(j->host, sizeof(j->host)) == -1 || j->host[0] == '\0')
		snprintf(j->host, sizeof(j->host), "localhost");
	j->host[sizeof(j->host) - 1] = '\0';
	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		rnd = (uint32_t)eg_now_us();
	/* The short name reads better in gate_status and psql; the pid, the start and a random
	 * part keep two gates apart even on hosts of the same name. */
	if ((dot = strchr(j->host, '.')) != NULL)
		*dot = '\0';
	snprintf(j->gate_id, sizeof(j->gate_id), "%s:%ld:%" PRId64 ":%08" PRIx32, j->host,
	    (long)getpid(), j->started_ms, rnd);
}

static void *maint_main(void *arg);
static void retry_pending(struct journal *j);

struct journal *
journal_open(const struct journal_opts *o, struct eg_err *err)
{
	struct journal *j;
	pthread_condattr_t ca;
	struct jrow row = {0};
	int rc;

	if ((o->file == NULL || o->file[0] == '\0') == (o->url == NULL || o->url[0] == '\0')) {
		eg_err_set(err, EG_ECONFIG, "the journal needs either a file (SQLite) or a url "
		    "(PostgreSQL)");
		return NULL;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	j->o = *o;
	j->file = dup_opt(o->file);
	j->url = dup_opt(o->url);
	j->password = dup_opt(o->password);
	j->o.file = j->file;
	j->o.url = j->url;
	j->o.password = j->password;
	j->o.gate_id = NULL;
	j->log = o->log;
	if (j->o.retention_ms <= 0)
		j->o.retention_ms = JOURNAL_RETENTION_MS;
	if (j->o.lease_ms <= 0)
		j->o.lease_ms = JOURNAL_LEASE_MS;
	if (j->o.tick_ms == 0)
		j->o.tick_ms = j->o.lease_ms / 5 > 0 ? j->o.lease_ms / 5 : 1;
	j->ops = j->file != NULL ? &journal_sqlite_ops : &journal_pg_ops;
	j->started_ms = eg_wall_ms();
	j->rows = -1;
	j->pend_tail = &j->pend;
	pthread_mutex_init(&j->mu, NULL);
	pthread_mutex_init(&j->st_mu, NULL);
	pthread_mutex_init(&j->th_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->th_cv, &ca);
	pthread_condattr_destroy(&ca);
	make_gate_id(j);
	if (o->gate_id != NULL && o->gate_id[0] != '\0')
		snprintf(j->gate_id, sizeof(j->gate_id), "%s", o->gate_id);
	if ((j->file != NULL) != (o->file != NULL && o->file[0] != '\0') ||
	    (j->url != NULL) != (o->url != NULL && o->url[0] != '\0') ||
	    (j->password != NULL) != (o->password != NULL && o->password[0] != '\0')) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		goto fail;
	}
	if ((j->db = j->ops->open(&j->o, 1, err)) == NULL) {
		if (j->file != NULL)
			goto fail;
		/* A server out of reach at the start: the gate runs (queries need no journal)
		 * and refuses commands with side effects until the thread has connected. */
		j->never_opened = 1;
		set_broken(j, err);
	} else {
		pthread_mutex_lock(&j->mu);
		rc = renew_lease(j, err);
		if (rc == 0 && run(j, SQL_COUNT, NULL, 0, &row, err) >= 0 && row.n > 0 && row.v[0])
			j->rows = strtol(row.v[0], NULL, 10);
		jrow_clear(&row);
		pthread_mutex_unlock(&j->mu);
		if (rc == -1) {
			eg_err_prefix(err, "cannot record this gate's lease: ");
			goto fail;
		}
	}
	log_info(j->log, "journal %s (%s): this gate is %s", where(j), j->ops->name, j->gate_id);
	j->next_prune = eg_now_ms();
	j->next_count = eg_now_ms() + COUNT_EVERY_MS;
	if (j->o.tick_ms > 0) {
		if ((rc = pthread_create(&j->th, NULL, maint_main, j)) != 0) {
			eg_err_set(err, EG_EIO, "cannot start the journal's thread: %s", strerror(rc));
			goto fail;
		}
		j->th_started = 1;
	}
	return j;
fail:
	journal_close(j);
	return NULL;
}

static void
pending_free_all(struct journal *j)
{
	struct pending *p, *next;

	for (p = j->pend; p != NULL; p = next) {
		next = p->next;
		free(p->reply);
		free(p);
	}
	j->pend = NULL;
	j->pend_tail = &j->pend;
	j->npend = 0;
}

void
journal_close(struct journal *j)
{
	struct eg_err err;
	struct jval p[1];

	if (j == NULL)
		return;
	if (j->th_started) {
		pthread_mutex_lock(&j->th_mu);
		j->th_stop = 1;
		pthread_cond_signal(&j->th_cv);
		pthread_mutex_unlock(&j->th_mu);
		pthread_join(j->th, NULL);
	}
	if (j->db != NULL) {
		pthread_mutex_lock(&j->mu);
		/* A last try at what failed before, then the lease ends: this gate's claims
		 * still unsent are taken over at once by the next gate that meets them. */
		if (!is_broken(j, NULL))
			retry_pending(j);
		p[0] = txt(j->gate_id);
		if (!is_broken(j, NULL) && run(j, SQL_LEASE_END, p, 1, NULL, &err) < 0)
			log_info(j->log, "journal %s: could not end this gate's lease: %s", where(j),
			    err.msg);
		pthread_mutex_unlock(&j->mu);
		j->ops->close(j->db);
	}
	if (j->npend > 0)
		log_err(j->log, "journal %s: %d write(s) could not be made before closing",
		    where(j), j->npend);
	pending_free_all(j);
	pthread_cond_destroy(&j->th_cv);
	pthread_mutex_destroy(&j->th_mu);
	pthread_mutex_destroy(&j->st_mu);
	pthread_mutex_destroy(&j->mu);
	if (j->password != NULL)
		explicit_bzero(j->password, strlen(j->password));
	free(j->password);
	free(j->file);
	free(j->url);
	free(j);
}

/* ---- rows ------------------------------------------------------------------------ */

static enum journal_state
state_of(const char *s)
{
	if (s == NULL)
		return JOURNAL_NONE;
	if (strcmp(s, "claimed") == 0)
		return JOURNAL_CLAIMED;
	if (strcmp(s, "sent") == 0)
		return JOURNAL_SENT;
	if (strcmp(s, "done") == 0)
		return JOURNAL_DONE;
	if (strcmp(s, "unknown") == 0)
		return JOURNAL_UNKNOWN;
	return JOURNAL_NONE;
}

static void
copy_col(char *dst, size_t cap, const struct jrow *r, int i)
{
	snprintf(dst, cap, "%s", r->v[i] != NULL ? r->v[i] : "");
}

/* Reads id's row into *e (mu held). 1: found; 0: none; -1: failed. */
static int
read_row(struct journal *j, const char *id, struct journal_entry *e, struct eg_err *err)
{
	struct jrow r = {0};
	struct jval p[] = {txt(id)};
	int64_t n;

	memset(e, 0, sizeof(*e));
	if ((n = run(j, SQL_ROW, p, 1, &r, err)) < 0)
		return -1;
	if (n == 0 || r.n < 10) {
		jrow_clear(&r);
		return 0;
	}
	e->state = state_of(r.v[0]);
	copy_col(e->cmd, sizeof(e->cmd), &r, 1);
	copy_col(e->obj, sizeof(e->obj), &r, 2);
	copy_col(e->digest, sizeof(e->digest), &r, 3);
	copy_col(e->cltrid, sizeof(e->cltrid), &r, 4);
	copy_col(e->gate_id, sizeof(e->gate_id), &r, 5);
	e->claimed_ms = r.v[6] != NULL ? strtoll(r.v[6], NULL, 10) : 0;
	e->sent_ms = r.v[7] != NULL ? strtoll(r.v[7], NULL, 10) : 0;
	if (r.v[8] != NULL) {
		e->reply = r.v[8];     /* taken over from the row */
		e->reply_len = r.len[8];
		r.v[8] = NULL;
	}
	/* This gate is alive by definition; another is while its lease runs. */
	e->holder_alive = strcmp(e->gate_id, j->gate_id) == 0 ||
	    (r.v[9] != NULL && strtoll(r.v[9], NULL, 10) >= eg_wall_ms());
	jrow_clear(&r);
	return 1;
}

void
journal_entry_clear(struct journal_entry *e)
{
	if (e == NULL)
		return;
	free(e->reply);
	e->reply = NULL;
	e->reply_len = 0;
}

/* ---- claims ------------------------------------------------------------------------ */

static int
check_text(const char *what, const char *s, size_t max, int need, struct eg_err *err)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 && need)
		return eg_err_set(err, EG_EREQUEST, "%s is empty", what);
	if (n > max)
		return eg_err_set(err, EG_EREQUEST, "%s is longer than %zu bytes", what, max);
	if (n > 0 && !utf8_valid(s, n))
		return eg_err_set(err, EG_EREQUEST, "%s is not UTF-8", what);
	return 0;
}

static int
check_id(const char *id, struct eg_err *err)
{
	return check_text("message_id", id, JOURNAL_ID_MAX, 1, err);
}

enum journal_claim_result
journal_claim(struct journal *j, const char *id, const struct journal_req *rq,
    struct journal_entry *prev, struct eg_err *err)
{
	struct journal_entry e;
	int64_t n, now;
	int tries, r;
	enum journal_claim_result res = CLAIM_FAILED;

	if (prev != NULL)
		memset(prev, 0, sizeof(*prev));
	if (check_id(id, err) == -1 || check_text("clTRID", rq->cltrid, 64, 0, err) == -1 ||
	    check_text("command", rq->cmd, 47, 1, err) == -1 ||
	    check_text("object", rq->obj, 255, 0, err) == -1 ||
	    check_text("digest", rq->digest, 64, 0, err) == -1)
		return CLAIM_FAILED;
	memset(&e, 0, sizeof(e));
	pthread_mutex_lock(&j->mu);
	if (usable(j, err) == -1)
		goto out;
	/* A row that vanishes between the insert and the read (released by its gate) or a
	 * take-over lost to another gate: look again, a few times. */
	for (tries = 0; tries < 5; tries++) {
		now = eg_wall_ms();
		{
			struct jval p[] = {txt(id), txt(rq->cmd), txt(rq->obj ? rq->obj : ""),
			    txt(rq->digest ? rq->digest : ""), txt(rq->cltrid ? rq->cltrid : ""),
			    txt(j->gate_id), num(now)};

			if ((n = run(j, SQL_CLAIM, p, 7, NULL, err)) < 0)
				goto out;
		}
		if (n > 0) {
			res = CLAIM_WON;
			goto out;
		}
		journal_entry_clear(&e);
		if ((r = read_row(j, id, &e, err)) == -1)
			goto out;
		if (r == 0)
			continue;
		if (strcmp(e.digest, rq->digest ? rq->digest : "") != 0) {
			res = CLAIM_MISMATCH;
			goto out;
		}
		switch (e.state) {
		case JOURNAL_DONE:
			res = CLAIM_ANSWERED;
			goto out;
		case JOURNAL_UNKNOWN:
			res = CLAIM_UNANSWERED;
			goto out;
		case JOURNAL_SENT:
			res = e.holder_alive ? CLAIM_BUSY : CLAIM_UNANSWERED;
			goto out;
		case JOURNAL_CLAIMED:
			if (e.holder_alive) {
				res = CLAIM_BUSY;
				goto out;
			}
			break;
		case JOURNAL_NONE:
			eg_err_set(err, EG_EIO, "the journal holds a row for %s in a state it does "
			    "not know", id);
			goto out;
		}
		/* Claimed by a gate that is gone: it never marked it sent, so it never wrote it.
		 * Taken over only if it is still that gate's claim. */
		{
			struct jval p[] = {txt(j->gate_id), txt(rq->cltrid ? rq->cltrid : ""),
			    num(eg_wall_ms()), txt(id), txt(e.gate_id)};

			if ((n = run(j, SQL_TAKE_OVER, p, 5, NULL, err)) < 0)
				goto out;
		}
		if (n > 0) {
			log_info(j->log, "journal: %s was claimed by gate %s, which is gone and never "
			    "sent it: taken over", id, e.gate_id);
			res = CLAIM_WON;
			goto out;
		}
	}
	/* Still changing under us: someone is working on it. */
	res = CLAIM_BUSY;
out:
	pthread_mutex_unlock(&j->mu);
	if (prev != NULL && res != CLAIM_WON && res != CLAIM_FAILED) {
		*prev = e;
		memset(&e, 0, sizeof(e));
	}
	journal_entry_clear(&e);
	return res;
}

int
journal_sent(struct journal *j, const char *id, const char *cltrid, struct eg_err *err)
{
	struct jval p[] = {num(eg_wall_ms()), txt(cltrid ? cltrid : ""), txt(id),
	    txt(j->gate_id)};
	int64_t n;

	if (check_id(id, err) == -1 || check_text("clTRID", cltrid, 64, 0, err) == -1)
		return -1;
	pthread_mutex_lock(&j->mu);
	n = usable(j, err) == -1 ? -1 : run(j, SQL_SENT, p, 4, NULL, err);
	pthread_mutex_unlock(&j->mu);
	return n < 0 ? -1 : n > 0;
}

/* ---- writes that must happen eventually -------------------------------------------- */

/* Runs one of them (mu held): 1 done, 0 not applicable (the row is not this gate's, in that
 * state), -1 failed. */
static int
finish_op(struct journal *j, enum pend_op op, const char *id, const char *reply, size_t len,
    int code, struct eg_err *err)
{
	int64_t n;

	if (is_broken(j, err))
		return -1;
	if (op == PEND_DONE) {
		struct jval p[] = {num(eg_wall_ms()), num(code), {reply, len, 0, 0}, txt(id),
		    txt(j->gate_id)};

		n = run(j, SQL_DONE, p, 5, NULL, err);
	} else {
		struct jval p[] = {txt(id), txt(j->gate_id)};

		n = run(j, op == PEND_UNKNOWN ? SQL_UNKNOWN : SQL_RELEASE, p, 2, NULL, err);
	}
	return n < 0 ? -1 : n > 0;
}

/* Keeps a failed write for journal_check (mu held). */
static void
pend_add(struct journal *j, enum pend_op op, const char *id, const char *reply, size_t len,
    int code)
{
	struct pending *p;
	size_t n = strlen(id);

	if (j->npend >= PENDING_MAX) {
		log_err(j->log, "journal %s: too many writes waiting to be retried; the one for %s "
		    "is dropped", where(j), id);
		return;
	}
	if ((p = calloc(1, sizeof(*p) + n + 1)) == NULL)
		return;
	memcpy(p->id, id, n + 1);
	p->op = op;
	p->code = code;
	if (reply != NULL && (p->reply = malloc(len + 1)) != NULL) {
		memcpy(p->reply, reply, len);
		p->reply[len] = '\0';
		p->len = len;
	} else if (reply != NULL) {
		free(p);
		return;
	}
	*j->pend_tail = p;
	j->pend_tail = &p->next;
	j->npend++;
}

/* Tries the kept writes again, oldest first, until one fails (mu held). */
static void
retry_pending(struct journal *j)
{
	struct pending *p;
	struct eg_err err;

	while ((p = j->pend) != NULL) {
		if (finish_op(j, p->op, p->id, p->reply, p->len, p->code, &err) == -1)
			return;
		j->pend = p->next;
		if (j->pend == NULL)
			j->pend_tail = &j->pend;
		j->npend--;
		log_info(j->log, "journal %s: the delayed write for %s was made", where(j), p->id);
		free(p->reply);
		free(p);
	}
}

static int
finish(struct journal *j, enum pend_op op, const char *id, const char *reply, size_t len,
    int code, struct eg_err *err)
{
	int r;

	if (check_id(id, err) == -1)
		return -1;
	pthread_mutex_lock(&j->mu);
	r = finish_op(j, op, id, reply, len, code, err);
	if (r == -1)
		pend_add(j, op, id, reply, len, code);
	pthread_mutex_unlock(&j->mu);
	return r;
}

int
journal_done(struct journal *j, const char *id, const char *reply, size_t len,
    int result_code, struct eg_err *err)
{
	int r;

	if (memchr(reply, '\0', len) != NULL)
		return eg_err_set(err, EG_EREQUEST, "the reply holds a NUL byte");
	if ((r = finish(j, PEND_DONE, id, reply, len, result_code, err)) == 0)
		return eg_err_set(err, EG_EREQUEST, "%s is not a sent claim of this gate "
		    "(never claimed, not sent, or already answered)", id);
	return r < 0 ? -1 : 0;
}

int
journal_unknown(struct journal *j, const char *id, struct eg_err *err)
{
	return finish(j, PEND_UNKNOWN, id, NULL, 0, 0, err) < 0 ? -1 : 0;
}

int
journal_release(struct journal *j, const char *id, struct eg_err *err)
{
	return finish(j, PEND_RELEASE, id, NULL, 0, 0, err) < 0 ? -1 : 0;
}

enum journal_state
journal_lookup(struct journal *j, const char *id, struct journal_entry *e)
{
	struct journal_entry tmp;
	struct eg_err err;
	int r;

	if (check_id(id, &err) == -1)
		return JOURNAL_NONE;
	pthread_mutex_lock(&j->mu);
	r = is_broken(j, NULL) ? -1 : read_row(j, id, &tmp, &err);
	pthread_mutex_unlock(&j->mu);
	if (r != 1) {
		if (e != NULL)
			memset(e, 0, sizeof(*e));
		return JOURNAL_NONE;
	}
	if (e != NULL)
		*e = tmp;
	else
		journal_entry_clear(&tmp);
	return tmp.state;
}

/* ---- maintenance ---------------------------------------------------------------- */

long
journal_prune(struct journal *j, int64_t before_ms, long max_rows, struct eg_err *err)
{
	struct jval p[] = {num(before_ms), num(PRUNE_BATCH)};
	struct jval g[] = {num(before_ms)};
	long total = 0;
	int64_t n;

	while (total < max_rows) {
		p[1] = num(max_rows - total < PRUNE_BATCH ? max_rows - total : PRUNE_BATCH);
		pthread_mutex_lock(&j->mu);
		n = is_broken(j, err) ? -1 : run(j, SQL_PRUNE, p, 2, NULL, err);
		pthread_mutex_unlock(&j->mu);
		if (n < 0)
			return -1;
		total += (long)n;
		if (n < p[1].i)
			break;
	}
	/* Leases that ended that long ago belong to gates nobody will ask about. */
	pthread_mutex_lock(&j->mu);
	n = is_broken(j, err) ? -1 : run(j, SQL_PRUNE_GATES, g, 1, NULL, err);
	pthread_mutex_unlock(&j->mu);
	return n < 0 ? -1 : total;
}

/* An unsound journal: re-open it (a file restored, a server back) when the backoff allows;
 * the new connection is made without the lock, so claims fail fast meanwhile. */
static int
recover(struct journal *j, struct eg_err *err)
{
	struct jdb *db, *old;
	int64_t now = eg_now_ms();
	char was[512];
	int remind = 0;

	pthread_mutex_lock(&j->st_mu);
	if (now < j->retry_at) {
		pthread_mutex_unlock(&j->st_mu);
		is_broken(j, err);
		return -1;
	}
	pthread_mutex_unlock(&j->st_mu);
	if ((db = j->ops->open(&j->o, j->never_opened, err)) == NULL) {
		pthread_mutex_lock(&j->st_mu);
		j->retry_at = now + j->retry_step;
		j->retry_step = j->retry_step * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : j->retry_step * 2;
		if (now >= j->next_remind) {
			j->next_remind = now + REMIND_EVERY_MS;
			remind = 1;
		}
		snprintf(was, sizeof(was), "%s", j->problem);
		pthread_mutex_unlock(&j->st_mu);
		if (remind) {
			log_err(j->log, "journal %s: still not usable (%s): %s; commands with side "
			    "effects are refused: %s", where(j), was, err->msg, advice(j));
		}
		return -1;
	}
	j->never_opened = 0;
	pthread_mutex_lock(&j->mu);
	old = j->db;
	j->db = db;
	pthread_mutex_lock(&j->st_mu);
	snprintf(was, sizeof(was), "%s", j->problem);
	j->broken = 0;
	j->problem[0] = '\0';
	pthread_mutex_unlock(&j->st_mu);
	pthread_mutex_unlock(&j->mu);
	if (old != NULL)
		j->ops->close(old);
	log_warn(j->log, "journal %s: usable again (it was not: %s); commands with side "
	    "effects are accepted again", where(j), was);
	return 0;
}

int
journal_check(struct journal *j, struct eg_err *err)
{
	struct jrow row = {0};
	int64_t now;
	int rc = -1;

	if (is_broken(j, NULL) && recover(j, err) == -1)
		return -1;
	pthread_mutex_lock(&j->mu);
	if (usable(j, err) == -1 || renew_lease(j, err) == -1)
		goto out;
	retry_pending(j);
	now = eg_now_ms();
	if (now >= j->next_count) {
		j->next_count = now + COUNT_EVERY_MS;
		if (run(j, SQL_COUNT, NULL, 0, &row, err) >= 0 && row.n > 0 && row.v[0] != NULL) {
			pthread_mutex_lock(&j->st_mu);
			j->rows = strtol(row.v[0], NULL, 10);
			pthread_mutex_unlock(&j->st_mu);
		}
		jrow_clear(&row);
	}
	rc = is_broken(j, err) ? -1 : 0;
out:
	pthread_mutex_unlock(&j->mu);
	if (rc == 0 && eg_now_ms() >= j->next_prune) {
		j->next_prune = eg_now_ms() + PRUNE_EVERY_MS;
		if (journal_prune(j, eg_wall_ms() - j->o.retention_ms,
		    (long)PRUNE_BATCH * PRUNE_BATCHES, err) == -1) {
			log_info(j->log, "journal %s: pruning failed: %s", where(j), err->msg);
			rc = is_broken(j, NULL) ? -1 : 0;
		}
	}
	return rc;
}

static void *
maint_main(void *arg)
{
	struct journal *j = arg;
	struct eg_err err;
	struct timespec ts;
	int64_t next_note = 0;

	pthread_mutex_lock(&j->th_mu);
	while (!j->th_stop) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += j->o.tick_ms / 1000;
		ts.tv_nsec += (long)(j->o.tick_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&j->th_cv, &j->th_mu, &ts);
		if (j->th_stop)
			break;
		pthread_mutex_unlock(&j->th_mu);
		/* An unsound journal is logged by itself; a failure short of that (a full disk
		 * keeps the lease from being renewed) is noted, once a minute at most. */
		if (journal_check(j, &err) == -1 && !is_broken(j, NULL) &&
		    eg_now_ms() >= next_note) {
			next_note = eg_now_ms() + 60000;
			log_info(j->log, "journal %s: maintenance failed: %s", where(j), err.msg);
		}
		pthread_mutex_lock(&j->th_mu);
	}
	pthread_mutex_unlock(&j->th_mu);
	return NULL;
}

void
journal_status(struct journal *j, struct journal_status *st)
{
	memset(st, 0, sizeof(*st));
	st->backend = j->ops->name;
	snprintf(st->gate_id, sizeof(st->gate_id), "%s", j->gate_id);
	pthread_mutex_lock(&j->st_mu);
	st->sound = !j->broken;
	snprintf(st->problem, sizeof(st->problem), "%s", j->problem);
	st->rows = j->rows;
	pthread_mutex_unlock(&j->st_mu);
	st->pending = atomic_load(&j->npend);
}

long
journal_rows(struct journal *j)
{
	struct journal_status st;

	journal_status(j, &st);
	return st.rows;
}

json_object *
journal_json(struct journal *j)
{
	struct journal_status st;
	json_object *o;

	if (j == NULL || (o = json_object_new_object()) == NULL)
		return NULL;
	journal_status(j, &st);
	json_object_object_add(o, "backend", json_object_new_string(st.backend));
	json_object_object_add(o, "gate_id", json_object_new_string(st.gate_id));
	json_object_object_add(o, "sound", json_object_new_boolean(st.sound));
	if (!st.sound)
		json_object_object_add(o, "problem", json_object_new_string(st.problem));
	json_object_object_add(o, "rows", json_object_new_int64(st.rows));
	if (st.pending > 0)
		json_object_object_add(o, "writes_to_retry", json_object_new_int(st.pending));
	return o;
}
