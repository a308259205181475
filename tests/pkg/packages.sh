#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian packages (make deb) as an administrator meets them: installed with
# apt-get on this machine, the installed example configuration completed and checked,
# the installed units verified, a request carried end to end by the installed
# programs (epp-sim, epp-gate as the system user, a client compiled against
# libeppgate-rpc-dev through pkg-config), then everything purged and the machine
# checked for leftovers against the file lists recorded before the purge.
#   tests/pkg/packages.sh [DEBDIR]     (default build/deb; make check-packages)
# Needs root. Prints TAP and "N passed, M failed". The packages are purged at the end,
# also when a check fails.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
export EG_SRCDIR=$top
# shellcheck source=tests/lib/tap.sh
. "$top/tests/lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$top/tests/lib/broker.sh"
EPP_SIM=/usr/bin/epp-sim
# shellcheck source=tests/lib/sim.sh
. "$top/tests/lib/sim.sh"

PKGS=(epp-gate libeppgate-rpc1 libeppgate-rpc-dev epp-gate-tools epp-sim)
VERSION=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' "$top/Makefile")
debdir=$(cd "${1:-$top/build/deb}" 2>/dev/null && pwd) || { echo "Bail out! no ${1:-build/deb}"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "Bail out! needs root (installs packages, runs a broker)"; exit 1; }

T=$(mktemp -d /tmp/eg-pkg.XXXXXX)
chmod 755 "$T"
installed=0
summary() {
	echo "$((_tap_n - _tap_failed)) passed, $_tap_failed failed"
}
purge() {
	DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${PKGS[@]}" >"$T/purge.log" 2>&1
}
cleanup() {
	stop_tracked
	broker_stop
	if [ "$installed" -eq 1 ]; then
		echo "# purging the packages after an early exit"
		purge
	fi
	[ -n "${EG_KEEP_TMP:-}" ] || rm -rf -- "$T"
}
trap cleanup EXIT

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }

# ---- the packages -------------------------------------------------------------
debs=()
for p in "${PKGS[@]}"; do
	f=$debdir/${p}_${VERSION}_$(dpkg --print-architecture).deb
	[ -f "$f" ]
	ok $? "$(basename "$f") was built"
	[ -f "$f" ] && debs+=("$f")
done
[ "${#debs[@]}" -eq "${#PKGS[@]}" ] || { echo "Bail out! packages missing in $debdir"; summary; exit 1; }
# The journal's libraries are loaded at run time (gate/dynlib.h), out of dh_shlibdeps'
# sight: debian/control names them.
deps=$(dpkg-deb -f "${debs[0]}" Depends)
like "$deps" '(^|, )libsqlite3-0 \(>= 3\.37\.0\)(,|$)' "epp-gate depends on libsqlite3-0 (>= 3.37.0), which it loads"
like "$deps" '(^|, )libpq5(,|$)' "and on libpq5, which it loads"
# lintian: no error; the warnings are listed (make deb's README section says which stay).
changes=$(ls "$debdir"/*.changes 2>/dev/null | head -1)
if command -v lintian >/dev/null 2>&1 && [ -n "$changes" ]; then
	lintian --no-tag-display-limit "$changes" >"$T/lintian.log" 2>&1
	errors=$(grep -c '^E: ' "$T/lintian.log")
	is "$errors" 0 "lintian reports no error"
	grep -E '^[EW]: ' "$T/lintian.log" | sed 's/^/# lintian: /'
else
	ok 1 "lintian and a .changes file are there"
fi

for p in "${PKGS[@]}"; do
	if is_installed "$p"; then
		diag "$p is installed already (an earlier run?): purging it first"
		purge
		break
	fi
done

# Directories the packages name that exist before: they are not ours to remove.
for f in "${debs[@]}"; do dpkg-deb -c "$f"; done | awk '$1 ~ /^d/ {print substr($6, 2)}' |
    sed 's|/$||' | sort -u | while read -r d; do
	[ -n "$d" ] && [ -d "$d" ] && echo "$d"
done >"$T/dirs-before"

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${debs[@]}" \
    >"$T/install.log" 2>&1
rc=$?
installed=1
ok $rc "apt-get install ./*.deb (dependencies resolved by apt)"
[ $rc -eq 0 ] || { sed 's/^/# /' "$T/install.log" | tail -20; echo "Bail out! cannot install"; summary; exit 1; }
for p in "${PKGS[@]}"; do
	dpkg -L "$p" >"$T/$p.list"
done
cat "$T"/*.list | sort -u >"$T/all.list"

# ---- what the administrator finds ------------------------------------------------
like "$(epp-gate --version 2>&1)" "$VERSION" "epp-gate --version says $VERSION"
is "$(command -v epp-gate)" /usr/sbin/epp-gate "epp-gate is /usr/sbin/epp-gate"
ent=$(getent passwd epp-gate)
ok $? "the system user epp-gate exists (sysusers.d)"
uid=$(echo "$ent" | cut -d: -f3)
[ -n "$uid" ] && [ "$uid" -lt 1000 ]
ok $? "epp-gate is a system user (uid ${uid:-none})"
is "$(stat -c '%U:%G %a' /etc/epp-gate)" "root:epp-gate 750" "/etc/epp-gate: root:epp-gate 0750"
is "$(stat -c '%U:%G %a' /etc/epp-gate/epp-gate.conf)" "root:epp-gate 640" \
    "/etc/epp-gate/epp-gate.conf: root:epp-gate 0640"
like "$(dpkg-query -W -f='${Conffiles}' epp-gate)" "/etc/epp-gate/epp-gate\.conf " \
    "/etc/epp-gate/epp-gate.conf is a conffile"
is "$(systemctl is-enabled epp-gate.service 2>/dev/null)" disabled \
    "epp-gate.service is not enabled (nothing runs until it is configured)"
is "$(systemctl is-enabled epp-gate-health.path 2>/dev/null)" disabled "epp-gate-health.path is not enabled"
is "$(stat -c '%U:%G %a' /var/lib/epp-gate/health 2>&1)" "epp-gate:epp-gate 660" \
    "the health file exists for clients to append to (tmpfiles.d; the gate never creates it)"
is "$(stat -c %a /var/lib/epp-gate 2>&1)" 751 "/var/lib/epp-gate: mode 0751 (the metrics file is reachable by name)"
out=$(epp-gate --config /etc/epp-gate/epp-gate.conf --check-config 2>&1)
[ $? -ne 0 ]
ok $? "the conffile as installed does not pass --check-config (placeholders)"
diag "${out%%$'\n'*}"
ldconfig -p | grep -Eq "libeppgate-rpc\.so\.1 .*=> (/usr)?/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/libeppgate-rpc\.so\.1$"
ok $? "ldconfig knows libeppgate-rpc.so.1"
is "$(pkg-config --modversion eppgate-rpc 2>&1)" "$VERSION" "pkg-config eppgate-rpc: $VERSION"
for page in 8:epp-gate 5:epp-gate.conf 1:epp-rpc 1:epp-sim; do
	man -w "${page%%:*}" "${page#*:}" >/dev/null 2>&1
	ok $? "man ${page%%:*} ${page#*:} is installed"
done
# shellcheck disable=SC1091
words=$(bash -c '. /usr/share/bash-completion/completions/epp-rpc; COMP_WORDS=(epp-rpc domain_ch)
    COMP_CWORD=1; _epp_rpc; echo "${COMPREPLY[*]}"' 2>&1)
is "$words" domain_check "bash completion of epp-rpc: domain_ch -> domain_check"

# ---- the installed units ---------------------------------------------------------
units=()
while read -r f; do
	case "$f" in */systemd/system/*.service | */systemd/system/*.path) units+=("$f") ;; esac
done <"$T/epp-gate.list"
is "${#units[@]}" 6 "epp-gate installs 6 units"
for u in "${units[@]}"; do
	out=$(systemd-analyze verify "$u" 2>&1)
	[ $? -eq 0 ] && [ -z "$out" ]
	ok $? "systemd-analyze verify $u: clean"
	[ -n "$out" ] && diag "$out"
done
grep -q '^ExecStart=/usr/sbin/epp-gate --config /etc/epp-gate/epp-gate.conf$' /lib/systemd/system/epp-gate.service
ok $? "the installed epp-gate.service runs /usr/sbin/epp-gate with /etc/epp-gate/epp-gate.conf"

# ---- the example configuration, completed --------------------------------------------
"$top/tests/lib/certs.sh" "$T/certs" >/dev/null 2>&1
ok $? "test certificates"
broker_start "$T/broker" >/dev/null 2>&1
ok $? "a private RabbitMQ broker on 127.0.0.1:${AMQP_PORT:-?}"
SIM_CERTS=$T/certs sim_start "$T/sim" --account "registrar1:password-one"
ok $? "the installed epp-sim on 127.0.0.1:${SIM_PORT:-?}"

# The conffile with its placeholders replaced; state under $T, owned by the gate's user,
# and the metrics in a directory like the unit's state directory (mode 0751).
install -d -o epp-gate -g epp-gate -m 0750 "$T/state"
install -d -o epp-gate -g epp-gate -m 0751 "$T/run"
printf 'password-one\n' >"$T/epp.password"
printf 'guest\n' >"$T/rabbitmq.password"
chown epp-gate "$T/epp.password" "$T/rabbitmq.password"
chmod 600 "$T/epp.password" "$T/rabbitmq.password"
sed -e 's|"epp.registry.example"|"localhost"|' \
    -e "s|port = 700;|port = $SIM_PORT;|" \
    -e 's|"registrar-id"|"registrar1"|' \
    -e "s|\"/etc/epp-gate/epp.password\"|\"$T/epp.password\"|" \
    -e "/^epp:/,/^};/ s|ca_file = \"\";|ca_file = \"$T/certs/ca.crt\";|" \
    -e 's|"/etc/epp-gate/client.crt"|""|' -e 's|"/etc/epp-gate/client.key"|""|' \
    -e "s|\"localhost:5672\"|\"127.0.0.1:$AMQP_PORT\"|" \
    -e 's|user = "epp_gate";|user = "guest";|' \
    -e "s|\"/etc/epp-gate/rabbitmq.password\"|\"$T/rabbitmq.password\"|" \
    -e "s|\"/var/lib/epp-gate/metrics.prom\"|\"$T/run/metrics.prom\"|" \
    -e "s|\"/var/lib/epp-gate/|\"$T/state/|" \
    -e 's|interval = 10; |interval = 1; |' \
    /etc/epp-gate/epp-gate.conf >"$T/gate.conf"
chgrp epp-gate "$T/gate.conf"
chmod 640 "$T/gate.conf"
left=$(sed -e 's/^[[:space:]]*#.*//' -e 's/[[:space:]]#.*//' "$T/gate.conf" |
    grep -nE 'registry\.example|registrar-id|/etc/epp-gate/|/var/lib/epp-gate|/run/epp-gate|:5672"|epp_gate"')
is "$left" "" "every placeholder of the installed configuration is replaced"
gate=(setpriv --reuid=epp-gate --regid=epp-gate --init-groups /usr/sbin/epp-gate --config "$T/gate.conf")
out=$("${gate[@]}" --check-config 2>&1)
ok $? "epp-gate --check-config on the completed configuration, as user epp-gate"
[ -n "$out" ] && diag "${out##*$'\n'}"

# ---- a request end to end --------------------------------------------------------------
"${gate[@]}" >"$T/gate.out" 2>&1 &
GATE_PID=$!
track_pid "$GATE_PID"
rpc() {
	/usr/bin/epp-rpc --no-env -H 127.0.0.1 -p "$AMQP_PORT" --user guest --password guest -q epp_messages "$@"
}
up() { [[ "$(rpc -t 1 gate_status 2>/dev/null)" =~ \"up\":[1-9] ]]; }
wait_for 30 up
ok $? "the installed epp-gate, run as user epp-gate, logs in to epp-sim and consumes"
up || sed 's/^/#   /' "$T/gate.out" | tail -15
cc -o "$T/check" /usr/share/doc/libeppgate-rpc-dev/examples/check.c \
    $(pkg-config --cflags --libs eppgate-rpc) 2>"$T/cc.err"
ok $? "examples/check.c compiles against libeppgate-rpc-dev (pkg-config eppgate-rpc)"
[ -s "$T/cc.err" ] && diag "$(cat "$T/cc.err")"
like "$(ldd "$T/check" 2>&1)" "libeppgate-rpc\.so\.1 => (/usr)?/lib/[^ ]*/libeppgate-rpc\.so\.1 " \
    "check links the installed libeppgate-rpc.so.1"
out=$(RPC_CLIENT_CONF="{\"host\": \"127.0.0.1\", \"port\": \"$AMQP_PORT\", \"username\": \"guest\",
    \"password\": \"guest\", \"timeout\": 20, \"queue_name\": \"epp_messages\"}" \
    RPC_CLIENT_CONF_PATH= "$T/check" available-example.com 2>&1)
rc=$?
is "$rc" 0 "check available-example.com through the installed library: the registry answered"
like "$out" '^1000 .*available-example\.com' "its reply is the registry's domain:check result"
out=$(rpc domain_check '{"domains": ["another-example.net"]}' 2>&1)
ok $? "epp-rpc (epp-gate-tools) domain_check through the installed gate"
wait_for 5 grep -q '^eppgate_requests_total' "$T/run/metrics.prom"
ok $? "the gate writes its metrics file"
is "$(stat -c %a "$T/run/metrics.prom" 2>/dev/null)" 644 \
    "the metrics file is mode 0644 (node_exporter reads it as another user)"
setpriv --reuid=nobody --regid=nogroup --clear-groups cat "$T/run/metrics.prom" >/dev/null 2>&1
ok $? "another user (nobody) can read it"
kill -TERM "$GATE_PID" 2>/dev/null
wait_for 20 sh -c "! kill -0 $GATE_PID"
wait "$GATE_PID"
is "$?" 0 "the gate stops on SIGTERM with status 0"
sim_stop >/dev/null 2>&1
broker_stop

# ---- purge -------------------------------------------------------------------------------
purge
rc=$?
ok $rc "apt-get purge of the 5 packages"
[ $rc -eq 0 ] || sed 's/^/# /' "$T/purge.log" | tail -10
installed=0
for p in "${PKGS[@]}"; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)
	[ -z "$st" ] || [[ "$st" == un* ]] || [[ "$st" == pn* ]]
	ok $? "$p is gone from dpkg's database (${st:-no record})"
done
left=()
while read -r f; do
	[ -n "$f" ] && [ "$f" != /. ] || continue
	grep -qxF "$f" "$T/dirs-before" && continue
	if [ -L "$f" ] || [ -f "$f" ]; then
		left+=("$f")
	elif [ -d "$f" ]; then
		left+=("$f/")
	fi
done <"$T/all.list"
is "${left[*]}" "" "nothing of the packages' files and directories is left (dpkg -L, before the purge)"
for d in /etc/epp-gate /var/lib/epp-gate /var/log/epp-gate; do
	[ ! -e "$d" ]
	ok $? "$d is gone"
done
getent passwd epp-gate >/dev/null && diag "the system user epp-gate stays (Debian keeps system users)"

done_testing
rc=$?
summary
exit "$rc"
