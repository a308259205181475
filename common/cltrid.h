/* SPDX-License-Identifier: MIT */
/*
 * cltrid.h - client transaction ids, unique within and across gate
 * processes: "<prefix>-<48 random bits in hex>-<counter>", at most 64
 * characters (RFC 5730 trIDStringType allows 3..64). The random part is drawn
 * once per process from getrandom(2); the counter is atomic, so one
 * generator serves every thread.
 */
#ifndef EG_CLTRID_H
#define EG_CLTRID_H

#include <stdatomic.h>

#define CLTRID_MAX 64

struct cltrid_gen {
	char stem[40];                 /* "<prefix>-<hex>-" */
	atomic_ullong counter;
};

/* prefix: up to 16 characters of [A-Za-z0-9._-] (others are dropped); NULL or "" = "eg". */
void cltrid_init(struct cltrid_gen *g, const char *prefix);

/* Writes the next id into out (NUL-terminated, at most CLTRID_MAX characters). */
void cltrid_next(struct cltrid_gen *g, char out[CLTRID_MAX + 1]);

#endif
