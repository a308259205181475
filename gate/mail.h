/* SPDX-License-Identifier: MIT */
/*
 * mail.h - the alert e-mail: its configuration (the reference's
 * --alert_email_config JSON file) and the message for one event.
 *
 * Pure: no network. The mail itself is sent by the separate program
 * epp-gate-mail (tools/epp-gate-mail.c, libcurl), which the alert module runs
 * like any alert command, so that the daemon links no mail or HTTP stack.
 */
#ifndef EG_MAIL_H
#define EG_MAIL_H

#include <time.h>

#include "buf.h"
#include "config.h"
#include "err.h"
#include "log.h"

#define MAIL_MAX_RCPT 8
#define MAIL_ADDR_MAX 256

struct email_conf {
	char host[256];
	int port;                       /* default 587; 465 is SMTP over TLS from the start */
	char username[256];
	char password[CFG_SECRET];      /* secret */
	char from[MAIL_ADDR_MAX];
	char to[MAIL_MAX_RCPT][MAIL_ADDR_MAX];
	int nto;
	char subject_prefix[128];
	int starttls;                   /* default 1: STARTTLS required */
	char ca_file[CFG_PATH];
};

/* A new configuration, read from the JSON file at path and checked (a mistake is a
 * start-up error). Warnings (a readable file holding a password, plain SMTP) go to log.
 * email_conf_free() wipes the password and frees it. */
struct email_conf *email_conf_new(const char *path, struct eg_log *log, struct eg_err *err);
void email_conf_free(struct email_conf *m);

/* Appends the message (RFC 5322, CRLF line ends) for an event, from host at time when,
 * to out. -1 only when out of memory. */
int email_message(const struct email_conf *m, const char *host, const char *event,
    const char *message, time_t when, struct buf *out);

#endif
