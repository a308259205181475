#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Waiting costs no CPU: the client blocks in the socket until its deadline instead of
# polling. The responder takes 3 s to answer; epp-rpc's user+system time over the whole
# call (start, connect, wait, print) must stay near zero.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rpc.sh"

q=$(qname cpu)
start_responder resp.log "$q" --delay 3000
ok $? "responder answers after 3 s"

TIMEFORMAT='%R %U %S'
{ time rpc -q "$q" -t 10 domain_check '{"domains": ["a.example"]}' >"$T/out" 2>"$T/err"; } \
    2>"$T/time"
read -r real user sys <"$T/time"
like "$(cat "$T/out")" '"1000"' "the slow reply arrived"
cpu_ms=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 + 0.5 }')
real_ms=$(awk -v r="$real" 'BEGIN { printf "%d", r * 1000 + 0.5 }')
diag "epp-rpc waited ${real_ms} ms for the reply and used ${cpu_ms} ms of CPU (user $user s, system $sys s)"
[ "$real_ms" -ge 2900 ]; ok $? "the call lasted the responder's 3 s ($real_ms ms)"
# A polling client would burn the better part of 3000 ms; one that blocks, a few per cent
# (a sanitizer build on a loaded machine included).
[ $((cpu_ms * 10)) -le "$real_ms" ]; ok $? "CPU used while waiting 3 s: $cpu_ms ms (at most a tenth)"

# The same for the library's pipelined wait: 20 requests, each answered after 150 ms.
stop_pid "$RESP_PID"
start_responder resp2.log "$q" --delay 150 --echo
{ time "$BENCH/eg-rpc-drive" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$q" -t 10000 pipeline 20 \
    >"$T/out" 2>&1; } 2>"$T/time"
read -r real user sys <"$T/time"
cpu_ms=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 + 0.5 }')
real_ms=$(awk -v r="$real" 'BEGIN { printf "%d", r * 1000 + 0.5 }')
diag "pipelined: $(cat "$T/out")"
diag "pipelined: ${real_ms} ms elapsed, ${cpu_ms} ms of CPU"
like "$(cat "$T/out")" "ok=20 " "20 slow pipelined replies collected"
# A client that spun while waiting would use about as much CPU as time; one that blocks, a few per cent.
[ $((cpu_ms * 10)) -le "$real_ms" ]; ok $? "collect blocks too: $cpu_ms ms CPU over $real_ms ms (at most a tenth)"

done_testing
