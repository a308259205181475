/* SPDX-License-Identifier: MIT */
/*
 * cmd_misc.c - poll and hello, and the pieces several object builders share
 * (period, status lists, authInfo).
 */
#include <stdio.h>
#include <string.h>

#include "cmd_builders.h"
#include "epp_args.h"

static const char *const period_units[] = {"y", "m", NULL};

int
cmd_period(struct epp_build *b, xmlNodePtr parent, json_object *o, const char *ctx,
    int required, int *given)
{
	const char *unit;
	long long n = 0;
	int present = 0;

	if (given != NULL)
		*given = 0;
	if (ea_int(o, ctx, "period", required, 1, 99, &n, &present, b->err) != 0)
		return -1;
	if (ea_enum(o, ctx, "period_units", 0, period_units, "y", &unit, b->err) != 0)
		return -1;
	if (!present)
		return 0;
	eb_attr(b, eb_elf(b, parent, "period", "%lld", n), "unit", unit);
	if (given != NULL)
		*given = 1;
	return 0;
}

int
cmd_statuses(struct epp_build *b, xmlNodePtr parent, json_object *args, const char *key,
    const char *const *allowed, size_t max, int with_value)
{
	static const struct ea_rule value_rule = {EA_TEXT, 0, 255};
	char path[EA_PATH_MAX], npath[EA_PATH_MAX];
	json_object *list, *it, *jname;
	const char *name, *value;
	xmlNodePtr st;
	size_t n, i, k;

	if (ea_list(args, NULL, key, 0, 0, max, &list, &n, b->err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(list, i);
		ea_path_idx(path, sizeof(path), key, i);
		snprintf(npath, sizeof(npath), "%s", path);
		value = NULL;
		/* A bare string is taken as the status name. */
		if (it != NULL && json_object_is_type(it, json_type_string)) {
			jname = it;
		} else if (it != NULL && json_object_is_type(it, json_type_object)) {
			if ((jname = ea_member(it, "name")) == NULL)
				return eg_err_set(b->err, EG_EREQUEST, "missing argument '%s.name'",
				    path);
			if (with_value &&
			    ea_str(it, path, "value", 0, &value_rule, &value, b->err) != 0)
				return -1;
			ea_path(npath, sizeof(npath), path, "name");
		} else {
			return ea_fail(b->err, path, "must be an object {name, value}");
		}
		if (!json_object_is_type(jname, json_type_string))
			return ea_fail(b->err, npath, "must be a status name");
		name = json_object_get_string(jname);
		for (k = 0; allowed[k] != NULL; k++)
			if (strcmp(allowed[k], name) == 0 &&
			    strlen(name) == (size_t)json_object_get_string_len(jname))
				break;
		if (allowed[k] == NULL)
			return ea_fail(b->err, npath, "not a status the schema knows");
		st = eb_el(b, parent, "status", value != NULL && *value ? value : NULL);
		eb_attr(b, st, "s", allowed[k]);
		if (value != NULL && *value)
			eb_attr(b, st, "lang", "en");
	}
	return 0;
}

void
cmd_authinfo(struct epp_build *b, xmlNodePtr parent, const char *pw)
{
	cmd_authinfo_roid(b, parent, pw, NULL);
}

void
cmd_authinfo_roid(struct epp_build *b, xmlNodePtr parent, const char *pw, const char *roid)
{
	xmlNodePtr p = eb_el(b, eb_el(b, parent, "authInfo", NULL), "pw", pw);

	if (roid != NULL)
		eb_attr(b, p, "roid", roid);
}

/*
 * eppcom:roidType, (\w|_){1,80}-\w{1,8}: word characters, one hyphen, 1-8 more.
 * XML Schema's \w takes letters and digits of every script; outside ASCII every
 * character is taken here, inside only letters, digits and the underscore.
 */
static int
is_roid(const char *s)
{
	size_t i, left = 0, right = 0, hyphens = 0;

	for (i = 0; s[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '-') {
			hyphens++;
			continue;
		}
		if (ch < 0x80 && !((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= 'A' && ch <= 'Z') || ch == '_'))
			return 0;
		/* Count characters, not the continuation bytes of one. */
		if ((ch & 0xc0) != 0x80) {
			if (hyphens == 0)
				left++;
			else
				right++;
		}
	}
	return hyphens == 1 && left >= 1 && left <= 80 && right >= 1 && right <= 8;
}

int
cmd_auth_args(struct epp_build *b, json_object *args, const char **pw, const char **roid)
{
	static const struct ea_rule roid_rule = {EA_TOKEN, 3, 89};

	if (ea_str(args, NULL, "auth_info", 0, &EA_PW, pw, b->err) != 0 ||
	    ea_str(args, NULL, "auth_info_roid", 0, &roid_rule, roid, b->err) != 0)
		return -1;
	if (*roid != NULL && !is_roid(*roid))
		return ea_fail(b->err, "auth_info_roid", "must be a repository object id "
		    "(letters, digits or _, a hyphen, 1 to 8 more: \"SH8013-REP\")");
	if (*roid != NULL && *pw == NULL)
		return eg_err_set(b->err, EG_EREQUEST, "missing argument 'auth_info' (the "
		    "password of the object 'auth_info_roid' names)");
	return 0;
}

void
cmd_object(struct epp_build *b, const char *name)
{
	epp_objects_add(&b->objects, name, strlen(name));
}

void
cmd_object_list(struct epp_build *b, json_object *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cmd_object(b, json_object_get_string(json_object_array_get_idx(list, i)));
}

int
cmd_poll_req(struct epp_build *b, json_object *args)
{
	(void)args;
	eb_attr(b, eb_command(b, "poll"), "op", "req");
	return 0;
}

int
cmd_poll_ack(struct epp_build *b, json_object *args)
{
	static const struct ea_rule msgid_rule = {EA_TOKEN, 1, 255};
	json_object *v = ea_member(args, "msg_id");
	const char *id;
	char num[32];
	long long n;
	xmlNodePtr poll;

	/* Message ids are tokens; callers that read them as numbers send integers. */
	if (v != NULL && json_object_is_type(v, json_type_int)) {
		if (ea_check_int(v, "msg_id", 0, 0x7fffffffffffffffLL, &n, b->err) != 0)
			return -1;
		snprintf(num, sizeof(num), "%lld", n);
		id = num;
	} else if (ea_str(args, NULL, "msg_id", 1, &msgid_rule, &id, b->err) != 0) {
		return -1;
	}
	poll = eb_command(b, "poll");
	eb_attr(b, poll, "op", "ack");
	eb_attr(b, poll, "msgID", id);
	return 0;
}

int
cmd_hello(struct epp_build *b, json_object *args)
{
	(void)args;
	if (xmlNewChild(b->epp, b->epp->ns, (const xmlChar *)"hello", NULL) == NULL)
		b->oom = 1;
	return 0;
}
