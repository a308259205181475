#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two gates on one queue sharing a PostgreSQL journal, as the gates of one registry account
# on two hosts would:
#   1. a create whose reply was lost (the gate running it killed with SIGKILL while epp-sim
#      holds the response back) is redelivered to the other gate, which does not run it
#      again: it waits for the dead gate's lease to run out, then answers "outcome unknown"
#      with what the registry shows;
#   2. a client's retry with the same message_id landing on the other gate gets the
#      recorded reply (a create and a renew: each paid once);
#   3. a message_id reused for another command is refused, not sent;
#   4. two copies of one create on the two gates at once: it runs once, and both are
#      answered with its reply.
# epp-sim's command log counts what ran in every case. The PostgreSQL is tests/run-all's
# (make check, make check-pg), else one started here (tests/lib/pg.sh; needs root).
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
. "$EG_SRCDIR/tests/lib/pg.sh"
eg_setup sharedj
if [ -z "${PG_PORT:-}" ]; then
	if [ "$(id -u)" -ne 0 ] || ! _pg_bin >/dev/null 2>&1; then
		echo "1..0 # SKIP needs PostgreSQL (Debian package postgresql) and root"
		exit 0
	fi
	trap 'stop_tracked; pg_stop; [ -n "${EG_KEEP_TMP:-}" ] || rm -rf "$T"' EXIT
	pg_start "$T/pg" || { ok 1 "PostgreSQL starts"; done_testing; exit 1; }
fi
fault_sim_start --latency 300 --stall-ms 30000 || { ok 1 "epp-sim starts"; done_testing; exit 1; }
journal_conf pg || { ok 1 "a journal database"; done_testing; exit 1; }
GATE_CMD_TIMEOUT=20000 gate_config "$JOURNAL_CONF"

# gate_n NAME: one more gate on the queue (GATE_OUT $T/gate-NAME.out), up once logged in.
declare -A GPID
gate_n() {
	local out=$T/gate-$1.out
	"$EG_BIN/epp-gate" --config "$GATE_CONF" >>"$out" 2>&1 &
	GPID[$1]=$!
	track_pid "${GPID[$1]}"
	watch_log "$out"
	wait_for 20 grep -q 'session 0: logged in' "$out" &&
	    wait_for 20 grep -q 'broker: connected to' "$out"
}
gate_log() { cat "$T/gate-$1.out"; }
stop_gate() { kill -TERM "${GPID[$1]}"; wait "${GPID[$1]}" 2>/dev/null; }
ref=$EG_SRCDIR/tests/lib/refclient.py
publish() { /usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" publish "$2" --message-id "$1" --wait 40; }
create_req() {
	printf '{"cmd": "domain_create", "args": {"name": "%s", "registrant": "c-sh", "contacts": {"admin": "c-sh"}, "auth_info": "pw-sh-1"}}' "$1"
}

gate_n a || { ok 1 "gate a starts"; done_testing; exit 1; }
mk_contact c-sh >/dev/null

# ---- 1. the reply lost with its gate ---------------------------------------------------
set_faults "stall:1:domain:create:once"
printf 'sh-lost-1\t%s\n' "$(create_req lost.example)" >"$T/requests"
durable_client "$T/requests" "$T/replies" --quiet 4 --deadline 60
stalled() { grep -q 'cmd=domain:create .*obj=lost.example .*fault=stall' "$SIM_CMDLOG"; }
wait_for 20 stalled
ok $? "1: gate a sent the create; the registry ran it and holds the response back"
gate_n b
ok $? "1: gate b starts on the same queue and journal"
gate_a_id=$(journal_sql "SELECT gate_id FROM eppgate_journal WHERE message_id = 'sh-lost-1'")
kill -KILL "${GPID[a]}"
wait "${GPID[a]}" 2>/dev/null
ok 0 "1: gate a killed with SIGKILL (it held the create as $gate_a_id)"
wait "$CLIENT_PID"
is "$?" 0 "1: the client got a reply"
r=$(reply_for "$T/replies" sh-lost-1)
is "$(errcode_of "$r")" outcome_unknown "1: gate b answered the redelivered create: outcome unknown"
like "$(json_get "$r" error)" 'already sent once and its reply was not recorded' "  because the journal shows it sent"
is "$(json_get "$r" registry.epp.response.result.@code)" 1000 "  with the registry's view: it exists"
cl=$(json_get "$r" cltrid)
is "$(grep -c " cltrid=$cl " "$SIM_CMDLOG")" 1 "  naming the clTRID the registry executed ($cl)"
is "$(sim_ran domain:create lost.example)" 1 "1: the registry ran the create once"
like "$(gate_log b)" "sh-lost-1: another copy is in progress on gate $gate_a_id" \
    "1: gate b waited while gate a's lease ran"

# ---- 2. a client's retry on the other gate ------------------------------------------------
r1=$(publish sh-retry-create "$(create_req retry.example)")
is "$(code_of "$r1")" 1000 "2: a create on gate b"
ex=$(json_get "$(rpc domain_info '{"name": "retry.example"}')" epp.response.resData.infData.exDate)
renew="{\"cmd\": \"domain_renew\", \"args\": {\"name\": \"retry.example\", \"cur_exp_date\": \"${ex:0:10}\", \"period\": 1}}"
r2=$(publish sh-retry-renew "$renew")
is "$(code_of "$r2")" 1000 "2: a renew on gate b"
gate_n a2
ok $? "2: gate a2 starts"
stop_gate b
ok 0 "2: gate b stopped: only gate a2 consumes"
r1b=$(publish sh-retry-create "$(create_req retry.example)")
r2b=$(publish sh-retry-renew "$renew")
is "$r1b" "$r1" "2: the create's retry on gate a2 gets the reply gate b recorded"
is "$r2b" "$r2" "2: and so does the renew's"
is "$(sim_ran domain:create retry.example)" 1 "2: the create ran once"
is "$(sim_ran domain:renew retry.example)" 1 "2: the renew ran once (paid once)"
nex=$(json_get "$(rpc domain_info '{"name": "retry.example"}')" epp.response.resData.infData.exDate)
is "${nex:0:4}" "$(( ${ex:0:4} + 1 ))" "2: the registry shows it renewed by one year"
is "$(gate_log a2 | grep -c 'answered from the journal')" 2 "2: gate a2 answered both from the journal"

# ---- 3. a message_id reused ---------------------------------------------------------------
r=$(publish sh-retry-create '{"cmd": "domain_delete", "args": {"name": "retry.example"}}')
is "$(errcode_of "$r")" not_sent "3: a delete with the create's message_id: not sent"
is "$(json_get "$r" error)" "failed reading EPP request: message_id sh-retry-create was already used for another request (domain_create retry.example)" \
    "3: saying which request used it"
is "$(sim_seen domain:delete retry.example)" 0 "3: the delete never reached the registry"

# ---- 4. two copies at once, on the two gates --------------------------------------------------
gate_n b2
ok $? "4: gate b2 starts: two gates consume"
# Which gate gets which copy is the broker's choice: tried until they land on both.
bad=0 cross=0
for k in 1 2 3 4 5; do
	id=sh-twin-$k name=twin$k.example
	publish "$id" "$(create_req "$name")" >"$T/twin-1" &
	p1=$!
	publish "$id" "$(create_req "$name")" >"$T/twin-2" &
	p2=$!
	wait "$p1" "$p2"
	t1=$(cat "$T/twin-1") t2=$(cat "$T/twin-2")
	[ "$(code_of "$t1")" = 1000 ] && [ "$t2" = "$t1" ] || { bad=$((bad + 1)); diag "$id: $t1 / $t2"; }
	[ "$(sim_ran domain:create "$name")" = 1 ] || { bad=$((bad + 1)); diag "$name ran $(sim_ran domain:create "$name") times"; }
	[ "$(journal_sql "SELECT state, result_code FROM eppgate_journal WHERE message_id = '$id'")" = "done|1000" ] ||
	    { bad=$((bad + 1)); diag "$id: journal row $(journal_sql "SELECT * FROM eppgate_journal WHERE message_id = '$id'")"; }
	if gate_log b2 | grep -q "$id: another copy is in progress on gate [^ ]*:${GPID[a2]}:" ||
	    gate_log a2 | grep -q "$id: another copy is in progress on gate [^ ]*:${GPID[b2]}:"; then
		cross=$k
		break
	fi
done
is "$bad" 0 "4: each pair of copies: run once, both answered with the same reply (1000), one row done"
ok "$([ "$cross" -gt 0 ]; echo $?)" "4: copies on the two gates: the later one waited for the other gate's reply (pair $cross)"
out=$(rpc domain_check '{"domains": ["after.example"]}')
is "$(code_of "$out")" 1000 "the gates keep serving"
done_testing
