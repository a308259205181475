/* SPDX-License-Identifier: MIT */
/* epp-gate --check-config --connect: the broker and the registry tried once, step by step,
 * with the gate's own modules (preflight.h). */
#include "preflight.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "broker.h"
#include "clock.h"
#include "cltrid.h"
#include "epp_cmd.h"
#include "epp_resp.h"
#include "log.h"
#include "session.h"
#include "tls.h"

#define CHAIN_MAX 10

struct pf {
	FILE *out, *errf;
	int64_t mark;           /* when the current step started (monotonic ms) */
	int status;             /* the exit status so far */
	int next;               /* the EPP step expected next (enum session_step) */
	const struct gate_config *c;
};

static const char *const epp_steps[] = {
	[SESSION_STEP_TCP] = "epp tcp",
	[SESSION_STEP_TLS] = "epp tls",
	[SESSION_STEP_GREETING] = "epp greeting",
	[SESSION_STEP_LOGIN] = "epp login",
};

static long long
took(struct pf *p)
{
	int64_t now = eg_now_ms(), ms = now - p->mark;

	p->mark = now;
	return (long long)ms;
}

static void ok_line(struct pf *p, const char *step, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ok_line(struct pf *p, const char *step, const char *fmt, ...)
{
	va_list ap;

	fprintf(p->out, "%s: ok (%lld ms)", step, took(p));
	if (fmt != NULL && fmt[0] != '\0') {
		fputs(": ", p->out);
		va_start(ap, fmt);
		vfprintf(p->out, fmt, ap);
		va_end(ap);
	}
	fputc('\n', p->out);
	fflush(p->out);
}

/* permanent: only a change of configuration or records can mend it (EX_CONFIG). */
static void
failed(struct pf *p, const char *step, int permanent, const char *why)
{
	fprintf(p->out, "%s: FAILED (%lld ms): %s\n", step, took(p), why);
	fflush(p->out);
	fprintf(p->errf, "epp-gate: connection check failed at %s: %s\n", step, why);
	fflush(p->errf);
	if (permanent)
		p->status = EX_CONFIG;
	else if (p->status == 0)
		p->status = EX_UNAVAILABLE;
}

/* ---- broker ---------------------------------------------------------------- */

static void
check_broker(struct pf *p, struct eg_log *log)
{
	const struct cfg_broker *c = &p->c->broker;
	struct broker *b;
	struct eg_err err;
	char step[CFG_NAME + 32];
	unsigned messages, consumers;
	int i;

	if ((b = broker_new(c, log)) == NULL) {
		failed(p, "broker", 0, "out of memory");
		p->status = 1;
		return;
	}
	for (i = 0; i < c->n_hosts; i++) {
		p->mark = eg_now_ms();
		snprintf(step, sizeof(step), "broker login %s", c->hosts[i]);
		if (broker_probe_login(b, i, &err) == -1) {
			failed(p, step, broker_refusal(b) != BROKER_TRANSIENT ||
			    err.code == EG_ECONFIG, err.msg);
			continue;
		}
		ok_line(p, step, "%suser %s, vhost %s", c->use_tls ? "TLS, " : "", c->user,
		    c->vhost);
		snprintf(step, sizeof(step), "broker queue %s", c->queue);
		if (broker_probe_queue(b, &messages, &consumers, &err) == -1) {
			failed(p, step, broker_refusal(b) != BROKER_TRANSIENT ||
			    err.code == EG_ECONFIG, err.msg);
			continue;
		}
		ok_line(p, step, "exists, %u message%s ready, %u consumer%s", messages,
		    messages == 1 ? "" : "s", consumers, consumers == 1 ? "" : "s");
		broker_disconnect(b);
	}
	broker_free(b);
}

/* ---- EPP -------------------------------------------------------------------- */

static void
print_chain(struct pf *p, const struct session *s)
{
	struct tls_cert_text chain[CHAIN_MAX];
	int i, n = tls_peer_chain(s->conn, chain, CHAIN_MAX);

	for (i = 0; i < n && i < CHAIN_MAX; i++)
		fprintf(p->out, "  certificate %d: subject %s; issuer %s; notAfter %s\n", i,
		    chain[i].subject, chain[i].issuer, chain[i].not_after);
	if (n > CHAIN_MAX)
		fprintf(p->out, "  (%d more certificates)\n", n - CHAIN_MAX);
}

/* The session's watcher: one line for each step that succeeded. */
static void
epp_step(void *ctx, enum session_step step, const struct session *s)
{
	struct pf *p = ctx;
	const struct cfg_epp *c = &p->c->epp;
	const char *name = c->tls.server_name[0] ? c->tls.server_name : c->host;
	const struct rp_login *l = &s->login;
	char what[CFG_NAME + 32];

	p->next = (int)step + 1;
	switch (step) {
	case SESSION_STEP_TCP:
		snprintf(what, sizeof(what), "epp tcp %s:%s", c->host, c->port);
		ok_line(p, what, NULL);
		break;
	case SESSION_STEP_TLS:
		if (c->tls.verify)
			ok_line(p, epp_steps[step], "certificate verified for %s%s", name,
			    c->tls.cert_file[0] ? ", client certificate offered" : "");
		else
			ok_line(p, epp_steps[step], "certificate NOT verified (epp.tls.verify = "
			    "false)%s", c->tls.cert_file[0] ? ", client certificate offered" : "");
		print_chain(p, s);
		break;
	case SESSION_STEP_GREETING:
		ok_line(p, epp_steps[step], "svID %s; objects: %s; extensions: %s", l->svid,
		    l->offered_objs[0] ? l->offered_objs : "(none)",
		    l->offered_exts[0] ? l->offered_exts : "(none)");
		if (l->notes[0] != '\0')
			fprintf(p->out, "  note: %s\n", l->notes);
		break;
	case SESSION_STEP_LOGIN:
		ok_line(p, epp_steps[step], "as %s, version %s, lang %s; objects: %s; "
		    "extensions: %s", c->login, l->version, l->lang, l->objs,
		    l->exts[0] ? l->exts : "(none)");
		break;
	}
}

static void
logout(struct pf *p, struct session *s, struct cltrid_gen *gen)
{
	char cltrid[CLTRID_MAX + 1], why[600], *xml = NULL;
	struct eg_err err;
	const char *msg;
	size_t len;
	int code;

	cltrid_next(gen, cltrid);
	if (epp_build_logout(cltrid, &xml, &len, &err) == -1) {
		failed(p, "epp logout", 0, err.msg);
		return;
	}
	if (session_exchange(s, xml, len, cltrid, p->c->epp.command_timeout_ms, &err) !=
	    XCHG_OK) {
		failed(p, "epp logout", 0, err.msg);
	} else {
		/* the response's facts, valid until the next exchange (session.h) */
		code = epp_facts_code(&s->facts);
		msg = epp_facts_msg(&s->facts);
		if (code >= 1000 && code < 2000) {
			ok_line(p, "epp logout", "%d %s", code, msg ? msg : "");
		} else {
			snprintf(why, sizeof(why), "answered %d %s", code, msg ? msg : "");
			failed(p, "epp logout", 0, why);
		}
	}
	free(xml);
}

static void
check_epp(struct pf *p, struct eg_log *log)
{
	const struct cfg_epp *c = &p->c->epp;
	struct tls_opts o = {c->tls.ca_file[0] ? c->tls.ca_file : NULL,
	    c->tls.ca_dir[0] ? c->tls.ca_dir : NULL,
	    c->tls.cert_file[0] ? c->tls.cert_file : NULL,
	    c->tls.key_file[0] ? c->tls.key_file : NULL, c->tls.verify};
	struct session_watch watch = {epp_step, p};
	static struct session_creds creds;   /* large; secrets wiped before return */
	struct cltrid_gen gen;
	struct session_env env;
	struct session s;
	struct eg_err err;
	char step[CFG_NAME + 32], why[sizeof(err.msg) + 200];
	int fail;

	p->mark = eg_now_ms();
	memset(&env, 0, sizeof(env));
	if ((env.tls = tls_ctx_client(&o, &err)) == NULL) {
		failed(p, "epp tls", 1, err.msg);
		return;
	}
	cltrid_init(&gen, c->cltrid_prefix);
	pthread_mutex_init(&creds.mu, NULL);
	/* The current password only: a check never changes it at the registry. */
	memcpy(creds.pw, c->password, sizeof(creds.pw));
	explicit_bzero(creds.newpw, sizeof(creds.newpw));
	env.epp = c;
	env.cltrid = &gen;
	env.creds = &creds;
	env.log = log;
	env.watch = &watch;
	session_init(&s, 0, &env);
	p->next = SESSION_STEP_TCP;
	p->mark = eg_now_ms();
	if (session_open(&s, &err) == -1) {
		fail = s.fail;
		if (p->next == SESSION_STEP_TCP) {
			snprintf(step, sizeof(step), "epp tcp %s:%s", c->host, c->port);
		} else {
			snprintf(step, sizeof(step), "%s",
			    epp_steps[p->next <= SESSION_STEP_LOGIN ? p->next : SESSION_STEP_LOGIN]);
		}
		snprintf(why, sizeof(why), "%s", err.msg);
		if (fail == SESSION_FAIL_LOGIN_REFUSED && c->new_password[0] != '\0')
			snprintf(why + strlen(why), sizeof(why) - strlen(why), " (epp.new_password "
			    "is set: if the gate changed the password already, the new one is now "
			    "epp.password)");
		failed(p, step, session_fail_permanent(fail), why);
	} else {
		p->mark = eg_now_ms();
		logout(p, &s, &gen);
	}
	session_clear(&s);
	explicit_bzero(creds.pw, sizeof(creds.pw));
	pthread_mutex_destroy(&creds.mu);
	tls_ctx_free(env.tls);
}

int
preflight_run(const struct gate_config *c, FILE *out, FILE *errf)
{
	struct pf p;
	struct eg_log log;
	struct eg_err err;

	memset(&p, 0, sizeof(p));
	p.out = out;
	p.errf = errf;
	p.c = c;
	/* The modules' own log lines would interleave with the steps: warnings only. */
	if (eg_log_open(&log, "epp-gate", NULL, EG_LOG_WARN, &err) == -1) {
		fprintf(errf, "epp-gate: %s\n", err.msg);
		return 1;
	}
	check_broker(&p, &log);
	check_epp(&p, &log);
	if (p.status == 0)
		fprintf(out, "connection check OK\n");
	eg_log_close(&log);
	return p.status;
}
