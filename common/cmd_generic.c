/* SPDX-License-Identifier: MIT */
/*
 * cmd_generic.c - the `epp` command (a command built from JSON in the reply
 * convention of README.md "Requests and replies", inverted) and the raw `xml` command.
 *
 * Both leave the session to the gate: <login> and <logout> are refused, and
 * both are classified by the command element they carry, so that a generic
 * <check> is re-sent like domain_check would be and a generic <create> is not.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_builders.h"
#include "epp_args.h"
#include "utf8.h"
#include "xmlsafe.h"

#define XC(s) ((const xmlChar *)(s))

#define GEN_MAX_DEPTH 32             /* element nesting below <command> */
#define GEN_MAX_NODES 10000          /* elements in one generic command */
#define RAW_MAX_BYTES ((size_t)1 << 20)  /* a raw command document */

static const char *const command_elements[] = {"check", "create", "delete", "info", "poll",
	"renew", "transfer", "update", NULL};

static int
in_list(const char *const *list, const char *s)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/*
 * Sets b->klass from the command element; records the names the command acts on,
 * the text of the <name> (domain, host) or <id> (contact) children of the object
 * element, for the log; and for a transform, the first of them as the object it acts
 * on (for the journal). Nothing else of the command is read: no authInfo.
 */
static void
classify(struct epp_build *b, xmlNodePtr cmd)
{
	static const struct { const char *uri, *type, *key; } objs[] = {
		{NS_DOMAIN, "domain", "name"},
		{NS_HOST, "host", "name"},
		{NS_CONTACT, "contact", "id"},
	};
	const char *name = (const char *)cmd->name, *s;
	xmlChar *op = NULL, *id;
	xmlNodePtr obj, c;
	size_t i, n;
	int first = 1;

	b->klass = EPP_CLASS_TRANSFORM;
	if (strcmp(name, "check") == 0 || strcmp(name, "info") == 0)
		b->klass = EPP_CLASS_QUERY;
	if (strcmp(name, "poll") == 0 || strcmp(name, "transfer") == 0) {
		op = xmlGetNoNsProp(cmd, XC("op"));
		if (op != NULL && (xmlStrEqual(op, XC("req")) || xmlStrEqual(op, XC("query"))))
			b->klass = EPP_CLASS_QUERY;
		xmlFree(op);
	}
	for (obj = cmd->children; obj != NULL && obj->type != XML_ELEMENT_NODE; obj = obj->next)
		;
	if (obj == NULL || obj->ns == NULL)
		return;
	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		if (!xmlStrEqual(obj->ns->href, XC(objs[i].uri)))
			continue;
		for (c = obj->children; c != NULL; c = c->next) {
			if (c->type != XML_ELEMENT_NODE || !xmlStrEqual(c->name, XC(objs[i].key)))
				continue;
			if (!first && (b->objects.more > 0 || b->objects.n >= EPP_OBJECTS_KEEP)) {
				b->objects.more++;     /* counted only: no copy of its text */
				continue;
			}
			if ((id = xmlNodeGetContent(c)) == NULL) {
				b->oom = 1;
				return;
			}
			/* A token as the registry reads it: surrounding spaces do not count. */
			utf8_strip((const char *)id, strlen((const char *)id), &s, &n);
			epp_objects_add(&b->objects, s, n);
			if (first && b->klass == EPP_CLASS_TRANSFORM && n < sizeof(b->obj_id)) {
				snprintf(b->obj_type, sizeof(b->obj_type), "%s", objs[i].type);
				snprintf(b->obj_id, sizeof(b->obj_id), "%.*s", (int)n, s);
			}
			first = 0;
			xmlFree(id);
		}
		return;
	}
}

/* ---- generic `epp` ------------------------------------------------------------ */

struct gen {
	struct epp_build *b;
	size_t nodes;
};

/* Text for a JSON scalar: string (checked), integer or boolean. */
static int
gen_scalar(struct gen *g, json_object *v, const char *path, char *num, size_t cap,
    const char **out)
{
	switch (json_object_get_type(v)) {
	case json_type_string:
		return ea_check_str(v, path, &EA_ANYTEXT, out, g->b->err);
	case json_type_int:
		snprintf(num, cap, "%lld", (long long)json_object_get_int64(v));
		*out = num;
		return 0;
	case json_type_boolean:
		*out = json_object_get_boolean(v) ? "true" : "false";
		return 0;
	default:
		return ea_fail(g->b->err, path, "must be a string, an integer or a boolean");
	}
}

/* Checks a JSON key used as an XML name; sets *local and, when prefixed, prefix. */
static int
gen_qname(struct gen *g, const char *key, const char *path, char *prefix, size_t cap,
    const char **local)
{
	const char *colon;

	if (!utf8_xml_ok(key, strlen(key), NULL, NULL) ||
	    xmlValidateQName(XC(key), 0) != 0)
		return ea_fail(g->b->err, path, "'%.64s' is not a valid XML name", key);
	prefix[0] = '\0';
	*local = key;
	if ((colon = strchr(key, ':')) != NULL) {
		if ((size_t)(colon - key) >= cap)
			return ea_fail(g->b->err, path, "prefix too long");
		memcpy(prefix, key, (size_t)(colon - key));
		prefix[colon - key] = '\0';
		*local = colon + 1;
	}
	return 0;
}

/* The @xmlns and @xmlns:p members of o, declared on node. */
static int
gen_declare(struct gen *g, xmlNodePtr node, json_object *o, const char *path)
{
	const char *uri, *p;

	json_object_object_foreach(o, key, val) {
		if (strcmp(key, "@xmlns") != 0 && strncmp(key, "@xmlns:", 7) != 0)
			continue;
		p = key[6] == ':' ? key + 7 : NULL;
		if (val == NULL || ea_check_str(val, path, &EA_NETEXT, &uri, g->b->err) != 0 ||
		    !eb_uri_ok(uri))
			return ea_fail(g->b->err, path, "'%s' must be a namespace URI", key);
		if (p != NULL && (xmlValidateNCName(XC(p), 0) != 0 ||
		    strcmp(p, "xml") == 0 || strcmp(p, "xmlns") == 0))
			return ea_fail(g->b->err, path, "'%.64s' cannot be declared", key);
		if (xmlNewNs(node, XC(uri), XC(p)) == NULL) {
			g->b->oom = 1;
			return 0;
		}
	}
	return 0;
}

static int gen_value(struct gen *g, xmlNodePtr parent, const char *name, json_object *v,
    const char *path, int depth);

static int
gen_element(struct gen *g, xmlNodePtr parent, const char *name, json_object *v,
    const char *path, int depth)
{
	char prefix[64], apfx[64], cpath[EA_PATH_MAX], num[32];
	const char *local, *alocal, *text;
	xmlNodePtr node, t;
	xmlNsPtr ns;

	if (depth > GEN_MAX_DEPTH)
		return ea_fail(g->b->err, "command", "nested deeper than %d elements",
		    GEN_MAX_DEPTH);
	if (++g->nodes > GEN_MAX_NODES)
		return ea_fail(g->b->err, "command", "more than %d elements", GEN_MAX_NODES);
	if (gen_qname(g, name, path, prefix, sizeof(prefix), &local) != 0)
		return -1;
	if ((node = xmlNewDocNode(g->b->doc, NULL, XC(local), NULL)) == NULL) {
		g->b->oom = 1;
		return 0;
	}
	xmlAddChild(parent, node);
	if (v != NULL && json_object_is_type(v, json_type_object) &&
	    gen_declare(g, node, v, path) != 0)
		return -1;
	/* Unprefixed names take the default namespace in scope (epp-1.0 at the top). */
	ns = xmlSearchNs(g->b->doc, node, prefix[0] ? XC(prefix) : NULL);
	if (ns == NULL && prefix[0])
		return ea_fail(g->b->err, path, "namespace prefix '%s' is not declared", prefix);
	xmlSetNs(node, ns);
	if (v == NULL)
		return 0;           /* null: an empty element */
	if (!json_object_is_type(v, json_type_object)) {
		if (gen_scalar(g, v, path, num, sizeof(num), &text) != 0)
			return -1;
		if (*text != '\0' && (t = xmlNewDocText(g->b->doc, XC(text))) != NULL)
			xmlAddChild(node, t);
		else if (*text != '\0')
			g->b->oom = 1;
		return 0;
	}
	json_object_object_foreach(v, key, val) {
		ea_path(cpath, sizeof(cpath), path, key);
		if (strcmp(key, "@xmlns") == 0 || strncmp(key, "@xmlns:", 7) == 0)
			continue;
		if (key[0] == '@') {
			if (gen_qname(g, key + 1, cpath, apfx, sizeof(apfx), &alocal) != 0 ||
			    val == NULL ||
			    gen_scalar(g, val, cpath, num, sizeof(num), &text) != 0)
				return val == NULL ? ea_fail(g->b->err, cpath,
				    "must be a string, an integer or a boolean") : -1;
			ns = NULL;
			if (apfx[0] && (ns = xmlSearchNs(g->b->doc, node, XC(apfx))) == NULL)
				return ea_fail(g->b->err, cpath,
				    "namespace prefix '%s' is not declared", apfx);
			if (xmlNewNsProp(node, ns, XC(alocal), XC(text)) == NULL)
				g->b->oom = 1;
		} else if (strcmp(key, "#text") == 0) {
			if (val == NULL)
				continue;
			if (gen_scalar(g, val, cpath, num, sizeof(num), &text) != 0)
				return -1;
			if (*text != '\0' && (t = xmlNewDocText(g->b->doc, XC(text))) != NULL)
				xmlAddChild(node, t);
			else if (*text != '\0')
				g->b->oom = 1;
		} else if (key[0] == '#') {
			return ea_fail(g->b->err, cpath, "only '#text' may start with '#'");
		} else if (gen_value(g, node, key, val, cpath, depth + 1) != 0) {
			return -1;
		}
	}
	return 0;
}

/* A list repeats the element; anything else is one element. */
static int
gen_value(struct gen *g, xmlNodePtr parent, const char *name, json_object *v,
    const char *path, int depth)
{
	char ipath[EA_PATH_MAX];
	json_object *it;
	size_t i, n;

	if (v == NULL || !json_object_is_type(v, json_type_array))
		return gen_element(g, parent, name, v, path, depth);
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(v, i);
		ea_path_idx(ipath, sizeof(ipath), path, i);
		if (it != NULL && json_object_is_type(it, json_type_array))
			return ea_fail(g->b->err, ipath, "a list cannot hold a list");
		if (gen_element(g, parent, name, it, ipath, depth) != 0)
			return -1;
	}
	return 0;
}

int
cmd_epp(struct epp_build *b, json_object *args)
{
	struct gen g = {b, 0};
	json_object *cmd, *body = NULL, *ext = NULL;
	const char *body_name = NULL;
	char path[EA_PATH_MAX];
	xmlNodePtr el;

	if (ea_obj(args, NULL, "command", 1, &cmd, b->err) != 0)
		return -1;
	json_object_object_foreach(cmd, key, val) {
		ea_path(path, sizeof(path), "command", key);
		if (strcmp(key, "clTRID") == 0)
			return ea_fail(b->err, path, "the gate sets the clTRID");
		if (strcmp(key, "login") == 0 || strcmp(key, "logout") == 0)
			return ea_fail(b->err, path, "the gate owns the session; "
			    "login and logout are not accepted");
		if (strcmp(key, "extension") == 0) {
			ext = val;
		} else if (in_list(command_elements, key)) {
			if (body_name != NULL)
				return ea_fail(b->err, "command", "must hold one command element, "
				    "not both '%s' and '%s'", body_name, key);
			body_name = key;
			body = val;
		} else {
			return ea_fail(b->err, path, "not an EPP command element (check, "
			    "create, delete, info, poll, renew, transfer, update, extension)");
		}
	}
	if (body_name == NULL)
		return ea_fail(b->err, "command", "must hold a command element (check, create, "
		    "delete, info, poll, renew, transfer or update)");
	if (body != NULL && json_object_is_type(body, json_type_array))
		return ea_fail(b->err, "command", "must hold one command element");
	if ((b->command = xmlNewChild(b->epp, b->epp->ns, XC("command"), NULL)) == NULL) {
		b->oom = 1;
		return 0;
	}
	/* Schema order whatever the key order: the command element, then <extension>. */
	ea_path(path, sizeof(path), "command", body_name);
	if (gen_value(&g, b->command, body_name, body, path, 1) != 0)
		return -1;
	if (json_object_object_get_ex(cmd, "extension", NULL)) {
		if (ext != NULL && json_object_is_type(ext, json_type_array))
			return ea_fail(b->err, "command.extension", "must be one element");
		if (gen_value(&g, b->command, "extension", ext, "command.extension", 1) != 0)
			return -1;
	}
	for (el = b->command->children; el != NULL && el->type != XML_ELEMENT_NODE;
	    el = el->next)
		;
	/* The element must be in the EPP namespace, not some prefix's look-alike. */
	if (el == NULL || el->ns == NULL || !xmlStrEqual(el->ns->href, XC(NS_EPP)))
		return ea_fail(b->err, path, "must be in the EPP namespace");
	classify(b, el);
	return 0;
}

/* ---- raw `xml` ---------------------------------------------------------------- */

static int
is_epp(xmlNodePtr n, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    xmlStrEqual(n->ns->href, XC(NS_EPP)) && xmlStrEqual(n->name, XC(name));
}

/* The element children of parent, refusing text that is not whitespace. */
static int
raw_children(struct epp_build *b, xmlNodePtr parent, xmlNodePtr *out, size_t cap, size_t *n)
{
	const char *s;
	size_t len;
	xmlNodePtr c;

	*n = 0;
	for (c = parent->children; c != NULL; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			utf8_strip((const char *)c->content, strlen((const char *)c->content),
			    &s, &len);
			if (len > 0)
				return ea_fail(b->err, "xml", "text inside <%s> is not allowed",
				    (const char *)parent->name);
		} else if (c->type == XML_ELEMENT_NODE) {
			if (*n == cap)
				return ea_fail(b->err, "xml", "<%s> has too many elements",
				    (const char *)parent->name);
			out[(*n)++] = c;
		} else if (c->type == XML_ENTITY_REF_NODE) {
			return ea_fail(b->err, "xml", "entity references are not allowed");
		}
	}
	return 0;
}

/* Every namespace declared in the tree can be written back (see eb_uri_ok()). */
static int
raw_uris_ok(xmlNodePtr n)
{
	xmlNsPtr ns;

	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (ns = n->nsDef; ns != NULL; ns = ns->next)
			if (ns->href == NULL || !eb_uri_ok((const char *)ns->href))
				return 0;
		if (!raw_uris_ok(n->children))
			return 0;
	}
	return 1;
}

int
cmd_xml(struct epp_build *b, json_object *args)
{
	static const struct ea_rule raw_rule = {EA_TEXT, 1, RAW_MAX_BYTES};
	struct eg_err perr;
	const char *xml, *s;
	xmlDocPtr doc = NULL;
	xmlNodePtr root, top[2], kids[4], cmd;
	xmlChar *id = NULL;
	size_t n, k, i, len;

	if (ea_str(args, NULL, "xml", 1, &raw_rule, &xml, b->err) != 0)
		return -1;
	if ((doc = eg_xml_parse(xml, strlen(xml), RAW_MAX_BYTES, &perr)) == NULL) {
		if (perr.code == EG_ENOMEM)
			return eg_err_set(b->err, EG_ENOMEM, "out of memory");
		return ea_fail(b->err, "xml", "%s", perr.msg);
	}
	/* The text came as a JSON string, so it is UTF-8 whatever it declares. */
	if (doc->encoding != NULL && xmlStrcasecmp(doc->encoding, XC("UTF-8")) != 0) {
		ea_fail(b->err, "xml", "must be UTF-8 (it declares %.32s)",
		    (const char *)doc->encoding);
		goto fail;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		ea_fail(b->err, "xml", "must not have a DOCTYPE");
		goto fail;
	}
	root = xmlDocGetRootElement(doc);
	if (!raw_uris_ok(root)) {
		ea_fail(b->err, "xml", "a namespace name holds characters a URI cannot have");
		goto fail;
	}
	if (!is_epp(root, "epp")) {
		ea_fail(b->err, "xml", "must be an <epp> document in namespace %s", NS_EPP);
		goto fail;
	}
	if (raw_children(b, root, top, 2, &n) != 0)
		goto fail;
	if (n == 1 && is_epp(top[0], "hello")) {
		if (raw_children(b, top[0], kids, 1, &k) != 0)
			goto fail;
		if (k != 0) {
			ea_fail(b->err, "xml", "<hello> must be empty");
			goto fail;
		}
		b->klass = EPP_CLASS_QUERY;
		cmd = NULL;
	} else if (n == 1 && is_epp(top[0], "command")) {
		cmd = top[0];
		if (raw_children(b, cmd, kids, 4, &k) != 0)
			goto fail;
		if (k > 0 && (is_epp(kids[0], "login") || is_epp(kids[0], "logout"))) {
			ea_fail(b->err, "xml", "the gate owns the session; login and logout are "
			    "not accepted");
			goto fail;
		}
		if (k == 0 || kids[0]->ns == NULL ||
		    !xmlStrEqual(kids[0]->ns->href, XC(NS_EPP)) ||
		    !in_list(command_elements, (const char *)kids[0]->name)) {
			ea_fail(b->err, "xml", "<command> must start with check, create, delete, "
			    "info, poll, renew, transfer or update");
			goto fail;
		}
		/* Then <extension>? and <clTRID>?, in that order, nothing else. */
		i = 1;
		if (i < k && is_epp(kids[i], "extension"))
			i++;
		if (i < k && is_epp(kids[i], "clTRID")) {
			if ((id = xmlNodeGetContent(kids[i])) == NULL)
				goto nomem;
			utf8_strip((const char *)id, strlen((const char *)id), &s, &len);
			if (len >= sizeof(b->cltrid)) {
				ea_fail(b->err, "xml", "<clTRID> must be 3 to 64 characters");
				goto fail;
			}
			memcpy(b->cltrid, s, len);
			b->cltrid[len] = '\0';
			if (!eb_cltrid_ok(b->cltrid)) {
				ea_fail(b->err, "xml", "<clTRID> must be 3 to 64 printable ASCII "
				    "characters without spaces");
				goto fail;
			}
			b->has_cltrid = 1;
			i++;
		}
		if (i != k) {
			ea_fail(b->err, "xml", "<command> holds <%s> where only <extension> and "
			    "<clTRID> may follow the command", (const char *)kids[i]->name);
			goto fail;
		}
	} else {
		ea_fail(b->err, "xml", "<epp> must hold one <command> or <hello>");
		goto fail;
	}
	/* The parsed document replaces the empty one; a clTRID is appended when absent. */
	xmlFreeDoc(b->doc);
	b->doc = doc;
	b->epp = root;
	b->command = cmd;
	b->extension = NULL;
	doc = NULL;
	if (cmd != NULL)
		classify(b, kids[0]);
	xmlFree(id);
	return 0;
nomem:
	b->oom = 1;
	xmlFree(id);
	xmlFreeDoc(doc);
	return 0;
fail:
	xmlFree(id);
	xmlFreeDoc(doc);
	b->cltrid[0] = '\0';
	b->has_cltrid = 0;
	return -1;
}
