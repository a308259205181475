/* SPDX-License-Identifier: MIT */
/*
 * journal.c - the request journal (see journal.h for the contract).
 *
 * Every id the journal knows has one struct jent, found through a chained hash
 * table and linked in claim order (oldest first) so that compaction can keep the
 * newest. An entry always stands for at least one record in the file, so the
 * index never holds more than the file does.
 *
 * Durability: a record is written with pwrite(2) at the known end of the file
 * and fdatasync'd before the call returns. If either fails the file is cut back
 * to its previous length: a half-written record must never end up under a later
 * one, where replay would take it for corruption instead of a torn tail.
 *
 * Locking: one mutex guards the index and the file, and the fdatasync runs
 * under it. That serialises claims behind the disk, which is cheap next to a
 * registry round trip, and it is what makes check-and-insert atomic: the id
 * becomes visible to other threads only once its record is on disk.
 * An exclusive flock(2) on the file keeps a second process (a second gate
 * started by mistake) from using the same journal with its own index.
 */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"

#define ID_MAX           255
#define DEFAULT_MAX      ((size_t)64 * 1024 * 1024)
/* Below this a compaction could not even keep the claim that triggered it. */
#define MIN_MAX          ((size_t)64 * 1024)
/* An unanswered claim this young may still be redelivered: compaction keeps it first. */
#define PENDING_KEEP_MS  ((int64_t)24 * 3600 * 1000)
#define READ_CHUNK       65536
#define WRITE_CHUNK      (1024 * 1024)
#define INITIAL_BUCKETS  1024

struct jent {
	struct jent *hnext;         /* hash chain */
	struct jent *older, *newer; /* claim order */
	uint64_t hash;
	size_t bytes;               /* size of its records in the file: compaction budget */
	int keep;                   /* compaction mark */
	struct journal_entry e;
	size_t id_len;
	char id[];                  /* NUL-terminated */
};

struct journal {
	pthread_mutex_t mu;
	int fd;
	int tail_dirty;             /* a failed append could not be cut back yet */
	int dir_dirty;              /* a rename is not known durable yet */
	size_t file_bytes;
	size_t max_bytes;
	size_t compact_retry_at;    /* after a failed compaction, the size to try again at */
	size_t count;
	struct jent **tab;
	size_t nbuckets;            /* a power of two */
	uint64_t seed;
	struct jent *oldest, *newest;
	char *path, *tmp_path, *dir_path;
};

/* ---- index ------------------------------------------------------------------ */

/*
 * FNV-1a over the id, started from a per-journal random seed and finished with a
 * 64-bit mixer, so that ids chosen by a client cannot be lined up in one chain as
 * easily as with a fixed hash.
 */
static uint64_t
hash_id(const struct journal *j, const char *id, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ j->seed;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)id[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static struct jent *
index_find(const struct journal *j, const char *id, size_t n, uint64_t h)
{
	struct jent *x;

	for (x = j->tab[h & (j->nbuckets - 1)]; x != NULL; x = x->hnext)
		if (x->hash == h && x->id_len == n && memcmp(x->id, id, n) == 0)
			return x;
	return NULL;
}

/* Doubles the table. Failing to grow only makes chains longer, so it is not an error. */
static void
index_grow(struct journal *j)
{
	struct jent **nt, *x, *next;
	size_t i, nb = j->nbuckets * 2;

	if (nb < j->nbuckets || (nt = calloc(nb, sizeof(*nt))) == NULL)
		return;
	for (i = 0; i < j->nbuckets; i++) {
		for (x = j->tab[i]; x != NULL; x = next) {
			next = x->hnext;
			x->hnext = nt[x->hash & (nb - 1)];
			nt[x->hash & (nb - 1)] = x;
		}
	}
	free(j->tab);
	j->tab = nt;
	j->nbuckets = nb;
}

static struct jent *
jent_new(const char *id, size_t n, uint64_t h)
{
	struct jent *x;

	if ((x = calloc(1, sizeof(*x) + n + 1)) == NULL)
		return NULL;
	memcpy(x->id, id, n);
	x->id[n] = '\0';
	x->id_len = n;
	x->hash = h;
	return x;
}

/* Links x in as the newest entry. Cannot fail: x was allocated beforehand. */
static void
index_link(struct journal *j, struct jent *x)
{
	struct jent **b;

	if (j->count >= j->nbuckets)
		index_grow(j);
	b = &j->tab[x->hash & (j->nbuckets - 1)];
	x->hnext = *b;
	*b = x;
	x->older = j->newest;
	x->newer = NULL;
	if (j->newest != NULL)
		j->newest->newer = x;
	else
		j->oldest = x;
	j->newest = x;
	j->count++;
}

/* Unlinks and frees x. */
static void
index_remove(struct journal *j, struct jent *x)
{
	struct jent **pp;

	for (pp = &j->tab[x->hash & (j->nbuckets - 1)]; *pp != x; pp = &(*pp)->hnext)
		;
	*pp = x->hnext;
	if (x->older != NULL)
		x->older->newer = x->newer;
	else
		j->oldest = x->newer;
	if (x->newer != NULL)
		x->newer->older = x->older;
	else
		j->newest = x->older;
	j->count--;
	free(x->e.reply);
	free(x);
}

/* Copies src into the caller's dst, the reply included (dst->reply NULL if that fails). */
static void
entry_copy(struct journal_entry *dst, const struct journal_entry *src)
{
	*dst = *src;
	dst->reply = NULL;
	dst->reply_len = 0;
	if (src->reply != NULL && (dst->reply = malloc(src->reply_len + 1)) != NULL) {
		memcpy(dst->reply, src->reply, src->reply_len);
		dst->reply[src->reply_len] = '\0';
		dst->reply_len = src->reply_len;
	}
}

/* ---- records ---------------------------------------------------------------- */

static int
add_member(json_object *o, const char *key, json_object *v)
{
	if (v == NULL)
		return -1;
	if (json_object_object_add_ex(o, key, v,
	    JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT) != 0) {
		json_object_put(v);   /* ownership did not pass to o */
		return -1;
	}
	return 0;
}

static int
add_str(json_object *o, const char *key, const char *s, size_t n)
{
	return add_member(o, key, json_object_new_string_len(s, (int)n));
}

/* Appends o to b as one line and drops o. -1: out of memory. */
static int
put_line(struct buf *b, json_object *o)
{
	const char *s;
	size_t n;
	int rc = -1;

	s = json_object_to_json_string_length(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (s == NULL || buf_append(b, s, n) == -1 || buf_append(b, "\n", 1) == -1)
		goto fail;
	rc = 0;
fail:
	json_object_put(o);
	return rc;
}

/* Starts a record {"t":t,"id":id}. NULL: out of memory. */
static json_object *
rec_new(const char *t, const char *id, size_t n)
{
	json_object *o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (add_member(o, "t", json_object_new_string(t)) == -1 || add_str(o, "id", id, n) == -1) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int
rec_sent(struct buf *b, const char *id, size_t n, const struct journal_entry *e)
{
	json_object *o;

	if ((o = rec_new("sent", id, n)) == NULL)
		return -1;
	if (add_str(o, "cltrid", e->cltrid, strlen(e->cltrid)) == -1 ||
	    add_str(o, "cmd", e->cmd, strlen(e->cmd)) == -1 ||
	    add_str(o, "obj", e->obj, strlen(e->obj)) == -1 ||
	    add_member(o, "ms", json_object_new_int64(e->sent_ms)) == -1) {
		json_object_put(o);
		return -1;
	}
	return put_line(b, o);
}

/* The reply is kept as a JSON string, not spliced in: it comes back byte for byte. */
static int
rec_done(struct buf *b, const char *id, size_t n, const char *reply, size_t len)
{
	json_object *o;

	if ((o = rec_new("done", id, n)) == NULL)
		return -1;
	if (add_str(o, "reply", reply, len) == -1) {
		json_object_put(o);
		return -1;
	}
	return put_line(b, o);
}

static int
rec_release(struct buf *b, const char *id, size_t n)
{
	json_object *o;

	if ((o = rec_new("release", id, n)) == NULL)
		return -1;
	return put_line(b, o);
}

/* ---- file ------------------------------------------------------------------- */

/* Makes a rename or a creation in the journal's directory durable. */
static int
sync_dir(const char *dir)
{
	int fd, rc = -1, saved;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	/* EINVAL: this file system cannot sync a directory; there is nothing more to do. */
	if (fsync(fd) == -1 && errno != EINVAL)
		goto fail;
	rc = 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* Settles what an earlier failure left open before anything more is appended. */
static int
append_ready(struct journal *j, struct eg_err *err)
{
	if (j->tail_dirty) {
		if (ftruncate(j->fd, (off_t)j->file_bytes) == -1)
			return eg_err_set(err, EG_EIO, "journal %s: cannot remove a partly written "
			    "record: %s", j->path, strerror(errno));
		j->tail_dirty = 0;
	}
	if (j->dir_dirty) {
		if (sync_dir(j->dir_path) == -1)
			return eg_err_set(err, EG_EIO, "journal %s: cannot sync directory %s: %s",
			    j->path, j->dir_path, strerror(errno));
		j->dir_dirty = 0;
	}
	return 0;
}

/*
 * Writes rec at the end of the file and waits until it is on disk. On failure the
 * file is cut back to where it was and nothing is counted.
 */
static int
append(struct journal *j, const struct buf *rec, struct eg_err *err)
{
	size_t off = 0;
	ssize_t n;
	int saved;

	if (append_ready(j, err) == -1)
		return -1;
	while (off < rec->len) {
		n = pwrite(j->fd, rec->data + off, rec->len - off, (off_t)(j->file_bytes + off));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		if (n == 0) {
			errno = EIO;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fdatasync(j->fd) == -1)
		goto fail;
	j->file_bytes += rec->len;
	return 0;
fail:
	saved = errno;
	/* Shrinking needs no space, so this normally works even on a full disk. */
	if (ftruncate(j->fd, (off_t)j->file_bytes) == -1)
		j->tail_dirty = 1;
	return eg_err_set(err, EG_EIO, "journal %s: cannot write record (%zu of %zu bytes "
	    "written): %s", j->path, off, rec->len, strerror(saved));
}

static int
write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Appends x's records (a "sent", and a "done" if answered) to b and notes their size. */
static int
jent_records(struct buf *b, struct jent *x)
{
	size_t start = b->len;

	if (rec_sent(b, x->id, x->id_len, &x->e) == -1)
		return -1;
	if (x->e.state == JOURNAL_DONE &&
	    rec_done(b, x->id, x->id_len, x->e.reply, x->e.reply_len) == -1)
		return -1;
	x->bytes = b->len - start;
	return 0;
}

/*
 * Rewrites the journal with the newest records that fit in half of max_bytes, so
 * that the next compaction is max_bytes/2 of appends away. Unanswered claims younger
 * than PENDING_KEEP_MS are chosen first (newest first), because dropping one is what
 * could let a redelivered paid command run twice; then everything else, newest
 * first, skipping an entry that does not fit and trying older, smaller ones.
 * Kept entries are written in claim order so that replay rebuilds the same list.
 * The old file stays the journal until the rename, so a failure loses nothing.
 */
static int
compact(struct journal *j, struct eg_err *err)
{
	struct buf out = BUF_INIT;
	struct jent *x, *next;
	size_t budget = j->max_bytes / 2, used = 0, total = 0;
	int64_t now = eg_wall_ms();
	int fd = -1, saved;

	for (x = j->newest; x != NULL; x = x->older) {
		x->keep = x->e.state == JOURNAL_SENT && now - x->e.sent_ms < PENDING_KEEP_MS &&
		    x->bytes <= budget - used;
		if (x->keep)
			used += x->bytes;
	}
	for (x = j->newest; x != NULL; x = x->older) {
		if (!x->keep && x->bytes <= budget - used) {
			x->keep = 1;
			used += x->bytes;
		}
	}

	fd = open(j->tmp_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		goto fail;
	/* Locked before it gets the journal's name, so no other process can take it over. */
	if (flock(fd, LOCK_EX | LOCK_NB) == -1)
		goto fail;
	for (x = j->oldest; x != NULL; x = x->newer) {
		if (!x->keep)
			continue;
		if (jent_records(&out, x) == -1) {
			errno = ENOMEM;
			goto fail;
		}
		if (out.len >= WRITE_CHUNK) {
			if (write_all(fd, out.data, out.len) == -1)
				goto fail;
			total += out.len;
			buf_reset(&out);
		}
	}
	if (write_all(fd, out.data, out.len) == -1)
		goto fail;
	total += out.len;
	if (fsync(fd) == -1 || rename(j->tmp_path, j->path) == -1)
		goto fail;

	/* From here on the new file is the journal. */
	close(j->fd);
	j->fd = fd;
	j->file_bytes = total;
	j->compact_retry_at = 0;
	/* Until the rename is durable a crash could bring the old file back, without what
	 * is appended next: append_ready() refuses to append before this succeeds. */
	if (sync_dir(j->dir_path) == -1)
		j->dir_dirty = 1;
	for (x = j->oldest; x != NULL; x = next) {
		next = x->newer;
		if (!x->keep)
			index_remove(j, x);
	}
	buf_clear(&out);
	return 0;
fail:
	saved = errno;
	if (fd != -1) {
		close(fd);
		unlink(j->tmp_path);
	}
	buf_clear(&out);
	return eg_err_set(err, EG_EIO, "journal %s: compaction failed: %s", j->path,
	    strerror(saved));
}

/*
 * Called after each successful append. A failed compaction does not fail the
 * append (that record is on disk); it is retried after another eighth of
 * max_bytes, not on every append. journal_file_bytes() shows the growth.
 */
static void
maybe_compact(struct journal *j)
{
	if (j->file_bytes <= j->max_bytes || j->file_bytes < j->compact_retry_at)
		return;
	if (compact(j, NULL) == -1)
		j->compact_retry_at = j->file_bytes + j->max_bytes / 8;
}

/* ---- replay ----------------------------------------------------------------- */

static const char *
member_str(json_object *o, const char *key, size_t *len)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

/* Copies a string member into a fixed field; -1 when it is missing or too long. */
static int
member_field(json_object *o, const char *key, char *dst, size_t size)
{
	const char *s;
	size_t n;

	if ((s = member_str(o, key, &n)) == NULL || n >= size || memchr(s, '\0', n) != NULL)
		return -1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return 0;
}

enum { APPLY_OK = 0, APPLY_BAD = -1, APPLY_NOMEM = -2 };

/*
 * Applies one line of the file to the index. APPLY_BAD (with *why) when the line
 * is not a record. Replay is lenient about order: a "done" without its "sent"
 * still marks the id answered, since that is the safe reading.
 */
static int
apply_line(struct journal *j, json_tokener *tok, const char *s, size_t len, const char **why)
{
	json_object *o = NULL, *v;
	struct journal_entry ne;
	struct jent *x;
	const char *t, *id, *reply;
	size_t tn, n, rn;
	uint64_t h;
	int rc = APPLY_BAD;

	memset(&ne, 0, sizeof(ne));
	*why = "not a JSON object";
	if (len > INT_MAX)
		goto out;
	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (o == NULL || json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object))
		goto out;
	*why = "no record type";
	if ((t = member_str(o, "t", &tn)) == NULL)
		goto out;
	*why = "bad or missing id";
	if ((id = member_str(o, "id", &n)) == NULL || n == 0 || n > ID_MAX ||
	    memchr(id, '\0', n) != NULL)
		goto out;
	h = hash_id(j, id, n);
	x = index_find(j, id, n, h);

	if (strcmp(t, "sent") == 0) {
		*why = "bad sent record";
		if (member_field(o, "cltrid", ne.cltrid, sizeof(ne.cltrid)) == -1 ||
		    member_field(o, "cmd", ne.cmd, sizeof(ne.cmd)) == -1 ||
		    member_field(o, "obj", ne.obj, sizeof(ne.obj)) == -1 ||
		    !json_object_object_get_ex(o, "ms", &v) || !json_object_is_type(v, json_type_int))
			goto out;
		ne.state = JOURNAL_SENT;
		ne.sent_ms = json_object_get_int64(v);
		/* Claimed again (only possible after a release): the later claim stands. */
		if (x != NULL)
			index_remove(j, x);
		if ((x = jent_new(id, n, h)) == NULL) {
			rc = APPLY_NOMEM;
			goto out;
		}
		x->e = ne;
		x->bytes = len + 1;
		index_link(j, x);
	} else if (strcmp(t, "done") == 0) {
		*why = "bad done record";
		if ((reply = member_str(o, "reply", &rn)) == NULL)
			goto out;
		if (x == NULL) {
			if ((x = jent_new(id, n, h)) == NULL) {
				rc = APPLY_NOMEM;
				goto out;
			}
			index_link(j, x);
		}
		free(x->e.reply);
		x->e.reply = NULL;
		x->e.reply_len = 0;
		x->e.state = JOURNAL_DONE;
		x->bytes += len + 1;
		if ((x->e.reply = malloc(rn + 1)) == NULL) {
			rc = APPLY_NOMEM;
			goto out;
		}
		memcpy(x->e.reply, reply, rn);
		x->e.reply[rn] = '\0';
		x->e.reply_len = rn;
	} else if (strcmp(t, "release") == 0) {
		if (x != NULL)
			index_remove(j, x);
	} else {
		*why = "unknown record type";
		goto out;
	}
	rc = APPLY_OK;
out:
	if (o != NULL)
		json_object_put(o);
	return rc;
}

/*
 * Reads the file line by line into the index. An unparsable line is fatal unless
 * nothing follows it: a crash mid-append leaves at most one torn record at the
 * end, which is cut off here so that new records do not land behind it.
 */
static int
replay(struct journal *j, struct eg_err *err)
{
	struct buf in = BUF_INIT;
	json_tokener *tok;
	const char *why = NULL, *bad_why = NULL;
	char *nl;
	size_t line = 0, bad_line = 0, pos = 0, start, len, good_end = 0;
	ssize_t n;
	int r, rc = -1;
	struct stat st;

	if ((tok = json_tokener_new_ex(8)) == NULL) {
		eg_err_set(err, EG_ENOMEM, "journal %s: out of memory", j->path);
		goto fail;
	}
	for (;;) {
		if (buf_reserve(&in, READ_CHUNK) == -1) {
			eg_err_set(err, EG_ENOMEM, "journal %s: out of memory", j->path);
			goto fail;
		}
		n = read(j->fd, in.data + in.len, READ_CHUNK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			eg_err_set(err, EG_EIO, "journal %s: read: %s", j->path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		in.len += (size_t)n;
		start = 0;
		while ((nl = memchr(in.data + start, '\n', in.len - start)) != NULL) {
			len = (size_t)(nl - (in.data + start));
			line++;
			if (bad_line != 0) {
				eg_err_set(err, EG_ECONFIG, "journal %s: line %zu is corrupt (%s); "
				    "refusing to start: repair or move the file", j->path, bad_line,
				    bad_why);
				goto fail;
			}
			r = apply_line(j, tok, in.data + start, len, &why);
			if (r == APPLY_NOMEM) {
				eg_err_set(err, EG_ENOMEM, "journal %s: out of memory at line %zu",
				    j->path, line);
				goto fail;
			}
			if (r == APPLY_BAD) {
				bad_line = line;
				bad_why = why;
			} else {
				good_end = pos + start + len + 1;
			}
			start += len + 1;
		}
		buf_consume(&in, start);
		pos += start;
	}
	if (bad_line != 0 && in.len > 0) {
		eg_err_set(err, EG_ECONFIG, "journal %s: line %zu is corrupt (%s); refusing to "
		    "start: repair or move the file", j->path, bad_line, bad_why);
		goto fail;
	}
	if (fstat(j->fd, &st) == -1) {
		eg_err_set(err, EG_EIO, "journal %s: stat: %s", j->path, strerror(errno));
		goto fail;
	}
	if ((size_t)st.st_size != good_end) {
		/* A torn or unparsable last record (crash mid-write): its claim never
		 * returned, so dropping it is right. */
		if (ftruncate(j->fd, (off_t)good_end) == -1 || fsync(j->fd) == -1) {
			eg_err_set(err, EG_EIO, "journal %s: cannot cut off the torn last record: %s",
			    j->path, strerror(errno));
			goto fail;
		}
	}
	j->file_bytes = good_end;
	rc = 0;
fail:
	if (tok != NULL)
		json_tokener_free(tok);
	buf_clear(&in);
	return rc;
}

/* ---- public ----------------------------------------------------------------- */

static char *
str_cat(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	char *s;

	if ((s = malloc(na + nb + 1)) == NULL)
		return NULL;
	memcpy(s, a, na);
	memcpy(s + na, b, nb + 1);
	return s;
}

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

/* Opens and locks path; retries if another process renamed a new file over it meanwhile. */
static int
open_locked(struct journal *j, struct eg_err *err)
{
	struct stat fst, pst;
	int tries;

	for (tries = 0; tries < 5; tries++) {
		j->fd = open(j->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (j->fd == -1)
			return eg_err_set(err, EG_EIO, "journal %s: open: %s", j->path,
			    strerror(errno));
		if (flock(j->fd, LOCK_EX | LOCK_NB) == -1) {
			if (errno == EWOULDBLOCK)
				return eg_err_set(err, EG_ECONFIG, "journal %s is in use by another "
				    "process", j->path);
			return eg_err_set(err, EG_EIO, "journal %s: flock: %s", j->path,
			    strerror(errno));
		}
		if (fstat(j->fd, &fst) == -1)
			return eg_err_set(err, EG_EIO, "journal %s: stat: %s", j->path,
			    strerror(errno));
		if (stat(j->path, &pst) == 0 && pst.st_dev == fst.st_dev &&
		    pst.st_ino == fst.st_ino)
			break;
		close(j->fd);
		j->fd = -1;
	}
	if (j->fd == -1)
		return eg_err_set(err, EG_EIO, "journal %s keeps being replaced", j->path);
	if (!S_ISREG(fst.st_mode))
		return eg_err_set(err, EG_ECONFIG, "journal %s is not a regular file", j->path);
	/* Replies carry registrant data: tighten a file others could read (best effort). */
	if ((fst.st_mode & 077) != 0)
		(void)fchmod(j->fd, 0600);
	return 0;
}

struct journal *
journal_open(const char *path, size_t max_bytes, struct eg_err *err)
{
	struct journal *j;

	if ((j = calloc(1, sizeof(*j))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "journal: out of memory");
		return NULL;
	}
	if (pthread_mutex_init(&j->mu, NULL) != 0) {
		free(j);
		eg_err_set(err, EG_ENOMEM, "journal: cannot create mutex");
		return NULL;
	}
	/* From here journal_close() can undo whatever is done. */
	j->fd = -1;
	if (path == NULL || *path == '\0') {
		eg_err_set(err, EG_ECONFIG, "journal: no file name");
		goto fail;
	}
	j->max_bytes = max_bytes == 0 ? DEFAULT_MAX : max_bytes;
	if (j->max_bytes < MIN_MAX) {
		eg_err_set(err, EG_ECONFIG, "journal %s: size limit %zu is below the minimum %zu",
		    path, j->max_bytes, MIN_MAX);
		goto fail;
	}
	j->nbuckets = INITIAL_BUCKETS;
	if ((j->path = strdup(path)) == NULL || (j->tmp_path = str_cat(path, ".tmp")) == NULL ||
	    (j->dir_path = dir_of(path)) == NULL ||
	    (j->tab = calloc(j->nbuckets, sizeof(*j->tab))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "journal: out of memory");
		goto fail;
	}
	if (getrandom(&j->seed, sizeof(j->seed), GRND_NONBLOCK) != (ssize_t)sizeof(j->seed))
		j->seed = (uint64_t)eg_now_us() ^ (uint64_t)(uintptr_t)j;
	if (open_locked(j, err) == -1)
		goto fail;
	/* The file may have just been created: its name must be durable before any claim. */
	if (sync_dir(j->dir_path) == -1) {
		eg_err_set(err, EG_EIO, "journal %s: cannot sync directory %s: %s", path,
		    j->dir_path, strerror(errno));
		goto fail;
	}
	if (replay(j, err) == -1)
		goto fail;
	maybe_compact(j);   /* the limit may have been lowered since the last run */
	return j;
fail:
	journal_close(j);
	return NULL;
}

void
journal_close(struct journal *j)
{
	struct jent *x, *next;

	if (j == NULL)
		return;
	for (x = j->oldest; x != NULL; x = next) {
		next = x->newer;
		free(x->e.reply);
		free(x);
	}
	free(j->tab);
	if (j->fd != -1)
		close(j->fd);
	pthread_mutex_destroy(&j->mu);
	free(j->path);
	free(j->tmp_path);
	free(j->dir_path);
	free(j);
}

/* Checks an id from a caller: 1 to 255 bytes. Returns its length, or 0 with err set. */
static size_t
id_check(const char *id, struct eg_err *err)
{
	size_t n;

	if (id == NULL || (n = strnlen(id, ID_MAX + 1)) == 0) {
		eg_err_set(err, EG_EREQUEST, "journal: empty request id");
		return 0;
	}
	if (n > ID_MAX) {
		eg_err_set(err, EG_EREQUEST, "journal: request id longer than %d bytes", ID_MAX);
		return 0;
	}
	return n;
}

static int
field_set(char *dst, size_t size, const char *src, const char *what, struct eg_err *err)
{
	size_t n;

	if (src == NULL)
		src = "";
	if ((n = strlen(src)) >= size)
		return eg_err_set(err, EG_EREQUEST, "journal: %s longer than %zu bytes", what,
		    size - 1);
	memcpy(dst, src, n + 1);
	return 0;
}

int
journal_claim(struct journal *j, const char *id, const char *cltrid, const char *cmd,
    const char *obj, struct journal_entry *prev, struct eg_err *err)
{
	struct buf rec = BUF_INIT;
	struct journal_entry ne;
	struct jent *x = NULL, *old;
	size_t n;
	uint64_t h;
	int rc = -1, locked = 0;

	if ((n = id_check(id, err)) == 0)
		goto out;
	memset(&ne, 0, sizeof(ne));
	if (field_set(ne.cltrid, sizeof(ne.cltrid), cltrid, "clTRID", err) == -1 ||
	    field_set(ne.cmd, sizeof(ne.cmd), cmd, "command name", err) == -1 ||
	    field_set(ne.obj, sizeof(ne.obj), obj, "object name", err) == -1)
		goto out;
	ne.state = JOURNAL_SENT;
	ne.sent_ms = eg_wall_ms();
	/* Everything that can fail for want of memory happens before the record is written,
	 * so that a record on disk always has its entry. */
	if (rec_sent(&rec, id, n, &ne) == -1) {
		eg_err_set(err, EG_ENOMEM, "journal: out of memory");
		goto out;
	}
	pthread_mutex_lock(&j->mu);
	locked = 1;
	h = hash_id(j, id, n);
	if ((old = index_find(j, id, n, h)) != NULL) {
		if (prev != NULL)
			entry_copy(prev, &old->e);
		rc = 0;
		goto out;
	}
	if ((x = jent_new(id, n, h)) == NULL) {
		eg_err_set(err, EG_ENOMEM, "journal: out of memory");
		goto out;
	}
	if (append(j, &rec, err) == -1)
		goto out;
	x->e = ne;
	x->bytes = rec.len;
	index_link(j, x);
	x = NULL;
	maybe_compact(j);
	rc = 1;
out:
	if (locked)
		pthread_mutex_unlock(&j->mu);
	free(x);
	buf_clear(&rec);
	return rc;
}

int
journal_done(struct journal *j, const char *id, const char *reply, size_t len,
    struct eg_err *err)
{
	struct buf rec = BUF_INIT;
	struct jent *x;
	char *copy = NULL;
	size_t n;
	int rc = -1, locked = 0;

	if ((n = id_check(id, err)) == 0)
		goto out;
	if (reply == NULL && len != 0) {
		eg_err_set(err, EG_EREQUEST, "journal: reply missing");
		goto out;
	}
	if (reply == NULL)
		reply = "";
	if (len > INT_MAX / 2) {   /* json-c counts in int; escaping may double it */
		eg_err_set(err, EG_ELIMIT, "journal: reply of %zu bytes is too large", len);
		goto out;
	}
	/* Built outside the lock: a large reply must not hold up other sessions' claims. */
	if ((copy = malloc(len + 1)) == NULL || rec_done(&rec, id, n, reply, len) == -1) {
		eg_err_set(err, EG_ENOMEM, "journal: out of memory");
		goto out;
	}
	memcpy(copy, reply, len);
	copy[len] = '\0';
	pthread_mutex_lock(&j->mu);
	locked = 1;
	if ((x = index_find(j, id, n, hash_id(j, id, n))) == NULL) {
		eg_err_set(err, EG_EREQUEST, "journal: request id %s was never claimed", id);
		goto out;
	}
	if (x->e.state == JOURNAL_DONE) {
		eg_err_set(err, EG_EREQUEST, "journal: request id %s already has a reply", id);
		goto out;
	}
	if (append(j, &rec, err) == -1)
		goto out;
	x->e.state = JOURNAL_DONE;
	x->e.reply = copy;
	x->e.reply_len = len;
	x->bytes += rec.len;
	copy = NULL;
	maybe_compact(j);
	rc = 0;
out:
	if (locked)
		pthread_mutex_unlock(&j->mu);
	free(copy);
	buf_clear(&rec);
	return rc;
}

int
journal_release(struct journal *j, const char *id, struct eg_err *err)
{
	struct buf rec = BUF_INIT;
	struct jent *x;
	size_t n;
	int rc = -1, locked = 0;

	if ((n = id_check(id, err)) == 0)
		goto out;
	if (rec_release(&rec, id, n) == -1) {
		eg_err_set(err, EG_ENOMEM, "journal: out of memory");
		goto out;
	}
	pthread_mutex_lock(&j->mu);
	locked = 1;
	if ((x = index_find(j, id, n, hash_id(j, id, n))) == NULL) {
		rc = 0;   /* nothing to forget */
		goto out;
	}
	if (x->e.state == JOURNAL_DONE) {
		eg_err_set(err, EG_EREQUEST, "journal: request id %s has a reply; it cannot be "
		    "released", id);
		goto out;
	}
	if (append(j, &rec, err) == -1)
		goto out;
	index_remove(j, x);
	maybe_compact(j);
	rc = 0;
out:
	if (locked)
		pthread_mutex_unlock(&j->mu);
	buf_clear(&rec);
	return rc;
}

enum journal_state
journal_lookup(struct journal *j, const char *id, struct journal_entry *e)
{
	enum journal_state st = JOURNAL_NONE;
	struct jent *x;
	size_t n;

	if (id == NULL || (n = strnlen(id, ID_MAX + 1)) == 0 || n > ID_MAX)
		return JOURNAL_NONE;
	pthread_mutex_lock(&j->mu);
	if ((x = index_find(j, id, n, hash_id(j, id, n))) != NULL) {
		st = x->e.state;
		if (e != NULL)
			entry_copy(e, &x->e);
	}
	pthread_mutex_unlock(&j->mu);
	return st;
}

void
journal_entry_clear(struct journal_entry *e)
{
	if (e == NULL)
		return;
	free(e->reply);
	memset(e, 0, sizeof(*e));
}

size_t
journal_count(struct journal *j)
{
	size_t n;

	pthread_mutex_lock(&j->mu);
	n = j->count;
	pthread_mutex_unlock(&j->mu);
	return n;
}

size_t
journal_file_bytes(struct journal *j)
{
	size_t n;

	pthread_mutex_lock(&j->mu);
	n = j->file_bytes;
	pthread_mutex_unlock(&j->mu);
	return n;
}
