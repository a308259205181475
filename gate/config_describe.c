/* SPDX-License-Identifier: MIT */
/*
 * config_describe.c - the effective configuration as text (--check-config,
 * the start-up log), secrets shown only as set or not; and wiping secrets.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config_int.h"
#include "log.h"

struct sink {
	char *p;
	size_t cap, len;
};

static void
put(struct sink *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct sink *k, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (k->len + 1 >= k->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(k->p + k->len, k->cap - k->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		k->len += (size_t)n < k->cap - k->len ? (size_t)n : k->cap - k->len - 1;
}

static void
put_list(struct sink *k, const char *base, int n, size_t each)
{
	int i;

	put(k, "[");
	for (i = 0; i < n; i++)
		put(k, "%s\"%s\"", i > 0 ? ", " : "", base + (size_t)i * each);
	put(k, "]");
}

/* Seconds in the largest unit that holds them exactly: "3d", "90m", "45s". */
static void
put_duration(struct sink *k, int secs)
{
	if (secs > 0 && secs % 86400 == 0)
		put(k, "\"%dd\"", secs / 86400);
	else if (secs > 0 && secs % 3600 == 0)
		put(k, "\"%dh\"", secs / 3600);
	else if (secs > 0 && secs % 60 == 0)
		put(k, "\"%dm\"", secs / 60);
	else
		put(k, "\"%ds\"", secs);
}

void
gate_config_describe(const struct gate_config *c, char *out, size_t cap)
{
	const char *base = (const char *)c;
	const struct opt *o;
	const void *f;
	struct sink k = {out, cap, 0};
	size_t i;
	int n;

	if (cap == 0)
		return;
	out[0] = '\0';
	put(&k, "# effective configuration (%s)\n", c->config_file[0] != '\0' ? c->config_file :
	    "no config file");
	for (i = 0; i < cfg_nopts; i++) {
		o = &cfg_opts[i];
		f = base + o->off;
		if (o->kind == K_SECRET_FILE || o->kind == K_OBSOLETE)
			continue;   /* a secret is listed as (set) or (not set), where it has a line */
		put(&k, "%-32s = ", o->path);
		switch (o->kind) {
		case K_STR:
		case K_PORT:
			put(&k, o->kind == K_PORT ? "%s" : "\"%s\"", (const char *)f);
			break;
		case K_SECRET:
			put(&k, "%s", ((const char *)f)[0] != '\0' ? "(set)" : "(not set)");
			break;
		case K_INT:
			put(&k, "%d", *(const int *)f);
			break;
		case K_BOOL:
			/* -1: not set, decided where it applies (log.timestamps) */
			put(&k, "%s", *(const int *)f < 0 ? "(automatic)" :
			    *(const int *)f ? "true" : "false");
			break;
		case K_SIZE:
			put(&k, "%zu", *(const size_t *)f);
			break;
		case K_LEVEL:
			put(&k, "\"%s\"", eg_log_level_name(*(const int *)f));
			break;
		case K_URIS:
		case K_HOSTS:
			n = *(const int *)(const void *)(base + o->aux);
			if (o->kind == K_URIS && n == 0 &&
			    (o->aux2 == 0 || !*(const int *)(const void *)(base + o->aux2)))
				put(&k, "(negotiated from the greeting)");
			else
				put_list(&k, f, n, CFG_NAME);
			break;
		case K_DURATION:
			put_duration(&k, *(const int *)f);
			break;
		case K_SECRET_FILE:
		case K_OBSOLETE:
			break;
		}
		put(&k, "\n");
	}
}

void
gate_config_wipe(struct gate_config *c)
{
	explicit_bzero(c->epp.password, sizeof(c->epp.password));
	explicit_bzero(c->epp.new_password, sizeof(c->epp.new_password));
	explicit_bzero(c->broker.password, sizeof(c->broker.password));
	explicit_bzero(c->journal_password, sizeof(c->journal_password));
}
