#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TLS failures that retrying cannot cure: the registry requires a client certificate the
# gate does not have, refuses the one it has (its CA unknown to the registry), presents a
# certificate from a CA the gate does not trust, or one for another host name. Each: every
# attempt is logged at error with what to fix, gate_status carries the reason, a request is
# answered "not sent" at once with the reason, and nothing reaches the registry. Once the
# gate is configured right it logs in.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
eg_setup tls
QW=5000
now_ms() { date +%s%3N; }
status() { rpc -t 2 gate_status 2>/dev/null; }
answering_at_once() { [ "$(json_get "$(status)" gate.sessions.failure.answering_at_once)" = True ]; }
attempts_logged() { [ "$(grep -c "error: session 0: cannot establish the EPP session" "$GATE_OUT")" -ge "$1" ]; }

# with_client_cert: the gate's config gets the test client certificate.
with_client_cert() {
	sed -i 's|tls: { ca_file = "\([^"]*\)"; };|tls: { ca_file = "\1"; cert_file = "'"$CERTS"'/client.crt"; key_file = "'"$CERTS"'/client.key"; };|' "$GATE_CONF"
	grep -q 'cert_file' "$GATE_CONF"
}

# case_ NAME REASON ERROR FIX [cert]: with epp-sim already started the way NAME needs, the
# gate (with the client certificate when "cert") fails with REASON; its log, the reply and
# gate_status say ERROR (an ERE), the log and gate_status FIX (an ERE).
case_() {
	local name=$1 reason=$2 error=$3 fix=$4 st t0 ms out
	GATE_SESSIONS=1 GATE_BACKOFF_MIN=100 GATE_BACKOFF_MAX=1500 GATE_QUEUE_WAIT=$QW gate_config
	[ "${5:-}" != cert ] || with_client_cert
	: >"$T/gate.out"
	gate_launch || { ok 1 "$name: the gate starts"; return; }
	wait_for 15 answering_at_once
	ok $? "$name: requests are answered at once"
	t0=$(now_ms)
	out=$(rpc -t 15 domain_check "{\"domains\": [\"tls-${reason//_/-}.example\"]}" 2>/dev/null)
	ms=$(( $(now_ms) - t0 ))
	is "$(errcode_of "$out")" not_sent "$name: a request is answered 'not sent'"
	like "$(json_get "$out" error)" "^failed processing EPP command: not sent: $error" "$name: saying why"
	[ "$ms" -lt $((QW / 2)) ]
	ok $? "$name: at once (${ms} ms; queue_wait is $QW ms)"
	st=$(status)
	is "$(json_get "$st" gate.sessions.failure.reason)/$(json_get "$st" gate.sessions.failure.permanent)" \
	    "$reason/True" "$name: gate_status: reason $reason, permanent"
	like "$(json_get "$st" gate.sessions.failure.error)" "$error" "$name: gate_status: the error"
	like "$(json_get "$st" gate.sessions.failure.fix)" "$fix" "$name: gate_status: what to fix"
	wait_for 10 attempts_logged 3
	ok $? "$name: three attempts so far, each an error line"
	is "$(grep "cannot establish the EPP session" "$GATE_OUT" | grep -Evc "error: session 0: cannot establish the EPP session \(attempt [0-9]+\): $error.*: $fix.*; next try in")" 0 \
	    "$name: every attempt logged at error with the error and the fix"
	is "$(sim_count ' cmd=')" 0 "$name: nothing reached the registry"
	kill -TERM "$GATE_PID"; wait "$GATE_PID"
	is "$?" 0 "$name: the gate stops cleanly"
	mv "$GATE_OUT" "$T/gate-$reason.out"
	watch_log "$T/gate-$reason.out"
}

# ---- a client certificate is required and the gate has none ------------------------------
eg_sim_start --ca "$CERTS/ca.crt" --require-client-cert ||
    { ok 1 "epp-sim starts"; done_testing; exit 1; }
case_ "client certificate required" client_cert_required \
    'the registry requires a client certificate \(TLS alert: [^)]+\)' \
    'set epp\.tls\.cert_file and epp\.tls\.key_file'
# ... and once configured, the gate logs in
GATE_SESSIONS=1 gate_config
with_client_cert
: >"$T/gate.out"
gate_start
ok $? "client certificate configured: the gate logs in"
is "$(code_of "$(rpc -t 10 domain_check '{"domains": ["with-cert.example"]}')")" 1000 "and serves"
kill -TERM "$GATE_PID"; wait "$GATE_PID"
mv "$GATE_OUT" "$T/gate-ok.out"
watch_log "$T/gate-ok.out"
sim_stop

# ---- the registry does not know the CA of the gate's certificate ----------------------
SIM_CERTS=$CERTS sim_start "$T/sim-otherca" --account "$SIM_CLID:$SIM_PW" \
    --ca "$CERTS/other-ca.crt" --require-client-cert || { ok 1 "epp-sim starts"; done_testing; exit 1; }
SIM_CMDLOG=$SIM_LOG
case_ "client certificate refused" client_cert_refused \
    "the registry refused the gate's client certificate \\(TLS alert: [^)]+\\)" \
    'check epp\.tls\.cert_file and epp\.tls\.key_file' cert
sim_stop

# ---- the registry's certificate comes from a CA the gate does not trust ----------------
SIM_CERTS=$CERTS sim_start "$T/sim-untrusted" --account "$SIM_CLID:$SIM_PW" \
    --cert "$CERTS/untrusted.crt" --key "$CERTS/untrusted.key" ||
    { ok 1 "epp-sim starts"; done_testing; exit 1; }
SIM_CMDLOG=$SIM_LOG
case_ "unknown CA" server_cert_untrusted \
    "the registry's certificate does not verify: unable to get local issuer certificate" \
    'epp\.tls\.ca_file / epp\.tls\.ca_dir \([^)]*ca\.crt\) must hold the CA that signed it'
sim_stop

# ---- the registry's certificate is for another name -------------------------------------
SIM_CERTS=$CERTS sim_start "$T/sim-wronghost" --account "$SIM_CLID:$SIM_PW" \
    --cert "$CERTS/wronghost.crt" --key "$CERTS/wronghost.key" ||
    { ok 1 "epp-sim starts"; done_testing; exit 1; }
SIM_CMDLOG=$SIM_LOG
case_ "host name mismatch" server_name_mismatch \
    "the registry's certificate is not for localhost \\(hostname mismatch\\)" \
    'set epp\.host \(or epp\.tls\.server_name\) to a name the certificate carries'
sim_stop
done_testing
