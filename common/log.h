/* SPDX-License-Identifier: MIT */
/*
 * log.h - line logging for the programs (never for the pure codec modules,
 * which report through struct eg_err instead).
 *
 * A struct eg_log is owned by main() and passed by pointer to whoever logs;
 * a NULL logger discards. Each line is formatted into one buffer and written
 * with one write(2) on an O_APPEND descriptor, so lines from threads do not
 * interleave. eg_log_reopen() (SIGHUP) swaps the file with dup2(2), so other
 * threads never see a closed descriptor. Control characters in messages are
 * escaped: one entry is always one line.
 *
 * Secrets: callers never pass passwords or authInfo; XML is passed through
 * redact.h first.
 */
#ifndef EG_LOG_H
#define EG_LOG_H

#include "err.h"

enum eg_log_level {
	EG_LOG_ERR = 0,
	EG_LOG_WARN,
	EG_LOG_INFO,    /* default: start, stop, sessions up/down, failures */
	EG_LOG_DEBUG,   /* -v: one line per request */
	EG_LOG_TRACE,   /* -vv: protocol detail, XML with secrets redacted */
};

struct eg_log {
	int level;
	int fd;                 /* 2 when logging to stderr */
	int timestamps;         /* prefix lines with an ISO-8601 UTC time */
	char ident[32];
	char path[4096];        /* empty: stderr */
};

/* path NULL or "" or "-": stderr. */
int eg_log_open(struct eg_log *l, const char *ident, const char *path, int level,
    struct eg_err *e);
int eg_log_reopen(struct eg_log *l, struct eg_err *e);
void eg_log_close(struct eg_log *l);

static inline int
eg_log_on(const struct eg_log *l, int level)
{
	return l != NULL && level <= l->level;
}

void eg_logf(const struct eg_log *l, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

const char *eg_log_level_name(int level);
int eg_log_level_parse(const char *name);  /* "error".."trace" or a digit; -1 if unknown */

#define log_err(l, ...)   eg_logf((l), EG_LOG_ERR, __VA_ARGS__)
#define log_warn(l, ...)  eg_logf((l), EG_LOG_WARN, __VA_ARGS__)
#define log_info(l, ...)  eg_logf((l), EG_LOG_INFO, __VA_ARGS__)
#define log_debug(l, ...) eg_logf((l), EG_LOG_DEBUG, __VA_ARGS__)
#define log_trace(l, ...) eg_logf((l), EG_LOG_TRACE, __VA_ARGS__)

#endif
