#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The broker restarts between two calls on one context: the second call notices the dead
# connection before publishing, reconnects and succeeds (nothing is lost or duplicated).
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rpc.sh"

q=$(qname restart)
start_responder resp1.log "$q" --count-file "$T/count"
ok $? "responder consumes $q"

"$BENCH/eg-rpc-drive" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$q" -t 10000 repeat 2 "$T/go" \
    >"$T/drive.out" 2>&1 &
drive=$!
track_pid "$drive"
wait_for 10 grep -q '^call 1:' "$T/drive.out"
is "$(sed -n 1p "$T/drive.out")" "call 1: ok: " "first call on the context succeeds"

broker_restart
ok $? "broker restarted on the same port"
stop_pid "$RESP_PID"     # it lost its connection; the queue (not durable) is gone too
start_responder resp2.log "$q" --count-file "$T/count"
ok $? "responder back, queue declared again"

touch "$T/go"
wait "$drive"; rc=$?
is "$rc" 0 "the context survived the restart"
is "$(sed -n 2p "$T/drive.out")" "call 2: ok: " "second call reconnects and succeeds"
is "$(wc -l <"$T/count")" 2 "each call executed once"

# A context that was never told: epp-rpc after the restart works as usual.
out=$(rpc -q "$q" -t 5 hello); is $? 0 "epp-rpc after the restart"

done_testing
