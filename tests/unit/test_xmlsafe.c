/* SPDX-License-Identifier: MIT */
/* The reusable parser gives the same results as a fresh one, document after document:
 * after errors, across encodings, and after its name dictionary is started afresh. */
#include <libxml/parser.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "xml2json.h"
#include "xmlsafe.h"

static int
same(struct eg_xml_parser *p, const char *xml, const char *want)
{
	struct eg_err e;
	json_object *o = x2j_convert_with(p, xml, strlen(xml), NULL, &e);
	const char *got = o ? x2j_to_string(o, NULL) : e.msg;
	int ok = strcmp(got, want) == 0;

	if (!ok)
		tap_diag("got %s, want %s", got, want);
	json_object_put(o);
	return ok;
}

int
main(void)
{
	struct eg_xml_parser *p;
	struct eg_err e;
	xmlDocPtr kept;
	char xml[128], want[128];
	int i, bad = 0;

	xmlInitParser();
	p = eg_xml_parser_new();
	tap_ok(p != NULL, "a parser");
	tap_ok(same(p, "<a x=\"1\">t</a>", "{\"a\":{\"@x\":\"1\",\"#text\":\"t\"}}"), "first document");
	tap_ok(x2j_convert_with(p, "<a><b></a>", 10, NULL, &e) == NULL && e.code == EG_ERESPONSE,
	    "a broken document is refused: %s", e.msg);
	tap_ok(same(p, "<a><b>1</b><b/></a>", "{\"a\":{\"b\":[\"1\",null]}}"),
	    "the next one is fine after the error");
	tap_ok(same(p, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9</a>",
	    "{\"a\":\"caf\xc3\xa9\"}"), "a declared ISO-8859-1 document");
	tap_ok(same(p, "<a>plain</a>", "{\"a\":\"plain\"}"), "then UTF-8 again");
	/* new names in every document: the dictionary is dropped along the way */
	for (i = 0; i < 20000; i++) {
		snprintf(xml, sizeof(xml), "<r><n%d>%d</n%d></r>", i, i, i);
		snprintf(want, sizeof(want), "{\"r\":{\"n%d\":\"%d\"}}", i, i);
		bad += !same(p, xml, want);
	}
	tap_is_int(bad, 0, "20000 documents with new names each, all converted right");
	kept = eg_xml_parse_with(p, "<keep>me</keep>", 15, 0, &e);
	eg_xml_parser_free(p);
	tap_ok(kept != NULL && strcmp((const char *)xmlDocGetRootElement(kept)->name, "keep") == 0,
	    "a document outlives its parser");
	xmlFreeDoc(kept);
	tap_ok(eg_xml_parse_with(p = eg_xml_parser_new(), "x", 1, 0, &e) == NULL, "not XML");
	tap_ok(eg_xml_parse_with(p, "<a/>", 4, 3, &e) == NULL && e.code == EG_ELIMIT,
	    "size limit checked first");
	eg_xml_parser_free(p);
	xmlCleanupParser();
	return tap_done();
}
