/* SPDX-License-Identifier: MIT */
/*
 * cmd_session.c - the session commands the gate sends on its own behalf:
 * <login>, <logout> and the keepalive <hello/>. Messages never repeat a
 * password.
 */
#include <string.h>

#include "credentials.h"
#include "epp_build.h"
#include "epp_cmd.h"
#include "utf8.h"

#define XC(s) ((const xmlChar *)(s))

/* A token of min..max characters without whitespace (ids, languages, URIs). */
static int
token_ok(const char *s, size_t min, size_t max)
{
	size_t i, chars = 0, n;

	if (s == NULL)
		return 0;
	n = strlen(s);
	if (!utf8_xml_ok(s, n, NULL, NULL))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')
			return 0;
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			chars++;
	}
	return chars >= min && chars <= max;
}

static int
finish(struct epp_build *b, const char *cltrid, char **xml, size_t *len, struct eg_err *err)
{
	if (cltrid != NULL) {
		if (!eb_cltrid_ok(cltrid)) {
			eg_err_set(err, EG_EPROTO, "clTRID must be 3 to 64 printable ASCII "
			    "characters without spaces");
			goto fail;
		}
		eb_cltrid(b, cltrid);
	}
	if (b->oom) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		goto fail;
	}
	if (eb_serialize(b->doc, xml, len, err) != 0)
		goto fail;
	eb_clear(b);
	return 0;
fail:
	eb_clear(b);
	return -1;
}

int
epp_build_login(const struct epp_login *l, const char *cltrid, char **xml, size_t *len,
    struct eg_err *err)
{
	struct epp_build b;
	const char *version = l->version ? l->version : "1.0";
	const char *lang = l->lang ? l->lang : "en";
	const char *why;
	xmlNodePtr login, opt, svcs, ext;
	size_t i;

	*xml = NULL;
	*len = 0;
	/* Limits from epp-1.0.xsd: clIDType 3-16, versionType "1.0"; passwords follow
	 * pwType with the gate's longer maximum (credentials.h), the rule that
	 * --check-config applies too. */
	if (!token_ok(l->clid, 3, 16))
		return eg_err_set(err, EG_ECONFIG, "login id must be 3 to 16 characters "
		    "without spaces");
	if ((why = cred_pw_problem(l->pw)) != NULL)
		return eg_err_set(err, EG_ECONFIG, "login password %s", why);
	if (l->newpw != NULL && (why = cred_pw_problem(l->newpw)) != NULL)
		return eg_err_set(err, EG_ECONFIG, "new login password %s", why);
	if (strcmp(version, "1.0") != 0)
		return eg_err_set(err, EG_ECONFIG, "EPP version must be 1.0");
	if (!token_ok(lang, 1, 35))
		return eg_err_set(err, EG_ECONFIG, "login language must be a language tag");
	if (l->n_obj == 0 || l->obj_uris == NULL)
		return eg_err_set(err, EG_ECONFIG, "login needs at least one object URI");
	for (i = 0; i < l->n_obj; i++)
		if (!token_ok(l->obj_uris[i], 1, 255) || !eb_uri_ok(l->obj_uris[i]))
			return eg_err_set(err, EG_ECONFIG, "object URI %zu is not a URI", i + 1);
	for (i = 0; i < l->n_ext; i++)
		if (l->ext_uris == NULL || !token_ok(l->ext_uris[i], 1, 255) ||
		    !eb_uri_ok(l->ext_uris[i]))
			return eg_err_set(err, EG_ECONFIG, "extension URI %zu is not a URI", i + 1);
	if (eb_init(&b, err) != 0)
		return -1;
	login = eb_command(&b, "login");
	eb_el(&b, login, "clID", l->clid);
	eb_el(&b, login, "pw", l->pw);
	if (l->newpw != NULL)
		eb_el(&b, login, "newPW", l->newpw);
	opt = eb_el(&b, login, "options", NULL);
	eb_el(&b, opt, "version", version);
	eb_el(&b, opt, "lang", lang);
	svcs = eb_el(&b, login, "svcs", NULL);
	for (i = 0; i < l->n_obj; i++)
		eb_el(&b, svcs, "objURI", l->obj_uris[i]);
	if (l->n_ext > 0) {
		ext = eb_el(&b, svcs, "svcExtension", NULL);
		for (i = 0; i < l->n_ext; i++)
			eb_el(&b, ext, "extURI", l->ext_uris[i]);
	}
	return finish(&b, cltrid, xml, len, err);
}

int
epp_build_logout(const char *cltrid, char **xml, size_t *len, struct eg_err *err)
{
	struct epp_build b;

	*xml = NULL;
	*len = 0;
	if (eb_init(&b, err) != 0)
		return -1;
	eb_command(&b, "logout");
	return finish(&b, cltrid, xml, len, err);
}

int
epp_build_hello(char **xml, size_t *len, struct eg_err *err)
{
	struct epp_build b;

	*xml = NULL;
	*len = 0;
	if (eb_init(&b, err) != 0)
		return -1;
	if (xmlNewChild(b.epp, b.epp->ns, XC("hello"), NULL) == NULL)
		b.oom = 1;
	return finish(&b, NULL, xml, len, err);
}
