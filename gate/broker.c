/* SPDX-License-Identifier: MIT */
/*
 * broker.c - the AMQP connection with rabbitmq-c: connect, declare, consume,
 * reply and ack (see broker.h).
 */
#include "broker.h"

#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define CHANNEL 1

struct broker {
	const struct cfg_broker *c;
	struct eg_log *log;
	amqp_connection_state_t conn;   /* NULL when not connected */
	unsigned generation;
	int next_host;                  /* index of the host to try next */
	char where[CFG_NAME + 8];       /* host:port connected to, for messages */
	char consumer_tag[128];
};

struct broker *
broker_new(const struct cfg_broker *c, struct eg_log *log)
{
	struct broker *b = calloc(1, sizeof(*b));

	if (b != NULL) {
		b->c = c;
		b->log = log;
	}
	return b;
}

void
broker_free(struct broker *b)
{
	if (b == NULL)
		return;
	broker_disconnect(b);
	free(b);
}

int
broker_connected(const struct broker *b)
{
	return b->conn != NULL;
}

unsigned
broker_generation(const struct broker *b)
{
	return b->generation;
}

int
broker_fd(const struct broker *b)
{
	return b->conn != NULL ? amqp_get_sockfd(b->conn) : -1;
}

int
broker_pending(const struct broker *b)
{
	return b->conn != NULL && (amqp_frames_enqueued(b->conn) || amqp_data_in_buffer(b->conn));
}

/* The text of a failed synchronous AMQP call. 0 when it succeeded. */
static int
rpc_failed(amqp_rpc_reply_t r, const char *what, struct eg_err *err)
{
	amqp_connection_close_t *cc;
	amqp_channel_close_t *ch;

	switch (r.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		return 0;
	case AMQP_RESPONSE_NONE:
		return eg_err_set(err, EG_EIO, "%s: no reply from the broker", what);
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		return eg_err_set(err, EG_EIO, "%s: %s", what, amqp_error_string2(r.library_error));
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			cc = r.reply.decoded;
			return eg_err_set(err, EG_EIO, "%s: broker closed the connection: %u %.*s", what,
			    cc->reply_code, (int)cc->reply_text.len, (const char *)cc->reply_text.bytes);
		}
		if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
			ch = r.reply.decoded;
			return eg_err_set(err, EG_EIO, "%s: broker closed the channel: %u %.*s", what,
			    ch->reply_code, (int)ch->reply_text.len, (const char *)ch->reply_text.bytes);
		}
		return eg_err_set(err, EG_EIO, "%s: broker error (method 0x%08x)", what, r.reply.id);
	}
	return eg_err_set(err, EG_EIO, "%s: unknown failure", what);
}

static amqp_socket_t *
make_socket(struct broker *b, const char *host, struct eg_err *err)
{
	const struct cfg_tls *t = &b->c->tls;
	amqp_socket_t *s;

	if (!b->c->use_tls) {
		if ((s = amqp_tcp_socket_new(b->conn)) == NULL)
			eg_err_set(err, EG_ENOMEM, "cannot create AMQP socket");
		return s;
	}
	if ((s = amqp_ssl_socket_new(b->conn)) == NULL) {
		eg_err_set(err, EG_ETLS, "cannot create AMQP TLS socket");
		return NULL;
	}
	amqp_ssl_socket_set_verify_peer(s, t->verify);
	amqp_ssl_socket_set_verify_hostname(s, t->verify);
	if (t->ca_file[0] != '\0' && amqp_ssl_socket_set_cacert(s, t->ca_file) != AMQP_STATUS_OK) {
		eg_err_set(err, EG_ECONFIG, "broker TLS: cannot load CA file %s", t->ca_file);
		return NULL;
	}
	if (t->cert_file[0] != '\0' &&
	    amqp_ssl_socket_set_key(s, t->cert_file, t->key_file) != AMQP_STATUS_OK) {
		eg_err_set(err, EG_ECONFIG, "broker TLS: cannot load client certificate %s",
		    t->cert_file);
		return NULL;
	}
	(void)host;
	return s;
}

/* Declares the request queue as configured. */
static int
declare_queue(struct broker *b, struct eg_err *err)
{
	amqp_table_entry_t entry;
	amqp_table_t args = amqp_empty_table;
	int durable = b->c->durable || b->c->quorum;

	if (b->c->quorum) {
		entry.key = amqp_cstring_bytes("x-queue-type");
		entry.value.kind = AMQP_FIELD_KIND_UTF8;
		entry.value.value.bytes = amqp_cstring_bytes("quorum");
		args.num_entries = 1;
		args.entries = &entry;
	}
	amqp_queue_declare(b->conn, CHANNEL, amqp_cstring_bytes(b->c->queue), 0, durable, 0, 0, args);
	if (rpc_failed(amqp_get_rpc_reply(b->conn), "declaring the queue", err) == -1)
		return eg_err_prefix(err, "queue %s: ", b->c->queue);
	return 0;
}

int
broker_connect(struct broker *b, int prefetch, struct eg_err *err)
{
	char host[CFG_NAME];
	struct timeval tv;
	amqp_socket_t *sock;
	amqp_basic_consume_ok_t *ok;
	int port, one = 1, fd, st;
	const char *spec;

	broker_disconnect(b);
	spec = b->c->hosts[b->next_host % b->c->n_hosts];
	b->next_host = (b->next_host + 1) % b->c->n_hosts;
	if (gate_broker_split(spec, host, sizeof(host), &port) == -1)
		return eg_err_set(err, EG_ECONFIG, "bad broker host entry '%s'", spec);
	snprintf(b->where, sizeof(b->where), "%s:%d", host, port);
	if ((b->conn = amqp_new_connection()) == NULL)
		return eg_err_set(err, EG_ENOMEM, "out of memory");
	if ((sock = make_socket(b, host, err)) == NULL)
		goto fail;
	tv.tv_sec = b->c->connect_timeout_ms / 1000;
	tv.tv_usec = (b->c->connect_timeout_ms % 1000) * 1000;
	if ((st = amqp_socket_open_noblock(sock, host, port, &tv)) != AMQP_STATUS_OK) {
		eg_err_set(err, EG_EIO, "cannot connect to the broker at %s: %s", b->where,
		    amqp_error_string2(st));
		goto fail;
	}
	/* Replies and acks are small and latency-bound: no Nagle. */
	if ((fd = amqp_get_sockfd(b->conn)) >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	amqp_set_handshake_timeout(b->conn, &tv);
	amqp_set_rpc_timeout(b->conn, &tv);
	if (rpc_failed(amqp_login(b->conn, b->c->vhost, 0, 131072, b->c->heartbeat_s,
	    AMQP_SASL_METHOD_PLAIN, b->c->user, b->c->password), "broker login", err) == -1)
		goto fail;
	amqp_channel_open(b->conn, CHANNEL);
	if (rpc_failed(amqp_get_rpc_reply(b->conn), "opening a channel", err) == -1)
		goto fail;
	if (declare_queue(b, err) == -1)
		goto fail;
	if (broker_set_prefetch(b, prefetch, err) == -1)
		goto fail;
	ok = amqp_basic_consume(b->conn, CHANNEL, amqp_cstring_bytes(b->c->queue), amqp_empty_bytes,
	    0, 0, 0, amqp_empty_table);
	if (rpc_failed(amqp_get_rpc_reply(b->conn), "starting to consume", err) == -1 || ok == NULL)
		goto fail;
	snprintf(b->consumer_tag, sizeof(b->consumer_tag), "%.*s", (int)ok->consumer_tag.len,
	    (const char *)ok->consumer_tag.bytes);
	b->generation++;
	log_info(b->log, "broker: connected to %s, consuming queue %s (prefetch %d)", b->where,
	    b->c->queue, prefetch);
	return 0;
fail:
	eg_err_prefix(err, "broker %s: ", b->where);
	broker_disconnect(b);
	return -1;
}

void
broker_disconnect(struct broker *b)
{
	if (b->conn == NULL)
		return;
	/* Closing politely needs a live peer; bound it by the rpc timeout set at connect. */
	amqp_connection_close(b->conn, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(b->conn);
	b->conn = NULL;
	b->consumer_tag[0] = '\0';
}

int
broker_set_prefetch(struct broker *b, int n, struct eg_err *err)
{
	if (b->conn == NULL)
		return eg_err_set(err, EG_EIO, "not connected to the broker");
	if (n < 1)
		n = 1;
	/* Per channel (global): RabbitMQ applies a per-consumer limit only to consumers made
	 * after it, while the channel's limit changes at once, as sessions come and go. */
	amqp_basic_qos(b->conn, CHANNEL, 0, (uint16_t)(n > 65535 ? 65535 : n), 1);
	return rpc_failed(amqp_get_rpc_reply(b->conn), "setting the prefetch", err);
}

/* NUL-terminated copy of an AMQP short string into buf, or NULL when absent. */
static const char *
prop(amqp_flags_t flags, amqp_flags_t flag, amqp_bytes_t v, char *buf, size_t cap)
{
	if (!(flags & flag))
		return NULL;
	snprintf(buf, cap, "%.*s", (int)v.len, (const char *)v.bytes);
	return buf;
}

static int64_t
header_int(const amqp_basic_properties_t *p, const char *name)
{
	const amqp_field_value_t *v;
	char tmp[32];
	int i;

	if (!(p->_flags & AMQP_BASIC_HEADERS_FLAG))
		return -1;
	for (i = 0; i < p->headers.num_entries; i++) {
		if (p->headers.entries[i].key.len != strlen(name) ||
		    memcmp(p->headers.entries[i].key.bytes, name, strlen(name)) != 0)
			continue;
		v = &p->headers.entries[i].value;
		switch (v->kind) {
		case AMQP_FIELD_KIND_I64:
			return v->value.i64;
		case AMQP_FIELD_KIND_U64:
		case AMQP_FIELD_KIND_TIMESTAMP:
			return (int64_t)v->value.u64;
		case AMQP_FIELD_KIND_I32:
			return v->value.i32;
		case AMQP_FIELD_KIND_U32:
			return v->value.u32;
		case AMQP_FIELD_KIND_UTF8:
		case AMQP_FIELD_KIND_BYTES:
			snprintf(tmp, sizeof(tmp), "%.*s", (int)v->value.bytes.len,
			    (const char *)v->value.bytes.bytes);
			return strtoll(tmp, NULL, 10);
		default:
			return -1;
		}
	}
	return -1;
}

static void
deliver(struct broker *b, const amqp_envelope_t *env, delivery_fn fn, void *ctx)
{
	const amqp_basic_properties_t *p = &env->message.properties;
	char rt[256], cid[256], mid[256], exp[32];
	struct delivery d;

	(void)b;
	memset(&d, 0, sizeof(d));
	d.tag = env->delivery_tag;
	d.redelivered = env->redelivered;
	d.body = env->message.body.bytes;
	d.body_len = env->message.body.len;
	d.reply_to = prop(p->_flags, AMQP_BASIC_REPLY_TO_FLAG, p->reply_to, rt, sizeof(rt));
	d.correlation_id = prop(p->_flags, AMQP_BASIC_CORRELATION_ID_FLAG, p->correlation_id, cid,
	    sizeof(cid));
	d.message_id = prop(p->_flags, AMQP_BASIC_MESSAGE_ID_FLAG, p->message_id, mid, sizeof(mid));
	d.x_deadline_ms = header_int(p, "x-deadline");
	d.expiration_ms = prop(p->_flags, AMQP_BASIC_EXPIRATION_FLAG, p->expiration, exp,
	    sizeof(exp)) ? strtoll(exp, NULL, 10) : -1;
	d.timestamp_s = (p->_flags & AMQP_BASIC_TIMESTAMP_FLAG) ? (int64_t)p->timestamp : -1;
	fn(ctx, &d);
}

/* A frame that is not a delivery: a returned reply, or the broker closing something. */
static int
other_frame(struct broker *b, struct eg_err *err)
{
	struct timeval zero = {0, 0};
	amqp_frame_t f;
	amqp_message_t msg;
	amqp_basic_return_t *ret;
	int st;

	st = amqp_simple_wait_frame_noblock(b->conn, &f, &zero);
	if (st == AMQP_STATUS_TIMEOUT)
		return 0;
	if (st != AMQP_STATUS_OK)
		return eg_err_set(err, EG_EIO, "broker connection: %s", amqp_error_string2(st));
	if (f.frame_type != AMQP_FRAME_METHOD)
		return 0;
	switch (f.payload.method.id) {
	case AMQP_BASIC_RETURN_METHOD:
		ret = f.payload.method.decoded;
		log_warn(b->log, "broker: a reply could not be delivered (%u %.*s): the client "
		    "is gone", ret->reply_code, (int)ret->reply_text.len,
		    (const char *)ret->reply_text.bytes);
		if (amqp_read_message(b->conn, f.channel, &msg, 0).reply_type == AMQP_RESPONSE_NORMAL)
			amqp_destroy_message(&msg);
		return 0;
	case AMQP_BASIC_ACK_METHOD:
		return 0;
	case AMQP_BASIC_CANCEL_METHOD:
		return eg_err_set(err, EG_EIO, "the broker cancelled our consumer (queue deleted?)");
	case AMQP_CHANNEL_CLOSE_METHOD: {
		amqp_channel_close_t *c = f.payload.method.decoded;

		return eg_err_set(err, EG_EIO, "the broker closed the channel: %u %.*s", c->reply_code,
		    (int)c->reply_text.len, (const char *)c->reply_text.bytes);
	}
	case AMQP_CONNECTION_CLOSE_METHOD: {
		amqp_connection_close_t *c = f.payload.method.decoded;

		return eg_err_set(err, EG_EIO, "the broker closed the connection: %u %.*s",
		    c->reply_code, (int)c->reply_text.len, (const char *)c->reply_text.bytes);
	}
	default:
		return 0;
	}
}

int
broker_service(struct broker *b, delivery_fn fn, void *ctx, struct eg_err *err)
{
	struct timeval zero = {0, 0};
	amqp_envelope_t env;
	amqp_rpc_reply_t r;

	if (b->conn == NULL)
		return eg_err_set(err, EG_EIO, "not connected to the broker");
	for (;;) {
		amqp_maybe_release_buffers(b->conn);
		r = amqp_consume_message(b->conn, &env, &zero, 0);
		if (r.reply_type == AMQP_RESPONSE_NORMAL) {
			deliver(b, &env, fn, ctx);
			amqp_destroy_envelope(&env);
			/* Nothing left in rabbitmq-c's buffers: what else arrived will wake the
			 * caller's poll; asking again now would cost a read that finds nothing. */
			if (!amqp_frames_enqueued(b->conn) && !amqp_data_in_buffer(b->conn))
				return 0;
			continue;
		}
		if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION) {
			if (r.library_error == AMQP_STATUS_TIMEOUT)
				return 0;
			if (r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
				if (other_frame(b, err) == -1)
					goto fail;
				continue;
			}
		}
		rpc_failed(r, "broker connection", err);
		goto fail;
	}
fail:
	broker_disconnect(b);
	return -1;
}

int
broker_reply(struct broker *b, const char *reply_to, const char *correlation_id,
    const char *body, size_t len, struct eg_err *err)
{
	amqp_basic_properties_t p;
	amqp_bytes_t payload;
	int st;

	if (b->conn == NULL)
		return eg_err_set(err, EG_EIO, "not connected to the broker");
	memset(&p, 0, sizeof(p));
	p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
	p.content_type = amqp_cstring_bytes("application/json");
	p.delivery_mode = 1;
	if (correlation_id != NULL) {
		p._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
		p.correlation_id = amqp_cstring_bytes(correlation_id);
	}
	payload.bytes = (void *)(uintptr_t)body;
	payload.len = len;
	st = amqp_basic_publish(b->conn, CHANNEL, amqp_empty_bytes, amqp_cstring_bytes(reply_to), 1,
	    0, &p, payload);
	if (st != AMQP_STATUS_OK)
		return eg_err_set(err, EG_EIO, "publishing a reply: %s", amqp_error_string2(st));
	return 0;
}

int
broker_ack(struct broker *b, uint64_t tag, struct eg_err *err)
{
	int st;

	if (b->conn == NULL)
		return eg_err_set(err, EG_EIO, "not connected to the broker");
	if ((st = amqp_basic_ack(b->conn, CHANNEL, tag, 0)) != AMQP_STATUS_OK)
		return eg_err_set(err, EG_EIO, "ack: %s", amqp_error_string2(st));
	return 0;
}

int
broker_cancel(struct broker *b, struct eg_err *err)
{
	if (b->conn == NULL || b->consumer_tag[0] == '\0')
		return 0;
	amqp_basic_cancel(b->conn, CHANNEL, amqp_cstring_bytes(b->consumer_tag));
	b->consumer_tag[0] = '\0';
	return rpc_failed(amqp_get_rpc_reply(b->conn), "cancelling the consumer", err);
}
