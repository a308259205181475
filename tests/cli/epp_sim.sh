#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# epp-sim's command line and exit statuses: --help, --version, one-line usage errors (64)
# for options it cannot parse, 78 for what the options name but cannot be used, 1 when it
# cannot listen, 0 when a signal stops it.
. "$(dirname "$0")/../lib/tap.sh"
sim=$EG_BIN/epp-sim
T=$(mktemp -d); trap 'stop_tracked; rm -rf "$T"' EXIT
"$EG_SRCDIR/tests/lib/certs.sh" "$T/certs" >/dev/null 2>&1
ok $? "test certificates"
cert=(--cert "$T/certs/server.crt" --key "$T/certs/server.key")

out=$("$sim" --help); is $? 0 "--help: exit 0"
like "$out" '^usage: epp-sim --cert FILE --key FILE' "--help: the usage on stdout"
is "$("$sim" --version)" "epp-sim $("$EG_BIN/epp-gate" --version | cut -d' ' -f2)" "--version: NAME VERSION"

# usage CASE-NAME WANT-MESSAGE ARGS...: exit 64 and exactly one line that says what.
usage() {
	local name=$1 want=$2
	shift 2
	"$sim" "$@" >/dev/null 2>"$T/err"
	is $? 64 "$name: exit 64"
	is "$(cat "$T/err")" "epp-sim: $want (see epp-sim --help)" "$name: one line"
}
usage "no certificate" "--cert and --key are required"
usage "unknown option" "unknown option --frob" "${cert[@]}" --frob
usage "unknown short option" "unknown option -x" "${cert[@]}" -x
usage "missing argument" "option --latency needs an argument" "${cert[@]}" --latency
usage "bad number" "bad --latency 'soon'" "${cert[@]}" --latency soon
usage "an argument" "unexpected argument extra" "${cert[@]}" extra
usage "not loopback" "listens on loopback only, not '192.0.2.1'" "${cert[@]}" --listen 192.0.2.1:700
usage "client certificates without a CA" "--require-client-cert needs --ca" "${cert[@]}" --require-client-cert
"$sim" "${cert[@]}" --fault "melt:1" >/dev/null 2>"$T/err"
is $? 64 "a fault rule that does not parse: exit 64"
like "$(cat "$T/err")" "^epp-sim: bad --fault: fault 'melt:1': unknown kind 'melt'" "... naming it"
"$sim" "${cert[@]}" --account "ab:Secret-9" >/dev/null 2>"$T/err"
is $? 64 "a client id too short: exit 64"
[[ "$(cat "$T/err")" != *Secret-9* ]]; ok $? "... and the password is not echoed"

"$sim" --cert "$T/absent.crt" --key "$T/absent.key" >/dev/null 2>"$T/err"
is $? 78 "a certificate that cannot be read: exit 78"
"$sim" "${cert[@]}" --log "$T/no/such/dir/log" >/dev/null 2>"$T/err"
is $? 78 "a command log that cannot be opened: exit 78"
like "$(cat "$T/err")" "cannot open command log" "... and says so"
"$sim" "${cert[@]}" --account "registrar1:secret-a" --account "registrar1:secret-b" >/dev/null 2>"$T/err"
is $? 78 "an account given twice: exit 78"
like "$(cat "$T/err")" "client id 'registrar1' given twice" "... and says so"
"$sim" "${cert[@]}" --account "registrar1:five5" >/dev/null 2>"$T/err"
is $? 78 "a password shorter than 6 characters (RFC 5730 pwType): exit 78"
like "$(cat "$T/err")" "the password of 'registrar1' must be 6 to 64 characters long" "... and says so"
[[ "$(cat "$T/err")" != *five5* ]]; ok $? "... without the password"

"$sim" "${cert[@]}" --port-file "$T/port" >"$T/out1" 2>"$T/err1" &
pid=$!
track_pid "$pid"
wait_for 10 test -s "$T/port"; ok $? "epp-sim listens"
"$sim" "${cert[@]}" --listen "127.0.0.1:$(cat "$T/port")" >/dev/null 2>"$T/err"
is $? 1 "the address is taken: exit 1"
kill -TERM "$pid"; wait "$pid"
is $? 0 "SIGTERM: exit 0"
done_testing
