/* SPDX-License-Identifier: MIT */
/*
 * config_check.c - the checks made once every source of the configuration
 * was applied: required settings, files that must be readable, directories
 * that must be writable, ranges that depend on each other, and the TLS files
 * parsed (tls.h, tls_check_files) so that a wrong one is named before a
 * connection fails on it.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config_int.h"
#include "credentials.h"
#include "log.h"
#include "tls.h"

static int
check_readable(const char *setting, const char *file, struct eg_err *err)
{
	if (file[0] != '\0' && access(file, R_OK) == -1)
		return eg_err_set(err, EG_ECONFIG, "%s: cannot read %s: %s", setting, file,
		    strerror(errno));
	return 0;
}

/* The directory a file will be created in must exist and be writable. */
static int
check_dir_of(const char *setting, const char *file, struct eg_err *err)
{
	char copy[CFG_PATH];
	const char *dir;

	if (file[0] == '\0')
		return 0;
	snprintf(copy, sizeof(copy), "%s", file);
	dir = dirname(copy);
	if (access(dir, W_OK | X_OK) == -1)
		return eg_err_set(err, EG_ECONFIG, "%s: directory %s of %s is not writable: %s",
		    setting, dir, file, strerror(errno));
	return 0;
}

static const char *
tls_file_setting(enum tls_file f)
{
	switch (f) {
	case TLS_FILE_CERT:
		return "cert_file";
	case TLS_FILE_KEY:
		return "key_file";
	case TLS_FILE_CA:
		return "ca_file";
	case TLS_FILE_NONE:
		break;
	}
	return "?";
}

static const char *
tls_file_of(const struct cfg_tls *t, enum tls_file f)
{
	return f == TLS_FILE_CERT ? t->cert_file : f == TLS_FILE_KEY ? t->key_file :
	    f == TLS_FILE_CA ? t->ca_file : "";
}

/* Readable first (the message says why not), then parsed; an expired certificate is
 * refused, one that expires soon warned about. */
static int
check_tls(const char *prefix, const struct cfg_tls *t, warn_fn warn, void *ctx,
    struct eg_err *err)
{
	struct tls_opts o = {t->ca_file, NULL, t->cert_file, t->key_file, t->verify};
	struct tls_file_check r;
	struct eg_err e;
	char name[64], date[32];
	time_t na, now = time(NULL);
	struct tm tm;

	if ((t->cert_file[0] == '\0') != (t->key_file[0] == '\0'))
		return eg_err_set(err, EG_ECONFIG, "%s.tls: cert_file and key_file go together "
		    "(set both or neither)", prefix);
	snprintf(name, sizeof(name), "%s.tls.ca_file", prefix);
	if (check_readable(name, t->ca_file, err) == -1)
		return -1;
	snprintf(name, sizeof(name), "%s.tls.ca_dir", prefix);
	if (check_readable(name, t->ca_dir, err) == -1)
		return -1;
	snprintf(name, sizeof(name), "%s.tls.cert_file", prefix);
	if (check_readable(name, t->cert_file, err) == -1)
		return -1;
	snprintf(name, sizeof(name), "%s.tls.key_file", prefix);
	if (check_readable(name, t->key_file, err) == -1)
		return -1;
	if (tls_check_files(&o, &r, &e) == -1)
		return eg_err_set(err, e.code, "%s.tls.%s %s: %s", prefix,
		    tls_file_setting(r.bad), tls_file_of(t, r.bad), e.msg);
	if (r.not_after == 0)
		return 0;
	na = (time_t)r.not_after;
	if (gmtime_r(&na, &tm) == NULL || strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC",
	    &tm) == 0)
		snprintf(date, sizeof(date), "%lld", (long long)r.not_after);
	if (na <= now)
		return eg_err_set(err, EG_ECONFIG, "%s.tls.cert_file %s: certificate %s expired "
		    "on %s", prefix, t->cert_file, r.expiring, date);
	if (na - now < (time_t)CFG_CERT_WARN_DAYS * 86400)
		cfg_warnf(warn, ctx, "%s.tls.cert_file %s: certificate %s expires on %s (in %lld "
		    "days)", prefix, t->cert_file, r.expiring, date,
		    (long long)((na - now) / 86400));
	return 0;
}

static int
check_backoff(const char *prefix, int lo, int hi, struct eg_err *err)
{
	if (lo > hi)
		return eg_err_set(err, EG_ECONFIG, "%s.backoff_min_ms (%d) is above "
		    "%s.backoff_max_ms (%d)", prefix, lo, prefix, hi);
	return 0;
}

int
gate_config_check(const struct gate_config *c, struct eg_err *err)
{
	return gate_config_check_warn(c, NULL, NULL, err);
}

int
gate_config_check_warn(const struct gate_config *c, warn_fn warn, void *ctx,
    struct eg_err *err)
{
	char host[CFG_NAME];
	const char *why;
	int i, port;

	if (c->epp.host[0] == '\0')
		return eg_err_set(err, EG_ECONFIG, "epp.host is not set (config file, or the "
		    "first field of the --epp params file)");
	if (cfg_port_parse(c->epp.port) == -1)
		return eg_err_set(err, EG_ECONFIG, "epp.port must be a port number 1-65535");
	if (c->epp.login[0] == '\0')
		return eg_err_set(err, EG_ECONFIG, "epp.login is not set (config file, or the "
		    "third field of the --epp params file)");
	if (c->epp.password[0] == '\0')
		return eg_err_set(err, EG_ECONFIG, "epp.password is not set (epp.password or "
		    "epp.password_file in the config file, or the --epp params file)");
	/* The login builder's own rule: a password it would refuse fails here, at start,
	 * rather than in every login attempt after. */
	if ((why = cred_pw_problem(c->epp.password)) != NULL)
		return eg_err_set(err, EG_ECONFIG, "epp.password (epp.password, "
		    "epp.password_file or the --epp params file) %s", why);
	if (c->epp.new_password[0] != '\0' && (why = cred_pw_problem(c->epp.new_password)) != NULL)
		return eg_err_set(err, EG_ECONFIG, "epp.new_password (epp.new_password or "
		    "epp.new_password_file) %s", why);
	if (c->epp.sessions < 1 || c->epp.sessions > 256)
		return eg_err_set(err, EG_ECONFIG, "epp.sessions must be 1-256");
	if (check_backoff("epp", c->epp.backoff_min_ms, c->epp.backoff_max_ms, err) == -1 ||
	    check_backoff("broker", c->broker.backoff_min_ms, c->broker.backoff_max_ms, err) == -1)
		return -1;
	if (check_tls("epp", &c->epp.tls, warn, ctx, err) == -1)
		return -1;
	if (c->broker.n_hosts < 1 || c->broker.n_hosts > CFG_MAX_BROKERS)
		return eg_err_set(err, EG_ECONFIG, "broker.hosts needs 1-%d hosts", CFG_MAX_BROKERS);
	for (i = 0; i < c->broker.n_hosts; i++)
		if (gate_broker_split(c->broker.hosts[i], host, sizeof(host), &port) == -1)
			return eg_err_set(err, EG_ECONFIG, "broker.hosts: \"%s\" is not \"host\" or "
			    "\"host:port\"", c->broker.hosts[i]);
	if (c->broker.queue[0] == '\0')
		return eg_err_set(err, EG_ECONFIG, "broker.queue.name must not be empty");
	if (c->broker.use_tls && check_tls("broker", &c->broker.tls, warn, ctx, err) == -1)
		return -1;
	if (c->log_level < EG_LOG_ERR || c->log_level > EG_LOG_TRACE)
		return eg_err_set(err, EG_ECONFIG, "log.level must be error, warning, info, debug "
		    "or trace");
	if (c->journal_file[0] != '\0' && c->journal_url[0] != '\0')
		return eg_err_set(err, EG_ECONFIG, "journal: set file (SQLite) or url (PostgreSQL), "
		    "not both");
	if (c->journal_password[0] != '\0' && c->journal_url[0] == '\0')
		return eg_err_set(err, EG_ECONFIG, "journal.password_file is set but journal.url "
		    "is not (the password is PostgreSQL's)");
	if (c->watch_health && c->health_file[0] == '\0')
		return eg_err_set(err, EG_ECONFIG, "health.watch is on but health.file is not set");
	if (check_dir_of("health.file", c->health_file, err) == -1 ||
	    check_dir_of("journal.file", c->journal_file, err) == -1 ||
	    check_dir_of("metrics.file", c->metrics_file, err) == -1 ||
	    check_dir_of("log.file", c->log_file, err) == -1)
		return -1;
	return check_readable("alert.email_config", c->alert_email_config, err);
}
