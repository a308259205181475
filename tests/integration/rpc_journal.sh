#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A script retries safely through the gate's journal: epp-rpc sends a create again with
# the same --message-id (after a timeout, say), and the gate answers from its journal
# instead of sending it to the registry a second time; in a batch, two lines with the
# same message_id run once.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
eg_setup rpcjournal
eg_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
gate_config "journal: { file = \"$T/journal\"; };"
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }

postal='[{"type": "int", "name": "Pat Example", "address": {"street": ["Main Street 1"], "city": "Town", "pc": "12345", "cc": "DE"}}]'
out=$(rpc contact_create "{\"id\": \"c-jour01\", \"email\": \"pat@example.net\", \"auth_info\": \"contact-pw-1\", \"contacts\": $postal}")
is "$(json_get "$out" epp.response.result.@code)" 1000 "a contact to register domains with"
create='{"name": "journal-retry.example", "period": 1, "registrant": "c-jour01", "auth_info": "domain-pw-1"}'
first=$(rpc -t 10 --message-id "script-42" domain_create "$create"); rc=$?
is "$rc" 0 "the create: exit 0"
is "$(json_get "$first" epp.response.result.@code)" 1000 "the registry created it"
again=$(rpc -t 10 --message-id "script-42" domain_create "$create"); rc=$?
is "$rc" 0 "the same create with the same message id: exit 0"
is "$(json_get "$again" epp.response.result.@code)" 1000 "answered with the recorded result"
is "$(sim_count 'cmd=domain:create')" 1 "the registry saw one create"
wait_for 5 grep -q 'domain_create script-42 answered from the journal' "$GATE_OUT"
ok $? "the gate answered the repeat from its journal"

other=$(rpc -t 10 --message-id "script-43" domain_create "$create" 2>/dev/null)
is "$(json_get "$other" epp.response.result.@code)" 2302 "another message id is another request: 2302 from the registry"
is "$(sim_count 'cmd=domain:create')" 2 "and it did reach the registry"

# Two lines of a batch with one message_id: the second is answered from the journal.
printf '%s\n' \
    "{\"cmd\": \"domain_create\", \"args\": {\"name\": \"batch-journal.example\", \"registrant\": \"c-jour01\", \"auth_info\": \"domain-pw-1\"}, \"message_id\": \"batch-1\"}" \
    "{\"cmd\": \"domain_info\", \"args\": {\"name\": \"batch-journal.example\"}}" \
    "{\"cmd\": \"domain_create\", \"args\": {\"name\": \"batch-journal.example\", \"registrant\": \"c-jour01\", \"auth_info\": \"domain-pw-1\"}, \"message_id\": \"batch-1\"}" |
    rpc -t 10 --batch --window 1 >"$T/batch.out" 2>"$T/batch.err"
is $? 0 "batch with a repeated message_id: exit 0"
is "$(sim_count 'cmd=domain:create .*obj=batch-journal')" 1 "the registry saw its create once"
is "$(wc -l <"$T/batch.out")" 3 "three answer lines"
like "$(sed -n 3p "$T/batch.out")" '"line":3,"status":0,.*"message_id":"batch-1","reply":\{"epp".*"@code":"1000"' \
    "the repeat's line carries the recorded reply"
done_testing
