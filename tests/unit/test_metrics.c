/* SPDX-License-Identifier: MIT */
/*
 * Metrics: the Prometheus text file parsed back line by line, histogram
 * counts and sums, bounded label sets, percentiles for gate_status, the
 * atomic replacement of the file (a reader thread never sees half a file
 * while a writer rewrites it in a loop), and the last file a stopped gate
 * leaves: eppgate_up 0, no session up, nothing in flight, counters kept.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "tap.h"

static char dir[256];
static char path[512];

/* ---- a small parser for text format 0.0.4 ------------------------------------ */

#define MAXF 32
#define MAXS 1024

struct sample {
	char name[96];
	char labels[256];   /* as written between the braces */
	double value;
};

struct parsed {
	char fam[MAXF][64];
	char type[MAXF][16];
	int help[MAXF];
	int nfam;
	struct sample s[MAXS];
	int ns;
	char why[256];      /* first problem found, "" when the text is well-formed */
};

static int
name_ok(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || (p[0] >= '0' && p[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
		    (p[i] >= '0' && p[i] <= '9') || p[i] == '_' || p[i] == ':'))
			return 0;
	return 1;
}

static int
fam_find(struct parsed *p, const char *name)
{
	int i;

	for (i = 0; i < p->nfam; i++)
		if (strcmp(p->fam[i], name) == 0)
			return i;
	return -1;
}

/* The family a sample belongs to (histograms add _bucket, _sum, _count). */
static int
fam_of(struct parsed *p, const char *sample)
{
	static const char *const sfx[] = {"_bucket", "_sum", "_count"};
	char base[96];
	size_t n = strlen(sample), k, i;
	int f;

	if ((f = fam_find(p, sample)) != -1 && strcmp(p->type[f], "histogram") != 0)
		return f;
	for (i = 0; i < 3; i++) {
		k = strlen(sfx[i]);
		if (n > k && strcmp(sample + n - k, sfx[i]) == 0) {
			snprintf(base, sizeof(base), "%.*s", (int)(n - k), sample);
			if ((f = fam_find(p, base)) != -1 && strcmp(p->type[f], "histogram") == 0)
				return f;
		}
	}
	return -1;
}

/* Label list: name="value" pairs separated by commas, escapes \\ \" \n. */
static int
labels_ok(const char *p)
{
	const char *q;

	while (*p != '\0') {
		q = p;
		while (*q != '=' && *q != '\0')
			q++;
		if (*q != '=' || !name_ok(p, (size_t)(q - p)) || q[1] != '"')
			return 0;
		for (q += 2; *q != '"'; q++) {
			if (*q == '\0')
				return 0;
			if (*q == '\\' && (q[1] == '\\' || q[1] == '"' || q[1] == 'n'))
				q++;
			else if (*q == '\\' || *q == '\n')
				return 0;
		}
		p = q + 1;
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return 0;
	}
	return 1;
}

static void
parse(struct parsed *p, char *text)
{
	char *line, *save = NULL, *sp, *end, *brace;
	struct sample *s;
	int f, lineno = 0;

	memset(p, 0, sizeof(*p));
	if (text[0] == '\0' || text[strlen(text) - 1] != '\n') {
		snprintf(p->why, sizeof(p->why), "text does not end with a newline");
		return;
	}
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0) {
			sp = strchr(line + 7, ' ');
			if (sp == NULL || !name_ok(line + 7, (size_t)(sp - line - 7))) {
				snprintf(p->why, sizeof(p->why), "line %d: bad comment", lineno);
				return;
			}
			*sp = '\0';
			if ((f = fam_find(p, line + 7)) == -1) {
				if (p->nfam == MAXF || line[2] == 'T') {
					/* HELP comes first here, then TYPE, before any sample */
					snprintf(p->why, sizeof(p->why), "line %d: TYPE without HELP",
					    lineno);
					return;
				}
				f = p->nfam++;
				snprintf(p->fam[f], sizeof(p->fam[f]), "%s", line + 7);
			}
			if (line[2] == 'H') {
				p->help[f]++;
			} else {
				if (p->type[f][0] != '\0' || (strcmp(sp + 1, "counter") != 0 &&
				    strcmp(sp + 1, "gauge") != 0 && strcmp(sp + 1, "histogram") != 0)) {
					snprintf(p->why, sizeof(p->why), "line %d: bad TYPE", lineno);
					return;
				}
				snprintf(p->type[f], sizeof(p->type[f]), "%s", sp + 1);
			}
			continue;
		}
		if (line[0] == '#')
			continue;
		if (p->ns == MAXS) {
			snprintf(p->why, sizeof(p->why), "too many samples");
			return;
		}
		s = &p->s[p->ns++];
		brace = strchr(line, '{');
		sp = strchr(line, ' ');
		if (sp == NULL) {
			snprintf(p->why, sizeof(p->why), "line %d: no value", lineno);
			return;
		}
		if (brace != NULL && brace < sp) {
			end = strstr(brace, "} ");
			if (end == NULL) {
				snprintf(p->why, sizeof(p->why), "line %d: open brace", lineno);
				return;
			}
			snprintf(s->labels, sizeof(s->labels), "%.*s", (int)(end - brace - 1), brace + 1);
			snprintf(s->name, sizeof(s->name), "%.*s", (int)(brace - line), line);
			sp = end + 1;
		} else {
			snprintf(s->name, sizeof(s->name), "%.*s", (int)(sp - line), line);
		}
		if (!name_ok(s->name, strlen(s->name)) || !labels_ok(s->labels)) {
			snprintf(p->why, sizeof(p->why), "line %d: bad name or labels", lineno);
			return;
		}
		s->value = strtod(sp + 1, &end);
		if (end == sp + 1 || *end != '\0') {
			snprintf(p->why, sizeof(p->why), "line %d: bad value '%s'", lineno, sp + 1);
			return;
		}
		if ((f = fam_of(p, s->name)) == -1 || p->type[f][0] == '\0' || p->help[f] != 1) {
			snprintf(p->why, sizeof(p->why), "line %d: %s has no HELP/TYPE", lineno,
			    s->name);
			return;
		}
	}
}

static double
value_of(const struct parsed *p, const char *name, const char *labels)
{
	int i;

	for (i = 0; i < p->ns; i++)
		if (strcmp(p->s[i].name, name) == 0 && strcmp(p->s[i].labels, labels) == 0)
			return p->s[i].value;
	return -1;
}

static int
parse_file(struct parsed *p)
{
	char *text = tap_slurp(path, NULL);

	if (text == NULL)
		return -1;
	parse(p, text);
	free(text);
	return p->why[0] == '\0' ? 0 : -1;
}

/* ---- tests ------------------------------------------------------------------- */

static void
test_text_format(void)
{
	static struct parsed p;
	struct metrics *m = metrics_new(3);
	struct eg_err e;
	double prev = -1;
	int i, mono = 1, nb = 0;

	metrics_request(m, "domain_info", 1000, 50);            /* le 0.0001 */
	metrics_request(m, "domain_info", 1000, 200);           /* le 0.00025 */
	metrics_request(m, "domain_info", 1000, 1000);          /* le 0.001: bounds are inclusive */
	metrics_request(m, "domain_info", -1, 3000);            /* le 0.005 */
	metrics_request(m, "domain_create", 2302, 2000000);     /* le 2.5 */
	metrics_request(m, "domain_create", 2302, 40000000);    /* +Inf */
	metrics_sessions_up(m, 2);
	metrics_in_flight(m, 1);
	metrics_reconnect(m);
	metrics_reconnect(m);
	metrics_broker_reconnect(m);
	metrics_journal_entries(m, 7);
	metrics_broker_refusal(m, "access");
	metrics_broker_refusal(m, "access");
	metrics_broker_refusal(m, "made-up");
	metrics_broker_cancel(m);
	metrics_broker_blocked(m, 1);
	tap_is_int(metrics_write(m, path, &e), 0, "metrics_write");
	if (!tap_ok(parse_file(&p) == 0, "the file parses as text format 0.0.4"))
		tap_diag("%s", p.why);
	tap_is_int(p.nfam, 13, "thirteen families, each with HELP and TYPE");
	tap_is_str(p.type[fam_find(&p, "eppgate_up")], "gauge", "eppgate_up is a gauge");
	tap_ok(value_of(&p, "eppgate_up", "") == 1, "eppgate_up 1 while running");
	tap_is_str(p.type[fam_find(&p, "eppgate_request_duration_seconds")], "histogram",
	    "duration is a histogram");
	tap_is_str(p.type[fam_find(&p, "eppgate_requests_total")], "counter",
	    "requests_total is a counter");
	tap_ok(value_of(&p, "eppgate_requests_total", "cmd=\"domain_info\",code=\"1000\"") == 3,
	    "requests_total{domain_info,1000} = 3");
	tap_ok(value_of(&p, "eppgate_requests_total", "cmd=\"domain_info\",code=\"error\"") == 1,
	    "requests_total{domain_info,error} = 1");
	tap_ok(value_of(&p, "eppgate_requests_total", "cmd=\"domain_create\",code=\"2302\"") == 2,
	    "requests_total{domain_create,2302} = 2");
	tap_ok(value_of(&p, "eppgate_request_duration_seconds_bucket", "le=\"0.0001\"") == 1,
	    "bucket 0.1 ms holds 1");
	tap_ok(value_of(&p, "eppgate_request_duration_seconds_bucket", "le=\"0.001\"") == 3,
	    "bucket 1 ms holds 3 (cumulative, inclusive bound)");
	tap_ok(value_of(&p, "eppgate_request_duration_seconds_bucket", "le=\"0.005\"") == 4,
	    "bucket 5 ms holds 4");
	tap_ok(value_of(&p, "eppgate_request_duration_seconds_bucket", "le=\"30\"") == 5,
	    "bucket 30 s holds 5");
	tap_ok(value_of(&p, "eppgate_request_duration_seconds_bucket", "le=\"+Inf\"") == 6 &&
	    value_of(&p, "eppgate_request_duration_seconds_count", "") == 6,
	    "+Inf bucket = count = 6");
	tap_ok(value_of(&p, "eppgate_request_duration_seconds_sum", "") > 42.00424 &&
	    value_of(&p, "eppgate_request_duration_seconds_sum", "") < 42.00426,
	    "sum = 42.004250 s");
	for (i = 0; i < p.ns; i++) {
		if (strcmp(p.s[i].name, "eppgate_request_duration_seconds_bucket") != 0)
			continue;
		nb++;
		mono &= p.s[i].value >= prev;
		prev = p.s[i].value;
	}
	tap_ok(nb == 18 && mono, "18 buckets (0.1 ms .. 30 s, +Inf), non-decreasing");
	tap_ok(value_of(&p, "eppgate_sessions_up", "") == 2 &&
	    value_of(&p, "eppgate_sessions_configured", "") == 3, "sessions up / configured");
	tap_ok(value_of(&p, "eppgate_reconnects_total", "") == 2 &&
	    value_of(&p, "eppgate_broker_reconnects_total", "") == 1, "reconnect counters");
	tap_ok(value_of(&p, "eppgate_in_flight", "") == 1 &&
	    value_of(&p, "eppgate_journal_entries", "") == 7, "in flight, journal entries");
	tap_ok(value_of(&p, "eppgate_start_time_seconds", "") > 1.6e9, "start time is epoch");
	tap_ok(value_of(&p, "eppgate_broker_refusals_total", "reason=\"access\"") == 2 &&
	    value_of(&p, "eppgate_broker_refusals_total", "reason=\"other\"") == 1 &&
	    value_of(&p, "eppgate_broker_refusals_total", "reason=\"queue_arguments\"") == 0,
	    "broker refusals by reason, unknown ones as other, every reason written");
	tap_ok(value_of(&p, "eppgate_broker_consumer_cancels_total", "") == 1 &&
	    value_of(&p, "eppgate_broker_blocked", "") == 1, "consumer cancels, blocked");
	metrics_free(m);
}

static void
test_labels_bounded(void)
{
	static struct parsed p;
	struct metrics *m = metrics_new(1);
	struct eg_err e;
	char name[32];
	int i;

	metrics_request(m, "evil\"} 1\nfake_metric 9", 1000, 10);
	metrics_request(m, "Domain_Info", 1000, 10);
	metrics_request(m, NULL, 1000, 10);
	for (i = 0; i < 700; i++) {
		snprintf(name, sizeof(name), "made_up_%d", i);
		metrics_request(m, name, 1000, 10);
	}
	tap_is_int(metrics_write(m, path, &e), 0, "write with hostile and many names");
	if (!tap_ok(parse_file(&p) == 0, "still well-formed"))
		tap_diag("%s", p.why);
	tap_ok(value_of(&p, "eppgate_requests_total", "cmd=\"other\",code=\"1000\"") == 3,
	    "names outside [a-z0-9_] count as cmd=\"other\"");
	tap_ok(p.ns < 560, "series stay bounded (%d samples)", p.ns);
	tap_ok(value_of(&p, "eppgate_requests_total", "cmd=\"other\",code=\"other\"") > 0,
	    "requests past the bound are still counted");
	tap_ok(value_of(&p, "eppgate_request_duration_seconds_count", "") == 703,
	    "every request in the histogram");
	metrics_free(m);
}

static double
jnum(json_object *o, const char *a, const char *b)
{
	json_object *x = NULL, *y = NULL;

	if (!json_object_object_get_ex(o, a, &x) || !json_object_object_get_ex(x, b, &y))
		return -1;
	return json_object_get_double(y);
}

static void
test_json(void)
{
	struct metrics *m = metrics_new(2);
	json_object *j, *by = NULL, *cmd = NULL, *v = NULL;
	int i;

	for (i = 1; i <= 100; i++)
		metrics_request(m, "domain_check", 1000, (int64_t)i * 1000);
	metrics_request(m, "domain_check", -1, 100);
	metrics_sessions_up(m, 2);
	j = metrics_json(m);
	tap_ok(jnum(j, "requests", "total") == 101, "json: requests.total");
	json_object_object_get_ex(json_object_object_get(j, "requests"), "by_cmd", &by);
	json_object_object_get_ex(by, "domain_check", &cmd);
	tap_ok(json_object_object_get_ex(cmd, "1000", &v) && json_object_get_int(v) == 100,
	    "json: by_cmd.domain_check.1000 = 100");
	tap_ok(json_object_object_get_ex(cmd, "error", &v) && json_object_get_int(v) == 1,
	    "json: by_cmd.domain_check.error = 1");
	json_object_put(j);

	metrics_free(m);
	m = metrics_new(2);
	for (i = 1; i <= 100; i++)
		metrics_request(m, "domain_check", 1000, (int64_t)i * 1000);
	j = metrics_json(m);
	tap_ok(jnum(j, "latency_ms", "p50") > 49 && jnum(j, "latency_ms", "p50") < 51,
	    "json: p50 of 1..100 ms is 50 ms (got %.3f)", jnum(j, "latency_ms", "p50"));
	tap_ok(jnum(j, "latency_ms", "p90") > 89 && jnum(j, "latency_ms", "p90") < 91,
	    "json: p90 is 90 ms (got %.3f)", jnum(j, "latency_ms", "p90"));
	tap_ok(jnum(j, "latency_ms", "p99") > 98 && jnum(j, "latency_ms", "p99") <= 100,
	    "json: p99 is 99 ms (got %.3f)", jnum(j, "latency_ms", "p99"));
	tap_ok(jnum(j, "latency_ms", "max") == 100 && jnum(j, "latency_ms", "mean") == 50.5,
	    "json: max 100 ms, mean 50.5 ms");
	tap_ok(jnum(j, "sessions", "configured") == 2, "json: sessions.configured");
	json_object_put(j);
	metrics_free(m);

	m = metrics_new(1);
	for (i = 0; i < 10; i++)
		metrics_request(m, "domain_create", 1000, 40000000);
	j = metrics_json(m);
	tap_ok(jnum(j, "latency_ms", "p50") >= 30000 && jnum(j, "latency_ms", "p99") <= 40000,
	    "json: beyond 30 s the estimate stays between 30 s and the largest seen");
	json_object_put(j);
	metrics_free(m);

	m = metrics_new(1);
	j = metrics_json(m);
	tap_ok(jnum(j, "latency_ms", "p99") == 0 && jnum(j, "requests", "total") == 0,
	    "json: no requests, zeros");
	json_object_put(j);
	metrics_free(m);
}

/* ---- atomic replacement ------------------------------------------------------ */

struct race {
	struct metrics *m;
	atomic_int stop;        /* the writer is done */
	int reads, bad, missing;
	char first_bad[256];
};

static void *
writer(void *arg)
{
	struct race *r = arg;
	struct eg_err e;
	char cmd[16];
	int i;

	for (i = 0; i < 400; i++) {
		/* Grow the text as it goes so that a torn read would differ in length. */
		snprintf(cmd, sizeof(cmd), "c%d", i % 97);
		metrics_request(r->m, cmd, 1000 + i % 7, i);
		if (metrics_write(r->m, path, &e) == -1) {
			tap_diag("writer: %s", e.msg);
			break;
		}
	}
	atomic_store(&r->stop, 1);
	return NULL;
}

static void *
reader(void *arg)
{
	static struct parsed p;
	struct race *r = arg;
	char *text;

	while (!atomic_load(&r->stop)) {
		if ((text = tap_slurp(path, NULL)) == NULL) {
			r->missing++;
			continue;
		}
		r->reads++;
		parse(&p, text);
		if (p.why[0] == '\0' && p.nfam != 13)
			snprintf(p.why, sizeof(p.why), "%d families", p.nfam);
		if (p.why[0] != '\0' && r->bad++ == 0)
			snprintf(r->first_bad, sizeof(r->first_bad), "%s", p.why);
		free(text);
	}
	return NULL;
}

static void
test_atomic(void)
{
	struct race r;
	struct eg_err e;
	pthread_t w, rd;
	DIR *d;
	struct dirent *de;
	int others = 0;

	memset(&r, 0, sizeof(r));
	r.m = metrics_new(1);
	tap_is_int(metrics_write(r.m, path, &e), 0, "first write");
	pthread_create(&rd, NULL, reader, &r);
	pthread_create(&w, NULL, writer, &r);
	pthread_join(w, NULL);
	pthread_join(rd, NULL);
	tap_ok(r.reads > 20, "reader read the file %d times during 400 rewrites", r.reads);
	tap_is_int(r.missing, 0, "the file never disappeared");
	if (!tap_is_int(r.bad, 0, "never a half-written file"))
		tap_diag("%s", r.first_bad);
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.' || (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0))
				others += strcmp(de->d_name, "metrics.prom") != 0;
		closedir(d);
	}
	tap_is_int(others, 0, "no temporary files left behind");
	metrics_free(r.m);
}

/* ---- the file a stopped gate leaves ------------------------------------------ */

static int
count_others(void)
{
	DIR *d;
	struct dirent *de;
	int others = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    strcmp(de->d_name, "metrics.prom") != 0)
			others++;
	closedir(d);
	return others;
}

static void
test_stopped(void)
{
	static struct parsed p;
	struct metrics *m = metrics_new(2);
	struct eg_err e;
	json_object *j;

	metrics_request(m, "domain_check", 1000, 500);
	metrics_request(m, "domain_create", 1000, 5000);
	metrics_sessions_up(m, 2);
	metrics_in_flight(m, 3);
	metrics_reconnect(m);
	metrics_journal_entries(m, 4);
	metrics_write(m, path, &e);
	parse_file(&p);
	tap_ok(value_of(&p, "eppgate_up", "") == 1 && value_of(&p, "eppgate_sessions_up", "") == 2 &&
	    value_of(&p, "eppgate_in_flight", "") == 3, "running: up 1, 2 sessions, 3 in flight");

	metrics_stopped(m);
	tap_is_int(metrics_write(m, path, &e), 0, "the last write");
	if (!tap_ok(parse_file(&p) == 0, "stopped: the file parses"))
		tap_diag("%s", p.why);
	tap_ok(value_of(&p, "eppgate_up", "") == 0, "stopped: eppgate_up 0");
	tap_ok(value_of(&p, "eppgate_sessions_up", "") == 0, "stopped: eppgate_sessions_up 0");
	tap_ok(value_of(&p, "eppgate_in_flight", "") == 0, "stopped: eppgate_in_flight 0");
	tap_ok(value_of(&p, "eppgate_sessions_configured", "") == 2,
	    "stopped: sessions configured still 2");
	tap_ok(value_of(&p, "eppgate_requests_total", "cmd=\"domain_check\",code=\"1000\"") == 1 &&
	    value_of(&p, "eppgate_request_duration_seconds_count", "") == 2 &&
	    value_of(&p, "eppgate_reconnects_total", "") == 1 &&
	    value_of(&p, "eppgate_journal_entries", "") == 4,
	    "stopped: counters keep their totals");
	tap_is_int(count_others(), 0, "stopped: no temporary file left behind");

	/* A session thread or the loop reporting late must not bring the gauges back. */
	metrics_sessions_up(m, 1);
	metrics_in_flight(m, 5);
	metrics_request(m, "domain_check", 1000, 500);
	metrics_write(m, path, &e);
	parse_file(&p);
	tap_ok(value_of(&p, "eppgate_up", "") == 0 && value_of(&p, "eppgate_sessions_up", "") == 0 &&
	    value_of(&p, "eppgate_in_flight", "") == 0, "late updates after the stop: still 0, 0, 0");
	tap_ok(value_of(&p, "eppgate_requests_total", "cmd=\"domain_check\",code=\"1000\"") == 2,
	    "... while a late answer is still counted");
	j = metrics_json(m);
	tap_ok(jnum(j, "sessions", "up") == 0, "json: sessions.up 0 after the stop");
	json_object_put(j);
	metrics_stopped(NULL);
	metrics_free(m);

	/* A fresh object (the next run) says up again. */
	m = metrics_new(1);
	metrics_write(m, path, &e);
	parse_file(&p);
	tap_ok(value_of(&p, "eppgate_up", "") == 1, "the next run writes eppgate_up 1");
	metrics_free(m);
}

static void
test_write_errors(void)
{
	struct metrics *m = metrics_new(1);
	struct eg_err e;

	tap_is_int(metrics_write(m, "/nonexistent-dir/m.prom", &e), -1,
	    "write into a missing directory fails");
	tap_ok(strstr(e.msg, "/nonexistent-dir/m.prom") != NULL && e.code == EG_EIO,
	    "... naming the file: %s", e.msg);
	metrics_request(NULL, "x", 1000, 1);
	metrics_sessions_up(NULL, 1);
	tap_ok(1, "a NULL metrics object is ignored");
	metrics_free(m);
	metrics_free(NULL);
}

int
main(void)
{
	snprintf(dir, sizeof(dir), "%s/eg-metrics.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") :
	    "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/metrics.prom", dir);
	test_text_format();
	test_labels_bounded();
	test_json();
	test_atomic();
	test_stopped();
	test_write_errors();
	unlink(path);
	rmdir(dir);
	return tap_done();
}
