/* SPDX-License-Identifier: MIT */
/*
 * alert.c - session lost / restored alerts, by command and by e-mail.
 *
 * alert_fire() only queues (a small bounded queue; a repeat of the same
 * event and message within a minute is dropped at once), and one background
 * thread delivers. That thread is the only one that waits: for the alert
 * command and for epp-gate-mail (the mail sender, a separate program so that
 * the daemon links no mail stack), each killed with its process group after
 * 30 s. Both get the event in their environment; the first line either writes
 * to standard error is logged when it fails. alert_free() gives the thread
 * about five seconds to finish what is queued, then cuts it short.
 */
#include "alert.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "mail.h"

#define QUEUE_MAX 8
#define RECENT_MAX 16
#define DEDUPE_MS 60000
#define COMMAND_TIMEOUT_MS 30000
#define FREE_WAIT_MS 5000
#define EVENT_MAX 32
#define MESSAGE_MAX 512

struct event {
	char name[EVENT_MAX];
	char message[MESSAGE_MAX];
	time_t when;
	int64_t at_ms;          /* monotonic, for the repeat window */
};

struct alert {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int running;                    /* the thread was started */
	int stopping;
	int64_t stop_deadline;          /* monotonic ms; set by alert_free() */
	struct event queue[QUEUE_MAX];
	int qhead, qlen;
	struct event recent[RECENT_MAX];
	int nrecent;
	char *command;
	char *mail_config;              /* checked at start; read again by epp-gate-mail */
	char mailer[PATH_MAX];          /* the epp-gate-mail program */
	int command_timeout_ms;
	struct eg_log *log;
};

/* ---- running a program for an event ----------------------------------------------- */

static int64_t
stop_deadline(struct alert *a)
{
	int64_t d;

	pthread_mutex_lock(&a->mu);
	d = a->stopping ? a->stop_deadline : -1;
	pthread_mutex_unlock(&a->mu);
	return d;
}

/* Keeps the first line of what the program wrote to standard error. */
static void
drain(int fd, char *line, size_t cap, size_t *len)
{
	char chunk[256];
	ssize_t n;
	size_t i;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		for (i = 0; i < (size_t)n && *len + 1 < cap; i++) {
			if (chunk[i] == '\n') {
				*len = cap;     /* first line complete: keep nothing more */
				break;
			}
			line[(*len)++] = chunk[i];
		}
}

/* Runs argv with the event in its environment, bounded in time. what: for the log. */
static void
run_program(struct alert *a, char *const argv[], const struct event *ev, const char *what)
{
	char env_event[EVENT_MAX + 16], env_msg[MESSAGE_MAX + 24], env_time[64], env_path[128];
	char when[32], line[300] = "";
	char *envp[] = {env_path, env_event, env_msg, env_time, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, deflt;
	int64_t start, limit, stop;
	size_t len = 0;
	struct tm tm;
	pid_t pid;
	int st = 0, r, killed = 0, pfd[2] = {-1, -1};

	gmtime_r(&ev->when, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* A small, explicit environment: nothing of the gate's own leaks to the program. */
	snprintf(env_path, sizeof(env_path), "PATH=%s", "/usr/local/sbin:/usr/local/bin:"
	    "/usr/sbin:/usr/bin:/sbin:/bin");
	snprintf(env_event, sizeof(env_event), "EPPGATE_EVENT=%s", ev->name);
	snprintf(env_msg, sizeof(env_msg), "EPPGATE_MESSAGE=%s", ev->message);
	snprintf(env_time, sizeof(env_time), "EPPGATE_TIME=%s", when);
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_warn(a->log, "%s for %s not started: %s", what, ev->name, strerror(errno));
		return;
	}
	sigemptyset(&none);
	/* Signals the gate blocks or ignores would stay so across exec: give them back. */
	sigemptyset(&deflt);
	sigaddset(&deflt, SIGPIPE);
	sigaddset(&deflt, SIGHUP);
	sigaddset(&deflt, SIGINT);
	sigaddset(&deflt, SIGTERM);
	sigaddset(&deflt, SIGQUIT);
	sigaddset(&deflt, SIGUSR1);
	sigaddset(&deflt, SIGUSR2);
	sigaddset(&deflt, SIGCHLD);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/* Its own process group, so that a timeout ends whatever it started too. */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
	    POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &deflt);
	posix_spawnattr_setpgroup(&at, 0);
	r = posix_spawn(&pid, argv[0], &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(pfd[1]);
	if (r != 0) {
		log_warn(a->log, "%s for %s could not be started: %s", what, ev->name, strerror(r));
		close(pfd[0]);
		return;
	}
	start = eg_now_ms();
	pthread_mutex_lock(&a->mu);
	limit = start + a->command_timeout_ms;
	pthread_mutex_unlock(&a->mu);
	for (;;) {
		drain(pfd[0], line, sizeof(line), &len);
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid || (r == -1 && errno != EINTR))
			break;
		stop = stop_deadline(a);
		if (eg_now_ms() >= limit || (stop >= 0 && eg_now_ms() >= stop)) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
				;
			killed = 1;
			break;
		}
		usleep(20000);
	}
	drain(pfd[0], line, sizeof(line), &len);
	close(pfd[0]);
	line[len < sizeof(line) ? len : sizeof(line) - 1] = '\0';
	if (killed)
		log_warn(a->log, "%s for %s killed after %lld ms", what, ev->name,
		    (long long)(eg_now_ms() - start));
	else if (r == pid && WIFEXITED(st) && WEXITSTATUS(st) != 0)
		log_warn(a->log, "%s for %s exited with status %d%s%s", what, ev->name,
		    WEXITSTATUS(st), line[0] ? ": " : "", line);
	else if (r == pid && WIFSIGNALED(st))
		log_warn(a->log, "%s for %s ended by signal %d", what, ev->name, WTERMSIG(st));
	else
		log_info(a->log, "%s for %s done%s%s", what, ev->name, line[0] ? ": " : "", line);
}

static void
deliver(struct alert *a, const struct event *ev)
{
	char sh[] = "/bin/sh", dash_c[] = "-c";

	if (a->command != NULL) {
		char *argv[] = {sh, dash_c, a->command, NULL};

		run_program(a, argv, ev, "alert command");
	}
	if (a->mail_config != NULL) {
		char *argv[] = {a->mailer, a->mail_config, NULL};

		run_program(a, argv, ev, "alert e-mail");
	}
}

/* epp-gate-mail lives next to epp-gate (EPPGATE_MAILER overrides, for tests). */
static int
find_mailer(char *out, size_t cap, struct eg_err *err)
{
	const char *env = getenv("EPPGATE_MAILER");
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (env != NULL && env[0] != '\0') {
		snprintf(out, cap, "%s", env);
	} else {
		if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
			return eg_err_set(err, EG_ECONFIG, "cannot find our own program: %s",
			    strerror(errno));
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
		snprintf(out, cap, "%s/epp-gate-mail", self);
	}
	if (access(out, X_OK) != 0)
		return eg_err_set(err, EG_ECONFIG, "alert e-mail needs %s: %s", out, strerror(errno));
	return 0;
}

/* ---- the queue and its thread --------------------------------------------------- */

static void *
worker(void *arg)
{
	struct alert *a = arg;
	struct event ev;
	int dropped;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		while (a->qlen == 0 && !a->stopping)
			pthread_cond_wait(&a->cv, &a->mu);
		if (a->qlen == 0 || (a->stopping && eg_now_ms() >= a->stop_deadline))
			break;
		ev = a->queue[a->qhead];
		a->qhead = (a->qhead + 1) % QUEUE_MAX;
		a->qlen--;
		pthread_mutex_unlock(&a->mu);
		deliver(a, &ev);
		pthread_mutex_lock(&a->mu);
	}
	dropped = a->qlen;
	pthread_mutex_unlock(&a->mu);
	if (dropped > 0)
		log_warn(a->log, "%d alert%s not sent: the gate was stopping", dropped,
		    dropped == 1 ? "" : "s");
	return NULL;
}

struct alert *
alert_new(const char *command, const char *email_config, struct eg_log *log,
    struct eg_err *err)
{
	struct alert *a;
	struct email_conf *conf;
	sigset_t all, old;
	int r;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	a->log = log;
	a->command_timeout_ms = COMMAND_TIMEOUT_MS;
	/* pthread_*() return their error (errno is not set). */
	if ((r = pthread_mutex_init(&a->mu, NULL)) != 0) {
		free(a);
		eg_err_set(err, EG_ENOMEM, "cannot create alert locks: %s", strerror(r));
		return NULL;
	}
	if ((r = pthread_cond_init(&a->cv, NULL)) != 0) {
		pthread_mutex_destroy(&a->mu);
		free(a);
		eg_err_set(err, EG_ENOMEM, "cannot create alert locks: %s", strerror(r));
		return NULL;
	}
	if (command != NULL && command[0] != '\0' && (a->command = strdup(command)) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		goto fail;
	}
	if (email_config != NULL && email_config[0] != '\0') {
		/* Checked now, so that a mistake stops the start; the mailer reads it again. */
		if ((conf = email_conf_new(email_config, log, err)) == NULL)
			goto fail;
		email_conf_free(conf);
		if (find_mailer(a->mailer, sizeof(a->mailer), err) == -1)
			goto fail;
		if ((a->mail_config = strdup(email_config)) == NULL) {
			eg_err_set(err, EG_ENOMEM, "out of memory");
			goto fail;
		}
	}
	if (a->command == NULL && a->mail_config == NULL)
		return a;       /* nothing to deliver: no thread */
	/* The thread takes no signals: they belong to the gate's own handling. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&a->thread, NULL, worker, a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r != 0) {
		eg_err_set(err, EG_ENOMEM, "cannot start the alert thread: %s", strerror(r));
		goto fail;
	}
	a->running = 1;
	return a;
fail:
	alert_free(a);
	return NULL;
}

void
alert_set_command_timeout(struct alert *a, int ms)
{
	pthread_mutex_lock(&a->mu);
	a->command_timeout_ms = ms > 0 ? ms : COMMAND_TIMEOUT_MS;
	pthread_mutex_unlock(&a->mu);
}

void
alert_fire(struct alert *a, const char *event, const char *message)
{
	struct event ev, *r;
	int i, oldest = 0, stopping;

	if (a == NULL || !a->running)
		return;
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.name, sizeof(ev.name), "%s", event);
	snprintf(ev.message, sizeof(ev.message), "%s", message != NULL ? message : "");
	ev.when = time(NULL);
	ev.at_ms = eg_now_ms();
	pthread_mutex_lock(&a->mu);
	for (i = 0; i < a->nrecent; i++) {
		r = &a->recent[i];
		if (ev.at_ms - r->at_ms < DEDUPE_MS && strcmp(r->name, ev.name) == 0 &&
		    strcmp(r->message, ev.message) == 0) {
			pthread_mutex_unlock(&a->mu);
			log_debug(a->log, "alert %s repeated within a minute: not sent again",
			    ev.name);
			return;
		}
		if (r->at_ms < a->recent[oldest].at_ms)
			oldest = i;
	}
	if (a->stopping || a->qlen == QUEUE_MAX) {
		stopping = a->stopping;
		pthread_mutex_unlock(&a->mu);
		log_warn(a->log, "alert %s dropped: %s", ev.name, stopping ? "stopping" :
		    "too many alerts waiting");
		return;
	}
	a->recent[a->nrecent < RECENT_MAX ? a->nrecent++ : oldest] = ev;
	a->queue[(a->qhead + a->qlen) % QUEUE_MAX] = ev;
	a->qlen++;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

void
alert_free(struct alert *a)
{
	if (a == NULL)
		return;
	if (a->running) {
		pthread_mutex_lock(&a->mu);
		a->stopping = 1;
		a->stop_deadline = eg_now_ms() + FREE_WAIT_MS;
		pthread_cond_signal(&a->cv);
		pthread_mutex_unlock(&a->mu);
		pthread_join(a->thread, NULL);
	}
	free(a->mail_config);
	free(a->command);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	free(a);
}
