/* SPDX-License-Identifier: MIT */
/*
 * cmdlog.c - epp-sim's command log: one line per command, written whole,
 * with percent-encoded fields (the format is in cmdlog.h).
 */
#include "cmdlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

int
cmdlog_open(struct cmdlog *l, const char *path, struct eg_err *err)
{
	l->fd = -1;
	l->path[0] = '\0';
	if (path == NULL)
		return 0;
	if (strlen(path) >= sizeof(l->path))
		return eg_err_set(err, EG_ECONFIG, "command log path too long");
	snprintf(l->path, sizeof(l->path), "%s", path);
	return cmdlog_reopen(l, err);
}

int
cmdlog_reopen(struct cmdlog *l, struct eg_err *err)
{
	int fd;

	if (l->path[0] == '\0')
		return 0;
	fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1)
		return eg_err_set(err, EG_EIO, "cannot open command log %s: %s", l->path,
		    strerror(errno));
	if (l->fd == -1) {
		l->fd = fd;
		return 0;
	}
	/* dup2 swaps the file under writers in other threads without a closed window. */
	if (dup2(fd, l->fd) == -1) {
		eg_err_set(err, EG_EIO, "cannot reopen command log: %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void
cmdlog_close(struct cmdlog *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

/* Appends " key=value" with value percent-encoded as needed. */
static size_t
field(char *out, size_t cap, size_t n, const char *key, const char *v)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	if (v == NULL || v[0] == '\0')
		v = "-";
	n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, " %s=", key);
	for (; *v != '\0' && n + 4 < cap; v++) {
		c = (unsigned char)*v;
		if (c > 0x20 && c < 0x7f && c != '%') {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	return n < cap ? n : cap - 1;
}

void
cmdlog_write(struct cmdlog *l, unsigned long session, const char *clid, const char *cmd,
    const char *cltrid, int code, const char *obj, const char *fault, const char *objuris,
    const char *exturis)
{
	char line[8192], num[16];
	size_t n;
	ssize_t w;

	if (l == NULL || l->fd < 0)
		return;
	n = (size_t)snprintf(line, sizeof(line), "%lld s=%lu", (long long)eg_wall_ms(), session);
	n = field(line, sizeof(line), n, "clid", clid);
	n = field(line, sizeof(line), n, "cmd", cmd);
	n = field(line, sizeof(line), n, "cltrid", cltrid);
	/* 0 is a greeting (hello): it has no result code */
	if (code > 0)
		snprintf(num, sizeof(num), "%d", code);
	n = field(line, sizeof(line), n, "code", code > 0 ? num : code == 0 ? "greeting" : "-");
	n = field(line, sizeof(line), n, "obj", obj);
	if (fault != NULL)
		n = field(line, sizeof(line), n, "fault", fault);
	if (objuris != NULL)
		n = field(line, sizeof(line), n, "objuris", objuris);
	if (exturis != NULL)
		n = field(line, sizeof(line), n, "exturis", exturis);
	if (n + 1 >= sizeof(line))
		n = sizeof(line) - 2;
	line[n++] = '\n';
	do
		w = write(l->fd, line, n);
	while (w == -1 && errno == EINTR);
}
