/* SPDX-License-Identifier: MIT */
/*
 * The login password rule (common/credentials.h): RFC 5730 pwType's minimum of
 * 6 characters, the gate's maximum of 64, the token whitespace rules; applied
 * alike by the rule itself, the login builder, --check-config (the config
 * file's password, its file, the --epp params file, the new password) and
 * epp-sim's accounts. No message repeats a password.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgtest.h"
#include "config.h"
#include "credentials.h"
#include "epp_cmd.h"
#include "registry.h"
#include "tap.h"

#define LEN_MSG "must be 6 to 64 characters long"

/* n copies of the UTF-8 character ch. */
static const char *
chars(char *buf, size_t cap, const char *ch, size_t n)
{
	size_t i, k = strlen(ch);

	buf[0] = '\0';
	for (i = 0; i < n && (i + 1) * k < cap; i++)
		memcpy(buf + i * k, ch, k + 1);
	return buf;
}

static void
test_rule(void)
{
	static const struct {
		const char *pw;
		const char *why;     /* NULL: allowed */
	} cases[] = {
		{"abcdef", NULL},
		{"secret1", NULL},
		{"with one space", NULL},
		{"äöüßéè", NULL},                 /* 6 characters, 12 bytes */
		{"abcde", LEN_MSG},
		{"äöüßé", LEN_MSG},               /* 5 characters, 10 bytes: characters count */
		{"", "is empty"},
		{" abcdef", "must not have leading, trailing or repeated spaces (pwType is an "
			"xsd:token)"},
		{"abcdef ", "must not have leading, trailing or repeated spaces (pwType is an "
			"xsd:token)"},
		{"abc  def", "must not have leading, trailing or repeated spaces (pwType is an "
			"xsd:token)"},
		{"abc\tdef", "must not contain tabs or line breaks (pwType is an xsd:token)"},
		{"abcdef\n", "must not contain tabs or line breaks (pwType is an xsd:token)"},
		{"abc\r\ndef", "must not contain tabs or line breaks (pwType is an xsd:token)"},
		{"abc\xff" "def", "is not valid UTF-8 or holds a character XML does not allow"},
		{"abc\x01" "def", "is not valid UTF-8 or holds a character XML does not allow"},
	};
	char buf[512];
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why = cred_pw_problem(cases[i].pw);
		if (cases[i].why == NULL)
			tap_ok(why == NULL, "allowed: case %zu (%s)", i, why ? why : "");
		else
			tap_is_str(why, cases[i].why, "refused: case %zu", i);
	}
	tap_ok(cred_pw_problem(NULL) != NULL, "NULL refused");
	tap_ok(cred_pw_problem(chars(buf, sizeof(buf), "x", 16)) == NULL, "16 characters (the RFC "
	    "schema's maximum)");
	tap_ok(cred_pw_problem(chars(buf, sizeof(buf), "x", 17)) == NULL, "17 characters");
	tap_ok(cred_pw_problem(chars(buf, sizeof(buf), "x", 64)) == NULL, "64 characters");
	tap_ok(cred_pw_problem(chars(buf, sizeof(buf), "é", 64)) == NULL,
	    "64 two-byte characters (128 bytes)");
	tap_ok(cred_pw_problem(chars(buf, sizeof(buf), "\xe2\x82\xac", 64)) == NULL,
	    "64 three-byte characters (192 bytes)");
	tap_is_str(cred_pw_problem(chars(buf, sizeof(buf), "x", 65)), LEN_MSG, "65 characters");
	tap_is_str(cred_pw_problem(chars(buf, sizeof(buf), "é", 65)), LEN_MSG,
	    "65 two-byte characters");
}

/* The login builder applies the same rule, and says so without the password. */
static void
test_login(void)
{
	static const char *const objs[] = {"urn:ietf:params:xml:ns:domain-1.0"};
	struct epp_login l = {"registrar1", NULL, NULL, NULL, NULL, objs, 1, NULL, 0};
	char buf[512], nbuf[512], *xml = NULL;
	struct eg_err err;
	size_t len, n, built;

	for (n = 6, built = 0; n <= 64; n++) {
		l.pw = chars(buf, sizeof(buf), "p", n);
		if (epp_build_login(&l, "LOGIN-1", &xml, &len, &err) != 0) {
			tap_diag("%zu characters: %s", n, err.msg);
			continue;
		}
		built += strstr(xml, buf) != NULL;
		free(xml);
	}
	tap_is_int((long long)built, 59, "logins with passwords of 6 to 64 characters carry them");
	l.pw = chars(buf, sizeof(buf), "p", 5);
	tap_ok(epp_build_login(&l, "LOGIN-2", &xml, &len, &err) == -1 && err.code == EG_ECONFIG,
	    "5 characters refused");
	tap_is_str(err.msg, "login password " LEN_MSG, "... with the rule's message");
	l.pw = chars(buf, sizeof(buf), "p", 65);
	tap_ok(epp_build_login(&l, "LOGIN-3", &xml, &len, &err) == -1 &&
	    strstr(err.msg, "ppppp") == NULL, "65 characters refused, not repeated");
	l.pw = "qwe  rty";
	tap_ok(epp_build_login(&l, "LOGIN-4", &xml, &len, &err) == -1 &&
	    strstr(err.msg, "repeated spaces") != NULL && strstr(err.msg, "qwe") == NULL,
	    "two spaces in a row refused");
	l.pw = "pass word";
	tap_ok(epp_build_login(&l, "LOGIN-5", &xml, &len, &err) == 0 &&
	    strstr(xml, "<pw>pass word</pw>") != NULL, "one space inside is a token: sent");
	free(xml);
	l.pw = "secret1";
	l.newpw = chars(nbuf, sizeof(nbuf), "n", 5);
	tap_ok(epp_build_login(&l, "LOGIN-6", &xml, &len, &err) == -1, "new password of 5 refused");
	tap_is_str(err.msg, "new login password " LEN_MSG, "... naming the new password");
	l.newpw = chars(nbuf, sizeof(nbuf), "n", 64);
	tap_ok(epp_build_login(&l, "LOGIN-7", &xml, &len, &err) == 0 && strstr(xml, nbuf) != NULL,
	    "new password of 64 sent");
	free(xml);
}

/* --check-config refuses what the login builder would refuse, whatever the source. */
static void
test_config_check(void)
{
	struct gate_config c;
	struct eg_err e;
	char buf[512];
	const char *p;

	gate_config_defaults(&c);
	snprintf(c.epp.host, sizeof(c.epp.host), "epp.example");
	snprintf(c.epp.login, sizeof(c.epp.login), "registrar1");
	snprintf(c.epp.password, sizeof(c.epp.password), "abcdef");
	tap_is_int(gate_config_check(&c, &e), 0, "check: a 6-character password passes");
	snprintf(c.epp.password, sizeof(c.epp.password), "%s", chars(buf, sizeof(buf), "x", 64));
	tap_is_int(gate_config_check(&c, &e), 0, "check: a 64-character password passes");
	snprintf(c.epp.password, sizeof(c.epp.password), "%s", chars(buf, sizeof(buf), "é", 64));
	tap_is_int(gate_config_check(&c, &e), 0, "check: 64 two-byte characters pass");
	snprintf(c.epp.password, sizeof(c.epp.password), "%s", chars(buf, sizeof(buf), "x", 65));
	tap_ok(gate_config_check(&c, &e) == -1 && e.code == EG_ECONFIG, "check: 65 refused");
	tap_is_str(e.msg, "epp.password (epp.password, epp.password_file or the --epp params "
	    "file) " LEN_MSG, "check: the message names the setting and the rule");
	snprintf(c.epp.password, sizeof(c.epp.password), "fiveX");
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, LEN_MSG) != NULL &&
	    strstr(e.msg, "fiveX") == NULL, "check: 5 refused, not repeated");
	snprintf(c.epp.password, sizeof(c.epp.password), "tab\tbed");
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, "tabs") != NULL,
	    "check: a tab refused");

	/* From the --epp params file (HOST PORT LOGIN PASSWORD). */
	p = cf_write("short.params", 0600, "epp.example 700 registrar1 five5\n");
	tap_ok(gate_config_params_file(&c, "epp", p, NULL, NULL, &e) == 0, "params file loads");
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, "--epp params file") != NULL &&
	    strstr(e.msg, LEN_MSG) != NULL && strstr(e.msg, "five5") == NULL,
	    "check: a params file's 5-character password refused");
	p = cf_write("six.params", 0600, "epp.example 700 registrar1 six666\n");
	tap_ok(gate_config_params_file(&c, "epp", p, NULL, NULL, &e) == 0 &&
	    gate_config_check(&c, &e) == 0, "check: a params file's 6-character password passes");

	/* From a config file, inline and through password_file. */
	tap_is_str(cf_load_error("epp: { host = \"h\"; login = \"registrar1\"; password = \"abc\"; };\n"),
	    "(loaded)", "a short inline password loads (the check judges it)");
	tap_ok(cf_load_text(&c, NULL, &e, "epp: { host = \"h\"; login = \"registrar1\"; "
	    "password = \"abcde\"; };\n") == 0 && gate_config_check(&c, &e) == -1 &&
	    strstr(e.msg, LEN_MSG) != NULL, "check: a 5-character inline password refused");
	p = cf_write("epp.pw", 0600, "sixsix\n");
	snprintf(buf, sizeof(buf), "epp: { host = \"h\"; login = \"registrar1\"; "
	    "password_file = \"%s\"; };\n", p);
	tap_ok(cf_load_text(&c, NULL, &e, buf) == 0 && gate_config_check(&c, &e) == 0,
	    "check: a 6-character password from password_file passes");

	/* The new password, when set. */
	snprintf(c.epp.new_password, sizeof(c.epp.new_password), "abcde");
	tap_ok(gate_config_check(&c, &e) == -1, "check: a 5-character new password refused");
	tap_is_str(e.msg, "epp.new_password (epp.new_password or epp.new_password_file) " LEN_MSG,
	    "check: ... naming the new password");
	snprintf(c.epp.new_password, sizeof(c.epp.new_password), "abcdef");
	tap_is_int(gate_config_check(&c, &e), 0, "check: a 6-character new password passes");
}

/* epp-sim's accounts follow the same rule. */
static void
test_sim_accounts(void)
{
	struct registry_config rc;
	struct registry *r;
	struct eg_err e;
	char buf[512];

	registry_config_defaults(&rc);
	if (!tap_ok((r = registry_new(&rc, &e)) != NULL, "registry"))
		return;
	tap_is_int(registry_add_account(r, "six-char", "sixsix", &e), 0, "sim: 6 characters");
	tap_is_int(registry_add_account(r, "sixty-four", chars(buf, sizeof(buf), "q", 64), &e), 0,
	    "sim: 64 characters");
	tap_is_int(registry_add_account(r, "multibyte", chars(buf, sizeof(buf), "é", 64), &e), 0,
	    "sim: 64 two-byte characters");
	tap_is_int(registry_add_account(r, "registrar1", "secret1", &e), 0,
	    "sim: the default accounts' passwords pass");
	tap_ok(registry_add_account(r, "five-char", "five5", &e) == -1 &&
	    strcmp(e.msg, "the password of 'five-char' " LEN_MSG) == 0, "sim: 5 characters refused");
	tap_ok(registry_add_account(r, "too-long", chars(buf, sizeof(buf), "q", 65), &e) == -1,
	    "sim: 65 characters refused");
	registry_free(r);
}

int
main(void)
{
	if (cf_setup() != 0)
		return 1;
	test_rule();
	test_login();
	test_config_check();
	test_sim_accounts();
	cf_cleanup();
	return tap_done();
}
