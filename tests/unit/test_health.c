/* SPDX-License-Identifier: MIT */
/*
 * Health file: the reference's line format (common/healthline.h), our own appends never reported as
 * someone else's, a client's append / touch / rename / delete always
 * reported, also when the client and the gate append at the same moment.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "health.h"
#include "healthline.h"
#include "tap.h"

static char dir[256];
static char path[512];

/* What the reference's Python client does: open(path, 'a'), write, close. */
static void
client_append(const char *p, const char *msg)
{
	int fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	char line[256];
	int n;

	if (fd == -1)
		return;
	n = snprintf(line, sizeof(line), "%s at Mon Jan  1 00:00:00 2024\n", msg);
	if (write(fd, line, (size_t)n) != n)
		tap_diag("client write failed");
	close(fd);
}

static int
count_lines(const char *p)
{
	char *t = tap_slurp(p, NULL), *q;
	int n = 0;

	if (t == NULL)
		return -1;
	for (q = t; *q != '\0'; q++)
		n += *q == '\n';
	free(t);
	return n;
}

/* Waits (at most ms) until the inotify descriptor is readable. */
static int
readable(struct health *h, int ms)
{
	struct pollfd p = {health_fd(h), POLLIN, 0};

	return poll(&p, 1, ms) == 1;
}

/* 1 when tail is " at " + asctime() of some second in [t0, t1], in local time. */
static int
asctime_between(const char *tail, time_t t0, time_t t1)
{
	char want[64 + 4], buf[64];
	struct tm tm;
	time_t t;

	for (t = t0; t <= t1; t++) {
		if (localtime_r(&t, &tm) == NULL || asctime_r(&tm, buf) == NULL)
			return 0;
		snprintf(want, sizeof(want), " at %s", buf);
		if (strcmp(tail, want) == 0)
			return 1;
	}
	return 0;
}

static void
test_append_format(void)
{
	struct health *h;
	struct eg_err e;
	struct stat st;
	char *t, *nl, first[128] = "";
	time_t t0, t1;

	h = health_open(path, 0, &e);
	if (!tap_ok(h != NULL, "open without watching")) {
		tap_diag("%s", e.msg);
		exit(1);
	}
	tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640, "created with mode 0640");
	tap_is_int(health_fd(h), -1, "not watching: no descriptor");
	t0 = time(NULL);
	tap_is_int(health_append(h, "EPP session lost: connection reset", &e), 0, "append");
	tap_is_int(health_append(h, "two\nlines\r", &e), 0, "append with line breaks");
	t1 = time(NULL);
	t = tap_slurp(path, NULL);
	nl = t != NULL ? strchr(t, '\n') : NULL;
	tap_ok(nl != NULL && strncmp(t, "EPP session lost: connection reset at ", 38) == 0,
	    "line starts '<message> at '");
	if (nl != NULL && nl - t < (long)sizeof(first) - 1)
		memcpy(first, t, (size_t)(nl - t) + 1);
	tap_ok(first[0] != '\0' && asctime_between(first + 34, t0, t1), "line is '<message> at "
	    "<asctime>\\n' like the reference's clients (%s)", first);
	tap_ok(nl != NULL && strncmp(nl + 1, "two lines  at ", 14) == 0,
	    "line breaks become spaces");
	tap_is_int(count_lines(path), 2, "two lines");
	tap_is_int(health_touched(h), 0, "not watching: never touched");
	free(t);
	health_close(h);
}

/* The line itself (common/healthline.h), for the gate and the client alike. */
static void
test_line_format(void)
{
	char line[256], big[4000], asc[64], want[300];
	struct tm tm;
	unsigned seed = 1;
	size_t n;
	time_t t;
	int i, same = 1, utf8_ok;

	/* A fixed zone without tzdata; restored below. */
	setenv("TZ", "UTC0", 1);
	tzset();
	n = healthline_format(line, sizeof(line), "cannot connect", 1796616401);
	tap_is_str(line, "cannot connect at Mon Dec  7 04:06:41 2026\n",
	    "the reference's form: Python's time.asctime()");
	tap_is_int((long long)n, (long long)strlen(line), "length returned");
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	healthline_format(line, sizeof(line), "x", 1796616401);
	tap_is_str(line, "x at Mon Dec  7 05:06:41 2026\n", "local time, not UTC");
	healthline_format(line, sizeof(line), "x", 1783393200);
	tap_is_str(line, "x at Tue Jul  7 05:00:00 2026\n", "local time in summer");
	for (i = 0; i < 2000; i++) {
		t = (time_t)(((unsigned long long)rand_r(&seed) << 16 ^
		    (unsigned long long)rand_r(&seed)) % 4000000000ull);
		localtime_r(&t, &tm);
		asctime_r(&tm, asc);
		snprintf(want, sizeof(want), "m%d at %s", i, asc);
		snprintf(big, sizeof(big), "m%d", i);
		healthline_format(line, sizeof(line), big, t);
		if (strcmp(line, want) != 0) {
			if (same)
				tap_diag("%lld: got '%s', want '%s'", (long long)t, line, want);
			same = 0;
		}
	}
	tap_ok(same, "2000 times from 1970 to 2096: the same text as the C library's asctime()");
	unsetenv("TZ");
	tzset();

	healthline_format(line, sizeof(line), "a\r\nb\nc", 0);
	tap_ok(strncmp(line, "a  b c at ", 10) == 0 && strchr(line, '\n') == line +
	    strlen(line) - 1, "CR and LF become spaces: one event, one line");
	/* 2-byte characters in a message too long for the buffer: cut between characters. */
	for (i = 0; i + 1 < (int)sizeof(big) - 1; i += 2) {
		big[i] = (char)0xc3;
		big[i + 1] = (char)0xa9;
	}
	big[i] = '\0';
	n = healthline_format(line, 100, big, 1796616401);
	utf8_ok = 1;
	for (i = 0; line[i] != ' '; i += 2)
		if ((unsigned char)line[i] != 0xc3 || (unsigned char)line[i + 1] != 0xa9)
			utf8_ok = 0;
	tap_ok(n <= 99 && n == strlen(line) && line[n - 1] == '\n', "too long: cut to the "
	    "buffer (%zu bytes)", n);
	tap_ok(utf8_ok && strstr(line, " at ") == line + i, "... between characters, the "
	    "time intact");
	memset(line, 'z', sizeof(line));
	tap_is_int((long long)healthline_format(line, HEALTHLINE_MIN - 1, "x", 0), 0,
	    "a buffer below HEALTHLINE_MIN: 0");
	tap_ok(line[0] == 'z', "... and untouched");
	tap_ok(healthline_format(line, HEALTHLINE_MIN, "x", 0) > 0, "HEALTHLINE_MIN is enough");
	tap_ok(healthline_format(line, sizeof(line), NULL, 0) > 0 &&
	    strncmp(line, " at ", 4) == 0, "no message: just the time");
}

static void
test_watch(void)
{
	struct health *h;
	struct eg_err e;
	struct timespec ts[2];
	char tmp[600];
	int i, own = 0;

	unlink(path);
	h = health_open(path, 1, &e);
	if (!tap_ok(h != NULL && health_fd(h) >= 0, "open watching")) {
		tap_diag("%s", e.msg);
		exit(1);
	}
	tap_is_int(health_touched(h), 0, "fresh: not touched (our creation is not news)");
	for (i = 0; i < 5; i++)
		health_append(h, "gate line", &e);
	tap_ok(readable(h, 1000), "our appends do raise inotify events");
	tap_is_int(health_touched(h), 0, "... but are not reported as touched");

	client_append(path, "client: connection refused");
	tap_ok(readable(h, 2000), "a client append wakes the poll");
	tap_is_int(health_touched(h), 1, "a client append is reported");
	tap_is_int(health_touched(h), 0, "... once");

	client_append(path, "client before gate");
	health_append(h, "gate after client", &e);
	tap_is_int(health_touched(h), 1, "client line right before ours: reported");
	health_append(h, "gate before client", &e);
	client_append(path, "client after gate");
	tap_is_int(health_touched(h), 1, "client line right after ours: reported");
	tap_is_int(health_touched(h), 0, "quiet again");

	/* An operator's touch changes only the time. */
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec += 5;
	ts[1] = ts[0];
	utimensat(AT_FDCWD, path, ts, 0);
	tap_is_int(health_touched(h), 1, "touch (attributes only) is reported");

	/* Replaced by rename: reported, and the new file is watched. */
	snprintf(tmp, sizeof(tmp), "%s/health.new", dir);
	client_append(tmp, "fresh file");
	rename(tmp, path);
	tap_ok(readable(h, 2000), "rename over the file wakes the poll");
	tap_is_int(health_touched(h), 1, "file replaced by rename: reported");
	health_append(h, "gate into the new file", &e);
	tap_is_int(health_touched(h), 0, "our append to the new file: not reported");
	client_append(path, "client into the new file");
	tap_ok(readable(h, 2000), "the new file is watched");
	tap_is_int(health_touched(h), 1, "client append to the new file: reported");

	/* Deleted, then created again by a client. */
	unlink(path);
	tap_ok(readable(h, 2000), "deletion wakes the poll");
	tap_is_int(health_touched(h), 1, "deletion: reported");
	tap_is_int(health_touched(h), 0, "nothing more while it is gone");
	client_append(path, "client recreates");
	tap_ok(readable(h, 2000), "re-creation wakes the poll");
	tap_is_int(health_touched(h), 1, "re-creation by a client: reported");
	client_append(path, "client again");
	tap_is_int(health_touched(h), 1, "the re-created file is watched");
	for (i = 0; i < 20; i++) {
		health_append(h, "gate", &e);
		own |= health_touched(h);
	}
	tap_is_int(own, 0, "20 own appends afterwards: never reported");

	/* Our append after someone deleted the file: the deletion counts, once. */
	unlink(path);
	health_append(h, "gate recreates", &e);
	tap_is_int(health_touched(h), 1, "deleted by someone, recreated by us: reported");
	tap_is_int(health_touched(h), 0, "... once");
	tap_is_int(count_lines(path), 1, "our line is in the new file");
	health_close(h);
}

/* ---- the gate and a client appending at the same moment ---------------------- */

struct round {
	struct health *h;
	int client;             /* this round has a client append */
	atomic_int go;
	atomic_int gate_done;
	int delay_us;
};

static void *
gate_thread(void *arg)
{
	struct round *r = arg;
	struct eg_err e;
	int i;

	while (!atomic_load(&r->go))
		;
	for (i = 0; i < 40; i++)
		health_append(r->h, "gate: session lost", &e);
	atomic_store(&r->gate_done, 1);
	return NULL;
}

static void *
client_thread(void *arg)
{
	struct round *r = arg;

	while (!atomic_load(&r->go))
		;
	usleep((useconds_t)r->delay_us);
	client_append(path, "client: transport failure");
	return NULL;
}

static void
test_concurrent(void)
{
	struct health *h;
	struct round r;
	struct eg_err e;
	pthread_t g, c;
	int i, seen, missed = 0, false_alarm = 0, rounds = 60, lines;
	unsigned seed = (unsigned)eg_now_us();

	unlink(path);
	h = health_open(path, 1, &e);
	if (h == NULL)
		exit(1);
	for (i = 0; i < rounds; i++) {
		memset(&r, 0, sizeof(r));
		r.h = h;
		r.client = i % 2;
		r.delay_us = (int)(rand_r(&seed) % 400);
		health_touched(h);
		lines = count_lines(path);
		pthread_create(&g, NULL, gate_thread, &r);
		if (r.client)
			pthread_create(&c, NULL, client_thread, &r);
		atomic_store(&r.go, 1);
		/* Watch while both write, as the gate's event loop would. */
		seen = 0;
		while (!atomic_load(&r.gate_done))
			seen |= health_touched(h);
		pthread_join(g, NULL);
		if (r.client)
			pthread_join(c, NULL);
		seen |= health_touched(h);
		if (count_lines(path) != lines + 40 + r.client)
			tap_diag("round %d: lines lost", i);
		if (r.client && !seen)
			missed++;
		if (!r.client && seen)
			false_alarm++;
	}
	tap_is_int(missed, 0, "%d rounds with a client appending amid 40 gate appends: "
	    "never missed", rounds / 2);
	tap_is_int(false_alarm, 0, "%d rounds of 40 gate appends alone: never reported",
	    rounds / 2);
	health_close(h);
}

static void
test_errors(void)
{
	struct eg_err e;

	tap_ok(health_open("/nonexistent-dir/health", 0, &e) == NULL &&
	    strstr(e.msg, "/nonexistent-dir/health") != NULL, "missing directory: error names "
	    "the file");
	tap_ok(health_open("/tmp/", 0, &e) == NULL, "a directory path is refused");
	tap_is_int(health_touched(NULL), 0, "health_touched(NULL) is 0");
	health_close(NULL);
}

int
main(void)
{
	umask(022);
	snprintf(dir, sizeof(dir), "%s/eg-health.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") :
	    "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/health", dir);
	test_line_format();
	test_append_format();
	test_watch();
	test_concurrent();
	test_errors();
	unlink(path);
	rmdir(dir);
	return tap_done();
}
