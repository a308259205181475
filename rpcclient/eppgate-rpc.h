/* SPDX-License-Identifier: MIT */
/*
 * eppgate-rpc.h - client library for the epp-gate JSON RPC over RabbitMQ.
 *
 * A request {"cmd": NAME, "args": {...}} is published on the gate's queue
 * (default "epp_messages") with a fresh correlation_id and a reply_to naming
 * this context's private reply queue; the gate answers there. The library
 * relies only on what the Python reference gate also does, so it works with
 * either gate.
 *
 *	egrpc_ctx *c = egrpc_connect_config(NULL);	// $RPC_CLIENT_CONF_PATH
 *	egrpc_reply *r = NULL;
 *	if (c == NULL || c->err) ...c->errstr...
 *	switch (egrpc_call_text(c, "domain_check",
 *	    "{\"domains\": [\"example.com\"]}", 0, &r)) {
 *	case EGRPC_OK:   ...r->code, r->msg, r->body...
 *	case EGRPC_EEPP: ...the registry refused: r->code (2xxx), r->msg...
 *	default:         ...c->errstr...
 *	}
 *	egrpc_reply_free(r);
 *	egrpc_free(c);
 *
 * Errors follow hiredis: every context carries err (an EGRPC_E* code, 0 when
 * the last operation succeeded) and errstr (a message for humans; it never
 * contains the broker password).
 *
 * Threads: a context may be used by one thread at a time; the library keeps
 * no global state, so separate contexts in separate threads need no locking.
 * With TLS, a write to a connection the broker has closed can raise SIGPIPE;
 * programs that use TLS should ignore SIGPIPE (the library does not change
 * signal dispositions).
 *
 * Heartbeats: rabbitmq-c services heartbeats only while one of its calls
 * runs, i.e. while this library publishes or waits. A context left idle for
 * more than twice the heartbeat is dropped by the broker; the next call finds
 * that out before publishing and reconnects, so no request is lost that way.
 * egrpc_service() keeps an idle connection alive when called now and then.
 *
 * JSON values are json-c objects (struct json_object). The library does not
 * require its users to link json-c: the *_text functions and the reply's
 * body/code/msg fields are enough. Programs that use the json-c API on
 * replies link json-c themselves (pkg-config json-c).
 */
#ifndef EPPGATE_RPC_H
#define EPPGATE_RPC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define EGRPC_API __attribute__((visibility("default")))
#else
#define EGRPC_API
#endif

struct json_object;

/*
 * Outcome of a request, and the error code of a context. The first four
 * mean a reply arrived; the others mean none did.
 */
enum egrpc_status {
	EGRPC_OK = 0,     /* EPP result 1xxx, or a reply without an EPP result (hello, gate_status) */
	EGRPC_EEPP,       /* EPP result 2xxx: the registry refused; see code and msg */
	EGRPC_EGATE,      /* the gate answered {"error": "..."} */
	EGRPC_EREPLY,     /* a reply arrived but is not JSON or has no usable EPP result */
	EGRPC_ETIMEOUT,   /* no reply in time (outcome unknown if the gate consumed it) */
	EGRPC_EIO,        /* broker unreachable or connection lost; errstr says whether
	                   * the request was sent and whether its outcome is unknown */
	EGRPC_ECONFIG,    /* bad configuration (file, environment or options) */
	EGRPC_EINVAL,     /* bad argument (args not a JSON object, nothing in flight...) */
	EGRPC_ENOMEM      /* out of memory */
};

/* Only err and errstr are public; the rest of the context is private. */
typedef struct egrpc_ctx {
	int err;              /* enum egrpc_status of the last operation */
	char errstr[512];     /* what went wrong, "" after success */
} egrpc_ctx;

/*
 * Connection and behaviour settings. All-zero means: reference-compatible
 * defaults, configuration from the environment (RPC_CLIENT_CONF_PATH, else
 * RPC_CLIENT_CONF JSON text; RPC_CLIENT_HEALTH_FILE). A field that is set
 * overrides the configuration file. Strings are copied by egrpc_connect*().
 * Fields may be appended in later versions; start from egrpc_options_init()
 * or a zeroed struct.
 */
typedef struct egrpc_options {
	const char *config_path;   /* JSON config file (reference format); NULL: environment */
	int no_env;                /* 1: ignore the RPC_CLIENT_* environment variables */

	const char *host;          /* NULL: config "host", else "localhost" */
	int port;                  /* 0: config "port", else 5672 (5671 with TLS) */
	const char *username;      /* NULL: config "username", else "guest" */
	const char *password;      /* NULL: config "password", else "guest" */
	const char *vhost;         /* NULL: "/" */
	const char *queue;         /* NULL: config "queue_name", else "epp_messages" */
	int timeout_ms;            /* default reply timeout; 0: config "timeout", else 30 s */

	int tls;                   /* 1: TLS (amqps) */
	const char *tls_ca_file;   /* PEM CA bundle; NULL: $SSL_CERT_FILE, else the system bundle */
	const char *tls_cert_file; /* client certificate (PEM), optional */
	const char *tls_key_file;  /* its key (PEM, unencrypted) */
	int tls_no_verify;         /* 1: accept any broker certificate (tests only) */

	int heartbeat_s;           /* 0: 30 s; -1: no heartbeats */
	int connect_timeout_ms;    /* 0: 10 s; bounds connect, TLS, login, queue setup */

	const char *health_file;   /* NULL: $RPC_CLIENT_HEALTH_FILE; "" : none */
	int health_wait_ms;        /* pause before the retry; 0: 2000 ms; -1: no pause */

	const char *connection_name; /* shown by the broker; NULL: "libeppgate-rpc" */
} egrpc_options;

/*
 * Settings of one request, for egrpc_submit_with_options() and
 * egrpc_call_with_options(). All-zero (or NULL in place of the struct) is
 * what egrpc_submit() and egrpc_call() do. Strings are copied before the
 * call returns. Fields may be appended in later versions; start from
 * egrpc_call_options_init() or a zeroed struct.
 */
typedef struct egrpc_call_options {
	int timeout_ms;            /* <= 0: the context's default */
	const char *message_id;    /* the request's AMQP message_id: 1-255 bytes, no control
	                            * characters; NULL: a fresh random one (uuid4). Kept when
	                            * the library re-sends the request, and the gate's journal
	                            * knows a request by it: a caller that sends the same
	                            * request again with the same message_id after a timeout
	                            * gets the recorded outcome, not a second execution. */
} egrpc_call_options;

/*
 * A reply, or the failure of a request (status ETIMEOUT/EIO, no body).
 * Everything it points to is owned by it; release with egrpc_reply_free().
 */
typedef struct egrpc_reply {
	uint64_t id;               /* the request's id (egrpc_submit's return value) */
	int status;                /* enum egrpc_status */
	int code;                  /* EPP result code (1000, 2302...), 0 when there is none */
	const char *msg;           /* never NULL: EPP result message, the gate's error, or
	                            * why no reply came */
	const char *cmd;           /* the request's command name */
	const char *body;          /* reply body as received, NUL-terminated; NULL if none */
	size_t len;                /* its length */
	struct json_object *json;  /* the parsed body; NULL if none or not JSON */
} egrpc_reply;

EGRPC_API void egrpc_options_init(egrpc_options *o);

/*
 * Connect. Each returns NULL only when out of memory; otherwise check
 * c->err. A context whose broker could not be reached (EGRPC_EIO) is still
 * usable: the next call connects again. One with a configuration error
 * (EGRPC_ECONFIG) is not; free it.
 * A failed connection attempt is reported in the health file and tried once
 * more after the pause, as for requests (see egrpc_call).
 */
/* Explicit parameters only (port 0: 5672); the environment is not read. */
EGRPC_API egrpc_ctx *egrpc_connect(const char *host, int port, const char *username,
    const char *password);
/* path NULL: $RPC_CLIENT_CONF_PATH, else $RPC_CLIENT_CONF, else defaults. */
EGRPC_API egrpc_ctx *egrpc_connect_config(const char *path);
EGRPC_API egrpc_ctx *egrpc_connect_with_options(const egrpc_options *o);
/* Closes the connection and frees everything, including replies not collected. */
EGRPC_API void egrpc_free(egrpc_ctx *c);

/*
 * Synchronous call: publish {"cmd": cmd, "args": args} and wait at most
 * timeout_ms (<= 0: the context's default) for its reply. args may be NULL
 * (no "args" key) and is neither modified nor taken over (its reference
 * count is raised and lowered while the body is built: do not let another
 * thread use the same object meanwhile); for the _text form it is JSON text
 * of an object (NULL or "" for none).
 *
 * Returns the outcome (enum egrpc_status), also stored in c->err with a
 * message in c->errstr ("EPP 2302: Object exists", "timeout: ..."). When a
 * reply arrived (EGRPC_OK, EEPP, EGATE, EREPLY) and replyp is not NULL,
 * *replyp receives it (free it); otherwise *replyp is set to NULL.
 *
 * Transport failures: a request that certainly did not reach the broker (the
 * connection was found closed before publishing, or publishing failed) is
 * sent on a new connection. If the connection is lost after the request was
 * published and a health file is configured, a line "<error> at <time>" is
 * appended to it; then, only if the command has no side effects (the _check
 * and _info commands, poll_req, hello, gate_status, domain_transfer and
 * contact_transfer with op "query", epp carrying check, info, poll op "req" or
 * transfer op "query"; `epp-codec commands` lists them), the library pauses, reconnects and
 * re-sends the request once, with the same message_id and a fresh timeout.
 * For any other command, raw xml included, the result is EGRPC_EIO with a
 * message saying that the outcome is unknown: a create or renew is never
 * sent twice blindly. Without a health file nothing is re-sent after
 * publishing (as the reference client). A failure to connect is also
 * reported in the health file and tried once more after the pause.
 */
EGRPC_API int egrpc_call(egrpc_ctx *c, const char *cmd, struct json_object *args,
    int timeout_ms, egrpc_reply **replyp);
EGRPC_API int egrpc_call_text(egrpc_ctx *c, const char *cmd, const char *args_json,
    int timeout_ms, egrpc_reply **replyp);

/*
 * Pipelining: submit any number of requests, then collect their outcomes as
 * they arrive. egrpc_submit returns the request's id (> 0), or 0 when it was
 * not sent (c->err says why). Every submitted request is completed exactly
 * once: by its reply, or by a failure (ETIMEOUT at its own deadline, EIO).
 *
 * egrpc_collect returns the next completed request, waiting at most
 * timeout_ms (0: do not wait; < 0: until one completes, which the requests'
 * own deadlines bound). NULL with c->err EGRPC_ETIMEOUT: nothing completed
 * in time; EGRPC_EINVAL: nothing is in flight. Replies to other requests
 * that arrive while egrpc_call waits are kept for egrpc_collect.
 */
EGRPC_API uint64_t egrpc_submit(egrpc_ctx *c, const char *cmd, struct json_object *args,
    int timeout_ms);
EGRPC_API uint64_t egrpc_submit_text(egrpc_ctx *c, const char *cmd, const char *args_json,
    int timeout_ms);
EGRPC_API egrpc_reply *egrpc_collect(egrpc_ctx *c, int timeout_ms);

/*
 * The same with the request's settings in o (NULL: the defaults). The
 * arguments are args when it is not NULL, else the JSON text args_json (NULL
 * or "" for none). A message_id that is empty, longer than 255 bytes or holds
 * a control character is refused with EGRPC_EINVAL before anything is sent.
 */
EGRPC_API void egrpc_call_options_init(egrpc_call_options *o);
EGRPC_API uint64_t egrpc_submit_with_options(egrpc_ctx *c, const char *cmd,
    struct json_object *args, const char *args_json, const egrpc_call_options *o);
EGRPC_API int egrpc_call_with_options(egrpc_ctx *c, const char *cmd, struct json_object *args,
    const char *args_json, const egrpc_call_options *o, egrpc_reply **replyp);
/* Requests submitted and not yet returned by egrpc_collect. */
EGRPC_API size_t egrpc_pending(const egrpc_ctx *c);

/*
 * Processes what the broker sent (heartbeats, replies) without blocking.
 * Call it now and then on an idle context to keep its connection alive.
 * Returns EGRPC_OK, or EGRPC_EIO when the connection was found lost (the
 * next request reconnects).
 */
EGRPC_API int egrpc_service(egrpc_ctx *c);

EGRPC_API void egrpc_reply_free(egrpc_reply *r);

/* "ok", "EPP error result", "gate error", ... for a status code. */
EGRPC_API const char *egrpc_status_str(int status);

/* The library's version, e.g. "1.0.0". */
EGRPC_API const char *egrpc_version(void);

#ifdef __cplusplus
}
#endif

#endif
