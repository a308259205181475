#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Heartbeats: serviced while the client waits (a wait longer than the heartbeat keeps the
# connection); an idle context is dropped by the broker and the next call reconnects;
# egrpc_service() keeps an idle context's connection alive.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rpc.sh"

q=$(qname hb)
start_responder resp-slow.log "$q" --delay 4000
out=$(rpc -q "$q" --heartbeat 1 -t 10 hello 2>"$T/err"); rc=$?
is "$rc" 0 "a 4 s wait with a 1 s heartbeat: the connection stays up"
stop_pid "$RESP_PID"

start_responder resp.log "$q" --count-file "$T/count"
drive() { "$BENCH/eg-rpc-drive" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$q" -b 1 "$@"; }

drive repeat 2 "$T/go" >"$T/idle.out" 2>&1 &
pid=$!
track_pid "$pid"
wait_for 10 grep -q '^call 1: ok' "$T/idle.out"; ok $? "first call"
sleep 5
is "$(conn_pid eg-rpc-drive)" "" "idle for 5 s with a 1 s heartbeat: the broker dropped it"
touch "$T/go"
wait "$pid"; is $? 0 "the next call on that context succeeds"
is "$(sed -n 2p "$T/idle.out")" "call 2: ok: " "... it reconnected before publishing"
is "$(wc -l <"$T/count")" 2 "each call executed once"

drive --service 300 repeat 2 "$T/go" >"$T/svc.out" 2>&1 &
pid=$!
track_pid "$pid"
wait_for 10 grep -q '^call 1: ok' "$T/svc.out"; ok $? "first call"
sleep 5
[ -n "$(conn_pid eg-rpc-drive)" ]; ok $? "idle but calling egrpc_service(): the connection is kept"
touch "$T/go"
wait "$pid"; is $? 0 "the next call succeeds"

done_testing
