/* SPDX-License-Identifier: MIT */
/*
 * clock.h - time in milliseconds. Deadlines use CLOCK_MONOTONIC so that a
 * wall-clock step never stretches or cuts a timeout; wall time only for
 * timestamps that leave the process (x-deadline headers, logs, health file).
 */
#ifndef EG_CLOCK_H
#define EG_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t
eg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t
eg_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static inline int64_t
eg_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left until deadline (monotonic), never negative; -1 stays "no deadline". */
static inline int
eg_ms_left(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - eg_now_ms();
	if (left < 0)
		return 0;
	return left > 0x7fffffff ? 0x7fffffff : (int)left;
}

#endif
