/* SPDX-License-Identifier: MIT */
/*
 * config_load.c - reading the libconfig file (epp-gate.conf(5)): every
 * setting is looked up in the table of config_opts.c, checked and applied;
 * an unknown one is refused with the nearest known name as a suggestion.
 */
#include <errno.h>
#include <libconfig.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config_int.h"
#include "log.h"
#include "rdfile.h"

#define CONFIG_MAX_BYTES (1024 * 1024)  /* a config file is a few KiB; refuse absurd input */

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

	for (i = 0; i < cfg_nopts; i++)
		if (strcmp(cfg_opts[i].path, path) == 0)
			return &cfg_opts[i];
	return NULL;
}

/* A group is any proper prefix of a setting's path ending at a dot. */
static int
is_group(const char *path)
{
	size_t i, n = strlen(path);

	for (i = 0; i < cfg_nopts; i++)
		if (strncmp(cfg_opts[i].path, path, n) == 0 && cfg_opts[i].path[n] == '.')
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

	for (i = 0; i < cfg_nopts; i++) {
		if ((d = distance(path, cfg_opts[i].path)) < bestd) {
			bestd = d;
			best = cfg_opts[i].path;
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

/* "90", "90s", "15m", "12h", "7d": seconds. */
static int
parse_duration(const char *s, long long *v)
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
	case 's':
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (n > (1ULL << 40) / mul)
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
			r = cfg_port_parse(config_setting_get_string(s));
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
	case K_DURATION:
		if (s->type == CONFIG_TYPE_STRING)
			r = parse_duration(config_setting_get_string(s), &v);
		else
			r = get_int(ld, s, &v);
		if (r != 0 || v < o->min || v > o->max)
			return bad(ld, s, path, "must be a duration from %llds to %lldd: seconds, or "
			    "a string such as \"90s\", \"15m\", \"12h\" or \"7d\"", o->min,
			    o->max / 86400);
		*(int *)(void *)field = (int)v;
		return 0;
	case K_OBSOLETE:
		cfg_warnf(ld->warn, ld->ctx, "%s:%u: %s %s", config_setting_source_file(s) != NULL ?
		    config_setting_source_file(s) : ld->path, config_setting_source_line(s), path,
		    o->valid(NULL));
		return 0;
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

/* A secret inline and from a file at once is ambiguous: which one wins is refused. */
static const char *const secret_pairs[][2] = {
	{"epp.password", "epp.password_file"},
	{"epp.new_password", "epp.new_password_file"},
	{"broker.password", "broker.password_file"},
};

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
		cfg_warnf(ld->warn, ld->ctx, "config file %s can be read by every user and holds "
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
