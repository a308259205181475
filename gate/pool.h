/*
 * pool.h - N EPP sessions, one thread each, serving jobs from one queue.
 *
 * The AMQP thread submits jobs and collects finished ones; it never waits on
 * the registry (rabbitmq-c sends heartbeats only inside its own calls). Each
 * session thread keeps its session up (reconnecting with exponential backoff
 * and jitter; longer after session-limit answers and refused logins), sends
 * <hello/> when idle, takes jobs in arrival order and runs them (exec.h).
 * Finished jobs come back through a queue whose eventfd the AMQP thread
 * polls; a change in the number of sessions up also wakes it.
 */
#ifndef EG_POOL_H
#define EG_POOL_H

#include <json-c/json.h>
#include <stdint.h>

#include "alert.h"
#include "exec.h"
#include "health.h"
#include "job.h"
#include "metrics.h"
#include "session.h"

struct pool_env {
	struct session_env session;   /* copied into the pool */
	struct exec_env exec;         /* copied into the pool */
	struct health *health;        /* NULL: none */
	struct metrics *metrics;
	struct alert *alert;          /* NULL: none */
	int sessions;
	int queue_wait_ms;            /* longest a job waits for a session */
};

struct pool;

/* Starts the session threads (they connect in the background). NULL with err set. */
struct pool *pool_start(const struct pool_env *env, struct eg_err *err);

/* Hands a job to the pool (the pool owns it until it comes back from pool_collect). */
void pool_submit(struct pool *p, struct job *j);

/* Readable when finished jobs wait or the number of sessions up changed. */
int pool_event_fd(const struct pool *p);

/* Finished jobs, oldest first, linked through next (the caller owns them); NULL if none.
 * Also clears the eventfd. */
struct job *pool_collect(struct pool *p);

/* Fails queued jobs whose wait is over (deadline, or queue_wait without a session).
 * Returns milliseconds until the next such expiry, or -1 when none is queued. */
int64_t pool_expire(struct pool *p);

int pool_sessions_up(struct pool *p);
int pool_outstanding(struct pool *p);   /* submitted and not yet collected */

/* Every session logs in again (after the job it is running): the health file was touched. */
void pool_relogin(struct pool *p);

/* State for gate_status: sessions, registry svID and negotiated URIs. New object. */
json_object *pool_status(struct pool *p);

/* Lets the threads finish every queued job, log out and end; joins them. Jobs finished
 * meanwhile must still be collected by the caller: call pool_collect after. */
void pool_stop(struct pool *p);
void pool_free(struct pool *p);

#endif
