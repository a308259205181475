#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages epp-gate needs to build, test, benchmark and run the demo.
#   tools/deps.sh               install all of them (apt-get; as root or through sudo)
#   tools/deps.sh --if-missing  install only when one is missing (what `make check` calls)
#   tools/deps.sh --list        print the package names
set -euo pipefail

BUILD_PKGS=(gcc make pkg-config librabbitmq-dev libssl-dev libxml2-dev libjson-c-dev
            libconfig-dev libcurl4-openssl-dev libpq-dev libsqlite3-dev)
TEST_PKGS=(openssl rabbitmq-server python3 python3-pika valgrind clang libclang-rt-14-dev
           systemd procps iproute2 psmisc man-db postgresql sqlite3)
ALL_PKGS=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}")

missing() {
	local p
	for p in "${ALL_PKGS[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
	done
}

case "${1:-}" in
--list) printf '%s\n' "${ALL_PKGS[@]}"; exit 0 ;;
--if-missing)
	mapfile -t todo < <(missing)
	[ "${#todo[@]}" -eq 0 ] && exit 0
	;;
"") todo=("${ALL_PKGS[@]}") ;;
*) echo "usage: $0 [--if-missing|--list]" >&2; exit 64 ;;
esac

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: apt-get not found; install these packages by hand: ${todo[*]}" >&2
	exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "deps: need root or sudo to install: ${todo[*]}" >&2; exit 1; }
	sudo=(sudo)
fi
echo "deps: installing ${todo[*]}"
export DEBIAN_FRONTEND=noninteractive
# The rabbitmq-server and postgresql packages must not start system-wide services: tests
# run their own broker, cluster and database on loopback (tests/lib/broker.sh, cluster.sh,
# pg.sh). invoke-rc.d and deb-systemd-invoke ask policy-rc.d, which says no.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
	"${sudo[@]}" chmod 755 "$policy"
	created_policy=1
fi
status=0
"${sudo[@]}" apt-get update -qq || status=$?
if [ "$status" -eq 0 ]; then
	"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${todo[@]}" >/dev/null || status=$?
fi
[ "$created_policy" -eq 1 ] && "${sudo[@]}" rm -f "$policy"
exit "$status"
