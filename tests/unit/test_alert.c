/* SPDX-License-Identifier: MIT */
/*
 * Alerts: the command gets its event in a small environment, no inherited
 * descriptors and /dev/null for output; repeats within a minute are sent
 * once; a command that hangs is killed with what it started; alert_free()
 * returns in about five seconds whatever is running. E-mail goes to a fake
 * SMTP server on 127.0.0.1 that offers no STARTTLS: libcurl must refuse it
 * before any password or message leaves (STARTTLS is the default), and with
 * "starttls": false set explicitly the message must arrive intact.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert.h"
#include "clock.h"
#include "log.h"
#include "tap.h"

static char dir[256];

static const char *
tmp(const char *name)
{
	static char path[8][512];
	static int i;

	i = (i + 1) % 8;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

static const char *
write_file(const char *name, mode_t mode, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static const char *
write_file(const char *name, mode_t mode, const char *fmt, ...)
{
	const char *path = tmp(name);
	FILE *f = fopen(path, "w");
	va_list ap;

	if (f == NULL)
		exit(1);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	chmod(path, mode);
	return path;
}

static struct eg_log logger;

static void
log_start(void)
{
	struct eg_err e;

	unlink(tmp("alert.log"));
	eg_log_open(&logger, "test", tmp("alert.log"), EG_LOG_DEBUG, &e);
}

/* Stops logging and returns what was logged (caller frees). */
static char *
log_stop(void)
{
	eg_log_close(&logger);
	return tap_slurp(tmp("alert.log"), NULL);
}

static int
wait_file(const char *path, int ms)
{
	int64_t end = eg_now_ms() + ms;

	while (access(path, F_OK) != 0) {
		if (eg_now_ms() > end)
			return 0;
		usleep(10000);
	}
	usleep(20000);      /* let the writer finish its line */
	return 1;
}

static long
read_pid(const char *path)
{
	char *t = tap_slurp(path, NULL);
	long p = t != NULL ? strtol(t, NULL, 10) : -1;

	free(t);
	return p;
}

/* Gone, or a zombie nobody reaped yet (in a container pid 1 may reap slowly). */
static int
gone(long pid)
{
	char path[64], line[512] = "", *p;
	FILE *f;

	if (kill((pid_t)pid, 0) == -1 && errno == ESRCH)
		return 1;
	/* /proc files report size 0: read them with stdio, not by size. */
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	fclose(f);
	p = strrchr(line, ')');
	return p != NULL && p[1] == ' ' && p[2] == 'Z';
}

static int
wait_gone(long pid, int ms)
{
	int64_t end = eg_now_ms() + ms;

	while (!gone(pid)) {
		if (eg_now_ms() > end)
			return 0;
		usleep(10000);
	}
	return 1;
}

/* ---- the command ---------------------------------------------------------------- */

static void
test_command_env(void)
{
	struct alert *a;
	struct eg_err e;
	char cmd[1200], *out, *lg;
	const char *script;
	int leakfd = open("/dev/null", O_RDONLY);   /* deliberately without O_CLOEXEC */

	script = write_file("env.sh", 0700,
	    "#!/bin/sh\n"
	    "o=$(readlink /proc/$$/fd/1); e=$(readlink /proc/$$/fd/2); i=$(readlink /proc/$$/fd/0)\n"
	    "if [ -e /proc/$$/fd/$2 ]; then l=yes; else l=no; fi\n"
	    "{\n"
	    "  echo \"EVENT=$EPPGATE_EVENT\"\n"
	    "  echo \"MESSAGE=$EPPGATE_MESSAGE\"\n"
	    "  echo \"TIME=$EPPGATE_TIME\"\n"
	    "  echo \"STDIN=$i\"; echo \"STDOUT=$o\"; echo \"STDERR=$e\"\n"
	    "  echo \"LEAKFD=$l\"\n"
	    "  echo \"LEAKENV=${EG_TEST_LEAK:-none}\"\n"
	    "  echo \"PATHSET=${PATH:+yes}\"\n"
	    "} > \"$1\"\n"
	    "echo noise on stdout; echo noise on stderr >&2\n"
	    "exit 3\n");
	snprintf(cmd, sizeof(cmd), "%s '%s' %d", script, tmp("env.out"), leakfd);
	setenv("EG_TEST_LEAK", "gate-environment", 1);
	log_start();
	a = alert_new(cmd, NULL, &logger, &e);
	if (!tap_ok(a != NULL, "alert_new with a command"))
		return;
	alert_fire(a, "session_lost", "EPP session lost: connection reset by peer");
	alert_free(a);
	unsetenv("EG_TEST_LEAK");
	close(leakfd);
	out = tap_slurp(tmp("env.out"), NULL);
	lg = log_stop();
	if (!tap_ok(out != NULL, "alert_free waited for the command to run"))
		return;
	tap_ok(strstr(out, "EVENT=session_lost\n") != NULL, "EPPGATE_EVENT");
	tap_ok(strstr(out, "MESSAGE=EPP session lost: connection reset by peer\n") != NULL,
	    "EPPGATE_MESSAGE");
	tap_ok(strstr(out, "TIME=20") != NULL && strstr(out, "Z\nSTDIN") != NULL &&
	    strchr(strstr(out, "TIME="), 'T') != NULL, "EPPGATE_TIME is ISO 8601 UTC");
	tap_ok(strstr(out, "STDIN=/dev/null\nSTDOUT=/dev/null\nSTDERR=pipe:") != NULL,
	    "stdin and stdout are /dev/null, stderr a pipe to the gate");
	tap_ok(strstr(out, "LEAKFD=no\n") != NULL, "no descriptor of the gate is inherited");
	tap_ok(strstr(out, "LEAKENV=none\n") != NULL, "the gate's environment is not passed on");
	tap_ok(strstr(out, "PATHSET=yes\n") != NULL, "PATH is set");
	tap_ok(lg != NULL && strstr(lg, "exited with status 3: noise on stderr") != NULL,
	    "a failing command is logged with its status and first line of stderr");
	free(out);
	free(lg);
}

static void
test_dedupe(void)
{
	struct alert *a;
	struct eg_err e;
	char cmd[600], *out;

	snprintf(cmd, sizeof(cmd), "echo \"$EPPGATE_EVENT $EPPGATE_MESSAGE\" >> '%s'",
	    tmp("dedupe.out"));
	a = alert_new(cmd, NULL, NULL, &e);
	alert_fire(a, "session_lost", "m1");
	alert_fire(a, "session_lost", "m1");
	alert_fire(a, "session_restored", "m2");
	alert_fire(a, "session_lost", "m1");
	alert_fire(a, "session_lost", "m3");
	alert_free(a);
	out = tap_slurp(tmp("dedupe.out"), NULL);
	tap_is_str(out, "session_lost m1\nsession_restored m2\nsession_lost m3\n",
	    "identical events within a minute are sent once, others all");
	free(out);
}

static void
test_command_timeout(void)
{
	struct alert *a;
	struct eg_err e;
	char cmd[1200], *lg;
	long pid, child;

	write_file("hang.sh", 0700, "#!/bin/sh\necho $$ > \"$1.pid\"\nsleep 30 &\n"
	    "echo $! > \"$1.child\"\nwait\n");
	snprintf(cmd, sizeof(cmd), "%s '%s'", tmp("hang.sh"), tmp("hang"));
	log_start();
	a = alert_new(cmd, NULL, &logger, &e);
	alert_set_command_timeout(a, 400);
	alert_fire(a, "session_lost", "hang");
	if (!tap_ok(wait_file(tmp("hang.child"), 5000), "the hanging command started")) {
		alert_free(a);
		free(log_stop());
		return;
	}
	pid = read_pid(tmp("hang.pid"));
	child = read_pid(tmp("hang.child"));
	tap_ok(wait_gone(pid, 3000), "killed after its time limit");
	tap_ok(wait_gone(child, 3000), "what it started in the background is killed too");
	alert_free(a);
	lg = log_stop();
	tap_ok(lg != NULL && strstr(lg, "alert command for session_lost killed after") != NULL,
	    "the kill is logged");
	free(lg);
}

static void
test_free_bound(void)
{
	struct alert *a;
	struct eg_err e;
	char cmd[1200], msg[32], *lg;
	int64_t t0, fire_ms, free_ms;
	long pid;
	int i;

	write_file("slow.sh", 0700, "#!/bin/sh\necho $$ > \"$1.pid\"\nexec sleep 60\n");
	snprintf(cmd, sizeof(cmd), "%s '%s'", tmp("slow.sh"), tmp("slow"));
	log_start();
	a = alert_new(cmd, NULL, &logger, &e);
	t0 = eg_now_ms();
	for (i = 0; i < 20; i++) {
		snprintf(msg, sizeof(msg), "event %d", i);
		alert_fire(a, "session_lost", msg);
	}
	fire_ms = eg_now_ms() - t0;
	tap_ok(fire_ms < 200, "20 alerts queued without waiting (%lld ms)", (long long)fire_ms);
	wait_file(tmp("slow.pid"), 5000);
	pid = read_pid(tmp("slow.pid"));
	t0 = eg_now_ms();
	alert_free(a);
	free_ms = eg_now_ms() - t0;
	tap_ok(free_ms >= 4000 && free_ms < 6500, "alert_free returns after about 5 s "
	    "(%lld ms) although the command would run 60 s", (long long)free_ms);
	tap_ok(pid > 0 && wait_gone(pid, 2000), "the running command was killed");
	lg = log_stop();
	tap_ok(lg != NULL && strstr(lg, "too many alerts waiting") != NULL,
	    "the bounded queue drops (and logs) what does not fit");
	tap_ok(lg != NULL && strstr(lg, "not sent: the gate was stopping") != NULL,
	    "alerts still queued at the end are logged as not sent");
	free(lg);
}

/* ---- a fake SMTP server --------------------------------------------------------- */

struct smtp {
	int lfd;
	int port;
	int offer_starttls;
	pthread_t th;
	char t[65536];          /* everything the client sent */
	size_t tlen;
};

static void
say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		tap_diag("smtp: write failed");
}

static void *
smtp_serve(void *arg)
{
	struct smtp *s = arg;
	struct pollfd p = {s->lfd, POLLIN, 0};
	char in[8192], line[8192], *nl;
	size_t inlen = 0, n, start, i;
	ssize_t r;
	int fd, data = 0, auth = 0, quit = 0;

	if (poll(&p, 1, 10000) != 1 || (fd = accept(s->lfd, NULL, NULL)) == -1)
		return NULL;
	say(fd, "220 fake.test ESMTP\r\n");
	p.fd = fd;
	while (!quit && poll(&p, 1, 5000) == 1) {
		r = read(fd, in + inlen, sizeof(in) - inlen);
		if (r <= 0)
			break;
		if (s->tlen + (size_t)r < sizeof(s->t)) {
			memcpy(s->t + s->tlen, in + inlen, (size_t)r);
			s->tlen += (size_t)r;
		}
		inlen += (size_t)r;
		for (start = 0; !quit && (nl = memchr(in + start, '\n', inlen - start)) != NULL;
		    start += n) {
			n = (size_t)(nl - (in + start)) + 1;
			memcpy(line, in + start, n);
			line[n] = '\0';
			if (data) {
				if (strcmp(line, ".\r\n") == 0) {
					data = 0;
					say(fd, "250 2.0.0 queued\r\n");
				}
			} else if (auth == 1 || auth == 3) {
				auth = 0;
				say(fd, "235 2.7.0 accepted\r\n");
			} else if (auth == 2) {
				auth = 3;
				say(fd, "334 UGFzc3dvcmQ6\r\n");
			} else if (strncasecmp(line, "EHLO", 4) == 0) {
				say(fd, "250-fake.test\r\n");
				if (s->offer_starttls)
					say(fd, "250-STARTTLS\r\n");
				say(fd, "250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n");
			} else if (strncasecmp(line, "STARTTLS", 8) == 0) {
				if (!s->offer_starttls) {
					say(fd, "454 4.7.0 TLS not available\r\n");
				} else {
					/* Say yes, then speak no TLS: the handshake must fail. */
					say(fd, "220 2.0.0 ready\r\n");
					usleep(200000);
					quit = 1;
				}
			} else if (strncasecmp(line, "AUTH PLAIN ", 11) == 0) {
				say(fd, "235 2.7.0 accepted\r\n");
			} else if (strncasecmp(line, "AUTH PLAIN", 10) == 0) {
				auth = 1;
				say(fd, "334 \r\n");
			} else if (strncasecmp(line, "AUTH LOGIN", 10) == 0) {
				auth = 2;
				say(fd, "334 VXNlcm5hbWU6\r\n");
			} else if (strncasecmp(line, "DATA", 4) == 0) {
				data = 1;
				say(fd, "354 end with .\r\n");
			} else if (strncasecmp(line, "QUIT", 4) == 0) {
				say(fd, "221 2.0.0 bye\r\n");
				quit = 1;
			} else if (strncasecmp(line, "MAIL", 4) == 0 || strncasecmp(line, "RCPT", 4) == 0 ||
			    strncasecmp(line, "RSET", 4) == 0 || strncasecmp(line, "NOOP", 4) == 0) {
				say(fd, "250 2.0.0 ok\r\n");
			} else {
				say(fd, "502 5.5.2 what?\r\n");
			}
		}
		/* Keep the start of an unfinished line. */
		for (i = start; i < inlen; i++)
			in[i - start] = in[i];
		inlen -= start;
	}
	close(fd);
	return NULL;
}

static int
smtp_start(struct smtp *s, int offer_starttls)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	memset(s, 0, sizeof(*s));
	s->offer_starttls = offer_starttls;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)) == -1 || listen(s->lfd, 4) == -1 ||
	    getsockname(s->lfd, (struct sockaddr *)&sa, &len) == -1)
		return -1;
	s->port = ntohs(sa.sin_port);
	return pthread_create(&s->th, NULL, smtp_serve, s) == 0 ? 0 : -1;
}

static void
smtp_stop(struct smtp *s)
{
	pthread_join(s->th, NULL);
	close(s->lfd);
	s->t[s->tlen < sizeof(s->t) ? s->tlen : sizeof(s->t) - 1] = '\0';
}

static int
has(const struct smtp *s, const char *needle)
{
	return memmem(s->t, s->tlen, needle, strlen(needle)) != NULL;
}

/* The transcript as one printable line (binary TLS bytes shown as '.'). */
static const char *
printable(const struct smtp *s)
{
	static char out[300];
	size_t i, n = s->tlen < sizeof(out) - 1 ? s->tlen : sizeof(out) - 1;

	for (i = 0; i < n; i++)
		out[i] = s->t[i] == '\r' ? ' ' : s->t[i] == '\n' ? '|' :
		    (s->t[i] >= 0x20 && s->t[i] < 0x7f) ? s->t[i] : '.';
	out[n] = '\0';
	return out;
}

static void
base64(const unsigned char *in, size_t n, char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i < n; i += 3) {
		v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
		    (i + 2 < n ? in[i + 2] : 0);
		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = '\0';
}

#define PASSWORD "Pw-Secret-123"

/* Neither the password nor its PLAIN / LOGIN encodings reached the server. */
static int
no_password(const struct smtp *s)
{
	static const unsigned char plain[] = "\0alerts\0" PASSWORD;
	char b1[128], b2[128];

	base64(plain, sizeof(plain) - 1, b1);
	base64((const unsigned char *)PASSWORD, strlen(PASSWORD), b2);
	return !has(s, PASSWORD) && !has(s, b1) && !has(s, b2);
}

static void
test_mail_refused_without_starttls(int offer)
{
	const char *what = offer ? "STARTTLS offered, then no TLS" : "no STARTTLS offered";
	struct smtp s;
	struct alert *a;
	struct eg_err e;
	const char *conf;
	char *lg;

	if (smtp_start(&s, offer) == -1) {
		tap_ok(0, "fake SMTP server started");
		return;
	}
	conf = write_file("mail-tls.json", 0600,
	    "{\"smtp_host\": \"127.0.0.1\", \"smtp_port\": %d, \"username\": \"alerts\",\n"
	    " \"password\": \"" PASSWORD "\", \"from\": \"gate@example.net\",\n"
	    " \"to\": [\"ops@example.net\"]}\n", s.port);
	log_start();
	a = alert_new(NULL, conf, &logger, &e);
	if (!tap_ok(a != NULL, "%s: e-mail config loads", what))
		tap_diag("%s", e.msg);
	alert_fire(a, "session_lost", "EPP session lost: timeout");
	alert_free(a);
	smtp_stop(&s);
	lg = log_stop();
	tap_diag("%s: the client sent: %s", what, printable(&s));
	tap_ok(has(&s, "EHLO"), "%s: the client greeted the server", what);
	tap_ok(!has(&s, "AUTH"), "%s: no AUTH attempted", what);
	tap_ok(no_password(&s), "%s: the password never crossed in clear", what);
	tap_ok(!has(&s, "MAIL FROM") && !has(&s, "session_lost"),
	    "%s: no message was sent", what);
	tap_ok(lg != NULL && strstr(lg, "e-mail via 127.0.0.1") != NULL &&
	    strstr(lg, "failed") != NULL, "%s: the failure is logged", what);
	tap_ok(lg != NULL && strstr(lg, PASSWORD) == NULL, "%s: the log holds no password", what);
	free(lg);
}

static void
test_mail_plain_explicit(void)
{
	struct smtp s;
	struct alert *a;
	struct eg_err e;
	const char *conf;
	char *lg, host[256] = "", subject[512];

	if (smtp_start(&s, 0) == -1) {
		tap_ok(0, "fake SMTP server started");
		return;
	}
	/* Aliases and forms the reference's users may have written. */
	conf = write_file("mail-plain.json", 0600,
	    "{\"host\": \"127.0.0.1\", \"port\": \"%d\", \"username\": \"alerts\",\n"
	    " \"password\": \"" PASSWORD "\", \"sender\": \"gate@example.net\",\n"
	    " \"recipients\": \"ops@example.net, noc@example.net\",\n"
	    " \"subject_prefix\": \"[test-gate]\", \"starttls\": false,\n"
	    " \"unknown_key\": {\"ignored\": true}}\n", s.port);
	log_start();
	a = alert_new(NULL, conf, &logger, &e);
	if (!tap_ok(a != NULL, "plain SMTP config (aliases, port as string) loads"))
		tap_diag("%s", e.msg);
	alert_fire(a, "session_restored", "EPP session restored after 3 attempts\nsecond line");
	alert_free(a);
	smtp_stop(&s);
	lg = log_stop();
	gethostname(host, sizeof(host) - 1);
	snprintf(subject, sizeof(subject), "Subject: [test-gate] session_restored on %s: EPP "
	    "session restored after 3 attempts second line\r\n", host);
	tap_ok(has(&s, "AUTH"), "starttls=false: authenticated as configured");
	tap_ok(has(&s, "MAIL FROM:<gate@example.net>"), "MAIL FROM is the sender");
	tap_ok(has(&s, "RCPT TO:<ops@example.net>") && has(&s, "RCPT TO:<noc@example.net>"),
	    "one RCPT TO per recipient");
	tap_ok(has(&s, subject), "subject: prefix, event, host, message on one line");
	tap_ok(has(&s, "From: <gate@example.net>\r\nTo: <ops@example.net>, <noc@example.net>\r\n"),
	    "From and To headers");
	tap_ok(has(&s, "Content-Type: text/plain; charset=utf-8\r\n"), "plain text UTF-8 body");
	tap_ok(has(&s, "Event:   session_restored\r\n"), "body: event");
	tap_ok(has(&s, "Message: EPP session restored after 3 attempts\r\n         second line\r\n"),
	    "body: the message, line breaks as CRLF");
	tap_ok(has(&s, "\r\n.\r\n") && has(&s, "QUIT"), "message ended and session closed");
	tap_ok(lg != NULL && strstr(lg, "\"starttls\" is false") != NULL,
	    "plain SMTP draws a warning at start");
	if (!tap_ok(lg != NULL && strstr(lg, "sent to 2 recipients") != NULL, "delivery logged"))
		tap_diag("log: %s", lg ? lg : "(none)");
	tap_ok(lg != NULL && strstr(lg, PASSWORD) == NULL, "the log holds no password");
	free(lg);
}

/* A copy of a shipped example with "/etc/epp-gate/" pointing at the scratch directory. */
static const char *
example_here(const char *rel, const char *name)
{
	char *text = tap_slurp(tap_src(rel), NULL), *p, *q;
	const char *path;
	FILE *f;

	if (text == NULL)
		return NULL;
	path = tmp(name);
	if ((f = fopen(path, "w")) == NULL) {
		free(text);
		return NULL;
	}
	for (p = text; (q = strstr(p, "/etc/epp-gate/")) != NULL; p = q + 14)
		fprintf(f, "%.*s%s/", (int)(q - p), p, dir);
	fputs(p, f);
	fclose(f);
	free(text);
	return path;
}

static const char *
config_error(const char *json)
{
	static char msg[600];
	struct alert *a;
	struct eg_err e;
	const char *p = write_file("bad.json", 0600, "%s", json);

	if ((a = alert_new(NULL, p, NULL, &e)) != NULL) {
		alert_free(a);
		return "(loaded)";
	}
	snprintf(msg, sizeof(msg), "%s", e.msg);
	return msg;
}

static void
test_mail_config_errors(void)
{
	struct alert *a;
	struct eg_err e;
	const char *pw, *conf;
	char json[1024], *lg;

	tap_ok(alert_new(NULL, tmp("absent.json"), NULL, &e) == NULL &&
	    strstr(e.msg, "cannot read alert e-mail config") != NULL &&
	    strstr(e.msg, "absent.json") != NULL, "missing file: error names it");
	tap_ok(strstr(config_error("{\"smtp_host\": "), "not JSON") != NULL, "not JSON");
	tap_ok(strstr(config_error("[1, 2]"), "must be a JSON object") != NULL, "not an object");
	tap_ok(strstr(config_error("{\"from\": \"a@b\", \"to\": \"c@d\"}"),
	    "\"smtp_host\" is required") != NULL, "smtp_host required");
	tap_ok(strstr(config_error("{\"smtp_host\": \"h\", \"to\": \"c@d\"}"),
	    "\"from\" is required") != NULL, "from required");
	tap_ok(strstr(config_error("{\"smtp_host\": \"h\", \"from\": \"a@b\"}"),
	    "\"to\" is required") != NULL, "to required");
	tap_ok(strstr(config_error("{\"smtp_host\": \"h\", \"smtp_port\": 70000, \"from\": \"a@b\", "
	    "\"to\": \"c@d\"}"), "port number") != NULL, "port out of range");
	tap_ok(strstr(config_error("{\"smtp_host\": \"h\", \"from\": \"a@b\", \"to\": 5}"),
	    "\"to\" must be a string or a list") != NULL, "to of the wrong type");
	tap_ok(strstr(config_error("{\"smtp_host\": \"h\", \"from\": \"a@b\", \"to\": "
	    "[\"x@y\", \"not-an-address\"]}"), "is not an e-mail address") != NULL,
	    "a bad recipient");
	tap_ok(strstr(config_error("{\"smtp_host\": \"h\", \"from\": \"a@b\", \"to\": \"c@d\", "
	    "\"password\": \"p\"}"), "needs a \"username\"") != NULL, "password without username");
	tap_ok(strstr(config_error("{\"smtp_host\": \"h\", \"from\": \"a@b\", \"to\": \"c@d\", "
	    "\"starttls\": \"maybe\"}"), "\"starttls\" must be true or false") != NULL,
	    "starttls must be a boolean");
	tap_ok(strstr(config_error("{\"smtp_host\": \"h\", \"from\": \"a@b\", \"to\": \"c@d\", "
	    "\"subject_prefix\": \"x\\r\\nBcc: evil@x\"}"), "must be one line") != NULL,
	    "no header injection through the subject prefix");

	pw = write_file("smtp.pw", 0644, "file-Pw-999\n");
	snprintf(json, sizeof(json), "{\"smtp_host\": \"h\", \"from\": \"a@b\", \"to\": \"c@d\", "
	    "\"username\": \"u\", \"password_file\": \"%s\", \"ca_file\": \"/etc/ssl/x.pem\"}", pw);
	conf = write_file("pwfile.json", 0644, "%s", json);
	log_start();
	a = alert_new(NULL, conf, &logger, &e);
	tap_ok(a != NULL, "password_file accepted");
	alert_free(a);
	lg = log_stop();
	tap_ok(lg != NULL && strstr(lg, "can be read by group or others") != NULL &&
	    strstr(lg, "file-Pw-999") == NULL, "a readable password file warns, without the secret");
	free(lg);
	snprintf(json, sizeof(json), "{\"smtp_host\": \"h\", \"from\": \"a@b\", \"to\": \"c@d\", "
	    "\"username\": \"u\", \"password\": \"x\", \"password_file\": \"%s\"}", pw);
	tap_ok(strstr(config_error(json), "not both") != NULL, "password and password_file");

	/* The shipped example is valid (its /etc/epp-gate/ moved into the scratch directory). */
	write_file("smtp.password", 0600, "example\n");
	conf = example_here("etc/alert_email.json.example", "alert_email.json");
	a = conf != NULL ? alert_new(NULL, conf, NULL, &e) : NULL;
	if (!tap_ok(a != NULL, "etc/alert_email.json.example loads"))
		tap_diag("%s", e.msg);
	alert_free(a);
}

static void
test_off(void)
{
	struct alert *a;
	struct eg_err e;

	a = alert_new(NULL, "", NULL, &e);
	tap_ok(a != NULL, "no command, no e-mail: a valid, silent object");
	alert_fire(a, "session_lost", "nothing happens");
	alert_free(a);
	alert_fire(NULL, "session_lost", "x");
	alert_free(NULL);
	tap_ok(1, "NULL alert is ignored");
}

static int
rm_tree(void)
{
	char cmd[600];

	/* Only our own scratch directory, by its full name. */
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", dir);
	return system(cmd);
}

int
main(int argc, char **argv)
{
	char mailer[4096];

	/* the mail sender is the program built next to the gate: BUILD/bin/epp-gate-mail */
	snprintf(mailer, sizeof(mailer), "%s/../bin/epp-gate-mail", argc > 0 ? dirname(argv[0]) : ".");
	setenv("EPPGATE_MAILER", mailer, 0);
	signal(SIGPIPE, SIG_IGN);   /* as the gate does: the alert command must not inherit it */
	snprintf(dir, sizeof(dir), "%s/eg-alert.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") :
	    "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_off();
	test_command_env();
	test_dedupe();
	test_command_timeout();
	test_free_bound();
	test_mail_refused_without_starttls(0);
	test_mail_refused_without_starttls(1);
	test_mail_plain_explicit();
	test_mail_config_errors();
	rm_tree();
	return tap_done();
}
