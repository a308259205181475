/* SPDX-License-Identifier: MIT */
/*
 * healthline.h - the one line format of the health file (README "Operations"),
 * as the client library appends it on a transport failure (the gate only reads
 * the file, gate/health.h):
 *
 *   <message> at <time>\n
 *
 * with the time as the reference's clients write it, Python's time.asctime()
 * in local time: "Mon Dec  7 04:06:41 2026". Pure: no I/O.
 */
#ifndef EG_HEALTHLINE_H
#define EG_HEALTHLINE_H

#include <stddef.h>
#include <time.h>

#define HEALTHLINE_MIN 64    /* the smallest buffer healthline_format() fills */

/*
 * Formats the line for message at when into line (cap bytes, NUL-terminated).
 * Line breaks in message become spaces, so that one event stays one line; a
 * message too long for the buffer is cut at a character boundary. Returns the
 * length without the NUL, or 0 (line untouched) when cap < HEALTHLINE_MIN.
 */
size_t healthline_format(char *line, size_t cap, const char *message, time_t when);

#endif
