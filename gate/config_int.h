/* SPDX-License-Identifier: MIT */
/*
 * config_int.h - what the gate/config*.c files share and no other module
 * sees: the table of settings (config_opts.c), which loading, the
 * unknown-setting check and gate_config_describe() all walk, so that a new
 * setting is one line there and none of them can forget it; and a few small
 * helpers (config.c).
 */
#ifndef EG_GATE_CONFIG_INT_H
#define EG_GATE_CONFIG_INT_H

#include <stddef.h>

#include "config.h"

#define MIB (1024 * 1024)
#define DEFAULT_AMQP_PORT 5672

typedef void (*warn_fn)(const char *msg, void *ctx);

enum kind {
	K_STR,          /* string into char[size] */
	K_SECRET,       /* string into char[size]; never shown */
	K_SECRET_FILE,  /* path of a file whose first line goes into the secret at off */
	K_INT,          /* int in [min, max] */
	K_BOOL,         /* int 0/1 */
	K_SIZE,         /* size_t in [min, max]: integer, or string with k/M/G suffix */
	K_PORT,         /* 1-65535, integer or string, into char[size] */
	K_LEVEL,        /* log level name or 0-4 */
	K_URIS,         /* list of strings into [CFG_MAX_URIS][CFG_NAME]; count at aux */
	K_HOSTS,        /* broker hosts: a string or a list of strings; count at aux */
	K_DURATION,     /* int seconds in [min, max]: integer, or string with s/m/h/d suffix */
	K_OBSOLETE,     /* no longer used: accepted with a warning, valid(NULL) says why */
};

struct opt {
	const char *path;
	enum kind kind;
	size_t off;
	size_t size;
	long long min, max;
	size_t aux;                 /* K_URIS, K_HOSTS: offset of the count */
	size_t aux2;                /* K_URIS: offset of an "explicitly set" flag, 0 = none */
	const char *(*valid)(const char *);
};

/* Every setting of epp-gate.conf(5), in the order of epp-gate.conf.example and of
 * gate_config_describe(). */
extern const struct opt cfg_opts[];
extern const size_t cfg_nopts;

/* A port number 1-65535 written in decimal, or -1. */
int cfg_port_parse(const char *s);

/* Formats a warning and hands it to warn (nothing when warn is NULL). */
void cfg_warnf(warn_fn warn, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
