/* SPDX-License-Identifier: MIT */
/*
 * registry_profile.h - what the registry offers and what the gate logs in with.
 *
 * Two parts:
 *
 *  - pure functions over one greeting (common/epp_resp.h): rp_negotiate() chooses the
 *    login's version, lang, objURIs and extURIs, and rp_command_check() tells whether a
 *    typed command only uses services that login asked for. Every announced URI is read
 *    as registries write it (a "URI schemaLocation" pair gives its URI) and sent back
 *    exactly as spelled; the gate logs in with every service offered (restricted by
 *    epp.obj_uris / epp.ext_uris when set) and never refuses a greeting for offering
 *    services it has no typed commands for: the generic epp and xml commands can use them
 *    (README.md, "What greetings the gate reads").
 *
 *  - struct registry_profile, the one place the AMQP thread and the session threads see
 *    what the last login negotiated: the supervisor (supervisor.h) updates it after each
 *    login, gate_status shows it, and a command builder asks it which fee extension was
 *    negotiated (registry_profile_fee_uri). Thread-safe: one mutex inside, never held
 *    while calling out.
 */
#ifndef EG_REGISTRY_PROFILE_H
#define EG_REGISTRY_PROFILE_H

#include <json-c/json.h>
#include <stddef.h>

#include "config.h"
#include "epp_resp.h"
#include "err.h"

#define RP_OBJS 1024
#define RP_EXTS 4096
#define RP_NOTES 1024

/* One login's choice. Lists are URIs separated by one space, each as the registry spells
 * it (the first token of what it announced). A plain struct: copied freely. */
struct rp_login {
	char svid[128];
	char version[16];             /* <options><version> sent */
	char lang[16];                /* <options><lang> sent */
	char offered_objs[RP_OBJS];   /* every objURI the greeting offers */
	char offered_exts[RP_EXTS];   /* every extURI */
	char objs[RP_OBJS];           /* the objURIs the login asks for */
	char exts[RP_EXTS];           /* the extURIs the login asks for */
	char notes[RP_NOTES];         /* what the operator should be warned about, "; " between
	                                 notes; "" when nothing */
};

/*
 * Chooses what to log in with (README.md, "What greetings the gate reads"):
 *   version  "1.0" when the greeting offers it, else the first it offers (noted);
 *   lang     epp.lang (default "en") when offered, else the first offered (noted);
 *   objURIs  every one offered, or those epp.obj_uris names (a configured URI names an
 *            offered one when it is the same string or the same service in a compatible
 *            version, so "urn:ietf:params:xml:ns:domain-1.0" selects an offered
 *            "urn:ietf:params:xml:ns:domain"); configured ones not offered are left out
 *            (noted); offered ones without typed commands are noted, never refused;
 *   extURIs  the same with epp.ext_uris (an empty list: none).
 * -1 with err when no objURI is left: EG_ECONFIG when epp.obj_uris excluded every offered
 * one, EG_EPROTO when the greeting offers none.
 */
int rp_negotiate(const struct epp_greeting *g, const struct cfg_epp *c, struct rp_login *l,
    struct eg_err *err);

/*
 * Whether a typed command (its XML) uses only services the login asked for: every
 * namespace it declares other than EPP's own must be covered (epp_uri_covers) by one of
 * l->objs (domain, contact, host) or l->exts (everything else). 0 when it is; -1 with
 * err (EG_EPROTO) saying what is missing and what the greeting offers instead, e.g. "the
 * registry does not offer the contact service (urn:ietf:params:xml:ns:contact-1.0); its
 * greeting offers: urn:ietf:params:xml:ns:obj1".
 */
int rp_command_check(const struct rp_login *l, const char *xml, size_t len,
    struct eg_err *err);

/* Whether one of the URIs in a list (space-separated) covers uri (epp_uri_covers). */
int rp_list_covers(const char *list, const char *uri);

/* The fee extension a login asked for, as spelled, into out: 1; 0 when none (out ""). With
 * several, the newest version; between equal versions RFC 8748's epp: spelling. */
int rp_fee_uri(const struct rp_login *l, char *out, size_t cap);

/* Splits a list (modified in place) into at most max URIs; returns how many. */
size_t rp_split(char *list, const char **out, size_t max);

struct registry_profile;

/* NULL only when out of memory. */
struct registry_profile *registry_profile_new(void);
void registry_profile_free(struct registry_profile *p);    /* NULL allowed */

/* A login succeeded with l: 1 when what the registry offers or what was negotiated differs
 * from the last login's (the first login too), 0 when it is the same. */
int registry_profile_update(struct registry_profile *p, const struct rp_login *l);

/* The last login's choice into out: 1; 0 before the first login. */
int registry_profile_get(struct registry_profile *p, struct rp_login *out);

/* The fee extension the last login negotiated (rp_fee_uri) into out: 1; 0 when the login
 * took none; -1 before the first login. For the builders on the AMQP thread, which must
 * write the fee version the registry accepts. */
int registry_profile_fee_uri(struct registry_profile *p, char *out, size_t cap);

/* For gate_status: svID, version, lang, offered and negotiated URIs, the fee extension in
 * use, logins counted; JSON null before the first login. New object (or NULL for null). */
json_object *registry_profile_json(struct registry_profile *p);

#endif
