/* SPDX-License-Identifier: MIT */
/*
 * journal.h - the durable record that keeps a paid command from running twice,
 * shared by every gate of a registry account.
 *
 * Before a command with side effects (create, renew, transfer, update, delete)
 * is written to the registry, the gate claims the request's AMQP message_id
 * here; right before the command is written the claim is marked sent; when the
 * registry's reply arrives it is recorded. A request that comes again with the
 * same message_id (a broker redelivery, a client's retry), on this gate or on
 * another one using the same journal, is answered from the record and never
 * sent twice. RELIABILITY.md lists the cases.
 *
 * Backends (one schema, read with sqlite3(1) or psql(1)):
 *   SQLite      a file (journal.file): WAL, synchronous=FULL, so that a claim is on
 *               disk before the command is written; gates on one host may share it;
 *   PostgreSQL  a server (journal.url, libpq's URL with its TLS settings and
 *               environment; the password from journal.password_file): gates on
 *               several hosts share it.
 * Each backend's library (libsqlite3.so.0, libpq.so.5) is loaded when such a journal is
 * first opened, not linked (dynlib.h): a gate without a journal maps neither. The error
 * when it cannot be loaded names the library and its package (journal_open below).
 * Both create what is missing at open:
 *
 *   CREATE TABLE eppgate_journal (        -- one row per message_id
 *     message_id     TEXT PRIMARY KEY,    -- the AMQP message_id of the request
 *     state          TEXT NOT NULL,       -- claimed | sent | done | unknown
 *     command        TEXT NOT NULL,       -- as requested: domain_create
 *     object         TEXT NOT NULL,       -- what it acts on: example.com ('' if none)
 *     request_sha256 TEXT NOT NULL,       -- digest of the request (common/digest.h)
 *     cltrid         TEXT NOT NULL,       -- the clTRID it was (or is to be) sent with
 *     gate_id        TEXT NOT NULL,       -- the gate that claimed it (eppgate_gates)
 *     claimed_ms     BIGINT NOT NULL,     -- Unix time in ms: claimed
 *     sent_ms        BIGINT,              --   marked sent
 *     done_ms        BIGINT,              --   reply recorded
 *     result_code    INTEGER,             -- the reply's EPP result code
 *     reply          TEXT);               -- the reply sent to the client (JSON)
 *   CREATE INDEX eppgate_journal_claimed ON eppgate_journal (claimed_ms);
 *   CREATE TABLE eppgate_gates (          -- one row per running gate: its lease
 *     gate_id        TEXT PRIMARY KEY,    -- host:pid:start-ms:random
 *     host           TEXT NOT NULL,
 *     pid            INTEGER NOT NULL,
 *     started_ms     BIGINT NOT NULL,
 *     lease_until_ms BIGINT NOT NULL);    -- alive until then (renewed every 2 s)
 *
 * States: claimed (the command was not written yet) -> sent (it may have reached
 * the registry) -> done (reply recorded); unknown: sent, and the gate that sent
 * it got no reply (it answered "outcome unknown"). A claim whose command
 * certainly never left is released: the row is deleted, and a retry may run it.
 *
 * What a claim finds when the message_id is known:
 *   another request's digest       CLAIM_MISMATCH: refuse, do not send;
 *   done                           CLAIM_ANSWERED: answer with the recorded reply;
 *   unknown, or sent by a gate whose lease ran out
 *                                  CLAIM_UNANSWERED: "outcome unknown", never re-sent;
 *   claimed or sent by a gate that is alive (this one included)
 *                                  CLAIM_BUSY: wait for that gate's reply;
 *   claimed by a gate whose lease ran out (it never sent it)
 *                                  the claim is taken over: CLAIM_WON.
 * Marking sent succeeds only while the claim is still this gate's, so a claim
 * taken over by another gate (this one's lease lapsed) is never sent by both.
 *
 * Liveness: every gate has an id and a row in eppgate_gates whose lease it
 * renews every 2 s from a thread of the journal's own (also: soundness checks,
 * reconnecting, pruning, retrying what failed); a clean close deletes it.
 * Pruning: rows claimed longer ago than the retention are deleted, a batch at a
 * time, through the index on claimed_ms. Memory: nothing is kept per row; SQLite's
 * page cache is capped at 2 MiB.
 *
 * Soundness: the SQLite file being unlinked or replaced (the path's inode is
 * not the open one), truncated, grown by a partial page, or reported corrupt;
 * the PostgreSQL connection lost or the tables gone. Checked cheaply on every
 * claim and every 2 s; logged at error with what to do; until the journal is
 * sound again every claim fails (commands with side effects are refused, not
 * sent). The gate re-opens the file once the path holds a sound journal again
 * (restored from a backup); it reconnects to PostgreSQL with backoff. It never
 * makes a new empty journal by itself: restarting the gate does that.
 *
 * Thread-safe: one mutex around the database connection; calls are bounded
 * (SQLite's busy timeout, 5 s per PostgreSQL statement).
 */
#ifndef EG_JOURNAL_H
#define EG_JOURNAL_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "log.h"

#define JOURNAL_ID_MAX 255         /* message_id: 1-255 bytes of UTF-8 */
#define JOURNAL_RETENTION_MS ((int64_t)3 * 24 * 3600 * 1000)   /* default: 3 days */
#define JOURNAL_LEASE_MS 10000     /* default lease of a gate */

struct journal_opts {
	const char *file;             /* SQLite file; or */
	const char *url;              /* PostgreSQL: a libpq URL or conninfo string */
	const char *password;         /* PostgreSQL password, NULL: none (libpq's own ways) */
	int64_t retention_ms;         /* rows claimed longer ago are pruned; 0: the default */
	int lease_ms;                 /* 0: JOURNAL_LEASE_MS */
	int tick_ms;                  /* maintenance every tick_ms (0: lease/5); -1: no thread,
	                                 the caller calls journal_check (tests) */
	const char *gate_id;          /* NULL: host:pid:start-ms:random */
	struct eg_log *log;           /* NULL: silent */
};

enum journal_state {
	JOURNAL_NONE = 0,   /* no row */
	JOURNAL_CLAIMED,    /* claimed, not sent yet */
	JOURNAL_SENT,       /* sent: may have reached the registry; no reply recorded */
	JOURNAL_DONE,       /* reply recorded */
	JOURNAL_UNKNOWN,    /* sent; the gate that sent it had no reply and gave up */
};

/* What is claimed. */
struct journal_req {
	const char *digest;           /* request_sha256 */
	const char *cltrid;
	const char *cmd;
	const char *obj;
};

struct journal_entry {
	enum journal_state state;
	char digest[65];
	char cltrid[65];
	char cmd[48];
	char obj[256];
	char gate_id[128];            /* the gate that holds (or held) it */
	int holder_alive;             /* that gate's lease runs (this gate: always) */
	int64_t claimed_ms, sent_ms;  /* wall clock, epoch ms; sent_ms 0 when not sent */
	char *reply;                  /* JSON text when DONE (malloc'd; journal_entry_clear) */
	size_t reply_len;
};

enum journal_claim_result {
	CLAIM_FAILED = -1,          /* not recorded (journal unsound or unreachable, disk
	                                 full...): do not send; err says why */
	CLAIM_WON = 1,                /* ours: go ahead (journal_sent before writing it) */
	CLAIM_ANSWERED,             /* done: *prev holds the reply */
	CLAIM_UNANSWERED,           /* may have run, nobody will record a reply: "outcome
	                                 unknown" (*prev names the clTRID) */
	CLAIM_BUSY,                 /* a gate that is alive works on it: wait, try again */
	CLAIM_MISMATCH,             /* the message_id was used for another request */
};

struct journal;

/* Opens (creating the file or tables when missing) and, unless tick_ms is -1, starts the
 * maintenance thread. Refuses a file that is not an SQLite database (a journal of the
 * older line-per-record format included) with a message naming the fix, and fails when
 * SQLite cannot be loaded. NULL, err set.
 * A PostgreSQL server out of reach is no failure: the journal starts unsound (every claim
 * fails, the error is logged) and journal_check connects, making the tables, when it can;
 * so does a missing libpq, whose error each attempt repeats. */
struct journal *journal_open(const struct journal_opts *o, struct eg_err *err);

/* Stops the thread, ends this gate's lease (its rows still claimed are taken over by the
 * next gate that meets them) and closes. NULL is allowed. */
void journal_close(struct journal *j);

/*
 * Claims id for a request about to be sent. *prev (when not NULL) is filled for every
 * result but CLAIM_WON and CLAIM_FAILED (journal_entry_clear() it). Checks the
 * journal's soundness first.
 */
enum journal_claim_result journal_claim(struct journal *j, const char *id,
    const struct journal_req *rq, struct journal_entry *prev, struct eg_err *err);

/* Marks this gate's claim sent, durably, right before the command is written; cltrid: the
 * one it is written with. 1: marked; 0: the claim is no longer this gate's (taken over:
 * do not send); -1: not recorded (do not send), err set. */
int journal_sent(struct journal *j, const char *id, const char *cltrid, struct eg_err *err);

/* Records the reply (result_code: its EPP code, 0 none) of this gate's sent claim. -1 when
 * the row is not this gate's sent claim, or the write failed: then it is tried again by
 * journal_check until it succeeds (at most 1000 such are kept). */
int journal_done(struct journal *j, const char *id, const char *reply, size_t len,
    int result_code, struct eg_err *err);

/* This gate gives up on its sent claim without a reply ("outcome unknown"): later copies
 * are answered so at once. Failures are retried like journal_done's. */
int journal_unknown(struct journal *j, const char *id, struct eg_err *err);

/* Forgets this gate's claim whose command certainly never left, so a retry may run it. A
 * row that is not this gate's claim is left alone (0). Failures are retried like
 * journal_done's. */
int journal_release(struct journal *j, const char *id, struct eg_err *err);

/* The row of id: its state (JOURNAL_NONE when none, or on failure) and *e when not NULL. */
enum journal_state journal_lookup(struct journal *j, const char *id, struct journal_entry *e);

void journal_entry_clear(struct journal_entry *e);

/*
 * Maintenance, done by the journal's thread every tick (tests call it themselves):
 * renews this gate's lease, checks soundness (or re-opens / reconnects when unsound,
 * with backoff), retries failed writes, prunes, refreshes the row count. 0 when sound.
 */
int journal_check(struct journal *j, struct eg_err *err);

/* Deletes rows claimed before before_ms (epoch ms), at most max_rows. Returns the number
 * deleted, -1 on failure. journal_check does it with now - retention. */
long journal_prune(struct journal *j, int64_t before_ms, long max_rows, struct eg_err *err);

struct journal_status {
	const char *backend;          /* "sqlite" or "postgresql" */
	char gate_id[128];
	int sound;
	char problem[512];            /* why not, when not sound */
	long rows;                    /* rows, as of the last check; -1 unknown */
	int pending;                  /* writes waiting to be retried */
};

/* Cheap: takes the journal's state lock only, never waits on the database (the AMQP
 * thread calls these). */
void journal_status(struct journal *j, struct journal_status *st);
long journal_rows(struct journal *j);

/* For gate_status: {"backend", "gate_id", "sound", "problem" (when not sound), "rows",
 * "writes_to_retry" (when some wait)}. NULL for a NULL journal (or out of memory). */
json_object *journal_json(struct journal *j);

#endif
