/* SPDX-License-Identifier: MIT */
/*
 * epp_reply.c - the gate's error replies, with the reference's message
 * prefixes (see epp_reply.h).
 */
#include "epp_reply.h"

#include <stdio.h>
#include <string.h>

#include "xml2json.h"

void
epp_error_text(const struct eg_err *e, char *out, size_t cap)
{
	switch (e->code) {
	case EG_EREQUEST:
		snprintf(out, cap, "failed reading EPP request: %s", e->msg);
		break;
	case EG_EUNKNOWN:
		snprintf(out, cap, "unknown command or empty response received: '%s'", e->msg);
		break;
	case EG_ERESPONSE:
		snprintf(out, cap, "failed reading EPP response: %s", e->msg);
		break;
	default:
		snprintf(out, cap, "failed processing EPP command: %s", e->msg);
		break;
	}
}

json_object *
epp_error_reply(const struct eg_err *e, const char *code_name)
{
	char text[sizeof(e->msg) + 64];
	json_object *o;

	epp_error_text(e, text, sizeof(text));
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "error", json_object_new_string(text));
	if (code_name != NULL)
		json_object_object_add(o, "code", json_object_new_string(code_name));
	return o;
}

int
epp_error_reply_text(const struct eg_err *e, const char *code_name, struct buf *out)
{
	char text[sizeof(e->msg) + 64];
	size_t start = out->len;

	epp_error_text(e, text, sizeof(text));
	if (buf_puts(out, "{\"error\":") == -1 || x2j_put_string(out, text, strlen(text)) == -1 ||
	    (code_name != NULL && (buf_puts(out, ",\"code\":") == -1 ||
	    x2j_put_string(out, code_name, strlen(code_name)) == -1)) ||
	    buf_puts(out, "}") == -1) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		return -1;
	}
	return 0;
}
