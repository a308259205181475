/* SPDX-License-Identifier: MIT */
/*
 * utf8.c - UTF-8 checks (well-formed, characters XML allows) and Python's
 * str.strip() rule on UTF-8 text (see utf8.h).
 */
#include "utf8.h"

#include <stdint.h>

/* Decodes one UTF-8 sequence at s (n bytes available). Returns its length, 0 if malformed. */
static size_t
decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c = s[0];
	size_t len, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		c &= 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		c &= 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

static int
xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff) ||
	    (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

int
utf8_xml_ok(const char *s, size_t n, size_t *bad, const char **why)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t c;

	while (i < n) {
		if (p[i] >= 0x20 && p[i] < 0x80) {   /* fast path: printable ASCII */
			i++;
			continue;
		}
		if ((len = decode(p + i, n - i, &c)) == 0) {
			if (why != NULL)
				*why = "invalid UTF-8";
			goto fail;
		}
		if (!xml_char(c)) {
			if (why != NULL)
				*why = "character not allowed in XML";
			goto fail;
		}
		i += len;
	}
	return 1;
fail:
	if (bad != NULL)
		*bad = i;
	return 0;
}

int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, len;
	uint32_t c;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((len = decode(p + i, n - i, &c)) == 0)
			return 0;
		i += len;
	}
	return 1;
}

static int
py_space(uint32_t c)
{
	return (c >= 0x9 && c <= 0xd) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 ||
	    c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
	    c == 0x202f || c == 0x205f || c == 0x3000;
}

void
utf8_strip(const char *s, size_t n, const char **start, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t b = 0, e = n, l, k;
	uint32_t c;

	while (b < e) {
		if ((l = decode(p + b, e - b, &c)) == 0 || !py_space(c))
			break;
		b += l;
	}
	while (e > b) {
		/* step back to the start of the last character */
		k = e - 1;
		while (k > b && (p[k] & 0xc0) == 0x80)
			k--;
		if ((l = decode(p + k, e - k, &c)) == 0 || !py_space(c))
			break;
		e = k;
	}
	*start = s + b;
	*len = e - b;
}
