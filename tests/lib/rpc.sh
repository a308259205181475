# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Helpers for the RPC client tests (tests/integration/rpc_*.sh). Source after tap.sh.
# Needs the test broker (AMQP_HOST, AMQP_PORT: tests/run-all starts it).
#   T                      a scratch directory, removed at exit unless EG_KEEP_TMP is set
#   start_responder LOG QUEUE [eg-responder options...]
#                          starts the test responder on QUEUE, waits until it consumes;
#                          sets RESP_PID
#   stop_pid PID           ends one process this test started
#   rpc [epp-rpc options...]  epp-rpc against the test broker, environment ignored
#   conn_pid NAME          the broker's id of the client connection named NAME
#   close_conn NAME        has the broker close that connection
#   drop_conn NAME COND... closes it once COND (a command) succeeds

EG_BUILD=${EG_BUILD:-$EG_SRCDIR/build}
BENCH=$EG_BUILD/bench
: "${AMQP_HOST:=127.0.0.1}"
if [ -z "${AMQP_PORT:-}" ]; then
	echo "not ok - AMQP_PORT is not set: run under tests/run-all (it starts the broker)"
	exit 1
fi

T=$(test_tmpdir)
_rpc_cleanup() {
	stop_tracked
	[ -n "${EG_KEEP_TMP:-}" ] || rm -rf "$T"
}
trap '_rpc_cleanup' EXIT

# Queue names unique to this test run, so that suites never see each other's requests.
qname() { echo "t$$-$1"; }

start_responder() {
	local log=$T/$1; local q=$2
	shift 2
	"$BENCH/eg-responder" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$q" "$@" >"$log" 2>&1 &
	RESP_PID=$!
	track_pid "$RESP_PID"
	wait_for 10 grep -q '^ready' "$log"
}

stop_pid() {
	kill -TERM "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

rpc() {
	"$EG_BIN/epp-rpc" --no-env -H "$AMQP_HOST" -p "$AMQP_PORT" "$@"
}

# shellcheck source=tests/lib/broker.sh
. "$EG_SRCDIR/tests/lib/broker.sh"

conn_pid() {
	_broker_ctl list_connections --no-table-headers pid client_properties 2>/dev/null |
	    grep -F "{\"connection_name\",\"$1\"}" | cut -f1 | head -n 1
}

close_conn() {
	local pid
	pid=$(conn_pid "$1")
	[ -n "$pid" ] || return 1
	_broker_ctl close_connection "$pid" "closed by the test" >/dev/null 2>&1
}

# drop_conn NAME CONDITION...: waits (10 s at most) for the client connection NAME, then
# for CONDITION (a command, e.g. grep -q CMD COUNTFILE: the responder has the request),
# then has the broker close that connection; sets dropped_at (epoch ms). The connection is
# looked up before the request is delivered, so that rabbitmqctl's slowness (one to
# several seconds a call on a loaded machine) stays out of the time the responder takes.
drop_conn() {
	local i pid= name=$1
	shift
	for i in $(seq 1 40); do
		pid=$(conn_pid "$name")
		[ -n "$pid" ] && break
		sleep 0.25
	done
	[ -n "$pid" ] || return 1
	wait_for 10 "$@" || return 1
	_broker_ctl close_connection "$pid" "closed by the test" >/dev/null 2>&1 || return 1
	dropped_at=$(now_ms)
}

# now_ms: wall-clock epoch milliseconds.
now_ms() { date +%s%3N; }
