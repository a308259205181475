/* SPDX-License-Identifier: MIT */
/*
 * The names a request acts on, for its log line (struct epp_objects): each
 * builder records its domain and host names and contact ids, in order, the
 * first five kept and the rest counted; never an authInfo, a password or any
 * other argument value; the generic `epp` and `xml` commands read theirs from
 * the object element; a failed build records nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "cmdtest.h"
#include "tap.h"

#define NS_EPP "urn:ietf:params:xml:ns:epp-1.0"
#define NSD "\"@xmlns:domain\": \"urn:ietf:params:xml:ns:domain-1.0\""
#define EPP(cmd) "{\"cmd\": \"epp\", \"args\": {\"command\": " cmd "}}"
#define RAW(doc) "{\"cmd\": \"xml\", \"args\": {\"xml\": \"" doc "\"}}"
#define EPPDOC(body) "<?xml version='1.0' encoding='UTF-8'?><epp xmlns='" NS_EPP "'>" body "</epp>"

struct obj_case {
	const char *json;
	const char *want;          /* the kept names joined by ',' */
	unsigned more;
};

static const struct obj_case cases[] = {
	{"{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"a.example\", \"b.example\"]}}",
		"a.example,b.example", 0},
	{"{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"d1.example\", \"d2.example\", "
		"\"d3.example\", \"d4.example\", \"d5.example\", \"d6.example\", \"d7.example\"]}}",
		"d1.example,d2.example,d3.example,d4.example,d5.example", 2},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"i.example\", \"auth_info\": "
		"\"SecretPw-1\"}}", "i.example", 0},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"new.example\", \"registrant\": "
		"\"reg-1\", \"contacts\": {\"admin\": \"adm-1\"}, \"nameservers\": [\"ns1.example\"], "
		"\"auth_info\": \"SecretPw-2\"}}", "new.example", 0},
	{"{\"cmd\": \"domain_delete\", \"args\": {\"name\": \"del.example\"}}", "del.example", 0},
	{"{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"ren.example\", \"cur_exp_date\": "
		"\"2030-01-01\", \"period\": 1}}", "ren.example", 0},
	{"{\"cmd\": \"domain_update\", \"args\": {\"name\": \"upd.example\", \"auth_info\": "
		"\"SecretPw-3\", \"change_registrant\": \"reg-2\"}}", "upd.example", 0},
	{"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"tr.example\", \"op\": \"query\", "
		"\"auth_info\": \"SecretPw-4\"}}", "tr.example", 0},
	{"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"tr2.example\", \"auth_info\": "
		"\"SecretPw-5\"}}", "tr2.example", 0},
	{"{\"cmd\": \"contact_check\", \"args\": {\"contacts\": [\"c-1\", \"c-2\"]}}", "c-1,c-2", 0},
	{"{\"cmd\": \"contact_info\", \"args\": {\"contact\": \"c-info\", \"auth_info\": "
		"\"SecretPw-6\"}}", "c-info", 0},
	{"{\"cmd\": \"contact_create\", \"args\": {\"id\": \"c-new\", \"email\": \"p@example.net\", "
		"\"auth_info\": \"SecretPw-7\", \"contacts\": [{\"type\": \"int\", \"name\": \"Pat\", "
		"\"address\": {\"city\": \"Town\", \"cc\": \"DE\"}}]}}", "c-new", 0},
	{"{\"cmd\": \"contact_update\", \"args\": {\"id\": \"c-upd\", \"auth_info\": "
		"\"SecretPw-8\"}}", "c-upd", 0},
	{"{\"cmd\": \"contact_delete\", \"args\": {\"contact\": \"c-del\"}}", "c-del", 0},
	{"{\"cmd\": \"contact_transfer\", \"args\": {\"contact\": \"c-trn\", \"auth_info\": "
		"\"SecretPw-11\"}}", "c-trn", 0},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"roid.example\", \"auth_info\": "
		"\"SecretPw-12\", \"auth_info_roid\": \"C1-SIM\"}}", "roid.example", 0},
	{"{\"cmd\": \"host_check\", \"args\": {\"hosts\": [\"ns1.example\"]}}", "ns1.example", 0},
	{"{\"cmd\": \"host_info\", \"args\": {\"name\": \"ns2.example\"}}", "ns2.example", 0},
	{"{\"cmd\": \"host_create\", \"args\": {\"name\": \"ns3.example\", \"ip_address\": "
		"[{\"ip\": \"192.0.2.1\", \"version\": \"v4\"}]}}", "ns3.example", 0},
	{"{\"cmd\": \"host_update\", \"args\": {\"name\": \"ns4.example\", \"new_name\": "
		"\"ns5.example\"}}", "ns4.example", 0},
	{"{\"cmd\": \"host_delete\", \"args\": {\"name\": \"ns6.example\"}}", "ns6.example", 0},
	{"{\"cmd\": \"poll_req\"}", "", 0},
	{"{\"cmd\": \"poll_ack\", \"args\": {\"msg_id\": \"12345\"}}", "", 0},
	{"{\"cmd\": \"hello\"}", "", 0},
	{EPP("{\"check\": {\"domain:check\": {" NSD ", \"domain:name\": [\"g1.example\", "
		"\"g2.example\"]}}}"), "g1.example,g2.example", 0},
	{EPP("{\"info\": {\"domain:info\": {" NSD ", \"domain:name\": {\"@hosts\": \"none\", "
		"\"#text\": \" g3.example \"}, \"domain:authInfo\": {\"domain:pw\": \"SecretPw-9\"}}}}"),
		"g3.example", 0},
	{RAW(EPPDOC("<command><create><contact:create xmlns:contact='urn:ietf:params:xml:ns:"
		"contact-1.0'><contact:id>x-new</contact:id><contact:postalInfo type='int'>"
		"<contact:name>N</contact:name><contact:addr><contact:city>C</contact:city>"
		"<contact:cc>DE</contact:cc></contact:addr></contact:postalInfo><contact:email>"
		"a@b.example</contact:email><contact:authInfo><contact:pw>SecretPw-10</contact:pw>"
		"</contact:authInfo></contact:create></create><clTRID>ABC-1</clTRID></command>")),
		"x-new", 0},
	{RAW(EPPDOC("<command><check><domain:check xmlns:domain='urn:ietf:params:xml:ns:"
		"domain-1.0'><domain:name>r1.example</domain:name><domain:name>r2.example"
		"</domain:name><domain:name>r3.example</domain:name><domain:name>r4.example"
		"</domain:name><domain:name>r5.example</domain:name><domain:name>r6.example"
		"</domain:name></domain:check></check></command>")),
		"r1.example,r2.example,r3.example,r4.example,r5.example", 1},
	{RAW(EPPDOC("<command><poll op='req'/></command>")), "", 0},
};

static void
joined(const struct epp_objects *o, char *out, size_t cap)
{
	const char *s = o->buf;
	size_t n = 0;
	unsigned i;

	out[0] = '\0';
	for (i = 0; i < o->n; i++, s += strlen(s) + 1)
		n += (size_t)snprintf(out + n, cap - n, "%s%s", i > 0 ? "," : "", s);
}

/* The whole buffer holds no byte of any "SecretPw-" value. */
static int
no_secret(const struct epp_objects *o)
{
	return memmem(o->buf, sizeof(o->buf), "SecretPw", 8) == NULL;
}

int
main(void)
{
	struct epp_request r;
	struct epp_objects o;
	struct eg_err err;
	char got[600], name[300];
	size_t i;
	int secret_free = 1;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (ct_build(cases[i].json, &r, &err) != 0) {
			tap_ok(0, "case %zu builds: %s", i, err.msg);
			continue;
		}
		joined(&r.objects, got, sizeof(got));
		tap_ok(strcmp(got, cases[i].want) == 0 && r.objects.more == cases[i].more,
		    "%s: objects [%s] +%u", r.cmd->name, got, r.objects.more);
		if (strcmp(got, cases[i].want) != 0 || r.objects.more != cases[i].more)
			tap_diag("want [%s] +%u", cases[i].want, cases[i].more);
		secret_free &= no_secret(&r.objects);
		epp_request_clear(&r);
	}
	tap_ok(secret_free, "no authInfo in any object list");

	/* A check of 1000 names keeps 5 and counts 995. */
	{
		char *json = malloc(40000);
		size_t n = 0;

		n += (size_t)sprintf(json, "{\"cmd\": \"domain_check\", \"args\": {\"domains\": [");
		for (i = 0; i < 1000; i++)
			n += (size_t)sprintf(json + n, "%s\"n%zu.example\"", i ? ", " : "", i);
		sprintf(json + n, "]}}");
		tap_ok(ct_build(json, &r, &err) == 0 && r.objects.n == 5 && r.objects.more == 995,
		    "a check of 1000 names: 5 kept, 995 counted");
		epp_request_clear(&r);
		free(json);
	}

	/* A refused request records nothing. */
	tap_ok(ct_build("{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"x.example\"}}", &r,
	    &err) == -1 && r.objects.n == 0 && r.objects.more == 0,
	    "a refused build leaves no names");

	/* The buffer bound: long names that do not fit are counted, and so is every later one. */
	memset(&o, 0, sizeof(o));
	memset(name, 'a', 255);
	name[255] = '\0';
	epp_objects_add(&o, name, 255);
	epp_objects_add(&o, name, 255);
	epp_objects_add(&o, name, 255);
	epp_objects_add(&o, "short", 5);
	tap_ok(o.n == 2 && o.more == 2 && o.len == 512, "names that do not fit are counted, "
	    "and later ones too (%u kept, %u counted)", o.n, o.more);

	ct_cleanup();
	xmlCleanupParser();
	return tap_done();
}
