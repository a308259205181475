/* SPDX-License-Identifier: MIT */
/*
 * reg_transfer.c - the transfer command for domains (RFC 5731 section 3.2.4)
 * and contacts (RFC 5733 section 3.2.4): request, query, approve, reject,
 * cancel, with a poll message to the other side at every change.
 *
 * Who may do what: the request comes from another registrar with the
 * object's authInfo; approve and reject from the sponsor; cancel from the
 * requester; query from either, or anyone with the authInfo. A pending
 * transfer waits: the simulator never approves on its own.
 */
#include <stdio.h>
#include <string.h>

#include "reg_model.h"

#define ACTION_MS ((int64_t)5 * 86400 * 1000)   /* acDate: the sponsor has 5 days to act */

static void
notify(struct reg_cmd *c, const char *to, const char *what, enum sim_objtype t,
    const struct reg_obj *o)
{
	char text[200];

	snprintf(text, sizeof(text), "Transfer %s.", what);
	reg_queue_msg(c->reg, to, text, t, o->name, &o->trn);
}

static void
transfer_request(struct reg_cmd *c, struct reg_obj *o, const struct reg_obj *owner,
    enum sim_objtype t, xmlNodePtr node, int64_t *exdate, int have_pw, const char *pw)
{
	int months = 12;

	if (exdate != NULL && reg_read_period(c, node, &months) == -1)
		return;
	if (reg_is_sponsor(c, o)) {
		sx_resp_result(c->resp, 2106, "'%s' is sponsored by you already", o->name);
		return;
	}
	if (o->trn.st == TRN_PENDING) {
		sx_resp_result(c->resp, 2300, "'%s' has a transfer pending", o->name);
		return;
	}
	if (o->status & STB(ST_CLIENT_TRANSFER_PROHIBITED)) {
		sx_resp_result(c->resp, 2304, "clientTransferProhibited");
		return;
	}
	if (o->status & STB(ST_SERVER_TRANSFER_PROHIBITED)) {
		sx_resp_result(c->resp, 2304, "serverTransferProhibited");
		return;
	}
	if (!have_pw) {
		sx_resp_result(c->resp, 2202, "a transfer request needs the authInfo");
		return;
	}
	if (!reg_auth_ok(owner, pw)) {
		sx_resp_result(c->resp, 2202, NULL);
		return;
	}
	memset(&o->trn, 0, sizeof(o->trn));
	o->trn.st = TRN_PENDING;
	snprintf(o->trn.reid, sizeof(o->trn.reid), "%s", c->s->clid);
	snprintf(o->trn.acid, sizeof(o->trn.acid), "%s", o->clid);
	o->trn.redate = c->now;
	o->trn.acdate = c->now + ACTION_MS;
	o->trn.months = months;
	if (exdate != NULL)
		o->trn.exdate = reg_add_months(*exdate, months);
	sx_resp_result(c->resp, 1001, NULL);
	reg_show_trn(c->resp, t, o->name, &o->trn);
	notify(c, o->trn.acid, "requested", t, o);
}

/* approve, reject (by the sponsor) and cancel (by the requester). */
static void
transfer_act(struct reg_cmd *c, struct reg_obj *o, enum sim_objtype t, int64_t *exdate)
{
	const char *op = c->rq->op;
	int cancel = strcmp(op, "cancel") == 0;

	if (o->trn.st != TRN_PENDING) {
		sx_resp_result(c->resp, 2301, "'%s' has no transfer pending", o->name);
		return;
	}
	if (cancel && strcmp(c->s->clid, o->trn.reid) != 0) {
		sx_resp_result(c->resp, 2201, "only the requesting registrar may cancel");
		return;
	}
	if (!cancel && !reg_is_sponsor(c, o)) {
		sx_resp_result(c->resp, 2201, "only the sponsoring registrar may %s", op);
		return;
	}
	o->trn.acdate = c->now;
	if (cancel) {
		o->trn.st = TRN_CLIENT_CANCELLED;
		notify(c, o->trn.acid, "cancelled", t, o);
	} else if (strcmp(op, "reject") == 0) {
		o->trn.st = TRN_CLIENT_REJECTED;
		notify(c, o->trn.reid, "rejected", t, o);
	} else {
		o->trn.st = TRN_CLIENT_APPROVED;
		snprintf(o->clid, sizeof(o->clid), "%s", o->trn.reid);
		o->trdate = c->now;
		if (exdate != NULL)
			*exdate = o->trn.exdate;
		notify(c, o->trn.reid, "approved", t, o);
	}
	sx_resp_result(c->resp, 1000, NULL);
	reg_show_trn(c->resp, t, o->name, &o->trn);
}

void
reg_transfer(struct reg_cmd *c, struct reg_obj *o, enum sim_objtype t, xmlNodePtr node,
    int64_t *exdate)
{
	const char *ns = t == SIM_OBJ_DOMAIN ? SX_NS_DOMAIN : SX_NS_CONTACT;
	const char *op = c->rq->op;
	const struct reg_obj *owner;
	char pw[256], roid[96];
	int a;

	if ((a = reg_read_authinfo(node, ns, pw, sizeof(pw), roid, sizeof(roid))) == -1) {
		sx_resp_result(c->resp, 2005, "authInfo must hold a pw");
		return;
	}
	/* The authInfo may be that of the domain's registrant or another of its contacts,
	 * named by its roid (RFC 5731 section 3.2.4). */
	owner = reg_auth_target(o, t, roid);
	if (a == 1 && owner == NULL) {
		sx_resp_result(c->resp, 2202, "roid '%s' is not one of this object's", roid);
		return;
	}
	if (strcmp(op, "request") == 0) {
		transfer_request(c, o, owner, t, node, exdate, a == 1, pw);
		return;
	}
	if (strcmp(op, "query") != 0) {
		transfer_act(c, o, t, exdate);
		return;
	}
	if (o->trn.st == TRN_NONE) {
		sx_resp_result(c->resp, 2301, "'%s' was never transferred", o->name);
		return;
	}
	if (!reg_is_sponsor(c, o) && strcmp(c->s->clid, o->trn.reid) != 0 &&
	    strcmp(c->s->clid, o->trn.acid) != 0) {
		if (a != 1) {
			sx_resp_result(c->resp, 2201, "not a party to this transfer");
			return;
		}
		if (!reg_auth_ok(owner, pw)) {
			sx_resp_result(c->resp, 2202, NULL);
			return;
		}
	}
	reg_show_trn(c->resp, t, o->name, &o->trn);
}

/* ---- transfer data: in transfer responses and poll messages ---- */

const char *
reg_trn_name(enum trn_status st)
{
	switch (st) {
	case TRN_PENDING: return "pending";
	case TRN_CLIENT_APPROVED: return "clientApproved";
	case TRN_CLIENT_CANCELLED: return "clientCancelled";
	case TRN_CLIENT_REJECTED: return "clientRejected";
	case TRN_SERVER_APPROVED: return "serverApproved";
	case TRN_SERVER_CANCELLED: return "serverCancelled";
	default: return "pending";
	}
}

void
reg_show_trn(struct sx_resp *resp, enum sim_objtype t, const char *name,
    const struct reg_trn *trn)
{
	int dom = t == SIM_OBJ_DOMAIN;
	xmlNodePtr d;
	char ts[32];

	d = sx_resp_data(resp, dom ? SX_NS_DOMAIN : SX_NS_CONTACT, dom ? "domain" : "contact",
	    "trnData");
	sx_add(d, dom ? "name" : "id", name);
	sx_add(d, "trStatus", reg_trn_name(trn->st));
	sx_add(d, "reID", trn->reid);
	reg_fmt_time(trn->redate, ts);
	sx_add(d, "reDate", ts);
	sx_add(d, "acID", trn->acid);
	reg_fmt_time(trn->acdate, ts);
	sx_add(d, "acDate", ts);
	if (dom && trn->exdate != 0) {
		reg_fmt_time(trn->exdate, ts);
		sx_add(d, "exDate", ts);
	}
}
