#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIGTERM under load: the gate stops taking requests, finishes and answers the ones it
# holds, logs out and exits 0; the requests still in the queue are served by the next
# gate. Nothing is lost (every request answered), nothing runs twice, and no reply is
# an "outcome unknown" (a drain never abandons a command halfway).
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
eg_setup gterm
fault_sim_start --latency 150 || { ok 1 "epp-sim starts"; done_testing; exit 1; }
GATE_SESSIONS=2 gate_config "journal: { file = \"$T/journal\"; };"
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
mk_contact c-term >/dev/null

N=30
requests_file "$T/requests" gt "$N" c-term
# Published faster than two sessions can serve them: a backlog waits in the queue.
durable_client "$T/requests" "$T/replies" --rate 40 --quiet 5 --deadline 60
wait_for 20 lines_at_least "$T/replies" 8
ok $? "load running"
logouts=$(grep -c ' cmd=logout ' "$SIM_CMDLOG")
start=$(date +%s%N)
kill -TERM "$GATE_PID"
wait "$GATE_PID"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
is "$rc" 0 "SIGTERM: the gate exits 0 (after $ms ms)"
# The client may still be reading replies the first gate sent: wait until it has one for
# every command the registry saw (plus nothing else), bounded.
sent=$(grep -cE ' cmd=domain:(create|check) ' "$SIM_CMDLOG")
wait_for 5 lines_at_least "$T/replies" "$sent"
served=$(wc -l <"$T/replies")
diag "$served of $((2 * N)) answered by the first gate"
[ "$served" -lt $((2 * N)) ]; ok $? "requests were still queued when it stopped"
like "$(grep 'stopping: no new requests' "$GATE_OUT")" 'finishing [0-9]+ in flight' "the gate logged the drain"
is "$(( $(grep -c ' cmd=logout ' "$SIM_CMDLOG") - logouts ))" 2 "both sessions logged out"
grep -q 'stopping with .* unanswered' "$GATE_OUT"
ok $((! $?)) "no request left unanswered at exit"
# Every command the first gate sent was answered: as many replies as commands.
is "$sent" "$served" "every command the first gate sent was answered before it exited"

gate_start
ok $? "a second gate starts"
wait "$CLIENT_PID"
is "$?" 0 "every request got a reply"
diag "client: $(tail -1 "$T/replies.out")"
bad=0
for i in $(seq 1 $N); do
	[ "$(sim_ran domain:create "gt$i.example")" = 1 ] || { bad=$((bad + 1)); diag "gt$i.example: $(sim_ran domain:create "gt$i.example") runs"; }
	for id in "gt-create-$i" "gt-check-$i"; do
		r=$(reply_for "$T/replies" "$id")
		[ "$(code_of "$r")" = 1000 ] || { bad=$((bad + 1)); diag "$id: $r"; }
	done
done
is "$bad" 0 "each create ran exactly once; every reply is the registry's 1000"
is "$(grep -c outcome_unknown "$T/replies")" 0 "no outcome unknown"
done_testing
