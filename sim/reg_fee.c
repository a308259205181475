/* SPDX-License-Identifier: MIT */
/*
 * reg_fee.c - fee-1.0 (RFC 8748): prices per command from the configuration,
 * class "standard" for every name but the premium ones (--premium), the domain
 * check's <fee:chkData>, and the fees transform commands acknowledge.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reg_model.h"

static const char *
fee_description(const char *cmd)
{
	if (strcmp(cmd, "create") == 0)
		return "Registration Fee";
	if (strcmp(cmd, "renew") == 0)
		return "Renewal Fee";
	if (strcmp(cmd, "transfer") == 0)
		return "Transfer Fee";
	if (strcmp(cmd, "restore") == 0)
		return "Restore Fee";
	return "No Fee";
}

/* 1 for the commands a premium name has its own price for. */
static int
premium_priced(const char *cmd)
{
	return strcmp(cmd, "create") == 0 || strcmp(cmd, "renew") == 0 ||
	    strcmp(cmd, "transfer") == 0;
}

/* The price per year in cents of a premium name (normalised), or -1. */
static long
premium_price(const struct registry *r, const char *key)
{
	size_t i;

	for (i = 0; key != NULL && i < r->cfg.n_premium; i++)
		if (strcmp(r->cfg.premium[i], key) == 0)
			return r->cfg.premium_cents[i];
	return -1;
}

int
reg_fee_premium(const struct registry *r, const char *key)
{
	return premium_price(r, key) >= 0;
}

/* Price in cents of cmd on the domain key (NULL: a standard name) for months, or -1 when
 * cmd is not one this server prices. */
static long
fee_price(const struct registry *r, const char *key, const char *cmd, int months)
{
	const struct registry_config *cfg = &r->cfg;
	long year, p;

	if (premium_priced(cmd) && (p = premium_price(r, key)) >= 0)
		year = p;
	else if (strcmp(cmd, "create") == 0)
		year = cfg->fee_create;
	else if (strcmp(cmd, "renew") == 0)
		year = cfg->fee_renew;
	else if (strcmp(cmd, "transfer") == 0)
		year = cfg->fee_transfer;
	else if (strcmp(cmd, "restore") == 0)
		return cfg->fee_restore;
	else if (strcmp(cmd, "update") == 0 || strcmp(cmd, "delete") == 0)
		return 0;
	else
		return -1;
	return year * months / 12;
}

/* Reads <fee:check>: 0 and the commands, or -1 with the result set. */
int
reg_fee_read(struct reg_cmd *c, xmlNodePtr fc, struct reg_fee_cmd *cmds, size_t *n)
{
	xmlNodePtr e, p;
	char cur[8], unit[8], val[8];
	long v;

	*n = 0;
	if (sx_text(sx_child(fc, SX_NS_FEE, "currency"), cur, sizeof(cur)) == -1 ||
	    (cur[0] != '\0' && strcmp(cur, c->reg->cfg.currency) != 0)) {
		sx_resp_result(c->resp, 2306, "currency '%s' is not supported (only %s)", cur,
		    c->reg->cfg.currency);
		return -1;
	}
	for (e = sx_child(fc, SX_NS_FEE, "command"); e != NULL; e = sx_next(e, SX_NS_FEE, "command")) {
		if (*n == 8) {
			sx_resp_result(c->resp, 2306, "more than 8 fee commands");
			return -1;
		}
		sx_attr(e, "name", cmds[*n].name, sizeof(cmds[*n].name));
		if (fee_price(c->reg, NULL, cmds[*n].name, 12) < 0) {
			sx_resp_result(c->resp, 2004, "fee command '%s' is not priced here",
			    cmds[*n].name);
			return -1;
		}
		cmds[*n].months = 12;
		if ((p = sx_child(e, SX_NS_FEE, "period")) != NULL) {
			sx_attr(p, "unit", unit, sizeof(unit));
			sx_text(p, val, sizeof(val));
			v = strtol(val, NULL, 10);
			if (v < 1 || v > 99 || (strcmp(unit, "y") != 0 && strcmp(unit, "m") != 0)) {
				sx_resp_result(c->resp, 2005, "fee period must be 1-99 y or m");
				return -1;
			}
			cmds[*n].months = (int)(unit[0] == 'y' ? v * 12 : v);
		}
		(*n)++;
	}
	if (*n == 0) {
		sx_resp_result(c->resp, 2003, "fee:check needs at least one fee:command");
		return -1;
	}
	return 0;
}

void
reg_fee_show(struct reg_cmd *c, xmlNodePtr data, const char *name, const char *key,
    const struct reg_fee_cmd *cmds, size_t n)
{
	xmlNodePtr cd, fc, f;
	size_t i;
	long cents;
	int months, premium;

	cd = sx_add(data, "cd", NULL);
	sx_set_attr(cd, "avail", key != NULL ? "1" : "0");
	sx_add(cd, "objID", name);
	if (key == NULL) {
		sx_add(cd, "reason", "invalid domain name");
		return;
	}
	premium = premium_price(c->reg, key) >= 0;
	sx_add(cd, "class", premium ? "premium" : "standard");
	for (i = 0; i < n; i++) {
		fc = sx_add(cd, "command", NULL);
		sx_set_attr(fc, "name", cmds[i].name);
		/* The class (RFC 8748 section 3.7) says which names are premium; standard="1"
		 * marks a price that is the standard one. */
		if (!premium || !premium_priced(cmds[i].name))
			sx_set_attr(fc, "standard", "1");
		months = cmds[i].months;
		if (strcmp(cmds[i].name, "create") == 0 || strcmp(cmds[i].name, "renew") == 0 ||
		    strcmp(cmds[i].name, "transfer") == 0) {
			f = months % 12 == 0 ? sx_addf(fc, "period", "%d", months / 12) :
			    sx_addf(fc, "period", "%d", months);
			sx_set_attr(f, "unit", months % 12 == 0 ? "y" : "m");
		}
		cents = fee_price(c->reg, key, cmds[i].name, months);
		f = sx_addf(fc, "fee", "%ld.%02ld", cents / 100, cents % 100);
		sx_set_attr(f, "description", fee_description(cmds[i].name));
		sx_set_attr(f, "refundable", cents > 0 && strcmp(cmds[i].name, "restore") != 0 ?
		    "1" : "0");
		if (strcmp(cmds[i].name, "create") == 0)
			sx_set_attr(f, "grace-period", "P5D");
	}
}

/*
 * A fee amount (xsd:decimal, at least 0) in millionths of the currency unit, or -1 when
 * it is not one or has more than 12 digits before the point. Digits past the sixth
 * decimal are dropped: the prices have two, so comparing the rest with a price stays
 * exact.
 */
static int64_t
fee_micros(const char *s)
{
	int64_t whole = 0, frac = 0;
	int nd = 0, nf = 0;

	if (*s == '+')
		s++;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (++nd > 12)
			return -1;
		whole = whole * 10 + (*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, nf++)
			if (nf < 6)
				frac = frac * 10 + (*s - '0');
	}
	if (*s != '\0' || nd + nf == 0)
		return -1;
	for (; nf < 6; nf++)
		frac *= 10;
	return whole * 1000000 + frac;
}

int
reg_fee_transform(struct reg_cmd *c, const char *el, const char *key, const char *cmd,
    int months, int *given, long *cents)
{
	const struct registry_config *cfg = &c->reg->cfg;
	xmlNodePtr f = sx_child(c->rq->ext_node, SX_NS_FEE, el), e;
	char cur[8], amount[64];
	int64_t sum = 0, v;
	long price = fee_price(c->reg, key, cmd, months);
	size_t n = 0;

	*given = f != NULL;
	*cents = price < 0 ? 0 : price;
	if (f == NULL) {
		/* RFC 8748 section 4: the extension this command needs is missing. */
		if (premium_priced(cmd) && premium_price(c->reg, key) >= 0) {
			sx_resp_result(c->resp, 2003, "'%s' is a premium name: the %s fee of "
			    "%ld.%02ld %s must be acknowledged with the fee extension", key, cmd,
			    *cents / 100, *cents % 100, cfg->currency);
			return -1;
		}
		return 0;
	}
	if (sx_text(sx_child(f, SX_NS_FEE, "currency"), cur, sizeof(cur)) == -1 ||
	    (cur[0] != '\0' && strcmp(cur, cfg->currency) != 0)) {
		sx_resp_result(c->resp, 2004, "fees are in %s here, not '%s'", cfg->currency, cur);
		return -1;
	}
	for (e = sx_child(f, SX_NS_FEE, "fee"); e != NULL; e = sx_next(e, SX_NS_FEE, "fee")) {
		if (sx_text(e, amount, sizeof(amount)) == -1 || (v = fee_micros(amount)) < 0) {
			sx_resp_result(c->resp, 2005, "fee '%s' is not an amount", amount);
			return -1;
		}
		/* At most a few per command, each below 10^18 millionths: no overflow. */
		if (++n > 64) {
			sx_resp_result(c->resp, 2306, "more than 64 fees");
			return -1;
		}
		sum += v;
	}
	if (n == 0) {
		sx_resp_result(c->resp, 2003, "fee:%s needs at least one fee:fee", el);
		return -1;
	}
	if (sum < (int64_t)*cents * 10000) {
		sx_resp_result(c->resp, 2004, "the fee acknowledged is less than the %s fee of "
		    "%ld.%02ld %s", cmd, *cents / 100, *cents % 100, cfg->currency);
		return -1;
	}
	return 0;
}

void
reg_fee_charged(struct reg_cmd *c, const char *data, const char *cmd, long cents)
{
	xmlNodePtr d = sx_resp_ext(c->resp, SX_NS_FEE, "fee", data), f;

	sx_add(d, "currency", c->reg->cfg.currency);
	f = sx_addf(d, "fee", "%ld.%02ld", cents / 100, cents % 100);
	sx_set_attr(f, "description", fee_description(cmd));
}
