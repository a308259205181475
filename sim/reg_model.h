/* SPDX-License-Identifier: MIT */
/*
 * reg_model.h - the registry's data model and the functions its files share:
 * internal to registry.c and reg_*.c (registry.h is the interface).
 *
 * Domains, hosts and contacts share struct reg_obj (first member, so a
 * pointer to either is a pointer to its reg_obj) and live in hash tables
 * keyed by name (domains, hosts: lower case) or id (contacts: as given).
 * Domains point at the hosts and contacts they use; those count the
 * references (`refs`) and cannot be deleted while it is non-zero, so the
 * pointers stay valid. A host points at its superordinate domain, which
 * counts it in `nsub` and cannot be deleted while it is non-zero.
 *
 * Statuses: `status` holds the ones clients set (bits of enum reg_st); ok,
 * inactive, linked, pendingDelete and pendingTransfer are derived from the
 * state when shown and cannot be set.
 *
 * Everything here is guarded by registry.mu.
 */
#ifndef EPPSIM_REG_MODEL_H
#define EPPSIM_REG_MODEL_H

#include <pthread.h>
#include <stdint.h>

#include "registry.h"
#include "sim_xml.h"

enum reg_st {
	ST_CLIENT_DELETE_PROHIBITED, ST_CLIENT_HOLD, ST_CLIENT_RENEW_PROHIBITED,
	ST_CLIENT_TRANSFER_PROHIBITED, ST_CLIENT_UPDATE_PROHIBITED, ST_INACTIVE, ST_LINKED,
	ST_OK, ST_PENDING_CREATE, ST_PENDING_DELETE, ST_PENDING_RENEW, ST_PENDING_TRANSFER,
	ST_PENDING_UPDATE, ST_SERVER_DELETE_PROHIBITED, ST_SERVER_HOLD,
	ST_SERVER_RENEW_PROHIBITED, ST_SERVER_TRANSFER_PROHIBITED,
	ST_SERVER_UPDATE_PROHIBITED, ST_COUNT
};

#define STB(s) (1u << (s))
#define REG_MAX_LIST 32        /* ns / contacts / DNSSEC records per element of one command */

enum trn_status {
	TRN_NONE, TRN_PENDING, TRN_CLIENT_APPROVED, TRN_CLIENT_CANCELLED, TRN_CLIENT_REJECTED,
	TRN_SERVER_APPROVED, TRN_SERVER_CANCELLED,
};

/* The last transfer of an object (TRN_NONE: never). */
struct reg_trn {
	enum trn_status st;
	char reid[SIM_CLID_MAX + 1];     /* requesting client */
	char acid[SIM_CLID_MAX + 1];     /* client that should act: the sponsor at request time */
	int64_t redate, acdate;
	int months;                      /* requested period (domains) */
	int64_t exdate;                  /* domains: expiry after approval; 0 for contacts */
};

struct reg_obj {
	struct reg_obj *tnext;           /* hash chain */
	char *name;                      /* table key; owned */
	char roid[32];
	char clid[SIM_CLID_MAX + 1];     /* sponsor */
	char crid[SIM_CLID_MAX + 1];
	char upid[SIM_CLID_MAX + 1];     /* "" until updated */
	int64_t crdate, update, trdate;  /* ms since the epoch; 0: never */
	uint32_t status;                 /* settable statuses, STB() bits */
	char *status_text[ST_COUNT];     /* optional text given with a status; owned */
	char *authpw;                    /* domains and contacts; owned; NULL for hosts */
	struct reg_trn trn;              /* domains and contacts */
	unsigned refs;                   /* hosts, contacts: domains that use it */
};

struct reg_tab {
	struct reg_obj **b;
	size_t nb, n;
};

struct reg_host;
struct reg_contact;

struct reg_dcontact {
	int type;                        /* 0 admin, 1 billing, 2 tech */
	struct reg_contact *c;
};

/* One secDNS record: dsData (with optional keyData) or keyData alone. */
struct reg_ds {
	unsigned keytag, alg, dtype;
	char *digest;                    /* hex, as given (upper case kept) */
	int has_key;
	unsigned flags, protocol, kalg;
	char *pubkey;
};

struct reg_domain {
	struct reg_obj o;
	struct reg_contact *registrant;  /* NULL: none */
	struct reg_dcontact *contacts;
	size_t ncontacts;
	struct reg_host **ns;
	size_t nns;
	unsigned nsub;                   /* subordinate host objects */
	int64_t exdate;
	int64_t deleted;                 /* non-zero: in redemption since then */
	struct reg_domain *rgp_next;     /* list of domains in redemption, oldest first */
	int keyiface;                    /* records are keyData alone (1) or dsData (0) */
	int maxsiglife;                  /* 0: none */
	struct reg_ds *ds;
	size_t nds;
};

struct reg_addr {
	int v6;
	char ip[46];
};

struct reg_host {
	struct reg_obj o;
	struct reg_domain *parent;       /* superordinate domain in this registry, or NULL */
	struct reg_addr *addrs;
	size_t naddrs;
};

struct reg_postal {
	int loc;                         /* type: 0 int, 1 loc */
	char *name, *org;
	char *street[3];
	size_t nstreet;
	char *city, *sp, *pc, *cc;
};

struct reg_contact {
	struct reg_obj o;
	struct reg_postal pi[2];
	size_t npi;
	char *voice, *voice_x, *fax, *fax_x;
	char *email;
	int disclose;                    /* -1 none given, else the flag */
	unsigned disclose_what;          /* DISC_* bits: what the flag applies to */
};

/* The elements of <contact:disclose> (RFC 5733 section 2.9), in schema order. */
enum {
	DISC_NAME_INT = 1u << 0, DISC_NAME_LOC = 1u << 1, DISC_ORG_INT = 1u << 2,
	DISC_ORG_LOC = 1u << 3, DISC_ADDR_INT = 1u << 4, DISC_ADDR_LOC = 1u << 5,
	DISC_VOICE = 1u << 6, DISC_FAX = 1u << 7, DISC_EMAIL = 1u << 8,
};

/* A poll message. A transfer notice carries a snapshot of the transfer. */
struct reg_msg {
	struct reg_msg *next;
	unsigned long id;
	int64_t qdate;
	char text[200];
	enum sim_objtype objtype;        /* SIM_OBJ_NONE: text only */
	char name[256];
	struct reg_trn trn;
};

struct reg_account {
	char clid[SIM_CLID_MAX + 1];
	char *pw;                        /* owned; changed by login newPW */
	struct reg_msg *head, *tail;
	unsigned long nmsg;
};

struct registry {
	pthread_mutex_t mu;
	struct registry_config cfg;      /* strings point into owned copies below */
	char *strings[2 * SIM_MAX_URIS + 2 * SIM_MAX_OPTS + 3 + SIM_MAX_PREMIUM];
	size_t nstrings;
	struct reg_account *acct;
	size_t nacct;
	struct reg_tab domains, hosts, contacts;
	struct reg_domain *rgp_head, *rgp_tail;
	unsigned long next_roid, next_msgid;
	unsigned long svtrid;            /* atomic: greetings run without the lock */
	char svtrid_prefix[24];
	unsigned sessions;               /* logged in now */
	int64_t clock_offset;
};

/* What a command handler gets. Handlers set the result with sx_resp_result(). */
struct reg_cmd {
	struct registry *reg;
	struct sim_session *s;
	const struct sim_request *rq;
	struct sx_resp *resp;
	int64_t now;
	int close;                       /* the session ends after this command */
};

/*
 * The functions below, by file. registry.h has the public side (registry.c
 * creates the registry, reg_request.c parses frames, reg_session.c greets,
 * reg_dispatch.c runs commands); reg_*.c share these among themselves.
 */

/* ---- registry.c: the registry object ---- */
/* The account of clid, or NULL. */
struct reg_account *reg_find_account(struct registry *r, const char *clid);

/* ---- reg_time.c: clock, dates, periods ---- */
int64_t reg_now(struct registry *r);
void reg_fmt_time(int64_t ms, char out[32]);   /* 2024-01-02T03:04:05.0Z */
void reg_fmt_date(int64_t ms, char out[16]);   /* 2024-01-02 */
int64_t reg_add_months(int64_t ms, int months);
/* Parses <X:period unit=..>N</X:period>; *months set (default 12 when absent). 0, or
 * -1 with the result set on c. */
int reg_read_period(struct reg_cmd *c, xmlNodePtr parent, int *months);

/* ---- reg_store.c: the object store ---- */
struct reg_obj *reg_tab_get(struct reg_tab *t, const char *key);
int reg_tab_put(struct reg_tab *t, struct reg_obj *o);       /* 0 or -1 ENOMEM */
void reg_tab_del(struct reg_tab *t, struct reg_obj *o);
/* Iteration: *i starts at 0 and *cur at NULL; returns NULL at the end. */
struct reg_obj *reg_tab_next(struct reg_tab *t, size_t *i, struct reg_obj *cur);
/* Lower-case copy of a domain or host name; -1 when it is not a valid host name. */
int reg_name_norm(const char *in, char *out, size_t cap);
void reg_new_roid(struct registry *r, char out[32], char kind);
void reg_obj_free(struct reg_obj *o);          /* frees what reg_obj owns, not o */

/* ---- reg_status.c: statuses ---- */
const char *reg_st_name(enum reg_st s);
int reg_st_parse(const char *name);            /* -1 unknown */
/* Sets or clears a status and its text (text NULL or "": none). */
int reg_st_set(struct reg_obj *o, enum reg_st s, const char *text);
void reg_st_clear(struct reg_obj *o, enum reg_st s);
/* <prefix:status s=...> elements: the set bits plus the derived ones in extra; "ok"
 * when none. pad: bytes of extra text on the first status (info padding). */
void reg_show_status(xmlNodePtr parent, const struct reg_obj *o, uint32_t extra,
    size_t pad);
/* Reads the <X:status s=..> children of an add or rem element (NULL: none) into bits,
 * with their texts when texts is not NULL. Unknown names get 2005, names outside
 * allowed 2306. 0, or -1 with the result set on c. */
int reg_read_statuses(struct reg_cmd *c, xmlNodePtr addrem, const char *ns,
    uint32_t allowed, uint32_t *bits, char (*texts)[256]);
/* 0 when the add bits are not set yet and the rem bits are; -1 with 2306 set otherwise. */
int reg_check_statuses(struct reg_cmd *c, const struct reg_obj *o, uint32_t add,
    uint32_t rem);
/* Applies a checked change. 0, or -1 when out of memory. */
int reg_apply_statuses(struct reg_obj *o, uint32_t add, char (*texts)[256], uint32_t rem);

/* ---- reg_auth.c: sponsor and authInfo ---- */
/* authInfo check: 1 when given and equal to the object's. */
int reg_auth_ok(const struct reg_obj *o, const char *pw);
/* Reads <X:authInfo><X:pw> of an element: 1 present (pw filled), 0 absent, -1 bad. The
 * pw's roid attribute goes to roid ("" when absent) unless roid is NULL. */
int reg_read_authinfo(xmlNodePtr parent, const char *ns, char *pw, size_t cap, char *roid,
    size_t rcap);
/*
 * The object whose authInfo a <pw roid=...> holds (RFC 5731 section 3.1.2): o itself
 * when roid is "" or o's own; for a domain, its registrant or one of its contacts with
 * that roid. NULL when roid names none of them.
 */
const struct reg_obj *reg_auth_target(const struct reg_obj *o, enum sim_objtype t,
    const char *roid);
int reg_is_sponsor(const struct reg_cmd *c, const struct reg_obj *o);
/* An authInfo for objects created without one. */
void reg_gen_authpw(struct registry *r, char out[32]);

/* ---- reg_session.c: login and the services of a session ---- */
void reg_login_cmd(struct reg_cmd *c);
/* 1 when the command's object service and every extension it uses are offered and were
 * selected at login; 0 with 2307 or 2103 set on c. */
int reg_services_ok(struct reg_cmd *c);

/* ---- reg_poll.c: message queues ---- */
/* Queues a poll message for clid (no-op when there is no such account). */
void reg_queue_msg(struct registry *r, const char *clid, const char *text,
    enum sim_objtype t, const char *name, const struct reg_trn *trn);
void reg_poll_cmd(struct reg_cmd *c);

/* ---- reg_domain.c, reg_host.c, reg_contact.c: the object commands ---- */
void reg_domain_cmd(struct reg_cmd *c);
void reg_host_cmd(struct reg_cmd *c);
void reg_contact_cmd(struct reg_cmd *c);
void reg_domain_free(struct reg_domain *d);
void reg_host_free(struct reg_host *h);
void reg_contact_free(struct reg_contact *k);
/* Drops domains whose redemption period is over. */
void reg_purge_expired(struct registry *r, int64_t now);

/* ---- reg_transfer.c: transfers of domains and contacts ---- */
/* The common part of the transfer command. exdate: the domain's expiry date, moved on
 * approval; NULL for contacts. */
void reg_transfer(struct reg_cmd *c, struct reg_obj *o, enum sim_objtype t,
    xmlNodePtr cmdnode, int64_t *exdate);
/* Adds a transfer data element (domain:trnData, contact:trnData) to resData. */
void reg_show_trn(struct sx_resp *resp, enum sim_objtype t, const char *name,
    const struct reg_trn *trn);
const char *reg_trn_name(enum trn_status st);

/* ---- reg_secdns.c: DNSSEC records ---- */
struct reg_ds_list {
	int iface;                       /* -1 none yet, 0 dsData, 1 keyData */
	struct reg_ds v[REG_MAX_LIST];
	size_t n;
};

void reg_ds_clear(struct reg_ds *v, size_t n);          /* frees the records' strings */
/* dsData/keyData children of a secDNS create/add/rem element. 0, or -1 with the result set
 * (the records read so far stay in l for reg_ds_clear). */
int reg_ds_read_list(struct reg_cmd *c, xmlNodePtr parent, struct reg_ds_list *l);
/* <secDNS:maxSigLife> of parent: 1 and *out, 0 absent, -1 with the result set. */
int reg_ds_read_maxsig(struct reg_cmd *c, xmlNodePtr parent, int *out);
int reg_ds_equal(const struct reg_ds *a, const struct reg_ds *b, int keyonly);
int reg_ds_find(const struct reg_domain *d, const struct reg_ds *x);   /* index or -1 */
/* Moves the records of l to the end of d's. 0, or -1 when out of memory. */
int reg_ds_append(struct reg_domain *d, struct reg_ds_list *l);
void reg_ds_remove(struct reg_domain *d, int i);
void reg_ds_show(xmlNodePtr parent, const struct reg_ds *ds, int keyonly);

/* ---- reg_fee.c: fee-1.0 check and the fees of transform commands ---- */
struct reg_fee_cmd {
	char name[16];                   /* create, renew, transfer, restore, update, delete */
	int months;
};

/* Reads <fee:check> (at most 8 commands). 0, or -1 with the result set. */
int reg_fee_read(struct reg_cmd *c, xmlNodePtr fc, struct reg_fee_cmd *cmds, size_t *n);
/* One <fee:cd> for name under data (fee:chkData); key: the normalised name, NULL when
 * name is not a valid domain name. */
/* 1 when key (a normalised domain name) is a premium name. */
int reg_fee_premium(const struct registry *r, const char *key);
void reg_fee_show(struct reg_cmd *c, xmlNodePtr data, const char *name, const char *key,
    const struct reg_fee_cmd *cmds, size_t n);
/*
 * The fee a transform carries in <fee:EL> (create, renew, transfer, update; RFC 8748
 * section 5.2) against the price of cmd (create, renew, transfer, restore, update) on
 * the domain key for months (RFC 8748 section 4): a premium name's create, renew or
 * transfer without the fee gets 2003, a currency other than ours (section 3.2) or
 * fees adding up to less than the price 2004. 0 with *given (the command carried the
 * element) and *cents (the price), or -1 with the result set.
 */
int reg_fee_transform(struct reg_cmd *c, const char *el, const char *key, const char *cmd,
    int months, int *given, long *cents);
/* <fee:DATA> (creData, renData, trnData, updData) with our currency and the fee charged. */
void reg_fee_charged(struct reg_cmd *c, const char *data, const char *cmd, long cents);

#endif
