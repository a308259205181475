/* SPDX-License-Identifier: MIT */
/*
 * The command table (common/cmdinfo.h): the gate and the client classify every
 * command alike. For every row, with representative args (every transfer op, the
 * generic `epp` with each command element), the client's "safe to retry" equals
 * the gate's query class from epp_request_build(). The one difference is raw
 * `xml`: the gate reads its command element, the client never re-sends it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cmdinfo.h"
#include "cmdtest.h"
#include "epp_cmd.h"
#include "rpc_int.h"
#include "tap.h"

#define NSD "\"@xmlns:domain\": \"urn:ietf:params:xml:ns:domain-1.0\""
#define DNAME(op) "{\"domain:" op "\": {" NSD ", \"domain:name\": \"a.example\"}}"
#define EPP(body) "{\"cmd\": \"epp\", \"args\": {\"command\": " body "}}"
#define RAW(cmd) "{\"cmd\": \"xml\", \"args\": {\"xml\": \"<epp xmlns='urn:ietf:params:xml:" \
	"ns:epp-1.0'>" cmd "</epp>\"}}"

struct sample {
	const char *json;             /* the request */
	enum cmd_class want;          /* its class by the shared table */
	enum epp_class gate;          /* its class at the gate */
};

#define Q  CMD_CLASS_QUERY
#define T  CMD_CLASS_TRANSFORM
#define GQ EPP_CLASS_QUERY
#define GT EPP_CLASS_TRANSFORM

static const struct sample samples[] = {
	{"{\"cmd\": \"poll_req\"}", Q, GQ},
	{"{\"cmd\": \"poll_ack\", \"args\": {\"msg_id\": \"1234\"}}", T, GT},
	{"{\"cmd\": \"host_check\", \"args\": {\"hosts\": [\"ns1.a.example\"]}}", Q, GQ},
	{"{\"cmd\": \"host_info\", \"args\": {\"name\": \"ns1.a.example\"}}", Q, GQ},
	{"{\"cmd\": \"host_create\", \"args\": {\"name\": \"ns1.a.example\", \"ip_address\": "
	    "[{\"ip\": \"192.0.2.1\", \"version\": \"v4\"}]}}", T, GT},
	{"{\"cmd\": \"host_update\", \"args\": {\"name\": \"ns1.a.example\", "
	    "\"new_name\": \"ns2.a.example\"}}", T, GT},
	{"{\"cmd\": \"host_delete\", \"args\": {\"name\": \"ns1.a.example\"}}", T, GT},
	{"{\"cmd\": \"contact_check\", \"args\": {\"contacts\": [\"c-1\", \"c-2\"]}}", Q, GQ},
	{"{\"cmd\": \"contact_info\", \"args\": {\"contact\": \"c-1\", \"auth_info\": \"pw-1\"}}",
	    Q, GQ},
	{"{\"cmd\": \"contact_create\", \"args\": {\"id\": \"c-1\", \"email\": \"a@example.net\", "
	    "\"auth_info\": \"pw-1\", \"contacts\": [{\"type\": \"int\", \"name\": \"A\", "
	    "\"address\": {\"street\": \"Street 1\", \"city\": \"Town\", \"cc\": \"DE\"}}]}}", T, GT},
	{"{\"cmd\": \"contact_update\", \"args\": {\"id\": \"c-1\", \"email\": \"b@example.net\"}}",
	    T, GT},
	{"{\"cmd\": \"contact_delete\", \"args\": {\"contact\": \"c-1\"}}", T, GT},
	/* Every contact transfer op, and none (the default is "request"). */
	{"{\"cmd\": \"contact_transfer\", \"args\": {\"contact\": \"c-1\", \"auth_info\": \"pw-1\"}}",
	    T, GT},
	{"{\"cmd\": \"contact_transfer\", \"args\": {\"contact\": \"c-1\", \"op\": \"request\", "
	    "\"auth_info\": \"pw-1\"}}", T, GT},
	{"{\"cmd\": \"contact_transfer\", \"args\": {\"contact\": \"c-1\", \"op\": \"query\"}}",
	    Q, GQ},
	{"{\"cmd\": \"contact_transfer\", \"args\": {\"contact\": \"c-1\", \"op\": \"approve\"}}",
	    T, GT},
	{"{\"cmd\": \"contact_transfer\", \"args\": {\"contact\": \"c-1\", \"op\": \"reject\"}}",
	    T, GT},
	{"{\"cmd\": \"contact_transfer\", \"args\": {\"contact\": \"c-1\", \"op\": \"cancel\"}}",
	    T, GT},
	{"{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"a.example\"]}}", Q, GQ},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a.example\"}}", Q, GQ},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.example\", \"registrant\": \"r-1\", "
	    "\"period\": 1, \"contacts\": {\"admin\": \"c-1\", \"billing\": \"c-1\", "
	    "\"tech\": \"c-1\"}, \"auth_info\": \"pw-1\"}}", T, GT},
	{"{\"cmd\": \"domain_delete\", \"args\": {\"name\": \"a.example\"}}", T, GT},
	{"{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"a.example\", "
	    "\"cur_exp_date\": \"2030-01-01\", \"period\": 1}}", T, GT},
	{"{\"cmd\": \"domain_update\", \"args\": {\"name\": \"a.example\", "
	    "\"add_nameservers\": [\"ns1.a.example\"]}}", T, GT},
	/* Every transfer op, and none (the default is "request"). */
	{"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"a.example\"}}", T, GT},
	{"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"a.example\", \"op\": \"request\", "
	    "\"period\": 1, \"auth_info\": \"pw-1\"}}", T, GT},
	{"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"a.example\", \"op\": \"query\"}}",
	    Q, GQ},
	{"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"a.example\", \"op\": \"approve\"}}",
	    T, GT},
	{"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"a.example\", \"op\": \"reject\"}}",
	    T, GT},
	{"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"a.example\", \"op\": \"cancel\"}}",
	    T, GT},
	{"{\"cmd\": \"hello\"}", CMD_CLASS_SESSION, GQ},
	{"{\"cmd\": \"hello\", \"args\": null}", CMD_CLASS_SESSION, GQ},
	/* The generic command with each command element. */
	{EPP("{\"check\": {\"domain:check\": {" NSD ", \"domain:name\": [\"a.example\"]}}}"), Q, GQ},
	{EPP("{\"info\": " DNAME("info") "}"), Q, GQ},
	{EPP("{\"info\": " DNAME("info") ", \"extension\": null}"), Q, GQ},
	{EPP("{\"poll\": {\"@op\": \"req\"}}"), Q, GQ},
	{EPP("{\"poll\": {\"@op\": \"ack\", \"@msgID\": \"12\"}}"), T, GT},
	{EPP("{\"poll\": null}"), T, GT},
	{EPP("{\"transfer\": {\"@op\": \"query\", \"domain:transfer\": {" NSD
	    ", \"domain:name\": \"a.example\"}}}"), Q, GQ},
	{EPP("{\"transfer\": {\"@op\": \"request\", \"domain:transfer\": {" NSD
	    ", \"domain:name\": \"a.example\"}}}"), T, GT},
	{EPP("{\"transfer\": {\"@op\": \"approve\", \"domain:transfer\": {" NSD
	    ", \"domain:name\": \"a.example\"}}}"), T, GT},
	/* An op that RFC 5730 gives the other element: still read-only, as the gate has it. */
	{EPP("{\"poll\": {\"@op\": \"query\"}}"), Q, GQ},
	{EPP("{\"transfer\": {\"@op\": \"req\", \"domain:transfer\": {" NSD
	    ", \"domain:name\": \"a.example\"}}}"), Q, GQ},
	{EPP("{\"create\": " DNAME("create") "}"), T, GT},
	{EPP("{\"delete\": " DNAME("delete") "}"), T, GT},
	{EPP("{\"renew\": " DNAME("renew") "}"), T, GT},
	{EPP("{\"update\": " DNAME("update") "}"), T, GT},
	/* Raw XML: the gate reads the command element, the client does not parse XML. */
	{RAW("<command><check><domain:check xmlns:domain='urn:ietf:params:xml:ns:domain-1.0'>"
	    "<domain:name>a.example</domain:name></domain:check></check></command>"), T, GQ},
	{RAW("<command><poll op='req'/></command>"), T, GQ},
	{RAW("<hello/>"), T, GQ},
	{RAW("<command><poll op='ack' msgID='12'/></command>"), T, GT},
	{RAW("<command><delete><domain:delete xmlns:domain='urn:ietf:params:xml:ns:domain-1.0'>"
	    "<domain:name>a.example</domain:name></domain:delete></delete></command>"), T, GT},
	{"{\"cmd\": \"gate_status\"}", CMD_CLASS_LOCAL, EPP_CLASS_LOCAL},
};

#undef Q
#undef T

/* The client's verdict on a request, through the library's own request builder. */
static int
client_safe(const char *name, json_object *args)
{
	struct rpcc_req *r;
	char err[256];
	int st, safe;

	if ((r = rpcc_req_new(1, name, args, NULL, 5000, &st, err, sizeof(err))) == NULL) {
		tap_diag("client refused %s: %s", name, err);
		return -1;
	}
	safe = r->safe;
	rpcc_req_free(r);
	return safe;
}

static void
test_alike(void)
{
	size_t i, seen[CMD_COUNT] = {0}, queries = 0, raw_differs = 0;
	struct epp_request out;
	struct eg_err err;
	json_object *req, *args;
	const struct cmdinfo *ci;
	const char *name;
	int safe, built;

	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const struct sample *s = &samples[i];

		req = epp_request_parse(s->json, strlen(s->json), &err);
		if (!tap_ok(req != NULL, "sample %zu parses", i)) {
			tap_diag("%s: %s", s->json, err.msg);
			continue;
		}
		name = json_object_get_string(json_object_object_get(req, "cmd"));
		args = json_object_object_get(req, "args");
		ci = cmdinfo_find(name);
		if (ci != NULL)
			seen[ci->id]++;
		built = epp_request_build(req, CT_CLTRID, &out, &err) == 0;
		if (!tap_ok(built, "%s (sample %zu): the gate builds it", name, i)) {
			tap_diag("%s", err.msg);
			json_object_put(req);
			continue;
		}
		safe = client_safe(name, args);
		tap_is_str(cmdinfo_class_name(cmdinfo_classify(name, args)),
		    cmdinfo_class_name(s->want), "%s (sample %zu): class", name, i);
		tap_is_int(out.klass, s->gate, "%s (sample %zu): the gate's class", name, i);
		tap_ok(out.cmd == ci, "%s: the gate's request names the shared row", name);
		if (ci != NULL && ci->refine == CMD_REFINE_XML) {
			/* The one difference, on purpose: never re-sent, whatever it carries. */
			tap_is_int(safe, 0, "xml (sample %zu): the client never re-sends raw XML "
			    "(the gate's class: %s)", i, out.klass == EPP_CLASS_QUERY ? "query" :
			    "transform");
			raw_differs += out.klass == EPP_CLASS_QUERY;
		} else if (out.klass == EPP_CLASS_LOCAL) {
			tap_is_int(safe, 1, "%s: answered by the gate itself, safe to re-send", name);
		} else {
			tap_is_int(safe, out.klass == EPP_CLASS_QUERY, "%s (sample %zu): the client "
			    "re-sends it exactly when the gate runs it as a query", name, i);
		}
		queries += out.klass == EPP_CLASS_QUERY;
		epp_request_clear(&out);
		json_object_put(req);
	}
	for (i = 0; i < CMD_COUNT; i++)
		tap_ok(seen[i] > 0, "row %s has a sample", cmdinfo_at(i)->name);
	tap_ok(queries >= 10, "samples cover queries (%zu)", queries);
	tap_is_int((long long)raw_differs, 3, "raw xml: three samples the gate runs as queries "
	    "and the client still does not re-send");
}

/* The table itself: unique names, ids in place, the retry column follows the class. */
static void
test_table(void)
{
	const struct cmdinfo *ci, *cj;
	const struct epp_command *c;
	size_t i, j, local = 0;
	int ok_ids = 1, ok_unique = 1, ok_retry = 1, ok_obj = 1, ok_gate = 1;

	for (i = 0; (ci = cmdinfo_at(i)) != NULL; i++) {
		if (ci->id != i || cmdinfo_find(ci->name) != ci || ci != &cmdinfo_table[i])
			ok_ids = 0;
		for (j = i + 1; (cj = cmdinfo_at(j)) != NULL; j++)
			if (strcmp(ci->name, cj->name) == 0)
				ok_unique = 0;
		if (ci->retry_safe != (ci->klass != CMD_CLASS_TRANSFORM) ||
		    ci->retry_safe != cmdinfo_class_retry_safe(ci->klass))
			ok_retry = 0;
		/* Object commands are named after their object. */
		if (ci->object[0] != '\0' && strncmp(ci->name, ci->object, strlen(ci->object)) != 0)
			ok_obj = 0;
		c = epp_command_at(i);
		if (c == NULL || c->info != ci || (c->build == NULL) != (ci->klass == CMD_CLASS_LOCAL))
			ok_gate = 0;
		local += ci->klass == CMD_CLASS_LOCAL;
	}
	tap_is_int((long long)i, CMD_COUNT, "%d rows", CMD_COUNT);
	tap_ok(ok_ids, "each row sits at its id and is found by its name");
	tap_ok(ok_unique, "names are unique");
	tap_ok(ok_retry, "retry-safe is 'not a transform'");
	tap_ok(ok_obj, "object commands are named after their object");
	tap_ok(ok_gate, "the gate's table: the shared row and a builder for each, none for local");
	tap_is_int((long long)local, 1, "one local command");
	tap_ok(epp_command_at(CMD_COUNT) == NULL && cmdinfo_at(CMD_COUNT) == NULL, "end of table");
	tap_ok(cmdinfo_find("Domain_check") == NULL && cmdinfo_find(NULL) == NULL &&
	    cmdinfo_find("domain_check ") == NULL, "find is exact");
	tap_is_str(cmdinfo_find("hello")->object, "", "hello acts on no object");
	tap_is_str(cmdinfo_find("host_update")->object, "host", "host_update acts on a host");
	tap_is_str(cmdinfo_class_name(cmdinfo_find("hello")->klass), "session",
	    "hello is a session command (RFC 5730 2.9.1.1)");
	tap_is_int(epp_class_of(CMD_CLASS_SESSION), EPP_CLASS_QUERY,
	    "the gate runs a session command as a query (rate-limited with the queries)");
}

static void
class_is(const char *name, const char *args, enum cmd_class want)
{
	json_object *a = args != NULL ? json_tokener_parse(args) : NULL;

	tap_is_str(cmdinfo_class_name(cmdinfo_classify(name, a)), cmdinfo_class_name(want),
	    "%s %s", name, args != NULL ? args : "(no args)");
	json_object_put(a);
}

/* What the gate refuses is never executed; the client must not take it for a query. */
static void
test_refused_shapes(void)
{
	class_is("epp", NULL, CMD_CLASS_TRANSFORM);
	class_is("epp", "{}", CMD_CLASS_TRANSFORM);
	class_is("epp", "{\"command\": \"check\"}", CMD_CLASS_TRANSFORM);
	class_is("epp", "{\"command\": {}}", CMD_CLASS_TRANSFORM);
	class_is("epp", "{\"command\": {\"extension\": null}}", CMD_CLASS_TRANSFORM);
	class_is("epp", "{\"command\": {\"check\": null, \"info\": null}}", CMD_CLASS_TRANSFORM);
	class_is("epp", "{\"command\": {\"check\": null, \"clTRID\": \"x\"}}", CMD_CLASS_TRANSFORM);
	class_is("epp", "{\"command\": {\"check\": [null, null]}}", CMD_CLASS_TRANSFORM);
	class_is("epp", "{\"command\": {\"hello\": null}}", CMD_CLASS_TRANSFORM);
	class_is("epp", "{\"command\": {\"poll\": {\"@op\": [\"req\"]}}}", CMD_CLASS_TRANSFORM);
	class_is("epp", "{\"command\": {\"poll\": {\"@e:op\": \"req\"}}}", CMD_CLASS_TRANSFORM);
	class_is("epp", "{\"command\": {\"poll\": {\"@op\": \"REQ\"}}}", CMD_CLASS_TRANSFORM);
	class_is("epp", "{\"command\": {\"check\": null}}", CMD_CLASS_QUERY);
	class_is("domain_transfer", "{\"op\": [\"query\"]}", CMD_CLASS_TRANSFORM);
	class_is("domain_transfer", "{\"op\": \"Query\"}", CMD_CLASS_TRANSFORM);
	class_is("domain_transfer", "{\"op\": null}", CMD_CLASS_TRANSFORM);
	class_is("contact_transfer", "{\"op\": \"query\"}", CMD_CLASS_QUERY);
	class_is("contact_transfer", "{\"op\": \"QUERY\"}", CMD_CLASS_TRANSFORM);
	class_is("contact_transfer", NULL, CMD_CLASS_TRANSFORM);
	class_is("xml", "{\"xml\": \"<epp><hello/></epp>\"}", CMD_CLASS_TRANSFORM);
	class_is("domain_checker", NULL, CMD_CLASS_TRANSFORM);
	class_is("", NULL, CMD_CLASS_TRANSFORM);
	class_is(NULL, NULL, CMD_CLASS_TRANSFORM);
	tap_is_int(cmdinfo_element_class("hello", NULL), CMD_CLASS_SESSION, "<hello/>: session");
	tap_is_int(cmdinfo_element_class(NULL, NULL), CMD_CLASS_TRANSFORM, "no element: transform");
	tap_is_int(cmdinfo_element_class("login", NULL), CMD_CLASS_TRANSFORM, "login: transform");
}

int
main(void)
{
	test_table();
	test_alike();
	test_refused_shapes();
	ct_cleanup();
	return tap_done();
}
