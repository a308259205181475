#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The health-file mechanism (README.md, "Clients"): on a transport failure a line "<error> at <time>" is
# appended, the client pauses, reconnects, and re-sends once, with the same message_id,
# only a command without side effects. A create is never sent twice.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rpc.sh"

q=$(qname health)
H=$T/health
# The responder takes 12 s over each request: room for rabbitmqctl, which needs one to
# several seconds a call on a loaded machine, to close the client's connection meanwhile.
start_responder resp.log "$q" --delay 12000 --count-file "$T/count"
ok $? "slow responder consumes $q"

# call CMD ARGS [options]: epp-rpc in the background; the broker drops its connection while
# it waits for the reply. Sets rc, out, err and dropped_at (epoch ms of the drop).
call_and_drop() {
	local cmd=$1 args=$2 name=rpc-$$-$RANDOM
	shift 2
	rpc -q "$q" -t 30 --connection-name "$name" "$@" "$cmd" "$args" >"$T/out" 2>"$T/err" &
	local pid=$!
	drop_conn "$name" grep -q "$cmd" "$T/count"; ok $? "the broker closed the client's connection during $cmd"
	wait "$pid"; rc=$?
	out=$(cat "$T/out"); err=$(cat "$T/err")
}

# --- a check is retried once ------------------------------------------------------------
: >"$T/count"
t0=$(now_ms)
call_and_drop domain_check '{"domains": ["a.example"]}' --health-file "$H" --health-wait 0.5
t1=$(now_ms)
is "$rc" 0 "check: answered after the retry, exit 0"
like "$out" '"@code": "1000"' "check: the reply is printed"
is "$(wc -l <"$H")" 1 "check: one line appended to the health file"
like "$(cat "$H")" "^the broker closed the connection: 320 CONNECTION_FORCED - closed by the test at [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [0-9]{4}$" \
    "check: the line is '<error> at <asctime>'"
is "$(grep -c domain_check "$T/count")" 2 "check: executed twice (sent, then re-sent once)"
is "$(cut -d' ' -f1 "$T/count" | sort -u | wc -l)" 1 "check: the re-sent request kept its message_id"
[ $((t1 - dropped_at)) -ge 8000 ]; ok $? "check: paused, then waited for the second reply ($((t1 - dropped_at)) ms after the drop)"

# --- a create is not retried ------------------------------------------------------------
: >"$T/count"; : >"$H"
t0=$(now_ms)
call_and_drop domain_create '{"name": "new.example"}' --health-file "$H" --health-wait 6
t1=$(now_ms)
is "$rc" 75 "create: exit 75"
[ $((t1 - dropped_at)) -lt 5000 ]; ok $? "create: fails at once, no pause for a retry that will not come ($((t1 - dropped_at)) ms after the drop)"
like "$err" "outcome unknown; not sent again: the command has side effects" \
    "create: the error says the outcome is unknown"
is "$(wc -l <"$H")" 1 "create: one line appended to the health file"
sleep 4
is "$(grep -c domain_create "$T/count")" 1 "create: executed once, never blindly a second time"

# --- renew and transfer request are not retried; transfer query is ------------------------
: >"$T/count"; : >"$H"
call_and_drop domain_renew '{"name": "a.example", "cur_exp_date": "2030-01-01", "period": 1}' \
    --health-file "$H" --health-wait 0.2
is "$rc" 75 "renew: exit 75, not retried"
: >"$T/count"
call_and_drop domain_transfer '{"name": "a.example", "op": "query"}' --health-file "$H" \
    --health-wait 0.2
is "$rc" 0 "transfer query: retried, exit 0"
is "$(grep -c domain_transfer "$T/count")" 2 "transfer query: executed twice"

# --- without a health file nothing is re-sent (reference behaviour) ----------------------
: >"$T/count"
call_and_drop domain_info '{"name": "a.example"}'
is "$rc" 75 "no health file: exit 75"
like "$err" "not sent again: no health file is configured" "no health file: says why"
sleep 4
is "$(grep -c domain_info "$T/count")" 1 "no health file: executed once"

# --- RPC_CLIENT_HEALTH_FILE from the environment ------------------------------------------
: >"$T/count"; rm -f "$T/health-env"
name=rpc-env-$$
RPC_CLIENT_HEALTH_FILE=$T/health-env "$EG_BIN/epp-rpc" -H "$AMQP_HOST" -p "$AMQP_PORT" \
    -q "$q" -t 30 --connection-name "$name" --health-wait 0.2 host_info '{"name": "ns1.a.example"}' \
    >"$T/out" 2>"$T/err" &
pid=$!
drop_conn "$name" grep -q host_info "$T/count"
wait "$pid"; is $? 0 "RPC_CLIENT_HEALTH_FILE: retried, exit 0"
is "$(wc -l <"$T/health-env" 2>/dev/null)" 1 "RPC_CLIENT_HEALTH_FILE: line appended"
stop_pid "$RESP_PID"

# --- many requests in flight when the connection drops ------------------------------------
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p" <<<"$2"; }
lines_ge() { [ "$(wc -l <"$2")" -ge "$1" ]; }
q2=$(qname health-pipe)
# 100 requests take 10 s: time enough for rabbitmqctl (one to several seconds a call) to
# close the connection, found beforehand, while most are in flight.
start_responder resp-pipe.log "$q2" --echo --delay 100 --prefetch 200 --count-file "$T/pcount"
drive_and_drop() {
	: >"$T/pcount"; : >"$H"
	# A name of its own: a connection left over from another test must not be the one closed.
	local name=drive-$$-$1
	"$BENCH/eg-rpc-drive" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$q2" -t 20000 -c "$1" -n "$name" \
	    --health-file "$H" --health-wait 200 pipeline 100 >"$T/drive.out" 2>"$T/drive.err" &
	local pid=$!
	drop_conn "$name" lines_ge 20 "$T/pcount"; ok $? "the broker closed the connection with $1 requests in flight"
	wait "$pid"
	out=$(cat "$T/drive.out")
	diag "$1: $out"
}
drive_and_drop domain_check
is "$(field ok "$out")" 100 "pipelined checks: all 100 answered (the unanswered re-sent once)"
is "$(field mismatched "$out")" 0 "pipelined checks: no reply went to the wrong request"
is "$(wc -l <"$H")" 1 "pipelined checks: one health line for the one failure"
sleep 1
dups=$(cut -d' ' -f1 "$T/pcount" | sort | uniq -d | wc -l)
[ "$dups" -gt 0 ]; ok $? "pipelined checks: $dups re-sent with their message_id"
drive_and_drop domain_create
errors=$(field errors "$out")
is "$(( $(field ok "$out") + errors ))" 100 "pipelined creates: each completed once"
[ "$errors" -gt 0 ]; ok $? "pipelined creates: $errors in flight failed (outcome unknown)"
like "$(cat "$T/drive.err")" "outcome unknown; not sent again: the command has side effects" \
    "pipelined creates: the failures say the outcome is unknown"
wait_for 10 lines_ge 100 "$T/pcount"
sleep 0.5
is "$(cut -d' ' -f1 "$T/pcount" | sort | uniq -d | wc -l)" 0 "pipelined creates: none executed twice"
is "$(wc -l <"$T/pcount")" 100 "pipelined creates: executed exactly 100 times"
stop_pid "$RESP_PID"

# --- the broker cannot be reached: line, pause, one more attempt -------------------------
dead=$(free_port)
: >"$H"
t0=$(now_ms)
"$EG_BIN/epp-rpc" --no-env -H 127.0.0.1 -p "$dead" --health-file "$H" --health-wait 0.7 \
    domain_check '{"domains": ["a.example"]}' >/dev/null 2>"$T/err"; rc=$?
t1=$(now_ms)
is "$rc" 69 "unreachable broker with a health file: exit 69"
is "$(wc -l <"$H")" 1 "unreachable broker: one line appended"
like "$(cat "$H")" "^cannot connect to the broker at 127.0.0.1:$dead: .* at " "the line names the failure"
[ $((t1 - t0)) -ge 700 ]; ok $? "paused before the second attempt ($((t1 - t0)) ms)"

done_testing
