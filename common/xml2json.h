/* SPDX-License-Identifier: MIT */
/*
 * xml2json.h - EPP XML to JSON, exactly as the reference gate converts it
 * (README.md, "Requests and replies": ElementTree + the xml2json "internal" form).
 *
 *   <result code="1000"><msg>OK</msg></result>
 *   => {"result": {"@code": "1000", "msg": "OK"}}
 *
 * Pure: bytes in, json-c object or JSON text out; no I/O, no logging. Parsing
 * goes through eg_xml_parse() (xmlsafe.h); internal entities are expanded here
 * within a budget (lim->max_expansion bytes of replacement text in total),
 * external or undefined entities are errors.
 */
#ifndef EG_XML2JSON_H
#define EG_XML2JSON_H

#include <json-c/json.h>
#include <libxml/tree.h>
#include <stddef.h>

#include "buf.h"
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

/*
 * The JSON text straight from the tree, without json-c objects: appends to out
 * exactly what x2j_to_string() gives for the object x2j_convert*() makes of
 * the same document, and fails where it fails, with the same error (running
 * out of memory aside). Returns 0, or -1 with err set and out as it was before
 * the call. x2j_write_doc() leaves doc to the caller.
 *
 * facts, when not NULL, receives what epp_resp.h's readers would read from
 * that object (epp_facts_code() and the like); it is emptied on failure.
 */
struct epp_facts;
int x2j_write(const char *xml, size_t len, const struct x2j_limits *lim, struct buf *out,
    struct epp_facts *facts, struct eg_err *err);
int x2j_write_with(struct eg_xml_parser *p, const char *xml, size_t len,
    const struct x2j_limits *lim, struct buf *out, struct epp_facts *facts,
    struct eg_err *err);
int x2j_write_doc(xmlDocPtr doc, const struct x2j_limits *lim, struct buf *out,
    struct epp_facts *facts, struct eg_err *err);

/* Appends s[0..n) as a JSON string, quoted and escaped exactly as x2j_to_string()
 * escapes strings; for replies written as text around converted documents. 0, or -1
 * when out of memory (out then holds a partial string: reset it). */
int x2j_put_string(struct buf *out, const char *s, size_t n);

#endif
