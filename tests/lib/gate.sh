# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Starting epp-sim and epp-gate for the integration and fault tests, the demo and the
# benchmarks. Source tests/lib/tap.sh first (track_pid, wait_for, free_port). The
# broker comes from tests/run-all (AMQP_HOST, AMQP_PORT); guest/guest on loopback.
#
#   eg_setup NAME          scratch dir $T, certificates $CERTS, a queue of its own $QUEUE
#   eg_sim_start [OPTS...] epp-sim over TLS (tests/lib/sim.sh): $SIM_PORT $SIM_PID $SIM_CMDLOG
#   gate_config [TEXT]     writes $GATE_CONF for the sim and the broker (TEXT appended;
#                          GATE_SESSIONS, GATE_KEEPALIVE, GATE_CMD_TIMEOUT, GATE_BACKOFF_MIN,
#                          GATE_BACKOFF_MAX, GATE_QUEUE_WAIT, GATE_LOG_LEVEL and
#                          GATE_QUEUE_OPTS (libconfig text inside broker.queue) change it)
#   gate_start [OPTS...]   epp-gate -c $GATE_CONF: $GATE_PID $GATE_OUT, waits for sessions
#   gate_wait_up N [SECS]  waits until N sessions are up (gate_status)
#   rpc [OPTS] CMD [ARGS]  epp-rpc against the broker and $QUEUE
#   sim_count ERE          command-log lines of epp-sim matching ERE
#   journal_conf [pg]      sets JOURNAL_CONF, the journal's libconfig text for gate_config:
#                          an SQLite file in $T, or with EG_JOURNAL=pg (make check-pg)
#                          a PostgreSQL schema of this test's own (see below)
#   journal_sql SQL        runs SQL on that journal (sqlite3 or psql), rows as a|b|c

EG_BUILD=${EG_BUILD:-$EG_SRCDIR/build}
# shellcheck source=tests/lib/sim.sh
. "$EG_SRCDIR/tests/lib/sim.sh"
AMQP_HOST=${AMQP_HOST:-127.0.0.1}
AMQP_PORT=${AMQP_PORT:-5672}
SIM_CLID=${SIM_CLID:-registrar1}
SIM_PW=${SIM_PW:-password-one}

eg_setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/eg-$1.XXXXXX")
	CERTS=$EG_BUILD/test-certs
	"$EG_SRCDIR/tests/lib/certs.sh" "$CERTS" >/dev/null 2>&1 || {
		echo "Bail out! cannot make test certificates"; exit 1; }
	QUEUE="t-$1-$$-$RANDOM"
	export T CERTS QUEUE
	if [ -z "${EG_KEEP_TMP:-}" ]; then
		trap 'stop_tracked; rm -rf "$T"' EXIT
	fi
}

# The sim with this test's certificates and the two registrar accounts.
eg_sim_start() {
	SIM_CERTS=$CERTS sim_start "$T/sim" --account "$SIM_CLID:$SIM_PW" \
	    --account "registrar2:password-two" "$@" || return 1
	SIM_CMDLOG=$SIM_LOG
	export SIM_PORT SIM_PID SIM_CMDLOG
}

# gate_config [EXTRA]: the gate's config for this test; EXTRA is libconfig text appended
# (GATE_SESSIONS, GATE_LOG_LEVEL, GATE_LOG_FILE, GATE_CMD_TIMEOUT... tune the rest).
gate_config() {
	GATE_CONF=$T/gate.conf
	cat >"$GATE_CONF" <<-CONF
		epp: {
		  host = "localhost"; port = $SIM_PORT; login = "$SIM_CLID"; password = "$SIM_PW";
		  sessions = ${GATE_SESSIONS:-1};
		  keepalive = ${GATE_KEEPALIVE:-120};
		  command_timeout_ms = ${GATE_CMD_TIMEOUT:-5000};
		  connect_timeout_ms = 5000;
		  backoff_min_ms = ${GATE_BACKOFF_MIN:-100}; backoff_max_ms = ${GATE_BACKOFF_MAX:-2000};
		  tls: { ca_file = "$CERTS/ca.crt"; };
		};
		broker: {
		  hosts = [ "$AMQP_HOST:$AMQP_PORT" ]; user = "guest"; password = "guest";
		  heartbeat = 10; backoff_min_ms = 200; backoff_max_ms = 2000;
		  queue: { name = "$QUEUE"; ${GATE_QUEUE_OPTS:-} };
		};
		queue_wait_ms = ${GATE_QUEUE_WAIT:-10000};
		log: { level = "${GATE_LOG_LEVEL:-debug}"; timestamps = true; ${GATE_LOG_FILE:+file = \"$GATE_LOG_FILE\";} };
		${1:-}
	CONF
	chmod 600 "$GATE_CONF"
	export GATE_CONF
}

gate_start() {
	GATE_OUT=$T/gate.out
	"$EG_BIN/epp-gate" --config "$GATE_CONF" "$@" >>"$GATE_OUT" 2>&1 &
	GATE_PID=$!
	track_pid "$GATE_PID"
	watch_log "$GATE_OUT"
	export GATE_PID GATE_OUT
	gate_wait_up "${GATE_SESSIONS:-1}" 20 || {
		echo "# epp-gate did not come up:"; tail -20 "$GATE_OUT" | sed 's/^/#   /'; return 1; }
}

gate_wait_up() {
	local want=$1 secs=${2:-20} i out
	for ((i = 0; i < secs * 5; i++)); do
		kill -0 "$GATE_PID" 2>/dev/null || return 1
		out=$(rpc -t 1 gate_status 2>/dev/null)
		if [[ "$out" =~ \"up\":([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -ge "$want" ]; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

rpc() {
	"$EG_BIN/epp-rpc" --no-env -H "$AMQP_HOST" -p "$AMQP_PORT" --user guest --password guest \
	    -q "$QUEUE" "$@"
}

sim_count() {
	if [ -f "$SIM_CMDLOG" ]; then grep -Ec -- "$1" "$SIM_CMDLOG"; else echo 0; fi
}

# json_get JSON PATH: prints the value at a dotted path (python3, stdlib only).
json_get() {
	/usr/bin/python3 -c '
import json, sys
v = json.loads(sys.argv[1])
for k in sys.argv[2].split("."):
    if isinstance(v, list): v = v[int(k)]
    elif isinstance(v, dict): v = v.get(k)
    else: v = None
    if v is None: break
print(v if not isinstance(v, (dict, list)) else json.dumps(v))' "$1" "$2" 2>/dev/null
}

# journal_conf [pg]: sets JOURNAL_CONF (the journal setting for gate_config), JOURNAL_BACKEND
# and JOURNAL_DB. SQLite: JOURNAL_DB is $T/journal.db. PostgreSQL (EG_JOURNAL=pg, or the
# argument pg): JOURNAL_DB is a schema made for this test in the database of tests/lib/pg.sh
# (PG_PORT, PG_DB, PG_PASSWORD_FILE... exported by pg_start, in tests/run-all or the test
# itself), put first in the search path through the URL's options (libpq), so that tests
# never see each other's rows. Not in a subshell: gate_config "$JOURNAL_CONF" after it.
journal_conf() {
	local schema
	if [ "${1:-${EG_JOURNAL:-sqlite}}" = pg ]; then
		# shellcheck source=tests/lib/pg.sh
		declare -F pg_psql >/dev/null || . "$EG_SRCDIR/tests/lib/pg.sh"
		schema=$(printf 'j_%s' "${QUEUE//[^a-zA-Z0-9]/_}" | tr 'A-Z' 'a-z' | cut -c1-60)
		if [ "${JOURNAL_DB:-}" != "$schema" ]; then
			pg_psql "CREATE SCHEMA $schema AUTHORIZATION $PG_USER" >/dev/null || return 1
		fi
		JOURNAL_DB=$schema
		JOURNAL_BACKEND=pg
		JOURNAL_CONF="journal: { url = \"postgresql://$PG_USER@127.0.0.1:$PG_PORT/$PG_DB"
		JOURNAL_CONF+="?options=-csearch_path%3D$schema\";"
		JOURNAL_CONF+=" password_file = \"$PG_PASSWORD_FILE\"; };"
	else
		JOURNAL_DB=$T/journal.db
		JOURNAL_BACKEND=sqlite
		JOURNAL_CONF="journal: { file = \"$JOURNAL_DB\"; };"
	fi
}

journal_sql() {
	if [ "${JOURNAL_BACKEND:-sqlite}" = pg ]; then
		"$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U postgres \
		    -d "$PG_DB" -c "SET search_path TO $JOURNAL_DB" -c "$1"
	else
		sqlite3 -bail "$JOURNAL_DB" "$1"
	fi
}
