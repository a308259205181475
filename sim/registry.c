/* SPDX-License-Identifier: MIT */
/*
 * registry.c - the registry object: its configuration, creation and
 * release, and the registrar accounts.
 */
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "credentials.h"
#include "reg_model.h"

void
registry_config_defaults(struct registry_config *c)
{
	memset(c, 0, sizeof(*c));
	c->svid = "epp-sim";
	c->obj_uris[0] = SX_NS_DOMAIN;
	c->obj_uris[1] = SX_NS_CONTACT;
	c->obj_uris[2] = SX_NS_HOST;
	c->n_obj = 3;
	c->ext_uris[0] = SX_NS_SECDNS;
	c->ext_uris[1] = SX_NS_RGP;
	c->ext_uris[2] = SX_NS_FEE;
	c->n_ext = 3;
	c->redemption_ms = (int64_t)30 * 86400 * 1000;
	c->currency = "USD";
	c->fee_create = 1000;
	c->fee_renew = 1000;
	c->fee_transfer = 800;
	c->fee_restore = 4000;
}

/* Keeps a copy of s that lives as long as the registry. */
static const char *
keep(struct registry *r, const char *s)
{
	char *d;

	if (s == NULL || r->nstrings >= sizeof(r->strings) / sizeof(r->strings[0]))
		return NULL;
	if ((d = strdup(s)) == NULL)
		return NULL;
	r->strings[r->nstrings++] = d;
	return d;
}

struct registry *
registry_new(const struct registry_config *c, struct eg_err *err)
{
	struct registry *r;
	size_t i;
	int bad = 0;

	if (c->n_obj == 0 || c->n_obj > SIM_MAX_URIS || c->n_ext > SIM_MAX_URIS ||
	    c->n_premium > SIM_MAX_PREMIUM) {
		eg_err_set(err, EG_ECONFIG, "between 1 and %d object URIs, at most %d extension "
		    "URIs and %d premium names", SIM_MAX_URIS, SIM_MAX_URIS, SIM_MAX_PREMIUM);
		return NULL;
	}
	if (c->svid == NULL || strlen(c->svid) < 3 || strlen(c->svid) > 64) {
		eg_err_set(err, EG_ECONFIG, "the server id must have 3 to 64 characters");
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&r->mu, NULL);
	r->cfg = *c;
	bad |= (r->cfg.svid = keep(r, c->svid)) == NULL;
	bad |= (r->cfg.currency = keep(r, c->currency ? c->currency : "USD")) == NULL;
	for (i = 0; i < c->n_obj; i++)
		bad |= (r->cfg.obj_uris[i] = keep(r, c->obj_uris[i])) == NULL;
	for (i = 0; i < c->n_ext; i++)
		bad |= (r->cfg.ext_uris[i] = keep(r, c->ext_uris[i])) == NULL;
	for (i = 0; i < c->n_premium && !bad; i++) {
		char key[256];

		/* Kept as the table keys are: lower case, so that any spelling finds it. */
		if (reg_name_norm(c->premium[i], key, sizeof(key)) == -1) {
			eg_err_set(err, EG_ECONFIG, "premium name '%s' is not a domain name",
			    c->premium[i]);
			registry_free(r);
			return NULL;
		}
		bad |= (r->cfg.premium[i] = keep(r, key)) == NULL;
	}
	for (i = 0; i < c->n_versions && i < SIM_MAX_OPTS; i++)
		bad |= (r->cfg.versions[i] = keep(r, c->versions[i])) == NULL;
	for (i = 0; i < c->n_langs && i < SIM_MAX_OPTS; i++)
		bad |= (r->cfg.langs[i] = keep(r, c->langs[i])) == NULL;
	if (c->greeting != NULL)
		bad |= (r->cfg.greeting = keep(r, c->greeting)) == NULL;
	if (bad) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		registry_free(r);
		return NULL;
	}
	r->next_roid = 1;
	r->next_msgid = 1;
	snprintf(r->svtrid_prefix, sizeof(r->svtrid_prefix), "SIM%ld", (long)getpid());
	return r;
}

static void
tab_free(struct reg_tab *t, void (*f)(struct reg_obj *))
{
	struct reg_obj *o, *next;
	size_t i;

	for (i = 0; i < t->nb; i++)
		for (o = t->b[i]; o != NULL; o = next) {
			next = o->tnext;
			f(o);
		}
	free(t->b);
	memset(t, 0, sizeof(*t));
}

static void
free_domain_obj(struct reg_obj *o)
{
	reg_domain_free((struct reg_domain *)o);
}

static void
free_host_obj(struct reg_obj *o)
{
	reg_host_free((struct reg_host *)o);
}

static void
free_contact_obj(struct reg_obj *o)
{
	reg_contact_free((struct reg_contact *)o);
}

void
registry_free(struct registry *r)
{
	struct reg_msg *m, *next;
	size_t i;

	if (r == NULL)
		return;
	/* Domains first: they point at hosts and contacts. */
	tab_free(&r->domains, free_domain_obj);
	tab_free(&r->hosts, free_host_obj);
	tab_free(&r->contacts, free_contact_obj);
	for (i = 0; i < r->nacct; i++) {
		for (m = r->acct[i].head; m != NULL; m = next) {
			next = m->next;
			free(m);
		}
		free(r->acct[i].pw);
	}
	free(r->acct);
	for (i = 0; i < r->nstrings; i++)
		free(r->strings[i]);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

struct reg_account *
reg_find_account(struct registry *r, const char *clid)
{
	size_t i;

	for (i = 0; i < r->nacct; i++)
		if (strcmp(r->acct[i].clid, clid) == 0)
			return &r->acct[i];
	return NULL;
}

int
registry_add_account(struct registry *r, const char *clid, const char *pw, struct eg_err *err)
{
	struct reg_account *a;
	size_t n = strlen(clid);
	int rc = -1;
	const char *why;

	if (n < 3 || n > SIM_CLID_MAX)
		return eg_err_set(err, EG_ECONFIG, "client id '%s' must have 3 to %d characters",
		    clid, SIM_CLID_MAX);
	/* The rule the gate logs in with (RFC 5730 pwType, up to 64 characters): an
	 * account a registry could not have is refused at start. */
	if ((why = cred_pw_problem(pw)) != NULL)
		return eg_err_set(err, EG_ECONFIG, "the password of '%s' %s", clid, why);
	pthread_mutex_lock(&r->mu);
	if (reg_find_account(r, clid) != NULL) {
		eg_err_set(err, EG_ECONFIG, "client id '%s' given twice", clid);
		goto done;
	}
	if ((a = realloc(r->acct, (r->nacct + 1) * sizeof(*a))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		goto done;
	}
	r->acct = a;
	a = &r->acct[r->nacct];
	memset(a, 0, sizeof(*a));
	snprintf(a->clid, sizeof(a->clid), "%s", clid);
	if ((a->pw = strdup(pw)) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		goto done;
	}
	r->nacct++;
	rc = 0;
done:
	pthread_mutex_unlock(&r->mu);
	return rc;
}
