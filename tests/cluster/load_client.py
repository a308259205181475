#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A load client for the cluster tests that survives broker nodes stopping.

  load_client.py PORTS QUEUE REPLY_QUEUE REQUESTS OUT [--rate N] [--quiet S]
                 [--deadline S] [--first I]

PORTS is a comma list of the cluster's AMQP ports on 127.0.0.1; the client connects
to the one at index I (default 0) and, when that connection fails, to the next one
in turn. REQUESTS holds one request per line, "ID<TAB>JSON". Each is published
persistent (delivery mode 2), mandatory, with publisher confirms, with message_id
and correlation_id ID and reply_to REPLY_QUEUE, a quorum queue this client declares
(so that replies waiting in it outlive any one node) and reads with manual acks.
N requests a second (default: all at once).

A publish that is not confirmed (the connection died first, the broker refused it or
could not route it) is published again, with the same message_id, once connected
again; after 5 s of refusals on end, through the next node. Once everything is published, requests still without reply after S quiet
seconds (default 8) are published again, the same way: a client's retry, which the
gates' journal must answer without running a create twice.

OUT gets one line per request, "ID<TAB>TIME<TAB>REPLY" (TIME: seconds since the epoch,
when the reply came), for its first reply; OUT.dup the same for every later reply of
a request (a copy published again gets its own answer); OUT.events one line per
connection event, "TIME<TAB>what". Ends when every request has a reply (exit 0) or at
the deadline (default 240 s, exit 1). The last line on stdout: "replies R/N
duplicates D republished P retried Q reconnects C".
"""
import sys
import time

import pika
import pika.exceptions


def main(argv):
    if len(argv) < 6:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    ports = [int(p) for p in argv[1].split(",")]
    queue, rqueue, reqfile, outfile = argv[2], argv[3], argv[4], argv[5]
    opts = argv[6:]

    def opt(name, default):
        return float(opts[opts.index(name) + 1]) if name in opts else default

    rate, quiet, deadline = opt("--rate", 0), opt("--quiet", 8), opt("--deadline", 240)
    at = int(opt("--first", 0)) % len(ports)
    reqs = []
    with open(reqfile) as f:
        for line in f:
            line = line.rstrip("\n")
            if line:
                rid, body = line.split("\t", 1)
                reqs.append((rid, body))
    want = {rid for rid, _ in reqs}
    replies = set()
    dups = republished = retried = reconnects = 0
    out = open(outfile, "a")
    dup = open(outfile + ".dup", "a")
    events = open(outfile + ".events", "a")
    end = time.monotonic() + deadline
    pending = list(reqs)          # to publish, in order (again: after a failure or a retry)
    last_progress = time.monotonic()
    next_send = time.monotonic()
    conn = ch = None
    refused = 0                   # publishes refused in a row

    def event(what):
        events.write("%.3f\t%s\n" % (time.time(), what))
        events.flush()

    def on_reply(channel, method, props, body):
        nonlocal dups, last_progress
        rid = props.correlation_id
        line = "%s\t%.3f\t%s\n" % (rid, time.time(), body.decode())
        if rid in want and rid not in replies:
            replies.add(rid)
            out.write(line)
            out.flush()
            last_progress = time.monotonic()
        elif rid in want:
            dups += 1
            dup.write(line)
            dup.flush()
        channel.basic_ack(method.delivery_tag)

    while len(replies) < len(want) and time.monotonic() < end:
        try:
            if conn is None:
                conn = pika.BlockingConnection(pika.ConnectionParameters(
                    host="127.0.0.1", port=ports[at], heartbeat=10, connection_attempts=1,
                    socket_timeout=5, blocked_connection_timeout=10,
                    credentials=pika.PlainCredentials("guest", "guest")))
                ch = conn.channel()
                ch.confirm_delivery()
                ch.queue_declare(queue=rqueue, durable=True,
                                 arguments={"x-queue-type": "quorum"})
                ch.basic_qos(prefetch_count=200)
                ch.basic_consume(queue=rqueue, on_message_callback=on_reply)
                event("connected to port %d" % ports[at])
            burst = 0
            while pending and time.monotonic() >= next_send and burst < 50:
                rid, body = pending.pop(0)
                if rid in replies:
                    continue
                try:
                    # Returns once the broker confirmed it; raises when it did not.
                    ch.basic_publish(exchange="", routing_key=queue, body=body.encode(),
                                     mandatory=True,
                                     properties=pika.BasicProperties(
                                         delivery_mode=2, message_id=rid, correlation_id=rid,
                                         reply_to=rqueue, content_type="application/json"))
                except BaseException:
                    pending.insert(0, (rid, body))
                    raise
                burst += 1
                refused = 0
                if rate > 0:
                    # Behind schedule (a stall): catch up, but not all at once.
                    next_send = max(next_send + 1.0 / rate, time.monotonic() - 1.0)
            wait = 0.05
            if pending:
                wait = min(wait, max(0.0, next_send - time.monotonic()))
            conn.process_data_events(time_limit=wait)
            if not pending and time.monotonic() - last_progress > quiet:
                again = [(rid, body) for rid, body in reqs if rid not in replies]
                retried += len(again)
                pending.extend(again)
                event("retrying %d requests without reply" % len(again))
                last_progress = time.monotonic()
        except (pika.exceptions.UnroutableError, pika.exceptions.NackError) as e:
            # Not taken by the broker (the queue unavailable for a moment): again later;
            # refused for 5 s on end, through another node.
            republished += 1
            refused += 1
            event("publish of %s not confirmed: %s" % (pending[0][0], type(e).__name__))
            time.sleep(0.2)
            if refused >= 25:
                event("refused 25 times through port %d: moving on" % ports[at])
                refused = 0
                try:
                    conn.close()
                except Exception:
                    pass
                conn = None
                at = (at + 1) % len(ports)
                reconnects += 1
        except (pika.exceptions.AMQPError, OSError) as e:
            # The node went away: the publish in progress (not confirmed) goes out again
            # through another node, with the same message_id.
            event("connection to port %d lost: %s" % (ports[at], type(e).__name__))
            if pending:
                republished += 1
            try:
                if conn is not None and conn.is_open:
                    conn.close()
            except Exception:
                pass
            conn = None
            at = (at + 1) % len(ports)
            reconnects += 1
            time.sleep(0.3)
    try:
        if conn is not None and conn.is_open:
            conn.close()
    except Exception:
        pass
    print("replies %d/%d duplicates %d republished %d retried %d reconnects %d" % (
        len(replies), len(want), dups, republished, retried, reconnects), flush=True)
    return 0 if len(replies) == len(want) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
