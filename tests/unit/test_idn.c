/* SPDX-License-Identifier: MIT */
/*
 * Domain and host names as the gate sends them (common/idn.h): U-labels to
 * A-labels through libidn2 (IDNA2008, UTS #46 mapping), names refused with the
 * argument and the reason; then the same through every builder argument that
 * holds a name, the arguments that are not names left alone, and the names
 * epp-sim takes (A-labels only, as a registry).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "cmdtest.h"
#include "epp_args.h"
#include "idn.h"
#include "reg_model.h"
#include "tap.h"

/* ---- idn_to_ascii(): conversions -------------------------------------------- */

struct conv {
	const char *what;
	const char *in;
	const char *out;
};

static const struct conv conversions[] = {
	{"U-label", "münchen.example", "xn--mnchen-3ya.example"},
	{"UTS #46 maps case", "ÖBB.at", "xn--bb-eka.at"},
	{"A-label unchanged", "xn--mnchen-3ya.example", "xn--mnchen-3ya.example"},
	{"A-label in upper case: lower-cased", "XN--MNCHEN-3YA.EXAMPLE", "xn--mnchen-3ya.example"},
	{"ASCII lower-cased", "Example.COM", "example.com"},
	{"ASCII unchanged", "ns1.a-b.example", "ns1.a-b.example"},
	{"digits", "123.example", "123.example"},
	{"one label", "localhost", "localhost"},
	{"host name with a U-label", "ns1.bücher.example", "ns1.xn--bcher-kva.example"},
	{"nontransitional: sharp s kept", "faß.de", "xn--fa-hia.de"},
	{"nontransitional: final sigma kept", "ς.gr", "xn--3xa.gr"},
	{"ideographic full stop separates labels", "münchen\u3002example",
		"xn--mnchen-3ya.example"},
	{"fullwidth full stop separates labels", "münchen\uff0eexample",
		"xn--mnchen-3ya.example"},
	{"A-label and U-label mixed", "xn--mnchen-3ya.bücher.example",
		"xn--mnchen-3ya.xn--bcher-kva.example"},
	/* RFC 5893: a right-to-left label may end with a digit, not start with one. */
	{"bidi: Hebrew then a digit", "\u05d01.il", "xn--1-zhc.il"},
	{"bidi: Hebrew with geresh", "\u05d0\u05f3\u05d1.il", "xn--4dbc5h.il"},
	/* RFC 5892 A.1: ZWNJ between two dual-joining Arabic letters. */
	{"CONTEXTJ: ZWNJ in Arabic", "\u0628\u200c\u0628.ir", "xn--ngba799q.ir"},
	/* RFC 5892 A.3, A.7: the context rules that allow. */
	{"CONTEXTO: middle dot between two l", "l\u00b7l.cat", "xn--ll-0ea.cat"},
	{"CONTEXTO: katakana middle dot with katakana", "\u30a2\u30fb\u30a2.jp",
		"xn--ccka0y.jp"},
	{"CONTEXTO: keraia before Greek", "\u03b1\u0375\u03b2.gr", "xn--wva3je.gr"},
	/* Scripts mixed in a label are registry policy, not IDNA2008: sent as asked. */
	{"Latin with a Cyrillic a passes IDNA2008", "p\u0430ypal.example",
		"xn--pypal-4ve.example"},
	{"soft hyphen is ignored (UTS #46)", "a\u00adb.example", "ab.example"},
};

/* ---- idn_to_ascii(): refusals, with the whole reason ------------------------ */

#define HYPH "starts or ends with a hyphen (RFC 5891 4.2.3.1)"
#define LDH "; a label has letters, digits and hyphens only (RFC 5891 4.2.3)"
#define CTXO "holds a character outside the context RFC 5892 appendix A allows it in " \
	"(U+00B7 only between two 'l', U+30FB only with Japanese script, U+0375 only " \
	"before Greek...)"
#define BIDI "breaks the bidi rule for right-to-left labels (RFC 5893)"
#define BADA "is not a valid A-label: it does not decode to a U-label that encodes back " \
	"to it (RFC 5890 2.3.2.1, RFC 5891 5.4)"

static const struct conv refusals[] = {
	{"empty", "", "must not be empty"},
	{"empty label", "a..example", "has an empty label"},
	{"leading dot", ".example", "has an empty label"},
	{"final dot", "example.com.", "must not end with a dot (EPP names are written "
		"without the root's dot)"},
	{"final dot after a U-label", "münchen.de.", "must not end with a dot (EPP names are "
		"written without the root's dot)"},
	{"just a dot", ".", "must not end with a dot (EPP names are written without the "
		"root's dot)"},
	{"only ignored characters", "\u00ad.de", "has an empty label"},
	{"space", "a b.example", "label 'a b' holds a space" LDH},
	{"space next to a U-label", "ü b.example", "label 'ü b' holds a space" LDH},
	{"underscore", "_dmarc.example", "label '_dmarc' holds '_'" LDH},
	{"wildcard", "*.example", "label '*' holds '*'" LDH},
	{"DEL", "a\x7f" "b.example", "label 'a\x7f" "b' holds U+007F" LDH},
	{"no-break space maps to a space", "ü\u00a0b.example",
		"label 'ü\u00a0b' holds a code point that maps to one a host name cannot have "
		"(UTS #46)"},
	{"leading hyphen", "-a.example", "label '-a' " HYPH},
	{"trailing hyphen", "a-.example", "label 'a-' " HYPH},
	{"trailing hyphen in a U-label", "ü-.example", "label 'ü-' " HYPH},
	{"hyphens in positions 3 and 4", "ab--cd.example", "label 'ab--cd' has '--' in the "
		"third and fourth positions, which only A-labels ('xn--') may have "
		"(RFC 5891 4.2.3.1)"},
	{"hyphens in positions 3 and 4 next to a U-label", "ab--cd.münchen", "label 'ab--cd' "
		"has '--' in the third and fourth positions, which only A-labels ('xn--') may "
		"have (RFC 5891 4.2.3.1)"},
	{"malformed A-label", "xn--zz.example", "label 'xn--zz' " BADA},
	{"malformed A-label in upper case", "XN--ZZ.example", "label 'XN--ZZ' " BADA},
	{"malformed A-label next to a U-label", "münchen.xn--zz", "label 'xn--zz' " BADA},
	{"A-label of nothing", "xn--.example", "label 'xn--' " HYPH},
	{"A-label of a disallowed symbol", "xn--ls8h.example", "label 'xn--ls8h' holds a "
		"code point that IDNA2008 does not allow (RFC 5892)"},
	/* xn--ab-0ea is "a·b": lookup would take it, registration (RFC 5891 4.2) not. */
	{"A-label breaking a CONTEXTO rule", "xn--ab-0ea.example", "label 'xn--ab-0ea' " CTXO},
	{"disallowed code point", "x\u2665y.example",
		"label 'x\u2665y' holds U+2665, which IDNA2008 does not allow (RFC 5892)"},
	{"disallowed code point in the top label", "example.\u2665",
		"label '\u2665' holds U+2665, which IDNA2008 does not allow (RFC 5892)"},
	{"disallowed symbol (U+2603)", "snow\u2603.example",
		"label 'snow\u2603' holds U+2603, which IDNA2008 does not allow (RFC 5892)"},
	{"leading combining mark", "\u0301a.example", "label '\u0301a' starts with a "
		"combining mark (RFC 5891 4.2.3.2)"},
	{"CONTEXTJ: zero width joiner in Latin", "a\u200db.example", "label 'a\u200db' holds a "
		"zero width joiner or non-joiner where RFC 5892 (appendix A.1, A.2) does not "
		"allow one"},
	{"CONTEXTO: middle dot not between two l", "a\u00b7b.example", "label 'a\u00b7b' " CTXO},
	{"CONTEXTO: katakana middle dot with Latin", "a\u30fbb.jp", "label 'a\u30fbb' " CTXO},
	/* Scripts mixed where IDNA2008 itself refuses them. */
	{"mixed Greek and Latin (keraia before Latin)", "\u03b1\u0375a.gr",
		"label '\u03b1\u0375a' " CTXO},
	{"mixed Latin and Hebrew (bidi)", "a\u05d0.il", "label 'a\u05d0' " BIDI},
	{"bidi: right-to-left label starting with a digit", "1\u05d0.il", "label '1\u05d0' " BIDI},
	{"bidi: Hebrew with a Latin letter after", "\u05d0\u05f3a.il",
		"label '\u05d0\u05f3a' " BIDI},
	{"bidi: Arabic with a Latin letter", "\u0628a.example", "label '\u0628a' " BIDI},
};

static void
test_conversions(void)
{
	char out[IDN_NAME_MAX + 1];
	struct eg_err err;
	size_t i;

	for (i = 0; i < sizeof(conversions) / sizeof(conversions[0]); i++) {
		err.msg[0] = '\0';
		if (!tap_ok(idn_to_ascii(conversions[i].in, out, &err) == 0, "%s: converts",
		    conversions[i].what)) {
			tap_diag("%s", err.msg);
			continue;
		}
		tap_is_str(out, conversions[i].out, "%s: %s", conversions[i].what,
		    conversions[i].out);
	}
	for (i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		err.code = EG_OK;
		err.msg[0] = '\0';
		tap_ok(idn_to_ascii(refusals[i].in, out, &err) == -1 && err.code == EG_EREQUEST &&
		    out[0] == '\0', "%s: refused", refusals[i].what);
		tap_is_str(err.msg, refusals[i].out, "%s: message", refusals[i].what);
	}
}

/* ---- lengths: octets of the A-label form ------------------------------------ */

static char *
repeat(char *dst, char c, size_t n)
{
	memset(dst, c, n);
	dst[n] = '\0';
	return dst;
}

static void
test_lengths(void)
{
	char in[2048], out[IDN_NAME_MAX + 1], want[512], label[128];
	struct eg_err err;
	size_t i;

	/* Labels: 63 octets pass, 64 do not. */
	snprintf(in, sizeof(in), "%s.example", repeat(label, 'a', 63));
	tap_ok(idn_to_ascii(in, out, &err) == 0 && strcmp(out, in) == 0, "a 63-octet label passes");
	snprintf(in, sizeof(in), "%s.example", repeat(label, 'a', 64));
	tap_ok(idn_to_ascii(in, out, &err) == -1, "a 64-octet label is refused");
	snprintf(want, sizeof(want), "label '%s' is 64 octets long; a label has at most 63 "
	    "(RFC 1035 2.3.4)", label);
	tap_is_str(err.msg, want, "64-octet label: message");

	/* A U-label whose A-label has 63 octets, then 64: "ü" + 55 or 56 "a". */
	snprintf(in, sizeof(in), "ü%s.example", repeat(label, 'a', 55));
	tap_ok(idn_to_ascii(in, out, &err) == 0 && strlen(out) == 63 + strlen(".example") &&
	    strncmp(out, "xn--", 4) == 0, "a U-label of 63 octets as an A-label passes (%s)", out);
	snprintf(in, sizeof(in), "ü%s.example", repeat(label, 'a', 56));
	tap_ok(idn_to_ascii(in, out, &err) == -1, "a U-label of 64 octets as an A-label is refused");
	snprintf(want, sizeof(want), "label 'ü%s' is longer than 63 octets as an A-label "
	    "(RFC 5890 2.3.2.1)", label);
	tap_is_str(err.msg, want, "U-label too long: message");

	/* Names: 253 octets pass (63.63.63.61), 254 do not (63.63.63.62). */
	repeat(label, 'a', 63);
	snprintf(in, sizeof(in), "%s.%s.%s.", label, label, label);
	strcat(in, repeat(label, 'b', 61));
	tap_is_int((long long)strlen(in), 253, "the long name has 253 octets");
	tap_ok(idn_to_ascii(in, out, &err) == 0 && strcmp(out, in) == 0, "a 253-octet name passes");
	strcat(in, "b");
	tap_ok(idn_to_ascii(in, out, &err) == -1, "a 254-octet name is refused");
	tap_is_str(err.msg, "is 254 octets long; a name has at most 253 (RFC 1035 2.3.4)",
	    "254-octet name: message");

	/* 253 octets as A-labels from a shorter U-label text: counted after conversion. */
	snprintf(in, sizeof(in), "ü%s.", repeat(label, 'a', 55));
	for (i = 0; i < 2; i++) {
		strcat(in, repeat(label, 'a', 63));
		strcat(in, ".");
	}
	strcat(in, repeat(label, 'c', 59));
	strcat(in, ".b");
	tap_ok(idn_to_ascii(in, out, &err) == 0 && strlen(out) == 253,
	    "253 octets in A-label form pass (%zu bytes given)", strlen(in));
	strcat(in, "b");
	tap_ok(idn_to_ascii(in, out, &err) == -1, "254 octets in A-label form are refused");
	tap_is_str(err.msg, "is 254 octets long in A-label form; a name has at most 253 "
	    "(RFC 1035 2.3.4)", "254 octets in A-label form: message");

	/* Far too long: refused before any conversion. */
	repeat(in, 'a', 1500);
	tap_ok(idn_to_ascii(in, out, &err) == -1, "1500 bytes are refused");
	tap_is_str(err.msg, "is 1500 bytes long; a name has at most 253 octets (RFC 1035 2.3.4)",
	    "1500 bytes: message");
	/* A long quoted label is cut on a character boundary. */
	snprintf(in, sizeof(in), "%s\u2665.example", repeat(label, 'a', 100));
	tap_ok(idn_to_ascii(in, out, &err) == -1 && strstr(err.msg, "...'") != NULL &&
	    strlen(err.msg) < 250, "a long label is quoted in part (%s)", err.msg);
}

/* ---- through the builders ---------------------------------------------------- */

struct built {
	const char *what;
	const char *json;
	const char *expect;      /* a substring of the document */
	const char *object;      /* the first name recorded for the log, or NULL */
};

static const struct built builds[] = {
	{"domain_check domains", "{\"cmd\": \"domain_check\", \"args\": {\"domains\": "
		"[\"münchen.example\", \"Example.COM\"]}}",
		"<domain:name>xn--mnchen-3ya.example</domain:name><domain:name>example.com"
		"</domain:name>", "xn--mnchen-3ya.example"},
	{"domain_info name", "{\"cmd\": \"domain_info\", \"args\": {\"name\": \"münchen.example\"}}",
		">xn--mnchen-3ya.example</domain:name>", "xn--mnchen-3ya.example"},
	{"domain_create name and nameservers", "{\"cmd\": \"domain_create\", \"args\": {\"name\": "
		"\"bücher.example\", \"registrant\": \"reg-1\", \"nameservers\": [\"ns1.bücher.example\", "
		"\"NS2.Example.NET\"]}}", "<domain:name>xn--bcher-kva.example</domain:name><domain:ns>"
		"<domain:hostObj>ns1.xn--bcher-kva.example</domain:hostObj><domain:hostObj>"
		"ns2.example.net</domain:hostObj></domain:ns>", "xn--bcher-kva.example"},
	{"domain_renew name", "{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"ÖBB.at\", "
		"\"cur_exp_date\": \"2030-01-01\", \"period\": 1}}",
		"<domain:name>xn--bb-eka.at</domain:name>", "xn--bb-eka.at"},
	{"domain_update name and nameservers", "{\"cmd\": \"domain_update\", \"args\": {\"name\": "
		"\"münchen.example\", \"add_nameservers\": [\"ns.münchen.example\"], "
		"\"remove_nameservers\": [\"NS.EXAMPLE.NET\"]}}",
		"<domain:name>xn--mnchen-3ya.example</domain:name><domain:add><domain:ns>"
		"<domain:hostObj>ns.xn--mnchen-3ya.example</domain:hostObj></domain:ns></domain:add>"
		"<domain:rem><domain:ns><domain:hostObj>ns.example.net</domain:hostObj>",
		"xn--mnchen-3ya.example"},
	{"domain_delete name", "{\"cmd\": \"domain_delete\", \"args\": {\"name\": \"faß.de\"}}",
		"<domain:name>xn--fa-hia.de</domain:name>", "xn--fa-hia.de"},
	{"domain_transfer name", "{\"cmd\": \"domain_transfer\", \"args\": {\"name\": "
		"\"münchen.example\", \"op\": \"query\"}}",
		"<domain:name>xn--mnchen-3ya.example</domain:name>", "xn--mnchen-3ya.example"},
	{"host_check hosts", "{\"cmd\": \"host_check\", \"args\": {\"hosts\": "
		"[\"ns1.münchen.example\", \"NS2.example\"]}}", "<host:name>ns1.xn--mnchen-3ya.example"
		"</host:name><host:name>ns2.example</host:name>", "ns1.xn--mnchen-3ya.example"},
	{"host_info name", "{\"cmd\": \"host_info\", \"args\": {\"name\": \"ns1.münchen.example\"}}",
		"<host:name>ns1.xn--mnchen-3ya.example</host:name>", "ns1.xn--mnchen-3ya.example"},
	{"host_create name", "{\"cmd\": \"host_create\", \"args\": {\"name\": \"ns1.münchen.example\", "
		"\"ip_address\": [{\"ip\": \"192.0.2.1\", \"version\": \"v4\"}]}}",
		"<host:name>ns1.xn--mnchen-3ya.example</host:name>", "ns1.xn--mnchen-3ya.example"},
	{"host_update name and new_name", "{\"cmd\": \"host_update\", \"args\": {\"name\": "
		"\"ns1.münchen.example\", \"new_name\": \"ns2.münchen.example\"}}",
		"<host:name>ns1.xn--mnchen-3ya.example</host:name><host:chg><host:name>"
		"ns2.xn--mnchen-3ya.example</host:name></host:chg>", "ns1.xn--mnchen-3ya.example"},
	{"host_delete name", "{\"cmd\": \"host_delete\", \"args\": {\"name\": \"NS1.Example\"}}",
		"<host:name>ns1.example</host:name>", "ns1.example"},
	/* Not names: left as given. */
	{"auth_info is not a name", "{\"cmd\": \"domain_info\", \"args\": {\"name\": \"a.example\", "
		"\"auth_info\": \"München Pw\"}}", "<domain:pw>München Pw</domain:pw>", "a.example"},
	{"contact ids are not names", "{\"cmd\": \"domain_create\", \"args\": {\"name\": "
		"\"a.example\", \"registrant\": \"Reg-Ü1\", \"contacts\": {\"admin\": \"ADM-1\"}}}",
		"<domain:registrant>Reg-Ü1</domain:registrant><domain:contact type=\"admin\">ADM-1"
		"</domain:contact>", "a.example"},
	{"status text is not a name", "{\"cmd\": \"host_update\", \"args\": {\"name\": \"ns1.example\", "
		"\"add_statuses\": [{\"name\": \"clientUpdateProhibited\", \"value\": \"Für Ü\"}]}}",
		">Für Ü</host:status>", "ns1.example"},
	/* The generic and raw commands carry what the caller wrote. */
	{"epp: sent as written", "{\"cmd\": \"epp\", \"args\": {\"command\": {\"info\": "
		"{\"domain:info\": {\"@xmlns:domain\": \"urn:ietf:params:xml:ns:domain-1.0\", "
		"\"domain:name\": \"münchen.example\"}}}}}", "<domain:name>münchen.example</domain:name>",
		NULL},
	{"xml: sent as written", "{\"cmd\": \"xml\", \"args\": {\"xml\": \"<epp xmlns='urn:ietf:"
		"params:xml:ns:epp-1.0'><command><info><domain:info xmlns:domain='urn:ietf:params:xml:"
		"ns:domain-1.0'><domain:name>München.example</domain:name></domain:info></info>"
		"</command></epp>\"}}", "<domain:name>München.example</domain:name>", NULL},
};

static void
test_builders(void)
{
	struct epp_request out;
	struct eg_err err;
	char why[1024];
	size_t i;

	for (i = 0; i < sizeof(builds) / sizeof(builds[0]); i++) {
		err.msg[0] = '\0';
		if (!tap_ok(ct_build(builds[i].json, &out, &err) == 0, "%s: builds", builds[i].what)) {
			tap_diag("%s", err.msg);
			continue;
		}
		if (!tap_ok(strstr(out.xml, builds[i].expect) != NULL, "%s: %s", builds[i].what,
		    builds[i].expect))
			tap_diag("%s", out.xml);
		if (builds[i].object != NULL) {
			tap_ok(out.objects.n >= 1 && strcmp(out.objects.buf, builds[i].object) == 0,
			    "%s: logged as %s", builds[i].what, builds[i].object);
			if (!tap_ok(ct_valid(out.xml, out.xml_len, why, sizeof(why)),
			    "%s: validates", builds[i].what))
				tap_diag("%s", why);
		}
		epp_request_clear(&out);
	}
	/* The journal's target is the name sent. */
	tap_ok(ct_build("{\"cmd\": \"domain_delete\", \"args\": {\"name\": \"münchen.example\"}}",
	    &out, &err) == 0 && strcmp(out.obj_id, "xn--mnchen-3ya.example") == 0 &&
	    strcmp(out.obj_type, "domain") == 0, "domain_delete: the journal's target is the A-label");
	epp_request_clear(&out);
	tap_ok(ct_build("{\"cmd\": \"host_update\", \"args\": {\"name\": \"NS1.Bücher.example\"}}",
	    &out, &err) == 0 && strcmp(out.obj_id, "ns1.xn--bcher-kva.example") == 0,
	    "host_update: the journal's target is the A-label");
	epp_request_clear(&out);
}

/* Every name argument refuses a bad name, naming itself; nothing is built. */
struct named_refusal {
	const char *json;
	const char *msg;
};

#define SP "holds a space" LDH
static const struct named_refusal named[] = {
	{"{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"a.example\", \"b c.example\"]}}",
		"argument 'domains[1]': label 'b c' " SP},
	{"{\"cmd\": \"domain_info\", \"args\": {\"name\": \"b c.example\"}}",
		"argument 'name': label 'b c' " SP},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.example\", \"registrant\": \"reg\", "
		"\"nameservers\": [\"ns1.example\", \"ns\u2665.example\"]}}",
		"argument 'nameservers[1]': label 'ns\u2665' holds U+2665, which IDNA2008 does not "
		"allow (RFC 5892)"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a..example\", \"registrant\": \"reg\"}}",
		"argument 'name': has an empty label"},
	{"{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"a.example.\", \"cur_exp_date\": "
		"\"2030-01-01\", \"period\": 1}}", "argument 'name': must not end with a dot (EPP "
		"names are written without the root's dot)"},
	{"{\"cmd\": \"domain_update\", \"args\": {\"name\": \"a.example\", \"add_nameservers\": "
		"[\"-ns.example\"]}}", "argument 'add_nameservers[0]': label '-ns' " HYPH},
	{"{\"cmd\": \"domain_update\", \"args\": {\"name\": \"a.example\", \"remove_nameservers\": "
		"[\"xn--zz.example\"]}}", "argument 'remove_nameservers[0]': label 'xn--zz' " BADA},
	{"{\"cmd\": \"domain_delete\", \"args\": {\"name\": \"a_b.example\"}}",
		"argument 'name': label 'a_b' holds '_'" LDH},
	{"{\"cmd\": \"domain_transfer\", \"args\": {\"name\": \"a\u05d0.example\"}}",
		"argument 'name': label 'a\u05d0' " BIDI},
	{"{\"cmd\": \"host_check\", \"args\": {\"hosts\": [\"ns1.example\", \"ns2.example\", "
		"\"ns3 .example\"]}}", "argument 'hosts[2]': label 'ns3 ' " SP},
	{"{\"cmd\": \"host_info\", \"args\": {\"name\": \"ab--c.example\"}}",
		"argument 'name': label 'ab--c' has '--' in the third and fourth positions, which "
		"only A-labels ('xn--') may have (RFC 5891 4.2.3.1)"},
	{"{\"cmd\": \"host_create\", \"args\": {\"name\": \"ns1.a\u00b7b.example\"}}",
		"argument 'name': label 'a\u00b7b' " CTXO},
	{"{\"cmd\": \"host_update\", \"args\": {\"name\": \"ns1.example\", \"new_name\": "
		"\"ns 2.example\"}}", "argument 'new_name': label 'ns 2' " SP},
	{"{\"cmd\": \"host_delete\", \"args\": {\"name\": \"\"}}", "argument 'name': must not be empty"},
	{"{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"a.example\", 7]}}",
		"argument 'domains': must be a list of strings"},
	{"{\"cmd\": \"domain_create\", \"args\": {\"name\": \"a.example\", \"registrant\": \"reg\", "
		"\"nameservers\": \"ns1.example\"}}", "argument 'nameservers': must be a list of strings"},
};

static void
test_named(void)
{
	struct epp_request out;
	struct eg_err err;
	size_t i;

	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		err.code = EG_OK;
		err.msg[0] = '\0';
		memset(&out, 0, sizeof(out));
		tap_ok(ct_build(named[i].json, &out, &err) == -1 && err.code == EG_EREQUEST &&
		    out.xml == NULL, "refused, nothing built: %s", named[i].json);
		tap_is_str(err.msg, named[i].msg, "message for %s", named[i].json);
		if (out.xml != NULL)
			epp_request_clear(&out);
	}
}

/* The getters themselves, on values in hand. */
static void
test_getters(void)
{
	char buf[EA_NAME_BUF];
	json_object *o = json_tokener_parse("{\"n\": \"B\u00fccher.example\", \"l\": "
	    "[\"a.example\", \"\u00fc.example\"], \"bad\": 5}");
	json_object *list;
	const char *name;
	struct eg_err err;
	size_t n;

	tap_ok(ea_name(o, NULL, "n", 1, buf, &name, &err) == 0 && name == buf &&
	    strcmp(buf, "xn--bcher-kva.example") == 0, "ea_name converts into the caller's buffer");
	tap_ok(ea_name(o, "ctx", "absent", 0, buf, &name, &err) == 0 && name == NULL,
	    "ea_name: not given, not required: NULL");
	tap_ok(ea_name(o, "ctx", "absent", 1, buf, &name, &err) == -1 &&
	    strcmp(err.msg, "missing argument 'ctx.absent'") == 0, "ea_name: required and missing");
	tap_ok(ea_name(o, NULL, "bad", 1, buf, &name, &err) == -1 &&
	    strcmp(err.msg, "argument 'bad': must be a string") == 0, "ea_name: not a string");
	tap_ok(ea_namelist(o, NULL, "l", 1, 1, 2, &list, &n, &err) == 0 && n == 2 &&
	    ea_name_at(list, NULL, "l", 1, buf, &err) == 0 && strcmp(buf, "xn--tda.example") == 0,
	    "ea_namelist and ea_name_at");
	tap_ok(ea_namelist(o, NULL, "l", 1, 1, 1, &list, &n, &err) == -1 &&
	    strcmp(err.msg, "argument 'l': must hold 1 to 1 items") == 0, "ea_namelist: cap");
	json_object_put(o);
}

/* ---- idn_label_ok(): what epp-sim takes ------------------------------------- */

static void
test_label_ok(void)
{
	static const struct {
		const char *label;
		int ok;
	} cases[] = {
		{"example", 1}, {"a", 1}, {"a-b", 1}, {"0", 1}, {"xn--mnchen-3ya", 1},
		{"xn--bb-eka", 1}, {"", 0}, {"-a", 0}, {"a-", 0}, {"ab--c", 0}, {"xn--zz", 0},
		{"xn--ab-0ea", 0}, {"Example", 0}, {"a b", 0}, {"a_b", 0}, {"m\xc3\xbcnchen", 0},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 1},
		{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0},
	};
	static const struct {
		const char *name;
		const char *key;      /* NULL: refused */
	} names[] = {
		{"XN--MNCHEN-3YA.Example", "xn--mnchen-3ya.example"},
		{"ns1.xn--bcher-kva.example", "ns1.xn--bcher-kva.example"},
		{"m\xc3\xbcnchen.example", NULL},       /* a U-label is not a name on the wire */
		{"xn--zz.example", NULL},
		{"ab--cd.example", NULL},
		{"a-.example", NULL},
		{"a..example", NULL},
		{"localhost", NULL},                    /* the registry wants two labels */
	};
	char key[256];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tap_is_int(idn_label_ok(cases[i].label, strlen(cases[i].label)), cases[i].ok,
		    "idn_label_ok('%s')", cases[i].label);
	/* epp-sim's names (sim/reg_store.c): A-labels only, as a registry takes them. */
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		rc = reg_name_norm(names[i].name, key, sizeof(key));
		if (names[i].key == NULL)
			tap_is_int(rc, -1, "epp-sim refuses '%s'", names[i].name);
		else
			tap_ok(rc == 0 && strcmp(key, names[i].key) == 0, "epp-sim takes '%s' as %s",
			    names[i].name, names[i].key);
	}
}

int
main(void)
{
	xmlInitParser();
	test_conversions();
	test_lengths();
	test_builders();
	test_named();
	test_getters();
	test_label_ok();
	ct_cleanup();
	return tap_done();
}
