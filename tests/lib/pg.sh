# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# A private PostgreSQL for tests: Debian's postgresql (initdb, pg_ctl), one cluster in a
# temporary directory, listening on 127.0.0.1 only (a port the kernel hands out) and on a
# Unix socket in that directory; no system-wide cluster or service is touched.
# Connections over the socket are trusted (setup, pg_psql); over TCP one role logs in with
# a password (SCRAM), like a deployment would.
#   pg_start DIR     starts it; exports PG_HOST (the socket directory), PG_PORT, PG_USER,
#                    PG_DB, PG_URL (postgresql://PG_USER@127.0.0.1:PG_PORT/PG_DB, no
#                    password) and PG_PASSWORD_FILE (the role's password, mode 0600)
#   pg_stop          stops it (only what pg_start started)
#   pg_psql SQL...   runs statements as the superuser in PG_DB; prints rows unaligned
#   pg_pids          PIDs of the server's processes
# Needs root (the server runs as the postgres user). Source tests/lib/tap.sh (or
# tests/lib/broker.sh) first: free_port.

# The newest PostgreSQL installed (Debian 12: 15).
_pg_bin() {
	local d
	d=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -1)
	[ -x "$d/initdb" ] || { echo "pg: no PostgreSQL server installed (Debian package postgresql)" >&2; return 1; }
	echo "$d"
}

_pg_ctl() { runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" "$@"; }

_pg_su() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U postgres "$@"
}

pg_psql() {
	local sql args=()
	for sql in "$@"; do
		args+=(-c "$sql")
	done
	_pg_su -A -t -d "$PG_DB" "${args[@]}"
}

pg_start() {
	local pw
	PG_BIN=$(_pg_bin) || return 1
	# DIR gets a link to the server's directory under /tmp (the postgres user must reach
	# it whatever the permissions of the build tree), and its log when it is stopped.
	PG_KEEP=$(mkdir -p "$1" && cd "$1" && pwd) || return 1
	PG_DIR=$(mktemp -d /tmp/eg-pg.XXXXXX) || return 1
	ln -sfn "$PG_DIR" "$PG_KEEP/data"
	chown postgres:postgres "$PG_DIR"
	chmod 755 "$PG_DIR"
	PG_HOST=$PG_DIR
	PG_PORT=$(free_port) || return 1
	PG_USER=eppgate
	PG_DB=eppgate
	PG_URL="postgresql://$PG_USER@127.0.0.1:$PG_PORT/$PG_DB"
	PG_PASSWORD_FILE=$PG_DIR/password
	export PG_HOST PG_PORT PG_USER PG_DB PG_URL PG_PASSWORD_FILE PG_DIR PG_KEEP PG_BIN
	runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -A trust -U postgres -E UTF8 \
	    --locale=C --no-sync >"$PG_DIR/initdb.log" 2>&1 || {
		echo "pg: initdb failed; see $PG_DIR/initdb.log" >&2
		return 1
	}
	# Small and quick (the data is thrown away): no fsync, few buffers and connections.
	cat >>"$PG_DIR/data/postgresql.conf" <<-CONF
		fsync = off
		synchronous_commit = off
		full_page_writes = off
		shared_buffers = 16MB
		max_connections = 40
		password_encryption = scram-sha-256
	CONF
	# The socket trusts everyone (setup); TCP admits only the role, by password.
	cat >"$PG_DIR/data/pg_hba.conf" <<-HBA
		local all all trust
		host $PG_DB $PG_USER 127.0.0.1/32 scram-sha-256
	HBA
	_pg_ctl -l "$PG_DIR/log" -w -t 60 \
	    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR" start >/dev/null 2>&1 || {
		echo "pg: the server did not start; see $PG_DIR/log" >&2
		return 1
	}
	pw=$(od -An -tx1 -N16 /dev/urandom | tr -d " \n")
	(umask 077; printf '%s\n' "$pw" >"$PG_PASSWORD_FILE") || return 1
	# The password goes through standard input (not a command line), and this session's
	# statements are not logged even if one fails: it is written nowhere else.
	_pg_su -d postgres -f - >/dev/null <<-SQL || return 1
		SET log_min_error_statement = panic;
		SET log_statement = none;
		CREATE ROLE $PG_USER LOGIN PASSWORD '$pw';
		CREATE DATABASE $PG_DB OWNER $PG_USER;
	SQL
}

pg_pids() {
	local pid
	[ -n "${PG_DIR:-}" ] || return 0
	pid=$(head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	echo "$pid"
	ps -o pid= --ppid "$pid" | tr -d ' '
}

pg_stop() {
	local pid
	[ -n "${PG_DIR:-}" ] || return 0
	pid=$(head -1 "$PG_DIR/data/postmaster.pid" 2>/dev/null)
	[ -n "$pid" ] && _pg_ctl -m fast -w -t 30 stop >/dev/null 2>&1
	# A server pg_ctl could not stop: by its PID (its children follow the postmaster).
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -QUIT "$pid" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	fi
	if [ -d "$PG_DIR" ] && [ -n "${PG_KEEP:-}" ]; then
		rm -rf "$PG_KEEP/data"
		cp "$PG_DIR/log" "$PG_DIR/initdb.log" "$PG_KEEP/" 2>/dev/null
		rm -rf "$PG_DIR"
	fi
	PG_DIR=
	return 0
}
