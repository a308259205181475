/* SPDX-License-Identifier: MIT */
/* libFuzzer target: registry XML to JSON (the safe parser and the converter), with a
 * small expansion budget so that entity handling is exercised. */
#include <libxml/parser.h>
#include <stddef.h>
#include <stdint.h>

#include "epp_resp.h"
#include "xml2json.h"

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
	struct x2j_limits lim = {1 << 20, 64 << 10};
	struct eg_err err;
	struct epp_greeting g;
	json_object *o;
	size_t len;

	o = x2j_convert((const char *)data, size, &lim, &err);
	if (o != NULL) {
		(void)x2j_to_string(o, &len);
		(void)epp_resp_code(o);
		(void)epp_resp_msg(o);
		(void)epp_resp_cltrid(o);
		(void)epp_resp_greeting(o, &g);
		json_object_put(o);
	}
	return 0;
}
