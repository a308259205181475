# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# A private RabbitMQ broker for tests, demo and benchmarks: Debian's rabbitmq-server,
# on 127.0.0.1 only, on ports the kernel hands out, with its own node name, epmd,
# data and log directories, so it cannot clash with any other broker.
#   broker_start DIR   starts it; exports AMQP_HOST AMQP_PORT BROKER_NODE
#   broker_stop        stops it (only what broker_start started)
#   broker_restart     stop + start on the same port (for restart tests)
# Needs root (the Debian wrapper switches to the rabbitmq user).
# The _rmq_* functions run one node of any shape; tests/lib/cluster.sh builds on them.

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The PID of the process listening on a port, when it has the given name.
_pid_on_port() {
	ss -ltnpH "sport = :$1" 2>/dev/null | grep -o "\"$2\",pid=[0-9]*" | head -1 | cut -d= -f2
}

# ---- one RabbitMQ node -----------------------------------------------------
# A node is named by a command (a function and its arguments, one string, e.g.
# "_broker_env" or "_cluster_env 2") that exports what the rabbitmq-server and
# rabbitmqctl scripts read; it may set RMQ_COOKIE for the command-line tools.

# _rmq_node_env NODE DIR AMQP_PORT DIST_PORT EPMD_PORT [ERL_ARGS]
_rmq_node_env() {
	export RABBITMQ_NODENAME=$1
	export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
	export RABBITMQ_NODE_PORT=$3
	export RABBITMQ_DIST_PORT=$4
	export ERL_EPMD_ADDRESS=127.0.0.1
	export ERL_EPMD_PORT=$5
	export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}${6:+ $6}"
	export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
	export RABBITMQ_MNESIA_BASE=$2/mnesia
	export RABBITMQ_LOG_BASE=$2/log
	export RABBITMQ_PID_FILE=$2/broker.pid
	export RABBITMQ_ENABLED_PLUGINS_FILE=$2/enabled_plugins
	export RABBITMQ_CONFIG_FILE=$2/rabbitmq
	export RABBITMQ_ADVANCED_CONFIG_FILE=$2/advanced.config
	RMQ_COOKIE=
}

# _rmq_prepare DIR AMQP_PORT [CONFIG_LINE...]: a node's directories and configuration
# (quiet, loopback only; guest works from loopback only). The node runs as the rabbitmq
# user, which must reach DIR: it belongs under /tmp, world-traversable.
_rmq_prepare() {
	local dir=$1 port=$2
	shift 2
	mkdir -p "$dir/mnesia" "$dir/log" || return 1
	echo "[]." >"$dir/enabled_plugins"
	{
		echo "listeners.tcp.default = 127.0.0.1:$port"
		echo "log.console = false"
		echo "log.file.level = warning"
		echo "disk_free_limit.absolute = 50MB"
		printf '%s\n' "$@"
	} >"$dir/rabbitmq.conf"
	echo "[]." >"$dir/advanced.config"
	chown -R rabbitmq:rabbitmq "$dir" 2>/dev/null
	chmod 755 "$dir"
}

# _rmq_cli NODECMD TOOL ARGS...: rabbitmqctl (or rabbitmq-queues, ...) on that node,
# never longer than RMQ_CLI_TIMEOUT seconds.
_rmq_cli() {
	local nodecmd=$1 tool=$2
	shift 2
	# shellcheck disable=SC2086 # NODECMD is a function name and its arguments
	( $nodecmd; timeout "${RMQ_CLI_TIMEOUT:-60}" "$tool" -q -n "$RABBITMQ_NODENAME" \
	    ${RMQ_COOKIE:+--erlang-cookie "$RMQ_COOKIE"} "$@" )
}

# _rmq_alive PID: the process exists (and is not a zombie).
_rmq_alive() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
	! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# _rmq_procs DIR...: the PIDs of the nodes' processes (VM, helper programs, command-line
# tools run for it), found by the node's directory in their environment (unique to it),
# so also before the node wrote its pid file.
_rmq_procs() {
	local d pats=()
	for d in "$@"; do
		pats+=(-e "RABBITMQ_MNESIA_BASE=$d/mnesia")
	done
	grep -lszxF "${pats[@]}" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3
}

# _rmq_boot NODECMD DIR: starts the node (rabbitmq-server returns at once).
_rmq_boot() {
	rm -f "$2/broker.pid"
	# shellcheck disable=SC2086 # NODECMD is a function name and its arguments
	( $1; rabbitmq-server -detached ) >"$2/launch.log" 2>&1
}

# _rmq_await NODECMD DIR [SECONDS]: waits until RabbitMQ runs on a booting node; gives up
# as soon as the node has no process left. Until its AMQP port opens (late in the boot)
# only the port is watched: each rabbitmqctl run costs a second or two of CPU, which
# booting nodes need more.
_rmq_await() {
	local nodecmd=$1 dir=$2 deadline=$((SECONDS + ${3:-90})) port left
	# shellcheck disable=SC2086
	port=$( $nodecmd; echo "$RABBITMQ_NODE_PORT" )
	while [ "$SECONDS" -lt "$deadline" ]; do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			left=$((deadline - SECONDS))
			[ "$left" -gt 0 ] || left=1
			RMQ_CLI_TIMEOUT=$((left + 5)) _rmq_cli "$nodecmd" rabbitmqctl await_startup \
			    --timeout "$left" >/dev/null 2>&1 && return 0
		fi
		if [ -z "$(_rmq_procs "$dir")" ]; then
			sleep 0.5	# (a process between two programs)
			[ -z "$(_rmq_procs "$dir")" ] && break
		fi
		sleep 0.2
	done
	echo "RabbitMQ node did not come up; see $dir/log" >&2
	return 1
}

# _rmq_launch NODECMD DIR [SECONDS]: both.
_rmq_launch() { _rmq_boot "$1" "$2" && _rmq_await "$@"; }

# _rmq_stop NODECMD DIR: stops the node; one rabbitmqctl cannot stop is ended by its PID.
_rmq_stop() {
	local nodecmd=$1 dir=$2 pid
	pid=$(cat "$dir/broker.pid" 2>/dev/null)
	if [ -z "$pid" ] || _rmq_alive "$pid"; then
		RMQ_CLI_TIMEOUT=30 _rmq_cli "$nodecmd" rabbitmqctl stop >/dev/null 2>&1
	fi
	for _ in $(seq 1 50); do
		_rmq_alive "$pid" || break
		sleep 0.2
	done
	_rmq_alive "$pid" && kill -KILL "$pid" 2>/dev/null
	for _ in $(seq 1 50); do
		_rmq_alive "$pid" || return 0
		sleep 0.1
	done
	return 1
}

# ---- the single broker -----------------------------------------------------
_broker_env() {
	_rmq_node_env "$BROKER_NODE" "$BROKER_DIR" "$AMQP_PORT" "$BROKER_DIST_PORT" "$BROKER_EPMD_PORT"
}

_broker_ctl() { _rmq_cli _broker_env rabbitmqctl "$@"; }

_broker_launch() { _rmq_launch _broker_env "$BROKER_DIR" 90; }

broker_start() {
	# DIR gets a link to the broker's directories under /tmp, and their logs when the
	# broker is stopped.
	BROKER_KEEP=$(mkdir -p "$1" && cd "$1" && pwd)
	BROKER_DIR=$(mktemp -d /tmp/eg-broker.XXXXXX) || return 1
	ln -sfn "$BROKER_DIR" "$BROKER_KEEP/data"
	AMQP_HOST=127.0.0.1
	AMQP_PORT=$(free_port)
	BROKER_DIST_PORT=$(free_port)
	BROKER_EPMD_PORT=$(free_port)
	BROKER_NODE="egtest$$-$AMQP_PORT@localhost"
	export AMQP_HOST AMQP_PORT BROKER_NODE BROKER_DIR BROKER_KEEP BROKER_DIST_PORT BROKER_EPMD_PORT
	_rmq_prepare "$BROKER_DIR" "$AMQP_PORT" "vm_memory_high_watermark.relative = 0.4" || return 1
	_broker_launch
}

broker_stop() {
	local pid
	[ -n "${BROKER_NODE:-}" ] || return 0
	_rmq_stop _broker_env "$BROKER_DIR"
	# The epmd started for this broker on its own port ("epmd -kill" refuses while the
	# node is still registered, so by PID).
	pid=$(_pid_on_port "$BROKER_EPMD_PORT" epmd)
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	if [ -d "$BROKER_DIR" ] && [ -n "${BROKER_KEEP:-}" ]; then
		rm -rf "$BROKER_KEEP/log" "$BROKER_KEEP/data"
		cp -r "$BROKER_DIR/log" "$BROKER_KEEP/log" 2>/dev/null
		cp "$BROKER_DIR/launch.log" "$BROKER_KEEP/" 2>/dev/null
		rm -rf "$BROKER_DIR"
	fi
	BROKER_NODE=
	return 0
}

# Stops and starts the same node on the same port (data kept): for restart tests.
broker_restart() {
	_rmq_stop _broker_env "$BROKER_DIR"
	_broker_launch
}

# Stops the broker without starting it again (broker_resume brings it back).
broker_pause() { _rmq_stop _broker_env "$BROKER_DIR"; }
broker_resume() { _broker_launch; }
