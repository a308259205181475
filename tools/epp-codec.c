/* SPDX-License-Identifier: MIT */
/*
 * epp-codec: the gate's two translations, for users and tests.
 *
 *   epp-codec to-json [FILE...]          EPP XML -> the reference's JSON
 *   epp-codec to-xml [--cltrid ID] [FILE] JSON request -> the EPP command the gate sends
 *   epp-codec commands                   the command table (common/cmdinfo.h)
 *
 * With no FILE, standard input is read. to-json with several files prints one
 * compact JSON document per line, in order. On bad input the line carries the
 * error reply the gate would send ({"error": "..."}) and the exit status says
 * what went wrong (<sysexits.h>, epp-codec(1)): 65 input that cannot be
 * converted, 66 a FILE that cannot be read, 64 usage, 1 out of memory or
 * standard output failing; with several files, the highest of them.
 */
#include <errno.h>
#include <libxml/parser.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "buf.h"
#include "cltrid.h"
#include "cmdinfo.h"
#include "epp_cmd.h"
#include "epp_reply.h"
#include "xml2json.h"

/* Inputs larger than this are refused while reading (the converter's own limit is lower,
 * so such an input gets the converter's clear error, not an exhausted machine). */
#define READ_CAP ((size_t)64 << 20)

#ifndef EPPGATE_VERSION
#define EPPGATE_VERSION "unknown"
#endif

static void
usage(FILE *f)
{
	fprintf(f, "usage: epp-codec to-json [FILE...]\n"
	    "       epp-codec to-xml [--cltrid ID] [FILE]\n"
	    "       epp-codec commands\n"
	    "       epp-codec -h | --help | --version\n"
	    "\n"
	    "to-json   EPP XML (files or stdin) -> the gate's JSON, one line per document\n"
	    "to-xml    a JSON request -> the EPP command the gate sends\n"
	    "commands  the commands, one per line after a header: name, object (- for\n"
	    "          none), class (query, transform, session, local), retry-safe (yes:\n"
	    "          the client library may send it again after losing its connection),\n"
	    "          refined-by (-, op: domain_transfer and contact_transfer with op\n"
	    "          \"query\" are queries; element: epp with check, info, poll\n"
	    "          op=\"req\" or transfer op=\"query\" is a query; xml: only the\n"
	    "          gate reads the document, the client never re-sends raw XML)\n"
	    "\n"
	    "exit status: 0 converted, 65 input that cannot be converted (its line is the\n"
	    "gate's error reply), 66 a FILE that cannot be read, 64 usage, 1 out of memory\n"
	    "or output failing\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr naming what is wrong and pointing at --help; the usage status. */
static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "epp-codec: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see epp-codec --help)\n");
	return EX_USAGE;
}

/* The status of an input that failed: a file not read, or what it holds. */
static int
input_status(const struct eg_err *e)
{
	switch (e->code) {
	case EG_EIO:
		return EX_NOINPUT;
	case EG_ENOMEM:
		return 1;
	default:
		return EX_DATAERR;
	}
}

static int
worse(int a, int b)
{
	return b > a ? b : a;
}

static const char *
refine_name(enum cmd_refine r)
{
	switch (r) {
	case CMD_REFINE_NONE:
		break;
	case CMD_REFINE_OP:
		return "op";
	case CMD_REFINE_ELEMENT:
		return "element";
	case CMD_REFINE_XML:
		return "xml";
	}
	return "-";
}

static int
commands(int argc)
{
	const struct cmdinfo *ci;
	size_t i;

	if (argc != 0)
		return usage_error("commands takes no argument");
	printf("%-16s %-8s %-10s %-10s %s\n", "name", "object", "class", "retry-safe",
	    "refined-by");
	for (i = 0; (ci = cmdinfo_at(i)) != NULL; i++)
		printf("%-16s %-8s %-10s %-10s %s\n", ci->name, ci->object[0] ? ci->object : "-",
		    cmdinfo_class_name(ci->klass), ci->retry_safe ? "yes" : "no",
		    refine_name(ci->refine));
	return 0;
}

/* Reads a whole file (or stdin for NULL / "-"), at most READ_CAP + 1 bytes. */
static int
slurp(const char *path, struct buf *b, struct eg_err *err)
{
	FILE *f = stdin;
	char chunk[65536];
	size_t n;

	buf_reset(b);
	if (path != NULL && strcmp(path, "-") != 0 && (f = fopen(path, "rb")) == NULL)
		return eg_err_set(err, EG_EIO, "cannot open %s: %s", path, strerror(errno));
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		if (buf_append(b, chunk, n) == -1) {
			eg_err_set(err, EG_ENOMEM, "out of memory");
			break;
		}
		if (b->len > READ_CAP)
			break;
	}
	if (f != stdin)
		fclose(f);
	if (b->data == NULL && buf_append(b, "", 0) == -1)
		return eg_err_set(err, EG_ENOMEM, "out of memory");
	return err->code == EG_ENOMEM ? -1 : 0;
}

static void
print_error(const struct eg_err *e)
{
	json_object *o = epp_error_reply(e, NULL);
	size_t len;

	printf("%s\n", o ? x2j_to_string(o, &len) : "{\"error\":\"out of memory\"}");
	json_object_put(o);
}

static int
to_json(int argc, char **argv)
{
	struct buf in = BUF_INIT;
	struct eg_err err;
	json_object *o;
	size_t len;
	int i, rc = 0, nfiles;

	/* "--" ends the options (there are none): a file may be named "-x". */
	if (argc > 0 && strcmp(argv[0], "--") == 0) {
		argc--;
		argv++;
	} else {
		for (i = 0; i < argc; i++)
			if (argv[i][0] == '-' && argv[i][1] != '\0')
				return usage_error("to-json: unknown option %s", argv[i]);
	}
	nfiles = argc > 0 ? argc : 1;
	for (i = 0; i < nfiles; i++) {
		eg_err_clear(&err);
		if (slurp(argc > 0 ? argv[i] : NULL, &in, &err) == -1 ||
		    (o = x2j_convert(in.data, in.len, NULL, &err)) == NULL) {
			rc = worse(rc, input_status(&err));
			if (err.code != EG_ELIMIT && err.code != EG_EIO)
				err.code = EG_ERESPONSE;
			print_error(&err);
			continue;
		}
		printf("%s\n", x2j_to_string(o, &len));
		json_object_put(o);
	}
	buf_clear(&in);
	return rc;
}

static int
to_xml(int argc, char **argv)
{
	struct buf in = BUF_INIT;
	struct eg_err err;
	struct epp_request req;
	struct cltrid_gen gen;
	char cltrid[CLTRID_MAX + 1];
	const char *file = NULL, *id = NULL;
	json_object *o = NULL;
	int i, rc = EX_DATAERR, opts = 1;

	for (i = 0; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0) {
			opts = 0;
		} else if (opts && strcmp(argv[i], "--cltrid") == 0) {
			if (i + 1 == argc)
				return usage_error("to-xml: option --cltrid needs an argument");
			id = argv[++i];
		} else if (opts && strncmp(argv[i], "--cltrid=", 9) == 0) {
			id = argv[i] + 9;
		} else if (opts && argv[i][0] == '-' && argv[i][1] != '\0') {
			return usage_error("to-xml: unknown option %.*s",
			    (int)strcspn(argv[i], "="), argv[i]);
		} else if (file == NULL) {
			file = argv[i];
		} else {
			return usage_error("to-xml: unexpected argument %s (one FILE at most)",
			    argv[i]);
		}
	}
	/* RFC 5730 trIDStringType: 3 to 64 characters. */
	if (id != NULL && (strlen(id) < 3 || strlen(id) > CLTRID_MAX))
		return usage_error("to-xml: --cltrid takes 3-%d characters", CLTRID_MAX);
	cltrid_init(&gen, "codec");
	cltrid_next(&gen, cltrid);
	if (id != NULL)
		snprintf(cltrid, sizeof(cltrid), "%s", id);
	memset(&req, 0, sizeof(req));
	eg_err_clear(&err);
	if (slurp(file, &in, &err) == -1 ||
	    (o = epp_request_parse(in.data, in.len, &err)) == NULL ||
	    epp_request_build(o, cltrid, &req, &err) == -1) {
		rc = input_status(&err);
		print_error(&err);
		goto out;
	}
	if (req.xml == NULL) {
		eg_err_set(&err, EG_EREQUEST, "command '%s' is answered by the gate itself and "
		    "has no EPP form", req.cmd->name);
		print_error(&err);
		goto out;
	}
	fwrite(req.xml, 1, req.xml_len, stdout);
	if (req.xml_len == 0 || req.xml[req.xml_len - 1] != '\n')
		putchar('\n');
	rc = 0;
out:
	epp_request_clear(&req);
	json_object_put(o);
	buf_clear(&in);
	return rc;
}

int
main(int argc, char **argv)
{
	int rc;

	if (argc < 2)
		return usage_error("no command: to-json, to-xml or commands");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("epp-codec %s\n", EPPGATE_VERSION);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (argv[1][0] == '-')
		return usage_error("unknown option %.*s", (int)strcspn(argv[1], "="), argv[1]);
	if (strcmp(argv[1], "to-json") != 0 && strcmp(argv[1], "to-xml") != 0 &&
	    strcmp(argv[1], "commands") != 0)
		return usage_error("unknown command %s", argv[1]);
	xmlInitParser();
	if (strcmp(argv[1], "to-json") == 0)
		rc = to_json(argc - 2, argv + 2);
	else if (strcmp(argv[1], "to-xml") == 0)
		rc = to_xml(argc - 2, argv + 2);
	else
		rc = commands(argc - 2);
	xmlCleanupParser();
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "epp-codec: writing to standard output: %s\n", strerror(errno));
		rc = 1;
	}
	return rc;
}
