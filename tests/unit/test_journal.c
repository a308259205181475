/* SPDX-License-Identifier: MIT */
/*
 * The request journal: claims, replies, replay, crash and torn-write recovery,
 * racing claims, compaction, and refusal when the record cannot reach the disk
 * (a full tmpfs, and RLIMIT_FSIZE, which needs no privileges).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "journal.h"
#include "tap.h"

#define KIB 1024

static void
path_in(char *dst, size_t size, const char *dir, const char *name)
{
	int n = snprintf(dst, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		abort();   /* a test directory this deep is a setup error */
}

static long long
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static int
write_file(const char *path, const char *data, size_t len, int append)
{
	int fd, rc = -1;

	fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0600);
	if (fd == -1)
		return -1;
	if (write(fd, data, len) == (ssize_t)len)
		rc = 0;
	close(fd);
	return rc;
}

/* Counts lines and checks that each is one JSON object. -1 if one is not. */
static long
json_lines(const char *path)
{
	char *s, *p, *nl;
	size_t len;
	long n = 0;
	json_object *o;

	if ((s = tap_slurp(path, &len)) == NULL)
		return -1;
	for (p = s; (nl = memchr(p, '\n', len - (size_t)(p - s))) != NULL; p = nl + 1) {
		*nl = '\0';
		o = json_tokener_parse(p);
		if (o == NULL || !json_object_is_type(o, json_type_object))
			n = -1;
		if (o != NULL)
			json_object_put(o);
		if (n == -1)
			break;
		n++;
	}
	if (n != -1 && p != s + len)
		n = -1;   /* bytes after the last newline */
	free(s);
	return n;
}

static int
rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP)
		return rmdir(path) == -1 ? -1 : 0;
	return unlink(path) == -1 ? -1 : 0;
}

/* ---- claim, done, lookup, release, reopen ------------------------------------ */

static void
test_basic(const char *dir)
{
	struct eg_err err;
	struct journal *j, *j2;
	struct journal_entry e = { 0 };
	char path[PATH_MAX], id[300];
	static const char odd[] = "{\"msg\":\"quote \\\" back\\\\ nl\n tab\t caf\xc3\xa9\",\"z\":\0\"after NUL\"}";
	int64_t t0 = eg_wall_ms();
	struct stat st;

	path_in(path, sizeof(path), dir, "basic.journal");
	j = journal_open(path, 0, &err);
	if (!tap_ok(j != NULL, "open creates the journal")) {
		tap_diag("%s", err.msg);
		return;
	}
	tap_ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600, "file mode is 0600");
	tap_is_int((long long)journal_count(j), 0, "empty journal has no entries");
	tap_is_int(journal_lookup(j, "req-1", &e), JOURNAL_NONE, "unknown id is NONE");

	tap_is_int(journal_claim(j, "req-1", "CLT-0001", "domain:create", "example.cz", NULL, &err),
	    1, "first claim wins");
	tap_ok(journal_file_bytes(j) > 0 && (long long)journal_file_bytes(j) == file_size(path),
	    "claim is in the file before it returns");
	tap_is_int(journal_lookup(j, "req-1", &e), JOURNAL_SENT, "claimed id is SENT");
	tap_ok(strcmp(e.cltrid, "CLT-0001") == 0 && strcmp(e.cmd, "domain:create") == 0 &&
	    strcmp(e.obj, "example.cz") == 0 && e.reply == NULL, "SENT entry has clTRID, command, object");
	tap_ok(e.sent_ms >= t0 && e.sent_ms <= eg_wall_ms(), "sent_ms is the wall clock");
	journal_entry_clear(&e);

	tap_is_int(journal_claim(j, "req-1", "CLT-0002", "domain:create", "example.cz", &e, &err),
	    0, "second claim of the same id is refused");
	tap_ok(e.state == JOURNAL_SENT && strcmp(e.cltrid, "CLT-0001") == 0,
	    "refused claim describes the first one");
	journal_entry_clear(&e);

	tap_is_int(journal_done(j, "req-1", "{\"code\":1000}", 13, &err), 0, "done records the reply");
	tap_is_int(journal_lookup(j, "req-1", &e), JOURNAL_DONE, "answered id is DONE");
	tap_ok(e.reply != NULL && e.reply_len == 13 && strcmp(e.reply, "{\"code\":1000}") == 0,
	    "lookup returns the reply");
	journal_entry_clear(&e);
	tap_is_int(journal_claim(j, "req-1", "CLT-0003", "domain:create", "example.cz", &e, &err),
	    0, "claim of an answered id is refused");
	tap_ok(e.state == JOURNAL_DONE && e.reply != NULL && strcmp(e.reply, "{\"code\":1000}") == 0,
	    "and carries the recorded reply");
	journal_entry_clear(&e);
	tap_is_int(journal_done(j, "req-1", "x", 1, &err), -1, "a second reply is refused");
	tap_is_int(journal_done(j, "unclaimed", "x", 1, &err), -1, "a reply for an unclaimed id is refused");
	tap_ok(err.code == EG_EREQUEST && strstr(err.msg, "never claimed") != NULL,
	    "with a message: %s", err.msg);

	tap_is_int(journal_claim(j, "", "C", "c", "o", NULL, &err), -1, "empty id refused");
	memset(id, 'a', 256);
	id[256] = '\0';
	tap_is_int(journal_claim(j, id, "C", "c", "o", NULL, &err), -1, "256-byte id refused");
	tap_ok(err.code == EG_EREQUEST && strstr(err.msg, "255") != NULL, "message: %s", err.msg);
	id[255] = '\0';
	tap_is_int(journal_claim(j, id, "C", "c", "o", NULL, &err), 1, "255-byte id accepted");
	tap_is_int(journal_claim(j, "long-cltrid", "0123456789012345678901234567890123456789"
	    "0123456789012345678901234", "c", "o", NULL, &err), -1, "65-byte clTRID refused");
	tap_is_int(journal_lookup(j, "long-cltrid", NULL), JOURNAL_NONE, "and nothing was recorded");

	tap_is_int(journal_claim(j, "req-2", "CLT-0004", "domain:renew", "example.cz", NULL, &err),
	    1, "claim req-2");
	tap_is_int(journal_release(j, "req-2", &err), 0, "release a SENT claim");
	tap_is_int(journal_lookup(j, "req-2", NULL), JOURNAL_NONE, "released id is NONE");
	tap_is_int(journal_claim(j, "req-2", "CLT-0005", "domain:renew", "example.cz", NULL, &err),
	    1, "released id can be claimed again");
	tap_is_int(journal_release(j, "req-1", &err), -1, "an answered id cannot be released");
	tap_is_int(journal_release(j, "nobody", &err), 0, "releasing an unknown id is a no-op");

	tap_is_int(journal_claim(j, "req-odd", "CLT-0006", "contact:create", "C\"1\\", NULL, &err),
	    1, "claim with quotes in the object");
	tap_is_int(journal_done(j, "req-odd", odd, sizeof(odd) - 1, &err), 0,
	    "reply with quotes, backslash, newline, UTF-8 and NUL");
	tap_is_int(json_lines(path), 8, "every line is one JSON object (8 records)");

	j2 = journal_open(path, 0, &err);
	tap_ok(j2 == NULL && strstr(err.msg, "in use") != NULL,
	    "a second open of a journal in use is refused: %s", j2 == NULL ? err.msg : "opened");
	journal_close(j2);
	tap_ok(journal_open(path, 1000, &err) == NULL && err.code == EG_ECONFIG,
	    "a size limit below 64 KiB is refused");
	tap_is_int((long long)journal_count(j), 4, "4 entries in memory");
	journal_close(j);

	j = journal_open(path, 0, &err);
	if (!tap_ok(j != NULL, "reopen")) {
		tap_diag("%s", err.msg);
		return;
	}
	tap_is_int((long long)journal_count(j), 4, "replay rebuilds 4 entries");
	tap_is_int((long long)journal_file_bytes(j), file_size(path), "replay counts the whole file");
	tap_is_int(journal_lookup(j, "req-1", &e), JOURNAL_DONE, "after reopen req-1 is DONE");
	tap_ok(e.reply != NULL && strcmp(e.reply, "{\"code\":1000}") == 0 &&
	    strcmp(e.cltrid, "CLT-0001") == 0, "with its reply and clTRID");
	journal_entry_clear(&e);
	tap_is_int(journal_lookup(j, "req-2", &e), JOURNAL_SENT, "after reopen req-2 is SENT");
	tap_is_str(e.cltrid, "CLT-0005", "with the clTRID of the claim after the release");
	journal_entry_clear(&e);
	tap_is_int(journal_lookup(j, "req-odd", &e), JOURNAL_DONE, "req-odd is DONE");
	tap_ok(e.reply_len == sizeof(odd) - 1 && memcmp(e.reply, odd, sizeof(odd) - 1) == 0 &&
	    strcmp(e.obj, "C\"1\\") == 0, "odd reply and object come back byte for byte");
	journal_entry_clear(&e);
	tap_is_int(journal_lookup(j, id, NULL), JOURNAL_SENT, "255-byte id survives replay");
	journal_close(j);
}

/* ---- crash: a child claims and dies -------------------------------------------- */

static void
test_crash(const char *dir)
{
	struct eg_err err;
	struct journal *j;
	struct journal_entry e = { 0 };
	char path[PATH_MAX];
	pid_t pid;
	int status = 0;

	path_in(path, sizeof(path), dir, "crash.journal");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		j = journal_open(path, 0, &err);
		if (j == NULL)
			_exit(2);
		if (journal_claim(j, "answered", "CLT-A", "domain:renew", "a.cz", NULL, &err) != 1 ||
		    journal_done(j, "answered", "{\"code\":1000}", 13, &err) != 0 ||
		    journal_claim(j, "in-flight", "CLT-B", "domain:create", "b.cz", NULL, &err) != 1)
			_exit(3);
		_exit(0);   /* dies with the command "in flight": no done, no close */
	}
	tap_ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "child claimed and exited without done or close");
	j = journal_open(path, 0, &err);
	if (!tap_ok(j != NULL, "parent reopens the journal the child left")) {
		tap_diag("%s", err.msg);
		return;
	}
	tap_is_int(journal_lookup(j, "in-flight", &e), JOURNAL_SENT, "in-flight claim is SENT");
	tap_is_str(e.cltrid, "CLT-B", "and names its clTRID");
	journal_entry_clear(&e);
	tap_is_int(journal_lookup(j, "answered", NULL), JOURNAL_DONE, "answered claim is DONE");
	tap_is_int(journal_claim(j, "in-flight", "CLT-C", "domain:create", "b.cz", NULL, &err), 0,
	    "a redelivery of the in-flight request is not sent again");
	journal_close(j);
}

/* ---- torn and corrupt lines ---------------------------------------------------- */

/* Makes a journal with a (DONE) and b (SENT); returns its size. */
static long long
make_small(const char *path)
{
	struct eg_err err;
	struct journal *j;

	unlink(path);
	if ((j = journal_open(path, 0, &err)) == NULL)
		return -1;
	journal_claim(j, "a", "CLT-A", "domain:create", "a.cz", NULL, &err);
	journal_done(j, "a", "{\"r\":1}", 7, &err);
	journal_claim(j, "b", "CLT-B", "domain:create", "b.cz", NULL, &err);
	journal_close(j);
	return file_size(path);
}

static void
torn_case(const char *path, const char *tail, size_t tail_len, const char *what)
{
	struct eg_err err;
	struct journal *j;
	long long good = make_small(path);

	write_file(path, tail, tail_len, 1);
	j = journal_open(path, 0, &err);
	if (!tap_ok(j != NULL, "%s: journal opens", what)) {
		tap_diag("%s", err.msg);
		return;
	}
	tap_ok(journal_lookup(j, "a", NULL) == JOURNAL_DONE && journal_lookup(j, "b", NULL) ==
	    JOURNAL_SENT && journal_lookup(j, "c", NULL) == JOURNAL_NONE,
	    "%s: records before it are kept, the torn one ignored", what);
	tap_is_int(file_size(path), good, "%s: file cut back to the last whole record", what);
	tap_is_int(journal_claim(j, "d", "CLT-D", "domain:create", "d.cz", NULL, &err), 1,
	    "%s: new claim after repair", what);
	journal_close(j);
	j = journal_open(path, 0, &err);
	tap_ok(j != NULL && journal_lookup(j, "d", NULL) == JOURNAL_SENT &&
	    journal_count(j) == 3, "%s: repaired file replays cleanly", what);
	if (j == NULL)
		tap_diag("%s", err.msg);
	journal_close(j);
}

static void
test_torn(const char *dir)
{
	char path[PATH_MAX];
	static const char zeros[600];

	path_in(path, sizeof(path), dir, "torn.journal");
	torn_case(path, "{\"t\":\"sent\",\"id\":\"c\",\"cltr", 26, "half a record");
	torn_case(path, "{\"t\":\"sent\",\"id\":\"c\",\"cltrid\":\"X\",\"cmd\":\"c\",\"obj\":\"o\","
	    "\"ms\":1}", 62, "whole record without its newline");
	torn_case(path, "garbage\n", 8, "unparsable last line");
	torn_case(path, zeros, sizeof(zeros), "block of NUL bytes");
}

static void
corrupt_case(const char *path, const char *mid, const char *what)
{
	struct eg_err err;
	struct journal *j;
	char *s, *nl, *out;
	size_t len, m = strlen(mid);
	long long before;

	make_small(path);
	s = tap_slurp(path, &len);
	if (s == NULL || (nl = strchr(s, '\n')) == NULL || (out = malloc(len + m)) == NULL) {
		tap_ok(0, "%s: setup", what);
		free(s);
		return;
	}
	/* Insert mid as line 2. */
	memcpy(out, s, (size_t)(nl + 1 - s));
	memcpy(out + (nl + 1 - s), mid, m);
	memcpy(out + (nl + 1 - s) + m, nl + 1, len - (size_t)(nl + 1 - s));
	write_file(path, out, len + m, 0);
	free(out);
	free(s);
	before = file_size(path);
	j = journal_open(path, 0, &err);
	tap_ok(j == NULL && strstr(err.msg, "line 2") != NULL,
	    "%s in the middle: open fails naming line 2: %s", what, j == NULL ? err.msg : "opened");
	tap_is_int(file_size(path), before, "%s: the file is left as it was", what);
	journal_close(j);
}

static void
test_corrupt(const char *dir)
{
	char path[PATH_MAX];

	path_in(path, sizeof(path), dir, "corrupt.journal");
	corrupt_case(path, "not json at all\n", "garbage line");
	corrupt_case(path, "{\"t\":\"sent\",\"id\":\"x\"}\n", "sent record without fields");
	corrupt_case(path, "{\"t\":\"frobnicate\",\"id\":\"x\"}\n", "unknown record type");
	corrupt_case(path, "\n", "empty line");
}

/* ---- racing claims ------------------------------------------------------------- */

#define RACE_THREADS 8
#define RACE_IDS 100

struct race {
	struct journal *j;
	int wins[RACE_IDS];      /* shared; updated atomically */
	int errors;
	int bad_prev;
};

struct race_arg {
	struct race *r;
	int thread;
};

static void *
race_main(void *p)
{
	struct race_arg *a = p;
	struct journal_entry prev = { 0 };
	struct eg_err err;
	char id[32];
	int i, k, rc;

	for (k = 0; k < RACE_IDS; k++) {
		/* Threads walk the ids from different starting points and directions. */
		i = (a->thread % 2) ? (k + a->thread * 13) % RACE_IDS :
		    (RACE_IDS - 1 - k + a->thread * 7) % RACE_IDS;
		snprintf(id, sizeof(id), "race-%d", i);
		rc = journal_claim(a->r->j, id, "CLT-R", "domain:create", "race.cz", &prev, &err);
		if (rc == 1)
			__atomic_fetch_add(&a->r->wins[i], 1, __ATOMIC_RELAXED);
		else if (rc == -1)
			__atomic_fetch_add(&a->r->errors, 1, __ATOMIC_RELAXED);
		else if (prev.state != JOURNAL_SENT)
			__atomic_fetch_add(&a->r->bad_prev, 1, __ATOMIC_RELAXED);
		journal_entry_clear(&prev);
	}
	return NULL;
}

static void
test_race(const char *dir)
{
	struct eg_err err;
	struct race r;
	struct race_arg args[RACE_THREADS];
	pthread_t th[RACE_THREADS];
	char path[PATH_MAX];
	int i, started = 0, one = 0;

	memset(&r, 0, sizeof(r));
	path_in(path, sizeof(path), dir, "race.journal");
	if ((r.j = journal_open(path, 0, &err)) == NULL) {
		tap_ok(0, "race: open: %s", err.msg);
		return;
	}
	for (i = 0; i < RACE_THREADS; i++) {
		args[i].r = &r;
		args[i].thread = i;
		if (pthread_create(&th[i], NULL, race_main, &args[i]) == 0)
			started++;
	}
	for (i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < RACE_IDS; i++)
		one += r.wins[i] == 1;
	tap_is_int(started, RACE_THREADS, "8 threads raced");
	tap_is_int(one, RACE_IDS, "each of the 100 ids has exactly one winner");
	tap_is_int(r.errors, 0, "no claim failed");
	tap_is_int(r.bad_prev, 0, "every loser saw the winner's SENT entry");
	tap_is_int((long long)journal_count(r.j), RACE_IDS, "100 entries");
	tap_is_int(json_lines(path), RACE_IDS, "100 whole lines: appends did not interleave");
	journal_close(r.j);
}

/* ---- compaction ---------------------------------------------------------------- */

#define COMPACT_MAX (1024 * KIB)
#define COMPACT_CLAIMS 100000

static void
make_reply(char *dst, size_t size, int i)
{
	int n = snprintf(dst, size, "{\"id\":%d,\"pad\":\"", i);

	memset(dst + n, 'a' + i % 26, size - (size_t)n - 3);
	memcpy(dst + size - 3, "\"}", 3);
}

static void
test_compaction(const char *dir)
{
	struct eg_err err;
	struct journal *j;
	struct journal_entry e = { 0 };
	char path[PATH_MAX], id[32], reply[1024], old[512];
	size_t over = 0, maxseen = 0, n;
	int i, fails = 0, newest_ok = 0, pend_ok = 0;
	int64_t now = eg_wall_ms(), t0;
	long lines;

	path_in(path, sizeof(path), dir, "compact.journal");
	/* Two unanswered claims written by an earlier run: one 25 h old, one 1 h old. */
	n = (size_t)snprintf(old, sizeof(old),
	    "{\"t\":\"sent\",\"id\":\"stale\",\"cltrid\":\"S\",\"cmd\":\"domain:create\",\"obj\":\"s.cz\",\"ms\":%lld}\n"
	    "{\"t\":\"sent\",\"id\":\"young\",\"cltrid\":\"Y\",\"cmd\":\"domain:create\",\"obj\":\"y.cz\",\"ms\":%lld}\n",
	    (long long)(now - 25 * 3600 * 1000LL), (long long)(now - 3600 * 1000LL));
	write_file(path, old, n, 0);
	if ((j = journal_open(path, COMPACT_MAX, &err)) == NULL) {
		tap_ok(0, "compaction: open: %s", err.msg);
		return;
	}
	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "pending-%d", i);
		fails += journal_claim(j, id, "P", "domain:renew", "p.cz", NULL, &err) != 1;
	}
	t0 = eg_now_ms();
	for (i = 0; i < COMPACT_CLAIMS; i++) {
		snprintf(id, sizeof(id), "flood-%d", i);
		make_reply(reply, sizeof(reply), i);
		if (journal_claim(j, id, "F", "domain:info", "f.cz", NULL, &err) != 1 ||
		    journal_done(j, id, reply, sizeof(reply) - 1, &err) != 0) {
			if (fails++ == 0)
				tap_diag("flood %d: %s", i, err.msg);
		}
		n = journal_file_bytes(j);
		over += n > COMPACT_MAX;
		if (n > maxseen)
			maxseen = n;
	}
	tap_diag("100000 claims + 1 KB replies in %lld ms; largest file %zu bytes, %zu entries kept",
	    (long long)(eg_now_ms() - t0), maxseen, journal_count(j));
	tap_is_int(fails, 0, "every claim and done succeeded");
	tap_is_int((long long)over, 0, "the file never exceeded max_bytes after a call");
	tap_ok(journal_file_bytes(j) <= COMPACT_MAX && (long long)journal_file_bytes(j) ==
	    file_size(path), "file size matches the journal's count");
	lines = json_lines(path);
	tap_ok(lines > 0 && (size_t)lines >= journal_count(j),
	    "index holds no more entries than the file has records (%ld lines, %zu entries)",
	    lines, journal_count(j));
	tap_ok(journal_count(j) > 300 && journal_count(j) < 1000,
	    "a sensible number of entries fit in half the limit (%zu)", journal_count(j));
	for (i = COMPACT_CLAIMS - 200; i < COMPACT_CLAIMS; i++) {
		snprintf(id, sizeof(id), "flood-%d", i);
		make_reply(reply, sizeof(reply), i);
		if (journal_lookup(j, id, &e) == JOURNAL_DONE && e.reply_len == sizeof(reply) - 1 &&
		    memcmp(e.reply, reply, e.reply_len) == 0)
			newest_ok++;
		journal_entry_clear(&e);
	}
	tap_is_int(newest_ok, 200, "the newest 200 are kept with their replies");
	tap_is_int(journal_lookup(j, "flood-0", NULL), JOURNAL_NONE, "the oldest are dropped");
	for (i = 0; i < 5; i++) {
		snprintf(id, sizeof(id), "pending-%d", i);
		pend_ok += journal_lookup(j, id, NULL) == JOURNAL_SENT;
	}
	tap_is_int(pend_ok, 5, "unanswered claims younger than 24 h survive every compaction");
	tap_is_int(journal_lookup(j, "young", NULL), JOURNAL_SENT,
	    "an unanswered claim from an earlier run (1 h old) survives");
	tap_is_int(journal_lookup(j, "stale", NULL), JOURNAL_NONE,
	    "an unanswered claim older than 24 h is not protected");
	n = journal_count(j);
	journal_close(j);
	j = journal_open(path, COMPACT_MAX, &err);
	tap_ok(j != NULL && journal_count(j) == n &&
	    journal_lookup(j, "flood-99999", NULL) == JOURNAL_DONE &&
	    journal_lookup(j, "pending-0", NULL) == JOURNAL_SENT,
	    "the compacted file replays to the same index");
	journal_close(j);
}

/*
 * A compaction that cannot write its temporary file must not fail the claim
 * that triggered it; it is tried again later and then succeeds.
 */
static void
test_compaction_failure(const char *dir)
{
	struct eg_err err;
	struct journal *j;
	char path[PATH_MAX], tmp[PATH_MAX + 8], id[32], reply[1024];
	int i, fails = 0;
	size_t peak = 0, n;

	path_in(path, sizeof(path), dir, "cfail.journal");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if (mkdir(tmp, 0700) == -1 || (j = journal_open(path, 64 * KIB, &err)) == NULL) {
		tap_ok(0, "compaction failure: setup");
		return;
	}
	for (i = 0; i < 100; i++) {
		snprintf(id, sizeof(id), "cf-%d", i);
		make_reply(reply, sizeof(reply), i);
		fails += journal_claim(j, id, "C", "domain:info", "c.cz", NULL, &err) != 1;
		fails += journal_done(j, id, reply, sizeof(reply) - 1, &err) != 0;
		if ((n = journal_file_bytes(j)) > peak)
			peak = n;
	}
	tap_is_int(fails, 0, "claims go on while compaction cannot write its temporary file");
	tap_ok(peak > 64 * KIB, "the file grew past the limit meanwhile (%zu bytes)", peak);
	rmdir(tmp);
	for (i = 100; i < 130; i++) {
		snprintf(id, sizeof(id), "cf-%d", i);
		make_reply(reply, sizeof(reply), i);
		fails += journal_claim(j, id, "C", "domain:info", "c.cz", NULL, &err) != 1;
		fails += journal_done(j, id, reply, sizeof(reply) - 1, &err) != 0;
	}
	tap_ok(fails == 0 && journal_file_bytes(j) <= 64 * KIB,
	    "once it can, compaction brings the file back under the limit (%zu bytes)",
	    journal_file_bytes(j));
	journal_close(j);
}

/* ---- the record cannot be written ---------------------------------------------- */

/*
 * Claims with a long object (a record of ~400 bytes) until one fails, then checks
 * that the failure left no trace. Returns the number of successful claims.
 */
static int
claim_until_failure(struct journal *j, const char *what, int *failed, struct eg_err *err)
{
	char id[32], obj[256];
	int i;

	memset(obj, 'o', 250);
	obj[250] = '\0';
	*failed = -1;
	for (i = 0; i < 200; i++) {
		snprintf(id, sizeof(id), "%s-%d", what, i);
		if (journal_claim(j, id, "CLT-F", "domain:create", obj, NULL, err) == -1) {
			*failed = i;
			break;
		}
	}
	return i;
}

static void
check_refusal(struct journal *j, const char *path, const char *what, int failed,
    const struct eg_err *err, const char *errtext)
{
	char id[32];

	tap_ok(failed >= 0, "%s: a claim fails", what);
	if (failed < 0)
		return;
	tap_ok(err->code == EG_EIO && strstr(err->msg, errtext) != NULL,
	    "%s: with a clear message: %s", what, err->msg);
	snprintf(id, sizeof(id), "%s-%d", what, failed);
	tap_is_int(journal_lookup(j, id, NULL), JOURNAL_NONE, "%s: the refused id is not in memory",
	    what);
	tap_is_int(file_size(path), (long long)journal_file_bytes(j),
	    "%s: the file is cut back to its previous length", what);
	tap_ok(json_lines(path) >= 0, "%s: no partial line is left", what);
}

static void
test_fsize(const char *dir)
{
	struct eg_err err;
	struct journal *j;
	struct journal_entry e = { 0 };
	struct rlimit old, lim;
	char path[PATH_MAX];
	int failed, n, done_rc, rel_rc, claim_rc;
	long long size;
	void (*oldsig)(int);

	path_in(path, sizeof(path), dir, "fsize.journal");
	if ((j = journal_open(path, 0, &err)) == NULL) {
		tap_ok(0, "fsize: open: %s", err.msg);
		return;
	}
	journal_claim(j, "fs-pending", "CLT-P", "domain:create", "p.cz", NULL, &err);
	journal_claim(j, "fs-keep", "CLT-K", "domain:create", "k.cz", NULL, &err);
	size = file_size(path);
	getrlimit(RLIMIT_FSIZE, &old);
	oldsig = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	/* Room for part of a record only: the write is short, then fails with EFBIG. */
	lim.rlim_cur = (rlim_t)size + 20;
	/* Nothing may be printed while the limit holds: stdout may be a file too. */
	fflush(stdout);
	setrlimit(RLIMIT_FSIZE, &lim);
	n = claim_until_failure(j, "fsize", &failed, &err);
	done_rc = journal_done(j, "fs-pending", "{\"code\":1000}", 13, NULL);
	rel_rc = journal_release(j, "fs-keep", NULL);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, oldsig);

	tap_is_int(n, 0, "RLIMIT_FSIZE: the first claim over the limit fails");
	check_refusal(j, path, "fsize", failed, &err, "File too large");
	tap_ok(strstr(err.msg, "(20 of") != NULL, "the write was short before it failed");
	tap_is_int(done_rc, -1, "RLIMIT_FSIZE: done fails too");
	tap_is_int(journal_lookup(j, "fs-pending", NULL), JOURNAL_SENT, "and the entry stays SENT");
	tap_is_int(rel_rc, -1, "RLIMIT_FSIZE: release fails too");
	tap_is_int(journal_lookup(j, "fs-keep", NULL), JOURNAL_SENT, "and the claim stays");
	tap_is_int(file_size(path), size, "the file is exactly as before the limit");

	claim_rc = journal_claim(j, "fsize-0", "CLT-F", "domain:create", "x.cz", NULL, &err);
	tap_is_int(claim_rc, 1, "with the limit lifted the refused id can be claimed");
	tap_is_int(journal_done(j, "fs-pending", "{\"code\":1000}", 13, &err), 0,
	    "and the reply recorded");
	journal_close(j);
	j = journal_open(path, 0, &err);
	tap_ok(j != NULL && journal_lookup(j, "fsize-0", NULL) == JOURNAL_SENT &&
	    journal_lookup(j, "fs-pending", &e) == JOURNAL_DONE && journal_count(j) == 3,
	    "the file replays cleanly after the failures");
	journal_entry_clear(&e);
	journal_close(j);
}

/* Fills the file system holding dir; returns the open filler fd, or -1. */
static int
fill_fs(const char *filler)
{
	char block[4096];
	int fd;
	ssize_t w;

	memset(block, 'f', sizeof(block));
	if ((fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	do
		w = write(fd, block, sizeof(block));
	while (w > 0);
	do
		w = write(fd, block, 1);
	while (w > 0);
	return fd;
}

static void
test_disk_full(const char *dir)
{
	struct eg_err err;
	struct journal *j = NULL;
	char mnt[PATH_MAX], path[PATH_MAX], filler[PATH_MAX], obj[256];
	int failed = -1, fd, mounted = 0, n;

	memset(obj, 'o', 250);
	obj[250] = '\0';
	path_in(mnt, sizeof(mnt), dir, "small");
	if (mkdir(mnt, 0700) == -1) {
		tap_ok(0, "disk full: mkdir: %s", strerror(errno));
		return;
	}
	/*
	 * A private mount namespace, where we may make one, takes the mount away with the
	 * process even if this test crashes; it is unmounted explicitly all the same.
	 */
	if (unshare(CLONE_NEWNS) == 0)
		(void)mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL);
	if (mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0700") == -1) {
		tap_ok(1, "disk full on a 64 KiB tmpfs # SKIP cannot mount tmpfs: %s",
		    strerror(errno));
		rmdir(mnt);
		return;
	}
	mounted = 1;
	path_in(path, sizeof(path), mnt, "j");
	path_in(filler, sizeof(filler), mnt, "filler");
	if ((j = journal_open(path, 0, &err)) == NULL) {
		tap_ok(0, "disk full: open: %s", err.msg);
		goto out;
	}
	tap_is_int(journal_claim(j, "before", "CLT-0", "domain:create", "x.cz", NULL, &err), 1,
	    "tmpfs: claim before the disk fills");
	if ((fd = fill_fs(filler)) == -1) {
		tap_ok(0, "disk full: filler: %s", strerror(errno));
		goto out;
	}
	n = claim_until_failure(j, "full", &failed, &err);
	tap_diag("%d claims still fitted in the journal's last page", n);
	check_refusal(j, path, "tmpfs", failed, &err, "No space left");
	tap_is_int(journal_claim(j, "full-again", "CLT-1", "domain:create", obj, NULL, &err),
	    -1, "tmpfs: still refused while the disk is full");
	close(fd);
	unlink(filler);
	tap_is_int(journal_claim(j, "full-again", "CLT-1", "domain:create", obj, NULL, &err), 1,
	    "tmpfs: claim works again once space is freed");
	journal_close(j);
	j = journal_open(path, 0, &err);
	tap_ok(j != NULL && journal_lookup(j, "full-again", NULL) == JOURNAL_SENT &&
	    journal_lookup(j, "before", NULL) == JOURNAL_SENT,
	    "tmpfs: the journal replays cleanly after the disk was full");
out:
	journal_close(j);
	if (mounted && umount(mnt) == -1 && umount2(mnt, MNT_DETACH) == -1)
		tap_ok(0, "unmount %s: %s", mnt, strerror(errno));
	rmdir(mnt);
}

int
main(void)
{
	const char *base = getenv("TMPDIR");
	char dir[PATH_MAX], fast[PATH_MAX];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/eg-journal-test.XXXXXX", base ? base : "/tmp");
	if (mkdtemp(dir) == NULL) {
		tap_ok(0, "mkdtemp: %s", strerror(errno));
		return tap_done();
	}
	test_basic(dir);
	test_crash(dir);
	test_torn(dir);
	test_corrupt(dir);
	test_race(dir);

	/* 200,000 fdatasyncs take a while on a real disk; a tmpfs keeps this quick. */
	snprintf(fast, sizeof(fast), "/dev/shm/eg-journal-test.XXXXXX");
	if (stat("/dev/shm", &st) != 0 || mkdtemp(fast) == NULL)
		snprintf(fast, sizeof(fast), "%s", dir);
	test_compaction(fast);
	test_compaction_failure(dir);
	test_fsize(dir);
	test_disk_full(dir);

	if (strcmp(fast, dir) != 0)
		nftw(fast, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) == -1)
		tap_diag("cleanup of %s failed: %s", dir, strerror(errno));
	return tap_done();
}
