#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs the Debian packages epp-gate needs, by purpose:
#   build  compiling and installing (make, make install): what a production host needs
#   test   the test suites, the demo, the benchmarks (broker, database, valgrind, clang...)
#   deb    building and checking the Debian packages (make deb, make check-packages)
#
#   tools/deps.sh [SET...]               install the sets (default: build), apt-get as root
#                                        or through sudo
#   tools/deps.sh --if-missing [SET...]  only when one of their packages is missing
#   tools/deps.sh --list [SET...]        print the package names
#   --as WHAT  the caller's name in messages ("make check")
#   --root WHY the caller needs root itself, WHY being "to run the test broker (...)":
#              a user who is not root hears so at once, in one line, before anything is
#              installed or built
set -euo pipefail

BUILD_PKGS=(gcc make pkg-config librabbitmq-dev libssl-dev libxml2-dev libjson-c-dev
            libconfig-dev libcurl4-openssl-dev libsqlite3-dev libpq-dev libidn2-dev)
TEST_PKGS=(openssl rabbitmq-server python3 python3-pika valgrind clang libclang-rt-14-dev
           systemd procps iproute2 psmisc man-db mandoc postgresql sqlite3)
DEB_PKGS=(build-essential dpkg-dev debhelper lintian devscripts)

if_missing=0 list=0 as=deps need_root=0 why= sets=()
while [ $# -gt 0 ]; do
	case "$1" in
	--if-missing) if_missing=1 ;;
	--list) list=1 ;;
	--as) as=${2:?--as needs a name}; shift ;;
	--root) need_root=1; why=${2:?--root needs a reason}; shift ;;
	build|test|deb) sets+=("$1") ;;
	*) echo "usage: $0 [--if-missing|--list] [--as WHAT] [--root WHY] [build|test|deb]..." >&2
	   exit 64 ;;
	esac
	shift
done
[ "${#sets[@]}" -gt 0 ] || sets=(build)
pkgs=()
for s in "${sets[@]}"; do
	case "$s" in
	build) pkgs+=("${BUILD_PKGS[@]}") ;;
	test) pkgs+=("${TEST_PKGS[@]}") ;;
	deb) pkgs+=("${DEB_PKGS[@]}") ;;
	esac
done

if [ "$list" -eq 1 ]; then
	printf '%s\n' "${pkgs[@]}" | awk '!seen[$0]++'
	exit 0
fi

missing() {
	local p
	for p in "${pkgs[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
	done | awk '!seen[$0]++'
}

if [ "$if_missing" -eq 1 ]; then
	mapfile -t todo < <(missing)
else
	todo=("${pkgs[@]}")
fi

is_root=0
[ "$(id -u)" -eq 0 ] && is_root=1
have_sudo=0
command -v sudo >/dev/null 2>&1 && have_sudo=1
if [ "$is_root" -eq 0 ] && [ "$need_root" -eq 1 ]; then
	if [ "${#todo[@]}" -gt 0 ]; then
		echo "$as: needs root to install ${todo[*]} and $why; run it as root" >&2
	else
		echo "$as: needs root $why; run it as root" >&2
	fi
	exit 1
fi
[ "${#todo[@]}" -eq 0 ] && exit 0
if [ "$is_root" -eq 0 ] && [ "$have_sudo" -eq 0 ]; then
	echo "$as: needs root to install ${todo[*]} (there is no sudo); run it as root, or have root run: apt-get install ${todo[*]}" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "$as: apt-get not found; install these packages by hand: ${todo[*]}" >&2
	exit 1
fi
sudo=()
[ "$is_root" -eq 1 ] || sudo=(sudo)
echo "$as: installing ${todo[*]}"
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
