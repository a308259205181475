/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.h - token buckets shared by all sessions of a gate, so that the
 * registry's command caps (e.g. 100 a minute, login counted) make requests
 * wait instead of failing at the registry. One bucket per command class plus
 * one for all commands; a command takes a token from its class and from the
 * total. Thread-safe.
 */
#ifndef EG_RATELIMIT_H
#define EG_RATELIMIT_H

#include <stdint.h>

#include "config.h"

enum rl_class { RL_QUERY, RL_TRANSFORM, RL_SESSION, RL_NCLASS };

struct ratelimit;

/* Buckets start full. A cfg_rate with per_minute 0 is unlimited. NULL only on ENOMEM. */
struct ratelimit *ratelimit_new(const struct cfg_rate *query, const struct cfg_rate *transform,
    const struct cfg_rate *session, const struct cfg_rate *total);
void ratelimit_free(struct ratelimit *r);

/*
 * Takes a token of class c (and one of the total), sleeping until they are there.
 * deadline: monotonic ms (clock.h), -1 for none. Returns 0 when taken, or -1 at once,
 * taking nothing, when the tokens could not be had before the deadline. A stop flag
 * (when not NULL and set by another thread) ends a wait early with -1.
 */
int ratelimit_take(struct ratelimit *r, enum rl_class c, int64_t deadline,
    const volatile int *stop);

/*
 * The same without waiting, for a caller that waits on its own timers: books the tokens and
 * returns the monotonic ms from which the command may go (at or before now: at once), or
 * -1 at once, booking nothing, when that would be past the deadline.
 */
int64_t ratelimit_book(struct ratelimit *r, enum rl_class c, int64_t deadline);

/* Milliseconds a take of class c would wait now (0 = immediately). */
int64_t ratelimit_wait_ms(struct ratelimit *r, enum rl_class c);

#endif
