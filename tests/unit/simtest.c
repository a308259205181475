/* SPDX-License-Identifier: MIT */
/* epp-sim over real TLS for the unit tests (simtest.h). */
#include "simtest.h"

#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "epp_cmd.h"
#include "tap.h"

static char dir[512], bindir[512];

int
st_setup(const char *argv0, const char *name)
{
	char cmd[1400], a0[512];
	const char *tmp = getenv("TMPDIR");

	snprintf(a0, sizeof(a0), "%s", argv0 != NULL ? argv0 : ".");
	snprintf(bindir, sizeof(bindir), "%s/../bin", dirname(a0));
	snprintf(dir, sizeof(dir), "%s/eg-%s.%ld", tmp ? tmp : "/tmp", name, (long)getpid());
	snprintf(cmd, sizeof(cmd), "%s %s", tap_src("tests/lib/certs.sh"), dir);
	return system(cmd) == 0 ? 0 : -1;
}

void
st_cleanup(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", dir);
}

const char *
st_path(const char *name)
{
	static char p[16][700];
	static int i;

	i = (i + 1) % 16;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

/* Starts epp-sim with the given extra options (NULL-terminated). */
int
sim_start(struct sim *sm, const char *cert, ...)
{
	const char *argv[40];
	char exe[700], portfile[700], acct[128];
	va_list ap;
	int n = 0, i;
	FILE *f;

	snprintf(exe, sizeof(exe), "%s/epp-sim", bindir);
	snprintf(portfile, sizeof(portfile), "%s/sim.port", dir);
	snprintf(sm->log, sizeof(sm->log), "%s/sim-%ld.log", dir, (long)eg_now_us());
	snprintf(acct, sizeof(acct), "registrar1:%s", ST_PW);
	unlink(portfile);
	argv[n++] = exe;
	argv[n++] = "--cert";
	argv[n++] = st_path(strcmp(cert, "server") == 0 ? "server.crt" : strcmp(cert, "untrusted") ==
	    0 ? "untrusted.crt" : "wronghost.crt");
	argv[n++] = "--key";
	argv[n++] = st_path(strcmp(cert, "server") == 0 ? "server.key" : strcmp(cert, "untrusted") ==
	    0 ? "untrusted.key" : "wronghost.key");
	argv[n++] = "--port-file";
	argv[n++] = portfile;
	argv[n++] = "--log";
	argv[n++] = sm->log;
	argv[n++] = "--account";
	argv[n++] = acct;
	va_start(ap, cert);
	while (n < 38 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	if ((sm->pid = fork()) == 0) {
		int null = open("/dev/null", O_WRONLY);
		int errfd = open(st_path("sim.err"), O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (null >= 0)
			dup2(null, 1);
		if (errfd >= 0)
			dup2(errfd, 2);
		execv(exe, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		if ((f = fopen(portfile, "r")) != NULL) {
			if (fgets(sm->port, sizeof(sm->port), f) != NULL) {
				sm->port[strcspn(sm->port, "\n")] = '\0';
				fclose(f);
				return 0;
			}
			fclose(f);
		}
		usleep(50000);
	}
	return -1;
}

void
sim_stop(struct sim *sm)
{
	int st;

	if (sm->pid > 0) {
		kill(sm->pid, SIGTERM);
		waitpid(sm->pid, &st, 0);
		sm->pid = 0;
	}
}

/* Lines of the sim's command log containing every one of the given strings. */
int
sim_count(const struct sim *sm, const char *a, const char *b)
{
	char line[2048];
	FILE *f = fopen(sm->log, "r");
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, a) != NULL && (b == NULL || strstr(line, b) != NULL))
			n++;
	fclose(f);
	return n;
}

int
rig_init(struct rig *r, const struct sim *sm, int client_cert, const char *name)
{
	struct tls_opts o = {st_path("ca.crt"), NULL, client_cert ? st_path("client.crt") : NULL,
	    client_cert ? st_path("client.key") : NULL, 1};
	struct eg_err e;

	memset(r, 0, sizeof(*r));
	gate_config_defaults(&r->cfg);
	snprintf(r->cfg.epp.host, sizeof(r->cfg.epp.host), "localhost");
	snprintf(r->cfg.epp.port, sizeof(r->cfg.epp.port), "%s", sm->port);
	snprintf(r->cfg.epp.login, sizeof(r->cfg.epp.login), "registrar1");
	if (name != NULL)
		snprintf(r->cfg.epp.tls.server_name, sizeof(r->cfg.epp.tls.server_name), "%s", name);
	if (client_cert) {
		snprintf(r->cfg.epp.tls.cert_file, sizeof(r->cfg.epp.tls.cert_file), "%s",
		    o.cert_file);
		snprintf(r->cfg.epp.tls.key_file, sizeof(r->cfg.epp.tls.key_file), "%s", o.key_file);
	}
	r->cfg.epp.connect_timeout_ms = 3000;
	r->cfg.epp.login_timeout_ms = 3000;
	r->cfg.epp.command_timeout_ms = 1000;
	pthread_mutex_init(&r->creds.mu, NULL);
	snprintf(r->creds.pw, sizeof(r->creds.pw), "%s", ST_PW);
	cltrid_init(&r->cltrid, "t");
	eg_log_open(&r->log, "test", st_path("session.log"), EG_LOG_TRACE, &e);
	if ((r->tls = tls_ctx_client(&o, &e)) == NULL) {
		tap_diag("tls: %s", e.msg);
		return -1;
	}
	r->env.epp = &r->cfg.epp;
	r->env.tls = r->tls;
	r->env.cltrid = &r->cltrid;
	r->env.creds = &r->creds;
	r->env.log = &r->log;
	r->exec.cfg = &r->cfg;
	r->exec.cltrid = &r->cltrid;
	r->exec.log = &r->log;
	return 0;
}

void
rig_free(struct rig *r)
{
	tls_ctx_free(r->tls);
	eg_log_close(&r->log);
	pthread_mutex_destroy(&r->creds.mu);
}

/* A job for a JSON request, built as the gate builds it. */
struct job *
make_job(struct rig *r, const char *json)
{
	struct job *j = job_new();
	char cltrid[CLTRID_MAX + 1];
	struct eg_err e;
	json_object *req = epp_request_parse(json, strlen(json), &e);

	cltrid_next(&r->cltrid, cltrid);
	if (req == NULL || epp_request_build(req, cltrid, &j->req, &e) == -1) {
		tap_diag("build %s: %s", json, e.msg);
		json_object_put(req);
		job_free(j);
		return NULL;
	}
	snprintf(j->cmd, sizeof(j->cmd), "%s", j->req.cmd->name);
	json_object_put(req);
	return j;
}

