#!/bin/sh
# SPDX-License-Identifier: MIT
# check.sh - is a domain name available? epp-rpc in a shell script.
#
#	RPC_CLIENT_CONF_PATH=/etc/epp-rpc.json ./check.sh example.com
#
# epp-rpc prints the gate's reply; its exit status says what kind of answer it was.
set -u
domain=${1:?usage: check.sh DOMAIN}
case $domain in
*[\"\\]*) echo "check.sh: bad domain name" >&2; exit 2 ;;
esac

reply=$(epp-rpc --timeout 10 domain_check "{\"domains\": [\"$domain\"]}")
status=$?
case $status in
0) echo "$reply" ;;                                   # EPP 1xxx: the reply as JSON
1) echo "the registry refused: $reply" >&2 ;;         # EPP 2xxx
2) echo "the gate could not do it: $reply" >&2 ;;     # {"error": ...}
75) echo "no answer: try again later" >&2 ;;          # timeout, connection lost
69) echo "the broker cannot be reached" >&2 ;;        # nothing was sent
*) echo "epp-rpc failed (status $status)" >&2 ;;      # usage or configuration
esac
exit "$status"
