/* SPDX-License-Identifier: MIT */
/*
 * health.c - watching the health file for clients' lines, read-only (health.h).
 *
 * inotify events only say "look"; what decides is the file itself. We remember
 * its identity, size, mtime and ctime (or that it is missing) and report a change
 * when any of them differs: an append changes the size, a touch the times, a
 * chmod the ctime, a replacement the identity. An open for writing that writes
 * nothing, or the second event of one append (IN_MODIFY, then IN_CLOSE_WRITE),
 * leaves the file as we remembered it and is not reported again.
 *
 * A file replaced by rename, or deleted and created again, stays watched: the
 * directory is watched for the file's name and the file watch re-added. A file
 * that does not exist yet is watched through its directory alone.
 *
 * Nothing here opens the file, not even for reading: the gate never writes it
 * (health.h), and a watch or a stat() is invisible to the path unit.
 */
#include "health.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_EVENTS (IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF)
#define DIR_EVENTS (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR)

struct health {
	char *path;
	char *dir;
	const char *base;       /* the file's name, inside path */
	int ifd;                /* inotify */
	int wd_file;            /* -1 while the file does not exist */
	int wd_dir;
	/* The file as we last saw it. */
	int exists;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct timespec ctime;
};

static void
remember(struct health *h, const struct stat *st)
{
	h->exists = 1;
	h->dev = st->st_dev;
	h->ino = st->st_ino;
	h->size = st->st_size;
	h->mtime = st->st_mtim;
	h->ctime = st->st_ctim;
}

static int
same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static int
unchanged(const struct health *h, const struct stat *st)
{
	return h->exists && st->st_dev == h->dev && st->st_ino == h->ino &&
	    st->st_size == h->size && same_time(&st->st_mtim, &h->mtime) &&
	    same_time(&st->st_ctim, &h->ctime);
}

struct health *
health_open(const char *path, struct eg_err *err)
{
	struct health *h;
	struct stat st;
	char *slash;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	h->ifd = h->wd_file = h->wd_dir = -1;
	if ((h->path = strdup(path)) == NULL || (h->dir = strdup(path)) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		goto fail;
	}
	if ((slash = strrchr(h->dir, '/')) == NULL) {
		snprintf(h->dir, strlen(h->dir) + 1, ".");
		h->base = h->path;
	} else {
		slash[slash == h->dir ? 1 : 0] = '\0';     /* "/health" keeps "/" */
		h->base = h->path + (strrchr(h->path, '/') - h->path) + 1;
	}
	if (h->base[0] == '\0') {
		eg_err_set(err, EG_ECONFIG, "health file %s names a directory", path);
		goto fail;
	}
	if ((h->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
	    (h->wd_dir = inotify_add_watch(h->ifd, h->dir, DIR_EVENTS)) == -1) {
		eg_err_set(err, EG_EIO, "cannot watch the directory of health file %s: %s", path,
		    strerror(errno));
		goto fail;
	}
	/* The file may not exist yet: then a client creates it, and the directory sees that. */
	if ((h->wd_file = inotify_add_watch(h->ifd, path, FILE_EVENTS)) == -1 && errno != ENOENT) {
		eg_err_set(err, EG_EIO, "cannot watch health file %s: %s", path, strerror(errno));
		goto fail;
	}
	/* Taken after the watches: any later change leaves an event. */
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			eg_err_set(err, EG_ECONFIG, "health file %s is a directory", path);
			goto fail;
		}
		remember(h, &st);
	} else if (errno != ENOENT) {
		eg_err_set(err, EG_EIO, "cannot stat health file %s: %s", path, strerror(errno));
		goto fail;
	}
	return h;
fail:
	health_close(h);
	return NULL;
}

void
health_close(struct health *h)
{
	if (h == NULL)
		return;
	if (h->ifd != -1)
		close(h->ifd);
	free(h->path);
	free(h->dir);
	free(h);
}

int
health_fd(const struct health *h)
{
	return h != NULL ? h->ifd : -1;
}

/* Points the file watch at whatever now carries the name (or nothing). */
static void
rewatch(struct health *h)
{
	int wd = inotify_add_watch(h->ifd, h->path, FILE_EVENTS);

	/* A file moved away keeps its old watch: drop it, its events are not ours. */
	if (h->wd_file != -1 && h->wd_file != wd)
		inotify_rm_watch(h->ifd, h->wd_file);
	h->wd_file = wd;
}

int
health_touched(struct health *h)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *e;
	struct stat st;
	ssize_t n;
	size_t off;
	int changed = 0, look = 0, again = 0;

	if (h == NULL)
		return 0;
	while ((n = read(h->ifd, ev, sizeof(ev))) > 0) {
		look = 1;
		for (off = 0; off < (size_t)n; off += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)(const void *)(ev + off);
			if (e->mask & IN_Q_OVERFLOW)
				again = 1;
			else if (e->wd == h->wd_dir && e->len > 0 && strcmp(e->name, h->base) == 0)
				again = 1;              /* created, replaced, removed */
			else if (e->wd == h->wd_file &&
			    (e->mask & (IN_MOVE_SELF | IN_DELETE_SELF | IN_IGNORED)))
				again = 1;
		}
	}
	if (again)
		rewatch(h);
	if (!look)
		return 0;
	if (stat(h->path, &st) == -1) {
		changed = h->exists;            /* gone since we last looked */
		h->exists = 0;
	} else {
		changed = !unchanged(h, &st);
		remember(h, &st);
	}
	return changed;
}
