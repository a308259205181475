#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The journal's disk is full (a tiny tmpfs, filled up): the gate refuses commands with
# side effects rather than run them without a record ("not sent", nothing reaches the
# registry), queries still work, the gate keeps running, and once there is space again
# creates go through, each executed once.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
eg_setup jfull
JFS=$T/jfs
mkdir -p "$JFS"
if ! mount -t tmpfs -o size=256k,mode=0700 tmpfs "$JFS"; then
	echo "1..0 # SKIP cannot mount a tmpfs (not root?)"
	exit 0
fi
# The gate holds the journal open: end it before unmounting; never leave the mount.
trap 'stop_tracked; umount "$JFS" 2>/dev/null || umount -l "$JFS"; [ -n "${EG_KEEP_TMP:-}" ] || rm -rf "$T"' EXIT
fault_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
gate_config "journal: { file = \"$JFS/journal.db\"; };"
gate_start || { ok 1 "epp-gate starts"; done_testing; exit 1; }
mk_contact c-full >/dev/null

create() {
	rpc -t 10 domain_create "{\"name\": \"$1\", \"registrant\": \"c-full\", \"contacts\": {\"admin\": \"c-full\"}, \"auth_info\": \"full-pw-1\"}" 2>/dev/null
}
is "$(code_of "$(create room.example)")" 1000 "a create with room on the disk"
dd if=/dev/zero of="$JFS/fill" bs=4k 2>/dev/null
df_avail=$(df -k --output=avail "$JFS" | tail -1 | tr -d ' ')
is "$df_avail" 0 "the journal's file system is full"

# The journal's write-ahead log may still have room in its last block: creates go on until
# its records no longer fit (bounded), then every one is refused.
refused=
for i in $(seq 1 30); do
	out=$(create "fill$i.example")
	if [ "$(errcode_of "$out")" = not_sent ]; then refused=fill$i.example; break; fi
	[ "$(code_of "$out")" = 1000 ] || break
done
ok "$([ -n "$refused" ]; echo $?)" "disk full: a create is refused once the journal's page is used up (after $((i - 1)))"
like "$(json_get "$out" error)" 'journal cannot record the command.*No space left on device' \
    "disk full: the error says the journal cannot record it, and why"
is "$(sim_seen domain:create "$refused")" 0 "disk full: the refused create never reached the registry"
for name in full1.example full2.example; do
	out=$(create "$name")
	is "$(errcode_of "$out")" not_sent "disk full: $name refused, 'not sent'"
	is "$(sim_seen domain:create "$name")" 0 "disk full: $name never reached the registry"
done
out=$(rpc -t 10 contact_update '{"id": "c-full", "email": "new@example.net"}' 2>/dev/null)
is "$(errcode_of "$out")" not_sent "disk full: an update is refused too"
is "$(code_of "$(rpc domain_check '{"domains": ["full1.example"]}')")" 1000 "disk full: a check works"
is "$(code_of "$(rpc domain_info '{"name": "room.example"}')")" 1000 "disk full: an info works"
is "$(code_of "$(rpc poll_req)")" 1300 "disk full: poll_req works"
gate_alive; ok $? "disk full: the gate keeps running"
like "$(grep -m1 'refused, not sent: the journal cannot record it' "$GATE_OUT")" \
    'error: domain_create .*No space left on device' "disk full: the gate logs each refusal as an error, and why"

rm -f "$JFS/fill"
is "$(code_of "$(create full1.example)")" 1000 "space again: the refused create now goes through"
is "$(sim_ran domain:create full1.example)" 1 "space again: executed once"
is "$(code_of "$(create after.example)")" 1000 "space again: another create"
# The journal still works as a journal: a client's retry with the same message id is
# answered from it, not executed again.
ref=$EG_SRCDIR/tests/lib/refclient.py
req='{"cmd": "domain_create", "args": {"name": "retry.example", "registrant": "c-full", "contacts": {"admin": "c-full"}, "auth_info": "full-pw-1"}}'
a=$(/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" publish "$req" --message-id jfull-retry-1)
b=$(/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" publish "$req" --message-id jfull-retry-1)
is "$(code_of "$a")" 1000 "space again: a create with a message id"
is "$b" "$a" "space again: its retry gets the same reply, from the journal"
is "$(sim_seen domain:create retry.example)" 1 "space again: and reaches the registry once"
done_testing
