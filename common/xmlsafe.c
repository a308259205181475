/* SPDX-License-Identifier: MIT */
/*
 * xmlsafe.c - parsing XML from outside with libxml2: no network, no external
 * entities, bounded size, errors captured per parse (see xmlsafe.h).
 */
#include "xmlsafe.h"

#include <libxml/dict.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

struct parse_errors {
	int have;
	char msg[256];
};

/* Keeps the first error; libxml2 messages end with a newline, which is dropped. */
/* libxml2 hands the callback the parser context (also for the sub-contexts it makes
 * to parse entity content, which inherit _private). */
static void
capture(void *ud, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = ud;
	struct parse_errors *pe = ctxt != NULL ? ctxt->_private : NULL;
	size_t n;

	if (pe == NULL || pe->have || e == NULL || e->level < XML_ERR_ERROR)
		return;
	pe->have = 1;
	snprintf(pe->msg, sizeof(pe->msg), "line %d: %s", e->line,
	    e->message ? e->message : "XML error");
	n = strlen(pe->msg);
	while (n > 0 && (pe->msg[n - 1] == '\n' || pe->msg[n - 1] == ' '))
		pe->msg[--n] = '\0';
}

/* Names a reused parser may collect before it starts again with an empty dictionary. */
#define DICT_MAX 4096

struct eg_xml_parser {
	xmlParserCtxtPtr ctxt;
};

static xmlParserCtxtPtr
new_ctxt(void)
{
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();

	if (ctxt == NULL)
		return NULL;
	/* Per-context hooks: errors come to us, and no entity resolver can reach a file. */
	ctxt->sax->serror = capture;
	ctxt->sax->resolveEntity = NULL;
	ctxt->sax->externalSubset = NULL;
	return ctxt;
}

struct eg_xml_parser *
eg_xml_parser_new(void)
{
	return calloc(1, sizeof(struct eg_xml_parser));
}

void
eg_xml_parser_free(struct eg_xml_parser *p)
{
	if (p == NULL)
		return;
	if (p->ctxt != NULL)
		xmlFreeParserCtxt(p->ctxt);
	free(p);
}

xmlDocPtr
eg_xml_parse_with(struct eg_xml_parser *p, const char *xml, size_t len, size_t max_bytes,
    struct eg_err *err)
{
	struct parse_errors pe = {0, ""};
	xmlDocPtr doc;

	if (max_bytes == 0)
		max_bytes = EG_XML_MAX_BYTES;
	if (len > max_bytes) {
		eg_err_set(err, EG_ELIMIT, "document of %zu bytes exceeds the limit of %zu bytes",
		    len, max_bytes);
		return NULL;
	}
	if (len == 0 || len > (size_t)0x7fffffff) {
		eg_err_set(err, EG_ERESPONSE, "empty document");
		return NULL;
	}
	if (p->ctxt == NULL && (p->ctxt = new_ctxt()) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	p->ctxt->_private = &pe;
	doc = xmlCtxtReadMemory(p->ctxt, xml, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (doc == NULL || !p->ctxt->wellFormed) {
		if (doc != NULL)
			xmlFreeDoc(doc);
		doc = NULL;
		eg_err_set(err, EG_ERESPONSE, "%s", pe.have ? pe.msg : "not well-formed XML");
	}
	p->ctxt->_private = NULL;
	/* A failed parse may leave state behind, and the dictionary only grows: start
	 * afresh then (documents keep their own reference to the old dictionary). */
	if (doc == NULL || p->ctxt->dict == NULL || xmlDictSize(p->ctxt->dict) > DICT_MAX) {
		xmlFreeParserCtxt(p->ctxt);
		p->ctxt = NULL;
	}
	return doc;
}

xmlDocPtr
eg_xml_parse(const char *xml, size_t len, size_t max_bytes, struct eg_err *err)
{
	struct eg_xml_parser p = {NULL};
	xmlDocPtr doc = eg_xml_parse_with(&p, xml, len, max_bytes, err);

	if (p.ctxt != NULL)
		xmlFreeParserCtxt(p.ctxt);
	return doc;
}
