/* SPDX-License-Identifier: MIT */
/*
 * server.c - listener and connection threads of epp-sim.
 *
 * A connection thread owns its TLS connection. The server keeps a list of
 * connections past their handshake so that server_drop_all() can shut their
 * sockets down: shutdown(2) wakes a thread blocked in poll or read, which
 * then ends on its own and removes itself from the list before closing the
 * socket (the list mutex makes sure no descriptor is shut down after it was
 * closed and reused).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1   /* POLLRDHUP */
#endif
#include "server.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "frame.h"
#include "net.h"
#include "tls.h"

#define WRITE_MS 10000                 /* a client that does not read is given up on */
#define OVERSIZE_LEN ((uint32_t)32 << 20)

struct conn {
	struct server *srv;
	int fd;                        /* for shutdown(2) by drop_all; -1 once closed */
	struct tls_conn *tls;
	unsigned long id;
	int dropped;                   /* set by drop_all: the end is not the client's doing */
	struct conn *prev, *next;
};

struct server {
	struct server_config cfg;
	int lfd;
	int port;
	pthread_mutex_t mu;
	pthread_cond_t gone;           /* signalled when a connection thread ends */
	struct conn *conns;            /* past the handshake */
	unsigned nconns;
	unsigned nthreads;             /* connection threads alive */
	/* Threads that have finished, to be joined: joining (rather than detaching) makes
	 * sure their per-thread OpenSSL and libxml2 state is released before we exit. */
	pthread_t *ended;
	size_t nended, capended;
	unsigned long next_id;
};

struct server *
server_new(const struct server_config *c, struct eg_err *err)
{
	struct server *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	s->cfg = *c;
	if (s->cfg.handshake_ms <= 0)
		s->cfg.handshake_ms = 10000;
	if (s->cfg.max_frame == 0)
		s->cfg.max_frame = (size_t)4 << 20;
	if (s->cfg.max_conns == 0)
		s->cfg.max_conns = 1024;
	if ((s->lfd = net_listen(c->host, c->port, 512, err)) == -1) {
		free(s);
		return NULL;
	}
	if (net_tune(s->lfd) == -1 || (s->port = net_local_port(s->lfd)) < 0) {
		eg_err_set(err, EG_EIO, "listening socket: %s", strerror(errno));
		close(s->lfd);
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->gone, NULL);
	s->next_id = 1;
	return s;
}

int
server_port(const struct server *s)
{
	return s->port;
}

unsigned
server_conns(struct server *s)
{
	unsigned n;

	pthread_mutex_lock(&s->mu);
	n = s->nconns;
	pthread_mutex_unlock(&s->mu);
	return n;
}

/* ---- one connection ---- */

static void
conn_register(struct conn *c)
{
	struct server *s = c->srv;

	pthread_mutex_lock(&s->mu);
	c->next = s->conns;
	if (s->conns != NULL)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
	pthread_mutex_unlock(&s->mu);
}

static void
conn_unregister(struct conn *c)
{
	struct server *s = c->srv;

	pthread_mutex_lock(&s->mu);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else if (s->conns == c)
		s->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	s->nconns--;
	c->fd = -1;
	pthread_mutex_unlock(&s->mu);
}

static int
is_dropped(struct conn *c)
{
	int d;

	pthread_mutex_lock(&c->srv->mu);
	d = c->dropped;
	pthread_mutex_unlock(&c->srv->mu);
	return d;
}

/* The configured latency, cut short when the connection is dropped meanwhile. */
static void
delay(struct conn *c)
{
	/* Microseconds: a millisecond clock would cut up to 1 ms off the wait. */
	int64_t end = eg_now_us() + (int64_t)c->srv->cfg.latency_ms * 1000, left;
	struct pollfd p;

	if (c->srv->cfg.latency_ms <= 0)
		return;
	/* Waiting for POLLRDHUP and not POLLIN: a pipelined command must not end the wait. */
	while ((left = end - eg_now_us()) > 0 && !is_dropped(c)) {
		p.fd = tls_fd(c->tls);
		p.events = POLLRDHUP;
		p.revents = 0;
		if (poll(&p, 1, left > 50000 ? 50 : (int)((left + 999) / 1000)) > 0 &&
		    (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
			return;
	}
}

static int
send_bytes(struct conn *c, const void *p, size_t n)
{
	struct eg_err e;

	if (tls_write(c->tls, p, n, eg_now_ms() + WRITE_MS, &e) == -1) {
		log_debug(c->srv->cfg.log, "s=%lu: write failed: %s", c->id, e.msg);
		return -1;
	}
	return 0;
}

static int
send_frame(struct conn *c, const char *xml, size_t len)
{
	struct buf f = BUF_INIT;
	struct eg_err e;
	int rc = -1;

	if (frame_pack(&f, xml, len, 0, &e) == 0)
		rc = send_bytes(c, f.data, f.len);
	buf_clear(&f);
	return rc;
}

/* Holds the connection until the client closes it, it is dropped, or ms pass; data
 * that arrives meanwhile is read and ignored. */
static void
hold(struct conn *c, int ms)
{
	int64_t end = eg_now_ms() + ms;
	struct eg_err e;
	char scratch[4096];
	int r;

	while (!is_dropped(c)) {
		r = net_wait(tls_fd(c->tls), POLLIN, end);
		if (r != 1)
			return;
		if (tls_read(c->tls, scratch, sizeof(scratch), end, &e) <= 0)
			return;
	}
}

static void
log_cmd(struct conn *c, struct sim_session *ss, const struct sim_request *rq, int code,
    enum fault_kind f)
{
	int login = rq->verb == SIM_V_LOGIN;

	cmdlog_write(c->srv->cfg.cmdlog, c->id, ss->logged_in || ss->clid[0] ? ss->clid : NULL,
	    rq->cmd, rq->has_cltrid ? rq->cltrid : NULL, code, rq->obj,
	    f != FAULT_NONE ? fault_kind_name(f) : NULL, login ? rq->login_objs : NULL,
	    login ? rq->login_exts : NULL);
	log_debug(c->srv->cfg.log, "s=%lu %s %s -> %d%s%s", c->id, rq->cmd,
	    rq->obj[0] ? rq->obj : "-", code, f != FAULT_NONE ? " fault=" : "",
	    f != FAULT_NONE ? fault_kind_name(f) : "");
}

/* A clTRID that is not the client's: the original with a suffix, at most 64 chars. */
static void
spoil_cltrid(struct sim_request *rq)
{
	if (!rq->has_cltrid) {
		snprintf(rq->cltrid, sizeof(rq->cltrid), "epp-sim-wrong-cltrid");
		rq->has_cltrid = 1;
		return;
	}
	rq->cltrid[SIM_CLTRID_MAX - 6] = '\0';
	strcat(rq->cltrid, "-WRONG");
}

/* Runs one command frame; 0 to go on, -1 to end the connection. */
static int
handle_frame(struct conn *c, struct sim_session *ss, const char *xml, size_t len)
{
	static const char garbage[] = "\x01\x02 this frame is not XML \xff\xfe<<<";
	struct server *srv = c->srv;
	struct sim_reply rp;
	struct sim_request rq;
	enum fault_kind f;
	struct buf fr = BUF_INIT, body = BUF_INIT;
	struct eg_err e;
	unsigned char hdr[4];
	char arg[FAULT_ARG_MAX];
	int rc = -1;

	memset(&rp, 0, sizeof(rp));
	sim_request_parse(xml, len, &rq);
	f = fault_plan_match_arg(srv->cfg.faults, rq.cmd, rq.klass, arg, sizeof(arg));
	switch (f) {
	case FAULT_DROP_BEFORE:
		log_cmd(c, ss, &rq, -1, f);
		goto done;
	case FAULT_REFUSE_LOGIN:
		if (registry_refuse(srv->cfg.reg, &rq, 2200, "refused by fault injection", 0,
		    &rp) == -1)
			goto done;
		break;
	case FAULT_SESSION_LIMIT:
		if (registry_refuse(srv->cfg.reg, &rq, 2502, "session limit (fault injection)", 1,
		    &rp) == -1)
			goto done;
		break;
	case FAULT_WRONG_CLTRID:
		spoil_cltrid(&rq);
		/* FALLTHROUGH */
	default:
		if (registry_execute(srv->cfg.reg, ss, &rq, &rp) == -1) {
			log_warn(srv->cfg.log, "s=%lu: out of memory", c->id);
			goto done;
		}
		break;
	}
	log_cmd(c, ss, &rq, rp.code, f);
	switch (f) {
	case FAULT_DROP_AFTER:
		goto done;
	case FAULT_STALL:
		hold(c, srv->cfg.stall_ms);
		goto done;
	case FAULT_GARBAGE:
		delay(c);
		rc = send_frame(c, garbage, sizeof(garbage) - 1);
		goto done;
	case FAULT_OVERSIZE:
		/* A header claiming 32 MiB, a little of the real response, then the end. */
		hdr[0] = (unsigned char)(OVERSIZE_LEN >> 24);
		hdr[1] = (unsigned char)(OVERSIZE_LEN >> 16);
		hdr[2] = (unsigned char)(OVERSIZE_LEN >> 8);
		hdr[3] = (unsigned char)OVERSIZE_LEN;
		delay(c);
		if (buf_append(&fr, hdr, 4) == 0 && buf_append(&fr, rp.xml.data,
		    rp.xml.len < 1024 ? rp.xml.len : 1024) == 0)
			send_bytes(c, fr.data, fr.len);
		goto done;
	case FAULT_REPLY_FILE:
		/* Whatever the file holds, as the response; the session goes on after it. */
		if (fault_reply_load(arg, rq.has_cltrid ? rq.cltrid : "", &body, &e) == -1 ||
		    frame_pack(&fr, body.data, body.len, FAULT_FILE_MAX + FRAME_HDR_LEN, &e) == -1) {
			/* above the default frame limit on purpose: oversized frames are a case */
			log_warn(srv->cfg.log, "s=%lu: %s; closing", c->id, e.msg);
			goto done;
		}
		delay(c);
		if (send_bytes(c, fr.data, fr.len) == -1)
			goto done;
		rc = 0;
		goto done;
	case FAULT_PARTIAL:
		delay(c);
		if (frame_pack(&fr, rp.xml.data, rp.xml.len, 0, &e) == 0 &&
		    send_bytes(c, fr.data, fr.len / 2) == 0)
			hold(c, srv->cfg.stall_ms);
		goto done;
	default:
		break;
	}
	delay(c);
	if (send_frame(c, rp.xml.data, rp.xml.len) == -1 || rp.close)
		goto done;
	rc = 0;
done:
	buf_clear(&fr);
	buf_clear(&body);
	sim_reply_clear(&rp);
	sim_request_clear(&rq);
	return rc;
}

/* Reads and runs frames until the connection ends. */
static void
serve(struct conn *c, struct sim_session *ss)
{
	struct server *srv = c->srv;
	struct frame_reader fr;
	const char *xml;
	size_t len;
	char buf[16384];
	struct eg_err e;
	int64_t deadline;
	ssize_t n;
	int r;

	frame_reader_init(&fr, srv->cfg.max_frame);
	for (;;) {
		deadline = srv->cfg.idle_timeout_ms > 0 ? eg_now_ms() + srv->cfg.idle_timeout_ms : -1;
		while ((r = frame_reader_next(&fr, &xml, &len, &e)) == 0) {
			n = tls_read(c->tls, buf, sizeof(buf), deadline, &e);
			if (n == 0 || is_dropped(c)) {
				log_debug(srv->cfg.log, "s=%lu: %s", c->id, is_dropped(c) ?
				    "dropped" : "closed by the client");
				goto done;
			}
			if (n < 0) {
				if (e.code == EG_ETIMEOUT)
					log_debug(srv->cfg.log, "s=%lu: idle for %d ms, closing", c->id,
					    srv->cfg.idle_timeout_ms);
				else
					log_debug(srv->cfg.log, "s=%lu: %s", c->id, e.msg);
				goto done;
			}
			if (frame_reader_feed(&fr, buf, (size_t)n, &e) == -1) {
				r = -1;
				break;
			}
		}
		if (r == -1) {
			log_debug(srv->cfg.log, "s=%lu: bad frame: %s", c->id, e.msg);
			goto done;
		}
		if (handle_frame(c, ss, xml, len) == -1)
			goto done;
	}
done:
	frame_reader_clear(&fr);
}

static void *
conn_main(void *arg)
{
	struct conn *c = arg;
	struct server *srv = c->srv;
	struct sim_session ss;
	struct buf g = BUF_INIT;
	struct eg_err e;

	memset(&ss, 0, sizeof(ss));
	ss.id = c->id;
	/* tls_accept closes the socket when it fails. */
	if ((c->tls = tls_accept(srv->cfg.ctx, c->fd, srv->cfg.handshake_ms, &e)) == NULL) {
		log_debug(srv->cfg.log, "s=%lu: %s", c->id, e.msg);
		goto out;
	}
	conn_register(c);
	log_debug(srv->cfg.log, "s=%lu: connected", c->id);
	if (registry_greeting(srv->cfg.reg, &g) == 0) {
		delay(c);
		if (send_frame(c, g.data, g.len) == 0)
			serve(c, &ss);
	}
	buf_clear(&g);
	registry_session_end(srv->cfg.reg, &ss);
	conn_unregister(c);
	tls_close(c->tls);
out:
	free(c);
	pthread_mutex_lock(&srv->mu);
	if (srv->nended == srv->capended) {
		size_t cap = srv->capended ? srv->capended * 2 : 16;
		pthread_t *p = realloc(srv->ended, cap * sizeof(*p));

		if (p != NULL) {
			srv->ended = p;
			srv->capended = cap;
		}
	}
	if (srv->nended < srv->capended)
		srv->ended[srv->nended++] = pthread_self();
	else
		pthread_detach(pthread_self());   /* out of memory: nobody will join it */
	srv->nthreads--;
	pthread_cond_broadcast(&srv->gone);
	pthread_mutex_unlock(&srv->mu);
	return NULL;
}

/* Starts a thread for an accepted socket (closed on failure). */
static void
spawn(struct server *s, int fd)
{
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t th;
	struct conn *c;
	int busy, r;

	pthread_mutex_lock(&s->mu);
	busy = s->nthreads >= s->cfg.max_conns;
	pthread_mutex_unlock(&s->mu);
	if (busy || (c = calloc(1, sizeof(*c))) == NULL) {
		log_warn(s->cfg.log, "%s: connection closed at once", busy ?
		    "too many connections" : "out of memory");
		close(fd);
		return;
	}
	c->srv = s;
	c->fd = fd;
	pthread_mutex_lock(&s->mu);
	c->id = s->next_id++;
	s->nthreads++;
	pthread_mutex_unlock(&s->mu);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, (size_t)512 << 10);
	/* Signals are main's business: the thread starts with all of them blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&th, &attr, conn_main, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		log_warn(s->cfg.log, "cannot start a connection thread: %s", strerror(r));
		close(fd);
		free(c);
		pthread_mutex_lock(&s->mu);
		s->nthreads--;
		pthread_mutex_unlock(&s->mu);
	}
}

/* Joins the connection threads that have ended. */
static void
reap(struct server *s)
{
	pthread_t *list;
	size_t n, i;

	pthread_mutex_lock(&s->mu);
	list = s->ended;
	n = s->nended;
	s->ended = NULL;
	s->nended = s->capended = 0;
	pthread_mutex_unlock(&s->mu);
	for (i = 0; i < n; i++)
		pthread_join(list[i], NULL);
	free(list);
}

int
server_poll(struct server *s, int timeout_ms)
{
	int fd, r;

	reap(s);
	r = net_wait(s->lfd, POLLIN, eg_now_ms() + timeout_ms);
	if (r <= 0)
		return r == 0 || errno == EINTR ? 0 : -1;
	/* Accept everything that is waiting. */
	while ((fd = net_accept(s->lfd)) != -1)
		spawn(s, fd);
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED && errno != EINTR) {
		log_warn(s->cfg.log, "accept: %s", strerror(errno));
		/* out of descriptors: let some connections end before trying again */
		if (errno == EMFILE || errno == ENFILE)
			usleep(100000);
	}
	return 0;
}

void
server_drop_all(struct server *s)
{
	struct conn *c;

	pthread_mutex_lock(&s->mu);
	for (c = s->conns; c != NULL; c = c->next) {
		c->dropped = 1;
		if (c->fd >= 0)
			shutdown(c->fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&s->mu);
}

unsigned
server_shutdown(struct server *s, int wait_ms)
{
	struct timespec until;
	unsigned left;

	close(s->lfd);
	s->lfd = -1;
	server_drop_all(s);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&s->mu);
	while (s->nthreads > 0) {
		/* Threads still in their handshake are not in the list yet: drop again. */
		pthread_mutex_unlock(&s->mu);
		server_drop_all(s);
		pthread_mutex_lock(&s->mu);
		if (s->nthreads == 0 ||
		    pthread_cond_timedwait(&s->gone, &s->mu, &until) == ETIMEDOUT)
			break;
	}
	left = s->nthreads;
	pthread_mutex_unlock(&s->mu);
	if (left > 0)
		return left;
	reap(s);
	pthread_cond_destroy(&s->gone);
	pthread_mutex_destroy(&s->mu);
	free(s);
	return 0;
}
