#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A client written to the reference's conventions (python3-pika, exclusive server-named
# reply queue, uuid4 correlation ids) gets correct replies from our gate, including the
# reference's own request vectors.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
eg_setup pyclient
eg_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
gate_config
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
ref=$EG_SRCDIR/tests/lib/refclient.py

mapfile -t out < <(/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" call \
    '{"cmd": "domain_check", "args": {"domains": ["py1.example", "py2.example"]}}' \
    '{"cmd": "poll_req"}' '{"cmd": "host_check", "args": {"hosts": ["ns1.py.example"]}}')
is "$(json_get "${out[0]}" epp.response.result.@code)" 1000 "domain_check through a pika client"
is "$(json_get "${out[0]}" epp.response.resData.chkData.cd.1.name.#text)" "py2.example" "reply in the reference's JSON form"
is "$(json_get "${out[1]}" epp.response.result.@code)" 1300 "poll_req: no messages"
is "$(json_get "${out[2]}" epp.response.result.@code)" 1000 "host_check"

# The reference's own requests (anchor vectors), with the objects they name set up first,
# give the result codes of the reference's replies.
/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" call \
    '{"cmd": "host_create", "args": {"name": "ns1.google.com"}}' \
    '{"cmd": "host_create", "args": {"name": "ns2.google.com"}}' \
    '{"cmd": "contact_create", "args": {"id": "epp_id_01", "email": "a@example.net", "auth_info": "abc-12345", "contacts": [{"type": "int", "name": "A", "address": {"street": "1 Road", "city": "Town", "cc": "DE"}}]}}' \
    '{"cmd": "contact_create", "args": {"id": "epp_id_123", "email": "a@example.net", "auth_info": "123456", "contacts": [{"type": "int", "name": "A", "address": {"street": "1 Road", "city": "Town", "cc": "DE"}}]}}' \
    '{"cmd": "contact_create", "args": {"id": "registrant02", "email": "a@example.net", "auth_info": "abc-12345", "contacts": [{"type": "int", "name": "A", "address": {"street": "1 Road", "city": "Town", "cc": "DE"}}]}}' \
    '{"cmd": "contact_create", "args": {"id": "admin02", "email": "a@example.net", "auth_info": "abc-12345", "contacts": [{"type": "int", "name": "A", "address": {"street": "1 Road", "city": "Town", "cc": "DE"}}]}}' \
    '{"cmd": "contact_create", "args": {"id": "billing02", "email": "a@example.net", "auth_info": "abc-12345", "contacts": [{"type": "int", "name": "A", "address": {"street": "1 Road", "city": "Town", "cc": "DE"}}]}}' \
    '{"cmd": "contact_create", "args": {"id": "tech02", "email": "a@example.net", "auth_info": "abc-12345", "contacts": [{"type": "int", "name": "A", "address": {"street": "1 Road", "city": "Town", "cc": "DE"}}]}}' \
    '{"cmd": "domain_create", "args": {"name": "atest50.tld", "registrant": "registrant02", "period": 1, "contacts": {"admin": "admin02"}, "auth_info": "abc123"}}' \
    '{"cmd": "domain_create", "args": {"name": "fakedomain.com", "registrant": "registrant02", "period": 1, "contacts": {"admin": "admin02"}, "auth_info": "abc123"}}' \
    >/dev/null
/usr/bin/python3 - "$EG_SRCDIR/tests/data/conformance/anchor_vectors.json" >"$T/requests" <<'PY'
import json, sys
# These need state only the reference's registry had: a poll message with id 1234, a
# renewal date, another registrar's domain, secDNS data (their commands are covered with
# our own state in gate_commands.sh).
skip = {"test_cmd_poll_ack", "test_cmd_domain_update", "test_cmd_domain_renew",
        "test_cmd_domain_transfer", "test_cmd_contact_create"}
vs = [v for v in json.load(open(sys.argv[1])) if v["kind"] == "rpc" and v["name"] not in skip]
# a host is created before it is asked about
vs.sort(key=lambda v: 0 if v["name"] == "test_cmd_host_create" else 1)
for v in vs:
    if True:
        print(v["name"], json.dumps(v["json_request"]),
              v["json_response"]["epp"]["response"]["result"]["@code"], sep="\t")
PY
while IFS=$'\t' read -r name req want; do
	got=$(/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" call "$req")
	code=$(json_get "$got" epp.response.result.@code)
	is "$code" "$want" "vector $name: result code $want"
done <"$T/requests"
done_testing
