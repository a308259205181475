/* SPDX-License-Identifier: MIT */
/* The session supervisor (supervisor.h): one thread per session slot that opens, re-opens,
 * keeps alive and closes its session, runs jobs on it, and publishes its state. */
#include "supervisor.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "clock.h"

#define REFUSED_BACKOFF_MS 5000   /* RELIABILITY.md: at least 5 s after 2200/2501/2502 and
                                     after failures retrying cannot cure */

/* What gate_status shows of a session, copied under the supervisor's lock by its own
 * thread when the session goes up or down. */
struct slot_view {
	int up;
	int64_t up_since;
	unsigned long opens;
	int last_code;
	int fail;                 /* enum session_fail of the last failed open; NONE once up */
	int failures;             /* failed opens in a row */
	int64_t fail_at;          /* monotonic ms of the last failed open */
	char svid[128];
	char objs[RP_OBJS];
	char exts[RP_EXTS];
	char last_error[512];
	char fix[256];            /* what to fix, for a permanent failure */
};

/* Where a session that is up is, in lend mode (supervisor_env.lend). */
enum lent {
	LENT_NO,                  /* with its slot's thread */
	LENT_OFFERED,             /* offered to the event loop, not yet borrowed */
	LENT_OUT,                 /* borrowed (supervisor_borrow) until given back */
};

struct slot {
	struct supervisor *sv;
	struct session s;
	pthread_t th;
	int started;
	int64_t next_attempt;     /* monotonic ms: earliest (re)open */
	int failures;             /* consecutive failed opens */
	int relogin;              /* under sv->mu */
	int was_up;
	atomic_ulong commands;    /* jobs answered on this session, for gate_status */
	int lent;                 /* enum lent, under sv->mu */
	uint64_t rnd;             /* xorshift state for backoff jitter */
	struct slot_view view;    /* under sv->mu */
};

struct supervisor {
	struct supervisor_env env;
	pthread_mutex_t mu;
	/* Idle sessions that are up wait on `work`: one is woken per job made ready. Sessions
	 * waiting out a reconnect backoff wait on `down`, so that a job's wake-up never lands on
	 * a session that cannot take it. Both are broadcast for stop and re-login. */
	pthread_cond_t work;
	pthread_cond_t down;
	atomic_int up;                /* sessions up; written under mu */
	int ever_up;
	int lost;                     /* all sessions down after having been up */
	int stopping;
	int64_t down_since;           /* monotonic ms when the last session went down; 0 if up */
	int64_t last_report;          /* monotonic ms of our last "cannot be re-established" */
	int refusing;                 /* jobq_refuse is in force */
	int reason_seen[SESSION_FAIL_COUNT];   /* its gauge has been written */
	int n;
	struct slot *slots;
};

/* ---- the gate's operations ------------------------------------------------ */

static int
epp_open(void *arg, struct session *s, struct eg_err *err)
{
	(void)arg;
	return session_open(s, err);
}

static enum exec_next
epp_run(void *arg, struct session *s, struct job *j)
{
	return exec_run(arg, s, j);
}

static int64_t
epp_keepalive_in(void *arg, const struct session *s)
{
	(void)arg;
	return session_keepalive_in(s);
}

static int
epp_keepalive(void *arg, struct session *s, struct eg_err *err)
{
	(void)arg;
	return session_keepalive(s, err);
}

static void
epp_close(void *arg, struct session *s)
{
	(void)arg;
	session_close(s);
}

const struct supervisor_ops supervisor_epp_ops = {
	epp_open, epp_run, epp_keepalive_in, epp_keepalive, epp_close,
};

/* ---- backoff ------------------------------------------------------------- */

int64_t
supervisor_backoff_ms(int min_ms, int max_ms, int refused_ms, int failures, int refused,
    uint64_t rnd)
{
	int64_t base = min_ms, d;
	int shift = failures - 1;

	/* A registry that refuses the login or says "too many sessions", or a failure only a
	 * person can cure, gets a longer first step, so that we never hammer the registry. */
	if (refused && base < refused_ms)
		base = refused_ms;
	if (shift > 20)
		shift = 20;
	d = base << (shift < 0 ? 0 : shift);
	if (d > max_ms)
		d = max_ms;
	if (d < 0)
		d = 0;
	return d / 2 + (int64_t)(rnd % (uint64_t)(d / 2 + 1));
}

static uint64_t
next_rand(struct slot *sl)
{
	sl->rnd ^= sl->rnd << 13;
	sl->rnd ^= sl->rnd >> 7;
	sl->rnd ^= sl->rnd << 17;
	return sl->rnd;
}

/* ---- state --------------------------------------------------------------- */

/*
 * Once every session is down and the last open of each failed for a reason retrying cannot
 * cure, jobs are answered at once with why (the latest such failure) instead of waiting for
 * a session that will not come; otherwise they wait again. mu held.
 */
static void
update_refusal(struct supervisor *sv, const char *why)
{
	const struct slot_view *v;
	int i, all = sv->up == 0 && sv->n > 0;

	for (i = 0; i < sv->n && all; i++) {
		v = &sv->slots[i].view;
		all = v->failures > 0 && session_fail_permanent(v->fail);
	}
	if (all && why != NULL) {
		if (!sv->refusing)
			log_err(sv->env.session.log, "no EPP session can be established: %s; requests "
			    "are answered \"not sent\" at once until one is", why);
		sv->refusing = 1;
		jobq_refuse(sv->env.q, why);
	} else if (!all && sv->refusing) {
		sv->refusing = 0;
		jobq_refuse(sv->env.q, NULL);
	}
}

/* The gauges of sessions down by the reason of their last failed open. mu held. */
static void
failure_gauges(struct supervisor *sv)
{
	int count[SESSION_FAIL_COUNT] = {0}, i, r;

	for (i = 0; i < sv->n; i++)
		if (!sv->slots[i].view.up && sv->slots[i].view.fail > SESSION_FAIL_NONE &&
		    sv->slots[i].view.fail < SESSION_FAIL_COUNT)
			count[sv->slots[i].view.fail]++;
	for (r = SESSION_FAIL_NONE + 1; r < SESSION_FAIL_COUNT; r++) {
		if (count[r] == 0 && !sv->reason_seen[r] && !session_fail_permanent(r))
			continue;
		sv->reason_seen[r] = 1;
		metrics_session_failing(sv->env.metrics, session_fail_name(r), count[r]);
	}
}

/* Publishes the session's state: up count, view, alerts, metrics. */
static void
sync_state(struct slot *sl, const char *error)
{
	struct supervisor *sv = sl->sv;
	struct session *s = &sl->s;
	const struct cfg_epp *c = sv->env.session.epp;
	int fire = 0;
	const char *event = NULL;
	char msg[300];

	pthread_mutex_lock(&sv->mu);
	sl->view.up = s->up;
	sl->view.up_since = s->up_since;
	sl->view.last_code = s->last_code;
	if (s->up) {
		sl->view.fail = SESSION_FAIL_NONE;
		sl->view.failures = 0;
		sl->view.fix[0] = '\0';
		snprintf(sl->view.svid, sizeof(sl->view.svid), "%s", s->login.svid);
		snprintf(sl->view.objs, sizeof(sl->view.objs), "%s", s->login.objs);
		snprintf(sl->view.exts, sizeof(sl->view.exts), "%s", s->login.exts);
	}
	if (error != NULL)
		snprintf(sl->view.last_error, sizeof(sl->view.last_error), "%s", error);
	if (s->up != sl->was_up) {
		sl->was_up = s->up;
		sv->up += s->up ? 1 : -1;
		if (s->up) {
			sl->view.opens++;
			sv->down_since = 0;
			if (sv->lost || !sv->ever_up) {
				fire = sv->lost;
				event = "session_restored";
				sv->lost = 0;
			}
			sv->ever_up = 1;
		} else if (sv->up == 0) {
			sv->down_since = eg_now_ms();
			if (sv->ever_up && !sv->lost) {
				sv->lost = 1;
				fire = 1;
				event = "session_lost";
			}
		}
		metrics_sessions_up(sv->env.metrics, sv->up);
		jobq_poke(sv->env.q);   /* the AMQP thread adjusts its prefetch */
	}
	failure_gauges(sv);
	update_refusal(sv, NULL);
	pthread_mutex_unlock(&sv->mu);
	if (fire && sv->env.alert != NULL) {
		snprintf(msg, sizeof(msg), "%s: %s:%s%s%s", event, c->host, c->port,
		    error ? ": " : "", error ? error : "");
		alert_fire(sv->env.alert, event, msg);
	}
}

/*
 * A failed (re)open: log, count, schedule the next attempt. A failure that cannot heal by
 * retrying is logged at error every time, with what to fix, and once every session is down
 * with one, waiting jobs are answered at once (update_refusal). Once the registry has been
 * out of reach for a while the log says so in one line, at most every five minutes. The
 * health file is not written: it belongs to the clients, and a line there would have the
 * path unit restart the gate for an outage a restart cannot cure (health.h).
 */
static void
open_failed(struct slot *sl, const struct eg_err *err)
{
	struct supervisor *sv = sl->sv;
	const struct cfg_epp *c = sv->env.session.epp;
	struct session *s = &sl->s;
	int64_t wait, now = eg_now_ms(), down_for;
	int tell = 0, permanent = session_fail_permanent(s->fail);
	char fix[256];

	sl->failures++;
	session_fail_fix(s->fail, c, fix, sizeof(fix));
	wait = supervisor_backoff_ms(c->backoff_min_ms, c->backoff_max_ms,
	    sv->env.refused_backoff_ms, sl->failures, permanent || s->last_code == 2200 ||
	    s->last_code >= 2500, next_rand(sl));
	sl->next_attempt = now + wait;
	if (permanent)
		log_err(sv->env.session.log, "session %d: cannot establish the EPP session (attempt "
		    "%d): %s: %s; next try in %.1f s", s->id, sl->failures, err->msg, fix,
		    (double)wait / 1000);
	else
		eg_logf(sv->env.session.log, sl->failures == 1 || sl->failures % 10 == 0 ?
		    EG_LOG_ERR : EG_LOG_INFO, "session %d: cannot establish the EPP session (attempt "
		    "%d): %s; next try in %.1f s", s->id, sl->failures, err->msg,
		    (double)wait / 1000);
	metrics_session_failure(sv->env.metrics, session_fail_name(s->fail));
	pthread_mutex_lock(&sv->mu);
	sl->view.fail = s->fail;
	sl->view.failures = sl->failures;
	sl->view.fail_at = now;
	snprintf(sl->view.fix, sizeof(sl->view.fix), "%s", fix);
	pthread_mutex_unlock(&sv->mu);
	sync_state(sl, err->msg);
	pthread_mutex_lock(&sv->mu);
	if (permanent)
		update_refusal(sv, err->msg);
	down_for = sv->down_since ? now - sv->down_since : 0;
	if (sv->up == 0 && (sl->failures >= 3 || down_for > 60000) &&
	    (sv->last_report == 0 || now - sv->last_report > 300000)) {
		sv->last_report = now;
		tell = 1;
	}
	pthread_mutex_unlock(&sv->mu);
	if (tell)
		log_err(sv->env.session.log, "EPP session to %s:%s cannot be re-established: %s; "
		    "still trying", c->host, c->port, err->msg);
}

/* After a login: the registry profile, and what the operator should hear about it, once per
 * change (the first login included) rather than once per session. */
static void
logged_in(struct slot *sl)
{
	struct supervisor *sv = sl->sv;
	const struct rp_login *l = &sl->s.login;
	int changed;

	if (sv->env.profile != NULL)
		changed = registry_profile_update(sv->env.profile, l);
	else
		changed = sl->view.opens == 0;
	if (!changed)
		return;
	log_info(sv->env.session.log, "registry %s offers objURIs %s; extURIs %s; logged in with "
	    "version %s, lang %s, objURIs %s; extURIs %s", l->svid, l->offered_objs,
	    l->offered_exts[0] ? l->offered_exts : "(none)", l->version, l->lang, l->objs,
	    l->exts[0] ? l->exts : "(none)");
	if (l->notes[0] != '\0')
		log_warn(sv->env.session.log, "registry %s: %s", l->svid, l->notes);
}

/* The only place a session is opened. */
static void
try_open(struct slot *sl)
{
	struct supervisor *sv = sl->sv;
	struct eg_err err;

	eg_err_clear(&err);
	if (sv->env.ops->open(sv->env.ops_arg, &sl->s, &err) == 0) {
		if (sl->view.opens > 0)
			metrics_reconnect(sv->env.metrics);
		logged_in(sl);
		sl->failures = 0;
		sync_state(sl, NULL);
	} else {
		open_failed(sl, &err);
	}
}

/* Waits on cond until deadline (monotonic ms, -1 forever). mu held. */
static void
wait_until(struct supervisor *sv, pthread_cond_t *cond, int64_t deadline)
{
	struct timespec ts;
	int64_t left;

	if (deadline < 0) {
		pthread_cond_wait(cond, &sv->mu);
		return;
	}
	left = deadline - eg_now_ms();
	if (left <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += left / 1000;
	ts.tv_nsec += (left % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(cond, &sv->mu, &ts);
}

/* The queue's ready hook: one idle session that is up takes the job. A session looks at
 * the queue and then waits under mu; taking mu once before the signal makes sure that one
 * which found the queue empty is already waiting. The signal comes after the unlock, so
 * that the woken session does not run into the lock still held. */
static void
job_ready(void *arg)
{
	struct supervisor *sv = arg;

	pthread_mutex_lock(&sv->mu);
	pthread_mutex_unlock(&sv->mu);
	pthread_cond_signal(&sv->work);
}

/* Runs one job on the slot's session, which is up, and passes it on. */
static void
run_job(struct slot *sl, struct job *j)
{
	struct supervisor *sv = sl->sv;
	const struct supervisor_ops *ops = sv->env.ops;
	enum exec_next next = ops->run(sv->env.ops_arg, &sl->s, j);

	if (next != EXEC_NEED_SESSION) {
		if (sl->s.up != sl->was_up) {
			sync_state(sl, NULL);
			sl->next_attempt = eg_now_ms();   /* reconnect at once after a drop */
		}
		if (next == EXEC_WAIT) {
			/* It waits for another job's reply: set aside, this session is free. */
			jobq_defer(sv->env.q, j, j->run.wake_ms, j->run.wait_end_ms);
			return;
		}
		atomic_fetch_add(&sl->commands, 1);
		jobq_finish(sv->env.q, j);
		return;
	}
	if (sl->s.up) {
		/* A runner that wants another session while this one is up: end this one rather
		 * than hand the job back to it for ever. */
		log_err(sv->env.session.log, "session %d: the runner gave a job back on a session "
		    "that is up; closing it", sl->s.id);
		ops->close(sv->env.ops_arg, &sl->s);
	}
	sync_state(sl, NULL);
	sl->next_attempt = eg_now_ms();
	/* Back at the head: the next session up takes it, perhaps this one re-opened now. */
	jobq_requeue(sv->env.q, j);
}

/* Lend mode: offers the slot's session, which is up, to the event loop and waits until it
 * comes back (supervisor_give_back, or taken back unborrowed by a re-login or the stop).
 * mu held. */
static void
lend(struct slot *sl)
{
	struct supervisor *sv = sl->sv;

	sl->lent = LENT_OFFERED;
	jobq_poke(sv->env.q);   /* the AMQP thread borrows it */
	while (sl->lent != LENT_NO)
		pthread_cond_wait(&sv->down, &sv->mu);
}

/* Takes back the sessions offered and not yet borrowed. mu held. */
static void
take_back_offered(struct supervisor *sv)
{
	int i;

	for (i = 0; i < sv->n; i++)
		if (sv->slots[i].lent == LENT_OFFERED)
			sv->slots[i].lent = LENT_NO;
}

static void *
slot_main(void *arg)
{
	struct slot *sl = arg;
	struct supervisor *sv = sl->sv;
	const struct supervisor_ops *ops = sv->env.ops;
	struct jobq *q = sv->env.q;
	struct job *j;
	struct eg_err err;
	int64_t ka, now;
	int relogin, stopping;

	for (;;) {
		pthread_mutex_lock(&sv->mu);
		if (!sl->s.up) {
			/* Down: open when the backoff allows, unless stopping with nothing left to
			 * do. While stopping, nobody else answers jobs whose wait is over. */
			stopping = sv->stopping;
			if (stopping && jobq_waiting(q) == 0) {
				pthread_mutex_unlock(&sv->mu);
				break;
			}
			now = eg_now_ms();
			if (now < sl->next_attempt) {
				wait_until(sv, &sv->down, stopping && sl->next_attempt > now + 200 ?
				    now + 200 : sl->next_attempt);
				pthread_mutex_unlock(&sv->mu);
				if (stopping)
					jobq_expire(q);
				continue;
			}
			sl->relogin = 0;
			pthread_mutex_unlock(&sv->mu);
			try_open(sl);
			continue;
		}
		if (sv->env.lend && !sl->relogin && !sv->stopping) {
			/* Lend mode: the event loop runs the jobs and keepalives while the session
			 * is up; it comes back down, or for a re-login or the stop. */
			lend(sl);
			pthread_mutex_unlock(&sv->mu);
			if (!sl->s.up) {
				sl->next_attempt = eg_now_ms();   /* reconnect at once after a drop */
				sync_state(sl, NULL);
			}
			continue;
		}
		/* Up: a re-login first, then jobs, then (when stopping with none left) logout, and
		 * a keepalive when one is due. */
		j = NULL;
		while (!sl->relogin && (j = jobq_take(q)) == NULL && !sv->stopping &&
		    (ka = ops->keepalive_in(sv->env.ops_arg, &sl->s)) != 0)
			wait_until(sv, &sv->work, ka < 0 ? -1 : eg_now_ms() + ka);
		relogin = sl->relogin;
		sl->relogin = 0;
		stopping = sv->stopping;
		pthread_mutex_unlock(&sv->mu);

		if (relogin) {
			ops->close(sv->env.ops_arg, &sl->s);
			sl->next_attempt = eg_now_ms();
			sync_state(sl, "re-login requested");
			continue;
		}
		if (j != NULL) {
			run_job(sl, j);
			continue;
		}
		if (stopping) {
			ops->close(sv->env.ops_arg, &sl->s);
			sync_state(sl, NULL);
			break;
		}
		if (ops->keepalive(sv->env.ops_arg, &sl->s, &err) == -1) {
			log_info(sv->env.session.log, "session %d: keepalive failed: %s", sl->s.id,
			    err.msg);
			sl->next_attempt = eg_now_ms();
			sync_state(sl, err.msg);
		}
	}
	return NULL;
}

/* ---- the AMQP thread's side ------------------------------------------------ */

struct supervisor *
supervisor_start(const struct supervisor_env *env, struct eg_err *err)
{
	struct supervisor *sv;
	pthread_condattr_t ca;
	int i, rc;

	if ((sv = calloc(1, sizeof(*sv))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	sv->env = *env;
	if (sv->env.ops == NULL) {
		sv->env.ops = &supervisor_epp_ops;
	}
	if (sv->env.refused_backoff_ms <= 0)
		sv->env.refused_backoff_ms = REFUSED_BACKOFF_MS;
	sv->n = env->sessions;
	pthread_mutex_init(&sv->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sv->work, &ca);
	pthread_cond_init(&sv->down, &ca);
	pthread_condattr_destroy(&ca);
	if ((sv->slots = calloc((size_t)sv->n, sizeof(*sv->slots))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		supervisor_free(sv);
		return NULL;
	}
	for (i = 0; i < sv->n; i++) {
		struct slot *sl = &sv->slots[i];

		sl->sv = sv;
		session_init(&sl->s, i, &sv->env.session);
		if (getrandom(&sl->rnd, sizeof(sl->rnd), 0) != sizeof(sl->rnd) || sl->rnd == 0)
			sl->rnd = 0x9e3779b97f4a7c15ULL ^ (uint64_t)(i + 1);
	}
	jobq_set_ready_hook(sv->env.q, job_ready, sv);
	pthread_mutex_lock(&sv->mu);
	failure_gauges(sv);     /* the permanent reasons' series exist from the start */
	pthread_mutex_unlock(&sv->mu);
	for (i = 0; i < sv->n; i++) {
		/* pthread_create returns its error; it does not set errno. */
		if ((rc = pthread_create(&sv->slots[i].th, NULL, slot_main, &sv->slots[i])) != 0) {
			eg_err_set(err, EG_EIO, "cannot start session thread: %s", strerror(rc));
			supervisor_free(sv);
			return NULL;
		}
		sv->slots[i].started = 1;
	}
	return sv;
}

int
supervisor_sessions_up(struct supervisor *sv)
{
	return atomic_load(&sv->up);
}

void
supervisor_relogin(struct supervisor *sv)
{
	int i;

	pthread_mutex_lock(&sv->mu);
	for (i = 0; i < sv->n; i++)
		sv->slots[i].relogin = 1;
	take_back_offered(sv);
	pthread_cond_broadcast(&sv->work);
	pthread_cond_broadcast(&sv->down);
	pthread_mutex_unlock(&sv->mu);
}

/* The slot a session belongs to: every session is a slot's member. */
static struct slot *
slot_of(struct session *s)
{
	return (struct slot *)(void *)((char *)s - offsetof(struct slot, s));
}

struct session *
supervisor_borrow(struct supervisor *sv)
{
	struct session *s = NULL;
	int i;

	pthread_mutex_lock(&sv->mu);
	for (i = 0; i < sv->n && s == NULL; i++) {
		if (sv->slots[i].lent == LENT_OFFERED) {
			sv->slots[i].lent = LENT_OUT;
			s = &sv->slots[i].s;
		}
	}
	pthread_mutex_unlock(&sv->mu);
	return s;
}

void
supervisor_give_back(struct supervisor *sv, struct session *s)
{
	pthread_mutex_lock(&sv->mu);
	slot_of(s)->lent = LENT_NO;
	pthread_cond_broadcast(&sv->down);
	pthread_mutex_unlock(&sv->mu);
}

void
supervisor_served(struct supervisor *sv, struct session *s)
{
	(void)sv;
	atomic_fetch_add(&slot_of(s)->commands, 1);
}

static json_object *
uri_list(const char *spaced)
{
	json_object *a = json_object_new_array();
	const char *s = spaced, *e;

	while (a != NULL && *s != '\0') {
		e = strchr(s, ' ');
		if (e == NULL)
			e = s + strlen(s);
		json_object_array_add(a, json_object_new_string_len(s, (int)(e - s)));
		s = *e ? e + 1 : e;
	}
	return a;
}

json_object *
supervisor_status(struct supervisor *sv)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array(), *one;
	const struct slot_view *v, *first_up = NULL, *latest = NULL;
	int i;

	if (o == NULL || list == NULL) {
		json_object_put(o);
		json_object_put(list);
		return NULL;
	}
	pthread_mutex_lock(&sv->mu);
	json_object_object_add(o, "configured", json_object_new_int(sv->n));
	json_object_object_add(o, "up", json_object_new_int(sv->up));
	json_object_object_add(o, "queued_jobs", json_object_new_int(jobq_outstanding(sv->env.q)));
	for (i = 0; i < sv->n; i++) {
		v = &sv->slots[i].view;
		if (v->up && first_up == NULL)
			first_up = v;
		one = json_object_new_object();
		json_object_object_add(one, "id", json_object_new_int(i));
		json_object_object_add(one, "up", json_object_new_boolean(v->up));
		json_object_object_add(one, "up_since_ms", json_object_new_int64(v->up_since));
		json_object_object_add(one, "commands",
		    json_object_new_int64((int64_t)atomic_load(&sv->slots[i].commands)));
		json_object_object_add(one, "logins", json_object_new_int64((int64_t)v->opens));
		if (v->last_error[0] != '\0')
			json_object_object_add(one, "last_error", json_object_new_string(v->last_error));
		if (!v->up && v->fail != SESSION_FAIL_NONE) {
			json_object_object_add(one, "reason",
			    json_object_new_string(session_fail_name(v->fail)));
			json_object_object_add(one, "permanent",
			    json_object_new_boolean(session_fail_permanent(v->fail)));
			if (latest == NULL || v->fail_at >= latest->fail_at)
				latest = v;
		}
		json_object_array_add(list, one);
	}
	json_object_object_add(o, "sessions", list);
	if (sv->up == 0 && latest != NULL) {
		/* why no session is up: the latest failure */
		one = json_object_new_object();
		json_object_object_add(one, "reason",
		    json_object_new_string(session_fail_name(latest->fail)));
		json_object_object_add(one, "permanent",
		    json_object_new_boolean(session_fail_permanent(latest->fail)));
		json_object_object_add(one, "error", json_object_new_string(latest->last_error));
		if (latest->fix[0] != '\0')
			json_object_object_add(one, "fix", json_object_new_string(latest->fix));
		json_object_object_add(one, "attempts", json_object_new_int(latest->failures));
		json_object_object_add(one, "answering_at_once", json_object_new_boolean(sv->refusing));
		json_object_object_add(o, "failure", one);
	}
	if (first_up != NULL) {
		json_object_object_add(o, "svID", json_object_new_string(first_up->svid));
		json_object_object_add(o, "objURIs", uri_list(first_up->objs));
		json_object_object_add(o, "extURIs", uri_list(first_up->exts));
	}
	pthread_mutex_unlock(&sv->mu);
	return o;
}

void
supervisor_stop(struct supervisor *sv)
{
	int i;

	pthread_mutex_lock(&sv->mu);
	sv->stopping = 1;
	take_back_offered(sv);
	pthread_cond_broadcast(&sv->work);
	pthread_cond_broadcast(&sv->down);
	pthread_mutex_unlock(&sv->mu);
	for (i = 0; sv->slots != NULL && i < sv->n; i++) {
		if (sv->slots[i].started) {
			pthread_join(sv->slots[i].th, NULL);
			sv->slots[i].started = 0;
		}
	}
}

void
supervisor_free(struct supervisor *sv)
{
	int i;

	if (sv == NULL)
		return;
	supervisor_stop(sv);
	jobq_set_ready_hook(sv->env.q, NULL, NULL);
	for (i = 0; sv->slots != NULL && i < sv->n; i++)
		session_clear(&sv->slots[i].s);
	free(sv->slots);
	pthread_cond_destroy(&sv->work);
	pthread_cond_destroy(&sv->down);
	pthread_mutex_destroy(&sv->mu);
	free(sv);
}
