/* SPDX-License-Identifier: MIT */
/*
 * reg_fee.c - fee-1.0 (RFC 8748) for domain check: fixed prices per command
 * from the configuration, one class ("standard") for every name.
 */
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

/* Price in cents of cmd for months, or -1 when cmd is not one this server prices. */
static long
fee_price(const struct registry_config *cfg, const char *cmd, int months)
{
	long year;

	if (strcmp(cmd, "create") == 0)
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
		if (fee_price(&c->reg->cfg, cmds[*n].name, 12) < 0) {
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
reg_fee_show(struct reg_cmd *c, xmlNodePtr data, const char *name, int valid,
    const struct reg_fee_cmd *cmds, size_t n)
{
	xmlNodePtr cd, fc, f;
	size_t i;
	long cents;
	int months;

	cd = sx_add(data, "cd", NULL);
	sx_set_attr(cd, "avail", valid ? "1" : "0");
	sx_add(cd, "objID", name);
	if (!valid) {
		sx_add(cd, "reason", "invalid domain name");
		return;
	}
	sx_add(cd, "class", "standard");
	for (i = 0; i < n; i++) {
		fc = sx_add(cd, "command", NULL);
		sx_set_attr(fc, "name", cmds[i].name);
		sx_set_attr(fc, "standard", "1");
		months = cmds[i].months;
		if (strcmp(cmds[i].name, "create") == 0 || strcmp(cmds[i].name, "renew") == 0 ||
		    strcmp(cmds[i].name, "transfer") == 0) {
			f = months % 12 == 0 ? sx_addf(fc, "period", "%d", months / 12) :
			    sx_addf(fc, "period", "%d", months);
			sx_set_attr(f, "unit", months % 12 == 0 ? "y" : "m");
		}
		cents = fee_price(&c->reg->cfg, cmds[i].name, months);
		f = sx_addf(fc, "fee", "%ld.%02ld", cents / 100, cents % 100);
		sx_set_attr(f, "description", fee_description(cmds[i].name));
		sx_set_attr(f, "refundable", cents > 0 && strcmp(cmds[i].name, "restore") != 0 ?
		    "1" : "0");
		if (strcmp(cmds[i].name, "create") == 0)
			sx_set_attr(f, "grace-period", "P5D");
	}
}

