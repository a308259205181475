/* SPDX-License-Identifier: MIT */
/*
 * cmdlog.h - epp-sim's command log: one line per command, written with one
 * write(2) on an O_APPEND descriptor, so lines from connection threads never
 * interleave and each is on disk (in the page cache) when the reply leaves.
 *
 *   <epoch_ms> s=<session> clid=<clid|-> cmd=<cmd> cltrid=<clTRID|-> code=<code|-|greeting>
 *       obj=<object|-> [fault=<kind>] [objuris=<uri,...> exturis=<uri,...|->]
 *
 * code is "-" for a command that was not executed (fault drop-before) and
 * "greeting" for a <hello>. A login line names the services it asked for, each
 * URI as the client sent it.
 *
 * Values are percent-encoded where they hold a space, '%' or a byte outside
 * printable ASCII, so every field stays one word. Passwords and authInfo are
 * never among them.
 */
#ifndef EPPSIM_CMDLOG_H
#define EPPSIM_CMDLOG_H

#include "err.h"

struct cmdlog {
	int fd;               /* -1: no log */
	char path[4096];
};

/* path NULL: no log. 0, or -1 with err. */
int cmdlog_open(struct cmdlog *l, const char *path, struct eg_err *err);
/* Reopens the file (after rotation). 0 or -1. */
int cmdlog_reopen(struct cmdlog *l, struct eg_err *err);
void cmdlog_close(struct cmdlog *l);
/* code < 0: not executed ("-"); 0: a greeting ("greeting"). Empty or NULL strings: "-".
 * fault NULL: no field. objuris, exturis (a login's services, comma-separated): NULL, no
 * field. */
void cmdlog_write(struct cmdlog *l, unsigned long session, const char *clid, const char *cmd,
    const char *cltrid, int code, const char *obj, const char *fault, const char *objuris,
    const char *exturis);

#endif
