/* SPDX-License-Identifier: MIT */
/*
 * cmd_contact.c - contact object commands (RFC 5733).
 */
#include <string.h>

#include "cmd_builders.h"
#include "epp_args.h"

#define PFX "contact"

static const char *const contact_statuses[] = {
	"clientDeleteProhibited", "clientTransferProhibited", "clientUpdateProhibited",
	"linked", "ok", "pendingCreate", "pendingDelete", "pendingTransfer", "pendingUpdate",
	"serverDeleteProhibited", "serverTransferProhibited", "serverUpdateProhibited", NULL,
};

static const char *const postal_types[] = {"int", "loc", NULL};
static const char *const transfer_ops[] = {"request", "query", "approve", "reject", "cancel",
	NULL};

/* contact-1.0 postalLineType / optPostalLineType / pcType. */
static const struct ea_rule line_rule = {EA_TEXT, 1, 255};
static const struct ea_rule optline_rule = {EA_TEXT, 0, 255};
static const struct ea_rule pc_rule = {EA_TOKEN, 0, 16};
static const struct ea_rule cc_rule = {EA_TOKEN, 2, 2};
/* Phone numbers go out as given (registries differ on the form they take). */
static const struct ea_rule phone_rule = {EA_TEXT, 0, 64};
static const struct ea_rule email_rule = {EA_TOKEN, 1, 255};

static xmlNodePtr
contact_object(struct epp_build *b, const char *cmd)
{
	return eb_object(b, eb_command(b, cmd), NS_CONTACT, PFX, cmd);
}

/* <contact:addr> from the "address" object at path ctx. */
static int
contact_addr(struct epp_build *b, xmlNodePtr parent, json_object *a, const char *ctx)
{
	char path[EA_PATH_MAX], ipath[EA_PATH_MAX];
	json_object *street, *lines = NULL;
	const char *s, *city, *sp, *pc, *cc;
	xmlNodePtr addr;
	size_t n = 0, i;

	ea_path(path, sizeof(path), ctx, "street");
	street = ea_member(a, "street");
	/* A street is one line or a list of 1-3 lines, one <contact:street> each. */
	if (street != NULL && json_object_is_type(street, json_type_string)) {
		if (ea_check_str(street, path, &optline_rule, &s, b->err) != 0)
			return -1;
	} else if (street != NULL && !json_object_is_type(street, json_type_array)) {
		return ea_fail(b->err, path, "must be a string or a list of 1 to 3 strings");
	} else if (ea_strlist(a, ctx, "street", 0, 1, 3, &optline_rule, &lines, &n,
	    b->err) != 0) {
		return -1;
	}
	if (ea_str(a, ctx, "city", 1, &line_rule, &city, b->err) != 0 ||
	    ea_str(a, ctx, "sp", 0, &optline_rule, &sp, b->err) != 0 ||
	    ea_str(a, ctx, "pc", 0, &pc_rule, &pc, b->err) != 0 ||
	    ea_str(a, ctx, "cc", 1, &cc_rule, &cc, b->err) != 0)
		return -1;
	for (i = 0; i < 2; i++) {
		if ((cc[i] < 'A' || cc[i] > 'Z') && (cc[i] < 'a' || cc[i] > 'z')) {
			ea_path(ipath, sizeof(ipath), ctx, "cc");
			return ea_fail(b->err, ipath, "must be a two-letter country code");
		}
	}
	addr = eb_el(b, parent, "addr", NULL);
	if (street != NULL && lines == NULL)
		eb_el(b, addr, "street", json_object_get_string(street));
	for (i = 0; i < n; i++)
		eb_el(b, addr, "street",
		    json_object_get_string(json_object_array_get_idx(lines, i)));
	eb_el(b, addr, "city", city);
	if (sp != NULL)
		eb_el(b, addr, "sp", sp);
	if (pc != NULL)
		eb_el(b, addr, "pc", pc);
	eb_el(b, addr, "cc", cc);
	return 0;
}

/* <contact:postalInfo type=...> for each item of "contacts" (1-2 for create). */
static int
contact_postal(struct epp_build *b, xmlNodePtr parent, json_object *args, int create)
{
	char path[EA_PATH_MAX], tpath[EA_PATH_MAX];
	json_object *list, *it, *addr;
	const char *type, *name, *org, *seen = NULL;
	xmlNodePtr pi;
	size_t n, i;

	if (ea_list(args, NULL, "contacts", create, create ? 1 : 0, 2, &list, &n, b->err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(list, i);
		ea_path_idx(path, sizeof(path), "contacts", i);
		if (it == NULL || !json_object_is_type(it, json_type_object))
			return ea_fail(b->err, path, "must be an object {type, name, org, address}");
		if (ea_enum(it, path, "type", 1, postal_types, NULL, &type, b->err) != 0 ||
		    ea_str(it, path, "name", create, &line_rule, &name, b->err) != 0 ||
		    ea_str(it, path, "org", 0, &optline_rule, &org, b->err) != 0 ||
		    ea_obj(it, path, "address", create, &addr, b->err) != 0)
			return -1;
		/* One internationalized and one localized form at most (RFC 5733 2.4). */
		if (seen != NULL && strcmp(seen, type) == 0) {
			ea_path(tpath, sizeof(tpath), path, "type");
			return ea_fail(b->err, tpath, "'%s' is given twice", type);
		}
		seen = type;
		pi = eb_attr(b, eb_el(b, parent, "postalInfo", NULL), "type", type);
		if (name != NULL)
			eb_el(b, pi, "name", name);
		if (org != NULL)
			eb_el(b, pi, "org", org);
		ea_path(tpath, sizeof(tpath), path, "address");
		if (addr != NULL && contact_addr(b, pi, addr, tpath) != 0)
			return -1;
	}
	return 0;
}

/*
 * <contact:voice> or <contact:fax> from args key: the number as a string
 * ("+1.7035555555"), or {"number": ..., "ext": ...} for a number with an extension
 * (RFC 5733 section 2.5: the x attribute). The number goes out as given.
 */
static int
contact_phone(struct epp_build *b, xmlNodePtr parent, json_object *args, const char *key)
{
	static const struct ea_rule ext_rule = {EA_TOKEN, 1, 64};
	char path[EA_PATH_MAX];
	json_object *v = ea_member(args, key);
	const char *num, *x = NULL;
	xmlNodePtr el;

	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_object)) {
		if (ea_str(v, key, "number", 1, &phone_rule, &num, b->err) != 0 ||
		    ea_str(v, key, "ext", 0, &ext_rule, &x, b->err) != 0)
			return -1;
		if (x != NULL && *num == '\0') {
			ea_path(path, sizeof(path), key, "ext");
			return ea_fail(b->err, path, "needs a number");
		}
	} else if (json_object_is_type(v, json_type_string)) {
		if (ea_check_str(v, key, &phone_rule, &num, b->err) != 0)
			return -1;
	} else {
		return ea_fail(b->err, key, "must be a phone number or an object {number, ext}");
	}
	el = eb_el(b, parent, key, num);
	if (x != NULL)
		eb_attr(b, el, "x", x);
	return 0;
}

/* The "flag" of disclose: true/false, 1/0, or the strings "true", "false", "1", "0". */
static int
disclose_flag(struct epp_build *b, json_object *d, int *flag)
{
	json_object *v = ea_member(d, "flag");
	const char *s;

	if (v == NULL)
		return eg_err_set(b->err, EG_EREQUEST, "missing argument 'disclose.flag'");
	if (json_object_is_type(v, json_type_boolean)) {
		*flag = json_object_get_boolean(v) ? 1 : 0;
		return 0;
	}
	if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0 &&
	    json_object_get_int64(v) <= 1) {
		*flag = (int)json_object_get_int64(v);
		return 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		if (strcmp(s, "1") == 0 || strcmp(s, "true") == 0 || strcmp(s, "0") == 0 ||
		    strcmp(s, "false") == 0) {
			*flag = s[0] == '1' || s[0] == 't';
			return 0;
		}
	}
	return ea_fail(b->err, "disclose.flag", "must be true or false (or 1 or 0)");
}

/* The types of one of name, org, addr in disclose: "int", "loc" or a list of both. */
static int
disclose_types(struct epp_build *b, json_object *d, const char *key, const char *out[2],
    size_t *n)
{
	char path[EA_PATH_MAX], ipath[EA_PATH_MAX];
	json_object *v = ea_member(d, key), *list;
	size_t i, k;

	*n = 0;
	ea_path(path, sizeof(path), "disclose", key);
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_array)) {
		if (ea_enum(d, "disclose", key, 1, postal_types, NULL, &out[0], b->err) != 0)
			return -1;
		*n = 1;
		return 0;
	}
	if (ea_list(d, "disclose", key, 1, 1, 2, &list, n, b->err) != 0)
		return -1;
	for (i = 0; i < *n; i++) {
		json_object *it = json_object_array_get_idx(list, i);

		ea_path_idx(ipath, sizeof(ipath), path, i);
		out[i] = NULL;
		for (k = 0; it != NULL && json_object_is_type(it, json_type_string) &&
		    postal_types[k] != NULL; k++)
			if (strcmp(json_object_get_string(it), postal_types[k]) == 0)
				out[i] = postal_types[k];
		if (out[i] == NULL)
			return ea_fail(b->err, ipath, "must be one of: int, loc");
		if (i == 1 && out[0] == out[1])
			return ea_fail(b->err, ipath, "'%s' is given twice", out[1]);
	}
	return 0;
}

/*
 * <contact:disclose flag="0|1"> (RFC 5733 section 2.9) from args "disclose":
 * {"flag": false, "name": "int" or ["int", "loc"], "org": ..., "addr": ...,
 * "voice": true, "fax": true, "email": true}: the elements the flag applies to.
 * At least one must be named.
 */
static int
contact_disclose(struct epp_build *b, xmlNodePtr parent, json_object *args)
{
	static const char *const parts[] = {"name", "org", "addr"};
	static const char *const plain[] = {"voice", "fax", "email"};
	const char *types[3][2];
	json_object *d;
	xmlNodePtr el;
	size_t nt[3], i, k;
	int flag = 0, on[3], any = 0;

	if (ea_obj(args, NULL, "disclose", 0, &d, b->err) != 0)
		return -1;
	if (d == NULL)
		return 0;
	if (disclose_flag(b, d, &flag) != 0)
		return -1;
	for (i = 0; i < 3; i++) {
		if (disclose_types(b, d, parts[i], types[i], &nt[i]) != 0 ||
		    ea_bool(d, "disclose", plain[i], 0, &on[i], b->err) != 0)
			return -1;
		any |= nt[i] > 0 || on[i];
	}
	if (!any)
		return ea_fail(b->err, "disclose", "must name at least one of name, org, addr, "
		    "voice, fax, email");
	el = eb_attr(b, eb_el(b, parent, "disclose", NULL), "flag", flag ? "1" : "0");
	for (i = 0; i < 3; i++)
		for (k = 0; k < nt[i]; k++)
			eb_attr(b, eb_el(b, el, parts[i], NULL), "type", types[i][k]);
	for (i = 0; i < 3; i++)
		if (on[i])
			eb_el(b, el, plain[i], NULL);
	return 0;
}

/* voice, fax, email, authInfo, disclose, in schema order after the postal infos. */
static int
contact_fields(struct epp_build *b, xmlNodePtr parent, json_object *args, int create)
{
	const char *email, *pw;

	if (ea_str(args, NULL, "email", create, &email_rule, &email, b->err) != 0 ||
	    ea_str(args, NULL, "auth_info", 0, &EA_PW, &pw, b->err) != 0)
		return -1;
	if (contact_phone(b, parent, args, "voice") != 0 ||
	    contact_phone(b, parent, args, "fax") != 0)
		return -1;
	if (email != NULL)
		eb_el(b, parent, "email", email);
	/*
	 * The schema requires authInfo on create; without auth_info an empty
	 * password is sent and the registry generates one or refuses.
	 */
	if (pw != NULL || create)
		cmd_authinfo(b, parent, pw != NULL ? pw : "");
	return contact_disclose(b, parent, args);
}

int
cmd_contact_check(struct epp_build *b, json_object *args)
{
	json_object *list;
	xmlNodePtr chk;
	size_t n, i;

	if (ea_strlist(args, NULL, "contacts", 1, 1, CMD_MAX_CHECK, &EA_CLID, &list, &n,
	    b->err) != 0)
		return -1;
	chk = contact_object(b, "check");
	for (i = 0; i < n; i++)
		eb_el(b, chk, "id", json_object_get_string(json_object_array_get_idx(list, i)));
	cmd_object_list(b, list, n);
	return 0;
}

int
cmd_contact_info(struct epp_build *b, json_object *args)
{
	const char *id, *pw, *roid;
	xmlNodePtr info;

	if (ea_str(args, NULL, "contact", 1, &EA_CLID, &id, b->err) != 0 ||
	    cmd_auth_args(b, args, &pw, &roid) != 0)
		return -1;
	info = contact_object(b, "info");
	eb_el(b, info, "id", id);
	if (pw != NULL)
		cmd_authinfo_roid(b, info, pw, roid);
	cmd_object(b, id);
	return 0;
}

int
cmd_contact_delete(struct epp_build *b, json_object *args)
{
	const char *id;

	if (ea_str(args, NULL, "contact", 1, &EA_CLID, &id, b->err) != 0)
		return -1;
	eb_el(b, contact_object(b, "delete"), "id", id);
	eb_target(b, "contact", id);
	cmd_object(b, id);
	return 0;
}

int
cmd_contact_create(struct epp_build *b, json_object *args)
{
	const char *id;
	xmlNodePtr cre;

	if (ea_str(args, NULL, "id", 1, &EA_CLID, &id, b->err) != 0)
		return -1;
	cre = contact_object(b, "create");
	eb_el(b, cre, "id", id);
	if (contact_postal(b, cre, args, 1) != 0 || contact_fields(b, cre, args, 1) != 0)
		return -1;
	eb_target(b, "contact", id);
	cmd_object(b, id);
	return 0;
}

int
cmd_contact_update(struct epp_build *b, json_object *args)
{
	const char *id;
	xmlNodePtr upd, add, rem, chg;

	if (ea_str(args, NULL, "id", 1, &EA_CLID, &id, b->err) != 0)
		return -1;
	upd = contact_object(b, "update");
	eb_el(b, upd, "id", id);
	add = eb_el(b, upd, "add", NULL);
	if (cmd_statuses(b, add, args, "add_statuses", contact_statuses, 7, 1) != 0)
		return -1;
	rem = eb_el(b, upd, "rem", NULL);
	if (cmd_statuses(b, rem, args, "remove_statuses", contact_statuses, 7, 0) != 0)
		return -1;
	chg = eb_el(b, upd, "chg", NULL);
	if (contact_postal(b, chg, args, 0) != 0 || contact_fields(b, chg, args, 0) != 0)
		return -1;
	/* Only what was given goes out: no empty <contact:add/>, <rem/> or <chg/>. */
	eb_drop_if_empty(add);
	eb_drop_if_empty(rem);
	eb_drop_if_empty(chg);
	eb_target(b, "contact", id);
	cmd_object(b, id);
	return 0;
}

/* RFC 5733 section 3.2.4: every op as domain_transfer has them; no period for contacts. */
int
cmd_contact_transfer(struct epp_build *b, json_object *args)
{
	const char *id, *op, *pw;
	xmlNodePtr ct;

	if (ea_str(args, NULL, "contact", 1, &EA_CLID, &id, b->err) != 0 ||
	    ea_enum(args, NULL, "op", 0, transfer_ops, "request", &op, b->err) != 0 ||
	    ea_str(args, NULL, "auth_info", 0, &EA_PW, &pw, b->err) != 0)
		return -1;
	ct = eb_object(b, eb_attr(b, eb_command(b, "transfer"), "op", op), NS_CONTACT, PFX,
	    "transfer");
	eb_el(b, ct, "id", id);
	if (pw != NULL)
		cmd_authinfo(b, ct, pw);
	if (strcmp(op, "query") == 0) {
		b->klass = EPP_CLASS_QUERY;
	} else {
		b->klass = EPP_CLASS_TRANSFORM;
		eb_target(b, "contact", id);
	}
	cmd_object(b, id);
	return 0;
}
