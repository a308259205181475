/* SPDX-License-Identifier: MIT */
/*
 * cmd_host.c - host object commands (RFC 5732).
 */
#include <arpa/inet.h>
#include <netinet/in.h>

#include "cmd_builders.h"
#include "epp_args.h"

#define PFX "host"

static const char *const host_statuses[] = {
	"clientDeleteProhibited", "clientTransferProhibited", "clientUpdateProhibited",
	"linked", "ok", "pendingCreate", "pendingDelete", "pendingTransfer", "pendingUpdate",
	"serverDeleteProhibited", "serverTransferProhibited", "serverUpdateProhibited", NULL,
};

static const char *const ip_versions[] = {"v4", "v6", NULL};

/* <host:addr ip="v4|v6">IP</host:addr> for each {ip, version} of the list member key. */
static int
host_addrs(struct epp_build *b, xmlNodePtr parent, json_object *args, const char *key)
{
	static const struct ea_rule ip_rule = {EA_TOKEN, 3, 45};
	char path[EA_PATH_MAX], ipath[EA_PATH_MAX];
	unsigned char bin[sizeof(struct in6_addr)];
	json_object *list, *it;
	const char *ip, *ver;
	size_t n, i;

	if (ea_list(args, NULL, key, 0, 0, CMD_MAX_ADDR, &list, &n, b->err) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		it = json_object_array_get_idx(list, i);
		ea_path_idx(path, sizeof(path), key, i);
		if (it == NULL || !json_object_is_type(it, json_type_object))
			return ea_fail(b->err, path, "must be an object {ip, version}");
		if (ea_str(it, path, "ip", 1, &ip_rule, &ip, b->err) != 0 ||
		    ea_enum(it, path, "version", 1, ip_versions, NULL, &ver, b->err) != 0)
			return -1;
		if (inet_pton(ver[1] == '4' ? AF_INET : AF_INET6, ip, bin) != 1) {
			ea_path(ipath, sizeof(ipath), path, "ip");
			return ea_fail(b->err, ipath, "must be an IP%s address", ver);
		}
		eb_attr(b, eb_el(b, parent, "addr", ip), "ip", ver);
	}
	return 0;
}

static xmlNodePtr
host_object(struct epp_build *b, const char *cmd)
{
	return eb_object(b, eb_command(b, cmd), NS_HOST, PFX, cmd);
}

int
cmd_host_check(struct epp_build *b, json_object *args)
{
	char name[EA_NAME_BUF];
	json_object *list;
	xmlNodePtr chk;
	size_t n, i;

	if (ea_namelist(args, NULL, "hosts", 1, 1, CMD_MAX_CHECK, &list, &n, b->err) != 0)
		return -1;
	chk = host_object(b, "check");
	for (i = 0; i < n; i++) {
		if (ea_name_at(list, NULL, "hosts", i, name, b->err) != 0)
			return -1;
		eb_el(b, chk, "name", name);
		cmd_object(b, name);
	}
	return 0;
}

/* info and delete take one name. */
static int
host_single(struct epp_build *b, json_object *args, const char *cmd)
{
	char nbuf[EA_NAME_BUF];
	const char *name;

	if (ea_name(args, NULL, "name", 1, nbuf, &name, b->err) != 0)
		return -1;
	eb_el(b, host_object(b, cmd), "name", name);
	if (b->klass == EPP_CLASS_TRANSFORM)
		eb_target(b, "host", name);
	cmd_object(b, name);
	return 0;
}

int
cmd_host_info(struct epp_build *b, json_object *args)
{
	return host_single(b, args, "info");
}

int
cmd_host_delete(struct epp_build *b, json_object *args)
{
	return host_single(b, args, "delete");
}

int
cmd_host_create(struct epp_build *b, json_object *args)
{
	char nbuf[EA_NAME_BUF];
	const char *name;
	xmlNodePtr cre;

	if (ea_name(args, NULL, "name", 1, nbuf, &name, b->err) != 0)
		return -1;
	cre = host_object(b, "create");
	eb_el(b, cre, "name", name);
	if (host_addrs(b, cre, args, "ip_address") != 0)
		return -1;
	eb_target(b, "host", name);
	cmd_object(b, name);
	return 0;
}

int
cmd_host_update(struct epp_build *b, json_object *args)
{
	char nbuf[EA_NAME_BUF], newbuf[EA_NAME_BUF];
	const char *name, *new_name;
	xmlNodePtr upd, add, rem, chg;

	if (ea_name(args, NULL, "name", 1, nbuf, &name, b->err) != 0 ||
	    ea_name(args, NULL, "new_name", 0, newbuf, &new_name, b->err) != 0)
		return -1;
	upd = host_object(b, "update");
	eb_el(b, upd, "name", name);
	/* Schema order inside add and rem: addresses, then statuses. */
	add = eb_el(b, upd, "add", NULL);
	if (host_addrs(b, add, args, "add_ip_address") != 0 ||
	    cmd_statuses(b, add, args, "add_statuses", host_statuses, 7, 1) != 0)
		return -1;
	rem = eb_el(b, upd, "rem", NULL);
	if (host_addrs(b, rem, args, "remove_ip_address") != 0 ||
	    cmd_statuses(b, rem, args, "remove_statuses", host_statuses, 7, 0) != 0)
		return -1;
	chg = eb_el(b, upd, "chg", NULL);
	if (new_name != NULL)
		eb_el(b, chg, "name", new_name);
	eb_drop_if_empty(add);
	eb_drop_if_empty(rem);
	eb_drop_if_empty(chg);
	eb_target(b, "host", name);
	cmd_object(b, name);
	return 0;
}
