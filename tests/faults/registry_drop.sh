#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The registry drops the connection before or after reading a command (epp-sim faults
# drop-before, drop-after), for each kind of command. A query is re-sent on a new session
# and answered; a create, renew, transfer, update or delete is never re-sent: the caller
# gets "outcome unknown" naming the clTRID, with what an info query shows the registry
# holds. Checked against epp-sim's command log: what it executed, and how often.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
eg_setup drop
fault_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
gate_config
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }

# Objects the commands work on: registrar1's through the gate, registrar2's (to transfer)
# straight at epp-sim.
mk_contact c-drop >/dev/null
for k in before after; do
	for d in renew upd del; do mk_domain "$d-$k.example" c-drop >/dev/null; done
done
r2_send "$R2_CONTACT" "$(r2_domain_body xfer-before.example xfer-pw-1)" \
    "$(r2_domain_body xfer-after.example xfer-pw-1)"
ok $? "objects set up"
exdate() { json_get "$(rpc domain_info "{\"name\": \"$1\"}")" epp.response.resData.infData.exDate; }

# ---- queries: re-sent transparently -------------------------------------------------
# query KIND SIMCMD OBJ GATECMD ARGS
query() {
	local out before
	set_faults "drop-$1:1:$2:once"
	before=$(sim_seen "$2" "$3")
	out=$(rpc -t 15 "$4" "$5")
	like "$(code_of "$out")" '^1[0-9]{3}$' "drop-$1 $4: answered ($(code_of "$out"))"
	is "$(( $(sim_seen "$2" "$3") - before ))" 2 "drop-$1 $4: reached epp-sim twice (dropped, then re-sent)"
}
for k in before after; do
	query "$k" domain:check "q-$k.example" domain_check "{\"domains\": [\"q-$k.example\"]}"
	query "$k" domain:info "renew-$k.example" domain_info "{\"name\": \"renew-$k.example\"}"
	query "$k" contact:info c-drop contact_info '{"contact": "c-drop"}'
	query "$k" host:check "ns.q-$k.example" host_check "{\"hosts\": [\"ns.q-$k.example\"]}"
done
set_faults "drop-after:1:poll:once"
out=$(rpc -t 15 poll_req)
is "$(code_of "$out")" 1300 "drop-after poll_req: answered"
is "$(grep -c ' cmd=poll ' "$SIM_CMDLOG")" 2 "drop-after poll_req: re-sent once"

# ---- transforms: never re-sent -------------------------------------------------------
# transform KIND SIMCMD OBJ GATECMD ARGS: sets REPLY
transform() {
	local cl
	set_faults "drop-$1:1:$2:once"
	REPLY=$(rpc -t 15 "$4" "$5" 2>/dev/null)
	is "$(errcode_of "$REPLY")" outcome_unknown "drop-$1 $4: outcome unknown"
	like "$(json_get "$REPLY" error)" "^failed processing EPP command: outcome unknown for $4 \\(clTRID [^)]+\\)" \
	    "drop-$1 $4: the error names the clTRID"
	cl=$(json_get "$REPLY" cltrid)
	is "$(grep -c " cltrid=$cl " "$SIM_CMDLOG")" 1 "drop-$1 $4: epp-sim saw clTRID $cl once"
	is "$(sim_seen "$2" "$3")" 1 "drop-$1 $4: not re-sent"
	if [ "$1" = before ]; then
		is "$(sim_ran "$2" "$3")" 0 "drop-before $4: not executed"
	else
		is "$(sim_ran "$2" "$3")" 1 "drop-after $4: executed once"
	fi
}
for k in before after; do
	transform "$k" domain:create "create-$k.example" domain_create \
	    "{\"name\": \"create-$k.example\", \"registrant\": \"c-drop\", \"contacts\": {\"admin\": \"c-drop\"}, \"auth_info\": \"create-pw-1\"}"
	reg=$(json_get "$REPLY" registry.epp.response.result.@code)
	if [ "$k" = before ]; then
		is "$reg" 2303 "drop-before domain_create: the registry info says it does not exist"
	else
		is "$reg" 1000 "drop-after domain_create: the registry info says it exists"
		is "$(json_get "$REPLY" registry.epp.response.resData.infData.clID)" "$SIM_CLID" \
		    "drop-after domain_create: sponsored by us"
	fi
	ex=$(exdate "renew-$k.example")
	transform "$k" domain:renew "renew-$k.example" domain_renew \
	    "{\"name\": \"renew-$k.example\", \"cur_exp_date\": \"${ex:0:10}\", \"period\": 1}"
	ex2=$(json_get "$REPLY" registry.epp.response.resData.infData.exDate)
	if [ "$k" = before ]; then
		is "${ex2:0:4}" "${ex:0:4}" "drop-before domain_renew: the registry shows the old expiry"
	else
		is "${ex2:0:4}" "$(( ${ex:0:4} + 1 ))" "drop-after domain_renew: renewed by one year, once"
	fi
	transform "$k" domain:update "upd-$k.example" domain_update \
	    "{\"name\": \"upd-$k.example\", \"add_statuses\": [{\"name\": \"clientHold\"}]}"
	transform "$k" domain:delete "del-$k.example" domain_delete "{\"name\": \"del-$k.example\"}"
	transform "$k" domain:transfer "xfer-$k.example" domain_transfer \
	    "{\"name\": \"xfer-$k.example\", \"op\": \"request\", \"auth_info\": \"xfer-pw-1\"}"
	transform "$k" contact:create "c-new-$k" contact_create \
	    "{\"id\": \"c-new-$k\", \"email\": \"x@example.net\", \"auth_info\": \"cpw-x1\", \"contacts\": $POSTAL}"
done
like "$(json_get "$(rpc domain_info '{"name": "upd-after.example"}')" epp.response.resData.infData.status)" \
    'clientHold' "drop-after domain_update: the status is there"
like "$(json_get "$(rpc domain_info '{"name": "del-after.example"}')" epp.response.resData.infData.status)" \
    'pendingDelete' "drop-after domain_delete: the domain is pending delete"
like "$(json_get "$(rpc domain_info '{"name": "xfer-after.example", "auth_info": "xfer-pw-1"}')" epp.response.resData.infData.status)" \
    'pendingTransfer' "drop-after domain_transfer: the transfer is pending"

# ---- still serving --------------------------------------------------------------------
set_faults
out=$(rpc domain_check '{"domains": ["after.example"]}')
is "$(code_of "$out")" 1000 "the gate keeps serving"
gate_alive; ok $? "the gate process is still running"
done_testing
