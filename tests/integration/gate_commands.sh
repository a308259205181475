#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every command of README.md "Requests and replies", end to end: epp-rpc -> RabbitMQ -> epp-gate -> epp-sim
# over TLS, and the registry state each one leaves, read back through the gate. A second
# gate logged in as another registrar takes part in a transfer.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
eg_setup commands
eg_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
gate_config
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
ok 0 "epp-gate up against epp-sim"

# expect CODE CMD ARGS DESCRIPTION: the reply's EPP result code is CODE; the reply is
# left in REPLY_JSON for further checks.
expect() {
	local got
	REPLY_JSON=$(rpc -t 10 "$2" "${3:-}" 2>"$T/rpc.err")
	got=$(json_get "$REPLY_JSON" epp.response.result.@code)
	[ -n "$got" ] && [ "$got" != None ] || got="$REPLY_JSON $(cat "$T/rpc.err")"
	is "$got" "$1" "$4"
}

# ---- session and greeting
out=$(rpc hello)
is "$(json_get "$out" epp.greeting.svID)" "epp-sim" "hello: the greeting as JSON"
out=$(rpc gate_status)
is "$(json_get "$out" gate.sessions.up)" "1" "gate_status: one session up"
is "$(json_get "$out" gate.sessions.svID)" "epp-sim" "gate_status: registry svID"

# ---- contacts
expect 1000 contact_check '{"contacts": ["c-reg01", "c-adm01"]}' "contact_check"
is "$(json_get "$REPLY_JSON" epp.response.resData.chkData.cd.0.id.@avail)" 1 "contact_check: available"
postal='[{"type": "int", "name": "Pat Example", "org": "Example & Co <Ltd>", "address": {"street": ["Main Street 1", "Floor 2"], "city": "Town", "sp": "North", "pc": "12345", "cc": "DE"}}]'
expect 1000 contact_create "{\"id\": \"c-reg01\", \"voice\": \"+49.301234567\", \"email\": \"pat@example.net\", \"auth_info\": \"contact-pw-1\", \"contacts\": $postal}" "contact_create (registrant)"
expect 1000 contact_create "{\"id\": \"c-adm01\", \"email\": \"adm@example.net\", \"auth_info\": \"contact-pw-2\", \"contacts\": $postal}" "contact_create (admin)"
expect 1000 contact_info '{"contact": "c-reg01", "auth_info": "contact-pw-1"}' "contact_info"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.postalInfo.org)" "Example & Co <Ltd>" "contact_info: metacharacters round-trip"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.postalInfo.addr.street.1)" "Floor 2" "contact_info: one street element per line"
expect 1000 contact_update '{"id": "c-adm01", "voice": "+49.309999999", "email": "admin@example.net"}' "contact_update"
rpc contact_info '{"contact": "c-adm01"}' >/dev/null
is "$(json_get "$(rpc contact_info '{"contact": "c-adm01"}')" epp.response.resData.infData.email)" "admin@example.net" "contact_update: change visible"
expect 1000 contact_check '{"contacts": ["c-reg01"]}' "contact_check after create"
is "$(json_get "$REPLY_JSON" epp.response.resData.chkData.cd.id.@avail)" 0 "contact_check: taken"

# ---- hosts
expect 1000 host_check '{"hosts": ["ns1.hosts-example.net", "ns2.hosts-example.net"]}' "host_check"
expect 1000 host_create '{"name": "ns1.hosts-example.net", "ip_address": [{"ip": "192.0.2.1", "version": "v4"}, {"ip": "2001:db8::1", "version": "v6"}]}' "host_create with v4 and v6"
expect 1000 host_create '{"name": "ns2.hosts-example.net"}' "host_create without addresses"
expect 1000 host_create '{"name": "ns3.hosts-example.net"}' "host_create (to delete)"
expect 1000 host_info '{"name": "ns1.hosts-example.net"}' "host_info"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.addr.1.#text)" "2001:db8::1" "host_info: v6 address"
expect 1000 host_update '{"name": "ns2.hosts-example.net", "add_ip_address": [{"ip": "192.0.2.2", "version": "v4"}], "add_statuses": [{"name": "clientDeleteProhibited"}]}' "host_update"
expect 2304 host_delete '{"name": "ns2.hosts-example.net"}' "host_delete refused by clientDeleteProhibited"
expect 1000 host_delete '{"name": "ns3.hosts-example.net"}' "host_delete"

# ---- domains
expect 1000 domain_check '{"domains": ["first.example", "second.example"]}' "domain_check"
is "$(json_get "$REPLY_JSON" epp.response.resData.chkData.cd.1.name.@avail)" 1 "domain_check: available"
expect 1000 domain_check '{"domains": ["first.example"], "fee": {"currency": "USD", "command": "create", "period": 2}}' "domain_check with fee"
like "$REPLY_JSON" '"chkData".*"fee"' "fee: the registry's fee data comes back"
expect 1000 domain_create '{"name": "first.example", "registrant": "c-reg01", "nameservers": ["ns1.hosts-example.net", "ns2.hosts-example.net"], "period": 1, "period_units": "y", "contacts": {"admin": "c-adm01", "billing": "c-adm01", "tech": "c-adm01"}, "auth_info": "domain-pw-1"}' "domain_create"
expect 2302 domain_create '{"name": "first.example", "registrant": "c-reg01", "period": 1, "contacts": {"admin": "c-adm01"}, "auth_info": "x-pw-1234"}' "domain_create again: 2302 object exists"
expect 1000 domain_check '{"domains": ["first.example"]}' "domain_check after create"
is "$(json_get "$REPLY_JSON" epp.response.resData.chkData.cd.name.@avail)" 0 "domain_check: taken"
expect 1000 domain_info '{"name": "first.example"}' "domain_info"
exdate=$(json_get "$REPLY_JSON" epp.response.resData.infData.exDate)
like "$exdate" '^[0-9]{4}-' "domain_info: exDate $exdate"
expect 1000 domain_renew "{\"name\": \"first.example\", \"cur_exp_date\": \"$exdate\", \"period\": \"2\", \"period_units\": \"y\"}" "domain_renew (date-time cut to its date)"
newex=$(json_get "$REPLY_JSON" epp.response.resData.renData.exDate)
is "${newex:0:4}" "$(( ${exdate:0:4} + 2 ))" "domain_renew: exDate two years later"
expect 2306 domain_renew "{\"name\": \"first.example\", \"cur_exp_date\": \"${exdate:0:10}\", \"period\": 1}" "domain_renew with a stale expiry date: 2306"
expect 1000 domain_update '{"name": "first.example", "add_statuses": [{"name": "clientDeleteProhibited", "value": "held by the registrant"}], "add_secdns": {"key_tag": 12345, "alg": 13, "digest_type": 2, "digest": "49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE"}, "remove_nameservers": ["ns2.hosts-example.net"]}' "domain_update: status, secDNS, name server"
expect 1000 domain_info '{"name": "first.example"}' "domain_info after update"
like "$REPLY_JSON" '"keyTag":"12345"' "domain_info shows the DS record"
like "$REPLY_JSON" '"@s":"clientDeleteProhibited"' "domain_info shows the status"
expect 2304 domain_delete '{"name": "first.example"}' "domain_delete blocked by clientDeleteProhibited"
expect 1000 domain_update '{"name": "first.example", "remove_statuses": [{"name": "clientDeleteProhibited"}], "rem_secdns": {"all": true}, "change_registrant": "c-adm01", "auth_info": "domain-pw-2"}' "domain_update: remove status, all DS, new registrant and authInfo"
expect 1000 domain_delete '{"name": "first.example"}' "domain_delete"
expect 1000 domain_update '{"name": "first.example", "rgp_restore": true}' "domain_update with an RGP restore request"
expect 1000 domain_info '{"name": "first.example"}' "the restored domain is back"

# ---- transfer between two registrars: a second gate logs in as registrar2
QUEUE_A=$QUEUE
GATE_A_PID=$GATE_PID
QUEUE="$QUEUE_A-b"
SIM_CLID=registrar2 SIM_PW=password-two gate_config
GATE_CONF_B=$GATE_CONF
"$EG_BIN/epp-gate" --config "$GATE_CONF_B" >"$T/gate-b.out" 2>&1 &
GATE_PID=$!
track_pid "$GATE_PID"
gate_wait_up 1 20
ok $? "second gate (registrar2) up"
expect 1000 contact_create "{\"id\": \"c-r2reg\", \"email\": \"r2@example.net\", \"auth_info\": \"contact-pw-3\", \"contacts\": $postal}" "registrar2: contact_create"
expect 1000 domain_create '{"name": "moving.example", "registrant": "c-r2reg", "period": 1, "contacts": {"admin": "c-r2reg"}, "auth_info": "move-pw-123"}' "registrar2: domain_create"
QUEUE=$QUEUE_A
expect 2202 domain_transfer '{"name": "moving.example", "op": "request", "auth_info": "wrong-pw-000"}' "transfer request with a wrong authInfo: 2202"
expect 1001 domain_transfer '{"name": "moving.example", "op": "request", "auth_info": "move-pw-123", "period": 1}' "registrar1: transfer request pending (1001)"
expect 1000 domain_transfer '{"name": "moving.example", "op": "query", "auth_info": "move-pw-123"}' "registrar1: transfer query"
is "$(json_get "$REPLY_JSON" epp.response.resData.trnData.trStatus)" "pending" "transfer query: pending"
QUEUE="$QUEUE_A-b"
expect 1301 poll_req "" "registrar2: poll_req shows the transfer message"
msgid=$(json_get "$REPLY_JSON" epp.response.msgQ.@id)
like "$msgid" '^[0-9A-Za-z-]+$' "poll message id $msgid"
expect 1000 poll_ack "{\"msg_id\": \"$msgid\"}" "registrar2: poll_ack"
expect 1000 domain_transfer '{"name": "moving.example", "op": "approve"}' "registrar2: transfer approve"
QUEUE=$QUEUE_A
expect 1000 domain_info '{"name": "moving.example"}' "registrar1: domain_info of the moved domain"
is "$(json_get "$REPLY_JSON" epp.response.resData.infData.clID)" "registrar1" "the domain is now registrar1's"
expect 1301 poll_req "" "registrar1: poll_req shows the approval"

# ---- generic and raw commands
expect 1000 epp '{"command": {"check": {"domain:check": {"@xmlns:domain": "urn:ietf:params:xml:ns:domain-1.0", "domain:name": ["first.example", "free.example"]}}}}' "epp: a generic check"
is "$(json_get "$REPLY_JSON" epp.response.resData.chkData.cd.1.name.@avail)" 1 "epp: generic check answered"
expect 1000 xml '{"xml": "<?xml version=\"1.0\" encoding=\"UTF-8\"?><epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><info><host:info xmlns:host=\"urn:ietf:params:xml:ns:host-1.0\"><host:name>ns1.hosts-example.net</host:name></host:info></info></command></epp>"}' "xml: a raw host info (clTRID added)"
expect 1000 contact_delete '{"contact": "c-reg01"}' "contact_delete of an unlinked contact"
expect 2305 contact_delete '{"contact": "c-adm01"}' "contact_delete of a linked contact: 2305"

# every command the gate has answered went to the registry exactly once
is "$(sim_count ' cmd=domain:create .* code=1000')" 2 "epp-sim created two domains"
is "$(sim_count ' cmd=domain:renew .* code=1000')" 1 "epp-sim renewed once"
grep -q 'request cmd=domain_create objects=[^ ]* code=1000' "$GATE_OUT"
ok $? "gate logs one line per request with its result code"
done_testing
