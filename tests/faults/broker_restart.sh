#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The broker is stopped and started again under load. A durable request queue,
# persistent requests with message ids, a durable named reply queue read by a pika
# client that outlives the restart and publishes again, with the same message id, any
# request whose reply it does not have. Every request ends with a reply; every create
# ran exactly once (the gate's journal answers redeliveries and re-sends, and a copy that
# comes while the first is in flight waits for its reply). The journal is SQLite, or
# PostgreSQL under make check-pg.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
. "$EG_SRCDIR/tests/lib/broker.sh"
eg_setup brestart
if [ -z "${BROKER_NODE:-}" ]; then
	echo "1..0 # SKIP needs the broker of tests/run-all (BROKER_NODE) to restart it"
	exit 0
fi
fault_sim_start --latency 250 || { ok 1 "epp-sim starts"; done_testing; exit 1; }
journal_conf || { ok 1 "a journal for the gate"; done_testing; exit 1; }
GATE_SESSIONS=2 GATE_QUEUE_OPTS='durable = true;' gate_config "$JOURNAL_CONF"
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
mk_contact c-br >/dev/null

N=40
requests_file "$T/requests" br "$N" c-br
durable_client "$T/requests" "$T/replies" --rate 20 --quiet 4 --deadline 75
wait_for 20 lines_at_least "$T/replies" 10
ok $? "load running: replies coming in"
broker_restart
ok $? "broker stopped and started again"
diag "restarted after $(wc -l <"$T/replies") of $((2 * N)) replies"
wait "$CLIENT_PID"
is "$?" 0 "the client got a reply to every request"
diag "client: $(tail -1 "$T/replies.out")"

bad=0 unknown=0
for i in $(seq 1 $N); do
	n=$(sim_ran domain:create "br$i.example")
	[ "$n" = 1 ] || { bad=$((bad + 1)); diag "br$i.example executed $n times"; }
	r=$(reply_for "$T/replies" "br-create-$i")
	c=$(code_of "$r")
	if [ "$c" != 1000 ]; then
		if [ "$(errcode_of "$r")" = outcome_unknown ] &&
		    [ "$(json_get "$r" registry.epp.response.result.@code)" = 1000 ]; then
			unknown=$((unknown + 1))
		else
			bad=$((bad + 1)); diag "br-create-$i: $r"
		fi
	fi
done
is "$bad" 0 "each of the $N creates ran exactly once, and its reply says it was done"
is "$unknown" 0 "no create was answered 'outcome unknown': a copy that came while the first was in flight waited for its reply"
bad=0
for i in $(seq 1 $N); do
	r=$(reply_for "$T/replies" "br-check-$i")
	[ "$(code_of "$r")" = 1000 ] || { bad=$((bad + 1)); diag "br-check-$i: $r"; }
done
is "$bad" 0 "every check was answered"
like "$(grep -c 'broker: connected to' "$GATE_OUT")" '^[2-9]' "the gate reconnected to the broker"
# A create whose reply could not be sent (its broker connection was gone) comes back
# (redelivered, or re-sent by the client) and must be answered from the journal.
lost=$(grep -c 'domain_create: reply not sent' "$GATE_OUT")
fromj=$(grep -c 'domain_create .* answered from the journal' "$GATE_OUT")
[ "$fromj" -ge "$lost" ]
ok $? "creates whose reply was lost with the connection ($lost) were answered from the journal ($fromj)"
out=$(rpc domain_check '{"domains": ["after-restart.example"]}')
is "$(code_of "$out")" 1000 "the gate keeps serving"
gate_alive; ok $? "the gate process is still running"
_broker_ctl delete_queue "$QUEUE-replies" >/dev/null 2>&1
_broker_ctl delete_queue "$QUEUE" >/dev/null 2>&1
done_testing
