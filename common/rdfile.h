/* SPDX-License-Identifier: MIT */
/*
 * rdfile.h - small files read whole: configuration files, params files,
 * secrets. One reader for every program, so that each refuses the same
 * things (not a regular file, too large, unreadable) in the same words:
 * "cannot read config file /etc/x.conf: Permission denied".
 */
#ifndef EG_RDFILE_H
#define EG_RDFILE_H

#include <stddef.h>

#include "err.h"

struct eg_file {
	char *data;        /* NUL-terminated contents (malloc'd); eg_file_clear wipes and frees */
	size_t len;
	unsigned mode;     /* permission bits (st_mode & 07777) */
};

/* Reads the regular file at path, at most max bytes. what names it in messages ("config
 * file"). 0, or -1 with err set (EG_ECONFIG; EG_ENOMEM) and f left empty. */
int eg_file_read(struct eg_file *f, const char *path, const char *what, size_t max,
    struct eg_err *err);

/* Overwrites and frees f->data (it may have held a secret); f is empty after. */
void eg_file_clear(struct eg_file *f);

/* Reads a secret: the first line of the file at path (a trailing CR is dropped) into out
 * (cap bytes with the NUL). *mode (when not NULL) gets the file's permission bits, for
 * the caller's warning about a file that group or others can read. 0 or -1 with err. */
int eg_secret_read(const char *path, char *out, size_t cap, unsigned *mode,
    struct eg_err *err);

/* Whether permission bits let group or others read the file. */
static inline int
eg_mode_exposed(unsigned mode)
{
	return (mode & 044) != 0;
}

#endif
