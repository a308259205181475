/* SPDX-License-Identifier: MIT */
/*
 * server.h - epp-sim's EPP-over-TLS server (RFC 5734): a listener on
 * loopback and one thread per connection that sends the greeting, reads
 * frames, asks the fault plan what to do, runs the command in the registry
 * and writes the response as one frame in one write.
 *
 * The caller (main) owns the loop: server_poll() accepts for a while and
 * returns, so that signal flags are looked at in between. Connection
 * threads block every signal.
 */
#ifndef EPPSIM_SERVER_H
#define EPPSIM_SERVER_H

#include <stddef.h>

#include "cmdlog.h"
#include "err.h"
#include "faults.h"
#include "log.h"
#include "registry.h"
#include "tls.h"

struct server_config {
	const char *host;             /* loopback address to listen on */
	const char *port;             /* "0": the kernel picks */
	struct tls_ctx *ctx;          /* server context (client certificates per its options) */
	struct registry *reg;
	struct fault_plan *faults;
	struct cmdlog *cmdlog;        /* may have no file */
	const struct eg_log *log;     /* stderr diagnostics; NULL: none */
	int idle_timeout_ms;          /* close a session idle this long; 0: never */
	int latency_ms;               /* delay before every response */
	int stall_ms;                 /* how long partial/stall faults hold the connection */
	int handshake_ms;             /* TLS handshake limit */
	size_t max_frame;             /* largest command frame accepted */
	unsigned max_conns;           /* connections at once; more are closed at accept */
};

struct server;

/* Listens. NULL with err on failure. The config's pointers must outlive the server. */
struct server *server_new(const struct server_config *c, struct eg_err *err);
int server_port(const struct server *s);
/* Accepts connections for up to timeout_ms (returns early on a signal). 0 or -1. */
int server_poll(struct server *s, int timeout_ms);
/* Closes every connection at once, like a registry that drops everyone. */
void server_drop_all(struct server *s);
/* Connections open now. */
unsigned server_conns(struct server *s);
/* Stops listening, closes every connection and waits up to wait_ms for the connection
 * threads. Frees s when they are all gone; returns the number still running (then s is
 * left to the exiting process). */
unsigned server_shutdown(struct server *s, int wait_ms);

#endif
