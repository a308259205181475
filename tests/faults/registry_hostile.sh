#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A hostile or broken registry (epp-sim's reply-file fault sends any bytes as the
# response): entity expansion bombs, external entities and DTDs (a file read attempt:
# the marker file's content must come back nowhere; a DTD over HTTP: no connection
# may be made), XInclude, deep nesting, invalid UTF-8, NUL bytes, truncated or
# non-EPP documents, and a frame above the 16 MiB limit. Each time the caller gets
# "failed reading EPP response: ..." (or, for the frame, the session error), the gate
# drops that session and keeps serving.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
eg_setup rhostile
fault_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
GATE_CMD_TIMEOUT=10000 gate_config
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
mk_contact c-rh >/dev/null
mk_domain rh.example c-rh >/dev/null

MARKER=$T/marker
echo "marker-$RANDOM$RANDOM-from-a-file-the-gate-must-never-read" >"$MARKER"
SECRET=$(cat "$MARKER")
# A web server that logs every request: an external DTD over HTTP must never be fetched.
HTTP_PORT=$(free_port)
mkdir -p "$T/www"
/usr/bin/python3 -m http.server "$HTTP_PORT" --bind 127.0.0.1 --directory "$T/www" \
    >"$T/http.log" 2>&1 &
track_pid $!
wait_for 10 port_open "$HTTP_PORT"

/usr/bin/python3 - "$T" "$MARKER" "$HTTP_PORT" <<'PY'
import sys
d, marker, port = sys.argv[1], sys.argv[2], sys.argv[3]
head = '<?xml version="1.0" encoding="UTF-8"?>\n'
def resp(msg, extra="", root_attrs=""):
    return ('<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"%s><response><result code="1000"><msg>%s</msg></result>%s'
            '<trID><clTRID>@CLTRID@</clTRID><svTRID>RH-1</svTRID></trID></response></epp>' % (root_attrs, msg, extra))
def w(name, data):
    with open("%s/%s" % (d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
w("evil.dtd", '<!ENTITY leak SYSTEM "file://%s">' % marker)
w("www/evil.dtd", '<!ENTITY leak SYSTEM "file://%s">' % marker)
w("ok.xml", head + resp("answered from the file"))
laughs = "".join('<!ENTITY l%d "%s">' % (i, ("&l%d;" % (i - 1)) * 10) for i in range(1, 10))
w("laughs.xml", head + '<!DOCTYPE epp [<!ENTITY l0 "lol">' + laughs + ']>' + resp("&l9;"))
w("quadratic.xml", head + '<!DOCTYPE epp [<!ENTITY a "' + "x" * 100000 + '">]>' + resp("&a;" * 20000))
w("xxe.xml", head + '<!DOCTYPE epp [<!ENTITY xxe SYSTEM "file://%s">]>' % marker + resp("&xxe;"))
w("param.xml", head + '<!DOCTYPE epp [<!ENTITY %% p SYSTEM "file://%s/evil.dtd"> %%p;]>' % d + resp("&leak;"))
w("extdtd.xml", head + '<!DOCTYPE epp SYSTEM "file://%s/evil.dtd">' % d + resp("&leak;"))
w("httpdtd.xml", head + '<!DOCTYPE epp SYSTEM "http://127.0.0.1:%s/evil.dtd">' % port + resp("&leak;"))
w("httpent.xml", head + '<!DOCTYPE epp [<!ENTITY e SYSTEM "http://127.0.0.1:%s/evil.dtd">]>' % port + resp("&e;"))
w("xinclude.xml", head + resp('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://%s" parse="text"/>' % marker))
w("deep.xml", head + resp("deep", "<resData>" + "<x>" * 100000 + "</x>" * 100000 + "</resData>"))
w("utf8.xml", (head + resp("bad \xff\xfe bytes")).encode("latin-1"))
w("nul.xml", (head + resp("a NUL \x00 byte")).encode())
w("utf16decl.xml", '<?xml version="1.0" encoding="UTF-16"?>\n' + resp("declared UTF-16, sent UTF-8"))
w("truncated.xml", (head + resp("cut"))[:150])
w("tworoots.xml", head + resp("one") + resp("two"))
w("html.xml", "<html><body>maintenance</body></html>")
w("empty.xml", " ")
# 17 MiB: above the gate's 16 MiB frame limit.
w("big.xml", head + "<!--" + "p" * (17 << 20) + "-->" + resp("big"))
PY
ok $? "hostile responses written"

# hostile FILE DESCRIPTION ERROR-RE: every domain info gets FILE back.
hostile() {
	local out n0 l0
	set_faults "reply-file=$T/$1:1:domain:info"
	n0=$(sim_seen domain:info rh.example)
	l0=$(logins 1000)
	out=$(rpc -t 20 domain_info '{"name": "rh.example"}' 2>/dev/null)
	like "$(json_get "$out" error)" "$3" "$2: the caller gets an error"
	[[ "$out" != *"$SECRET"* ]]; ok $? "$2: nothing of the marker file in the reply"
	is "$(( $(sim_seen domain:info rh.example) - n0 ))" 2 "$2: the query was tried twice, not more"
	wait_for 10 test "$(logins 1000)" -ge $((l0 + 2))
	[ "$(logins 1000)" -ge $((l0 + 1)) ]; ok $? "$2: the session was dropped and a new one made"
	gate_alive; ok $? "$2: the gate keeps running"
}

set_faults "reply-file=$T/ok.xml:1:domain:info:once"
out=$(rpc domain_info '{"name": "rh.example"}')
is "$(json_get "$out" epp.response.result.msg)" "answered from the file" "control: a well-formed reply-file response is used as is"

R='^failed reading EPP response: '
hostile laughs.xml "billion laughs" "$R"
hostile quadratic.xml "quadratic blowup" "$R"
hostile xxe.xml "external entity (file)" "$R"
hostile param.xml "external parameter entity" "$R"
hostile extdtd.xml "external DTD (file)" "$R"
hostile httpdtd.xml "external DTD (HTTP)" "$R"
hostile httpent.xml "external entity (HTTP)" "$R"
hostile deep.xml "100000 nested elements" "$R"
hostile utf8.xml "invalid UTF-8" "$R"
hostile nul.xml "a NUL byte" "$R"
hostile utf16decl.xml "declared UTF-16, sent UTF-8" "$R"
hostile truncated.xml "truncated document" "$R"
hostile tworoots.xml "two root elements" "$R"
hostile html.xml "not EPP" '^failed (reading EPP response|processing EPP command): '
hostile empty.xml "no document" "$R"
hostile big.xml "17 MiB frame" '^failed processing EPP command: bad frame from the registry: .*exceeds'

# XInclude is not processed: the element is converted like any other.
set_faults "reply-file=$T/xinclude.xml:1:domain:info:once"
out=$(rpc domain_info '{"name": "rh.example"}' 2>/dev/null)
[[ "$out" != *"$SECRET"* ]]; ok $? "XInclude: not processed, nothing of the marker file in the reply"

set_faults
is "$(grep -c 'GET ' "$T/http.log")" 0 "no DTD or entity was fetched over HTTP"
grep -qF "$SECRET" "$GATE_OUT" "$SIM_CMDLOG"
ok $((! $?)) "nothing of the marker file in the gate's log"
out=$(rpc domain_info '{"name": "rh.example"}')
is "$(code_of "$out")" 1000 "the gate keeps serving"
done_testing
