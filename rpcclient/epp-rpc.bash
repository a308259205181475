# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Bash completion for epp-rpc(1): the command names (the list `epp-codec commands`
# prints) and the long options.
_epp_rpc() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-c|--config|--password-file|--ca|--cert|--key|--health-file)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return ;;
	-H|--host|-p|--port|-u|--user|--password|--vhost|-q|--queue|-t|--timeout|--heartbeat|--connect-timeout|--health-wait)
		return ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W '--config --host --port --user --password-file
		    --password --vhost --queue --timeout --tls --ca --cert --key --insecure
		    --heartbeat --connect-timeout --health-file --health-wait --no-env --pretty
		    --help --version' -- "$cur")
		return
	fi
	mapfile -t COMPREPLY < <(compgen -W 'poll_req poll_ack host_check host_info
	    host_create host_update host_delete contact_check contact_info contact_create
	    contact_update contact_delete domain_check domain_info domain_create
	    domain_delete domain_renew domain_update domain_transfer hello epp xml
	    gate_status' -- "$cur")
}
complete -F _epp_rpc epp-rpc
