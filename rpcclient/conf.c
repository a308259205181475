/* SPDX-License-Identifier: MIT */
/*
 * conf.c - the client's configuration.
 *
 * Precedence: built-in defaults < the reference's JSON config (a file named
 * by RPC_CLIENT_CONF_PATH or the JSON text in RPC_CLIENT_CONF; the file wins
 * when both are set, as in the reference) < explicit options. Like the
 * reference, a config source must provide host, port, username and password
 * unless the options do; without any config source the defaults of a local
 * broker apply.
 */
#include "rpc_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>   /* isfinite, a macro: no libm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rdfile.h"

#include <json-c/json.h>

#define SYSTEM_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

static int
oom(char *err, size_t errlen)
{
	rpcc_fmt(err, errlen, "out of memory");
	return -1;
}

/* Absent and null both mean "not given" (the reference's `or` treats them alike). */
static json_object *
member(json_object *root, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(root, key, &v))
		return NULL;
	return v;
}

static int
get_string(json_object *root, const char *key, char **out, int *have, const char *source,
    char *err, size_t errlen)
{
	json_object *v = member(root, key);

	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		rpcc_fmt(err, errlen, "%s: \"%s\" must be a string, not %s", source, key,
		    json_type_to_name(json_object_get_type(v)));
		return -1;
	}
	if ((*out = strdup(json_object_get_string(v))) == NULL)
		return oom(err, errlen);
	*have = 1;
	return 0;
}

/* Whole string is a decimal number, spaces around allowed (Python's int() and float() allow them). */
static int
parse_number(const char *s, int integer_only, double *out)
{
	char *end;
	double d;

	while (isspace((unsigned char)*s))
		s++;
	if (*s == '\0')
		return -1;
	if (integer_only) {
		const char *p = s;

		if (*p == '+')
			p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p != '\0')
			return -1;
	}
	errno = 0;
	d = strtod(s, &end);
	if (end == s || errno != 0 || !isfinite(d))
		return -1;
	while (isspace((unsigned char)*end))
		end++;
	if (*end != '\0')
		return -1;
	*out = d;
	return 0;
}

static int
get_port(json_object *root, struct rpcc_jconf *j, const char *source, char *err, size_t errlen)
{
	json_object *v = member(root, "port");
	double d;

	if (v == NULL)
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_int:
		d = (double)json_object_get_int64(v);
		break;
	case json_type_double:
		d = json_object_get_double(v);
		/* 5672.0 is a port, 5672.5 is not; the bounds keep the cast defined. */
		if (!(d > -1e9 && d < 1e9) || d != (double)(long)d)
			goto bad;
		break;
	case json_type_string:
		if (parse_number(json_object_get_string(v), 1, &d) != 0)
			goto bad;
		break;
	default:
		rpcc_fmt(err, errlen, "%s: \"port\" must be a number or a string of digits, not %s",
		    source, json_type_to_name(json_object_get_type(v)));
		return -1;
	}
	if (d < 1 || d > 65535) {
		rpcc_fmt(err, errlen, "%s: \"port\" %.0f is out of range (1-65535)", source, d);
		return -1;
	}
	j->port = (int)d;
	j->have_port = 1;
	return 0;
bad:
	rpcc_fmt(err, errlen, "%s: \"port\" must be a number or a string of digits, not %s",
	    source, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
	return -1;
}

/* Seconds, as a number or numeric string; fractions are kept (the reference truncates). */
static int
get_timeout(json_object *root, struct rpcc_jconf *j, const char *source, char *err,
    size_t errlen)
{
	json_object *v = member(root, "timeout");
	double d;

	if (v == NULL)
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_int:
		d = (double)json_object_get_int64(v);
		break;
	case json_type_double:
		d = json_object_get_double(v);
		break;
	case json_type_string:
		if (parse_number(json_object_get_string(v), 0, &d) != 0) {
			rpcc_fmt(err, errlen, "%s: \"timeout\" must be a number of seconds, not %s",
			    source, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
			return -1;
		}
		break;
	default:
		rpcc_fmt(err, errlen, "%s: \"timeout\" must be a number of seconds, not %s",
		    source, json_type_to_name(json_object_get_type(v)));
		return -1;
	}
	if (!(d * 1000.0 >= 1.0) || d * 1000.0 > RPCC_MAX_TIMEOUT_MS) {
		rpcc_fmt(err, errlen, "%s: \"timeout\" %g is out of range (0.001-%d seconds)",
		    source, d, RPCC_MAX_TIMEOUT_MS / 1000);
		return -1;
	}
	j->timeout_ms = (int)(d * 1000.0 + 0.5);
	j->have_timeout = 1;
	return 0;
}

int
rpcc_jconf_parse(struct rpcc_jconf *j, const char *text, size_t len, const char *source,
    char *err, size_t errlen)
{
	json_tokener *tok = NULL;
	json_object *root = NULL;
	enum json_tokener_error jerr;
	size_t end;
	int rc = -1;

	memset(j, 0, sizeof(*j));
	if (len > RPCC_CONF_MAX) {
		rpcc_fmt(err, errlen, "%s: larger than %d bytes", source, RPCC_CONF_MAX);
		goto out;
	}
	if ((tok = json_tokener_new()) == NULL) {
		oom(err, errlen);
		goto out;
	}
	/* Strict: what Python's json module (the reference) refuses, such as a trailing
	 * comma, is refused here too rather than read differently. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue || (root == NULL && jerr == json_tokener_success)) {
		rpcc_fmt(err, errlen, "%s: not valid JSON: empty or truncated", source);
		goto out;
	}
	if (jerr != json_tokener_success) {
		rpcc_fmt(err, errlen, "%s: not valid JSON: %s at offset %zu", source,
		    json_tokener_error_desc(jerr), json_tokener_get_parse_end(tok));
		goto out;
	}
	for (end = json_tokener_get_parse_end(tok); end < len; end++) {
		if (!isspace((unsigned char)text[end])) {
			rpcc_fmt(err, errlen, "%s: not valid JSON: unexpected text at offset %zu",
			    source, end);
			goto out;
		}
	}
	if (!json_object_is_type(root, json_type_object)) {
		rpcc_fmt(err, errlen, "%s: must be a JSON object, not %s", source,
		    json_type_to_name(json_object_get_type(root)));
		goto out;
	}
	if (get_string(root, "host", &j->host, &j->have_host, source, err, errlen) != 0 ||
	    get_port(root, j, source, err, errlen) != 0 ||
	    get_string(root, "username", &j->username, &j->have_username, source, err,
		errlen) != 0 ||
	    get_string(root, "password", &j->password, &j->have_password, source, err,
		errlen) != 0 ||
	    get_timeout(root, j, source, err, errlen) != 0 ||
	    get_string(root, "queue_name", &j->queue, &j->have_queue, source, err, errlen) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		rpcc_jconf_clear(j);
	json_object_put(root);
	if (tok != NULL)
		json_tokener_free(tok);
	return rc;
}

int
rpcc_jconf_file(struct rpcc_jconf *j, const char *path, char *err, size_t errlen)
{
	struct eg_file f;
	struct eg_err e;
	char source[300];
	int rc;

	memset(j, 0, sizeof(*j));
	if (eg_file_read(&f, path, "config file", RPCC_CONF_MAX, &e) == -1) {
		rpcc_fmt(err, errlen, "%s", e.msg);
		return -1;
	}
	rpcc_fmt(source, sizeof(source), "config file %s", path);
	rc = rpcc_jconf_parse(j, f.data, f.len, source, err, errlen);
	eg_file_clear(&f);
	return rc;
}

void
rpcc_jconf_clear(struct rpcc_jconf *j)
{
	free(j->host);
	free(j->username);
	if (j->password != NULL)
		explicit_bzero(j->password, strlen(j->password));
	free(j->password);
	free(j->queue);
	memset(j, 0, sizeof(*j));
}

/* Copies the first non-NULL of a and b into *out (NULL stays NULL). */
static int
pick(char **out, const char *a, const char *b)
{
	const char *s = a != NULL ? a : b;

	*out = NULL;
	if (s == NULL)
		return 0;
	return (*out = strdup(s)) == NULL ? -1 : 0;
}

static const char *
env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

int
rpcc_conf_load(struct rpcc_conf *cf, const egrpc_options *o, char *err, size_t errlen)
{
	egrpc_options defaults;
	struct rpcc_jconf j;
	const char *path = NULL, *text = NULL, *ca, *health, *missing = NULL;
	int have_conf = 0, rc = -1;

	memset(cf, 0, sizeof(*cf));
	memset(&j, 0, sizeof(j));
	if (o == NULL) {
		egrpc_options_init(&defaults);
		o = &defaults;
	}
	if (o->config_path != NULL)
		path = o->config_path;
	else if (!o->no_env && (path = env_nonempty("RPC_CLIENT_CONF_PATH")) == NULL)
		text = env_nonempty("RPC_CLIENT_CONF");
	if (path != NULL) {
		if (rpcc_jconf_file(&j, path, err, errlen) != 0)
			goto out;
		have_conf = 1;
	} else if (text != NULL) {
		if (rpcc_jconf_parse(&j, text, strlen(text), "RPC_CLIENT_CONF", err, errlen) != 0)
			goto out;
		have_conf = 1;
	}
	if (have_conf) {
		if (!j.have_host && o->host == NULL)
			missing = "host";
		else if (!j.have_port && o->port == 0)
			missing = "port";
		else if (!j.have_username && o->username == NULL)
			missing = "username";
		else if (!j.have_password && o->password == NULL)
			missing = "password";
		if (missing != NULL) {
			rpcc_fmt(err, errlen, "%s%s: \"%s\" missing (host, port, username and "
			    "password are required)", path != NULL ? "config file " : "RPC_CLIENT_CONF",
			    path != NULL ? path : "", missing);
			goto out;
		}
	}

	cf->tls = o->tls != 0;
	cf->verify = !o->tls_no_verify;
	if (pick(&cf->host, o->host, j.have_host ? j.host : "localhost") != 0 ||
	    pick(&cf->username, o->username, j.have_username ? j.username : "guest") != 0 ||
	    pick(&cf->password, o->password, j.have_password ? j.password : "guest") != 0 ||
	    pick(&cf->vhost, o->vhost, "/") != 0 ||
	    pick(&cf->queue, o->queue, j.have_queue ? j.queue : RPCC_DEFAULT_QUEUE) != 0 ||
	    pick(&cf->conn_name, o->connection_name, "libeppgate-rpc") != 0)
		goto nomem;
	cf->port = o->port != 0 ? o->port : j.have_port ? j.port : cf->tls ? 5671 : 5672;
	cf->timeout_ms = o->timeout_ms != 0 ? o->timeout_ms :
	    j.have_timeout ? j.timeout_ms : RPCC_DEFAULT_TIMEOUT_MS;
	cf->heartbeat_s = o->heartbeat_s == 0 ? RPCC_DEFAULT_HEARTBEAT :
	    o->heartbeat_s < 0 ? 0 : o->heartbeat_s;
	cf->connect_timeout_ms = o->connect_timeout_ms != 0 ? o->connect_timeout_ms :
	    RPCC_DEFAULT_CONNECT_MS;
	cf->health_wait_ms = o->health_wait_ms == 0 ? RPCC_DEFAULT_HEALTH_MS :
	    o->health_wait_ms < 0 ? 0 : o->health_wait_ms;

	if (cf->tls) {
		/* rabbitmq-c does not load OpenSSL's default store, so name the bundle. */
		ca = o->tls_ca_file;
		if (ca == NULL && (ca = getenv("SSL_CERT_FILE")) == NULL)
			ca = SYSTEM_CA_FILE;
		if (pick(&cf->ca_file, ca, NULL) != 0 ||
		    pick(&cf->cert_file, o->tls_cert_file, NULL) != 0 ||
		    pick(&cf->key_file, o->tls_key_file, NULL) != 0)
			goto nomem;
		if ((cf->cert_file == NULL) != (cf->key_file == NULL)) {
			rpcc_fmt(err, errlen, "a TLS client certificate needs its key and a key its "
			    "certificate");
			goto out;
		}
	}

	health = o->health_file;
	if (health == NULL && !o->no_env)
		health = getenv("RPC_CLIENT_HEALTH_FILE");
	if (health != NULL && *health != '\0' && pick(&cf->health_file, health, NULL) != 0)
		goto nomem;

	if (*cf->host == '\0') {
		rpcc_fmt(err, errlen, "broker host is empty");
		goto out;
	}
	if (cf->port < 1 || cf->port > 65535) {
		rpcc_fmt(err, errlen, "broker port %d is out of range (1-65535)", cf->port);
		goto out;
	}
	if (*cf->queue == '\0' || strlen(cf->queue) > 255) {
		rpcc_fmt(err, errlen, "queue name must be 1-255 bytes");
		goto out;
	}
	if (cf->timeout_ms < 1 || cf->timeout_ms > RPCC_MAX_TIMEOUT_MS) {
		rpcc_fmt(err, errlen, "timeout %d ms is out of range (1-%d)", cf->timeout_ms,
		    RPCC_MAX_TIMEOUT_MS);
		goto out;
	}
	if (cf->heartbeat_s > 65535) {
		rpcc_fmt(err, errlen, "heartbeat %d s is out of range (0-65535)", cf->heartbeat_s);
		goto out;
	}
	if (cf->connect_timeout_ms < 1 || cf->connect_timeout_ms > RPCC_MAX_TIMEOUT_MS) {
		rpcc_fmt(err, errlen, "connect timeout %d ms is out of range", cf->connect_timeout_ms);
		goto out;
	}
	if (cf->health_wait_ms > 600000) {
		rpcc_fmt(err, errlen, "health-file pause %d ms is longer than 10 minutes",
		    cf->health_wait_ms);
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	oom(err, errlen);
out:
	rpcc_jconf_clear(&j);
	if (rc != 0)
		rpcc_conf_clear(cf);
	return rc;
}

void
rpcc_conf_clear(struct rpcc_conf *cf)
{
	free(cf->host);
	free(cf->username);
	if (cf->password != NULL)
		explicit_bzero(cf->password, strlen(cf->password));
	free(cf->password);
	free(cf->vhost);
	free(cf->queue);
	free(cf->ca_file);
	free(cf->cert_file);
	free(cf->key_file);
	free(cf->health_file);
	free(cf->conn_name);
	memset(cf, 0, sizeof(*cf));
}

void
egrpc_options_init(egrpc_options *o)
{
	memset(o, 0, sizeof(*o));
}
