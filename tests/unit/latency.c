/* SPDX-License-Identifier: MIT */
/* latency.c - latency samples and their percentiles, for the benchmark programs. */
#include "latency.h"

#include <stdlib.h>

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

void
lat_sort(int64_t *us, size_t n)
{
	qsort(us, n, sizeof(*us), cmp64);
}

double
lat_pct_ms(const int64_t *sorted, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)sorted[i] / 1000.0;
}
