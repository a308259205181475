/* SPDX-License-Identifier: MIT */
/*
 * epp-send - a small EPP client for tests and benchmarks: connects over TLS,
 * reads the greeting, optionally logs in (with the services the greeting
 * offers), sends the command documents given as files ("-": stdin), prints
 * every frame it receives on one line, and logs out.
 *
 * "@CLTRID@" in a document is replaced by a fresh clTRID on every send, and
 * the response's clTRID is checked against the one sent. Lines that start
 * with "# " are epp-send's own reports (closed by server, timeout, stats).
 *
 * Exit status: 0 every command answered (and with --wait-close: the server
 * closed), 1 usage or connection failure, 2 connection closed by the server
 * too early, 3 timeout, 4 protocol error (bad frame, not XML, wrong clTRID),
 * 5 login refused.
 */
#include <errno.h>
#include <getopt.h>
#include <libxml/parser.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_xml.h"
#include "../unit/latency.h"
#include "buf.h"
#include "clock.h"
#include "frame.h"
#include "tls.h"
#include "xmlsafe.h"

#define MAX_DOCS 64
#define MAX_URIS 32

enum { EX_OK, EX_SETUP, EX_CLOSED, EX_TIMEOUT, EX_PROTO, EX_LOGIN };

struct cfg {
	const char *host;
	char port[16];
	const char *ca, *cert, *key;
	const char *clid, *pw, *newpw;
	const char *objuris[MAX_URIS], *exturis[MAX_URIS];
	size_t nobj, next;
	int ext_none;
	int timeout_ms;
	long repeat;
	int sessions;
	int quiet, stats, sync, no_logout;
	int hold_ms, wait_close_ms;
	char *docs[MAX_DOCS];
	size_t ndocs;
	struct tls_ctx *ctx;
};

/* State shared by the session threads. */
struct shared {
	const struct cfg *cfg;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int arrived, gone;                 /* sessions at the sync point / failed before it */
	int64_t first_us, last_us;         /* command phase, over all sessions */
};

struct session {
	struct shared *sh;
	int idx;
	int rc;
	int64_t *lat;                      /* microseconds per command */
	size_t nlat, cap;
	pthread_t th;
	int running;                       /* th is to be joined */
};

static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;

/* One line on stdout per frame or report, whole even with many sessions. */
static void
say(const struct cfg *c, int idx, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
say(const struct cfg *c, int idx, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&out_mu);
	if (c->sessions > 1)
		printf("[%d] ", idx);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	pthread_mutex_unlock(&out_mu);
}

static void
print_frame(const struct cfg *c, int idx, const char *xml, size_t len)
{
	char *line;
	size_t i;

	if (c->quiet)
		return;
	if ((line = malloc(len + 1)) == NULL)
		return;
	for (i = 0; i < len; i++)
		line[i] = xml[i] == '\n' || xml[i] == '\r' || xml[i] == '\0' ? ' ' : xml[i];
	line[len] = '\0';
	say(c, idx, "%s", line);
	free(line);
}

/* 1 a frame, 0 closed by the peer, -1 timeout, -2 error (bad frame, TLS). */
static int
next_frame(struct tls_conn *t, struct frame_reader *fr, int64_t deadline, const char **xml,
    size_t *len, struct eg_err *e)
{
	char buf[16384];
	ssize_t n;
	int r;

	while ((r = frame_reader_next(fr, xml, len, e)) == 0) {
		n = tls_read(t, buf, sizeof(buf), deadline, e);
		if (n == 0) {
			eg_err_set(e, EG_EIO, "closed by server%s", frame_reader_pending(fr) ?
			    " in the middle of a frame" : "");
			return 0;
		}
		if (n < 0)
			return e->code == EG_ETIMEOUT ? -1 : -2;
		if (frame_reader_feed(fr, buf, (size_t)n, e) == -1)
			break;
	}
	if (r == 1)
		return 1;
	eg_err_prefix(e, "bad frame: ");
	return -2;
}

static int
send_doc(struct tls_conn *t, const char *xml, size_t len, int timeout_ms, struct eg_err *e)
{
	struct buf f = BUF_INIT;
	int rc;

	rc = frame_pack(&f, xml, len, 0, e);
	if (rc == 0)
		rc = tls_write(t, f.data, f.len, eg_now_ms() + timeout_ms, e);
	buf_clear(&f);
	return rc;
}

/* The text of the first <NAME>...</NAME> (any prefix) in xml, or "". */
static void
find_elem(const char *xml, size_t len, const char *name, char *out, size_t cap)
{
	char open[64];
	const char *p, *end = xml + len, *q;
	size_t n;

	out[0] = '\0';
	snprintf(open, sizeof(open), "%s>", name);
	for (p = xml; (p = memmem(p, (size_t)(end - p), open, strlen(open))) != NULL; p++) {
		/* "clTRID>" preceded by '<' or ':' and that by '<...' (an opening tag) */
		if (p == xml || (p[-1] != '<' && p[-1] != ':'))
			continue;
		for (q = p - 1; q > xml && *q != '<'; q--)
			;
		if (q[1] == '/')
			continue;
		p += strlen(open);
		for (n = 0; p + n < end && p[n] != '<' && n + 1 < cap; n++)
			out[n] = p[n];
		out[n] = '\0';
		return;
	}
}

static int
result_code(const char *xml, size_t len)
{
	const char *p = memmem(xml, len, "<result code=\"", 14);

	return p != NULL ? atoi(p + 14) : -1;
}

/* Checks a response: XML-looking, and the clTRID that was sent. 0 or EX_PROTO. */
static int
check_reply(const struct cfg *c, int idx, const char *sent, const char *xml, size_t len)
{
	char want[80], got[80];
	size_t i = 0;

	while (i < len && (xml[i] == ' ' || xml[i] == '\n' || xml[i] == '\r' || xml[i] == '\t'))
		i++;
	if (i == len || xml[i] != '<' || (result_code(xml, len) < 0 &&
	    memmem(xml, len, "<greeting>", 10) == NULL)) {
		say(c, idx, "# not an EPP response (%zu bytes)", len);
		return EX_PROTO;
	}
	if (result_code(xml, len) < 0)
		return EX_OK;      /* a greeting (the answer to <hello/>) has no clTRID */
	find_elem(sent, strlen(sent), "clTRID", want, sizeof(want));
	find_elem(xml, len, "clTRID", got, sizeof(got));
	if (strcmp(want, got) != 0) {
		say(c, idx, "# clTRID mismatch: sent '%s', got '%s'", want, got);
		return EX_PROTO;
	}
	return EX_OK;
}

static void
xml_escape(struct buf *b, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&': buf_puts(b, "&amp;"); break;
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		default: buf_append(b, s, 1); break;
		}
	}
}

/* The login document: services from the options, else those the greeting offers. */
static int
build_login(const struct cfg *c, const char *greeting, size_t glen, int idx, struct buf *b)
{
	struct eg_err e;
	xmlDocPtr g = eg_xml_parse(greeting, glen, 0, &e);
	xmlNodePtr menu, u;
	char uri[512];
	size_t i;

	if (g == NULL)
		return -1;
	menu = sx_child(sx_child(xmlDocGetRootElement(g), SX_NS_EPP, "greeting"), SX_NS_EPP,
	    "svcMenu");
	buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><epp xmlns=\"" SX_NS_EPP "\">"
	    "<command><login><clID>");
	xml_escape(b, c->clid);
	buf_puts(b, "</clID><pw>");
	xml_escape(b, c->pw);
	buf_puts(b, "</pw>");
	if (c->newpw != NULL) {
		buf_puts(b, "<newPW>");
		xml_escape(b, c->newpw);
		buf_puts(b, "</newPW>");
	}
	buf_puts(b, "<options><version>1.0</version><lang>en</lang></options><svcs>");
	if (c->nobj > 0) {
		for (i = 0; i < c->nobj; i++) {
			buf_puts(b, "<objURI>");
			xml_escape(b, c->objuris[i]);
			buf_puts(b, "</objURI>");
		}
	} else {
		for (u = sx_child(menu, SX_NS_EPP, "objURI"); u; u = sx_next(u, SX_NS_EPP, "objURI")) {
			sx_text(u, uri, sizeof(uri));
			buf_printf(b, "<objURI>%s</objURI>", uri);
		}
	}
	if (c->next > 0) {
		buf_puts(b, "<svcExtension>");
		for (i = 0; i < c->next; i++) {
			buf_puts(b, "<extURI>");
			xml_escape(b, c->exturis[i]);
			buf_puts(b, "</extURI>");
		}
		buf_puts(b, "</svcExtension>");
	} else if (!c->ext_none &&
	    (u = sx_child(sx_child(menu, SX_NS_EPP, "svcExtension"), SX_NS_EPP, "extURI"))) {
		buf_puts(b, "<svcExtension>");
		for (; u != NULL; u = sx_next(u, SX_NS_EPP, "extURI")) {
			sx_text(u, uri, sizeof(uri));
			buf_printf(b, "<extURI>%s</extURI>", uri);
		}
		buf_puts(b, "</svcExtension>");
	}
	buf_printf(b, "</svcs></login><clTRID>es%ld-%d-login</clTRID></command></epp>",
	    (long)getpid(), idx);
	xmlFreeDoc(g);
	return 0;
}

/* Copies doc into b with every "@CLTRID@" replaced by id. */
static void
substitute(struct buf *b, const char *doc, const char *id)
{
	const char *p;

	buf_reset(b);
	while ((p = strstr(doc, "@CLTRID@")) != NULL) {
		buf_append(b, doc, (size_t)(p - doc));
		buf_puts(b, id);
		doc = p + 8;
	}
	buf_puts(b, doc);
}

static void
record(struct session *s, int64_t us)
{
	int64_t *v;

	if (s->nlat == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		if ((v = realloc(s->lat, s->cap * sizeof(*v))) == NULL)
			return;
		s->lat = v;
	}
	s->lat[s->nlat++] = us;
}

/* Waits until every session has logged in (or given up); 0, or -1 after 60 s. */
static int
sync_point(struct shared *sh, int failed)
{
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 60;
	pthread_mutex_lock(&sh->mu);
	if (failed)
		sh->gone++;
	else
		sh->arrived++;
	pthread_cond_broadcast(&sh->cv);
	while (!failed && sh->arrived + sh->gone < sh->cfg->sessions && rc == 0)
		rc = pthread_cond_timedwait(&sh->cv, &sh->mu, &until);
	pthread_mutex_unlock(&sh->mu);
	return rc == 0 ? 0 : -1;
}

/* Maps next_frame's -1/-2/0 to an exit status, reporting it. */
static int
failure(const struct cfg *c, int idx, int r, const struct eg_err *e)
{
	if (r == 0) {
		say(c, idx, "# %s", e->msg);
		return EX_CLOSED;
	}
	if (r == -1) {
		say(c, idx, "# timeout after %d ms", c->timeout_ms);
		return EX_TIMEOUT;
	}
	say(c, idx, "# error: %s", e->msg);
	return EX_PROTO;
}

static void
wait_for_close(const struct cfg *c, int idx, struct tls_conn *t, struct frame_reader *fr,
    struct session *s)
{
	int ms = c->wait_close_ms > 0 ? c->wait_close_ms : c->hold_ms;
	int64_t start = eg_now_ms();
	const char *xml;
	size_t len;
	struct eg_err e;
	int r;

	for (;;) {
		r = next_frame(t, fr, start + ms, &xml, &len, &e);
		if (r == 1) {
			print_frame(c, idx, xml, len);
			continue;
		}
		if (r == -1) {
			if (c->wait_close_ms > 0) {
				say(c, idx, "# still open after %d ms", ms);
				s->rc = EX_TIMEOUT;
			}
			return;
		}
		say(c, idx, "# closed by server after %lld ms", (long long)(eg_now_ms() - start));
		return;
	}
}

static void *
run_session(void *arg)
{
	struct session *s = arg;
	struct shared *sh = s->sh;
	const struct cfg *c = sh->cfg;
	struct frame_reader fr;
	struct tls_conn *t;
	struct buf out = BUF_INIT;
	struct eg_err e = {EG_OK, ""};
	const char *xml;
	char id[64];
	size_t len, d;
	int64_t t0, t1;
	long rep;
	int r, code, logged_in = 0, synced = 0;

	frame_reader_init(&fr, 0);
	if ((t = tls_connect(c->ctx, c->host, c->port, NULL, c->timeout_ms, &e)) == NULL) {
		say(c, s->idx, "# error: %s", e.msg);
		s->rc = EX_SETUP;
		goto out;
	}
	if ((r = next_frame(t, &fr, eg_now_ms() + c->timeout_ms, &xml, &len, &e)) != 1) {
		s->rc = failure(c, s->idx, r, &e);
		goto out;
	}
	print_frame(c, s->idx, xml, len);
	if (c->clid != NULL) {
		if (build_login(c, xml, len, s->idx, &out) == -1) {
			say(c, s->idx, "# the greeting is not XML");
			s->rc = EX_PROTO;
			goto out;
		}
		if (send_doc(t, out.data, out.len, c->timeout_ms, &e) == -1) {
			s->rc = failure(c, s->idx, e.code == EG_ETIMEOUT ? -1 : 0, &e);
			goto out;
		}
		if ((r = next_frame(t, &fr, eg_now_ms() + c->timeout_ms, &xml, &len, &e)) != 1) {
			s->rc = failure(c, s->idx, r, &e);
			goto out;
		}
		print_frame(c, s->idx, xml, len);
		if ((code = result_code(xml, len)) != 1000) {
			say(c, s->idx, "# login failed: %d", code);
			s->rc = EX_LOGIN;
			goto out;
		}
		logged_in = 1;
	}
	if (c->sync) {
		synced = 1;
		if (sync_point(sh, 0) == -1) {
			say(c, s->idx, "# the other sessions did not come");
			s->rc = EX_TIMEOUT;
			goto out;
		}
	}
	for (rep = 0; rep < c->repeat; rep++)
		for (d = 0; d < c->ndocs; d++) {
			snprintf(id, sizeof(id), "es%ld-%d-%ld-%zu", (long)getpid(), s->idx, rep, d);
			substitute(&out, c->docs[d], id);
			t0 = eg_now_us();
			if (send_doc(t, out.data, out.len, c->timeout_ms, &e) == -1) {
				s->rc = failure(c, s->idx, e.code == EG_ETIMEOUT ? -1 : 0, &e);
				goto out;
			}
			r = next_frame(t, &fr, eg_now_ms() + c->timeout_ms, &xml, &len, &e);
			t1 = eg_now_us();
			if (r != 1) {
				s->rc = failure(c, s->idx, r, &e);
				goto out;
			}
			record(s, t1 - t0);
			pthread_mutex_lock(&sh->mu);
			if (sh->first_us == 0 || t0 < sh->first_us)
				sh->first_us = t0;
			if (t1 > sh->last_us)
				sh->last_us = t1;
			pthread_mutex_unlock(&sh->mu);
			print_frame(c, s->idx, xml, len);
			if ((s->rc = check_reply(c, s->idx, out.data, xml, len)) != EX_OK)
				goto out;
		}
	if (logged_in && !c->no_logout && c->hold_ms == 0 && c->wait_close_ms == 0) {
		substitute(&out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><epp xmlns=\""
		    SX_NS_EPP "\"><command><logout/><clTRID>@CLTRID@</clTRID></command></epp>", "logout");
		if (send_doc(t, out.data, out.len, c->timeout_ms, &e) == 0 &&
		    next_frame(t, &fr, eg_now_ms() + c->timeout_ms, &xml, &len, &e) == 1)
			print_frame(c, s->idx, xml, len);
	}
	if (c->hold_ms > 0 || c->wait_close_ms > 0)
		wait_for_close(c, s->idx, t, &fr, s);
out:
	if (c->sync && !synced)
		sync_point(sh, 1);
	tls_close(t);
	frame_reader_clear(&fr);
	buf_clear(&out);
	return NULL;
}

static char *
slurp(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	if (f != stdin)
		fclose(f);
	if (b.data == NULL)
		buf_append(&b, "", 0);
	return buf_steal(&b);
}

static void
print_stats(struct session *ss, int n, const struct shared *sh)
{
	size_t total = 0, k = 0, i;
	int64_t *all;
	double secs;
	int j;

	for (j = 0; j < n; j++)
		total += ss[j].nlat;
	if (total == 0 || (all = malloc(total * sizeof(*all))) == NULL) {
		printf("# stats: no commands answered\n");
		return;
	}
	for (j = 0; j < n; j++)
		for (i = 0; i < ss[j].nlat; i++)
			all[k++] = ss[j].lat[i];
	lat_sort(all, total);
	secs = (double)(sh->last_us - sh->first_us) / 1e6;
	printf("# stats: commands=%zu sessions=%d median_ms=%.3f p90_ms=%.3f p99_ms=%.3f "
	    "max_ms=%.3f elapsed_s=%.3f rate_per_s=%.0f\n", total, n,
	    lat_pct_ms(all, total, .5), lat_pct_ms(all, total, .9), lat_pct_ms(all, total, .99),
	    lat_pct_ms(all, total, 1), secs,
	    secs > 0 ? (double)total / secs : 0.0);
	free(all);
}

static void
usage(FILE *f)
{
	fprintf(f,
"usage: epp-send -p PORT [options] [FILE|-]...\n"
"  -H HOST             server (default 127.0.0.1)\n"
"  -p PORT             port; --port-file FILE reads it from a file\n"
"  --ca FILE           CA that signed the server certificate (else the default store)\n"
"  --cert F --key F    client certificate\n"
"  -l CLID:PASSWORD    log in (services: those the greeting offers, or --objuri/--exturi)\n"
"  --newpw PW          change the password at login\n"
"  --objuri URI, --exturi URI|none   services for the login (repeatable)\n"
"  --no-logout         do not log out at the end\n"
"  -t MS               time limit per response (default 10000)\n"
"  -n N                send the documents N times; -c N  N sessions at once\n"
"  --sync              sessions wait for each other after login\n"
"  -q                  do not print frames; --stats  latency and rate summary\n"
"  --hold MS           after the commands, stay connected MS (reports a close)\n"
"  --wait-close MS     like --hold, but success only if the server closes\n"
"\"@CLTRID@\" in a document becomes a fresh clTRID on every send.\n");
}

static int
read_port_file(const char *path, char *port, size_t cap)
{
	char *s = slurp(path);
	int p;

	if (s == NULL)
		return -1;
	p = atoi(s);
	free(s);
	if (p <= 0 || p > 65535)
		return -1;
	snprintf(port, cap, "%d", p);
	return 0;
}

static int
parse_args(int argc, char **argv, struct cfg *c)
{
	enum { O_CA = 256, O_CERT, O_KEY, O_NEWPW, O_OBJ, O_EXT, O_NOLOGOUT, O_SYNC, O_STATS,
	    O_HOLD, O_WAITCLOSE, O_PORTFILE };
	static const struct option lo[] = {
		{"ca", required_argument, NULL, O_CA}, {"cert", required_argument, NULL, O_CERT},
		{"key", required_argument, NULL, O_KEY}, {"newpw", required_argument, NULL, O_NEWPW},
		{"objuri", required_argument, NULL, O_OBJ}, {"exturi", required_argument, NULL, O_EXT},
		{"no-logout", no_argument, NULL, O_NOLOGOUT}, {"sync", no_argument, NULL, O_SYNC},
		{"stats", no_argument, NULL, O_STATS}, {"hold", required_argument, NULL, O_HOLD},
		{"wait-close", required_argument, NULL, O_WAITCLOSE},
		{"port-file", required_argument, NULL, O_PORTFILE},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	char *colon;
	int ch;

	while ((ch = getopt_long(argc, argv, "H:p:l:t:n:c:qh", lo, NULL)) != -1) {
		switch (ch) {
		case 'H': c->host = optarg; break;
		case 'p': snprintf(c->port, sizeof(c->port), "%s", optarg); break;
		case O_PORTFILE:
			if (read_port_file(optarg, c->port, sizeof(c->port)) == -1) {
				fprintf(stderr, "epp-send: no port in %s\n", optarg);
				return -1;
			}
			break;
		case O_CA: c->ca = optarg; break;
		case O_CERT: c->cert = optarg; break;
		case O_KEY: c->key = optarg; break;
		case 'l':
			if ((colon = strchr(optarg, ':')) == NULL) {
				fprintf(stderr, "epp-send: -l wants CLID:PASSWORD\n");
				return -1;
			}
			*colon = '\0';
			c->clid = optarg;
			c->pw = colon + 1;
			break;
		case O_NEWPW: c->newpw = optarg; break;
		case O_OBJ:
			if (c->nobj < MAX_URIS)
				c->objuris[c->nobj++] = optarg;
			break;
		case O_EXT:
			if (strcmp(optarg, "none") == 0)
				c->ext_none = 1;
			else if (c->next < MAX_URIS)
				c->exturis[c->next++] = optarg;
			break;
		case O_NOLOGOUT: c->no_logout = 1; break;
		case O_SYNC: c->sync = 1; break;
		case O_STATS: c->stats = 1; break;
		case O_HOLD: c->hold_ms = atoi(optarg); break;
		case O_WAITCLOSE: c->wait_close_ms = atoi(optarg); break;
		case 't': c->timeout_ms = atoi(optarg); break;
		case 'n': c->repeat = atol(optarg); break;
		case 'c': c->sessions = atoi(optarg); break;
		case 'q': c->quiet = 1; break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (c->port[0] == '\0' || c->timeout_ms <= 0 || c->repeat < 1 || c->sessions < 1 ||
	    c->sessions > 10000) {
		usage(stderr);
		return -1;
	}
	for (; optind < argc; optind++) {
		if (c->ndocs == MAX_DOCS || (c->docs[c->ndocs++] = slurp(argv[optind])) == NULL) {
			fprintf(stderr, "epp-send: cannot read %s\n", argv[optind]);
			return -1;
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct cfg c;
	struct shared sh;
	struct session *ss = NULL;
	struct tls_opts to;
	struct eg_err e;
	size_t i;
	int j, rc = EX_OK;

	memset(&c, 0, sizeof(c));
	c.host = "127.0.0.1";
	c.timeout_ms = 10000;
	c.repeat = 1;
	c.sessions = 1;
	if (parse_args(argc, argv, &c) == -1)
		return EX_SETUP;
	signal(SIGPIPE, SIG_IGN);
	xmlInitParser();
	memset(&to, 0, sizeof(to));
	to.ca_file = c.ca;
	to.cert_file = c.cert;
	to.key_file = c.key;
	to.verify = 1;
	if ((c.ctx = tls_ctx_client(&to, &e)) == NULL) {
		fprintf(stderr, "epp-send: %s\n", e.msg);
		return EX_SETUP;
	}
	memset(&sh, 0, sizeof(sh));
	sh.cfg = &c;
	pthread_mutex_init(&sh.mu, NULL);
	pthread_cond_init(&sh.cv, NULL);
	if ((ss = calloc((size_t)c.sessions, sizeof(*ss))) == NULL)
		return EX_SETUP;
	for (j = 0; j < c.sessions; j++) {
		ss[j].sh = &sh;
		ss[j].idx = j;
		if (c.sessions == 1) {
			run_session(&ss[j]);
		} else if (pthread_create(&ss[j].th, NULL, run_session, &ss[j]) != 0) {
			say(&c, j, "# cannot start a thread");
			ss[j].rc = EX_SETUP;
			if (c.sync)
				sync_point(&sh, 1);
		} else {
			ss[j].running = 1;
		}
	}
	for (j = 0; j < c.sessions; j++)
		if (ss[j].running)
			pthread_join(ss[j].th, NULL);
	for (j = 0; j < c.sessions; j++)
		if (ss[j].rc != EX_OK && (rc == EX_OK || ss[j].rc > rc))
			rc = ss[j].rc;
	if (c.sessions > 1) {
		int ok = 0;

		for (j = 0; j < c.sessions; j++)
			ok += ss[j].rc == EX_OK;
		printf("# sessions: ok=%d failed=%d\n", ok, c.sessions - ok);
	}
	if (c.stats)
		print_stats(ss, c.sessions, &sh);
	for (j = 0; j < c.sessions; j++)
		free(ss[j].lat);
	free(ss);
	for (i = 0; i < c.ndocs; i++)
		free(c.docs[i]);
	tls_ctx_free(c.ctx);
	pthread_cond_destroy(&sh.cv);
	pthread_mutex_destroy(&sh.mu);
	xmlCleanupParser();
	return rc;
}
