/* SPDX-License-Identifier: MIT */
/* The job runner (exec.h): one job's way through the journal, the rate limit and a
 * session's exchanges, step by step across sessions. */
#include "exec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "epp_reply.h"
#include "epp_resp.h"
#include "xml2json.h"

static enum rl_class
rate_class(const struct job *j)
{
	return j->req.klass == EPP_CLASS_QUERY ? RL_QUERY : RL_TRANSFORM;
}

/* Replies with a gate error built from a printf-style message. */
static void __attribute__((format(printf, 4, 5)))
fail(struct job *j, enum eg_errcode code, const char *code_name, const char *fmt, ...)
{
	struct eg_err e;
	va_list ap;

	e.code = code;
	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	job_fail(j, &e, code_name);
}

/* Answers a job with the registry response the session just converted: its text as it
 * is, its result code from the facts gathered while writing it (no json-c object). */
static void
answer(struct job *j, const struct session *s)
{
	int code = epp_facts_code(&s->facts);

	if (job_reply_text(j, s->reply.data != NULL ? s->reply.data : "", s->reply.len,
	    code > 0 ? code : 0) == -1)
		fail(j, EG_ENOMEM, NULL, "out of memory");
}

/* Answers a job with a reply the journal recorded (read back into obj). */
static void
answer_stored(struct job *j, json_object *obj)
{
	int code = epp_resp_code(obj);

	if (job_reply_json(j, obj, code > 0 ? code : 0) == -1)
		fail(j, EG_ENOMEM, NULL, "out of memory");
}

/* Releases the job's journal claim: only when the command certainly never left. */
static void
release(const struct exec_env *env, struct job *j)
{
	struct eg_err err;
	const char *id = job_id(j);

	if (!j->run.claimed)
		return;
	j->run.claimed = 0;
	j->run.marked_sent = 0;
	if (journal_release(env->journal, id, &err) == -1)
		log_err(env->log, "journal: claim for %s not released yet (it is tried again): %s",
		    id, err.msg);
}

/* This gate gives up on its sent command without a reply: copies of the request are told
 * "outcome unknown" at once instead of waiting for a reply that will not come. */
static void
give_up(const struct exec_env *env, struct job *j)
{
	struct eg_err err;
	const char *id = job_id(j);

	if (!j->run.claimed)
		return;
	j->run.claimed = 0;
	if (journal_unknown(env->journal, id, &err) == -1)
		log_err(env->log, "journal: outcome of %s not recorded as unknown yet (it is tried "
		    "again): %s", id, err.msg);
}

/* The registry's answer to an info query, for "outcome unknown": its JSON text and facts. */
struct info_answer {
	const char *text;
	size_t len;
	const struct epp_facts *facts;
};

/* A short account of an info response: "exists (clID r1, crDate ..., exDate ...)" or
 * "does not exist (2303 Object does not exist)". The dates are read from the reply's text
 * read back into json-c objects: this runs only when an outcome is unknown. */
static void
describe_info(const struct info_answer *info, char *out, size_t cap)
{
	json_object *resp, *epp, *r, *rd, *inf = NULL, *v;
	const char *keys[] = {"clID", "crDate", "exDate", "upDate"};
	int code = epp_facts_code(info->facts);
	size_t i, n;

	if (code != 1000) {
		snprintf(out, cap, "does not exist or is not visible (%d %s)", code,
		    epp_facts_msg(info->facts) ? epp_facts_msg(info->facts) : "");
		return;
	}
	resp = json_tokener_parse(info->text);
	if (resp != NULL && json_object_object_get_ex(resp, "epp", &epp) &&
	    json_object_object_get_ex(epp, "response", &r) &&
	    json_object_object_get_ex(r, "resData", &rd))
		json_object_object_get_ex(rd, "infData", &inf);
	n = (size_t)snprintf(out, cap, "exists");
	for (i = 0; inf != NULL && i < sizeof(keys) / sizeof(keys[0]) && n < cap; i++)
		if (json_object_object_get_ex(inf, keys[i], &v) &&
		    json_object_is_type(v, json_type_string))
			n += (size_t)snprintf(out + n, cap - n, "%s%s %s", i ? ", " : " (", keys[i],
			    json_object_get_string(v));
	if (n > 6 && n < cap)
		snprintf(out + n, cap - n, ")");
	json_object_put(resp);
}

/* The reply when a command with side effects may have run but no response was had: names
 * j->run.cltrid and says j->run.why; info is what the registry showed, or NULL. */
static void
answer_unknown(struct job *j, const struct info_answer *info)
{
	const char *cltrid = j->run.cltrid;
	struct buf o = BUF_INIT;
	struct eg_err e;
	char shows[384] = "", text[sizeof(e.msg) + 64];

	e.code = EG_EPROTO;
	if (info != NULL)
		describe_info(info, shows, sizeof(shows));
	snprintf(e.msg, sizeof(e.msg),
	    "outcome unknown for %s (clTRID %s): %s; it was not sent again%s%s%s%s", j->cmd,
	    cltrid, j->run.why, info ? "; the registry now shows " : "",
	    info ? j->req.obj_type : "", info ? " " : "", info ? j->req.obj_id : "");
	if (info != NULL) {
		size_t n = strlen(e.msg);

		snprintf(e.msg + n, sizeof(e.msg) - n, ": %s", shows);
	}
	epp_error_text(&e, j->error, sizeof(j->error));
	/* epp_error_reply()'s object with "cltrid" and "registry" added, as text: the
	 * registry's answer goes in as the session wrote it. */
	epp_error_text(&e, text, sizeof(text));
	if (buf_puts(&o, "{\"error\":") == -1 || x2j_put_string(&o, text, strlen(text)) == -1 ||
	    buf_puts(&o, ",\"code\":\"" JOB_OUTCOME_UNKNOWN "\",\"cltrid\":") == -1 ||
	    x2j_put_string(&o, cltrid, strlen(cltrid)) == -1 ||
	    (info != NULL && (buf_puts(&o, ",\"registry\":") == -1 ||
	    buf_append(&o, info->text, info->len) == -1)) ||
	    buf_puts(&o, "}") == -1 || job_reply_text(j, o.data, o.len, -1) == -1)
		job_fail(j, &e, JOB_OUTCOME_UNKNOWN);
	buf_clear(&o);
}

/* From now on the outcome is unknown: what is left is to ask the registry and answer. */
static void
start_asking(struct job *j, const char *cltrid, const char *why)
{
	j->run.asking = 1;
	snprintf(j->run.cltrid, sizeof(j->run.cltrid), "%s", cltrid);
	snprintf(j->run.why, sizeof(j->run.why), "%s", why);
}

/*
 * After a command with side effects may or may not have run: asks the registry what it
 * holds for the object (an info query, which has no side effects) and answers "outcome
 * unknown" with it. The query needs an up session; one that did not reach the registry is
 * tried on at most 3 sessions, one that was lost is not tried again.
 */
static enum exec_next
ask_ended(const struct exec_env *env, struct session *s, struct job *j, enum xchg r,
    const struct eg_err *err)
{
	const char *type = j->req.obj_type, *id = j->req.obj_id;
	struct info_answer ans = {NULL, 0, NULL};

	switch (r) {
	case XCHG_OK:
		ans.text = s->reply.data != NULL ? s->reply.data : "";
		ans.len = s->reply.len;
		ans.facts = &s->facts;
		break;
	case XCHG_UNSENT:
		if (++j->run.ask_tries < 3)
			return EXEC_NEED_SESSION;
		break;
	default:
		break;
	}
	if (ans.facts == NULL)
		log_info(env->log, "could not ask the registry about %s %s: %s", type, id, err->msg);
	give_up(env, j);
	answer_unknown(j, ans.facts != NULL ? &ans : NULL);
	return EXEC_DONE;
}

/*
 * After a command with side effects may or may not have run: asks the registry what it
 * holds for the object (an info query, which has no side effects) and answers "outcome
 * unknown" with it (ask_ended). The query needs an up session; one that did not reach the
 * registry is tried on at most 3 sessions, one that was lost is not tried again.
 */
static enum exec_next
ask_registry(const struct exec_env *env, struct session *s, struct job *j)
{
	const char *type = j->req.obj_type, *id = j->req.obj_id;
	char cmd[32], cltrid[CLTRID_MAX + 1];
	struct epp_request info;
	struct eg_err err;
	json_object *req = NULL, *args;
	enum xchg r = XCHG_LOST;

	if (type[0] == '\0' || id[0] == '\0') {
		give_up(env, j);
		answer_unknown(j, NULL);
		return EXEC_DONE;
	}
	if (s == NULL || !s->up)
		return EXEC_NEED_SESSION;
	memset(&info, 0, sizeof(info));
	eg_err_set(&err, EG_ENOMEM, "out of memory");
	snprintf(cmd, sizeof(cmd), "%s_info", type);
	if ((req = json_object_new_object()) != NULL &&
	    (args = json_object_new_object()) != NULL) {
		json_object_object_add(req, "cmd", json_object_new_string(cmd));
		json_object_object_add(req, "args", args);
		json_object_object_add(args, strcmp(type, "contact") == 0 ? "contact" : "name",
		    json_object_new_string(id));
		cltrid_next(env->cltrid, cltrid);
		if (epp_request_build(req, cltrid, &info, &err) == 0)
			r = session_start(s, info.xml, info.xml_len, info.cltrid,
			    env->cfg->epp.command_timeout_ms, &err);
	}
	epp_request_clear(&info);
	json_object_put(req);
	if (r == XCHG_PENDING) {
		j->run.exchange = EXEC_XCHG_ASK;
		return EXEC_PENDING;
	}
	return ask_ended(env, s, j, r == XCHG_REFUSED ? XCHG_LOST : r, &err);
}

/* The longest a request without a deadline waits for another job's reply: that job's own
 * bounds (a wait for a session, the command, an info query) and then some. */
static int64_t
wait_cap_ms(const struct exec_env *env)
{
	return (int64_t)env->cfg->queue_wait_ms + 3 * (int64_t)env->cfg->epp.command_timeout_ms;
}

/*
 * Claims the job's message_id, or settles the job from what the journal holds. 0: go on
 * (claimed: send it; or, run.asking, the outcome is unknown: ask the registry); 1: the
 * job is answered; 2: wait for another job's reply (run.wake_ms, run.wait_end_ms set).
 */
static int
from_journal(const struct exec_env *env, struct job *j)
{
	const char *id = job_id(j);
	struct journal_req rq = {j->digest, j->req.cltrid, j->cmd, j->req.obj_id};
	struct journal_entry prev;
	struct eg_err err;
	json_object *stored;
	int64_t now = eg_now_ms();
	int r = 1;

	switch (journal_claim(env->journal, id, &rq, &prev, &err)) {
	case CLAIM_WON:
		j->run.claimed = 1;
		j->run.waiting = 0;
		if (j->deadline_ms >= 0 && now > j->deadline_ms) {
			/* waited past its deadline for a copy that was then given up */
			release(env, j);
			fail(j, EG_ETIMEOUT, JOB_EXPIRED, "request expired before it was sent to the "
			    "registry");
			return 1;
		}
		return 0;
	case CLAIM_FAILED:
		if (j->run.waiting) {
			/* The copy it waited for may still run: never "not sent". */
			snprintf(j->run.why, sizeof(j->run.why), "another copy of the request "
			    "(message_id %s) is in progress and the journal cannot tell its outcome "
			    "now: %s", id, err.msg);
			answer_unknown(j, NULL);
			return 1;
		}
		/* The caller learns it from the reply; the operator must learn it too, or a full
		 * disk or a lost database shows only as refused requests. */
		log_err(env->log, "%s %s refused, not sent: the journal cannot record it: %s",
		    j->cmd, id, err.msg);
		fail(j, EG_EIO, JOB_NOT_SENT, "the journal cannot record the command, so it was "
		    "not sent: %s", err.msg);
		return 1;
	case CLAIM_MISMATCH:
		log_info(env->log, "%s %s refused, not sent: the message_id was already used for "
		    "%s %s", j->cmd, id, prev.cmd, prev.obj);
		fail(j, EG_EREQUEST, JOB_NOT_SENT, "message_id %s was already used for another "
		    "request (%s %s)", id, prev.cmd, prev.obj);
		break;
	case CLAIM_ANSWERED:
		if (prev.reply != NULL && (stored = json_tokener_parse(prev.reply)) != NULL) {
			answer_stored(j, stored);
			json_object_put(stored);
			log_info(env->log, "%s %s answered from the journal (clTRID %s)", j->cmd, id,
			    prev.cltrid);
			break;
		}
		/* a reply that does not read back: as if none had been recorded */
		/* FALLTHROUGH */
	case CLAIM_UNANSWERED:
		j->run.waiting = 0;
		start_asking(j, prev.cltrid, "the request was already sent once and its reply was "
		    "not recorded");
		r = 0;
		break;
	case CLAIM_BUSY:
		if (!j->run.waiting) {
			j->run.waiting = 1;
			j->run.wait_end_ms = j->deadline_ms >= 0 ? j->deadline_ms :
			    now + wait_cap_ms(env);
			j->run.wait_step_ms = 50;
			log_info(env->log, "%s %s: another copy is in progress on gate %s (clTRID %s); "
			    "waiting for its reply", j->cmd, id, prev.gate_id, prev.cltrid);
		}
		snprintf(j->run.cltrid, sizeof(j->run.cltrid), "%s", prev.cltrid);
		snprintf(j->run.why, sizeof(j->run.why), "another copy of the request (message_id "
		    "%s) is in progress on gate %s and no reply was recorded in time", id,
		    prev.gate_id);
		if (now >= j->run.wait_end_ms) {
			answer_unknown(j, NULL);
			break;
		}
		j->run.wake_ms = now + j->run.wait_step_ms < j->run.wait_end_ms ?
		    now + j->run.wait_step_ms : j->run.wait_end_ms;
		j->run.wait_step_ms = j->run.wait_step_ms * 2 > 1000 ? 1000 : j->run.wait_step_ms * 2;
		r = 2;
		break;
	}
	journal_entry_clear(&prev);
	return r;
}

/*
 * The checks before anything is sent: the deadline once, then the journal (again after
 * each wait for another job's reply); the rate limit comes after (rate). 1: the job is answered
 * (expired, refused, or from the journal); 2: it waits (EXEC_WAIT); 0: go on (to send it,
 * or, for a request the journal shows as sent without a recorded reply, to ask the
 * registry).
 */
static int
checks(const struct exec_env *env, struct job *j)
{
	const char *id = job_id(j);
	int r, transform = j->req.klass == EPP_CLASS_TRANSFORM;

	if (!j->run.started) {
		j->run.started = 1;
		if (j->deadline_ms >= 0 && eg_now_ms() > j->deadline_ms) {
			fail(j, EG_ETIMEOUT, JOB_EXPIRED, "request expired before it was sent to the "
			    "registry");
			return 1;
		}
	}
	if (transform && env->journal != NULL && id != NULL) {
		if ((r = from_journal(env, j)) != 0 || j->run.asking)
			return r;
	} else if (transform && j->redelivered) {
		fail(j, EG_EPROTO, JOB_OUTCOME_UNKNOWN, "redelivered request for %s: without a "
		    "%s the gate cannot tell whether it already ran, so it was not sent again",
		    j->cmd, env->journal != NULL ? "message_id" : "journal");
		return 1;
	}
	return 0;
}

/*
 * Marks the claim sent right before the command is written. EXEC_NEED_SESSION here means
 * "go on and send it"; anything else is the step's result: the journal cannot record it
 * (answered "not sent"), or the claim was taken over by another gate while this one's lease
 * had lapsed (the job then waits for that gate's reply, like any copy).
 */
static enum exec_next
mark_sent(const struct exec_env *env, struct session *s, struct job *j)
{
	const char *id = job_id(j);
	struct eg_err err;
	int tries, r;

	for (tries = 0; tries < 3; tries++) {
		if (!j->run.claimed || j->run.marked_sent)
			return EXEC_NEED_SESSION;
		if ((r = journal_sent(env->journal, id, j->req.cltrid, &err)) == 1) {
			j->run.marked_sent = 1;
			return EXEC_NEED_SESSION;
		}
		if (r == -1) {
			log_err(env->log, "%s %s refused, not sent: the journal cannot record it: %s",
			    j->cmd, id, err.msg);
			fail(j, EG_EIO, JOB_NOT_SENT, "the journal cannot record the command, so it "
			    "was not sent: %s", err.msg);
			release(env, j);
			return EXEC_DONE;
		}
		log_warn(env->log, "%s %s: the claim was taken over by another gate (this one's "
		    "lease had lapsed); not sent here", j->cmd, id);
		j->run.claimed = 0;
		switch (from_journal(env, j)) {
		case 1:
			return EXEC_DONE;
		case 2:
			return EXEC_WAIT;
		default:
			if (j->run.asking)
				return ask_registry(env, s, j);
			break;
		}
	}
	fail(j, EG_EIO, JOB_NOT_SENT, "the journal's claim on %s kept changing hands; the "
	    "command was not sent", id);
	release(env, j);
	return EXEC_DONE;
}

/*
 * Whether the registry offers what a typed command uses (registry_profile.h): a command for
 * an object service or an extension the login did not ask for is answered before anything
 * is sent, rather than sent to be refused with 2307 or 2103 (or, for an extension, have the
 * registry ignore it). The generic epp and xml commands and hello go through as they are:
 * they are the way to whatever the registry offers. 0: go on; 1: the job is answered.
 */
static int
not_offered(const struct exec_env *env, const struct session *s, struct job *j)
{
	struct eg_err err;
	enum cmd_id id;

	if (s == NULL || !s->up || j->req.cmd == NULL || j->req.xml == NULL)
		return 0;
	id = j->req.cmd->id;
	if (id == CMD_EPP || id == CMD_XML || id == CMD_HELLO)
		return 0;
	if (rp_command_check(&s->login, j->req.xml, j->req.xml_len, &err) == 0)
		return 0;
	log_info(env->log, "%s refused, not sent: %s", j->cmd, err.msg);
	if (j->sent) {
		/* a lost query whose re-send found a session that does not offer it */
		fail(j, EG_EPROTO, NULL, "%s", err.msg);
		return 1;
	}
	fail(j, EG_EPROTO, JOB_NOT_SENT, "%s", err.msg);
	release(env, j);
	return 1;
}

/* What the command's exchange ended with decides the next step. */
static enum exec_next
command_ended(const struct exec_env *env, struct session *s, struct job *j, enum xchg r,
    const struct eg_err *err)
{
	const char *id = job_id(j), *cltrid = j->req.cltrid[0] ? j->req.cltrid : NULL;
	struct eg_err jerr;

	switch (r) {
	case XCHG_OK:
		j->sent = 1;
		answer(j, s);
		if (j->run.claimed && journal_done(env->journal, id, j->reply, j->reply_len,
		    j->code > 0 ? j->code : 0, &jerr) == -1)
			log_err(env->log, "journal: reply for %s not recorded yet (it is tried again): "
			    "%s", id, jerr.msg);
		j->run.claimed = 0;
		return EXEC_DONE;
	case XCHG_REFUSED:
		fail(j, EG_EREQUEST, JOB_NOT_SENT, "%s", err->msg);
		release(env, j);
		return EXEC_DONE;
	case XCHG_UNSENT:
		/* Certainly not executed: another session may carry it. */
		snprintf(j->run.why, sizeof(j->run.why), "%s", err->msg);
		if (++j->run.unsent_tries < 3)
			return EXEC_NEED_SESSION;
		if (j->sent) {
			/* a lost query's re-send that never left: it may have run once */
			fail(j, err->code, NULL, "%s", err->msg);
			return EXEC_DONE;
		}
		fail(j, err->code, JOB_NOT_SENT, "%s", err->msg);
		release(env, j);
		return EXEC_DONE;
	case XCHG_LOST:
		j->sent = 1;
		if (j->req.klass == EPP_CLASS_TRANSFORM) {
			start_asking(j, j->req.cltrid, err->msg);
			return ask_registry(env, s, j);
		}
		if (!j->run.resent) {
			j->run.resent = 1;
			snprintf(j->run.why, sizeof(j->run.why), "%s", err->msg);
			log_info(env->log, "%s (clTRID %s): %s; sending it again", j->cmd,
			    cltrid ? cltrid : "-", err->msg);
			return EXEC_NEED_SESSION;   /* the session was dropped */
		}
		fail(j, err->code, NULL, "%s", err->msg);
		return EXEC_DONE;
	default:
		break;
	}
	fail(j, EG_EPROTO, NULL, "internal error: unknown exchange result");
	return EXEC_DONE;
}

/* Sends (or re-sends) the command on s; command_ended answers with the response. */
static enum exec_next
send_command(const struct exec_env *env, struct session *s, struct job *j)
{
	const char *cltrid = j->req.cltrid[0] ? j->req.cltrid : NULL;
	struct eg_err err;
	enum exec_next next;
	enum xchg r;

	if (s == NULL || !s->up)
		return EXEC_NEED_SESSION;
	if (not_offered(env, s, j))
		return EXEC_DONE;
	if (j->req.klass == EPP_CLASS_TRANSFORM && j->run.claimed && !j->run.marked_sent &&
	    (next = mark_sent(env, s, j)) != EXEC_NEED_SESSION)
		return next;
	r = session_start(s, j->req.xml, j->req.xml_len, cltrid,
	    env->cfg->epp.command_timeout_ms, &err);
	if (r == XCHG_PENDING) {
		j->run.exchange = EXEC_XCHG_COMMAND;
		return EXEC_PENDING;
	}
	return command_ended(env, s, j, r, &err);
}

/*
 * Books the job's slot in the rate limit once: 0 go on; 1 answered (no slot before its
 * deadline); 2 set it aside until its slot (run.wake_ms).
 */
static int
rate(const struct exec_env *env, struct job *j)
{
	int64_t at;

	if (env->rl == NULL || j->run.rated)
		return 0;
	if ((at = ratelimit_book(env->rl, rate_class(j), j->deadline_ms)) < 0) {
		fail(j, EG_ETIMEOUT, JOB_NOT_SENT, "rate limit: the command could not be sent before "
		    "its deadline");
		release(env, j);
		return 1;
	}
	j->run.rated = 1;
	if (at <= eg_now_ms())
		return 0;
	/* Its slot is booked: it waits for it holding no session, and is answered (and its
	 * claim released) if a wait for a session then runs past its deadline. */
	j->run.wake_ms = at;
	j->run.wait_end_ms = j->deadline_ms >= 0 ? j->deadline_ms : INT64_MAX;
	return 2;
}

/* What checks() or rate() said: 0 go on; 1 answered (EXEC_DONE) or 2 set aside (EXEC_WAIT),
 * into *next. */
static int
settled(int r, enum exec_next *next)
{
	if (r == 0)
		return 0;
	*next = r == 1 ? EXEC_DONE : EXEC_WAIT;
	return 1;
}

enum exec_next
exec_step(const struct exec_env *env, struct session *s, struct job *j)
{
	enum exec_next next;

	if (s != NULL)
		j->session_id = s->id;
	/* before the journal hears of it: a command the registry does not offer never runs */
	if (!j->run.started && !j->run.asking && not_offered(env, s, j))
		return EXEC_DONE;
	if ((!j->run.started || j->run.waiting) && settled(checks(env, j), &next))
		return next;
	if (j->run.asking)
		return ask_registry(env, s, j);
	if (settled(rate(env, j), &next))
		return next;
	return send_command(env, s, j);
}

enum exec_next
exec_exchanged(const struct exec_env *env, struct session *s, struct job *j, enum xchg r,
    const struct eg_err *err)
{
	int what = j->run.exchange;

	j->run.exchange = EXEC_XCHG_NONE;
	if (what == EXEC_XCHG_ASK)
		return ask_ended(env, s, j, r, err);
	return command_ended(env, s, j, r, err);
}

enum exec_next
exec_run(const struct exec_env *env, struct session *s, struct job *j)
{
	enum exec_next next = exec_step(env, s, j);
	struct eg_err err;
	enum xchg r;

	while (next == EXEC_PENDING) {
		r = session_wait(s, &err);
		next = exec_exchanged(env, s, j, r, &err);
	}
	return next;
}

void
exec_abandon(const struct exec_env *env, struct job *j, int64_t now_ms, int waited_ms,
    const char *why)
{
	if (j->run.waiting) {
		/* Another job may still send it: this copy is told so, never "not sent". */
		answer_unknown(j, NULL);
		return;
	}
	if (j->run.asking) {
		if (j->req.obj_type[0] != '\0' && j->req.obj_id[0] != '\0') {
			if (why != NULL)
				log_info(env->log, "could not ask the registry about %s %s: no EPP "
				    "session can be established: %s", j->req.obj_type, j->req.obj_id, why);
			else
				log_info(env->log, "could not ask the registry about %s %s: no EPP "
				    "session became available within %d ms", j->req.obj_type,
				    j->req.obj_id, waited_ms);
		}
		give_up(env, j);
		answer_unknown(j, NULL);
		return;
	}
	if (j->sent) {
		/* A query whose response was lost, waiting to be sent again. */
		if (why != NULL)
			fail(j, EG_EIO, NULL, "%s; no EPP session can be established to send it again: "
			    "%s", j->run.why, why);
		else
			fail(j, EG_EIO, NULL, "%s; no EPP session became available within %d ms to send "
			    "it again", j->run.why, waited_ms);
		return;
	}
	if (j->deadline_ms >= 0 && j->deadline_ms <= now_ms)
		fail(j, EG_ETIMEOUT, JOB_EXPIRED, "request expired before it was sent to the registry");
	else if (why != NULL)
		fail(j, EG_EIO, JOB_NOT_SENT, "not sent: %s", why);
	else
		fail(j, EG_EIO, JOB_NOT_SENT, "no EPP session became available within %d ms; the "
		    "request was not sent", waited_ms);
	release(env, j);
}
