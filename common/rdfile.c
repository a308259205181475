/* SPDX-License-Identifier: MIT */
/*
 * rdfile.c - small files read whole, and secrets read from their first line.
 */
#include "rdfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET_FILE_MAX 4096

int
eg_file_read(struct eg_file *f, const char *path, const char *what, size_t max,
    struct eg_err *err)
{
	struct stat st;
	ssize_t n;
	int fd, saved;

	memset(f, 0, sizeof(*f));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		saved = errno;
		return eg_err_set(err, EG_ECONFIG, "cannot read %s %s: %s", what, path,
		    strerror(saved));
	}
	if (fstat(fd, &st) == -1) {
		saved = errno;
		eg_err_set(err, EG_ECONFIG, "cannot read %s %s: %s", what, path, strerror(saved));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		eg_err_set(err, EG_ECONFIG, "%s %s is not a regular file", what, path);
		goto fail;
	}
	/* One byte beyond the limit tells "too large" from "exactly the limit". */
	if ((f->data = malloc(max + 2)) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory reading %s %s", what, path);
		goto fail;
	}
	for (;;) {
		n = read(fd, f->data + f->len, max + 1 - f->len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			saved = errno;
			eg_err_set(err, EG_ECONFIG, "cannot read %s %s: %s", what, path,
			    strerror(saved));
			goto fail;
		}
		if (n == 0)
			break;
		f->len += (size_t)n;
		if (f->len > max) {
			eg_err_set(err, EG_ECONFIG, "%s %s is too large (more than %zu bytes)", what,
			    path, max);
			goto fail;
		}
	}
	f->data[f->len] = '\0';
	f->mode = (unsigned)(st.st_mode & 07777);
	close(fd);
	return 0;
fail:
	close(fd);
	eg_file_clear(f);
	return -1;
}

void
eg_file_clear(struct eg_file *f)
{
	if (f->data != NULL) {
		explicit_bzero(f->data, f->len);
		free(f->data);
	}
	memset(f, 0, sizeof(*f));
}

int
eg_secret_read(const char *path, char *out, size_t cap, unsigned *mode, struct eg_err *err)
{
	struct eg_file f;
	const char *nl;
	size_t line;
	int rc = -1;

	if (eg_file_read(&f, path, "secret file", SECRET_FILE_MAX, err) == -1)
		return -1;
	if (mode != NULL)
		*mode = f.mode;
	nl = memchr(f.data, '\n', f.len);
	line = nl != NULL ? (size_t)(nl - f.data) : f.len;
	if (line > 0 && f.data[line - 1] == '\r')
		line--;
	if (memchr(f.data, '\0', line) != NULL)
		eg_err_set(err, EG_ECONFIG, "secret file %s: the first line holds a NUL byte", path);
	else if (line == 0)
		eg_err_set(err, EG_ECONFIG, "secret file %s: the first line is empty", path);
	else if (line >= cap)
		eg_err_set(err, EG_ECONFIG, "secret file %s: the secret is longer than %zu bytes",
		    path, cap - 1);
	else {
		memcpy(out, f.data, line);
		out[line] = '\0';
		rc = 0;
	}
	eg_file_clear(&f);
	return rc;
}
