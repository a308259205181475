#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Deadlines that hold: a request whose x-deadline (in any AMQP type: long, int, short,
# double, decimal, string of digits, timestamp) or timestamp + expiration lies in the
# past is answered "expired" and never sent, however far back it lies (a day, 2^40 ms:
# longer than the machine has been up); one ahead is served; one that cannot be read as
# a deadline is refused with "failed reading EPP request: x-deadline: ...". (A NaN
# cannot be sent: RabbitMQ closes the publisher's connection, 541; the unit test
# test_broker_deadline covers it.)
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
eg_setup gdeadline
eg_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
gate_config
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }

# One request per case, published with pika: "NAME<TAB>reply" per line. pika writes
# neither doubles nor shorts; its encoder is taught both here.
cat >"$T/deadlines.py" <<'PY'
import datetime, decimal, json, struct, sys, time, uuid
import pika
from pika import data

class Short(int):
    pass

_encode = data.encode_value

def encode_value(pieces, value):
    if isinstance(value, Short):
        pieces.append(struct.pack('>ch', b's', value))
        return 3
    if isinstance(value, float):
        pieces.append(struct.pack('>cd', b'd', value))
        return 9
    return _encode(pieces, value)

data.encode_value = encode_value

now = int(time.time() * 1000)
day = 86400 * 1000
utc = datetime.timezone.utc
cases = [
    # name, headers, properties
    ("long-day-ago", {"x-deadline": now - day}, {}),
    ("long-2p40-ago", {"x-deadline": now - 2 ** 40}, {}),
    ("int-past", {"x-deadline": 5000}, {}),
    ("short-past", {"x-deadline": Short(1000)}, {}),
    ("double-day-ago", {"x-deadline": float(now - day)}, {}),
    ("decimal-past", {"x-deadline": decimal.Decimal("12.5")}, {}),
    ("timestamp-day-ago", {"x-deadline": datetime.datetime.fromtimestamp(now / 1000 - 86400, utc)}, {}),
    ("string-day-ago", {"x-deadline": str(now - day)}, {}),
    ("props-day-ago", None, {"timestamp": (now - day) // 1000, "expiration": "600000"}),
    ("string-ahead", {"x-deadline": str(now + 60000)}, {}),
    ("double-ahead", {"x-deadline": float(now + 60000)}, {}),
    ("timestamp-ahead", {"x-deadline": datetime.datetime.fromtimestamp(now / 1000 + 120, utc)}, {}),
    ("props-ahead", None, {"timestamp": now // 1000, "expiration": "60000"}),
    ("bad-string", {"x-deadline": "soon"}, {}),
    ("bad-negative", {"x-deadline": -5}, {}),
    ("bad-table", {"x-deadline": {"at": now + 60000}}, {}),
    ("bad-bool", {"x-deadline": True}, {}),
]
c = pika.BlockingConnection(pika.ConnectionParameters(host="127.0.0.1", port=int(sys.argv[1]),
    credentials=pika.PlainCredentials("guest", "guest")))
ch = c.channel()
rq = ch.queue_declare(queue="", exclusive=True).method.queue
got = {}
ch.basic_consume(queue=rq, auto_ack=True,
                 on_message_callback=lambda _c, _m, p, b: got.setdefault(p.correlation_id, b))
for name, headers, props in cases:
    cid = str(uuid.uuid4())
    body = json.dumps({"cmd": "domain_check", "args": {"domains": [name + ".example"]}})
    ch.basic_publish(exchange="", routing_key=sys.argv[2], body=body,
                     properties=pika.BasicProperties(reply_to=rq, correlation_id=cid,
                                                     headers=headers, **props))
    end = time.monotonic() + 10
    while cid not in got and time.monotonic() < end:
        c.process_data_events(time_limit=0.1)
    print("%s\t%s" % (name, got[cid].decode() if cid in got else "TIMEOUT"), flush=True)
c.close()
PY
/usr/bin/python3 "$T/deadlines.py" "$AMQP_PORT" "$QUEUE" >"$T/replies" 2>"$T/py.err"
ok $? "17 requests published and answered"
reply() { grep -P "^$1\t" "$T/replies" | cut -f2-; }

for c in long-day-ago long-2p40-ago int-past short-past double-day-ago decimal-past \
    timestamp-day-ago string-day-ago props-day-ago; do
	r=$(reply "$c")
	like "$r" '^\{"error":"failed processing EPP command: request expired before it was sent to the registry","code":"expired"\}$' \
	    "$c: answered expired"
done
is "$(sim_count '(day-ago|2p40-ago|-past)\.example')" 0 "none of the expired ones reached the registry"
for c in string-ahead double-ahead timestamp-ahead props-ahead; do
	is "$(json_get "$(reply "$c")" epp.response.result.@code)" 1000 "$c: served"
done
is "$(sim_count 'ahead\.example')" 4 "and each reached the registry once"
like "$(reply bad-string)" '^\{"error":"failed reading EPP request: x-deadline: \\"soon\\" is not a number of milliseconds since 1970' \
    "a string that is not digits: refused, saying why"
like "$(reply bad-negative)" '"failed reading EPP request: x-deadline: -5 is negative"' "a negative number: refused"
like "$(reply bad-table)" '"failed reading EPP request: x-deadline: a table is not a deadline"' "a table: refused"
like "$(reply bad-bool)" '"failed reading EPP request: x-deadline: a boolean is not a deadline"' "a boolean: refused"
is "$(sim_count 'bad-[a-z]+\.example')" 0 "none of the refused ones reached the registry"
grep -q 'request cmd=domain_check .*code=-1 .*sent=no error="failed reading EPP request: x-deadline: ' "$GATE_OUT"
ok $? "the gate logs the refusal"
out=$(rpc domain_check '{"domains": ["after.example"]}')
is "$(json_get "$out" epp.response.result.@code)" 1000 "the gate keeps serving"
done_testing
