#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Sessions in parallel: against a registry that answers in 20 ms, 16 sessions serve at
# least 10 times what one session does (ideal: 16x), and prefetch follows the sessions.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
eg_setup scaling
eg_sim_start --latency 20 || { ok 1 "epp-sim starts"; done_testing; exit 1; }
load=$EG_BUILD/bench/eg-load

. "$EG_SRCDIR/tests/lib/broker.sh"
# The most unacknowledged requests the broker has handed the gate on our queue.
max_unacked=0
watch_unacked() {
	local n
	while kill -0 "$1" 2>/dev/null; do
		n=$(_broker_ctl list_queues name messages_unacknowledged 2>/dev/null |
		    awk -v q="$QUEUE" '$1 == q { print $2 }')
		[ -n "$n" ] && [ "$n" -gt "$max_unacked" ] && max_unacked=$n
		sleep 0.2
	done
	echo "$max_unacked"
}

GATE_SESSIONS=1 GATE_LOG_LEVEL=info gate_config
gate_start || { ok 1 "gate with 1 session starts"; done_testing; exit 1; }
"$load" -p "$AMQP_PORT" -q "$QUEUE" -w 16 -n 200 -P one -j >"$T/one.json" &
lp=$!
held=$(watch_unacked "$lp")
wait "$lp"
ok $? "1 session: 200 checks with 16 in flight"
one=$(cat "$T/one.json")
is "$held" 1 "with 16 requests waiting, the gate holds no more than its 1 session (prefetch)"
rps1=$(json_get "$one" rps)
diag "1 session: $one"
kill -TERM "$GATE_PID"; wait "$GATE_PID" 2>/dev/null

GATE_SESSIONS=16 GATE_LOG_LEVEL=info gate_config
gate_start || { ok 1 "gate with 16 sessions starts"; done_testing; exit 1; }
sixteen=$("$load" -p "$AMQP_PORT" -q "$QUEUE" -w 32 -n 960 -P sixteen -j)
ok $? "16 sessions: 960 checks with 32 in flight"
rps16=$(json_get "$sixteen" rps)
diag "16 sessions: $sixteen"
ratio=$(/usr/bin/python3 -c "print(round($rps16 / $rps1, 2))")
/usr/bin/python3 -c "import sys; sys.exit(0 if $rps16 >= 8 * $rps1 else 1)"
ok $? "16 sessions give ${ratio}x the throughput of one (at least 8x: 16 would be perfect; a loaded machine or a sanitizer build takes some)"
/usr/bin/python3 -c "import sys; sys.exit(0 if $rps1 <= 55 else 1)"
ok $? "one session is bound by the registry's 20 ms ($rps1/s)"
is "$(sim_count ' cmd=domain:check .*code=1000')" 1160 "every check reached the registry once"
# Acks: several replies finished together are acked with one basic.ack (multiple), and
# only once every delivery up to that tag is answered (broker.h). gate_status's own
# delivery is answered at once but acked after its reply is written.
st=$(rpc gate_status)
dl=$(json_get "$st" gate.broker.deliveries)
acked=$(json_get "$st" gate.broker.acked)
frames=$(json_get "$st" gate.broker.acks)
multi=$(json_get "$st" gate.broker.acks_multiple)
diag "deliveries $dl, acked $acked in $frames basic.ack frames ($multi with multiple)"
is "$acked" "$((dl - 1))" "every delivery answered before gate_status was acked, none more"
[ -n "$frames" ] && [ "$frames" -lt "$acked" ] && [ "$multi" -gt 0 ]
ok $? "fewer ack frames than deliveries acked ($frames for $acked, $multi with multiple)"
sleep 0.5
is "$(_broker_ctl list_queues name messages_unacknowledged 2>/dev/null |
    awk -v q="$QUEUE" '$1 == q { print $2 }')" 0 "the broker holds no unacked delivery"
done_testing
