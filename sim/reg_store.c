/* SPDX-License-Identifier: MIT */
/*
 * reg_store.c - the object store: hash tables of domains, hosts and contacts
 * keyed by name or id, name normalisation and checks (the keys), repository object ids
 * (RFC 5730 section 2.8) and what every object owns.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "idn.h"
#include "reg_model.h"

static size_t
hash(const char *s)
{
	size_t h = 14695981039346656037ULL & (size_t)-1;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= (size_t)1099511628211ULL;
	}
	return h;
}

struct reg_obj *
reg_tab_get(struct reg_tab *t, const char *key)
{
	struct reg_obj *o;

	if (t->nb == 0)
		return NULL;
	for (o = t->b[hash(key) & (t->nb - 1)]; o != NULL; o = o->tnext)
		if (strcmp(o->name, key) == 0)
			return o;
	return NULL;
}

static int
tab_grow(struct reg_tab *t)
{
	size_t nb = t->nb ? t->nb * 2 : 64, i, h;
	struct reg_obj **b, *o, *next;

	if ((b = calloc(nb, sizeof(*b))) == NULL)
		return -1;
	for (i = 0; i < t->nb; i++)
		for (o = t->b[i]; o != NULL; o = next) {
			next = o->tnext;
			h = hash(o->name) & (nb - 1);
			o->tnext = b[h];
			b[h] = o;
		}
	free(t->b);
	t->b = b;
	t->nb = nb;
	return 0;
}

int
reg_tab_put(struct reg_tab *t, struct reg_obj *o)
{
	size_t h;

	if (t->n + 1 > t->nb && tab_grow(t) == -1)
		return -1;
	h = hash(o->name) & (t->nb - 1);
	o->tnext = t->b[h];
	t->b[h] = o;
	t->n++;
	return 0;
}

void
reg_tab_del(struct reg_tab *t, struct reg_obj *o)
{
	struct reg_obj **pp;

	if (t->nb == 0)
		return;
	for (pp = &t->b[hash(o->name) & (t->nb - 1)]; *pp != NULL; pp = &(*pp)->tnext)
		if (*pp == o) {
			*pp = o->tnext;
			o->tnext = NULL;
			t->n--;
			return;
		}
}

struct reg_obj *
reg_tab_next(struct reg_tab *t, size_t *i, struct reg_obj *cur)
{
	struct reg_obj *o;

	if (cur != NULL && cur->tnext != NULL)
		return cur->tnext;
	while (*i < t->nb)
		if ((o = t->b[(*i)++]) != NULL)
			return o;
	return NULL;
}

/*
 * Names as a registry takes them: ASCII, case-insensitive, in A-label form. A
 * U-label is not a name on the wire (RFC 5891 4.4: A-labels only), and an
 * "xn--" label must be a valid A-label; idn_label_ok() applies the rules the
 * gate applies before it sends (common/idn.h).
 */
int
reg_name_norm(const char *in, char *out, size_t cap)
{
	size_t n = strlen(in), i, start = 0, labels = 1;
	char c;

	if (n == 0 || n > 253 || n >= cap)
		return -1;
	for (i = 0; i <= n; i++) {
		c = (char)tolower((unsigned char)in[i]);
		out[i] = c;
		if (c == '.' || c == '\0') {
			if (!idn_label_ok(out + start, i - start))
				return -1;
			if (c == '.')
				labels++;
			start = i + 1;
		}
	}
	return labels >= 2 ? 0 : -1;
}

void
reg_new_roid(struct registry *r, char out[32], char kind)
{
	snprintf(out, 32, "%c%lu-SIM", kind, r->next_roid++);
}

void
reg_obj_free(struct reg_obj *o)
{
	int i;

	free(o->name);
	free(o->authpw);
	for (i = 0; i < ST_COUNT; i++)
		free(o->status_text[i]);
}
