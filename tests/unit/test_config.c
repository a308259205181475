/* SPDX-License-Identifier: MIT */
/*
 * Configuration files: defaults, a full file, the shipped example, every kind
 * of error, secret files and warnings about readable secrets, and that every
 * setting is documented. The params files are in test_config_params.c, the
 * checks and the summary in test_config_check.c.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfgtest.h"
#include "config.h"
#include "log.h"
#include "tap.h"

static void
test_defaults(void)
{
	struct gate_config c;

	gate_config_defaults(&c);
	tap_is_str(c.epp.port, "700", "default EPP port 700");
	tap_is_int(c.epp.sessions, 1, "default one session");
	tap_is_int(c.epp.keepalive_s, 120, "default keepalive 120 s");
	tap_is_int(c.epp.tls.verify, 1, "TLS verification on by default");
	tap_is_int((long long)c.epp.max_frame, 16 << 20, "default max frame 16 MiB");
	tap_is_str(c.epp.cltrid_prefix, "eg", "default clTRID prefix");
	tap_is_int(c.broker.n_hosts, 1, "one default broker host");
	tap_is_str(c.broker.hosts[0], "localhost:5672", "default broker localhost:5672");
	tap_is_str(c.broker.queue, "epp_messages", "default queue epp_messages (reference)");
	tap_ok(!c.broker.durable && !c.broker.quorum, "default queue not durable (reference)");
	tap_is_str(c.broker.user, "guest", "default broker user guest");
	tap_is_int(c.queue_wait_ms, 30000, "default queue wait 30 s");
	tap_is_int(c.journal_retention_s, 3 * 86400, "default journal retention 3 days");
	tap_is_int(c.metrics_interval_s, 10, "default metrics interval 10 s");
	tap_is_int(c.log_level, EG_LOG_INFO, "default log level info");
	tap_ok(c.rate_query.per_minute == 0 && c.rate_total.per_minute == 0,
	    "rate limits off by default");
	tap_ok(c.health_file[0] == '\0' && c.journal_file[0] == '\0' && c.metrics_file[0] == '\0',
	    "no health, journal or metrics file by default");
	tap_is_int(c.reconnect, 1, "reconnect always on");
}

static void
test_full_file(void)
{
	struct gate_config c;
	struct cf_warnings w;
	struct eg_err e;
	const char *pwfile = cf_write("epp.pw", 0600, "file-secret-1\n");
	const char *newpw = cf_write("epp.newpw", 0600, "new-secret-2\r\nignored line\n");
	const char *bpw = cf_write("rmq.pw", 0600, "rabbit-secret-3");
	char text[8192];
	int rc;

	snprintf(text, sizeof(text),
	    "epp: {\n"
	    "  host = \"epp.test.example\"; port = 7000; login = \"reg-1\";\n"
	    "  password_file = \"%s\"; new_password_file = \"%s\";\n"
	    "  sessions = 4; keepalive = 60; connect_timeout_ms = 2000;\n"
	    "  command_timeout_ms = 9000; login_timeout_ms = 8000; max_frame = \"2M\";\n"
	    "  backoff_min_ms = 100; backoff_max_ms = 5000; cltrid_prefix = \"gw-1\";\n"
	    "  lang = \"fr\";\n"
	    "  obj_uris = [\"urn:ietf:params:xml:ns:domain-1.0\", \"urn:ietf:params:xml:ns:host-1.0\"];\n"
	    "  ext_uris = [];\n"
	    "  tls: { ca_file = \"/ca.pem\"; ca_dir = \"/ca.d\"; cert_file = \"/c.pem\";\n"
	    "         key_file = \"/k.pem\"; verify = false; server_name = \"epp.alias\"; };\n"
	    "};\n"
	    "broker: {\n"
	    "  hosts = [\"rabbit-a:5673\", \"rabbit-b\", \"[::1]:5674\"];\n"
	    "  user = \"gate\"; password_file = \"%s\"; vhost = \"/epp\";\n"
	    "  heartbeat = 15; connect_timeout_ms = 3000; backoff_min_ms = 200;\n"
	    "  backoff_max_ms = 7000;\n"
	    "  tls: { enabled = true; ca_file = \"/bca.pem\"; ca_dir = \"/bca.d\";\n"
	    "         cert_file = \"/bc.pem\"; key_file = \"/bk.pem\"; verify = true;\n"
	    "         server_name = \"rabbit.alias\"; };\n"
	    "  queue: { name = \"epp_rpc_messages\"; durable = false; quorum = true; };\n"
	    "};\n"
	    "rate_limit: {\n"
	    "  query: { per_minute = 600; burst = 50; };\n"
	    "  transform: { per_minute = 60; };\n"
	    "  session: { per_minute = 3; burst = 2; };\n"
	    "  total: { per_minute = 1000; burst = 100; };\n"
	    "};\n"
	    "queue_wait_ms = 5000;\n"
	    "health: { file = \"/run/h\"; watch = true; };\n"
	    "journal: { file = \"/var/j\"; retention = \"12h\"; };\n"
	    "metrics: { file = \"/var/m.prom\"; interval = 5; };\n"
	    "log: { file = \"/var/log/g.log\"; level = \"debug\"; timestamps = false;\n"
	    "       verbose_poll = true; };\n"
	    "alert: { command = \"/usr/local/bin/page-me\"; email_config = \"/etc/a.json\"; };\n"
	    "reconnect = true;\n", pwfile, newpw, bpw);
	rc = cf_load_text(&c, &w, &e, text);
	if (!tap_ok(rc == 0, "a file with every setting loads"))
		tap_diag("%s", e.msg);
	tap_is_str(c.epp.host, "epp.test.example", "epp.host");
	tap_is_str(c.epp.port, "7000", "epp.port (integer) kept as text");
	tap_is_str(c.epp.login, "reg-1", "epp.login");
	tap_is_str(c.epp.password, "file-secret-1", "epp.password_file: first line, newline cut");
	tap_is_str(c.epp.new_password, "new-secret-2", "epp.new_password_file: CRLF cut");
	tap_is_int(c.epp.sessions, 4, "epp.sessions");
	tap_is_int(c.epp.keepalive_s, 60, "epp.keepalive");
	tap_is_int(c.epp.connect_timeout_ms, 2000, "epp.connect_timeout_ms");
	tap_is_int(c.epp.command_timeout_ms, 9000, "epp.command_timeout_ms");
	tap_is_int(c.epp.login_timeout_ms, 8000, "epp.login_timeout_ms");
	tap_is_int((long long)c.epp.max_frame, 2 << 20, "epp.max_frame \"2M\"");
	tap_ok(c.epp.backoff_min_ms == 100 && c.epp.backoff_max_ms == 5000, "epp.backoff_*");
	tap_is_str(c.epp.cltrid_prefix, "gw-1", "epp.cltrid_prefix");
	tap_is_str(c.epp.lang, "fr", "epp.lang");
	tap_ok(c.epp.n_obj_uris == 2 && strcmp(c.epp.obj_uris[1],
	    "urn:ietf:params:xml:ns:host-1.0") == 0, "epp.obj_uris");
	tap_ok(c.epp.n_ext_uris == 0 && c.epp.ext_uris_set == 1,
	    "epp.ext_uris = [] is an explicit empty list");
	tap_ok(strcmp(c.epp.tls.ca_file, "/ca.pem") == 0 && strcmp(c.epp.tls.ca_dir, "/ca.d") == 0 &&
	    strcmp(c.epp.tls.cert_file, "/c.pem") == 0 && strcmp(c.epp.tls.key_file, "/k.pem") == 0,
	    "epp.tls files");
	tap_ok(c.epp.tls.verify == 0 && strcmp(c.epp.tls.server_name, "epp.alias") == 0,
	    "epp.tls.verify and server_name");
	tap_ok(c.broker.n_hosts == 3 && strcmp(c.broker.hosts[0], "rabbit-a:5673") == 0 &&
	    strcmp(c.broker.hosts[1], "rabbit-b") == 0 && strcmp(c.broker.hosts[2], "[::1]:5674") == 0,
	    "broker.hosts list");
	tap_ok(strcmp(c.broker.user, "gate") == 0 && strcmp(c.broker.password,
	    "rabbit-secret-3") == 0, "broker.user, password_file without a newline");
	tap_is_str(c.broker.vhost, "/epp", "broker.vhost");
	tap_ok(c.broker.heartbeat_s == 15 && c.broker.connect_timeout_ms == 3000 &&
	    c.broker.backoff_min_ms == 200 && c.broker.backoff_max_ms == 7000,
	    "broker heartbeat, timeout, backoff");
	tap_ok(c.broker.use_tls == 1 && strcmp(c.broker.tls.ca_file, "/bca.pem") == 0 &&
	    strcmp(c.broker.tls.ca_dir, "/bca.d") == 0 && strcmp(c.broker.tls.cert_file,
	    "/bc.pem") == 0 && strcmp(c.broker.tls.key_file, "/bk.pem") == 0 &&
	    c.broker.tls.verify == 1 && strcmp(c.broker.tls.server_name, "rabbit.alias") == 0,
	    "broker.tls");
	tap_is_str(c.broker.queue, "epp_rpc_messages", "broker.queue.name");
	tap_ok(c.broker.quorum == 1 && c.broker.durable == 1, "quorum implies durable");
	tap_ok(c.rate_query.per_minute == 600 && c.rate_query.burst == 50, "rate_limit.query");
	tap_ok(c.rate_transform.per_minute == 60 && c.rate_transform.burst == 10,
	    "rate_limit.transform: burst defaults to per_minute / 6");
	tap_ok(c.rate_session.per_minute == 3 && c.rate_session.burst == 2, "rate_limit.session");
	tap_ok(c.rate_total.per_minute == 1000 && c.rate_total.burst == 100, "rate_limit.total");
	tap_is_int(c.queue_wait_ms, 5000, "queue_wait_ms");
	tap_ok(strcmp(c.health_file, "/run/h") == 0 && c.watch_health == 1, "health");
	tap_ok(strcmp(c.journal_file, "/var/j") == 0 && c.journal_retention_s == 12 * 3600,
	    "journal");
	tap_ok(strcmp(c.metrics_file, "/var/m.prom") == 0 && c.metrics_interval_s == 5, "metrics");
	tap_ok(strcmp(c.log_file, "/var/log/g.log") == 0 && c.log_level == EG_LOG_DEBUG &&
	    c.log_timestamps == 0 && c.verbose_poll == 1, "log");
	tap_ok(strcmp(c.alert_command, "/usr/local/bin/page-me") == 0 &&
	    strcmp(c.alert_email_config, "/etc/a.json") == 0, "alert");
	tap_ok(strcmp(c.config_file, cf_tmp("t.conf")) == 0, "config_file records the path");
	tap_is_int(w.n, 0, "no warnings for 0600 files");
}

/* The shipped example, with its /etc/epp-gate paths moved into the scratch directory. */
static void
test_example(void)
{
	struct gate_config c;
	struct cf_warnings w;
	struct eg_err e;
	char *text = tap_slurp(tap_src("etc/epp-gate.conf.example"), NULL), *out, *p;
	size_t n = 0, cap;
	const char *q;

	if (!tap_ok(text != NULL, "etc/epp-gate.conf.example exists")) {
		return;
	}
	cap = strlen(text) * 2 + 4096;
	out = malloc(cap);
	for (q = text, p = out; *q != '\0';) {
		if (strncmp(q, "/etc/epp-gate/", 14) == 0) {
			n = (size_t)snprintf(p, cap - (size_t)(p - out), "%s/", cf_dir);
			p += n;
			q += 14;
		} else {
			*p++ = *q++;
		}
	}
	*p = '\0';
	cf_write("epp.password", 0600, "example-pw\n");
	cf_write("rabbitmq.password", 0600, "example-rmq-pw\n");
	gate_config_defaults(&c);
	memset(&w, 0, sizeof(w));
	if (!tap_ok(gate_config_load(&c, cf_write("example.conf", 0640, "%s", out), cf_collect, &w,
	    &e) == 0, "the shipped example loads"))
		tap_diag("%s", e.msg);
	tap_is_str(c.epp.host, "epp.registry.example", "example: epp.host");
	tap_is_str(c.epp.password, "example-pw", "example: password from its file");
	tap_is_int(c.epp.ext_uris_set, 0, "example: extension URIs negotiated");
	tap_ok(strcmp(c.journal_file, "/var/lib/epp-gate/journal.db") == 0 &&
	    c.journal_url[0] == '\0' && c.journal_retention_s == 3 * 86400,
	    "example: an SQLite journal kept 3 days");
	tap_is_int(w.n, 0, "example: no warnings");
	free(out);
	free(text);
}

static void
test_errors(void)
{
	char text[1024];
	const char *p;

	tap_is_str(cf_load_error("epp: { sesions = 2; };\n"),
	    "t.conf:1: epp.sesions: unknown setting (did you mean epp.sessions?)",
	    "unknown setting, with a suggestion");
	tap_is_str(cf_load_error("\n\nfrobnicate = 1;\n"), "t.conf:3: frobnicate: unknown setting",
	    "unknown top-level setting, its line");
	tap_is_str(cf_load_error("epp: { tls: { verfy = true; }; };\n"),
	    "t.conf:1: epp.tls.verfy: unknown setting (did you mean epp.tls.verify?)",
	    "unknown setting in a nested group");
	tap_is_str(cf_load_error("misc: { a = 1; };\n"), "t.conf:1: misc: unknown setting",
	    "unknown group");
	tap_is_str(cf_load_error("epp: {\n  sessions = \"4\";\n};\n"),
	    "t.conf:2: epp.sessions: must be an integer 1-256", "wrong type: string for an integer");
	tap_is_str(cf_load_error("epp: { host = 5; };\n"), "t.conf:1: epp.host: must be a string",
	    "wrong type: integer for a string");
	tap_is_str(cf_load_error("health: { watch = 1; };\n"),
	    "t.conf:1: health.watch: must be true or false", "wrong type: integer for a boolean");
	tap_is_str(cf_load_error("epp: { sessions = 0; };\n"),
	    "t.conf:1: epp.sessions: must be an integer 1-256", "out of range: below");
	tap_is_str(cf_load_error("epp: { sessions = 257; };\n"),
	    "t.conf:1: epp.sessions: must be an integer 1-256", "out of range: above");
	tap_is_str(cf_load_error("epp: { port = 70000; };\n"),
	    "t.conf:1: epp.port: must be a port number 1-65535", "port out of range");
	tap_is_str(cf_load_error("epp: { sessions = 4294967297; };\n"),
	    "t.conf:1: epp.sessions: number too large", "a number libconfig would wrap is refused");
	tap_is_str(cf_load_error("epp: { max_frame = 5000000000; };\n"),
	    "t.conf:1: epp.max_frame: number too large for a plain integer (write it with a "
	    "suffix, e.g. \"64M\", or as 67108864L)", "a wrapped size is refused");
	tap_is_str(cf_load_error("epp: { max_frame = \"12X\"; };\n"),
	    "t.conf:1: epp.max_frame: must be a size in bytes from 4096 to 1073741824 (an "
	    "integer, or a string such as \"16M\")", "bad size suffix");
	tap_is_str(cf_load_error("journal: { retention = \"7w\"; };\n"),
	    "t.conf:1: journal.retention: must be a duration from 60s to 3650d: seconds, or a "
	    "string such as \"90s\", \"15m\", \"12h\" or \"7d\"", "bad duration unit");
	tap_is_str(cf_load_error("journal: { retention = 30; };\n"),
	    "t.conf:1: journal.retention: must be a duration from 60s to 3650d: seconds, or a "
	    "string such as \"90s\", \"15m\", \"12h\" or \"7d\"", "retention too short");
	tap_is_str(cf_load_error("journal: { url = \"postgresql://u:secret@db/x\"; };\n"),
	    "t.conf:1: journal.url: must not hold a password: put it in a file named by "
	    "journal.password_file", "a password in the journal URL is refused");
	tap_is_str(cf_load_error("journal: { url = \"postgresql://u@db/x?password=s\"; };\n"),
	    "t.conf:1: journal.url: must not hold a password: put it in a file named by "
	    "journal.password_file", "a password parameter in the journal URL is refused");
	tap_is_str(cf_load_error("journal: { url = \"mysql://u@db/x\"; };\n"),
	    "t.conf:1: journal.url: must be a PostgreSQL URL: postgresql://USER@HOST:PORT/DATABASE",
	    "a journal URL of another database is refused");
	tap_is_str(cf_load_error("epp = 3;\n"), "t.conf:1: epp: must be a group: epp = { ... };",
	    "a value where a group belongs");
	tap_is_str(cf_load_error("epp: { host: { a = 1; }; };\n"),
	    "t.conf:1: epp.host: must be a single value, not a group", "a group where a value belongs");
	tap_is_str(cf_load_error("log: { level = \"loud\"; };\n"),
	    "t.conf:1: log.level: must be one of error, warning, info, debug, trace",
	    "unknown log level");
	tap_is_str(cf_load_error("broker: { hosts = [\"a:1\", \"b:0\"]; };\n"),
	    "t.conf:1: broker.hosts: entry 2 must be \"host\" or \"host:port\" (port 1-65535; IPv6 "
	    "as \"[addr]:port\")", "bad broker host");
	tap_is_str(cf_load_error("broker: { hosts = []; };\n"),
	    "t.conf:1: broker.hosts: needs at least one host", "empty broker list");
	tap_is_str(cf_load_error("epp: { cltrid_prefix = \"a b\"; };\n"),
	    "t.conf:1: epp.cltrid_prefix: may hold only letters, digits, '-', '_' and '.'",
	    "clTRID prefix characters");
	tap_is_str(cf_load_error("epp: { host = \"x\";\n  port = ; };\n"),
	    "t.conf:2: syntax error", "syntax error with its line");
	tap_is_str(cf_load_error("epp: { password = \"a\"; password_file = \"/nonexistent\"; };\n"),
	    "t.conf:1: epp.password_file: cannot read secret file /nonexistent: No such file or "
	    "directory", "missing secret file");
	p = cf_write("both.pw", 0600, "x\n");
	snprintf(text, sizeof(text), "epp: {\n password = \"a\";\n password_file = \"%s\"; };\n", p);
	tap_is_str(cf_load_error(text), "t.conf:3: epp.password_file: set either epp.password or "
	    "epp.password_file, not both", "inline and file secret together");
	snprintf(text, sizeof(text), "epp: { password_file = \"%s\"; };\n", cf_dir);
	p = cf_load_error(text);
	tap_ok(strstr(p, "is not a regular file") != NULL, "a directory as secret file: %s", p);
	p = cf_write("empty.pw", 0600, "\nsecond\n");
	snprintf(text, sizeof(text), "epp: { password_file = \"%s\"; };\n", p);
	tap_ok(strstr(cf_load_error(text), "the first line is empty") != NULL, "empty secret file");
}

static void
test_missing_file_and_atomicity(void)
{
	struct gate_config c;
	struct eg_err e;
	char want[600];

	gate_config_defaults(&c);
	snprintf(want, sizeof(want), "cannot read config file %s: No such file or directory",
	    cf_tmp("absent.conf"));
	tap_is_int(gate_config_load(&c, cf_tmp("absent.conf"), NULL, NULL, &e), -1,
	    "missing config file fails");
	tap_is_str(e.msg, want, "missing config file: message names the path");
	tap_is_int(e.code, EG_ECONFIG, "missing config file: EG_ECONFIG");

	/* The first setting is good, the second bad: nothing may be applied. */
	gate_config_defaults(&c);
	cf_write("half.conf", 0600, "epp: { sessions = 9; keepalive = -1; };\n");
	tap_is_int(gate_config_load(&c, cf_tmp("half.conf"), NULL, NULL, &e), -1, "bad file fails");
	tap_is_int(c.epp.sessions, 1, "a failed load leaves the config untouched");
}

/* As root, mode 000 does not stop a read: try it as nobody in a child. */
static void
test_unreadable_secret(void)
{
	const char *p = cf_write("locked.pw", 0600, "locked\n");
	struct passwd *pw = getpwnam("nobody");
	char out[64];
	struct eg_err e;
	pid_t pid;
	int st = -1;

	if (geteuid() != 0 || pw == NULL) {
		chmod(p, 0);
		tap_ok(gate_read_secret_file(p, out, sizeof(out), NULL, NULL, &e) == -1 &&
		    strstr(e.msg, "Permission denied") != NULL, "unreadable secret file refused");
		return;
	}
	chmod(cf_dir, 0755);
	if ((pid = fork()) == 0) {
		if (setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
			_exit(2);
		if (gate_read_secret_file(p, out, sizeof(out), NULL, NULL, &e) == 0)
			_exit(3);
		_exit(strstr(e.msg, "cannot read secret file") != NULL &&
		    strstr(e.msg, "Permission denied") != NULL ? 0 : 4);
	}
	waitpid(pid, &st, 0);
	chmod(cf_dir, 0700);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "unreadable secret file: 'cannot read secret file ...: Permission denied'");
}

static void
test_secret_file(void)
{
	struct cf_warnings w = {0, ""};
	char out[16];
	struct eg_err e;
	const char *p;

	p = cf_write("open.pw", 0644, "visible-secret\n");
	tap_is_int(gate_read_secret_file(p, out, sizeof(out), cf_collect, &w, &e), 0,
	    "a world-readable secret file is read");
	tap_is_int(w.n, 1, "... with a warning");
	tap_ok(strstr(w.all, "can be read by group or others (mode 0644)") != NULL &&
	    strstr(w.all, p) != NULL, "warning names the file and mode");
	tap_ok(strstr(w.all, "visible-secret") == NULL, "warning does not show the secret");
	memset(&w, 0, sizeof(w));
	p = cf_write("group.pw", 0640, "g\n");
	gate_read_secret_file(p, out, sizeof(out), cf_collect, &w, &e);
	tap_is_int(w.n, 1, "group-readable secret file warns too");
	p = cf_write("long.pw", 0600, "0123456789abcdefXYZ\n");
	tap_ok(gate_read_secret_file(p, out, sizeof(out), NULL, NULL, &e) == -1 &&
	    strstr(e.msg, "longer than 15 bytes") != NULL, "a secret too long for its field");
	tap_ok(strstr(e.msg, "0123456789") == NULL, "... and the message does not show it");
}

static void
test_world_readable_config(void)
{
	struct gate_config c;
	struct cf_warnings w = {0, ""};
	struct eg_err e;
	const char *p;

	p = cf_write("open.conf", 0644, "epp: { password = \"inline-secret-xyz\"; };\n"
	    "broker: { password = \"inline-secret-abc\"; };\n");
	gate_config_defaults(&c);
	tap_is_int(gate_config_load(&c, p, cf_collect, &w, &e), 0, "world-readable config loads");
	tap_is_int(w.n, 1, "... with one warning");
	tap_ok(strstr(w.all, "epp.password") != NULL && strstr(w.all, "broker.password") != NULL,
	    "the warning names the settings");
	tap_ok(strstr(w.all, "inline-secret") == NULL, "the warning never holds the secret");
	tap_is_str(c.epp.password, "inline-secret-xyz", "inline password kept");

	memset(&w, 0, sizeof(w));
	chmod(p, 0640);
	gate_config_defaults(&c);
	gate_config_load(&c, p, cf_collect, &w, &e);
	tap_is_int(w.n, 0, "mode 0640: no warning");

	memset(&w, 0, sizeof(w));
	p = cf_write("open-nopw.conf", 0644, "epp: { host = \"h\"; };\n");
	gate_config_defaults(&c);
	gate_config_load(&c, p, cf_collect, &w, &e);
	tap_is_int(w.n, 0, "world-readable without secrets: no warning");
}

/*
 * Every setting the loader knows (gate_config_describe() lists them all) is
 * documented in epp-gate.conf(5) (by its full name, or its group and its name)
 * and appears in the example file (as "name =", possibly commented or as
 * "name_file =").
 */
static void
test_documented(void)
{
	struct gate_config c;
	char out[16384], path[128], group[128], pat[160], *line, *save = NULL, *eq, *dot;
	char *man = tap_slurp(tap_src("man/epp-gate.conf.5"), NULL);
	char *ex = tap_slurp(tap_src("etc/epp-gate.conf.example"), NULL);
	const char *leaf;
	int n = 0, undocumented = 0, missing = 0;

	if (!tap_ok(man != NULL && ex != NULL, "man page and example exist")) {
		free(man);
		free(ex);
		return;
	}
	gate_config_defaults(&c);
	gate_config_describe(&c, out, sizeof(out));
	for (line = strtok_r(out, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || (eq = strchr(line, ' ')) == NULL)
			continue;
		snprintf(path, sizeof(path), "%.*s", (int)(eq - line), line);
		n++;
		dot = strrchr(path, '.');
		leaf = dot != NULL ? dot + 1 : path;
		snprintf(group, sizeof(group), "%.*s", dot != NULL ? (int)(dot - path) : 0, path);
		if (strstr(man, path) == NULL && (group[0] == '\0' || strstr(man, group) == NULL ||
		    strstr(man, leaf) == NULL)) {
			undocumented++;
			tap_diag("not in epp-gate.conf.5: %s", path);
		}
		snprintf(pat, sizeof(pat), "%s =", leaf);
		if (strstr(ex, pat) == NULL) {
			snprintf(pat, sizeof(pat), "%s_file =", leaf);
			if (strstr(ex, pat) == NULL) {
				missing++;
				tap_diag("not in epp-gate.conf.example: %s", path);
			}
		}
	}
	tap_ok(n > 60, "describe lists %d settings", n);
	tap_is_int(undocumented, 0, "every setting is documented in epp-gate.conf(5)");
	tap_is_int(missing, 0, "every setting appears in epp-gate.conf.example");
	free(man);
	free(ex);
}

/* The journal: SQLite or PostgreSQL (never both), the password from a file and never in a
 * summary, the retention, and the setting of the old file format accepted with a warning. */
static void
test_journal_settings(void)
{
	struct gate_config c;
	struct cf_warnings w = {0, ""};
	struct eg_err e;
	char text[512], out[16384];
	const char *pw = cf_write("journal.pw", 0600, "Sekr3t-journal\n");

	gate_config_defaults(&c);
	tap_is_int(cf_load_text(&c, &w, &e, "journal: { file = \"/var/j.db\"; max_bytes = \"64M\"; };\n"),
	    0, "journal.max_bytes of the old journal still loads");
	tap_ok(w.n == 1 && strstr(w.all, "t.conf:1: journal.max_bytes is no longer used") != NULL &&
	    strstr(w.all, "journal.retention") != NULL, "... with a warning naming what replaced "
	    "it (%s)", w.all);
	gate_config_defaults(&c);
	snprintf(text, sizeof(text), "epp: { host = \"h\"; login = \"l\"; password = \"passw0rd\"; };\n"
	    "journal: { url = \"postgresql://eppgate@db.example:5432/eppgate?sslmode=verify-full\";"
	    " password_file = \"%s\"; retention = 86400; };\n", pw);
	if (!tap_ok(cf_load_text(&c, NULL, &e, text) == 0, "a PostgreSQL journal loads"))
		tap_diag("%s", e.msg);
	tap_ok(strcmp(c.journal_url, "postgresql://eppgate@db.example:5432/eppgate?"
	    "sslmode=verify-full") == 0 && strcmp(c.journal_password, "Sekr3t-journal") == 0 &&
	    c.journal_retention_s == 86400, "url, password from its file, retention in seconds");
	tap_is_int(gate_config_check(&c, &e), 0, "a PostgreSQL journal passes the check");
	gate_config_describe(&c, out, sizeof(out));
	tap_ok(strstr(out, "Sekr3t") == NULL && strstr(out, "journal.retention") != NULL &&
	    strstr(out, "\"1d\"") != NULL, "the summary shows the retention, never the password");
	gate_config_wipe(&c);
	tap_is_int(c.journal_password[0], 0, "wipe clears the journal's password");
	snprintf(c.epp.password, sizeof(c.epp.password), "passw0rd");
	snprintf(c.journal_file, sizeof(c.journal_file), "%s", cf_tmp("j.db"));
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, "not both") != NULL,
	    "check: file and url at once refused");
	c.journal_url[0] = '\0';
	snprintf(c.journal_password, sizeof(c.journal_password), "x");
	tap_ok(gate_config_check(&c, &e) == -1 && strstr(e.msg, "journal.password_file") != NULL,
	    "check: a password without a url refused");
}

int
main(void)
{
	if (cf_setup() == -1)
		return 1;
	test_defaults();
	test_full_file();
	test_example();
	test_errors();
	test_journal_settings();
	test_missing_file_and_atomicity();
	test_unreadable_secret();
	test_secret_file();
	test_world_readable_config();
	test_documented();
	cf_cleanup();
	return tap_done();
}
