# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# TAP helpers for the shell test scripts (integration, faults, demo checks).
#   ok COND_EXIT_STATUS "description"    e.g.  [ "$x" = 1 ]; ok $? "x is 1"
#   is "$got" "$want" "description"
#   like "$got" "regex" "description"
#   diag "text"; done_testing
# Processes a test starts are registered with track_pid and ended (by PID) at exit.
# Output files registered with watch_log are searched at done_testing, after those
# processes ended, for sanitizer and valgrind reports: each one found is a failure (under
# `make check-san` a leak or a bad access in the gate would otherwise go unnoticed
# whenever the test's own checks happened to pass).

_tap_n=0 _tap_failed=0 _tap_pids=() _tap_logs=()
EG_BIN=${EG_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/bin}
EG_SRCDIR=${EG_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

ok() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		_tap_failed=$((_tap_failed + 1))
		echo "not ok $_tap_n - $2"
	fi
}

is() {
	if [ "$1" = "$2" ]; then ok 0 "$3"; else
		ok 1 "$3"; echo "#   got:  $1"; echo "#   want: $2"
	fi
}

like() {
	if [[ "$1" =~ $2 ]]; then ok 0 "$3"; else
		ok 1 "$3"; echo "#   got:  $1"; echo "#   want match: $2"
	fi
}

diag() { echo "# $*"; }

track_pid() { _tap_pids+=("$1"); }

# Ends every process this test started (by PID), newest first.
stop_tracked() {
	local i pid
	for ((i = ${#_tap_pids[@]} - 1; i >= 0; i--)); do
		pid=${_tap_pids[$i]}
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${_tap_pids[@]}"; do
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	_tap_pids=()
}

watch_log() { _tap_logs+=("$1"); }

# The reports AddressSanitizer, LeakSanitizer, UBSan and valgrind write.
SAN_REPORT_RE='ERROR: (Address|Leak|Thread|Memory)Sanitizer|AddressSanitizer:DEADLYSIGNAL|[a-z_]+\.[ch]:[0-9]+:[0-9]+: runtime error:|== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|Mismatched free)|definitely lost: [1-9]'

# One test result per watched file: no sanitizer report in it.
check_logs() {
	local f seen=" " hit
	for f in "${_tap_logs[@]}"; do
		case "$seen" in *" $f "*) continue ;; esac
		seen="$seen$f "
		[ -f "$f" ] || continue
		hit=$(grep -m 3 -E "$SAN_REPORT_RE" "$f")
		if [ -z "$hit" ]; then
			ok 0 "no sanitizer report in $(basename "$f")"
		else
			ok 1 "no sanitizer report in $(basename "$f")"
			grep -E -A 12 "$SAN_REPORT_RE" "$f" | head -30 | sed 's/^/#   /'
		fi
	done
	_tap_logs=()
}

done_testing() {
	stop_tracked
	check_logs
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ]
}

trap 'stop_tracked' EXIT

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for SECONDS COMMAND...: polls every 0.1 s until COMMAND succeeds.
wait_for() {
	local limit=$(($1 * 10)); shift
	local i
	for ((i = 0; i < limit; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A scratch directory for this test, removed at the end unless EG_KEEP_TMP is set.
test_tmpdir() {
	local d
	d=$(mktemp -d "${TMPDIR:-/tmp}/eg-test.XXXXXX")
	echo "$d"
}
