/* SPDX-License-Identifier: MIT */
/*
 * journal.h - the durable record that keeps a paid command from running twice.
 *
 * Before a command with side effects is written to the registry, the gate
 * claims its request id (the AMQP message_id, else the correlation_id) here:
 * a "sent" record with the clTRID, command and object is appended and
 * fsync'd. When the registry's reply arrives, a "done" record with the reply
 * JSON is appended. A request that comes again with the same id (broker
 * redelivery after a crash, a client's retry) finds the record and is answered
 * from it instead of being sent again.
 *
 * File: append-only, one JSON object per line, mode 0600, replayed at open; a
 * torn last line (crash mid-write) is ignored. Above max_bytes it is compacted
 * (newest records kept, written to a temporary file, fsync'd, renamed) so it
 * stays bounded. Thread-safe: one mutex; fsync happens under it (claims are
 * rare next to the registry's own latency).
 */
#ifndef EG_JOURNAL_H
#define EG_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum journal_state {
	JOURNAL_NONE = 0,   /* never seen */
	JOURNAL_SENT,       /* claimed: may have reached the registry; no reply recorded */
	JOURNAL_DONE,       /* reply recorded */
};

struct journal_entry {
	enum journal_state state;
	char cltrid[65];
	char cmd[48];
	char obj[256];
	int64_t sent_ms;    /* wall clock, epoch ms */
	char *reply;        /* JSON text when DONE (malloc'd; journal_entry_clear frees) */
	size_t reply_len;
};

struct journal;

/* Opens (creating) and replays the journal. max_bytes 0: 64 MiB; below 64 KiB is refused.
 * The file is flock'd: a second process (or a second open) gets NULL. NULL with err set. */
struct journal *journal_open(const char *path, size_t max_bytes, struct eg_err *err);
void journal_close(struct journal *j);

/*
 * Claims id for a command about to be sent. Returns 1: claimed, the "sent" record is on
 * disk, go ahead. 0: id already known, *prev describes it (do not send). -1: the record
 * could not be made durable (disk full, I/O error): do not send; err says why.
 * *prev (when not NULL) is filled only when 0 is returned; journal_entry_clear() it.
 */
int journal_claim(struct journal *j, const char *id, const char *cltrid, const char *cmd,
    const char *obj, struct journal_entry *prev, struct eg_err *err);

/* Records the reply for a claimed id. -1 when id is not claimed, already has a reply, or
 * the record cannot be made durable (the entry then stays SENT). */
int journal_done(struct journal *j, const char *id, const char *reply, size_t len,
    struct eg_err *err);

/* Forgets a claim whose command certainly never left (e.g. no session came up before the
 * deadline), so a retry may run it. An unknown id is not an error; an answered one is. */
int journal_release(struct journal *j, const char *id, struct eg_err *err);

/* Current state of id; fills *e (when not NULL) for SENT/DONE. */
enum journal_state journal_lookup(struct journal *j, const char *id, struct journal_entry *e);

void journal_entry_clear(struct journal_entry *e);

/* Records in memory, bytes in the file (for metrics and tests). */
size_t journal_count(struct journal *j);
size_t journal_file_bytes(struct journal *j);

#endif
