/*
 * job.h - one request on its way through the gate:
 *
 *   delivery -> parse + build XML -> exchange on a session -> convert -> reply -> ack
 *
 * The AMQP thread makes a job from a delivery and owns it until it submits it
 * to the pool; a session thread then owns it, fills in the reply and hands it
 * back; the AMQP thread publishes the reply, acks the delivery and frees the job.
 */
#ifndef EG_JOB_H
#define EG_JOB_H

#include <json-c/json.h>
#include <stdint.h>

#include "epp_cmd.h"
#include "err.h"

struct job {
	struct job *next;
	/* from the delivery */
	uint64_t tag;
	unsigned generation;        /* broker connection it came on; acks go to the same one */
	char *reply_to;             /* NULL: processed, logged and acked, not answered */
	char *correlation_id;
	char *message_id;
	int redelivered;
	int64_t received_us;        /* monotonic */
	int64_t deadline_ms;        /* monotonic; -1 when the request gave none */
	int64_t wait_until_ms;      /* monotonic; set by the pool: give up waiting for a session */
	/* built on the AMQP thread */
	char cmd[48];               /* as requested, for logs and metrics */
	struct epp_request req;
	/* result */
	char *reply;                /* JSON text (malloc'd) */
	size_t reply_len;
	int code;                   /* EPP result code; 0 when the reply has none (a greeting,
	                               gate_status); -1 for a gate error reply */
	int session_id;             /* session that served it, -1 if none */
	int sent;                   /* the command was written to the registry */
	char error[200];            /* a gate error reply's text, for the log ("" otherwise) */
};

struct job *job_new(void);
void job_free(struct job *j);

/* The request's identity for the journal: message_id, else correlation_id, else NULL. */
const char *job_id(const struct job *j);

/* Sets the reply to the gate error for e (epp_reply.h); code_name adds "code". */
void job_fail(struct job *j, const struct eg_err *e, const char *code_name);

/* Sets the reply to the JSON text of obj (not consumed) and code to code (0: none). */
int job_reply_json(struct job *j, json_object *obj, int code);

/* Key used in error replies: a machine-readable reason next to "error". */
#define JOB_OUTCOME_UNKNOWN "outcome_unknown"
#define JOB_NOT_SENT        "not_sent"
#define JOB_EXPIRED         "expired"

#endif
