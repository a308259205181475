#include "pool.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include "clock.h"

/* What gate_status shows of a session, copied under the pool lock by its own thread. */
struct slot_view {
	int up;
	int64_t up_since;
	unsigned long opens;
	int last_code;
	char svid[128];
	char objs[512];
	char exts[512];
	char last_error[256];
};

struct slot {
	struct pool *p;
	struct session s;
	pthread_t th;
	int started;
	int64_t next_attempt;     /* monotonic ms: earliest reconnect */
	int failures;             /* consecutive failed opens */
	int relogin;              /* under p->mu */
	int was_up;
	atomic_ulong commands;    /* answered on this session, for gate_status */
	uint64_t rnd;             /* xorshift state for backoff jitter */
	struct slot_view view;    /* under p->mu */
};

struct pool {
	struct pool_env env;
	pthread_mutex_t mu;
	/* Idle sessions that are up wait on `work`: one is woken per job. Sessions waiting out
	 * a reconnect backoff wait on `down`, so that a job's wake-up never lands on a session
	 * that cannot take it. Both are broadcast for stop and re-login. */
	pthread_cond_t work;
	pthread_cond_t down;
	struct job *qhead, *qtail;    /* waiting for a session */
	struct job *dhead, *dtail;    /* finished, waiting for pool_collect */
	/* Written under mu, read without it by the AMQP thread on every turn. */
	atomic_int outstanding;       /* submitted, not yet collected */
	atomic_int queued;            /* in qhead */
	atomic_int up;                /* sessions up */
	int ever_up;
	int lost;                     /* all sessions down after having been up */
	int stopping;
	int efd;
	int64_t down_since;           /* monotonic ms when the last session went down; 0 if up */
	int64_t last_health;          /* monotonic ms of our last health-file line */
	int n;
	struct slot *slots;
};

static void
wake_collector(struct pool *p)
{
	uint64_t one = 1;
	ssize_t w;

	do
		w = write(p->efd, &one, sizeof(one));
	while (w == -1 && errno == EINTR);
}

/* Called with p->mu held; the caller wakes the collector after unlocking. */
static void
push_done(struct pool *p, struct job *j)
{
	j->next = NULL;
	if (p->dtail != NULL)
		p->dtail->next = j;
	else
		p->dhead = j;
	p->dtail = j;
}

static uint64_t
next_rand(struct slot *sl)
{
	sl->rnd ^= sl->rnd << 13;
	sl->rnd ^= sl->rnd >> 7;
	sl->rnd ^= sl->rnd << 17;
	return sl->rnd;
}

/* Exponential backoff with jitter; a registry that says "too many sessions" (2501/2502) or
 * refuses the login gets a longer first step, so that we never hammer it. */
static int64_t
backoff(struct slot *sl, int code)
{
	const struct cfg_epp *c = sl->p->env.session.epp;
	int64_t base = c->backoff_min_ms, d;
	int shift = sl->failures - 1;

	if (code == 2200 || code >= 2500)
		base = base < 5000 ? 5000 : base;
	if (shift > 20)
		shift = 20;
	d = base << (shift < 0 ? 0 : shift);
	if (d > c->backoff_max_ms)
		d = c->backoff_max_ms;
	/* between half and all of d, so that sessions that failed together do not return
	 * together */
	return d / 2 + (int64_t)(next_rand(sl) % (uint64_t)(d / 2 + 1));
}

/* Publishes the session's state to the pool: up count, view, alerts, metrics. */
static void
sync_state(struct slot *sl, const char *error)
{
	struct pool *p = sl->p;
	struct session *s = &sl->s;
	int fire = 0;
	const char *event = NULL;
	char msg[300];

	pthread_mutex_lock(&p->mu);
	sl->view.up = s->up;
	sl->view.up_since = s->up_since;
	sl->view.last_code = s->last_code;
	snprintf(sl->view.svid, sizeof(sl->view.svid), "%s", s->svid);
	snprintf(sl->view.objs, sizeof(sl->view.objs), "%s", s->objs);
	snprintf(sl->view.exts, sizeof(sl->view.exts), "%s", s->exts);
	if (error != NULL)
		snprintf(sl->view.last_error, sizeof(sl->view.last_error), "%s", error);
	if (s->up != sl->was_up) {
		sl->was_up = s->up;
		p->up += s->up ? 1 : -1;
		if (s->up) {
			sl->view.opens++;
			p->down_since = 0;
			if (p->lost || !p->ever_up) {
				fire = p->lost;
				event = "session_restored";
				p->lost = 0;
			}
			p->ever_up = 1;
		} else if (p->up == 0) {
			p->down_since = eg_now_ms();
			if (p->ever_up && !p->lost) {
				p->lost = 1;
				fire = 1;
				event = "session_lost";
			}
		}
		metrics_sessions_up(p->env.metrics, p->up);
		wake_collector(p);   /* the AMQP thread adjusts its prefetch */
	}
	pthread_mutex_unlock(&p->mu);
	if (fire && p->env.alert != NULL) {
		snprintf(msg, sizeof(msg), "%s: %s:%s%s%s", event, p->env.session.epp->host,
		    p->env.session.epp->port, error ? ": " : "", error ? error : "");
		alert_fire(p->env.alert, event, msg);
	}
}

/* A failed (re)connect: log, maybe tell the health file, schedule the next attempt. */
static void
open_failed(struct slot *sl, const struct eg_err *err)
{
	struct pool *p = sl->p;
	int64_t wait, now = eg_now_ms(), down_for;
	int tell = 0;
	struct eg_err herr;
	char line[400];

	sl->failures++;
	wait = backoff(sl, sl->s.last_code);
	sl->next_attempt = now + wait;
	eg_logf(p->env.session.log, sl->failures == 1 || sl->failures % 10 == 0 ? EG_LOG_ERR :
	    EG_LOG_INFO, "session %d: cannot establish the EPP session (attempt %d): %s; next try in %.1f s",
	    sl->s.id, sl->failures, err->msg, (double)wait / 1000);
	sync_state(sl, err->msg);
	/* The gate says so in the health file once the registry has been out of reach for a
	 * while, and then at most every five minutes. */
	pthread_mutex_lock(&p->mu);
	down_for = p->down_since ? now - p->down_since : 0;
	if (p->env.health != NULL && p->up == 0 && (sl->failures >= 3 || down_for > 60000) &&
	    (p->last_health == 0 || now - p->last_health > 300000)) {
		p->last_health = now;
		tell = 1;
	}
	pthread_mutex_unlock(&p->mu);
	if (tell) {
		snprintf(line, sizeof(line), "epp-gate: EPP session to %s:%s cannot be re-established: %s",
		    p->env.session.epp->host, p->env.session.epp->port, err->msg);
		if (health_append(p->env.health, line, &herr) == -1)
			log_err(p->env.session.log, "health file: %s", herr.msg);
	}
}

static void
try_open(struct slot *sl)
{
	struct eg_err err;

	if (session_open(&sl->s, &err) == 0) {
		if (sl->view.opens > 0)
			metrics_reconnect(sl->p->env.metrics);
		sl->failures = 0;
		sync_state(sl, NULL);
	} else {
		open_failed(sl, &err);
	}
}

/* Waits on cond until deadline (monotonic ms, -1 forever). mu held. */
static void
wait_until(struct pool *p, pthread_cond_t *cond, int64_t deadline)
{
	struct timespec ts;
	int64_t left;

	if (deadline < 0) {
		pthread_cond_wait(cond, &p->mu);
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
	pthread_cond_timedwait(cond, &p->mu, &ts);
}

static void *
session_main(void *arg)
{
	struct slot *sl = arg;
	struct pool *p = sl->p;
	struct job *j;
	struct eg_err err;
	int64_t ka = -1;
	int relogin;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		if (!sl->s.up) {
			/* Down: reconnect when the backoff allows, unless stopping with nothing
			 * left to do. */
			if (p->stopping && p->qhead == NULL) {
				pthread_mutex_unlock(&p->mu);
				break;
			}
			if (eg_now_ms() < sl->next_attempt) {
				wait_until(p, &p->down, sl->next_attempt);
				pthread_mutex_unlock(&p->mu);
				continue;
			}
			sl->relogin = 0;
			pthread_mutex_unlock(&p->mu);
			try_open(sl);
			continue;
		}
		while (p->qhead == NULL && !p->stopping && !sl->relogin &&
		    (ka = session_keepalive_in(&sl->s)) != 0)
			wait_until(p, &p->work, ka < 0 ? -1 : eg_now_ms() + ka);
		j = p->qhead;
		if (j != NULL) {
			p->qhead = j->next;
			if (p->qhead == NULL)
				p->qtail = NULL;
			p->queued--;
		}
		relogin = sl->relogin;
		sl->relogin = 0;
		pthread_mutex_unlock(&p->mu);

		if (j != NULL) {
			exec_job(&p->env.exec, &sl->s, j);
			atomic_fetch_add(&sl->commands, 1);
			if (sl->s.up != sl->was_up) {
				sync_state(sl, NULL);
				sl->next_attempt = eg_now_ms();   /* reconnect at once after a drop */
			}
			pthread_mutex_lock(&p->mu);
			push_done(p, j);
			pthread_mutex_unlock(&p->mu);
			wake_collector(p);
			continue;
		}
		if (relogin) {
			session_close(&sl->s);
			sl->next_attempt = eg_now_ms();
			sync_state(sl, "re-login requested");
			continue;
		}
		if (p->stopping) {
			session_close(&sl->s);
			sync_state(sl, NULL);
			break;
		}
		if (session_keepalive(&sl->s, &err) == -1) {
			log_info(p->env.session.log, "session %d: keepalive failed: %s", sl->s.id,
			    err.msg);
			sl->next_attempt = eg_now_ms();
			sync_state(sl, err.msg);
		}
	}
	return NULL;
}

struct pool *
pool_start(const struct pool_env *env, struct eg_err *err)
{
	struct pool *p;
	pthread_condattr_t ca;
	int i;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	p->env = *env;
	p->n = env->sessions;
	p->efd = -1;
	pthread_mutex_init(&p->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->work, &ca);
	pthread_cond_init(&p->down, &ca);
	pthread_condattr_destroy(&ca);
	if ((p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		eg_err_set(err, EG_EIO, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if ((p->slots = calloc((size_t)p->n, sizeof(*p->slots))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		goto fail;
	}
	for (i = 0; i < p->n; i++) {
		struct slot *sl = &p->slots[i];

		sl->p = p;
		session_init(&sl->s, i, &p->env.session);
		if (getrandom(&sl->rnd, sizeof(sl->rnd), 0) != sizeof(sl->rnd) || sl->rnd == 0)
			sl->rnd = 0x9e3779b97f4a7c15ULL ^ (uint64_t)(i + 1);
	}
	for (i = 0; i < p->n; i++) {
		if (pthread_create(&p->slots[i].th, NULL, session_main, &p->slots[i]) != 0) {
			eg_err_set(err, EG_EIO, "cannot start session thread: %s", strerror(errno));
			pool_stop(p);
			pool_free(p);
			return NULL;
		}
		p->slots[i].started = 1;
	}
	return p;
fail:
	pool_free(p);
	return NULL;
}

void
pool_submit(struct pool *p, struct job *j)
{
	int64_t wait = eg_now_ms() + p->env.queue_wait_ms;

	j->next = NULL;
	j->wait_until_ms = j->deadline_ms >= 0 && j->deadline_ms < wait ? j->deadline_ms : wait;
	pthread_mutex_lock(&p->mu);
	if (p->qtail != NULL)
		p->qtail->next = j;
	else
		p->qhead = j;
	p->qtail = j;
	p->outstanding++;
	p->queued++;
	pthread_mutex_unlock(&p->mu);
	/* Signalled after the unlock, so that the woken session does not run into the lock
	 * still held; it checks the queue under the lock anyway. */
	pthread_cond_signal(&p->work);
}

int
pool_event_fd(const struct pool *p)
{
	return p->efd;
}

struct job *
pool_collect(struct pool *p)
{
	struct job *list, *j;
	uint64_t v;
	int n = 0;

	/* Clear the eventfd first: a job finished after this read wakes the caller again. */
	if (read(p->efd, &v, sizeof(v)) == -1) {
		/* EAGAIN: nothing was signalled; the queues are read anyway */
	}
	pthread_mutex_lock(&p->mu);
	list = p->dhead;
	p->dhead = p->dtail = NULL;
	for (j = list; j != NULL; j = j->next)
		n++;
	p->outstanding -= n;
	pthread_mutex_unlock(&p->mu);
	return list;
}

int64_t
pool_expire(struct pool *p)
{
	struct job **pp, *j;
	struct eg_err e;
	int64_t now, next = -1;
	int expired = 0;

	if (atomic_load(&p->queued) == 0)
		return -1;
	now = eg_now_ms();
	pthread_mutex_lock(&p->mu);
	for (pp = &p->qhead; (j = *pp) != NULL;) {
		if (j->wait_until_ms > now) {
			if (next < 0 || j->wait_until_ms - now < next)
				next = j->wait_until_ms - now;
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		p->queued--;
		if (j->deadline_ms >= 0 && j->deadline_ms <= now) {
			eg_err_set(&e, EG_ETIMEOUT, "request expired before it was sent to the registry");
			job_fail(j, &e, JOB_EXPIRED);
		} else {
			eg_err_set(&e, EG_EIO, "no EPP session became available within %d ms; the "
			    "request was not sent", p->env.queue_wait_ms);
			job_fail(j, &e, JOB_NOT_SENT);
		}
		push_done(p, j);
		expired++;
	}
	p->qtail = NULL;
	for (j = p->qhead; j != NULL; j = j->next)
		p->qtail = j;
	pthread_mutex_unlock(&p->mu);
	if (expired > 0)
		wake_collector(p);
	return next;
}

int
pool_sessions_up(struct pool *p)
{
	return atomic_load(&p->up);
}

int
pool_outstanding(struct pool *p)
{
	return atomic_load(&p->outstanding);
}

void
pool_relogin(struct pool *p)
{
	int i;

	pthread_mutex_lock(&p->mu);
	for (i = 0; i < p->n; i++)
		p->slots[i].relogin = 1;
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->down);
	pthread_mutex_unlock(&p->mu);
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
pool_status(struct pool *p)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array(), *one;
	const struct slot_view *v, *first_up = NULL;
	int i;

	if (o == NULL || list == NULL) {
		json_object_put(o);
		json_object_put(list);
		return NULL;
	}
	pthread_mutex_lock(&p->mu);
	json_object_object_add(o, "configured", json_object_new_int(p->n));
	json_object_object_add(o, "up", json_object_new_int(p->up));
	json_object_object_add(o, "queued_jobs", json_object_new_int(p->outstanding));
	for (i = 0; i < p->n; i++) {
		v = &p->slots[i].view;
		if (v->up && first_up == NULL)
			first_up = v;
		one = json_object_new_object();
		json_object_object_add(one, "id", json_object_new_int(i));
		json_object_object_add(one, "up", json_object_new_boolean(v->up));
		json_object_object_add(one, "up_since_ms", json_object_new_int64(v->up_since));
		json_object_object_add(one, "commands",
		    json_object_new_int64((int64_t)atomic_load(&p->slots[i].commands)));
		json_object_object_add(one, "logins", json_object_new_int64((int64_t)v->opens));
		if (v->last_error[0] != '\0')
			json_object_object_add(one, "last_error", json_object_new_string(v->last_error));
		json_object_array_add(list, one);
	}
	json_object_object_add(o, "sessions", list);
	if (first_up != NULL) {
		json_object_object_add(o, "svID", json_object_new_string(first_up->svid));
		json_object_object_add(o, "objURIs", uri_list(first_up->objs));
		json_object_object_add(o, "extURIs", uri_list(first_up->exts));
	}
	pthread_mutex_unlock(&p->mu);
	return o;
}

void
pool_stop(struct pool *p)
{
	int i;

	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->down);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->n; i++) {
		if (p->slots[i].started) {
			pthread_join(p->slots[i].th, NULL);
			p->slots[i].started = 0;
		}
	}
}

void
pool_free(struct pool *p)
{
	struct job *j;
	int i;

	if (p == NULL)
		return;
	for (i = 0; p->slots != NULL && i < p->n; i++)
		session_clear(&p->slots[i].s);
	while ((j = p->qhead) != NULL) {
		p->qhead = j->next;
		job_free(j);
	}
	while ((j = p->dhead) != NULL) {
		p->dhead = j->next;
		job_free(j);
	}
	free(p->slots);
	if (p->efd != -1)
		close(p->efd);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->down);
	pthread_mutex_destroy(&p->mu);
	free(p);
}
