/* SPDX-License-Identifier: MIT */
/*
 * alert.h - telling a human that the registry session was lost or restored.
 *
 * Two channels, both optional: alert_command, run with the event in its
 * environment (EPPGATE_EVENT=session_lost|session_restored, EPPGATE_MESSAGE,
 * EPPGATE_TIME) and its output discarded; and e-mail, configured by the
 * reference's --alert_email_config JSON file, sent over SMTP with STARTTLS by
 * libcurl. Alerts run on a background thread: alert_fire() never blocks the
 * caller, and a slow mail server never holds up the gate. Repeated identical
 * events within a minute are sent once.
 *
 * E-mail configuration (JSON object; unknown keys ignored): "smtp_host" (or
 * "host"), "smtp_port" (or "port"; number or string; default 587, 465 means
 * SMTPS), "username", "password" or "password_file", "from" (or "sender"),
 * "to" (or "recipients"; a string, comma-separated string or list),
 * "subject_prefix" (default "[epp-gate]"), "starttls" (default true; false
 * allows plain SMTP), "ca_file".
 */
#ifndef EG_ALERT_H
#define EG_ALERT_H

#include "err.h"
#include "log.h"

struct alert;

/* command or email_config may be NULL/"" (then that channel is off); both are copied, and
 * log is borrowed until alert_free(). Reads and checks the e-mail JSON now, so that a bad
 * file is a start-up error. */
struct alert *alert_new(const char *command, const char *email_config, struct eg_log *log,
    struct eg_err *err);

/* Queues an alert. event: "session_lost" or "session_restored". */
void alert_fire(struct alert *a, const char *event, const char *message);

/* Longest an alert_command may run before it (and its process group) is killed;
 * default 30000 ms. For tests and unusual commands. */
void alert_set_command_timeout(struct alert *a, int ms);

/* Sends what is queued (waiting at most a few seconds), then frees. */
void alert_free(struct alert *a);

#endif
