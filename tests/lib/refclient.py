#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A client written to the Python reference's conventions (its rpc_client), for tests.

  refclient.py PORT QUEUE call [--timeout S] [JSON...]     one request per argument
                                                           (or per stdin line); prints
                                                           each reply on its own line
  refclient.py PORT QUEUE publish JSON [--no-reply-to] [--deadline-ms DELTA]
                                       [--message-id ID] [--correlation-id ID]
                                       [--wait S] [--reply-to QUEUE]
      publishes one request by hand: without reply_to, with an x-deadline header DELTA ms
      from now (negative: already expired), with a message id; waits S seconds for a
      reply when it has a reply_to and prints it (or "TIMEOUT"). With --reply-to the
      reply goes to QUEUE, which this client neither declares nor reads.

Like the reference client it declares an exclusive server-named reply queue, uses uuid4
correlation ids and ignores replies with other ids. Uses Debian's python3-pika.
"""
import json
import sys
import time
import uuid

import pika


def connect(port):
    return pika.BlockingConnection(pika.ConnectionParameters(
        host="127.0.0.1", port=port, credentials=pika.PlainCredentials("guest", "guest")))


def call(port, queue, requests, timeout):
    conn = connect(port)
    ch = conn.channel()
    reply_queue = ch.queue_declare(queue="", exclusive=True).method.queue
    replies = {}

    def on_reply(_ch, _method, props, body):
        replies[props.correlation_id] = body

    ch.basic_consume(queue=reply_queue, on_message_callback=on_reply, auto_ack=True)
    status = 0
    for req in requests:
        cid = str(uuid.uuid4())
        ch.basic_publish(exchange="", routing_key=queue, body=req,
                         properties=pika.BasicProperties(reply_to=reply_queue,
                                                         correlation_id=cid))
        deadline = time.monotonic() + timeout
        while cid not in replies and time.monotonic() < deadline:
            conn.process_data_events(time_limit=0.2)
        if cid in replies:
            print(replies.pop(cid).decode(), flush=True)
        else:
            print("TIMEOUT", flush=True)
            status = 1
    conn.close()
    return status


def publish(port, queue, body, args):
    conn = connect(port)
    ch = conn.channel()
    headers = {}
    props = {}
    if "--deadline-ms" in args:
        delta = int(args[args.index("--deadline-ms") + 1])
        headers["x-deadline"] = int(time.time() * 1000) + delta
    if "--message-id" in args:
        props["message_id"] = args[args.index("--message-id") + 1]
    cid = args[args.index("--correlation-id") + 1] if "--correlation-id" in args \
        else str(uuid.uuid4())
    reply_queue = None
    if "--reply-to" in args:
        props["reply_to"] = args[args.index("--reply-to") + 1]
    elif "--no-reply-to" not in args:
        reply_queue = ch.queue_declare(queue="", exclusive=True).method.queue
        props["reply_to"] = reply_queue
    ch.basic_publish(exchange="", routing_key=queue, body=body,
                     properties=pika.BasicProperties(correlation_id=cid,
                                                     headers=headers or None, **props))
    if reply_queue is None:
        conn.close()
        return 0
    wait = float(args[args.index("--wait") + 1]) if "--wait" in args else 10.0
    got = []
    ch.basic_consume(queue=reply_queue, auto_ack=True,
                     on_message_callback=lambda c, m, p, b: got.append(b))
    deadline = time.monotonic() + wait
    while not got and time.monotonic() < deadline:
        conn.process_data_events(time_limit=0.2)
    print(got[0].decode() if got else "TIMEOUT", flush=True)
    conn.close()
    return 0 if got else 1


def main(argv):
    port, queue, verb = int(argv[1]), argv[2], argv[3]
    rest = argv[4:]
    if verb == "call":
        timeout = 10.0
        if rest[:1] == ["--timeout"]:
            timeout = float(rest[1])
            rest = rest[2:]
        reqs = rest or [line.strip() for line in sys.stdin if line.strip()]
        return call(port, queue, reqs, timeout)
    if verb == "publish":
        return publish(port, queue, rest[0], rest[1:])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
