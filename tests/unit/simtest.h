/* SPDX-License-Identifier: MIT */
/*
 * simtest.h - helpers for the unit tests that talk to a real epp-sim over real
 * TLS (test_session.c, test_dispatch.c): a scratch directory with the test
 * certificates (tests/lib/certs.sh), epp-sim started with given options and
 * its command log counted, and a rig holding what sessions and the job runner
 * need, set up for one sim.
 */
#ifndef EG_SIMTEST_H
#define EG_SIMTEST_H

#include <sys/types.h>

#include "config.h"
#include "exec.h"
#include "job.h"
#include "log.h"
#include "session.h"
#include "tls.h"

/* The login password of epp-sim's account "registrar1", and a second one (newPW). */
#define ST_PW     "s3cret-login-pw"
#define ST_NEWPW  "n3w-login-pw-42"

/* Makes the scratch directory under $TMPDIR (default /tmp) with the certificates, and finds
 * epp-sim next to the test program (argv0). -1 when it cannot. */
int st_setup(const char *argv0, const char *name);
void st_cleanup(void);

/* Path of name inside the scratch directory (one of sixteen rotating static buffers). */
const char *st_path(const char *name);

struct sim {
	pid_t pid;
	char port[16];
	char log[700];
};

/* Starts epp-sim with the certificate "server", "untrusted" or "wronghost", the account
 * registrar1 and the given extra options (NULL-terminated). -1 when it does not listen. */
int sim_start(struct sim *sm, const char *cert, ...);
void sim_stop(struct sim *sm);

/* Lines of the sim's command log containing a (and b, when not NULL). */
int sim_count(const struct sim *sm, const char *a, const char *b);

/* Everything a session needs, set up for one sim. */
struct rig {
	struct gate_config cfg;
	struct session_creds creds;
	struct cltrid_gen cltrid;
	struct session_env env;
	struct exec_env exec;
	struct eg_log log;
	struct tls_ctx *tls;
};

/* Sessions of r log in to sm (with the client certificate when client_cert; name: the TLS
 * server name, NULL for the host's); command timeout 1 s; log at trace to session.log. */
int rig_init(struct rig *r, const struct sim *sm, int client_cert, const char *name);
void rig_free(struct rig *r);

/* A job for a JSON request, built as the gate builds it. NULL on a bad request. */
struct job *make_job(struct rig *r, const char *json);

#endif
