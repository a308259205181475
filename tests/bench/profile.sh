#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Where the gate spends its CPU under load (for BENCHMARKS.md): starts a private broker,
# epp-sim and epp-gate, drives domain_check through it with eg-load, and reports
#   - the gate's CPU time and context switches per request (eg-load -C),
#   - its system calls per request (strace -c -f, on a separate run: strace slows it),
#   - a CPU profile: perf record with DWARF call graphs when perf works here (shares by
#     library, the hottest functions by self time, and the inclusive share of the gate's
#     own functions), else valgrind --tool=callgrind on a gate under a short load.
#
#   tests/bench/profile.sh [BUILD]      (default build); output also in
#                                       BUILD/bench/profile-S-sessions-W-window.txt
#   PROFILE_SESSIONS=16 PROFILE_WINDOW=16 PROFILE_MODE=check PROFILE_SECONDS=4
set -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
EG_BUILD=$(cd "$top" && cd "${1:-build}" && pwd) || exit 1
export EG_SRCDIR=$top EG_BUILD EG_BIN=$EG_BUILD/bin
S=${PROFILE_SESSIONS:-16}
W=${PROFILE_WINDOW:-16}
MODE=${PROFILE_MODE:-check}
SECS=${PROFILE_SECONDS:-4}
LOAD=$EG_BUILD/bench/eg-load
OUTF=$EG_BUILD/bench/profile-$S-sessions-$W-window.txt

# shellcheck source=tests/lib/tap.sh
. "$top/tests/lib/tap.sh"
# shellcheck source=tests/lib/gate.sh
. "$top/tests/lib/gate.sh"
# shellcheck source=tests/lib/broker.sh
. "$top/tests/lib/broker.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/eg-profile.XXXXXX") || exit 1
chmod 755 "$T"
cleanup() {
	stop_tracked
	broker_stop
	if [ -z "${EG_KEEP_TMP:-}" ]; then rm -rf "$T"; else echo "# scratch kept: $T" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
CERTS=$EG_BUILD/test-certs
"$top/tests/lib/certs.sh" "$CERTS" >/dev/null 2>&1 || exit 1
QUEUE="profile-$$"

exec > >(tee "$OUTF")
echo "profile: $S sessions, $W in flight, mode $MODE; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
broker_start "$T/broker" || { echo "the broker did not start" >&2; exit 1; }
SIM_CERTS=$CERTS sim_start "$T/sim" --account "$SIM_CLID:$SIM_PW" --log /dev/null || exit 1
GATE_SESSIONS=$S GATE_LOG_LEVEL=info gate_config ""
gate_start || exit 1

load() { # load COUNT PREFIX [extra eg-load options]
	local n=$1 p=$2
	shift 2
	timeout 300 "$LOAD" -p "$AMQP_PORT" -q "$QUEUE" -w "$W" -m "$MODE" -n "$n" -P "$p" -j "$@"
}

# Warm-up, and the rate that sizes the other runs.
warm=$(load 2000 warm -C "$GATE_PID")
rps=$(json_get "$warm" rps)
n=$(/usr/bin/python3 -c "print(max(1000, int(float('${rps:-1000}') * $SECS)))")
echo
echo "== CPU and context switches per request ($n requests)"
load "$n" cpu -C "$GATE_PID"

echo
echo "== CPU per request of each process on the path (schedstat of all its threads, one run each)"
# The same load against eg-responder on another queue: the broker floor's budget.
"$EG_BUILD/bench/eg-responder" -p "$AMQP_PORT" -q "$QUEUE-floor" >"$T/responder.out" 2>&1 &
RESP=$!
track_pid "$RESP"
wait_for 10 grep -q ready "$T/responder.out"
BEAM=$(cat "$BROKER_DIR/broker.pid" 2>/dev/null)
cpu_of() { # cpu_of QUEUE PID
	timeout 300 "$LOAD" -p "$AMQP_PORT" -q "$1" -w "$W" -m "$MODE" -n "$n" -P "b$RANDOM" \
	    -C "$2" -j | sed -n 's/.*"rps": \([0-9.]*\).*"sched_us_per_req": \([0-9.]*\).*/\2 us (at \1 req\/s)/p'
}
own_cpu() { # own_cpu QUEUE: eg-load's own user+system time per request
	/usr/bin/time -f "%U %S" -o "$T/time.txt" timeout 300 "$LOAD" -p "$AMQP_PORT" -q "$1" \
	    -w "$W" -m "$MODE" -n "$n" -P "o$RANDOM" >/dev/null
	awk -v n="$n" '{ printf "%.1f us\n", ($1 + $2) * 1e6 / n }' "$T/time.txt"
}
echo "  through the gate:  epp-gate $(cpu_of "$QUEUE" "$GATE_PID")"
echo "                     epp-sim $(cpu_of "$QUEUE" "$SIM_PID")"
[ -n "$BEAM" ] && echo "                     RabbitMQ $(cpu_of "$QUEUE" "$BEAM")"
echo "                     eg-load $(own_cpu "$QUEUE")"
echo "  broker floor:      eg-responder $(cpu_of "$QUEUE-floor" "$RESP")"
[ -n "$BEAM" ] && echo "                     RabbitMQ $(cpu_of "$QUEUE-floor" "$BEAM")"
echo "                     eg-load $(own_cpu "$QUEUE-floor")"

echo
echo "== system calls per request (strace -c -f; 2000 requests, slowed down by strace)"
if command -v strace >/dev/null; then
	timeout 300 strace -f -c -p "$GATE_PID" -o "$T/strace.txt" &
	st=$!
	sleep 1
	load 2000 strace >/dev/null
	kill -INT "$st" 2>/dev/null
	wait "$st" 2>/dev/null
	# columns: % time, seconds, usecs/call, calls, [errors], syscall
	awk '$1 ~ /^[0-9.]+$/ && $NF != "total" {
		printf "  %-16s %8.2f per request\n", $NF, $4 / 2000 }' "$T/strace.txt" | sort -k2 -rn
	awk '$NF == "total" { printf "  %-16s %8.2f per request\n", "all", $4 / 2000 }' "$T/strace.txt"
else
	echo "  (strace not installed)"
fi

echo
if perf record -o "$T/probe.data" -e cpu-clock true >/dev/null 2>&1; then
	echo "== perf record -e cpu-clock --call-graph dwarf, ${SECS} s of load ($n requests)"
	load "$n" perf >"$T/perf-load.json" &
	lp=$!
	sleep 0.5
	perf record -q -e cpu-clock -F 999 --call-graph dwarf,16384 -p "$GATE_PID" \
	    -o "$T/perf.data" -- sleep "$SECS" >/dev/null 2>&1
	wait "$lp"
	echo "  load during the profile: $(cat "$T/perf-load.json")"
	echo
	echo "-- share of the gate's CPU samples by library"
	perf report -i "$T/perf.data" --no-children -g none --sort dso --stdio 2>/dev/null |
	    grep -E '^ +[0-9.]+%' | head -12
	echo
	echo "-- hottest functions, self time"
	perf report -i "$T/perf.data" --no-children -g none --sort dso,sym --stdio 2>/dev/null |
	    grep -E '^ +[0-9.]+%' | head -30
	echo
	echo "-- the gate's own functions, inclusive (children) time"
	perf report -i "$T/perf.data" --children -g none --sort sym --stdio 2>/dev/null |
	    grep -E '^ +[0-9.]+% +[0-9.]+%' |
	    grep -E ' (main|session_main|exec_job|session_exchange|read_document|write_frame|tls_read|tls_write|tls_idle_check|x2j_convert|x2j_to_string|x2j_write_doc|x2j_write_with|acks_out|ack_plan|job_reply_text|epp_request_parse|epp_request_build|on_delivery|finish|collect|pool_submit|pool_collect|sync_state|push_done|wake_collector|broker_service|broker_reply|broker_ack|job_reply_json|metrics_request|eg_logf|session_open|amqp_basic_publish|amqp_basic_ack|amqp_consume_message|SSL_read|SSL_write|xmlReadMemory|xmlCtxtReadMemory|json_object_to_json_string_ext|wait_until|___pthread_cond_broadcast|___pthread_cond_timedwait64|__pthread_mutex_cond_lock|___pthread_mutex_lock|__GI___lll_lock_wait|__GI___lll_lock_wake|malloc|cfree@GLIBC_2.2.5)( \(inlined\))?$' |
	    head -50
	echo "  (columns: inclusive %, self %; shares of all samples in the gate's threads)"
	echo
	echo "-- kernel entry points, inclusive"
	perf report -i "$T/perf.data" --children -g none --sort sym --stdio 2>/dev/null |
	    grep -E '^ +[0-9.]+% +[0-9.]+%' | grep -E '\[k\] (__x64_sys_|do_syscall_64|entry_SYSCALL|asm_)' | head -15
elif command -v valgrind >/dev/null; then
	echo "== valgrind --tool=callgrind on a second gate, 2000 requests"
	kill -TERM "$GATE_PID"
	wait "$GATE_PID" 2>/dev/null
	valgrind --tool=callgrind --callgrind-out-file="$T/callgrind.out" "$EG_BIN/epp-gate" \
	    --config "$GATE_CONF" >"$T/vg.out" 2>&1 &
	GATE_PID=$!
	track_pid "$GATE_PID"
	gate_wait_up "$S" 60 || exit 1
	load 2000 vg >/dev/null
	kill -TERM "$GATE_PID"
	for _ in $(seq 1 100); do kill -0 "$GATE_PID" 2>/dev/null || break; sleep 0.2; done
	callgrind_annotate --inclusive=yes "$T/callgrind.out" 2>/dev/null | head -60
else
	echo "== neither perf nor valgrind is available"
fi
