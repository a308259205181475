/* SPDX-License-Identifier: MIT */
/*
 * broker.c - the AMQP connection with rabbitmq-c: connect, declare, consume,
 * reply and ack; the outbox that keeps sends from blocking, and refusals told
 * apart from transient failures (see broker.h).
 */
#include "broker.h"

#include <amqp.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acks.h"
#include "deadline.h"

#define CHANNEL 1
/* A publish's method and header frames, on top of its body, with room to spare. */
#define FRAME_OVERHEAD 512

/* One answer waiting in the outbox: a reply and its ack, an ack, or a hand-back. */
struct held {
	struct held *next;
	uint64_t tag;
	int requeue;            /* hand the delivery back (basic.reject, requeue) */
	char *reply_to;         /* NULL: no reply, only the ack (or the reject) */
	char *correlation_id;
	char *body;
	size_t len;
};

struct broker {
	const struct cfg_broker *c;
	struct eg_log *log;
	amqp_connection_state_t conn;   /* NULL when not connected */
	int unusable;                   /* the peer closed, or the socket failed: no polite close */
	unsigned generation;
	int next_host;                  /* index of the host to try next */
	int host;                       /* index of the host connected to or last tried */
	char where[CFG_NAME + 8];       /* host:port connected to, for messages */
	char consumer_tag[128];         /* "" when not consuming */
	int prefetch;                   /* the consumer's; 0 when none */
	int redeclare;                  /* the broker cancelled our consumer: declare again */
	int blocked;                    /* connection.blocked, not yet unblocked */
	int stopping;                   /* broker_cancel was called */
	int cancel_pending;             /* the stop's basic.cancel waits for the outbox */
	enum broker_refusal refusal;    /* of the last failure */
	struct held *head, *tail;       /* the outbox, oldest first */
	int n_held;                     /* entries */
	int n_replies;                  /* entries with a reply body */
	size_t held_bytes;              /* bytes of reply bodies held */
	int overflow_told;              /* the outbox overflowed and the log said so */
	struct ack_tracker acks;        /* the channel's deliveries and the acks they wait for */
};

/* What is being done when the broker refuses: the same code means different things. */
enum op { OP_LOGIN, OP_CHANNEL, OP_DECLARE, OP_QOS, OP_CONSUME, OP_CANCEL, OP_SERVICE };

static int cancel_now(struct broker *b, struct eg_err *err);

const char *
broker_refusal_name(enum broker_refusal r)
{
	switch (r) {
	case BROKER_REFUSED_QUEUE:
		return "queue_arguments";
	case BROKER_REFUSED_ACCESS:
		return "access";
	case BROKER_REFUSED_VHOST:
		return "vhost";
	case BROKER_REFUSED_NOT_FOUND:
		return "not_found";
	case BROKER_REFUSED_UNSUPPORTED:
		return "unsupported";
	case BROKER_TRANSIENT:
		break;
	}
	return "";
}

struct broker *
broker_new(const struct cfg_broker *c, struct eg_log *log)
{
	struct broker *b = calloc(1, sizeof(*b));

	if (b != NULL) {
		b->c = c;
		b->log = log;
		ack_tracker_init(&b->acks);
	}
	return b;
}

void
broker_free(struct broker *b)
{
	if (b == NULL)
		return;
	broker_disconnect(b);
	ack_tracker_clear(&b->acks);
	free(b);
}

int
broker_connected(const struct broker *b)
{
	return b->conn != NULL;
}

enum broker_refusal
broker_refusal(const struct broker *b)
{
	return b->refusal;
}

int
broker_host(const struct broker *b)
{
	return b->host;
}

const char *
broker_where(const struct broker *b)
{
	return b->where;
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

int
broker_consuming(const struct broker *b)
{
	return b->conn != NULL && b->consumer_tag[0] != '\0';
}

int
broker_prefetch(const struct broker *b)
{
	return broker_consuming(b) ? b->prefetch : 0;
}

int
broker_blocked(const struct broker *b)
{
	return b->conn != NULL && b->blocked;
}

int
broker_held(const struct broker *b)
{
	return b->n_held;
}

/* ---- refusals --------------------------------------------------------------- */

static int
has(const amqp_bytes_t *text, const char *what)
{
	size_t n = strlen(what), i;

	for (i = 0; i + n <= text->len; i++)
		if (strncasecmp((const char *)text->bytes + i, what, n) == 0)
			return 1;
	return 0;
}

/* What a close by the broker with this reply code means while doing op. */
static enum broker_refusal
classify(unsigned code, const amqp_bytes_t *text, enum op op)
{
	switch (code) {
	case 403:   /* ACCESS_REFUSED: the login, or a permission on the queue */
		return BROKER_REFUSED_ACCESS;
	case 404:   /* NOT_FOUND */
		return BROKER_REFUSED_NOT_FOUND;
	case 406:   /* PRECONDITION_FAILED: on the declaration, the queue's arguments differ;
		     * elsewhere (an unknown delivery tag...) a new channel mends it */
		return op == OP_DECLARE ? BROKER_REFUSED_QUEUE : BROKER_TRANSIENT;
	case 530:   /* NOT_ALLOWED: no such vhost, access to it refused, or a connection limit */
		if (has(text, "limit"))
			return BROKER_TRANSIENT;
		return has(text, "not found") ? BROKER_REFUSED_VHOST : BROKER_REFUSED_ACCESS;
	case 540:   /* NOT_IMPLEMENTED */
		return BROKER_REFUSED_UNSUPPORTED;
	default:    /* 320 CONNECTION_FORCED, 541 INTERNAL_ERROR, 505...: try again */
		return BROKER_TRANSIENT;
	}
}

static const char *
declared_as(const struct cfg_broker *c)
{
	if (c->quorum)
		return "a quorum queue (broker.queue.quorum = true)";
	return c->durable ? "a durable classic queue (broker.queue.durable = true)" :
	    "a classic queue, not durable (broker.queue.durable = false)";
}

/* The error for a refusal: what the broker said, and how to fix it. */
static int
refused(struct broker *b, enum broker_refusal r, const char *what, unsigned code,
    const amqp_bytes_t *text, enum op op, struct eg_err *err)
{
	const struct cfg_broker *c = b->c;
	int tl = (int)text->len;
	const char *tx = text->bytes;

	b->refusal = r;
	switch (r) {
	case BROKER_REFUSED_QUEUE:
		return eg_err_set(err, EG_ECONFIG, "%s: queue %s exists with other arguments (%u "
		    "%.*s); this gate declares %s: delete the queue (rabbitmqctl delete_queue -p %s "
		    "%s; the requests in it are lost) or set broker.queue.durable/quorum to match "
		    "it", what, c->queue, code, tl, tx, declared_as(c), c->vhost, c->queue);
	case BROKER_REFUSED_ACCESS:
		if (op == OP_LOGIN)
			return eg_err_set(err, EG_ECONFIG, "%s: refused (%u %.*s): check broker.user "
			    "(%s) and broker.password, and that the user may use vhost %s "
			    "(rabbitmqctl list_user_permissions %s)", what, code, tl, tx, c->user,
			    c->vhost, c->user);
		return eg_err_set(err, EG_ECONFIG, "%s: refused (%u %.*s): user %s needs "
		    "configure, write and read permissions on queue %s in vhost %s "
		    "(rabbitmqctl set_permissions -p %s %s ...)", what, code, tl, tx, c->user,
		    c->queue, c->vhost, c->vhost, c->user);
	case BROKER_REFUSED_VHOST:
		return eg_err_set(err, EG_ECONFIG, "%s: vhost %s does not exist (%u %.*s): create "
		    "it (rabbitmqctl add_vhost %s) or correct broker.vhost", what, c->vhost, code,
		    tl, tx, c->vhost);
	case BROKER_REFUSED_NOT_FOUND:
		return eg_err_set(err, EG_ECONFIG, "%s: not found (%u %.*s): check broker.vhost "
		    "(%s) and broker.queue", what, code, tl, tx, c->vhost);
	case BROKER_REFUSED_UNSUPPORTED:
		return eg_err_set(err, EG_ECONFIG, "%s: the broker does not support it (%u %.*s): "
		    "check broker.queue against the broker's version (a quorum queue needs "
		    "RabbitMQ 3.8 or later)", what, code, tl, tx);
	case BROKER_TRANSIENT:
		break;
	}
	return eg_err_set(err, EG_EIO, "%s: broker closed the %s: %u %.*s", what,
	    op == OP_LOGIN ? "connection" : "channel or connection", code, tl, tx);
}

/*
 * The text of a failed synchronous AMQP call, 0 when it succeeded. A close by the broker
 * is answered (close-ok), so that it does not wait for one, and classified.
 */
static int
rpc_failed(struct broker *b, amqp_rpc_reply_t r, const char *what, enum op op,
    struct eg_err *err)
{
	amqp_connection_close_ok_t cok;
	amqp_channel_close_ok_t chok;
	amqp_connection_close_t *cc;
	amqp_channel_close_t *ch;

	b->refusal = BROKER_TRANSIENT;
	switch (r.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		return 0;
	case AMQP_RESPONSE_NONE:
		b->unusable = 1;
		return eg_err_set(err, EG_EIO, "%s: no reply from the broker", what);
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		b->unusable = 1;
		return eg_err_set(err, EG_EIO, "%s: %s", what, amqp_error_string2(r.library_error));
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
			cc = r.reply.decoded;
			(void)amqp_send_method(b->conn, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &cok);
			b->unusable = 1;
			return refused(b, classify(cc->reply_code, &cc->reply_text, op), what,
			    cc->reply_code, &cc->reply_text, op, err);
		}
		if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
			ch = r.reply.decoded;
			(void)amqp_send_method(b->conn, CHANNEL, AMQP_CHANNEL_CLOSE_OK_METHOD, &chok);
			return refused(b, classify(ch->reply_code, &ch->reply_text, op), what,
			    ch->reply_code, &ch->reply_text, op, err);
		}
		b->unusable = 1;
		return eg_err_set(err, EG_EIO, "%s: broker error (method 0x%08x)", what, r.reply.id);
	}
	b->unusable = 1;
	return eg_err_set(err, EG_EIO, "%s: unknown failure", what);
}

/* ---- connecting ---------------------------------------------------------------- */

static amqp_socket_t *
make_socket(struct broker *b, struct eg_err *err)
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
	return s;
}

static amqp_field_value_t
yes(void)
{
	amqp_field_value_t v;

	v.kind = AMQP_FIELD_KIND_BOOLEAN;
	v.value.boolean = 1;
	return v;
}

/*
 * Logs in announcing what the gate handles: consumer_cancel_notify (a basic.cancel when
 * the queue is deleted, instead of silence) and connection.blocked (resource alarms).
 * rabbitmq-c merges this table into its own client properties (product, version,
 * platform, and the capabilities it announces itself, repeated here).
 */
static amqp_rpc_reply_t
login(struct broker *b)
{
	static const char *const caps[] = {
		"consumer_cancel_notify", "connection.blocked", "authentication_failure_close",
		"exchange_exchange_bindings",
	};
	amqp_table_entry_t cap[sizeof(caps) / sizeof(caps[0])], prop[2];
	amqp_table_t props;
	char host[256], name[320];
	size_t i;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		cap[i].key = amqp_cstring_bytes(caps[i]);
		cap[i].value = yes();
	}
	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "?");
	host[sizeof(host) - 1] = '\0';
	/* Shown by rabbitmqctl list_connections client_properties and the management UI. */
	snprintf(name, sizeof(name), "epp-gate %s %ld", host, (long)getpid());
	prop[0].key = amqp_cstring_bytes("capabilities");
	prop[0].value.kind = AMQP_FIELD_KIND_TABLE;
	prop[0].value.value.table.num_entries = (int)i;
	prop[0].value.value.table.entries = cap;
	prop[1].key = amqp_cstring_bytes("connection_name");
	prop[1].value.kind = AMQP_FIELD_KIND_UTF8;
	prop[1].value.value.bytes = amqp_cstring_bytes(name);
	props.num_entries = 2;
	props.entries = prop;
	return amqp_login_with_properties(b->conn, b->c->vhost, 0, 131072, b->c->heartbeat_s,
	    &props, AMQP_SASL_METHOD_PLAIN, b->c->user, b->c->password);
}

/* Declares the request queue as configured. */
static int
declare_queue(struct broker *b, struct eg_err *err)
{
	amqp_table_entry_t entry;
	amqp_table_t args = amqp_empty_table;
	int durable = b->c->durable || b->c->quorum;
	char what[CFG_NAME + 32];

	if (b->c->quorum) {
		entry.key = amqp_cstring_bytes("x-queue-type");
		entry.value.kind = AMQP_FIELD_KIND_UTF8;
		entry.value.value.bytes = amqp_cstring_bytes("quorum");
		args.num_entries = 1;
		args.entries = &entry;
	}
	amqp_queue_declare(b->conn, CHANNEL, amqp_cstring_bytes(b->c->queue), 0, durable, 0, 0, args);
	snprintf(what, sizeof(what), "declaring queue %s", b->c->queue);
	return rpc_failed(b, amqp_get_rpc_reply(b->conn), what, OP_DECLARE, err);
}

/* Per-consumer prefetch, then consume (and declare first when asked to). */
static int
consume(struct broker *b, int prefetch, int declare, struct eg_err *err)
{
	amqp_basic_consume_ok_t *ok;

	if (declare && declare_queue(b, err) == -1)
		return -1;
	/* global = 0: the limit applies to each consumer made after it (quorum queues know
	 * no other); broker_consume() makes a new consumer when it must change. */
	amqp_basic_qos(b->conn, CHANNEL, 0, (uint16_t)prefetch, 0);
	if (rpc_failed(b, amqp_get_rpc_reply(b->conn), "setting the prefetch", OP_QOS, err) == -1)
		return -1;
	ok = amqp_basic_consume(b->conn, CHANNEL, amqp_cstring_bytes(b->c->queue), amqp_empty_bytes,
	    0, 0, 0, amqp_empty_table);
	if (rpc_failed(b, amqp_get_rpc_reply(b->conn), "starting to consume", OP_CONSUME, err) == -1)
		return -1;
	if (ok == NULL)
		return eg_err_set(err, EG_EIO, "starting to consume: no consumer tag");
	snprintf(b->consumer_tag, sizeof(b->consumer_tag), "%.*s", (int)ok->consumer_tag.len,
	    (const char *)ok->consumer_tag.bytes);
	b->prefetch = prefetch;
	return 0;
}

static int
clamp_prefetch(int n)
{
	return n < 1 ? 1 : n > 65535 ? 65535 : n;
}

/* The first steps of a connection to the next host of the list: TCP (and TLS), login,
 * channel. -1 with err set; the caller prefixes where and disconnects. */
static int
open_channel(struct broker *b, struct eg_err *err)
{
	char host[CFG_NAME];
	struct timeval tv;
	amqp_socket_t *sock;
	int port, one = 1, fd, st;
	const char *spec;

	broker_disconnect(b);
	b->refusal = BROKER_TRANSIENT;
	b->host = b->next_host % b->c->n_hosts;
	b->next_host = (b->host + 1) % b->c->n_hosts;
	spec = b->c->hosts[b->host];
	snprintf(b->where, sizeof(b->where), "%s", spec);
	if (gate_broker_split(spec, host, sizeof(host), &port) == -1)
		return eg_err_set(err, EG_ECONFIG, "bad broker host entry '%s'", spec);
	snprintf(b->where, sizeof(b->where), "%s:%d", host, port);
	if ((b->conn = amqp_new_connection()) == NULL)
		return eg_err_set(err, EG_ENOMEM, "out of memory");
	if ((sock = make_socket(b, err)) == NULL)
		return -1;
	tv.tv_sec = b->c->connect_timeout_ms / 1000;
	tv.tv_usec = (b->c->connect_timeout_ms % 1000) * 1000;
	if ((st = amqp_socket_open_noblock(sock, host, port, &tv)) != AMQP_STATUS_OK) {
		b->unusable = 1;
		return eg_err_set(err, EG_EIO, "cannot connect to the broker at %s: %s", b->where,
		    amqp_error_string2(st));
	}
	/* Replies and acks are small and latency-bound: no Nagle. */
	if ((fd = amqp_get_sockfd(b->conn)) >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	amqp_set_handshake_timeout(b->conn, &tv);
	amqp_set_rpc_timeout(b->conn, &tv);
	if (rpc_failed(b, login(b), "broker login", OP_LOGIN, err) == -1)
		return -1;
	amqp_channel_open(b->conn, CHANNEL);
	return rpc_failed(b, amqp_get_rpc_reply(b->conn), "opening a channel", OP_CHANNEL, err);
}

int
broker_connect(struct broker *b, int prefetch, struct eg_err *err)
{
	if (open_channel(b, err) == -1)
		goto fail;
	prefetch = clamp_prefetch(prefetch);
	if (consume(b, prefetch, 1, err) == -1)
		goto fail;
	b->generation++;
	ack_reset(&b->acks);
	log_info(b->log, "broker: connected to %s, consuming queue %s (prefetch %d)", b->where,
	    b->c->queue, prefetch);
	return 0;
fail:
	eg_err_prefix(err, "broker %s: ", b->where);
	broker_disconnect(b);
	return -1;
}

int
broker_probe_login(struct broker *b, int host, struct eg_err *err)
{
	b->next_host = host;
	if (open_channel(b, err) == 0)
		return 0;
	broker_disconnect(b);
	return -1;
}

int
broker_probe_queue(struct broker *b, unsigned *messages, unsigned *consumers,
    struct eg_err *err)
{
	amqp_queue_declare_ok_t *ok;
	char what[CFG_NAME + 32];

	*messages = *consumers = 0;
	if (b->conn == NULL)
		return eg_err_set(err, EG_EIO, "not connected to the broker");
	/* passive: only asks whether the queue exists; creates nothing, changes nothing */
	ok = amqp_queue_declare(b->conn, CHANNEL, amqp_cstring_bytes(b->c->queue), 1, 0, 0, 0,
	    amqp_empty_table);
	snprintf(what, sizeof(what), "queue %s", b->c->queue);
	if (rpc_failed(b, amqp_get_rpc_reply(b->conn), what, OP_DECLARE, err) == -1) {
		if (b->refusal == BROKER_REFUSED_NOT_FOUND)
			eg_err_set(err, EG_ECONFIG, "queue %s does not exist in vhost %s (the gate "
			    "declares it when it starts; until then requests sent to it are lost)",
			    b->c->queue, b->c->vhost);
		broker_disconnect(b);
		return -1;
	}
	if (ok != NULL) {
		*messages = ok->message_count;
		*consumers = ok->consumer_count;
	}
	return 0;
}

int
broker_consume(struct broker *b, int prefetch, struct eg_err *err)
{
	int redeclared = b->redeclare, old = b->prefetch;

	if (b->conn == NULL)
		return eg_err_set(err, EG_EIO, "not connected to the broker");
	prefetch = clamp_prefetch(prefetch);
	if (b->consumer_tag[0] != '\0') {
		/* Deliveries that come before cancel-ok wait in rabbitmq-c's frame queue and are
		 * handled as usual by the next broker_service(). */
		amqp_basic_cancel(b->conn, CHANNEL, amqp_cstring_bytes(b->consumer_tag));
		b->consumer_tag[0] = '\0';
		b->prefetch = 0;
		if (rpc_failed(b, amqp_get_rpc_reply(b->conn), "cancelling the consumer", OP_CANCEL,
		    err) == -1)
			goto fail;
	}
	if (consume(b, prefetch, b->redeclare, err) == -1)
		goto fail;
	b->redeclare = 0;
	if (redeclared)
		log_info(b->log, "broker %s: queue %s declared again, consuming (prefetch %d)",
		    b->where, b->c->queue, prefetch);
	else
		log_debug(b->log, "broker %s: consuming again with prefetch %d (was %d)", b->where,
		    prefetch, old);
	return 0;
fail:
	eg_err_prefix(err, "broker %s: ", b->where);
	broker_disconnect(b);
	return -1;
}

/* ---- the outbox ---------------------------------------------------------------- */

static void
held_free(struct held *h)
{
	free(h);
}

static void
outbox_clear(struct broker *b)
{
	struct held *h, *next;

	for (h = b->head; h != NULL; h = next) {
		next = h->next;
		held_free(h);
	}
	b->head = b->tail = NULL;
	b->n_held = b->n_replies = 0;
	b->held_bytes = 0;
	b->overflow_told = 0;
}

static int
outbox_full(const struct broker *b)
{
	return b->n_replies >= BROKER_HOLD_MAX || b->held_bytes >= BROKER_HOLD_BYTES;
}

/* Appends an entry: one allocation for the entry, its strings and its body. */
static int
outbox_add(struct broker *b, uint64_t tag, int requeue, const char *reply_to,
    const char *correlation_id, const char *body, size_t len)
{
	size_t rl = reply_to ? strlen(reply_to) + 1 : 0;
	size_t cl = correlation_id ? strlen(correlation_id) + 1 : 0;
	struct held *h;
	char *p;

	if (reply_to == NULL)
		len = 0;
	if ((h = malloc(sizeof(*h) + rl + cl + len)) == NULL)
		return -1;
	memset(h, 0, sizeof(*h));
	h->tag = tag;
	h->requeue = requeue;
	p = (char *)(h + 1);
	if (reply_to != NULL) {
		h->reply_to = memcpy(p, reply_to, rl);
		p += rl;
		if (correlation_id != NULL) {
			h->correlation_id = memcpy(p, correlation_id, cl);
			p += cl;
		}
		h->body = p;
		if (len > 0)
			memcpy(p, body, len);
		h->len = len;
		b->n_replies++;
		b->held_bytes += len;
	}
	if (b->tail != NULL)
		b->tail->next = h;
	else
		b->head = h;
	b->tail = h;
	b->n_held++;
	return 0;
}

/* Hands a delivery back to the broker once it reads again (basic.reject, requeue). */
static void
hand_back(struct broker *b, uint64_t tag)
{
	if (outbox_add(b, tag, 1, NULL, NULL, NULL, 0) == -1)
		log_err(b->log, "broker %s: out of memory: a delivery stays unacknowledged until "
		    "the connection closes", b->where);
}

/*
 * Room in the socket's send buffer for n more bytes without blocking: its queue (sent
 * but not acknowledged, plus not yet sent) is empty, or n more keep it under half the
 * buffer (whose size the kernel reports doubled, bookkeeping included). When the kernel
 * cannot tell, send as rabbitmq-c would.
 */
static int
room(const struct broker *b, size_t n)
{
	int fd = amqp_get_sockfd(b->conn), queued = 0, sndbuf = 0;
	socklen_t sl = sizeof(sndbuf);

	if (fd < 0 || ioctl(fd, SIOCOUTQ, &queued) == -1 || queued <= 0)
		return 1;
	/* Asked only when something is queued: one system call less per reply at low load. */
	if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &sl) == -1 || sndbuf <= 0)
		return 1;
	return (size_t)queued + n + FRAME_OVERHEAD <= (size_t)sndbuf / 2;
}

static int
send_answer(struct broker *b, uint64_t tag, int requeue, const char *reply_to,
    const char *correlation_id, const char *body, size_t len, struct eg_err *err)
{
	amqp_basic_properties_t p;
	amqp_bytes_t payload;
	int st;

	if (requeue) {
		if ((st = amqp_basic_reject(b->conn, CHANNEL, tag, 1)) != AMQP_STATUS_OK)
			goto fail;
		ack_settled(&b->acks, tag);
		return 0;
	}
	if (reply_to != NULL) {
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
		st = amqp_basic_publish(b->conn, CHANNEL, amqp_empty_bytes,
		    amqp_cstring_bytes(reply_to), 1, 0, &p, payload);
		if (st != AMQP_STATUS_OK) {
			b->unusable = 1;
			return eg_err_set(err, EG_EIO, "broker %s: publishing a reply: %s", b->where,
			    amqp_error_string2(st));
		}
	}
	/* The reply is out: the ack may go, with the others due (acks_out). */
	if (ack_due(&b->acks, tag) == 0)
		return 0;
	if ((st = amqp_basic_ack(b->conn, CHANNEL, tag, 0)) == AMQP_STATUS_OK) {
		ack_settled(&b->acks, tag);
		b->acks.frames++;
		b->acks.acked++;
		return 0;
	}
fail:
	b->unusable = 1;
	return eg_err_set(err, EG_EIO, "broker %s: %s: %s", b->where, requeue ? "reject" : "ack",
	    amqp_error_string2(st));
}

static int
send_ack(void *arg, uint64_t tag, int multiple)
{
	struct broker *b = arg;

	return amqp_basic_ack(b->conn, CHANNEL, tag, multiple) == AMQP_STATUS_OK ? 0 : -1;
}

/* Sends the acks of the replies published since the last call: one basic.ack with multiple
 * for the oldest unacked deliveries when all of them are answered (acks.h), single ones
 * for the rest. Called once per batch of answers, before anything else is read or sent. */
static int
acks_out(struct broker *b, struct eg_err *err)
{
	if (b->conn == NULL || ack_pending(&b->acks) == 0)
		return 0;
	if (ack_plan(&b->acks, send_ack, b) == -1) {
		b->unusable = 1;
		return eg_err_set(err, EG_EIO, "broker %s: ack failed", b->where);
	}
	return 0;
}

int
broker_answer(struct broker *b, uint64_t tag, const char *reply_to,
    const char *correlation_id, const char *body, size_t len, struct eg_err *err)
{
	if (b->conn == NULL)
		return eg_err_set(err, EG_EIO, "not connected to the broker");
	if (b->blocked || b->head != NULL || !room(b, reply_to != NULL ? len : 0)) {
		if (outbox_full(b)) {
			/* Its reply is dropped; the request comes again, to any gate (the journal
			 * answers a command with side effects that already ran). */
			if (!b->overflow_told)
				log_warn(b->log, "broker %s: %d replies (%zu bytes) held: handing "
				    "requests back until the broker reads again", b->where,
				    b->n_replies, b->held_bytes);
			b->overflow_told = 1;
			hand_back(b, tag);
			return 0;
		}
		if (outbox_add(b, tag, 0, reply_to, correlation_id, body, len) == -1) {
			hand_back(b, tag);
			return eg_err_set(err, EG_ENOMEM, "out of memory holding a reply: its "
			    "request is handed back to the broker");
		}
		return 0;
	}
	if (send_answer(b, tag, 0, reply_to, correlation_id, body, len, err) == -1) {
		broker_disconnect(b);
		return -1;
	}
	return 0;
}

int
broker_flush(struct broker *b, struct eg_err *err)
{
	struct held *h;
	int rc;

	if (b->conn == NULL || b->blocked)
		return 0;
	/* A stop's basic.cancel first: the deliveries handed back meanwhile must not come
	 * back to this consumer. */
	if (b->cancel_pending) {
		if (!room(b, 0))
			return 0;
		b->cancel_pending = 0;
		if (cancel_now(b, err) == -1)
			return -1;
	}
	while ((h = b->head) != NULL) {
		if (!room(b, h->len))
			break;
		rc = send_answer(b, h->tag, h->requeue, h->reply_to, h->correlation_id, h->body,
		    h->len, err);
		b->head = h->next;
		if (b->head == NULL)
			b->tail = NULL;
		b->n_held--;
		if (h->reply_to != NULL) {
			b->n_replies--;
			b->held_bytes -= h->len;
		}
		held_free(h);
		if (rc == -1) {
			broker_disconnect(b);
			return -1;
		}
	}
	if (acks_out(b, err) == -1) {
		broker_disconnect(b);
		return -1;
	}
	if (b->head == NULL)
		b->overflow_told = 0;
	return 0;
}

/* ---- receiving ------------------------------------------------------------------ */

/* NUL-terminated copy of an AMQP short string into buf, or NULL when absent. */
static const char *
prop(amqp_flags_t flags, amqp_flags_t flag, amqp_bytes_t v, char *buf, size_t cap)
{
	if (!(flags & flag))
		return NULL;
	snprintf(buf, cap, "%.*s", (int)v.len, (const char *)v.bytes);
	return buf;
}

static void
deliver(struct broker *b, const amqp_envelope_t *env, delivery_fn fn, void *ctx)
{
	const amqp_basic_properties_t *p = &env->message.properties;
	char rt[256], cid[256], mid[256];
	struct delivery d;
	struct eg_err err;

	if (ack_delivered(&b->acks, env->delivery_tag) == -1)
		log_warn(b->log, "broker %s: out of memory: acks go out one by one until the next "
		    "connection", b->where);
	/* Stopping while the basic.cancel cannot go out, or the outbox full: not taken. */
	if (b->cancel_pending || outbox_full(b)) {
		hand_back(b, env->delivery_tag);
		return;
	}
	memset(&d, 0, sizeof(d));
	d.tag = env->delivery_tag;
	d.redelivered = env->redelivered;
	d.body = env->message.body.bytes;
	d.body_len = env->message.body.len;
	d.reply_to = prop(p->_flags, AMQP_BASIC_REPLY_TO_FLAG, p->reply_to, rt, sizeof(rt));
	d.correlation_id = prop(p->_flags, AMQP_BASIC_CORRELATION_ID_FLAG, p->correlation_id, cid,
	    sizeof(cid));
	d.message_id = prop(p->_flags, AMQP_BASIC_MESSAGE_ID_FLAG, p->message_id, mid, sizeof(mid));
	d.has_deadline = deadline_of_message(p, &d.deadline_ms, &err);
	if (d.has_deadline == -1)
		d.deadline_error = err.msg;
	fn(ctx, &d);
}

static int
same_tag(const struct broker *b, amqp_bytes_t tag)
{
	return b->consumer_tag[0] != '\0' && tag.len == strlen(b->consumer_tag) &&
	    memcmp(tag.bytes, b->consumer_tag, tag.len) == 0;
}

/* A frame that is not a delivery: a returned reply, the broker cancelling our consumer,
 * blocking or unblocking the connection, or closing something. */
static int
other_frame(struct broker *b, struct eg_err *err)
{
	struct timeval zero = {0, 0};
	amqp_connection_close_ok_t cok;
	amqp_channel_close_ok_t chok;
	amqp_frame_t f;
	amqp_message_t msg;
	amqp_basic_return_t *ret;
	amqp_basic_cancel_t *cancel;
	amqp_connection_blocked_t *bl;
	amqp_channel_close_t *ch;
	amqp_connection_close_t *cc;
	int st;

	st = amqp_simple_wait_frame_noblock(b->conn, &f, &zero);
	if (st == AMQP_STATUS_TIMEOUT)
		return 0;
	if (st != AMQP_STATUS_OK) {
		b->unusable = 1;
		return eg_err_set(err, EG_EIO, "broker connection: %s", amqp_error_string2(st));
	}
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
	case AMQP_BASIC_CANCEL_METHOD:
		/* consumer_cancel_notify: the queue was deleted (or its node lost it). A cancel
		 * for a consumer we already cancelled ourselves is old news. */
		cancel = f.payload.method.decoded;
		if (!same_tag(b, cancel->consumer_tag))
			return 0;
		log_warn(b->log, "broker %s: the broker cancelled our consumer on queue %s (the "
		    "queue was deleted?): declaring it again", b->where, b->c->queue);
		b->consumer_tag[0] = '\0';
		b->prefetch = 0;
		b->redeclare = 1;
		return 0;
	case AMQP_CONNECTION_BLOCKED_METHOD:
		bl = f.payload.method.decoded;
		if (!b->blocked)
			log_warn(b->log, "broker %s: blocked by the broker (%.*s): replies and acks "
			    "are held until it unblocks", b->where, (int)bl->reason.len,
			    (const char *)bl->reason.bytes);
		b->blocked = 1;
		return 0;
	case AMQP_CONNECTION_UNBLOCKED_METHOD:
		if (b->blocked)
			log_info(b->log, "broker %s: unblocked; %d held repl%s and acks go out",
			    b->where, b->n_replies, b->n_replies == 1 ? "y" : "ies");
		b->blocked = 0;
		return 0;
	case AMQP_CHANNEL_CLOSE_METHOD:
		ch = f.payload.method.decoded;
		(void)amqp_send_method(b->conn, CHANNEL, AMQP_CHANNEL_CLOSE_OK_METHOD, &chok);
		return refused(b, classify(ch->reply_code, &ch->reply_text, OP_SERVICE),
		    "the broker closed the channel", ch->reply_code, &ch->reply_text, OP_SERVICE,
		    err);
	case AMQP_CONNECTION_CLOSE_METHOD:
		cc = f.payload.method.decoded;
		(void)amqp_send_method(b->conn, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &cok);
		b->unusable = 1;
		return refused(b, classify(cc->reply_code, &cc->reply_text, OP_SERVICE),
		    "the broker closed the connection", cc->reply_code, &cc->reply_text, OP_SERVICE,
		    err);
	default:
		return 0;
	}
}

static int
service(struct broker *b, delivery_fn fn, void *ctx, struct eg_err *err)
{
	struct timeval zero = {0, 0};
	amqp_envelope_t env;
	amqp_rpc_reply_t r;

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
		rpc_failed(b, r, "broker connection", OP_SERVICE, err);
		goto fail;
	}
fail:
	eg_err_prefix(err, "broker %s: ", b->where);
	return -1;
}

int
broker_service(struct broker *b, delivery_fn fn, void *ctx, struct eg_err *err)
{
	if (b->conn == NULL)
		return eg_err_set(err, EG_EIO, "not connected to the broker");
	b->refusal = BROKER_TRANSIENT;
	/* The acks of answers already published go before anything is read (a block read
	 * now holds what follows); those of requests answered at delivery go at the end. */
	if (acks_out(b, err) == -1 || service(b, fn, ctx, err) == -1 || acks_out(b, err) == -1) {
		broker_disconnect(b);
		return -1;
	}
	return 0;
}

void
broker_acks(const struct broker *b, uint64_t *deliveries, uint64_t *frames, uint64_t *acked,
    uint64_t *multiple)
{
	*deliveries = b->acks.deliveries;
	*frames = b->acks.frames;
	*acked = b->acks.acked;
	*multiple = b->acks.multiple;
}

/* ---- stopping -------------------------------------------------------------------- */

int
broker_cancel(struct broker *b, struct eg_err *err)
{
	b->stopping = 1;
	if (b->conn == NULL || b->consumer_tag[0] == '\0')
		return 0;
	if (b->blocked || b->head != NULL || !room(b, 0)) {
		/* A synchronous call now would wait for a broker that does not read:
		 * broker_flush() sends it once it reads again. */
		b->cancel_pending = 1;
		return 0;
	}
	return cancel_now(b, err);
}

static int
cancel_now(struct broker *b, struct eg_err *err)
{
	if (b->consumer_tag[0] == '\0')
		return 0;
	if (acks_out(b, err) == -1) {
		broker_disconnect(b);
		return -1;
	}
	amqp_basic_cancel(b->conn, CHANNEL, amqp_cstring_bytes(b->consumer_tag));
	b->consumer_tag[0] = '\0';
	b->prefetch = 0;
	if (rpc_failed(b, amqp_get_rpc_reply(b->conn), "cancelling the consumer", OP_CANCEL,
	    err) == -1) {
		eg_err_prefix(err, "broker %s: ", b->where);
		broker_disconnect(b);
		return -1;
	}
	return 0;
}

void
broker_disconnect(struct broker *b)
{
	int fd;

	if (b->conn == NULL)
		return;
	/* Answers published are acked before a polite close: their requests must not come
	 * again. */
	if (!b->unusable && !b->blocked && acks_out(b, NULL) == -1)
		log_warn(b->log, "broker %s: acks of answered requests not sent: they will be "
		    "delivered again", b->where);
	if (b->n_held > 0)
		log_warn(b->log, "broker %s: closing with %d held repl%s and acks unsent: their "
		    "requests will be delivered again", b->where, b->n_held,
		    b->n_held == 1 ? "y" : "ies");
	/* Closing politely needs a peer that reads; bound by the rpc timeout set at connect.
	 * Otherwise the socket is shut at once (the broker requeues what was not acked). */
	if (!b->unusable && !b->blocked && b->head == NULL && room(b, 64)) {
		amqp_connection_close(b->conn, AMQP_REPLY_SUCCESS);
	} else if ((fd = amqp_get_sockfd(b->conn)) >= 0) {
		(void)shutdown(fd, SHUT_RDWR);
	}
	outbox_clear(b);
	amqp_destroy_connection(b->conn);
	b->conn = NULL;
	b->unusable = 0;
	b->consumer_tag[0] = '\0';
	b->prefetch = 0;
	b->redeclare = 0;
	b->blocked = 0;
	b->cancel_pending = 0;
	ack_reset(&b->acks);
}
