/* SPDX-License-Identifier: MIT */
/*
 * jobq.h - the job queue between the AMQP thread and the sessions: jobs
 * waiting for an up session (first in, first out), and jobs finished,
 * waiting for the AMQP thread to collect them.
 *
 * Who calls what (job.h tells who owns a job at each stage):
 *  - the AMQP thread pushes jobs (jobq_push), polls jobq_event_fd, collects
 *    finished jobs (jobq_collect) and expires waiting ones (jobq_expire);
 *  - whoever runs jobs (the dispatcher on the AMQP thread; the supervisor's
 *    threads at the stop) takes jobs (jobq_take), puts a job whose session
 *    went down back at the head (jobq_requeue), and hands finished jobs over
 *    (jobq_finish; jobq_done on the AMQP thread, which publishes at once).
 * Every function is safe to call from any thread (one mutex inside, never
 * held while a callback runs or a job is answered). The queue makes no
 * threads and never blocks: a taker that finds it empty waits on its own
 * terms, told by the ready hook that a job arrived.
 *
 * A job waits at most until its wait_until_ms: queue_wait after it was
 * pushed or re-queued, and for a pushed job no later than its deadline. Then
 * jobq_expire answers it through the abandon hook (the runner's
 * exec_abandon: the one place that decides what a waiting job is told and
 * releases its journal claim) and moves it to the finished list.
 *
 * While no session can be established for a reason retrying cannot cure (the
 * supervisor says so with jobq_refuse), nobody waits: the jobs in the queue,
 * and every job pushed or put back meanwhile, are answered at once through
 * the abandon hook with the reason.
 *
 * A job that waits for another job's reply (the journal says another copy of
 * the request is in progress, on this gate or another) is set aside
 * (jobq_defer): it holds no session meanwhile. jobq_expire, on the AMQP
 * thread's timers, puts it back at the head of the queue when its pause is
 * over, or answers it through the abandon hook when its wait is.
 */
#ifndef EG_JOBQ_H
#define EG_JOBQ_H

#include <stdint.h>

#include "err.h"
#include "job.h"

struct jobq_env {
	int queue_wait_ms;            /* longest a job waits for a session */
	/* Answers a job whose wait is over (now_ms: the time of the expiry; waited_ms:
	 * queue_wait_ms; why: NULL, or the reason given to jobq_refuse when the job is answered
	 * because no session can come). Called without the queue's lock, on the thread of
	 * jobq_expire. Required. */
	void (*abandon)(void *arg, struct job *j, int64_t now_ms, int waited_ms, const char *why);
	void *abandon_arg;
};

struct jobq;

/* A new, empty queue (with its eventfd). NULL with err set. */
struct jobq *jobq_new(const struct jobq_env *env, struct eg_err *err);

/* Frees the queue and every job still in it, waiting or finished. Nobody may use it then. */
void jobq_free(struct jobq *q);

/* Called (without the queue's lock) whenever a job becomes ready to take: after a push and a
 * re-queue. Set before the first push, and cleared (NULL: none) only when no push or
 * re-queue can come any more. */
void jobq_set_ready_hook(struct jobq *q, void (*ready)(void *arg), void *arg);

/* Appends a job (the queue owns it until jobq_collect hands it back) and sets its
 * wait_until_ms: now + queue_wait, or its deadline when sooner. */
void jobq_push(struct jobq *q, struct job *j);

/* Takes the oldest waiting job (the taker owns it), or NULL when none waits. */
struct job *jobq_take(struct jobq *q);

/* Puts a job that needs an up session to go on back at the head, ahead of the jobs that
 * came after it; it waits at most queue_wait again (not cut short by its deadline: a job in
 * progress is answered by the abandon hook, which knows what it may be told). Wakes the
 * collector too, whose expiry timer did not know the job. */
void jobq_requeue(struct jobq *q, struct job *j);

/* Sets a job aside, holding no session, until not_before_ms (monotonic); then it goes back
 * to the head of the queue (waiting there at most queue_wait, and not past until_ms). If
 * it is still aside at until_ms, the abandon hook answers it. Wakes the collector, whose
 * timers did not know the job. */
void jobq_defer(struct jobq *q, struct job *j, int64_t not_before_ms, int64_t until_ms);

/* Hands a job with its reply to the finished list and wakes the collector. */
void jobq_finish(struct jobq *q, struct job *j);

/* A job the collector's own thread took and finished (dispatch.h): it leaves the queue's
 * count of outstanding jobs, and the caller publishes it at once, without the finished list
 * and its eventfd. */
void jobq_done(struct jobq *q, struct job *j);

/* Readable when finished jobs wait or jobq_poke was called. */
int jobq_event_fd(const struct jobq *q);

/* Wakes the collector without a job (the number of sessions up changed). */
void jobq_poke(struct jobq *q);

/* Finished jobs, oldest first, linked through next (the caller owns them); NULL if none.
 * Also clears the eventfd. */
struct job *jobq_collect(struct jobq *q);

/* Answers (abandon hook) and finishes the waiting jobs whose wait is over (every waiting job
 * while refusing), and puts the jobs set aside whose pause is over back at the head of the
 * queue. Returns milliseconds until the next such event, or -1 when none waits. */
int64_t jobq_expire(struct jobq *q);

/* why not NULL: no session can be established (why, copied, says what was refused): from
 * now on jobq_expire answers every job waiting in the queue at once, with why. NULL: jobs
 * wait for a session again. Wakes the collector, which runs jobq_expire. */
void jobq_refuse(struct jobq *q, const char *why);

/* Whether jobq_refuse is in force. */
int jobq_refusing(struct jobq *q);

int jobq_waiting(struct jobq *q);       /* in the queue now, ready to take */
int jobq_deferred(struct jobq *q);      /* set aside (jobq_defer) */
int jobq_outstanding(struct jobq *q);   /* pushed and not yet collected */

#endif
