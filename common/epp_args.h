/* SPDX-License-Identifier: MIT */
/*
 * epp_args.h - checked getters for the "args" object of a JSON request.
 *
 * Every getter looks up one member, checks its JSON type and the rule the EPP
 * schemas put on it, and on failure fills err with EG_EREQUEST and a message
 * that names the argument by its path ("period", "contacts[1].address.cc"):
 *
 *   missing argument 'name'
 *   argument 'period': must be an integer from 1 to 99
 *   argument 'domains': must be a list of strings
 *
 * A member that is absent or JSON null counts as not given (the reference's
 * callers send null for "no value"). Strings handed out point into the json-c
 * object and live as long as it does. Every string is checked with
 * utf8_xml_ok(): valid UTF-8 and only characters XML allows.
 *
 * Domain and host names go through ea_name() and its list forms, which give
 * the name to send (A-labels, lower case: idn.h) in a buffer of the caller's.
 *
 * Pure: no allocation beyond the stack (and libidn2's own, freed before a
 * name getter returns), no I/O, no global state.
 */
#ifndef EG_EPP_ARGS_H
#define EG_EPP_ARGS_H

#include <json-c/json.h>
#include <stddef.h>

#include "err.h"
#include "idn.h"

#define EA_PATH_MAX 128          /* longest argument path kept for messages */
#define EA_TEXT_MAX 65536        /* characters in any string without a tighter schema bound */
#define EA_NAME_BUF (IDN_NAME_MAX + 1)   /* a name to send and its NUL */

/* String rules. Lengths are in characters, as XML Schema counts them. */
enum ea_kind {
	EA_TEXT,     /* any text XML allows (normalizedString, mixed content) */
	EA_TOKEN,    /* xsd:token as sent: no tab/CR/LF, no leading, trailing or double spaces */
};

struct ea_rule {
	enum ea_kind kind;
	size_t min;              /* 0: may be empty */
	size_t max;              /* 0: EA_TEXT_MAX */
};

/* Rules shared by several commands (values from eppcom-1.0 and the object schemas). */
extern const struct ea_rule EA_LABEL;     /* eppcom:labelType: token, 1-255 */
extern const struct ea_rule EA_CLID;      /* eppcom:clIDType: token, 3-16 (contact ids) */
extern const struct ea_rule EA_PW;        /* authInfo pw: non-empty text, at most 255 */
extern const struct ea_rule EA_ANYTEXT;   /* text, may be empty */
extern const struct ea_rule EA_NETEXT;    /* text, not empty */

/* Writes the path of a member ("key" or "ctx.key") or of a list item ("ctx[i]") into buf. */
void ea_path(char *buf, size_t cap, const char *ctx, const char *key);
void ea_path_idx(char *buf, size_t cap, const char *ctx, size_t idx);

/* The member key of o, or NULL when o is not an object, or the member is absent or null. */
json_object *ea_member(json_object *o, const char *key);

/* Checks a string value against a rule; path names it in messages. */
int ea_check_str(json_object *v, const char *path, const struct ea_rule *r, const char **out,
    struct eg_err *err);

/* String member. *out is NULL when not given and not required. */
int ea_str(json_object *o, const char *ctx, const char *key, int required,
    const struct ea_rule *r, const char **out, struct eg_err *err);

/*
 * Integer member from min to max, given as a JSON integer or a string of decimal
 * digits (the reference's callers send both: "period": "2"). *present tells whether
 * it was given (NULL when required).
 */
int ea_int(json_object *o, const char *ctx, const char *key, int required, long long min,
    long long max, long long *out, int *present, struct eg_err *err);

/* Same for a value already in hand (list items, "command" values). */
int ea_check_int(json_object *v, const char *path, long long min, long long max,
    long long *out, struct eg_err *err);

/*
 * A non-negative decimal amount (fees, RFC 8748 section 6: xsd:decimal, at least 0)
 * into out, as the text that goes out:
 *  - a string of digits with an optional fraction: "100", "100.00", "0.5" (no sign,
 *    exponent or spaces), at most EA_DECIMAL_MAX characters; sent as given;
 *  - a JSON number only when it is exact: plain notation (no exponent) and at most
 *    15 significant digits, which every binary double reproduces, so that the text is
 *    what its sender meant; 0.30000000000000004 (0.1 + 0.2 in floating point) is
 *    refused. Sent as written in the request.
 * *present as ea_int.
 */
#define EA_DECIMAL_MAX 32
int ea_decimal(json_object *o, const char *ctx, const char *key, int required,
    char out[EA_DECIMAL_MAX + 1], int *present, struct eg_err *err);

/* One of values (a NULL-terminated list). Not given: *out = dflt (may be NULL). */
int ea_enum(json_object *o, const char *ctx, const char *key, int required,
    const char *const *values, const char *dflt, const char **out, struct eg_err *err);

/* Object member; *out is NULL when not given and not required. */
int ea_obj(json_object *o, const char *ctx, const char *key, int required, json_object **out,
    struct eg_err *err);

/*
 * List member with min..max items; *out is NULL and *n 0 when not given and not
 * required. Items are not checked here.
 */
int ea_list(json_object *o, const char *ctx, const char *key, int required, size_t min,
    size_t max, json_object **out, size_t *n, struct eg_err *err);

/* List of strings, each checked against r. Same conventions as ea_list. */
int ea_strlist(json_object *o, const char *ctx, const char *key, int required, size_t min,
    size_t max, const struct ea_rule *r, json_object **out, size_t *n, struct eg_err *err);

/*
 * A domain or host name (RFC 5731 / 5732 names, RFC 5731 hostObj): text as
 * ea_check_str() takes a token, then idn_to_ascii(). out receives the name to
 * send: "münchen.example" gives "xn--mnchen-3ya.example", "Example.COM" gives
 * "example.com". The message names the argument and gives the reason:
 *   argument 'nameservers[1]': label 'a b' holds a space; a label has letters,
 *   digits and hyphens only (RFC 5891 4.2.3)
 */
int ea_check_name(json_object *v, const char *path, char out[EA_NAME_BUF],
    struct eg_err *err);

/* Name member; *name is out, or NULL when not given and not required. */
int ea_name(json_object *o, const char *ctx, const char *key, int required,
    char out[EA_NAME_BUF], const char **name, struct eg_err *err);

/*
 * List of names: a list of min..max strings, as ea_list(). The items are
 * checked and converted one at a time by ea_name_at(), as the builder takes
 * them (so no list of converted names is kept anywhere).
 */
int ea_namelist(json_object *o, const char *ctx, const char *key, int required, size_t min,
    size_t max, json_object **out, size_t *n, struct eg_err *err);

/* Item i of a list from ea_namelist() (ctx, key: its path), checked into out. */
int ea_name_at(json_object *list, const char *ctx, const char *key, size_t i,
    char out[EA_NAME_BUF], struct eg_err *err);

/* Strict boolean: JSON true/false or the strings "true"/"false". *out = dflt when absent. */
int ea_bool(json_object *o, const char *ctx, const char *key, int dflt, int *out,
    struct eg_err *err);

/* Python truthiness of a member, as the reference tested `if args.get(key)`: absent,
 * null, false, 0, "", [] and {} are false. Never fails. */
int ea_truthy(json_object *o, const char *key);

/* EG_EREQUEST "argument 'PATH': MESSAGE"; returns -1. */
int ea_fail(struct eg_err *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
