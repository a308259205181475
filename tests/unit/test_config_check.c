/* SPDX-License-Identifier: MIT */
/*
 * The configuration once every source was applied: the consistency check, the
 * summary (which never shows a secret), wiping secrets, and broker host entries.
 */
#include <stdio.h>
#include <string.h>

#include "cfgtest.h"
#include "config.h"
#include "log.h"
#include "tap.h"

static void
test_check(void)
{
	struct gate_config c;
	struct eg_err e;

	gate_config_defaults(&c);
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, "epp.host is not set") != NULL,
	    "check: host required");
	snprintf(c.epp.host, sizeof(c.epp.host), "h");
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, "epp.login is not set") != NULL,
	    "check: login required");
	snprintf(c.epp.login, sizeof(c.epp.login), "l");
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, "epp.password is not set") != NULL,
	    "check: password required");
	snprintf(c.epp.password, sizeof(c.epp.password), "secret");
	tap_is_int(gate_config_check(&c, &e), 0, "check: host, login, password are enough");
	/* A certificate file that can be read, so that the key file is what the check names. */
	snprintf(c.epp.tls.cert_file, sizeof(c.epp.tls.cert_file), "%s",
	    cf_write("cert.pem", 0600, "not checked here\n"));
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, "go together") != NULL,
	    "check: cert_file without key_file");
	snprintf(c.epp.tls.key_file, sizeof(c.epp.tls.key_file), "%s", cf_tmp("absent.key"));
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, "epp.tls.key_file: cannot read") !=
	    NULL && strstr(e.msg, "absent.key") != NULL, "check: unreadable key file named");
	c.epp.tls.cert_file[0] = c.epp.tls.key_file[0] = '\0';
	c.epp.backoff_min_ms = 9000;
	c.epp.backoff_max_ms = 100;
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, "backoff_min_ms") != NULL,
	    "check: backoff min above max");
	c.epp.backoff_min_ms = 100;
	c.watch_health = 1;
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, "health.watch") != NULL,
	    "check: health.watch without a file");
	snprintf(c.health_file, sizeof(c.health_file), "/nonexistent-dir/health");
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, "/nonexistent-dir") != NULL,
	    "check: health file in a missing directory");
	snprintf(c.health_file, sizeof(c.health_file), "%s", cf_tmp("health"));
	snprintf(c.broker.hosts[0], sizeof(c.broker.hosts[0]), "bad host:x");
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, "broker.hosts") != NULL,
	    "check: malformed broker host (set by hand)");
	snprintf(c.broker.hosts[0], sizeof(c.broker.hosts[0]), "ok:1");
	c.log_level = 9;
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, "log.level") != NULL,
	    "check: log level range");
	c.log_level = EG_LOG_DEBUG;
	tap_is_int(gate_config_check(&c, &e), 0, "check: repaired config passes");
}

static void
test_describe_and_wipe(void)
{
	struct gate_config c;
	char out[16384];
	static const char *const secrets[] = {"Sekr3t-epp", "Sekr3t-new", "Sekr3t-rabbit"};
	size_t i;
	int leaked = 0;

	gate_config_defaults(&c);
	snprintf(c.epp.host, sizeof(c.epp.host), "epp.example");
	snprintf(c.epp.password, sizeof(c.epp.password), "%s", secrets[0]);
	snprintf(c.epp.new_password, sizeof(c.epp.new_password), "%s", secrets[1]);
	snprintf(c.broker.password, sizeof(c.broker.password), "%s", secrets[2]);
	gate_config_describe(&c, out, sizeof(out));
	for (i = 0; i < 3; i++)
		leaked |= strstr(out, secrets[i]) != NULL;
	tap_ok(!leaked && strstr(out, "Sekr3t") == NULL, "describe never prints a secret");
	tap_ok(strstr(out, "epp.password") != NULL && strstr(out, "(set)") != NULL,
	    "describe lists passwords as (set)");
	tap_ok(strstr(out, "epp.host") != NULL && strstr(out, "\"epp.example\"") != NULL,
	    "describe shows ordinary values");
	tap_ok(strstr(out, "epp.password_file") == NULL, "describe lists no *_file pseudo-settings");
	tap_ok(strstr(out, "(negotiated from the greeting)") != NULL,
	    "describe: URIs negotiated by default");
	tap_ok(strstr(out, "broker.hosts") != NULL && strstr(out, "[\"localhost:5672\"]") != NULL,
	    "describe: broker hosts as a list");
	c.epp.new_password[0] = '\0';
	gate_config_describe(&c, out, sizeof(out));
	tap_ok(strstr(out, "(not set)") != NULL, "describe: an empty secret is (not set)");
	gate_config_describe(&c, out, 40);
	tap_ok(strlen(out) == 39, "describe truncates safely to the buffer");

	snprintf(c.epp.new_password, sizeof(c.epp.new_password), "%s", secrets[1]);
	gate_config_wipe(&c);
	for (i = 0, leaked = 0; i < sizeof(c.epp.password); i++)
		leaked |= c.epp.password[i] | c.epp.new_password[i] | c.broker.password[i];
	tap_ok(!leaked, "wipe zeroes every secret byte");
	tap_is_str(c.epp.host, "epp.example", "wipe keeps the rest");
}

static void
test_broker_split(void)
{
	char h[64];
	int port = 0;

	tap_ok(gate_broker_split("rabbit", h, sizeof(h), &port) == 0 && strcmp(h, "rabbit") == 0 &&
	    port == 5672, "split: host alone gets 5672");
	tap_ok(gate_broker_split("rabbit:5671", h, sizeof(h), &port) == 0 && port == 5671,
	    "split: host:port");
	tap_ok(gate_broker_split("[fe80::1]:5673", h, sizeof(h), &port) == 0 &&
	    strcmp(h, "fe80::1") == 0 && port == 5673, "split: [v6]:port");
	tap_ok(gate_broker_split("::1", h, sizeof(h), &port) == 0 && strcmp(h, "::1") == 0 &&
	    port == 5672, "split: bare IPv6 literal");
	tap_ok(gate_broker_split("h:0", h, sizeof(h), &port) == -1, "split: port 0 refused");
	tap_ok(gate_broker_split(":5672", h, sizeof(h), &port) == -1, "split: empty host refused");
	tap_ok(gate_broker_split("[::1", h, sizeof(h), &port) == -1, "split: open bracket refused");
}

int
main(void)
{
	if (cf_setup() == -1)
		return 1;
	test_check();
	test_describe_and_wipe();
	test_broker_split();
	cf_cleanup();
	return tap_done();
}
