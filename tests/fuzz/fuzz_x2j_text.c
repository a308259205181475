/* SPDX-License-Identifier: MIT */
/* libFuzzer target, differential: the JSON text writer (x2j_write) against the json-c path
 * (x2j_convert, x2j_to_string, epp_resp.h); aborts on any difference. */
#include <libxml/parser.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "epp_resp.h"
#include "xml2json.h"

/*
 * Any difference in success, text, error or facts aborts. The expansion budget
 * is small so that entity handling and its limit are reached. Each path parses
 * with a parser of its own: one kept across inputs would hold memory from one
 * input to the next, and libFuzzer then looks for leaks after every input,
 * which makes it forty times slower (test_x2j_text covers kept parsers).
 *
 * Each input is used twice: as a document, and as the choices of a generator of
 * documents (names from a small set, so that they repeat, come back after other
 * names and outnumber the writer's linear search; text, entities, comments, DTD
 * defaults, EPP's elements). Byte mutations alone seldom make a name come back
 * after five others; the generator does so all the time.
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	xmlInitParser();
	return 0;
}

static int
same_s(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

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
	if (ra != rb || !same_s(a.svid, b.svid) || a.n_obj != b.n_obj || a.n_ext != b.n_ext)
		return "greeting";
	for (i = 0; i < a.n_obj; i++)
		if (!same_s(a.obj[i], b.obj[i]))
			return "objURI";
	for (i = 0; i < a.n_ext; i++)
		if (!same_s(a.ext[i], b.ext[i]))
			return "extURI";
	return NULL;
}

/* ---- the generator ---------------------------------------------------------- */

struct choices {
	const uint8_t *p;
	size_t n;
};

/* The next choice among n; 0 once the input is used up, which ends every list. */
static unsigned
pick(struct choices *c, unsigned n)
{
	if (c->n == 0)
		return 0;
	c->n--;
	return *c->p++ % n;
}

static const char *const names[] = {
	"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "p:b", "q:c", "p:l",
	"epp", "response", "result", "msg", "trID", "clTRID", "svTRID", "greeting", "svID",
	"svcMenu", "objURI", "svcExtension", "extURI",
};
/* The last ENTITY_REFS of each list refer to the DTD's entities. */
#define ENTITY_REFS 1
static const char *const attrs[] = {
	"code=\"1000\"", "lang=\"en\"", "p:y=\"v\"", "q:y=\"w\"", "xml:lang=\"fr\"",
	"a=\" v\tw\n\"", "r:z=\"&quot;&#9;\"", "xmlns:r=\"urn:r\"", "c=\"\xc2\xa0x\"",
	"code=\"2400\"", "s=\"\"", "b=\"&amp;&t;&#9;\"",
};
#define TEXT_ENTITY_REFS 5
static const char *const texts[] = {
	" ", "\n  ", "x", " y z ", "\xc2\xa0", "\xe3\x80\x80w\xe2\x80\x8b", "a\"b\\c/d",
	"&lt;&amp;", "\t", "&#9;q&#10;", "<!--c-->", "<?pi x?>", "<![CDATA[ c ]]>", "\x7f",
	"&#x85;", "&t;", "&m;", "&s;", "&n;", "&u;",
};

/* Without a DTD (dtd 0), no reference to its entities (an undefined one is refused
 * early, and other documents test that). */
static void
gen_element(struct buf *b, struct choices *c, unsigned depth, int dtd)
{
	const char *name = names[pick(c, sizeof(names) / sizeof(names[0]))];
	const unsigned nattrs = sizeof(attrs) / sizeof(attrs[0]) - (dtd ? 0 : ENTITY_REFS);
	const unsigned ntexts = sizeof(texts) / sizeof(texts[0]) - (dtd ? 0 : TEXT_ENTITY_REFS);
	unsigned i, n, used = 0, k;

	buf_printf(b, "<%s", name);
	if (depth == 0)
		buf_puts(b, " xmlns=\"urn:ietf:params:xml:ns:epp-1.0\" xmlns:p=\"urn:p\""
		    " xmlns:q=\"urn:p\" xmlns:r=\"urn:r\"");
	for (n = pick(c, 4); n > 0; n--) {
		k = pick(c, nattrs);
		/* the same attribute twice is libxml2's business, not the converter's */
		if (!(used & (1u << k)))
			buf_printf(b, " %s", attrs[k]);
		used |= 1u << k;
	}
	n = depth < 2 ? pick(c, 20) : depth < 6 ? pick(c, 5) : 0;
	if (n == 0 && pick(c, 2) == 0) {
		buf_puts(b, "/>");
		return;
	}
	buf_puts(b, ">");
	for (i = 0; i < n; i++) {
		if (pick(c, 3) != 0)
			gen_element(b, c, depth + 1, dtd);
		else
			buf_puts(b, texts[pick(c, ntexts)]);
	}
	buf_printf(b, "</%s>", name);
}

static void
gen_doc(struct buf *b, struct choices *c)
{
	unsigned choice = pick(c, 32);
	int dtd = choice < 8;

	/* a DTD in one document of four: libxml2's tables for it cost more than the rest */
	if (dtd) {
		buf_puts(b, "<!DOCTYPE epp [<!ENTITY t \"text &amp; more\"><!ENTITY s \"  \">"
		    "<!ENTITY m \"x<b>y</b>z<c/><b/>\"><!ENTITY n \"&t;!<msg>&t;</msg><c/>\">");
		if (choice & 2)
			buf_puts(b, "<!ENTITY u \"<result code='1000'><msg> u </msg></result>\">");
		if (choice & 4)
			buf_puts(b, "<!ATTLIST result code CDATA \"1001\">"
			    "<!ATTLIST b d CDATA \"1\">");
		buf_puts(b, "]>");
	}
	gen_element(b, c, 0, dtd);
}

/* ---- both paths ------------------------------------------------------------- */

static void
compare(const char *xml, size_t size)
{
	static const char before[] = "<before>";
	struct x2j_limits lim = {1 << 20, 4 << 10};
	struct eg_err e1 = {EG_OK, ""}, e2 = {EG_OK, ""};
	struct buf out = BUF_INIT;
	struct epp_facts f;
	const char *want = NULL, *why = NULL;
	const size_t nb = sizeof(before) - 1;
	json_object *o;
	size_t wlen = 0;
	int rc;

	epp_facts_init(&f);
	if (buf_puts(&out, before) == -1)
		abort();
	o = x2j_convert(xml, size, &lim, &e1);
	rc = x2j_write(xml, size, &lim, &out, &f, &e2);
	if (o != NULL)
		want = x2j_to_string(o, &wlen);
	if ((o != NULL) != (rc == 0))
		why = o != NULL ? "the writer refused" : "the writer converted";
	else if (o != NULL && (out.len != nb + wlen || memcmp(out.data + nb, want, wlen) != 0))
		why = "different text";
	else if (o == NULL && (e1.code != e2.code || strcmp(e1.msg, e2.msg) != 0))
		why = "different error";
	else if (memcmp(out.data, before, nb) != 0 || (o == NULL && out.len != nb))
		why = "what out held was changed";
	else
		why = facts_diff(o, &f);
	if (why != NULL) {
		fprintf(stderr, "x2j_text: %s\nxml: %.*s\njson-c: %s\nwriter: %s\n", why,
		    (int)size, xml, o != NULL ? want : e1.msg, rc == 0 ? out.data + nb : e2.msg);
		abort();
	}
	json_object_put(o);
	epp_facts_clear(&f);
	buf_clear(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a few hundred choices make documents of a few KB: enough for every shape,
	 * small enough to keep thousands of runs a second */
	struct choices c = {data, size < 384 ? size : 384};
	struct buf doc = BUF_INIT;

	compare((const char *)data, size);
	gen_doc(&doc, &c);
	if (doc.data == NULL)
		abort();
	compare(doc.data, doc.len);
	buf_clear(&doc);
	return 0;
}
