/* SPDX-License-Identifier: MIT */
/*
 * broker.h - the gate's AMQP side (README.md, "Requests and replies"): one
 * connection and channel to RabbitMQ, owned by the AMQP thread alone.
 *
 * Connect (hosts tried in turn), log in announcing the capabilities
 * consumer_cancel_notify and connection.blocked (and a connection name,
 * "epp-gate HOST PID", that rabbitmqctl list_connections shows), declare the
 * request queue (the reference's declaration by default: not durable, not
 * exclusive, no auto-delete, no arguments; durable or quorum when
 * configured), set the prefetch, consume with manual acks. broker_service()
 * reads what has arrived without blocking and passes each delivery to a
 * callback; it also keeps heartbeats going, which rabbitmq-c only does inside
 * its calls, so the caller invokes it at least every heartbeat/2 seconds.
 * Replies go to the default exchange with routing key reply_to and the
 * mandatory flag: a reply nobody can receive comes back and is logged.
 *
 * Prefetch. The prefetch is per consumer (basic.qos with global = 0): quorum
 * queues refuse a per-channel limit (540 NOT_IMPLEMENTED), and RabbitMQ fixes a
 * consumer's limit when the consumer is made. The gate keeps "no more requests
 * held than sessions up" by consuming again when that number changes
 * (broker_consume: basic.cancel, basic.qos, basic.consume on the same channel).
 * Deliveries for the old consumer that arrive before cancel-ok are ordinary
 * deliveries; they and the earlier ones are acked on the channel as before
 * (delivery tags belong to the channel, not to the consumer). Right after a
 * change the gate may hold what the old consumer still has plus the new
 * prefetch; the old share only shrinks. The caller re-consumes at most every
 * so often (gate.c), so that sessions that flap cost little. A fixed prefetch
 * with requests waiting in the gate was the alternative: it would hold
 * requests a gate without sessions cannot serve, which another gate on the
 * same queue could.
 *
 * Sends never block. rabbitmq-c writes with no deadline: a broker that stops
 * reading (RabbitMQ does, for a connection that publishes while it is blocked
 * by a resource alarm) would stop the AMQP thread, and with it signals and
 * timers, once the socket's send buffer is full. RabbitMQ says
 * connection.blocked when such a connection publishes, so the first reply
 * after an alarm (and whatever the gate sent in the same breath) goes into the
 * socket unread; the broker reads it when it unblocks (should the gate leave
 * before, that reply is lost with its ack and the request comes again). From
 * then on replies and acks are held, in order, in a bounded outbox, as they
 * are while the socket's send queue is over half full (a broker that stops
 * reading without saying why); they go out on connection.unblocked, or when
 * the queue has drained. Nothing else is sent meanwhile but heartbeats (8
 * bytes every heartbeat/2 seconds, which a send buffer holds for days) and no
 * synchronous call is made (a stop's basic.cancel waits too).
 * Beyond the outbox's bound (BROKER_HOLD_MAX replies or BROKER_HOLD_BYTES
 * bytes) a reply is dropped and its request handed back (basic.reject with
 * requeue, itself held), and new deliveries are handed back untouched: the
 * broker delivers them again later, to this gate or another one.
 *
 * Refusals. A failure that no retry can mend (the queue exists with other
 * arguments, a login or permission refused, a vhost that does not exist) is
 * told apart from a transient one (connection refused, a node down, 320
 * CONNECTION_FORCED): broker_refusal() says which, and the error text says
 * how to fix it.
 */
#ifndef EG_BROKER_H
#define EG_BROKER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "log.h"

/* The outbox's bound (see above). */
#define BROKER_HOLD_MAX   4096
#define BROKER_HOLD_BYTES (16 * 1024 * 1024)

struct delivery {
	uint64_t tag;
	int redelivered;
	const char *body;            /* valid during the callback only */
	size_t body_len;
	const char *reply_to;        /* NUL-terminated copies, NULL when absent */
	const char *correlation_id;
	const char *message_id;
	int has_deadline;            /* 1: deadline_ms is set; -1: the message's deadline
	                                cannot be read (deadline_error says why); 0: none */
	int64_t deadline_ms;         /* wall clock, epoch ms (deadline.h) */
	const char *deadline_error;  /* "x-deadline: ..." when has_deadline is -1 */
};

typedef void (*delivery_fn)(void *ctx, const struct delivery *d);

/* What kind of failure the last one was. */
enum broker_refusal {
	BROKER_TRANSIENT = 0,        /* worth retrying as it is */
	BROKER_REFUSED_QUEUE,        /* 406 PRECONDITION_FAILED: the queue exists with other
	                                arguments */
	BROKER_REFUSED_ACCESS,       /* 403 ACCESS_REFUSED, or 530 access to the vhost refused:
	                                user, password or permissions */
	BROKER_REFUSED_VHOST,        /* 530 NOT_ALLOWED: the vhost does not exist */
	BROKER_REFUSED_NOT_FOUND,    /* 404 NOT_FOUND */
	BROKER_REFUSED_UNSUPPORTED,  /* 540 NOT_IMPLEMENTED, or 406 outside the declaration:
	                                the broker does not do what the configuration asks */
};

/* A refusal's name for metrics and gate_status ("queue_arguments", "access", "vhost",
 * "not_found", "unsupported"; "" for BROKER_TRANSIENT). */
const char *broker_refusal_name(enum broker_refusal r);

struct broker;

/* Not connected yet; borrows c and log. NULL only when out of memory. */
struct broker *broker_new(const struct cfg_broker *c, struct eg_log *log);
void broker_free(struct broker *b);

/* Connects to the next host of the list and starts consuming with this prefetch.
 * On failure, broker_refusal() and broker_host() tell what failed where. */
int broker_connect(struct broker *b, int prefetch, struct eg_err *err);
void broker_disconnect(struct broker *b);

/*
 * For epp-gate --check-config --connect (preflight.h): connects to host number host of
 * broker.hosts, logs in and opens the channel, as broker_connect does, and stops there (0;
 * broker_disconnect() closes). broker_probe_queue() then asks whether broker.queue exists
 * (a passive queue.declare: nothing is created or changed) and how many messages and
 * consumers it has; a queue that does not exist is EG_ECONFIG "queue NAME does not exist
 * in vhost V ...". Both disconnect on failure; broker_refusal() says what kind it was.
 */
int broker_probe_login(struct broker *b, int host, struct eg_err *err);
int broker_probe_queue(struct broker *b, unsigned *messages, unsigned *consumers,
    struct eg_err *err);
int broker_connected(const struct broker *b);

/* The kind of the last failure (connect, consume, service); BROKER_TRANSIENT after a
 * success. */
enum broker_refusal broker_refusal(const struct broker *b);
/* Index in the configured hosts of the one connected to or last tried; its "host:port". */
int broker_host(const struct broker *b);
const char *broker_where(const struct broker *b);

/* Bumped on every connect: a delivery tag is only valid on the connection it came from. */
unsigned broker_generation(const struct broker *b);

/* Socket to poll for POLLIN, -1 when not connected. */
int broker_fd(const struct broker *b);
/* Frames already read into rabbitmq-c's buffers: service without waiting for the socket. */
int broker_pending(const struct broker *b);

/* Reads and handles whatever has arrived, without blocking: deliveries (to fn), returned
 * replies, the broker cancelling our consumer (broker_consuming() turns 0: call
 * broker_consume() to declare the queue again and consume), connection.blocked and
 * unblocked. -1 when the connection failed (it is then closed; reconnect). */
int broker_service(struct broker *b, delivery_fn fn, void *ctx, struct eg_err *err);

/* (Re)starts consuming with this prefetch (at least 1): cancels the current consumer if
 * any, declares the queue again if the broker had cancelled it, sets the per-consumer
 * prefetch and consumes. Synchronous; the caller does not call it while blocked. -1:
 * the connection is closed (reconnect). */
int broker_consume(struct broker *b, int prefetch, struct eg_err *err);
int broker_consuming(const struct broker *b);
int broker_prefetch(const struct broker *b);     /* the consumer's; 0 when none */

/* The broker said connection.blocked (a resource alarm) and not yet unblocked. */
int broker_blocked(const struct broker *b);
/* Replies and acks waiting in the outbox. */
int broker_held(const struct broker *b);

/*
 * Publishes the reply (when reply_to is not NULL) and acks the delivery, in that order,
 * or holds both in the outbox (see above). The ack follows the reply in the same turn of
 * the caller's loop: acks due are sent together by the next broker_service or
 * broker_flush (or a close), as one basic.ack with multiple = 1 for the oldest deliveries
 * when every one of them is answered, single acks for the others (acks.h). A delivery is
 * never acked before its reply is published, nor on another connection.
 */
int broker_answer(struct broker *b, uint64_t tag, const char *reply_to,
    const char *correlation_id, const char *body, size_t len, struct eg_err *err);
/* Sends what the outbox holds once the broker reads again; then a stop's cancel, if one
 * waits. -1 when the connection failed (it is then closed). */
int broker_flush(struct broker *b, struct eg_err *err);

/* Counters since broker_new: deliveries received, basic.ack frames sent, deliveries they
 * acked, and how many of the frames had multiple = 1. */
void broker_acks(const struct broker *b, uint64_t *deliveries, uint64_t *frames,
    uint64_t *acked, uint64_t *multiple);

/* Stops consuming (shutdown): nothing new is taken; answers still go out. While blocked,
 * the basic.cancel waits for unblock, and deliveries that arrive meanwhile are handed
 * back untouched. */
int broker_cancel(struct broker *b, struct eg_err *err);

#endif
