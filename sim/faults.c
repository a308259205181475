/* SPDX-License-Identifier: MIT */
/*
 * faults.c - epp-sim's fault plan: parsing KIND:N[:CMDS][:once] rules, counting
 * commands against them, and loading fault files and reply files (faults.h).
 */
#include "faults.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
	"none", "drop-before", "drop-after", "garbage", "oversize", "wrong-cltrid", "partial",
	"stall", "refuse-login", "session-limit", "reply-file",
};

const char *
fault_kind_name(enum fault_kind k)
{
	if ((size_t)k >= sizeof(kind_names) / sizeof(kind_names[0]))
		return "none";
	return kind_names[k];
}

static int
parse_cmds(char *list, struct fault_rule *r, struct eg_err *err)
{
	char *t, *comma;

	/* By hand rather than strtok: an empty name (",," or a trailing ",") is an error. */
	for (t = list;; t = comma + 1) {
		if ((comma = strchr(t, ',')) != NULL)
			*comma = '\0';
		if (r->ncmds == FAULT_MAX_CMDS)
			return eg_err_set(err, EG_ECONFIG, "more than %d command names",
			    FAULT_MAX_CMDS);
		if (t[0] == '\0' || strlen(t) >= sizeof(r->cmds[0]))
			return eg_err_set(err, EG_ECONFIG, "bad command name '%s'", t);
		snprintf(r->cmds[r->ncmds++], sizeof(r->cmds[0]), "%s", t);
		if (comma == NULL)
			return 0;
	}
}

int
fault_rule_parse(const char *spec, struct fault_rule *out, struct eg_err *err)
{
	char copy[1024], *num, *rest, *end;
	size_t i, len;
	unsigned long n;

	memset(out, 0, sizeof(*out));
	if (strlen(spec) >= sizeof(copy))
		return eg_err_set(err, EG_ECONFIG, "fault '%.40s...' is too long", spec);
	snprintf(copy, sizeof(copy), "%s", spec);
	/* KIND and N are the first two fields; command names contain ':' themselves
	 * (domain:create), so the rest is split only at a trailing ":once". */
	if ((num = strchr(copy, ':')) == NULL)
		goto bad;
	*num++ = '\0';
	if ((rest = strchr(num, ':')) != NULL)
		*rest++ = '\0';
	/* reply-file=PATH: the kind carries its file. */
	if (strncmp(copy, "reply-file=", 11) == 0) {
		if (copy[11] == '\0' || strlen(copy + 11) >= sizeof(out->arg))
			return eg_err_set(err, EG_ECONFIG, "fault '%s': reply-file needs a file "
			    "(reply-file=PATH:N)", spec);
		snprintf(out->arg, sizeof(out->arg), "%s", copy + 11);
		copy[10] = '\0';
	} else if (strcmp(copy, "reply-file") == 0) {
		return eg_err_set(err, EG_ECONFIG, "fault '%s': reply-file needs a file "
		    "(reply-file=PATH:N)", spec);
	}
	for (i = 1; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(copy, kind_names[i]) == 0)
			out->kind = (enum fault_kind)i;
	if (out->kind == FAULT_NONE)
		return eg_err_set(err, EG_ECONFIG, "fault '%s': unknown kind '%s' (drop-before, "
		    "drop-after, garbage, oversize, wrong-cltrid, partial, stall, refuse-login, "
		    "session-limit, reply-file=PATH)", spec, copy);
	errno = 0;
	n = strtoul(num, &end, 10);
	if (num[0] < '1' || num[0] > '9' || *end != '\0' || errno != 0)
		goto bad;
	out->every = n;
	if (rest == NULL)
		return 0;
	len = strlen(rest);
	if (strcmp(rest, "once") == 0) {
		out->once = 1;
		return 0;
	}
	if (len > 5 && strcmp(rest + len - 5, ":once") == 0) {
		out->once = 1;
		rest[len - 5] = '\0';
	}
	if (parse_cmds(rest, out, err) == -1)
		return eg_err_prefix(err, "fault '%s': ", spec);
	return 0;
bad:
	return eg_err_set(err, EG_ECONFIG, "fault '%s' is not KIND:N[:CMDS][:once] with N >= 1",
	    spec);
}

void
fault_plan_init(struct fault_plan *p)
{
	memset(p, 0, sizeof(*p));
	pthread_mutex_init(&p->mu, NULL);
}

void
fault_plan_clear(struct fault_plan *p)
{
	pthread_mutex_destroy(&p->mu);
}

int
fault_plan_add(struct fault_plan *p, const struct fault_rule *r, struct eg_err *err)
{
	int rc = 0;

	pthread_mutex_lock(&p->mu);
	if (p->n == FAULT_MAX_RULES)
		rc = eg_err_set(err, EG_ECONFIG, "more than %d faults", FAULT_MAX_RULES);
	else
		p->rules[p->n++] = *r;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

int
fault_plan_load(struct fault_plan *p, const char *path, struct eg_err *err)
{
	struct fault_rule *rules;
	char line[1100], *s, *e;
	size_t n = 0, lineno = 0;
	FILE *fp;
	int rc = -1;

	if ((rules = calloc(FAULT_MAX_RULES, sizeof(*rules))) == NULL)
		return eg_err_set(err, EG_ENOMEM, "out of memory");
	if ((fp = fopen(path, "r")) == NULL) {
		eg_err_set(err, EG_EIO, "cannot open fault file %s: %s", path, strerror(errno));
		goto done;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		for (s = line; *s == ' ' || *s == '\t'; s++)
			;
		for (e = s + strlen(s); e > s && (e[-1] == '\n' || e[-1] == '\r' ||
		    e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		*e = '\0';
		if (*s == '\0' || *s == '#')
			continue;
		if (n == FAULT_MAX_RULES) {
			eg_err_set(err, EG_ECONFIG, "%s: more than %d faults", path, FAULT_MAX_RULES);
			goto done;
		}
		if (fault_rule_parse(s, &rules[n++], err) == -1) {
			eg_err_prefix(err, "%s:%zu: ", path, lineno);
			goto done;
		}
	}
	if (ferror(fp)) {
		eg_err_set(err, EG_EIO, "cannot read fault file %s", path);
		goto done;
	}
	pthread_mutex_lock(&p->mu);
	memcpy(p->rules, rules, n * sizeof(*rules));
	p->n = n;
	pthread_mutex_unlock(&p->mu);
	rc = 0;
done:
	if (fp != NULL)
		fclose(fp);
	free(rules);
	return rc;
}

static int
matches(const struct fault_rule *r, const char *cmd, enum sim_class klass)
{
	int session = strcmp(cmd, "login") == 0 || strcmp(cmd, "logout") == 0 ||
	    strcmp(cmd, "hello") == 0;
	size_t i;

	if (r->kind == FAULT_REFUSE_LOGIN || r->kind == FAULT_SESSION_LIMIT)
		return strcmp(cmd, "login") == 0;
	if (r->ncmds == 0)
		return !session;
	for (i = 0; i < r->ncmds; i++) {
		if (strcmp(r->cmds[i], cmd) == 0)
			return 1;
		if (strcmp(r->cmds[i], "all") == 0 && !session)
			return 1;
		if (strcmp(r->cmds[i], "query") == 0 && klass == SIM_CLASS_QUERY)
			return 1;
		if (strcmp(r->cmds[i], "transform") == 0 && klass == SIM_CLASS_TRANSFORM)
			return 1;
	}
	return 0;
}

enum fault_kind
fault_plan_match(struct fault_plan *p, const char *cmd, enum sim_class klass)
{
	return fault_plan_match_arg(p, cmd, klass, NULL, 0);
}

enum fault_kind
fault_plan_match_arg(struct fault_plan *p, const char *cmd, enum sim_class klass, char *arg,
    size_t cap)
{
	enum fault_kind k = FAULT_NONE;
	struct fault_rule *r;
	size_t i;

	if (arg != NULL && cap > 0)
		arg[0] = '\0';
	pthread_mutex_lock(&p->mu);
	for (i = 0; i < p->n; i++) {
		r = &p->rules[i];
		if (!matches(r, cmd, klass))
			continue;
		r->seen++;
		if (k != FAULT_NONE || r->seen % r->every != 0 || (r->once && r->fired))
			continue;
		r->fired = 1;
		k = r->kind;
		if (arg != NULL && cap > 0)
			snprintf(arg, cap, "%s", r->arg);
	}
	pthread_mutex_unlock(&p->mu);
	return k;
}

size_t
fault_plan_count(struct fault_plan *p)
{
	size_t n;

	pthread_mutex_lock(&p->mu);
	n = p->n;
	pthread_mutex_unlock(&p->mu);
	return n;
}

int
fault_reply_load(const char *path, const char *cltrid, struct buf *out, struct eg_err *err)
{
	static const char mark[] = "@CLTRID@";
	struct buf raw = BUF_INIT;
	char chunk[65536], *at, *p, *end;
	size_t n;
	FILE *fp;
	int rc = -1;

	if ((fp = fopen(path, "rb")) == NULL)
		return eg_err_set(err, EG_EIO, "reply-file %s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (raw.len + n > FAULT_FILE_MAX) {
			eg_err_set(err, EG_ELIMIT, "reply-file %s: larger than %zu bytes", path,
			    FAULT_FILE_MAX);
			goto done;
		}
		if (buf_append(&raw, chunk, n) == -1)
			goto nomem;
	}
	if (ferror(fp)) {
		eg_err_set(err, EG_EIO, "reply-file %s: read error", path);
		goto done;
	}
	/* The file may hold NUL bytes on purpose: search by length, not as a string. */
	buf_reset(out);
	p = raw.data;
	end = raw.data + raw.len;
	while (p < end && (at = memmem(p, (size_t)(end - p), mark, sizeof(mark) - 1)) != NULL) {
		if (buf_append(out, p, (size_t)(at - p)) == -1 ||
		    buf_append(out, cltrid, strlen(cltrid)) == -1)
			goto nomem;
		p = at + sizeof(mark) - 1;
	}
	if (p < end && buf_append(out, p, (size_t)(end - p)) == -1)
		goto nomem;
	rc = 0;
	goto done;
nomem:
	eg_err_set(err, EG_ENOMEM, "out of memory");
done:
	fclose(fp);
	buf_clear(&raw);
	return rc;
}
