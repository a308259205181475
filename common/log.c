/* SPDX-License-Identifier: MIT */
/*
 * log.c - one line per entry, one write(2) per line, in text or JSON, with the
 * journal's priority prefix when stderr is the journal (see log.h).
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "utf8.h"

#define MSG_CAP  8192           /* a longer message is cut */
#define LINE_CAP 16384          /* a line: escapes make it longer than its message */
#define TAIL     8              /* kept free for the closing characters, see put() */

static const char *const level_names[] = {"error", "warning", "info", "debug", "trace"};

/* The syslog priorities journald reads at the start of a line (sd-daemon(3)):
 * err, warning, info, debug; trace is debug too. */
static const char *const priorities[] = {"<3>", "<4>", "<6>", "<7>", "<7>"};

static int
clamp_level(int level)
{
	if (level < EG_LOG_ERR)
		return EG_LOG_ERR;
	if (level > EG_LOG_TRACE)
		return EG_LOG_TRACE;
	return level;
}

const char *
eg_log_level_name(int level)
{
	return level_names[clamp_level(level)];
}

int
eg_log_level_parse(const char *name)
{
	size_t i;

	if (name[0] >= '0' && name[0] <= '4' && name[1] == '\0')
		return name[0] - '0';
	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (strcasecmp(name, level_names[i]) == 0)
			return (int)i;
	if (strcasecmp(name, "warn") == 0)
		return EG_LOG_WARN;
	return -1;
}

int
eg_log_format_parse(const char *name)
{
	if (strcmp(name, "text") == 0)
		return EG_LOG_TEXT;
	if (strcmp(name, "json") == 0)
		return EG_LOG_JSON;
	return -1;
}

/* ---- where the lines go ------------------------------------------------------- */

int
eg_log_journal_fd(int fd)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;
	int saved = errno, r = 0;

	/* systemd writes "%lu:%lu": the device and inode of the stream it connected. */
	if (v == NULL || v[0] < '0' || v[0] > '9')
		return 0;
	errno = 0;
	dev = strtoull(v, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		goto out;
	ino = strtoull(end + 1, &end, 10);
	if (*end != '\0' || errno != 0 || fstat(fd, &st) == -1)
		goto out;
	r = (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
out:
	errno = saved;
	return r;
}

const char *
eg_log_stderr_prefix(int level)
{
	return eg_log_journal_fd(STDERR_FILENO) ? priorities[clamp_level(level)] : "";
}

static int
open_path(const char *path, struct eg_err *e)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	if (fd == -1)
		eg_err_set(e, EG_EIO, "cannot open log file %s: %s", path, strerror(errno));
	return fd;
}

int
eg_log_open(struct eg_log *l, const char *ident, const char *path, int level,
    struct eg_err *e)
{
	memset(l, 0, sizeof(*l));
	l->level = level;
	l->fd = STDERR_FILENO;
	l->timestamps = 1;
	l->format = EG_LOG_TEXT;
	snprintf(l->ident, sizeof(l->ident), "%s", ident);
	if (path == NULL || path[0] == '\0' || strcmp(path, "-") == 0) {
		l->journal = eg_log_journal_fd(STDERR_FILENO);
		return 0;
	}
	if (strlen(path) >= sizeof(l->path))
		return eg_err_set(e, EG_ECONFIG, "log file path too long");
	snprintf(l->path, sizeof(l->path), "%s", path);
	if ((l->fd = open_path(path, e)) == -1) {
		l->fd = STDERR_FILENO;
		l->journal = eg_log_journal_fd(STDERR_FILENO);
		return -1;
	}
	return 0;
}

int
eg_log_reopen(struct eg_log *l, struct eg_err *e)
{
	int fd;

	if (l->path[0] == '\0')
		return 0;
	if ((fd = open_path(l->path, e)) == -1)
		return -1;
	/* dup2 replaces the descriptor atomically: concurrent writers never see it closed. */
	if (dup2(fd, l->fd) == -1) {
		eg_err_set(e, EG_EIO, "cannot reopen log file: %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void
eg_log_close(struct eg_log *l)
{
	if (l->path[0] != '\0' && l->fd > STDERR_FILENO)
		close(l->fd);
	l->fd = STDERR_FILENO;
	l->path[0] = '\0';
}

/* ---- the line buffer ------------------------------------------------------------ */

/*
 * A line is built piece by piece. A piece that does not fit is dropped, and so is
 * every later one: a cut line ends where a piece ended, never inside an escape or a
 * UTF-8 character. TAIL bytes stay free for the characters that close what is open
 * (a quote, a bracket, a brace, the newline), so a cut JSON line is still an object.
 */
struct line {
	char buf[LINE_CAP];
	size_t n;
	int full;
};

static int
put(struct line *b, const void *s, size_t n)
{
	if (b->full || b->n + n + TAIL > sizeof(b->buf)) {
		b->full = 1;
		return -1;
	}
	memcpy(b->buf + b->n, s, n);
	b->n += n;
	return 0;
}

static int
put_str(struct line *b, const char *s)
{
	return put(b, s, strlen(s));
}

static int
put_fmt(struct line *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
put_fmt(struct line *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return -1;
	return put(b, tmp, (size_t)n);
}

/* A closing character: goes into the tail, so it always fits. */
static void
close_with(struct line *b, char c)
{
	if (b->n < sizeof(b->buf))
		b->buf[b->n++] = c;
}

/* Length of the well-formed UTF-8 character at p (NUL-terminated), 0 when there is none. */
static size_t
utf8_char(const unsigned char *p)
{
	size_t len, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4;
	else
		return 0;
	for (i = 1; i < len; i++)
		if (p[i] == '\0')
			return 0;
	return utf8_valid((const char *)p, len) ? len : 0;
}

/*
 * Text: a newline as \n, a tab as a space, other control characters and bytes that
 * are no UTF-8 as \xNN (journald would store a line holding them as binary data);
 * inside quotes also \" and \\.
 */
static void
text_escape(struct line *b, const char *s, int quoted)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	char esc[4];
	size_t k;
	int r;

	while (*p != '\0') {
		k = 1;
		if (*p >= 0x80 && (k = utf8_char(p)) > 0) {
			r = put(b, p, k);
		} else if (*p >= 0x80 || *p < 0x20 || *p == 0x7f) {
			k = 1;
			if (*p == '\n') {
				r = put(b, "\\n", 2);
			} else if (*p == '\t') {
				r = put(b, " ", 1);
			} else {
				esc[0] = '\\';
				esc[1] = 'x';
				esc[2] = hex[*p >> 4];
				esc[3] = hex[*p & 15];
				r = put(b, esc, 4);
			}
		} else if (quoted && (*p == '"' || *p == '\\')) {
			esc[0] = '\\';
			esc[1] = (char)*p;
			r = put(b, esc, 2);
		} else {
			r = put(b, p, 1);
		}
		if (r != 0)
			return;
		p += k;
	}
}

/* JSON string contents (RFC 8259 section 7): invalid UTF-8 becomes U+FFFD. */
static void
json_escape(struct line *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	char esc[6] = {'\\', 'u', '0', '0', 0, 0};
	size_t k;
	int r;

	while (*p != '\0') {
		k = 1;
		if (*p >= 0x80) {
			if ((k = utf8_char(p)) > 0) {
				r = put(b, p, k);
			} else {
				k = 1;
				r = put(b, "\\ufffd", 6);
			}
		} else if (*p == '"') {
			r = put(b, "\\\"", 2);
		} else if (*p == '\\') {
			r = put(b, "\\\\", 2);
		} else if (*p == '\n') {
			r = put(b, "\\n", 2);
		} else if (*p == '\r') {
			r = put(b, "\\r", 2);
		} else if (*p == '\t') {
			r = put(b, "\\t", 2);
		} else if (*p < 0x20 || *p == 0x7f) {
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 15];
			r = put(b, esc, 6);
		} else {
			r = put(b, p, 1);
		}
		if (r != 0)
			return;
		p += k;
	}
}

/* ,"key":OPEN as one piece: a key never goes out without the start of its value. */
static int
json_key(struct line *b, const char *key, const char *open)
{
	return put_fmt(b, ",\"%s\":%s", key, open);
}

static void
json_field(struct line *b, const struct eg_log_field *f)
{
	const char *s = f->s;
	long long k;

	switch (f->type) {
	case EG_LF_STR:
		if (s == NULL) {
			json_key(b, f->key, "null");
		} else if (json_key(b, f->key, "\"") == 0) {
			json_escape(b, s);
			close_with(b, '"');
		}
		break;
	case EG_LF_INT:
		put_fmt(b, ",\"%s\":%lld", f->key, f->i);
		break;
	case EG_LF_MS:
		put_fmt(b, ",\"%s\":%.3f", f->key, f->d);
		break;
	case EG_LF_BOOL:
		json_key(b, f->key, f->i ? "true" : "false");
		break;
	case EG_LF_LIST:
		if (json_key(b, f->key, "[") != 0)
			break;
		for (k = 0; k < f->i; k++, s += strlen(s) + 1) {
			if (put_str(b, k > 0 ? ",\"" : "\"") != 0)
				break;
			json_escape(b, s);
			close_with(b, '"');
		}
		close_with(b, ']');
		break;
	}
}

/* Text values holding a space, a quote or '=' (or nothing) are quoted, so that
 * key=value pairs can be told apart. */
static int
text_needs_quotes(const char *s)
{
	return s[0] == '\0' || strpbrk(s, " \t\"=") != NULL;
}

static void
text_field(struct line *b, const struct eg_log_field *f)
{
	const char *s = f->s;
	long long k;
	int quoted = 0;

	if (f->type == EG_LF_LIST && f->i <= 0)
		return;
	if (put_fmt(b, " %s=", f->key) != 0)
		return;
	switch (f->type) {
	case EG_LF_STR:
		if (s == NULL) {
			put(b, "-", 1);
		} else if (!text_needs_quotes(s)) {
			text_escape(b, s, 0);
		} else if (put(b, "\"", 1) == 0) {
			text_escape(b, s, 1);
			close_with(b, '"');
		}
		break;
	case EG_LF_INT:
		put_fmt(b, "%lld", f->i);
		break;
	case EG_LF_MS:
		put_fmt(b, "%.3f", f->d);
		break;
	case EG_LF_BOOL:
		put_str(b, f->i ? "yes" : "no");
		break;
	case EG_LF_LIST:
		for (k = 0; k < f->i; k++, s += strlen(s) + 1)
			quoted |= text_needs_quotes(s);
		if (quoted && put(b, "\"", 1) != 0)
			break;
		for (k = 0, s = f->s; k < f->i; k++, s += strlen(s) + 1) {
			if (k > 0 && put(b, ",", 1) != 0)
				break;
			text_escape(b, s, quoted);
		}
		if (quoted)
			close_with(b, '"');
		break;
	}
}

/* "2024-05-01T12:00:00.123Z" (RFC 3339, UTC, milliseconds). */
static void
put_time(struct line *b)
{
	struct timespec ts;
	struct tm tm;
	char t[32];
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(t + n, sizeof(t) - n, ".%03ldZ", ts.tv_nsec / 1000000);
	put_str(b, t);
}

static void
emit(const struct eg_log *l, int level, const char *msg, const struct eg_log_field *f,
    size_t nf)
{
	struct line b;
	size_t i;
	ssize_t w;

	b.n = 0;
	b.full = 0;
	level = clamp_level(level);
	if (l->journal)
		put_str(&b, priorities[level]);
	if (l->format == EG_LOG_JSON) {
		put_str(&b, "{\"time\":\"");
		put_time(&b);
		put_fmt(&b, "\",\"level\":\"%s\"", level_names[level]);
		if (!l->journal && json_key(&b, "ident", "\"") == 0) {
			json_escape(&b, l->ident);
			close_with(&b, '"');
			put_fmt(&b, ",\"pid\":%ld", (long)getpid());
		}
		if (json_key(&b, "message", "\"") == 0) {
			json_escape(&b, msg);
			close_with(&b, '"');
		}
		for (i = 0; i < nf; i++)
			json_field(&b, &f[i]);
		close_with(&b, '}');
	} else {
		if (l->timestamps && !l->journal) {
			put_time(&b);
			put(&b, " ", 1);
		}
		if (!l->journal)
			put_fmt(&b, "%s[%ld] ", l->ident, (long)getpid());
		put_fmt(&b, "%s: ", level_names[level]);
		text_escape(&b, msg, 0);
		for (i = 0; i < nf; i++)
			text_field(&b, &f[i]);
	}
	close_with(&b, '\n');
	do
		w = write(l->fd, b.buf, b.n);
	while (w == -1 && errno == EINTR);
}

void
eg_logf(const struct eg_log *l, int level, const char *fmt, ...)
{
	char msg[MSG_CAP];
	va_list ap;
	int saved = errno;

	if (!eg_log_on(l, level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	emit(l, level, msg, NULL, 0);
	errno = saved;
}

void
eg_log_fields(const struct eg_log *l, int level, const char *msg,
    const struct eg_log_field *f, size_t n)
{
	int saved = errno;

	if (!eg_log_on(l, level))
		return;
	emit(l, level, msg, f, n);
	errno = saved;
}
