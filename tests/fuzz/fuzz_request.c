/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a JSON request to an EPP command (parse, argument checks, builders,
 * generic `epp` and raw `xml`). Every command built must parse back as XML. */
#include <libxml/parser.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "epp_cmd.h"
#include "xmlsafe.h"

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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eg_err err;
	struct epp_request req = {0};
	json_object *o;
	xmlDocPtr doc;

	if ((o = epp_request_parse((const char *)data, size, &err)) == NULL)
		return 0;
	if (epp_request_build(o, "fuzz-cltrid-1", &req, &err) == 0 && req.xml != NULL) {
		/* what the gate would send is always well-formed XML */
		if ((doc = eg_xml_parse(req.xml, req.xml_len, 0, &err)) == NULL)
			__builtin_trap();
		xmlFreeDoc(doc);
	}
	epp_request_clear(&req);
	json_object_put(o);
	return 0;
}
