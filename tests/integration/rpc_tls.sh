#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TLS to the broker: a TLS terminator in front of the test broker, certificates made here.
# The broker's certificate is verified by default (chain and host name), against --ca or
# SSL_CERT_FILE; --insecure turns that off with a warning.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rpc.sh"

cd "$T" || exit 1
ossl() { openssl "$@" >/dev/null 2>&1; }
ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
ossl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 -subj "/CN=epp-gate test CA" &&
ossl req -x509 "${ec[@]}" -keyout other.key -out other.pem -days 2 -subj "/CN=another CA" &&
ossl req "${ec[@]}" -keyout srv.key -out srv.csr -subj "/CN=localhost" &&
printf 'subjectAltName=DNS:localhost\n' >srv.ext &&
ossl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 \
    -extfile srv.ext
ok $? "test CA and a broker certificate for localhost"

cat >tls-proxy.py <<'PY'
# TLS in front of a plain TCP port: accepts TLS on 127.0.0.1:LPORT, forwards to RPORT.
import asyncio, ssl, sys

lport, rport, cert, key = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)

async def pipe(r, w):
    try:
        while True:
            d = await r.read(65536)
            if not d:
                break
            w.write(d)
            await w.drain()
    except Exception:
        pass
    finally:
        try:
            w.close()
        except Exception:
            pass

async def handle(r, w):
    try:
        ur, uw = await asyncio.open_connection("127.0.0.1", rport)
    except OSError:
        w.close()
        return
    await asyncio.gather(pipe(r, uw), pipe(ur, w))

async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", lport, ssl=ctx)
    print("ready", flush=True)
    async with srv:
        await srv.serve_forever()

asyncio.run(main())
PY
tport=$(free_port)
/usr/bin/python3 tls-proxy.py "$tport" "$AMQP_PORT" srv.pem srv.key >proxy.log 2>&1 &
track_pid $!
wait_for 10 grep -q ready proxy.log
ok $? "TLS terminator listens on 127.0.0.1:$tport"

q=$(qname tls)
start_responder resp.log "$q"
tls() { "$EG_BIN/epp-rpc" --no-env -p "$tport" -q "$q" -t 5 "$@"; }

out=$(tls -H localhost --ca ca.pem hello 2>err); rc=$?
is "$rc" 0 "TLS with the right CA: exit 0"
like "$out" '"@code": "1000"' "TLS: the reply came through"

tls -H localhost --ca other.pem hello >/dev/null 2>err; rc=$?
is "$rc" 69 "a certificate from another CA: exit 69"
diag "$(cat err)"
like "$(cat err)" "cannot connect to the broker at localhost:$tport: .*(verif|certificate)" \
    "... and the message is about the certificate"

tls -H 127.0.0.1 --ca ca.pem hello >/dev/null 2>err; rc=$?
is "$rc" 69 "the right CA but another host name: exit 69 (host name is checked)"
diag "$(cat err)"
like "$(cat err)" "cannot connect to the broker at 127.0.0.1:$tport" "... and says where"

out=$(tls -H localhost --tls --insecure --ca other.pem hello 2>err); rc=$?
is "$rc" 0 "--insecure: exit 0"
like "$(cat err)" "warning: the broker's TLS certificate is not verified" "--insecure warns"

out=$(SSL_CERT_FILE=$T/ca.pem tls -H localhost --tls hello 2>err); rc=$?
is "$rc" 0 "--tls with SSL_CERT_FILE naming the CA"

out=$(SSL_CERT_FILE=$T/ca.pem "$EG_BIN/epp-rpc" --no-env -u "amqps://guest:guest@localhost:$tport" \
    -q "$q" -t 5 hello 2>err); rc=$?
is "$rc" 0 "--url amqps://: TLS without --tls"
like "$out" '"@code": "1000"' "amqps://: the reply came through"
out=$(SSL_CERT_FILE=$T/ca.pem "$EG_BIN/epp-rpc" --no-env -u "amqps://guest:guest@localhost" \
    -p "$tport" -q "$q" -t 5 hello 2>err); rc=$?
is "$rc" 0 "amqps:// with the port given by -p"

tls -H localhost --tls --connect-timeout 3 --ca "$T/nope.pem" hello >/dev/null 2>err; rc=$?
is "$rc" 69 "a CA file that does not exist: exit 69"
like "$(cat err)" "cannot load the TLS CA file $T/nope.pem" "... named in the message"

"$EG_BIN/epp-rpc" --no-env -H localhost -p "$tport" -q "$q" --connect-timeout 3 hello \
    >/dev/null 2>err; rc=$?
is "$rc" 69 "plain AMQP to the TLS port fails: exit 69"
diag "$(cat err)"

done_testing
