#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fees on transforms (RFC 8748) and what RFC 5731-5733 allow beyond the reference's
# arguments, end to end: epp-rpc -> RabbitMQ -> epp-gate -> epp-sim with a premium name,
# and the state the registry keeps, read back through the gate and from its command log.
# A second gate, logged in as another registrar, takes part in transfers.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
eg_setup fees
eg_sim_start --premium gold.example:500.00 || { ok 1 "epp-sim starts"; done_testing; exit 1; }
gate_config
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
ok 0 "epp-gate up against epp-sim with a premium name"

# expect CODE CMD ARGS DESCRIPTION: the reply's EPP result code is CODE; the reply is
# left in REPLY_JSON.
expect() {
	local got
	REPLY_JSON=$(rpc -t 10 "$2" "${3:-}" 2>"$T/rpc.err")
	got=$(json_get "$REPLY_JSON" epp.response.result.@code)
	[ -n "$got" ] && [ "$got" != None ] || got="$REPLY_JSON $(cat "$T/rpc.err")"
	is "$got" "$1" "$4"
}
# refused ARGS-TEXT CMD ARGS DESCRIPTION: the gate answers an error naming the argument.
refused() {
	REPLY_JSON=$(rpc -t 10 "$2" "${3:-}" 2>"$T/rpc.err")
	like "$(json_get "$REPLY_JSON" error)" "^failed reading EPP request: .*$1" "$4"
}
# The second gate, as registrar2, on a queue of its own.
QUEUE_A=$QUEUE
as_b() { QUEUE="$QUEUE_A-b"; }
as_a() { QUEUE=$QUEUE_A; }

# ---- contacts: phone extensions, disclose
postal='[{"type": "int", "name": "Pat Example", "address": {"street": "Main Street 1", "city": "Town", "cc": "DE"}}]'
expect 1000 contact_create "{\"id\": \"f-reg01\", \"voice\": {\"number\": \"+49.301234567\", \"ext\": \"42\"}, \"fax\": \"+49.301234568\", \"email\": \"pat@example.net\", \"auth_info\": \"reg-pw-1234\", \"contacts\": $postal, \"disclose\": {\"flag\": false, \"name\": [\"int\"], \"voice\": true, \"email\": true}}" \
    "contact_create with a phone extension and disclose"
expect 1000 contact_create "{\"id\": \"f-tec01\", \"email\": \"tec@example.net\", \"auth_info\": \"tec-pw-1234\", \"contacts\": $postal}" \
    "contact_create (tech)"
expect 1000 contact_info '{"contact": "f-reg01"}' "contact_info"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.voice.@x)" 42 "the registry keeps the extension"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.voice.#text)" "+49.301234567" "... with its number"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.disclose.@flag)" 0 "the registry keeps the disclose flag"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.disclose.name.@type)" int "... and what it applies to"
like "$REPLY_JSON" '"voice":null,"email":null\}' "... voice and email too"
reg_roid=$(json_get "$REPLY_JSON" epp.response.resData.infData.roid)
expect 1000 contact_update '{"id": "f-reg01", "voice": "+49.301234569", "disclose": {"flag": "1", "org": "loc"}}' \
    "contact_update: a number without extension, other disclose"
expect 1000 contact_info '{"contact": "f-reg01"}' "contact_info after the update"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.voice)" "+49.301234569" "the extension went with the old number"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.disclose.@flag)" 1 "disclose replaced"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.disclose.org.@type)" loc "... by the new elements"

# ---- fees on transforms, a premium name
expect 1000 domain_check '{"domains": ["gold.example", "tin.example"], "fee": {"command": ["create", "renew"]}}' \
    "domain_check with fee"
is "$(json_get "$REPLY_JSON" epp.response.extension.chkData.cd.0.class)" premium "gold.example is premium"
is "$(json_get "$REPLY_JSON" epp.response.extension.chkData.cd.0.command.0.fee.#text)" "500.00" "its create price"
expect 1000 domain_check '{"domains": ["gold.example"]}' "domain_check without fee"
is "$(json_get "$REPLY_JSON" epp.response.resData.chkData.cd.name.@avail)" 0 "a premium name checked without fee is unavailable (RFC 8748 section 4)"
expect 2003 domain_create '{"name": "gold.example", "registrant": "f-reg01", "auth_info": "gold-pw-123"}' \
    "premium domain_create without the fee: 2003 (RFC 8748 section 4)"
expect 2004 domain_create '{"name": "gold.example", "registrant": "f-reg01", "auth_info": "gold-pw-123", "fee": {"currency": "USD", "amount": "499.99"}}' \
    "premium domain_create with too little: 2004"
expect 1000 domain_create '{"name": "gold.example", "registrant": "f-reg01", "contacts": {"tech": "f-tec01"}, "auth_info": "gold-pw-123", "fee": {"currency": "USD", "amount": "500.00"}}' \
    "premium domain_create with the fee acknowledged"
is "$(json_get "$REPLY_JSON" epp.response.extension.creData.fee.#text)" "500.00" "the registry says what it charged"
is "$(sim_count ' cmd=domain:create .* code=200[34] obj=gold\.example')" 2 "epp-sim refused the two creates without the right fee"
is "$(sim_count ' cmd=domain:create .* code=1000 obj=gold\.example')" 1 "and executed the third"
expect 1000 domain_info '{"name": "gold.example"}' "domain_info gold.example"
exdate=$(json_get "$REPLY_JSON" epp.response.resData.infData.exDate)
expect 2003 domain_renew "{\"name\": \"gold.example\", \"cur_exp_date\": \"$exdate\"}" \
    "premium domain_renew without the fee: 2003"
expect 1000 domain_renew "{\"name\": \"gold.example\", \"cur_exp_date\": \"$exdate\", \"period\": 2, \"fee\": [{\"currency\": \"USD\", \"amount\": \"500.00\", \"description\": \"first year\"}, {\"amount\": 500}]}" \
    "premium domain_renew for two years, fees as a list"
is "$(json_get "$REPLY_JSON" epp.response.extension.renData.fee.#text)" "1000.00" "two years charged"
refused "argument 'fee.amount'" domain_renew "{\"name\": \"gold.example\", \"cur_exp_date\": \"$exdate\", \"fee\": {\"amount\": 0.30000000000000004}}" \
    "an inexact amount is refused by the gate"
refused "argument 'fee\\[1\\].currency'" domain_renew "{\"name\": \"gold.example\", \"cur_exp_date\": \"$exdate\", \"fee\": [{\"currency\": \"USD\", \"amount\": 1}, {\"currency\": \"EUR\", \"amount\": 1}]}" \
    "two currencies in one command are refused by the gate"
is "$(sim_count ' cmd=domain:renew .*obj=gold\.example')" 2 "and never reach the registry"

# ---- RFC 5731 optionals: no registrant, some contacts, secDNS at create, renew without period
expect 1000 domain_create '{"name": "bare.example", "contacts": {"tech": "f-tec01"}, "auth_info": "bare-pw-123", "secdns": {"key_tag": 12345, "alg": 13, "digest_type": 2, "digest": "49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE"}, "max_sig_life": 604800}' \
    "domain_create without registrant, a tech contact, DS data and maxSigLife"
expect 1000 domain_info '{"name": "bare.example"}' "domain_info bare.example"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.registrant)" None "no registrant"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.contact.@type)" tech "the tech contact"
is "$(json_get "$REPLY_JSON" epp.response.extension.infData.dsData.keyTag)" 12345 "the DS record"
is "$(json_get "$REPLY_JSON" epp.response.extension.infData.maxSigLife)" 604800 "maxSigLife"
exdate=$(json_get "$REPLY_JSON" epp.response.resData.infData.exDate)
expect 1000 domain_renew "{\"name\": \"bare.example\", \"cur_exp_date\": \"$exdate\"}" "domain_renew without period"
newex=$(json_get "$REPLY_JSON" epp.response.resData.renData.exDate)
is "${newex:0:4}" "$(( ${exdate:0:4} + 1 ))" "the registry's default: one year"
expect 1000 domain_update '{"name": "bare.example", "secdns_urgent": true, "rem_secdns": {"all": true}}' \
    "domain_update: an urgent secDNS removal"
expect 1000 domain_info '{"name": "bare.example"}' "domain_info after it"
like "$REPLY_JSON" '"resData"' "the domain is there"
[[ "$REPLY_JSON" != *dsData* ]]; ok $? "without DS data"

# ---- authInfo of the registrant by its roid, transfers with fees, contact transfers
as_b
SIM_CLID=registrar2 SIM_PW=password-two gate_config
"$EG_BIN/epp-gate" --config "$GATE_CONF" >"$T/gate-b.out" 2>&1 &
GATE_PID=$!
track_pid "$GATE_PID"
gate_wait_up 1 20
ok $? "second gate (registrar2) up"
expect 1000 domain_info "{\"name\": \"gold.example\", \"auth_info\": \"reg-pw-1234\", \"auth_info_roid\": \"$reg_roid\"}" \
    "registrar2: domain_info with the registrant's authInfo and roid ($reg_roid)"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.authInfo.pw)" "gold-pw-123" "the full info"
expect 2202 domain_info '{"name": "gold.example", "auth_info": "reg-pw-1234"}' \
    "the registrant's authInfo without its roid: 2202"
expect 2003 domain_transfer '{"name": "gold.example", "auth_info": "gold-pw-123"}' \
    "registrar2: premium transfer request without the fee: 2003"
expect 1001 domain_transfer '{"name": "gold.example", "auth_info": "gold-pw-123", "period": 1, "fee": {"amount": "500.00"}}' \
    "registrar2: premium transfer request with the fee"
is "$(json_get "$REPLY_JSON" epp.response.extension.trnData.fee.#text)" "500.00" "the transfer fee"
expect 1000 domain_transfer '{"name": "gold.example", "op": "cancel"}' "registrar2: transfer cancel"
expect 1001 contact_transfer '{"contact": "f-tec01", "auth_info": "tec-pw-1234"}' "registrar2: contact_transfer request"
as_a
expect 1000 contact_transfer '{"contact": "f-tec01", "op": "query"}' "registrar1: contact_transfer query"
is "$(json_get "$REPLY_JSON" epp.response.resData.trnData.trStatus)" pending "pending"
expect 1000 contact_transfer '{"contact": "f-tec01", "op": "reject"}' "registrar1: contact_transfer reject"
as_b
expect 1001 contact_transfer '{"contact": "f-tec01", "op": "request", "auth_info": "tec-pw-1234"}' "registrar2: asks again"
expect 1000 contact_transfer '{"contact": "f-tec01", "op": "cancel"}' "registrar2: contact_transfer cancel"
expect 1001 contact_transfer '{"contact": "f-tec01", "auth_info": "tec-pw-1234"}' "registrar2: and again"
as_a
expect 1000 contact_transfer '{"contact": "f-tec01", "op": "approve"}' "registrar1: contact_transfer approve"
as_b
expect 1000 contact_info '{"contact": "f-tec01"}' "registrar2: contact_info"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.clID)" registrar2 "the contact is registrar2's"
is "$(sim_count ' cmd=contact:transfer .* code=100[01] obj=f-tec01')" 7 "epp-sim executed every contact transfer op"

# ---- the restore's fee
as_a
expect 1000 domain_delete '{"name": "bare.example"}' "domain_delete"
expect 2004 domain_update '{"name": "bare.example", "rgp_restore": true, "fee": {"amount": "1.00"}}' \
    "restore with less than its fee: 2004"
expect 1000 domain_update '{"name": "bare.example", "rgp_restore": true, "fee": {"currency": "USD", "amount": "40.00"}}' \
    "restore with its fee"
is "$(json_get "$REPLY_JSON" epp.response.extension.updData.fee.#text)" "40.00" "the restore fee charged"
expect 1000 domain_info '{"name": "bare.example"}' "the restored domain is back"
done_testing
