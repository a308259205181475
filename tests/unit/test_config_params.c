/* SPDX-License-Identifier: MIT */
/*
 * The reference gate's params files (one line "HOST PORT LOGIN PASSWORD"), and
 * precedence: defaults, then the config file, then the params files, then flags.
 */
#include <stdio.h>
#include <string.h>

#include "cfgtest.h"
#include "config.h"
#include "log.h"
#include "tap.h"

static void
test_params_files(void)
{
	struct gate_config c;
	struct cf_warnings w = {0, ""};
	struct eg_err e;
	const char *p;

	gate_config_defaults(&c);
	/* The reference README's own lines. */
	p = cf_write("epp_params.txt", 0600, "epp.your-registry.com 700 epp_login epp_password\n");
	tap_is_int(gate_config_params_file(&c, "epp", p, cf_collect, &w, &e), 0,
	    "reference epp_params.txt");
	tap_ok(strcmp(c.epp.host, "epp.your-registry.com") == 0 && strcmp(c.epp.port, "700") == 0 &&
	    strcmp(c.epp.login, "epp_login") == 0 && strcmp(c.epp.password, "epp_password") == 0,
	    "epp params: host, port, login, password");
	p = cf_write("rabbitmq_params.txt", 0600,
	    "localhost 5672 rabbitmq_rpc_server_login rabbitmq_rpc_server_password");
	tap_is_int(gate_config_params_file(&c, "rabbitmq", p, cf_collect, &w, &e), 0,
	    "reference rabbitmq_params.txt (no newline)");
	tap_ok(c.broker.n_hosts == 1 && strcmp(c.broker.hosts[0], "localhost:5672") == 0 &&
	    strcmp(c.broker.user, "rabbitmq_rpc_server_login") == 0 &&
	    strcmp(c.broker.password, "rabbitmq_rpc_server_password") == 0,
	    "rabbitmq params: host:port, user, password");
	tap_is_int(w.n, 0, "no warnings for 0600 params files");

	p = cf_write("tabs.txt", 0600, "  h.example\t700   l  p \r\n\n");
	tap_ok(gate_config_params_file(&c, "epp", p, NULL, NULL, &e) == 0 &&
	    strcmp(c.epp.password, "p") == 0, "tabs, runs of spaces, CRLF and a blank line pass");
	p = cf_write("v6.txt", 0600, "::1 5673 u p\n");
	tap_ok(gate_config_params_file(&c, "rabbitmq", p, NULL, NULL, &e) == 0 &&
	    strcmp(c.broker.hosts[0], "[::1]:5673") == 0, "IPv6 broker host gets brackets");

	p = cf_write("three.txt", 0600, "host 700 login\n");
	tap_is_int(gate_config_params_file(&c, "epp", p, NULL, NULL, &e), -1, "3 fields refused");
	tap_ok(strstr(e.msg, "expected one line \"HOST PORT LOGIN PASSWORD\" (4 fields separated "
	    "by spaces), found 3 fields") != NULL && strstr(e.msg, p) != NULL,
	    "3 fields: clear message with the path");
	p = cf_write("five.txt", 0600, "host 700 login pass word\n");
	tap_is_int(gate_config_params_file(&c, "epp", p, NULL, NULL, &e), -1, "5 fields refused");
	tap_ok(strstr(e.msg, "found 5 fields") != NULL, "5 fields: says so");
	tap_ok(strstr(e.msg, "word") == NULL, "5 fields: the message shows no field");
	p = cf_write("two-lines.txt", 0600, "host 700\nlogin pass\n");
	tap_ok(gate_config_params_file(&c, "epp", p, NULL, NULL, &e) == -1 &&
	    strstr(e.msg, "several lines") != NULL, "fields on two lines refused");
	p = cf_write("port.txt", 0600, "host seven login pass\n");
	tap_ok(gate_config_params_file(&c, "epp", p, NULL, NULL, &e) == -1 &&
	    strstr(e.msg, "port (second field)") != NULL, "non-numeric port refused");
	tap_ok(gate_config_params_file(&c, "epp", cf_tmp("nope.txt"), NULL, NULL, &e) == -1 &&
	    strstr(e.msg, "cannot read EPP params file") != NULL && strstr(e.msg, "nope.txt") != NULL,
	    "missing params file: message with its path");
	tap_ok(gate_config_params_file(&c, "smtp", p, NULL, NULL, &e) == -1, "unknown kind refused");

	memset(&w, 0, sizeof(w));
	p = cf_write("open.txt", 0644, "host 700 login params-secret\n");
	tap_is_int(gate_config_params_file(&c, "epp", p, cf_collect, &w, &e), 0,
	    "world-readable params file is read");
	tap_ok(w.n == 1 && strstr(w.all, "params-secret") == NULL && strstr(w.all, p) != NULL,
	    "... with a warning that names the file, not the password");

	/* The shipped examples are in the same format. */
	gate_config_defaults(&c);
	tap_is_int(gate_config_params_file(&c, "epp", tap_src("etc/epp_params.txt.example"), NULL,
	    NULL, &e), 0, "etc/epp_params.txt.example parses");
	tap_is_int(gate_config_params_file(&c, "rabbitmq",
	    tap_src("etc/rabbitmq_params.txt.example"), NULL, NULL, &e), 0,
	    "etc/rabbitmq_params.txt.example parses");
}

/* main: defaults, then --config, then --epp/--rabbitmq, then flags; then check. */
static void
test_precedence(void)
{
	struct gate_config c;
	struct eg_err e;
	const char *conf, *epp, *rmq;

	conf = cf_write("prec.conf", 0600,
	    "epp: { host = \"from-file\"; login = \"file-login\"; password = \"file-pw\";\n"
	    "       sessions = 3; };\n"
	    "broker: { hosts = [\"file-rabbit:1\", \"file-rabbit:2\"]; user = \"file-user\";\n"
	    "          queue: { name = \"file-queue\"; }; };\n"
	    "log: { level = \"warning\"; };\n");
	epp = cf_write("prec-epp.txt", 0600, "from-params 7001 params-login params-pw\n");
	rmq = cf_write("prec-rmq.txt", 0600, "params-rabbit 5999 params-user params-rpw\n");
	gate_config_defaults(&c);
	tap_is_int(gate_config_load(&c, conf, NULL, NULL, &e), 0, "precedence: file loads");
	tap_is_int(gate_config_params_file(&c, "epp", epp, NULL, NULL, &e), 0,
	    "precedence: epp params");
	tap_is_int(gate_config_params_file(&c, "rabbitmq", rmq, NULL, NULL, &e), 0,
	    "precedence: rabbitmq params");
	/* What main does for -q and -vv. */
	snprintf(c.broker.queue, sizeof(c.broker.queue), "flag-queue");
	c.log_level = EG_LOG_TRACE;
	tap_ok(strcmp(c.epp.host, "from-params") == 0 && strcmp(c.epp.port, "7001") == 0 &&
	    strcmp(c.epp.login, "params-login") == 0 && strcmp(c.epp.password, "params-pw") == 0,
	    "params file wins over the config file for the EPP account");
	tap_is_int(c.epp.sessions, 3, "settings the params file lacks stay from the file");
	tap_ok(c.broker.n_hosts == 1 && strcmp(c.broker.hosts[0], "params-rabbit:5999") == 0 &&
	    strcmp(c.broker.user, "params-user") == 0 && strcmp(c.broker.password, "params-rpw") == 0,
	    "rabbitmq params replace the broker list and account");
	tap_is_str(c.broker.queue, "flag-queue", "a flag wins over both");
	tap_is_int(gate_config_check(&c, &e), 0, "the result passes the check");
}

int
main(void)
{
	if (cf_setup() == -1)
		return 1;
	test_params_files();
	test_precedence();
	cf_cleanup();
	return tap_done();
}
