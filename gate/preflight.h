/* SPDX-License-Identifier: MIT */
/*
 * preflight.h - epp-gate --check-config --connect (epp-gate(8)): once the
 * configuration passed its checks, the real connections are tried once, with
 * the gate's own code (broker.h, session.h, tls.h), each step printed on a
 * line of its own with the milliseconds it took:
 *
 *   broker login HOST:PORT   TCP (TLS), AMQP login, channel; every broker.hosts entry
 *   broker queue NAME        a passive queue.declare: the queue must exist
 *   epp tcp HOST:PORT        the TCP connection to the registry
 *   epp tls                  the handshake, and the certificate chain the registry sent
 *   epp greeting             svID and the services offered
 *   epp login                the login the gate would make (never with epp.new_password:
 *                            a check changes nothing at the registry)
 *   epp logout
 *
 * A line reads "STEP: ok (N ms)[: detail]" or "STEP: FAILED (N ms): why"; a step after a
 * failed one of the same connection is not tried. Secrets are never printed.
 */
#ifndef EG_PREFLIGHT_H
#define EG_PREFLIGHT_H

#include <stdio.h>

#include "config.h"

/*
 * Runs every step, printing the step lines to out and, for each failed step, one line
 * "epp-gate: connection check failed at STEP: why" to errf. Returns the exit status: 0 when
 * every step succeeded; 78 (EX_CONFIG) when a failure is one that only a change of
 * configuration, certificates or the registry's or broker's records can mend (a refused
 * login, a missing queue or vhost, a certificate refused or not verified); 69
 * (EX_UNAVAILABLE) when all failures may heal by themselves (nothing listening, a
 * timeout, a registry closing or at its session limit); 1 when out of memory.
 */
int preflight_run(const struct gate_config *c, FILE *out, FILE *errf);

#endif
