/* SPDX-License-Identifier: MIT */
/*
 * The EPP session and the per-job rules, against a real epp-sim over real TLS
 * (the program built next to this test; certificates from tests/lib/certs.sh):
 * login, refused logins, certificate and host name checks, client certificates,
 * what each failure is classed as (and whether retrying can cure it), a registry's
 * own greeting (epp-sim --greeting) and typed commands for services it does not
 * offer answered before anything is sent, keepalive, a registry that drops idle sessions, drops before and after a
 * command, stalls, wrong clTRIDs, garbage and oversize frames, session-limit
 * backoff, and no secret in the most verbose log. The exchange without waiting
 * (session_start, session_continue) driven by a poll loop as an event loop drives it:
 * answers as the blocking exchange's, a stalled or closing registry, a stopped one that
 * takes no bytes, an oversize command, several sessions in flight on one thread, none of
 * its calls ever waiting.
 */
#include <errno.h>
#include <libxml/parser.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "epp_resp.h"
#include "exec.h"
#include "simtest.h"
#include "supervisor.h"
#include "tap.h"

/* Runs a request on the session as a slot thread does (exec_run): whenever the runner needs an
 * up session, the session is opened again (at most 5 times). Returns the job (caller frees)
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
	snprintf(r.creds.newpw, sizeof(r.creds.newpw), "%s", ST_NEWPW);
	session_init(&s, 0, &r.env);
	rc = session_open(&s, &e);
	tap_ok(rc == 0 && s.up, "login over verified TLS (%s)", rc == 0 ? s.login.svid : e.msg);
	tap_is_str(r.creds.pw, ST_NEWPW, "after a login with newST_PW, the new password is current");
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
	lg = tap_slurp(st_path("session.log"), NULL);
	tap_ok(lg != NULL && strstr(lg, "<pw>*****</pw>") != NULL &&
	    strstr(lg, "contact:pw>*****<") != NULL, "the trace log shows the XML, redacted");
	tap_ok(lg != NULL && strstr(lg, ST_PW) == NULL && strstr(lg, ST_NEWPW) == NULL &&
	    strstr(lg, "contact-authinfo-77") == NULL,
	    "no password, new password or authInfo in the trace log");
	free(lg);
	unlink(st_path("session.log"));
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
	if (sim_start(&sm, "server", "--ca", st_path("ca.crt"), "--require-client-cert", NULL) == 0 &&
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
	if (sim_start(&sm, "server", "--ca", st_path("other-ca.crt"), "--require-client-cert",
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

/* ---- the exchange without waiting ------------------------------------------ */

/* What a poll loop saw of session_start / session_continue: how many calls, the longest,
 * and calls that broke the rules of an exchange under way (busy, fd, events, deadline). */
struct nb_watch {
	int calls;
	int64_t max_us;
	int bad;
};

/* The longest a call may take. A call that waited for a stalled registry would take the
 * whole command timeout (1 s here); under valgrind everything runs some 30 times slower. */
static int64_t
call_limit_us(void)
{
	const char *pre = getenv("LD_PRELOAD");

	return pre != NULL && strstr(pre, "vgpreload") != NULL ? 500000 : 50000;
}

static void
nb_check(struct nb_watch *w, const struct session *s, int64_t t0, enum xchg x)
{
	int64_t took = eg_now_us() - t0;

	w->calls++;
	if (took > w->max_us)
		w->max_us = took;
	if (x == XCHG_PENDING ? !session_busy(s) || session_fd(s) < 0 || session_events(s) == 0 ||
	    session_deadline(s) < 0 : session_busy(s) || session_events(s) != 0 ||
	    session_deadline(s) != -1)
		w->bad++;
}

/* Polls the sessions under way (up to 8) once, until the earliest deadline; then goes on
 * with each that is ready or past its deadline. x[i] is updated; returns how many are
 * still under way. */
static int
nb_round(struct session **s, enum xchg *x, struct eg_err *e, int n, struct nb_watch *w)
{
	struct pollfd p[8];
	int idx[8], np = 0, i, left = 0;
	int64_t first = -1, now, t0;

	for (i = 0; i < n; i++) {
		if (x[i] != XCHG_PENDING)
			continue;
		p[np].fd = session_fd(s[i]);
		p[np].events = session_events(s[i]);
		p[np].revents = 0;
		idx[np++] = i;
		if (first == -1 || session_deadline(s[i]) < first)
			first = session_deadline(s[i]);
	}
	if (np == 0)
		return 0;
	if (poll(p, (nfds_t)np, eg_ms_left(first)) == -1 && errno != EINTR)
		tap_diag("poll: %s", strerror(errno));
	now = eg_now_ms();
	for (i = 0; i < np; i++) {
		if (p[i].revents == 0 && now < session_deadline(s[idx[i]]))
			continue;
		t0 = eg_now_us();
		x[idx[i]] = session_continue(s[idx[i]], now, &e[idx[i]]);
		nb_check(w, s[idx[i]], t0, x[idx[i]]);
	}
	for (i = 0; i < n; i++)
		left += x[i] == XCHG_PENDING;
	return left;
}

/* One exchange without waiting, driven to its end by a poll loop. */
static enum xchg
nb_exchange(struct session *s, const char *xml, size_t len, const char *cltrid,
    int timeout_ms, struct nb_watch *w, struct eg_err *e)
{
	int64_t t0 = eg_now_us();
	enum xchg x = session_start(s, xml, len, cltrid, timeout_ms, e);

	nb_check(w, s, t0, x);
	while (nb_round(&s, &x, e, 1, w) > 0)
		;
	return x;
}

/* A request built as the gate builds it (its clTRID the next one); the caller clears it. */
static int
nb_build(struct rig *r, const char *json, struct epp_request *req)
{
	char cltrid[CLTRID_MAX + 1];
	struct eg_err e;
	json_object *o = epp_request_parse(json, strlen(json), &e);
	int rc;

	memset(req, 0, sizeof(*req));
	cltrid_next(&r->cltrid, cltrid);
	if (o == NULL || (rc = epp_request_build(o, cltrid, req, &e)) == -1) {
		tap_diag("build %s: %s", json, e.msg);
		rc = -1;
	}
	json_object_put(o);
	return rc;
}

/* The response's text without its svTRID, which differs from one response to the next. */
static char *
without_svtrid(const char *reply)
{
	char *t = strdup(reply), *k, *v, *end;

	if (t != NULL && (k = strstr(t, "\"svTRID\"")) != NULL &&
	    (v = strchr(k + 8, '"')) != NULL && (end = strchr(v + 1, '"')) != NULL)
		memmove(v + 1, end, strlen(end) + 1);
	return t;
}

static void
test_nb_answers(void)
{
	struct sim sm;
	struct rig r;
	struct session s;
	struct nb_watch w = {0, 0, 0};
	struct epp_request req;
	struct epp_greeting g;
	struct eg_err e;
	enum xchg x;
	char *blocking = NULL, *big, *a;
	unsigned long before;
	size_t biglen = 70000;
	int rc;

	if (sim_start(&sm, "server", NULL) == -1 || rig_init(&r, &sm, 0, NULL) == -1) {
		tap_ok(0, "nb: sim and client set up");
		return;
	}
	session_init(&s, 0, &r.env);
	rc = session_open(&s, &e);
	tap_ok(rc == 0 && !session_busy(&s) && session_events(&s) == 0 &&
	    session_deadline(&s) == -1 && session_fd(&s) >= 0, "nb: an idle session is not busy "
	    "(%s)", rc == 0 ? "up" : e.msg);
	/* the same command, the same clTRID: blocking, then without waiting */
	if (nb_build(&r, CHECK, &req) == 0) {
		x = session_exchange(&s, req.xml, req.xml_len, req.cltrid, 1000, &e);
		if (x == XCHG_OK)
			blocking = without_svtrid(s.reply.data);
		before = s.commands;
		x = nb_exchange(&s, req.xml, req.xml_len, req.cltrid, 1000, &w, &e);
		a = x == XCHG_OK ? without_svtrid(s.reply.data) : NULL;
		tap_ok(x == XCHG_OK && epp_facts_code(&s.facts) == 1000 && s.up &&
		    s.commands == before + 1, "nb: a check is answered (%s)",
		    x == XCHG_OK ? "ok" : e.msg);
		tap_ok(blocking != NULL && a != NULL && strcmp(a, blocking) == 0,
		    "nb: the reply text is the blocking exchange's, svTRID apart");
		tap_is_str(epp_facts_cltrid(&s.facts), req.cltrid, "nb: with the clTRID sent");
		free(a);
		epp_request_clear(&req);
	}
	free(blocking);
	/* the caller's text may go once session_start returned */
	if (nb_build(&r, CHECK, &req) == 0) {
		char cl[CLTRID_MAX + 1];
		int64_t t0 = eg_now_us();

		snprintf(cl, sizeof(cl), "%s", req.cltrid);
		x = session_start(&s, req.xml, req.xml_len, req.cltrid, 1000, &e);
		nb_check(&w, &s, t0, x);
		memset(req.xml, ' ', req.xml_len);
		memset(req.cltrid, 'z', strlen(req.cltrid));
		while (nb_round((struct session *[]){&s}, &x, &e, 1, &w) > 0)
			;
		tap_ok(x == XCHG_OK && epp_facts_cltrid(&s.facts) != NULL &&
		    strcmp(epp_facts_cltrid(&s.facts), cl) == 0, "nb: command and clTRID were "
		    "copied: the caller's overwritten copies change nothing (%s)",
		    x == XCHG_OK ? "ok" : e.msg);
		epp_request_clear(&req);
	}
	/* a hello, as the keepalive sends it: the answer is a greeting */
	if (epp_build_hello(&a, &biglen, &e) == 0) {
		before = s.commands;
		x = nb_exchange(&s, a, biglen, NULL, 1000, &w, &e);
		tap_ok(x == XCHG_OK && epp_facts_greeting(&s.facts, &g) == 0 && s.up &&
		    s.commands == before + 1, "nb: hello answered with a greeting (%s)",
		    x == XCHG_OK ? "ok" : e.msg);
		free(a);
	}
	tap_is_int(sim_count(&sm, "cmd=hello", NULL), 1, "nb: the registry saw the hello");
	/* over the frame limit: refused, nothing sent, the session as it was */
	biglen = 70000;
	r.cfg.epp.max_frame = 65536;
	if ((big = malloc(biglen)) != NULL) {
		memset(big, ' ', biglen);
		x = session_start(&s, big, biglen, "t-big-1", 1000, &e);
		tap_ok(x == XCHG_REFUSED && e.code == EG_ELIMIT && strcmp(e.msg, "command of 70000 "
		    "bytes exceeds the frame limit") == 0, "nb: a command over the frame limit is "
		    "refused (%s)", e.msg);
		tap_ok(s.up && !session_busy(&s), "nb: the session is still up and not busy");
		free(big);
	}
	r.cfg.epp.max_frame = FRAME_DEFAULT_MAX;
	/* one exchange at a time; a clTRID past CLTRID_MAX is none */
	if (nb_build(&r, CHECK, &req) == 0) {
		char longid[CLTRID_MAX + 2];

		memset(longid, 'a', CLTRID_MAX + 1);
		longid[CLTRID_MAX + 1] = '\0';
		x = session_start(&s, req.xml, req.xml_len, longid, 1000, &e);
		tap_ok(x == XCHG_REFUSED && s.up && !session_busy(&s),
		    "nb: a clTRID longer than %d is refused, the session unchanged (%s)", CLTRID_MAX,
		    e.msg);
		x = session_start(&s, req.xml, req.xml_len, req.cltrid, 1000, &e);
		tap_ok(x == XCHG_PENDING && session_start(&s, req.xml, req.xml_len, req.cltrid,
		    1000, &e) == XCHG_REFUSED && session_busy(&s),
		    "nb: a second start while one is under way is refused (%s)", e.msg);
		/* dropped while under way: nothing is left pending */
		session_drop(&s, "test");
		tap_ok(!session_busy(&s) && session_events(&s) == 0 && session_deadline(&s) == -1 &&
		    session_fd(&s) == -1 && !s.up, "nb: session_drop abandons the exchange");
		tap_ok(session_continue(&s, eg_now_ms(), &e) == XCHG_LOST &&
		    strcmp(e.msg, "no exchange under way on session 0") == 0,
		    "nb: session_continue after that: lost, nothing to go on with (%s)", e.msg);
		rc = session_open(&s, &e);
		x = rc == 0 ? nb_exchange(&s, req.xml, req.xml_len, req.cltrid, 1000, &w, &e) :
		    XCHG_UNSENT;
		tap_ok(x == XCHG_OK, "nb: a re-opened session serves the next exchange (%s)",
		    x == XCHG_OK ? "ok" : e.msg);
		epp_request_clear(&req);
	}
	tap_ok(w.bad == 0, "nb: busy, fd, events and deadline as documented after each of %d "
	    "calls", w.calls);
	tap_ok(w.calls > 0 && w.max_us < call_limit_us(), "nb: no call waited: the longest of "
	    "%d took %lld us", w.calls, (long long)w.max_us);
	session_close(&s);
	session_clear(&s);
	rig_free(&r);
	sim_stop(&sm);
}

/* A registry that fails the command (a sim --fault rule): how the exchange ends. */
static void
nb_fault(const char *fault, enum xchg want, const char *msg, const char *what)
{
	struct sim sm;
	struct rig r;
	struct session s;
	struct nb_watch w = {0, 0, 0};
	struct epp_request req;
	struct eg_err e;
	enum xchg x = XCHG_PENDING;
	int64_t t0, took = 0;

	if (sim_start(&sm, "server", "--fault", fault, "--stall-ms", "3000", NULL) == -1 ||
	    rig_init(&r, &sm, 0, NULL) == -1) {
		tap_ok(0, "nb %s: set up", what);
		return;
	}
	session_init(&s, 0, &r.env);
	if (session_open(&s, &e) == 0 && nb_build(&r, CHECK, &req) == 0) {
		t0 = eg_now_ms();
		x = nb_exchange(&s, req.xml, req.xml_len, req.cltrid, 1000, &w, &e);
		took = eg_now_ms() - t0;
		epp_request_clear(&req);
	}
	tap_ok(x == want && strncmp(e.msg, msg, strlen(msg)) == 0 && !s.up && !session_busy(&s),
	    "nb %s: %s, \"%s\", session dropped", what, x == XCHG_LOST ? "lost" : "not lost",
	    e.msg);
	if (strcmp(msg, "no response from the registry in time") == 0)
		tap_ok(took >= 1000 && took < 2500, "nb %s: ended at the deadline (%lld ms)", what,
		    (long long)took);
	tap_ok(w.bad == 0 && w.max_us < call_limit_us(), "nb %s: no call waited: the longest of "
	    "%d took %lld us", what, w.calls, (long long)w.max_us);
	session_clear(&s);
	rig_free(&r);
	sim_stop(&sm);
}

/* A registry that takes no bytes (stopped): the frame is not written whole by the deadline,
 * and the command is known not to have been executed. */
static void
test_nb_write_stall(void)
{
	struct sim sm;
	struct rig r;
	struct session s;
	struct nb_watch w = {0, 0, 0};
	struct eg_err e;
	enum xchg x = XCHG_PENDING;
	size_t len = (size_t)12 << 20;
	char *xml = NULL;
	int64_t t0, took = 0;
	int st, stopped = 0;

	if (sim_start(&sm, "server", NULL) == -1 || rig_init(&r, &sm, 0, NULL) == -1) {
		tap_ok(0, "nb write stall: set up");
		return;
	}
	r.log.level = EG_LOG_INFO;   /* not 12 MiB of trace */
	session_init(&s, 0, &r.env);
	if (session_open(&s, &e) == 0 && (xml = malloc(len)) != NULL) {
		memset(xml, ' ', len);
		memcpy(xml, "<epp><hello/></epp>", 19);
		stopped = kill(sm.pid, SIGSTOP) == 0 && waitpid(sm.pid, &st, WUNTRACED) == sm.pid &&
		    WIFSTOPPED(st);
		t0 = eg_now_us();
		x = session_start(&s, xml, len, "t-stall-1", 1000, &e);
		took = eg_now_us() - t0;
		tap_ok(stopped && x == XCHG_PENDING && session_events(&s) != 0,
		    "nb write stall: session_start returns under way, the frame not written whole "
		    "(%lld us)", (long long)took);
		while (x == XCHG_PENDING)
			nb_round((struct session *[]){&s}, &x, &e, 1, &w);
		tap_ok(x == XCHG_UNSENT && e.code == EG_ETIMEOUT && strcmp(e.msg, "write timed out")
		    == 0 && !s.up && !session_busy(&s), "nb write stall: unsent at the deadline, "
		    "session dropped (%s)", e.msg);
		free(xml);
	}
	if (stopped)
		kill(sm.pid, SIGCONT);
	tap_ok(w.bad == 0 && w.calls > 0, "nb write stall: busy, fd, events and deadline as "
	    "documented after each session_continue (%d; the longest %lld us)", w.calls,
	    (long long)w.max_us);
	session_clear(&s);
	rig_free(&r);
	sim_stop(&sm);
}

/* Writes a domain check response of n domains for the sim's reply-file, padded with a
 * comment so that its frame (with cltrid in place of @CLTRID@) is frame_len bytes when
 * frame_len is not 0. */
static int
write_reply(const char *file, int n, const char *cltrid, size_t frame_len)
{
	struct buf b;
	size_t now;
	int i, rc = -1;
	FILE *f;

	memset(&b, 0, sizeof(b));
	buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><epp xmlns=\"urn:ietf:params:xml:"
	    "ns:epp-1.0\"><response><result code=\"1000\"><msg>Command completed successfully"
	    "</msg></result><resData><domain:chkData xmlns:domain=\"urn:ietf:params:xml:ns:"
	    "domain-1.0\">");
	for (i = 0; i < n; i++)
		buf_printf(&b, "<domain:cd><domain:name avail=\"1\">d%05d.example</domain:name>"
		    "</domain:cd>\n", i);
	buf_puts(&b, "</domain:chkData></resData><trID><clTRID>@CLTRID@</clTRID><svTRID>big-1"
	    "</svTRID></trID></response></epp><!--");
	now = FRAME_HDR_LEN + b.len + 3 + strlen(cltrid) - strlen("@CLTRID@");
	while (frame_len > 0 && now < frame_len) {
		buf_puts(&b, "x");
		now++;
	}
	buf_puts(&b, "-->");
	if ((frame_len == 0 || now == frame_len) && (f = fopen(file, "w")) != NULL) {
		if (fwrite(b.data, 1, b.len, f) == b.len)
			rc = 0;
		if (fclose(f) != 0)
			rc = -1;
	}
	buf_clear(&b);
	return rc;
}

/*
 * Responses of several TLS records (the sim's reply-file), read whole and converted as the
 * blocking exchange converts them: one of some 300 KiB, and one of 16 KiB and 100 bytes,
 * whose second record is small enough that OpenSSL reads it with the first (read ahead)
 * and holds it while the socket is empty: a caller that waited in poll for it would wait
 * until the deadline. The calls take what the conversion takes: not timed here.
 */
static void
nb_large(int n, size_t frame_len, const char *what)
{
	struct sim sm;
	struct rig r;
	struct session s;
	struct nb_watch w = {0, 0, 0};
	struct epp_request req;
	struct eg_err e;
	enum xchg x = XCHG_UNSENT;
	char spec[800], *nb = NULL;
	int64_t t0, took;
	int same = 0;

	snprintf(spec, sizeof(spec), "reply-file=%s:1:domain:check", st_path("big.xml"));
	if (sim_start(&sm, "server", "--fault", spec, NULL) == -1 ||
	    rig_init(&r, &sm, 0, NULL) == -1) {
		tap_ok(0, "nb %s: set up", what);
		return;
	}
	r.log.level = EG_LOG_INFO;   /* not the whole response in the trace */
	session_init(&s, 0, &r.env);
	if (session_open(&s, &e) == 0 && nb_build(&r, CHECK, &req) == 0) {
		if (write_reply(st_path("big.xml"), n, req.cltrid, frame_len) == -1)
			tap_diag("%s: cannot write the reply", st_path("big.xml"));
		t0 = eg_now_ms();
		x = nb_exchange(&s, req.xml, req.xml_len, req.cltrid, 6000, &w, &e);
		took = eg_now_ms() - t0;
		if (x == XCHG_OK)
			nb = strdup(s.reply.data);
		tap_ok(x == XCHG_OK && epp_facts_code(&s.facts) == 1000 && s.up,
		    "nb %s: read whole in %d calls, %zu bytes of JSON (%s)", what, w.calls,
		    s.reply.len, x == XCHG_OK ? "ok" : e.msg);
		/* what OpenSSL holds is read at the deadline at the latest: that is too late */
		tap_ok(took < 3000, "nb %s: in %lld ms, long before the deadline (6 s)", what,
		    (long long)took);
		same = nb != NULL && session_exchange(&s, req.xml, req.xml_len, req.cltrid, 6000,
		    &e) == XCHG_OK && strcmp(nb, s.reply.data) == 0;
		tap_ok(same, "nb %s: the same text as the blocking exchange's", what);
		epp_request_clear(&req);
		free(nb);
	}
	tap_ok(w.bad == 0, "nb %s: busy, fd, events and deadline as documented after each of %d "
	    "calls (the longest %lld us)", what, w.calls, (long long)w.max_us);
	session_clear(&s);
	rig_free(&r);
	sim_stop(&sm);
	unlink(st_path("big.xml"));
}

/* Four sessions, four commands started before any answer is read, on one thread. */
static void
test_nb_in_flight(void)
{
	struct sim sm;
	struct rig r;
	struct session s[4], *sp[4];
	struct nb_watch w = {0, 0, 0};
	struct epp_request req[4];
	struct eg_err e[4];
	enum xchg x[4];
	int i, up = 0, pending = 0, ok = 0, built = 0;
	int64_t t0;

	if (sim_start(&sm, "server", NULL) == -1 || rig_init(&r, &sm, 0, NULL) == -1) {
		tap_ok(0, "nb in flight: set up");
		return;
	}
	for (i = 0; i < 4; i++) {
		session_init(&s[i], i, &r.env);
		sp[i] = &s[i];
		up += session_open(&s[i], &e[i]) == 0;
		built += nb_build(&r, "{\"cmd\": \"domain_info\", \"args\": {\"name\": "
		    "\"nothere.example\"}}", &req[i]) == 0;
	}
	tap_ok(up == 4 && built == 4, "nb in flight: 4 sessions up, 4 commands built");
	for (i = 0; i < 4; i++) {
		t0 = eg_now_us();
		x[i] = built == 4 ? session_start(&s[i], req[i].xml, req[i].xml_len, req[i].cltrid,
		    3000, &e[i]) : XCHG_UNSENT;
		nb_check(&w, &s[i], t0, x[i]);
		pending += x[i] == XCHG_PENDING;
	}
	tap_is_int(pending, 4, "nb in flight: 4 exchanges under way at once");
	while (nb_round(sp, x, e, 4, &w) > 0)
		;
	for (i = 0; i < 4; i++) {
		if (x[i] == XCHG_OK && epp_facts_cltrid(&s[i].facts) != NULL &&
		    strcmp(epp_facts_cltrid(&s[i].facts), req[i].cltrid) == 0 &&
		    epp_facts_code(&s[i].facts) == 2303 && s[i].up)
			ok++;
		else
			tap_diag("session %d: %d %s", i, (int)x[i], x[i] == XCHG_OK ? "" : e[i].msg);
	}
	tap_is_int(ok, 4, "nb in flight: all 4 answered (2303), each with its own clTRID");
	tap_is_int(sim_count(&sm, "cmd=domain:info", NULL), 4, "nb in flight: the registry saw 4");
	tap_ok(w.bad == 0 && w.max_us < call_limit_us(), "nb in flight: no call waited: the "
	    "longest of %d took %lld us", w.calls, (long long)w.max_us);
	for (i = 0; i < 4; i++) {
		epp_request_clear(&req[i]);
		session_close(&s[i]);
		session_clear(&s[i]);
	}
	rig_free(&r);
	sim_stop(&sm);
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	xmlInitParser();
	if (st_setup(argc > 0 ? argv[0] : ".", "session") == -1) {
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
	test_nb_answers();
	nb_fault("stall:1:domain:check:once", XCHG_LOST, "no response from the registry in time",
	    "stalled registry");
	nb_fault("drop-after:1:domain:check:once", XCHG_LOST, "connection closed by the registry",
	    "registry closes");
	nb_fault("wrong-cltrid:1:domain:check:once", XCHG_LOST, "response carries clTRID ",
	    "wrong clTRID");
	test_nb_write_stall();
	nb_large(4000, 0, "large");
	nb_large(2, 16384 + 100, "two records");
	test_nb_in_flight();
	st_cleanup();
	xmlCleanupParser();
	return tap_done();
}
