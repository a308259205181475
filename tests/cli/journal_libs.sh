#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The journal's libraries are loaded when a journal is opened, not linked (gate/dynlib.h):
# epp-gate links neither SQLite nor libpq, a gate without a journal maps neither, one with
# journal.file maps SQLite; without SQLite installed such a gate refuses to start, naming
# the library and its package (hidden by a bind mount in a mount namespace of its own:
# root only). No broker or registry: the gate opens its journal before it connects.
. "$(dirname "$0")/../lib/tap.sh"
gate=$EG_BIN/epp-gate
T=$(mktemp -d); trap 'stop_tracked; rm -rf "$T"' EXIT
"$EG_SRCDIR/tests/lib/certs.sh" "$T/certs" >/dev/null 2>&1
ok $? "test certificates"
umask 077

# conf NAME [EXTRA]: a configuration whose broker and registry are closed local ports.
conf() {
	cat >"$T/$1.conf" <<-CONF
		epp: { host = "localhost"; port = $(free_port); login = "registrar1";
		  password = "password-one"; sessions = 1; tls: { ca_file = "$T/certs/ca.crt"; }; };
		broker: { hosts = [ "127.0.0.1:$(free_port)" ]; queue: { name = "journal_libs"; }; };
		${2:-}
	CONF
}

# mapped PID: the shared objects the process has mapped, one a line.
mapped() { awk '$6 ~ /\.so/ { print $6 }' "/proc/$1/maps" | sort -u; }

# run NAME: starts the gate with NAME.conf; $pid, its output in NAME.out.
run() {
	"$gate" --config "$T/$1.conf" >"$T/$1.out" 2>&1 &
	pid=$!
	track_pid "$pid"
	watch_log "$T/$1.out"
}

libs=$(ldd "$gate")
[[ "$libs" != *libsqlite3* && "$libs" != *libpq* ]]
ok $? "epp-gate links neither SQLite nor libpq"

conf none
run none
wait_for 10 grep -q 'epp-gate .* started' "$T/none.out"
ok $? "a gate without a journal starts"
maps=$(mapped "$pid")
[[ -n "$maps" && "$maps" != *libsqlite3* && "$maps" != *libpq* ]]
ok $? "and maps neither library"
stop_tracked

conf sqlite "journal: { file = \"$T/journal\"; };"
run sqlite
wait_for 10 grep -q 'epp-gate .* started' "$T/sqlite.out"
ok $? "a gate with journal.file starts"
like "$(mapped "$pid")" "/libsqlite3\.so\.0" "it has loaded libsqlite3.so.0"
[[ "$(mapped "$pid")" != *libpq* ]]
ok $? "and not libpq"
stop_tracked
[ -s "$T/journal" ]
ok $? "its journal was made"

so=$(readlink -f "$(ldconfig -p 2>/dev/null | awk '$1 == "libsqlite3.so.0" { print $NF; exit }')")
if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null || [ ! -f "$so" ]; then
	for _ in 1 2 3; do ok 0 "# SKIP hiding SQLite needs root, unshare and the library"; done
else
	rm -f "$T/journal"
	# /dev/null over the library: dlopen finds the file and cannot load it.
	timeout 20 unshare --mount --propagation private sh -c 'mount --bind /dev/null "$1" && exec "$2" --config "$3"' \
	    sh "$so" "$gate" "$T/sqlite.conf" >"$T/hidden.out" 2>&1
	is "$?" 1 "without SQLite, a gate with journal.file refuses to start: exit 1"
	like "$(cat "$T/hidden.out")" 'error: cannot start: journal: the SQLite journal needs libsqlite3\.so\.0 \(Debian package libsqlite3-0\): [^ ]*libsqlite3\.so\.0' \
	    "saying which library it needs, from which package, and why it could not be loaded"
	[ ! -e "$T/journal" ]
	ok $? "having made no journal file"
fi
done_testing
