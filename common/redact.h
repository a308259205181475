/* SPDX-License-Identifier: MIT */
/*
 * redact.h - secrets out of anything that may be logged.
 *
 * EPP carries secrets in <pw> and <newPW> elements (login, authInfo in any
 * object namespace, and in info responses to the sponsor). redact_xml()
 * returns a copy of a document with the content of every such element,
 * whatever its prefix, replaced by "*****" (CDATA included). It works on the
 * bytes, so it also redacts documents that do not parse.
 */
#ifndef EG_REDACT_H
#define EG_REDACT_H

#include <stddef.h>

/* New NUL-terminated string (free()), or NULL when out of memory. */
char *redact_xml(const char *xml, size_t len);

#endif
