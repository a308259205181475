/* SPDX-License-Identifier: MIT */
/*
 * metrics.c - request counters and a latency histogram, written as a
 * Prometheus text file (format 0.0.4) and returned as JSON for gate_status.
 *
 * The file is replaced atomically: written to a temporary file in the same
 * directory and renamed over the old one, so a scraper (node_exporter's
 * textfile collector, a script) never reads half a file. The last write, on
 * stop, says eppgate_up 0 (metrics_stopped). No fsync: a file left behind by a
 * crash or a power loss says eppgate_up 1 but stops changing, and its age gives
 * it away (metrics.h).
 */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"

/* Upper bounds in microseconds, 0.1 ms to 30 s: an EPP check on a quiet registry
 * takes a few ms, a create under load seconds, a timeout 30 s. */
static const int64_t bucket_us[] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000, 30000000,
};
/* The same bounds as Prometheus writes them (le labels, seconds). */
static const char *const bucket_le[] = {
	"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
	"0.1", "0.25", "0.5", "1", "2.5", "5", "10", "30",
};
#define NBUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))

/* The broker's permanent refusals (broker.h), each written even at 0; the last is
 * for a name not in the list. */
static const char *const refusal_reason[] = {
	"queue_arguments", "access", "vhost", "not_found", "unsupported", "other",
};
#define NREASONS (sizeof(refusal_reason) / sizeof(refusal_reason[0]))

/* Requests are labelled by command name, which comes from clients: bound the set so
 * that a client inventing names cannot grow it without end. */
#define MAX_SERIES 512
#define CMD_MAX 40

struct series {
	char cmd[CMD_MAX + 1];
	int code;               /* EPP result code, -1 gate error */
	uint64_t n;
};

#define MAX_REASONS 32

/* Why EPP sessions could not be opened: a fixed set of names from the supervisor. */
struct reason {
	char name[32];
	uint64_t total;         /* eppgate_session_failures_total */
	int failing;            /* eppgate_session_failure */
	int gauge;              /* the gauge has been set: written from then on */
};

struct metrics {
	pthread_mutex_t mu;
	struct reason reasons[MAX_REASONS];
	size_t nreasons;
	struct series series[MAX_SERIES];   /* sorted by (cmd, code) */
	size_t nseries;
	uint64_t unlabelled;                /* requests that found the table full */
	uint64_t buckets[NBUCKETS + 1];     /* per bucket (not cumulative); last is +Inf */
	uint64_t count;
	int64_t sum_us;
	int64_t max_us;
	int up;                             /* 0 once stopped */
	int sessions_up;
	int sessions_configured;
	int in_flight;
	uint64_t reconnects;
	uint64_t broker_reconnects;
	uint64_t broker_refusals[NREASONS];
	uint64_t broker_cancels;
	int broker_blocked;
	long journal_entries;
	int64_t start_ms;                   /* wall clock */
	int64_t start_mono_ms;
};

struct metrics *
metrics_new(int sessions_configured)
{
	struct metrics *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	if (pthread_mutex_init(&m->mu, NULL) != 0) {
		free(m);
		return NULL;
	}
	m->up = 1;
	m->sessions_configured = sessions_configured;
	m->start_ms = eg_wall_ms();
	m->start_mono_ms = eg_now_ms();
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_destroy(&m->mu);
	free(m);
}

/* Command names become label values: anything but [a-z0-9_] is "other". */
static const char *
label_cmd(const char *cmd)
{
	size_t i;

	if (cmd == NULL || cmd[0] == '\0')
		return "other";
	for (i = 0; cmd[i] != '\0'; i++)
		if (i >= CMD_MAX || !((cmd[i] >= 'a' && cmd[i] <= 'z') ||
		    (cmd[i] >= '0' && cmd[i] <= '9') || cmd[i] == '_'))
			return "other";
	return cmd;
}

static int
series_cmp(const char *cmd, int code, const struct series *s)
{
	int c = strcmp(cmd, s->cmd);

	return c != 0 ? c : (code > s->code) - (code < s->code);
}

/* The series for (cmd, code), inserted in order when new; NULL when the table is full.
 * Called with the lock held. */
static struct series *
series_get(struct metrics *m, const char *cmd, int code)
{
	size_t lo = 0, hi = m->nseries, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = series_cmp(cmd, code, &m->series[mid]);
		if (c == 0)
			return &m->series[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	if (m->nseries == MAX_SERIES)
		return NULL;
	memmove(&m->series[lo + 1], &m->series[lo], (m->nseries - lo) * sizeof(m->series[0]));
	memset(&m->series[lo], 0, sizeof(m->series[lo]));
	snprintf(m->series[lo].cmd, sizeof(m->series[lo].cmd), "%s", cmd);
	m->series[lo].code = code;
	m->nseries++;
	return &m->series[lo];
}

void
metrics_request(struct metrics *m, const char *cmd, int code, int64_t duration_us)
{
	struct series *s;
	size_t b;

	if (m == NULL)
		return;
	if (duration_us < 0)
		duration_us = 0;
	if (code < 0)
		code = -1;
	for (b = 0; b < NBUCKETS && duration_us > bucket_us[b]; b++)
		;
	pthread_mutex_lock(&m->mu);
	if ((s = series_get(m, label_cmd(cmd), code)) != NULL)
		s->n++;
	else
		m->unlabelled++;
	m->buckets[b]++;
	m->count++;
	m->sum_us += duration_us;
	if (duration_us > m->max_us)
		m->max_us = duration_us;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_sessions_up(struct metrics *m, int up)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	if (m->up)
		m->sessions_up = up;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_in_flight(struct metrics *m, int n)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	if (m->up)
		m->in_flight = n;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_journal_entries(struct metrics *m, long n)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->journal_entries = n;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_stopped(struct metrics *m)
{
	size_t i;

	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->up = 0;
	m->sessions_up = 0;
	m->in_flight = 0;
	for (i = 0; i < m->nreasons; i++)
		m->reasons[i].failing = 0;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_reconnect(struct metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->reconnects++;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_broker_reconnect(struct metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->broker_reconnects++;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_broker_refusal(struct metrics *m, const char *reason)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < NREASONS - 1 && (reason == NULL || strcmp(reason, refusal_reason[i]) != 0);
	    i++)
		;
	pthread_mutex_lock(&m->mu);
	m->broker_refusals[i]++;
	pthread_mutex_unlock(&m->mu);
}

/* The entry for a reason, added when new; NULL when the table is full. Lock held. */
static struct reason *
reason_get(struct metrics *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nreasons; i++)
		if (strcmp(m->reasons[i].name, name) == 0)
			return &m->reasons[i];
	if (m->nreasons == MAX_REASONS || name[0] == '\0')
		return NULL;
	snprintf(m->reasons[i].name, sizeof(m->reasons[i].name), "%s", name);
	m->nreasons++;
	return &m->reasons[i];
}

void
metrics_session_failure(struct metrics *m, const char *reason)
{
	struct reason *r;

	if (m == NULL || reason == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	if ((r = reason_get(m, reason)) != NULL)
		r->total++;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_broker_cancel(struct metrics *m)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->broker_cancels++;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_broker_blocked(struct metrics *m, int blocked)
{
	if (m == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	m->broker_blocked = blocked != 0;
	pthread_mutex_unlock(&m->mu);
}

void
metrics_session_failing(struct metrics *m, const char *reason, int n)
{
	struct reason *r;

	if (m == NULL || reason == NULL)
		return;
	pthread_mutex_lock(&m->mu);
	if ((r = reason_get(m, reason)) != NULL) {
		r->failing = m->up ? n : 0;
		r->gauge = 1;
	}
	pthread_mutex_unlock(&m->mu);
}

static void
code_label(int code, char *out, size_t cap)
{
	if (code < 0)
		snprintf(out, cap, "error");
	else if (code == 0)
		snprintf(out, cap, "none");   /* a reply without a result: greeting, gate_status */
	else
		snprintf(out, cap, "%d", code);
}

/* Output that remembers a failed allocation, so that half a text is never written. */
struct out {
	struct buf b;
	int failed;
};

static void
out(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
out(struct out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (buf_vprintf(&o->b, fmt, ap) == -1)
		o->failed = 1;
	va_end(ap);
}

static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	out(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* The text format, built under the lock (a few KiB of formatting). */
static int
render(struct metrics *m, struct out *o)
{
	uint64_t cum = 0;
	char code[16];
	size_t i, n;

	pthread_mutex_lock(&m->mu);
	family(o, "eppgate_up", "gauge", "1 while the gate runs; 0 written last when it stops.");
	out(o, "eppgate_up %d\n", m->up);
	family(o, "eppgate_requests_total", "counter",
	    "Requests answered, by command and EPP result code (\"error\": the gate's own error "
	    "reply).");
	for (i = 0; i < m->nseries; i++) {
		code_label(m->series[i].code, code, sizeof(code));
		out(o, "eppgate_requests_total{cmd=\"%s\",code=\"%s\"} %llu\n",
		    m->series[i].cmd, code, (unsigned long long)m->series[i].n);
	}
	if (m->unlabelled > 0)
		out(o, "eppgate_requests_total{cmd=\"other\",code=\"other\"} %llu\n",
		    (unsigned long long)m->unlabelled);
	family(o, "eppgate_request_duration_seconds", "histogram",
	    "Time from taking a request off the queue to handing its reply to the broker.");
	for (i = 0; i <= NBUCKETS; i++) {
		cum += m->buckets[i];
		out(o, "eppgate_request_duration_seconds_bucket{le=\"%s\"} %llu\n",
		    i < NBUCKETS ? bucket_le[i] : "+Inf", (unsigned long long)cum);
	}
	out(o, "eppgate_request_duration_seconds_sum %lld.%06lld\n",
	    (long long)(m->sum_us / 1000000), (long long)(m->sum_us % 1000000));
	out(o, "eppgate_request_duration_seconds_count %llu\n", (unsigned long long)m->count);
	family(o, "eppgate_sessions_up", "gauge", "EPP sessions logged in now.");
	out(o, "eppgate_sessions_up %d\n", m->sessions_up);
	family(o, "eppgate_sessions_configured", "gauge", "EPP sessions the gate keeps.");
	out(o, "eppgate_sessions_configured %d\n", m->sessions_configured);
	/* Families without a sample yet are left out (a gate without sessions has none). */
	for (i = 0, n = 0; i < m->nreasons; i++)
		n += m->reasons[i].total > 0;
	if (n > 0)
		family(o, "eppgate_session_failures_total", "counter",
		    "Failed attempts to open an EPP session, by reason.");
	for (i = 0; i < m->nreasons; i++)
		if (m->reasons[i].total > 0)
			out(o, "eppgate_session_failures_total{reason=\"%s\"} %llu\n",
			    m->reasons[i].name, (unsigned long long)m->reasons[i].total);
	for (i = 0, n = 0; i < m->nreasons; i++)
		n += m->reasons[i].gauge;
	if (n > 0)
		family(o, "eppgate_session_failure", "gauge",
		    "EPP sessions down now, by the reason their last attempt to open failed.");
	for (i = 0; i < m->nreasons; i++)
		if (m->reasons[i].gauge)
			out(o, "eppgate_session_failure{reason=\"%s\"} %d\n", m->reasons[i].name,
			    m->reasons[i].failing);
	family(o, "eppgate_reconnects_total", "counter", "EPP sessions re-established.");
	out(o, "eppgate_reconnects_total %llu\n", (unsigned long long)m->reconnects);
	family(o, "eppgate_broker_reconnects_total", "counter",
	    "Connections to RabbitMQ re-established.");
	out(o, "eppgate_broker_reconnects_total %llu\n", (unsigned long long)m->broker_reconnects);
	family(o, "eppgate_broker_refusals_total", "counter",
	    "Permanent refusals by RabbitMQ (queue arguments, access, vhost...), by reason.");
	for (i = 0; i < NREASONS; i++)
		out(o, "eppgate_broker_refusals_total{reason=\"%s\"} %llu\n", refusal_reason[i],
		    (unsigned long long)m->broker_refusals[i]);
	family(o, "eppgate_broker_consumer_cancels_total", "counter",
	    "Times RabbitMQ cancelled the gate's consumer (the queue was deleted).");
	out(o, "eppgate_broker_consumer_cancels_total %llu\n",
	    (unsigned long long)m->broker_cancels);
	family(o, "eppgate_broker_blocked", "gauge",
	    "1 while RabbitMQ blocks the connection (a resource alarm): replies are held.");
	out(o, "eppgate_broker_blocked %d\n", m->broker_blocked);
	family(o, "eppgate_in_flight", "gauge", "Requests being processed now.");
	out(o, "eppgate_in_flight %d\n", m->in_flight);
	family(o, "eppgate_journal_entries", "gauge", "Records in the journal.");
	out(o, "eppgate_journal_entries %ld\n", m->journal_entries);
	family(o, "eppgate_start_time_seconds", "gauge", "Start time of the gate, Unix epoch.");
	out(o, "eppgate_start_time_seconds %lld.%03lld\n", (long long)(m->start_ms / 1000),
	    (long long)(m->start_ms % 1000));
	pthread_mutex_unlock(&m->mu);
	return o->failed ? -1 : 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
metrics_write(struct metrics *m, const char *path, struct eg_err *err)
{
	struct out o = {BUF_INIT, 0};
	const char *slash = strrchr(path, '/');
	char tmp[4096];
	int fd = -1, made = 0, rc = -1, n;

	/* A dot file in the same directory: rename() stays atomic (one file system) and
	 * node_exporter's textfile collector, which reads only *.prom, never sees it. */
	if (slash == NULL)
		n = snprintf(tmp, sizeof(tmp), ".%s.XXXXXX", path);
	else
		n = snprintf(tmp, sizeof(tmp), "%.*s/.%s.XXXXXX", (int)(slash - path), path,
		    slash + 1);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return eg_err_set(err, EG_ECONFIG, "metrics file path too long");
	if (render(m, &o) == -1) {
		eg_err_set(err, EG_ENOMEM, "out of memory formatting metrics");
		goto fail;
	}
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		eg_err_set(err, EG_EIO, "cannot create a temporary file for %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	made = 1;
	if (fchmod(fd, 0644) == -1 || write_all(fd, o.b.data, o.b.len) == -1) {
		eg_err_set(err, EG_EIO, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	n = close(fd);
	fd = -1;
	if (n == -1) {
		eg_err_set(err, EG_EIO, "cannot write %s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (rename(tmp, path) == -1) {
		eg_err_set(err, EG_EIO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto fail;
	}
	rc = 0;
fail:
	if (fd != -1)
		close(fd);
	if (rc == -1 && made)
		unlink(tmp);
	buf_clear(&o.b);
	return rc;
}

/*
 * The q-quantile (0 < q < 1) in microseconds, interpolated linearly inside the bucket
 * that holds it, as Prometheus' histogram_quantile() does; the top (+Inf) bucket
 * ends at the largest duration seen, and no estimate exceeds it.
 */
static double
quantile(const struct metrics *m, double q)
{
	double rank = q * (double)m->count, lo = 0, hi, before = 0, est;
	size_t i;

	if (m->count == 0)
		return 0;
	for (i = 0; i <= NBUCKETS; i++) {
		hi = i < NBUCKETS ? (double)bucket_us[i] : (double)m->max_us;
		if (before + (double)m->buckets[i] >= rank && m->buckets[i] > 0) {
			if (hi < lo)
				hi = lo;
			est = lo + (hi - lo) * (rank - before) / (double)m->buckets[i];
			return est > (double)m->max_us ? (double)m->max_us : est;
		}
		before += (double)m->buckets[i];
		lo = hi;
	}
	return (double)m->max_us;
}

/* Milliseconds with three decimals, as a JSON number. */
static json_object *
ms(double us)
{
	char s[32];

	snprintf(s, sizeof(s), "%.3f", us / 1000.0);
	return json_object_new_double_s(us / 1000.0, s);
}

json_object *
metrics_json(struct metrics *m)
{
	json_object *o = json_object_new_object(), *req = json_object_new_object(),
	    *by = json_object_new_object(), *lat = json_object_new_object(),
	    *ses = json_object_new_object(), *refusals = json_object_new_object(), *cmd = NULL,
	    *fails = json_object_new_object();
	char code[16];
	size_t i;

	pthread_mutex_lock(&m->mu);
	for (i = 0; i < m->nseries; i++) {
		if (i == 0 || strcmp(m->series[i].cmd, m->series[i - 1].cmd) != 0) {
			cmd = json_object_new_object();
			json_object_object_add(by, m->series[i].cmd, cmd);
		}
		code_label(m->series[i].code, code, sizeof(code));
		json_object_object_add(cmd, code, json_object_new_int64((int64_t)m->series[i].n));
	}
	json_object_object_add(req, "total", json_object_new_int64((int64_t)m->count));
	json_object_object_add(req, "by_cmd", by);
	if (m->unlabelled > 0)
		json_object_object_add(req, "unlabelled",
		    json_object_new_int64((int64_t)m->unlabelled));
	json_object_object_add(lat, "count", json_object_new_int64((int64_t)m->count));
	json_object_object_add(lat, "mean", ms(m->count > 0 ? (double)m->sum_us /
	    (double)m->count : 0));
	json_object_object_add(lat, "p50", ms(quantile(m, 0.50)));
	json_object_object_add(lat, "p90", ms(quantile(m, 0.90)));
	json_object_object_add(lat, "p99", ms(quantile(m, 0.99)));
	json_object_object_add(lat, "max", ms((double)m->max_us));
	json_object_object_add(ses, "up", json_object_new_int(m->sessions_up));
	json_object_object_add(ses, "configured", json_object_new_int(m->sessions_configured));
	for (i = 0; i < m->nreasons; i++)
		if (m->reasons[i].total > 0)
			json_object_object_add(fails, m->reasons[i].name,
			    json_object_new_int64((int64_t)m->reasons[i].total));
	json_object_object_add(ses, "failures", fails);
	json_object_object_add(o, "requests", req);
	json_object_object_add(o, "latency_ms", lat);
	json_object_object_add(o, "sessions", ses);
	json_object_object_add(o, "in_flight", json_object_new_int(m->in_flight));
	json_object_object_add(o, "reconnects", json_object_new_int64((int64_t)m->reconnects));
	json_object_object_add(o, "broker_reconnects",
	    json_object_new_int64((int64_t)m->broker_reconnects));
	for (i = 0; i < NREASONS; i++)
		if (m->broker_refusals[i] > 0)
			json_object_object_add(refusals, refusal_reason[i],
			    json_object_new_int64((int64_t)m->broker_refusals[i]));
	json_object_object_add(o, "broker_refusals", refusals);
	json_object_object_add(o, "broker_consumer_cancels",
	    json_object_new_int64((int64_t)m->broker_cancels));
	json_object_object_add(o, "broker_blocked", json_object_new_boolean(m->broker_blocked));
	json_object_object_add(o, "journal_entries", json_object_new_int64(m->journal_entries));
	json_object_object_add(o, "start_time", json_object_new_int64(m->start_ms / 1000));
	json_object_object_add(o, "uptime_s",
	    json_object_new_int64((eg_now_ms() - m->start_mono_ms) / 1000));
	pthread_mutex_unlock(&m->mu);
	return o;
}
