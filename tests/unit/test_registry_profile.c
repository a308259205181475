/* SPDX-License-Identifier: MIT */
/*
 * Reading greetings and negotiating the login (common/epp_resp.h, gate/registry_profile.h)
 * as pure functions: announced URIs as registries write them, the services they name,
 * the choice of version, lang, objURIs and extURIs for every greeting in
 * tests/data/greetings (with what each one must give), the configuration's restrictions,
 * the check of typed commands against a login, the fee extension in use, the shared
 * profile; and the classification of failed opens (gate/session.h) with what to fix.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "epp_cmd.h"
#include "epp_resp.h"
#include "registry_profile.h"
#include "session.h"
#include "tap.h"
#include "xml2json.h"

/* ---- URIs ------------------------------------------------------------------ */

static void
test_tokens(void)
{
	char out[64];

	tap_is_int((long long)epp_uri_token("urn:ietf:params:xml:ns:domain-1.0 domain-1.0.xsd",
	    out, sizeof(out)), 33, "a URI schemaLocation pair: the URI's length");
	tap_is_str(out, "urn:ietf:params:xml:ns:domain-1.0", "the URI, without the location");
	epp_uri_token("\n\t  urn:ietf:params:xml:ns:fee-0.23   fee-0.23.xsd\n ", out, sizeof(out));
	tap_is_str(out, "urn:ietf:params:xml:ns:fee-0.23", "whitespace around and between");
	tap_is_int((long long)epp_uri_token("   \n", out, sizeof(out)), 0, "blank: no URI");
	tap_is_str(out, "", "blank: out is empty");
	tap_is_int((long long)epp_uri_token(NULL, out, sizeof(out)), 0, "NULL: no URI");
	tap_is_int((long long)epp_uri_token("urn:ietf:params:xml:ns:domain-1.0", out, 10), 0,
	    "a URI that does not fit is not cut short");
}

static void
test_services(void)
{
	static const struct {
		const char *uri;
		enum epp_svc svc;
		const char *version;
	} cases[] = {
		{"urn:ietf:params:xml:ns:domain-1.0", EPP_SVC_DOMAIN, "1.0"},
		{"urn:ietf:params:xml:ns:domain", EPP_SVC_DOMAIN, ""},
		{"urn:ietf:params:xml:ns:epp:domain-1.0", EPP_SVC_DOMAIN, "1.0"},
		{"URN:IETF:PARAMS:XML:NS:contact-1.0", EPP_SVC_CONTACT, "1.0"},
		{"urn:ietf:params:xml:ns:host", EPP_SVC_HOST, ""},
		{"urn:ietf:params:xml:ns:secDNS-1.1", EPP_SVC_SECDNS, "1.1"},
		{"urn:ietf:params:xml:ns:secDNS-1.0", EPP_SVC_SECDNS, "1.0"},
		{"urn:ietf:params:xml:ns:rgp", EPP_SVC_RGP, ""},
		{"urn:ietf:params:xml:ns:fee-0.23", EPP_SVC_FEE, "0.23"},
		{"urn:ietf:params:xml:ns:epp:fee-1.0", EPP_SVC_FEE, "1.0"},
		{"urn:ietf:params:xml:ns:fee-1.0", EPP_SVC_FEE, "1.0"},
		{"urn:ietf:params:xml:ns:obj1", EPP_SVC_OTHER, ""},
		{"urn:ietf:params:xml:ns:domainx-1.0", EPP_SVC_OTHER, ""},
		{"urn:ietf:params:xml:ns:domain-1.0.xsd", EPP_SVC_OTHER, ""},
		{"urn:ietf:params:xml:ns:domain-", EPP_SVC_OTHER, ""},
		{"urn:ietf:params:xml:ns:epp:org-1.0", EPP_SVC_OTHER, ""},
		{"https://epp.tld.example/schema/domain-eis-1.0.xsd", EPP_SVC_OTHER, ""},
		{"domain-1.0", EPP_SVC_OTHER, ""},
	};
	char v[32];
	size_t i;
	enum epp_svc s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = epp_uri_service(cases[i].uri, v, sizeof(v));
		tap_ok(s == cases[i].svc && strcmp(v, cases[i].version) == 0,
		    "%s: %s version \"%s\" (got %s \"%s\")", cases[i].uri,
		    cases[i].svc ? epp_svc_name(cases[i].svc) : "other", cases[i].version,
		    s ? epp_svc_name(s) : "other", v);
	}
	tap_ok(epp_uri_covers("urn:ietf:params:xml:ns:domain",
	    "urn:ietf:params:xml:ns:domain-1.0"), "a versionless announcement covers 1.0");
	tap_ok(epp_uri_covers("urn:ietf:params:xml:ns:epp:domain-1.0",
	    "urn:ietf:params:xml:ns:domain-1.0"), "the epp: spelling covers the RFC's");
	tap_ok(epp_uri_covers("urn:ietf:params:xml:ns:fee-1.0",
	    "urn:ietf:params:xml:ns:epp:fee-1.0"), "fee-1.0 covers epp:fee-1.0");
	tap_ok(!epp_uri_covers("urn:ietf:params:xml:ns:fee-0.23",
	    "urn:ietf:params:xml:ns:epp:fee-1.0"), "fee-0.23 does not cover fee 1.0");
	tap_ok(!epp_uri_covers("urn:ietf:params:xml:ns:secDNS-1.0",
	    "urn:ietf:params:xml:ns:secDNS-1.1"), "secDNS-1.0 does not cover 1.1");
	tap_ok(!epp_uri_covers("urn:ietf:params:xml:ns:domain-1.0",
	    "urn:ietf:params:xml:ns:domain"), "a version does not cover a versionless use");
	tap_ok(epp_uri_covers("http://custom.example/obj1ext-1.0",
	    "http://custom.example/obj1ext-1.0"), "any URI covers itself");
	tap_ok(!epp_uri_covers("urn:ietf:params:xml:ns:obj1", "urn:ietf:params:xml:ns:obj2"),
	    "unknown URIs only themselves");
	tap_ok(epp_version_cmp("0.23", "1.0") < 0 && epp_version_cmp("1.0", "0.23") > 0 &&
	    epp_version_cmp("0.5", "0.23") < 0 && epp_version_cmp("1.0", "1.0") == 0 &&
	    epp_version_cmp("", "0.1") < 0 && epp_version_cmp("1.0", "1") > 0 &&
	    epp_version_cmp("1.x", "1.y") < 0, "versions compare as numbers");
}

/* ---- greetings ------------------------------------------------------------- */

/* The greeting in tests/data/greetings/NAME, converted; NULL when it cannot be read. */
static json_object *
load(const char *name)
{
	char rel[300], *xml;
	size_t len;
	json_object *o;
	struct eg_err e;

	snprintf(rel, sizeof(rel), "greetings/%s", name);
	if ((xml = tap_slurp(tap_data(rel), &len)) == NULL)
		return NULL;
	o = x2j_convert(xml, len, NULL, &e);
	if (o == NULL)
		tap_diag("%s: %s", name, e.msg);
	free(xml);
	return o;
}

static int
negotiate(const char *name, const struct cfg_epp *c, struct rp_login *l, struct eg_err *e)
{
	struct epp_greeting g;
	json_object *o = load(name);
	int r = -1;

	if (o != NULL && epp_resp_greeting(o, &g) == 0)
		r = rp_negotiate(&g, c, l, e);
	else
		eg_err_set(e, EG_EPROTO, "%s: not a greeting", name);
	json_object_put(o);
	return r;
}

static void
plain_cfg(struct cfg_epp *c)
{
	struct gate_config g;

	gate_config_defaults(&g);
	*c = g.epp;
}

struct expect {
	const char *file;
	const char *version, *lang;
	const char *objs, *exts;
	const char *note;          /* a substring of the notes; NULL: no notes */
	const char *fee;           /* rp_fee_uri; "" none */
};

static const struct expect expected[] = {
	{"schemalocation-pairs.xml", "1.0", "en",
	    "urn:ietf:params:xml:ns:domain-1.0 urn:ietf:params:xml:ns:contact-1.0 "
	    "urn:ietf:params:xml:ns:host-1.0",
	    "urn:ietf:params:xml:ns:secDNS-1.1 urn:ietf:params:xml:ns:rgp-1.0 "
	    "urn:ietf:params:xml:ns:fee-0.23", NULL, "urn:ietf:params:xml:ns:fee-0.23"},
	{"versionless.xml", "1.0", "en",
	    "urn:ietf:params:xml:ns:domain urn:ietf:params:xml:ns:contact "
	    "urn:ietf:params:xml:ns:host", "urn:ietf:params:xml:ns:rgp", NULL, ""},
	{"epp-namespace.xml", "1.0", "en",
	    "urn:ietf:params:xml:ns:epp:domain-1.0 urn:ietf:params:xml:ns:epp:host-1.0",
	    "urn:ietf:params:xml:ns:fee-1.0 urn:ietf:params:xml:ns:epp:fee-1.0 "
	    "urn:ietf:params:xml:ns:epp:secDNS-1.1", NULL, "urn:ietf:params:xml:ns:epp:fee-1.0"},
	{"rfc5730-objects.xml", "1.0", "en",
	    "urn:ietf:params:xml:ns:obj1 urn:ietf:params:xml:ns:obj2 urn:ietf:params:xml:ns:obj3",
	    "http://custom.example/obj1ext-1.0",
	    "the registry offers none of the object services the typed commands use", ""},
	{"big-registry.xml", "1.0", "en",
	    "urn:ietf:params:xml:ns:domain-1.0 urn:ietf:params:xml:ns:contact-1.0 "
	    "urn:ietf:params:xml:ns:host-1.0 urn:ietf:params:xml:ns:epp:org-1.0",
	    "urn:ietf:params:xml:ns:secDNS-1.1 urn:ietf:params:xml:ns:rgp-1.0 "
	    "urn:ietf:params:xml:ns:launch-1.0 urn:ietf:params:xml:ns:idn-1.0 "
	    "urn:ietf:params:xml:ns:fee-0.23 urn:ietf:params:xml:ns:epp:fee-1.0 "
	    "urn:ietf:params:xml:ns:allocationToken-1.0 urn:ietf:params:xml:ns:changePoll-1.0 "
	    "urn:ietf:params:xml:ns:epp:orgext-1.0 urn:ietf:params:xml:ns:epp:ttl-1.0 "
	    "urn:ietf:params:xml:ns:epp:maintenance-1.0 "
	    "urn:ietf:params:xml:ns:epp:secure-authinfo-transfer-1.0 "
	    "urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0 "
	    "urn:ietf:params:xml:ns:verificationCode-1.0 "
	    "https://epp.big-registry.example/schema/registrar-ext-2.1 "
	    "https://epp.big-registry.example/schema/premium-1.0",
	    "object services without typed commands (only the epp and xml commands can use "
	    "them): urn:ietf:params:xml:ns:epp:org-1.0", "urn:ietf:params:xml:ns:epp:fee-1.0"},
	{"lang-fr-only.xml", "1.0", "fr",
	    "urn:ietf:params:xml:ns:domain-1.0 urn:ietf:params:xml:ns:contact-1.0 "
	    "urn:ietf:params:xml:ns:host-1.0",
	    "urn:ietf:params:xml:ns:secDNS-1.1 urn:ietf:params:xml:ns:rgp-1.0",
	    "the registry does not offer lang \"en\": logging in with \"fr\"", ""},
	{"several-versions.xml", "1.0", "en",
	    "urn:ietf:params:xml:ns:domain-1.0 urn:ietf:params:xml:ns:host-1.0 "
	    "urn:ietf:params:xml:ns:contact-1.0",
	    "urn:ietf:params:xml:ns:secDNS-1.1 urn:ietf:params:xml:ns:epp:fee-1.0", NULL,
	    "urn:ietf:params:xml:ns:epp:fee-1.0"},
};

#define NEXPECTED (sizeof(expected) / sizeof(expected[0]))

static void
test_expected(void)
{
	struct cfg_epp c;
	struct rp_login l;
	struct eg_err e;
	char fee[256];
	size_t i;
	const struct expect *x;

	plain_cfg(&c);
	for (i = 0; i < NEXPECTED; i++) {
		x = &expected[i];
		if (!tap_ok(negotiate(x->file, &c, &l, &e) == 0, "%s: negotiated", x->file)) {
			tap_diag("%s", e.msg);
			continue;
		}
		tap_is_str(l.version, x->version, "%s: version", x->file);
		tap_is_str(l.lang, x->lang, "%s: lang", x->file);
		tap_is_str(l.objs, x->objs, "%s: objURIs as the registry spells them", x->file);
		tap_is_str(l.exts, x->exts, "%s: extURIs as the registry spells them", x->file);
		if (x->note != NULL)
			tap_ok(strstr(l.notes, x->note) != NULL, "%s: noted: %s", x->file, l.notes);
		else
			tap_is_str(l.notes, "", "%s: nothing to note", x->file);
		rp_fee_uri(&l, fee, sizeof(fee));
		tap_is_str(fee, x->fee, "%s: fee extension in use", x->file);
	}
}

/* Every file in the directory, whether listed above or added later: it is a greeting, the
 * login asks for exactly what it offers, with a version and a lang it offers, and every
 * file has its expectations above. */
static void
test_every_file(void)
{
	struct cfg_epp c;
	struct rp_login l;
	struct eg_err e;
	struct epp_greeting g;
	json_object *o;
	struct dirent *de;
	DIR *d;
	char uri[512];
	size_t i, n = 0;
	int known, ok;

	plain_cfg(&c);
	if (!tap_ok((d = opendir(tap_data("greetings"))) != NULL, "tests/data/greetings"))
		return;
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 4, ".xml") != 0)
			continue;
		o = load(de->d_name);
		if (!tap_ok(o != NULL && epp_resp_greeting(o, &g) == 0, "%s is a greeting",
		    de->d_name)) {
			json_object_put(o);
			continue;
		}
		ok = rp_negotiate(&g, &c, &l, &e) == 0;
		tap_ok(ok, "%s: negotiated (%s)", de->d_name, ok ? l.svid : e.msg);
		for (i = 0, known = 0; ok && i < g.n_obj; i++) {
			epp_uri_token(g.obj[i], uri, sizeof(uri));
			known += rp_list_covers(l.objs, uri) && strstr(l.objs, uri) != NULL;
		}
		tap_ok(ok && (size_t)known == g.n_obj && strcmp(l.objs, l.offered_objs) == 0 &&
		    strcmp(l.exts, l.offered_exts) == 0, "%s: every offered service is asked for, "
		    "as spelled", de->d_name);
		for (i = 0, known = 0; ok && i < g.n_lang; i++) {
			epp_uri_token(g.lang[i], uri, sizeof(uri));
			known |= strcmp(uri, l.lang) == 0;
		}
		tap_ok(known, "%s: lang %s is one the greeting offers", de->d_name, l.lang);
		for (i = 0, known = 0; ok && i < NEXPECTED; i++)
			known |= strcmp(expected[i].file, de->d_name) == 0;
		tap_ok(known, "%s has its expectations in this test", de->d_name);
		json_object_put(o);
	}
	closedir(d);
}

static void
test_config(void)
{
	struct cfg_epp c;
	struct rp_login l;
	struct eg_err e;

	plain_cfg(&c);
	snprintf(c.obj_uris[0], sizeof(c.obj_uris[0]), "urn:ietf:params:xml:ns:domain-1.0");
	snprintf(c.obj_uris[1], sizeof(c.obj_uris[1]), "urn:ietf:params:xml:ns:nothing-1.0");
	c.n_obj_uris = 2;
	c.ext_uris_set = 1;
	c.n_ext_uris = 0;
	tap_ok(negotiate("versionless.xml", &c, &l, &e) == 0, "restricted by epp.obj_uris");
	tap_is_str(l.objs, "urn:ietf:params:xml:ns:domain", "domain-1.0 configured selects the "
	    "offered versionless domain, spelled as offered");
	tap_is_str(l.exts, "", "ext_uris = []: no extension");
	tap_ok(strstr(l.notes, "epp.obj_uris names services the registry does not offer, left "
	    "out: urn:ietf:params:xml:ns:nothing-1.0") != NULL, "the configured URI not offered "
	    "is noted: %s", l.notes);
	tap_is_str(l.offered_exts, "urn:ietf:params:xml:ns:rgp", "what was offered is kept");

	snprintf(c.obj_uris[0], sizeof(c.obj_uris[0]), "urn:ietf:params:xml:ns:contact-1.0");
	c.n_obj_uris = 1;
	tap_ok(negotiate("epp-namespace.xml", &c, &l, &e) == -1 && e.code == EG_ECONFIG &&
	    strstr(e.msg, "epp.obj_uris names none of the object services the registry offers "
	    "(urn:ietf:params:xml:ns:epp:domain-1.0, urn:ietf:params:xml:ns:epp:host-1.0)") != NULL,
	    "a restriction that leaves nothing: %s", e.msg);

	plain_cfg(&c);
	snprintf(c.lang, sizeof(c.lang), "FR");
	tap_ok(negotiate("several-versions.xml", &c, &l, &e) == 0 && strcmp(l.lang, "fr") == 0 &&
	    l.notes[0] == '\0', "epp.lang is matched without case and sent as offered");
	snprintf(c.ext_uris[0], sizeof(c.ext_uris[0]), "urn:ietf:params:xml:ns:fee-1.0");
	c.n_ext_uris = 1;
	c.ext_uris_set = 1;
	tap_ok(negotiate("big-registry.xml", &c, &l, &e) == 0 &&
	    strcmp(l.exts, "urn:ietf:params:xml:ns:epp:fee-1.0") == 0,
	    "ext_uris fee-1.0 selects the offered epp:fee-1.0, not fee-0.23 (%s)", l.exts);
}

/* A greeting given inline. */
static int
negotiate_xml(const char *xml, struct rp_login *l, struct eg_err *e)
{
	struct cfg_epp c;
	struct epp_greeting g;
	json_object *o = x2j_convert(xml, strlen(xml), NULL, e);
	int r = -1;

	plain_cfg(&c);
	if (o != NULL && epp_resp_greeting(o, &g) == 0)
		r = rp_negotiate(&g, &c, l, e);
	json_object_put(o);
	return r;
}

static void
test_odd_greetings(void)
{
	struct rp_login l;
	struct eg_err e;

	tap_ok(negotiate_xml("<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><greeting><svID>x"
	    "</svID><svcMenu><version>1.0</version><lang>en</lang></svcMenu></greeting></epp>", &l,
	    &e) == -1 && e.code == EG_EPROTO, "no objURI at all: refused (%s)", e.msg);
	tap_ok(negotiate_xml("<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><greeting><svID>x"
	    "</svID><svcMenu><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI>"
	    "<objURI>urn:ietf:params:xml:ns:domain-1.0 domain-1.0.xsd</objURI></svcMenu>"
	    "</greeting></epp>", &l, &e) == 0 && strcmp(l.objs,
	    "urn:ietf:params:xml:ns:domain-1.0") == 0 && strcmp(l.version, "1.0") == 0 &&
	    strcmp(l.lang, "en") == 0, "a URI offered twice is asked for once; without version "
	    "and lang, ours");
	tap_ok(negotiate_xml("<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><greeting><svID>x"
	    "</svID><svcMenu><version>2.0</version><lang>en</lang><objURI>"
	    "urn:ietf:params:xml:ns:domain-1.0</objURI></svcMenu></greeting></epp>", &l, &e) == 0 &&
	    strcmp(l.version, "2.0") == 0 && strstr(l.notes, "version 1.0") != NULL,
	    "no version 1.0: the one offered, noted (%s)", l.notes);
}

/* ---- typed commands -------------------------------------------------------- */

/* Builds a request as the gate does; NULL when it does not build. */
static struct epp_request *
build(const char *json, struct epp_request *r)
{
	struct eg_err e;
	json_object *req = epp_request_parse(json, strlen(json), &e);

	memset(r, 0, sizeof(*r));
	if (req == NULL || epp_request_build(req, "t-check-1", r, &e) == -1) {
		tap_diag("%s: %s", json, e.msg);
		json_object_put(req);
		return NULL;
	}
	json_object_put(req);
	return r;
}

static const char DCHECK[] = "{\"cmd\": \"domain_check\", \"args\": {\"domains\": "
    "[\"a.example\"]}}";
static const char CCHECK[] = "{\"cmd\": \"contact_check\", \"args\": {\"contacts\": "
    "[\"c-one\"]}}";
static const char HCHECK[] = "{\"cmd\": \"host_check\", \"args\": {\"hosts\": "
    "[\"ns1.example\"]}}";
static const char FEECHECK[] = "{\"cmd\": \"domain_check\", \"args\": {\"domains\": "
    "[\"a.example\"], \"fee\": {\"currency\": \"USD\", \"command\": \"create\", \"period\": 1}}}";
static const char DSUPDATE[] = "{\"cmd\": \"domain_update\", \"args\": {\"name\": "
    "\"a.example\", \"add_secdns\": [{\"key_tag\": 1, \"alg\": 8, \"digest_type\": 2, "
    "\"digest\": \"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\"}]}}";
static const char RESTORE[] = "{\"cmd\": \"domain_update\", \"args\": {\"name\": "
    "\"a.example\", \"rgp_restore\": true}}";

static const char TEXTY[] = "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command>"
    "<check><d:check xmlns:d='urn:ietf:params:xml:ns:domain-1.0'><d:name>xmlns:x=\"urn:"
    "evil\"</d:name></d:check></check><!-- <a xmlns:y=\"urn:evil\"/> --><![CDATA[<b "
    "xmlns=\"urn:evil\">]]><clTRID>abc</clTRID></command></epp>";
static const char TWO[] = "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command>"
    "<check><d:check xmlns:d=\"urn:ietf:params:xml:ns:domain-1.0\" xmlns:z=\"urn:zz\"/>"
    "</check></command></epp>";

/* check: 0 when the command passes for the login of file, else the message in msg. */
static int
check(const char *file, const struct cfg_epp *c, const char *json, char *msg, size_t cap)
{
	struct rp_login l;
	struct epp_request r;
	struct eg_err e;
	int rc;

	msg[0] = '\0';
	if (negotiate(file, c, &l, &e) == -1 || build(json, &r) == NULL) {
		snprintf(msg, cap, "(set-up failed)");
		return -2;
	}
	rc = rp_command_check(&l, r.xml, r.xml_len, &e);
	if (rc == -1)
		snprintf(msg, cap, "%s", e.msg);
	epp_request_clear(&r);
	return rc;
}

static void
test_commands(void)
{
	struct cfg_epp c;
	struct rp_login l;
	struct eg_err e;
	char msg[512];

	plain_cfg(&c);
	tap_ok(check("rfc5730-objects.xml", &c, CCHECK, msg, sizeof(msg)) == -1 &&
	    strcmp(msg, "the registry does not offer the contact service "
	    "(urn:ietf:params:xml:ns:contact-1.0); its greeting offers: urn:ietf:params:xml:ns:obj1, "
	    "urn:ietf:params:xml:ns:obj2, urn:ietf:params:xml:ns:obj3") == 0,
	    "obj1..obj3: contact_check refused: %s", msg);
	tap_ok(check("rfc5730-objects.xml", &c, DCHECK, msg, sizeof(msg)) == -1 &&
	    strstr(msg, "the domain service") != NULL, "obj1..obj3: domain_check refused");
	tap_ok(check("versionless.xml", &c, DCHECK, msg, sizeof(msg)) == 0,
	    "versionless domain: domain_check goes (%s)", msg);
	tap_ok(check("versionless.xml", &c, HCHECK, msg, sizeof(msg)) == 0,
	    "versionless host: host_check goes (%s)", msg);
	tap_ok(check("versionless.xml", &c, RESTORE, msg, sizeof(msg)) == 0,
	    "versionless rgp: a restore goes (%s)", msg);
	tap_ok(check("versionless.xml", &c, DSUPDATE, msg, sizeof(msg)) == -1 &&
	    strcmp(msg, "the registry does not offer the secDNS extension "
	    "(urn:ietf:params:xml:ns:secDNS-1.1); its greeting offers: urn:ietf:params:xml:ns:rgp")
	    == 0, "versionless without secDNS: a DS update refused: %s", msg);
	tap_ok(check("epp-namespace.xml", &c, CCHECK, msg, sizeof(msg)) == -1 &&
	    strstr(msg, "contact service") != NULL, "epp: names without contacts: contact_check "
	    "refused (%s)", msg);
	tap_ok(check("epp-namespace.xml", &c, DSUPDATE, msg, sizeof(msg)) == 0,
	    "epp:secDNS-1.1 covers the DS update (%s)", msg);
	tap_ok(check("schemalocation-pairs.xml", &c, FEECHECK, msg, sizeof(msg)) == -1 &&
	    strstr(msg, "the fee extension (urn:ietf:params:xml:ns:epp:fee-1.0); its greeting "
	    "offers: urn:ietf:params:xml:ns:secDNS-1.1, urn:ietf:params:xml:ns:rgp-1.0, "
	    "urn:ietf:params:xml:ns:fee-0.23") != NULL, "fee 1.0 where only fee-0.23 is "
	    "offered: refused: %s", msg);
	tap_ok(check("big-registry.xml", &c, FEECHECK, msg, sizeof(msg)) == 0 &&
	    check("several-versions.xml", &c, FEECHECK, msg, sizeof(msg)) == 0 &&
	    check("epp-namespace.xml", &c, FEECHECK, msg, sizeof(msg)) == 0,
	    "fee 1.0 where it is offered (under either name): goes");
	tap_ok(check("rfc5730-objects.xml", &c, "{\"cmd\": \"poll_req\"}", msg, sizeof(msg)) == 0,
	    "poll uses no object service: goes");

	c.ext_uris_set = 1;     /* ext_uris = []: the registry offers secDNS, we left it out */
	tap_ok(check("lang-fr-only.xml", &c, DSUPDATE, msg, sizeof(msg)) == -1 &&
	    strcmp(msg, "the secDNS extension (urn:ietf:params:xml:ns:secDNS-1.1) is not in use: "
	    "epp.ext_uris leaves it out") == 0, "offered but left out by the configuration: %s",
	    msg);

	/* namespaces are read from tags only, never from text, comments or CDATA */
	plain_cfg(&c);
	negotiate("versionless.xml", &c, &l, &e);
	tap_ok(rp_command_check(&l, TEXTY, strlen(TEXTY), &e) == 0,
	    "xmlns-looking text, comments and CDATA are not namespaces");
	tap_ok(rp_command_check(&l, TWO, strlen(TWO), &e) == -1 && strstr(e.msg, "urn:zz") != NULL,
	    "a second namespace on the same tag is found (%s)", e.msg);
}

/* ---- the shared profile ---------------------------------------------------- */

static void
test_profile(void)
{
	struct registry_profile *p = registry_profile_new();
	struct cfg_epp c;
	struct rp_login a, b, got;
	struct eg_err e;
	char fee[256];
	json_object *j, *v;

	plain_cfg(&c);
	negotiate("big-registry.xml", &c, &a, &e);
	negotiate("versionless.xml", &c, &b, &e);
	tap_ok(registry_profile_json(p) == NULL && !registry_profile_get(p, &got) &&
	    registry_profile_fee_uri(p, fee, sizeof(fee)) == -1 && fee[0] == '\0',
	    "before a login: nothing known");
	tap_is_int(registry_profile_update(p, &a), 1, "the first login is a change");
	tap_is_int(registry_profile_update(p, &a), 0, "the same again is not");
	tap_ok(registry_profile_fee_uri(p, fee, sizeof(fee)) == 1 &&
	    strcmp(fee, "urn:ietf:params:xml:ns:epp:fee-1.0") == 0, "fee uri: %s", fee);
	j = registry_profile_json(p);
	tap_ok(j != NULL && json_object_object_get_ex(j, "login", &v) &&
	    json_object_object_get_ex(v, "extURIs", &v) && json_object_array_length(v) == 16,
	    "gate_status shows the 16 extURIs of the login");
	tap_ok(json_object_object_get_ex(j, "svID", &v) &&
	    strcmp(json_object_get_string(v), "Big Registry Production EPP Server") == 0 &&
	    json_object_object_get_ex(j, "logins", &v) && json_object_get_int(v) == 2,
	    "and the svID and the logins counted");
	json_object_put(j);
	tap_is_int(registry_profile_update(p, &b), 1, "another greeting is a change");
	tap_ok(registry_profile_fee_uri(p, fee, sizeof(fee)) == 0 && registry_profile_get(p, &got) &&
	    strcmp(got.objs, b.objs) == 0, "no fee there; the profile holds the last login");
	registry_profile_free(p);
	registry_profile_free(NULL);
}

/* ---- failures -------------------------------------------------------------- */

static void
test_classes(void)
{
	static const struct {
		int code;
		int fail;
	} logins[] = {
		{2200, SESSION_FAIL_LOGIN_REFUSED}, {2201, SESSION_FAIL_LOGIN_REFUSED},
		{2501, SESSION_FAIL_LOGIN_REFUSED}, {2502, SESSION_FAIL_SESSION_LIMIT},
		{2500, SESSION_FAIL_CLOSING}, {2400, SESSION_FAIL_LOGIN},
		{2307, SESSION_FAIL_LOGIN_REJECTED}, {2103, SESSION_FAIL_LOGIN_REJECTED},
		{2100, SESSION_FAIL_LOGIN_REJECTED}, {2001, SESSION_FAIL_LOGIN_REJECTED},
	};
	struct cfg_epp c;
	char fix[256];
	size_t i;
	int f, names = 1;

	for (i = 0; i < sizeof(logins) / sizeof(logins[0]); i++) {
		f = session_fail_of_login(logins[i].code);
		tap_ok(f == logins[i].fail, "login answered %d: %s", logins[i].code,
		    session_fail_name(f));
	}
	tap_ok(session_fail_permanent(SESSION_FAIL_LOGIN_REFUSED) &&
	    !session_fail_permanent(SESSION_FAIL_SESSION_LIMIT) &&
	    !session_fail_permanent(SESSION_FAIL_CLOSING) &&
	    !session_fail_permanent(SESSION_FAIL_CONNECT) &&
	    !session_fail_permanent(SESSION_FAIL_TIMEOUT) &&
	    !session_fail_permanent(SESSION_FAIL_TLS) && !session_fail_permanent(SESSION_FAIL_NONE)
	    && session_fail_permanent(SESSION_FAIL_SERVER_NAME) &&
	    !session_fail_permanent(SESSION_FAIL_COUNT), "what is permanent and what heals");
	tap_is_int(session_fail_of_tls(TLS_WHY_CERT_REQUIRED, 0), SESSION_FAIL_CERT_REQUIRED,
	    "TLS: certificate required");
	tap_is_int(session_fail_of_tls(TLS_WHY_CERT_REFUSED, 1), SESSION_FAIL_CERT_REFUSED,
	    "TLS: our certificate refused");
	tap_is_int(session_fail_of_tls(TLS_WHY_CERT_REFUSED, 0), SESSION_FAIL_CERT_REQUIRED,
	    "TLS: a certificate refused when we sent none: one is required");
	tap_is_int(session_fail_of_tls(TLS_WHY_VERIFY, 0), SESSION_FAIL_SERVER_CERT,
	    "TLS: the registry's certificate does not verify");
	tap_is_int(session_fail_of_tls(TLS_WHY_NAME, 0), SESSION_FAIL_SERVER_NAME,
	    "TLS: another name");
	tap_is_int(session_fail_of_tls(TLS_WHY_HANDSHAKE, 0), SESSION_FAIL_TLS_REFUSED,
	    "TLS: handshake refused");
	tap_is_int(session_fail_of_tls(TLS_WHY_OTHER, 0), SESSION_FAIL_TLS, "TLS: other");
	for (f = SESSION_FAIL_NONE + 1; f < SESSION_FAIL_COUNT; f++)
		names &= session_fail_name(f)[0] != '\0' && strspn(session_fail_name(f),
		    "abcdefghijklmnopqrstuvwxyz_") == strlen(session_fail_name(f));
	tap_ok(names && session_fail_name(SESSION_FAIL_NONE)[0] == '\0' &&
	    session_fail_name(-1)[0] == '\0' && session_fail_name(SESSION_FAIL_COUNT)[0] == '\0',
	    "every reason has a metric-safe name");

	plain_cfg(&c);
	session_fail_fix(SESSION_FAIL_LOGIN_REFUSED, &c, fix, sizeof(fix));
	tap_is_str(fix, "check epp.login and epp.password_file", "login refused: the fix");
	session_fail_fix(SESSION_FAIL_CERT_REQUIRED, &c, fix, sizeof(fix));
	tap_is_str(fix, "set epp.tls.cert_file and epp.tls.key_file", "certificate required");
	session_fail_fix(SESSION_FAIL_SERVER_CERT, &c, fix, sizeof(fix));
	tap_is_str(fix, "set epp.tls.ca_file to the CA that signed it", "untrusted registry");
	snprintf(c.tls.ca_file, sizeof(c.tls.ca_file), "/etc/epp/ca.pem");
	session_fail_fix(SESSION_FAIL_SERVER_CERT, &c, fix, sizeof(fix));
	tap_ok(strstr(fix, "/etc/epp/ca.pem") != NULL, "with a CA file set, it is named: %s", fix);
	session_fail_fix(SESSION_FAIL_SERVER_NAME, &c, fix, sizeof(fix));
	tap_ok(strstr(fix, "epp.tls.server_name") != NULL, "name mismatch: %s", fix);
	session_fail_fix(SESSION_FAIL_TIMEOUT, &c, fix, sizeof(fix));
	tap_is_str(fix, "", "nothing to fix for what heals");
}

int
main(void)
{
	xmlInitParser();
	test_tokens();
	test_services();
	test_expected();
	test_every_file();
	test_config();
	test_odd_greetings();
	test_commands();
	test_profile();
	test_classes();
	xmlCleanupParser();
	return tap_done();
}
