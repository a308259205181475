/* SPDX-License-Identifier: MIT */
/*
 * dispatch.h - runs jobs on the EPP sessions that are up, inside the AMQP
 * thread's own poll loop (gate.c): one thread, one poll over the broker's
 * socket and every session's, and no hand-off between threads per request.
 *
 * The supervisor (supervisor.h) opens sessions on its threads, where a
 * connect, a TLS handshake and a login may wait as long as they take, and
 * lends each session that comes up to the dispatcher (supervisor_borrow). The
 * dispatcher takes jobs from the job queue (jobq_take) in arrival order for
 * its idle sessions and runs them with the runner's non-blocking steps
 * (exec_step starts an exchange, exec_exchanged goes on when it ends), sends
 * <hello/> on a session idle for keepalive_s, and gives a session back
 * (supervisor_give_back) the moment it goes down, or when a re-login or the
 * stop asks for it, after the exchange under way. It never waits on a
 * registry: a stalled one costs its session, not the loop; the journal's
 * statements are the only waits in a step (exec.h).
 *
 * What becomes of a job is the runner's word, handed on as the threaded
 * supervisor did: answered (the env's finished callback, at once, on this
 * thread; jobq_done keeps the queue's count), set aside (jobq_defer), or back
 * at the head of the queue for the next session up (jobq_requeue).
 *
 * Every function is called on the AMQP thread.
 */
#ifndef EG_DISPATCH_H
#define EG_DISPATCH_H

#include <poll.h>
#include <stdint.h>

#include "err.h"
#include "exec.h"
#include "jobq.h"
#include "supervisor.h"

struct dispatch_env {
	const struct exec_env *exec;
	struct jobq *q;
	struct supervisor *sv;
	struct eg_log *log;
	int sessions;                 /* the most sessions lent at once */
	/* A job with its reply (the caller owns it from now: it publishes, acks and frees). */
	void (*finished)(void *arg, struct job *j);
	void *finished_arg;
};

struct dispatch;

/* A dispatcher with no session yet. NULL with err set. */
struct dispatch *dispatch_new(const struct dispatch_env *env, struct eg_err *err);

/* Frees it; every session must have been given back (dispatch_finish). NULL allowed. */
void dispatch_free(struct dispatch *d);

/* Takes the sessions lent since the last call, starts jobs on idle sessions while jobs
 * wait, and keepalives that are due. */
void dispatch_run(struct dispatch *d);

/* The sockets of the exchanges under way, at most cap, into fds; how many. */
int dispatch_pollfds(struct dispatch *d, struct pollfd *fds, int cap);

/* After poll(fds, n) (fds as dispatch_pollfds filled them): goes on with the exchanges
 * whose socket is ready or whose deadline has come. */
void dispatch_ready(struct dispatch *d, const struct pollfd *fds, int n);

/* Milliseconds until the next exchange's deadline or keepalive (0: now), -1 when none. */
int64_t dispatch_timeout(const struct dispatch *d);

/* Gives every session back to the supervisor, each after the exchange under way (the
 * health file was touched: every session logs in again). */
void dispatch_give_back_all(struct dispatch *d);

/* Exchanges under way. */
int dispatch_busy(const struct dispatch *d);

/* The stop: takes no new job, runs the jobs under way to their end (their exchanges are
 * bounded by the command timeout), then gives every session back. */
void dispatch_finish(struct dispatch *d);

#endif
