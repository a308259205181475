/*
 * exec.h - what happens to one job on one session: the rules of SPEC 7 on
 * what may be sent, re-sent, or must be refused.
 *
 *  - a request past its deadline is answered "expired" and not sent;
 *  - a command with side effects is claimed in the journal before it is
 *    written; a request id the journal already knows is answered from it
 *    (the stored reply, or "outcome unknown" naming the clTRID plus what an
 *    info query shows the registry holds) and never sent twice;
 *  - without a journal, a redelivered command with side effects is refused;
 *  - the rate limit is waited for, up to the request's deadline;
 *  - a command that did not reach the registry is sent on a new session;
 *    one that may have reached it is re-sent only when it has no side effects.
 *
 * exec_job always leaves a reply in the job.
 */
#ifndef EG_EXEC_H
#define EG_EXEC_H

#include "config.h"
#include "job.h"
#include "journal.h"
#include "log.h"
#include "ratelimit.h"
#include "session.h"

struct exec_env {
	const struct gate_config *cfg;
	struct journal *journal;       /* NULL: none */
	struct ratelimit *rl;          /* NULL: none */
	struct cltrid_gen *cltrid;
	struct eg_log *log;
};

void exec_job(const struct exec_env *env, struct session *s, struct job *j);

#endif
