#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Timeouts: the caller gets exit 75 at its deadline, and the request expires in the broker,
# so a gate that starts later never executes it (the responder's count file proves it).
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rpc.sh"

q=$(qname expire)
# The queue exists (as the gate declares it) but nothing consumes it yet.
"$BENCH/eg-responder" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$q" --declare-only
ok $? "request queue declared, no consumer"

t0=$(now_ms)
rpc -q "$q" -t 1 domain_create '{"name": "late.example"}' >"$T/out" 2>"$T/err"; rc=$?
t1=$(now_ms)
is "$rc" 75 "timeout: exit 75"
like "$(cat "$T/err")" "timeout: no reply to 'domain_create' within 1000 ms" "timeout message"
[ $((t1 - t0)) -ge 950 ] && [ $((t1 - t0)) -lt 2500 ]
ok $? "gave up after the timeout ($((t1 - t0)) ms for 1 s)"
is "$(cat "$T/out")" "" "nothing on stdout"

# The gate comes up only now; the expired request must not reach it.
sleep 0.5
start_responder resp-late.log "$q" --count-file "$T/count"
ok $? "responder started after the client gave up"
out=$(rpc -q "$q" -t 5 hello); is $? 0 "a fresh request is answered"
sleep 1
is "$(cut -d' ' -f3 "$T/count" | tr '\n' ' ')" "hello " \
    "the count file holds only the fresh request: the expired create never ran"
stop_pid "$RESP_PID"

# A slow gate: the client gives up; the reply that comes later is ignored, no harm done.
start_responder resp-slow.log "$q" --delay 1500 --count-file "$T/count2"
rpc -q "$q" -t 0.5 domain_info '{"name": "a.example"}' >/dev/null 2>"$T/err"; rc=$?
is "$rc" 75 "slow gate: timeout, exit 75"
sleep 2
is "$(wc -l <"$T/count2")" 1 "the slow gate executed it once (outcome unknown to the client)"
stop_pid "$RESP_PID"

done_testing
