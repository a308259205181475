/*
 * buf.h - a growable byte buffer. The owner calls buf_free(); data is always
 * NUL-terminated after a successful append so it can be used as a string.
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
void buf_free(struct buf *b);

#endif
