/* SPDX-License-Identifier: MIT */
/*
 * epp_resp.h - the few facts the gate reads from a converted EPP response
 * (the json-c form of xml2json.h). Returned strings point into root.
 */
#ifndef EG_EPP_RESP_H
#define EG_EPP_RESP_H

#include <json-c/json.h>
#include <stddef.h>

#define EPP_MAX_URIS 64

/* Code of the first <result>, or -1 when the document is not an EPP response. */
int epp_resp_code(json_object *root);
/* Text of the first result's <msg> (with or without a lang attribute), or NULL. */
const char *epp_resp_msg(json_object *root);
/* <trID><clTRID> of a response, or NULL. */
const char *epp_resp_cltrid(json_object *root);

struct epp_greeting {
	const char *svid;
	const char *obj[EPP_MAX_URIS];
	size_t n_obj;
	const char *ext[EPP_MAX_URIS];
	size_t n_ext;
};

/* 0 and g filled when root is a greeting; -1 otherwise. URIs beyond EPP_MAX_URIS are
 * ignored. */
int epp_resp_greeting(json_object *root, struct epp_greeting *g);

#endif
