/* SPDX-License-Identifier: MIT */
/*
 * faults.h - epp-sim's fault plan: which command gets which misbehaviour.
 *
 * A rule is written KIND:N[:CMDS][:once]. It counts the commands it matches,
 * over all sessions of the process, and fires on every Nth (with "once":
 * the Nth only). CMDS is a comma list of command names as the command log
 * writes them (domain:create, poll, hello, login, ...) or one of the classes
 * "query" (check, info, poll req, transfer query), "transform" (the other
 * commands except login and logout) and "all" (the default: everything but
 * login, logout and hello). refuse-login and session-limit apply to login
 * only, whatever CMDS says.
 *
 * reply-file takes a file: written reply-file=PATH:N[:CMDS][:once] (PATH
 * without ':'). The command is executed, then the file's bytes are sent as the
 * response frame, with every "@CLTRID@" replaced by the command's clTRID: any
 * response a hostile or broken registry could send.
 *
 * When several rules match a command, each counts it and the first one that
 * fires wins. The plan has its own mutex: connection threads consult it, the
 * main thread replaces it (SIGUSR1).
 */
#ifndef EPPSIM_FAULTS_H
#define EPPSIM_FAULTS_H

#include <pthread.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "registry.h"

enum fault_kind {
	FAULT_NONE,
	FAULT_DROP_BEFORE,    /* close without executing */
	FAULT_DROP_AFTER,     /* execute, close without answering */
	FAULT_GARBAGE,        /* execute, answer a frame that is not XML */
	FAULT_OVERSIZE,       /* execute, send a 32 MiB frame header and a little, close */
	FAULT_WRONG_CLTRID,   /* execute, answer with another clTRID */
	FAULT_PARTIAL,        /* execute, send half the frame, stall, close */
	FAULT_STALL,          /* execute, never answer, close after the stall time */
	FAULT_REFUSE_LOGIN,   /* answer login with 2200 without checking */
	FAULT_SESSION_LIMIT,  /* answer login with 2502 and close */
	FAULT_REPLY_FILE,     /* execute, answer a file's bytes as the frame */
};

#define FAULT_MAX_RULES 32
#define FAULT_MAX_CMDS 16
#define FAULT_ARG_MAX 512
#define FAULT_FILE_MAX ((size_t)64 << 20)   /* largest reply-file */

struct fault_rule {
	enum fault_kind kind;
	unsigned long every;              /* N >= 1 */
	int once;
	char cmds[FAULT_MAX_CMDS][32];    /* none: "all" */
	size_t ncmds;
	char arg[FAULT_ARG_MAX];          /* reply-file: the file */
	unsigned long seen;               /* matching commands counted so far */
	int fired;
};

struct fault_plan {
	pthread_mutex_t mu;
	struct fault_rule rules[FAULT_MAX_RULES];
	size_t n;
};

const char *fault_kind_name(enum fault_kind k);

/* Parses one rule (counters zeroed). 0, or -1 with err naming what is wrong. */
int fault_rule_parse(const char *spec, struct fault_rule *out, struct eg_err *err);

void fault_plan_init(struct fault_plan *p);
void fault_plan_clear(struct fault_plan *p);
/* Appends a rule at start-up. 0, or -1 when there are FAULT_MAX_RULES already. */
int fault_plan_add(struct fault_plan *p, const struct fault_rule *r, struct eg_err *err);
/* Replaces every rule by those of a file: one rule per line, blank lines and lines
 * starting with # ignored; an empty file clears the plan. On error nothing changes. */
int fault_plan_load(struct fault_plan *p, const char *path, struct eg_err *err);
/* Counts a command against the rules; the kind of the rule that fires, or FAULT_NONE. */
enum fault_kind fault_plan_match(struct fault_plan *p, const char *cmd, enum sim_class klass);
/* The same, and copies the firing rule's argument (the reply-file path; "" for other
 * kinds) into arg. */
enum fault_kind fault_plan_match_arg(struct fault_plan *p, const char *cmd,
    enum sim_class klass, char *arg, size_t cap);
/* Reads a reply-file (at most FAULT_FILE_MAX bytes) into out, every "@CLTRID@" replaced by
 * cltrid. 0, or -1 with err set. */
int fault_reply_load(const char *path, const char *cltrid, struct buf *out,
    struct eg_err *err);
/* Number of rules (for the start-up log). */
size_t fault_plan_count(struct fault_plan *p);

#endif
