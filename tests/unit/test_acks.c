/* SPDX-License-Identifier: MIT */
/* The acks of one channel's deliveries (gate/acks.h) against a model of the broker's
 * unacked set: a multiple ack covers only answered deliveries, nothing answered waits. */
#include <stdlib.h>
#include <string.h>

#include "acks.h"
#include "tap.h"

#define MAXTAG 4096

/* The broker's side: which tags are delivered and not settled; what the gate answered. */
struct model {
	struct ack_tracker t;
	unsigned char unacked[MAXTAG];  /* the broker still counts it */
	unsigned char answered[MAXTAG]; /* its reply was published */
	uint64_t next;
	size_t frames, multiple, covered, bad;
	int fail_after;                 /* sends that succeed before one fails; -1: never */
};

static int
send_ack(void *arg, uint64_t tag, int multiple)
{
	struct model *m = arg;
	uint64_t i;

	if (m->fail_after == 0)
		return -1;
	if (m->fail_after > 0)
		m->fail_after--;
	m->frames++;
	if (multiple) {
		m->multiple++;
		for (i = 1; i <= tag; i++)
			if (m->unacked[i]) {
				if (!m->answered[i])
					m->bad++;    /* acked before its reply went out */
				m->unacked[i] = 0;
				m->covered++;
			}
	} else {
		if (!m->unacked[tag] || !m->answered[tag])
			m->bad++;
		m->unacked[tag] = 0;
		m->covered++;
	}
	return 0;
}

static void
model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	ack_tracker_init(&m->t);
	m->next = 1;
	m->fail_after = -1;
}

static uint64_t
deliver(struct model *m)
{
	uint64_t tag = m->next++;

	m->unacked[tag] = 1;
	ack_delivered(&m->t, tag);
	return tag;
}

static void
answer(struct model *m, uint64_t tag)
{
	m->answered[tag] = 1;
	ack_due(&m->t, tag);
}

static void
test_in_order(void)
{
	struct model m;
	uint64_t i;
	int rc;

	model_init(&m);
	for (i = 0; i < 8; i++)
		deliver(&m);
	for (i = 1; i <= 8; i++)
		answer(&m, i);
	rc = ack_plan(&m.t, send_ack, &m);
	tap_ok(rc == 0 && m.frames == 1 && m.multiple == 1 && m.covered == 8 && m.bad == 0,
	    "8 consecutive answers: one ack with multiple (%zu frames, %zu covered)", m.frames,
	    m.covered);
	tap_ok(m.t.deliveries == 8 && m.t.frames == 1 && m.t.acked == 8 && m.t.multiple == 1,
	    "counters: 8 deliveries, 1 frame, 8 acked");
	answer(&m, deliver(&m));
	tap_ok(ack_plan(&m.t, send_ack, &m) == 0 && m.frames == 2 && m.multiple == 1,
	    "a lone answer: a plain ack");
	tap_ok(ack_plan(&m.t, send_ack, &m) == 0 && m.frames == 2, "nothing due: nothing sent");
	ack_tracker_clear(&m.t);
}

static void
test_gap(void)
{
	struct model m;
	uint64_t i;
	int rc;

	model_init(&m);
	for (i = 0; i < 6; i++)
		deliver(&m);
	/* 3 still runs: 1-2 together, 4-6 each alone, never covering 3 */
	answer(&m, 5);
	answer(&m, 1);
	answer(&m, 2);
	answer(&m, 4);
	answer(&m, 6);
	rc = ack_plan(&m.t, send_ack, &m);
	tap_ok(rc == 0 && m.bad == 0 && m.unacked[3] && m.frames == 4 && m.multiple == 1,
	    "gap at 3: 1-2 as one, 4, 5, 6 alone, 3 untouched (%zu frames)", m.frames);
	answer(&m, 3);
	answer(&m, deliver(&m));
	answer(&m, deliver(&m));
	tap_ok(ack_plan(&m.t, send_ack, &m) == 0 && m.bad == 0 && m.frames == 5 &&
	    m.multiple == 2 && m.covered == 8, "3 answered with 7 and 8: one multiple ack for "
	    "them (4-6 were acked already)");
	ack_tracker_clear(&m.t);
}

static void
test_settled_elsewhere(void)
{
	struct model m;

	model_init(&m);
	deliver(&m);
	deliver(&m);
	deliver(&m);
	/* 1 handed back (rejected), then 2 and 3 answered together */
	m.unacked[1] = 0;
	ack_settled(&m.t, 1);
	answer(&m, 2);
	answer(&m, 3);
	tap_ok(ack_plan(&m.t, send_ack, &m) == 0 && m.bad == 0 && m.frames == 1 &&
	    m.multiple == 1, "a rejected delivery does not stop a multiple ack after it");
	deliver(&m);
	deliver(&m);
	answer(&m, 5);
	tap_ok(ack_plan(&m.t, send_ack, &m) == 0 && m.bad == 0 && m.frames == 2 &&
	    m.multiple == 1 && m.unacked[4], "a delivery held (4) is not covered: 5 alone");
	ack_tracker_clear(&m.t);
}

static void
test_reset_and_failure(void)
{
	struct model m;

	model_init(&m);
	deliver(&m);
	deliver(&m);
	answer(&m, 1);
	answer(&m, 2);
	m.fail_after = 0;
	tap_ok(ack_plan(&m.t, send_ack, &m) == -1 && ack_pending(&m.t) == 2,
	    "a failed send: -1, the acks stay due");
	ack_reset(&m.t);
	tap_ok(ack_pending(&m.t) == 0 && m.t.n_open == 0, "a new connection: nothing due, "
	    "nothing open");
	/* the new connection numbers from 1 again */
	memset(m.unacked, 0, sizeof(m.unacked));
	memset(m.answered, 0, sizeof(m.answered));
	m.next = 1;
	m.fail_after = -1;
	m.frames = m.multiple = 0;
	deliver(&m);
	deliver(&m);
	answer(&m, 2);
	tap_ok(ack_plan(&m.t, send_ack, &m) == 0 && m.bad == 0 && m.frames == 1 &&
	    m.multiple == 0, "after the reset, tags of the old connection play no part");
	ack_tracker_clear(&m.t);
}

/* Random deliveries and answers, acks planned at random moments: no ack before its
 * answer, every answer acked by the end, fewer frames than answers. */
static void
test_random(void)
{
	struct model m;
	uint64_t open[64], tag;
	size_t nopen = 0, k, answers = 0, bad_left = 0;
	int step;

	srand(5730);
	model_init(&m);
	for (step = 0; step < 3000 && m.next < MAXTAG - 1; step++) {
		if (nopen < 16 && rand() % 3 != 0)
			open[nopen++] = deliver(&m);
		if (nopen > 0 && rand() % 2 == 0) {
			k = (size_t)rand() % nopen;
			tag = open[k];
			open[k] = open[--nopen];
			answer(&m, tag);
			answers++;
		}
		if (rand() % 4 == 0)
			ack_plan(&m.t, send_ack, &m);
	}
	ack_plan(&m.t, send_ack, &m);
	for (tag = 1; tag < m.next; tag++)
		if (m.answered[tag] && m.unacked[tag])
			bad_left++;
	tap_ok(m.bad == 0, "random: no delivery acked before its answer (%zu bad)", m.bad);
	tap_ok(bad_left == 0 && m.covered == answers, "random: every answer acked (%zu of %zu)",
	    m.covered, answers);
	tap_ok(m.multiple > 0 && m.frames < answers, "random: %zu frames for %zu answers, %zu "
	    "with multiple", m.frames, answers, m.multiple);
	ack_tracker_clear(&m.t);
}

int
main(void)
{
	test_in_order();
	test_gap();
	test_settled_elsewhere();
	test_reset_and_failure();
	test_random();
	return tap_done();
}
