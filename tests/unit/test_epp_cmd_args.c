/* SPDX-License-Identifier: MIT */
/*
 * Argument checks, table-driven.
 *
 * Part 1 walks a full request of every command and, for every value in its
 * args (however deeply nested), tries: invalid UTF-8, a control character, a
 * value of the wrong JSON type, XML metacharacters, null, the key removed, and
 * numbers as strings. A refusal must be EG_EREQUEST and name the argument (the
 * quoted path in the message leads to the value changed); an acceptance must
 * give a well-formed document, and metacharacters must come back as the same
 * text when it is parsed.
 *
 * Part 2 lists the checks one by one with their exact messages; part 3 the
 * list caps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "cmdtest.h"
#include "tap.h"

#define META "a&b<c>\"'"

static const char *const full_requests[] = {
	"{\"cmd\": \"poll_ack\", \"args\": {\"msg_id\": \"1234\"}}",
	"{\"cmd\": \"host_check\", \"args\": {\"hosts\": [\"ns1.a.tld\", \"ns2.a.tld\"]}}",
	"{\"cmd\": \"host_info\", \"args\": {\"name\": \"ns1.a.tld\"}}",
	"{\"cmd\": \"host_create\", \"args\": {\"name\": \"ns1.a.tld\", \"ip_address\": "
	    "[{\"ip\": \"192.0.2.1\", \"version\": \"v4\"}, {\"ip\": \"2001:db8::1\", "
	    "\"version\": \"v6\"}]}}",
	"{\"cmd\": \"host_update\", \"args\": {\"name\": \"ns1.a.tld\", \"add_ip_address\": "
	    "[{\"ip\": \"192.0.2.9\", \"version\": \"v4\"}], \"remove_ip_address\": [{\"ip\": "
	    "\"192.0.2.1\", \"version\": \"v4\"}], \"add_statuses\": [{\"name\": "
	    "\"clientUpdateProhibited\", \"value\": \"why\"}], \"remove_statuses\": [{\"name\": "
	    "\"clientDeleteProhibited\"}], \"new_name\": \"ns2.a.tld\"}}",
	"{\"cmd\": \"host_delete\", \"args\": {\"name\": \"ns1.a.tld\"}}",
	"{\"cmd\": \"contact_check\", \"args\": {\"contacts\": [\"abc\", \"def\"]}}",
	"{\"cmd\": \"contact_info\", \"args\": {\"contact\": \"abc\", \"auth_info\": \"pw\"}}",
	"{\"cmd\": \"contact_create\", \"args\": {\"id\": \"c-1\", \"voice\": \"+1.2\", "
	    "\"fax\": \"+1.3\", \"email\": \"a@b.example\", \"auth_info\": \"pw\", \"contacts\": "
	    "[{\"type\": \"int\", \"name\": \"N\", \"org\": \"O\", \"address\": {\"street\": "
	    "[\"s1\", \"s2\"], \"city\": \"C\", \"sp\": \"S\", \"pc\": \"P\", \"cc\": \"US\"}}, "
	    "{\"type\": \"loc\", \"name\": \"N\", \"address\": {\"street\": \"s\", \"city\": "
	    "\"C\", \"cc\": \"US\"}}]}}",
	"{\"cmd\": \"contact_update\", \"args\": {\"id\": \"c-1\", \"voice\": \"+1.2\", "
	    "\"email\": \"a@b.example\", \"auth_info\": \"pw\", \"add_statuses\": [{\"name\": "
	    "\"clientDeleteProhibited\"}], \"contacts\": [{\"type\": \"int\", \"name\": \"N\", "
	    "\"address\": "
	    "{\"street\": \"s\", \"city\": \"C\", \"cc\": \"US\"}}]}}",
	"{\"cmd\": \"contact_delete\", \"args\": {\"contact\": \"c-1\"}}",
	"{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"a.tld\", \"b.tld\"], \"fee\": "
	    "{\"currency\": \"USD\", \"command\": \"renew\", \"period\": 2, \"period_units\": "
	    "\"y\"}}}",
	"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a.tld\", \"auth_info\": \"pw\", "
	    "\"hosts\": \"all\"}}",
	"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"registrant\": \"reg\", "
	    "\"nameservers\": [\"ns1.a.tld\"], \"period\": 5, \"period_units\": \"y\", "
	    "\"contacts\": {\"admin\": \"adm\", \"billing\": \"bil\", \"tech\": \"tec\"}, "
	    "\"auth_info\": \"pw\"}}",
	"{\"cmd\": \"domain_delete\", \"args\": {\"name\": \"a.tld\"}}",
	"{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"a.tld\", \"cur_exp_date\": "
	    "\"2022-07-11\", \"period\": \"2\", \"period_units\": \"y\"}}",
	"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"a.tld\", \"op\": \"request\", "
	    "\"auth_info\": \"pw\", \"period\": 1, \"period_units\": \"y\"}}",
	"{\"cmd\": \"domain_update\", \"args\": {\"name\": \"a.tld\", \"add_nameservers\": "
	    "[\"ns3.a.tld\"], \"remove_nameservers\": [\"ns2.a.tld\"], \"add_contacts\": "
	    "[{\"type\": \"admin\", \"id\": \"adm\"}], \"remove_contacts\": [{\"type\": \"tech\", "
	    "\"id\": \"tec\"}], \"add_statuses\": [{\"name\": \"clientHold\", \"value\": \"v\"}], "
	    "\"remove_statuses\": [{\"name\": \"clientDeleteProhibited\"}], "
	    "\"change_registrant\": \"reg\", \"auth_info\": \"pw\", \"rgp_restore_report\": "
	    "{\"pre_data\": \"a\", \"post_data\": \"b\", \"del_time\": \"2020-01-01\", "
	    "\"res_time\": \"2020-01-02T03:04:05Z\", \"res_reason\": \"r\", \"statement1\": "
	    "\"s1\", \"statement2\": \"s2\", \"other\": \"o\"}, \"add_secdns\": {\"key_tag\": 1, "
	    "\"alg\": 8, \"digest_type\": 2, \"digest\": \"ABCD\", \"keydata_flags\": 257, "
	    "\"keydata_protocol\": 3, \"keydata_alg\": 8, \"keydata_pubkey\": \"AQAB\"}, "
	    "\"rem_secdns\": [{\"key_tag\": \"2\", \"alg\": \"8\", \"digest_type\": \"2\", "
	    "\"digest\": \"abcd\"}], \"change_secdns\": {\"max_sig_life\": 100}}}",
	"{\"cmd\": \"domain_update\", \"args\": {\"name\": \"a.tld\", \"rgp_restore\": true, "
	    "\"rem_secdns\": {\"all\": true}}}",
	"{\"cmd\": \"epp\", \"args\": {\"command\": {\"info\": {\"domain:info\": {"
	    "\"@xmlns:domain\": \"urn:ietf:params:xml:ns:domain-1.0\", \"domain:name\": "
	    "{\"@hosts\": \"all\", \"#text\": \"a.tld\"}}}}}}",
	"{\"cmd\": \"xml\", \"args\": {\"xml\": \"<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'>"
	    "<command><poll op='req'/></command></epp>\"}}",
	/* What RFC 5731-5733 and RFC 8748 allow beyond the reference's arguments. */
	"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"contacts\": "
	    "{\"tech\": \"tec\"}, \"secdns\": [{\"key_tag\": 1, \"alg\": 8, \"digest_type\": 2, "
	    "\"digest\": \"ABCD\", \"keydata_flags\": 257, \"keydata_protocol\": 3, "
	    "\"keydata_alg\": 8, \"keydata_pubkey\": \"AQAB\"}], \"max_sig_life\": 604800, "
	    "\"fee\": {\"currency\": \"USD\", \"amount\": \"100.00\", \"description\": \"d\", "
	    "\"refundable\": true, \"grace_period\": \"P5D\", \"applied\": \"immediate\"}}}",
	"{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"a.tld\", \"cur_exp_date\": "
	    "\"2022-07-11\", \"fee\": [{\"currency\": \"EUR\", \"amount\": 5}, {\"amount\": "
	    "\"0.50\", \"description\": \"premium\"}]}}",
	"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"a.tld\", \"auth_info\": \"pw\", "
	    "\"auth_info_roid\": \"SH8013-REP\", \"fee\": {\"amount\": \"8.00\"}}}",
	"{\"cmd\": \"domain_update\", \"args\": {\"name\": \"a.tld\", \"rgp_restore\": true, "
	    "\"fee\": {\"currency\": \"USD\", \"amount\": \"40.00\"}}}",
	"{\"cmd\": \"domain_update\", \"args\": {\"name\": \"a.tld\", \"secdns_urgent\": true, "
	    "\"add_secdns\": {\"keydata_flags\": 257, \"keydata_protocol\": 3, "
	    "\"keydata_alg\": 8, \"keydata_pubkey\": \"AQAB\"}}}",
	"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a.tld\", \"auth_info\": \"pw\", "
	    "\"auth_info_roid\": \"SH8013-REP\"}}",
	"{\"cmd\": \"contact_info\", \"args\": {\"contact\": \"abc\", \"auth_info\": \"pw\", "
	    "\"auth_info_roid\": \"C1-SIM\"}}",
	"{\"cmd\": \"contact_create\", \"args\": {\"id\": \"c-1\", \"voice\": {\"number\": "
	    "\"+1.7035555555\", \"ext\": \"1234\"}, \"fax\": {\"number\": \"+1.7035555556\"}, "
	    "\"email\": \"a@b.example\", \"contacts\": [{\"type\": \"int\", \"name\": \"N\", "
	    "\"address\": {\"city\": \"C\", \"cc\": \"US\"}}], \"disclose\": {\"flag\": 0, "
	    "\"name\": [\"int\", \"loc\"], \"org\": \"int\", \"addr\": [\"loc\"], \"voice\": true, "
	    "\"fax\": false, \"email\": true}}}",
	"{\"cmd\": \"contact_update\", \"args\": {\"id\": \"c-1\", \"fax\": {\"number\": "
	    "\"+1.2\", \"ext\": \"9\"}, \"disclose\": {\"flag\": \"1\", \"email\": true}}}",
	"{\"cmd\": \"contact_transfer\", \"args\": {\"contact\": \"c-1\", \"op\": \"request\", "
	    "\"auth_info\": \"pw\"}}",
};

/* One step from a JSON value to a child: a member key or a list index. */
struct step {
	const char *key;     /* NULL: index */
	size_t idx;
};

struct leaf {
	struct step steps[8];
	size_t n;
	char path[128];
	json_type type;
};

#define MAX_LEAVES 128

static void
collect(json_object *v, struct leaf *cur, struct leaf *out, size_t *n)
{
	struct leaf next;
	size_t i, len;

	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			next = *cur;
			next.steps[next.n].key = key;
			next.steps[next.n].idx = 0;
			next.n++;
			if (snprintf(next.path, sizeof(next.path), "%s%s%s", cur->path,
			    cur->n ? "." : "", key) >= (int)sizeof(next.path))
				continue;
			collect(val, &next, out, n);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		len = json_object_array_length(v);
		for (i = 0; i < len; i++) {
			next = *cur;
			next.steps[next.n].key = NULL;
			next.steps[next.n].idx = i;
			next.n++;
			if (snprintf(next.path, sizeof(next.path), "%s[%zu]", cur->path, i) >=
			    (int)sizeof(next.path))
				continue;
			collect(json_object_array_get_idx(v, i), &next, out, n);
		}
	} else if (*n < MAX_LEAVES) {
		cur->type = json_object_get_type(v);
		out[(*n)++] = *cur;
	}
}

/*
 * A copy of req with the leaf replaced by val (taken over), or removed when
 * remove is set (members only). Steps start below "args".
 */
static json_object *
mutate(json_object *req, const struct leaf *l, json_object *val, int remove)
{
	json_object *copy = NULL, *p;
	size_t i;

	if (json_object_deep_copy(req, &copy, NULL) != 0)
		return NULL;
	p = json_object_object_get(copy, "args");
	for (i = 0; i + 1 < l->n; i++)
		p = l->steps[i].key ? json_object_object_get(p, l->steps[i].key) :
		    json_object_array_get_idx(p, l->steps[i].idx);
	if (l->steps[i].key != NULL && remove) {
		json_object_object_del(p, l->steps[i].key);
		json_object_put(val);
	} else if (l->steps[i].key != NULL) {
		json_object_object_add(p, l->steps[i].key, val);
	} else {
		json_object_array_put_idx(p, l->steps[i].idx, val);
	}
	return copy;
}

/* The quoted argument path in a message ("argument 'x.y': ..." or "missing argument 'x'"). */
static int
names_prefix_of(const char *msg, const char *path)
{
	const char *q = strchr(msg, '\''), *e;
	size_t n;

	if (q == NULL || (e = strchr(q + 1, '\'')) == NULL)
		return 0;
	n = (size_t)(e - q - 1);
	if (n == 0 || strncmp(q + 1, path, n) != 0)
		return 0;
	/* A whole component: "contacts" names "contacts[0].id", "con" does not. */
	return path[n] == '\0' || path[n] == '.' || path[n] == '[';
}

/*
 * For a value set to null or removed, a refusal may also name a sibling that
 * is then needed ({"all": true} removed from rem_secdns asks for key_tag): the
 * quoted path must then lie inside the same parent object.
 */
static int
names_sibling_of(const char *msg, const char *path)
{
	const char *q = strchr(msg, '\''), *dot = strrchr(path, '.');
	size_t n;

	if (q == NULL || dot == NULL)
		return 0;
	n = (size_t)(dot - path);
	return strncmp(q + 1, path, n) == 0 && q[1 + n] == '.';
}

enum outcome { MUST_REFUSE, MAY_ACCEPT, MUST_ACCEPT };

/* Builds the mutated request and checks the outcome. meta: text that must round-trip. */
static void
try_one(json_object *req, const char *cmd, const struct leaf *l, json_object *val, int remove,
    enum outcome want, const char *meta, const char *what)
{
	json_object *m = mutate(req, l, val, remove);
	struct epp_request out;
	struct eg_err err = {EG_OK, ""};
	xmlDocPtr doc;
	int rc;

	if (m == NULL) {
		tap_ok(0, "%s %s: mutation", cmd, l->path);
		return;
	}
	rc = ct_build_obj(m, &out, &err);
	if (rc != 0) {
		if (!tap_ok(want != MUST_ACCEPT && err.code == EG_EREQUEST &&
		    (names_prefix_of(err.msg, l->path) ||
		    ((val == NULL || remove) && names_sibling_of(err.msg, l->path))),
		    "%s %s %s: refused, named (%s)", cmd,
		    l->path, what, err.msg))
			tap_diag("code %d", err.code);
	} else {
		doc = ct_parse(out.xml, out.xml_len);
		if (!tap_ok(want != MUST_REFUSE && doc != NULL &&
		    (meta == NULL || ct_has_value(doc, meta)), "%s %s %s: accepted%s", cmd,
		    l->path, what, meta ? ", text round-trips" : ""))
			tap_diag("%s", out.xml);
		if (doc != NULL)
			xmlFreeDoc(doc);
		epp_request_clear(&out);
	}
	json_object_put(m);
}

static void
walk_all(void)
{
	struct leaf leaves[MAX_LEAVES], root;
	json_object *req;
	struct eg_err err;
	size_t r, i, n;
	char num[32];

	for (r = 0; r < sizeof(full_requests) / sizeof(full_requests[0]); r++) {
		req = epp_request_parse(full_requests[r], strlen(full_requests[r]), &err);
		if (!tap_ok(req != NULL, "request %zu parses", r))
			continue;
		const char *cmd = json_object_get_string(json_object_object_get(req, "cmd"));
		struct epp_request out;

		/* The unchanged request builds, or every refusal below proves nothing. */
		if (tap_ok(ct_build_obj(req, &out, &err) == 0, "%s: full request builds", cmd))
			epp_request_clear(&out);
		else
			tap_diag("%s", err.msg);
		memset(&root, 0, sizeof(root));
		n = 0;
		collect(json_object_object_get(req, "args"), &root, leaves, &n);
		for (i = 0; i < n; i++) {
			const struct leaf *l = &leaves[i];
			const char *last = l->steps[l->n - 1].key;
			/* Only its truthiness counts, like the reference's `if rgp_restore`. */
			int truthy = last != NULL && strcmp(last, "rgp_restore") == 0;
			/* An amount may be any exact number: 1.5 is one. */
			int amount = last != NULL && strcmp(last, "amount") == 0;
			/* A namespace URI is not text of the document. */
			int nsdecl = last != NULL && strncmp(last, "@xmlns", 6) == 0;

			try_one(req, cmd, l, json_object_new_string_len("a\xff" "b", 3), 0,
			    truthy ? MAY_ACCEPT : MUST_REFUSE, NULL, "invalid UTF-8");
			try_one(req, cmd, l, json_object_new_string("a\x01" "b"), 0,
			    truthy ? MAY_ACCEPT : MUST_REFUSE, NULL, "control character");
			try_one(req, cmd, l, json_object_new_string_len("a\0b", 3), 0,
			    truthy ? MAY_ACCEPT : MUST_REFUSE, NULL, "NUL");
			try_one(req, cmd, l, json_object_new_array(), 0,
			    truthy ? MAY_ACCEPT : MUST_REFUSE, NULL, "wrong type (list)");
			try_one(req, cmd, l, json_object_new_double(1.5), 0,
			    truthy || amount ? MAY_ACCEPT : MUST_REFUSE, NULL, "wrong type (1.5)");
			try_one(req, cmd, l, json_object_new_string(META), 0, MAY_ACCEPT,
			    truthy || nsdecl ? NULL : META, "metacharacters");
			try_one(req, cmd, l, NULL, 0, MAY_ACCEPT, NULL, "null");
			if (last != NULL)
				try_one(req, cmd, l, NULL, 1, MAY_ACCEPT, NULL, "removed");
			if (l->type == json_type_int) {
				json_object *v = req;
				size_t k;

				for (k = 0, v = json_object_object_get(req, "args"); k < l->n; k++)
					v = l->steps[k].key ? json_object_object_get(v,
					    l->steps[k].key) : json_object_array_get_idx(v,
					    l->steps[k].idx);
				snprintf(num, sizeof(num), "%lld", (long long)json_object_get_int64(v));
				try_one(req, cmd, l, json_object_new_string(num), 0, MUST_ACCEPT,
				    NULL, "number as a string");
			}
		}
		json_object_put(req);
	}
}

/* ---- part 2: every check with its message -------------------------------------- */

struct refusal {
	const char *json;
	const char *msg;       /* the whole message */
};

#define DU "{\"cmd\": \"domain_update\", \"args\": {\"name\": \"a.tld\", "
#define DS(extra) "{\"key_tag\": 1, \"alg\": 8, \"digest_type\": 2, \"digest\": \"ABCD\"" extra "}"
#define CC "{\"cmd\": \"contact_create\", \"args\": {\"id\": \"c-1\", \"email\": \"e@x.y\", "
#define ADDR(a) "\"contacts\": [{\"type\": \"int\", \"name\": \"N\", \"address\": " a "}]"

static const struct refusal refusals[] = {
	/* required arguments */
	{"{\"cmd\": \"domain_info\"}", "missing argument 'name'"},
	{"{\"cmd\": \"domain_info\", \"args\": null}", "missing argument 'name'"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": null}}", "missing argument 'name'"},
	{"{\"cmd\": \"poll_ack\", \"args\": {}}", "missing argument 'msg_id'"},
	{"{\"cmd\": \"host_check\", \"args\": {}}", "missing argument 'hosts'"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"registrant\": \"reg\"}}",
		"missing argument 'name'"},
	{"{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"a.tld\", \"period\": 1}}",
		"missing argument 'cur_exp_date'"},
	{"{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"a.tld\", \"cur_exp_date\": "
		"\"2022-01-01\", \"fee\": {\"currency\": \"USD\"}}}", "missing argument 'fee.amount'"},
	{"{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"a.tld\", \"cur_exp_date\": "
		"\"2022-01-01\", \"fee\": [{\"amount\": 1}, {}]}}", "missing argument 'fee[1].amount'"},
	{"{\"cmd\": \"contact_transfer\", \"args\": {\"op\": \"query\"}}",
		"missing argument 'contact'"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a.tld\", \"auth_info_roid\": "
		"\"SH8013-REP\"}}", "missing argument 'auth_info' (the password of the object "
		"'auth_info_roid' names)"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"disclose\": {\"voice\": true}}}",
		"missing argument 'disclose.flag'"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"voice\": {\"ext\": \"12\"}}}",
		"missing argument 'voice.number'"},
	{CC "\"contacts\": []}}", "argument 'contacts': must not be empty"},
	{"{\"cmd\": \"contact_create\", \"args\": {\"id\": \"c-1\", " ADDR("{\"city\": \"C\", "
		"\"cc\": \"US\"}") "}}", "missing argument 'email'"},
	{CC ADDR("{\"city\": \"C\"}") "}}", "missing argument 'contacts[0].address.cc'"},
	{CC "\"contacts\": [{\"type\": \"int\", \"address\": {\"city\": \"C\", \"cc\": "
		"\"US\"}}]}}", "missing argument 'contacts[0].name'"},
	{DU "\"add_contacts\": [{\"type\": \"admin\"}]}}", "missing argument 'add_contacts[0].id'"},
	{DU "\"add_statuses\": [{\"value\": \"x\"}]}}", "missing argument 'add_statuses[0].name'"},
	{DU "\"add_secdns\": {\"key_tag\": 1, \"alg\": 8, \"digest_type\": 2}}}",
		"missing argument 'add_secdns.digest'"},
	{DU "\"add_secdns\": " DS(", \"keydata_flags\": 257") "}}",
		"missing argument 'add_secdns.keydata_protocol'"},
	{DU "\"change_secdns\": {}}}", "missing argument 'change_secdns.max_sig_life'"},
	{DU "\"rgp_restore_report\": {\"pre_data\": \"a\"}}}",
		"missing argument 'rgp_restore_report.post_data'"},
	{"{\"cmd\": \"host_create\", \"args\": {\"name\": \"ns1.a.tld\", \"ip_address\": "
		"[{\"ip\": \"192.0.2.1\"}]}}", "missing argument 'ip_address[0].version'"},
	{"{\"cmd\": \"epp\", \"args\": {}}", "missing argument 'command'"},
	{"{\"cmd\": \"xml\", \"args\": {}}", "missing argument 'xml'"},

	/* types */
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": 5}}", "argument 'name': must be a string"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": [\"a.tld\"]}}",
		"argument 'name': must be a string"},
	{"{\"cmd\": \"domain_check\", \"args\": {\"domains\": \"a.tld\"}}",
		"argument 'domains': must be a list of strings"},
	{"{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"a.tld\", 1]}}",
		"argument 'domains': must be a list of strings"},
	{"{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"a.tld\"], \"fee\": \"yes\"}}",
		"argument 'fee': must be an object"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"registrant\": \"reg\", "
		"\"contacts\": [\"adm\"]}}", "argument 'contacts': must be an object"},
	{"{\"cmd\": \"host_create\", \"args\": {\"name\": \"ns1.a.tld\", \"ip_address\": "
		"{\"ip\": \"192.0.2.1\", \"version\": \"v4\"}}}", "argument 'ip_address': must be a list"},
	{"{\"cmd\": \"host_create\", \"args\": {\"name\": \"ns1.a.tld\", \"ip_address\": "
		"[\"192.0.2.1\"]}}", "argument 'ip_address[0]': must be an object {ip, version}"},
	{DU "\"rem_secdns\": \"all\"}}", "argument 'rem_secdns': must be an object or a list "
		"of objects"},
	{DU "\"rem_secdns\": {\"all\": \"yes\"}}}", "argument 'rem_secdns.all': must be true or false"},
	{CC ADDR("{\"street\": 7, \"city\": \"C\", \"cc\": \"US\"}") "}}",
		"argument 'contacts[0].address.street': must be a string or a list of 1 to 3 strings"},
	{"{\"cmd\": \"poll_ack\", \"args\": {\"msg_id\": true}}", "argument 'msg_id': must be a string"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": \"10.00\"}}",
		"argument 'fee': must be an object {currency, amount, ...} or a list of them"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": [\"10.00\"]}}",
		"argument 'fee[0]': must be an object {currency, amount, ...}"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": []}}",
		"argument 'fee': must not be empty"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"true}}}", "argument 'fee.amount': must be a decimal amount such as \"10.00\""},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"1\", \"refundable\": \"yes\"}}}", "argument 'fee.refundable': must be true or false"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"voice\": 17035555555}}",
		"argument 'voice': must be a phone number or an object {number, ext}"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"disclose\": true}}",
		"argument 'disclose': must be an object"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"disclose\": {\"flag\": \"no\", "
		"\"email\": true}}}", "argument 'disclose.flag': must be true or false (or 1 or 0)"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"disclose\": {\"flag\": 2, "
		"\"email\": true}}}", "argument 'disclose.flag': must be true or false (or 1 or 0)"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"disclose\": {\"flag\": 0, "
		"\"email\": \"yes\"}}}", "argument 'disclose.email': must be true or false"},
	{DU "\"secdns_urgent\": \"yes\", \"add_secdns\": " DS("") "}}",
		"argument 'secdns_urgent': must be true or false"},

	/* numeric ranges, numbers as strings */
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"registrant\": \"reg\", "
		"\"period\": 0}}", "argument 'period': must be an integer from 1 to 99"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"registrant\": \"reg\", "
		"\"period\": 100}}", "argument 'period': must be an integer from 1 to 99"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"registrant\": \"reg\", "
		"\"period\": \"100\"}}", "argument 'period': must be an integer from 1 to 99"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"registrant\": \"reg\", "
		"\"period\": \"-1\"}}", "argument 'period': must be an integer from 1 to 99"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"registrant\": \"reg\", "
		"\"period\": \" 2\"}}", "argument 'period': must be an integer from 1 to 99"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"registrant\": \"reg\", "
		"\"period\": \"2y\"}}", "argument 'period': must be an integer from 1 to 99"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"registrant\": \"reg\", "
		"\"period\": 2.0}}", "argument 'period': must be an integer from 1 to 99"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"registrant\": \"reg\", "
		"\"period\": true}}", "argument 'period': must be an integer from 1 to 99"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"registrant\": \"reg\", "
		"\"period\": 99999999999999999999999}}",
		"argument 'period': must be an integer from 1 to 99"},
	{DU "\"add_secdns\": {\"key_tag\": 65536, \"alg\": 8, \"digest_type\": 2, \"digest\": "
		"\"AB\"}}}", "argument 'add_secdns.key_tag': must be an integer from 0 to 65535"},
	{DU "\"add_secdns\": {\"key_tag\": \"test-key-123\", \"alg\": 8, \"digest_type\": 2, "
		"\"digest\": \"AB\"}}}",
		"argument 'add_secdns.key_tag': must be an integer from 0 to 65535"},
	{DU "\"add_secdns\": {\"key_tag\": 1, \"alg\": 256, \"digest_type\": 2, \"digest\": "
		"\"AB\"}}}", "argument 'add_secdns.alg': must be an integer from 0 to 255"},
	{DU "\"add_secdns\": {\"key_tag\": 1, \"alg\": 8, \"digest_type\": -1, \"digest\": "
		"\"AB\"}}}", "argument 'add_secdns.digest_type': must be an integer from 0 to 255"},
	{DU "\"rem_secdns\": [" DS("") ", " DS(", \"keydata_flags\": 65536, \"keydata_protocol\": "
		"3, \"keydata_alg\": 8, \"keydata_pubkey\": \"AQAB\"") "]}}",
		"argument 'rem_secdns[1].keydata_flags': must be an integer from 0 to 65535"},
	{DU "\"add_secdns\": " DS(", \"keydata_flags\": 1, \"keydata_protocol\": 256, "
		"\"keydata_alg\": 8, \"keydata_pubkey\": \"AQAB\"") "}}",
		"argument 'add_secdns.keydata_protocol': must be an integer from 0 to 255"},
	{DU "\"add_secdns\": " DS(", \"keydata_flags\": 1, \"keydata_protocol\": 3, "
		"\"keydata_alg\": 300, \"keydata_pubkey\": \"AQAB\"") "}}",
		"argument 'add_secdns.keydata_alg': must be an integer from 0 to 255"},
	{DU "\"change_secdns\": {\"max_sig_life\": 0}}}",
		"argument 'change_secdns.max_sig_life': must be an integer from 1 to 2147483647"},
	{DU "\"change_secdns\": {\"max_sig_life\": 2147483648}}}",
		"argument 'change_secdns.max_sig_life': must be an integer from 1 to 2147483647"},
	{"{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"a.tld\"], \"fee\": {\"period\": "
		"0}}}", "argument 'fee.period': must be an integer from 1 to 99"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"secdns\": " DS("")
		", \"max_sig_life\": 0}}", "argument 'max_sig_life': must be an integer from 1 to "
		"2147483647"},

	/* enumerations */
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"registrant\": \"reg\", "
		"\"period\": 1, \"period_units\": \"d\"}}",
		"argument 'period_units': must be one of: y, m"},
	{"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"a.tld\", \"op\": \"steal\"}}",
		"argument 'op': must be one of: request, query, approve, reject, cancel"},
	{"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"a.tld\", \"op\": \"Request\"}}",
		"argument 'op': must be one of: request, query, approve, reject, cancel"},
	{"{\"cmd\": \"contact_transfer\", \"args\": {\"contact\": \"c-1\", \"op\": \"take\"}}",
		"argument 'op': must be one of: request, query, approve, reject, cancel"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"1\", \"applied\": \"later\"}}}", "argument 'fee.applied': must be one of: immediate, "
		"delayed"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"disclose\": {\"flag\": 0, "
		"\"name\": \"both\"}}}", "argument 'disclose.name': must be one of: int, loc"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"disclose\": {\"flag\": 0, "
		"\"addr\": [\"int\", \"intl\"]}}}", "argument 'disclose.addr[1]': must be one of: int, "
		"loc"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a.tld\", \"hosts\": \"some\"}}",
		"argument 'hosts': must be one of: all, del, none, sub"},
	{DU "\"add_contacts\": [{\"type\": \"owner\", \"id\": \"abc\"}]}}",
		"argument 'add_contacts[0].type': must be one of: admin, billing, tech"},
	{DU "\"add_statuses\": [{\"name\": \"serverHoldd\"}]}}",
		"argument 'add_statuses[0].name': not a status the schema knows"},
	{DU "\"remove_statuses\": [\"linked\"]}}",
		"argument 'remove_statuses[0]': not a status the schema knows"},
	{"{\"cmd\": \"host_update\", \"args\": {\"name\": \"ns1.a.tld\", \"add_statuses\": "
		"[{\"name\": \"clientHold\"}]}}",
		"argument 'add_statuses[0].name': not a status the schema knows"},
	{"{\"cmd\": \"host_create\", \"args\": {\"name\": \"ns1.a.tld\", \"ip_address\": "
		"[{\"ip\": \"192.0.2.1\", \"version\": \"v5\"}]}}",
		"argument 'ip_address[0].version': must be one of: v4, v6"},
	{CC "\"contacts\": [{\"type\": \"intl\", \"name\": \"N\", \"address\": {\"city\": \"C\", "
		"\"cc\": \"US\"}}]}}", "argument 'contacts[0].type': must be one of: int, loc"},
	{"{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"a.tld\"], \"fee\": {\"command\": "
		"\"buy\"}}}", "argument 'fee.command': must be one of: create, delete, renew, update, "
		"transfer, restore"},
	{"{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"a.tld\"], \"fee\": {\"command\": "
		"[\"create\", \"custom\"]}}}", "argument 'fee.command[1]': must be one of: create, "
		"delete, renew, update, transfer, restore"},

	/* lengths and patterns */
	{"{\"cmd\": \"contact_info\", \"args\": {\"contact\": \"ab\"}}",
		"argument 'contact': must be 3 to 16 characters long"},
	{"{\"cmd\": \"contact_info\", \"args\": {\"contact\": \"abcdefghijklmnopq\"}}",
		"argument 'contact': must be 3 to 16 characters long"},
	{"{\"cmd\": \"contact_info\", \"args\": {\"contact\": \"abc\", \"auth_info\": \"\"}}",
		"argument 'auth_info': must not be empty"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"\"}}", "argument 'name': must not be empty"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \" a.tld\"}}",
		"argument 'name': must not have leading, trailing or repeated spaces"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a\\n.tld\"}}",
		"argument 'name': must not contain tabs or line breaks"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a\\u0001b\"}}",
		"argument 'name': character not allowed in XML at byte 1"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a\xff" "b\"}}",
		"argument 'name': invalid UTF-8 at byte 1"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"\\uffffx\"}}",
		"argument 'name': character not allowed in XML at byte 0"},
	/* domain and host names (common/idn.h; test_idn.c has the whole catalogue) */
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a b.tld\"}}",
		"argument 'name': label 'a b' holds a space; a label has letters, digits and "
		"hyphens only (RFC 5891 4.2.3)"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a..tld\"}}",
		"argument 'name': has an empty label"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a.tld.\"}}",
		"argument 'name': must not end with a dot (EPP names are written without the "
		"root's dot)"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"x\u2665y.tld\"}}",
		"argument 'name': label 'x\u2665y' holds U+2665, which IDNA2008 does not allow "
		"(RFC 5892)"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"xn--zz.tld\"}}",
		"argument 'name': label 'xn--zz' is not a valid A-label: it does not decode to a "
		"U-label that encodes back to it (RFC 5890 2.3.2.1, RFC 5891 5.4)"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"-a.tld\"}}",
		"argument 'name': label '-a' starts or ends with a hyphen (RFC 5891 4.2.3.1)"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": "
		"\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.tld\"}}",
		"argument 'name': label 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' "
		"is 64 octets long; a label has at most 63 (RFC 1035 2.3.4)"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"registrant\": \"reg\", "
		"\"nameservers\": [\"ns1.a.tld\", \"ns2.a.tld.\"]}}", "argument 'nameservers[1]': "
		"must not end with a dot (EPP names are written without the root's dot)"},
	{"{\"cmd\": \"host_check\", \"args\": {\"hosts\": [\"ns1.a.tld\", \"ns_2.a.tld\"]}}",
		"argument 'hosts[1]': label 'ns_2' holds '_'; a label has letters, digits and hyphens "
		"only (RFC 5891 4.2.3)"},
	{"{\"cmd\": \"host_update\", \"args\": {\"name\": \"ns1.a.tld\", \"new_name\": "
		"\"ns1.a\u05d0.tld\"}}", "argument 'new_name': label 'a\u05d0' breaks the bidi rule "
		"for right-to-left labels (RFC 5893)"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"USA\"}") "}}",
		"argument 'contacts[0].address.cc': must be 2 characters long"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"1A\"}") "}}",
		"argument 'contacts[0].address.cc': must be a two-letter country code"},
	{CC ADDR("{\"city\": \"\", \"cc\": \"US\"}") "}}",
		"argument 'contacts[0].address.city': must not be empty"},
	{CC ADDR("{\"city\": \"C\", \"pc\": \"12345678901234567\", \"cc\": \"US\"}") "}}",
		"argument 'contacts[0].address.pc': must be at most 16 characters long"},
	{CC ADDR("{\"street\": [\"1\", \"2\", \"3\", \"4\"], \"city\": \"C\", \"cc\": \"US\"}") "}}",
		"argument 'contacts[0].address.street': must hold 1 to 3 items"},
	{CC ADDR("{\"street\": [], \"city\": \"C\", \"cc\": \"US\"}") "}}",
		"argument 'contacts[0].address.street': must not be empty"},
	{CC "\"contacts\": [{\"type\": \"int\", \"name\": \"N\", \"address\": {\"city\": \"C\", "
		"\"cc\": \"US\"}}, {\"type\": \"int\", \"name\": \"N\", \"address\": {\"city\": \"C\", "
		"\"cc\": \"US\"}}]}}", "argument 'contacts[1].type': 'int' is given twice"},
	{"{\"cmd\": \"host_create\", \"args\": {\"name\": \"ns1.a.tld\", \"ip_address\": "
		"[{\"ip\": \"192.0.2.256\", \"version\": \"v4\"}]}}",
		"argument 'ip_address[0].ip': must be an IPv4 address"},
	{"{\"cmd\": \"host_create\", \"args\": {\"name\": \"ns1.a.tld\", \"ip_address\": "
		"[{\"ip\": \"2001:db8::1\", \"version\": \"v4\"}]}}",
		"argument 'ip_address[0].ip': must be an IPv4 address"},
	{"{\"cmd\": \"host_create\", \"args\": {\"name\": \"ns1.a.tld\", \"ip_address\": "
		"[{\"ip\": \"192.0.2.1\", \"version\": \"v6\"}]}}",
		"argument 'ip_address[0].ip': must be an IPv6 address"},
	{"{\"cmd\": \"host_update\", \"args\": {\"name\": \"ns1.a.tld\", \"add_ip_address\": "
		"[{\"ip\": \"::g\", \"version\": \"v6\"}]}}",
		"argument 'add_ip_address[0].ip': must be an IPv6 address"},
	{"{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"a.tld\", \"period\": 1, "
		"\"cur_exp_date\": \"2022-13-01\"}}", "argument 'cur_exp_date': must be a date YYYY-MM-DD"},
	{"{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"a.tld\", \"period\": 1, "
		"\"cur_exp_date\": \"2023-02-29\"}}", "argument 'cur_exp_date': must be a date YYYY-MM-DD"},
	{"{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"a.tld\", \"period\": 1, "
		"\"cur_exp_date\": \"2022-07-11 12:00:00\"}}",
		"argument 'cur_exp_date': must be a date YYYY-MM-DD"},
	{"{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"a.tld\", \"period\": 1, "
		"\"cur_exp_date\": \"2022-07-11T25:00:00Z\"}}",
		"argument 'cur_exp_date': must be a date YYYY-MM-DD"},
	{DU "\"rgp_restore_report\": {\"pre_data\": \"a\", \"post_data\": \"b\", \"del_time\": "
		"\"2020-01-01 10:00\", \"res_time\": \"2020-01-02\", \"res_reason\": \"r\", "
		"\"statement1\": \"s\"}}}", "argument 'rgp_restore_report.del_time': must be a "
		"date-time YYYY-MM-DDThh:mm:ss[.s][Z]"},
	{DU "\"rgp_restore\": 1, \"rgp_restore_report\": {}}}", "argument 'rgp_restore': cannot "
		"be combined with 'rgp_restore_report' (one restore operation per update)"},
	{DU "\"add_secdns\": " DS("") ", \"rem_secdns\": {\"key_tag\": 1, \"alg\": 8, "
		"\"digest_type\": 2, \"digest\": \"ABC\"}}}",
		"argument 'rem_secdns.digest': must be an even number of hex digits"},
	{DU "\"add_secdns\": {\"key_tag\": 1, \"alg\": 8, \"digest_type\": 2, \"digest\": "
		"\"XY\"}}}", "argument 'add_secdns.digest': must be an even number of hex digits"},
	{DU "\"add_secdns\": " DS(", \"keydata_flags\": 1, \"keydata_protocol\": 3, "
		"\"keydata_alg\": 8, \"keydata_pubkey\": \"AwEAAa==\"") "}}",
		"argument 'add_secdns.keydata_pubkey': must be base64"},
	{DU "\"add_secdns\": " DS(", \"keydata_flags\": 1, \"keydata_protocol\": 3, "
		"\"keydata_alg\": 8, \"keydata_pubkey\": \"AQ AB\"") "}}",
		"argument 'add_secdns.keydata_pubkey': must be base64"},
	{DU "\"add_secdns\": [" DS("") ", {\"keydata_flags\": 1, \"keydata_protocol\": 3, "
		"\"keydata_alg\": 8, \"keydata_pubkey\": \"AQAB\"}]}}",
		"argument 'add_secdns': cannot mix DS data and key data"},
	{"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"a.tld\", \"op\": \"approve\", "
		"\"period\": 1}}", "argument 'period': only allowed with op 'request'"},
	{"{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"a.tld\"], \"fee\": {\"currency\": "
		"\"usd\"}}}", "argument 'fee.currency': must be three capital letters (ISO 4217)"},
	{"{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"a.tld\"], \"fee\": {\"currency\": "
		"\"US\"}}}", "argument 'fee.currency': must be 3 characters long"},
	{"{\"cmd\": \"poll_ack\", \"args\": {\"msg_id\": \"\"}}", "argument 'msg_id': must not be empty"},

	/* fees (RFC 8748 section 5.2): amounts, currencies, attributes, where they go */
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"-1.00\"}}}", "argument 'fee.amount': must be a decimal amount such as \"10.00\" (digits "
		"with an optional fraction, at most 32 characters)"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"1e3\"}}}", "argument 'fee.amount': must be a decimal amount such as \"10.00\" (digits "
		"with an optional fraction, at most 32 characters)"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"10.\"}}}", "argument 'fee.amount': must be a decimal amount such as \"10.00\" (digits "
		"with an optional fraction, at most 32 characters)"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\" 10\"}}}", "argument 'fee.amount': must be a decimal amount such as \"10.00\" (digits "
		"with an optional fraction, at most 32 characters)"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"123456789012345678901234567890.12\"}}}", "argument 'fee.amount': must be a decimal "
		"amount such as \"10.00\" (digits with an optional fraction, at most 32 characters)"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"0.30000000000000004}}}", "argument 'fee.amount': must be an exact amount: a string such "
		"as \"10.00\", or a number without exponent of at most 15 significant digits"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"1e2}}}", "argument 'fee.amount': must be an exact amount: a string such as \"10.00\", or "
		"a number without exponent of at most 15 significant digits"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"1234567890123456}}}", "argument 'fee.amount': must be an exact amount: a string such as "
		"\"10.00\", or a number without exponent of at most 15 significant digits"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"-5}}}", "argument 'fee.amount': must not be negative"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"-0.5}}}", "argument 'fee.amount': must not be negative"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"1\", \"currency\": \"usd\"}}}", "argument 'fee.currency': must be three capital "
		"letters (ISO 4217)"},
	{"{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"a.tld\", \"cur_exp_date\": "
		"\"2022-01-01\", \"fee\": [{\"currency\": \"USD\", \"amount\": 1}, {\"amount\": 2}, "
		"{\"currency\": \"EUR\", \"amount\": 3}]}}", "argument 'fee[2].currency': differs from "
		"fee[0].currency (a command has one currency)"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"1\", \"grace_period\": \"P5D \"}}}", "argument 'fee.grace_period': must not have "
		"leading, trailing or repeated spaces"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"1\", \"grace_period\": \"5D\"}}}", "argument 'fee.grace_period': must be a duration "
		"such as \"P5D\" (XML Schema duration)"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"1\", \"grace_period\": \"PT\"}}}", "argument 'fee.grace_period': must be a duration "
		"such as \"P5D\" (XML Schema duration)"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"1\", \"grace_period\": \"P1D2Y\"}}}", "argument 'fee.grace_period': must be a "
		"duration such as \"P5D\" (XML Schema duration)"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"1\", \"grace_period\": \"P1.5D\"}}}", "argument 'fee.grace_period': must be a "
		"duration such as \"P5D\" (XML Schema duration)"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"1\", \"grace_period\": \"-P5D\"}}}", "argument 'fee.grace_period': must be a "
		"duration such as \"P5D\" (XML Schema duration)"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"1\", \"description\": \"\"}}}", "argument 'fee.description': must not be empty"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"fee\": {\"amount\": "
		"\"1\", \"refundable\": false, \"grace_period\": \"P5D\"}}}", "argument "
		"'fee.grace_period': not with 'refundable' false (a fee with a grace period is "
		"refundable)"},
	{"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"a.tld\", \"op\": \"approve\", "
		"\"fee\": {\"amount\": \"1\"}}}", "argument 'fee': only allowed with op 'request'"},

	/* secDNS at create, urgent, authInfo roid, contact extras */
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"max_sig_life\": 60}}",
		"argument 'max_sig_life': needs 'secdns' (a create carries maxSigLife with DS or key "
		"records only)"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"secdns\": []}}",
		"argument 'secdns': must not be empty"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"secdns\": [" DS("")
		", {\"keydata_flags\": 1, \"keydata_protocol\": 3, \"keydata_alg\": 8, "
		"\"keydata_pubkey\": \"AQAB\"}]}}", "argument 'secdns': cannot mix DS data and key data"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.tld\", \"secdns\": {\"all\": "
		"true}}}", "missing argument 'secdns.key_tag'"},
	{DU "\"secdns_urgent\": true}}", "argument 'secdns_urgent': needs 'add_secdns', "
		"'rem_secdns' or 'change_secdns'"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a.tld\", \"auth_info\": \"pw\", "
		"\"auth_info_roid\": \"S-\"}}", "argument 'auth_info_roid': must be 3 to 89 "
		"characters long"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a.tld\", \"auth_info\": \"pw\", "
		"\"auth_info_roid\": \"SH8013\"}}", "argument 'auth_info_roid': must be a repository "
		"object id (letters, digits or _, a hyphen, 1 to 8 more: \"SH8013-REP\")"},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a.tld\", \"auth_info\": \"pw\", "
		"\"auth_info_roid\": \"SH8013REP\"}}", "argument 'auth_info_roid': must be a repository "
		"object id (letters, digits or _, a hyphen, 1 to 8 more: \"SH8013-REP\")"},
	{"{\"cmd\": \"contact_info\", \"args\": {\"contact\": \"abc\", \"auth_info\": \"pw\", "
		"\"auth_info_roid\": \"SH-8013-REP\"}}", "argument 'auth_info_roid': must be a repository "
		"object id (letters, digits or _, a hyphen, 1 to 8 more: \"SH8013-REP\")"},
	{"{\"cmd\": \"contact_info\", \"args\": {\"contact\": \"abc\", \"auth_info\": \"pw\", "
		"\"auth_info_roid\": \"SH8013-REPOSITORY\"}}", "argument 'auth_info_roid': must be a "
		"repository object id (letters, digits or _, a hyphen, 1 to 8 more: \"SH8013-REP\")"},
	{"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"a.tld\", \"auth_info\": \"pw\", "
		"\"auth_info_roid\": \"SH.8013-REP\"}}", "argument 'auth_info_roid': must be a repository "
		"object id (letters, digits or _, a hyphen, 1 to 8 more: \"SH8013-REP\")"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"voice\": {\"number\": \"\", \"ext\": "
		"\"12\"}}}", "argument 'voice.ext': needs a number"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"fax\": {\"number\": \"+1.2\", \"ext\": "
		"\"\"}}}", "argument 'fax.ext': must not be empty"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"disclose\": {\"flag\": 1}}}",
		"argument 'disclose': must name at least one of name, org, addr, voice, fax, email"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"disclose\": {\"flag\": 1, "
		"\"voice\": false}}}", "argument 'disclose': must name at least one of name, org, addr, "
		"voice, fax, email"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"disclose\": {\"flag\": 1, "
		"\"org\": [\"loc\", \"loc\"]}}}", "argument 'disclose.org[1]': 'loc' is given twice"},
	{CC ADDR("{\"city\": \"C\", \"cc\": \"US\"}") ", \"disclose\": {\"flag\": 1, "
		"\"org\": [\"int\", \"loc\", \"int\"]}}}", "argument 'disclose.org': must hold 1 to 2 "
		"items"},
	{"{\"cmd\": \"poll_ack\", \"args\": {\"msg_id\": -1}}",
		"argument 'msg_id': must be an integer from 0 to 9223372036854775807"},
	/* Past INT64_MAX json-c keeps the number unsigned and reads it back as INT64_MAX:
	 * acking that message instead would act on another number than the caller's. */
	{"{\"cmd\": \"poll_ack\", \"args\": {\"msg_id\": 9223372036854775808}}",
		"argument 'msg_id': must be an integer from 0 to 9223372036854775807"},
	{"{\"cmd\": \"poll_ack\", \"args\": {\"msg_id\": 18446744073709551616}}",
		"argument 'msg_id': must be an integer from 0 to 9223372036854775807"},
};

static void
refusals_all(void)
{
	struct epp_request out;
	struct eg_err err;
	size_t i;

	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		err.code = EG_OK;
		err.msg[0] = '\0';
		if (ct_build(refusals[i].json, &out, &err) == 0) {
			tap_ok(0, "refused: %s", refusals[i].json);
			tap_diag("built %s", out.xml);
			epp_request_clear(&out);
			continue;
		}
		tap_ok(err.code == EG_EREQUEST && out.xml == NULL, "EG_EREQUEST: %s", refusals[i].msg);
		tap_is_str(err.msg, refusals[i].msg, "message for %s", refusals[i].json);
	}
}

/* ---- part 3: list caps ---------------------------------------------------------- */

/*
 * {"cmd": CMD, "args": {PRE "KEY": [ITEM x n] POST}}, where "%zu" in ITEM becomes
 * the item's index (items that must differ, like addresses).
 */
static char *
list_request(const char *cmd, const char *pre, const char *key, const char *item, size_t n,
    const char *post)
{
	size_t cap = strlen(cmd) + strlen(pre) + strlen(key) + strlen(post) + 64 +
	    n * (strlen(item) + 24);
	const char *mark = strstr(item, "%zu");
	char *s = malloc(cap);
	size_t used, i;

	if (s == NULL)
		return NULL;
	used = (size_t)snprintf(s, cap, "{\"cmd\": \"%s\", \"args\": {%s\"%s\": [", cmd, pre,
	    key);
	for (i = 0; i < n; i++) {
		if (mark != NULL)
			used += (size_t)snprintf(s + used, cap - used, "%s%.*s%zu%s", i ? ", " : "",
			    (int)(mark - item), item, i, mark + 3);
		else
			used += (size_t)snprintf(s + used, cap - used, "%s%s", i ? ", " : "", item);
	}
	snprintf(s + used, cap - used, "]%s}}", post);
	return s;
}

struct cap_case {
	const char *cmd, *pre, *key, *item, *post;
	size_t max;
	const char *msg_key;
};

static const struct cap_case caps[] = {
	{"domain_check", "", "domains", "\"d%zu.tld\"", "", 1000, "domains"},
	{"host_check", "", "hosts", "\"ns%zu.a.tld\"", "", 1000, "hosts"},
	{"contact_check", "", "contacts", "\"c-%zu\"", "", 1000, "contacts"},
	{"domain_create", "\"name\": \"a.tld\", \"registrant\": \"reg\", ", "nameservers",
		"\"ns%zu.a.tld\"", "", 64, "nameservers"},
	{"domain_update", "\"name\": \"a.tld\", ", "add_nameservers", "\"ns%zu.a.tld\"", "", 64,
		"add_nameservers"},
	{"domain_update", "\"name\": \"a.tld\", ", "remove_contacts",
		"{\"type\": \"tech\", \"id\": \"t-%zu\"}", "", 32, "remove_contacts"},
	{"domain_update", "\"name\": \"a.tld\", ", "add_statuses",
		"{\"name\": \"clientHold\", \"value\": \"%zu\"}", "", 11, "add_statuses"},
	{"host_update", "\"name\": \"ns1.a.tld\", ", "remove_statuses",
		"{\"name\": \"clientUpdateProhibited\", \"value\": \"%zu\"}", "", 7, "remove_statuses"},
	{"host_create", "\"name\": \"ns1.a.tld\", ", "ip_address",
		"{\"ip\": \"192.0.2.%zu\", \"version\": \"v4\"}", "", 64, "ip_address"},
	{"domain_update", "\"name\": \"a.tld\", ", "add_secdns",
		"{\"key_tag\": %zu, \"alg\": 8, \"digest_type\": 2, \"digest\": \"AB\"}", "", 32,
		"add_secdns"},
	{"contact_update", "\"id\": \"c-1\", ", "contacts",
		"{\"type\": \"int\", \"org\": \"o%zu\"}", "", 2, "contacts"},
	{"domain_renew", "\"name\": \"a.tld\", \"cur_exp_date\": \"2022-01-01\", ", "fee",
		"{\"amount\": \"%zu.00\"}", "", 16, "fee"},
};

static void
caps_all(void)
{
	struct epp_request out;
	struct eg_err err;
	char want[128];
	char *json;
	size_t i;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		const struct cap_case *c = &caps[i];

		/* At the cap it builds (the contacts case differs in type, so it is skipped). */
		if (strcmp(c->cmd, "contact_update") != 0) {
			json = list_request(c->cmd, c->pre, c->key, c->item, c->max, c->post);
			tap_ok(json != NULL && ct_build(json, &out, &err) == 0, "%s: %zu %s accepted",
			    c->cmd, c->max, c->key);
			if (json != NULL && out.xml != NULL)
				epp_request_clear(&out);
			free(json);
		}
		json = list_request(c->cmd, c->pre, c->key, c->item, c->max + 1, c->post);
		err.msg[0] = '\0';
		snprintf(want, sizeof(want), "argument '%s': must hold %d to %zu items", c->msg_key,
		    strcmp(c->key, "domains") == 0 || strcmp(c->key, "hosts") == 0 ||
		    strcmp(c->key, "add_secdns") == 0 || strcmp(c->key, "fee") == 0 ||
		    (strcmp(c->key, "contacts") == 0 && strcmp(c->cmd, "contact_check") == 0) ?
		    1 : 0, c->max);
		tap_ok(json != NULL && ct_build(json, &out, &err) == -1 && err.code == EG_EREQUEST,
		    "%s: %zu %s refused", c->cmd, c->max + 1, c->key);
		tap_is_str(err.msg, want, "%s: cap message", c->cmd);
		free(json);
	}
}

int
main(void)
{
	xmlInitParser();
	walk_all();
	refusals_all();
	caps_all();
	ct_cleanup();
	return tap_done();
}
