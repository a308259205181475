#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The gate's log where it is read: on standard error that is the journal (JOURNAL_STREAM
# names the device and inode of the file stderr goes to, as systemd sets it) every line
# starts with its syslog priority and carries no time, ident or pid, so that
# `journalctl -p err` finds the errors: a refused login is <3>, a configuration warning
# <4>, a request line <6> naming its objects. With log.format "json" on a log file every
# line is one JSON object with the request fields and no secret; a log file has
# timestamps by default.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
eg_setup logging
fault_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
SECRET="LogAuth-$RANDOM-z8Qy"

stop_gate() { kill -TERM "$GATE_PID"; wait "$GATE_PID" 2>/dev/null; }
# journal_stream FILE: what systemd would put in JOURNAL_STREAM for FILE ("DEV:INODE")
journal_stream() { stat -c '%d:%i' "$1"; }

# ---- text on the journal: priorities, no time/ident/pid ----------------------------
GATE_LOG_LEVEL=info gate_config
sed -i 's/timestamps = true;/timestamps = true; requests = true;/' "$GATE_CONF"
chmod 644 "$GATE_CONF"      # an inline password others can read: a warning
set_faults "refuse-login:1:once"
: >"$T/gate.out"
JOURNAL_STREAM=$(journal_stream "$T/gate.out") gate_launch
ok $? "the gate starts with stderr as the journal"
gate_wait_up 1 20
ok $? "and logs in after the refused login"
set_faults
chmod 600 "$GATE_CONF"
rpc domain_check '{"domains": ["j1.example", "j2.example"]}' >/dev/null
rpc domain_info '{"name": "missing.example"}' >/dev/null 2>&1
stop_gate
out=$T/gate.out

like "$(grep -m1 'cannot establish the EPP session' "$out")" '^<3>error: session 0: cannot establish' \
    "a refused login is an error line with priority <3>"
like "$(grep -m1 'warning: ' "$out")" '^<4>warning: .*gate.conf.*inline' \
    "a configuration warning (found before the log opened) has priority <4>"
like "$(grep 'request cmd=domain_check' "$out")" \
    '^<6>info: request cmd=domain_check objects=j1.example,j2.example code=1000 ms=[0-9.]+ cltrid=[^ ]+ correlation_id=[^ ]+ message_id=[^ ]+ session=0$' \
    "a request line has priority <6> (info) and names its objects"
like "$(grep 'request cmd=domain_info' "$out")" '^<6>info: request cmd=domain_info objects=missing.example code=2303 ' \
    "an EPP error result is a request line too, at info"
is "$(grep -c '^<[0-3]>' "$out")" "$(grep -c '^<[0-7]>error: ' "$out")" \
    "journalctl -p err: the lines of priority 0-3 are exactly the error lines"
like "$(grep -E '^<[0-3]>' "$out" | grep -c 'request cmd=')" '^0$' "and no request line among them"
is "$(grep -cv '^<[0-7]>' "$out")" 0 "every line starts with a priority"
is "$(grep -cE '^<[0-7]>[0-9]{4}-[0-9]{2}-[0-9]{2}T|epp-gate\[[0-9]+\]' "$out")" 0 \
    "no line has a time, ident or pid of its own (timestamps = true notwithstanding)"

# ---- json on a log file (stderr still the journal: the file gets the full form) -------
GATE_LOG_LEVEL=info GATE_LOG_FILE=$T/gate.json gate_config
sed -i 's/timestamps = true;/format = "json"; requests = true;/' "$GATE_CONF"
: >"$T/gate.out"
JOURNAL_STREAM=$(journal_stream "$T/gate.out") gate_start
ok $? "the gate starts with log.format json"
rpc domain_check '{"domains": ["k1.example", "k2.example", "k3.example", "k4.example", "k5.example", "k6.example", "k7.example"]}' >/dev/null
rpc contact_create "{\"id\": \"c-log\", \"email\": \"p@example.net\", \"auth_info\": \"$SECRET\", \"contacts\": $POSTAL}" >/dev/null
rpc domain_create "{\"name\": \"log.example\", \"registrant\": \"c-log\", \"contacts\": {\"admin\": \"c-log\"}, \"auth_info\": \"$SECRET-d\"}" >/dev/null
rpc domain_info "{\"name\": \"log.example\", \"auth_info\": \"$SECRET-d\"}" >/dev/null
rpc domain_renew '{"name": "log.example"}' >/dev/null 2>&1     # refused by the gate: an error
# an unknown command and a correlation id holding a quote, a backslash, a control
# character and UTF-8, published by hand (epp-rpc refuses such names)
/usr/bin/python3 "$EG_SRCDIR/tests/lib/refclient.py" "$AMQP_PORT" "$QUEUE" publish \
    '{"cmd": "we\"ird\\cmd-é", "args": {}}' --correlation-id "$(printf 'corr "q" \\ \001 é')" \
    --wait 5 >/dev/null 2>&1
stop_gate
is "$(grep -c . "$T/gate.out")" 0 "nothing on stderr: the lines go to the file"

/usr/bin/python3 - "$T/gate.json" "$SECRET" >"$T/json-check.out" 2>&1 <<'PY'
import json, re, sys
path, secret = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
lines = raw.split(b"\n")
assert lines[-1] == b"", "the file ends with a newline"
objs = []
for n, l in enumerate(lines[:-1], 1):
    try:
        objs.append(json.loads(l.decode("utf-8")))
    except Exception as e:
        print("line %d is not JSON (%s): %r" % (n, e, l[:200])); sys.exit(1)
ts = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
for o in objs:
    assert isinstance(o, dict), o
    assert ts.match(o.get("time", "")), o
    assert o.get("level") in ("error", "warning", "info", "debug", "trace"), o
    assert isinstance(o.get("message"), str), o
    assert o.get("ident") == "epp-gate" and isinstance(o.get("pid"), int), o
reqs = [o for o in objs if o["message"] == "request"]
fields = ("cmd", "objects", "code", "ms", "cltrid", "correlation_id", "session")
for o in reqs:
    for f in fields:
        assert f in o, (f, o)
    assert o["level"] == "info", o
    assert isinstance(o["objects"], list) and isinstance(o["code"], int), o
    assert isinstance(o["ms"], (int, float)) and isinstance(o["session"], int), o
by = {}
for o in reqs:
    by.setdefault(o["cmd"], []).append(o)
def one(cmd, cond, what):
    ok = any(cond(o) for o in by.get(cmd, []))
    print("%s: %s" % ("yes" if ok else "NO", what))
one("domain_check", lambda o: o["objects"] == ["k1.example", "k2.example", "k3.example",
    "k4.example", "k5.example"] and o["objects_more"] == 2 and o["code"] == 1000
    and o["message_id"] and o["correlation_id"] and o["cltrid"], "check: five names, two more")
one("contact_create", lambda o: o["objects"] == ["c-log"] and o["code"] == 1000, "contact_create: its id")
one("domain_create", lambda o: o["objects"] == ["log.example"] and o["code"] == 1000, "domain_create: its name")
one("domain_info", lambda o: o["objects"] == ["log.example"], "domain_info: its name")
one("domain_renew", lambda o: o["code"] == -1 and "cur_exp_date" in o["error"]
    and o["sent"] is False and o["objects"] == [], "a gate error: code -1, error, sent false")
one('we"ird\\cmd-\u00e9', lambda o: o["code"] == -1 and o["error"]
    and o["correlation_id"] == 'corr "q" \\ \x01 \u00e9',
    "a command name and correlation id with a quote, a backslash, a control character "
    "and UTF-8: escaped, the line parses, the values come back")
print("%s: no authInfo in the log" % ("NO" if secret.encode() in raw else "yes"))
print("lines: %d, request lines: %d" % (len(objs), len(reqs)))
PY
ok $? "every line of the json log parses, with time, level, message, ident, pid; request lines have the fields"
while read -r line; do
	case $line in
	yes:*) ok 0 "json: ${line#yes: }" ;;
	NO:*) ok 1 "json: ${line#NO: }" ;;
	*) diag "$line" ;;
	esac
done <"$T/json-check.out"

# ---- a log file has timestamps by default ---------------------------------------------
GATE_LOG_LEVEL=info GATE_LOG_FILE=$T/gate.log gate_config
sed -i 's/timestamps = true;//' "$GATE_CONF"
: >"$T/gate.out"
gate_start -v
ok $? "the gate starts with a log file and no timestamps setting"
rpc host_check '{"hosts": ["ns1.log.example"]}' >/dev/null
stop_gate
like "$(grep 'request cmd=host_check' "$T/gate.log")" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{3}Z epp-gate\[[0-9]+\] info: request cmd=host_check objects=ns1.log.example code=1000 ' \
    "log file lines start with the time, ident and pid; -v request lines are info"
is "$(grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$T/gate.log")" 0 "every line of the file has a timestamp"
done_testing
