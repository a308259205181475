/* SPDX-License-Identifier: MIT */
/*
 * The request journal's contract (gate/journal.h), run against each backend: SQLite (a
 * file in a scratch directory), and PostgreSQL when a server is given (EG_TEST_PG_URL and
 * EG_TEST_PG_PASSWORD_FILE; tests/run-all starts one with tests/lib/pg.sh). Claims and
 * their states, replies byte for byte, the request digest, two gates (two handles) racing
 * for the same ids, leases (a gone gate's claim taken over, its sent command answered
 * "outcome unknown"), pruning, restart; then each backend's own faults: an SQLite file
 * unlinked, truncated, grown by garbage or overwritten, a file of the older format; a
 * PostgreSQL connection killed under the gate.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "digest.h"
#include "journal.h"
#include "journal_int.h"
#include "log.h"
#include "rdfile.h"
#include "tap.h"

struct backend {
	const char *name;
	int sqlite;
	char dir[64];                 /* SQLite: scratch directory */
	char url[512];                /* PostgreSQL */
	char password[256];
	int n;                        /* files made so far */
	char path[128];               /* the current SQLite file */
};

static const struct journal_req REQ_A = {"aaaa", "CLT-A", "domain_create", "a.example"};
static const struct journal_req REQ_B = {"bbbb", "CLT-B", "domain_renew", "a.example"};

/* A fresh, empty store for one test: a new file, or the tables emptied. */
static void
fresh(struct backend *b)
{
	struct journal_opts o = {0};
	struct eg_err err;
	struct jdb *db;

	if (b->sqlite) {
		snprintf(b->path, sizeof(b->path), "%s/j%d.db", b->dir, ++b->n);
		return;
	}
	o.url = b->url;
	o.password = b->password;
	if ((db = journal_pg_ops.open(&o, 1, &err)) == NULL) {
		tap_diag("pg: %s", err.msg);
		return;
	}
	if (journal_pg_ops.exec(db, "DELETE FROM eppgate_journal", NULL, 0, NULL, &err) < 0 ||
	    journal_pg_ops.exec(db, "DELETE FROM eppgate_gates", NULL, 0, NULL, &err) < 0)
		tap_diag("pg: %s", err.msg);
	journal_pg_ops.close(db);
}

static struct journal *
jopen(struct backend *b, const char *gate, int lease_ms, struct eg_log *log)
{
	struct journal_opts o = {0};
	struct eg_err err;
	struct journal *j;

	if (b->sqlite)
		o.file = b->path;
	else {
		o.url = b->url;
		o.password = b->password;
	}
	o.gate_id = gate;
	o.lease_ms = lease_ms;
	o.tick_ms = -1;
	o.log = log;
	if ((j = journal_open(&o, &err)) == NULL)
		tap_diag("%s: open: %s", b->name, err.msg);
	return j;
}

static int
claim(struct journal *j, const char *id, const struct journal_req *rq, struct journal_entry *e)
{
	struct eg_err err;
	int r = journal_claim(j, id, rq, e, &err);

	if (r == CLAIM_FAILED)
		tap_diag("claim %s: %s", id, err.msg);
	return r;
}

/* ---- the states ----------------------------------------------------------------- */

static void
test_basic(struct backend *b)
{
	static const char odd[] = "{\"msg\":\"quote \\\" back\\\\ nl\\n tab\\t caf\xc3\xa9 \xe2\x82\xac\","
	    "\"z\":[1,2.5,null]}\n  ";
	struct journal *j;
	struct journal_entry e;
	struct eg_err err;
	struct journal_status st;
	char id[300];
	int64_t t0 = eg_wall_ms();
	struct stat sb;

	fresh(b);
	if ((j = jopen(b, "gate-1", 0, NULL)) == NULL) {
		tap_ok(0, "%s: open", b->name);
		return;
	}
	if (b->sqlite)
		tap_ok(stat(b->path, &sb) == 0 && (sb.st_mode & 0777) == 0600, "%s: file mode 0600",
		    b->name);
	journal_status(j, &st);
	tap_ok(st.sound && st.rows == 0 && strcmp(st.gate_id, "gate-1") == 0 &&
	    strcmp(st.backend, b->sqlite ? "sqlite" : "postgresql") == 0,
	    "%s: status: sound, empty, the gate's id and the backend", b->name);
	tap_is_int(journal_lookup(j, "req-1", &e), JOURNAL_NONE, "%s: unknown id: no row", b->name);

	tap_is_int(claim(j, "req-1", &REQ_A, NULL), CLAIM_WON, "%s: the first claim wins", b->name);
	tap_is_int(journal_lookup(j, "req-1", &e), JOURNAL_CLAIMED, "%s: claimed, not sent",
	    b->name);
	tap_ok(strcmp(e.cltrid, "CLT-A") == 0 && strcmp(e.cmd, "domain_create") == 0 &&
	    strcmp(e.obj, "a.example") == 0 && strcmp(e.digest, "aaaa") == 0 &&
	    strcmp(e.gate_id, "gate-1") == 0 && e.holder_alive && e.reply == NULL &&
	    e.claimed_ms >= t0 && e.claimed_ms <= eg_wall_ms() && e.sent_ms == 0,
	    "%s: the row: clTRID, command, object, digest, gate, claim time", b->name);
	journal_entry_clear(&e);

	tap_is_int(claim(j, "req-1", &REQ_A, &e), CLAIM_BUSY, "%s: a second claim (this gate "
	    "still at it): busy", b->name);
	tap_ok(e.state == JOURNAL_CLAIMED && strcmp(e.cltrid, "CLT-A") == 0,
	    "%s: describing the first", b->name);
	journal_entry_clear(&e);
	tap_is_int(journal_sent(j, "req-1", "CLT-A2", &err), 1, "%s: marked sent", b->name);
	tap_is_int(journal_lookup(j, "req-1", &e), JOURNAL_SENT, "%s: sent", b->name);
	tap_ok(strcmp(e.cltrid, "CLT-A2") == 0 && e.sent_ms >= t0, "%s: with the clTRID it was "
	    "written with, and when", b->name);
	journal_entry_clear(&e);
	tap_is_int(journal_sent(j, "req-1", "CLT-A2", &err), 0, "%s: marking it again: not a "
	    "claim any more", b->name);
	tap_is_int(claim(j, "req-1", &REQ_A, NULL), CLAIM_BUSY, "%s: sent, this gate alive: busy",
	    b->name);

	tap_is_int(journal_done(j, "req-1", odd, sizeof(odd) - 1, 1000, &err), 0,
	    "%s: done records the reply", b->name);
	tap_is_int(journal_lookup(j, "req-1", &e), JOURNAL_DONE, "%s: done", b->name);
	tap_ok(e.reply != NULL && e.reply_len == sizeof(odd) - 1 &&
	    memcmp(e.reply, odd, sizeof(odd) - 1) == 0, "%s: the reply comes back byte for byte",
	    b->name);
	journal_entry_clear(&e);
	tap_is_int(claim(j, "req-1", &REQ_A, &e), CLAIM_ANSWERED, "%s: a claim of an answered id: "
	    "answered", b->name);
	tap_ok(e.state == JOURNAL_DONE && e.reply != NULL && e.reply_len == sizeof(odd) - 1,
	    "%s: with the recorded reply", b->name);
	journal_entry_clear(&e);
	tap_is_int(journal_done(j, "req-1", "x", 1, 1000, &err), -1, "%s: a second reply is "
	    "refused", b->name);
	tap_is_int(journal_done(j, "never", "x", 1, 1000, &err), -1, "%s: a reply for an "
	    "unclaimed id is refused", b->name);
	tap_ok(err.code == EG_EREQUEST && strstr(err.msg, "not a sent claim") != NULL,
	    "%s: saying so: %s", b->name, err.msg);
	tap_is_int(journal_done(j, "req-1", "a\0b", 3, 1000, &err), -1, "%s: a reply with a NUL "
	    "byte is refused", b->name);

	tap_is_int(journal_claim(j, "", &REQ_A, NULL, &err), CLAIM_FAILED, "%s: an empty id is "
	    "refused", b->name);
	memset(id, 'x', 256);
	id[256] = '\0';
	tap_is_int(journal_claim(j, id, &REQ_A, NULL, &err), CLAIM_FAILED, "%s: a 256-byte id is "
	    "refused", b->name);
	tap_ok(err.code == EG_EREQUEST && strstr(err.msg, "255") != NULL, "%s: %s", b->name,
	    err.msg);
	id[255] = '\0';
	tap_is_int(claim(j, id, &REQ_A, NULL), CLAIM_WON, "%s: a 255-byte id is accepted", b->name);
	tap_is_int(journal_lookup(j, id, NULL), JOURNAL_CLAIMED, "%s: and found", b->name);
	tap_is_int(journal_claim(j, "bad-\xff", &REQ_A, NULL, &err), CLAIM_FAILED,
	    "%s: an id that is not UTF-8 is refused", b->name);

	tap_is_int(claim(j, "req-2", &REQ_B, NULL), CLAIM_WON, "%s: another claim", b->name);
	tap_is_int(journal_release(j, "req-2", &err), 0, "%s: released", b->name);
	tap_is_int(journal_lookup(j, "req-2", NULL), JOURNAL_NONE, "%s: a released id has no row",
	    b->name);
	tap_is_int(claim(j, "req-2", &REQ_B, NULL), CLAIM_WON, "%s: and may be claimed again",
	    b->name);
	journal_sent(j, "req-2", "CLT-B", &err);
	tap_is_int(journal_release(j, "req-2", &err), 0, "%s: a sent claim whose command never "
	    "left is released too", b->name);
	tap_is_int(journal_lookup(j, "req-2", NULL), JOURNAL_NONE, "%s: gone", b->name);
	tap_is_int(journal_release(j, "req-1", &err), 0, "%s: releasing an answered id does "
	    "nothing", b->name);
	tap_is_int(journal_lookup(j, "req-1", NULL), JOURNAL_DONE, "%s: it stays done", b->name);
	tap_is_int(journal_release(j, "nobody", &err), 0, "%s: releasing an unknown id does "
	    "nothing", b->name);

	tap_is_int(claim(j, "req-3", &REQ_B, NULL), CLAIM_WON, "%s: a claim", b->name);
	journal_sent(j, "req-3", "CLT-B", &err);
	tap_is_int(journal_unknown(j, "req-3", &err), 0, "%s: sent, then given up without a "
	    "reply", b->name);
	tap_is_int(journal_lookup(j, "req-3", NULL), JOURNAL_UNKNOWN, "%s: unknown", b->name);
	tap_is_int(claim(j, "req-3", &REQ_B, &e), CLAIM_UNANSWERED, "%s: a copy: outcome unknown "
	    "at once, no wait", b->name);
	tap_is_str(e.cltrid, "CLT-B", "%s: naming the clTRID", b->name);
	journal_entry_clear(&e);
	journal_close(j);
}

/* ---- the digest ----------------------------------------------------------------- */

static void
test_mismatch(struct backend *b)
{
	struct journal *j;
	struct journal_entry e;
	struct eg_err err;

	fresh(b);
	if ((j = jopen(b, "gate-1", 0, NULL)) == NULL) {
		tap_ok(0, "%s: open", b->name);
		return;
	}
	tap_is_int(claim(j, "m-1", &REQ_A, NULL), CLAIM_WON, "%s: a create claims m-1", b->name);
	tap_is_int(claim(j, "m-1", &REQ_B, &e), CLAIM_MISMATCH, "%s: m-1 for another request: "
	    "refused", b->name);
	tap_ok(strcmp(e.cmd, "domain_create") == 0 && strcmp(e.obj, "a.example") == 0,
	    "%s: naming the first request (%s %s)", b->name, e.cmd, e.obj);
	journal_entry_clear(&e);
	journal_sent(j, "m-1", "CLT-A", &err);
	journal_done(j, "m-1", "{}", 2, 1000, &err);
	tap_is_int(claim(j, "m-1", &REQ_B, NULL), CLAIM_MISMATCH, "%s: also once it is done, "
	    "never the first's reply", b->name);
	tap_is_int(claim(j, "m-1", &REQ_A, NULL), CLAIM_ANSWERED, "%s: the same request still "
	    "gets its reply", b->name);
	tap_is_int(journal_lookup(j, "m-1", &e), JOURNAL_DONE, "%s: the row is the first "
	    "request's", b->name);
	tap_is_str(e.digest, "aaaa", "%s: its digest", b->name);
	journal_entry_clear(&e);
	journal_close(j);
}

/* ---- two gates ------------------------------------------------------------------- */

#define RACE_IDS 60
#define RACE_THREADS 3

struct race {
	struct journal *j[2];
	pthread_mutex_t mu;
	int won[RACE_IDS];
	int busy, failed, other;
	int go;
};

struct racer {
	struct race *r;
	int gate;
};

static void *
racer(void *arg)
{
	struct racer *me = arg;
	struct race *r = me->r;
	struct eg_err err;
	char id[32];
	int i, res;

	while (!__atomic_load_n(&r->go, __ATOMIC_ACQUIRE))
		;
	for (i = 0; i < RACE_IDS; i++) {
		snprintf(id, sizeof(id), "race-%d", i);
		res = journal_claim(r->j[me->gate], id, &REQ_A, NULL, &err);
		pthread_mutex_lock(&r->mu);
		if (res == CLAIM_WON)
			r->won[i]++;
		else if (res == CLAIM_BUSY)
			r->busy++;
		else if (res == CLAIM_FAILED)
			r->failed++;
		else
			r->other++;
		pthread_mutex_unlock(&r->mu);
		if (res == CLAIM_FAILED)
			tap_diag("race: %s", err.msg);
	}
	return NULL;
}

static void
test_two_gates(struct backend *b)
{
	struct race r;
	struct racer who[2 * RACE_THREADS];
	pthread_t th[2 * RACE_THREADS];
	struct journal_entry e;
	int i, one = 0, started = 0, same_gate = 0;

	fresh(b);
	memset(&r, 0, sizeof(r));
	pthread_mutex_init(&r.mu, NULL);
	r.j[0] = jopen(b, "gate-a", 0, NULL);
	r.j[1] = jopen(b, "gate-b", 0, NULL);
	if (r.j[0] == NULL || r.j[1] == NULL) {
		tap_ok(0, "%s: two handles open", b->name);
		journal_close(r.j[0]);
		journal_close(r.j[1]);
		return;
	}
	for (i = 0; i < 2 * RACE_THREADS; i++) {
		who[i].r = &r;
		who[i].gate = i % 2;
		if (pthread_create(&th[i], NULL, racer, &who[i]) == 0)
			started++;
	}
	__atomic_store_n(&r.go, 1, __ATOMIC_RELEASE);
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < RACE_IDS; i++)
		one += r.won[i] == 1;
	tap_is_int(started, 2 * RACE_THREADS, "%s: %d threads on two gates raced", b->name,
	    2 * RACE_THREADS);
	tap_is_int(one, RACE_IDS, "%s: each of the %d ids has exactly one winner", b->name,
	    RACE_IDS);
	tap_ok(r.failed == 0 && r.other == 0 &&
	    r.busy == RACE_IDS * (2 * RACE_THREADS - 1), "%s: every other claim was told the id "
	    "is busy (%d busy, %d failed, %d other)", b->name, r.busy, r.failed, r.other);
	for (i = 0; i < RACE_IDS; i++) {
		char id[32];

		snprintf(id, sizeof(id), "race-%d", i);
		if (journal_lookup(r.j[0], id, &e) == JOURNAL_CLAIMED &&
		    strcmp(e.gate_id, "gate-a") != 0 && strcmp(e.gate_id, "gate-b") != 0)
			same_gate++;
		journal_entry_clear(&e);
	}
	tap_is_int(same_gate, 0, "%s: every row names one of the two gates", b->name);
	journal_close(r.j[0]);
	journal_close(r.j[1]);
	pthread_mutex_destroy(&r.mu);
}

/* ---- leases ------------------------------------------------------------------------- */

static void
test_lease(struct backend *b)
{
	struct journal *a, *g, *c;
	struct journal_entry e;
	struct eg_err err;

	fresh(b);
	a = jopen(b, "gate-gone", 1000, NULL);
	g = jopen(b, "gate-live", 1000, NULL);
	if (a == NULL || g == NULL) {
		tap_ok(0, "%s: two handles open", b->name);
		journal_close(a);
		journal_close(g);
		return;
	}
	claim(a, "l-claimed", &REQ_A, NULL);
	claim(a, "l-sent", &REQ_A, NULL);
	journal_sent(a, "l-sent", "CLT-SENT", &err);
	journal_check(a, &err);   /* its lease renewed now: a second from here */
	tap_is_int(claim(g, "l-claimed", &REQ_A, &e), CLAIM_BUSY, "%s: a claim held by a gate "
	    "whose lease runs: busy", b->name);
	tap_ok(strcmp(e.gate_id, "gate-gone") == 0 && e.holder_alive, "%s: naming that gate, "
	    "alive", b->name);
	journal_entry_clear(&e);
	tap_is_int(claim(g, "l-sent", &REQ_A, NULL), CLAIM_BUSY, "%s: sent by it: busy too",
	    b->name);
	/* gate-gone stops renewing its lease, as a gate killed with SIGKILL; gate-live does */
	usleep(1300 * 1000);
	journal_check(g, &err);
	tap_is_int(claim(g, "l-claimed", &REQ_A, &e), CLAIM_WON, "%s: its lease ran out: a claim "
	    "it never marked sent is taken over", b->name);
	journal_entry_clear(&e);
	tap_is_int(journal_lookup(g, "l-claimed", &e), JOURNAL_CLAIMED, "%s: still claimed",
	    b->name);
	tap_is_str(e.gate_id, "gate-live", "%s: now by the live gate", b->name);
	journal_entry_clear(&e);
	tap_is_int(claim(g, "l-sent", &REQ_A, &e), CLAIM_UNANSWERED, "%s: one it had sent: "
	    "outcome unknown, never sent again", b->name);
	tap_ok(strcmp(e.cltrid, "CLT-SENT") == 0 && !e.holder_alive, "%s: naming the clTRID it "
	    "was sent with", b->name);
	journal_entry_clear(&e);
	tap_is_int(journal_sent(a, "l-claimed", "CLT-A", &err), 0, "%s: the old gate, back, cannot "
	    "mark the taken-over claim sent: it does not send it", b->name);
	tap_is_int(journal_done(a, "l-sent", "{\"late\":1}", 10, 1000, &err), 0, "%s: its late "
	    "reply to what it did send is still recorded", b->name);
	tap_is_int(claim(g, "l-sent", &REQ_A, &e), CLAIM_ANSWERED, "%s: and answers later copies",
	    b->name);
	journal_entry_clear(&e);

	/* a clean close ends the lease at once */
	c = jopen(b, "gate-closing", 60000, NULL);
	if (c != NULL) {
		claim(c, "l-closed", &REQ_A, NULL);
		tap_is_int(claim(g, "l-closed", &REQ_A, NULL), CLAIM_BUSY, "%s: a claim of a gate "
		    "with a long lease: busy", b->name);
		journal_close(c);
		tap_is_int(claim(g, "l-closed", &REQ_A, NULL), CLAIM_WON, "%s: once that gate closed: "
		    "taken over at once", b->name);
	}
	journal_close(a);
	journal_close(g);

	/* the journal's own thread renews the lease */
	{
		struct journal_opts o = {0};
		struct journal *t;

		if (b->sqlite)
			o.file = b->path;
		else {
			o.url = b->url;
			o.password = b->password;
		}
		o.gate_id = "gate-thread";
		o.lease_ms = 300;
		o.tick_ms = 50;
		if ((t = journal_open(&o, &err)) == NULL) {
			tap_ok(0, "%s: open: %s", b->name, err.msg);
			return;
		}
		g = jopen(b, "gate-other", 0, NULL);
		claim(t, "l-thread", &REQ_A, NULL);
		usleep(700 * 1000);
		tap_is_int(claim(g, "l-thread", &REQ_A, NULL), CLAIM_BUSY, "%s: a gate whose thread "
		    "renews its 300 ms lease is still alive after 700 ms", b->name);
		journal_close(t);
		journal_close(g);
	}
}

/* ---- pruning ----------------------------------------------------------------------- */

static void
test_prune(struct backend *b)
{
	struct journal *j;
	struct journal_status st;
	struct eg_err err;
	struct journal_opts o = {0};
	char id[32];
	int64_t mid;
	int i, old_left = 0, new_left = 0;

	fresh(b);
	if ((j = jopen(b, "gate-p", 0, NULL)) == NULL) {
		tap_ok(0, "%s: open", b->name);
		return;
	}
	for (i = 0; i < 30; i++) {
		snprintf(id, sizeof(id), "old-%d", i);
		claim(j, id, &REQ_A, NULL);
	}
	usleep(30 * 1000);
	mid = eg_wall_ms();
	usleep(30 * 1000);
	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "new-%d", i);
		claim(j, id, &REQ_A, NULL);
	}
	tap_is_int(journal_prune(j, mid, 5, &err), 5, "%s: pruning stops at the limit (5)",
	    b->name);
	tap_is_int(journal_prune(j, mid, 1000, &err), 25, "%s: the rest of the older rows (25)",
	    b->name);
	tap_is_int(journal_prune(j, mid, 1000, &err), 0, "%s: then none", b->name);
	for (i = 0; i < 30; i++) {
		snprintf(id, sizeof(id), "old-%d", i);
		old_left += journal_lookup(j, id, NULL) != JOURNAL_NONE;
	}
	for (i = 0; i < 10; i++) {
		snprintf(id, sizeof(id), "new-%d", i);
		new_left += journal_lookup(j, id, NULL) != JOURNAL_NONE;
	}
	tap_ok(old_left == 0 && new_left == 10, "%s: rows claimed before the limit are gone, the "
	    "younger stay (%d old, %d new left)", b->name, old_left, new_left);
	journal_close(j);

	/* by the retention, in journal_check */
	if (b->sqlite)
		o.file = b->path;
	else {
		o.url = b->url;
		o.password = b->password;
	}
	o.retention_ms = 50;
	o.tick_ms = -1;
	if ((j = journal_open(&o, &err)) == NULL) {
		tap_ok(0, "%s: open: %s", b->name, err.msg);
		return;
	}
	usleep(100 * 1000);
	tap_is_int(journal_check(j, &err), 0, "%s: a check", b->name);
	journal_status(j, &st);
	tap_is_int(journal_lookup(j, "new-0", NULL), JOURNAL_NONE, "%s: prunes rows older than "
	    "the retention (50 ms)", b->name);
	journal_close(j);
}

/* ---- restart ---------------------------------------------------------------------- */

static void
test_restart(struct backend *b)
{
	struct journal *j;
	struct journal_entry e;
	struct eg_err err;

	fresh(b);
	if ((j = jopen(b, NULL, 0, NULL)) == NULL) {
		tap_ok(0, "%s: open", b->name);
		return;
	}
	claim(j, "r-done", &REQ_A, NULL);
	journal_sent(j, "r-done", "CLT-D", &err);
	journal_done(j, "r-done", "{\"code\":1000}", 13, 1000, &err);
	claim(j, "r-sent", &REQ_A, NULL);
	journal_sent(j, "r-sent", "CLT-S", &err);
	claim(j, "r-claimed", &REQ_A, NULL);
	journal_close(j);
	if ((j = jopen(b, NULL, 0, NULL)) == NULL) {
		tap_ok(0, "%s: reopen", b->name);
		return;
	}
	tap_is_int(claim(j, "r-done", &REQ_A, &e), CLAIM_ANSWERED, "%s: after a restart, a done "
	    "request is answered", b->name);
	tap_ok(e.reply != NULL && strcmp(e.reply, "{\"code\":1000}") == 0, "%s: with its reply",
	    b->name);
	journal_entry_clear(&e);
	tap_is_int(claim(j, "r-sent", &REQ_A, &e), CLAIM_UNANSWERED, "%s: a sent one, without "
	    "reply: outcome unknown", b->name);
	tap_is_str(e.cltrid, "CLT-S", "%s: naming its clTRID", b->name);
	journal_entry_clear(&e);
	tap_is_int(claim(j, "r-claimed", &REQ_A, NULL), CLAIM_WON, "%s: a claimed one, never "
	    "sent: this gate's now", b->name);
	journal_close(j);
}

/* ---- SQLite: the file ---------------------------------------------------------------- */

static int
copy_file(const char *from, const char *to)
{
	struct eg_file f = {NULL, 0, 0};
	struct eg_err err;
	int fd, rc = -1;

	if (eg_file_read(&f, from, "file", 64 << 20, &err) == -1)
		return -1;
	if ((fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1) {
		rc = write(fd, f.data, f.len) == (ssize_t)f.len ? 0 : -1;
		close(fd);
	}
	eg_file_clear(&f);
	return rc;
}

/* What the file's damage looks like to a claim, the log and gate_status, and the journal
 * coming back once the file is a sound journal again. */
static void
damage(struct backend *b, const char *what, void (*harm)(const char *path),
    void (*mend)(const char *path, const char *backup), const char *says)
{
	struct journal *j;
	struct journal_status st;
	struct journal_entry e;
	struct eg_err err;
	struct eg_log lg;
	char backup[160], logpath[160], *text;
	int r;

	fresh(b);
	snprintf(backup, sizeof(backup), "%s.backup", b->path);
	snprintf(logpath, sizeof(logpath), "%s.log", b->path);
	if (eg_log_open(&lg, "test", logpath, EG_LOG_INFO, &err) == -1) {
		tap_ok(0, "log: %s", err.msg);
		return;
	}
	if ((j = jopen(b, "gate-f", 0, &lg)) == NULL) {
		tap_ok(0, "%s: open", what);
		eg_log_close(&lg);
		return;
	}
	claim(j, "f-done", &REQ_A, NULL);
	journal_sent(j, "f-done", "CLT-F", &err);
	journal_done(j, "f-done", "{\"code\":1000}", 13, 1000, &err);
	journal_close(j);
	/* the operator's backup: a closed journal is one file */
	copy_file(b->path, backup);
	j = jopen(b, "gate-f", 0, &lg);
	claim(j, "f-pending", &REQ_B, NULL);
	journal_sent(j, "f-pending", "CLT-P", &err);
	harm(b->path);
	r = journal_claim(j, "f-new", &REQ_A, NULL, &err);
	tap_is_int(r, CLAIM_FAILED, "%s: the next claim fails", what);
	tap_ok(strstr(err.msg, says) != NULL, "%s: saying so (%s)", what, err.msg);
	tap_is_int(journal_done(j, "f-pending", "{\"code\":1001}", 13, 1001, &err), -1,
	    "%s: a reply cannot be recorded either", what);
	journal_status(j, &st);
	tap_ok(!st.sound && strstr(st.problem, says) != NULL && st.pending == 1,
	    "%s: status: not sound, why, and one write waiting (%s)", what, st.problem);
	tap_is_int(journal_check(j, &err), -1, "%s: the periodic check: still unsound", what);
	text = tap_slurp(logpath, NULL);
	tap_ok(text != NULL && strstr(text, "error: journal ") != NULL && strstr(text, says) !=
	    NULL && strstr(text, "refused (not sent)") != NULL && strstr(text, "restore the file")
	    != NULL, "%s: logged at error, with what to do", what);
	free(text);
	mend(b->path, backup);
	usleep(1100 * 1000);   /* the first re-open comes after a second's backoff at most */
	r = journal_check(j, &err);
	tap_is_int(r, 0, "%s: the file mended, the check re-opens it%s%s", what, r ? ": " : "",
	    r ? err.msg : "");
	journal_status(j, &st);
	tap_ok(st.sound, "%s: sound again", what);
	tap_is_int(claim(j, "f-done", &REQ_A, &e), CLAIM_ANSWERED, "%s: what the file held is "
	    "known again", what);
	journal_entry_clear(&e);
	tap_is_int(claim(j, "f-new", &REQ_A, NULL), CLAIM_WON, "%s: claims work again", what);
	journal_close(j);
	eg_log_close(&lg);
	unlink(backup);
	unlink(logpath);
}

static void
harm_unlink(const char *path)
{
	char to[200];

	snprintf(to, sizeof(to), "%s.moved", path);
	rename(path, to);
}

static void
mend_unlink(const char *path, const char *backup)
{
	char from[200];

	(void)backup;
	snprintf(from, sizeof(from), "%s.moved", path);
	rename(from, path);
}

static void
harm_truncate(const char *path)
{
	if (truncate(path, 0) == -1)
		tap_diag("truncate: %s", strerror(errno));
}

static void
mend_restore(const char *path, const char *backup)
{
	copy_file(backup, path);
}

static off_t garbage_from;

static void
harm_garbage(const char *path)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_APPEND);

	garbage_from = stat(path, &st) == 0 ? st.st_size : 0;
	if (fd != -1) {
		if (write(fd, "garbage\n", 8) != 8)
			tap_diag("write: %s", strerror(errno));
		close(fd);
	}
}

static void
mend_garbage(const char *path, const char *backup)
{
	(void)backup;
	if (truncate(path, garbage_from) == -1)
		tap_diag("truncate: %s", strerror(errno));
}

static void
harm_header(const char *path)
{
	int fd = open(path, O_WRONLY);

	if (fd != -1) {
		if (pwrite(fd, "NOT SQLITE AT ALL", 16, 0) != 16)
			tap_diag("pwrite: %s", strerror(errno));
		close(fd);
	}
}

static void
test_sqlite_file(struct backend *b)
{
	struct journal_opts o = {0};
	struct eg_err err;
	struct journal *j;
	char path[160];
	int fd;

	damage(b, "unlinked", harm_unlink, mend_unlink, "was deleted while in use");
	damage(b, "truncated", harm_truncate, mend_restore, "was truncated while in use");
	damage(b, "garbage appended", harm_garbage, mend_garbage, "not a whole number of");
	damage(b, "overwritten", harm_header, mend_restore, "no longer starts with SQLite's header");

	snprintf(path, sizeof(path), "%s/old-format", b->dir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd != -1) {
		if (write(fd, "{\"t\":\"sent\",\"id\":\"x\"}\n", 22) != 22)
			tap_diag("write: %s", strerror(errno));
		close(fd);
	}
	o.file = path;
	o.tick_ms = -1;
	j = journal_open(&o, &err);
	tap_ok(j == NULL && strstr(err.msg, "older format") != NULL && strstr(err.msg, "mv ") !=
	    NULL, "a journal file of the older format is refused, naming the fix (%s)", err.msg);
	journal_close(j);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd != -1) {
		if (write(fd, "hello, world", 12) != 12)
			tap_diag("write: %s", strerror(errno));
		close(fd);
	}
	j = journal_open(&o, &err);
	tap_ok(j == NULL && strstr(err.msg, "is not an SQLite database") != NULL,
	    "another file is refused (%s)", err.msg);
	journal_close(j);
	unlink(path);
}

/* ---- PostgreSQL: the connection --------------------------------------------------- */

static void
test_pg_connection(struct backend *b)
{
	struct journal_opts o = {0};
	struct journal *j;
	struct journal_status st;
	struct eg_err err;
	struct jdb *db;
	int r, i;

	fresh(b);
	if ((j = jopen(b, "gate-conn", 0, NULL)) == NULL) {
		tap_ok(0, "%s: open", b->name);
		return;
	}
	tap_is_int(claim(j, "c-1", &REQ_A, NULL), CLAIM_WON, "%s: a claim", b->name);
	o.url = b->url;
	o.password = b->password;
	if ((db = journal_pg_ops.open(&o, 0, &err)) == NULL) {
		tap_ok(0, "%s: a second connection: %s", b->name, err.msg);
		journal_close(j);
		return;
	}
	/* the server ends the gate's connection (a restart, a failover, a DBA) */
	journal_pg_ops.exec(db, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
	    "application_name = 'epp-gate' AND pid <> pg_backend_pid()", NULL, 0, NULL, &err);
	journal_pg_ops.close(db);
	usleep(200 * 1000);
	r = journal_claim(j, "c-2", &REQ_A, NULL, &err);
	tap_is_int(r, CLAIM_FAILED, "%s: the connection lost: the claim fails (%s)", b->name,
	    err.msg);
	journal_status(j, &st);
	tap_ok(!st.sound && st.problem[0] != '\0', "%s: status: not sound (%s)", b->name,
	    st.problem);
	tap_is_int(journal_claim(j, "c-3", &REQ_A, NULL, &err), CLAIM_FAILED, "%s: claims fail "
	    "fast until it reconnects", b->name);
	for (i = 0; i < 30 && (r = journal_check(j, &err)) != 0; i++)
		usleep(200 * 1000);
	tap_is_int(r, 0, "%s: the check reconnects", b->name);
	tap_is_int(claim(j, "c-2", &REQ_A, NULL), CLAIM_WON, "%s: claims work again", b->name);
	tap_is_int(claim(j, "c-1", &REQ_A, NULL), CLAIM_BUSY, "%s: and the earlier claim is still "
	    "there", b->name);
	journal_close(j);

	/* a server out of reach at the start: the gate starts, claims fail, saying why */
	memset(&o, 0, sizeof(o));
	o.url = "postgresql://eppgate@127.0.0.1:1/eppgate?connect_timeout=2";
	o.password = b->password;
	o.tick_ms = -1;
	j = journal_open(&o, &err);
	tap_ok(j != NULL, "%s: a server out of reach does not keep the journal from opening",
	    b->name);
	if (j == NULL)
		return;
	journal_status(j, &st);
	tap_ok(!st.sound && strstr(st.problem, "cannot connect") != NULL, "%s: it is not sound: "
	    "%s", b->name, st.problem);
	tap_ok(journal_claim(j, "c-4", &REQ_A, NULL, &err) == CLAIM_FAILED &&
	    strstr(err.msg, "cannot connect") != NULL, "%s: claims fail, saying why", b->name);
	tap_is_int(journal_check(j, &err), -1, "%s: the check keeps trying", b->name);
	journal_close(j);
}

/* ---- the request digest ---------------------------------------------------------------- */

static void
test_digest(void)
{
	char a[EG_SHA256_HEX], b[EG_SHA256_HEX], c[EG_SHA256_HEX];
	json_object *x, *y, *z;
	struct buf t = BUF_INIT;

	eg_sha256_hex("abc", 3, a);
	tap_is_str(a, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "SHA-256 of \"abc\" (FIPS 180-2)");
	x = json_tokener_parse("{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.example\", "
	    "\"ns\": [\"n1\", \"n2\"], \"period\": 2, \"auth_info\": \"s3cret\"}}");
	y = json_tokener_parse("{\"args\":{\"period\":2,\"auth_info\":\"s3cret\",\"ns\":[\"n1\","
	    "\"n2\"],\"name\":\"a.example\"},\"cmd\":\"domain_create\"}");
	z = json_tokener_parse("{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.example\", "
	    "\"ns\": [\"n2\", \"n1\"], \"period\": 2, \"auth_info\": \"s3cret\"}}");
	eg_request_digest(x, a);
	eg_request_digest(y, b);
	eg_request_digest(z, c);
	tap_ok(strlen(a) == 64 && strcmp(a, b) == 0, "key order and whitespace do not change the "
	    "digest");
	tap_ok(strcmp(a, c) != 0, "the order in a list does");
	eg_json_canonical(json_object_object_get(x, "args"), 1, &t);
	tap_is_str(t.data, "{\"auth_info\":\"*\",\"name\":\"a.example\",\"ns\":[\"n1\",\"n2\"],"
	    "\"period\":2}", "canonical text: sorted, compact, the secret masked");
	json_object_put(x);
	json_object_put(y);
	json_object_put(z);
	buf_clear(&t);
}

/* ---- the backends --------------------------------------------------------------------- */

static void
suite(struct backend *b)
{
	test_basic(b);
	test_mismatch(b);
	test_two_gates(b);
	test_lease(b);
	test_prune(b);
	test_restart(b);
	if (b->sqlite)
		test_sqlite_file(b);
	else
		test_pg_connection(b);
}

static int
rm_tree(const char *dir)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int
main(void)
{
	struct backend sq, pg;
	const char *url = getenv("EG_TEST_PG_URL"), *pwf = getenv("EG_TEST_PG_PASSWORD_FILE");
	struct eg_err err;

	test_digest();
	memset(&sq, 0, sizeof(sq));
	sq.name = "sqlite";
	sq.sqlite = 1;
	snprintf(sq.dir, sizeof(sq.dir), "/tmp/eg-journal.XXXXXX");
	if (mkdtemp(sq.dir) == NULL) {
		tap_ok(0, "mkdtemp: %s", strerror(errno));
		return tap_done();
	}
	suite(&sq);
	if (rm_tree(sq.dir) != 0)
		tap_diag("could not remove %s", sq.dir);

	memset(&pg, 0, sizeof(pg));
	pg.name = "postgresql";
	if (url == NULL || url[0] == '\0') {
		tap_diag("PostgreSQL half skipped: EG_TEST_PG_URL is not set (tests/run-all sets it)");
		return tap_done();
	}
	snprintf(pg.url, sizeof(pg.url), "%s", url);
	if (pwf != NULL && pwf[0] != '\0' &&
	    eg_secret_read(pwf, pg.password, sizeof(pg.password), NULL, &err) == -1) {
		tap_ok(0, "password file: %s", err.msg);
		return tap_done();
	}
	suite(&pg);
	return tap_done();
}
