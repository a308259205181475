#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Running the gate as an operator does: the reference's command line and params files,
# --check-config, systemd notifications, the metrics file, the health file (watched for
# clients' lines, never written by the gate, not even when the registry is out of reach),
# SIGHUP and the log file, alerts on session lost and restored, warnings for loose secret
# files.
. "$(dirname "$0")/../lib/tap.sh"
. "$EG_SRCDIR/tests/lib/gate.sh"
eg_setup ops
eg_sim_start || { ok 1 "epp-sim starts"; done_testing; exit 1; }
gate=$EG_BIN/epp-gate

# ---- the reference's command line: params files, default CA store via SSL_CERT_FILE
printf 'localhost %s %s %s\n' "$SIM_PORT" "$SIM_CLID" "$SIM_PW" >"$T/epp_params.txt"
printf '%s %s guest guest\n' "$AMQP_HOST" "$AMQP_PORT" >"$T/rabbitmq_params.txt"
chmod 600 "$T/epp_params.txt" "$T/rabbitmq_params.txt"
SSL_CERT_FILE=$CERTS/ca.crt "$gate" -v --reconnect --epp="$T/epp_params.txt" \
    --rabbitmq="$T/rabbitmq_params.txt" --queue="$QUEUE" >"$T/ref.out" 2>&1 &
GATE_PID=$!
track_pid "$GATE_PID"
gate_wait_up 1 20
ok $? "the reference's command line starts the gate"
out=$(rpc domain_check '{"domains": ["ref-cli.example"]}')
is "$(json_get "$out" epp.response.result.@code)" 1000 "and it serves"
grep -q ' info: request cmd=domain_check objects=ref-cli.example code=1000 ms=' "$T/ref.out"
ok $? "-v logs one line per request, at level info, naming its objects"
rpc poll_req >/dev/null
sleep 0.3
grep -q 'request cmd=poll_req' "$T/ref.out"
is "$?" 1 "-v leaves poll requests out of the log"
kill -TERM "$GATE_PID"; wait "$GATE_PID"
is "$?" 0 "SIGTERM: exit status 0"
SSL_CERT_FILE=$CERTS/ca.crt "$gate" -v -p --epp="$T/epp_params.txt" \
    --rabbitmq="$T/rabbitmq_params.txt" --queue="$QUEUE" >"$T/ref2.out" 2>&1 &
GATE_PID=$!
track_pid "$GATE_PID"
gate_wait_up 1 20
rpc poll_req >/dev/null
wait_for 5 grep -q 'request cmd=poll_req code=1300' "$T/ref2.out"
ok $? "-p (--verbose_poll) logs them too"
kill -TERM "$GATE_PID"; wait "$GATE_PID"

# ---- broker failover: the first host of the list is down, the second serves
dead=$(free_port)
gate_config
sed -i "s|hosts = \[ \"$AMQP_HOST:$AMQP_PORT\" \]|hosts = [ \"127.0.0.1:$dead\", \"$AMQP_HOST:$AMQP_PORT\" ]|" "$GATE_CONF"
grep -q "127.0.0.1:$dead" "$GATE_CONF"
ok $? "a broker list whose first host is down"
gate_start
ok $? "the gate fails over to the next broker"
grep -q "broker 127.0.0.1:$dead" "$GATE_OUT"
ok $? "after trying (and logging) the first"
kill -TERM "$GATE_PID"; wait "$GATE_PID"
chmod 644 "$T/epp_params.txt"
out=$("$gate" --epp="$T/epp_params.txt" --rabbitmq="$T/rabbitmq_params.txt" --check-config 2>&1)
like "$out" 'warning: .*epp_params.txt.*(group|others)' "a params file others can read draws a warning"
[[ "$out" != *"$SIM_PW"* ]]
ok $? "the warning does not show the password"

# ---- --check-config
printf 'epp: { host = "h"; sesions = 2; };\n' >"$T/bad.conf"
out=$("$gate" --config "$T/bad.conf" --check-config 2>&1)
is "$?" 78 "--check-config: a bad file exits 78 (EX_CONFIG)"
like "$out" 'bad.conf:1: epp.sesions: unknown setting \(did you mean epp.sessions\?\)' "naming file, line and setting"
gate_config
out=$("$gate" --config "$GATE_CONF" --check-config 2>&1)
is "$?" 0 "--check-config: a good file exits 0"
like "$out" 'epp.password += \(set\)' "secrets shown as (set)"
[[ "$out" != *"$SIM_PW"* ]]
ok $? "and never printed"
"$gate" --bogus >/dev/null 2>"$T/usage.err"
is "$?" 64 "a usage error exits 64"
is "$(cat "$T/usage.err")" "epp-gate: unknown option --bogus (see epp-gate --help)" \
    "a usage error is one line naming the option"

# ---- systemd notifications, metrics file, log file and SIGHUP
/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "a") as out:
    while True:
        out.write(s.recv(4096).decode() + "\n---\n"); out.flush()
' "$T/notify.sock" "$T/notify.log" &
track_pid $!
wait_for 5 test -S "$T/notify.sock"
GATE_LOG_FILE=$T/gate.log gate_config "metrics: { file = \"$T/metrics.prom\"; interval = 1; };
health: { file = \"$T/health\"; watch = true; };"
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=1000000 "$gate" --config "$GATE_CONF" >"$T/gate.out" 2>&1 &
GATE_PID=$!
track_pid "$GATE_PID"
gate_wait_up 1 20
ok $? "gate up with a log file, metrics and a watched health file"
wait_for 5 grep -q 'READY=1' "$T/notify.log"
ok $? "sd_notify: READY=1"
wait_for 5 grep -q 'WATCHDOG=1' "$T/notify.log"
ok $? "sd_notify: WATCHDOG=1 within the watchdog interval"
like "$(cat "$T/notify.log")" 'STATUS=sessions up 1/1, broker connected' "sd_notify: STATUS"
for i in 1 2 3; do rpc domain_check "{\"domains\": [\"m$i.example\"]}" >/dev/null; done
rpc domain_info '{"name": "missing.example"}' >/dev/null 2>&1
wait_for 5 grep -q 'code="2303"' "$T/metrics.prom"
ok $? "metrics file written"
m=$(cat "$T/metrics.prom")
like "$m" 'eppgate_requests_total\{cmd="domain_check",code="1000"\} 3' "requests by command and code"
like "$m" 'eppgate_sessions_up 1' "sessions up"
like "$m" 'eppgate_request_duration_seconds_bucket\{le="\+Inf"\} ' "latency histogram"
mv "$T/gate.log" "$T/gate.log.1"
kill -HUP "$GATE_PID"
wait_for 5 test -f "$T/gate.log"
ok $? "SIGHUP reopens the log file"
rpc domain_check '{"domains": ["after-hup.example"]}' >/dev/null
wait_for 5 grep -q 'request cmd=domain_check objects=after-hup.example code=1000' "$T/gate.log"
ok $? "new lines go to the new file"
logins=$(sim_count 'cmd=login .*code=1000')
more_logins() { [ "$(sim_count 'cmd=login .*code=1000')" -gt "$logins" ]; }
echo "client lost its connection at $(LC_ALL=C date '+%a %b %e %T %Y')" >>"$T/health"
wait_for 10 more_logins
ok $? "a client's line in the health file makes the gate log in again"
gate_wait_up 1 10
ok $? "and it is up again"
[ "$(grep -c . "$T/health")" -eq 1 ]
ok $? "the health file holds the client's line only"
kill -TERM "$GATE_PID"; wait "$GATE_PID"
wait_for 5 grep -q 'STOPPING=1' "$T/notify.log"
ok $? "sd_notify: STOPPING=1 on SIGTERM"

# ---- registry out of reach: a log line, alerts on lost and restored, the health file untouched
gate_config "health: { file = \"$T/health2\"; watch = false; };
alert: { command = \"echo \$EPPGATE_EVENT >> $T/alerts\"; };"
gate_start || ok 1 "gate up for the alert test"
kill -TERM "$SIM_PID"; wait "$SIM_PID" 2>/dev/null
rpc -t 2 domain_check '{"domains": ["down.example"]}' >/dev/null 2>&1   # finds the session gone
wait_for 10 grep -q session_lost "$T/alerts"
ok $? "alert command run on session_lost"
wait_for 15 grep -q 'EPP session to localhost:[0-9]* cannot be re-established' "$GATE_OUT"
ok $? "the gate logs that it cannot get its session back"
[ ! -e "$T/health2" ]
ok $? "and leaves the health file to the clients: not created, not written"
eg_sim_start --listen "127.0.0.1:$SIM_PORT" || ok 1 "epp-sim back on its port"
gate_wait_up 1 20
ok $? "the gate logs in again once the registry is back"
wait_for 10 grep -q session_restored "$T/alerts"
ok $? "alert command run on session_restored"
done_testing
