#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# epp-gate's command line without a broker or a registry (--check-config):
# the reference's --sentry_dsn / -s accepted with exactly one warning that never shows the
# DSN; a params-file command line (--epp, --rabbitmq) taking the TLS files it lacks from
# --config, the params files winning over the config file for what they hold, and those
# TLS files checked as any others.
. "$(dirname "$0")/../lib/tap.sh"
gate=$EG_BIN/epp-gate
T=$(mktemp -d); trap 'stop_tracked; rm -rf "$T"' EXIT
"$EG_SRCDIR/tests/lib/certs.sh" "$T/certs" >/dev/null 2>&1
ok $? "test certificates"
umask 077
printf 'localhost 7700 registrar1 password-one\n' >"$T/epp_params"
printf '127.0.0.1 5673 rabbit rabbit-pw\n' >"$T/rabbitmq_params"
params=(--epp "$T/epp_params" --rabbitmq "$T/rabbitmq_params")
dsn='https://0123abcdpublickey@sentry.example/42'

# ---- --sentry_dsn / -s
for opt in --sentry_dsn -s; do
	out=$("$gate" "${params[@]}" "$opt" "$dsn" --check-config 2>"$T/err")
	is "$?" 0 "$opt DSN: accepted (exit 0)"
	is "$(grep -c . "$T/err")" 1 "$opt DSN: exactly one line on stderr"
	like "$(cat "$T/err")" '^epp-gate: warning: --sentry_dsn is accepted for compatibility and ignored: errors are reported to the log and by the alerts' "$opt DSN: the warning says where errors go"
	[[ "$out$(cat "$T/err")" != *publickey* ]]
	ok $? "$opt DSN: the DSN (it holds a key) is not shown"
done
"$gate" "${params[@]}" -s "$dsn" --sentry_dsn="$dsn" --check-config >/dev/null 2>"$T/err"
is "$(grep -c sentry "$T/err")" 1 "given twice: still one warning"
out=$("$gate" "${params[@]}" --check-config 2>&1)
[[ "$out" != *sentry* ]]
ok $? "without it: no warning"
"$gate" "${params[@]}" --check-config --sentry_dsn >/dev/null 2>"$T/err"
is "$?" 64 "--sentry_dsn without a DSN: exit 64"
is "$(cat "$T/err")" "epp-gate: option --sentry_dsn needs an argument (see epp-gate --help)" "saying so"
"$gate" "${params[@]}" --check-config -s >/dev/null 2>"$T/err"
is "$?" 64 "-s without a DSN: exit 64"
like "$("$gate" --help)" '-s, --sentry_dsn DSN' "--help lists it"

# has_line TEXT SETTING VALUE NAME: the summary line "SETTING = VALUE" is in TEXT.
has_line() {
	printf '%s\n' "$1" | grep -Eq "^$2 += " && [ "$(printf '%s\n' "$1" | sed -n "s/^$2 *= //p")" = "$3" ]
	ok $? "$4"
}

# ---- params files + --config: the TLS files from the config file
cat >"$T/tls.conf" <<CONF
epp: {
  host = "config.example"; login = "from-config";
  tls: { ca_file = "$T/certs/ca.crt"; cert_file = "$T/certs/client.crt";
         key_file = "$T/certs/client.key"; server_name = "registry.example"; };
};
broker: { queue: { name = "from_config"; }; };
CONF
out=$("$gate" "${params[@]}" --config "$T/tls.conf" --check-config 2>"$T/err")
is "$?" 0 "params files + --config: accepted"
is "$(cat "$T/err")" "" "no warning"
like "$out" $'\nepp.host += "localhost"\n' "the EPP host from the params file wins over the config file"
like "$out" $'\nepp.port += 7700\n' "the port from the params file"
like "$out" $'\nepp.login += "registrar1"\n' "the login from the params file"
has_line "$out" "epp.tls.ca_file" "\"$T/certs/ca.crt\"" "ca_file from the config file"
has_line "$out" "epp.tls.cert_file" "\"$T/certs/client.crt\"" "cert_file from the config file"
has_line "$out" "epp.tls.key_file" "\"$T/certs/client.key\"" "key_file from the config file"
like "$out" $'\nepp.tls.server_name += "registry.example"\n' "server_name from the config file"
like "$out" $'\nbroker.hosts += \\["127.0.0.1:5673"\\]\n' "the broker from the RabbitMQ params file"
like "$out" $'\nbroker.user += "rabbit"\n' "its user"
like "$out" $'\nbroker.queue.name += "from_config"\n' "the queue from the config file"
out=$("$gate" "${params[@]}" --config "$T/tls.conf" -q from_flag --check-config 2>&1)
like "$out" $'\nbroker.queue.name += "from_flag"\n' "-q wins over the config file"
[[ "$out" != *password-one* && "$out" != *rabbit-pw* ]]
ok $? "the params files' passwords are not shown"

# The TLS files taken from the config file are checked as any others.
sed "s|$T/certs/client.key|$T/certs/server.key|" "$T/tls.conf" >"$T/mismatch.conf"
"$gate" "${params[@]}" --config "$T/mismatch.conf" --check-config >/dev/null 2>"$T/err"
is "$?" 78 "a key that does not match the certificate: exit 78"
is "$(cat "$T/err")" "epp-gate: epp.tls.key_file $T/certs/server.key: does not match the certificate in $T/certs/client.crt" "naming setting and files"
printf 'garbage\n' >"$T/garbage.pem"
sed "s|$T/certs/ca.crt|$T/garbage.pem|" "$T/tls.conf" >"$T/badca.conf"
"$gate" "${params[@]}" --config "$T/badca.conf" --check-config >/dev/null 2>"$T/err"
is "$?" 78 "a CA file of garbage: exit 78"
is "$(cat "$T/err")" "epp-gate: epp.tls.ca_file $T/garbage.pem: not a CA certificate (PEM)" "naming setting and file"

# An expired client certificate is refused, one that expires soon is warned about.
"$EG_SRCDIR/tests/lib/certs_dated.sh" "$T/dated" >/dev/null 2>&1
ok $? "dated certificates"
sed "s|$T/certs/client.crt|$T/dated/old.crt|; s|$T/certs/client.key|$T/dated/old.key|" "$T/tls.conf" >"$T/old.conf"
"$gate" "${params[@]}" --config "$T/old.conf" --check-config >/dev/null 2>"$T/err"
is "$?" 78 "an expired certificate: exit 78"
is "$(cat "$T/err")" "epp-gate: epp.tls.cert_file $T/dated/old.crt: certificate CN=old.test expired on 2020-02-01 00:00:00 UTC" "naming setting, file and date"
sed "s|$T/certs/client.crt|$T/dated/soon.crt|; s|$T/certs/client.key|$T/dated/soon.key|" "$T/tls.conf" >"$T/soon.conf"
"$gate" "${params[@]}" --config "$T/soon.conf" --check-config >"$T/out" 2>"$T/err"
is "$?" 0 "a certificate expiring in 10 days: accepted"
like "$(cat "$T/err")" "^epp-gate: warning: epp.tls.cert_file $T/dated/soon.crt: certificate CN=soon.test expires on [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC \(in (9|10) days\)$" "with one warning naming setting, file and date"

done_testing
