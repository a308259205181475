#include "xmlsafe.h"

#include <libxml/parser.h>
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

xmlDocPtr
eg_xml_parse(const char *xml, size_t len, size_t max_bytes, struct eg_err *err)
{
	struct parse_errors pe = {0, ""};
	xmlParserCtxtPtr ctxt;
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
	if ((ctxt = xmlNewParserCtxt()) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	/* Per-context hooks: errors come to us, and no entity resolver can reach a file. */
	ctxt->sax->serror = capture;
	ctxt->sax->resolveEntity = NULL;
	ctxt->sax->externalSubset = NULL;
	ctxt->_private = &pe;
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
	if (doc == NULL || !ctxt->wellFormed) {
		if (doc != NULL)
			xmlFreeDoc(doc);
		doc = NULL;
		eg_err_set(err, EG_ERESPONSE, "%s", pe.have ? pe.msg : "not well-formed XML");
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}
