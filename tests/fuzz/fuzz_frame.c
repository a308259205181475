/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the EPP frame reader, fed the input in pieces whose sizes come from
 * the input itself, with a small limit so that length checks are exercised. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frame_reader r;
	const char *xml;
	size_t len, off = 1, step;
	struct buf out = BUF_INIT;
	struct eg_err e;

	if (size < 1)
		return 0;
	frame_reader_init(&r, 64 + (size_t)(data[0] & 0x3f) * 64);
	while (off < size) {
		step = 1 + data[off] % 17;
		if (step > size - off)
			step = size - off;
		if (frame_reader_feed(&r, data + off, step, &e) == -1)
			break;
		off += step;
		while (frame_reader_next(&r, &xml, &len, &e) == 1) {
			/* a frame handed out must re-pack to a frame of the same payload */
			if (frame_pack(&out, xml, len, 0, &e) == 0 && memcmp(out.data + 4, xml, len) != 0)
				__builtin_trap();
		}
	}
	frame_reader_clear(&r);
	buf_clear(&out);
	return 0;
}
