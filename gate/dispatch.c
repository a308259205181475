/* SPDX-License-Identifier: MIT */
/* Jobs on the sessions that are up, run from the AMQP thread's poll loop (dispatch.h). */
#include "dispatch.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "epp_cmd.h"

/* One session lent by the supervisor. */
struct lane {
	struct session *s;
	struct job *j;             /* the job whose exchange is under way; NULL otherwise */
	int hello;                 /* a keepalive <hello/> is under way */
	int give_back;             /* give it back once the exchange under way ends */
	int pfd;                   /* its index in the last dispatch_pollfds, -1 if none */
};

struct dispatch {
	struct dispatch_env env;
	struct lane *lanes;
	int n;
	int stopping;              /* dispatch_finish: no new job, no keepalive */
};

struct dispatch *
dispatch_new(const struct dispatch_env *env, struct eg_err *err)
{
	struct dispatch *d;

	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->lanes = calloc((size_t)(env->sessions > 0 ? env->sessions : 1),
	    sizeof(*d->lanes))) == NULL) {
		free(d);
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	d->env = *env;
	return d;
}

void
dispatch_free(struct dispatch *d)
{
	if (d == NULL)
		return;
	free(d->lanes);
	free(d);
}

static int
busy(const struct lane *l)
{
	return l->j != NULL || l->hello;
}

/* Gives lane i's session back to the supervisor; the last lane takes its place. */
static void
give_back(struct dispatch *d, int i)
{
	supervisor_give_back(d->env.sv, d->lanes[i].s);
	d->lanes[i] = d->lanes[--d->n];
}

/* Takes the sessions the supervisor lent since the last look. */
static void
adopt(struct dispatch *d)
{
	struct session *s;

	while (d->n < d->env.sessions && (s = supervisor_borrow(d->env.sv)) != NULL) {
		memset(&d->lanes[d->n], 0, sizeof(d->lanes[d->n]));
		d->lanes[d->n].s = s;
		d->lanes[d->n].pfd = -1;
		d->n++;
	}
}

/* Passes lane i's job on as the runner's step says. 1 when the lane was given back (lane i
 * is then another one). */
static int
settle(struct dispatch *d, int i, enum exec_next next)
{
	struct lane *l = &d->lanes[i];
	struct job *j = l->j;

	if (next == EXEC_PENDING)
		return 0;
	l->j = NULL;
	switch (next) {
	case EXEC_DONE:
		supervisor_served(d->env.sv, l->s);
		jobq_done(d->env.q, j);
		d->env.finished(d->env.finished_arg, j);
		break;
	case EXEC_WAIT:
		/* It waits for another job's reply or its rate-limit slot: set aside, this
		 * session is free. */
		jobq_defer(d->env.q, j, j->run.wake_ms, j->run.wait_end_ms);
		break;
	default:
		if (l->s->up) {
			/* A runner that wants another session while this one is up: end this one
			 * rather than hand the job back to it for ever. */
			log_err(d->env.log, "session %d: the runner gave a job back on a session "
			    "that is up; closing it", l->s->id);
			session_drop(l->s, "the runner gave a job back");
		}
		/* Back at the head: the next session up takes it, perhaps this one re-opened. */
		jobq_requeue(d->env.q, j);
		break;
	}
	if (!l->s->up || l->give_back) {
		give_back(d, i);
		return 1;
	}
	return 0;
}

static int exchanged(struct dispatch *d, int i, enum xchg r, const struct eg_err *err);

/* Starts a keepalive <hello/> on lane i, when one is due. 1 when the lane was given back. */
static int
keepalive(struct dispatch *d, int i)
{
	struct lane *l = &d->lanes[i];
	struct eg_err err;
	char *xml = NULL;
	size_t len;
	enum xchg r;

	if (session_keepalive_in(l->s) != 0)
		return 0;
	if (epp_build_hello(&xml, &len, &err) == -1) {
		log_err(d->env.log, "session %d: keepalive: %s", l->s->id, err.msg);
		return 0;
	}
	r = session_start(l->s, xml, len, NULL, d->env.exec->cfg->epp.command_timeout_ms, &err);
	free(xml);
	l->hello = 1;
	/* session_start may end it at once (the answer was already read, or nothing went out) */
	return r == XCHG_PENDING ? 0 : exchanged(d, i, r, &err);
}

void
dispatch_run(struct dispatch *d)
{
	struct job *j;
	int i;

	if (!d->stopping)
		adopt(d);
	for (i = 0; i < d->n; i++) {
		struct lane *l = &d->lanes[i];

		if (busy(l))
			continue;
		if (d->stopping || l->give_back || !l->s->up) {
			give_back(d, i--);
			continue;
		}
		if ((j = jobq_take(d->env.q)) != NULL) {
			l->j = j;
			if (settle(d, i, exec_step(d->env.exec, l->s, j)))
				i--;
			else if (!busy(l))
				i--;          /* still idle: it takes the next job */
			continue;
		}
		if (keepalive(d, i))
			i--;
	}
}

int
dispatch_pollfds(struct dispatch *d, struct pollfd *fds, int cap)
{
	int i, k = 0;

	for (i = 0; i < d->n; i++) {
		d->lanes[i].pfd = -1;
		if (!busy(&d->lanes[i]) || k >= cap)
			continue;
		fds[k].fd = session_fd(d->lanes[i].s);
		fds[k].events = session_events(d->lanes[i].s);
		fds[k].revents = 0;
		d->lanes[i].pfd = k++;
	}
	return k;
}

/* The exchange on lane i ended with r: the keepalive's or the job's next step. 1 when the
 * lane was given back. */
static int
exchanged(struct dispatch *d, int i, enum xchg r, const struct eg_err *err)
{
	struct lane *l = &d->lanes[i];

	if (l->hello) {
		l->hello = 0;
		if (r == XCHG_OK)
			log_debug(d->env.log, "session %d: keepalive hello answered", l->s->id);
		else
			log_info(d->env.log, "session %d: keepalive failed: %s", l->s->id, err->msg);
		if (!l->s->up || l->give_back || d->stopping) {
			give_back(d, i);
			return 1;
		}
		return 0;
	}
	return settle(d, i, exec_exchanged(d->env.exec, l->s, l->j, r, err));
}

void
dispatch_ready(struct dispatch *d, const struct pollfd *fds, int n)
{
	struct eg_err err;
	int64_t now = eg_now_ms();
	enum xchg r;
	int i;

	for (i = 0; i < d->n; i++) {
		struct lane *l = &d->lanes[i];

		if (!busy(l))
			continue;
		if (!(l->pfd >= 0 && l->pfd < n && fds[l->pfd].revents != 0) &&
		    now < session_deadline(l->s))
			continue;
		l->pfd = -1;
		if ((r = session_continue(l->s, now, &err)) == XCHG_PENDING)
			continue;
		if (exchanged(d, i, r, &err))
			i--;
	}
	dispatch_run(d);
}

int64_t
dispatch_timeout(const struct dispatch *d)
{
	int64_t t = -1, now = eg_now_ms(), w;
	int i;

	for (i = 0; i < d->n; i++) {
		const struct lane *l = &d->lanes[i];

		if (busy(l))
			w = session_deadline(l->s) - now;
		else if (d->stopping)
			continue;
		else if ((w = session_keepalive_in(l->s)) < 0)
			continue;
		if (w < 0)
			w = 0;
		if (t < 0 || w < t)
			t = w;
	}
	return t;
}

void
dispatch_give_back_all(struct dispatch *d)
{
	int i;

	for (i = 0; i < d->n; i++)
		d->lanes[i].give_back = 1;
	dispatch_run(d);
}

int
dispatch_busy(const struct dispatch *d)
{
	int i, k = 0;

	for (i = 0; i < d->n; i++)
		k += busy(&d->lanes[i]);
	return k;
}

void
dispatch_finish(struct dispatch *d)
{
	struct pollfd fds[256];
	int64_t t;
	int n;

	d->stopping = 1;
	dispatch_run(d);      /* gives the idle sessions back */
	while (dispatch_busy(d) > 0) {
		n = dispatch_pollfds(d, fds, (int)(sizeof(fds) / sizeof(fds[0])));
		t = dispatch_timeout(d);
		(void)poll(fds, (nfds_t)n, t < 0 || t > 1000 ? 1000 : (int)t);
		dispatch_ready(d, fds, n);
	}
}
