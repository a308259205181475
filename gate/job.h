/* SPDX-License-Identifier: MIT */
/*
 * job.h - one request on its way through the gate:
 *
 *   delivery -> parse + build XML -> exchange on a session -> convert -> reply -> ack
 *
 * Who may touch a job, stage by stage (one owner at a time; a hand-over goes
 * through the job queue's lock, jobq.h):
 *
 *   1. the AMQP thread makes it from a delivery (job_new), builds the command
 *      and hands it to the job queue (jobq_push); from then on it must not
 *      touch it;
 *   2. waiting in the queue, it belongs to the queue: only the queue's
 *      expiry (jobq_expire, with the runner's abandon function) may answer it
 *      there;
 *   3. the dispatcher (dispatch.h, on the AMQP thread; at the stop, a slot
 *      thread of the supervisor) takes it (jobq_take) and runs steps of it on
 *      a session (exec_step, exec_exchanged); between steps the progress lives in
 *      `run`, so that a job whose session went down goes back to the head of
 *      the queue (jobq_requeue, stage 2 again) and continues on another, and a
 *      job that waits for another job's reply is set aside without a session
 *      (jobq_defer, stage 2 again once its pause is over);
 *   4. answered, it is the AMQP thread's again: at once when the dispatcher
 *      answered it (jobq_done), else once collected from the finished list
 *      (jobq_finish, jobq_collect); it publishes the reply, acks the delivery
 *      and frees the job (job_free).
 */
#ifndef EG_JOB_H
#define EG_JOB_H

#include <json-c/json.h>
#include <stdint.h>

#include "cltrid.h"
#include "epp_cmd.h"
#include "err.h"

/* The runner's progress through one job (exec.h), kept in the job so that the job can stop
 * on one session and continue on another. Zero before the first step. */
struct job_run {
	int started;                /* the checks before sending are done (deadline, journal,
	                               redelivery, rate limit) */
	int claimed;                /* holds a journal claim on the request's message_id */
	int marked_sent;            /* the claim is marked sent in the journal */
	int waiting;                /* another job, on this gate or another, holds the
	                               message_id: this one waits for its reply */
	int64_t wake_ms;            /* monotonic: when a waiting job looks again */
	int64_t wait_end_ms;        /* monotonic: when it stops waiting */
	int wait_step_ms;           /* the next pause between looks */
	int unsent_tries;           /* exchanges that certainly did not reach the registry */
	int resent;                 /* a query lost once, to be (or already) sent again */
	int asking;                 /* the outcome is unknown: what is left is to ask the
	                               registry what it holds (an info query), then answer */
	int ask_tries;              /* info queries that did not reach the registry */
	int rated;                  /* the rate limit's tokens are booked (from wake_ms on) */
	int exchange;               /* enum exec_exchange: what is under way on the session */
	char cltrid[CLTRID_MAX + 1];   /* the clTRID an "outcome unknown" names */
	char why[256];              /* what went wrong with the last exchange, for the reply */
};

struct job {
	struct job *next;           /* the list the job is on (queue, finished list) */
	/* from the delivery */
	uint64_t tag;
	unsigned generation;        /* broker connection it came on; acks go to the same one */
	char *reply_to;             /* NULL: processed, logged and acked, not answered */
	char *correlation_id;
	char *message_id;
	int redelivered;
	int64_t received_us;        /* monotonic */
	int64_t deadline_ms;        /* monotonic; -1 when the request gave none (a real one
	                               is never below the clock at receipt: deadline.h) */
	int64_t wait_until_ms;      /* monotonic; set by the job queue: give up waiting for a
	                               session (or, set aside, for another job's reply) */
	int64_t not_before_ms;      /* monotonic; set aside until then (jobq_defer) */
	/* built on the AMQP thread */
	char cmd[48];               /* as requested, for logs and metrics */
	char digest[65];            /* SHA-256 of the request (common/digest.h), for the
	                               journal; "" when not computed */
	struct epp_request req;
	/* progress, where it runs (3. above) */
	struct job_run run;
	/* result */
	char *reply;                /* JSON text (malloc'd) */
	size_t reply_len;
	int code;                   /* EPP result code; 0 when the reply has none (a greeting,
	                               gate_status); -1 for a gate error reply */
	int session_id;             /* session that served it last, -1 if none */
	int sent;                   /* the command was written to the registry: it may have run */
	char error[200];            /* a gate error reply's text, for the log ("" otherwise) */
};

/* A new job with no deadline, no session and no reply. job_free frees it and everything it
 * holds (strings, request, reply); NULL is allowed. */
struct job *job_new(void);
void job_free(struct job *j);

/* The request's identity for the journal: its message_id, or NULL when it has none. Never
 * the correlation_id: clients number those their own way, and two clients' "1" are two
 * requests (README.md, "Requests and replies"). */
const char *job_id(const struct job *j);

/* Sets the reply to the gate error for e (epp_reply.h); code_name adds "code". */
void job_fail(struct job *j, const struct eg_err *e, const char *code_name);

/* Sets the reply to the JSON text of obj (not consumed) and code to code (0: none). */
int job_reply_json(struct job *j, json_object *obj, int code);

/* Sets the reply to a copy of the JSON text[0..len) and code to code (0: none). */
int job_reply_text(struct job *j, const char *text, size_t len, int code);

/* Key used in error replies: a machine-readable reason next to "error". */
#define JOB_OUTCOME_UNKNOWN "outcome_unknown"
#define JOB_NOT_SENT        "not_sent"
#define JOB_EXPIRED         "expired"

#endif
