/* SPDX-License-Identifier: MIT */
/*
 * epp_resp.c - reading a converted EPP response. The converted form follows
 * the XML, not a schema: an element that occurs twice becomes a list, one
 * with attributes becomes an object with "#text", so every reader here
 * accepts each of those shapes.
 */
#include "epp_resp.h"

#include <stdlib.h>
#include <string.h>

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

/* Appends the text of v (a string or a list of them) to out, up to EPP_MAX_URIS. */
static void
uris(json_object *v, const char **out, size_t *n)
{
	const char *s;
	size_t i, len;

	*n = 0;
	if (json_object_is_type(v, json_type_array)) {
		len = json_object_array_length(v);
		for (i = 0; i < len && *n < EPP_MAX_URIS; i++)
			if ((s = text_of(json_object_array_get_idx(v, i))) != NULL)
				out[(*n)++] = s;
	} else if ((s = text_of(v)) != NULL)
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
	uris(member(menu, "objURI"), g->obj, &g->n_obj);
	uris(member(first(member(menu, "svcExtension")), "extURI"), g->ext, &g->n_ext);
	return 0;
}
