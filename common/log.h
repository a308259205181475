/* SPDX-License-Identifier: MIT */
/*
 * log.h - line logging for the programs (never for the pure codec modules,
 * which report through struct eg_err instead).
 *
 * A struct eg_log is owned by main() and passed by pointer to whoever logs;
 * a NULL logger discards. Each line is formatted into one buffer and written
 * with one write(2) on an O_APPEND descriptor, so lines from threads do not
 * interleave. eg_log_reopen() (SIGHUP) swaps the file with dup2(2), so other
 * threads never see a closed descriptor. Control characters and invalid UTF-8
 * in messages are escaped: one entry is always one line of UTF-8 text.
 *
 * Where the lines go decides their shape (the log.* settings of epp-gate.conf(5)):
 *
 *   - standard error that is the journal (systemd sets JOURNAL_STREAM=DEV:INODE
 *     and fd 2 has that device and inode): each line starts with its syslog
 *     priority, "<3>" error, "<4>" warning, "<6>" info, "<7>" debug and trace,
 *     the prefix journald reads (the sd-daemon(3) convention), and carries no
 *     time, ident or pid of its own: the journal records those;
 *   - anything else (a terminal, a pipe, a log file): "TIME IDENT[PID] LEVEL: "
 *     before the message, the time unless timestamps is 0.
 *
 * Format text (the default): "LEVEL: message key=value ..."; values that hold a
 * space, '"' or '=' are quoted, absent ones are "-". Format json: one object a
 * line, {"time", "level", "ident", "pid", "message", fields...}, "time" in
 * RFC 3339 UTC with milliseconds; under the journal without ident and pid,
 * after the priority prefix. Invalid UTF-8 becomes U+FFFD in JSON.
 *
 * Secrets: callers never pass passwords or authInfo; XML is passed through
 * redact.h first.
 */
#ifndef EG_LOG_H
#define EG_LOG_H

#include <stddef.h>

#include "err.h"

enum eg_log_level {
	EG_LOG_ERR = 0,
	EG_LOG_WARN,
	EG_LOG_INFO,    /* default: start, stop, sessions up/down, failures; request lines
	                   when asked for (-v, log.requests) */
	EG_LOG_DEBUG,   /* -v: session detail */
	EG_LOG_TRACE,   /* -vv: protocol detail, XML with secrets redacted */
};

enum eg_log_format {
	EG_LOG_TEXT = 0,
	EG_LOG_JSON,
};

struct eg_log {
	int level;
	int fd;                 /* 2 when logging to stderr */
	int timestamps;         /* text lines start with an ISO-8601 UTC time (never under
	                           the journal, which has its own) */
	int format;             /* enum eg_log_format */
	int journal;            /* fd is the journal's stream: priority prefixes, no time,
	                           ident or pid */
	char ident[32];
	char path[4096];        /* empty: stderr */
};

/*
 * path NULL or "" or "-": stderr. Text format, timestamps on; journal set when
 * stderr is the journal (eg_log_journal_fd). The caller may change timestamps
 * and format afterwards.
 */
int eg_log_open(struct eg_log *l, const char *ident, const char *path, int level,
    struct eg_err *e);
int eg_log_reopen(struct eg_log *l, struct eg_err *e);
void eg_log_close(struct eg_log *l);

/* 1 when fd is the stream systemd connected to the journal: JOURNAL_STREAM is
 * "DEV:INODE" and fstat(fd) has that device and inode. */
int eg_log_journal_fd(int fd);

/* For messages written to stderr before a log is open: the priority prefix of
 * level ("<3>"...) when stderr is the journal, else "". */
const char *eg_log_stderr_prefix(int level);

/* "text" or "json" to enum eg_log_format; -1 if unknown. */
int eg_log_format_parse(const char *name);

static inline int
eg_log_on(const struct eg_log *l, int level)
{
	return l != NULL && level <= l->level;
}

void eg_logf(const struct eg_log *l, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A named value of a structured line (eg_log_fields). */
enum eg_log_ftype {
	EG_LF_STR,      /* s; NULL: "-" in text, null in JSON */
	EG_LF_INT,      /* i */
	EG_LF_MS,       /* d, three decimals: a duration in milliseconds */
	EG_LF_BOOL,     /* i: "yes"/"no" in text, true/false in JSON */
	EG_LF_LIST,     /* i strings one after another in s, each NUL-terminated: joined by
	                   ',' in text (left out when empty), an array in JSON */
};

struct eg_log_field {
	const char *key;        /* a constant: letters, digits, '_' */
	enum eg_log_ftype type;
	const char *s;
	long long i;
	double d;
};

/* One line: msg, then the fields, as key=value in text and as members of the
 * object in JSON. */
void eg_log_fields(const struct eg_log *l, int level, const char *msg,
    const struct eg_log_field *f, size_t n);

const char *eg_log_level_name(int level);
int eg_log_level_parse(const char *name);  /* "error".."trace" or a digit; -1 if unknown */

#define log_err(l, ...)   eg_logf((l), EG_LOG_ERR, __VA_ARGS__)
#define log_warn(l, ...)  eg_logf((l), EG_LOG_WARN, __VA_ARGS__)
#define log_info(l, ...)  eg_logf((l), EG_LOG_INFO, __VA_ARGS__)
#define log_debug(l, ...) eg_logf((l), EG_LOG_DEBUG, __VA_ARGS__)
#define log_trace(l, ...) eg_logf((l), EG_LOG_TRACE, __VA_ARGS__)

#endif
