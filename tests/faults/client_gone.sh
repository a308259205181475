#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The client is gone before its reply: its reply queue never existed, or it was an
# exclusive queue deleted when the client disconnected while the registry was still
# working. The reply comes back to the gate as a basic.return (it publishes replies
# with the mandatory flag) and is logged; the request is executed once and acked (the
# queue holds nothing unacknowledged); the gate keeps serving.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
. "$EG_SRCDIR/tests/lib/broker.sh"
eg_setup gone
# Every response takes a second: time enough for a client to leave first, even on a
# loaded machine.
fault_sim_start --latency 1000 || { ok 1 "epp-sim starts"; done_testing; exit 1; }
GATE_SESSIONS=2 gate_config
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
ref=$EG_SRCDIR/tests/lib/refclient.py
queue_state() { _broker_ctl list_queues name messages messages_unacknowledged 2>/dev/null | awk -v q="$QUEUE" '$1 == q {print $2 "/" $3}'; }
returned() { [ "$(grep -c 'a reply could not be delivered' "$GATE_OUT")" -ge "$1" ]; }

# A reply queue that does not exist.
/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" publish \
    '{"cmd": "domain_check", "args": {"domains": ["noqueue.example"]}}' --reply-to "no-such-queue-$$"
wait_for 10 returned 1
ok $? "reply to a queue that does not exist: returned and logged"
like "$(grep -m1 'a reply could not be delivered' "$GATE_OUT")" 'NO_ROUTE' "the log says why (NO_ROUTE)"
is "$(sim_seen domain:check noqueue.example)" 1 "the request was executed once"

# A client that leaves before its reply: its exclusive reply queue goes with it.
out=$(/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" publish \
    '{"cmd": "domain_check", "args": {"domains": ["left.example"]}}' --wait 0.05)
is "$out" TIMEOUT "the client gave up and disconnected"
wait_for 10 returned 2
ok $? "its reply came back as a basic.return and was logged"
is "$(sim_seen domain:check left.example)" 1 "the request was executed once"

# Twelve clients gone at once (reply queues that no longer exist); then the gate still
# answers the ones that wait.
pids=()
for i in $(seq 1 12); do
	/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" publish \
	    "{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"burst$i.example\"]}}" \
	    --reply-to "gone-$$-$i" >/dev/null &
	pids+=($!)
done
wait "${pids[@]}"
wait_for 30 returned 14
ok $? "twelve replies to departed clients returned and logged"
is "$(grep -c ' cmd=domain:check .*obj=burst' "$SIM_CMDLOG")" 12 "each of the twelve executed once"
queue_empty() { [ "$(queue_state)" = 0/0 ]; }
wait_for 10 queue_empty
is "$(queue_state)" 0/0 "the request queue is empty, nothing unacknowledged"
out=$(rpc domain_check '{"domains": ["still.example"]}')
is "$(code_of "$out")" 1000 "the gate keeps serving"
gate_alive; ok $? "the gate process is still running"
done_testing
