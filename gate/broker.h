/* SPDX-License-Identifier: MIT */
/*
 * broker.h - the gate's AMQP side (README.md, "Requests and replies"): one
 * connection and channel to RabbitMQ, owned by the AMQP thread alone.
 *
 * Connect (hosts tried in turn), declare the request queue (the reference's
 * declaration by default: not durable, not exclusive, no auto-delete, no
 * arguments; durable or quorum when configured), set the prefetch, consume
 * with manual acks. broker_service() reads what has arrived without blocking
 * and passes each delivery to a callback; it also keeps heartbeats going,
 * which rabbitmq-c only does inside its calls, so the caller invokes it at
 * least every heartbeat/2 seconds. Replies go to the default exchange with
 * routing key reply_to and the mandatory flag: a reply nobody can receive
 * comes back and is logged.
 */
#ifndef EG_BROKER_H
#define EG_BROKER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "log.h"

struct delivery {
	uint64_t tag;
	int redelivered;
	const char *body;            /* valid during the callback only */
	size_t body_len;
	const char *reply_to;        /* NUL-terminated copies, NULL when absent */
	const char *correlation_id;
	const char *message_id;
	int64_t x_deadline_ms;       /* header x-deadline, epoch ms; -1 absent */
	int64_t expiration_ms;       /* property expiration; -1 absent */
	int64_t timestamp_s;         /* property timestamp; -1 absent */
};

typedef void (*delivery_fn)(void *ctx, const struct delivery *d);

struct broker;

/* Not connected yet; borrows c and log. NULL only when out of memory. */
struct broker *broker_new(const struct cfg_broker *c, struct eg_log *log);
void broker_free(struct broker *b);

/* Connects to the next host of the list and starts consuming with this prefetch. */
int broker_connect(struct broker *b, int prefetch, struct eg_err *err);
void broker_disconnect(struct broker *b);
int broker_connected(const struct broker *b);

/* Bumped on every connect: a delivery tag is only valid on the connection it came from. */
unsigned broker_generation(const struct broker *b);

/* Socket to poll for POLLIN, -1 when not connected. */
int broker_fd(const struct broker *b);
/* Frames already read into rabbitmq-c's buffers: service without waiting for the socket. */
int broker_pending(const struct broker *b);

/* Reads and handles whatever has arrived, without blocking. -1 when the connection failed
 * (it is then closed; reconnect). */
int broker_service(struct broker *b, delivery_fn fn, void *ctx, struct eg_err *err);

int broker_set_prefetch(struct broker *b, int n, struct eg_err *err);
int broker_reply(struct broker *b, const char *reply_to, const char *correlation_id,
    const char *body, size_t len, struct eg_err *err);
int broker_ack(struct broker *b, uint64_t tag, struct eg_err *err);

/* Stops consuming (shutdown): nothing new is delivered; acks still work. */
int broker_cancel(struct broker *b, struct eg_err *err);

#endif
