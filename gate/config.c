/*
 * config.c - defaults, the libconfig file (epp-gate.conf(5)) and the
 * reference gate's params files.
 *
 * One table, opts[], names every setting of the file with its type, range and
 * place in struct gate_config. Loading, the unknown-setting check and
 * gate_config_describe() all walk that table, so a new setting is one line
 * there and cannot be forgotten by one of them.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "rdfile.h"

#define MIB (1024 * 1024)
#define CONFIG_MAX_BYTES (1024 * 1024)  /* a config file is a few KiB; refuse absurd input */
#define SMALL_FILE_MAX 4096             /* params and secret files: one short line */
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

#define M(f) offsetof(struct gate_config, f), sizeof(((struct gate_config *)0)->f)
#define CNT(f) offsetof(struct gate_config, f)

static const char *valid_cltrid_prefix(const char *);
static const char *valid_lang(const char *);
static const char *valid_nonempty(const char *);
static const char *valid_host(const char *);

/* The order is the order of epp-gate.conf.example and of gate_config_describe(). */
static const struct opt opts[] = {
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
	{"journal.max_bytes", K_SIZE, M(journal_max_bytes), 65536, 16LL * 1024 * MIB, 0, 0, NULL},
	{"metrics.file", K_STR, M(metrics_file), 0, 0, 0, 0, NULL},
	{"metrics.interval", K_INT, M(metrics_interval_s), 1, 3600, 0, 0, NULL},
	{"log.file", K_STR, M(log_file), 0, 0, 0, 0, NULL},
	{"log.level", K_LEVEL, M(log_level), 0, 0, 0, 0, NULL},
	{"log.timestamps", K_BOOL, M(log_timestamps), 0, 0, 0, 0, NULL},
	{"log.verbose_poll", K_BOOL, M(verbose_poll), 0, 0, 0, 0, NULL},
	{"alert.command", K_STR, M(alert_command), 0, 0, 0, 0, NULL},
	{"alert.email_config", K_STR, M(alert_email_config), 0, 0, 0, 0, NULL},
	{"reconnect", K_BOOL, M(reconnect), 0, 0, 0, 0, NULL},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

/* A secret inline and from a file at once is ambiguous: which one wins is refused. */
static const char *const secret_pairs[][2] = {
	{"epp.password", "epp.password_file"},
	{"epp.new_password", "epp.new_password_file"},
	{"broker.password", "broker.password_file"},
};

/* ---- small helpers ---------------------------------------------------------- */

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

static int
port_parse(const char *s)
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
	else if ((*port = port_parse(p)) == -1)
		return -1;
	return 0;
}

static void
warnf(warn_fn warn, void *ctx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
warnf(warn_fn warn, void *ctx, const char *fmt, ...)
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
		warnf(warn, ctx, "secret file %s can be read by group or others (mode %04o); "
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
	c->journal_max_bytes = 64 * MIB;
	c->metrics_interval_s = 10;
	c->log_level = EG_LOG_INFO;
	c->log_timestamps = 1;
	c->reconnect = 1;
}

/* ---- the libconfig file ----------------------------------------------------- */

struct loader {
	struct gate_config *c;      /* a scratch copy: the caller's config changes only on success */
	const char *path;
	const char *text;           /* the file's text, to cross-check plain integers */
	warn_fn warn;
	void *ctx;
	struct eg_err *err;
};

static int
bad(struct loader *ld, const config_setting_t *s, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "FILE:LINE: setting.path: what is wrong" */
static int
bad(struct loader *ld, const config_setting_t *s, const char *path, const char *fmt, ...)
{
	char msg[384];
	const char *file = config_setting_source_file(s);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return eg_err_set(ld->err, EG_ECONFIG, "%s:%u: %s: %s", file != NULL ? file : ld->path,
	    config_setting_source_line(s), path, msg);
}

static const struct opt *
find_opt(const char *path)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (strcmp(opts[i].path, path) == 0)
			return &opts[i];
	return NULL;
}

/* A group is any proper prefix of a setting's path ending at a dot. */
static int
is_group(const char *path)
{
	size_t i, n = strlen(path);

	for (i = 0; i < NOPTS; i++)
		if (strncmp(opts[i].path, path, n) == 0 && opts[i].path[n] == '.')
			return 1;
	return 0;
}

/* Edit distance, capped: enough to suggest "epp.sessions" for "epp.sesions". */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, prev, cur, tmp;
	size_t row[128];

	if (la >= 128 || lb >= 128)
		return 999;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			cur = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < cur)
				cur = row[j] + 1;
			if (row[j - 1] + 1 < cur)
				cur = row[j - 1] + 1;
			tmp = row[j];
			row[j] = cur;
			prev = tmp;
		}
	}
	return row[lb];
}

static int
unknown(struct loader *ld, const config_setting_t *s, const char *path)
{
	const char *best = NULL;
	size_t i, d, bestd = 3;

	for (i = 0; i < NOPTS; i++) {
		if ((d = distance(path, opts[i].path)) < bestd) {
			bestd = d;
			best = opts[i].path;
		}
	}
	if (best != NULL)
		return bad(ld, s, path, "unknown setting (did you mean %s?)", best);
	return bad(ld, s, path, "unknown setting");
}

/*
 * libconfig 1.5 keeps a plain integer in an int and wraps values above 2^31-1
 * without a word. For a setting named on its own line we read the digits back
 * from the text and refuse a value that did not survive.
 */
static int
int_survived(struct loader *ld, const config_setting_t *s, long long got)
{
	const char *name = config_setting_name(s), *p = ld->text, *q;
	unsigned line = 1, want = config_setting_source_line(s);
	size_t nl = name != NULL ? strlen(name) : 0;
	long long v;
	char *end;

	if (nl == 0 || config_setting_source_file(s) != NULL || s->type != CONFIG_TYPE_INT)
		return 1;
	for (; *p != '\0' && line < want; p++)
		if (*p == '\n')
			line++;
	for (; *p != '\0' && *p != '\n'; p++) {
		if (strncmp(p, name, nl) != 0 || (p > ld->text && (p[-1] == '_' ||
		    (p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= 'A' && p[-1] <= 'Z'))))
			continue;
		q = p + nl;
		q += strspn(q, " \t");
		if (*q != '=' && *q != ':')
			continue;
		q++;
		q += strspn(q, " \t");
		if (!((*q >= '0' && *q <= '9') || *q == '-' || *q == '+') || strncmp(q, "0x", 2) == 0 ||
		    strncmp(q, "0X", 2) == 0)
			return 1;
		errno = 0;
		v = strtoll(q, &end, 10);
		return errno == 0 && v == got;
	}
	return 1;
}

static int
get_int(struct loader *ld, const config_setting_t *s, long long *v)
{
	if (s->type != CONFIG_TYPE_INT && s->type != CONFIG_TYPE_INT64)
		return -1;
	*v = config_setting_get_int64(s);
	if (!int_survived(ld, s, *v))
		return -2;
	return 0;
}

static int
parse_size(const char *s, long long *v)
{
	unsigned long long n, mul = 1;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	switch (*end) {
	case '\0':
		break;
	case 'k': case 'K':
		mul = 1024;
		end++;
		break;
	case 'm': case 'M':
		mul = 1024 * 1024;
		end++;
		break;
	case 'g': case 'G':
		mul = 1024ULL * 1024 * 1024;
		end++;
		break;
	default:
		return -1;
	}
	if (mul > 1 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
		end += strlen(end);
	if (*end != '\0' || n > (unsigned long long)(1LL << 50) / mul)
		return -1;
	*v = (long long)(n * mul);
	return 0;
}

static int
apply_string(struct loader *ld, const struct opt *o, config_setting_t *s, const char *path,
    char *dst, size_t size)
{
	const char *v, *why;

	if (s->type != CONFIG_TYPE_STRING)
		return bad(ld, s, path, "must be a string");
	v = config_setting_get_string(s);
	if (strlen(v) >= size)
		return bad(ld, s, path, "too long (at most %zu bytes)", size - 1);
	if (o != NULL && o->valid != NULL && (why = o->valid(v)) != NULL)
		return bad(ld, s, path, "%s", why);
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int
apply_list(struct loader *ld, const struct opt *o, config_setting_t *s, const char *path,
    int max, size_t each)
{
	char *base = (char *)ld->c;
	char *dst = base + o->off;
	int *count = (int *)(void *)(base + o->aux);
	config_setting_t *e;
	char host[CFG_NAME];
	int i, n, port;

	if (o->kind == K_HOSTS && s->type == CONFIG_TYPE_STRING) {
		n = 1;
	} else if (s->type == CONFIG_TYPE_ARRAY || s->type == CONFIG_TYPE_LIST) {
		n = config_setting_length(s);
	} else {
		return bad(ld, s, path, o->kind == K_HOSTS ?
		    "must be a string or a list of strings such as [\"host:5672\"]" :
		    "must be a list of strings such as [\"urn:...\"]");
	}
	if (n > max)
		return bad(ld, s, path, "too many entries (at most %d)", max);
	if (o->kind == K_HOSTS && n == 0)
		return bad(ld, s, path, "needs at least one host");
	for (i = 0; i < n; i++) {
		e = s->type == CONFIG_TYPE_STRING ? s : config_setting_get_elem(s, (unsigned)i);
		if (apply_string(ld, NULL, e, path, dst + (size_t)i * each, each) == -1)
			return -1;
		if (dst[(size_t)i * each] == '\0')
			return bad(ld, e, path, "entry %d is empty", i + 1);
		if (o->kind == K_HOSTS &&
		    gate_broker_split(dst + (size_t)i * each, host, sizeof(host), &port) == -1)
			return bad(ld, e, path, "entry %d must be \"host\" or \"host:port\" "
			    "(port 1-65535; IPv6 as \"[addr]:port\")", i + 1);
	}
	*count = n;
	if (o->aux2 != 0)
		*(int *)(void *)(base + o->aux2) = 1;
	return 0;
}

static int
apply(struct loader *ld, const struct opt *o, config_setting_t *s, const char *path)
{
	char *field = (char *)ld->c + o->off;
	struct eg_err e;
	long long v;
	int r;

	switch (o->kind) {
	case K_STR:
		return apply_string(ld, o, s, path, field, o->size);
	case K_SECRET:
		r = apply_string(ld, o, s, path, field, o->size);
		/* libconfig keeps its own copy until config_destroy(): wipe it now. */
		if (s->type == CONFIG_TYPE_STRING && s->value.sval != NULL)
			explicit_bzero(s->value.sval, strlen(s->value.sval));
		return r;
	case K_SECRET_FILE:
		if (s->type != CONFIG_TYPE_STRING || config_setting_get_string(s)[0] == '\0')
			return bad(ld, s, path, "must be the path of a file");
		if (gate_read_secret_file(config_setting_get_string(s), field, o->size, ld->warn,
		    ld->ctx, &e) == -1)
			return bad(ld, s, path, "%s", e.msg);
		return 0;
	case K_INT:
		r = get_int(ld, s, &v);
		if (r == -1 || (r == 0 && (v < o->min || v > o->max)))
			return bad(ld, s, path, "must be an integer %lld-%lld", o->min, o->max);
		if (r == -2)
			return bad(ld, s, path, "number too large");
		*(int *)(void *)field = (int)v;
		return 0;
	case K_BOOL:
		if (s->type != CONFIG_TYPE_BOOL)
			return bad(ld, s, path, "must be true or false");
		*(int *)(void *)field = config_setting_get_bool(s) ? 1 : 0;
		return 0;
	case K_SIZE:
		if (s->type == CONFIG_TYPE_STRING)
			r = parse_size(config_setting_get_string(s), &v);
		else
			r = get_int(ld, s, &v);
		if (r == -2)
			return bad(ld, s, path, "number too large for a plain integer "
			    "(write it with a suffix, e.g. \"64M\", or as 67108864L)");
		if (r == -1 || v < o->min || v > o->max)
			return bad(ld, s, path, "must be a size in bytes from %lld to %lld "
			    "(an integer, or a string such as \"16M\")", o->min, o->max);
		*(size_t *)(void *)field = (size_t)v;
		return 0;
	case K_PORT:
		if (s->type == CONFIG_TYPE_STRING)
			r = port_parse(config_setting_get_string(s));
		else
			r = get_int(ld, s, &v) == 0 && v >= 1 && v <= 65535 ? (int)v : -1;
		if (r == -1)
			return bad(ld, s, path, "must be a port number 1-65535");
		snprintf(field, o->size, "%d", r);
		return 0;
	case K_LEVEL:
		if (s->type == CONFIG_TYPE_STRING)
			r = eg_log_level_parse(config_setting_get_string(s));
		else
			r = get_int(ld, s, &v) == 0 && v >= 0 && v <= EG_LOG_TRACE ? (int)v : -1;
		if (r == -1)
			return bad(ld, s, path, "must be one of error, warning, info, debug, trace");
		*(int *)(void *)field = r;
		return 0;
	case K_URIS:
		return apply_list(ld, o, s, path, CFG_MAX_URIS, CFG_NAME);
	case K_HOSTS:
		return apply_list(ld, o, s, path, CFG_MAX_BROKERS, CFG_NAME);
	}
	return bad(ld, s, path, "internal error: no handler");
}

/* Applies every setting of group g (path prefix) in file order. */
static int
walk(struct loader *ld, config_setting_t *g, const char *prefix)
{
	config_setting_t *s;
	const struct opt *o;
	char path[256];
	int i, n = config_setting_length(g);

	for (i = 0; i < n; i++) {
		s = config_setting_get_elem(g, (unsigned)i);
		snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] != '\0' ? "." : "",
		    config_setting_name(s));
		o = find_opt(path);
		if (s->type == CONFIG_TYPE_GROUP) {
			if (o != NULL)
				return bad(ld, s, path, "must be a single value, not a group");
			if (!is_group(path))
				return unknown(ld, s, path);
			if (walk(ld, s, path) == -1)
				return -1;
			continue;
		}
		if (o == NULL) {
			if (is_group(path))
				return bad(ld, s, path, "must be a group: %s = { ... };",
				    config_setting_name(s));
			return unknown(ld, s, path);
		}
		if (apply(ld, o, s, path) == -1)
			return -1;
	}
	return 0;
}

static void
default_burst(struct cfg_rate *r)
{
	if (r->per_minute > 0 && r->burst == 0)
		r->burst = r->per_minute / 6 > 0 ? r->per_minute / 6 : 1;
}

/* Everything that needs the whole file: conflicts, derived values, warnings. */
static int
finish(struct loader *ld, config_t *cfg, unsigned mode)
{
	config_setting_t *a, *b;
	char inline_secrets[128] = "";
	size_t i;

	for (i = 0; i < sizeof(secret_pairs) / sizeof(secret_pairs[0]); i++) {
		a = config_lookup(cfg, secret_pairs[i][0]);
		b = config_lookup(cfg, secret_pairs[i][1]);
		if (a != NULL && b != NULL)
			return bad(ld, b, secret_pairs[i][1], "set either %s or %s, not both",
			    secret_pairs[i][0], secret_pairs[i][1]);
		if (a != NULL && ((const char *)ld->c + find_opt(secret_pairs[i][0])->off)[0] != '\0' &&
		    (mode & S_IROTH))
			snprintf(inline_secrets + strlen(inline_secrets),
			    sizeof(inline_secrets) - strlen(inline_secrets), "%s%s",
			    inline_secrets[0] != '\0' ? ", " : "", secret_pairs[i][0]);
	}
	if (inline_secrets[0] != '\0')
		warnf(ld->warn, ld->ctx, "config file %s can be read by every user and holds "
		    "passwords inline (%s); make it mode 0640 or use *password_file settings",
		    ld->path, inline_secrets);
	if (ld->c->broker.quorum)
		ld->c->broker.durable = 1;      /* RabbitMQ quorum queues are always durable */
	default_burst(&ld->c->rate_query);
	default_burst(&ld->c->rate_transform);
	default_burst(&ld->c->rate_session);
	default_burst(&ld->c->rate_total);
	if (strlen(ld->path) >= sizeof(ld->c->config_file))
		return eg_err_set(ld->err, EG_ECONFIG, "config file path too long");
	snprintf(ld->c->config_file, sizeof(ld->c->config_file), "%s", ld->path);
	return 0;
}

int
gate_config_load(struct gate_config *c, const char *path,
    void (*warn)(const char *msg, void *ctx), void *ctx, struct eg_err *err)
{
	struct gate_config *tmp = NULL;
	struct loader ld;
	struct eg_file text = {NULL, 0, 0};
	config_t cfg;
	char *pathcopy = NULL;
	int rc = -1;

	config_init(&cfg);
	if ((tmp = malloc(sizeof(*tmp))) == NULL ||
	    (pathcopy = strdup(path)) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory reading %s", path);
		goto fail;
	}
	if (eg_file_read(&text, path, "config file", CONFIG_MAX_BYTES, err) == -1)
		goto fail;
	/* @include "x.conf" is taken relative to the config file's own directory. */
	config_set_include_dir(&cfg, dirname(pathcopy));
	if (config_read_string(&cfg, text.data) != CONFIG_TRUE) {
		eg_err_set(err, EG_ECONFIG, "%s:%d: %s", config_error_file(&cfg) != NULL ?
		    config_error_file(&cfg) : path, config_error_line(&cfg),
		    config_error_text(&cfg));
		goto fail;
	}
	memcpy(tmp, c, sizeof(*tmp));
	ld.c = tmp;
	ld.path = path;
	ld.text = text.data;
	ld.warn = warn;
	ld.ctx = ctx;
	ld.err = err;
	if (walk(&ld, config_root_setting(&cfg), "") == -1 || finish(&ld, &cfg, text.mode) == -1)
		goto fail;
	memcpy(c, tmp, sizeof(*c));
	rc = 0;
fail:
	config_destroy(&cfg);
	if (tmp != NULL) {
		gate_config_wipe(tmp);
		free(tmp);
	}
	eg_file_clear(&text);
	free(pathcopy);
	return rc;
}

/* ---- the reference's params files ------------------------------------------- */

int
gate_config_params_file(struct gate_config *c, const char *which, const char *path,
    void (*warn)(const char *msg, void *ctx), void *ctx, struct eg_err *err)
{
	static const char *const names[4] = {"host", "port", "login", "password"};
	static const char ws[] = " \t\r\n\v\f";
	struct eg_file file = {NULL, 0, 0};
	char *f[4] = {NULL, NULL, NULL, NULL}, *p;
	size_t caps[4];
	int epp, nf = 0, newline = 0, multiline = 0, port, i, n, rc = -1;

	if (strcmp(which, "epp") == 0) {
		epp = 1;
	} else if (strcmp(which, "rabbitmq") == 0) {
		epp = 0;
	} else {
		return eg_err_set(err, EG_ECONFIG, "unknown params file kind '%s'", which);
	}
	if (eg_file_read(&file, path, epp ? "EPP params file" : "RabbitMQ params file",
	    SMALL_FILE_MAX, err) == -1)
		goto fail;
	if (eg_mode_exposed(file.mode))
		warnf(warn, ctx, "params file %s holds a password and can be read by group or "
		    "others (mode %04o); make it mode 0600", path, file.mode);
	if (memchr(file.data, '\0', file.len) != NULL) {
		eg_err_set(err, EG_ECONFIG, "%s: holds a NUL byte", path);
		goto fail;
	}
	/* Fields are split in place; a newline between two fields makes it several lines. */
	for (p = file.data; *p != '\0';) {
		if (strchr(ws, *p) != NULL) {
			if (*p == '\n' && nf > 0)
				newline = 1;
			p++;
			continue;
		}
		if (newline)
			multiline = 1;
		if (nf < 4)
			f[nf] = p;
		nf++;
		p += strcspn(p, ws);
		if (*p == '\n')
			newline = 1;
		if (*p != '\0')
			*p++ = '\0';
	}
	if (multiline && nf == 4) {
		eg_err_set(err, EG_ECONFIG, "%s: expected one line \"HOST PORT LOGIN PASSWORD\", "
		    "found the fields on several lines", path);
		goto fail;
	}
	if (nf != 4) {
		eg_err_set(err, EG_ECONFIG, "%s: expected one line \"HOST PORT LOGIN PASSWORD\" "
		    "(4 fields separated by spaces), found %d field%s", path, nf, nf == 1 ? "" : "s");
		goto fail;
	}
	if ((port = port_parse(f[1])) == -1) {
		eg_err_set(err, EG_ECONFIG, "%s: the port (second field) must be a number 1-65535",
		    path);
		goto fail;
	}
	caps[0] = sizeof(c->epp.host);
	caps[1] = sizeof(c->epp.port);
	caps[2] = epp ? sizeof(c->epp.login) : sizeof(c->broker.user);
	caps[3] = epp ? sizeof(c->epp.password) : sizeof(c->broker.password);
	for (i = 0; i < 4; i++) {
		if (strlen(f[i]) >= caps[i]) {
			eg_err_set(err, EG_ECONFIG, "%s: the %s is too long (at most %zu bytes)", path,
			    names[i], caps[i] - 1);
			goto fail;
		}
	}
	if (epp) {
		snprintf(c->epp.host, sizeof(c->epp.host), "%s", f[0]);
		snprintf(c->epp.port, sizeof(c->epp.port), "%d", port);
		snprintf(c->epp.login, sizeof(c->epp.login), "%s", f[2]);
		snprintf(c->epp.password, sizeof(c->epp.password), "%s", f[3]);
	} else {
		/* An IPv6 literal needs brackets once a port follows it. */
		n = snprintf(c->broker.hosts[0], sizeof(c->broker.hosts[0]),
		    strchr(f[0], ':') != NULL && f[0][0] != '[' ? "[%s]:%d" : "%s:%d", f[0], port);
		if (n < 0 || (size_t)n >= sizeof(c->broker.hosts[0])) {
			eg_err_set(err, EG_ECONFIG, "%s: the host is too long", path);
			goto fail;
		}
		c->broker.n_hosts = 1;
		snprintf(c->broker.user, sizeof(c->broker.user), "%s", f[2]);
		snprintf(c->broker.password, sizeof(c->broker.password), "%s", f[3]);
	}
	rc = 0;
fail:
	eg_file_clear(&file);
	return rc;
}

/* ---- checks after every source was applied ---------------------------------- */

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

static int
check_tls(const char *prefix, const struct cfg_tls *t, struct eg_err *err)
{
	char name[64];

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
	return check_readable(name, t->key_file, err);
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
	char host[CFG_NAME];
	int i, port;

	if (c->epp.host[0] == '\0')
		return eg_err_set(err, EG_ECONFIG, "epp.host is not set (config file, or the "
		    "first field of the --epp params file)");
	if (port_parse(c->epp.port) == -1)
		return eg_err_set(err, EG_ECONFIG, "epp.port must be a port number 1-65535");
	if (c->epp.login[0] == '\0')
		return eg_err_set(err, EG_ECONFIG, "epp.login is not set (config file, or the "
		    "third field of the --epp params file)");
	if (c->epp.password[0] == '\0')
		return eg_err_set(err, EG_ECONFIG, "epp.password is not set (epp.password or "
		    "epp.password_file in the config file, or the --epp params file)");
	if (c->epp.sessions < 1 || c->epp.sessions > 256)
		return eg_err_set(err, EG_ECONFIG, "epp.sessions must be 1-256");
	if (check_backoff("epp", c->epp.backoff_min_ms, c->epp.backoff_max_ms, err) == -1 ||
	    check_backoff("broker", c->broker.backoff_min_ms, c->broker.backoff_max_ms, err) == -1)
		return -1;
	if (check_tls("epp", &c->epp.tls, err) == -1)
		return -1;
	if (c->broker.n_hosts < 1 || c->broker.n_hosts > CFG_MAX_BROKERS)
		return eg_err_set(err, EG_ECONFIG, "broker.hosts needs 1-%d hosts", CFG_MAX_BROKERS);
	for (i = 0; i < c->broker.n_hosts; i++)
		if (gate_broker_split(c->broker.hosts[i], host, sizeof(host), &port) == -1)
			return eg_err_set(err, EG_ECONFIG, "broker.hosts: \"%s\" is not \"host\" or "
			    "\"host:port\"", c->broker.hosts[i]);
	if (c->broker.queue[0] == '\0')
		return eg_err_set(err, EG_ECONFIG, "broker.queue.name must not be empty");
	if (c->broker.use_tls && check_tls("broker", &c->broker.tls, err) == -1)
		return -1;
	if (c->log_level < EG_LOG_ERR || c->log_level > EG_LOG_TRACE)
		return eg_err_set(err, EG_ECONFIG, "log.level must be error, warning, info, debug "
		    "or trace");
	if (c->watch_health && c->health_file[0] == '\0')
		return eg_err_set(err, EG_ECONFIG, "health.watch is on but health.file is not set");
	if (check_dir_of("health.file", c->health_file, err) == -1 ||
	    check_dir_of("journal.file", c->journal_file, err) == -1 ||
	    check_dir_of("metrics.file", c->metrics_file, err) == -1 ||
	    check_dir_of("log.file", c->log_file, err) == -1)
		return -1;
	return check_readable("alert.email_config", c->alert_email_config, err);
}

/* ---- describe and wipe ------------------------------------------------------ */

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
	for (i = 0; i < NOPTS; i++) {
		o = &opts[i];
		f = base + o->off;
		if (o->kind == K_SECRET_FILE)
			continue;   /* the secret itself is listed, as (set) or (not set) */
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
			put(&k, "%s", *(const int *)f ? "true" : "false");
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
		case K_SECRET_FILE:
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
}
