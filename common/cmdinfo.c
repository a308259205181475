/* SPDX-License-Identifier: MIT */
/*
 * cmdinfo.c - the command table of the request protocol and the class of one
 * request (cmdinfo.h). Shared by the gate, the client library and epp-codec.
 */
#include "cmdinfo.h"

#include <string.h>

/* The retry column follows from the class, so that the two cannot disagree. */
#define ROW(id, name, object, klass, refine) \
	[id] = {id, name, object, klass, refine, CMD_CLASS_RETRY_SAFE(klass)}

#define Q CMD_CLASS_QUERY
#define T CMD_CLASS_TRANSFORM

const struct cmdinfo cmdinfo_table[CMD_COUNT] = {
	ROW(CMD_POLL_REQ,        "poll_req",        "",        Q, CMD_REFINE_NONE),
	ROW(CMD_POLL_ACK,        "poll_ack",        "",        T, CMD_REFINE_NONE),
	ROW(CMD_HOST_CHECK,      "host_check",      "host",    Q, CMD_REFINE_NONE),
	ROW(CMD_HOST_INFO,       "host_info",       "host",    Q, CMD_REFINE_NONE),
	ROW(CMD_HOST_CREATE,     "host_create",     "host",    T, CMD_REFINE_NONE),
	ROW(CMD_HOST_UPDATE,     "host_update",     "host",    T, CMD_REFINE_NONE),
	ROW(CMD_HOST_DELETE,     "host_delete",     "host",    T, CMD_REFINE_NONE),
	ROW(CMD_CONTACT_CHECK,   "contact_check",   "contact", Q, CMD_REFINE_NONE),
	ROW(CMD_CONTACT_INFO,    "contact_info",    "contact", Q, CMD_REFINE_NONE),
	ROW(CMD_CONTACT_CREATE,  "contact_create",  "contact", T, CMD_REFINE_NONE),
	ROW(CMD_CONTACT_UPDATE,  "contact_update",  "contact", T, CMD_REFINE_NONE),
	ROW(CMD_CONTACT_DELETE,  "contact_delete",  "contact", T, CMD_REFINE_NONE),
	ROW(CMD_CONTACT_TRANSFER, "contact_transfer", "contact", T, CMD_REFINE_OP),
	ROW(CMD_DOMAIN_CHECK,    "domain_check",    "domain",  Q, CMD_REFINE_NONE),
	ROW(CMD_DOMAIN_INFO,     "domain_info",     "domain",  Q, CMD_REFINE_NONE),
	ROW(CMD_DOMAIN_CREATE,   "domain_create",   "domain",  T, CMD_REFINE_NONE),
	ROW(CMD_DOMAIN_DELETE,   "domain_delete",   "domain",  T, CMD_REFINE_NONE),
	ROW(CMD_DOMAIN_RENEW,    "domain_renew",    "domain",  T, CMD_REFINE_NONE),
	ROW(CMD_DOMAIN_UPDATE,   "domain_update",   "domain",  T, CMD_REFINE_NONE),
	ROW(CMD_DOMAIN_TRANSFER, "domain_transfer", "domain",  T, CMD_REFINE_OP),
	ROW(CMD_HELLO,           "hello",           "",        CMD_CLASS_SESSION, CMD_REFINE_NONE),
	/* Until their command element is known, assume side effects. */
	ROW(CMD_EPP,             "epp",             "",        T, CMD_REFINE_ELEMENT),
	ROW(CMD_XML,             "xml",             "",        T, CMD_REFINE_XML),
	ROW(CMD_GATE_STATUS,     "gate_status",     "",        CMD_CLASS_LOCAL, CMD_REFINE_NONE),
};

#undef Q
#undef T

/* The command elements of RFC 5730 section 2.9.2 and 2.9.3 that a request may carry. */
static const char *const elements[] = {"check", "create", "delete", "info", "poll", "renew",
	"transfer", "update", NULL};

const struct cmdinfo *
cmdinfo_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < CMD_COUNT; i++)
		if (strcmp(cmdinfo_table[i].name, name) == 0)
			return &cmdinfo_table[i];
	return NULL;
}

const struct cmdinfo *
cmdinfo_at(size_t i)
{
	return i < CMD_COUNT ? &cmdinfo_table[i] : NULL;
}

enum cmd_class
cmdinfo_element_class(const char *element, const char *op)
{
	if (element == NULL)
		return CMD_CLASS_TRANSFORM;
	if (strcmp(element, "hello") == 0)
		return CMD_CLASS_SESSION;
	if (strcmp(element, "check") == 0 || strcmp(element, "info") == 0)
		return CMD_CLASS_QUERY;
	/* RFC 5730 2.9.2.3 and 2.9.3.4: poll op="req" and transfer op="query" only read.
	 * The other op is accepted for either: a registry refuses it unread. */
	if ((strcmp(element, "poll") == 0 || strcmp(element, "transfer") == 0) && op != NULL &&
	    (strcmp(op, "req") == 0 || strcmp(op, "query") == 0))
		return CMD_CLASS_QUERY;
	return CMD_CLASS_TRANSFORM;
}

/* args[key] when it is a string, else NULL. */
static const char *
str_member(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/*
 * The generic command: {"command": {"<element>": {"@op": ...}, "extension": ...}}.
 * Anything the gate would refuse (no element, two, an unknown key, a list) is a
 * transform: it is never executed, and the client must not guess otherwise.
 */
static enum cmd_class
element_of_args(json_object *args)
{
	json_object *cmd, *body = NULL;
	const char *element = NULL;
	size_t i;

	if (args == NULL || !json_object_object_get_ex(args, "command", &cmd) ||
	    !json_object_is_type(cmd, json_type_object))
		return CMD_CLASS_TRANSFORM;
	json_object_object_foreach(cmd, key, val) {
		if (strcmp(key, "extension") == 0)
			continue;
		for (i = 0; elements[i] != NULL && strcmp(elements[i], key) != 0; i++)
			;
		if (elements[i] == NULL || element != NULL)
			return CMD_CLASS_TRANSFORM;
		element = key;
		body = val;
	}
	if (element == NULL || (body != NULL && json_object_is_type(body, json_type_array)))
		return CMD_CLASS_TRANSFORM;
	/* "@op" is the unprefixed attribute op (a prefixed one is another attribute). */
	return cmdinfo_element_class(element, str_member(body, "@op"));
}

enum cmd_class
cmdinfo_classify(const char *name, json_object *args)
{
	const struct cmdinfo *ci = cmdinfo_find(name);
	const char *op;

	if (ci == NULL)
		return CMD_CLASS_TRANSFORM;
	switch (ci->refine) {
	case CMD_REFINE_OP:
		op = str_member(args, "op");
		return op != NULL && strcmp(op, "query") == 0 ? CMD_CLASS_QUERY : ci->klass;
	case CMD_REFINE_ELEMENT:
		return element_of_args(args);
	case CMD_REFINE_NONE:
	case CMD_REFINE_XML:
		break;
	}
	return ci->klass;
}

int
cmdinfo_class_retry_safe(enum cmd_class klass)
{
	return CMD_CLASS_RETRY_SAFE(klass);
}

int
cmdinfo_retry_safe(const char *name, json_object *args)
{
	return cmdinfo_class_retry_safe(cmdinfo_classify(name, args));
}

const char *
cmdinfo_class_name(enum cmd_class klass)
{
	switch (klass) {
	case CMD_CLASS_QUERY:
		return "query";
	case CMD_CLASS_TRANSFORM:
		return "transform";
	case CMD_CLASS_SESSION:
		return "session";
	case CMD_CLASS_LOCAL:
		return "local";
	}
	return "?";
}
