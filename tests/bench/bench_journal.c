/* SPDX-License-Identifier: MIT */
/*
 * bench_journal - claim + done pairs per second through the request journal,
 * each record fdatasync'd, on the disk that holds DIR.
 *
 *   bench_journal [DIR [PAIRS]]     DIR default ".", PAIRS default 2000
 *
 * Prints one line for people and one JSON line for scripts. The file system
 * type is named because a tmpfs makes the figure meaningless.
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

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	long pairs = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
	char path[PATH_MAX], tmp[PATH_MAX + 8], id[32], reply[1024];
	struct eg_err err;
	struct journal *j = NULL;
	int64_t *lat = NULL, t0, t1, c0;
	double secs;
	long i;
	int rc = 1, opened = 0;

	if (pairs < 1 || pairs > 10000000) {
		fprintf(stderr, "usage: bench_journal [DIR [PAIRS]]\n");
		return 64;
	}
	if (snprintf(path, sizeof(path), "%s/bench-journal.%ld", dir, (long)getpid()) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "bench_journal: directory name too long\n");
		return 64;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	memset(reply, 'r', sizeof(reply));
	memcpy(reply, "{\"code\":1000,\"pad\":\"", 20);
	memcpy(reply + sizeof(reply) - 3, "\"}", 3);
	if ((lat = calloc((size_t)pairs, sizeof(*lat))) == NULL ||
	    (j = journal_open(path, 0, &err)) == NULL) {
		fprintf(stderr, "bench_journal: %s\n", lat == NULL ? strerror(errno) : err.msg);
		goto fail;
	}
	opened = 1;
	t0 = eg_now_us();
	for (i = 0; i < pairs; i++) {
		snprintf(id, sizeof(id), "bench-%ld", i);
		c0 = eg_now_us();
		if (journal_claim(j, id, "BENCH-CLTRID", "domain:create", "bench.cz", NULL, &err) != 1 ||
		    journal_done(j, id, reply, sizeof(reply) - 1, &err) != 0) {
			fprintf(stderr, "bench_journal: pair %ld: %s\n", i, err.msg);
			goto fail;
		}
		lat[i] = eg_now_us() - c0;
	}
	t1 = eg_now_us();
	secs = (double)(t1 - t0) / 1e6;
	qsort(lat, (size_t)pairs, sizeof(*lat), cmp_i64);
	printf("journal: %ld claim+done pairs (1 KB replies) in %.2f s on %s: %.0f pairs/s "
	    "(%.0f fdatasync/s), pair latency p50 %lld us, p99 %lld us\n", pairs, secs,
	    fs_name(dir), pairs / secs, 2 * pairs / secs, (long long)lat[pairs / 2],
	    (long long)lat[pairs * 99 / 100]);
	printf("{\"bench\":\"journal\",\"pairs\":%ld,\"seconds\":%.3f,\"fs\":\"%s\","
	    "\"pairs_per_s\":%.0f,\"p50_us\":%lld,\"p99_us\":%lld}\n", pairs, secs, fs_name(dir),
	    pairs / secs, (long long)lat[pairs / 2], (long long)lat[pairs * 99 / 100]);
	rc = 0;
fail:
	journal_close(j);
	if (opened) {
		unlink(path);
		unlink(tmp);
	}
	free(lat);
	return rc;
}
