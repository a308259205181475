/* SPDX-License-Identifier: MIT */
/*
 * cmdinfo.h - the commands of the request protocol (README "Requests and
 * replies"), defined once: one row per command with its name, the object it
 * acts on, its class and whether a retry is safe.
 *
 * Data only: no libxml2, no OpenSSL, no I/O; json-c only to read a request's
 * args. The gate's command table (cmd_table.c) adds a builder to each row, the
 * client library decides from it what it may send again after losing its
 * connection, and `epp-codec commands` prints it.
 *
 * Classes follow RFC 5730 section 2.9: query commands (check, info, poll
 * op="req", transfer op="query") read; transform commands (create, delete,
 * renew, transfer, update, poll op="ack") change the registry; hello is a
 * session command (2.9.1.1) without side effects. The gate's own gate_status
 * never reaches the registry. A retry is safe for every class but transform.
 *
 * Four rows are refined by their args:
 *   domain_transfer,
 *   contact_transfer op "query" is a query; any other op (default "request")
 *                    a transform
 *   epp              by the command element under "command": check and info
 *                    are queries, poll and transfer are queries with "@op"
 *                    "req" or "query", everything else is a transform
 *   xml              stays a transform here: the client does not parse XML.
 *                    The gate parses the document and refines it as it would
 *                    the same command sent as `epp` (and <hello/> as a query),
 *                    so it may count as a query at the gate and still not be
 *                    re-sent by the client.
 */
#ifndef EG_CMDINFO_H
#define EG_CMDINFO_H

#include <json-c/json.h>
#include <stddef.h>

enum cmd_class {
	CMD_CLASS_QUERY,        /* reads only */
	CMD_CLASS_TRANSFORM,    /* changes the registry: never sent twice blindly */
	CMD_CLASS_SESSION,      /* hello */
	CMD_CLASS_LOCAL,        /* answered by the gate itself: no EPP at all */
};

/* A retry is safe for every class but transform. */
#define CMD_CLASS_RETRY_SAFE(k) ((k) != CMD_CLASS_TRANSFORM)

/* How a row's class is refined by the request's args. */
enum cmd_refine {
	CMD_REFINE_NONE,
	CMD_REFINE_OP,          /* domain_transfer, contact_transfer: args "op" */
	CMD_REFINE_ELEMENT,     /* epp: the command element in args "command" */
	CMD_REFINE_XML,         /* xml: only by parsing the document (the gate does) */
};

/* Row indices: the gate's builders are indexed by these (cmd_table.c). */
enum cmd_id {
	CMD_POLL_REQ,
	CMD_POLL_ACK,
	CMD_HOST_CHECK,
	CMD_HOST_INFO,
	CMD_HOST_CREATE,
	CMD_HOST_UPDATE,
	CMD_HOST_DELETE,
	CMD_CONTACT_CHECK,
	CMD_CONTACT_INFO,
	CMD_CONTACT_CREATE,
	CMD_CONTACT_UPDATE,
	CMD_CONTACT_DELETE,
	CMD_CONTACT_TRANSFER,
	CMD_DOMAIN_CHECK,
	CMD_DOMAIN_INFO,
	CMD_DOMAIN_CREATE,
	CMD_DOMAIN_DELETE,
	CMD_DOMAIN_RENEW,
	CMD_DOMAIN_UPDATE,
	CMD_DOMAIN_TRANSFER,
	CMD_HELLO,
	CMD_EPP,
	CMD_XML,
	CMD_GATE_STATUS,
	CMD_COUNT
};

struct cmdinfo {
	enum cmd_id id;             /* its index in the table */
	const char *name;           /* "domain_check" */
	const char *object;         /* "domain", "contact", "host", or "" */
	enum cmd_class klass;       /* without refinement (for the transfers: op "request") */
	enum cmd_refine refine;
	int retry_safe;             /* CMD_CLASS_RETRY_SAFE(klass) */
};

/* The table, indexed by enum cmd_id. */
extern const struct cmdinfo cmdinfo_table[CMD_COUNT];

/* The row of a command name (exact, case-sensitive), or NULL. */
const struct cmdinfo *cmdinfo_find(const char *name);

/* Row i (iteration, in the table's order); NULL from CMD_COUNT on. */
const struct cmdinfo *cmdinfo_at(size_t i);

/*
 * The class of one request: the row's class refined by args (may be NULL) as
 * above. CMD_REFINE_XML rows keep their class. Unknown names are transforms:
 * whatever the gate makes of them, the client does not guess.
 */
enum cmd_class cmdinfo_classify(const char *name, json_object *args);

/* The class of an EPP command element ("check", "poll", ...) with its op
 * attribute (NULL when absent): the rule the `epp` and `xml` commands follow. */
enum cmd_class cmdinfo_element_class(const char *element, const char *op);

/* Whether a request may be sent a second time: its class is not a transform. */
int cmdinfo_retry_safe(const char *name, json_object *args);
int cmdinfo_class_retry_safe(enum cmd_class klass);

/* "query", "transform", "session", "local". */
const char *cmdinfo_class_name(enum cmd_class klass);

#endif
