/* SPDX-License-Identifier: MIT */
/*
 * eg-eppfloor - the benchmark's "EPP floor": the gate's own request path without the
 * broker. Each of S sessions (gate/session.h, as the gate's supervisor uses them) runs
 * requests one after the other: the request JSON text is parsed and built into a command
 * (epp_request_parse, epp_request_build with a fresh clTRID), exchanged with the registry
 * (session_exchange: write, read, XML to JSON text with the facts the gate reads, clTRID
 * check) and the reply text copied as the gate's job does. S sessions means S requests
 * in flight. The requests are eg-load's, for the same modes.
 *
 *   eg-eppfloor -p PORT --ca FILE [-H host] [-l CLID:PASSWORD] [-s sessions] [-n count]
 *               [-m check|info|mix|big-check|big-info] [-P prefix] [-t timeout_ms]
 *               [-o FILE] [-j]
 *
 * The setup phase (a contact, the domains that info and renew use) runs on the first
 * session and is not timed; the sessions log in before the clock starts. -o writes the
 * reply text of the first request to FILE. Prints one line of figures, or one JSON
 * object with -j, with eg-load's keys: requests, ok, epp_errors (2xxx), errors, seconds,
 * rps, latency p50/p90/p99/max in ms (from the request text to the reply text), and this
 * process's CPU time (user+system, getrusage) per request over the timed phase.
 */
#include <getopt.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "clock.h"
#include "cltrid.h"
#include "config.h"
#include "epp_cmd.h"
#include "../unit/latency.h"
#include "epp_resp.h"
#include "session.h"
#include "tls.h"
#include "xml2json.h"

struct floor {
	const char *mode, *prefix, *sample_file;
	long count;
	int nsessions, timeout_ms;
	struct gate_config cfg;
	struct tls_ctx *tls;
	struct cltrid_gen cltrid;
	struct session_creds creds;
	struct session_env env;
	struct session *sessions;
	long ndomains;
	char (*exdate)[11];            /* expiry date of each set-up domain, YYYY-MM-DD */
	atomic_long next;              /* next request index */
	atomic_long ok, epp_errors, errors;
	int64_t *lat_us;               /* by request index */
	pthread_mutex_t mu;            /* error lines */
};

struct worker {
	struct floor *f;
	struct session *s;
	pthread_t th;
};

/* One request of the gate's path. Returns the EPP result code, or -1 (gate error). With
 * sample set, the reply text is written there. */
static int
one(struct floor *f, struct session *s, const char *text, FILE *sample)
{
	char cltrid[CLTRID_MAX + 1], *reply;
	struct epp_request req;
	struct eg_err err = {EG_OK, ""};
	json_object *o;
	int code = -1, tries, resent = 0, got = 0;

	memset(&req, 0, sizeof(req));
	if ((o = epp_request_parse(text, strlen(text), &err)) == NULL)
		goto out;
	cltrid_next(&f->cltrid, cltrid);
	if (epp_request_build(o, cltrid, &req, &err) == -1)
		goto out;
	/* As the gate's executor: reopen a dropped session, re-send a query once. */
	for (tries = 0; tries < 3 && !got; tries++) {
		if (!s->up && session_open(s, &err) == -1)
			goto out;
		switch (session_exchange(s, req.xml, req.xml_len, req.cltrid, f->timeout_ms, &err)) {
		case XCHG_OK:
			got = 1;
			break;
		case XCHG_UNSENT:
			break;
		case XCHG_LOST:
			if (req.klass == EPP_CLASS_QUERY && !resent) {
				resent = 1;
				break;
			}
			goto out;
		default:
			goto out;
		}
	}
	if (!got)
		goto out;
	/* The gate's job copies the reply text out of the session. */
	if ((reply = malloc(s->reply.len + 1)) == NULL)
		goto out;
	memcpy(reply, s->reply.data, s->reply.len + 1);
	if (sample != NULL)
		fwrite(reply, 1, s->reply.len, sample);
	free(reply);
	code = epp_facts_code(&s->facts);
out:
	if (code < 0) {
		pthread_mutex_lock(&f->mu);
		if (atomic_load(&f->errors) < 5)
			fprintf(stderr, "eg-eppfloor: %s\n", err.msg[0] ? err.msg : "no reply");
		pthread_mutex_unlock(&f->mu);
	}
	json_object_put(o);
	epp_request_clear(&req);
	return code;
}

/* The request text of the i-th request, as eg-load builds it. */
static void
request_text(struct floor *f, long i, char *args, size_t cap)
{
	size_t off;
	int k;

	if (strcmp(f->mode, "mix") == 0) {
		switch (i % 4) {
		case 0:
			break;
		case 1:
			snprintf(args, cap, "{\"cmd\": \"domain_info\", \"args\": {\"name\": "
			    "\"%s-s%ld.example\"}}", f->prefix, i % f->ndomains);
			return;
		case 2:
			snprintf(args, cap, "{\"cmd\": \"domain_create\", \"args\": {\"name\": "
			    "\"%s-n%ld.example\", \"registrant\": \"%.10s-c\", \"period\": 1, "
			    "\"contacts\": {\"admin\": \"%.10s-c\"}, \"auth_info\": \"load-pw-3\"}}",
			    f->prefix, i, f->prefix, f->prefix);
			return;
		default: {
			/* each set-up domain is renewed once per run (there are count/4+1) */
			long d = (i / 4) % f->ndomains;

			snprintf(args, cap, "{\"cmd\": \"domain_renew\", \"args\": {\"name\": "
			    "\"%s-s%ld.example\", \"cur_exp_date\": \"%s\", \"period\": 1}}", f->prefix,
			    d, f->exdate[d]);
			return;
		}
		}
	}
	if (strcmp(f->mode, "info") == 0 || strcmp(f->mode, "big-info") == 0) {
		snprintf(args, cap, "{\"cmd\": \"domain_info\", \"args\": {\"name\": "
		    "\"%s-s%ld.example\"}}", f->prefix, i % f->ndomains);
		return;
	}
	if (strcmp(f->mode, "big-check") == 0) {
		off = (size_t)snprintf(args, cap, "{\"cmd\": \"domain_check\", \"args\": "
		    "{\"domains\": [");
		for (k = 0; k < 50; k++)
			off += (size_t)snprintf(args + off, cap - off, "%s\"%s-b%ld-%d.example\"",
			    k ? ", " : "", f->prefix, i, k);
		snprintf(args + off, cap - off, "]}}");
		return;
	}
	snprintf(args, cap, "{\"cmd\": \"domain_check\", \"args\": {\"domains\": "
	    "[\"%s-%ld.example\"]}}", f->prefix, i);
}

/* A synchronous call for the setup phase; the converted response (caller puts) or NULL. */
static json_object *
setup_call(struct floor *f, const char *text)
{
	char cltrid[CLTRID_MAX + 1];
	struct epp_request req;
	struct eg_err err = {EG_OK, ""};
	json_object *o, *resp = NULL;
	struct session *s = &f->sessions[0];

	memset(&req, 0, sizeof(req));
	if ((o = epp_request_parse(text, strlen(text), &err)) == NULL)
		goto out;
	cltrid_next(&f->cltrid, cltrid);
	if (epp_request_build(o, cltrid, &req, &err) == -1)
		goto out;
	if ((s->up || session_open(s, &err) == 0) &&
	    session_exchange(s, req.xml, req.xml_len, req.cltrid, 30000, &err) == XCHG_OK) {
		if (epp_facts_code(&s->facts) >= 2000)
			snprintf(err.msg, sizeof(err.msg), "%d %s", epp_facts_code(&s->facts),
			    epp_facts_msg(&s->facts) ? epp_facts_msg(&s->facts) : "");
		else
			resp = json_tokener_parse(s->reply.data);
	}
out:
	if (resp == NULL)
		fprintf(stderr, "eg-eppfloor: setup: %s\n", err.msg);
	json_object_put(o);
	epp_request_clear(&req);
	return resp;
}

static int
setup(struct floor *f)
{
	char text[1024];
	json_object *r, *o;
	const char *ex;
	long i, n;

	if (strcmp(f->mode, "info") != 0 && strcmp(f->mode, "mix") != 0 &&
	    strcmp(f->mode, "big-info") != 0)
		return 0;
	snprintf(text, sizeof(text), "{\"cmd\": \"contact_create\", \"args\": {\"id\": "
	    "\"%.10s-c\", \"email\": \"load@example.net\", \"auth_info\": \"load-pw-1\", "
	    "\"contacts\": [{\"type\": \"int\", \"name\": \"Load\", \"address\": {\"street\": "
	    "\"1 Road\", \"city\": \"Town\", \"cc\": \"DE\"}}]}}", f->prefix);
	if ((r = setup_call(f, text)) == NULL)
		return -1;
	json_object_put(r);
	n = strcmp(f->mode, "mix") == 0 ? f->count / 4 + 1 : 16;
	if ((f->exdate = calloc((size_t)n, sizeof(*f->exdate))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "{\"cmd\": \"domain_create\", \"args\": {\"name\": "
		    "\"%s-s%ld.example\", \"registrant\": \"%.10s-c\", \"period\": 1, \"contacts\": "
		    "{\"admin\": \"%.10s-c\"}, \"auth_info\": \"load-pw-2\"}}", f->prefix, i,
		    f->prefix, f->prefix);
		if ((r = setup_call(f, text)) == NULL)
			return -1;
		ex = NULL;
		if (json_object_object_get_ex(r, "epp", &o) &&
		    json_object_object_get_ex(o, "response", &o) &&
		    json_object_object_get_ex(o, "resData", &o) &&
		    json_object_object_get_ex(o, "creData", &o) &&
		    json_object_object_get_ex(o, "exDate", &o))
			ex = json_object_get_string(o);
		if (ex == NULL || strlen(ex) < 10) {
			fprintf(stderr, "eg-eppfloor: setup domain_create: no exDate\n");
			json_object_put(r);
			return -1;
		}
		memcpy(f->exdate[i], ex, 10);
		json_object_put(r);
	}
	f->ndomains = n;
	return 0;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct floor *f = w->f;
	char text[4096];
	FILE *sample;
	int64_t t0;
	long i;
	int code;

	while ((i = atomic_fetch_add(&f->next, 1)) < f->count) {
		request_text(f, i, text, sizeof(text));
		sample = NULL;
		if (i == 0 && f->sample_file != NULL && (sample = fopen(f->sample_file, "w")) == NULL)
			perror(f->sample_file);
		t0 = eg_now_us();
		code = one(f, w->s, text, sample);
		f->lat_us[i] = eg_now_us() - t0;
		if (sample != NULL)
			fclose(sample);
		if (code >= 1000 && code < 2000)
			atomic_fetch_add(&f->ok, 1);
		else if (code >= 2000)
			atomic_fetch_add(&f->epp_errors, 1);
		else
			atomic_fetch_add(&f->errors, 1);
	}
	return NULL;
}

/* User+system CPU time of this process, microseconds. */
static int64_t
cpu_us(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
	    ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
}

static void
usage(void)
{
	fprintf(stderr, "usage: eg-eppfloor -p PORT --ca FILE [-H host] [-l CLID:PASSWORD] "
	    "[-s sessions] [-n count]\n"
	    "       [-m check|info|mix|big-check|big-info] [-P prefix] [-t timeout_ms] "
	    "[-o FILE] [-j]\n");
	exit(64);
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{"ca", required_argument, NULL, 'c'}, {NULL, 0, NULL, 0},
	};
	static struct floor f;      /* large (the config): not on the stack */
	struct cfg_epp *e = &f.cfg.epp;
	struct tls_opts to;
	struct eg_err err;
	struct worker *ws = NULL;
	const char *login = "registrar1:password-one", *colon;
	double secs;
	size_t cnt;
	int64_t t0, cpu0, cpu;
	int ch, i, json = 0, rc = 1;
	long n;

	gate_config_defaults(&f.cfg);
	snprintf(e->host, sizeof(e->host), "127.0.0.1");
	f.mode = "check";
	f.prefix = "floor";
	f.count = 1000;
	f.nsessions = 1;
	f.timeout_ms = 30000;
	while ((ch = getopt_long(argc, argv, "H:p:l:s:n:m:P:t:o:j", lo, NULL)) != -1) {
		switch (ch) {
		case 'H': snprintf(e->host, sizeof(e->host), "%s", optarg); break;
		case 'p': snprintf(e->port, sizeof(e->port), "%s", optarg); break;
		case 'c': snprintf(e->tls.ca_file, sizeof(e->tls.ca_file), "%s", optarg); break;
		case 'l': login = optarg; break;
		case 's': f.nsessions = atoi(optarg); break;
		case 'n': f.count = atol(optarg); break;
		case 'm': f.mode = optarg; break;
		case 'P': f.prefix = optarg; break;
		case 't': f.timeout_ms = atoi(optarg); break;
		case 'o': f.sample_file = optarg; break;
		case 'j': json = 1; break;
		default: usage();
		}
	}
	if (optind != argc || f.count < 1 || f.nsessions < 1 || f.nsessions > 256 ||
	    (colon = strchr(login, ':')) == NULL)
		usage();
	snprintf(e->login, sizeof(e->login), "%.*s", (int)(colon - login), login);
	snprintf(e->password, sizeof(e->password), "%s", colon + 1);
	e->sessions = f.nsessions;
	e->keepalive_s = 0;
	e->command_timeout_ms = f.timeout_ms;

	signal(SIGPIPE, SIG_IGN);
	xmlInitParser();
	memset(&to, 0, sizeof(to));
	to.ca_file = e->tls.ca_file[0] ? e->tls.ca_file : NULL;
	to.verify = 1;
	if ((f.tls = tls_ctx_client(&to, &err)) == NULL) {
		fprintf(stderr, "eg-eppfloor: %s\n", err.msg);
		return 1;
	}
	cltrid_init(&f.cltrid, "floor");
	pthread_mutex_init(&f.creds.mu, NULL);
	pthread_mutex_init(&f.mu, NULL);
	memcpy(f.creds.pw, e->password, sizeof(f.creds.pw));
	f.env.epp = e;
	f.env.tls = f.tls;
	f.env.cltrid = &f.cltrid;
	f.env.creds = &f.creds;
	f.env.rl = NULL;
	f.env.log = NULL;
	f.lat_us = calloc((size_t)f.count, sizeof(*f.lat_us));
	f.sessions = calloc((size_t)f.nsessions, sizeof(*f.sessions));
	ws = calloc((size_t)f.nsessions, sizeof(*ws));
	if (f.lat_us == NULL || f.sessions == NULL || ws == NULL)
		goto out;
	for (i = 0; i < f.nsessions; i++)
		session_init(&f.sessions[i], i, &f.env);
	for (i = 0; i < f.nsessions; i++)
		if (session_open(&f.sessions[i], &err) == -1) {
			fprintf(stderr, "eg-eppfloor: session %d: %s\n", i, err.msg);
			goto out;
		}
	if (setup(&f) == -1)
		goto out;
	t0 = eg_now_us();
	cpu0 = cpu_us();
	for (i = 0; i < f.nsessions; i++) {
		ws[i].f = &f;
		ws[i].s = &f.sessions[i];
		if (f.nsessions == 1)
			work(&ws[i]);
		else if (pthread_create(&ws[i].th, NULL, work, &ws[i]) != 0) {
			fprintf(stderr, "eg-eppfloor: cannot start a thread\n");
			exit(1);
		}
	}
	for (i = 0; f.nsessions > 1 && i < f.nsessions; i++)
		pthread_join(ws[i].th, NULL);
	secs = (double)(eg_now_us() - t0) / 1e6;
	cpu = cpu_us() - cpu0;
	n = f.count;
	cnt = (size_t)n;
	lat_sort(f.lat_us, cnt);
	if (json)
		printf("{\"mode\": \"%s\", \"sessions\": %d, \"window\": %d, \"requests\": %ld, "
		    "\"ok\": %ld, \"epp_errors\": %ld, \"errors\": %ld, \"seconds\": %.3f, "
		    "\"rps\": %.1f, \"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, "
		    "\"max_ms\": %.3f, \"self_cpu_us_per_req\": %.2f}\n", f.mode, f.nsessions,
		    f.nsessions, n, atomic_load(&f.ok), atomic_load(&f.epp_errors),
		    atomic_load(&f.errors), secs, (double)n / secs, lat_pct_ms(f.lat_us, cnt, .5),
		    lat_pct_ms(f.lat_us, cnt, .9), lat_pct_ms(f.lat_us, cnt, .99), lat_pct_ms(f.lat_us, cnt, 1),
		    (double)cpu / (double)n);
	else
		printf("mode %s sessions %d requests %ld ok %ld epp_errors %ld errors %ld "
		    "seconds %.3f rps %.1f p50_ms %.3f p99_ms %.3f\n", f.mode, f.nsessions, n,
		    atomic_load(&f.ok), atomic_load(&f.epp_errors), atomic_load(&f.errors), secs,
		    (double)n / secs, lat_pct_ms(f.lat_us, cnt, .5), lat_pct_ms(f.lat_us, cnt, .99));
	rc = atomic_load(&f.errors) > 0 ? 1 : 0;
	for (i = 0; i < f.nsessions; i++)
		session_close(&f.sessions[i]);
out:
	for (i = 0; f.sessions != NULL && i < f.nsessions; i++)
		session_clear(&f.sessions[i]);
	free(f.sessions);
	free(ws);
	free(f.lat_us);
	free(f.exdate);
	tls_ctx_free(f.tls);
	explicit_bzero(f.creds.pw, sizeof(f.creds.pw));
	gate_config_wipe(&f.cfg);
	xmlCleanupParser();
	return rc;
}
