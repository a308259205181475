/* SPDX-License-Identifier: MIT */
/*
 * health.h - the health file of the reference's systemd units (README.md, "Operations").
 *
 * Clients append a line when a request fails at transport level; a systemd
 * path unit watching the file restarts the gate. The gate appends a line
 * itself when it cannot re-establish its EPP session, and optionally watches
 * the file with inotify so that a client's line makes it re-login at once,
 * without a restart. Its own appends are not taken for someone else's.
 * Thread-safe appends.
 */
#ifndef EG_HEALTH_H
#define EG_HEALTH_H

#include "err.h"

struct health;

/* path must be writable (created 0640 if missing). watch: also watch for other writers. */
struct health *health_open(const char *path, int watch, struct eg_err *err);
void health_close(struct health *h);

/* Appends "<message> at <asctime>\n", the reference's line (healthline.h). */
int health_append(struct health *h, const char *message, struct eg_err *err);

/* inotify descriptor to poll for POLLIN, or -1 when not watching. */
int health_fd(const struct health *h);

/* Reads pending events: 1 when another writer changed the file since the last call,
 * 0 otherwise (including only our own appends). */
int health_touched(struct health *h);

#endif
