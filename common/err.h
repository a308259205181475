/*
 * err.h - the error report every module fills in.
 *
 * A function that can fail returns 0 on success and -1 on failure, and on
 * failure fills a caller-owned struct eg_err: a category (what the caller does
 * about it) and a message (what a human reads). Messages never contain secrets.
 */
#ifndef EG_ERR_H
#define EG_ERR_H

#include <stddef.h>

enum eg_errcode {
	EG_OK = 0,
	EG_EREQUEST,   /* bad JSON request or argument: "failed reading EPP request: ..." */
	EG_EUNKNOWN,   /* unknown command: "unknown command or empty response received: 'X'" */
	EG_ERESPONSE,  /* registry sent something that is not EPP XML */
	EG_EIO,        /* socket / TLS / system call failure */
	EG_ETIMEOUT,   /* a deadline passed */
	EG_ETLS,       /* TLS handshake or certificate verification failed */
	EG_EPROTO,     /* protocol violation: bad frame, clTRID mismatch, unexpected data */
	EG_ELIMIT,     /* a configured limit was exceeded (size, depth, expansion) */
	EG_ECONFIG,    /* configuration error */
	EG_ENOMEM,     /* allocation failed */
	EG_EEPP,       /* the registry answered with an EPP error result (2xxx) */
};

struct eg_err {
	enum eg_errcode code;
	char msg[512];
};

/* Sets e (when not NULL) and returns -1, so that `return eg_err_set(...)` reads well. */
int eg_err_set(struct eg_err *e, enum eg_errcode code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix" to e->msg (keeps the code). Returns -1. */
int eg_err_prefix(struct eg_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void eg_err_clear(struct eg_err *e);

#endif
