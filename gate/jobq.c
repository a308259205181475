/* SPDX-License-Identifier: MIT */
/* The job queue (jobq.h): jobs waiting for a session, expiry, and the finished list with the
 * eventfd the AMQP thread polls. */
#include "jobq.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"

struct jobq {
	struct jobq_env env;
	void (*ready)(void *arg);
	void *ready_arg;
	pthread_mutex_t mu;
	struct job *qhead, *qtail;    /* waiting for a session */
	struct job *ahead;            /* set aside (jobq_defer), in no order */
	struct job *dhead, *dtail;    /* finished, waiting for jobq_collect */
	/* Written under mu, read without it by the AMQP thread on every turn. */
	atomic_int outstanding;       /* pushed, not yet collected */
	atomic_int waiting;           /* in qhead */
	atomic_int deferred;          /* in ahead */
	atomic_int refusing;          /* jobq_refuse in force; refusal holds why (under mu) */
	char refusal[512];
	int efd;
};

struct jobq *
jobq_new(const struct jobq_env *env, struct eg_err *err)
{
	struct jobq *q;
	int saved;

	if ((q = calloc(1, sizeof(*q))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	q->env = *env;
	if ((q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		saved = errno;
		free(q);
		eg_err_set(err, EG_EIO, "eventfd: %s", strerror(saved));
		return NULL;
	}
	pthread_mutex_init(&q->mu, NULL);
	return q;
}

static void
free_list(struct job *j)
{
	struct job *next;

	for (; j != NULL; j = next) {
		next = j->next;
		job_free(j);
	}
}

void
jobq_free(struct jobq *q)
{
	if (q == NULL)
		return;
	free_list(q->qhead);
	free_list(q->ahead);
	free_list(q->dhead);
	close(q->efd);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

void
jobq_set_ready_hook(struct jobq *q, void (*ready)(void *arg), void *arg)
{
	q->ready = ready;
	q->ready_arg = arg;
}

static void
wake_collector(struct jobq *q)
{
	uint64_t one = 1;
	ssize_t w;

	do
		w = write(q->efd, &one, sizeof(one));
	while (w == -1 && errno == EINTR);
}

void
jobq_push(struct jobq *q, struct job *j)
{
	int64_t wait = eg_now_ms() + q->env.queue_wait_ms;

	j->next = NULL;
	j->wait_until_ms = j->deadline_ms >= 0 && j->deadline_ms < wait ? j->deadline_ms : wait;
	pthread_mutex_lock(&q->mu);
	if (q->qtail != NULL)
		q->qtail->next = j;
	else
		q->qhead = j;
	q->qtail = j;
	q->outstanding++;
	q->waiting++;
	pthread_mutex_unlock(&q->mu);
	/* Told after the unlock, so that the woken taker does not run into the lock still
	 * held; it looks at the queue under the lock anyway. */
	if (q->ready != NULL)
		q->ready(q->ready_arg);
	/* No session can take it: the collector answers it now rather than at its expiry. */
	if (atomic_load(&q->refusing))
		wake_collector(q);
}

struct job *
jobq_take(struct jobq *q)
{
	struct job *j;

	if (atomic_load(&q->waiting) == 0)
		return NULL;
	pthread_mutex_lock(&q->mu);
	if ((j = q->qhead) != NULL) {
		q->qhead = j->next;
		if (q->qhead == NULL)
			q->qtail = NULL;
		q->waiting--;
		j->next = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	return j;
}

void
jobq_requeue(struct jobq *q, struct job *j)
{
	j->wait_until_ms = eg_now_ms() + q->env.queue_wait_ms;
	pthread_mutex_lock(&q->mu);
	j->next = q->qhead;
	q->qhead = j;
	if (q->qtail == NULL)
		q->qtail = j;
	q->waiting++;
	pthread_mutex_unlock(&q->mu);
	if (q->ready != NULL)
		q->ready(q->ready_arg);
	/* The collector's expiry timer was set without this job: it looks again. */
	wake_collector(q);
}

void
jobq_defer(struct jobq *q, struct job *j, int64_t not_before_ms, int64_t until_ms)
{
	j->not_before_ms = not_before_ms;
	j->wait_until_ms = until_ms;
	pthread_mutex_lock(&q->mu);
	j->next = q->ahead;
	q->ahead = j;
	q->deferred++;
	pthread_mutex_unlock(&q->mu);
	wake_collector(q);
}

/* Called with q->mu held. */
static void
push_done(struct jobq *q, struct job *j)
{
	j->next = NULL;
	if (q->dtail != NULL)
		q->dtail->next = j;
	else
		q->dhead = j;
	q->dtail = j;
}

void
jobq_finish(struct jobq *q, struct job *j)
{
	pthread_mutex_lock(&q->mu);
	push_done(q, j);
	pthread_mutex_unlock(&q->mu);
	wake_collector(q);
}

void
jobq_done(struct jobq *q, struct job *j)
{
	(void)j;
	pthread_mutex_lock(&q->mu);
	q->outstanding--;
	pthread_mutex_unlock(&q->mu);
}

int
jobq_event_fd(const struct jobq *q)
{
	return q->efd;
}

void
jobq_poke(struct jobq *q)
{
	wake_collector(q);
}

struct job *
jobq_collect(struct jobq *q)
{
	struct job *list, *j;
	uint64_t v;
	int n = 0;

	/* Clear the eventfd first: a job finished after this read wakes the caller again. */
	if (read(q->efd, &v, sizeof(v)) == -1) {
		/* EAGAIN: nothing was signalled; the list is read anyway */
	}
	pthread_mutex_lock(&q->mu);
	list = q->dhead;
	q->dhead = q->dtail = NULL;
	for (j = list; j != NULL; j = j->next)
		n++;
	q->outstanding -= n;
	pthread_mutex_unlock(&q->mu);
	return list;
}

void
jobq_refuse(struct jobq *q, const char *why)
{
	pthread_mutex_lock(&q->mu);
	if (why != NULL)
		snprintf(q->refusal, sizeof(q->refusal), "%s", why);
	else
		q->refusal[0] = '\0';
	q->refusing = why != NULL;
	pthread_mutex_unlock(&q->mu);
	if (why != NULL)
		wake_collector(q);
}

int
jobq_refusing(struct jobq *q)
{
	return atomic_load(&q->refusing);
}

int64_t
jobq_expire(struct jobq *q)
{
	struct job **pp, *j, *gone = NULL, **tail = &gone, *next, *back = NULL, **btail = &back;
	struct job *blast = NULL;
	int64_t now, left = -1, wait, at;
	int nback = 0, i, refusing;
	char why[sizeof(q->refusal)];

	if (atomic_load(&q->waiting) == 0 && atomic_load(&q->deferred) == 0)
		return -1;
	now = eg_now_ms();
	pthread_mutex_lock(&q->mu);
	refusing = q->refusing;
	snprintf(why, sizeof(why), "%s", q->refusal);
	/* Set aside: answered when the wait is over, back in the queue when the pause is. */
	for (pp = &q->ahead; (j = *pp) != NULL;) {
		if (j->wait_until_ms > now && j->not_before_ms > now) {
			at = j->not_before_ms < j->wait_until_ms ? j->not_before_ms : j->wait_until_ms;
			if (left < 0 || at - now < left)
				left = at - now;
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		q->deferred--;
		j->next = NULL;
		if (j->wait_until_ms <= now) {
			*tail = j;
			tail = &j->next;
		} else {
			*btail = j;
			btail = &j->next;
			blast = j;
			nback++;
		}
	}
	q->qtail = NULL;
	for (pp = &q->qhead; (j = *pp) != NULL;) {
		if (j->wait_until_ms > now && !refusing) {
			if (left < 0 || j->wait_until_ms - now < left)
				left = j->wait_until_ms - now;
			q->qtail = j;
			pp = &j->next;
			continue;
		}
		*pp = j->next;
		q->waiting--;
		j->next = NULL;
		*tail = j;
		tail = &j->next;
	}
	if (back != NULL) {
		/* At the head, as a job handed back: it came before the ones behind it. */
		for (j = back; j != NULL; j = j->next) {
			wait = now + q->env.queue_wait_ms;
			j->wait_until_ms = j->wait_until_ms < wait ? j->wait_until_ms : wait;
			if (left < 0 || j->wait_until_ms - now < left)
				left = j->wait_until_ms - now;
		}
		if (refusing)
			left = 0;   /* back in the queue: answered on the next turn */
		if (q->qhead == NULL)
			q->qtail = blast;
		blast->next = q->qhead;
		q->qhead = back;
		q->waiting += nback;
	}
	pthread_mutex_unlock(&q->mu);
	for (i = 0; i < nback && q->ready != NULL; i++)
		q->ready(q->ready_arg);
	if (gone == NULL)
		return left;
	/* Answered outside the lock: abandoning may write to the journal. */
	for (j = gone; j != NULL; j = j->next)
		q->env.abandon(q->env.abandon_arg, j, now, q->env.queue_wait_ms,
		    refusing ? why : NULL);
	pthread_mutex_lock(&q->mu);
	for (j = gone; j != NULL; j = next) {
		next = j->next;
		push_done(q, j);
	}
	pthread_mutex_unlock(&q->mu);
	wake_collector(q);
	return left;
}

int
jobq_waiting(struct jobq *q)
{
	return atomic_load(&q->waiting);
}

int
jobq_deferred(struct jobq *q)
{
	return atomic_load(&q->deferred);
}

int
jobq_outstanding(struct jobq *q)
{
	return atomic_load(&q->outstanding);
}
