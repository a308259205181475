/* SPDX-License-Identifier: MIT */
/*
 * epp-rpc - send one request to epp-gate and print the reply.
 *
 *	epp-rpc [options] CMD [ARGS-JSON]
 *	epp-rpc [options] -        (the whole request {"cmd", "args"} on stdin)
 *
 * The exit status tells the outcomes apart for scripts: 0 EPP success
 * (1xxx), 1 EPP error result (2xxx), 2 gate error reply, 3 timeout or
 * transport failure, 64 usage, 78 configuration, 70 internal error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <amqp.h>
#include <json-c/json.h>

#include "eppgate-rpc.h"

#ifndef EPPGATE_VERSION
#define EPPGATE_VERSION "unknown"
#endif

#define EXIT_EPP_OK     0
#define EXIT_EPP_ERROR  1
#define EXIT_GATE_ERROR 2
#define EXIT_TRANSPORT  3
#define EXIT_USAGE      64
#define EXIT_SOFTWARE   70
#define EXIT_CONFIG     78

#define STDIN_MAX       (16 * 1024 * 1024)
#define SECRET_MAX      4096

enum {
	OPT_PASSWORD = 256, OPT_PASSWORD_FILE, OPT_VHOST, OPT_TLS, OPT_CA, OPT_CERT, OPT_KEY,
	OPT_INSECURE, OPT_HEARTBEAT, OPT_CONNECT_TIMEOUT, OPT_HEALTH_FILE, OPT_HEALTH_WAIT,
	OPT_NO_ENV, OPT_PRETTY, OPT_VERSION
};

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "host", required_argument, NULL, 'H' },
	{ "port", required_argument, NULL, 'p' },
	{ "user", required_argument, NULL, 'u' },
	{ "password", required_argument, NULL, OPT_PASSWORD },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "vhost", required_argument, NULL, OPT_VHOST },
	{ "queue", required_argument, NULL, 'q' },
	{ "timeout", required_argument, NULL, 't' },
	{ "tls", no_argument, NULL, OPT_TLS },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "heartbeat", required_argument, NULL, OPT_HEARTBEAT },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "health-file", required_argument, NULL, OPT_HEALTH_FILE },
	{ "health-wait", required_argument, NULL, OPT_HEALTH_WAIT },
	{ "no-env", no_argument, NULL, OPT_NO_ENV },
	{ "pretty", no_argument, NULL, OPT_PRETTY },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 }
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: epp-rpc [options] CMD [ARGS-JSON]\n"
	    "       epp-rpc [options] -     (request {\"cmd\": ..., \"args\": {...}} on stdin)\n"
	    "\n"
	    "  -c, --config FILE        JSON client config (default $RPC_CLIENT_CONF_PATH,\n"
	    "                           else the JSON text in $RPC_CLIENT_CONF)\n"
	    "  -H, --host HOST          broker host (default from config, else localhost)\n"
	    "  -p, --port PORT          broker port (default 5672, 5671 with --tls)\n"
	    "  -u, --user USER          broker user\n"
	    "      --password-file FILE broker password: the first line of FILE\n"
	    "      --password PASS      broker password (visible in ps: prefer the file)\n"
	    "      --vhost VHOST        virtual host (default /)\n"
	    "  -q, --queue NAME         the gate's request queue (default epp_messages)\n"
	    "  -t, --timeout SECONDS    how long to wait for the reply (default from\n"
	    "                           config, else 30)\n"
	    "      --tls                connect with TLS\n"
	    "      --ca FILE            CA certificates (PEM) for the broker; implies --tls\n"
	    "      --cert FILE, --key FILE  TLS client certificate and key\n"
	    "      --insecure           do not verify the broker's certificate (tests only)\n"
	    "      --heartbeat SECONDS  AMQP heartbeat (default 30, 0: off)\n"
	    "      --connect-timeout SECONDS  bound for connecting and logging in (default 10)\n"
	    "      --health-file FILE   on a transport failure append a line to FILE, pause,\n"
	    "                           retry once if the command has no side effects\n"
	    "                           (default $RPC_CLIENT_HEALTH_FILE)\n"
	    "      --health-wait SECONDS  the pause (default 2)\n"
	    "      --no-env             ignore the RPC_CLIENT_* environment variables\n"
	    "      --pretty             indent the reply JSON\n"
	    "  -h, --help               this text\n"
	    "      --version            version\n"
	    "\n"
	    "exit status: 0 EPP 1xxx, 1 EPP 2xxx, 2 gate error reply, 3 timeout or transport\n"
	    "failure, 64 usage, 78 configuration, 70 internal error\n");
}

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
bad_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "epp-rpc: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'epp-rpc --help'.\n");
	return EXIT_USAGE;
}

/* Seconds (fractions allowed) within [lo, hi] to milliseconds. */
static int
parse_seconds(const char *s, double lo, double hi, int *ms)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !(d >= lo && d <= hi))
		return -1;
	*ms = (int)(d * 1000.0 + 0.5);
	return 0;
}

static int
parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || errno != 0 || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* Reads up to max bytes of fd into a NUL-terminated buffer; NULL on error or when larger. */
static char *
read_all(int fd, size_t max, size_t *lenp)
{
	char *buf, *nb;
	size_t len = 0, cap = 4096;
	ssize_t n;

	if ((buf = malloc(cap)) == NULL)
		return NULL;
	for (;;) {
		if (len + 1 >= cap) {
			if (cap > max) {
				errno = EFBIG;
				goto fail;
			}
			if ((nb = realloc(buf, cap * 2)) == NULL)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		errno = EFBIG;
		goto fail;
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
fail:
	free(buf);
	return NULL;
}

/* The first line of a secret file, without its line end. */
static char *
read_secret(const char *path)
{
	char *s;
	size_t len;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	s = read_all(fd, SECRET_MAX, &len);
	close(fd);
	if (s != NULL)
		s[strcspn(s, "\r\n")] = '\0';
	return s;
}

/* Parses the request read from stdin into a command name and args (either may be owned). */
static int
read_request(char **cmdp, json_object **argsp)
{
	json_object *req = NULL, *cmd, *args;
	enum json_tokener_error jerr;
	char *text;
	size_t len;
	int rc = EXIT_USAGE;

	*cmdp = NULL;
	*argsp = NULL;
	if ((text = read_all(0, STDIN_MAX, &len)) == NULL) {
		fprintf(stderr, "epp-rpc: reading the request from stdin: %s\n", strerror(errno));
		return errno == EFBIG ? EXIT_USAGE : EXIT_SOFTWARE;
	}
	req = json_tokener_parse_verbose(text, &jerr);
	if (req == NULL || !json_object_is_type(req, json_type_object)) {
		fprintf(stderr, "epp-rpc: the request on stdin is not a JSON object%s%s\n",
		    req == NULL ? ": " : "", req == NULL ? json_tokener_error_desc(jerr) : "");
		goto out;
	}
	if (!json_object_object_get_ex(req, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		fprintf(stderr, "epp-rpc: the request on stdin has no \"cmd\" string\n");
		goto out;
	}
	if (json_object_object_get_ex(req, "args", &args) && args != NULL &&
	    !json_object_is_type(args, json_type_object)) {
		fprintf(stderr, "epp-rpc: \"args\" of the request on stdin must be an object\n");
		goto out;
	}
	if ((*cmdp = strdup(json_object_get_string(cmd))) == NULL) {
		rc = EXIT_SOFTWARE;
		goto out;
	}
	*argsp = json_object_get(args);
	rc = 0;
out:
	json_object_put(req);
	free(text);
	return rc;
}

static int
exit_status(int st)
{
	switch (st) {
	case EGRPC_OK:
		return EXIT_EPP_OK;
	case EGRPC_EEPP:
		return EXIT_EPP_ERROR;
	case EGRPC_EGATE:
	case EGRPC_EREPLY:
		return EXIT_GATE_ERROR;
	case EGRPC_ETIMEOUT:
	case EGRPC_EIO:
		return EXIT_TRANSPORT;
	case EGRPC_ECONFIG:
		return EXIT_CONFIG;
	case EGRPC_EINVAL:
		return EXIT_USAGE;
	default:
		return EXIT_SOFTWARE;
	}
}

static void
print_reply(const egrpc_reply *r, int pretty)
{
	const char *s = r->body;
	size_t len = r->len;

	if (pretty && r->json != NULL)
		s = json_object_to_json_string_ext(r->json,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (s != r->body)
		len = strlen(s);
	fwrite(s, 1, len, stdout);
	if (len == 0 || s[len - 1] != '\n')
		putchar('\n');
}

struct cli {
	egrpc_options o;
	int pretty;
	char *password;     /* read from --password-file; owned */
};

/* Parses the options into cl. Returns -1 to go on, else the exit status to end with. */
static int
parse_options(int argc, char **argv, struct cli *cl)
{
	egrpc_options *o = &cl->o;
	int ch, ms;

	while ((ch = getopt_long(argc, argv, "c:H:p:u:q:t:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config_path = optarg;
			break;
		case 'H':
			o->host = optarg;
			break;
		case 'p':
			if (parse_int(optarg, 1, 65535, &o->port) != 0)
				return bad_usage("bad port '%s'", optarg);
			break;
		case 'u':
			o->username = optarg;
			break;
		case OPT_PASSWORD:
			o->password = optarg;
			break;
		case OPT_PASSWORD_FILE:
			free(cl->password);
			if ((cl->password = read_secret(optarg)) == NULL) {
				fprintf(stderr, "epp-rpc: password file %s: %s\n", optarg,
				    strerror(errno));
				return EXIT_CONFIG;
			}
			o->password = cl->password;
			break;
		case OPT_VHOST:
			o->vhost = optarg;
			break;
		case 'q':
			o->queue = optarg;
			break;
		case 't':
			if (parse_seconds(optarg, 0.001, 86400, &o->timeout_ms) != 0)
				return bad_usage("bad timeout '%s' (seconds, 0.001-86400)", optarg);
			break;
		case OPT_TLS:
			o->tls = 1;
			break;
		case OPT_CA:
			o->tls = 1;
			o->tls_ca_file = optarg;
			break;
		case OPT_CERT:
			o->tls_cert_file = optarg;
			break;
		case OPT_KEY:
			o->tls_key_file = optarg;
			break;
		case OPT_INSECURE:
			o->tls_no_verify = 1;
			break;
		case OPT_HEARTBEAT:
			if (parse_int(optarg, 0, 65535, &o->heartbeat_s) != 0)
				return bad_usage("bad heartbeat '%s' (seconds, 0-65535)", optarg);
			if (o->heartbeat_s == 0)
				o->heartbeat_s = -1;   /* the library's "off" */
			break;
		case OPT_CONNECT_TIMEOUT:
			if (parse_seconds(optarg, 0.001, 3600, &o->connect_timeout_ms) != 0)
				return bad_usage("bad connect timeout '%s' (seconds)", optarg);
			break;
		case OPT_HEALTH_FILE:
			o->health_file = optarg;
			break;
		case OPT_HEALTH_WAIT:
			if (parse_seconds(optarg, 0, 600, &ms) != 0)
				return bad_usage("bad health-file pause '%s' (seconds, 0-600)", optarg);
			o->health_wait_ms = ms == 0 ? -1 : ms;
			break;
		case OPT_NO_ENV:
			o->no_env = 1;
			break;
		case OPT_PRETTY:
			cl->pretty = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("epp-rpc %s (libeppgate-rpc %s, rabbitmq-c %s, json-c %s)\n",
			    EPPGATE_VERSION, egrpc_version(), amqp_version(), json_c_version());
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	return -1;
}

int
main(int argc, char **argv)
{
	struct cli cl;
	egrpc_ctx *c = NULL;
	egrpc_reply *r = NULL;
	json_object *args = NULL;
	char *cmd = NULL;
	const char *args_text = NULL;
	int rc, st;

	/* A write to a connection the broker closed must be an error, not a signal (TLS). */
	signal(SIGPIPE, SIG_IGN);
	memset(&cl, 0, sizeof(cl));
	egrpc_options_init(&cl.o);
	cl.o.connection_name = "epp-rpc";
	if ((rc = parse_options(argc, argv, &cl)) >= 0)
		goto out;
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 2 || (strcmp(argv[0], "-") == 0 && argc != 1)) {
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (strcmp(argv[0], "-") == 0) {
		if ((rc = read_request(&cmd, &args)) != 0)
			goto out;
	} else {
		if ((cmd = strdup(argv[0])) == NULL) {
			rc = EXIT_SOFTWARE;
			goto out;
		}
		args_text = argc == 2 ? argv[1] : NULL;
	}
	if (cl.o.tls_no_verify)
		fprintf(stderr, "epp-rpc: warning: the broker's TLS certificate is not verified\n");

	if ((c = egrpc_connect_with_options(&cl.o)) == NULL) {
		fprintf(stderr, "epp-rpc: out of memory\n");
		rc = EXIT_SOFTWARE;
		goto out;
	}
	if (c->err != EGRPC_OK) {
		fprintf(stderr, "epp-rpc: %s\n", c->errstr);
		rc = exit_status(c->err);
		goto out;
	}
	if (args != NULL)
		st = egrpc_call(c, cmd, args, 0, &r);
	else
		st = egrpc_call_text(c, cmd, args_text, 0, &r);
	if (r != NULL)
		print_reply(r, cl.pretty);
	if (st != EGRPC_OK)
		fprintf(stderr, "epp-rpc: %s\n", c->errstr);
	rc = exit_status(st);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "epp-rpc: writing the reply: %s\n", strerror(errno));
		if (rc == EXIT_EPP_OK)
			rc = EXIT_SOFTWARE;
	}
out:
	egrpc_reply_free(r);
	egrpc_free(c);
	json_object_put(args);
	free(cmd);
	if (cl.password != NULL)
		explicit_bzero(cl.password, strlen(cl.password));
	free(cl.password);
	return rc;
}
