/* SPDX-License-Identifier: MIT */
/*
 * epp-gate: serves JSON RPC requests from a RabbitMQ queue through logged-in
 * EPP sessions. See epp-gate(8) and epp-gate.conf(5).
 *
 * main() reads the command line and configuration, opens the log, blocks the
 * signals every thread would otherwise receive (they arrive on a signalfd in
 * the AMQP loop instead), and runs the gate.
 *
 * Exit statuses (<sysexits.h>, epp-gate(8) EXIT STATUS): 0 orderly stop, 64
 * usage, 78 configuration (also what gate_run() returns when the broker
 * refuses the gate for good), 69 a --connect check found the broker or the
 * registry out of reach (preflight.h), 1 any other failure.
 */
#include <errno.h>
#include <getopt.h>
#include <libxml/parser.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "gate.h"
#include "log.h"
#include "preflight.h"
#include "usage.h"

#define usage_error(...) eg_usage_error("epp-gate", __VA_ARGS__)

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: epp-gate [options]\n"
	    "\n"
	    "Keeps logged-in EPP sessions to a registry and serves JSON RPC requests\n"
	    "from a RabbitMQ queue (a drop-in for the Python epp-gate).\n"
	    "\n"
	    "  --config FILE               configuration file (epp-gate.conf(5))\n"
	    "  -e, --epp FILE              EPP params file: HOST PORT LOGIN PASSWORD\n"
	    "  -r, --rabbitmq FILE         RabbitMQ params file: HOST PORT LOGIN PASSWORD\n"
	    "  -q, --queue NAME            request queue (default epp_messages)\n"
	    "  -c, --reconnect             accepted for compatibility; always on\n"
	    "  -v, --verbose               one log line per request (log.requests) and\n"
	    "                              session detail; twice: protocol detail\n"
	    "  -p, --verbose_poll          also log poll requests\n"
	    "  -a, --alert_email_config FILE   e-mail alerts on session loss (JSON)\n"
	    "  -s, --sentry_dsn DSN        accepted for compatibility; errors go to the log\n"
	    "                              and the alerts (one warning says so)\n"
	    "      --check-config          validate the configuration (TLS files parsed too),\n"
	    "                              print it, exit\n"
	    "      --connect               with --check-config: then connect once to the\n"
	    "                              broker (login, queue) and the registry (TCP, TLS,\n"
	    "                              greeting, login, logout), one line per step\n"
	    "      --version               print the version and exit\n"
	    "  -h, --help                  this text\n"
	    "\n"
	    "Without --config, the params files default to ./epp_credentials and\n"
	    "./rabbitmq_credentials, as with the reference gate.\n"
	    "\n"
	    "exit status: 0 stopped by a signal or a check passed, 64 usage, 78 configuration,\n"
	    "69 broker or registry unavailable (--connect), 1 other failure\n");
}

/*
 * Configuration warnings arrive before the log is open. They are kept and logged once
 * it is, in its format and to its file; for --check-config, or when the configuration
 * is refused and there is no log, they go to stderr (with the journal's priority
 * prefix when stderr is the journal).
 */
#define EARLY_MAX 16

struct early {
	char msg[EARLY_MAX][512];
	int n, dropped;
};

static void
warn_keep(const char *msg, void *ctx)
{
	struct early *w = ctx;

	if (w->n < EARLY_MAX)
		snprintf(w->msg[w->n++], sizeof(w->msg[0]), "%s", msg);
	else
		w->dropped++;
}

static void
warn_flush(struct early *w, const struct eg_log *log)
{
	int i;

	for (i = 0; i < w->n; i++) {
		if (log != NULL)
			log_warn(log, "%s", w->msg[i]);
		else
			fprintf(stderr, "%sepp-gate: warning: %s\n",
			    eg_log_stderr_prefix(EG_LOG_WARN), w->msg[i]);
	}
	if (w->dropped > 0 && log != NULL)
		log_warn(log, "%d more configuration warning(s) left out", w->dropped);
	else if (w->dropped > 0)
		fprintf(stderr, "%sepp-gate: warning: %d more configuration warning(s) left out\n",
		    eg_log_stderr_prefix(EG_LOG_WARN), w->dropped);
	w->n = w->dropped = 0;
}

static void
error_stderr(const char *msg)
{
	fprintf(stderr, "%sepp-gate: %s\n", eg_log_stderr_prefix(EG_LOG_ERR), msg);
}

struct cli {
	const char *config, *epp, *rabbitmq, *queue, *alert_email, *sentry_dsn;
	int verbose, verbose_poll, reconnect, check, connect, version, help;
};

/* 0, or the usage status after one line on stderr. */
static int
parse_cli(int argc, char **argv, struct cli *cli)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'C'},
		{"epp", required_argument, NULL, 'e'},
		{"rabbitmq", required_argument, NULL, 'r'},
		{"queue", required_argument, NULL, 'q'},
		{"reconnect", no_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"verbose_poll", no_argument, NULL, 'p'},
		{"alert_email_config", required_argument, NULL, 'a'},
		{"sentry_dsn", required_argument, NULL, 's'},
		{"check-config", no_argument, NULL, 'K'},
		{"connect", no_argument, NULL, 'N'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	memset(cli, 0, sizeof(*cli));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":e:r:q:cvpa:s:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'C': cli->config = optarg; break;
		case 'e': cli->epp = optarg; break;
		case 'r': cli->rabbitmq = optarg; break;
		case 'q': cli->queue = optarg; break;
		case 'c': cli->reconnect = 1; break;
		case 'v': cli->verbose++; break;
		case 'p': cli->verbose_poll = 1; break;
		case 'a': cli->alert_email = optarg; break;
		case 's': cli->sentry_dsn = optarg; break;
		case 'K': cli->check = 1; break;
		case 'N': cli->connect = 1; break;
		case 'V': cli->version = 1; break;
		case 'h': cli->help = 1; break;
		default: return eg_getopt_failed("epp-gate", ch, argv);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument %s", argv[optind]);
	if (cli->connect && !cli->check)
		return usage_error("--connect goes with --check-config");
	return 0;
}

static void
cfg_warn_sentry(struct early *w)
{
	warn_keep("--sentry_dsn is accepted for compatibility and ignored: errors are reported "
	    "to the log and by the alerts (alert.*), not to Sentry", w);
}

/* Defaults, then the config file, then the params files, then flags. */
static int
load(const struct cli *cli, struct gate_config *c, struct early *w, struct eg_err *err)
{
	const char *epp = cli->epp, *rmq = cli->rabbitmq;

	gate_config_defaults(c);
	if (cli->config != NULL &&
	    gate_config_load(c, cli->config, warn_keep, w, err) == -1)
		return -1;
	if (cli->config == NULL) {
		/* the reference's defaults */
		if (epp == NULL)
			epp = "./epp_credentials";
		if (rmq == NULL && access("./rabbitmq_credentials", R_OK) == 0)
			rmq = "./rabbitmq_credentials";
	}
	if (epp != NULL && gate_config_params_file(c, "epp", epp, warn_keep, w, err) == -1)
		return -1;
	if (rmq != NULL &&
	    gate_config_params_file(c, "rabbitmq", rmq, warn_keep, w, err) == -1)
		return -1;
	if (cli->queue != NULL)
		snprintf(c->broker.queue, sizeof(c->broker.queue), "%s", cli->queue);
	if (cli->alert_email != NULL)
		snprintf(c->alert_email_config, sizeof(c->alert_email_config), "%s", cli->alert_email);
	/* -v: request lines (at level info) and session detail; -vv: protocol trace too. */
	if (cli->verbose >= 1)
		c->log_requests = 1;
	if (cli->verbose == 1 && c->log_level < EG_LOG_DEBUG)
		c->log_level = EG_LOG_DEBUG;
	else if (cli->verbose >= 2)
		c->log_level = EG_LOG_TRACE;
	if (cli->verbose_poll)
		c->verbose_poll = 1;
	if (cli->reconnect)
		c->reconnect = 1;
	/* The reference reports errors to Sentry; this gate has the log and the alerts
	 * (alert.*). The DSN (it may hold a key) is not repeated. */
	if (cli->sentry_dsn != NULL)
		cfg_warn_sentry(w);
	return gate_config_check_warn(c, warn_keep, w, err);
}

int
main(int argc, char **argv)
{
	static struct gate_config cfg;   /* large: kept off the stack */
	static struct early early;
	struct cli cli;
	struct eg_log log;
	struct eg_err err;
	sigset_t set;
	char summary[8192];
	int sigfd, rc, r;

	if ((rc = parse_cli(argc, argv, &cli)) != 0)
		return rc;
	if (cli.help) {
		usage(stdout);
		return 0;
	}
	if (cli.version) {
		printf("epp-gate %s\n", EPPGATE_VERSION);
		return 0;
	}
	if (load(&cli, &cfg, &early, &err) == -1) {
		warn_flush(&early, NULL);
		error_stderr(err.msg);
		gate_config_wipe(&cfg);
		return err.code == EG_ENOMEM ? 1 : EX_CONFIG;
	}
	if (cli.check) {
		warn_flush(&early, NULL);
		gate_config_describe(&cfg, summary, sizeof(summary));
		printf("%sconfiguration OK\n", summary);
		fflush(stdout);
		rc = 0;
		if (cli.connect) {
			signal(SIGPIPE, SIG_IGN);
			xmlInitParser();
			rc = preflight_run(&cfg, stdout, stderr);
			xmlCleanupParser();
		}
		gate_config_wipe(&cfg);
		return rc;
	}
	if (eg_log_open(&log, "epp-gate", cfg.log_file, cfg.log_level, &err) == -1) {
		/* log.file names a file the gate cannot open: a configuration error. */
		warn_flush(&early, NULL);
		error_stderr(err.msg);
		gate_config_wipe(&cfg);
		return EX_CONFIG;
	}
	/* Automatic (-1) is on; the log leaves them out under the journal anyway. */
	log.timestamps = cfg.log_timestamps != 0;
	log.format = eg_log_format_parse(cfg.log_format) == EG_LOG_JSON ? EG_LOG_JSON :
	    EG_LOG_TEXT;
	warn_flush(&early, &log);

	/* Every thread inherits this mask: the signals reach only the loop's signalfd. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* pthread_sigmask() returns its error; signalfd() sets errno. */
	if ((r = pthread_sigmask(SIG_BLOCK, &set, NULL)) != 0 ||
	    (sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) == -1) {
		log_err(&log, "cannot set up signal handling: %s", strerror(r != 0 ? r : errno));
		gate_config_wipe(&cfg);
		return 1;
	}
	/* glibc gives every thread its own malloc arena; a few shared ones keep the
	 * memory of N session threads small, and their locks are not hot. */
	mallopt(M_ARENA_MAX, 2);
	xmlInitParser();
	/* 0 after an orderly stop, else the exit status (EX_CONFIG, 1). */
	rc = gate_run(&cfg, &log, sigfd);
	xmlCleanupParser();
	close(sigfd);
	gate_config_wipe(&cfg);
	eg_log_close(&log);
	return rc;
}
