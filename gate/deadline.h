/* SPDX-License-Identifier: MIT */
/*
 * deadline.h - a request's deadline, read from its AMQP message (README.md,
 * "Requests and replies"): the header x-deadline, epoch milliseconds, as any
 * AMQP number (long, int, short, byte, their unsigned forms, double, float,
 * decimal) or a string of digits, or an AMQP timestamp (epoch seconds);
 * without it, the properties timestamp (epoch seconds) + expiration
 * (milliseconds, a string of digits). Pure functions: no clock is read here.
 *
 * A deadline is kept as wall-clock epoch milliseconds until the request is
 * taken; gate.c answers one already past at once ("expired"), however far
 * back it lies, and turns one still ahead into a monotonic time with
 * deadline_mono(), which is never earlier than "now", so that a job's
 * deadline_ms (job.h) cannot take the value -1 that means "none".
 */
#ifndef EG_DEADLINE_H
#define EG_DEADLINE_H

#include <amqp.h>
#include <stdint.h>

#include "err.h"

/* Deadlines further ahead than this count as this far (10 years): no arithmetic on a
 * monotonic deadline can overflow. */
#define DEADLINE_FAR_MS (INT64_C(3650) * 24 * 3600 * 1000)

/* x-deadline's value as epoch milliseconds in *wall_ms. -1 with err (EG_EREQUEST,
 * "x-deadline: ...") when it cannot be read as one: a string that is not digits, a
 * negative number, NaN or infinity, a number beyond int64 milliseconds, a boolean, a
 * table, an array, a void. */
int deadline_field(const amqp_field_value_t *v, int64_t *wall_ms, struct eg_err *err);

/* The deadline of a message with these properties: 1 and *wall_ms (epoch ms) when it
 * has one, 0 when it has none, -1 with err (EG_EREQUEST) when x-deadline (or
 * timestamp + expiration) cannot be read. x-deadline wins over timestamp + expiration. */
int deadline_of_message(const amqp_basic_properties_t *p, int64_t *wall_ms,
    struct eg_err *err);

/* The monotonic time of the wall-clock deadline wall_ms, read at (now_wall_ms,
 * now_mono_ms): at least now_mono_ms (a deadline already past maps to now; the caller
 * answers those before), at most now_mono_ms + DEADLINE_FAR_MS. */
int64_t deadline_mono(int64_t wall_ms, int64_t now_wall_ms, int64_t now_mono_ms);

#endif
