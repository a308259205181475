/* SPDX-License-Identifier: MIT */
/*
 * sim_xml.h - reading EPP commands and writing EPP responses, for epp-sim.
 *
 * Reading: documents come from eg_xml_parse() (xmlsafe.h). Elements are found
 * by namespace URI and local name, never by prefix: the prefix is the
 * client's choice. Values are read as XML Schema tokens (leading, trailing
 * and repeated whitespace collapsed) into bounded buffers.
 *
 * Writing: struct sx_resp collects the parts of a <response> as unlinked
 * libxml2 nodes and puts them together in schema order (result, msgQ,
 * resData, extension, trID) when finished, so callers may add them in any
 * order, and an error result drops whatever data was built before it. All
 * text and attribute values go through libxml2 and are escaped there.
 */
#ifndef EPPSIM_SIM_XML_H
#define EPPSIM_SIM_XML_H

#include <libxml/tree.h>
#include <stddef.h>

#include "buf.h"

#define SX_NS_EPP     "urn:ietf:params:xml:ns:epp-1.0"
#define SX_NS_DOMAIN  "urn:ietf:params:xml:ns:domain-1.0"
#define SX_NS_HOST    "urn:ietf:params:xml:ns:host-1.0"
#define SX_NS_CONTACT "urn:ietf:params:xml:ns:contact-1.0"
#define SX_NS_SECDNS  "urn:ietf:params:xml:ns:secDNS-1.1"
#define SX_NS_RGP     "urn:ietf:params:xml:ns:rgp-1.0"
#define SX_NS_FEE     "urn:ietf:params:xml:ns:epp:fee-1.0"

/* ---- reading ---- */

/* 1 when n is an element in namespace ns (NULL: any) with local name name (NULL: any). */
int sx_is(xmlNodePtr n, const char *ns, const char *name);
/* First child element of n that sx_is() accepts, or NULL. */
xmlNodePtr sx_child(xmlNodePtr n, const char *ns, const char *name);
/* Next sibling element after n that sx_is() accepts, or NULL. */
xmlNodePtr sx_next(xmlNodePtr n, const char *ns, const char *name);
/* Number of child elements of n. */
size_t sx_count(xmlNodePtr n);

/* Text of n as a token into dst. 0, or -1 when it does not fit (dst then holds "").
 * n NULL gives "". */
int sx_text(xmlNodePtr n, char *dst, size_t cap);
/* Text of n as a token, malloc'd (NULL only when out of memory). */
char *sx_text_dup(xmlNodePtr n);
/* Attribute without namespace. 1 found, 0 absent (dst ""), -1 too long (dst ""). */
int sx_attr(xmlNodePtr n, const char *name, char *dst, size_t cap);

/* ---- writing ---- */

struct sx_resp {
	xmlDocPtr doc;
	xmlNsPtr ns;              /* EPP's, declared on the root */
	int code;                 /* 0 until a result is set: 1000 is assumed */
	char msg[512];
	xmlNodePtr msgq;          /* unlinked parts, put together by sx_resp_finish() */
	xmlNodePtr resdata;
	xmlNodePtr ext;
};

/* Standard text of an EPP result code (RFC 5730 section 3), or "Unknown result". */
const char *sx_code_text(int code);

/* 0, or -1 when out of memory. */
int sx_resp_init(struct sx_resp *r);
/* Sets the result. fmt NULL: the standard text; else "standard text: detail". */
void sx_resp_result(struct sx_resp *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* New element NAME in namespace ns (declared on it with prefix) under <resData> or
 * <extension>. NULL when out of memory. */
xmlNodePtr sx_resp_data(struct sx_resp *r, const char *ns, const char *prefix,
    const char *name);
xmlNodePtr sx_resp_ext(struct sx_resp *r, const char *ns, const char *prefix,
    const char *name);
/* <msgQ count= id=>; returns it so that qDate and msg can be added. */
xmlNodePtr sx_resp_msgq(struct sx_resp *r, unsigned long count, const char *id);

/* Child element of parent in parent's namespace, with escaped text (NULL: empty). */
xmlNodePtr sx_add(xmlNodePtr parent, const char *name, const char *text);
xmlNodePtr sx_addf(xmlNodePtr parent, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Child element in another namespace (declared on the child). */
xmlNodePtr sx_add_ns(xmlNodePtr parent, const char *ns, const char *prefix,
    const char *name);
void sx_set_attr(xmlNodePtr n, const char *name, const char *value);

/*
 * Assembles the response with its trID (cltrid NULL or "": no clTRID) and
 * serialises it into out (reset first). Releases everything r holds, on
 * failure too. 0, or -1 when out of memory.
 */
int sx_resp_finish(struct sx_resp *r, const char *cltrid, const char *svtrid,
    struct buf *out);
void sx_resp_discard(struct sx_resp *r);

/* Serialises a whole document into out (reset first). 0 or -1. */
int sx_doc_dump(xmlDocPtr doc, struct buf *out);

#endif
