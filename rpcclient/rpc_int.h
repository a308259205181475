/* SPDX-License-Identifier: MIT */
/*
 * rpc_int.h - the client library's internal interfaces (not installed).
 *
 *   conf.c     configuration: defaults < JSON config (file or environment) < options
 *   msg.c      requests and replies as bytes: ids, body, AMQP properties,
 *              reply classification; pure, tested without a broker
 *   pending.c  the requests in flight (by correlation id and by deadline) and
 *              the replies not yet collected; pure, tested without a broker
 *   ctx.c      the context and the public calls: the connection (connect,
 *              consume, publish, losing it), waiting, the health file
 *
 * The client shares two pieces with the gate (compiled into the library with
 * hidden visibility): common/cmdinfo (which commands may be sent again) and
 * common/healthline (the health file's line).
 *
 * Internal names start with rpcc_ so that programs linking the static
 * library next to other code meet no clashes.
 */
#ifndef RPC_INT_H
#define RPC_INT_H

#include <stddef.h>
#include <stdint.h>

#include <amqp.h>

#include "eppgate-rpc.h"

#define RPCC_DEFAULT_QUEUE      "epp_messages"
#define RPCC_DEFAULT_TIMEOUT_MS 30000      /* the reference client's default */
#define RPCC_MAX_TIMEOUT_MS     86400000   /* a day: keeps ms arithmetic far from overflow */
#define RPCC_DEFAULT_HEARTBEAT  30
#define RPCC_DEFAULT_CONNECT_MS 10000
#define RPCC_DEFAULT_HEALTH_MS  2000       /* the reference pauses 2 s */
#define RPCC_CONF_MAX           (1024 * 1024)
#define RPCC_ID_LEN             36         /* 8-4-4-4-12 hex */
#define RPCC_MSGID_MAX          255        /* an AMQP short string; the gate keeps as much */

/* ---- conf.c ------------------------------------------------------------ */

struct rpcc_conf {
	char *host;
	int port;
	char *username;
	char *password;
	char *vhost;
	char *queue;
	int timeout_ms;
	int tls;
	char *ca_file;
	char *cert_file;
	char *key_file;
	int verify;
	int heartbeat_s;            /* 0: none */
	int connect_timeout_ms;
	char *health_file;          /* NULL: none */
	int health_wait_ms;
	char *conn_name;
};

/*
 * Fields of the reference's JSON config, as parsed (have_* say which were
 * present and not null). Strings are owned.
 */
struct rpcc_jconf {
	int have_host, have_port, have_username, have_password, have_timeout, have_queue;
	char *host;
	int port;
	char *username;
	char *password;
	int timeout_ms;
	char *queue;
};

/* Parses JSON config text; source names it in messages. 0 or -1 with err set. */
int rpcc_jconf_parse(struct rpcc_jconf *j, const char *text, size_t len, const char *source,
    char *err, size_t errlen);
/* Reads and parses a config file. */
int rpcc_jconf_file(struct rpcc_jconf *j, const char *path, char *err, size_t errlen);
void rpcc_jconf_clear(struct rpcc_jconf *j);

/* Builds the effective configuration from o (NULL: all defaults). */
int rpcc_conf_load(struct rpcc_conf *cf, const egrpc_options *o, char *err, size_t errlen);
void rpcc_conf_clear(struct rpcc_conf *cf);

/* ---- msg.c ------------------------------------------------------------- */

struct rpcc_reply;

/* A request in flight. Owned by the context until completed. */
struct rpcc_req {
	uint64_t id;
	char corr_id[RPCC_ID_LEN + 1];   /* fresh per call, kept when re-sent */
	char msg_id[RPCC_MSGID_MAX + 1]; /* kept when re-sent: lets a consumer spot a repeat;
	                                  * a uuid4 unless the caller chose it */
	char *cmd;
	char *body;                      /* {"cmd": ..., "args": ...} */
	size_t len;
	int timeout_ms;
	int64_t deadline;                /* CLOCK_MONOTONIC ms; set by rpcc_pending_add() */
	int safe;                        /* cmdinfo_retry_safe(): may be re-sent after a loss */
	int sent;                        /* published at least once */
	int sends;                       /* times published */
	uint32_t hash;                   /* of corr_id, for the table */
	struct rpcc_req *prev, *next;    /* the table's list, by deadline */
	struct rpcc_reply *reply;        /* allocated up front, so completing cannot fail */
};

/* Fills out with a random (version 4) UUID. 0, or -1 with errno set. */
int rpcc_uuid4(char out[RPCC_ID_LEN + 1]);

/*
 * New request: validates cmd and args, builds the body, draws its ids.
 * args_text is used when args is NULL. Returns NULL with *status and err set.
 */
struct rpcc_req *rpcc_req_new(uint64_t id, const char *cmd, struct json_object *args,
    const char *args_text, int timeout_ms, int *status, char *err, size_t errlen);
void rpcc_req_free(struct rpcc_req *r);

/* Replaces r's message_id by the caller's: 1-RPCC_MSGID_MAX bytes, no control characters.
 * EGRPC_OK, or EGRPC_EINVAL with err set. */
int rpcc_req_set_msg_id(struct rpcc_req *r, const char *id, char *err, size_t errlen);

/* The AMQP properties of a request, with their storage (no allocation). */
struct rpcc_props {
	amqp_basic_properties_t p;
	amqp_table_entry_t headers[1];
	char expiration[24];
};

/*
 * Properties for publishing r now: reply_to, correlation_id, message_id,
 * expiration = timeout, header x-deadline = wall_ms + timeout (epoch ms).
 * pp must outlive the publish; r and reply_to too.
 */
void rpcc_req_props(const struct rpcc_req *r, const char *reply_to, int64_t wall_ms,
    struct rpcc_props *pp);

/* What a reply body means. */
struct rpcc_result {
	int status;                  /* EGRPC_OK, EEPP, EGATE or EREPLY */
	int code;
	char *msg;                   /* owned, never NULL after success */
	struct json_object *json;    /* owned, NULL when not JSON */
};

/* Classifies a reply body. 0, or -1 when out of memory. */
int rpcc_classify(const char *body, size_t len, struct rpcc_result *res);
void rpcc_result_clear(struct rpcc_result *res);

/* ---- pending.c ---------------------------------------------------------- */

/*
 * The requests in flight and the replies not yet collected. Each request is
 * completed exactly once, by its reply, at its deadline or by a failure: it
 * then leaves the table (freed) and its reply, or the error, joins the ready
 * queue. Replies whose correlation id is not in the table (foreign, late,
 * repeated) change nothing. No I/O, no clock: times are passed in.
 * All-zero is an empty table.
 */
struct rpcc_pending {
	struct rpcc_req *head, *tail;       /* in flight, earliest deadline first */
	struct rpcc_req **tab;              /* in flight by correlation id; open addressing */
	size_t tabcap, n;                   /* n: requests in flight */
	struct rpcc_reply *rhead, *rtail;   /* completed, not yet collected, in order */
	size_t nready;
};

/* Frees every request in flight and every reply not collected; the table is empty after. */
void rpcc_pending_clear(struct rpcc_pending *p);

/* Makes room for r before it is sent: its reply (allocated now, so that completing
 * cannot fail) and a slot. 0, or -1 when out of memory. */
int rpcc_pending_prepare(struct rpcc_pending *p, struct rpcc_req *r);

/* Adds r, prepared, with its deadline (monotonic ms). The table owns it from now on. */
void rpcc_pending_add(struct rpcc_pending *p, struct rpcc_req *r, int64_t deadline);

/* The request in flight with this correlation id, or NULL. */
struct rpcc_req *rpcc_pending_find(const struct rpcc_pending *p, const void *corr_id,
    size_t len);

/* A reply body arrived with this correlation id: completes the request with what the
 * body means. 1 when it did, 0 when no request in flight has the id. */
int rpcc_pending_reply(struct rpcc_pending *p, const void *corr_id, size_t idlen,
    const char *body, size_t len);

/* Completes r (in flight) with an error status and message. */
void rpcc_pending_fail(struct rpcc_pending *p, struct rpcc_req *r, int status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Completes every request whose deadline is at or before now with EGRPC_ETIMEOUT;
 * returns how many. */
size_t rpcc_pending_expire(struct rpcc_pending *p, int64_t now);

/* The earliest deadline in flight, or INT64_MAX when none. */
int64_t rpcc_pending_next_deadline(const struct rpcc_pending *p);

/* Before sending again: every request in flight that was sent gets the whole timeout
 * again from now (as in the reference), in deadline order. */
void rpcc_pending_renew(struct rpcc_pending *p, int64_t now);

/* Takes a completed request's reply: request id's, or the oldest for id 0. NULL if none. */
egrpc_reply *rpcc_pending_take(struct rpcc_pending *p, uint64_t id);

/* ---- shared helpers ------------------------------------------------------ */

int64_t rpcc_mono_ms(void);
int64_t rpcc_wall_ms(void);
/* snprintf that never fails the caller: truncates quietly. */
void rpcc_fmt(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
