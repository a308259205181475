#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The metrics file tells the truth about a gate that is gone (epp-gate(8), METRICS). While
# the gate runs: eppgate_up 1 and its sessions. After SIGTERM's drain the last file says
# eppgate_up 0, no session up, nothing in flight, the counters kept, and nothing rewrites
# it. After SIGKILL nothing can update it: it still says eppgate_up 1 but stops changing,
# and its age is what gives it away (the stale-file rule). A start that fails replaces
# such a file with one that says eppgate_up 0.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
eg_setup metricsstop
eg_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
mkdir -p "$T/m"
M=$T/m/metrics.prom
metric() { sed -n "s/^$1 //p" "$M" 2>/dev/null; }
metric_is() { [ "$(metric "$1")" = "$2" ]; }
snapshot() { echo "$(stat -c '%i %y' "$M") $(md5sum <"$M")"; }
others() { find "$T/m" -mindepth 1 ! -name metrics.prom | wc -l; }

GATE_SESSIONS=2 gate_config "metrics: { file = \"$M\"; interval = 1; };"
gate_start
ok $? "gate up with two sessions and a metrics file every second"
wait_for 5 metric_is eppgate_sessions_up 2
ok $? "running: eppgate_sessions_up 2"
is "$(metric eppgate_up)" 1 "running: eppgate_up 1"
for i in 1 2 3; do rpc domain_check "{\"domains\": [\"m$i.example\"]}" >/dev/null; done
wait_for 5 metric_is 'eppgate_requests_total{cmd="domain_check",code="1000"}' 3
ok $? "running: three checks counted"

# ---- SIGTERM: the last file says down, and stays -------------------------------------
kill -TERM "$GATE_PID"; wait "$GATE_PID"
is "$?" 0 "SIGTERM: the gate drains and exits 0"
is "$(metric eppgate_up)" 0 "stopped: eppgate_up 0"
is "$(metric eppgate_sessions_up)" 0 "stopped: eppgate_sessions_up 0"
is "$(metric eppgate_in_flight)" 0 "stopped: eppgate_in_flight 0"
is "$(metric eppgate_sessions_configured)" 2 "stopped: eppgate_sessions_configured still 2"
is "$(metric 'eppgate_requests_total{cmd="domain_check",code="1000"}')" 3 \
    "stopped: the counters keep their totals"
grep -q 'metrics:' "$GATE_OUT"
is "$?" 1 "no metrics error in the log"
is "$(others)" 0 "no temporary file left next to it"
snap=$(snapshot)
sleep 3
is "$(snapshot)" "$snap" "3 intervals later nothing has rewritten it (same inode, mtime, content)"

# ---- SIGKILL: the file cannot be updated; its age tells -------------------------------
gate_start
ok $? "gate up again"
wait_for 5 metric_is eppgate_up 1
ok $? "the new run writes eppgate_up 1 over the old file"
kill -KILL "$GATE_PID"; wait "$GATE_PID" 2>/dev/null
is "$(metric eppgate_up)" 1 "SIGKILL: the file still says eppgate_up 1"
snap=$(snapshot)
sleep 3
is "$(snapshot)" "$snap" "... but no longer changes"
age=$(( $(date +%s) - $(stat -c %Y "$M") ))
[ "$age" -ge 2 ]
ok $? "eppgate_up 1 with an mtime ${age} s old (more than two intervals): the stale-file rule's case"

# ---- a start that fails: no file from an earlier run keeps saying up -------------------
# A journal path that is a directory passes the configuration check and fails at start.
GATE_SESSIONS=2 gate_config "metrics: { file = \"$M\"; interval = 1; };
journal: { file = \"$T/m\"; };"
"$EG_BIN/epp-gate" --config "$GATE_CONF" >"$T/fail.out" 2>&1
is "$?" 1 "a start that fails exits 1"
like "$(cat "$T/fail.out")" 'cannot start: ' "... saying why"
is "$(metric eppgate_up)" 0 "... and leaves eppgate_up 0 over the killed gate's file"
is "$(metric eppgate_sessions_up)" 0 "... with no session up"
done_testing
