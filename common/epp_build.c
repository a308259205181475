/* SPDX-License-Identifier: MIT */
/*
 * epp_build.c - the helpers the command builders (cmd_*.c) share: elements,
 * namespaces, the clTRID and serializing (see epp_build.h).
 */
#include "epp_build.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlsave.h>

#define XC(s) ((const xmlChar *)(s))

static xmlNodePtr
oom(struct epp_build *b)
{
	b->oom = 1;
	return NULL;
}

int
eb_init(struct epp_build *b, struct eg_err *err)
{
	xmlNsPtr ns;

	memset(b, 0, sizeof(*b));
	b->err = err;
	if ((b->doc = xmlNewDoc(XC("1.0"))) == NULL)
		goto fail;
	if ((b->epp = xmlNewDocNode(b->doc, NULL, XC("epp"), NULL)) == NULL)
		goto fail;
	xmlDocSetRootElement(b->doc, b->epp);
	if ((ns = xmlNewNs(b->epp, XC(NS_EPP), NULL)) == NULL)
		goto fail;
	xmlSetNs(b->epp, ns);
	return 0;
fail:
	eb_clear(b);
	return eg_err_set(err, EG_ENOMEM, "out of memory");
}

void
eb_clear(struct epp_build *b)
{
	if (b->doc != NULL)
		xmlFreeDoc(b->doc);
	b->doc = NULL;
	b->epp = b->command = b->extension = NULL;
}

xmlNodePtr
eb_command(struct epp_build *b, const char *name)
{
	xmlNodePtr n;

	if (b->epp == NULL)
		return oom(b);
	if (b->command == NULL &&
	    (b->command = xmlNewChild(b->epp, b->epp->ns, XC("command"), NULL)) == NULL)
		return oom(b);
	if ((n = xmlNewDocNode(b->doc, b->epp->ns, XC(name), NULL)) == NULL)
		return oom(b);
	/* The command element comes first in <command>, before <extension> and <clTRID>. */
	if (b->command->children != NULL)
		xmlAddPrevSibling(b->command->children, n);
	else
		xmlAddChild(b->command, n);
	return n;
}

xmlNodePtr
eb_object(struct epp_build *b, xmlNodePtr parent, const char *uri, const char *prefix,
    const char *name)
{
	xmlNodePtr n;
	xmlNsPtr ns;

	if (parent == NULL)
		return NULL;
	if ((n = xmlNewChild(parent, NULL, XC(name), NULL)) == NULL)
		return oom(b);
	if ((ns = xmlNewNs(n, XC(uri), XC(prefix))) == NULL)
		return oom(b);
	xmlSetNs(n, ns);
	return n;
}

xmlNodePtr
eb_ext(struct epp_build *b, const char *uri, const char *prefix, const char *name)
{
	xmlNodePtr clt;

	if (b->command == NULL)
		return oom(b);
	if (b->extension == NULL) {
		if ((b->extension = xmlNewDocNode(b->doc, b->epp->ns, XC("extension"),
		    NULL)) == NULL)
			return oom(b);
		/* Before a <clTRID> that may already be there, after everything else. */
		for (clt = b->command->children; clt != NULL; clt = clt->next)
			if (clt->type == XML_ELEMENT_NODE &&
			    xmlStrEqual(clt->name, XC("clTRID")))
				break;
		if (clt != NULL)
			xmlAddPrevSibling(clt, b->extension);
		else
			xmlAddChild(b->command, b->extension);
	}
	return eb_object(b, b->extension, uri, prefix, name);
}

xmlNodePtr
eb_el(struct epp_build *b, xmlNodePtr parent, const char *name, const char *text)
{
	xmlNodePtr n, t;

	if (parent == NULL)
		return NULL;
	if ((n = xmlNewChild(parent, parent->ns, XC(name), NULL)) == NULL)
		return oom(b);
	if (text != NULL && *text != '\0') {
		/* A text node holds the value verbatim; serialization escapes it. */
		if ((t = xmlNewDocText(b->doc, XC(text))) == NULL)
			return oom(b);
		xmlAddChild(n, t);
	}
	return n;
}

xmlNodePtr
eb_elf(struct epp_build *b, xmlNodePtr parent, const char *name, const char *fmt, ...)
{
	char text[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return eb_el(b, parent, name, text);
}

xmlNodePtr
eb_attr(struct epp_build *b, xmlNodePtr node, const char *name, const char *value)
{
	if (node == NULL)
		return NULL;
	if (xmlNewProp(node, XC(name), XC(value)) == NULL)
		return oom(b);
	return node;
}

void
eb_drop_if_empty(xmlNodePtr node)
{
	xmlNodePtr c;

	if (node == NULL)
		return;
	for (c = node->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return;
	xmlUnlinkNode(node);
	xmlFreeNode(node);
}

/* The fee versions this gate builds, preferred first (epp_cmd.h, struct epp_build_opts). */
static const char *const fee_known[] = {NS_FEE, NS_FEE_ALT, NS_FEE_023, NS_FEE_021, NULL};

/* 1 when the space-separated list holds uri as one of its words. */
static int
uri_listed(const char *list, const char *uri)
{
	size_t n = strlen(uri), w;
	const char *p = list;

	while (*p != '\0') {
		p += strspn(p, " ");
		w = strcspn(p, " ");
		if (w == n && memcmp(p, uri, n) == 0)
			return 1;
		p += w;
	}
	return 0;
}

const char *
eb_fee_ns(struct epp_build *b, const char *key)
{
	const char *p = b->ext_uris;
	size_t i, w;

	if (p == NULL)
		return NS_FEE;
	for (i = 0; fee_known[i] != NULL; i++)
		if (uri_listed(p, fee_known[i]))
			return fee_known[i];
	/* Another version of the fee extension (fee-0.5 to fee-0.11 check prices per object,
	 * in elements of their own): say which, rather than send what it cannot read. */
	while (*p != '\0') {
		p += strspn(p, " ");
		w = strcspn(p, " ");
		if (w > 0 && memmem(p, w, ":fee-", 5) != NULL) {
			eg_err_set(b->err, EG_EREQUEST, "argument '%s': the registry offers the fee "
			    "extension %.*s, a version this gate does not build (it builds %s, "
			    "and the drafts' %s and %s)", key, (int)(w < 200 ? w : 200), p, NS_FEE,
			    NS_FEE_023, NS_FEE_021);
			return NULL;
		}
		p += w;
	}
	p = b->ext_uris + strspn(b->ext_uris, " ");
	eg_err_set(b->err, EG_EREQUEST, "argument '%s': the registry session has no fee "
	    "extension (%s%.300s)", key, *p != '\0' ? "its extensions: " : "it has no extensions",
	    p);
	return NULL;
}

void
eb_target(struct epp_build *b, const char *type, const char *id)
{
	snprintf(b->obj_type, sizeof(b->obj_type), "%s", type);
	snprintf(b->obj_id, sizeof(b->obj_id), "%s", id);
}

int
eb_uri_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || i >= 1024 ||
		    strchr("<>\"'&\\`{}|^", s[i]) != NULL)
			return 0;
	return i > 0;
}

int
eb_cltrid_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f || i >= 64)
			return 0;
	return i >= 3;
}

int
eb_cltrid(struct epp_build *b, const char *cltrid)
{
	if (eb_el(b, b->command, "clTRID", cltrid) == NULL)
		return -1;
	snprintf(b->cltrid, sizeof(b->cltrid), "%s", cltrid);
	b->has_cltrid = 1;
	return 0;
}

int
eb_serialize(xmlDocPtr doc, char **xml, size_t *len, struct eg_err *err)
{
	xmlBufferPtr buf = NULL;
	xmlSaveCtxtPtr save = NULL;
	char *out = NULL;
	size_t n;

	*xml = NULL;
	*len = 0;
	if ((buf = xmlBufferCreate()) == NULL)
		goto nomem;
	/* No XML_SAVE_FORMAT: compact output, no indentation text added. */
	if ((save = xmlSaveToBuffer(buf, "UTF-8", 0)) == NULL)
		goto nomem;
	if (xmlSaveDoc(save, doc) < 0) {
		xmlSaveClose(save);
		save = NULL;
		goto nomem;
	}
	if (xmlSaveClose(save) < 0) {
		save = NULL;
		goto nomem;
	}
	save = NULL;
	n = (size_t)xmlBufferLength(buf);
	/* The trailing newline libxml2 writes after the root is not part of the document. */
	while (n > 0 && xmlBufferContent(buf)[n - 1] == '\n')
		n--;
	if ((out = malloc(n + 1)) == NULL)
		goto nomem;
	memcpy(out, xmlBufferContent(buf), n);
	out[n] = '\0';
	xmlBufferFree(buf);
	*xml = out;
	*len = n;
	return 0;
nomem:
	if (save != NULL)
		xmlSaveClose(save);
	if (buf != NULL)
		xmlBufferFree(buf);
	return eg_err_set(err, EG_ENOMEM, "out of memory while serializing");
}
