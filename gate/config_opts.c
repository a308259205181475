/* SPDX-License-Identifier: MIT */
/*
 * config_opts.c - the table of every setting of epp-gate.conf(5): its name,
 * type, range and place in struct gate_config, and the checks of its value.
 */
#include <string.h>

#include "config_int.h"
#include "log.h"

#define M(f) offsetof(struct gate_config, f), sizeof(((struct gate_config *)0)->f)
#define CNT(f) offsetof(struct gate_config, f)

static const char *valid_cltrid_prefix(const char *);
static const char *valid_lang(const char *);
static const char *valid_nonempty(const char *);
static const char *valid_host(const char *);
static const char *valid_log_format(const char *);
static const char *valid_journal_url(const char *);
static const char *obsolete_max_bytes(const char *);

/* The order is the order of epp-gate.conf.example and of gate_config_describe(). */
const struct opt cfg_opts[] = {
	{"epp.host", K_STR, M(epp.host), 0, 0, 0, 0, valid_host},
	{"epp.port", K_PORT, M(epp.port), 0, 0, 0, 0, NULL},
	{"epp.login", K_STR, M(epp.login), 0, 0, 0, 0, NULL},
	{"epp.password", K_SECRET, M(epp.password), 0, 0, 0, 0, NULL},
	{"epp.password_file", K_SECRET_FILE, M(epp.password), 0, 0, 0, 0, NULL},
	{"epp.new_password", K_SECRET, M(epp.new_password), 0, 0, 0, 0, NULL},
	{"epp.new_password_file", K_SECRET_FILE, M(epp.new_password), 0, 0, 0, 0, NULL},
	{"epp.sessions", K_INT, M(epp.sessions), 1, 256, 0, 0, NULL},
	{"epp.keepalive", K_INT, M(epp.keepalive_s), 0, 86400, 0, 0, NULL},
	{"epp.connect_timeout_ms", K_INT, M(epp.connect_timeout_ms), 100, 600000, 0, 0, NULL},
	{"epp.command_timeout_ms", K_INT, M(epp.command_timeout_ms), 100, 3600000, 0, 0, NULL},
	{"epp.login_timeout_ms", K_INT, M(epp.login_timeout_ms), 100, 600000, 0, 0, NULL},
	{"epp.max_frame", K_SIZE, M(epp.max_frame), 4096, 1024LL * MIB, 0, 0, NULL},
	{"epp.backoff_min_ms", K_INT, M(epp.backoff_min_ms), 10, 3600000, 0, 0, NULL},
	{"epp.backoff_max_ms", K_INT, M(epp.backoff_max_ms), 10, 3600000, 0, 0, NULL},
	{"epp.cltrid_prefix", K_STR, M(epp.cltrid_prefix), 0, 0, 0, 0, valid_cltrid_prefix},
	{"epp.lang", K_STR, M(epp.lang), 0, 0, 0, 0, valid_lang},
	{"epp.obj_uris", K_URIS, M(epp.obj_uris), 0, 0, CNT(epp.n_obj_uris), 0, NULL},
	{"epp.ext_uris", K_URIS, M(epp.ext_uris), 0, 0, CNT(epp.n_ext_uris),
	    CNT(epp.ext_uris_set), NULL},
	{"epp.tls.ca_file", K_STR, M(epp.tls.ca_file), 0, 0, 0, 0, NULL},
	{"epp.tls.ca_dir", K_STR, M(epp.tls.ca_dir), 0, 0, 0, 0, NULL},
	{"epp.tls.cert_file", K_STR, M(epp.tls.cert_file), 0, 0, 0, 0, NULL},
	{"epp.tls.key_file", K_STR, M(epp.tls.key_file), 0, 0, 0, 0, NULL},
	{"epp.tls.verify", K_BOOL, M(epp.tls.verify), 0, 0, 0, 0, NULL},
	{"epp.tls.server_name", K_STR, M(epp.tls.server_name), 0, 0, 0, 0, NULL},

	{"broker.hosts", K_HOSTS, M(broker.hosts), 0, 0, CNT(broker.n_hosts), 0, NULL},
	{"broker.user", K_STR, M(broker.user), 0, 0, 0, 0, valid_nonempty},
	{"broker.password", K_SECRET, M(broker.password), 0, 0, 0, 0, NULL},
	{"broker.password_file", K_SECRET_FILE, M(broker.password), 0, 0, 0, 0, NULL},
	{"broker.vhost", K_STR, M(broker.vhost), 0, 0, 0, 0, valid_nonempty},
	{"broker.heartbeat", K_INT, M(broker.heartbeat_s), 0, 3600, 0, 0, NULL},
	{"broker.connect_timeout_ms", K_INT, M(broker.connect_timeout_ms), 100, 600000, 0, 0, NULL},
	{"broker.backoff_min_ms", K_INT, M(broker.backoff_min_ms), 10, 3600000, 0, 0, NULL},
	{"broker.backoff_max_ms", K_INT, M(broker.backoff_max_ms), 10, 3600000, 0, 0, NULL},
	{"broker.tls.enabled", K_BOOL, M(broker.use_tls), 0, 0, 0, 0, NULL},
	{"broker.tls.ca_file", K_STR, M(broker.tls.ca_file), 0, 0, 0, 0, NULL},
	{"broker.tls.ca_dir", K_STR, M(broker.tls.ca_dir), 0, 0, 0, 0, NULL},
	{"broker.tls.cert_file", K_STR, M(broker.tls.cert_file), 0, 0, 0, 0, NULL},
	{"broker.tls.key_file", K_STR, M(broker.tls.key_file), 0, 0, 0, 0, NULL},
	{"broker.tls.verify", K_BOOL, M(broker.tls.verify), 0, 0, 0, 0, NULL},
	{"broker.tls.server_name", K_STR, M(broker.tls.server_name), 0, 0, 0, 0, NULL},
	{"broker.queue.name", K_STR, M(broker.queue), 0, 0, 0, 0, valid_nonempty},
	{"broker.queue.durable", K_BOOL, M(broker.durable), 0, 0, 0, 0, NULL},
	{"broker.queue.quorum", K_BOOL, M(broker.quorum), 0, 0, 0, 0, NULL},

	{"rate_limit.query.per_minute", K_INT, M(rate_query.per_minute), 0, 1000000, 0, 0, NULL},
	{"rate_limit.query.burst", K_INT, M(rate_query.burst), 0, 1000000, 0, 0, NULL},
	{"rate_limit.transform.per_minute", K_INT, M(rate_transform.per_minute), 0, 1000000, 0, 0,
	    NULL},
	{"rate_limit.transform.burst", K_INT, M(rate_transform.burst), 0, 1000000, 0, 0, NULL},
	{"rate_limit.session.per_minute", K_INT, M(rate_session.per_minute), 0, 1000000, 0, 0,
	    NULL},
	{"rate_limit.session.burst", K_INT, M(rate_session.burst), 0, 1000000, 0, 0, NULL},
	{"rate_limit.total.per_minute", K_INT, M(rate_total.per_minute), 0, 1000000, 0, 0, NULL},
	{"rate_limit.total.burst", K_INT, M(rate_total.burst), 0, 1000000, 0, 0, NULL},
	{"queue_wait_ms", K_INT, M(queue_wait_ms), 0, 3600000, 0, 0, NULL},

	{"health.file", K_STR, M(health_file), 0, 0, 0, 0, NULL},
	{"health.watch", K_BOOL, M(watch_health), 0, 0, 0, 0, NULL},
	{"journal.file", K_STR, M(journal_file), 0, 0, 0, 0, NULL},
	{"journal.url", K_STR, M(journal_url), 0, 0, 0, 0, valid_journal_url},
	{"journal.password_file", K_SECRET_FILE, M(journal_password), 0, 0, 0, 0, NULL},
	{"journal.retention", K_DURATION, M(journal_retention_s), 60, 3650LL * 86400, 0, 0, NULL},
	{"journal.max_bytes", K_OBSOLETE, 0, 0, 0, 0, 0, 0, obsolete_max_bytes},
	{"metrics.file", K_STR, M(metrics_file), 0, 0, 0, 0, NULL},
	{"metrics.interval", K_INT, M(metrics_interval_s), 1, 3600, 0, 0, NULL},
	{"log.file", K_STR, M(log_file), 0, 0, 0, 0, NULL},
	{"log.level", K_LEVEL, M(log_level), 0, 0, 0, 0, NULL},
	{"log.timestamps", K_BOOL, M(log_timestamps), 0, 0, 0, 0, NULL},
	{"log.format", K_STR, M(log_format), 0, 0, 0, 0, valid_log_format},
	{"log.requests", K_BOOL, M(log_requests), 0, 0, 0, 0, NULL},
	{"log.verbose_poll", K_BOOL, M(verbose_poll), 0, 0, 0, 0, NULL},
	{"alert.command", K_STR, M(alert_command), 0, 0, 0, 0, NULL},
	{"alert.email_config", K_STR, M(alert_email_config), 0, 0, 0, 0, NULL},
	{"reconnect", K_BOOL, M(reconnect), 0, 0, 0, 0, NULL},
};

const size_t cfg_nopts = sizeof(cfg_opts) / sizeof(cfg_opts[0]);


static const char *
valid_cltrid_prefix(const char *s)
{
	size_t i;

	if (strlen(s) > 16)
		return "must be at most 16 characters";
	/* The prefix starts every clTRID (a token, at most 64 characters): keep it plain. */
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' || s[i] == '.'))
			return "may hold only letters, digits, '-', '_' and '.'";
	return NULL;
}

static const char *
valid_lang(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 2 || n > 7)
		return "must be a language tag such as \"en\"";
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-'))
			return "must be a language tag such as \"en\"";
	return NULL;
}

static const char *
valid_nonempty(const char *s)
{
	return s[0] == '\0' ? "must not be empty" : NULL;
}

static const char *
valid_host(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '/')
			return "must be a host name or an IP address";
	return NULL;
}

static const char *
valid_log_format(const char *s)
{
	return eg_log_format_parse(s) == -1 ? "must be \"text\" or \"json\"" : NULL;
}

/* libpq's URL, without a password: that comes from journal.password_file, so that it is in
 * no config summary and no process listing. */
static const char *
valid_journal_url(const char *s)
{
	const char *rest, *at, *colon, *slash;

	if (s[0] == '\0')
		return NULL;
	if (strncmp(s, "postgresql://", 13) == 0)
		rest = s + 13;
	else if (strncmp(s, "postgres://", 11) == 0)
		rest = s + 11;
	else
		return "must be a PostgreSQL URL: postgresql://USER@HOST:PORT/DATABASE";
	slash = rest + strcspn(rest, "/?");
	at = memchr(rest, '@', (size_t)(slash - rest));
	colon = at != NULL ? memchr(rest, ':', (size_t)(at - rest)) : NULL;
	if (colon != NULL || strstr(s, "password=") != NULL)
		return "must not hold a password: put it in a file named by journal.password_file";
	return NULL;
}

static const char *
obsolete_max_bytes(const char *s)
{
	(void)s;
	return "is no longer used (the journal is pruned by age: journal.retention); remove it";
}
