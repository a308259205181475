/* SPDX-License-Identifier: MIT */
/*
 * jsonval.h - small facts about JSON values that the gate and the client
 * library must read alike. Compiled into the client library too (Makefile:
 * RPC_COMMON): json-c only.
 */
#ifndef EG_JSONVAL_H
#define EG_JSONVAL_H

#include <json-c/json.h>

/* Python's truth value of a JSON value, as the reference reads its requests and replies:
 * null, false, 0, 0.0, "", [] and {} are false; everything else is true. NULL is false. */
int eg_json_truthy(json_object *v);

#endif
