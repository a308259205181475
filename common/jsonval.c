/* SPDX-License-Identifier: MIT */
/* jsonval.c - facts about JSON values shared by the gate and the client library. */
#include "jsonval.h"

int
eg_json_truthy(json_object *v)
{
	if (v == NULL)
		return 0;
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		return json_object_get_boolean(v) ? 1 : 0;
	case json_type_int:
		return json_object_get_int64(v) != 0;
	case json_type_double:
		return json_object_get_double(v) != 0.0;
	case json_type_string:
		return json_object_get_string_len(v) > 0;
	case json_type_array:
		return json_object_array_length(v) > 0;
	case json_type_object:
		return json_object_object_length(v) > 0;
	case json_type_null:
		return 0;
	}
	return 0;
}
