/* SPDX-License-Identifier: MIT */
/* SHA-256 (OpenSSL's EVP) and canonical JSON for request digests (digest.h). The one file
 * besides tls.c that includes OpenSSL: tests/cli/boundaries.sh allows exactly these two. */
#include "digest.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"

int
eg_sha256_hex(const void *p, size_t n, char out[EG_SHA256_HEX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	out[0] = '\0';
	if (EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		return -1;
	for (i = 0; i < len; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * len] = '\0';
	return 0;
}

static int
put_string(struct buf *b, const char *s, size_t n)
{
	char esc[8];
	size_t i, run = 0;

	if (buf_append(b, "\"", 1) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (buf_append(b, s + run, i - run) == -1)
			return -1;
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof(esc), "\\%c", c);
		else
			snprintf(esc, sizeof(esc), "\\u%04x", c);
		if (buf_puts(b, esc) == -1)
			return -1;
		run = i + 1;
	}
	if (buf_append(b, s + run, n - run) == -1)
		return -1;
	return buf_append(b, "\"", 1);
}

static int
is_secret_key(const char *k)
{
	return strcmp(k, "auth_info") == 0 || strcmp(k, "pw") == 0 || strcmp(k, "newPW") == 0;
}

static int
cmp_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int canonical(json_object *o, int mask, struct buf *b);

static int
canonical_object(json_object *o, int mask, struct buf *b)
{
	size_t n = (size_t)json_object_object_length(o), i = 0;
	const char **keys;
	json_object *v;
	char *red;
	int rc = -1;

	if (n == 0)
		return buf_puts(b, "{}");
	if ((keys = calloc(n, sizeof(*keys))) == NULL)
		return -1;
	json_object_object_foreach(o, k, val) {
		(void)val;
		if (i < n)
			keys[i++] = k;
	}
	qsort(keys, i, sizeof(*keys), cmp_key);
	if (buf_append(b, "{", 1) == -1)
		goto out;
	for (n = i, i = 0; i < n; i++) {
		v = json_object_object_get(o, keys[i]);
		if ((i > 0 && buf_append(b, ",", 1) == -1) ||
		    put_string(b, keys[i], strlen(keys[i])) == -1 || buf_append(b, ":", 1) == -1)
			goto out;
		if (mask && is_secret_key(keys[i])) {
			if (buf_puts(b, "\"*\"") == -1)
				goto out;
		} else if (mask && strcmp(keys[i], "xml") == 0 &&
		    json_object_is_type(v, json_type_string)) {
			red = redact_xml(json_object_get_string(v),
			    (size_t)json_object_get_string_len(v));
			if (red == NULL || put_string(b, red, strlen(red)) == -1) {
				free(red);
				goto out;
			}
			free(red);
		} else if (canonical(v, mask, b) == -1) {
			goto out;
		}
	}
	rc = buf_append(b, "}", 1);
out:
	free(keys);
	return rc;
}

static int
canonical(json_object *o, int mask, struct buf *b)
{
	size_t i, n;
	const char *s;

	switch (json_object_get_type(o)) {
	case json_type_null:
		return buf_puts(b, "null");
	case json_type_boolean:
		return buf_puts(b, json_object_get_boolean(o) ? "true" : "false");
	case json_type_int:
	case json_type_double:
		s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		return s != NULL ? buf_puts(b, s) : -1;
	case json_type_string:
		return put_string(b, json_object_get_string(o),
		    (size_t)json_object_get_string_len(o));
	case json_type_array:
		n = json_object_array_length(o);
		if (buf_append(b, "[", 1) == -1)
			return -1;
		for (i = 0; i < n; i++)
			if ((i > 0 && buf_append(b, ",", 1) == -1) ||
			    canonical(json_object_array_get_idx(o, i), mask, b) == -1)
				return -1;
		return buf_append(b, "]", 1);
	case json_type_object:
		return canonical_object(o, mask, b);
	}
	return -1;
}

int
eg_json_canonical(json_object *o, int mask_secrets, struct buf *b)
{
	return canonical(o, mask_secrets, b);
}

int
eg_request_digest(json_object *req, char out[EG_SHA256_HEX])
{
	struct buf b = BUF_INIT;
	json_object *cmd = NULL, *args = NULL;
	int rc = -1;

	out[0] = '\0';
	json_object_object_get_ex(req, "cmd", &cmd);
	json_object_object_get_ex(req, "args", &args);
	if (buf_puts(&b, cmd != NULL ? json_object_get_string(cmd) : "") == -1 ||
	    buf_append(&b, "\n", 1) == -1 || canonical(args, 1, &b) == -1)
		goto out;
	rc = eg_sha256_hex(b.data, b.len, out);
out:
	buf_clear(&b);
	return rc;
}
