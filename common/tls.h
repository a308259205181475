/* SPDX-License-Identifier: MIT */
/*
 * tls.h - TLS connections with OpenSSL, client (gate -> registry) and server
 * (epp-sim). Every call takes a deadline (monotonic ms from clock.h, -1 for
 * none) and never blocks past it: sockets are non-blocking and OpenSSL's
 * WANT_READ/WANT_WRITE are waited for with poll.
 *
 * Client: the server certificate is verified against the configured CA file
 * or directory, else OpenSSL's default store (which honours SSL_CERT_FILE and
 * SSL_CERT_DIR), and its name checked (DNS name, or IP address when the name
 * is a literal); SNI is sent for DNS names. verify = 0 turns checks off: only
 * ever by an explicit option, and the caller logs a warning. TLS >= 1.2.
 */
#ifndef EG_TLS_H
#define EG_TLS_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"

struct tls_opts {
	const char *ca_file;    /* trust anchors (PEM); with ca_dir NULL too: default store */
	const char *ca_dir;
	const char *cert_file;  /* our certificate chain: client certificate or server's */
	const char *key_file;
	int verify;             /* client: verify the server; server: require a client cert */
};

/* A context holds the settings (trust, our certificate and key) every connection of a
 * process shares; it is thread-safe. Opaque: only tls.c sees OpenSSL. */
struct tls_ctx;
/* One TLS connection over one socket; used by one thread at a time. Opaque. */
struct tls_conn;

/* New contexts. NULL with err set (EG_ETLS / EG_ECONFIG). tls_ctx_free() frees them; a
 * connection keeps what it needs of its context, which may be freed before it. */
struct tls_ctx *tls_ctx_client(const struct tls_opts *o, struct eg_err *err);
struct tls_ctx *tls_ctx_server(const struct tls_opts *o, struct eg_err *err);
void tls_ctx_free(struct tls_ctx *ctx);   /* NULL allowed */

/*
 * What a failed handshake (or a read right after one) tells about its cause, for a caller
 * that must say whether retrying can help and what to fix. OpenSSL's alert and verify codes
 * stay inside tls.c: callers see only this.
 */
enum tls_why {
	TLS_WHY_OTHER,            /* nothing more specific (a reset, a timeout, a bad record) */
	TLS_WHY_CERT_REQUIRED,    /* the peer wants a client certificate and got none */
	TLS_WHY_CERT_REFUSED,     /* the peer refused our certificate (alerts bad_certificate,
	                             unknown_ca, certificate_expired, access_denied ...) */
	TLS_WHY_HANDSHAKE,        /* the peer refused the handshake itself (alerts
	                             handshake_failure, protocol_version, insufficient_security,
	                             unrecognized_name) */
	TLS_WHY_VERIFY,           /* the peer's certificate does not verify */
	TLS_WHY_NAME,             /* it verifies but is for another name */
};

struct tls_failure {
	enum tls_why why;
	char detail[128];         /* the peer's alert ("unknown CA") or the verification error
	                             ("unable to get local issuer certificate"); "" for OTHER */
};

/* TCP connect + handshake + verification. name: the name to check and send as SNI
 * (NULL: host). NULL with err set: EG_ETIMEOUT, EG_EIO, EG_ETLS (message says why, e.g.
 * "certificate verify failed: unable to get local issuer certificate"); f (when not NULL)
 * then says what the failure means (TLS_WHY_OTHER for every non-TLS failure). */
struct tls_conn *tls_open(struct tls_ctx *ctx, const char *host, const char *port,
    const char *name, int timeout_ms, struct tls_failure *f, struct eg_err *err);

/* tls_open without the classification. */
struct tls_conn *tls_connect(struct tls_ctx *ctx, const char *host, const char *port,
    const char *name, int timeout_ms, struct eg_err *err);

/* What the last failed read or write on c meant. With TLS 1.3 a server checks the client's
 * certificate after the client's handshake has completed: its refusal (certificate
 * required, unknown CA) arrives as an alert on the first read, which this classifies. */
void tls_conn_failure(const struct tls_conn *c, struct tls_failure *f);

/* Server handshake on an accepted socket; takes ownership of fd (closed on failure). */
struct tls_conn *tls_accept(struct tls_ctx *ctx, int fd, int timeout_ms, struct eg_err *err);

/* Up to n bytes. >0 bytes read; 0 the peer closed; -1 error (EG_ETIMEOUT when the
 * deadline passed, EG_EIO / EG_ETLS otherwise). */
ssize_t tls_read(struct tls_conn *c, void *p, size_t n, int64_t deadline, struct eg_err *err);

/* All n bytes, as one SSL_write (records of up to 16 KiB leave back to back). */
int tls_write(struct tls_conn *c, const void *p, size_t n, int64_t deadline,
    struct eg_err *err);

/*
 * The same without waiting, for a caller that polls the socket itself (an event loop).
 * TLS_WANT_READ / TLS_WANT_WRITE: call again, with the same arguments, once the socket is
 * readable / writable (OpenSSL may need to read to write and the other way round).
 */
enum tls_step {
	TLS_OK,          /* read: *got > 0 bytes; write: all n bytes handed to the socket */
	TLS_WANT_READ,
	TLS_WANT_WRITE,
	TLS_EOF,         /* read: the peer closed the connection */
	TLS_FAIL,        /* err set (EG_EIO, EG_ETLS, EG_ELIMIT) */
};
enum tls_step tls_read_nb(struct tls_conn *c, void *p, size_t n, size_t *got,
    struct eg_err *err);
enum tls_step tls_write_nb(struct tls_conn *c, const void *p, size_t n, struct eg_err *err);

/* The connection's socket, to poll. */
int tls_fd(const struct tls_conn *c);

/* 1 when OpenSSL holds bytes already read from the socket (read ahead): a reader must
 * not wait in poll() for them. */
int tls_buffered(const struct tls_conn *c);

enum tls_idle { TLS_IDLE_QUIET, TLS_IDLE_CLOSED, TLS_IDLE_DATA };

/* Without blocking: has the peer closed the connection (or reset it), or sent data we
 * did not ask for, while it was idle? Used before writing a command, so that a command
 * never goes out on a connection that is already gone. */
enum tls_idle tls_idle_check(struct tls_conn *c);

/*
 * The certificate, key and CA files of o parsed as a context would load them, without
 * making one, so that a configuration check can say which file is wrong and why
 * (epp-gate --check-config). Each of cert_file, key_file, ca_file may be NULL or "".
 *   cert_file  at least one PEM certificate (ours, then its chain);
 *   key_file   a PEM private key that matches cert_file's first certificate;
 *   ca_file    at least one PEM certificate, nothing else that looks like PEM.
 * 0 with r filled; -1 with err (EG_ECONFIG, a message without the file's name, e.g. "not
 * a private key (PEM)") and r->bad saying which file. r->not_after is the earliest notAfter
 * among cert_file's certificates (r->expiring names that certificate), so that an expired
 * or expiring chain is seen before a registry refuses it; the caller compares it with the
 * clock. Nothing is checked against a trust store here.
 */
enum tls_file { TLS_FILE_NONE, TLS_FILE_CERT, TLS_FILE_KEY, TLS_FILE_CA };

struct tls_file_check {
	enum tls_file bad;        /* the file that failed; TLS_FILE_NONE on success */
	int n_cert;               /* certificates in cert_file */
	int n_ca;                 /* certificates in ca_file */
	int64_t not_after;        /* epoch seconds; 0 without cert_file */
	char expiring[256];       /* subject of the certificate with that notAfter */
};

int tls_check_files(const struct tls_opts *o, struct tls_file_check *r, struct eg_err *err);

/* The client handshake of tls_open over a socket already connected (net_connect), for a
 * caller that times the TCP connection and the handshake apart. Takes ownership of fd. */
struct tls_conn *tls_start(struct tls_ctx *ctx, int fd, const char *name, int timeout_ms,
    struct tls_failure *f, struct eg_err *err);

/* One certificate the peer sent, as text for a human. */
struct tls_cert_text {
	char subject[256];
	char issuer[256];
	char not_after[64];       /* "Dec  7 08:00:00 2027 GMT" */
};

/* The certificate chain the peer sent in the handshake, its own first, at most max. Returns
 * how many were sent (may exceed max; only max are filled). */
int tls_peer_chain(const struct tls_conn *c, struct tls_cert_text *out, int max);

/* Sends close_notify (without waiting for the peer's), closes the socket, frees c. */
void tls_close(struct tls_conn *c);

#endif
