/* SPDX-License-Identifier: MIT */
/*
 * The log: text lines with time, ident and pid on a file (time on by default);
 * on standard error that is the journal (JOURNAL_STREAM names fd 2's device and
 * inode) the syslog priority prefix and no time, ident or pid, and not when it
 * names another file or is malformed; JSON lines that parse whatever the message
 * holds (quotes, control characters, invalid UTF-8, more than fits); structured
 * request lines in both formats.
 */
#include <fcntl.h>
#include <json-c/json.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static char dir[256];
static int saved_stderr = -1;

static const char *
tmp(const char *name)
{
	static char path[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(path[i], sizeof(path[i]), "%s/%s", dir, name);
	return path[i];
}

/* The file's text, emptied afterwards; caller frees. */
static char *
take(const char *path)
{
	char *s = tap_slurp(path, NULL);

	if (truncate(path, 0) == -1)
		tap_diag("truncate %s failed", path);
	return s != NULL ? s : strdup("");
}

static int
matches(const char *s, const char *ere)
{
	regex_t re;
	int r;

	if (regcomp(&re, ere, REG_EXTENDED | REG_NOSUB) != 0)
		return 0;
	r = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return r;
}

/* ok when s matches ere; on failure the line is shown with its newlines escaped. */
static void
like(const char *s, const char *ere, const char *what)
{
	char shown[600];
	size_t i, n = 0;

	if (tap_ok(s != NULL && matches(s, ere), "%s", what) || s == NULL)
		return;
	for (i = 0; s[i] != '\0' && n + 3 < sizeof(shown); i++) {
		if (s[i] == '\n') {
			shown[n++] = '\\';
			shown[n++] = 'n';
		} else {
			shown[n++] = s[i];
		}
	}
	shown[n] = '\0';
	tap_diag("got: %s", shown);
}

static int
count_char(const char *s, char c)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == c;
	return n;
}

/* Points fd 2 at path (JOURNAL_STREAM names it or not, as the test sets). */
static void
stderr_to(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC, 0600);

	if (fd == -1 || dup2(fd, STDERR_FILENO) == -1)
		exit(1);
	close(fd);
}

static void
stderr_back(void)
{
	dup2(saved_stderr, STDERR_FILENO);
}

static void
set_journal_stream(const char *path)
{
	struct stat st;
	char v[64];

	if (stat(path, &st) == -1)
		exit(1);
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
}

static void
test_text_file(void)
{
	struct eg_log l;
	struct eg_err e;
	char *s, want[128];

	unsetenv("JOURNAL_STREAM");
	tap_is_int(eg_log_open(&l, "test", tmp("a.log"), EG_LOG_INFO, &e), 0, "open a file");
	tap_ok(l.timestamps == 1 && l.journal == 0 && l.format == EG_LOG_TEXT,
	    "a file: text, timestamps on by default, not the journal");
	log_info(&l, "hello %d", 42);
	log_debug(&l, "not at level info");
	s = take(tmp("a.log"));
	snprintf(want, sizeof(want), "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}"
	    "\\.[0-9]{3}Z test\\[%ld\\] info: hello 42\n$", (long)getpid());
	like(s, want, "file line: time, ident[pid], level, message");
	free(s);

	l.timestamps = 0;
	log_err(&l, "tab\there, newline\nthere, bell\a, del\x7f, bad \xff utf8, \xc3\xa9 ok");
	s = take(tmp("a.log"));
	snprintf(want, sizeof(want), "test[%ld] error: ", (long)getpid());
	tap_ok(strncmp(s, want, strlen(want)) == 0, "timestamps 0: the line starts with ident");
	tap_is_str(s + strlen(want), "tab here, newline\\nthere, bell\\x07, del\\x7f, "
	    "bad \\xff utf8, \xc3\xa9 ok\n", "control characters and invalid UTF-8 escaped, "
	    "valid UTF-8 kept");
	free(s);
	eg_log_close(&l);
}

static void
test_journal(void)
{
	static const char *const want[] = {"<3>error: e\n", "<4>warning: w\n", "<6>info: i\n",
		"<7>debug: d\n", "<7>trace: t\n"};
	struct eg_log l;
	struct eg_err e;
	char *s;
	int i, ok = 1;

	/* fd 2 is the journal's stream */
	stderr_to(tmp("journal"));
	set_journal_stream(tmp("journal"));
	eg_log_open(&l, "test", NULL, EG_LOG_TRACE, &e);
	tap_ok(eg_log_journal_fd(STDERR_FILENO), "JOURNAL_STREAM naming fd 2: the journal");
	tap_is_int(l.journal, 1, "the log sees it");
	tap_is_str(eg_log_stderr_prefix(EG_LOG_ERR), "<3>", "the prefix for messages before the "
	    "log is open");
	l.timestamps = 1;       /* even so: the journal has its own */
	for (i = EG_LOG_ERR; i <= EG_LOG_TRACE; i++) {
		eg_logf(&l, i, "%c", "ewidt"[i]);
		s = take(tmp("journal"));
		if (strcmp(s, want[i]) != 0) {
			ok = 0;
			tap_diag("level %d: got '%s', want '%s'", i, s, want[i]);
		}
		free(s);
	}
	tap_ok(ok, "one priority prefix per level: <3> <4> <6> <7> <7>; no time, ident, pid");
	l.format = EG_LOG_JSON;
	log_err(&l, "boom");
	s = take(tmp("journal"));
	like(s, "^<3>\\{\"time\":\"[^\"]+\",\"level\":\"error\",\"message\":\"boom\"\\}\n$",
	    "json under the journal: prefix, then the object without ident and pid");
	free(s);
	eg_log_close(&l);

	/* a log file while fd 2 is the journal: the file gets the full form */
	eg_log_open(&l, "test", tmp("f.log"), EG_LOG_INFO, &e);
	tap_is_int(l.journal, 0, "a log file is not the journal, whatever fd 2 is");
	log_err(&l, "to the file");
	s = take(tmp("f.log"));
	like(s, "^[0-9-]+T[0-9:.]+Z test\\[[0-9]+\\] error: to the file\n$",
	    "and its lines have time, ident and pid");
	free(s);
	eg_log_close(&l);

	/* JOURNAL_STREAM naming another file (inherited by a process whose stderr moved) */
	set_journal_stream(tmp("f.log"));
	eg_log_open(&l, "test", NULL, EG_LOG_INFO, &e);
	tap_is_int(l.journal, 0, "JOURNAL_STREAM naming another file: not the journal");
	tap_is_str(eg_log_stderr_prefix(EG_LOG_ERR), "", "and no prefix before the log is open");
	l.timestamps = 0;
	log_err(&l, "plain");
	s = take(tmp("journal"));
	like(s, "^test\\[[0-9]+\\] error: plain\n$", "no prefix, ident and pid");
	free(s);
	eg_log_close(&l);

	/* malformed values */
	{
		static const char *const bad[] = {"", "x", "1", "1:", ":2", "1:2x", "-1:2", "1:2:3",
			"99999999999999999999999:1"};
		size_t k;
		int none = 1;

		for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			setenv("JOURNAL_STREAM", bad[k], 1);
			if (eg_log_journal_fd(STDERR_FILENO)) {
				none = 0;
				tap_diag("'%s' taken for the journal", bad[k]);
			}
		}
		tap_ok(none, "malformed JOURNAL_STREAM values are not the journal");
	}
	unsetenv("JOURNAL_STREAM");
	tap_ok(!eg_log_journal_fd(STDERR_FILENO), "no JOURNAL_STREAM: not the journal");
	stderr_back();
}

/* The one JSON object of the line s (NULL when it is not exactly one object and "\n"). */
static json_object *
parse_line(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || s[n - 1] != '\n' || count_char(s, '\n') != 1)
		return NULL;
	return json_tokener_parse(s);
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void
test_json(void)
{
	struct eg_log l;
	struct eg_err e;
	json_object *o, *v;
	char *s, *big;
	const char *m;

	unsetenv("JOURNAL_STREAM");
	eg_log_open(&l, "test", tmp("j.log"), EG_LOG_INFO, &e);
	l.format = EG_LOG_JSON;
	log_warn(&l, "quote \" backslash \\ nl \n cr \r tab \t nul-less \x01 del \x7f "
	    "bad \xff cut \xc3");
	s = take(tmp("j.log"));
	o = parse_line(s);
	tap_ok(o != NULL, "a JSON line parses");
	tap_ok(matches(jstr(o, "time") ? jstr(o, "time") : "",
	    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"),
	    "time: RFC 3339 UTC with milliseconds");
	tap_is_str(jstr(o, "level"), "warning", "level");
	tap_is_str(jstr(o, "ident"), "test", "ident (not under the journal)");
	tap_ok(json_object_object_get_ex(o, "pid", &v) && json_object_get_int(v) == getpid(),
	    "pid");
	m = jstr(o, "message");
	tap_is_str(m, "quote \" backslash \\ nl \n cr \r tab \t nul-less \x01 del \x7f "
	    "bad \xef\xbf\xbd cut \xef\xbf\xbd", "message round-trips; invalid UTF-8 is U+FFFD");
	tap_ok(strstr(s, "\\u0001") != NULL && strstr(s, "\\u007f") != NULL &&
	    strstr(s, "\\ufffd") != NULL, "control characters as \\u escapes");
	json_object_put(o);
	free(s);

	log_info(&l, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xed\xa0\x80 \xc0\xaf");
	s = take(tmp("j.log"));
	o = parse_line(s);
	tap_is_str(o ? jstr(o, "message") : NULL, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd",
	    "valid UTF-8 kept; a surrogate and an overlong form replaced byte by byte");
	json_object_put(o);
	free(s);

	/* longer than a line holds: cut, still one object on one line */
	big = malloc(20000);
	memset(big, '"', 19999);
	big[19999] = '\0';
	log_info(&l, "%s", big);
	s = take(tmp("j.log"));
	o = parse_line(s);
	tap_ok(o != NULL && jstr(o, "message") != NULL && strlen(jstr(o, "message")) > 4000,
	    "an over-long message is cut and the line still parses (%zu bytes)", strlen(s));
	json_object_put(o);
	free(s);
	memset(big, 0x01, 19999);
	log_info(&l, "%s", big);
	s = take(tmp("j.log"));
	o = parse_line(s);
	tap_ok(o != NULL, "so is one of control characters (\\u escapes, %zu bytes)", strlen(s));
	json_object_put(o);
	free(s);
	l.format = EG_LOG_TEXT;
	memset(big, '\n', 19999);
	log_info(&l, "%s", big);
	s = take(tmp("j.log"));
	tap_ok(count_char(s, '\n') == 1 && s[strlen(s) - 1] == '\n',
	    "text: an over-long message of newlines is still one line");
	free(s);
	free(big);
	eg_log_close(&l);
}

static void
test_fields(void)
{
	static const char names[] = "a.example\0b.example\0c-1";
	struct eg_log_field f[] = {
		{.key = "cmd", .type = EG_LF_STR, .s = "domain_check"},
		{.key = "objects", .type = EG_LF_LIST, .s = names, .i = 3},
		{.key = "objects_more", .type = EG_LF_INT, .i = 995},
		{.key = "code", .type = EG_LF_INT, .i = 1000},
		{.key = "ms", .type = EG_LF_MS, .d = 84.25},
		{.key = "cltrid", .type = EG_LF_STR, .s = NULL},
		{.key = "correlation_id", .type = EG_LF_STR, .s = "id with \"quotes\" and \\"},
		{.key = "session", .type = EG_LF_INT, .i = 2},
		{.key = "sent", .type = EG_LF_BOOL, .i = 0},
	};
	struct eg_log_field none = {.key = "objects", .type = EG_LF_LIST, .s = "", .i = 0};
	struct eg_log l;
	struct eg_err e;
	json_object *o, *v;
	char *s;

	unsetenv("JOURNAL_STREAM");
	eg_log_open(&l, "test", tmp("r.log"), EG_LOG_INFO, &e);
	l.timestamps = 0;
	eg_log_fields(&l, EG_LOG_INFO, "request", f, sizeof(f) / sizeof(f[0]));
	eg_log_fields(&l, EG_LOG_INFO, "request", &none, 1);
	eg_log_fields(&l, EG_LOG_DEBUG, "request", f, 1);
	s = take(tmp("r.log"));
	like(s, "^test\\[[0-9]+\\] info: request cmd=domain_check "
	    "objects=a.example,b.example,c-1 objects_more=995 code=1000 ms=84.250 cltrid=- "
	    "correlation_id=\"id with \\\\\"quotes\\\\\" and \\\\\\\\\" session=2 sent=no\n"
	    "test\\[[0-9]+\\] info: request\n$",
	    "text: key=value, quoted when needed, '-' for none, an empty list left out, "
	    "below the level nothing");
	free(s);

	l.format = EG_LOG_JSON;
	eg_log_fields(&l, EG_LOG_INFO, "request", f, sizeof(f) / sizeof(f[0]));
	s = take(tmp("r.log"));
	o = parse_line(s);
	tap_ok(o != NULL, "json: parses");
	tap_is_str(jstr(o, "message"), "request", "message");
	tap_is_str(jstr(o, "cmd"), "domain_check", "cmd");
	tap_ok(json_object_object_get_ex(o, "objects", &v) &&
	    json_object_is_type(v, json_type_array) && json_object_array_length(v) == 3 &&
	    strcmp(json_object_get_string(json_object_array_get_idx(v, 2)), "c-1") == 0,
	    "objects: an array of the names");
	tap_ok(json_object_object_get_ex(o, "objects_more", &v) &&
	    json_object_is_type(v, json_type_int) && json_object_get_int(v) == 995,
	    "objects_more: a number");
	tap_ok(json_object_object_get_ex(o, "code", &v) && json_object_is_type(v, json_type_int) &&
	    json_object_get_int(v) == 1000, "code: a number");
	tap_ok(json_object_object_get_ex(o, "ms", &v) &&
	    json_object_is_type(v, json_type_double) && json_object_get_double(v) == 84.25,
	    "ms: a number");
	tap_ok(json_object_object_get_ex(o, "cltrid", &v) && v == NULL, "cltrid: null when none");
	tap_is_str(jstr(o, "correlation_id"), "id with \"quotes\" and \\", "strings escaped");
	tap_ok(json_object_object_get_ex(o, "sent", &v) &&
	    json_object_is_type(v, json_type_boolean) && !json_object_get_boolean(v),
	    "sent: a boolean");
	json_object_put(o);
	free(s);
	eg_log_fields(&l, EG_LOG_INFO, "request", &none, 1);
	s = take(tmp("r.log"));
	o = parse_line(s);
	tap_ok(o != NULL && json_object_object_get_ex(o, "objects", &v) &&
	    json_object_is_type(v, json_type_array) && json_object_array_length(v) == 0,
	    "json: an empty list is []");
	json_object_put(o);
	free(s);
	eg_log_close(&l);
}

static void
test_parse(void)
{
	tap_ok(eg_log_format_parse("text") == EG_LOG_TEXT && eg_log_format_parse("json") ==
	    EG_LOG_JSON && eg_log_format_parse("JSON") == -1 && eg_log_format_parse("") == -1,
	    "format names");
	tap_ok(eg_log_level_parse("error") == EG_LOG_ERR && eg_log_level_parse("warn") ==
	    EG_LOG_WARN && eg_log_level_parse("4") == EG_LOG_TRACE &&
	    eg_log_level_parse("loud") == -1, "level names");
	tap_ok(!eg_log_on(NULL, EG_LOG_ERR), "a NULL log discards");
}

int
main(void)
{
	char cmd[300];

	snprintf(dir, sizeof(dir), "%s/eg-log.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") :
	    "/tmp");
	if (mkdtemp(dir) == NULL || (saved_stderr = dup(STDERR_FILENO)) == -1)
		return 1;
	test_text_file();
	test_journal();
	test_json();
	test_fields();
	test_parse();
	close(saved_stderr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("could not remove %s", dir);
	return tap_done();
}
