/* SPDX-License-Identifier: MIT */
/*
 * usage.h - the command-line usage errors every program gives alike: one line on stderr,
 * "PROG: what is wrong (see PROG --help)", and the status EX_USAGE (sysexits.h, 64).
 */
#ifndef EG_USAGE_H
#define EG_USAGE_H

int eg_usage_error(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * What getopt_long() refused, called with its return value ch (opterr 0, optstring
 * starting with ':'): an unknown option or one without its argument, named as given
 * (an unknown long option, optopt 0, and a long option without its argument are
 * argv[optind - 1]). Returns EX_USAGE.
 */
int eg_getopt_failed(const char *prog, int ch, char **argv);

#endif
