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

int
epp_resp_code(json_object *root)
{
	const char *s;
	char *end;
	long code;

	s = json_object_get_string(member(first(member(epp_part(root, "response"), "result")),
	    "@code"));
	if (s == NULL || strlen(s) != 4)
		return -1;
	code = strtol(s, &end, 10);
	if (*end != '\0' || code < 1000 || code > 2999)
		return -1;
	return (int)code;
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
