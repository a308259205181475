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

	pack(&f, doc);
	tap_is_int((long long)f.len, (long long)strlen(doc) + 4, "pack: length counts the header");
	tap_ok(f.data[0] == 0 && f.data[3] == (char)(strlen(doc) + 4), "pack: big-endian header");
	for (cut = 0; cut <= f.len; cut++) {
		frame_reader_init(&r, 0);
		got = 0;
		if (frame_reader_feed(&r, f.data, cut) == -1)
			bad++;
		if (cut < f.len && frame_reader_next(&r, &xml, &len) != 0)
			bad++;
		if (frame_reader_feed(&r, f.data + cut, f.len - cut) == -1)
			bad++;
		if (frame_reader_next(&r, &xml, &len) == 1 && len == strlen(doc) &&
		    memcmp(xml, doc, len) == 0)
			got = 1;
		if (!got || frame_reader_next(&r, &xml, &len) != 0 || frame_reader_pending(&r) != 0)
			bad++;
		frame_reader_free(&r);
	}
	tap_is_int(bad, 0, "a frame split at each of its %zu byte boundaries", f.len + 1);

	/* one byte at a time */
	frame_reader_init(&r, 0);
	got = 0;
	for (cut = 0; cut < f.len; cut++) {
		frame_reader_feed(&r, f.data + cut, 1);
		if (frame_reader_next(&r, &xml, &len) == 1)
			got++;
	}
	tap_is_int(got, 1, "fed one byte at a time: exactly one frame, at the last byte");
	frame_reader_free(&r);
	buf_free(&f);
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

	for (i = 0; i < 3; i++) {
		pack(&f, docs[i]);
		buf_append(&all, f.data, f.len);
	}
	pack(&f, "<d>partial</d>");
	buf_append(&all, f.data, 6);       /* and the start of a fourth */
	frame_reader_init(&r, 0);
	frame_reader_feed(&r, all.data, all.len);
	for (i = 0; i < 3; i++)
		ok &= frame_reader_next(&r, &xml, &len) == 1 && len == strlen(docs[i]) &&
		    memcmp(xml, docs[i], len) == 0;
	tap_ok(ok, "three frames in one read come out in order");
	tap_is_int(frame_reader_next(&r, &xml, &len), 0, "the partial fourth waits for more");
	tap_is_int((long long)frame_reader_pending(&r), 6, "its 6 bytes stay buffered");
	frame_reader_feed(&r, f.data + 6, f.len - 6);
	tap_ok(frame_reader_next(&r, &xml, &len) == 1 && len == 14 &&
	    memcmp(xml, "<d>partial</d>", 14) == 0, "the fourth completes");
	frame_reader_free(&r);
	buf_free(&all);
	buf_free(&f);
}

static void
bad_length(unsigned long total, size_t max, const char *want, const char *what)
{
	struct frame_reader r;
	struct buf b = BUF_INIT;
	const char *xml;
	size_t len;
	int fed;

	raw_header(&b, total);
	frame_reader_init(&r, max);
	fed = frame_reader_feed(&r, b.data, b.len);
	tap_ok(fed == -1 && frame_reader_next(&r, &xml, &len) == -1 &&
	    strstr(r.errstr, want) != NULL, "%s: refused (%s)", what, r.errstr);
	tap_ok(frame_reader_feed(&r, "x", 1) == -1, "%s: error is sticky", what);
	tap_ok(r.in.cap < 1024, "%s: nothing allocated for the claimed size", what);
	frame_reader_reset(&r);
	pack(&b, "<ok/>");
	tap_ok(frame_reader_feed(&r, b.data, b.len) == 0 && frame_reader_next(&r, &xml, &len) == 1,
	    "%s: usable again after reset", what);
	frame_reader_free(&r);
	buf_free(&b);
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
	buf_free(&b);
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
	tap_ok(frame_reader_feed(&r, b.data, b.len) == 0 && frame_reader_next(&r, &xml, &len) == 1 &&
	    len == 996, "read: total exactly at the limit");
	frame_reader_free(&r);
	buf_free(&b);
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

	pack(&b, doc);
	tap_is_int((long long)b.len, (long long)strlen(doc) + 4, "non-ASCII: header counts bytes");
	tap_is_int((unsigned char)b.data[3], (long long)(11 + 9 + 4), "non-ASCII: 24 bytes");
	frame_reader_init(&r, 0);
	frame_reader_feed(&r, b.data, b.len - 1);
	tap_is_int(frame_reader_next(&r, &xml, &len), 0, "non-ASCII: one byte short waits");
	frame_reader_feed(&r, b.data + b.len - 1, 1);
	tap_ok(frame_reader_next(&r, &xml, &len) == 1 && len == strlen(doc) &&
	    memcmp(xml, doc, len) == 0, "non-ASCII: payload intact");
	frame_reader_free(&r);
	buf_free(&b);
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
		frame_reader_feed(&r, b.data + i, b.len - i < 16384 ? b.len - i : 16384);
		while (frame_reader_next(&r, &xml, &len) == 1)
			frames += len == n;
	}
	tap_is_int(frames, 1, "a 3 MiB frame fed in 16 KiB reads");
	frame_reader_free(&r);
	buf_free(&b);
	free(doc);
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
	return tap_done();
}
