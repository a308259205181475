/* SPDX-License-Identifier: MIT */
/*
 * xmlsafe.h - the one way this project parses XML that came from outside
 * (registry responses, raw `xml` requests, commands arriving at epp-sim).
 *
 * No network, no DTD loading, external entities never loaded, depth and text
 * size bounded by libxml2's defaults (no XML_PARSE_HUGE: depth 256), billion
 * laughs refused by libxml2's amplification check, CDATA merged into text,
 * the declared encoding honoured. Errors are captured per parse (nothing is
 * printed). Internal entities stay entity-reference nodes in the tree: the
 * caller decides whether and how far to expand them (see xml2json.c).
 *
 * Call xmlInitParser() once in main() before threads start.
 */
#ifndef EG_XMLSAFE_H
#define EG_XMLSAFE_H

#include <libxml/tree.h>
#include <stddef.h>

#include "err.h"

#define EG_XML_MAX_BYTES ((size_t)16 << 20)

/* Parses xml[0..len). max_bytes 0 means EG_XML_MAX_BYTES. NULL on error (EG_ERESPONSE or
 * EG_ELIMIT, message like "line 3: Opening and ending tag mismatch: a and b"). Free with
 * xmlFreeDoc(). */
xmlDocPtr eg_xml_parse(const char *xml, size_t len, size_t max_bytes, struct eg_err *err);

/*
 * A parser kept for many documents, so that each parse does not set up a context of
 * its own (a third of the cost of a small response). One per thread. Its name
 * dictionary is dropped once it grows large, so a registry sending ever new names
 * cannot grow it without bound. Documents stay valid after the parser is freed.
 */
struct eg_xml_parser;
struct eg_xml_parser *eg_xml_parser_new(void);     /* NULL only when out of memory */
void eg_xml_parser_free(struct eg_xml_parser *p);
xmlDocPtr eg_xml_parse_with(struct eg_xml_parser *p, const char *xml, size_t len,
    size_t max_bytes, struct eg_err *err);

#endif
