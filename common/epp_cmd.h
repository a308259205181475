/* SPDX-License-Identifier: MIT */
/*
 * epp_cmd.h - JSON request to EPP XML command (README "Requests and replies").
 *
 * The commands themselves (names, objects, classes) are the shared table of
 * cmdinfo.h; this table adds a builder to each row. Adding a command means
 * adding a row there and a builder here, nothing else. Builders read
 * arguments through the checked getters of epp_args.h and build the document
 * with libxml2, so every value is escaped, elements come in schema order, and
 * every refusal names the argument.
 *
 * Pure: no I/O, no logging. Errors come back in struct eg_err with the
 * message only (no "failed reading EPP request: " prefix); epp_reply.h turns
 * an error into the gate's reply text.
 */
#ifndef EG_EPP_CMD_H
#define EG_EPP_CMD_H

#include <json-c/json.h>
#include <stddef.h>

#include "cmdinfo.h"
#include "err.h"

/*
 * How the gate runs a request. A session command (hello) runs like a query:
 * it may be re-sent, and the rate limiter counts it with the queries.
 */
enum epp_class {
	EPP_CLASS_QUERY,       /* check, info, poll req, hello, transfer query: re-sendable */
	EPP_CLASS_TRANSFORM,   /* create, update, delete, renew, transfer ops, poll ack */
	EPP_CLASS_LOCAL,       /* answered by the gate itself (gate_status): no XML */
};

/* The gate's class of a command class (cmdinfo.h). */
enum epp_class epp_class_of(enum cmd_class k);

struct epp_build;          /* builder state, private to the cmd_*.c modules */

struct epp_command {
	const struct cmdinfo *info;                           /* name, object, class */
	int (*build)(struct epp_build *b, json_object *args); /* NULL for CMD_CLASS_LOCAL */
};

/*
 * The names of the objects a request acts on, for its log line: domain and host
 * names, contact ids, in the order of the request. Bounded: the first
 * EPP_OBJECTS_KEEP names that fit in buf are kept, the others only counted. Never
 * anything else of the arguments (authInfo, passwords, addresses).
 */
#define EPP_OBJECTS_KEEP 5

struct epp_objects {
	unsigned n;               /* names kept in buf */
	unsigned more;            /* names left out */
	size_t len;               /* bytes of buf in use */
	char buf[512];            /* the n names one after another, each NUL-terminated */
};

/* Adds name[0..len); counts it in more when EPP_OBJECTS_KEEP names are kept already or
 * it does not fit (then every later one is counted too, so the kept ones are the first). */
void epp_objects_add(struct epp_objects *o, const char *name, size_t len);

struct epp_request {
	const struct cmdinfo *cmd;  /* the command's row */
	enum epp_class klass;     /* of this request: a transfer with op "query" is a query */
	char *xml;                /* complete command document incl. clTRID (malloc'd), or NULL */
	size_t xml_len;
	char cltrid[65];          /* the clTRID inside xml */
	char obj_type[16];        /* "domain", "contact", "host", or "" */
	char obj_id[256];         /* the one object a transform acts on (for the journal), or "" */
	struct epp_objects objects;   /* every object it names (for the log) */
};

/* Parses request JSON text: an object with a string "cmd" and, when present, an object
 * (or null) "args". NULL with EG_EREQUEST on failure. */
json_object *epp_request_parse(const char *json, size_t len, struct eg_err *err);

/*
 * What the builders need to know about the registry session a request will go to
 * (the builders stay pure: the caller hands it in). A zeroed struct, or NULL, means
 * "not known": then the builders use the defaults said below.
 */
struct epp_build_opts {
	/*
	 * The extension URIs the session logged in with (<svcExtension>), separated by
	 * spaces as the gate keeps them; NULL when not known. Today it picks the fee
	 * extension (RFC 8748) the `fee` arguments are built in: urn:ietf:params:xml:ns:
	 * epp:fee-1.0, or its alias fee-1.0, or the drafts' fee-0.23 and fee-0.21, whose
	 * command elements are those of RFC 8748 under another namespace, in that order
	 * of preference. A request with `fee` is refused when the list holds none of
	 * them, with a message naming the fee version the registry has if any. NULL:
	 * epp:fee-1.0.
	 */
	const char *ext_uris;
};

/*
 * Builds the command for a parsed request. cltrid goes into the document,
 * except for a raw `xml` request that carries its own clTRID (then out->cltrid
 * is that one) and for `hello`, which has none (out->cltrid is ""). The schema
 * makes a clTRID a token of 3-64 characters: cltrid must be 3-64 printable
 * ASCII characters without spaces, else EG_EPROTO.
 * Errors: EG_EREQUEST (message names the argument: "argument 'period': must be
 * an integer from 1 to 99"), EG_EUNKNOWN (message is the command name as given),
 * EG_ENOMEM. gate_status (EPP_CLASS_LOCAL) succeeds with out->xml NULL.
 * On success the caller owns out and calls epp_request_clear().
 */
int epp_request_build(json_object *req, const char *cltrid, struct epp_request *out,
    struct eg_err *err);
/* The same for a known session (opts may be NULL: epp_request_build()). */
int epp_request_build_opts(json_object *req, const char *cltrid,
    const struct epp_build_opts *opts, struct epp_request *out, struct eg_err *err);
void epp_request_clear(struct epp_request *r);

/* The gate's row of a command (the shared row and its builder), or NULL. */
const struct epp_command *epp_command_find(const char *name);
const struct epp_command *epp_command_at(size_t i);   /* by enum cmd_id; NULL past the end */

/* Session commands, built by the session layer. login carries secrets: never log it. */
struct epp_login {
	const char *clid;
	const char *pw;
	const char *newpw;                /* NULL: no password change */
	const char *version;              /* NULL: "1.0" */
	const char *lang;                 /* NULL: "en" */
	const char *const *obj_uris;
	size_t n_obj;
	const char *const *ext_uris;
	size_t n_ext;
};

/* Each returns 0 and a malloc'd document in *xml / *len, or -1 with err set. */
int epp_build_login(const struct epp_login *l, const char *cltrid, char **xml, size_t *len,
    struct eg_err *err);
int epp_build_logout(const char *cltrid, char **xml, size_t *len, struct eg_err *err);
int epp_build_hello(char **xml, size_t *len, struct eg_err *err);

#endif
