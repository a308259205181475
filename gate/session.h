/* SPDX-License-Identifier: MIT */
/*
 * session.h - one EPP session: TLS connection, greeting, login, commands,
 * keepalive, logout (RFC 5730 section 2, RFC 5734).
 *
 * A session is used by one thread at a time (the supervisor gives each session
 * its own thread); every call but session_start and session_continue (which never
 * wait, for an event loop) blocks until its deadline at most. In the gate, only
 * the session supervisor (supervisor.h) opens, re-opens and closes sessions;
 * the job runner (exec.h) exchanges commands on a session that is up and,
 * when it goes down, hands the job back rather than log in itself. A session
 * that may be out of step with the registry (a response that did not come in
 * time, a clTRID mismatch, a broken or garbled stream) is dropped at once and
 * never used again until re-opened.
 *
 * struct session is owned by its caller: session_init sets it up (no I/O),
 * session_clear drops the connection and frees what the session holds, not
 * the struct.
 *
 * A failed open says why (enum session_fail): what may heal by retrying (the
 * registry is out of reach, busy or closing) apart from what cannot (the login is
 * refused, the registry wants a client certificate, its certificate does not
 * verify or names another host), with what to fix for the latter (RELIABILITY.md).
 *
 * What the caller learns from a failed exchange decides what may be retried:
 * XCHG_UNSENT means the command certainly did not reach the registry (the
 * connection was found closed before writing, or the frame could not be
 * written whole, and a registry never executes a partial frame), so it may be
 * sent on a new session; XCHG_LOST means it may have been executed.
 */
#ifndef EG_SESSION_H
#define EG_SESSION_H

#include <pthread.h>
#include <stdint.h>

#include "buf.h"
#include "cltrid.h"
#include "config.h"
#include "epp_resp.h"
#include "err.h"
#include "frame.h"
#include "log.h"
#include "ratelimit.h"
#include "registry_profile.h"
#include "tls.h"

/* The login secrets, shared by all sessions: a password change at login (newPW) must be
 * seen by every later login. */
struct session_creds {
	pthread_mutex_t mu;
	char pw[CFG_SECRET];
	char newpw[CFG_SECRET];
};

struct session;

/* The steps of session_open, in order, for a caller that reports each one as it succeeds
 * (epp-gate --check-config --connect, preflight.h). */
enum session_step {
	SESSION_STEP_TCP,        /* connected */
	SESSION_STEP_TLS,        /* handshake done, certificate verified: s->conn is set */
	SESSION_STEP_GREETING,   /* greeting read and usable: s->login has svID and offer */
	SESSION_STEP_LOGIN,      /* logged in */
};

struct session_watch {
	void (*done)(void *ctx, enum session_step step, const struct session *s);
	void *ctx;
};

/* What every session of a gate shares; read-only while sessions run. */
struct session_env {
	const struct cfg_epp *epp;
	struct tls_ctx *tls;
	struct cltrid_gen *cltrid;
	struct session_creds *creds;
	struct ratelimit *rl;          /* NULL: no rate limit */
	struct eg_log *log;
	const struct session_watch *watch;   /* NULL: nobody watches the steps */
};

struct session {
	int id;
	const struct session_env *env;
	struct tls_conn *conn;
	struct frame_reader rd;
	struct buf out;                /* the frame being written */
	struct eg_xml_parser *parser;  /* kept for every response of this session's thread */
	struct buf reply;              /* the last response as JSON text (xml2json.h) */
	struct epp_facts facts;        /* what the gate reads from it (epp_resp.h) */
	int up;                        /* logged in and in step */
	int64_t last_io_ms;            /* monotonic: last command or keepalive */
	int64_t up_since;              /* wall clock ms, 0 when down */
	int last_code;                 /* result code of the last failed login, 0 otherwise */
	int fail;                      /* enum session_fail of the last failed open */
	struct rp_login login;         /* what the last login offered and negotiated */
	unsigned long commands;        /* answered on this session since start */
	/* The exchange under way (session_start); session.c's own. */
	int xstate;                    /* idle, writing s->out, reading the response */
	short xevents;                 /* what it waits for: POLLIN or POLLOUT */
	int xgreeting;                 /* a <hello/>: the answer must be a greeting */
	int64_t xdeadline;             /* monotonic ms */
	char xcltrid[CLTRID_MAX + 1];  /* the clTRID the response must carry */
};

/*
 * Why an open failed. The values from SESSION_FAIL_PERMANENT on cannot heal by retrying:
 * someone must change the configuration, the certificates or the registry's records
 * (RELIABILITY.md). Names (session_fail_name) are the metrics' and gate_status's reasons.
 */
enum session_fail {
	SESSION_FAIL_NONE,
	SESSION_FAIL_CONNECT,         /* "connect": no TCP connection (refused, unreachable) */
	SESSION_FAIL_TIMEOUT,         /* "timeout": connect, handshake, greeting or login */
	SESSION_FAIL_TLS,             /* "tls": a TLS failure that says nothing more */
	SESSION_FAIL_GREETING,        /* "greeting": none, or not one the gate can use */
	SESSION_FAIL_LOGIN,           /* "login_failed": no usable answer, or 2400 */
	SESSION_FAIL_SESSION_LIMIT,   /* "session_limit": 2502 */
	SESSION_FAIL_CLOSING,         /* "server_closing": 2500 */
	SESSION_FAIL_PERMANENT,
	SESSION_FAIL_LOGIN_REFUSED = SESSION_FAIL_PERMANENT,   /* "login_refused": 2200, 2201,
	                                 2501: the credentials */
	SESSION_FAIL_LOGIN_REJECTED,  /* "login_rejected": another 2xxx: the services,
	                                 version or language asked for */
	SESSION_FAIL_SERVICES,        /* "services": epp.obj_uris leaves no offered service */
	SESSION_FAIL_CERT_REQUIRED,   /* "client_cert_required" */
	SESSION_FAIL_CERT_REFUSED,    /* "client_cert_refused" */
	SESSION_FAIL_SERVER_CERT,     /* "server_cert_untrusted" */
	SESSION_FAIL_SERVER_NAME,     /* "server_name_mismatch" */
	SESSION_FAIL_TLS_REFUSED,     /* "tls_refused": handshake_failure, protocol_version */
	SESSION_FAIL_COUNT
};

const char *session_fail_name(int fail);            /* "" for SESSION_FAIL_NONE */
int session_fail_permanent(int fail);

/* The class of a login answered with code (2000-2999). */
enum session_fail session_fail_of_login(int code);

/* The class of a TLS failure, given whether a client certificate is configured. */
enum session_fail session_fail_of_tls(enum tls_why why, int have_cert);

/* What to fix for a permanent failure, naming the settings (for the log); "" otherwise. */
void session_fail_fix(int fail, const struct cfg_epp *c, char *out, size_t cap);

enum xchg {
	XCHG_PENDING,   /* session_start / session_continue: under way; poll and call again */
	XCHG_OK,        /* s->reply and s->facts hold the converted response (or greeting) */
	XCHG_UNSENT,    /* did not reach the registry; session is down (or never was up) */
	XCHG_LOST,      /* may have been executed; no usable response; session is down */
	XCHG_REFUSED,   /* the command itself cannot be sent (too large); session unchanged */
};

void session_init(struct session *s, int id, const struct session_env *env);
void session_clear(struct session *s);         /* drops without logout; frees the members */

/* Connects, reads the greeting, logs in with what it offers (rp_negotiate; s->login). 0
 * when up; -1 with err set, s->fail saying why and s->last_code the registry's result
 * code when it refused the login (2200, 2501, 2502...). */
int session_open(struct session *s, struct eg_err *err);

/* Logs out (bounded wait) and closes. */
void session_close(struct session *s);

/* Drops the connection without logout (the session is out of step or gone). */
void session_drop(struct session *s, const char *why);

/*
 * Sends one command and waits for its response, at most timeout_ms. cltrid: the clTRID
 * inside xml, checked against the response; NULL for <hello/>, whose answer is a
 * greeting. On XCHG_OK the response is in s->reply (its JSON text, byte for byte what
 * x2j_to_string gives for it) and s->facts (its result code, clTRID, greeting...), both
 * valid until the next exchange on s: copy what is needed. A response with code 2002 or
 * 25xx is returned (XCHG_OK) and the session is dropped after it, as the registry ends it.
 */
enum xchg session_exchange(struct session *s, const char *xml, size_t len,
    const char *cltrid, int timeout_ms, struct eg_err *err);

/*
 * The same exchange without waiting, for the gate's event loop (dispatch.h), which polls
 * every session's socket on one thread. session_start checks that the session is in step
 * and writes what the socket takes of the command's frame now: XCHG_PENDING, XCHG_UNSENT
 * (session dropped) or XCHG_REFUSED as session_exchange (rarely the end itself: below).
 * While XCHG_PENDING, the caller polls session_fd for session_events and calls
 * session_continue when the socket is ready or session_deadline has come (now_ms at or
 * past it: the exchange ends XCHG_UNSENT when the frame was not written whole, XCHG_LOST
 * when it was); it returns XCHG_PENDING until the exchange ends with what session_exchange
 * would have returned. The command's text and cltrid are copied: the caller may free them
 * once session_start returns. One exchange at a time on a session; session_drop abandons
 * one under way.
 *
 * Neither call waits: each writes and reads until the socket would block, so that bytes
 * OpenSSL already holds are read before the caller polls again (poll does not see them).
 * What the socket has at the deadline still counts: the exchange ends at the deadline only
 * when it would have to wait. Should OpenSSL hold the response as soon as the frame is
 * written (it read while writing), session_start reads it and returns the exchange's end
 * (XCHG_OK or XCHG_LOST) itself: a caller handles session_start's result as it does
 * session_continue's. XCHG_REFUSED also comes from session_start while an exchange is under
 * way on s, and for a cltrid longer than CLTRID_MAX (RFC 5730 trIDStringType: 3-64
 * characters). session_continue without an exchange under way (never started, or abandoned
 * by session_drop) returns XCHG_LOST: it cannot say that nothing went out.
 */
enum xchg session_start(struct session *s, const char *xml, size_t len, const char *cltrid,
    int timeout_ms, struct eg_err *err);
enum xchg session_continue(struct session *s, int64_t now_ms, struct eg_err *err);
/* Waits (poll) for the exchange under way to end: what session_continue ended it with. */
enum xchg session_wait(struct session *s, struct eg_err *err);
int session_busy(const struct session *s);          /* an exchange is under way */
int session_fd(const struct session *s);            /* -1 when no connection */
short session_events(const struct session *s);      /* POLLIN / POLLOUT; 0 when not busy */
int64_t session_deadline(const struct session *s);  /* monotonic ms; -1 when not busy */

/* Keepalive: <hello/> when idle for keepalive_s. 0 ok (or not due), -1 session dropped. */
int session_keepalive(struct session *s, struct eg_err *err);

/* Milliseconds until a keepalive is due (0 = now), or -1 when keepalive is off. */
int64_t session_keepalive_in(const struct session *s);

#endif
