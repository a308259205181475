/* SPDX-License-Identifier: MIT */
/* UTF-8 validation and Python-compatible whitespace stripping. */
#include <string.h>

#include "tap.h"
#include "utf8.h"

static void
strip_is(const char *in, const char *want, const char *what)
{
	const char *s;
	size_t n;
	char got[256];

	utf8_strip(in, strlen(in), &s, &n);
	memcpy(got, s, n);
	got[n] = '\0';
	tap_is_str(got, want, "strip: %s", what);
}

int
main(void)
{
	size_t bad = 0;
	const char *why = NULL;

	tap_ok(utf8_xml_ok("abc", 3, NULL, NULL), "ascii ok");
	tap_ok(utf8_xml_ok("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, NULL, NULL), "2/3/4-byte ok");
	tap_ok(!utf8_xml_ok("a\xc3", 2, &bad, &why) && bad == 1, "truncated sequence refused at 1");
	tap_ok(!utf8_xml_ok("\xc0\xaf", 2, NULL, NULL), "overlong refused");
	tap_ok(!utf8_xml_ok("\xed\xa0\x80", 3, NULL, NULL), "surrogate refused");
	tap_ok(!utf8_xml_ok("\xf4\x90\x80\x80", 4, NULL, NULL), "above U+10FFFF refused");
	tap_ok(!utf8_xml_ok("a\x01" "b", 3, &bad, &why) && bad == 1 &&
	    strcmp(why, "character not allowed in XML") == 0, "control char refused with reason");
	tap_ok(!utf8_xml_ok("a\0b", 3, NULL, NULL), "NUL refused");
	tap_ok(utf8_xml_ok("\t\r\n", 3, NULL, NULL), "tab CR LF allowed");
	tap_ok(!utf8_xml_ok("\xef\xbf\xbe", 3, NULL, NULL), "U+FFFE refused");
	tap_ok(utf8_valid("a\0b", 3), "utf8_valid allows NUL");
	tap_ok(!utf8_valid("\xff", 1), "utf8_valid refuses 0xff");

	strip_is("  x y  ", "x y", "ascii spaces, inner kept");
	strip_is("\t\n\r\v\fx\n", "x", "ascii controls");
	strip_is("\xc2\xa0x\xc2\x85", "x", "NBSP and NEL");
	strip_is("\xe3\x80\x80x\xe2\x80\xa8\xe2\x80\xa9", "x", "ideographic space, LS, PS");
	strip_is("\xe2\x80\x8ax\xe2\x80\xaf\xe2\x81\x9f\xe1\x9a\x80", "x", "U+200A, U+202F, U+205F, U+1680");
	strip_is("\xe2\x80\x8bx", "\xe2\x80\x8bx", "zero-width space is not whitespace");
	strip_is("   ", "", "all whitespace");
	strip_is("\xc3\xa9", "\xc3\xa9", "non-space multibyte kept");
	return tap_done();
}
