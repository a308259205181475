/* SPDX-License-Identifier: MIT */
/* Request encoding: ids, body, AMQP properties (expiration, x-deadline, message_id). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <amqp.h>
#include <json-c/json.h>

#include "cmdinfo.h"
#include "rpc_int.h"
#include "tap.h"

static int
uuid_shape(const char *s)
{
	size_t i;

	if (strlen(s) != RPCC_ID_LEN)
		return 0;
	for (i = 0; i < RPCC_ID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i])) {
			return 0;
		}
	}
	return s[14] == '4' && strchr("89ab", s[19]) != NULL;
}

static void
test_uuid(void)
{
	char a[RPCC_ID_LEN + 1], b[RPCC_ID_LEN + 1];
	int i, shaped = 1, distinct = 1;

	for (i = 0; i < 1000; i++) {
		if (rpcc_uuid4(a) != 0 || rpcc_uuid4(b) != 0 || !uuid_shape(a) || !uuid_shape(b))
			shaped = 0;
		if (strcmp(a, b) == 0)
			distinct = 0;
	}
	tap_ok(shaped, "uuid4: 8-4-4-4-12 lowercase hex, version 4, RFC 4122 variant");
	tap_ok(distinct, "uuid4: 1000 pairs all distinct");
}

static json_object *
body_json(const struct rpcc_req *r)
{
	return json_tokener_parse(r->body);
}

static void
test_body(void)
{
	struct rpcc_req *r;
	json_object *args, *b, *v, *before;
	char err[256];
	int st;

	args = json_tokener_parse("{\"domains\": [\"a.example\", \"b.example\"], \"x\": \"a/b\"}");
	before = json_tokener_parse("{\"domains\": [\"a.example\", \"b.example\"], \"x\": \"a/b\"}");
	r = rpcc_req_new(7, "domain_check", args, NULL, 5000, &st, err, sizeof(err));
	tap_ok(r != NULL && st == EGRPC_OK, "request built");
	b = body_json(r);
	tap_ok(b != NULL && json_object_object_get_ex(b, "cmd", &v) &&
	    strcmp(json_object_get_string(v), "domain_check") == 0, "body has cmd");
	tap_ok(json_object_object_get_ex(b, "args", &v) && json_object_equal(v, args),
	    "body has the args unchanged");
	tap_ok(json_object_object_length(b) == 2, "body has nothing else");
	tap_ok(strstr(r->body, "\\/") == NULL, "slashes are not escaped");
	tap_ok(json_object_equal(args, before), "caller's args not modified");
	tap_is_int((long long)r->id, 7, "id kept");
	tap_ok(r->safe, "domain_check is safe to repeat");
	tap_ok(strcmp(r->corr_id, r->msg_id) != 0 && uuid_shape(r->corr_id) &&
	    uuid_shape(r->msg_id), "correlation id and message id are distinct uuid4s");
	json_object_put(b);
	rpcc_req_free(r);
	json_object_put(args);   /* the request held no reference: this frees it */
	json_object_put(before);

	r = rpcc_req_new(1, "poll_req", NULL, NULL, 1000, &st, err, sizeof(err));
	tap_is_str(r != NULL ? r->body : NULL, "{\"cmd\":\"poll_req\"}",
	    "no args: no \"args\" key (as the reference's poll_req)");
	rpcc_req_free(r);
	r = rpcc_req_new(1, "hello", NULL, "  ", 1000, &st, err, sizeof(err));
	tap_is_str(r != NULL ? r->body : NULL, "{\"cmd\":\"hello\"}", "blank args text: none");
	rpcc_req_free(r);
	r = rpcc_req_new(1, "domain_info", NULL, " {\"name\": \"\\u00e9.example\"} ", 1000, &st,
	    err, sizeof(err));
	b = r != NULL ? body_json(r) : NULL;
	tap_ok(b != NULL && json_object_object_get_ex(b, "args", &v) &&
	    json_object_object_get_ex(v, "name", &v) &&
	    strcmp(json_object_get_string(v), "\xc3\xa9.example") == 0,
	    "args text parsed, non-ASCII kept");
	json_object_put(b);
	rpcc_req_free(r);

	r = rpcc_req_new(1, "domain_check", NULL, "[1]", 1000, &st, err, sizeof(err));
	tap_ok(r == NULL && st == EGRPC_EINVAL && strstr(err, "must be a JSON object, not array"),
	    "args array refused: %s", err);
	r = rpcc_req_new(1, "domain_check", NULL, "{\"a\": ", 1000, &st, err, sizeof(err));
	tap_ok(r == NULL && st == EGRPC_EINVAL && strstr(err, "not valid JSON"),
	    "truncated args refused: %s", err);
	r = rpcc_req_new(1, "domain_check", NULL, "{} {}", 1000, &st, err, sizeof(err));
	tap_ok(r == NULL && st == EGRPC_EINVAL, "trailing text after args refused: %s", err);
	args = json_object_new_string("x");
	r = rpcc_req_new(1, "domain_check", args, NULL, 1000, &st, err, sizeof(err));
	tap_ok(r == NULL && st == EGRPC_EINVAL, "args object of the wrong type refused");
	json_object_put(args);
	r = rpcc_req_new(1, "", NULL, NULL, 1000, &st, err, sizeof(err));
	tap_ok(r == NULL && st == EGRPC_EINVAL, "empty command refused");
	r = rpcc_req_new(1, "a\nb", NULL, NULL, 1000, &st, err, sizeof(err));
	tap_ok(r == NULL && st == EGRPC_EINVAL, "command with a newline refused");
	r = rpcc_req_new(1, NULL, NULL, NULL, 1000, &st, err, sizeof(err));
	tap_ok(r == NULL && st == EGRPC_EINVAL, "NULL command refused");
}

static const amqp_table_entry_t *
header(const amqp_table_t *t, const char *key)
{
	int i;

	for (i = 0; i < t->num_entries; i++)
		if (t->entries[i].key.len == strlen(key) &&
		    memcmp(t->entries[i].key.bytes, key, strlen(key)) == 0)
			return &t->entries[i];
	return NULL;
}

static int
bytes_is(amqp_bytes_t b, const char *s)
{
	return b.len == strlen(s) && memcmp(b.bytes, s, b.len) == 0;
}

static void
test_props(void)
{
	struct rpcc_req *r;
	struct rpcc_props pp1, pp2;
	const amqp_basic_properties_t *p;
	const amqp_table_entry_t *e;
	amqp_table_t decoded;
	amqp_pool_t pool;
	amqp_bytes_t enc;
	char buf[4096], err[256], msg_id[RPCC_ID_LEN + 1], corr_id[RPCC_ID_LEN + 1];
	size_t off = 0;
	int st;
	const int64_t wall = 1700000000123LL;

	r = rpcc_req_new(3, "domain_create", NULL, "{\"name\": \"x.example\"}", 5000, &st, err,
	    sizeof(err));
	tap_ok(r != NULL && !r->safe, "domain_create has side effects");
	rpcc_req_props(r, "amq.gen-abc", wall, &pp1);
	p = &pp1.p;
	tap_ok((p->_flags & AMQP_BASIC_REPLY_TO_FLAG) && bytes_is(p->reply_to, "amq.gen-abc"),
	    "reply_to is the reply queue");
	tap_ok((p->_flags & AMQP_BASIC_CORRELATION_ID_FLAG) && bytes_is(p->correlation_id,
	    r->corr_id), "correlation_id");
	tap_ok((p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG) && bytes_is(p->message_id, r->msg_id),
	    "message_id");
	tap_ok((p->_flags & AMQP_BASIC_EXPIRATION_FLAG) && bytes_is(p->expiration, "5000"),
	    "expiration = the timeout in ms");
	tap_ok((p->_flags & AMQP_BASIC_CONTENT_TYPE_FLAG) &&
	    bytes_is(p->content_type, "application/json"), "content_type application/json");
	tap_ok((p->_flags & AMQP_BASIC_DELIVERY_MODE_FLAG) && p->delivery_mode == 1,
	    "transient delivery");
	tap_ok((p->_flags & AMQP_BASIC_TIMESTAMP_FLAG) && p->timestamp == 1700000000,
	    "timestamp in seconds");
	tap_ok((p->_flags & AMQP_BASIC_HEADERS_FLAG) && (e = header(&p->headers, "x-deadline"))
	    != NULL && e->value.kind == AMQP_FIELD_KIND_I64 &&
	    e->value.value.i64 == wall + 5000, "x-deadline = now + timeout, epoch ms, long-long");

	/* The header table survives the wire encoding as a long-long ('l'). */
	enc.bytes = buf;
	enc.len = sizeof(buf);
	st = amqp_encode_table(enc, &pp1.p.headers, &off);
	tap_ok(st == AMQP_STATUS_OK, "headers encode");
	init_amqp_pool(&pool, 4096);
	enc.len = off;
	off = 0;
	st = amqp_decode_table(enc, &pool, &decoded, &off);
	e = st == AMQP_STATUS_OK ? header(&decoded, "x-deadline") : NULL;
	tap_ok(e != NULL && e->value.kind == AMQP_FIELD_KIND_I64 &&
	    e->value.value.i64 == wall + 5000, "x-deadline decodes back as I64");
	empty_amqp_pool(&pool);

	/* Re-sending (after a reconnect) reuses the request: same ids, new deadline. */
	memcpy(msg_id, r->msg_id, sizeof(msg_id));
	memcpy(corr_id, r->corr_id, sizeof(corr_id));
	rpcc_req_props(r, "amq.gen-new", wall + 2500, &pp2);
	tap_ok(bytes_is(pp2.p.message_id, msg_id), "message_id stays the same when re-sent");
	tap_ok(bytes_is(pp2.p.correlation_id, corr_id), "correlation_id stays the same when re-sent");
	tap_ok(bytes_is(pp2.p.reply_to, "amq.gen-new"), "re-sent request names the new reply queue");
	e = header(&pp2.p.headers, "x-deadline");
	tap_ok(e != NULL && e->value.value.i64 == wall + 2500 + 5000 &&
	    bytes_is(pp2.p.expiration, "5000"), "re-sent request gets a fresh deadline");
	rpcc_req_free(r);

	r = rpcc_req_new(4, "domain_create", NULL, NULL, 5000, &st, err, sizeof(err));
	tap_ok(r != NULL && strcmp(r->msg_id, msg_id) != 0 && strcmp(r->corr_id, corr_id) != 0,
	    "a new request gets new ids");
	rpcc_req_free(r);
}

static void
safe_is(const char *cmd, const char *args, int want)
{
	json_object *a = args != NULL ? json_tokener_parse(args) : NULL;

	tap_is_int(cmdinfo_retry_safe(cmd, a), want, "%s %s %s", cmd, args != NULL ? args : "",
	    want ? "may be re-sent" : "is never re-sent");
	json_object_put(a);
}

static void
test_safe(void)
{
	safe_is("domain_check", NULL, 1);
	safe_is("host_check", NULL, 1);
	safe_is("contact_check", NULL, 1);
	safe_is("domain_info", NULL, 1);
	safe_is("contact_info", NULL, 1);
	safe_is("host_info", NULL, 1);
	safe_is("poll_req", NULL, 1);
	safe_is("hello", NULL, 1);
	safe_is("gate_status", NULL, 1);
	safe_is("domain_transfer", "{\"name\": \"a.example\", \"op\": \"query\"}", 1);
	safe_is("domain_transfer", "{\"name\": \"a.example\"}", 0);
	safe_is("domain_transfer", "{\"name\": \"a.example\", \"op\": \"request\"}", 0);
	safe_is("domain_transfer", "{\"op\": [\"query\"]}", 0);
	safe_is("domain_create", NULL, 0);
	safe_is("domain_renew", NULL, 0);
	safe_is("domain_update", NULL, 0);
	safe_is("domain_delete", NULL, 0);
	safe_is("contact_create", NULL, 0);
	safe_is("host_create", NULL, 0);
	safe_is("poll_ack", NULL, 0);
	safe_is("epp", NULL, 0);
	safe_is("xml", NULL, 0);
	safe_is("epp", "{\"command\": {\"info\": null}}", 1);
	safe_is("epp", "{\"command\": {\"renew\": null}}", 0);
	/* Unknown names are never re-sent, whatever they end in: the table decides. */
	safe_is("domain_checker", NULL, 0);
	safe_is("check", NULL, 0);
	safe_is("registrar_check", NULL, 0);
}

/* Every request of the reference's test suite encodes to exactly itself. */
static void
test_reference_requests(void)
{
	json_object *all, *v, *req, *cmd, *args, *body;
	struct rpcc_req *r;
	char err[256];
	size_t i, n, good = 0, total = 0;
	int st;

	all = json_object_from_file(tap_data("conformance/anchor_vectors.json"));
	if (all == NULL) {
		tap_ok(0, "anchor vectors readable at %s", tap_data("conformance/anchor_vectors.json"));
		return;
	}
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(all, i);
		if (!json_object_object_get_ex(v, "json_request", &req) ||
		    !json_object_object_get_ex(req, "cmd", &cmd) ||
		    !json_object_is_type(cmd, json_type_string))
			continue;
		total++;
		if (!json_object_object_get_ex(req, "args", &args))
			args = NULL;
		r = rpcc_req_new(1, json_object_get_string(cmd), args, NULL, 1000, &st, err,
		    sizeof(err));
		body = r != NULL ? json_tokener_parse(r->body) : NULL;
		if (body != NULL && json_object_equal(body, req))
			good++;
		else
			tap_diag("%s: %s", json_object_get_string(cmd), r ? r->body : err);
		json_object_put(body);
		rpcc_req_free(r);
	}
	tap_ok(total >= 15 && good == total, "%zu of %zu reference requests encode to themselves",
	    good, total);
	json_object_put(all);
}

int
main(void)
{
	test_uuid();
	test_body();
	test_props();
	test_safe();
	test_reference_requests();
	return tap_done();
}
