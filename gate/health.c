/* SPDX-License-Identifier: MIT */
/*
 * health.c - appending to the health file and noticing other writers.
 *
 * Our own appends must not look like a client's: both produce the same
 * inotify events, so events only say "look". What decides is the file
 * itself. After each of our appends we remember the file's identity, size
 * and mtime; a later difference is someone else's doing. The append itself
 * is checked too: with O_APPEND the offset after our write() tells exactly
 * where our bytes landed, so foreign bytes written just before ours (the
 * offset does not start at the size we knew) or just after them (the size
 * already exceeds our end) are caught even when a client and the gate
 * append at the same moment. Attribute changes (touch, chmod) never come
 * from us and always count, as do deletion, replacement and renaming.
 *
 * A file replaced by rename, or deleted and created again, stays watched:
 * the directory is watched for the file's name and the file watch re-added.
 */
#include "health.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "healthline.h"

#define FILE_EVENTS (IN_MODIFY | IN_CLOSE_WRITE | IN_ATTRIB | IN_MOVE_SELF | IN_DELETE_SELF)
#define DIR_EVENTS (IN_CREATE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR)
#define LINE_MAX_BYTES 1024

struct health {
	pthread_mutex_t mu;
	char *path;
	char *dir;
	const char *base;       /* the file's name, inside path */
	int watch;
	int ifd;                /* inotify, -1 when not watching */
	int wd_file;            /* -1 while the file does not exist */
	int wd_dir;
	/* The file as we last saw or left it. */
	int known;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	int pending;            /* a foreign change noticed by an append, not yet reported */
};

static void
remember(struct health *h, const struct stat *st)
{
	h->known = 1;
	h->dev = st->st_dev;
	h->ino = st->st_ino;
	h->size = st->st_size;
	h->mtime = st->st_mtim;
}

static int
same_file(const struct health *h, const struct stat *st)
{
	return h->known && st->st_dev == h->dev && st->st_ino == h->ino;
}

static int
unchanged(const struct health *h, const struct stat *st)
{
	return same_file(h, st) && st->st_size == h->size &&
	    st->st_mtim.tv_sec == h->mtime.tv_sec && st->st_mtim.tv_nsec == h->mtime.tv_nsec;
}

struct health *
health_open(const char *path, int watch, struct eg_err *err)
{
	struct health *h;
	struct stat st;
	char *slash;
	int fd;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	h->ifd = h->wd_file = h->wd_dir = -1;
	h->watch = watch;
	if (pthread_mutex_init(&h->mu, NULL) != 0) {
		free(h);
		eg_err_set(err, EG_ENOMEM, "cannot create a mutex");
		return NULL;
	}
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
	/* Created before the watches are added, so that its creation is not news. */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd == -1) {
		eg_err_set(err, EG_EIO, "cannot open health file %s: %s", path, strerror(errno));
		goto fail;
	}
	close(fd);
	if (watch) {
		if ((h->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1 ||
		    (h->wd_dir = inotify_add_watch(h->ifd, h->dir, DIR_EVENTS)) == -1 ||
		    (h->wd_file = inotify_add_watch(h->ifd, path, FILE_EVENTS)) == -1) {
			eg_err_set(err, EG_EIO, "cannot watch health file %s: %s", path,
			    strerror(errno));
			goto fail;
		}
	}
	/* Taken after the watches: any later change leaves an event. */
	if (stat(path, &st) == -1) {
		eg_err_set(err, EG_EIO, "cannot stat health file %s: %s", path, strerror(errno));
		goto fail;
	}
	remember(h, &st);
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
	pthread_mutex_destroy(&h->mu);
	free(h->path);
	free(h->dir);
	free(h);
}

int
health_fd(const struct health *h)
{
	return h != NULL ? h->ifd : -1;
}

int
health_append(struct health *h, const char *message, struct eg_err *err)
{
	char line[LINE_MAX_BYTES];
	struct stat before, after;
	size_t len = healthline_format(line, sizeof(line), message, time(NULL));
	ssize_t w;
	off_t end;
	int fd, rc = -1;

	pthread_mutex_lock(&h->mu);
	fd = open(h->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (fd == -1) {
		eg_err_set(err, EG_EIO, "cannot open health file %s: %s", h->path, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &before) == -1) {
		eg_err_set(err, EG_EIO, "cannot stat health file %s: %s", h->path, strerror(errno));
		goto fail;
	}
	do
		w = write(fd, line, len);
	while (w == -1 && errno == EINTR);
	if (w != (ssize_t)len) {
		eg_err_set(err, EG_EIO, "cannot append to health file %s: %s", h->path,
		    w == -1 ? strerror(errno) : "short write");
		goto fail;
	}
	/* With O_APPEND the offset now sits right after our bytes. */
	end = lseek(fd, 0, SEEK_CUR);
	if (fstat(fd, &after) == -1 || end == -1) {
		eg_err_set(err, EG_EIO, "cannot stat health file %s: %s", h->path, strerror(errno));
		goto fail;
	}
	if (h->known && !same_file(h, &before))
		h->pending = 1;         /* replaced since we last looked */
	else if (h->known && end - (off_t)len != h->size)
		h->pending = 1;         /* someone wrote (or truncated) before our line */
	if (after.st_size != end)
		h->pending = 1;         /* someone wrote after our line */
	remember(h, &after);
	rc = 0;
fail:
	if (fd != -1)
		close(fd);
	pthread_mutex_unlock(&h->mu);
	return rc;
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
	int changed, look = 0, again = 0;

	if (h == NULL || !h->watch)
		return 0;
	pthread_mutex_lock(&h->mu);
	changed = h->pending;
	h->pending = 0;
	while ((n = read(h->ifd, ev, sizeof(ev))) > 0) {
		look = 1;
		for (off = 0; off < (size_t)n; off += sizeof(*e) + e->len) {
			e = (const struct inotify_event *)(const void *)(ev + off);
			if (e->mask & IN_Q_OVERFLOW) {
				again = 1;
			} else if (e->wd == h->wd_dir) {
				if (e->len > 0 && strcmp(e->name, h->base) == 0)
					changed = again = 1;    /* created, replaced, removed */
			} else if (e->wd == h->wd_file) {
				if (e->mask & IN_ATTRIB)
					changed = 1;            /* touch, chmod: never us */
				if (e->mask & (IN_MOVE_SELF | IN_DELETE_SELF | IN_IGNORED))
					changed = again = 1;
			}
		}
	}
	if (again)
		rewatch(h);
	if (look || changed) {
		if (stat(h->path, &st) == -1) {
			if (h->known)
				changed = 1;
			h->known = 0;
		} else {
			if (!unchanged(h, &st))
				changed = 1;
			remember(h, &st);
		}
	}
	pthread_mutex_unlock(&h->mu);
	return changed;
}
