/* SPDX-License-Identifier: MIT */
/* A message_id chosen by the caller (egrpc_call_options): checked, sent as given, kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <amqp.h>

#include "rpc_int.h"
#include "tap.h"

static int
bytes_is(amqp_bytes_t b, const char *s)
{
	return b.len == strlen(s) && memcmp(b.bytes, s, b.len) == 0;
}

static void
test_set(void)
{
	struct rpcc_req *r;
	struct rpcc_props pp;
	char err[256], id[RPCC_MSGID_MAX + 2], uuid[RPCC_ID_LEN + 1];
	int st;

	r = rpcc_req_new(1, "domain_create", NULL, "{\"name\": \"a.example\"}", 5000, &st, err,
	    sizeof(err));
	if (!tap_ok(r != NULL, "request built"))
		return;
	memcpy(uuid, r->msg_id, sizeof(uuid));

	tap_is_int(rpcc_req_set_msg_id(r, "", err, sizeof(err)), EGRPC_EINVAL, "empty id refused");
	tap_ok(strstr(err, "1-255 bytes") != NULL, "... saying how long it may be: %s", err);
	tap_is_int(rpcc_req_set_msg_id(r, NULL, err, sizeof(err)), EGRPC_EINVAL, "NULL refused");
	memset(id, 'x', RPCC_MSGID_MAX + 1);
	id[RPCC_MSGID_MAX + 1] = '\0';
	tap_is_int(rpcc_req_set_msg_id(r, id, err, sizeof(err)), EGRPC_EINVAL,
	    "256 bytes refused (an AMQP short string holds 255)");
	tap_is_int(rpcc_req_set_msg_id(r, "a\nb", err, sizeof(err)), EGRPC_EINVAL,
	    "a newline refused");
	tap_ok(strstr(err, "control characters") != NULL, "... saying why: %s", err);
	tap_is_int(rpcc_req_set_msg_id(r, "a\x7f", err, sizeof(err)), EGRPC_EINVAL, "DEL refused");
	tap_is_str(r->msg_id, uuid, "refused ids leave the uuid4 in place");

	id[RPCC_MSGID_MAX] = '\0';
	tap_is_int(rpcc_req_set_msg_id(r, id, err, sizeof(err)), EGRPC_OK, "255 bytes accepted");
	tap_is_int((long long)strlen(r->msg_id), RPCC_MSGID_MAX, "... and kept whole");
	tap_is_int(rpcc_req_set_msg_id(r, "order-42/renew caf\xc3\xa9", err, sizeof(err)), EGRPC_OK,
	    "spaces, slashes and UTF-8 accepted");

	rpcc_req_props(r, "amq.gen-1", 1700000000000LL, &pp);
	tap_ok((pp.p._flags & AMQP_BASIC_MESSAGE_ID_FLAG) &&
	    bytes_is(pp.p.message_id, "order-42/renew caf\xc3\xa9"), "message_id sent as given");
	tap_ok(bytes_is(pp.p.correlation_id, r->corr_id) && strcmp(r->corr_id, r->msg_id) != 0,
	    "the correlation id is still the library's own");
	r->sent = 1;
	rpcc_req_props(r, "amq.gen-2", 1700000002000LL, &pp);
	tap_ok(bytes_is(pp.p.message_id, "order-42/renew caf\xc3\xa9"),
	    "the same message_id when re-sent");
	rpcc_req_free(r);
}

/* Through the public call: a bad id is refused before anything is sent or connected. */
static void
test_public(void)
{
	egrpc_call_options co;
	egrpc_options o;
	egrpc_ctx *c;
	uint64_t id;

	memset(&co, 0x5a, sizeof(co));
	egrpc_call_options_init(&co);
	tap_ok(co.timeout_ms == 0 && co.message_id == NULL, "egrpc_call_options_init zeroes");

	egrpc_options_init(&o);
	o.no_env = 1;
	o.host = "127.0.0.1";
	o.port = 1;                    /* nobody listens: connecting fails at once */
	o.connect_timeout_ms = 500;
	o.health_file = "";
	c = egrpc_connect_with_options(&o);
	if (!tap_ok(c != NULL && c->err == EGRPC_EIO, "no broker: the context reports EIO"))
		goto out;
	co.message_id = "bad\tid";
	id = egrpc_submit_with_options(c, "hello", NULL, NULL, &co);
	tap_ok(id == 0 && c->err == EGRPC_EINVAL && strstr(c->errstr, "message_id") != NULL,
	    "submit with a bad message_id: EINVAL before connecting (%s)", c->errstr);
	tap_is_int(egrpc_call_with_options(c, "hello", NULL, "[1]", NULL, NULL), EGRPC_EINVAL,
	    "call_with_options checks the args text as call_text does");
	co.message_id = "good-id";
	id = egrpc_submit_with_options(c, "hello", NULL, NULL, &co);
	tap_ok(id == 0 && c->err == EGRPC_EIO, "a good id goes on to connect (and fails here: %s)",
	    c->errstr);
out:
	egrpc_free(c);
}

int
main(void)
{
	test_set();
	test_public();
	return tap_done();
}
