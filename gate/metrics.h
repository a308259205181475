/* SPDX-License-Identifier: MIT */
/*
 * metrics.h - counters for operators: a Prometheus text-format file written
 * atomically (temporary file + rename) every few seconds, and the same
 * figures for the gate_status command. Thread-safe; recording is a few
 * integer updates under a mutex.
 *
 * Series: eppgate_up (1 while the gate runs, 0 once it has stopped),
 * eppgate_requests_total{cmd,code} (code = EPP result code, or "error" for gate error
 * replies), eppgate_request_duration_seconds histogram{le}, eppgate_sessions_up,
 * eppgate_sessions_configured, eppgate_reconnects_total, eppgate_broker_reconnects_total,
 * eppgate_in_flight, eppgate_journal_entries, eppgate_start_time_seconds,
 * eppgate_broker_refusals_total{reason} (permanent refusals by the broker: broker.h),
 * eppgate_broker_consumer_cancels_total (the broker cancelled the gate's consumer: the
 * queue was deleted), eppgate_broker_blocked (1 while the broker blocks the connection).
 * eppgate_session_failures_total{reason} (failed attempts to open an EPP session, by the
 * reason session.h names) and eppgate_session_failure{reason} (sessions down now whose last
 * attempt failed for that reason; the reasons that cannot heal by retrying are always
 * written, 0 when none, so that an alert rule has a series to watch).
 *
 * The file tells the truth after the gate is gone too: on every orderly exit the gate
 * writes it a last time with metrics_stopped() applied, and nothing rewrites it after.
 * A gate killed outright (SIGKILL, a crash) leaves its last file saying eppgate_up 1;
 * that file no longer changes, and its age (node_exporter's node_textfile_mtime_seconds)
 * tells it apart from a live one (epp-gate(8), METRICS).
 */
#ifndef EG_METRICS_H
#define EG_METRICS_H

#include <json-c/json.h>
#include <stdint.h>

#include "err.h"

struct metrics;

/* NULL only when out of memory. */
struct metrics *metrics_new(int sessions_configured);
void metrics_free(struct metrics *m);

/* One answered request. code: EPP result code, or -1 for a gate error reply. */
void metrics_request(struct metrics *m, const char *cmd, int code, int64_t duration_us);
void metrics_sessions_up(struct metrics *m, int up);
void metrics_reconnect(struct metrics *m);          /* an EPP session was re-established */
void metrics_broker_reconnect(struct metrics *m);
/* reason: broker_refusal_name()'s ("queue_arguments", "access", "vhost", "not_found",
 * "unsupported"); anything else counts as "other". */
void metrics_broker_refusal(struct metrics *m, const char *reason);
void metrics_broker_cancel(struct metrics *m);
void metrics_broker_blocked(struct metrics *m, int blocked);
void metrics_in_flight(struct metrics *m, int n);
void metrics_journal_entries(struct metrics *m, long n);

/* A failed attempt to open an EPP session, by reason (a short fixed name such as
 * "login_refused"; at most 32 different ones are kept). */
void metrics_session_failure(struct metrics *m, const char *reason);
/* How many sessions are down now with reason as the cause of their last failed attempt. */
void metrics_session_failing(struct metrics *m, const char *reason, int n);

/* The gate has stopped: eppgate_up, eppgate_sessions_up and eppgate_in_flight are 0
 * from now on, whatever is recorded later; the counters keep their totals. */
void metrics_stopped(struct metrics *m);

/* Writes the text format to path atomically. */
int metrics_write(struct metrics *m, const char *path, struct eg_err *err);

/* The figures as JSON (for gate_status): requests by command and code, sessions, reconnects,
 * latency percentiles from the histogram. New object. */
json_object *metrics_json(struct metrics *m);

#endif
