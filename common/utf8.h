/* SPDX-License-Identifier: MIT */
/*
 * utf8.h - UTF-8 checks and the whitespace rule of the reference's JSON.
 */
#ifndef EG_UTF8_H
#define EG_UTF8_H

#include <stddef.h>

/*
 * 1 when s[0..n) is well-formed UTF-8 (no overlong forms, no surrogates, at
 * most U+10FFFF) and every character is one XML 1.0 allows (#x9, #xA, #xD,
 * #x20-#xD7FF, #xE000-#xFFFD, #x10000-#x10FFFF). 0 otherwise; *bad (when not
 * NULL) receives the offset of the first offending byte and *why a reason.
 */
int utf8_xml_ok(const char *s, size_t n, size_t *bad, const char **why);

/* 1 when s[0..n) is well-formed UTF-8 (any code point, NUL allowed). */
int utf8_valid(const char *s, size_t n);

/*
 * Python's str.strip() on UTF-8 text: removes Unicode whitespace (ASCII
 * space, \t \n \v \f \r, U+001C-U+001F, U+0085, U+00A0, U+1680, U+2000-U+200A,
 * U+2028, U+2029, U+202F, U+205F, U+3000) at both ends. Sets *start and *len
 * to the stripped span inside s. Input is assumed valid UTF-8.
 */
void utf8_strip(const char *s, size_t n, const char **start, size_t *len);

#endif
