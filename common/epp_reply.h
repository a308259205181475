/* SPDX-License-Identifier: MIT */
/*
 * epp_reply.h - the gate's error replies (README.md, "Requests and replies").
 * The message prefix tells callers of the reference what happened, so it is
 * chosen in one place:
 *   EG_EREQUEST  -> "failed reading EPP request: MSG"
 *   EG_EUNKNOWN  -> "unknown command or empty response received: 'MSG'"
 *   EG_ERESPONSE -> "failed reading EPP response: MSG"
 *   anything else -> "failed processing EPP command: MSG"
 */
#ifndef EG_EPP_REPLY_H
#define EG_EPP_REPLY_H

#include <json-c/json.h>

#include "buf.h"
#include "err.h"

/* {"error": "PREFIX MSG"} plus, when code_name is not NULL, "code": code_name.
 * New object; json_object_put() it. */
json_object *epp_error_reply(const struct eg_err *e, const char *code_name);

/* The same reply as JSON text, appended to out: the bytes x2j_to_string() gives for
 * epp_error_reply()'s object, without building it. 0, or -1 when out of memory (out is
 * then as it was). */
int epp_error_reply_text(const struct eg_err *e, const char *code_name, struct buf *out);

/* The full error string for e, written to out (always NUL-terminated). */
void epp_error_text(const struct eg_err *e, char *out, size_t cap);

#endif
