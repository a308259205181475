#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The test infrastructure for several gates: a 3-node RabbitMQ cluster (tests/lib/cluster.sh)
# whose quorum queue keeps working while one node is stopped or killed, and a private
# PostgreSQL (tests/lib/pg.sh) that takes a password login over 127.0.0.1; both started
# and stopped here, with nothing of them left afterwards.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/cluster.sh
. "$EG_SRCDIR/tests/lib/cluster.sh"
# shellcheck source=tests/lib/pg.sh
. "$EG_SRCDIR/tests/lib/pg.sh"

T=$(test_tmpdir)
QUEUE=eg-infra-$$
AMQP="$EG_SRCDIR/tests/cluster/amqp.py"

cleanup() {
	cluster_stop
	pg_stop
	stop_tracked
	# Kept (with the nodes' and the server's logs) when something failed.
	if [ "$_tap_failed" -eq 0 ] && [ -z "${EG_KEEP_TMP:-}" ]; then
		rm -rf "$T"
	else
		echo "# logs: $T"
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

amqp() { timeout 60 /usr/bin/python3 "$AMQP" "$@"; }
port_of() { local p="CLUSTER_PORT_$1"; echo "${!p}"; }
node_of() { local p="CLUSTER_NODE_$1"; echo "${!p}"; }

# "NODE STATE COMMIT_INDEX" for each member of the quorum queue, as node N reports it.
members() {
	cluster_cli "$1" rabbitmq-queues quorum_status "$QUEUE" --formatter json 2>/dev/null |
	    /usr/bin/python3 -c '
import json, sys
for m in json.load(sys.stdin):
    state = m["Raft State"]
    print(m["Node Name"], state if isinstance(state, str) else state[0], m["Commit Index"])'
}

# A member of node M that follows the leader and has committed what the leader has.
caught_up() {
	local rows leader_commit
	rows=$(members "$1") || return 1
	leader_commit=$(awk '$2 == "leader" {print $3}' <<<"$rows")
	[ -n "$leader_commit" ] &&
	    awk -v n="$(node_of "$2")" -v c="$leader_commit" '$1 == n && $2 == "follower" && $3 == c {f = 1} END {exit !f}' <<<"$rows"
}

# Waits up to SECONDS for the quorum queue's leader to be another node than OLD; prints it.
await_new_leader() {
	local old=$1 deadline=$((SECONDS + $2)) l
	while [ "$SECONDS" -lt "$deadline" ]; do
		l=$(cluster_queue_leader "$QUEUE")
		if [ -n "$l" ] && [ "$l" != "$old" ]; then
			echo "$l"
			return 0
		fi
		sleep 0.2
	done
	return 1
}

# Every process of the cluster and the server seen during the test, as PID:START_TIME (PIDs
# are reused quickly on a busy machine).
declare -A seen=()
start_time() {
	local s
	read -r s <"/proc/$1/stat" 2>/dev/null || return 1
	read -r -a s <<<"${s##*) }"
	echo "${s[19]}"
}
remember() {
	local p
	for p in $(cluster_pids) $(pg_pids); do
		seen["$p:$(start_time "$p")"]=1
	done
}
# Prints those still in the process table.
left_over() {
	local t
	for t in "${!seen[@]}"; do
		[ "$(start_time "${t%%:*}")" = "${t#*:}" ] && echo "${t%%:*}"
	done
}
all_gone() { [ -z "$(left_over)" ]; }

# ---- PostgreSQL (quick: first) ----------------------------------------------
t0=$SECONDS
pg_start "$T/pg"
ok $? "PostgreSQL starts (in $((SECONDS - t0)) s)"

# ---- the cluster ------------------------------------------------------------
t0=$SECONDS
cluster_start "$T/cluster"
rc=$?
ok $rc "the cluster starts: three nodes, 2 and 3 joined to 1"
if [ "$rc" -ne 0 ]; then
	echo "Bail out! the cluster did not start"
	exit 1
fi
diag "cluster start: $((SECONDS - t0)) s; AMQP ports $CLUSTER_PORTS"
for n in 1 3; do
	is "$(cluster_running "$n")" 3 "node $n sees 3 running nodes"
done
remember
up=0
for n in 1 2 3; do
	port_open "$(port_of "$n")" && up=$((up + 1))
done
is "$up" 3 "every node takes AMQP connections on its own port"
for n in 1 2 3; do
	rss=$(ps -o rss= -p "$(cat "$CLUSTER_DIR/node$n/broker.pid")" 2>/dev/null)
	diag "node $n: $(( ${rss:-0} / 1024 )) MiB resident"
done

amqp "$(port_of 1)" declare "$QUEUE"
ok $? "a quorum queue is declared through node 1"
got=$(members 1 | awk '{print $1}' | sort | tr '\n' ' ')
is "$got" "$(printf '%s\n' "$CLUSTER_NODE_1" "$CLUSTER_NODE_2" "$CLUSTER_NODE_3" | sort | tr '\n' ' ')" \
    "the queue has a member on each of the three nodes"

amqp "$(port_of 2)" publish "$QUEUE" "one"
ok $? "a message is published through node 2"
is "$(amqp "$(port_of 3)" get "$QUEUE" 10)" "one" "it is consumed through node 3"

# ---- the leader's node stops: the queue goes on ------------------------------
lead=$(cluster_queue_leader "$QUEUE")
like "$lead" '^[123]$' "the queue has a leader"
t0=$SECONDS
cluster_stop_node "$lead"
ok $? "the leader's node $lead stops"
stop_s=$((SECONDS - t0))
new=$(await_new_leader "$lead" 30)
ok $? "the leadership moves to another node"
diag "node stop: $stop_s s; new leader (node $new) seen $((SECONDS - t0)) s after the stop began"
a=$(( (lead % 3) + 1 )) b=$(( ((lead + 1) % 3) + 1 ))
is "$(cluster_running "$a")" 2 "node $a sees 2 running nodes"
amqp "$(port_of "$a")" publish "$QUEUE" "two"
ok $? "publishing through node $a still works"
is "$(amqp "$(port_of "$b")" get "$QUEUE" 10)" "two" "and consuming through node $b"
amqp "$(port_of "$b")" publish "$QUEUE" "three"
ok $? "a message is left in the queue while node $lead is down"

# ---- it comes back and rejoins ---------------------------------------------
t0=$SECONDS
cluster_start_node "$lead"
ok $? "node $lead starts again"
remember
diag "node start: $((SECONDS - t0)) s"
is "$(cluster_running "$lead")" 3 "node $lead is back in the cluster: 3 running nodes"
wait_for 30 caught_up "$a" "$lead"
ok $? "its member of the queue follows the leader and has caught up"
diag "$(members "$a" | tr '\n' ';')"
is "$(amqp "$(port_of "$lead")" get "$QUEUE" 10)" "three" \
    "the message left while it was down is consumed through it"

# ---- the (new) leader's node is killed -------------------------------------
lead2=$(cluster_queue_leader "$QUEUE")
like "$lead2" '^[123]$' "the queue has a leader"
remember
t0=$SECONDS
cluster_kill_node "$lead2"
ok $? "the leader's node $lead2 is killed"
new=$(await_new_leader "$lead2" 30)
ok $? "the leadership moves to another node"
diag "new leader (node $new) seen $((SECONDS - t0)) s after the kill"
a=$(( (lead2 % 3) + 1 )) b=$(( ((lead2 + 1) % 3) + 1 ))
amqp "$(port_of "$a")" publish "$QUEUE" "four"
ok $? "publishing through node $a still works"
is "$(amqp "$(port_of "$b")" get "$QUEUE" 10)" "four" "and consuming through node $b"

# ---- PostgreSQL: a password login over TCP ----------------------------------
is "$(stat -c %a "$PG_PASSWORD_FILE")" 600 "the password file is private (0600)"
like "$PG_URL" "^postgresql://$PG_USER@127\\.0\\.0\\.1:$PG_PORT/$PG_DB\$" "the URL names no password"
psql_tcp() { PGPASSFILE=/dev/null timeout 30 "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }
got=$(PGPASSWORD=$(cat "$PG_PASSWORD_FILE") psql_tcp "$PG_URL" \
    -c "SELECT current_user, inet_server_addr()" 2>&1)
is "$got" "$PG_USER|127.0.0.1" "the role logs in over 127.0.0.1 with the URL and the password"
is "$(pg_psql "SELECT type, user_name, auth_method FROM pg_hba_file_rules WHERE type = 'host'")" \
    "host|{$PG_USER}|scram-sha-256" "TCP logins are by SCRAM password, for that role only"
got=$(PGPASSWORD=$(cat "$PG_PASSWORD_FILE") psql_tcp "$PG_URL" \
    -c "CREATE TABLE t (k text PRIMARY KEY, v int)" -c "INSERT INTO t VALUES ('a', 1)" \
    -c "SELECT v FROM t WHERE k = 'a'" 2>&1)
is "$got" 1 "it creates, writes and reads a table in its database"
PGPASSWORD=wrong-password psql_tcp "$PG_URL" -c "SELECT 1" >/dev/null 2>&1
isnt=$?
ok $((isnt == 0)) "a wrong password is refused"
psql_tcp -w "$PG_URL" -c "SELECT 1" >/dev/null 2>&1
ok $(($? == 0)) "no password is refused"
PGPASSWORD=$(cat "$PG_PASSWORD_FILE") psql_tcp "postgresql://postgres@127.0.0.1:$PG_PORT/postgres" \
    -c "SELECT 1" >/dev/null 2>&1
ok $(($? == 0)) "the superuser cannot log in over TCP"
is "$(pg_psql "SELECT count(*) FROM t")" 1 "pg_psql reaches the database over the socket"

# ---- everything stops -------------------------------------------------------
remember
is "$(cluster_pids | grep -c "^$CLUSTER_EPMD_PID\$")" 1 "the cluster's epmd is known by its PID"
[ "${#seen[@]}" -ge 8 ]
ok $? "the processes of the cluster and the server are known (${#seen[@]})"
dirs=("$CLUSTER_DIR" "$PG_DIR")
read -r -a ports <<<"$CLUSTER_PORTS $CLUSTER_EPMD_PORT $PG_PORT"
t0=$SECONDS
cluster_stop
diag "cluster stop (two nodes left): $((SECONDS - t0)) s"
pg_stop
wait_for 10 all_gone
ok $? "no process of them is left (by PID)"
for p in $(left_over); do
	diag "left: $(ps -o pid=,stat=,args= -p "$p")"
done
open=0
for p in "${ports[@]}"; do
	port_open "$p" && open=$((open + 1))
done
is "$open" 0 "none of their ports is open"
[ ! -e "${dirs[0]}" ] && [ ! -e "${dirs[1]}" ]
ok $? "their temporary directories are gone"
ls "$T/cluster/node1/log/"*.log >/dev/null 2>&1
ok $? "the nodes' logs are kept in the test's directory"

done_testing
