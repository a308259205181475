#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# epp-gate under a checker, serving real traffic: a private broker, epp-sim over TLS with
# faults (dropped connections before and after commands, a garbled response), and the
# gate with two sessions, an alert command and a journal serving a few thousand requests
# (check, info, create, renew, a handful of bad requests, EPP errors, outcome-unknown
# answers, every session dropped at once mid-run, a re-login asked through the health
# file), then stopped with SIGTERM.
#   tests/gate-checked.sh --valgrind BUILD_DIR   memcheck: no memory error, no definite or
#                                                indirect leak (.ci/run: build)
#   tests/gate-checked.sh --tsan BUILD_DIR       a ThreadSanitizer build (make SAN=thread):
#                                                no data race or lock-order report among the
#                                                gate's threads (AMQP loop, sessions, alerts)
# Prints TAP and a last line "N passed, M failed". About two minutes.
set -u
mode=${1:-}
case "$mode" in
--valgrind|--tsan) shift ;;
*) echo "usage: $0 --valgrind|--tsan BUILD_DIR" >&2; exit 64 ;;
esac
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$top" && cd "${1:?usage: $0 --valgrind|--tsan BUILD_DIR}" && pwd)
export EG_SRCDIR=$top EG_BIN=$BUILD/bin EG_BUILD=$BUILD
. "$top/tests/lib/tap.sh"
. "$top/tests/lib/broker.sh"

summary() {
	echo "$((_tap_n - _tap_failed)) passed, $_tap_failed failed"
}
if [ "$mode" = --valgrind ] && ! command -v valgrind >/dev/null; then
	ok 1 "valgrind is installed"
	echo "1..$_tap_n"; summary; exit 1
fi
BDIR=$(mktemp -d "${TMPDIR:-/tmp}/eg-vgbroker.XXXXXX")
if ! broker_start "$BDIR" >/dev/null 2>&1; then
	ok 1 "a private broker starts"
	broker_stop; rm -rf "$BDIR"
	echo "1..$_tap_n"; summary; exit 1
fi
. "$top/tests/lib/gate.sh"
. "$top/tests/lib/faults.sh"
eg_setup valgrind
trap 'stop_tracked; broker_stop; rm -rf "$BDIR"; [ -n "${EG_KEEP_TMP:-}" ] || rm -rf "$T"' EXIT

fault_sim_start || { ok 1 "epp-sim starts"; done_testing; summary; exit 1; }
printf '#!/bin/sh\necho "$EPPGATE_EVENT" >>"%s"\n' "$T/alerts" >"$T/alert.sh"
chmod +x "$T/alert.sh"
GATE_SESSIONS=2 GATE_CMD_TIMEOUT=20000 GATE_LOG_LEVEL=info \
    gate_config "journal: { file = \"$T/journal\"; };
health: { file = \"$T/health\"; watch = true; };
alert: { command = \"$T/alert.sh\"; };"
CHECKLOG=$T/checker.log
GATE_OUT=$T/gate.out
if [ "$mode" = --valgrind ]; then
	checker=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
	    --error-exitcode=99 --show-leak-kinds=definite,indirect --num-callers=30
	    --log-file="$CHECKLOG")
	N=${VG_REQUESTS:-4000}
else
	# Reports go to CHECKLOG.PID; exit status 66 if there was any.
	export TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1 log_path=$CHECKLOG suppressions=$top/tests/tsan.supp"
	checker=()
	N=${VG_REQUESTS:-2000}
fi
"${checker[@]}" "$EG_BIN/epp-gate" --config "$GATE_CONF" >"$GATE_OUT" 2>&1 &
GATE_PID=$!
track_pid "$GATE_PID"
watch_log "$GATE_OUT"
gate_wait_up 2 90
ok $? "epp-gate is up under ${mode#--}"

"$EG_BUILD/bench/eg-load" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$QUEUE" -m mix -n "$N" -w 8 \
    -t 60000 -P vg >"$T/load.out" 2>"$T/load.err" &
load=$!
track_pid "$load"
# A third of the way (past the load's setup of domains), the faults start: every 200th
# check dropped after it ran (re-sent), every 100th create dropped before it ran
# (outcome unknown, then an info query), every 150th info garbled (re-sent); and the
# registry drops every session at once.
third_done() { [ "$(grep -c ' cmd=domain:' "$SIM_CMDLOG")" -ge $((N / 3)) ]; }
wait_for 90 third_done
set_faults "drop-after:200:domain:check" "drop-before:100:domain:create" "garbage:150:domain:info"
sim_drop_all
ok $? "every session dropped by the registry mid-run"
echo "a client failed at $(date)" >>"$T/health"   # the sessions log in again at once
wait "$load"
diag "load: $(cat "$T/load.out") $(head -2 "$T/load.err")"
read -r ok_n errors_n < <(sed -n 's/.* ok \([0-9]*\) epp_errors [0-9]* errors \([0-9]*\) .*/\1 \2/p' "$T/load.out")
[ "${ok_n:-0}" -ge $((N * 9 / 10)) ]; ok $? "most of the $N requests succeeded (${ok_n:-0})"
[ "${errors_n:-$N}" -le $((N / 20)) ]; ok $? "few gate errors, from the faults (${errors_n:-?})"
like "$(grep -c 'fault=' "$SIM_CMDLOG")" '^[1-9][0-9]*$' "the faults fired ($(grep -c 'fault=' "$SIM_CMDLOG") times)"

# Bad requests, EPP errors, and a reply nobody waits for.
ref=$top/tests/lib/refclient.py
mapfile -t out < <(/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" call --timeout 30 \
    'not JSON' '[1]' '{"cmd": "nope"}' '{"cmd": "domain_info", "args": {"name": 5}}' \
    '{"cmd": "domain_check", "args": {"domains": ["a\u0001.example"]}}' \
    '{"cmd": "domain_info", "args": {"name": "no-such-domain.example"}}' \
    '{"cmd": "xml", "args": {"xml": "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello/></epp>"}}' \
    '{"cmd": "gate_status"}')
like "${out[0]}" 'failed reading EPP request' "bad requests are answered with errors"
is "$(code_of "${out[5]}")" 2303 "an EPP error comes back as the registry's reply"
like "${out[7]}" '"gate"' "gate_status"
/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" publish '{"cmd": "hello"}' --reply-to "gone-$$"
wait_for 20 grep -q 'a reply could not be delivered' "$GATE_OUT"
ok $? "a returned reply is logged"

kill -TERM "$GATE_PID"
wait "$GATE_PID"
rc=$?
grep -q 'logging in again' "$GATE_OUT"; ok $? "the health file's line made the sessions log in again"
grep -q 'session_lost' "$T/alerts" 2>/dev/null; ok $? "the alert command ran (session_lost)"
if [ "$mode" = --valgrind ]; then
	is "$rc" 0 "SIGTERM: the gate exits 0 under valgrind (99 would mean errors or leaks)"
	like "$(grep 'ERROR SUMMARY' "$CHECKLOG")" 'ERROR SUMMARY: 0 errors' "valgrind: no memory errors"
	like "$(grep -E 'definitely lost|All heap blocks were freed' "$CHECKLOG" | head -1)" \
	    'definitely lost: 0 bytes|All heap blocks were freed' "valgrind: nothing definitely lost"
	like "$(grep -E 'indirectly lost|All heap blocks were freed' "$CHECKLOG" | head -1)" \
	    'indirectly lost: 0 bytes|All heap blocks were freed' "valgrind: nothing indirectly lost"
	if [ "$rc" -ne 0 ]; then
		grep -E -A 20 'Invalid|uninitialised|definitely lost in|indirectly lost in' "$CHECKLOG" |
		    head -60 | sed 's/^/#   /'
	fi
	watch_log "$CHECKLOG"
else
	is "$rc" 0 "SIGTERM: the gate exits 0 under ThreadSanitizer (66 would mean a report)"
	reports=$(cat "$CHECKLOG".* 2>/dev/null)
	is "$(grep -c 'WARNING: ThreadSanitizer' <<<"$reports")" 0 "ThreadSanitizer: no report"
	[ -n "$reports" ] && head -80 <<<"$reports" | sed 's/^/#   /'
fi
done_testing
r=$?
summary
exit $r
