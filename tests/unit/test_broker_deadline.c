/* SPDX-License-Identifier: MIT */
/*
 * A request's deadline from its AMQP message (gate/deadline.h): x-deadline in every
 * AMQP type a client may send, refusals of what cannot be a deadline, timestamp +
 * expiration, and the monotonic conversion, which keeps every real deadline, however
 * far in the past or the future, off the "no deadline" value -1.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "deadline.h"
#include "tap.h"

static int64_t got;
static struct eg_err err;

static int
field(amqp_field_value_t v)
{
	got = -2;
	eg_err_clear(&err);
	return deadline_field(&v, &got, &err);
}

static amqp_field_value_t
kind(char k)
{
	amqp_field_value_t v;

	memset(&v, 0, sizeof(v));
	v.kind = (uint8_t)k;
	return v;
}

static amqp_field_value_t
str(char k, const char *s)
{
	amqp_field_value_t v = kind(k);

	v.value.bytes.bytes = (void *)(uintptr_t)s;
	v.value.bytes.len = strlen(s);
	return v;
}

/* A refusal: -1, EG_EREQUEST, a message that starts "x-deadline: " and holds want. */
static void
refused(amqp_field_value_t v, const char *want, const char *name)
{
	int rc = field(v);

	tap_ok(rc == -1 && err.code == EG_EREQUEST && strncmp(err.msg, "x-deadline: ", 12) == 0 &&
	    strstr(err.msg, want) != NULL, "%s is refused (%s)", name, err.msg);
}

static void
accepted(amqp_field_value_t v, int64_t want, const char *name)
{
	int rc = field(v);

	tap_ok(rc == 0 && got == want, "%s reads as %lld (got rc %d, %lld: %s)", name,
	    (long long)want, rc, (long long)got, rc == 0 ? "" : err.msg);
}

static void
test_types(void)
{
	const int64_t now = INT64_C(1712345678901);
	amqp_field_value_t v;

	v = kind(AMQP_FIELD_KIND_I64);
	v.value.i64 = now;
	accepted(v, now, "long (l)");
	v = kind(AMQP_FIELD_KIND_U64);
	v.value.u64 = (uint64_t)now;
	accepted(v, now, "unsigned long (L)");
	v = kind(AMQP_FIELD_KIND_I32);
	v.value.i32 = 2000000000;
	accepted(v, 2000000000, "int (I)");
	v = kind(AMQP_FIELD_KIND_U32);
	v.value.u32 = 4000000000u;
	accepted(v, 4000000000, "unsigned int (i)");
	v = kind(AMQP_FIELD_KIND_I16);
	v.value.i16 = 1234;
	accepted(v, 1234, "short (s)");
	v = kind(AMQP_FIELD_KIND_U16);
	v.value.u16 = 65535;
	accepted(v, 65535, "unsigned short (u)");
	v = kind(AMQP_FIELD_KIND_I8);
	v.value.i8 = 7;
	accepted(v, 7, "byte (b)");
	v = kind(AMQP_FIELD_KIND_U8);
	v.value.u8 = 255;
	accepted(v, 255, "unsigned byte (B)");
	v = kind(AMQP_FIELD_KIND_F64);
	v.value.f64 = (double)now + 0.75;
	accepted(v, now, "double (d), fraction dropped");
	v = kind(AMQP_FIELD_KIND_F32);
	v.value.f32 = 16777216.0f;
	accepted(v, 16777216, "float (f)");
	v = kind(AMQP_FIELD_KIND_DECIMAL);
	v.value.decimal.decimals = 2;
	v.value.decimal.value = 123456;
	accepted(v, 1234, "decimal 1234.56 (D)");
	v.value.decimal.decimals = 200;
	accepted(v, 0, "decimal with a huge scale: 0");
	v = kind(AMQP_FIELD_KIND_TIMESTAMP);
	v.value.u64 = 1712345678;
	accepted(v, INT64_C(1712345678000), "timestamp (T) counts seconds");
	accepted(str(AMQP_FIELD_KIND_UTF8, "1712345678901"), now, "string of digits (S)");
	accepted(str(AMQP_FIELD_KIND_BYTES, "1712345678901"), now, "byte string of digits (x)");
	accepted(str(AMQP_FIELD_KIND_UTF8, "9223372036854775807"), INT64_MAX, "int64 max as text");
	accepted(str(AMQP_FIELD_KIND_UTF8, "0"), 0, "\"0\" (1970: long past)");
}

static void
test_refusals(void)
{
	amqp_field_value_t v, inner;

	refused(str(AMQP_FIELD_KIND_UTF8, "soon"), "\"soon\" is not a number", "a word");
	refused(str(AMQP_FIELD_KIND_UTF8, ""), "is not a number", "an empty string");
	refused(str(AMQP_FIELD_KIND_UTF8, "-5"), "is not a number", "a signed string");
	refused(str(AMQP_FIELD_KIND_UTF8, " 17"), "is not a number", "a string with a space");
	refused(str(AMQP_FIELD_KIND_UTF8, "1712345678901.5"), "is not a number",
	    "a string with a fraction");
	refused(str(AMQP_FIELD_KIND_UTF8, "9223372036854775808"), "out of range",
	    "a string past int64");
	refused(str(AMQP_FIELD_KIND_UTF8, "abc\"\n\001defghijklmnopqrstuvwxyz0123456789"),
	    "abc???defghijklmnopqrstu...", "control characters and quotes are not echoed");
	v = kind(AMQP_FIELD_KIND_I64);
	v.value.i64 = -1;
	refused(v, "-1 is negative", "a negative long");
	v = kind(AMQP_FIELD_KIND_I32);
	v.value.i32 = -86400000;
	refused(v, "is negative", "a negative int");
	v = kind(AMQP_FIELD_KIND_I16);
	v.value.i16 = -1;
	refused(v, "is negative", "a negative short");
	v = kind(AMQP_FIELD_KIND_I8);
	v.value.i8 = -1;
	refused(v, "is negative", "a negative byte");
	v = kind(AMQP_FIELD_KIND_U64);
	v.value.u64 = UINT64_MAX;
	refused(v, "out of range", "an unsigned long past int64");
	v = kind(AMQP_FIELD_KIND_F64);
	v.value.f64 = NAN;
	refused(v, "NaN", "NaN");
	v.value.f64 = INFINITY;
	refused(v, "infinity", "infinity");
	v.value.f64 = -INFINITY;
	refused(v, "-infinity", "minus infinity");
	v.value.f64 = -0.5;
	refused(v, "negative", "a negative double");
	v.value.f64 = 1e19;
	refused(v, "out of range", "a double past int64");
	v = kind(AMQP_FIELD_KIND_F32);
	v.value.f32 = NAN;
	refused(v, "NaN", "a float NaN");
	v = kind(AMQP_FIELD_KIND_DECIMAL);
	v.value.decimal.decimals = 0;
	v.value.decimal.value = (uint32_t)-5;
	refused(v, "negative", "a negative decimal");
	v = kind(AMQP_FIELD_KIND_TIMESTAMP);
	v.value.u64 = UINT64_MAX / 2;
	refused(v, "out of range", "a timestamp past int64 milliseconds");
	v = kind(AMQP_FIELD_KIND_BOOLEAN);
	v.value.boolean = 1;
	refused(v, "boolean", "a boolean");
	inner = kind(AMQP_FIELD_KIND_I64);
	v = kind(AMQP_FIELD_KIND_TABLE);
	refused(v, "table", "a table");
	v = kind(AMQP_FIELD_KIND_ARRAY);
	v.value.array.num_entries = 1;
	v.value.array.entries = &inner;
	refused(v, "array", "an array");
	refused(kind(AMQP_FIELD_KIND_VOID), "empty value", "a void");
	refused(kind('Z'), "type 'Z'", "an unknown type");
}

static void
test_message(void)
{
	amqp_basic_properties_t p;
	amqp_table_entry_t e[2];
	int64_t w = -2;
	int rc;

	memset(&p, 0, sizeof(p));
	tap_is_int(deadline_of_message(&p, &w, &err), 0, "no headers, no timestamp: no deadline");
	p._flags = AMQP_BASIC_HEADERS_FLAG;
	e[0].key = amqp_cstring_bytes("x-other");
	e[0].value = kind(AMQP_FIELD_KIND_I64);
	e[0].value.value.i64 = 5;
	p.headers.num_entries = 1;
	p.headers.entries = e;
	tap_is_int(deadline_of_message(&p, &w, &err), 0, "other headers only: no deadline");
	e[1].key = amqp_cstring_bytes("x-deadline");
	e[1].value = str(AMQP_FIELD_KIND_UTF8, "1712345678901");
	p.headers.num_entries = 2;
	rc = deadline_of_message(&p, &w, &err);
	tap_ok(rc == 1 && w == INT64_C(1712345678901), "x-deadline as text found among others");
	/* x-deadline wins over timestamp + expiration */
	p._flags |= AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_EXPIRATION_FLAG;
	p.timestamp = 100;
	p.expiration = amqp_cstring_bytes("5000");
	rc = deadline_of_message(&p, &w, &err);
	tap_ok(rc == 1 && w == INT64_C(1712345678901), "x-deadline wins over timestamp + expiration");
	e[1].value = str(AMQP_FIELD_KIND_UTF8, "tomorrow");
	rc = deadline_of_message(&p, &w, &err);
	tap_ok(rc == -1 && err.code == EG_EREQUEST && strstr(err.msg, "x-deadline: \"tomorrow\""),
	    "a bad x-deadline is refused, not replaced by timestamp + expiration (%s)", err.msg);
	p._flags &= ~(amqp_flags_t)AMQP_BASIC_HEADERS_FLAG;
	rc = deadline_of_message(&p, &w, &err);
	tap_ok(rc == 1 && w == 105000, "timestamp (s) + expiration (ms): %lld", (long long)w);
	p.timestamp = 0;
	rc = deadline_of_message(&p, &w, &err);
	tap_ok(rc == 1 && w == 5000, "timestamp 0 is a time too (1970): %lld", (long long)w);
	p.expiration = amqp_cstring_bytes("5s");
	rc = deadline_of_message(&p, &w, &err);
	tap_ok(rc == -1 && strstr(err.msg, "expiration: \"5s\"") != NULL,
	    "an expiration that is not digits is refused (%s)", err.msg);
	p.expiration = amqp_cstring_bytes("9223372036854775807");
	p.timestamp = 1712345678;
	rc = deadline_of_message(&p, &w, &err);
	tap_ok(rc == 1 && w == INT64_MAX, "timestamp + a huge expiration saturates");
	p.timestamp = UINT64_MAX;
	rc = deadline_of_message(&p, &w, &err);
	tap_ok(rc == -1 && strstr(err.msg, "timestamp") != NULL, "a timestamp past int64 ms is "
	    "refused");
	p._flags &= ~(amqp_flags_t)AMQP_BASIC_EXPIRATION_FLAG;
	tap_is_int(deadline_of_message(&p, &w, &err), 0, "a timestamp without expiration: none");
}

static void
test_mono(void)
{
	const int64_t wall = INT64_C(1712345678901), day = INT64_C(86400000);
	int64_t m;

	/* An hour of uptime: a day ago used to become a negative monotonic time, which read
	 * as "no deadline". */
	m = deadline_mono(wall - day, wall, 3600000);
	tap_ok(m == 3600000, "a day ago maps to now, never below it (%lld)", (long long)m);
	m = deadline_mono(wall - (INT64_C(1) << 40), wall, 5);
	tap_ok(m == 5, "2^40 ms ago maps to now (%lld)", (long long)m);
	m = deadline_mono(0, wall, 0);
	tap_ok(m == 0 && m != -1, "1970 at boot maps to 0, not to -1");
	m = deadline_mono(wall, wall, 1000);
	tap_ok(m == 1000, "exactly now maps to now");
	m = deadline_mono(wall + 2500, wall, 1000);
	tap_is_int(m, 3500, "2.5 s ahead is 2.5 s ahead");
	m = deadline_mono(INT64_MAX, wall, 1000);
	tap_is_int(m, 1000 + DEADLINE_FAR_MS, "the far future is capped at 10 years");
	m = deadline_mono(INT64_MAX, -INT64_C(5000), INT64_MAX - DEADLINE_FAR_MS);
	tap_ok(m == INT64_MAX, "no overflow even with a clock before 1970");
	m = deadline_mono(wall + 1, wall, 0);
	tap_is_int(m, 1, "1 ms ahead at boot");
}

int
main(void)
{
	test_types();
	test_refusals();
	test_message();
	test_mono();
	return tap_done();
}
