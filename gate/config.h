/* SPDX-License-Identifier: MIT */
/*
 * config.h - everything epp-gate can be told, in one struct.
 *
 * Sources, later ones winning: built-in defaults; the libconfig file given
 * with --config (epp-gate.conf(5)); the reference gate's params files
 * (--epp / --rabbitmq: one line "HOST PORT LOGIN PASSWORD") and --queue; the
 * remaining command-line flags. Secrets may be given inline or read from
 * files (*_file settings); a file holding a secret that other users can read
 * draws a warning. Secrets never appear in any message this module makes.
 *
 * All strings are fixed-size arrays: a loaded config owns no memory, so it is
 * copied freely and needs no destructor; gate_config_wipe() clears secrets.
 *
 * Implemented in gate/config*.c, one concern a file (config.c says which); a
 * new setting is one line in the table of config_opts.c.
 */
#ifndef EG_GATE_CONFIG_H
#define EG_GATE_CONFIG_H

#include <stddef.h>

#include "err.h"

#define CFG_PATH 1024
#define CFG_NAME 256
#define CFG_SECRET 256
#define CFG_MAX_URIS 32
#define CFG_MAX_BROKERS 8

struct cfg_tls {
	char ca_file[CFG_PATH];
	char ca_dir[CFG_PATH];
	char cert_file[CFG_PATH];
	char key_file[CFG_PATH];
	int verify;                     /* 1 unless explicitly turned off */
	char server_name[CFG_NAME];     /* name to verify and send as SNI; "" = host */
};

struct cfg_epp {
	char host[CFG_NAME];
	char port[16];                  /* default "700" */
	char login[CFG_NAME];
	char password[CFG_SECRET];      /* secret */
	char new_password[CFG_SECRET];  /* secret; "" = no change at login */
	struct cfg_tls tls;
	int sessions;                   /* parallel sessions, default 1, max 256 */
	int keepalive_s;                /* <hello/> after this idle time, default 120; 0 = never */
	int connect_timeout_ms;         /* TCP + TLS + greeting, default 10000 */
	int command_timeout_ms;         /* one response, default 30000 */
	int login_timeout_ms;           /* default 30000 */
	size_t max_frame;               /* default 16 MiB */
	int backoff_min_ms;             /* reconnect backoff, default 500 */
	int backoff_max_ms;             /* default 60000 */
	char cltrid_prefix[17];         /* default "eg" */
	char lang[8];                   /* login <lang>, default "en" */
	char obj_uris[CFG_MAX_URIS][CFG_NAME];  /* override of negotiated objURIs; none = greeting */
	int n_obj_uris;
	char ext_uris[CFG_MAX_URIS][CFG_NAME];
	int n_ext_uris;
	int ext_uris_set;               /* 1: ext_uris is an explicit list (possibly empty) */
};

struct cfg_broker {
	char hosts[CFG_MAX_BROKERS][CFG_NAME];  /* "host" or "host:port", tried in turn */
	int n_hosts;                            /* default one: localhost:5672 */
	char user[CFG_NAME];                    /* default "guest" */
	char password[CFG_SECRET];              /* secret; default "guest" */
	char vhost[CFG_NAME];                   /* default "/" */
	int use_tls;
	struct cfg_tls tls;
	int heartbeat_s;                        /* default 30 */
	int connect_timeout_ms;                 /* default 10000 */
	int backoff_min_ms;                     /* default 500 */
	int backoff_max_ms;                     /* default 30000 */
	char queue[CFG_NAME];                   /* default "epp_messages" */
	int durable;                            /* default 0 (reference declaration) */
	int quorum;                             /* default 0; implies durable */
};

struct cfg_rate {           /* token bucket per command class; 0 = unlimited */
	int per_minute;
	int burst;              /* bucket size; default = per_minute / 6, at least 1 */
};

struct gate_config {
	struct cfg_epp epp;
	struct cfg_broker broker;
	struct cfg_rate rate_query;      /* check, info, poll req, hello */
	struct cfg_rate rate_transform;  /* create, update, delete, renew, transfer, poll ack */
	struct cfg_rate rate_session;    /* login */
	struct cfg_rate rate_total;      /* every command, login included */
	int queue_wait_ms;               /* longest a request waits for a session, default 30000 */
	char health_file[CFG_PATH];      /* "" = none */
	int watch_health;                /* re-login when someone else touches the health file */
	char journal_file[CFG_PATH];     /* SQLite journal (journal.h); "" = none */
	char journal_url[CFG_PATH];      /* PostgreSQL journal: a libpq URL; "" = none. Neither:
	                                    no journal (side-effect commands then refuse
	                                    redeliveries they cannot settle) */
	char journal_password[CFG_SECRET];  /* secret: the PostgreSQL role's, from a file */
	int journal_retention_s;         /* rows are pruned this long after their claim,
	                                    default 3 days */
	char metrics_file[CFG_PATH];     /* Prometheus text file, "" = none */
	int metrics_interval_s;          /* default 10 */
	char log_file[CFG_PATH];         /* "" = stderr */
	int log_level;                   /* EG_LOG_*; default info; -v debug, -vv trace */
	int log_timestamps;              /* -1 (default): on, except under the journal, which
	                                    has its own; 0 off; 1 on (never under the journal) */
	char log_format[16];             /* "text" (default) or "json" */
	int log_requests;                /* one info line per request (also -v, level debug) */
	int verbose_poll;                /* per-request lines for poll commands too */
	char alert_command[CFG_PATH];    /* run on session lost/restored, "" = none */
	char alert_email_config[CFG_PATH]; /* reference-compatible JSON, "" = none */
	int reconnect;                   /* reference flag; always on here, kept for compatibility */
	char config_file[CFG_PATH];      /* where the config came from ("" = flags only) */
};

void gate_config_defaults(struct gate_config *c);

/* Reads the libconfig file at path into c (on top of what c holds). Errors name the file,
 * line and setting: "epp-gate.conf:12: epp.sessions: must be an integer 1-256". Warnings
 * (e.g. a world-readable file holding a password) go to warn(msg, ctx) when not NULL. */
int gate_config_load(struct gate_config *c, const char *path,
    void (*warn)(const char *msg, void *ctx), void *ctx, struct eg_err *err);

/* A reference params file: one line "HOST PORT LOGIN PASSWORD". which: "epp" or "rabbitmq"
 * (fills epp.host/port/login/password or broker.hosts[0]/user/password). */
int gate_config_params_file(struct gate_config *c, const char *which, const char *path,
    void (*warn)(const char *msg, void *ctx), void *ctx, struct eg_err *err);

/* Checks the whole config for consistency after every source was applied (required
 * settings present, files readable, ranges), and parses the TLS files of epp.tls and (with
 * broker.tls) broker.tls: certificates, keys and CA files that do not parse, a key that
 * does not match its certificate and an expired certificate are refused, naming the
 * setting and the file. gate_config_check_warn also hands warn (when not NULL) what is
 * not wrong yet: a certificate that expires within CFG_CERT_WARN_DAYS days. */
#define CFG_CERT_WARN_DAYS 30
int gate_config_check(const struct gate_config *c, struct eg_err *err);
int gate_config_check_warn(const struct gate_config *c,
    void (*warn)(const char *msg, void *ctx), void *ctx, struct eg_err *err);

/* Human-readable summary for --check-config and the start-up log; secrets shown as
 * "(set)" / "(not set)". Written to out (always NUL-terminated). */
void gate_config_describe(const struct gate_config *c, char *out, size_t cap);

/* Splits a broker.hosts entry ("host", "host:port", "[v6]:port" or a bare IPv6 literal)
 * into host (brackets removed) and port (default 5672). -1 when malformed. */
int gate_broker_split(const char *entry, char *host, size_t hostcap, int *port);

/* Overwrites every secret in c. */
void gate_config_wipe(struct gate_config *c);

/* Reads a secret from a file (first line, trailing newline removed) into out; warns
 * through warn() when the file is readable by group or others. */
int gate_read_secret_file(const char *path, char *out, size_t cap,
    void (*warn)(const char *msg, void *ctx), void *ctx, struct eg_err *err);

#endif
