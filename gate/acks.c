/* SPDX-License-Identifier: MIT */
/* Acknowledgements of one channel's deliveries, several as one basic.ack multiple when they
 * finish together (acks.h). */
#include "acks.h"

#include <stdlib.h>
#include <string.h>

void
ack_tracker_init(struct ack_tracker *t)
{
	memset(t, 0, sizeof(*t));
}

void
ack_tracker_clear(struct ack_tracker *t)
{
	free(t->open);
	free(t->due);
	ack_tracker_init(t);
}

void
ack_reset(struct ack_tracker *t)
{
	t->n_open = t->n_due = 0;
	t->lost = 0;
}

static int
grow(uint64_t **v, size_t *cap, size_t need)
{
	uint64_t *n;
	size_t c = *cap ? *cap : 16;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	if ((n = realloc(*v, c * sizeof(**v))) == NULL)
		return -1;
	*v = n;
	*cap = c;
	return 0;
}

int
ack_delivered(struct ack_tracker *t, uint64_t tag)
{
	size_t i;

	t->deliveries++;
	if (grow(&t->open, &t->cap_open, t->n_open + 1) == -1) {
		t->lost = 1;
		return -1;
	}
	/* Tags grow by one per delivery on a channel: an append, save for a broker that
	 * numbers otherwise, which still gets a sorted list. */
	for (i = t->n_open; i > 0 && t->open[i - 1] > tag; i--)
		;
	memmove(t->open + i + 1, t->open + i, (t->n_open - i) * sizeof(*t->open));
	t->open[i] = tag;
	t->n_open++;
	return 0;
}

int
ack_due(struct ack_tracker *t, uint64_t tag)
{
	if (grow(&t->due, &t->cap_due, t->n_due + 1) == -1)
		return -1;
	t->due[t->n_due++] = tag;
	return 0;
}

static void
drop_open(struct ack_tracker *t, uint64_t tag)
{
	size_t i;

	for (i = 0; i < t->n_open; i++)
		if (t->open[i] == tag) {
			memmove(t->open + i, t->open + i + 1, (t->n_open - i - 1) * sizeof(*t->open));
			t->n_open--;
			return;
		}
}

void
ack_settled(struct ack_tracker *t, uint64_t tag)
{
	drop_open(t, tag);
}

size_t
ack_pending(const struct ack_tracker *t)
{
	return t->n_due;
}

static int
cmp_tag(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
ack_plan(struct ack_tracker *t, int (*send)(void *arg, uint64_t tag, int multiple),
    void *arg)
{
	size_t i = 0, j = 0, k;

	if (t->n_due == 0)
		return 0;
	if (t->n_due > 1)
		qsort(t->due, t->n_due, sizeof(*t->due), cmp_tag);
	/* The longest run of the oldest open deliveries that are all due: one ack with
	 * multiple covers exactly them. */
	while (!t->lost && i < t->n_open && j < t->n_due && t->open[i] == t->due[j]) {
		i++;
		j++;
	}
	if (i >= 2) {
		if (send(arg, t->open[i - 1], 1) == -1)
			return -1;
		t->frames++;
		t->multiple++;
		t->acked += i;
		memmove(t->open, t->open + i, (t->n_open - i) * sizeof(*t->open));
		t->n_open -= i;
	} else {
		j = 0;
	}
	for (k = j; k < t->n_due; k++) {
		if (send(arg, t->due[k], 0) == -1) {
			/* what was not sent stays due for a caller that does not give up */
			memmove(t->due, t->due + k, (t->n_due - k) * sizeof(*t->due));
			t->n_due -= k;
			return -1;
		}
		t->frames++;
		t->acked++;
		drop_open(t, t->due[k]);
	}
	t->n_due = 0;
	return 0;
}
