/* SPDX-License-Identifier: MIT */
/*
 * epp-gate-mail: sends one alert e-mail, as configured by the reference's
 * --alert_email_config JSON file, over SMTP with STARTTLS (libcurl).
 *
 *   EPPGATE_EVENT=session_lost EPPGATE_MESSAGE=... epp-gate-mail CONFIG
 *
 * epp-gate runs it for every alert when an e-mail configuration is set; it
 * reads the event from the same environment an alert command gets, so it can
 * also be used as an alert command by hand. Exit statuses (<sysexits.h>,
 * epp-gate-mail(8)): 0 the server took the mail, 75 try again later (no
 * connection, timeout, SMTP 4xx), 69 the server will not take it as
 * configured (SMTP 5xx, no STARTTLS, certificate not trusted), 78 the
 * configuration file is not usable, 64 usage, 1 out of memory; one line on
 * standard error says why (never the password).
 *
 * STARTTLS is required (CURLUSESSL_ALL): a server that does not offer it gets
 * neither the password nor the message. Only "starttls": false in the file
 * allows plain SMTP (a warning says so).
 */
#include <curl/curl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mail.h"

#define MAIL_TIMEOUT_MS 25000
#define MAIL_CONNECT_MS 10000

#ifndef EPPGATE_VERSION
#define EPPGATE_VERSION "unknown"
#endif

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: EPPGATE_EVENT=EVENT EPPGATE_MESSAGE=TEXT epp-gate-mail CONFIG\n"
	    "\n"
	    "Sends one alert e-mail as the JSON file CONFIG says (epp-gate's\n"
	    "--alert_email_config), over SMTP with STARTTLS. epp-gate runs it for every\n"
	    "alert; run it by hand to test a configuration.\n"
	    "\n"
	    "  -h, --help      this text\n"
	    "      --version   print the version\n"
	    "\n"
	    "exit status: 0 sent, 75 try again later, 69 refused by the server, 78 bad\n"
	    "configuration, 64 usage, 1 out of memory\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr naming what is wrong and pointing at --help; the usage status. */
static int
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "epp-gate-mail: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see epp-gate-mail --help)\n");
	return EX_USAGE;
}

/*
 * What a failed transfer means for the caller: the server's word first (SMTP 4xx is
 * "later", 5xx is "not like this"), then libcurl's: the network now, or the server or
 * our settings for good.
 */
static int
failure_status(CURLcode res, long smtp_code)
{
	if (smtp_code >= 400 && smtp_code < 500)
		return EX_TEMPFAIL;
	if (smtp_code >= 500 && smtp_code < 600)
		return EX_UNAVAILABLE;
	switch (res) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_SSL_CONNECT_ERROR:
		return EX_TEMPFAIL;
	case CURLE_SSL_CACERT_BADFILE:
		return EX_CONFIG;
	case CURLE_OUT_OF_MEMORY:
		return 1;
	default:
		return EX_UNAVAILABLE;
	}
}

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

/* Sends msg to every recipient: 0, or the exit status with err saying why (never the
 * password). */
static int
send_mail(const struct email_conf *m, const char *host, const struct buf *msg,
    struct eg_err *err)
{
	long smtp_code = 0;
	struct curl_slist *rcpt = NULL, *l;
	struct upload up = {msg->data, msg->len};
	char url[600], addr[MAIL_ADDR_MAX + 2], errbuf[CURL_ERROR_SIZE] = "";
	CURLcode res = CURLE_OUT_OF_MEMORY;
	CURL *c;
	int i;

	if ((c = curl_easy_init()) == NULL)
		goto out;
	for (i = 0; i < m->nto; i++) {
		snprintf(addr, sizeof(addr), "<%s>", m->to[i]);
		if ((l = curl_slist_append(rcpt, addr)) == NULL)
			goto out;
		rcpt = l;
	}
	/* Port 465 is SMTP inside TLS from the first byte; the others start plain and
	 * must switch with STARTTLS. The path names us in EHLO. */
	snprintf(url, sizeof(url), "%s://%s%s%s:%d/%s", m->port == 465 ? "smtps" : "smtp",
	    strchr(m->host, ':') != NULL ? "[" : "", m->host,
	    strchr(m->host, ':') != NULL ? "]" : "", m->port, host);
	snprintf(addr, sizeof(addr), "<%s>", m->from);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_USE_SSL, (long)(m->starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, addr);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE, (long)msg->len);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)MAIL_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)MAIL_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	if (m->ca_file[0] != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, m->ca_file);
	if (m->username[0] != '\0') {
		curl_easy_setopt(c, CURLOPT_USERNAME, m->username);
		curl_easy_setopt(c, CURLOPT_PASSWORD, m->password);
	}
	res = curl_easy_perform(c);
	if (res != CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &smtp_code);
out:
	if (res != CURLE_OK)
		eg_err_set(err, EG_EIO, "e-mail via %s:%d failed: %s", m->host, m->port,
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(res));
	curl_slist_free_all(rcpt);
	if (c != NULL)
		curl_easy_cleanup(c);
	return res == CURLE_OK ? 0 : failure_status(res, smtp_code);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	const char *event = getenv("EPPGATE_EVENT"), *message = getenv("EPPGATE_MESSAGE");
	struct email_conf *m;
	struct eg_log log;
	struct eg_err err;
	struct buf msg = BUF_INIT;
	char host[256];
	int ch, rc = 1;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		case 'V':
			printf("epp-gate-mail %s\n", EPPGATE_VERSION);
			return fflush(stdout) == 0 ? 0 : 1;
		default:
			if (optopt != 0)
				return usage_error("unknown option -%c", optopt);
			return usage_error("unknown option %.*s", (int)strcspn(argv[optind - 1], "="),
			    argv[optind - 1]);
		}
	}
	if (optind == argc)
		return usage_error("missing CONFIG");
	if (optind + 1 < argc)
		return usage_error("unexpected argument %s", argv[optind + 1]);
	/* The gate logged the file's warnings when it started: only errors here. */
	eg_log_open(&log, "epp-gate-mail", NULL, EG_LOG_ERR, NULL);
	log.timestamps = 0;
	if ((m = email_conf_new(argv[optind], &log, &err)) == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return err.code == EG_ENOMEM ? 1 : EX_CONFIG;
	}
	if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	if (email_message(m, host, event ? event : "alert", message ? message : "", time(NULL),
	    &msg) == -1) {
		fprintf(stderr, "out of memory\n");
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "cannot initialise libcurl\n");
		goto out;
	}
	if ((rc = send_mail(m, host, &msg, &err)) == 0)
		fprintf(stderr, "sent to %d recipient%s via %s\n", m->nto, m->nto == 1 ? "" : "s",
		    m->host);
	else
		fprintf(stderr, "%s\n", err.msg);
	curl_global_cleanup();
out:
	buf_clear(&msg);
	email_conf_free(m);
	return rc;
}
