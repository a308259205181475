/* SPDX-License-Identifier: MIT */
/*
 * bench_journal - what the request journal costs one create: claim, mark sent and record
 * the reply (a 1 KB reply), one create after the other, as a session thread does them.
 *
 *   bench_journal DIR [CREATES]                  SQLite file in DIR (default 2000 creates)
 *   bench_journal --pg URL PASSWORD_FILE [CREATES]   PostgreSQL
 *
 * Each of the three is durable before it returns (SQLite: WAL with synchronous=FULL, so
 * an fsync each; PostgreSQL: synchronous_commit on, so the server's WAL flush each).
 * Prints one line for people and one JSON line for scripts. The file system type is
 * named because a tmpfs makes the SQLite figure meaningless.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "clock.h"
#include "journal.h"
#include "rdfile.h"

static const char *
fs_name(const char *dir)
{
	struct statfs sf;

	if (statfs(dir, &sf) == -1)
		return "unknown";
	switch ((unsigned long)sf.f_type) {
	case 0xEF53UL:
		return "ext4";
	case 0x58465342UL:
		return "xfs";
	case 0x9123683EUL:
		return "btrfs";
	case 0x01021994UL:
		return "tmpfs";
	case 0x794C7630UL:
		return "overlayfs";
	case 0x2FC12FC1UL:
		return "zfs";
	default:
		return "other";
	}
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
rm_files(const char *path)
{
	char p[PATH_MAX + 8];

	unlink(path);
	snprintf(p, sizeof(p), "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", path);
	unlink(p);
}

int
main(int argc, char **argv)
{
	struct journal_opts o = {0};
	struct journal_req rq = {"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	    "BENCH-CLTRID", "domain_create", "bench.example"};
	char path[PATH_MAX], id[64], reply[1024], pw[256] = "", tag[16];
	const char *where;
	struct eg_err err;
	struct journal *j = NULL;
	int64_t *lat = NULL, t0, t1, c0;
	double secs;
	long i, n = 2000;
	int rc = 1, pg = argc > 1 && strcmp(argv[1], "--pg") == 0;

	if ((pg && argc < 4) || (!pg && argc < 2)) {
		fprintf(stderr, "usage: bench_journal DIR [CREATES]\n"
		    "       bench_journal --pg URL PASSWORD_FILE [CREATES]\n");
		return 64;
	}
	if (argc > (pg ? 4 : 2))
		n = strtol(argv[pg ? 4 : 2], NULL, 10);
	if (n < 1 || n > 10000000) {
		fprintf(stderr, "bench_journal: CREATES must be 1-10000000\n");
		return 64;
	}
	if (pg) {
		if (eg_secret_read(argv[3], pw, sizeof(pw), NULL, &err) == -1) {
			fprintf(stderr, "bench_journal: %s\n", err.msg);
			return 1;
		}
		o.url = argv[2];
		o.password = pw;
		where = "server";
	} else {
		if (snprintf(path, sizeof(path), "%s/bench-journal.%ld.db", argv[1],
		    (long)getpid()) >= (int)sizeof(path)) {
			fprintf(stderr, "bench_journal: directory name too long\n");
			return 64;
		}
		o.file = path;
		where = fs_name(argv[1]);
	}
	o.tick_ms = -1;
	memset(reply, 'r', sizeof(reply));
	memcpy(reply, "{\"code\":1000,\"pad\":\"", 20);
	memcpy(reply + sizeof(reply) - 3, "\"}", 3);
	snprintf(tag, sizeof(tag), "%08lx", (unsigned long)eg_wall_ms() & 0xffffffffUL);
	if ((lat = calloc((size_t)n, sizeof(*lat))) == NULL ||
	    (j = journal_open(&o, &err)) == NULL) {
		fprintf(stderr, "bench_journal: %s\n", lat == NULL ? strerror(errno) : err.msg);
		goto fail;
	}
	t0 = eg_now_us();
	for (i = 0; i < n; i++) {
		snprintf(id, sizeof(id), "bench-%s-%ld", tag, i);
		c0 = eg_now_us();
		if (journal_claim(j, id, &rq, NULL, &err) != CLAIM_WON ||
		    journal_sent(j, id, rq.cltrid, &err) != 1 ||
		    journal_done(j, id, reply, sizeof(reply) - 1, 1000, &err) != 0) {
			fprintf(stderr, "bench_journal: create %ld: %s\n", i, err.msg);
			goto fail;
		}
		lat[i] = eg_now_us() - c0;
	}
	t1 = eg_now_us();
	secs = (double)(t1 - t0) / 1e6;
	qsort(lat, (size_t)n, sizeof(*lat), cmp_i64);
	printf("journal (%s, %s): %ld creates (claim + sent + done, 1 KB replies) in %.2f s: "
	    "%.0f creates/s, cost per create p50 %lld us, p99 %lld us\n", pg ? "postgresql" :
	    "sqlite", where, n, secs, n / secs, (long long)lat[n / 2],
	    (long long)lat[n * 99 / 100]);
	printf("{\"bench\":\"journal\",\"backend\":\"%s\",\"where\":\"%s\",\"creates\":%ld,"
	    "\"seconds\":%.3f,\"creates_per_s\":%.0f,\"p50_us\":%lld,\"p99_us\":%lld}\n",
	    pg ? "postgresql" : "sqlite", where, n, secs, n / secs, (long long)lat[n / 2],
	    (long long)lat[n * 99 / 100]);
	/* the rows are the benchmark's: pruned, whatever the retention */
	journal_prune(j, eg_wall_ms() + 1000, n + 10, &err);
	rc = 0;
fail:
	journal_close(j);
	if (!pg)
		rm_files(path);
	explicit_bzero(pw, sizeof(pw));
	free(lat);
	return rc;
}
