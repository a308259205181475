/* SPDX-License-Identifier: MIT */
/* The EPP frame reader and packer (RFC 5734 framing), fed byte strings only. */
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "tap.h"

static void
pack(struct buf *b, const char *xml)
{
	struct eg_err e;

	if (frame_pack(b, xml, strlen(xml), 0, &e) == -1)
		abort();
}

/* Appends a frame whose header claims `total` bytes. */
static void
raw_header(struct buf *b, unsigned long total)
{
	unsigned char h[4] = {(unsigned char)(total >> 24), (unsigned char)(total >> 16),
	    (unsigned char)(total >> 8), (unsigned char)total};

	buf_append(b, h, 4);
}

static void
test_split_everywhere(void)
{
	const char *doc = "<epp><hello/></epp>";
	struct frame_reader r;
	struct buf f = BUF_INIT;
	const char *xml;
	size_t len, cut;
	int bad = 0, got;
	struct eg_err e;

	pack(&f, doc);
	tap_is_int((long long)f.len, (long long)strlen(doc) + 4, "pack: length counts the header");
	tap_ok(f.data[0] == 0 && f.data[3] == (char)(strlen(doc) + 4), "pack: big-endian header");
	for (cut = 0; cut <= f.len; cut++) {
		frame_reader_init(&r, 0);
		got = 0;
		if (frame_reader_feed(&r, f.data, cut, &e) == -1)
			bad++;
		if (cut < f.len && frame_reader_next(&r, &xml, &len, &e) != 0)
			bad++;
		if (frame_reader_feed(&r, f.data + cut, f.len - cut, &e) == -1)
			bad++;
		if (frame_reader_next(&r, &xml, &len, &e) == 1 && len == strlen(doc) &&
		    memcmp(xml, doc, len) == 0)
			got = 1;
		if (!got || frame_reader_next(&r, &xml, &len, &e) != 0 || frame_reader_pending(&r) != 0)
			bad++;
		frame_reader_clear(&r);
	}
	tap_is_int(bad, 0, "a frame split at each of its %zu byte boundaries", f.len + 1);

	/* one byte at a time */
	frame_reader_init(&r, 0);
	got = 0;
	for (cut = 0; cut < f.len; cut++) {
		frame_reader_feed(&r, f.data + cut, 1, &e);
		if (frame_reader_next(&r, &xml, &len, &e) == 1)
			got++;
	}
	tap_is_int(got, 1, "fed one byte at a time: exactly one frame, at the last byte");
	frame_reader_clear(&r);
	buf_clear(&f);
}

static void
test_several_in_one_read(void)
{
	struct frame_reader r;
	struct buf all = BUF_INIT, f = BUF_INIT;
	const char *docs[] = {"<a/>", "<b>2</b>", "<c>third</c>"};
	const char *xml;
	size_t len, i;
	int ok = 1;
	struct eg_err e;

	for (i = 0; i < 3; i++) {
		pack(&f, docs[i]);
		buf_append(&all, f.data, f.len);
	}
	pack(&f, "<d>partial</d>");
	buf_append(&all, f.data, 6);       /* and the start of a fourth */
	frame_reader_init(&r, 0);
	frame_reader_feed(&r, all.data, all.len, &e);
	for (i = 0; i < 3; i++)
		ok &= frame_reader_next(&r, &xml, &len, &e) == 1 && len == strlen(docs[i]) &&
		    memcmp(xml, docs[i], len) == 0;
	tap_ok(ok, "three frames in one read come out in order");
	tap_is_int(frame_reader_next(&r, &xml, &len, &e), 0, "the partial fourth waits for more");
	tap_is_int((long long)frame_reader_pending(&r), 6, "its 6 bytes stay buffered");
	frame_reader_feed(&r, f.data + 6, f.len - 6, &e);
	tap_ok(frame_reader_next(&r, &xml, &len, &e) == 1 && len == 14 &&
	    memcmp(xml, "<d>partial</d>", 14) == 0, "the fourth completes");
	frame_reader_clear(&r);
	buf_clear(&all);
	buf_clear(&f);
}

static void
bad_length(unsigned long total, size_t max, const char *want, const char *what)
{
	struct frame_reader r;
	struct buf b = BUF_INIT;
	const char *xml;
	size_t len;
	int fed;
	struct eg_err e;

	raw_header(&b, total);
	frame_reader_init(&r, max);
	fed = frame_reader_feed(&r, b.data, b.len, &e);
	tap_ok(fed == -1 && e.code == EG_EPROTO && strstr(e.msg, want) != NULL,
	    "%s: refused (%s)", what, e.msg);
	eg_err_clear(&e);
	tap_ok(frame_reader_next(&r, &xml, &len, &e) == -1 && strstr(e.msg, want) != NULL,
	    "%s: next reports it too", what);
	eg_err_clear(&e);
	tap_ok(frame_reader_feed(&r, "x", 1, &e) == -1 && strstr(e.msg, want) != NULL,
	    "%s: error is sticky", what);
	tap_ok(r.in.cap < 1024, "%s: nothing allocated for the claimed size", what);
	frame_reader_reset(&r);
	pack(&b, "<ok/>");
	tap_ok(frame_reader_feed(&r, b.data, b.len, &e) == 0 &&
	    frame_reader_next(&r, &xml, &len, &e) == 1,
	    "%s: usable again after reset", what);
	frame_reader_clear(&r);
	buf_clear(&b);
}

static void
test_lengths(void)
{
	struct buf b = BUF_INIT;
	struct eg_err e;

	bad_length(0, 0, "too short", "length 0");
	bad_length(3, 0, "too short", "length 3 (shorter than its header)");
	bad_length(4, 0, "too short", "length 4 (empty document)");
	bad_length(0xffffffffUL, 0, "exceeds the limit", "length 4 GiB");
	bad_length((16UL << 20) + 1, 0, "exceeds the limit", "16 MiB + 1 with the default limit");
	bad_length(1001, 1000, "exceeds the limit", "1001 with a 1000-byte limit");
	tap_ok(frame_pack(&b, "x", 1, 4, &e) == -1 && e.code == EG_ELIMIT, "pack refuses above max");
	tap_ok(frame_pack(&b, "", 0, 0, &e) == -1, "pack refuses an empty document");
	buf_clear(&b);
}

static void
test_exact_limit(void)
{
	struct frame_reader r;
	struct buf b = BUF_INIT;
	char *doc = malloc(996 + 1);
	const char *xml;
	size_t len;
	struct eg_err e;

	memset(doc, 'x', 996);
	doc[996] = '\0';
	tap_ok(frame_pack(&b, doc, 996, 1000, &e) == 0, "pack: total exactly at the limit");
	frame_reader_init(&r, 1000);
	tap_ok(frame_reader_feed(&r, b.data, b.len, &e) == 0 &&
	    frame_reader_next(&r, &xml, &len, &e) == 1 &&
	    len == 996, "read: total exactly at the limit");
	frame_reader_clear(&r);
	buf_clear(&b);
	free(doc);
}

static void
test_non_ascii(void)
{
	/* "é€😀" is 3 characters and 9 bytes: lengths count bytes. */
	const char *doc = "<msg>\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80</msg>";
	struct frame_reader r;
	struct buf b = BUF_INIT;
	const char *xml;
	size_t len;
	struct eg_err e;

	pack(&b, doc);
	tap_is_int((long long)b.len, (long long)strlen(doc) + 4, "non-ASCII: header counts bytes");
	tap_is_int((unsigned char)b.data[3], (long long)(11 + 9 + 4), "non-ASCII: 24 bytes");
	frame_reader_init(&r, 0);
	frame_reader_feed(&r, b.data, b.len - 1, &e);
	tap_is_int(frame_reader_next(&r, &xml, &len, &e), 0, "non-ASCII: one byte short waits");
	frame_reader_feed(&r, b.data + b.len - 1, 1, &e);
	tap_ok(frame_reader_next(&r, &xml, &len, &e) == 1 && len == strlen(doc) &&
	    memcmp(xml, doc, len) == 0, "non-ASCII: payload intact");
	frame_reader_clear(&r);
	buf_clear(&b);
}

static void
test_large(void)
{
	size_t n = 3u << 20, i;
	char *doc = malloc(n);
	struct frame_reader r;
	struct buf b = BUF_INIT;
	const char *xml;
	size_t len;
	int frames = 0;
	struct eg_err e;

	memset(doc, 'a', n);
	frame_pack(&b, doc, n, 0, &e);
	frame_reader_init(&r, 0);
	for (i = 0; i < b.len; i += 16384) {
		frame_reader_feed(&r, b.data + i, b.len - i < 16384 ? b.len - i : 16384, &e);
		while (frame_reader_next(&r, &xml, &len, &e) == 1)
			frames += len == n;
	}
	tap_is_int(frames, 1, "a 3 MiB frame fed in 16 KiB reads");
	frame_reader_clear(&r);
	buf_clear(&b);
	free(doc);
}

/* Feeds buf b to r in pieces of at most step bytes; counts frames whose payload is n bytes
 * of 'a' (the last one taken is left in *xml). */
static int
feed_all(struct frame_reader *r, const struct buf *b, size_t step, size_t n)
{
	const char *xml;
	size_t len, i;
	int frames = 0;
	struct eg_err e;

	for (i = 0; i < b->len; i += step) {
		if (frame_reader_feed(r, b->data + i, b->len - i < step ? b->len - i : step, &e) == -1)
			return -1;
		while (frame_reader_next(r, &xml, &len, &e) == 1)
			frames += len == n && xml[0] == 'a' && xml[n - 1] == 'a';
	}
	return frames;
}

/* A buffer grown for a large frame gives its memory back (frame.h, FRAME_KEEP). */
static void
test_gives_memory_back(void)
{
	size_t n = (size_t)1 << 20, small_cap;
	char *doc = malloc(n);
	struct frame_reader r;
	struct buf big = BUF_INIT, small = BUF_INIT, both = BUF_INIT;
	const char *xml;
	size_t len;
	struct eg_err e;

	memset(doc, 'a', n);
	frame_pack(&big, doc, n, 0, &e);
	pack(&small, "<epp><hello/></epp>");
	frame_reader_init(&r, 0);
	tap_is_int(feed_all(&r, &big, 16384, n), 1, "a 1 MiB frame is read");
	tap_ok(r.in.cap > n, "while it is held the buffer holds it (%zu bytes)", r.in.cap);
	frame_reader_feed(&r, small.data, small.len, &e);
	tap_ok(r.in.cap < FRAME_KEEP, "after it was taken, the next feed gives the memory back "
	    "(capacity %zu < %zu)", r.in.cap, FRAME_KEEP);
	tap_ok(frame_reader_next(&r, &xml, &len, &e) == 1 && len == small.len - 4 &&
	    memcmp(xml, small.data + 4, len) == 0, "and the small frame after it is intact");
	small_cap = r.in.cap;

	/* frame_reader_done gives it back without waiting for the next feed */
	tap_is_int(feed_all(&r, &big, 65536, n), 1, "a second 1 MiB frame, in 64 KiB reads");
	frame_reader_done(&r);
	tap_ok(r.in.cap < FRAME_KEEP && frame_reader_pending(&r) == 0,
	    "frame_reader_done: capacity %zu after the frame was used", r.in.cap);

	/* a large frame followed, in the same read, by the start of the next: the start is kept */
	buf_append(&both, big.data, big.len);
	buf_append(&both, small.data, 7);
	frame_reader_feed(&r, both.data, both.len, &e);
	tap_ok(frame_reader_next(&r, &xml, &len, &e) == 1 && len == n, "a 1 MiB frame and 7 "
	    "bytes of the next in one feed");
	frame_reader_feed(&r, small.data + 7, small.len - 7, &e);
	tap_ok(r.in.cap < FRAME_KEEP && frame_reader_next(&r, &xml, &len, &e) == 1 &&
	    len == small.len - 4 && memcmp(xml, small.data + 4, len) == 0,
	    "the bytes kept across the shrink complete the next frame (capacity %zu)", r.in.cap);

	/* small frames never shrink below what they use */
	frame_reader_feed(&r, small.data, small.len, &e);
	tap_ok(frame_reader_next(&r, &xml, &len, &e) == 1 && r.in.cap <= small_cap,
	    "small frames keep a small buffer");

	/* a reset of a large partial frame gives the memory back too */
	frame_reader_feed(&r, big.data, big.len / 2, &e);
	frame_reader_reset(&r);
	tap_ok(r.in.cap < FRAME_KEEP, "reset after half a large frame: capacity %zu", r.in.cap);
	frame_reader_clear(&r);

	/* byte by byte across the shrink: a 100 KiB frame then a small one, fed one byte at a
	 * time, each taken as it completes */
	{
		size_t m = 100 << 10, i;
		struct buf two = BUF_INIT;
		int got = 0, bad = 0, r1;

		frame_pack(&big, doc, m, 0, &e);
		buf_append(&two, big.data, big.len);
		buf_append(&two, small.data, small.len);
		buf_append(&two, big.data, big.len);
		frame_reader_init(&r, 0);
		for (i = 0; i < two.len; i++) {
			if (frame_reader_feed(&r, two.data + i, 1, &e) == -1)
				bad++;
			while ((r1 = frame_reader_next(&r, &xml, &len, &e)) == 1)
				got += (got != 1 && len == m) || (got == 1 && len == small.len - 4);
			if (r1 == -1)
				bad++;
		}
		tap_ok(got == 3 && bad == 0, "100 KiB, small, 100 KiB frames fed one byte at a "
		    "time: %d of 3 intact", got);
		frame_reader_feed(&r, small.data, 1, &e);
		tap_ok(r.in.cap < FRAME_KEEP, "and the buffer shrinks after the last (capacity %zu)",
		    r.in.cap);
		frame_reader_clear(&r);
		buf_clear(&two);
	}
	buf_clear(&big);
	buf_clear(&small);
	buf_clear(&both);
	free(doc);
}

/* buf_shrink on its own. */
static void
test_buf_shrink(void)
{
	struct buf b = BUF_INIT;
	char chunk[1000];

	memset(chunk, 'x', sizeof(chunk));
	buf_reserve(&b, 200000);
	buf_append(&b, chunk, 10);
	buf_shrink(&b, FRAME_KEEP);
	tap_ok(b.cap == 256 && b.len == 10 && memcmp(b.data, chunk, 10) == 0 && b.data[10] == '\0',
	    "buf_shrink keeps the bytes in a right-sized buffer (%zu)", b.cap);
	buf_shrink(&b, 100);
	tap_is_int((long long)b.cap, 256, "a buffer already as small as its bytes allow stays");
	buf_reset(&b);
	buf_shrink(&b, 100);
	tap_ok(b.cap == 0 && b.data == NULL, "an empty buffer above the limit is freed");
	tap_ok(buf_append(&b, chunk, 3) == 0 && b.len == 3, "and is usable again");
	buf_clear(&b);
}

int
main(void)
{
	test_split_everywhere();
	test_several_in_one_read();
	test_lengths();
	test_exact_limit();
	test_non_ascii();
	test_large();
	test_gives_memory_back();
	test_buf_shrink();
	return tap_done();
}
