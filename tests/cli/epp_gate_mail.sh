#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# epp-gate-mail's command line and exit statuses: --help, --version, one-line usage
# errors (64), an unusable configuration (78), a server that is not there or says
# "later" (75), one that refuses (69). The mail servers are small fakes on loopback.
. "$(dirname "$0")/../lib/tap.sh"
mail=$EG_BIN/epp-gate-mail
T=$(mktemp -d); trap 'stop_tracked; rm -rf "$T"' EXIT

out=$("$mail" --help); is $? 0 "--help: exit 0"
like "$out" '^usage: EPPGATE_EVENT=EVENT EPPGATE_MESSAGE=TEXT epp-gate-mail CONFIG' "--help: usage on stdout"
is "$("$mail" --version)" "epp-gate-mail $("$EG_BIN/epp-gate" --version | cut -d' ' -f2)" "--version: NAME VERSION"
"$mail" >/dev/null 2>"$T/err"; is $? 64 "no CONFIG: exit 64"
is "$(cat "$T/err")" "epp-gate-mail: missing CONFIG (see epp-gate-mail --help)" "... in one line"
"$mail" --frob "$T/x.json" >/dev/null 2>"$T/err"; is $? 64 "unknown option: exit 64"
is "$(cat "$T/err")" "epp-gate-mail: unknown option --frob (see epp-gate-mail --help)" "... naming it"
"$mail" a.json b.json >/dev/null 2>"$T/err"; is $? 64 "two files: exit 64"

"$mail" "$T/absent.json" >/dev/null 2>"$T/err"; is $? 78 "a configuration that cannot be read: exit 78"
like "$(cat "$T/err")" "absent.json" "... naming the file"
echo '{"smtp_host": "h"}' >"$T/bad.json"
"$mail" "$T/bad.json" >/dev/null 2>&1; is $? 78 "a configuration without sender and recipients: exit 78"

# conf PORT: a configuration for a server on loopback (plain SMTP: the fakes speak no TLS).
conf() {
	printf '{"smtp_host": "127.0.0.1", "smtp_port": %s, "from": "gate@example.net", "to": "ops@example.net", "starttls": %s}\n' \
	    "$1" "${2:-false}" >"$T/mail.json"
}
conf "$(free_port)"
EPPGATE_EVENT=test EPPGATE_MESSAGE=hi "$mail" "$T/mail.json" >/dev/null 2>"$T/err"
is $? 75 "no server listening: exit 75 (try again later)"
like "$(cat "$T/err")" "e-mail via 127.0.0.1:[0-9]+ failed" "... and says so"

# fake_smtp GREETING...: answers each command with the next line (the first is the
# greeting); after the last line it closes. Prints the port on stdout.
fake_smtp() {
	/usr/bin/python3 - "$@" <<'PY' &
import socket, sys
lines = sys.argv[1:]
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
print(s.getsockname()[1], flush=True)
s.settimeout(20)
c, _ = s.accept(); c.settimeout(10)
f = c.makefile("rb")
for i, l in enumerate(lines):
    if i > 0 and not f.readline():
        break
    c.sendall((l + "\r\n").encode())
c.close()
PY
	track_pid $!
}
fake_smtp "421 4.3.2 try later" >"$T/port" && wait_for 5 test -s "$T/port"
conf "$(cat "$T/port")"
"$mail" "$T/mail.json" >/dev/null 2>"$T/err"; is $? 75 "SMTP 421 at the greeting: exit 75"
fake_smtp "554 5.7.1 go away" >"$T/port2" && wait_for 5 test -s "$T/port2"
conf "$(cat "$T/port2")"
"$mail" "$T/mail.json" >/dev/null 2>"$T/err"; is $? 69 "SMTP 554 at the greeting: exit 69"
fake_smtp "220 fake ESMTP" "250 fake" "550 5.1.0 sender refused" >"$T/port3" &&
    wait_for 5 test -s "$T/port3"
conf "$(cat "$T/port3")"
"$mail" "$T/mail.json" >/dev/null 2>"$T/err"; is $? 69 "the sender refused (550): exit 69"
fake_smtp "220 fake ESMTP" "250 fake" >"$T/port4" && wait_for 5 test -s "$T/port4"
conf "$(cat "$T/port4")" true
"$mail" "$T/mail.json" >/dev/null 2>"$T/err"; is $? 69 "STARTTLS required, not offered: exit 69"
done_testing
