/* SPDX-License-Identifier: MIT */
/*
 * msg.c - requests and replies as bytes, with no I/O: ids, the request body,
 * its AMQP properties, and what a reply body means. Tested without a broker.
 */
#include "rpc_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <json-c/json.h>

#include "cmdinfo.h"
#include "jsonval.h"

/* Deep enough for any EPP response converted to JSON, shallow enough to bound the stack. */
#ifndef EPPGATE_VERSION
#define EPPGATE_VERSION "unknown"
#endif

#define REPLY_MAX_DEPTH 128
#define CMD_MAX_LEN     128

void
rpcc_fmt(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || n == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

int64_t
rpcc_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
rpcc_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
rpcc_uuid4(char out[RPCC_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	size_t got = 0, i, o = 0;
	ssize_t n;

	while (got < sizeof(b)) {
		n = getrandom(b + got, sizeof(b) - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);   /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
	for (i = 0; i < sizeof(b); i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[b[i] >> 4];
		out[o++] = hex[b[i] & 0x0f];
	}
	out[o] = '\0';
	return 0;
}

static int
cmd_ok(const char *cmd)
{
	size_t i, n = strlen(cmd);

	if (n == 0 || n > CMD_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!isprint((unsigned char)cmd[i]))
			return 0;
	return 1;
}

/* Parses args text; NULL or blank text gives *out = NULL. */
static int
parse_args(const char *text, json_object **out, char *err, size_t errlen)
{
	json_tokener *tok;
	json_object *o;
	enum json_tokener_error jerr;
	size_t len, end;
	int rc = EGRPC_EINVAL;

	*out = NULL;
	if (text == NULL)
		return EGRPC_OK;
	len = strlen(text);
	for (end = 0; end < len && isspace((unsigned char)text[end]); end++)
		;
	if (end == len)
		return EGRPC_OK;
	if ((tok = json_tokener_new()) == NULL) {
		rpcc_fmt(err, errlen, "out of memory");
		return EGRPC_ENOMEM;
	}
	o = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (o == NULL || jerr != json_tokener_success) {
		rpcc_fmt(err, errlen, "args are not valid JSON: %s",
		    jerr == json_tokener_continue ? "truncated" : json_tokener_error_desc(jerr));
		goto out;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (!isspace((unsigned char)text[end])) {
			rpcc_fmt(err, errlen, "args are not valid JSON: unexpected text at offset %zu",
			    end);
			goto out;
		}
	}
	if (!json_object_is_type(o, json_type_object)) {
		rpcc_fmt(err, errlen, "args must be a JSON object, not %s",
		    json_type_to_name(json_object_get_type(o)));
		goto out;
	}
	*out = o;
	o = NULL;
	rc = EGRPC_OK;
out:
	json_object_put(o);
	json_tokener_free(tok);
	return rc;
}

struct rpcc_req *
rpcc_req_new(uint64_t id, const char *cmd, struct json_object *args, const char *args_text,
    int timeout_ms, int *status, char *err, size_t errlen)
{
	struct rpcc_req *r = NULL;
	json_object *root = NULL, *parsed = NULL, *a;
	const char *s;
	size_t len;

	*status = EGRPC_ENOMEM;
	if (cmd == NULL || !cmd_ok(cmd)) {
		*status = EGRPC_EINVAL;
		rpcc_fmt(err, errlen, "command name must be 1-%d printable characters", CMD_MAX_LEN);
		return NULL;
	}
	if (args != NULL && !json_object_is_type(args, json_type_object)) {
		*status = EGRPC_EINVAL;
		rpcc_fmt(err, errlen, "args must be a JSON object, not %s",
		    json_type_to_name(json_object_get_type(args)));
		return NULL;
	}
	if (args == NULL && (*status = parse_args(args_text, &parsed, err, errlen)) != EGRPC_OK)
		return NULL;
	*status = EGRPC_ENOMEM;
	a = args != NULL ? args : parsed;
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->cmd = strdup(cmd)) == NULL ||
	    (root = json_object_new_object()) == NULL)
		goto nomem;
	if (json_object_object_add(root, "cmd", json_object_new_string(cmd)) != 0)
		goto nomem;
	/* The caller keeps its args: the body holds a reference only while it is serialised. */
	if (a != NULL && json_object_object_add(root, "args", json_object_get(a)) != 0)
		goto nomem;
	s = json_object_to_json_string_length(root,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s == NULL || (r->body = malloc(len + 1)) == NULL)
		goto nomem;
	memcpy(r->body, s, len + 1);
	r->len = len;
	if (rpcc_uuid4(r->corr_id) != 0 || rpcc_uuid4(r->msg_id) != 0) {
		*status = EGRPC_EIO;
		rpcc_fmt(err, errlen, "getrandom: %s", strerror(errno));
		goto fail;
	}
	r->id = id;
	r->timeout_ms = timeout_ms;
	/* The gate's own table says which commands only read (common/cmdinfo.h). */
	r->safe = cmdinfo_retry_safe(cmd, a);
	*status = EGRPC_OK;
	goto out;
nomem:
	rpcc_fmt(err, errlen, "out of memory");
fail:
	rpcc_req_free(r);
	r = NULL;
out:
	json_object_put(root);
	json_object_put(parsed);
	return r;
}

void
rpcc_req_free(struct rpcc_req *r)
{
	if (r == NULL)
		return;
	free(r->cmd);
	free(r->body);
	free(r->reply);   /* still empty: it is filled only when the request completes */
	free(r);
}

int
rpcc_req_set_msg_id(struct rpcc_req *r, const char *id, char *err, size_t errlen)
{
	size_t i, n;

	n = id != NULL ? strnlen(id, RPCC_MSGID_MAX + 1) : 0;
	if (n == 0 || n > RPCC_MSGID_MAX) {
		rpcc_fmt(err, errlen, "message_id must be 1-%d bytes", RPCC_MSGID_MAX);
		return EGRPC_EINVAL;
	}
	/* The gate logs the id and keeps it in its journal, one record a line. */
	for (i = 0; i < n; i++) {
		if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f) {
			rpcc_fmt(err, errlen, "message_id must not contain control characters");
			return EGRPC_EINVAL;
		}
	}
	memcpy(r->msg_id, id, n + 1);
	return EGRPC_OK;
}

void
egrpc_call_options_init(egrpc_call_options *o)
{
	memset(o, 0, sizeof(*o));
}

void
rpcc_req_props(const struct rpcc_req *r, const char *reply_to, int64_t wall_ms,
    struct rpcc_props *pp)
{
	amqp_basic_properties_t *p = &pp->p;

	memset(pp, 0, sizeof(*pp));
	/* The broker drops the request once it has waited as long as we do (README.md,
	 * "Requests and replies": expiration). */
	snprintf(pp->expiration, sizeof(pp->expiration), "%d", r->timeout_ms);
	pp->headers[0].key = amqp_cstring_bytes("x-deadline");
	pp->headers[0].value.kind = AMQP_FIELD_KIND_I64;
	pp->headers[0].value.value.i64 = wall_ms + r->timeout_ms;

	p->_flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG |
	    AMQP_BASIC_REPLY_TO_FLAG | AMQP_BASIC_CORRELATION_ID_FLAG |
	    AMQP_BASIC_MESSAGE_ID_FLAG | AMQP_BASIC_EXPIRATION_FLAG |
	    AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_HEADERS_FLAG;
	p->content_type = amqp_cstring_bytes("application/json");
	p->delivery_mode = 1;   /* transient: a request outlives neither its deadline nor the broker */
	p->reply_to = amqp_cstring_bytes(reply_to);
	p->correlation_id = amqp_cstring_bytes(r->corr_id);
	p->message_id = amqp_cstring_bytes(r->msg_id);
	p->expiration = amqp_cstring_bytes(pp->expiration);
	p->timestamp = (uint64_t)(wall_ms / 1000);
	p->headers.num_entries = 1;
	p->headers.entries = pp->headers;
}

/* ---- replies ------------------------------------------------------------ */

static json_object *
get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

static char *
text_of(json_object *v)
{
	if (json_object_is_type(v, json_type_string))
		return strdup(json_object_get_string(v));
	return strdup(json_object_to_json_string_ext(v,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* "1000" -> 1000; -1 unless exactly four digits. */
static int
result_code(json_object *v)
{
	const char *s;

	if (json_object_is_type(v, json_type_int)) {
		int64_t n = json_object_get_int64(v);

		return n >= 1000 && n <= 9999 ? (int)n : -1;
	}
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	if (strlen(s) != 4 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2]) || !isdigit((unsigned char)s[3]))
		return -1;
	return s[0] == '0' ? -1 : atoi(s);
}

/* msg is "text" or {"@lang": "en", "#text": "text"} (or a list of those: the first). */
static const char *
result_msg(json_object *m)
{
	json_object *t;

	if (json_object_is_type(m, json_type_array))
		m = json_object_array_length(m) > 0 ? json_object_array_get_idx(m, 0) : NULL;
	if (m == NULL)
		return "";
	if (json_object_is_type(m, json_type_string))
		return json_object_get_string(m);
	if ((t = get(m, "#text")) != NULL && json_object_is_type(t, json_type_string))
		return json_object_get_string(t);
	return "";
}

int
rpcc_classify(const char *body, size_t len, struct rpcc_result *res)
{
	json_tokener *tok = NULL;
	json_object *root = NULL, *e, *response, *result;
	enum json_tokener_error jerr;
	char why[200];
	size_t end;
	int rc = -1;

	memset(res, 0, sizeof(*res));
	res->status = EGRPC_EREPLY;
	if (len == 0) {
		res->msg = strdup("empty reply");
		goto done;
	}
	if (len > INT32_MAX) {
		res->msg = strdup("reply too large to parse");
		goto done;
	}
	if ((tok = json_tokener_new_ex(REPLY_MAX_DEPTH)) == NULL)
		goto out;
	root = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	if (root == NULL || jerr != json_tokener_success) {
		rpcc_fmt(why, sizeof(why), "reply is not JSON: %s", jerr == json_tokener_continue ?
		    "truncated" : json_tokener_error_desc(jerr));
		json_object_put(root);
		root = NULL;
		res->msg = strdup(why);
		goto done;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (!isspace((unsigned char)body[end])) {
			rpcc_fmt(why, sizeof(why), "reply is not JSON: unexpected text at offset %zu",
			    end);
			res->msg = strdup(why);
			json_object_put(root);
			root = NULL;
			goto done;
		}
	}
	res->json = root;
	if (!json_object_is_type(root, json_type_object)) {
		res->msg = strdup("reply is not a JSON object");
		goto done;
	}
	/* The reference tests the error value for truth: null, "", 0, {} and [] are no error. */
	if ((e = get(root, "error")) != NULL && eg_json_truthy(e)) {
		res->status = EGRPC_EGATE;
		res->msg = text_of(e);
		goto done;
	}
	response = get(get(root, "epp"), "response");
	if (response == NULL) {
		/* Not an EPP response: a greeting (hello) or the gate's own status. */
		res->status = EGRPC_OK;
		res->msg = strdup("");
		goto done;
	}
	result = get(response, "result");
	if (json_object_is_type(result, json_type_array))
		result = json_object_array_length(result) > 0 ?
		    json_object_array_get_idx(result, 0) : NULL;
	if ((res->code = result_code(get(result, "@code"))) < 0) {
		res->code = 0;
		res->msg = strdup("EPP response without a result code");
		goto done;
	}
	if (res->code >= 3000) {
		rpcc_fmt(why, sizeof(why), "unexpected EPP result code %d", res->code);
		res->msg = strdup(why);
		goto done;
	}
	res->status = res->code < 2000 ? EGRPC_OK : EGRPC_EEPP;
	res->msg = strdup(result_msg(get(result, "msg")));
done:
	if (res->msg != NULL)
		rc = 0;
out:
	if (tok != NULL)
		json_tokener_free(tok);
	if (rc != 0)
		rpcc_result_clear(res);
	return rc;
}

void
rpcc_result_clear(struct rpcc_result *res)
{
	free(res->msg);
	json_object_put(res->json);
	memset(res, 0, sizeof(*res));
}

const char *
egrpc_status_str(int status)
{
	switch (status) {
	case EGRPC_OK:
		return "ok";
	case EGRPC_EEPP:
		return "EPP error result";
	case EGRPC_EGATE:
		return "gate error";
	case EGRPC_EREPLY:
		return "bad reply";
	case EGRPC_ETIMEOUT:
		return "timeout";
	case EGRPC_EIO:
		return "transport failure";
	case EGRPC_ECONFIG:
		return "configuration error";
	case EGRPC_EINVAL:
		return "invalid argument";
	case EGRPC_ENOMEM:
		return "out of memory";
	}
	return "unknown status";
}

const char *
egrpc_version(void)
{
	return EPPGATE_VERSION;
}
