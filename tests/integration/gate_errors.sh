#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad requests come back as error replies with the reference's prefixes, nothing reaches
# the registry, and the gate keeps serving; a request without reply_to is processed,
# logged and acked; an expired request is answered and never executed.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
eg_setup errors
eg_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
gate_config
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
ref=$EG_SRCDIR/tests/lib/refclient.py

before=$(sim_count ' cmd=')
mapfile -t out < <(/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" call \
    'this is not JSON' '["a", "list"]' '{"bad": "request"}' '{"cmd": 42}' \
    '{"cmd": "something_crazy"}' '{"cmd": "domain_check", "args": "x"}' \
    '{"cmd": "domain_check", "args": {"domains": "a.example"}}' \
    '{"cmd": "domain_renew", "args": {"name": "a.example", "cur_exp_date": "2030-01-01", "period": 100}}' \
    '{"cmd": "domain_check", "args": {"domains": ["bad\u0001name.example"]}}' \
    '{"cmd": "host_create", "args": {"name": "ns1.example.net", "ip_address": [{"ip": "999.1.1.1", "version": "v4"}]}}' \
    '{"cmd": "domain_check", "args": {"domains": ["still.serving.example"]}}')
like "${out[0]}" '^\{"error":"failed reading EPP request: ' "not JSON"
like "${out[1]}" '^\{"error":"failed reading EPP request: ' "JSON that is not an object"
like "${out[2]}" "^\\{\"error\":\"failed reading EPP request: missing 'cmd'\"" "no cmd (the reference's KeyError case)"
like "${out[3]}" '^\{"error":"failed reading EPP request: ' "cmd not a string"
is "${out[4]}" "{\"error\":\"unknown command or empty response received: 'something_crazy'\"}" "unknown command: the reference's message"
like "${out[5]}" "failed reading EPP request: .*args" "args not an object"
like "${out[6]}" "failed reading EPP request: argument 'domains'" "wrong type names the argument"
like "${out[7]}" "failed reading EPP request: argument 'period'" "out of range names the argument"
like "${out[8]}" "failed reading EPP request: argument 'domains" "control character refused"
like "${out[9]}" "failed reading EPP request: argument 'ip_address" "bad IP address refused"
is "$(json_get "${out[10]}" epp.response.result.@code)" 1000 "the gate keeps serving after bad requests"
is "$(( $(sim_count ' cmd=') - before ))" 1 "only the good request reached the registry"

# No reply_to: executed, logged, acked (the next request is served, nothing is left unacked).
/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" publish '{"cmd": "domain_check", "args": {"domains": ["noreply.example"]}}' --no-reply-to
wait_for 10 grep -q 'noreply.example' "$SIM_CMDLOG"
ok $? "a request without reply_to is executed"
wait_for 5 grep -q 'request cmd=domain_check objects=noreply.example code=1000 .*reply_to=none' "$GATE_OUT"
ok $? "and logged"
out=$(rpc domain_check '{"domains": ["after-noreply.example"]}')
is "$(json_get "$out" epp.response.result.@code)" 1000 "and acked: the gate serves the next one"

# Expired: x-deadline in the past.
out=$(/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" publish '{"cmd": "domain_check", "args": {"domains": ["expired.example"]}}' --deadline-ms -1000)
like "$out" '"error":"failed processing EPP command: request expired' "an expired request is answered with an error"
like "$out" '"code":"expired"' "with a machine-readable code"
sleep 0.3
is "$(sim_count 'expired.example')" 0 "and never reaches the registry"
out=$(/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" publish '{"cmd": "domain_check", "args": {"domains": ["intime.example"]}}' --deadline-ms 10000)
is "$(json_get "$out" epp.response.result.@code)" 1000 "a request inside its deadline is served"
done_testing
