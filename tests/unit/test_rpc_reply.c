/* SPDX-License-Identifier: MIT */
/* Reply classification: EPP 1xxx / 2xxx, the gate's error replies, replies that are not JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "rpc_int.h"
#include "tap.h"

static void
classify_is(const char *body, int status, int code, const char *msg, const char *what)
{
	struct rpcc_result res;
	int rc = rpcc_classify(body, strlen(body), &res);

	tap_ok(rc == 0 && res.status == status && res.code == code &&
	    (msg == NULL || strstr(res.msg, msg) != NULL), "%s", what);
	if (rc == 0 && (res.status != status || res.code != code ||
	    (msg != NULL && strstr(res.msg, msg) == NULL)))
		tap_diag("got status %d (%s) code %d msg '%s'", res.status,
		    egrpc_status_str(res.status), res.code, res.msg);
	if (rc == 0)
		rpcc_result_clear(&res);
}

static void
test_shapes(void)
{
	struct rpcc_result res;
	const char *body;

	classify_is("{\"epp\": {\"response\": {\"result\": {\"@code\": \"1000\", \"msg\": "
	    "\"Command completed successfully\"}}}}", EGRPC_OK, 1000,
	    "Command completed successfully", "EPP 1000 is success");
	classify_is("{\"epp\": {\"response\": {\"result\": {\"@code\": \"1301\", \"msg\": "
	    "\"Command completed successfully; ack to dequeue\"}}}}", EGRPC_OK, 1301, "ack",
	    "EPP 1301 is success");
	classify_is("{\"epp\": {\"response\": {\"result\": {\"@code\": \"2302\", \"msg\": "
	    "\"Object exists\"}}}}", EGRPC_EEPP, 2302, "Object exists", "EPP 2302 is an EPP error");
	classify_is("{\"epp\": {\"response\": {\"result\": {\"@code\": \"2400\", \"msg\": "
	    "{\"@lang\": \"en\", \"#text\": \"Command failed\"}}}}}", EGRPC_EEPP, 2400,
	    "Command failed", "msg as {\"@lang\", \"#text\"}");
	classify_is("{\"epp\": {\"response\": {\"result\": [{\"@code\": \"2306\", \"msg\": "
	    "\"Parameter value policy error\"}, {\"@code\": \"2005\", \"msg\": \"x\"}]}}}",
	    EGRPC_EEPP, 2306, "policy", "result list: the first result counts");
	classify_is("{\"epp\": {\"response\": {\"result\": {\"@code\": \"1000\", \"msg\": "
	    "[{\"@lang\": \"en\", \"#text\": \"first\"}, \"second\"]}}}}", EGRPC_OK, 1000, "first",
	    "msg list: the first message");
	classify_is("{\"epp\": {\"response\": {\"result\": {\"@code\": \"1000\"}}}}", EGRPC_OK, 1000,
	    "", "result without msg");
	classify_is("{\"epp\": {\"response\": {\"result\": {\"@code\": 1000, \"msg\": \"ok\"}}}}",
	    EGRPC_OK, 1000, "ok", "numeric code accepted");

	classify_is("{\"error\": \"failed processing EPP command: session lost\"}", EGRPC_EGATE, 0,
	    "failed processing EPP command: session lost", "gate error reply");
	classify_is("{\"error\": \"unknown command or empty response received: 'x'\", "
	    "\"code\": \"EUNKNOWN\"}", EGRPC_EGATE, 0, "unknown command", "error reply with a code key");
	classify_is("{\"error\": {\"why\": \"structured\"}}", EGRPC_EGATE, 0, "structured",
	    "non-string error becomes its JSON text");
	classify_is("{\"error\": null, \"epp\": {\"response\": {\"result\": {\"@code\": \"1000\", "
	    "\"msg\": \"ok\"}}}}", EGRPC_OK, 1000, "ok", "a null error is no error (the reference "
	    "tests truth)");
	classify_is("{\"error\": \"\", \"epp\": {\"response\": {\"result\": {\"@code\": \"2201\", "
	    "\"msg\": \"no\"}}}}", EGRPC_EEPP, 2201, "no", "an empty error is no error");

	classify_is("{\"epp\": {\"greeting\": {\"svID\": \"sim\"}}}", EGRPC_OK, 0, "",
	    "greeting (hello): success without a result code");
	classify_is("{\"sessions\": 2, \"svID\": \"sim\"}", EGRPC_OK, 0, "",
	    "gate_status: success without a result code");

	classify_is("", EGRPC_EREPLY, 0, "empty reply", "empty body");
	classify_is("Internal Server Error", EGRPC_EREPLY, 0, "reply is not JSON", "not JSON");
	classify_is("{\"epp\": {\"response\"", EGRPC_EREPLY, 0, "truncated", "truncated JSON");
	classify_is("{\"a\": 1} trailing", EGRPC_EREPLY, 0, "unexpected text", "trailing garbage");
	classify_is("[1, 2]", EGRPC_EREPLY, 0, "not a JSON object", "array");
	classify_is("\"text\"", EGRPC_EREPLY, 0, "not a JSON object", "string");
	classify_is("{\"epp\": {\"response\": {\"trID\": {}}}}", EGRPC_EREPLY, 0,
	    "without a result code", "EPP response without a result");
	classify_is("{\"epp\": {\"response\": {\"result\": {\"@code\": \"abc\"}}}}", EGRPC_EREPLY,
	    0, "without a result code", "non-numeric result code");
	classify_is("{\"epp\": {\"response\": {\"result\": {\"@code\": \"0999\"}}}}", EGRPC_EREPLY,
	    0, "without a result code", "code below 1000");
	classify_is("{\"epp\": {\"response\": {\"result\": {\"@code\": \"5000\"}}}}", EGRPC_EREPLY,
	    5000, "unexpected EPP result code 5000", "code outside 1xxx/2xxx");
	classify_is("{\"epp\": {\"response\": {\"result\": []}}}", EGRPC_EREPLY, 0,
	    "without a result code", "empty result list");

	/* The parsed JSON comes with the classification and belongs to the result. */
	body = "{\"epp\": {\"response\": {\"result\": {\"@code\": \"1000\", \"msg\": \"ok\"}}}}";
	tap_ok(rpcc_classify(body, strlen(body), &res) == 0 && res.json != NULL &&
	    json_object_is_type(res.json, json_type_object), "parsed JSON handed over");
	rpcc_result_clear(&res);
	tap_ok(rpcc_classify("{}", 1, &res) == 0 && res.status == EGRPC_EREPLY,
	    "the length bounds the body (\"{\" of \"{}\" is truncated)");
	rpcc_result_clear(&res);
}

/* Every reply of the reference's test suite is classified as the reference client would. */
static void
test_reference_replies(void)
{
	json_object *all, *v, *resp, *e, *x;
	struct rpcc_result res;
	const char *text, *want_code;
	size_t i, n, good = 0, total = 0;
	int want_status, want;

	all = json_object_from_file(tap_data("conformance/anchor_vectors.json"));
	if (all == NULL) {
		tap_ok(0, "anchor vectors readable");
		return;
	}
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		v = json_object_array_get_idx(all, i);
		if (!json_object_object_get_ex(v, "json_response", &resp) ||
		    !json_object_is_type(resp, json_type_object))
			continue;
		total++;
		want_code = NULL;
		if (json_object_object_get_ex(resp, "error", &e)) {
			want_status = EGRPC_EGATE;
			want = 0;
		} else if (json_object_object_get_ex(resp, "epp", &x) &&
		    json_object_object_get_ex(x, "response", &x) &&
		    json_object_object_get_ex(x, "result", &x) &&
		    json_object_object_get_ex(x, "@code", &x)) {
			want_code = json_object_get_string(x);
			want = atoi(want_code);
			want_status = want < 2000 ? EGRPC_OK : EGRPC_EEPP;
		} else {
			want_status = EGRPC_OK;   /* the greeting */
			want = 0;
		}
		text = json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN);
		if (rpcc_classify(text, strlen(text), &res) == 0 && res.status == want_status &&
		    res.code == want)
			good++;
		else
			tap_diag("vector %zu: want %d/%d", i, want_status, want);
		rpcc_result_clear(&res);
	}
	tap_ok(total >= 20 && good == total, "%zu of %zu reference replies classified", good,
	    total);
	json_object_put(all);
}

static void
test_status_names(void)
{
	tap_is_str(egrpc_status_str(EGRPC_OK), "ok", "status name ok");
	tap_is_str(egrpc_status_str(EGRPC_EEPP), "EPP error result", "status name EEPP");
	tap_is_str(egrpc_status_str(EGRPC_ETIMEOUT), "timeout", "status name ETIMEOUT");
	tap_is_str(egrpc_status_str(99), "unknown status", "unknown status name");
	tap_is_str(egrpc_version(), EPPGATE_VERSION, "library version is the build's");
}

int
main(void)
{
	test_shapes();
	test_reference_replies();
	test_status_names();
	return tap_done();
}
