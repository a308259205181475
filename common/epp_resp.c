/* SPDX-License-Identifier: MIT */
/*
 * epp_resp.c - reading a converted EPP response. The converted form follows
 * the XML, not a schema: an element that occurs twice becomes a list, one
 * with attributes becomes an object with "#text", so every reader here
 * accepts each of those shapes.
 */
#include "epp_resp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* obj[key], NULL when obj is not an object or has no such key. */
static json_object *
member(json_object *obj, const char *key)
{
	json_object *v = NULL;

	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v;
}

/* The first of a repeated element, or the element itself. */
static json_object *
first(json_object *v)
{
	if (json_object_is_type(v, json_type_array))
		return json_object_array_length(v) > 0 ? json_object_array_get_idx(v, 0) : NULL;
	return v;
}

/* Text of an element: "x" or {"@attr": .., "#text": "x"}. */
static const char *
text_of(json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	v = member(v, "#text");
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return NULL;
}

/* root["epp"][kind], NULL when root is not that kind of EPP document. */
static json_object *
epp_part(json_object *root, const char *kind)
{
	return member(member(root, "epp"), kind);
}

/* A result code from the text of its attribute, -1 when it is not one. */
static int
code_of(const char *s)
{
	char *end;
	long code;

	if (s == NULL || strlen(s) != 4)
		return -1;
	code = strtol(s, &end, 10);
	if (*end != '\0' || code < 1000 || code > 2999)
		return -1;
	return (int)code;
}

int
epp_resp_code(json_object *root)
{
	return code_of(json_object_get_string(member(first(member(epp_part(root, "response"),
	    "result")), "@code")));
}

const char *
epp_resp_msg(json_object *root)
{
	return text_of(first(member(first(member(epp_part(root, "response"), "result")),
	    "msg")));
}

const char *
epp_resp_cltrid(json_object *root)
{
	return text_of(first(member(first(member(epp_part(root, "response"), "trID")),
	    "clTRID")));
}

const char *
epp_resp_svtrid(json_object *root)
{
	return text_of(first(member(first(member(epp_part(root, "response"), "trID")),
	    "svTRID")));
}

/* The texts of v (a string or a list of them) into out, at most max. */
static void
texts(json_object *v, const char **out, size_t *n, size_t max)
{
	const char *s;
	size_t i, len;

	*n = 0;
	if (json_object_is_type(v, json_type_array)) {
		len = json_object_array_length(v);
		for (i = 0; i < len && *n < max; i++)
			if ((s = text_of(json_object_array_get_idx(v, i))) != NULL)
				out[(*n)++] = s;
	} else if ((s = text_of(v)) != NULL && max > 0)
		out[(*n)++] = s;
}

int
epp_resp_greeting(json_object *root, struct epp_greeting *g)
{
	json_object *greet, *menu;

	memset(g, 0, sizeof(*g));
	if ((greet = epp_part(root, "greeting")) == NULL ||
	    !json_object_is_type(greet, json_type_object))
		return -1;
	g->svid = text_of(first(member(greet, "svID")));
	menu = first(member(greet, "svcMenu"));
	texts(member(menu, "objURI"), g->obj, &g->n_obj, EPP_MAX_URIS);
	texts(member(first(member(menu, "svcExtension")), "extURI"), g->ext, &g->n_ext,
	    EPP_MAX_URIS);
	texts(member(menu, "version"), g->version, &g->n_version, EPP_MAX_VERSIONS);
	texts(member(menu, "lang"), g->lang, &g->n_lang, EPP_MAX_LANGS);
	return 0;
}

/* ---- the same, gathered by x2j_write() ---------------------------------------- */

/* Roles of the elements read (EPP_FACTS_DOC is the document's). Each json-c
 * reader above takes the first element of a name (first()), except for the
 * URI lists, and nothing under a name that occurs twice where member() is used
 * without first() (epp_part(): <response>, <greeting>). */
enum {
	R_EPP = EPP_FACTS_DOC + 1,
	R_RESPONSE,
	R_RESULT,
	R_MSG,
	R_TRID,
	R_CLTRID,
	R_SVTRID,
	R_GREETING,
	R_SVID,
	R_MENU,
	R_OBJURI,
	R_SVCEXT,
	R_EXTURI,
	R_VERSION,
	R_LANG,
};

void
epp_facts_init(struct epp_facts *f)
{
	memset(f, 0, sizeof(*f));
	epp_facts_reset(f);
}

void
epp_facts_reset(struct epp_facts *f)
{
	f->seen = 0;
	f->n_response = f->n_greeting = 0;
	f->greeting_object = 0;
	f->code = f->msg = f->cltrid = f->svtrid = f->svid = EPP_FACTS_NONE;
	f->n_obj = f->n_ext = f->n_version = f->n_lang = 0;
	buf_reset(&f->text);
}

void
epp_facts_clear(struct epp_facts *f)
{
	buf_clear(&f->text);
	epp_facts_reset(f);
}

/* role for the first element of its kind, 0 for the others. */
static unsigned
first_of(struct epp_facts *f, unsigned role)
{
	if (f->seen & (1u << role))
		return 0;
	f->seen |= 1u << role;
	return role;
}

unsigned
epp_facts_child(struct epp_facts *f, unsigned parent, const char *name)
{
	switch (parent) {
	case EPP_FACTS_DOC:
		return strcmp(name, "epp") == 0 ? R_EPP : 0;
	case R_EPP:
		if (strcmp(name, "response") == 0)
			return f->n_response++ == 0 ? R_RESPONSE : 0;
		if (strcmp(name, "greeting") == 0)
			return f->n_greeting++ == 0 ? R_GREETING : 0;
		return 0;
	case R_RESPONSE:
		if (strcmp(name, "result") == 0)
			return first_of(f, R_RESULT);
		if (strcmp(name, "trID") == 0)
			return first_of(f, R_TRID);
		return 0;
	case R_RESULT:
		return strcmp(name, "msg") == 0 ? first_of(f, R_MSG) : 0;
	case R_TRID:
		if (strcmp(name, "clTRID") == 0)
			return first_of(f, R_CLTRID);
		if (strcmp(name, "svTRID") == 0)
			return first_of(f, R_SVTRID);
		return 0;
	case R_GREETING:
		if (strcmp(name, "svID") == 0)
			return first_of(f, R_SVID);
		if (strcmp(name, "svcMenu") == 0)
			return first_of(f, R_MENU);
		return 0;
	case R_MENU:
		if (strcmp(name, "objURI") == 0)
			return R_OBJURI;
		if (strcmp(name, "svcExtension") == 0)
			return first_of(f, R_SVCEXT);
		if (strcmp(name, "version") == 0)
			return R_VERSION;
		if (strcmp(name, "lang") == 0)
			return R_LANG;
		return 0;
	case R_SVCEXT:
		return strcmp(name, "extURI") == 0 ? R_EXTURI : 0;
	default:
		return 0;
	}
}

/* Copies p[0..n) into f's text; its offset in *off. */
static int
keep(struct epp_facts *f, const char *p, size_t n, size_t *off)
{
	size_t at = f->text.len;

	if (buf_append(&f->text, p, n) == -1 || buf_append(&f->text, "", 1) == -1)
		return -1;
	*off = at;
	return 0;
}

/* One more text of a list; those beyond max are ignored, as texts() does. */
static int
keep_list(struct epp_facts *f, const char *p, size_t n, size_t *offs, size_t *len, size_t max)
{
	if (*len == max)
		return 0;
	if (keep(f, p, n, &offs[*len]) == -1)
		return -1;
	(*len)++;
	return 0;
}

int
epp_facts_text(struct epp_facts *f, unsigned role, const char *p, size_t n)
{
	/* text_of(): an element without text reads as NULL, and is left out of a list */
	if (n == 0)
		return 0;
	switch (role) {
	case R_MSG:
		return keep(f, p, n, &f->msg);
	case R_CLTRID:
		return keep(f, p, n, &f->cltrid);
	case R_SVTRID:
		return keep(f, p, n, &f->svtrid);
	case R_SVID:
		return keep(f, p, n, &f->svid);
	case R_OBJURI:
		return keep_list(f, p, n, f->obj, &f->n_obj, EPP_MAX_URIS);
	case R_EXTURI:
		return keep_list(f, p, n, f->ext, &f->n_ext, EPP_MAX_URIS);
	case R_VERSION:
		return keep_list(f, p, n, f->version, &f->n_version, EPP_MAX_VERSIONS);
	case R_LANG:
		return keep_list(f, p, n, f->lang, &f->n_lang, EPP_MAX_LANGS);
	default:
		return 0;
	}
}

int
epp_facts_attr(struct epp_facts *f, unsigned role, const char *key, const char *p, size_t n)
{
	if (role == R_RESULT && strcmp(key, "@code") == 0)
		return keep(f, p, n, &f->code);
	return 0;
}

void
epp_facts_value(struct epp_facts *f, unsigned role, int object)
{
	if (role == R_GREETING)
		f->greeting_object = object;
}

static const char *
fact(const struct epp_facts *f, size_t off)
{
	return off != EPP_FACTS_NONE ? f->text.data + off : NULL;
}

int
epp_facts_code(const struct epp_facts *f)
{
	if (f == NULL || f->n_response != 1)
		return -1;
	return code_of(fact(f, f->code));
}

const char *
epp_facts_msg(const struct epp_facts *f)
{
	return f != NULL && f->n_response == 1 ? fact(f, f->msg) : NULL;
}

const char *
epp_facts_cltrid(const struct epp_facts *f)
{
	return f != NULL && f->n_response == 1 ? fact(f, f->cltrid) : NULL;
}

const char *
epp_facts_svtrid(const struct epp_facts *f)
{
	return f != NULL && f->n_response == 1 ? fact(f, f->svtrid) : NULL;
}

int
epp_facts_greeting(const struct epp_facts *f, struct epp_greeting *g)
{
	size_t i;

	memset(g, 0, sizeof(*g));
	if (f == NULL || f->n_greeting != 1 || !f->greeting_object)
		return -1;
	g->svid = fact(f, f->svid);
	for (i = 0; i < f->n_obj; i++)
		g->obj[i] = fact(f, f->obj[i]);
	for (i = 0; i < f->n_ext; i++)
		g->ext[i] = fact(f, f->ext[i]);
	for (i = 0; i < f->n_version; i++)
		g->version[i] = fact(f, f->version[i]);
	for (i = 0; i < f->n_lang; i++)
		g->lang[i] = fact(f, f->lang[i]);
	g->n_obj = f->n_obj;
	g->n_ext = f->n_ext;
	g->n_version = f->n_version;
	g->n_lang = f->n_lang;
	return 0;
}

/* ---- service URIs ---------------------------------------------------------- */

static int
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

size_t
epp_uri_token(const char *text, char *out, size_t cap)
{
	size_t len = 0;

	if (cap > 0)
		out[0] = '\0';
	if (text == NULL || cap == 0)
		return 0;
	while (is_space(*text))
		text++;
	while (text[len] != '\0' && !is_space(text[len]))
		len++;
	if (len == 0 || len >= cap)
		return 0;
	memcpy(out, text, len);
	out[len] = '\0';
	return len;
}

static const struct {
	const char *name;
	enum epp_svc svc;
} svc_names[] = {
	{"domain", EPP_SVC_DOMAIN},
	{"contact", EPP_SVC_CONTACT},
	{"host", EPP_SVC_HOST},
	{"secDNS", EPP_SVC_SECDNS},
	{"rgp", EPP_SVC_RGP},
	{"fee", EPP_SVC_FEE},
};

#define URN_PREFIX "urn:ietf:params:xml:ns:"

/* A version: digits and dots, starting and ending with a digit. */
static int
is_version(const char *s)
{
	size_t i;

	if (s[0] < '0' || s[0] > '9')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] == '.' && s[i + 1] >= '0' &&
		    s[i + 1] <= '9')))
			return 0;
	return 1;
}

enum epp_svc
epp_uri_service(const char *uri, char *version, size_t cap)
{
	const char *rest, *dash;
	size_t i, n;

	if (version != NULL && cap > 0)
		version[0] = '\0';
	if (uri == NULL || strncasecmp(uri, URN_PREFIX, sizeof(URN_PREFIX) - 1) != 0)
		return EPP_SVC_OTHER;
	rest = uri + sizeof(URN_PREFIX) - 1;
	if (strncmp(rest, "epp:", 4) == 0)
		rest += 4;
	for (i = 0; i < sizeof(svc_names) / sizeof(svc_names[0]); i++) {
		n = strlen(svc_names[i].name);
		if (strncmp(rest, svc_names[i].name, n) != 0)
			continue;
		dash = rest + n;
		if (*dash == '\0')
			return svc_names[i].svc;
		if (*dash != '-' || !is_version(dash + 1))
			continue;
		if (version != NULL && cap > 0)
			snprintf(version, cap, "%s", dash + 1);
		return svc_names[i].svc;
	}
	return EPP_SVC_OTHER;
}

const char *
epp_svc_name(enum epp_svc s)
{
	size_t i;

	for (i = 0; i < sizeof(svc_names) / sizeof(svc_names[0]); i++)
		if (svc_names[i].svc == s)
			return svc_names[i].name;
	return "";
}

int
epp_uri_covers(const char *offered, const char *uri)
{
	char vo[32], vu[32];
	enum epp_svc so;

	if (strcmp(offered, uri) == 0)
		return 1;
	so = epp_uri_service(offered, vo, sizeof(vo));
	if (so == EPP_SVC_OTHER || so != epp_uri_service(uri, vu, sizeof(vu)))
		return 0;
	return vo[0] == '\0' || strcmp(vo, vu) == 0;
}

int
epp_version_cmp(const char *a, const char *b)
{
	unsigned long x, y;
	char *ea, *eb;
	int c;

	for (;;) {
		if (*a == '\0' || *b == '\0')
			return (*a != '\0') - (*b != '\0');
		x = strtoul(a, &ea, 10);
		y = strtoul(b, &eb, 10);
		if (ea == a || eb == b) {
			/* not a number here: the rest compares as text */
			c = strcmp(a, b);
			return (c > 0) - (c < 0);
		}
		if (x != y)
			return x < y ? -1 : 1;
		a = *ea == '.' ? ea + 1 : ea;
		b = *eb == '.' ? eb + 1 : eb;
	}
}
