/* SPDX-License-Identifier: MIT */
/*
 * cmdtest.h - helpers for the command builder tests (test_epp_cmd*.c): build
 * a request from JSON text, validate a document against the EPP schemas (plus
 * the fee-1.0 schema of tests/data/xsd), and compare two XML trees.
 */
#ifndef EG_CMDTEST_H
#define EG_CMDTEST_H

#include <json-c/json.h>
#include <libxml/tree.h>
#include <stddef.h>

#include "epp_cmd.h"
#include "err.h"

#define CT_CLTRID "TEST-0001-abcdef"

/* Parses and builds the request in json with clTRID CT_CLTRID. 0 or -1 as epp_request_build. */
int ct_build(const char *json, struct epp_request *out, struct eg_err *err);

/* Same from a json-c request object. */
int ct_build_obj(json_object *req, struct epp_request *out, struct eg_err *err);

/* 1 when xml validates against tests/data/xsd/epp-all.xsd (fee-1.0 included); else 0 and why says what.
 * The schema is loaded on first use and kept until ct_cleanup(). */
int ct_valid(const char *xml, size_t len, char *why, size_t cap);

/* Parses a document built by the gate (plain libxml2, for inspection). NULL when not
 * well-formed. */
xmlDocPtr ct_parse(const char *xml, size_t len);

/*
 * 1 when the trees are equal for the anchor tests: same elements by namespace URI and
 * local name, in order, same attributes, same stripped text (whitespace-only text
 * ignored), prefixes ignored, and the text of <clTRID> not compared. Else 0 and why.
 */
int ct_same_tree(xmlNodePtr got, xmlNodePtr want, char *why, size_t cap);

/* First element (depth-first) with this namespace URI and local name, or NULL. */
xmlNodePtr ct_find(xmlNodePtr from, const char *uri, const char *local);

/* Number of elements with this namespace URI and local name under from. */
int ct_count(xmlNodePtr from, const char *uri, const char *local);

/* Stripped text of the first such element into out ("" when absent); returns out. */
const char *ct_text(xmlDocPtr doc, const char *uri, const char *local, char *out, size_t cap);

/* 1 when some element's text or some attribute's value in doc equals s exactly. */
int ct_has_value(xmlDocPtr doc, const char *s);

void ct_cleanup(void);

#endif
