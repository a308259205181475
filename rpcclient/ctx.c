/* SPDX-License-Identifier: MIT */
/*
 * ctx.c - the client context and its public calls: one AMQP connection with
 * one channel and a private reply queue, what the broker sends, losing the
 * connection, the health file. The requests in flight are pending.c's.
 *
 * Waiting happens in one place, pump(), which blocks in the socket
 * (amqp_consume_message with a timeout) until the earliest deadline of the
 * caller and of the requests in flight: the client uses no CPU while it waits.
 */
#include "rpc_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>

#include "healthline.h"

#define CHANNEL          1
#define CLOSE_TIMEOUT_MS 1000     /* a polite close must not hold up egrpc_free() */
#define DRAIN_MAX        100000   /* frames read by one non-blocking drain */
#define WHY_LEN          300

#ifndef EPPGATE_VERSION
#define EPPGATE_VERSION "unknown"
#endif

struct rpcc_ctx {
	egrpc_ctx pub;              /* first: egrpc_ctx * and struct rpcc_ctx * convert */
	struct rpcc_conf cf;
	int configured;             /* 0: the configuration failed, nothing else works */
	amqp_connection_state_t conn;   /* NULL while disconnected */
	char *reply_queue;
	uint64_t last_id;
	struct rpcc_pending pend;   /* requests in flight, replies not yet collected */
	char health_note[128];      /* why the health file could not be written, or "" */
	char lost_why[WHY_LEN];     /* the last connection loss, for egrpc_service() */
};

static void lost(struct rpcc_ctx *, const char *);

static struct rpcc_ctx *
ctx_of(egrpc_ctx *pc)
{
	return (struct rpcc_ctx *)pc;
}

static int
set_err(struct rpcc_ctx *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
set_err(struct rpcc_ctx *c, int code, const char *fmt, ...)
{
	va_list ap;

	c->pub.err = code;
	va_start(ap, fmt);
	vsnprintf(c->pub.errstr, sizeof(c->pub.errstr), fmt, ap);
	va_end(ap);
	return code;
}

static void
clear_err(struct rpcc_ctx *c)
{
	c->pub.err = EGRPC_OK;
	c->pub.errstr[0] = '\0';
}

static void
ms_to_tv(int64_t ms, struct timeval *tv)
{
	if (ms < 0)
		ms = 0;
	if (ms > RPCC_MAX_TIMEOUT_MS)
		ms = RPCC_MAX_TIMEOUT_MS;
	tv->tv_sec = (time_t)(ms / 1000);
	tv->tv_usec = (suseconds_t)(ms % 1000) * 1000;
}

/* Completes every request whose deadline has passed. */
static void
expire(struct rpcc_ctx *c)
{
	rpcc_pending_expire(&c->pend, rpcc_mono_ms());
}

/* ---- health file -------------------------------------------------------- */

/* Appends "<why> at <asctime>" like the reference (common/healthline.h). */
static void
health_mark(struct rpcc_ctx *c, const char *why)
{
	char line[WHY_LEN + 64];
	size_t len;
	ssize_t n;
	int fd;

	if (c->cf.health_file == NULL)
		return;
	len = healthline_format(line, sizeof(line), why, time(NULL));
	c->health_note[0] = '\0';
	/* O_APPEND and one write: lines from several processes do not interleave. */
	fd = open(c->cf.health_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		rpcc_fmt(c->health_note, sizeof(c->health_note), " (health file %s: %s)",
		    c->cf.health_file, strerror(errno));
		return;
	}
	do
		n = write(fd, line, len);
	while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != len)
		rpcc_fmt(c->health_note, sizeof(c->health_note), " (health file %s: %s)",
		    c->cf.health_file, n < 0 ? strerror(errno) : "short write");
	close(fd);
}

static void
sleep_ms(int ms)
{
	int64_t end = rpcc_mono_ms() + ms, left;
	struct timespec ts;

	while ((left = end - rpcc_mono_ms()) > 0) {
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
}

/* With a health file: report why, and give whoever watches it time to act. 1 if so. */
static int
health_pause(struct rpcc_ctx *c, const char *why)
{
	if (c->cf.health_file == NULL)
		return 0;
	health_mark(c, why);
	sleep_ms(c->cf.health_wait_ms);
	return 1;
}

/* ---- the connection ------------------------------------------------------ */

static void
rpc_text(amqp_rpc_reply_t rr, char *buf, size_t n)
{
	switch (rr.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		rpcc_fmt(buf, n, "ok");
		break;
	case AMQP_RESPONSE_NONE:
		rpcc_fmt(buf, n, "no reply from the broker");
		break;
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		rpcc_fmt(buf, n, "%s", amqp_error_string2(rr.library_error));
		break;
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (rr.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			const amqp_connection_close_t *m = rr.reply.decoded;

			rpcc_fmt(buf, n, "the broker closed the connection: %u %.*s", m->reply_code,
			    (int)m->reply_text.len, (const char *)m->reply_text.bytes);
		} else if (rr.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
			const amqp_channel_close_t *m = rr.reply.decoded;

			rpcc_fmt(buf, n, "the broker closed the channel: %u %.*s", m->reply_code,
			    (int)m->reply_text.len, (const char *)m->reply_text.bytes);
		} else {
			rpcc_fmt(buf, n, "unexpected broker method 0x%08x", rr.reply.id);
		}
		break;
	}
}

static void
conn_drop(struct rpcc_ctx *c, int polite)
{
	struct timeval tv;

	if (c->conn == NULL)
		return;
	if (polite) {
		ms_to_tv(CLOSE_TIMEOUT_MS, &tv);
		amqp_set_rpc_timeout(c->conn, &tv);
		amqp_connection_close(c->conn, AMQP_REPLY_SUCCESS);
	}
	amqp_destroy_connection(c->conn);
	c->conn = NULL;
	free(c->reply_queue);
	c->reply_queue = NULL;
}

static void
str_entry(amqp_table_entry_t *e, const char *key, const char *value)
{
	e->key = amqp_cstring_bytes(key);
	e->value.kind = AMQP_FIELD_KIND_UTF8;
	e->value.value.bytes = amqp_cstring_bytes(value);
}

static int
conn_open(struct rpcc_ctx *c, char *why, size_t n)
{
	const struct rpcc_conf *cf = &c->cf;
	amqp_connection_state_t conn;
	amqp_socket_t *sock;
	amqp_rpc_reply_t rr;
	amqp_queue_declare_ok_t *qd;
	amqp_table_entry_t props[3];
	amqp_table_t ptab;
	struct timeval tv;
	char what[WHY_LEN];
	int st, saved, rc = -1;

	if ((conn = amqp_new_connection()) == NULL) {
		rpcc_fmt(why, n, "out of memory");
		return -1;
	}
	if (cf->tls) {
		if ((sock = amqp_ssl_socket_new(conn)) == NULL) {
			rpcc_fmt(why, n, "cannot create a TLS socket");
			goto out;
		}
		amqp_ssl_socket_set_verify_peer(sock, cf->verify);
		amqp_ssl_socket_set_verify_hostname(sock, cf->verify);
		if (amqp_ssl_socket_set_cacert(sock, cf->ca_file) != AMQP_STATUS_OK) {
			rpcc_fmt(why, n, "cannot load the TLS CA file %s", cf->ca_file);
			goto out;
		}
		if (cf->cert_file != NULL &&
		    amqp_ssl_socket_set_key(sock, cf->cert_file, cf->key_file) != AMQP_STATUS_OK) {
			rpcc_fmt(why, n, "cannot load the TLS client certificate %s or its key %s",
			    cf->cert_file, cf->key_file);
			goto out;
		}
	} else if ((sock = amqp_tcp_socket_new(conn)) == NULL) {
		rpcc_fmt(why, n, "cannot create a socket");
		goto out;
	}
	ms_to_tv(cf->connect_timeout_ms, &tv);
	errno = 0;
	if ((st = amqp_socket_open_noblock(sock, cf->host, cf->port, &tv)) != AMQP_STATUS_OK) {
		saved = errno;
		what[0] = '\0';
		/* rabbitmq-c says "a socket error occurred"; errno may say which, unless it
		 * only tells of the non-blocking connect. */
		if (st == AMQP_STATUS_SOCKET_ERROR && saved != 0 && saved != EINPROGRESS &&
		    saved != EAGAIN)
			rpcc_fmt(what, sizeof(what), " (%s)", strerror(saved));
		else if (st == AMQP_STATUS_SSL_PEER_VERIFY_FAILED ||
		    st == AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED)
			rpcc_fmt(what, sizeof(what), " (is its certificate issued by the CA in %s "
			    "and for the name %s?)", cf->ca_file, cf->host);
		rpcc_fmt(why, n, "cannot connect to the broker at %s:%d: %s%s", cf->host, cf->port,
		    amqp_error_string2(st), what);
		goto out;
	}
	/* Every step of the setup is bounded: a broker that accepts and stalls is a failure. */
	amqp_set_handshake_timeout(conn, &tv);
	amqp_set_rpc_timeout(conn, &tv);
	str_entry(&props[0], "connection_name", cf->conn_name);
	str_entry(&props[1], "product", "libeppgate-rpc");
	str_entry(&props[2], "version", EPPGATE_VERSION);
	ptab.num_entries = 3;
	ptab.entries = props;
	rr = amqp_login_with_properties(conn, cf->vhost, 0, AMQP_DEFAULT_FRAME_SIZE,
	    cf->heartbeat_s, &ptab, AMQP_SASL_METHOD_PLAIN, cf->username, cf->password);
	if (rr.reply_type != AMQP_RESPONSE_NORMAL) {
		rpc_text(rr, what, sizeof(what));
		rpcc_fmt(why, n, "login to the broker at %s:%d as '%s' failed: %s", cf->host,
		    cf->port, cf->username, what);
		goto out;
	}
	amqp_channel_open(conn, CHANNEL);
	if ((rr = amqp_get_rpc_reply(conn)).reply_type != AMQP_RESPONSE_NORMAL) {
		rpc_text(rr, what, sizeof(what));
		rpcc_fmt(why, n, "cannot open a channel: %s", what);
		goto out;
	}
	/* Server-named, exclusive, auto-delete: private to this connection and gone with it. */
	qd = amqp_queue_declare(conn, CHANNEL, amqp_empty_bytes, 0, 0, 1, 1, amqp_empty_table);
	if ((rr = amqp_get_rpc_reply(conn)).reply_type != AMQP_RESPONSE_NORMAL || qd == NULL) {
		rpc_text(rr, what, sizeof(what));
		rpcc_fmt(why, n, "cannot declare the reply queue: %s", what);
		goto out;
	}
	if ((c->reply_queue = malloc(qd->queue.len + 1)) == NULL) {
		rpcc_fmt(why, n, "out of memory");
		goto out;
	}
	memcpy(c->reply_queue, qd->queue.bytes, qd->queue.len);
	c->reply_queue[qd->queue.len] = '\0';
	/* Consume before the first publish so that no reply can come unseen; no-ack: a
	 * reply is wanted once, and a lost one is a timeout anyway. */
	amqp_basic_consume(conn, CHANNEL, qd->queue, amqp_empty_bytes, 0, 1, 1, amqp_empty_table);
	if ((rr = amqp_get_rpc_reply(conn)).reply_type != AMQP_RESPONSE_NORMAL) {
		rpc_text(rr, what, sizeof(what));
		rpcc_fmt(why, n, "cannot consume from the reply queue: %s", what);
		goto out;
	}
	c->conn = conn;
	conn = NULL;
	rc = 0;
out:
	if (conn != NULL) {
		amqp_destroy_connection(conn);
		free(c->reply_queue);
		c->reply_queue = NULL;
	}
	return rc;
}

static int
publish(struct rpcc_ctx *c, struct rpcc_req *r, char *why, size_t n)
{
	struct rpcc_props pp;
	amqp_bytes_t body;
	int st;

	rpcc_req_props(r, c->reply_queue, rpcc_wall_ms(), &pp);
	body.len = r->len;
	body.bytes = r->body;
	/* Mandatory: without a queue of that name the broker returns the request at once
	 * instead of dropping it, so the caller need not wait for the timeout. */
	st = amqp_basic_publish(c->conn, CHANNEL, amqp_empty_bytes, amqp_cstring_bytes(c->cf.queue),
	    1, 0, &pp.p, body);
	if (st != AMQP_STATUS_OK) {
		rpcc_fmt(why, n, "publishing failed: %s", amqp_error_string2(st));
		return -1;
	}
	r->sent = 1;
	r->sends++;
	return 0;
}

/* ---- what the broker sends ----------------------------------------------- */

static void
on_reply(struct rpcc_ctx *c, const amqp_envelope_t *env)
{
	const amqp_basic_properties_t *p = &env->message.properties;

	/* Foreign ids, and late replies to requests already completed, change nothing. */
	if (p->_flags & AMQP_BASIC_CORRELATION_ID_FLAG)
		rpcc_pending_reply(&c->pend, p->correlation_id.bytes, p->correlation_id.len,
		    env->message.body.bytes, env->message.body.len);
}

static void
on_return(struct rpcc_ctx *c, const amqp_frame_t *f)
{
	const amqp_basic_return_t *m = f->payload.method.decoded;
	const amqp_basic_properties_t *p;
	amqp_message_t msg;
	amqp_rpc_reply_t rr;
	struct rpcc_req *r;
	char why[WHY_LEN];

	rr = amqp_read_message(c->conn, f->channel, &msg, 0);
	if (rr.reply_type != AMQP_RESPONSE_NORMAL) {
		rpc_text(rr, why, sizeof(why));
		lost(c, why);
		return;
	}
	p = &msg.properties;
	if ((p->_flags & AMQP_BASIC_CORRELATION_ID_FLAG) &&
	    (r = rpcc_pending_find(&c->pend, p->correlation_id.bytes,
	    p->correlation_id.len)) != NULL) {
		rpcc_fmt(why, sizeof(why), "the broker returned '%s' (%u %.*s): no queue named '%s' "
		    "(is the gate running?); it was not executed", r->cmd, m->reply_code,
		    (int)m->reply_text.len, (const char *)m->reply_text.bytes, c->cf.queue);
		health_mark(c, why);
		rpcc_pending_fail(&c->pend, r, EGRPC_EIO, "%s%s", why, c->health_note);
	}
	amqp_destroy_message(&msg);
}

/* amqp_consume_message() met another method: read it and act. */
static void
on_frame(struct rpcc_ctx *c)
{
	amqp_frame_t f;
	struct timeval tv;
	char why[WHY_LEN];
	int st;

	/* The frame is already buffered; the timeout only guards against surprises. */
	ms_to_tv(1000, &tv);
	if ((st = amqp_simple_wait_frame_noblock(c->conn, &f, &tv)) != AMQP_STATUS_OK) {
		rpcc_fmt(why, sizeof(why), "%s", amqp_error_string2(st));
		lost(c, why);
		return;
	}
	if (f.frame_type != AMQP_FRAME_METHOD)
		return;
	switch (f.payload.method.id) {
	case AMQP_BASIC_RETURN_METHOD:
		on_return(c, &f);
		break;
	case AMQP_CONNECTION_CLOSE_METHOD: {
		const amqp_connection_close_t *m = f.payload.method.decoded;
		amqp_connection_close_ok_t ok = { 0 };

		rpcc_fmt(why, sizeof(why), "the broker closed the connection: %u %.*s",
		    m->reply_code, (int)m->reply_text.len, (const char *)m->reply_text.bytes);
		amqp_send_method(c->conn, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
		lost(c, why);
		break;
	}
	case AMQP_CHANNEL_CLOSE_METHOD: {
		const amqp_channel_close_t *m = f.payload.method.decoded;
		amqp_channel_close_ok_t ok = { 0 };

		rpcc_fmt(why, sizeof(why), "the broker closed the channel: %u %.*s",
		    m->reply_code, (int)m->reply_text.len, (const char *)m->reply_text.bytes);
		amqp_send_method(c->conn, f.channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
		lost(c, why);
		break;
	}
	case AMQP_BASIC_CANCEL_METHOD:
		lost(c, "the broker cancelled the reply consumer (reply queue deleted?)");
		break;
	default:
		break;
	}
}

/*
 * Reads one thing from the broker, waiting at most tv, and acts on it.
 * Returns 1 when something was handled, 0 when nothing came in time, -1
 * when the connection was found lost (lost() has dealt with it).
 */
static int
consume(struct rpcc_ctx *c, const struct timeval *tv)
{
	amqp_envelope_t env;
	amqp_rpc_reply_t rr;
	char why[WHY_LEN];

	amqp_maybe_release_buffers(c->conn);
	rr = amqp_consume_message(c->conn, &env, tv, 0);
	if (rr.reply_type == AMQP_RESPONSE_NORMAL) {
		on_reply(c, &env);
		amqp_destroy_envelope(&env);
		return 1;
	}
	if (rr.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
		if (rr.library_error == AMQP_STATUS_TIMEOUT)
			return 0;
		if (rr.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
			on_frame(c);
			return c->conn != NULL ? 1 : -1;
		}
	}
	rpc_text(rr, why, sizeof(why));
	lost(c, why);
	return -1;
}

/*
 * Waits once for something from the broker: at most until `until` and the
 * earliest request deadline (monotonic ms), blocking in poll() inside
 * rabbitmq-c, which also services heartbeats meanwhile.
 */
static void
pump(struct rpcc_ctx *c, int64_t until)
{
	struct timeval tv;
	int64_t now;

	if (c->conn == NULL) {
		/* Not reached (lost() leaves nothing pending without a connection); never spin. */
		while (c->pend.head != NULL)
			rpcc_pending_fail(&c->pend, c->pend.head, EGRPC_EIO,
			    "not connected to the broker");
		return;
	}
	if (rpcc_pending_next_deadline(&c->pend) < until)
		until = rpcc_pending_next_deadline(&c->pend);
	now = rpcc_mono_ms();
	ms_to_tv(until > now ? until - now : 0, &tv);
	consume(c, &tv);
}

/* Handles everything already received, without waiting. */
static void
drain(struct rpcc_ctx *c)
{
	struct timeval zero = { 0, 0 };
	int i;

	for (i = 0; i < DRAIN_MAX && c->conn != NULL; i++)
		if (consume(c, &zero) <= 0)
			return;
}

/* Whether a request in flight is published (again) on a new connection. */
static int
resend(const struct rpcc_req *r, int retry)
{
	return !r->sent || (retry && r->safe && r->sends < 2);
}

/*
 * The connection is gone. Requests that certainly never reached the broker
 * (publishing failed) are published on a new connection. Requests that may
 * have reached it are re-sent once only when a health file is configured and
 * the command has no side effects (the reference's retry, made safe; the
 * command table common/cmdinfo.h says which); the others fail with an error
 * that says their outcome is unknown.
 */
static void
lost(struct rpcc_ctx *c, const char *why_in)
{
	struct rpcc_pending *p = &c->pend;
	struct rpcc_req *r, *next;
	char why[WHY_LEN], again[WHY_LEN];
	int retry, need = 0;

	/* Copied: why_in may live in a buffer that what follows overwrites. */
	rpcc_fmt(why, sizeof(why), "%s", why_in);
	rpcc_fmt(c->lost_why, sizeof(c->lost_why), "%s", why);
	conn_drop(c, 0);
	if (p->n == 0)
		return;
	c->health_note[0] = '\0';
	/* The health file is what allows a retry (the reference's rule). */
	retry = c->cf.health_file != NULL;
	health_mark(c, why);
	for (r = p->head; r != NULL; r = r->next)
		need |= resend(r, retry);
	/* Pause only for a retry: it gives whoever watches the health file time to act. */
	if (need && retry)
		sleep_ms(c->cf.health_wait_ms);
	if (need && conn_open(c, again, sizeof(again)) != 0) {
		while ((r = p->head) != NULL) {
			if (r->sent)
				rpcc_pending_fail(p, r, EGRPC_EIO, "connection to the broker lost "
				    "while waiting for the reply to '%s' (%s); reconnecting failed "
				    "(%s): outcome unknown%s", r->cmd, why, again, c->health_note);
			else
				rpcc_pending_fail(p, r, EGRPC_EIO, "cannot reach the broker (%s; then "
				    "%s): '%s' was not sent%s", why, again, r->cmd, c->health_note);
		}
		return;
	}
	for (r = p->head; r != NULL; r = next) {
		next = r->next;
		if (!resend(r, retry))
			rpcc_pending_fail(p, r, EGRPC_EIO, "connection to the broker lost while "
			    "waiting for the reply to '%s' (%s): outcome unknown; not sent again: "
			    "%s%s", r->cmd, why, !r->safe ? "the command has side effects" : !retry ?
			    "no health file is configured" : "it was re-sent once already",
			    c->health_note);
	}
	/* What is left goes out again, each with a fresh timeout, as in the reference. */
	rpcc_pending_renew(p, rpcc_mono_ms());
	for (r = p->head; r != NULL; r = r->next)
		if (publish(c, r, again, sizeof(again)) != 0)
			break;
	if (r != NULL) {
		/* Whatever went out on the new connection is as uncertain as the rest. */
		conn_drop(c, 0);
		while ((r = p->head) != NULL)
			rpcc_pending_fail(p, r, EGRPC_EIO, "connection to the broker lost (%s), and "
			    "again after reconnecting (%s): outcome of '%s' unknown%s", why, again,
			    r->cmd, c->health_note);
	}
}

/*
 * Before publishing: read what arrived while we were away, which also shows
 * a connection the broker closed meanwhile (restart, missed heartbeats), so
 * that a request is never published into a dead connection when we could
 * know better. Then connect if needed; with a health file, a failed attempt
 * is reported and tried once more after the pause.
 */
static int
ensure_connected(struct rpcc_ctx *c)
{
	char why[WHY_LEN];

	if (c->conn != NULL)
		drain(c);
	if (c->conn != NULL)
		return 0;
	if (conn_open(c, why, sizeof(why)) == 0)
		return 0;
	c->health_note[0] = '\0';
	if (health_pause(c, why) && conn_open(c, why, sizeof(why)) == 0)
		return 0;
	set_err(c, EGRPC_EIO, "%s%s", why, c->health_note);
	return -1;
}

/* ---- public interface ---------------------------------------------------- */

egrpc_ctx *
egrpc_connect_with_options(const egrpc_options *o)
{
	struct rpcc_ctx *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (rpcc_conf_load(&c->cf, o, c->pub.errstr, sizeof(c->pub.errstr)) != 0) {
		c->pub.err = strcmp(c->pub.errstr, "out of memory") == 0 ? EGRPC_ENOMEM :
		    EGRPC_ECONFIG;
		return &c->pub;
	}
	c->configured = 1;
	if (ensure_connected(c) == 0)
		clear_err(c);
	return &c->pub;
}

egrpc_ctx *
egrpc_connect(const char *host, int port, const char *username, const char *password)
{
	egrpc_options o;

	egrpc_options_init(&o);
	o.no_env = 1;
	o.host = host;
	o.port = port;
	o.username = username;
	o.password = password;
	return egrpc_connect_with_options(&o);
}

egrpc_ctx *
egrpc_connect_config(const char *path)
{
	egrpc_options o;

	egrpc_options_init(&o);
	o.config_path = path;
	return egrpc_connect_with_options(&o);
}

void
egrpc_free(egrpc_ctx *pc)
{
	struct rpcc_ctx *c;

	if (pc == NULL)
		return;
	c = ctx_of(pc);
	conn_drop(c, 1);
	rpcc_pending_clear(&c->pend);
	rpcc_conf_clear(&c->cf);
	free(c);
}

static uint64_t
submit(struct rpcc_ctx *c, const char *cmd, struct json_object *args, const char *args_text,
    const egrpc_call_options *o)
{
	int timeout_ms = o != NULL ? o->timeout_ms : 0;
	egrpc_reply *rep;
	struct rpcc_req *r = NULL;
	char why[WHY_LEN];
	uint64_t id = 0;
	int st;

	if (!c->configured) {
		c->pub.err = EGRPC_ECONFIG;   /* errstr still says what was wrong */
		goto out;
	}
	if (timeout_ms <= 0)
		timeout_ms = c->cf.timeout_ms;
	if (timeout_ms > RPCC_MAX_TIMEOUT_MS) {
		set_err(c, EGRPC_EINVAL, "timeout %d ms is longer than a day", timeout_ms);
		goto out;
	}
	r = rpcc_req_new(c->last_id + 1, cmd, args, args_text, timeout_ms, &st, c->pub.errstr,
	    sizeof(c->pub.errstr));
	if (r == NULL) {
		c->pub.err = st;
		goto out;
	}
	if (o != NULL && o->message_id != NULL && (st = rpcc_req_set_msg_id(r, o->message_id,
	    c->pub.errstr, sizeof(c->pub.errstr))) != EGRPC_OK) {
		c->pub.err = st;
		goto out;
	}
	if (rpcc_pending_prepare(&c->pend, r) != 0) {
		set_err(c, EGRPC_ENOMEM, "out of memory");
		goto out;
	}
	if (ensure_connected(c) != 0) {
		rpcc_fmt(why, sizeof(why), "%s", c->pub.errstr);
		set_err(c, EGRPC_EIO, "%s: '%s' was not sent", why, r->cmd);
		goto out;
	}
	/* ensure_connected() may have completed others, never added any: the reserve holds. */
	id = ++c->last_id;
	rpcc_pending_add(&c->pend, r, rpcc_mono_ms() + timeout_ms);
	clear_err(c);
	if (publish(c, r, why, sizeof(why)) != 0) {
		/* It never reached the broker: lost() sends it on a new connection or fails it. */
		lost(c, why);
		if ((rep = rpcc_pending_take(&c->pend, id)) != NULL) {
			set_err(c, rep->status, "%s", rep->msg);
			egrpc_reply_free(rep);
			id = 0;
		}
	}
	r = NULL;   /* pending or completed: the context's now */
out:
	rpcc_req_free(r);
	return id;
}

uint64_t
egrpc_submit(egrpc_ctx *pc, const char *cmd, struct json_object *args, int timeout_ms)
{
	egrpc_call_options o = { .timeout_ms = timeout_ms };

	return submit(ctx_of(pc), cmd, args, NULL, &o);
}

uint64_t
egrpc_submit_text(egrpc_ctx *pc, const char *cmd, const char *args_json, int timeout_ms)
{
	egrpc_call_options o = { .timeout_ms = timeout_ms };

	return submit(ctx_of(pc), cmd, NULL, args_json, &o);
}

uint64_t
egrpc_submit_with_options(egrpc_ctx *pc, const char *cmd, struct json_object *args,
    const char *args_json, const egrpc_call_options *o)
{
	return submit(ctx_of(pc), cmd, args, args != NULL ? NULL : args_json, o);
}

egrpc_reply *
egrpc_collect(egrpc_ctx *pc, int timeout_ms)
{
	struct rpcc_ctx *c = ctx_of(pc);
	egrpc_reply *rep;
	int64_t until = timeout_ms < 0 ? INT64_MAX : rpcc_mono_ms() + timeout_ms;
	int waited = 0;

	if (!c->configured) {
		c->pub.err = EGRPC_ECONFIG;
		return NULL;
	}
	for (;;) {
		expire(c);
		if ((rep = rpcc_pending_take(&c->pend, 0)) != NULL) {
			clear_err(c);
			return rep;
		}
		if (c->pend.n == 0) {
			set_err(c, EGRPC_EINVAL, "no request in flight");
			return NULL;
		}
		/* Wait at least once, so that a zero timeout still reads what has arrived. */
		if (waited && rpcc_mono_ms() >= until) {
			set_err(c, EGRPC_ETIMEOUT, "no reply within %d ms", timeout_ms);
			return NULL;
		}
		pump(c, until);
		waited = 1;
	}
}

size_t
egrpc_pending(const egrpc_ctx *pc)
{
	const struct rpcc_ctx *c = (const struct rpcc_ctx *)pc;

	return c->pend.n + c->pend.nready;
}

static int
call(struct rpcc_ctx *c, const char *cmd, struct json_object *args, const char *args_text,
    const egrpc_call_options *o, egrpc_reply **replyp)
{
	egrpc_reply *rep;
	uint64_t id;
	int st;

	if (replyp != NULL)
		*replyp = NULL;
	if ((id = submit(c, cmd, args, args_text, o)) == 0)
		return c->pub.err;
	/* Each pump is bounded by the earliest deadline, ours included. */
	while ((rep = rpcc_pending_take(&c->pend, id)) == NULL) {
		expire(c);
		if ((rep = rpcc_pending_take(&c->pend, id)) != NULL)
			break;
		pump(c, INT64_MAX);
	}
	st = rep->status;
	switch (st) {
	case EGRPC_OK:
		clear_err(c);
		break;
	case EGRPC_EEPP:
		set_err(c, st, "EPP %d: %s", rep->code, rep->msg);
		break;
	case EGRPC_EGATE:
		set_err(c, st, "gate error: %s", rep->msg);
		break;
	default:
		set_err(c, st, "%s", rep->msg);
		break;
	}
	if (replyp != NULL && rep->body != NULL)
		*replyp = rep;
	else
		egrpc_reply_free(rep);
	return st;
}

int
egrpc_call(egrpc_ctx *pc, const char *cmd, struct json_object *args, int timeout_ms,
    egrpc_reply **replyp)
{
	egrpc_call_options o = { .timeout_ms = timeout_ms };

	return call(ctx_of(pc), cmd, args, NULL, &o, replyp);
}

int
egrpc_call_text(egrpc_ctx *pc, const char *cmd, const char *args_json, int timeout_ms,
    egrpc_reply **replyp)
{
	egrpc_call_options o = { .timeout_ms = timeout_ms };

	return call(ctx_of(pc), cmd, NULL, args_json, &o, replyp);
}

int
egrpc_call_with_options(egrpc_ctx *pc, const char *cmd, struct json_object *args,
    const char *args_json, const egrpc_call_options *o, egrpc_reply **replyp)
{
	return call(ctx_of(pc), cmd, args, args != NULL ? NULL : args_json, o, replyp);
}

int
egrpc_service(egrpc_ctx *pc)
{
	struct rpcc_ctx *c = ctx_of(pc);

	if (!c->configured)
		return c->pub.err = EGRPC_ECONFIG;
	if (c->conn == NULL)
		return set_err(c, EGRPC_EIO, "not connected to the broker%s%s",
		    c->lost_why[0] != '\0' ? ": " : "", c->lost_why);
	drain(c);
	if (c->conn == NULL)
		return set_err(c, EGRPC_EIO, "connection to the broker lost: %s", c->lost_why);
	clear_err(c);
	return EGRPC_OK;
}
