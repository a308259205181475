/* SPDX-License-Identifier: MIT */
/*
 * eg-responder - a trivial stand-in for the gate, for tests and as the
 * benchmark's "broker floor": consumes the request queue and answers every
 * request with a fixed or echoing JSON body on its reply_to queue with its
 * correlation_id, then acks it. No EPP, no registry.
 *
 * Test knobs: a delay per reply, replies held back and sent in reverse
 * order, a file that gets one line per executed request with the properties
 * that matter (to prove that an expired request never ran, and that a
 * re-sent one kept its message_id), and an extra reply with a foreign correlation
 * id before each real one; --mandatory publishes replies with the mandatory flag, as
 * the gate does. Prints "ready" on stdout once it consumes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <json-c/json.h>

#define CHANNEL 1
#define DEFAULT_REPLY \
	"{\"epp\": {\"response\": {\"result\": {\"@code\": \"1000\", " \
	"\"msg\": \"Command completed successfully\"}}}}"
#define ECHO_TAIL \
	", \"epp\": {\"response\": {\"result\": {\"@code\": \"1000\", " \
	"\"msg\": \"Command completed successfully\"}}}}"

struct held {
	char *reply_to;
	char *corr_id;          /* NULL when the request had none */
	char *body;
	size_t len;
	uint64_t tag;
};

struct responder {
	const char *host, *user, *password, *queue, *reply;
	int port, echo, delay_ms, reverse, prefetch, foreign, declare_only, mandatory;
	long max;
	int count_fd;
	amqp_connection_state_t conn;
	struct held *held;
	int nheld;
	long done;
};

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "eg-responder: %s: %s\n", what, why);
	exit(1);
}

static void
check_rpc(amqp_rpc_reply_t rr, const char *what)
{
	char buf[256];

	switch (rr.reply_type) {
	case AMQP_RESPONSE_NORMAL:
		return;
	case AMQP_RESPONSE_LIBRARY_EXCEPTION:
		die(what, amqp_error_string2(rr.library_error));
		break;
	case AMQP_RESPONSE_SERVER_EXCEPTION:
		if (rr.reply.id == AMQP_CONNECTION_CLOSE_METHOD ||
		    rr.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
			const amqp_channel_close_t *m = rr.reply.decoded;

			snprintf(buf, sizeof(buf), "%u %.*s", m->reply_code,
			    (int)m->reply_text.len, (const char *)m->reply_text.bytes);
			die(what, buf);
		}
		die(what, "server exception");
		break;
	default:
		die(what, "no reply");
	}
}

static void
sleep_ms(int ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static char *
dup_bytes(amqp_bytes_t b)
{
	char *s = malloc(b.len + 1);

	if (s == NULL)
		die("malloc", strerror(errno));
	memcpy(s, b.bytes, b.len);
	s[b.len] = '\0';
	return s;
}

/* A property as text, "-" when absent. */
static void
prop(char *out, size_t n, int present, amqp_bytes_t b)
{
	if (!present)
		snprintf(out, n, "-");
	else
		snprintf(out, n, "%.*s", (int)b.len, (const char *)b.bytes);
}

/* The x-deadline header as text, "-" when absent. */
static void
deadline(char *out, size_t n, const amqp_basic_properties_t *p)
{
	const amqp_table_entry_t *e;
	int i;

	snprintf(out, n, "-");
	if (!(p->_flags & AMQP_BASIC_HEADERS_FLAG))
		return;
	for (i = 0; i < p->headers.num_entries; i++) {
		e = &p->headers.entries[i];
		if (e->key.len != 10 || memcmp(e->key.bytes, "x-deadline", 10) != 0)
			continue;
		if (e->value.kind == AMQP_FIELD_KIND_I64)
			snprintf(out, n, "%lld", (long long)e->value.value.i64);
		else
			snprintf(out, n, "kind-%c", e->value.kind);
	}
}

/*
 * One line per executed request:
 * "message_id correlation_id cmd expiration x-deadline redelivered".
 */
static void
count(struct responder *rs, const amqp_envelope_t *env)
{
	const amqp_basic_properties_t *p = &env->message.properties;
	char line[1024], msgid[128], corr[128], exp[32], dl[32], *text;
	json_object *req, *cmd;
	const char *name = "?";
	int n;

	if (rs->count_fd < 0)
		return;
	text = dup_bytes(env->message.body);
	req = json_tokener_parse(text);
	free(text);
	if (req != NULL && json_object_object_get_ex(req, "cmd", &cmd) &&
	    json_object_is_type(cmd, json_type_string))
		name = json_object_get_string(cmd);
	prop(msgid, sizeof(msgid), p->_flags & AMQP_BASIC_MESSAGE_ID_FLAG, p->message_id);
	prop(corr, sizeof(corr), p->_flags & AMQP_BASIC_CORRELATION_ID_FLAG, p->correlation_id);
	prop(exp, sizeof(exp), p->_flags & AMQP_BASIC_EXPIRATION_FLAG, p->expiration);
	deadline(dl, sizeof(dl), p);
	n = snprintf(line, sizeof(line), "%s %s %s %s %s %d\n", msgid, corr, name, exp, dl,
	    env->redelivered ? 1 : 0);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	if (write(rs->count_fd, line, (size_t)n) != n)
		die("count file", strerror(errno));
	json_object_put(req);
}

static void
publish(struct responder *rs, const char *reply_to, const char *corr_id, const char *body,
    size_t len)
{
	amqp_basic_properties_t p;
	amqp_bytes_t b;
	int st;

	memset(&p, 0, sizeof(p));
	p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
	p.content_type = amqp_cstring_bytes("application/json");
	p.delivery_mode = 1;
	if (corr_id != NULL) {
		p._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
		p.correlation_id = amqp_cstring_bytes(corr_id);
	}
	b.bytes = (void *)(uintptr_t)body;
	b.len = len;
	st = amqp_basic_publish(rs->conn, CHANNEL, amqp_empty_bytes, amqp_cstring_bytes(reply_to),
	    rs->mandatory, 0, &p, b);
	if (st != AMQP_STATUS_OK)
		die("publish", amqp_error_string2(st));
}

static void
answer(struct responder *rs, const struct held *h)
{
	char foreign[300], *echo = NULL;
	const char *body = rs->reply;
	size_t len = strlen(rs->reply);
	static const char foreign_body[] = "{\"error\": \"reply with a foreign correlation id\"}";

	sleep_ms(rs->delay_ms);
	if (rs->foreign) {
		snprintf(foreign, sizeof(foreign), "foreign-%s", h->corr_id ? h->corr_id : "none");
		publish(rs, h->reply_to, foreign, foreign_body, sizeof(foreign_body) - 1);
	}
	if (rs->echo) {
		len = strlen("{\"echo\": ") + h->len + strlen(ECHO_TAIL);
		if ((echo = malloc(len + 1)) == NULL)
			die("malloc", strerror(errno));
		snprintf(echo, len + 1, "{\"echo\": %.*s%s", (int)h->len, h->body, ECHO_TAIL);
		body = echo;
	}
	publish(rs, h->reply_to, h->corr_id, body, len);
	/* Acked only after the reply is with the broker, like the gate. */
	if (amqp_basic_ack(rs->conn, CHANNEL, h->tag, 0) != AMQP_STATUS_OK)
		die("ack", "failed");
	free(echo);
	rs->done++;
}

static void
held_free(struct held *h)
{
	free(h->reply_to);
	free(h->corr_id);
	free(h->body);
}

static void
flush_held(struct responder *rs)
{
	while (rs->nheld > 0) {
		rs->nheld--;
		answer(rs, &rs->held[rs->nheld]);
		held_free(&rs->held[rs->nheld]);
	}
}

static void
handle(struct responder *rs, const amqp_envelope_t *env)
{
	const amqp_basic_properties_t *p = &env->message.properties;
	struct held h;

	count(rs, env);
	if (!(p->_flags & AMQP_BASIC_REPLY_TO_FLAG)) {
		amqp_basic_ack(rs->conn, CHANNEL, env->delivery_tag, 0);
		rs->done++;
		return;
	}
	h.reply_to = dup_bytes(p->reply_to);
	h.corr_id = (p->_flags & AMQP_BASIC_CORRELATION_ID_FLAG) ? dup_bytes(p->correlation_id) :
	    NULL;
	h.body = dup_bytes(env->message.body);
	h.len = env->message.body.len;
	h.tag = env->delivery_tag;
	if (rs->reverse > 1) {
		rs->held[rs->nheld++] = h;
		if (rs->nheld == rs->reverse)
			flush_held(rs);
		return;
	}
	answer(rs, &h);
	held_free(&h);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: eg-responder [-H host] [-p port] [-u user] [-P password] [-q queue]\n"
	    "         [--reply JSON | --echo] [--delay MS] [--reverse N] [--prefetch N]\n"
	    "         [--count-file FILE] [--foreign] [--max N] [--declare-only] [--mandatory]\n"
	    "  host/port default to $AMQP_HOST/$AMQP_PORT, then 127.0.0.1:5672\n");
	exit(64);
}

static void
connect_broker(struct responder *rs)
{
	amqp_socket_t *sock;
	struct timeval tv = { 10, 0 };
	int st;

	if ((rs->conn = amqp_new_connection()) == NULL ||
	    (sock = amqp_tcp_socket_new(rs->conn)) == NULL)
		die("connect", "out of memory");
	if ((st = amqp_socket_open_noblock(sock, rs->host, rs->port, &tv)) != AMQP_STATUS_OK)
		die("connect", amqp_error_string2(st));
	check_rpc(amqp_login(rs->conn, "/", 0, AMQP_DEFAULT_FRAME_SIZE, 0, AMQP_SASL_METHOD_PLAIN,
	    rs->user, rs->password), "login");
	amqp_channel_open(rs->conn, CHANNEL);
	check_rpc(amqp_get_rpc_reply(rs->conn), "channel");
	/* The gate's declaration (and the reference's): not durable, shared, kept. */
	amqp_queue_declare(rs->conn, CHANNEL, amqp_cstring_bytes(rs->queue), 0, 0, 0, 0,
	    amqp_empty_table);
	check_rpc(amqp_get_rpc_reply(rs->conn), "queue.declare");
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reply", required_argument, NULL, 'r' },
		{ "echo", no_argument, NULL, 'e' },
		{ "delay", required_argument, NULL, 'd' },
		{ "reverse", required_argument, NULL, 'R' },
		{ "prefetch", required_argument, NULL, 'f' },
		{ "count-file", required_argument, NULL, 'c' },
		{ "foreign", no_argument, NULL, 'F' },
		{ "max", required_argument, NULL, 'm' },
		{ "declare-only", no_argument, NULL, 'D' },
		{ "mandatory", no_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 }
	};
	struct responder rs;
	amqp_envelope_t env;
	amqp_rpc_reply_t rr;
	amqp_frame_t frame;
	struct timeval tv;
	const char *env_port;
	int ch;

	memset(&rs, 0, sizeof(rs));
	rs.host = getenv("AMQP_HOST") != NULL ? getenv("AMQP_HOST") : "127.0.0.1";
	env_port = getenv("AMQP_PORT");
	rs.port = env_port != NULL ? atoi(env_port) : 5672;
	rs.user = "guest";
	rs.password = "guest";
	rs.queue = "epp_messages";
	rs.reply = DEFAULT_REPLY;
	rs.prefetch = 100;
	rs.count_fd = -1;
	while ((ch = getopt_long(argc, argv, "H:p:u:P:q:", opts, NULL)) != -1) {
		switch (ch) {
		case 'H': rs.host = optarg; break;
		case 'p': rs.port = atoi(optarg); break;
		case 'u': rs.user = optarg; break;
		case 'P': rs.password = optarg; break;
		case 'q': rs.queue = optarg; break;
		case 'r': rs.reply = optarg; break;
		case 'e': rs.echo = 1; break;
		case 'd': rs.delay_ms = atoi(optarg); break;
		case 'R': rs.reverse = atoi(optarg); break;
		case 'f': rs.prefetch = atoi(optarg); break;
		case 'F': rs.foreign = 1; break;
		case 'm': rs.max = atol(optarg); break;
		case 'D': rs.declare_only = 1; break;
		case 'M': rs.mandatory = 1; break;   /* publish replies as the gate does */
		case 'c':
			rs.count_fd = open(optarg, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
			if (rs.count_fd < 0)
				die(optarg, strerror(errno));
			break;
		default:
			usage();
		}
	}
	if (optind != argc || rs.port <= 0 || rs.prefetch < 0 || rs.reverse < 0)
		usage();
	if (rs.reverse > rs.prefetch)
		rs.prefetch = rs.reverse;   /* otherwise the broker never sends a full batch */
	if (rs.reverse > 1 && (rs.held = calloc((size_t)rs.reverse, sizeof(*rs.held))) == NULL)
		die("malloc", strerror(errno));

	connect_broker(&rs);
	if (rs.declare_only)
		goto done;
	amqp_basic_qos(rs.conn, CHANNEL, 0, (uint16_t)(rs.prefetch > 65535 ? 65535 : rs.prefetch),
	    0);
	check_rpc(amqp_get_rpc_reply(rs.conn), "basic.qos");
	amqp_basic_consume(rs.conn, CHANNEL, amqp_cstring_bytes(rs.queue), amqp_empty_bytes, 0, 0,
	    0, amqp_empty_table);
	check_rpc(amqp_get_rpc_reply(rs.conn), "basic.consume");
	printf("ready\n");
	fflush(stdout);

	while (rs.max == 0 || rs.done < rs.max) {
		/* Held requests go out once the queue has been quiet for a moment. */
		tv.tv_sec = rs.nheld > 0 ? 0 : 1;
		tv.tv_usec = rs.nheld > 0 ? 200000 : 0;
		amqp_maybe_release_buffers(rs.conn);
		rr = amqp_consume_message(rs.conn, &env, &tv, 0);
		if (rr.reply_type == AMQP_RESPONSE_NORMAL) {
			handle(&rs, &env);
			amqp_destroy_envelope(&env);
			continue;
		}
		if (rr.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
		    rr.library_error == AMQP_STATUS_TIMEOUT) {
			flush_held(&rs);
			continue;
		}
		if (rr.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
		    rr.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
			if (amqp_simple_wait_frame(rs.conn, &frame) != AMQP_STATUS_OK)
				die("read", "connection lost");
			if (frame.frame_type == AMQP_FRAME_METHOD &&
			    (frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD ||
			    frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD))
				die("read", "the broker closed the connection");
			continue;
		}
		check_rpc(rr, "consume");
		die("consume", "connection lost");
	}
	flush_held(&rs);
done:
	amqp_connection_close(rs.conn, AMQP_REPLY_SUCCESS);
	amqp_destroy_connection(rs.conn);
	free(rs.held);
	if (rs.count_fd >= 0)
		close(rs.count_fd);
	return 0;
}
