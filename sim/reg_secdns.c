/* SPDX-License-Identifier: MIT */
/*
 * reg_secdns.c - DNSSEC records of domains (secDNS-1.1, RFC 5910): reading
 * dsData/keyData from commands with the schema's ranges, comparing them for
 * rem, and writing them into secDNS:infData.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "reg_model.h"

void
reg_ds_clear(struct reg_ds *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].digest);
		free(v[i].pubkey);
	}
}

static int
read_uint(xmlNodePtr n, unsigned max, unsigned *out)
{
	char v[16], *end;
	unsigned long x;

	if (n == NULL || sx_text(n, v, sizeof(v)) == -1 || v[0] < '0' || v[0] > '9')
		return -1;
	x = strtoul(v, &end, 10);
	if (*end != '\0' || x > max)
		return -1;
	*out = (unsigned)x;
	return 0;
}

static int
is_hex(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n % 2 == 0 && strspn(s, "0123456789abcdefABCDEF") == n;
}

static int
is_base64(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/= ") == n;
}

static int
read_key(struct reg_cmd *c, xmlNodePtr k, struct reg_ds *ds)
{
	const char *S = SX_NS_SECDNS;
	char *pub;

	if (read_uint(sx_child(k, S, "flags"), 65535, &ds->flags) == -1 ||
	    read_uint(sx_child(k, S, "protocol"), 255, &ds->protocol) == -1 ||
	    read_uint(sx_child(k, S, "alg"), 255, &ds->kalg) == -1) {
		sx_resp_result(c->resp, 2005, "keyData needs flags (0-65535), protocol and alg (0-255)");
		return -1;
	}
	if ((pub = sx_text_dup(sx_child(k, S, "pubKey"))) == NULL || !is_base64(pub)) {
		free(pub);
		sx_resp_result(c->resp, 2005, "keyData pubKey must be base64");
		return -1;
	}
	ds->pubkey = pub;
	ds->has_key = 1;
	return 0;
}

/* One <secDNS:dsData> or <secDNS:keyData> into ds (zeroed by the caller). */
static int
read_ds(struct reg_cmd *c, xmlNodePtr n, struct reg_ds *ds)
{
	const char *S = SX_NS_SECDNS;
	xmlNodePtr k;

	if (sx_is(n, S, "keyData"))
		return read_key(c, n, ds);
	if (read_uint(sx_child(n, S, "keyTag"), 65535, &ds->keytag) == -1 ||
	    read_uint(sx_child(n, S, "alg"), 255, &ds->alg) == -1 ||
	    read_uint(sx_child(n, S, "digestType"), 255, &ds->dtype) == -1) {
		sx_resp_result(c->resp, 2005,
		    "dsData needs keyTag (0-65535), alg and digestType (0-255)");
		return -1;
	}
	if ((ds->digest = sx_text_dup(sx_child(n, S, "digest"))) == NULL || !is_hex(ds->digest)) {
		sx_resp_result(c->resp, 2005, "dsData digest must be hexadecimal");
		return -1;
	}
	if ((k = sx_child(n, S, "keyData")) != NULL)
		return read_key(c, k, ds);
	return 0;
}

/* The dsData or keyData children of a secDNS create/add/rem element. */
int
reg_ds_read_list(struct reg_cmd *c, xmlNodePtr parent, struct reg_ds_list *l)
{
	xmlNodePtr n;
	int iface;

	l->iface = -1;
	for (n = sx_child(parent, SX_NS_SECDNS, NULL); n != NULL; n = sx_next(n, SX_NS_SECDNS, NULL)) {
		if (sx_is(n, SX_NS_SECDNS, "dsData"))
			iface = 0;
		else if (sx_is(n, SX_NS_SECDNS, "keyData"))
			iface = 1;
		else
			continue;
		if (l->iface >= 0 && iface != l->iface) {
			sx_resp_result(c->resp, 2306, "dsData and keyData cannot be mixed");
			return -1;
		}
		if (l->n == REG_MAX_LIST) {
			sx_resp_result(c->resp, 2306, "more than %d DNSSEC records", REG_MAX_LIST);
			return -1;
		}
		l->iface = iface;
		memset(&l->v[l->n], 0, sizeof(l->v[0]));
		if (read_ds(c, n, &l->v[l->n++]) == -1)
			return -1;
	}
	return 0;
}

int
reg_ds_read_maxsig(struct reg_cmd *c, xmlNodePtr parent, int *out)
{
	xmlNodePtr n = sx_child(parent, SX_NS_SECDNS, "maxSigLife");
	unsigned v;

	if (n == NULL)
		return 0;
	if (read_uint(n, 0x7fffffff, &v) == -1 || v < 1) {
		sx_resp_result(c->resp, 2005, "maxSigLife must be a positive number");
		return -1;
	}
	*out = (int)v;
	return 1;
}

int
reg_ds_equal(const struct reg_ds *a, const struct reg_ds *b, int keyonly)
{
	if (!keyonly && (a->keytag != b->keytag || a->alg != b->alg || a->dtype != b->dtype ||
	    strcasecmp(a->digest, b->digest) != 0))
		return 0;
	if (keyonly || b->has_key) {
		if (!a->has_key || !b->has_key)
			return 0;
		return a->flags == b->flags && a->protocol == b->protocol && a->kalg == b->kalg &&
		    strcmp(a->pubkey, b->pubkey) == 0;
	}
	return 1;
}

int
reg_ds_find(const struct reg_domain *d, const struct reg_ds *x)
{
	size_t i;

	for (i = 0; i < d->nds; i++)
		if (reg_ds_equal(&d->ds[i], x, d->keyiface))
			return (int)i;
	return -1;
}

/* Appends the records of l to d (moving their strings). */
int
reg_ds_append(struct reg_domain *d, struct reg_ds_list *l)
{
	struct reg_ds *v;

	if (l->n == 0)
		return 0;
	if ((v = realloc(d->ds, (d->nds + l->n) * sizeof(*v))) == NULL)
		return -1;
	d->ds = v;
	memcpy(&d->ds[d->nds], l->v, l->n * sizeof(*v));
	d->nds += l->n;
	d->keyiface = l->iface == 1;
	l->n = 0;
	return 0;
}

void
reg_ds_show(xmlNodePtr parent, const struct reg_ds *ds, int keyonly)
{
	xmlNodePtr n, k;

	if (!keyonly) {
		n = sx_add(parent, "dsData", NULL);
		sx_addf(n, "keyTag", "%u", ds->keytag);
		sx_addf(n, "alg", "%u", ds->alg);
		sx_addf(n, "digestType", "%u", ds->dtype);
		sx_add(n, "digest", ds->digest);
		if (!ds->has_key)
			return;
		parent = n;
	}
	k = sx_add(parent, "keyData", NULL);
	sx_addf(k, "flags", "%u", ds->flags);
	sx_addf(k, "protocol", "%u", ds->protocol);
	sx_addf(k, "alg", "%u", ds->kalg);
	sx_add(k, "pubKey", ds->pubkey);
}

void
reg_ds_remove(struct reg_domain *d, int i)
{
	struct reg_ds one = d->ds[i];

	reg_ds_clear(&one, 1);
	memmove(&d->ds[i], &d->ds[i + 1], (d->nds - (size_t)i - 1) * sizeof(d->ds[0]));
	d->nds--;
}

