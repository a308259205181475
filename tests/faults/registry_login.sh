#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The registry refuses the login (2200) or answers "session limit exceeded" (2502, then
# closes), at start and in the middle of a run. The gate backs off instead of hammering
# (logins counted in epp-sim's log over a time window), answers waiting requests with a
# "not sent" error, says so in its log - not in the health file, which is the clients' and
# whose watcher (tests/lib/pathwatch.py, as epp-gate-health.path) must not restart the gate
# for an outage - and recovers by itself once the fault is lifted: requests are served again.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
eg_setup login
fault_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
# Two sessions; a backoff capped at 3 s (the gate's first step after a refusal is 5 s,
# so every retry waits 1.5-3 s with jitter); a keepalive every second, so that idle
# sessions find out at once that the registry dropped them.
GATE_SESSIONS=2 GATE_BACKOFF_MAX=3000 GATE_QUEUE_WAIT=1500 GATE_KEEPALIVE=1 \
    gate_config "health: { file = \"$T/health\"; };"
WINDOW=5
# At most one login per session every 1.5 s, plus the one that starts the window.
MAX_LOGINS=$(( 2 * (WINDOW * 2 / 3 + 2) ))
W=$T/watcher.log
/usr/bin/python3 "$EG_SRCDIR/tests/lib/pathwatch.py" --log "$W" --hold 1 "$T/health" \
    >>"$T/watcher.out" 2>&1 &
track_pid $!
wait_for 5 grep -q '^watching' "$W"
ok $? "a watcher on the health file, as the path unit's"

# refused KIND CODE WHEN: while logins fail, count them over the window and try a request.
refused() {
	local n0 n1 out c0 name="waiting-$1-${3// /-}.example"   # a host name: no spaces
	n0=$(logins)
	c0=$(sim_seen domain:check "$name")
	# a request meanwhile, while the window runs
	rpc -t 10 domain_check "{\"domains\": [\"$name\"]}" >"$T/waiting.out" 2>/dev/null &
	sleep "$WINDOW"
	n1=$(logins)
	wait $!
	out=$(cat "$T/waiting.out")
	[ $((n1 - n0)) -le "$MAX_LOGINS" ] && [ $((n1 - n0)) -ge 2 ]
	ok $? "$1 $3: $((n1 - n0)) login attempts in ${WINDOW} s with 2 sessions (backoff, at most $MAX_LOGINS)"
	is "$(grep -E ' cmd=login ' "$SIM_CMDLOG" | tail -n "$((n1 - n0))" | grep -vc "code=$2")" 0 \
	    "$1 $3: every attempt in the window got $2"
	is "$(errcode_of "$out")" not_sent "$1 $3: a request meanwhile is answered 'not sent'"
	like "$(json_get "$out" error)" "no EPP session" "$1 $3: saying why"
	is "$(( $(sim_seen domain:check "$name") - c0 ))" 0 "$1 $3: and it never reached the registry"
	is "$(json_get "$(rpc gate_status)" gate.sessions.up)" 0 "$1 $3: gate_status shows no session up"
	like "$(rpc gate_status)" "\"last_error\":\"[^\"]*$2" "$1 $3: gate_status shows the registry's answer"
}

sessions_up_is() { [ "$(json_get "$(rpc -t 2 gate_status)" gate.sessions.up)" = "$1" ]; }

recovers() {
	set_faults
	gate_wait_up 2 15
	ok $? "$1 $2: both sessions back once the fault is lifted"
	out=$(rpc -t 10 domain_check "{\"domains\": [\"after-$1-${2// /-}.example\"]}")
	is "$(code_of "$out")" 1000 "$1 $2: requests are served again"
}

# ---- at start ------------------------------------------------------------------------
set_faults "refuse-login:1"
gate_launch || { ok 1 "epp-gate starts"; done_testing; exit 1; }
refused refuse-login 2200 "at start"
like "$(grep -m1 'cannot establish the EPP session' "$GATE_OUT")" 'login refused: 2200 [^;]*refused by fault injection' \
    "refuse-login at start: the log gives the registry's message"
wait_for 10 grep -q 'cannot be re-established' "$GATE_OUT"
ok $? "refuse-login at start: the log says the session cannot be re-established"
recovers refuse-login "at start"

# ---- mid-run ---------------------------------------------------------------------------
for f in refuse-login:2200 session-limit:2502; do
	kind=${f%%:*} code=${f#*:}
	set_faults "$kind:1"
	kill -USR2 "$SIM_PID"          # every session dropped: they must log in again
	wait_for 10 sessions_up_is 0
	ok $? "$kind mid-run: the sessions are down"
	refused "$kind" "$code" mid-run
	recovers "$kind" mid-run
done

# ---- session limit at start ------------------------------------------------------------
kill -TERM "$GATE_PID"; wait "$GATE_PID" 2>/dev/null
set_faults "session-limit:1"
gate_launch || { ok 1 "epp-gate starts again"; done_testing; exit 1; }
refused session-limit 2502 "at start"
recovers session-limit "at start"
gate_alive; ok $? "the gate process is still running"
is "$(grep -c '^trigger ' "$W")" 0 "$(logins 2200) refused and $(logins 2502) limited logins: the health file's watcher never fired"
[ ! -e "$T/health" ]; ok $? "the health file was left to the clients: never created"
done_testing
