/* SPDX-License-Identifier: MIT */
/*
 * cmd_builders.h - one builder per row of the command table (cmd_table.c).
 * Each reads args through epp_args.h and fills b (epp_build.h); 0 or -1 with
 * b->err set. Private to the cmd_*.c modules.
 */
#ifndef EG_CMD_BUILDERS_H
#define EG_CMD_BUILDERS_H

#include <json-c/json.h>

#include "epp_build.h"

/* Caps on lists where the schemas set none; registries enforce lower ones themselves. */
#define CMD_MAX_CHECK    1000    /* names or ids in one check */
#define CMD_MAX_NS       64      /* name servers added/removed/created at once */
#define CMD_MAX_ADDR     64      /* IP addresses of one host */
#define CMD_MAX_CONTACTS 32      /* domain contacts added/removed at once */
#define CMD_MAX_DS       32      /* DS or key records added/removed at once */
#define CMD_MAX_FEES     16      /* fees acknowledged in one transform command */

/* cmd_domain.c */
int cmd_domain_check(struct epp_build *b, json_object *args);
int cmd_domain_info(struct epp_build *b, json_object *args);
int cmd_domain_create(struct epp_build *b, json_object *args);
int cmd_domain_delete(struct epp_build *b, json_object *args);
int cmd_domain_renew(struct epp_build *b, json_object *args);
int cmd_domain_update(struct epp_build *b, json_object *args);
int cmd_domain_transfer(struct epp_build *b, json_object *args);

/* cmd_contact.c */
int cmd_contact_check(struct epp_build *b, json_object *args);
int cmd_contact_info(struct epp_build *b, json_object *args);
int cmd_contact_create(struct epp_build *b, json_object *args);
int cmd_contact_update(struct epp_build *b, json_object *args);
int cmd_contact_delete(struct epp_build *b, json_object *args);
int cmd_contact_transfer(struct epp_build *b, json_object *args);

/* cmd_host.c */
int cmd_host_check(struct epp_build *b, json_object *args);
int cmd_host_info(struct epp_build *b, json_object *args);
int cmd_host_create(struct epp_build *b, json_object *args);
int cmd_host_update(struct epp_build *b, json_object *args);
int cmd_host_delete(struct epp_build *b, json_object *args);

/* cmd_misc.c */
int cmd_poll_req(struct epp_build *b, json_object *args);
int cmd_poll_ack(struct epp_build *b, json_object *args);
int cmd_hello(struct epp_build *b, json_object *args);

/* cmd_generic.c */
int cmd_epp(struct epp_build *b, json_object *args);
int cmd_xml(struct epp_build *b, json_object *args);

/*
 * Shared pieces (cmd_misc.c).
 *
 * <PREFIX:period unit="y|m">N</PREFIX:period> under parent from args "period" and
 * "period_units" (ctx names them); nothing when no period is given. *given tells.
 */
int cmd_period(struct epp_build *b, xmlNodePtr parent, json_object *o, const char *ctx,
    int required, int *given);

/* <PREFIX:status s="NAME" lang="en">VALUE</PREFIX:status> for each item of the list
 * member key ([{name, value?}], at most max); names from the NULL-terminated allowed. */
int cmd_statuses(struct epp_build *b, xmlNodePtr parent, json_object *args, const char *key,
    const char *const *allowed, size_t max, int with_value);

/* Records the names a command acts on for its log line (epp_cmd.h, struct epp_objects):
 * one name, or the n strings of a checked list. */
void cmd_object(struct epp_build *b, const char *name);
void cmd_object_list(struct epp_build *b, json_object *list, size_t n);

/* <PREFIX:authInfo><PREFIX:pw>PW</PREFIX:pw></PREFIX:authInfo>. */
void cmd_authinfo(struct epp_build *b, xmlNodePtr parent, const char *pw);

/*
 * The authInfo of a query or transfer: args "auth_info" and "auth_info_roid", the
 * repository id of the object whose authInfo it is when that is not the object
 * asked about (RFC 5731 section 3.1.2: the registrant's or another contact's;
 * eppcom:roidType). *pw and *roid are NULL when not given; a roid needs a pw.
 */
int cmd_auth_args(struct epp_build *b, json_object *args, const char **pw, const char **roid);

/* <PREFIX:authInfo><PREFIX:pw roid="ROID">PW</PREFIX:pw></PREFIX:authInfo>; no roid
 * attribute when roid is NULL. */
void cmd_authinfo_roid(struct epp_build *b, xmlNodePtr parent, const char *pw,
    const char *roid);

#endif
