/* SPDX-License-Identifier: MIT */
/*
 * reg_time.c - time in the registry: its clock, dates as EPP writes them (UTC,
 * RFC 5731 section 2.4) and validity periods (RFC 5731 section 2.5).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1   /* timegm */
#endif
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "reg_model.h"

void
registry_advance_clock(struct registry *r, int64_t ms)
{
	pthread_mutex_lock(&r->mu);
	r->clock_offset += ms;
	pthread_mutex_unlock(&r->mu);
}

int64_t
reg_now(struct registry *r)
{
	return eg_wall_ms() + r->clock_offset;
}

void
reg_fmt_time(int64_t ms, char out[32])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%S.0Z", &tm);
}

void
reg_fmt_date(int64_t ms, char out[16])
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y-%m-%d", &tm);
}

int64_t
reg_add_months(int64_t ms, int months)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	tm.tm_mon += months;    /* timegm normalises: 29 February + 1 year is 1 March */
	return (int64_t)timegm(&tm) * 1000 + ms % 1000;
}

int
reg_read_period(struct reg_cmd *c, xmlNodePtr parent, int *months)
{
	xmlNodePtr p = sx_child(parent, parent->ns ? (const char *)parent->ns->href : NULL,
	    "period");
	char unit[8], val[16];
	char *end;
	long n;

	*months = 12;
	if (p == NULL)
		return 0;
	sx_attr(p, "unit", unit, sizeof(unit));
	sx_text(p, val, sizeof(val));
	n = strtol(val, &end, 10);
	if (val[0] == '\0' || *end != '\0' || n < 1 || n > 99) {
		sx_resp_result(c->resp, 2005, "period '%s' is not a number from 1 to 99", val);
		return -1;
	}
	if (strcmp(unit, "y") == 0) {
		n *= 12;
	} else if (strcmp(unit, "m") != 0) {
		sx_resp_result(c->resp, 2005, "period unit '%s' is neither 'y' nor 'm'", unit);
		return -1;
	}
	if (n > 120) {
		sx_resp_result(c->resp, 2004, "a period may not exceed 10 years");
		return -1;
	}
	*months = (int)n;
	return 0;
}
