/* SPDX-License-Identifier: MIT */
/* The client's configuration: the reference's JSON config (file and environment), options. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rpc_int.h"
#include "tap.h"

static char tmpdir[] = "/tmp/eg-rpc-conf.XXXXXX";

static const char *
write_file(const char *name, const char *text)
{
	static char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "w")) == NULL)
		return NULL;
	fputs(text, f);
	fclose(f);
	return path;
}

/* Parses text; returns 0 or -1 and leaves the error in err. */
static int
parse(const char *text, struct rpcc_jconf *j, char *err, size_t errlen)
{
	err[0] = '\0';
	return rpcc_jconf_parse(j, text, strlen(text), "test", err, errlen);
}

static void
parse_fails(const char *text, const char *want, const char *what)
{
	struct rpcc_jconf j;
	char err[512];
	int rc = parse(text, &j, err, sizeof(err));

	tap_ok(rc == -1 && strstr(err, want) != NULL, "%s refused: %s", what, err);
	if (rc == 0)
		rpcc_jconf_clear(&j);
}

static void
test_parse(void)
{
	struct rpcc_jconf j;
	char err[512];

	tap_ok(parse("{\"host\": \"mq.example\", \"port\": \"5673\", \"username\": \"u\", "
	    "\"password\": \"p\", \"timeout\": 5, \"queue_name\": \"epp_rpc_messages\"}",
	    &j, err, sizeof(err)) == 0, "reference README config parses: %s", err);
	tap_is_str(j.host, "mq.example", "host");
	tap_is_int(j.port, 5673, "port given as a string");
	tap_is_str(j.username, "u", "username");
	tap_is_str(j.password, "p", "password");
	tap_is_int(j.timeout_ms, 5000, "timeout in seconds becomes ms");
	tap_is_str(j.queue, "epp_rpc_messages", "queue_name");
	tap_ok(j.have_host && j.have_port && j.have_username && j.have_password &&
	    j.have_timeout && j.have_queue, "all fields marked present");
	rpcc_jconf_clear(&j);

	tap_ok(parse("{\"port\": 5672, \"timeout\": \"7\"}", &j, err, sizeof(err)) == 0 &&
	    j.port == 5672 && j.timeout_ms == 7000 && !j.have_host,
	    "port as a number, timeout as a numeric string, host absent");
	rpcc_jconf_clear(&j);
	tap_ok(parse("{\"port\": \" 5672 \", \"timeout\": 2.5}", &j, err, sizeof(err)) == 0 &&
	    j.port == 5672 && j.timeout_ms == 2500, "port with spaces, fractional timeout");
	rpcc_jconf_clear(&j);
	tap_ok(parse("{\"port\": 5672.0}", &j, err, sizeof(err)) == 0 && j.port == 5672,
	    "integral float port");
	rpcc_jconf_clear(&j);
	tap_ok(parse("{\"host\": null, \"queue_name\": null, \"extra\": [1, 2]}", &j, err,
	    sizeof(err)) == 0 && !j.have_host && !j.have_queue,
	    "null counts as absent, unknown keys ignored");
	rpcc_jconf_clear(&j);
	tap_ok(parse(" \n{}\n ", &j, err, sizeof(err)) == 0, "whitespace around the object");
	rpcc_jconf_clear(&j);

	parse_fails("", "empty or truncated", "empty text");
	parse_fails("{\"host\": \"a\"", "empty or truncated", "truncated object");
	parse_fails("{\"host\": }", "not valid JSON", "syntax error");
	parse_fails("{} x", "at offset 3", "trailing garbage");
	parse_fails("{\"host\": \"h\",}", "not valid JSON", "trailing comma (Python refuses it too)");
	parse_fails("[1, 2]", "must be a JSON object, not array", "array");
	parse_fails("\"host\"", "must be a JSON object, not string", "string");
	parse_fails("{\"host\": 1}", "\"host\" must be a string, not int", "host of the wrong type");
	parse_fails("{\"username\": []}", "\"username\" must be a string, not array",
	    "username of the wrong type");
	parse_fails("{\"password\": false}", "\"password\" must be a string, not boolean",
	    "password of the wrong type");
	parse_fails("{\"queue_name\": {}}", "\"queue_name\" must be a string, not object",
	    "queue_name of the wrong type");
	parse_fails("{\"port\": \"abc\"}", "\"port\" must be a number or a string of digits",
	    "non-numeric port string");
	parse_fails("{\"port\": \"56.72\"}", "\"port\" must be a number or a string of digits",
	    "port string with a fraction");
	parse_fails("{\"port\": true}", "\"port\" must be a number or a string of digits, not "
	    "boolean", "boolean port");
	parse_fails("{\"port\": 5672.5}", "\"port\" must be", "fractional port");
	parse_fails("{\"port\": 70000}", "out of range", "port above 65535");
	parse_fails("{\"port\": \"0\"}", "out of range", "port 0");
	parse_fails("{\"timeout\": 0}", "\"timeout\" 0 is out of range", "zero timeout");
	parse_fails("{\"timeout\": -3}", "out of range", "negative timeout");
	parse_fails("{\"timeout\": \"soon\"}", "\"timeout\" must be a number of seconds",
	    "non-numeric timeout");
	parse_fails("{\"timeout\": [5]}", "\"timeout\" must be a number of seconds, not array",
	    "timeout of the wrong type");

	/* A bad value next to a password: the message must not carry the secret. */
	tap_ok(parse("{\"password\": \"s3cret-value\", \"port\": \"x\"}", &j, err,
	    sizeof(err)) == -1 && strstr(err, "s3cret") == NULL, "errors never show the password");
}

static void
test_files(void)
{
	struct rpcc_jconf j;
	char err[512], path[4096], *big;
	const char *p;
	int rc;

	p = write_file("ok.json", "{\"host\": \"h\", \"port\": \"1234\", \"username\": \"u\", "
	    "\"password\": \"p\"}\n");
	tap_ok(p != NULL && rpcc_jconf_file(&j, p, err, sizeof(err)) == 0 && j.port == 1234,
	    "config file read");
	rpcc_jconf_clear(&j);

	snprintf(path, sizeof(path), "%s/missing.json", tmpdir);
	rc = rpcc_jconf_file(&j, path, err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "cannot read config file ") && strstr(err, "missing.json: No such file or directory"),
	    "missing file: %s", err);

	rc = rpcc_jconf_file(&j, tmpdir, err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "is not a regular file") != NULL, "directory: %s", err);

	snprintf(path, sizeof(path), "%s/ok.json/below", tmpdir);
	rc = rpcc_jconf_file(&j, path, err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "/below: Not a directory") != NULL,
	    "path through a file: %s", err);

	p = write_file("secret.json", "{}");
	chmod(p, 0);
	if (geteuid() != 0) {
		rc = rpcc_jconf_file(&j, p, err, sizeof(err));
		tap_ok(rc == -1 && strstr(err, ": Permission denied") != NULL,
		    "unreadable file: %s", err);
	} else {
		tap_ok(1, "unreadable file: skipped, root reads everything");
	}

	p = write_file("bad.json", "{\"host\": \"h\",}");
	rc = rpcc_jconf_file(&j, p, err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "config file ") != NULL && strstr(err, "bad.json: not valid "
	    "JSON") != NULL, "bad JSON names the file: %s", err);

	if ((big = malloc(RPCC_CONF_MAX + 16)) != NULL) {
		memset(big, ' ', RPCC_CONF_MAX + 15);
		big[0] = '{';
		big[RPCC_CONF_MAX + 14] = '}';
		big[RPCC_CONF_MAX + 15] = '\0';
		p = write_file("big.json", big);
		rc = rpcc_jconf_file(&j, p, err, sizeof(err));
		tap_ok(rc == -1 && strstr(err, "is too large") != NULL, "oversized file: %s", err);
		free(big);
	}
}

static void
clear_env(void)
{
	unsetenv("RPC_CLIENT_CONF_PATH");
	unsetenv("RPC_CLIENT_CONF");
	unsetenv("RPC_CLIENT_HEALTH_FILE");
	unsetenv("SSL_CERT_FILE");
}

static void
test_load(void)
{
	struct rpcc_conf cf;
	egrpc_options o;
	char err[512];
	const char *p;
	int rc;

	clear_env();
	tap_ok(rpcc_conf_load(&cf, NULL, err, sizeof(err)) == 0, "defaults load");
	tap_ok(strcmp(cf.host, "localhost") == 0 && cf.port == 5672 &&
	    strcmp(cf.username, "guest") == 0 && strcmp(cf.vhost, "/") == 0 &&
	    strcmp(cf.queue, "epp_messages") == 0 && cf.timeout_ms == 30000 &&
	    cf.heartbeat_s == 30 && cf.health_file == NULL && cf.health_wait_ms == 2000 &&
	    !cf.tls, "defaults: localhost:5672 guest / epp_messages, 30 s, no health file");
	rpcc_conf_clear(&cf);

	setenv("RPC_CLIENT_CONF", "{\"host\": \"envhost\", \"port\": 1111, \"username\": \"eu\", "
	    "\"password\": \"ep\", \"timeout\": 3, \"queue_name\": \"envq\"}", 1);
	setenv("RPC_CLIENT_HEALTH_FILE", "/tmp/health-from-env", 1);
	tap_ok(rpcc_conf_load(&cf, NULL, err, sizeof(err)) == 0 &&
	    strcmp(cf.host, "envhost") == 0 && cf.port == 1111 && cf.timeout_ms == 3000 &&
	    strcmp(cf.queue, "envq") == 0 && strcmp(cf.password, "ep") == 0 &&
	    cf.health_file != NULL && strcmp(cf.health_file, "/tmp/health-from-env") == 0,
	    "RPC_CLIENT_CONF text and RPC_CLIENT_HEALTH_FILE are used");
	rpcc_conf_clear(&cf);

	p = write_file("env.json", "{\"host\": \"filehost\", \"port\": \"2222\", \"username\": "
	    "\"fu\", \"password\": \"fp\"}");
	setenv("RPC_CLIENT_CONF_PATH", p, 1);
	tap_ok(rpcc_conf_load(&cf, NULL, err, sizeof(err)) == 0 &&
	    strcmp(cf.host, "filehost") == 0 && cf.port == 2222 && cf.timeout_ms == 30000 &&
	    strcmp(cf.queue, "epp_messages") == 0,
	    "RPC_CLIENT_CONF_PATH wins over RPC_CLIENT_CONF (as in the reference)");
	rpcc_conf_clear(&cf);

	egrpc_options_init(&o);
	o.host = "opthost";
	o.port = 3333;
	o.queue = "optq";
	o.timeout_ms = 1500;
	o.health_file = "";
	tap_ok(rpcc_conf_load(&cf, &o, err, sizeof(err)) == 0 && strcmp(cf.host, "opthost") == 0 &&
	    cf.port == 3333 && strcmp(cf.queue, "optq") == 0 && cf.timeout_ms == 1500 &&
	    strcmp(cf.username, "fu") == 0 && cf.health_file == NULL,
	    "explicit options override the file; an empty health file disables it");
	rpcc_conf_clear(&cf);

	egrpc_options_init(&o);
	o.no_env = 1;
	tap_ok(rpcc_conf_load(&cf, &o, err, sizeof(err)) == 0 && strcmp(cf.host, "localhost") == 0 &&
	    cf.health_file == NULL, "no_env ignores RPC_CLIENT_*");
	rpcc_conf_clear(&cf);

	clear_env();
	p = write_file("nopass.json", "{\"host\": \"h\", \"port\": 1, \"username\": \"u\"}");
	setenv("RPC_CLIENT_CONF_PATH", p, 1);
	rc = rpcc_conf_load(&cf, NULL, err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "nopass.json: \"password\" missing") != NULL,
	    "missing field named: %s", err);
	egrpc_options_init(&o);
	o.password = "given";
	tap_ok(rpcc_conf_load(&cf, &o, err, sizeof(err)) == 0 && strcmp(cf.password, "given") == 0,
	    "a field missing from the file may come from the options");
	rpcc_conf_clear(&cf);
	clear_env();

	setenv("RPC_CLIENT_CONF", "{\"port\": 1}", 1);
	rc = rpcc_conf_load(&cf, NULL, err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "RPC_CLIENT_CONF: \"host\" missing") != NULL,
	    "missing field in RPC_CLIENT_CONF: %s", err);
	setenv("RPC_CLIENT_CONF", "not json", 1);
	rc = rpcc_conf_load(&cf, NULL, err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "RPC_CLIENT_CONF: not valid JSON") != NULL,
	    "bad JSON in RPC_CLIENT_CONF: %s", err);
	clear_env();

	egrpc_options_init(&o);
	o.config_path = "/nonexistent/rpc.json";
	rc = rpcc_conf_load(&cf, &o, err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "cannot read config file /nonexistent/rpc.json") != NULL,
	    "explicit config path that does not exist: %s", err);

	egrpc_options_init(&o);
	o.tls = 1;
	tap_ok(rpcc_conf_load(&cf, &o, err, sizeof(err)) == 0 && cf.port == 5671 && cf.verify &&
	    cf.ca_file != NULL && strcmp(cf.ca_file, "/etc/ssl/certs/ca-certificates.crt") == 0,
	    "TLS: port 5671, verification on, system CA bundle");
	rpcc_conf_clear(&cf);
	setenv("SSL_CERT_FILE", "/tmp/ca.pem", 1);
	tap_ok(rpcc_conf_load(&cf, &o, err, sizeof(err)) == 0 && strcmp(cf.ca_file, "/tmp/ca.pem") == 0,
	    "TLS: SSL_CERT_FILE names the CA bundle");
	rpcc_conf_clear(&cf);
	clear_env();
	o.tls_cert_file = "/tmp/cert.pem";
	rc = rpcc_conf_load(&cf, &o, err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "needs its key") != NULL, "certificate without key: %s", err);

	egrpc_options_init(&o);
	o.timeout_ms = -5;
	rc = rpcc_conf_load(&cf, &o, err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "timeout") != NULL, "negative timeout option: %s", err);
	egrpc_options_init(&o);
	o.port = 99999;
	rc = rpcc_conf_load(&cf, &o, err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "out of range") != NULL, "port option out of range: %s", err);
	egrpc_options_init(&o);
	o.queue = "";
	rc = rpcc_conf_load(&cf, &o, err, sizeof(err));
	tap_ok(rc == -1 && strstr(err, "queue name") != NULL, "empty queue name: %s", err);
	egrpc_options_init(&o);
	o.heartbeat_s = -1;
	o.health_wait_ms = -1;
	tap_ok(rpcc_conf_load(&cf, &o, err, sizeof(err)) == 0 && cf.heartbeat_s == 0 &&
	    cf.health_wait_ms == 0, "heartbeat and health pause can be turned off");
	rpcc_conf_clear(&cf);
}

/* The public entry point reports a configuration error without touching the network. */
static void
test_connect_config_error(void)
{
	egrpc_ctx *c;
	egrpc_reply *r = (egrpc_reply *)1;
	char path[4096];

	snprintf(path, sizeof(path), "%s/missing.json", tmpdir);
	c = egrpc_connect_config(path);
	tap_ok(c != NULL && c->err == EGRPC_ECONFIG && strstr(c->errstr, "cannot read config file") != NULL,
	    "egrpc_connect_config: ECONFIG: %s", c != NULL ? c->errstr : "NULL");
	tap_is_int(egrpc_call_text(c, "hello", NULL, 0, &r), EGRPC_ECONFIG,
	    "a misconfigured context refuses calls");
	tap_ok(r == NULL && strstr(c->errstr, "cannot read config file") != NULL,
	    "no reply, and errstr still says why");
	tap_ok(egrpc_submit_text(c, "hello", NULL, 0) == 0 && egrpc_collect(c, 0) == NULL,
	    "submit and collect refuse too");
	egrpc_free(c);
}

static void
cleanup(void)
{
	const char *names[] = { "ok.json", "secret.json", "bad.json", "big.json", "env.json",
	    "nopass.json" };
	char path[4096];
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		tap_ok(0, "mkdtemp: %s", strerror(errno));
		return tap_done();
	}
	test_parse();
	test_files();
	test_load();
	test_connect_config_error();
	cleanup();
	return tap_done();
}
