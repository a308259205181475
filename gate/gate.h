/* SPDX-License-Identifier: MIT */
/*
 * gate.h - the AMQP thread: the one loop that owns the broker connection.
 *
 * It waits (poll) on the broker socket, the job queue's eventfd, a signalfd and
 * the health file's inotify descriptor, and never on the registry. For each
 * delivery it parses and builds the command (bad requests are answered at
 * once), hands it to the job queue (jobq.h), which the session supervisor's
 * threads serve (supervisor.h), and when the queue hands it back it
 * publishes the reply and acks the delivery, in that order (held while the
 * broker blocks the connection: broker.h). It reconnects to the broker with
 * backoff, keeps the consumer's prefetch equal to the sessions up (by consuming
 * again, at most once a second), declares the queue again when the broker
 * cancels the consumer, writes metrics, talks to systemd, and drains on
 * SIGTERM/SIGINT.
 */
#ifndef EG_GATE_H
#define EG_GATE_H

#include "config.h"
#include "log.h"

/*
 * Runs the gate until a stop signal arrives on sigfd (a signalfd for SIGTERM, SIGINT,
 * SIGHUP, which the caller has blocked in every thread). Returns the exit status:
 *   0   stopped by a signal (after the drain);
 *   1   could not start (TLS context, journal, health file...: the log says why);
 *   78  EX_CONFIG: RabbitMQ refused the gate permanently on every configured host, 3
 *       times in a row each (the queue exists with other arguments, the login or a
 *       permission refused, the vhost missing: broker.h), at start or later on. Nothing
 *       succeeds until someone changes the configuration or the broker; systemd, told
 *       RestartPreventExitStatus=78, does not restart the gate in a loop. A host that is
 *       only unreachable keeps the gate trying.
 */
int gate_run(const struct gate_config *cfg, struct eg_log *log, int sigfd);

#endif
