/* SPDX-License-Identifier: MIT */
/*
 * cmd_domain.c - domain object commands (RFC 5731) with the fee-1.0 (RFC 8748),
 * rgp-1.0 (RFC 3915) and secDNS-1.1 (RFC 5910) extensions they carry.
 */
#include <stdio.h>
#include <string.h>

#include "cmd_builders.h"
#include "epp_args.h"

#define PFX "domain"

static const char *const domain_statuses[] = {
	"clientDeleteProhibited", "clientHold", "clientRenewProhibited",
	"clientTransferProhibited", "clientUpdateProhibited", "inactive", "ok",
	"pendingCreate", "pendingDelete", "pendingRenew", "pendingTransfer", "pendingUpdate",
	"serverDeleteProhibited", "serverHold", "serverRenewProhibited",
	"serverTransferProhibited", "serverUpdateProhibited", NULL,
};
static const char *const contact_types[] = {"admin", "billing", "tech", NULL};
static const char *const transfer_ops[] = {"request", "query", "approve", "reject", "cancel",
	NULL};
static const char *const hosts_values[] = {"all", "del", "none", "sub", NULL};
/* RFC 8748 commands that need nothing but their name ("custom" needs customName). */
static const char *const fee_commands[] = {"create", "delete", "renew", "update", "transfer",
	"restore", NULL};
static const char *const fee_applied[] = {"immediate", "delayed", NULL};

static int secdns_records(struct epp_build *b, xmlNodePtr parent, json_object *args,
    const char *key, int allow_all);

static xmlNodePtr
domain_object(struct epp_build *b, const char *cmd)
{
	return eb_object(b, eb_command(b, cmd), NS_DOMAIN, PFX, cmd);
}

/* ---- value checks the schemas imply ---------------------------------------- */

static int
digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
num(const char *s, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

/* 1 when s[0..10) is a calendar date YYYY-MM-DD (xsd:date without time zone). */
static int
is_date(const char *s, size_t n)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (n < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2))
		return 0;
	y = num(s, 4);
	m = num(s + 5, 2);
	d = num(s + 8, 2);
	if (y == 0 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return 1;
}

/* 1 when s[0..n) is the time part of an xsd:dateTime: hh:mm:ss[.f+][Z|(+|-)hh:mm]. */
static int
is_time(const char *s, size_t n)
{
	size_t i = 8;

	if (n < 8 || !digits(s, 2) || s[2] != ':' || !digits(s + 3, 2) || s[5] != ':' ||
	    !digits(s + 6, 2))
		return 0;
	if (num(s, 2) > 23 || num(s + 3, 2) > 59 || num(s + 6, 2) > 59)
		return 0;
	if (i < n && s[i] == '.') {
		if (++i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i == n)
		return 1;
	if (s[i] == 'Z')
		return i + 1 == n;
	if ((s[i] == '+' || s[i] == '-') && n - i == 6 && digits(s + i + 1, 2) &&
	    s[i + 3] == ':' && digits(s + i + 4, 2))
		return num(s + i + 1, 2) <= 14 && num(s + i + 4, 2) <= 59;
	return 0;
}

/*
 * A date for <domain:curExpDate>. The reference's callers send a date-time
 * ("2022-07-11T12:43:35.458Z"); its meaning is the date, so the time is cut.
 */
static int
arg_date(struct epp_build *b, json_object *args, const char *key, char out[11])
{
	static const struct ea_rule r = {EA_TOKEN, 10, 64};
	const char *s;
	size_t n;

	if (ea_str(args, NULL, key, 1, &r, &s, b->err) != 0)
		return -1;
	n = strlen(s);
	if (!is_date(s, n) || (n > 10 && (s[10] != 'T' || !is_time(s + 11, n - 11))))
		return ea_fail(b->err, key, "must be a date YYYY-MM-DD");
	memcpy(out, s, 10);
	out[10] = '\0';
	return 0;
}

/* An xsd:dateTime for RGP; a bare date means the start of that day in UTC. */
static int
arg_datetime(struct epp_build *b, json_object *o, const char *ctx, const char *key,
    char out[72])
{
	static const struct ea_rule r = {EA_TOKEN, 10, 64};
	char path[EA_PATH_MAX];
	const char *s;
	size_t n;

	if (ea_str(o, ctx, key, 1, &r, &s, b->err) != 0)
		return -1;
	n = strlen(s);
	if (is_date(s, n) && n == 10) {
		snprintf(out, 72, "%.10sT00:00:00.0Z", s);
		return 0;
	}
	if (!is_date(s, n) || s[10] != 'T' || !is_time(s + 11, n - 11)) {
		ea_path(path, sizeof(path), ctx, key);
		return ea_fail(b->err, path, "must be a date-time YYYY-MM-DDThh:mm:ss[.s][Z]");
	}
	snprintf(out, 72, "%s", s);
	return 0;
}

/*
 * 1 when s is an xsd:duration without sign, as RFC 8748's grace-period is one:
 * P[nY][nM][nD][T[nH][nM][n[.n]S]], at least one part, each unit once and in order,
 * and a T only before a time part.
 */
static int
is_duration(const char *s)
{
	const char *units = "YMD", *u, *p;
	size_t d;
	int any = 0, in_time = 0;

	if (*s++ != 'P')
		return 0;
	while (*s != '\0') {
		if (*s == 'T') {
			if (in_time || s[1] == '\0')
				return 0;
			in_time = 1;
			units = "HMS";
			s++;
			continue;
		}
		if ((d = strspn(s, "0123456789")) == 0)
			return 0;
		p = s + d;
		/* Only seconds have a fraction. */
		if (*p == '.') {
			if (!in_time || (d = strspn(p + 1, "0123456789")) == 0 || p[1 + d] != 'S')
				return 0;
			p += 1 + d;
		}
		if (*p == '\0' || (u = strchr(units, *p)) == NULL)
			return 0;
		units = u + 1;
		any = 1;
		s = p + 1;
	}
	return any;
}

/* ---- pieces ------------------------------------------------------------------ */

/* <domain:ns><domain:hostObj>... from a list of host names; nothing for an empty list. */
static int
domain_ns(struct epp_build *b, xmlNodePtr parent, json_object *args, const char *key)
{
	char host[EA_NAME_BUF];
	json_object *list;
	xmlNodePtr ns;
	size_t n, i;

	if (ea_namelist(args, NULL, key, 0, 0, CMD_MAX_NS, &list, &n, b->err) != 0)
		return -1;
	if (n == 0)
		return 0;
	ns = eb_el(b, parent, "ns", NULL);
	for (i = 0; i < n; i++) {
		if (ea_name_at(list, NULL, key, i, host, b->err) != 0)
			return -1;
		eb_el(b, ns, "hostObj", host);
	}
	return 0;
}

/* <domain:contact type=T>ID</domain:contact> for [{type, id}, ...] (update). */
static int
domain_contact_list(struct epp_build *b, xmlNodePtr parent, json_object *args,
    const char *key)
{
	char path[EA_PATH_MAX];
	json_object *list, *it;
	const char *type, *id;
	size_t n, i;

	if (ea_list(args, NULL, key, 0, 0, CMD_MAX_CONTACTS, &list, &n, b->err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(list, i);
		ea_path_idx(path, sizeof(path), key, i);
		if (it == NULL || !json_object_is_type(it, json_type_object))
			return ea_fail(b->err, path, "must be an object {type, id}");
		if (ea_enum(it, path, "type", 1, contact_types, NULL, &type, b->err) != 0 ||
		    ea_str(it, path, "id", 1, &EA_CLID, &id, b->err) != 0)
			return -1;
		eb_attr(b, eb_el(b, parent, "contact", id), "type", type);
	}
	return 0;
}

/* Contacts of a create: {"admin": ID, "billing": ID, "tech": ID}, an ID or a list of IDs. */
static int
domain_contact_map(struct epp_build *b, xmlNodePtr parent, json_object *args)
{
	char path[EA_PATH_MAX];
	json_object *map, *v, *list;
	const char *id;
	size_t t, n, i;

	if (ea_obj(args, NULL, "contacts", 0, &map, b->err) != 0)
		return -1;
	for (t = 0; map != NULL && contact_types[t] != NULL; t++) {
		ea_path(path, sizeof(path), "contacts", contact_types[t]);
		v = ea_member(map, contact_types[t]);
		if (v != NULL && json_object_is_type(v, json_type_array)) {
			if (ea_strlist(map, "contacts", contact_types[t], 0, 1, CMD_MAX_CONTACTS,
			    &EA_CLID, &list, &n, b->err) != 0)
				return -1;
			for (i = 0; i < n; i++)
				eb_attr(b, eb_el(b, parent, "contact", json_object_get_string(
				    json_object_array_get_idx(list, i))), "type", contact_types[t]);
		} else if (v != NULL) {
			if (ea_check_str(v, path, &EA_CLID, &id, b->err) != 0)
				return -1;
			eb_attr(b, eb_el(b, parent, "contact", id), "type", contact_types[t]);
		}
	}
	return 0;
}

/* ---- commands ---------------------------------------------------------------- */

/* The "currency" of a fee object at path ctx: three capital letters (ISO 4217, as
 * RFC 8748's currencyType); *cur NULL when not given. */
static int
fee_currency(struct epp_build *b, json_object *o, const char *ctx, const char **cur)
{
	static const struct ea_rule cur_rule = {EA_TOKEN, 3, 3};
	char path[EA_PATH_MAX];
	size_t i;

	if (ea_str(o, ctx, "currency", 0, &cur_rule, cur, b->err) != 0)
		return -1;
	for (i = 0; *cur != NULL && i < 3; i++)
		if ((*cur)[i] < 'A' || (*cur)[i] > 'Z') {
			ea_path(path, sizeof(path), ctx, "currency");
			return ea_fail(b->err, path, "must be three capital letters (ISO 4217)");
		}
	return 0;
}

/* RFC 8748 <fee:check>: one <fee:command> per command asked for, with the period. */
static int
fee_check(struct epp_build *b, json_object *fee)
{
	char path[EA_PATH_MAX];
	json_object *jcmd, *list = NULL, *one;
	const char *cur, *name, *names[8], *ns;
	xmlNodePtr chk, c;
	size_t n = 1, i, k;

	if (fee_currency(b, fee, "fee", &cur) != 0)
		return -1;
	jcmd = ea_member(fee, "command");
	if (jcmd != NULL && json_object_is_type(jcmd, json_type_array)) {
		if (ea_list(fee, "fee", "command", 1, 1, 6, &list, &n, b->err) != 0)
			return -1;
	}
	for (i = 0; i < n; i++) {
		one = jcmd;
		ea_path(path, sizeof(path), "fee", "command");
		if (list != NULL) {
			one = json_object_array_get_idx(list, i);
			ea_path_idx(path, sizeof(path), "fee.command", i);
		}
		names[i] = "create";
		if (one == NULL)
			continue;
		for (k = 0; fee_commands[k] != NULL; k++)
			if (json_object_is_type(one, json_type_string) &&
			    strcmp(json_object_get_string(one), fee_commands[k]) == 0)
				break;
		if (fee_commands[k] == NULL)
			return ea_fail(b->err, path, "must be one of: create, delete, renew, "
			    "update, transfer, restore");
		names[i] = fee_commands[k];
	}
	if ((ns = eb_fee_ns(b, "fee")) == NULL)
		return -1;
	chk = eb_ext(b, ns, "fee", "check");
	if (cur != NULL)
		eb_el(b, chk, "currency", cur);
	for (i = 0; i < n; i++) {
		name = names[i];
		c = eb_attr(b, eb_el(b, chk, "command", NULL), "name", name);
		/* The one period asked for applies to every command. */
		if (cmd_period(b, c, fee, "fee", 0, NULL) != 0)
			return -1;
	}
	return 0;
}

/* One <fee:fee> of a transform command (RFC 8748 section 6, feeType). */
struct fee_item {
	char amount[EA_DECIMAL_MAX + 1];
	const char *description;
	const char *grace;              /* grace-period, an xsd:duration */
	const char *applied;            /* immediate, delayed */
	int refundable;                 /* -1: not said */
};

static int
fee_item(struct epp_build *b, json_object *o, const char *ctx, struct fee_item *f)
{
	static const struct ea_rule desc_rule = {EA_TEXT, 1, 255};
	static const struct ea_rule dur_rule = {EA_TOKEN, 2, 64};
	char path[EA_PATH_MAX];

	f->refundable = -1;
	if (ea_decimal(o, ctx, "amount", 1, f->amount, NULL, b->err) != 0 ||
	    ea_str(o, ctx, "description", 0, &desc_rule, &f->description, b->err) != 0 ||
	    ea_str(o, ctx, "grace_period", 0, &dur_rule, &f->grace, b->err) != 0 ||
	    ea_enum(o, ctx, "applied", 0, fee_applied, NULL, &f->applied, b->err) != 0)
		return -1;
	if (f->grace != NULL && !is_duration(f->grace)) {
		ea_path(path, sizeof(path), ctx, "grace_period");
		return ea_fail(b->err, path, "must be a duration such as \"P5D\" (XML Schema "
		    "duration)");
	}
	if (ea_member(o, "refundable") != NULL &&
	    ea_bool(o, ctx, "refundable", 0, &f->refundable, b->err) != 0)
		return -1;
	/* RFC 8748 section 3.4.3: a fee with a grace period is refundable. */
	if (f->grace != NULL && f->refundable == 0) {
		ea_path(path, sizeof(path), ctx, "grace_period");
		return ea_fail(b->err, path, "not with 'refundable' false (a fee with a grace "
		    "period is refundable)");
	}
	return 0;
}

/*
 * RFC 8748 section 5.2: the fee the client agrees to pay with a transform command,
 * <fee:NAME> (create, renew, transfer, update) holding an optional currency and one
 * or more <fee:fee>. args "fee" is one fee {currency?, amount, description?,
 * refundable?, grace_period?, applied?} or a list of them; a currency given in more
 * than one item must be the same (a command has one <fee:currency>).
 */
static int
fee_transform(struct epp_build *b, json_object *args, const char *name)
{
	struct fee_item items[CMD_MAX_FEES];
	char path[EA_PATH_MAX], cpath[EA_PATH_MAX], first[EA_PATH_MAX] = "";
	json_object *v = ea_member(args, "fee"), *list = NULL, *it;
	const char *cur = NULL, *one, *ns;
	xmlNodePtr el, f;
	size_t n = 1, i;

	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_array)) {
		if (ea_list(args, NULL, "fee", 1, 1, CMD_MAX_FEES, &list, &n, b->err) != 0)
			return -1;
	} else if (!json_object_is_type(v, json_type_object)) {
		return ea_fail(b->err, "fee", "must be an object {currency, amount, ...} or a "
		    "list of them");
	}
	for (i = 0; i < n; i++) {
		it = v;
		snprintf(path, sizeof(path), "fee");
		if (list != NULL) {
			it = json_object_array_get_idx(list, i);
			ea_path_idx(path, sizeof(path), "fee", i);
		}
		if (it == NULL || !json_object_is_type(it, json_type_object))
			return ea_fail(b->err, path, "must be an object {currency, amount, ...}");
		if (fee_currency(b, it, path, &one) != 0 || fee_item(b, it, path, &items[i]) != 0)
			return -1;
		if (one != NULL && cur != NULL && strcmp(one, cur) != 0) {
			ea_path(cpath, sizeof(cpath), path, "currency");
			return ea_fail(b->err, cpath, "differs from %s.currency (a command has "
			    "one currency)", first);
		}
		if (one != NULL && cur == NULL) {
			cur = one;
			snprintf(first, sizeof(first), "%s", path);
		}
	}
	if ((ns = eb_fee_ns(b, "fee")) == NULL)
		return -1;
	el = eb_ext(b, ns, "fee", name);
	if (cur != NULL)
		eb_el(b, el, "currency", cur);
	for (i = 0; i < n; i++) {
		f = eb_el(b, el, "fee", items[i].amount);
		if (items[i].description != NULL)
			eb_attr(b, f, "description", items[i].description);
		if (items[i].refundable >= 0)
			eb_attr(b, f, "refundable", items[i].refundable ? "1" : "0");
		if (items[i].grace != NULL)
			eb_attr(b, f, "grace-period", items[i].grace);
		if (items[i].applied != NULL)
			eb_attr(b, f, "applied", items[i].applied);
	}
	return 0;
}

/* secDNS-1.1 <secDNS:create> (RFC 5910 section 5.2.1): maxSigLife, then the DS or key
 * records of args "secdns" (one object or a list, as add_secdns). */
static int
secdns_create(struct epp_build *b, json_object *args)
{
	long long life = 0;
	xmlNodePtr cre;
	int given;

	if (ea_int(args, NULL, "max_sig_life", 0, 1, 2147483647LL, &life, &given, b->err) != 0)
		return -1;
	if (ea_member(args, "secdns") == NULL) {
		if (given)
			return ea_fail(b->err, "max_sig_life", "needs 'secdns' (a create carries "
			    "maxSigLife with DS or key records only)");
		return 0;
	}
	cre = eb_ext(b, NS_SECDNS, "secDNS", "create");
	if (given)
		eb_elf(b, cre, "maxSigLife", "%lld", life);
	return secdns_records(b, cre, args, "secdns", 0);
}

int
cmd_domain_check(struct epp_build *b, json_object *args)
{
	char name[EA_NAME_BUF];
	json_object *list, *fee;
	xmlNodePtr chk;
	size_t n, i;

	if (ea_namelist(args, NULL, "domains", 1, 1, CMD_MAX_CHECK, &list, &n, b->err) != 0 ||
	    ea_obj(args, NULL, "fee", 0, &fee, b->err) != 0)
		return -1;
	chk = domain_object(b, "check");
	for (i = 0; i < n; i++) {
		if (ea_name_at(list, NULL, "domains", i, name, b->err) != 0)
			return -1;
		eb_el(b, chk, "name", name);
		cmd_object(b, name);
	}
	if (fee != NULL && fee_check(b, fee) != 0)
		return -1;
	return 0;
}

int
cmd_domain_info(struct epp_build *b, json_object *args)
{
	char nbuf[EA_NAME_BUF];
	const char *name, *pw, *roid, *hosts;
	xmlNodePtr info;

	if (ea_name(args, NULL, "name", 1, nbuf, &name, b->err) != 0 ||
	    cmd_auth_args(b, args, &pw, &roid) != 0 ||
	    ea_enum(args, NULL, "hosts", 0, hosts_values, "all", &hosts, b->err) != 0)
		return -1;
	info = domain_object(b, "info");
	eb_attr(b, eb_el(b, info, "name", name), "hosts", hosts);
	if (pw != NULL)
		cmd_authinfo_roid(b, info, pw, roid);
	cmd_object(b, name);
	return 0;
}

int
cmd_domain_create(struct epp_build *b, json_object *args)
{
	char nbuf[EA_NAME_BUF];
	const char *name, *registrant, *pw;
	xmlNodePtr cre;

	if (ea_name(args, NULL, "name", 1, nbuf, &name, b->err) != 0 ||
	    ea_str(args, NULL, "registrant", 0, &EA_CLID, &registrant, b->err) != 0 ||
	    ea_str(args, NULL, "auth_info", 0, &EA_PW, &pw, b->err) != 0)
		return -1;
	cre = domain_object(b, "create");
	eb_el(b, cre, "name", name);
	if (cmd_period(b, cre, args, NULL, 0, NULL) != 0 ||
	    domain_ns(b, cre, args, "nameservers") != 0)
		return -1;
	/* RFC 5731 makes the registrant optional: registries without contacts take none. */
	if (registrant != NULL)
		eb_el(b, cre, "registrant", registrant);
	if (domain_contact_map(b, cre, args) != 0)
		return -1;
	/*
	 * The schema requires authInfo; without auth_info an empty password is
	 * sent and the registry generates one or refuses.
	 */
	cmd_authinfo(b, cre, pw != NULL ? pw : "");
	if (secdns_create(b, args) != 0 || fee_transform(b, args, "create") != 0)
		return -1;
	eb_target(b, "domain", name);
	cmd_object(b, name);
	return 0;
}

int
cmd_domain_delete(struct epp_build *b, json_object *args)
{
	char nbuf[EA_NAME_BUF];
	const char *name;

	if (ea_name(args, NULL, "name", 1, nbuf, &name, b->err) != 0)
		return -1;
	eb_el(b, domain_object(b, "delete"), "name", name);
	eb_target(b, "domain", name);
	cmd_object(b, name);
	return 0;
}

int
cmd_domain_renew(struct epp_build *b, json_object *args)
{
	char nbuf[EA_NAME_BUF];
	const char *name;
	char date[11];
	xmlNodePtr ren;

	if (ea_name(args, NULL, "name", 1, nbuf, &name, b->err) != 0 ||
	    arg_date(b, args, "cur_exp_date", date) != 0)
		return -1;
	ren = domain_object(b, "renew");
	eb_el(b, ren, "name", name);
	eb_el(b, ren, "curExpDate", date);
	/* Optional (RFC 5731 section 3.2.3): without one the registry's default applies. */
	if (cmd_period(b, ren, args, NULL, 0, NULL) != 0 || fee_transform(b, args, "renew") != 0)
		return -1;
	eb_target(b, "domain", name);
	cmd_object(b, name);
	return 0;
}

int
cmd_domain_transfer(struct epp_build *b, json_object *args)
{
	char nbuf[EA_NAME_BUF];
	const char *name, *op, *pw, *roid;
	xmlNodePtr trn, dt;
	int given;

	if (ea_name(args, NULL, "name", 1, nbuf, &name, b->err) != 0 ||
	    ea_enum(args, NULL, "op", 0, transfer_ops, "request", &op, b->err) != 0 ||
	    cmd_auth_args(b, args, &pw, &roid) != 0)
		return -1;
	trn = eb_attr(b, eb_command(b, "transfer"), "op", op);
	dt = eb_object(b, trn, NS_DOMAIN, PFX, "transfer");
	eb_el(b, dt, "name", name);
	if (cmd_period(b, dt, args, NULL, 0, &given) != 0)
		return -1;
	/* RFC 5731 3.2.4: the period belongs to a transfer request only. */
	if (given && strcmp(op, "request") != 0)
		return ea_fail(b->err, "period", "only allowed with op 'request'");
	if (pw != NULL)
		cmd_authinfo_roid(b, dt, pw, roid);
	/* RFC 8748 section 5.2.4: a fee goes with a transfer request only. */
	if (ea_member(args, "fee") != NULL && strcmp(op, "request") != 0)
		return ea_fail(b->err, "fee", "only allowed with op 'request'");
	if (fee_transform(b, args, "transfer") != 0)
		return -1;
	if (strcmp(op, "query") == 0) {
		b->klass = EPP_CLASS_QUERY;
	} else {
		b->klass = EPP_CLASS_TRANSFORM;
		eb_target(b, "domain", name);
	}
	cmd_object(b, name);
	return 0;
}

/* ---- domain_update and its extensions -------------------------------------- */

/* rgp-1.0 <rgp:update>: a restore request, or a restore report. */
static int
rgp_update(struct epp_build *b, json_object *args)
{
	static const char *const text_keys[] = {"pre_data", "post_data", "res_reason",
		"statement1"};
	json_object *rep;
	const char *text[4], *st2, *other;
	char del_time[72], res_time[72];
	xmlNodePtr restore, r;
	int request = ea_truthy(args, "rgp_restore");
	size_t i;

	if (ea_obj(args, NULL, "rgp_restore_report", 0, &rep, b->err) != 0)
		return -1;
	if (request && rep != NULL)
		return ea_fail(b->err, "rgp_restore", "cannot be combined with "
		    "'rgp_restore_report' (one restore operation per update)");
	if (!request && rep == NULL)
		return 0;
	if (rep != NULL) {
		for (i = 0; i < 4; i++)
			if (ea_str(rep, "rgp_restore_report", text_keys[i], 1, &EA_ANYTEXT,
			    &text[i], b->err) != 0)
				return -1;
		if (arg_datetime(b, rep, "rgp_restore_report", "del_time", del_time) != 0 ||
		    arg_datetime(b, rep, "rgp_restore_report", "res_time", res_time) != 0 ||
		    ea_str(rep, "rgp_restore_report", "statement2", 0, &EA_ANYTEXT, &st2,
		    b->err) != 0 ||
		    ea_str(rep, "rgp_restore_report", "other", 0, &EA_ANYTEXT, &other,
		    b->err) != 0)
			return -1;
	}
	restore = eb_el(b, eb_ext(b, NS_RGP, "rgp", "update"), "restore", NULL);
	if (rep == NULL) {
		eb_attr(b, restore, "op", "request");
		return 0;
	}
	eb_attr(b, restore, "op", "report");
	r = eb_el(b, restore, "report", NULL);
	eb_el(b, r, "preData", text[0]);
	eb_el(b, r, "postData", text[1]);
	eb_el(b, r, "delTime", del_time);
	eb_el(b, r, "resTime", res_time);
	eb_el(b, r, "resReason", text[2]);
	eb_el(b, r, "statement", text[3]);
	if (st2 != NULL)
		eb_el(b, r, "statement", st2);
	if (other != NULL)
		eb_el(b, r, "other", other);
	return 0;
}

static int
is_hex(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return i % 2 == 0;
}

static int
is_base64(const char *s)
{
	size_t i, pad = 0;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0)
			return 0;       /* padding only at the end */
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '+' || s[i] == '/'))
			return 0;
	}
	if (i == 0 || i % 4 != 0 || pad > 2)
		return 0;
	/* xsd:base64Binary is canonical: the bits the padding drops must be zero. */
	if (pad == 2)
		return strchr("AQgw", s[i - 3]) != NULL;
	if (pad == 1)
		return strchr("AEIMQUYcgkosw048", s[i - 2]) != NULL;
	return 1;
}

/* <secDNS:keyData> from keydata_* members of o (path ctx). */
static int
secdns_keydata(struct epp_build *b, xmlNodePtr parent, json_object *o, const char *ctx)
{
	static const struct ea_rule key_rule = {EA_TOKEN, 4, 0};
	char path[EA_PATH_MAX];
	long long flags, proto, alg;
	const char *key;
	xmlNodePtr kd;

	if (ea_int(o, ctx, "keydata_flags", 1, 0, 65535, &flags, NULL, b->err) != 0 ||
	    ea_int(o, ctx, "keydata_protocol", 1, 0, 255, &proto, NULL, b->err) != 0 ||
	    ea_int(o, ctx, "keydata_alg", 1, 0, 255, &alg, NULL, b->err) != 0 ||
	    ea_str(o, ctx, "keydata_pubkey", 1, &key_rule, &key, b->err) != 0)
		return -1;
	if (!is_base64(key)) {
		ea_path(path, sizeof(path), ctx, "keydata_pubkey");
		return ea_fail(b->err, path, "must be base64");
	}
	kd = eb_el(b, parent, "keyData", NULL);
	eb_elf(b, kd, "flags", "%lld", flags);
	eb_elf(b, kd, "protocol", "%lld", proto);
	eb_elf(b, kd, "alg", "%lld", alg);
	eb_el(b, kd, "pubKey", key);
	return 0;
}

/* <secDNS:dsData> (with an optional nested keyData) or a bare <secDNS:keyData>. */
static int
secdns_item(struct epp_build *b, xmlNodePtr parent, json_object *o, const char *ctx,
    int *is_key)
{
	static const struct ea_rule digest_rule = {EA_TOKEN, 2, 0};
	char path[EA_PATH_MAX];
	long long tag, alg, dtype;
	const char *digest;
	xmlNodePtr ds;

	/* Without a key tag the item is a key (RFC 5910 keyData interface). */
	*is_key = ea_member(o, "key_tag") == NULL && ea_member(o, "keydata_flags") != NULL;
	if (*is_key)
		return secdns_keydata(b, parent, o, ctx);
	if (ea_int(o, ctx, "key_tag", 1, 0, 65535, &tag, NULL, b->err) != 0 ||
	    ea_int(o, ctx, "alg", 1, 0, 255, &alg, NULL, b->err) != 0 ||
	    ea_int(o, ctx, "digest_type", 1, 0, 255, &dtype, NULL, b->err) != 0 ||
	    ea_str(o, ctx, "digest", 1, &digest_rule, &digest, b->err) != 0)
		return -1;
	if (!is_hex(digest)) {
		ea_path(path, sizeof(path), ctx, "digest");
		return ea_fail(b->err, path, "must be an even number of hex digits");
	}
	ds = eb_el(b, parent, "dsData", NULL);
	eb_elf(b, ds, "keyTag", "%lld", tag);
	eb_elf(b, ds, "alg", "%lld", alg);
	eb_elf(b, ds, "digestType", "%lld", dtype);
	eb_el(b, ds, "digest", digest);
	if (ea_member(o, "keydata_flags") != NULL || ea_member(o, "keydata_protocol") != NULL ||
	    ea_member(o, "keydata_alg") != NULL || ea_member(o, "keydata_pubkey") != NULL)
		return secdns_keydata(b, ds, o, ctx);
	return 0;
}

/* The records of add_secdns / rem_secdns (an object or a list of them) into parent. */
static int
secdns_records(struct epp_build *b, xmlNodePtr parent, json_object *args, const char *key,
    int allow_all)
{
	char path[EA_PATH_MAX];
	json_object *v = ea_member(args, key), *it;
	size_t n = 1, i;
	int all = 0, is_key, first_key = -1;

	if (json_object_is_type(v, json_type_array)) {
		if (ea_list(args, NULL, key, 1, 1, CMD_MAX_DS, &v, &n, b->err) != 0)
			return -1;
	} else if (!json_object_is_type(v, json_type_object)) {
		return ea_fail(b->err, key, "must be an object or a list of objects");
	} else if (allow_all && ea_member(v, "all") != NULL) {
		if (ea_bool(v, key, "all", 0, &all, b->err) != 0)
			return -1;
		if (all) {
			eb_el(b, parent, "all", "true");
			return 0;
		}
	}
	for (i = 0; i < n; i++) {
		it = v;
		snprintf(path, sizeof(path), "%s", key);
		if (json_object_is_type(v, json_type_array)) {
			it = json_object_array_get_idx(v, i);
			ea_path_idx(path, sizeof(path), key, i);
		}
		if (it == NULL || !json_object_is_type(it, json_type_object))
			return ea_fail(b->err, path, "must be an object");
		if (secdns_item(b, parent, it, path, &is_key) != 0)
			return -1;
		/* The schema takes either DS records or key records in one element. */
		if (first_key >= 0 && first_key != is_key)
			return ea_fail(b->err, key, "cannot mix DS data and key data");
		first_key = is_key;
	}
	return 0;
}

/* secDNS-1.1 <secDNS:update>, children in schema order: rem, add, chg (RFC 5910). */
static int
secdns_update(struct epp_build *b, json_object *args)
{
	json_object *chg;
	xmlNodePtr upd;
	long long life = 0;
	int urgent;

	if (ea_bool(args, NULL, "secdns_urgent", 0, &urgent, b->err) != 0)
		return -1;
	if (ea_member(args, "rem_secdns") == NULL && ea_member(args, "add_secdns") == NULL &&
	    ea_member(args, "change_secdns") == NULL) {
		if (urgent)
			return ea_fail(b->err, "secdns_urgent", "needs 'add_secdns', "
			    "'rem_secdns' or 'change_secdns'");
		return 0;
	}
	if (ea_obj(args, NULL, "change_secdns", 0, &chg, b->err) != 0 ||
	    (chg != NULL && ea_int(chg, "change_secdns", "max_sig_life", 1, 1, 2147483647LL,
	    &life, NULL, b->err) != 0))
		return -1;
	upd = eb_ext(b, NS_SECDNS, "secDNS", "update");
	/* RFC 5910 section 5.2.5: the client asks for the change to be published at once. */
	if (urgent)
		eb_attr(b, upd, "urgent", "true");
	if (ea_member(args, "rem_secdns") != NULL &&
	    secdns_records(b, eb_el(b, upd, "rem", NULL), args, "rem_secdns", 1) != 0)
		return -1;
	if (ea_member(args, "add_secdns") != NULL &&
	    secdns_records(b, eb_el(b, upd, "add", NULL), args, "add_secdns", 0) != 0)
		return -1;
	if (chg != NULL)
		eb_elf(b, eb_el(b, upd, "chg", NULL), "maxSigLife", "%lld", life);
	return 0;
}

int
cmd_domain_update(struct epp_build *b, json_object *args)
{
	char nbuf[EA_NAME_BUF];
	const char *name, *registrant, *pw;
	xmlNodePtr upd, add, rem, chg;

	if (ea_name(args, NULL, "name", 1, nbuf, &name, b->err) != 0 ||
	    ea_str(args, NULL, "change_registrant", 0, &EA_CLID, &registrant, b->err) != 0 ||
	    ea_str(args, NULL, "auth_info", 0, &EA_PW, &pw, b->err) != 0)
		return -1;
	upd = domain_object(b, "update");
	eb_el(b, upd, "name", name);
	/* Inside add and rem the schema order is ns, contact, status. */
	add = eb_el(b, upd, "add", NULL);
	if (domain_ns(b, add, args, "add_nameservers") != 0 ||
	    domain_contact_list(b, add, args, "add_contacts") != 0 ||
	    cmd_statuses(b, add, args, "add_statuses", domain_statuses, 11, 1) != 0)
		return -1;
	rem = eb_el(b, upd, "rem", NULL);
	if (domain_ns(b, rem, args, "remove_nameservers") != 0 ||
	    domain_contact_list(b, rem, args, "remove_contacts") != 0 ||
	    cmd_statuses(b, rem, args, "remove_statuses", domain_statuses, 11, 0) != 0)
		return -1;
	chg = eb_el(b, upd, "chg", NULL);
	if (registrant != NULL)
		eb_el(b, chg, "registrant", registrant);
	if (pw != NULL)
		cmd_authinfo(b, chg, pw);
	/* Only what was given goes out: no empty <domain:add/>, <rem/> or <chg/>. */
	eb_drop_if_empty(add);
	eb_drop_if_empty(rem);
	eb_drop_if_empty(chg);
	/* RFC 8748 section 5.2.5: the fee of a restore, or of any other billable update. */
	if (rgp_update(b, args) != 0 || secdns_update(b, args) != 0 ||
	    fee_transform(b, args, "update") != 0)
		return -1;
	eb_target(b, "domain", name);
	cmd_object(b, name);
	return 0;
}
