/* SPDX-License-Identifier: MIT */
/*
 * epp-rpc - send requests to epp-gate and print the replies, for scripts and shells.
 *
 *	epp-rpc [options] CMD [ARGS-JSON]
 *	epp-rpc [options] -          (the whole request {"cmd", "args"} on stdin)
 *	epp-rpc [options] --batch    (JSON lines in, JSON lines out, pipelined)
 *
 * The exit status tells the outcomes apart (epp-rpc(1), EXIT STATUS): 0 EPP
 * success (1xxx), 1 EPP error result (2xxx), 2 gate error reply: these are
 * answers; then the <sysexits.h> statuses: 75 no reply (timeout, connection
 * lost after sending: retry later), 69 the broker cannot be reached (nothing
 * was sent), 65 bad input on stdin, 64 usage, 78 configuration, 70 internal
 * error. A batch exits with the worst status of its lines, in the order
 * 0 < 1 < 2 < 75 < 69 < 65 < 64 < 78.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <amqp.h>
#include <json-c/json.h>

#include "eppgate-rpc.h"
#include "usage.h"

#define usage_error(...) eg_usage_error("epp-rpc", __VA_ARGS__)

#ifndef EPPGATE_VERSION
#define EPPGATE_VERSION "unknown"
#endif

/* Answers: the request was carried out, or refused, and a reply says so. */
#define EXIT_EPP_OK     0
#define EXIT_EPP_ERROR  1
#define EXIT_GATE_ERROR 2

#define STDIN_MAX       (16 * 1024 * 1024)
#define LINE_MAX_BYTES  STDIN_MAX
#define SECRET_MAX      4096
#define MSGID_MAX       255       /* as the library: an AMQP short string */
#define WINDOW_DEFAULT  16
#define WINDOW_MAX      1000
#define POLL_INPUT_MS   50        /* with replies pending, how often stdin is looked at */

enum {
	OPT_USER = 256, OPT_PASSWORD, OPT_PASSWORD_FILE, OPT_VHOST, OPT_TLS, OPT_CA, OPT_CERT,
	OPT_KEY, OPT_INSECURE, OPT_HEARTBEAT, OPT_CONNECT_TIMEOUT, OPT_HEALTH_FILE,
	OPT_HEALTH_WAIT, OPT_NO_ENV, OPT_PRETTY, OPT_VERSION, OPT_MESSAGE_ID, OPT_BATCH,
	OPT_CONNECTION_NAME,
	OPT_WINDOW
};

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "url", required_argument, NULL, 'u' },
	{ "host", required_argument, NULL, 'H' },
	{ "port", required_argument, NULL, 'p' },
	{ "user", required_argument, NULL, OPT_USER },
	{ "password", required_argument, NULL, OPT_PASSWORD },
	{ "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
	{ "vhost", required_argument, NULL, OPT_VHOST },
	{ "queue", required_argument, NULL, 'q' },
	{ "timeout", required_argument, NULL, 't' },
	{ "message-id", required_argument, NULL, OPT_MESSAGE_ID },
	{ "batch", no_argument, NULL, OPT_BATCH },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "tls", no_argument, NULL, OPT_TLS },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "heartbeat", required_argument, NULL, OPT_HEARTBEAT },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "connection-name", required_argument, NULL, OPT_CONNECTION_NAME },
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
	    "       epp-rpc [options] -        (one request on stdin: {\"cmd\", \"args\",\n"
	    "                                   \"message_id\"}, the last two optional)\n"
	    "       epp-rpc [options] --batch  (one request a line on stdin, one reply line each)\n"
	    "\n"
	    "  -c, --config FILE        JSON client config (default $RPC_CLIENT_CONF_PATH,\n"
	    "                           else the JSON text in $RPC_CLIENT_CONF)\n"
	    "  -u, --url URI            amqp://[USER[:PASSWORD]@]HOST[:PORT][/VHOST];\n"
	    "                           amqps:// turns TLS on; the options below override it\n"
	    "  -H, --host HOST          broker host (default from config, else localhost)\n"
	    "  -p, --port PORT          broker port (default 5672, 5671 with TLS)\n"
	    "      --user USER          broker user\n"
	    "      --password-file FILE broker password: the first line of FILE\n"
	    "      --password PASS      broker password (visible in ps: prefer the file)\n"
	    "      --vhost VHOST        virtual host (default /)\n"
	    "  -q, --queue NAME         the gate's request queue (default epp_messages)\n"
	    "  -t, --timeout SECONDS    how long to wait for a reply (default from\n"
	    "                           config, else 30)\n"
	    "      --message-id ID      the request's AMQP message_id (default: a fresh\n"
	    "                           uuid4); send a retry with the same ID\n"
	    "      --batch              JSON lines on stdin, replies as JSON lines on stdout,\n"
	    "                           in input order, each tagged with its line number\n"
	    "      --window N           requests in flight at once with --batch (default 16)\n"
	    "      --tls                connect with TLS\n"
	    "      --ca FILE            CA certificates (PEM) for the broker; implies --tls\n"
	    "      --cert FILE, --key FILE  TLS client certificate and key\n"
	    "      --insecure           do not verify the broker's certificate (tests only)\n"
	    "      --heartbeat SECONDS  AMQP heartbeat (default 30, 0: off)\n"
	    "      --connect-timeout SECONDS  bound for connecting and logging in (default 10)\n"
	    "      --connection-name NAME  the name the broker shows for the connection\n"
	    "                           (default epp-rpc)\n"
	    "      --health-file FILE   on a transport failure append a line to FILE, pause,\n"
	    "                           retry once if the command has no side effects\n"
	    "                           (default $RPC_CLIENT_HEALTH_FILE)\n"
	    "      --health-wait SECONDS  the pause (default 2)\n"
	    "      --no-env             ignore the RPC_CLIENT_* environment variables\n"
	    "      --pretty             indent the reply JSON\n"
	    "  -h, --help               this text\n"
	    "      --version            print the version\n"
	    "\n"
	    "exit status: 0 EPP 1xxx, 1 EPP 2xxx, 2 gate error reply, 75 no reply (timeout,\n"
	    "connection lost: retry later), 69 broker unreachable (nothing sent), 65 bad\n"
	    "input on stdin, 64 usage, 78 configuration, 70 internal error; --batch: the\n"
	    "worst of its lines, 0 < 1 < 2 < 75 < 69 < 65 < 64 < 78\n");
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

/* The library's rule for a message_id (egrpc_call_options): NULL when good, else why not. */
static const char *
msgid_problem(const char *id)
{
	size_t i, n = strnlen(id, MSGID_MAX + 1);

	if (n == 0 || n > MSGID_MAX)
		return "must be 1-255 bytes";
	for (i = 0; i < n; i++)
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
			return "must not contain control characters";
	return NULL;
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

/* ---- requests as JSON text (stdin, --batch lines) ------------------------------------- */

struct request {
	json_object *obj;         /* the parsed request; owns what the pointers below show */
	const char *cmd;
	json_object *args;        /* NULL: no "args" */
	const char *message_id;   /* NULL: none given */
};

static void
request_clear(struct request *rq)
{
	json_object_put(rq->obj);
	memset(rq, 0, sizeof(*rq));
}

/*
 * Parses {"cmd": NAME, "args"?: {...}, "message_id"?: ID}. Other keys are refused, so
 * that a misspelt "message_id" cannot pass unnoticed. 0, or -1 with why set.
 */
static int
request_parse(const char *text, size_t len, struct request *rq, char *why, size_t whylen)
{
	enum json_tokener_error jerr;
	json_tokener *tok;
	json_object *o;
	const char *p;
	size_t end;

	memset(rq, 0, sizeof(*rq));
	if ((tok = json_tokener_new()) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (o == NULL || jerr != json_tokener_success) {
		json_object_put(o);
		snprintf(why, whylen, "not JSON: %s", jerr == json_tokener_continue ?
		    "truncated" : json_tokener_error_desc(jerr));
		return -1;
	}
	for (p = text + end; p < text + len; p++) {
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n') {
			json_object_put(o);
			snprintf(why, whylen, "not JSON: text after the object");
			return -1;
		}
	}
	rq->obj = o;
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(why, whylen, "not a JSON object");
		goto fail;
	}
	json_object_object_foreach(o, key, val) {
		if (strcmp(key, "cmd") == 0) {
			if (!json_object_is_type(val, json_type_string)) {
				snprintf(why, whylen, "\"cmd\" must be a string");
				goto fail;
			}
			rq->cmd = json_object_get_string(val);
		} else if (strcmp(key, "args") == 0) {
			if (val != NULL && !json_object_is_type(val, json_type_object)) {
				snprintf(why, whylen, "\"args\" must be an object");
				goto fail;
			}
			rq->args = val;
		} else if (strcmp(key, "message_id") == 0) {
			if (!json_object_is_type(val, json_type_string)) {
				snprintf(why, whylen, "\"message_id\" must be a string");
				goto fail;
			}
			rq->message_id = json_object_get_string(val);
			if ((p = msgid_problem(rq->message_id)) != NULL) {
				snprintf(why, whylen, "\"message_id\" %s", p);
				goto fail;
			}
		} else {
			snprintf(why, whylen, "unknown key \"%.64s\" (cmd, args, message_id)", key);
			goto fail;
		}
	}
	if (rq->cmd == NULL) {
		snprintf(why, whylen, "no \"cmd\" string");
		goto fail;
	}
	return 0;
fail:
	request_clear(rq);
	return -1;
}

/* ---- outcomes -------------------------------------------------------------------------- */

/* The exit status of a completed request: a reply, or why none came. */
static int
reply_status(int st)
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
		/* It was published: it may have run. Retry later, with the same message_id. */
		return EX_TEMPFAIL;
	default:
		return EX_SOFTWARE;
	}
}

/* The exit status of a request that was not sent (egrpc_submit* returned 0). */
static int
unsent_status(int err, int bad_input)
{
	switch (err) {
	case EGRPC_EIO:
		return EX_UNAVAILABLE;
	case EGRPC_EINVAL:
		return bad_input;
	case EGRPC_ECONFIG:
		return EX_CONFIG;
	default:
		return EX_SOFTWARE;
	}
}

/* The status of a connection attempt (egrpc_connect_with_options). */
static int
connect_status(int err)
{
	switch (err) {
	case EGRPC_OK:
		return 0;
	case EGRPC_EIO:
		return EX_UNAVAILABLE;
	case EGRPC_ECONFIG:
		return EX_CONFIG;
	default:
		return EX_SOFTWARE;
	}
}

/* What the library's synchronous call writes to errstr, for stderr. */
static void
reply_complaint(const egrpc_reply *r)
{
	switch (r->status) {
	case EGRPC_OK:
		break;
	case EGRPC_EEPP:
		fprintf(stderr, "epp-rpc: EPP %d: %s\n", r->code, r->msg);
		break;
	case EGRPC_EGATE:
		fprintf(stderr, "epp-rpc: gate error: %s\n", r->msg);
		break;
	default:
		fprintf(stderr, "epp-rpc: %s\n", r->msg);
		break;
	}
}

/* The batch's order of badness: 0 < 1 < 2 < 75 < 69 < 65 < 64 < 78 (< 70, fatal). */
static int
severity(int status)
{
	static const int order[] = { EXIT_EPP_OK, EXIT_EPP_ERROR, EXIT_GATE_ERROR, EX_TEMPFAIL,
	    EX_UNAVAILABLE, EX_DATAERR, EX_USAGE, EX_CONFIG };
	size_t i;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (order[i] == status)
			return (int)i;
	return (int)i;
}

static int
worse(int a, int b)
{
	return severity(b) > severity(a) ? b : a;
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

/* rc, unless standard output failed: then EX_SOFTWARE, if nothing worse is to be said. */
static int
flush_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "epp-rpc: writing to standard output: %s\n", strerror(errno));
		return rc == 0 ? EX_SOFTWARE : rc;
	}
	return rc;
}

/* ---- the command line ---------------------------------------------------------------- */

struct cli {
	egrpc_options o;
	int pretty, batch, window;
	const char *message_id;
	char *password;     /* read from --password-file; owned */
	char *url;          /* the decoded parts of --url point into it; owned */
	size_t url_len;
	int user_set, password_set;
};

/*
 * --url, as rabbitmq-c's tools take it: amqp://[USER[:PASSWORD]@]HOST[:PORT][/VHOST],
 * amqps:// for TLS, parts percent-encoded; the vhost is the path without its first "/"
 * ("/%2f" for "/"). Only the parts the URI has are used, and an option given on its own
 * (--host, --user...) wins over the same part of the URI. Never echoes the URI: it may
 * hold a password.
 */
static int
apply_url(struct cli *cl, const char *uri)
{
	struct amqp_connection_info ci;
	egrpc_options *o = &cl->o;
	const char *auth, *at, *hostp, *colon, *slash, *close;
	char *copy;
	int have_user, have_pass, have_host, have_port, have_vhost;

	if (strncmp(uri, "amqp://", 7) != 0 && strncmp(uri, "amqps://", 8) != 0)
		return usage_error("--url takes amqp://[USER[:PASSWORD]@]HOST[:PORT][/VHOST] or "
		    "amqps://...; for a user name use --user");
	/* Which parts are there: amqp_parse_url() fills in defaults for the others. */
	auth = strstr(uri, "://") + 3;
	slash = strchr(auth, '/');
	at = memchr(auth, '@', slash != NULL ? (size_t)(slash - auth) : strlen(auth));
	have_user = at != NULL;
	have_pass = at != NULL && memchr(auth, ':', (size_t)(at - auth)) != NULL;
	hostp = at != NULL ? at + 1 : auth;
	close = hostp[0] == '[' ? strchr(hostp, ']') : NULL;
	colon = strchr(close != NULL ? close : hostp, ':');
	if (colon != NULL && slash != NULL && colon > slash)
		colon = NULL;
	have_host = hostp[0] != '\0' && hostp[0] != ':' && hostp[0] != '/';
	have_port = colon != NULL;
	have_vhost = slash != NULL;

	free(cl->url);
	cl->url_len = strlen(uri);
	if ((cl->url = copy = strdup(uri)) == NULL) {
		fprintf(stderr, "epp-rpc: out of memory\n");
		return EX_SOFTWARE;
	}
	if (amqp_parse_url(copy, &ci) != AMQP_STATUS_OK)
		return usage_error("--url is not a valid amqp:// or amqps:// URI");
	if (have_host && o->host == NULL)
		o->host = ci.host;
	if (have_port && o->port == 0)
		o->port = ci.port;
	if (have_user && !cl->user_set)
		o->username = ci.user;
	if (have_pass && !cl->password_set)
		o->password = ci.password;
	if (have_vhost && o->vhost == NULL)
		o->vhost = ci.vhost;
	if (ci.ssl)
		o->tls = 1;
	return -1;
}

/* Parses the options into cl. Returns -1 to go on, else the exit status to end with. */
static int
parse_options(int argc, char **argv, struct cli *cl)
{
	egrpc_options *o = &cl->o;
	const char *url = NULL, *why;
	int ch, ms;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:u:H:p:q:t:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config_path = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		case 'H':
			o->host = optarg;
			break;
		case 'p':
			if (parse_int(optarg, 1, 65535, &o->port) != 0)
				return usage_error("bad port '%s'", optarg);
			break;
		case OPT_USER:
			o->username = optarg;
			cl->user_set = 1;
			break;
		case OPT_PASSWORD:
			o->password = optarg;
			cl->password_set = 1;
			break;
		case OPT_PASSWORD_FILE:
			free(cl->password);
			if ((cl->password = read_secret(optarg)) == NULL) {
				fprintf(stderr, "epp-rpc: password file %s: %s\n", optarg,
				    strerror(errno));
				return EX_CONFIG;
			}
			o->password = cl->password;
			cl->password_set = 1;
			break;
		case OPT_VHOST:
			o->vhost = optarg;
			break;
		case 'q':
			o->queue = optarg;
			break;
		case 't':
			if (parse_seconds(optarg, 0.001, 86400, &o->timeout_ms) != 0)
				return usage_error("bad timeout '%s' (seconds, 0.001-86400)", optarg);
			break;
		case OPT_CONNECTION_NAME:
			if (optarg[0] == '\0' || strlen(optarg) > 255)
				return usage_error("bad connection name (1-255 bytes)");
			o->connection_name = optarg;
			break;
		case OPT_MESSAGE_ID:
			if ((why = msgid_problem(optarg)) != NULL)
				return usage_error("bad message id: it %s", why);
			cl->message_id = optarg;
			break;
		case OPT_BATCH:
			cl->batch = 1;
			break;
		case OPT_WINDOW:
			if (parse_int(optarg, 1, WINDOW_MAX, &cl->window) != 0)
				return usage_error("bad window '%s' (1-%d)", optarg, WINDOW_MAX);
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
				return usage_error("bad heartbeat '%s' (seconds, 0-65535)", optarg);
			if (o->heartbeat_s == 0)
				o->heartbeat_s = -1;   /* the library's "off" */
			break;
		case OPT_CONNECT_TIMEOUT:
			if (parse_seconds(optarg, 0.001, 3600, &o->connect_timeout_ms) != 0)
				return usage_error("bad connect timeout '%s' (seconds, 0.001-3600)",
				    optarg);
			break;
		case OPT_HEALTH_FILE:
			o->health_file = optarg;
			break;
		case OPT_HEALTH_WAIT:
			if (parse_seconds(optarg, 0, 600, &ms) != 0)
				return usage_error("bad health-file pause '%s' (seconds, 0-600)", optarg);
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
			return flush_stdout(0);
		case OPT_VERSION:
			printf("epp-rpc %s\n", EPPGATE_VERSION);
			return flush_stdout(0);
		default:
			return eg_getopt_failed("epp-rpc", ch, argv);
		}
	}
	if (cl->batch && cl->message_id != NULL)
		return usage_error("--message-id names one request: with --batch, give each line "
		    "its \"message_id\"");
	if (cl->batch && cl->pretty)
		return usage_error("--pretty cannot be used with --batch (one reply a line)");
	if (!cl->batch && cl->window != 0)
		return usage_error("--window needs --batch");
	/* Last, so that the options given on their own win whatever their place. */
	return url != NULL ? apply_url(cl, url) : -1;
}

/* ---- one request ---------------------------------------------------------------------- */

/* Sends one request and waits for its outcome; prints the reply. Returns the exit status. */
static int
one(egrpc_ctx *c, const struct cli *cl, const char *cmd, json_object *args,
    const char *args_text, const char *message_id, int bad_input)
{
	egrpc_call_options co;
	egrpc_reply *r;
	uint64_t id;
	int rc;

	egrpc_call_options_init(&co);
	co.message_id = message_id;
	/* submit, then collect: a request that never left tells itself apart (69). */
	if ((id = egrpc_submit_with_options(c, cmd, args, args_text, &co)) == 0) {
		fprintf(stderr, "epp-rpc: %s\n", c->errstr);
		return unsent_status(c->err, bad_input);
	}
	/* Waits until it completes: its own deadline bounds this. */
	while ((r = egrpc_collect(c, -1)) == NULL && c->err == EGRPC_ETIMEOUT)
		;
	if (r == NULL) {
		fprintf(stderr, "epp-rpc: %s\n", c->errstr);
		return EX_SOFTWARE;
	}
	if (r->body != NULL)
		print_reply(r, cl->pretty);
	reply_complaint(r);
	rc = reply_status(r->status);
	egrpc_reply_free(r);
	return flush_stdout(rc);
}

/* The request on stdin (CMD "-"). */
static int
one_from_stdin(egrpc_ctx *c, const struct cli *cl)
{
	struct request rq;
	char why[256], *text;
	size_t len;
	int rc;

	if ((text = read_all(0, STDIN_MAX, &len)) == NULL) {
		fprintf(stderr, "epp-rpc: reading the request from stdin: %s\n", strerror(errno));
		return errno == EFBIG ? EX_DATAERR : EX_SOFTWARE;
	}
	if (request_parse(text, len, &rq, why, sizeof(why)) != 0) {
		free(text);
		fprintf(stderr, "epp-rpc: the request on stdin: %s\n", why);
		return strcmp(why, "out of memory") == 0 ? EX_SOFTWARE : EX_DATAERR;
	}
	free(text);
	rc = one(c, cl, rq.cmd, rq.args, NULL, cl->message_id != NULL ? cl->message_id :
	    rq.message_id, EX_DATAERR);
	request_clear(&rq);
	return rc;
}

/* ---- --batch ---------------------------------------------------------------------------- */

/*
 * Lines of stdin, read without blocking while replies are pending (poll() says when
 * there is input), so that a producer that writes one line and waits for its answer
 * (a coprocess) is answered at once.
 */
struct lines {
	char *buf;
	size_t start, len, cap;  /* unread bytes: buf[start, len) */
	size_t scanned;          /* bytes after start known to hold no newline */
	long lineno;             /* of the last line returned */
	int eof;
	int skipping;            /* inside a line that was too long, until its end */
};

/* The next whole line read (or the last one at end of input), without its end: 1 with
 * *line and *n set, valid until lines_fill(); 0 when none is complete yet. */
static int
lines_next(struct lines *in, char **line, size_t *n)
{
	char *p = in->buf + in->start, *nl;
	size_t avail = in->len - in->start;

	nl = avail > in->scanned ? memchr(p + in->scanned, '\n', avail - in->scanned) : NULL;
	if (nl == NULL) {
		in->scanned = avail;
		if (!in->eof || avail == 0)
			return 0;
	}
	*line = p;
	*n = nl != NULL ? (size_t)(nl - p) : avail;
	in->start += nl != NULL ? *n + 1 : *n;
	in->scanned = 0;
	in->lineno++;
	return 1;
}

/* Whether the n bytes at s (not a string: no NUL) are all blanks: space, tab, CR. */
static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* Unread bytes (of a line not yet complete). */
static size_t
lines_pending(const struct lines *in)
{
	return in->len - in->start;
}

/* Drops the unread bytes (the start of a line too long to be a request). */
static void
lines_drop(struct lines *in)
{
	in->start = in->len = in->scanned = 0;
}

/* Reads what stdin has (it is readable). 0, or -1 on a read error (errno set). */
static int
lines_fill(struct lines *in)
{
	char *nb;
	ssize_t r;

	/* Move the unread bytes to the front first, so that the buffer stays small. */
	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, in->len - in->start);
		in->len -= in->start;
		in->start = 0;
	}
	if (in->cap - in->len < 65536) {
		if ((nb = realloc(in->buf, in->cap + 65536)) == NULL)
			return -1;
		in->buf = nb;
		in->cap += 65536;
	}
	do
		r = read(0, in->buf + in->len, in->cap - in->len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	if (r == 0)
		in->eof = 1;
	in->len += (size_t)r;
	return 0;
}

/* A line's place in the window, from its arrival until it is printed. */
struct slot {
	long line;
	uint64_t id;            /* the library's request id while in flight, else 0 */
	int done;
	int status;
	char *cmd, *message_id, *error;
	egrpc_reply *reply;
};

struct batch {
	egrpc_ctx *c;
	struct slot *ring;
	int window, head, count, inflight;
	int worst;
};

static void
slot_clear(struct slot *s)
{
	free(s->cmd);
	free(s->message_id);
	free(s->error);
	egrpc_reply_free(s->reply);
	memset(s, 0, sizeof(*s));
}

static int
add_str(json_object *o, const char *key, const char *s)
{
	json_object *v;

	if (s == NULL)
		return 0;
	if ((v = json_object_new_string(s)) == NULL)
		return -1;
	return json_object_object_add(o, key, v);
}

/*
 * {"line": N, "status": S, "cmd": ..., "message_id"?: ..., "reply"?: ..., "error"?: ...}
 * "reply" is the gate's reply (as a string when it is not JSON); "error" says why the
 * status is not 0. 0, or -1 when out of memory or stdout fails.
 */
static int
slot_print(const struct slot *s)
{
	json_object *o, *v = NULL;
	const char *text, *error = s->error;
	size_t len;
	int rc = -1;

	if ((o = json_object_new_object()) == NULL)
		return -1;
	if (json_object_object_add(o, "line", json_object_new_int64(s->line)) != 0 ||
	    json_object_object_add(o, "status", json_object_new_int(s->status)) != 0 ||
	    add_str(o, "cmd", s->cmd) != 0 || add_str(o, "message_id", s->message_id) != 0)
		goto out;
	if (s->reply != NULL && s->reply->body != NULL) {
		v = s->reply->json != NULL ? json_object_get(s->reply->json) :
		    json_object_new_string_len(s->reply->body, (int)s->reply->len);
		if (v == NULL || json_object_object_add(o, "reply", v) != 0) {
			json_object_put(v);
			goto out;
		}
	}
	if (error == NULL && s->reply != NULL && s->status != EXIT_EPP_OK)
		error = s->reply->msg;
	if (add_str(o, "error", error) != 0)
		goto out;
	if ((text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len)) == NULL)
		goto out;
	fwrite(text, 1, len, stdout);
	putchar('\n');
	/* A line at a time: a coprocess reads each answer as soon as it is complete. */
	rc = fflush(stdout) == 0 && !ferror(stdout) ? 0 : -1;
out:
	json_object_put(o);
	return rc;
}

/* Prints the lines at the head of the window that are complete, in input order. */
static int
batch_flush(struct batch *b)
{
	struct slot *s;

	while (b->count > 0 && (s = &b->ring[b->head])->done) {
		if (slot_print(s) != 0)
			return -1;
		b->worst = worse(b->worst, s->status);
		slot_clear(s);
		b->head = (b->head + 1) % b->window;
		b->count--;
	}
	return 0;
}

static struct slot *
batch_slot(struct batch *b, long line)
{
	struct slot *s = &b->ring[(b->head + b->count) % b->window];

	b->count++;
	s->line = line;
	return s;
}

static int
fail_slot(struct slot *s, int status, const char *why)
{
	s->done = 1;
	s->status = status;
	return (s->error = strdup(why)) == NULL ? -1 : 0;
}

/* Takes one input line into the window: parsed and sent, or completed with its error. */
static int
batch_line(struct batch *b, const char *text, size_t n, long lineno)
{
	egrpc_call_options co;
	struct request rq;
	struct slot *s;
	char why[300];

	s = batch_slot(b, lineno);
	if (request_parse(text, n, &rq, why, sizeof(why)) != 0) {
		if (strcmp(why, "out of memory") == 0)
			return -1;
		return fail_slot(s, EX_DATAERR, why);
	}
	if ((s->cmd = strdup(rq.cmd)) == NULL ||
	    (rq.message_id != NULL && (s->message_id = strdup(rq.message_id)) == NULL)) {
		request_clear(&rq);
		return -1;
	}
	egrpc_call_options_init(&co);
	co.message_id = rq.message_id;
	s->id = egrpc_submit_with_options(b->c, rq.cmd, rq.args, NULL, &co);
	request_clear(&rq);
	if (s->id == 0) {
		if (b->c->err == EGRPC_ENOMEM)
			return -1;
		return fail_slot(s, unsent_status(b->c->err, EX_DATAERR), b->c->errstr);
	}
	b->inflight++;
	return 0;
}

/* A request completed: its slot takes the reply. */
static void
batch_reply(struct batch *b, egrpc_reply *r)
{
	struct slot *s;
	int i;

	for (i = 0; i < b->count; i++) {
		s = &b->ring[(b->head + i) % b->window];
		if (s->id == r->id && !s->done) {
			s->reply = r;
			s->status = reply_status(r->status);
			s->done = 1;
			s->id = 0;
			b->inflight--;
			return;
		}
	}
	egrpc_reply_free(r);   /* not reached: every request in flight has its slot */
}

/* Waits for input on stdin, at most ms; 1 when readable, 0 when not, -1 on error. */
static int
input_ready(int ms)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	int n;

	while ((n = poll(&p, 1, ms)) < 0 && errno == EINTR)
		;
	return n < 0 ? -1 : n > 0;
}

static int
batch(egrpc_ctx *c, const struct cli *cl)
{
	struct batch b;
	struct lines in;
	egrpc_reply *r;
	char *line;
	size_t n;
	int rc = EX_SOFTWARE, ready, idle_ms;

	memset(&b, 0, sizeof(b));
	memset(&in, 0, sizeof(in));
	b.c = c;
	b.window = cl->window > 0 ? cl->window : WINDOW_DEFAULT;
	/* Idle, the connection is served now and then so that heartbeats keep it. */
	idle_ms = cl->o.heartbeat_s > 0 ? cl->o.heartbeat_s * 500 : 5000;
	if ((b.ring = calloc((size_t)b.window, sizeof(*b.ring))) == NULL)
		goto nomem;
	for (;;) {
		if (batch_flush(&b) != 0)
			goto write_failed;
		if (in.eof && lines_pending(&in) == 0 && b.count == 0)
			break;
		/* Take every line already read while the window has room. */
		if (b.count < b.window && lines_next(&in, &line, &n)) {
			if (in.skipping) {
				in.skipping = 0;
				in.lineno--;   /* the end of the long line, counted already */
			} else if (!blank(line, n)) {
				if (batch_line(&b, line, n, in.lineno) != 0)
					goto nomem;
			}
			continue;
		}
		if (!in.eof && b.count < b.window) {
			if (lines_pending(&in) > LINE_MAX_BYTES) {
				/* Too long to be a request: answered as bad input, the rest skipped. */
				if (!in.skipping && fail_slot(batch_slot(&b, ++in.lineno), EX_DATAERR,
				    "line longer than 16 MiB") != 0)
					goto nomem;
				in.skipping = 1;
				lines_drop(&in);
				continue;
			}
			ready = input_ready(b.inflight > 0 ? 0 : idle_ms);
			if (ready < 0) {
				fprintf(stderr, "epp-rpc: waiting for stdin: %s\n", strerror(errno));
				goto out;
			}
			if (ready) {
				if (lines_fill(&in) != 0) {
					fprintf(stderr, "epp-rpc: reading stdin: %s\n",
					    strerror(errno));
					goto out;
				}
				continue;
			}
			if (b.inflight == 0) {
				egrpc_service(c);
				continue;
			}
		}
		if (b.inflight == 0)
			continue;
		/* Block only when no more input can be taken now; else look at stdin again soon. */
		r = egrpc_collect(c, in.eof || b.count == b.window ? -1 : POLL_INPUT_MS);
		if (r != NULL)
			batch_reply(&b, r);
		else if (c->err == EGRPC_ENOMEM)
			goto nomem;
		else if (c->err != EGRPC_ETIMEOUT) {
			fprintf(stderr, "epp-rpc: %s\n", c->errstr);
			goto out;
		}
	}
	rc = b.worst;
	goto out;
nomem:
	fprintf(stderr, "epp-rpc: out of memory\n");
	goto out;
write_failed:
	fprintf(stderr, "epp-rpc: writing to standard output: %s\n", strerror(errno));
out:
	if (b.ring != NULL)
		for (; b.count > 0; b.count--, b.head = (b.head + 1) % b.window)
			slot_clear(&b.ring[b.head]);
	free(b.ring);
	free(in.buf);
	return rc;
}

int
main(int argc, char **argv)
{
	struct cli cl;
	egrpc_ctx *c = NULL;
	int rc;

	/* A write to a connection the broker closed must be an error, not a signal (TLS),
	 * and so must a write to a reader of stdout that went away. */
	signal(SIGPIPE, SIG_IGN);
	memset(&cl, 0, sizeof(cl));
	egrpc_options_init(&cl.o);
	cl.o.connection_name = "epp-rpc";
	if ((rc = parse_options(argc, argv, &cl)) >= 0)
		goto out;
	argc -= optind;
	argv += optind;
	if (cl.batch && argc != 0) {
		rc = usage_error("--batch reads its requests from stdin: unexpected %s", argv[0]);
		goto out;
	}
	if (!cl.batch && argc < 1) {
		rc = usage_error("no command");
		goto out;
	}
	if (!cl.batch && (argc > 2 || (strcmp(argv[0], "-") == 0 && argc != 1))) {
		rc = usage_error("unexpected argument %s", argv[argc > 2 ? 2 : 1]);
		goto out;
	}
	if (cl.o.tls_no_verify)
		fprintf(stderr, "epp-rpc: warning: the broker's TLS certificate is not verified\n");

	if ((c = egrpc_connect_with_options(&cl.o)) == NULL) {
		fprintf(stderr, "epp-rpc: out of memory\n");
		rc = EX_SOFTWARE;
		goto out;
	}
	if (c->err != EGRPC_OK) {
		fprintf(stderr, "epp-rpc: %s\n", c->errstr);
		rc = connect_status(c->err);
		goto out;
	}
	if (cl.batch)
		rc = batch(c, &cl);
	else if (strcmp(argv[0], "-") == 0)
		rc = one_from_stdin(c, &cl);
	else
		rc = one(c, &cl, argv[0], NULL, argc == 2 ? argv[1] : NULL, cl.message_id,
		    EX_USAGE);
out:
	egrpc_free(c);
	if (cl.password != NULL)
		explicit_bzero(cl.password, strlen(cl.password));
	free(cl.password);
	if (cl.url != NULL)
		explicit_bzero(cl.url, cl.url_len);
	free(cl.url);
	return rc;
}
