#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The gate on a quorum queue: it consumes (per-consumer prefetch), its consumer's prefetch
# follows the sessions up, down and up again, without churn. It announces its name and
# capabilities. The queue deleted under it: the requests it held are answered, those in
# the queue are gone with it, and it declares the queue again and serves. Permanent
# refusals (a queue declared with other arguments, a wrong password, a missing vhost):
# logged at error with the fix, then exit status 78; a host that is only down keeps the
# gate trying. Nothing here changes the broker's own settings.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/broker.sh"
eg_setup gbroker
eg_sim_start --latency 100 || { ok 1 "epp-sim starts"; done_testing; exit 1; }
load=$EG_BUILD/bench/eg-load

# The prefetch of every consumer on our queue, comma-separated ("" when none).
prefetch_of() {
	_broker_ctl list_consumers queue_name prefetch_count 2>/dev/null |
	    awk -v q="$1" '$1 == q { print $2 }' | paste -sd, -
}
# wait_prefetch QUEUE N SECS: until the queue has one consumer, with prefetch N.
wait_prefetch() {
	local end=$((SECONDS + $3))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(prefetch_of "$1")" = "$2" ] && return 0
		sleep 0.3
	done
	diag "prefetch of $1: '$(prefetch_of "$1")', wanted $2"
	return 1
}
queue_field() {
	_broker_ctl list_queues name "$2" 2>/dev/null | awk -v q="$1" '$1 == q { print $2 }'
}
cleanup_queue() { _broker_ctl delete_queue "$1" >/dev/null 2>&1; }
# within SECS CMD...: CMD succeeds within SECS seconds (by the clock: each rabbitmqctl
# run takes a second or more, so wait_for's count of tries would stretch).
within() {
	local end=$((SECONDS + $1))
	shift
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

# ---- a quorum queue ----------------------------------------------------------
GATE_SESSIONS=3 GATE_CMD_TIMEOUT=20000 GATE_QUEUE_OPTS='quorum = true;' gate_config
# (the registry answers slowly later on, its greeting too)
sed -i 's|connect_timeout_ms = 5000;|connect_timeout_ms = 15000;|' "$GATE_CONF"
gate_start || { ok 1 "a gate on a quorum queue comes up"; done_testing; exit 1; }
ok 0 "a gate on a quorum queue consumes (it answered gate_status)"
is "$(queue_field "$QUEUE" type)" quorum "the request queue is a quorum queue"
out=$(rpc domain_check '{"domains": ["quorum.example"]}')
is "$(json_get "$out" epp.response.result.@code)" 1000 "and the gate serves requests from it"
wait_prefetch "$QUEUE" 3 15
ok $? "its consumer's prefetch is the 3 sessions up"
props=$(_broker_ctl list_connections client_properties 2>/dev/null | grep "epp-gate [^ ]* $GATE_PID")
like "$props" '"connection_name","epp-gate [^ ]+ [0-9]+"' "the connection is named epp-gate HOST PID"
like "$props" '\{"consumer_cancel_notify",true\}' "it announces consumer_cancel_notify"
like "$props" '\{"connection.blocked",true\}' "and connection.blocked"
like "$props" '\{"authentication_failure_close",true\}' "and still what rabbitmq-c announces"

# 12 requests in flight, 3 sessions: the broker hands the gate no more than 3 at a time
# (for 12 s: a quorum queue's figures in rabbitmqctl come a little late).
max_unacked=0
watch_unacked() {
	local n
	while kill -0 "$1" 2>/dev/null; do
		n=$(queue_field "$QUEUE" messages_unacknowledged)
		[ -n "$n" ] && [ "$n" -gt "$max_unacked" ] && max_unacked=$n
		sleep 0.2
	done
	echo "$max_unacked"
}
"$load" -p "$AMQP_PORT" -q "$QUEUE" -w 12 -n 360 -P quorum -j >"$T/load.json" &
lp=$!
held=$(watch_unacked "$lp")
wait "$lp"
ok $? "360 checks with 12 in flight through the quorum queue"
[ "$held" -ge 1 ] && [ "$held" -le 3 ]
ok $? "the gate held at most 3 at a time ($held)"

# Sessions down: the registry goes away; the sessions find out on their next command.
reconsumed() { grep -c 'consuming again with prefetch' "$GATE_OUT"; }
before=$(reconsumed)
sim_stop
pids=()
for i in 1 2 3 4; do
	rpc -t 3 domain_check "{\"domains\": [\"down$i.example\"]}" >/dev/null 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
wait_prefetch "$QUEUE" 1 20
ok $? "registry gone, no session up: prefetch 1"
eg_sim_start --listen "127.0.0.1:$SIM_PORT" --latency 8000 ||
    { ok 1 "epp-sim back on its port"; done_testing; exit 1; }
gate_wait_up 3 60
ok $? "the sessions come back"
wait_prefetch "$QUEUE" 3 15
ok $? "and the prefetch follows: 3"
n=$(($(reconsumed) - before))
[ "$n" -ge 2 ] && [ "$n" -le 5 ]
ok $? "down and up again took $n new consumers (at most one a second)"
grep -qi 'global qos\|NOT_IMPLEMENTED' "$GATE_OUT"
ok $((! $?)) "no per-channel prefetch refused by the quorum queue"

# ---- the queue deleted while the gate holds requests ---------------------------
# The registry answers in 8 s: 3 requests held by the gate, then 2 more published (and
# confirmed) that wait in the queue, replies to a queue of the test's own.
for i in 1 2 3; do
	rpc -t 40 domain_check "{\"domains\": [\"held$i.example\"]}" >"$T/held$i" 2>&1 &
	echo $! >>"$T/held.pids"
done
sleep 1
cat >"$T/publish2.py" <<'PY'
import sys, pika
c = pika.BlockingConnection(pika.ConnectionParameters(host="127.0.0.1", port=int(sys.argv[1]),
    credentials=pika.PlainCredentials("guest", "guest")))
ch = c.channel()
ch.confirm_delivery()
ch.queue_declare(queue=sys.argv[3])
for i in (1, 2):
    body = '{"cmd": "domain_check", "args": {"domains": ["queued%d.example"]}}' % i
    ch.basic_publish(exchange="", routing_key=sys.argv[2], mandatory=True, body=body.encode(),
                     properties=pika.BasicProperties(reply_to=sys.argv[3],
                                                     correlation_id="q%d" % i))
c.close()
PY
/usr/bin/python3 "$T/publish2.py" "$AMQP_PORT" "$QUEUE" "$QUEUE-r"
ok $? "2 more requests published to the queue (confirmed) while the gate holds 3"
_broker_ctl delete_queue "$QUEUE" >/dev/null
ok $? "rabbitmqctl delete_queue while the gate consumes"
bad=0
while read -r pid; do wait "$pid" || bad=$((bad + 1)); done <"$T/held.pids"
for i in 1 2 3; do
	[ "$(json_get "$(cat "$T/held$i")" epp.response.result.@code)" = 1000 ] || bad=$((bad + 1))
done
is "$bad" 0 "the 3 requests the gate held are answered"
is "$(sim_count 'queued[12].example')" 0 "the 2 that were in the deleted queue are gone with it"
is "$(sim_count 'held[123].example')" 3 "each held request ran once"
grep -q 'cancelled our consumer on queue' "$GATE_OUT"
ok $? "the gate logged the broker's basic.cancel"
wait_for 10 grep -q "queue $QUEUE declared again" "$GATE_OUT"
ok $? "and declared the queue again"
is "$(queue_field "$QUEUE" type)" quorum "a quorum queue again"
out=$(rpc -t 40 domain_check '{"domains": ["after-delete.example"]}')
is "$(json_get "$out" epp.response.result.@code)" 1000 "the gate serves again"
st=$(rpc gate_status)
is "$(json_get "$st" gate.counters.broker_consumer_cancels)" 1 "gate_status counts the cancel"
is "$(json_get "$st" gate.broker.prefetch)" 3 "and shows the prefetch"
is "$(json_get "$st" gate.broker.blocked)" False "not blocked"
kill -0 "$GATE_PID"
ok $? "the gate kept running"
is "$(queue_field "$QUEUE-r" messages)" 0 "and no reply came for them"
kill -TERM "$GATE_PID"; wait "$GATE_PID"
is "$?" 0 "SIGTERM: exit 0"
cleanup_queue "$QUEUE"
cleanup_queue "$QUEUE-r"

# ---- permanent refusals: exit status 78 -------------------------------------------
# run_refused NAME: runs the gate with $GATE_CONF in the foreground (bounded); $rc, $T/NAME.out
run_refused() {
	timeout 60 "$EG_BIN/epp-gate" --config "$GATE_CONF" >"$T/$1.out" 2>&1
	rc=$?
}
# A queue that exists durable; the gate declares it not durable (the default).
pre=$QUEUE-pre
/usr/bin/python3 -c '
import sys, pika
c = pika.BlockingConnection(pika.ConnectionParameters(host="127.0.0.1", port=int(sys.argv[1]),
    credentials=pika.PlainCredentials("guest", "guest")))
c.channel().queue_declare(queue=sys.argv[2], durable=True)
c.close()' "$AMQP_PORT" "$pre"
ok $? "a queue declared durable by someone else"
GATE_SESSIONS=1 gate_config
sed -i "s|name = \"$QUEUE\";|name = \"$pre\";|" "$GATE_CONF"
run_refused args
is "$rc" 78 "a queue with other arguments: exit status 78 (EX_CONFIG)"
o=$(cat "$T/args.out")
like "$o" "error: broker [^ ]+: declaring queue $pre: queue $pre exists with other arguments \(406 PRECONDITION_FAILED - inequivalent arg 'durable'" \
    "logged at error: the broker's words"
like "$o" "delete the queue \(rabbitmqctl delete_queue -p / $pre; .*\) or set broker.queue.durable/quorum to match it" \
    "and the fix"
is "$(grep -c 'exists with other arguments' "$T/args.out")" 3 "once per attempt, 3 attempts"
like "$o" 'refused by every configured host 3 times in a row \(queue_arguments\).*status 78' "the last line says why it exits"
GATE_SESSIONS=1 GATE_QUEUE_OPTS='quorum = true;' gate_config
sed -i "s|name = \"$QUEUE\";|name = \"$pre\";|" "$GATE_CONF"
run_refused quorum
is "$rc" 78 "quorum = true on a classic queue: 78"
like "$(cat "$T/quorum.out")" "inequivalent arg 'x-queue-type'.*declares a quorum queue \(broker.queue.quorum = true\)" \
    "naming what the gate declares"
is "$(queue_field "$pre" durable)" true "the existing queue is left alone"
cleanup_queue "$pre"

GATE_SESSIONS=1 gate_config
sed -i 's|password = "guest";|password = "not-the-password";|' "$GATE_CONF"
run_refused pw
is "$rc" 78 "a wrong password: 78"
like "$(cat "$T/pw.out")" 'error: broker [^ ]+: broker login: refused \(403 ACCESS_REFUSED.*check broker.user \(guest\) and broker.password' \
    "logged at error with what to check"
grep -q 'not-the-password' "$T/pw.out"
ok $((! $?)) "the password is not logged"

GATE_SESSIONS=1 gate_config
sed -i 's|user = "guest";|user = "guest"; vhost = "eg-no-such-vhost";|' "$GATE_CONF"
run_refused vhost
is "$rc" 78 "a vhost that does not exist: 78"
like "$(cat "$T/vhost.out")" 'vhost eg-no-such-vhost does not exist \(530 NOT_ALLOWED.*rabbitmqctl add_vhost eg-no-such-vhost' \
    "logged with the fix"

# A host that is only down is no refusal: with it in the list the gate keeps trying.
dead=$(free_port)
GATE_SESSIONS=1 gate_config "metrics: { file = \"$T/metrics.prom\"; interval = 1; };"
sed -i -e 's|password = "guest";|password = "not-the-password";|' \
    -e "s|hosts = \[ \"$AMQP_HOST:$AMQP_PORT\" \]|hosts = [ \"127.0.0.1:$dead\", \"$AMQP_HOST:$AMQP_PORT\" ]|" "$GATE_CONF"
"$EG_BIN/epp-gate" --config "$GATE_CONF" >"$T/mixed.out" 2>&1 &
mp=$!
track_pid "$mp"
refused_4() { [ "$(grep -c 'broker login: refused' "$T/mixed.out")" -ge 4 ]; }
wait_for 20 refused_4
ok $? "one host down, one refusing: refused again and again"
kill -0 "$mp"
ok $? "and still running: a host that is down may come back"
wait_for 5 grep -q 'eppgate_broker_refusals_total{reason="access"} [1-9]' "$T/metrics.prom"
ok $? "the metrics count the refusals by reason"
like "$(cat "$T/metrics.prom")" 'eppgate_broker_refusals_total\{reason="queue_arguments"\} 0' \
    "every reason is written, at 0 too"
kill -TERM "$mp"; wait "$mp"
is "$?" 0 "SIGTERM: exit 0"
done_testing
