/* SPDX-License-Identifier: MIT */
/*
 * sim_xml.c - reading EPP commands by namespace and building EPP responses
 * (RFC 5730 section 2.6) with libxml2, for epp-sim (sim_xml.h).
 */
#include "sim_xml.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define X(s) ((const xmlChar *)(s))

int
sx_is(xmlNodePtr n, const char *ns, const char *name)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE)
		return 0;
	if (name != NULL && strcmp((const char *)n->name, name) != 0)
		return 0;
	if (ns != NULL && (n->ns == NULL || n->ns->href == NULL ||
	    strcmp((const char *)n->ns->href, ns) != 0))
		return 0;
	return 1;
}

xmlNodePtr
sx_child(xmlNodePtr n, const char *ns, const char *name)
{
	xmlNodePtr c;

	if (n == NULL)
		return NULL;
	for (c = n->children; c != NULL; c = c->next)
		if (sx_is(c, ns, name))
			return c;
	return NULL;
}

xmlNodePtr
sx_next(xmlNodePtr n, const char *ns, const char *name)
{
	if (n == NULL)
		return NULL;
	for (n = n->next; n != NULL; n = n->next)
		if (sx_is(n, ns, name))
			return n;
	return NULL;
}

size_t
sx_count(xmlNodePtr n)
{
	xmlNodePtr c;
	size_t k = 0;

	if (n == NULL)
		return 0;
	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			k++;
	return k;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Collapses whitespace in place (xs:token): no leading, trailing or repeated blanks. */
static size_t
collapse(char *s)
{
	size_t r = 0, w = 0;
	int pending = 0;

	for (; s[r] != '\0'; r++) {
		if (is_ws(s[r])) {
			pending = w > 0;
			continue;
		}
		if (pending)
			s[w++] = ' ';
		pending = 0;
		s[w++] = s[r];
	}
	s[w] = '\0';
	return w;
}

char *
sx_text_dup(xmlNodePtr n)
{
	xmlChar *c;
	char *s;

	if (n == NULL)
		return strdup("");
	if ((c = xmlNodeGetContent(n)) == NULL)
		return strdup("");
	/* libxml2 may use its own allocator: copy into malloc'd memory the caller frees. */
	s = strdup((const char *)c);
	xmlFree(c);
	if (s != NULL)
		collapse(s);
	return s;
}

int
sx_text(xmlNodePtr n, char *dst, size_t cap)
{
	char *s = sx_text_dup(n);
	size_t len;
	int rc = 0;

	dst[0] = '\0';
	if (s == NULL)
		return -1;
	len = strlen(s);
	if (len >= cap)
		rc = -1;
	else
		memcpy(dst, s, len + 1);
	free(s);
	return rc;
}

int
sx_attr(xmlNodePtr n, const char *name, char *dst, size_t cap)
{
	xmlChar *v;
	size_t len;
	int rc = 1;

	dst[0] = '\0';
	if (n == NULL || (v = xmlGetNoNsProp(n, X(name))) == NULL)
		return 0;
	len = strlen((const char *)v);
	if (len >= cap) {
		rc = -1;
	} else {
		memcpy(dst, v, len + 1);
		collapse(dst);
	}
	xmlFree(v);
	return rc;
}

const char *
sx_code_text(int code)
{
	switch (code) {
	case 1000: return "Command completed successfully";
	case 1001: return "Command completed successfully; action pending";
	case 1300: return "Command completed successfully; no messages";
	case 1301: return "Command completed successfully; ack to dequeue";
	case 1500: return "Command completed successfully; ending session";
	case 2000: return "Unknown command";
	case 2001: return "Command syntax error";
	case 2002: return "Command use error";
	case 2003: return "Required parameter missing";
	case 2004: return "Parameter value range error";
	case 2005: return "Parameter value syntax error";
	case 2100: return "Unimplemented protocol version";
	case 2101: return "Unimplemented command";
	case 2102: return "Unimplemented option";
	case 2103: return "Unimplemented extension";
	case 2104: return "Billing failure";
	case 2105: return "Object is not eligible for renewal";
	case 2106: return "Object is not eligible for transfer";
	case 2200: return "Authentication error";
	case 2201: return "Authorization error";
	case 2202: return "Invalid authorization information";
	case 2300: return "Object pending transfer";
	case 2301: return "Object not pending transfer";
	case 2302: return "Object exists";
	case 2303: return "Object does not exist";
	case 2304: return "Object status prohibits operation";
	case 2305: return "Object association prohibits operation";
	case 2306: return "Parameter value policy error";
	case 2307: return "Unimplemented object service";
	case 2308: return "Data management policy violation";
	case 2400: return "Command failed";
	case 2500: return "Command failed; server closing connection";
	case 2501: return "Authentication error; server closing connection";
	case 2502: return "Session limit exceeded; server closing connection";
	default: return "Unknown result";
	}
}

int
sx_resp_init(struct sx_resp *r)
{
	xmlNodePtr epp;

	memset(r, 0, sizeof(*r));
	if ((r->doc = xmlNewDoc(X("1.0"))) == NULL)
		return -1;
	/* The root and its namespace exist from the start, so that the parts built before
	 * sx_resp_finish() are in the EPP namespace already. */
	if ((epp = xmlNewDocNode(r->doc, NULL, X("epp"), NULL)) == NULL)
		goto fail;
	xmlDocSetRootElement(r->doc, epp);
	if ((r->ns = xmlNewNs(epp, X(SX_NS_EPP), NULL)) == NULL)
		goto fail;
	xmlSetNs(epp, r->ns);
	return 0;
fail:
	sx_resp_discard(r);
	return -1;
}

void
sx_resp_result(struct sx_resp *r, int code, const char *fmt, ...)
{
	const char *std = sx_code_text(code);
	size_t n;
	va_list ap;

	r->code = code;
	if (fmt == NULL) {
		snprintf(r->msg, sizeof(r->msg), "%s", std);
		return;
	}
	n = (size_t)snprintf(r->msg, sizeof(r->msg), "%s: ", std);
	if (n >= sizeof(r->msg))
		return;
	va_start(ap, fmt);
	vsnprintf(r->msg + n, sizeof(r->msg) - n, fmt, ap);
	va_end(ap);
}

/* An unlinked container (resData, extension) that collects elements. */
static xmlNodePtr
container(struct sx_resp *r, xmlNodePtr *slot, const char *name)
{
	if (*slot == NULL && r->doc != NULL)
		*slot = xmlNewDocNode(r->doc, r->ns, X(name), NULL);
	return *slot;
}

static xmlNodePtr
new_ns_child(xmlNodePtr parent, const char *ns, const char *prefix, const char *name)
{
	xmlNodePtr n;
	xmlNsPtr nsp;

	if (parent == NULL)
		return NULL;
	if ((n = xmlNewDocNode(parent->doc, NULL, X(name), NULL)) == NULL)
		return NULL;
	if ((nsp = xmlNewNs(n, X(ns), X(prefix))) == NULL) {
		xmlFreeNode(n);
		return NULL;
	}
	xmlSetNs(n, nsp);
	if (xmlAddChild(parent, n) == NULL) {
		xmlFreeNode(n);
		return NULL;
	}
	return n;
}

xmlNodePtr
sx_resp_data(struct sx_resp *r, const char *ns, const char *prefix, const char *name)
{
	return new_ns_child(container(r, &r->resdata, "resData"), ns, prefix, name);
}

xmlNodePtr
sx_resp_ext(struct sx_resp *r, const char *ns, const char *prefix, const char *name)
{
	return new_ns_child(container(r, &r->ext, "extension"), ns, prefix, name);
}

xmlNodePtr
sx_add_ns(xmlNodePtr parent, const char *ns, const char *prefix, const char *name)
{
	return new_ns_child(parent, ns, prefix, name);
}

xmlNodePtr
sx_resp_msgq(struct sx_resp *r, unsigned long count, const char *id)
{
	char num[32];

	if (r->msgq != NULL)
		xmlFreeNode(r->msgq);
	if (r->doc == NULL || (r->msgq = xmlNewDocNode(r->doc, r->ns, X("msgQ"), NULL)) == NULL)
		return NULL;
	snprintf(num, sizeof(num), "%lu", count);
	sx_set_attr(r->msgq, "count", num);
	sx_set_attr(r->msgq, "id", id);
	return r->msgq;
}

xmlNodePtr
sx_add(xmlNodePtr parent, const char *name, const char *text)
{
	if (parent == NULL)
		return NULL;
	/* xmlNewTextChild escapes the content, unlike xmlNewChild. */
	return xmlNewTextChild(parent, parent->ns, X(name), text ? X(text) : NULL);
}

xmlNodePtr
sx_addf(xmlNodePtr parent, const char *name, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return sx_add(parent, name, text);
}

void
sx_set_attr(xmlNodePtr n, const char *name, const char *value)
{
	if (n != NULL)
		xmlSetProp(n, X(name), X(value));   /* escaped on output */
}

void
sx_resp_discard(struct sx_resp *r)
{
	if (r->msgq != NULL)
		xmlFreeNode(r->msgq);
	if (r->resdata != NULL)
		xmlFreeNode(r->resdata);
	if (r->ext != NULL)
		xmlFreeNode(r->ext);
	if (r->doc != NULL)
		xmlFreeDoc(r->doc);
	memset(r, 0, sizeof(*r));
}

/* Moves an unlinked part under parent; the slot no longer owns it. */
static void
attach(xmlNodePtr parent, xmlNodePtr *slot)
{
	if (*slot == NULL)
		return;
	if (xmlAddChild(parent, *slot) == NULL)
		xmlFreeNode(*slot);
	*slot = NULL;
}

int
sx_doc_dump(xmlDocPtr doc, struct buf *out)
{
	xmlChar *mem = NULL;
	int size = 0, rc = 0;

	buf_reset(out);
	xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
	if (mem == NULL || size <= 0 || buf_append(out, mem, (size_t)size) == -1)
		rc = -1;
	if (mem != NULL)
		xmlFree(mem);
	return rc;
}

int
sx_resp_finish(struct sx_resp *r, const char *cltrid, const char *svtrid, struct buf *out)
{
	xmlNodePtr resp, res, trid;
	xmlNsPtr ns = r->ns;
	char code[8];
	int rc = -1;

	if (r->doc == NULL)
		goto done;
	if (r->code == 0)
		sx_resp_result(r, 1000, NULL);
	/* An error result carries no data that was built before the error was found. */
	if (r->code >= 2000) {
		if (r->resdata != NULL)
			xmlFreeNode(r->resdata);
		if (r->ext != NULL)
			xmlFreeNode(r->ext);
		r->resdata = r->ext = NULL;
	}
	resp = xmlNewChild(xmlDocGetRootElement(r->doc), ns, X("response"), NULL);
	res = xmlNewChild(resp, ns, X("result"), NULL);
	if (res == NULL)
		goto done;
	snprintf(code, sizeof(code), "%d", r->code);
	sx_set_attr(res, "code", code);
	sx_add(res, "msg", r->msg);
	attach(resp, &r->msgq);
	attach(resp, &r->resdata);
	attach(resp, &r->ext);
	trid = xmlNewChild(resp, ns, X("trID"), NULL);
	if (cltrid != NULL && cltrid[0] != '\0')
		sx_add(trid, "clTRID", cltrid);
	sx_add(trid, "svTRID", svtrid);
	rc = sx_doc_dump(r->doc, out);
done:
	sx_resp_discard(r);
	return rc;
}
