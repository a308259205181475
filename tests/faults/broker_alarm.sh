#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# RabbitMQ blocks the gate (a memory alarm on a broker of this test's own). RabbitMQ
# says connection.blocked, and stops reading, when a blocked connection publishes: the
# gate's first reply after the alarm goes into the socket unread; from then on the gate
# holds its replies and acks, keeps answering signals (SIGHUP reopens the log) and sends
# what it held once unblocked. SIGTERM while blocked: it waits for the unblock, up to its
# drain deadline, then leaves, and the requests it could not answer come again to the
# next gate. Nothing is answered twice. Then refusals that need users of the test's own:
# a user without the permission to declare the queue, and one that comes after a while
# (the gate's password changed on the broker, its connection closed): exit status 78.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
. "$EG_SRCDIR/tests/lib/broker.sh"
eg_setup balarm
# The alarm is broker-wide: a broker of our own, never a shared one.
if ! broker_start "$T/broker" >/dev/null 2>&1; then
	echo "Bail out! cannot start a private RabbitMQ broker"
	exit 1
fi
trap 'stop_tracked; broker_stop; [ -n "${EG_KEEP_TMP:-}" ] || rm -rf "$T"' EXIT
alarm() { _broker_ctl set_vm_memory_high_watermark "$1" >/dev/null; }
fault_sim_start --latency 5000 || { ok 1 "epp-sim starts"; done_testing; exit 1; }
# (the registry answers in 5 s, its greeting too)
slow_conf() { sed -i 's|connect_timeout_ms = 5000;|connect_timeout_ms = 15000;|' "$GATE_CONF"; }
GATE_SESSIONS=3 GATE_CMD_TIMEOUT=8000 GATE_QUEUE_WAIT=30000 GATE_LOG_FILE=$T/gate.log \
    gate_config "metrics: { file = \"$T/metrics.prom\"; interval = 1; };"
slow_conf
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
# log_at_least TEXT N [FILES]: N lines with TEXT in the gate's log files
log_at_least() {
	local text=$1 n=$2
	shift 2
	[ $# -gt 0 ] || set -- "$T/gate.log.1" "$T/gate.log"
	[ "$(cat "$@" 2>/dev/null | grep -c -- "$text")" -ge "$n" ]
}
checks() {
	local i
	: >"$1"
	for i in $(seq 1 "$3"); do
		printf '%s-%d\t{"cmd": "domain_check", "args": {"domains": ["%s%d.example"]}}\n' \
		    "$2" "$i" "$2" "$i" >>"$1"
	done
}
client_said() { tail -1 "$1.out"; }
lines() { cat "$1" 2>/dev/null | grep -c .; }

# ---- blocked with requests in flight: replies held, SIGHUP served, sent on unblock --
# Three requests a quarter of a second apart, all published before the alarm (a client
# publishing during it would be blocked itself), answered 5 s later: the first reply
# makes RabbitMQ block the connection, the two others are held.
checks "$T/req.a" a 3
durable_client "$T/req.a" "$T/rep.a" --rate 4 --quiet 1000 --deadline 120
sleep 1
alarm 0.000001
ok $? "memory alarm raised (vm_memory_high_watermark 0.000001)"
wait_for 15 log_at_least 'blocked by the broker' 1
ok $? "the gate hears connection.blocked"
ran_3() { [ "$(sim_count 'a[1-3]\.example')" -ge 3 ]; }
wait_for 10 ran_3
ok $? "the registry answered the three requests"
sleep 1
is "$(lines "$T/rep.a")" 0 "no reply reached the client while blocked"
wait_for 5 grep -q '^eppgate_broker_blocked 1' "$T/metrics.prom"
ok $? "the metrics say blocked"
mv "$T/gate.log" "$T/gate.log.1"
kill -HUP "$GATE_PID"
wait_for 5 grep -q 'log file reopened' "$T/gate.log"
ok $? "SIGHUP while blocked: the log file is reopened"
alarm 0.4
ok $? "alarm cleared"
wait_for 15 log_at_least 'unblocked; 2 held replies and acks go out' 1
ok $? "the gate hears connection.unblocked and sends the 2 held replies"
wait "$CLIENT_PID"
is "$?" 0 "every request got its reply"
like "$(client_said "$T/rep.a")" '^replies 3/3 duplicates 0 republished 0' "none twice"
bad=0
for i in 1 2 3; do [ "$(sim_count " obj=a$i\\.example")" = 1 ] || bad=$((bad + 1)); done
is "$bad" 0 "each ran once"
wait_for 5 grep -q '^eppgate_broker_blocked 0' "$T/metrics.prom"
ok $? "the metrics say unblocked"

# ---- SIGTERM while blocked: it waits for the unblock, then sends and leaves ----------
checks "$T/req.b" b 5
durable_client "$T/req.b" "$T/rep.b" --rate 4 --quiet 1000 --deadline 120
sleep 1.5
alarm 0.000001
wait_for 15 log_at_least 'blocked by the broker' 2
ok $? "blocked again, requests in the gate"
kill -TERM "$GATE_PID"
sleep 3
kill -0 "$GATE_PID"
ok $? "SIGTERM while blocked: the gate waits (its answers are held)"
like "$(grep 'waiting up to' "$T/gate.log")" 'the broker blocks us: waiting up to [0-9]+ s' "and says so"
alarm 0.4
start=$SECONDS
wait "$GATE_PID"
is "$?" 0 "unblocked: it sends what it held and exits 0"
[ $((SECONDS - start)) -le 10 ]
ok $? "at once ($((SECONDS - start)) s)"
grep -q 'stopping with .* unanswered\|closing with' "$T/gate.log"
ok $((! $?)) "nothing left unanswered or unsent"
wait_for 10 lines_at_least "$T/rep.b" 3
ok $? "the client has the 3 replies of the requests the gate held"
gate_start
ok $? "the next gate starts"
wait "$CLIENT_PID"
is "$?" 0 "and answers the rest"
like "$(client_said "$T/rep.b")" '^replies 5/5 duplicates 0 republished 0' "none twice"
bad=0
for i in 1 2 3 4 5; do [ "$(sim_count " obj=b$i\\.example")" = 1 ] || bad=$((bad + 1)); done
is "$bad" 0 "each ran once"
kill -TERM "$GATE_PID"; wait "$GATE_PID"

# ---- SIGTERM while blocked past the drain deadline: it leaves; redelivered ---------
# drain deadline: 2 x command timeout + queue wait + 5 s = 2 x 6 + 1 + 5 = 18 s
GATE_SESSIONS=3 GATE_CMD_TIMEOUT=6000 GATE_QUEUE_WAIT=1000 GATE_LOG_FILE=$T/gate3.log \
    gate_config
slow_conf
gate_start || ok 1 "a gate with a short drain starts"
checks "$T/req.c" c 3
durable_client "$T/req.c" "$T/rep.c" --rate 4 --quiet 1000 --deadline 120
sleep 1
alarm 0.000001
wait_for 15 log_at_least 'blocked by the broker' 1 "$T/gate3.log"
ok $? "blocked, requests in the gate"
kill -TERM "$GATE_PID"
start=$SECONDS
wait "$GATE_PID"
rc=$?
took=$((SECONDS - start))
is "$rc" 0 "still blocked at the drain deadline: the gate leaves, exit 0"
[ "$took" -ge 14 ] && [ "$took" -le 30 ]
ok $? "after the drain deadline ($took s)"
like "$(cat "$T/gate3.log")" 'closing with 2 held replies and acks unsent: their requests will be delivered again' \
    "saying what it could not send"
is "$(lines "$T/rep.c")" 0 "no reply reached the client"
alarm 0.4
GATE_SESSIONS=3 GATE_CMD_TIMEOUT=8000 GATE_QUEUE_WAIT=30000 GATE_LOG_FILE=$T/gate3b.log gate_config
slow_conf
gate_start
ok $? "the next gate starts once unblocked"
wait "$CLIENT_PID"
is "$?" 0 "the requests came again and were answered"
# (the first reply, unread in the socket when the gate left, went with its ack)
like "$(client_said "$T/rep.c")" '^replies 3/3 duplicates 0 republished 0' "once each"
bad=0
for i in 1 2 3; do [ "$(code_of "$(reply_for "$T/rep.c" "c-$i")")" = 1000 ] || bad=$((bad + 1)); done
is "$bad" 0 "by the registry (1000)"
kill -TERM "$GATE_PID"; wait "$GATE_PID"

# ---- a user without the permission to declare the queue: 78 -----------------------
_broker_ctl add_user eg-ro ro-password >/dev/null &&
    _broker_ctl set_permissions -p / eg-ro '^$' '.*' '.*' >/dev/null
ok $? "a user that may not configure queues"
GATE_SESSIONS=1 gate_config
sed -i 's|user = "guest"; password = "guest";|user = "eg-ro"; password = "ro-password";|' "$GATE_CONF"
timeout 60 "$EG_BIN/epp-gate" --config "$GATE_CONF" >"$T/ro.out" 2>&1
is "$?" 78 "declaring the queue refused (403): exit 78"
like "$(cat "$T/ro.out")" "error: broker [^ ]+: declaring queue $QUEUE: refused \\(403 ACCESS_REFUSED.*user eg-ro needs configure, write and read permissions on queue $QUEUE in vhost /" \
    "logged at error, naming the permissions it needs"

# ---- a refusal after a while: the password changed, the connection closed ---------
_broker_ctl add_user eg-gate first-password >/dev/null &&
    _broker_ctl set_permissions -p / eg-gate '.*' '.*' '.*' >/dev/null
ok $? "a user of the gate's own"
GATE_SESSIONS=1 GATE_LOG_FILE=$T/gate4.log gate_config
slow_conf
sed -i 's|user = "guest"; password = "guest";|user = "eg-gate"; password = "first-password";|' "$GATE_CONF"
gate_start
ok $? "the gate runs as that user"
_broker_ctl change_password eg-gate second-password >/dev/null
conn=$(_broker_ctl list_connections pid user 2>/dev/null | awk '$2 == "eg-gate" { print $1 }')
_broker_ctl close_connection "$conn" "closed by the test" >/dev/null
ok $? "its password changed and its connection closed"
start=$SECONDS
wait "$GATE_PID"
is "$?" 78 "the gate cannot log in again: exit 78"
like "$(cat "$T/gate4.log")" '320 CONNECTION_FORCED.*reconnecting' "the close itself is retried"
is "$(grep -c 'error: broker [^ ]*: broker login: refused (403 ACCESS_REFUSED' "$T/gate4.log")" 3 \
    "three refusals, each logged at error"
grep -q 'first-password\|second-password' "$T"/gate*.log* "$GATE_OUT"
ok $((! $?)) "no password in the logs"
done_testing
