/* SPDX-License-Identifier: MIT */
/*
 * config_params.c - the reference gate's params files (--epp, --rabbitmq):
 * one line "HOST PORT LOGIN PASSWORD".
 */
#include <stdio.h>
#include <string.h>

#include "config_int.h"
#include "rdfile.h"

#define SMALL_FILE_MAX 4096             /* a params file is one short line */

int
gate_config_params_file(struct gate_config *c, const char *which, const char *path,
    void (*warn)(const char *msg, void *ctx), void *ctx, struct eg_err *err)
{
	static const char *const names[4] = {"host", "port", "login", "password"};
	static const char ws[] = " \t\r\n\v\f";
	struct eg_file file = {NULL, 0, 0};
	char *f[4] = {NULL, NULL, NULL, NULL}, *p;
	size_t caps[4];
	int epp, nf = 0, newline = 0, multiline = 0, port, i, n, rc = -1;

	if (strcmp(which, "epp") == 0) {
		epp = 1;
	} else if (strcmp(which, "rabbitmq") == 0) {
		epp = 0;
	} else {
		return eg_err_set(err, EG_ECONFIG, "unknown params file kind '%s'", which);
	}
	if (eg_file_read(&file, path, epp ? "EPP params file" : "RabbitMQ params file",
	    SMALL_FILE_MAX, err) == -1)
		goto fail;
	if (eg_mode_exposed(file.mode))
		cfg_warnf(warn, ctx, "params file %s holds a password and can be read by group or "
		    "others (mode %04o); make it mode 0600", path, file.mode);
	if (memchr(file.data, '\0', file.len) != NULL) {
		eg_err_set(err, EG_ECONFIG, "%s: holds a NUL byte", path);
		goto fail;
	}
	/* Fields are split in place; a newline between two fields makes it several lines. */
	for (p = file.data; *p != '\0';) {
		if (strchr(ws, *p) != NULL) {
			if (*p == '\n' && nf > 0)
				newline = 1;
			p++;
			continue;
		}
		if (newline)
			multiline = 1;
		if (nf < 4)
			f[nf] = p;
		nf++;
		p += strcspn(p, ws);
		if (*p == '\n')
			newline = 1;
		if (*p != '\0')
			*p++ = '\0';
	}
	if (multiline && nf == 4) {
		eg_err_set(err, EG_ECONFIG, "%s: expected one line \"HOST PORT LOGIN PASSWORD\", "
		    "found the fields on several lines", path);
		goto fail;
	}
	if (nf != 4) {
		eg_err_set(err, EG_ECONFIG, "%s: expected one line \"HOST PORT LOGIN PASSWORD\" "
		    "(4 fields separated by spaces), found %d field%s", path, nf, nf == 1 ? "" : "s");
		goto fail;
	}
	if ((port = cfg_port_parse(f[1])) == -1) {
		eg_err_set(err, EG_ECONFIG, "%s: the port (second field) must be a number 1-65535",
		    path);
		goto fail;
	}
	caps[0] = sizeof(c->epp.host);
	caps[1] = sizeof(c->epp.port);
	caps[2] = epp ? sizeof(c->epp.login) : sizeof(c->broker.user);
	caps[3] = epp ? sizeof(c->epp.password) : sizeof(c->broker.password);
	for (i = 0; i < 4; i++) {
		if (strlen(f[i]) >= caps[i]) {
			eg_err_set(err, EG_ECONFIG, "%s: the %s is too long (at most %zu bytes)", path,
			    names[i], caps[i] - 1);
			goto fail;
		}
	}
	if (epp) {
		snprintf(c->epp.host, sizeof(c->epp.host), "%s", f[0]);
		snprintf(c->epp.port, sizeof(c->epp.port), "%d", port);
		snprintf(c->epp.login, sizeof(c->epp.login), "%s", f[2]);
		snprintf(c->epp.password, sizeof(c->epp.password), "%s", f[3]);
	} else {
		/* An IPv6 literal needs brackets once a port follows it. */
		n = snprintf(c->broker.hosts[0], sizeof(c->broker.hosts[0]),
		    strchr(f[0], ':') != NULL && f[0][0] != '[' ? "[%s]:%d" : "%s:%d", f[0], port);
		if (n < 0 || (size_t)n >= sizeof(c->broker.hosts[0])) {
			eg_err_set(err, EG_ECONFIG, "%s: the host is too long", path);
			goto fail;
		}
		c->broker.n_hosts = 1;
		snprintf(c->broker.user, sizeof(c->broker.user), "%s", f[2]);
		snprintf(c->broker.password, sizeof(c->broker.password), "%s", f[3]);
	}
	rc = 0;
fail:
	eg_file_clear(&file);
	return rc;
}
