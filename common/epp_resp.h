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

/*
 * What a greeting offers (RFC 5730 section 2.4, <svcMenu>), as the registry wrote it: the
 * strings point into root, untrimmed. An objURI or extURI may be a "URI schemaLocation"
 * pair; epp_uri_token() reads the URI in it.
 */
#define EPP_MAX_LANGS 16
#define EPP_MAX_VERSIONS 8

struct epp_greeting {
	const char *svid;
	const char *obj[EPP_MAX_URIS];
	size_t n_obj;
	const char *ext[EPP_MAX_URIS];
	size_t n_ext;
	const char *version[EPP_MAX_VERSIONS];
	size_t n_version;
	const char *lang[EPP_MAX_LANGS];
	size_t n_lang;
};

/* 0 and g filled when root is a greeting; -1 otherwise. URIs, versions and languages beyond
 * the arrays are ignored. */
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
	size_t version[EPP_MAX_VERSIONS], lang[EPP_MAX_LANGS];
	size_t n_obj, n_ext, n_version, n_lang;
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

/*
 * The URI in an announced objURI or extURI, as the registry spells it: the first
 * whitespace-separated token of the text. Registries write "URI schemaLocation" pairs
 * ("urn:ietf:params:xml:ns:domain-1.0 domain-1.0.xsd"), as in xsi:schemaLocation; the
 * schema location is not part of the service's name. Copied into out (cap bytes with the
 * NUL); returns its length, 0 when the text holds no token or it does not fit.
 */
size_t epp_uri_token(const char *text, char *out, size_t cap);

/* The services the gate's typed commands use (README.md, "Requests and replies"). */
enum epp_svc {
	EPP_SVC_OTHER,     /* anything else: only the generic epp and xml commands use it */
	EPP_SVC_DOMAIN,    /* RFC 5731 */
	EPP_SVC_CONTACT,   /* RFC 5733 */
	EPP_SVC_HOST,      /* RFC 5732 */
	EPP_SVC_SECDNS,    /* RFC 5910 */
	EPP_SVC_RGP,       /* RFC 3915 */
	EPP_SVC_FEE,       /* RFC 8748 and the drafts before it (fee-0.N) */
};

/*
 * The service a URI names, in each spelling registries use for it:
 *   urn:ietf:params:xml:ns:NAME-VERSION      the RFCs' (urn:ietf:params:xml:ns:domain-1.0)
 *   urn:ietf:params:xml:ns:NAME              versionless: the service, version unsaid
 *   urn:ietf:params:xml:ns:epp:NAME-VERSION  the epp: sub-namespace of RFC 8748 and later
 * with "urn:ietf:params:xml:ns:" in any case (the NID of a URN is case-insensitive, RFC
 * 8141 section 3.1). NAME is domain, contact, host, secDNS, rgp or fee. version (when not
 * NULL) gets the VERSION ("1.0", "0.23"; "" when versionless). EPP_SVC_OTHER for any other
 * URI.
 */
enum epp_svc epp_uri_service(const char *uri, char *version, size_t cap);

/* "domain", "contact", "host", "secDNS", "rgp", "fee"; "" for EPP_SVC_OTHER. */
const char *epp_svc_name(enum epp_svc s);

/* Whether an announced URI (offered) covers a namespace a command uses (uri): the same
 * string, or the same service in the same version, or the service announced without a
 * version. */
int epp_uri_covers(const char *offered, const char *uri);

/* Compares dotted version numbers ("0.23" < "1.0"): <0, 0, >0. "" is the lowest. */
int epp_version_cmp(const char *a, const char *b);

#endif
