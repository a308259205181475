/* SPDX-License-Identifier: MIT */
/* dynlib.c - loads a library once, when first needed, and fills its table of functions
 * (dynlib.h). */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "dynlib.h"

int
dynlib_load(struct dynlib *l, struct eg_err *err)
{
	const char *e;
	void *h;
	size_t i;

	pthread_mutex_lock(&l->mu);
	if (!l->tried) {
		l->tried = 1;
		if ((h = dlopen(l->file, RTLD_NOW | RTLD_LOCAL)) == NULL) {
			e = dlerror();
			snprintf(l->error, sizeof(l->error), "%s", e != NULL ? e : "not found");
		}
		for (i = 0; h != NULL && i < l->n; i++)
			if ((l->table[i] = dlsym(h, l->names[i])) == NULL) {
				snprintf(l->error, sizeof(l->error), "%s has no %s", l->file,
				    l->names[i]);
				dlclose(h);
				h = NULL;
			}
	}
	pthread_mutex_unlock(&l->mu);
	/* Set once, under the lock taken above, and never again: read without it. */
	if (l->error[0] != '\0')
		return eg_err_set(err, EG_ECONFIG, "%s needs %s (Debian package %s): %s", l->user,
		    l->file, l->package, l->error);
	return 0;
}
