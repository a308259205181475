/* SPDX-License-Identifier: MIT */
/*
 * err.h - the error report every module fills in, and the conventions around it.
 *
 * Errors: a function that can fail returns 0 / -1 (or a pointer / NULL) and,
 * on failure, fills a caller-owned struct eg_err: a category (what the caller
 * does about it) and a message (what a human reads, never a secret). Two
 * exceptions only, said in the function's comment: failing only for lack of
 * memory ("NULL only when out of memory"; the caller reports EG_ENOMEM), and
 * a thin wrapper of one system call, which returns -1 with errno (net_wait()).
 * A lookup that finds nothing is not a failure.
 *
 * errno: save it right after the call that failed; close(), logging, stdio
 * and OpenSSL's error queue may change it. pthread_*() functions return their
 * error number and leave errno alone: strerror(r).
 *
 * Ownership: x_new() returns an object and x_free() frees exactly that (NULL
 * is fine); x_init() / x_clear() set up and release the members of a struct
 * the caller owns, never the struct itself; x_open() / x_close() are the same
 * pairs for what holds a file or a connection. A function "takes ownership"
 * of what it will free, even when it fails; it "borrows" what its caller keeps
 * alive while it may be used.
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
