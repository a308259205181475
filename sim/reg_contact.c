/* SPDX-License-Identifier: MIT */
/*
 * reg_contact.c - contact commands (RFC 5733): check, info, create, delete,
 * update, transfer. A contact used by a domain (registrant or contact) is
 * "linked" and cannot be deleted.
 *
 * Values are checked against the schema's rules on the way in, so that every
 * info response built from them is valid too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reg_model.h"

#define K SX_NS_CONTACT

static const uint32_t settable =
    STB(ST_CLIENT_DELETE_PROHIBITED) | STB(ST_CLIENT_TRANSFER_PROHIBITED) |
    STB(ST_CLIENT_UPDATE_PROHIBITED) | STB(ST_SERVER_DELETE_PROHIBITED) |
    STB(ST_SERVER_TRANSFER_PROHIBITED) | STB(ST_SERVER_UPDATE_PROHIBITED);

/* Frees the address part only (street..cc). */
static void
addr_clear(struct reg_postal *p)
{
	size_t i;

	for (i = 0; i < p->nstreet; i++)
		free(p->street[i]);
	free(p->city);
	free(p->sp);
	free(p->pc);
	free(p->cc);
	p->nstreet = 0;
	p->city = p->sp = p->pc = p->cc = NULL;
}

static void
postal_clear(struct reg_postal *p)
{
	free(p->name);
	free(p->org);
	addr_clear(p);
	memset(p, 0, sizeof(*p));
}

static void
phones_free(char **v)
{
	int i;

	for (i = 0; i < 5; i++)
		free(v[i]);
}

void
reg_contact_free(struct reg_contact *k)
{
	size_t i;

	if (k == NULL)
		return;
	reg_obj_free(&k->o);
	for (i = 0; i < k->npi; i++)
		postal_clear(&k->pi[i]);
	free(k->voice);
	free(k->voice_x);
	free(k->fax);
	free(k->fax_x);
	free(k->email);
	free(k);
}

static int
valid_id(const char *id)
{
	size_t n = strlen(id);

	return n >= 3 && n <= SIM_CLID_MAX;
}

static struct reg_contact *
find_contact(struct reg_cmd *c, const char *id)
{
	struct reg_contact *k;

	if (id[0] == '\0') {
		sx_resp_result(c->resp, 2003, "contact id missing");
		return NULL;
	}
	if ((k = (struct reg_contact *)reg_tab_get(&c->reg->contacts, id)) == NULL)
		sx_resp_result(c->resp, 2303, "contact '%s' does not exist", id);
	return k;
}

/* Text of an optional child, malloc'd; *out NULL when absent. -1 when longer than max
 * or (required) empty, with 2005/2003 set. */
static int
read_str(struct reg_cmd *c, xmlNodePtr parent, const char *name, size_t max, int required,
    char **out)
{
	xmlNodePtr n = sx_child(parent, K, name);
	char *s;

	*out = NULL;
	if (n == NULL) {
		if (!required)
			return 0;
		sx_resp_result(c->resp, 2003, "contact %s missing", name);
		return -1;
	}
	if ((s = sx_text_dup(n)) == NULL) {
		sx_resp_result(c->resp, 2400, "out of memory");
		return -1;
	}
	if (strlen(s) > max || (required && s[0] == '\0')) {
		sx_resp_result(c->resp, 2005, "contact %s must have %s1 to %zu characters", name,
		    required ? "" : "0 or ", max);
		free(s);
		return -1;
	}
	*out = s;
	return 0;
}

static int
read_addr(struct reg_cmd *c, xmlNodePtr a, struct reg_postal *p)
{
	xmlNodePtr s;

	for (s = sx_child(a, K, "street"); s != NULL; s = sx_next(s, K, "street")) {
		if (p->nstreet == 3) {
			sx_resp_result(c->resp, 2005, "at most 3 street lines");
			return -1;
		}
		if ((p->street[p->nstreet] = sx_text_dup(s)) == NULL ||
		    strlen(p->street[p->nstreet++]) > 255) {
			sx_resp_result(c->resp, 2005, "a street line has at most 255 characters");
			return -1;
		}
	}
	if (read_str(c, a, "city", 255, 1, &p->city) == -1 ||
	    read_str(c, a, "sp", 255, 0, &p->sp) == -1 ||
	    read_str(c, a, "pc", 16, 0, &p->pc) == -1 ||
	    read_str(c, a, "cc", 2, 1, &p->cc) == -1)
		return -1;
	if (strlen(p->cc) != 2) {
		sx_resp_result(c->resp, 2005, "cc must be a two-letter country code");
		return -1;
	}
	return 0;
}

/* One <contact:postalInfo>. partial: a <chg> one, where every part is optional. */
static int
read_postal(struct reg_cmd *c, xmlNodePtr pi, struct reg_postal *p, int partial)
{
	xmlNodePtr a;
	char type[8];

	memset(p, 0, sizeof(*p));
	sx_attr(pi, "type", type, sizeof(type));
	if (strcmp(type, "int") != 0 && strcmp(type, "loc") != 0) {
		sx_resp_result(c->resp, 2005, "postalInfo type '%s' is neither int nor loc", type);
		return -1;
	}
	p->loc = type[0] == 'l';
	if (read_str(c, pi, "name", 255, !partial, &p->name) == -1 ||
	    read_str(c, pi, "org", 255, 0, &p->org) == -1)
		return -1;
	if ((a = sx_child(pi, K, "addr")) == NULL) {
		if (partial)
			return 0;
		sx_resp_result(c->resp, 2003, "postalInfo addr missing");
		return -1;
	}
	return read_addr(c, a, p);
}

/* E.164 as the schema has it: "+CC.NUMBER", 1-3 and 1-14 digits, at most 17 chars. */
static int
valid_e164(const char *s)
{
	size_t cc, num;

	if (s[0] == '\0')
		return 1;
	if (s[0] != '+' || strlen(s) > 17)
		return 0;
	cc = strspn(s + 1, "0123456789");
	if (cc < 1 || cc > 3 || s[1 + cc] != '.')
		return 0;
	num = strspn(s + 2 + cc, "0123456789");
	return num >= 1 && num <= 14 && s[2 + cc + num] == '\0';
}

/* voice, voice x=, fax, fax x=, email into v[0..4] (NULL when absent). */
static int
read_phones(struct reg_cmd *c, xmlNodePtr parent, char **v, int email_required)
{
	static const char *const names[] = {"voice", "fax"};
	char x[256];
	int i, r;

	memset(v, 0, 5 * sizeof(*v));
	for (i = 0; i < 2; i++) {
		if (read_str(c, parent, names[i], 17, 0, &v[2 * i]) == -1)
			return -1;
		if (v[2 * i] != NULL && !valid_e164(v[2 * i])) {
			sx_resp_result(c->resp, 2005, "%s '%s' is not +CC.NUMBER", names[i], v[2 * i]);
			return -1;
		}
		/* RFC 5733 section 2.5: an extension, kept as given (a token). */
		if ((r = sx_attr(sx_child(parent, K, names[i]), "x", x, sizeof(x))) == -1) {
			sx_resp_result(c->resp, 2005, "%s extension longer than %zu characters",
			    names[i], sizeof(x) - 1);
			return -1;
		}
		if (r == 1 && x[0] != '\0' && (v[2 * i + 1] = strdup(x)) == NULL) {
			sx_resp_result(c->resp, 2400, "out of memory");
			return -1;
		}
	}
	return read_str(c, parent, "email", 255, email_required, &v[4]);
}

/* <contact:disclose> in schema order: name, org, addr (int before loc), voice, fax, email. */
static void
show_disclose(xmlNodePtr data, int flag, unsigned what)
{
	static const char *const names[] = {"name", "org", "addr", "voice", "fax", "email"};
	xmlNodePtr d = sx_add(data, "disclose", NULL), e;
	size_t i;

	sx_set_attr(d, "flag", flag ? "1" : "0");
	for (i = 0; i < 6; i++) {
		if (i < 3) {
			if (what & (1u << (2 * i))) {
				e = sx_add(d, names[i], NULL);
				sx_set_attr(e, "type", "int");
			}
			if (what & (1u << (2 * i + 1))) {
				e = sx_add(d, names[i], NULL);
				sx_set_attr(e, "type", "loc");
			}
		} else if (what & (DISC_VOICE << (i - 3))) {
			sx_add(d, names[i], NULL);
		}
	}
}

static void
show_postal(xmlNodePtr data, const struct reg_postal *p)
{
	xmlNodePtr pi, a;
	size_t i;

	pi = sx_add(data, "postalInfo", NULL);
	sx_set_attr(pi, "type", p->loc ? "loc" : "int");
	sx_add(pi, "name", p->name);
	if (p->org != NULL)
		sx_add(pi, "org", p->org);
	a = sx_add(pi, "addr", NULL);
	for (i = 0; i < p->nstreet; i++)
		sx_add(a, "street", p->street[i]);
	sx_add(a, "city", p->city);
	if (p->sp != NULL)
		sx_add(a, "sp", p->sp);
	if (p->pc != NULL)
		sx_add(a, "pc", p->pc);
	sx_add(a, "cc", p->cc);
}

static void
contact_check(struct reg_cmd *c)
{
	xmlNodePtr n, data, cd, id;
	char name[64];
	size_t count = 0;
	int used;

	data = sx_resp_data(c->resp, K, "contact", "chkData");
	for (n = sx_child(c->rq->obj_node, K, "id"); n != NULL; n = sx_next(n, K, "id")) {
		if (sx_text(n, name, sizeof(name)) == -1 || !valid_id(name)) {
			/* checkIDType is clIDType: an invalid id cannot even be echoed validly */
			sx_resp_result(c->resp, 2005, "contact ids have 3 to %d characters",
			    SIM_CLID_MAX);
			return;
		}
		count++;
		used = reg_tab_get(&c->reg->contacts, name) != NULL;
		cd = sx_add(data, "cd", NULL);
		id = sx_add(cd, "id", name);
		sx_set_attr(id, "avail", used ? "0" : "1");
		if (used)
			sx_add(cd, "reason", "in use");
	}
	if (count == 0)
		sx_resp_result(c->resp, 2003, "contact check needs at least one id");
}

static uint32_t
derived_status(const struct reg_contact *k)
{
	return (k->o.refs > 0 ? STB(ST_LINKED) : 0) |
	    (k->o.trn.st == TRN_PENDING ? STB(ST_PENDING_TRANSFER) : 0);
}

static void
contact_info(struct reg_cmd *c)
{
	struct reg_contact *k;
	xmlNodePtr data, n;
	char pw[256], roid[96], ts[32];
	size_t i;
	int a, full;

	if ((k = find_contact(c, c->rq->obj)) == NULL)
		return;
	if ((a = reg_read_authinfo(c->rq->obj_node, K, pw, sizeof(pw), roid, sizeof(roid))) ==
	    -1) {
		sx_resp_result(c->resp, 2005, "authInfo must hold a pw");
		return;
	}
	full = reg_is_sponsor(c, &k->o);
	if (!full && a == 1) {
		/* A roid, when given, must be the contact's own. */
		if (reg_auth_target(&k->o, SIM_OBJ_CONTACT, roid) == NULL ||
		    !reg_auth_ok(&k->o, pw)) {
			sx_resp_result(c->resp, 2202, NULL);
			return;
		}
		full = 1;
	}
	data = sx_resp_data(c->resp, K, "contact", "infData");
	sx_add(data, "id", k->o.name);
	sx_add(data, "roid", k->o.roid);
	reg_show_status(data, &k->o, derived_status(k), 0);
	for (i = 0; i < k->npi; i++)
		show_postal(data, &k->pi[i]);
	if (k->voice != NULL) {
		n = sx_add(data, "voice", k->voice);
		if (k->voice_x != NULL)
			sx_set_attr(n, "x", k->voice_x);
	}
	if (k->fax != NULL) {
		n = sx_add(data, "fax", k->fax);
		if (k->fax_x != NULL)
			sx_set_attr(n, "x", k->fax_x);
	}
	sx_add(data, "email", k->email);
	sx_add(data, "clID", k->o.clid);
	sx_add(data, "crID", k->o.crid);
	reg_fmt_time(k->o.crdate, ts);
	sx_add(data, "crDate", ts);
	if (k->o.upid[0] != '\0') {
		sx_add(data, "upID", k->o.upid);
		reg_fmt_time(k->o.update, ts);
		sx_add(data, "upDate", ts);
	}
	if (k->o.trdate != 0) {
		reg_fmt_time(k->o.trdate, ts);
		sx_add(data, "trDate", ts);
	}
	if (full && k->o.authpw != NULL)
		sx_add(sx_add(data, "authInfo", NULL), "pw", k->o.authpw);
	if (k->disclose >= 0)
		show_disclose(data, k->disclose, k->disclose_what);
}

/*
 * <contact:disclose flag=..> of parent (RFC 5733 section 2.9): the flag (0 or 1) and
 * in *what the DISC_* bits of the elements it applies to; -1 when there is none, -2
 * with the result set when it is not valid.
 */
static int
read_disclose(struct reg_cmd *c, xmlNodePtr parent, unsigned *what)
{
	static const char *const typed[] = {"name", "org", "addr"};
	static const char *const plain[] = {"voice", "fax", "email"};
	xmlNodePtr d = sx_child(parent, K, "disclose"), e;
	char flag[8], type[8];
	size_t i;
	int f;

	*what = 0;
	if (d == NULL)
		return -1;
	sx_attr(d, "flag", flag, sizeof(flag));
	if (strcmp(flag, "1") == 0 || strcmp(flag, "true") == 0) {
		f = 1;
	} else if (strcmp(flag, "0") == 0 || strcmp(flag, "false") == 0) {
		f = 0;
	} else {
		sx_resp_result(c->resp, 2005, "disclose flag '%s' is not a boolean", flag);
		return -2;
	}
	for (i = 0; i < 3; i++) {
		for (e = sx_child(d, K, typed[i]); e != NULL; e = sx_next(e, K, typed[i])) {
			sx_attr(e, "type", type, sizeof(type));
			if (strcmp(type, "int") != 0 && strcmp(type, "loc") != 0) {
				sx_resp_result(c->resp, 2005, "disclose %s type '%s' is neither int "
				    "nor loc", typed[i], type);
				return -2;
			}
			*what |= 1u << (2 * i + (type[0] == 'l'));
		}
		if (sx_child(d, K, plain[i]) != NULL)
			*what |= DISC_VOICE << i;
	}
	if (*what == 0) {
		sx_resp_result(c->resp, 2003, "disclose names no element");
		return -2;
	}
	return f;
}

static void
contact_create(struct reg_cmd *c)
{
	struct registry *r = c->reg;
	xmlNodePtr o = c->rq->obj_node, pi, data;
	struct reg_contact *k;
	char pw[256], ts[32];
	char *ph[5];
	int a;

	if (!valid_id(c->rq->obj)) {
		sx_resp_result(c->resp, c->rq->obj[0] ? 2005 : 2003,
		    "contact ids have 3 to %d characters", SIM_CLID_MAX);
		return;
	}
	if (reg_tab_get(&r->contacts, c->rq->obj) != NULL) {
		sx_resp_result(c->resp, 2302, "contact '%s' exists", c->rq->obj);
		return;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		sx_resp_result(c->resp, 2400, "out of memory");
		return;
	}
	for (pi = sx_child(o, K, "postalInfo"); pi != NULL; pi = sx_next(pi, K, "postalInfo")) {
		if (k->npi == 2) {
			sx_resp_result(c->resp, 2005, "at most 2 postalInfo elements");
			goto fail;
		}
		if (read_postal(c, pi, &k->pi[k->npi++], 0) == -1)
			goto fail;
		if (k->npi == 2 && k->pi[0].loc == k->pi[1].loc) {
			sx_resp_result(c->resp, 2005, "two postalInfo elements of the same type");
			goto fail;
		}
	}
	if (k->npi == 0) {
		sx_resp_result(c->resp, 2003, "contact postalInfo missing");
		goto fail;
	}
	if (read_phones(c, o, ph, 1) == -1) {
		phones_free(ph);
		goto fail;
	}
	k->voice = ph[0];
	k->voice_x = ph[1];
	k->fax = ph[2];
	k->fax_x = ph[3];
	k->email = ph[4];
	if ((a = reg_read_authinfo(o, K, pw, sizeof(pw), NULL, 0)) == -1) {
		sx_resp_result(c->resp, 2005, "authInfo must hold a pw");
		goto fail;
	}
	if (a == 0)
		reg_gen_authpw(r, pw);
	if ((k->disclose = read_disclose(c, o, &k->disclose_what)) == -2)
		goto fail;
	if ((k->o.authpw = strdup(pw)) == NULL || (k->o.name = strdup(c->rq->obj)) == NULL ||
	    reg_tab_put(&r->contacts, &k->o) == -1) {
		sx_resp_result(c->resp, 2400, "out of memory");
		goto fail;
	}
	reg_new_roid(r, k->o.roid, 'C');
	snprintf(k->o.clid, sizeof(k->o.clid), "%s", c->s->clid);
	snprintf(k->o.crid, sizeof(k->o.crid), "%s", c->s->clid);
	k->o.crdate = c->now;
	data = sx_resp_data(c->resp, K, "contact", "creData");
	sx_add(data, "id", k->o.name);
	reg_fmt_time(k->o.crdate, ts);
	sx_add(data, "crDate", ts);
	return;
fail:
	reg_contact_free(k);
}

static int
may_change(struct reg_cmd *c, struct reg_contact *k, uint32_t prohibit, const char *what)
{
	int s;

	if (!reg_is_sponsor(c, &k->o)) {
		sx_resp_result(c->resp, 2201, "contact '%s' belongs to another registrar", k->o.name);
		return 0;
	}
	if (k->o.trn.st == TRN_PENDING) {
		sx_resp_result(c->resp, 2304, "contact '%s' is pendingTransfer", k->o.name);
		return 0;
	}
	for (s = 0; s < ST_COUNT; s++)
		if (k->o.status & prohibit & STB(s)) {
			sx_resp_result(c->resp, 2304, "%s prohibits %s", reg_st_name(s), what);
			return 0;
		}
	return 1;
}

static void
contact_delete(struct reg_cmd *c)
{
	struct reg_contact *k;

	if ((k = find_contact(c, c->rq->obj)) == NULL)
		return;
	if (!may_change(c, k, STB(ST_CLIENT_DELETE_PROHIBITED) |
	    STB(ST_SERVER_DELETE_PROHIBITED), "delete"))
		return;
	if (k->o.refs > 0) {
		sx_resp_result(c->resp, 2305, "contact '%s' is used by %u domain(s)", k->o.name,
		    k->o.refs);
		return;
	}
	reg_tab_del(&c->reg->contacts, &k->o);
	reg_contact_free(k);
}

static int
has_postal(const struct reg_contact *k, int loc)
{
	size_t i;

	for (i = 0; i < k->npi; i++)
		if (k->pi[i].loc == loc)
			return 1;
	return 0;
}

/* Moves the parts a <chg> postalInfo gives into the contact's one of that type (a new
 * one has name and addr: checked by the caller). */
static void
merge_postal(struct reg_contact *k, struct reg_postal *p)
{
	struct reg_postal *t = NULL;
	size_t i;

	for (i = 0; i < k->npi; i++)
		if (k->pi[i].loc == p->loc)
			t = &k->pi[i];
	if (t == NULL) {
		k->pi[k->npi++] = *p;
		memset(p, 0, sizeof(*p));
		return;
	}
	if (p->name != NULL) {
		free(t->name);
		t->name = p->name;
		p->name = NULL;
	}
	if (p->org != NULL) {
		free(t->org);
		t->org = p->org;
		p->org = NULL;
	}
	if (p->city != NULL) {
		addr_clear(t);
		memcpy(t->street, p->street, sizeof(t->street));
		t->nstreet = p->nstreet;
		t->city = p->city;
		t->sp = p->sp;
		t->pc = p->pc;
		t->cc = p->cc;
		p->nstreet = 0;
		p->city = p->sp = p->pc = p->cc = NULL;
	}
}

static void
replace(char **dst, char **src)
{
	if (*src == NULL)
		return;
	free(*dst);
	*dst = *src;
	*src = NULL;
}

static void
replace_phone(char **num, char **x, char **new_num, char **new_x)
{
	if (*new_num == NULL)
		return;
	replace(num, new_num);
	free(*x);
	*x = *new_x;
	*new_x = NULL;
}

static void
contact_update(struct reg_cmd *c)
{
	xmlNodePtr o = c->rq->obj_node, add, rem, chg, pi;
	struct reg_postal np[2];
	char texts[ST_COUNT][256], pw[256];
	uint32_t st_add, st_rem, prohibit = STB(ST_SERVER_UPDATE_PROHIBITED);
	struct reg_contact *k;
	char *ph[5] = {NULL, NULL, NULL, NULL, NULL}, *newpw = NULL;
	size_t n = 0, i;
	unsigned disclose_what = 0;
	int a = 0, disclose = -1;

	memset(np, 0, sizeof(np));
	if ((k = find_contact(c, c->rq->obj)) == NULL)
		return;
	add = sx_child(o, K, "add");
	rem = sx_child(o, K, "rem");
	chg = sx_child(o, K, "chg");
	memset(texts, 0, sizeof(texts));
	if (reg_read_statuses(c, add, K, settable, &st_add, texts) == -1 ||
	    reg_read_statuses(c, rem, K, settable, &st_rem, NULL) == -1)
		return;
	if (!(st_rem & STB(ST_CLIENT_UPDATE_PROHIBITED)))
		prohibit |= STB(ST_CLIENT_UPDATE_PROHIBITED);
	if (!may_change(c, k, prohibit, "update") ||
	    reg_check_statuses(c, &k->o, st_add, st_rem) == -1)
		return;
	for (pi = sx_child(chg, K, "postalInfo"); pi != NULL; pi = sx_next(pi, K, "postalInfo")) {
		if (n == 2) {
			sx_resp_result(c->resp, 2005, "at most 2 postalInfo elements");
			goto done;
		}
		if (read_postal(c, pi, &np[n++], 1) == -1)
			goto done;
	}
	if (chg != NULL && read_phones(c, chg, ph, 0) == -1)
		goto done;
	if (chg != NULL && (a = reg_read_authinfo(chg, K, pw, sizeof(pw), NULL, 0)) == -1) {
		sx_resp_result(c->resp, 2005, "authInfo must hold a pw");
		goto done;
	}
	if (n == 2 && np[0].loc == np[1].loc) {
		sx_resp_result(c->resp, 2005, "two postalInfo elements of the same type");
		goto done;
	}
	for (i = 0; i < n; i++)
		if (!has_postal(k, np[i].loc) && (np[i].name == NULL || np[i].city == NULL)) {
			sx_resp_result(c->resp, 2003, "a new postalInfo needs name and addr");
			goto done;
		}
	if (chg != NULL && (disclose = read_disclose(c, chg, &disclose_what)) == -2)
		goto done;
	if (a == 1 && (newpw = strdup(pw)) == NULL)
		goto oom;
	if (reg_apply_statuses(&k->o, st_add, texts, st_rem) == -1)
		goto oom;
	for (i = 0; i < n; i++)
		merge_postal(k, &np[i]);
	/* A number given anew takes its extension with it, or none. */
	replace_phone(&k->voice, &k->voice_x, &ph[0], &ph[1]);
	replace_phone(&k->fax, &k->fax_x, &ph[2], &ph[3]);
	replace(&k->email, &ph[4]);
	replace(&k->o.authpw, &newpw);
	if (disclose >= 0) {
		k->disclose = disclose;
		k->disclose_what = disclose_what;
	}
	snprintf(k->o.upid, sizeof(k->o.upid), "%s", c->s->clid);
	k->o.update = c->now;
	goto done;
oom:
	sx_resp_result(c->resp, 2400, "out of memory");
done:
	for (i = 0; i < 2; i++)
		postal_clear(&np[i]);
	phones_free(ph);
	free(newpw);
}

static void
contact_transfer(struct reg_cmd *c)
{
	struct reg_contact *k;

	if ((k = find_contact(c, c->rq->obj)) != NULL)
		reg_transfer(c, &k->o, SIM_OBJ_CONTACT, c->rq->obj_node, NULL);
}

void
reg_contact_cmd(struct reg_cmd *c)
{
	switch (c->rq->verb) {
	case SIM_V_CHECK: contact_check(c); break;
	case SIM_V_INFO: contact_info(c); break;
	case SIM_V_CREATE: contact_create(c); break;
	case SIM_V_DELETE: contact_delete(c); break;
	case SIM_V_UPDATE: contact_update(c); break;
	case SIM_V_TRANSFER: contact_transfer(c); break;
	default: sx_resp_result(c->resp, 2101, "contacts cannot be renewed"); break;
	}
}
