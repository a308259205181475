# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Helpers for the fault tests (tests/faults/*.sh). Source tests/lib/tap.sh and
# tests/lib/gate.sh first.
#
#   fault_sim_start [OPTS...]   eg_sim_start with a fault file ($FAULTS) that set_faults fills
#   set_faults [RULE...]        replaces epp-sim's faults (no rule: none) and waits for the reload
#   code_of JSON                the EPP result code of a reply (empty when there is none)
#   errcode_of JSON             the gate error's machine-readable "code" (empty when none)
#   sim_ran CMD OBJ             how many times epp-sim executed CMD on OBJ (a result code logged)
#   sim_seen CMD OBJ            how many times CMD on OBJ reached epp-sim (faulted or not)
#   r2_send BODY...             runs command bodies as registrar2 straight against epp-sim
#   mk_contact ID / mk_domain NAME REGISTRANT   objects made through the gate
#   gate_alive                  the gate process still runs
#   gate_launch [OPTS...]       starts the gate without waiting for its sessions
#   logins [CODE]               login lines in epp-sim's log (with that result code)
#   sim_drop_all                epp-sim closes every connection (SIGUSR2), waited for
#   requests_file FILE PREFIX N REGISTRANT    N creates and N checks for durable_client
#   durable_client REQUESTS REPLIES [OPTS...] tests/lib/durable_client.py in the background
#   reply_for REPLIES ID / lines_at_least FILE N   reading what that client got

FAULTS=
_faults_reloads=0

fault_sim_start() {
	FAULTS=$T/faults
	: >"$FAULTS"
	_faults_reloads=0
	eg_sim_start --fault-file "$FAULTS" "$@"
}

set_faults() {
	local r
	: >"$FAULTS.new"
	for r in "$@"; do echo "$r" >>"$FAULTS.new"; done
	mv "$FAULTS.new" "$FAULTS"
	_faults_reloads=$((_faults_reloads + 1))
	kill -USR1 "$SIM_PID"
	wait_for 10 _faults_reloaded "$_faults_reloads"
}

_faults_reloaded() { [ "$(grep -c 'faults reloaded' "$SIM_DIR/sim.err")" -ge "$1" ]; }

code_of() { json_get "$1" epp.response.result.@code; }
errcode_of() { json_get "$1" code; }

# Command-log lines: "... cmd=domain:create cltrid=X code=1000 obj=NAME [fault=KIND]".
sim_ran() {
	grep -E " cmd=$1 .* code=[0-9]+ obj=$2( |\$)" "$SIM_CMDLOG" 2>/dev/null | grep -c .
}
sim_seen() {
	grep -E " cmd=$1 .* obj=$2( |\$)" "$SIM_CMDLOG" 2>/dev/null | grep -c .
}

# r2_send BODY...: each BODY is the content of <command> (clTRID added); sent in one
# session as registrar2, straight to epp-sim (not through the gate).
r2_send() {
	local i=0 files=() b
	for b in "$@"; do
		i=$((i + 1))
		epp_doc "$T/r2-$i.xml" "$b"
		files+=("$T/r2-$i.xml")
	done
	# every command must succeed (1xxx)
	SIM_CERTS=$CERTS esend -t 5000 -l registrar2:password-two "${files[@]}" >"$T/r2.out" 2>&1 &&
	    ! grep -q 'result code="2' "$T/r2.out"
}

R2_CONTACT='<create><contact:create xmlns:contact="urn:ietf:params:xml:ns:contact-1.0"><contact:id>c-r2</contact:id><contact:postalInfo type="int"><contact:name>R Two</contact:name><contact:addr><contact:city>Town</contact:city><contact:cc>DE</contact:cc></contact:addr></contact:postalInfo><contact:email>r2@example.net</contact:email><contact:authInfo><contact:pw>r2-contact-pw</contact:pw></contact:authInfo></contact:create></create>'

# r2_domain NAME AUTHINFO: a domain sponsored by registrar2 (c-r2 must exist).
r2_domain_body() {
	printf '<create><domain:create xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>%s</domain:name><domain:registrant>c-r2</domain:registrant><domain:authInfo><domain:pw>%s</domain:pw></domain:authInfo></domain:create></create>' "$1" "$2"
}

POSTAL='[{"type": "int", "name": "Pat Example", "address": {"street": "Main Street 1", "city": "Town", "cc": "DE"}}]'

mk_contact() {
	rpc -t 10 contact_create "{\"id\": \"$1\", \"email\": \"pat@example.net\", \"auth_info\": \"cpw-$1\", \"contacts\": $POSTAL}"
}

mk_domain() {
	rpc -t 10 domain_create "{\"name\": \"$1\", \"registrant\": \"$2\", \"period\": 1, \"contacts\": {\"admin\": \"$2\"}, \"auth_info\": \"dpw-$1\"}"
}

gate_alive() { kill -0 "$GATE_PID" 2>/dev/null; }

# gate_launch [OPTS...]: starts the gate like gate_start but waits only until it answers
# gate_status (its sessions may be down on purpose).
gate_launch() {
	GATE_OUT=$T/gate.out
	"$EG_BIN/epp-gate" --config "$GATE_CONF" "$@" >>"$GATE_OUT" 2>&1 &
	GATE_PID=$!
	track_pid "$GATE_PID"
	watch_log "$GATE_OUT"
	export GATE_PID GATE_OUT
	wait_for 20 rpc -t 1 gate_status
}

# logins [CODE]: login lines in epp-sim's command log (with that result code).
logins() { grep -cE " cmd=login .*code=${1:-[0-9]+}" "$SIM_CMDLOG"; }

# requests_file FILE PREFIX N REGISTRANT: N domain creates (PREFIXi.example) and N checks,
# interleaved, for durable_client.py; ids PREFIX-create-i and PREFIX-check-i.
requests_file() {
	local i
	: >"$1"
	for i in $(seq 1 "$3"); do
		printf '%s-create-%d\t{"cmd": "domain_create", "args": {"name": "%s%d.example", "registrant": "%s", "contacts": {"admin": "%s"}, "auth_info": "pw-%s-%d"}}\n' \
		    "$2" "$i" "$2" "$i" "$4" "$4" "$2" "$i" >>"$1"
		printf '%s-check-%d\t{"cmd": "domain_check", "args": {"domains": ["%s-c%d.example"]}}\n' \
		    "$2" "$i" "$2" "$i" >>"$1"
	done
}

# durable_client REQUESTS REPLIES [OPTS...]: starts tests/lib/durable_client.py in the
# background on $QUEUE with the reply queue $QUEUE-replies; sets CLIENT_PID.
durable_client() {
	local req=$1 rep=$2
	shift 2
	/usr/bin/python3 "$EG_SRCDIR/tests/lib/durable_client.py" "$AMQP_PORT" "$QUEUE" \
	    "$QUEUE-replies" "$req" "$rep" "$@" >"$rep.out" 2>"$rep.err" &
	CLIENT_PID=$!
	track_pid "$CLIENT_PID"
}

# reply_for REPLIES ID: the reply the client recorded for ID.
reply_for() { grep -P "^$2\t" "$1" | head -1 | cut -f2-; }
lines_at_least() { [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ]; }

# sim_drop_all: epp-sim closes every connection (SIGUSR2); returns once it has.
sim_drop_all() {
	local n
	n=$(grep -c 'SIGUSR2: closing' "$SIM_DIR/sim.err")
	kill -USR2 "$SIM_PID"
	wait_for 10 _sim_dropped $((n + 1))
}
_sim_dropped() { [ "$(grep -c 'SIGUSR2: closing' "$SIM_DIR/sim.err")" -ge "$1" ]; }
