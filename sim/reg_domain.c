/* SPDX-License-Identifier: MIT */
/*
 * reg_domain.c - domain commands (RFC 5731) with the secDNS-1.1 (RFC 5910),
 * rgp-1.0 (RFC 3915) and fee-1.0 (RFC 8748: check, and the fees of create,
 * renew, transfer and update) extensions; the secDNS records and fee prices
 * themselves are in reg_secdns.c and reg_fee.c.
 *
 * Every command checks everything before it changes anything, so a refused
 * command leaves the registry as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reg_model.h"

#define D SX_NS_DOMAIN

static const char *const ctype_names[] = {"admin", "billing", "tech"};

static const uint32_t settable =
    STB(ST_CLIENT_DELETE_PROHIBITED) | STB(ST_CLIENT_HOLD) | STB(ST_CLIENT_RENEW_PROHIBITED) |
    STB(ST_CLIENT_TRANSFER_PROHIBITED) | STB(ST_CLIENT_UPDATE_PROHIBITED) |
    STB(ST_SERVER_DELETE_PROHIBITED) | STB(ST_SERVER_HOLD) | STB(ST_SERVER_RENEW_PROHIBITED) |
    STB(ST_SERVER_TRANSFER_PROHIBITED) | STB(ST_SERVER_UPDATE_PROHIBITED);

void
reg_domain_free(struct reg_domain *d)
{
	if (d == NULL)
		return;
	reg_obj_free(&d->o);
	free(d->contacts);
	free(d->ns);
	reg_ds_clear(d->ds, d->nds);
	free(d->ds);
	free(d);
}

static int
ext_selected(const struct reg_cmd *c, const char *uri)
{
	size_t i;

	for (i = 0; i < c->reg->cfg.n_ext; i++)
		if (strcmp(c->reg->cfg.ext_uris[i], uri) == 0)
			return (c->s->ext_mask & (1u << i)) != 0;
	return 0;
}

/* The domain named in the command, or NULL with 2005/2303 set. */
static struct reg_domain *
find_domain(struct reg_cmd *c, const char *name)
{
	char key[256];
	struct reg_domain *d;

	if (name[0] == '\0') {
		sx_resp_result(c->resp, 2003, "domain name missing");
		return NULL;
	}
	if (reg_name_norm(name, key, sizeof(key)) == -1) {
		sx_resp_result(c->resp, 2005, "'%s' is not a valid domain name", name);
		return NULL;
	}
	if ((d = (struct reg_domain *)reg_tab_get(&c->reg->domains, key)) == NULL)
		sx_resp_result(c->resp, 2303, "domain '%s' does not exist", key);
	return d;
}

static struct reg_host *
find_host(struct registry *r, const char *name)
{
	char key[256];

	if (reg_name_norm(name, key, sizeof(key)) == -1)
		return NULL;
	return (struct reg_host *)reg_tab_get(&r->hosts, key);
}

/* Takes d off the list of domains in redemption. */
static void
rgp_unlink(struct registry *r, struct reg_domain *d)
{
	struct reg_domain **pp, *prev = NULL;

	for (pp = &r->rgp_head; *pp != NULL; prev = *pp, pp = &(*pp)->rgp_next)
		if (*pp == d) {
			*pp = d->rgp_next;
			if (r->rgp_tail == d)
				r->rgp_tail = prev;
			break;
		}
	d->rgp_next = NULL;
}

/* Removes a domain for good: links are released, the object freed. */
static void
domain_destroy(struct registry *r, struct reg_domain *d)
{
	size_t i;

	for (i = 0; i < d->nns; i++)
		d->ns[i]->o.refs--;
	for (i = 0; i < d->ncontacts; i++)
		d->contacts[i].c->o.refs--;
	if (d->registrant != NULL)
		d->registrant->o.refs--;
	if (d->deleted != 0)
		rgp_unlink(r, d);
	reg_tab_del(&r->domains, &d->o);
	reg_domain_free(d);
}

void
reg_purge_expired(struct registry *r, int64_t now)
{
	/* Oldest first, and every domain waits the same time: stop at the first one that
	 * is still restorable. */
	while (r->rgp_head != NULL && r->rgp_head->deleted + r->cfg.redemption_ms <= now)
		domain_destroy(r, r->rgp_head);
}

static uint32_t
derived_status(const struct reg_domain *d)
{
	uint32_t s = 0;

	if (d->nns == 0)
		s |= STB(ST_INACTIVE);
	if (d->deleted != 0)
		s |= STB(ST_PENDING_DELETE);
	if (d->o.trn.st == TRN_PENDING)
		s |= STB(ST_PENDING_TRANSFER);
	return s;
}

/* ---- check (+ fee) ---- */

static void
domain_check(struct reg_cmd *c)
{
	xmlNodePtr n, data, cd, nm, fc, fdata = NULL;
	struct reg_fee_cmd fcmds[8];
	size_t nfee = 0, count = 0;
	struct reg_domain *d;
	char name[256], key[256];
	int valid, premium;

	fc = sx_child(c->rq->ext_node, SX_NS_FEE, "check");
	if (fc != NULL && reg_fee_read(c, fc, fcmds, &nfee) == -1)
		return;
	data = sx_resp_data(c->resp, D, "domain", "chkData");
	if (fc != NULL) {
		fdata = sx_resp_ext(c->resp, SX_NS_FEE, "fee", "chkData");
		sx_add(fdata, "currency", c->reg->cfg.currency);
	}
	for (n = sx_child(c->rq->obj_node, D, "name"); n != NULL; n = sx_next(n, D, "name")) {
		if (sx_text(n, name, sizeof(name)) == -1 || name[0] == '\0') {
			sx_resp_result(c->resp, 2005, "domain name empty or too long");
			return;
		}
		count++;
		valid = reg_name_norm(name, key, sizeof(key)) == 0;
		d = valid ? (struct reg_domain *)reg_tab_get(&c->reg->domains, key) : NULL;
		/* RFC 8748 section 4: without <fee:check>, a name whose create would be refused
		 * for want of the fee extension is not available. */
		premium = valid && d == NULL && fc == NULL && reg_fee_premium(c->reg, key);
		cd = sx_add(data, "cd", NULL);
		nm = sx_add(cd, "name", name);
		sx_set_attr(nm, "avail", valid && d == NULL && !premium ? "1" : "0");
		if (!valid)
			sx_add(cd, "reason", "invalid domain name");
		else if (d != NULL)
			sx_add(cd, "reason", d->deleted ? "pending delete" : "in use");
		else if (premium)
			sx_add(cd, "reason", "premium: check with fee");
		if (fdata != NULL)
			reg_fee_show(c, fdata, name, valid ? key : NULL, fcmds, nfee);
	}
	if (count == 0)
		sx_resp_result(c->resp, 2003, "domain check needs at least one name");
}

/* ---- info ---- */

static void
domain_info(struct reg_cmd *c)
{
	xmlNodePtr nn = sx_child(c->rq->obj_node, D, "name"), data, n, ns;
	struct reg_domain *d;
	struct reg_obj *h;
	const struct reg_obj *owner;
	char hosts[8], pw[256], roid[96], ts[32], suffix[260];
	size_t i, it = 0, sl;
	int full, want_del, want_sub, a;

	if (sx_attr(nn, "hosts", hosts, sizeof(hosts)) == 0)
		strcpy(hosts, "all");
	if (strcmp(hosts, "all") != 0 && strcmp(hosts, "del") != 0 &&
	    strcmp(hosts, "sub") != 0 && strcmp(hosts, "none") != 0) {
		sx_resp_result(c->resp, 2005, "hosts='%s' is not one of all, del, sub, none", hosts);
		return;
	}
	if ((d = find_domain(c, c->rq->obj)) == NULL)
		return;
	if ((a = reg_read_authinfo(c->rq->obj_node, D, pw, sizeof(pw), roid, sizeof(roid))) ==
	    -1) {
		sx_resp_result(c->resp, 2005, "authInfo must hold a pw");
		return;
	}
	full = reg_is_sponsor(c, &d->o);
	if (!full && a == 1) {
		/* RFC 5731 section 3.1.2: the authInfo of the registrant or of another
		 * associated contact, named by its roid, opens the domain too. */
		owner = reg_auth_target(&d->o, SIM_OBJ_DOMAIN, roid);
		if (owner == NULL || !reg_auth_ok(owner, pw)) {
			sx_resp_result(c->resp, 2202, NULL);
			return;
		}
		full = 1;
	}
	want_del = strcmp(hosts, "all") == 0 || strcmp(hosts, "del") == 0;
	want_sub = strcmp(hosts, "all") == 0 || strcmp(hosts, "sub") == 0;
	data = sx_resp_data(c->resp, D, "domain", "infData");
	sx_add(data, "name", d->o.name);
	sx_add(data, "roid", d->o.roid);
	reg_show_status(data, &d->o, derived_status(d), c->reg->cfg.info_pad);
	if (d->registrant != NULL)
		sx_add(data, "registrant", d->registrant->o.name);
	for (i = 0; i < d->ncontacts; i++) {
		n = sx_add(data, "contact", d->contacts[i].c->o.name);
		sx_set_attr(n, "type", ctype_names[d->contacts[i].type]);
	}
	if (want_del && d->nns > 0) {
		ns = sx_add(data, "ns", NULL);
		for (i = 0; i < d->nns; i++)
			sx_add(ns, "hostObj", d->ns[i]->o.name);
	}
	if (want_sub && d->nsub > 0) {
		/* Subordinate hosts are not listed per domain: find them by name. */
		snprintf(suffix, sizeof(suffix), ".%s", d->o.name);
		sl = strlen(suffix);
		for (h = NULL; (h = reg_tab_next(&c->reg->hosts, &it, h)) != NULL;) {
			size_t hl = strlen(h->name);

			if (hl > sl && strcmp(h->name + hl - sl, suffix) == 0 &&
			    ((struct reg_host *)h)->parent == d)
				sx_add(data, "host", h->name);
		}
	}
	sx_add(data, "clID", d->o.clid);
	sx_add(data, "crID", d->o.crid);
	reg_fmt_time(d->o.crdate, ts);
	sx_add(data, "crDate", ts);
	if (d->o.upid[0] != '\0') {
		sx_add(data, "upID", d->o.upid);
		reg_fmt_time(d->o.update, ts);
		sx_add(data, "upDate", ts);
	}
	reg_fmt_time(d->exdate, ts);
	sx_add(data, "exDate", ts);
	if (d->o.trdate != 0) {
		reg_fmt_time(d->o.trdate, ts);
		sx_add(data, "trDate", ts);
	}
	if (full && d->o.authpw != NULL)
		sx_add(sx_add(data, "authInfo", NULL), "pw", d->o.authpw);
	if (d->nds > 0 && ext_selected(c, SX_NS_SECDNS)) {
		n = sx_resp_ext(c->resp, SX_NS_SECDNS, "secDNS", "infData");
		if (d->maxsiglife > 0)
			sx_addf(n, "maxSigLife", "%d", d->maxsiglife);
		for (i = 0; i < d->nds; i++)
			reg_ds_show(n, &d->ds[i], d->keyiface);
	}
	if (d->deleted != 0 && ext_selected(c, SX_NS_RGP)) {
		n = sx_resp_ext(c->resp, SX_NS_RGP, "rgp", "infData");
		sx_set_attr(sx_add(n, "rgpStatus", NULL), "s", "redemptionPeriod");
	}
}

/* ---- create ---- */

static int
ctype_parse(const char *s)
{
	int i;

	for (i = 0; i < 3; i++)
		if (strcmp(s, ctype_names[i]) == 0)
			return i;
	return -1;
}

/* <domain:ns> hostObj list into hosts; each must exist. */
static int
read_ns(struct reg_cmd *c, xmlNodePtr ns, struct reg_host **hosts, size_t *n)
{
	xmlNodePtr h;
	char name[256];
	size_t i;

	*n = 0;
	if (ns == NULL)
		return 0;
	if (sx_child(ns, D, "hostAttr") != NULL) {
		sx_resp_result(c->resp, 2102, "hostAttr: this registry uses host objects");
		return -1;
	}
	for (h = sx_child(ns, D, "hostObj"); h != NULL; h = sx_next(h, D, "hostObj")) {
		sx_text(h, name, sizeof(name));
		if (*n == REG_MAX_LIST) {
			sx_resp_result(c->resp, 2306, "more than %d name servers", REG_MAX_LIST);
			return -1;
		}
		if ((hosts[*n] = find_host(c->reg, name)) == NULL) {
			sx_resp_result(c->resp, 2303, "host '%s' does not exist", name);
			return -1;
		}
		for (i = 0; i < *n; i++)
			if (hosts[i] == hosts[*n]) {
				sx_resp_result(c->resp, 2306, "host '%s' given twice", name);
				return -1;
			}
		(*n)++;
	}
	return 0;
}

static struct reg_contact *
find_contact(struct reg_cmd *c, xmlNodePtr n)
{
	char id[64];
	struct reg_contact *k;

	sx_text(n, id, sizeof(id));
	k = (struct reg_contact *)reg_tab_get(&c->reg->contacts, id);
	if (k == NULL)
		sx_resp_result(c->resp, 2303, "contact '%s' does not exist", id);
	return k;
}

/* <domain:contact type=..> children of parent. */
static int
read_contacts(struct reg_cmd *c, xmlNodePtr parent, struct reg_dcontact *v, size_t *n)
{
	xmlNodePtr e;
	char type[16];
	size_t i;

	*n = 0;
	for (e = sx_child(parent, D, "contact"); e != NULL; e = sx_next(e, D, "contact")) {
		if (*n == REG_MAX_LIST) {
			sx_resp_result(c->resp, 2306, "more than %d contacts", REG_MAX_LIST);
			return -1;
		}
		sx_attr(e, "type", type, sizeof(type));
		if ((v[*n].type = ctype_parse(type)) < 0) {
			sx_resp_result(c->resp, 2005, "contact type '%s' is not admin, billing or tech",
			    type);
			return -1;
		}
		if ((v[*n].c = find_contact(c, e)) == NULL)
			return -1;
		for (i = 0; i < *n; i++)
			if (v[i].c == v[*n].c && v[i].type == v[*n].type) {
				sx_resp_result(c->resp, 2306, "contact '%s' given twice as %s",
				    v[i].c->o.name, type);
				return -1;
			}
		(*n)++;
	}
	return 0;
}

static void
domain_create(struct reg_cmd *c)
{
	struct registry *r = c->reg;
	xmlNodePtr o = c->rq->obj_node, sd, data;
	struct reg_host *hosts[REG_MAX_LIST];
	struct reg_dcontact cts[REG_MAX_LIST];
	struct reg_contact *registrant = NULL;
	struct reg_domain *d = NULL;
	struct reg_ds_list *dsl = NULL;
	size_t nh, nc, i;
	char key[256], pw[256], gen[32], ts[32];
	int months, a, maxsig = 0, fee;
	long cents;

	if (c->rq->obj[0] == '\0') {
		sx_resp_result(c->resp, 2003, "domain name missing");
		return;
	}
	if (reg_name_norm(c->rq->obj, key, sizeof(key)) == -1) {
		sx_resp_result(c->resp, 2005, "'%s' is not a valid domain name", c->rq->obj);
		return;
	}
	if (reg_tab_get(&r->domains, key) != NULL) {
		sx_resp_result(c->resp, 2302, "domain '%s' exists", key);
		return;
	}
	if (reg_read_period(c, o, &months) == -1)
		return;
	if (reg_fee_transform(c, "create", key, "create", months, &fee, &cents) == -1)
		return;
	if (read_ns(c, sx_child(o, D, "ns"), hosts, &nh) == -1)
		return;
	if (sx_child(o, D, "registrant") != NULL &&
	    (registrant = find_contact(c, sx_child(o, D, "registrant"))) == NULL)
		return;
	if (read_contacts(c, o, cts, &nc) == -1)
		return;
	if ((a = reg_read_authinfo(o, D, pw, sizeof(pw), NULL, 0)) == -1) {
		sx_resp_result(c->resp, 2005, "authInfo must hold a pw of at most 255 characters");
		return;
	}
	if ((dsl = calloc(1, sizeof(*dsl))) == NULL)
		goto oom;
	if ((sd = sx_child(c->rq->ext_node, SX_NS_SECDNS, "create")) != NULL) {
		if (reg_ds_read_maxsig(c, sd, &maxsig) == -1 || reg_ds_read_list(c, sd, dsl) == -1)
			goto done;
		if (dsl->n == 0) {
			sx_resp_result(c->resp, 2003, "secDNS:create needs dsData or keyData");
			goto done;
		}
	}
	if ((d = calloc(1, sizeof(*d))) == NULL || (d->o.name = strdup(key)) == NULL)
		goto oom;
	if (a == 0) {
		reg_gen_authpw(r, gen);
		snprintf(pw, sizeof(pw), "%s", gen);
	}
	if ((d->o.authpw = strdup(pw)) == NULL)
		goto oom;
	if (nh > 0 && (d->ns = malloc(nh * sizeof(*d->ns))) == NULL)
		goto oom;
	if (nc > 0 && (d->contacts = malloc(nc * sizeof(*d->contacts))) == NULL)
		goto oom;
	if (reg_ds_append(d, dsl) == -1 || reg_tab_put(&r->domains, &d->o) == -1)
		goto oom;
	/* From here on nothing fails. */
	reg_new_roid(r, d->o.roid, 'D');
	snprintf(d->o.clid, sizeof(d->o.clid), "%s", c->s->clid);
	snprintf(d->o.crid, sizeof(d->o.crid), "%s", c->s->clid);
	d->o.crdate = c->now;
	d->exdate = reg_add_months(c->now, months);
	d->maxsiglife = maxsig;
	if (nh > 0)
		memcpy(d->ns, hosts, nh * sizeof(*hosts));
	d->nns = nh;
	for (i = 0; i < nh; i++)
		hosts[i]->o.refs++;
	if (nc > 0)
		memcpy(d->contacts, cts, nc * sizeof(*cts));
	d->ncontacts = nc;
	for (i = 0; i < nc; i++)
		cts[i].c->o.refs++;
	if ((d->registrant = registrant) != NULL)
		registrant->o.refs++;
	data = sx_resp_data(c->resp, D, "domain", "creData");
	sx_add(data, "name", key);
	reg_fmt_time(d->o.crdate, ts);
	sx_add(data, "crDate", ts);
	reg_fmt_time(d->exdate, ts);
	sx_add(data, "exDate", ts);
	if (fee)
		reg_fee_charged(c, "creData", "create", cents);
	d = NULL;
	goto done;
oom:
	sx_resp_result(c->resp, 2400, "out of memory");
done:
	if (d != NULL)
		reg_domain_free(d);
	if (dsl != NULL) {
		reg_ds_clear(dsl->v, dsl->n);
		free(dsl);
	}
}

/* ---- delete, renew ---- */

/* The common refusals of transform commands: 2201 for others, 2304 for a status. */
static int
may_transform(struct reg_cmd *c, struct reg_domain *d, uint32_t prohibit, const char *what)
{
	int s;

	if (!reg_is_sponsor(c, &d->o)) {
		sx_resp_result(c->resp, 2201, "domain '%s' belongs to another registrar", d->o.name);
		return 0;
	}
	if (d->deleted != 0) {
		sx_resp_result(c->resp, 2304, "domain '%s' is pendingDelete", d->o.name);
		return 0;
	}
	if (d->o.trn.st == TRN_PENDING) {
		sx_resp_result(c->resp, 2304, "domain '%s' is pendingTransfer", d->o.name);
		return 0;
	}
	for (s = 0; s < ST_COUNT; s++)
		if (d->o.status & prohibit & STB(s)) {
			sx_resp_result(c->resp, 2304, "%s prohibits %s", reg_st_name(s), what);
			return 0;
		}
	return 1;
}

static void
domain_delete(struct reg_cmd *c)
{
	struct registry *r = c->reg;
	struct reg_domain *d;

	if ((d = find_domain(c, c->rq->obj)) == NULL)
		return;
	if (!may_transform(c, d, STB(ST_CLIENT_DELETE_PROHIBITED) |
	    STB(ST_SERVER_DELETE_PROHIBITED), "delete"))
		return;
	if (d->nsub > 0) {
		sx_resp_result(c->resp, 2305, "domain '%s' has %u subordinate host(s)", d->o.name,
		    d->nsub);
		return;
	}
	sx_resp_result(c->resp, 1000, NULL);
	if (r->cfg.redemption_ms <= 0) {
		domain_destroy(r, d);
		return;
	}
	/* RFC 3915: restorable for the redemption period, then gone. */
	d->deleted = c->now;
	d->rgp_next = NULL;
	if (r->rgp_tail != NULL)
		r->rgp_tail->rgp_next = d;
	else
		r->rgp_head = d;
	r->rgp_tail = d;
}

static int
parse_date(const char *s, int *y, int *m, int *dd)
{
	char tail;

	if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", y, m, dd, &tail) != 3)
		return -1;
	return *m >= 1 && *m <= 12 && *dd >= 1 && *dd <= 31 ? 0 : -1;
}

static void
domain_renew(struct reg_cmd *c)
{
	xmlNodePtr o = c->rq->obj_node, data;
	struct reg_domain *d;
	char cur[32], have[16], ts[32];
	int months, y, m, dd, fee;
	int64_t ex;
	long cents;

	if (sx_child(o, D, "curExpDate") == NULL) {
		sx_resp_result(c->resp, 2003, "curExpDate missing");
		return;
	}
	if (sx_text(sx_child(o, D, "curExpDate"), cur, sizeof(cur)) == -1 ||
	    parse_date(cur, &y, &m, &dd) == -1) {
		sx_resp_result(c->resp, 2005, "curExpDate '%s' is not a date (YYYY-MM-DD)", cur);
		return;
	}
	if (reg_read_period(c, o, &months) == -1 || (d = find_domain(c, c->rq->obj)) == NULL)
		return;
	if (!may_transform(c, d, STB(ST_CLIENT_RENEW_PROHIBITED) |
	    STB(ST_SERVER_RENEW_PROHIBITED), "renew"))
		return;
	if (reg_fee_transform(c, "renew", d->o.name, "renew", months, &fee, &cents) == -1)
		return;
	reg_fmt_date(d->exdate, have);
	if (strcmp(cur, have) != 0) {
		sx_resp_result(c->resp, 2306, "curExpDate %s is not the expiry date %s", cur, have);
		return;
	}
	ex = reg_add_months(d->exdate, months);
	if (ex > reg_add_months(c->now, 120)) {
		sx_resp_result(c->resp, 2306, "the expiry date would be more than 10 years away");
		return;
	}
	d->exdate = ex;
	data = sx_resp_data(c->resp, D, "domain", "renData");
	sx_add(data, "name", d->o.name);
	reg_fmt_time(d->exdate, ts);
	sx_add(data, "exDate", ts);
	if (fee)
		reg_fee_charged(c, "renData", "renew", cents);
}

/* ---- update ---- */

struct dom_change {
	struct reg_host *ns_add[REG_MAX_LIST], *ns_rem[REG_MAX_LIST];
	size_t nns_add, nns_rem;
	struct reg_dcontact c_add[REG_MAX_LIST], c_rem[REG_MAX_LIST];
	size_t nc_add, nc_rem;
	uint32_t st_add, st_rem;
	char st_text[ST_COUNT][256];
	int chg_registrant;
	struct reg_contact *registrant;
	int chg_auth;                    /* 1 new pw, 2 null */
	char authpw[256];
	int rem_all, maxsig;             /* secDNS */
	struct reg_ds_list ds_add, ds_rem;
	int restore;                     /* rgp: 1 request, 2 report */
};

static int
has_host(const struct reg_domain *d, const struct reg_host *h)
{
	size_t i;

	for (i = 0; i < d->nns; i++)
		if (d->ns[i] == h)
			return 1;
	return 0;
}

static int
has_contact(const struct reg_domain *d, const struct reg_dcontact *x)
{
	size_t i;

	for (i = 0; i < d->ncontacts; i++)
		if (d->contacts[i].c == x->c && d->contacts[i].type == x->type)
			return 1;
	return 0;
}

/* Reads the secDNS and rgp update extensions. */
static int
read_update_ext(struct reg_cmd *c, struct dom_change *ch)
{
	xmlNodePtr sd = sx_child(c->rq->ext_node, SX_NS_SECDNS, "update"), rg, x;
	char v[16];

	ch->maxsig = -1;
	if ((rg = sx_child(c->rq->ext_node, SX_NS_RGP, "update")) != NULL) {
		sx_attr(sx_child(rg, SX_NS_RGP, "restore"), "op", v, sizeof(v));
		if (strcmp(v, "request") == 0) {
			ch->restore = 1;
		} else if (strcmp(v, "report") == 0) {
			ch->restore = 2;
		} else {
			sx_resp_result(c->resp, 2005, "rgp restore op '%s' is neither request nor report",
			    v);
			return -1;
		}
	}
	if (sd == NULL)
		return 0;
	/* RFC 5910 section 5.2.5: urgent asks for the change to be published at once. Every
	 * change here is: it is honoured by doing nothing else. */
	if (sx_attr(sd, "urgent", v, sizeof(v)) == 1 && strcmp(v, "true") != 0 &&
	    strcmp(v, "1") != 0 && strcmp(v, "false") != 0 && strcmp(v, "0") != 0) {
		sx_resp_result(c->resp, 2005, "urgent='%s' is not a boolean", v);
		return -1;
	}
	if ((x = sx_child(sd, SX_NS_SECDNS, "rem")) != NULL) {
		if (sx_child(x, SX_NS_SECDNS, "all") != NULL) {
			sx_text(sx_child(x, SX_NS_SECDNS, "all"), v, sizeof(v));
			ch->rem_all = strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
		} else if (reg_ds_read_list(c, x, &ch->ds_rem) == -1) {
			return -1;
		}
	}
	if ((x = sx_child(sd, SX_NS_SECDNS, "add")) != NULL) {
		if (reg_ds_read_maxsig(c, x, &ch->maxsig) == -1 || reg_ds_read_list(c, x, &ch->ds_add) == -1)
			return -1;
	}
	if ((x = sx_child(sd, SX_NS_SECDNS, "chg")) != NULL && reg_ds_read_maxsig(c, x, &ch->maxsig) == -1)
		return -1;
	return 0;
}

static int
read_update(struct reg_cmd *c, struct dom_change *ch)
{
	xmlNodePtr o = c->rq->obj_node, add, rem, chg, x;
	char id[64];
	int a;

	add = sx_child(o, D, "add");
	rem = sx_child(o, D, "rem");
	chg = sx_child(o, D, "chg");
	if (read_ns(c, sx_child(add, D, "ns"), ch->ns_add, &ch->nns_add) == -1 ||
	    read_ns(c, sx_child(rem, D, "ns"), ch->ns_rem, &ch->nns_rem) == -1 ||
	    read_contacts(c, add, ch->c_add, &ch->nc_add) == -1 ||
	    read_contacts(c, rem, ch->c_rem, &ch->nc_rem) == -1 ||
	    reg_read_statuses(c, add, D, settable, &ch->st_add, ch->st_text) == -1 ||
	    reg_read_statuses(c, rem, D, settable, &ch->st_rem, NULL) == -1)
		return -1;
	if ((x = sx_child(chg, D, "registrant")) != NULL) {
		ch->chg_registrant = 1;
		sx_text(x, id, sizeof(id));
		/* An empty registrant removes it (clIDChgType allows the empty string). */
		if (id[0] != '\0' && (ch->registrant = find_contact(c, x)) == NULL)
			return -1;
	}
	if ((x = sx_child(chg, D, "authInfo")) != NULL) {
		if (sx_child(x, D, "null") != NULL) {
			ch->chg_auth = 2;
		} else if ((a = reg_read_authinfo(chg, D, ch->authpw, sizeof(ch->authpw), NULL,
		    0)) == 1 &&
		    ch->authpw[0] != '\0') {
			ch->chg_auth = 1;
		} else {
			sx_resp_result(c->resp, 2005, "authInfo must hold a pw or null");
			return -1;
		}
	}
	return read_update_ext(c, ch);
}

/* 1 when the update also removes the record x. */
static int
ds_removed(const struct dom_change *ch, const struct reg_domain *d, const struct reg_ds *x)
{
	size_t i;

	for (i = 0; i < ch->ds_rem.n; i++)
		if (reg_ds_equal(x, &ch->ds_rem.v[i], d->keyiface))
			return 1;
	return 0;
}

/* Checks a change against the domain's state; 0 when it can be applied. */
static int
check_update(struct reg_cmd *c, struct reg_domain *d, struct dom_change *ch)
{
	size_t i, j, n;

	if (reg_check_statuses(c, &d->o, ch->st_add, ch->st_rem) == -1)
		return -1;
	for (i = 0; i < ch->nns_add; i++)
		if (has_host(d, ch->ns_add[i])) {
			sx_resp_result(c->resp, 2306, "host '%s' is a name server already",
			    ch->ns_add[i]->o.name);
			return -1;
		}
	for (i = 0; i < ch->nns_rem; i++)
		if (!has_host(d, ch->ns_rem[i])) {
			sx_resp_result(c->resp, 2306, "host '%s' is not a name server",
			    ch->ns_rem[i]->o.name);
			return -1;
		}
	if (d->nns + ch->nns_add > REG_MAX_LIST + ch->nns_rem) {
		sx_resp_result(c->resp, 2306, "more than %d name servers", REG_MAX_LIST);
		return -1;
	}
	for (i = 0; i < ch->nc_add; i++)
		if (has_contact(d, &ch->c_add[i])) {
			sx_resp_result(c->resp, 2306, "contact '%s' is %s already",
			    ch->c_add[i].c->o.name, ctype_names[ch->c_add[i].type]);
			return -1;
		}
	for (i = 0; i < ch->nc_rem; i++)
		if (!has_contact(d, &ch->c_rem[i])) {
			sx_resp_result(c->resp, 2306, "contact '%s' is not %s", ch->c_rem[i].c->o.name,
			    ctype_names[ch->c_rem[i].type]);
			return -1;
		}
	if (d->ncontacts + ch->nc_add > REG_MAX_LIST + ch->nc_rem) {
		sx_resp_result(c->resp, 2306, "more than %d contacts", REG_MAX_LIST);
		return -1;
	}
	if (ch->ds_add.n > 0 && d->nds > 0 && !ch->rem_all &&
	    (ch->ds_add.iface == 1) != (d->keyiface != 0)) {
		sx_resp_result(c->resp, 2306, "dsData and keyData cannot be mixed");
		return -1;
	}
	for (i = 0; i < ch->ds_rem.n; i++)
		if (d->nds == 0 || reg_ds_find(d, &ch->ds_rem.v[i]) < 0) {
			sx_resp_result(c->resp, 2306, "a DNSSEC record to remove is not there");
			return -1;
		}
	n = ch->rem_all ? 0 : d->nds - ch->ds_rem.n;
	if (n + ch->ds_add.n > REG_MAX_LIST) {
		sx_resp_result(c->resp, 2306, "more than %d DNSSEC records", REG_MAX_LIST);
		return -1;
	}
	for (i = 0; i < ch->ds_add.n && !ch->rem_all; i++)
		if (d->nds > 0 && reg_ds_find(d, &ch->ds_add.v[i]) >= 0 && !ds_removed(ch, d,
		    &ch->ds_add.v[i])) {
			sx_resp_result(c->resp, 2306, "a DNSSEC record to add is there already");
			return -1;
		}
	for (i = 0; i < ch->ds_add.n; i++)
		for (j = 0; j < ch->ds_add.n; j++)
			if (i != j && reg_ds_equal(&ch->ds_add.v[i], &ch->ds_add.v[j],
			    ch->ds_add.iface == 1)) {
				sx_resp_result(c->resp, 2306, "a DNSSEC record is given twice");
				return -1;
			}
	return 0;
}

static int
apply_update(struct reg_domain *d, struct dom_change *ch)
{
	struct reg_host **ns;
	struct reg_dcontact *ct;
	char *pw = NULL;
	size_t i, j;

	/* Allocations first, so that a failure changes nothing. */
	ns = realloc(d->ns, (d->nns + ch->nns_add + 1) * sizeof(*ns));
	if (ns == NULL)
		return -1;
	d->ns = ns;
	ct = realloc(d->contacts, (d->ncontacts + ch->nc_add + 1) * sizeof(*ct));
	if (ct == NULL)
		return -1;
	d->contacts = ct;
	if (ch->chg_auth == 1 && (pw = strdup(ch->authpw)) == NULL)
		return -1;
	if (reg_apply_statuses(&d->o, ch->st_add, ch->st_text, ch->st_rem) == -1) {
		free(pw);
		return -1;
	}
	for (i = 0; i < ch->nns_rem; i++)
		for (j = 0; j < d->nns; j++)
			if (d->ns[j] == ch->ns_rem[i]) {
				d->ns[j]->o.refs--;
				memmove(&d->ns[j], &d->ns[j + 1], (d->nns - j - 1) * sizeof(*ns));
				d->nns--;
				break;
			}
	for (i = 0; i < ch->nns_add; i++) {
		d->ns[d->nns++] = ch->ns_add[i];
		ch->ns_add[i]->o.refs++;
	}
	for (i = 0; i < ch->nc_rem; i++)
		for (j = 0; j < d->ncontacts; j++)
			if (d->contacts[j].c == ch->c_rem[i].c &&
			    d->contacts[j].type == ch->c_rem[i].type) {
				d->contacts[j].c->o.refs--;
				memmove(&d->contacts[j], &d->contacts[j + 1],
				    (d->ncontacts - j - 1) * sizeof(*ct));
				d->ncontacts--;
				break;
			}
	for (i = 0; i < ch->nc_add; i++) {
		d->contacts[d->ncontacts++] = ch->c_add[i];
		ch->c_add[i].c->o.refs++;
	}
	if (ch->chg_registrant) {
		if (d->registrant != NULL)
			d->registrant->o.refs--;
		if ((d->registrant = ch->registrant) != NULL)
			d->registrant->o.refs++;
	}
	if (ch->chg_auth != 0) {
		free(d->o.authpw);
		d->o.authpw = pw;
	}
	if (ch->rem_all)
		while (d->nds > 0)
			reg_ds_remove(d, (int)d->nds - 1);
	for (i = 0; i < ch->ds_rem.n; i++)
		reg_ds_remove(d, reg_ds_find(d, &ch->ds_rem.v[i]));
	if (reg_ds_append(d, &ch->ds_add) == -1)
		return -1;
	if (ch->maxsig >= 0)
		d->maxsiglife = ch->maxsig;
	if (d->nds == 0)
		d->maxsiglife = 0;
	return 0;
}

static void
restore(struct reg_cmd *c, struct reg_domain *d, struct dom_change *ch)
{
	xmlNodePtr n;
	long cents;
	int fee;

	if (!reg_is_sponsor(c, &d->o)) {
		sx_resp_result(c->resp, 2201, "domain '%s' belongs to another registrar", d->o.name);
		return;
	}
	if (ch->restore == 2) {
		/* Restores complete at the request: a report afterwards has nothing to do. */
		if (d->deleted != 0)
			sx_resp_result(c->resp, 2304, "send a restore request first");
		return;
	}
	if (d->deleted == 0) {
		sx_resp_result(c->resp, 2304, "domain '%s' is not in its redemption period",
		    d->o.name);
		return;
	}
	/* RFC 8748 section 5.2.5: the restore's fee goes in <fee:update>. */
	if (reg_fee_transform(c, "update", d->o.name, "restore", 12, &fee, &cents) == -1)
		return;
	rgp_unlink(c->reg, d);
	d->deleted = 0;
	snprintf(d->o.upid, sizeof(d->o.upid), "%s", c->s->clid);
	d->o.update = c->now;
	n = sx_resp_ext(c->resp, SX_NS_RGP, "rgp", "upData");
	sx_set_attr(sx_add(n, "rgpStatus", NULL), "s", "pendingRestore");
	if (fee)
		reg_fee_charged(c, "updData", "restore", cents);
}

static void
domain_update(struct reg_cmd *c)
{
	struct reg_domain *d;
	struct dom_change *ch;
	uint32_t prohibit = STB(ST_SERVER_UPDATE_PROHIBITED);
	long cents;
	int fee;

	if ((d = find_domain(c, c->rq->obj)) == NULL)
		return;
	if ((ch = calloc(1, sizeof(*ch))) == NULL) {
		sx_resp_result(c->resp, 2400, "out of memory");
		return;
	}
	if (read_update(c, ch) == -1)
		goto done;
	if (ch->restore != 0) {
		if (ch->nns_add + ch->nns_rem + ch->nc_add + ch->nc_rem > 0 || ch->st_add ||
		    ch->st_rem || ch->chg_registrant || ch->chg_auth || ch->rem_all ||
		    ch->ds_add.n + ch->ds_rem.n > 0 || ch->maxsig >= 0)
			sx_resp_result(c->resp, 2306, "a restore carries no other change");
		else
			restore(c, d, ch);
		goto done;
	}
	/* RFC 5731: clientUpdateProhibited refuses every update that does not remove it. */
	if (!(ch->st_rem & STB(ST_CLIENT_UPDATE_PROHIBITED)))
		prohibit |= STB(ST_CLIENT_UPDATE_PROHIBITED);
	if (!may_transform(c, d, prohibit, "update") || check_update(c, d, ch) == -1 ||
	    reg_fee_transform(c, "update", d->o.name, "update", 12, &fee, &cents) == -1)
		goto done;
	if (apply_update(d, ch) == -1) {
		sx_resp_result(c->resp, 2400, "out of memory");
		goto done;
	}
	snprintf(d->o.upid, sizeof(d->o.upid), "%s", c->s->clid);
	d->o.update = c->now;
	if (fee)
		reg_fee_charged(c, "updData", "update", cents);
done:
	reg_ds_clear(ch->ds_add.v, ch->ds_add.n);
	reg_ds_clear(ch->ds_rem.v, ch->ds_rem.n);
	free(ch);
}

static void
domain_transfer(struct reg_cmd *c)
{
	struct reg_domain *d;
	int request = strcmp(c->rq->op, "request") == 0, months = 12, fee = 0;
	long cents = 0;

	if ((d = find_domain(c, c->rq->obj)) == NULL)
		return;
	if (d->deleted != 0 && strcmp(c->rq->op, "query") != 0) {
		sx_resp_result(c->resp, 2304, "domain '%s' is pendingDelete", d->o.name);
		return;
	}
	/* RFC 8748 section 5.2.4: a transfer request's fee, for the period asked for. */
	if (request && (reg_read_period(c, c->rq->obj_node, &months) == -1 ||
	    reg_fee_transform(c, "transfer", d->o.name, "transfer", months, &fee, &cents) == -1))
		return;
	reg_transfer(c, &d->o, SIM_OBJ_DOMAIN, c->rq->obj_node, &d->exdate);
	if (request && fee && c->resp->code == 1001)
		reg_fee_charged(c, "trnData", "transfer", cents);
	/* RFC 5731: subordinate hosts go with their domain. */
	if (d->nsub > 0 && strcmp(c->rq->op, "approve") == 0 && c->resp->code == 1000) {
		struct reg_obj *h = NULL;
		size_t it = 0;

		while ((h = reg_tab_next(&c->reg->hosts, &it, h)) != NULL)
			if (((struct reg_host *)h)->parent == d) {
				snprintf(h->clid, sizeof(h->clid), "%s", d->o.clid);
				h->trdate = c->now;
			}
	}
}

void
reg_domain_cmd(struct reg_cmd *c)
{
	switch (c->rq->verb) {
	case SIM_V_CHECK: domain_check(c); break;
	case SIM_V_INFO: domain_info(c); break;
	case SIM_V_CREATE: domain_create(c); break;
	case SIM_V_DELETE: domain_delete(c); break;
	case SIM_V_RENEW: domain_renew(c); break;
	case SIM_V_UPDATE: domain_update(c); break;
	case SIM_V_TRANSFER: domain_transfer(c); break;
	default: sx_resp_result(c->resp, 2101, NULL); break;
	}
}
