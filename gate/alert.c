/*
 * alert.c - session lost / restored alerts by command and by e-mail.
 *
 * alert_fire() only queues (a small bounded queue; a repeat of the same
 * event and message within a minute is dropped at once), and one background
 * thread delivers. That thread is the only one that waits: for the command
 * (killed, with its process group, after 30 s) and for the mail server
 * (libcurl, bounded the same way). alert_free() gives it about five seconds
 * to finish what is queued, then everything still running is cut short.
 *
 * E-mail is libcurl's SMTP client with STARTTLS required (CURLUSESSL_ALL): a
 * server that does not offer STARTTLS gets neither the password nor the
 * message. Only an explicit "starttls": false in the e-mail configuration
 * allows plain SMTP, and that is logged as a warning.
 */
#include "alert.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "config.h"

#define QUEUE_MAX 8
#define RECENT_MAX 16
#define DEDUPE_MS 60000
#define COMMAND_TIMEOUT_MS 30000
#define MAIL_TIMEOUT_MS 30000
#define MAIL_CONNECT_MS 10000
#define FREE_WAIT_MS 5000
#define MAX_RCPT 8
#define EMAIL_CONFIG_MAX 65536
#define EVENT_MAX 32
#define MESSAGE_MAX 512
#define ADDR_MAX 256

struct event {
	char name[EVENT_MAX];
	char message[MESSAGE_MAX];
	time_t when;
	int64_t at_ms;          /* monotonic, for the repeat window */
};

struct email {
	char host[256];
	int port;
	char username[256];
	char password[CFG_SECRET];      /* secret */
	char from[ADDR_MAX];
	char to[MAX_RCPT][ADDR_MAX];
	int nto;
	char subject_prefix[128];
	int starttls;
	char ca_file[CFG_PATH];
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
	struct email *mail;
	int curl_ready;
	int command_timeout_ms;
	struct eg_log *log;
	char hostname[256];
};

/* ---- the e-mail configuration ------------------------------------------------- */

/* The first of key, alias present in o (NULL when neither). */
static json_object *
member(json_object *o, const char *key, const char *alias)
{
	json_object *v = NULL;

	if (json_object_object_get_ex(o, key, &v))
		return v;
	if (alias != NULL && json_object_object_get_ex(o, alias, &v))
		return v;
	return NULL;
}

static int
get_string(json_object *o, const char *path, const char *key, const char *alias, char *dst,
    size_t cap, int required, struct eg_err *err)
{
	json_object *v = member(o, key, alias);
	const char *s;

	if (v == NULL) {
		if (required)
			return eg_err_set(err, EG_ECONFIG, "%s: \"%s\" is required", path, key);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return eg_err_set(err, EG_ECONFIG, "%s: \"%s\" must be a string", path, key);
	s = json_object_get_string(v);
	if (strlen(s) >= cap)
		return eg_err_set(err, EG_ECONFIG, "%s: \"%s\" is too long", path, key);
	if (strpbrk(s, "\r\n") != NULL)
		return eg_err_set(err, EG_ECONFIG, "%s: \"%s\" must be one line", path, key);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int
get_bool(json_object *o, const char *path, const char *key, int *dst, struct eg_err *err)
{
	json_object *v = member(o, key, NULL);
	const char *s;

	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_boolean)) {
		*dst = json_object_get_boolean(v);
	} else if (json_object_is_type(v, json_type_string) &&
	    ((s = json_object_get_string(v)), strcmp(s, "true") == 0 || strcmp(s, "false") == 0)) {
		*dst = strcmp(s, "true") == 0;
	} else {
		return eg_err_set(err, EG_ECONFIG, "%s: \"%s\" must be true or false", path, key);
	}
	return 0;
}

/* An address: one token with an '@', nothing that could end or open a header. */
static int
address_ok(const char *s)
{
	return s[0] != '\0' && strchr(s, '@') != NULL && strpbrk(s, " \t\r\n<>,;\"") == NULL;
}

static int
add_rcpt(struct email *m, const char *path, const char *s, struct eg_err *err)
{
	const char *p = s, *end;
	size_t n;

	/* "a@x, b@y" is a list too. */
	while (*p != '\0') {
		p += strspn(p, " \t,");
		if (*p == '\0')
			break;
		end = p + strcspn(p, ",");
		n = (size_t)(end - p);
		while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (m->nto == MAX_RCPT)
			return eg_err_set(err, EG_ECONFIG, "%s: at most %d recipients", path, MAX_RCPT);
		if (n >= ADDR_MAX)
			return eg_err_set(err, EG_ECONFIG, "%s: a recipient is too long", path);
		memcpy(m->to[m->nto], p, n);
		m->to[m->nto][n] = '\0';
		if (!address_ok(m->to[m->nto]))
			return eg_err_set(err, EG_ECONFIG, "%s: \"%s\" is not an e-mail address", path,
			    m->to[m->nto]);
		m->nto++;
		p = end;
	}
	return 0;
}

static int
get_recipients(json_object *o, const char *path, struct email *m, struct eg_err *err)
{
	json_object *v = member(o, "to", "recipients"), *e;
	size_t i, n;

	if (v == NULL)
		return eg_err_set(err, EG_ECONFIG, "%s: \"to\" is required", path);
	if (json_object_is_type(v, json_type_string)) {
		if (add_rcpt(m, path, json_object_get_string(v), err) == -1)
			return -1;
	} else if (json_object_is_type(v, json_type_array)) {
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(v, i);
			if (!json_object_is_type(e, json_type_string))
				return eg_err_set(err, EG_ECONFIG, "%s: \"to\" must hold strings", path);
			if (add_rcpt(m, path, json_object_get_string(e), err) == -1)
				return -1;
		}
	} else {
		return eg_err_set(err, EG_ECONFIG, "%s: \"to\" must be a string or a list of "
		    "strings", path);
	}
	if (m->nto == 0)
		return eg_err_set(err, EG_ECONFIG, "%s: \"to\" names no recipient", path);
	return 0;
}

static int
get_port(json_object *o, const char *path, int *port, struct eg_err *err)
{
	json_object *v = member(o, "smtp_port", "port");
	const char *s;
	char *end;
	long p;

	if (v == NULL)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		p = (long)json_object_get_int64(v);
	} else if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		errno = 0;
		p = strtol(s, &end, 10);
		if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0)
			p = 0;
	} else {
		p = 0;
	}
	if (p < 1 || p > 65535)
		return eg_err_set(err, EG_ECONFIG, "%s: \"smtp_port\" must be a port number 1-65535",
		    path);
	*port = (int)p;
	return 0;
}

static void
log_warning(const char *msg, void *ctx)
{
	log_warn((struct eg_log *)ctx, "%s", msg);
}

static char *
slurp_limited(const char *path, struct stat *st, struct eg_err *err)
{
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		eg_err_set(err, EG_ECONFIG, "cannot read alert e-mail config %s: %s", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		eg_err_set(err, EG_ECONFIG, "alert e-mail config %s is not a regular file", path);
		goto fail;
	}
	if ((text = malloc(EMAIL_CONFIG_MAX + 1)) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		goto fail;
	}
	while ((n = read(fd, text + len, EMAIL_CONFIG_MAX - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 || len + (size_t)n == EMAIL_CONFIG_MAX) {
			eg_err_set(err, EG_ECONFIG, "cannot read alert e-mail config %s: %s", path,
			    n == -1 ? strerror(errno) : "too large");
			free(text);
			text = NULL;
			goto fail;
		}
		len += (size_t)n;
	}
	text[len] = '\0';
fail:
	close(fd);
	return text;
}

/* Reads and checks the JSON file now, so that a mistake stops the start. */
static struct email *
email_load(const char *path, struct eg_log *log, struct eg_err *err)
{
	enum json_tokener_error jerr = json_tokener_success;
	struct email *m = NULL;
	json_object *o = NULL;
	struct stat st;
	char pwfile[CFG_PATH] = "";
	char *text;

	if ((text = slurp_limited(path, &st, err)) == NULL)
		return NULL;
	o = json_tokener_parse_verbose(text, &jerr);
	explicit_bzero(text, strlen(text));
	free(text);
	if (o == NULL) {
		eg_err_set(err, EG_ECONFIG, "alert e-mail config %s: not JSON: %s", path,
		    json_tokener_error_desc(jerr));
		goto fail;
	}
	if (!json_object_is_type(o, json_type_object)) {
		eg_err_set(err, EG_ECONFIG, "alert e-mail config %s: must be a JSON object", path);
		goto fail;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		goto fail;
	}
	m->port = 587;
	m->starttls = 1;
	snprintf(m->subject_prefix, sizeof(m->subject_prefix), "[epp-gate]");
	if (get_string(o, path, "smtp_host", "host", m->host, sizeof(m->host), 1, err) == -1 ||
	    get_port(o, path, &m->port, err) == -1 ||
	    get_string(o, path, "username", "user", m->username, sizeof(m->username), 0, err) == -1 ||
	    get_string(o, path, "password", NULL, m->password, sizeof(m->password), 0, err) == -1 ||
	    get_string(o, path, "password_file", NULL, pwfile, sizeof(pwfile), 0, err) == -1 ||
	    get_string(o, path, "from", "sender", m->from, sizeof(m->from), 1, err) == -1 ||
	    get_recipients(o, path, m, err) == -1 ||
	    get_string(o, path, "subject_prefix", NULL, m->subject_prefix,
	    sizeof(m->subject_prefix), 0, err) == -1 ||
	    get_bool(o, path, "starttls", &m->starttls, err) == -1 ||
	    get_string(o, path, "ca_file", NULL, m->ca_file, sizeof(m->ca_file), 0, err) == -1)
		goto fail;
	if (m->host[0] == '\0' || strpbrk(m->host, " /?#@") != NULL) {
		eg_err_set(err, EG_ECONFIG, "%s: \"smtp_host\" must be a host name", path);
		goto fail;
	}
	if (!address_ok(m->from)) {
		eg_err_set(err, EG_ECONFIG, "%s: \"from\" is not an e-mail address", path);
		goto fail;
	}
	if (m->password[0] != '\0' && pwfile[0] != '\0') {
		eg_err_set(err, EG_ECONFIG, "%s: set either \"password\" or \"password_file\", "
		    "not both", path);
		goto fail;
	}
	if (pwfile[0] != '\0' && gate_read_secret_file(pwfile, m->password, sizeof(m->password),
	    log_warning, log, err) == -1) {
		eg_err_prefix(err, "%s: ", path);
		goto fail;
	}
	if (m->password[0] != '\0' && m->username[0] == '\0') {
		eg_err_set(err, EG_ECONFIG, "%s: a password needs a \"username\"", path);
		goto fail;
	}
	if (m->password[0] != '\0' && pwfile[0] == '\0' && (st.st_mode & (S_IRGRP | S_IROTH)))
		log_warn(log, "alert e-mail config %s holds a password and can be read by group or "
		    "others (mode %04o); make it mode 0600", path, (unsigned)(st.st_mode & 07777));
	if (!m->starttls && m->port != 465)
		log_warn(log, "alert e-mail: \"starttls\" is false: mail%s crosses the network to "
		    "%s unencrypted", m->password[0] != '\0' ? " and the SMTP password" : "", m->host);
	json_object_put(o);
	return m;
fail:
	if (m != NULL) {
		explicit_bzero(m, sizeof(*m));
		free(m);
	}
	json_object_put(o);
	return NULL;
}

/* ---- running the command -------------------------------------------------------- */

static int64_t
stop_deadline(struct alert *a)
{
	int64_t d;

	pthread_mutex_lock(&a->mu);
	d = a->stopping ? a->stop_deadline : -1;
	pthread_mutex_unlock(&a->mu);
	return d;
}

static void
iso_time(time_t t, char *out, size_t cap)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
run_command(struct alert *a, const struct event *ev)
{
	char env_event[EVENT_MAX + 16], env_msg[MESSAGE_MAX + 24], env_time[64], env_path[1024];
	char when[32];
	char sh[] = "/bin/sh", dash_c[] = "-c";
	char *argv[] = {sh, dash_c, a->command, NULL};
	char *envp[] = {env_path, env_event, env_msg, env_time, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, deflt;
	int64_t start, limit, stop;
	pid_t pid;
	int st = 0, r, killed = 0;

	iso_time(ev->when, when, sizeof(when));
	/* A small, explicit environment: nothing of the gate's own leaks to the command. */
	snprintf(env_path, sizeof(env_path), "PATH=%s", "/usr/local/sbin:/usr/local/bin:"
	    "/usr/sbin:/usr/bin:/sbin:/bin");
	snprintf(env_event, sizeof(env_event), "EPPGATE_EVENT=%s", ev->name);
	snprintf(env_msg, sizeof(env_msg), "EPPGATE_MESSAGE=%s", ev->message);
	snprintf(env_time, sizeof(env_time), "EPPGATE_TIME=%s", when);
	sigemptyset(&none);
	/* Signals the gate ignores would stay ignored across exec: give them back. */
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
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	/* Its own process group, so that a timeout ends whatever it started too. */
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
	    POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &deflt);
	posix_spawnattr_setpgroup(&at, 0);
	r = posix_spawn(&pid, "/bin/sh", &fa, &at, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (r != 0) {
		log_warn(a->log, "alert command could not be started: %s", strerror(r));
		return;
	}
	start = eg_now_ms();
	pthread_mutex_lock(&a->mu);
	limit = start + a->command_timeout_ms;
	pthread_mutex_unlock(&a->mu);
	for (;;) {
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
	if (killed)
		log_warn(a->log, "alert command for %s killed after %lld ms", ev->name,
		    (long long)(eg_now_ms() - start));
	else if (r == pid && WIFEXITED(st) && WEXITSTATUS(st) != 0)
		log_warn(a->log, "alert command for %s exited with status %d", ev->name,
		    WEXITSTATUS(st));
	else if (r == pid && WIFSIGNALED(st))
		log_warn(a->log, "alert command for %s ended by signal %d", ev->name, WTERMSIG(st));
	else
		log_debug(a->log, "alert command for %s done", ev->name);
}

/* ---- sending the e-mail --------------------------------------------------------- */

struct upload {
	const char *p;
	size_t left;
};

static size_t
upload_read(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb < u->left ? size * nmemb : u->left;

	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

/* Aborts a transfer that runs past alert_free()'s deadline. */
static int
upload_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	int64_t stop = stop_deadline(arg);

	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return stop >= 0 && eg_now_ms() >= stop;
}

/* Subject text: one line of printable ASCII (other bytes become '?'), so no header
 * encoding is needed; the body carries the message as sent, in UTF-8. */
static void
subject_text(const char *in, char *out, size_t cap)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < cap; i++)
		out[i] = (unsigned char)in[i] >= 0x20 && (unsigned char)in[i] < 0x7f ? in[i] :
		    (in[i] == '\n' || in[i] == '\r' || in[i] == '\t') ? ' ' : '?';
	out[i] = '\0';
}

static int
build_message(struct alert *a, const struct event *ev, struct buf *b)
{
	const struct email *m = a->mail;
	char date[64], when[32], subj[128];
	const char *p;
	struct tm tm;
	int i, rc = 0;

	localtime_r(&ev->when, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	iso_time(ev->when, when, sizeof(when));
	subject_text(ev->message, subj, 100);
	rc |= buf_printf(b, "Date: %s\r\nFrom: <%s>\r\nTo: ", date, m->from);
	for (i = 0; i < m->nto; i++)
		rc |= buf_printf(b, "%s<%s>", i > 0 ? ", " : "", m->to[i]);
	rc |= buf_printf(b, "\r\nSubject: %s %s on %s: %s\r\n", m->subject_prefix, ev->name,
	    a->hostname, subj);
	rc |= buf_printf(b, "Message-ID: <%lld.%ld.%lld@%s>\r\n", (long long)ev->when,
	    (long)getpid(), (long long)ev->at_ms, a->hostname);
	rc |= buf_puts(b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n");
	rc |= buf_printf(b, "Event:   %s\r\nTime:    %s\r\nHost:    %s\r\nMessage: ", ev->name,
	    when, a->hostname);
	/* Bare LF is not allowed in SMTP data: every line ends in CRLF. */
	for (p = ev->message; *p != '\0'; p++) {
		if (*p == '\n')
			rc |= buf_puts(b, "\r\n         ");
		else if (*p != '\r')
			rc |= buf_append(b, p, 1);
	}
	rc |= buf_puts(b, "\r\n\r\n-- \r\nepp-gate\r\n");
	return rc != 0 ? -1 : 0;
}

static void
send_mail(struct alert *a, const struct event *ev)
{
	const struct email *m = a->mail;
	struct curl_slist *rcpt = NULL, *l;
	struct buf msg = BUF_INIT;
	struct upload up;
	char url[600], addr[ADDR_MAX + 2], errbuf[CURL_ERROR_SIZE] = "";
	int64_t stop, timeout = MAIL_TIMEOUT_MS;
	CURLcode res = CURLE_OUT_OF_MEMORY;
	CURL *c = NULL;
	int i;

	if (build_message(a, ev, &msg) == -1 || (c = curl_easy_init()) == NULL)
		goto fail;
	for (i = 0; i < m->nto; i++) {
		snprintf(addr, sizeof(addr), "<%s>", m->to[i]);
		if ((l = curl_slist_append(rcpt, addr)) == NULL)
			goto fail;
		rcpt = l;
	}
	/* Port 465 is SMTP inside TLS from the first byte; the others start plain and
	 * must switch with STARTTLS. The path names us in EHLO. */
	snprintf(url, sizeof(url), "%s://%s%s%s:%d/%s", m->port == 465 ? "smtps" : "smtp",
	    strchr(m->host, ':') != NULL ? "[" : "", m->host,
	    strchr(m->host, ':') != NULL ? "]" : "", m->port, a->hostname);
	snprintf(addr, sizeof(addr), "<%s>", m->from);
	stop = stop_deadline(a);
	if (stop >= 0 && stop - eg_now_ms() < timeout)
		timeout = stop - eg_now_ms() > 1 ? stop - eg_now_ms() : 1;
	up.p = msg.data;
	up.left = msg.len;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)(m->starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, addr);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE, (long)msg.len);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)MAIL_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)timeout);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, upload_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, a);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (m->ca_file[0] != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, m->ca_file);
	if (m->username[0] != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, m->username);
		curl_easy_setopt(c, CURLOPT_PASSWORD, m->password);
	}
	res = curl_easy_perform(c);
fail:
	if (res == CURLE_OK)
		log_info(a->log, "alert %s sent by e-mail to %d recipient%s via %s", ev->name,
		    m->nto, m->nto == 1 ? "" : "s", m->host);
	else
		log_warn(a->log, "alert %s: e-mail via %s:%d failed: %s", ev->name, m->host,
		    m->port, errbuf[0] != '\0' ? errbuf : curl_easy_strerror(res));
	curl_slist_free_all(rcpt);
	if (c != NULL)
		curl_easy_cleanup(c);
	buf_free(&msg);
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
		if (a->command != NULL)
			run_command(a, &ev);
		if (a->mail != NULL)
			send_mail(a, &ev);
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
	sigset_t all, old;
	int r;

	if ((a = calloc(1, sizeof(*a))) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		return NULL;
	}
	a->log = log;
	a->command_timeout_ms = COMMAND_TIMEOUT_MS;
	if (pthread_mutex_init(&a->mu, NULL) != 0 || pthread_cond_init(&a->cv, NULL) != 0) {
		free(a);
		eg_err_set(err, EG_ENOMEM, "cannot create alert locks");
		return NULL;
	}
	if (gethostname(a->hostname, sizeof(a->hostname) - 1) != 0 || a->hostname[0] == '\0')
		snprintf(a->hostname, sizeof(a->hostname), "localhost");
	if (command != NULL && command[0] != '\0' && (a->command = strdup(command)) == NULL) {
		eg_err_set(err, EG_ENOMEM, "out of memory");
		goto fail;
	}
	if (email_config != NULL && email_config[0] != '\0') {
		if ((a->mail = email_load(email_config, log, err)) == NULL)
			goto fail;
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			eg_err_set(err, EG_ENOMEM, "cannot initialise libcurl");
			goto fail;
		}
		a->curl_ready = 1;
	}
	if (a->command == NULL && a->mail == NULL)
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
	if (a->mail != NULL) {
		explicit_bzero(a->mail, sizeof(*a->mail));
		free(a->mail);
	}
	if (a->curl_ready)
		curl_global_cleanup();
	free(a->command);
	pthread_cond_destroy(&a->cv);
	pthread_mutex_destroy(&a->mu);
	free(a);
}
