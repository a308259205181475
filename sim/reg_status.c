/* SPDX-License-Identifier: MIT */
/*
 * reg_status.c - object statuses (RFC 5731 section 2.3, RFC 5732 section 2.3,
 * RFC 5733 section 2.2): their names, setting and clearing them, showing them
 * in info responses, and the add/rem lists of update commands.
 */
#include <stdlib.h>
#include <string.h>

#include "reg_model.h"

static const char *const st_names[ST_COUNT] = {
	"clientDeleteProhibited", "clientHold", "clientRenewProhibited",
	"clientTransferProhibited", "clientUpdateProhibited", "inactive", "linked", "ok",
	"pendingCreate", "pendingDelete", "pendingRenew", "pendingTransfer", "pendingUpdate",
	"serverDeleteProhibited", "serverHold", "serverRenewProhibited",
	"serverTransferProhibited", "serverUpdateProhibited",
};

const char *
reg_st_name(enum reg_st s)
{
	return s < ST_COUNT ? st_names[s] : "ok";
}

int
reg_st_parse(const char *name)
{
	int i;

	for (i = 0; i < ST_COUNT; i++)
		if (strcmp(st_names[i], name) == 0)
			return i;
	return -1;
}

int
reg_st_set(struct reg_obj *o, enum reg_st s, const char *text)
{
	char *t = NULL;

	if (text != NULL && text[0] != '\0' && (t = strdup(text)) == NULL)
		return -1;
	free(o->status_text[s]);
	o->status_text[s] = t;
	o->status |= STB(s);
	return 0;
}

void
reg_st_clear(struct reg_obj *o, enum reg_st s)
{
	free(o->status_text[s]);
	o->status_text[s] = NULL;
	o->status &= ~STB(s);
}

/* Readable filler for --info-pad: normalizedString-safe (no tabs or newlines). */
static char *
pad_text(const char *first, size_t pad)
{
	static const char unit[] = "epp-sim info padding ";
	size_t lf = first ? strlen(first) : 0, i;
	char *s = malloc(lf + pad + 2);

	if (s == NULL)
		return NULL;
	memcpy(s, first ? first : "", lf);
	if (lf > 0)
		s[lf++] = ' ';
	for (i = 0; i < pad; i++)
		s[lf + i] = unit[i % (sizeof(unit) - 1)];
	s[lf + pad] = '\0';
	return s;
}

void
reg_show_status(xmlNodePtr parent, const struct reg_obj *o, uint32_t extra, size_t pad)
{
	uint32_t bits = o->status | extra;
	xmlNodePtr n;
	char *padded;
	int s;

	if (bits == 0)
		bits = STB(ST_OK);
	for (s = 0; s < ST_COUNT; s++) {
		if (!(bits & STB(s)))
			continue;
		if (pad > 0 && (padded = pad_text(o->status_text[s], pad)) != NULL) {
			n = sx_add(parent, "status", padded);
			free(padded);
			pad = 0;
		} else {
			n = sx_add(parent, "status", o->status_text[s]);
		}
		sx_set_attr(n, "s", st_names[s]);
	}
}

int
reg_read_statuses(struct reg_cmd *c, xmlNodePtr addrem, const char *ns, uint32_t allowed,
    uint32_t *bits, char (*texts)[256])
{
	xmlNodePtr n;
	char name[64];
	int s;

	*bits = 0;
	for (n = sx_child(addrem, ns, "status"); n != NULL; n = sx_next(n, ns, "status")) {
		sx_attr(n, "s", name, sizeof(name));
		if ((s = reg_st_parse(name)) < 0) {
			sx_resp_result(c->resp, 2005, "unknown status '%s'", name);
			return -1;
		}
		if (!(allowed & STB(s))) {
			sx_resp_result(c->resp, 2306, "status '%s' cannot be set or removed by a client",
			    name);
			return -1;
		}
		if (*bits & STB(s)) {
			sx_resp_result(c->resp, 2306, "status '%s' given twice", name);
			return -1;
		}
		*bits |= STB(s);
		if (texts != NULL && sx_text(n, texts[s], 256) == -1) {
			sx_resp_result(c->resp, 2005, "the text of status '%s' is too long", name);
			return -1;
		}
	}
	return 0;
}

int
reg_check_statuses(struct reg_cmd *c, const struct reg_obj *o, uint32_t add, uint32_t rem)
{
	int s;

	for (s = 0; s < ST_COUNT; s++) {
		if ((add & STB(s)) && (o->status & STB(s)) && !(rem & STB(s))) {
			sx_resp_result(c->resp, 2306, "status '%s' is set already", reg_st_name(s));
			return -1;
		}
		if ((rem & STB(s)) && !(o->status & STB(s))) {
			sx_resp_result(c->resp, 2306, "status '%s' is not set", reg_st_name(s));
			return -1;
		}
	}
	return 0;
}

int
reg_apply_statuses(struct reg_obj *o, uint32_t add, char (*texts)[256], uint32_t rem)
{
	int s;

	for (s = 0; s < ST_COUNT; s++) {
		if (rem & STB(s))
			reg_st_clear(o, s);
		if ((add & STB(s)) && reg_st_set(o, s, texts ? texts[s] : NULL) == -1)
			return -1;
	}
	return 0;
}
