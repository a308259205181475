#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# epp-sim over real TLS with epp-send: greeting, login rules, session limit,
# client certificates, idle timeout, 200 sessions at once, latency, info
# padding, the command log, and a clean exit on SIGTERM.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/tap.sh
. "$top/tests/lib/tap.sh"
# shellcheck source=tests/lib/sim.sh
. "$top/tests/lib/sim.sh"

T=$(test_tmpdir)
if [ -z "$T" ] || [ ! -d "$T" ]; then
	echo "not ok 1 - cannot make a scratch directory"
	exit 1
fi
trap 'stop_tracked; [ -n "${EG_KEEP_TMP:-}" ] || rm -rf "$T"' EXIT
D='xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"'
C='xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"'
epp_doc "$T/check.xml" "<check><domain:check $D><domain:name>example.com</domain:name></domain:check></check>"
epp_doc "$T/contact.xml" "<create><contact:create $C><contact:id>c-one</contact:id><contact:postalInfo type=\"int\"><contact:name>One</contact:name><contact:addr><contact:city>Town</contact:city><contact:cc>US</contact:cc></contact:addr></contact:postalInfo><contact:email>one@example.net</contact:email><contact:authInfo><contact:pw>c-auth</contact:pw></contact:authInfo></contact:create></create>"
epp_doc "$T/create.xml" "<create><domain:create $D><domain:name>example.com</domain:name><domain:registrant>c-one</domain:registrant><domain:authInfo><domain:pw>d-auth-secret</domain:pw></domain:authInfo></domain:create></create>"
epp_doc "$T/info.xml" "<info><domain:info $D><domain:name>example.com</domain:name></domain:info></info>"
printf '<?xml version="1.0"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><hello/></epp>' >"$T/hello.xml"

# log_has N PATTERN: the command log has at least N lines matching PATTERN (for wait_for)
log_has() { [ "$(grep -c -- "$2" "$SIM_LOG" 2>/dev/null)" -ge "$1" ]; }

# ---- greeting -------------------------------------------------------------
sim_start "$T/a"
ok $? "epp-sim starts"
like "$(cat "$T/a/sim.out")" "^epp-sim listening on 127\.0\.0\.1:$SIM_PORT$" "prints where it listens"
out=$(esend -t 5000)
ok $? "connect and read the greeting"
like "$out" "<svID>epp-sim</svID>" "greeting svID"
like "$out" "<svDate>[0-9]{4}-[0-9]{2}-[0-9]{2}T" "greeting svDate"
is "$(grep -o '<objURI>[^<]*</objURI>' <<<"$out" | wc -l)" 3 "three objURIs by default"
like "$out" "<extURI>urn:ietf:params:xml:ns:secDNS-1.1</extURI><extURI>urn:ietf:params:xml:ns:rgp-1.0</extURI><extURI>urn:ietf:params:xml:ns:epp:fee-1.0</extURI>" "secDNS, rgp, fee extensions"
like "$out" "<dcp><access>" "greeting dcp"
out=$(esend -t 5000 "$T/hello.xml")
is "$(grep -c '<greeting>' <<<"$out")" 2 "<hello/> gets a greeting too"

# ---- login ----------------------------------------------------------------
out=$(esend -t 5000 "$T/check.xml")
like "$out" 'result code="2002"' "a command before login: 2002"
out=$(esend -t 5000 -l registrar1:wrong "$T/check.xml")
is "$?" 5 "wrong password: epp-send reports a refused login"
like "$out" 'result code="2200"' "wrong password: 2200"
out=$(esend -t 5000 -l registrar1:secret1 --objuri urn:example:nothing)
like "$out" 'result code="2307"' "login with an object URI not offered: 2307"
out=$(esend -t 5000 -l registrar1:secret1 "$T/check.xml")
ok $? "login, check, logout"
like "$out" 'code="1000".*avail="1">example.com<' "check over TLS says available"
like "$out" 'result code="1500"' "logout: 1500"
out=$(esend -t 5000 -l registrar2:secret2 --newpw newsecret2)
ok $? "login with newPW"
out=$(esend -t 5000 -l registrar2:secret2)
like "$out" 'result code="2200"' "the old password is refused"
out=$(esend -t 5000 -l registrar2:newsecret2)
ok $? "the new one works"
out=$(esend -t 5000 -l registrar1:secret1 "$T/contact.xml" "$T/create.xml" "$T/check.xml" "$T/info.xml")
like "$out" 'avail="0">example.com<' "create, then check says unavailable"
like "$out" '<domain:pw>d-auth-secret</domain:pw>' "the sponsor sees the authInfo"
out=$(esend -t 5000 -l registrar2:newsecret2 "$T/info.xml")
ok $? "info by another registrar"
[[ "$out" != *d-auth-secret* ]]; ok $? "shows no authInfo"

# ---- the command log ------------------------------------------------------
line=$(grep ' cmd=domain:check ' "$SIM_LOG" | grep 'clid=registrar1' | head -1)
like "$line" '^[0-9]{13} s=[0-9]+ clid=registrar1 cmd=domain:check cltrid=es[0-9-]+ code=1000 obj=example.com$' "command log line format"
like "$(grep -m1 ' cmd=login .*code=2200' "$SIM_LOG")" ' clid=- cmd=login cltrid=es[0-9]+-0-login code=2200 obj=registrar1 objuris=[^ ]+ exturis=[^ ]+$' "a failed login is logged without a client id (with the services it asked for)"
like "$(grep -m1 ' code=2002' "$SIM_LOG")" ' clid=- cmd=domain:check ' "a command before login is logged"
is "$(grep -c ' cmd=domain:create .* code=1000' "$SIM_LOG")" 1 "executions can be counted with grep"
is "$(grep -c -e secret -e newsecret -e d-auth -e c-auth "$SIM_LOG" "$T/a/sim.err" | awk -F: '{s+=$2} END {print s}')" 0 "no password or authInfo in the logs"

# ---- 200 sessions at once -------------------------------------------------
out=$(esend -t 30000 -q -c 200 --sync -l registrar1:secret1 "$T/check.xml")
ok $? "200 concurrent sessions"
like "$out" "# sessions: ok=200 failed=0" "all 200 logged in and got answers"
is "$(grep -c ' cmd=logout .*code=1500' "$SIM_LOG")" "$(($(grep -c ' cmd=login .*code=1000' "$SIM_LOG")))" "every login was followed by a logout"
sim_stop
is "$?" 0 "SIGTERM: exit status 0"
is "$(tail -c1 "$SIM_LOG" | od -An -c | tr -d ' ')" '\n' "the command log ends with a whole line"

# ---- options that change the greeting -------------------------------------
sim_start "$T/b" --svid test-registry --objuri urn:ietf:params:xml:ns:domain-1.0 --exturi none \
    --account alpha:pass-alpha
out=$(esend -t 5000)
like "$out" "<svID>test-registry</svID>" "--svid"
is "$(grep -o '<objURI>[^<]*</objURI>' <<<"$out")" "<objURI>urn:ietf:params:xml:ns:domain-1.0</objURI>" "--objuri replaces the object services"
[[ "$out" != *svcExtension* ]]; ok $? "--exturi none: no svcExtension"
out=$(esend -t 5000 -l alpha:pass-alpha "$T/check.xml")
ok $? "--account replaces the default accounts"
out=$(esend -t 5000 -l registrar1:secret1)
like "$out" 'code="2200"' "the default account is gone"
sim_stop

# ---- session limit ---------------------------------------------------------
sim_start "$T/c" --max-sessions 2
esend -t 5000 -q -l registrar1:secret1 --hold 4000 >"$T/c/h1" &
h1=$!
esend -t 5000 -q -l registrar2:secret2 --hold 4000 >"$T/c/h2" &
h2=$!
wait_for 10 log_has 2 'cmd=login .*code=1000'
ok $? "two sessions logged in"
out=$(esend -t 5000 -l registrar1:secret1 --hold 3000)
is "$?" 5 "a third login is refused"
like "$out" 'result code="2502"' "with 2502"
kill "$h1" "$h2" 2>/dev/null
wait "$h1" "$h2" 2>/dev/null
# the server notices the closes a moment later: retry for a while
wait_for 10 esend -t 2000 -q -l registrar1:secret1
ok $? "after the others left, a login works again"
sim_stop

# ---- client certificates ---------------------------------------------------
sim_start "$T/d" --ca "$SIM_CERTS/ca.crt" --require-client-cert
out=$(esend -t 5000 -l registrar1:secret1 2>&1)
rc=$?
[ "$rc" -eq 1 ] || [ "$rc" -eq 4 ]; ok $? "without a client certificate the session fails (status $rc)"
like "$out" "# error: .*certificate required" "and epp-send says why"
out=$(esend -t 5000 --cert "$SIM_CERTS/client.crt" --key "$SIM_CERTS/client.key" -l registrar1:secret1 "$T/check.xml")
ok $? "with the client certificate it works"
sim_stop

# ---- idle timeout, latency, padding ----------------------------------------
sim_start "$T/e" --idle-timeout 1 --latency 150 --info-pad 100000
out=$(esend -t 5000 -l registrar1:secret1 --wait-close 6000)
ok $? "an idle session is closed by the server"
ms=$(sed -n 's/.*closed by server after \([0-9]*\) ms.*/\1/p' <<<"$out")
[ "${ms:-0}" -ge 800 ] && [ "${ms:-0}" -le 3000 ]; ok $? "after about a second (${ms:-?} ms)"
out=$(esend -t 5000 -q -l registrar1:secret1 -n 3 --stats "$T/check.xml")
med=$(sed -n 's/.*median_ms=\([0-9]*\).*/\1/p' <<<"$out")
[ "${med:-0}" -ge 150 ]; ok $? "--latency 150: a check takes at least 150 ms (${med:-?} ms)"
out=$(esend -t 5000 -l registrar1:secret1 "$T/contact.xml" "$T/create.xml" "$T/info.xml")
bytes=$(grep 'infData' <<<"$out" | wc -c)
[ "$bytes" -gt 100000 ]; ok $? "--info-pad 100000: the info response has $bytes bytes"
sim_stop

done_testing
