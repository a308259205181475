/* SPDX-License-Identifier: MIT */
/*
 * cmd_table.c - the gate's command table (a builder for each row of the shared
 * table, cmdinfo.h) and the request entry points of epp_cmd.h.
 */
#include "epp_cmd.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_builders.h"
#include "epp_build.h"
#include "utf8.h"

#define CMD_NAME_MAX 128       /* longer "cmd" values are refused rather than echoed */
#define JSON_DEPTH   64        /* nesting a request may have (json-c's default is 32) */

/* One builder per row of the shared table, indexed by its id; none for gate_status. */
#define ROW(id, build) [id] = {&cmdinfo_table[id], build}

static const struct epp_command commands[CMD_COUNT] = {
	ROW(CMD_POLL_REQ,        cmd_poll_req),
	ROW(CMD_POLL_ACK,        cmd_poll_ack),
	ROW(CMD_HOST_CHECK,      cmd_host_check),
	ROW(CMD_HOST_INFO,       cmd_host_info),
	ROW(CMD_HOST_CREATE,     cmd_host_create),
	ROW(CMD_HOST_UPDATE,     cmd_host_update),
	ROW(CMD_HOST_DELETE,     cmd_host_delete),
	ROW(CMD_CONTACT_CHECK,   cmd_contact_check),
	ROW(CMD_CONTACT_INFO,    cmd_contact_info),
	ROW(CMD_CONTACT_CREATE,  cmd_contact_create),
	ROW(CMD_CONTACT_UPDATE,  cmd_contact_update),
	ROW(CMD_CONTACT_DELETE,  cmd_contact_delete),
	/* Refined by its op, as domain_transfer. */
	ROW(CMD_CONTACT_TRANSFER, cmd_contact_transfer),
	ROW(CMD_DOMAIN_CHECK,    cmd_domain_check),
	ROW(CMD_DOMAIN_INFO,     cmd_domain_info),
	ROW(CMD_DOMAIN_CREATE,   cmd_domain_create),
	ROW(CMD_DOMAIN_DELETE,   cmd_domain_delete),
	ROW(CMD_DOMAIN_RENEW,    cmd_domain_renew),
	ROW(CMD_DOMAIN_UPDATE,   cmd_domain_update),
	/* Refined by its op: the builder makes op "query" a query. */
	ROW(CMD_DOMAIN_TRANSFER, cmd_domain_transfer),
	ROW(CMD_HELLO,           cmd_hello),
	/* Refined by the command element they carry (the builders classify it). */
	ROW(CMD_EPP,             cmd_epp),
	ROW(CMD_XML,             cmd_xml),
	ROW(CMD_GATE_STATUS,     NULL),
};

#undef ROW

enum epp_class
epp_class_of(enum cmd_class k)
{
	switch (k) {
	case CMD_CLASS_QUERY:
	case CMD_CLASS_SESSION:
		return EPP_CLASS_QUERY;
	case CMD_CLASS_TRANSFORM:
		break;
	case CMD_CLASS_LOCAL:
		return EPP_CLASS_LOCAL;
	}
	return EPP_CLASS_TRANSFORM;
}

const struct epp_command *
epp_command_find(const char *name)
{
	const struct cmdinfo *ci = cmdinfo_find(name);

	return ci != NULL ? &commands[ci->id] : NULL;
}

const struct epp_command *
epp_command_at(size_t i)
{
	return i < CMD_COUNT ? &commands[i] : NULL;
}

/* Checks the request object's shape: string "cmd", "args" absent, null or an object. */
static int
request_shape(json_object *req, const char **name, json_object **args, struct eg_err *err)
{
	json_object *jcmd = NULL, *jargs = NULL;
	const char *s;
	size_t n;

	if (req == NULL || !json_object_is_type(req, json_type_object))
		return eg_err_set(err, EG_EREQUEST, "request must be a JSON object");
	if (!json_object_object_get_ex(req, "cmd", &jcmd) || jcmd == NULL)
		return eg_err_set(err, EG_EREQUEST, "missing 'cmd'");
	if (!json_object_is_type(jcmd, json_type_string))
		return eg_err_set(err, EG_EREQUEST, "'cmd' must be a string");
	s = json_object_get_string(jcmd);
	n = (size_t)json_object_get_string_len(jcmd);
	/* The name is echoed in the unknown-command reply, so it must be printable text. */
	if (!utf8_xml_ok(s, n, NULL, NULL))
		return eg_err_set(err, EG_EREQUEST, "'cmd' must be valid UTF-8 text");
	if (n > CMD_NAME_MAX)
		return eg_err_set(err, EG_EREQUEST, "'cmd' is longer than %d bytes", CMD_NAME_MAX);
	if (json_object_object_get_ex(req, "args", &jargs) && jargs != NULL &&
	    !json_object_is_type(jargs, json_type_object))
		return eg_err_set(err, EG_EREQUEST, "'args' must be an object");
	*name = s;
	*args = jargs;
	return 0;
}

/* Value of the four hex digits at p, or -1. */
static long
hex4(const char *p)
{
	long v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		v <<= 4;
		if (p[i] >= '0' && p[i] <= '9')
			v |= p[i] - '0';
		else if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'f')
			v |= (p[i] | 0x20) - 'a' + 10;
		else
			return -1;
	}
	return v;
}

/*
 * Does the text hold a \u escape that is half of a UTF-16 surrogate pair? json-c puts
 * U+FFFD in its place without a word, so the registry would get another value than
 * the one sent. Backslashes occur only inside strings in JSON, so no string tracking
 * is needed: each one starts an escape of two characters, or six for \u.
 */
static int
lone_surrogate(const char *json, size_t len)
{
	size_t i;
	long u, lo;

	for (i = 0; i + 1 < len; i++) {
		if (json[i] != '\\')
			continue;
		if (json[i + 1] != 'u' || i + 6 > len || (u = hex4(json + i + 2)) < 0) {
			i++;
			continue;
		}
		i += 5;
		if (u >= 0xdc00 && u <= 0xdfff)
			return 1;
		if (u < 0xd800 || u > 0xdbff)
			continue;
		if (i + 7 > len || json[i + 1] != '\\' || json[i + 2] != 'u' ||
		    (lo = hex4(json + i + 3)) < 0xdc00 || lo > 0xdfff)
			return 1;
		i += 6;
	}
	return 0;
}

json_object *
epp_request_parse(const char *json, size_t len, struct eg_err *err)
{
	struct json_tokener *tok = NULL;
	json_object *req = NULL, *args;
	const char *name;
	enum json_tokener_error jerr;

	if (json == NULL || len > (size_t)INT_MAX) {
		eg_err_set(err, EG_EREQUEST, "request is not JSON");
		return NULL;
	}
	if ((tok = json_tokener_new_ex(JSON_DEPTH)) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	/* Strict: what a JSON parser takes (the reference's Python json module) and no
	 * more. json-c's lenient default reads single quotes, comments and trailing
	 * commas, so text a caller never meant as a request could still run one. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	req = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	if (req == NULL || jerr != json_tokener_success) {
		eg_err_set(err, EG_EREQUEST, "request is not JSON: %s",
		    jerr == json_tokener_continue ? "unexpected end of input" :
		    json_tokener_error_desc(jerr));
		goto fail;
	}
	/* Whitespace may follow the value; anything else is not one JSON document. */
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (json[i] != ' ' && json[i] != '\t' && json[i] != '\r' && json[i] != '\n') {
			eg_err_set(err, EG_EREQUEST, "request is not JSON: data after the object");
			goto fail;
		}
	}
	if (lone_surrogate(json, len)) {
		eg_err_set(err, EG_EREQUEST, "request holds half of a UTF-16 surrogate pair "
		    "(a \\u escape that is no character)");
		goto fail;
	}
	if (request_shape(req, &name, &args, err) != 0)
		goto fail;
	json_tokener_free(tok);
	return req;
fail:
	if (req != NULL)
		json_object_put(req);
	json_tokener_free(tok);
	return NULL;
}

int
epp_request_build(json_object *req, const char *cltrid, struct epp_request *out,
    struct eg_err *err)
{
	return epp_request_build_opts(req, cltrid, NULL, out, err);
}

int
epp_request_build_opts(json_object *req, const char *cltrid, const struct epp_build_opts *opts,
    struct epp_request *out, struct eg_err *err)
{
	struct epp_build b;
	const struct epp_command *c;
	json_object *args = NULL;
	const char *name = NULL;

	memset(out, 0, sizeof(*out));
	memset(&b, 0, sizeof(b));
	if (request_shape(req, &name, &args, err) != 0)
		return -1;
	if ((c = epp_command_find(name)) == NULL)
		return eg_err_set(err, EG_EUNKNOWN, "%s", name);
	out->cmd = c->info;
	out->klass = epp_class_of(c->info->klass);
	if (c->build == NULL)
		return 0;
	if (eb_init(&b, err) != 0)
		return -1;
	b.klass = out->klass;
	b.ext_uris = opts != NULL ? opts->ext_uris : NULL;
	if (c->build(&b, args) != 0)
		goto fail;
	if (b.oom)
		goto nomem;
	if (b.command != NULL && !b.has_cltrid) {
		if (cltrid == NULL || !eb_cltrid_ok(cltrid)) {
			eg_err_set(err, EG_EPROTO, "clTRID must be 3 to 64 printable ASCII "
			    "characters without spaces");
			goto fail;
		}
		if (eb_cltrid(&b, cltrid) != 0 || b.oom)
			goto nomem;
	}
	if (eb_serialize(b.doc, &out->xml, &out->xml_len, err) != 0)
		goto fail;
	memcpy(out->cltrid, b.cltrid, sizeof(out->cltrid));
	out->klass = b.klass;
	memcpy(out->obj_type, b.obj_type, sizeof(out->obj_type));
	memcpy(out->obj_id, b.obj_id, sizeof(out->obj_id));
	out->objects = b.objects;
	eb_clear(&b);
	return 0;
nomem:
	eg_err_set(err, EG_ENOMEM, "out of memory");
fail:
	eb_clear(&b);
	epp_request_clear(out);
	return -1;
}

void
epp_objects_add(struct epp_objects *o, const char *name, size_t len)
{
	if (o->more > 0 || o->n >= EPP_OBJECTS_KEEP || len >= sizeof(o->buf) - o->len) {
		o->more++;
		return;
	}
	memcpy(o->buf + o->len, name, len);
	o->buf[o->len + len] = '\0';
	o->len += len + 1;
	o->n++;
}

void
epp_request_clear(struct epp_request *r)
{
	if (r == NULL)
		return;
	free(r->xml);
	memset(r, 0, sizeof(*r));
}
