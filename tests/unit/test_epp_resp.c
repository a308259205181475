/* SPDX-License-Identifier: MIT */
/* Reading result code, message, clTRID and greeting URIs from converted responses. */
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "epp_resp.h"
#include "tap.h"
#include "xml2json.h"

#define EPP_OPEN "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">"

static json_object *
conv(const char *xml)
{
	struct eg_err err = {EG_OK, ""};
	json_object *o;

	if ((o = x2j_convert(xml, strlen(xml), NULL, &err)) == NULL)
		tap_diag("conversion failed: %s", err.msg);
	return o;
}

static void
test_response(void)
{
	json_object *o;

	o = conv(EPP_OPEN "<response><result code=\"1000\"><msg>Command completed "
	    "successfully</msg></result><trID><clTRID>abc-1</clTRID><svTRID>s1</svTRID></trID>"
	    "</response></epp>");
	tap_is_int(epp_resp_code(o), 1000, "code of a plain response");
	tap_is_str(epp_resp_msg(o), "Command completed successfully", "msg as a string");
	tap_is_str(epp_resp_cltrid(o), "abc-1", "clTRID");
	json_object_put(o);

	o = conv(EPP_OPEN "<response><result code=\"2303\"><msg lang=\"en\">Object does not "
	    "exist</msg></result><trID><svTRID>s1</svTRID></trID></response></epp>");
	tap_is_int(epp_resp_code(o), 2303, "error code");
	tap_is_str(epp_resp_msg(o), "Object does not exist", "msg with a lang attribute");
	tap_is_str(epp_resp_cltrid(o), NULL, "no clTRID");
	json_object_put(o);

	o = conv(EPP_OPEN "<response><result code=\"2306\"><msg>Parameter value policy "
	    "error</msg><value><domain:period xmlns:domain=\"urn:d\">99</domain:period></value>"
	    "</result><result code=\"2004\"><msg>Parameter value range error</msg></result>"
	    "<trID><clTRID>c2</clTRID><svTRID>s2</svTRID></trID></response></epp>");
	tap_is_int(epp_resp_code(o), 2306, "several results: the first code");
	tap_is_str(epp_resp_msg(o), "Parameter value policy error", "several results: first msg");
	tap_is_str(epp_resp_cltrid(o), "c2", "clTRID with several results");
	json_object_put(o);

	o = conv(EPP_OPEN "<response><result code=\"1000\"><msg/></result></response></epp>");
	tap_is_str(epp_resp_msg(o), NULL, "empty msg is NULL");
	json_object_put(o);

	o = conv(EPP_OPEN "<greeting><svID>x</svID></greeting></epp>");
	tap_is_int(epp_resp_code(o), -1, "a greeting has no result code");
	tap_is_str(epp_resp_msg(o), NULL, "a greeting has no msg");
	json_object_put(o);

	o = conv("<html><response><result code=\"1000\"/></response></html>");
	tap_is_int(epp_resp_code(o), -1, "not EPP: no code");
	json_object_put(o);

	o = conv(EPP_OPEN "<response><result code=\"abcd\"><msg>x</msg></result></response></epp>");
	tap_is_int(epp_resp_code(o), -1, "a code that is not a number");
	json_object_put(o);
	o = conv(EPP_OPEN "<response><result code=\"10000\"><msg>x</msg></result></response></epp>");
	tap_is_int(epp_resp_code(o), -1, "a code of five digits");
	json_object_put(o);

	tap_is_int(epp_resp_code(NULL), -1, "NULL document: no code");
	tap_is_str(epp_resp_msg(NULL), NULL, "NULL document: no msg");
	tap_is_str(epp_resp_cltrid(NULL), NULL, "NULL document: no clTRID");
}

static void
test_greeting(void)
{
	struct epp_greeting g;
	json_object *o;
	char xml[16384];
	size_t n, i;

	o = conv(EPP_OPEN "<greeting><svID>Example EPP</svID><svDate>2024-01-01T00:00:00Z"
	    "</svDate><svcMenu><version>1.0</version><lang>en</lang>"
	    "<objURI>urn:ietf:params:xml:ns:domain-1.0</objURI></svcMenu></greeting></epp>");
	tap_ok(epp_resp_greeting(o, &g) == 0, "greeting recognised");
	tap_is_str(g.svid, "Example EPP", "svID");
	tap_ok(g.n_obj == 1 && strcmp(g.obj[0], "urn:ietf:params:xml:ns:domain-1.0") == 0,
	    "one objURI is a string, read as a list of one");
	tap_is_int((long long)g.n_ext, 0, "no svcExtension");
	json_object_put(o);

	o = conv(EPP_OPEN "<response><result code=\"1000\"><msg>x</msg></result></response></epp>");
	tap_ok(epp_resp_greeting(o, &g) == -1, "a response is not a greeting");
	json_object_put(o);
	tap_ok(epp_resp_greeting(NULL, &g) == -1, "NULL is not a greeting");

	/* More URIs than the table holds: the first EPP_MAX_URIS are kept. */
	n = (size_t)snprintf(xml, sizeof(xml), EPP_OPEN "<greeting><svID>s</svID><svcMenu>"
	    "<objURI>urn:o</objURI><svcExtension>");
	for (i = 0; i < EPP_MAX_URIS + 6; i++)
		n += (size_t)snprintf(xml + n, sizeof(xml) - n, "<extURI>urn:e%zu</extURI>", i);
	snprintf(xml + n, sizeof(xml) - n, "</svcExtension></svcMenu></greeting></epp>");
	o = conv(xml);
	tap_ok(epp_resp_greeting(o, &g) == 0 && g.n_ext == EPP_MAX_URIS &&
	    strcmp(g.ext[EPP_MAX_URIS - 1], "urn:e63") == 0, "extURIs beyond %d ignored",
	    EPP_MAX_URIS);
	json_object_put(o);
}

/* The reference's own greeting and responses. */
static void
test_vectors(void)
{
	json_object *all, *vec, *name, *xml, *o;
	struct epp_greeting g;
	struct eg_err err;
	size_t i, n, len;
	char *data;
	const char *nm;

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
		nm = json_object_get_string(name);
		if (!json_object_object_get_ex(vec, "xml_response", &xml) ||
		    !json_object_is_type(xml, json_type_string))
			continue;
		memset(&err, 0, sizeof(err));
		o = x2j_convert(json_object_get_string(xml),
		    (size_t)json_object_get_string_len(xml), NULL, &err);
		if (o == NULL)
			continue;
		if (strcmp(nm, "sample_greeting") == 0) {
			tap_ok(epp_resp_greeting(o, &g) == 0 && g.svid != NULL &&
			    strcmp(g.svid, "CoCCA EPP Server - epp.cocca.iors.cx") == 0,
			    "vector %zu %s: svID", i, nm);
			tap_ok(g.n_obj == 3 && strcmp(g.obj[1], "urn:ietf:params:xml:ns:domain-1.0") == 0,
			    "vector %zu %s: 3 objURIs", i, nm);
			tap_ok(g.n_ext == 5 && strcmp(g.ext[4],
			    "https://production.coccaregistry.net/cocca-activation-1.0") == 0,
			    "vector %zu %s: 5 extURIs", i, nm);
		} else {
			tap_ok(epp_resp_code(o) >= 1000 && epp_resp_msg(o) != NULL,
			    "vector %zu %s: code %d, msg \"%s\"", i, nm, epp_resp_code(o),
			    epp_resp_msg(o) != NULL ? epp_resp_msg(o) : "(null)");
		}
		if (strcmp(nm, "test_cmd_poll_req") == 0) {
			tap_is_int(epp_resp_code(o), 1300, "vector %zu %s: code 1300", i, nm);
			tap_is_str(epp_resp_cltrid(o), "c5bc8f94103f1a47019a09049dff5aec",
			    "vector %zu %s: clTRID", i, nm);
		}
		json_object_put(o);
	}
	json_object_put(all);
}

int
main(void)
{
	xmlInitParser();
	test_response();
	test_greeting();
	test_vectors();
	xmlCleanupParser();
	return tap_done();
}
