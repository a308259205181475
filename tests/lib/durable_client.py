#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A client that outlives broker restarts, for the fault tests.

  durable_client.py PORT QUEUE REPLY_QUEUE REQUESTS OUT [--rate N] [--quiet S]
                    [--deadline S]

REQUESTS holds one request per line: "ID<TAB>JSON". Each is published persistent
(delivery mode 2, publisher confirms) with message_id and correlation_id ID and
reply_to REPLY_QUEUE, a durable named queue this client declares and reads with
manual acks. N requests a second (default: all at once).

Replies go to OUT, one line "ID<TAB>REPLY", the first per ID only (later ones are
counted as duplicates). When the broker connection fails the client reconnects
(every 0.5 s) and goes on. Once everything is published, a request still without
reply after S quiet seconds (default 4) is published again with the same message
id: the gate's journal must answer it without running the command a second time.

Ends when every request has a reply (exit 0) or after the deadline (default 60 s,
exit 1). The last line on stdout: "replies R/N duplicates D republished P
reconnects C".
"""
import sys
import time

import pika
import pika.exceptions


def main(argv):
    port, queue, rqueue, reqfile, outfile = int(argv[1]), argv[2], argv[3], argv[4], argv[5]
    opts = argv[6:]

    def opt(name, default):
        return float(opts[opts.index(name) + 1]) if name in opts else default

    rate, quiet, deadline = opt("--rate", 0), opt("--quiet", 4), opt("--deadline", 60)
    reqs = []
    with open(reqfile) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                rid, body = line.split("\t", 1)
                reqs.append((rid, body))
    want = {rid for rid, _ in reqs}
    replies = {}
    dups = republished = reconnects = 0
    out = open(outfile, "a")
    end = time.monotonic() + deadline
    pending = list(reqs)          # not yet published (or to publish again)
    last_progress = time.monotonic()
    next_send = time.monotonic()
    conn = ch = None

    def on_reply(channel, method, props, body):
        nonlocal dups, last_progress
        rid = props.correlation_id
        if rid in want and rid not in replies:
            replies[rid] = body.decode()
            out.write("%s\t%s\n" % (rid, replies[rid]))
            out.flush()
            last_progress = time.monotonic()
        elif rid in want:
            dups += 1
        channel.basic_ack(method.delivery_tag)

    while len(replies) < len(want) and time.monotonic() < end:
        try:
            if conn is None:
                conn = pika.BlockingConnection(pika.ConnectionParameters(
                    host="127.0.0.1", port=port, heartbeat=10, blocked_connection_timeout=5,
                    credentials=pika.PlainCredentials("guest", "guest")))
                ch = conn.channel()
                ch.confirm_delivery()
                ch.queue_declare(queue=rqueue, durable=True)
                ch.basic_consume(queue=rqueue, on_message_callback=on_reply)
            while pending and time.monotonic() >= next_send:
                rid, body = pending[0]
                if rid not in replies:
                    ch.basic_publish(exchange="", routing_key=queue, body=body,
                                     properties=pika.BasicProperties(
                                         delivery_mode=2, message_id=rid, correlation_id=rid,
                                         reply_to=rqueue, content_type="application/json"))
                pending.pop(0)
                if rate > 0:
                    next_send += 1.0 / rate
            conn.process_data_events(time_limit=0.1)
            if not pending and time.monotonic() - last_progress > quiet:
                again = [(rid, body) for rid, body in reqs if rid not in replies]
                republished += len(again)
                pending.extend(again)
                last_progress = time.monotonic()
        except (pika.exceptions.AMQPError, OSError) as e:
            # the broker went away: whatever was not confirmed is published again
            print("connection: %s" % type(e).__name__, file=sys.stderr, flush=True)
            try:
                if conn is not None and conn.is_open:
                    conn.close()
            except Exception:
                pass
            conn = None
            reconnects += 1
            time.sleep(0.5)
            last_progress = time.monotonic()
    try:
        if conn is not None and conn.is_open:
            conn.close()
    except Exception:
        pass
    print("replies %d/%d duplicates %d republished %d reconnects %d" % (
        len(replies), len(want), dups, republished, reconnects), flush=True)
    return 0 if len(replies) == len(want) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
