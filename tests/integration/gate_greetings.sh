#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The gate against every greeting in tests/data/greetings, each sent by epp-sim as it is
# (--greeting): the gate logs in, asking for exactly the services the greeting offers as
# it spells them (epp-sim's command log shows the login's objURIs and extURIs), with the
# lang it offers; typed commands for object services or extensions it does not offer are
# answered "not_sent" and never reach the registry; those it offers, and the generic epp
# and xml commands and hello, go through; gate_status shows the registry profile. What the
# greeting offers is read here independently of the gate (python3, stdlib).
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
. "$EG_SRCDIR/tests/lib/faults.sh"
eg_setup greetings
GDIR=$EG_SRCDIR/tests/data/greetings

# greeting_facts FILE: shell assignments of what the greeting offers: OBJS, EXTS (first
# tokens, comma-separated, in order), LANG (en if offered, else the first), SVID, and
# HAS_domain, HAS_contact, HAS_host (1 when a spelling of it is offered), FEE (the fee
# extension a fee argument is written in: RFC 8748's under either name, else the newest
# draft the gate builds, fee-0.23 or fee-0.21; "-" when none).
greeting_facts() {
	/usr/bin/python3 - "$1" <<'PY'
import re, shlex, sys
import xml.etree.ElementTree as ET
E = "{urn:ietf:params:xml:ns:epp-1.0}"
g = ET.parse(sys.argv[1]).getroot().find(E + "greeting")
menu = g.find(E + "svcMenu")
tok = lambda e: (e.text or "").split()[0] if (e.text or "").split() else None
objs = [t for t in (tok(e) for e in menu.findall(E + "objURI")) if t]
ext = menu.find(E + "svcExtension")
exts = [t for t in (tok(e) for e in ext.findall(E + "extURI")) if t] if ext is not None else []
langs = [t for t in (tok(e) for e in menu.findall(E + "lang")) if t]
def has(name, uris, versions=("1.0", "")):
    pat = re.compile(r"(?i:urn:ietf:params:xml:ns:)(?:epp:)?" + name + r"(?:-([0-9.]+))?$")
    return any((m := pat.match(u)) and (m.group(1) or "") in versions for u in uris)
out = {
    "OBJS": ",".join(objs), "EXTS": ",".join(exts) or "-",
    "LANG": "en" if "en" in langs else (langs[0] if langs else "en"),
    "SVID": (g.findtext(E + "svID") or "").strip(),
    "FIRST_OBJ": objs[0],
    "HAS_domain": int(has("domain", objs)), "HAS_contact": int(has("contact", objs)),
    "HAS_host": int(has("host", objs)),
    "FEE": next((u for u in ("urn:ietf:params:xml:ns:epp:fee-1.0", "urn:ietf:params:xml:ns:fee-1.0",
                             "urn:ietf:params:xml:ns:fee-0.23", "urn:ietf:params:xml:ns:fee-0.21")
                 if u in exts), "-"),
}
for k, v in out.items():
    print("%s=%s" % (k, shlex.quote(str(v))))
PY
}

# field LINE KEY: the value of KEY= in a command-log line
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

files=("$GDIR"/*.xml)
[ "${#files[@]}" -ge 7 ]
ok $? "${#files[@]} greetings in tests/data/greetings"
n=0
for f in "${files[@]}"; do
	n=$((n + 1))
	name=$(basename "$f" .xml)
	eval "$(greeting_facts "$f")" || { ok 1 "$name: readable"; continue; }
	SIM_CERTS=$CERTS sim_start "$T/sim-$name" --account "$SIM_CLID:$SIM_PW" --greeting "$f" ||
	    { ok 1 "$name: epp-sim starts with it"; continue; }
	SIM_CMDLOG=$SIM_LOG
	gate_config
	if ! gate_start; then
		ok 1 "$name: the gate logs in"
		kill -TERM "$GATE_PID" "$SIM_PID" 2>/dev/null; wait "$GATE_PID" "$SIM_PID" 2>/dev/null
		continue
	fi
	ok 0 "$name: the gate logs in"
	login=$(grep -m1 ' cmd=login .*code=1000' "$SIM_CMDLOG")
	is "$(field "$login" objuris)" "$OBJS" "$name: login objURIs as the greeting spells them"
	is "$(field "$login" exturis)" "$EXTS" "$name: login extURIs as the greeting spells them"
	st=$(rpc -t 5 gate_status)
	is "$(json_get "$st" gate.registry_profile.lang)" "$LANG" "$name: lang $LANG"
	is "$(json_get "$st" gate.registry_profile.svID)" "$SVID" "$name: gate_status shows the profile"

	# typed commands: through when offered, refused unsent when not
	for obj in domain contact host; do
		case $obj in
		domain) args="{\"domains\": [\"t$n.example\"]}" ;;
		contact) args="{\"contacts\": [\"c-t$n\"]}" ;;
		host) args="{\"hosts\": [\"ns.t$n.example\"]}" ;;
		esac
		before=$(sim_count " cmd=$obj:check ")
		out=$(rpc -t 10 "${obj}_check" "$args")
		after=$(sim_count " cmd=$obj:check ")
		has=HAS_$obj
		if [ "${!has}" = 1 ]; then
			is "$(code_of "$out")" 1000 "$name: ${obj}_check goes through"
			is "$((after - before))" 1 "$name: and reaches the registry once"
		else
			is "$(errcode_of "$out")" not_sent "$name: ${obj}_check is answered not_sent"
			like "$(json_get "$out" error)" "failed processing EPP command: the registry does not offer the $obj service \\(urn:ietf:params:xml:ns:$obj-1.0\\); its greeting offers: " \
			    "$name: saying what it offers instead"
			is "$((after - before))" 0 "$name: nothing reached the registry"
		fi
	done
	# an extension: the fee check (RFC 8748) where the domain service is offered
	if [ "$HAS_domain" = 1 ]; then
		before=$(sim_count " cmd=domain:check ")
		out=$(rpc -t 10 domain_check "{\"domains\": [\"fee$n.example\"], \"fee\": {\"currency\": \"USD\", \"command\": \"create\", \"period\": 1}}")
		after=$(sim_count " cmd=domain:check ")
			is "$(json_get "$st" gate.registry_profile.fee)" "${FEE/#-/None}" "$name: gate_status names the fee extension in use"
		if [ "$FEE" != - ]; then
			# epp-sim answers 2103 for an extension element outside the login's extURIs
			is "$(code_of "$out")/$((after - before))" 1000/1 "$name: a fee check goes through, written in ${FEE##*:}"
		else
			is "$(errcode_of "$out")/$((after - before))" not_sent/0 "$name: a fee check is refused unsent"
			like "$(json_get "$out" error)" "does not offer the fee extension" "$name: naming the fee extension"
		fi
	fi
	# the generic commands reach whatever the registry offers
	out=$(rpc -t 10 epp "{\"command\": {\"check\": {\"x:check\": {\"@xmlns:x\": \"$FIRST_OBJ\", \"x:name\": [\"generic$n.example\"]}}}}")
	cl=$(json_get "$out" epp.response.trID.clTRID)
	[ -n "$cl" ] && [ "$(sim_count " cltrid=$cl ")" = 1 ]
	ok $? "$name: an epp command in $FIRST_OBJ reaches the registry (code $(code_of "$out"))"
	out=$(rpc -t 10 xml "{\"xml\": \"<epp xmlns=\\\"urn:ietf:params:xml:ns:epp-1.0\\\"><command><info><x:info xmlns:x=\\\"$FIRST_OBJ\\\"><x:name>raw$n.example</x:name></x:info></info><clTRID>raw-$n-$$</clTRID></command></epp>\"}")
	is "$(sim_count " cltrid=raw-$n-$$ ")" 1 "$name: an xml command reaches the registry (code $(code_of "$out"))"
	out=$(rpc -t 10 hello)
	is "$(json_get "$out" epp.greeting.svID)" "$SVID" "$name: hello gets the greeting"
	kill -TERM "$GATE_PID"; wait "$GATE_PID"
	is "$?" 0 "$name: the gate stops cleanly"
	mv "$GATE_OUT" "$T/gate-$name.out"
	watch_log "$T/gate-$name.out"
	sim_stop
done
done_testing
