# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Starting epp-sim from a test script (source tests/lib/tap.sh first).
#   sim_start DIR [epp-sim options...]
#       runs epp-sim on a free loopback port with its command log in DIR/sim.log and
#       stderr in DIR/sim.err; certificates come from $SIM_CERTS (default: DIR/../certs,
#       made with tests/lib/certs.sh when missing). Sets SIM_PID, SIM_PORT, SIM_DIR, SIM_LOG;
#       the PID is ended at exit (track_pid).
#   sim_stop            SIGTERM, wait (bounded); returns epp-sim's exit status.
#   esend ARGS...       epp-send against the running epp-sim, with the test CA.
#   epp_doc FILE BODY   writes a command document: <command>BODY<clTRID>@CLTRID@</clTRID>
EPP_SIM=${EPP_SIM:-$EG_BIN/epp-sim}
EPP_SEND=${EPP_SEND:-$EG_BIN/../bench/epp-send}

sim_start() {
	SIM_DIR=$1
	shift
	mkdir -p "$SIM_DIR"
	SIM_CERTS=${SIM_CERTS:-$(dirname "$SIM_DIR")/certs}
	"$EG_SRCDIR/tests/lib/certs.sh" "$SIM_CERTS" || return 1
	rm -f "$SIM_DIR/sim.port"
	SIM_LOG=$SIM_DIR/sim.log
	"$EPP_SIM" --cert "$SIM_CERTS/server.crt" --key "$SIM_CERTS/server.key" \
	    --port-file "$SIM_DIR/sim.port" --log "$SIM_LOG" "$@" \
	    >"$SIM_DIR/sim.out" 2>"$SIM_DIR/sim.err" &
	SIM_PID=$!
	track_pid "$SIM_PID"
	watch_log "$SIM_DIR/sim.err"
	if ! wait_for 10 test -s "$SIM_DIR/sim.port"; then
		diag "epp-sim did not start: $(cat "$SIM_DIR/sim.err")"
		return 1
	fi
	SIM_PORT=$(cat "$SIM_DIR/sim.port")
}

sim_stop() {
	local i
	kill -TERM "$SIM_PID" 2>/dev/null || return 1
	for i in $(seq 1 100); do
		kill -0 "$SIM_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$SIM_PID"
}

esend() {
	timeout 120 "$EPP_SEND" -p "$SIM_PORT" --ca "$SIM_CERTS/ca.crt" "$@"
}

epp_doc() {
	printf '<?xml version="1.0" encoding="UTF-8"?>\n<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command>%s<clTRID>@CLTRID@</clTRID></command></epp>\n' "$2" >"$1"
}
