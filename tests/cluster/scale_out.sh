#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two gates scaled out on a three-node RabbitMQ cluster (tests/lib/cluster.sh), consuming
# one quorum queue (broker.queue.quorum: per-consumer prefetch) and sharing a request
# journal on PostgreSQL (tests/lib/pg.sh), each connected to a node of its own, under a
# bounded load of persistent, publisher-confirmed requests (load_client.py: half of them
# creates of distinct names, half checks and infos, each with a message_id of its own)
# from a client that moves to another node when its node goes and publishes again what
# was not confirmed, with the same message_id. During the load:
#   1. the node gate A is connected to stops (and starts again);
#   2. the node leading the queue stops;
#   3. a gate is killed with SIGKILL while a create it sent is held back by the registry
#      (and others may be in flight);
#   4. the stopped node and the killed gate start again.
# Then: every request has an answer; every create reached the registry at most once and
# each one told 1000 exactly once; no create was told 2302 (its own earlier copy);
# "outcome unknown" only for creates the killed gate held as sent; every copy published
# again got the first copy's answer; a sample of finished creates sent again after the
# load is answered from the journal with the same reply, and runs nothing. The counts and
# how long the gates took to serve again after each node stop are printed (diag).
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/gate.sh
. "$EG_SRCDIR/tests/lib/gate.sh"
# shellcheck source=tests/lib/faults.sh
. "$EG_SRCDIR/tests/lib/faults.sh"
# shellcheck source=tests/lib/cluster.sh
. "$EG_SRCDIR/tests/lib/cluster.sh"
# shellcheck source=tests/lib/pg.sh
. "$EG_SRCDIR/tests/lib/pg.sh"

N=${EG_SCALE_N:-1000}            # creates; as many checks and infos
RATE=${EG_SCALE_RATE:-20}        # requests a second
SAMPLE=20                        # finished creates sent again after the load
LOAD=$EG_SRCDIR/tests/cluster/load_client.py
TALLY=$EG_SRCDIR/tests/cluster/tally.py
t_begin=$SECONDS

eg_setup scale
cleanup() {
	stop_tracked
	cluster_stop
	pg_stop
	if [ "$_tap_failed" -eq 0 ] && [ -z "${EG_KEEP_TMP:-}" ]; then
		rm -rf "$T"
	else
		echo "# logs: $T"
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

bail() { ok 1 "$1"; echo "Bail out! $1"; exit 1; }
# The nodes' logs say what the quorum queues did (elections, members recovering).
CLUSTER_NODE_CONF+=("log.file.level = info")
port_of() { local p="CLUSTER_PORT_$1"; echo "${!p}"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}'; }
replies() { grep -c . "$T/replies" 2>/dev/null || echo 0; }

# "NODE STATE COMMIT_INDEX" for each member of the request queue, as node N reports it.
members() {
	cluster_cli "$1" rabbitmq-queues quorum_status "$QUEUE" --formatter json 2>/dev/null |
	    /usr/bin/python3 -c '
import json, sys
for m in json.load(sys.stdin):
    state = m["Raft State"]
    print(m["Node Name"], state if isinstance(state, str) else state[0], m["Commit Index"])'
}
# caught_up N: node N's member of the queue follows a leader and has committed about what
# the leader has (under load the two are read a moment apart).
caught_up() {
	local rows lc n="CLUSTER_NODE_$1" m
	for m in 1 2 3; do
		[ "$m" != "$1" ] && rows=$(members "$m") && [ -n "$rows" ] && break
	done
	lc=$(awk '$2 == "leader" {print $3}' <<<"$rows")
	[ -n "$lc" ] && awk -v n="${!n}" -v c="$lc" \
	    '$1 == n && $2 == "follower" && $3 + 200 >= c {f = 1} END {exit !f}' <<<"$rows"
}
# The queue's members as each running node sees them, its messages and consumers, for a
# failure's diagnosis.
show_members() {
	local m
	for m in 1 2 3; do
		members "$m" | sed "s/^/# node $m sees: /"
		cluster_ctl "$m" list_queues name messages_ready messages_unacknowledged consumers \
		    --no-table-headers 2>/dev/null | sed "s/^/# node $m queue: /"
		cluster_ctl "$m" list_consumers queue_name channel_pid prefetch_count \
		    --no-table-headers 2>/dev/null | sed "s/^/# node $m consumer: /"
	done
}

# ---- PostgreSQL, the cluster, epp-sim ----------------------------------------------------
pg_start "$T/pg" || bail "PostgreSQL starts"
t0=$SECONDS
cluster_start "$T/cluster" || bail "the cluster starts"
ok 0 "a three-node cluster and PostgreSQL run (cluster start: $((SECONDS - t0)) s)"
AMQP_HOST=$CLUSTER_HOST
AMQP_PORT=$(port_of 3)
fault_sim_start --stall-ms 20000 || bail "epp-sim starts"
journal_conf pg || bail "a journal schema"

# ---- two gates: A on node 1 (then 2, 3), B on node 2 (then 3, 1) -------------------------
GATE_SESSIONS=2 GATE_LOG_LEVEL=debug GATE_QUEUE_OPTS="quorum = true;" gate_config "$JOURNAL_CONF"
hosts() { local n out=; for n in "$@"; do out+="${out:+, }\"$CLUSTER_HOST:$(port_of "$n")\""; done; echo "$out"; }
sed -e "s|hosts = \[ [^]]* \]|hosts = [ $(hosts 1 2 3) ]|" "$GATE_CONF" >"$T/gate-a.conf"
sed -e "s|hosts = \[ [^]]* \]|hosts = [ $(hosts 2 3 1) ]|" "$GATE_CONF" >"$T/gate-b.conf"
chmod 600 "$T/gate-a.conf" "$T/gate-b.conf"
declare -A GPID
gate_n() {
	local out=$T/gate-$1.out n
	n=$(grep -c 'broker: connected to' "$out" 2>/dev/null)
	"$EG_BIN/epp-gate" --config "$T/gate-$1.conf" >>"$out" 2>&1 &
	GPID[$1]=$!
	track_pid "${GPID[$1]}"
	watch_log "$out"
	wait_for 30 grep -q 'session 1: logged in' "$out" &&
	    wait_for 30 _connected "$out" "$((${n:-0} + 1))"
}
_connected() { [ "$(grep -c 'broker: connected to' "$1")" -ge "$2" ]; }
gate_n a || bail "gate A starts"
gate_n b || bail "gate B starts"
like "$(grep 'broker: connected to' "$T/gate-a.out" | tail -1)" ":$(port_of 1), consuming queue $QUEUE" \
    "gate A consumes the queue through node 1"
like "$(grep 'broker: connected to' "$T/gate-b.out" | tail -1)" ":$(port_of 2), consuming queue $QUEUE" \
    "gate B consumes the queue through node 2"
lead=$(cluster_queue_leader "$QUEUE")
like "$lead" '^[123]$' "the gates declared a quorum queue (its leader: node $lead)"
mk_contact c-so >/dev/null
info='{"name": "base-so.example", "registrant": "c-so", "contacts": {"admin": "c-so"}, "auth_info": "pw-base-so"}'
is "$(code_of "$(rpc -t 20 domain_create "$info")")" 1000 "a contact and a domain to ask about"

# ---- the load ----------------------------------------------------------------------------
# cl-create-I creates cl-I.example; cl-query-I checks cl-q-I.example (odd I) or asks for
# base-so.example's info (even I).
: >"$T/requests"
for i in $(seq 1 "$N"); do
	printf 'cl-create-%d\t{"cmd": "domain_create", "args": {"name": "cl-%d.example", "registrant": "c-so", "contacts": {"admin": "c-so"}, "auth_info": "pw-so-%d"}}\n' "$i" "$i" "$i"
	if [ $((i % 2)) -eq 1 ]; then
		printf 'cl-query-%d\t{"cmd": "domain_check", "args": {"domains": ["cl-q-%d.example"]}}\n' "$i" "$i"
	else
		printf 'cl-query-%d\t{"cmd": "domain_info", "args": {"name": "base-so.example"}}\n' "$i"
	fi
done >"$T/requests"
amqp_ports="$(port_of 1),$(port_of 2),$(port_of 3)"
t_load=$(now)
/usr/bin/python3 "$LOAD" "$amqp_ports" "$QUEUE" "$QUEUE-replies" "$T/requests" "$T/replies" \
    --rate "$RATE" --quiet 8 --deadline 200 --first 0 >"$T/client.out" 2>"$T/client.err" &
CLIENT_PID=$!
track_pid "$CLIENT_PID"
wait_for 30 lines_at_least "$T/replies" 100
ok $? "the load runs: 100 replies"

# ---- 1. gate A's node stops, and starts again ----------------------------------------------
t_stop1=$(now)
cluster_stop_node 1
ok $? "node 1 (gate A's) stops, $(replies) replies in"
t_stopped1=$(now)
wait_for 60 _connected "$T/gate-a.out" 2
ok $? "gate A connects to another node"
r0=$(replies)
wait_for 60 lines_at_least "$T/replies" $((r0 + 50))
ok $? "replies go on"
t0=$SECONDS
cluster_start_node 1
ok $? "node 1 starts again and rejoins ($((SECONDS - t0)) s)"
# With two nodes of three down the queue has no majority: the next stop waits for node 1's
# member of the queue to be back in step.
t0=$SECONDS
wait_for 90 caught_up 1
ok $? "its member of the queue follows the leader and has caught up ($((SECONDS - t0)) s)"

# ---- 2. the queue's leader stops ---------------------------------------------------------
lead=$(cluster_queue_leader "$QUEUE")
like "$lead" '^[123]$' "the queue's leader is node $lead"
t_stop2=$(now)
cluster_stop_node "$lead"
ok $? "node $lead (the leader) stops, $(replies) replies in"
t_stopped2=$(now)
r0=$(replies)
wait_for 60 lines_at_least "$T/replies" $((r0 + 50)) || { show_members; false; }
ok $? "replies go on"
new=$(cluster_queue_leader "$QUEUE")
like "$new" '^[123]$' "the queue has a new leader: node $new"

# ---- 3. a gate is killed while a create it sent is held back -------------------------------
set_faults "stall:1:domain:create:once"
stalled() { grep -q 'cmd=domain:create .*fault=stall' "$SIM_CMDLOG"; }
wait_for 30 stalled
ok $? "the registry runs a create and holds its response back"
held_name=$(grep 'cmd=domain:create .*fault=stall' "$SIM_CMDLOG" | head -1 | sed -n 's/.* obj=\([^ ]*\).*/\1/p')
held_id=cl-create-${held_name//[^0-9]/}
holder() { journal_sql "SELECT g.pid FROM eppgate_journal j JOIN eppgate_gates g USING (gate_id) WHERE j.message_id = '$held_id' AND j.state = 'sent'"; }
wait_for 10 holder
pid=$(holder)
victim=
for g in a b; do [ "${GPID[$g]}" = "$pid" ] && victim=$g; done
like "$victim" '^[ab]$' "the create ($held_id) was sent by gate ${victim^^} (PID $pid)"
[ -n "$victim" ] || bail "the gate holding $held_id is known"
kill -KILL "${GPID[$victim]}"
wait "${GPID[$victim]}" 2>/dev/null
t_kill=$(now)
ok 0 "gate ${victim^^} killed with SIGKILL, $(replies) replies in"
# What it held as sent can only be answered "outcome unknown": the registry may have run it.
journal_sql "SELECT j.message_id FROM eppgate_journal j JOIN eppgate_gates g USING (gate_id) WHERE g.pid = $pid AND j.state = 'sent'" >"$T/held"
nheld_claimed=$(journal_sql "SELECT count(*) FROM eppgate_journal j JOIN eppgate_gates g USING (gate_id) WHERE g.pid = $pid AND j.state = 'claimed'")
diag "the killed gate held $(grep -c . "$T/held") request(s) sent and $nheld_claimed claimed"
grep -qx "$held_id" "$T/held"
ok $? "the held create is among them"

# ---- 4. everything starts again ----------------------------------------------------------
gate_n "$victim"
ok $? "gate ${victim^^} starts again"
t0=$SECONDS
cluster_start_node "$lead"
ok $? "node $lead starts again and rejoins ($((SECONDS - t0)) s)"
is "$(cluster_running 1)" 3 "three nodes run"

wait "$CLIENT_PID"
ok $? "the client got a reply to every request: $(tail -1 "$T/client.out")"
like "$(tail -1 "$T/client.out")" 'reconnects [1-9]' "  after moving to another node when its node stopped"
diag "load: $(since "$t_load") s; client: $(tail -1 "$T/client.out")"
grep -v 'connected to' "$T/replies.events" | head -10 | sed 's/^/# client: /'

# ---- the count ---------------------------------------------------------------------------
/usr/bin/python3 "$TALLY" answers "$T/requests" "$T/replies" "$SIM_CMDLOG" "$T/held" >"$T/tally"
val() { awk -v k="$1" '$1 == k {print $2}' "$T/tally"; }
grep '^list ' "$T/tally" | sed 's/^/# /'
diag "creates $(val creates): 1000 $(val create_1000), outcome unknown $(val create_unknown)" \
    "(ran $(val create_unknown_ran_1), not run $(val create_unknown_ran_0)), 2302 $(val create_2302), other $(val create_other)"
diag "queries $(val queries): 1000 $(val query_1000), other $(val query_other);" \
    "copies answered again $(val duplicates)"
is "$(val missing)" 0 "nothing lost: every request has an answer"
is "$(val create_sent_twice)" 0 "no create reached the registry twice"
is "$(val create_1000_not_once)" 0 "every create told 1000 ($(val create_1000)) ran exactly once"
is "$(val create_2302)" 0 "no client was told 2302 for its own create"
is "$(val create_unknown_not_held)" 0 "outcome unknown ($(val create_unknown)) only for creates the killed gate held as sent ($(val held))"
ok "$([ "$(val create_unknown)" -ge 1 ]; echo $?)" "the held create was answered outcome unknown"
is "$(val create_unknown_ran_2)" 0 "  and none of them ran twice"
is "$(val create_other)" 0 "every other create was told 1000"
is "$(val query_other)" 0 "every check and info was told 1000"
is "$(val duplicates_differ)" 0 "every copy published again ($(val duplicates)) got its request's answer"
r=$(reply_for "$T/replies" "$held_id" | cut -f2-)
like "$(json_get "$r" error)" 'already sent once and its reply was not recorded' \
    "the held create's answer says it was sent and no reply recorded"
is "$(json_get "$r" registry.epp.response.result.@code)" 1000 "  with the registry's view: it exists"
waited=$(cat "$T"/gate-*.out | grep -c "another copy is in progress on gate")
ok "$([ "$waited" -ge 1 ]; echo $?)" "redelivered copies waited for the killed gate's lease ($waited)"

# ---- how long the gates took to serve again --------------------------------------------------
# res GATE START UNTIL: "S s" until the gate served again after START, and when it lost
# its broker connection (if it did).
res() {
	local r s l
	read -r _ s _ l <<<"$(/usr/bin/python3 "$TALLY" resume "$T/gate-$1.out" "$2" "$3")"
	r="$s s"
	[ "$l" != none ] && r+=" (its connection closed at $l s)"
	echo "$r"
}
gap() { /usr/bin/python3 "$TALLY" gap "$T/replies" "$1" "$2" | awk '{print $2}'; }
took() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }
diag "node 1 stop (gate A's node; the stop took $(took "$t_stop1" "$t_stopped1") s): after it began," \
    "gate A served again at $(res a "$t_stop1" "$t_stop2"), gate B at $(res b "$t_stop1" "$t_stop2");" \
    "the client's longest wait for a reply: $(gap "$t_stop1" "$t_stop2") s"
diag "node $lead stop (the leader; the stop took $(took "$t_stop2" "$t_stopped2") s): after it began," \
    "gate A served again at $(res a "$t_stop2" "$t_kill"), gate B at $(res b "$t_stop2" "$t_kill");" \
    "the client's longest wait for a reply: $(gap "$t_stop2" "$t_kill") s"
diag "consumers found stuck (messages ready, none delivered) and connected again:" \
    "gate A $(grep -c 'its consumer is stuck' "$T/gate-a.out"), gate B $(grep -c 'its consumer is stuck' "$T/gate-b.out")"
resumed=$(/usr/bin/python3 "$TALLY" resume "$T/gate-a.out" "$t_stop1" "$t_stop2" | awk '{print $2}')
ok "$([ "$resumed" != none ]; echo $?)" "gate A served requests again after its node stopped"

# ---- a sample of finished creates sent again ---------------------------------------------------
/usr/bin/python3 "$TALLY" sample "$T/requests" "$T/replies" "$SAMPLE" >"$T/sample"
cut -f1 "$T/sample" >"$T/sample-ids"
ns=$(grep -c . "$T/sample")
is "$ns" "$SAMPLE" "$SAMPLE finished creates (told 1000) are sent again with their message_id"
creates_before=$(grep -c 'cmd=domain:create ' "$SIM_CMDLOG")
journal_before=$(cat "$T"/gate-*.out | grep -c 'answered from the journal')
/usr/bin/python3 "$LOAD" "$amqp_ports" "$QUEUE" "$QUEUE-retries" "$T/sample" "$T/retries" \
    --quiet 30 --deadline 60 --first 0 >"$T/retry.out" 2>&1
ok $? "each gets an answer: $(tail -1 "$T/retry.out")"
same=0
while read -r id; do
	[ "$(reply_for "$T/retries" "$id" | cut -f2-)" = "$(reply_for "$T/replies" "$id" | cut -f2-)" ] &&
	    same=$((same + 1))
done <"$T/sample-ids"
is "$same" "$SAMPLE" "each is the reply the first copy got"
is "$(grep -c 'cmd=domain:create ' "$SIM_CMDLOG")" "$creates_before" "the registry saw no new create"
journal_after=$(cat "$T"/gate-*.out | grep -c 'answered from the journal')
is "$((journal_after - journal_before))" "$SAMPLE" "the gates answered them from the journal"

# ---- the gates keep serving --------------------------------------------------------------------
is "$(code_of "$(rpc -t 20 domain_check '{"domains": ["after-so.example"]}')")" 1000 "the gates keep serving"
for g in a b; do
	kill -0 "${GPID[$g]}" 2>/dev/null
	ok $? "gate ${g^^} runs"
done
diag "wall time: $((SECONDS - t_begin)) s"
done_testing
