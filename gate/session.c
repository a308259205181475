/* SPDX-License-Identifier: MIT */
/* One EPP session over TLS (session.h): greeting, login, one command at a time, keepalive,
 * logout. */
#include "session.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "net.h"
#include "epp_cmd.h"
#include "epp_resp.h"
#include "redact.h"
#include "xml2json.h"
#include "xmlsafe.h"

/* Where the exchange under way is (session_start, session_continue). */
enum { XS_IDLE, XS_WRITE, XS_READ };

static void packed_done(struct session *s, int secret);

void
session_init(struct session *s, int id, const struct session_env *env)
{
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->env = env;
	frame_reader_init(&s->rd, env->epp->max_frame);
	s->parser = eg_xml_parser_new();   /* NULL: each parse makes its own */
	epp_facts_init(&s->facts);
}

void
session_clear(struct session *s)
{
	session_drop(s, NULL);
	frame_reader_clear(&s->rd);
	buf_clear(&s->out);
	eg_xml_parser_free(s->parser);
	s->parser = NULL;
	buf_clear(&s->reply);
	epp_facts_clear(&s->facts);
}

void
session_drop(struct session *s, const char *why)
{
	if (s->conn != NULL) {
		if (why != NULL)
			log_info(s->env->log, "session %d: closed: %s", s->id, why);
		tls_close(s->conn);
		s->conn = NULL;
	}
	s->up = 0;
	s->up_since = 0;
	frame_reader_reset(&s->rd);
	/* An exchange under way is abandoned with the connection. */
	s->xstate = XS_IDLE;
	s->xevents = 0;
	packed_done(s, 0);
}

static void
trace_xml(const struct session *s, const char *dir, const char *xml, size_t len)
{
	char *red;

	if (!eg_log_on(s->env->log, EG_LOG_TRACE))
		return;
	if ((red = redact_xml(xml, len)) != NULL) {
		log_trace(s->env->log, "session %d %s %s", s->id, dir, red);
		free(red);
	}
}

/*
 * Reads what the connection has towards one whole frame, without waiting: takes a frame
 * out of what was fed before, else reads (OpenSSL's buffer first, then the socket) and
 * feeds until a frame is whole or a read would block. 1: xml and len set (valid until the
 * next read); 0: would block, *want says for what (POLLIN, or POLLOUT when OpenSSL must
 * write to go on reading); -1: err set. Both the blocking read (read_frame) and the
 * exchange without waiting (session_continue) read through here.
 */
static int
read_frame_nb(struct session *s, const char **xml, size_t *len, short *want,
    struct eg_err *err)
{
	char chunk[16384];
	size_t n;
	int r;

	for (;;) {
		if ((r = frame_reader_next(&s->rd, xml, len, err)) == 1)
			return 1;
		if (r == -1)
			return eg_err_prefix(err, "bad frame from the registry: ");
		switch (tls_read_nb(s->conn, chunk, sizeof(chunk), &n, err)) {
		case TLS_OK:
			break;
		case TLS_WANT_READ:
			*want = POLLIN;
			return 0;
		case TLS_WANT_WRITE:
			*want = POLLOUT;
			return 0;
		case TLS_EOF:
			return eg_err_set(err, EG_EIO, "connection closed by the registry");
		default:
			return -1;
		}
		if (frame_reader_feed(&s->rd, chunk, n, err) == -1)
			return eg_err_prefix(err, "bad frame from the registry: ");
	}
}

/* Waits until the socket is ready for want while reading a response. 0, or -1 with err
 * set (the deadline passed, or poll failed). */
static int
wait_response(struct session *s, short want, int64_t deadline, struct eg_err *err)
{
	int e;

	switch (net_wait(tls_fd(s->conn), want, deadline)) {
	case 1:
		return 0;
	case 0:
		return eg_err_set(err, EG_ETIMEOUT, "no response from the registry in time");
	default:
		e = errno;
		return eg_err_set(err, EG_EIO, "read: poll: %s", strerror(e));
	}
}

/* Reads one whole frame: 0 with xml and len set (valid until the next read), or -1. */
static int
read_frame(struct session *s, int64_t deadline, const char **xml, size_t *len,
    struct eg_err *err)
{
	short want = POLLIN;
	int r;

	/* The answer cannot be there yet when nothing is buffered: wait for the socket first
	 * rather than try a read bound to find nothing. */
	if (!tls_buffered(s->conn) && frame_reader_pending(&s->rd) == 0 &&
	    wait_response(s, POLLIN, deadline, err) == -1)
		return -1;
	while ((r = read_frame_nb(s, xml, len, &want, err)) == 0)
		if (wait_response(s, want, deadline, err) == -1)
			return -1;
	return r == 1 ? 0 : -1;
}

/* Packs a command into s->out, to be written whole (frame.h: one write call). */
static int
pack_frame(struct session *s, const char *xml, size_t len, struct eg_err *err)
{
	if (frame_pack(&s->out, xml, len, s->env->epp->max_frame, err) == -1)
		return -1;
	trace_xml(s, ">>", xml, len);
	return 0;
}

/* s->out is written (or given up). secret: it holds a password, wiped now. */
static void
packed_done(struct session *s, int secret)
{
	if (secret)
		explicit_bzero(s->out.data, s->out.len);
	/* A large command (generic XML passthrough) must not pin its size for the life of the
	 * session (frame.h, FRAME_KEEP). */
	if (s->out.cap > FRAME_KEEP)
		buf_clear(&s->out);
}

/* Writes one frame. secret: the frame holds a password, wiped from the buffer after. */
static int
write_frame(struct session *s, const char *xml, size_t len, int64_t deadline, int secret,
    struct eg_err *err)
{
	int rc;

	if (pack_frame(s, xml, len, err) == -1)
		return -1;
	rc = tls_write(s->conn, s->out.data, s->out.len, deadline, err);
	packed_done(s, secret);
	return rc;
}

/* The previous response's text was copied by whoever needed it; a large one's buffer is
 * given back rather than held for the life of the session. Done before reading the next. */
static void
reply_reset(struct session *s)
{
	buf_reset(&s->reply);
	buf_shrink(&s->reply, FRAME_KEEP);
}

/*
 * Converts the frame just read: its JSON text to s->reply, what the gate reads from it to
 * s->facts (xml2json.h, x2j_write), with no json-c object in between. -1 on failure (err
 * set; s->facts then reads as no EPP document).
 */
static int
convert_document(struct session *s, const char *xml, size_t len, struct eg_err *err)
{
	int rc;

	trace_xml(s, "<<", xml, len);
	/* A document past the parser's limits (depth, entity expansion, sizes) is one we
	 * cannot read either: the caller is told so with the reference's prefix. Only our
	 * own shortage of memory is not the registry's doing. */
	if ((rc = x2j_write_with(s->parser, xml, len, NULL, &s->reply, &s->facts, err)) == -1 &&
	    err != NULL && err->code != EG_ENOMEM)
		err->code = EG_ERESPONSE;
	/* The frame's text is not needed past its conversion; a large one's buffer is given
	 * back now rather than held until the next response. */
	frame_reader_done(&s->rd);
	return rc;
}

/* Reads and converts one frame (convert_document), waiting until deadline. */
static int
read_document(struct session *s, int64_t deadline, struct eg_err *err)
{
	const char *xml;
	size_t len;

	reply_reset(s);
	if (read_frame(s, deadline, &xml, &len, err) == -1) {
		epp_facts_reset(&s->facts);
		return -1;
	}
	return convert_document(s, xml, len, err);
}

/* ---- why an open failed --------------------------------------------------- */

static const char *const fail_names[SESSION_FAIL_COUNT] = {
	[SESSION_FAIL_NONE] = "",
	[SESSION_FAIL_CONNECT] = "connect",
	[SESSION_FAIL_TIMEOUT] = "timeout",
	[SESSION_FAIL_TLS] = "tls",
	[SESSION_FAIL_GREETING] = "greeting",
	[SESSION_FAIL_LOGIN] = "login_failed",
	[SESSION_FAIL_SESSION_LIMIT] = "session_limit",
	[SESSION_FAIL_CLOSING] = "server_closing",
	[SESSION_FAIL_LOGIN_REFUSED] = "login_refused",
	[SESSION_FAIL_LOGIN_REJECTED] = "login_rejected",
	[SESSION_FAIL_SERVICES] = "services",
	[SESSION_FAIL_CERT_REQUIRED] = "client_cert_required",
	[SESSION_FAIL_CERT_REFUSED] = "client_cert_refused",
	[SESSION_FAIL_SERVER_CERT] = "server_cert_untrusted",
	[SESSION_FAIL_SERVER_NAME] = "server_name_mismatch",
	[SESSION_FAIL_TLS_REFUSED] = "tls_refused",
};

const char *
session_fail_name(int fail)
{
	return fail > 0 && fail < SESSION_FAIL_COUNT ? fail_names[fail] : "";
}

int
session_fail_permanent(int fail)
{
	return fail >= SESSION_FAIL_PERMANENT && fail < SESSION_FAIL_COUNT;
}

/*
 * RFC 5730 section 3: 2200 (authentication error), 2201 (authorization error) and 2501
 * (authentication error; server closing connection) are about who logs in; 2500 and 2502
 * are the registry closing or full, 2400 its own failure: those may pass. Any other 2xxx
 * answers what the login asked for (services, version, language, syntax), which the next
 * attempt would ask for again.
 */
enum session_fail
session_fail_of_login(int code)
{
	switch (code) {
	case 2200:
	case 2201:
	case 2501:
		return SESSION_FAIL_LOGIN_REFUSED;
	case 2502:
		return SESSION_FAIL_SESSION_LIMIT;
	case 2400:
		return SESSION_FAIL_LOGIN;
	default:
		if (code >= 2500)
			return SESSION_FAIL_CLOSING;
		return code >= 2000 ? SESSION_FAIL_LOGIN_REJECTED : SESSION_FAIL_LOGIN;
	}
}

enum session_fail
session_fail_of_tls(enum tls_why why, int have_cert)
{
	switch (why) {
	case TLS_WHY_CERT_REQUIRED:
		return SESSION_FAIL_CERT_REQUIRED;
	case TLS_WHY_CERT_REFUSED:
		return have_cert ? SESSION_FAIL_CERT_REFUSED : SESSION_FAIL_CERT_REQUIRED;
	case TLS_WHY_HANDSHAKE:
		return SESSION_FAIL_TLS_REFUSED;
	case TLS_WHY_VERIFY:
		return SESSION_FAIL_SERVER_CERT;
	case TLS_WHY_NAME:
		return SESSION_FAIL_SERVER_NAME;
	default:
		return SESSION_FAIL_TLS;
	}
}

void
session_fail_fix(int fail, const struct cfg_epp *c, char *out, size_t cap)
{
	int cert = c->tls.cert_file[0] != '\0';

	switch (fail) {
	case SESSION_FAIL_LOGIN_REFUSED:
		snprintf(out, cap, "check epp.login and epp.password_file%s",
		    c->new_password[0] ? " (and epp.new_password_file)" : "");
		break;
	case SESSION_FAIL_LOGIN_REJECTED:
		snprintf(out, cap, "check epp.obj_uris, epp.ext_uris and epp.lang against what the "
		    "registry's greeting offers (gate_status: registry_profile)");
		break;
	case SESSION_FAIL_SERVICES:
		snprintf(out, cap, "set epp.obj_uris to services the greeting offers, or remove it");
		break;
	case SESSION_FAIL_CERT_REQUIRED:
		snprintf(out, cap, cert ? "check epp.tls.cert_file and epp.tls.key_file: the "
		    "registry did not take the certificate they name" : "set epp.tls.cert_file and "
		    "epp.tls.key_file");
		break;
	case SESSION_FAIL_CERT_REFUSED:
		snprintf(out, cap, "check epp.tls.cert_file and epp.tls.key_file: the registry "
		    "must know the certificate, or the CA that signed it");
		break;
	case SESSION_FAIL_SERVER_CERT:
		if (c->tls.ca_file[0] != '\0' || c->tls.ca_dir[0] != '\0')
			snprintf(out, cap, "epp.tls.ca_file / epp.tls.ca_dir (%s%s) must hold the CA "
			    "that signed it", c->tls.ca_file[0] ? c->tls.ca_file : c->tls.ca_dir,
			    c->tls.ca_file[0] && c->tls.ca_dir[0] ? ", ..." : "");
		else
			snprintf(out, cap, "set epp.tls.ca_file to the CA that signed it");
		break;
	case SESSION_FAIL_SERVER_NAME:
		snprintf(out, cap, "set epp.host (or epp.tls.server_name) to a name the "
		    "certificate carries");
		break;
	case SESSION_FAIL_TLS_REFUSED:
		snprintf(out, cap, "the registry may require a client certificate "
		    "(epp.tls.cert_file, epp.tls.key_file) or a TLS version or cipher this gate "
		    "does not offer");
		break;
	default:
		if (cap > 0)
			out[0] = '\0';
		break;
	}
}

/* Says what a classified TLS failure means, in place of OpenSSL's words. */
static void
tls_failed(struct session *s, const struct tls_failure *tf, struct eg_err *err)
{
	const struct cfg_epp *c = s->env->epp;
	const char *name = c->tls.server_name[0] ? c->tls.server_name : c->host;

	s->fail = session_fail_of_tls(tf->why, c->tls.cert_file[0] != '\0');
	switch (s->fail) {
	case SESSION_FAIL_CERT_REQUIRED:
		eg_err_set(err, EG_ETLS, "the registry requires a client certificate (TLS alert: "
		    "%s)", tf->detail);
		break;
	case SESSION_FAIL_CERT_REFUSED:
		eg_err_set(err, EG_ETLS, "the registry refused the gate's client certificate (TLS "
		    "alert: %s)", tf->detail);
		break;
	case SESSION_FAIL_TLS_REFUSED:
		eg_err_set(err, EG_ETLS, "the registry refused the TLS handshake (TLS alert: %s)",
		    tf->detail);
		break;
	case SESSION_FAIL_SERVER_CERT:
		eg_err_set(err, EG_ETLS, "the registry's certificate does not verify: %s",
		    tf->detail);
		break;
	case SESSION_FAIL_SERVER_NAME:
		eg_err_set(err, EG_ETLS, "the registry's certificate is not for %s (%s)", name,
		    tf->detail);
		break;
	default:
		break;   /* OpenSSL's message, as it was */
	}
}

/* One login attempt with the given secrets. Returns the result code, or -1 (err set)
 * when no response came. */
static int
login_once(struct session *s, const char *pw, const char *newpw, const char *const *obj,
    size_t nobj, const char *const *ext, size_t next, struct eg_err *err)
{
	const struct cfg_epp *c = s->env->epp;
	struct epp_login l = {c->login, pw, newpw, s->login.version, s->login.lang, obj, nobj,
	    ext, next};
	char cltrid[CLTRID_MAX + 1];
	char *xml = NULL;
	size_t len;
	const char *got;
	int code = -1;
	int64_t deadline = eg_now_ms() + c->login_timeout_ms;

	cltrid_next(s->env->cltrid, cltrid);
	if (epp_build_login(&l, cltrid, &xml, &len, err) == -1)
		goto out;
	if (s->env->rl != NULL && ratelimit_take(s->env->rl, RL_SESSION, deadline, NULL) == -1) {
		eg_err_set(err, EG_ETIMEOUT, "rate limit: no login slot before the deadline");
		goto out;
	}
	if (write_frame(s, xml, len, deadline, 1, err) == -1)
		goto out;
	if (read_document(s, deadline, err) == -1)
		goto out;
	got = epp_facts_cltrid(&s->facts);
	if (got == NULL || strcmp(got, cltrid) != 0) {
		eg_err_set(err, EG_EPROTO, "login answered with clTRID %s, sent %s",
		    got ? got : "(none)", cltrid);
		goto out;
	}
	if ((code = epp_facts_code(&s->facts)) < 1000) {
		eg_err_set(err, EG_ERESPONSE, "login answer is not an EPP response");
		code = -1;
		goto out;
	}
	if (code >= 2000) {
		const char *msg = epp_facts_msg(&s->facts);

		switch (session_fail_of_login(code)) {
		case SESSION_FAIL_LOGIN_REFUSED:
			eg_err_set(err, EG_EEPP, "the registry refused the login: %d %s", code,
			    msg ? msg : "");
			break;
		case SESSION_FAIL_LOGIN_REJECTED:
			eg_err_set(err, EG_EEPP, "the registry rejected the login: %d %s", code,
			    msg ? msg : "");
			break;
		default:
			eg_err_set(err, EG_EEPP, "login answered %d %s", code, msg ? msg : "");
			break;
		}
	}
out:
	if (xml != NULL) {
		explicit_bzero(xml, len);
		free(xml);
	}
	return code;
}

/* Logs in; handles the password change at login and a gate restarted after one. */
static int
login(struct session *s, const char *const *obj, size_t nobj, const char *const *ext,
    size_t next, struct eg_err *err)
{
	struct session_creds *cr = s->env->creds;
	char pw[CFG_SECRET], newpw[CFG_SECRET];
	int code, rc = -1;

	pthread_mutex_lock(&cr->mu);
	memcpy(pw, cr->pw, sizeof(pw));
	memcpy(newpw, cr->newpw, sizeof(newpw));
	pthread_mutex_unlock(&cr->mu);

	code = login_once(s, pw, newpw[0] ? newpw : NULL, obj, nobj, ext, next, err);
	if (code == 2200 && newpw[0] != '\0') {
		/* The change may already have happened (a restart after it, or another session
		 * got there first): the new password is the current one then. */
		log_info(s->env->log, "session %d: login refused; trying the new password", s->id);
		code = login_once(s, newpw, NULL, obj, nobj, ext, next, err);
	}
	if (code >= 1000 && code < 2000) {
		if (newpw[0] != '\0') {
			pthread_mutex_lock(&cr->mu);
			if (strcmp(cr->newpw, newpw) == 0) {
				memcpy(cr->pw, newpw, sizeof(cr->pw));
				explicit_bzero(cr->newpw, sizeof(cr->newpw));
				log_info(s->env->log, "session %d: login password changed", s->id);
			}
			pthread_mutex_unlock(&cr->mu);
		}
		rc = 0;
	} else {
		s->last_code = code > 0 ? code : 0;
	}
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(newpw, sizeof(newpw));
	return rc;
}

/* Why reading the greeting or the login's answer failed: a TLS alert that came after the
 * handshake (TLS 1.3 servers check a client certificate then), a timeout, or else. */
static void
read_failed(struct session *s, enum session_fail otherwise, struct eg_err *err)
{
	struct tls_failure tf;

	if (s->conn != NULL) {
		tls_conn_failure(s->conn, &tf);
		if (tf.why != TLS_WHY_OTHER) {
			tls_failed(s, &tf, err);
			return;
		}
	}
	s->fail = err != NULL && err->code == EG_ETIMEOUT ? SESSION_FAIL_TIMEOUT : otherwise;
}

static void
step_done(const struct session *s, enum session_step step)
{
	if (s->env->watch != NULL && s->env->watch->done != NULL)
		s->env->watch->done(s->env->watch->ctx, step, s);
}

int
session_open(struct session *s, struct eg_err *err)
{
	const struct cfg_epp *c = s->env->epp;
	const char *obj[EPP_MAX_URIS], *ext[EPP_MAX_URIS];
	char objs[RP_OBJS], exts[RP_EXTS];
	size_t nobj, next;
	struct epp_greeting g;
	struct tls_failure tf;
	int64_t deadline, left;
	int fd;

	session_drop(s, NULL);
	s->last_code = 0;
	s->fail = SESSION_FAIL_NONE;
	deadline = eg_now_ms() + c->connect_timeout_ms;
	/* tls_open's two halves, so that a watcher sees them apart: one deadline for both. */
	memset(&tf, 0, sizeof(tf));
	if ((fd = net_connect(c->host, c->port, c->connect_timeout_ms, err)) != -1) {
		step_done(s, SESSION_STEP_TCP);
		left = eg_ms_left(deadline);
		s->conn = tls_start(s->env->tls, fd, c->tls.server_name[0] ? c->tls.server_name :
		    c->host, left > 0 ? (int)left : 1, &tf, err);
	}
	if (s->conn == NULL) {
		if (tf.why != TLS_WHY_OTHER)
			tls_failed(s, &tf, err);
		else
			s->fail = err != NULL && err->code == EG_ETIMEOUT ? SESSION_FAIL_TIMEOUT :
			    err != NULL && err->code == EG_ETLS ? SESSION_FAIL_TLS :
			    SESSION_FAIL_CONNECT;
		goto fail;
	}
	step_done(s, SESSION_STEP_TLS);
	if (read_document(s, deadline, err) == -1) {
		read_failed(s, SESSION_FAIL_GREETING, err);
		if (!session_fail_permanent(s->fail))
			eg_err_prefix(err, "greeting: ");
		goto fail;
	}
	/* g points into s->facts: read before the login's exchanges replace them */
	if (epp_facts_greeting(&s->facts, &g) == -1) {
		s->fail = SESSION_FAIL_GREETING;
		eg_err_set(err, EG_EPROTO, "the registry did not start with a greeting");
		goto fail;
	}
	if (rp_negotiate(&g, c, &s->login, err) == -1) {
		s->fail = err != NULL && err->code == EG_ECONFIG ? SESSION_FAIL_SERVICES :
		    SESSION_FAIL_GREETING;
		goto fail;
	}
	step_done(s, SESSION_STEP_GREETING);
	snprintf(objs, sizeof(objs), "%s", s->login.objs);
	snprintf(exts, sizeof(exts), "%s", s->login.exts);
	nobj = rp_split(objs, obj, EPP_MAX_URIS);
	next = rp_split(exts, ext, EPP_MAX_URIS);
	if (login(s, obj, nobj, ext, next, err) == -1) {
		if (s->last_code > 0)
			s->fail = session_fail_of_login(s->last_code);
		else
			read_failed(s, SESSION_FAIL_LOGIN, err);
		goto fail;
	}
	s->up = 1;
	s->up_since = eg_wall_ms();
	s->last_io_ms = eg_now_ms();
	log_info(s->env->log, "session %d: logged in to %s:%s as %s (server %s)", s->id, c->host,
	    c->port, c->login, s->login.svid);
	log_debug(s->env->log, "session %d: version %s, lang %s; objects: %s; extensions: %s",
	    s->id, s->login.version, s->login.lang, s->login.objs,
	    s->login.exts[0] ? s->login.exts : "(none)");
	step_done(s, SESSION_STEP_LOGIN);
	return 0;
fail:
	session_drop(s, NULL);
	return -1;
}

void
session_close(struct session *s)
{
	char cltrid[CLTRID_MAX + 1], *xml = NULL;
	size_t len;
	int timeout = s->env->epp->command_timeout_ms < 5000 ? s->env->epp->command_timeout_ms : 5000;

	if (s->up && s->conn != NULL) {
		cltrid_next(s->env->cltrid, cltrid);
		if (epp_build_logout(cltrid, &xml, &len, NULL) == 0 &&
		    session_exchange(s, xml, len, cltrid, timeout, NULL) == XCHG_OK)
			log_info(s->env->log, "session %d: logged out (%d)", s->id,
			    epp_facts_code(&s->facts));
		free(xml);
	}
	session_drop(s, NULL);
}

/* Is the connection still fit to carry a command? Checked before each write, so that a
 * command never goes out on a connection the registry already closed. */
static int
still_in_step(struct session *s, struct eg_err *err)
{
	if (!s->up || s->conn == NULL)
		return eg_err_set(err, EG_EIO, "no EPP session");
	if (frame_reader_pending(&s->rd) > 0)
		return eg_err_set(err, EG_EPROTO, "registry sent data nobody asked for");
	switch (tls_idle_check(s->conn)) {
	case TLS_IDLE_QUIET:
		return 0;
	case TLS_IDLE_CLOSED:
		return eg_err_set(err, EG_EIO, "the registry closed the connection while idle");
	default:
		return eg_err_set(err, EG_EPROTO, "registry sent data nobody asked for");
	}
}

/*
 * The exchange under way failed: dropped with the connection. Before the frame was written
 * whole the registry cannot have executed it (a partial frame is never executed); after, it
 * may have.
 */
static enum xchg
xchg_failed(struct session *s, struct eg_err *err)
{
	int written = s->xstate == XS_READ;

	if (written)
		epp_facts_reset(&s->facts);
	session_drop(s, err ? err->msg : NULL);
	return written ? XCHG_LOST : XCHG_UNSENT;
}

/* The response is in: the checks of session_exchange on what it carries. */
static enum xchg
xchg_answered(struct session *s, const char *xml, size_t len, struct eg_err *err)
{
	struct epp_greeting g;
	const char *got;
	int code;

	if (convert_document(s, xml, len, err) == -1)
		return xchg_failed(s, err);
	if (s->xgreeting) {
		if (epp_facts_greeting(&s->facts, &g) == -1) {
			eg_err_set(err, EG_EPROTO, "hello answered with something else than a greeting");
			return xchg_failed(s, err);
		}
	} else {
		got = epp_facts_cltrid(&s->facts);
		if (got == NULL || strcmp(got, s->xcltrid) != 0) {
			eg_err_set(err, EG_EPROTO, "response carries clTRID %s, sent %s",
			    got ? got : "(none)", s->xcltrid);
			return xchg_failed(s, err);
		}
	}
	s->xstate = XS_IDLE;
	s->xevents = 0;
	if (!s->xgreeting && ((code = epp_facts_code(&s->facts)) == 2002 || code >= 2500))
		session_drop(s, code == 2002 ? "registry answered 2002 (command use error)" :
		    "registry ended the session");
	s->commands++;
	s->last_io_ms = eg_now_ms();
	return XCHG_OK;
}

/*
 * Moves the exchange under way as far as the socket allows now, never waiting: writes the
 * rest of the frame, then reads until the response is whole or a read would block. When it
 * would block and now_ms is at or past the deadline, the exchange ends there.
 */
static enum xchg
xchg_step(struct session *s, int64_t now_ms, struct eg_err *err)
{
	enum tls_step st;
	const char *xml;
	size_t len;
	short want;

	if (s->xstate == XS_WRITE) {
		/* Called again with the same arguments after WANT_READ / WANT_WRITE (tls.h). */
		switch ((st = tls_write_nb(s->conn, s->out.data, s->out.len, err))) {
		case TLS_OK:
			break;
		case TLS_WANT_READ:
		case TLS_WANT_WRITE:
			if (now_ms >= s->xdeadline) {
				eg_err_set(err, EG_ETIMEOUT, "write timed out");
				return xchg_failed(s, err);
			}
			s->xevents = st == TLS_WANT_READ ? POLLIN : POLLOUT;
			return XCHG_PENDING;
		default:
			return xchg_failed(s, err);
		}
		packed_done(s, 0);
		s->xstate = XS_READ;
		s->last_io_ms = eg_now_ms();
		reply_reset(s);
		/* The answer cannot be there yet unless OpenSSL read something while writing:
		 * wait for the socket rather than try a read bound to find nothing. */
		if (!tls_buffered(s->conn)) {
			s->xevents = POLLIN;
			return XCHG_PENDING;
		}
	}
	switch (read_frame_nb(s, &xml, &len, &want, err)) {
	case 1:
		return xchg_answered(s, xml, len, err);
	case 0:
		if (now_ms >= s->xdeadline) {
			eg_err_set(err, EG_ETIMEOUT, "no response from the registry in time");
			return xchg_failed(s, err);
		}
		s->xevents = want;
		return XCHG_PENDING;
	default:
		return xchg_failed(s, err);
	}
}

enum xchg
session_start(struct session *s, const char *xml, size_t len, const char *cltrid,
    int timeout_ms, struct eg_err *err)
{
	int64_t now = eg_now_ms();

	if (s->xstate != XS_IDLE) {
		eg_err_set(err, EG_EPROTO, "an exchange is already under way on session %d",
		    s->id);
		return XCHG_REFUSED;
	}
	if (still_in_step(s, err) == -1) {
		session_drop(s, err ? err->msg : NULL);
		return XCHG_UNSENT;
	}
	if (len + FRAME_HDR_LEN > s->env->epp->max_frame) {
		eg_err_set(err, EG_ELIMIT, "command of %zu bytes exceeds the frame limit", len);
		return XCHG_REFUSED;
	}
	if (cltrid != NULL && strlen(cltrid) > CLTRID_MAX) {
		eg_err_set(err, EG_ELIMIT, "clTRID of %zu characters exceeds %d", strlen(cltrid),
		    CLTRID_MAX);
		return XCHG_REFUSED;
	}
	if (pack_frame(s, xml, len, err) == -1) {
		session_drop(s, err ? err->msg : NULL);
		return XCHG_UNSENT;
	}
	s->xstate = XS_WRITE;
	s->xevents = 0;
	s->xdeadline = now + timeout_ms;
	s->xgreeting = cltrid == NULL;
	snprintf(s->xcltrid, sizeof(s->xcltrid), "%s", cltrid ? cltrid : "");
	return xchg_step(s, now, err);
}

enum xchg
session_continue(struct session *s, int64_t now_ms, struct eg_err *err)
{
	if (s->xstate == XS_IDLE) {
		/* Nothing to go on with (never started, or dropped on the way): whether a
		 * command went out is not known here, so it is not said to be unsent. */
		eg_err_set(err, EG_EPROTO, "no exchange under way on session %d", s->id);
		return XCHG_LOST;
	}
	return xchg_step(s, now_ms, err);
}

int
session_busy(const struct session *s)
{
	return s->xstate != XS_IDLE;
}

int
session_fd(const struct session *s)
{
	return s->conn != NULL ? tls_fd(s->conn) : -1;
}

short
session_events(const struct session *s)
{
	return s->xstate != XS_IDLE ? s->xevents : 0;
}

int64_t
session_deadline(const struct session *s)
{
	return s->xstate != XS_IDLE ? s->xdeadline : -1;
}

enum xchg
session_wait(struct session *s, struct eg_err *err)
{
	enum xchg r = XCHG_PENDING;
	int e;

	if (s->xstate == XS_IDLE)
		return session_continue(s, eg_now_ms(), err);
	while (r == XCHG_PENDING) {
		if (net_wait(session_fd(s), session_events(s), session_deadline(s)) == -1) {
			e = errno;
			eg_err_set(err, EG_EIO, "%s: poll: %s", s->xstate == XS_WRITE ? "write" :
			    "read", strerror(e));
			return xchg_failed(s, err);
		}
		r = session_continue(s, eg_now_ms(), err);
	}
	return r;
}

/* The blocking exchange: the one above, waiting for the socket in between. */
enum xchg
session_exchange(struct session *s, const char *xml, size_t len, const char *cltrid,
    int timeout_ms, struct eg_err *err)
{
	enum xchg r = session_start(s, xml, len, cltrid, timeout_ms, err);

	return r == XCHG_PENDING ? session_wait(s, err) : r;
}

int64_t
session_keepalive_in(const struct session *s)
{
	int64_t due;

	if (s->env->epp->keepalive_s <= 0 || !s->up)
		return -1;
	due = s->last_io_ms + (int64_t)s->env->epp->keepalive_s * 1000 - eg_now_ms();
	return due > 0 ? due : 0;
}

int
session_keepalive(struct session *s, struct eg_err *err)
{
	char *xml = NULL;
	size_t len;
	enum xchg r;

	if (session_keepalive_in(s) != 0)
		return 0;
	if (epp_build_hello(&xml, &len, err) == -1)
		return -1;
	r = session_exchange(s, xml, len, NULL, s->env->epp->command_timeout_ms, err);
	free(xml);
	if (r != XCHG_OK)
		return -1;
	log_debug(s->env->log, "session %d: keepalive hello answered", s->id);
	return 0;
}
