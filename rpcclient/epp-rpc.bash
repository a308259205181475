# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# bash completion for epp-rpc(1): its options, the gate's command names, and file names
# where an option takes a file. The command names are the gate's command table
# (common/cmdinfo.h, printed by `epp-codec commands`); tests/cli/completion.sh fails when
# this list and that table, or the options here and `epp-rpc --help`, differ.

_epp_rpc_commands='poll_req poll_ack
host_check host_info host_create host_update host_delete
contact_check contact_info contact_create contact_update contact_delete contact_transfer
domain_check domain_info domain_create domain_delete domain_renew domain_update domain_transfer
hello epp xml gate_status'

# Options that take an argument, and those that do not.
_epp_rpc_opts_arg='-c --config -u --url -H --host -p --port --user --password --password-file
--vhost -q --queue -t --timeout --message-id --window --ca --cert --key --heartbeat
--connect-timeout --connection-name --health-file --health-wait'
_epp_rpc_opts_flag='--batch --tls --insecure --no-env --pretty -h --help --version'

_epp_rpc()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= i w skip=0 cmd= batch=0

	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}
	# --opt=VALUE: bash splits at "=" (COMP_WORDBREAKS); the option is two words back.
	if [ "$cur" = "=" ]; then
		prev=${COMP_WORDS[COMP_CWORD-1]}
		cur=
	elif [ "$prev" = "=" ] && [ "$COMP_CWORD" -gt 1 ]; then
		prev=${COMP_WORDS[COMP_CWORD-2]}
	fi
	COMPREPLY=()
	case $prev in
	-c|--config|--password-file|--ca|--cert|--key|--health-file)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0 ;;
	-H|--host)
		mapfile -t COMPREPLY < <(compgen -A hostname -- "$cur")
		return 0 ;;
	-u|--url|-p|--port|--user|--password|--vhost|-q|--queue|-t|--timeout|--message-id|\
	--window|--heartbeat|--connect-timeout|--connection-name|--health-wait)
		return 0 ;;   # a value of the user's own
	esac

	# The command is the first word that is neither an option nor an option's value.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ "$skip" -eq 1 ]; then
			skip=0
			continue
		fi
		case $w in
		--batch) batch=1 ;;
		=) skip=1 ;;
		--*=*) ;;
		-) cmd=- ; break ;;
		-*)
			case " ${_epp_rpc_opts_arg//$'\n'/ } " in
			*" $w "*) skip=1 ;;
			esac ;;
		*) cmd=$w; break ;;
		esac
	done

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$_epp_rpc_opts_arg $_epp_rpc_opts_flag" -- "$cur")
		return 0
	fi
	# After the command comes its JSON arguments; --batch reads every request from stdin.
	[ -n "$cmd" ] || [ "$batch" -eq 1 ] && return 0
	mapfile -t COMPREPLY < <(compgen -W "$_epp_rpc_commands" -- "$cur")
	return 0
}
complete -F _epp_rpc epp-rpc
