/* SPDX-License-Identifier: MIT */
/*
 * exec.h - the job runner: what happens to one job on EPP sessions, the rules
 * of RELIABILITY.md on what may be sent, re-sent, or must be refused.
 *
 *  - a request past its deadline is answered "expired" and not sent;
 *  - a command with side effects that has a message_id is claimed in the
 *    journal before anything else, and marked sent right before it is
 *    written; a message_id the journal already knows is answered from it (the
 *    stored reply, or "outcome unknown" naming the clTRID plus what an info
 *    query shows the registry holds) and never sent twice; one used before for
 *    another request is refused ("not_sent"); one that another job is working
 *    on, on this gate or another, waits for that job's reply (EXEC_WAIT: the
 *    job is set aside without a session and looks again, up to its deadline),
 *    then answers with it;
 *  - without a journal, or without a message_id, a redelivered command with
 *    side effects is refused ("outcome unknown");
 *  - the rate limit is waited for, up to the request's deadline, holding no
 *    session (the tokens are booked and the job set aside until its slot);
 *  - a command that certainly did not reach the registry (XCHG_UNSENT) is
 *    sent on another session, on at most 3 sessions in all, then answered
 *    "not_sent"; a journal claim is released only when the command certainly
 *    never left (not sent, refused unsent, or abandoned before it was sent);
 *  - one that may have reached it (XCHG_LOST) is re-sent once when it has no
 *    side effects; with side effects it is never re-sent: the registry is
 *    asked what it holds (an info query) and the caller told "outcome
 *    unknown", naming the clTRID, with the registry's answer when there was
 *    one. Such a job is never answered "not_sent" or "expired".
 *
 * The runner never opens, re-opens or closes a session: the supervisor does
 * (supervisor.h). exec_step runs a job on a session that is up as far as that
 * session allows and keeps the job's progress in the job (job.h, struct
 * job_run). When the session goes down while the command must still be sent
 * or re-sent, or while the registry must still be asked, it returns
 * EXEC_NEED_SESSION: the caller puts the job back at the head of the queue,
 * and the next exec_step, on whichever session is up then, continues where
 * the job was. When the job must wait for another job's reply, or for its
 * slot in the rate limit, it returns EXEC_WAIT: the caller sets it aside until
 * j->run.wake_ms (jobq_defer), at most until j->run.wait_end_ms.
 *
 * exec_step never waits on the registry: it starts an exchange on the session
 * (session_start) and returns EXEC_PENDING; whoever polls the session's socket
 * hands the exchange's end to exec_exchanged, which goes on from there (and
 * may start the next exchange, the info query after an unknown outcome).
 * exec_run does both for a caller with a thread of its own. The runner blocks
 * only on the journal's statements; it is a function of (env, session, job)
 * and keeps no state of its own.
 *
 * A job that waits longer than its queue allows, or waits while no session can
 * be established (the registry refuses the login, or the TLS handshake for a
 * reason retrying cannot cure), is answered by exec_abandon: the one place that
 * decides what such a job is told and releases its claim.
 *
 * A typed command (domain_*, contact_*, host_*, poll) whose object service or
 * extension the session's login did not ask for (registry_profile.h,
 * rp_command_check) is answered "not_sent" before anything is sent, and before
 * the journal hears of it; the generic epp and xml commands go through.
 */
#ifndef EG_EXEC_H
#define EG_EXEC_H

#include <stdint.h>

#include "config.h"
#include "job.h"
#include "journal.h"
#include "log.h"
#include "ratelimit.h"
#include "session.h"

/* What the runner uses; read-only, shared by the threads that run jobs. */
struct exec_env {
	const struct gate_config *cfg;
	struct journal *journal;       /* NULL: none */
	struct ratelimit *rl;          /* NULL: none */
	struct cltrid_gen *cltrid;
	struct eg_log *log;
};

enum exec_next {
	EXEC_DONE,           /* the job holds its reply */
	EXEC_PENDING,        /* an exchange is under way on the session (session_start): when
	                        session_continue ends it, hand its result to exec_exchanged */
	EXEC_NEED_SESSION,   /* the job needs an up session to go on; its progress is kept */
	EXEC_WAIT,           /* the job waits for another job's reply: set it aside until
	                        j->run.wake_ms, at most until j->run.wait_end_ms */
};

/*
 * Runs the job on s as far as it can. s: a session that is up; NULL or a session that is
 * down lets only what needs no session happen (the checks before sending, answers from the
 * journal), then EXEC_NEED_SESSION. Sets j->session_id to s's id.
 */
enum exec_next exec_step(const struct exec_env *env, struct session *s, struct job *j);

/* What exec_step started on the session when it returned EXEC_PENDING (job_run.exchange). */
enum exec_exchange {
	EXEC_XCHG_NONE,
	EXEC_XCHG_COMMAND,   /* the job's command */
	EXEC_XCHG_ASK,       /* the info query after an unknown outcome */
};

/*
 * Goes on with a job after the exchange exec_step (or an earlier exec_exchanged) started on
 * s ended with r (err: session_continue's), as far as the job goes: what exec_step would
 * have done next had the exchange been waited for. s is the session the exchange ran on.
 */
enum exec_next exec_exchanged(const struct exec_env *env, struct session *s, struct job *j,
    enum xchg r, const struct eg_err *err);

/*
 * Runs exec_step and the exchanges it starts to the end, waiting on the session's socket:
 * for a caller that owns a thread per session. Never EXEC_PENDING.
 */
enum exec_next exec_run(const struct exec_env *env, struct session *s, struct job *j);

/*
 * Answers a job that waited for a session longer than it may (now_ms past its
 * wait_until_ms; waited_ms: the queue's wait, for the message), or at once when why is not
 * NULL: no session can be established, and why says what the registry or the TLS layer
 * refused ("the registry refused the login: 2200 Authentication error"). A job that may
 * have reached the registry is answered "outcome unknown" (naming its clTRID, without the
 * registry's view) or, for a lost query, with the error that lost it; so is one that waited
 * for another job's reply in vain (the other may still send it); any other is answered
 * "expired" when its deadline has passed, else "not_sent" ("not sent: WHY" when why is
 * given), and its journal claim is released.
 */
void exec_abandon(const struct exec_env *env, struct job *j, int64_t now_ms, int waited_ms,
    const char *why);

#endif
