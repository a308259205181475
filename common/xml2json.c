/* SPDX-License-Identifier: MIT */
/*
 * xml2json.c - EPP XML to JSON in the reference's form (see xml2json.h).
 *
 * The reference builds an ElementTree (expat) and converts it recursively.
 * libxml2 gives a different tree for the same text: comments, processing
 * instructions and entity references are nodes of their own, so one
 * ElementTree "text" or "tail" can be spread over several text nodes. The walk
 * below flattens a child list on the fly: comments and PIs are skipped, entity
 * references are entered (their content is walked as if it stood in place),
 * and the text between two elements is joined before it is stripped.
 *
 * Each tree node is visited once. Text made of a single node is used where it
 * lies; only text split over several nodes is copied, into one scratch buffer
 * that is reused for the whole document.
 *
 * Two producers share that walk: x2j_convert*() builds json-c objects, and
 * x2j_write*() appends the JSON text itself (see "The text writer" below),
 * byte for byte what json-c prints for the objects of the same document.
 * Every check and every error lies in the shared walk, in the same order, so
 * both refuse the same documents with the same message.
 */
#include "xml2json.h"

#include <libxml/entities.h>
#include <libxml/parser.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "epp_resp.h"
#include "utf8.h"
#include "xmlsafe.h"

#define X2J_MAX_EXPANSION   ((size_t)1 << 20)
/* libxml2 stops a document at 256 levels, but each entity's content is parsed
 * with a fresh count; this bounds the whole walk, entities included. */
#define X2J_MAX_DEPTH       512
/* Entity references open at one time along one path of the walk. */
#define X2J_MAX_ENT_NEST    32
/* Attribute defaults declared in an internal DTD subset (registries send none). */
#define X2J_MAX_DEFAULTS    64

#define XML_NS_URI "http://www.w3.org/XML/1998/namespace"

struct x2j_ctx {
	xmlDocPtr doc;
	struct eg_err *err;
	size_t max_expansion;
	size_t expanded;                        /* bytes of entity replacement text walked */
	struct buf text;                        /* joins text split over several nodes */
	struct buf key;                         /* "@name" / "@{uri}name" */
	xmlNodePtr refs[X2J_MAX_ENT_NEST];      /* entity references being walked, innermost last */
	size_t nref;
	const xmlEntity *prefixes_ok;           /* last entity found free of outer prefixes */
	const xmlAttribute *defs[X2J_MAX_DEFAULTS]; /* DTD attribute defaults, in document order */
	size_t ndefs;

	/* The text writer only (x2j_write*): */
	struct buf *out;                        /* the JSON text */
	struct buf hold;                        /* joined texts kept while children are written */
	struct buf akeys;                       /* one element's attribute keys, NUL-separated */
	struct buf tmp;                         /* a child list regrouped by name */
	struct group *groups;                   /* distinct child names, per open element */
	size_t ngroups, capgroups;
	struct kid *kids;                       /* children written, per open element */
	size_t nkids, capkids;
	uint32_t *slots;                        /* hash tables of names, per open element */
	size_t nslots, capslots;
	struct epp_facts *facts;
};

/* A position in the flattened child list of one element. The entity
 * references it has entered are ctx->refs[base..nref): the walks of nested
 * elements push above those of their parent and pop back before returning. */
struct walk {
	xmlNodePtr cur;
	size_t base;
};

/* A span of text: borrowed from a node while it is one piece, else in ctx->text. */
struct span {
	const char *p;
	size_t n;
	int joined;
};

static int convert_element(struct x2j_ctx *, xmlNodePtr, json_object *, unsigned,
    json_object **);

static int
nomem(struct x2j_ctx *ctx)
{
	return eg_err_set(ctx->err, EG_ENOMEM, "out of memory converting the response");
}

static int
span_add(struct x2j_ctx *ctx, struct span *s, const char *p, size_t n)
{
	if (n == 0)
		return 0;
	if (s->n == 0 && !s->joined) {
		s->p = p;
		s->n = n;
		return 0;
	}
	if (!s->joined) {
		buf_reset(&ctx->text);
		if (buf_append(&ctx->text, s->p, s->n) == -1)
			return nomem(ctx);
		s->joined = 1;
	}
	if (buf_append(&ctx->text, p, n) == -1)
		return nomem(ctx);
	s->p = ctx->text.data;
	s->n = ctx->text.len;
	return 0;
}

/* s stripped as Python's str.strip() does, into *p and *n (0 when nothing is left). */
static int
span_strip(struct x2j_ctx *ctx, const struct span *s, const char **p, size_t *n)
{
	*p = NULL;
	*n = 0;
	if (s->n == 0)
		return 0;
	utf8_strip(s->p, s->n, p, n);
	if (*n > INT_MAX)
		return eg_err_set(ctx->err, EG_ELIMIT, "text of %zu bytes is too long", *n);
	return 0;
}

/* New JSON string of s, stripped; NULL (JSON null) when nothing is left. */
static int
span_string(struct x2j_ctx *ctx, const struct span *s, json_object **out)
{
	const char *p;
	size_t n;

	*out = NULL;
	if (span_strip(ctx, s, &p, &n) == -1)
		return -1;
	if (n == 0)
		return 0;
	if ((*out = json_object_new_string_len(p, (int)n)) == NULL)
		return nomem(ctx);
	return 0;
}

/*
 * The entity a reference node stands for, checked and counted against the
 * budget. Only internal general entities are expanded: the reference (expat)
 * does not load external ones either, and an undefined one is an error for it.
 */
static int
entity_enter(struct x2j_ctx *ctx, xmlNodePtr ref, xmlEntityPtr *out)
{
	xmlEntityPtr ent = (xmlEntityPtr)ref->children;

	*out = NULL;
	if (ent == NULL || ent->type != XML_ENTITY_DECL)
		return eg_err_set(ctx->err, EG_ERESPONSE, "undefined entity '&%s;'",
		    (const char *)ref->name);
	switch (ent->etype) {
	case XML_INTERNAL_GENERAL_ENTITY:
	case XML_INTERNAL_PREDEFINED_ENTITY:
		break;
	case XML_EXTERNAL_GENERAL_PARSED_ENTITY:
	case XML_EXTERNAL_GENERAL_UNPARSED_ENTITY:
		return eg_err_set(ctx->err, EG_ERESPONSE,
		    "external entity '&%s;' is not loaded", (const char *)ref->name);
	default:
		return eg_err_set(ctx->err, EG_ERESPONSE, "entity '&%s;' cannot be used here",
		    (const char *)ref->name);
	}
	if (ent->content != NULL && ent->length > 0 && ent->children == NULL &&
	    ent->etype != XML_INTERNAL_PREDEFINED_ENTITY)
		return eg_err_set(ctx->err, EG_ERESPONSE, "entity '&%s;' was not parsed",
		    (const char *)ref->name);
	/* The replacement text's length stands for what walking it produces: it
	 * counts every reference again, which is what a quadratic blow-up multiplies. */
	if (ent->etype != XML_INTERNAL_PREDEFINED_ENTITY && ent->length > 0) {
		if ((size_t)ent->length > ctx->max_expansion - ctx->expanded)
			return eg_err_set(ctx->err, EG_ELIMIT,
			    "entity expansion exceeds the limit of %zu bytes (at '&%s;')",
			    ctx->max_expansion, (const char *)ref->name);
		ctx->expanded += (size_t)ent->length;
	}
	*out = ent;
	return 0;
}

/* Namespace prefixes declared inside an entity's text, in scope at one point of
 * the scan; more than this and the text is refused as if a prefix were foreign. */
#define X2J_MAX_SCAN_NS 32

struct ns_scope {
	const char *prefix[X2J_MAX_SCAN_NS];
	size_t len[X2J_MAX_SCAN_NS];
	unsigned depth[X2J_MAX_SCAN_NS];        /* element depth that declared it */
	size_t n;
};

/* 1 when the QName name[0..n) has a prefix other than xml and xmlns that is not in
 * scope. */
static int
foreign_prefix(const struct ns_scope *sc, const char *name, size_t n)
{
	const char *colon = memchr(name, ':', n);
	size_t pn, i;

	if (colon == NULL)
		return 0;
	pn = (size_t)(colon - name);
	if ((pn == 5 && strncmp(name, "xmlns", 5) == 0) ||
	    (pn == 3 && strncmp(name, "xml", 3) == 0))
		return 0;
	for (i = sc->n; i > 0; i--)
		if (sc->len[i - 1] == pn && strncmp(sc->prefix[i - 1], name, pn) == 0)
			return 0;
	return 1;
}

/* From the end of an attribute's name, the position after its quoted value; NULL if
 * there is none. */
static const char *
skip_value(const char *p)
{
	char q;

	if ((p = strpbrk(p, "\"'")) == NULL)
		return NULL;
	q = *p;
	if ((p = strchr(p + 1, q)) == NULL)
		return NULL;
	return p + 1;
}

/*
 * 1 when the markup in an entity's replacement text (well-formed: libxml2
 * parsed it) puts a prefix not declared within the text on an attribute, or,
 * when elements is set, on an element. libxml2 parses the text once, away from
 * the namespace context of the reference, and drops such a prefix with its
 * namespace; expat resolves it at each reference. An attribute's key then
 * cannot be known, nor whether a DTD default applies to an element, so the
 * document is refused rather than converted differently.
 */
static int
outer_prefix_in(const char *text, int elements)
{
	struct ns_scope sc;
	const char *p = text, *tag, *attrs;
	unsigned depth = 0;
	size_t n;
	int pass;

	sc.n = 0;
	while ((p = strchr(p, '<')) != NULL) {
		p++;
		if (strncmp(p, "!--", 3) == 0) {
			if ((p = strstr(p + 3, "-->")) == NULL)
				return 0;
			continue;
		}
		if (strncmp(p, "![CDATA[", 8) == 0) {
			if ((p = strstr(p + 8, "]]>")) == NULL)
				return 0;
			continue;
		}
		if (*p == '?') {
			if ((p = strstr(p + 1, "?>")) == NULL)
				return 0;
			continue;
		}
		if (*p == '/') {
			/* end tag: the declarations of the element it closes go out of scope */
			if (depth > 0)
				depth--;
			while (sc.n > 0 && sc.depth[sc.n - 1] > depth)
				sc.n--;
			continue;
		}
		tag = p;
		n = strcspn(p, " \t\r\n/>");
		attrs = p + n;
		depth++;
		/* declarations first (they apply to the tag itself), then the names */
		for (pass = 0; pass < 2; pass++) {
			p = attrs;
			for (;;) {
				p += strspn(p, " \t\r\n");
				if (*p == '\0' || *p == '/' || *p == '>')
					break;
				n = strcspn(p, " \t\r\n=");
				if (pass == 0 && n > 6 && strncmp(p, "xmlns:", 6) == 0) {
					if (sc.n == X2J_MAX_SCAN_NS)
						return 1;
					sc.prefix[sc.n] = p + 6;
					sc.len[sc.n] = n - 6;
					sc.depth[sc.n++] = depth;
				} else if (pass == 1 && foreign_prefix(&sc, p, n))
					return 1;
				if ((p = skip_value(p + n)) == NULL)
					return 0;
			}
		}
		if (elements && foreign_prefix(&sc, tag, strcspn(tag, " \t\r\n/>")))
			return 1;
		if (*p == '/') {
			/* empty-element tag */
			depth--;
			while (sc.n > 0 && sc.depth[sc.n - 1] > depth)
				sc.n--;
		}
	}
	return 0;
}

/*
 * Collects the text from w's position up to the next element (left in w->cur)
 * or the end of the list (w->cur NULL) into *s, not yet stripped (it may lie in
 * ctx->text until the next collection). Comments and PIs vanish and the text on
 * both sides joins.
 */
static int
collect_text(struct x2j_ctx *ctx, struct walk *w, struct span *s)
{
	xmlEntityPtr ent;
	xmlNodePtr n;

	s->p = NULL;
	s->n = 0;
	s->joined = 0;
	for (;;) {
		while (w->cur == NULL) {
			if (ctx->nref == w->base)
				return 0;
			w->cur = ctx->refs[--ctx->nref]->next;
		}
		n = w->cur;
		switch (n->type) {
		case XML_ELEMENT_NODE:
			return 0;
		case XML_TEXT_NODE:
		case XML_CDATA_SECTION_NODE:
			if (n->content != NULL &&
			    span_add(ctx, s, (const char *)n->content,
			    strlen((const char *)n->content)) == -1)
				return -1;
			w->cur = n->next;
			break;
		case XML_ENTITY_REF_NODE:
			if (entity_enter(ctx, n, &ent) == -1)
				return -1;
			if (ent->etype == XML_INTERNAL_PREDEFINED_ENTITY) {
				if (span_add(ctx, s, (const char *)ent->content,
				    (size_t)ent->length) == -1)
					return -1;
				w->cur = n->next;
				break;
			}
			if (ctx->nref == X2J_MAX_ENT_NEST)
				return eg_err_set(ctx->err, EG_ELIMIT,
				    "entities nested deeper than %d (at '&%s;')", X2J_MAX_ENT_NEST,
				    (const char *)n->name);
			if (ent != ctx->prefixes_ok && ent->content != NULL &&
			    outer_prefix_in((const char *)ent->content, ctx->ndefs > 0))
				return eg_err_set(ctx->err, EG_ERESPONSE, "entity '&%s;' uses a "
				    "namespace prefix declared outside it",
				    (const char *)n->name);
			ctx->prefixes_ok = ent;
			ctx->refs[ctx->nref++] = n;
			w->cur = ent->children;
			break;
		case XML_PI_NODE:
			/* expat refuses a colon in a PI target; libxml2 takes it */
			if (strchr((const char *)n->name, ':') != NULL)
				return eg_err_set(ctx->err, EG_ERESPONSE,
				    "invalid processing instruction target '%s'",
				    (const char *)n->name);
			w->cur = n->next;
			break;
		default:
			/* comments and anything else that is not data */
			w->cur = n->next;
			break;
		}
	}
}

/*
 * Appends an attribute value given as a node list (text and entity
 * references). Inside an entity, white space is normalised to spaces as XML
 * attribute-value normalisation requires (libxml2 keeps the replacement text
 * raw when entities are not substituted); character references were already
 * resolved into the text nodes.
 */
static int
attr_text(struct x2j_ctx *ctx, xmlNodePtr list, unsigned nest, struct span *s)
{
	xmlEntityPtr ent;
	const char *p, *q;
	xmlNodePtr n;
	size_t len;

	for (n = list; n != NULL; n = n->next) {
		if (n->type == XML_TEXT_NODE && n->content != NULL) {
			p = (const char *)n->content;
			len = strlen(p);
			if (nest == 0) {
				if (span_add(ctx, s, p, len) == -1)
					return -1;
				continue;
			}
			while (len > 0) {
				q = p;
				while (q < p + len && *q != '\t' && *q != '\n' && *q != '\r')
					q++;
				if (span_add(ctx, s, p, (size_t)(q - p)) == -1)
					return -1;
				if (q == p + len)
					break;
				if (span_add(ctx, s, " ", 1) == -1)
					return -1;
				len -= (size_t)(q - p) + 1;
				p = q + 1;
			}
		} else if (n->type == XML_ENTITY_REF_NODE) {
			if (nest >= X2J_MAX_ENT_NEST)
				return eg_err_set(ctx->err, EG_ELIMIT,
				    "entities nested deeper than %d (at '&%s;')", X2J_MAX_ENT_NEST,
				    (const char *)n->name);
			if (entity_enter(ctx, n, &ent) == -1)
				return -1;
			if (ent->etype == XML_INTERNAL_PREDEFINED_ENTITY) {
				if (span_add(ctx, s, (const char *)ent->content,
				    (size_t)ent->length) == -1)
					return -1;
			} else if (attr_text(ctx, ent->children, nest + 1, s) == -1)
				return -1;
		}
	}
	return 0;
}

/* Builds the key of an attribute in ctx->key: "@local" or "@{uri}local". */
static int
attr_key(struct x2j_ctx *ctx, const xmlChar *uri, const xmlChar *local)
{
	buf_reset(&ctx->key);
	if (uri == NULL) {
		if (buf_append(&ctx->key, "@", 1) == -1)
			return nomem(ctx);
	} else if (buf_append(&ctx->key, "@{", 2) == -1 ||
	    buf_puts(&ctx->key, (const char *)uri) == -1 ||
	    buf_append(&ctx->key, "}", 1) == -1)
		return nomem(ctx);
	if (buf_puts(&ctx->key, (const char *)local) == -1)
		return nomem(ctx);
	return 0;
}

/*
 * libxml2 goes on where expat (the reference) refuses a name: a prefix that no
 * xmlns declared (libxml2 keeps "a:b" as the name, without namespace), or a
 * QName with two colons (libxml2 keeps "b:c" as the local name).
 */
static int
check_name(struct x2j_ctx *ctx, const xmlChar *name, const xmlNs *ns)
{
	if (strchr((const char *)name, ':') == NULL)
		return 0;
	if (ns == NULL)
		return eg_err_set(ctx->err, EG_ERESPONSE, "unbound namespace prefix in '%s'",
		    (const char *)name);
	return eg_err_set(ctx->err, EG_ERESPONSE, "invalid qualified name '%s:%s'",
	    ns->prefix != NULL ? (const char *)ns->prefix : "", (const char *)name);
}

/* 1 when the QName q equals prefix:local (or local when prefix is NULL). */
static int
qname_eq(const xmlChar *q, const xmlChar *prefix, const xmlChar *local)
{
	size_t n;

	if (prefix != NULL) {
		n = strlen((const char *)prefix);
		if (strncmp((const char *)q, (const char *)prefix, n) != 0 || q[n] != ':')
			return 0;
		q += n + 1;
	}
	return strcmp((const char *)q, (const char *)local) == 0;
}

static int
same_str(const xmlChar *a, const xmlChar *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp((const char *)a, (const char *)b) == 0;
}

/*
 * Receives one attribute of an element: its key in ctx->key, its value
 * v[0..n) (valid during the call only). check is set when the key may repeat
 * one already given for the element, which is an error (expat's "duplicate
 * attribute"): two written attributes share a key only when two prefixes name
 * one namespace, so only namespaced ones and DTD defaults need the lookup.
 */
typedef int (*attr_fn)(struct x2j_ctx *, void *, const char *v, size_t n, int check);

/*
 * Gives fn the attributes an internal DTD subset declares with a default value
 * and the element does not carry: expat reports them as if they had been
 * written, after the written ones, in declaration order; libxml2 only does so
 * with XML_PARSE_DTDATTR, which the safe parser does not set.
 */
static int
each_default(struct x2j_ctx *ctx, xmlNodePtr el, attr_fn fn, void *arg)
{
	const xmlChar *eprefix = el->ns != NULL ? el->ns->prefix : NULL;
	struct span s;
	const xmlAttribute *def;
	const xmlChar *uri;
	xmlNodePtr list;
	xmlAttrPtr a;
	xmlNsPtr ns;
	size_t i;
	int rc;

	for (i = 0; i < ctx->ndefs; i++) {
		def = ctx->defs[i];
		if (!qname_eq(def->elem, eprefix, el->name))
			continue;
		for (a = el->properties; a != NULL; a = a->next)
			if (same_str(a->name, def->name) &&
			    same_str(a->ns != NULL ? a->ns->prefix : NULL, def->prefix))
				break;
		if (a != NULL)
			continue;
		uri = NULL;
		if (def->prefix != NULL) {
			if (strcmp((const char *)def->prefix, "xml") == 0)
				uri = (const xmlChar *)XML_NS_URI;
			else {
				for (ns = NULL, list = el; list != NULL && ns == NULL;
				    list = list->parent) {
					if (list->type != XML_ELEMENT_NODE)
						break;
					for (ns = list->nsDef; ns != NULL; ns = ns->next)
						if (same_str(ns->prefix, def->prefix))
							break;
				}
				if (ns == NULL || ns->href == NULL)
					return eg_err_set(ctx->err, EG_ERESPONSE,
					    "unbound namespace prefix in '%s:%s'",
					    (const char *)def->prefix, (const char *)def->name);
				uri = ns->href;
			}
		}
		if (attr_key(ctx, uri, def->name) == -1)
			return -1;
		/* The declared value keeps its references raw; decode them like a written one. */
		s.p = "";
		s.n = 0;
		s.joined = 0;
		if (strchr((const char *)def->defaultValue, '&') == NULL) {
			s.p = (const char *)def->defaultValue;
			s.n = strlen(s.p);
			if (fn(ctx, arg, s.p, s.n, 1) == -1)
				return -1;
		} else {
			if ((list = xmlStringGetNodeList(ctx->doc, def->defaultValue)) == NULL)
				return nomem(ctx);
			/* s may point into list: use it before freeing it */
			rc = attr_text(ctx, list, 0, &s);
			if (rc == 0)
				rc = fn(ctx, arg, s.p, s.n, 1);
			xmlFreeNodeList(list);
			if (rc == -1)
				return -1;
		}
	}
	return 0;
}

/* Gives fn the attributes of el in document order, then the DTD defaults. */
static int
each_attr(struct x2j_ctx *ctx, xmlNodePtr el, attr_fn fn, void *arg)
{
	xmlNodePtr c;
	xmlAttrPtr a;
	struct span s;

	for (a = el->properties; a != NULL; a = a->next) {
		if (check_name(ctx, a->name, a->ns) == -1)
			return -1;
		if (attr_key(ctx, a->ns != NULL ? a->ns->href : NULL, a->name) == -1)
			return -1;
		c = a->children;
		s.p = "";
		s.n = 0;
		s.joined = 0;
		if (c != NULL && c->next == NULL && c->type == XML_TEXT_NODE) {
			/* the usual case: one text node, already normalised by libxml2 */
			if (c->content != NULL) {
				s.p = (const char *)c->content;
				s.n = strlen(s.p);
			}
		} else if (attr_text(ctx, c, 0, &s) == -1)
			return -1;
		if (s.n > INT_MAX)
			return eg_err_set(ctx->err, EG_ELIMIT, "attribute of %zu bytes is too long",
			    s.n);
		if (fn(ctx, arg, s.n ? s.p : "", s.n, a->ns != NULL) == -1)
			return -1;
	}
	if (ctx->ndefs > 0)
		return each_default(ctx, el, fn, arg);
	return 0;
}

/* ---- json-c objects (x2j_convert*) ------------------------------------------ */

/* attr_fn storing the attribute in the object arg. */
static int
attr_store(struct x2j_ctx *ctx, void *arg, const char *p, size_t n, int check)
{
	json_object *d = arg, *value;

	if (check && json_object_object_get_ex(d, ctx->key.data, NULL))
		return eg_err_set(ctx->err, EG_ERESPONSE, "duplicate attribute '%s'",
		    ctx->key.data + 1);
	if ((value = json_object_new_string_len(p, (int)n)) == NULL)
		return nomem(ctx);
	if (json_object_object_add_ex(d, ctx->key.data, value,
	    check ? 0 : JSON_C_OBJECT_ADD_KEY_IS_NEW) == -1) {
		json_object_put(value);
		return nomem(ctx);
	}
	return 0;
}

/*
 * Stores a child's value v (consumed) under key: the first one as it is, the
 * second turns the entry into a list, later ones append. Replacing a json-c
 * object entry keeps its place, so the key stays where it first appeared.
 */
static int
merge_child(struct x2j_ctx *ctx, json_object *d, const char *key, json_object *v)
{
	json_object *old, *list;

	if (!json_object_object_get_ex(d, key, &old)) {
		if (json_object_object_add_ex(d, key, v, JSON_C_OBJECT_ADD_KEY_IS_NEW) == -1)
			goto fail;
		return 0;
	}
	/* Values are objects, strings or null; an array here is one this function made. */
	if (json_object_is_type(old, json_type_array)) {
		if (json_object_array_add(old, v) == -1)
			goto fail;
		return 0;
	}
	if ((list = json_object_new_array_ext(4)) == NULL)
		goto fail;
	if (json_object_array_add(list, json_object_get(old)) == -1) {
		json_object_put(old);
		json_object_put(list);
		goto fail;
	}
	if (json_object_array_add(list, v) == -1) {
		json_object_put(list);
		goto fail;
	}
	/* list now holds its own reference to old; this drops the object's one. */
	if (json_object_object_add(d, key, list) == -1) {
		json_object_put(list);
		return nomem(ctx);
	}
	return 0;
fail:
	json_object_put(v);
	return nomem(ctx);
}

static int
ensure_object(struct x2j_ctx *ctx, json_object **d)
{
	if (*d == NULL && (*d = json_object_new_object()) == NULL)
		return nomem(ctx);
	return 0;
}

/*
 * Converts element el. tail is its stripped tail (consumed; NULL when empty),
 * which the parent collected because it lies in the parent's child list. *out
 * receives the value: an object, a string, or NULL for JSON null.
 */
static int
convert_element(struct x2j_ctx *ctx, xmlNodePtr el, json_object *tail, unsigned depth,
    json_object **out)
{
	json_object *d = NULL, *text = NULL, *ctail = NULL, *v = NULL;
	struct span s;
	struct walk w;
	xmlNodePtr c;

	*out = NULL;
	if (depth > X2J_MAX_DEPTH) {
		eg_err_set(ctx->err, EG_ELIMIT, "elements nested deeper than %d",
		    X2J_MAX_DEPTH);
		goto fail;
	}
	if (el->properties != NULL || ctx->ndefs > 0) {
		if (ensure_object(ctx, &d) == -1 || each_attr(ctx, el, attr_store, d) == -1)
			goto fail;
		if (json_object_object_length(d) == 0) {
			json_object_put(d);
			d = NULL;
		}
	}
	w.cur = el->children;
	w.base = ctx->nref;
	if (collect_text(ctx, &w, &s) == -1 || span_string(ctx, &s, &text) == -1)
		goto fail;
	while (w.cur != NULL) {
		c = w.cur;
		w.cur = c->next;
		if (check_name(ctx, c->name, c->ns) == -1)
			goto fail;
		if (collect_text(ctx, &w, &s) == -1 || span_string(ctx, &s, &ctail) == -1)
			goto fail;
		if (convert_element(ctx, c, ctail, depth + 1, &v) == -1) {
			ctail = NULL;
			goto fail;
		}
		ctail = NULL;
		if (ensure_object(ctx, &d) == -1)
			goto fail;
		if (merge_child(ctx, d, (const char *)c->name, v) == -1) {
			v = NULL;
			goto fail;
		}
		v = NULL;
	}
	if (tail != NULL) {
		if (ensure_object(ctx, &d) == -1)
			goto fail;
		if (json_object_object_add_ex(d, "#tail", tail, JSON_C_OBJECT_ADD_KEY_IS_NEW |
		    JSON_C_OBJECT_ADD_CONSTANT_KEY) == -1) {
			nomem(ctx);
			goto fail;
		}
		tail = NULL;
	}
	if (d == NULL) {
		*out = text;
		return 0;
	}
	if (text != NULL) {
		if (json_object_object_add_ex(d, "#text", text, JSON_C_OBJECT_ADD_KEY_IS_NEW |
		    JSON_C_OBJECT_ADD_CONSTANT_KEY) == -1) {
			nomem(ctx);
			goto fail;
		}
		text = NULL;
	}
	*out = d;
	return 0;
fail:
	json_object_put(tail);
	json_object_put(text);
	json_object_put(ctail);
	json_object_put(v);
	json_object_put(d);
	return -1;
}

/* 1 when q is a name expat takes with namespaces on: no colon, or, when qualified is
 * set, one colon with a part on each side. */
static int
name_ok(const xmlChar *q, int qualified)
{
	const char *c = strchr((const char *)q, ':');

	if (c == NULL)
		return q[0] != '\0';
	return qualified && c != (const char *)q && c[1] != '\0' && strchr(c + 1, ':') == NULL;
}

/* The same for a name libxml2 split into prefix and local part. */
static int
split_name_ok(const xmlChar *prefix, const xmlChar *local)
{
	if (local == NULL || !name_ok(local, 0))
		return 0;
	return prefix == NULL || name_ok(prefix, 0);
}

/*
 * Names expat refuses with namespaces on and libxml2 lets through: colons in
 * processing-instruction targets and entity names, malformed qualified names
 * in declarations. Only documents with a DTD or PIs outside the root get here.
 */
static int
check_prolog(struct x2j_ctx *ctx)
{
	xmlDtdPtr dtd = ctx->doc->intSubset;
	const xmlAttribute *a;
	const xmlElement *e;
	xmlNodePtr n;
	int ok;

	for (n = ctx->doc->children; n != NULL; n = n->next)
		if (n->type == XML_PI_NODE && !name_ok(n->name, 0))
			goto bad;
	if (dtd == NULL)
		return 0;
	for (n = dtd->children; n != NULL; n = n->next) {
		switch (n->type) {
		case XML_PI_NODE:
		case XML_ENTITY_DECL:
			ok = name_ok(n->name, 0);
			break;
		case XML_ELEMENT_DECL:
			e = (const xmlElement *)n;
			ok = split_name_ok(e->prefix, e->name);
			break;
		case XML_ATTRIBUTE_DECL:
			a = (const xmlAttribute *)n;
			ok = split_name_ok(a->prefix, a->name) &&
			    (a->elem == NULL || name_ok(a->elem, 1));
			break;
		default:
			ok = 1;
			break;
		}
		if (!ok)
			goto bad;
	}
	return 0;
bad:
	return eg_err_set(ctx->err, EG_ERESPONSE, "invalid name '%s' in the prolog",
	    n->name != NULL ? (const char *)n->name : "");
}

/* Collects the attribute declarations with a default value of the internal subset. */
static int
collect_defaults(struct x2j_ctx *ctx)
{
	xmlDtdPtr dtd = ctx->doc->intSubset;
	const xmlAttribute *a;
	xmlNodePtr n;

	if (dtd == NULL || dtd->attributes == NULL)
		return 0;
	for (n = dtd->children; n != NULL; n = n->next) {
		if (n->type != XML_ATTRIBUTE_DECL)
			continue;
		a = (const xmlAttribute *)n;
		if (a->defaultValue == NULL || a->elem == NULL ||
		    (a->def != XML_ATTRIBUTE_NONE && a->def != XML_ATTRIBUTE_FIXED))
			continue;
		/* namespace declarations by default are namespaces, not attributes */
		if ((a->prefix == NULL && strcmp((const char *)a->name, "xmlns") == 0) ||
		    (a->prefix != NULL && strcmp((const char *)a->prefix, "xmlns") == 0))
			continue;
		if (ctx->ndefs == X2J_MAX_DEFAULTS)
			return eg_err_set(ctx->err, EG_ELIMIT,
			    "more than %d attribute defaults declared", X2J_MAX_DEFAULTS);
		ctx->defs[ctx->ndefs++] = a;
	}
	return 0;
}

/* Sets ctx up for doc and checks what lies outside the root element; *root receives it. */
static int
ctx_init(struct x2j_ctx *ctx, xmlDocPtr doc, const struct x2j_limits *lim,
    struct eg_err *err, xmlNodePtr *root)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->doc = doc;
	ctx->err = err;
	ctx->max_expansion = lim != NULL && lim->max_expansion != 0 ? lim->max_expansion :
	    X2J_MAX_EXPANSION;
	if (doc == NULL || (*root = xmlDocGetRootElement(doc)) == NULL)
		return eg_err_set(err, EG_ERESPONSE, "document has no root element");
	if (check_prolog(ctx) == -1 || collect_defaults(ctx) == -1 ||
	    check_name(ctx, (*root)->name, (*root)->ns) == -1)
		return -1;
	return 0;
}

static void
ctx_clear(struct x2j_ctx *ctx)
{
	buf_clear(&ctx->text);
	buf_clear(&ctx->key);
	buf_clear(&ctx->hold);
	buf_clear(&ctx->akeys);
	buf_clear(&ctx->tmp);
	free(ctx->groups);
	free(ctx->kids);
	free(ctx->slots);
}

json_object *
x2j_convert_doc(xmlDocPtr doc, const struct x2j_limits *lim, struct eg_err *err)
{
	struct x2j_ctx ctx;
	json_object *root = NULL, *v = NULL;
	xmlNodePtr el;

	if (ctx_init(&ctx, doc, lim, err, &el) == -1)
		goto fail;
	/* The root's tail (after the end tag) is never part of the result. */
	if (convert_element(&ctx, el, NULL, 1, &v) == -1)
		goto fail;
	if ((root = json_object_new_object()) == NULL ||
	    json_object_object_add_ex(root, (const char *)el->name, v,
	    JSON_C_OBJECT_ADD_KEY_IS_NEW) == -1) {
		nomem(&ctx);
		goto fail;
	}
	ctx_clear(&ctx);
	return root;
fail:
	json_object_put(v);
	json_object_put(root);
	ctx_clear(&ctx);
	return NULL;
}

json_object *
x2j_convert_with(struct eg_xml_parser *p, const char *xml, size_t len,
    const struct x2j_limits *lim, struct eg_err *err)
{
	json_object *o;
	xmlDocPtr doc;

	/* The parser refuses an oversized document before libxml2 sees a byte. */
	doc = p != NULL ? eg_xml_parse_with(p, xml, len, lim != NULL ? lim->max_bytes : 0, err) :
	    eg_xml_parse(xml, len, lim != NULL ? lim->max_bytes : 0, err);
	if (doc == NULL)
		return NULL;
	o = x2j_convert_doc(doc, lim, err);
	xmlFreeDoc(doc);
	return o;
}

json_object *
x2j_convert(const char *xml, size_t len, const struct x2j_limits *lim, struct eg_err *err)
{
	return x2j_convert_with(NULL, xml, len, lim, err);
}

const char *
x2j_to_string(json_object *obj, size_t *len)
{
	size_t n = 0;
	const char *s;

	s = json_object_to_json_string_length(obj,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (len != NULL)
		*len = s != NULL ? n : 0;
	return s;
}

/* ---- The text writer (x2j_write*) -------------------------------------------

 * The same walk, appending JSON text to ctx->out instead of building objects.
 * Only two things differ from what json-c does:
 *
 * - #text is the first thing collected and the last written: it is kept
 *   where it lies (one node) or copied to ctx->hold (joined text) until the
 *   children are written; the same for a tail, collected by the parent before
 *   the child is written, as convert_element() does.
 * - A name seen twice makes a list at the place of its first appearance. The
 *   walk leaves w->cur on the next child element, so whether a list starts is
 *   known before a value is written: runs of one name (the usual shape) are
 *   written in place. A name coming back after another one ("b c b") is seen
 *   through a per-element table of names; the element's children are then
 *   regrouped once, after the last of them, from the recorded value spans.
 */

/*
 * json-c 0.16 with JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE
 * prints {"k":v,"k2":v2} and [v,v2] without white space, and escapes keys and
 * values alike: '"' and '\' with a backslash, \b \t \n \f \r by name, every
 * other byte below 0x20 as \u00xx (lower-case hex); '/', DEL and bytes from
 * 0x80 (UTF-8) go as they are. tests/unit/test_x2j_text.c holds json-c to it.
 */
static const char esc_table[256] = {
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'b', 't', 'n', 'u', 'f', 'r', 'u', 'u',
	'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u', 'u',
	0, 0, '"',
	['\\'] = '\\',
};

#define NONE UINT32_MAX
/* Distinct names an element may have before a hash table replaces the linear search. */
#define X2J_LINEAR_NAMES 8

/* A distinct child name of the element being written. */
struct group {
	const xmlChar *name;
	uint32_t hash;
	uint32_t count;
	uint32_t first, last;           /* its children (struct kid), in document order */
	int open;                       /* its list is open in the text */
};

/* A child written: where its value lies in ctx->out. */
struct kid {
	size_t vs, ve;
	uint32_t next;                  /* the next child of the same name */
};

/* The names of one element: ctx->groups[gbase..], ctx->kids[kbase..], and once there
 * are more than X2J_LINEAR_NAMES, a hash table ctx->slots[hbase..hbase+hcap). */
struct gtab {
	size_t gbase, kbase, hbase, hcap;
};

/* Stripped text kept for later: in the tree (p) or in ctx->hold at off. */
struct wtext {
	const char *p;
	size_t off;
	size_t n;
	int held;
};

/* An element being written. */
struct wel {
	unsigned role;                  /* its role for ctx->facts (0: none) */
	unsigned nkeys;                 /* keys written in its object */
	int record;                     /* its attribute keys go to ctx->akeys */
};

static int write_element(struct x2j_ctx *, xmlNodePtr, const struct wtext *, unsigned,
    unsigned);

/* Room for n more bytes and the final NUL. */
static inline int
room(struct buf *b, size_t n)
{
	return n < b->cap - b->len ? 0 : buf_reserve(b, n);
}

static inline int
out_ch(struct buf *b, char c)
{
	if (room(b, 1) == -1)
		return -1;
	b->data[b->len++] = c;
	return 0;
}

static inline int
out_mem(struct buf *b, const char *p, size_t n)
{
	if (room(b, n) == -1)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

/* A JSON string of s[0..n), escaped as json-c does (esc_table). */
static int
out_str(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s, *end = p + n, *run;
	char c, *o;

	if (room(b, n + 2) == -1)
		return -1;
	b->data[b->len++] = '"';
	for (;;) {
		run = p;
		while (p < end && esc_table[*p] == 0)
			p++;
		if (out_mem(b, (const char *)run, (size_t)(p - run)) == -1)
			return -1;
		if (p == end)
			break;
		if (room(b, 6) == -1)
			return -1;
		o = b->data + b->len;
		c = esc_table[*p];
		*o++ = '\\';
		*o++ = c;
		if (c == 'u') {
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
		b->len = (size_t)(o - b->data);
		p++;
	}
	return out_ch(b, '"');
}

/* "name": */
static int
out_key(struct buf *b, const char *name, size_t n)
{
	if (out_str(b, name, n) == -1)
		return -1;
	return out_ch(b, ':');
}

static const char *
wtext_ptr(const struct x2j_ctx *ctx, const struct wtext *t)
{
	return t->held ? ctx->hold.data + t->off : t->p;
}

/* Strips s into t, copying it to ctx->hold when it lies in ctx->text (which the next
 * collection reuses). The caller gives the hold back by restoring ctx->hold.len. */
static int
keep_text(struct x2j_ctx *ctx, const struct span *s, struct wtext *t)
{
	const char *p;
	size_t n;

	if (span_strip(ctx, s, &p, &n) == -1)
		return -1;
	t->p = p;
	t->n = n;
	t->off = 0;
	t->held = 0;
	if (n > 0 && s->joined) {
		t->off = ctx->hold.len;
		t->held = 1;
		if (buf_append(&ctx->hold, p, n) == -1)
			return nomem(ctx);
	}
	return 0;
}

/* 1 when key[0..n) is among the NUL-separated keys of keys. */
static int
key_seen(const struct buf *keys, const char *key, size_t n)
{
	const char *p = keys->data, *end = keys->data + keys->len;
	size_t m;

	while (p < end) {
		m = strlen(p);
		if (m == n && memcmp(p, key, n) == 0)
			return 1;
		p += m + 1;
	}
	return 0;
}

/* attr_fn writing the attribute into the element's object (opened by the first). */
static int
attr_write(struct x2j_ctx *ctx, void *arg, const char *p, size_t n, int check)
{
	struct wel *e = arg;
	struct buf *b = ctx->out;

	if (e->record) {
		if (check && key_seen(&ctx->akeys, ctx->key.data, ctx->key.len))
			return eg_err_set(ctx->err, EG_ERESPONSE, "duplicate attribute '%s'",
			    ctx->key.data + 1);
		if (buf_append(&ctx->akeys, ctx->key.data, ctx->key.len + 1) == -1)
			return nomem(ctx);
	}
	if (out_ch(b, e->nkeys++ > 0 ? ',' : '{') == -1 ||
	    out_key(b, ctx->key.data, ctx->key.len) == -1 || out_str(b, p, n) == -1)
		return nomem(ctx);
	if (e->role != 0 && epp_facts_attr(ctx->facts, e->role, ctx->key.data, p, n) == -1)
		return nomem(ctx);
	return 0;
}

/* FNV-1a of a name. */
static uint32_t
name_hash(const xmlChar *name)
{
	uint32_t h = 2166136261u;

	while (*name != '\0')
		h = (h ^ *name++) * 16777619u;
	return h;
}

static int
same_name(const xmlChar *a, const xmlChar *b)
{
	/* names from the parser's dictionary are shared: most comparisons end here */
	return a == b || strcmp((const char *)a, (const char *)b) == 0;
}

/* (Re)builds t's hash table with cap slots, at the top of ctx->slots: the tables of
 * the element's children were given back before this element takes a new name. */
static int
gtab_rehash(struct x2j_ctx *ctx, struct gtab *t, size_t cap)
{
	uint32_t *v;
	size_t i, j, need = t->hbase + cap;

	if (need > ctx->capslots) {
		if ((v = realloc(ctx->slots, need * sizeof(*v))) == NULL)
			return nomem(ctx);
		ctx->slots = v;
		ctx->capslots = need;
	}
	memset(ctx->slots + t->hbase, 0, cap * sizeof(*ctx->slots));
	t->hcap = cap;
	ctx->nslots = need;
	for (i = t->gbase; i < ctx->ngroups; i++) {
		for (j = ctx->groups[i].hash & (cap - 1); ctx->slots[t->hbase + j] != 0;
		    j = (j + 1) & (cap - 1))
			;
		ctx->slots[t->hbase + j] = (uint32_t)(i - t->gbase + 1);
	}
	return 0;
}

/* The group of name in t, or NONE. */
static uint32_t
gtab_find(const struct x2j_ctx *ctx, const struct gtab *t, const xmlChar *name, uint32_t h)
{
	const struct group *g;
	size_t i, j;
	uint32_t s;

	if (t->hcap == 0) {
		for (i = t->gbase; i < ctx->ngroups; i++)
			if (ctx->groups[i].hash == h && same_name(ctx->groups[i].name, name))
				return (uint32_t)i;
		return NONE;
	}
	for (j = h & (t->hcap - 1); (s = ctx->slots[t->hbase + j]) != 0;
	    j = (j + 1) & (t->hcap - 1)) {
		g = &ctx->groups[t->gbase + s - 1];
		if (g->hash == h && same_name(g->name, name))
			return (uint32_t)(t->gbase + s - 1);
	}
	return NONE;
}

/* A new group for name in t; its index, or NONE when out of memory. */
static uint32_t
gtab_add(struct x2j_ctx *ctx, struct gtab *t, const xmlChar *name, uint32_t h)
{
	struct group *g;
	size_t n, cap;

	if (ctx->ngroups == ctx->capgroups) {
		cap = ctx->capgroups ? ctx->capgroups * 2 : 32;
		if (cap >= NONE || (g = realloc(ctx->groups, cap * sizeof(*g))) == NULL) {
			nomem(ctx);
			return NONE;
		}
		ctx->groups = g;
		ctx->capgroups = cap;
	}
	g = &ctx->groups[ctx->ngroups++];
	g->name = name;
	g->hash = h;
	g->count = 0;
	g->first = g->last = NONE;
	g->open = 0;
	n = ctx->ngroups - t->gbase;
	if (t->hcap == 0 ? n > X2J_LINEAR_NAMES : n * 2 > t->hcap) {
		if (gtab_rehash(ctx, t, t->hcap == 0 ? 32 : t->hcap * 2) == -1)
			return NONE;
	} else if (t->hcap != 0) {
		size_t j;

		for (j = h & (t->hcap - 1); ctx->slots[t->hbase + j] != 0;
		    j = (j + 1) & (t->hcap - 1))
			;
		ctx->slots[t->hbase + j] = (uint32_t)n;
	}
	return (uint32_t)(ctx->ngroups - 1);
}

/* Records a child of group gi about to be written; its index. */
static uint32_t
kid_add(struct x2j_ctx *ctx, uint32_t gi)
{
	struct group *g = &ctx->groups[gi];
	struct kid *k;
	size_t cap;
	uint32_t ki;

	if (ctx->nkids == ctx->capkids) {
		cap = ctx->capkids ? ctx->capkids * 2 : 64;
		if (cap >= NONE || (k = realloc(ctx->kids, cap * sizeof(*k))) == NULL) {
			nomem(ctx);
			return NONE;
		}
		ctx->kids = k;
		ctx->capkids = cap;
	}
	ki = (uint32_t)ctx->nkids++;
	k = &ctx->kids[ki];
	k->vs = k->ve = ctx->out->len;
	k->next = NONE;
	if (g->last != NONE)
		ctx->kids[g->last].next = ki;
	else
		g->first = ki;
	g->last = ki;
	g->count++;
	return ki;
}

/*
 * Rewrites ctx->out from kstart with the children of t grouped by name, in
 * order of first appearance, each name with its value or list of values; comma
 * when a key precedes the first. Values are taken from the spans recorded, the
 * rest of what was written from kstart (keys, brackets) is dropped.
 */
static int
regroup(struct x2j_ctx *ctx, const struct gtab *t, size_t kstart, int comma)
{
	struct buf *tmp = &ctx->tmp;
	const struct group *g;
	const struct kid *k;
	size_t i;
	uint32_t ki;

	buf_reset(tmp);
	for (i = t->gbase; i < ctx->ngroups; i++) {
		g = &ctx->groups[i];
		if ((comma && out_ch(tmp, ',') == -1) ||
		    out_key(tmp, (const char *)g->name, strlen((const char *)g->name)) == -1 ||
		    (g->count > 1 && out_ch(tmp, '[') == -1))
			return nomem(ctx);
		comma = 1;
		for (ki = g->first; ki != NONE; ki = k->next) {
			k = &ctx->kids[ki];
			if ((ki != g->first && out_ch(tmp, ',') == -1) ||
			    out_mem(tmp, ctx->out->data + k->vs, k->ve - k->vs) == -1)
				return nomem(ctx);
		}
		if (g->count > 1 && out_ch(tmp, ']') == -1)
			return nomem(ctx);
	}
	ctx->out->len = kstart;
	if (out_mem(ctx->out, tmp->data, tmp->len) == -1)
		return nomem(ctx);
	return 0;
}

/*
 * Writes the children of an element, from w's position (the first child), as
 * keys of the object the caller opened; e->nkeys counts the keys before them.
 * The checks and collections run in the order of convert_element().
 */
static int
write_children(struct x2j_ctx *ctx, struct walk *w, struct wel *e, unsigned depth)
{
	struct buf *out = ctx->out;
	struct gtab t = {ctx->ngroups, ctx->nkids, ctx->nslots, 0};
	size_t kstart = out->len, hold0;
	uint32_t gi, ki, prev = NONE, h;
	int comma0 = e->nkeys > 0, mixed = 0, isnew;
	struct wtext tail;
	struct span s;
	xmlNodePtr c, next;
	unsigned role;

	while (w->cur != NULL) {
		c = w->cur;
		w->cur = c->next;
		if (check_name(ctx, c->name, c->ns) == -1)
			return -1;
		hold0 = ctx->hold.len;
		if (collect_text(ctx, w, &s) == -1 || keep_text(ctx, &s, &tail) == -1)
			return -1;
		next = w->cur;          /* the next child element, or NULL */
		isnew = 0;
		if (prev != NONE && same_name(ctx->groups[prev].name, c->name))
			gi = prev;
		else {
			h = name_hash(c->name);
			if ((gi = gtab_find(ctx, &t, c->name, h)) != NONE)
				mixed = 1;      /* the name comes back after another one */
			else if ((gi = gtab_add(ctx, &t, c->name, h)) == NONE)
				return -1;
			else
				isnew = 1;
		}
		if (!mixed) {
			if (!isnew) {
				/* a run goes on: its list was opened on seeing this child */
				if (out_ch(out, ',') == -1)
					return nomem(ctx);
			} else if ((e->nkeys > 0 && out_ch(out, ',') == -1) || out_key(out,
			    (const char *)c->name, strlen((const char *)c->name)) == -1)
				return nomem(ctx);
			else if (next != NULL && same_name(next->name, c->name)) {
				if (out_ch(out, '[') == -1)
					return nomem(ctx);
				ctx->groups[gi].open = 1;
			}
		}
		e->nkeys++;
		if ((ki = kid_add(ctx, gi)) == NONE)
			return -1;
		role = e->role != 0 ? epp_facts_child(ctx->facts, e->role,
		    (const char *)c->name) : 0;
		if (write_element(ctx, c, tail.n > 0 ? &tail : NULL, depth + 1, role) == -1)
			return -1;
		ctx->kids[ki].ve = out->len;
		ctx->hold.len = hold0;
		if (!mixed && ctx->groups[gi].open &&
		    (next == NULL || !same_name(next->name, c->name))) {
			if (out_ch(out, ']') == -1)
				return nomem(ctx);
			ctx->groups[gi].open = 0;
		}
		prev = gi;
	}
	if (mixed && regroup(ctx, &t, kstart, comma0) == -1)
		return -1;
	ctx->ngroups = t.gbase;
	ctx->nkids = t.kbase;
	ctx->nslots = t.hbase;
	return 0;
}

/* 1 when an attribute of el is in a namespace. */
static int
ns_attr(xmlNodePtr el)
{
	xmlAttrPtr a;

	for (a = el->properties; a != NULL; a = a->next)
		if (a->ns != NULL)
			return 1;
	return 0;
}

/*
 * Writes the value of element el (convert_element() of the json-c form): an
 * object, a string or null. tail is its stripped tail (NULL when empty).
 */
static int
write_element(struct x2j_ctx *ctx, xmlNodePtr el, const struct wtext *tail, unsigned depth,
    unsigned role)
{
	struct wel e = {role, 0, 0};
	struct buf *out = ctx->out;
	size_t hold0 = ctx->hold.len;
	struct wtext text;
	struct span s;
	struct walk w;

	if (depth > X2J_MAX_DEPTH)
		return eg_err_set(ctx->err, EG_ELIMIT, "elements nested deeper than %d",
		    X2J_MAX_DEPTH);
	if (el->properties != NULL || ctx->ndefs > 0) {
		/* Keys are recorded for the duplicate check only when one can happen. */
		if ((e.record = ctx->ndefs > 0 || ns_attr(el)))
			buf_reset(&ctx->akeys);
		if (each_attr(ctx, el, attr_write, &e) == -1)
			return -1;
	}
	w.cur = el->children;
	w.base = ctx->nref;
	if (collect_text(ctx, &w, &s) == -1 || keep_text(ctx, &s, &text) == -1)
		return -1;
	if (role != 0 && text.n > 0 &&
	    epp_facts_text(ctx->facts, role, wtext_ptr(ctx, &text), text.n) == -1)
		return nomem(ctx);
	if (e.nkeys == 0 && w.cur == NULL && tail == NULL) {
		/* no key: the value is the text, or null */
		if (role != 0)
			epp_facts_value(ctx->facts, role, 0);
		if ((text.n > 0 ? out_str(out, wtext_ptr(ctx, &text), text.n) :
		    out_mem(out, "null", 4)) == -1)
			return nomem(ctx);
		ctx->hold.len = hold0;
		return 0;
	}
	if (role != 0)
		epp_facts_value(ctx->facts, role, 1);
	if (e.nkeys == 0 && out_ch(out, '{') == -1)
		return nomem(ctx);
	if (w.cur != NULL && write_children(ctx, &w, &e, depth) == -1)
		return -1;
	if (tail != NULL && ((e.nkeys++ > 0 && out_ch(out, ',') == -1) ||
	    out_mem(out, "\"#tail\":", 8) == -1 ||
	    out_str(out, wtext_ptr(ctx, tail), tail->n) == -1))
		return nomem(ctx);
	if (text.n > 0 && ((e.nkeys++ > 0 && out_ch(out, ',') == -1) ||
	    out_mem(out, "\"#text\":", 8) == -1 ||
	    out_str(out, wtext_ptr(ctx, &text), text.n) == -1))
		return nomem(ctx);
	if (out_ch(out, '}') == -1)
		return nomem(ctx);
	ctx->hold.len = hold0;
	return 0;
}

int
x2j_put_string(struct buf *out, const char *s, size_t n)
{
	if (out_str(out, s, n) == -1)
		return -1;
	out->data[out->len] = '\0';   /* out_str leaves room for it */
	return 0;
}

int
x2j_write_doc(xmlDocPtr doc, const struct x2j_limits *lim, struct buf *out,
    struct epp_facts *facts, struct eg_err *err)
{
	struct x2j_ctx ctx;
	size_t start = out->len;
	xmlNodePtr el;
	unsigned role;
	int rc = -1;

	if (facts != NULL)
		epp_facts_reset(facts);
	if (ctx_init(&ctx, doc, lim, err, &el) == -1)
		goto done;
	ctx.out = out;
	ctx.facts = facts;
	role = facts != NULL ? epp_facts_child(facts, EPP_FACTS_DOC, (const char *)el->name) :
	    0;
	/* {"root": value}; the root's tail is never part of the result. */
	if (out_ch(out, '{') == -1 ||
	    out_key(out, (const char *)el->name, strlen((const char *)el->name)) == -1) {
		nomem(&ctx);
		goto done;
	}
	if (write_element(&ctx, el, NULL, 1, role) == -1)
		goto done;
	if (out_ch(out, '}') == -1) {
		nomem(&ctx);
		goto done;
	}
	out->data[out->len] = '\0';
	rc = 0;
done:
	if (rc == -1) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		if (facts != NULL)
			epp_facts_reset(facts);
	}
	ctx_clear(&ctx);
	return rc;
}

int
x2j_write_with(struct eg_xml_parser *p, const char *xml, size_t len,
    const struct x2j_limits *lim, struct buf *out, struct epp_facts *facts,
    struct eg_err *err)
{
	xmlDocPtr doc;
	int rc;

	doc = p != NULL ? eg_xml_parse_with(p, xml, len, lim != NULL ? lim->max_bytes : 0, err) :
	    eg_xml_parse(xml, len, lim != NULL ? lim->max_bytes : 0, err);
	if (doc == NULL) {
		if (facts != NULL)
			epp_facts_reset(facts);
		return -1;
	}
	rc = x2j_write_doc(doc, lim, out, facts, err);
	xmlFreeDoc(doc);
	return rc;
}

int
x2j_write(const char *xml, size_t len, const struct x2j_limits *lim, struct buf *out,
    struct epp_facts *facts, struct eg_err *err)
{
	return x2j_write_with(NULL, xml, len, lim, out, facts, err);
}
