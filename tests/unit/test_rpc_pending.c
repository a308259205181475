/* SPDX-License-Identifier: MIT */
/*
 * The client library's requests in flight (rpcclient/pending.c): every request
 * is completed exactly once, by its reply, at its deadline or by a connection
 * failure, never twice. A late reply after a timeout, a second reply and a
 * foreign correlation id change nothing. Checked against a model in random
 * interleavings; EG_SEED=N runs that one seed only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "rpc_int.h"
#include "tap.h"

#define MAXREQ 4096

enum state { NONE, PENDING, DONE, TAKEN };
enum cause { BY_REPLY, BY_DEADLINE, BY_FAILURE, NCAUSE };

struct model {
	enum state state;
	struct rpcc_req *r;           /* while PENDING */
	char corr[RPCC_ID_LEN + 1];
	int64_t deadline;
	int timeout_ms;
	int sent;
	int want_status;              /* once DONE */
	int completions;              /* replies seen for it in the ready queue */
};

static struct model m[MAXREQ + 1];
static uint64_t nreq;
static int64_t now;
static unsigned long long rng;
static int bad;                   /* a failed check in the current run (reported once) */
static long counts[NCAUSE], ignored_late, ignored_dup, ignored_foreign;

static unsigned
rnd(unsigned n)
{
	/* xorshift64*: the same run for the same seed on every machine */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 2685821657736338717ull) >> 33) % n;
}

static void
check(int cond, const char *what, uint64_t id)
{
	if (!cond && bad++ == 0)
		tap_diag("first failure: %s (request %llu)", what, (unsigned long long)id);
}

/* A request named after its id, so that every completion shows whose it is. */
static struct rpcc_req *
new_req(struct rpcc_pending *p, uint64_t id, int timeout_ms, int sent)
{
	struct rpcc_req *r;
	char name[32], err[256];
	int st;

	snprintf(name, sizeof(name), "r%llu", (unsigned long long)id);
	if ((r = rpcc_req_new(id, name, NULL, NULL, timeout_ms, &st, err, sizeof(err))) == NULL ||
	    rpcc_pending_prepare(p, r) != 0) {
		tap_diag("cannot make a request: %s", err);
		exit(1);
	}
	r->sent = sent;
	r->sends = sent;
	return r;
}

static void
submit(struct rpcc_pending *p)
{
	struct model *x;

	if (nreq == MAXREQ)
		return;
	x = &m[++nreq];
	x->timeout_ms = 1 + (int)rnd(1000);
	x->sent = rnd(10) != 0;
	x->r = new_req(p, nreq, x->timeout_ms, x->sent);
	x->deadline = now + x->timeout_ms;
	memcpy(x->corr, x->r->corr_id, sizeof(x->corr));
	x->state = PENDING;
	rpcc_pending_add(p, x->r, x->deadline);
}

static void
done(struct model *x, int status, enum cause c)
{
	x->state = DONE;
	x->r = NULL;
	x->want_status = status;
	counts[c]++;
}

/* A reply for some request (any state), sometimes for none of ours. */
static void
reply(struct rpcc_pending *p)
{
	static const struct { const char *body; int status; } bodies[] = {
		{"{\"epp\": {\"response\": {\"result\": {\"@code\": \"1000\", \"msg\": \"ok\"}}}}",
		    EGRPC_OK},
		{"{\"epp\": {\"response\": {\"result\": {\"@code\": \"2302\", \"msg\": \"exists\"}}}}",
		    EGRPC_EEPP},
		{"{\"error\": \"failed processing EPP command: gone\"}", EGRPC_EGATE},
		{"not json", EGRPC_EREPLY},
	};
	char foreign[RPCC_ID_LEN + 1];
	struct model *x;
	unsigned b = rnd(4);
	int got;

	if (nreq == 0 || rnd(8) == 0) {
		rpcc_uuid4(foreign);
		got = rpcc_pending_reply(p, foreign, RPCC_ID_LEN, bodies[b].body,
		    strlen(bodies[b].body));
		check(got == 0, "a foreign correlation id completed something", 0);
		/* A prefix of one of ours is someone else's too. */
		x = &m[1 + rnd((unsigned)(nreq > 0 ? nreq : 1))];
		if (nreq > 0)
			check(rpcc_pending_reply(p, x->corr, RPCC_ID_LEN - 1, "{}", 2) == 0,
			    "a shortened correlation id matched", 0);
		ignored_foreign++;
		return;
	}
	x = &m[1 + rnd((unsigned)nreq)];
	/* Mostly for one in flight, else for any, most of which are answered already. */
	if (p->n > 0 && rnd(3) != 0) {
		struct rpcc_req *r = p->head;
		unsigned k = rnd((unsigned)p->n);

		while (k-- > 0)
			r = r->next;
		x = &m[r->id];
	}
	got = rpcc_pending_reply(p, x->corr, RPCC_ID_LEN, bodies[b].body, strlen(bodies[b].body));
	if (x->state == PENDING) {
		check(got == 1, "a reply to a request in flight was not taken", (uint64_t)(x - m));
		done(x, bodies[b].status, BY_REPLY);
	} else {
		check(got == 0, "a second reply completed a request again", (uint64_t)(x - m));
		if (x->want_status == EGRPC_ETIMEOUT)
			ignored_late++;
		else
			ignored_dup++;
	}
}

/* Time passes: exactly the requests whose deadline has come time out. */
static void
tick(struct rpcc_pending *p)
{
	size_t want = 0, got;
	uint64_t i;

	now += rnd(8) == 0 ? rnd(800) : rnd(30);
	for (i = 1; i <= nreq; i++) {
		if (m[i].state == PENDING && m[i].deadline <= now) {
			done(&m[i], EGRPC_ETIMEOUT, BY_DEADLINE);
			want++;
		}
	}
	got = rpcc_pending_expire(p, now);
	check(got == want, "expire completed another number of requests than were due", 0);
}

/*
 * The connection is lost, as ctx.c's lost() handles it: each request either
 * fails or stays to be sent again with a fresh timeout.
 */
static void
connection_lost(struct rpcc_pending *p)
{
	struct rpcc_req *r, *next;
	struct model *x;
	uint64_t i;

	for (r = p->head; r != NULL; r = next) {
		next = r->next;
		x = &m[r->id];
		if (rnd(2) == 0) {
			rpcc_pending_fail(p, r, EGRPC_EIO, "lost r%llu", (unsigned long long)r->id);
			done(x, EGRPC_EIO, BY_FAILURE);
		}
	}
	rpcc_pending_renew(p, now);
	for (i = 1; i <= nreq; i++) {
		if (m[i].state != PENDING)
			continue;
		if (m[i].sent)
			m[i].deadline = now + m[i].timeout_ms;
		m[i].sent = m[i].r->sent = 1;   /* published on the new connection */
		m[i].r->sends++;
	}
}

static void
take_one(egrpc_reply *rep)
{
	char name[32], why[64];
	struct model *x;

	if (rep->id == 0 || rep->id > nreq) {
		check(0, "a reply for a request never made", rep->id);
		egrpc_reply_free(rep);
		return;
	}
	x = &m[rep->id];
	x->completions++;
	snprintf(name, sizeof(name), "r%llu", (unsigned long long)rep->id);
	check(x->state == DONE, "a reply for a request not completed", rep->id);
	check(rep->status == x->want_status, "completed with another status", rep->id);
	check(rep->cmd != NULL && strcmp(rep->cmd, name) == 0, "the reply names another request",
	    rep->id);
	check(rep->msg != NULL, "a reply without a message", rep->id);
	/* Failures and timeouts say whose they are. */
	snprintf(why, sizeof(why), x->want_status == EGRPC_EIO ? "lost %s" : "'%s'", name);
	if (x->want_status == EGRPC_EIO)
		check(strcmp(rep->msg, why) == 0, "a failure with another message", rep->id);
	if (x->want_status == EGRPC_ETIMEOUT)
		check(strstr(rep->msg, why) != NULL, "a timeout naming another request", rep->id);
	check((rep->body != NULL) == (x->want_status != EGRPC_ETIMEOUT &&
	    x->want_status != EGRPC_EIO), "a body exactly when a reply came", rep->id);
	x->state = TAKEN;
	egrpc_reply_free(rep);
}

static void
take(struct rpcc_pending *p)
{
	egrpc_reply *rep;
	uint64_t id;

	if (rnd(2) == 0) {
		if ((rep = rpcc_pending_take(p, 0)) != NULL)
			take_one(rep);
		return;
	}
	if (nreq == 0)
		return;
	id = 1 + rnd((unsigned)nreq);
	rep = rpcc_pending_take(p, id);
	check((rep != NULL) == (m[id].state == DONE), "take by id disagrees with the model", id);
	if (rep != NULL) {
		check(rep->id == id, "take by id gave another request's reply", id);
		take_one(rep);
	}
}

/* The table agrees with the model: counts, order, lookups (of completed ones too when
 * full, which costs most). */
static void
invariants(const struct rpcc_pending *p, int full)
{
	const struct rpcc_req *r;
	size_t pending = 0, ready = 0, listed = 0;
	int64_t prev = INT64_MIN, min = INT64_MAX;
	uint64_t i;

	for (i = 1; i <= nreq; i++) {
		if (m[i].state == PENDING) {
			pending++;
			if (m[i].deadline < min)
				min = m[i].deadline;
			check(rpcc_pending_find(p, m[i].corr, RPCC_ID_LEN) == m[i].r,
			    "a request in flight is not found by its id", i);
			check(m[i].r->deadline == m[i].deadline, "a deadline differs", i);
		} else if (m[i].state != NONE) {
			if (full)
				check(rpcc_pending_find(p, m[i].corr, RPCC_ID_LEN) == NULL,
				    "a completed request is still found", i);
			ready += m[i].state == DONE;
		}
	}
	for (r = p->head; r != NULL; r = r->next, listed++) {
		check(r->deadline >= prev, "the list is out of deadline order", r->id);
		check(r->next != NULL || p->tail == r, "the tail is not the last", r->id);
		prev = r->deadline;
	}
	check(p->n == pending && listed == pending, "the number in flight differs", 0);
	check(p->nready == ready, "the number of replies ready differs", 0);
	check(rpcc_pending_next_deadline(p) == min, "the next deadline differs", 0);
}

/* One run: 'steps' random operations, then everything expires and is collected. */
static void
run(unsigned long long seed, int steps)
{
	struct rpcc_pending p;
	egrpc_reply *rep;
	uint64_t i;
	int s, once = 1, taken = 1;

	memset(&p, 0, sizeof(p));
	memset(m, 0, sizeof(m));
	memset(counts, 0, sizeof(counts));
	ignored_late = ignored_dup = ignored_foreign = 0;
	nreq = 0;
	now = 1000000;
	rng = seed * 0x9e3779b97f4a7c15ull + 1;
	bad = 0;
	for (s = 0; s < steps; s++) {
		switch (rnd(20)) {
		case 0: case 1: case 2: case 3: case 4: case 5:
			submit(&p);
			break;
		case 6: case 7: case 8: case 9: case 10:
			reply(&p);
			break;
		case 11: case 12: case 13:
			tick(&p);
			break;
		case 14:
			if (rnd(4) == 0)
				connection_lost(&p);
			break;
		default:
			take(&p);
			break;
		}
		invariants(&p, s % 8 == 0);
	}
	/* Whatever is left times out; a late reply to each then changes nothing. */
	now += 2000;
	for (i = 1; i <= nreq; i++)
		if (m[i].state == PENDING)
			done(&m[i], EGRPC_ETIMEOUT, BY_DEADLINE);
	rpcc_pending_expire(&p, now);
	for (i = 1; i <= nreq; i++)
		check(rpcc_pending_reply(&p, m[i].corr, RPCC_ID_LEN, "{}", 2) == 0,
		    "a late reply after everything completed", i);
	invariants(&p, 1);
	while ((rep = rpcc_pending_take(&p, 0)) != NULL)
		take_one(rep);
	for (i = 1; i <= nreq; i++) {
		once &= m[i].completions == 1;
		taken &= m[i].state == TAKEN;
	}
	tap_ok(!bad && once && taken && p.n == 0 && p.nready == 0, "seed %llu: %llu requests, "
	    "each completed exactly once (%ld by reply, %ld by deadline, %ld by failure; "
	    "ignored: %ld late, %ld repeated, %ld foreign)", seed, (unsigned long long)nreq,
	    counts[BY_REPLY], counts[BY_DEADLINE], counts[BY_FAILURE], ignored_late, ignored_dup,
	    ignored_foreign);
	tap_ok(counts[BY_REPLY] > 0 && counts[BY_DEADLINE] > 0 && counts[BY_FAILURE] > 0,
	    "seed %llu: all three ways of completing occurred", seed);
	rpcc_pending_clear(&p);
}

/* The three ignored cases, one by one. */
static void
test_ignored(void)
{
	struct rpcc_pending p;
	struct rpcc_req *a, *b;
	char ida[RPCC_ID_LEN + 1], idb[RPCC_ID_LEN + 1], foreign[RPCC_ID_LEN + 1];
	egrpc_reply *rep;
	const char *ok = "{\"epp\": {\"response\": {\"result\": {\"@code\": \"1000\"}}}}";

	memset(&p, 0, sizeof(p));
	a = new_req(&p, 1, 100, 1);
	rpcc_pending_add(&p, a, 100);
	b = new_req(&p, 2, 500, 1);
	rpcc_pending_add(&p, b, 500);
	memcpy(ida, a->corr_id, sizeof(ida));
	memcpy(idb, b->corr_id, sizeof(idb));
	rpcc_uuid4(foreign);
	tap_is_int(rpcc_pending_reply(&p, foreign, RPCC_ID_LEN, ok, strlen(ok)), 0,
	    "a foreign correlation id: ignored");
	tap_is_int(rpcc_pending_reply(&p, NULL, 0, ok, strlen(ok)), 0, "no correlation id: ignored");
	tap_is_int((long long)p.n, 2, "both still in flight");
	tap_is_int((long long)rpcc_pending_expire(&p, 99), 0, "before the deadline: nothing expires");
	tap_is_int((long long)rpcc_pending_expire(&p, 100), 1, "at the deadline: the first expires");
	tap_is_int(rpcc_pending_reply(&p, ida, RPCC_ID_LEN, ok, strlen(ok)), 0,
	    "a late reply after the timeout: ignored");
	tap_is_int(rpcc_pending_reply(&p, idb, RPCC_ID_LEN, ok, strlen(ok)), 1,
	    "the other's reply completes it");
	tap_is_int(rpcc_pending_reply(&p, idb, RPCC_ID_LEN, ok, strlen(ok)), 0,
	    "the same reply again: ignored");
	tap_is_int((long long)rpcc_pending_expire(&p, 10000), 0, "nothing left to expire");
	rep = rpcc_pending_take(&p, 2);
	tap_ok(rep != NULL && rep->status == EGRPC_OK && rep->body != NULL &&
	    strcmp(rep->body, ok) == 0, "take(2): the reply, with its body");
	egrpc_reply_free(rep);
	rep = rpcc_pending_take(&p, 0);
	tap_ok(rep != NULL && rep->id == 1 && rep->status == EGRPC_ETIMEOUT &&
	    strstr(rep->msg, "timeout: no reply to 'r1' within 100 ms") != NULL,
	    "take(0): the timeout, saying so");
	egrpc_reply_free(rep);
	tap_ok(rpcc_pending_take(&p, 0) == NULL && p.n == 0 && p.nready == 0,
	    "nothing more: two requests, two completions");
	/* Clearing frees what is still in flight and what was never collected. */
	a = new_req(&p, 3, 100, 1);
	rpcc_pending_add(&p, a, 100);
	b = new_req(&p, 4, 100, 1);
	rpcc_pending_add(&p, b, 100);
	rpcc_pending_fail(&p, b, EGRPC_EIO, "lost");
	rpcc_pending_clear(&p);
	tap_ok(p.n == 0 && p.nready == 0 && p.head == NULL && p.tab == NULL, "clear empties it");
}

/* A thousand in flight, completed in random order: each is found until it is gone. */
static void
test_table(void)
{
	static struct rpcc_req *rs[1000];
	static char ids[1000][RPCC_ID_LEN + 1];
	char removed[RPCC_ID_LEN + 1];
	struct rpcc_pending p;
	egrpc_reply *rep;
	size_t i, j, k, n = sizeof(rs) / sizeof(rs[0]);
	int found = 1, gone = 1;

	memset(&p, 0, sizeof(p));
	rng = 42;
	for (i = 0; i < n; i++) {
		rs[i] = new_req(&p, i + 1, 1000, 1);
		memcpy(ids[i], rs[i]->corr_id, sizeof(ids[i]));
		rpcc_pending_add(&p, rs[i], (int64_t)rnd(5000));
	}
	tap_ok(p.tabcap >= 2 * n, "the table grew to stay at most half full (%zu slots)",
	    p.tabcap);
	for (i = n; i > 0; i--) {
		k = rnd((unsigned)i);
		memcpy(removed, ids[k], sizeof(removed));
		rpcc_pending_fail(&p, rs[k], EGRPC_EIO, "gone");
		rs[k] = rs[i - 1];
		memcpy(ids[k], ids[i - 1], sizeof(ids[k]));
		/* Every request still in flight is found; the one completed is not. */
		for (j = 0; j + 1 < i; j++)
			found &= rpcc_pending_find(&p, ids[j], RPCC_ID_LEN) == rs[j];
		gone &= rpcc_pending_find(&p, removed, RPCC_ID_LEN) == NULL;
	}
	tap_ok(found, "after each of %zu removals every other request is still found", n);
	tap_ok(gone, "and the removed one is not");
	tap_ok(p.n == 0 && p.head == NULL && p.tail == NULL, "and the table is empty");
	for (i = 0; (rep = rpcc_pending_take(&p, 0)) != NULL; i++)
		egrpc_reply_free(rep);
	tap_is_int((long long)i, (long long)n, "%zu completions", n);
	rpcc_pending_clear(&p);
}

int
main(void)
{
	const char *env = getenv("EG_SEED");
	unsigned long long seed;

	test_ignored();
	test_table();
	if (env != NULL) {
		run(strtoull(env, NULL, 10), 3000);
	} else {
		for (seed = 1; seed <= 10; seed++)
			run(seed, 3000);
	}
	return tap_done();
}
