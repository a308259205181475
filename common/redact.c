/* SPDX-License-Identifier: MIT */
/*
 * redact.c - copies of EPP XML with the content of every <pw> and <newPW>
 * replaced, for logs (see redact.h).
 */
#include "redact.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

static int
is_name_char(char c)
{
	return c != '\0' && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '>' &&
	    c != '/';
}

/* At p (just after '<') a start tag whose local name is pw or newPW? Sets *end to its '>'. */
static int
secret_start_tag(const char *p, const char *lim, const char **end)
{
	const char *name = p, *local, *q;
	size_t n;

	while (p < lim && is_name_char(*p))
		p++;
	local = name;
	for (q = name; q < p; q++)
		if (*q == ':')
			local = q + 1;
	n = (size_t)(p - local);
	if (!((n == 2 && memcmp(local, "pw", 2) == 0) || (n == 5 && memcmp(local, "newPW", 5) == 0)))
		return 0;
	/* find the end of the tag, skipping quoted attribute values */
	while (p < lim && *p != '>') {
		if (*p == '"' || *p == '\'') {
			char quote = *p++;

			while (p < lim && *p != quote)
				p++;
		}
		if (p < lim)
			p++;
	}
	if (p >= lim || p[-1] == '/')     /* unterminated or <pw/>: nothing to hide */
		return 0;
	*end = p;
	return 1;
}

/* End of an element's text content starting at p: the next '<' that does not open CDATA. */
static const char *
content_end(const char *p, const char *lim)
{
	const char *q;

	while (p < lim) {
		if (*p == '<') {
			if ((size_t)(lim - p) >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
				q = memmem(p + 9, (size_t)(lim - p - 9), "]]>", 3);
				p = q ? q + 3 : lim;
				continue;
			}
			return p;
		}
		p++;
	}
	return lim;
}

char *
redact_xml(const char *xml, size_t len)
{
	struct buf out = BUF_INIT;
	const char *p = xml, *lim = xml + len, *lt, *gt, *end;

	if (buf_reserve(&out, len + 16) == -1)
		return NULL;
	while (p < lim && (lt = memchr(p, '<', (size_t)(lim - p))) != NULL) {
		if (secret_start_tag(lt + 1, lim, &gt)) {
			end = content_end(gt + 1, lim);
			if (buf_append(&out, p, (size_t)(gt + 1 - p)) == -1 ||
			    (end > gt + 1 && buf_puts(&out, "*****") == -1))
				goto fail;
			p = end;
		} else {
			if (buf_append(&out, p, (size_t)(lt + 1 - p)) == -1)
				goto fail;
			p = lt + 1;
		}
	}
	if (buf_append(&out, p, (size_t)(lim - p)) == -1)
		goto fail;
	return buf_steal(&out);
fail:
	buf_clear(&out);
	return NULL;
}
