/*
 * registry.c - the registry's core: configuration, accounts and login,
 * request classification, dispatch, poll queues, and the helpers the
 * object modules (reg_domain.c, reg_host.c, reg_contact.c) share.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1   /* timegm */
#endif
#include "registry.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "reg_model.h"
#include "xmlsafe.h"

void
registry_config_defaults(struct registry_config *c)
{
	memset(c, 0, sizeof(*c));
	c->svid = "epp-sim";
	c->obj_uris[0] = SX_NS_DOMAIN;
	c->obj_uris[1] = SX_NS_CONTACT;
	c->obj_uris[2] = SX_NS_HOST;
	c->n_obj = 3;
	c->ext_uris[0] = SX_NS_SECDNS;
	c->ext_uris[1] = SX_NS_RGP;
	c->ext_uris[2] = SX_NS_FEE;
	c->n_ext = 3;
	c->redemption_ms = (int64_t)30 * 86400 * 1000;
	c->currency = "USD";
	c->fee_create = 1000;
	c->fee_renew = 1000;
	c->fee_transfer = 800;
	c->fee_restore = 4000;
}

/* Keeps a copy of s that lives as long as the registry. */
static const char *
keep(struct registry *r, const char *s)
{
	char *d;

	if (s == NULL || r->nstrings >= sizeof(r->strings) / sizeof(r->strings[0]))
		return NULL;
	if ((d = strdup(s)) == NULL)
		return NULL;
	r->strings[r->nstrings++] = d;
	return d;
}

struct registry *
registry_new(const struct registry_config *c, struct eg_err *err)
{
	struct registry *r;
	size_t i;
	int bad = 0;

	if (c->n_obj == 0 || c->n_obj > SIM_MAX_URIS || c->n_ext > SIM_MAX_URIS) {
		eg_err_set(err, EG_ECONFIG, "between 1 and %d object URIs, at most %d extension URIs",
		    SIM_MAX_URIS, SIM_MAX_URIS);
		return NULL;
	}
	if (c->svid == NULL || strlen(c->svid) < 3 || strlen(c->svid) > 64) {
		eg_err_set(err, EG_ECONFIG, "the server id must have 3 to 64 characters");
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&r->mu, NULL);
	r->cfg = *c;
	bad |= (r->cfg.svid = keep(r, c->svid)) == NULL;
	bad |= (r->cfg.currency = keep(r, c->currency ? c->currency : "USD")) == NULL;
	for (i = 0; i < c->n_obj; i++)
		bad |= (r->cfg.obj_uris[i] = keep(r, c->obj_uris[i])) == NULL;
	for (i = 0; i < c->n_ext; i++)
		bad |= (r->cfg.ext_uris[i] = keep(r, c->ext_uris[i])) == NULL;
	if (bad) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		registry_free(r);
		return NULL;
	}
	r->next_roid = 1;
	r->next_msgid = 1;
	snprintf(r->svtrid_prefix, sizeof(r->svtrid_prefix), "SIM%ld", (long)getpid());
	return r;
}

static void
tab_free(struct reg_tab *t, void (*f)(struct reg_obj *))
{
	struct reg_obj *o, *next;
	size_t i;

	for (i = 0; i < t->nb; i++)
		for (o = t->b[i]; o != NULL; o = next) {
			next = o->tnext;
			f(o);
		}
	free(t->b);
	memset(t, 0, sizeof(*t));
}

static void
free_domain_obj(struct reg_obj *o)
{
	reg_domain_free((struct reg_domain *)o);
}

static void
free_host_obj(struct reg_obj *o)
{
	reg_host_free((struct reg_host *)o);
}

static void
free_contact_obj(struct reg_obj *o)
{
	reg_contact_free((struct reg_contact *)o);
}

void
registry_free(struct registry *r)
{
	struct reg_msg *m, *next;
	size_t i;

	if (r == NULL)
		return;
	/* Domains first: they point at hosts and contacts. */
	tab_free(&r->domains, free_domain_obj);
	tab_free(&r->hosts, free_host_obj);
	tab_free(&r->contacts, free_contact_obj);
	for (i = 0; i < r->nacct; i++) {
		for (m = r->acct[i].head; m != NULL; m = next) {
			next = m->next;
			free(m);
		}
		free(r->acct[i].pw);
	}
	free(r->acct);
	for (i = 0; i < r->nstrings; i++)
		free(r->strings[i]);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static struct reg_account *
find_account(struct registry *r, const char *clid)
{
	size_t i;

	for (i = 0; i < r->nacct; i++)
		if (strcmp(r->acct[i].clid, clid) == 0)
			return &r->acct[i];
	return NULL;
}

int
registry_add_account(struct registry *r, const char *clid, const char *pw, struct eg_err *err)
{
	struct reg_account *a;
	size_t n = strlen(clid);
	int rc = -1;

	if (n < 3 || n > SIM_CLID_MAX)
		return eg_err_set(err, EG_ECONFIG, "client id '%s' must have 3 to %d characters",
		    clid, SIM_CLID_MAX);
	if (pw[0] == '\0' || strlen(pw) > 64)
		return eg_err_set(err, EG_ECONFIG, "the password of '%s' must have 1 to 64 characters",
		    clid);
	pthread_mutex_lock(&r->mu);
	if (find_account(r, clid) != NULL) {
		eg_err_set(err, EG_ECONFIG, "client id '%s' given twice", clid);
		goto done;
	}
	if ((a = realloc(r->acct, (r->nacct + 1) * sizeof(*a))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		goto done;
	}
	r->acct = a;
	a = &r->acct[r->nacct];
	memset(a, 0, sizeof(*a));
	snprintf(a->clid, sizeof(a->clid), "%s", clid);
	if ((a->pw = strdup(pw)) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		goto done;
	}
	r->nacct++;
	rc = 0;
done:
	pthread_mutex_unlock(&r->mu);
	return rc;
}

void
registry_advance_clock(struct registry *r, int64_t ms)
{
	pthread_mutex_lock(&r->mu);
	r->clock_offset += ms;
	pthread_mutex_unlock(&r->mu);
}

/* ---- time ---- */

int64_t
reg_now(struct registry *r)
{
	return eg_wall_ms() + r->clock_offset;
}

void
reg_fmt_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S.0Z", &tm);
}

void
reg_fmt_date(int64_t ms, char out[16])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

int64_t
reg_add_months(int64_t ms, int months)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	tm.tm_mon += months;    /* timegm normalises: 29 February + 1 year is 1 March */
	return (int64_t)timegm(&tm) * 1000 + ms % 1000;
}

void
reg_new_roid(struct registry *r, char out[32], char kind)
{
	snprintf(out, 32, "%c%lu-SIM", kind, r->next_roid++);
}

/* ---- hash tables ---- */

static size_t
hash(const char *s)
{
	size_t h = 14695981039346656037ULL & (size_t)-1;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= (size_t)1099511628211ULL;
	}
	return h;
}

struct reg_obj *
reg_tab_get(struct reg_tab *t, const char *key)
{
	struct reg_obj *o;

	if (t->nb == 0)
		return NULL;
	for (o = t->b[hash(key) & (t->nb - 1)]; o != NULL; o = o->tnext)
		if (strcmp(o->name, key) == 0)
			return o;
	return NULL;
}

static int
tab_grow(struct reg_tab *t)
{
	size_t nb = t->nb ? t->nb * 2 : 64, i, h;
	struct reg_obj **b, *o, *next;

	if ((b = calloc(nb, sizeof(*b))) == NULL)
		return -1;
	for (i = 0; i < t->nb; i++)
		for (o = t->b[i]; o != NULL; o = next) {
			next = o->tnext;
			h = hash(o->name) & (nb - 1);
			o->tnext = b[h];
			b[h] = o;
		}
	free(t->b);
	t->b = b;
	t->nb = nb;
	return 0;
}

int
reg_tab_put(struct reg_tab *t, struct reg_obj *o)
{
	size_t h;

	if (t->n + 1 > t->nb && tab_grow(t) == -1)
		return -1;
	h = hash(o->name) & (t->nb - 1);
	o->tnext = t->b[h];
	t->b[h] = o;
	t->n++;
	return 0;
}

void
reg_tab_del(struct reg_tab *t, struct reg_obj *o)
{
	struct reg_obj **pp;

	if (t->nb == 0)
		return;
	for (pp = &t->b[hash(o->name) & (t->nb - 1)]; *pp != NULL; pp = &(*pp)->tnext)
		if (*pp == o) {
			*pp = o->tnext;
			o->tnext = NULL;
			t->n--;
			return;
		}
}

struct reg_obj *
reg_tab_next(struct reg_tab *t, size_t *i, struct reg_obj *cur)
{
	struct reg_obj *o;

	if (cur != NULL && cur->tnext != NULL)
		return cur->tnext;
	while (*i < t->nb)
		if ((o = t->b[(*i)++]) != NULL)
			return o;
	return NULL;
}

/* ---- names, statuses, authInfo ---- */

int
reg_name_norm(const char *in, char *out, size_t cap)
{
	size_t n = strlen(in), i, label = 0, labels = 1;
	char c;

	if (n == 0 || n > 253 || n >= cap)
		return -1;
	for (i = 0; i <= n; i++) {
		c = (char)tolower((unsigned char)in[i]);
		out[i] = c;
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || out[i - 1] == '-')
				return -1;
			if (c == '.')
				labels++;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return -1;
		if (c == '-' && label == 0)
			return -1;
		label++;
	}
	return labels >= 2 ? 0 : -1;
}

static const char *const st_names[ST_COUNT] = {
	"clientDeleteProhibited", "clientHold", "clientRenewProhibited",
	"clientTransferProhibited", "clientUpdateProhibited", "inactive", "linked", "ok",
	"pendingCreate", "pendingDelete", "pendingRenew", "pendingTransfer", "pendingUpdate",
	"serverDeleteProhibited", "serverHold", "serverRenewProhibited",
	"serverTransferProhibited", "serverUpdateProhibited",
};

const char *
reg_st_name(enum reg_st s)
{
	return s < ST_COUNT ? st_names[s] : "ok";
}

int
reg_st_parse(const char *name)
{
	int i;

	for (i = 0; i < ST_COUNT; i++)
		if (strcmp(st_names[i], name) == 0)
			return i;
	return -1;
}

int
reg_st_set(struct reg_obj *o, enum reg_st s, const char *text)
{
	char *t = NULL;

	if (text != NULL && text[0] != '\0' && (t = strdup(text)) == NULL)
		return -1;
	free(o->status_text[s]);
	o->status_text[s] = t;
	o->status |= STB(s);
	return 0;
}

void
reg_st_clear(struct reg_obj *o, enum reg_st s)
{
	free(o->status_text[s]);
	o->status_text[s] = NULL;
	o->status &= ~STB(s);
}

void
reg_obj_free(struct reg_obj *o)
{
	int i;

	free(o->name);
	free(o->authpw);
	for (i = 0; i < ST_COUNT; i++)
		free(o->status_text[i]);
}

/* Readable filler for --info-pad: normalizedString-safe (no tabs or newlines). */
static char *
pad_text(const char *first, size_t pad)
{
	static const char unit[] = "epp-sim info padding ";
	size_t lf = first ? strlen(first) : 0, i;
	char *s = malloc(lf + pad + 2);

	if (s == NULL)
		return NULL;
	memcpy(s, first ? first : "", lf);
	if (lf > 0)
		s[lf++] = ' ';
	for (i = 0; i < pad; i++)
		s[lf + i] = unit[i % (sizeof(unit) - 1)];
	s[lf + pad] = '\0';
	return s;
}

void
reg_show_status(xmlNodePtr parent, const struct reg_obj *o, uint32_t extra, size_t pad)
{
	uint32_t bits = o->status | extra;
	xmlNodePtr n;
	char *padded;
	int s;

	if (bits == 0)
		bits = STB(ST_OK);
	for (s = 0; s < ST_COUNT; s++) {
		if (!(bits & STB(s)))
			continue;
		if (pad > 0 && (padded = pad_text(o->status_text[s], pad)) != NULL) {
			n = sx_add(parent, "status", padded);
			free(padded);
			pad = 0;
		} else {
			n = sx_add(parent, "status", o->status_text[s]);
		}
		sx_set_attr(n, "s", st_names[s]);
	}
}

int
reg_auth_ok(const struct reg_obj *o, const char *pw)
{
	return pw != NULL && pw[0] != '\0' && o->authpw != NULL && strcmp(o->authpw, pw) == 0;
}

int
reg_read_authinfo(xmlNodePtr parent, const char *ns, char *pw, size_t cap)
{
	xmlNodePtr a = sx_child(parent, ns, "authInfo"), p;

	pw[0] = '\0';
	if (a == NULL)
		return 0;
	if ((p = sx_child(a, ns, "pw")) == NULL)
		return -1;          /* <ext> authInfo is not supported */
	return sx_text(p, pw, cap) == -1 ? -1 : 1;
}

int
reg_is_sponsor(const struct reg_cmd *c, const struct reg_obj *o)
{
	return strcmp(c->s->clid, o->clid) == 0;
}

int
reg_read_period(struct reg_cmd *c, xmlNodePtr parent, int *months)
{
	xmlNodePtr p = sx_child(parent, parent->ns ? (const char *)parent->ns->href : NULL,
	    "period");
	char unit[8], val[16];
	char *end;
	long n;

	*months = 12;
	if (p == NULL)
		return 0;
	sx_attr(p, "unit", unit, sizeof(unit));
	sx_text(p, val, sizeof(val));
	n = strtol(val, &end, 10);
	if (val[0] == '\0' || *end != '\0' || n < 1 || n > 99) {
		sx_resp_result(c->resp, 2005, "period '%s' is not a number from 1 to 99", val);
		return -1;
	}
	if (strcmp(unit, "y") == 0) {
		n *= 12;
	} else if (strcmp(unit, "m") != 0) {
		sx_resp_result(c->resp, 2005, "period unit '%s' is neither 'y' nor 'm'", unit);
		return -1;
	}
	if (n > 120) {
		sx_resp_result(c->resp, 2004, "a period may not exceed 10 years");
		return -1;
	}
	*months = (int)n;
	return 0;
}

/* ---- poll messages and transfer data ---- */

void
reg_queue_msg(struct registry *r, const char *clid, const char *text, enum sim_objtype t,
    const char *name, const struct reg_trn *trn)
{
	struct reg_account *a = find_account(r, clid);
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

static void
do_poll(struct reg_cmd *c)
{
	struct reg_account *a = find_account(c->reg, c->s->clid);
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

/* ---- requests ---- */

static const struct {
	const char *name;
	enum sim_verb verb;
} verbs[] = {
	{"login", SIM_V_LOGIN}, {"logout", SIM_V_LOGOUT}, {"poll", SIM_V_POLL},
	{"check", SIM_V_CHECK}, {"info", SIM_V_INFO}, {"create", SIM_V_CREATE},
	{"delete", SIM_V_DELETE}, {"renew", SIM_V_RENEW}, {"transfer", SIM_V_TRANSFER},
	{"update", SIM_V_UPDATE},
};

static void
req_error(struct sim_request *rq, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
req_error(struct sim_request *rq, int code, const char *fmt, ...)
{
	va_list ap;

	if (rq->error != 0)
		return;
	rq->error = code;
	va_start(ap, fmt);
	vsnprintf(rq->errmsg, sizeof(rq->errmsg), fmt, ap);
	va_end(ap);
}

static void
classify_object(struct sim_request *rq)
{
	static const struct {
		const char *ns, *prefix, *idname;
		enum sim_objtype t;
	} objs[] = {
		{SX_NS_DOMAIN, "domain", "name", SIM_OBJ_DOMAIN},
		{SX_NS_HOST, "host", "name", SIM_OBJ_HOST},
		{SX_NS_CONTACT, "contact", "id", SIM_OBJ_CONTACT},
	};
	xmlNodePtr o = sx_child(rq->verb_node, NULL, NULL);
	const char *verb = (const char *)rq->verb_node->name;
	size_t i;

	snprintf(rq->cmd, sizeof(rq->cmd), "%s", verb);
	if (o == NULL) {
		req_error(rq, 2001, "<%s> needs an object element", verb);
		return;
	}
	rq->obj_node = o;
	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		if (!sx_is(o, objs[i].ns, NULL))
			continue;
		rq->objtype = objs[i].t;
		snprintf(rq->cmd, sizeof(rq->cmd), "%s:%s", objs[i].prefix, verb);
		if (strcmp((const char *)o->name, verb) != 0)
			req_error(rq, 2001, "<%s> holds <%s:%s>", verb, objs[i].prefix,
			    (const char *)o->name);
		if (sx_text(sx_child(o, objs[i].ns, objs[i].idname), rq->obj, sizeof(rq->obj)) == -1)
			req_error(rq, 2005, "object name longer than %zu characters",
			    sizeof(rq->obj) - 1);
		return;
	}
	req_error(rq, 2307, "no object service for namespace '%s'",
	    o->ns && o->ns->href ? (const char *)o->ns->href : "");
}

static void
classify_command(struct sim_request *rq, xmlNodePtr command)
{
	xmlNodePtr v = sx_child(command, NULL, NULL), t;
	size_t i;

	strcpy(rq->cmd, "unknown");
	if ((t = sx_child(command, SX_NS_EPP, "clTRID")) != NULL) {
		/* Echoed exactly as sent, whitespace included: clients compare it as a string. */
		xmlChar *id = xmlNodeGetContent(t);

		if (id == NULL || strlen((const char *)id) > SIM_CLTRID_MAX) {
			req_error(rq, 2001, "clTRID longer than %d characters", SIM_CLTRID_MAX);
		} else {
			snprintf(rq->cltrid, sizeof(rq->cltrid), "%s", (const char *)id);
			rq->has_cltrid = 1;
		}
		xmlFree(id);
	}
	rq->ext_node = sx_child(command, SX_NS_EPP, "extension");
	if (v == NULL || !sx_is(v, SX_NS_EPP, NULL)) {
		req_error(rq, 2001, "<command> holds no EPP command");
		return;
	}
	rq->verb_node = v;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp((const char *)v->name, verbs[i].name) == 0)
			rq->verb = verbs[i].verb;
	if (rq->verb == SIM_V_NONE) {
		req_error(rq, 2000, "<%s> is not an EPP command", (const char *)v->name);
		return;
	}
	rq->klass = SIM_CLASS_TRANSFORM;
	switch (rq->verb) {
	case SIM_V_LOGIN:
	case SIM_V_LOGOUT:
		snprintf(rq->cmd, sizeof(rq->cmd), "%s", verbs[rq->verb == SIM_V_LOGIN ? 0 : 1].name);
		rq->klass = SIM_CLASS_SESSION;
		if (rq->verb == SIM_V_LOGIN &&
		    sx_text(sx_child(v, SX_NS_EPP, "clID"), rq->obj, sizeof(rq->obj)) == -1)
			req_error(rq, 2005, "clID too long");
		return;
	case SIM_V_POLL:
		strcpy(rq->cmd, "poll");
		sx_attr(v, "op", rq->op, sizeof(rq->op));
		if (strcmp(rq->op, "req") == 0)
			rq->klass = SIM_CLASS_QUERY;
		else if (strcmp(rq->op, "ack") == 0)
			sx_attr(v, "msgID", rq->obj, sizeof(rq->obj));
		else
			req_error(rq, 2005, "poll op '%s' is neither 'req' nor 'ack'", rq->op);
		return;
	case SIM_V_TRANSFER:
		sx_attr(v, "op", rq->op, sizeof(rq->op));
		if (strcmp(rq->op, "query") == 0)
			rq->klass = SIM_CLASS_QUERY;
		else if (strcmp(rq->op, "request") != 0 && strcmp(rq->op, "approve") != 0 &&
		    strcmp(rq->op, "reject") != 0 && strcmp(rq->op, "cancel") != 0)
			req_error(rq, 2005, "transfer op '%s' is not one of request, query, approve, "
			    "reject, cancel", rq->op);
		break;
	case SIM_V_CHECK:
	case SIM_V_INFO:
		rq->klass = SIM_CLASS_QUERY;
		break;
	default:
		break;
	}
	classify_object(rq);
}

void
sim_request_parse(const char *xml, size_t len, struct sim_request *rq)
{
	struct eg_err e = {EG_OK, ""};
	xmlNodePtr root, body;

	memset(rq, 0, sizeof(*rq));
	strcpy(rq->cmd, "invalid");
	rq->klass = SIM_CLASS_OTHER;
	if ((rq->doc = eg_xml_parse(xml, len, 0, &e)) == NULL) {
		req_error(rq, 2001, "not well-formed XML: %s", e.msg);
		return;
	}
	root = xmlDocGetRootElement(rq->doc);
	if (!sx_is(root, SX_NS_EPP, "epp")) {
		req_error(rq, 2001, "the root element is not <epp> in namespace %s", SX_NS_EPP);
		return;
	}
	body = sx_child(root, NULL, NULL);
	if (sx_is(body, SX_NS_EPP, "hello")) {
		strcpy(rq->cmd, "hello");
		rq->verb = SIM_V_HELLO;
		rq->verb_node = body;
		rq->klass = SIM_CLASS_SESSION;
		return;
	}
	if (!sx_is(body, SX_NS_EPP, "command")) {
		req_error(rq, 2001, "<epp> holds neither <hello> nor <command>");
		return;
	}
	classify_command(rq, body);
	/* The class survives a malformed argument; only an unknown command has none. */
	if (rq->verb == SIM_V_NONE)
		rq->klass = SIM_CLASS_OTHER;
}

void
sim_request_free(struct sim_request *rq)
{
	if (rq->doc != NULL)
		xmlFreeDoc(rq->doc);
	rq->doc = NULL;
}

void
sim_reply_free(struct sim_reply *rp)
{
	buf_free(&rp->xml);
}

/* ---- greeting, login ---- */

int
registry_greeting(struct registry *r, struct buf *out)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr epp, g, m, x, d, st;
	xmlNsPtr ns;
	char ts[32];
	size_t i;
	int rc = -1;

	if (doc == NULL)
		return -1;
	if ((epp = xmlNewDocNode(doc, NULL, (const xmlChar *)"epp", NULL)) == NULL)
		goto done;
	xmlDocSetRootElement(doc, epp);
	if ((ns = xmlNewNs(epp, (const xmlChar *)SX_NS_EPP, NULL)) == NULL)
		goto done;
	xmlSetNs(epp, ns);
	g = sx_add(epp, "greeting", NULL);
	sx_add(g, "svID", r->cfg.svid);
	pthread_mutex_lock(&r->mu);
	reg_fmt_time(reg_now(r), ts);
	pthread_mutex_unlock(&r->mu);
	sx_add(g, "svDate", ts);
	m = sx_add(g, "svcMenu", NULL);
	sx_add(m, "version", "1.0");
	sx_add(m, "lang", "en");
	for (i = 0; i < r->cfg.n_obj; i++)
		sx_add(m, "objURI", r->cfg.obj_uris[i]);
	if (r->cfg.n_ext > 0) {
		x = sx_add(m, "svcExtension", NULL);
		for (i = 0; i < r->cfg.n_ext; i++)
			sx_add(x, "extURI", r->cfg.ext_uris[i]);
	}
	d = sx_add(g, "dcp", NULL);
	sx_add(sx_add(d, "access", NULL), "all", NULL);
	st = sx_add(d, "statement", NULL);
	x = sx_add(st, "purpose", NULL);
	sx_add(x, "admin", NULL);
	sx_add(x, "prov", NULL);
	x = sx_add(st, "recipient", NULL);
	sx_add(x, "ours", NULL);
	sx_add(x, "public", NULL);
	sx_add(sx_add(st, "retention", NULL), "stated", NULL);
	rc = sx_doc_dump(doc, out);
done:
	xmlFreeDoc(doc);
	return rc;
}

static int
uri_index(const char *const *uris, size_t n, const char *uri)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(uris[i], uri) == 0)
			return (int)i;
	return -1;
}

static void
do_login(struct reg_cmd *c)
{
	struct registry *r = c->reg;
	xmlNodePtr l = c->rq->verb_node, opt, svcs, u;
	struct reg_account *a;
	char clid[SIM_CLID_MAX + 2], pw[72], newpw[72], ver[16], lang[16], uri[512];
	uint32_t objs = 0, exts = 0;
	int i, have_new;

	if (c->s->logged_in) {
		sx_resp_result(c->resp, 2002, "already logged in");
		return;
	}
	opt = sx_child(l, SX_NS_EPP, "options");
	svcs = sx_child(l, SX_NS_EPP, "svcs");
	if (sx_child(l, SX_NS_EPP, "clID") == NULL || sx_child(l, SX_NS_EPP, "pw") == NULL ||
	    opt == NULL || svcs == NULL) {
		sx_resp_result(c->resp, 2001, "login needs clID, pw, options and svcs");
		return;
	}
	have_new = sx_child(l, SX_NS_EPP, "newPW") != NULL;
	if (sx_text(sx_child(l, SX_NS_EPP, "clID"), clid, sizeof(clid)) == -1 ||
	    sx_text(sx_child(l, SX_NS_EPP, "pw"), pw, sizeof(pw)) == -1 ||
	    sx_text(sx_child(l, SX_NS_EPP, "newPW"), newpw, sizeof(newpw)) == -1) {
		sx_resp_result(c->resp, 2200, "invalid client id or password");
		return;
	}
	sx_text(sx_child(opt, SX_NS_EPP, "version"), ver, sizeof(ver));
	sx_text(sx_child(opt, SX_NS_EPP, "lang"), lang, sizeof(lang));
	if (strcmp(ver, "1.0") != 0) {
		sx_resp_result(c->resp, 2100, "version '%s' (this server speaks 1.0)", ver);
		return;
	}
	if (strcmp(lang, "en") != 0) {
		sx_resp_result(c->resp, 2102, "language '%s' (this server speaks en)", lang);
		return;
	}
	a = find_account(r, clid);
	/* One message for both cases: a login must not reveal which client ids exist. */
	if (a == NULL || strcmp(a->pw, pw) != 0) {
		sx_resp_result(c->resp, 2200, "invalid client id or password");
		return;
	}
	for (u = sx_child(svcs, SX_NS_EPP, "objURI"); u != NULL; u = sx_next(u, SX_NS_EPP, "objURI")) {
		sx_text(u, uri, sizeof(uri));
		if ((i = uri_index(r->cfg.obj_uris, r->cfg.n_obj, uri)) < 0) {
			sx_resp_result(c->resp, 2307, "object service '%s' is not offered", uri);
			return;
		}
		objs |= 1u << i;
	}
	u = sx_child(sx_child(svcs, SX_NS_EPP, "svcExtension"), SX_NS_EPP, "extURI");
	for (; u != NULL; u = sx_next(u, SX_NS_EPP, "extURI")) {
		sx_text(u, uri, sizeof(uri));
		if ((i = uri_index(r->cfg.ext_uris, r->cfg.n_ext, uri)) < 0) {
			sx_resp_result(c->resp, 2103, "extension '%s' is not offered", uri);
			return;
		}
		exts |= 1u << i;
	}
	if (objs == 0) {
		sx_resp_result(c->resp, 2003, "login needs at least one objURI");
		return;
	}
	if (r->cfg.max_sessions > 0 && r->sessions >= r->cfg.max_sessions) {
		sx_resp_result(c->resp, 2502, "%u sessions are open already", r->sessions);
		c->close = 1;
		return;
	}
	if (have_new) {
		char *p;

		if (newpw[0] == '\0' || (p = strdup(newpw)) == NULL) {
			sx_resp_result(c->resp, 2005, "the new password may not be empty");
			return;
		}
		free(a->pw);
		a->pw = p;
	}
	c->s->logged_in = 1;
	snprintf(c->s->clid, sizeof(c->s->clid), "%s", a->clid);
	c->s->obj_mask = objs;
	c->s->ext_mask = exts;
	r->sessions++;
	sx_resp_result(c->resp, 1000, NULL);
}

void
registry_session_end(struct registry *r, struct sim_session *s)
{
	pthread_mutex_lock(&r->mu);
	if (s->logged_in && r->sessions > 0)
		r->sessions--;
	s->logged_in = 0;
	pthread_mutex_unlock(&r->mu);
}

/* ---- dispatch ---- */

static const char *
objtype_uri(enum sim_objtype t)
{
	switch (t) {
	case SIM_OBJ_DOMAIN: return SX_NS_DOMAIN;
	case SIM_OBJ_HOST: return SX_NS_HOST;
	case SIM_OBJ_CONTACT: return SX_NS_CONTACT;
	default: return "";
	}
}

/* The object service and every extension used must be offered and selected at login. */
static int
services_ok(struct reg_cmd *c)
{
	const struct sim_request *rq = c->rq;
	struct registry *r = c->reg;
	const char *uri;
	xmlNodePtr e;
	int i;

	if (rq->objtype != SIM_OBJ_NONE) {
		uri = objtype_uri(rq->objtype);
		i = uri_index(r->cfg.obj_uris, r->cfg.n_obj, uri);
		if (i < 0 || !(c->s->obj_mask & (1u << i))) {
			sx_resp_result(c->resp, 2307, "object service '%s' %s", uri,
			    i < 0 ? "is not offered" : "was not selected at login");
			return 0;
		}
	}
	for (e = sx_child(rq->ext_node, NULL, NULL); e != NULL; e = sx_next(e, NULL, NULL)) {
		uri = e->ns && e->ns->href ? (const char *)e->ns->href : "";
		i = uri_index(r->cfg.ext_uris, r->cfg.n_ext, uri);
		if (i < 0 || !(c->s->ext_mask & (1u << i))) {
			sx_resp_result(c->resp, 2103, "extension '%s' %s", uri,
			    i < 0 ? "is not offered" : "was not selected at login");
			return 0;
		}
	}
	return 1;
}

static void
dispatch(struct reg_cmd *c)
{
	if (!services_ok(c))
		return;
	switch (c->rq->verb) {
	case SIM_V_POLL:
		do_poll(c);
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
		do_login(&c);
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
	sim_request_free(&rq);
	return rc;
}

/* ---- status changes shared by the object modules ---- */

int
reg_read_statuses(struct reg_cmd *c, xmlNodePtr addrem, const char *ns, uint32_t allowed,
    uint32_t *bits, char (*texts)[256])
{
	xmlNodePtr n;
	char name[64];
	int s;

	*bits = 0;
	for (n = sx_child(addrem, ns, "status"); n != NULL; n = sx_next(n, ns, "status")) {
		sx_attr(n, "s", name, sizeof(name));
		if ((s = reg_st_parse(name)) < 0) {
			sx_resp_result(c->resp, 2005, "unknown status '%s'", name);
			return -1;
		}
		if (!(allowed & STB(s))) {
			sx_resp_result(c->resp, 2306, "status '%s' cannot be set or removed by a client",
			    name);
			return -1;
		}
		if (*bits & STB(s)) {
			sx_resp_result(c->resp, 2306, "status '%s' given twice", name);
			return -1;
		}
		*bits |= STB(s);
		if (texts != NULL && sx_text(n, texts[s], 256) == -1) {
			sx_resp_result(c->resp, 2005, "the text of status '%s' is too long", name);
			return -1;
		}
	}
	return 0;
}

int
reg_check_statuses(struct reg_cmd *c, const struct reg_obj *o, uint32_t add, uint32_t rem)
{
	int s;

	for (s = 0; s < ST_COUNT; s++) {
		if ((add & STB(s)) && (o->status & STB(s)) && !(rem & STB(s))) {
			sx_resp_result(c->resp, 2306, "status '%s' is set already", reg_st_name(s));
			return -1;
		}
		if ((rem & STB(s)) && !(o->status & STB(s))) {
			sx_resp_result(c->resp, 2306, "status '%s' is not set", reg_st_name(s));
			return -1;
		}
	}
	return 0;
}

int
reg_apply_statuses(struct reg_obj *o, uint32_t add, char (*texts)[256], uint32_t rem)
{
	int s;

	for (s = 0; s < ST_COUNT; s++) {
		if (rem & STB(s))
			reg_st_clear(o, s);
		if ((add & STB(s)) && reg_st_set(o, s, texts ? texts[s] : NULL) == -1)
			return -1;
	}
	return 0;
}

void
reg_gen_authpw(struct registry *r, char out[32])
{
	uint64_t x = (uint64_t)eg_now_us() * 6364136223846793005ULL + r->next_roid * 1442695040888963407ULL;

	/* Not a secret worth protecting: objects created without authInfo get one so that
	 * the transfer rules stay the same for every object. */
	snprintf(out, 32, "Sim-%016llx", (unsigned long long)(x ^ (x >> 29)));
}
