/* SPDX-License-Identifier: MIT */
/*
 * reg_poll.c - each registrar's message queue and the poll command
 * (RFC 5730 section 2.9.2.3): req shows the oldest message, ack removes one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reg_model.h"

void
reg_queue_msg(struct registry *r, const char *clid, const char *text, enum sim_objtype t,
    const char *name, const struct reg_trn *trn)
{
	struct reg_account *a = reg_find_account(r, clid);
	struct reg_msg *m;

	if (a == NULL || (m = calloc(1, sizeof(*m))) == NULL)
		return;
	m->id = r->next_msgid++;
	m->qdate = reg_now(r);
	snprintf(m->text, sizeof(m->text), "%s", text);
	m->objtype = t;
	snprintf(m->name, sizeof(m->name), "%s", name ? name : "");
	if (trn != NULL)
		m->trn = *trn;
	if (a->tail != NULL)
		a->tail->next = m;
	else
		a->head = m;
	a->tail = m;
	a->nmsg++;
}

void
reg_poll_cmd(struct reg_cmd *c)
{
	struct reg_account *a = reg_find_account(c->reg, c->s->clid);
	struct reg_msg *m, **pp;
	xmlNodePtr q, n;
	char id[32], want[32], ts[32];

	if (a == NULL) {
		sx_resp_result(c->resp, 2400, "no message queue for this client");
		return;
	}
	if (strcmp(c->rq->op, "req") == 0) {
		if ((m = a->head) == NULL) {
			sx_resp_result(c->resp, 1300, NULL);
			return;
		}
		sx_resp_result(c->resp, 1301, NULL);
		snprintf(id, sizeof(id), "%lu", m->id);
		q = sx_resp_msgq(c->resp, a->nmsg, id);
		reg_fmt_time(m->qdate, ts);
		sx_add(q, "qDate", ts);
		n = sx_add(q, "msg", m->text);
		sx_set_attr(n, "lang", "en");
		if (m->objtype != SIM_OBJ_NONE)
			reg_show_trn(c->resp, m->objtype, m->name, &m->trn);
		return;
	}
	/* ack */
	if (sx_attr(c->rq->verb_node, "msgID", want, sizeof(want)) != 1 || want[0] == '\0') {
		sx_resp_result(c->resp, 2003, "poll ack needs a msgID");
		return;
	}
	for (pp = &a->head; (m = *pp) != NULL; pp = &m->next) {
		snprintf(id, sizeof(id), "%lu", m->id);
		if (strcmp(id, want) != 0)
			continue;
		*pp = m->next;
		if (a->tail == m) {
			/* the new tail is the message before m: find it from the head */
			struct reg_msg *t = a->head;

			while (t != NULL && t->next != NULL)
				t = t->next;
			a->tail = t;
		}
		a->nmsg--;
		free(m);
		sx_resp_result(c->resp, 1000, NULL);
		sx_resp_msgq(c->resp, a->nmsg, id);
		return;
	}
	sx_resp_result(c->resp, 2303, "no message %s in the queue", want);
}
