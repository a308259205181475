#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The registry answers with something unusable: a frame that is not XML (garbage), a
# frame header of 32 MiB (oversize, above the gate's 16 MiB limit), a response with
# another clTRID (wrong-cltrid), half a frame and silence (partial), or nothing past the
# command timeout (stall). Each time the session ends (never reused out of step), a
# query is re-sent once on a new session, a create is not (outcome unknown), a query
# that meets the fault twice gets an error, and the gate keeps serving.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
eg_setup frames
fault_sim_start --stall-ms 5000 || { ok 1 "epp-sim starts"; done_testing; exit 1; }
GATE_CMD_TIMEOUT=1500 gate_config
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
mk_contact c-frames >/dev/null
mk_domain info-me.example c-frames >/dev/null

# What a query that meets the fault on both tries is told.
declare -A twice=(
	[garbage]='^failed reading EPP response: '
	[oversize]='^failed processing EPP command: bad frame from the registry: .*exceeds'
	[wrong-cltrid]='^failed processing EPP command: response carries clTRID .*-WRONG, sent '
	[partial]='^failed processing EPP command: no response from the registry in time'
	[stall]='^failed processing EPP command: no response from the registry in time'
)
for k in garbage oversize wrong-cltrid partial stall; do
	logins=$(grep -c ' cmd=login .*code=1000' "$SIM_CMDLOG")

	set_faults "$k:1:domain:check:once"
	n=$(sim_seen domain:check "$k.example")
	start=$(date +%s%N)
	out=$(rpc -t 20 domain_check "{\"domains\": [\"$k.example\"]}")
	ms=$((($(date +%s%N) - start) / 1000000))
	is "$(code_of "$out")" 1000 "$k, query: answered after a re-send ($ms ms)"
	is "$(( $(sim_seen domain:check "$k.example") - n ))" 2 "$k, query: sent twice"

	set_faults "$k:1:domain:create:once"
	out=$(rpc -t 20 domain_create "{\"name\": \"$k-c.example\", \"registrant\": \"c-frames\", \"contacts\": {\"admin\": \"c-frames\"}, \"auth_info\": \"frames-pw-1\"}" 2>/dev/null)
	is "$(errcode_of "$out")" outcome_unknown "$k, create: outcome unknown"
	is "$(json_get "$out" registry.epp.response.result.@code)" 1000 "$k, create: the registry shows it exists"
	is "$(sim_seen domain:create "$k-c.example")" 1 "$k, create: sent once"
	is "$(sim_ran domain:create "$k-c.example")" 1 "$k, create: executed once"

	set_faults "$k:1:domain:info"
	n=$(sim_seen domain:info info-me.example)
	out=$(rpc -t 20 domain_info '{"name": "info-me.example"}' 2>/dev/null)
	like "$(json_get "$out" error)" "${twice[$k]}" "$k twice: the caller gets an error"
	is "$(errcode_of "$out")" None "$k twice: not an outcome-unknown (a query has no effect)"
	is "$(( $(sim_seen domain:info info-me.example) - n ))" 2 "$k twice: sent twice, not more"

	set_faults
	out=$(rpc -t 20 domain_check '{"domains": ["still-here.example"]}')
	is "$(code_of "$out")" 1000 "$k: the gate keeps serving"
	[ "$(grep -c ' cmd=login .*code=1000' "$SIM_CMDLOG")" -ge $((logins + 3)) ]
	ok $? "$k: every fault ended its session (new logins)"
done
gate_alive; ok $? "the gate process is still running"
is "$(json_get "$(rpc gate_status)" gate.sessions.up)" 1 "gate_status: the session is up"
like "$(grep -c 'session 0: closed: ' "$GATE_OUT")" '^([1-9][0-9])$' "the gate logged each session it closed"
done_testing
