/* SPDX-License-Identifier: MIT */
/*
 * The EPP session and the per-job rules, against a real epp-sim over real TLS
 * (the program built next to this test; certificates from tests/lib/certs.sh):
 * login, refused logins, certificate and host name checks, client certificates,
 * what each failure is classed as (and whether retrying can cure it), a registry's
 * own greeting (epp-sim --greeting) and typed commands for services it does not
 * offer answered before anything is sent, keepalive, a registry that drops idle sessions, drops before and after a
 * command, stalls, wrong clTRIDs, garbage and oversize frames, session-limit
 * backoff, and no secret in the most verbose log.
 */
#include <fcntl.h>
#include <libgen.h>
#include <libxml/parser.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "epp_resp.h"
#include "exec.h"
#include "supervisor.h"
#include "tap.h"

static char dir[512], bindir[512];
static const char *PW = "s3cret-login-pw", *NEWPW = "n3w-login-pw-42";

static const char *
path(const char *name)
{
	static char p[16][700];
	static int i;

	i = (i + 1) % 16;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

struct sim {
	pid_t pid;
	char port[16];
	char log[700];
};

/* Starts epp-sim with the given extra options (NULL-terminated). */
static int
sim_start(struct sim *sm, const char *cert, ...)
{
	const char *argv[40];
	char exe[700], portfile[700], acct[128];
	va_list ap;
	int n = 0, i;
	FILE *f;

	snprintf(exe, sizeof(exe), "%s/epp-sim", bindir);
	snprintf(portfile, sizeof(portfile), "%s/sim.port", dir);
	snprintf(sm->log, sizeof(sm->log), "%s/sim-%ld.log", dir, (long)eg_now_us());
	snprintf(acct, sizeof(acct), "registrar1:%s", PW);
	unlink(portfile);
	argv[n++] = exe;
	argv[n++] = "--cert";
	argv[n++] = path(strcmp(cert, "server") == 0 ? "server.crt" : strcmp(cert, "untrusted") ==
	    0 ? "untrusted.crt" : "wronghost.crt");
	argv[n++] = "--key";
	argv[n++] = path(strcmp(cert, "server") == 0 ? "server.key" : strcmp(cert, "untrusted") ==
	    0 ? "untrusted.key" : "wronghost.key");
	argv[n++] = "--port-file";
	argv[n++] = portfile;
	argv[n++] = "--log";
	argv[n++] = sm->log;
	argv[n++] = "--account";
	argv[n++] = acct;
	va_start(ap, cert);
	while (n < 38 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	if ((sm->pid = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);
		int errfd = open(path("sim.err"), O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (null >= 0)
			dup2(null, 1);
		if (errfd >= 0)
			dup2(errfd, 2);
		execv(exe, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		if ((f = fopen(portfile, "r")) != NULL) {
			if (fgets(sm->port, sizeof(sm->port), f) != NULL) {
				sm->port[strcspn(sm->port, "\n")] = '\0';
				fclose(f);
				return 0;
			}
			fclose(f);
		}
		usleep(50000);
	}
	return -1;
}

static void
sim_stop(struct sim *sm)
{
	int st;

	if (sm->pid > 0) {
		kill(sm->pid, SIGTERM);
		waitpid(sm->pid, &st, 0);
		sm->pid = 0;
	}
}

/* Lines of the sim's command log containing every one of the given strings. */
static int
sim_count(const struct sim *sm, const char *a, const char *b)
{
	char line[2048];
	FILE *f = fopen(sm->log, "r");
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, a) != NULL && (b == NULL || strstr(line, b) != NULL))
			n++;
	fclose(f);
	return n;
}

/* Everything a session needs, set up for one sim. */
struct rig {
	struct gate_config cfg;
	struct session_creds creds;
	struct cltrid_gen cltrid;
	struct session_env env;
	struct exec_env exec;
	struct eg_log log;
	struct tls_ctx *tls;
};

static int
rig_init(struct rig *r, const struct sim *sm, int client_cert, const char *name)
{
	struct tls_opts o = {path("ca.crt"), NULL, client_cert ? path("client.crt") : NULL,
	    client_cert ? path("client.key") : NULL, 1};
	struct eg_err e;

	memset(r, 0, sizeof(*r));
	gate_config_defaults(&r->cfg);
	snprintf(r->cfg.epp.host, sizeof(r->cfg.epp.host), "localhost");
	snprintf(r->cfg.epp.port, sizeof(r->cfg.epp.port), "%s", sm->port);
	snprintf(r->cfg.epp.login, sizeof(r->cfg.epp.login), "registrar1");
	if (name != NULL)
		snprintf(r->cfg.epp.tls.server_name, sizeof(r->cfg.epp.tls.server_name), "%s", name);
	if (client_cert) {
		snprintf(r->cfg.epp.tls.cert_file, sizeof(r->cfg.epp.tls.cert_file), "%s",
		    o.cert_file);
		snprintf(r->cfg.epp.tls.key_file, sizeof(r->cfg.epp.tls.key_file), "%s", o.key_file);
	}
	r->cfg.epp.connect_timeout_ms = 3000;
	r->cfg.epp.login_timeout_ms = 3000;
	r->cfg.epp.command_timeout_ms = 1000;
	pthread_mutex_init(&r->creds.mu, NULL);
	snprintf(r->creds.pw, sizeof(r->creds.pw), "%s", PW);
	cltrid_init(&r->cltrid, "t");
	eg_log_open(&r->log, "test", path("session.log"), EG_LOG_TRACE, &e);
	if ((r->tls = tls_ctx_client(&o, &e)) == NULL) {
		tap_diag("tls: %s", e.msg);
		return -1;
	}
	r->env.epp = &r->cfg.epp;
	r->env.tls = r->tls;
	r->env.cltrid = &r->cltrid;
	r->env.creds = &r->creds;
	r->env.log = &r->log;
	r->exec.cfg = &r->cfg;
	r->exec.cltrid = &r->cltrid;
	r->exec.log = &r->log;
	return 0;
}

static void
rig_free(struct rig *r)
{
	tls_ctx_free(r->tls);
	eg_log_close(&r->log);
	pthread_mutex_destroy(&r->creds.mu);
}

/* A job for a JSON request, built as the gate builds it. */
static struct job *
make_job(struct rig *r, const char *json)
{
	struct job *j = job_new();
	char cltrid[CLTRID_MAX + 1];
	struct eg_err e;
	json_object *req = epp_request_parse(json, strlen(json), &e);

	cltrid_next(&r->cltrid, cltrid);
	if (req == NULL || epp_request_build(req, cltrid, &j->req, &e) == -1) {
		tap_diag("build %s: %s", json, e.msg);
		json_object_put(req);
		job_free(j);
		return NULL;
	}
	snprintf(j->cmd, sizeof(j->cmd), "%s", j->req.cmd->name);
	json_object_put(req);
	return j;
}

/* Runs a request on the session as a slot thread does (exec_run): whenever the runner needs an up
 * session, the session is opened again (at most 5 times). Returns the job (caller frees)
 * with its reply. */
static struct job *
run(struct rig *r, struct session *s, const char *json)
{
	struct job *j = make_job(r, json);
	struct eg_err e;
	int opens = 0;

	if (j == NULL)
		return NULL;
	if (!s->up && session_open(s, &e) == 0)
		opens++;
	while (exec_run(&r->exec, s, j) == EXEC_NEED_SESSION) {
		if (s->up) {
			tap_diag("the runner asked for a session while its own is up");
			break;
		}
		if (opens++ == 5) {
			tap_diag("no session after 5 opens");
			break;
		}
		if (session_open(s, &e) == -1)
			tap_diag("open: %s", e.msg);
	}
	return j;
}

static const char CONTACT[] = "{\"cmd\": \"contact_create\", \"args\": {\"id\": \"c-sess1\", "
    "\"email\": \"a@example.net\", \"auth_info\": \"contact-authinfo-77\", \"contacts\": [{\"type\": "
    "\"int\", \"name\": \"A\", \"address\": {\"street\": \"1 Road\", \"city\": \"T\", \"cc\": "
    "\"DE\"}}]}}";

static void
test_login_and_secrets(void)
{
	struct sim sm;
	struct rig r;
	struct session s;
	struct eg_err e;
	struct job *j;
	char *lg;
	int rc;

	if (sim_start(&sm, "server", NULL) == -1 || rig_init(&r, &sm, 0, NULL) == -1) {
		tap_ok(0, "sim and client set up");
		return;
	}
	/* a password change at login: the new one must be used from then on */
	snprintf(r.creds.newpw, sizeof(r.creds.newpw), "%s", NEWPW);
	session_init(&s, 0, &r.env);
	rc = session_open(&s, &e);
	tap_ok(rc == 0 && s.up, "login over verified TLS (%s)", rc == 0 ? s.login.svid : e.msg);
	tap_is_str(r.creds.pw, NEWPW, "after a login with newPW, the new password is current");
	tap_ok(r.creds.newpw[0] == '\0', "and no change is pending");
	j = run(&r, &s, CONTACT);
	tap_ok(j != NULL && j->code == 1000, "contact_create with authInfo");
	job_free(j);
	j = run(&r, &s, "{\"cmd\": \"contact_info\", \"args\": {\"contact\": \"c-sess1\"}}");
	tap_ok(j != NULL && j->code == 1000 && strstr(j->reply, "contact-authinfo-77") != NULL,
	    "contact_info: the sponsor gets the authInfo in the reply");
	job_free(j);
	session_close(&s);
	tap_ok(!s.up, "logged out");
	/* a second session logs in with the changed password */
	rc = session_open(&s, &e);
	tap_ok(rc == 0, "the next login uses the new password (%s)", rc == 0 ? "ok" : e.msg);
	session_close(&s);
	session_clear(&s);
	rig_free(&r);
	lg = tap_slurp(path("session.log"), NULL);
	tap_ok(lg != NULL && strstr(lg, "<pw>*****</pw>") != NULL &&
	    strstr(lg, "contact:pw>*****<") != NULL, "the trace log shows the XML, redacted");
	tap_ok(lg != NULL && strstr(lg, PW) == NULL && strstr(lg, NEWPW) == NULL &&
	    strstr(lg, "contact-authinfo-77") == NULL,
	    "no password, new password or authInfo in the trace log");
	free(lg);
	unlink(path("session.log"));
	sim_stop(&sm);
}

static void
test_refused(void)
{
	struct sim sm;
	struct rig r;
	struct session s;
	struct eg_err e;

	if (sim_start(&sm, "server", NULL) == -1 || rig_init(&r, &sm, 0, NULL) == -1)
		return;
	snprintf(r.creds.pw, sizeof(r.creds.pw), "wrong-password-1");
	session_init(&s, 0, &r.env);
	tap_ok(session_open(&s, &e) == -1 && s.last_code == 2200 && strstr(e.msg, "2200") != NULL,
	    "wrong password: refused with the registry's code (%s)", e.msg);
	tap_ok(s.fail == SESSION_FAIL_LOGIN_REFUSED && session_fail_permanent(s.fail) &&
	    strstr(e.msg, "the registry refused the login: 2200 Authentication error") != NULL,
	    "classed login_refused, permanent");
	tap_ok(strstr(e.msg, "wrong-password-1") == NULL, "the message holds no password");
	session_clear(&s);
	rig_free(&r);
	sim_stop(&sm);
}

static void
test_certificates(void)
{
	struct sim sm;
	struct rig r;
	struct session s;
	struct eg_err e;
	int rc;

	if (sim_start(&sm, "untrusted", NULL) == 0 && rig_init(&r, &sm, 0, NULL) == 0) {
		session_init(&s, 0, &r.env);
		tap_ok(session_open(&s, &e) == -1 && e.code == EG_ETLS,
		    "a certificate from an unknown CA is refused: %s", e.msg);
		tap_ok(s.fail == SESSION_FAIL_SERVER_CERT && strcmp(e.msg, "the registry's "
		    "certificate does not verify: unable to get local issuer certificate") == 0,
		    "classed server_cert_untrusted");
		session_clear(&s);
		rig_free(&r);
	}
	sim_stop(&sm);
	if (sim_start(&sm, "wronghost", NULL) == 0 && rig_init(&r, &sm, 0, NULL) == 0) {
		session_init(&s, 0, &r.env);
		tap_ok(session_open(&s, &e) == -1 && strstr(e.msg, "hostname mismatch") != NULL,
		    "a certificate for another host name is refused: %s", e.msg);
		tap_ok(s.fail == SESSION_FAIL_SERVER_NAME && strstr(e.msg, "is not for localhost") !=
		    NULL, "classed server_name_mismatch");
		session_clear(&s);
		rig_free(&r);
	}
	sim_stop(&sm);
	if (sim_start(&sm, "server", "--ca", path("ca.crt"), "--require-client-cert", NULL) == 0 &&
	    rig_init(&r, &sm, 0, NULL) == 0) {
		session_init(&s, 0, &r.env);
		tap_ok(session_open(&s, &e) == -1, "client certificate required and missing: "
		    "refused (%s)", e.msg);
		tap_ok(s.fail == SESSION_FAIL_CERT_REQUIRED && strstr(e.msg, "the registry requires "
		    "a client certificate") != NULL, "classed client_cert_required");
		session_clear(&s);
		rig_free(&r);
		rig_init(&r, &sm, 1, NULL);
		session_init(&s, 0, &r.env);
		rc = session_open(&s, &e);
		tap_ok(rc == 0, "client certificate required and given (%s)", rc == 0 ? "ok" : e.msg);
		session_close(&s);
		session_clear(&s);
		rig_free(&r);
	}
	sim_stop(&sm);
	/* the registry trusts another CA than the one of our certificate */
	if (sim_start(&sm, "server", "--ca", path("other-ca.crt"), "--require-client-cert",
	    NULL) == 0 && rig_init(&r, &sm, 1, NULL) == 0) {
		session_init(&s, 0, &r.env);
		tap_ok(session_open(&s, &e) == -1 && s.fail == SESSION_FAIL_CERT_REFUSED &&
		    strstr(e.msg, "the registry refused the gate's client certificate (TLS alert: ")
		    != NULL, "our certificate from a CA the registry does not know: classed "
		    "client_cert_refused (%s)", e.msg);
		session_clear(&s);
		rig_free(&r);
	}
	sim_stop(&sm);
	/* what may heal: nobody listening, a session limit */
	if (sim_start(&sm, "server", "--max-sessions", "1", NULL) == 0 &&
	    rig_init(&r, &sm, 0, NULL) == 0) {
		struct session s2;

		session_init(&s, 0, &r.env);
		session_init(&s2, 1, &r.env);
		rc = session_open(&s, &e);
		tap_ok(rc == 0 && session_open(&s2, &e) == -1 && s2.fail == SESSION_FAIL_SESSION_LIMIT &&
		    !session_fail_permanent(s2.fail), "2502: classed session_limit, may pass (%s)",
		    e.msg);
		session_close(&s);
		session_clear(&s);
		session_clear(&s2);
		sim_stop(&sm);
		tap_ok(session_open(&s2, &e) == -1 && s2.fail == SESSION_FAIL_CONNECT &&
		    !session_fail_permanent(s2.fail), "nobody listening: classed connect (%s)", e.msg);
		session_clear(&s2);
		rig_free(&r);
	}
	sim_stop(&sm);
}

/* A registry's own greeting: the login asks for what it offers; a typed command for a
 * service it does not offer is answered before anything is sent; epp commands go. */
static void
test_greeting_file(void)
{
	struct sim sm;
	struct rig r;
	struct session s;
	struct eg_err e;
	struct job *j;
	int rc;

	if (sim_start(&sm, "server", "--greeting", tap_data("greetings/rfc5730-objects.xml"),
	    NULL) == -1 || rig_init(&r, &sm, 0, NULL) == -1) {
		tap_ok(0, "sim with a greeting file");
		return;
	}
	session_init(&s, 0, &r.env);
	rc = session_open(&s, &e);
	tap_ok(rc == 0, "obj1..obj3 only: logged in (%s)", rc == 0 ? s.login.objs : e.msg);
	tap_is_int(sim_count(&sm, "cmd=login", "objuris=urn:ietf:params:xml:ns:obj1,"
	    "urn:ietf:params:xml:ns:obj2,urn:ietf:params:xml:ns:obj3 "
	    "exturis=http://custom.example/obj1ext-1.0"), 1, "asking for exactly what is offered");
	j = run(&r, &s, "{\"cmd\": \"host_check\", \"args\": {\"hosts\": [\"ns1.example\"]}}");
	tap_ok(j != NULL && j->code == -1 && !j->sent && strstr(j->reply, "\"code\":\"not_sent\"")
	    != NULL && strstr(j->reply, "the registry does not offer the host service "
	    "(urn:ietf:params:xml:ns:host-1.0); its greeting offers: urn:ietf:params:xml:ns:obj1") !=
	    NULL, "host_check: not_sent, saying so (%s)", j ? j->reply : "none");
	tap_is_int(sim_count(&sm, "host:check", NULL), 0, "nothing reached the registry");
	job_free(j);
	j = run(&r, &s, "{\"cmd\": \"epp\", \"args\": {\"command\": {\"info\": {\"o:info\": "
	    "{\"@xmlns:o\": \"urn:ietf:params:xml:ns:obj1\", \"o:name\": \"x\"}}}}}");
	tap_ok(j != NULL && j->sent && j->code >= 1000, "an epp command goes (code %d)",
	    j ? j->code : 0);
	tap_is_int(sim_count(&sm, "cmd=info", j ? j->req.cltrid : "?"), 1, "and reaches it");
	job_free(j);
	session_close(&s);
	session_clear(&s);
	rig_free(&r);
	sim_stop(&sm);
}

static void
test_keepalive_and_idle(void)
{
	struct sim sm;
	struct rig r;
	struct session s;
	struct eg_err e;
	struct job *j;

	if (sim_start(&sm, "server", "--idle-timeout", "2", NULL) == -1 ||
	    rig_init(&r, &sm, 0, NULL) == -1)
		return;
	r.cfg.epp.keepalive_s = 1;
	session_init(&s, 0, &r.env);
	session_open(&s, &e);
	usleep(1200000);
	tap_is_int(session_keepalive_in(&s), 0, "keepalive due after 1 s idle");
	tap_ok(session_keepalive(&s, &e) == 0 && s.up, "keepalive hello answered");
	tap_is_int(sim_count(&sm, "cmd=hello", NULL), 1, "the registry saw one hello");
	/* idle past the registry's 2 s: it closes; the next command goes on a new session */
	usleep(2600000);
	j = run(&r, &s, "{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"idle.example\"]}}");
	tap_ok(j != NULL && j->code == 1000, "after the registry dropped the idle session, a "
	    "check is answered on a new one");
	tap_is_int(sim_count(&sm, "cmd=login", "code=1000"), 2, "two logins");
	tap_is_int(sim_count(&sm, "idle.example", NULL), 1, "the check reached the registry once");
	job_free(j);
	session_clear(&s);
	rig_free(&r);
	sim_stop(&sm);
}

/* One fault, one command: what comes back and what the registry executed. */
static void
fault_case(const char *fault, const char *req, const char *cmdname, int resend, int runs,
    const char *what)
{
	struct sim sm;
	struct rig r;
	struct session s;
	struct eg_err e;
	struct job *j, *c;

	if (sim_start(&sm, "server", "--fault", fault, "--stall-ms", "3000", NULL) == -1 ||
	    rig_init(&r, &sm, 0, NULL) == -1) {
		tap_ok(0, "%s: set up", what);
		return;
	}
	session_init(&s, 0, &r.env);
	session_open(&s, &e);
	if (strstr(req, "domain_create") != NULL) {
		c = run(&r, &s, "{\"cmd\": \"contact_create\", \"args\": {\"id\": \"c-f1\", \"email\": "
		    "\"a@example.net\", \"auth_info\": \"x-pw-123\", \"contacts\": [{\"type\": \"int\", "
		    "\"name\": \"A\", \"address\": {\"street\": \"1 Road\", \"city\": \"T\", \"cc\": \"DE\"}}]}}");
		job_free(c);
	}
	j = run(&r, &s, req);
	if (resend) {
		tap_ok(j != NULL && j->code == 1000, "%s: answered after a transparent re-send", what);
	} else {
		tap_ok(j != NULL && j->code == -1 && strstr(j->reply, "outcome_unknown") != NULL &&
		    strstr(j->reply, j->req.cltrid) != NULL,
		    "%s: outcome unknown, naming clTRID %s", what, j ? j->req.cltrid : "?");
	}
	/* a query may run again; a create never does */
	tap_is_int(sim_count(&sm, cmdname, "code=1000"), runs, "%s: executed %d time(s)", what, runs);
	tap_is_int(sim_count(&sm, "cmd=login", "code=1000"), 2,
	    "%s: the session was dropped and a new one logged in", what);
	job_free(j);
	/* the session still works for the next command */
	j = run(&r, &s, "{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"after.example\"]}}");
	tap_ok(j != NULL && j->code == 1000, "%s: the next command is served", what);
	job_free(j);
	session_clear(&s);
	rig_free(&r);
	sim_stop(&sm);
}

static const char CHECK[] = "{\"cmd\": \"domain_check\", \"args\": {\"domains\": "
    "[\"d1.example\"]}}";
static const char CREATE[] = "{\"cmd\": \"domain_create\", \"args\": {\"name\": "
    "\"f1.example\", \"registrant\": \"c-f1\", \"contacts\": {\"admin\": \"c-f1\"}, "
    "\"auth_info\": \"x-pw-123\"}}";

static void
abandon(void *arg, struct job *j, int64_t now_ms, int waited_ms, const char *why)
{
	exec_abandon(arg, j, now_ms, waited_ms, why);
}

static void
test_session_limit_backoff(void)
{
	struct sim sm;
	struct rig r;
	struct supervisor_env se;
	struct jobq_env qe = {1000, abandon, NULL};
	struct supervisor *sv;
	struct jobq *q;
	struct metrics *m = metrics_new(2);
	struct eg_err e;
	int refused;

	if (sim_start(&sm, "server", "--max-sessions", "1", NULL) == -1 ||
	    rig_init(&r, &sm, 0, NULL) == -1)
		return;
	qe.abandon_arg = &r.exec;
	q = jobq_new(&qe, &e);
	memset(&se, 0, sizeof(se));
	se.session = r.env;
	se.ops_arg = &r.exec;
	se.q = q;
	se.metrics = m;
	se.sessions = 2;
	r.cfg.epp.backoff_min_ms = 100;
	r.cfg.epp.backoff_max_ms = 60000;
	sv = supervisor_start(&se, &e);
	usleep(4000000);
	tap_is_int(supervisor_sessions_up(sv), 1, "one session up under a limit of one");
	refused = sim_count(&sm, "cmd=login", "code=2502");
	tap_ok(refused >= 1 && refused <= 2, "the refused session backs off: %d attempt(s) in 4 s "
	    "with a 100 ms minimum backoff", refused);
	supervisor_free(sv);
	jobq_free(q);
	metrics_free(m);
	rig_free(&r);
	sim_stop(&sm);
}

int
main(int argc, char **argv)
{
	char cmd[1400];
	const char *tmp = getenv("TMPDIR");

	signal(SIGPIPE, SIG_IGN);
	xmlInitParser();
	snprintf(bindir, sizeof(bindir), "%s/../bin", argc > 0 ? dirname(argv[0]) : ".");
	snprintf(dir, sizeof(dir), "%s/eg-session.%ld", tmp ? tmp : "/tmp", (long)getpid());
	snprintf(cmd, sizeof(cmd), "%s %s", tap_src("tests/lib/certs.sh"), dir);
	if (system(cmd) != 0) {
		tap_ok(0, "test certificates");
		return tap_done();
	}
	test_login_and_secrets();
	test_refused();
	test_certificates();
	test_greeting_file();
	test_keepalive_and_idle();
	fault_case("drop-before:1:domain:check:once", CHECK, "cmd=domain:check", 1, 1,
	    "drop before a check");
	fault_case("drop-after:1:domain:check:once", CHECK, "cmd=domain:check", 1, 2,
	    "drop after a check");
	fault_case("drop-before:1:domain:create:once", CREATE, "cmd=domain:create", 0, 0,
	    "drop before a create");
	fault_case("drop-after:1:domain:create:once", CREATE, "cmd=domain:create", 0, 1,
	    "drop after a create");
	fault_case("stall:1:domain:check:once", CHECK, "cmd=domain:check", 1, 2,
	    "a stall past the timeout");
	fault_case("wrong-cltrid:1:domain:check:once", CHECK, "cmd=domain:check", 1, 2,
	    "a wrong clTRID");
	fault_case("garbage:1:domain:check:once", CHECK, "cmd=domain:check", 1, 2,
	    "a garbage frame");
	fault_case("oversize:1:domain:check:once", CHECK, "cmd=domain:check", 1, 2,
	    "an oversize frame");
	test_session_limit_backoff();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", dir);
	xmlCleanupParser();
	return tap_done();
}
