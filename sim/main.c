/* SPDX-License-Identifier: MIT */
/*
 * epp-sim - an EPP registry simulator for registrars to test against (and for
 * this project's tests, benchmarks and demo): a real EPP server over real TLS
 * (RFC 5730-5734) with a stateful registry in memory and knobs that make it
 * misbehave. usage() and epp-sim(1) say what it does; registry.h, faults.h and
 * cmdlog.h say how.
 *
 * Exit statuses (<sysexits.h>, epp-sim(1) EXIT STATUS): 0 stopped by a signal,
 * 64 usage (one line on stderr), 78 what an option names cannot be used
 * (certificate, key, account, command log, port file), 1 cannot listen or out
 * of memory.
 */
#include <errno.h>
#include <getopt.h>
#include <libxml/parser.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cmdlog.h"
#include "faults.h"
#include "log.h"
#include "rdfile.h"
#include "registry.h"
#include "server.h"
#include "tls.h"
#include "usage.h"

#define usage_error(...) eg_usage_error("epp-sim", __VA_ARGS__)

#ifndef EPPGATE_VERSION
#define EPPGATE_VERSION "dev"
#endif

#define MAX_ACCOUNTS 32
#define MAX_FAULTS FAULT_MAX_RULES

static volatile sig_atomic_t got_term, got_usr1, got_usr2, got_hup;

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGUSR1: got_usr1 = 1; break;
	case SIGUSR2: got_usr2 = 1; break;
	case SIGHUP: got_hup = 1; break;
	default: got_term = 1; break;
	}
}

struct opts {
	char host[256];
	char port[16];
	const char *port_file;
	const char *cert, *key, *ca;
	int require_client_cert;
	const char *accounts[MAX_ACCOUNTS];
	size_t naccounts;
	const char *faults[MAX_FAULTS];
	size_t nfaults;
	const char *fault_file;
	const char *log_file;
	int verbose;
	int idle_timeout_s;
	int latency_ms;
	int stall_ms;
	struct registry_config reg;
	int objuri_given, exturi_given, svid_given;
	const char *greeting_file;
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: epp-sim --cert FILE --key FILE [options]\n"
"\n"
"An EPP registry simulator: EPP over TLS (RFC 5730-5734) on loopback, with\n"
"domains, hosts, contacts, transfers, poll messages, secDNS-1.1, rgp-1.0 and\n"
"fee-1.0 (check, and fees on transforms) in memory, and faults on demand.\n"
"\n"
"Listening and TLS:\n"
"  --listen HOST:PORT       loopback address (default 127.0.0.1:0, a free port);\n"
"                           prints \"epp-sim listening on HOST:PORT\" when ready\n"
"  --port-file FILE         also write the port to FILE (atomically)\n"
"  --cert FILE --key FILE   server certificate chain and key (PEM, required)\n"
"  --ca FILE                CA for client certificates\n"
"  --require-client-cert    refuse clients without a certificate from --ca\n"
"\n"
"Registry:\n"
"  --svid ID                greeting svID (default epp-sim)\n"
"  --objuri URI             object service offered (repeatable; replaces the\n"
"                           default domain-1.0, contact-1.0, host-1.0)\n"
"  --exturi URI|none        extension offered (repeatable; replaces the default\n"
"                           secDNS-1.1, rgp-1.0, epp:fee-1.0; \"none\" for none)\n"
"  --greeting FILE          send FILE (an EPP greeting document) as the greeting,\n"
"                           as it is; logins are accepted for the versions,\n"
"                           languages and services it offers, each URI spelled as\n"
"                           its first word (not with --objuri, --exturi, --svid)\n"
"  --account CLID:PASSWORD  a registrar login, the password of 6 to 64 characters\n"
"                           (repeatable; replaces the default registrar1:secret1\n"
"                           and registrar2:secret2)\n"
"  --max-sessions N         logged-in sessions at once; one more gets 2502 and is\n"
"                           closed (default 0: no limit)\n"
"  --idle-timeout SEC       close a session idle for SEC seconds (default 0: never)\n"
"  --redemption SEC         how long a deleted domain can be restored with rgp\n"
"                           (default 2592000 = 30 days; 0: delete at once)\n"
"  --currency CUR           fee-1.0 currency (default USD)\n"
"  --fee CMD:AMOUNT         fee-1.0 price, CMD create, renew, transfer (per year)\n"
"                           or restore (default 10.00, 10.00, 8.00, 40.00)\n"
"  --premium NAME:AMOUNT    a premium domain name (repeatable): its create, renew\n"
"                           and transfer price per year; those commands without\n"
"                           the fee get 2003, with too little 2004, and a check\n"
"                           without fee:check shows the name unavailable\n"
"  --info-pad BYTES         pad every domain info response with BYTES of text\n"
"                           (in the first <domain:status>) for large replies\n"
"\n"
"Behaviour and faults:\n"
"  --latency MS             wait MS before every response\n"
"  --fault KIND:N[:CMDS][:once]  (repeatable) every Nth matching command, counted\n"
"                           over all sessions, gets fault KIND; \"once\": the Nth only.\n"
"                           CMDS: comma list of names as in the command log\n"
"                           (domain:create, poll, hello, login, ...) or query,\n"
"                           transform, all (default: all but login, logout, hello).\n"
"                           KIND: drop-before (close, not executed), drop-after\n"
"                           (executed, no answer, close), garbage (a frame that is\n"
"                           not XML), oversize (a 32 MiB frame header, a little data,\n"
"                           close), wrong-cltrid (another clTRID), partial (half a\n"
"                           frame, stall, close), stall (no answer until the client\n"
"                           closes or --stall-ms pass), refuse-login (login gets\n"
"                           2200), session-limit (login gets 2502, close),\n"
"                           reply-file=PATH (the bytes of PATH as the response frame,\n"
"                           every @CLTRID@ in them replaced by the command's clTRID;\n"
"                           read when the fault fires; PATH without ':'). All but\n"
"                           drop-before, refuse-login and session-limit execute the\n"
"                           command first.\n"
"  --stall-ms MS            how long partial and stall hold on (default 10000)\n"
"  --fault-file FILE        SIGUSR1 replaces the faults by FILE's (one per line,\n"
"                           # comments; an empty file means no faults)\n"
"\n"
"Logging:\n"
"  --log FILE               command log, one line per command:\n"
"                           <epoch_ms> s=<session> clid=<clid|-> cmd=<cmd>\n"
"                           cltrid=<clTRID|-> code=<code|-|greeting> obj=<name|->\n"
"                           [fault=<kind>]   (no passwords, no authInfo)\n"
"  -v, --verbose            debug lines on stderr (never secrets)\n"
"  -h, --help               this text\n"
"      --version            print the version\n"
"\n"
"Signals: SIGUSR1 reloads --fault-file, SIGUSR2 closes every connection,\n"
"SIGHUP reopens --log, SIGTERM/SIGINT exit 0.\n"
"\n"
"exit status: 0 stopped by a signal, 64 usage, 78 a file or account the options\n"
"name cannot be used, 1 cannot listen or out of memory\n"
"\n"
"Simplifications: a restore request restores at once (no report needed);\n"
"pending transfers are never approved by the server; clients may set server*\n"
"statuses (to build test states); any host may have addresses.\n"
"\n"
"The manual: epp-sim(1).\n");
}

static int
loopback_host(const char *h)
{
	return strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0 || strcmp(h, "localhost") == 0;
}

static int
parse_listen(const char *arg, struct opts *o)
{
	const char *colon = strrchr(arg, ':');
	size_t hl;

	if (colon == NULL || colon[1] == '\0' || strlen(colon + 1) >= sizeof(o->port))
		return -1;
	hl = (size_t)(colon - arg);
	if (arg[0] == '[' && hl >= 2 && arg[hl - 1] == ']') {
		arg++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(o->host))
		return -1;
	memcpy(o->host, arg, hl);
	o->host[hl] = '\0';
	snprintf(o->port, sizeof(o->port), "%s", colon + 1);
	return 0;
}

static int
parse_int(const char *s, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (s[0] == '\0' || *end != '\0' || errno != 0 || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* "12.50" into 1250 cents. */
static int
parse_amount(const char *s, long *cents)
{
	char *end;
	long whole, frac = 0;

	errno = 0;
	whole = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || errno != 0 || whole > 1000000)
		return -1;
	if (*end == '.') {
		if (end[1] < '0' || end[1] > '9' || (end[2] != '\0' && (end[2] < '0' || end[2] > '9'))
		    || (end[2] != '\0' && end[3] != '\0'))
			return -1;
		frac = (end[1] - '0') * 10 + (end[2] ? end[2] - '0' : 0);
	} else if (*end != '\0') {
		return -1;
	}
	*cents = whole * 100 + frac;
	return 0;
}

static int
parse_fee(const char *arg, struct registry_config *c)
{
	const char *colon = strchr(arg, ':');
	long cents;

	if (colon == NULL || parse_amount(colon + 1, &cents) == -1)
		return -1;
	if (strncmp(arg, "create:", 7) == 0)
		c->fee_create = cents;
	else if (strncmp(arg, "renew:", 6) == 0)
		c->fee_renew = cents;
	else if (strncmp(arg, "transfer:", 9) == 0)
		c->fee_transfer = cents;
	else if (strncmp(arg, "restore:", 8) == 0)
		c->fee_restore = cents;
	else
		return -1;
	return 0;
}

/* NAME:AMOUNT, the last colon separating them. The name is checked by registry_new(). */
static int
parse_premium(char *arg, struct registry_config *c)
{
	char *colon = strrchr(arg, ':');
	long cents;

	if (colon == NULL || colon == arg || c->n_premium == SIM_MAX_PREMIUM ||
	    parse_amount(colon + 1, &cents) == -1)
		return -1;
	*colon = '\0';
	c->premium[c->n_premium] = arg;
	c->premium_cents[c->n_premium++] = cents;
	return 0;
}

static int
bad(const char *what, const char *arg)
{
	return usage_error("bad %s '%s'", what, arg);
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	enum {
		O_LISTEN = 256, O_PORTFILE, O_CERT, O_KEY, O_CA, O_REQCERT, O_SVID, O_OBJURI,
		O_EXTURI, O_ACCOUNT, O_MAXSESS, O_IDLE, O_PAD, O_LATENCY, O_FAULT, O_FAULTFILE,
		O_STALL, O_LOG, O_REDEMPTION, O_CURRENCY, O_FEE, O_PREMIUM, O_VERSION, O_GREETING,
	};
	static const struct option lo[] = {
		{"listen", required_argument, NULL, O_LISTEN},
		{"port-file", required_argument, NULL, O_PORTFILE},
		{"cert", required_argument, NULL, O_CERT},
		{"key", required_argument, NULL, O_KEY},
		{"ca", required_argument, NULL, O_CA},
		{"require-client-cert", no_argument, NULL, O_REQCERT},
		{"svid", required_argument, NULL, O_SVID},
		{"objuri", required_argument, NULL, O_OBJURI},
		{"exturi", required_argument, NULL, O_EXTURI},
		{"greeting", required_argument, NULL, O_GREETING},
		{"account", required_argument, NULL, O_ACCOUNT},
		{"max-sessions", required_argument, NULL, O_MAXSESS},
		{"idle-timeout", required_argument, NULL, O_IDLE},
		{"info-pad", required_argument, NULL, O_PAD},
		{"latency", required_argument, NULL, O_LATENCY},
		{"fault", required_argument, NULL, O_FAULT},
		{"fault-file", required_argument, NULL, O_FAULTFILE},
		{"stall-ms", required_argument, NULL, O_STALL},
		{"log", required_argument, NULL, O_LOG},
		{"redemption", required_argument, NULL, O_REDEMPTION},
		{"currency", required_argument, NULL, O_CURRENCY},
		{"fee", required_argument, NULL, O_FEE},
		{"premium", required_argument, NULL, O_PREMIUM},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, O_VERSION},
		{NULL, 0, NULL, 0},
	};
	struct fault_rule rule;
	struct eg_err e;
	const char *colon;
	int ch, v;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":vh", lo, NULL)) != -1) {
		switch (ch) {
		case O_LISTEN:
			if (parse_listen(optarg, o) == -1)
				return bad("--listen", optarg);
			break;
		case O_PORTFILE: o->port_file = optarg; break;
		case O_CERT: o->cert = optarg; break;
		case O_KEY: o->key = optarg; break;
		case O_CA: o->ca = optarg; break;
		case O_REQCERT: o->require_client_cert = 1; break;
		case O_SVID: o->reg.svid = optarg; o->svid_given = 1; break;
		case O_OBJURI:
			if (!o->objuri_given)
				o->reg.n_obj = 0;
			o->objuri_given = 1;
			if (o->reg.n_obj == SIM_MAX_URIS)
				return bad("--objuri (too many)", optarg);
			o->reg.obj_uris[o->reg.n_obj++] = optarg;
			break;
		case O_EXTURI:
			if (!o->exturi_given)
				o->reg.n_ext = 0;
			o->exturi_given = 1;
			if (strcmp(optarg, "none") == 0)
				break;
			if (o->reg.n_ext == SIM_MAX_URIS)
				return bad("--exturi (too many)", optarg);
			o->reg.ext_uris[o->reg.n_ext++] = optarg;
			break;
		case O_GREETING: o->greeting_file = optarg; break;
		case O_ACCOUNT:
			/* Not echoed: the argument holds a password. */
			if ((colon = strchr(optarg, ':')) == NULL)
				return usage_error("bad --account: CLID:PASSWORD");
			if (colon - optarg < 3 || colon - optarg > SIM_CLID_MAX)
				return usage_error("bad --account: the client id must have 3 to %d "
				    "characters", SIM_CLID_MAX);
			if (o->naccounts == MAX_ACCOUNTS)
				return usage_error("bad --account: more than %d", MAX_ACCOUNTS);
			o->accounts[o->naccounts++] = optarg;
			break;
		case O_MAXSESS:
			if (parse_int(optarg, 0, 1000000, &v) == -1)
				return bad("--max-sessions", optarg);
			o->reg.max_sessions = (unsigned)v;
			break;
		case O_IDLE:
			if (parse_int(optarg, 0, 86400 * 365, &o->idle_timeout_s) == -1)
				return bad("--idle-timeout", optarg);
			break;
		case O_PAD:
			if (parse_int(optarg, 0, 8 << 20, &v) == -1)
				return bad("--info-pad", optarg);
			o->reg.info_pad = (size_t)v;
			break;
		case O_LATENCY:
			if (parse_int(optarg, 0, 600000, &o->latency_ms) == -1)
				return bad("--latency", optarg);
			break;
		case O_FAULT:
			if (o->nfaults == MAX_FAULTS)
				return bad("--fault (too many)", optarg);
			if (fault_rule_parse(optarg, &rule, &e) == -1)
				return usage_error("bad --fault: %s", e.msg);
			o->faults[o->nfaults++] = optarg;
			break;
		case O_FAULTFILE: o->fault_file = optarg; break;
		case O_STALL:
			if (parse_int(optarg, 0, 3600000, &o->stall_ms) == -1)
				return bad("--stall-ms", optarg);
			break;
		case O_LOG: o->log_file = optarg; break;
		case O_REDEMPTION:
			if (parse_int(optarg, 0, 0x7fffffff, &v) == -1)
				return bad("--redemption", optarg);
			o->reg.redemption_ms = (int64_t)v * 1000;
			break;
		case O_CURRENCY:
			if (strlen(optarg) != 3)
				return bad("--currency", optarg);
			o->reg.currency = optarg;
			break;
		case O_FEE:
			if (parse_fee(optarg, &o->reg) == -1)
				return bad("--fee", optarg);
			break;
		case O_PREMIUM:
			if (parse_premium(optarg, &o->reg) == -1)
				return bad("--premium", optarg);
			break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); exit(fflush(stdout) == 0 ? 0 : 1);
		case O_VERSION:
			printf("epp-sim %s\n", EPPGATE_VERSION);
			exit(fflush(stdout) == 0 ? 0 : 1);
		default: return eg_getopt_failed("epp-sim", ch, argv);
		}
	}
	if (optind != argc)
		return usage_error("unexpected argument %s", argv[optind]);
	if (o->cert == NULL || o->key == NULL)
		return usage_error("--cert and --key are required");
	if (o->require_client_cert && o->ca == NULL)
		return usage_error("--require-client-cert needs --ca");
	if (o->greeting_file != NULL && (o->objuri_given || o->exturi_given || o->svid_given))
		return usage_error("--greeting says what is offered: not with --objuri, --exturi "
		    "or --svid");
	if (!loopback_host(o->host))
		return usage_error("listens on loopback only, not '%s'", o->host);
	return 0;
}

static int
add_accounts(struct registry *r, const struct opts *o, struct eg_err *e)
{
	char clid[64];
	const char *colon;
	size_t i;

	if (o->naccounts == 0)
		return registry_add_account(r, "registrar1", "secret1", e) == -1 ||
		    registry_add_account(r, "registrar2", "secret2", e) == -1 ? -1 : 0;
	for (i = 0; i < o->naccounts; i++) {
		colon = strchr(o->accounts[i], ':');
		if ((size_t)(colon - o->accounts[i]) >= sizeof(clid))
			return eg_err_set(e, EG_ECONFIG, "client id too long");
		snprintf(clid, sizeof(clid), "%.*s", (int)(colon - o->accounts[i]), o->accounts[i]);
		if (registry_add_account(r, clid, colon + 1, e) == -1)
			return -1;
	}
	return 0;
}

static int
add_faults(struct fault_plan *p, const struct opts *o, struct eg_err *e)
{
	struct fault_rule r;
	size_t i;

	for (i = 0; i < o->nfaults; i++)
		if (fault_rule_parse(o->faults[i], &r, e) == -1 || fault_plan_add(p, &r, e) == -1)
			return -1;
	return 0;
}

/* Writes the port to path through a temporary file, so readers never see half of it. */
static int
write_port_file(const char *path, int port, struct eg_err *e)
{
	char tmp[4200];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL)
		return eg_err_set(e, EG_EIO, "cannot write %s: %s", tmp, strerror(errno));
	fprintf(f, "%d\n", port);
	if (fclose(f) != 0 || rename(tmp, path) == -1) {
		eg_err_set(e, EG_EIO, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static void
signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	/* No SA_RESTART: poll in the accept loop returns at once on a signal. */
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct eg_log log;
	struct eg_err e = {EG_OK, ""};
	struct registry *reg = NULL;
	struct fault_plan faults;
	struct cmdlog cmdlog = {-1, ""};
	struct server_config sc;
	struct server *srv = NULL;
	struct tls_opts to;
	struct tls_ctx *ctx = NULL;
	struct eg_file gf = {NULL, 0, 0};
	char *gstore = NULL;
	unsigned left = 0;
	int rc = EX_CONFIG;

	memset(&o, 0, sizeof(o));
	snprintf(o.host, sizeof(o.host), "127.0.0.1");
	snprintf(o.port, sizeof(o.port), "0");
	o.stall_ms = 10000;
	registry_config_defaults(&o.reg);
	fault_plan_init(&faults);
	if (parse_args(argc, argv, &o) != 0)
		return EX_USAGE;
	eg_log_open(&log, "epp-sim", NULL, o.verbose ? EG_LOG_DEBUG : EG_LOG_INFO, &e);
	xmlInitParser();
	signals();

	if (o.greeting_file != NULL) {
		if (eg_file_read(&gf, o.greeting_file, "greeting file", (size_t)1 << 20, &e) == -1)
			goto fail;
		if (registry_config_greeting(&o.reg, gf.data, gf.len, &gstore, &e) == -1) {
			eg_err_prefix(&e, "greeting file %s: ", o.greeting_file);
			goto fail;
		}
	}
	if ((reg = registry_new(&o.reg, &e)) == NULL || add_accounts(reg, &o, &e) == -1 ||
	    add_faults(&faults, &o, &e) == -1 || cmdlog_open(&cmdlog, o.log_file, &e) == -1)
		goto fail;
	memset(&to, 0, sizeof(to));
	to.ca_file = o.ca;
	to.cert_file = o.cert;
	to.key_file = o.key;
	to.verify = o.require_client_cert;
	if ((ctx = tls_ctx_server(&to, &e)) == NULL)
		goto fail;

	memset(&sc, 0, sizeof(sc));
	sc.host = o.host;
	sc.port = o.port;
	sc.ctx = ctx;
	sc.reg = reg;
	sc.faults = &faults;
	sc.cmdlog = &cmdlog;
	sc.log = &log;
	sc.idle_timeout_ms = o.idle_timeout_s * 1000;
	sc.latency_ms = o.latency_ms;
	sc.stall_ms = o.stall_ms;
	if ((srv = server_new(&sc, &e)) == NULL) {
		rc = 1;
		goto fail;
	}
	if (o.port_file != NULL && write_port_file(o.port_file, server_port(srv), &e) == -1)
		goto fail;
	printf("epp-sim listening on %s:%d\n", o.host, server_port(srv));
	fflush(stdout);
	log_info(&log, "listening on %s:%d, %zu fault(s)%s", o.host, server_port(srv),
	    fault_plan_count(&faults), o.require_client_cert ? ", client certificates required" :
	    "");

	while (!got_term) {
		if (server_poll(srv, 250) == -1)
			log_warn(&log, "accept loop: %s", strerror(errno));
		if (got_usr1) {
			got_usr1 = 0;
			if (o.fault_file == NULL)
				log_warn(&log, "SIGUSR1 without --fault-file: faults unchanged");
			else if (fault_plan_load(&faults, o.fault_file, &e) == -1)
				log_err(&log, "faults unchanged: %s", e.msg);
			else
				log_info(&log, "faults reloaded from %s: %zu rule(s)", o.fault_file,
				    fault_plan_count(&faults));
		}
		if (got_usr2) {
			got_usr2 = 0;
			log_info(&log, "SIGUSR2: closing %u connection(s)", server_conns(srv));
			server_drop_all(srv);
		}
		if (got_hup) {
			got_hup = 0;
			if (cmdlog_reopen(&cmdlog, &e) == -1)
				log_err(&log, "%s", e.msg);
		}
	}
	log_info(&log, "shutting down");
	rc = 0;
	goto out;
fail:
	/* What the options name could not be used (78), unless memory ran out. */
	if (e.code == EG_ENOMEM)
		rc = 1;
	log_err(&log, "%s", e.msg);
out:
	if (srv != NULL && (left = server_shutdown(srv, 3000)) > 0)
		log_warn(&log, "%u connection thread(s) still running at exit", left);
	cmdlog_close(&cmdlog);
	eg_file_clear(&gf);
	free(gstore);
	/* Threads that did not end still use the registry and the plan: leave them be. */
	if (left == 0) {
		registry_free(reg);
		tls_ctx_free(ctx);
		fault_plan_clear(&faults);
		xmlCleanupParser();
	}
	fflush(stdout);
	return rc;
}
