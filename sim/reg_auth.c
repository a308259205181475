/* SPDX-License-Identifier: MIT */
/*
 * reg_auth.c - who may act on an object: its sponsor, or whoever knows its
 * authInfo (RFC 5731 section 2.6, RFC 5733 section 2.8).
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "reg_model.h"

int
reg_auth_ok(const struct reg_obj *o, const char *pw)
{
	return pw != NULL && pw[0] != '\0' && o->authpw != NULL && strcmp(o->authpw, pw) == 0;
}

int
reg_read_authinfo(xmlNodePtr parent, const char *ns, char *pw, size_t cap, char *roid,
    size_t rcap)
{
	xmlNodePtr a = sx_child(parent, ns, "authInfo"), p;

	pw[0] = '\0';
	if (roid != NULL)
		roid[0] = '\0';
	if (a == NULL)
		return 0;
	if ((p = sx_child(a, ns, "pw")) == NULL)
		return -1;          /* <ext> authInfo is not supported */
	if (roid != NULL && sx_attr(p, "roid", roid, rcap) == -1)
		return -1;
	return sx_text(p, pw, cap) == -1 ? -1 : 1;
}

const struct reg_obj *
reg_auth_target(const struct reg_obj *o, enum sim_objtype t, const char *roid)
{
	const struct reg_domain *d;
	size_t i;

	if (roid == NULL || roid[0] == '\0' || strcmp(roid, o->roid) == 0)
		return o;
	if (t != SIM_OBJ_DOMAIN)
		return NULL;
	d = (const struct reg_domain *)o;
	if (d->registrant != NULL && strcmp(d->registrant->o.roid, roid) == 0)
		return &d->registrant->o;
	for (i = 0; i < d->ncontacts; i++)
		if (strcmp(d->contacts[i].c->o.roid, roid) == 0)
			return &d->contacts[i].c->o;
	return NULL;
}

int
reg_is_sponsor(const struct reg_cmd *c, const struct reg_obj *o)
{
	return strcmp(c->s->clid, o->clid) == 0;
}

void
reg_gen_authpw(struct registry *r, char out[32])
{
	uint64_t x = (uint64_t)eg_now_us() * 6364136223846793005ULL + r->next_roid * 1442695040888963407ULL;

	/* Not a secret worth protecting: objects created without authInfo get one so that
	 * the transfer rules stay the same for every object. */
	snprintf(out, 32, "Sim-%016llx", (unsigned long long)(x ^ (x >> 29)));
}
