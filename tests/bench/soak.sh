#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make soak: a bounded soak test. Steady mixed load (eg-load -m mix, in batches) through
# the gate to epp-sim via a private RabbitMQ broker on loopback, with every session dropped
# by epp-sim (SIGUSR2) once a minute; the gate's RSS, open file descriptors and threads
# are sampled every 10 s into BUILD/bench/soak.csv. Verdict: the gate survives, answers,
# recovers its sessions, and neither RSS nor descriptors grow (the last third's maximum
# stays within a small slack of the first third's). Prints TAP and "N passed, M failed".
#
#   tests/bench/soak.sh [BUILD]      (default build)
#
#   SOAK_SECONDS=600     how long the load runs
#   SOAK_SESSIONS=4      the gate's sessions;  SOAK_WINDOW=8  requests in flight
#   SOAK_DROP_EVERY=60   seconds between session drops (0: none)
#   SOAK_SAMPLE=10       seconds between samples
#   SOAK_RSS_SLACK_KB=512  SOAK_FD_SLACK=2   what "flat" allows
set -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
EG_BUILD=$(cd "$top" && cd "${1:-build}" && pwd) || exit 1
export EG_SRCDIR=$top EG_BUILD EG_BIN=$EG_BUILD/bin
SECONDS_TOTAL=${SOAK_SECONDS:-600}
SESSIONS=${SOAK_SESSIONS:-4}
WINDOW=${SOAK_WINDOW:-8}
DROP_EVERY=${SOAK_DROP_EVERY:-60}
SAMPLE=${SOAK_SAMPLE:-10}
RSS_SLACK=${SOAK_RSS_SLACK_KB:-512}
FD_SLACK=${SOAK_FD_SLACK:-2}
CSV=${SOAK_CSV:-$EG_BUILD/bench/soak.csv}
LOAD=$EG_BUILD/bench/eg-load

# shellcheck source=tests/lib/tap.sh
. "$top/tests/lib/tap.sh"
# shellcheck source=tests/lib/gate.sh
. "$top/tests/lib/gate.sh"
# shellcheck source=tests/lib/broker.sh
. "$top/tests/lib/broker.sh"

summary() {
	echo "$((_tap_n - _tap_failed)) passed, $_tap_failed failed"
}

T=$(mktemp -d "${TMPDIR:-/tmp}/eg-soak.XXXXXX") || exit 1
chmod 755 "$T"    # the broker runs as the rabbitmq user, below this directory
cleanup() {
	stop_tracked
	broker_stop
	if [ -z "${EG_KEEP_TMP:-}" ]; then rm -rf "$T"; else echo "# scratch kept: $T"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CERTS=$EG_BUILD/test-certs
"$top/tests/lib/certs.sh" "$CERTS" >/dev/null 2>&1 || { echo "Bail out! cannot make certificates"; exit 1; }
QUEUE="soak-$$"
diag "soak: ${SECONDS_TOTAL} s, $SESSIONS sessions, $WINDOW in flight, a drop every ${DROP_EVERY} s," \
    "samples every ${SAMPLE} s; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
broker_start "$T/broker" || { echo "Bail out! the broker did not start"; exit 1; }
SIM_CERTS=$CERTS sim_start "$T/sim" --account "$SIM_CLID:$SIM_PW" --log /dev/null ||
    { echo "Bail out! epp-sim did not start"; exit 1; }
GATE_SESSIONS=$SESSIONS GATE_LOG_LEVEL=info gate_config ""
gate_start || { echo "Bail out! epp-gate did not start"; exit 1; }
ok 0 "gate up with $SESSIONS sessions"

# rss_kb hwm_kb fds threads cpu_ticks of the gate
probe() {
	local rss hwm thr ticks fds
	rss=$(awk '/^VmRSS:/{print $2}' "/proc/$GATE_PID/status" 2>/dev/null)
	hwm=$(awk '/^VmHWM:/{print $2}' "/proc/$GATE_PID/status" 2>/dev/null)
	thr=$(awk '/^Threads:/{print $2}' "/proc/$GATE_PID/status" 2>/dev/null)
	ticks=$(sed 's/.*) //' "/proc/$GATE_PID/stat" 2>/dev/null | awk '{print $12 + $13}')
	fds=$(ls "/proc/$GATE_PID/fd" 2>/dev/null | wc -l)
	echo "${rss:-0} ${hwm:-0} $fds ${thr:-0} ${ticks:-0}"
}

# The load: batches of eg-load until the end; each batch's figures as one JSON line.
start=$(date +%s)
end=$((start + SECONDS_TOTAL))
(
	n=0
	while [ "$(date +%s)" -lt "$end" ]; do
		n=$((n + 1))
		out=$(timeout 300 "$LOAD" -p "$AMQP_PORT" -q "$QUEUE" -m mix -w "$WINDOW" -n 2000 \
		    -P "k$n" -t 20000 -j 2>>"$T/load.err")
		case $out in
		"{"*) echo "$out" >>"$T/batches.jsonl" ;;
		*) echo "batch $n failed" >>"$T/failed" ;;
		esac
	done
) &
LOADER=$!
track_pid "$LOADER"

echo "t_s,rss_kb,hwm_kb,fds,threads,cpu_ticks,requests" >"$T/soak.csv"
drops=0
next_drop=$((start + DROP_EVERY))
requests_done() {
	if [ -f "$T/batches.jsonl" ]; then
		/usr/bin/python3 -c 'import json,sys; print(sum(json.loads(l)["requests"] for l in open(sys.argv[1]) if l.strip()))' "$T/batches.jsonl"
	else
		echo 0
	fi
}
sample() {
	local now p
	now=$(date +%s)
	p=$(probe)
	echo "$((now - start)),${p// /,},$(requests_done)" >>"$T/soak.csv"
}
sample
while [ "$(date +%s)" -lt "$end" ]; do
	sleep "$SAMPLE"
	kill -0 "$GATE_PID" 2>/dev/null || break
	sample
	if [ "$DROP_EVERY" -gt 0 ] && [ "$(date +%s)" -ge "$next_drop" ] &&
	    [ "$(date +%s)" -lt "$((end - SAMPLE))" ]; then
		kill -USR2 "$SIM_PID" && drops=$((drops + 1))
		next_drop=$((next_drop + DROP_EVERY))
	fi
done
# The last batch finishes (bounded), then one more sample.
for _ in $(seq 1 120); do kill -0 "$LOADER" 2>/dev/null || break; sleep 1; done
kill -0 "$GATE_PID" 2>/dev/null
ok $? "gate still running after ${SECONDS_TOTAL} s"
sample
mkdir -p "$(dirname "$CSV")"
cp "$T/soak.csv" "$CSV"

failed_batches=$(cat "$T/failed" 2>/dev/null | wc -l)
stats=$(/usr/bin/python3 - "$T/batches.jsonl" "$T/soak.csv" "$(getconf CLK_TCK)" <<'PY'
import csv, json, sys
b = [json.loads(l) for l in open(sys.argv[1]) if l.strip()] if __import__("os").path.exists(sys.argv[1]) else []
rows = list(csv.DictReader(open(sys.argv[2])))
req = sum(x["requests"] for x in b)
err = sum(x["errors"] for x in b)
epp = sum(x["epp_errors"] for x in b)
secs = sum(x["seconds"] for x in b)
n = len(rows)
third = max(1, n // 3)
first, last = rows[:third], rows[-third:]
mx = lambda rs, k: max(int(r[k]) for r in rs)
cpu = int(rows[-1]["cpu_ticks"]) - int(rows[0]["cpu_ticks"])
print(req, err, epp, "%.0f" % (req / secs if secs else 0), n,
      mx(first, "rss_kb"), mx(last, "rss_kb"), mx(first, "fds"), mx(last, "fds"),
      mx(first, "threads"), mx(last, "threads"), rows[-1]["hwm_kb"],
      "%.1f" % (cpu * 1e6 / int(sys.argv[3]) / req if req else 0))
PY
)
read -r req err epp rps nsamples rss_first rss_last fd_first fd_last thr_first thr_last hwm cpu_us <<<"$stats"
diag "requests $req (${rps}/s while batches ran), EPP errors $epp, gate errors $err, batches failed $failed_batches, session drops $drops"
diag "samples $nsamples: RSS max first third ${rss_first} kB, last third ${rss_last} kB (VmHWM $hwm kB);" \
    "fds ${fd_first} -> ${fd_last}; threads ${thr_first} -> ${thr_last}; gate CPU ${cpu_us} us/request"
diag "CSV: $CSV"
if [ -s "$T/load.err" ]; then
	diag "eg-load said (first 5 lines):"
	head -5 "$T/load.err" | sed 's/^/#   /'
fi

[ "${req:-0}" -gt 0 ]
ok $? "load ran: $req requests"
# A drop can cost the requests in flight on the sessions: a transform in flight has an
# unknown outcome (an error reply), a query is sent again; a batch can fail in its setup.
[ "${err:-0}" -le $((drops * SESSIONS + 1)) ]
ok $? "errors only from the drops: $err gate errors for $drops drops of $SESSIONS sessions"
[ "${failed_batches:-0}" -le "$drops" ]
ok $? "load batches failed only at drops: $failed_batches"
[ "${epp:-1}" -eq 0 ]
ok $? "no EPP error replies ($epp)"
gate_wait_up "$SESSIONS" 30
ok $? "all $SESSIONS sessions up again after $drops drops"
if [ "${nsamples:-0}" -ge 3 ]; then
	[ "$rss_last" -le $((rss_first + RSS_SLACK)) ]
	ok $? "RSS flat: last third max $rss_last kB <= first third max $rss_first kB + $RSS_SLACK"
	[ "$fd_last" -le $((fd_first + FD_SLACK)) ]
	ok $? "open descriptors flat: last third max $fd_last <= first third max $fd_first + $FD_SLACK"
	[ "$thr_last" -le "$thr_first" ]
	ok $? "threads flat: $thr_first -> $thr_last"
else
	ok 1 "at least 3 samples to judge growth (got ${nsamples:-0}; SOAK_SECONDS too short)"
fi
done_testing
rc=$?
summary
exit $rc
