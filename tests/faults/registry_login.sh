#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The registry refuses the login (2200: fault injection, or an account whose password is
# not the gate's) or answers "session limit exceeded" (2502, then closes), at start and in
# the middle of a run. A refused login cannot heal by retrying: every attempt is logged at
# error with what to fix, gate_status and the metrics carry the reason, and requests
# meanwhile are answered "not sent" at once with the registry's answer - not after
# queue_wait. A session limit may pass: requests wait for queue_wait, then "not sent". In
# both cases the gate backs off instead of hammering (logins counted in epp-sim's log over
# a time window), never writes the health file, which is the clients' and whose watcher
# (tests/lib/pathwatch.py, as epp-gate-health.path) must not restart the gate for an
# outage, and recovers by itself once the registry accepts the login again.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
eg_setup login
fault_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
# Two sessions; a backoff capped at 3 s (the gate's first step after a refusal is 5 s,
# so every retry waits 1.5-3 s with jitter); a keepalive every second, so that idle
# sessions find out at once that the registry dropped them; requests wait 4 s for a
# session, so that "at once" and "after queue_wait" tell apart.
QW=4000
conf() {
	GATE_SESSIONS=2 GATE_BACKOFF_MAX=3000 GATE_QUEUE_WAIT=$QW GATE_KEEPALIVE=1 \
	    gate_config "health: { file = \"$T/health\"; };
metrics: { file = \"$T/metrics.prom\"; interval = 1; };"
}
conf
WINDOW=5
# At most one login per session every 1.5 s, plus the one that starts the window.
MAX_LOGINS=$(( 2 * (WINDOW * 2 / 3 + 2) ))
W=$T/watcher.log
/usr/bin/python3 "$EG_SRCDIR/tests/lib/pathwatch.py" --log "$W" --hold 1 "$T/health" \
    >>"$T/watcher.out" 2>&1 &
track_pid $!
wait_for 5 grep -q '^watching' "$W"
ok $? "a watcher on the health file, as the path unit's"

status() { rpc -t 2 gate_status 2>/dev/null; }
sessions_up_is() { [ "$(json_get "$(status)" gate.sessions.up)" = "$1" ]; }
answering_at_once() { [ "$(json_get "$(status)" gate.sessions.failure.answering_at_once)" = True ]; }
metric() { sed -n "s/^$1 //p" "$T/metrics.prom" 2>/dev/null; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }     # for wait_for
now_ms() { date +%s%3N; }

# timed_check NAME: a domain_check; sets OUT and MS (how long the answer took)
timed_check() {
	local t0
	t0=$(now_ms)
	OUT=$(rpc -t 15 domain_check "{\"domains\": [\"$1\"]}" 2>/dev/null)
	MS=$(( $(now_ms) - t0 ))
}

# backs_off KIND CODE WHEN: over a window, the logins fail with CODE, not too often.
backs_off() {
	local n0 n1
	n0=$(logins)
	sleep "$WINDOW"
	n1=$(logins)
	[ $((n1 - n0)) -le "$MAX_LOGINS" ] && [ $((n1 - n0)) -ge 2 ]
	ok $? "$1 $3: $((n1 - n0)) login attempts in ${WINDOW} s with 2 sessions (backoff, at most $MAX_LOGINS)"
	is "$(grep -E ' cmd=login ' "$SIM_CMDLOG" | tail -n "$((n1 - n0))" | grep -vc "code=$2")" 0 \
	    "$1 $3: every attempt in the window got $2"
}

# refused KIND WHEN MSG: the login is refused (2200) for good: errors with the fix, the
# reason in gate_status and the metrics, requests answered at once, not sent.
refused() {
	local c0 st e0 e1 s1
	wait_for 15 answering_at_once
	ok $? "$1 $2: once every session failed so, requests are answered at once"
	c0=$(sim_seen domain:check "refused-$1-${2// /-}.example")
	timed_check "refused-$1-${2// /-}.example"
	is "$(errcode_of "$OUT")" not_sent "$1 $2: a request is answered 'not sent'"
	is "$(json_get "$OUT" error)" "failed processing EPP command: not sent: the registry refused the login: 2200 $3" \
	    "$1 $2: with the registry's answer"
	[ "$MS" -lt $((QW / 2)) ]
	ok $? "$1 $2: at once (${MS} ms; queue_wait is $QW ms)"
	is "$(( $(sim_seen domain:check "refused-$1-${2// /-}.example") - c0 ))" 0 "$1 $2: and it never reached the registry"
	backs_off "$1" 2200 "$2"
	st=$(status)
	is "$(json_get "$st" gate.sessions.up)" 0 "$1 $2: gate_status shows no session up"
	is "$(json_get "$st" gate.sessions.failure.reason)/$(json_get "$st" gate.sessions.failure.permanent)" \
	    login_refused/True "$1 $2: gate_status: reason login_refused, permanent"
	like "$(json_get "$st" gate.sessions.failure.fix)" 'check epp.login and epp.password_file' \
	    "$1 $2: gate_status: what to fix"
	like "$(json_get "$st" gate.sessions.sessions.1.reason)" login_refused "$1 $2: per session too"
	# every attempt is an error line with the fix (a login may be on its way while counting)
	e0=$(grep -c "error: session [01]: cannot establish the EPP session (attempt [0-9]*): the registry refused the login: 2200 .*: check epp.login and epp.password_file; next try in" "$GATE_OUT")
	s1=$(logins 2200)
	e1=$((e0 - GATE_ERR0))
	[ "$e1" -ge $((s1 - S2200_0 - 2)) ] && [ "$e1" -le $((s1 - S2200_0)) ]
	ok $? "$1 $2: every refused attempt is logged at error with the fix ($e1 errors, $((s1 - S2200_0)) refusals)"
	is "$(grep -c 'info: session [01]: cannot establish the EPP session.*2200' "$GATE_OUT")" 0 \
	    "$1 $2: never merely at info"
	wait_for 5 metric_is 'eppgate_session_failure{reason="login_refused"}' 2
	ok $? "$1 $2: metrics: eppgate_session_failure{reason=\"login_refused\"} 2"
	[ "$(metric 'eppgate_session_failures_total{reason="login_refused"}')" -ge 2 ]
	ok $? "$1 $2: metrics: eppgate_session_failures_total{reason=\"login_refused\"} counts them"
}

# limited WHEN: 2502 may pass: requests wait for a session, then "not sent" after queue_wait.
limited() {
	local c0 st
	c0=$(sim_seen domain:check "limited-${1// /-}.example")
	timed_check "limited-${1// /-}.example"
	is "$(errcode_of "$OUT")" not_sent "session-limit $1: a request meanwhile is answered 'not sent'"
	like "$(json_get "$OUT" error)" "no EPP session became available within $QW ms" "session-limit $1: after waiting queue_wait"
	[ "$MS" -ge $((QW - 500)) ]
	ok $? "session-limit $1: not at once (${MS} ms)"
	is "$(( $(sim_seen domain:check "limited-${1// /-}.example") - c0 ))" 0 "session-limit $1: and it never reached the registry"
	backs_off session-limit 2502 "$1"
	st=$(status)
	is "$(json_get "$st" gate.sessions.failure.reason)/$(json_get "$st" gate.sessions.failure.permanent)/$(json_get "$st" gate.sessions.failure.answering_at_once)" \
	    session_limit/False/False "session-limit $1: gate_status: reason session_limit, may pass, requests wait"
	like "$st" "\"last_error\":\"[^\"]*2502" "session-limit $1: gate_status shows the registry's answer"
}

recovers() {
	set_faults
	gate_wait_up 2 15
	ok $? "$1 $2: both sessions back once the fault is lifted"
	timed_check "after-$1-${2// /-}.example"
	is "$(code_of "$OUT")" 1000 "$1 $2: requests are served again"
	is "$(json_get "$(status)" gate.sessions.failure)" None "$1 $2: gate_status shows no failure"
	wait_for 5 metric_is 'eppgate_session_failure{reason="login_refused"}' 0
	ok $? "$1 $2: the failure gauge is back to 0"
}

mark() { GATE_ERR0=$(grep -c "error: session [01]: cannot establish" "$GATE_OUT" 2>/dev/null || echo 0); S2200_0=$(logins 2200); }

# ---- refused at start ------------------------------------------------------------------
set_faults "refuse-login:1"
GATE_ERR0=0 S2200_0=0
gate_launch || { ok 1 "epp-gate starts"; done_testing; exit 1; }
refused refuse-login "at start" "Authentication error: refused by fault injection"
grep -q 'no EPP session can be established: the registry refused the login: 2200 .*requests are answered "not sent" at once' "$GATE_OUT"
ok $? "refuse-login at start: the log says requests are answered at once"
wait_for 10 grep -q 'cannot be re-established' "$GATE_OUT"
ok $? "refuse-login at start: the log says the session cannot be re-established"
recovers refuse-login "at start"

# ---- refused mid-run, then a session limit mid-run ---------------------------------------
mark
set_faults "refuse-login:1"
kill -USR2 "$SIM_PID"          # every session dropped: they must log in again
wait_for 10 sessions_up_is 0
ok $? "refuse-login mid-run: the sessions are down"
refused refuse-login mid-run "Authentication error: refused by fault injection"
recovers refuse-login mid-run
set_faults "session-limit:1"
kill -USR2 "$SIM_PID"
wait_for 10 sessions_up_is 0
ok $? "session-limit mid-run: the sessions are down"
limited mid-run
recovers session-limit mid-run

# ---- session limit at start --------------------------------------------------------------
kill -TERM "$GATE_PID"; wait "$GATE_PID" 2>/dev/null
set_faults "session-limit:1"
gate_launch || { ok 1 "epp-gate starts again"; done_testing; exit 1; }
limited "at start"
recovers session-limit "at start"

# ---- an account whose password is not the gate's ----------------------------------------
kill -TERM "$GATE_PID"; wait "$GATE_PID" 2>/dev/null
mv "$GATE_OUT" "$T/gate-1.out"
watch_log "$T/gate-1.out"
SIM_PW=not-the-password-77 conf
mark
gate_launch || { ok 1 "epp-gate starts with a wrong password"; done_testing; exit 1; }
refused wrong-password "at start" "Authentication error: invalid client id or password"
grep -q 'not-the-password-77' "$GATE_OUT"
is "$?" 1 "wrong-password: the password is in no log line"
gate_alive; ok $? "the gate process is still running"
is "$(grep -c '^trigger ' "$W")" 0 "$(logins 2200) refused and $(logins 2502) limited logins: the health file's watcher never fired"
[ ! -e "$T/health" ]; ok $? "the health file was left to the clients: never created"
done_testing
