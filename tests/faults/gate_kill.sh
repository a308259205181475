#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The gate is killed with SIGKILL while a create and a renew are at the registry
# (epp-sim executed them and holds the responses back), under load, and started again
# on the same journal. No request is lost: the broker redelivers what was not acked and
# the client gets a reply to everything. Nothing runs twice: the journal knows the two
# commands were sent by a gate that is gone (its lease runs out) and never got a reply
# recorded, so their redeliveries are answered "outcome unknown" with what the registry
# shows (an info query), not executed again. The journal is SQLite, or PostgreSQL under
# make check-pg (tests/lib/gate.sh journal_conf).
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
eg_setup gkill
fault_sim_start --latency 100 --stall-ms 30000 || { ok 1 "epp-sim starts"; done_testing; exit 1; }
journal_conf || { ok 1 "a journal for the gate"; done_testing; exit 1; }
GATE_SESSIONS=2 GATE_CMD_TIMEOUT=20000 gate_config "$JOURNAL_CONF"
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
mk_contact c-kill >/dev/null
for i in 1 2 3 4 5; do mk_domain "kr$i.example" c-kill >/dev/null; done
ex=$(json_get "$(rpc domain_info '{"name": "kr1.example"}')" epp.response.resData.infData.exDate)
ex=${ex:0:10}

N=20
requests_file "$T/requests" kc "$N" c-kill
# renews first in line, so that one of them meets the stall
for i in 1 2 3 4 5; do
	printf 'kr-renew-%d\t{"cmd": "domain_renew", "args": {"name": "kr%d.example", "cur_exp_date": "%s", "period": 1}}\n' \
	    "$i" "$i" "$ex"
done | cat - "$T/requests" >"$T/requests.all"
# The first create and the first renew are executed and never answered.
set_faults "stall:1:domain:create:once" "stall:1:domain:renew:once"
durable_client "$T/requests.all" "$T/replies" --rate 20 --quiet 5 --deadline 60
stalled() { [ "$(grep -c 'fault=stall' "$SIM_CMDLOG")" -ge 2 ]; }
wait_for 20 stalled
ok $? "a create and a renew are executed by the registry and their responses held back"
kill -KILL "$GATE_PID"
wait "$GATE_PID" 2>/dev/null
ok 0 "the gate killed with SIGKILL ($(wc -l <"$T/replies") replies so far)"
first_pid=$GATE_PID
gate_start
ok $? "the gate starts again on the same journal"
[ "$GATE_PID" != "$first_pid" ]; ok $? "a new process"
wait "$CLIENT_PID"
is "$?" 0 "every request got a reply"
diag "client: $(tail -1 "$T/replies.out")"

sc=$(grep ' cmd=domain:create .*fault=stall' "$SIM_CMDLOG" | sed 's/.* obj=\([^ ]*\).*/\1/')
sr=$(grep ' cmd=domain:renew .*fault=stall' "$SIM_CMDLOG" | sed 's/.* obj=\([^ ]*\).*/\1/')
bad=0
for i in $(seq 1 $N); do
	[ "$(sim_ran domain:create "kc$i.example")" = 1 ] || { bad=$((bad + 1)); diag "kc$i.example: $(sim_ran domain:create "kc$i.example") runs"; }
done
is "$bad" 0 "each create ran exactly once"
bad=0
for i in 1 2 3 4 5; do
	[ "$(sim_ran domain:renew "kr$i.example")" = 1 ] || { bad=$((bad + 1)); diag "kr$i.example: $(sim_ran domain:renew "kr$i.example") runs"; }
done
is "$bad" 0 "each renew ran exactly once"

# The stalled create: its redelivery answered from the journal.
id=kc-create-${sc//[^0-9]/}
r=$(reply_for "$T/replies" "$id")
is "$(errcode_of "$r")" outcome_unknown "the create caught by the kill ($sc): outcome unknown"
like "$(json_get "$r" error)" 'already sent once and its reply was not recorded' "  because the journal shows it was sent"
is "$(json_get "$r" registry.epp.response.result.@code)" 1000 "  and the registry info shows it exists"
cl=$(json_get "$r" cltrid)
is "$(grep -c " cltrid=$cl " "$SIM_CMDLOG")" 1 "  the clTRID named ($cl) is the one the registry executed"
is "$(journal_sql "SELECT state, cltrid FROM eppgate_journal WHERE message_id = '$id'")" "sent|$cl" \
    "  the journal still shows it sent by the killed gate, with that clTRID"
id=kr-renew-${sr//[^0-9]/}
r=$(reply_for "$T/replies" "$id")
is "$(errcode_of "$r")" outcome_unknown "the renew caught by the kill ($sr): outcome unknown"
nex=$(json_get "$r" registry.epp.response.resData.infData.exDate)
is "${nex:0:4}" "$(( ${ex:0:4} + 1 ))" "  and the registry info shows it renewed once"
bad=0
for i in $(seq 1 $N); do
	[ "kc$i.example" = "$sc" ] && continue
	r=$(reply_for "$T/replies" "kc-create-$i")
	[ "$(code_of "$r")" = 1000 ] || { bad=$((bad + 1)); diag "kc-create-$i: $r"; }
	r=$(reply_for "$T/replies" "kc-check-$i")
	[ "$(code_of "$r")" = 1000 ] || { bad=$((bad + 1)); diag "kc-check-$i: $r"; }
done
is "$bad" 0 "every other request has its registry reply"
out=$(rpc domain_check '{"domains": ["after-kill.example"]}')
is "$(code_of "$out")" 1000 "the new gate keeps serving"
done_testing
