/* SPDX-License-Identifier: MIT */
/* EPP-over-TCP framing (RFC 5734 section 4): the sans-I/O reader and the packer
 * (frame.h). */
#include "frame.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

void
frame_reader_init(struct frame_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max ? max : FRAME_DEFAULT_MAX;
}

void
frame_reader_reset(struct frame_reader *r)
{
	buf_reset(&r->in);
	buf_shrink(&r->in, FRAME_KEEP);
	r->off = 0;
}

void
frame_reader_clear(struct frame_reader *r)
{
	buf_clear(&r->in);
	r->off = 0;
}

size_t
frame_reader_pending(const struct frame_reader *r)
{
	return r->in.len - r->off;
}

static uint32_t
get_be32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3];
}

/* Checks the header of the frame at r->off when its 4 bytes are in. 0 ok or incomplete,
 * -1 bad length. A bad header stays at r->off until reset, so the error is sticky. */
static int
check_header(const struct frame_reader *r, struct eg_err *err)
{
	uint32_t total;

	if (frame_reader_pending(r) < FRAME_HDR_LEN)
		return 0;
	total = get_be32(r->in.data + r->off);
	if (total <= FRAME_HDR_LEN)
		return eg_err_set(err, EG_EPROTO, "frame length %u is too short", total);
	if (total > r->max)
		return eg_err_set(err, EG_EPROTO, "frame length %u exceeds the limit of %zu", total,
		    r->max);
	return 0;
}

/* Drops the frames handed out; a large buffer that now holds little is given back, unless
 * `coming` bytes about to be appended would need it again. */
static void
drop_taken(struct frame_reader *r, size_t coming)
{
	if (r->off > 0) {
		buf_consume(&r->in, r->off);
		r->off = 0;
	}
	if (r->in.cap > FRAME_KEEP && r->in.len + coming < FRAME_KEEP)
		buf_shrink(&r->in, FRAME_KEEP);
}

int
frame_reader_feed(struct frame_reader *r, const void *p, size_t n, struct eg_err *err)
{
	if (check_header(r, err) == -1)
		return -1;
	/* Returned frames are dropped only now, so pointers handed out stayed valid. */
	drop_taken(r, n);
	if (buf_append(&r->in, p, n) == -1)
		return eg_err_set(err, EG_ENOMEM, "out of memory");
	return check_header(r, err);
}

int
frame_reader_next(struct frame_reader *r, const char **xml, size_t *len, struct eg_err *err)
{
	uint32_t total;

	if (check_header(r, err) == -1)
		return -1;
	if (frame_reader_pending(r) < FRAME_HDR_LEN)
		return 0;
	total = get_be32(r->in.data + r->off);
	if (frame_reader_pending(r) < total)
		return 0;
	*xml = r->in.data + r->off + FRAME_HDR_LEN;
	*len = total - FRAME_HDR_LEN;
	r->off += total;
	return 1;
}

void
frame_reader_done(struct frame_reader *r)
{
	drop_taken(r, 0);
}

int
frame_pack(struct buf *out, const char *xml, size_t len, size_t max, struct eg_err *err)
{
	unsigned char hdr[FRAME_HDR_LEN];
	size_t total = len + FRAME_HDR_LEN;

	if (max == 0)
		max = FRAME_DEFAULT_MAX;
	if (len == 0 || total > max || total > UINT32_MAX)
		return eg_err_set(err, EG_ELIMIT, "frame of %zu bytes outside 5..%zu", total, max);
	hdr[0] = (unsigned char)(total >> 24);
	hdr[1] = (unsigned char)(total >> 16);
	hdr[2] = (unsigned char)(total >> 8);
	hdr[3] = (unsigned char)total;
	buf_reset(out);
	if (buf_reserve(out, total) == -1 || buf_append(out, hdr, sizeof(hdr)) == -1 ||
	    buf_append(out, xml, len) == -1)
		return eg_err_set(err, EG_ENOMEM, "out of memory");
	return 0;
}
