#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The SQLite journal's file is moved away under a running gate, then garbage is appended
# to it: each time the gate logs an error saying what happened and what to do, refuses
# commands with side effects ("not sent", nothing reaches the registry), keeps answering
# queries, shows the problem in gate_status, and takes the file back by itself once it is
# a sound journal again; what the file held answers retries. A journal file of the older
# format (one JSON record a line) keeps the gate from starting, with the fix named.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
eg_setup jdamage
fault_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
journal_conf sqlite
gate_config "$JOURNAL_CONF"
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
mk_contact c-dmg >/dev/null
ref=$EG_SRCDIR/tests/lib/refclient.py
create_req() {
	printf '{"cmd": "domain_create", "args": {"name": "%s", "registrant": "c-dmg", "contacts": {"admin": "c-dmg"}, "auth_info": "dmg-pw-1"}}' "$1"
}
publish() { /usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" publish "$2" --message-id "$1" --wait 20; }
journal_field() { json_get "$(rpc gate_status)" "gate.journal.$1"; }
logged() { grep -c "error: journal $JOURNAL_DB: .*$1" "$GATE_OUT"; }
logged_once() { [ "$(logged "$1")" -ge 1 ]; }
sound() { [ "$(journal_field sound)" = True ]; }

first=$(publish dmg-1 "$(create_req dmg1.example)")
is "$(code_of "$first")" 1000 "a create, recorded in the journal"
is "$(journal_field backend)" sqlite "gate_status: the SQLite backend"
like "$(journal_field gate_id)" "^[^:]+:$GATE_PID:[0-9]+:[0-9a-f]{8}\$" "gate_status: this gate's id (host:pid:start:random)"

# ---- moved away ----------------------------------------------------------------------
mv "$JOURNAL_DB" "$JOURNAL_DB.moved"
wait_for 10 logged_once 'was deleted while in use'
ok $? "moved away: the periodic check logs it at error"
like "$(grep -m1 "error: journal $JOURNAL_DB" "$GATE_OUT")" 'refused \(not sent\) until it is sound again: restore the file' \
    "  saying what is refused and what to do"
is "$(journal_field sound)" False "  gate_status: not sound"
like "$(journal_field problem)" 'was deleted while in use' "  and why"
out=$(publish dmg-2 "$(create_req dmg2.example)")
is "$(errcode_of "$out")" not_sent "moved away: a create is refused, not sent"
like "$(json_get "$out" error)" 'journal cannot record the command.*was deleted while in use' "  saying why"
is "$(sim_seen domain:create dmg2.example)" 0 "  it never reached the registry"
is "$(code_of "$(rpc domain_check '{"domains": ["dmg2.example"]}')")" 1000 "moved away: a check works"
is "$(code_of "$(rpc domain_info '{"name": "dmg1.example"}')")" 1000 "moved away: an info works"
mv "$JOURNAL_DB.moved" "$JOURNAL_DB"
wait_for 15 sound
ok $? "put back: the gate takes the file back by itself"
like "$(grep 'journal .*usable again' "$GATE_OUT")" 'warning: journal .*usable again' "  and says so"
is "$(publish dmg-1 "$(create_req dmg1.example)")" "$first" "put back: the first create's retry is answered from the journal"
is "$(code_of "$(publish dmg-2 "$(create_req dmg2.example)")")" 1000 "put back: the refused create now runs"
is "$(sim_ran domain:create dmg1.example)" 1 "  the first create ran once"
is "$(sim_ran domain:create dmg2.example)" 1 "  the refused one once"

# ---- garbage appended ---------------------------------------------------------------------
size=$(stat -c %s "$JOURNAL_DB")
printf 'garbage\n' >>"$JOURNAL_DB"
out=$(publish dmg-3 "$(create_req dmg3.example)")
is "$(errcode_of "$out")" not_sent "garbage appended: the next create is refused, not sent"
like "$(json_get "$out" error)" 'not a whole number of .*-byte pages' "  saying why"
is "$(sim_seen domain:create dmg3.example)" 0 "  it never reached the registry"
is "$(logged 'not a whole number')" 1 "  logged at error, once"
truncate -s "$size" "$JOURNAL_DB"
wait_for 15 sound
ok $? "garbage cut off: the gate takes the file back by itself"
is "$(code_of "$(publish dmg-3 "$(create_req dmg3.example)")")" 1000 "  and the create runs"
is "$(sim_ran domain:create dmg3.example)" 1 "  once"

# ---- a journal of the older format ------------------------------------------------------------
kill -TERM "$GATE_PID"
wait "$GATE_PID" 2>/dev/null
printf '{"t":"sent","id":"old-1","cltrid":"X","cmd":"domain:create","obj":"o.example","ms":1}\n' >"$T/old-journal"
GATE_CONF_OLD=$T/gate-old.conf
sed "s|$JOURNAL_DB|$T/old-journal|" "$GATE_CONF" >"$GATE_CONF_OLD"
"$EG_BIN/epp-gate" --config "$GATE_CONF_OLD" >"$T/old.out" 2>&1
is "$?" 1 "a journal file of the older format: the gate does not start"
like "$(cat "$T/old.out")" 'older format .*move it aside \(mv .*old-journal .*old-journal.old\)' "  naming the fix"
done_testing
