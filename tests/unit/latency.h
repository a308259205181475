/* SPDX-License-Identifier: MIT */
/*
 * latency.h - percentiles of latency samples, for the benchmark programs
 * (the files of tests/unit that are not tests are linked into them).
 */
#ifndef EG_LATENCY_H
#define EG_LATENCY_H

#include <stddef.h>
#include <stdint.h>

/* Sorts n samples (microseconds) in place, ascending. */
void lat_sort(int64_t *us, size_t n);

/* The p-quantile (0..1) of sorted samples, in milliseconds; 0 when there are none. */
double lat_pct_ms(const int64_t *sorted, size_t n, double p);

#endif
