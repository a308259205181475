#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# epp-gate --check-config --connect against epp-sim and the broker: every step (broker
# login, broker queue, epp tcp, tls, greeting, login, logout) on its own line with its
# time, the registry's certificate chain, exit 0; a wrong EPP password fails the login
# step with the registry's 2200 text (exit 78); a queue that does not exist fails the
# broker queue step naming it (78); nothing listening fails the tcp step (69); a
# registry whose certificate does not verify fails the tls step (78). No secret printed.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
eg_setup checkconn
eg_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
gate=$EG_BIN/epp-gate

# The queue exists once a gate has declared it (the reference's declaration); the gate is
# stopped again, the queue stays.
gate_config
gate_start || { ok 1 "epp-gate starts and declares its queue"; done_testing; exit 1; }
kill -TERM "$GATE_PID"; wait "$GATE_PID"
before=$(sim_count ' cmd=login .*code=1000')
before_out=$(sim_count ' cmd=logout ')
umask 077

# ---- all steps pass
out=$("$gate" --config "$GATE_CONF" --check-config --connect 2>"$T/err")
rc=$?
is "$rc" 0 "all steps pass: exit 0"
is "$(cat "$T/err")" "" "nothing on stderr"
printf '%s\n' "$out" | sed -n '/^broker login/,$p' | sed 's/^/# /'
like "$out" $'\nbroker login '"$AMQP_HOST:$AMQP_PORT"': ok \([0-9]+ ms\): [^\n]*user guest' "broker login line with its time"
like "$out" $'\nbroker queue '"$QUEUE"': ok \([0-9]+ ms\): exists, 0 messages ready, 0 consumers' "broker queue line: the queue exists"
like "$out" $'\nepp tcp localhost:'"$SIM_PORT"': ok \([0-9]+ ms\)' "epp tcp line"
like "$out" $'\nepp tls: ok \([0-9]+ ms\): certificate verified for localhost' "epp tls line"
like "$out" $'\n  certificate 0: subject CN=localhost; issuer CN=epp-gate test CA; notAfter [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [0-9]{4} GMT' "the registry's certificate: subject, issuer, notAfter"
like "$out" $'\nepp greeting: ok \([0-9]+ ms\): svID [^;]+; objects: [^\n]*urn:ietf:params:xml:ns:domain-1.0' "epp greeting line: svID and the services offered"
like "$out" $'\nepp login: ok \([0-9]+ ms\): as registrar1' "epp login line"
like "$out" $'\nepp logout: ok \([0-9]+ ms\): 1500 ' "epp logout line with the registry's 1500"
like "$out" $'\nconnection check OK$' "the last line says all is well"
# The steps in order, after the configuration summary.
order=$(printf '%s\n' "$out" | sed -n 's/^\(broker login\|broker queue\|epp tcp\|epp tls\|epp greeting\|epp login\|epp logout\).*/\1/p' | tr '\n' ,)
is "$order" "broker login,broker queue,epp tcp,epp tls,epp greeting,epp login,epp logout," "seven steps, in order"
is "$(sim_count ' cmd=login .*code=1000')" "$((before + 1))" "epp-sim saw one login"
is "$(sim_count ' cmd=logout ')" "$((before_out + 1))" "epp-sim saw one logout"
[[ "$out" != *"$SIM_PW"* && "$out" != *"password = \"guest\""* ]]
ok $? "no secret printed"

# ---- a wrong EPP password: the login step fails with the registry's 2200
sed "s/password = \"$SIM_PW\"/password = \"wrong-password\"/" "$GATE_CONF" >"$T/wrongpw.conf"
out=$("$gate" --config "$T/wrongpw.conf" --check-config --connect 2>"$T/err")
rc=$?
is "$rc" 78 "wrong password: exit 78 (EX_CONFIG)"
like "$out" $'\nepp login: FAILED \([0-9]+ ms\): the registry refused the login: 2200 ' "the login step fails with 2200"
like "$(cat "$T/err")" '^epp-gate: connection check failed at epp login: the registry refused the login: 2200 [A-Za-z]' "stderr names the step and the registry's text"
like "$out" $'\nbroker queue [^\n]*: ok' "the broker steps still pass"
[[ "$out$(cat "$T/err")" != *wrong-password* ]]
ok $? "the wrong password is not printed either"
[[ "$out" != *"epp logout"* ]]
ok $? "no logout after a failed login"

# ---- a queue that does not exist: the broker queue step fails naming it
missing="t-missing-$$-$RANDOM"
sed "s/name = \"$QUEUE\"/name = \"$missing\"/" "$GATE_CONF" >"$T/noqueue.conf"
out=$("$gate" --config "$T/noqueue.conf" --check-config --connect 2>"$T/err")
rc=$?
is "$rc" 78 "missing queue: exit 78"
like "$out" $'\nbroker queue '"$missing"': FAILED \([0-9]+ ms\): queue '"$missing"' does not exist in vhost /' "the queue step fails naming the queue"
like "$(cat "$T/err")" "connection check failed at broker queue $missing: queue $missing does not exist" "stderr says so"
like "$out" $'\nepp logout: ok' "the EPP steps are still tried and pass"
# and the check created nothing
out=$("$gate" --config "$T/noqueue.conf" --check-config --connect 2>&1)
like "$out" "queue $missing does not exist" "a second check: still missing (passive declare creates nothing)"

# ---- epp-sim not listening: the tcp step fails
port=$(free_port)
sed "s/port = $SIM_PORT;/port = $port;/" "$GATE_CONF" >"$T/noport.conf"
out=$("$gate" --config "$T/noport.conf" --check-config --connect 2>"$T/err")
rc=$?
is "$rc" 69 "nothing listening: exit 69 (EX_UNAVAILABLE)"
like "$out" $'\nepp tcp localhost:'"$port"': FAILED \([0-9]+ ms\): connect to localhost:'"$port"' failed' "the tcp step fails"
like "$(cat "$T/err")" "connection check failed at epp tcp localhost:$port" "stderr names the step"
[[ "$out" != *"epp tls"* ]]
ok $? "no tls step after a failed tcp step"

# ---- a CA that did not sign the registry's certificate: the tls step fails
sed "s|ca_file = \"$CERTS/ca.crt\"|ca_file = \"$CERTS/other-ca.crt\"|" "$GATE_CONF" >"$T/otherca.conf"
out=$("$gate" --config "$T/otherca.conf" --check-config --connect 2>"$T/err")
rc=$?
is "$rc" 78 "certificate does not verify: exit 78"
like "$out" $'\nepp tls: FAILED \([0-9]+ ms\): the registry.s certificate does not verify' "the tls step fails saying why"

# ---- the reference's command line (params files) with the TLS files from --config, against
# a registry that requires a client certificate
# (this one sends its certificate with the CA's after it: a chain of two)
cat "$CERTS/server.crt" "$CERTS/ca.crt" >"$T/chain.crt"
SIM_CERTS=$CERTS sim_start "$T/sim2" --account "$SIM_CLID:$SIM_PW" --ca "$CERTS/ca.crt" \
    --require-client-cert --cert "$T/chain.crt" || { ok 1 "a second epp-sim (client certificates) starts"; done_testing; exit 1; }
printf 'localhost %s %s %s\n' "$SIM_PORT" "$SIM_CLID" "$SIM_PW" >"$T/epp_params"
printf '%s %s guest guest\n' "$AMQP_HOST" "$AMQP_PORT" >"$T/rabbitmq_params"
cat >"$T/tls.conf" <<CONF
epp: { tls: { ca_file = "$CERTS/ca.crt"; cert_file = "$CERTS/client.crt"; key_file = "$CERTS/client.key"; }; };
CONF
out=$("$gate" --epp "$T/epp_params" --rabbitmq "$T/rabbitmq_params" -q "$QUEUE" \
    --config "$T/tls.conf" --check-config --connect 2>"$T/err")
rc=$?
is "$rc" 0 "params files + --config with the client certificate: every step passes"
like "$out" $'\nepp tls: ok \([0-9]+ ms\): certificate verified for localhost, client certificate offered' "the client certificate from the config file was offered"
like "$out" $'\nepp login: ok \([0-9]+ ms\): as '"$SIM_CLID" "and the login from the params file worked"
like "$out" $'\n  certificate 0: subject CN=localhost; issuer CN=epp-gate test CA; [^\n]*\n  certificate 1: subject CN=epp-gate test CA; issuer CN=epp-gate test CA; notAfter ' "a chain of two: both certificates shown, in the order sent"
like "$out" $'\nbroker queue '"$QUEUE"': ok' "the broker from the params file, the queue from -q"
out=$(SSL_CERT_FILE=$CERTS/ca.crt "$gate" --epp "$T/epp_params" --rabbitmq "$T/rabbitmq_params" \
    -q "$QUEUE" --check-config --connect 2>"$T/err")
rc=$?
is "$rc" 78 "the params files alone (no client certificate): exit 78"
like "$out" $'\nepp (tls|greeting): FAILED \([0-9]+ ms\): the registry requires a client certificate' "the step says a client certificate is required"

# ---- --connect alone is a usage error
"$gate" --config "$GATE_CONF" --connect >/dev/null 2>"$T/err"
is "$?" 64 "--connect without --check-config: exit 64"
like "$(cat "$T/err")" "--connect goes with --check-config" "saying so"

done_testing
