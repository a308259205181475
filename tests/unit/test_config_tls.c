/* SPDX-License-Identifier: MIT */
/*
 * The configuration check's TLS files (epp-gate --check-config): certificates, keys and CA
 * files parsed, a key that does not match, expired and expiring certificates, each named
 * by setting and file; tls_check_files() itself. The files are made at test time by
 * tests/lib/certs_dated.sh (openssl command line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgtest.h"
#include "config.h"
#include "tap.h"
#include "tls.h"

static char certs[300];

static const char *
crt(const char *name)
{
	static char buf[4][400];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", certs, name);
	return buf[i];
}

static void
base(struct gate_config *c)
{
	gate_config_defaults(c);
	snprintf(c->epp.host, sizeof(c->epp.host), "epp.example");
	snprintf(c->epp.login, sizeof(c->epp.login), "login");
	snprintf(c->epp.password, sizeof(c->epp.password), "secret-pw");
}

static void
set_tls(struct cfg_tls *t, const char *ca, const char *cert, const char *key)
{
	snprintf(t->ca_file, sizeof(t->ca_file), "%s", ca ? ca : "");
	snprintf(t->cert_file, sizeof(t->cert_file), "%s", cert ? cert : "");
	snprintf(t->key_file, sizeof(t->key_file), "%s", key ? key : "");
}

/* Runs the check; the error message (or "" when it passes) and the warnings. */
static int
check(const struct gate_config *c, struct cf_warnings *w, struct eg_err *e)
{
	memset(w, 0, sizeof(*w));
	memset(e, 0, sizeof(*e));
	return gate_config_check_warn(c, cf_collect, w, e);
}

static void
test_epp_files(void)
{
	static struct gate_config c;
	struct cf_warnings w;
	struct eg_err e;
	char want[600];
	const char *garbage = cf_write("garbage.pem", 0600, "this is not PEM at all\n");
	const char *badpem = cf_write("badpem.pem", 0600, "-----BEGIN CERTIFICATE-----\n"
	    "bm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n");

	base(&c);
	set_tls(&c.epp.tls, crt("good.crt"), crt("good.crt"), crt("good.key"));
	tap_ok(check(&c, &w, &e) == 0 && w.n == 0, "good certificate, key and CA pass without "
	    "warning: %s", e.msg);

	set_tls(&c.epp.tls, NULL, crt("good.crt"), garbage);
	snprintf(want, sizeof(want), "epp.tls.key_file %s: not a private key (PEM)", garbage);
	tap_ok(check(&c, &w, &e) == -1 && e.code == EG_ECONFIG, "key file of garbage refused");
	tap_is_str(e.msg, want, "it names the setting and the file");

	set_tls(&c.epp.tls, NULL, crt("good.crt"), crt("soon.key"));
	snprintf(want, sizeof(want), "epp.tls.key_file %s: does not match the certificate in %s",
	    crt("soon.key"), crt("good.crt"));
	tap_ok(check(&c, &w, &e) == -1, "a key of another certificate refused");
	tap_is_str(e.msg, want, "mismatch names the key file and the certificate file");

	set_tls(&c.epp.tls, NULL, crt("good.crt"), crt("enc.key"));
	tap_ok(check(&c, &w, &e) == -1 && strstr(e.msg, "epp.tls.key_file") != NULL &&
	    strstr(e.msg, "encrypted") != NULL, "an encrypted key refused: %s", e.msg);

	set_tls(&c.epp.tls, garbage, NULL, NULL);
	snprintf(want, sizeof(want), "epp.tls.ca_file %s: not a CA certificate (PEM)", garbage);
	tap_ok(check(&c, &w, &e) == -1, "CA file of garbage refused");
	tap_is_str(e.msg, want, "it names the setting and the file");

	set_tls(&c.epp.tls, badpem, NULL, NULL);
	tap_ok(check(&c, &w, &e) == -1 && strstr(e.msg, "epp.tls.ca_file") != NULL,
	    "CA file with a broken PEM block refused: %s", e.msg);

	set_tls(&c.epp.tls, NULL, garbage, crt("good.key"));
	snprintf(want, sizeof(want), "epp.tls.cert_file %s: not a certificate (PEM)", garbage);
	tap_ok(check(&c, &w, &e) == -1, "certificate file of garbage refused");
	tap_is_str(e.msg, want, "it names the setting and the file");

	set_tls(&c.epp.tls, NULL, crt("soon.crt"), crt("soon.key"));
	tap_ok(check(&c, &w, &e) == 0 && w.n == 1, "a certificate expiring in 10 days passes "
	    "with one warning");
	tap_ok(strstr(w.all, "epp.tls.cert_file") != NULL && strstr(w.all, crt("soon.crt")) !=
	    NULL && strstr(w.all, "expires on 20") != NULL && strstr(w.all, "CN=soon.test") !=
	    NULL, "the warning names setting, file, certificate and date: %s", w.all);

	set_tls(&c.epp.tls, NULL, crt("chain.crt"), crt("good.key"));
	tap_ok(check(&c, &w, &e) == 0 && w.n == 1 && strstr(w.all, "CN=soon.test") != NULL,
	    "a chain whose second certificate expires soon: warned about that one: %s", w.all);

	set_tls(&c.epp.tls, NULL, crt("old.crt"), crt("old.key"));
	snprintf(want, sizeof(want), "epp.tls.cert_file %s: certificate CN=old.test expired on "
	    "2020-02-01 00:00:00 UTC", crt("old.crt"));
	tap_ok(check(&c, &w, &e) == -1 && e.code == EG_ECONFIG, "an expired certificate refused");
	tap_is_str(e.msg, want, "it names setting, file, certificate and date");

	/* The checks that were there before still come first. */
	set_tls(&c.epp.tls, NULL, crt("good.crt"), cf_tmp("absent.key"));
	tap_ok(check(&c, &w, &e) == -1 && strstr(e.msg, "epp.tls.key_file: cannot read") != NULL,
	    "an unreadable key is still said to be unreadable: %s", e.msg);
	set_tls(&c.epp.tls, NULL, NULL, NULL);
	snprintf(c.epp.password, sizeof(c.epp.password), "short");
	tap_ok(check(&c, &w, &e) == -1 && strstr(e.msg, "epp.password") != NULL,
	    "the password rule still applies: %s", e.msg);
	tap_ok(gate_config_check(&c, &e) == -1, "gate_config_check (no warnings) agrees");
}

static void
test_broker_files(void)
{
	static struct gate_config c;
	struct cf_warnings w;
	struct eg_err e;
	const char *garbage = cf_write("garbage2.pem", 0600, "garbage\n");

	base(&c);
	set_tls(&c.broker.tls, garbage, NULL, NULL);
	tap_ok(check(&c, &w, &e) == 0, "broker.tls files are not read without broker.tls");
	c.broker.use_tls = 1;
	tap_ok(check(&c, &w, &e) == -1 && strncmp(e.msg, "broker.tls.ca_file ", 19) == 0 &&
	    strstr(e.msg, garbage) != NULL, "broker CA file of garbage refused: %s", e.msg);
	set_tls(&c.broker.tls, crt("good.crt"), crt("good.crt"), crt("old.key"));
	tap_ok(check(&c, &w, &e) == -1 && strncmp(e.msg, "broker.tls.key_file ", 20) == 0 &&
	    strstr(e.msg, "does not match") != NULL, "broker key mismatch refused: %s", e.msg);
	set_tls(&c.broker.tls, crt("good.crt"), crt("soon.crt"), crt("soon.key"));
	tap_ok(check(&c, &w, &e) == 0 && w.n == 1 && strstr(w.all, "broker.tls.cert_file") !=
	    NULL, "broker certificate expiring soon: warned: %s", w.all);
}

static void
test_direct(void)
{
	struct tls_opts o = {NULL, NULL, NULL, NULL, 1};
	struct tls_file_check r;
	struct eg_err e;
	char two[2][300];

	o.cert_file = crt("chain.crt");
	o.key_file = crt("good.key");
	o.ca_file = crt("chain.crt");
	tap_ok(tls_check_files(&o, &r, &e) == 0 && r.bad == TLS_FILE_NONE && r.n_cert == 2 &&
	    r.n_ca == 2, "tls_check_files: a chain of 2 and a CA file of 2");
	tap_ok(r.not_after > 0 && strcmp(r.expiring, "CN=soon.test") == 0,
	    "the earliest notAfter is the second certificate's");
	memset(&o, 0, sizeof(o));
	tap_ok(tls_check_files(&o, &r, &e) == 0 && r.not_after == 0, "no files: nothing to say");
	/* A valid certificate followed by a broken one. */
	snprintf(two[0], sizeof(two[0]), "%s", crt("good.crt"));
	{
		char *text = tap_slurp(two[0], NULL);

		snprintf(two[1], sizeof(two[1]), "%s", cf_write("two.pem", 0600, "%s"
		    "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", text));
		free(text);
	}
	o.ca_file = two[1];
	tap_ok(tls_check_files(&o, &r, &e) == -1 && r.bad == TLS_FILE_CA &&
	    strcmp(e.msg, "CA certificate 2 does not parse (PEM)") == 0,
	    "the broken second certificate is counted: %s", e.msg);
	o.ca_file = cf_tmp("absent.pem");
	tap_ok(tls_check_files(&o, &r, &e) == -1 && r.bad == TLS_FILE_CA &&
	    strstr(e.msg, "cannot read") != NULL, "a missing file: %s", e.msg);
}

int
main(void)
{
	char cmd[800];
	const char *tmp = getenv("TMPDIR");

	if (cf_setup() == -1)
		return 1;
	snprintf(certs, sizeof(certs), "%s/eg-cfgtls.%ld", tmp ? tmp : "/tmp", (long)getpid());
	snprintf(cmd, sizeof(cmd), "%s %s", tap_src("tests/lib/certs_dated.sh"), certs);
	if (system(cmd) != 0) {
		tap_ok(0, "make the test certificates");
		cf_cleanup();
		return tap_done();
	}
	test_epp_files();
	test_broker_files();
	test_direct();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", certs);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", certs);
	cf_cleanup();
	return tap_done();
}
