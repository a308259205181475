#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The systemd units made from systemd/*.in pass `systemd-analyze verify` with
# nothing to say, and keep the settings the gate relies on: those of the build
# directory (make's default paths) and those made with PREFIX=/usr (what the
# Debian package installs, paths as the man pages give them).
#
# verify wants every program a unit runs to exist, and the man pages named in
# Documentation=. Rather than creating them on this machine, the check runs in
# a scratch root (--root): the standard units are copied there, each program
# the units name becomes a stub, and MANPATH points at our own man pages.
# Everything lives in one temporary directory, removed at the end.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/tap.sh
. "$here/../lib/tap.sh"

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze is not installed"
	exit 0
fi

root=$(test_tmpdir)
cleanup() {
	stop_tracked
	[ -n "${EG_KEEP_TMP:-}" ] || rm -rf -- "$root"
}
trap cleanup EXIT

# ---- the units, as make generates them ----------------------------------------
build_units=$EG_BUILD/systemd
# PREFIX=/usr, made by the Makefile's own rule into a scratch build directory.
make -s -C "$EG_SRCDIR" BUILD="$root/gen" PREFIX=/usr units >"$root/gen.log" 2>&1
ok $? "make PREFIX=/usr units"
units_dir=$root/gen/systemd
for d in "$build_units" "$units_dir"; do
	n=$(ls "$d"/*.service "$d"/*.path 2>/dev/null | wc -l)
	is "$n" "$(ls "$EG_SRCDIR"/systemd/*.service.in "$EG_SRCDIR"/systemd/*.path.in | wc -l)" \
	    "every template has its unit in ${d#"$root"/}"
	left=$(grep -l '@[A-Z]*@' "$d"/* 2>/dev/null)
	is "$left" "" "no placeholder left in ${d#"$root"/}"
done
is "$(sed -n 's/^ExecStart=//p' "$units_dir/epp-gate.service")" \
    "/usr/sbin/epp-gate --config /etc/epp-gate/epp-gate.conf" "PREFIX=/usr: ExecStart= runs /usr/sbin/epp-gate"
is "$(sed -n 's/^ExecStart=//p' "$units_dir/epp-gate@.service")" \
    "/usr/sbin/epp-gate --config /etc/epp-gate/%i.conf" "PREFIX=/usr: epp-gate@NAME reads /etc/epp-gate/NAME.conf"
make -s -C "$EG_SRCDIR" BUILD="$root/gen-local" PREFIX=/usr/local units >"$root/gen.log" 2>&1
is "$(sed -n 's/^ExecStart=//p' "$root/gen-local/systemd/epp-gate.service")" \
    "/usr/local/sbin/epp-gate --config /etc/epp-gate/epp-gate.conf" \
    "PREFIX=/usr/local: /usr/local/sbin/epp-gate, configuration still in /etc (ConfigurationDirectory=)"
is "$(cat "$units_dir/epp-gate.sysusers" | grep -v '^#')" 'u epp-gate - "epp-gate EPP gateway" /var/lib/epp-gate' \
    "sysusers.d: the user epp-gate, home /var/lib/epp-gate (StateDirectory=)"
is "$(grep -v '^#' "$units_dir/epp-gate.tmpfiles" | tr '\n' '|')" \
    'd /var/lib/epp-gate 0751 epp-gate epp-gate -|f /var/lib/epp-gate/health 0660 epp-gate epp-gate -|' \
    "tmpfiles.d: the health file exists for clients to append to (the gate never creates it)"

# ---- the scratch root -------------------------------------------------------
mkdir -p "$root/etc/systemd/system" "$root/usr/lib/systemd" "$root/usr/bin" \
	"$root/usr/sbin" "$root/man"
ln -s usr/bin "$root/bin"
ln -s usr/sbin "$root/sbin"
# The targets and slices our units order themselves against.
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"

units=()
for u in "$units_dir"/*.service "$units_dir"/*.path; do
	[ -f "$u" ] && units+=("$u")
done
ok $([ "${#units[@]}" -ge 6 ]; echo $?) "found ${#units[@]} units"

# A stub for every absolute program named by an Exec*= line (prefixes -@:+! dropped).
for u in "${units[@]}"; do
	cp "$u" "$root/etc/systemd/system/"
	sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\(\/[^ ]*\).*/\1/p' "$u"
done | sort -u | while read -r prog; do
	mkdir -p "$root$(dirname "$prog")"
	printf '#!/bin/sh\nexit 0\n' >"$root$prog"
	chmod 755 "$root$prog"
done

# Documentation=man:NAME(N) is looked up with man(1) outside the root.
for page in "$EG_SRCDIR"/man/*.[1-8]; do
	[ -f "$page" ] || continue
	sec=${page##*.}
	mkdir -p "$root/man/man$sec"
	cp "$page" "$root/man/man$sec/"
done
MANPATH="$root/man:$(manpath 2>/dev/null || echo /usr/share/man)"
export MANPATH

# ---- verify -----------------------------------------------------------------
verify() {
	systemd-analyze verify --root="$root" "$1" 2>&1
}

for u in "${units[@]}"; do
	name=$(basename "$u")
	out=$(verify "$name")
	rc=$?
	[ "$rc" -eq 0 ] && [ -z "$out" ]
	ok $? "systemd-analyze verify $name: clean"
	[ -n "$out" ] && diag "$out"
done
# The build directory's set (make's default paths) too.
for u in "$build_units"/*.service "$build_units"/*.path; do
	cp "$u" "$root/etc/systemd/system/"
	sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\(\/[^ ]*\).*/\1/p' "$u" | while read -r prog; do
		mkdir -p "$root$(dirname "$prog")"
		printf '#!/bin/sh\nexit 0\n' >"$root$prog"
		chmod 755 "$root$prog"
	done
done
out=$(verify "$build_units/epp-gate.service")
[ $? -eq 0 ] && [ -z "$out" ]
ok $? "systemd-analyze verify $(basename "$build_units")/epp-gate.service (make's default paths): clean"
[ -n "$out" ] && diag "$out"

# The check must be able to fail: a misspelt key and a bad value are reported.
sed -e 's/^ProtectSystem=/ProtectSytem=/' -e 's/^Type=notify/Type=notifyy/' \
	"$units_dir/epp-gate.service" >"$root/etc/systemd/system/broken-copy.service"
out=$(verify broken-copy.service)
like "$out" "Unknown key.*ProtectSytem" "verify reports a misspelt key (control)"
like "$out" "notifyy" "verify reports a bad value (control)"
rm -f "$root/etc/systemd/system/broken-copy.service"

# ---- what the gate and the operators rely on --------------------------------
svc=$units_dir/epp-gate.service
has() { grep -Eq "^$2\$" "$1"; }
for line in 'Type=notify' 'User=epp-gate' 'DynamicUser=no' 'Restart=on-failure' \
	'ExecReload=/bin/kill -HUP \$MAINPID' 'WatchdogSec=[0-9]+s?' 'NoNewPrivileges=yes' \
	'ProtectSystem=strict' 'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
	'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'StateDirectory=epp-gate' \
	'LogsDirectory=epp-gate' 'ConfigurationDirectory=epp-gate' 'RestartPreventExitStatus=64 78' \
	'StateDirectoryMode=0751'; do
	has "$svc" "$line"
	ok $? "epp-gate.service: $line"
done
for line in 'RestartPreventExitStatus=64 78' 'StateDirectory=epp-gate/%i' 'StateDirectoryMode=0751'; do
	has "$units_dir/epp-gate@.service" "$line"
	ok $? "epp-gate@.service: $line"
done
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)s\{0,1\}$/\1/p' "$svc")
[ -n "$stop" ] && [ "$stop" -ge 60 ]
ok $? "epp-gate.service: TimeoutStopSec (${stop:-none} s) leaves room to drain a 30 s command"
grep -q 'useradd --system' "$svc"
ok $? "epp-gate.service: documents useradd --system"
has "$units_dir/epp-gate@.service" 'ExecStart=.*--config /etc/epp-gate/%i\.conf'
ok $? "epp-gate@.service: instance NAME reads /etc/epp-gate/NAME.conf"
has "$units_dir/epp-gate-watcher.service" 'ExecStart=/bin/systemctl restart epp-gate\.service'
ok $? "epp-gate-watcher.service restarts epp-gate.service"
has "$units_dir/epp-gate-health.path" 'Unit=epp-gate-watcher\.service'
ok $? "epp-gate-health.path starts the watcher"

# node_exporter's textfile collector gets a link to the metrics file the example
# configuration names, in the state directory (mode 0751: the exporter's user reaches the
# file by name); the link stays after a stop, when the file says eppgate_up 0.
metrics=$(sed -n 's/^[[:space:]]*file = "\([^"]*metrics[^"]*\)";.*/\1/p' "$EG_SRCDIR/etc/epp-gate.conf.example")
is "$metrics" "/var/lib/epp-gate/metrics.prom" "the example's metrics.file is in /var/lib/epp-gate"
grep -Eq "^ExecStartPost=-\+/bin/sh -c '.*ln -sfn $metrics /var/lib/prometheus/node-exporter/epp-gate\.prom" "$svc"
ok $? "epp-gate.service links metrics.file into node_exporter's textfile directory"
grep -q '^ExecStopPost=.*node-exporter' "$svc"
is $? 1 "epp-gate.service keeps the link when the gate stops (the file then says eppgate_up 0)"

# The path unit watches the file the example configuration names.
watched=$(sed -n 's/^PathModified=//p' "$units_dir/epp-gate-health.path")
configured=$(sed -n 's/^[[:space:]]*file = "\([^"]*health[^"]*\)";.*/\1/p' \
	"$EG_SRCDIR/etc/epp-gate.conf.example")
is "$watched" "$configured" "epp-gate-health.path watches the example's health.file"

done_testing
