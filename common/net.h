/* SPDX-License-Identifier: MIT */
/*
 * net.h - TCP sockets, with every socket option in one place.
 *
 * All sockets are non-blocking and close-on-exec; waits go through net_wait()
 * with a CLOCK_MONOTONIC deadline (clock.h), so no call blocks past its
 * deadline. TCP_NODELAY is set on every connection: EPP and AMQP are
 * request/response protocols where Nagle's algorithm only adds delay.
 * Writers must not die of SIGPIPE: main() ignores it.
 *
 * net_connect() and net_listen() report through struct eg_err; the others
 * wrap one system call each and, like it, return -1 with errno set (the
 * exception err.h allows).
 */
#ifndef EG_NET_H
#define EG_NET_H

#include <stdint.h>

#include "err.h"

/* Connects to host:port (name or address; every address tried in turn) within
 * timeout_ms. Returns the socket or -1 (EG_ETIMEOUT / EG_EIO). */
int net_connect(const char *host, const char *port, int timeout_ms, struct eg_err *err);

/* Listens on host:port ("0" for a port the kernel picks). Returns the socket or -1. */
int net_listen(const char *host, const char *port, int backlog, struct eg_err *err);

/* Accepts one connection (non-blocking, NODELAY, CLOEXEC). -1 with errno on failure. */
int net_accept(int lfd);

/* The local port of a bound socket, or -1 (errno set when getsockname() failed). */
int net_local_port(int fd);

/* Waits for events (POLLIN/POLLOUT) on fd until deadline (monotonic ms, -1 = forever).
 * 1 ready, 0 deadline passed, -1 error (errno). Retries on EINTR. */
int net_wait(int fd, short events, int64_t deadline);

/* Sets the options every connection gets: non-blocking, close-on-exec, TCP_NODELAY.
 * 0, or -1 with errno. */
int net_tune(int fd);

#endif
