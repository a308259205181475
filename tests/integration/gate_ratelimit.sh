#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rate limits: the registry's command cap is kept by making requests wait for a token
# (up to their deadline) instead of failing at the registry; the login counts in the
# session class; a request whose deadline comes before its token is answered "not sent".
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
eg_setup ratelimit
eg_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
load=$EG_BUILD/bench/eg-load
ref=$EG_SRCDIR/tests/lib/refclient.py

# 120 queries a minute = one every 500 ms, after a burst of 2.
GATE_SESSIONS=4 gate_config 'rate_limit: { query: { per_minute = 120; burst = 2; }; };'
gate_start || { ok 1 "gate starts"; done_testing; exit 1; }
start=$(date +%s%N)
out=$("$load" -p "$AMQP_PORT" -q "$QUEUE" -w 8 -n 8 -P rl -j)
ok $? "8 checks, all in flight at once, all answered"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
diag "$out"
[ "$ms" -ge 2700 ] && [ "$ms" -le 6000 ]
ok $? "they took ${ms} ms: a burst of 2, then one every 500 ms (about 3000 ms)"
is "$(json_get "$out" errors)" 0 "none failed at the gate"
first=$(grep ' cmd=domain:check ' "$SIM_CMDLOG" | head -1 | cut -d' ' -f1)
last=$(grep ' cmd=domain:check ' "$SIM_CMDLOG" | tail -1 | cut -d' ' -f1)
span=$((last - first))
[ "$span" -ge 2700 ]
ok $? "the registry saw them spread over ${span} ms, never faster than the limit"

# A deadline shorter than the wait for a token: answered at once, never sent.
# Eight checks keep the bucket booked for about 3 s while the request comes: it is
# refused however slowly this machine starts the client (a token freed by waiting
# is already booked by the checks ahead of it).
"$load" -p "$AMQP_PORT" -q "$QUEUE" -w 8 -n 8 -P drain >/dev/null 2>&1 &
drain=$!
sleep 0.5
before=$(sim_count ' cmd=domain:check ')
out=$(/usr/bin/python3 "$ref" "$AMQP_PORT" "$QUEUE" publish \
    '{"cmd": "domain_check", "args": {"domains": ["hurry.example"]}}' --deadline-ms 200)
wait "$drain"
like "$out" '"code":"(not_sent|expired)"' "a request that cannot get a token before its deadline is refused"
sleep 1
is "$(sim_count 'hurry.example')" 0 "and never reaches the registry"
like "$(cat "$GATE_OUT")" 'rate limit|expired' "the gate says why"
done_testing
