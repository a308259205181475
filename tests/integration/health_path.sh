#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The health file's contract (epp-gate(8), HEALTH FILE) against the events a systemd path
# unit with PathModified= reacts to, reproduced by tests/lib/pathwatch.py (systemd does
# not run here): the gate's own life - start, a registry outage with many failed logins,
# recovery, stop, restart - never triggers the watcher; a client that fails at transport
# level appends a line and triggers it exactly once; with health.watch the gate logs in
# again on that line by itself, in the same process. Then with a watcher that really
# restarts the gate, as epp-gate-watcher.service does: one client line, one restart, and
# the restarted gate does not trigger another.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
eg_setup healthpath
eg_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }

# The gate's state directory, as /var/lib/epp-gate: health file, journal and metrics side
# by side, so that the gate's writes to its own files happen next to the watched one.
S=$T/state
mkdir -p "$S"
H=$S/health
W=$T/watcher.log
dead=$(free_port)      # a broker port nobody listens on: the client fails at transport level

start_watcher() {
	: >"$W"
	/usr/bin/python3 "$EG_SRCDIR/tests/lib/pathwatch.py" --log "$W" "$@" "$H" \
	    >>"$T/watcher.out" 2>&1 &
	WATCH_PID=$!
	track_pid "$WATCH_PID"
	wait_for 5 grep -q '^watching' "$W"
}
triggers() { grep -c '^trigger ' "$W"; }
restarts_done() { grep -c '^done ' "$W"; }
failed_logins() { grep -c 'cannot establish the EPP session' "$GATE_OUT"; }
logins_ok() { sim_count 'cmd=login .*code=1000'; }
client_fails() {
	"$EG_BIN/epp-rpc" --no-env -H 127.0.0.1 -p "$dead" --health-file "$H" --health-wait 0.2 \
	    domain_check '{"domains": ["client.example"]}' >/dev/null 2>>"$T/client.err"
}
# gone PID: ended (or a zombie nobody reaped yet)
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
at_least() { [ "$("$1")" -ge "$2" ]; }    # at_least COUNTER N, for wait_for
metric() { sed -n "s/^$1 //p" "$S/metrics.prom" 2>/dev/null; }

start_watcher --hold 1
ok $? "the watcher watches $H (it does not exist yet)"

# ---- (a) the gate's own life: start, outage, recovery -------------------------------
GATE_BACKOFF_MAX=1000 gate_config "health: { file = \"$H\"; watch = true; };
journal: { file = \"$S/journal\"; };
metrics: { file = \"$S/metrics.prom\"; interval = 1; };
alert: { command = \"echo \$EPPGATE_EVENT >> $T/alerts\"; };"
gate_start
ok $? "gate up, watching the health file"
first_pid=$GATE_PID
[ -e "$S/journal" ]; ok $? "the gate keeps its journal next to the health file"
wait_for 5 test -s "$S/metrics.prom"; ok $? "and rewrites its metrics file there every second"
[ ! -e "$H" ]; ok $? "the gate did not create the health file"

kill -TERM "$SIM_PID"; wait "$SIM_PID" 2>/dev/null
rpc -t 2 domain_check '{"domains": ["down.example"]}' >/dev/null 2>&1   # finds the session gone
wait_for 10 grep -q session_lost "$T/alerts"
ok $? "registry down: alert session_lost"
wait_for 30 at_least failed_logins 10
ok $? "the gate keeps trying: $(failed_logins) failed logins in the log"
grep -q 'EPP session to localhost:[0-9]* cannot be re-established: ' "$GATE_OUT"
ok $? "the log says the session cannot be re-established"
is "$(metric eppgate_sessions_up)" 0 "the metrics file says no session is up"
is "$(json_get "$(rpc -t 15 gate_status)" gate.sessions.up)" 0 "gate_status says so too"
is "$(triggers)" 0 "registry down, $(failed_logins) failed logins: the watcher never fired"
[ ! -e "$H" ]; ok $? "the health file still does not exist"

eg_sim_start --listen "127.0.0.1:$SIM_PORT" || ok 1 "epp-sim back on its port"
gate_wait_up 1 20
ok $? "registry back: the gate logs in by itself"
wait_for 10 grep -q session_restored "$T/alerts"
ok $? "alert session_restored"
is "$(triggers)" 0 "outage and recovery: still no trigger"

# ---- (b) a client fails at transport level; (c) the gate re-logs in, same process ------
logins=$(logins_ok)
client_fails
is "$?" 69 "a client that cannot reach the broker exits 69 (EX_UNAVAILABLE)"
is "$(grep -c . "$H")" 1 "and appends one line, creating the file"
wait_for 5 at_least triggers 1
sleep 2                                  # past the watcher's hold: anything more would show
is "$(triggers)" 1 "the client's line: exactly one trigger"
like "$(grep '^trigger 1 ' "$W")" 'appeared' "... the file's creation"
wait_for 10 at_least logins_ok $((logins + 1))
ok $? "health.watch: the gate logged in again on the client's line"
grep -q 'health file touched by someone else: logging in again' "$GATE_OUT"
ok $? "... saying why"
kill -0 "$first_pid" 2>/dev/null && [ "$GATE_PID" = "$first_pid" ]
ok $? "... without a restart: the same process"
gate_wait_up 1 10; ok $? "and it is up again"

logins=$(logins_ok)
client_fails
wait_for 5 at_least triggers 2
sleep 2
is "$(triggers)" 2 "a second client's line: one more trigger (2)"
like "$(grep '^trigger 2 ' "$W")" 'IN_MODIFY' "... an append to the existing file"
wait_for 10 at_least logins_ok $((logins + 1))
ok $? "... and one more re-login"
is "$(grep -c . "$H")" 2 "the file holds the clients' two lines, nothing of the gate's"

kill -TERM "$GATE_PID"; wait "$GATE_PID"
is "$?" 0 "SIGTERM: the gate stops"
sleep 1.5
is "$(triggers)" 2 "stopping the gate: no trigger"
is "$(grep -c . "$H")" 2 "still the clients' two lines"

# ---- the shipped units' contract: the watcher restarts the gate -------------------------
# What epp-gate-watcher.service runs (systemctl restart): stop the gate, wait, start it.
cat >"$T/restart.sh" <<EOF
#!/bin/sh
pid=\$(cat "$T/gate.pid" 2>/dev/null)
if [ -n "\$pid" ]; then
	kill -TERM "\$pid" 2>/dev/null
	i=0
	while [ \$i -lt 150 ] && kill -0 "\$pid" 2>/dev/null &&
	    ! grep -q '^[0-9]* ([^)]*) Z' "/proc/\$pid/stat" 2>/dev/null; do
		sleep 0.1; i=\$((i + 1))
	done
fi
"$EG_BIN/epp-gate" --config "$GATE_CONF" >>"$GATE_OUT" 2>&1 &
echo \$! >"$T/gate.pid"
EOF
kill -TERM "$WATCH_PID"; wait "$WATCH_PID" 2>/dev/null
rm -f "$T/gate.pid"
sh "$T/restart.sh"
GATE_PID=$(cat "$T/gate.pid"); track_pid "$GATE_PID"
gate_wait_up 1 20
ok $? "a gate started the way the unit starts it"
start_watcher --hold 1 --exec "sh $T/restart.sh"
ok $? "a watcher that restarts the gate"
old=$GATE_PID
client_fails
wait_for 30 at_least restarts_done 1
ok $? "the client's line: the watcher restarted the gate"
GATE_PID=$(cat "$T/gate.pid"); track_pid "$GATE_PID"
[ "$GATE_PID" != "$old" ] && gone "$old"
ok $? "... a new process ($old -> $GATE_PID)"
gate_wait_up 1 20
ok $? "the restarted gate is up"
sleep 3
is "$(triggers)" 1 "its start triggered nothing more: no restart loop"
kill -TERM "$SIM_PID"; wait "$SIM_PID" 2>/dev/null
n0=$(failed_logins)
rpc -t 2 domain_check '{"domains": ["down-again.example"]}' >/dev/null 2>&1
wait_for 20 at_least failed_logins $((n0 + 6))
ok $? "registry down under the restarting watcher: $(( $(failed_logins) - n0 )) failed logins"
is "$(triggers)" 1 "... and still one restart in all"
done_testing
