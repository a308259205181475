/* SPDX-License-Identifier: MIT */
/*
 * log.c - one line per entry, one write(2) per line, control characters
 * escaped (see log.h).
 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {"error", "warning", "info", "debug", "trace"};

const char *
eg_log_level_name(int level)
{
	if (level < 0)
		level = 0;
	if (level > EG_LOG_TRACE)
		level = EG_LOG_TRACE;
	return level_names[level];
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
	snprintf(l->ident, sizeof(l->ident), "%s", ident);
	if (path == NULL || path[0] == '\0' || strcmp(path, "-") == 0)
		return 0;
	if (strlen(path) >= sizeof(l->path))
		return eg_err_set(e, EG_ECONFIG, "log file path too long");
	snprintf(l->path, sizeof(l->path), "%s", path);
	if ((l->fd = open_path(path, e)) == -1) {
		l->fd = STDERR_FILENO;
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

/* Copies src into dst escaping control characters, so one entry stays one line. */
static size_t
escape_into(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;
	unsigned char c;

	for (; *src != '\0' && n + 5 < cap; src++) {
		c = (unsigned char)*src;
		if (c >= 0x20 && c != 0x7f) {
			dst[n++] = (char)c;
		} else if (c == '\n') {
			dst[n++] = '\\';
			dst[n++] = 'n';
		} else if (c == '\t') {
			dst[n++] = ' ';
		} else {
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex[c >> 4];
			dst[n++] = hex[c & 15];
		}
	}
	return n;
}

void
eg_logf(const struct eg_log *l, int level, const char *fmt, ...)
{
	char msg[8192], line[8192 + 128];
	size_t n = 0;
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int saved = errno;
	ssize_t w;

	if (!eg_log_on(l, level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->timestamps) {
		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
		n += (size_t)snprintf(line + n, sizeof(line) - n, ".%03ldZ ", ts.tv_nsec / 1000000);
	}
	n += (size_t)snprintf(line + n, sizeof(line) - n, "%s[%ld] %s: ", l->ident,
	    (long)getpid(), eg_log_level_name(level));
	n += escape_into(line + n, sizeof(line) - n - 1, msg);
	line[n++] = '\n';
	do
		w = write(l->fd, line, n);
	while (w == -1 && errno == EINTR);
	errno = saved;
}
