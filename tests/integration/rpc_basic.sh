#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# epp-rpc against the test responder: synchronous calls, each kind of reply and its exit
# status, foreign correlation ids, request properties as the consumer sees them.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rpc.sh"

ok_reply='{"epp": {"response": {"result": {"@code": "1000", "msg": "Command completed successfully"}}}}'

# --- usage, help, version: no broker needed --------------------------------------------
"$EG_BIN/epp-rpc" >/dev/null 2>&1; is $? 64 "no command: exit 64"
"$EG_BIN/epp-rpc" --frobnicate hello >/dev/null 2>"$T/err"; is $? 64 "unknown option: exit 64"
is "$(cat "$T/err")" "epp-rpc: unknown option --frobnicate (see epp-rpc --help)" \
    "unknown option: one line naming it and pointing at --help"
"$EG_BIN/epp-rpc" hello -q >/dev/null 2>"$T/err"; is $? 64 "missing option argument: exit 64"
is "$(cat "$T/err")" "epp-rpc: option -q needs an argument (see epp-rpc --help)" \
    "missing option argument: one line"
"$EG_BIN/epp-rpc" --message-id "$(printf 'a\tb')" hello >/dev/null 2>"$T/err"
is $? 64 "a message id with a control character: exit 64"
like "$(cat "$T/err")" "bad message id: it must not contain control characters" "... and says why"
"$EG_BIN/epp-rpc" --batch --message-id x >/dev/null 2>&1; is $? 64 "--message-id with --batch: exit 64"
"$EG_BIN/epp-rpc" --window 4 hello >/dev/null 2>&1; is $? 64 "--window without --batch: exit 64"
"$EG_BIN/epp-rpc" -u guest hello >/dev/null 2>"$T/err"; is $? 64 "-u is --url: a user name is a usage error"
like "$(cat "$T/err")" "for a user name use --user" "... that says so"
"$EG_BIN/epp-rpc" -t soon hello >/dev/null 2>"$T/err"; is $? 64 "bad timeout: exit 64"
like "$(cat "$T/err")" "bad timeout 'soon'" "bad timeout is named"
"$EG_BIN/epp-rpc" a b c >/dev/null 2>"$T/err"; is $? 64 "too many arguments: exit 64"
is "$(wc -l <"$T/err")" 1 "a usage error is one line"
out=$("$EG_BIN/epp-rpc" --help); is $? 0 "--help: exit 0"
like "$out" "exit status: 0 EPP 1xxx, 1 EPP 2xxx, 2 gate error" "--help documents exit statuses"
out=$("$EG_BIN/epp-rpc" --version); is $? 0 "--version: exit 0"
like "$out" "^epp-rpc [0-9]+\.[0-9]+\.[0-9]+$" "--version prints NAME VERSION"

q=$(qname basic)
start_responder resp-basic.log "$q" --count-file "$T/count"
ok $? "responder consumes $q"

# --- success ---------------------------------------------------------------------------
t0=$(now_ms)
out=$(rpc -q "$q" -t 5 domain_check '{"domains": ["a.example"]}' 2>"$T/err"); rc=$?
t1=$(now_ms)
is "$rc" 0 "EPP 1000: exit 0"
is "$out" "$ok_reply" "reply JSON printed as received"
is "$(cat "$T/err")" "" "nothing on stderr on success"
read -r msgid corr cmd exp deadline redelivered <"$T/count"
like "$msgid" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' \
    "message_id is a uuid4"
like "$corr" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' \
    "correlation_id is a uuid4"
[ "$msgid" != "$corr" ]; ok $? "message_id and correlation_id differ"
is "$cmd" domain_check "the responder saw the command"
is "$exp" 5000 "expiration is the timeout in ms"
[ "$deadline" -ge $((t0 + 5000)) ] && [ "$deadline" -le $((t1 + 5000)) ]
ok $? "x-deadline is now + timeout in epoch ms ($deadline in [$((t0 + 5000)), $((t1 + 5000))])"
is "$redelivered" 0 "not redelivered"

out=$(rpc -q "$q" --pretty hello)
is $? 0 "--pretty: exit 0"
[ "$(printf '%s\n' "$out" | wc -l)" -gt 3 ]; ok $? "--pretty indents over several lines"
same=$(/usr/bin/python3 -c 'import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print(a==b)' \
    "$out" "$ok_reply")
is "$same" True "--pretty output parses to the same reply"
stop_pid "$RESP_PID"

# --- the request from stdin, args as sent --------------------------------------------
start_responder resp-echo.log "$q" --echo
out=$(echo '{"cmd": "domain_info", "args": {"name": "caf\u00e9.example", "auth_info": "a/b"}}' |
    rpc -q "$q" -)
is $? 0 "request from stdin: exit 0"
got=$(/usr/bin/python3 -c 'import json,sys; e=json.loads(sys.argv[1])["echo"]; print(e["cmd"], e["args"]["name"], e["args"]["auth_info"])' "$out")
is "$got" "domain_info café.example a/b" "the gate receives cmd and args unchanged"
out=$(rpc -q "$q" poll_req)
got=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])["echo"]))' "$out")
is "$got" '{"cmd": "poll_req"}' "no args: the request has no args key (as the reference)"
echo '{"args": {}}' | rpc -q "$q" - >/dev/null 2>"$T/err"; is $? 65 "stdin request without cmd: exit 65"
like "$(cat "$T/err")" 'no "cmd" string' "... and says why"
echo 'not json' | rpc -q "$q" - >/dev/null 2>&1; is $? 65 "stdin not JSON: exit 65"
echo '{"cmd": "hello", "mesage_id": "x"}' | rpc -q "$q" - >/dev/null 2>"$T/err"
is $? 65 "stdin request with an unknown key: exit 65"
like "$(cat "$T/err")" 'unknown key "mesage_id"' "... naming the key"
rpc -q "$q" domain_check '["a"]' >/dev/null 2>"$T/err"; is $? 64 "ARGS-JSON not an object: exit 64"
like "$(cat "$T/err")" "args must be a JSON object" "... and says why"
rpc -q "$q" domain_check '{"domains": ' >/dev/null 2>&1; is $? 64 "ARGS-JSON truncated: exit 64"
stop_pid "$RESP_PID"

# --- EPP error result, gate error, unusable reply --------------------------------------
start_responder resp-2302.log "$q" \
    --reply '{"epp": {"response": {"result": {"@code": "2302", "msg": {"@lang": "en", "#text": "Object exists"}}}}}'
out=$(rpc -q "$q" domain_create '{"name": "taken.example"}' 2>"$T/err"); is $? 1 "EPP 2302: exit 1"
like "$out" '"2302"' "the EPP error reply is printed"
is "$(cat "$T/err")" "epp-rpc: EPP 2302: Object exists" "stderr names code and message"
stop_pid "$RESP_PID"

start_responder resp-gate.log "$q" --reply '{"error": "failed processing EPP command: session lost"}'
out=$(rpc -q "$q" domain_info '{"name": "a.example"}' 2>"$T/err"); is $? 2 "gate error reply: exit 2"
is "$out" '{"error": "failed processing EPP command: session lost"}' "the error reply is printed"
is "$(cat "$T/err")" "epp-rpc: gate error: failed processing EPP command: session lost" \
    "stderr carries the gate's message"
stop_pid "$RESP_PID"

start_responder resp-junk.log "$q" --reply 'Internal Server Error'
out=$(rpc -q "$q" hello 2>"$T/err"); is $? 2 "reply that is not JSON: exit 2"
is "$out" "Internal Server Error" "it is printed as received"
like "$(cat "$T/err")" "reply is not JSON" "stderr says it is not JSON"
stop_pid "$RESP_PID"

# --- foreign correlation ids are ignored -----------------------------------------------
start_responder resp-foreign.log "$q" --foreign
out=$(rpc -q "$q" domain_check '{"domains": ["a.example"]}' 2>"$T/err"); rc=$?
is "$rc" 0 "a reply with a foreign correlation id first: still exit 0"
is "$out" "$ok_reply" "the foreign reply was ignored, the right one printed"
stop_pid "$RESP_PID"
start_responder resp-foreign-echo.log "$q" --foreign --echo
out=$("$BENCH/eg-rpc-drive" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$q" pipeline 200 2>&1)
like "$out" "ok=200 mismatched=0 " "200 pipelined requests, each preceded by a foreign reply"
stop_pid "$RESP_PID"

# --- no queue, no broker, wrong password ----------------------------------------------
t0=$(now_ms)
rpc -q "$(qname absent)" -t 20 domain_create '{"name": "a.example"}' >/dev/null 2>"$T/err"; rc=$?
t1=$(now_ms)
is "$rc" 75 "no such queue (the gate not there yet): exit 75, retry later"
like "$(cat "$T/err")" "no queue named '$(qname absent)' \(is the gate running\?\); it was not executed" \
    "no such queue: says so, and that nothing ran"
[ $((t1 - t0)) -lt 5000 ]; ok $? "no such queue: known at once, not after the timeout ($((t1 - t0)) ms)"

dead=$(free_port)
"$EG_BIN/epp-rpc" --no-env -H 127.0.0.1 -p "$dead" hello >/dev/null 2>"$T/err"; is $? 69 "broker unreachable: exit 69"
like "$(cat "$T/err")" "cannot connect to the broker at 127.0.0.1:$dead" "broker unreachable: says where"
rpc --user guest --password wrong hello >/dev/null 2>"$T/err"; is $? 69 "wrong password: exit 69"
like "$(cat "$T/err")" "ACCESS_REFUSED" "wrong password: the broker's refusal is shown"
[[ "$(cat "$T/err")" != *wrong* ]]; ok $? "the password does not appear in the message"

done_testing
