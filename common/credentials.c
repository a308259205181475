/* SPDX-License-Identifier: MIT */
/*
 * credentials.c - the login password rule (RFC 5730 pwType, up to 64
 * characters; see credentials.h).
 */
#include "credentials.h"

#include <string.h>

#include "utf8.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

const char *
cred_pw_problem(const char *pw)
{
	size_t n, i, chars = 0;

	if (pw == NULL || pw[0] == '\0')
		return "is empty";
	n = strlen(pw);
	if (!utf8_xml_ok(pw, n, NULL, NULL))
		return "is not valid UTF-8 or holds a character XML does not allow";
	for (i = 0; i < n; i++) {
		if (pw[i] == '\t' || pw[i] == '\r' || pw[i] == '\n')
			return "must not contain tabs or line breaks (pwType is an xsd:token)";
		if (pw[i] == ' ' && (i == 0 || i + 1 == n || pw[i + 1] == ' '))
			return "must not have leading, trailing or repeated spaces (pwType is an "
			    "xsd:token)";
		if (((unsigned char)pw[i] & 0xc0) != 0x80)
			chars++;
	}
	if (chars < CRED_PW_MIN || chars > CRED_PW_MAX)
		return "must be " STR(CRED_PW_MIN) " to " STR(CRED_PW_MAX) " characters long";
	return NULL;
}
