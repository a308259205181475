#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The client under valgrind: the unit tests, and epp-rpc / the library through success,
# EPP error, --batch, timeout, pipelining with out-of-order replies, and the health-file
# retry.
# Skipped for sanitizer builds (valgrind and ASan do not mix) or without valgrind.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rpc.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	ok 0 "# SKIP valgrind is not installed"
	done_testing; exit
fi
if objdump -p "$EG_BIN/epp-rpc" 2>/dev/null | grep -q 'NEEDED.*libasan' ||
    nm "$EG_BIN/epp-rpc" 2>/dev/null | grep -q '__asan_init'; then
	ok 0 "# SKIP sanitizer build: valgrind does not run ASan binaries"
	done_testing; exit
fi

# vg NAME CMD...: runs CMD under valgrind; the status is the program's, or 99 for a memory
# error or leak (not 1: epp-rpc uses 1 for an EPP error result).
vg() {
	local name=$1
	shift
	valgrind -q --leak-check=full --error-exitcode=99 --log-file="$T/vg-$name.log" "$@"
}
clean_log() {
	if [ -s "$T/vg-$1.log" ]; then
		diag "$(head -n 30 "$T/vg-$1.log")"
		return 1
	fi
	return 0
}

for t in "$EG_BUILD"/tests/test_rpc_*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	vg "$n" "$t" >"$T/$n.out" 2>&1; rc=$?
	is "$rc" 0 "$n: passes under valgrind"
	clean_log "$n"; ok $? "$n: no memory errors, no leaks"
	grep -q '^not ok' "$T/$n.out" && diag "$(grep '^not ok' "$T/$n.out")"
done

q=$(qname vg)
start_responder resp.log "$q" --echo
vg ok "$EG_BIN/epp-rpc" --no-env -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$q" -t 20 --pretty \
    domain_check '{"domains": ["a.example"]}' >/dev/null 2>&1
is $? 0 "epp-rpc call: exit 0 under valgrind"
clean_log ok; ok $? "epp-rpc call: clean"
stop_pid "$RESP_PID"

# --batch: good lines, a bad one, a blank one, a message id, replies reversed.
start_responder resp-batch.log "$q" --echo --reverse 3
printf '%s\n' '{"cmd": "hello"}' 'nope' '' '{"cmd": "domain_check", "args": {"domains": ["a.example"]}, "message_id": "vg-1"}' \
    '{"cmd": "poll_req"}' '{"cmd": "hello", "args": []}' '{"cmd": "domain_info", "args": {"name": "b.example"}}' |
    vg batch "$EG_BIN/epp-rpc" --no-env -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$q" -t 20 --batch \
    --window 3 >"$T/batch.out" 2>&1
is $? 65 "epp-rpc --batch with bad lines: exit 65 under valgrind"
is "$(wc -l <"$T/batch.out")" 6 "epp-rpc --batch: six answer lines"
clean_log batch; ok $? "epp-rpc --batch: clean"
stop_pid "$RESP_PID"

start_responder resp-2302.log "$q" --reply '{"epp": {"response": {"result": {"@code": "2302", "msg": "Object exists"}}}}'
vg epp "$EG_BIN/epp-rpc" --no-env -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$q" -t 20 \
    domain_create '{"name": "a.example"}' >/dev/null 2>&1
is $? 1 "epp-rpc EPP error: exit 1 under valgrind"
clean_log epp; ok $? "epp-rpc EPP error: clean"
stop_pid "$RESP_PID"

"$BENCH/eg-responder" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$(qname vg-idle)" --declare-only
vg timeout "$EG_BIN/epp-rpc" --no-env -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$(qname vg-idle)" \
    -t 1 hello >/dev/null 2>&1
is $? 75 "epp-rpc timeout: exit 75 under valgrind"
clean_log timeout; ok $? "epp-rpc timeout: clean"

start_responder resp-rev.log "$q" --echo --reverse 64
vg pipe "$BENCH/eg-rpc-drive" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$q" -t 30000 pipeline 300 \
    >"$T/pipe.out" 2>&1
is $? 0 "300 pipelined calls, replies reversed: all ok under valgrind"
clean_log pipe; ok $? "pipelining: clean"
stop_pid "$RESP_PID"

# 8 s a request: room for rabbitmqctl to close the connection while epp-rpc waits.
start_responder resp-slow.log "$q" --delay 8000 --count-file "$T/count"
vg health "$EG_BIN/epp-rpc" --no-env -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$q" -t 30 \
    --connection-name "vg-$$" --health-file "$T/health" --health-wait 0.2 domain_check '{"domains": ["a.example"]}' \
    >/dev/null 2>&1 &
pid=$!
drop_conn "vg-$$" grep -q domain_check "$T/count"; ok $? "connection dropped while epp-rpc waits"
wait "$pid"; is $? 0 "health-file retry: exit 0 under valgrind"
clean_log health; ok $? "health-file retry (reconnect, re-send): clean"

done_testing
