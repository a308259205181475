/* SPDX-License-Identifier: MIT */
/*
 * config.c - built-in defaults, and the small helpers the other config files
 * share: port numbers, broker host entries, warnings and secret files.
 *
 * The rest of config.h lives beside it: config_opts.c (the table of
 * settings), config_load.c (the libconfig file, epp-gate.conf(5)),
 * config_params.c (the reference gate's params files), config_check.c (the
 * checks once every source was applied) and config_describe.c (the summary,
 * and wiping secrets).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"
#include "log.h"
#include "rdfile.h"

/* ---- small helpers ---------------------------------------------------------- */

int
cfg_port_parse(const char *s)
{
	char *end;
	long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 1 || v > 65535)
		return -1;
	return (int)v;
}

int
gate_broker_split(const char *entry, char *host, size_t hostcap, int *port)
{
	const char *h = entry, *colon, *p = NULL;
	size_t hl;

	if (entry[0] == '[') {
		/* "[v6]" or "[v6]:port" */
		if ((colon = strchr(entry, ']')) == NULL)
			return -1;
		h = entry + 1;
		hl = (size_t)(colon - h);
		if (colon[1] == ':')
			p = colon + 2;
		else if (colon[1] != '\0')
			return -1;
	} else if ((colon = strchr(entry, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
		hl = (size_t)(colon - entry);
		p = colon + 1;
	} else {
		/* no colon, or several: a bare IPv6 literal without a port */
		hl = strlen(entry);
	}
	if (hl == 0 || hl >= hostcap || memchr(h, ' ', hl) != NULL || memchr(h, '/', hl) != NULL)
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (p == NULL)
		*port = DEFAULT_AMQP_PORT;
	else if ((*port = cfg_port_parse(p)) == -1)
		return -1;
	return 0;
}

void
cfg_warnf(warn_fn warn, void *ctx, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (warn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	warn(msg, ctx);
}

int
gate_read_secret_file(const char *path, char *out, size_t cap,
    void (*warn)(const char *msg, void *ctx), void *ctx, struct eg_err *err)
{
	unsigned mode = 0;

	if (eg_secret_read(path, out, cap, &mode, err) == -1)
		return -1;
	if (eg_mode_exposed(mode))
		cfg_warnf(warn, ctx, "secret file %s can be read by group or others (mode %04o); "
		    "make it mode 0600, owned by the gate's user", path, mode);
	return 0;
}

/* ---- defaults --------------------------------------------------------------- */

void
gate_config_defaults(struct gate_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->epp.port, sizeof(c->epp.port), "700");
	c->epp.tls.verify = 1;
	c->epp.sessions = 1;
	c->epp.keepalive_s = 120;
	c->epp.connect_timeout_ms = 10000;
	c->epp.command_timeout_ms = 30000;
	c->epp.login_timeout_ms = 30000;
	c->epp.max_frame = 16 * MIB;
	c->epp.backoff_min_ms = 500;
	c->epp.backoff_max_ms = 60000;
	snprintf(c->epp.cltrid_prefix, sizeof(c->epp.cltrid_prefix), "eg");
	snprintf(c->epp.lang, sizeof(c->epp.lang), "en");

	snprintf(c->broker.hosts[0], sizeof(c->broker.hosts[0]), "localhost:%d",
	    DEFAULT_AMQP_PORT);
	c->broker.n_hosts = 1;
	snprintf(c->broker.user, sizeof(c->broker.user), "guest");
	snprintf(c->broker.password, sizeof(c->broker.password), "guest");
	snprintf(c->broker.vhost, sizeof(c->broker.vhost), "/");
	c->broker.tls.verify = 1;
	c->broker.heartbeat_s = 30;
	c->broker.connect_timeout_ms = 10000;
	c->broker.backoff_min_ms = 500;
	c->broker.backoff_max_ms = 30000;
	snprintf(c->broker.queue, sizeof(c->broker.queue), "epp_messages");

	c->queue_wait_ms = 30000;
	c->journal_retention_s = 3 * 86400;
	c->metrics_interval_s = 10;
	c->log_level = EG_LOG_INFO;
	c->log_timestamps = -1;
	snprintf(c->log_format, sizeof(c->log_format), "text");
	c->reconnect = 1;
}
