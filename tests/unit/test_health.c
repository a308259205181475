/* SPDX-License-Identifier: MIT */
/*
 * Health file: the reference's line format (common/healthline.h); the gate's watch
 * leaves the file as it was and raises none of the events a PathModified= path unit
 * reacts to (a file that does not exist stays missing); a client's append, touch,
 * chmod, rename, delete or re-creation is reported once, also while the gate looks.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
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

/* ---- the contract: the gate's side is invisible to the path unit ------------------- */

/*
 * What a path unit with PathModified= watches: the file with these events, and its
 * directory for the file's (re)appearance. Any event there would restart the gate.
 */
#define UNIT_FILE_EVENTS (IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB | IN_CLOSE_WRITE | \
	IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_MODIFY)
#define UNIT_DIR_EVENTS (IN_MOVE_SELF | IN_DELETE_SELF | IN_ATTRIB | IN_CREATE | IN_MOVED_TO)

/* Events pending on a non-blocking inotify descriptor. */
static int
events(int fd)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *e;
	ssize_t n;
	size_t off;
	int count = 0;

	while ((n = read(fd, ev, sizeof(ev))) > 0)
		for (off = 0; off < (size_t)n; off += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)(const void *)(ev + off);
			count++;
		}
	return count;
}

static int
same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_size == b->st_size && a->st_mode == b->st_mode &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	    a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void
test_invisible(void)
{
	struct health *h;
	struct eg_err e;
	struct stat before, after;
	int unit, i, seen;

	/* A missing file stays missing. */
	unlink(path);
	unit = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	inotify_add_watch(unit, dir, UNIT_DIR_EVENTS);
	h = health_open(path, &e);
	if (!tap_ok(h != NULL && health_fd(h) >= 0, "open (watching) a file that does not exist")) {
		tap_diag("%s", e.msg);
		exit(1);
	}
	for (i = 0; i < 3; i++)
		health_touched(h);
	health_close(h);
	tap_ok(stat(path, &after) == -1 && errno == ENOENT, "the gate did not create it");
	tap_is_int(events(unit), 0, "the path unit saw nothing");
	close(unit);

	/* An existing file is left exactly as it was. */
	client_append(path, "client: earlier failure");
	stat(path, &before);
	unit = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	inotify_add_watch(unit, path, UNIT_FILE_EVENTS);
	inotify_add_watch(unit, dir, IN_MOVE_SELF);
	h = health_open(path, &e);
	if (!tap_ok(h != NULL, "open (watching) an existing file"))
		exit(1);
	seen = 0;
	for (i = 0; i < 3; i++)
		seen |= health_touched(h);
	tap_is_int(seen, 0, "an earlier line is not news");
	health_close(h);
	tap_ok(stat(path, &after) == 0 && same_stat(&before, &after),
	    "the gate left it untouched: same inode, size, mode and times");
	tap_is_int(events(unit), 0, "the path unit saw nothing: open, watch, close raise no event");

	/* Control: a client's line is what the path unit sees. */
	client_append(path, "client: connection refused");
	tap_ok(events(unit) > 0, "a client's line raises the events the path unit reacts to");
	close(unit);
}

static void
test_watch(void)
{
	struct health *h;
	struct eg_err e;
	struct timespec ts[2];
	char tmp[600];
	int fd;

	unlink(path);
	h = health_open(path, &e);
	if (h == NULL)
		exit(1);
	tap_is_int(health_touched(h), 0, "fresh: not touched");

	client_append(path, "client creates");
	tap_ok(readable(h, 2000), "creation by a client wakes the poll");
	tap_is_int(health_touched(h), 1, "creation by a client is reported");
	tap_is_int(health_touched(h), 0, "... once");

	client_append(path, "client: connection refused");
	tap_ok(readable(h, 2000), "a client append wakes the poll");
	tap_is_int(health_touched(h), 1, "a client append is reported");
	tap_is_int(health_touched(h), 0, "... once");

	client_append(path, "client one");
	client_append(path, "client two");
	tap_is_int(health_touched(h), 1, "two quick appends: reported");
	tap_is_int(health_touched(h), 0, "... once");
	tap_is_int(count_lines(path), 4, "every line is the clients' (4)");

	/* Opened for writing and closed, nothing written: the file is as it was. */
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd != -1)
		close(fd);
	tap_ok(readable(h, 2000), "an open for writing raises an event");
	tap_is_int(health_touched(h), 0, "... but leaves the file unchanged: not reported");

	/* An operator's touch changes only the times, a chmod only the ctime. */
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec += 5;
	ts[1] = ts[0];
	utimensat(AT_FDCWD, path, ts, 0);
	tap_is_int(health_touched(h), 1, "touch is reported");
	chmod(path, 0660);
	tap_is_int(health_touched(h), 1, "chmod is reported");
	tap_is_int(health_touched(h), 0, "quiet again");

	/* Replaced by rename: reported, and the new file is watched. */
	snprintf(tmp, sizeof(tmp), "%s/health.new", dir);
	client_append(tmp, "fresh file");
	rename(tmp, path);
	tap_ok(readable(h, 2000), "rename over the file wakes the poll");
	tap_is_int(health_touched(h), 1, "file replaced by rename: reported");
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

	/* Other files in the directory are not the health file. */
	client_append(tmp, "another file");
	tap_is_int(health_touched(h), 0, "another file in the directory: not reported");
	unlink(tmp);
	tap_is_int(health_touched(h), 0, "... nor its removal");
	health_close(h);
}

/* ---- a client appending while the gate looks --------------------------------------- */

struct round {
	atomic_int go;
	atomic_int done;
	int delay_us;
};

static void *
client_thread(void *arg)
{
	struct round *r = arg;

	while (!atomic_load(&r->go))
		;
	usleep((useconds_t)r->delay_us);
	client_append(path, "client: transport failure");
	atomic_store(&r->done, 1);
	return NULL;
}

static void
test_race(void)
{
	struct health *h;
	struct round r;
	struct eg_err e;
	pthread_t c;
	int i, seen, missed = 0, twice = 0, rounds = 60;
	unsigned seed = (unsigned)eg_now_us();

	unlink(path);
	h = health_open(path, &e);
	if (h == NULL)
		exit(1);
	for (i = 0; i < rounds; i++) {
		memset(&r, 0, sizeof(r));
		r.delay_us = (int)(rand_r(&seed) % 400);
		health_touched(h);
		pthread_create(&c, NULL, client_thread, &r);
		atomic_store(&r.go, 1);
		/* Look while the client writes, as the gate's event loop would. */
		seen = 0;
		while (!atomic_load(&r.done))
			seen += health_touched(h);
		pthread_join(c, NULL);
		seen += health_touched(h);
		if (seen == 0)
			missed++;
		if (readable(h, 0) && health_touched(h))
			twice++;
	}
	tap_is_int(missed, 0, "%d appends while the gate looks: never missed", rounds);
	tap_is_int(twice, 0, "... and nothing left over after the report");
	tap_is_int(count_lines(path), rounds, "%d lines, all the client's", rounds);
	health_close(h);
}

static void
test_errors(void)
{
	struct eg_err e;

	tap_ok(health_open("/nonexistent-dir/health", &e) == NULL &&
	    strstr(e.msg, "/nonexistent-dir/health") != NULL, "missing directory: error names "
	    "the file");
	tap_ok(health_open("/tmp/", &e) == NULL, "a directory path is refused");
	tap_ok(health_open(dir, &e) == NULL && strstr(e.msg, "directory") != NULL,
	    "an existing directory is refused");
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
	test_invisible();
	test_watch();
	test_race();
	test_errors();
	unlink(path);
	rmdir(dir);
	return tap_done();
}
