/* SPDX-License-Identifier: MIT */
/*
 * reg_request.c - reading an incoming frame: is it EPP, which command on
 * which object (RFC 5730 sections 2.5, 2.9), its clTRID, and the result code a
 * malformed one gets. Runs outside the registry's lock.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "registry.h"
#include "sim_xml.h"
#include "xmlsafe.h"

static const struct {
	const char *name;
	enum sim_verb verb;
} verbs[] = {
	{"login", SIM_V_LOGIN}, {"logout", SIM_V_LOGOUT}, {"poll", SIM_V_POLL},
	{"check", SIM_V_CHECK}, {"info", SIM_V_INFO}, {"create", SIM_V_CREATE},
	{"delete", SIM_V_DELETE}, {"renew", SIM_V_RENEW}, {"transfer", SIM_V_TRANSFER},
	{"update", SIM_V_UPDATE},
};

static void
req_error(struct sim_request *rq, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
req_error(struct sim_request *rq, int code, const char *fmt, ...)
{
	va_list ap;

	if (rq->error != 0)
		return;
	rq->error = code;
	va_start(ap, fmt);
	vsnprintf(rq->errmsg, sizeof(rq->errmsg), fmt, ap);
	va_end(ap);
}

/* The texts of the name elements under parent, as tokens, comma-separated into out. */
static void
join_texts(xmlNodePtr parent, const char *name, char *out, size_t cap)
{
	char t[512];
	size_t used = 0;
	xmlNodePtr e;

	out[0] = '\0';
	for (e = sx_child(parent, SX_NS_EPP, name); e != NULL; e = sx_next(e, SX_NS_EPP, name))
		if (sx_text(e, t, sizeof(t)) == 0 && used + strlen(t) + 2 < cap)
			used += (size_t)snprintf(out + used, cap - used, "%s%s", used ? "," : "", t);
}

static void
classify_object(struct sim_request *rq)
{
	static const struct {
		const char *ns, *prefix, *idname;
		enum sim_objtype t;
	} objs[] = {
		{SX_NS_DOMAIN, "domain", "name", SIM_OBJ_DOMAIN},
		{SX_NS_HOST, "host", "name", SIM_OBJ_HOST},
		{SX_NS_CONTACT, "contact", "id", SIM_OBJ_CONTACT},
	};
	xmlNodePtr o = sx_child(rq->verb_node, NULL, NULL);
	const char *verb = (const char *)rq->verb_node->name;
	size_t i;

	snprintf(rq->cmd, sizeof(rq->cmd), "%s", verb);
	if (o == NULL) {
		req_error(rq, 2001, "<%s> needs an object element", verb);
		return;
	}
	rq->obj_node = o;
	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		if (!sx_is(o, objs[i].ns, NULL))
			continue;
		rq->objtype = objs[i].t;
		snprintf(rq->cmd, sizeof(rq->cmd), "%s:%s", objs[i].prefix, verb);
		if (strcmp((const char *)o->name, verb) != 0)
			req_error(rq, 2001, "<%s> holds <%s:%s>", verb, objs[i].prefix,
			    (const char *)o->name);
		if (sx_text(sx_child(o, objs[i].ns, objs[i].idname), rq->obj, sizeof(rq->obj)) == -1)
			req_error(rq, 2005, "object name longer than %zu characters",
			    sizeof(rq->obj) - 1);
		return;
	}
	req_error(rq, 2307, "no object service for namespace '%s'",
	    o->ns && o->ns->href ? (const char *)o->ns->href : "");
}

static void
classify_command(struct sim_request *rq, xmlNodePtr command)
{
	xmlNodePtr v = sx_child(command, NULL, NULL), t;
	size_t i;

	strcpy(rq->cmd, "unknown");
	if ((t = sx_child(command, SX_NS_EPP, "clTRID")) != NULL) {
		/* Echoed exactly as sent, whitespace included: clients compare it as a string. */
		xmlChar *id = xmlNodeGetContent(t);

		if (id == NULL || strlen((const char *)id) > SIM_CLTRID_MAX) {
			req_error(rq, 2001, "clTRID longer than %d characters", SIM_CLTRID_MAX);
		} else {
			snprintf(rq->cltrid, sizeof(rq->cltrid), "%s", (const char *)id);
			rq->has_cltrid = 1;
		}
		xmlFree(id);
	}
	rq->ext_node = sx_child(command, SX_NS_EPP, "extension");
	if (v == NULL || !sx_is(v, SX_NS_EPP, NULL)) {
		req_error(rq, 2001, "<command> holds no EPP command");
		return;
	}
	rq->verb_node = v;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp((const char *)v->name, verbs[i].name) == 0)
			rq->verb = verbs[i].verb;
	if (rq->verb == SIM_V_NONE) {
		req_error(rq, 2000, "<%s> is not an EPP command", (const char *)v->name);
		return;
	}
	rq->klass = SIM_CLASS_TRANSFORM;
	switch (rq->verb) {
	case SIM_V_LOGIN:
	case SIM_V_LOGOUT:
		snprintf(rq->cmd, sizeof(rq->cmd), "%s", verbs[rq->verb == SIM_V_LOGIN ? 0 : 1].name);
		rq->klass = SIM_CLASS_SESSION;
		if (rq->verb == SIM_V_LOGIN &&
		    sx_text(sx_child(v, SX_NS_EPP, "clID"), rq->obj, sizeof(rq->obj)) == -1)
			req_error(rq, 2005, "clID too long");
		if (rq->verb == SIM_V_LOGIN) {
			xmlNodePtr svcs = sx_child(v, SX_NS_EPP, "svcs");

			join_texts(svcs, "objURI", rq->login_objs, sizeof(rq->login_objs));
			join_texts(sx_child(svcs, SX_NS_EPP, "svcExtension"), "extURI",
			    rq->login_exts, sizeof(rq->login_exts));
		}
		return;
	case SIM_V_POLL:
		strcpy(rq->cmd, "poll");
		sx_attr(v, "op", rq->op, sizeof(rq->op));
		if (strcmp(rq->op, "req") == 0)
			rq->klass = SIM_CLASS_QUERY;
		else if (strcmp(rq->op, "ack") == 0)
			sx_attr(v, "msgID", rq->obj, sizeof(rq->obj));
		else
			req_error(rq, 2005, "poll op '%s' is neither 'req' nor 'ack'", rq->op);
		return;
	case SIM_V_TRANSFER:
		sx_attr(v, "op", rq->op, sizeof(rq->op));
		if (strcmp(rq->op, "query") == 0)
			rq->klass = SIM_CLASS_QUERY;
		else if (strcmp(rq->op, "request") != 0 && strcmp(rq->op, "approve") != 0 &&
		    strcmp(rq->op, "reject") != 0 && strcmp(rq->op, "cancel") != 0)
			req_error(rq, 2005, "transfer op '%s' is not one of request, query, approve, "
			    "reject, cancel", rq->op);
		break;
	case SIM_V_CHECK:
	case SIM_V_INFO:
		rq->klass = SIM_CLASS_QUERY;
		break;
	default:
		break;
	}
	classify_object(rq);
}

void
sim_request_parse(const char *xml, size_t len, struct sim_request *rq)
{
	struct eg_err e = {EG_OK, ""};
	xmlNodePtr root, body;

	memset(rq, 0, sizeof(*rq));
	strcpy(rq->cmd, "invalid");
	rq->klass = SIM_CLASS_OTHER;
	if ((rq->doc = eg_xml_parse(xml, len, 0, &e)) == NULL) {
		req_error(rq, 2001, "not well-formed XML: %s", e.msg);
		return;
	}
	root = xmlDocGetRootElement(rq->doc);
	if (!sx_is(root, SX_NS_EPP, "epp")) {
		req_error(rq, 2001, "the root element is not <epp> in namespace %s", SX_NS_EPP);
		return;
	}
	body = sx_child(root, NULL, NULL);
	if (sx_is(body, SX_NS_EPP, "hello")) {
		strcpy(rq->cmd, "hello");
		rq->verb = SIM_V_HELLO;
		rq->verb_node = body;
		rq->klass = SIM_CLASS_SESSION;
		return;
	}
	if (!sx_is(body, SX_NS_EPP, "command")) {
		req_error(rq, 2001, "<epp> holds neither <hello> nor <command>");
		return;
	}
	classify_command(rq, body);
	/* The class survives a malformed argument; only an unknown command has none. */
	if (rq->verb == SIM_V_NONE)
		rq->klass = SIM_CLASS_OTHER;
}

void
sim_request_clear(struct sim_request *rq)
{
	if (rq->doc != NULL)
		xmlFreeDoc(rq->doc);
	rq->doc = NULL;
}
