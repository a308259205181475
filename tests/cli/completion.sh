#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# rpcclient/epp-rpc.bash, the bash completion of epp-rpc: its command names are exactly
# those of `epp-codec commands` (the gate's table), its options exactly those of
# `epp-rpc --help`, and it completes what a user types.
. "$(dirname "$0")/../lib/tap.sh"
comp=$EG_SRCDIR/rpcclient/epp-rpc.bash
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT

bash -n "$comp"; ok $? "epp-rpc.bash is valid bash"
# shellcheck source=rpcclient/epp-rpc.bash
. "$comp"
is "$(complete -p epp-rpc 2>/dev/null)" "complete -F _epp_rpc epp-rpc" "it registers _epp_rpc for epp-rpc"

want=$("$EG_BIN/epp-codec" commands | tail -n +2 | awk '{ print $1 }' | sort)
got=$(tr -s ' \n' '\n\n' <<<"$_epp_rpc_commands" | sed '/^$/d' | sort)
is "$got" "$want" "its command names are those of epp-codec commands"

want=$("$EG_BIN/epp-rpc" --help | grep -Eo -- '(^|[ ,])--?[a-zA-Z][-a-z]*' | tr -d ' ,' | sort -u)
got=$(tr -s ' \n' '\n\n' <<<"$_epp_rpc_opts_arg $_epp_rpc_opts_flag" | sed '/^$/d' | sort -u)
is "$got" "$want" "its options are those of epp-rpc --help"
# Those that take a value are the ones --help shows with one.
want=$("$EG_BIN/epp-rpc" --help | /usr/bin/python3 -c '
import re, sys
for line in sys.stdin:
    m = re.match(r"^ +((?:-[-a-zA-Z]+(?: [A-Z][A-Z-]*)?,? ?)+)", line)
    if m and re.search(r"-[-a-zA-Z]+ [A-Z]", m.group(1)):
        for o in re.findall(r"-[-a-zA-Z]+", m.group(1)):
            print(o)' | sort -u)
got=$(tr -s ' \n' '\n\n' <<<"$_epp_rpc_opts_arg" | sed '/^$/d' | sort -u)
is "$got" "$want" "the options it knows to take a value are those --help shows with one"

# complete WORDS...: what completing the last word gives, one per line, sorted.
complete_words() {
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_epp_rpc
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort
}
is "$(complete_words epp-rpc domain_c | tr '\n' ' ')" "domain_check domain_create " "domain_c: the two commands"
is "$(complete_words epp-rpc "" | wc -l)" 24 "an empty word: all 24 commands"
is "$(complete_words epp-rpc -q epp_messages -t 5 gat)" "gate_status" "after options and their values"
is "$(complete_words epp-rpc --pretty hel)" "hello" "after a flag"
is "$(complete_words epp-rpc --tim)" "--timeout" "an option"
is "$(complete_words epp-rpc --message)" "--message-id" "--message-id"
is "$(complete_words epp-rpc domain_check "")" "" "after the command (its JSON): nothing"
is "$(complete_words epp-rpc --batch "")" "" "with --batch: no command"
is "$(complete_words epp-rpc -q "")" "" "nothing is offered for a queue name"
is "$(complete_words epp-rpc -q domain_check dom | wc -l)" 7 "an option's value is not the command: the next word is"
mkdir "$T/d" && touch "$T/d/client.json" "$T/d/other.txt"
is "$(cd "$T/d" && complete_words epp-rpc --config cl)" "client.json" "--config completes file names"
is "$(cd "$T/d" && complete_words epp-rpc --config = o)" "other.txt" "--config=FILE too"
is "$(cd "$T/d" && complete_words epp-rpc --ca "")" "$(printf 'client.json\nother.txt')" "--ca: any file"
is "$(complete_words epp-rpc -t "")" "" "--timeout: nothing to offer"
done_testing
