/* SPDX-License-Identifier: MIT */
/*
 * health.h - the health file of the reference's systemd units (README.md, "Operations";
 * epp-gate(8), HEALTH FILE), and the gate's read-only watch on it.
 *
 * The contract:
 *
 *   - Clients write it. A client whose request fails at transport level appends one line
 *     "<error> at <asctime>" (common/healthline.h). The path unit watching the file
 *     (systemd/epp-gate-health.path, PathModified=) starts epp-gate-watcher.service,
 *     which restarts the gate.
 *
 *   - The gate never writes it. It does not create, open for writing, append to,
 *     truncate, touch, chmod, rename or remove the file: each of those is a change
 *     to the path unit, which would restart the gate for its own report (during a
 *     registry outage, again and again). A registry outage is not cured by a restart;
 *     the gate reports it in its log, in the metrics file (eppgate_sessions_up), in
 *     gate_status and through alerts, and keeps trying by itself.
 *
 *   - With health.watch on, the gate watches the file (inotify on the file and on its
 *     directory, stat) and logs in again at once when someone changes it, so that a
 *     client's line is acted on without waiting for the restart. Watching and stat()
 *     raise no event a path unit reacts to. A missing file is not created: its
 *     creation by a client counts as a change.
 *
 * Used by the AMQP thread only.
 */
#ifndef EG_HEALTH_H
#define EG_HEALTH_H

#include "err.h"

struct health;

/* Starts watching path, which need not exist; its directory must. Never writes it. */
struct health *health_open(const char *path, struct eg_err *err);
void health_close(struct health *h);

/* inotify descriptor to poll for POLLIN. */
int health_fd(const struct health *h);

/* Reads pending events: 1 when the file changed since the last call (written to,
 * touched, chmod'ed, created, replaced, removed), 0 otherwise. */
int health_touched(struct health *h);

#endif
