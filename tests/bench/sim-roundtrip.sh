#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Two figures for epp-sim (not pass/fail): the round trip of one domain:check
# on one session (median of 1,000, latency 0), and commands per second with
# 16 sessions at once. The load generator (epp-send) shares the machine.
#   tests/bench/sim-roundtrip.sh [BUILD]      (default build)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
EG_BIN=$top/$BUILD/bin
EG_SRCDIR=$top
# shellcheck source=tests/lib/tap.sh
. "$top/tests/lib/tap.sh"
# shellcheck source=tests/lib/sim.sh
. "$top/tests/lib/sim.sh"

T=$(test_tmpdir)
[ -n "$T" ] && [ -d "$T" ] || exit 1
trap 'stop_tracked; rm -rf "$T"' EXIT
epp_doc "$T/check.xml" '<check><domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>example.com</domain:name></domain:check></check>'
sim_start "$T/sim" || exit 1
esend -q -l registrar1:secret1 -n 200 "$T/check.xml" >/dev/null   # warm up
one=$(esend -q -l registrar1:secret1 -n 1000 --stats "$T/check.xml")
many=$(esend -q -l registrar1:secret1 -c 16 --sync -n 2000 --stats "$T/check.xml")
echo "one session, 1000 x domain:check: $(sed -n 's/.*\(median_ms=[0-9.]*\).*\(p99_ms=[0-9.]*\).*/\1 \2/p' <<<"$one")"
echo "16 sessions x 2000 x domain:check: $(sed -n 's/.*\(rate_per_s=[0-9]*\).*/\1/p' <<<"$many") ($(sed -n 's/.*\(median_ms=[0-9.]*\).*/\1/p' <<<"$many"))"
echo "command log lines: $(wc -l <"$SIM_LOG")"
sim_stop
