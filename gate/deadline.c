/* SPDX-License-Identifier: MIT */
/* A request's deadline from its AMQP header or properties, and its monotonic form (deadline.h). */
#include "deadline.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* A client's text, quoted in a message: printable ASCII only, at most 24 characters. */
static void
excerpt(const amqp_bytes_t *s, char *out, size_t cap)
{
	const unsigned char *p = s->bytes;
	size_t i, n = 0;

	for (i = 0; i < s->len && n + 1 < cap && i < 24; i++)
		out[n++] = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' ? (char)p[i] : '?';
	if (i < s->len && n + 4 < cap) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/* A string of digits (nothing else, not empty) as a non-negative int64. 0, or -1 when it is
 * not one: *overflow tells a number too large from something that is no number. */
static int
digits(const amqp_bytes_t *s, int64_t *v, int *overflow)
{
	const unsigned char *p = s->bytes;
	int64_t n = 0;
	size_t i;

	*overflow = 0;
	if (s->len == 0)
		return -1;
	for (i = 0; i < s->len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		if (n > (INT64_MAX - (p[i] - '0')) / 10) {
			*overflow = 1;
			return -1;
		}
		n = n * 10 + (p[i] - '0');
	}
	*v = n;
	return 0;
}

static int
from_double(double x, int64_t *wall_ms, struct eg_err *err)
{
	if (isnan(x))
		return eg_err_set(err, EG_EREQUEST, "x-deadline: NaN is not a deadline");
	if (isinf(x))
		return eg_err_set(err, EG_EREQUEST, "x-deadline: %sinfinity is not a deadline",
		    x < 0 ? "-" : "");
	if (x < 0)
		return eg_err_set(err, EG_EREQUEST, "x-deadline: %g is negative", x);
	/* 2^63: the first double past int64. */
	if (x >= 9223372036854775808.0)
		return eg_err_set(err, EG_EREQUEST, "x-deadline: %g is out of range", x);
	*wall_ms = (int64_t)x;   /* truncated: a fraction of a millisecond earlier */
	return 0;
}

static int
from_signed(int64_t v, int64_t *wall_ms, struct eg_err *err)
{
	if (v < 0)
		return eg_err_set(err, EG_EREQUEST, "x-deadline: %lld is negative", (long long)v);
	*wall_ms = v;
	return 0;
}

int
deadline_field(const amqp_field_value_t *v, int64_t *wall_ms, struct eg_err *err)
{
	char text[32];
	int64_t n, scale;
	int32_t dv;
	int overflow, i;

	switch (v->kind) {
	case AMQP_FIELD_KIND_I8:
		return from_signed(v->value.i8, wall_ms, err);
	case AMQP_FIELD_KIND_I16:
		return from_signed(v->value.i16, wall_ms, err);
	case AMQP_FIELD_KIND_I32:
		return from_signed(v->value.i32, wall_ms, err);
	case AMQP_FIELD_KIND_I64:
		return from_signed(v->value.i64, wall_ms, err);
	case AMQP_FIELD_KIND_U8:
		*wall_ms = v->value.u8;
		return 0;
	case AMQP_FIELD_KIND_U16:
		*wall_ms = v->value.u16;
		return 0;
	case AMQP_FIELD_KIND_U32:
		*wall_ms = v->value.u32;
		return 0;
	case AMQP_FIELD_KIND_U64:
		if (v->value.u64 > (uint64_t)INT64_MAX)
			return eg_err_set(err, EG_EREQUEST, "x-deadline: %llu is out of range",
			    (unsigned long long)v->value.u64);
		*wall_ms = (int64_t)v->value.u64;
		return 0;
	case AMQP_FIELD_KIND_TIMESTAMP:
		/* An AMQP timestamp counts seconds. */
		if (v->value.u64 > (uint64_t)(INT64_MAX / 1000))
			return eg_err_set(err, EG_EREQUEST, "x-deadline: timestamp %llu s is out of "
			    "range", (unsigned long long)v->value.u64);
		*wall_ms = (int64_t)v->value.u64 * 1000;
		return 0;
	case AMQP_FIELD_KIND_F32:
		return from_double(v->value.f32, wall_ms, err);
	case AMQP_FIELD_KIND_F64:
		return from_double(v->value.f64, wall_ms, err);
	case AMQP_FIELD_KIND_DECIMAL:
		/* value / 10^decimals. The value is signed on the wire (RabbitMQ and its clients
		 * write a signed 32-bit integer); rabbitmq-c hands it over unsigned. */
		dv = (int32_t)v->value.decimal.value;
		if (dv < 0)
			return eg_err_set(err, EG_EREQUEST, "x-deadline: decimal %lld (scale %u) is "
			    "negative", (long long)dv, (unsigned)v->value.decimal.decimals);
		for (i = 0, scale = 1; i < v->value.decimal.decimals && scale <= INT32_MAX; i++)
			scale *= 10;
		*wall_ms = (int64_t)dv / scale;
		return 0;
	case AMQP_FIELD_KIND_UTF8:
	case AMQP_FIELD_KIND_BYTES:
		if (digits(&v->value.bytes, &n, &overflow) == -1) {
			excerpt(&v->value.bytes, text, sizeof(text));
			return eg_err_set(err, EG_EREQUEST, overflow ?
			    "x-deadline: \"%s\" is out of range" :
			    "x-deadline: \"%s\" is not a number of milliseconds since 1970 (digits "
			    "only)", text);
		}
		*wall_ms = n;
		return 0;
	case AMQP_FIELD_KIND_BOOLEAN:
		return eg_err_set(err, EG_EREQUEST, "x-deadline: a boolean is not a deadline");
	case AMQP_FIELD_KIND_TABLE:
		return eg_err_set(err, EG_EREQUEST, "x-deadline: a table is not a deadline");
	case AMQP_FIELD_KIND_ARRAY:
		return eg_err_set(err, EG_EREQUEST, "x-deadline: an array is not a deadline");
	case AMQP_FIELD_KIND_VOID:
		return eg_err_set(err, EG_EREQUEST, "x-deadline: an empty value is not a deadline");
	default:
		return eg_err_set(err, EG_EREQUEST, "x-deadline: a value of AMQP type '%c' is not "
		    "a deadline", v->kind >= 0x20 && v->kind < 0x7f ? (char)v->kind : '?');
	}
}

int
deadline_of_message(const amqp_basic_properties_t *p, int64_t *wall_ms, struct eg_err *err)
{
	static const char name[] = "x-deadline";
	const amqp_table_entry_t *e;
	char text[32];
	int64_t exp;
	int i, overflow;

	if (p->_flags & AMQP_BASIC_HEADERS_FLAG) {
		for (i = 0; i < p->headers.num_entries; i++) {
			e = &p->headers.entries[i];
			if (e->key.len == sizeof(name) - 1 && memcmp(e->key.bytes, name,
			    sizeof(name) - 1) == 0)
				return deadline_field(&e->value, wall_ms, err) == -1 ? -1 : 1;
		}
	}
	if (!(p->_flags & AMQP_BASIC_TIMESTAMP_FLAG) || !(p->_flags & AMQP_BASIC_EXPIRATION_FLAG))
		return 0;
	if (digits(&p->expiration, &exp, &overflow) == -1) {
		excerpt(&p->expiration, text, sizeof(text));
		return eg_err_set(err, EG_EREQUEST, "expiration: \"%s\" is not a number of "
		    "milliseconds", text);
	}
	if (p->timestamp > (uint64_t)(INT64_MAX / 1000))
		return eg_err_set(err, EG_EREQUEST, "timestamp: %llu s is out of range",
		    (unsigned long long)p->timestamp);
	*wall_ms = (int64_t)p->timestamp * 1000;
	*wall_ms = exp > INT64_MAX - *wall_ms ? INT64_MAX : *wall_ms + exp;
	return 1;
}

int64_t
deadline_mono(int64_t wall_ms, int64_t now_wall_ms, int64_t now_mono_ms)
{
	int64_t ahead;

	if (wall_ms <= now_wall_ms)
		return now_mono_ms;
	/* Both are positive here unless the clock reads before 1970: subtract with care. */
	if (now_wall_ms < 0 && wall_ms > INT64_MAX + now_wall_ms)
		ahead = DEADLINE_FAR_MS;
	else
		ahead = wall_ms - now_wall_ms;
	if (ahead > DEADLINE_FAR_MS)
		ahead = DEADLINE_FAR_MS;
	return now_mono_ms + ahead;
}
