/* SPDX-License-Identifier: MIT */
/*
 * gate.h - the AMQP thread: the one loop that owns the broker connection.
 *
 * It waits (poll) on the broker socket, the job queue's eventfd, a signalfd and
 * the health file's inotify descriptor, and never on the registry. For each
 * delivery it parses and builds the command (bad requests are answered at
 * once), hands it to the job queue (jobq.h), which the session supervisor's
 * threads serve (supervisor.h), and when the queue hands it back it
 * publishes the reply and acks the delivery, in that order. It reconnects to
 * the broker with backoff, keeps the prefetch equal to the sessions up,
 * writes metrics, talks to systemd, and drains on SIGTERM/SIGINT.
 */
#ifndef EG_GATE_H
#define EG_GATE_H

#include "config.h"
#include "log.h"

/* Runs the gate until a stop signal arrives on sigfd (a signalfd for SIGTERM, SIGINT,
 * SIGHUP, which the caller has blocked in every thread). Returns the exit status. */
int gate_run(const struct gate_config *cfg, struct eg_log *log, int sigfd);

#endif
