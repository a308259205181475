/* SPDX-License-Identifier: MIT */
/*
 * cltrid.c - client transaction ids: a random stem per process and an atomic
 * counter (see cltrid.h).
 */
#include "cltrid.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

void
cltrid_init(struct cltrid_gen *g, const char *prefix)
{
	unsigned char r[6];
	char clean[17];
	size_t i, n = 0;

	for (i = 0; prefix != NULL && prefix[i] != '\0' && n < sizeof(clean) - 1; i++) {
		char c = prefix[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-')
			clean[n++] = c;
	}
	clean[n] = '\0';
	if (n == 0)
		strcpy(clean, "eg");
	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
		/* Never expected; still keep processes apart by pid and time. */
		unsigned long x = (unsigned long)getpid() ^ (unsigned long)time(NULL) << 16;

		for (i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(x >> (i * 8));
	}
	snprintf(g->stem, sizeof(g->stem), "%s-%02x%02x%02x%02x%02x%02x-", clean, r[0], r[1],
	    r[2], r[3], r[4], r[5]);
	atomic_init(&g->counter, 0);
}

void
cltrid_next(struct cltrid_gen *g, char out[CLTRID_MAX + 1])
{
	unsigned long long n = atomic_fetch_add(&g->counter, 1) + 1;

	snprintf(out, CLTRID_MAX + 1, "%s%llu", g->stem, n);
}
