#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The boundaries between the parts of the tree, as the build draws them (Makefile: include
# paths per directory) and as a reader expects them: common/ depends on nothing above it,
# the client library never on the gate or the simulator, the simulator never on the gate
# or the client, and OpenSSL is seen by two modules alone: the TLS module, and the digest
# module (common/digest.c: SHA-256 through EVP for the request journal's digests, so that
# no other file needs OpenSSL's headers for one hash function).
. "$(dirname "$0")/../lib/tap.sh"
cd "$EG_SRCDIR" || exit 1

# headers DIR: the header names that live in DIR
headers() { git ls-files "$1/*.h" | xargs -r -n1 basename | sort -u; }
# includes DIR...: every quoted include in the sources of those directories, as FILE:HEADER
includes() {
	git ls-files "${@/%//*.[ch]}" | while read -r f; do
		sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		    sed "s|^|$f:|"
	done
}
# crossing FROM_DIRS -- TO_DIR: includes from the first directories of a header of TO_DIR
crossing() {
	local to=${*: -1} from=("${@:1:$#-2}")
	includes "${from[@]}" | awk -F: 'NR == FNR { h[$0] = 1; next } ($2 in h) || $2 ~ /\.\.\// { print }' \
	    <(headers "$to") -
}

for pair in "common gate" "common rpcclient" "common sim" "rpcclient gate" "rpcclient sim" \
    "sim gate" "sim rpcclient"; do
	set -- $pair
	out=$(crossing "$1" -- "$2")
	is "$out" "" "$1/ includes nothing of $2/"
done
is "$(git grep -l '#[[:space:]]*include[[:space:]]*<openssl/' -- '*.c' '*.h' | tr '\n' ' ')" \
    "common/digest.c common/tls.c " "OpenSSL's headers are included by common/tls.c and common/digest.c alone"
is "$(git grep -ln '\.\./' -- 'common/*.[ch]' 'gate/*.[ch]' 'rpcclient/*.[ch]' 'sim/*.[ch]' |
    xargs -r grep -l '#[[:space:]]*include[[:space:]]*"\.\./' | tr '\n' ' ')" "" \
    "no product source reaches into another directory with a relative include"

# The build says the same: a common/ object compiled with the gate's header on its
# include path would not be what the Makefile does.
grep -q '^\$(BUILD)/obj/common/%.o \$(BUILD)/obj/rpc-common/%.o: INC := -Icommon$' Makefile
ok $? "the Makefile gives common/ only its own include path"
grep -q '^\$(BUILD)/obj/rpcclient/%.o: INC := -Irpcclient -Icommon$' Makefile
ok $? "the Makefile gives the client library no gate or simulator include path"
done_testing
