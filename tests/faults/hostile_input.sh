#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hostile input matrix (tests/faults/data/hostile_requests.tsv, one case a line):
# requests that are not JSON, not objects, huge, deeply nested, of the wrong types,
# with missing or unknown arguments, invalid UTF-8, control characters, numbers out of
# range, and XML metacharacters and injection attempts in string arguments. Each gets a
# clear error and sends nothing to the registry, or (metacharacters that are legal text)
# reaches the registry as text in exactly one command that carries nothing injected.
# Every request is acked and the gate keeps serving.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
. "$EG_SRCDIR/tests/lib/broker.sh"
eg_setup hostile
fault_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
gate_config
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
mk_contact c-hostile >/dev/null
mk_domain target.example c-hostile >/dev/null
# A file whose content must never come back (an external entity naming it is tried).
MARKER=$T/marker
echo "marker-$RANDOM-$RANDOM-never-read" >"$MARKER"

cases=$EG_SRCDIR/tests/faults/data/hostile_requests.tsv
total=$(grep -vc '^#' "$cases")
/usr/bin/python3 "$EG_SRCDIR/tests/lib/hostile_send.py" "$AMQP_PORT" "$QUEUE" "$cases" \
    "$SIM_CMDLOG" "$MARKER" >"$T/results" 2>"$T/results.err"
is "$(wc -l <"$T/results")" "$total" "every case of the matrix was run ($total)"
[ -s "$T/results.err" ] && sed 's/^/# /' "$T/results.err" | head -20
while IFS=$'\t' read -r verdict desc seen; do
	if [ "$verdict" = PASS ]; then ok 0 "$desc"; else ok 1 "$desc"; diag "  $seen"; fi
done <"$T/results"

# What the injection attempts left in the registry: the text as text, nothing else.
out=$(rpc contact_info '{"contact": "c-inj1"}')
is "$(json_get "$out" epp.response.resData.infData.postalInfo.name)" '</contact:name><contact:name>evil' \
    "the contact name with markup is stored as that text"
out=$(rpc contact_info '{"contact": "c-inj4"}')
is "$(json_get "$out" epp.response.resData.infData.postalInfo.addr.city)" '&xxe;&amp;&lt;' \
    "entity references are stored as text"
out=$(rpc domain_info '{"name": "evil.example"}' 2>/dev/null)
is "$(code_of "$out")" 2303 "no domain evil.example was made"
out=$(rpc domain_info '{"name": "target.example"}')
is "$(code_of "$out")" 1000 "target.example is untouched"
is "$(grep -c ' cmd=domain:delete ' "$SIM_CMDLOG")" 0 "no delete ever reached the registry"
grep -qF "$(cat "$MARKER")" "$SIM_CMDLOG" "$GATE_OUT"
ok $((! $?)) "the marker file's content is in no log"

queue_state() { _broker_ctl list_queues name messages messages_unacknowledged 2>/dev/null | awk -v q="$QUEUE" '$1 == q {print $2 "/" $3}'; }
is "$(queue_state)" 0/0 "every request was acked"
out=$(rpc domain_check '{"domains": ["still.example"]}')
is "$(code_of "$out")" 1000 "the gate keeps serving"
gate_alive; ok $? "the gate process is still running"
done_testing
