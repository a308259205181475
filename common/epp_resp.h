/* SPDX-License-Identifier: MIT */
/*
 * epp_resp.h - the few facts the gate reads from a converted EPP response
 * (the json-c form of xml2json.h). Returned strings point into root.
 */
#ifndef EG_EPP_RESP_H
#define EG_EPP_RESP_H

#include <json-c/json.h>
#include <stddef.h>

#define EPP_MAX_URIS 64

/* Code of the first <result>, or -1 when the document is not an EPP response. */
int epp_resp_code(json_object *root);
/* Text of the first result's <msg> (with or without a lang attribute), or NULL. */
const char *epp_resp_msg(json_object *root);
/* <trID><clTRID> of a response, or NULL. */
const char *epp_resp_cltrid(json_object *root);

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
