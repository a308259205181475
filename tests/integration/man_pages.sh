#!/usr/bin/env bash
# The man pages render without a single groff warning, and epp-gate(8)
# documents every flag of the command line and every topic operators ask about.
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

done_testing
