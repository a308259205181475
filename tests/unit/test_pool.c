/* SPDX-License-Identifier: MIT */
/*
 * The job queue and the session supervisor (gate/jobq.h, gate/supervisor.h) with fake
 * session operations and no registry: hand-off of jobs to idle sessions that are up, N jobs
 * over M sessions, order, a job handed back when its session drops, expiry by deadline and
 * by queue_wait, drain on stop, reconnect backoff (growing, longer after 2200/2502, reset by
 * a success, no wait after a drop) and the reconnect counter; failures that cannot heal
 * (a refused login) answering waiting and new jobs at once with the reason, until a session
 * is up again, and those that can leaving jobs to wait; a job set aside to wait for
 * another job's reply (EXEC_WAIT) holding no session, coming back, and answered when its
 * wait is over; and what the runner tells a job that waited too long (exec_abandon), with
 * a real journal, and what it does with a message_id the journal knows.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "digest.h"
#include "epp_cmd.h"
#include "journal.h"
#include "supervisor.h"
#include "tap.h"

/* ---- fake session operations ---------------------------------------------- */

#define MAXOPENS 64

struct fake {
	pthread_mutex_t mu;
	int script[MAXOPENS];    /* open attempt i: 0 up, > 0 refused with that code, -1 failed */
	int nscript;
	int after;               /* the result once the script is used up */
	int opens;               /* attempts so far */
	int64_t open_at[MAXOPENS];   /* monotonic ms of each attempt */
	int run_ms;              /* how long a job takes */
	int running, max_running;
	int runs;                /* run calls */
	char order[8192];        /* "cmd@session " per job answered */
	int64_t last_end[4];     /* by session: when its last job ended */
	int64_t closed_at[4];    /* by session: when it logged out */
	int closes;
	int64_t dropped_at;      /* when a "drop" job took its session down */
	int waits;               /* EXEC_WAIT returned */
};

static int
fake_open(void *arg, struct session *s, struct eg_err *err)
{
	struct fake *f = arg;
	int r, i;

	pthread_mutex_lock(&f->mu);
	i = f->opens++;
	if (i < MAXOPENS)
		f->open_at[i] = eg_now_ms();
	r = i < f->nscript ? f->script[i] : f->after;
	pthread_mutex_unlock(&f->mu);
	if (r == 0) {
		s->up = 1;
		s->up_since = eg_wall_ms();
		s->last_code = 0;
		snprintf(s->login.svid, sizeof(s->login.svid), "fake");
		snprintf(s->login.objs, sizeof(s->login.objs), "urn:ietf:params:xml:ns:domain-1.0");
		return 0;
	}
	s->up = 0;
	s->last_code = r > 0 ? r : 0;
	s->fail = r > 0 ? (int)session_fail_of_login(r) : SESSION_FAIL_CONNECT;
	if (r < 0)
		return eg_err_set(err, EG_EIO, "connection refused");
	return eg_err_set(err, EG_EEPP, "login refused: %d", r);
}

static enum exec_next
fake_run(void *arg, struct session *s, struct job *j)
{
	struct fake *f = arg;
	json_object *o;
	size_t n;

	pthread_mutex_lock(&f->mu);
	f->runs++;
	if (++f->running > f->max_running)
		f->max_running = f->running;
	pthread_mutex_unlock(&f->mu);
	if (f->run_ms > 0)
		usleep((useconds_t)f->run_ms * 1000);
	j->session_id = s->id;
	if (strcmp(j->cmd, "drop") == 0 && j->run.unsent_tries == 0) {
		/* the session goes down under the job before it was sent */
		j->run.unsent_tries++;
		s->up = 0;
		s->up_since = 0;
		pthread_mutex_lock(&f->mu);
		f->running--;
		f->dropped_at = eg_now_ms();
		pthread_mutex_unlock(&f->mu);
		return EXEC_NEED_SESSION;
	}
	if (strncmp(j->cmd, "wait", 4) == 0 && (strcmp(j->cmd, "waitlong") == 0 ||
	    j->run.ask_tries < 2)) {
		/* another copy is in progress: look again in 100 ms (twice), or, "waitlong", until
		 * the wait is over */
		j->run.ask_tries++;
		if (!j->run.waiting)
			j->run.wait_end_ms = eg_now_ms() + (strcmp(j->cmd, "waitlong") == 0 ? 300 : 5000);
		j->run.waiting = 1;
		j->run.wake_ms = eg_now_ms() + 100;
		snprintf(j->run.cltrid, sizeof(j->run.cltrid), "other-copy-1");
		snprintf(j->run.why, sizeof(j->run.why), "another copy is in progress");
		pthread_mutex_lock(&f->mu);
		f->running--;
		f->waits++;
		pthread_mutex_unlock(&f->mu);
		return EXEC_WAIT;
	}
	o = json_object_new_object();
	json_object_object_add(o, "done", json_object_new_string(j->cmd));
	job_reply_json(j, o, 1000);
	json_object_put(o);
	pthread_mutex_lock(&f->mu);
	f->running--;
	n = strlen(f->order);
	snprintf(f->order + n, sizeof(f->order) - n, "%s@%d ", j->cmd, s->id);
	if (s->id < 4)
		f->last_end[s->id] = eg_now_ms();
	pthread_mutex_unlock(&f->mu);
	return EXEC_DONE;
}

static int64_t
fake_keepalive_in(void *arg, const struct session *s)
{
	(void)arg;
	(void)s;
	return -1;
}

static int
fake_keepalive(void *arg, struct session *s, struct eg_err *err)
{
	(void)arg;
	(void)s;
	(void)err;
	return 0;
}

static void
fake_close(void *arg, struct session *s)
{
	struct fake *f = arg;

	pthread_mutex_lock(&f->mu);
	f->closes++;
	if (s->id < 4)
		f->closed_at[s->id] = eg_now_ms();
	pthread_mutex_unlock(&f->mu);
	s->up = 0;
	s->up_since = 0;
}

static const struct supervisor_ops fake_ops = {
	fake_open, fake_run, fake_keepalive_in, fake_keepalive, fake_close,
};

/* ---- a queue and a supervisor on the fake ---------------------------------- */

struct rig {
	struct gate_config cfg;
	struct cltrid_gen cltrid;
	struct exec_env exec;
	struct fake f;
	struct metrics *m;
	struct jobq *q;
	struct supervisor *sv;
};

static void
abandon(void *arg, struct job *j, int64_t now_ms, int waited_ms, const char *why)
{
	exec_abandon(arg, j, now_ms, waited_ms, why);
}

static struct rig *
rig_new(int queue_wait_ms, int backoff_min_ms)
{
	struct rig *r = calloc(1, sizeof(*r));
	struct jobq_env qe;
	struct eg_err e;

	gate_config_defaults(&r->cfg);
	snprintf(r->cfg.epp.host, sizeof(r->cfg.epp.host), "registry.test");
	r->cfg.epp.backoff_min_ms = backoff_min_ms;
	r->cfg.epp.backoff_max_ms = 5000;
	r->cfg.queue_wait_ms = queue_wait_ms;
	cltrid_init(&r->cltrid, "t");
	r->exec.cfg = &r->cfg;
	r->exec.cltrid = &r->cltrid;
	pthread_mutex_init(&r->f.mu, NULL);
	r->m = metrics_new(4);
	memset(&qe, 0, sizeof(qe));
	qe.queue_wait_ms = queue_wait_ms;
	qe.abandon = abandon;
	qe.abandon_arg = &r->exec;
	if ((r->q = jobq_new(&qe, &e)) == NULL) {
		tap_diag("jobq_new: %s", e.msg);
		abort();
	}
	return r;
}

static int
rig_start(struct rig *r, int sessions, int refused_ms)
{
	struct supervisor_env se;
	struct eg_err e;

	memset(&se, 0, sizeof(se));
	se.session.epp = &r->cfg.epp;
	se.session.cltrid = &r->cltrid;
	se.ops = &fake_ops;
	se.ops_arg = &r->f;
	se.q = r->q;
	se.metrics = r->m;
	se.sessions = sessions;
	se.refused_backoff_ms = refused_ms;
	if ((r->sv = supervisor_start(&se, &e)) == NULL) {
		tap_ok(0, "supervisor_start: %s", e.msg);
		return -1;
	}
	return 0;
}

static void
rig_free(struct rig *r)
{
	supervisor_free(r->sv);
	jobq_free(r->q);
	metrics_free(r->m);
	pthread_mutex_destroy(&r->f.mu);
	free(r);
}

static struct job *
job(const char *cmd)
{
	struct job *j = job_new();

	snprintf(j->cmd, sizeof(j->cmd), "%s", cmd);
	return j;
}

/* Waits up to ms for the number of sessions up to be want. */
static int
wait_up(struct rig *r, int want, int ms)
{
	int64_t end = eg_now_ms() + ms;

	while (supervisor_sessions_up(r->sv) != want) {
		if (eg_now_ms() > end)
			return 0;
		usleep(2000);
	}
	return 1;
}

/* Collects finished jobs into out[] (at most cap) until want are in or ms pass, polling
 * the queue's eventfd as the AMQP thread does (and expiring, as it does, with expire). */
static int
collect(struct rig *r, struct job **out, int cap, int want, int ms, int expire)
{
	struct pollfd p;
	struct job *j, *next;
	int n = 0;
	int64_t end = eg_now_ms() + ms, left;

	while (n < want && (left = end - eg_now_ms()) > 0) {
		p.fd = jobq_event_fd(r->q);
		p.events = POLLIN;
		poll(&p, 1, left > 20 ? 20 : (int)left);
		if (expire)
			jobq_expire(r->q);
		for (j = jobq_collect(r->q); j != NULL; j = next) {
			next = j->next;
			if (n < cap)
				out[n++] = j;
			else
				job_free(j);
		}
	}
	return n;
}

static void
free_jobs(struct job **js, int n)
{
	int i;

	for (i = 0; i < n; i++)
		job_free(js[i]);
}

/* ---- hand-off ---------------------------------------------------------------- */

static void
test_hand_off(void)
{
	struct rig *r = rig_new(5000, 50);
	struct job *got[4];
	int n;

	if (rig_start(r, 1, 0) == -1)
		return;
	tap_ok(wait_up(r, 1, 5000), "the session comes up");
	jobq_push(r->q, job("one"));
	n = collect(r, got, 4, 1, 5000, 0);
	tap_ok(n == 1 && got[0]->code == 1000 && strstr(got[0]->reply, "\"one\"") != NULL &&
	    got[0]->session_id == 0, "a job goes to the idle session that is up and comes back "
	    "answered");
	tap_is_int(jobq_outstanding(r->q), 0, "nothing outstanding once collected");
	free_jobs(got, n);
	rig_free(r);
}

static void
test_many_over_few(void)
{
	struct rig *r = rig_new(10000, 50);
	struct job *got[64];
	char name[16];
	int n, i, used[4] = {0, 0, 0, 0}, nused = 0, ok = 1;

	r->f.run_ms = 10;
	if (rig_start(r, 4, 0) == -1)
		return;
	tap_ok(wait_up(r, 4, 5000), "four sessions come up");
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "j%d", i);
		jobq_push(r->q, job(name));
	}
	tap_ok(jobq_outstanding(r->q) == 40, "40 jobs outstanding");
	n = collect(r, got, 64, 40, 10000, 0);
	tap_is_int(n, 40, "40 jobs over 4 sessions: every one comes back");
	for (i = 0; i < n; i++) {
		ok &= got[i]->code == 1000 && got[i]->session_id >= 0 && got[i]->session_id < 4;
		if (got[i]->session_id >= 0 && got[i]->session_id < 4 && used[got[i]->session_id]++ == 0)
			nused++;
	}
	tap_ok(ok, "each answered by a session");
	tap_is_int(r->f.runs, 40, "each run once");
	tap_ok(r->f.max_running >= 2 && r->f.max_running <= 4, "in parallel, at most one per "
	    "session (%d at once)", r->f.max_running);
	tap_ok(nused >= 2, "spread over the sessions (%d used)", nused);
	free_jobs(got, n);
	rig_free(r);
}

static void
test_order(void)
{
	struct rig *r = rig_new(10000, 50);
	struct job *got[32];
	char name[16], want[512] = "", have[512] = "";
	int n, i;
	size_t w = 0, h = 0;

	r->f.run_ms = 1;
	if (rig_start(r, 1, 0) == -1)
		return;
	tap_ok(wait_up(r, 1, 5000), "the session comes up");
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "j%d", i);
		jobq_push(r->q, job(name));
		w += (size_t)snprintf(want + w, sizeof(want) - w, "%s@0 ", name);
	}
	n = collect(r, got, 32, 20, 10000, 0);
	for (i = 0; i < n; i++)
		h += (size_t)snprintf(have + h, sizeof(have) - h, "%s@0 ", got[i]->cmd);
	tap_is_str(r->f.order, want, "one session runs the jobs in arrival order");
	tap_is_str(have, want, "and they are collected in that order");
	free_jobs(got, n);
	rig_free(r);
}

/* A job whose session goes down under it goes back to the head of the queue and is run
 * on the next session up, ahead of the jobs that came after it. */
static void
test_handed_back(void)
{
	struct rig *r = rig_new(10000, 50);
	struct job *got[8];
	int n;

	r->f.run_ms = 5;
	if (rig_start(r, 1, 0) == -1)
		return;
	tap_ok(wait_up(r, 1, 5000), "the session comes up");
	jobq_push(r->q, job("drop"));
	jobq_push(r->q, job("after"));
	n = collect(r, got, 8, 2, 5000, 0);
	tap_is_int(n, 2, "both jobs come back");
	tap_is_str(r->f.order, "drop@0 after@0 ", "the dropped job ran again first, on the "
	    "session re-opened");
	tap_is_int(r->f.opens, 2, "one open, one re-open");
	tap_ok(r->f.opens == 2 && r->f.open_at[1] - r->f.dropped_at < 1000,
	    "re-opened at once after the drop (%lld ms), without backoff",
	    (long long)(r->f.open_at[1] - r->f.dropped_at));
	free_jobs(got, n);
	rig_free(r);
}

/* ---- expiry ---------------------------------------------------------------- */

static const char *
code_of(const struct job *j)
{
	if (j->reply == NULL)
		return "(no reply)";
	if (strstr(j->reply, "\"code\":\"not_sent\"") != NULL)
		return "not_sent";
	if (strstr(j->reply, "\"code\":\"expired\"") != NULL)
		return "expired";
	if (strstr(j->reply, "\"code\":\"outcome_unknown\"") != NULL)
		return "outcome_unknown";
	return "other";
}

static void
test_expiry(void)
{
	struct rig *r = rig_new(300, 50);
	struct job *got[8], *a, *b;
	int64_t t0, next;
	int n;

	r->f.after = 2400;          /* no session ever comes up */
	if (rig_start(r, 2, 0) == -1)
		return;
	t0 = eg_now_ms();
	a = job("waits");
	b = job("deadline");
	b->deadline_ms = eg_now_ms() + 100;
	jobq_push(r->q, a);
	jobq_push(r->q, b);
	tap_ok(a->wait_until_ms - t0 >= 299 && a->wait_until_ms - t0 <= 400,
	    "a job waits queue_wait (300 ms) for a session");
	tap_ok(b->wait_until_ms == b->deadline_ms, "or until its deadline, when sooner");
	next = jobq_expire(r->q);
	tap_ok(next > 0 && next <= 100, "expire says when the next wait ends (%lld ms)",
	    (long long)next);
	n = collect(r, got, 8, 1, 2000, 1);
	tap_ok(n == 1 && strcmp(got[0]->cmd, "deadline") == 0 && strcmp(code_of(got[0]), "expired") == 0 &&
	    eg_now_ms() - t0 >= 100, "past its deadline, a job is answered \"expired\" (%s)",
	    n == 1 ? code_of(got[0]) : "none");
	free_jobs(got, n);
	n = collect(r, got, 8, 1, 2000, 1);
	tap_ok(n == 1 && strcmp(got[0]->cmd, "waits") == 0 && strcmp(code_of(got[0]), "not_sent") == 0 &&
	    strstr(got[0]->reply, "within 300 ms") != NULL && eg_now_ms() - t0 >= 300,
	    "without a session up for queue_wait, \"not_sent\" (%s)", n == 1 ? got[0]->reply : "none");
	tap_is_int(r->f.runs, 0, "neither was run");
	tap_is_int(jobq_waiting(r->q), 0, "the queue is empty");
	tap_ok(jobq_expire(r->q) == -1, "expire: nothing left to wait for");
	free_jobs(got, n);
	rig_free(r);
}

/* ---- waiting for another job's reply ------------------------------------------ */

static void
test_wait(void)
{
	struct rig *r = rig_new(5000, 50);
	struct job *got[8];
	int64_t t0;
	int n, i, quick = -1, wait = -1;

	if (rig_start(r, 1, 0) == -1)
		return;
	tap_ok(wait_up(r, 1, 5000), "one session comes up");
	t0 = eg_now_ms();
	jobq_push(r->q, job("wait"));
	jobq_push(r->q, job("quick"));
	n = collect(r, got, 8, 2, 5000, 1);
	for (i = 0; i < n; i++) {
		if (strcmp(got[i]->cmd, "quick") == 0)
			quick = i;
		else if (strcmp(got[i]->cmd, "wait") == 0)
			wait = i;
	}
	tap_ok(n == 2 && quick == 0 && wait == 1, "a job waiting for another's reply holds no "
	    "session: the one behind it is answered first");
	tap_ok(wait == 1 && got[1]->code == 1000 && got[1]->run.ask_tries == 2 &&
	    eg_now_ms() - t0 >= 200, "the waiting job came back twice after its pauses and was "
	    "answered (%lld ms)", (long long)(eg_now_ms() - t0));
	tap_is_int(r->f.waits, 2, "two waits");
	tap_is_int(jobq_deferred(r->q), 0, "nothing left aside");
	free_jobs(got, n);

	/* a wait that does not end: answered by the runner's rule when it is over */
	t0 = eg_now_ms();
	jobq_push(r->q, job("waitlong"));
	n = collect(r, got, 8, 1, 5000, 1);
	tap_ok(n == 1 && strcmp(code_of(got[0]), "outcome_unknown") == 0 &&
	    strstr(got[0]->reply, "other-copy-1") != NULL &&
	    strstr(got[0]->reply, "another copy is in progress") != NULL,
	    "a wait that is over: outcome unknown, naming the other copy's clTRID (%s)",
	    n == 1 ? got[0]->reply : "none");
	tap_ok(eg_now_ms() - t0 >= 280 && eg_now_ms() - t0 < 3000, "when its wait ended (%lld ms)",
	    (long long)(eg_now_ms() - t0));
	tap_is_int(jobq_outstanding(r->q), 0, "nothing outstanding");
	free_jobs(got, n);
	rig_free(r);
}

/* ---- drain --------------------------------------------------------------- */

static void
test_drain(void)
{
	struct rig *r = rig_new(10000, 50);
	struct job *got[16];
	char name[16];
	int n, i, ok = 1;

	r->f.run_ms = 30;
	if (rig_start(r, 2, 0) == -1)
		return;
	tap_ok(wait_up(r, 2, 5000), "two sessions come up");
	for (i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "j%d", i);
		jobq_push(r->q, job(name));
	}
	supervisor_stop(r->sv);
	n = collect(r, got, 16, 10, 1000, 0);
	tap_is_int(n, 10, "stop: the 10 queued jobs were all run and handed back");
	for (i = 0; i < n; i++)
		ok &= got[i]->code == 1000;
	tap_ok(ok, "each with its answer, none abandoned");
	tap_is_int(r->f.closes, 2, "then both sessions logged out");
	tap_ok(r->f.last_end[0] > 0 && r->f.last_end[1] > 0 &&
	    r->f.closed_at[0] >= r->f.last_end[0] && r->f.closed_at[1] >= r->f.last_end[1],
	    "each after its last job");
	tap_is_int(supervisor_sessions_up(r->sv), 0, "no session up after stop");
	free_jobs(got, n);
	rig_free(r);

	/* stopping while no session can come up: waiting jobs are answered when their wait is
	 * over, and stop returns */
	r = rig_new(200, 50);
	r->f.after = -1;
	if (rig_start(r, 1, 0) == -1)
		return;
	jobq_push(r->q, job("stranded"));
	supervisor_stop(r->sv);
	n = collect(r, got, 16, 1, 1000, 0);
	tap_ok(n == 1 && strcmp(code_of(got[0]), "not_sent") == 0, "stop with no session up: the "
	    "waiting job is answered \"not_sent\" after queue_wait, and stop returns");
	free_jobs(got, n);
	rig_free(r);
}

/* ---- backoff --------------------------------------------------------------- */

static void
test_backoff_formula(void)
{
	int64_t lo, hi;
	int k, ok = 1;

	for (k = 1; k <= 6; k++) {
		lo = supervisor_backoff_ms(100, 60000, 5000, k, 0, 0);
		hi = supervisor_backoff_ms(100, 60000, 5000, k, 0, 50LL << (k - 1));
		ok &= lo == 50LL << (k - 1) && hi == 100LL << (k - 1);
	}
	tap_ok(ok, "failure k waits between half and all of min * 2^(k-1)");
	tap_is_int(supervisor_backoff_ms(100, 60000, 5000, 1, 1, 0), 2500,
	    "after a refusal (2502) the first step is at least 5 s (half of it at the least)");
	tap_is_int(supervisor_backoff_ms(100, 60000, 5000, 1, 1, 2500), 5000,
	    "after a refusal (2200) too (all of it at the most)");
	tap_is_int(supervisor_backoff_ms(100, 60000, 5000, 1, 0, 0), 50,
	    "other failures keep the short first step");
	tap_is_int(supervisor_backoff_ms(100, 3000, 5000, 1, 1, 1500), 3000,
	    "the cap holds even after a refusal");
	tap_is_int(supervisor_backoff_ms(100, 60000, 5000, 5, 1, 30000), 60000,
	    "a refusal that goes on: the steps grow to backoff_max_ms");
	tap_is_int(supervisor_backoff_ms(100, 3000, 5000, 40, 0, 1500), 3000,
	    "many failures: the cap, no overflow");
}

static void
test_backoff_threads(void)
{
	struct rig *r = rig_new(10000, 50);
	struct job *got[4];
	int64_t g[8];
	int n, i;
	json_object *mj, *v;

	/* four plain failures, a success; after a drop one failure and a success */
	int script[] = {-1, -1, -1, -1, 0, -1, 0};

	memcpy(r->f.script, script, sizeof(script));
	r->f.nscript = (int)(sizeof(script) / sizeof(script[0]));
	r->f.after = -1;
	if (rig_start(r, 1, 1000) == -1)
		return;
	tap_ok(wait_up(r, 1, 10000), "up after four failed opens");
	for (i = 1; i < 5; i++)
		g[i] = r->f.open_at[i] - r->f.open_at[i - 1];
	tap_ok(g[1] >= 25 && g[2] >= 50 && g[3] >= 100 && g[4] >= 200, "failed opens are retried "
	    "with growing delays: %lld, %lld, %lld, %lld ms (at least 25, 50, 100, 200)",
	    (long long)g[1], (long long)g[2], (long long)g[3], (long long)g[4]);
	jobq_push(r->q, job("drop"));
	n = collect(r, got, 4, 1, 10000, 0);
	tap_ok(n == 1 && got[0]->code == 1000, "the job whose session dropped is answered on the "
	    "re-opened session");
	tap_is_int(r->f.opens, 7, "seven opens in all");
	if (r->f.opens >= 7) {
		g[5] = r->f.open_at[5] - r->f.dropped_at;
		g[6] = r->f.open_at[6] - r->f.open_at[5];
		tap_ok(g[5] < 200, "after a drop the first re-open is at once (%lld ms)",
		    (long long)g[5]);
		tap_ok(g[6] >= 25 && g[6] < 200, "a success resets the backoff: the next failure "
		    "waits the first step again (%lld ms)", (long long)g[6]);
	}
	mj = metrics_json(r->m);
	v = NULL;
	json_object_object_get_ex(mj, "reconnects", &v);
	tap_ok(v != NULL && json_object_get_int(v) == 1, "one reconnect counted (%s)",
	    v != NULL ? json_object_get_string(v) : "none");
	json_object_put(mj);
	free_jobs(got, n);
	rig_free(r);

	/* a refused login (2502, 2200) waits the longer first step */
	{
		int codes[] = {2502, 2200};
		int k;

		for (k = 0; k < 2; k++) {
			r = rig_new(10000, 20);
			r->f.script[0] = codes[k];
			r->f.script[1] = -1;
			r->f.nscript = 2;
			if (rig_start(r, 1, 600) == -1)
				return;
			tap_ok(wait_up(r, 1, 10000), "%d: up in the end", codes[k]);
			g[1] = r->f.open_at[1] - r->f.open_at[0];
			g[2] = r->f.open_at[2] - r->f.open_at[1];
			tap_ok(g[1] >= 300, "%d: the next open waits the refusal's first step "
			    "(%lld ms, at least 300)", codes[k], (long long)g[1]);
			tap_ok(g[2] >= 20 && g[2] < 300, "%d: a plain failure after it goes back to the "
			    "short step, doubled (%lld ms)", codes[k], (long long)g[2]);
			rig_free(r);
		}
	}
}

/* ---- failures that cannot heal ------------------------------------------------- */

static int
refusing_is(struct rig *r, int want, int ms)
{
	int64_t end = eg_now_ms() + ms;

	while (jobq_refusing(r->q) != want) {
		if (eg_now_ms() > end)
			return 0;
		usleep(2000);
	}
	return 1;
}

/* A member of gate_status's sessions object, as text ("" when absent). */
static const char *
status_of(struct rig *r, const char *a, const char *b, char *out, size_t cap)
{
	json_object *st = supervisor_status(r->sv), *v = NULL;

	out[0] = '\0';
	if (json_object_object_get_ex(st, a, &v) && b != NULL)
		json_object_object_get_ex(v, b, &v);
	if (v != NULL)
		snprintf(out, cap, "%s", json_object_get_string(v));
	json_object_put(st);
	return out;
}

static void
test_refusal(void)
{
	struct rig *r = rig_new(3000, 20);
	struct job *got[8], *j;
	json_object *mj, *v = NULL;
	char buf[512];
	int64_t t0;
	int n;

	r->f.after = 2200;          /* every login refused */
	r->cfg.epp.backoff_max_ms = 300;
	if (rig_start(r, 2, 100) == -1)
		return;
	tap_ok(refusing_is(r, 1, 3000), "every session's login refused: the queue answers at once");
	t0 = eg_now_ms();
	jobq_push(r->q, job("a"));
	n = collect(r, got, 8, 1, 2500, 1);
	tap_ok(n == 1 && strcmp(code_of(got[0]), "not_sent") == 0 && strstr(got[0]->reply,
	    "failed processing EPP command: not sent: login refused: 2200") != NULL,
	    "a new job: \"not_sent\" with the registry's answer (%s)", n ? got[0]->reply : "none");
	tap_ok(eg_now_ms() - t0 < 1500, "at once (%lld ms; queue_wait is 3000)",
	    (long long)(eg_now_ms() - t0));
	free_jobs(got, n);
	j = job("b");
	j->sent = 1;                /* a lost query waiting for its re-send */
	snprintf(j->run.why, sizeof(j->run.why), "garbled response");
	jobq_requeue(r->q, j);
	n = collect(r, got, 8, 1, 2500, 1);
	tap_ok(n == 1 && strcmp(code_of(got[0]), "other") == 0 && strstr(got[0]->reply,
	    "garbled response; no EPP session can be established to send it again: login "
	    "refused: 2200") != NULL, "a job handed back: the runner's rule, with the reason (%s)",
	    n ? got[0]->reply : "none");
	free_jobs(got, n);
	tap_is_int(r->f.runs, 0, "nothing was run");
	tap_is_str(status_of(r, "failure", "reason", buf, sizeof(buf)), "login_refused",
	    "gate_status: reason login_refused");
	tap_is_str(status_of(r, "failure", "answering_at_once", buf, sizeof(buf)), "true",
	    "gate_status: answering at once");
	tap_ok(strstr(status_of(r, "failure", "fix", buf, sizeof(buf)), "epp.password_file") !=
	    NULL, "gate_status: what to fix (%s)", buf);
	mj = metrics_json(r->m);
	json_object_object_get_ex(mj, "sessions", &v);
	json_object_object_get_ex(v, "failures", &v);
	json_object_object_get_ex(v, "login_refused", &v);
	tap_ok(v != NULL && json_object_get_int(v) >= 2, "metrics count the refusals (%s)",
	    v != NULL ? json_object_get_string(v) : "none");
	json_object_put(mj);

	pthread_mutex_lock(&r->f.mu);
	r->f.after = 0;             /* the registry takes the login again */
	pthread_mutex_unlock(&r->f.mu);
	tap_ok(wait_up(r, 2, 5000) && refusing_is(r, 0, 1000), "sessions up: jobs wait for them "
	    "again");
	jobq_push(r->q, job("c"));
	n = collect(r, got, 8, 1, 3000, 1);
	tap_ok(n == 1 && got[0]->code == 1000, "and are served");
	tap_is_str(status_of(r, "failure", NULL, buf, sizeof(buf)), "", "gate_status: no failure");
	free_jobs(got, n);
	rig_free(r);

	/* what may heal: jobs wait for queue_wait */
	r = rig_new(400, 20);
	r->f.after = 2502;
	if (rig_start(r, 1, 100) == -1)
		return;
	usleep(300000);
	tap_ok(!jobq_refusing(r->q), "a session limit (2502) may pass: no answering at once");
	t0 = eg_now_ms();
	jobq_push(r->q, job("d"));
	n = collect(r, got, 8, 1, 3000, 1);
	tap_ok(n == 1 && strcmp(code_of(got[0]), "not_sent") == 0 && strstr(got[0]->reply,
	    "within 400 ms") != NULL && eg_now_ms() - t0 >= 350, "the job waited queue_wait (%s)",
	    n ? got[0]->reply : "none");
	tap_is_str(status_of(r, "failure", "permanent", buf, sizeof(buf)), "false",
	    "gate_status: not permanent");
	free_jobs(got, n);
	rig_free(r);

	/* one session refused, the other out of reach: the other may come back */
	r = rig_new(3000, 20);
	r->f.script[0] = 2200;
	r->f.script[1] = -1;
	r->f.nscript = 2;
	r->f.after = -1;
	r->cfg.epp.backoff_max_ms = 100;
	if (rig_start(r, 2, 100) == -1)
		return;
	usleep(300000);
	pthread_mutex_lock(&r->f.mu);    /* the sessions still try to open */
	n = r->f.opens;
	pthread_mutex_unlock(&r->f.mu);
	tap_ok(n >= 3 && !jobq_refusing(r->q), "a refused login and connections that "
	    "failed: jobs still wait (%d opens)", n);
	rig_free(r);
}

/* ---- what a job that waited too long is told ----------------------------------- */

static struct job *
built(struct rig *r, const char *json, const char *id)
{
	struct job *j = job_new();
	char cltrid[CLTRID_MAX + 1];
	struct eg_err e;
	json_object *req = epp_request_parse(json, strlen(json), &e);

	cltrid_next(&r->cltrid, cltrid);
	if (req == NULL || epp_request_build(req, cltrid, &j->req, &e) == -1 ||
	    eg_request_digest(req, j->digest) == -1)
		tap_diag("build %s: %s", json, e.msg);
	json_object_put(req);
	snprintf(j->cmd, sizeof(j->cmd), "%s", j->req.cmd ? j->req.cmd->name : "?");
	j->message_id = id ? strdup(id) : NULL;
	return j;
}

static void
rm_journal(const char *dir)
{
	static const char *const names[] = {"journal.db", "journal.db-wal", "journal.db-shm"};
	char path[96];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

static void
test_abandon(void)
{
	static const char CREATE[] = "{\"cmd\": \"domain_create\", \"args\": {\"name\": "
	    "\"a1.example\", \"registrant\": \"c-001\", \"contacts\": {\"admin\": \"c-001\"}, "
	    "\"auth_info\": \"pw-x-123\"}}";
	/* the same request, keys in another order and other whitespace */
	static const char CREATE2[] = "{\"args\":{\"auth_info\":\"pw-x-123\",\"contacts\":"
	    "{\"admin\":\"c-001\"},\"registrant\":\"c-001\",\"name\":\"a1.example\"},"
	    "\"cmd\":\"domain_create\"}";
	static const char RENEW[] = "{\"cmd\": \"domain_renew\", \"args\": {\"name\": "
	    "\"a1.example\", \"cur_exp_date\": \"2030-01-01\", \"period\": 1}}";
	static const char CHECK[] = "{\"cmd\": \"domain_check\", \"args\": {\"domains\": "
	    "[\"a1.example\"]}}";
	struct rig *r = rig_new(300, 50);
	char dir[] = "/tmp/eg-pool.XXXXXX", path[64];
	struct journal_opts jo = {0};
	struct journal_entry e;
	struct eg_err err;
	struct job *j, *w;
	int64_t now = eg_now_ms();

	if (mkdtemp(dir) == NULL) {
		tap_ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/journal.db", dir);
	jo.file = path;
	jo.tick_ms = -1;
	if ((r->exec.journal = journal_open(&jo, &err)) == NULL) {
		tap_ok(0, "journal: %s", err.msg);
		return;
	}
	/* a create that never found a session: claimed, then released when abandoned */
	j = built(r, CREATE, "req-1");
	tap_is_int(exec_step(&r->exec, NULL, j), EXEC_NEED_SESSION, "without a session the "
	    "runner claims the create and asks for one");
	tap_is_int(journal_lookup(r->exec.journal, "req-1", NULL), JOURNAL_CLAIMED, "the claim is "
	    "on record, not marked sent: nothing was written");
	exec_abandon(&r->exec, j, now, 300, NULL);
	tap_is_str(code_of(j), "not_sent", "abandoned unsent: \"not_sent\"");
	tap_is_int(journal_lookup(r->exec.journal, "req-1", NULL), JOURNAL_NONE,
	    "and its claim released, so that a retry may run it");
	job_free(j);

	/* the same past its deadline: "expired", claim released */
	j = built(r, CREATE, "req-2");
	exec_step(&r->exec, NULL, j);
	j->deadline_ms = now - 1;
	exec_abandon(&r->exec, j, now, 300, NULL);
	tap_ok(strcmp(code_of(j), "expired") == 0 &&
	    journal_lookup(r->exec.journal, "req-2", NULL) == JOURNAL_NONE,
	    "abandoned unsent past its deadline: \"expired\", claim released");
	job_free(j);

	/* a create that may have run (lost), waiting to ask the registry: outcome unknown,
	 * never not_sent or expired; the journal records that its outcome is unknown */
	j = built(r, CREATE, "req-3");
	exec_step(&r->exec, NULL, j);
	tap_is_int(journal_sent(r->exec.journal, "req-3", j->req.cltrid, &err), 1,
	    "(the claim marked sent, as right before writing it)");
	j->run.marked_sent = 1;
	j->sent = 1;
	j->run.asking = 1;
	snprintf(j->run.cltrid, sizeof(j->run.cltrid), "%s", j->req.cltrid);
	snprintf(j->run.why, sizeof(j->run.why), "connection closed by the registry");
	j->deadline_ms = now - 1;
	exec_abandon(&r->exec, j, now, 300, NULL);
	tap_is_str(code_of(j), "outcome_unknown", "abandoned while waiting to ask the registry: "
	    "outcome unknown, even past its deadline");
	tap_ok(strstr(j->reply, j->req.cltrid) != NULL && strstr(j->reply, "\"registry\"") == NULL,
	    "naming the clTRID, without the registry's view");
	tap_is_int(journal_lookup(r->exec.journal, "req-3", NULL), JOURNAL_UNKNOWN,
	    "its row stays, its outcome recorded as unknown");
	job_free(j);

	/* the same while no session can be established: "not sent", with the reason */
	j = built(r, CREATE, "req-2b");
	exec_step(&r->exec, NULL, j);
	exec_abandon(&r->exec, j, now, 300, "the registry refused the login: 2200 Authentication "
	    "error");
	tap_ok(strcmp(code_of(j), "not_sent") == 0 && strstr(j->reply, "failed processing EPP "
	    "command: not sent: the registry refused the login: 2200 Authentication error") != NULL
	    && journal_lookup(r->exec.journal, "req-2b", NULL) == JOURNAL_NONE,
	    "answered at once for a refused login: \"not_sent\" with the reason, claim released");
	job_free(j);

	/* a query lost once, waiting to be re-sent: an error, not "not_sent" */
	j = built(r, CHECK, NULL);
	exec_step(&r->exec, NULL, j);
	j->sent = 1;
	j->run.resent = 1;
	snprintf(j->run.why, sizeof(j->run.why), "no response from the registry in time");
	exec_abandon(&r->exec, j, now, 300, NULL);
	tap_ok(strcmp(code_of(j), "other") == 0 && j->code == -1 &&
	    strstr(j->reply, "no response from the registry in time") != NULL,
	    "a lost query abandoned before its re-send: the error, neither not_sent nor expired");
	job_free(j);

	/* a copy of that create (same request, other key order): asked about on the next step */
	j = built(r, CREATE2, "req-3");
	tap_is_int(exec_step(&r->exec, NULL, j), EXEC_NEED_SESSION, "a message_id the journal "
	    "shows as sent: the runner needs a session to ask the registry");
	tap_ok(j->run.asking && j->run.claimed == 0, "it asks, and holds no claim");
	exec_abandon(&r->exec, j, now, 300, NULL);
	tap_is_str(code_of(j), "outcome_unknown", "abandoned: outcome unknown");
	job_free(j);

	/* the message_id of that create reused for a renew: refused, never sent */
	j = built(r, RENEW, "req-3");
	tap_is_int(exec_step(&r->exec, NULL, j), EXEC_DONE, "a message_id used for another "
	    "request: answered at once");
	tap_is_str(code_of(j), "not_sent", "\"not_sent\"");
	tap_ok(strstr(j->reply, "failed reading EPP request: message_id req-3 was already used "
	    "for another request (domain_create a1.example)") != NULL, "naming the first request "
	    "(%s)", j->reply);
	tap_is_int(journal_lookup(r->exec.journal, "req-3", &e), JOURNAL_UNKNOWN,
	    "the first request's row is untouched");
	tap_is_str(e.cmd, "domain_create", "(still the create's)");
	journal_entry_clear(&e);
	job_free(j);

	/* a copy of a create another job of this gate is working on: waits, then answers with
	 * its reply */
	j = built(r, CREATE, "req-5");
	tap_is_int(exec_step(&r->exec, NULL, j), EXEC_NEED_SESSION, "the first copy claims");
	w = built(r, CREATE, "req-5");
	w->deadline_ms = eg_now_ms() + 60000;
	tap_is_int(exec_step(&r->exec, NULL, w), EXEC_WAIT, "a second copy meanwhile waits");
	tap_ok(w->run.waiting && w->run.wake_ms > now && w->run.wake_ms <= eg_now_ms() + 1000 &&
	    w->run.wait_end_ms == w->deadline_ms, "to look again soon, and at most until its "
	    "deadline");
	tap_is_int(exec_step(&r->exec, NULL, w), EXEC_WAIT, "looking again before the first is "
	    "answered: still waiting");
	journal_sent(r->exec.journal, "req-5", j->req.cltrid, &err);
	tap_is_int(journal_done(r->exec.journal, "req-5", "{\"epp\":{\"first\":1}}", 19, 1000,
	    &err), 0, "(the first copy's reply recorded)");
	tap_is_int(exec_step(&r->exec, NULL, w), EXEC_DONE, "the waiting copy, looking again, "
	    "is answered");
	tap_is_str(w->reply, "{\"epp\":{\"first\":1}}", "with the first copy's reply");
	job_free(j);
	job_free(w);

	/* one whose wait is over while the other is still at it: outcome unknown */
	j = built(r, CREATE, "req-6");
	exec_step(&r->exec, NULL, j);
	w = built(r, CREATE, "req-6");
	w->deadline_ms = eg_now_ms() + 60000;
	tap_is_int(exec_step(&r->exec, NULL, w), EXEC_WAIT, "another copy waits");
	exec_abandon(&r->exec, w, eg_now_ms(), 300, NULL);
	tap_is_str(code_of(w), "outcome_unknown", "its wait over: outcome unknown, never "
	    "\"not_sent\" (the other may still send it)");
	tap_ok(strstr(w->reply, j->req.cltrid) != NULL && strstr(w->reply, "in progress on gate")
	    != NULL, "naming the other copy's clTRID and gate (%s)", w->reply);
	exec_abandon(&r->exec, j, eg_now_ms(), 300, NULL);
	job_free(j);
	job_free(w);

	/* a correlation_id is never the journal's key: clients number those their own way */
	j = built(r, CREATE, NULL);
	j->correlation_id = strdup("1");
	tap_is_int(exec_step(&r->exec, NULL, j), EXEC_NEED_SESSION, "a create with a "
	    "correlation_id and no message_id goes on to be sent");
	tap_ok(j->run.claimed == 0 && journal_lookup(r->exec.journal, "1", NULL) == JOURNAL_NONE,
	    "not journalled, under its correlation_id or otherwise");
	job_free(j);

	/* a redelivered create without a message_id: not journalled, never sent */
	j = built(r, CREATE, NULL);
	j->redelivered = 1;
	tap_is_int(exec_step(&r->exec, NULL, j), EXEC_DONE, "a redelivered create without a "
	    "message_id is answered at once");
	tap_ok(strcmp(code_of(j), "outcome_unknown") == 0 &&
	    strstr(j->reply, "without a message_id") != NULL, "outcome unknown, not sent (%s)",
	    j->reply);
	job_free(j);

	journal_close(r->exec.journal);
	r->exec.journal = NULL;
	rm_journal(dir);
	jobq_free(r->q);
	metrics_free(r->m);
	pthread_mutex_destroy(&r->f.mu);
	free(r);
}

/* A job in progress handed back while no session comes up is told what exec_abandon
 * decides, through the queue's expiry. */
static void
test_requeued_expiry(void)
{
	struct rig *r = rig_new(200, 50);
	struct job *got[4], *j;
	int n;

	r->f.nscript = 1;             /* up once, then never again */
	r->f.after = -1;
	if (rig_start(r, 1, 0) == -1)
		return;
	tap_ok(wait_up(r, 1, 5000), "the session comes up");
	j = job("drop");
	j->sent = 1;                  /* as a lost query waiting for its re-send */
	j->run.resent = 1;
	snprintf(j->run.why, sizeof(j->run.why), "garbled response");
	j->deadline_ms = eg_now_ms() + 50;
	jobq_push(r->q, j);
	n = collect(r, got, 4, 1, 3000, 1);
	tap_ok(n == 1 && strcmp(code_of(got[0]), "other") == 0 &&
	    strstr(got[0]->reply, "garbled response") != NULL,
	    "a job handed back, then no session: answered by the runner's rule, not \"expired\" "
	    "(%s)", n == 1 ? got[0]->reply : "none");
	free_jobs(got, n);
	rig_free(r);
}

int
main(void)
{
	test_hand_off();
	test_many_over_few();
	test_order();
	test_handed_back();
	test_expiry();
	test_wait();
	test_drain();
	test_backoff_formula();
	test_backoff_threads();
	test_abandon();
	test_requeued_expiry();
	test_refusal();
	return tap_done();
}
