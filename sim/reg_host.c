/* SPDX-License-Identifier: MIT */
/*
 * reg_host.c - host commands (RFC 5732): check, info, create, delete, update.
 *
 * A host whose name lies under a domain of this registry is subordinate to
 * it: only that domain's sponsor may create it, and the domain cannot be
 * deleted while it exists. A host used as a name server is "linked" and
 * cannot be deleted. Addresses are accepted on any host (no glue policy).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reg_model.h"

#define H SX_NS_HOST
#define MAX_ADDR 16

static const uint32_t settable =
    STB(ST_CLIENT_DELETE_PROHIBITED) | STB(ST_CLIENT_UPDATE_PROHIBITED) |
    STB(ST_SERVER_DELETE_PROHIBITED) | STB(ST_SERVER_UPDATE_PROHIBITED);

void
reg_host_free(struct reg_host *h)
{
	if (h == NULL)
		return;
	reg_obj_free(&h->o);
	free(h->addrs);
	free(h);
}

static struct reg_host *
find_host(struct reg_cmd *c, const char *name)
{
	char key[256];
	struct reg_host *h;

	if (name[0] == '\0') {
		sx_resp_result(c->resp, 2003, "host name missing");
		return NULL;
	}
	if (reg_name_norm(name, key, sizeof(key)) == -1) {
		sx_resp_result(c->resp, 2005, "'%s' is not a valid host name", name);
		return NULL;
	}
	if ((h = (struct reg_host *)reg_tab_get(&c->reg->hosts, key)) == NULL)
		sx_resp_result(c->resp, 2303, "host '%s' does not exist", key);
	return h;
}

/* The domain of this registry that a host name lies under, or NULL. */
static struct reg_domain *
superordinate(struct registry *r, const char *key)
{
	const char *p;
	struct reg_domain *d;

	for (p = strchr(key, '.'); p != NULL; p = strchr(p + 1, '.'))
		if ((d = (struct reg_domain *)reg_tab_get(&r->domains, p + 1)) != NULL)
			return d;
	return NULL;
}

/* A new host may lie under a domain only when the client sponsors it. */
static int
parent_ok(struct reg_cmd *c, struct reg_domain *d, const char *key)
{
	if (d == NULL)
		return 1;
	if (strcmp(d->o.clid, c->s->clid) != 0) {
		sx_resp_result(c->resp, 2201, "'%s' lies under a domain of another registrar", key);
		return 0;
	}
	if (d->deleted != 0) {
		sx_resp_result(c->resp, 2304, "'%s' lies under a domain that is pendingDelete", key);
		return 0;
	}
	return 1;
}

static int
read_addrs(struct reg_cmd *c, xmlNodePtr parent, struct reg_addr *v, size_t *n)
{
	unsigned char bin[16];
	char ipv[8];
	xmlNodePtr a;
	size_t i;

	*n = 0;
	for (a = sx_child(parent, H, "addr"); a != NULL; a = sx_next(a, H, "addr")) {
		if (*n == MAX_ADDR) {
			sx_resp_result(c->resp, 2306, "more than %d addresses", MAX_ADDR);
			return -1;
		}
		if (sx_attr(a, "ip", ipv, sizeof(ipv)) == 0)
			strcpy(ipv, "v4");
		if (strcmp(ipv, "v4") != 0 && strcmp(ipv, "v6") != 0) {
			sx_resp_result(c->resp, 2005, "ip='%s' is neither v4 nor v6", ipv);
			return -1;
		}
		v[*n].v6 = ipv[1] == '6';
		if (sx_text(a, v[*n].ip, sizeof(v[*n].ip)) == -1 ||
		    inet_pton(v[*n].v6 ? AF_INET6 : AF_INET, v[*n].ip, bin) != 1) {
			sx_resp_result(c->resp, 2005, "'%s' is not an IP%s address", v[*n].ip, ipv);
			return -1;
		}
		for (i = 0; i < *n; i++)
			if (strcmp(v[i].ip, v[*n].ip) == 0) {
				sx_resp_result(c->resp, 2306, "address %s given twice", v[i].ip);
				return -1;
			}
		(*n)++;
	}
	return 0;
}

static void
host_check(struct reg_cmd *c)
{
	xmlNodePtr n, data, cd, nm;
	char name[256], key[256];
	size_t count = 0;
	int valid, used;

	data = sx_resp_data(c->resp, H, "host", "chkData");
	for (n = sx_child(c->rq->obj_node, H, "name"); n != NULL; n = sx_next(n, H, "name")) {
		if (sx_text(n, name, sizeof(name)) == -1 || name[0] == '\0') {
			sx_resp_result(c->resp, 2005, "host name empty or too long");
			return;
		}
		count++;
		valid = reg_name_norm(name, key, sizeof(key)) == 0;
		used = valid && reg_tab_get(&c->reg->hosts, key) != NULL;
		cd = sx_add(data, "cd", NULL);
		nm = sx_add(cd, "name", name);
		sx_set_attr(nm, "avail", valid && !used ? "1" : "0");
		if (!valid)
			sx_add(cd, "reason", "invalid host name");
		else if (used)
			sx_add(cd, "reason", "in use");
	}
	if (count == 0)
		sx_resp_result(c->resp, 2003, "host check needs at least one name");
}

static void
host_info(struct reg_cmd *c)
{
	struct reg_host *h;
	xmlNodePtr data, a;
	char ts[32];
	size_t i;

	if ((h = find_host(c, c->rq->obj)) == NULL)
		return;
	data = sx_resp_data(c->resp, H, "host", "infData");
	sx_add(data, "name", h->o.name);
	sx_add(data, "roid", h->o.roid);
	reg_show_status(data, &h->o, h->o.refs > 0 ? STB(ST_LINKED) : 0, 0);
	for (i = 0; i < h->naddrs; i++) {
		a = sx_add(data, "addr", h->addrs[i].ip);
		sx_set_attr(a, "ip", h->addrs[i].v6 ? "v6" : "v4");
	}
	sx_add(data, "clID", h->o.clid);
	sx_add(data, "crID", h->o.crid);
	reg_fmt_time(h->o.crdate, ts);
	sx_add(data, "crDate", ts);
	if (h->o.upid[0] != '\0') {
		sx_add(data, "upID", h->o.upid);
		reg_fmt_time(h->o.update, ts);
		sx_add(data, "upDate", ts);
	}
	if (h->o.trdate != 0) {
		reg_fmt_time(h->o.trdate, ts);
		sx_add(data, "trDate", ts);
	}
}

static void
host_create(struct reg_cmd *c)
{
	struct registry *r = c->reg;
	struct reg_addr addrs[MAX_ADDR];
	struct reg_domain *parent;
	struct reg_host *h = NULL;
	xmlNodePtr data;
	char key[256], ts[32];
	size_t n;

	if (c->rq->obj[0] == '\0') {
		sx_resp_result(c->resp, 2003, "host name missing");
		return;
	}
	if (reg_name_norm(c->rq->obj, key, sizeof(key)) == -1) {
		sx_resp_result(c->resp, 2005, "'%s' is not a valid host name", c->rq->obj);
		return;
	}
	if (reg_tab_get(&r->hosts, key) != NULL) {
		sx_resp_result(c->resp, 2302, "host '%s' exists", key);
		return;
	}
	if (read_addrs(c, c->rq->obj_node, addrs, &n) == -1)
		return;
	parent = superordinate(r, key);
	if (!parent_ok(c, parent, key))
		return;
	if ((h = calloc(1, sizeof(*h))) == NULL || (h->o.name = strdup(key)) == NULL ||
	    (n > 0 && (h->addrs = malloc(n * sizeof(*addrs))) == NULL) ||
	    reg_tab_put(&r->hosts, &h->o) == -1) {
		reg_host_free(h);
		sx_resp_result(c->resp, 2400, "out of memory");
		return;
	}
	if (n > 0)
		memcpy(h->addrs, addrs, n * sizeof(*addrs));
	h->naddrs = n;
	reg_new_roid(r, h->o.roid, 'H');
	snprintf(h->o.clid, sizeof(h->o.clid), "%s", c->s->clid);
	snprintf(h->o.crid, sizeof(h->o.crid), "%s", c->s->clid);
	h->o.crdate = c->now;
	if ((h->parent = parent) != NULL)
		parent->nsub++;
	data = sx_resp_data(c->resp, H, "host", "creData");
	sx_add(data, "name", key);
	reg_fmt_time(h->o.crdate, ts);
	sx_add(data, "crDate", ts);
}

static int
may_change(struct reg_cmd *c, struct reg_host *h, uint32_t prohibit, const char *what)
{
	int s;

	if (!reg_is_sponsor(c, &h->o)) {
		sx_resp_result(c->resp, 2201, "host '%s' belongs to another registrar", h->o.name);
		return 0;
	}
	for (s = 0; s < ST_COUNT; s++)
		if (h->o.status & prohibit & STB(s)) {
			sx_resp_result(c->resp, 2304, "%s prohibits %s", reg_st_name(s), what);
			return 0;
		}
	return 1;
}

static void
host_delete(struct reg_cmd *c)
{
	struct reg_host *h;

	if ((h = find_host(c, c->rq->obj)) == NULL)
		return;
	if (!may_change(c, h, STB(ST_CLIENT_DELETE_PROHIBITED) |
	    STB(ST_SERVER_DELETE_PROHIBITED), "delete"))
		return;
	if (h->o.refs > 0) {
		sx_resp_result(c->resp, 2305, "host '%s' is a name server of %u domain(s)",
		    h->o.name, h->o.refs);
		return;
	}
	if (h->parent != NULL)
		h->parent->nsub--;
	reg_tab_del(&c->reg->hosts, &h->o);
	reg_host_free(h);
}

static int
has_addr(const struct reg_host *h, const char *ip)
{
	size_t i;

	for (i = 0; i < h->naddrs; i++)
		if (strcmp(h->addrs[i].ip, ip) == 0)
			return (int)i;
	return -1;
}

static void
host_update(struct reg_cmd *c)
{
	struct registry *r = c->reg;
	xmlNodePtr o = c->rq->obj_node, add, rem, chg;
	struct reg_addr a_add[MAX_ADDR], a_rem[MAX_ADDR], *v;
	char texts[ST_COUNT][256], newname[256], key[256];
	struct reg_domain *parent = NULL;
	uint32_t st_add, st_rem, prohibit = STB(ST_SERVER_UPDATE_PROHIBITED);
	struct reg_host *h;
	size_t n_add, n_rem, i;
	char *nn = NULL;
	int k;

	if ((h = find_host(c, c->rq->obj)) == NULL)
		return;
	add = sx_child(o, H, "add");
	rem = sx_child(o, H, "rem");
	chg = sx_child(o, H, "chg");
	memset(texts, 0, sizeof(texts));
	if (read_addrs(c, add, a_add, &n_add) == -1 || read_addrs(c, rem, a_rem, &n_rem) == -1 ||
	    reg_read_statuses(c, add, H, settable, &st_add, texts) == -1 ||
	    reg_read_statuses(c, rem, H, settable, &st_rem, NULL) == -1)
		return;
	if (!(st_rem & STB(ST_CLIENT_UPDATE_PROHIBITED)))
		prohibit |= STB(ST_CLIENT_UPDATE_PROHIBITED);
	if (!may_change(c, h, prohibit, "update") ||
	    reg_check_statuses(c, &h->o, st_add, st_rem) == -1)
		return;
	for (i = 0; i < n_add; i++)
		if (has_addr(h, a_add[i].ip) >= 0) {
			sx_resp_result(c->resp, 2306, "address %s is there already", a_add[i].ip);
			return;
		}
	for (i = 0; i < n_rem; i++)
		if (has_addr(h, a_rem[i].ip) < 0) {
			sx_resp_result(c->resp, 2306, "address %s is not there", a_rem[i].ip);
			return;
		}
	if (h->naddrs + n_add > MAX_ADDR + n_rem) {
		sx_resp_result(c->resp, 2306, "more than %d addresses", MAX_ADDR);
		return;
	}
	key[0] = '\0';
	if (chg != NULL) {
		sx_text(sx_child(chg, H, "name"), newname, sizeof(newname));
		if (reg_name_norm(newname, key, sizeof(key)) == -1) {
			sx_resp_result(c->resp, 2005, "'%s' is not a valid host name", newname);
			return;
		}
		if (strcmp(key, h->o.name) != 0 && reg_tab_get(&r->hosts, key) != NULL) {
			sx_resp_result(c->resp, 2302, "host '%s' exists", key);
			return;
		}
		parent = superordinate(r, key);
		if (parent != h->parent && !parent_ok(c, parent, key))
			return;
		if ((nn = strdup(key)) == NULL)
			goto oom;
	}
	if ((v = realloc(h->addrs, (h->naddrs + n_add + 1) * sizeof(*v))) == NULL)
		goto oom;
	h->addrs = v;
	if (reg_apply_statuses(&h->o, st_add, texts, st_rem) == -1)
		goto oom;
	for (i = 0; i < n_rem; i++) {
		k = has_addr(h, a_rem[i].ip);
		memmove(&h->addrs[k], &h->addrs[k + 1], (h->naddrs - (size_t)k - 1) * sizeof(*v));
		h->naddrs--;
	}
	for (i = 0; i < n_add; i++)
		h->addrs[h->naddrs++] = a_add[i];
	if (nn != NULL) {
		/* Domains point at the host object, so a new name shows everywhere at once. */
		reg_tab_del(&r->hosts, &h->o);
		free(h->o.name);
		h->o.name = nn;
		nn = NULL;
		reg_tab_put(&r->hosts, &h->o);   /* cannot fail: the table does not grow */
		if (h->parent != NULL)
			h->parent->nsub--;
		if ((h->parent = parent) != NULL)
			parent->nsub++;
	}
	snprintf(h->o.upid, sizeof(h->o.upid), "%s", c->s->clid);
	h->o.update = c->now;
	return;
oom:
	free(nn);
	sx_resp_result(c->resp, 2400, "out of memory");
}

void
reg_host_cmd(struct reg_cmd *c)
{
	switch (c->rq->verb) {
	case SIM_V_CHECK: host_check(c); break;
	case SIM_V_INFO: host_info(c); break;
	case SIM_V_CREATE: host_create(c); break;
	case SIM_V_DELETE: host_delete(c); break;
	case SIM_V_UPDATE: host_update(c); break;
	default: sx_resp_result(c->resp, 2101, "hosts cannot be %sed", c->rq->verb ==
	    SIM_V_RENEW ? "renew" : "transferr"); break;
	}
}
