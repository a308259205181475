/*
 * epp-sim's fault plan without a network: rule syntax (command names hold
 * colons themselves), every-Nth counting over all callers, once, classes,
 * the login-only kinds, and loading a fault file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../eppsim/faults.h"
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
	fault_plan_destroy(&p);

	fault_plan_init(&p);
	fault_rule_parse("garbage:2:once", &r, &e);
	fault_plan_add(&p, &r, &e);
	tap_is_int(match(&p, "domain:create", SIM_CLASS_TRANSFORM), FAULT_NONE, "once: 1st no");
	tap_is_int(match(&p, "poll", SIM_CLASS_QUERY), FAULT_GARBAGE, "once: 2nd yes");
	tap_is_int(match(&p, "poll", SIM_CLASS_QUERY), FAULT_NONE, "once: 3rd no");
	tap_is_int(match(&p, "poll", SIM_CLASS_QUERY), FAULT_NONE, "once: 4th no");
	tap_is_int(match(&p, "login", SIM_CLASS_SESSION), FAULT_NONE, "all: not login");
	tap_is_int(match(&p, "hello", SIM_CLASS_SESSION), FAULT_NONE, "all: not hello");
	fault_plan_destroy(&p);

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
	fault_plan_destroy(&p);
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
	fault_plan_destroy(&p);
}

int
main(void)
{
	test_parse();
	test_match();
	test_load();
	return tap_done();
}
