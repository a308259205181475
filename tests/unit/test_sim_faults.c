/* SPDX-License-Identifier: MIT */
/*
 * epp-sim's fault plan without a network: rule syntax (command names hold
 * colons themselves), every-Nth counting over all callers, once, classes,
 * the login-only kinds, loading a fault file, and reply-file (its path, and
 * the clTRID put into the file's bytes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faults.h"
#include "tap.h"

static enum fault_kind
match(struct fault_plan *p, const char *cmd, enum sim_class k)
{
	return fault_plan_match(p, cmd, k);
}

static void
test_parse(void)
{
	struct fault_rule r;
	struct eg_err e;

	tap_is_int(fault_rule_parse("drop-before:3", &r, &e), 0, "KIND:N");
	tap_ok(r.kind == FAULT_DROP_BEFORE && r.every == 3 && r.ncmds == 0 && !r.once,
	    "kind, N, no commands, not once");
	tap_is_int(fault_rule_parse("garbage:1:domain:create,domain:renew:once", &r, &e), 0,
	    "command names with colons, and once");
	tap_ok(r.ncmds == 2 && strcmp(r.cmds[0], "domain:create") == 0 &&
	    strcmp(r.cmds[1], "domain:renew") == 0 && r.once, "two names, once");
	tap_is_int(fault_rule_parse("stall:2:once", &r, &e), 0, "KIND:N:once");
	tap_ok(r.once && r.ncmds == 0, "once without commands");
	tap_is_int(fault_rule_parse("partial:1:query", &r, &e), 0, "a class");
	tap_is_int(fault_rule_parse("nonsense:1", &r, &e), -1, "unknown kind refused");
	tap_ok(strstr(e.msg, "unknown kind") != NULL, "with a message (%s)", e.msg);
	tap_is_int(fault_rule_parse("drop-after:0", &r, &e), -1, "N = 0 refused");
	tap_is_int(fault_rule_parse("drop-after", &r, &e), -1, "missing N refused");
	tap_is_int(fault_rule_parse("drop-after:x", &r, &e), -1, "N not a number refused");
	tap_is_int(fault_rule_parse("drop-after:1:", &r, &e), -1, "empty command list refused");
}

static void
test_match(void)
{
	struct fault_plan p;
	struct fault_rule r;
	struct eg_err e;
	int i, fired = 0;

	fault_plan_init(&p);
	fault_rule_parse("drop-before:3:domain:check", &r, &e);
	fault_plan_add(&p, &r, &e);
	for (i = 1; i <= 9; i++)
		if (match(&p, "domain:check", SIM_CLASS_QUERY) == FAULT_DROP_BEFORE)
			fired |= 1 << i;
	tap_is_int(fired, (1 << 3) | (1 << 6) | (1 << 9), "every 3rd check fires");
	tap_is_int(match(&p, "domain:info", SIM_CLASS_QUERY), FAULT_NONE, "other commands don't");
	fault_plan_clear(&p);

	fault_plan_init(&p);
	fault_rule_parse("garbage:2:once", &r, &e);
	fault_plan_add(&p, &r, &e);
	tap_is_int(match(&p, "domain:create", SIM_CLASS_TRANSFORM), FAULT_NONE, "once: 1st no");
	tap_is_int(match(&p, "poll", SIM_CLASS_QUERY), FAULT_GARBAGE, "once: 2nd yes");
	tap_is_int(match(&p, "poll", SIM_CLASS_QUERY), FAULT_NONE, "once: 3rd no");
	tap_is_int(match(&p, "poll", SIM_CLASS_QUERY), FAULT_NONE, "once: 4th no");
	tap_is_int(match(&p, "login", SIM_CLASS_SESSION), FAULT_NONE, "all: not login");
	tap_is_int(match(&p, "hello", SIM_CLASS_SESSION), FAULT_NONE, "all: not hello");
	fault_plan_clear(&p);

	fault_plan_init(&p);
	fault_rule_parse("stall:1:transform", &r, &e);
	fault_plan_add(&p, &r, &e);
	fault_rule_parse("refuse-login:1:domain:check", &r, &e);
	fault_plan_add(&p, &r, &e);
	tap_is_int(match(&p, "domain:check", SIM_CLASS_QUERY), FAULT_NONE,
	    "transform skips a query; refuse-login skips all but login");
	tap_is_int(match(&p, "domain:renew", SIM_CLASS_TRANSFORM), FAULT_STALL, "transform");
	tap_is_int(match(&p, "login", SIM_CLASS_SESSION), FAULT_REFUSE_LOGIN,
	    "refuse-login applies to login whatever CMDS says");
	tap_is_int(match(&p, "logout", SIM_CLASS_SESSION), FAULT_NONE, "logout is no transform");
	fault_plan_clear(&p);
}

static void
test_load(void)
{
	char path[] = "/tmp/eg-faults-XXXXXX";
	struct fault_plan p;
	struct fault_rule r;
	struct eg_err e;
	FILE *f;
	int fd = mkstemp(path);

	fault_plan_init(&p);
	fault_rule_parse("stall:1", &r, &e);
	fault_plan_add(&p, &r, &e);
	f = fdopen(fd, "w");
	fputs("# a comment\n\n  drop-after:1:domain:delete  \nwrong-cltrid:2:query\n", f);
	fclose(f);
	tap_is_int(fault_plan_load(&p, path, &e), 0, "load a fault file");
	tap_is_int((int)fault_plan_count(&p), 2, "two rules replace the old one");
	tap_is_int(match(&p, "domain:delete", SIM_CLASS_TRANSFORM), FAULT_DROP_AFTER,
	    "the file's rule applies");
	f = fopen(path, "w");
	fputs("drop-after:1\nbad line\n", f);
	fclose(f);
	tap_is_int(fault_plan_load(&p, path, &e), -1, "a bad line refuses the file");
	tap_ok(strstr(e.msg, ":2: ") != NULL, "naming the line (%s)", e.msg);
	tap_is_int((int)fault_plan_count(&p), 2, "and keeps the plan");
	f = fopen(path, "w");
	fclose(f);
	tap_is_int(fault_plan_load(&p, path, &e), 0, "an empty file");
	tap_is_int((int)fault_plan_count(&p), 0, "clears the plan");
	unlink(path);
	tap_is_int(fault_plan_load(&p, path, &e), -1, "a missing file is an error");
	fault_plan_clear(&p);
}

static void
test_reply_file(void)
{
	char path[] = "/tmp/eg-reply-XXXXXX", arg[FAULT_ARG_MAX], spec[600];
	static const char body[] = "<a>@CLTRID@</a>\0<b>@CLTRID@@CLTRID@</b>@CLTRID";
	struct fault_plan p;
	struct fault_rule r;
	struct buf out = BUF_INIT;
	struct eg_err e;
	FILE *f;
	int fd = mkstemp(path);

	snprintf(spec, sizeof(spec), "reply-file=%s:2:domain:info:once", path);
	tap_is_int(fault_rule_parse(spec, &r, &e), 0, "reply-file=PATH:N:CMDS:once");
	tap_ok(r.kind == FAULT_REPLY_FILE && strcmp(r.arg, path) == 0 && r.every == 2 &&
	    r.ncmds == 1 && r.once, "kind, path, N, command, once");
	tap_is_str(fault_kind_name(FAULT_REPLY_FILE), "reply-file", "its name in the log");
	tap_is_int(fault_rule_parse("reply-file:1", &r, &e), -1, "without a file: refused");
	tap_ok(strstr(e.msg, "needs a file") != NULL, "saying so (%s)", e.msg);
	tap_is_int(fault_rule_parse("reply-file=:1", &r, &e), -1, "with an empty file: refused");
	tap_is_int(fault_rule_parse("garbage:1", &r, &e), 0, "another kind");
	tap_is_str(r.arg, "", "has no argument");

	fault_plan_init(&p);
	fault_rule_parse(spec, &r, &e);
	fault_plan_add(&p, &r, &e);
	strcpy(arg, "stale");
	tap_is_int(fault_plan_match_arg(&p, "domain:info", SIM_CLASS_QUERY, arg, sizeof(arg)),
	    FAULT_NONE, "1st info: no fault");
	tap_is_str(arg, "", "and no argument");
	tap_is_int(fault_plan_match_arg(&p, "domain:info", SIM_CLASS_QUERY, arg, sizeof(arg)),
	    FAULT_REPLY_FILE, "2nd info: reply-file");
	tap_is_str(arg, path, "with its file");
	fault_plan_clear(&p);

	f = fdopen(fd, "wb");
	fwrite(body, 1, sizeof(body) - 1, f);
	fclose(f);
	tap_is_int(fault_reply_load(path, "ABC-1", &out, &e), 0, "the file is read");
	tap_ok(out.len == sizeof(body) - 1 - 3 * (8 - 5) &&
	    memcmp(out.data, "<a>ABC-1</a>\0<b>ABC-1ABC-1</b>@CLTRID", out.len) == 0,
	    "every @CLTRID@ replaced, NUL bytes and a partial marker kept (%zu bytes)", out.len);
	unlink(path);
	tap_is_int(fault_reply_load(path, "ABC-1", &out, &e), -1, "a missing file is an error");
	buf_clear(&out);
}

int
main(void)
{
	test_parse();
	test_match();
	test_load();
	test_reply_file();
	return tap_done();
}
