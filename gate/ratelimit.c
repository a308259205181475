/* SPDX-License-Identifier: MIT */
/*
 * ratelimit.c - token buckets shared by the sessions (see ratelimit.h).
 *
 * Each bucket is kept as a "theoretical arrival time" (GCRA, the virtual
 * scheduling form of a token bucket): tat is when the bucket would be back to
 * empty-but-one if takes came at exactly the steady rate, and a take may go at
 * time s when s >= tat - tau, tau being (burst - 1) token intervals. A full
 * bucket is tat <= now; each take moves tat one interval on.
 *
 * Fairness: a take decides its start time s under the mutex, from both of its
 * buckets, and reserves it at once (tat = max(tat, s) + interval) before it
 * sleeps. A later arrival sees the reservation and is scheduled after what is
 * left, so a waiter's time is fixed when it arrives and no stream of newcomers
 * can push it back: waiters are served in arrival order within a bucket. A
 * take whose class is exhausted does not hold up takes of other classes beyond
 * the one total token it has booked at its own start time.
 *
 * Booking a future time on the total bucket while another take books an
 * earlier one is safe: a take is admitted only if its start time s satisfies
 * s >= tat - tau with tat already counting every booking, so tat stays an upper
 * bound of the real bucket content and no window ever sees more than burst +
 * rate x window takes. For the same reason a take that gives up (stop flag)
 * returns its booking only if nobody has booked after it; otherwise the slot
 * is simply lost, which errs on the slow side.
 *
 * Times are CLOCK_MONOTONIC nanoseconds; the interval is rounded up, so the
 * limiter is never faster than configured.
 */
#include "ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"

#define NS_PER_MS   1000000LL
#define NS_PER_S    1000000000LL
#define SLICE_NS    (100 * NS_PER_MS)   /* longest sleep between looks at the stop flag */
#define TAU_MAX_NS  ((int64_t)1 << 60)  /* keeps tat - tau far from overflow */
#define TOTAL       RL_NCLASS

struct bucket {
	int limited;
	int64_t interval;   /* ns per token at the steady rate */
	int64_t tau;        /* ns a take may run ahead of the steady rate */
	int64_t tat;        /* theoretical arrival time, ns */
};

struct ratelimit {
	pthread_mutex_t mu;
	struct bucket b[RL_NCLASS + 1];   /* classes, then the total */
};

static int64_t
now_ns(void)
{
	return eg_now_us() * 1000;
}

/* The flag is set by another thread: an atomic load keeps that a defined exchange. */
static int
stopped(const volatile int *stop)
{
	return stop != NULL && __atomic_load_n(stop, __ATOMIC_ACQUIRE) != 0;
}

static void
bucket_init(struct bucket *b, const struct cfg_rate *c, int64_t now)
{
	int64_t burst;

	memset(b, 0, sizeof(*b));
	if (c == NULL || c->per_minute <= 0)
		return;
	burst = c->burst > 0 ? c->burst : c->per_minute / 6;
	if (burst < 1)
		burst = 1;
	b->limited = 1;
	b->interval = (60 * NS_PER_S + c->per_minute - 1) / c->per_minute;
	b->tau = burst - 1 > TAU_MAX_NS / b->interval ? TAU_MAX_NS : (burst - 1) * b->interval;
	b->tat = now;   /* full: burst takes may go now */
}

/* The earliest start a take of class c may have, given every booking so far. */
static int64_t
schedule(const struct ratelimit *r, enum rl_class c, int64_t now)
{
	const struct bucket *bs[2] = { &r->b[c], &r->b[TOTAL] };
	int64_t at = now;
	int i;

	for (i = 0; i < 2; i++)
		if (bs[i]->limited && bs[i]->tat - bs[i]->tau > at)
			at = bs[i]->tat - bs[i]->tau;
	return at;
}

struct ratelimit *
ratelimit_new(const struct cfg_rate *query, const struct cfg_rate *transform,
    const struct cfg_rate *session, const struct cfg_rate *total)
{
	struct ratelimit *r;
	int64_t now = now_ns();

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if (pthread_mutex_init(&r->mu, NULL) != 0) {
		free(r);
		return NULL;
	}
	bucket_init(&r->b[RL_QUERY], query, now);
	bucket_init(&r->b[RL_TRANSFORM], transform, now);
	bucket_init(&r->b[RL_SESSION], session, now);
	bucket_init(&r->b[TOTAL], total, now);
	return r;
}

void
ratelimit_free(struct ratelimit *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* Books the earliest slot of class c (and of the total): its start in ns, or -1, booking
 * nothing, when that start is past deadline (monotonic ms, -1: none) or when it is not now
 * and stop is set. before/after: each bucket's booking mark around it, for give_back. */
static int64_t
book(struct ratelimit *r, enum rl_class c, int64_t deadline, const volatile int *stop,
    int64_t before[2], int64_t after[2])
{
	struct bucket *bs[2] = { &r->b[c], &r->b[TOTAL] };
	int64_t now, at;
	int i;

	pthread_mutex_lock(&r->mu);
	now = now_ns();
	at = schedule(r, c, now);
	if ((deadline >= 0 && deadline <= INT64_MAX / NS_PER_MS && at > deadline * NS_PER_MS) ||
	    (at > now && stopped(stop))) {
		pthread_mutex_unlock(&r->mu);
		return -1;
	}
	for (i = 0; i < 2; i++) {
		if (!bs[i]->limited)
			continue;
		before[i] = bs[i]->tat;
		bs[i]->tat = (bs[i]->tat > at ? bs[i]->tat : at) + bs[i]->interval;
		after[i] = bs[i]->tat;
	}
	pthread_mutex_unlock(&r->mu);
	return at;
}

/* Gives a booking back, only where it is still the latest (see the top). */
static void
give_back(struct ratelimit *r, enum rl_class c, const int64_t before[2],
    const int64_t after[2])
{
	struct bucket *bs[2] = { &r->b[c], &r->b[TOTAL] };
	int i;

	pthread_mutex_lock(&r->mu);
	for (i = 0; i < 2; i++)
		if (bs[i]->limited && bs[i]->tat == after[i])
			bs[i]->tat = before[i];
	pthread_mutex_unlock(&r->mu);
}

int
ratelimit_take(struct ratelimit *r, enum rl_class c, int64_t deadline,
    const volatile int *stop)
{
	int64_t now, at, until, before[2] = { 0, 0 }, after[2] = { 0, 0 };
	struct timespec ts;

	if ((unsigned)c >= RL_NCLASS || (at = book(r, c, deadline, stop, before, after)) < 0)
		return -1;
	while ((now = now_ns()) < at) {
		if (stopped(stop)) {
			give_back(r, c, before, after);
			return -1;
		}
		until = at - now > SLICE_NS ? now + SLICE_NS : at;
		ts.tv_sec = (time_t)(until / NS_PER_S);
		ts.tv_nsec = (long)(until % NS_PER_S);
		/* EINTR or an early return: the loop looks at the clock again. */
		(void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
	return 0;
}

int64_t
ratelimit_book(struct ratelimit *r, enum rl_class c, int64_t deadline)
{
	int64_t at, now, before[2] = { 0, 0 }, after[2] = { 0, 0 };

	if ((unsigned)c >= RL_NCLASS || (at = book(r, c, deadline, NULL, before, after)) < 0)
		return -1;
	/* A slot that is already open is now, not the next millisecond: rounding it up would
	 * set every command aside for up to 1 ms. */
	if (at <= (now = now_ns()))
		return now / NS_PER_MS;
	return (at + NS_PER_MS - 1) / NS_PER_MS;
}

int64_t
ratelimit_wait_ms(struct ratelimit *r, enum rl_class c)
{
	int64_t now, at;

	if ((unsigned)c >= RL_NCLASS)
		return 0;
	pthread_mutex_lock(&r->mu);
	now = now_ns();
	at = schedule(r, c, now);
	pthread_mutex_unlock(&r->mu);
	return (at - now + NS_PER_MS - 1) / NS_PER_MS;
}
