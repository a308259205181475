/* SPDX-License-Identifier: MIT */
/*
 * EPP XML to JSON: the reference's vectors, every rule of the conversion
 * (README.md, "Requests and replies") as exact JSON text (key order
 * included), and hostile documents. Every document is also written by the
 * text writer (x2j_write), which must give the same bytes or the same error,
 * and the same facts as the json-c readers of epp_resp.h.
 */
#include <sys/resource.h>

#include <libxml/entities.h>
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "epp_reply.h"
#include "epp_resp.h"
#include "tap.h"
#include "xml2json.h"
#include "xmlsafe.h"

/* ---- the text writer gives the same ------------------------------------------ */

static int
same_s(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* 1 when the facts f read as the json-c readers read o (NULL: no document). */
static int
same_facts(json_object *o, const struct epp_facts *f)
{
	struct epp_greeting a, b;
	int ra = epp_resp_greeting(o, &a), rb = epp_facts_greeting(f, &b);
	size_t i;

	if (epp_resp_code(o) != epp_facts_code(f) || !same_s(epp_resp_msg(o), epp_facts_msg(f)) ||
	    !same_s(epp_resp_cltrid(o), epp_facts_cltrid(f)) ||
	    !same_s(epp_resp_svtrid(o), epp_facts_svtrid(f)) || ra != rb ||
	    !same_s(a.svid, b.svid) || a.n_obj != b.n_obj || a.n_ext != b.n_ext)
		return 0;
	for (i = 0; i < a.n_obj; i++)
		if (!same_s(a.obj[i], b.obj[i]))
			return 0;
	for (i = 0; i < a.n_ext; i++)
		if (!same_s(a.ext[i], b.ext[i]))
			return 0;
	return 1;
}

/*
 * Runs the text writer on what x2j_convert*() turned into o (NULL: refused with
 * *err): on the bytes xml[0..len) with lim, or on doc when not NULL. Its text,
 * appended after what out held, must be x2j_to_string(o); its error, err.
 */
static void
same_text(const char *name, json_object *o, const struct eg_err *err, const char *xml,
    size_t len, const struct x2j_limits *lim, xmlDocPtr doc)
{
	static const char before[] = "[prefix]";
	struct buf out = BUF_INIT;
	struct epp_facts f;
	struct eg_err e = {EG_OK, ""};
	const char *want = o != NULL ? x2j_to_string(o, NULL) : NULL;
	int rc, ok;

	epp_facts_init(&f);
	buf_puts(&out, before);
	rc = doc != NULL ? x2j_write_doc(doc, lim, &out, &f, &e) :
	    x2j_write(xml, len, lim, &out, &f, &e);
	if (o != NULL)
		ok = rc == 0 && out.len == strlen(before) + strlen(want) &&
		    strcmp(out.data + strlen(before), want) == 0;
	else
		ok = rc == -1 && out.len == strlen(before) && strcmp(out.data, before) == 0 &&
		    e.code == err->code && strcmp(e.msg, err->msg) == 0;
	if (!tap_ok(ok && same_facts(o, &f), "%s: the text writer gives the same", name)) {
		tap_diag("json-c: %s", o != NULL ? want : err->msg);
		tap_diag("writer: %s", rc == 0 ? out.data + strlen(before) : e.msg);
	}
	epp_facts_clear(&f);
	buf_clear(&out);
}

/* Converts xml and compares the JSON text with want (NULL: expect an error). */
static void
is_json(const char *name, const char *xml, size_t len, const char *want)
{
	struct eg_err err = {EG_OK, ""};
	json_object *o;

	o = x2j_convert(xml, len, NULL, &err);
	same_text(name, o, &err, xml, len, NULL, NULL);
	if (o == NULL && want != NULL) {
		tap_ok(0, "%s", name);
		tap_diag("error %d: %s", err.code, err.msg);
		return;
	}
	tap_is_str(o != NULL ? x2j_to_string(o, NULL) : NULL, want, "%s", name);
	json_object_put(o);
}

static void
is_json_s(const char *name, const char *xml, const char *want)
{
	is_json(name, xml, strlen(xml), want);
}

/* Converts xml and expects a failure with code and, when not NULL, a message containing
 * part. Returns the conversion time in microseconds. */
static long long
is_error_l(const char *name, const char *xml, size_t len, const struct x2j_limits *lim,
    enum eg_errcode code, const char *part)
{
	struct eg_err err = {EG_OK, ""};
	json_object *o;
	int64_t t0, t1;
	int ok;

	t0 = eg_now_us();
	o = x2j_convert(xml, len, lim, &err);
	t1 = eg_now_us();
	same_text(name, o, &err, xml, len, lim, NULL);
	ok = o == NULL && err.code == code && (part == NULL || strstr(err.msg, part) != NULL);
	tap_ok(ok, "%s", name);
	if (!ok) {
		tap_diag("got %s, code %d, message \"%s\"; want code %d%s%s",
		    o != NULL ? x2j_to_string(o, NULL) : "NULL", err.code, err.msg, code,
		    part != NULL ? ", message with " : "", part != NULL ? part : "");
	}
	json_object_put(o);
	return (long long)(t1 - t0);
}

static long long
is_error(const char *name, const char *xml, enum eg_errcode code, const char *part)
{
	return is_error_l(name, xml, strlen(xml), NULL, code, part);
}

/* ---- the reference's vectors -------------------------------------------- */

static void
test_vectors(void)
{
	struct eg_err err;
	json_object *all, *vec, *name, *xml, *want, *errv, *got;
	char text[1024];
	size_t i, n, len;
	char *data;
	int checked = 0;

	data = tap_slurp(tap_data("conformance/anchor_vectors.json"), &len);
	if (!tap_ok(data != NULL, "anchor vectors readable"))
		return;
	all = json_tokener_parse(data);
	free(data);
	if (!tap_ok(json_object_is_type(all, json_type_array), "anchor vectors parse")) {
		json_object_put(all);
		return;
	}
	n = json_object_array_length(all);
	for (i = 0; i < n; i++) {
		vec = json_object_array_get_idx(all, i);
		json_object_object_get_ex(vec, "name", &name);
		if (!json_object_object_get_ex(vec, "xml_response", &xml) ||
		    !json_object_is_type(xml, json_type_string) ||
		    !json_object_object_get_ex(vec, "json_response", &want) || want == NULL)
			continue;
		checked++;
		memset(&err, 0, sizeof(err));
		got = x2j_convert(json_object_get_string(xml),
		    (size_t)json_object_get_string_len(xml), NULL, &err);
		same_text(json_object_get_string(name), got, &err, json_object_get_string(xml),
		    (size_t)json_object_get_string_len(xml), NULL, NULL);
		if (json_object_object_get_ex(want, "error", &errv)) {
			/* The gate's error reply: the XML must be refused as not EPP. */
			tap_ok(got == NULL && err.code == EG_ERESPONSE,
			    "vector %zu %s: \"%s\" refused as a bad response", i,
			    json_object_get_string(name), json_object_get_string(xml));
			epp_error_text(&err, text, sizeof(text));
			tap_ok(strncmp(text, "failed reading EPP response: ", 29) == 0,
			    "vector %zu %s: error reads \"%s\"", i, json_object_get_string(name), text);
		} else if (!tap_ok(got != NULL && json_object_equal(got, want),
		    "vector %zu %s: converted response equals the reference's", i,
		    json_object_get_string(name))) {
			tap_diag("got:  %s", got != NULL ? x2j_to_string(got, NULL) : err.msg);
			tap_diag("want: %s", json_object_to_json_string_ext(want,
			    JSON_C_TO_STRING_PLAIN));
		}
		json_object_put(got);
	}
	tap_ok(checked >= 20, "%d vectors with a response checked", checked);
	json_object_put(all);
}

/* ---- the conversion, rule by rule (README.md) ------------------------------ */

struct tcase {
	const char *name;
	const char *xml;
	const char *want;
};

static const struct tcase cases[] = {
	/* attributes */
	{"attribute without namespace", "<a x=\"1\" y=\"2\">t</a>",
	    "{\"a\":{\"@x\":\"1\",\"@y\":\"2\",\"#text\":\"t\"}}"},
	{"attribute with namespace", "<a xmlns:p=\"urn:p\" p:x=\"1\" y=\"2\"/>",
	    "{\"a\":{\"@{urn:p}x\":\"1\",\"@y\":\"2\"}}"},
	{"xml:lang", "<msg xml:lang=\"fr\" lang=\"en\">Bonjour</msg>",
	    "{\"msg\":{\"@{http://www.w3.org/XML/1998/namespace}lang\":\"fr\",\"@lang\":\"en\","
	    "\"#text\":\"Bonjour\"}}"},
	{"xsi:schemaLocation",
	    "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\" "
	    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	    "xsi:schemaLocation=\"urn:ietf:params:xml:ns:epp-1.0 epp-1.0.xsd\"><greeting/></epp>",
	    "{\"epp\":{\"@{http://www.w3.org/2001/XMLSchema-instance}schemaLocation\":"
	    "\"urn:ietf:params:xml:ns:epp-1.0 epp-1.0.xsd\",\"greeting\":null}}"},
	{"xmlns declarations never appear",
	    "<a xmlns=\"urn:a\" xmlns:b=\"urn:b\"><b:c xmlns:d=\"urn:d\">x</b:c></a>",
	    "{\"a\":{\"c\":\"x\"}}"},
	{"empty attribute value", "<a x=\"\"/>", "{\"a\":{\"@x\":\"\"}}"},
	{"attribute values are strings as written", "<a n=\"007\" p=\"1.50\" t=\"true\"/>",
	    "{\"a\":{\"@n\":\"007\",\"@p\":\"1.50\",\"@t\":\"true\"}}"},

	/* empty elements */
	{"<a/> is null", "<a/>", "{\"a\":null}"},
	{"<a></a> is null", "<a></a>", "{\"a\":null}"},
	{"<a>  </a> is null", "<a>  </a>", "{\"a\":null}"},
	{"white space of every kind only is null", "<a> \t\n\r\n </a>", "{\"a\":null}"},
	{"element values are strings as written", "<a><n>007</n><p>1.50</p><t>true</t></a>",
	    "{\"a\":{\"n\":\"007\",\"p\":\"1.50\",\"t\":\"true\"}}"},

	/* repeated children */
	{"repeated children merge, non-adjacent, with null",
	    "<a><b>1</b><c>2</c><b>3</b><b/></a>", "{\"a\":{\"b\":[\"1\",\"3\",null],\"c\":\"2\"}}"},
	{"first member null", "<a><b/><b>2</b></a>", "{\"a\":{\"b\":[null,\"2\"]}}"},
	{"objects in a list", "<a><b x=\"1\"/><b x=\"2\">t</b></a>",
	    "{\"a\":{\"b\":[{\"@x\":\"1\"},{\"@x\":\"2\",\"#text\":\"t\"}]}}"},
	{"domain:infData and rgp:infData merge",
	    "<resData><domain:infData xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\">"
	    "<domain:name>example.com</domain:name></domain:infData>"
	    "<rgp:infData xmlns:rgp=\"urn:ietf:params:xml:ns:rgp-1.0\">"
	    "<rgp:rgpStatus s=\"addPeriod\"/></rgp:infData></resData>",
	    "{\"resData\":{\"infData\":[{\"name\":\"example.com\"},"
	    "{\"rgpStatus\":{\"@s\":\"addPeriod\"}}]}}"},
	{"key order follows first appearance", "<a><z/><y>1</y><z>2</z><x/></a>",
	    "{\"a\":{\"z\":[null,\"2\"],\"y\":\"1\",\"x\":null}}"},

	/* text and tails */
	{"tail on an element with text", "<a><b>x</b>tail</a>",
	    "{\"a\":{\"b\":{\"#tail\":\"tail\",\"#text\":\"x\"}}}"},
	{"tail on an empty element", "<a><c/>t3</a>", "{\"a\":{\"c\":{\"#tail\":\"t3\"}}}"},
	{"mixed content", "<a>t1<b>x</b>t2<c/>t3</a>",
	    "{\"a\":{\"b\":{\"#tail\":\"t2\",\"#text\":\"x\"},\"c\":{\"#tail\":\"t3\"},"
	    "\"#text\":\"t1\"}}"},
	{"key order: attributes, children, #tail, #text",
	    "<a><c k=\"v\">x<d/></c> t </a>",
	    "{\"a\":{\"c\":{\"@k\":\"v\",\"d\":null,\"#tail\":\"t\",\"#text\":\"x\"}}}"},
	{"tail on a list member", "<a><b>1</b> t <b>2</b></a>",
	    "{\"a\":{\"b\":[{\"#tail\":\"t\",\"#text\":\"1\"},\"2\"]}}"},
	{"text is only what comes before the first child", "<a>x<b/>y<b/>z</a>",
	    "{\"a\":{\"b\":[{\"#tail\":\"y\"},{\"#tail\":\"z\"}],\"#text\":\"x\"}}"},
	{"root tail not emitted", "<a>x</a>\n  <!-- after -->\n<?pi after?>\n",
	    "{\"a\":\"x\"}"},
	{"inner white space kept", "<a>  x \t y\n z  </a>", "{\"a\":\"x \\t y\\n z\"}"},
	{"zero-width space is not white space", "<a>\xe2\x80\x8bx\xe2\x80\x8b</a>",
	    "{\"a\":\"\xe2\x80\x8bx\xe2\x80\x8b\"}"},

	/* attribute values */
	{"attribute never stripped", "<a x=\"  v  \"/>", "{\"a\":{\"@x\":\"  v  \"}}"},
	{"tab and newline in an attribute become spaces", "<a x=\"\tv\nw\r\n\"/>",
	    "{\"a\":{\"@x\":\" v w \"}}"},
	{"character references in an attribute are kept", "<a x=\"&#9;v&#10;&#13;\"/>",
	    "{\"a\":{\"@x\":\"\\tv\\n\\r\"}}"},
	{"entities in an attribute", "<a x=\"&lt;&amp;&gt;&quot;&apos;\"/>",
	    "{\"a\":{\"@x\":\"<&>\\\"'\"}}"},

	/* comments, PIs, CDATA */
	{"comment joins text", "<a>foo<!--c-->bar</a>", "{\"a\":\"foobar\"}"},
	{"PI joins text", "<a>foo<?pi x?>bar</a>", "{\"a\":\"foobar\"}"},
	{"comment in the text before a child", "<a> x <!--c--> y <b/></a>",
	    "{\"a\":{\"b\":null,\"#text\":\"x  y\"}}"},
	{"comment in a tail", "<a><b/>t<!--c-->u</a>", "{\"a\":{\"b\":{\"#tail\":\"tu\"}}}"},
	{"comment only is null", "<a><!--c--></a>", "{\"a\":null}"},
	{"CDATA joins text", "<a>x<![CDATA[ <y> & ]]>z</a>", "{\"a\":\"x <y> & z\"}"},
	{"CDATA white space only is null", "<a><![CDATA[  ]]></a>", "{\"a\":null}"},
	{"CDATA stripped after joining", "<a>  <![CDATA[ x ]]>  </a>", "{\"a\":\"x\"}"},

	/* entities */
	{"predefined entities", "<a>&lt;&gt;&amp;&quot;&apos;</a>",
	    "{\"a\":\"<>&\\\"'\"}"},
	{"numeric character references", "<a>&#65;&#x42;&#x20AC;&#128512;</a>",
	    "{\"a\":\"AB\xe2\x82\xac\xf0\x9f\x98\x80\"}"},
	{"internal entity", "<!DOCTYPE a [<!ENTITY n \"Example Registry\">]><a> &n; </a>",
	    "{\"a\":\"Example Registry\"}"},
	{"internal entity in an attribute", "<!DOCTYPE a [<!ENTITY n \"R\">]><a x=\"[&n;]\"/>",
	    "{\"a\":{\"@x\":\"[R]\"}}"},
	{"nested internal entities",
	    "<!DOCTYPE a [<!ENTITY i \"in\"><!ENTITY o \"[&i;]\">]><a x=\"&o;\">&o;</a>",
	    "{\"a\":{\"@x\":\"[in]\",\"#text\":\"[in]\"}}"},
	{"entity containing an element",
	    "<!DOCTYPE a [<!ENTITY e \"x<b>y</b>z\">]><a>1&e;2</a>",
	    "{\"a\":{\"b\":{\"#tail\":\"z2\",\"#text\":\"y\"},\"#text\":\"1x\"}}"},
	{"entity containing an element, used twice",
	    "<!DOCTYPE a [<!ENTITY e \"x<b>y</b>z\">]><a>1&e;2&e;</a>",
	    "{\"a\":{\"b\":[{\"#tail\":\"z2x\",\"#text\":\"y\"},{\"#tail\":\"z\",\"#text\":\"y\"}],"
	    "\"#text\":\"1x\"}}"},
	{"empty entity", "<!DOCTYPE a [<!ENTITY e \"\">]><a>&e;<b/>&e;</a>",
	    "{\"a\":{\"b\":null}}"},
	{"white space from an entity is normalised in an attribute only",
	    "<!DOCTYPE a [<!ENTITY t \"p&#9;q\">]><a x=\"&t;\">&t;</a>",
	    "{\"a\":{\"@x\":\"p q\",\"#text\":\"p\\tq\"}}"},
	{"entity declaring its own namespace prefixes",
	    "<!DOCTYPE a [<!ENTITY e \"<q:b xmlns:q='urn:q' q:x='1' xml:lang='en'/>\">]><a>&e;</a>",
	    "{\"a\":{\"b\":{\"@{urn:q}x\":\"1\","
	    "\"@{http://www.w3.org/XML/1998/namespace}lang\":\"en\"}}}"},
	{"entity declaring a prefix on a nested element",
	    "<!DOCTYPE a [<!ENTITY e \"<b><q:c xmlns:q='urn:q' q:x='1'><q:d q:y='2'/></q:c></b>\">]>"
	    "<a>&e;</a>",
	    "{\"a\":{\"b\":{\"c\":{\"@{urn:q}x\":\"1\",\"d\":{\"@{urn:q}y\":\"2\"}}}}}"},
	{"entity with an element prefixed from outside",
	    "<!DOCTYPE a [<!ENTITY e \"<p:b>x</p:b>\">]><a xmlns:p=\"urn:p\">&e;</a>",
	    "{\"a\":{\"b\":\"x\"}}"},
	{"DTD attribute default added after written attributes",
	    "<!DOCTYPE a [<!ATTLIST a v CDATA \"1.0\" w CDATA #IMPLIED x CDATA \"d\">]>"
	    "<a x=\"y\"/>",
	    "{\"a\":{\"@x\":\"y\",\"@v\":\"1.0\"}}"},
	{"DTD attribute defaults with entities, fixed",
	    "<!DOCTYPE a [<!ENTITY e \"E\"><!ATTLIST a x CDATA \"1&e;2&amp;3\" y CDATA \"&e;\" "
	    "z CDATA #FIXED \"f\">]><a/>",
	    "{\"a\":{\"@x\":\"1E2&3\",\"@y\":\"E\",\"@z\":\"f\"}}"},
	{"DTD attribute defaults with prefixes",
	    "<!DOCTYPE a [<!ATTLIST b p:x CDATA \"1\" xml:lang CDATA \"en\">]>"
	    "<a xmlns:p=\"urn:p\"><b/></a>",
	    "{\"a\":{\"b\":{\"@{urn:p}x\":\"1\","
	    "\"@{http://www.w3.org/XML/1998/namespace}lang\":\"en\"}}}"},

	/* encodings and line ends */
	{"ISO-8859-1 document",
	    "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a n=\"\xe9\">caf\xe9 \xa0</a>",
	    "{\"a\":{\"@n\":\"\xc3\xa9\",\"#text\":\"caf\xc3\xa9\"}}"},
	{"UTF-8 byte-order mark",
	    "\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?><a>x</a>", "{\"a\":\"x\"}"},
	{"UTF-8 byte-order mark without declaration", "\xef\xbb\xbf<a>x</a>", "{\"a\":\"x\"}"},
	{"CRLF and CR become LF", "<a>x\r\ny\rz</a>", "{\"a\":\"x\\ny\\nz\"}"},
	{"non-ASCII round trip",
	    "<a b=\"\xc3\x9cn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9\">Z\xc3\xbcrich \xe6\x9d\xb1\xe4\xba\xac "
	    "\xf0\x9f\x98\x80</a>",
	    "{\"a\":{\"@b\":\"\xc3\x9cn\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9\",\"#text\":\"Z\xc3\xbcrich "
	    "\xe6\x9d\xb1\xe4\xba\xac \xf0\x9f\x98\x80\"}}"},
	{"JSON escapes, slash not escaped", "<a>\"q\" \\ /path</a>",
	    "{\"a\":\"\\\"q\\\" \\\\ /path\"}"},
};

/* The white space Python's str.strip() removes and XML can carry. */
static const struct {
	const char *xml;        /* as written in the document */
	const char *json;       /* as json-c writes the character */
	const char *name;
} spaces[] = {
	{" ", " ", "space"},
	{"\t", "\\t", "tab"},
	{"\n", "\\n", "LF"},
	{"&#13;", "\\r", "CR"},
	{"\xc2\x85", "\xc2\x85", "U+0085"},
	{"\xc2\xa0", "\xc2\xa0", "U+00A0"},
	{"\xe1\x9a\x80", "\xe1\x9a\x80", "U+1680"},
	{"\xe2\x80\x80", "\xe2\x80\x80", "U+2000"},
	{"\xe2\x80\x81", "\xe2\x80\x81", "U+2001"},
	{"\xe2\x80\x82", "\xe2\x80\x82", "U+2002"},
	{"\xe2\x80\x83", "\xe2\x80\x83", "U+2003"},
	{"\xe2\x80\x84", "\xe2\x80\x84", "U+2004"},
	{"\xe2\x80\x85", "\xe2\x80\x85", "U+2005"},
	{"\xe2\x80\x86", "\xe2\x80\x86", "U+2006"},
	{"\xe2\x80\x87", "\xe2\x80\x87", "U+2007"},
	{"\xe2\x80\x88", "\xe2\x80\x88", "U+2008"},
	{"\xe2\x80\x89", "\xe2\x80\x89", "U+2009"},
	{"\xe2\x80\x8a", "\xe2\x80\x8a", "U+200A"},
	{"\xe2\x80\xa8", "\xe2\x80\xa8", "U+2028"},
	{"\xe2\x80\xa9", "\xe2\x80\xa9", "U+2029"},
	{"\xe2\x80\xaf", "\xe2\x80\xaf", "U+202F"},
	{"\xe2\x81\x9f", "\xe2\x81\x9f", "U+205F"},
	{"\xe3\x80\x80", "\xe3\x80\x80", "U+3000"},
};

static void
test_spaces(void)
{
	char xml[256], want[256];
	size_t i;
	const char *w, *j;

	for (i = 0; i < sizeof(spaces) / sizeof(spaces[0]); i++) {
		w = spaces[i].xml;
		j = spaces[i].json;
		snprintf(xml, sizeof(xml), "<a>%s%sx%sy%s%s</a>", w, w, w, w, w);
		snprintf(want, sizeof(want), "{\"a\":\"x%sy\"}", j);
		is_json_s(spaces[i].name, xml, want);
		snprintf(xml, sizeof(xml), "<a><b/>%st%s</a>", w, w);
		is_json_s(spaces[i].name, xml, "{\"a\":{\"b\":{\"#tail\":\"t\"}}}");
		snprintf(xml, sizeof(xml), "<a>%s<b/>%s</a>", w, w);
		is_json_s(spaces[i].name, xml, "{\"a\":{\"b\":null}}");
	}
	/* Attribute values are not stripped (only XML's own normalisation applies). */
	for (i = 4; i < sizeof(spaces) / sizeof(spaces[0]); i++) {
		snprintf(xml, sizeof(xml), "<a v=\"%sx%s\"/>", spaces[i].xml, spaces[i].xml);
		snprintf(want, sizeof(want), "{\"a\":{\"@v\":\"%sx%s\"}}", spaces[i].json,
		    spaces[i].json);
		is_json_s("attribute keeps the white space", xml, want);
	}
}

static void
test_cases(void)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_json_s(cases[i].name, cases[i].xml, cases[i].want);
}

static void
test_errors(void)
{
	is_error("not well-formed", "<a><b></a>", EG_ERESPONSE, "line 1");
	is_error("the reference's bad response", "bad response", EG_ERESPONSE, NULL);
	is_error_l("empty document", "", 0, NULL, EG_ERESPONSE, NULL);
	is_error("undefined entity", "<a>&nope;</a>", EG_ERESPONSE, "nope");
	is_error("undefined entity with an external subset",
	    "<!DOCTYPE a SYSTEM \"a.dtd\"><a>&nope;</a>", EG_ERESPONSE, "undefined entity '&nope;'");
	/* In an attribute both parsers drop a reference the unread external subset
	 * might declare (libxml2 leaves no node for it), so the reference gives "12". */
	is_json_s("undefined entity in an attribute with an external subset is dropped",
	    "<!DOCTYPE a SYSTEM \"a.dtd\"><a y=\"1&nope;2\"/>", "{\"a\":{\"@y\":\"12\"}}");
	is_error("unbound element prefix", "<a><p:b/></a>", EG_ERESPONSE, "unbound");
	is_error("unbound root prefix", "<p:a/>", EG_ERESPONSE, "unbound");
	is_error("unbound attribute prefix", "<a p:x=\"1\"/>", EG_ERESPONSE, "unbound");
	is_error("element name with two colons", "<a xmlns:x=\"u\"><x:d:e/></a>", EG_ERESPONSE,
	    "invalid qualified name 'x:d:e'");
	is_error("attribute name with two colons", "<a xmlns:x=\"u\" x:b:c=\"1\"/>",
	    EG_ERESPONSE, "invalid qualified name");
	is_error("one namespaced attribute twice under two prefixes",
	    "<a xmlns:p=\"urn:u\" xmlns:q=\"urn:u\" p:x=\"1\" q:x=\"2\"/>", EG_ERESPONSE,
	    "duplicate attribute");
	/* libxml2 parses entity text once, without the reference's namespaces, and
	 * loses such a prefix: the key is unknowable, so the document is refused. */
	is_error("entity with an attribute prefixed from outside",
	    "<!DOCTYPE a [<!ENTITY e \"<p:b p:x='1'/>\">]><a xmlns:p=\"urn:p\">&e;</a>",
	    EG_ERESPONSE, "declared outside");
	is_error("entity with an element prefixed from outside, with DTD defaults",
	    "<!DOCTYPE a [<!ENTITY e \"<p:b/>\"><!ATTLIST p:b x CDATA 'd'>]>"
	    "<a xmlns:p=\"urn:p\">&e;</a>", EG_ERESPONSE, "declared outside");
	is_error("DTD attribute default with an unbound prefix",
	    "<!DOCTYPE a [<!ATTLIST a p:x CDATA \"1\">]><a/>", EG_ERESPONSE, "unbound");
	is_error("entity with an element prefixed from outside after its own scope ends",
	    "<!DOCTYPE a [<!ENTITY e \"<q:b xmlns:q='urn:q'/><q:c/>\"><!ATTLIST x y CDATA 'z'>]>"
	    "<a xmlns:q=\"u\">&e;</a>", EG_ERESPONSE, "declared outside");
	is_error("colon in a processing-instruction target", "<a><?p:i x?></a>", EG_ERESPONSE,
	    "p:i");
	is_error("colon in a processing-instruction target before the root", "<?p:i x?><a/>",
	    EG_ERESPONSE, "p:i");
	is_error("colon in an entity name", "<!DOCTYPE a [<!ENTITY e:x \"1\">]><a/>",
	    EG_ERESPONSE, "e:x");
	is_error("two colons in a declared attribute name",
	    "<!DOCTYPE a [<!ATTLIST a x:y:z CDATA \"1\">]><a/>", EG_ERESPONSE, "prolog");
	is_error("two colons in a declared element name", "<!DOCTYPE a [<!ELEMENT a:b:c ANY>]><a/>",
	    EG_ERESPONSE, "prolog");
	is_error("unparsed entity in content",
	    "<!DOCTYPE a [<!NOTATION n SYSTEM \"n\"><!ENTITY u SYSTEM \"u\" NDATA n>]><a>&u;</a>",
	    EG_ERESPONSE, NULL);
}

/* json-c's object_add on an existing key must replace the value where it stands:
 * list merging relies on it to keep the key order of the document. */
static void
test_json_c_replace(void)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "a", json_object_new_string("1"));
	json_object_object_add(o, "b", json_object_new_string("2"));
	json_object_object_add(o, "c", NULL);
	json_object_object_add(o, "a", json_object_new_string("3"));
	json_object_object_add(o, "c", json_object_new_string("4"));
	tap_is_str(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
	    "{\"a\":\"3\",\"b\":\"2\",\"c\":\"4\"}", "json-c replaces a value in place");
	json_object_put(o);
}

static void
test_convert_doc(void)
{
	const char *xml = "<a x=\"1\"><b>t</b></a>";
	struct eg_err err = {EG_OK, ""};
	json_object *o;
	xmlDocPtr doc;

	doc = eg_xml_parse(xml, strlen(xml), 0, &err);
	o = x2j_convert_doc(doc, NULL, &err);
	same_text("x2j_write_doc on a parsed document", o, &err, NULL, 0, NULL, doc);
	tap_is_str(o != NULL ? x2j_to_string(o, NULL) : err.msg,
	    "{\"a\":{\"@x\":\"1\",\"b\":\"t\"}}", "x2j_convert_doc on a parsed document");
	json_object_put(o);
	/* the caller keeps the document: converting it again gives the same */
	o = x2j_convert_doc(doc, NULL, &err);
	tap_ok(o != NULL, "x2j_convert_doc leaves the document intact");
	json_object_put(o);
	xmlFreeDoc(doc);
	tap_ok(x2j_convert_doc(NULL, NULL, &err) == NULL && err.code == EG_ERESPONSE,
	    "x2j_convert_doc refuses no document");
	{
		struct buf out = BUF_INIT;

		tap_ok(x2j_write_doc(NULL, NULL, &out, NULL, &err) == -1 &&
		    err.code == EG_ERESPONSE && out.len == 0, "x2j_write_doc refuses no document");
		buf_clear(&out);
	}
}

/* ---- hostile documents ----------------------------------------------------- */

/* A temporary file holding text; its path goes to path. */
static int
temp_file(char *path, size_t cap, const char *text)
{
	const char *dir = getenv("TMPDIR");
	FILE *f;
	int fd;

	snprintf(path, cap, "%s/x2j-test-XXXXXX", dir != NULL && *dir != '\0' ? dir : "/tmp");
	if ((fd = mkstemp(path)) == -1)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		unlink(path);
		return -1;
	}
	fputs(text, f);
	fclose(f);
	return 0;
}

static void
no_marker(const char *name, const char *xml, const char *marker)
{
	struct eg_err err = {EG_OK, ""};
	json_object *o;
	const char *s;

	o = x2j_convert(xml, strlen(xml), NULL, &err);
	same_text(name, o, &err, xml, strlen(xml), NULL, NULL);
	s = o != NULL ? x2j_to_string(o, NULL) : err.msg;
	tap_ok(strstr(s, marker) == NULL, "%s: the file is never read", name);
	if (strstr(s, marker) != NULL)
		tap_diag("%s", s);
	json_object_put(o);
}

static void
test_external(void)
{
	char marker[64], text[256], path[4096], dtd[4096], xml[8192];

	snprintf(marker, sizeof(marker), "MARKER-%ld-%lld", (long)getpid(),
	    (long long)eg_now_us());
	snprintf(text, sizeof(text), "%s\n", marker);
	if (!tap_ok(temp_file(path, sizeof(path), text) == 0, "temporary file"))
		return;
	snprintf(text, sizeof(text),
	    "<!ENTITY leak \"%s\">\n<!ATTLIST a leak CDATA \"%s\">\n", marker, marker);
	if (!tap_ok(temp_file(dtd, sizeof(dtd), text) == 0, "temporary DTD")) {
		unlink(path);
		return;
	}

	snprintf(xml, sizeof(xml),
	    "<!DOCTYPE a [<!ENTITY x SYSTEM \"file://%s\">]><a>&x;</a>", path);
	is_error("external entity to a local file", xml, EG_ERESPONSE, "external entity");
	no_marker("external entity to a local file", xml, marker);
	snprintf(xml, sizeof(xml), "<!DOCTYPE a [<!ENTITY x SYSTEM \"%s\">]><a>&x;</a>", path);
	is_error("external entity by a plain path", xml, EG_ERESPONSE, NULL);
	no_marker("external entity by a plain path", xml, marker);
	snprintf(xml, sizeof(xml),
	    "<!DOCTYPE a [<!ENTITY x SYSTEM \"file://%s\">]><a v=\"&x;\"/>", path);
	is_error("external entity in an attribute", xml, EG_ERESPONSE, NULL);
	no_marker("external entity in an attribute", xml, marker);
	snprintf(xml, sizeof(xml),
	    "<!DOCTYPE a [<!ENTITY %% p SYSTEM \"file://%s\"> %%p;]><a>&leak;</a>", dtd);
	is_error("external parameter entity not loaded", xml, EG_ERESPONSE, NULL);
	no_marker("external parameter entity", xml, marker);
	snprintf(xml, sizeof(xml), "<!DOCTYPE a SYSTEM \"file://%s\"><a>&leak;</a>", dtd);
	is_error("external DTD not loaded: its entity is undefined", xml, EG_ERESPONSE,
	    "undefined entity");
	no_marker("external DTD", xml, marker);
	snprintf(xml, sizeof(xml), "<!DOCTYPE a SYSTEM \"file://%s\"><a>ok</a>", dtd);
	is_json_s("external DTD not loaded: no defaults from it", xml, "{\"a\":\"ok\"}");
	snprintf(xml, sizeof(xml),
	    "<!DOCTYPE a SYSTEM \"http://127.0.0.1:9/never.dtd\"><a>ok</a>");
	is_json_s("DOCTYPE with a network DTD converts without fetching", xml, "{\"a\":\"ok\"}");
	unlink(path);
	unlink(dtd);
}

static void
test_billion_laughs(void)
{
	static const char lol[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	    "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	    "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
	    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
	    "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
	    "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
	    "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
	    "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
	    "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
	    "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
	    "]>";
	char xml[sizeof(lol) + 64];
	struct eg_err err = {EG_OK, ""};
	json_object *o;
	int64_t t0, t;

	snprintf(xml, sizeof(xml), "%s<lolz>&lol9;</lolz>", lol);
	t0 = eg_now_us();
	o = x2j_convert(xml, strlen(xml), NULL, &err);
	t = eg_now_us() - t0;
	same_text("billion laughs", o, &err, xml, strlen(xml), NULL, NULL);
	tap_ok(o == NULL && (err.code == EG_ERESPONSE || err.code == EG_ELIMIT),
	    "billion laughs refused (%s)", err.msg);
	tap_ok(t < 1000000, "billion laughs refused in %lld us", (long long)t);
	json_object_put(o);

	snprintf(xml, sizeof(xml), "%s<lolz v=\"&lol9;\"/>", lol);
	t0 = eg_now_us();
	o = x2j_convert(xml, strlen(xml), NULL, &err);
	t = eg_now_us() - t0;
	same_text("billion laughs in an attribute", o, &err, xml, strlen(xml), NULL, NULL);
	tap_ok(o == NULL && t < 1000000, "billion laughs in an attribute refused in %lld us (%s)",
	    (long long)t, err.msg);
	json_object_put(o);
}

/* One internal entity of 100 KB referenced 1,000 times: 100 MB if expanded. */
static void
test_quadratic(void)
{
	struct x2j_limits lim = {0, 0};
	struct eg_err err = {EG_OK, ""};
	size_t big = 100 * 1024, refs = 1000, len, i;
	json_object *o;
	long long t;
	char *xml, *p;

	len = 64 + big + refs * 3 + 16;
	if (!tap_ok((xml = malloc(len)) != NULL, "quadratic document allocated"))
		return;
	p = xml + sprintf(xml, "<!DOCTYPE a [<!ENTITY e \"");
	memset(p, 'A', big);
	p += big;
	p += sprintf(p, "\">]><a>");
	for (i = 0; i < refs; i++)
		p += sprintf(p, "&e;");
	p += sprintf(p, "</a>");
	t = is_error_l("quadratic blow-up stopped by the expansion budget", xml,
	    (size_t)(p - xml), NULL, EG_ELIMIT, "entity expansion exceeds the limit of 1048576");
	tap_ok(t < 1000000, "quadratic blow-up stopped in %lld us", t);

	/* Within budget, the same entity expands: 5 references of 100 KB. */
	p = xml + sprintf(xml, "<!DOCTYPE a [<!ENTITY e \"");
	memset(p, 'A', big);
	p += big;
	p += sprintf(p, "\">]><a>&e;&e;&e;&e;&e;</a>");
	o = x2j_convert(xml, (size_t)(p - xml), NULL, &err);
	same_text("5 references of a 100 KB entity", o, &err, xml, (size_t)(p - xml), NULL,
	    NULL);
	tap_ok(o != NULL && json_object_get_string_len(json_object_object_get(o, "a")) ==
	    (int)(5 * big), "5 references of a 100 KB entity expand within the default budget");
	json_object_put(o);

	/* A smaller budget, counted in attributes too. */
	lim.max_expansion = 1000;
	p = xml + sprintf(xml, "<!DOCTYPE a [<!ENTITY e \"");
	memset(p, 'B', 600);
	p += 600;
	p += sprintf(p, "\">]><a>&e;</a>");
	o = x2j_convert(xml, (size_t)(p - xml), &lim, &err);
	same_text("one 600-byte entity", o, &err, xml, (size_t)(p - xml), &lim, NULL);
	tap_ok(o != NULL, "one 600-byte entity within a 1000-byte budget");
	json_object_put(o);
	p -= strlen("<a>&e;</a>");
	p += sprintf(p, "<a>&e;&e;</a>");
	is_error_l("two 600-byte entities exceed a 1000-byte budget", xml, (size_t)(p - xml),
	    &lim, EG_ELIMIT, "1000 bytes");
	p -= strlen("<a>&e;&e;</a>");
	p += sprintf(p, "<a x=\"&e;&e;\"/>");
	is_error_l("the budget counts attribute values", xml, (size_t)(p - xml), &lim,
	    EG_ELIMIT, "entity expansion");
	free(xml);
}

static void
test_deep(void)
{
	size_t depth = 10000, i;
	char *xml, *p;
	long long t;

	if (!tap_ok((xml = malloc(depth * 7 + 1)) != NULL, "deep document allocated"))
		return;
	p = xml;
	for (i = 0; i < depth; i++)
		p += sprintf(p, "<a>");
	for (i = 0; i < depth; i++)
		p += sprintf(p, "</a>");
	t = is_error_l("10,000-deep nesting refused", xml, (size_t)(p - xml), NULL,
	    EG_ERESPONSE, "depth");
	tap_ok(t < 1000000, "deep nesting refused in %lld us", t);

	/* libxml2 counts depth per entity: nesting through entities is bounded here. */
	p = xml + sprintf(xml, "<!DOCTYPE a [<!ENTITY e1 \"");
	for (i = 0; i < 200; i++)
		p += sprintf(p, "<x>");
	p += sprintf(p, "&e2;");
	for (i = 0; i < 200; i++)
		p += sprintf(p, "</x>");
	p += sprintf(p, "\"><!ENTITY e2 \"");
	for (i = 0; i < 200; i++)
		p += sprintf(p, "<y>");
	for (i = 0; i < 200; i++)
		p += sprintf(p, "</y>");
	p += sprintf(p, "\">]><a>");
	for (i = 0; i < 200; i++)
		p += sprintf(p, "<w>");
	p += sprintf(p, "&e1;");
	for (i = 0; i < 200; i++)
		p += sprintf(p, "</w>");
	p += sprintf(p, "</a>");
	is_error_l("600 levels through entities refused", xml, (size_t)(p - xml), NULL,
	    EG_ELIMIT, "nested deeper than 512");
	free(xml);
}

static long
max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void
test_size(void)
{
	struct x2j_limits lim = {0, 0};
	struct eg_err err = {EG_OK, ""};
	size_t len = (size_t)64 << 20;
	json_object *o;
	long rss0, rss1;
	long long t;
	char *xml;

	if (!tap_ok((xml = malloc(len)) != NULL, "64 MiB document allocated"))
		return;
	memcpy(xml, "<a>", 3);
	memset(xml + 3, 'x', len - 7);
	memcpy(xml + len - 4, "</a>", 4);
	rss0 = max_rss_kb();
	t = is_error_l("64 MiB document refused", xml, len, NULL, EG_ELIMIT, "exceeds the limit");
	rss1 = max_rss_kb();
	tap_ok(t < 100000, "64 MiB document refused in %lld us, before parsing", t);
	tap_ok(rss1 - rss0 < 4096, "refusing it took %ld KiB more memory", rss1 - rss0);
	free(xml);

	lim.max_bytes = 16;
	is_error_l("a configured size limit", "<a>0123456789</a>", 17, &lim, EG_ELIMIT, "16 bytes");
	o = x2j_convert("<a>012345678</a>", 16, &lim, &err);
	same_text("a document at the size limit", o, &err, "<a>012345678</a>", 16, &lim, NULL);
	tap_ok(o != NULL, "a document at the size limit converts");
	json_object_put(o);
}

/*
 * libxml2 refuses entity loops while parsing, but x2j_convert_doc() takes any
 * tree: a self-referencing entity built by hand must stop at the nesting bound,
 * in content and in attribute values alike.
 */
static void
test_entity_loop_tree(void)
{
	struct eg_err err = {EG_OK, ""};
	xmlNodePtr root, ref, inner;
	xmlEntityPtr ent;
	xmlAttrPtr attr;
	json_object *o;
	xmlDocPtr doc;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		doc = xmlNewDoc((const xmlChar *)"1.0");
		root = xmlNewDocNode(doc, NULL, (const xmlChar *)"a", NULL);
		xmlDocSetRootElement(doc, root);
		xmlCreateIntSubset(doc, (const xmlChar *)"a", NULL, NULL);
		ent = xmlAddDocEntity(doc, (const xmlChar *)"loop", XML_INTERNAL_GENERAL_ENTITY,
		    NULL, NULL, (const xmlChar *)"&loop;");
		inner = xmlNewReference(doc, (const xmlChar *)"loop");
		inner->parent = (xmlNodePtr)ent;
		ent->children = ent->last = inner;
		ent->owner = 1;
		ref = xmlNewReference(doc, (const xmlChar *)"loop");
		if (pass == 0) {
			xmlAddChild(root, ref);
		} else {
			attr = xmlNewProp(root, (const xmlChar *)"v", NULL);
			attr->children = attr->last = ref;
			ref->parent = (xmlNodePtr)attr;
		}
		o = x2j_convert_doc(doc, NULL, &err);
		same_text(pass == 0 ? "entity loop in content" : "entity loop in an attribute", o,
		    &err, NULL, 0, NULL, doc);
		tap_ok(o == NULL && err.code == EG_ELIMIT && strstr(err.msg, "nested deeper") != NULL,
		    "self-referencing entity in %s stops at the nesting bound (%s)",
		    pass == 0 ? "content" : "an attribute", err.msg);
		json_object_put(o);
		xmlFreeDoc(doc);
	}
}

int
main(void)
{
	xmlInitParser();
	test_vectors();
	test_cases();
	test_spaces();
	test_errors();
	test_json_c_replace();
	test_convert_doc();
	test_external();
	test_billion_laughs();
	test_quadratic();
	test_deep();
	test_size();
	test_entity_loop_tree();
	xmlCleanupParser();
	return tap_done();
}
