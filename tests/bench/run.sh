#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make bench: the benchmark figures (not pass/fail). Starts a private RabbitMQ broker on
# loopback, epp-sim and the gates it needs, runs every figure BENCH_RUNS times (default 3)
# with the runs of one part interleaved (so that a change in the machine's load hits every
# configuration alike), and prints the medians as a table and into BUILD/bench/results.json.
#
#   tests/bench/run.sh [BUILD]       (default build)
#
#   BENCH_RUNS=3        runs of each figure (the median is reported)
#   BENCH_SECONDS=2     length of one timed run; counts come from a short warm-up run
#   BENCH_OUT=FILE      where the JSON goes (default BUILD/bench/results.json)
#   EG_KEEP_TMP=1       keep the scratch directory (logs, every run's raw figures)
#
# Parts: full path (eg-load -> RabbitMQ -> epp-gate -> epp-sim) against two floors measured
# in the same run: the broker round trip (eg-responder on a queue, no EPP) and the EPP path
# (eg-eppfloor: the gate's own session and codec code straight to epp-sim, no broker);
# session scaling against a registry that answers in 20 ms; large replies; the codec; the
# request journal's cost per create on SQLite and on PostgreSQL (BUILD/bench/journal.json).
# BENCHMARKS.md says what each figure means.
set -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
EG_BUILD=$(cd "$top" && cd "${1:-build}" && pwd) || exit 1
export EG_SRCDIR=$top EG_BUILD EG_BIN=$EG_BUILD/bin
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_SECONDS:-2}
OUT=${BENCH_OUT:-$EG_BUILD/bench/results.json}
LOAD=$EG_BUILD/bench/eg-load
FLOOR=$EG_BUILD/bench/eg-eppfloor
RESPONDER=$EG_BUILD/bench/eg-responder
CODEC=$EG_BUILD/bench/bench_codec

# shellcheck source=tests/lib/tap.sh
. "$top/tests/lib/tap.sh"
# shellcheck source=tests/lib/gate.sh
. "$top/tests/lib/gate.sh"
# shellcheck source=tests/lib/broker.sh
. "$top/tests/lib/broker.sh"
# shellcheck source=tests/lib/pg.sh
. "$top/tests/lib/pg.sh"

for p in "$LOAD" "$FLOOR" "$RESPONDER" "$CODEC" "$EG_BIN/epp-gate" "$EG_BIN/epp-sim"; do
	[ -x "$p" ] || { echo "run.sh: $p missing: make BUILD=... tests" >&2; exit 1; }
done

BT=$(mktemp -d "${TMPDIR:-/tmp}/eg-bench.XXXXXX") || exit 1
chmod 755 "$BT"    # the broker runs as the rabbitmq user, below this directory
cleanup() {
	stop_tracked
	broker_stop
	pg_stop
	if [ -z "${EG_KEEP_TMP:-}" ]; then rm -rf "$BT"; else echo "# scratch kept: $BT"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

CERTS=$EG_BUILD/test-certs
"$top/tests/lib/certs.sh" "$CERTS" >/dev/null 2>&1 || { echo "run.sh: cannot make certificates" >&2; exit 1; }
RAW=$BT/runs.jsonl
: >"$RAW"
failures=0

say() { echo "# $*" >&2; }
load_now() { cut -d' ' -f1-3 /proc/loadavg; }

# Ends one process this script started and forgets it (so that the exit trap does not
# signal a PID that may have been reused).
stop_one() {
	local pid=$1 i keep=()
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for i in "${_tap_pids[@]}"; do [ "$i" = "$pid" ] || keep+=("$i"); done
	_tap_pids=("${keep[@]}")
}

# bench_sim NAME [epp-sim options]: an epp-sim with the registrar account; sets SIM_PORT.
declare -A SIMPORT GPID GQ
bench_sim() {
	local name=$1
	shift
	SIM_CERTS=$CERTS sim_start "$BT/$name" --account "$SIM_CLID:$SIM_PW" --log /dev/null "$@" ||
	    return 1
	SIMPORT[$name]=$SIM_PORT
}

# bench_gate NAME SIM SESSIONS: an epp-gate on its own queue against epp-sim SIM.
bench_gate() {
	local name=$1 T=$BT/$1 QUEUE="bench-$1-$$" SIM_PORT=${SIMPORT[$2]} GATE_SESSIONS=$3
	local GATE_LOG_LEVEL=info
	mkdir -p "$T"
	gate_config ""
	gate_start || return 1
	GPID[$name]=$GATE_PID
	GQ[$name]=$QUEUE
}

# run_spec SPEC COUNT -> one JSON line of figures on stdout (empty on failure).
# SPEC: KIND|MODE|SESSIONS|WINDOW|TARGET|GROUP, KIND one of broker (eg-load against
# eg-responder on queue TARGET), full (eg-load against gate TARGET, with its CPU and memory), floor
# (eg-eppfloor against sim TARGET). GROUP names the runs that are compared with each
# other; they run one right after the other ("-": none). The caller counts PFX up before each run: the objects a
# run creates (contact, domains) are named after it, and every simulator lives only as
# long as this script.
PFX=0
run_spec() {
	local kind mode s w target group n=$2 out
	IFS='|' read -r kind mode s w target group <<<"$1"
	case $kind in
	broker)
		# the responder of the first part is watched (-C) for its CPU per request
		out=$(timeout 600 "$LOAD" -p "$AMQP_PORT" -q "$target" -w "$w" -n "$n" -m "$mode" \
		    -P "r$PFX" ${RESP_PID:+$([ "$target" = "$FLOOR_Q" ] && echo "-C $RESP_PID")} -j \
		    2>>"$BT/errors.log") ;;
	full)
		out=$(timeout 600 "$LOAD" -p "$AMQP_PORT" -q "${GQ[$target]}" -w "$w" -n "$n" \
		    -m "$mode" -P "r$PFX" -C "${GPID[$target]}" -j 2>>"$BT/errors.log") ;;
	floor)
		out=$(timeout 600 "$FLOOR" -p "${SIMPORT[$target]}" --ca "$CERTS/ca.crt" \
		    -l "$SIM_CLID:$SIM_PW" -s "$s" -n "$n" -m "$mode" -P "r$PFX" -j \
		    2>>"$BT/errors.log") ;;
	esac
	case $out in
	"{"*) echo "$out" ;;
	*) echo "# run failed: $1 (n=$n); see errors.log" >>"$BT/errors.log"; echo "" ;;
	esac
}

# record PART SPEC REP JSON: one raw line for the aggregation.
record() {
	local kind mode s w target group
	IFS='|' read -r kind mode s w target group <<<"$2"
	if [ -z "$4" ]; then
		failures=$((failures + 1))
		say "FAILED: $1 $2 run $3"
		return
	fi
	printf '{"part": "%s", "kind": "%s", "mode": "%s", "sessions": %s, "window": %s, "target": "%s", "group": "%s", "rep": %s, "r": %s}\n' \
	    "$1" "$kind" "$mode" "$s" "$w" "$target" "$group" "$3" "$4" >>"$RAW"
}

# calibrate SPEC...: a short warm-up run of each; sets COUNT[SPEC without GROUP] for
# BENCH_SECONDS (half of it for the broker floor, which runs next to every full-path run).
declare -A COUNT
calibrate() {
	local spec kind mode s w target out rps n secs
	for spec in "$@"; do
		[ -n "${COUNT[${spec%|*}]:-}" ] && continue
		IFS='|' read -r kind mode s w target _ <<<"$spec"
		n=$((w > s ? w : s))
		n=$((n * 8 > 200 ? n * 8 : 200))
		PFX=$((PFX + 1))
		out=$(run_spec "$spec" "$n")
		rps=$(json_get "$out" rps)
		secs=$SECS
		[ "$kind" = broker ] && secs=$(/usr/bin/python3 -c "print($SECS / 2)")
		COUNT[${spec%|*}]=$(/usr/bin/python3 -c "import sys
r = float(sys.argv[1] or 0)
print(max(200, min(60000, int(r * float(sys.argv[2])) // 4 * 4)))" "${rps:-0}" "$secs")
	done
}

# interleave PART SPEC...: BENCH_RUNS rounds, each running every SPEC once.
interleave() {
	local part=$1 rep spec
	shift
	for rep in $(seq 1 "$RUNS"); do
		say "$part: round $rep of $RUNS (load $(load_now))"
		for spec in "$@"; do
			PFX=$((PFX + 1))
			record "$part" "$spec" "$rep" "$(run_spec "$spec" "${COUNT[${spec%|*}]}")"
		done
	done
}

started=$(date +%s)
LOAD_START=$(load_now)
say "epp-gate benchmarks: $(nproc) cores, load $LOAD_START; scratch $BT"

say "starting a private RabbitMQ broker on loopback"
broker_start "$BT/broker" || { echo "run.sh: the broker did not start" >&2; exit 1; }

# ---- full path and floors ----------------------------------------------------------
bench_sim sim0 || exit 1
FLOOR_Q="bench-floor-$$"
# The broker floor gets the same requests (eg-load's mix too, whose setup wants an exDate)
# and answers each with one fixed reply.
FLOOR_REPLY='{"epp": {"response": {"result": {"@code": "1000", "msg": "Command completed successfully"}, "resData": {"creData": {"name": "floor.example", "exDate": "2031-01-01T00:00:00.0Z"}}, "trID": {"clTRID": "floor-0000000000000-1", "svTRID": "SIM0-1"}}}}'
"$RESPONDER" -p "$AMQP_PORT" -q "$FLOOR_Q" --reply "$FLOOR_REPLY" >"$BT/responder.out" \
    2>"$BT/responder.err" &
RESP_PID=$!
track_pid "$RESP_PID"
wait_for 10 grep -q ready "$BT/responder.out" || { echo "run.sh: eg-responder did not start" >&2; exit 1; }
bench_gate g1 sim0 1 || exit 1
bench_gate g16 sim0 16 || exit 1

# Each full-path run comes right after a broker floor run at its window (and, where the
# window is the sessions, an EPP floor run): the ratios compare runs seconds apart.
SPECS1=()
for s in 1 16; do for m in check mix; do for w in 1 16 64; do
	SPECS1+=("broker|$m|0|$w|$FLOOR_Q|$m/$s/$w")
	[ "$w" = "$s" ] && SPECS1+=("floor|$m|$s|$s|sim0|$m/$s/$w")
	SPECS1+=("full|$m|$s|$w|g$s|$m/$s/$w")
done; done; done
say "full path and floors: warm-up"
calibrate "${SPECS1[@]}"
interleave full "${SPECS1[@]}"

# ---- large replies (g1 of the first part serves big-check) --------------------------
bench_sim simpad --info-pad 100000 || exit 1
bench_gate gbig simpad 1 || exit 1
SPECS3=("floor|big-check|1|1|sim0|big-check" "full|big-check|1|1|g1|big-check"
    "floor|big-info|1|1|simpad|big-info" "full|big-info|1|1|gbig|big-info")
say "large replies: warm-up"
calibrate "${SPECS3[@]}"
interleave large "${SPECS3[@]}"
# A sample of each, through the gate, parsed: 50 cd entries; an info reply of >= 100 KB.
names=$(/usr/bin/python3 -c 'print(", ".join("\"sample-%d.example\"" % i for i in range(50)))')
QUEUE=${GQ[g1]} rpc -t 30 domain_check "{\"domains\": [$names]}" >"$BT/sample-check.json" 2>&1
"$LOAD" -p "$AMQP_PORT" -q "${GQ[gbig]}" -m big-info -n 1 -P sample-$$ >/dev/null 2>&1
QUEUE=${GQ[gbig]} rpc -t 30 domain_info "{\"name\": \"sample-$$-s0.example\"}" \
    >"$BT/sample-info.json" 2>&1
CHECKS=$(/usr/bin/python3 - "$BT/sample-check.json" "$BT/sample-info.json" <<'PY'
import json, sys
out = {}
try:
    raw = open(sys.argv[1], "rb").read()
    cd = json.loads(raw)["epp"]["response"]["resData"]["chkData"]["cd"]
    cd = cd if isinstance(cd, list) else [cd]
    names = {c["name"]["#text"] for c in cd}
    out["big_check_cd_entries"] = len(cd)
    out["big_check_ok"] = len(cd) == 50 and len(names) == 50
except Exception as e:
    out["big_check_ok"] = False
    out["big_check_error"] = str(e)[:200]
try:
    raw = open(sys.argv[2], "rb").read()
    doc = json.loads(raw)
    code = doc["epp"]["response"]["result"]["@code"]
    out["big_info_reply_bytes"] = len(raw)
    out["big_info_ok"] = code == "1000" and len(raw) >= 100000
except Exception as e:
    out["big_info_ok"] = False
    out["big_info_error"] = str(e)[:200]
print(json.dumps(out))
PY
)
for g in g1 g16 gbig; do stop_one "${GPID[$g]}"; done

# ---- session scaling against a registry that answers in 20 ms ----------------------
bench_sim sim20 --latency 20 || exit 1
# Three ways to S requests in flight against a 20 ms service: the gate with S sessions;
# eg-eppfloor with S sessions (no broker); S eg-responders that each answer one request at
# a time after 20 ms (the broker, no EPP).
SPECS2=()
RESP20=()
for s in 1 4 16 64; do
	bench_gate "s$s" sim20 "$s" || exit 1
	q="bench-r20-$s-$$"
	for i in $(seq 1 "$s"); do
		"$RESPONDER" -p "$AMQP_PORT" -q "$q" --delay 20 --prefetch 1 \
		    >"$BT/r20-$s-$i.out" 2>&1 &
		track_pid $!
		RESP20+=($!)
	done
	for i in $(seq 1 "$s"); do
		wait_for 10 grep -q ready "$BT/r20-$s-$i.out" ||
		    { echo "run.sh: eg-responder did not start" >&2; exit 1; }
	done
	SPECS2+=("broker|check|0|$s|$q|$s" "floor|check|$s|$s|sim20|$s" "full|check|$s|$s|s$s|$s")
	# the ideal is s x 50/s: BENCH_SECONDS of it
	COUNT["broker|check|0|$s|$q"]=$((s * 50 * SECS))
	COUNT["full|check|$s|$s|s$s"]=$((s * 50 * SECS))
	COUNT["floor|check|$s|$s|sim20"]=$((s * 50 * SECS))
done
say "session scaling (registry latency 20 ms): warm-up"
for spec in "${SPECS2[@]}"; do     # warm-up
	IFS='|' read -r _ _ s w _ _ <<<"$spec"
	PFX=$((PFX + 1))
	run_spec "$spec" $((w * 10)) >/dev/null
done
interleave scaling "${SPECS2[@]}"
for s in 1 4 16 64; do stop_one "${GPID[s$s]}"; done
for p in "${RESP20[@]}"; do stop_one "$p"; done

# ---- codec ------------------------------------------------------------------------
say "codec"
ANCHORS=$EG_SRCDIR/tests/data/conformance/anchor_vectors.json
for rep in $(seq 1 "$RUNS"); do
	out=$("$CODEC" "$ANCHORS" 1 2>>"$BT/errors.log" | tail -1)
	case $out in
	"{"*) printf '{"part": "codec", "kind": "codec", "mode": "codec", "sessions": 0, "window": 0, "target": "", "rep": %s, "r": %s}\n' \
	    "$rep" "$out" >>"$RAW" ;;
	*) failures=$((failures + 1)); say "FAILED: codec run $rep" ;;
	esac
done

# ---- the request journal -----------------------------------------------------------
# What the journal costs one create: claim, mark sent, record the reply, each durable
# before it returns, one after the other as a session does them. SQLite on this build's
# disk (a tmpfs would make it meaningless: the file system is named); PostgreSQL on a
# private server with fsync, synchronous_commit and full_page_writes back on (tests/lib/
# pg.sh turns them off for tests). The medians of BENCH_RUNS runs go to journal.json.
JBENCH=$EG_BUILD/bench/bench_journal
JRAW=$BT/journal.jsonl
: >"$JRAW"
journal_runs() {
	local rep out
	for rep in $(seq 1 "$RUNS"); do
		out=$("$JBENCH" "$@" 2>>"$BT/errors.log" | tail -1)
		case $out in
		"{"*) echo "$out" >>"$JRAW" ;;
		*) failures=$((failures + 1)); say "FAILED: bench_journal $1 run $rep" ;;
		esac
	done
}
say "request journal: SQLite"
journal_runs "$EG_BUILD/bench" 1000
if [ "$(id -u)" -eq 0 ] && _pg_bin >/dev/null 2>&1 && pg_start "$BT/pg"; then
	say "request journal: PostgreSQL"
	pg_psql "ALTER SYSTEM SET fsync = on" "ALTER SYSTEM SET synchronous_commit = on" \
	    "ALTER SYSTEM SET full_page_writes = on" "SELECT pg_reload_conf()" >/dev/null
	journal_runs --pg "$PG_URL" "$PG_PASSWORD_FILE" 1000
	pg_stop
else
	say "request journal: no PostgreSQL (root and Debian's postgresql needed): skipped"
fi
mkdir -p "$(dirname "$OUT")"
/usr/bin/python3 - "$JRAW" "$(dirname "$OUT")/journal.json" <<'PY' >&2
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
out = {}
for backend in ("sqlite", "postgresql"):
    rs = [r for r in runs if r["backend"] == backend]
    if not rs:
        continue
    out[backend] = {
        "where": rs[0]["where"], "runs": len(rs), "creates": rs[0]["creates"],
        "p50_us": statistics.median(r["p50_us"] for r in rs),
        "p99_us": statistics.median(r["p99_us"] for r in rs),
        "creates_per_s": statistics.median(r["creates_per_s"] for r in rs)}
    o = out[backend]
    print("# journal, %-10s (%s): %6.0f us a create (p50), p99 %6.0f us, %5.0f creates/s "
          "one after the other" % (backend, o["where"], o["p50_us"], o["p99_us"],
                                   o["creates_per_s"]))
json.dump(out, open(sys.argv[2], "w"), indent=1)
PY

LOAD_END=$(load_now)
elapsed=$(($(date +%s) - started))
mkdir -p "$(dirname "$OUT")"
/usr/bin/python3 "$top/tests/bench/report.py" --raw "$RAW" --out "$OUT" --runs "$RUNS" \
    --cores "$(nproc)" --load-start "$LOAD_START" --load-end "$LOAD_END" \
    --elapsed "$elapsed" --checks "$CHECKS" --rev "$(git -C "$top" rev-parse --short HEAD 2>/dev/null)"
rc=$?
if [ -s "$BT/errors.log" ]; then
	say "messages from the load generators (first 20 lines):"
	head -20 "$BT/errors.log" | sed 's/^/#   /' >&2
fi
[ "$rc" -eq 0 ] && [ "$failures" -eq 0 ]
