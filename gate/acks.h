/* SPDX-License-Identifier: MIT */
/*
 * acks.h - which acknowledgements to send for the deliveries of one AMQP
 * channel, so that several finished together go out as one basic.ack with
 * multiple = 1 (AMQP 0-9-1, basic.ack: "up to and including" the tag).
 *
 * The AMQP thread tells the tracker of every delivery (ack_delivered), of every
 * delivery whose reply has been published and may now be acked (ack_due), and of
 * every delivery settled another way, a basic.reject or a lone basic.ack sent
 * elsewhere (ack_settled). ack_plan() then says what to send: one ack with
 * multiple = 1 for the oldest deliveries the broker still counts as unacked
 * when every one of them is due (so that it covers nothing that is not), and a
 * plain ack for each other due delivery. A delivery is never acked before it is
 * due, that is before its reply went out; nothing waits for a later one either.
 *
 * Delivery tags belong to one channel of one connection: the tracker is reset
 * (ack_reset) when the connection goes, and its due acks are dropped with it
 * (the broker delivers those requests again).
 */
#ifndef EG_ACKS_H
#define EG_ACKS_H

#include <stddef.h>
#include <stdint.h>

struct ack_tracker {
	uint64_t *open;     /* delivered, not settled: ascending */
	size_t n_open, cap_open;
	uint64_t *due;      /* replies published, acks not sent: in the order told */
	size_t n_due, cap_due;
	int lost;           /* a delivery could not be recorded: single acks only until reset */
	/* counters since ack_tracker_init (ack_reset keeps them) */
	uint64_t deliveries, frames, acked, multiple;
};

void ack_tracker_init(struct ack_tracker *t);
void ack_tracker_clear(struct ack_tracker *t);
/* Forgets every delivery (a new connection's tags start again). */
void ack_reset(struct ack_tracker *t);

/* -1 when out of memory: the caller then acks that delivery at once on its own
 * (a delivery that could not be recorded might be covered by a multiple ack: ack_plan then
 * sends single acks only, until ack_reset). */
int ack_delivered(struct ack_tracker *t, uint64_t tag);
int ack_due(struct ack_tracker *t, uint64_t tag);
void ack_settled(struct ack_tracker *t, uint64_t tag);

/* Deliveries whose acks wait. */
size_t ack_pending(const struct ack_tracker *t);

/* Calls send(arg, tag, multiple) for each acknowledgement to send, oldest first, and
 * settles what it covered. Stops at the first send that returns -1 (the connection
 * failed) and returns -1; 0 otherwise. */
int ack_plan(struct ack_tracker *t, int (*send)(void *arg, uint64_t tag, int multiple),
    void *arg);

#endif
