/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the gate's configuration file parser (libconfig layer and our
 * checks). The input is written to a private file because the loader reads a path. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static struct gate_config c;
	char summary[8192];
	struct eg_err err;
	FILE *f;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/eg-fuzz-config.%ld", (long)getpid());
	if ((f = fopen(path, "wb")) == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	gate_config_defaults(&c);
	if (gate_config_load(&c, path, NULL, NULL, &err) == 0) {
		(void)gate_config_check(&c, &err);
		gate_config_describe(&c, summary, sizeof(summary));
	}
	gate_config_wipe(&c);
	return 0;
}
