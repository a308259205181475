/* SPDX-License-Identifier: MIT */
/* cmdtest.c - helpers for the command builder tests: build, validate against the schemas, compare trees. */
#include "cmdtest.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "tap.h"
#include "utf8.h"

#define XC(s) ((const xmlChar *)(s))

/* Loaded once per test program; tests are single-threaded. */
static xmlSchemaPtr ct_schema;
static int ct_schema_failed;

int
ct_build_obj(json_object *req, struct epp_request *out, struct eg_err *err)
{
	return epp_request_build(req, CT_CLTRID, out, err);
}

int
ct_build(const char *json, struct epp_request *out, struct eg_err *err)
{
	json_object *req;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((req = epp_request_parse(json, strlen(json), err)) == NULL)
		return -1;
	rc = ct_build_obj(req, out, err);
	json_object_put(req);
	return rc;
}

static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static int
load_schema(void)
{
	xmlSchemaParserCtxtPtr pctx = NULL;

	if (ct_schema != NULL || ct_schema_failed)
		return ct_schema != NULL;
	ct_schema_failed = 1;
	/* epp-all.xsd imports every schema beside it, the fee extension included. */
	if ((pctx = xmlSchemaNewParserCtxt(tap_data("xsd/epp-all.xsd"))) == NULL)
		goto done;
	xmlSchemaSetParserErrors(pctx, quiet, quiet, NULL);
	ct_schema = xmlSchemaParse(pctx);
	if (ct_schema == NULL)
		tap_diag("the schemas did not load from %s", tap_data("xsd/epp-all.xsd"));
	else
		ct_schema_failed = 0;
done:
	if (pctx != NULL)
		xmlSchemaFreeParserCtxt(pctx);
	return ct_schema != NULL;
}

struct first_error {
	char *why;
	size_t cap;
	int have;
};

static void
keep_first(void *ud, xmlErrorPtr e)
{
	struct first_error *fe = ud;

	if (fe->have || e == NULL)
		return;
	fe->have = 1;
	snprintf(fe->why, fe->cap, "line %d: %s", e->line, e->message ? e->message : "?");
}

int
ct_valid(const char *xml, size_t len, char *why, size_t cap)
{
	struct first_error fe = {why, cap, 0};
	xmlSchemaValidCtxtPtr vctx = NULL;
	xmlDocPtr doc = NULL;
	int ok = 0;

	snprintf(why, cap, "%s", "");
	if (!load_schema()) {
		snprintf(why, cap, "schemas not loaded");
		return 0;
	}
	if ((doc = ct_parse(xml, len)) == NULL) {
		snprintf(why, cap, "not well-formed");
		return 0;
	}
	if ((vctx = xmlSchemaNewValidCtxt(ct_schema)) == NULL)
		goto done;
	xmlSchemaSetValidStructuredErrors(vctx, keep_first, &fe);
	ok = xmlSchemaValidateDoc(vctx, doc) == 0;
done:
	if (vctx != NULL)
		xmlSchemaFreeValidCtxt(vctx);
	xmlFreeDoc(doc);
	return ok;
}

xmlDocPtr
ct_parse(const char *xml, size_t len)
{
	return xmlReadMemory(xml, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* The stripped text directly inside n (whitespace-only pieces ignored). */
static void
own_text(xmlNodePtr n, char *out, size_t cap)
{
	const char *s;
	size_t used = 0, len;
	xmlNodePtr c;

	out[0] = '\0';
	for (c = n->children; c != NULL; c = c->next) {
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
			continue;
		utf8_strip((const char *)c->content, strlen((const char *)c->content), &s, &len);
		if (len == 0 || used + len + 1 > cap)
			continue;
		memcpy(out + used, s, len);
		used += len;
		out[used] = '\0';
	}
}

static const char *
uri_of(xmlNodePtr n)
{
	return n->ns != NULL ? (const char *)n->ns->href : "";
}

static xmlNodePtr
next_el(xmlNodePtr n)
{
	while (n != NULL && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

static int
same_attrs(xmlNodePtr a, xmlNodePtr b, char *why, size_t cap)
{
	xmlAttrPtr p;
	xmlChar *va, *vb;
	int na = 0, nb = 0, ok = 1;

	for (p = a->properties; p != NULL; p = p->next)
		na++;
	for (p = b->properties; p != NULL; p = p->next)
		nb++;
	if (na != nb) {
		snprintf(why, cap, "<%s>: %d attributes, want %d", (const char *)a->name, na, nb);
		return 0;
	}
	for (p = b->properties; p != NULL && ok; p = p->next) {
		vb = xmlNodeGetContent((xmlNodePtr)p);
		va = xmlGetNsProp(a, p->name, p->ns ? p->ns->href : NULL);
		if (va == NULL || vb == NULL || !xmlStrEqual(va, vb)) {
			snprintf(why, cap, "<%s> @%s = '%s', want '%s'", (const char *)a->name,
			    (const char *)p->name, va ? (const char *)va : "(none)",
			    vb ? (const char *)vb : "?");
			ok = 0;
		}
		xmlFree(va);
		xmlFree(vb);
	}
	return ok;
}

int
ct_same_tree(xmlNodePtr a, xmlNodePtr b, char *why, size_t cap)
{
	char ta[4096], tb[4096];
	xmlNodePtr ca, cb;

	if (a == NULL || b == NULL) {
		snprintf(why, cap, "missing element: got %s, want %s",
		    a ? (const char *)a->name : "(none)", b ? (const char *)b->name : "(none)");
		return 0;
	}
	if (!xmlStrEqual(a->name, b->name) || strcmp(uri_of(a), uri_of(b)) != 0) {
		snprintf(why, cap, "element {%s}%s, want {%s}%s", uri_of(a),
		    (const char *)a->name, uri_of(b), (const char *)b->name);
		return 0;
	}
	if (!same_attrs(a, b, why, cap))
		return 0;
	own_text(a, ta, sizeof(ta));
	own_text(b, tb, sizeof(tb));
	if (!xmlStrEqual(a->name, XC("clTRID")) && strcmp(ta, tb) != 0) {
		snprintf(why, cap, "<%s> text '%s', want '%s'", (const char *)a->name, ta, tb);
		return 0;
	}
	for (ca = next_el(a->children), cb = next_el(b->children); ca != NULL || cb != NULL;
	    ca = next_el(ca ? ca->next : NULL), cb = next_el(cb ? cb->next : NULL)) {
		if (ca == NULL || cb == NULL) {
			snprintf(why, cap, "inside <%s>: got <%s>, want <%s>", (const char *)a->name,
			    ca ? (const char *)ca->name : "(end)",
			    cb ? (const char *)cb->name : "(end)");
			return 0;
		}
		if (!ct_same_tree(ca, cb, why, cap))
			return 0;
	}
	return 1;
}

xmlNodePtr
ct_find(xmlNodePtr from, const char *uri, const char *local)
{
	xmlNodePtr c, r;

	for (c = from; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrEqual(c->name, XC(local)) && strcmp(uri_of(c), uri) == 0)
			return c;
		if ((r = ct_find(c->children, uri, local)) != NULL)
			return r;
	}
	return NULL;
}

int
ct_count(xmlNodePtr from, const char *uri, const char *local)
{
	xmlNodePtr c;
	int n = 0;

	for (c = from; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (xmlStrEqual(c->name, XC(local)) && strcmp(uri_of(c), uri) == 0)
			n++;
		n += ct_count(c->children, uri, local);
	}
	return n;
}

const char *
ct_text(xmlDocPtr doc, const char *uri, const char *local, char *out, size_t cap)
{
	xmlNodePtr n = ct_find(xmlDocGetRootElement(doc), uri, local);

	out[0] = '\0';
	if (n != NULL)
		own_text(n, out, cap);
	return out;
}

static int
has_value(xmlNodePtr n, const char *s)
{
	xmlAttrPtr p;
	xmlChar *v;
	int found;

	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		v = xmlNodeGetContent(n);
		found = v != NULL && xmlStrEqual(v, XC(s)) && next_el(n->children) == NULL;
		xmlFree(v);
		if (found)
			return 1;
		for (p = n->properties; p != NULL; p = p->next) {
			v = xmlNodeGetContent((xmlNodePtr)p);
			found = v != NULL && xmlStrEqual(v, XC(s));
			xmlFree(v);
			if (found)
				return 1;
		}
		if (has_value(n->children, s))
			return 1;
	}
	return 0;
}

int
ct_has_value(xmlDocPtr doc, const char *s)
{
	return has_value(xmlDocGetRootElement(doc), s);
}

void
ct_cleanup(void)
{
	if (ct_schema != NULL)
		xmlSchemaFree(ct_schema);
	ct_schema = NULL;
	ct_schema_failed = 0;
	xmlCleanupParser();
}
