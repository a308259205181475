/* SPDX-License-Identifier: MIT */
/*
 * healthline.c - "<message> at <asctime>\n", the health file's line (healthline.h).
 */
#include "healthline.h"

#include <stdio.h>
#include <string.h>

/* " at " + "Mon Dec  7 04:06:41 2026" + "\n"; an unconvertible time prints as seconds. */
#define TAIL_MAX 48

/* asctime()'s own names: the line must not depend on the locale. */
static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
	"Sep", "Oct", "Nov", "Dec"};

size_t
healthline_format(char *line, size_t cap, const char *message, time_t when)
{
	char tail[TAIL_MAX];
	struct tm tm;
	size_t n, t, i;

	if (line == NULL || cap < HEALTHLINE_MIN)
		return 0;
	if (localtime_r(&when, &tm) != NULL && tm.tm_wday >= 0 && tm.tm_wday < 7 &&
	    tm.tm_mon >= 0 && tm.tm_mon < 12)
		snprintf(tail, sizeof(tail), " at %s %s %2d %02d:%02d:%02d %d\n", days[tm.tm_wday],
		    months[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    tm.tm_year + 1900);
	else
		snprintf(tail, sizeof(tail), " at %lld\n", (long long)when);
	t = strlen(tail);
	if (message == NULL)
		message = "";
	n = strlen(message);
	if (n > cap - 1 - t) {
		n = cap - 1 - t;
		/* Not inside a UTF-8 sequence: back up over continuation bytes. */
		while (n > 0 && ((unsigned char)message[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(line, message, n);
	for (i = 0; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	memcpy(line + n, tail, t + 1);
	return n + t;
}
