/* SPDX-License-Identifier: MIT */
/*
 * supervisor.h - the one owner of the EPP sessions' lifecycle.
 *
 * Every open, re-open, backoff, keepalive, logout and change of a session's
 * state goes through here, and nowhere else in the gate: one thread per
 * session slot keeps its session up (reconnecting with exponential backoff
 * and jitter, a longer first step after a refused login or a session limit,
 * 2200/25xx; at once, without backoff, after a session that was up went
 * down) and logs in again when asked (the health file was touched). While its
 * session is up, the gate's slot thread lends it to the AMQP thread's event
 * loop (lend mode, below; dispatch.h), which runs the jobs and keepalives on
 * it and gives it back when it goes down; without lend mode (the tests of
 * these rules) the slot thread itself sends <hello/> when idle and takes jobs
 * from the job queue (jobq.h) in arrival order, running them through the ops'
 * run (the runner, exec.h). Either way jobs run only on a session that is up;
 * a job that needs an up session to go on (its session went down under it)
 * goes back to the head of the queue, where the next session up, perhaps this
 * one re-opened at once, takes it and the runner continues where the job was.
 *
 * A failed open is either one that may heal by retrying (the registry is out
 * of reach, busy, closing) or one that cannot (session.h, enum session_fail:
 * the login refused, a client certificate required or refused, the registry's
 * certificate untrusted or for another name). The latter is logged at error on
 * every attempt with what to fix, backs off to backoff_max_ms, and once every
 * session is down with such a failure, the job queue answers waiting and new
 * jobs at once with the reason (jobq_refuse) instead of letting them wait for
 * queue_wait; the first session up lifts that.
 *
 * After each login the supervisor records what the registry offered and what
 * was negotiated in the registry profile (registry_profile.h), and warns once
 * per change about what the operator should know (services without typed
 * commands, a language or version other than asked for).
 *
 * The supervisor keeps what gate_status, alerts (session_lost /
 * session_restored), the log ("cannot be re-established") and the metrics
 * (eppgate_sessions_up, eppgate_reconnects_total) show; it never writes the
 * health file, which belongs to the clients (health.h). A change
 * in the number of sessions up pokes the job queue's eventfd, so that the
 * AMQP thread adjusts its prefetch.
 *
 * The session operations are a seam (struct supervisor_ops): the gate uses
 * supervisor_epp_ops (session.h and exec.h); tests give their own.
 *
 * Threads: supervisor_start, _sessions_up, _relogin, _status, _stop and _free
 * are called from one thread (the AMQP thread); _sessions_up, _relogin and
 * _status never wait on the registry.
 */
#ifndef EG_SUPERVISOR_H
#define EG_SUPERVISOR_H

#include <json-c/json.h>
#include <stdint.h>

#include "alert.h"
#include "exec.h"
#include "job.h"
#include "jobq.h"
#include "metrics.h"
#include "registry_profile.h"
#include "session.h"

/*
 * What the supervisor does to a session, all on the slot's own thread. arg: ops_arg.
 *   open          connects and logs in: 0 when up (s->login what was negotiated); -1 with
 *                 err set, the session down, s->fail why (enum session_fail) and
 *                 s->last_code the registry's result code when it refused the login (2200,
 *                 2501, 2502...), else 0;
 *   run           runs a job on the session, which is up (exec_step); EXEC_NEED_SESSION
 *                 only when the session went down;
 *   keepalive_in  milliseconds until a keepalive is due (0: now), -1 when off;
 *   keepalive     sends it: 0, or -1 (err set) when the session went down;
 *   close         logs out (bounded wait) and closes; the session is down after.
 */
struct supervisor_ops {
	int (*open)(void *arg, struct session *s, struct eg_err *err);
	enum exec_next (*run)(void *arg, struct session *s, struct job *j);
	int64_t (*keepalive_in)(void *arg, const struct session *s);
	int (*keepalive)(void *arg, struct session *s, struct eg_err *err);
	void (*close)(void *arg, struct session *s);
};

/* session_open, exec_step, session_keepalive_in, session_keepalive, session_close;
 * ops_arg is the struct exec_env for exec_step. */
extern const struct supervisor_ops supervisor_epp_ops;

struct supervisor_env {
	struct session_env session;   /* copied; the sessions point at the copy */
	const struct supervisor_ops *ops;   /* NULL: supervisor_epp_ops */
	void *ops_arg;                /* must outlive the supervisor */
	struct jobq *q;               /* not owned; must outlive the supervisor */
	struct metrics *metrics;
	struct alert *alert;          /* NULL: none */
	struct registry_profile *profile;   /* NULL: none; not owned */
	int sessions;
	int refused_backoff_ms;       /* least first step after 2200/25xx; 0: 5000 */
	int lend;                     /* lend sessions that are up to the event loop (below) */
};

struct supervisor;

/* Sets up the sessions (session_init) and starts their threads, which connect in the
 * background; registers itself as the queue's ready hook. NULL with err set. */
struct supervisor *supervisor_start(const struct supervisor_env *env, struct eg_err *err);

int supervisor_sessions_up(struct supervisor *sv);

/*
 * Lend mode (env.lend): a session that comes up is lent to the AMQP thread's event loop
 * (dispatch.h), which runs the jobs and keepalives on it; its thread waits until it comes
 * back. The session queue's eventfd is poked when one is offered. supervisor_borrow takes
 * the next one offered (NULL: none); supervisor_give_back returns one, down (its thread
 * opens it again at once) or up (for a re-login, or the stop: after a re-login the thread
 * closes it, after the stop it runs what is still queued and logs out); supervisor_served
 * counts a job answered on it. A re-login or the stop takes back the sessions offered and
 * not yet borrowed; those borrowed must be given back before supervisor_stop. Without lend
 * mode each thread runs jobs on its own session (exec_run), as the supervisor's tests do.
 */
struct session *supervisor_borrow(struct supervisor *sv);
void supervisor_give_back(struct supervisor *sv, struct session *s);
void supervisor_served(struct supervisor *sv, struct session *s);

/* Every session logs in again, after the job it is running: the health file was touched. */
void supervisor_relogin(struct supervisor *sv);

/* State for gate_status: sessions, registry svID and negotiated URIs, and why sessions are
 * down ("failure": reason, whether it is permanent, the error and what to fix, whether
 * requests are answered at once). New object. */
json_object *supervisor_status(struct supervisor *sv);

/*
 * Drains and ends: sessions up take every job still queued and run it to its end, then log
 * out; sessions down keep trying to open while jobs wait, and answer those whose wait is
 * over (jobq_expire). Joins the threads. Jobs finished meanwhile are on the queue's finished
 * list: the caller collects them after.
 */
void supervisor_stop(struct supervisor *sv);

/* Frees what supervisor_start returned (stopping it first if needed): the sessions
 * (session_clear) and the supervisor; unregisters the queue's ready hook. NULL allowed. */
void supervisor_free(struct supervisor *sv);

/*
 * The delay before the next open after `failures` failed ones in a row: min_ms doubled per
 * failure after the first, starting from at least refused_ms when refused (the registry
 * refused the login or said it is full or closing, 2200/25xx, or the failure cannot heal by
 * retrying), capped at max_ms, then a random point (rnd) between half and all of it, so that
 * sessions that failed together do not return together. Exposed for tests.
 */
int64_t supervisor_backoff_ms(int min_ms, int max_ms, int refused_ms, int failures,
    int refused, uint64_t rnd);

#endif
