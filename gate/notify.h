/* SPDX-License-Identifier: MIT */
/*
 * notify.h - telling systemd how the gate is (Type=notify, WatchdogSec=): the
 * sd_notify(3) protocol, a datagram of "KEY=value" lines to the AF_UNIX socket
 * named by $NOTIFY_SOCKET ('@' = abstract namespace). Written here because the
 * protocol is two system calls and libsystemd would bring a dozen libraries.
 */
#ifndef EG_NOTIFY_H
#define EG_NOTIFY_H

#include <stdint.h>

/* Sends state (e.g. "READY=1\nSTATUS=..."); does nothing outside systemd. */
void notify_send(const char *state);

/* The watchdog interval systemd expects pings within (microseconds), or 0 when the
 * watchdog is off or meant for another process. */
uint64_t notify_watchdog_usec(void);

#endif
