/* SPDX-License-Identifier: MIT */
/*
 * digest.h - SHA-256 and the canonical JSON text it is taken over, so that
 * two copies of one request give one digest whatever their key order or
 * whitespace.
 *
 * The request journal (gate/journal.h) keeps the digest of each request
 * next to its message_id: the same message_id with another request is then
 * told apart from a retry of the same one.
 */
#ifndef EG_DIGEST_H
#define EG_DIGEST_H

#include <json-c/json.h>
#include <stddef.h>

#include "buf.h"

#define EG_SHA256_HEX 65   /* 64 lowercase hex digits and a NUL */

/* SHA-256 of p[0..n) as lowercase hex into out. -1 only when the library fails. */
int eg_sha256_hex(const void *p, size_t n, char out[EG_SHA256_HEX]);

/*
 * Appends the canonical text of o to b: no whitespace; object members sorted by key
 * (bytewise); strings with only '"', '\\' and control characters escaped (\u00XX), every
 * other byte as it is; numbers as json-c writes them; null for NULL. With mask_secrets,
 * the value of every member named auth_info, pw or newPW is written as "*" and a string
 * member named xml has the content of its <pw>/<newPW> elements hidden (redact.h).
 * -1: out of memory.
 */
int eg_json_canonical(json_object *o, int mask_secrets, struct buf *b);

/*
 * The digest of a parsed request ({"cmd": ..., "args": ...}): SHA-256 over the command
 * name, a newline and the canonical text of args (secrets masked: a digest must not let
 * whoever reads the journal test guesses of an authInfo). -1: out of memory or a library
 * failure.
 */
int eg_request_digest(json_object *req, char out[EG_SHA256_HEX]);

#endif
