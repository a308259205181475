#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# epp-sim's fault knobs, each observed over real TLS with epp-send: every
# fault kind, every-Nth and once, command classes, SIGUSR1 (reload the fault
# file), SIGUSR2 (drop every connection), and the command log lines of
# faulted commands.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
. "$top/tests/lib/tap.sh"
# shellcheck source=tests/lib/sim.sh
. "$top/tests/lib/sim.sh"

T=$(test_tmpdir)
if [ -z "$T" ] || [ ! -d "$T" ]; then
	echo "not ok 1 - cannot make a scratch directory"
	exit 1
fi
trap 'stop_tracked; [ -n "${EG_KEEP_TMP:-}" ] || rm -rf "$T"' EXIT
D='xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"'
epp_doc "$T/check.xml" "<check><domain:check $D><domain:name>example.com</domain:name></domain:check></check>"
epp_doc "$T/info.xml" "<info><domain:info $D><domain:name>example.com</domain:name></domain:info></info>"
epp_doc "$T/create.xml" "<create><domain:create $D><domain:name>example.com</domain:name><domain:authInfo><domain:pw>x-auth</domain:pw></domain:authInfo></domain:create></create>"
printf '<?xml version="1.0"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>' >"$T/hello.xml"
L=(-t 5000 -l registrar1:secret1)

log_has() { [ "$(grep -c -- "$2" "$SIM_LOG" 2>/dev/null)" -ge "$1" ]; }
err_has() { [ "$(grep -c -- "$2" "$SIM_DIR/sim.err" 2>/dev/null)" -ge "$1" ]; }
n=0
# a fresh directory for each epp-sim (sets DIR; no subshell, so the count goes on)
next_dir() { n=$((n + 1)); DIR=$T/s$n; }

# ---- each kind -------------------------------------------------------------
next_dir; sim_start "$DIR" --fault drop-before:1:domain:check
out=$(esend "${L[@]}" "$T/check.xml")
is "$?" 2 "drop-before: the connection ends"
like "$out" "# closed by server" "drop-before: closed by server"
like "$(grep ' cmd=domain:check ' "$SIM_LOG")" ' code=- obj=example.com fault=drop-before$' "drop-before: logged, not executed"
like "$(grep ' cmd=login ' "$SIM_LOG")" ' code=1000 obj=registrar1( |$)' "the login was not faulted"
sim_stop

next_dir; sim_start "$DIR" --fault drop-after:1:domain:create
out=$(esend "${L[@]}" "$T/create.xml")
is "$?" 2 "drop-after: the connection ends without an answer"
like "$(grep ' cmd=domain:create ' "$SIM_LOG")" ' code=1000 obj=example.com fault=drop-after$' "drop-after: logged as executed"
out=$(esend "${L[@]}" "$T/check.xml")
like "$out" 'avail="0">example.com<' "drop-after: the create did happen"
sim_stop

next_dir; sim_start "$DIR" --fault garbage:1:domain:check
out=$(esend "${L[@]}" "$T/check.xml")
is "$?" 4 "garbage: a protocol error"
like "$out" "# not an EPP response" "garbage: the frame is not XML"
like "$(grep ' cmd=domain:check ' "$SIM_LOG")" ' code=1000 .*fault=garbage$' "garbage: logged"
sim_stop

next_dir; sim_start "$DIR" --fault oversize:1:domain:check
out=$(esend "${L[@]}" "$T/check.xml")
is "$?" 4 "oversize: a protocol error"
like "$out" "# error: bad frame: frame length 33554432 exceeds" "oversize: a 32 MiB frame header"
sim_stop

next_dir; sim_start "$DIR" --fault wrong-cltrid:1:domain:check
out=$(esend "${L[@]}" "$T/check.xml")
is "$?" 4 "wrong-cltrid: a protocol error"
like "$out" "# clTRID mismatch: sent 'es[0-9-]+', got 'es[0-9-]+-WRONG'" "wrong-cltrid: another clTRID"
sim_stop

next_dir; sim_start "$DIR" --fault partial:1:domain:check --stall-ms 1500
start=$(date +%s%N)
out=$(esend "${L[@]}" "$T/check.xml")
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
is "$rc" 2 "partial: the connection ends"
like "$out" "# closed by server in the middle of a frame" "partial: half a frame"
[ "$ms" -ge 1400 ]; ok $? "partial: after stalling --stall-ms ($ms ms)"
sim_stop

next_dir; sim_start "$DIR" --fault stall:1:domain:check --stall-ms 30000
start=$(date +%s%N)
out=$(esend -t 1000 -l registrar1:secret1 "$T/check.xml")
is "$?" 3 "stall: the client times out"
like "$out" "# timeout after 1000 ms" "stall: no answer"
like "$(grep ' cmd=domain:check ' "$SIM_LOG")" ' fault=stall$' "stall: logged"
out=$(esend "${L[@]}" "$T/info.xml")
ok $? "stall: the server goes on with other sessions"
sim_stop

next_dir; sim_start "$DIR" --fault refuse-login:1
out=$(esend "${L[@]}" "$T/check.xml")
is "$?" 5 "refuse-login: login refused"
like "$out" 'result code="2200"' "refuse-login: 2200"
like "$(grep ' cmd=login ' "$SIM_LOG")" ' code=2200 obj=registrar1 fault=refuse-login( |$)' "refuse-login: logged"
sim_stop

next_dir; sim_start "$DIR" --fault session-limit:1
out=$(esend "${L[@]}" --wait-close 3000)
is "$?" 5 "session-limit: login refused"
like "$out" 'result code="2502"' "session-limit: 2502"
sim_stop

# ---- counting: every Nth, once, classes ------------------------------------
next_dir; sim_start "$DIR" --fault drop-before:3:domain:check
out=$(esend "${L[@]}" -n 5 "$T/check.xml")
is "$?" 2 "every 3rd: the third check of a session is dropped"
is "$(grep -c 'code="1000".*avail=' <<<"$out")" 2 "after two answers"
esend "${L[@]}" -q "$T/check.xml" && esend "${L[@]}" -q "$T/check.xml"
ok $? "the 4th and 5th (from other sessions) are answered"
out=$(esend "${L[@]}" "$T/check.xml")
is "$?" 2 "the 6th, counted across sessions, is dropped"
sim_stop

next_dir; sim_start "$DIR" --fault garbage:1:domain:check:once
out=$(esend "${L[@]}" "$T/check.xml")
is "$?" 4 "once: the first check gets garbage"
out=$(esend "${L[@]}" -n 3 "$T/check.xml")
ok $? "once: later checks are answered"
sim_stop

next_dir; sim_start "$DIR" --fault drop-before:1:query
out=$(esend "${L[@]}" "$T/create.xml")
ok $? "class query: a create is not faulted"
out=$(esend "${L[@]}" "$T/info.xml")
is "$?" 2 "class query: an info is"
sim_stop

next_dir; sim_start "$DIR" --fault drop-before:1:transform
out=$(esend "${L[@]}" "$T/check.xml")
ok $? "class transform: a check is not faulted"
out=$(esend "${L[@]}" "$T/create.xml")
is "$?" 2 "class transform: a create is"
sim_stop

next_dir; sim_start "$DIR" --fault drop-before:1
out=$(esend "${L[@]}" "$T/hello.xml")
ok $? "default (all): login and hello are not faulted"
out=$(esend "${L[@]}" "$T/check.xml")
is "$?" 2 "default (all): a check is"
sim_stop

next_dir; sim_start "$DIR" --fault garbage:1:hello,domain:info
out=$(esend "${L[@]}" "$T/check.xml")
ok $? "a list of names: check is not in it"
out=$(esend "${L[@]}" "$T/hello.xml")
is "$?" 4 "a list of names: hello gets garbage"
sim_stop

# ---- runtime control ---------------------------------------------------------
: >"$T/faults"
next_dir; sim_start "$DIR" --fault-file "$T/faults" --fault drop-before:1:domain:info
out=$(esend "${L[@]}" "$T/info.xml")
is "$?" 2 "a command-line fault is active"
printf '# comment\n\ndrop-before:1:domain:check\n' >"$T/faults"
kill -USR1 "$SIM_PID"
wait_for 5 grep -q "faults reloaded" "$SIM_DIR/sim.err"
ok $? "SIGUSR1 reloads the fault file"
out=$(esend "${L[@]}" "$T/info.xml")
ok $? "the command-line fault is replaced"
out=$(esend "${L[@]}" "$T/check.xml")
is "$?" 2 "the file's fault is active"
echo "nonsense:1" >"$T/faults"
kill -USR1 "$SIM_PID"
wait_for 5 grep -q "faults unchanged" "$SIM_DIR/sim.err"
ok $? "a bad fault file is refused"
out=$(esend "${L[@]}" "$T/check.xml")
is "$?" 2 "and the faults stay as they were"
: >"$T/faults"
kill -USR1 "$SIM_PID"
wait_for 5 err_has 2 'faults reloaded'
out=$(wait_for 5 esend "${L[@]}" -q "$T/check.xml")
ok $? "an empty fault file means no faults"

base=$(grep -c 'cmd=login .*code=1000' "$SIM_LOG")
esend "${L[@]}" -q --wait-close 20000 >"$T/usr2.out" &
w1=$!
esend "${L[@]}" -q --wait-close 20000 >"$T/usr2b.out" &
w2=$!
wait_for 20 log_has $((base + 2)) 'cmd=login .*code=1000'
ok $? "two sessions logged in"
kill -USR2 "$SIM_PID"
wait "$w1"
r1=$?
wait "$w2"
r2=$?
[ "$r1" -eq 0 ] && [ "$r2" -eq 0 ]; ok $? "SIGUSR2 closes every connection"
like "$(cat "$T/usr2.out")" "# closed by server after [0-9]+ ms" "the client sees the close"
out=$(esend "${L[@]}" "$T/check.xml")
ok $? "new connections are accepted after SIGUSR2"
sim_stop
is "$?" 0 "SIGTERM: exit status 0"

done_testing
