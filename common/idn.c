/* SPDX-License-Identifier: MIT */
/*
 * idn.c - domain and host names to their A-label form (IDNA2008 with the
 * UTS #46 mapping, libidn2), and the reason when a name cannot be sent
 * (see idn.h).
 */
#include "idn.h"

#include <idn2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define QUOTE_MAX   80          /* bytes of a label quoted in a message */
#define LABELS_MAX  128         /* a 253-octet name has at most 127 labels */
#define LDH_BADCHAR 1           /* ldh_check(): a character other than a-z, 0-9, '-' */

/* A label of the caller's text (for messages) or of the mapped name. */
struct span {
	const char *p;
	size_t n;
};

static int
is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Bytes of the label separator at s: "." or one that UTS #46 maps to it (U+3002
 * IDEOGRAPHIC FULL STOP, U+FF0E FULLWIDTH FULL STOP, U+FF61 HALFWIDTH IDEOGRAPHIC
 * FULL STOP); 0 for anything else. s is NUL-terminated. */
static size_t
dot_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] == '.')
		return 1;
	if ((u[0] == 0xe3 && u[1] == 0x80 && u[2] == 0x82) ||
	    (u[0] == 0xef && u[1] == 0xbc && u[2] == 0x8e) ||
	    (u[0] == 0xef && u[1] == 0xbd && u[2] == 0xa1))
		return 3;
	return 0;
}

/* The labels of s (NUL-terminated); their number, LABELS_MAX + 1 when there are more. */
static size_t
split(const char *s, struct span *out)
{
	const char *start = s;
	size_t n = 0, d;

	for (;;) {
		d = *s == '\0' ? 0 : dot_len(s);
		if (*s != '\0' && d == 0) {
			s++;
			continue;
		}
		if (n == LABELS_MAX)
			return LABELS_MAX + 1;
		out[n].p = start;
		out[n].n = (size_t)(s - start);
		n++;
		if (*s == '\0')
			return n;
		s += d;
		start = s;
	}
}

/* The label as a quotable string: at most QUOTE_MAX bytes, cut on a character boundary. */
static const char *
quote(char buf[QUOTE_MAX + 4], const struct span *l)
{
	size_t n = l->n;

	if (n > QUOTE_MAX) {
		n = QUOTE_MAX;
		while (n > 0 && ((unsigned char)l->p[n] & 0xc0) == 0x80)
			n--;
	}
	snprintf(buf, QUOTE_MAX + 4, "%.*s%s", (int)n, l->p, n < l->n ? "..." : "");
	return buf;
}

/* The code point at s (valid UTF-8 assumed, as libidn2 checked it) and its length. */
static uint32_t
utf8_at(const char *s, size_t *len)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] < 0x80) {
		*len = 1;
		return u[0];
	}
	if ((u[0] & 0xe0) == 0xc0 && u[1] != 0) {
		*len = 2;
		return (uint32_t)(u[0] & 0x1f) << 6 | (u[1] & 0x3f);
	}
	if ((u[0] & 0xf0) == 0xe0 && u[1] != 0 && u[2] != 0) {
		*len = 3;
		return (uint32_t)(u[0] & 0x0f) << 12 | (uint32_t)(u[1] & 0x3f) << 6 | (u[2] & 0x3f);
	}
	if ((u[0] & 0xf8) == 0xf0 && u[1] != 0 && u[2] != 0 && u[3] != 0) {
		*len = 4;
		return (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3f) << 12 |
		    (uint32_t)(u[2] & 0x3f) << 6 | (u[3] & 0x3f);
	}
	*len = 1;
	return 0xfffd;
}

/* What libidn2's refusal means, as the end of "label 'X' ..." (or of "the name ..."). */
static const char *
reason(int rc, int given_alabel)
{
	switch (rc) {
	case IDN2_DISALLOWED:
		return "holds a code point that IDNA2008 does not allow (RFC 5892)";
	case IDN2_UNASSIGNED:
		return "holds a code point that Unicode does not assign (RFC 5892)";
	case IDN2_CONTEXTJ:
	case IDN2_CONTEXTJ_NO_RULE:
		return "holds a zero width joiner or non-joiner where RFC 5892 (appendix A.1, "
		    "A.2) does not allow one";
	case IDN2_CONTEXTO:
	case IDN2_CONTEXTO_NO_RULE:
		return "holds a character outside the context RFC 5892 appendix A allows it "
		    "in (U+00B7 only between two 'l', U+30FB only with Japanese script, "
		    "U+0375 only before Greek...)";
	case IDN2_LEADING_COMBINING:
		return "starts with a combining mark (RFC 5891 4.2.3.2)";
	case IDN2_BIDI:
		return "breaks the bidi rule for right-to-left labels (RFC 5893)";
	case IDN2_HYPHEN_STARTEND:
		return "starts or ends with a hyphen (RFC 5891 4.2.3.1)";
	case IDN2_2HYPHEN:
		return "has '--' in the third and fourth positions, which only A-labels "
		    "('xn--') may have (RFC 5891 4.2.3.1)";
	case IDN2_NOT_NFC:
	case IDN2_NFC:
		return "is not in Unicode normalization form C (RFC 5891 5.3)";
	case IDN2_ENCODING_ERROR:
		return "is not valid UTF-8";
	case IDN2_TOO_BIG_LABEL:
		return "is longer than 63 octets as an A-label (RFC 5890 2.3.2.1)";
	case IDN2_TOO_BIG_DOMAIN:
		return "is longer than 253 octets as A-labels (RFC 5890 2.3.2.1)";
	case IDN2_PUNYCODE_BIG_OUTPUT:
	case IDN2_PUNYCODE_OVERFLOW:
		if (!given_alabel)
			return "is longer than 63 octets as an A-label (RFC 5890 2.3.2.1)";
		/* FALLTHROUGH */
	case IDN2_PUNYCODE_BAD_INPUT:
	case IDN2_INVALID_ALABEL:
	case IDN2_UALABEL_MISMATCH:
	case IDN2_ALABEL_ROUNDTRIP_FAILED:
	case IDN2_INVALID_NONTRANSITIONAL:
	case IDN2_INVALID_TRANSITIONAL:
		if (given_alabel)
			return "is not a valid A-label: it does not decode to a U-label that "
			    "encodes back to it (RFC 5890 2.3.2.1, RFC 5891 5.4)";
		return "holds a code point that maps to one a host name cannot have (UTS #46)";
	default:
		return NULL;
	}
}

static int
is_alabel_prefix(const char *p, size_t n)
{
	return n >= 4 && lower((unsigned char)p[0]) == 'x' && lower((unsigned char)p[1]) == 'n' &&
	    p[2] == '-' && p[3] == '-';
}

static int
refuse_label(struct eg_err *err, const struct span *l, int rc, int given_alabel)
{
	char q[QUOTE_MAX + 4];
	const char *why = reason(rc, given_alabel);

	if (why == NULL)
		return eg_err_set(err, EG_EREQUEST, "label '%s' is refused by IDNA2008: %s",
		    quote(q, l), idn2_strerror(rc));
	return eg_err_set(err, EG_EREQUEST, "label '%s' %s", quote(q, l), why);
}

/* The first code point of l that IDNA2008 disallows wherever it stands, or 0. */
static uint32_t
first_disallowed(const struct span *l)
{
	char probe[8];
	uint8_t *res;
	size_t i, k;
	uint32_t cp;
	int rc;

	for (i = 0; i < l->n; i += k) {
		cp = utf8_at(l->p + i, &k);
		if (cp < 0x80)
			continue;
		/* After an "a", a combining mark is in place: only the code point is judged. */
		probe[0] = 'a';
		memcpy(probe + 1, l->p + i, k);
		probe[1 + k] = '\0';
		res = NULL;
		rc = idn2_lookup_u8((const uint8_t *)probe, &res, IDN2_NONTRANSITIONAL);
		idn2_free(res);
		if (rc == IDN2_DISALLOWED || rc == IDN2_UNASSIGNED)
			return cp;
	}
	return 0;
}

/*
 * libidn2 refused the whole name with rc: find the label it refuses on its own,
 * and say why in terms of what the caller wrote.
 */
static int
lookup_refused(const char *in, int rc, struct eg_err *err)
{
	struct span l[LABELS_MAX + 1];
	char one[IDN_INPUT_MAX + 1], q[QUOTE_MAX + 4];
	const char *why;
	uint8_t *res;
	size_t n, i, total = 0;
	uint32_t cp;
	int r;

	n = split(in, l);
	for (i = 0; i < n && i < LABELS_MAX; i++) {
		if (l[i].n == 0 || l[i].n > IDN_INPUT_MAX)
			continue;
		memcpy(one, l[i].p, l[i].n);
		one[l[i].n] = '\0';
		res = NULL;
		r = idn2_lookup_u8((const uint8_t *)one, &res, IDN2_NONTRANSITIONAL);
		if (r == IDN2_OK)
			total += strlen((const char *)res) + (i > 0);
		idn2_free(res);
		if (r == IDN2_MALLOC)
			return eg_err_set(err, EG_ENOMEM, "out of memory");
		if (r == IDN2_OK)
			continue;
		if ((r == IDN2_DISALLOWED || r == IDN2_UNASSIGNED) &&
		    (cp = first_disallowed(&l[i])) != 0)
			return eg_err_set(err, EG_EREQUEST, "label '%s' holds U+%04X, which "
			    "IDNA2008 does not allow (RFC 5892)", quote(q, &l[i]), (unsigned)cp);
		return refuse_label(err, &l[i], r, is_alabel_prefix(l[i].p, l[i].n));
	}
	/* Every label passes alone: the name is too long as a whole (libidn2 counts it). */
	if (rc == IDN2_TOO_BIG_DOMAIN && total > IDN_NAME_MAX && n <= LABELS_MAX)
		return eg_err_set(err, EG_EREQUEST, "is %zu octets long in A-label form; a name "
		    "has at most %d (RFC 1035 2.3.4)", total, IDN_NAME_MAX);
	if ((why = reason(rc, 0)) != NULL)
		return eg_err_set(err, EG_EREQUEST, "the name %s", why);
	return eg_err_set(err, EG_EREQUEST, "refused by IDNA2008: %s", idn2_strerror(rc));
}

/*
 * 0 when the A-label a[0..n) (lower case) is valid under the registration rules
 * of RFC 5891 4.2, else libidn2's refusal. EG_ENOMEM shows as IDN2_MALLOC.
 */
static int
alabel_check(const char *a, size_t n)
{
	char buf[IDN_LABEL_MAX + 1];
	uint8_t *back = NULL;
	int rc;

	if (n > IDN_LABEL_MAX)
		return IDN2_TOO_BIG_LABEL;
	memcpy(buf, a, n);
	buf[n] = '\0';
	/* Decodes, checks the U-label (RFC 5892 contexts, RFC 5893 bidi) and encodes back. */
	rc = idn2_register_u8(NULL, (const uint8_t *)buf, &back, 0);
	if (rc == IDN2_OK && strcmp((const char *)back, buf) != 0)
		rc = IDN2_ALABEL_ROUNDTRIP_FAILED;
	idn2_free(back);
	return rc;
}

/* The LDH rules on one label of the name to send (lower case): IDN2_OK, LDH_BADCHAR
 * with *bad its offset, or libidn2's refusal. */
static int
ldh_check(const char *p, size_t n, size_t *bad)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!is_ldh((unsigned char)p[i])) {
			*bad = i;
			return LDH_BADCHAR;
		}
	}
	if (p[0] == '-' || p[n - 1] == '-')
		return IDN2_HYPHEN_STARTEND;
	if (n >= 4 && p[2] == '-' && p[3] == '-')
		return is_alabel_prefix(p, n) ? alabel_check(p, n) : IDN2_2HYPHEN;
	return IDN2_OK;
}

int
idn_label_ok(const char *label, size_t len)
{
	size_t bad;

	return len >= 1 && len <= IDN_LABEL_MAX && ldh_check(label, len, &bad) == IDN2_OK;
}

/* A character no label may hold, c (ASCII), in label l of the caller's text. */
static int
refuse_char(struct eg_err *err, const struct span *l, unsigned char c, int mapped)
{
	char q[QUOTE_MAX + 4], what[24];

	if (c == ' ')
		snprintf(what, sizeof(what), "a space");
	else if (c > 0x20 && c < 0x7f)
		snprintf(what, sizeof(what), "'%c'", c);
	else
		snprintf(what, sizeof(what), "U+%04X", c);
	return eg_err_set(err, EG_EREQUEST, "label '%s' holds %s%s; a label has letters, digits "
	    "and hyphens only (RFC 5891 4.2.3)", quote(q, l),
	    mapped ? "a character that UTS #46 maps to " : "", what);
}

/*
 * The rules on the name to send, s (ASCII, as given or as libidn2 made it), then
 * its lower-case copy into out. in is the caller's text, for messages.
 */
static int
check_ascii(const char *s, const char *in, int converted, char *out, struct eg_err *err)
{
	struct span ls[LABELS_MAX + 1], li[LABELS_MAX + 1];
	const struct span *q;
	size_t len = strlen(s), n, ni, i, bad = 0;
	int rc;

	if (len > 0 && s[len - 1] == '.')
		return eg_err_set(err, EG_EREQUEST, "must not end with a dot (EPP names are "
		    "written without the root's dot)");
	if (len > IDN_NAME_MAX)
		return eg_err_set(err, EG_EREQUEST, "is %zu octets long%s; a name has at most %d "
		    "(RFC 1035 2.3.4)", len, converted ? " in A-label form" : "", IDN_NAME_MAX);
	n = split(s, ls);
	ni = split(in, li);
	for (i = 0; i < n; i++) {
		/* Quote what the caller wrote when its labels are the same ones. */
		q = ni == n ? &li[i] : &ls[i];
		if (ls[i].n == 0)
			return eg_err_set(err, EG_EREQUEST, "has an empty label");
		if (ls[i].n > IDN_LABEL_MAX) {
			char qb[QUOTE_MAX + 4];

			return eg_err_set(err, EG_EREQUEST, "label '%s' is %zu octets long%s; a "
			    "label has at most %d (RFC 1035 2.3.4)", quote(qb, q), ls[i].n,
			    converted && q->n != ls[i].n ? " as an A-label" : "", IDN_LABEL_MAX);
		}
		rc = ldh_check(ls[i].p, ls[i].n, &bad);
		if (rc == LDH_BADCHAR)
			return refuse_char(err, q, (unsigned char)ls[i].p[bad], converted);
		if (rc == IDN2_MALLOC)
			return eg_err_set(err, EG_ENOMEM, "out of memory");
		if (rc != IDN2_OK)
			return refuse_label(err, q, rc, is_alabel_prefix(q->p, q->n));
	}
	memcpy(out, s, len + 1);
	return 0;
}

int
idn_to_ascii(const char *in, char out[IDN_NAME_MAX + 1], struct eg_err *err)
{
	char low[IDN_INPUT_MAX + 1];
	struct span l[LABELS_MAX + 1];
	uint8_t *mapped = NULL;
	size_t n = strlen(in), i, nl;
	int ascii = 1, rc;

	out[0] = '\0';
	if (n == 0)
		return eg_err_set(err, EG_EREQUEST, "must not be empty");
	if (n > IDN_INPUT_MAX)
		return eg_err_set(err, EG_EREQUEST, "is %zu bytes long; a name has at most %d "
		    "octets (RFC 1035 2.3.4)", n, IDN_NAME_MAX);
	/*
	 * ASCII other than letters, digits, hyphens and dots is never part of a
	 * name: refused here, in the caller's words, before UTS #46 could drop or
	 * pass it (libidn2 passes "a b" and "a_b" through unchanged, and with its
	 * STD3 flag silently removes the space).
	 */
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c >= 0x80) {
			ascii = 0;
			continue;
		}
		low[i] = (char)lower(c);
		if (c != '.' && !is_ldh(lower(c))) {
			size_t k;

			nl = split(in, l);
			for (k = 0; k + 1 < nl && k + 1 < LABELS_MAX &&
			    l[k + 1].p <= in + i; k++)
				;
			return refuse_char(err, &l[k], c, 0);
		}
	}
	if (ascii) {
		/* The UTS #46 mapping of LDH ASCII is lower-casing; libidn2 adds nothing. */
		low[n] = '\0';
		return check_ascii(low, in, 0, out, err);
	}
	rc = idn2_lookup_u8((const uint8_t *)in, &mapped, IDN2_NONTRANSITIONAL);
	if (rc == IDN2_MALLOC)
		return eg_err_set(err, EG_ENOMEM, "out of memory");
	if (rc != IDN2_OK)
		return lookup_refused(in, rc, err);
	/* Lookup skips the CONTEXTO rules (RFC 5891 5.4); check_ascii() applies the
	 * registration rules to every A-label it made. */
	rc = check_ascii((const char *)mapped, in, 1, out, err);
	idn2_free(mapped);
	return rc;
}
