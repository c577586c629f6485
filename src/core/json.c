/* JSON helpers on jansson: strict parsing and typed member access with field paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/json.h"

/* How deeply nested the text is at byte end: brackets outside strings. */
static int depth_at(const char *text, size_t end)
{
	int depth = 0, in_string = 0;
	for (size_t i = 0; i < end; i++) {
		char c = text[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
		} else if (c == '"') {
			in_string = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		}
	}
	return depth;
}

/* jansson names the duplicate key ("duplicate object key near '"name"'") but not its path:
 * point at it when it is a member of the top-level object (deeper, the path is unknown) and a
 * plain field name (the text is input). */
static void duplicate_pointer(const char *input, size_t len, size_t pos, const char *text,
			      struct sp_err *err)
{
	if (pos > len || depth_at(input, pos) != 1)
		return;
	const char *p = strstr(text, "near '\"");
	if (!p)
		return;
	p += 7;
	size_t n = 0;
	while (p[n] && p[n] != '"' && n < 64) {
		char c = p[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return;
		n++;
	}
	if (n == 0 || p[n] != '"')
		return;
	snprintf(err->field, sizeof err->field, "/%.*s", (int)n, p);
}

json_t *sp_json_parse(const char *text, size_t len, struct sp_err *err)
{
	json_error_t je;
	json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		/* jansson's text may quote a key from the input; keep only our own words. */
		const char *why = strstr(je.text, "duplicate")	     ? "duplicate object key"
				  : strstr(je.text, "end of file")   ? "unexpected end of input"
				  : strstr(je.text, "end of input")  ? "trailing data after the value"
				  : strstr(je.text, "NUL")	     ? "NUL byte in a string"
				  : strstr(je.text, "nvalid UTF-8") ? "invalid UTF-8"
								     : "syntax error";
		sp_err_set(err, SP_EINVAL, "", "line %d column %d: %s", je.line, je.column, why);
		if (err && strstr(je.text, "duplicate"))
			duplicate_pointer(text, len, (size_t)je.position, je.text, err);
	}
	return j;
}

static int type_error(struct sp_err *err, const char *key, const char *what)
{
	char path[128];
	snprintf(path, sizeof path, "/%s", key);
	return sp_err_set(err, SP_EINVAL, path, "must be %s", what);
}

static int member(json_t *obj, const char *key, bool required, json_t **out, struct sp_err *err)
{
	if (!json_is_object(obj))
		return sp_err_set(err, SP_EINVAL, "", "must be an object");
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v)) {
		if (!required)
			return SP_ENOTFOUND;
		char path[128];
		snprintf(path, sizeof path, "/%s", key);
		return sp_err_set(err, SP_EINVAL, path, "is required");
	}
	*out = v;
	return SP_OK;
}

int sp_json_get_str(json_t *obj, const char *key, bool required, const char **out,
		    struct sp_err *err)
{
	json_t *v = NULL;
	int rc = member(obj, key, required, &v, err);
	if (rc)
		return rc;
	if (!json_is_string(v))
		return type_error(err, key, "a string");
	*out = json_string_value(v);
	return SP_OK;
}

int sp_json_get_int(json_t *obj, const char *key, bool required, int64_t *out,
		    struct sp_err *err)
{
	json_t *v = NULL;
	int rc = member(obj, key, required, &v, err);
	if (rc)
		return rc;
	if (!json_is_integer(v))
		return type_error(err, key, "an integer");
	*out = (int64_t)json_integer_value(v);
	return SP_OK;
}

int sp_json_get_bool(json_t *obj, const char *key, bool required, bool *out,
		     struct sp_err *err)
{
	json_t *v = NULL;
	int rc = member(obj, key, required, &v, err);
	if (rc)
		return rc;
	if (!json_is_boolean(v))
		return type_error(err, key, "true or false");
	*out = json_is_true(v);
	return SP_OK;
}

int sp_json_only_keys(json_t *obj, const char *const *allowed, struct sp_err *err)
{
	if (!json_is_object(obj))
		return sp_err_set(err, SP_EINVAL, "", "must be an object");
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		const char *const *a = allowed;
		while (*a && strcmp(*a, key) != 0)
			a++;
		if (!*a) {
			/* The key is input: a field name is not personal data, anything else may be
			 * (a value sent as a key), so it is not repeated. */
			if (!sp_json_name_plain(key))
				return sp_err_set(err, SP_EINVAL, "",
						  "has a member that is not a known field");
			char path[80];
			snprintf(path, sizeof path, "/%s", key);
			return sp_err_set(err, SP_EINVAL, path, "is not a known field");
		}
	}
	return SP_OK;
}

bool sp_json_name_plain(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 64)
		return false;
	for (; *name; name++)
		if (!((*name >= 'a' && *name <= 'z') || (*name >= 'A' && *name <= 'Z') ||
		      (*name >= '0' && *name <= '9') || *name == '_' || *name == '-' || *name == '.'))
			return false;
	return true;
}

char *sp_json_dump(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
}

void sp_json_free(char *s)
{
	json_malloc_t m;
	json_free_t f;
	json_get_alloc_funcs(&m, &f);
	f(s);
}
