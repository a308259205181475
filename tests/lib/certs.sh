#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Generates the certificates the tests, demo and benchmarks use, into DIR:
#   ca.crt ca.key                 a test CA
#   server.crt server.key         signed by ca, for localhost and 127.0.0.1
#   client.crt client.key         signed by ca, for client authentication
#   wronghost.crt wronghost.key   signed by ca, for wrong.example only
#   other-ca.crt, untrusted.crt untrusted.key   a second CA and a localhost cert it signed
# Usage: tests/lib/certs.sh DIR   (does nothing when DIR/ca.crt exists)
set -euo pipefail
dir=${1:?usage: certs.sh DIR}
mkdir -p "$dir"
[ -f "$dir/ca.crt" ] && [ -f "$dir/untrusted.crt" ] && exit 0
cd "$dir"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca() { # ca NAME CN
	key "$1.key"
	openssl req -x509 -new -key "$1.key" -subj "/CN=$2" -days 3650 -sha256 \
	    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
	    -out "$1.crt" 2>/dev/null
}

leaf() { # leaf NAME CA CN SAN EKU
	key "$1.key"
	openssl req -new -key "$1.key" -subj "/CN=$3" -out "$1.csr" 2>/dev/null
	printf 'basicConstraints=CA:FALSE\nsubjectAltName=%s\nextendedKeyUsage=%s\n' "$4" "$5" >"$1.ext"
	openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial -days 3650 \
	    -sha256 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
	rm -f "$1.csr" "$1.ext"
}

ca ca "epp-gate test CA"
leaf server ca localhost "DNS:localhost,IP:127.0.0.1" serverAuth
leaf client ca "epp-gate test client" "DNS:client.test" clientAuth
leaf wronghost ca wrong.example "DNS:wrong.example" serverAuth
ca other-ca "some other CA"
leaf untrusted other-ca localhost "DNS:localhost,IP:127.0.0.1" serverAuth
rm -f ./*.srl
chmod 644 ./*.crt
chmod 600 ./*.key
