/* SPDX-License-Identifier: MIT */
/*
 * registry.h - epp-sim's registry: accounts, domains, hosts, contacts and
 * poll queues in memory, and the EPP commands that work on them
 * (RFC 5730-5733, with secDNS-1.1, rgp-1.0 and fee-1.0).
 *
 * Pure: a parsed command goes in, a response document comes out. No I/O, no
 * sleeping, no logging, so the unit tests drive it without a network. One
 * mutex inside serialises commands; it is held only while a command runs:
 * parsing happens before (sim_request_parse) and sending after, in the
 * caller's thread.
 *
 * Ownership: the caller owns every struct declared here except struct
 * registry, and frees what it filled with the matching _free function.
 * Secrets (passwords, authInfo) never leave the registry except inside
 * responses to those entitled to them (RFC 5731 section 3.1.2).
 *
 * Simplifications, on purpose (sim/README.md, epp-sim(1) and --help say the same):
 *  - a deleted domain stays in redemptionPeriod (statuses pendingDelete, rgp
 *    redemptionPeriod) for cfg.redemption_ms, then disappears; an rgp restore
 *    request restores it at once (no report needed); with redemption_ms 0 a
 *    delete removes the domain at once;
 *  - pending transfers wait for approve/reject/cancel: no automatic approval;
 *  - clients may set the server* statuses too, so that tests can build those
 *    states; nobody can remove serverUpdateProhibited once set;
 *  - glue rules are not enforced: any host may have addresses.
 */
#ifndef EPPSIM_REGISTRY_H
#define EPPSIM_REGISTRY_H

#include <libxml/tree.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

#define SIM_CLID_MAX 16       /* eppcom:clIDType */
#define SIM_CLTRID_MAX 64     /* epp:trIDStringType */
#define SIM_MAX_URIS 32       /* a session keeps its selection in a 32-bit mask */
#define SIM_MAX_OPTS 8        /* versions and languages a greeting offers */
#define SIM_MAX_PREMIUM 32    /* premium names (--premium) */

struct registry_config {
	const char *svid;                       /* greeting svID */
	const char *obj_uris[SIM_MAX_URIS];     /* greeting objURIs */
	size_t n_obj;
	const char *ext_uris[SIM_MAX_URIS];     /* greeting extURIs; may be none */
	size_t n_ext;
	const char *versions[SIM_MAX_OPTS];     /* accepted at login; none: "1.0" */
	size_t n_versions;
	const char *langs[SIM_MAX_OPTS];        /* accepted at login; none: "en" */
	size_t n_langs;
	const char *greeting;                   /* a greeting document sent as it is instead
	                                           of the one made from the above; NULL: none */
	unsigned max_sessions;                  /* logged-in sessions at once; 0: no limit */
	size_t info_pad;                        /* extra text in domain info responses (bytes) */
	int64_t redemption_ms;                  /* restorable after delete; 0: delete at once */
	const char *currency;                   /* fee-1.0 */
	long fee_create, fee_renew, fee_transfer;   /* cents per year */
	long fee_restore;                       /* cents per restore */
	/* Premium names (fee-1.0 class "premium"): their create, renew and transfer price
	 * per year in cents. A create, renew or transfer request of one without the fee
	 * is refused with 2003, with too little with 2004, and a domain check without
	 * <fee:check> shows it unavailable (RFC 8748 section 4). */
	const char *premium[SIM_MAX_PREMIUM];
	long premium_cents[SIM_MAX_PREMIUM];
	size_t n_premium;
};

/*
 * Takes a greeting document (epp-sim --greeting): c->greeting becomes it, and c's svID,
 * versions, languages, objURIs and extURIs what it offers, each URI as its first token (a
 * "URI schemaLocation" pair gives its URI), so that logins asking for exactly those are
 * accepted. The strings live in *store (malloc'd; free it after registry_new, which copies
 * them). 0, or -1 with err (EG_ECONFIG: not a greeting, or too many URIs).
 */
int registry_config_greeting(struct registry_config *c, const char *xml, size_t len,
    char **store, struct eg_err *err);

/* Defaults: svID "epp-sim", domain/contact/host, secDNS-1.1/rgp-1.0/fee-1.0, no session
 * limit, no padding, 30 days of redemption, USD 10.00/10.00/8.00 per year, restore 40.00,
 * no premium names.
 * The strings are static; the registry copies what it keeps. */
void registry_config_defaults(struct registry_config *c);

struct registry;

struct registry *registry_new(const struct registry_config *c, struct eg_err *err);
void registry_free(struct registry *r);
/* Adds a login (clID 3-16 characters, a password as credentials.h says: 6 to 64
 * characters). -1 with err when invalid or a duplicate. */
int registry_add_account(struct registry *r, const char *clid, const char *pw,
    struct eg_err *err);
/* Moves the registry's clock forward: ends redemption periods in tests. */
void registry_advance_clock(struct registry *r, int64_t ms);

/* What a command is, for fault selection and the command log. */
enum sim_class {
	SIM_CLASS_OTHER,        /* not understood: not XML, not EPP, unknown command */
	SIM_CLASS_SESSION,      /* hello, login, logout */
	SIM_CLASS_QUERY,        /* check, info, poll req, transfer query */
	SIM_CLASS_TRANSFORM,    /* everything else */
};

enum sim_verb {
	SIM_V_NONE, SIM_V_HELLO, SIM_V_LOGIN, SIM_V_LOGOUT, SIM_V_POLL, SIM_V_CHECK,
	SIM_V_INFO, SIM_V_CREATE, SIM_V_DELETE, SIM_V_RENEW, SIM_V_TRANSFER, SIM_V_UPDATE,
};

enum sim_objtype { SIM_OBJ_NONE, SIM_OBJ_DOMAIN, SIM_OBJ_HOST, SIM_OBJ_CONTACT };

/* A parsed incoming frame. */
struct sim_request {
	xmlDocPtr doc;            /* NULL when the frame was not XML */
	xmlNodePtr verb_node;     /* <check>, <login>, <hello>, ... */
	xmlNodePtr obj_node;      /* <domain:check>, ... or NULL */
	xmlNodePtr ext_node;      /* the command's <extension>, or NULL */
	enum sim_verb verb;
	enum sim_objtype objtype;
	enum sim_class klass;
	char cmd[32];             /* "domain:create", "poll", "login", "hello", "invalid", ... */
	char op[16];              /* transfer/poll op attribute, or "" */
	int has_cltrid;
	char cltrid[SIM_CLTRID_MAX + 1];
	char obj[256];            /* first object name/id (or msgID, or login clID), or "" */
	char login_objs[1024];    /* a login's objURIs, comma-separated (command log) */
	char login_exts[2048];    /* its extURIs */
	int error;                /* 0, or the result code a malformed frame gets */
	char errmsg[256];
};

/* Parses and classifies a frame; never fails (a malformed frame gets rq->error). A
 * frame that is not XML gets cmd "invalid", an unknown command "unknown". */
void sim_request_parse(const char *xml, size_t len, struct sim_request *rq);
void sim_request_clear(struct sim_request *rq);

/* One connection's login state; the caller owns it and starts it zeroed with an id. */
struct sim_session {
	unsigned long id;         /* s= in the command log */
	int logged_in;
	char clid[SIM_CLID_MAX + 1];
	uint32_t obj_mask;        /* bit i: cfg.obj_uris[i] selected at login */
	uint32_t ext_mask;
};

struct sim_reply {
	struct buf xml;           /* the response document */
	int code;                 /* its result code; 0 for a greeting */
	int close;                /* the connection ends after this reply */
};

void sim_reply_clear(struct sim_reply *rp);

/* The greeting document. 0, or -1 when out of memory. */
int registry_greeting(struct registry *r, struct buf *out);

/* Executes rq for session s. 0, or -1 when out of memory (rp->xml is then empty). */
int registry_execute(struct registry *r, struct sim_session *s, const struct sim_request *rq,
    struct sim_reply *rp);

/* Answers rq with an error result without executing it (fault injection: refused login,
 * session limit). close: the connection ends after the reply. 0 or -1. */
int registry_refuse(struct registry *r, const struct sim_request *rq, int code,
    const char *detail, int close, struct sim_reply *rp);

/* The connection of a session ended: a logged-in session stops counting. */
void registry_session_end(struct registry *r, struct sim_session *s);

/* Parse + execute, for tests. 0 or -1. */
int registry_execute_xml(struct registry *r, struct sim_session *s, const char *xml,
    struct sim_reply *rp);

#endif
