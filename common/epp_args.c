/* SPDX-License-Identifier: MIT */
/*
 * epp_args.c - checked getters for the "args" of a JSON request: type, schema
 * rule and a message naming the argument (see epp_args.h).
 */
#include "epp_args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonval.h"
#include "utf8.h"

const struct ea_rule EA_LABEL = {EA_TOKEN, 1, 255};
const struct ea_rule EA_CLID = {EA_TOKEN, 3, 16};
const struct ea_rule EA_PW = {EA_TEXT, 1, 255};
const struct ea_rule EA_ANYTEXT = {EA_TEXT, 0, 0};
const struct ea_rule EA_NETEXT = {EA_TEXT, 1, 0};

int
ea_fail(struct eg_err *err, const char *path, const char *fmt, ...)
{
	char what[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return eg_err_set(err, EG_EREQUEST, "argument '%s': %s", path, what);
}

void
ea_path(char *buf, size_t cap, const char *ctx, const char *key)
{
	if (ctx == NULL || *ctx == '\0')
		snprintf(buf, cap, "%s", key);
	else
		snprintf(buf, cap, "%s.%s", ctx, key);
}

void
ea_path_idx(char *buf, size_t cap, const char *ctx, size_t idx)
{
	snprintf(buf, cap, "%s[%zu]", ctx, idx);
}

json_object *
ea_member(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;     /* json-c represents null as a NULL member value */
}

/* Characters (code points) in valid UTF-8. */
static size_t
utf8_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			c++;
	return c;
}

/* xsd:token as the registry will see it: collapsing whitespace must change nothing. */
static const char *
token_problem(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
			return "must not contain tabs or line breaks";
		if (s[i] == ' ' && (i == 0 || i + 1 == n || s[i + 1] == ' '))
			return "must not have leading, trailing or repeated spaces";
	}
	return NULL;
}

int
ea_check_str(json_object *v, const char *path, const struct ea_rule *r, const char **out,
    struct eg_err *err)
{
	const char *s, *why = NULL, *tp;
	size_t n, bad = 0, chars, max;

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return ea_fail(err, path, "must be a string");
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (!utf8_xml_ok(s, n, &bad, &why))
		return ea_fail(err, path, "%s at byte %zu", why ? why : "invalid text", bad);
	max = r->max ? r->max : EA_TEXT_MAX;
	chars = utf8_chars(s, n);
	if (chars < r->min || chars > max) {
		if (r->min == r->max)
			return ea_fail(err, path, "must be %zu characters long", max);
		if (r->min == 0)
			return ea_fail(err, path, "must be at most %zu characters long", max);
		if (r->min == 1 && chars == 0)
			return ea_fail(err, path, "must not be empty");
		return ea_fail(err, path, "must be %zu to %zu characters long", r->min, max);
	}
	if (r->kind == EA_TOKEN && (tp = token_problem(s, n)) != NULL)
		return ea_fail(err, path, "%s", tp);
	*out = s;
	return 0;
}

static int
missing(struct eg_err *err, const char *path)
{
	return eg_err_set(err, EG_EREQUEST, "missing argument '%s'", path);
}

int
ea_str(json_object *o, const char *ctx, const char *key, int required,
    const struct ea_rule *r, const char **out, struct eg_err *err)
{
	char path[EA_PATH_MAX];
	json_object *v = ea_member(o, key);

	ea_path(path, sizeof(path), ctx, key);
	*out = NULL;
	if (v == NULL)
		return required ? missing(err, path) : 0;
	return ea_check_str(v, path, r, out, err);
}

int
ea_check_int(json_object *v, const char *path, long long min, long long max, long long *out,
    struct eg_err *err)
{
	const char *s;
	char *end;
	long long x;
	size_t n, i;

	if (v != NULL && json_object_is_type(v, json_type_int)) {
		/* json-c keeps a number above INT64_MAX as unsigned and get_int64 reads it as
		 * INT64_MAX, which a range up to INT64_MAX (msg_id) would take: refuse it
		 * rather than act on another number. Below INT64_MIN it saturates at
		 * INT64_MIN, which every range here refuses. */
		if (json_object_get_uint64(v) > (uint64_t)INT64_MAX)
			goto bad;
		x = (long long)json_object_get_int64(v);
	} else if (v != NULL && json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		n = (size_t)json_object_get_string_len(v);
		/* Plain decimal digits only: no sign, no spaces, no exponent, no hex. */
		if (n == 0 || n > 18)
			goto bad;
		for (i = 0; i < n; i++)
			if (s[i] < '0' || s[i] > '9')
				goto bad;
		errno = 0;
		x = strtoll(s, &end, 10);
		if (errno != 0 || *end != '\0')
			goto bad;
	} else {
		goto bad;
	}
	if (x < min || x > max)
		goto bad;
	*out = x;
	return 0;
bad:
	return ea_fail(err, path, "must be an integer from %lld to %lld", min, max);
}

int
ea_int(json_object *o, const char *ctx, const char *key, int required, long long min,
    long long max, long long *out, int *present, struct eg_err *err)
{
	char path[EA_PATH_MAX];
	json_object *v = ea_member(o, key);

	ea_path(path, sizeof(path), ctx, key);
	if (present != NULL)
		*present = 0;
	if (v == NULL)
		return required ? missing(err, path) : 0;
	if (ea_check_int(v, path, min, max, out, err) != 0)
		return -1;
	if (present != NULL)
		*present = 1;
	return 0;
}

/* 1 when s[0..n) is digits with an optional fraction: [0-9]+(\.[0-9]+)? */
static int
plain_decimal(const char *s, size_t n)
{
	size_t i = 0, d;

	for (d = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	if (d == 0)
		return 0;
	if (i == n)
		return 1;
	if (s[i++] != '.')
		return 0;
	for (d = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		d++;
	return d > 0 && i == n;
}

/* Digits of a plain decimal after its leading zeros (the point skipped). */
static size_t
significant_digits(const char *s, size_t n)
{
	size_t i, d = 0;
	int lead = 1;

	for (i = 0; i < n; i++) {
		if (s[i] == '.')
			continue;
		if (lead && s[i] == '0')
			continue;
		lead = 0;
		d++;
	}
	return d;
}

int
ea_decimal(json_object *o, const char *ctx, const char *key, int required,
    char out[EA_DECIMAL_MAX + 1], int *present, struct eg_err *err)
{
	char path[EA_PATH_MAX];
	json_object *v = ea_member(o, key);
	const char *s;
	size_t n;

	ea_path(path, sizeof(path), ctx, key);
	out[0] = '\0';
	if (present != NULL)
		*present = 0;
	if (v == NULL)
		return required ? missing(err, path) : 0;
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		n = (size_t)json_object_get_string_len(v);
		if (!plain_decimal(s, n) || n > EA_DECIMAL_MAX)
			return ea_fail(err, path, "must be a decimal amount such as \"10.00\" "
			    "(digits with an optional fraction, at most %d characters)",
			    EA_DECIMAL_MAX);
	} else if (json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)) {
		/* json-c keeps the text of a parsed number: judge and send that, so that
		 * "100.00" stays 100.00 and nothing is rounded on the way. */
		s = json_object_get_string(v);
		n = s != NULL ? strlen(s) : 0;
		if (n > 0 && s[0] == '-')
			return ea_fail(err, path, "must not be negative");
		if (!plain_decimal(s, n) || significant_digits(s, n) > 15 || n > EA_DECIMAL_MAX)
			return ea_fail(err, path, "must be an exact amount: a string such as "
			    "\"10.00\", or a number without exponent of at most 15 significant "
			    "digits");
	} else {
		return ea_fail(err, path, "must be a decimal amount such as \"10.00\"");
	}
	memcpy(out, s, n);
	out[n] = '\0';
	if (present != NULL)
		*present = 1;
	return 0;
}

int
ea_enum(json_object *o, const char *ctx, const char *key, int required,
    const char *const *values, const char *dflt, const char **out, struct eg_err *err)
{
	char path[EA_PATH_MAX], list[256];
	json_object *v = ea_member(o, key);
	const char *s;
	size_t i, used = 0;

	ea_path(path, sizeof(path), ctx, key);
	*out = dflt;
	if (v == NULL)
		return required ? missing(err, path) : 0;
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		for (i = 0; values[i] != NULL; i++) {
			if ((size_t)json_object_get_string_len(v) == strlen(values[i]) &&
			    strcmp(s, values[i]) == 0) {
				*out = values[i];
				return 0;
			}
		}
	}
	list[0] = '\0';
	for (i = 0; values[i] != NULL && used < sizeof(list); i++)
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s",
		    i ? ", " : "", values[i]);
	return ea_fail(err, path, "must be one of: %s", list);
}

int
ea_obj(json_object *o, const char *ctx, const char *key, int required, json_object **out,
    struct eg_err *err)
{
	char path[EA_PATH_MAX];
	json_object *v = ea_member(o, key);

	ea_path(path, sizeof(path), ctx, key);
	*out = NULL;
	if (v == NULL)
		return required ? missing(err, path) : 0;
	if (!json_object_is_type(v, json_type_object))
		return ea_fail(err, path, "must be an object");
	*out = v;
	return 0;
}

int
ea_list(json_object *o, const char *ctx, const char *key, int required, size_t min,
    size_t max, json_object **out, size_t *n, struct eg_err *err)
{
	char path[EA_PATH_MAX];
	json_object *v = ea_member(o, key);
	size_t len;

	ea_path(path, sizeof(path), ctx, key);
	*out = NULL;
	*n = 0;
	if (v == NULL)
		return required ? missing(err, path) : 0;
	if (!json_object_is_type(v, json_type_array))
		return ea_fail(err, path, "must be a list");
	len = json_object_array_length(v);
	if (len == 0 && min > 0)
		return ea_fail(err, path, "must not be empty");
	if (len < min || len > max)
		return ea_fail(err, path, "must hold %zu to %zu items", min, max);
	*out = v;
	*n = len;
	return 0;
}

/* A list of strings under key, its path into path (EA_PATH_MAX). */
static int
string_list(json_object *o, const char *ctx, const char *key, int required, size_t min,
    size_t max, json_object **out, size_t *n, char *path, struct eg_err *err)
{
	size_t i;

	ea_path(path, EA_PATH_MAX, ctx, key);
	if (ea_list(o, ctx, key, required, min, max, out, n, err) != 0) {
		/* Name the expected item type, as callers most often send the wrong shape. */
		if (ea_member(o, key) != NULL &&
		    !json_object_is_type(ea_member(o, key), json_type_array))
			return ea_fail(err, path, "must be a list of strings");
		return -1;
	}
	for (i = 0; i < *n; i++)
		if (!json_object_is_type(json_object_array_get_idx(*out, i), json_type_string))
			return ea_fail(err, path, "must be a list of strings");
	return 0;
}

int
ea_strlist(json_object *o, const char *ctx, const char *key, int required, size_t min,
    size_t max, const struct ea_rule *r, json_object **out, size_t *n, struct eg_err *err)
{
	char path[EA_PATH_MAX], ipath[EA_PATH_MAX];
	const char *s;
	size_t i;

	if (string_list(o, ctx, key, required, min, max, out, n, path, err) != 0)
		return -1;
	for (i = 0; i < *n; i++) {
		ea_path_idx(ipath, sizeof(ipath), path, i);
		if (ea_check_str(json_object_array_get_idx(*out, i), ipath, r, &s, err) != 0)
			return -1;
	}
	return 0;
}

/* A name as text: an xsd:token (the existing messages for spaces at the ends, tabs,
 * line breaks, bad UTF-8), of any length: idn_to_ascii() judges the length. */
static const struct ea_rule name_text = {EA_TOKEN, 1, 0};

int
ea_check_name(json_object *v, const char *path, char out[EA_NAME_BUF], struct eg_err *err)
{
	const char *s;

	out[0] = '\0';
	if (ea_check_str(v, path, &name_text, &s, err) != 0)
		return -1;
	if (idn_to_ascii(s, out, err) != 0) {
		if (err != NULL && err->code == EG_ENOMEM)
			return -1;
		return eg_err_prefix(err, "argument '%s': ", path);
	}
	return 0;
}

int
ea_name(json_object *o, const char *ctx, const char *key, int required,
    char out[EA_NAME_BUF], const char **name, struct eg_err *err)
{
	char path[EA_PATH_MAX];
	json_object *v = ea_member(o, key);

	ea_path(path, sizeof(path), ctx, key);
	*name = NULL;
	out[0] = '\0';
	if (v == NULL)
		return required ? missing(err, path) : 0;
	if (ea_check_name(v, path, out, err) != 0)
		return -1;
	*name = out;
	return 0;
}

int
ea_namelist(json_object *o, const char *ctx, const char *key, int required, size_t min,
    size_t max, json_object **out, size_t *n, struct eg_err *err)
{
	char path[EA_PATH_MAX];

	return string_list(o, ctx, key, required, min, max, out, n, path, err);
}

int
ea_name_at(json_object *list, const char *ctx, const char *key, size_t i,
    char out[EA_NAME_BUF], struct eg_err *err)
{
	char path[EA_PATH_MAX], ipath[EA_PATH_MAX];

	ea_path(path, sizeof(path), ctx, key);
	ea_path_idx(ipath, sizeof(ipath), path, i);
	return ea_check_name(json_object_array_get_idx(list, i), ipath, out, err);
}

int
ea_bool(json_object *o, const char *ctx, const char *key, int dflt, int *out,
    struct eg_err *err)
{
	char path[EA_PATH_MAX];
	json_object *v = ea_member(o, key);
	const char *s;

	ea_path(path, sizeof(path), ctx, key);
	*out = dflt;
	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_boolean)) {
		*out = json_object_get_boolean(v) ? 1 : 0;
		return 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
			*out = s[0] == 't';
			return 0;
		}
	}
	return ea_fail(err, path, "must be true or false");
}

int
ea_truthy(json_object *o, const char *key)
{
	return eg_json_truthy(ea_member(o, key));
}
