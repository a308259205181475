/* SPDX-License-Identifier: MIT */
/*
 * reg_session.c - the session (RFC 5730 sections 2.4, 2.9.1): the greeting
 * (made from the configuration, or a given document sent as it is), login with
 * its password and service selection, the services a logged-in session may
 * use, and the end of a session.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "credentials.h"
#include "epp_resp.h"
#include "reg_model.h"
#include "xmlsafe.h"

int
registry_greeting(struct registry *r, struct buf *out)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr epp, g, m, x, d, st;
	xmlNsPtr ns;
	char ts[32];
	size_t i;
	int rc = -1;

	if (doc == NULL)
		return -1;
	if (r->cfg.greeting != NULL) {
		/* a registry's greeting as given: its svDate stays what it was */
		xmlFreeDoc(doc);
		return buf_append(out, r->cfg.greeting, strlen(r->cfg.greeting));
	}
	if ((epp = xmlNewDocNode(doc, NULL, (const xmlChar *)"epp", NULL)) == NULL)
		goto done;
	xmlDocSetRootElement(doc, epp);
	if ((ns = xmlNewNs(epp, (const xmlChar *)SX_NS_EPP, NULL)) == NULL)
		goto done;
	xmlSetNs(epp, ns);
	g = sx_add(epp, "greeting", NULL);
	sx_add(g, "svID", r->cfg.svid);
	pthread_mutex_lock(&r->mu);
	reg_fmt_time(reg_now(r), ts);
	pthread_mutex_unlock(&r->mu);
	sx_add(g, "svDate", ts);
	m = sx_add(g, "svcMenu", NULL);
	sx_add(m, "version", "1.0");
	sx_add(m, "lang", "en");
	for (i = 0; i < r->cfg.n_obj; i++)
		sx_add(m, "objURI", r->cfg.obj_uris[i]);
	if (r->cfg.n_ext > 0) {
		x = sx_add(m, "svcExtension", NULL);
		for (i = 0; i < r->cfg.n_ext; i++)
			sx_add(x, "extURI", r->cfg.ext_uris[i]);
	}
	d = sx_add(g, "dcp", NULL);
	sx_add(sx_add(d, "access", NULL), "all", NULL);
	st = sx_add(d, "statement", NULL);
	x = sx_add(st, "purpose", NULL);
	sx_add(x, "admin", NULL);
	sx_add(x, "prov", NULL);
	x = sx_add(st, "recipient", NULL);
	sx_add(x, "ours", NULL);
	sx_add(x, "public", NULL);
	sx_add(sx_add(st, "retention", NULL), "stated", NULL);
	rc = sx_doc_dump(doc, out);
done:
	xmlFreeDoc(doc);
	return rc;
}

/* Appends the tokens (first word of each text) of the elements named name under parent to
 * out, at most max, packed into store at *used. -1 when there are more than max. */
static int
tokens(xmlNodePtr parent, const char *name, const char **out, size_t *n, size_t max,
    char *store, size_t cap, size_t *used)
{
	xmlNodePtr e;
	xmlChar *t;
	size_t len;

	*n = 0;
	for (e = sx_child(parent, SX_NS_EPP, name); e != NULL; e = sx_next(e, SX_NS_EPP, name)) {
		t = xmlNodeGetContent(e);
		len = epp_uri_token(t != NULL ? (const char *)t : "", store + *used, cap - *used);
		xmlFree(t);
		if (len == 0)
			continue;
		if (*n == max)
			return -1;
		out[(*n)++] = store + *used;
		*used += len + 1;
	}
	return 0;
}

int
registry_config_greeting(struct registry_config *c, const char *xml, size_t len,
    char **store, struct eg_err *err)
{
	xmlDocPtr doc;
	xmlNodePtr g, menu;
	size_t cap = 2 * len + 80, used = 0, n;
	char svid[72];
	int rc = -1;

	*store = NULL;
	if ((doc = eg_xml_parse(xml, len, 0, err)) == NULL)
		return -1;
	g = sx_child(xmlDocGetRootElement(doc) != NULL &&
	    sx_is(xmlDocGetRootElement(doc), SX_NS_EPP, "epp") ? xmlDocGetRootElement(doc) : NULL,
	    SX_NS_EPP, "greeting");
	if (g == NULL || (menu = sx_child(g, SX_NS_EPP, "svcMenu")) == NULL) {
		eg_err_set(err, EG_ECONFIG, "not an EPP greeting with a <svcMenu>");
		goto done;
	}
	/* the tokens (together shorter than the document they come from), then the document */
	if ((*store = malloc(cap)) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		goto done;
	}
	if (sx_text(sx_child(g, SX_NS_EPP, "svID"), svid, sizeof(svid)) == 0 &&
	    strlen(svid) >= 3 && strlen(svid) <= 64) {
		memcpy(*store, svid, strlen(svid) + 1);
		c->svid = *store;
		used = strlen(svid) + 1;
	}
	if (tokens(menu, "version", c->versions, &c->n_versions, SIM_MAX_OPTS, *store, cap,
	    &used) == -1 || tokens(menu, "lang", c->langs, &c->n_langs, SIM_MAX_OPTS, *store,
	    cap, &used) == -1) {
		eg_err_set(err, EG_ECONFIG, "more than %d versions or languages", SIM_MAX_OPTS);
		goto done;
	}
	if (tokens(menu, "objURI", c->obj_uris, &c->n_obj, SIM_MAX_URIS, *store, cap,
	    &used) == -1 || tokens(sx_child(menu, SX_NS_EPP, "svcExtension"), "extURI",
	    c->ext_uris, &n, SIM_MAX_URIS, *store, cap, &used) == -1) {
		eg_err_set(err, EG_ECONFIG, "more than %d objURIs or extURIs", SIM_MAX_URIS);
		goto done;
	}
	c->n_ext = n;
	if (c->n_obj == 0) {
		eg_err_set(err, EG_ECONFIG, "the greeting offers no objURI");
		goto done;
	}
	/* the document, NUL-terminated, after the tokens */
	if (used + len + 1 > cap) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(*store + used, xml, len);
	(*store)[used + len] = '\0';
	c->greeting = *store + used;
	rc = 0;
done:
	xmlFreeDoc(doc);
	if (rc == -1) {
		free(*store);
		*store = NULL;
	}
	return rc;
}

static int
listed(const char *const *list, size_t n, const char *s, const char *otherwise)
{
	size_t i;

	if (n == 0)
		return strcmp(s, otherwise) == 0;
	for (i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return 1;
	return 0;
}

/* Whether a namespace a command uses was selected at login (mask): 1; 0 when it is offered
 * but was not selected; -1 when not offered. An offered URI covers the namespace when it is
 * the same or the same service spelled otherwise (versionless, epp:), as the gate reads
 * greetings. */
static int
uri_selected(const char *const *uris, size_t n, uint32_t mask, const char *uri)
{
	size_t i;
	int r = -1;

	for (i = 0; i < n; i++) {
		if (!epp_uri_covers(uris[i], uri))
			continue;
		if (mask & (1u << i))
			return 1;
		r = 0;
	}
	return r;
}

static int
uri_index(const char *const *uris, size_t n, const char *uri)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(uris[i], uri) == 0)
			return (int)i;
	return -1;
}

void
reg_login_cmd(struct reg_cmd *c)
{
	struct registry *r = c->reg;
	xmlNodePtr l = c->rq->verb_node, opt, svcs, u;
	struct reg_account *a;
	/* Passwords: up to CRED_PW_MAX characters of up to 4 bytes, and one more byte so
	 * that a longer one does not fit and is refused rather than cut. */
	char clid[SIM_CLID_MAX + 2], pw[4 * CRED_PW_MAX + 2], newpw[4 * CRED_PW_MAX + 2];
	char ver[16], lang[16], uri[512];
	const char *why;
	uint32_t objs = 0, exts = 0;
	int i, have_new;

	if (c->s->logged_in) {
		sx_resp_result(c->resp, 2002, "already logged in");
		return;
	}
	opt = sx_child(l, SX_NS_EPP, "options");
	svcs = sx_child(l, SX_NS_EPP, "svcs");
	if (sx_child(l, SX_NS_EPP, "clID") == NULL || sx_child(l, SX_NS_EPP, "pw") == NULL ||
	    opt == NULL || svcs == NULL) {
		sx_resp_result(c->resp, 2001, "login needs clID, pw, options and svcs");
		return;
	}
	have_new = sx_child(l, SX_NS_EPP, "newPW") != NULL;
	if (sx_text(sx_child(l, SX_NS_EPP, "clID"), clid, sizeof(clid)) == -1 ||
	    sx_text(sx_child(l, SX_NS_EPP, "pw"), pw, sizeof(pw)) == -1 ||
	    sx_text(sx_child(l, SX_NS_EPP, "newPW"), newpw, sizeof(newpw)) == -1) {
		sx_resp_result(c->resp, 2200, "invalid client id or password");
		return;
	}
	sx_text(sx_child(opt, SX_NS_EPP, "version"), ver, sizeof(ver));
	sx_text(sx_child(opt, SX_NS_EPP, "lang"), lang, sizeof(lang));
	if (!listed(r->cfg.versions, r->cfg.n_versions, ver, "1.0")) {
		sx_resp_result(c->resp, 2100, "version '%s' is not offered", ver);
		return;
	}
	if (!listed(r->cfg.langs, r->cfg.n_langs, lang, "en")) {
		sx_resp_result(c->resp, 2102, "language '%s' is not offered", lang);
		return;
	}
	a = reg_find_account(r, clid);
	/* One message for both cases: a login must not reveal which client ids exist. */
	if (a == NULL || strcmp(a->pw, pw) != 0) {
		sx_resp_result(c->resp, 2200, "invalid client id or password");
		return;
	}
	for (u = sx_child(svcs, SX_NS_EPP, "objURI"); u != NULL; u = sx_next(u, SX_NS_EPP, "objURI")) {
		sx_text(u, uri, sizeof(uri));
		if ((i = uri_index(r->cfg.obj_uris, r->cfg.n_obj, uri)) < 0) {
			sx_resp_result(c->resp, 2307, "object service '%s' is not offered", uri);
			return;
		}
		objs |= 1u << i;
	}
	u = sx_child(sx_child(svcs, SX_NS_EPP, "svcExtension"), SX_NS_EPP, "extURI");
	for (; u != NULL; u = sx_next(u, SX_NS_EPP, "extURI")) {
		sx_text(u, uri, sizeof(uri));
		if ((i = uri_index(r->cfg.ext_uris, r->cfg.n_ext, uri)) < 0) {
			sx_resp_result(c->resp, 2103, "extension '%s' is not offered", uri);
			return;
		}
		exts |= 1u << i;
	}
	if (objs == 0) {
		sx_resp_result(c->resp, 2003, "login needs at least one objURI");
		return;
	}
	if (r->cfg.max_sessions > 0 && r->sessions >= r->cfg.max_sessions) {
		sx_resp_result(c->resp, 2502, "%u sessions are open already", r->sessions);
		c->close = 1;
		return;
	}
	if (have_new) {
		char *p;

		if ((why = cred_pw_problem(newpw)) != NULL) {
			sx_resp_result(c->resp, 2005, "the new password %s", why);
			return;
		}
		if ((p = strdup(newpw)) == NULL) {
			sx_resp_result(c->resp, 2400, "out of memory");
			return;
		}
		free(a->pw);
		a->pw = p;
	}
	c->s->logged_in = 1;
	snprintf(c->s->clid, sizeof(c->s->clid), "%s", a->clid);
	c->s->obj_mask = objs;
	c->s->ext_mask = exts;
	r->sessions++;
	sx_resp_result(c->resp, 1000, NULL);
}

void
registry_session_end(struct registry *r, struct sim_session *s)
{
	pthread_mutex_lock(&r->mu);
	if (s->logged_in && r->sessions > 0)
		r->sessions--;
	s->logged_in = 0;
	pthread_mutex_unlock(&r->mu);
}

static const char *
objtype_uri(enum sim_objtype t)
{
	switch (t) {
	case SIM_OBJ_DOMAIN: return SX_NS_DOMAIN;
	case SIM_OBJ_HOST: return SX_NS_HOST;
	case SIM_OBJ_CONTACT: return SX_NS_CONTACT;
	default: return "";
	}
}

/* The object service and every extension used must be offered and selected at login. */
int
reg_services_ok(struct reg_cmd *c)
{
	const struct sim_request *rq = c->rq;
	struct registry *r = c->reg;
	const char *uri;
	xmlNodePtr e;
	int i;

	if (rq->objtype != SIM_OBJ_NONE) {
		uri = objtype_uri(rq->objtype);
		if ((i = uri_selected(r->cfg.obj_uris, r->cfg.n_obj, c->s->obj_mask, uri)) != 1) {
			sx_resp_result(c->resp, 2307, "object service '%s' %s", uri,
			    i < 0 ? "is not offered" : "was not selected at login");
			return 0;
		}
	}
	for (e = sx_child(rq->ext_node, NULL, NULL); e != NULL; e = sx_next(e, NULL, NULL)) {
		uri = e->ns && e->ns->href ? (const char *)e->ns->href : "";
		if ((i = uri_selected(r->cfg.ext_uris, r->cfg.n_ext, c->s->ext_mask, uri)) != 1) {
			sx_resp_result(c->resp, 2103, "extension '%s' %s", uri,
			    i < 0 ? "is not offered" : "was not selected at login");
			return 0;
		}
	}
	return 1;
}
