#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make demo: the whole product on one machine. Starts a private RabbitMQ on loopback
# (unless AMQP_PORT names a running one), the epp-sim registry simulator over TLS, and
# epp-gate with two sessions; sends a few requests through with epp-rpc (check, contact
# and domain create, info, renew, a poll) and prints the JSON replies; stops what it
# started.
set -euo pipefail
BUILD=$(cd "${1:-build}" && pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
export EG_SRCDIR=$top EG_BIN=$BUILD/bin EG_BUILD=$BUILD
# shellcheck source=tests/lib/tap.sh
. "$top/tests/lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$top/tests/lib/broker.sh"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
started_broker=0
cleanup() {
	stop_tracked
	[ "$started_broker" -eq 1 ] && broker_stop
	[ -n "${T:-}" ] && rm -rf "$T"
}
trap cleanup EXIT

if [ -z "${AMQP_PORT:-}" ]; then
	say "starting a private RabbitMQ broker on 127.0.0.1 (takes ~10 s)"
	broker_start "$BUILD/demo-broker" >/dev/null
	started_broker=1
fi
echo "RabbitMQ on 127.0.0.1:$AMQP_PORT"
# shellcheck source=tests/lib/gate.sh
. "$top/tests/lib/gate.sh"
eg_setup demo
trap cleanup EXIT
QUEUE=epp_messages      # the reference's queue name: the broker is this demo's own

say "starting epp-sim, a registry simulator speaking EPP over TLS"
eg_sim_start --svid "demo registry"
echo "epp-sim on 127.0.0.1:$SIM_PORT (certificate from a test CA made for this demo)"

say "starting epp-gate with 2 sessions"
GATE_SESSIONS=2 GATE_LOG_LEVEL=debug gate_config "journal: { file = \"$T/journal\"; };"
gate_start
echo "epp-gate is up; its configuration:"
sed 's/^/    /; s/password = "[^"]*"/password = "(hidden)"/g' "$GATE_CONF"

show() { # show CMD ARGS: the command line, then the pretty reply
	printf '\n\033[36m$ epp-rpc %s %s\033[0m\n' "$1" "${2:-}"
	rpc --pretty "$1" ${2:+"$2"} || true
}
exdate() {
	rpc domain_info '{"name": "demo-example.com"}' |
	    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["epp"]["response"]["resData"]["infData"]["exDate"][:10])'
}

say "requests through RabbitMQ -> epp-gate -> epp-sim"
show domain_check '{"domains": ["demo-example.com", "another-example.net"]}'
show contact_create '{"id": "demo-c1", "email": "owner@example.net", "voice": "+1.5555550100", "auth_info": "contact-secret", "contacts": [{"type": "int", "name": "Demo Owner", "org": "Example & Sons", "address": {"street": ["1 Main Street", "Suite 2"], "city": "Springfield", "sp": "IL", "pc": "62701", "cc": "US"}}]}'
show domain_create '{"name": "demo-example.com", "registrant": "demo-c1", "period": 1, "contacts": {"admin": "demo-c1", "tech": "demo-c1"}, "auth_info": "domain-secret"}'
show domain_info '{"name": "demo-example.com"}'
show domain_renew "{\"name\": \"demo-example.com\", \"cur_exp_date\": \"$(exdate)\", \"period\": 1}"
show poll_req
show domain_check '{"domains": ["demo-example.com"]}'
show gate_status

say "what the registry executed (epp-sim's command log)"
sed 's/^/    /' "$SIM_CMDLOG"
say "the gate's log (one line per request at -v)"
grep -E 'request cmd=|logged in' "$GATE_OUT" | sed 's/^/    /'
say "done: stopping epp-gate, epp-sim and the broker"
