/* SPDX-License-Identifier: MIT */
/*
 * gate.c - the AMQP loop: deliveries become jobs, finished jobs become replies and acks;
 * signals, the broker connection, prefetch, metrics, systemd and the drain on stop.
 */
#include "gate.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <unistd.h>

#include "alert.h"
#include "broker.h"
#include "clock.h"
#include "cltrid.h"
#include "deadline.h"
#include "digest.h"
#include "dispatch.h"
#include "epp_reply.h"
#include "health.h"
#include "journal.h"
#include "metrics.h"
#include "notify.h"
#include "jobq.h"
#include "ratelimit.h"
#include "registry_profile.h"
#include "supervisor.h"
#include "tls.h"

struct gate {
	const struct gate_config *cfg;
	struct eg_log *log;
	struct tls_ctx *tls;
	struct cltrid_gen cltrid;
	struct session_creds creds;
	struct journal *journal;
	struct ratelimit *rl;
	struct health *health;
	struct metrics *metrics;
	struct alert *alert;
	struct registry_profile *profile;   /* what the last login negotiated */
	struct exec_env exec;        /* the job runner's, shared by the queue and the sessions */
	struct jobq *q;
	struct supervisor *sv;
	struct dispatch *d;          /* the jobs on the sessions that are up, on this thread */
	struct pollfd *fds;          /* the loop's: 4 of its own and one per session */
	struct broker *broker;
	int sigfd;
	int draining;
	int64_t drain_deadline;      /* monotonic ms: give up waiting for jobs after this */
	int64_t broker_retry_at;     /* monotonic ms */
	int broker_failures;
	int refused[CFG_MAX_BROKERS];   /* permanent refusals in a row, per configured host */
	char refusal[512];           /* the last permanent refusal ("" since a success) */
	int was_blocked;             /* the broker's connection.blocked, as metrics last heard */
	int last_want;               /* prefetch wanted (sessions up, at least 1) */
	int64_t want_since;          /* monotonic ms: since when */
	int64_t mismatch_since;      /* monotonic ms: since when the consumer's differs; -1 */
	int64_t reconsume_at;        /* monotonic ms: no new consumer before this */
	int64_t last_delivery;       /* monotonic ms: the last delivery, or since consuming */
	int64_t stall_look_at;       /* monotonic ms: next look at an idle gate's queue */
	int stall_seen;              /* the last look found messages ready, none came since */
	int exit_status;
	int64_t next_metrics;
	int64_t next_service;        /* monotonic ms: service the broker even when quiet */
	int64_t next_watchdog;
	uint64_t watchdog_us;        /* 0: systemd watchdog off */
	int64_t started_wall;
	int64_t started_mono;
	int ready_sent;
	int last_up;                 /* sessions up when systemd was last told */
};

/* ---- finishing a request: reply, ack, log, count -------------------------- */

static int
is_poll(const char *cmd)
{
	return strncmp(cmd, "poll_", 5) == 0;
}

/*
 * The level of a request's line, -1 for none. Request lines are asked for with
 * log.requests, -v or a log level of debug or more, and logged at info: they are
 * the record of what was done. A request nobody gets an answer to is always logged.
 * Polls fill the log, so they come at trace (-vv) unless log.verbose_poll (-p).
 */
static int
request_level(const struct gate *g, const struct job *j)
{
	if (j->reply_to == NULL)
		return EG_LOG_INFO;
	if (is_poll(j->cmd) && !g->cfg->verbose_poll)
		return EG_LOG_TRACE;
	if (g->cfg->log_requests || eg_log_on(g->log, EG_LOG_DEBUG))
		return EG_LOG_INFO;
	return -1;
}

/* One line for a finished request (epp-gate(8), -v): what it was, on which objects, how it
 * ended and how long it took. Object names only: no argument values. */
static void
log_request(struct gate *g, const struct job *j, int level, int64_t us)
{
	const struct epp_objects *o = &j->req.objects;
	struct eg_log_field f[12];
	size_t n = 0;

#define FIELD(...) f[n++] = (struct eg_log_field){__VA_ARGS__}
	FIELD(.key = "cmd", .type = EG_LF_STR, .s = j->cmd);
	FIELD(.key = "objects", .type = EG_LF_LIST, .s = o->buf, .i = o->n);
	if (o->more > 0)
		FIELD(.key = "objects_more", .type = EG_LF_INT, .i = o->more);
	FIELD(.key = "code", .type = EG_LF_INT, .i = j->code);
	FIELD(.key = "ms", .type = EG_LF_MS, .d = (double)us / 1000);
	FIELD(.key = "cltrid", .type = EG_LF_STR, .s = j->req.cltrid[0] ? j->req.cltrid : NULL);
	FIELD(.key = "correlation_id", .type = EG_LF_STR, .s = j->correlation_id);
	if (j->message_id != NULL)
		FIELD(.key = "message_id", .type = EG_LF_STR, .s = j->message_id);
	FIELD(.key = "session", .type = EG_LF_INT, .i = j->session_id);
	if (j->reply_to == NULL)
		FIELD(.key = "reply_to", .type = EG_LF_STR, .s = "none");
	if (j->code < 0) {
		/* a gate error: was the command written to the registry (it may have run)? */
		FIELD(.key = "sent", .type = EG_LF_BOOL, .i = j->sent);
		FIELD(.key = "error", .type = EG_LF_STR, .s = j->error);
	}
#undef FIELD
	eg_log_fields(g->log, level, "request", f, n);
}

static void
finish(struct gate *g, struct job *j)
{
	struct eg_err err;
	int64_t us = eg_now_us() - j->received_us;
	int level;

	if (j->reply == NULL) {
		eg_err_set(&err, EG_EPROTO, "internal error: no reply was produced");
		job_fail(j, &err, NULL);
	}
	if (j->generation != broker_generation(g->broker) || !broker_connected(g->broker)) {
		/* Its delivery tag died with the old connection; the broker redelivers the request
		 * (and the journal keeps a command with side effects from running twice). */
		log_info(g->log, "%s: reply not sent, the broker connection it came on is gone; "
		    "the request will be redelivered", j->cmd);
	} else {
		/* The reply, then the ack (held while the broker blocks us: broker.h). */
		if (broker_answer(g->broker, j->tag, j->reply_to, j->correlation_id, j->reply,
		    j->reply_len, &err) == -1)
			log_err(g->log, "%s: %s", j->cmd, err.msg);
	}
	if ((level = request_level(g, j)) >= 0 && eg_log_on(g->log, level))
		log_request(g, j, level, us);
	metrics_request(g->metrics, j->cmd, j->code, us);
	job_free(j);
}

/* ---- a delivery becomes a job ------------------------------------------- */

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* The broker side for gate_status: where, the consumer's prefetch, a block, held answers,
 * deliveries and the acks that settled them (several per basic.ack when answered together:
 * broker.h), and the last permanent refusal (broker_failed()) until a success clears it. */
static json_object *
broker_status(struct gate *g)
{
	json_object *o = json_object_new_object();
	int up = broker_connected(g->broker);
	uint64_t deliveries, frames, acked, multiple;

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "connected", json_object_new_boolean(up));
	json_object_object_add(o, "host", up ? json_object_new_string(broker_where(g->broker)) :
	    NULL);
	json_object_object_add(o, "prefetch", json_object_new_int(broker_prefetch(g->broker)));
	json_object_object_add(o, "blocked", json_object_new_boolean(broker_blocked(g->broker)));
	json_object_object_add(o, "held", json_object_new_int(broker_held(g->broker)));
	broker_acks(g->broker, &deliveries, &frames, &acked, &multiple);
	json_object_object_add(o, "deliveries", json_object_new_int64((int64_t)deliveries));
	json_object_object_add(o, "acks", json_object_new_int64((int64_t)frames));
	json_object_object_add(o, "acked", json_object_new_int64((int64_t)acked));
	json_object_object_add(o, "acks_multiple", json_object_new_int64((int64_t)multiple));
	json_object_object_add(o, "refusal", g->refusal[0] ? json_object_new_string(g->refusal) :
	    NULL);
	return o;
}

static json_object *
gate_status(struct gate *g)
{
	json_object *o = json_object_new_object(), *gs = json_object_new_object(), *m;

	if (o == NULL || gs == NULL) {
		json_object_put(o);
		json_object_put(gs);
		return NULL;
	}
	json_object_object_add(o, "gate", gs);
	json_object_object_add(gs, "version", json_object_new_string(EPPGATE_VERSION));
	json_object_object_add(gs, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(gs, "uptime_s",
	    json_object_new_int64((eg_wall_ms() - g->started_wall) / 1000));
	json_object_object_add(gs, "registry", json_object_new_string(g->cfg->epp.host));
	json_object_object_add(gs, "queue", json_object_new_string(g->cfg->broker.queue));
	json_object_object_add(gs, "sessions", supervisor_status(g->sv));
	json_object_object_add(gs, "broker", broker_status(g));
	json_object_object_add(gs, "registry_profile", registry_profile_json(g->profile));
	json_object_object_add(gs, "journal", journal_json(g->journal));
	/* the gauges are otherwise refreshed only when the metrics file is written */
	metrics_in_flight(g->metrics, jobq_outstanding(g->q));
	if (g->journal != NULL)
		metrics_journal_entries(g->metrics, journal_rows(g->journal));
	if ((m = metrics_json(g->metrics)) != NULL)
		json_object_object_add(gs, "counters", m);
	return o;
}

static void
on_delivery(void *ctx, const struct delivery *d)
{
	struct gate *g = ctx;
	struct job *j = job_new();
	json_object *req = NULL, *cmd, *status;
	struct eg_err err;

	g->last_delivery = eg_now_ms();
	g->stall_seen = 0;
	struct epp_build_opts opts = {NULL};
	char cltrid[CLTRID_MAX + 1], fee_uri[256];
	int64_t wall;

	if (j == NULL) {
		log_err(g->log, "out of memory: delivery left unacked for redelivery");
		return;
	}
	j->tag = d->tag;
	j->generation = broker_generation(g->broker);
	j->redelivered = d->redelivered;
	j->received_us = eg_now_us();
	j->reply_to = dup_or_null(d->reply_to && d->reply_to[0] ? d->reply_to : NULL);
	j->correlation_id = dup_or_null(d->correlation_id);
	j->message_id = dup_or_null(d->message_id);
	snprintf(j->cmd, sizeof(j->cmd), "?");
	if ((req = epp_request_parse(d->body, d->body_len, &err)) == NULL)
		goto answer_now;
	if (json_object_object_get_ex(req, "cmd", &cmd))
		snprintf(j->cmd, sizeof(j->cmd), "%s", json_object_get_string(cmd));
	/* The deadline (deadline.h): one that cannot be read is refused, one already past is
	 * answered now, however far back it lies; one ahead becomes a monotonic time. */
	if (d->has_deadline == -1) {
		eg_err_set(&err, EG_EREQUEST, "%s", d->deadline_error);
		goto answer_now;
	}
	if (d->has_deadline == 1) {
		wall = eg_wall_ms();
		if (d->deadline_ms <= wall) {
			eg_err_set(&err, EG_ETIMEOUT, "request expired before it was sent to the "
			    "registry");
			job_fail(j, &err, JOB_EXPIRED);
			goto done;
		}
		j->deadline_ms = deadline_mono(d->deadline_ms, wall, eg_now_ms());
	}
	cltrid_next(&g->cltrid, cltrid);
	/* `fee` arguments are written in the fee version the sessions logged in with; before
	 * the first login, or when the login took none, in RFC 8748's (epp_cmd.h), and the
	 * runner then answers a request the session cannot carry (exec.h). */
	opts.ext_uris = registry_profile_fee_uri(g->profile, fee_uri, sizeof(fee_uri)) == 1 ?
	    fee_uri : NULL;
	if (epp_request_build_opts(req, cltrid, &opts, &j->req, &err) == -1)
		goto answer_now;
	if (eg_request_digest(req, j->digest) == -1) {
		eg_err_set(&err, EG_ENOMEM, "out of memory");
		goto answer_now;
	}
	json_object_put(req);
	req = NULL;
	if (j->req.klass == EPP_CLASS_LOCAL) {
		status = gate_status(g);
		if (status == NULL || job_reply_json(j, status, 0) == -1) {
			eg_err_set(&err, EG_ENOMEM, "out of memory");
			job_fail(j, &err, NULL);
		}
		json_object_put(status);
		goto done;
	}
	jobq_push(g->q, j);
	return;
answer_now:
	job_fail(j, &err, NULL);
done:
	json_object_put(req);
	finish(g, j);
}

/* ---- the loop ------------------------------------------------------------- */

static void
notify(struct gate *g, const char *state)
{
	char status[160];

	snprintf(status, sizeof(status), "%s\nSTATUS=sessions up %d/%d, broker %s%s%s",
	    state, supervisor_sessions_up(g->sv), g->cfg->epp.sessions,
	    broker_blocked(g->broker) ? "blocked" :
	    broker_connected(g->broker) ? "connected" : "disconnected",
	    !broker_connected(g->broker) && g->refusal[0] ? ", refused: " : "",
	    !broker_connected(g->broker) && g->refusal[0] ?
	    broker_refusal_name(broker_refusal(g->broker)) : "");
	notify_send(status);
}

static void
broker_lost(struct gate *g, const struct eg_err *err)
{
	int64_t wait;
	int shift = g->broker_failures < 10 ? g->broker_failures : 10;

	g->broker_failures++;
	wait = (int64_t)g->cfg->broker.backoff_min_ms << shift;
	if (wait > g->cfg->broker.backoff_max_ms)
		wait = g->cfg->broker.backoff_max_ms;
	g->broker_retry_at = eg_now_ms() + wait;
	log_err(g->log, "%s; reconnecting in %.1f s", err->msg, (double)wait / 1000);
	notify(g, "");
}

/* The stop: no new requests; those in flight are finished and answered, for at most the
 * drain time. */
static void
begin_stop(struct gate *g, const char *why)
{
	struct eg_err err;
	int64_t limit;

	if (g->draining)
		return;
	g->draining = 1;
	/* In-flight commands end by their own timeouts; queued ones wait at most
	 * queue_wait. Past that, leave: the broker redelivers what was not acked. */
	limit = (int64_t)g->cfg->epp.command_timeout_ms * 2 + g->cfg->queue_wait_ms + 5000;
	g->drain_deadline = eg_now_ms() + limit;
	log_info(g->log, "%s: stopping: no new requests; finishing %d in flight", why,
	    jobq_outstanding(g->q));
	if (broker_blocked(g->broker))
		log_info(g->log, "the broker blocks us: waiting up to %.0f s for it to read again",
		    (double)limit / 1000);
	notify_send("STOPPING=1");
	if (broker_connected(g->broker) && broker_cancel(g->broker, &err) == -1)
		log_err(g->log, "%s", err.msg);
}

/*
 * A failure on the broker's side. A transient one (connection refused, a node down, 320
 * CONNECTION_FORCED) backs off and tries the next host. A permanent refusal (broker.h:
 * queue arguments, access, vhost) is logged at error with its fix, counted, and shown by
 * gate_status; when every configured host has refused REFUSALS_TO_STOP times in a row,
 * with no success and no other failure of that host in between, nothing can succeed until
 * someone changes the configuration or the broker: the gate stops with EX_CONFIG (78,
 * gate.h) rather than have systemd restart it again and again.
 */
#define REFUSALS_TO_STOP 3

static void
broker_failed(struct gate *g, const struct eg_err *err)
{
	enum broker_refusal r = broker_refusal(g->broker);
	int host = broker_host(g->broker), i;

	if (host < 0 || host >= CFG_MAX_BROKERS)
		host = 0;
	if (r == BROKER_TRANSIENT) {
		g->refused[host] = 0;
		broker_lost(g, err);
		return;
	}
	g->refused[host]++;
	metrics_broker_refusal(g->metrics, broker_refusal_name(r));
	snprintf(g->refusal, sizeof(g->refusal), "%s", err->msg);
	for (i = 0; i < g->cfg->broker.n_hosts; i++)
		if (g->refused[i] < REFUSALS_TO_STOP)
			break;
	if (i < g->cfg->broker.n_hosts) {
		broker_lost(g, err);
		return;
	}
	log_err(g->log, "%s", err->msg);
	log_err(g->log, "broker: refused by every configured host %d times in a row (%s); "
	    "nothing can succeed until the configuration or the broker changes: exiting with "
	    "status %d", REFUSALS_TO_STOP, broker_refusal_name(r), EX_CONFIG);
	g->exit_status = EX_CONFIG;
	notify(g, "");
	begin_stop(g, "broker refused");
}

static void
broker_ok(struct gate *g)
{
	if (g->broker_failures > 0)
		metrics_broker_reconnect(g->metrics);
	g->broker_failures = 0;
	memset(g->refused, 0, sizeof(g->refused));
	g->refusal[0] = '\0';
	g->last_delivery = eg_now_ms();
	g->stall_seen = 0;
}

/*
 * A consumer that receives nothing while its queue holds messages ready. RabbitMQ (3.10)
 * leaves one so when the connection was made while a quorum queue elected a new leader
 * (tests/cluster/scale_out.sh stops the leader's node): the consumer stays registered and
 * nothing comes. So when the gate holds no request and has had none for STALL_MS, it asks
 * the queue (a passive declare, broker.h); messages ready at two looks a second apart with
 * none delivered between, and it connects again. A look at an idle gate's queue costs one
 * round trip every STALL_MS.
 */
#define STALL_MS 5000

static void
watch_stall(struct gate *g, int64_t now)
{
	unsigned ready, consumers;
	struct eg_err err;

	if (jobq_outstanding(g->q) > 0 || now - g->last_delivery < STALL_MS ||
	    now < g->stall_look_at)
		return;
	if (broker_probe_queue(g->broker, &ready, &consumers, &err) == -1) {
		broker_failed(g, &err);
		return;
	}
	if (ready == 0 || !g->stall_seen) {
		g->stall_seen = ready > 0;
		g->stall_look_at = now + (ready > 0 ? 1000 : STALL_MS);
		return;
	}
	log_warn(g->log, "broker %s: %u message(s) ready in queue %s (%u consumer(s)) and none "
	    "delivered to this gate for %lld s: its consumer is stuck; connecting again",
	    broker_where(g->broker), ready, g->cfg->broker.queue, consumers,
	    (long long)((now - g->last_delivery) / 1000));
	broker_disconnect(g->broker);
	g->stall_seen = 0;
	g->broker_retry_at = now;
	notify(g, "");
}

/*
 * The consumer's prefetch follows the sessions up (at least 1), by consuming again
 * (broker.h). A change is applied once the number has held for RECONSUME_SETTLE_MS
 * (sessions logging in together count once) or has differed for RECONSUME_MS, and never
 * sooner than RECONSUME_MS after the previous one: sessions that flap cost at most one
 * basic.cancel, basic.qos, basic.consume a second. When it is due: monotonic ms, or -1.
 */
#define RECONSUME_MS 1000
#define RECONSUME_SETTLE_MS 200

static int64_t
reconsume_due(const struct gate *g)
{
	int64_t due;

	if (g->mismatch_since < 0)
		return -1;
	due = g->want_since + RECONSUME_SETTLE_MS;
	if (g->mismatch_since + RECONSUME_MS < due)
		due = g->mismatch_since + RECONSUME_MS;
	return due > g->reconsume_at ? due : g->reconsume_at;
}

static void
keep_broker(struct gate *g)
{
	struct eg_err err;
	int up = supervisor_sessions_up(g->sv);
	/* Jobs set aside to wait for another copy's reply hold no session, and must not hold
	 * back the deliveries the sessions could take either. */
	int want = (up > 0 ? up : 1) + jobq_deferred(g->q);
	int64_t now = eg_now_ms(), due;

	if (want != g->last_want) {
		g->last_want = want;
		g->want_since = now;
	}
	if (broker_blocked(g->broker) != g->was_blocked) {
		g->was_blocked = broker_blocked(g->broker);
		metrics_broker_blocked(g->metrics, g->was_blocked);
		notify(g, "");
	}
	if (!broker_connected(g->broker)) {
		g->mismatch_since = -1;
		if (g->draining || now < g->broker_retry_at)
			return;
		if (broker_connect(g->broker, want, &err) == -1) {
			broker_failed(g, &err);
			return;
		}
		broker_ok(g);
		notify(g, "");
		return;
	}
	/* Synchronous calls wait for the broker: none while it does not read (blocked, or
	 * answers still held), and none once stopping. */
	if (g->draining || broker_blocked(g->broker) || broker_held(g->broker) > 0) {
		g->mismatch_since = -1;   /* (and poll_timeout() has nothing to wait for) */
		return;
	}
	if (!broker_consuming(g->broker)) {
		/* The broker cancelled our consumer (the queue was deleted): declare it again
		 * and consume; a failure closes the connection and backs off. */
		if (now < g->broker_retry_at)
			return;
		metrics_broker_cancel(g->metrics);
		if (broker_consume(g->broker, want, &err) == -1)
			broker_failed(g, &err);
		else
			broker_ok(g);
		g->reconsume_at = now + RECONSUME_MS;
		g->mismatch_since = -1;
		return;
	}
	if (want == broker_prefetch(g->broker)) {
		g->mismatch_since = -1;
		watch_stall(g, now);
		return;
	}
	if (g->mismatch_since < 0)
		g->mismatch_since = now;
	if ((due = reconsume_due(g)) > now)
		return;
	if (broker_consume(g->broker, want, &err) == -1)
		broker_failed(g, &err);
	g->reconsume_at = now + RECONSUME_MS;
	g->mismatch_since = -1;
}

/*
 * systemd hears READY=1 once the queue is consumed and a session is up, or, if the
 * registry is out of reach, 10 s after the start: the gate then runs (and answers
 * requests with errors) rather than have systemd kill it for a registry outage.
 * STATUS follows the sessions.
 */
static void
tell_systemd(struct gate *g)
{
	int up = supervisor_sessions_up(g->sv);

	if (!g->ready_sent && broker_connected(g->broker) &&
	    (up > 0 || eg_now_ms() - g->started_mono > 10000)) {
		g->ready_sent = 1;
		g->last_up = up;
		notify(g, "READY=1");
	} else if (g->ready_sent && up != g->last_up) {
		g->last_up = up;
		notify(g, "");
	}
}

static void
on_signal(struct gate *g)
{
	struct signalfd_siginfo si;
	struct eg_err err;
	char why[32];

	while (read(g->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			if (eg_log_reopen(g->log, &err) == -1)
				log_err(g->log, "%s", err.msg);
			else
				log_info(g->log, "log file reopened");
			continue;
		}
		snprintf(why, sizeof(why), "signal %u", si.ssi_signo);
		begin_stop(g, why);
	}
}

static void
collect(struct gate *g)
{
	struct job *j, *next;

	for (j = jobq_collect(g->q); j != NULL; j = next) {
		next = j->next;
		finish(g, j);
	}
}

static void
periodic(struct gate *g)
{
	struct eg_err err;
	int64_t now = eg_now_ms();

	if (g->cfg->metrics_file[0] != '\0' && now >= g->next_metrics) {
		metrics_in_flight(g->metrics, jobq_outstanding(g->q));
		if (g->journal != NULL)
			metrics_journal_entries(g->metrics, journal_rows(g->journal));
		if (metrics_write(g->metrics, g->cfg->metrics_file, &err) == -1)
			log_err(g->log, "metrics: %s", err.msg);
		g->next_metrics = now + (int64_t)g->cfg->metrics_interval_s * 1000;
	}
	if (g->watchdog_us > 0 && now >= g->next_watchdog) {
		notify(g, "WATCHDOG=1");
		g->next_watchdog = now + (int64_t)(g->watchdog_us / 2000);
	}
}

/* How often a quiet broker connection is serviced anyway (heartbeats). */
static int64_t
service_interval(const struct gate *g)
{
	int64_t t = (int64_t)g->cfg->broker.heartbeat_s * 250;

	return t <= 0 || t > 1000 ? 1000 : t;
}

#define HELD_RETRY_MS 20

static int
poll_timeout(struct gate *g, int64_t expire_in)
{
	int64_t t = service_interval(g), now = eg_now_ms(), due, d = dispatch_timeout(g->d);

	if (broker_connected(g->broker) && g->next_service - now < t)
		t = g->next_service - now;
	if (expire_in >= 0 && expire_in < t)
		t = expire_in;
	if (d >= 0 && d < t)
		t = d;
	if (!broker_connected(g->broker) && !g->draining && g->broker_retry_at - now < t)
		t = g->broker_retry_at - now;
	if (g->cfg->metrics_file[0] != '\0' && g->next_metrics - now < t)
		t = g->next_metrics - now;
	if (g->watchdog_us > 0 && g->next_watchdog - now < t)
		t = g->next_watchdog - now;
	if (broker_connected(g->broker) && !g->draining && (due = reconsume_due(g)) >= 0 &&
	    due - now < t)
		t = due - now;
	/* Answers held for want of room in the socket (not for a block, which unblocked ends):
	 * look again soon. */
	if (broker_held(g->broker) > 0 && !broker_blocked(g->broker) && t > HELD_RETRY_MS)
		t = HELD_RETRY_MS;
	if (broker_pending(g->broker))
		t = 0;
	return t < 0 ? 0 : (int)t;
}

static void
loop(struct gate *g)
{
	struct pollfd *fds = g->fds;
	struct eg_err err;
	int64_t expire_in = -1;
	int n, i_health, i_broker, n_own;

	for (;;) {
		keep_broker(g);
		/* Done when every request is answered and its answer went out (a blocked
		 * broker holds them: broker.h), or at the drain deadline. */
		if (g->draining && ((jobq_outstanding(g->q) == 0 && broker_held(g->broker) == 0) ||
		    eg_now_ms() > g->drain_deadline))
			break;
		n = 0;
		fds[n].fd = g->sigfd;
		fds[n++].events = POLLIN;
		fds[n].fd = jobq_event_fd(g->q);
		fds[n++].events = POLLIN;
		i_health = i_broker = -1;
		if (broker_connected(g->broker)) {
			i_broker = n;
			fds[n].fd = broker_fd(g->broker);
			fds[n++].events = POLLIN;
		}
		if (g->health != NULL && health_fd(g->health) >= 0) {
			i_health = n;
			fds[n].fd = health_fd(g->health);
			fds[n++].events = POLLIN;
		}
		/* The sessions' sockets last: dispatch_ready reads them from fds + n_own. */
		n_own = n;
		n += dispatch_pollfds(g->d, fds + n_own, g->cfg->epp.sessions);
		if (poll(fds, (nfds_t)n, poll_timeout(g, expire_in)) == -1 && errno != EINTR) {
			log_err(g->log, "poll: %s", strerror(errno));
			break;
		}
		if (fds[0].revents & POLLIN)
			on_signal(g);
		if (i_health >= 0 && (fds[i_health].revents & POLLIN) && health_touched(g->health)) {
			log_info(g->log, "health file touched by someone else: logging in again");
			supervisor_relogin(g->sv);
			dispatch_give_back_all(g->d);
		}
		/* Finished jobs (and expired ones, which jobq_expire hands back the same way)
		 * signal the eventfd: collect only then. */
		if (fds[1].revents & POLLIN)
			collect(g);
		/* Answers from the registry: each answered job is published at once (finish). */
		dispatch_ready(g->d, fds + n_own, n - n_own);
		/* Serviced when something arrived, and at least every quarter heartbeat even when
		 * quiet: rabbitmq-c sends heartbeats only from inside such calls. */
		if (broker_connected(g->broker) &&
		    ((i_broker >= 0 && fds[i_broker].revents != 0) || broker_pending(g->broker) ||
		    eg_now_ms() >= g->next_service)) {
			g->next_service = eg_now_ms() + service_interval(g);
			if (broker_service(g->broker, on_delivery, g, &err) == -1)
				broker_failed(g, &err);
		}
		expire_in = jobq_expire(g->q);
		/* New jobs, jobs back from a pause, sessions lent since: commands go out now, and
		 * their replies are published before the outbox is flushed below. */
		dispatch_run(g->d);
		/* What the outbox holds (and a stop's basic.cancel) goes out once the broker
		 * reads again. */
		if (broker_connected(g->broker) && !broker_blocked(g->broker) &&
		    broker_flush(g->broker, &err) == -1)
			broker_failed(g, &err);
		periodic(g);
		tell_systemd(g);
	}
}

/* ---- start and stop ------------------------------------------------------- */

/* The dispatcher's: a job answered on this thread goes out at once. */
static void
finished(void *arg, struct job *j)
{
	finish(arg, j);
}

/* The job queue's abandon hook: the runner decides what a job that waited too long is told. */
static void
abandon(void *arg, struct job *j, int64_t now_ms, int waited_ms, const char *why)
{
	exec_abandon(arg, j, now_ms, waited_ms, why);
}

static int
start(struct gate *g, struct eg_err *err)
{
	const struct gate_config *c = g->cfg;
	struct tls_opts o = {c->epp.tls.ca_file[0] ? c->epp.tls.ca_file : NULL,
	    c->epp.tls.ca_dir[0] ? c->epp.tls.ca_dir : NULL,
	    c->epp.tls.cert_file[0] ? c->epp.tls.cert_file : NULL,
	    c->epp.tls.key_file[0] ? c->epp.tls.key_file : NULL, c->epp.tls.verify};
	struct supervisor_env se;
	struct dispatch_env de;
	struct jobq_env qe;

	if (!c->epp.tls.verify)
		log_warn(g->log, "TLS verification of the registry's certificate is OFF "
		    "(epp.tls.verify = false): anyone on the path can read the credentials");
	if ((g->tls = tls_ctx_client(&o, err)) == NULL)
		return -1;
	cltrid_init(&g->cltrid, c->epp.cltrid_prefix);
	pthread_mutex_init(&g->creds.mu, NULL);
	memcpy(g->creds.pw, c->epp.password, sizeof(g->creds.pw));
	memcpy(g->creds.newpw, c->epp.new_password, sizeof(g->creds.newpw));
	if (c->journal_file[0] != '\0' || c->journal_url[0] != '\0') {
		struct journal_opts jo = {0};

		jo.file = c->journal_file;
		jo.url = c->journal_url;
		jo.password = c->journal_password;
		jo.retention_ms = (int64_t)c->journal_retention_s * 1000;
		jo.log = g->log;
		if ((g->journal = journal_open(&jo, err)) == NULL)
			return eg_err_prefix(err, "journal: ");
	}
	if ((g->rl = ratelimit_new(&c->rate_query, &c->rate_transform, &c->rate_session,
	    &c->rate_total)) == NULL)
		return eg_err_set(err, EG_ENOMEM, "out of memory");
	/* Only watched, never written (health.h): without health.watch the gate leaves it alone. */
	if (c->watch_health && c->health_file[0] != '\0' &&
	    (g->health = health_open(c->health_file, err)) == NULL)
		return eg_err_prefix(err, "health file %s: ", c->health_file);
	if ((g->metrics = metrics_new(c->epp.sessions)) == NULL)
		return eg_err_set(err, EG_ENOMEM, "out of memory");
	if ((c->alert_command[0] != '\0' || c->alert_email_config[0] != '\0') &&
	    (g->alert = alert_new(c->alert_command, c->alert_email_config, g->log, err)) == NULL)
		return -1;
	if ((g->broker = broker_new(&c->broker, g->log)) == NULL)
		return eg_err_set(err, EG_ENOMEM, "out of memory");
	if ((g->profile = registry_profile_new()) == NULL)
		return eg_err_set(err, EG_ENOMEM, "out of memory");

	g->exec.cfg = c;
	g->exec.journal = g->journal;
	g->exec.rl = g->rl;
	g->exec.cltrid = &g->cltrid;
	g->exec.log = g->log;
	memset(&qe, 0, sizeof(qe));
	qe.queue_wait_ms = c->queue_wait_ms;
	qe.abandon = abandon;
	qe.abandon_arg = &g->exec;
	if ((g->q = jobq_new(&qe, err)) == NULL)
		return -1;
	memset(&se, 0, sizeof(se));
	se.session.epp = &c->epp;
	se.session.tls = g->tls;
	se.session.cltrid = &g->cltrid;
	se.session.creds = &g->creds;
	se.session.rl = g->rl;
	se.session.log = g->log;
	se.ops = &supervisor_epp_ops;
	se.ops_arg = &g->exec;
	se.q = g->q;
	se.metrics = g->metrics;
	se.alert = g->alert;
	se.profile = g->profile;
	se.sessions = c->epp.sessions;
	se.lend = 1;
	if ((g->fds = calloc((size_t)c->epp.sessions + 4, sizeof(*g->fds))) == NULL)
		return eg_err_set(err, EG_ENOMEM, "out of memory");
	if ((g->sv = supervisor_start(&se, err)) == NULL)
		return -1;
	memset(&de, 0, sizeof(de));
	de.exec = &g->exec;
	de.q = g->q;
	de.sv = g->sv;
	de.log = g->log;
	de.sessions = c->epp.sessions;
	de.finished = finished;
	de.finished_arg = g;
	if ((g->d = dispatch_new(&de, err)) == NULL)
		return -1;
	g->watchdog_us = notify_watchdog_usec();
	return 0;
}

/*
 * The metrics file's last version: the gate is down, no session up, nothing in flight
 * (what was not answered is the broker's to redeliver). Written on every way out of
 * gate_run, a failed start included, so that no file from an earlier run still says
 * eppgate_up 1; nothing writes the file after this.
 */
static void
final_metrics(struct gate *g)
{
	struct metrics *m = g->metrics;
	struct eg_err err;

	if (g->cfg->metrics_file[0] == '\0')
		return;
	if (m == NULL && (m = metrics_new(g->cfg->epp.sessions)) == NULL) {
		log_err(g->log, "metrics: out of memory: %s still shows the last run",
		    g->cfg->metrics_file);
		return;
	}
	metrics_stopped(m);
	if (g->journal != NULL)
		metrics_journal_entries(m, journal_rows(g->journal));
	if (metrics_write(m, g->cfg->metrics_file, &err) == -1)
		log_err(g->log, "metrics: %s", err.msg);
	if (m != g->metrics)
		metrics_free(m);
}

static void
stop(struct gate *g)
{
	if (g->d != NULL)
		dispatch_finish(g->d);   /* gives every session back to the supervisor */
	if (g->sv != NULL) {
		supervisor_stop(g->sv);
		collect(g);
	}
	dispatch_free(g->d);
	final_metrics(g);
	if (g->broker != NULL)
		broker_free(g->broker);
	supervisor_free(g->sv);
	free(g->fds);
	registry_profile_free(g->profile);
	jobq_free(g->q);
	alert_free(g->alert);
	metrics_free(g->metrics);
	health_close(g->health);
	ratelimit_free(g->rl);
	journal_close(g->journal);
	if (g->tls != NULL)
		tls_ctx_free(g->tls);
	explicit_bzero(g->creds.pw, sizeof(g->creds.pw));
	explicit_bzero(g->creds.newpw, sizeof(g->creds.newpw));
	pthread_mutex_destroy(&g->creds.mu);
}

int
gate_run(const struct gate_config *cfg, struct eg_log *log, int sigfd)
{
	struct gate g;
	struct eg_err err;
	int rc = 0;

	memset(&g, 0, sizeof(g));
	g.cfg = cfg;
	g.log = log;
	g.sigfd = sigfd;
	g.started_wall = eg_wall_ms();
	g.started_mono = eg_now_ms();
	if (start(&g, &err) == -1) {
		log_err(log, "cannot start: %s", err.msg);
		rc = 1;
	} else {
		log_info(log, "epp-gate %s started: %d session(s) to %s:%s, queue %s", EPPGATE_VERSION,
		    cfg->epp.sessions, cfg->epp.host, cfg->epp.port, cfg->broker.queue);
		g.mismatch_since = -1;
		loop(&g);
		if (jobq_outstanding(g.q) > 0)
			log_warn(log, "stopping with %d request(s) unanswered; the broker will redeliver "
			    "them", jobq_outstanding(g.q));
		rc = g.exit_status;
	}
	stop(&g);
	log_info(log, "epp-gate stopped");
	return rc;
}
