#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The manuals: every page is mdoc(7) and renders without a single warning (groff, and
# mandoc's lint when mandoc is installed); each program's page has an entry for every
# option and command of its --help, and an EXIT STATUS with exactly the statuses its
# --help names; libeppgate-rpc(3) documents every function, status code and field of
# rpcclient/eppgate-rpc.h, and its example compiles; epp-gate(8) and epp-sim(1) cover
# the topics operators and testers ask about.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/tap.sh
. "$here/../lib/tap.sh"
T=$(test_tmpdir); trap 'rm -rf "$T"' EXIT

if ! command -v man >/dev/null 2>&1; then
	echo "1..0 # SKIP man is not installed"
	exit 0
fi

pages=("$EG_SRCDIR"/man/*.[1-8])
is "${#pages[@]}" 7 "seven manuals in man/"
for page in "${pages[@]}"; do
	name=$(basename "$page")
	warnings=$(MANWIDTH=80 man -l --warnings "$page" 2>&1 >/dev/null)
	is "$warnings" "" "$name renders without warnings (groff)"
	if command -v mandoc >/dev/null 2>&1; then
		is "$(mandoc -T lint -W warning "$page" 2>&1)" "" "$name: mandoc -T lint -W warning is silent"
	else
		ok 0 "# SKIP $name: mandoc is not installed"
	fi
	[ "$(head -n 1 "$page")" = '.\" SPDX-License-Identifier: MIT' ]
	ok $? "$name starts with its SPDX line"
	grep -q '^\.Dd ' "$page" && grep -q '^\.Dt ' "$page" && grep -q '^\.Os ' "$page" &&
	    ! grep -Eq '^\.(TH|SH|TP|IP|BR|SY) ' "$page"
	ok $? "$name is mdoc (.Dd .Dt .Os, no man(7) macros)"
	section=${name##*.}
	grep -Eq "^\.Dt [A-Z.-]+ $section\$" "$page"
	ok $? "$name: .Dt names section $section"
done

# render PAGE: the page as text, wide, so that a tag stays on one line.
render() { MANWIDTH=200 man -l "$EG_SRCDIR/man/$1" 2>/dev/null; }

# check_program PROG PAGE: every option of PROG --help has an entry (a tag line) in PAGE,
# and PAGE's EXIT STATUS has exactly the statuses of the "exit status:" lines of --help.
check_program() {
	local prog=$1 page=$2 usage text opts flag missing= want got
	usage=$("$EG_BIN/$prog" --help 2>/dev/null)
	ok $? "$prog --help exits 0"
	text=$(render "$page")
	# Options are on the usage lines and on the lines of the option list (indented a
	# little; the descriptions' continuation lines are indented more).
	opts=$(grep -E '^ *usage:|^ +epp-|^ {1,8}-' <<<"$usage" |
	    grep -Eo -- '(^|[][ ,|(])--?[a-zA-Z][-a-zA-Z_]*' | sed 's/^[][ ,|(]//' | sort -u)
	for flag in $opts; do
		grep -Eq -- "^ {5}($flag|-.*[ ,]$flag)([ ,]|\$)" <<<"$text" || missing="$missing $flag"
	done
	is "$missing" "" "$page has an entry for each of the $(wc -w <<<"$opts") options of $prog --help"
	want=$(sed -n '/^exit status:/,/^$/p' <<<"$usage" | grep -Eo '(^|[ ,:])[0-9]+ [a-zA-Z]' |
	    grep -Eo '[0-9]+' | sort -nu | tr '\n' ' ')
	got=$(sed -n '/^EXIT STATUS/,/^[A-Z]/p' <<<"$text" | grep -Eo '^ {5}[0-9]+( |$)' |
	    tr -d ' ' | sort -nu | tr '\n' ' ')
	[ -n "$want" ]; ok $? "$prog --help names its exit statuses ($want)"
	is "$got" "$want" "$page: EXIT STATUS lists the statuses of $prog --help"
	sed -n '/^EXIT STATUS/,/^[A-Z]/p' <<<"$text" | grep -q 'sysexits.h'
	ok $? "$page: EXIT STATUS refers to <sysexits.h>"
}
check_program epp-gate epp-gate.8
check_program epp-gate-mail epp-gate-mail.8
check_program epp-rpc epp-rpc.1
check_program epp-codec epp-codec.1
check_program epp-sim epp-sim.1

# epp-codec's commands have their entries too.
text=$(render epp-codec.1)
for cmd in $("$EG_BIN/epp-codec" --help | sed -n 's/^ *\(usage:\)\{0,1\} *epp-codec \([a-z][-a-z]*\).*/\2/p' | sort -u); do
	grep -Eq "^ {5}$cmd( |\$)" <<<"$text"
	ok $? "epp-codec(1) has an entry for the command $cmd"
done

# --- epp-gate(8) ---------------------------------------------------------------------------
text=$(render epp-gate.8)
for flag in -v -vv -c --reconnect -e --epp -r --rabbitmq -q --queue -p --verbose_poll \
	-a --alert_email_config --config --check-config --version -h --help; do
	grep -Eq -- "(^|[^-a-z])$flag([^-a-z_]|$)" <<<"$text"
	ok $? "epp-gate(8) documents $flag"
done
for topic in SIGNALS SIGTERM SIGHUP "EXIT STATUS" SYSTEMD READY=1 WATCHDOG=1 STATUS= \
	"HEALTH FILE" JOURNAL "RATE LIMITS" METRICS gate_status ALERTS EPPGATE_EVENT \
	starttls "useradd --system" "epp-gate-mail(8)"; do
	grep -q -- "$topic" <<<"$text"
	ok $? "epp-gate(8) covers $topic"
done

# --- epp-gate.conf(5): one entry per setting, in the section of its group ------------------
text=$(render epp-gate.conf.5)
for setting in epp.host epp.port epp.login epp.password epp.sessions epp.keepalive \
	epp.command_timeout_ms epp.max_frame epp.cltrid_prefix epp.tls.verify broker.hosts \
	broker.heartbeat broker.tls.enabled broker.queue.name broker.queue.quorum rate_limit.total \
	queue_wait_ms health.file health.watch journal.file journal.max_bytes metrics.file \
	metrics.interval log.file log.level log.timestamps log.verbose_poll alert.command \
	alert.email_config reconnect; do
	grep -Eq -- "^ {5}$setting([ ,]|\$)" <<<"$text"
	ok $? "epp-gate.conf(5) has an entry for $setting"
done

# --- epp-sim(1): the options are taken from the program's own usage text -------------------
text=$(render epp-sim.1)
usage=$("$EG_BIN/epp-sim" --help 2>/dev/null)
opts=$(grep -Eo -- '(^|[ ,])--?[a-z][-a-z]*' <<<"$usage" | tr -d ' ,' | sort -u)
is "$(wc -l <<<"$opts")" 28 "epp-sim --help names 28 options (-h and -v included)"
for topic in "EXIT STATUS" SIGUSR1 SIGUSR2 SIGHUP SIGTERM "COMMAND LOG" FAULTS registrar1 \
	secret1 registrar2 secret2 drop-before drop-after garbage oversize wrong-cltrid partial \
	stall refuse-login session-limit reply-file @CLTRID@ "code=-" "fault=" "epp-sim listening on" \
	"openssl req" ca_file "RFC 5910" "RFC 3915" "RFC 8748"; do
	grep -q -- "$topic" <<<"$text"
	ok $? "epp-sim(1) covers $topic"
done

# --- epp-rpc(1) ----------------------------------------------------------------------------
text=$(render epp-rpc.1)
for topic in BATCH "0 < 1 < 2 < 75 < 69 < 65 < 64 < 78" '"line":' amqps:// "%2f" \
	--message-id "journal" "epp-rpc.bash" EX_TEMPFAIL EX_UNAVAILABLE; do
	grep -q -- "$topic" <<<"$text"
	ok $? "epp-rpc(1) covers $topic"
done

# --- libeppgate-rpc(3) against the header --------------------------------------------------
H=$EG_SRCDIR/rpcclient/eppgate-rpc.h
M=$EG_SRCDIR/man/libeppgate-rpc.3
fns=$(grep -Eo '^EGRPC_API [^(]*\(' "$H" | sed 's/($//; s/.*[ *]//' | sort -u)
is "$(wc -l <<<"$fns")" 18 "the header declares 18 functions"
missing=
for f in $fns; do
	grep -Eq "^\.(Fn|Fo) $f( |\$)" "$M" && grep -Eq "^\.Nm $f( ,)?\$" "$M" || missing="$missing $f"
done
is "$missing" "" "libeppgate-rpc(3) has each function in NAME and SYNOPSIS"
codes=$(sed -n '/^enum egrpc_status {/,/^};/p' "$H" | grep -Eo '^[[:space:]]*EGRPC_[A-Z]+' | sed 's/^[[:space:]]*//' | tr '\n' ' ')
missing=
for code in $codes; do grep -Eq "^\.It Dv $code( |\$)" "$M" || missing="$missing $code"; done
[ -n "$codes" ] && is "$missing" "" "libeppgate-rpc(3) describes each status code ($codes)"
for st in egrpc_ctx egrpc_options egrpc_call_options egrpc_reply; do
	fields=$(sed -n "/^typedef struct $st {/,/^} $st;/p" "$H" | grep -E '^[[:space:]]+[a-z].*;' |
	    sed 's/;.*//; s/\[.*//; s/.*[ *]//')
	missing=
	for f in $fields; do grep -Eq "^\.It .*Va $f( |\$)" "$M" || missing="$missing $f"; done
	[ -n "$fields" ] && is "$missing" "" "libeppgate-rpc(3) describes each field of $st ($(wc -w <<<"$fields"))"
done
# The first example is a whole program: it compiles against the header and links.
awk '/^\.Sh EXAMPLES/ { e = 1 } e && /^\.Bd -literal/ { on = 1; n++; next }
    on && /^\.Ed/ { on = 0; if (n == 1) exit } on && n == 1 { print }' "$M" |
    sed 's/\\e/\\/g' >"$T/example.c"
san=()
objdump -p "$EG_BUILD/lib/libeppgate-rpc.so" 2>/dev/null | grep -q 'NEEDED.*libasan' &&
    san=(-fsanitize=address,undefined)
${CC:-cc} "${san[@]}" -std=c99 -Wall -Wextra -Werror -I"$EG_SRCDIR/rpcclient" "$T/example.c" \
    -L"$EG_BUILD/lib" -leppgate-rpc -o "$T/example" 2>"$T/cc.err"
ok $? "the example program of libeppgate-rpc(3) compiles and links"
[ -s "$T/cc.err" ] && diag "$(cat "$T/cc.err")"

done_testing
