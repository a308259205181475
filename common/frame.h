/*
 * frame.h - EPP-over-TCP framing (RFC 5734 section 4): a 4-byte big-endian
 * total length, counting itself, then the XML document.
 *
 * Sans I/O, in the manner of hiredis' reader: feed it bytes as they arrive,
 * take whole frames out. A length is checked against the maximum as soon as
 * its 4 bytes are in, before anything is allocated for the frame, and the
 * reader never buffers more than one maximal frame plus one feed.
 *
 * Writing: frame_pack() puts header and document in one buffer so that a
 * frame leaves in one write call (a separate 4-byte write costs ~40 ms with
 * Nagle's algorithm and delayed ACKs).
 */
#ifndef EG_FRAME_H
#define EG_FRAME_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define FRAME_HDR_LEN 4
#define FRAME_DEFAULT_MAX ((size_t)16 << 20)   /* total length, header included */

struct frame_reader {
	struct buf in;        /* fed bytes; frames are handed out from here */
	size_t off;           /* start of unreturned bytes in `in` */
	size_t max;           /* largest total length accepted */
	int failed;           /* sticky after a bad length: the stream is out of step */
	char errstr[128];
};

void frame_reader_init(struct frame_reader *r, size_t max);   /* max 0: FRAME_DEFAULT_MAX */
void frame_reader_reset(struct frame_reader *r);              /* drop bytes and error state */
void frame_reader_free(struct frame_reader *r);

/* Appends n bytes. 0, or -1 when the stream is bad (length out of range: r->errstr says
 * which) or memory ran out. */
int frame_reader_feed(struct frame_reader *r, const void *p, size_t n);

/*
 * Takes the next whole frame. 1: *xml and *len give its payload, pointing inside the reader
 * and valid until the next feed/next/reset call. 0: more bytes needed. -1: bad stream
 * (see errstr), sticky until reset.
 */
int frame_reader_next(struct frame_reader *r, const char **xml, size_t *len);

/* Bytes fed and not yet returned (a partial frame, or whole frames not yet taken). */
size_t frame_reader_pending(const struct frame_reader *r);

/* Writes header + payload into out (reset first). 0, or -1 if len + 4 exceeds max or
 * memory ran out. */
int frame_pack(struct buf *out, const char *xml, size_t len, size_t max, struct eg_err *err);

#endif
