#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The man pages render without a single groff warning, epp-gate(8) documents
# every flag of the command line and every topic operators ask about, and
# epp-sim(1) every option of epp-sim --help, its signals, faults and command log.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/tap.sh
. "$here/../lib/tap.sh"

if ! command -v man >/dev/null 2>&1; then
	echo "1..0 # SKIP man is not installed"
	exit 0
fi

for page in "$EG_SRCDIR"/man/*.[1-8]; do
	[ -f "$page" ] || continue
	warnings=$(MANWIDTH=80 man -l --warnings "$page" 2>&1 >/dev/null)
	is "$warnings" "" "$(basename "$page") renders without warnings"
done

text=$(MANWIDTH=200 man -l "$EG_SRCDIR/man/epp-gate.8" 2>/dev/null)
for flag in -v -vv -c --reconnect -e --epp -r --rabbitmq -q --queue -p --verbose_poll \
	-a --alert_email_config --config --check-config --version -h --help; do
	grep -Eq -- "(^|[^-a-z])$flag([^-a-z_]|$)" <<<"$text"
	ok $? "epp-gate(8) documents $flag"
done
for topic in SIGNALS SIGTERM SIGHUP "EXIT STATUS" SYSTEMD READY=1 WATCHDOG=1 STATUS= \
	"HEALTH FILE" JOURNAL "RATE LIMITS" METRICS gate_status ALERTS EPPGATE_EVENT \
	starttls "useradd --system"; do
	grep -q -- "$topic" <<<"$text"
	ok $? "epp-gate(8) covers $topic"
done

# epp-sim(1): the options are taken from the program's own usage text, so that a new
# option without its paragraph in the page fails here.
text=$(MANWIDTH=200 man -l "$EG_SRCDIR/man/epp-sim.1" 2>/dev/null)
usage=$("$EG_BIN/epp-sim" --help 2>/dev/null)
ok $? "epp-sim --help exits 0"
opts=$(grep -Eo -- '(^|[ ,])--?[a-z][-a-z]*' <<<"$usage" | tr -d ' ,' | sort -u)
is "$(wc -l <<<"$opts")" 26 "epp-sim --help names 26 options (-h and -v included)"
# Each has a paragraph of its own under OPTIONS: a line that starts with it.
for flag in $opts; do
	grep -Eq -- "^ {5}(-[a-z], )?$flag([ ,]|$)" <<<"$text"
	ok $? "epp-sim(1) has a paragraph for $flag"
done
for topic in "EXIT STATUS" SIGUSR1 SIGUSR2 SIGHUP SIGTERM "COMMAND LOG" FAULTS registrar1 \
	secret1 registrar2 secret2 drop-before drop-after garbage oversize wrong-cltrid partial \
	stall refuse-login session-limit reply-file @CLTRID@ "code=-" "fault=" "epp-sim listening on" \
	"openssl req" ca_file "RFC 5910" "RFC 3915" "RFC 8748"; do
	grep -q -- "$topic" <<<"$text"
	ok $? "epp-sim(1) covers $topic"
done

done_testing
