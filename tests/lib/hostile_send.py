#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs the hostile input matrix against a gate, one request at a time.

  hostile_send.py PORT QUEUE CASES SIM_LOG MARKER_FILE

CASES is tests/faults/data/hostile_requests.tsv (its header says what the columns
mean). For each case the request is published with a reply_to and a correlation id,
its reply awaited (30 s), and the lines epp-sim added to its command log meanwhile
are collected (the gate handles one request at a time here, and epp-sim logs a
command before it answers, so they are this request's). Prints one line per case:

  PASS|FAIL <TAB> description <TAB> what was seen

The content of MARKER_FILE must appear in no reply.
"""
import json
import re
import sys
import time
import uuid

import pika

REPEAT = re.compile(rb"\{\{REPEAT:(.*?):(\d+)\}\}")
BYTE = re.compile(rb"\{\{X:([0-9a-fA-F]{2})\}\}")


def expand(body, marker):
    b = body.encode()
    b = REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), b)
    b = BYTE.sub(lambda m: bytes([int(m.group(1), 16)]), b)
    return b.replace(b"@MARKER@", marker.encode())


def sim_lines(path):
    with open(path, "rb") as f:
        return f.read().decode(errors="replace").splitlines()


def judge(expect, reply, new_lines):
    """'' when the reply meets the expectation, else what is wrong."""
    try:
        obj = json.loads(reply)
    except ValueError:
        return "the reply is not JSON"
    if not isinstance(obj, dict):
        return "the reply is not an object"
    base, _, forbid = expect.partition("!")
    if base == "epp":
        code = (((obj.get("epp") or {}).get("response") or {}).get("result") or {}).get("@code")
        if code is None:
            return "no EPP result in the reply"
        if len(new_lines) != 1:
            return "%d commands reached the registry, not 1" % len(new_lines)
        if forbid and any(re.search(forbid, l) for l in new_lines):
            return "the registry saw %r" % new_lines
        return ""
    err = obj.get("error")
    if not isinstance(err, str):
        return "no error in the reply"
    prefixes = {"request": "failed reading EPP request: ",
                "unknown": "unknown command or empty response received: "}
    if not any(err.startswith(prefixes[k]) for k in base.split("|")):
        return "an error with another prefix"
    if new_lines:
        return "%d command(s) reached the registry" % len(new_lines)
    return ""


def main(argv):
    port, queue, cases, simlog, marker = int(argv[1]), argv[2], argv[3], argv[4], argv[5]
    secret = open(marker).read().strip()
    conn = pika.BlockingConnection(pika.ConnectionParameters(
        host="127.0.0.1", port=port, heartbeat=30,
        credentials=pika.PlainCredentials("guest", "guest")))
    ch = conn.channel()
    rq = ch.queue_declare(queue="", exclusive=True).method.queue
    replies = {}
    ch.basic_consume(queue=rq, auto_ack=True,
                     on_message_callback=lambda c, m, p, b: replies.__setitem__(p.correlation_id, b))
    status = 0
    with open(cases) as f:
        rows = [l.rstrip("\n").split("\t", 2) for l in f if l.strip() and not l.startswith("#")]
    for desc, expect, body in rows:
        before = len(sim_lines(simlog))
        cid = str(uuid.uuid4())
        ch.basic_publish(exchange="", routing_key=queue, body=expand(body, marker),
                         properties=pika.BasicProperties(reply_to=rq, correlation_id=cid))
        end = time.monotonic() + 30
        while cid not in replies and time.monotonic() < end:
            conn.process_data_events(time_limit=0.1)
        if cid not in replies:
            print("FAIL\t%s\tno reply in 30 s" % desc, flush=True)
            status = 1
            continue
        reply = replies.pop(cid).decode(errors="replace")
        new = sim_lines(simlog)[before:]
        why = judge(expect, reply, new)
        if not why and secret in reply:
            why = "the marker file's content came back"
        shown = reply if len(reply) < 300 else reply[:300] + "..."
        print("%s\t%s\t%s" % ("FAIL" if why else "PASS", desc, why + (": " if why else "") + shown),
              flush=True)
        status |= 1 if why else 0
    conn.close()
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
