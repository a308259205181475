/* SPDX-License-Identifier: MIT */
/*
 * check.c - is a domain name available? A complete libeppgate-rpc program.
 *
 *	cc check.c $(pkg-config --cflags --libs eppgate-rpc) -o check
 *	RPC_CLIENT_CONF_PATH=/etc/epp-rpc.json ./check example.com
 *
 * The broker settings come from the reference client's JSON config
 * (RPC_CLIENT_CONF_PATH or RPC_CLIENT_CONF); without one, a local broker
 * with guest/guest is used. Exit status: 0 the registry answered (the reply
 * is printed), 1 it refused, 2 anything else.
 */
#include <stdio.h>
#include <string.h>

#include <eppgate-rpc.h>

int
main(int argc, char **argv)
{
	egrpc_ctx *c;
	egrpc_reply *r = NULL;
	char args[512];
	int st, rc = 2;

	if (argc != 2 || strpbrk(argv[1], "\"\\") != NULL || strlen(argv[1]) > 253) {
		fprintf(stderr, "usage: check DOMAIN\n");
		return 2;
	}
	/* A domain name needs no JSON escaping once quotes and backslashes are excluded. */
	snprintf(args, sizeof(args), "{\"domains\": [\"%s\"]}", argv[1]);

	c = egrpc_connect_config(NULL);
	if (c == NULL || c->err != EGRPC_OK) {
		fprintf(stderr, "check: %s\n", c != NULL ? c->errstr : "out of memory");
		goto out;
	}
	st = egrpc_call_text(c, "domain_check", args, 10000, &r);
	switch (st) {
	case EGRPC_OK:
		printf("%d %s\n%s\n", r->code, r->msg, r->body);
		rc = 0;
		break;
	case EGRPC_EEPP:
		printf("refused: %d %s\n", r->code, r->msg);
		rc = 1;
		break;
	default:
		/* Timeout, transport failure, gate error: errstr says which. */
		fprintf(stderr, "check: %s: %s\n", egrpc_status_str(st), c->errstr);
		break;
	}
out:
	egrpc_reply_free(r);
	egrpc_free(c);
	return rc;
}
