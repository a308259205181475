#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# epp-rpc --message-id: the request's AMQP message_id is the caller's, from the option
# or from the request on stdin, and stays the same when the library re-sends it after
# losing its connection (README.md, "Clients").
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rpc.sh"

q=$(qname msgid)
start_responder resp.log "$q" --count-file "$T/count"
ok $? "responder consumes $q"
msgid_of() { awk -v c="$1" '$3 == c { print $1 }' "$T/count"; }

rpc -q "$q" -t 5 --message-id "order-1/create" domain_create '{"name": "a.example"}' >/dev/null
is $? 0 "--message-id: exit 0"
is "$(msgid_of domain_create)" "order-1/create" "the request's message_id is the option's"

echo '{"cmd": "domain_renew", "args": {"name": "a.example", "cur_exp_date": "2030-01-01"}, "message_id": "order-2"}' |
    rpc -q "$q" -t 5 - >/dev/null
is $? 0 "message_id in the request on stdin: exit 0"
is "$(msgid_of domain_renew)" "order-2" "the request's message_id is the one on stdin"

echo '{"cmd": "domain_delete", "args": {"name": "a.example"}, "message_id": "from-stdin"}' |
    rpc -q "$q" -t 5 --message-id from-option - >/dev/null
is "$(msgid_of domain_delete)" "from-option" "--message-id wins over the one on stdin"

rpc -q "$q" -t 5 hello >/dev/null
like "$(msgid_of hello)" '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' \
    "without it: a fresh uuid4"
echo '{"cmd": "hello", "message_id": 17}' | rpc -q "$q" -t 5 - >/dev/null 2>"$T/err"
is $? 65 "a message_id that is not a string: exit 65"
like "$(cat "$T/err")" '"message_id" must be a string' "... and says so"
stop_pid "$RESP_PID"

# --- re-sent after the connection is lost: the same message_id --------------------------
: >"$T/count"
# The responder takes 8 s: time enough for rabbitmqctl, slow on a loaded machine, to find
# and close the connection while epp-rpc waits.
start_responder resp-slow.log "$q" --delay 8000 --count-file "$T/count"
rpc -q "$q" -t 30 --message-id keep-me --health-file "$T/health" --health-wait 0.2 \
    --connection-name "mid-$$" domain_info '{"name": "a.example"}' >"$T/out" 2>"$T/err" &
pid=$!
drop_conn "mid-$$" grep -q domain_info "$T/count"; ok $? "the broker closed the client's connection while it waited"
wait "$pid"; is $? 0 "info: answered after the retry, exit 0"
is "$(grep -c domain_info "$T/count")" 2 "the request was sent twice"
is "$(cut -d' ' -f1 "$T/count" | sort -u)" keep-me "both times with the caller's message_id"
stop_pid "$RESP_PID"

done_testing
