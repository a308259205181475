/* SPDX-License-Identifier: MIT */
/*
 * pending.c - the requests in flight and the replies not yet collected, with
 * no I/O and no clock of its own: tested without a broker (test_rpc_pending).
 *
 * Every request is completed exactly once: by its reply, at its deadline, or
 * by a failure the connection reports. Completing takes it out of the table,
 * so a late reply after a timeout, a second reply and a foreign correlation id
 * all find nothing. Requests in flight are found by correlation id (a hash
 * table) and by deadline (a list kept in deadline order).
 */
#include "rpc_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

struct rpcc_reply {
	egrpc_reply pub;            /* first: &rep->pub and rep convert */
	struct rpcc_reply *next;
	char *msg, *cmd, *body;     /* owned; pub's pointers point here */
};

static uint32_t
hash_id(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint32_t h = 2166136261u;   /* FNV-1a: ids are random, foreign ones need not be */
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= s[i];
		h *= 16777619u;
	}
	return h;
}

static int
tab_reserve(struct rpcc_pending *p)
{
	struct rpcc_req **nt;
	size_t ncap, i, j;

	/* At most half full: probe chains stay short. */
	if ((p->n + 1) * 2 <= p->tabcap)
		return 0;
	ncap = p->tabcap != 0 ? p->tabcap * 2 : 64;
	if ((nt = calloc(ncap, sizeof(*nt))) == NULL)
		return -1;
	for (i = 0; i < p->tabcap; i++) {
		if (p->tab[i] == NULL)
			continue;
		for (j = p->tab[i]->hash & (ncap - 1); nt[j] != NULL; j = (j + 1) & (ncap - 1))
			;
		nt[j] = p->tab[i];
	}
	free(p->tab);
	p->tab = nt;
	p->tabcap = ncap;
	return 0;
}

static void
tab_remove(struct rpcc_pending *p, const struct rpcc_req *r)
{
	size_t mask = p->tabcap - 1, i, j, k;

	for (i = r->hash & mask; p->tab[i] != r; i = (i + 1) & mask)
		;
	/*
	 * Backward-shift deletion: later entries of the probe chain move into
	 * the hole unless their home slot lies cyclically in (i, j], so no
	 * chain is broken and no tombstones pile up.
	 */
	for (j = (i + 1) & mask; p->tab[j] != NULL; j = (j + 1) & mask) {
		k = p->tab[j]->hash & mask;
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			p->tab[i] = p->tab[j];
			i = j;
		}
	}
	p->tab[i] = NULL;
}

static void
list_insert(struct rpcc_pending *p, struct rpcc_req *r)
{
	struct rpcc_req *q = p->tail;

	/* Timeouts are mostly equal, so a new deadline is mostly the latest: O(1). */
	while (q != NULL && q->deadline > r->deadline)
		q = q->prev;
	r->prev = q;
	r->next = q != NULL ? q->next : p->head;
	if (r->next != NULL)
		r->next->prev = r;
	else
		p->tail = r;
	if (q != NULL)
		q->next = r;
	else
		p->head = r;
}

static void
list_remove(struct rpcc_pending *p, struct rpcc_req *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		p->head = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	else
		p->tail = r->prev;
	r->prev = r->next = NULL;
}

void
rpcc_pending_clear(struct rpcc_pending *p)
{
	struct rpcc_req *r;
	egrpc_reply *rep;

	while ((r = p->head) != NULL) {
		p->head = r->next;
		rpcc_req_free(r);
	}
	while ((rep = rpcc_pending_take(p, 0)) != NULL)
		egrpc_reply_free(rep);
	free(p->tab);
	memset(p, 0, sizeof(*p));
}

int
rpcc_pending_prepare(struct rpcc_pending *p, struct rpcc_req *r)
{
	if (r->reply == NULL && (r->reply = calloc(1, sizeof(*r->reply))) == NULL)
		return -1;
	return tab_reserve(p);
}

void
rpcc_pending_add(struct rpcc_pending *p, struct rpcc_req *r, int64_t deadline)
{
	size_t mask = p->tabcap - 1, i;

	r->deadline = deadline;
	r->hash = hash_id(r->corr_id, RPCC_ID_LEN);
	for (i = r->hash & mask; p->tab[i] != NULL; i = (i + 1) & mask)
		;
	p->tab[i] = r;
	list_insert(p, r);
	p->n++;
}

struct rpcc_req *
rpcc_pending_find(const struct rpcc_pending *p, const void *id, size_t len)
{
	struct rpcc_req *r;
	uint32_t h;
	size_t i, mask = p->tabcap - 1;

	if (id == NULL || len != RPCC_ID_LEN || p->tabcap == 0)
		return NULL;
	h = hash_id(id, len);
	for (i = h & mask; (r = p->tab[i]) != NULL; i = (i + 1) & mask)
		if (r->hash == h && memcmp(r->corr_id, id, len) == 0)
			return r;
	return NULL;
}

/*
 * Completes r: its reply (or failure) goes to the ready queue and r is
 * freed. res (may be NULL) is taken over; body is copied.
 */
static void
finish(struct rpcc_pending *p, struct rpcc_req *r, int status, struct rpcc_result *res,
    const char *body, size_t len, const char *why)
{
	struct rpcc_reply *rep = r->reply;

	r->reply = NULL;
	rep->pub.id = r->id;
	rep->pub.status = status;
	rep->cmd = r->cmd;
	r->cmd = NULL;
	rep->pub.cmd = rep->cmd;
	if (res != NULL) {
		rep->pub.code = res->code;
		rep->msg = res->msg;
		rep->pub.json = res->json;
		res->msg = NULL;
		res->json = NULL;
	} else {
		rep->msg = strdup(why);
	}
	rep->pub.msg = rep->msg != NULL ? rep->msg : "out of memory";
	if (body != NULL && (rep->body = malloc(len + 1)) != NULL) {
		memcpy(rep->body, body, len);
		rep->body[len] = '\0';
		rep->pub.body = rep->body;
		rep->pub.len = len;
	}
	tab_remove(p, r);
	list_remove(p, r);
	p->n--;
	rpcc_req_free(r);
	if (p->rtail != NULL)
		p->rtail->next = rep;
	else
		p->rhead = rep;
	p->rtail = rep;
	p->nready++;
}

void
rpcc_pending_fail(struct rpcc_pending *p, struct rpcc_req *r, int status, const char *fmt, ...)
{
	char msg[sizeof(((egrpc_ctx *)NULL)->errstr)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	finish(p, r, status, NULL, NULL, 0, msg);
}

int
rpcc_pending_reply(struct rpcc_pending *p, const void *id, size_t idlen, const char *body,
    size_t len)
{
	struct rpcc_result res;
	struct rpcc_req *r;

	/* Foreign ids, and late replies to requests already completed, are not ours. */
	if ((r = rpcc_pending_find(p, id, idlen)) == NULL)
		return 0;
	if (rpcc_classify(body, len, &res) != 0) {
		rpcc_pending_fail(p, r, EGRPC_ENOMEM, "out of memory reading the reply to '%s'",
		    r->cmd);
		return 1;
	}
	finish(p, r, res.status, &res, body, len, NULL);
	return 1;
}

size_t
rpcc_pending_expire(struct rpcc_pending *p, int64_t now)
{
	size_t n = 0;

	for (; p->head != NULL && p->head->deadline <= now; n++)
		rpcc_pending_fail(p, p->head, EGRPC_ETIMEOUT, "timeout: no reply to '%s' within %d "
		    "ms (unless the gate took it, the broker drops the request when it expires)",
		    p->head->cmd, p->head->timeout_ms);
	return n;
}

int64_t
rpcc_pending_next_deadline(const struct rpcc_pending *p)
{
	return p->head != NULL ? p->head->deadline : INT64_MAX;
}

void
rpcc_pending_renew(struct rpcc_pending *p, int64_t now)
{
	struct rpcc_req *r, *next;

	/* New deadlines change the order: take the list apart and insert each again. */
	r = p->head;
	p->head = p->tail = NULL;
	for (; r != NULL; r = next) {
		next = r->next;
		if (r->sent)
			r->deadline = now + r->timeout_ms;
		list_insert(p, r);
	}
}

egrpc_reply *
rpcc_pending_take(struct rpcc_pending *p, uint64_t id)
{
	struct rpcc_reply *rep, *prev = NULL;

	for (rep = p->rhead; rep != NULL; prev = rep, rep = rep->next) {
		if (id != 0 && rep->pub.id != id)
			continue;
		if (prev != NULL)
			prev->next = rep->next;
		else
			p->rhead = rep->next;
		if (p->rtail == rep)
			p->rtail = prev;
		rep->next = NULL;
		p->nready--;
		return &rep->pub;
	}
	return NULL;
}

void
egrpc_reply_free(egrpc_reply *r)
{
	struct rpcc_reply *rep = (struct rpcc_reply *)r;

	if (rep == NULL)
		return;
	json_object_put(rep->pub.json);
	free(rep->msg);
	free(rep->cmd);
	free(rep->body);
	free(rep);
}
