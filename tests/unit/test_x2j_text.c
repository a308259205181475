/* SPDX-License-Identifier: MIT */
/* The JSON text writer (x2j_write*) against the json-c path (x2j_convert* + x2j_to_string):
 * the same bytes or the same error, and the same facts as epp_resp.h's readers. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "epp_reply.h"
#include "epp_resp.h"
#include "tap.h"
#include "xml2json.h"
#include "xmlsafe.h"

/*
 * json-c's escaping as it is, every byte through both paths, lists of repeated
 * names in every arrangement, the facts of odd responses, the reference's
 * vectors and some thousands of generated documents.
 */

#define EPP_OPEN "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">"

static int
same_s(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* What differs between the facts f and the json-c readers on o; NULL when nothing. */
static const char *
facts_diff(json_object *o, const struct epp_facts *f)
{
	struct epp_greeting a, b;
	int ra = epp_resp_greeting(o, &a), rb = epp_facts_greeting(f, &b);
	size_t i;

	if (epp_resp_code(o) != epp_facts_code(f))
		return "code";
	if (!same_s(epp_resp_msg(o), epp_facts_msg(f)))
		return "msg";
	if (!same_s(epp_resp_cltrid(o), epp_facts_cltrid(f)))
		return "clTRID";
	if (!same_s(epp_resp_svtrid(o), epp_facts_svtrid(f)))
		return "svTRID";
	if (ra != rb || !same_s(a.svid, b.svid))
		return "greeting";
	if (a.n_obj != b.n_obj || a.n_ext != b.n_ext)
		return "number of URIs";
	for (i = 0; i < a.n_obj; i++)
		if (!same_s(a.obj[i], b.obj[i]))
			return "objURI";
	for (i = 0; i < a.n_ext; i++)
		if (!same_s(a.ext[i], b.ext[i]))
			return "extURI";
	if (a.n_version != b.n_version || a.n_lang != b.n_lang)
		return "number of versions or languages";
	for (i = 0; i < a.n_version; i++)
		if (!same_s(a.version[i], b.version[i]))
			return "version";
	for (i = 0; i < a.n_lang; i++)
		if (!same_s(a.lang[i], b.lang[i]))
			return "lang";
	return NULL;
}

struct outcome {
	int converted;          /* both converted, the same */
	int refused;            /* both refused, the same */
	int differ;
};

/* Parsers kept across documents, one for each path, when set (test_generated). */
static struct eg_xml_parser *kept[2];

/*
 * Both paths on one document (bytes, or doc when not NULL). Counts the outcome
 * in *oc; on a difference, says what differs (the first five times).
 */
static int
compare(const char *name, const char *xml, size_t len, const struct x2j_limits *lim,
    xmlDocPtr doc, struct outcome *oc)
{
	struct eg_err e1 = {EG_OK, ""}, e2 = {EG_OK, ""};
	struct buf out = BUF_INIT;
	struct epp_facts f;
	const char *want = NULL, *why = NULL;
	json_object *o;
	size_t wlen = 0;
	int rc;

	epp_facts_init(&f);
	o = doc != NULL ? x2j_convert_doc(doc, lim, &e1) :
	    x2j_convert_with(kept[0], xml, len, lim, &e1);
	rc = doc != NULL ? x2j_write_doc(doc, lim, &out, &f, &e2) :
	    x2j_write_with(kept[1], xml, len, lim, &out, &f, &e2);
	if (o != NULL)
		want = x2j_to_string(o, &wlen);
	if ((o != NULL) != (rc == 0))
		why = o != NULL ? "the writer refused" : "the writer converted";
	else if (o != NULL && (out.len != wlen || memcmp(out.data, want, wlen) != 0))
		why = "different text";
	else if (o == NULL && (e1.code != e2.code || strcmp(e1.msg, e2.msg) != 0))
		why = "different error";
	else if (o == NULL && out.len != 0)
		why = "text left after a failure";
	else
		why = facts_diff(o, &f);
	if (why == NULL) {
		if (o != NULL)
			oc->converted++;
		else
			oc->refused++;
	} else {
		oc->differ++;
		if (oc->differ <= 5) {
			tap_diag("%s: %s", name, why);
			if (xml != NULL)
				tap_diag("  xml:    %.*s", (int)(len < 2000 ? len : 2000), xml);
			tap_diag("  json-c: %s", o != NULL ? want : e1.msg);
			tap_diag("  writer: %s", rc == 0 ? out.data : e2.msg);
		}
	}
	json_object_put(o);
	epp_facts_clear(&f);
	buf_clear(&out);
	return why == NULL;
}

static int
same(const char *name, const char *xml)
{
	struct outcome oc = {0, 0, 0};

	return tap_ok(compare(name, xml, strlen(xml), NULL, NULL, &oc),
	    "%s: same text and facts", name);
}

/* The writer's text of xml, for checks of the text itself. Static buffer. */
static const char *
written(const char *xml)
{
	static char text[4096];
	struct buf out = BUF_INIT;
	struct eg_err e;

	if (x2j_write(xml, strlen(xml), NULL, &out, NULL, &e) == -1)
		snprintf(text, sizeof(text), "error: %s", e.msg);
	else
		snprintf(text, sizeof(text), "%s", out.data);
	buf_clear(&out);
	return text;
}

/* ---- json-c's escaping, as it is --------------------------------------------- */

/* The rule the writer copies (xml2json.c, esc_table), stated independently. */
static void
expected_escape(unsigned char c, char *out)
{
	switch (c) {
	case '"':  strcpy(out, "\\\""); break;
	case '\\': strcpy(out, "\\\\"); break;
	case '\b': strcpy(out, "\\b"); break;
	case '\t': strcpy(out, "\\t"); break;
	case '\n': strcpy(out, "\\n"); break;
	case '\f': strcpy(out, "\\f"); break;
	case '\r': strcpy(out, "\\r"); break;
	default:
		if (c < 0x20)
			sprintf(out, "\\u%04x", c);
		else {
			out[0] = (char)c;
			out[1] = '\0';
		}
	}
}

static void
test_json_c_escaping(void)
{
	char s[4], want[32], esc[8];
	json_object *v, *o;
	int c, bad = 0;

	for (c = 1; c < 256; c++) {
		s[0] = 'a';
		s[1] = (char)c;
		s[2] = 'b';
		s[3] = '\0';
		expected_escape((unsigned char)c, esc);
		v = json_object_new_string_len(s, 3);
		o = json_object_new_object();
		json_object_object_add(o, s, json_object_get(v));
		snprintf(want, sizeof(want), "{\"a%sb\":\"a%sb\"}", esc, esc);
		if (strcmp(x2j_to_string(o, NULL), want) != 0) {
			if (bad++ < 5)
				tap_diag("byte 0x%02x: json-c gives %s, want %s", c,
				    x2j_to_string(o, NULL), want);
		}
		json_object_put(v);
		json_object_put(o);
	}
	tap_ok(bad == 0, "json-c escapes \" \\ \\b \\t \\n \\f \\r, other controls as \\u00xx, "
	    "not / nor DEL nor bytes from 0x80 (%d bytes differ)", bad);
}

/* Every byte from 1 to 255 in text, attribute values, names and namespace URIs of a
 * tree built by hand (a parsed document cannot carry most control characters). */
static void
test_every_byte(void)
{
	struct outcome oc = {0, 0, 0};
	xmlNodePtr root, n;
	xmlNsPtr ns;
	xmlDocPtr doc;
	char s[8], name[8];
	int c;

	doc = xmlNewDoc((const xmlChar *)"1.0");
	root = xmlNewDocNode(doc, NULL, (const xmlChar *)"r", NULL);
	xmlDocSetRootElement(doc, root);
	for (c = 1; c < 256; c++) {
		if (c == ':')
			continue;       /* a colon in a name is refused, by both */
		snprintf(s, sizeof(s), "x%cy", c);
		snprintf(name, sizeof(name), "n%c", c);
		n = xmlNewDocNode(doc, NULL, (const xmlChar *)name, NULL);
		xmlAddChild(root, n);
		xmlAddChild(n, xmlNewDocText(doc, (const xmlChar *)s));
		xmlNewProp(n, (const xmlChar *)"v", (const xmlChar *)s);
		ns = xmlNewNs(n, (const xmlChar *)s, (const xmlChar *)"p");
		xmlNewNsProp(n, ns, (const xmlChar *)"k", (const xmlChar *)s);
		/* and as the tail of the previous element */
		xmlAddChild(root, xmlNewDocText(doc, (const xmlChar *)s));
	}
	compare("every byte", NULL, 0, NULL, doc, &oc);
	tap_ok(oc.converted == 1, "every byte in text, attribute values, names and namespace "
	    "URIs: same text");
	xmlFreeDoc(doc);
}

/* ---- lists of repeated names -------------------------------------------------- */

static const struct {
	const char *name;
	const char *xml;
	const char *want;       /* NULL: only the same as json-c */
} lists[] = {
	{"run of one name", "<a><b>1</b><b>2</b><b>3</b></a>",
	    "{\"a\":{\"b\":[\"1\",\"2\",\"3\"]}}"},
	{"run after a single", "<a><c/><b>1</b><b>2</b></a>",
	    "{\"a\":{\"c\":null,\"b\":[\"1\",\"2\"]}}"},
	{"run before a single", "<a><b>1</b><b>2</b><c/></a>",
	    "{\"a\":{\"b\":[\"1\",\"2\"],\"c\":null}}"},
	{"name coming back", "<a><b>1</b><c>2</c><b>3</b></a>",
	    "{\"a\":{\"b\":[\"1\",\"3\"],\"c\":\"2\"}}"},
	{"name coming back after a run", "<a><b>1</b><b>2</b><c/><b>3</b><c>x</c></a>",
	    "{\"a\":{\"b\":[\"1\",\"2\",\"3\"],\"c\":[null,\"x\"]}}"},
	{"interleaved with attributes first", "<a k=\"v\"><b/><c/><b/></a>",
	    "{\"a\":{\"@k\":\"v\",\"b\":[null,null],\"c\":null}}"},
	{"interleaved with tails and text", "<a>t<b>1</b>u<c/>v<b>2</b>w</a>",
	    "{\"a\":{\"b\":[{\"#tail\":\"u\",\"#text\":\"1\"},{\"#tail\":\"w\",\"#text\":\"2\"}],"
	    "\"c\":{\"#tail\":\"v\"},\"#text\":\"t\"}}"},
	{"interleaved inside interleaved",
	    "<a><b><x>1</x><y/><x>2</x></b><c/><b><y>3</y><x/><y/></b></a>",
	    "{\"a\":{\"b\":[{\"x\":[\"1\",\"2\"],\"y\":null},{\"y\":[\"3\",null],\"x\":null}],"
	    "\"c\":null}}"},
	{"three names rotating", "<a><b>1</b><c>2</c><d>3</d><b>4</b><c>5</c><d>6</d></a>",
	    "{\"a\":{\"b\":[\"1\",\"4\"],\"c\":[\"2\",\"5\"],\"d\":[\"3\",\"6\"]}}"},
	{"prefixes dropped make one list",
	    "<a xmlns:p=\"urn:p\" xmlns:q=\"urn:q\"><p:b>1</p:b><q:b>2</q:b><c/><b>3</b></a>",
	    "{\"a\":{\"b\":[\"1\",\"2\",\"3\"],\"c\":null}}"},
	{"run split by a comment and a PI", "<a><b>1</b><!--c--><?pi?><b>2</b></a>",
	    "{\"a\":{\"b\":[\"1\",\"2\"]}}"},
	{"run through an entity",
	    "<!DOCTYPE a [<!ENTITY e \"<b>2</b><c/>\">]><a><b>1</b>&e;<b>3</b><c/></a>",
	    "{\"a\":{\"b\":[\"1\",\"2\",\"3\"],\"c\":[null,null]}}"},
	{"run ending inside an entity",
	    "<!DOCTYPE a [<!ENTITY e \"<b>2</b>\">]><a><b>1</b>&e;</a>",
	    "{\"a\":{\"b\":[\"1\",\"2\"]}}"},
	{"the same entity twice", "<!DOCTYPE a [<!ENTITY e \"<b/><c/>\">]><a>&e;&e;</a>",
	    "{\"a\":{\"b\":[null,null],\"c\":[null,null]}}"},
	{"deep list with joined tails",
	    "<a><b>1<!--x-->2<c/>3<!--y-->4</b><d/><b>5<c>6</c>7</b></a>", NULL},
	{"a reply's repeated infData",
	    "<epp><response><resData><domain:infData xmlns:domain=\"urn:d\"><domain:name>x"
	    "</domain:name></domain:infData></resData><extension><rgp:infData xmlns:rgp=\"urn:r\">"
	    "<rgp:rgpStatus s=\"ok\"/></rgp:infData><secDNS:infData xmlns:secDNS=\"urn:s\">"
	    "<secDNS:dsData><secDNS:keyTag>1</secDNS:keyTag></secDNS:dsData><secDNS:dsData>"
	    "<secDNS:keyTag>2</secDNS:keyTag></secDNS:dsData></secDNS:infData></extension>"
	    "</response></epp>", NULL},
};

/* <a> with n children named by name(i). */
static char *
many(size_t n, const char *(*name)(size_t, char *))
{
	struct buf b = BUF_INIT;
	char tmp[32];
	const char *nm;
	size_t i;

	buf_puts(&b, "<a>");
	for (i = 0; i < n; i++) {
		nm = name(i, tmp);
		buf_printf(&b, "<%s>%zu</%s>", nm, i, nm);
	}
	buf_puts(&b, "</a>");
	return buf_steal(&b);
}

static const char *
name_same(size_t i, char *tmp)
{
	(void)i;
	(void)tmp;
	return "cd";
}

static const char *
name_distinct(size_t i, char *tmp)
{
	sprintf(tmp, "n%zu", i);
	return tmp;
}

static const char *
name_two(size_t i, char *tmp)
{
	(void)tmp;
	return i % 2 ? "b" : "c";
}

/* 0..k-1, then the same names again in reverse order: every one comes back. */
static size_t many_k;

static const char *
name_back(size_t i, char *tmp)
{
	sprintf(tmp, "n%zu", i < many_k ? i : 2 * many_k - 1 - i);
	return tmp;
}

static const char *
name_mod(size_t i, char *tmp)
{
	sprintf(tmp, "m%zu", i % many_k);
	return tmp;
}

static int64_t
cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Best of five runs of the writer over xml, in microseconds of this thread's CPU time
 * (the machine may be busy with other work). */
static int64_t
write_time(const char *xml)
{
	struct buf out = BUF_INIT;
	struct eg_err e;
	xmlDocPtr doc;
	int64_t best = INT64_MAX, t;
	int i;

	if ((doc = eg_xml_parse(xml, strlen(xml), 0, &e)) == NULL)
		return -1;
	for (i = 0; i < 5; i++) {
		buf_reset(&out);
		t = cpu_us();
		if (x2j_write_doc(doc, NULL, &out, NULL, &e) == -1)
			best = -1;
		t = cpu_us() - t;
		if (best != -1 && t < best)
			best = t;
	}
	xmlFreeDoc(doc);
	buf_clear(&out);
	return best;
}

static void
test_lists(void)
{
	const size_t sizes[] = {7, 8, 9, 16, 17, 33, 64, 65, 1000};
	char label[128];
	size_t i, j;
	int64_t t1, t2;
	char *xml, *big;

	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		if (same(lists[i].name, lists[i].xml) && lists[i].want != NULL)
			tap_is_str(written(lists[i].xml), lists[i].want, "%s: text", lists[i].name);
	}
	/* Around the switch from a linear search to a hash table, and its growth. */
	for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
		many_k = sizes[j];
		xml = many(2 * sizes[j], name_back);
		snprintf(label, sizeof(label), "%zu names, then each again in reverse", sizes[j]);
		same(label, xml);
		free(xml);
		xml = many(3 * sizes[j], name_mod);
		snprintf(label, sizeof(label), "%zu names rotating three times", sizes[j]);
		same(label, xml);
		free(xml);
	}
	xml = many(1000, name_same);
	same("a check of 1000 names: one run", xml);
	free(xml);
	xml = many(1000, name_distinct);
	same("1000 distinct names", xml);
	free(xml);
	xml = many(1000, name_two);
	same("1000 children of two names alternating", xml);
	free(xml);

	/* Linear in the number of children: 4 times the names, far from 16 times the
	 * time (what a quadratic search would take). Both sizes are past the caches.
	 * The allocator keeps what it was given, so that the figures are not those of
	 * the page faults of fresh memory for each run. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	many_k = 4000;
	xml = many(8000, name_back);
	many_k = 16000;
	big = many(32000, name_back);
	t1 = write_time(xml);
	t2 = write_time(big);
	tap_ok(t1 > 0 && t2 > 0 && t2 < 10 * (t1 + 50),
	    "names coming back: 8,000 children in %lld us, 32,000 in %lld us", (long long)t1,
	    (long long)t2);
	free(xml);
	free(big);
	xml = many(8000, name_distinct);
	big = many(32000, name_distinct);
	t1 = write_time(xml);
	t2 = write_time(big);
	tap_ok(t1 > 0 && t2 > 0 && t2 < 10 * (t1 + 50),
	    "distinct names: 8,000 children in %lld us, 32,000 in %lld us", (long long)t1,
	    (long long)t2);
	free(xml);
	free(big);
}

/* ---- facts -------------------------------------------------------------------- */

static const struct {
	const char *name;
	const char *xml;
	int code;
	const char *msg, *cltrid, *svtrid;
} responses[] = {
	{"plain response",
	    EPP_OPEN "<response><result code=\"1000\"><msg>Command completed successfully</msg>"
	    "</result><trID><clTRID>abc-1</clTRID><svTRID>s1</svTRID></trID></response></epp>",
	    1000, "Command completed successfully", "abc-1", "s1"},
	{"msg with a lang attribute, no clTRID",
	    EPP_OPEN "<response><result code=\"2303\"><msg lang=\"en\">Object does not exist</msg>"
	    "</result><trID><svTRID>s1</svTRID></trID></response></epp>",
	    2303, "Object does not exist", NULL, "s1"},
	{"several results: the first",
	    EPP_OPEN "<response><result code=\"2306\"><msg>Parameter value policy error</msg>"
	    "<value><domain:period xmlns:domain=\"urn:d\">99</domain:period></value></result>"
	    "<result code=\"2004\"><msg>Parameter value range error</msg></result>"
	    "<trID><clTRID>c2</clTRID><svTRID>s2</svTRID></trID></response></epp>",
	    2306, "Parameter value policy error", "c2", "s2"},
	{"several results, the first without code",
	    EPP_OPEN "<response><result><msg>m1</msg></result><result code=\"2004\"><msg>m2</msg>"
	    "</result></response></epp>", -1, "m1", NULL, NULL},
	{"several results apart",
	    EPP_OPEN "<response><result code=\"2001\"/><msgQ count=\"1\"/><result code=\"2004\">"
	    "<msg>m2</msg></result></response></epp>", 2001, NULL, NULL, NULL},
	{"two responses: none", EPP_OPEN "<response><result code=\"1000\"><msg>a</msg></result>"
	    "</response><response><result code=\"1000\"/></response></epp>", -1, NULL, NULL, NULL},
	{"empty msg", EPP_OPEN "<response><result code=\"1000\"><msg/></result></response></epp>",
	    1000, NULL, NULL, NULL},
	{"msg with a tail and a child",
	    EPP_OPEN "<response><result code=\"1000\"><msg> x <b/>y</msg> tail </result>"
	    "</response></epp>", 1000, "x", NULL, NULL},
	{"second msg ignored", EPP_OPEN "<response><result code=\"1000\"><msg/><msg>b</msg>"
	    "</result></response></epp>", 1000, NULL, NULL, NULL},
	{"two trIDs: the first", EPP_OPEN "<response><result code=\"1000\"/><trID><clTRID>c1"
	    "</clTRID></trID><trID><clTRID>c2</clTRID><svTRID>s2</svTRID></trID></response></epp>",
	    1000, NULL, "c1", NULL},
	{"a greeting has no result code", EPP_OPEN "<greeting><svID>x</svID></greeting></epp>",
	    -1, NULL, NULL, NULL},
	{"not EPP", "<html><response><result code=\"1000\"/></response></html>", -1, NULL, NULL,
	    NULL},
	{"code not a number", EPP_OPEN "<response><result code=\"abcd\"><msg>x</msg></result>"
	    "</response></epp>", -1, "x", NULL, NULL},
	{"code of five digits", EPP_OPEN "<response><result code=\"10000\"/></response></epp>",
	    -1, NULL, NULL, NULL},
	{"code with a sign", EPP_OPEN "<response><result code=\"+999\"/></response></epp>", -1,
	    NULL, NULL, NULL},
	{"code out of range", EPP_OPEN "<response><result code=\"3000\"/></response></epp>", -1,
	    NULL, NULL, NULL},
	{"namespaced code is not the code",
	    EPP_OPEN "<response><result xmlns:p=\"urn:p\" p:code=\"1000\"/></response></epp>", -1,
	    NULL, NULL, NULL},
	{"code as a DTD default",
	    "<!DOCTYPE epp [<!ATTLIST result code CDATA \"1001\">]>" EPP_OPEN
	    "<response><result><msg>m</msg></result></response></epp>", 1001, "m", NULL, NULL},
	{"facts inside entities",
	    "<!DOCTYPE epp [<!ENTITY r \"<result code='1000'><msg>ok &amp; &t;</msg></result>\">"
	    "<!ENTITY t \"done\">]>" EPP_OPEN "<response>&r;<trID><clTRID> &t; </clTRID></trID>"
	    "</response></epp>", 1000, "ok & done", "done", NULL},
	{"joined text", EPP_OPEN "<response><result code=\"1000\"><msg>a<!--x-->b<![CDATA[c]]>"
	    "</msg></result><trID><clTRID>x<?pi?>y</clTRID></trID></response></epp>", 1000, "abc",
	    "xy", NULL},
	{"other root element named epp", "<epp><response><result code=\"1500\"/></response></epp>",
	    1500, NULL, NULL, NULL},
	{"prefixed epp", "<e:epp xmlns:e=\"urn:ietf:params:xml:ns:epp-1.0\"><e:response>"
	    "<e:result code=\"1000\"><e:msg>m</e:msg></e:result></e:response></e:epp>", 1000, "m",
	    NULL, NULL},
	{"result as text", EPP_OPEN "<response><result>1000</result></response></epp>", -1, NULL,
	    NULL, NULL},
};

static void
test_facts(void)
{
	struct epp_greeting g;
	struct epp_facts f;
	struct buf out = BUF_INIT, xml = BUF_INIT;
	struct eg_err e;
	size_t i;

	epp_facts_init(&f);
	for (i = 0; i < sizeof(responses) / sizeof(responses[0]); i++) {
		same(responses[i].name, responses[i].xml);
		buf_reset(&out);
		if (!tap_ok(x2j_write(responses[i].xml, strlen(responses[i].xml), NULL, &out, &f,
		    &e) == 0, "%s: written", responses[i].name))
			continue;
		tap_ok(epp_facts_code(&f) == responses[i].code &&
		    same_s(epp_facts_msg(&f), responses[i].msg) &&
		    same_s(epp_facts_cltrid(&f), responses[i].cltrid) &&
		    same_s(epp_facts_svtrid(&f), responses[i].svtrid),
		    "%s: code %d, msg %s, clTRID %s, svTRID %s", responses[i].name,
		    epp_facts_code(&f), epp_facts_msg(&f) ? epp_facts_msg(&f) : "(none)",
		    epp_facts_cltrid(&f) ? epp_facts_cltrid(&f) : "(none)",
		    epp_facts_svtrid(&f) ? epp_facts_svtrid(&f) : "(none)");
	}

	/* greetings */
	same("greeting", EPP_OPEN "<greeting><svID>Example EPP</svID><svcMenu><version>1.0"
	    "</version><objURI>urn:o1</objURI><objURI/><objURI>urn:o2</objURI><svcExtension>"
	    "<extURI>urn:e1</extURI></svcExtension></svcMenu></greeting></epp>");
	same("greeting with two versions and languages", EPP_OPEN "<greeting><svID>x</svID>"
	    "<svcMenu><version>1.0</version><version>2.0</version><lang>de</lang><lang>en</lang>"
	    "<objURI>urn:o1</objURI></svcMenu></greeting></epp>");
	same("greeting as text", EPP_OPEN "<greeting>x</greeting></epp>");
	same("greeting empty", EPP_OPEN "<greeting/></epp>");
	same("greeting with a tail only", EPP_OPEN "<greeting/>t</epp>");
	same("greeting with an attribute only", EPP_OPEN "<greeting a=\"1\"/></epp>");
	same("two greetings", EPP_OPEN "<greeting><svID>a</svID></greeting><greeting/></epp>");
	same("two svcMenus", EPP_OPEN "<greeting><svcMenu><objURI>a</objURI></svcMenu>"
	    "<svcMenu><objURI>b</objURI></svcMenu></greeting></epp>");
	same("two svcExtensions", EPP_OPEN "<greeting><svcMenu><svcExtension><extURI>a</extURI>"
	    "</svcExtension><objURI>o</objURI><svcExtension><extURI>b</extURI></svcExtension>"
	    "</svcMenu></greeting></epp>");
	same("objURIs apart", EPP_OPEN "<greeting><svcMenu><objURI>a</objURI><lang>en</lang>"
	    "<objURI lang=\"x\">b</objURI></svcMenu></greeting></epp>");
	same("greeting and response", EPP_OPEN "<greeting><svID>s</svID></greeting><response>"
	    "<result code=\"1000\"/></response></epp>");
	buf_puts(&xml, EPP_OPEN "<greeting><svID>s</svID><svcMenu><objURI>urn:o</objURI>"
	    "<svcExtension>");
	for (i = 0; i < EPP_MAX_URIS + 6; i++)
		buf_printf(&xml, "%s<extURI>urn:e%zu</extURI>", i == 3 ? "<extURI/>" : "", i);
	buf_puts(&xml, "</svcExtension></svcMenu></greeting></epp>");
	same("more extURIs than the table holds", xml.data);
	buf_reset(&out);
	tap_ok(x2j_write(xml.data, xml.len, NULL, &out, &f, &e) == 0 &&
	    epp_facts_greeting(&f, &g) == 0 && g.n_ext == EPP_MAX_URIS &&
	    strcmp(g.ext[EPP_MAX_URIS - 1], "urn:e63") == 0 && strcmp(g.svid, "s") == 0 &&
	    g.n_obj == 1, "greeting facts: svID, 1 objURI, the first %d extURIs", EPP_MAX_URIS);
	tap_ok(epp_facts_code(&f) == -1 && epp_facts_msg(&f) == NULL,
	    "a greeting read as a response: nothing");

	/* failure empties the facts; a fresh or NULL struct reads as nothing */
	buf_reset(&out);
	tap_ok(x2j_write("<epp><response><result code=\"1000\"/></response>", 46, NULL, &out, &f,
	    &e) == -1 && epp_facts_code(&f) == -1 && epp_facts_greeting(&f, &g) == -1,
	    "a refused document leaves no facts");
	tap_ok(epp_facts_code(NULL) == -1 && epp_facts_msg(NULL) == NULL &&
	    epp_facts_cltrid(NULL) == NULL && epp_facts_svtrid(NULL) == NULL &&
	    epp_facts_greeting(NULL, &g) == -1, "NULL facts read as nothing");
	epp_facts_clear(&f);
	tap_ok(epp_facts_code(&f) == -1 && epp_facts_greeting(&f, &g) == -1,
	    "cleared facts read as nothing");
	buf_clear(&out);
	buf_clear(&xml);
}

/* ---- the reference's vectors -------------------------------------------------- */

static void
test_vectors(void)
{
	struct outcome oc = {0, 0, 0};
	json_object *all, *vec, *name, *xml;
	size_t i, n, len;
	char *data;

	data = tap_slurp(tap_data("conformance/anchor_vectors.json"), &len);
	all = data != NULL ? json_tokener_parse(data) : NULL;
	free(data);
	if (!tap_ok(json_object_is_type(all, json_type_array), "anchor vectors")) {
		json_object_put(all);
		return;
	}
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		vec = json_object_array_get_idx(all, i);
		json_object_object_get_ex(vec, "name", &name);
		if (!json_object_object_get_ex(vec, "xml_response", &xml) ||
		    !json_object_is_type(xml, json_type_string))
			continue;
		compare(json_object_get_string(name), json_object_get_string(xml),
		    (size_t)json_object_get_string_len(xml), NULL, NULL, &oc);
	}
	tap_ok(oc.differ == 0 && oc.converted >= 25 && oc.refused >= 1,
	    "anchor responses: %d converted and %d refused alike, %d differ", oc.converted,
	    oc.refused, oc.differ);
	json_object_put(all);
}

/* ---- generated documents ------------------------------------------------------ */

static uint64_t rng_state;

static uint32_t
rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state % n);
}

static const char *const gen_names[] = {
	"epp", "response", "result", "msg", "trID", "clTRID", "svTRID", "greeting", "svID",
	"svcMenu", "objURI", "svcExtension", "extURI", "a", "b", "c", "resData", "p:b", "q:c",
	"p:infData", "infData",
};
/* Attributes and the slot each takes: one attribute per slot and element (p:y and
 * q:y name one namespace: both on one element is an error, on purpose). */
static const struct {
	const char *text;
	unsigned slot;
} gen_attrs[] = {
	{"code=\"1000\"", 0}, {"code=\"2303\"", 0}, {"code=\"x\"", 0}, {"code=\"10000\"", 0},
	{"lang=\"en\"", 1}, {"p:y=\"v\"", 2}, {"q:y=\"w\"", 3}, {"xml:lang=\"fr\"", 4},
	{"a=\" v\tw\n\"", 5}, {"b=\"&amp;&t;&#9;\"", 6}, {"xmlns:r=\"urn:r\"", 7},
	{"r:z=\"&quot;\"", 8}, {"c=\"\xc2\xa0x\"", 9},
};
static const char *const gen_texts[] = {
	"", " ", "\n  ", "x", " hello world ", "\xc2\xa0", "\xe3\x80\x80y\xe2\x80\x8b",
	"a\"b\\c/d", "&lt;&amp;&gt;", "\t", "\r\n", "&#9;z&#10;", "&#x20;", "\xe2\x80\xa8q",
	"<!--c-->", "<?pi x?>", "<![CDATA[ c ]]>", "&t;", "&m;", "&s;", "&n;", "\x7f",
};

static void
gen_element(struct buf *b, unsigned depth, int root)
{
	const char *name = root ? (rnd(4) ? "epp" : gen_names[rnd(13)]) :
	    gen_names[rnd(sizeof(gen_names) / sizeof(gen_names[0]))];
	unsigned used = 0, i, k, n;

	buf_printf(b, "<%s", name);
	if (root) {
		buf_puts(b, " xmlns=\"urn:ietf:params:xml:ns:epp-1.0\" xmlns:p=\"urn:p\""
		    " xmlns:q=\"urn:p\"");
		/* without it, r:z is an unbound prefix except below an xmlns:r */
		if (rnd(4) != 0)
			buf_puts(b, " xmlns:r=\"urn:r\"");
	}
	for (n = rnd(4) == 0 ? rnd(4) : 0; n > 0; n--) {
		k = rnd(sizeof(gen_attrs) / sizeof(gen_attrs[0]));
		if (used & (1u << gen_attrs[k].slot))
			continue;
		used |= 1u << gen_attrs[k].slot;
		buf_printf(b, " %s", gen_attrs[k].text);
	}
	n = depth < 6 ? rnd(7) : rnd(2);
	if (n == 0 && rnd(2)) {
		buf_puts(b, "/>");
		return;
	}
	buf_puts(b, ">");
	for (i = 0; i < n; i++) {
		if (depth < 6 && rnd(2))
			gen_element(b, depth + 1, 0);
		else
			buf_puts(b, gen_texts[rnd(sizeof(gen_texts) / sizeof(gen_texts[0]))]);
	}
	if (rnd(500) == 0)
		buf_puts(b, "&undefined;");
	buf_printf(b, "</%s>", name);
}

static void
gen_doc(struct buf *b)
{
	buf_reset(b);
	if (rnd(5) == 0)
		buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	/* the entities are declared in every document but one in twenty: then they
	 * are undefined, which both must refuse */
	if (rnd(20) != 0) {
		buf_puts(b, "<!DOCTYPE epp [<!ENTITY t \"text &amp; more\"><!ENTITY s \"  \">"
		    "<!ENTITY m \"x<b>y</b>z<c/>\"><!ENTITY n \"&t;!<msg>&t;</msg>\">");
		if (rnd(3) == 0)
			buf_puts(b, "<!ATTLIST result code CDATA \"1001\">");
		if (rnd(4) == 0)
			buf_puts(b, "<!ATTLIST b d CDATA \"&t;\" p:e CDATA \"1\">");
		buf_puts(b, "]>");
	}
	gen_element(b, 0, 1);
	if (rnd(3) == 0)
		buf_puts(b, "\n<!-- after -->\n");
}

static void
test_generated(void)
{
	struct x2j_limits small = {0, 64};
	struct outcome oc = {0, 0, 0};
	struct buf b = BUF_INIT;
	char label[64];
	int i;

	/* parsers kept as the gate keeps one: a context for each document would make
	 * this the slowest test under valgrind */
	kept[0] = eg_xml_parser_new();
	kept[1] = eg_xml_parser_new();
	rng_state = 0x9e3779b97f4a7c15ull;
	for (i = 0; i < 2000; i++) {
		gen_doc(&b);
		snprintf(label, sizeof(label), "generated document %d", i);
		/* one in eight with a small expansion budget, so that it runs out */
		compare(label, b.data, b.len, i % 8 == 0 ? &small : NULL, NULL, &oc);
	}
	tap_ok(oc.differ == 0 && oc.converted > 1000 && oc.refused > 200,
	    "2000 generated documents: %d converted and %d refused alike, %d differ",
	    oc.converted, oc.refused, oc.differ);
	eg_xml_parser_free(kept[0]);
	eg_xml_parser_free(kept[1]);
	kept[0] = kept[1] = NULL;
	buf_clear(&b);
}

/* ---- the interface ------------------------------------------------------------ */

static void
test_interface(void)
{
	struct eg_xml_parser *p = eg_xml_parser_new();
	struct buf out = BUF_INIT;
	struct epp_facts f;
	struct eg_err e;
	char doc[256], want[128];
	int i, ok = 1;

	epp_facts_init(&f);
	buf_puts(&out, "head ");
	tap_ok(x2j_write("<a>x</a>", 8, NULL, &out, NULL, &e) == 0 &&
	    strcmp(out.data, "head {\"a\":\"x\"}") == 0, "text appended to what out holds");
	tap_ok(x2j_write("<a>x</b>", 8, NULL, &out, &f, &e) == -1 && e.code == EG_ERESPONSE &&
	    strcmp(out.data, "head {\"a\":\"x\"}") == 0, "a failure leaves out as it was");
	tap_ok(x2j_write("<a>x</a>", 8, &(struct x2j_limits){4, 0}, &out, NULL, &e) == -1 &&
	    e.code == EG_ELIMIT && strcmp(out.data, "head {\"a\":\"x\"}") == 0,
	    "the size limit applies");
	/* A kept parser across many documents (its name dictionary is renewed on the way). */
	for (i = 0; i < 5000 && ok; i++) {
		snprintf(doc, sizeof(doc), "<a><n%d>%d</n%d><n%d/></a>", i, i, i, i);
		snprintf(want, sizeof(want), "{\"a\":{\"n%d\":[\"%d\",null]}}", i, i);
		buf_reset(&out);
		ok = x2j_write_with(p, doc, strlen(doc), NULL, &out, NULL, &e) == 0 &&
		    strcmp(out.data, want) == 0;
	}
	tap_ok(ok, "5000 documents through one kept parser (%d)", i);
	for (i = 0; i < 3; i++) {
		snprintf(doc, sizeof(doc), EPP_OPEN "<response><result code=\"1000\"><msg>ok</msg>"
		    "</result><trID><clTRID>c%d</clTRID></trID></response></epp>", i);
		snprintf(want, sizeof(want), "c%d", i);
		buf_reset(&out);
		ok = x2j_write_with(p, doc, strlen(doc), NULL, &out, &f, &e) == 0 &&
		    epp_facts_code(&f) == 1000 && same_s(epp_facts_cltrid(&f), want);
		if (!ok)
			break;
	}
	tap_ok(ok, "facts struct reused: each document's own clTRID");
	epp_facts_clear(&f);
	buf_clear(&out);
	eg_xml_parser_free(p);
}

/* The gate's error replies written as text (epp_error_reply_text, x2j_put_string) give
 * the bytes of the json-c object epp_error_reply makes, whatever the message holds. */
static void
test_error_replies(void)
{
	static const char *const codes[] = {NULL, "outcome_unknown", "not_sent", "a\"b\\c\x01/"};
	static const enum eg_errcode kinds[] = {EG_EREQUEST, EG_EUNKNOWN, EG_ERESPONSE, EG_EIO};
	struct eg_err e;
	struct buf b = BUF_INIT;
	json_object *o;
	const char *want;
	size_t i, k, n, same = 0, cases = 0;

	for (i = 0; i < 256; i++) {
		for (k = 0; k < sizeof(codes) / sizeof(codes[0]); k++) {
			e.code = kinds[(i + k) % 4];
			/* byte i (NUL ends the message early) among text, quotes, a slash, UTF-8 */
			n = (size_t)snprintf(e.msg, sizeof(e.msg), "x\"/\\ \xc3\xa9 %c end", 'a');
			e.msg[n - 5] = (char)i;
			o = epp_error_reply(&e, codes[k]);
			want = x2j_to_string(o, NULL);
			buf_reset(&b);
			cases++;
			if (epp_error_reply_text(&e, codes[k], &b) == 0 && want != NULL &&
			    strcmp(b.data, want) == 0)
				same++;
			else
				tap_diag("byte %zu, code %s: got %s, want %s", i, codes[k] ? codes[k] :
				    "(none)", b.data ? b.data : "(nothing)", want ? want : "(nothing)");
			json_object_put(o);
		}
	}
	tap_ok(same == cases, "error replies as text equal json-c's: %zu of %zu", same, cases);
	buf_reset(&b);
	tap_ok(x2j_put_string(&b, "", 0) == 0 && strcmp(b.data, "\"\"") == 0,
	    "the empty string is \"\" (%s)", b.data);
	buf_clear(&b);
}

int
main(void)
{
	xmlInitParser();
	test_json_c_escaping();
	test_every_byte();
	test_lists();
	test_facts();
	test_vectors();
	test_generated();
	test_interface();
	test_error_replies();
	xmlCleanupParser();
	return tap_done();
}
