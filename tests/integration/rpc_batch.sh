#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# epp-rpc --batch against the test responder: JSON lines in, one JSON line out per
# request, in input order and tagged with the line number, whatever order the replies
# come in; the window bounds what is in flight; bad lines are answered with status 65;
# the exit status is the worst line's; a coprocess gets each answer before it writes
# the next line.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rpc.sh"

# jq-like field access on JSON lines: pyfield FILE EXPR, EXPR over each line as l.
pylines() {
	/usr/bin/python3 -c '
import json, sys
for raw in open(sys.argv[1]):
    l = json.loads(raw)
    print(eval(sys.argv[2]))' "$1" "$2"
}

q=$(qname batch)

# --- replies come back in reverse order; the output keeps the input's ---------------------
start_responder resp-rev.log "$q" --echo --reverse 4 --count-file "$T/count"
for i in 1 2 3 4 5 6 7 8; do
	echo "{\"cmd\": \"domain_check\", \"args\": {\"domains\": [\"d$i.example\"]}}"
done >"$T/in"
rpc -q "$q" -t 10 --batch --window 4 <"$T/in" >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 0 "8 checks: exit 0"
is "$(wc -l <"$T/out")" 8 "one output line per input line"
is "$(pylines "$T/out" 'l["line"]' | tr '\n' ' ')" "1 2 3 4 5 6 7 8 " "in input order, tagged with the line number"
is "$(pylines "$T/out" 'l["reply"]["echo"]["args"]["domains"][0]' | tr '\n' ' ')" \
    "d1.example d2.example d3.example d4.example d5.example d6.example d7.example d8.example " \
    "each line carries the reply to its own request"
is "$(pylines "$T/out" 'l["status"]' | sort -u)" 0 "every line's status is 0"
is "$(pylines "$T/out" '"error" in l or "message_id" in l' | sort -u)" False \
    "no error and no message_id on lines that gave none"
is "$(cut -d' ' -f3 "$T/count" | sort -u)" domain_check "the responder saw the 8 checks"
first4=$(head -4 "$T/count" | cut -d' ' -f1 | sort -u | wc -l)
is "$first4" 4 "each request has a message_id of its own"
is "$(cat "$T/err")" "" "nothing on stderr"
stop_pid "$RESP_PID"

# --- the window: request k+2 leaves only when the reply to request k is in --------------
# The responder answers one request at a time, 600 ms each. The count file has each
# request's x-deadline, its publication time + 10 s.
: >"$T/count"
start_responder resp-win.log "$q" --delay 600 --count-file "$T/count"
printf '{"cmd": "hello"}\n{"cmd": "hello"}\n{"cmd": "hello"}\n{"cmd": "hello"}\n' |
    rpc -q "$q" -t 10 --batch --window 2 >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 0 "window 2, four requests: exit 0"
mapfile -t sent < <(awk '{ printf "%.0f\n", $5 - 10000 }' "$T/count")
is "${#sent[@]}" 4 "the responder saw four requests"
[ $((sent[1] - sent[0])) -lt 600 ]; ok $? "the second left before the first was answered ($((sent[1] - sent[0])) ms)"
[ $((sent[2] - sent[0])) -ge 590 ]; ok $? "the third waited for the first answer ($((sent[2] - sent[0])) ms)"
[ $((sent[3] - sent[1])) -ge 590 ]; ok $? "the fourth waited for the second answer ($((sent[3] - sent[1])) ms)"
stop_pid "$RESP_PID"

# --- bad lines, blank lines, message ids ----------------------------------------------------
: >"$T/count"
start_responder resp-mixed.log "$q" --echo --count-file "$T/count"
cat >"$T/in" <<'EOF'
{"cmd": "hello"}

not json
{"cmd": "domain_info", "args": {"name": "a.example"}, "message_id": "order-17/info"}
{"cmd": "hello", "mesage_id": "typo"}
["a list"]
{"args": {}}
{"cmd": "domain_check", "args": ["x"]}
{"cmd": "hello", "message_id": ""}
   
{"cmd": "poll_req"}
EOF
rpc -q "$q" -t 10 --batch <"$T/in" >"$T/out" 2>"$T/err"; rc=$?
is "$rc" 65 "bad lines among good ones: exit 65"
is "$(pylines "$T/out" '"%d:%d" % (l["line"], l["status"])' | tr '\n' ' ')" \
    "1:0 3:65 4:0 5:65 6:65 7:65 8:65 9:65 11:0 " \
    "blank lines are skipped but counted; each bad line gets 65"
like "$(sed -n 2p "$T/out")" '"error":"not JSON' "not JSON: says so"
like "$(sed -n 4p "$T/out")" 'unknown key \\"mesage_id\\"' "a misspelt key is refused, not ignored"
like "$(sed -n 6p "$T/out")" 'no \\"cmd\\" string' "no cmd: says so"
like "$(sed -n 7p "$T/out")" '\\"args\\" must be an object' "args not an object: says so"
like "$(sed -n 8p "$T/out")" '\\"message_id\\" must be 1-255 bytes' "empty message_id: says so"
is "$(pylines "$T/out" 'l.get("message_id", "-")' | sed -n 3p)" "order-17/info" \
    "the line's message_id is in its output line"
is "$(awk '$3 == "domain_info" { print $1 }' "$T/count")" "order-17/info" \
    "and it is the request's AMQP message_id"
is "$(wc -l <"$T/count")" 3 "only the three good lines were sent"
stop_pid "$RESP_PID"

# --- answers of each kind, and the worst of them ----------------------------------------------
start_responder resp-2302.log "$q" \
    --reply '{"epp": {"response": {"result": {"@code": "2302", "msg": "Object exists"}}}}'
printf '{"cmd": "domain_create", "args": {"name": "a.example"}}\n' |
    rpc -q "$q" -t 10 --batch >"$T/out" 2>/dev/null; rc=$?
is "$rc" 1 "an EPP error result: exit 1"
like "$(cat "$T/out")" '"status":1,.*"reply":\{"epp".*"error":"Object exists"' \
    "the line has the reply and the EPP message"
printf '{"cmd": "hello"}\nnope\n' | rpc -q "$q" -t 10 --batch >/dev/null 2>&1
is $? 65 "EPP error (1) and a bad line (65): exit 65"
stop_pid "$RESP_PID"

start_responder resp-junk.log "$q" --reply 'Internal Server Error'
printf '{"cmd": "hello"}\n' | rpc -q "$q" -t 10 --batch >"$T/out" 2>/dev/null; rc=$?
is "$rc" 2 "a reply that is not JSON: exit 2"
like "$(cat "$T/out")" '"status":2,.*"reply":"Internal Server Error"' \
    "the reply is given as a string"
stop_pid "$RESP_PID"

idle=$(qname idle)
"$BENCH/eg-responder" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$idle" --declare-only
printf '{"cmd": "hello"}\nnope\n' | rpc -q "$idle" -t 0.5 --batch >/dev/null 2>&1
is $? 65 "a timeout (75) and a bad line (65): exit 65"
printf '{"cmd": "hello"}\n' | rpc -q "$idle" -t 0.5 --batch >/dev/null 2>&1
is $? 75 "a timeout alone: exit 75"

# --- before any line: no broker, bad configuration, nothing to do ---------------------------
dead=$(free_port)
printf '{"cmd": "hello"}\n' | "$EG_BIN/epp-rpc" --no-env -H 127.0.0.1 -p "$dead" --batch \
    >"$T/out" 2>"$T/err"
is $? 69 "no broker: exit 69"
is "$(wc -c <"$T/out")" 0 "... and no output: nothing was sent"
printf '{"cmd": "hello"}\n' | "$EG_BIN/epp-rpc" --no-env -c "$T/absent.json" --batch >/dev/null 2>&1
is $? 78 "a configuration that cannot be read: exit 78"
out=$(rpc -q "$q" --batch </dev/null); rc=$?
is "$rc" 0 "no input: exit 0"
is "$out" "" "... and no output"

# --- a coprocess writes a line and reads its answer before writing the next -------------------
start_responder resp-co.log "$q" --echo
coproc RPC { rpc -q "$q" -t 10 --batch 2>"$T/co.err"; }
echo '{"cmd": "domain_check", "args": {"domains": ["first.example"]}}' >&"${RPC[1]}"
IFS= read -r -t 10 first <&"${RPC[0]}"
like "$first" '"line":1,.*first.example' "the first answer arrives while stdin stays open"
echo '{"cmd": "domain_check", "args": {"domains": ["second.example"]}}' >&"${RPC[1]}"
IFS= read -r -t 10 second <&"${RPC[0]}"
like "$second" '"line":2,.*second.example' "then the second"
exec {RPC[1]}>&-
wait "$RPC_PID"; is $? 0 "end of input: exit 0"
stop_pid "$RESP_PID"

# --- a line too long to be a request ---------------------------------------------------------
start_responder resp-long.log "$q"
{ head -c $((17 << 20)) /dev/zero | tr '\0' 'a'; echo; echo '{"cmd": "hello"}'; } |
    rpc -q "$q" -t 10 --batch >"$T/out" 2>/dev/null; rc=$?
is "$rc" 65 "a 17 MiB line: exit 65"
is "$(pylines "$T/out" '"%d:%d" % (l["line"], l["status"])' | tr '\n' ' ')" "1:65 2:0 " \
    "it is refused as line 1, and line 2 is still served"
stop_pid "$RESP_PID"

done_testing
