#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README examples and the packaging: rpcclient/examples/check.c built the way a user
# builds it (cc check.c $(pkg-config --cflags --libs eppgate-rpc)) against a staged
# install of the library, then run; check.sh run with epp-rpc; the shared library's
# exports and soname; the man page.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rpc.sh"

L=$EG_BUILD/lib
SO=$(ls "$L"/libeppgate-rpc.so.*.*.* 2>/dev/null | head -n 1)
[ -n "$SO" ] && [ -f "$L/eppgate-rpc.pc" ] && [ -f "$L/libeppgate-rpc.a" ]
ok $? "library and pkg-config file built ($L)"

# --- packaging ---------------------------------------------------------------------------
is "$(objdump -p "$SO" | awk '/SONAME/ { print $2 }')" "libeppgate-rpc.so.1" "versioned soname"
exports=$(nm -D --defined-only "$SO" | awk '$2 == "T" { print $3 }')
is "$(grep -cv '^egrpc_' <<<"$exports")" 0 "the shared library exports only egrpc_* functions"
like "$(tr '\n' ' ' <<<"$exports")" "egrpc_call@@EPPGATE_RPC_1 " "symbols carry the version node"
is "$(objdump -p "$SO" | awk '/NEEDED/ && $2 !~ /^lib(a|ub)san/ { print $2 }' | sort | tr '\n' ' ')" \
    "libc.so.6 libjson-c.so.5 librabbitmq.so.4 " "it needs only rabbitmq-c, json-c and libc"
is "$(nm -g --defined-only "$L/libeppgate-rpc.a" 2>/dev/null | awk 'NF == 3 { print $3 }' | grep -cv '^egrpc_')" 0 \
    "the static archive defines only egrpc_* globally (its internals are local)"
is "$(nm -u "$L/libeppgate-rpc.a" 2>/dev/null | awk '{ print $2 }' | grep -c '^\(eg_\|rpcc_\)')" 0 \
    "it needs nothing of the gate's code: the common pieces it uses are inside it"

# Stage an install as `make install DESTDIR=...` lays it out, and build against it with
# the generated .pc; PKG_CONFIG_SYSROOT_DIR maps its paths into the staging directory.
export PKG_CONFIG_PATH=$L
libdir=$(pkg-config --variable=libdir eppgate-rpc)
incdir=$(pkg-config --variable=includedir eppgate-rpc)
S=$T/stage
install -d "$S$libdir/pkgconfig" "$S$incdir"
cp -P "$L"/libeppgate-rpc.so* "$L/libeppgate-rpc.a" "$S$libdir/"
cp "$EG_SRCDIR/rpcclient/eppgate-rpc.h" "$S$incdir/"
cp "$L/eppgate-rpc.pc" "$S$libdir/pkgconfig/"
export PKG_CONFIG_PATH=$S$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR=$S
is "$(pkg-config --modversion eppgate-rpc)" "$("$EG_BIN/epp-rpc" --version | awk '{ print $2 }')" \
    "pkg-config finds eppgate-rpc at the build's version"
like "$(pkg-config --static --libs eppgate-rpc)" "-leppgate-rpc .*-lrabbitmq.*-ljson-c" \
    "static linking pulls in rabbitmq-c and json-c (Requires.private)"

CC=${CC:-cc}
# A sanitizer build's library needs the sanitizer runtime in the program too.
san=()
if objdump -p "$SO" | grep -q 'NEEDED.*libasan'; then
	san=(-fsanitize=address,undefined)
	diag "sanitizer build: the examples are built with ${san[*]}"
fi
# shellcheck disable=SC2046
$CC "${san[@]}" -std=c99 -Wall -Wextra -Wpedantic -Werror "$EG_SRCDIR/rpcclient/examples/check.c" \
    $(pkg-config --cflags --libs eppgate-rpc) -o "$T/check" 2>"$T/cc.err"
ok $? "check.c builds with cc \$(pkg-config --cflags --libs eppgate-rpc), strict C99"
[ -s "$T/cc.err" ] && diag "$(cat "$T/cc.err")"
objdump -p "$T/check" | grep -q 'NEEDED.*libeppgate-rpc.so.1'
ok $? "the example links the shared library by its soname"
# shellcheck disable=SC2046
$CC "${san[@]}" -std=c99 -Wall -Werror "$EG_SRCDIR/rpcclient/examples/check.c" \
    $(pkg-config --cflags eppgate-rpc) "$S$libdir/libeppgate-rpc.a" \
    $(pkg-config --static --libs-only-l eppgate-rpc | sed 's/-leppgate-rpc//') \
    -o "$T/check-static" 2>"$T/cc.err"
ok $? "check.c also links the static archive"
unset PKG_CONFIG_SYSROOT_DIR

# --- run them ----------------------------------------------------------------------------
q=$(qname example)
start_responder resp.log "$q"
conf="{\"host\": \"$AMQP_HOST\", \"port\": \"$AMQP_PORT\", \"username\": \"guest\", \"password\": \"guest\", \"queue_name\": \"$q\"}"
out=$(env -u RPC_CLIENT_CONF_PATH RPC_CLIENT_CONF="$conf" LD_LIBRARY_PATH="$S$libdir" \
    "$T/check" example.com); rc=$?
is "$rc" 0 "check example.com: exit 0"
like "$out" "^1000 Command completed successfully" "check prints code and message"
out=$(env -u RPC_CLIENT_CONF_PATH RPC_CLIENT_CONF="$conf" "$T/check-static" example.com)
is $? 0 "the statically linked example works too"
out=$(env -u RPC_CLIENT_CONF_PATH RPC_CLIENT_CONF="$conf" PATH="$EG_BIN:$PATH" \
    sh "$EG_SRCDIR/rpcclient/examples/check.sh" example.com); rc=$?
is "$rc" 0 "check.sh example.com: exit 0"
like "$out" '"@code": "1000"' "check.sh prints the reply"
stop_pid "$RESP_PID"

start_responder resp2.log "$q" --reply '{"epp": {"response": {"result": {"@code": "2306", "msg": "Parameter value policy error"}}}}'
out=$(env -u RPC_CLIENT_CONF_PATH RPC_CLIENT_CONF="$conf" LD_LIBRARY_PATH="$S$libdir" \
    "$T/check" bad-.example); rc=$?
is "$rc" 1 "check: EPP 2306 gives exit 1"
is "$out" "refused: 2306 Parameter value policy error" "check: says the registry refused"
env -u RPC_CLIENT_CONF_PATH RPC_CLIENT_CONF="$conf" PATH="$EG_BIN:$PATH" \
    sh "$EG_SRCDIR/rpcclient/examples/check.sh" bad-.example >/dev/null 2>"$T/err"; rc=$?
is "$rc" 1 "check.sh: exit 1"
like "$(cat "$T/err")" "the registry refused" "check.sh: says the registry refused"
stop_pid "$RESP_PID"

env -u RPC_CLIENT_CONF_PATH RPC_CLIENT_CONF="{\"host\": \"127.0.0.1\", \"port\": $(free_port), \"username\": \"guest\", \"password\": \"guest\"}" \
    PATH="$EG_BIN:$PATH" sh "$EG_SRCDIR/rpcclient/examples/check.sh" example.com >/dev/null 2>"$T/err"; rc=$?
is "$rc" 69 "check.sh without a broker: exit 69"
is "$(tail -n 1 "$T/err")" "the broker cannot be reached" \
    "check.sh: says the broker cannot be reached"

bad="{\"host\": \"$AMQP_HOST\", \"port\": \"$AMQP_PORT\", \"username\": \"guest\", \"password\": \"guest\", \"queue_name\": \"$(qname nobody)\"}"
env -u RPC_CLIENT_CONF_PATH RPC_CLIENT_CONF="$bad" LD_LIBRARY_PATH="$S$libdir" \
    "$T/check" example.com >/dev/null 2>"$T/err"; rc=$?
is "$rc" 2 "check without a gate: exit 2"
like "$(cat "$T/err")" "^check: transport failure: .*no queue named" "check: says why"

# --- the man page ------------------------------------------------------------------------
MAN=$EG_SRCDIR/man/epp-rpc.1
if command -v man >/dev/null 2>&1; then
	MANWIDTH=80 man --warnings -l "$MAN" >"$T/man.txt" 2>"$T/man.err"
	ok $? "man -l renders epp-rpc.1"
	is "$(cat "$T/man.err")" "" "no warnings from the man page"
else
	ok 0 "# SKIP man is not installed"
	ok 0 "# SKIP man is not installed"
fi
missing=""
for opt in $("$EG_BIN/epp-rpc" --help | grep -o -- '--[a-z-]*' | sort -u); do
	grep -q "Fl Fl ${opt#--}\b" "$MAN" || missing="$missing $opt"
done
is "$missing" "" "every option of --help is documented in the man page"

done_testing
