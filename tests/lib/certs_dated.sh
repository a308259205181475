#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Certificates and keys for the configuration check (epp-gate --check-config), into DIR:
#   good.crt good.key     self-signed, valid for a year
#   soon.crt soon.key     self-signed, expires in 10 days
#   old.crt old.key       self-signed, expired in 2020 (openssl ca: -days cannot go back)
#   enc.key               good.key encrypted with a passphrase
#   chain.crt             good.crt then soon.crt (a chain whose second certificate expires
#                         first), with good.key
# Usage: tests/lib/certs_dated.sh DIR
set -euo pipefail
dir=${1:?usage: certs_dated.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

key good.key
openssl req -x509 -new -key good.key -subj "/CN=good.test" -days 365 -out good.crt 2>/dev/null
key soon.key
openssl req -x509 -new -key soon.key -subj "/CN=soon.test" -days 10 -out soon.crt 2>/dev/null
cat good.crt soon.crt >chain.crt
openssl pkey -in good.key -aes256 -passout pass:unused-pw -out enc.key 2>/dev/null
key old.key
openssl req -new -key old.key -subj "/CN=old.test" -out old.csr 2>/dev/null
mkdir -p ca.db
: >ca.db/index.txt
echo 01 >ca.db/serial
printf '[ca]\ndefault_ca=d\n[d]\ndir=ca.db\ndatabase=ca.db/index.txt\nserial=ca.db/serial\n'\
'new_certs_dir=ca.db\ndefault_md=sha256\npolicy=p\n[p]\ncommonName=supplied\n' >ca.cnf
openssl ca -batch -config ca.cnf -selfsign -keyfile old.key -in old.csr \
    -startdate 20200101000000Z -enddate 20200201000000Z -out old.crt 2>/dev/null
rm -rf ca.db ca.cnf old.csr
