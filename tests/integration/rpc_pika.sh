#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Interoperability: a stand-in for the Python reference gate's AMQP side (pika, the way
# the reference declares, consumes and replies: default queue declaration, prefetch 1,
# reply with only a correlation_id and json.dumps() text, ack after the reply). The
# client relies on nothing more than that. Skipped without python3-pika.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rpc.sh"

if ! /usr/bin/python3 -c 'import pika' 2>/dev/null; then
	ok 0 "# SKIP python3-pika is not installed"
	done_testing; exit
fi

cat >"$T/pika-gate.py" <<'PY'
# Answers like the reference gate: EPP 2302 for creates, 1000 otherwise; logs what it saw.
import json, sys
import pika

host, port, queue, log = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
conn = pika.BlockingConnection(pika.ConnectionParameters(host=host, port=port,
    credentials=pika.PlainCredentials("guest", "guest")))
ch = conn.channel()
ch.queue_declare(queue=queue)
ch.basic_qos(prefetch_count=1)

def on_request(chan, method, props, body):
    req = json.loads(body)
    with open(log, "a") as f:
        f.write(json.dumps({"cmd": req.get("cmd"), "args": req.get("args"),
            "expiration": props.expiration, "headers": props.headers,
            "message_id": props.message_id, "content_type": props.content_type}) + "\n")
    if req.get("cmd") == "domain_create":
        result = {"@code": "2302", "msg": "Object exists"}
    else:
        result = {"@code": "1000", "msg": "Commande ex\u00e9cut\u00e9e"}
    reply = json.dumps({"epp": {"response": {"result": result}}})   # ASCII, \u escapes
    chan.basic_publish(exchange="", routing_key=props.reply_to,
        properties=pika.BasicProperties(correlation_id=props.correlation_id), body=reply)
    chan.basic_ack(delivery_tag=method.delivery_tag)

ch.basic_consume(queue=queue, on_message_callback=on_request)
print("ready", flush=True)
ch.start_consuming()
PY
q=$(qname pika)
/usr/bin/python3 "$T/pika-gate.py" "$AMQP_HOST" "$AMQP_PORT" "$q" "$T/seen" >"$T/pika.log" 2>&1 &
track_pid $!
wait_for 15 grep -q ready "$T/pika.log"
ok $? "pika stand-in for the reference gate consumes $q"

out=$(rpc -q "$q" -t 10 domain_check '{"domains": ["caf\u00e9.example"]}' 2>"$T/err"); rc=$?
is "$rc" 0 "EPP 1000 from the pika gate: exit 0"
like "$out" 'Commande ex\\u00e9cut\\u00e9e' "the reply is printed as sent (\\u escapes)"
out=$(rpc -q "$q" -t 10 --pretty hello)
like "$out" 'Commande exécutée' "--pretty decodes the escapes"
rpc -q "$q" -t 10 domain_create '{"name": "a.example"}' >/dev/null 2>"$T/err"; rc=$?
is "$rc" 1 "EPP 2302 from the pika gate: exit 1"
is "$(cat "$T/err")" "epp-rpc: EPP 2302: Object exists" "code and message read from the reply"

out=$("$BENCH/eg-rpc-drive" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$q" -t 20000 pipeline 50 2>&1)
like "$out" "completed=50 .*timeouts=0 errors=0" "50 pipelined requests through the prefetch-1 pika gate"

seen=$(/usr/bin/python3 - "$T/seen" <<'PY'
import json, sys
first = json.loads(open(sys.argv[1]).readline())
print(first["args"]["domains"][0], first["expiration"], type(first["headers"]["x-deadline"]).__name__,
      first["content_type"], len(first["message_id"]))
PY
)
is "$seen" "café.example 10000 int application/json 36" \
    "pika sees the args, expiration, an integer x-deadline, content type and message_id"

done_testing
