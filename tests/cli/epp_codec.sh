#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# epp-codec, the command-line face of the codec: the vectors through it, several files in
# one process, errors on their own line, exit statuses, clTRID, stdin, a huge input.
. "$(dirname "$0")/../lib/tap.sh"
codec=$EG_BIN/epp-codec
vectors=$EG_SRCDIR/tests/data/conformance/anchor_vectors.json
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

# Every vector response, converted in one process, equals the reference's JSON.
/usr/bin/python3 - "$vectors" "$T" <<'PY'
import json, sys
vs = json.load(open(sys.argv[1])); d = sys.argv[2]
with open(d + "/list", "w") as lst, open(d + "/want", "w") as want:
    for i, v in enumerate(vs):
        if v.get("xml_response") and v.get("json_response") is not None and v["kind"] != "rpc_error":
            p = "%s/v%02d.xml" % (d, i)
            open(p, "w").write(v["xml_response"])
            lst.write(p + "\n"); want.write(json.dumps(v["json_response"]) + "\n")
PY
mapfile -t files <"$T/list"
"$codec" to-json "${files[@]}" >"$T/got"
ok $? "to-json of ${#files[@]} vector documents exits 0"
/usr/bin/python3 - "$T/got" "$T/want" <<'PY'
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
want = [json.loads(l) for l in open(sys.argv[2])]
bad = [i for i, (g, w) in enumerate(zip(got, want)) if g != w]
sys.exit(0 if len(got) == len(want) and not bad else 1)
PY
ok $? "one line per document, in order, each equal to the reference's json_response"

printf 'bad response' >"$T/bad.xml"
out=$("$codec" to-json "${files[0]}" "$T/bad.xml" "${files[1]}")
rc=$?
is "$rc" 65 "a bad document makes the exit status 65 (EX_DATAERR)"
is "$(echo "$out" | wc -l)" 3 "three inputs, three lines"
like "$(echo "$out" | sed -n 2p)" '^\{"error":"failed reading EPP response: ' "the bad one's line is the gate's error reply"
like "$(echo "$out" | sed -n 3p)" '^\{"epp":' "the document after it is still converted"

out=$(printf '<a><b>1</b><b/></a>' | "$codec" to-json)
is "$out" '{"a":{"b":["1",null]}}' "stdin when no file is given"

out=$(echo '{"cmd":"domain_info","args":{"name":"a.example","auth_info":"a&b<c>"}}' | "$codec" to-xml --cltrid TEST-123)
ok $? "to-xml builds a domain_info"
like "$out" '<clTRID>TEST-123</clTRID>' "--cltrid is used"
like "$out" '<domain:pw>a&amp;b&lt;c&gt;</domain:pw>' "metacharacters are escaped"
back=$(echo "$out" | "$codec" to-json)
like "$back" '"pw":"a&b<c>"' "and come back as the same text"

# Names go out in A-label form, as the gate sends them (the same builders).
out=$(echo '{"cmd":"domain_check","args":{"domains":["münchen.example","ÖBB.at","xn--mnchen-3ya.example"]}}' | "$codec" to-xml)
ok $? "to-xml builds a domain_check of internationalised names"
like "$out" '<domain:name>xn--mnchen-3ya.example</domain:name><domain:name>xn--bb-eka.at</domain:name><domain:name>xn--mnchen-3ya.example</domain:name>' \
    "U-labels become A-labels (case mapped by UTS #46), A-labels pass"
[[ "$out" != *münchen* ]]; ok $? "no U-label is left in the document"
out=$(echo '{"cmd":"host_create","args":{"name":"ns1.bücher.example"}}' | "$codec" to-xml)
like "$out" '<host:name>ns1.xn--bcher-kva.example</host:name>' "host names too"
out=$(echo '{"cmd":"domain_info","args":{"name":"x♥y.example"}}' | "$codec" to-xml)
is "$?" 65 "a name IDNA2008 refuses exits 65"
is "$out" "{\"error\":\"failed reading EPP request: argument 'name': label 'x♥y' holds U+2665, which IDNA2008 does not allow (RFC 5892)\"}" \
    "and says which argument, which label and why"
out=$(echo '{"cmd":"domain_info","args":{"name":"xn--zz.example"}}' | "$codec" to-xml)
like "$out" "^\\{\"error\":\"failed reading EPP request: argument 'name': label 'xn--zz' is not a valid A-label" \
    "a malformed A-label is refused"

out=$(echo '{"cmd":"domain_renew","args":{"name":"x.example","cur_exp_date":"2030-01-01","period":100}}' | "$codec" to-xml)
rc=$?
is "$rc" 65 "a bad argument exits 65"
like "$out" "^\\{\"error\":\"failed reading EPP request: .*'period'" "and prints the gate's error naming the argument"
out=$(echo '{"cmd":"something_crazy"}' | "$codec" to-xml)
is "$out" "{\"error\":\"unknown command or empty response received: 'something_crazy'\"}" "unknown command: the reference's message"
out=$(echo 'not json' | "$codec" to-xml)
like "$out" '^\{"error":"failed reading EPP request: ' "not JSON"

head -c $((64 << 20)) /dev/zero | tr '\0' 'a' >"$T/huge.xml"
start=$(date +%s%N)
out=$("$codec" to-json "$T/huge.xml")
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "$rc" 65 "a 64 MiB document is refused: 65"
like "$out" 'exceeds the limit' "with a clear message ($ms ms)"
# The command table: one line per command after the header, each a command the gate knows.
"$codec" commands >"$T/cmds"
ok $? "commands exits 0"
is "$(head -1 "$T/cmds" | tr -s ' ')" "name object class retry-safe refined-by" "commands: header"
is "$(tail -n +2 "$T/cmds" | wc -l)" 24 "commands: 24 commands"
unknown=0
for name in $(tail -n +2 "$T/cmds" | awk '{print $1}'); do
	echo "{\"cmd\": \"$name\"}" | "$codec" to-xml | grep -q 'unknown command' && unknown=$((unknown + 1))
done
is "$unknown" 0 "every listed command is one the gate builds (or answers itself)"
row() { awk -v n="$1" '$1 == n {print $2, $3, $4, $5}' "$T/cmds"; }
is "$(row domain_check)" "domain query yes -" "domain_check: a query, safe to retry"
is "$(row domain_create)" "domain transform no -" "domain_create: a transform, never re-sent"
is "$(row domain_transfer)" "domain transform no op" "domain_transfer: refined by its op"
is "$(row contact_transfer)" "contact transform no op" "contact_transfer: refined by its op"
is "$(row hello)" "- session yes -" "hello: a session command"
is "$(row epp)" "- transform no element" "epp: refined by its command element"
is "$(row xml)" "- transform no xml" "xml: refined only by the gate"
is "$(row gate_status)" "- local yes -" "gate_status: answered by the gate"
"$codec" commands extra >/dev/null 2>&1
is "$?" 64 "commands takes no argument"
"$codec" 2>"$T/usage"
is "$?" 64 "no command: exit 64"
is "$(cat "$T/usage")" "epp-codec: no command: to-json, to-xml or commands (see epp-codec --help)" \
    "no command: one line naming the commands"
out=$("$codec" --help)
is "$?" 0 "--help: exit 0"
like "$out" 'epp-codec commands' "--help: the usage on stdout names commands"
like "$out" 'exit status: 0 converted, 65 ' "--help: and the exit statuses"
is "$("$codec" --version)" "epp-codec $("$EG_BIN/epp-gate" --version | cut -d' ' -f2)" "--version: NAME VERSION"

"$codec" bogus >/dev/null 2>"$T/err"
is "$?" 64 "unknown command: exit 64"
is "$(cat "$T/err")" "epp-codec: unknown command bogus (see epp-codec --help)" "... in one line"
"$codec" to-xml --cltrid >/dev/null 2>"$T/err"
is "$?" 64 "--cltrid without its argument: exit 64"
like "$(cat "$T/err")" "option --cltrid needs an argument" "... says so"
"$codec" to-xml --frob >/dev/null 2>&1
is "$?" 64 "to-xml: unknown option: exit 64"
"$codec" to-xml a b >/dev/null 2>&1
is "$?" 64 "to-xml: two files: exit 64"
out=$(echo '{"cmd":"hello"}' | "$codec" to-xml --cltrid=EQ-1)
like "$out" '<hello/>' "--cltrid=ID is accepted too"
out=$("$codec" to-json "${files[0]}" "$T/absent.xml")
is "$?" 66 "a file that cannot be read: exit 66 (EX_NOINPUT)"
like "$(echo "$out" | sed -n 2p)" 'cannot open .*absent.xml' "its line says so"
printf 'bad' >"$T/-x.xml"
(cd "$T" && "$codec" to-json -- -x.xml >/dev/null)
is "$?" 65 "-- ends the options: a file named -x.xml is read"
done_testing
