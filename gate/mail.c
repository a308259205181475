/* SPDX-License-Identifier: MIT */
/*
 * mail.c - the alert e-mail's JSON configuration, read and checked, and the
 * message text for one event (see mail.h).
 */
#include "mail.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "rdfile.h"

#define EMAIL_CONFIG_MAX 65536

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
add_rcpt(struct email_conf *m, const char *path, const char *s, struct eg_err *err)
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
		if (m->nto == MAIL_MAX_RCPT)
			return eg_err_set(err, EG_ECONFIG, "%s: at most %d recipients", path, MAIL_MAX_RCPT);
		if (n >= MAIL_ADDR_MAX)
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
get_recipients(json_object *o, const char *path, struct email_conf *m, struct eg_err *err)
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

struct email_conf *
email_conf_new(const char *path, struct eg_log *log, struct eg_err *err)
{
	enum json_tokener_error jerr = json_tokener_success;
	struct email_conf *m = NULL;
	json_object *o = NULL;
	struct eg_file text;
	unsigned mode;
	char pwfile[CFG_PATH] = "";

	if (eg_file_read(&text, path, "alert e-mail config", EMAIL_CONFIG_MAX, err) == -1)
		return NULL;
	mode = text.mode;
	o = json_tokener_parse_verbose(text.data, &jerr);
	eg_file_clear(&text);
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
	if (m->password[0] != '\0' && pwfile[0] == '\0' && eg_mode_exposed(mode))
		log_warn(log, "alert e-mail config %s holds a password and can be read by group or "
		    "others (mode %04o); make it mode 0600", path, mode);
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

void
email_conf_free(struct email_conf *m)
{
	if (m == NULL)
		return;
	explicit_bzero(m, sizeof(*m));
	free(m);
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

int
email_message(const struct email_conf *m, const char *host, const char *event,
    const char *message, time_t when, struct buf *b)
{
	char date[64], iso[32], subj[128];
	const char *p;
	struct tm tm;
	int i, rc = 0;

	localtime_r(&when, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	gmtime_r(&when, &tm);
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	subject_text(message, subj, 100);
	rc |= buf_printf(b, "Date: %s\r\nFrom: <%s>\r\nTo: ", date, m->from);
	for (i = 0; i < m->nto; i++)
		rc |= buf_printf(b, "%s<%s>", i > 0 ? ", " : "", m->to[i]);
	rc |= buf_printf(b, "\r\nSubject: %s %s on %s: %s\r\n", m->subject_prefix, event,
	    host, subj);
	rc |= buf_printf(b, "Message-ID: <%lld.%ld.%lld@%s>\r\n", (long long)when,
	    (long)getpid(), (long long)eg_now_us(), host);
	rc |= buf_puts(b, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n");
	rc |= buf_printf(b, "Event:   %s\r\nTime:    %s\r\nHost:    %s\r\nMessage: ", event,
	    iso, host);
	/* Bare LF is not allowed in SMTP data: every line ends in CRLF. */
	for (p = message; *p != '\0'; p++) {
		if (*p == '\n')
			rc |= buf_puts(b, "\r\n         ");
		else if (*p != '\r')
			rc |= buf_append(b, p, 1);
	}
	rc |= buf_puts(b, "\r\n\r\n-- \r\nepp-gate\r\n");
	return rc != 0 ? -1 : 0;
}

