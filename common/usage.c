/* SPDX-License-Identifier: MIT */
/* The one-line usage errors of epp-gate, epp-rpc and epp-sim (usage.h). */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "usage.h"

int
eg_usage_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", prog);
	return EX_USAGE;
}

int
eg_getopt_failed(const char *prog, int ch, char **argv)
{
	const char *arg = argv[optind - 1];
	int n = (int)strcspn(arg, "=");

	if (ch == ':' && strncmp(arg, "--", 2) == 0)
		return eg_usage_error(prog, "option %.*s needs an argument", n, arg);
	if (ch == ':')
		return eg_usage_error(prog, "option -%c needs an argument", optopt);
	if (optopt == 0)
		return eg_usage_error(prog, "unknown option %.*s", n, arg);
	return eg_usage_error(prog, "unknown option -%c", optopt);
}
