/* SPDX-License-Identifier: MIT */
/* One request on its way through the gate (job.h): making, answering and freeing it. */
#include "job.h"

#include <stdlib.h>
#include <string.h>

#include "epp_reply.h"
#include "xml2json.h"

struct job *
job_new(void)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j != NULL) {
		j->deadline_ms = -1;
		j->code = -1;
		j->session_id = -1;
	}
	return j;
}

void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->reply_to);
	free(j->correlation_id);
	free(j->message_id);
	epp_request_clear(&j->req);
	free(j->reply);
	free(j);
}

const char *
job_id(const struct job *j)
{
	if (j->message_id != NULL && j->message_id[0] != '\0')
		return j->message_id;
	return NULL;
}

int
job_reply_json(struct job *j, json_object *obj, int code)
{
	const char *text;
	size_t len;
	char *copy;

	text = x2j_to_string(obj, &len);
	if (text == NULL || (copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, text, len + 1);
	free(j->reply);
	j->reply = copy;
	j->reply_len = len;
	j->code = code;
	return 0;
}

int
job_reply_text(struct job *j, const char *text, size_t len, int code)
{
	char *copy;

	if ((copy = malloc(len + 1)) == NULL)
		return -1;
	memcpy(copy, text, len);
	copy[len] = '\0';
	free(j->reply);
	j->reply = copy;
	j->reply_len = len;
	j->code = code;
	return 0;
}

void
job_fail(struct job *j, const struct eg_err *e, const char *code_name)
{
	struct buf b = BUF_INIT;

	epp_error_text(e, j->error, sizeof(j->error));
	if (epp_error_reply_text(e, code_name, &b) == -1) {
		/* Out of memory: a fixed reply still tells the caller something went wrong. */
		static const char fallback[] = "{\"error\":\"failed processing EPP command: out of memory\"}";

		free(j->reply);
		j->reply = strdup(fallback);
		j->reply_len = j->reply ? sizeof(fallback) - 1 : 0;
		j->code = -1;
		return;
	}
	free(j->reply);
	j->reply_len = b.len;
	j->reply = buf_steal(&b);
	j->code = -1;
}
