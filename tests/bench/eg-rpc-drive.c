/* SPDX-License-Identifier: MIT */
/*
 * eg-rpc-drive - drives libeppgate-rpc for tests and benchmarks.
 *
 *   eg-rpc-drive [options] pipeline N [WINDOW]
 *	keeps up to WINDOW (default N) requests in flight from one thread until
 *	N are done; with an echoing responder (eg-responder --echo) it checks
 *	that every reply belongs to its request. Prints one line of counts.
 *	With -T THREADS, that many threads do so at once, each with its own
 *	context (one line each).
 *   eg-rpc-drive [options] repeat N WAITFILE
 *	N calls in a row on one context; before each call after the first it
 *	waits (at most 120 s) for WAITFILE to appear, then removes it, so that
 *	a test can act (restart the broker) between calls. One line per call.
 *	With --service MS it calls egrpc_service() every MS while it waits.
 *
 * Options: -H host -p port -q queue -t timeout_ms -c cmd -b heartbeat_s -T threads
 *          -n connection_name (default eg-rpc-drive)
 *          --health-file FILE --health-wait MS
 * Exit status 0 when every request succeeded.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "eppgate-rpc.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The n the responder echoed back: reply.echo.args.n, or -1. */
static long
echoed_n(const egrpc_reply *r)
{
	json_object *echo, *args, *n;

	if (r->json == NULL || !json_object_object_get_ex(r->json, "echo", &echo) ||
	    !json_object_object_get_ex(echo, "args", &args) ||
	    !json_object_object_get_ex(args, "n", &n))
		return -1;
	return (long)json_object_get_int64(n);
}

static int
pipeline(egrpc_ctx *c, const char *cmd, int timeout_ms, long total, long window)
{
	uint64_t *ids, maxid = 0;
	long sent = 0, done = 0, ok = 0, mismatched = 0, ooo = 0, timeouts = 0, errors = 0, n;
	long inflight = 0;
	char args[128];
	egrpc_reply *r;
	int64_t t0 = now_ms();
	int rc;

	if ((ids = calloc((size_t)total, sizeof(*ids))) == NULL)
		return 2;
	while (done < total) {
		while (sent < total && inflight < window) {
			snprintf(args, sizeof(args), "{\"domains\": [\"d%ld.example\"], \"n\": %ld}",
			    sent, sent);
			if ((ids[sent] = egrpc_submit_text(c, cmd, args, timeout_ms)) == 0) {
				fprintf(stderr, "submit %ld: %s\n", sent, c->errstr);
				errors++;
				done++;
			} else {
				inflight++;
			}
			sent++;
		}
		if (inflight == 0)
			continue;
		if ((r = egrpc_collect(c, -1)) == NULL) {
			fprintf(stderr, "collect: %s\n", c->errstr);
			break;
		}
		inflight--;
		done++;
		if (r->id < maxid)
			ooo++;
		else
			maxid = r->id;
		if (r->status == EGRPC_OK) {
			n = echoed_n(r);
			if (n < 0 || n >= total || ids[n] != r->id)
				mismatched++;
			else
				ok++;
		} else if (r->status == EGRPC_ETIMEOUT) {
			timeouts++;
		} else {
			if (errors < 5)
				fprintf(stderr, "request %llu: %s: %s\n", (unsigned long long)r->id,
				    egrpc_status_str(r->status), r->msg);
			errors++;
		}
		egrpc_reply_free(r);
	}
	printf("submitted=%ld completed=%ld ok=%ld mismatched=%ld out_of_order=%ld timeouts=%ld "
	    "errors=%ld ms=%lld\n", sent, done, ok, mismatched, ooo, timeouts, errors,
	    (long long)(now_ms() - t0));
	rc = ok == total && mismatched == 0 ? 0 : 1;
	free(ids);
	return rc;
}

/* Waits for path to appear; with service_ms > 0, keeps the idle connection alive meanwhile. */
struct job {
	const egrpc_options *o;
	const char *cmd;
	int timeout_ms;
	long total, window;
	int rc;
};

/* One thread, one context: contexts share nothing. */
static void *
pipeline_thread(void *arg)
{
	struct job *j = arg;
	egrpc_ctx *c = egrpc_connect_with_options(j->o);

	if (c == NULL || c->err != EGRPC_OK) {
		fprintf(stderr, "eg-rpc-drive: %s\n", c != NULL ? c->errstr : "out of memory");
		j->rc = 2;
	} else {
		j->rc = pipeline(c, j->cmd, j->timeout_ms, j->total, j->window);
	}
	egrpc_free(c);
	return NULL;
}

static int
threads_pipeline(const egrpc_options *o, const char *cmd, int timeout_ms, long total,
    long window, int nthreads)
{
	pthread_t tid[64];
	struct job job[64];
	int i, started = 0, rc = 0;

	for (i = 0; i < nthreads; i++) {
		job[i].o = o;
		job[i].cmd = cmd;
		job[i].timeout_ms = timeout_ms;
		job[i].total = total;
		job[i].window = window;
		job[i].rc = 2;
		if (pthread_create(&tid[i], NULL, pipeline_thread, &job[i]) != 0)
			break;
		started++;
	}
	for (i = 0; i < started; i++) {
		pthread_join(tid[i], NULL);
		if (job[i].rc > rc)
			rc = job[i].rc;
	}
	return started == nthreads ? rc : 2;
}

static int
wait_file(egrpc_ctx *c, const char *path, int service_ms)
{
	int64_t end = now_ms() + 120000, next = now_ms() + service_ms;
	struct timespec ts = { 0, 50 * 1000000L };

	while (access(path, F_OK) != 0) {
		if (now_ms() > end)
			return -1;
		if (service_ms > 0 && now_ms() >= next) {
			if (egrpc_service(c) != EGRPC_OK)
				fprintf(stderr, "service: %s\n", c->errstr);
			next = now_ms() + service_ms;
		}
		nanosleep(&ts, NULL);
	}
	unlink(path);
	return 0;
}

static int
repeat(egrpc_ctx *c, const char *cmd, int timeout_ms, long count, const char *waitfile,
    int service_ms)
{
	egrpc_reply *r;
	long i;
	int st, rc = 0;

	for (i = 1; i <= count; i++) {
		if (i > 1 && wait_file(c, waitfile, service_ms) != 0) {
			printf("call %ld: gave up waiting for %s\n", i, waitfile);
			return 1;
		}
		st = egrpc_call_text(c, cmd, "{\"domains\": [\"example.com\"]}", timeout_ms, &r);
		printf("call %ld: %s: %s\n", i, egrpc_status_str(st),
		    st == EGRPC_OK ? "" : c->errstr);
		fflush(stdout);
		egrpc_reply_free(r);
		if (st != EGRPC_OK)
			rc = 1;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "health-file", required_argument, NULL, 'F' },
		{ "health-wait", required_argument, NULL, 'W' },
		{ "service", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	egrpc_options o;
	egrpc_ctx *c;
	const char *cmd = "domain_check", *port = getenv("AMQP_PORT");
	int ch, timeout_ms = 10000, service_ms = 0, threads = 1, rc;

	egrpc_options_init(&o);
	o.no_env = 1;
	o.host = getenv("AMQP_HOST") != NULL ? getenv("AMQP_HOST") : "127.0.0.1";
	o.port = port != NULL ? atoi(port) : 0;
	o.connection_name = "eg-rpc-drive";
	while ((ch = getopt_long(argc, argv, "H:p:q:t:c:b:T:n:", opts, NULL)) != -1) {
		switch (ch) {
		case 'H': o.host = optarg; break;
		case 'p': o.port = atoi(optarg); break;
		case 'q': o.queue = optarg; break;
		case 't': timeout_ms = atoi(optarg); break;
		case 'c': cmd = optarg; break;
		case 'b': o.heartbeat_s = atoi(optarg); break;
		case 'T': threads = atoi(optarg); break;
		case 'n': o.connection_name = optarg; break;
		case 'F': o.health_file = optarg; break;
		case 'W': o.health_wait_ms = atoi(optarg); break;
		case 'S': service_ms = atoi(optarg); break;
		default: goto usage;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2 || threads < 1 || threads > 64)
		goto usage;
	if (threads > 1) {
		if (strcmp(argv[0], "pipeline") != 0 || argc > 3 || atol(argv[1]) <= 0)
			goto usage;
		return threads_pipeline(&o, cmd, timeout_ms, atol(argv[1]),
		    argc == 3 && atol(argv[2]) > 0 ? atol(argv[2]) : atol(argv[1]), threads);
	}
	if ((c = egrpc_connect_with_options(&o)) == NULL || c->err != EGRPC_OK) {
		fprintf(stderr, "eg-rpc-drive: %s\n", c != NULL ? c->errstr : "out of memory");
		egrpc_free(c);
		return 2;
	}
	if (strcmp(argv[0], "pipeline") == 0 && argc <= 3 && atol(argv[1]) > 0)
		rc = pipeline(c, cmd, timeout_ms, atol(argv[1]),
		    argc == 3 && atol(argv[2]) > 0 ? atol(argv[2]) : atol(argv[1]));
	else if (strcmp(argv[0], "repeat") == 0 && argc == 3)
		rc = repeat(c, cmd, timeout_ms, atol(argv[1]), argv[2], service_ms);
	else {
		egrpc_free(c);
		goto usage;
	}
	egrpc_free(c);
	return rc;
usage:
	fprintf(stderr, "usage: eg-rpc-drive [-H host] [-p port] [-q queue] [-t timeout_ms] "
	    "[-c cmd] [-b heartbeat_s] [-T threads] [--health-file F] [--health-wait MS]\n"
	    "         [-n name] [--service MS]\n"
	    "         pipeline N [WINDOW] | repeat N WAITFILE\n");
	return 64;
}
