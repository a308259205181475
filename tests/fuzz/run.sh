#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each one: first over its
# regression inputs (every crash ever found, kept in tests/fuzz/regressions/TARGET/), then
# fuzzing for SECONDS from a corpus seeded with the test vectors. x2j_text is differential:
# it aborts when the JSON text writer and the json-c path disagree on an input.
#   tests/fuzz/run.sh [SECONDS]      (default 60; CI uses 20)
# Prints TAP and a final "N passed, M failed" line.
set -uo pipefail
secs=${1:-60}
top=$(cd "$(dirname "$0")/../.." && pwd)

out=$top/build-fuzz
mkdir -p "$out/obj" "$out/corpus"
CC=${FUZZ_CC:-clang}
pkgs="librabbitmq openssl libxml-2.0 json-c libconfig libidn2"
cflags="-std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -I$top/common -I$top/gate -DEPPGATE_VERSION=\"fuzz\" $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lpthread"
n=0 failed=0
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else failed=$((failed + 1)); echo "not ok $n - $2"; fi; }

# objects: common/ and the gate's config module (what the targets exercise)
objs=()
for src in "$top"/common/*.c "$top"/gate/config*.c; do
	o=$out/obj/$(basename "${src%.c}").o
	if [ ! -f "$o" ] || [ "$src" -nt "$o" ]; then
		$CC $cflags -c "$src" -o "$o" || { ok 1 "compile $src"; echo "$n passed, $failed failed"; exit 1; }
	fi
	objs+=("$o")
done

seed() { # seed TARGET: fill the corpus from the vectors and examples
	local t=$1 dir=$out/corpus/$1
	mkdir -p "$dir"
	[ -n "$(ls -A "$dir" 2>/dev/null)" ] && return
	/usr/bin/python3 - "$top/tests/data/conformance/anchor_vectors.json" "$dir" "$t" "$top" <<'PY'
import json, os, struct, sys
vec, d, t, top = sys.argv[1:5]
vs = json.load(open(vec))
i = 0
def put(b):
    global i
    open(os.path.join(d, "seed%03d" % i), "wb").write(b); i += 1
for v in vs:
    x = v.get("xml_response")
    if t in ("x2j", "x2j_text") and x: put(x.encode())
    if t == "frame" and x:
        b = x.encode(); put(bytes([7]) + struct.pack(">I", len(b) + 4) + b)
    if t == "request" and v.get("json_request") is not None: put(json.dumps(v["json_request"]).encode())
if t in ("x2j", "x2j_text"):
    # what the vectors lack: a DTD with entities and defaults, repeated names apart,
    # mixed content, odd responses (several results, a code by default)
    for x in (
        '<!DOCTYPE epp [<!ENTITY t "a &amp; b"><!ENTITY m "x<b>&t;</b>y<c/>">'
        '<!ATTLIST result code CDATA "1001"><!ATTLIST b d CDATA "&t;" xml:lang CDATA "en">]>'
        '<epp xmlns="urn:ietf:params:xml:ns:epp-1.0" xmlns:p="urn:p"><response>'
        '<result><msg lang="en">&t;</msg></result><result code="2004"/>&m;<b p:x="1"/>'
        '<trID><clTRID> c<!--x-->1 </clTRID><svTRID>s1</svTRID></trID></response></epp>',
        '<a>t1<b>x</b>t2<c/>t3<b k="v">y<d/>z</b><![CDATA[ q ]]><c>\u3000w\u00a0</c></a>',
        '<epp><greeting><svID>s</svID><svcMenu><objURI>o1</objURI><lang>en</lang><objURI/>'
        '<svcExtension><extURI>e1</extURI><extURI>e2</extURI></svcExtension></svcMenu>'
        '</greeting></epp>',
        '<a xmlns:p="urn:p" xmlns:q="urn:p"><p:n>1</p:n><q:m/><n>2</n><m>3</m><o/><n/></a>',
    ):
        put(x.encode())
if t == "config":
    for f in ("etc/epp-gate.conf.example",):
        p = os.path.join(top, f)
        if os.path.exists(p): put(open(p, "rb").read())
    put(b'epp = { host = "h"; port = "700"; login = "l"; password = "p"; };\n')
PY
}

# tokens of XML and EPP for the XML targets
printf '%s\n' '"<!DOCTYPE a ["' '"<!ENTITY e \"x\">"' '"<!ATTLIST a b CDATA \"d\">"' \
    '"#FIXED"' '"#IMPLIED"' '"SYSTEM"' '"NDATA"' '"&amp;"' '"&#x9;"' '"&e;"' '"<![CDATA["' \
    '"]]>"' '"<!--"' '"-->"' '"<?pi ?>"' '" xmlns=\"urn:e\""' '" xmlns:p=\"urn:p\""' '"p:"' \
    '"xml:lang"' '"<epp>"' '"<response>"' '"<result code=\"1000\">"' '"<msg>"' '"<trID>"' \
    '"<clTRID>"' '"<svTRID>"' '"<greeting>"' '"<svID>"' '"<svcMenu>"' '"<objURI>"' \
    '"<svcExtension>"' '"<extURI>"' '"\xc2\xa0"' '"\xe3\x80\x80"' '"\xe2\x80\x8b"' \
    >"$out/xml.dict"

for t in frame x2j x2j_text request config; do
	bin=$out/fuzz_$t
	if ! $CC $cflags -fsanitize=fuzzer "$top/tests/fuzz/fuzz_$t.c" "${objs[@]}" $libs -o "$bin" 2>"$out/build-$t.log"; then
		ok 1 "build fuzz_$t (see $out/build-$t.log)"; continue
	fi
	seed "$t"
	shopt -s nullglob
	reg=("$top/tests/fuzz/regressions/$t"/*)
	shopt -u nullglob
	if [ "${#reg[@]}" -gt 0 ]; then
		"$bin" "${reg[@]}" >"$out/regress-$t.log" 2>&1
		ok $? "fuzz_$t: regression inputs (${#reg[@]})"
	fi
	mkdir -p "$out/crashes-$t"
	dict=()
	case $t in x2j*) dict=(-dict="$out/xml.dict") ;; esac
	"$bin" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -timeout=10 "${dict[@]}" \
	    -artifact_prefix="$out/crashes-$t/" "$out/corpus/$t" >"$out/fuzz-$t.log" 2>&1
	rc=$?
	execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$out/fuzz-$t.log" | grep -o '[0-9]*$')
	[ -z "$execs" ] && execs=$(grep -Eo '#[0-9]+' "$out/fuzz-$t.log" | tail -1 | tr -d '#')
	ok $rc "fuzz_$t: ${secs}s, ${execs:-?} inputs, no crash"
	if [ $rc -ne 0 ]; then
		echo "# crash inputs in $out/crashes-$t/ — copy each into tests/fuzz/regressions/$t/"
		tail -30 "$out/fuzz-$t.log" | sed 's/^/# /'
	fi
done
echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
