#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# epp-rpc configured the reference's way (RPC_CLIENT_CONF_PATH / RPC_CLIENT_CONF / -c),
# with explicit options overriding; bad configurations give exit 78 and a clear message.
set -u
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/rpc.sh"

q=$(qname conf)
start_responder resp.log "$q"
ok $? "responder consumes $q"

# Runs epp-rpc with only the given environment (no options for the broker).
cli() { env -u RPC_CLIENT_CONF_PATH -u RPC_CLIENT_CONF -u RPC_CLIENT_HEALTH_FILE "$@"; }
E=$EG_BIN/epp-rpc

cat >"$T/good.json" <<JSON
{"host": "$AMQP_HOST", "port": "$AMQP_PORT", "username": "guest", "password": "guest",
 "timeout": 5, "queue_name": "$q"}
JSON
cli RPC_CLIENT_CONF_PATH="$T/good.json" "$E" hello >/dev/null 2>"$T/err"
is $? 0 "RPC_CLIENT_CONF_PATH file (reference format, port as a string)"
cli "$E" -c "$T/good.json" hello >/dev/null 2>"$T/err"
is $? 0 "-c FILE"
cli RPC_CLIENT_CONF="{\"host\": \"$AMQP_HOST\", \"port\": $AMQP_PORT, \"username\": \"guest\", \"password\": \"guest\", \"queue_name\": \"$q\"}" \
    "$E" hello >/dev/null 2>"$T/err"
is $? 0 "RPC_CLIENT_CONF JSON text (port as a number)"
cli RPC_CLIENT_CONF_PATH="$T/good.json" RPC_CLIENT_CONF='{"host": "nowhere.invalid"}' "$E" hello \
    >/dev/null 2>&1
is $? 0 "RPC_CLIENT_CONF_PATH wins over RPC_CLIENT_CONF (as in the reference)"
cli RPC_CLIENT_CONF_PATH="$T/good.json" "$E" -q "$(qname absent)" hello >/dev/null 2>"$T/err"
is $? 75 "an explicit --queue overrides queue_name"
like "$(cat "$T/err")" "no queue named '$(qname absent)'" "... the overriding queue was used"
cli RPC_CLIENT_CONF_PATH="$T/good.json" "$E" --no-env -p "$AMQP_PORT" -q "$q" hello >/dev/null 2>&1
is $? 0 "--no-env ignores the environment"

printf 'guest\n' >"$T/pw"
cli "$E" -H "$AMQP_HOST" -p "$AMQP_PORT" --user guest --password-file "$T/pw" -q "$q" hello \
    >/dev/null 2>&1
is $? 0 "--password-file (first line, newline stripped)"
cli "$E" -H "$AMQP_HOST" -p "$AMQP_PORT" --password-file "$T/nopw" hello >/dev/null 2>"$T/err"
is $? 78 "missing password file: exit 78"
like "$(cat "$T/err")" "password file $T/nopw: No such file or directory" "... and says so"

# The config's timeout is the default timeout.
"$BENCH/eg-responder" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$(qname idle)" --declare-only
cat >"$T/short.json" <<JSON
{"host": "$AMQP_HOST", "port": $AMQP_PORT, "username": "guest", "password": "guest",
 "timeout": 0.8, "queue_name": "$(qname idle)"}
JSON
t0=$(now_ms)
cli RPC_CLIENT_CONF_PATH="$T/short.json" "$E" hello >/dev/null 2>"$T/err"; rc=$?
t1=$(now_ms)
is "$rc" 75 "config timeout: exit 75"
[ $((t1 - t0)) -ge 750 ] && [ $((t1 - t0)) -lt 2500 ]; ok $? "config timeout 0.8 s honoured ($((t1 - t0)) ms)"
cli RPC_CLIENT_CONF_PATH="$T/short.json" "$E" -t 0.3 hello >/dev/null 2>"$T/err"
like "$(cat "$T/err")" "within 300 ms" "-t overrides the config's timeout"

# bad CONFIG-TEXT EXPECTED-MESSAGE DESCRIPTION
bad() {
	printf '%s' "$1" >"$T/bad.json"
	cli RPC_CLIENT_CONF_PATH="$T/bad.json" "$E" hello >/dev/null 2>"$T/err"
	is $? 78 "$3: exit 78"
	like "$(cat "$T/err")" "$2" "$3: message"
}
full='"host": "h", "port": 5672, "username": "u", "password": "p"'
bad '{"host": "h", "port": 5672,' "config file $T/bad.json: not valid JSON" "truncated JSON"
bad '{"host": "h" "port": 1}' "not valid JSON: .* at offset" "syntax error"
bad '["h", 5672]' "must be a JSON object, not array" "not an object"
bad "{$full, \"port\": \"fifty\"}" '"port" must be a number or a string of digits' "port not numeric"
bad "{$full, \"port\": 0}" '"port" 0 is out of range' "port out of range"
bad "{$full, \"host\": 17}" '"host" must be a string, not int' "host of the wrong type"
bad "{$full, \"timeout\": \"never\"}" '"timeout" must be a number of seconds' "timeout not numeric"
bad '{"host": "h", "port": 5672, "username": "u"}' '"password" missing' "missing password"
bad '{"port": 5672, "username": "u", "password": "p"}' '"host" missing' "missing host"
bad '' 'empty or truncated' "empty file"
[[ "$(cat "$T/err")" != *'"p"'* ]]; ok $? "messages do not show the password"

cli RPC_CLIENT_CONF_PATH="$T/none.json" "$E" hello >/dev/null 2>"$T/err"
is $? 78 "missing file: exit 78"
like "$(cat "$T/err")" "cannot read config file $T/none.json: No such file or directory" \
    "missing file: message"
cli "$E" -c "$T" hello >/dev/null 2>"$T/err"
is $? 78 "a directory: exit 78"
like "$(cat "$T/err")" "is not a regular file" "a directory: message"
cli RPC_CLIENT_CONF='{"host": ' "$E" hello >/dev/null 2>"$T/err"
is $? 78 "bad RPC_CLIENT_CONF: exit 78"
like "$(cat "$T/err")" "^epp-rpc: RPC_CLIENT_CONF: not valid JSON" "bad RPC_CLIENT_CONF: message"
# --- -u/--url: amqp://[USER[:PASSWORD]@]HOST[:PORT][/VHOST], as rabbitmq-c's tools ------
url=amqp://guest:guest@$AMQP_HOST:$AMQP_PORT
cli "$E" -u "$url" -q "$q" hello >/dev/null 2>"$T/err"
is $? 0 "--url with user, password, host and port"
cli "$E" --url "$url/%2f" -q "$q" hello >/dev/null 2>"$T/err"
is $? 0 "--url with the vhost / written %2f"
cli "$E" -u "amqp://guest:Wr0ngSecret@$AMQP_HOST:$AMQP_PORT" -q "$q" hello >/dev/null 2>"$T/err"
is $? 69 "--url with a wrong password: exit 69"
[[ "$(cat "$T/err")" != *Wr0ngSecret* ]]; ok $? "... and the password is not shown"
cli "$E" --user guest --password guest -u "amqp://nobody:Wr0ngSecret@$AMQP_HOST:$AMQP_PORT" -q "$q" \
    hello >/dev/null 2>"$T/err"
is $? 0 "--user and --password win over the URI's, whatever their place"
cli "$E" -u "amqp://guest:guest@nowhere.invalid:1" -H "$AMQP_HOST" -p "$AMQP_PORT" -q "$q" \
    hello >/dev/null 2>"$T/err"
is $? 0 "-H and -p win over the URI's host and port"
printf '{"host": "nowhere.invalid", "port": 1, "username": "guest", "password": "wrong"}' >"$T/wrong.json"
cli RPC_CLIENT_CONF_PATH="$T/wrong.json" "$E" -u "$url" -q "$q" hello >/dev/null 2>"$T/err"
is $? 0 "the URI wins over the configuration file"
printf '{"host": "%s", "port": %s, "username": "guest", "password": "guest"}' "$AMQP_HOST" \
    "$AMQP_PORT" >"$T/guest.json"
cli "$E" -c "$T/guest.json" -u "amqp://$AMQP_HOST:$AMQP_PORT" -q "$q" hello >/dev/null 2>"$T/err"
is $? 0 "a URI without user and password leaves the configuration's"
cli "$E" -u "$url/no-such-vhost" -q "$q" hello >/dev/null 2>"$T/err"
is $? 69 "a vhost that does not exist: exit 69"
like "$(cat "$T/err")" "vhost no-such-vhost not found" "... and the broker says so"
cli "$E" -u "amqps://guest:guest@$AMQP_HOST:$AMQP_PORT" --connect-timeout 3 -q "$q" hello \
    >/dev/null 2>"$T/err"
is $? 69 "amqps:// turns TLS on: against the plain port it fails, exit 69"
cli "$E" -u "amqp://guest:Sekr1t@$AMQP_HOST:port" hello >/dev/null 2>"$T/err"
is $? 64 "a URI that does not parse: exit 64"
is "$(cat "$T/err")" "epp-rpc: --url is not a valid amqp:// or amqps:// URI (see epp-rpc --help)" \
    "... one line, without the URI (it may hold a password)"
cli "$E" -u "http://$AMQP_HOST" hello >/dev/null 2>"$T/err"
is $? 64 "another scheme: exit 64"

cp "$T/good.json" "$T/locked.json"; chmod 000 "$T/locked.json"
if [ "$(id -u)" -ne 0 ]; then
	cli "$E" -c "$T/locked.json" hello >/dev/null 2>"$T/err"
	is $? 78 "unreadable file: exit 78"
	like "$(cat "$T/err")" ": Permission denied" "unreadable file: message"
else
	ok 0 "unreadable file: skipped (root reads any file)"
	ok 0 "unreadable file: skipped"
fi

done_testing
