/* SPDX-License-Identifier: MIT */
/*
 * epp-sim's registry without a network: the RFC 5730-5733 semantics it
 * promises (check/info/create/renew/update/delete, transfers with poll
 * messages, secDNS, rgp restore, fee check and the fees of transforms with
 * premium names, contact disclose and phone extensions, authorization, authInfo
 * of an associated contact by its roid), and every response validated against
 * tests/data/xsd/epp-all.xsd, fee-1.0 elements included.
 */
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "registry.h"
#include "sim_xml.h"
#include "tap.h"
#include "xmlsafe.h"

#define DOM "xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\""
#define HOST "xmlns:host=\"urn:ietf:params:xml:ns:host-1.0\""
#define CON "xmlns:contact=\"urn:ietf:params:xml:ns:contact-1.0\""
#define SEC "xmlns:secDNS=\"urn:ietf:params:xml:ns:secDNS-1.1\""
#define RGP "xmlns:rgp=\"urn:ietf:params:xml:ns:rgp-1.0\""
#define FEE "xmlns:fee=\"urn:ietf:params:xml:ns:epp:fee-1.0\""

#define DAY ((int64_t)86400 * 1000)

static struct registry *reg;            /* the registry under test */
static xmlSchemaPtr schema;
static xmlDocPtr last;                 /* the last response */
static struct sim_reply reply;
static int n_checked, n_invalid, n_fee, trid;
static char schema_err[512];

/* ---- schema validation ---- */

static void
schema_error(void *ctx, xmlErrorPtr e)
{
	size_t n;

	(void)ctx;
	if (schema_err[0] != '\0' || e == NULL || e->message == NULL)
		return;
	snprintf(schema_err, sizeof(schema_err), "line %d: %s", e->line, e->message);
	n = strlen(schema_err);
	while (n > 0 && schema_err[n - 1] == '\n')
		schema_err[--n] = '\0';
}

static void
load_schema(void)
{
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(tap_data("xsd/epp-all.xsd"));

	schema = pc ? xmlSchemaParse(pc) : NULL;
	if (pc != NULL)
		xmlSchemaFreeParserCtxt(pc);
	tap_ok(schema != NULL, "epp-all.xsd loads");
}

/* 1 when the response carries fee-1.0 elements in its <extension>. */
static int
has_fee(xmlDocPtr doc)
{
	xmlNodePtr resp = sx_child(xmlDocGetRootElement(doc), SX_NS_EPP, "response");

	return sx_child(sx_child(resp, SX_NS_EPP, "extension"), SX_NS_FEE, NULL) != NULL;
}

/* 0 when doc is valid; the first error in schema_err. */
static int
schema_check(xmlDocPtr doc)
{
	xmlSchemaValidCtxtPtr vc;
	int rc;

	n_fee += has_fee(doc);
	vc = xmlSchemaNewValidCtxt(schema);
	schema_err[0] = '\0';
	xmlSchemaSetValidStructuredErrors(vc, schema_error, NULL);
	rc = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	return rc;
}

/* The validator is worth something only if it refuses what it should. */
static void
test_validator(void)
{
	static const char bad[] = "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><response>"
	    "<result code=\"1000\"><msg>ok</msg></result><resData><domain:infData "
	    "xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\"><domain:name>a.example"
	    "</domain:name><domain:roid>D1-SIM</domain:roid><domain:status s=\"sleepy\"/>"
	    "<domain:clID>registrar1</domain:clID></domain:infData></resData><trID>"
	    "<svTRID>SIM-1</svTRID></trID></response></epp>";
	struct eg_err e;
	xmlDocPtr d = eg_xml_parse(bad, sizeof(bad) - 1, 0, &e);

	tap_ok(d != NULL && schema != NULL && schema_check(d) != 0,
	    "the schema check refuses an unknown domain status (%s)", schema_err);
	xmlFreeDoc(d);
}

static int
validate(xmlDocPtr doc, const char *what)
{
	int rc;

	if (schema == NULL)
		return 0;
	rc = schema_check(doc);
	n_checked++;
	if (rc != 0) {
		n_invalid++;
		tap_ok(0, "response to %s validates: %s", what, schema_err);
	}
	return rc == 0;
}

/* ---- running commands ---- */

static int
take_reply(const char *what)
{
	struct eg_err e;

	if (last != NULL)
		xmlFreeDoc(last);
	last = eg_xml_parse(reply.xml.data, reply.xml.len, 0, &e);
	if (last == NULL) {
		tap_ok(0, "response to %s parses: %s", what, e.msg);
		return -1;
	}
	validate(last, what);
	return reply.code;
}

/* Sends <command>BODY<clTRID/></command>; returns the result code. */
static int
cmd(struct sim_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
cmd(struct sim_session *s, const char *fmt, ...)
{
	char body[8192], doc[9000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	snprintf(doc, sizeof(doc), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
	    "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command>%s<clTRID>T-%d</clTRID>"
	    "</command></epp>", body, ++trid);
	if (registry_execute_xml(reg, s, doc, &reply) == -1)
		return -1;
	return take_reply(body);
}

/* Raw document (not wrapped in <command>). */
static int
raw(struct sim_session *s, const char *doc)
{
	if (registry_execute_xml(reg, s, doc, &reply) == -1)
		return -1;
	return take_reply(doc);
}

/* ---- reading the last response ---- */

static xmlXPathObjectPtr
xp_eval(const char *expr)
{
	xmlXPathContextPtr x;
	xmlXPathObjectPtr o;

	if (last == NULL)
		return NULL;
	x = xmlXPathNewContext(last);
	xmlXPathRegisterNs(x, (const xmlChar *)"e", (const xmlChar *)SX_NS_EPP);
	xmlXPathRegisterNs(x, (const xmlChar *)"d", (const xmlChar *)SX_NS_DOMAIN);
	xmlXPathRegisterNs(x, (const xmlChar *)"h", (const xmlChar *)SX_NS_HOST);
	xmlXPathRegisterNs(x, (const xmlChar *)"c", (const xmlChar *)SX_NS_CONTACT);
	xmlXPathRegisterNs(x, (const xmlChar *)"s", (const xmlChar *)SX_NS_SECDNS);
	xmlXPathRegisterNs(x, (const xmlChar *)"r", (const xmlChar *)SX_NS_RGP);
	xmlXPathRegisterNs(x, (const xmlChar *)"f", (const xmlChar *)SX_NS_FEE);
	o = xmlXPathEvalExpression((const xmlChar *)expr, x);
	xmlXPathFreeContext(x);
	return o;
}

/* String value of an XPath expression in the last response (static buffer). */
static const char *
xs(const char *expr)
{
	static char out[4][512];
	static int i;
	char full[512];
	xmlXPathObjectPtr o;

	i = (i + 1) % 4;
	out[i][0] = '\0';
	snprintf(full, sizeof(full), "string(%s)", expr);
	if ((o = xp_eval(full)) != NULL) {
		if (o->stringval != NULL)
			snprintf(out[i], sizeof(out[i]), "%s", (const char *)o->stringval);
		xmlXPathFreeObject(o);
	}
	return out[i];
}

static int
xn(const char *expr)
{
	char full[512];
	xmlXPathObjectPtr o;
	int n = -1;

	snprintf(full, sizeof(full), "count(%s)", expr);
	if ((o = xp_eval(full)) != NULL) {
		n = (int)o->floatval;
		xmlXPathFreeObject(o);
	}
	return n;
}

#define CODE() xs("/e:epp/e:response/e:result/@code")
#define MSG() xs("/e:epp/e:response/e:result/e:msg")

static int
login(struct sim_session *s, const char *clid, const char *pw)
{
	return cmd(s, "<login><clID>%s</clID><pw>%s</pw><options><version>1.0</version>"
	    "<lang>en</lang></options><svcs><objURI>urn:ietf:params:xml:ns:domain-1.0</objURI>"
	    "<objURI>urn:ietf:params:xml:ns:contact-1.0</objURI>"
	    "<objURI>urn:ietf:params:xml:ns:host-1.0</objURI><svcExtension>"
	    "<extURI>urn:ietf:params:xml:ns:secDNS-1.1</extURI>"
	    "<extURI>urn:ietf:params:xml:ns:rgp-1.0</extURI>"
	    "<extURI>urn:ietf:params:xml:ns:epp:fee-1.0</extURI></svcExtension></svcs></login>",
	    clid, pw);
}

static struct registry *
new_registry(unsigned max_sessions, size_t pad)
{
	struct registry_config cfg;
	struct registry *r;
	struct eg_err e;

	registry_config_defaults(&cfg);
	cfg.max_sessions = max_sessions;
	cfg.info_pad = pad;
	if ((r = registry_new(&cfg, &e)) == NULL ||
	    registry_add_account(r, "registrar1", "secret1", &e) == -1 ||
	    registry_add_account(r, "registrar2", "secret2", &e) == -1) {
		tap_diag("registry: %s", e.msg);
		exit(1);
	}
	return r;
}

static struct sim_session s1 = {1, 0, "", 0, 0}, s2 = {2, 0, "", 0, 0}, s3 = {3, 0, "", 0, 0};

/* ---- the cases ---- */

static void
test_greeting_and_login(void)
{
	struct sim_session x = {9, 0, "", 0, 0};

	tap_is_int(raw(&x, "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello/></epp>"), 0,
	    "hello answers a greeting");
	tap_is_str(xs("/e:epp/e:greeting/e:svID"), "epp-sim", "greeting svID");
	tap_is_int(xn("//e:svcMenu/e:objURI"), 3, "greeting offers three object services");
	tap_is_str(xs("//e:svcExtension/e:extURI[3]"), SX_NS_FEE, "greeting offers fee-1.0");
	tap_is_int(xn("/e:epp/e:greeting/e:dcp/e:access"), 1, "greeting has a dcp");

	tap_is_int(cmd(&x, "<check><domain:check " DOM "><domain:name>a.example</domain:name>"
	    "</domain:check></check>"), 2002, "a command before login: 2002");
	tap_is_int(login(&x, "registrar1", "wrong"), 2200, "wrong password: 2200");
	tap_ok(!reply.close, "the connection stays open after 2200");
	tap_is_int(login(&x, "nobody", "secret1"), 2200, "unknown client id: 2200");
	tap_is_int(cmd(&x, "<login><clID>registrar1</clID><pw>secret1</pw><options>"
	    "<version>1.0</version><lang>en</lang></options><svcs><objURI>urn:example:nope</objURI>"
	    "</svcs></login>"), 2307, "an object URI not offered: 2307");
	tap_is_int(login(&x, "registrar1", "secret1"), 1000, "login");
	tap_is_int(login(&x, "registrar1", "secret1"), 2002, "login twice: 2002");
	tap_is_int(cmd(&x, "<logout/>"), 1500, "logout: 1500");
	tap_ok(reply.close, "logout closes the connection");
	registry_session_end(reg, &x);

	tap_is_int(login(&s1, "registrar1", "secret1"), 1000, "registrar1 logs in");
	tap_is_int(login(&s2, "registrar2", "secret2"), 1000, "registrar2 logs in");
}

static void
test_new_password(void)
{
	struct sim_session a = {10, 0, "", 0, 0}, b = {11, 0, "", 0, 0};

	tap_is_int(cmd(&a, "<login><clID>registrar2</clID><pw>secret2</pw><newPW>secret2b</newPW>"
	    "<options><version>1.0</version><lang>en</lang></options><svcs>"
	    "<objURI>urn:ietf:params:xml:ns:domain-1.0</objURI></svcs></login>"), 1000,
	    "login with newPW");
	tap_is_int(login(&b, "registrar2", "secret2"), 2200, "the old password no longer works");
	tap_is_int(login(&b, "registrar2", "secret2b"), 1000, "the new one does");
	registry_session_end(reg, &a);
	registry_session_end(reg, &b);
	tap_is_int(cmd(&a, "<login><clID>registrar2</clID><pw>secret2b</pw><newPW>secret2</newPW>"
	    "<options><version>1.0</version><lang>en</lang></options><svcs>"
	    "<objURI>urn:ietf:params:xml:ns:domain-1.0</objURI></svcs></login>"), 1000,
	    "password changed back");
	tap_is_int(cmd(&a, "<check><contact:check " CON "><contact:id>x123</contact:id>"
	    "</contact:check></check>"), 2307, "an object service not selected at login: 2307");
	tap_is_int(cmd(&a, "<check><domain:check " DOM "><domain:name>x.example</domain:name>"
	    "</domain:check></check><extension><fee:check " FEE "><fee:command name=\"create\"/>"
	    "</fee:check></extension>"), 2103, "an extension not selected at login: 2103");
	registry_session_end(reg, &a);
}

static void
test_malformed(void)
{
	tap_is_int(raw(&s1, "this is not XML"), 2001, "not XML: 2001");
	tap_ok(strstr(MSG(), "syntax error") != NULL, "with a message (%s)", MSG());
	tap_is_int(raw(&s1, "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><frob/>"
	    "<clTRID>ABC-1</clTRID></command></epp>"), 2000, "unknown command: 2000");
	tap_is_str(xs("//e:trID/e:clTRID"), "ABC-1", "clTRID echoed on an error");
	tap_is_int(raw(&s1, "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><check>"
	    "<domain:check " DOM "><domain:name>no-cltrid.example</domain:name></domain:check>"
	    "</check></command></epp>"), 1000, "a command without clTRID");
	tap_is_int(xn("//e:trID/e:clTRID"), 0, "gets a response without clTRID");
	tap_ok(strlen(xs("//e:trID/e:svTRID")) >= 3, "but with an svTRID");
	tap_is_int(raw(&s1, "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><check>"
	    "<domain:check " DOM "><domain:name>a.example</domain:name></domain:check></check>"
	    "<clTRID> two  spaces </clTRID></command></epp>"), 1000, "a clTRID with blanks");
	tap_is_str(xs("//e:trID/e:clTRID"), " two  spaces ", "is echoed exactly");
	tap_is_int(raw(&s1, "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><check>"
	    "<domain:check " DOM "><domain:name>a.example</domain:name></domain:check></check>"
	    "<clTRID>0123456789012345678901234567890123456789012345678901234567890123X</clTRID>"
	    "</command></epp>"), 2001, "a clTRID of 65 characters: 2001");
	tap_is_int(xn("//e:trID/e:clTRID"), 0, "not echoed");
	tap_is_int(cmd(&s1, "<check><foo:check xmlns:foo=\"urn:example:foo\"><foo:id>x</foo:id>"
	    "</foo:check></check>"), 2307, "unknown object namespace: 2307");
	tap_is_int(cmd(&s1, "<renew><domain:renew " DOM "><domain:name>x.example</domain:name>"
	    "<domain:curExpDate>2020-13-45</domain:curExpDate></domain:renew></renew>"), 2005,
	    "a bad date: 2005");
}

static void
setup_objects(void)
{
	tap_is_int(cmd(&s1, "<create><contact:create " CON "><contact:id>c-one</contact:id>"
	    "<contact:postalInfo type=\"int\"><contact:name>One &amp; Only</contact:name>"
	    "<contact:addr><contact:street>1 Main St</contact:street>"
	    "<contact:city>Springfield</contact:city><contact:cc>US</contact:cc></contact:addr>"
	    "</contact:postalInfo><contact:voice x=\"12\">+1.5555550100</contact:voice>"
	    "<contact:email>one@example.net</contact:email><contact:authInfo>"
	    "<contact:pw>c1-auth</contact:pw></contact:authInfo></contact:create></create>"),
	    1000, "contact create");
	tap_is_str(xs("//c:creData/c:id"), "c-one", "contact creData id");
	tap_is_int(cmd(&s1, "<create><contact:create " CON "><contact:id>c-two</contact:id>"
	    "<contact:postalInfo type=\"loc\"><contact:name>Two</contact:name><contact:addr>"
	    "<contact:city>Town</contact:city><contact:cc>DE</contact:cc></contact:addr>"
	    "</contact:postalInfo><contact:email>two@example.net</contact:email>"
	    "</contact:create></create>"), 1000, "contact create without authInfo");
	tap_is_int(cmd(&s1, "<create><contact:create " CON "><contact:id>c-one</contact:id>"
	    "<contact:postalInfo type=\"int\"><contact:name>X</contact:name><contact:addr>"
	    "<contact:city>Y</contact:city><contact:cc>US</contact:cc></contact:addr>"
	    "</contact:postalInfo><contact:email>x@example.net</contact:email>"
	    "</contact:create></create>"), 2302, "contact create twice: 2302");
	tap_is_int(cmd(&s1, "<check><contact:check " CON "><contact:id>c-one</contact:id>"
	    "<contact:id>c-free</contact:id></contact:check></check>"), 1000, "contact check");
	tap_is_str(xs("//c:cd[1]/c:id/@avail"), "0", "created contact is unavailable");
	tap_is_str(xs("//c:cd[2]/c:id/@avail"), "1", "other id is available");
	tap_is_int(cmd(&s1, "<create><host:create " HOST "><host:name>ns1.example.net</host:name>"
	    "<host:addr ip=\"v4\">192.0.2.1</host:addr><host:addr ip=\"v6\">2001:db8::1</host:addr>"
	    "</host:create></create>"), 1000, "host create with addresses");
	tap_is_int(cmd(&s1, "<create><host:create " HOST "><host:name>ns2.example.net</host:name>"
	    "</host:create></create>"), 1000, "host create without addresses");
	tap_is_int(cmd(&s1, "<create><host:create " HOST "><host:name>ns3.example.net</host:name>"
	    "<host:addr ip=\"v4\">999.1.1.1</host:addr></host:create></create>"), 2005,
	    "host create with a bad address: 2005");
	tap_is_int(cmd(&s1, "<info><host:info " HOST "><host:name>NS1.example.net</host:name>"
	    "</host:info></info>"), 1000, "host info (names are case-insensitive)");
	tap_is_int(xn("//h:infData/h:addr"), 2, "host info shows both addresses");
	tap_is_str(xs("//h:infData/h:status/@s"), "ok", "an unused host is ok");
}

static const char *
create_domain(struct sim_session *s, const char *name, const char *extra)
{
	static char ex[32];

	cmd(s, "<create><domain:create " DOM "><domain:name>%s</domain:name>%s"
	    "<domain:ns><domain:hostObj>ns1.example.net</domain:hostObj></domain:ns>"
	    "<domain:registrant>c-one</domain:registrant>"
	    "<domain:contact type=\"admin\">c-one</domain:contact>"
	    "<domain:contact type=\"tech\">c-two</domain:contact>"
	    "<domain:authInfo><domain:pw>dom-auth</domain:pw></domain:authInfo>"
	    "</domain:create></create>", name, extra);
	snprintf(ex, sizeof(ex), "%s", xs("//d:creData/d:exDate"));
	return ex;
}

static void
test_create_check_info(void)
{
	char crdate[32], exdate[32];
	int y1, y2;

	create_domain(&s1, "example.com", "<domain:period unit=\"y\">2</domain:period>");
	tap_is_str(CODE(), "1000", "domain create");
	snprintf(crdate, sizeof(crdate), "%s", xs("//d:creData/d:crDate"));
	snprintf(exdate, sizeof(exdate), "%s", xs("//d:creData/d:exDate"));
	y1 = atoi(crdate);
	y2 = atoi(exdate);
	tap_is_int(y2 - y1, 2, "exDate is crDate + 2 years (%s, %s)", crdate, exdate);
	tap_is_str(exdate + 4, crdate + 4, "same day and time");
	create_domain(&s1, "example.com", "");
	tap_is_str(CODE(), "2302", "domain create twice: 2302");
	create_domain(&s1, "toolong.example", "<domain:period unit=\"y\">11</domain:period>");
	tap_is_str(CODE(), "2004", "an 11-year period: 2004");
	create_domain(&s1, "plain.example", "");
	tap_is_int(atoi(xs("//d:creData/d:exDate")) - atoi(xs("//d:creData/d:crDate")), 1,
	    "the default period is one year");
	tap_is_int(cmd(&s1, "<create><domain:create " DOM "><domain:name>nohost.example"
	    "</domain:name><domain:ns><domain:hostObj>ns9.example.net</domain:hostObj></domain:ns>"
	    "<domain:authInfo><domain:pw>x</domain:pw></domain:authInfo></domain:create></create>"),
	    2303, "create with an unknown name server: 2303");
	tap_is_int(cmd(&s1, "<create><domain:create " DOM "><domain:name>nocontact.example"
	    "</domain:name><domain:registrant>nobody</domain:registrant>"
	    "<domain:authInfo><domain:pw>x</domain:pw></domain:authInfo></domain:create></create>"),
	    2303, "create with an unknown registrant: 2303");
	tap_is_int(cmd(&s1, "<create><domain:create " DOM "><domain:name>-bad-.example"
	    "</domain:name><domain:authInfo><domain:pw>x</domain:pw></domain:authInfo>"
	    "</domain:create></create>"), 2005, "create with an invalid name: 2005");

	tap_is_int(cmd(&s1, "<check><domain:check " DOM "><domain:name>example.com</domain:name>"
	    "<domain:name>free.example</domain:name><domain:name>bad_name.example</domain:name>"
	    "</domain:check></check>"), 1000, "domain check");
	tap_is_str(xs("//d:cd[1]/d:name/@avail"), "0", "a created domain is unavailable");
	tap_is_str(xs("//d:cd[1]/d:reason"), "in use", "with a reason");
	tap_is_str(xs("//d:cd[2]/d:name/@avail"), "1", "a free one is available");
	tap_is_str(xs("//d:cd[3]/d:name/@avail"), "0", "an invalid one is not");

	tap_is_int(cmd(&s1, "<info><domain:info " DOM "><domain:name hosts=\"all\">example.com"
	    "</domain:name></domain:info></info>"), 1000, "domain info by the sponsor");
	tap_is_str(xs("//d:infData/d:registrant"), "c-one", "info: registrant");
	tap_is_str(xs("//d:infData/d:contact[@type='tech']"), "c-two", "info: tech contact");
	tap_is_str(xs("//d:infData/d:ns/d:hostObj"), "ns1.example.net", "info: name server");
	tap_is_str(xs("//d:infData/d:status/@s"), "ok", "info: status ok");
	tap_is_str(xs("//d:infData/d:clID"), "registrar1", "info: clID");
	tap_is_str(xs("//d:infData/d:exDate"), exdate, "info: exDate");
	tap_is_str(xs("//d:infData/d:authInfo/d:pw"), "dom-auth", "info: authInfo for the sponsor");
	tap_is_int(cmd(&s1, "<info><domain:info " DOM "><domain:name hosts=\"none\">example.com"
	    "</domain:name></domain:info></info>"), 1000, "info hosts=none");
	tap_is_int(xn("//d:infData/d:ns"), 0, "shows no name servers");
	tap_is_int(cmd(&s2, "<info><domain:info " DOM "><domain:name>example.com</domain:name>"
	    "</domain:info></info>"), 1000, "info by another registrar without authInfo");
	tap_is_int(xn("//d:infData/d:authInfo"), 0, "shows no authInfo");
	tap_is_int(cmd(&s2, "<info><domain:info " DOM "><domain:name>example.com</domain:name>"
	    "<domain:authInfo><domain:pw>wrong</domain:pw></domain:authInfo></domain:info></info>"),
	    2202, "info with a wrong authInfo: 2202");
	tap_is_int(cmd(&s2, "<info><domain:info " DOM "><domain:name>example.com</domain:name>"
	    "<domain:authInfo><domain:pw>dom-auth</domain:pw></domain:authInfo></domain:info>"
	    "</info>"), 1000, "info with the right authInfo");
	tap_is_str(xs("//d:infData/d:authInfo/d:pw"), "dom-auth", "shows the authInfo");
	tap_is_int(cmd(&s1, "<info><domain:info " DOM "><domain:name>nothere.example</domain:name>"
	    "</domain:info></info>"), 2303, "info of a missing domain: 2303");

	tap_is_int(cmd(&s1, "<info><contact:info " CON "><contact:id>c-one</contact:id>"
	    "</contact:info></info>"), 1000, "contact info");
	tap_is_str(xs("//c:infData/c:postalInfo/c:name"), "One & Only", "escaped text round trip");
	tap_is_str(xs("//c:infData/c:status/@s"), "linked", "a used contact is linked");
	tap_is_str(xs("//c:infData/c:voice/@x"), "12", "voice extension kept");
}

static void
test_renew(void)
{
	char cur[32], ex[32];

	cmd(&s1, "<info><domain:info " DOM "><domain:name>example.com</domain:name>"
	    "</domain:info></info>");
	snprintf(ex, sizeof(ex), "%s", xs("//d:infData/d:exDate"));
	snprintf(cur, sizeof(cur), "%.10s", ex);
	tap_is_int(cmd(&s1, "<renew><domain:renew " DOM "><domain:name>example.com</domain:name>"
	    "<domain:curExpDate>1999-01-01</domain:curExpDate><domain:period unit=\"y\">1"
	    "</domain:period></domain:renew></renew>"), 2306, "renew with a wrong curExpDate: 2306");
	tap_is_int(cmd(&s2, "<renew><domain:renew " DOM "><domain:name>example.com</domain:name>"
	    "<domain:curExpDate>%s</domain:curExpDate></domain:renew></renew>", cur), 2201,
	    "renew by another registrar: 2201");
	tap_is_int(cmd(&s1, "<renew><domain:renew " DOM "><domain:name>example.com</domain:name>"
	    "<domain:curExpDate>%s</domain:curExpDate><domain:period unit=\"y\">3</domain:period>"
	    "</domain:renew></renew>", cur), 1000, "renew by 3 years");
	tap_is_int(atoi(xs("//d:renData/d:exDate")) - atoi(ex), 3, "exDate moved by 3 years");
	tap_is_str(xs("//d:renData/d:exDate") + 4, ex + 4, "to the same day");
	tap_is_int(cmd(&s1, "<renew><domain:renew " DOM "><domain:name>example.com</domain:name>"
	    "<domain:curExpDate>%s</domain:curExpDate></domain:renew></renew>", cur), 2306,
	    "renewing again with the old date: 2306");
	snprintf(cur, sizeof(cur), "%04d%.6s", atoi(ex) % 10000 + 3, ex + 4);
	tap_is_int(cmd(&s1, "<renew><domain:renew " DOM "><domain:name>example.com</domain:name>"
	    "<domain:curExpDate>%s</domain:curExpDate><domain:period unit=\"y\">9</domain:period>"
	    "</domain:renew></renew>", cur), 2306, "renewing beyond 10 years: 2306");
}

static void
test_update_statuses(void)
{
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "<domain:add><domain:status s=\"clientDeleteProhibited\" lang=\"en\">locked by owner"
	    "</domain:status><domain:status s=\"clientHold\"/></domain:add></domain:update>"
	    "</update>"), 1000, "update adds two statuses");
	cmd(&s1, "<info><domain:info " DOM "><domain:name>example.com</domain:name>"
	    "</domain:info></info>");
	tap_is_int(xn("//d:infData/d:status"), 2, "info shows two statuses");
	tap_is_str(xs("//d:infData/d:status[@s='clientDeleteProhibited']"), "locked by owner",
	    "with the status text");
	tap_is_int(xn("//d:infData/d:upID"), 1, "and upID");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "<domain:add><domain:status s=\"clientHold\"/></domain:add></domain:update></update>"),
	    2306, "adding a status that is set: 2306");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "<domain:add><domain:status s=\"pendingDelete\"/></domain:add></domain:update>"
	    "</update>"), 2306, "adding pendingDelete: 2306");
	tap_is_int(cmd(&s1, "<delete><domain:delete " DOM "><domain:name>example.com</domain:name>"
	    "</domain:delete></delete>"), 2304, "delete with clientDeleteProhibited: 2304");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "<domain:rem><domain:status s=\"clientHold\"/></domain:rem><domain:add>"
	    "<domain:status s=\"clientUpdateProhibited\"/></domain:add></domain:update></update>"),
	    1000, "update removes clientHold, adds clientUpdateProhibited");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "<domain:add><domain:ns><domain:hostObj>ns2.example.net</domain:hostObj></domain:ns>"
	    "</domain:add></domain:update></update>"), 2304,
	    "clientUpdateProhibited refuses an update: 2304");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "<domain:add><domain:ns><domain:hostObj>ns2.example.net</domain:hostObj></domain:ns>"
	    "</domain:add><domain:rem><domain:status s=\"clientUpdateProhibited\"/></domain:rem>"
	    "</domain:update></update>"), 1000, "but not one that removes it");
	cmd(&s1, "<info><domain:info " DOM "><domain:name>example.com</domain:name>"
	    "</domain:info></info>");
	tap_is_int(xn("//d:infData/d:ns/d:hostObj"), 2, "the name server was added");
	tap_is_int(cmd(&s2, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "<domain:chg><domain:authInfo><domain:pw>mine</domain:pw></domain:authInfo></domain:chg>"
	    "</domain:update></update>"), 2201, "update by another registrar: 2201");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "<domain:rem><domain:contact type=\"billing\">c-two</domain:contact></domain:rem>"
	    "</domain:update></update>"), 2306, "removing a contact that is not there: 2306");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "<domain:add><domain:contact type=\"billing\">c-two</domain:contact></domain:add>"
	    "<domain:chg><domain:registrant>c-two</domain:registrant></domain:chg>"
	    "</domain:update></update>"), 1000, "add a contact and change the registrant");
	cmd(&s1, "<info><domain:info " DOM "><domain:name>example.com</domain:name>"
	    "</domain:info></info>");
	tap_is_str(xs("//d:infData/d:registrant"), "c-two", "registrant changed");
	tap_is_int(xn("//d:infData/d:contact"), 3, "three contacts");
}

static void
test_links(void)
{
	tap_is_int(cmd(&s1, "<delete><host:delete " HOST "><host:name>ns1.example.net</host:name>"
	    "</host:delete></host:delete>"), 2001, "mismatched end tag: 2001");
	tap_is_int(cmd(&s1, "<delete><host:delete " HOST "><host:name>ns1.example.net</host:name>"
	    "</host:delete></delete>"), 2305, "delete of a linked host: 2305");
	tap_is_int(cmd(&s1, "<delete><contact:delete " CON "><contact:id>c-one</contact:id>"
	    "</contact:delete></delete>"), 2305, "delete of a linked contact: 2305");
	tap_is_int(cmd(&s1, "<info><host:info " HOST "><host:name>ns1.example.net</host:name>"
	    "</host:info></info>"), 1000, "host info");
	tap_is_str(xs("//h:infData/h:status/@s"), "linked", "a name server is linked");
	tap_is_int(cmd(&s1, "<create><host:create " HOST "><host:name>ns1.example.com</host:name>"
	    "<host:addr>192.0.2.53</host:addr></host:create></create>"), 1000,
	    "a subordinate host under example.com");
	tap_is_int(cmd(&s2, "<create><host:create " HOST "><host:name>ns2.example.com</host:name>"
	    "</host:create></create>"), 2201, "another registrar cannot create one: 2201");
	cmd(&s1, "<info><domain:info " DOM "><domain:name>example.com</domain:name>"
	    "</domain:info></info>");
	tap_is_str(xs("//d:infData/d:host"), "ns1.example.com", "domain info lists it");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "<domain:rem><domain:status s=\"clientDeleteProhibited\"/></domain:rem>"
	    "</domain:update></update>"), 1000, "remove clientDeleteProhibited");
	tap_is_int(cmd(&s1, "<delete><domain:delete " DOM "><domain:name>example.com"
	    "</domain:name></domain:delete></delete>"), 2305,
	    "delete of a domain with a subordinate host: 2305");
	tap_is_int(cmd(&s1, "<update><host:update " HOST "><host:name>ns1.example.com</host:name>"
	    "<host:add><host:addr ip=\"v6\">2001:db8::53</host:addr></host:add>"
	    "<host:chg><host:name>dns.example.net</host:name></host:chg></host:update></update>"),
	    1000, "host rename out of the domain, with a new address");
	tap_is_int(cmd(&s1, "<info><host:info " HOST "><host:name>dns.example.net</host:name>"
	    "</host:info></info>"), 1000, "renamed host found");
	tap_is_int(xn("//h:infData/h:addr"), 2, "with two addresses");
	tap_is_int(cmd(&s1, "<delete><host:delete " HOST "><host:name>dns.example.net</host:name>"
	    "</host:delete></delete>"), 1000, "an unlinked host is deleted");
}

static void
test_secdns(void)
{
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "</domain:update></update><extension><secDNS:update " SEC "><secDNS:add>"
	    "<secDNS:dsData><secDNS:keyTag>12345</secDNS:keyTag><secDNS:alg>13</secDNS:alg>"
	    "<secDNS:digestType>2</secDNS:digestType><secDNS:digest>49FD46E6C4B45C55D4AC"
	    "</secDNS:digest></secDNS:dsData><secDNS:dsData><secDNS:keyTag>2</secDNS:keyTag>"
	    "<secDNS:alg>8</secDNS:alg><secDNS:digestType>1</secDNS:digestType>"
	    "<secDNS:digest>AABB</secDNS:digest><secDNS:keyData><secDNS:flags>257</secDNS:flags>"
	    "<secDNS:protocol>3</secDNS:protocol><secDNS:alg>8</secDNS:alg>"
	    "<secDNS:pubKey>AwEAAQ==</secDNS:pubKey></secDNS:keyData></secDNS:dsData>"
	    "</secDNS:add><secDNS:chg><secDNS:maxSigLife>604800</secDNS:maxSigLife></secDNS:chg>"
	    "</secDNS:update></extension>"), 1000, "secDNS add two DS records");
	cmd(&s1, "<info><domain:info " DOM "><domain:name>example.com</domain:name>"
	    "</domain:info></info>");
	tap_is_int(xn("//e:extension/s:infData/s:dsData"), 2, "info shows secDNS:infData");
	tap_is_str(xs("//s:infData/s:dsData[1]/s:keyTag"), "12345", "keyTag stored");
	tap_is_str(xs("//s:infData/s:maxSigLife"), "604800", "maxSigLife stored");
	tap_is_str(xs("//s:infData/s:dsData[2]/s:keyData/s:flags"), "257", "nested keyData stored");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "</domain:update></update><extension><secDNS:update " SEC "><secDNS:add>"
	    "<secDNS:keyData><secDNS:flags>257</secDNS:flags><secDNS:protocol>3</secDNS:protocol>"
	    "<secDNS:alg>8</secDNS:alg><secDNS:pubKey>AwEAAQ==</secDNS:pubKey></secDNS:keyData>"
	    "</secDNS:add></secDNS:update></extension>"), 2306, "mixing keyData alone: 2306");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "</domain:update></update><extension><secDNS:update " SEC "><secDNS:rem>"
	    "<secDNS:dsData><secDNS:keyTag>12345</secDNS:keyTag><secDNS:alg>13</secDNS:alg>"
	    "<secDNS:digestType>2</secDNS:digestType><secDNS:digest>49fd46e6c4b45c55d4ac"
	    "</secDNS:digest></secDNS:dsData></secDNS:rem></secDNS:update></extension>"), 1000,
	    "secDNS rem one record (digest case-insensitive)");
	cmd(&s1, "<info><domain:info " DOM "><domain:name>example.com</domain:name>"
	    "</domain:info></info>");
	tap_is_int(xn("//s:infData/s:dsData"), 1, "one record left");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "</domain:update></update><extension><secDNS:update " SEC "><secDNS:rem>"
	    "<secDNS:all>true</secDNS:all></secDNS:rem></secDNS:update></extension>"), 1000,
	    "secDNS rem all");
	cmd(&s1, "<info><domain:info " DOM "><domain:name>example.com</domain:name>"
	    "</domain:info></info>");
	tap_is_int(xn("//s:infData"), 0, "no secDNS:infData left");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "</domain:update></update><extension><secDNS:update " SEC "><secDNS:add>"
	    "<secDNS:dsData><secDNS:keyTag>70000</secDNS:keyTag><secDNS:alg>13</secDNS:alg>"
	    "<secDNS:digestType>2</secDNS:digestType><secDNS:digest>AA</secDNS:digest>"
	    "</secDNS:dsData></secDNS:add></secDNS:update></extension>"), 2005,
	    "keyTag out of range: 2005");
	tap_is_int(cmd(&s1, "<create><domain:create " DOM "><domain:name>signed.example"
	    "</domain:name><domain:authInfo><domain:pw>x</domain:pw></domain:authInfo>"
	    "</domain:create></create><extension><secDNS:create " SEC "><secDNS:keyData>"
	    "<secDNS:flags>257</secDNS:flags><secDNS:protocol>3</secDNS:protocol>"
	    "<secDNS:alg>13</secDNS:alg><secDNS:pubKey>AwEAAQ==</secDNS:pubKey></secDNS:keyData>"
	    "</secDNS:create></extension>"), 1000, "create with secDNS keyData");
	cmd(&s1, "<info><domain:info " DOM "><domain:name>signed.example</domain:name>"
	    "</domain:info></info>");
	tap_is_str(xs("//s:infData/s:keyData/s:alg"), "13", "keyData interface stored");
	tap_is_str(xs("//d:infData/d:status/@s"), "inactive", "a domain without ns is inactive");
}

static int
poll_req(struct sim_session *s, char *id, size_t cap)
{
	int code = cmd(s, "<poll op=\"req\"/>");

	snprintf(id, cap, "%s", xs("//e:msgQ/@id"));
	return code;
}

static void
test_transfer(void)
{
	char id[32], ex[32];
	int y;

	/* drain anything queued so far */
	while (poll_req(&s1, id, sizeof(id)) == 1301)
		cmd(&s1, "<poll op=\"ack\" msgID=\"%s\"/>", id);
	tap_is_int(poll_req(&s1, id, sizeof(id)), 1300, "empty queue: 1300");
	tap_is_int(cmd(&s1, "<create><host:create " HOST "><host:name>ns5.example.com</host:name>"
	    "<host:addr>192.0.2.5</host:addr></host:create></create>"), 1000,
	    "a subordinate host before the transfer");

	tap_is_int(cmd(&s2, "<transfer op=\"query\"><domain:transfer " DOM "><domain:name>"
	    "example.com</domain:name></domain:transfer></transfer>"), 2301,
	    "query before any transfer: 2301");
	tap_is_int(cmd(&s2, "<transfer op=\"request\"><domain:transfer " DOM "><domain:name>"
	    "example.com</domain:name><domain:authInfo><domain:pw>wrong</domain:pw>"
	    "</domain:authInfo></domain:transfer></transfer>"), 2202,
	    "transfer request with a wrong authInfo: 2202");
	tap_is_int(cmd(&s1, "<transfer op=\"request\"><domain:transfer " DOM "><domain:name>"
	    "example.com</domain:name><domain:authInfo><domain:pw>dom-auth</domain:pw>"
	    "</domain:authInfo></domain:transfer></transfer>"), 2106,
	    "transfer request by the sponsor: 2106");

	/* request, cancel */
	tap_is_int(cmd(&s2, "<transfer op=\"request\"><domain:transfer " DOM "><domain:name>"
	    "example.com</domain:name><domain:authInfo><domain:pw>dom-auth</domain:pw>"
	    "</domain:authInfo></domain:transfer></transfer>"), 1001, "transfer request: 1001");
	tap_is_str(xs("//d:trnData/d:trStatus"), "pending", "trStatus pending");
	tap_is_str(xs("//d:trnData/d:reID"), "registrar2", "reID");
	tap_is_str(xs("//d:trnData/d:acID"), "registrar1", "acID");
	tap_is_int(cmd(&s2, "<transfer op=\"request\"><domain:transfer " DOM "><domain:name>"
	    "example.com</domain:name><domain:authInfo><domain:pw>dom-auth</domain:pw>"
	    "</domain:authInfo></domain:transfer></transfer>"), 2300, "a second request: 2300");
	cmd(&s1, "<info><domain:info " DOM "><domain:name>example.com</domain:name>"
	    "</domain:info></info>");
	tap_is_int(xn("//d:infData/d:status[@s='pendingTransfer']"), 1, "info: pendingTransfer");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "<domain:add><domain:status s=\"clientHold\"/></domain:add></domain:update></update>"),
	    2304, "update while pendingTransfer: 2304");
	tap_is_int(poll_req(&s1, id, sizeof(id)), 1301, "the sponsor gets a poll message");
	tap_is_str(xs("//e:msgQ/@count"), "1", "msgQ count 1");
	tap_is_str(xs("//e:msgQ/e:msg"), "Transfer requested.", "msg text");
	tap_is_str(xs("//e:resData/d:trnData/d:trStatus"), "pending", "with trnData");
	tap_ok(strlen(xs("//e:msgQ/e:qDate")) > 10, "and qDate");
	tap_is_int(cmd(&s1, "<poll op=\"ack\" msgID=\"%s\"/>", id), 1000, "ack");
	tap_is_str(xs("//e:msgQ/@count"), "0", "ack: count 0");
	tap_is_int(cmd(&s1, "<poll op=\"ack\" msgID=\"%s\"/>", id), 2303, "ack again: 2303");
	tap_is_int(cmd(&s1, "<transfer op=\"cancel\"><domain:transfer " DOM "><domain:name>"
	    "example.com</domain:name></domain:transfer></transfer>"), 2201,
	    "cancel by the sponsor: 2201");
	tap_is_int(cmd(&s2, "<transfer op=\"cancel\"><domain:transfer " DOM "><domain:name>"
	    "example.com</domain:name></domain:transfer></transfer>"), 1000,
	    "cancel by the requester");
	tap_is_str(xs("//d:trnData/d:trStatus"), "clientCancelled", "clientCancelled");
	tap_is_int(poll_req(&s1, id, sizeof(id)), 1301, "the sponsor hears of the cancel");
	tap_is_str(xs("//d:trnData/d:trStatus"), "clientCancelled", "in trnData");
	cmd(&s1, "<poll op=\"ack\" msgID=\"%s\"/>", id);

	/* request, reject */
	cmd(&s2, "<transfer op=\"request\"><domain:transfer " DOM "><domain:name>example.com"
	    "</domain:name><domain:authInfo><domain:pw>dom-auth</domain:pw></domain:authInfo>"
	    "</domain:transfer></transfer>");
	tap_is_int(cmd(&s2, "<transfer op=\"reject\"><domain:transfer " DOM "><domain:name>"
	    "example.com</domain:name></domain:transfer></transfer>"), 2201,
	    "reject by the requester: 2201");
	tap_is_int(cmd(&s1, "<transfer op=\"reject\"><domain:transfer " DOM "><domain:name>"
	    "example.com</domain:name></domain:transfer></transfer>"), 1000, "reject by the sponsor");
	tap_is_int(poll_req(&s2, id, sizeof(id)), 1301, "the requester hears of the reject");
	tap_is_str(xs("//d:trnData/d:trStatus"), "clientRejected", "clientRejected");
	cmd(&s2, "<poll op=\"ack\" msgID=\"%s\"/>", id);
	poll_req(&s1, id, sizeof(id));
	cmd(&s1, "<poll op=\"ack\" msgID=\"%s\"/>", id);

	/* request, approve */
	cmd(&s1, "<info><domain:info " DOM "><domain:name>example.com</domain:name>"
	    "</domain:info></info>");
	snprintf(ex, sizeof(ex), "%s", xs("//d:infData/d:exDate"));
	cmd(&s2, "<transfer op=\"request\"><domain:transfer " DOM "><domain:name>example.com"
	    "</domain:name><domain:period unit=\"y\">1</domain:period><domain:authInfo>"
	    "<domain:pw>dom-auth</domain:pw></domain:authInfo></domain:transfer></transfer>");
	tap_is_int(atoi(xs("//d:trnData/d:exDate")) - atoi(ex), 1,
	    "the request shows the exDate after approval");
	tap_is_int(cmd(&s1, "<transfer op=\"approve\"><domain:transfer " DOM "><domain:name>"
	    "example.com</domain:name></domain:transfer></transfer>"), 1000, "approve");
	tap_is_str(xs("//d:trnData/d:trStatus"), "clientApproved", "clientApproved");
	tap_is_int(poll_req(&s2, id, sizeof(id)), 1301, "the requester hears of the approval");
	tap_is_str(xs("//d:trnData/d:trStatus"), "clientApproved", "in trnData");
	tap_is_int(cmd(&s2, "<info><domain:info " DOM "><domain:name>example.com</domain:name>"
	    "</domain:info></info>"), 1000, "info by the new sponsor");
	tap_is_str(xs("//d:infData/d:clID"), "registrar2", "clID moved");
	y = atoi(xs("//d:infData/d:exDate"));
	tap_is_int(y - atoi(ex), 1, "exDate moved by the period");
	tap_is_int(xn("//d:infData/d:trDate"), 1, "trDate set");
	cmd(&s2, "<info><host:info " HOST "><host:name>ns5.example.com</host:name></host:info>"
	    "</info>");
	tap_is_str(xs("//h:infData/h:clID"), "registrar2", "the subordinate host went along");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>example.com</domain:name>"
	    "<domain:add><domain:status s=\"clientHold\"/></domain:add></domain:update></update>"),
	    2201, "the old sponsor may not update: 2201");
	tap_is_int(cmd(&s1, "<transfer op=\"query\"><domain:transfer " DOM "><domain:name>"
	    "example.com</domain:name></domain:transfer></transfer>"), 1000,
	    "the old sponsor may query");
	tap_is_int(cmd(&s3, "<transfer op=\"query\"><domain:transfer " DOM "><domain:name>"
	    "example.com</domain:name></domain:transfer></transfer>"), 2002,
	    "query without login: 2002");

	/* contacts transfer the same way */
	tap_is_int(cmd(&s2, "<transfer op=\"request\"><contact:transfer " CON "><contact:id>c-one"
	    "</contact:id><contact:authInfo><contact:pw>c1-auth</contact:pw></contact:authInfo>"
	    "</contact:transfer></transfer>"), 1001, "contact transfer request: 1001");
	tap_is_str(xs("//c:trnData/c:trStatus"), "pending", "contact trnData");
	tap_is_int(cmd(&s1, "<transfer op=\"approve\"><contact:transfer " CON "><contact:id>c-one"
	    "</contact:id></contact:transfer></transfer>"), 1000, "contact transfer approved");
	tap_is_int(poll_req(&s2, id, sizeof(id)), 1301, "poll: the first of two messages");
	tap_is_str(xs("//e:msgQ/@count"), "2", "count 2");
	cmd(&s2, "<poll op=\"ack\" msgID=\"%s\"/>", id);
	tap_is_int(poll_req(&s2, id, sizeof(id)), 1301, "poll: the second");
	tap_is_str(xs("//c:trnData/c:trStatus"), "clientApproved", "the contact transfer notice");
	cmd(&s2, "<poll op=\"ack\" msgID=\"%s\"/>", id);
}

static void
test_delete_restore(void)
{
	char id[32];

	create_domain(&s1, "gone.example", "");
	tap_is_str(CODE(), "1000", "create gone.example");
	tap_is_int(cmd(&s2, "<delete><domain:delete " DOM "><domain:name>gone.example"
	    "</domain:name></domain:delete></delete>"), 2201, "delete by another registrar: 2201");
	tap_is_int(cmd(&s1, "<delete><domain:delete " DOM "><domain:name>gone.example"
	    "</domain:name></domain:delete></delete>"), 1000, "delete");
	cmd(&s1, "<check><domain:check " DOM "><domain:name>gone.example</domain:name>"
	    "</domain:check></check>");
	tap_is_str(xs("//d:cd/d:name/@avail"), "0", "a deleted domain is not available yet");
	tap_is_str(xs("//d:cd/d:reason"), "pending delete", "reason: pending delete");
	cmd(&s1, "<info><domain:info " DOM "><domain:name>gone.example</domain:name>"
	    "</domain:info></info>");
	tap_is_int(xn("//d:infData/d:status[@s='pendingDelete']"), 1, "info: pendingDelete");
	tap_is_str(xs("//r:infData/r:rgpStatus/@s"), "redemptionPeriod",
	    "info: rgp redemptionPeriod");
	tap_is_int(cmd(&s1, "<renew><domain:renew " DOM "><domain:name>gone.example</domain:name>"
	    "<domain:curExpDate>2000-01-01</domain:curExpDate></domain:renew></renew>"), 2304,
	    "renew while pendingDelete: 2304");
	tap_is_int(cmd(&s1, "<delete><host:delete " HOST "><host:name>ns1.example.net</host:name>"
	    "</host:delete></delete>"), 2305, "its name server stays linked");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>gone.example"
	    "</domain:name><domain:chg/></domain:update></update><extension><rgp:update " RGP ">"
	    "<rgp:restore op=\"request\"/></rgp:update></extension>"), 1000, "rgp restore request");
	tap_is_str(xs("//e:extension/r:upData/r:rgpStatus/@s"), "pendingRestore", "rgp:upData");
	cmd(&s1, "<info><domain:info " DOM "><domain:name>gone.example</domain:name>"
	    "</domain:info></info>");
	tap_is_int(xn("//d:infData/d:status[@s='pendingDelete']"), 0, "restored: no pendingDelete");
	tap_is_int(xn("//r:infData"), 0, "no rgp:infData");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>gone.example"
	    "</domain:name></domain:update></update><extension><rgp:update " RGP ">"
	    "<rgp:restore op=\"request\"/></rgp:update></extension>"), 2304,
	    "restore of a live domain: 2304");
	cmd(&s1, "<delete><domain:delete " DOM "><domain:name>gone.example</domain:name>"
	    "</domain:delete></delete>");
	registry_advance_clock(reg, 31 * DAY);
	cmd(&s1, "<check><domain:check " DOM "><domain:name>gone.example</domain:name>"
	    "</domain:check></check>");
	tap_is_str(xs("//d:cd/d:name/@avail"), "1", "after the redemption period it is available");
	tap_is_int(cmd(&s1, "<info><domain:info " DOM "><domain:name>gone.example</domain:name>"
	    "</domain:info></info>"), 2303, "and gone from info");
	while (poll_req(&s1, id, sizeof(id)) == 1301)
		cmd(&s1, "<poll op=\"ack\" msgID=\"%s\"/>", id);
}

static void
test_fee(void)
{
	tap_is_int(cmd(&s1, "<check><domain:check " DOM "><domain:name>fee1.example</domain:name>"
	    "<domain:name>fee2.example</domain:name></domain:check></check><extension>"
	    "<fee:check " FEE "><fee:currency>USD</fee:currency><fee:command name=\"create\">"
	    "<fee:period unit=\"y\">2</fee:period></fee:command><fee:command name=\"renew\"/>"
	    "<fee:command name=\"restore\"/></fee:check></extension>"), 1000, "fee check");
	tap_is_str(xs("//f:chkData/f:currency"), "USD", "fee currency");
	tap_is_int(xn("//f:chkData/f:cd"), 2, "one fee:cd per domain");
	tap_is_str(xs("//f:cd[1]/f:objID"), "fee1.example", "objID");
	tap_is_str(xs("//f:cd[1]/@avail"), "1", "avail");
	tap_is_str(xs("//f:cd[1]/f:class"), "standard", "class");
	tap_is_str(xs("//f:cd[1]/f:command[@name='create']/f:period"), "2", "create period");
	tap_is_str(xs("//f:cd[1]/f:command[@name='create']/f:fee"), "20.00", "2 years: 20.00");
	tap_is_str(xs("//f:cd[2]/f:command[@name='renew']/f:fee"), "10.00", "renew 1 year: 10.00");
	tap_is_str(xs("//f:cd[2]/f:command[@name='restore']/f:fee"), "40.00", "restore: 40.00");
	tap_is_int(xn("//d:chkData/d:cd"), 2, "the domain check part is there too");
	tap_is_int(cmd(&s1, "<check><domain:check " DOM "><domain:name>fee1.example</domain:name>"
	    "</domain:check></check><extension><fee:check " FEE "><fee:currency>EUR</fee:currency>"
	    "<fee:command name=\"create\"/></fee:check></extension>"), 2306,
	    "an unsupported currency: 2306");
}

static void
test_contact_update(void)
{
	tap_is_int(cmd(&s1, "<update><contact:update " CON "><contact:id>c-two</contact:id>"
	    "<contact:add><contact:status s=\"clientDeleteProhibited\"/></contact:add>"
	    "<contact:chg><contact:postalInfo type=\"loc\"><contact:org>Org</contact:org>"
	    "</contact:postalInfo><contact:email>new@example.net</contact:email></contact:chg>"
	    "</contact:update></update>"), 1000, "contact update");
	cmd(&s1, "<info><contact:info " CON "><contact:id>c-two</contact:id></contact:info></info>");
	tap_is_str(xs("//c:infData/c:email"), "new@example.net", "email changed");
	tap_is_str(xs("//c:infData/c:postalInfo/c:org"), "Org", "org added");
	tap_is_str(xs("//c:infData/c:postalInfo/c:name"), "Two", "name kept");
	tap_is_int(xn("//c:infData/c:status[@s='clientDeleteProhibited']"), 1, "status added");
	tap_is_int(cmd(&s1, "<update><contact:update " CON "><contact:id>c-two</contact:id>"
	    "<contact:chg><contact:voice>12345</contact:voice></contact:chg></contact:update>"
	    "</update>"), 2005, "a voice number that is not E.164: 2005");
}

/* RFC 5733: disclose preferences kept and shown, phone extensions, contact transfer. */
static void
test_contact_extras(void)
{
	tap_is_int(cmd(&s1, "<create><contact:create " CON "><contact:id>c-disc</contact:id>"
	    "<contact:postalInfo type=\"int\"><contact:name>D</contact:name><contact:addr>"
	    "<contact:city>C</contact:city><contact:cc>US</contact:cc></contact:addr>"
	    "</contact:postalInfo><contact:voice x=\"1234\">+1.7035555555</contact:voice>"
	    "<contact:fax x=\"9\">+1.7035555556</contact:fax><contact:email>d@example.net"
	    "</contact:email><contact:authInfo><contact:pw>disc-pw</contact:pw></contact:authInfo>"
	    "<contact:disclose flag=\"0\"><contact:name type=\"loc\"/><contact:name type=\"int\"/>"
	    "<contact:addr type=\"int\"/><contact:voice/><contact:email/></contact:disclose>"
	    "</contact:create></create>"), 1000, "contact create with disclose and extensions");
	cmd(&s1, "<info><contact:info " CON "><contact:id>c-disc</contact:id></contact:info></info>");
	tap_is_str(xs("//c:infData/c:voice/@x"), "1234", "info: voice extension");
	tap_is_str(xs("//c:infData/c:fax/@x"), "9", "info: fax extension");
	tap_is_str(xs("//c:infData/c:disclose/@flag"), "0", "info: disclose flag");
	tap_is_int(xn("//c:infData/c:disclose/*"), 5, "info: the five elements named");
	tap_is_str(xs("//c:infData/c:disclose/c:name[1]/@type"), "int",
	    "info: in schema order, int before loc");
	tap_is_int(xn("//c:infData/c:disclose/c:fax"), 0, "info: fax not named");
	tap_is_int(cmd(&s2, "<info><contact:info " CON "><contact:id>c-disc</contact:id>"
	    "</contact:info></info>"), 1000, "another registrar's info");
	tap_is_int(xn("//c:infData/c:disclose"), 1, "... shows the preferences too");
	tap_is_int(cmd(&s1, "<update><contact:update " CON "><contact:id>c-disc</contact:id>"
	    "<contact:chg><contact:voice>+1.7035555000</contact:voice><contact:disclose flag=\"1\">"
	    "<contact:org type=\"loc\"/><contact:fax/></contact:disclose></contact:chg>"
	    "</contact:update></update>"), 1000, "contact update of voice and disclose");
	cmd(&s1, "<info><contact:info " CON "><contact:id>c-disc</contact:id></contact:info></info>");
	tap_is_int(xn("//c:infData/c:voice/@x"), 0, "a new number without extension drops it");
	tap_is_str(xs("//c:infData/c:fax/@x"), "9", "the fax keeps its extension");
	tap_is_str(xs("//c:infData/c:disclose/@flag"), "1", "disclose replaced: flag");
	tap_is_int(xn("//c:infData/c:disclose/*"), 2, "disclose replaced: two elements");
	tap_is_str(xs("//c:infData/c:disclose/c:org/@type"), "loc", "disclose replaced: org loc");
	tap_is_int(cmd(&s1, "<update><contact:update " CON "><contact:id>c-disc</contact:id>"
	    "<contact:chg><contact:disclose flag=\"1\"><contact:addr type=\"both\"/>"
	    "</contact:disclose></contact:chg></contact:update></update>"), 2005,
	    "disclose with a bad type: 2005");
	tap_is_int(cmd(&s1, "<update><contact:update " CON "><contact:id>c-disc</contact:id>"
	    "<contact:chg><contact:disclose flag=\"maybe\"><contact:fax/></contact:disclose>"
	    "</contact:chg></contact:update></update>"), 2005, "disclose with a bad flag: 2005");
	tap_is_int(cmd(&s1, "<update><contact:update " CON "><contact:id>c-disc</contact:id>"
	    "<contact:chg><contact:disclose flag=\"0\"/></contact:chg></contact:update>"
	    "</update>"), 2003, "disclose naming nothing: 2003");
	cmd(&s1, "<info><contact:info " CON "><contact:id>c-disc</contact:id></contact:info></info>");
	tap_is_int(xn("//c:infData/c:disclose/*"), 2, "refused updates changed nothing");
	/* Contact transfer, every op. */
	tap_is_int(cmd(&s2, "<transfer op=\"request\"><contact:transfer " CON "><contact:id>c-disc"
	    "</contact:id><contact:authInfo><contact:pw>disc-pw</contact:pw></contact:authInfo>"
	    "</contact:transfer></transfer>"), 1001, "contact transfer request");
	tap_is_int(cmd(&s2, "<transfer op=\"cancel\"><contact:transfer " CON "><contact:id>c-disc"
	    "</contact:id></contact:transfer></transfer>"), 1000, "contact transfer cancel");
	tap_is_str(xs("//c:trnData/c:trStatus"), "clientCancelled", "cancelled");
	cmd(&s2, "<transfer op=\"request\"><contact:transfer " CON "><contact:id>c-disc"
	    "</contact:id><contact:authInfo><contact:pw>disc-pw</contact:pw></contact:authInfo>"
	    "</contact:transfer></transfer>");
	tap_is_int(cmd(&s1, "<transfer op=\"reject\"><contact:transfer " CON "><contact:id>c-disc"
	    "</contact:id></contact:transfer></transfer>"), 1000, "contact transfer reject");
	cmd(&s2, "<transfer op=\"request\"><contact:transfer " CON "><contact:id>c-disc"
	    "</contact:id><contact:authInfo><contact:pw>disc-pw</contact:pw></contact:authInfo>"
	    "</contact:transfer></transfer>");
	tap_is_int(cmd(&s1, "<transfer op=\"query\"><contact:transfer " CON "><contact:id>c-disc"
	    "</contact:id></contact:transfer></transfer>"), 1000, "contact transfer query");
	tap_is_str(xs("//c:trnData/c:trStatus"), "pending", "pending");
	tap_is_int(cmd(&s1, "<transfer op=\"approve\"><contact:transfer " CON "><contact:id>c-disc"
	    "</contact:id></contact:transfer></transfer>"), 1000, "contact transfer approve");
	cmd(&s2, "<info><contact:info " CON "><contact:id>c-disc</contact:id></contact:info></info>");
	tap_is_str(xs("//c:infData/c:clID"), "registrar2", "the contact is registrar2's");
	tap_is_int(cmd(&s2, "<update><contact:update " CON "><contact:id>c-disc</contact:id>"
	    "<contact:chg><contact:voice x=\"%0300d\">+1.7035555000</contact:voice></contact:chg>"
	    "</contact:update></update>", 7), 2005, "an extension of 300 characters: 2005");
}

/* RFC 5731 section 3.1.2: the authInfo of an associated contact, named by its roid. */
static void
test_roid(void)
{
	char reg_roid[32], dom_roid[32], tech_roid[32], own[32];

	create_domain(&s1, "roid.example", "");
	tap_is_str(CODE(), "1000", "create roid.example");
	cmd(&s1, "<info><contact:info " CON "><contact:id>c-one</contact:id></contact:info></info>");
	snprintf(reg_roid, sizeof(reg_roid), "%s", xs("//c:infData/c:roid"));
	cmd(&s1, "<info><contact:info " CON "><contact:id>c-two</contact:id></contact:info></info>");
	snprintf(tech_roid, sizeof(tech_roid), "%s", xs("//c:infData/c:roid"));
	cmd(&s1, "<info><domain:info " DOM "><domain:name>roid.example</domain:name></domain:info>"
	    "</info>");
	snprintf(dom_roid, sizeof(dom_roid), "%s", xs("//d:infData/d:roid"));
	tap_is_int(cmd(&s2, "<info><domain:info " DOM "><domain:name>roid.example</domain:name>"
	    "<domain:authInfo><domain:pw roid=\"%s\">c1-auth</domain:pw></domain:authInfo>"
	    "</domain:info></info>", reg_roid), 1000, "info with the registrant's authInfo (%s)",
	    reg_roid);
	tap_is_str(xs("//d:infData/d:authInfo/d:pw"), "dom-auth", "... gives the full info");
	tap_is_int(cmd(&s2, "<info><domain:info " DOM "><domain:name>roid.example</domain:name>"
	    "<domain:authInfo><domain:pw>c1-auth</domain:pw></domain:authInfo>"
	    "</domain:info></info>"), 2202, "the registrant's authInfo without its roid: 2202");
	tap_is_int(cmd(&s2, "<info><domain:info " DOM "><domain:name>roid.example</domain:name>"
	    "<domain:authInfo><domain:pw roid=\"%s\">c1-auth</domain:pw></domain:authInfo>"
	    "</domain:info></info>", tech_roid), 2202, "the right pw under another roid: 2202");
	tap_is_int(cmd(&s2, "<info><domain:info " DOM "><domain:name>roid.example</domain:name>"
	    "<domain:authInfo><domain:pw roid=\"X99-SIM\">c1-auth</domain:pw></domain:authInfo>"
	    "</domain:info></info>"), 2202, "a roid of nothing associated: 2202");
	tap_is_int(cmd(&s2, "<info><domain:info " DOM "><domain:name>roid.example</domain:name>"
	    "<domain:authInfo><domain:pw roid=\"%s\">dom-auth</domain:pw></domain:authInfo>"
	    "</domain:info></info>", dom_roid), 1000, "the domain's own roid and authInfo");
	cmd(&s1, "<create><contact:create " CON "><contact:id>c-roid</contact:id>"
	    "<contact:postalInfo type=\"int\"><contact:name>R</contact:name><contact:addr>"
	    "<contact:city>C</contact:city><contact:cc>US</contact:cc></contact:addr>"
	    "</contact:postalInfo><contact:email>r@example.net</contact:email><contact:authInfo>"
	    "<contact:pw>r-pw</contact:pw></contact:authInfo></contact:create></create>");
	cmd(&s1, "<info><contact:info " CON "><contact:id>c-roid</contact:id></contact:info></info>");
	snprintf(own, sizeof(own), "%s", xs("//c:infData/c:roid"));
	tap_is_int(cmd(&s2, "<info><contact:info " CON "><contact:id>c-roid</contact:id>"
	    "<contact:authInfo><contact:pw roid=\"%s\">r-pw</contact:pw></contact:authInfo>"
	    "</contact:info></info>", own), 1000, "contact info with its own roid (%s)", own);
	tap_is_str(xs("//c:infData/c:authInfo/c:pw"), "r-pw", "... gives the full info");
	tap_is_int(cmd(&s2, "<info><contact:info " CON "><contact:id>c-roid</contact:id>"
	    "<contact:authInfo><contact:pw roid=\"%s\">r-pw</contact:pw></contact:authInfo>"
	    "</contact:info></info>", tech_roid), 2202, "contact info with another roid: 2202");
	tap_is_int(cmd(&s2, "<transfer op=\"request\"><domain:transfer " DOM "><domain:name>"
	    "roid.example</domain:name><domain:authInfo><domain:pw roid=\"%s\">c1-auth</domain:pw>"
	    "</domain:authInfo></domain:transfer></transfer>", reg_roid), 1001,
	    "transfer request with the registrant's authInfo");
	tap_is_int(cmd(&s2, "<transfer op=\"cancel\"><domain:transfer " DOM "><domain:name>"
	    "roid.example</domain:name></domain:transfer></transfer>"), 1000, "and cancelled");
}

/* What RFC 5731 makes optional: the registrant, contacts, a renewal's period; secDNS at
 * create; an urgent secDNS update. */
static void
test_rfc_optionals(void)
{
	char ex[32], cur[16];

	tap_is_int(cmd(&s1, "<create><domain:create " DOM "><domain:name>bare.example"
	    "</domain:name><domain:contact type=\"tech\">c-two</domain:contact>"
	    "<domain:authInfo><domain:pw>bare-pw</domain:pw></domain:authInfo></domain:create>"
	    "</create><extension><secDNS:create " SEC "><secDNS:maxSigLife>604800"
	    "</secDNS:maxSigLife><secDNS:dsData><secDNS:keyTag>12345</secDNS:keyTag><secDNS:alg>8"
	    "</secDNS:alg><secDNS:digestType>2</secDNS:digestType><secDNS:digest>49FD46E6C4B45C55"
	    "</secDNS:digest></secDNS:dsData></secDNS:create></extension>"), 1000,
	    "create without registrant, a tech contact only, with DS data");
	snprintf(ex, sizeof(ex), "%s", xs("//d:creData/d:exDate"));
	cmd(&s1, "<info><domain:info " DOM "><domain:name>bare.example</domain:name></domain:info>"
	    "</info>");
	tap_is_int(xn("//d:infData/d:registrant"), 0, "info: no registrant");
	tap_is_int(xn("//d:infData/d:contact"), 1, "info: one contact");
	tap_is_str(xs("//s:infData/s:maxSigLife"), "604800", "info: maxSigLife");
	tap_is_str(xs("//s:infData/s:dsData/s:keyTag"), "12345", "info: the DS record");
	snprintf(cur, sizeof(cur), "%.10s", ex);
	tap_is_int(cmd(&s1, "<renew><domain:renew " DOM "><domain:name>bare.example</domain:name>"
	    "<domain:curExpDate>%s</domain:curExpDate></domain:renew></renew>", cur), 1000,
	    "renew without period");
	tap_is_int(atoi(xs("//d:renData/d:exDate")) - atoi(ex), 1, "the default: one year");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>bare.example"
	    "</domain:name></domain:update></update><extension><secDNS:update " SEC
	    " urgent=\"true\"><secDNS:rem><secDNS:all>true</secDNS:all></secDNS:rem>"
	    "</secDNS:update></extension>"), 1000, "an urgent secDNS update is executed");
	cmd(&s1, "<info><domain:info " DOM "><domain:name>bare.example</domain:name></domain:info>"
	    "</info>");
	tap_is_int(xn("//s:infData"), 0, "... at once: no DS left");
	tap_is_int(cmd(&s1, "<update><domain:update " DOM "><domain:name>bare.example"
	    "</domain:name></domain:update></update><extension><secDNS:update " SEC
	    " urgent=\"soon\"><secDNS:chg><secDNS:maxSigLife>60</secDNS:maxSigLife></secDNS:chg>"
	    "</secDNS:update></extension>"), 2005, "urgent that is no boolean: 2005");
}

#define FEEX(el, body) "<extension><fee:" el " " FEE ">" body "</fee:" el "></extension>"

/* RFC 8748: fees on transforms; premium names refused without their fee (section 4). */
static void
test_premium(void)
{
	struct registry *saved = reg;
	struct registry_config cfg;
	struct sim_session a = {30, 0, "", 0, 0}, b = {31, 0, "", 0, 0};
	struct eg_err e;
	char ex[32], cur[16], id[32];

	registry_config_defaults(&cfg);
	cfg.premium[0] = "Gold.EXAMPLE";
	cfg.premium_cents[0] = 100000;
	cfg.n_premium = 1;
	cfg.redemption_ms = DAY;
	if ((reg = registry_new(&cfg, &e)) == NULL ||
	    registry_add_account(reg, "registrar1", "secret1", &e) == -1 ||
	    registry_add_account(reg, "registrar2", "secret2", &e) == -1) {
		tap_ok(0, "registry with a premium name: %s", e.msg);
		reg = saved;
		return;
	}
	login(&a, "registrar1", "secret1");
	login(&b, "registrar2", "secret2");
	tap_is_int(cmd(&a, "<check><domain:check " DOM "><domain:name>gold.example</domain:name>"
	    "<domain:name>tin.example</domain:name></domain:check></check>" FEEX("check",
	    "<fee:command name=\"create\"/><fee:command name=\"restore\"/>")), 1000,
	    "fee check of a premium and a standard name");
	tap_is_str(xs("//f:cd[1]/f:class"), "premium", "class premium");
	tap_is_str(xs("//f:cd[1]/f:command[@name='create']/f:fee"), "1000.00", "its create price");
	tap_is_int(xn("//f:cd[1]/f:command[@name='create']/@standard"), 0, "not standard");
	tap_is_str(xs("//f:cd[1]/f:command[@name='restore']/f:fee"), "40.00",
	    "restore at the standard price");
	tap_is_str(xs("//f:cd[2]/f:class"), "standard", "the other name: standard");
	tap_is_str(xs("//d:cd[1]/d:name/@avail"), "1", "with fee:check the premium name is available");
	tap_is_int(cmd(&a, "<check><domain:check " DOM "><domain:name>GOLD.example</domain:name>"
	    "<domain:name>tin.example</domain:name></domain:check></check>"), 1000,
	    "the same check without fee:check");
	tap_is_str(xs("//d:cd[1]/d:name/@avail"), "0", "... shows the premium name unavailable");
	tap_ok(strstr(xs("//d:cd[1]/d:reason"), "premium") != NULL, "... saying why (%s)",
	    xs("//d:cd[1]/d:reason"));
	tap_is_str(xs("//d:cd[2]/d:name/@avail"), "1", "... and the standard one available");

	tap_is_int(cmd(&a, "<create><domain:create " DOM "><domain:name>gold.example</domain:name>"
	    "<domain:authInfo><domain:pw>g-pw</domain:pw></domain:authInfo></domain:create>"
	    "</create>"), 2003, "premium create without the fee: 2003");
	tap_ok(strstr(MSG(), "premium name") != NULL, "... saying why (%s)", MSG());
	tap_is_int(cmd(&a, "<create><domain:create " DOM "><domain:name>gold.example</domain:name>"
	    "<domain:authInfo><domain:pw>g-pw</domain:pw></domain:authInfo></domain:create>"
	    "</create>" FEEX("create", "<fee:currency>USD</fee:currency><fee:fee>999.99</fee:fee>")),
	    2004, "premium create with too little: 2004");
	tap_is_int(cmd(&a, "<create><domain:create " DOM "><domain:name>gold.example</domain:name>"
	    "<domain:authInfo><domain:pw>g-pw</domain:pw></domain:authInfo></domain:create>"
	    "</create>" FEEX("create", "<fee:currency>EUR</fee:currency><fee:fee>1000.00</fee:fee>")),
	    2004, "premium create in another currency: 2004");
	tap_is_int(cmd(&a, "<create><domain:create " DOM "><domain:name>gold.example</domain:name>"
	    "<domain:period unit=\"y\">2</domain:period><domain:authInfo><domain:pw>g-pw"
	    "</domain:pw></domain:authInfo></domain:create></create>" FEEX("create",
	    "<fee:fee>1000.00</fee:fee>")), 2004, "two years for the price of one: 2004");
	tap_is_int(cmd(&a, "<create><domain:create " DOM "><domain:name>gold.example</domain:name>"
	    "<domain:authInfo><domain:pw>g-pw</domain:pw></domain:authInfo></domain:create>"
	    "</create>" FEEX("create", "<fee:fee>lots</fee:fee>")), 2005, "a fee that is no amount: 2005");
	tap_is_int(cmd(&a, "<info><domain:info " DOM "><domain:name>gold.example</domain:name>"
	    "</domain:info></info>"), 2303, "nothing was created");
	tap_is_int(cmd(&a, "<create><domain:create " DOM "><domain:name>gold.example</domain:name>"
	    "<domain:authInfo><domain:pw>g-pw</domain:pw></domain:authInfo></domain:create>"
	    "</create>" FEEX("create", "<fee:currency>USD</fee:currency><fee:fee description=\"base\">"
	    "600.00</fee:fee><fee:fee>400.000001</fee:fee>")), 1000,
	    "premium create with the fee acknowledged");
	tap_is_str(xs("//f:creData/f:currency"), "USD", "fee:creData currency");
	tap_is_str(xs("//f:creData/f:fee"), "1000.00", "fee:creData: the price charged");
	snprintf(ex, sizeof(ex), "%s", xs("//d:creData/d:exDate"));
	snprintf(cur, sizeof(cur), "%.10s", ex);
	tap_is_int(cmd(&a, "<renew><domain:renew " DOM "><domain:name>gold.example</domain:name>"
	    "<domain:curExpDate>%s</domain:curExpDate></domain:renew></renew>", cur), 2003,
	    "premium renew without the fee: 2003");
	tap_is_int(cmd(&a, "<renew><domain:renew " DOM "><domain:name>gold.example</domain:name>"
	    "<domain:curExpDate>%s</domain:curExpDate><domain:period unit=\"y\">2</domain:period>"
	    "</domain:renew></renew>" FEEX("renew", "<fee:fee>2000</fee:fee>"), cur), 1000,
	    "premium renew for two years with its fee");
	tap_is_str(xs("//f:renData/f:fee"), "2000.00", "fee:renData");
	tap_is_int(cmd(&b, "<transfer op=\"request\"><domain:transfer " DOM "><domain:name>"
	    "gold.example</domain:name><domain:authInfo><domain:pw>g-pw</domain:pw>"
	    "</domain:authInfo></domain:transfer></transfer>"), 2003,
	    "premium transfer request without the fee: 2003");
	tap_is_int(cmd(&b, "<transfer op=\"request\"><domain:transfer " DOM "><domain:name>"
	    "gold.example</domain:name><domain:authInfo><domain:pw>g-pw</domain:pw>"
	    "</domain:authInfo></domain:transfer></transfer>" FEEX("transfer",
	    "<fee:fee>1000.00</fee:fee>")), 1001, "premium transfer request with its fee");
	tap_is_str(xs("//f:trnData/f:fee"), "1000.00", "fee:trnData");
	tap_is_int(cmd(&b, "<transfer op=\"cancel\"><domain:transfer " DOM "><domain:name>"
	    "gold.example</domain:name></domain:transfer></transfer>"), 1000,
	    "transfer cancel needs no fee");

	/* Standard names: the fee is optional, but checked when given. */
	tap_is_int(cmd(&a, "<create><domain:create " DOM "><domain:name>tin.example</domain:name>"
	    "<domain:authInfo><domain:pw>t-pw</domain:pw></domain:authInfo></domain:create>"
	    "</create>" FEEX("create", "<fee:fee>9.99</fee:fee>")), 2004,
	    "standard create with less than its price: 2004");
	tap_is_int(cmd(&a, "<create><domain:create " DOM "><domain:name>tin.example</domain:name>"
	    "<domain:authInfo><domain:pw>t-pw</domain:pw></domain:authInfo></domain:create>"
	    "</create>"), 1000, "standard create without fee");
	tap_is_int(xn("//f:creData"), 0, "no fee:creData when none was sent");
	tap_is_int(cmd(&a, "<update><domain:update " DOM "><domain:name>tin.example</domain:name>"
	    "<domain:add><domain:status s=\"clientHold\"/></domain:add></domain:update></update>"
	    FEEX("update", "<fee:fee>0</fee:fee>")), 1000, "an update with a fee of 0");
	tap_is_str(xs("//f:updData/f:fee"), "0.00", "fee:updData 0.00");
	cmd(&a, "<delete><domain:delete " DOM "><domain:name>tin.example</domain:name>"
	    "</domain:delete></delete>");
	tap_is_int(cmd(&a, "<update><domain:update " DOM "><domain:name>tin.example</domain:name>"
	    "</domain:update></update><extension><rgp:update " RGP "><rgp:restore op=\"request\"/>"
	    "</rgp:update><fee:update " FEE "><fee:fee>39.00</fee:fee></fee:update></extension>"),
	    2004, "restore with less than its fee: 2004");
	tap_is_int(cmd(&a, "<update><domain:update " DOM "><domain:name>tin.example</domain:name>"
	    "</domain:update></update><extension><rgp:update " RGP "><rgp:restore op=\"request\"/>"
	    "</rgp:update><fee:update " FEE "><fee:currency>USD</fee:currency><fee:fee>40.00"
	    "</fee:fee></fee:update></extension>"), 1000, "restore with its fee");
	tap_is_str(xs("//f:updData/f:fee"), "40.00", "fee:updData of the restore");
	tap_is_str(xs("//r:upData/r:rgpStatus/@s"), "pendingRestore", "and the restore done");
	while (poll_req(&a, id, sizeof(id)) == 1301)
		cmd(&a, "<poll op=\"ack\" msgID=\"%s\"/>", id);
	registry_session_end(reg, &a);
	registry_session_end(reg, &b);
	registry_free(reg);
	reg = saved;

	cfg.premium[0] = "not a name";
	tap_ok(registry_new(&cfg, &e) == NULL && e.code == EG_ECONFIG,
	    "a premium name that is not a domain name is refused (%s)", e.msg);
}

static void
test_session_limit_and_pad(void)
{
	struct registry *saved = reg;
	struct sim_session a = {20, 0, "", 0, 0}, b = {21, 0, "", 0, 0};

	reg = new_registry(1, 100000);
	tap_is_int(login(&a, "registrar1", "secret1"), 1000, "limit 1: first login");
	tap_is_int(login(&b, "registrar2", "secret2"), 2502, "second login: 2502");
	tap_ok(reply.close, "2502 closes the connection");
	create_domain(&a, "padded.example", "");
	tap_is_str(CODE(), "2303", "create needs the contacts (none in this registry)");
	cmd(&a, "<create><domain:create " DOM "><domain:name>padded.example</domain:name>"
	    "<domain:authInfo><domain:pw>x</domain:pw></domain:authInfo></domain:create></create>");
	tap_is_str(CODE(), "1000", "create padded.example");
	tap_is_int(cmd(&a, "<info><domain:info " DOM "><domain:name>padded.example</domain:name>"
	    "</domain:info></info>"), 1000, "info with --info-pad 100000");
	tap_ok(reply.xml.len > 100000, "the response is larger than 100 KB (%zu bytes)",
	    reply.xml.len);
	registry_session_end(reg, &a);
	tap_is_int(login(&b, "registrar2", "secret2"), 1000, "after a session ends, login works");
	registry_free(reg);
	reg = saved;
}

int
main(void)
{
	xmlInitParser();
	load_schema();
	test_validator();
	reg = new_registry(0, 0);
	test_greeting_and_login();
	test_new_password();
	test_malformed();
	setup_objects();
	test_create_check_info();
	test_renew();
	test_update_statuses();
	test_links();
	test_secdns();
	test_transfer();
	test_delete_restore();
	test_fee();
	test_contact_update();
	test_contact_extras();
	test_roid();
	test_rfc_optionals();
	test_premium();
	test_session_limit_and_pad();
	tap_ok(n_invalid == 0 && n_checked > 100 && n_fee > 5, "%d responses validated against "
	    "epp-all.xsd, %d invalid (%d with fee-1.0 elements)", n_checked, n_invalid, n_fee);
	registry_free(reg);
	if (last != NULL)
		xmlFreeDoc(last);
	sim_reply_clear(&reply);
	xmlSchemaFree(schema);
	xmlCleanupParser();
	return tap_done();
}
