#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Secrets never reach a log. The gate runs at its highest verbosity (-vv, log level
# trace: every EPP frame is logged) and epp-sim with -v, through a login that changes
# the password (newPW), a domain and a contact created with authInfo, infos that
# return the authInfo, a re-login with the new password, and a client that writes its
# health file after a transport failure. Every log (gate, epp-sim stderr and command
# log, client output, health files, the journal) is searched for the login password,
# the new password and the authInfo values: none may be there. Replies are searched
# too: only an info response carries an authInfo (the sponsor asked for its own
# object, as EPP defines), no other reply does. Credentials come from files; a file
# others can read draws a warning that does not hold the secret. Then the same again
# with log.format "json": every line parses, the frames are there, no secret is.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
eg_setup secrets
S_LOGIN="LoginPw-$RANDOM-q7Zr"
S_NEW="NewPw-$RANDOM-k2Xm"
S_DOM="DomAuth-$RANDOM-p9Wd"
S_CON="ConAuth-$RANDOM-h4Tc"
S_LOST="LostAuth-$RANDOM-v3Nb"
SECRETS=("$S_LOGIN" "$S_NEW" "$S_DOM" "$S_CON" "$S_LOST")
SIM_PW=$S_LOGIN fault_sim_start -v || { ok 1 "epp-sim starts"; done_testing; exit 1; }

printf '%s\n' "$S_LOGIN" >"$T/login.pw"
chmod 644 "$T/login.pw"                 # readable by others: must draw a warning
printf '%s\n' "$S_NEW" >"$T/new.pw"
chmod 600 "$T/new.pw"
SIM_PW=$S_LOGIN GATE_LOG_LEVEL=trace gate_config "journal: { file = \"$T/journal\"; };"
# The secrets from files, not inline.
sed -i "s|password = \"$S_LOGIN\";|password_file = \"$T/login.pw\"; new_password_file = \"$T/new.pw\";|" "$GATE_CONF"
grep -q "$S_LOGIN" "$GATE_CONF"
ok $((! $?)) "the configuration names the secret files, holds no secret"
"$EG_BIN/epp-gate" --config "$GATE_CONF" --check-config >"$T/check-config.out" 2>&1
ok $? "--check-config accepts it"
gate_start -vv || { ok 1 "epp-gate starts"; done_testing; exit 1; }

like "$(grep -i 'warning' "$GATE_OUT" | grep -F "$T/login.pw")" "login.pw" \
    "a warning about the password file others can read"
grep -i 'warning' "$GATE_OUT" | grep -F "$T/new.pw" >/dev/null
ok $((! $?)) "no warning about the mode 0600 file"
is "$(grep -c "cmd=login .*code=1000" "$SIM_CMDLOG")" 1 "logged in, changing the password"
like "$(grep 'login password changed' "$GATE_OUT")" 'changed' "the gate says the password changed (not to what)"

rpcv() { rpc --pretty "$@" 2>&1; }   # the client's every word, stdout and stderr
postal='[{"type": "int", "name": "Pat", "address": {"street": "S 1", "city": "Town", "cc": "DE"}}]'
rpcv contact_create "{\"id\": \"c-sec\", \"email\": \"p@example.net\", \"auth_info\": \"$S_CON\", \"contacts\": $postal}" >"$T/client-1.out"
rpcv domain_create "{\"name\": \"secret.example\", \"registrant\": \"c-sec\", \"contacts\": {\"admin\": \"c-sec\"}, \"auth_info\": \"$S_DOM\"}" >"$T/client-2.out"
rpcv domain_info '{"name": "secret.example"}' >"$T/reply-info.out"
rpcv contact_info "{\"contact\": \"c-sec\", \"auth_info\": \"$S_CON\"}" >"$T/reply-cinfo.out"
rpcv domain_update "{\"name\": \"secret.example\", \"auth_info\": \"$S_DOM-2\"}" >"$T/client-3.out"
rpcv domain_transfer "{\"name\": \"secret.example\", \"op\": \"query\", \"auth_info\": \"$S_DOM-2\"}" >"$T/client-4.out"
like "$(tr -d ' \n' <"$T/client-2.out")" '"@code":"1000"' "domain_create with authInfo"
like "$(tr -d ' \n' <"$T/reply-info.out")" "\"pw\":\"$S_DOM\"" "domain_info returns the authInfo to its sponsor (documented)"
# A session dropped by the registry: the gate logs in again, now with the new password.
sim_drop_all
rpcv domain_check '{"domains": ["after-drop.example"]}' >"$T/client-drop.out"
is "$(grep -c "cmd=login .*code=1000" "$SIM_CMDLOG")" 2 "logged in again with the new password"
# A failed login, with the old password on purpose: the refusal is logged, the password not.
set_faults "refuse-login:1:once"
sim_drop_all
rpcv domain_check '{"domains": ["after-refusal.example"]}' >"$T/client-5.out"
set_faults
# The client library's health file: a transport failure (no such queue) with authInfo in
# the request.
"$EG_BIN/epp-rpc" --no-env -H "$AMQP_HOST" -p "$AMQP_PORT" --user guest --password guest \
    -q "no-such-queue-$$" -t 3 --health-file "$T/client-health" --health-wait 0.1 \
    domain_create "{\"name\": \"lost.example\", \"registrant\": \"c-sec\", \"auth_info\": \"$S_LOST\"}" \
    >"$T/client-6.out" 2>&1
test -s "$T/client-health"; ok $? "the client wrote its health file"
kill -TERM "$GATE_PID"; wait "$GATE_PID" 2>/dev/null

# Search. The infos' replies carry the authInfo by design; everything else must not.
files=("$GATE_OUT" "$SIM_DIR/sim.err" "$SIM_DIR/sim.out" "$SIM_CMDLOG" "$T/check-config.out"
    "$T/client-health" "$T/journal" "$T"/client-*.out)
for s in "${SECRETS[@]}"; do
	hits=$(grep -lF -- "$s" "${files[@]}" 2>/dev/null | xargs -r -n1 basename | tr '\n' ' ')
	is "$hits" "" "secret ${s%%-*} is in no log, client output, health file or journal"
done
for s in "$S_LOGIN" "$S_NEW"; do
	grep -qF -- "$s" "$T/reply-info.out" "$T/reply-cinfo.out"
	ok $((! $?)) "the ${s%%-*} password is in no reply"
done
like "$(grep -c '<<\|>>' "$GATE_OUT")" '^[1-9]' "the gate logged EPP frames (trace), redacted"
like "$(grep -m1 '>> .*<login>' "$GATE_OUT")" '<pw>' "the login frame is in the trace log, its password hidden"

# ---- the json format at the same verbosity -----------------------------------------
# The registry now holds the new password: the gate's first login (old password and
# newPW) is refused and the second, with the new one, succeeds; both frames are traced.
mv "$GATE_OUT" "$T/gate-text.out"
watch_log "$T/gate-text.out"
SIM_PW=$S_LOGIN GATE_LOG_LEVEL=trace gate_config "journal: { file = \"$T/journal\"; };"
sed -i "s|password = \"$S_LOGIN\";|password_file = \"$T/login.pw\"; new_password_file = \"$T/new.pw\";|" "$GATE_CONF"
sed -i 's/timestamps = true;/timestamps = true; format = "json";/' "$GATE_CONF"
gate_start -vv || { ok 1 "epp-gate starts (json)"; done_testing; exit 1; }
rpcv contact_info "{\"contact\": \"c-sec\", \"auth_info\": \"$S_CON\"}" >"$T/reply-json-cinfo.out"
rpcv domain_info "{\"name\": \"secret.example\", \"auth_info\": \"$S_DOM-2\"}" >"$T/reply-json-info.out"
rpcv domain_create "{\"name\": \"secret2.example\", \"registrant\": \"c-sec\", \"contacts\": {\"admin\": \"c-sec\"}, \"auth_info\": \"$S_DOM\"}" >"$T/client-json-1.out"
rpcv domain_update "{\"name\": \"secret2.example\", \"auth_info\": \"$S_DOM-3\"}" >"$T/client-json-2.out"
rpcv contact_update "{\"id\": \"c-sec\", \"auth_info\": \"$S_CON-2\"}" >"$T/client-json-3.out"
rpcv domain_renew "{\"name\": \"secret2.example\", \"auth_info\": \"$S_DOM\"}" >"$T/client-json-4.out"   # refused: no date
kill -TERM "$GATE_PID"; wait "$GATE_PID" 2>/dev/null
like "$(tr -d ' \n' <"$T/reply-json-info.out")" "\"pw\":\"$S_DOM-2\"" "json run: domain_info returns the authInfo"
/usr/bin/python3 - "$GATE_OUT" <<'PY' >"$T/json-lines.out" 2>&1
import json, sys
n = frames = 0
for line in open(sys.argv[1], "rb").read().split(b"\n")[:-1]:
    o = json.loads(line.decode("utf-8"))
    assert isinstance(o, dict) and "time" in o and "level" in o and "message" in o, o
    n += 1
    frames += o["message"].find(">> ") >= 0 or o["message"].find("<< ") >= 0
print("lines %d frames %d" % (n, frames))
sys.exit(0 if n > 0 and frames > 0 else 1)
PY
ok $? "json run: every line of the gate's output is a JSON object; frames traced ($(cat "$T/json-lines.out" | tail -1))"
like "$(grep -c '"message":"request","cmd":"domain_update","objects":\["secret2.example"\]' "$GATE_OUT")" '^1$' \
    "json run: the request line names the object"
like "$(grep -m1 '>> .*<login>' "$GATE_OUT")" '<pw>' "json run: the login frame is traced, its password hidden"
files=("$GATE_OUT" "$SIM_DIR/sim.err" "$SIM_CMDLOG" "$T/journal" "$T"/client-json-*.out)
for s in "${SECRETS[@]}" "$S_DOM-3" "$S_CON-2"; do
	hits=$(grep -lF -- "$s" "${files[@]}" 2>/dev/null | xargs -r -n1 basename | tr '\n' ' ')
	is "$hits" "" "json run: secret ${s%%-*} is in no log, client output or journal"
done
done_testing
