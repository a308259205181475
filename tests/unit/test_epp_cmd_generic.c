/* SPDX-License-Identifier: MIT */
/*
 * The generic `epp` command (README.md "Requests and replies": the reply convention, inverted)
 * and the raw `xml` command: documents that validate, their class and object,
 * clTRID handling, and every refusal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "cmdtest.h"
#include "tap.h"

#define NS_EPP "urn:ietf:params:xml:ns:epp-1.0"
#define NSD "\"@xmlns:domain\": \"urn:ietf:params:xml:ns:domain-1.0\""
#define NSS "\"@xmlns:secDNS\": \"urn:ietf:params:xml:ns:secDNS-1.1\""

struct ok_case {
	const char *what;
	const char *json;
	enum epp_class klass;
	const char *obj_type, *obj_id;
	const char *expect;        /* substring of the document, or NULL */
	int validate;
};

#define EPP(cmd) "{\"cmd\": \"epp\", \"args\": {\"command\": " cmd "}}"
#define RAW(doc) "{\"cmd\": \"xml\", \"args\": {\"xml\": \"" doc "\"}}"
#define EPPDOC(body) "<?xml version='1.0' encoding='UTF-8'?><epp xmlns='" NS_EPP "'>" body "</epp>"

static const struct ok_case oks[] = {
	{"epp: the README's example", EPP("{\"check\": {\"domain:check\": {" NSD ", \"domain:name\": "
		"[\"a.example\", \"b.example\"]}}}"), EPP_CLASS_QUERY, "", "",
		"<domain:name>a.example</domain:name><domain:name>b.example</domain:name>", 1},
	{"epp: attributes and #text", EPP("{\"info\": {\"domain:info\": {" NSD ", \"domain:name\": "
		"{\"@hosts\": \"none\", \"#text\": \"a.tld\"}, \"domain:authInfo\": {\"domain:pw\": "
		"{\"@roid\": \"D1-EX\", \"#text\": \"p&w\"}}}}}"), EPP_CLASS_QUERY, "", "",
		"<domain:pw roid=\"D1-EX\">p&amp;w</domain:pw>", 1},
	{"epp: create with an extension, keys in any order", EPP("{\"extension\": "
		"{\"secDNS:create\": {" NSS ", \"secDNS:maxSigLife\": 604800, \"secDNS:dsData\": "
		"{\"secDNS:keyTag\": 12345, \"secDNS:alg\": 8, \"secDNS:digestType\": 2, "
		"\"secDNS:digest\": \"ABCD\"}}}, \"create\": {\"domain:create\": {" NSD ", "
		"\"domain:name\": \"new.tld\", \"domain:period\": {\"@unit\": \"y\", \"#text\": 2}, "
		"\"domain:registrant\": \"reg-1\", \"domain:authInfo\": {\"domain:pw\": \"x\"}}}}"),
		EPP_CLASS_TRANSFORM, "domain", "new.tld", "</create><extension><secDNS:create", 1},
	{"epp: null gives an empty element", EPP("{\"update\": {\"domain:update\": {" NSD ", "
		"\"domain:name\": \"a.tld\", \"domain:chg\": {\"domain:authInfo\": {\"domain:null\": "
		"null}}}}}"), EPP_CLASS_TRANSFORM, "domain", "a.tld", "<domain:null/>", 1},
	{"epp: a default namespace", EPP("{\"check\": {\"check\": {\"@xmlns\": "
		"\"urn:ietf:params:xml:ns:host-1.0\", \"name\": [\"ns1.a.tld\", \"ns2.a.tld\"]}}}"),
		EPP_CLASS_QUERY, "", "", "<check xmlns=\"urn:ietf:params:xml:ns:host-1.0\">", 1},
	{"epp: booleans", EPP("{\"update\": {\"domain:update\": {" NSD ", \"domain:name\": "
		"\"a.tld\"}}, \"extension\": {\"secDNS:update\": {" NSS ", \"@urgent\": true, "
		"\"secDNS:rem\": {\"secDNS:all\": true}}}}"), EPP_CLASS_TRANSFORM, "domain", "a.tld",
		"<secDNS:update xmlns:secDNS=\"urn:ietf:params:xml:ns:secDNS-1.1\" urgent=\"true\">"
		"<secDNS:rem><secDNS:all>true</secDNS:all>", 1},
	{"epp: poll req", EPP("{\"poll\": {\"@op\": \"req\"}}"), EPP_CLASS_QUERY, "", "",
		"<poll op=\"req\"/>", 1},
	{"epp: poll ack", EPP("{\"poll\": {\"@op\": \"ack\", \"@msgID\": 42}}"),
		EPP_CLASS_TRANSFORM, "", "", "<poll op=\"ack\" msgID=\"42\"/>", 1},
	{"epp: transfer query", EPP("{\"transfer\": {\"@op\": \"query\", \"domain:transfer\": {"
		NSD ", \"domain:name\": \"a.tld\"}}}"), EPP_CLASS_QUERY, "", "", NULL, 1},
	{"epp: transfer request", EPP("{\"transfer\": {\"@op\": \"request\", \"domain:transfer\": "
		"{" NSD ", \"domain:name\": \" b.tld \"}}}"), EPP_CLASS_TRANSFORM, "domain", "b.tld",
		NULL, 1},
	{"epp: contact delete", EPP("{\"delete\": {\"contact:delete\": {\"@xmlns:contact\": "
		"\"urn:ietf:params:xml:ns:contact-1.0\", \"contact:id\": \"c-99\"}}}"),
		EPP_CLASS_TRANSFORM, "contact", "c-99", NULL, 1},
	{"epp: a prefix declared higher up", EPP("{\"renew\": {" NSD ", \"domain:renew\": {"
		"\"domain:name\": \"a.tld\", \"domain:curExpDate\": \"2024-01-01\"}}}"),
		EPP_CLASS_TRANSFORM, "domain", "a.tld", NULL, 1},
	{"epp: xml:lang needs no declaration", EPP("{\"update\": {\"domain:update\": {" NSD ", "
		"\"domain:name\": \"a.tld\", \"domain:add\": {\"domain:status\": {\"@s\": "
		"\"clientHold\", \"@lang\": \"de\", \"#text\": \"gesperrt\"}}}}}"),
		EPP_CLASS_TRANSFORM, "domain", "a.tld", "lang=\"de\">gesperrt<", 1},

	{"xml: clTRID added", RAW(EPPDOC("<command><check><domain:check xmlns:domain="
		"'urn:ietf:params:xml:ns:domain-1.0'><domain:name>a.tld</domain:name></domain:check>"
		"</check></command>")), EPP_CLASS_QUERY, "", "",
		"</check><clTRID>" CT_CLTRID "</clTRID></command>", 1},
	{"xml: clTRID kept", RAW(EPPDOC("<command><delete><domain:delete xmlns:domain="
		"'urn:ietf:params:xml:ns:domain-1.0'><domain:name>a.tld</domain:name>"
		"</domain:delete></delete><clTRID> OWN-77 </clTRID></command>")),
		EPP_CLASS_TRANSFORM, "domain", "a.tld", "<clTRID> OWN-77 </clTRID>", 1},
	{"xml: extension kept, clTRID after it", RAW(EPPDOC("<command><update><domain:update "
		"xmlns:domain='urn:ietf:params:xml:ns:domain-1.0'><domain:name>a.tld</domain:name>"
		"</domain:update></update><extension><rgp:update xmlns:rgp="
		"'urn:ietf:params:xml:ns:rgp-1.0'><rgp:restore op='request'/></rgp:update>"
		"</extension></command>")), EPP_CLASS_TRANSFORM, "domain", "a.tld",
		"</extension><clTRID>", 1},
	{"xml: a prefixed EPP namespace", RAW("<e:epp xmlns:e='" NS_EPP "'><e:command><e:poll "
		"op='req'/></e:command></e:epp>"), EPP_CLASS_QUERY, "", "",
		"<e:clTRID>" CT_CLTRID "</e:clTRID>", 1},
	{"xml: hello", RAW("<epp xmlns='" NS_EPP "'>\\n  <hello/>\\n</epp>"), EPP_CLASS_QUERY,
		"", "", "<hello/>", 1},
	{"xml: transfer query", RAW(EPPDOC("<command><transfer op='query'><domain:transfer "
		"xmlns:domain='urn:ietf:params:xml:ns:domain-1.0'><domain:name>a.tld</domain:name>"
		"</domain:transfer></transfer></command>")), EPP_CLASS_QUERY, "", "", NULL, 1},
	{"xml: poll ack", RAW(EPPDOC("<command><poll op='ack' msgID='7'/></command>")),
		EPP_CLASS_TRANSFORM, "", "", NULL, 1},
	{"xml: host create, comments and entities", RAW(EPPDOC("<!-- c --><command><create>"
		"<host:create xmlns:host='urn:ietf:params:xml:ns:host-1.0'><host:name>ns&#49;.a.tld"
		"</host:name></host:create></create></command>")), EPP_CLASS_TRANSFORM, "host",
		"ns1.a.tld", NULL, 1},
	{"xml: lower-case utf-8 declaration", RAW("<?xml version='1.0' encoding='utf-8'?><epp "
		"xmlns='" NS_EPP "'><command><info><domain:info xmlns:domain="
		"'urn:ietf:params:xml:ns:domain-1.0'><domain:name>\\u00e9.tld</domain:name>"
		"</domain:info></info></command></epp>"), EPP_CLASS_QUERY, "", "",
		"<domain:name>\xc3\xa9.tld</domain:name>", 1},
};

static void
positives(void)
{
	struct epp_request out;
	struct eg_err err;
	char why[1024];
	size_t i;

	for (i = 0; i < sizeof(oks) / sizeof(oks[0]); i++) {
		const struct ok_case *c = &oks[i];

		err.msg[0] = '\0';
		if (!tap_ok(ct_build(c->json, &out, &err) == 0, "%s: builds", c->what)) {
			tap_diag("%s", err.msg);
			continue;
		}
		if (c->validate && !tap_ok(ct_valid(out.xml, out.xml_len, why, sizeof(why)),
		    "%s: validates", c->what)) {
			tap_diag("%s", why);
			tap_diag("%s", out.xml);
		}
		tap_is_int(out.klass, c->klass, "%s: class", c->what);
		tap_is_str(out.obj_type, c->obj_type, "%s: object type", c->what);
		tap_is_str(out.obj_id, c->obj_id, "%s: object id", c->what);
		if (c->expect != NULL && !tap_ok(strstr(out.xml, c->expect) != NULL,
		    "%s: holds %s", c->what, c->expect))
			tap_diag("%s", out.xml);
		epp_request_clear(&out);
	}
}

static void
cltrids(void)
{
	struct epp_request out;
	struct eg_err err;
	xmlDocPtr doc;

	tap_ok(ct_build(RAW(EPPDOC("<command><poll op='req'/><clTRID>OWN-1</clTRID></command>")),
	    &out, &err) == 0, "raw with its own clTRID builds");
	tap_is_str(out.cltrid, "OWN-1", "its clTRID is reported");
	doc = out.xml ? ct_parse(out.xml, out.xml_len) : NULL;
	tap_is_int(doc ? ct_count(xmlDocGetRootElement(doc), NS_EPP, "clTRID") : -1, 1,
	    "and not doubled");
	if (doc != NULL)
		xmlFreeDoc(doc);
	epp_request_clear(&out);

	tap_ok(ct_build(RAW(EPPDOC("<command><poll op='req'/></command>")), &out, &err) == 0 &&
	    strcmp(out.cltrid, CT_CLTRID) == 0, "raw without clTRID gets the gate's");
	epp_request_clear(&out);
	tap_ok(ct_build(RAW(EPPDOC("<hello/>")), &out, &err) == 0 && out.cltrid[0] == '\0',
	    "raw hello has no clTRID");
	epp_request_clear(&out);
	tap_ok(ct_build(EPP("{\"poll\": {\"@op\": \"req\"}}"), &out, &err) == 0 &&
	    strcmp(out.cltrid, CT_CLTRID) == 0 && strstr(out.xml, "<clTRID>" CT_CLTRID
	    "</clTRID></command>") != NULL, "generic gets the gate's clTRID, last");
	epp_request_clear(&out);
}

struct bad_case {
	const char *json;
	const char *msg;        /* prefix of the message */
};

static const struct bad_case bads[] = {
	/* generic */
	{"{\"cmd\": \"epp\", \"args\": {\"command\": \"<check/>\"}}",
		"argument 'command': must be an object"},
	{EPP("{\"check\": {\"domain:check\": {\"domain:name\": \"a.tld\"}}}"),
		"argument 'command.check.domain:check': namespace prefix 'domain' is not declared"},
	{EPP("{\"check\": {\"domain:check\": {" NSD "}, \"domain:x\": null}}"),
		"argument 'command.check.domain:x': namespace prefix 'domain' is not declared"},
	{EPP("{\"info\": {\"domain:info\": {" NSD ", \"domain:name\": {\"@foo:bar\": \"1\"}}}}"),
		"argument 'command.info.domain:info.domain:name.@foo:bar': namespace prefix 'foo' is "
		"not declared"},
	{EPP("{\"check\": {\"a b\": 1}}"), "argument 'command.check.a b': 'a b' is not a valid "
		"XML name"},
	{EPP("{\"check\": {\"1abc\": 1}}"), "argument 'command.check.1abc': '1abc' is not a valid "
		"XML name"},
	{EPP("{\"check\": {\"a:b:c\": 1}}"), "argument 'command.check.a:b:c': 'a:b:c' is not a "
		"valid XML name"},
	{EPP("{\"check\": {\"x\": {\"@a<b\": 1}}}"), "argument 'command.check.x.@a<b': 'a<b' is "
		"not a valid XML name"},
	{EPP("{\"check\": {\"x\": {\"#tail\": \"t\"}}}"), "argument 'command.check.x.#tail': only "
		"'#text' may start with '#'"},
	{EPP("{\"check\": {\"x\": {\"@a\": {\"b\": 1}}}}"), "argument 'command.check.x.@a': must "
		"be a string, an integer or a boolean"},
	{EPP("{\"check\": {\"x\": {\"@a\": null}}}"), "argument 'command.check.x.@a': must be a "
		"string, an integer or a boolean"},
	{EPP("{\"check\": {\"x\": 1.5}}"), "argument 'command.check.x': must be a string, an "
		"integer or a boolean"},
	{EPP("{\"check\": {\"x\": [[1]]}}"), "argument 'command.check.x[0]': a list cannot hold "
		"a list"},
	{EPP("{\"check\": {\"x\": \"a\\u0001\"}}"), "argument 'command.check.x': character not "
		"allowed in XML"},
	{EPP("{\"check\": {\"x\": {\"@xmlns:xml\": \"urn:x\"}}}"), "argument 'command.check.x': "
		"'@xmlns:xml' cannot be declared"},
	{EPP("{\"check\": {\"x\": {\"@xmlns:p\": \"\"}}}"), "argument 'command.check.x': "
		"'@xmlns:p' must be a namespace URI"},
	{EPP("{\"check\": {\"x\": {\"@xmlns:p\": \"urn:a\\\"b\"}}}"), "argument 'command.check.x': "
		"'@xmlns:p' must be a namespace URI"},
	{EPP("{\"check\": {\"x\": {\"@xmlns:p\": 7}}}"), "argument 'command.check.x': "
		"'@xmlns:p' must be a namespace URI"},
	{EPP("{\"check\": {}, \"clTRID\": \"mine\"}"), "argument 'command.clTRID': the gate sets "
		"the clTRID"},
	{EPP("{\"login\": {\"clID\": \"x\"}}"), "argument 'command.login': the gate owns the "
		"session"},
	{EPP("{\"logout\": null}"), "argument 'command.logout': the gate owns the session"},
	{EPP("{\"hello\": null}"), "argument 'command.hello': not an EPP command element"},
	{EPP("{\"extension\": {}}"), "argument 'command': must hold a command element"},
	{EPP("{}"), "argument 'command': must hold a command element"},
	{EPP("{\"check\": {}, \"info\": {}}"), "argument 'command': must hold one command element, "
		"not both 'check' and 'info'"},
	{EPP("{\"check\": [{}, {}]}"), "argument 'command': must hold one command element"},
	{EPP("{\"check\": {\"@xmlns\": \"urn:other\"}}"), "argument 'command.check': must be in "
		"the EPP namespace"},

	/* raw */
	{"{\"cmd\": \"xml\", \"args\": {\"xml\": 5}}", "argument 'xml': must be a string"},
	{RAW(""), "argument 'xml': must not be empty"},
	{RAW("<epp"), "argument 'xml': line 1: "},
	{RAW("<epp xmlns='" NS_EPP "'><command></epp>"), "argument 'xml': line 1: "},
	{RAW(EPPDOC("<command><login><clID>x</clID></login></command>")), "argument 'xml': the "
		"gate owns the session"},
	{RAW(EPPDOC("<command><logout/></command>")), "argument 'xml': the gate owns the session"},
	{RAW("<epp><hello/></epp>"), "argument 'xml': must be an <epp> document in namespace"},
	{RAW("<hello xmlns='" NS_EPP "'/>"), "argument 'xml': must be an <epp> document"},
	{RAW(EPPDOC("<greeting/>")), "argument 'xml': <epp> must hold one <command> or <hello>"},
	{RAW(EPPDOC("<hello/><hello/>")), "argument 'xml': <epp> must hold one <command> or "
		"<hello>"},
	{RAW(EPPDOC("")), "argument 'xml': <epp> must hold one <command> or <hello>"},
	{RAW(EPPDOC("<hello>hi</hello>")), "argument 'xml': text inside <hello> is not allowed"},
	{RAW(EPPDOC("<command>text<poll op='req'/></command>")), "argument 'xml': text inside "
		"<command> is not allowed"},
	{RAW(EPPDOC("<command><foo/></command>")), "argument 'xml': <command> must start with"},
	{RAW(EPPDOC("<command/>")), "argument 'xml': <command> must start with"},
	{RAW(EPPDOC("<command><poll op='req'/><clTRID>abc</clTRID><extension/></command>")),
		"argument 'xml': <command> holds <extension> where only"},
	{RAW(EPPDOC("<command><poll op='req'/><poll op='req'/></command>")), "argument 'xml': "
		"<command> holds <poll> where only"},
	{RAW(EPPDOC("<command><poll op='req'/><clTRID>ab</clTRID></command>")), "argument 'xml': "
		"<clTRID> must be 3 to 64 printable"},
	{RAW(EPPDOC("<command><poll op='req'/><clTRID>a b c</clTRID></command>")), "argument "
		"'xml': <clTRID> must be 3 to 64 printable"},
	{RAW(EPPDOC("<command><poll op='req'/><clTRID>0123456789012345678901234567890123456789"
		"0123456789012345678901234</clTRID></command>")), "argument 'xml': <clTRID> must be "
		"3 to 64 characters"},
	{RAW("<?xml version='1.0' encoding='ISO-8859-1'?><epp xmlns='" NS_EPP "'><hello/></epp>"),
		"argument 'xml': must be UTF-8"},
	{RAW("<!DOCTYPE epp [<!ENTITY a 'x'>]><epp xmlns='" NS_EPP "'><command><check>&a;"
		"</check></command></epp>"), "argument 'xml': must not have a DOCTYPE"},
	{RAW("<!DOCTYPE epp SYSTEM 'file:///etc/passwd'><epp xmlns='" NS_EPP "'><hello/></epp>"),
		"argument 'xml': must not have a DOCTYPE"},
	{RAW(EPPDOC("<command><check><x:check xmlns:x='urn:a&lt;b'/></check></command>")),
		"argument 'xml': a namespace name holds characters a URI cannot have"},
};

static void
negatives(void)
{
	struct epp_request out;
	struct eg_err err;
	size_t i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		err.code = EG_OK;
		err.msg[0] = '\0';
		if (ct_build(bads[i].json, &out, &err) == 0) {
			tap_ok(0, "refused: %s", bads[i].json);
			tap_diag("built %s", out.xml);
			epp_request_clear(&out);
			continue;
		}
		if (!tap_ok(err.code == EG_EREQUEST && out.xml == NULL &&
		    strncmp(err.msg, bads[i].msg, strlen(bads[i].msg)) == 0, "refused: %s",
		    bads[i].msg))
			tap_diag("got %d: %s", err.code, err.msg);
	}
}

/* Nesting and size bounds of the generic command. */
static void
bounds(void)
{
	struct epp_request out;
	struct eg_err err;
	char json[2048];
	size_t used, i;

	/* 30 levels below <check> build; json-c refuses requests nested deeper than 64. */
	used = (size_t)snprintf(json, sizeof(json), "{\"cmd\": \"epp\", \"args\": {\"command\": "
	    "{\"check\": ");
	for (i = 0; i < 40; i++)
		used += (size_t)snprintf(json + used, sizeof(json) - used, "{\"a\": ");
	used += (size_t)snprintf(json + used, sizeof(json) - used, "null");
	for (i = 0; i < 40; i++)
		used += (size_t)snprintf(json + used, sizeof(json) - used, "}");
	snprintf(json + used, sizeof(json) - used, "}}}");
	tap_ok(ct_build(json, &out, &err) == -1 && strstr(err.msg, "nested deeper than 32") !=
	    NULL, "generic nesting is bounded (%s)", err.msg);

	{
		/* 10001 elements: the element cap, not the size of the request, refuses it. */
		size_t cap = 16 * 10001 + 128;
		char *big = malloc(cap);

		used = (size_t)snprintf(big, cap, "{\"cmd\": \"epp\", \"args\": {\"command\": "
		    "{\"check\": {\"a\": [");
		for (i = 0; i < 10001; i++)
			used += (size_t)snprintf(big + used, cap - used, "%snull", i ? "," : "");
		snprintf(big + used, cap - used, "]}}}}");
		tap_ok(ct_build(big, &out, &err) == -1 && strstr(err.msg, "more than 10000 elements")
		    != NULL, "generic element count is bounded (%s)", err.msg);
		free(big);
	}
}

int
main(void)
{
	xmlInitParser();
	positives();
	cltrids();
	negatives();
	bounds();
	ct_cleanup();
	return tap_done();
}
