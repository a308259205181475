/* SPDX-License-Identifier: MIT */
/*
 * net.c - TCP sockets: connecting within a deadline, listening, accepting,
 * and the options every connection gets (see net.h).
 */
#include "net.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

int
net_tune(int fd)
{
	int one = 1, fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return -1;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -1;
	/* Not every socket is TCP (tests use socketpairs): NODELAY failing there is fine. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

int
net_wait(int fd, short events, int64_t deadline)
{
	struct pollfd p;
	int r;

	for (;;) {
		p.fd = fd;
		p.events = events;
		p.revents = 0;
		r = poll(&p, 1, eg_ms_left(deadline));
		if (r > 0)
			return 1;   /* includes POLLERR/POLLHUP: the next I/O call reports it */
		if (r == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

/* One non-blocking connect attempt to one address, bounded by deadline. */
static int
connect_one(const struct addrinfo *ai, int64_t deadline, int *timed_out)
{
	int fd, soerr = 0, r;
	socklen_t sl = sizeof(soerr);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	if (fd == -1)
		return -1;
	if (net_tune(fd) == -1)
		goto fail;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail;
	r = net_wait(fd, POLLOUT, deadline);
	if (r == 0) {
		*timed_out = 1;
		errno = ETIMEDOUT;
		goto fail;
	}
	if (r == -1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1)
		goto fail;
	if (soerr != 0) {
		errno = soerr;
		goto fail;
	}
	return fd;
fail:
	r = errno;
	close(fd);
	errno = r;
	return -1;
}

int
net_connect(const char *host, const char *port, int timeout_ms, struct eg_err *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	int64_t deadline = timeout_ms < 0 ? -1 : eg_now_ms() + timeout_ms;
	int fd = -1, gai, timed_out = 0, saved = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	if ((gai = getaddrinfo(host, port, &hints, &res)) != 0) {
		eg_err_set(err, EG_EIO, "cannot resolve %s:%s: %s", host, port,
		    gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL && fd == -1; ai = ai->ai_next) {
		if ((fd = connect_one(ai, deadline, &timed_out)) == -1)
			saved = errno;
		if (deadline >= 0 && eg_ms_left(deadline) == 0)
			break;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		if (timed_out)
			eg_err_set(err, EG_ETIMEOUT, "connect to %s:%s timed out after %d ms", host,
			    port, timeout_ms);
		else
			eg_err_set(err, EG_EIO, "connect to %s:%s failed: %s", host, port,
			    strerror(saved));
	}
	return fd;
}

int
net_listen(const char *host, const char *port, int backlog, struct eg_err *err)
{
	struct addrinfo hints, *res = NULL;
	int fd = -1, one = 1, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	if ((gai = getaddrinfo(host, port, &hints, &res)) != 0) {
		eg_err_set(err, EG_EIO, "cannot resolve %s:%s: %s", host, port,
		    gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
		return -1;
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC, res->ai_protocol);
	if (fd == -1)
		goto fail;
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, res->ai_addr, res->ai_addrlen) == -1 || listen(fd, backlog) == -1)
		goto fail;
	freeaddrinfo(res);
	return fd;
fail:
	eg_err_set(err, EG_EIO, "cannot listen on %s:%s: %s", host, port, strerror(errno));
	if (fd != -1)
		close(fd);
	freeaddrinfo(res);
	return -1;
}

int
net_accept(int lfd)
{
	int fd, saved;

	do
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (fd == -1 && errno == EINTR);
	if (fd == -1)
		return -1;
	if (net_tune(fd) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
net_local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}
