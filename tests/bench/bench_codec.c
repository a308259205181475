/* SPDX-License-Identifier: MIT */
/*
 * bench_codec - throughput of the EPP codec.
 *
 *   bench_codec [anchor_vectors.json [seconds [case...]]]
 *
 * Each case converts its documents round-robin for a fixed time and reports
 * documents/s and MB/s (of input), one figure per line, then one JSON line
 * with every figure: {"x2j_docs_per_s": .., "x2j_mb_per_s": .., ...}. Time is
 * this thread's CPU time, so that other work on the machine does not count as
 * the codec's; it is split into five rounds that visit every case in turn, and
 * each case's best round counts (caches and memory bandwidth are shared too),
 * with the cases compared in pairs (json-c objects against the text writer)
 * next to each other. Then the speed-up of each pair, also in the JSON line
 * ("x2j_text_speedup": ..).
 *
 * Naming cases on the command line runs only those (for counting allocations
 * under valgrind: a seconds of 0.000001 makes one pass over the documents).
 *
 * To add a case (JSON to XML, say): give struct inputs the documents it needs,
 * fill them in load_inputs(), and add a row to the cases table; its key
 * prefixes the JSON figures.
 */
#include <libxml/parser.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "../unit/tap.h"
#include "epp_cmd.h"
#include "epp_resp.h"
#include "xml2json.h"
#include "xmlsafe.h"

struct doc {
	const char *data;
	size_t len;
	xmlDocPtr tree;                 /* parsed once, for the cases that start from a tree */
};

struct docset {
	struct doc *v;
	size_t n;
	size_t bytes;
};

/* Everything the cases read; owned here, released by free_inputs(). */
struct inputs {
	json_object *vectors;           /* the anchor vectors, parsed */
	struct docset responses;        /* every xml_response that is EPP XML */
	struct docset large;            /* one synthetic domain info of ~100 KB */
	struct buf large_xml;
	struct docset requests;         /* every json_request the builders accept, as text */
	struct buf request_text;        /* their texts, NUL-separated */
};

struct bench_case {
	const char *key;        /* prefix of the JSON figures */
	const char *label;
	const struct docset *(*docs)(const struct inputs *);
	int (*one)(const struct doc *);  /* processes one document; -1 on failure */
	const char *versus;     /* key of the case this one is compared with, or NULL */
};

struct result {
	double docs_per_s;
	double mb_per_s;
	double us_per_doc;
	int ran;
};

/* Kept from one document to the next, as a gate's session keeps them. */
static struct eg_xml_parser *kept_parser;
static struct buf kept_out;
static struct epp_facts kept_facts;

static int
run_x2j(const struct doc *d)
{
	struct eg_err err;
	json_object *o;
	size_t n = 0;

	if ((o = x2j_convert(d->data, d->len, NULL, &err)) == NULL)
		return -1;
	/* the gate sends the JSON text, so producing it is part of the cost */
	if (x2j_to_string(o, &n) == NULL || n == 0) {
		json_object_put(o);
		return -1;
	}
	json_object_put(o);
	return 0;
}

/* The same JSON text written straight from the tree (no json-c objects), into one
 * buffer kept across documents. */
static int
run_x2j_text(const struct doc *d)
{
	struct eg_err err;

	buf_reset(&kept_out);
	if (x2j_write(d->data, d->len, NULL, &kept_out, NULL, &err) == -1 || kept_out.len == 0)
		return -1;
	return 0;
}

/* Only the conversion, from a parsed tree: json-c objects and their text. */
static int
run_tree(const struct doc *d)
{
	struct eg_err err;
	json_object *o;
	size_t n = 0;

	if ((o = x2j_convert_doc(d->tree, NULL, &err)) == NULL)
		return -1;
	if (x2j_to_string(o, &n) == NULL || n == 0) {
		json_object_put(o);
		return -1;
	}
	json_object_put(o);
	return 0;
}

static int
run_tree_text(const struct doc *d)
{
	struct eg_err err;

	buf_reset(&kept_out);
	if (x2j_write_doc(d->tree, NULL, &kept_out, NULL, &err) == -1 || kept_out.len == 0)
		return -1;
	return 0;
}

/*
 * What the gate does with a reply today (gate/session.c, gate/job.c): a parser
 * kept by the session, the json-c object, the result code and clTRID read from
 * it, and the text copied into the job's own allocation.
 */
static int
run_reply(const struct doc *d)
{
	struct eg_err err;
	json_object *o;
	const char *text;
	size_t n = 0;
	char *copy;
	int rc = -1;

	if ((o = x2j_convert_with(kept_parser, d->data, d->len, NULL, &err)) == NULL)
		return -1;
	/* (the greeting among the vectors has no code) */
	(void)epp_resp_code(o);
	(void)epp_resp_cltrid(o);
	if ((text = x2j_to_string(o, &n)) != NULL && (copy = malloc(n + 1)) != NULL) {
		memcpy(copy, text, n + 1);
		free(copy);
		rc = 0;
	}
	json_object_put(o);
	return rc;
}

/* The same with the text writer: the facts gathered on the way, the text written
 * into a buffer the job would take over (buf_steal). */
static int
run_reply_text(const struct doc *d)
{
	struct buf out = BUF_INIT;
	struct eg_err err;
	int rc = -1;

	if (x2j_write_with(kept_parser, d->data, d->len, NULL, &out, &kept_facts, &err) == -1)
		return -1;
	(void)epp_facts_code(&kept_facts);
	(void)epp_facts_cltrid(&kept_facts);
	if (out.len > 0)
		rc = 0;
	free(buf_steal(&out));
	return rc;
}

/* JSON request text to the EPP command document the gate would send. */
static int
run_j2x(const struct doc *d)
{
	struct epp_request req;
	struct eg_err err;
	json_object *o;
	int rc = -1;

	memset(&req, 0, sizeof(req));
	if ((o = epp_request_parse(d->data, d->len, &err)) == NULL)
		return -1;
	if (epp_request_build(o, "bench-cltrid-0001", &req, &err) == 0 && req.xml_len > 0)
		rc = 0;
	epp_request_clear(&req);
	json_object_put(o);
	return rc;
}

static const struct docset *
pick_requests(const struct inputs *in)
{
	return &in->requests;
}

static const struct docset *
pick_responses(const struct inputs *in)
{
	return &in->responses;
}

static const struct docset *
pick_large(const struct inputs *in)
{
	return &in->large;
}

/* Compared pairs side by side: json-c objects, then the text writer. */
static const struct bench_case cases[] = {
	{"x2j", "XML->JSON, anchor responses", pick_responses, run_x2j, NULL},
	{"x2j_text", "XML->JSON text writer, anchor responses", pick_responses, run_x2j_text,
	    "x2j"},
	{"x2j_large", "XML->JSON, ~100 KB domain info", pick_large, run_x2j, NULL},
	{"x2j_text_large", "XML->JSON text writer, ~100 KB domain info", pick_large,
	    run_x2j_text, "x2j_large"},
	{"tree", "tree->JSON (no parse), anchor responses", pick_responses, run_tree, NULL},
	{"tree_text", "tree->JSON text writer (no parse), anchor responses", pick_responses,
	    run_tree_text, "tree"},
	{"tree_large", "tree->JSON (no parse), ~100 KB domain info", pick_large, run_tree, NULL},
	{"tree_text_large", "tree->JSON text writer (no parse), ~100 KB domain info",
	    pick_large, run_tree_text, "tree_large"},
	{"reply", "gate reply (kept parser, code, copy), anchor responses", pick_responses,
	    run_reply, NULL},
	{"reply_text", "gate reply text writer (kept parser, facts), anchor responses",
	    pick_responses, run_reply_text, "reply"},
	{"reply_large", "gate reply (kept parser, code, copy), ~100 KB domain info", pick_large,
	    run_reply, NULL},
	{"reply_text_large", "gate reply text writer (kept parser, facts), ~100 KB domain info",
	    pick_large, run_reply_text, "reply_large"},
	{"j2x", "JSON->XML, anchor requests", pick_requests, run_j2x, NULL},
};

#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* A domain info response with many name servers, statuses, contacts and DS
 * records: the largest kind of reply a registry sends for one object. */
static int
make_large(struct buf *b, size_t target)
{
	size_t i;
	int rc = 0;

	rc |= buf_puts(b, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
	    "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\" "
	    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
	    "xsi:schemaLocation=\"urn:ietf:params:xml:ns:epp-1.0 epp-1.0.xsd\">\n"
	    "  <response>\n    <result code=\"1000\">\n"
	    "      <msg lang=\"en\">Command completed successfully</msg>\n    </result>\n"
	    "    <resData>\n      <domain:infData "
	    "xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\" "
	    "xsi:schemaLocation=\"urn:ietf:params:xml:ns:domain-1.0 domain-1.0.xsd\">\n"
	    "        <domain:name>example-registrant-with-many-hosts.com</domain:name>\n"
	    "        <domain:roid>EXAMPLE1-REP</domain:roid>\n"
	    "        <domain:status s=\"ok\">Active</domain:status>\n"
	    "        <domain:status s=\"clientTransferProhibited\"/>\n"
	    "        <domain:registrant>jd1234</domain:registrant>\n"
	    "        <domain:contact type=\"admin\">sh8013</domain:contact>\n"
	    "        <domain:contact type=\"tech\">sh8013</domain:contact>\n"
	    "        <domain:contact type=\"billing\">bl0001</domain:contact>\n"
	    "        <domain:ns>\n") == -1;
	for (i = 0; b->len < target * 2 / 5 && rc == 0; i++)
		rc |= buf_printf(b, "          <domain:hostAttr><domain:hostName>ns%zu.example-"
		    "hosting-provider.net</domain:hostName><domain:hostAddr ip=\"v4\">192.0.2.%zu"
		    "</domain:hostAddr><domain:hostAddr ip=\"v6\">2001:db8::%zx</domain:hostAddr>"
		    "</domain:hostAttr>\n", i, i % 256, i) == -1;
	rc |= buf_puts(b, "        </domain:ns>\n") == -1;
	for (i = 0; b->len < target * 3 / 5 && rc == 0; i++)
		rc |= buf_printf(b, "        <domain:host>ns%zu.example-registrant-with-many-hosts"
		    ".com</domain:host>\n", i) == -1;
	rc |= buf_puts(b, "        <domain:clID>ClientX</domain:clID>\n"
	    "        <domain:crID>ClientY</domain:crID>\n"
	    "        <domain:crDate>1999-04-03T22:00:00.0Z</domain:crDate>\n"
	    "        <domain:upID>ClientX</domain:upID>\n"
	    "        <domain:upDate>1999-12-03T09:00:00.0Z</domain:upDate>\n"
	    "        <domain:exDate>2005-04-03T22:00:00.0Z</domain:exDate>\n"
	    "        <domain:trDate>2000-04-08T09:00:00.0Z</domain:trDate>\n"
	    "        <domain:authInfo><domain:pw>2fooBAR</domain:pw></domain:authInfo>\n"
	    "      </domain:infData>\n    </resData>\n    <extension>\n"
	    "      <rgp:infData xmlns:rgp=\"urn:ietf:params:xml:ns:rgp-1.0\">"
	    "<rgp:rgpStatus s=\"addPeriod\"/></rgp:infData>\n"
	    "      <secDNS:infData xmlns:secDNS=\"urn:ietf:params:xml:ns:secDNS-1.1\">\n") == -1;
	for (i = 0; b->len < target - 400 && rc == 0; i++)
		rc |= buf_printf(b, "        <secDNS:dsData><secDNS:keyTag>%zu</secDNS:keyTag>"
		    "<secDNS:alg>13</secDNS:alg><secDNS:digestType>2</secDNS:digestType>"
		    "<secDNS:digest>49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE%08zX</secDNS:digest>"
		    "</secDNS:dsData>\n", 10000 + i, i) == -1;
	rc |= buf_puts(b, "      </secDNS:infData>\n    </extension>\n    <trID>\n"
	    "      <clTRID>ABC-12345</clTRID>\n"
	    "      <svTRID>54322-XYZ</svTRID>\n    </trID>\n  </response>\n</epp>\n") == -1;
	return rc ? -1 : 0;
}

static int
add_doc(struct docset *s, const char *data, size_t len)
{
	struct doc *v;

	if ((v = realloc(s->v, (s->n + 1) * sizeof(*v))) == NULL)
		return -1;
	s->v = v;
	s->v[s->n].data = data;
	s->v[s->n].len = len;
	s->v[s->n].tree = NULL;
	s->n++;
	s->bytes += len;
	return 0;
}

static void
free_trees(struct docset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].tree != NULL)
			xmlFreeDoc(s->v[i].tree);
}

static void
free_inputs(struct inputs *in)
{
	free_trees(&in->responses);
	free_trees(&in->large);
	json_object_put(in->vectors);
	free(in->responses.v);
	free(in->large.v);
	buf_clear(&in->large_xml);
	free(in->requests.v);
	buf_clear(&in->request_text);
}

/* Parses every document of s once for the cases that start from a tree, and checks
 * that both paths give the same text for it: the figures compare equal work. */
static int
parse_all(struct docset *s)
{
	struct eg_err err;
	json_object *o;
	const char *text;
	size_t i, n;

	for (i = 0; i < s->n; i++) {
		if ((s->v[i].tree = eg_xml_parse(s->v[i].data, s->v[i].len, 0, &err)) == NULL ||
		    (o = x2j_convert_doc(s->v[i].tree, NULL, &err)) == NULL) {
			fprintf(stderr, "bench_codec: document %zu: %s\n", i, err.msg);
			return -1;
		}
		text = x2j_to_string(o, &n);
		buf_reset(&kept_out);
		if (x2j_write_doc(s->v[i].tree, NULL, &kept_out, NULL, &err) == -1 ||
		    kept_out.len != n || memcmp(kept_out.data, text, n) != 0) {
			fprintf(stderr, "bench_codec: document %zu: the text writer differs\n", i);
			json_object_put(o);
			return -1;
		}
		json_object_put(o);
	}
	return 0;
}

static int
load_inputs(struct inputs *in, const char *path)
{
	json_object *vec, *xml;
	struct doc d;
	size_t i, n, len;
	char *data;

	if ((data = tap_slurp(path, &len)) == NULL) {
		fprintf(stderr, "bench_codec: cannot read %s\n", path);
		return -1;
	}
	in->vectors = json_tokener_parse(data);
	free(data);
	if (!json_object_is_type(in->vectors, json_type_array)) {
		fprintf(stderr, "bench_codec: %s is not a JSON array\n", path);
		return -1;
	}
	n = json_object_array_length(in->vectors);
	/* Requests first, into one buffer that does not move afterwards. */
	for (i = 0; i < n; i++) {
		json_object *jr;
		const char *text;

		vec = json_object_array_get_idx(in->vectors, i);
		if (!json_object_object_get_ex(vec, "json_request", &jr) || jr == NULL)
			continue;
		text = json_object_to_json_string_ext(jr, JSON_C_TO_STRING_PLAIN);
		d.data = text;
		d.len = strlen(text);
		/* the reference's own domain_update vector carries a key tag the schema forbids */
		if (run_j2x(&d) == -1)
			continue;
		if (buf_append(&in->request_text, text, d.len + 1) == -1)
			return -1;
	}
	for (i = 0; i < in->request_text.len; i += strlen(in->request_text.data + i) + 1)
		if (add_doc(&in->requests, in->request_text.data + i,
		    strlen(in->request_text.data + i)) == -1)
			return -1;
	for (i = 0; i < n; i++) {
		vec = json_object_array_get_idx(in->vectors, i);
		if (!json_object_object_get_ex(vec, "xml_response", &xml) ||
		    !json_object_is_type(xml, json_type_string))
			continue;
		d.data = json_object_get_string(xml);
		d.len = (size_t)json_object_get_string_len(xml);
		/* the vectors' "bad response" is there to fail, not to be timed */
		if (run_x2j(&d) == -1)
			continue;
		if (add_doc(&in->responses, d.data, d.len) == -1)
			return -1;
	}
	if (make_large(&in->large_xml, 100 * 1024) == -1 ||
	    add_doc(&in->large, in->large_xml.data, in->large_xml.len) == -1 ||
	    run_x2j(&in->large.v[0]) == -1) {
		fprintf(stderr, "bench_codec: cannot build the large document\n");
		return -1;
	}
	if (parse_all(&in->responses) == -1 || parse_all(&in->large) == -1)
		return -1;
	return 0;
}

static int64_t
cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Runs c over its documents, whole passes at a time, until seconds have passed; keeps
 * the better of r and this round in r. */
static int
run_case(const struct bench_case *c, const struct docset *s, double seconds,
    struct result *r)
{
	int64_t t0, t, limit = (int64_t)(seconds * 1e6);
	size_t docs = 0, bytes = 0, i;

	if (s->n == 0)
		return -1;
	t0 = cpu_us();
	do {
		for (i = 0; i < s->n; i++)
			if (c->one(&s->v[i]) == -1)
				return -1;
		docs += s->n;
		bytes += s->bytes;
		t = cpu_us() - t0;
	} while (t < limit);
	if (r->ran && (double)docs * 1e6 / (double)t <= r->docs_per_s)
		return 0;
	r->docs_per_s = (double)docs * 1e6 / (double)t;
	r->mb_per_s = (double)bytes / (double)t;        /* bytes per us = MB/s */
	r->us_per_doc = (double)t / (double)docs;
	r->ran = 1;
	return 0;
}

/* The index of the case named key, or NCASES. */
static size_t
case_index(const char *key)
{
	size_t i;

	for (i = 0; i < NCASES; i++)
		if (strcmp(cases[i].key, key) == 0)
			break;
	return i;
}

#define ROUNDS 5

int
main(int argc, char **argv)
{
	struct result res[NCASES];
	int chosen[NCASES];
	struct inputs in;
	const struct docset *s;
	const char *path = argc > 1 ? argv[1] : tap_data("conformance/anchor_vectors.json");
	double seconds = argc > 2 ? atof(argv[2]) : 2.0;
	size_t i, v;
	int round, rc = 1, first;

	xmlInitParser();
	memset(&in, 0, sizeof(in));
	memset(res, 0, sizeof(res));
	epp_facts_init(&kept_facts);
	if (seconds <= 0)
		seconds = 2.0;
	for (i = 0; i < NCASES; i++)
		chosen[i] = argc <= 3;
	for (round = 3; round < argc; round++) {
		if ((i = case_index(argv[round])) == NCASES) {
			fprintf(stderr, "bench_codec: no case %s\n", argv[round]);
			goto done;
		}
		chosen[i] = 1;
	}
	if ((kept_parser = eg_xml_parser_new()) == NULL || load_inputs(&in, path) == -1)
		goto done;
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < NCASES; i++) {
			if (!chosen[i])
				continue;
			s = cases[i].docs(&in);
			if (run_case(&cases[i], s, seconds / ROUNDS, &res[i]) == -1) {
				fprintf(stderr, "bench_codec: %s failed\n", cases[i].label);
				goto done;
			}
		}
	}
	for (i = 0; i < NCASES; i++) {
		if (!chosen[i])
			continue;
		s = cases[i].docs(&in);
		printf("%s (%zu docs, %zu bytes): %.0f documents/s\n", cases[i].label, s->n,
		    s->bytes, res[i].docs_per_s);
		printf("%s (%zu docs, %zu bytes): %.2f MB/s\n", cases[i].label, s->n, s->bytes,
		    res[i].mb_per_s);
		printf("%s (%zu docs, %zu bytes): %.2f us/document\n", cases[i].label, s->n,
		    s->bytes, res[i].us_per_doc);
	}
	for (i = 0; i < NCASES; i++) {
		if (chosen[i] && cases[i].versus != NULL &&
		    (v = case_index(cases[i].versus)) < NCASES && chosen[v])
			printf("speed-up of %s over %s: %.2fx\n", cases[i].key, cases[v].key,
			    res[i].docs_per_s / res[v].docs_per_s);
	}
	printf("{");
	first = 1;
	for (i = 0; i < NCASES; i++) {
		if (!chosen[i])
			continue;
		printf("%s\"%s_docs_per_s\": %.0f, \"%s_mb_per_s\": %.2f", first ? "" : ", ",
		    cases[i].key, res[i].docs_per_s, cases[i].key, res[i].mb_per_s);
		first = 0;
		if (cases[i].versus != NULL && (v = case_index(cases[i].versus)) < NCASES &&
		    chosen[v])
			printf(", \"%s_speedup\": %.2f", cases[i].key,
			    res[i].docs_per_s / res[v].docs_per_s);
	}
	printf("}\n");
	rc = 0;
done:
	free_inputs(&in);
	eg_xml_parser_free(kept_parser);
	buf_clear(&kept_out);
	epp_facts_clear(&kept_facts);
	xmlCleanupParser();
	return rc;
}
