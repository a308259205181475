/* SPDX-License-Identifier: MIT */
/*
 * eg-load - load generator for the benchmarks and the scaling tests: one thread, the
 * client library's pipelined API, WINDOW requests in flight.
 *
 *   eg-load [-H host] [-p port] [-q queue] [-w window] [-n count] [-t timeout_ms]
 *           [-m check|info|mix|big-check|big-info] [-P prefix] [-C pid] [-j]
 *
 * Mixes: check (domain_check of one name), info (domain_info of a domain created in
 * a setup phase), mix (check, info, create of a new domain, renew of a set-up domain,
 * in turn), big-check (domain_check of 50 names), big-info (domain_info; meant for an
 * epp-sim with --info-pad). The setup phase (contact, domains for info and renew) is
 * not timed. Prints one line of figures, or one JSON object with -j: requests, ok,
 * epp_errors (2xxx), errors (gate error, timeout, transport), seconds, rps, and
 * latency p50/p90/p99/max in ms from submit to reply.
 *
 * -C PID (the gate's) adds its CPU time over the timed phase only (the setup excluded):
 * utime+stime from /proc/PID/stat (cpu_ticks, cpu_us_per_req) and the sum of its
 * threads' run time from /proc/PID/task/x/schedstat (ns resolution: sched_us_per_req),
 * its threads' context switches per request (ctxsw_per_req), and its VmRSS, VmHWM,
 * RssAnon and RssFile (kB) after the run.
 */
#include <dirent.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "eppgate-rpc.h"
#include "../unit/latency.h"

struct load {
	egrpc_ctx *c;
	const char *mode, *prefix;
	long count, window;
	int timeout_ms;
	/* set-up domains, for info and renew */
	long ndomains;
	char (*exdate)[11];       /* current expiry date of each, YYYY-MM-DD */
	long next_renew;
	/* results */
	int64_t *lat_us;          /* by request index */
	int64_t *t_submit;        /* by request index */
	uint64_t first_id;
	long ok, epp_errors, errors;
	/* the watched process (-C) */
	long pid;
	long ticks0, ticks1;
	int64_t sched0, sched1;   /* ns */
	long csw0, csw1;          /* context switches, voluntary and not */
};

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* utime+stime of a process in clock ticks, or -1. */
static long
proc_ticks(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the name in parentheses may hold spaces: fields are counted after the last ')' */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

/* The run time of every thread of a process, in ns (schedstat), or -1; with csw, the sum
 * of their context switches there. */
static int64_t
proc_sched_ns(long pid, long *csw)
{
	char path[320], line[256];
	struct dirent *d;
	long long ns;
	int64_t sum = 0;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/task", pid);
	if ((dir = opendir(path)) == NULL)
		return -1;
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/task/%.32s/schedstat", pid, d->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%lld", &ns) == 1)
			sum += ns;
		fclose(f);
		snprintf(path, sizeof(path), "/proc/%ld/task/%.32s/status", pid, d->d_name);
		if (csw == NULL || (f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL)
			if (strstr(line, "_ctxt_switches:") != NULL)
				*csw += atol(strchr(line, ':') + 1);
		fclose(f);
	}
	closedir(dir);
	return sum;
}

/* A "Name:   N kB" line of /proc/PID/status, or -1. */
static long
proc_status_kb(long pid, const char *name)
{
	char path[64], line[256];
	size_t n = strlen(name);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			v = atol(line + n + 1);
			break;
		}
	fclose(f);
	return v;
}

/* A synchronous call for the setup phase; returns the reply (caller frees) or NULL. */
static egrpc_reply *
setup_call(struct load *l, const char *cmd, const char *args)
{
	egrpc_reply *r = NULL;
	int st = egrpc_call_text(l->c, cmd, args, 30000, &r);

	if (st != EGRPC_OK && st != EGRPC_EEPP) {
		fprintf(stderr, "eg-load: setup %s: %s\n", cmd, l->c->errstr);
		egrpc_reply_free(r);
		return NULL;
	}
	return r;
}

static int
setup(struct load *l)
{
	char args[512];
	egrpc_reply *r;
	json_object *o;
	const char *ex;
	long i, n;

	if (strcmp(l->mode, "info") != 0 && strcmp(l->mode, "mix") != 0 &&
	    strcmp(l->mode, "big-info") != 0)
		return 0;
	snprintf(args, sizeof(args), "{\"id\": \"%.10s-c\", \"email\": \"load@example.net\", "
	    "\"auth_info\": \"load-pw-1\", \"contacts\": [{\"type\": \"int\", \"name\": \"Load\", "
	    "\"address\": {\"street\": \"1 Road\", \"city\": \"Town\", \"cc\": \"DE\"}}]}",
	    l->prefix);
	if ((r = setup_call(l, "contact_create", args)) == NULL)
		return -1;
	egrpc_reply_free(r);
	n = strcmp(l->mode, "mix") == 0 ? l->count / 4 + 1 : 16;
	if ((l->exdate = calloc((size_t)n, sizeof(*l->exdate))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		snprintf(args, sizeof(args), "{\"name\": \"%s-s%ld.example\", \"registrant\": "
		    "\"%.10s-c\", \"period\": 1, \"contacts\": {\"admin\": \"%.10s-c\"}, "
		    "\"auth_info\": \"load-pw-2\"}", l->prefix, i, l->prefix, l->prefix);
		if ((r = setup_call(l, "domain_create", args)) == NULL)
			return -1;
		ex = NULL;
		if (r->json != NULL && json_object_object_get_ex(r->json, "epp", &o) &&
		    json_object_object_get_ex(o, "response", &o) &&
		    json_object_object_get_ex(o, "resData", &o) &&
		    json_object_object_get_ex(o, "creData", &o) &&
		    json_object_object_get_ex(o, "exDate", &o))
			ex = json_object_get_string(o);
		if (ex == NULL || strlen(ex) < 10) {
			fprintf(stderr, "eg-load: setup domain_create: %s\n", r->msg);
			egrpc_reply_free(r);
			return -1;
		}
		memcpy(l->exdate[i], ex, 10);
		egrpc_reply_free(r);
	}
	l->ndomains = n;
	return 0;
}

/* The i-th request of the run. */
static uint64_t
submit(struct load *l, long i)
{
	char args[4096];
	const char *cmd = "domain_check";
	size_t off;
	int k;

	if (strcmp(l->mode, "mix") == 0) {
		switch (i % 4) {
		case 0:
			break;
		case 1:
			cmd = "domain_info";
			snprintf(args, sizeof(args), "{\"name\": \"%s-s%ld.example\"}", l->prefix,
			    i % l->ndomains);
			return egrpc_submit_text(l->c, cmd, args, l->timeout_ms);
		case 2:
			cmd = "domain_create";
			snprintf(args, sizeof(args), "{\"name\": \"%s-n%ld.example\", \"registrant\": "
			    "\"%.10s-c\", \"period\": 1, \"contacts\": {\"admin\": \"%.10s-c\"}, "
			    "\"auth_info\": \"load-pw-3\"}", l->prefix, i, l->prefix, l->prefix);
			return egrpc_submit_text(l->c, cmd, args, l->timeout_ms);
		default: {
			long d = l->next_renew++ % l->ndomains;

			cmd = "domain_renew";
			snprintf(args, sizeof(args), "{\"name\": \"%s-s%ld.example\", \"cur_exp_date\": "
			    "\"%s\", \"period\": 1}", l->prefix, d, l->exdate[d]);
			/* the next renew of this domain starts from a year later */
			snprintf(l->exdate[d], sizeof(l->exdate[d]), "%04d%s",
			    atoi(l->exdate[d]) + 1, l->exdate[d] + 4);
			return egrpc_submit_text(l->c, cmd, args, l->timeout_ms);
		}
		}
	}
	if (strcmp(l->mode, "info") == 0 || strcmp(l->mode, "big-info") == 0) {
		snprintf(args, sizeof(args), "{\"name\": \"%s-s%ld.example\"}", l->prefix,
		    i % l->ndomains);
		return egrpc_submit_text(l->c, "domain_info", args, l->timeout_ms);
	}
	if (strcmp(l->mode, "big-check") == 0) {
		off = (size_t)snprintf(args, sizeof(args), "{\"domains\": [");
		for (k = 0; k < 50; k++)
			off += (size_t)snprintf(args + off, sizeof(args) - off, "%s\"%s-b%ld-%d.example\"",
			    k ? ", " : "", l->prefix, i, k);
		snprintf(args + off, sizeof(args) - off, "]}");
		return egrpc_submit_text(l->c, cmd, args, l->timeout_ms);
	}
	snprintf(args, sizeof(args), "{\"domains\": [\"%s-%ld.example\"]}", l->prefix, i);
	return egrpc_submit_text(l->c, cmd, args, l->timeout_ms);
}

static int
run(struct load *l, double *seconds)
{
	egrpc_reply *r;
	long sent = 0, done = 0, idx;
	int64_t t0;
	uint64_t id;

	if (l->pid > 0) {
		l->ticks0 = proc_ticks(l->pid);
		l->sched0 = proc_sched_ns(l->pid, &l->csw0);
	}
	t0 = now_us();
	while (done < l->count) {
		while (sent < l->count && sent - done < l->window) {
			l->t_submit[sent] = now_us();
			if ((id = submit(l, sent)) == 0) {
				fprintf(stderr, "eg-load: submit: %s\n", l->c->errstr);
				return -1;
			}
			if (sent == 0)
				l->first_id = id;
			sent++;
		}
		if ((r = egrpc_collect(l->c, -1)) == NULL) {
			fprintf(stderr, "eg-load: collect: %s\n", l->c->errstr);
			return -1;
		}
		idx = (long)(r->id - l->first_id);
		if (idx >= 0 && idx < l->count)
			l->lat_us[idx] = now_us() - l->t_submit[idx];
		if (r->status == EGRPC_OK)
			l->ok++;
		else if (r->status == EGRPC_EEPP)
			l->epp_errors++;
		else {
			if (l->errors < 5)
				fprintf(stderr, "eg-load: %s: %s\n", egrpc_status_str(r->status), r->msg);
			l->errors++;
		}
		egrpc_reply_free(r);
		done++;
	}
	*seconds = (double)(now_us() - t0) / 1e6;
	if (l->pid > 0) {
		l->ticks1 = proc_ticks(l->pid);
		l->sched1 = proc_sched_ns(l->pid, &l->csw1);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	egrpc_options o;
	struct load l;
	double secs = 0;
	size_t cnt;
	int ch, json = 0, rc = 1;

	egrpc_options_init(&o);
	o.no_env = 1;
	o.host = "127.0.0.1";
	memset(&l, 0, sizeof(l));
	l.mode = "check";
	l.prefix = "load";
	l.count = 1000;
	l.window = 1;
	l.timeout_ms = 30000;
	while ((ch = getopt(argc, argv, "H:p:q:w:n:t:m:P:C:j")) != -1) {
		switch (ch) {
		case 'H': o.host = optarg; break;
		case 'p': o.port = atoi(optarg); break;
		case 'q': o.queue = optarg; break;
		case 'w': l.window = atol(optarg); break;
		case 'n': l.count = atol(optarg); break;
		case 't': l.timeout_ms = atoi(optarg); break;
		case 'm': l.mode = optarg; break;
		case 'P': l.prefix = optarg; break;
		case 'C': l.pid = atol(optarg); break;
		case 'j': json = 1; break;
		default:
			fprintf(stderr, "usage: eg-load [-H host] [-p port] [-q queue] [-w window] "
			    "[-n count] [-t timeout_ms] [-m check|info|mix|big-check|big-info] "
			    "[-P prefix] [-C pid] [-j]\n");
			return 64;
		}
	}
	if (l.count < 1 || l.window < 1)
		return 64;
	cnt = (size_t)l.count;
	l.lat_us = calloc(cnt, sizeof(*l.lat_us));
	l.t_submit = calloc(cnt, sizeof(*l.t_submit));
	if (l.lat_us == NULL || l.t_submit == NULL)
		goto out;
	l.c = egrpc_connect_with_options(&o);
	if (l.c == NULL || l.c->err) {
		fprintf(stderr, "eg-load: connect: %s\n", l.c ? l.c->errstr : "out of memory");
		goto out;
	}
	if (setup(&l) == -1 || run(&l, &secs) == -1)
		goto out;
	lat_sort(l.lat_us, cnt);
	if (json) {
		printf("{\"mode\": \"%s\", \"window\": %ld, \"requests\": %ld, \"ok\": %ld, "
		    "\"epp_errors\": %ld, \"errors\": %ld, \"seconds\": %.3f, \"rps\": %.1f, "
		    "\"p50_ms\": %.3f, \"p90_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f",
		    l.mode, l.window, l.count, l.ok, l.epp_errors, l.errors, secs,
		    (double)l.count / secs, lat_pct_ms(l.lat_us, cnt, .5), lat_pct_ms(l.lat_us, cnt, .9),
		    lat_pct_ms(l.lat_us, cnt, .99), lat_pct_ms(l.lat_us, cnt, 1));
		if (l.pid > 0 && l.ticks0 >= 0 && l.ticks1 >= 0 && l.sched0 >= 0 && l.sched1 >= 0)
			printf(", \"cpu_ticks\": %ld, \"cpu_us_per_req\": %.2f, "
			    "\"sched_us_per_req\": %.2f, \"ctxsw_per_req\": %.2f, \"rss_kb\": %ld, "
			    "\"hwm_kb\": %ld, \"rss_anon_kb\": %ld, \"rss_file_kb\": %ld",
			    l.ticks1 - l.ticks0, (double)(l.ticks1 - l.ticks0) * 1e6 /
			    (double)sysconf(_SC_CLK_TCK) / (double)l.count,
			    (double)(l.sched1 - l.sched0) / 1e3 / (double)l.count,
			    (double)(l.csw1 - l.csw0) / (double)l.count, proc_status_kb(l.pid, "VmRSS"),
			    proc_status_kb(l.pid, "VmHWM"), proc_status_kb(l.pid, "RssAnon"),
			    proc_status_kb(l.pid, "RssFile"));
		printf("}\n");
	} else
		printf("mode %s window %ld requests %ld ok %ld epp_errors %ld errors %ld seconds %.3f "
		    "rps %.1f p50_ms %.3f p99_ms %.3f\n", l.mode, l.window, l.count, l.ok,
		    l.epp_errors, l.errors, secs, (double)l.count / secs, lat_pct_ms(l.lat_us, cnt, .5),
		    lat_pct_ms(l.lat_us, cnt, .99));
	rc = l.errors > 0 ? 1 : 0;
out:
	egrpc_free(l.c);
	free(l.lat_us);
	free(l.t_submit);
	free(l.exdate);
	return rc;
}
