/* JSON helpers on jansson. Every parse rejects duplicate keys (a body with two "name" keys is
 * ambiguous, and different readers would take different ones). Getters report the field path
 * of a missing or mistyped member in the error object, never its value. */
#ifndef SAFEPATH_JSON_H
#define SAFEPATH_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/err.h"

/* Parse text of len bytes (need not be NUL-terminated). Returns a new reference or NULL with
 * err set (SP_EINVAL with "line L column C: reason"). Rejects duplicate keys and trailing data. */
json_t *sp_json_parse(const char *text, size_t len, struct sp_err *err) SP_MUST;

/* Typed members of an object; `required` false lets a missing or null member through with
 * *out untouched (return SP_ENOTFOUND then, which callers treat as "absent"). */
int sp_json_get_str(json_t *obj, const char *key, bool required, const char **out,
		    struct sp_err *err) SP_MUST;
int sp_json_get_int(json_t *obj, const char *key, bool required, int64_t *out,
		    struct sp_err *err) SP_MUST;
int sp_json_get_bool(json_t *obj, const char *key, bool required, bool *out,
		     struct sp_err *err) SP_MUST;
/* Fail with the name of the first member of obj not in the NULL-terminated list; a name that
 * is not plain (sp_json_name_plain) is not repeated: the error is then at "" (the object). */
int sp_json_only_keys(json_t *obj, const char *const *allowed, struct sp_err *err) SP_MUST;
/* Is a member name one that may be repeated in an error: 1 to 64 of a-z A-Z 0-9 _ - . (a
 * field name, not a value sent as a key)? */
bool sp_json_name_plain(const char *name);
/* Serialise compactly with sorted keys; release with sp_json_free (jansson's allocator, which
 * sp_init makes wipe on free, so never plain free()). */
char *sp_json_dump(const json_t *j);
void sp_json_free(char *s);

#endif
