#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Pipelining: one thread keeps many requests in flight; replies arrive out of order and
# each is matched to its own request by correlation id.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rpc.sh"

drive() { "$BENCH/eg-rpc-drive" -H "$AMQP_HOST" -p "$AMQP_PORT" "$@"; }
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$2"; }

q=$(qname pipe)
# The responder holds 100 requests, then answers them last first.
start_responder resp-pipe.log "$q" --echo --reverse 100 --count-file "$T/count"
ok $? "reversing responder consumes $q"

out=$(drive -q "$q" -t 20000 pipeline 1000 2>"$T/err"); rc=$?
diag "$out"
is "$rc" 0 "1000 pipelined calls from one thread all succeed"
is "$(field ok "$out")" 1000 "1000 replies, each the echo of its own request"
is "$(field mismatched "$out")" 0 "no reply given to the wrong request"
[ "$(field out_of_order "$out")" -ge 500 ]
ok $? "replies did arrive out of order ($(field out_of_order "$out") of 1000)"
is "$(wc -l <"$T/count")" 1000 "the responder executed each request once"
is "$(cut -d' ' -f1 "$T/count" | sort -u | wc -l)" 1000 "1000 distinct message ids"
is "$(cut -d' ' -f2 "$T/count" | sort -u | wc -l)" 1000 "1000 distinct correlation ids"

out=$(drive -q "$q" -t 20000 pipeline 1000 100 2>"$T/err"); rc=$?
diag "$out"
is "$rc" 0 "1000 calls with at most 100 in flight"
is "$(field mismatched "$out")" 0 "... none mismatched"
stop_pid "$RESP_PID"

# Contexts share nothing: four threads, a context each, pipelining at once.
start_responder resp-threads.log "$q" --echo
out=$(drive -q "$q" -t 20000 -T 4 pipeline 250 2>"$T/err"); rc=$?
while read -r line; do diag "$line"; done <<<"$out"
is "$rc" 0 "4 threads x 250 pipelined calls, one context per thread"
is "$(grep -c 'ok=250 mismatched=0 ' <<<"$out")" 4 "every thread got its own 250 replies"
stop_pid "$RESP_PID"

# Per-request deadlines in a pipeline: nobody consumes, every request times out on its own.
"$BENCH/eg-responder" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$(qname void)" --declare-only
t0=$(now_ms)
out=$(drive -q "$(qname void)" -t 700 pipeline 50 2>"$T/err"); rc=$?
t1=$(now_ms)
diag "$out"
is "$rc" 1 "nothing answers: the driver reports failure"
is "$(field timeouts "$out")" 50 "each of the 50 requests completes with a timeout"
[ $((t1 - t0)) -ge 650 ] && [ $((t1 - t0)) -lt 3000 ]
ok $? "they time out at their deadline ($((t1 - t0)) ms for a 700 ms timeout)"

done_testing
