/* SPDX-License-Identifier: MIT */
/*
 * tls.c - TLS client and server connections over non-blocking sockets, with
 * OpenSSL's waits bounded by deadlines (see tls.h).
 */
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "net.h"

struct tls_ctx {
	SSL_CTX *ssl;
};

struct tls_conn {
	int fd;
	SSL *ssl;
	int alert;                /* the fatal alert the peer sent, -1 none */
	int cert_requested;       /* the peer asked for a certificate and we had none */
	struct tls_failure fail;  /* what the last failure meant */
};

/* The most useful line from OpenSSL's error queue (then cleared), else the system error
 * syserr (errno as it was right after the call that failed). */
static int
ssl_failure(struct eg_err *err, enum eg_errcode code, const char *what, int syserr)
{
	unsigned long e = ERR_peek_last_error();
	char buf[256];

	if (e != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		ERR_clear_error();
		return eg_err_set(err, code, "%s: %s", what, buf);
	}
	return eg_err_set(err, code, "%s: %s", what, syserr != 0 ? strerror(syserr) : "failed");
}

static int
load_identity(SSL_CTX *ctx, const struct tls_opts *o, struct eg_err *err)
{
	if (o->cert_file == NULL && o->key_file == NULL)
		return 0;
	if (o->cert_file == NULL || o->key_file == NULL)
		return eg_err_set(err, EG_ECONFIG, "a certificate needs both cert and key files");
	if (SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1)
		return ssl_failure(err, EG_ECONFIG, "cannot load certificate", errno);
	if (SSL_CTX_use_PrivateKey_file(ctx, o->key_file, SSL_FILETYPE_PEM) != 1)
		return ssl_failure(err, EG_ECONFIG, "cannot load private key", errno);
	if (SSL_CTX_check_private_key(ctx) != 1)
		return ssl_failure(err, EG_ECONFIG, "private key does not match certificate", 0);
	return 0;
}

static int
load_trust(SSL_CTX *ctx, const struct tls_opts *o, struct eg_err *err)
{
	if (o->ca_file != NULL || o->ca_dir != NULL) {
		if (SSL_CTX_load_verify_locations(ctx, o->ca_file, o->ca_dir) != 1)
			return ssl_failure(err, EG_ECONFIG, "cannot load CA certificates", errno);
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		return ssl_failure(err, EG_ECONFIG, "cannot load the default CA store", errno);
	}
	return 0;
}

static SSL_CTX *
ctx_new(const SSL_METHOD *m, struct eg_err *err)
{
	SSL_CTX *ctx = SSL_CTX_new(m);

	if (ctx == NULL) {
		ssl_failure(err, EG_ETLS, "cannot create TLS context", errno);
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	/* A peer that drops the TCP connection is "closed", like a close_notify: EPP
	 * framing detects truncated frames on its own. */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx, SSL_MODE_AUTO_RETRY);
	/* Read whole records (and what follows) in one system call instead of header and
	 * body apart. Bytes read ahead are invisible to poll(): SSL_has_pending() says
	 * whether any wait in OpenSSL's buffer (see tls_idle_check and tls_buffered). */
	SSL_CTX_set_read_ahead(ctx, 1);
	return ctx;
}

static struct tls_ctx *
ctx_wrap(SSL_CTX *ssl, struct eg_err *err)
{
	struct tls_ctx *c;

	if (ssl == NULL)
		return NULL;
	if ((c = malloc(sizeof(*c))) == NULL) {
		SSL_CTX_free(ssl);
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	c->ssl = ssl;
	return c;
}

void
tls_ctx_free(struct tls_ctx *ctx)
{
	if (ctx == NULL)
		return;
	SSL_CTX_free(ctx->ssl);
	free(ctx);
}

/* Notes a fatal alert from the peer: it says why the peer gave up on us (tls_failure). */
static void
on_info(const SSL *ssl, int where, int ret)
{
	struct tls_conn *c;

	if (!(where & SSL_CB_READ_ALERT) || (ret >> 8) != SSL3_AL_FATAL)
		return;
	if ((c = SSL_get_app_data(ssl)) != NULL)
		c->alert = ret & 0xff;
}

/* Called only when the server asks for a certificate and none is configured: noted, so that
 * a refusal that follows is understood as "a certificate is required"; none is sent. */
static int
on_cert_request(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
	struct tls_conn *c = SSL_get_app_data(ssl);

	(void)x509;
	(void)pkey;
	if (c != NULL)
		c->cert_requested = 1;
	return 0;
}

static SSL_CTX *
client_ctx(const struct tls_opts *o, struct eg_err *err)
{
	SSL_CTX *ctx = ctx_new(TLS_client_method(), err);

	if (ctx == NULL)
		return NULL;
	SSL_CTX_set_info_callback(ctx, on_info);
	SSL_CTX_set_client_cert_cb(ctx, on_cert_request);
	if (load_identity(ctx, o, err) == -1)
		goto fail;
	if (o->verify) {
		if (load_trust(ctx, o, err) == -1)
			goto fail;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

struct tls_ctx *
tls_ctx_client(const struct tls_opts *o, struct eg_err *err)
{
	return ctx_wrap(client_ctx(o, err), err);
}

static SSL_CTX *
server_ctx(const struct tls_opts *o, struct eg_err *err)
{
	SSL_CTX *ctx = ctx_new(TLS_server_method(), err);

	if (ctx == NULL)
		return NULL;
	if (o->cert_file == NULL) {
		eg_err_set(err, EG_ECONFIG, "a TLS server needs a certificate");
		goto fail;
	}
	if (load_identity(ctx, o, err) == -1)
		goto fail;
	if (o->verify) {
		if (load_trust(ctx, o, err) == -1)
			goto fail;
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

struct tls_ctx *
tls_ctx_server(const struct tls_opts *o, struct eg_err *err)
{
	return ctx_wrap(server_ctx(o, err), err);
}

/* Waits for what OpenSSL asked for. 0 ready, -1 with err set. */
static int
wait_io(struct tls_conn *c, int ssl_error, int64_t deadline, const char *what,
    struct eg_err *err)
{
	short ev = ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
	int r = net_wait(c->fd, ev, deadline);

	if (r == 1)
		return 0;
	if (r == 0)
		return eg_err_set(err, EG_ETIMEOUT, "%s timed out", what);
	return eg_err_set(err, EG_EIO, "%s: poll: %s", what, strerror(errno));
}

/*
 * What the failure of c means (tls.h, enum tls_why), from the verification result and the
 * alert the peer sent. A peer that asked for a certificate we did not have and then failed
 * the handshake wanted one, whatever alert it chose for saying so (TLS 1.2 servers often
 * send handshake_failure or bad_certificate rather than certificate_required).
 */
static void
classify(struct tls_conn *c, long verify)
{
	struct tls_failure *f = &c->fail;

	memset(f, 0, sizeof(*f));
	if (verify != X509_V_OK) {
		f->why = verify == X509_V_ERR_HOSTNAME_MISMATCH ||
		    verify == X509_V_ERR_IP_ADDRESS_MISMATCH ? TLS_WHY_NAME : TLS_WHY_VERIFY;
		snprintf(f->detail, sizeof(f->detail), "%s", X509_verify_cert_error_string(verify));
		return;
	}
	if (c->alert < 0)
		return;
	snprintf(f->detail, sizeof(f->detail), "%s", SSL_alert_desc_string_long(c->alert));
	switch (c->alert) {
	case SSL_AD_CERTIFICATE_REQUIRED:
		f->why = TLS_WHY_CERT_REQUIRED;
		break;
	case SSL_AD_BAD_CERTIFICATE:
	case SSL_AD_UNSUPPORTED_CERTIFICATE:
	case SSL_AD_CERTIFICATE_REVOKED:
	case SSL_AD_CERTIFICATE_EXPIRED:
	case SSL_AD_CERTIFICATE_UNKNOWN:
	case SSL_AD_UNKNOWN_CA:
	case SSL_AD_ACCESS_DENIED:
		f->why = c->cert_requested ? TLS_WHY_CERT_REQUIRED : TLS_WHY_CERT_REFUSED;
		break;
	case SSL_AD_HANDSHAKE_FAILURE:
	case SSL_AD_PROTOCOL_VERSION:
	case SSL_AD_INSUFFICIENT_SECURITY:
	case SSL_AD_UNRECOGNIZED_NAME:
		f->why = c->cert_requested ? TLS_WHY_CERT_REQUIRED : TLS_WHY_HANDSHAKE;
		break;
	default:
		f->why = TLS_WHY_OTHER;
		break;
	}
}

/* Runs a handshake step (SSL_connect / SSL_accept) to completion or deadline. */
static int
handshake(struct tls_conn *c, int (*step)(SSL *), int64_t deadline, struct eg_err *err)
{
	long vr;
	int r, e, sys;

	for (;;) {
		ERR_clear_error();
		errno = 0;
		r = step(c->ssl);
		sys = errno;
		if (r == 1)
			return 0;
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if (wait_io(c, e, deadline, "TLS handshake", err) == -1)
				return -1;
			continue;
		}
		vr = SSL_get_verify_result(c->ssl);
		classify(c, vr);
		if (vr != X509_V_OK) {
			ERR_clear_error();
			return eg_err_set(err, EG_ETLS, "certificate verify failed: %s",
			    X509_verify_cert_error_string(vr));
		}
		if (e == SSL_ERROR_SYSCALL && ERR_peek_last_error() == 0)
			return eg_err_set(err, EG_ETLS, "TLS handshake: connection closed by peer%s%s",
			    sys != 0 ? ": " : "", sys != 0 ? strerror(sys) : "");
		return ssl_failure(err, EG_ETLS, "TLS handshake failed", sys);
	}
}

static struct tls_conn *
conn_new(SSL_CTX *ctx, int fd, struct eg_err *err)
{
	struct tls_conn *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		close(fd);
		return NULL;
	}
	c->fd = fd;
	c->alert = -1;
	if ((c->ssl = SSL_new(ctx)) == NULL || SSL_set_fd(c->ssl, fd) != 1) {
		ssl_failure(err, EG_ETLS, "cannot create TLS connection", errno);
		tls_close(c);
		return NULL;
	}
	SSL_set_app_data(c->ssl, c);
	return c;
}

static int
is_ip_literal(const char *name)
{
	unsigned char a[16];

	return inet_pton(AF_INET, name, a) == 1 || inet_pton(AF_INET6, name, a) == 1;
}

struct tls_conn *
tls_start(struct tls_ctx *ctx, int fd, const char *name, int timeout_ms,
    struct tls_failure *f, struct eg_err *err)
{
	int64_t deadline = timeout_ms < 0 ? -1 : eg_now_ms() + timeout_ms;
	struct tls_conn *c;

	if (f != NULL)
		memset(f, 0, sizeof(*f));
	if ((c = conn_new(ctx->ssl, fd, err)) == NULL)
		return NULL;
	if (is_ip_literal(name)) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), name) != 1)
			goto tlsfail;
	} else {
		/* SNI plus the host name the certificate must carry. */
		if (SSL_set_tlsext_host_name(c->ssl, name) != 1 || SSL_set1_host(c->ssl, name) != 1)
			goto tlsfail;
	}
	if (handshake(c, SSL_connect, deadline, err) == -1) {
		if (f != NULL)
			*f = c->fail;
		goto fail;
	}
	return c;
tlsfail:
	ssl_failure(err, EG_ETLS, "cannot set the expected server name", 0);
fail:
	tls_close(c);
	return NULL;
}

struct tls_conn *
tls_open(struct tls_ctx *ctx, const char *host, const char *port, const char *name,
    int timeout_ms, struct tls_failure *f, struct eg_err *err)
{
	int64_t start = eg_now_ms(), left;
	int fd;

	if (f != NULL)
		memset(f, 0, sizeof(*f));
	if ((fd = net_connect(host, port, timeout_ms, err)) == -1)
		return NULL;
	/* One deadline for both: the handshake gets what the connection left of it. */
	left = timeout_ms < 0 ? -1 : timeout_ms - (eg_now_ms() - start);
	if (timeout_ms >= 0 && left < 1)
		left = 1;
	return tls_start(ctx, fd, name != NULL ? name : host, (int)left, f, err);
}

struct tls_conn *
tls_connect(struct tls_ctx *ctx, const char *host, const char *port, const char *name,
    int timeout_ms, struct eg_err *err)
{
	return tls_open(ctx, host, port, name, timeout_ms, NULL, err);
}

void
tls_conn_failure(const struct tls_conn *c, struct tls_failure *f)
{
	*f = c->fail;
}

struct tls_conn *
tls_accept(struct tls_ctx *ctx, int fd, int timeout_ms, struct eg_err *err)
{
	int64_t deadline = timeout_ms < 0 ? -1 : eg_now_ms() + timeout_ms;
	struct tls_conn *c;

	if (net_tune(fd) == -1) {
		eg_err_set(err, EG_EIO, "socket options: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if ((c = conn_new(ctx->ssl, fd, err)) == NULL)
		return NULL;
	if (handshake(c, SSL_accept, deadline, err) == -1) {
		tls_close(c);
		return NULL;
	}
	return c;
}

enum tls_step
tls_read_nb(struct tls_conn *c, void *p, size_t n, size_t *got, struct eg_err *err)
{
	int r, e, sys, len = n > 0x7fffffff ? 0x7fffffff : (int)n;

	*got = 0;
	ERR_clear_error();
	errno = 0;
	r = SSL_read(c->ssl, p, len);
	sys = errno;
	if (r > 0) {
		*got = (size_t)r;
		return TLS_OK;
	}
	e = SSL_get_error(c->ssl, r);
	switch (e) {
	case SSL_ERROR_ZERO_RETURN:
		return TLS_EOF;
	case SSL_ERROR_WANT_READ:
		return TLS_WANT_READ;
	case SSL_ERROR_WANT_WRITE:
		return TLS_WANT_WRITE;
	case SSL_ERROR_SYSCALL:
		if (sys == 0 && ERR_peek_last_error() == 0)
			return TLS_EOF;
		if (sys == ECONNRESET || sys == EPIPE) {
			eg_err_set(err, EG_EIO, "connection reset by peer");
			return TLS_FAIL;
		}
		ssl_failure(err, EG_EIO, "read", sys);
		return TLS_FAIL;
	default:
		classify(c, X509_V_OK);
		ssl_failure(err, EG_ETLS, "read", sys);
		return TLS_FAIL;
	}
}

enum tls_step
tls_write_nb(struct tls_conn *c, const void *p, size_t n, struct eg_err *err)
{
	int r, e, sys;

	if (n > 0x7fffffff) {
		eg_err_set(err, EG_ELIMIT, "write of %zu bytes too large", n);
		return TLS_FAIL;
	}
	ERR_clear_error();
	errno = 0;
	/* Without partial writes, SSL_write completes all n bytes or asks to be called
	 * again with the same arguments. */
	r = SSL_write(c->ssl, p, (int)n);
	sys = errno;
	if (r > 0)
		return TLS_OK;
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ)
		return TLS_WANT_READ;
	if (e == SSL_ERROR_WANT_WRITE)
		return TLS_WANT_WRITE;
	if (e == SSL_ERROR_SYSCALL && (sys == EPIPE || sys == ECONNRESET)) {
		eg_err_set(err, EG_EIO, "connection closed by peer");
	} else {
		if (e != SSL_ERROR_SYSCALL)
			classify(c, X509_V_OK);
		ssl_failure(err, e == SSL_ERROR_SYSCALL ? EG_EIO : EG_ETLS, "write", sys);
	}
	return TLS_FAIL;
}

/* Waits for what a non-blocking step asked for. 0 ready, -1 with err set. */
static int
wait_step(struct tls_conn *c, enum tls_step st, int64_t deadline, const char *what,
    struct eg_err *err)
{
	return wait_io(c, st == TLS_WANT_WRITE ? SSL_ERROR_WANT_WRITE : SSL_ERROR_WANT_READ,
	    deadline, what, err);
}

ssize_t
tls_read(struct tls_conn *c, void *p, size_t n, int64_t deadline, struct eg_err *err)
{
	enum tls_step st;
	size_t got;

	for (;;) {
		switch ((st = tls_read_nb(c, p, n, &got, err))) {
		case TLS_OK:
			return (ssize_t)got;
		case TLS_EOF:
			return 0;
		case TLS_FAIL:
			return -1;
		case TLS_WANT_READ:
		case TLS_WANT_WRITE:
			if (wait_step(c, st, deadline, "read", err) == -1)
				return -1;
			break;
		}
	}
}

int
tls_write(struct tls_conn *c, const void *p, size_t n, int64_t deadline, struct eg_err *err)
{
	enum tls_step st;

	for (;;) {
		switch ((st = tls_write_nb(c, p, n, err))) {
		case TLS_OK:
			return 0;
		case TLS_EOF:
		case TLS_FAIL:
			return -1;
		case TLS_WANT_READ:
		case TLS_WANT_WRITE:
			if (wait_step(c, st, deadline, "write", err) == -1)
				return -1;
			break;
		}
	}
}

int
tls_fd(const struct tls_conn *c)
{
	return c->fd;
}

int
tls_buffered(const struct tls_conn *c)
{
	return SSL_has_pending(c->ssl);
}

enum tls_idle
tls_idle_check(struct tls_conn *c)
{
	char b;
	int r, e;

	if (SSL_has_pending(c->ssl))
		return TLS_IDLE_DATA;
	if (net_wait(c->fd, POLLIN, 0) != 1)
		return TLS_IDLE_QUIET;
	/* Readable: could be a close_notify, a FIN or RST, data we did not ask for, or a
	 * TLS 1.3 session ticket, which OpenSSL consumes without returning data. */
	ERR_clear_error();
	errno = 0;
	if ((r = SSL_peek(c->ssl, &b, 1)) > 0)
		return TLS_IDLE_DATA;
	e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
		return TLS_IDLE_QUIET;
	ERR_clear_error();
	return TLS_IDLE_CLOSED;
}

void
tls_close(struct tls_conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL) {
		/* One non-blocking attempt: a peer that is gone must not hold us up. */
		ERR_clear_error();
		if (SSL_is_init_finished(c->ssl))
			(void)SSL_shutdown(c->ssl);
		ERR_clear_error();
		SSL_free(c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c);
}

/* ---- files and certificates as text ------------------------------------------- */

/* A name as one line ("CN=epp.example,O=Registry"), cut to cap. */
static void
name_text(const X509_NAME *n, char *out, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	int len;

	out[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (len = BIO_read(b, out, (int)cap - 1)) > 0)
		out[len] = '\0';
	BIO_free(b);
}

static void
time_text(const ASN1_TIME *t, char *out, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	int len;

	out[0] = '\0';
	if (b == NULL)
		return;
	if (ASN1_TIME_print(b, t) == 1 && (len = BIO_read(b, out, (int)cap - 1)) > 0)
		out[len] = '\0';
	BIO_free(b);
}

/* No passphrase is ever asked for: the gate runs unattended. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static BIO *
open_file(const char *path, struct eg_err *err)
{
	BIO *b;
	int saved;

	errno = 0;
	if ((b = BIO_new_file(path, "r")) == NULL) {
		saved = errno;
		ERR_clear_error();
		eg_err_set(err, EG_ECONFIG, "cannot read: %s", saved != 0 ? strerror(saved) :
		    "failed");
	}
	return b;
}

/* The end of a list of PEM certificates is OpenSSL's "no start line". */
static int
pem_ended(void)
{
	unsigned long e = ERR_peek_last_error();

	return ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE;
}

/*
 * Reads every certificate of a PEM file: -1 with err when there is none or one does not
 * parse. first (when not NULL) gets the first certificate (the caller frees it); r (when not
 * NULL) the earliest notAfter and its subject.
 */
static int
read_certs(const char *path, const char *what, X509 **first, int *n,
    struct tls_file_check *r, struct eg_err *err)
{
	BIO *b;
	X509 *x;
	struct tm tm;
	int64_t t;

	*n = 0;
	if ((b = open_file(path, err)) == NULL)
		return -1;
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL)) != NULL) {
		if (r != NULL && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1) {
			t = (int64_t)timegm(&tm);
			if (r->not_after == 0 || t < r->not_after) {
				r->not_after = t;
				name_text(X509_get_subject_name(x), r->expiring, sizeof(r->expiring));
			}
		}
		if (*n == 0 && first != NULL)
			*first = x;
		else
			X509_free(x);
		(*n)++;
	}
	BIO_free(b);
	if (*n > 0 && pem_ended()) {
		ERR_clear_error();
		return 0;
	}
	ERR_clear_error();
	if (first != NULL && *first != NULL) {
		X509_free(*first);
		*first = NULL;
	}
	if (*n == 0)
		return eg_err_set(err, EG_ECONFIG, "not a %s (PEM)", what);
	return eg_err_set(err, EG_ECONFIG, "%s %d does not parse (PEM)", what, *n + 1);
}

int
tls_check_files(const struct tls_opts *o, struct tls_file_check *r, struct eg_err *err)
{
	X509 *cert = NULL;
	EVP_PKEY *key = NULL;
	BIO *b;
	unsigned long e;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (o->cert_file != NULL && o->cert_file[0] != '\0') {
		r->bad = TLS_FILE_CERT;
		if (read_certs(o->cert_file, "certificate", &cert, &r->n_cert, r, err) == -1)
			goto out;
	}
	if (o->key_file != NULL && o->key_file[0] != '\0') {
		r->bad = TLS_FILE_KEY;
		if ((b = open_file(o->key_file, err)) == NULL)
			goto out;
		ERR_clear_error();
		key = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
		BIO_free(b);
		if (key == NULL) {
			e = ERR_peek_last_error();
			ERR_clear_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    (ERR_GET_REASON(e) == PEM_R_BAD_PASSWORD_READ ||
			    ERR_GET_REASON(e) == PEM_R_PROBLEMS_GETTING_PASSWORD))
				eg_err_set(err, EG_ECONFIG, "an encrypted private key (the gate "
				    "cannot ask for a passphrase)");
			else
				eg_err_set(err, EG_ECONFIG, "not a private key (PEM)");
			goto out;
		}
		if (cert != NULL && X509_check_private_key(cert, key) != 1) {
			ERR_clear_error();
			eg_err_set(err, EG_ECONFIG, "does not match the certificate in %s",
			    o->cert_file);
			goto out;
		}
	}
	if (o->ca_file != NULL && o->ca_file[0] != '\0') {
		r->bad = TLS_FILE_CA;
		if (read_certs(o->ca_file, "CA certificate", NULL, &r->n_ca, NULL, err) == -1)
			goto out;
	}
	r->bad = TLS_FILE_NONE;
	rc = 0;
out:
	X509_free(cert);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return rc;
}

int
tls_peer_chain(const struct tls_conn *c, struct tls_cert_text *out, int max)
{
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(c->ssl);
	X509 *x;
	int i, n;

	if (chain == NULL)
		return 0;
	n = sk_X509_num(chain);
	for (i = 0; i < n && i < max; i++) {
		x = sk_X509_value(chain, i);
		name_text(X509_get_subject_name(x), out[i].subject, sizeof(out[i].subject));
		name_text(X509_get_issuer_name(x), out[i].issuer, sizeof(out[i].issuer));
		time_text(X509_get0_notAfter(x), out[i].not_after, sizeof(out[i].not_after));
	}
	return n;
}
