/* SPDX-License-Identifier: MIT */
/*
 * xml2json.h - EPP XML to JSON, exactly as the reference gate converts it
 * (README.md, "Requests and replies": ElementTree + the xml2json "internal" form).
 *
 *   <result code="1000"><msg>OK</msg></result>
 *   => {"result": {"@code": "1000", "msg": "OK"}}
 *
 * Pure: bytes in, json-c object out; no I/O, no logging. Parsing goes through
 * eg_xml_parse() (xmlsafe.h); internal entities are expanded here within a
 * budget (lim->max_expansion bytes of replacement text in total), external or
 * undefined entities are errors.
 */
#ifndef EG_XML2JSON_H
#define EG_XML2JSON_H

#include <json-c/json.h>
#include <libxml/tree.h>
#include <stddef.h>

#include "err.h"

struct x2j_limits {
	size_t max_bytes;       /* refuse larger documents; 0 = 16 MiB */
	size_t max_expansion;   /* total bytes produced by entity expansion; 0 = 1 MiB */
};

/* Converts a document. Returns a new json-c object (json_object_put() it), or NULL with
 * err set: EG_ERESPONSE (not well-formed, undefined/external entity), EG_ELIMIT. lim may
 * be NULL for the defaults. */
json_object *x2j_convert(const char *xml, size_t len, const struct x2j_limits *lim,
    struct eg_err *err);

/* The same with a parser kept by the caller (xmlsafe.h), for a thread that converts many
 * documents. */
struct eg_xml_parser;
json_object *x2j_convert_with(struct eg_xml_parser *p, const char *xml, size_t len,
    const struct x2j_limits *lim, struct eg_err *err);

/* Converts an already parsed document (the caller keeps doc). */
json_object *x2j_convert_doc(xmlDocPtr doc, const struct x2j_limits *lim, struct eg_err *err);

/* JSON text of a converted object, compact, "/" not escaped, non-ASCII as UTF-8.
 * The string belongs to obj (json-c semantics): copy it if obj is released. */
const char *x2j_to_string(json_object *obj, size_t *len);

#endif
