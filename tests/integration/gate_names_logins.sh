#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Internationalised names and RFC 5730 passwords, end to end: epp-rpc -> RabbitMQ ->
# epp-gate -> epp-sim. A name given in Unicode reaches the registry as its A-label (the
# command log shows what arrived) and the reply comes back as the registry wrote it; a
# name that cannot be sent is refused by the gate and never reaches the registry; a
# registry refuses a U-label sent through the generic command. The gate logs in with a
# 6-character and with a 64-character password; --check-config refuses 5 and 65.
# Also: libidn2 is linked by the gate and epp-codec, never by the client library.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
eg_setup names

# ---- who links libidn2
needed() { readelf -d "$1" 2>/dev/null | grep -c 'NEEDED.*libidn2'; }
is "$(needed "$EG_BIN/epp-gate")" 1 "epp-gate links libidn2"
is "$(needed "$EG_BIN/epp-codec")" 1 "epp-codec links libidn2"
is "$(needed "$EG_BUILD/lib/libeppgate-rpc.so")" 0 "the client library does not"
is "$(needed "$EG_BIN/epp-rpc")" 0 "nor epp-rpc"

# ---- accounts: registrar1 with 6 characters, registrar3 with 64 (registrar2 as usual)
PW6=six-6x
PW64=$(printf 'p%.0s' $(seq 1 60))-64x
[ "${#PW6}" -eq 6 ] && [ "${#PW64}" -eq 64 ]
ok $? "test passwords of 6 and 64 characters"
SIM_CLID=registrar1 SIM_PW=$PW6
eg_sim_start --account "registrar3:$PW64" || { ok 1 "epp-sim starts"; done_testing; exit 1; }
ok 0 "epp-sim takes accounts with 6- and 64-character passwords"

gate_config
out=$("$EG_BIN/epp-gate" --config "$GATE_CONF" --check-config 2>&1)
is "$?" 0 "--check-config: a 6-character password passes"
[[ "$out" != *"$PW6"* ]]; ok $? "... and is not shown"
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
ok 0 "the gate logs in with a 6-character password"
is "$(sim_count ' clid=registrar1 cmd=login .*code=1000')" 1 "epp-sim: registrar1 logged in once"

# ---- names: the A-label reaches the registry, the reply is the registry's
before=$(sim_count ' cmd=domain:check ')
out=$(rpc -t 10 domain_check '{"domains": ["münchen.example", "ÖBB.at"]}')
is "$(json_get "$out" epp.response.result.@code)" 1000 "domain_check of U-labels answered"
is "$(sim_count ' cmd=domain:check .*obj=xn--mnchen-3ya.example( |$)')" 1 \
    "epp-sim received xn--mnchen-3ya.example"
is "$(sim_count ' cmd=domain:check ')" "$((before + 1))" "one check reached the registry"
is "$(json_get "$out" epp.response.resData.chkData.cd.0.name.#text)" "xn--mnchen-3ya.example" \
    "the reply names the A-label, as the registry wrote it"
is "$(json_get "$out" epp.response.resData.chkData.cd.1.name.#text)" "xn--bb-eka.at" \
    "ÖBB.at: case mapped, sent and answered as xn--bb-eka.at"
is "$(json_get "$out" epp.response.resData.chkData.cd.0.name.@avail)" 1 "and available"
[[ "$out" != *münchen* ]]; ok $? "no U-label is put back into the reply"

postal='[{"type": "int", "name": "Pat", "address": {"city": "München", "cc": "DE"}}]'
out=$(rpc -t 10 contact_create "{\"id\": \"c-idn01\", \"email\": \"pat@example.net\", \"auth_info\": \"contact-pw-1\", \"contacts\": $postal}")
is "$(json_get "$out" epp.response.result.@code)" 1000 "contact_create (city in Unicode: not a name, sent as is)"
out=$(rpc -t 10 host_create '{"name": "ns1.münchen.example"}')
is "$(json_get "$out" epp.response.result.@code)" 1000 "host_create ns1.münchen.example"
is "$(sim_count ' cmd=host:create .*obj=ns1.xn--mnchen-3ya.example( |$)')" 1 "epp-sim created ns1.xn--mnchen-3ya.example"
out=$(rpc -t 10 domain_create '{"name": "münchen.example", "registrant": "c-idn01", "nameservers": ["NS1.MÜNCHEN.example"], "period": 1, "auth_info": "domain-pw-1"}')
is "$(json_get "$out" epp.response.result.@code)" 1000 "domain_create münchen.example with a name server in capitals"
is "$(json_get "$out" epp.response.resData.creData.name)" "xn--mnchen-3ya.example" "creData: the A-label"
out=$(rpc -t 10 domain_info '{"name": "xn--mnchen-3ya.example"}')
is "$(json_get "$out" epp.response.result.@code)" 1000 "domain_info by the A-label finds it"
is "$(json_get "$out" epp.response.resData.infData.ns.hostObj)" "ns1.xn--mnchen-3ya.example" \
    "the name server was sent as its A-label"
out=$(rpc -t 10 domain_info '{"name": "MÜNCHEN.example"}')
is "$(json_get "$out" epp.response.resData.infData.name)" "xn--mnchen-3ya.example" "domain_info by the U-label in capitals: the same domain"
out=$(rpc -t 10 domain_check '{"domains": ["münchen.example"]}')
is "$(json_get "$out" epp.response.resData.chkData.cd.name.@avail)" 0 "domain_check: taken now"

# ---- names the gate refuses never reach the registry
sent=$(grep -c ' cmd=' "$SIM_CMDLOG")
refused() { # refused ARGS_JSON CMD WANT DESCRIPTION
	local out
	out=$(rpc -t 10 "$2" "$1" 2>/dev/null)
	is "$out" "{\"error\":\"failed reading EPP request: $3\"}" "$4"
}
refused '{"domains": ["a.example", "a b.example"]}' domain_check \
    "argument 'domains[1]': label 'a b' holds a space; a label has letters, digits and hyphens only (RFC 5891 4.2.3)" \
    "a name with a space is refused"
refused "{\"name\": \"$(printf 'a%.0s' $(seq 1 64)).example\"}" domain_info \
    "argument 'name': label '$(printf 'a%.0s' $(seq 1 64))' is 64 octets long; a label has at most 63 (RFC 1035 2.3.4)" \
    "a 64-octet label is refused"
refused '{"name": "x♥y.example"}' domain_info \
    "argument 'name': label 'x♥y' holds U+2665, which IDNA2008 does not allow (RFC 5892)" \
    "a disallowed code point is refused"
refused '{"name": "xn--zz.example"}' host_info \
    "argument 'name': label 'xn--zz' is not a valid A-label: it does not decode to a U-label that encodes back to it (RFC 5890 2.3.2.1, RFC 5891 5.4)" \
    "a malformed A-label is refused"
refused '{"name": "a.example", "registrant": "c-idn01", "nameservers": ["ns1.example."]}' domain_create \
    "argument 'nameservers[0]': must not end with a dot (EPP names are written without the root's dot)" \
    "a name server with a final dot is refused"
is "$(grep -c ' cmd=' "$SIM_CMDLOG")" "$sent" "none of them reached the registry"

# ---- the generic command is sent as written: the registry judges the U-label
D='"@xmlns:domain": "urn:ietf:params:xml:ns:domain-1.0"'
out=$(rpc -t 10 epp "{\"command\": {\"info\": {\"domain:info\": {$D, \"domain:name\": \"münchen.example\"}}}}" 2>/dev/null)
is "$(json_get "$out" epp.response.result.@code)" 2005 "epp: a U-label sent as written gets 2005 from the registry"
out=$(rpc -t 10 epp "{\"command\": {\"check\": {\"domain:check\": {$D, \"domain:name\": [\"münchen.example\", \"xn--mnchen-3ya.example\"]}}}}")
is "$(json_get "$out" epp.response.resData.chkData.cd.0.name.@avail)" 0 "epp: a U-label in a check is not available"
is "$(json_get "$out" epp.response.resData.chkData.cd.0.reason)" "invalid domain name" "... as an invalid name"
is "$(json_get "$out" epp.response.resData.chkData.cd.1.reason)" "in use" "... its A-label is the registered domain"

# ---- a second gate logs in with a 64-character password
QUEUE_A=$QUEUE
QUEUE="$QUEUE_A-b"
SIM_CLID=registrar3 SIM_PW=$PW64 gate_config
out=$("$EG_BIN/epp-gate" --config "$GATE_CONF" --check-config 2>&1)
is "$?" 0 "--check-config: a 64-character password passes"
"$EG_BIN/epp-gate" --config "$GATE_CONF" >"$T/gate-b.out" 2>&1 &
GATE_PID=$!
track_pid "$GATE_PID"
watch_log "$T/gate-b.out"
gate_wait_up 1 20
ok $? "the gate logs in with a 64-character password"
is "$(sim_count ' clid=registrar3 cmd=login .*code=1000')" 1 "epp-sim: registrar3 logged in"
out=$(rpc -t 10 domain_info '{"name": "münchen.example"}')
is "$(json_get "$out" epp.response.resData.infData.clID)" "registrar1" "registrar3 sees registrar1's IDN domain"
! grep -q -- "$PW64" "$T/gate-b.out" "$SIM_CMDLOG"
ok $? "the password is in no log"

# ---- --check-config refuses what the login would refuse
for pw in five5 "$(printf 'q%.0s' $(seq 1 65))"; do
	SIM_CLID=registrar1 SIM_PW=$pw gate_config
	out=$("$EG_BIN/epp-gate" --config "$GATE_CONF" --check-config 2>&1)
	is "$?" 78 "--check-config: a ${#pw}-character password exits 78 (EX_CONFIG)"
	like "$out" "epp.password \\(epp.password, epp.password_file or the --epp params file\\) must be 6 to 64 characters long" \
	    "... saying why"
	[[ "$out" != *"$pw"* ]]; ok $? "... without the password"
done
done_testing
