#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The README's promises: its first lines give `make demo` and `make check`, and its code
# examples are exactly the files the tests build and run (rpcclient/examples/).
. "$(dirname "$0")/../lib/tap.sh"
readme=$EG_SRCDIR/README.md
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

head -5 "$readme" | grep -q '^ *make demo'
ok $? "README starts with make demo"
head -5 "$readme" | grep -q '^ *make check'
ok $? "and make check"
grep -q 'make check' "$EG_SRCDIR/.ci/run"
ok $? ".ci/run runs make check, the README's test command"

# block LANG: the first fenced block of that language
block() { awk -v lang="$1" '$0 == "```" lang {on=1; next} on && $0 == "```" {exit} on {print}' "$readme"; }
block c >"$T/check.c"
cmp -s "$T/check.c" "$EG_SRCDIR/rpcclient/examples/check.c"
ok $? "the README's C program is rpcclient/examples/check.c (built and run by rpc_example)"
block sh >"$T/check.sh"
cmp -s "$T/check.sh" "$EG_SRCDIR/rpcclient/examples/check.sh"
ok $? "the README's shell script is rpcclient/examples/check.sh"
done_testing
