/* SPDX-License-Identifier: MIT */
/*
 * frame.h - EPP-over-TCP framing (RFC 5734 section 4): a 4-byte big-endian
 * total length, counting itself, then the XML document.
 *
 * Sans I/O, in the manner of hiredis' reader: feed it bytes as they arrive,
 * take whole frames out. A length is checked against the maximum as soon as
 * its 4 bytes are in, before anything is allocated for the frame, and the
 * reader never buffers more than one maximal frame plus one feed. Like
 * hiredis' reader, it gives memory back: once the frames taken are dropped
 * (at the next feed, or frame_reader_done), a buffer grown past FRAME_KEEP
 * for a large frame shrinks to what it still holds, so that a session that
 * once read a 16 MiB response does not keep 16 MiB for the life of the
 * process.
 *
 * Errors are reported in a caller-owned struct eg_err (err.h): EG_EPROTO for
 * a length out of range (sticky: the stream is out of step until reset),
 * EG_ENOMEM when memory ran out.
 *
 * Writing: frame_pack() puts header and document in one buffer so that a
 * frame leaves in one write call (a separate 4-byte write costs ~40 ms with
 * Nagle's algorithm and delayed ACKs).
 *
 * The reader is a struct the caller owns: frame_reader_init sets it up,
 * frame_reader_clear frees what it holds (not the struct).
 */
#ifndef EG_FRAME_H
#define EG_FRAME_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define FRAME_HDR_LEN 4
#define FRAME_DEFAULT_MAX ((size_t)16 << 20)   /* total length, header included */
#define FRAME_KEEP ((size_t)64 << 10)          /* a buffer above this shrinks when drained */

struct frame_reader {
	struct buf in;        /* fed bytes; frames are handed out from here */
	size_t off;           /* start of unreturned bytes in `in` */
	size_t max;           /* largest total length accepted */
};

void frame_reader_init(struct frame_reader *r, size_t max);   /* max 0: FRAME_DEFAULT_MAX */
void frame_reader_reset(struct frame_reader *r);   /* drop bytes and error state; shrinks */
void frame_reader_clear(struct frame_reader *r);   /* frees the buffer; init before reuse */

/* Appends n bytes (dropping the frames taken before). 0, or -1 with err set when the stream
 * is bad (a length out of range) or memory ran out. */
int frame_reader_feed(struct frame_reader *r, const void *p, size_t n, struct eg_err *err);

/*
 * Takes the next whole frame. 1: *xml and *len give its payload, pointing inside the reader
 * and valid until the next feed/next/done/reset call. 0: more bytes needed. -1: bad stream
 * (err set), sticky until reset.
 */
int frame_reader_next(struct frame_reader *r, const char **xml, size_t *len,
    struct eg_err *err);

/* The frames taken are no longer needed: their bytes are dropped now rather than at the next
 * feed, and a buffer grown past FRAME_KEEP is given back. */
void frame_reader_done(struct frame_reader *r);

/* Bytes fed and not yet returned (a partial frame, or whole frames not yet taken). */
size_t frame_reader_pending(const struct frame_reader *r);

/* Writes header + payload into out (reset first). 0, or -1 if len + 4 exceeds max or
 * memory ran out. */
int frame_pack(struct buf *out, const char *xml, size_t len, size_t max, struct eg_err *err);

#endif
