/* SPDX-License-Identifier: MIT */
/* Secrets are removed from XML before it can reach a log; clTRIDs are unique. */
#include <stdlib.h>
#include <string.h>

#include "cltrid.h"
#include "redact.h"
#include "tap.h"

static void
redacts(const char *in, const char *want, const char *what)
{
	char *got = redact_xml(in, strlen(in));

	tap_is_str(got, want, "%s", what);
	free(got);
}

int
main(void)
{
	struct cltrid_gen g, g2;
	char a[CLTRID_MAX + 1], b[CLTRID_MAX + 1], c[CLTRID_MAX + 1];

	redacts("<login><clID>me</clID><pw>s3cret</pw><newPW>n3w</newPW></login>",
	    "<login><clID>me</clID><pw>*****</pw><newPW>*****</newPW></login>", "login pw and newPW");
	redacts("<domain:authInfo><domain:pw roid=\"X-1\">a&amp;b</domain:pw></domain:authInfo>",
	    "<domain:authInfo><domain:pw roid=\"X-1\">*****</domain:pw></domain:authInfo>",
	    "prefixed pw with attribute and entity");
	redacts("<contact:pw><![CDATA[x</y>z]]></contact:pw>", "<contact:pw>*****</contact:pw>",
	    "CDATA with a tag inside");
	redacts("<pw/><pwd>keep</pwd><x:pw2>keep</x:pw2>", "<pw/><pwd>keep</pwd><x:pw2>keep</x:pw2>",
	    "empty pw and look-alike names untouched");
	redacts("<pw a='>'>hide</pw>", "<pw a='>'>*****</pw>", "quoted > in an attribute");
	redacts("<pw>trunc", "<pw>*****", "unterminated document still redacted");
	redacts("no xml at all", "no xml at all", "plain text passes");

	cltrid_init(&g, "reg-01");
	cltrid_init(&g2, "reg-01");
	cltrid_next(&g, a);
	cltrid_next(&g, b);
	cltrid_next(&g2, c);
	tap_ok(strncmp(a, "reg-01-", 7) == 0, "clTRID carries the prefix: %s", a);
	tap_ok(strcmp(a, b) != 0, "consecutive clTRIDs differ");
	tap_ok(strcmp(a, c) != 0, "two generators (processes) differ: %s vs %s", a, c);
	cltrid_init(&g, "bad prefix <&> with a very long tail beyond sixteen");
	cltrid_next(&g, a);
	tap_ok(strlen(a) <= CLTRID_MAX && strchr(a, '<') == NULL && strchr(a, ' ') == NULL,
	    "prefix cleaned and bounded: %s", a);
	return tap_done();
}
