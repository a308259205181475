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

/* Answers a job with a converted registry response. */
static void
answer(struct job *j, json_object *resp)
{
	int code = epp_resp_code(resp);

	if (job_reply_json(j, resp, code > 0 ? code : 0) == -1)
		fail(j, EG_ENOMEM, NULL, "out of memory");
}

/* Makes sure the session is up, opening it once if needed. */
static int
ensure_up(struct session *s, struct eg_err *err)
{
	if (s->up)
		return 0;
	return session_open(s, err);
}

/*
 * After a command with side effects may or may not have run: ask the registry what it
 * holds for the object (an info query, which has no side effects). Returns the info
 * response (caller owns) or NULL when it could not be had.
 */
static json_object *
ask_registry(const struct exec_env *env, struct session *s, const struct job *j)
{
	const char *type = j->req.obj_type, *id = j->req.obj_id;
	char cmd[32], cltrid[CLTRID_MAX + 1];
	struct epp_request info;
	struct eg_err err;
	json_object *req = NULL, *args, *resp = NULL;

	if (type[0] == '\0' || id[0] == '\0')
		return NULL;
	memset(&info, 0, sizeof(info));
	snprintf(cmd, sizeof(cmd), "%s_info", type);
	if ((req = json_object_new_object()) == NULL || (args = json_object_new_object()) == NULL)
		goto out;
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	json_object_object_add(req, "args", args);
	json_object_object_add(args, strcmp(type, "contact") == 0 ? "contact" : "name",
	    json_object_new_string(id));
	cltrid_next(env->cltrid, cltrid);
	if (epp_request_build(req, cltrid, &info, &err) == -1)
		goto out;
	if (ensure_up(s, &err) == -1 ||
	    session_exchange(s, info.xml, info.xml_len, info.cltrid, env->cfg->epp.command_timeout_ms,
	    &resp, &err) != XCHG_OK)
		log_info(env->log, "could not ask the registry about %s %s: %s", type, id, err.msg);
out:
	epp_request_free(&info);
	json_object_put(req);
	return resp;
}

/* A short account of an info response: "exists (clID r1, crDate ..., exDate ...)" or
 * "does not exist (2303 Object does not exist)". */
static void
describe_info(json_object *resp, char *out, size_t cap)
{
	json_object *epp, *r, *rd, *inf = NULL, *v;
	const char *keys[] = {"clID", "crDate", "exDate", "upDate"};
	int code = epp_resp_code(resp);
	size_t i, n;

	if (code != 1000) {
		snprintf(out, cap, "does not exist or is not visible (%d %s)", code,
		    epp_resp_msg(resp) ? epp_resp_msg(resp) : "");
		return;
	}
	if (json_object_object_get_ex(resp, "epp", &epp) &&
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
}

/* The reply when a command with side effects may have run but no response was had. */
static void
outcome_unknown(const struct exec_env *env, struct session *s, struct job *j,
    const char *cltrid, const char *why)
{
	json_object *info = ask_registry(env, s, j), *o;
	struct eg_err e;
	char shows[384] = "";

	e.code = EG_EPROTO;
	if (info != NULL)
		describe_info(info, shows, sizeof(shows));
	snprintf(e.msg, sizeof(e.msg),
	    "outcome unknown for %s (clTRID %s): %s; it was not sent again%s%s%s%s", j->cmd,
	    cltrid, why, info ? "; the registry now shows " : "", info ? j->req.obj_type : "",
	    info ? " " : "", info ? j->req.obj_id : "");
	if (info != NULL) {
		size_t n = strlen(e.msg);

		snprintf(e.msg + n, sizeof(e.msg) - n, ": %s", shows);
	}
	o = epp_error_reply(&e, JOB_OUTCOME_UNKNOWN);
	epp_error_text(&e, j->error, sizeof(j->error));
	if (o != NULL) {
		json_object_object_add(o, "cltrid", json_object_new_string(cltrid));
		if (info != NULL)
			json_object_object_add(o, "registry", json_object_get(info));
	}
	if (o == NULL || job_reply_json(j, o, -1) == -1)
		job_fail(j, &e, JOB_OUTCOME_UNKNOWN);
	json_object_put(o);
	json_object_put(info);
}

/* A request id the journal already knows: answer from it, never send again. */
static void
from_journal(const struct exec_env *env, struct session *s, struct job *j,
    struct journal_entry *prev)
{
	json_object *stored;

	if (prev->state == JOURNAL_DONE) {
		stored = json_tokener_parse(prev->reply);
		if (stored != NULL) {
			answer(j, stored);
			json_object_put(stored);
			log_info(env->log, "%s %s answered from the journal (clTRID %s)", j->cmd,
			    job_id(j), prev->cltrid);
			return;
		}
	}
	outcome_unknown(env, s, j, prev->cltrid,
	    "the request was already sent once and its reply was not recorded");
}

void
exec_job(const struct exec_env *env, struct session *s, struct job *j)
{
	const char *id = job_id(j), *cltrid = j->req.cltrid[0] ? j->req.cltrid : NULL;
	struct journal_entry prev;
	struct eg_err err;
	json_object *resp = NULL;
	int claimed = 0, unsent_tries = 0, resent = 0, r;
	int transform = j->req.klass == EPP_CLASS_TRANSFORM;

	memset(&prev, 0, sizeof(prev));
	j->session_id = s->id;
	if (j->deadline_ms >= 0 && eg_now_ms() > j->deadline_ms) {
		fail(j, EG_ETIMEOUT, JOB_EXPIRED, "request expired before it was sent to the registry");
		return;
	}
	if (transform && env->journal != NULL && id != NULL) {
		r = journal_claim(env->journal, id, j->req.cltrid, j->cmd, j->req.obj_id, &prev, &err);
		if (r == 0) {
			from_journal(env, s, j, &prev);
			journal_entry_clear(&prev);
			return;
		}
		if (r == -1) {
			/* The caller learns it from the reply; the operator must learn it too, or a
			 * full disk shows only as refused requests. */
			log_err(env->log, "%s %s refused, not sent: the journal cannot record it: %s",
			    j->cmd, id, err.msg);
			fail(j, EG_EIO, JOB_NOT_SENT, "the journal cannot record the command, so it was "
			    "not sent: %s", err.msg);
			return;
		}
		claimed = 1;
	} else if (transform && j->redelivered) {
		fail(j, EG_EPROTO, JOB_OUTCOME_UNKNOWN, "redelivered request for %s: without a "
		    "journal the gate cannot tell whether it already ran, so it was not sent again",
		    j->cmd);
		return;
	}
	if (env->rl != NULL && ratelimit_take(env->rl, rate_class(j), j->deadline_ms, NULL) == -1) {
		fail(j, EG_ETIMEOUT, JOB_NOT_SENT, "rate limit: the command could not be sent before "
		    "its deadline");
		goto release;
	}
	for (;;) {
		if (ensure_up(s, &err) == -1) {
			fail(j, err.code, JOB_NOT_SENT, "no EPP session: %s", err.msg);
			goto release;
		}
		switch (session_exchange(s, j->req.xml, j->req.xml_len, cltrid,
		    env->cfg->epp.command_timeout_ms, &resp, &err)) {
		case XCHG_OK:
			j->sent = 1;
			answer(j, resp);
			if (claimed && journal_done(env->journal, id, j->reply, j->reply_len, &err) == -1)
				log_err(env->log, "journal: reply for %s not recorded: %s", id, err.msg);
			json_object_put(resp);
			return;
		case XCHG_REFUSED:
			fail(j, EG_EREQUEST, JOB_NOT_SENT, "%s", err.msg);
			goto release;
		case XCHG_UNSENT:
			/* Certainly not executed: a new session may carry it. */
			if (++unsent_tries < 3)
				continue;
			fail(j, err.code, JOB_NOT_SENT, "%s", err.msg);
			goto release;
		case XCHG_LOST:
			j->sent = 1;
			if (!transform && !resent) {
				resent = 1;
				log_info(env->log, "%s (clTRID %s): %s; sending it again", j->cmd,
				    cltrid ? cltrid : "-", err.msg);
				continue;
			}
			if (transform)
				outcome_unknown(env, s, j, j->req.cltrid, err.msg);
			else
				fail(j, err.code, NULL, "%s", err.msg);
			return;
		}
	}
release:
	if (claimed && journal_release(env->journal, id, &err) == -1)
		log_err(env->log, "journal: claim for %s not released: %s", id, err.msg);
}
