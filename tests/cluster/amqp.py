#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Small AMQP operations on one node of the test cluster (tests/lib/cluster.sh).

  amqp.py PORT declare QUEUE          declares a durable quorum queue
  amqp.py PORT publish QUEUE BODY     publishes one persistent message, confirmed
  amqp.py PORT get QUEUE [SECONDS]    consumes one message, prints its body (exit 1: none)

Exit status 0 on success, 1 on failure (the reason on standard error).
"""
import sys

import pika


def connect(port):
    params = pika.ConnectionParameters(
        "127.0.0.1", port, connection_attempts=1, socket_timeout=10,
        blocked_connection_timeout=10, heartbeat=30)
    return pika.BlockingConnection(params)


def main(argv):
    if len(argv) < 4:
        print(__doc__.strip(), file=sys.stderr)
        return 64
    port, op, queue = int(argv[1]), argv[2], argv[3]
    conn = connect(port)
    try:
        ch = conn.channel()
        if op == "declare":
            ch.queue_declare(queue, durable=True, arguments={"x-queue-type": "quorum"})
        elif op == "publish":
            ch.confirm_delivery()
            ch.basic_publish("", queue, argv[4].encode(), mandatory=True,
                             properties=pika.BasicProperties(delivery_mode=2))
        elif op == "get":
            wait = float(argv[4]) if len(argv) > 4 else 10.0
            ch.basic_qos(prefetch_count=1)
            for method, _props, body in ch.consume(queue, inactivity_timeout=wait):
                if method is None:
                    print("no message in %s within %g s" % (queue, wait), file=sys.stderr)
                    return 1
                ch.basic_ack(method.delivery_tag)
                print(body.decode())
                break
            ch.cancel()
        else:
            print("unknown operation " + op, file=sys.stderr)
            return 64
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except pika.exceptions.AMQPError as e:
        print("amqp: %r" % (e,), file=sys.stderr)
        sys.exit(1)
