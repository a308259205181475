/* SPDX-License-Identifier: MIT */
/*
 * buf.h - a growable byte buffer in a struct the caller owns (BUF_INIT or
 * zeroed); buf_clear() releases its memory. data is always NUL-terminated
 * after a successful append so it can be used as a string.
 */
#ifndef EG_BUF_H
#define EG_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT {NULL, 0, 0}

int buf_reserve(struct buf *b, size_t extra);          /* room for extra bytes + NUL; -1 ENOMEM */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void buf_consume(struct buf *b, size_t n);             /* drop n bytes from the front */
char *buf_steal(struct buf *b);                        /* caller owns data; b is reset */
void buf_reset(struct buf *b);                         /* len = 0, memory kept */
/* Gives memory back when more than limit bytes are held: the bytes kept get a right-sized
 * allocation (none when b is empty). A buffer that once held one large document need not
 * keep that much for the rest of its life. Failure to shrink leaves b as it was. */
void buf_shrink(struct buf *b, size_t limit);
void buf_clear(struct buf *b);                         /* frees data; b is empty and reusable */

#endif
