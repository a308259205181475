/* SPDX-License-Identifier: MIT */
/*
 * reg_dispatch.c - running one command: the session checks, the registry's
 * lock, the handler for the command's object, and the response around the
 * result (RFC 5730 section 2.6: result, trID with the client's clTRID).
 */
#include <stdio.h>
#include <string.h>

#include "reg_model.h"

static void
dispatch(struct reg_cmd *c)
{
	if (!reg_services_ok(c))
		return;
	switch (c->rq->verb) {
	case SIM_V_POLL:
		reg_poll_cmd(c);
		return;
	default:
		break;
	}
	switch (c->rq->objtype) {
	case SIM_OBJ_DOMAIN:
		reg_domain_cmd(c);
		return;
	case SIM_OBJ_HOST:
		reg_host_cmd(c);
		return;
	case SIM_OBJ_CONTACT:
		reg_contact_cmd(c);
		return;
	default:
		sx_resp_result(c->resp, 2000, NULL);
		return;
	}
}

static void
next_svtrid(struct registry *r, char *out, size_t cap)
{
	unsigned long n = __atomic_add_fetch(&r->svtrid, 1, __ATOMIC_RELAXED);

	snprintf(out, cap, "%s-%lu", r->svtrid_prefix, n);
}

int
registry_execute(struct registry *r, struct sim_session *s, const struct sim_request *rq,
    struct sim_reply *rp)
{
	struct sx_resp resp;
	struct reg_cmd c;
	char svtrid[48];

	rp->code = 0;
	rp->close = 0;
	buf_reset(&rp->xml);
	if (rq->verb == SIM_V_HELLO && rq->error == 0)
		return registry_greeting(r, &rp->xml);
	if (sx_resp_init(&resp) == -1)
		return -1;
	memset(&c, 0, sizeof(c));
	c.reg = r;
	c.s = s;
	c.rq = rq;
	c.resp = &resp;
	if (rq->error != 0) {
		sx_resp_result(&resp, rq->error, "%s", rq->errmsg);
	} else if (rq->verb == SIM_V_LOGIN) {
		pthread_mutex_lock(&r->mu);
		c.now = reg_now(r);
		reg_login_cmd(&c);
		pthread_mutex_unlock(&r->mu);
	} else if (!s->logged_in) {
		sx_resp_result(&resp, 2002, "log in first");
	} else if (rq->verb == SIM_V_LOGOUT) {
		sx_resp_result(&resp, 1500, NULL);
		registry_session_end(r, s);
		c.close = 1;
	} else {
		pthread_mutex_lock(&r->mu);
		c.now = reg_now(r);
		reg_purge_expired(r, c.now);
		dispatch(&c);
		pthread_mutex_unlock(&r->mu);
	}
	rp->close = c.close;
	rp->code = resp.code ? resp.code : 1000;
	next_svtrid(r, svtrid, sizeof(svtrid));
	return sx_resp_finish(&resp, rq->has_cltrid ? rq->cltrid : NULL, svtrid, &rp->xml);
}

int
registry_refuse(struct registry *r, const struct sim_request *rq, int code, const char *detail,
    int close, struct sim_reply *rp)
{
	struct sx_resp resp;
	char svtrid[48];

	buf_reset(&rp->xml);
	if (sx_resp_init(&resp) == -1)
		return -1;
	if (detail != NULL)
		sx_resp_result(&resp, code, "%s", detail);
	else
		sx_resp_result(&resp, code, NULL);
	rp->code = code;
	rp->close = close;
	next_svtrid(r, svtrid, sizeof(svtrid));
	return sx_resp_finish(&resp, rq->has_cltrid ? rq->cltrid : NULL, svtrid, &rp->xml);
}

int
registry_execute_xml(struct registry *r, struct sim_session *s, const char *xml,
    struct sim_reply *rp)
{
	struct sim_request rq;
	int rc;

	sim_request_parse(xml, strlen(xml), &rq);
	rc = registry_execute(r, s, &rq, rp);
	sim_request_clear(&rq);
	return rc;
}

void
sim_reply_clear(struct sim_reply *rp)
{
	buf_clear(&rp->xml);
}
