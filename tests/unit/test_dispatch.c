/* SPDX-License-Identifier: MIT */
/*
 * The dispatcher (gate/dispatch.h) against a real epp-sim over real TLS: the
 * supervisor lends the sessions it opens, one thread runs every job on them
 * with one poll as the gate's loop does, and the outcomes are counted on both
 * sides (what each job was told, what the registry's command log shows):
 * commands in flight on several sessions at once, a stalled registry that
 * costs its session and never the loop, a command lost or refused unsent on
 * one session and carried by another, keepalives from the loop, a re-login of
 * every session, and the stop that lets exchanges under way end.
 */
#include <libxml/parser.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dispatch.h"
#include "metrics.h"
#include "simtest.h"
#include "supervisor.h"
#include "tap.h"

/* A gate without the broker: the queue, the supervisor in lend mode and the dispatcher. */
struct loop {
	struct rig r;
	struct jobq *q;
	struct metrics *m;
	struct supervisor *sv;
	struct dispatch *d;
	struct job *done[256];     /* answered jobs, in the order they were answered */
	int ndone;
	int most_busy;             /* the most exchanges under way at once */
};

static void
finished(void *arg, struct job *j)
{
	struct loop *l = arg;

	if (l->ndone < (int)(sizeof(l->done) / sizeof(l->done[0])))
		l->done[l->ndone++] = j;
	else
		job_free(j);
}

static void
abandon(void *arg, struct job *j, int64_t now_ms, int waited_ms, const char *why)
{
	exec_abandon(arg, j, now_ms, waited_ms, why);
}

static int
loop_start(struct loop *l, const struct sim *sm, int sessions, int keepalive_s)
{
	struct supervisor_env se;
	struct dispatch_env de;
	struct jobq_env qe = {0};
	struct eg_err e;

	memset(l, 0, sizeof(*l));
	if (rig_init(&l->r, sm, 0, NULL) == -1)
		return -1;
	l->r.cfg.epp.sessions = sessions;
	l->r.cfg.epp.keepalive_s = keepalive_s;
	l->r.cfg.queue_wait_ms = 5000;
	qe.queue_wait_ms = 5000;
	qe.abandon = abandon;
	qe.abandon_arg = &l->r.exec;
	if ((l->q = jobq_new(&qe, &e)) == NULL || (l->m = metrics_new(sessions)) == NULL)
		return -1;
	memset(&se, 0, sizeof(se));
	se.session = l->r.env;
	se.ops_arg = &l->r.exec;
	se.q = l->q;
	se.metrics = l->m;
	se.sessions = sessions;
	se.lend = 1;
	if ((l->sv = supervisor_start(&se, &e)) == NULL) {
		tap_diag("supervisor: %s", e.msg);
		return -1;
	}
	memset(&de, 0, sizeof(de));
	de.exec = &l->r.exec;
	de.q = l->q;
	de.sv = l->sv;
	de.log = &l->r.log;
	de.sessions = sessions;
	de.finished = finished;
	de.finished_arg = l;
	if ((l->d = dispatch_new(&de, &e)) == NULL)
		return -1;
	return 0;
}

/* One turn of the gate's loop, without the broker: waits at most max_ms. */
static void
turn(struct loop *l, int max_ms)
{
	struct pollfd fds[65];
	struct job *j, *next;
	int64_t t = dispatch_timeout(l->d), e = jobq_expire(l->q);
	int n;

	fds[0].fd = jobq_event_fd(l->q);
	fds[0].events = POLLIN;
	n = 1 + dispatch_pollfds(l->d, fds + 1, 64);
	if (e >= 0 && (t < 0 || e < t))
		t = e;
	if (t < 0 || t > max_ms)
		t = max_ms;
	(void)poll(fds, (nfds_t)n, (int)t);
	if (fds[0].revents & POLLIN) {
		for (j = jobq_collect(l->q); j != NULL; j = next) {
			next = j->next;
			finished(l, j);
		}
	}
	dispatch_ready(l->d, fds + 1, n - 1);
	(void)jobq_expire(l->q);
	dispatch_run(l->d);
	if (dispatch_busy(l->d) > l->most_busy)
		l->most_busy = dispatch_busy(l->d);
}

/* Turns until want jobs are answered or ms pass; the number answered. */
static int
pump(struct loop *l, int want, int ms)
{
	int64_t end = eg_now_ms() + ms;

	while (l->ndone < want && eg_now_ms() < end)
		turn(l, 50);
	return l->ndone;
}

/* Turns until n sessions are lent to the dispatcher (up), or ms pass. */
static int
wait_up(struct loop *l, int n, int ms)
{
	int64_t end = eg_now_ms() + ms;

	while (supervisor_sessions_up(l->sv) < n && eg_now_ms() < end)
		turn(l, 50);
	turn(l, 10);
	return supervisor_sessions_up(l->sv);
}

static void
push(struct loop *l, const char *json)
{
	struct job *j = make_job(&l->r, json);

	if (j != NULL) {
		j->received_us = eg_now_us();
		jobq_push(l->q, j);
	}
}

static void
loop_stop(struct loop *l)
{
	int i;

	if (l->d != NULL)
		dispatch_finish(l->d);
	supervisor_free(l->sv);
	dispatch_free(l->d);
	jobq_free(l->q);
	metrics_free(l->m);
	for (i = 0; i < l->ndone; i++)
		job_free(l->done[i]);
	rig_free(&l->r);
}

/* Jobs answered with this EPP result code. */
static int
count_code(const struct loop *l, int code)
{
	int i, n = 0;

	for (i = 0; i < l->ndone; i++)
		n += l->done[i]->code == code;
	return n;
}

static const char CHECK[] = "{\"cmd\": \"domain_check\", \"args\": {\"domains\": "
    "[\"free-name.example\"]}}";

static void
test_in_flight(void)
{
	struct sim sm;
	struct loop l;
	int i, cltrids_ok = 1;

	if (sim_start(&sm, "server", "--latency", "30", NULL) == -1 ||
	    loop_start(&l, &sm, 4, 0) == -1) {
		tap_ok(0, "sim and loop start");
		sim_stop(&sm);
		return;
	}
	tap_is_int(wait_up(&l, 4, 5000), 4, "4 sessions up and lent");
	for (i = 0; i < 40; i++)
		push(&l, CHECK);
	tap_is_int(pump(&l, 40, 10000), 40, "40 checks answered");
	tap_is_int(count_code(&l, 1000), 40, "every one with 1000");
	for (i = 0; i < l.ndone; i++)
		if (strstr(l.done[i]->reply, l.done[i]->req.cltrid) == NULL)
			cltrids_ok = 0;
	tap_ok(cltrids_ok, "each reply carries its own command's clTRID");
	tap_ok(l.most_busy == 4, "4 exchanges were under way at once on the one thread (%d)",
	    l.most_busy);
	loop_stop(&l);
	sim_stop(&sm);
	tap_is_int(sim_count(&sm, "cmd=domain:check", "code=1000"), 40,
	    "the registry ran 40 checks");
	tap_is_int(sim_count(&sm, "cmd=logout", NULL), 4, "the stop logged every session out");
}

/* A registry that stalls one command costs that session only: the other sessions' jobs are
 * answered meanwhile, and the stalled check is sent again on a new session. */
static void
test_stall(void)
{
	struct sim sm;
	struct loop l;
	int64_t t0;
	int i, before;

	if (sim_start(&sm, "server", "--fault", "stall:1:domain:check:once", NULL) == -1 ||
	    loop_start(&l, &sm, 2, 0) == -1) {
		tap_ok(0, "sim and loop start");
		sim_stop(&sm);
		return;
	}
	tap_is_int(wait_up(&l, 2, 5000), 2, "2 sessions up");
	push(&l, CHECK);
	turn(&l, 10);
	t0 = eg_now_ms();
	for (i = 0; i < 10; i++)
		push(&l, CHECK);
	before = pump(&l, 10, 800);
	tap_ok(before == 10 && eg_now_ms() - t0 < 800, "10 checks answered on the other session "
	    "while the first one stalls (%d in %lld ms)", before, (long long)(eg_now_ms() - t0));
	tap_is_int(pump(&l, 11, 5000), 11, "the stalled check answered too");
	tap_is_int(count_code(&l, 1000), 11, "all with 1000");
	loop_stop(&l);
	sim_stop(&sm);
	tap_is_int(sim_count(&sm, "cmd=domain:check", NULL), 12,
	    "the registry saw 12 checks: the stalled one was sent again once");
}

static const char CONTACT[] = "{\"cmd\": \"contact_create\", \"args\": {\"id\": \"c-l1\", "
    "\"email\": \"a@example.net\", \"auth_info\": \"x-pw-123\", \"contacts\": [{\"type\": "
    "\"int\", \"name\": \"A\", \"address\": {\"street\": \"1 Road\", \"city\": \"T\", "
    "\"cc\": \"DE\"}}]}}";
#define CREATE(name) "{\"cmd\": \"domain_create\", \"args\": {\"name\": \"" name "\", " \
    "\"registrant\": \"c-l1\", \"contacts\": {\"admin\": \"c-l1\"}, \"auth_info\": " \
    "\"x-pw-123\"}}"

/* A create whose connection the registry closed while the session was idle goes out on a
 * new session, once; one dropped after it ran is never sent again: the caller is told the
 * outcome is unknown, with what the registry holds. */
static void
test_drops(void)
{
	struct sim sm;
	struct loop l;
	int64_t end;

	if (sim_start(&sm, "server", "--idle-timeout", "1", "--fault",
	    "drop-after:2:domain:create:once", NULL) == -1 || loop_start(&l, &sm, 1, 0) == -1) {
		tap_ok(0, "sim and loop start");
		sim_stop(&sm);
		return;
	}
	tap_is_int(wait_up(&l, 1, 5000), 1, "1 session up");
	push(&l, CONTACT);
	tap_is_int(pump(&l, 1, 5000), 1, "the contact is created");
	end = eg_now_ms() + 1600;
	while (eg_now_ms() < end)
		turn(&l, 100);
	push(&l, CREATE("loop-one.example"));
	tap_is_int(pump(&l, 2, 8000), 2, "a create after the registry closed the idle session "
	    "is answered");
	tap_ok(l.ndone == 2 && l.done[1]->code == 1000, "with 1000, on a new session");
	push(&l, CREATE("loop-two.example"));
	tap_is_int(pump(&l, 3, 8000), 3, "the create dropped after it ran is answered");
	tap_ok(l.ndone == 3 && l.done[2]->reply != NULL &&
	    strstr(l.done[2]->reply, JOB_OUTCOME_UNKNOWN) != NULL &&
	    strstr(l.done[2]->reply, l.done[2]->req.cltrid) != NULL,
	    "as outcome unknown, naming its clTRID");
	loop_stop(&l);
	sim_stop(&sm);
	tap_is_int(sim_count(&sm, "cmd=domain:create", "obj=loop-one.example"), 1,
	    "the first create ran once");
	tap_is_int(sim_count(&sm, "cmd=domain:create", "obj=loop-two.example"), 1,
	    "the second ran once and was not sent again");
	tap_is_int(sim_count(&sm, "cmd=domain:info", "obj=loop-two.example"), 1,
	    "the registry was asked what it holds");
}

/* Keepalives go out from the loop on idle sessions; a re-login gives every session back
 * to its thread, which logs in again and lends it anew. */
static void
test_keepalive_relogin(void)
{
	struct sim sm;
	struct loop l;
	int64_t end;

	if (sim_start(&sm, "server", NULL) == -1 || loop_start(&l, &sm, 2, 1) == -1) {
		tap_ok(0, "sim and loop start");
		sim_stop(&sm);
		return;
	}
	tap_is_int(wait_up(&l, 2, 5000), 2, "2 sessions up");
	end = eg_now_ms() + 2600;
	while (eg_now_ms() < end)
		turn(&l, 100);
	tap_ok(sim_count(&sm, "cmd=hello", NULL) >= 4, "idle 2.6 s with keepalive 1 s: at least "
	    "4 hellos (%d)", sim_count(&sm, "cmd=hello", NULL));
	supervisor_relogin(l.sv);
	dispatch_give_back_all(l.d);
	end = eg_now_ms() + 5000;
	while (sim_count(&sm, "cmd=login", NULL) < 4 && eg_now_ms() < end)
		turn(&l, 50);
	tap_is_int(sim_count(&sm, "cmd=login", "code=1000"), 4, "both sessions logged in again");
	tap_is_int(wait_up(&l, 2, 5000), 2, "and are up");
	push(&l, CHECK);
	tap_is_int(pump(&l, 1, 5000), 1, "a check is answered after the re-login");
	loop_stop(&l);
	sim_stop(&sm);
}

/* The stop lets the exchanges under way end: a slow registry's answers still come. */
static void
test_finish(void)
{
	struct sim sm;
	struct loop l;
	int i;

	if (sim_start(&sm, "server", "--latency", "200", NULL) == -1 ||
	    loop_start(&l, &sm, 3, 0) == -1) {
		tap_ok(0, "sim and loop start");
		sim_stop(&sm);
		return;
	}
	tap_is_int(wait_up(&l, 3, 5000), 3, "3 sessions up");
	for (i = 0; i < 3; i++)
		push(&l, CHECK);
	turn(&l, 10);
	tap_is_int(dispatch_busy(l.d), 3, "3 exchanges under way");
	dispatch_finish(l.d);
	tap_is_int(l.ndone, 3, "the stop waited for the 3 answers");
	tap_is_int(count_code(&l, 1000), 3, "all with 1000");
	tap_is_int(dispatch_busy(l.d), 0, "nothing under way after");
	loop_stop(&l);
	sim_stop(&sm);
	tap_is_int(sim_count(&sm, "cmd=logout", NULL), 3, "every session logged out");
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	xmlInitParser();
	if (st_setup(argc > 0 ? argv[0] : ".", "dispatch") == -1) {
		tap_ok(0, "test certificates");
		return tap_done();
	}
	test_in_flight();
	test_stall();
	test_drops();
	test_keepalive_relogin();
	test_finish();
	st_cleanup();
	xmlCleanupParser();
	return tap_done();
}
