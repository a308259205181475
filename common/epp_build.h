/* SPDX-License-Identifier: MIT */
/*
 * epp_build.h - builder state shared by the cmd_*.c modules (private to them).
 *
 * A builder gets a document that already holds <epp xmlns="...epp-1.0">. It
 * reads every argument through a checked getter (epp_args.h) before it adds
 * the element that carries it, and on any failure returns -1 with b->err set;
 * the caller then frees the partial document, so nothing half-built leaves.
 *
 * Allocation failures are sticky: a helper that cannot allocate sets b->oom
 * and returns NULL, and every helper accepts a NULL parent and does nothing.
 * Builders therefore check arguments, not allocations; epp_request_build()
 * turns b->oom into EG_ENOMEM once the builder returns.
 *
 * Text and attribute values go into libxml2 text nodes verbatim and are
 * escaped when the document is serialized: no value is ever parsed as markup.
 */
#ifndef EG_EPP_BUILD_H
#define EG_EPP_BUILD_H

#include <json-c/json.h>
#include <libxml/tree.h>

#include "epp_cmd.h"
#include "err.h"

#define NS_EPP     "urn:ietf:params:xml:ns:epp-1.0"
#define NS_DOMAIN  "urn:ietf:params:xml:ns:domain-1.0"
#define NS_CONTACT "urn:ietf:params:xml:ns:contact-1.0"
#define NS_HOST    "urn:ietf:params:xml:ns:host-1.0"
#define NS_SECDNS  "urn:ietf:params:xml:ns:secDNS-1.1"
#define NS_RGP     "urn:ietf:params:xml:ns:rgp-1.0"
#define NS_FEE     "urn:ietf:params:xml:ns:epp:fee-1.0"
/* The same extension as some registries name it, and the two drafts of RFC 8748 still in
 * use, whose command elements (<fee:check>, <fee:create> and the other transforms) have
 * RFC 8748's syntax under their own namespace. */
#define NS_FEE_ALT "urn:ietf:params:xml:ns:fee-1.0"
#define NS_FEE_023 "urn:ietf:params:xml:ns:fee-0.23"
#define NS_FEE_021 "urn:ietf:params:xml:ns:fee-0.21"

struct epp_build {
	xmlDocPtr doc;            /* owned; the raw `xml` builder may replace it */
	xmlNodePtr epp;           /* the root */
	xmlNodePtr command;       /* <command>, created by eb_command(); NULL for <hello/> */
	xmlNodePtr extension;     /* <extension>, created on demand by eb_ext() */
	int oom;
	int has_cltrid;           /* the document already carries its clTRID (raw `xml`) */
	char cltrid[65];          /* that clTRID */
	enum epp_class klass;     /* starts as the table's class; builders may refine it */
	char obj_type[16];
	char obj_id[256];
	struct epp_objects objects;   /* the names the command acts on (epp_cmd.h) */
	const char *ext_uris;     /* the session's extensions (struct epp_build_opts), or NULL */
	struct eg_err *err;
};

/* <command><NAME/></command>: the command element (check, create, ...), placed before any
 * <extension>. */
xmlNodePtr eb_command(struct epp_build *b, const char *name);

/* A child of parent in namespace uri, declared on it with prefix:
 * <prefix:name xmlns:prefix="uri">. */
xmlNodePtr eb_object(struct epp_build *b, xmlNodePtr parent, const char *uri,
    const char *prefix, const char *name);

/* A child of <extension> (created after the command element when missing). */
xmlNodePtr eb_ext(struct epp_build *b, const char *uri, const char *prefix, const char *name);

/* A child of parent in parent's namespace, with text when text is not NULL. */
xmlNodePtr eb_el(struct epp_build *b, xmlNodePtr parent, const char *name, const char *text);

/* Same with a printf-formatted text (numbers). */
xmlNodePtr eb_elf(struct epp_build *b, xmlNodePtr parent, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Sets an attribute without namespace. Returns node. */
xmlNodePtr eb_attr(struct epp_build *b, xmlNodePtr node, const char *name, const char *value);

/* Removes node when it has no element child (empty <domain:add/> and friends). */
void eb_drop_if_empty(xmlNodePtr node);

/*
 * The fee extension namespace to build <fee:*> elements in, from b->ext_uris as
 * struct epp_build_opts says; NULL with b->err set (naming the argument key) when
 * the session has no fee extension this gate builds.
 */
const char *eb_fee_ns(struct epp_build *b, const char *key);

/* Records the one object a transform acts on (for the journal). */
void eb_target(struct epp_build *b, const char *type, const char *id);

/* Serializes doc compactly with an XML declaration into a malloc'd string. */
int eb_serialize(xmlDocPtr doc, char **xml, size_t *len, struct eg_err *err);

/* Sets up b, a struct the caller owns, with the document every command starts from:
 * <epp xmlns="urn:ietf:params:xml:ns:epp-1.0"/>. eb_clear() frees that document. */
int eb_init(struct epp_build *b, struct eg_err *err);
void eb_clear(struct epp_build *b);

/* Appends <clTRID>cltrid</clTRID> to <command>. */
int eb_cltrid(struct epp_build *b, const char *cltrid);

/*
 * 1 when s is a namespace URI libxml2 can write back safely: 1-1024 printable
 * ASCII characters other than space and the XML and URI delimiters < > " ' & \
 * ` { } | ^. libxml2 writes namespace declarations without escaping, so a
 * URI holding < or " would break the document.
 */
int eb_uri_ok(const char *s);

/* 1 when s (NUL-terminated) is a usable clTRID: 3-64 printable ASCII characters, no spaces
 * (epp:trIDStringType is a token of 3-64 characters). */
int eb_cltrid_ok(const char *s);

#endif
