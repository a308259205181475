# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# A private RabbitMQ broker for tests, demo and benchmarks: Debian's rabbitmq-server,
# on 127.0.0.1 only, on ports the kernel hands out, with its own node name, epmd,
# data and log directories, so it cannot clash with any other broker.
#   broker_start DIR   starts it; exports AMQP_HOST AMQP_PORT BROKER_NODE
#   broker_stop        stops it (only what broker_start started)
#   broker_restart     stop + start on the same port (for restart tests)
# Needs root (the Debian wrapper switches to the rabbitmq user).

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

_broker_env() {
	export RABBITMQ_NODENAME=$BROKER_NODE
	export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
	export RABBITMQ_NODE_PORT=$AMQP_PORT
	export RABBITMQ_DIST_PORT=$BROKER_DIST_PORT
	export ERL_EPMD_ADDRESS=127.0.0.1
	export ERL_EPMD_PORT=$BROKER_EPMD_PORT
	export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
	export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
	export RABBITMQ_MNESIA_BASE=$BROKER_DIR/mnesia
	export RABBITMQ_LOG_BASE=$BROKER_DIR/log
	export RABBITMQ_PID_FILE=$BROKER_DIR/broker.pid
	export RABBITMQ_ENABLED_PLUGINS_FILE=$BROKER_DIR/enabled_plugins
	export RABBITMQ_CONFIG_FILE=$BROKER_DIR/rabbitmq
	export RABBITMQ_ADVANCED_CONFIG_FILE=$BROKER_DIR/advanced.config
}

_broker_ctl() {
	( _broker_env; timeout 60 rabbitmqctl -q -n "$BROKER_NODE" "$@" )
}

_broker_launch() {
	( _broker_env; rabbitmq-server -detached ) >"$BROKER_DIR/launch.log" 2>&1 || return 1
	local i
	for i in $(seq 1 120); do
		if _broker_ctl status >/dev/null 2>&1; then
			_broker_ctl await_startup >/dev/null 2>&1 && return 0
		fi
		sleep 0.5
	done
	echo "broker did not come up; see $BROKER_DIR/log" >&2
	return 1
}

broker_start() {
	# The broker runs as the rabbitmq user, which must reach its directories: they go
	# under /tmp (world-traversable) whatever the permissions of the build tree; DIR
	# gets a link to them, and their logs when the broker is stopped.
	BROKER_KEEP=$(mkdir -p "$1" && cd "$1" && pwd)
	BROKER_DIR=$(mktemp -d /tmp/eg-broker.XXXXXX) || return 1
	ln -sfn "$BROKER_DIR" "$BROKER_KEEP/data"
	mkdir -p "$BROKER_DIR/mnesia" "$BROKER_DIR/log"
	echo "[]." >"$BROKER_DIR/enabled_plugins"
	# Quiet, small, loopback-only broker; guest works from loopback only.
	cat >"$BROKER_DIR/rabbitmq.conf" <<-CONF
		listeners.tcp.default = 127.0.0.1:${AMQP_PORT:-0}
		log.console = false
		log.file.level = warning
		disk_free_limit.absolute = 50MB
		vm_memory_high_watermark.relative = 0.4
	CONF
	echo "[]." >"$BROKER_DIR/advanced.config"
	chown -R rabbitmq:rabbitmq "$BROKER_DIR" 2>/dev/null
	chmod 755 "$BROKER_DIR"
	AMQP_HOST=127.0.0.1
	AMQP_PORT=$(free_port)
	BROKER_DIST_PORT=$(free_port)
	BROKER_EPMD_PORT=$(free_port)
	BROKER_NODE="egtest$$-$AMQP_PORT@localhost"
	sed -i "s/^listeners.tcp.default.*/listeners.tcp.default = 127.0.0.1:$AMQP_PORT/" "$BROKER_DIR/rabbitmq.conf"
	export AMQP_HOST AMQP_PORT BROKER_NODE BROKER_DIR BROKER_KEEP BROKER_DIST_PORT BROKER_EPMD_PORT
	_broker_launch
}

# The PID of the process listening on a port, when it has the given name.
_pid_on_port() {
	ss -ltnpH "sport = :$1" 2>/dev/null | grep -o "\"$2\",pid=[0-9]*" | head -1 | cut -d= -f2
}

broker_stop() {
	local pid i
	[ -n "${BROKER_NODE:-}" ] || return 0
	pid=$(cat "$BROKER_DIR/broker.pid" 2>/dev/null)
	_broker_ctl stop >/dev/null 2>&1
	# A node that did not stop (rabbitmqctl gave up): end it by its PID.
	for i in $(seq 1 50); do
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
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
	_broker_ctl stop >/dev/null 2>&1
	_broker_launch
}

# Stops the broker without starting it again (broker_resume brings it back).
broker_pause() { _broker_ctl stop >/dev/null 2>&1; }
broker_resume() { _broker_launch; }
