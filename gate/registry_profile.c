/* SPDX-License-Identifier: MIT */
/* The registry profile (registry_profile.h): login negotiation over a greeting, the check of
 * a typed command against it, and the shared record of the last login. */
#include "registry_profile.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"

#define NS_EPP_BASE "urn:ietf:params:xml:ns:epp-1.0"
#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define MAX_LIST 128

/* ---- lists ----------------------------------------------------------------- */

size_t
rp_split(char *list, const char **out, size_t max)
{
	size_t n = 0;
	char *p = list, *sp;

	while (*p != '\0' && n < max) {
		out[n++] = p;
		if ((sp = strchr(p, ' ')) == NULL)
			break;
		*sp = '\0';
		p = sp + 1;
	}
	return n;
}

/* Whether uri is, as a whole word, in a space-separated list. */
static int
listed(const char *list, const char *uri)
{
	size_t n = strlen(uri);
	const char *p = list;

	while ((p = strstr(p, uri)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return 1;
		p += n;
	}
	return 0;
}

int
rp_list_covers(const char *list, const char *uri)
{
	char copy[RP_EXTS];
	const char *u[MAX_LIST];
	size_t i, n;

	if (listed(list, uri))
		return 1;
	snprintf(copy, sizeof(copy), "%s", list);
	n = rp_split(copy, u, MAX_LIST);
	for (i = 0; i < n; i++)
		if (epp_uri_covers(u[i], uri))
			return 1;
	return 0;
}

/* Appends uri to a space-separated list of cap bytes; 0, or -1 when it does not fit. */
static int
add(char *list, size_t cap, const char *uri)
{
	size_t used = strlen(list), n = strlen(uri);

	if (used + (used > 0) + n + 1 > cap)
		return -1;
	if (used > 0)
		list[used++] = ' ';
	memcpy(list + used, uri, n + 1);
	return 0;
}

/* The same list with ", " between the URIs, for messages. */
static void
commas(const char *list, char *out, size_t cap)
{
	size_t i, j = 0;

	for (i = 0; list[i] != '\0' && j + 3 < cap; i++) {
		if (list[i] == ' ') {
			out[j++] = ',';
			out[j++] = ' ';
		} else {
			out[j++] = list[i];
		}
	}
	out[j] = '\0';
}

static void note(struct rp_login *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(struct rp_login *l, const char *fmt, ...)
{
	size_t used = strlen(l->notes);
	va_list ap;

	if (used > 0 && used + 2 < sizeof(l->notes)) {
		memcpy(l->notes + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(l->notes + used, sizeof(l->notes) - used, fmt, ap);
	va_end(ap);
}

/* ---- negotiation ---------------------------------------------------------- */

/* Whether a configured URI selects an offered one: the same string, or the same service in
 * versions that do not contradict each other (one of them versionless). */
static int
selects(const char *conf, const char *offered)
{
	return strcmp(conf, offered) == 0 || epp_uri_covers(offered, conf) ||
	    epp_uri_covers(conf, offered);
}

/* Whether the typed commands can use an object service: the standard domain, contact or host
 * mapping, version 1.0 or unsaid. */
static int
familiar_obj(const char *uri)
{
	char v[32];
	enum epp_svc s = epp_uri_service(uri, v, sizeof(v));

	return (s == EPP_SVC_DOMAIN || s == EPP_SVC_CONTACT || s == EPP_SVC_HOST) &&
	    (v[0] == '\0' || strcmp(v, "1.0") == 0);
}

/*
 * One list of services: every offered URI (first token, once) into offered; those the
 * configuration selects (conf NULL: all) into chosen. setting names the configuration for
 * the notes.
 */
static void
choose(struct rp_login *l, const char *const *ann, size_t n_ann, const char (*conf)[CFG_NAME],
    int n_conf, int restricted, const char *setting, char *offered, char *chosen, size_t cap)
{
	char uri[CFG_NAME * 2], missing[512] = "", lost[512] = "";
	size_t i;
	int k, found;

	for (i = 0; i < n_ann; i++) {
		if (epp_uri_token(ann[i], uri, sizeof(uri)) == 0 || listed(offered, uri))
			continue;
		if (add(offered, cap, uri) == -1) {
			add(lost, sizeof(lost), uri);
			continue;
		}
		found = !restricted;
		for (k = 0; restricted && k < n_conf && !found; k++)
			found = selects(conf[k], uri);
		if (found)
			add(chosen, cap, uri);
	}
	for (k = 0; restricted && k < n_conf; k++) {
		found = 0;
		for (i = 0; i < n_ann && !found; i++)
			found = epp_uri_token(ann[i], uri, sizeof(uri)) > 0 && selects(conf[k], uri);
		if (!found)
			add(missing, sizeof(missing), conf[k]);
	}
	if (missing[0] != '\0')
		note(l, "%s names services the registry does not offer, left out: %s", setting,
		    missing);
	if (lost[0] != '\0')
		note(l, "the greeting offers more services than the gate keeps, left out: %s", lost);
}

/* The greeting's word for what we want (want compared without case), else its first. */
static const char *
pick(const char *const *offered, size_t n, const char *want, char *buf, size_t cap)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (epp_uri_token(offered[i], buf, cap) > 0 && strcasecmp(buf, want) == 0)
			return buf;
	for (i = 0; i < n; i++)
		if (epp_uri_token(offered[i], buf, cap) > 0)
			return NULL;
	snprintf(buf, cap, "%s", want);   /* the greeting says nothing: ours */
	return buf;
}

int
rp_negotiate(const struct epp_greeting *g, const struct cfg_epp *c, struct rp_login *l,
    struct eg_err *err)
{
	const char *want_lang = c->lang[0] != '\0' ? c->lang : "en";
	char unfamiliar[RP_OBJS] = "", copy[RP_OBJS], list[RP_OBJS];
	const char *u[MAX_LIST];
	size_t i, n;

	memset(l, 0, sizeof(*l));
	snprintf(l->svid, sizeof(l->svid), "%s", g->svid != NULL ? g->svid : "");
	/* RFC 5730 section 2.4: the client logs in with a version and a language the server
	 * announced. This gate writes EPP 1.0. */
	if (pick(g->version, g->n_version, "1.0", l->version, sizeof(l->version)) == NULL)
		note(l, "the registry does not offer EPP version 1.0: logging in with version "
		    "\"%s\"", l->version);
	if (pick(g->lang, g->n_lang, want_lang, l->lang, sizeof(l->lang)) == NULL)
		note(l, "the registry does not offer lang \"%s\": logging in with \"%s\"",
		    want_lang, l->lang);
	choose(l, g->obj, g->n_obj, c->obj_uris, c->n_obj_uris, c->n_obj_uris > 0,
	    "epp.obj_uris", l->offered_objs, l->objs, sizeof(l->objs));
	choose(l, g->ext, g->n_ext, c->ext_uris, c->n_ext_uris, c->ext_uris_set,
	    "epp.ext_uris", l->offered_exts, l->exts, sizeof(l->exts));
	if (l->objs[0] == '\0') {
		if (l->offered_objs[0] == '\0')
			return eg_err_set(err, EG_EPROTO, "the registry's greeting offers no object "
			    "service (objURI)");
		commas(l->offered_objs, list, sizeof(list));
		return eg_err_set(err, EG_ECONFIG, "epp.obj_uris names none of the object services "
		    "the registry offers (%s)", list);
	}
	snprintf(copy, sizeof(copy), "%s", l->objs);
	n = rp_split(copy, u, MAX_LIST);
	for (i = 0; i < n; i++)
		if (!familiar_obj(u[i]))
			add(unfamiliar, sizeof(unfamiliar), u[i]);
	if (unfamiliar[0] != '\0') {
		commas(unfamiliar, list, sizeof(list));
		if (strcmp(unfamiliar, l->objs) == 0)
			note(l, "the registry offers none of the object services the typed commands "
			    "use (domain, contact, host), only %s: logged in with them; only the epp "
			    "and xml commands can use them", list);
		else
			note(l, "object services without typed commands (only the epp and xml commands "
			    "can use them): %s", list);
	}
	return 0;
}

/* ---- typed commands -------------------------------------------------------- */

/* Skips past the first occurrence of end at or after p; NULL when there is none. */
static const char *
skip_to(const char *p, const char *lim, const char *end)
{
	size_t n = strlen(end);

	for (; p + n <= lim; p++)
		if (memcmp(p, end, n) == 0)
			return p + n;
	return NULL;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Calls fn with each namespace a document declares (the values of xmlns and xmlns:p
 * attributes, as written); text, comments, CDATA sections, processing instructions and
 * declarations are skipped. Stops early when fn returns -1, and returns it.
 */
static int
each_namespace(const char *xml, size_t len, int (*fn)(void *arg, const char *uri),
    void *arg)
{
	const char *p = xml, *lim = xml + len, *name, *v;
	char uri[512];
	size_t nl, vl;
	char q;

	while (p != NULL && (p = memchr(p, '<', (size_t)(lim - p))) != NULL) {
		p++;
		if (p < lim && *p == '!') {
			if (lim - p >= 3 && memcmp(p, "!--", 3) == 0)
				p = skip_to(p, lim, "-->");
			else if (lim - p >= 8 && memcmp(p, "![CDATA[", 8) == 0)
				p = skip_to(p, lim, "]]>");
			else
				p = skip_to(p, lim, ">");
			continue;
		}
		if (p < lim && (*p == '?' || *p == '/')) {
			p = skip_to(p, lim, ">");
			continue;
		}
		/* a start tag: its name, then attributes up to > or /> */
		while (p < lim && !is_ws(*p) && *p != '>' && *p != '/')
			p++;
		for (;;) {
			while (p < lim && is_ws(*p))
				p++;
			if (p >= lim || *p == '>' || *p == '/')
				break;
			name = p;
			while (p < lim && *p != '=' && !is_ws(*p) && *p != '>')
				p++;
			nl = (size_t)(p - name);
			while (p < lim && (is_ws(*p) || *p == '='))
				p++;
			if (p >= lim || (*p != '"' && *p != '\''))
				break;
			q = *p++;
			v = p;
			while (p < lim && *p != q)
				p++;
			if (p >= lim)
				return 0;
			vl = (size_t)(p - v);
			p++;
			if ((nl == 5 || (nl > 6 && name[5] == ':')) && memcmp(name, "xmlns", 5) == 0 &&
			    vl < sizeof(uri)) {
				memcpy(uri, v, vl);
				uri[vl] = '\0';
				if (fn(arg, uri) == -1)
					return -1;
			}
		}
	}
	return 0;
}

struct check {
	const struct rp_login *l;
	struct eg_err *err;
};

static int
check_one(void *arg, const char *uri)
{
	struct check *ck = arg;
	const struct rp_login *l = ck->l;
	enum epp_svc svc;
	const char *name, *kind, *setting, *chosen, *offered;
	char list[400];

	if (strcmp(uri, NS_EPP_BASE) == 0 || strcmp(uri, NS_XSI) == 0)
		return 0;
	svc = epp_uri_service(uri, NULL, 0);
	if (svc == EPP_SVC_DOMAIN || svc == EPP_SVC_CONTACT || svc == EPP_SVC_HOST) {
		kind = "service";
		setting = "epp.obj_uris";
		chosen = l->objs;
		offered = l->offered_objs;
	} else {
		kind = "extension";
		setting = "epp.ext_uris";
		chosen = l->exts;
		offered = l->offered_exts;
	}
	if (rp_list_covers(chosen, uri))
		return 0;
	name = svc != EPP_SVC_OTHER ? epp_svc_name(svc) : uri;
	if (rp_list_covers(offered, uri))
		return eg_err_set(ck->err, EG_EPROTO, "the %s %s (%s) is not in use: %s leaves it "
		    "out", name, kind, uri, setting);
	commas(offered, list, sizeof(list));
	if (list[0] == '\0')
		return eg_err_set(ck->err, EG_EPROTO, "the registry does not offer the %s %s (%s); "
		    "its greeting offers no %ss", name, kind, uri, kind);
	return eg_err_set(ck->err, EG_EPROTO, "the registry does not offer the %s %s (%s); its "
	    "greeting offers: %s", name, kind, uri, list);
}

int
rp_command_check(const struct rp_login *l, const char *xml, size_t len, struct eg_err *err)
{
	struct check ck = {l, err};

	return each_namespace(xml, len, check_one, &ck);
}

int
rp_fee_uri(const struct rp_login *l, char *out, size_t cap)
{
	char copy[RP_EXTS], v[32], best_v[32] = "";
	const char *u[MAX_LIST], *best = NULL;
	size_t i, n;
	int c;

	if (cap > 0)
		out[0] = '\0';
	snprintf(copy, sizeof(copy), "%s", l->exts);
	n = rp_split(copy, u, MAX_LIST);
	for (i = 0; i < n; i++) {
		if (epp_uri_service(u[i], v, sizeof(v)) != EPP_SVC_FEE)
			continue;
		c = best == NULL ? 1 : epp_version_cmp(v, best_v);
		/* equal versions: RFC 8748's urn:ietf:params:xml:ns:epp:fee-1.0 first */
		if (c > 0 || (c == 0 && strstr(u[i], ":epp:fee-") != NULL)) {
			best = u[i];
			snprintf(best_v, sizeof(best_v), "%s", v);
		}
	}
	if (best == NULL || strlen(best) >= cap)
		return 0;
	snprintf(out, cap, "%s", best);
	return 1;
}

/* ---- the shared profile ---------------------------------------------------- */

struct registry_profile {
	pthread_mutex_t mu;
	int known;
	struct rp_login l;
	unsigned long logins;
	int64_t updated_ms;    /* wall clock: the last login */
	int64_t changed_ms;    /* wall clock: when what was negotiated last changed */
};

struct registry_profile *
registry_profile_new(void)
{
	struct registry_profile *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

void
registry_profile_free(struct registry_profile *p)
{
	if (p == NULL)
		return;
	pthread_mutex_destroy(&p->mu);
	free(p);
}

static int
same(const struct rp_login *a, const struct rp_login *b)
{
	return strcmp(a->svid, b->svid) == 0 && strcmp(a->version, b->version) == 0 &&
	    strcmp(a->lang, b->lang) == 0 && strcmp(a->offered_objs, b->offered_objs) == 0 &&
	    strcmp(a->offered_exts, b->offered_exts) == 0 && strcmp(a->objs, b->objs) == 0 &&
	    strcmp(a->exts, b->exts) == 0;
}

int
registry_profile_update(struct registry_profile *p, const struct rp_login *l)
{
	int changed;

	pthread_mutex_lock(&p->mu);
	changed = !p->known || !same(&p->l, l);
	p->l = *l;
	p->known = 1;
	p->logins++;
	p->updated_ms = eg_wall_ms();
	if (changed)
		p->changed_ms = p->updated_ms;
	pthread_mutex_unlock(&p->mu);
	return changed;
}

int
registry_profile_get(struct registry_profile *p, struct rp_login *out)
{
	int known;

	pthread_mutex_lock(&p->mu);
	known = p->known;
	if (known)
		*out = p->l;
	pthread_mutex_unlock(&p->mu);
	return known;
}

int
registry_profile_fee_uri(struct registry_profile *p, char *out, size_t cap)
{
	int r = -1;

	if (cap > 0)
		out[0] = '\0';
	pthread_mutex_lock(&p->mu);
	if (p->known)
		r = rp_fee_uri(&p->l, out, cap) ? 1 : 0;
	pthread_mutex_unlock(&p->mu);
	return r;
}

static json_object *
uri_array(const char *list)
{
	char copy[RP_EXTS];
	const char *u[MAX_LIST];
	json_object *a = json_object_new_array();
	size_t i, n;

	if (a == NULL)
		return NULL;
	snprintf(copy, sizeof(copy), "%s", list);
	n = rp_split(copy, u, MAX_LIST);
	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(u[i]));
	return a;
}

static json_object *
uri_pair(const char *objs, const char *exts)
{
	json_object *o = json_object_new_object();

	if (o != NULL) {
		json_object_object_add(o, "objURIs", uri_array(objs));
		json_object_object_add(o, "extURIs", uri_array(exts));
	}
	return o;
}

json_object *
registry_profile_json(struct registry_profile *p)
{
	struct rp_login *l;
	json_object *o;
	char fee[CFG_NAME * 2];
	unsigned long logins;
	int64_t updated, changed;

	if ((l = malloc(sizeof(*l))) == NULL)
		return NULL;
	pthread_mutex_lock(&p->mu);
	if (!p->known) {
		pthread_mutex_unlock(&p->mu);
		free(l);
		return NULL;
	}
	*l = p->l;
	logins = p->logins;
	updated = p->updated_ms;
	changed = p->changed_ms;
	pthread_mutex_unlock(&p->mu);
	if ((o = json_object_new_object()) != NULL) {
		json_object_object_add(o, "svID", json_object_new_string(l->svid));
		json_object_object_add(o, "version", json_object_new_string(l->version));
		json_object_object_add(o, "lang", json_object_new_string(l->lang));
		json_object_object_add(o, "offered", uri_pair(l->offered_objs, l->offered_exts));
		json_object_object_add(o, "login", uri_pair(l->objs, l->exts));
		json_object_object_add(o, "fee", rp_fee_uri(l, fee, sizeof(fee)) ?
		    json_object_new_string(fee) : NULL);
		if (l->notes[0] != '\0')
			json_object_object_add(o, "notes", json_object_new_string(l->notes));
		json_object_object_add(o, "logins", json_object_new_int64((int64_t)logins));
		json_object_object_add(o, "last_login_ms", json_object_new_int64(updated));
		json_object_object_add(o, "changed_ms", json_object_new_int64(changed));
	}
	free(l);
	return o;
}
