# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# A private three-node RabbitMQ cluster for tests: Debian's rabbitmq-server, three nodes on
# 127.0.0.1 only, each with its own node name, AMQP port and distribution port (ports the
# kernel hands out), one epmd of their own, an Erlang cookie of their own, data and logs
# under one temporary directory: it cannot clash with any other broker or cluster.
#   cluster_start DIR       starts nodes 1-3 and joins 2 and 3 to 1; exports CLUSTER_HOST,
#                           CLUSTER_PORT_1..3 (AMQP), CLUSTER_PORTS ("p1 p2 p3"),
#                           CLUSTER_NODE_1..3 (Erlang node names), CLUSTER_DIR
#   cluster_stop            stops everything cluster_start started (also after it failed)
#   cluster_stop_node N     stops node N (rabbitmqctl stop); the others keep the cluster
#   cluster_start_node N    starts node N again; returns once it runs in the cluster
#   cluster_kill_node N     ends node N with SIGKILL
#   cluster_queue_leader Q  prints the number (1-3) of the node leading quorum queue Q
#   cluster_running [N]     prints how many nodes node N (default: one that runs) sees running
#   cluster_ctl N ARGS...   rabbitmqctl on node N (cluster_cli N TOOL ARGS... for other tools)
#   cluster_pids            PIDs of every process of the cluster (nodes, their children, epmd)
# Needs root (the Debian wrapper switches to the rabbitmq user). Every wait is bounded.

# shellcheck source=tests/lib/broker.sh
. "$(dirname "${BASH_SOURCE[0]}")/broker.sh"

CLUSTER_DIR=

# Each node needs about 120-160 MiB: its memory alarm sits above that (an alarm would block
# publishers), and the quorum queues' write-ahead log is rolled over early so that it
# cannot grow in memory; two schedulers whatever the machine.
CLUSTER_NODE_CONF=(
	"vm_memory_high_watermark.absolute = 384MiB"
	"raft.wal_max_size_bytes = 16777216"
)
CLUSTER_ERL_ARGS="+S 2:2"

_cluster_env() {
	local p="CLUSTER_PORT_$1" d="CLUSTER_DIST_PORT_$1" n="CLUSTER_NODE_$1"
	_rmq_node_env "${!n}" "$CLUSTER_DIR/node$1" "${!p}" "${!d}" "$CLUSTER_EPMD_PORT" \
	    "-setcookie $CLUSTER_COOKIE $CLUSTER_ERL_ARGS"
	RMQ_COOKIE=$CLUSTER_COOKIE
}

cluster_cli() { local n=$1; shift; _rmq_cli "_cluster_env $n" "$@"; }
cluster_ctl() { local n=$1; shift; _rmq_cli "_cluster_env $n" rabbitmqctl "$@"; }

_cluster_pid() { cat "$CLUSTER_DIR/node$1/broker.pid" 2>/dev/null; }

# The node names cluster_status --formatter json lists as running (one a line).
_cluster_running_nodes() {
	cluster_ctl "$1" cluster_status --formatter json 2>/dev/null |
	    /usr/bin/python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin)["running_nodes"]))' 2>/dev/null
}

# The first node whose process runs (0 when none does).
_cluster_some_node() {
	local n
	for n in 1 2 3; do
		_rmq_alive "$(_cluster_pid "$n")" && { echo "$n"; return 0; }
	done
	echo 0
	return 1
}

cluster_running() {
	local n=${1:-$(_cluster_some_node)}
	_cluster_running_nodes "$n" | grep -c .
}

# _cluster_await N SECONDS: waits until node N sees every node whose process runs as a
# running member of the cluster.
_cluster_await() {
	local n=$1 deadline=$((SECONDS + $2)) want m
	while [ "$SECONDS" -lt "$deadline" ]; do
		want=0
		for m in 1 2 3; do
			_rmq_alive "$(_cluster_pid "$m")" && want=$((want + 1))
		done
		[ "$(cluster_running "$n")" -eq "$want" ] && return 0
		sleep 0.5
	done
	echo "cluster: node $n does not see the running nodes; see $CLUSTER_DIR/node$n/log" >&2
	return 1
}

# Distinct ports from the kernel (two requests can be handed the same free port).
_cluster_ports() {
	local want=$1 p got=" "
	while [ "$(wc -w <<<"$got")" -lt "$want" ]; do
		p=$(free_port) || return 1
		case "$got" in *" $p "*) ;; *) got="$got$p " ;; esac
	done
	echo "$got"
}

cluster_start() {
	local n ports deadline
	# DIR gets a link to the cluster's directories under /tmp (the nodes run as the
	# rabbitmq user, which must reach them), and their logs when the cluster is stopped.
	CLUSTER_KEEP=$(mkdir -p "$1" && cd "$1" && pwd) || return 1
	CLUSTER_DIR=$(mktemp -d /tmp/eg-cluster.XXXXXX) || return 1
	chmod 755 "$CLUSTER_DIR"
	ln -sfn "$CLUSTER_DIR" "$CLUSTER_KEEP/data"
	CLUSTER_HOST=127.0.0.1
	CLUSTER_COOKIE=$(od -An -tx1 -N16 /dev/urandom | tr -d " \n")
	read -r -a ports <<<"$(_cluster_ports 7)" || return 1
	CLUSTER_EPMD_PORT=${ports[6]}
	CLUSTER_PORTS=
	for n in 1 2 3; do
		printf -v "CLUSTER_PORT_$n" %s "${ports[n - 1]}"
		printf -v "CLUSTER_DIST_PORT_$n" %s "${ports[n + 2]}"
		printf -v "CLUSTER_NODE_$n" %s "egcluster$$-$n@localhost"
		CLUSTER_PORTS="$CLUSTER_PORTS${CLUSTER_PORTS:+ }${ports[n - 1]}"
		export "CLUSTER_PORT_$n" "CLUSTER_NODE_$n"
		_rmq_prepare "$CLUSTER_DIR/node$n" "${ports[n - 1]}" "${CLUSTER_NODE_CONF[@]}" || return 1
	done
	export CLUSTER_HOST CLUSTER_PORTS CLUSTER_DIR CLUSTER_KEEP CLUSTER_EPMD_PORT CLUSTER_COOKIE
	# The nodes' own epmd, started here so that it is known by its PID.
	epmd -port "$CLUSTER_EPMD_PORT" -address 127.0.0.1 </dev/null >"$CLUSTER_DIR/epmd.log" 2>&1 &
	CLUSTER_EPMD_PID=$!
	for _ in $(seq 1 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$CLUSTER_EPMD_PORT") 2>/dev/null && break
		sleep 0.1
	done
	# The three boot side by side (booting is most of the time), then 2 and 3 join 1, one
	# after the other. join_cluster logs errors about a "tracked connection table": harmless.
	for n in 1 2 3; do
		_rmq_boot "_cluster_env $n" "$CLUSTER_DIR/node$n" || return 1
	done
	deadline=$((SECONDS + 150))
	for n in 1 2 3; do
		_rmq_await "_cluster_env $n" "$CLUSTER_DIR/node$n" $((deadline - SECONDS)) || return 1
	done
	for n in 2 3; do
		if ! { cluster_ctl "$n" stop_app && cluster_ctl "$n" join_cluster "$CLUSTER_NODE_1" &&
		    cluster_ctl "$n" start_app; } >>"$CLUSTER_DIR/join.log" 2>&1; then
			echo "cluster: node $n did not join node 1; see $CLUSTER_DIR/join.log" >&2
			return 1
		fi
	done
	# start_app returned once RabbitMQ ran again on 2 and 3.
	_cluster_await 1 60 && [ "$(cluster_running 1)" -eq 3 ]
}

cluster_stop_node() { _rmq_stop "_cluster_env $1" "$CLUSTER_DIR/node$1"; }

cluster_start_node() {
	_rmq_launch "_cluster_env $1" "$CLUSTER_DIR/node$1" 120 && _cluster_await "$1" 60
}

# The PIDs of node N's processes (of all nodes without N).
_cluster_procs() {
	local n dirs=()
	for n in ${1:-1 2 3}; do
		dirs+=("$CLUSTER_DIR/node$n")
	done
	_rmq_procs "${dirs[@]}"
}

# Like a crash: SIGKILL to the node's VM. Its helper programs end when their pipes to it
# close; any still there after 5 s is killed too.
cluster_kill_node() {
	local pid p
	pid=$(_cluster_pid "$1")
	_rmq_alive "$pid" && kill -KILL "$pid"
	for _ in $(seq 1 50); do
		[ -z "$(_cluster_procs "$1")" ] && return 0
		sleep 0.1
	done
	for p in $(_cluster_procs "$1"); do
		kill -KILL "$p" 2>/dev/null
	done
	sleep 0.2
	[ -z "$(_cluster_procs "$1")" ]
}

# Prints the number of the node that leads quorum queue QUEUE (as a running node sees it).
cluster_queue_leader() {
	local n leader m node
	n=$(_cluster_some_node) || return 1
	leader=$(cluster_ctl "$n" list_queues name leader --no-table-headers 2>/dev/null |
	    awk -F '\t' -v q="$1" '$1 == q {print $2}')
	for m in 1 2 3; do
		node="CLUSTER_NODE_$m"
		[ "$leader" = "${!node}" ] && { echo "$m"; return 0; }
	done
	return 1
}

cluster_pids() {
	[ -n "${CLUSTER_DIR:-}" ] || return 0
	_cluster_procs
	_rmq_alive "${CLUSTER_EPMD_PID:-}" && echo "$CLUSTER_EPMD_PID"
	return 0
}

cluster_stop() {
	local n pid pids=()
	[ -n "${CLUSTER_DIR:-}" ] || return 0
	# Side by side: each node stops in a few seconds.
	for n in 1 2 3; do
		[ -d "$CLUSTER_DIR/node$n" ] || continue
		cluster_stop_node "$n" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do
		wait "$pid"
	done
	# Whatever is left (a node interrupted before it wrote its pid file, a hung tool).
	for pid in $(_cluster_procs); do
		kill -KILL "$pid" 2>/dev/null
	done
	# The epmd: the one started here, and any a node may have started on the same port
	# had that one gone (by PID: "epmd -kill" refuses while nodes are registered).
	if _rmq_alive "${CLUSTER_EPMD_PID:-}"; then
		kill -TERM "$CLUSTER_EPMD_PID"
		wait "$CLUSTER_EPMD_PID" 2>/dev/null
	fi
	pid=$(_pid_on_port "$CLUSTER_EPMD_PORT" epmd)
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
	if [ -d "$CLUSTER_DIR" ] && [ -n "${CLUSTER_KEEP:-}" ]; then
		rm -rf "$CLUSTER_KEEP/data"
		for n in 1 2 3; do
			rm -rf "$CLUSTER_KEEP/node$n"
			mkdir -p "$CLUSTER_KEEP/node$n"
			cp -r "$CLUSTER_DIR/node$n/log" "$CLUSTER_DIR/node$n/launch.log" \
			    "$CLUSTER_KEEP/node$n/" 2>/dev/null
		done
		cp "$CLUSTER_DIR/join.log" "$CLUSTER_DIR/epmd.log" "$CLUSTER_KEEP/" 2>/dev/null
		rm -rf "$CLUSTER_DIR"
	fi
	CLUSTER_DIR='' CLUSTER_EPMD_PID=''
	return 0
}
