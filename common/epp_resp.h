/* SPDX-License-Identifier: MIT */
/*
 * epp_resp.h - the few facts the gate reads from a converted EPP response:
 * from the json-c form of xml2json.h (returned strings point into root), or
 * gathered while x2j_write() writes the JSON text (struct epp_facts).
 */
#ifndef EG_EPP_RESP_H
#define EG_EPP_RESP_H

#include <json-c/json.h>
#include <stddef.h>

#include "buf.h"

#define EPP_MAX_URIS 64

/* Code of the first <result>, or -1 when the document is not an EPP response. */
int epp_resp_code(json_object *root);
/* Text of the first result's <msg> (with or without a lang attribute), or NULL. */
const char *epp_resp_msg(json_object *root);
/* <trID><clTRID> of a response, or NULL. */
const char *epp_resp_cltrid(json_object *root);
/* <trID><svTRID> of a response, or NULL. */
const char *epp_resp_svtrid(json_object *root);

struct epp_greeting {
	const char *svid;
	const char *obj[EPP_MAX_URIS];
	size_t n_obj;
	const char *ext[EPP_MAX_URIS];
	size_t n_ext;
};

/* 0 and g filled when root is a greeting; -1 otherwise. URIs beyond EPP_MAX_URIS are
 * ignored. */
int epp_resp_greeting(json_object *root, struct epp_greeting *g);

/*
 * The same facts without the json-c object: x2j_write() fills a struct
 * epp_facts while it writes the text, and each epp_facts_ reader below gives
 * what the epp_resp_ reader of the same name gives for the object of that
 * document, odd documents included (several <result>: the first; several
 * <response> or <greeting>: none). A struct that was never filled reads as a
 * document that is not EPP. Strings point into f and stay valid until f is
 * filled again or cleared.
 */
#define EPP_FACTS_NONE ((size_t)-1)

struct epp_facts {
	/* private: offsets into text (EPP_FACTS_NONE when absent) */
	unsigned seen;                  /* elements taken: only the first of a kind counts */
	unsigned n_response, n_greeting;
	int greeting_object;            /* the greeting's value is a JSON object */
	size_t code, msg, cltrid, svtrid, svid;
	size_t obj[EPP_MAX_URIS], ext[EPP_MAX_URIS];
	size_t n_obj, n_ext;
	struct buf text;
};

void epp_facts_init(struct epp_facts *f);
void epp_facts_clear(struct epp_facts *f);
int epp_facts_code(const struct epp_facts *f);
const char *epp_facts_msg(const struct epp_facts *f);
const char *epp_facts_cltrid(const struct epp_facts *f);
const char *epp_facts_svtrid(const struct epp_facts *f);
int epp_facts_greeting(const struct epp_facts *f, struct epp_greeting *g);

/*
 * For the walk of xml2json.c. Each element gets a role from its parent's
 * (0: nothing to gather below it; the root element's parent is EPP_FACTS_DOC)
 * and reports its stripped leading text (what "#text" or its string value
 * holds), its attributes by JSON key, and whether its value is an object.
 * The int functions return -1 when out of memory.
 */
#define EPP_FACTS_DOC 1u
void epp_facts_reset(struct epp_facts *f);
unsigned epp_facts_child(struct epp_facts *f, unsigned parent, const char *name);
int epp_facts_text(struct epp_facts *f, unsigned role, const char *p, size_t n);
int epp_facts_attr(struct epp_facts *f, unsigned role, const char *key, const char *p,
    size_t n);
void epp_facts_value(struct epp_facts *f, unsigned role, int object);

#endif
