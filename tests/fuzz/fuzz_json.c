/* Fuzz the JSON reader every request body goes through: sp_json_parse and the typed getters.
 * Never a crash, UB or leak; an accepted document dumps to text that parses again and dumps the
 * same (abort() when not); errors never quote the input. Every string of an accepted document
 * also goes through our writer (jsonw) and must read back the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/json.h"
#include "safepath/jsonw.h"

/* Error messages are our own words from a fixed list; only a field path may name a key. */
static void check_quiet(const struct sp_err *err)
{
	static const char *const msgs[] = {
		"",
		"must be an object",
		"is required",
		"must be a string",
		"must be an integer",
		"must be true or false",
		"is not a known field",
		"has a member that is not a known field",
		NULL,
	};
	for (const char *const *m = msgs; *m; m++)
		if (strcmp(err->msg, *m) == 0)
			return;
	abort();
}

/* "line L column C: reason", the reason from sp_json_parse's list. */
static void check_parse_error(const struct sp_err *err)
{
	static const char *const reasons[] = {
		"duplicate object key",
		"unexpected end of input",
		"trailing data after the value",
		"NUL byte in a string",
		"invalid UTF-8",
		"syntax error",
		NULL,
	};
	const char *p = err->msg;
	if (strncmp(p, "line ", 5) != 0)
		abort();
	p += 5;
	p += strspn(p, "-0123456789");
	if (strncmp(p, " column ", 8) != 0)
		abort();
	p += 8;
	p += strspn(p, "-0123456789");
	if (strncmp(p, ": ", 2) != 0)
		abort();
	p += 2;
	for (const char *const *r = reasons; *r; r++)
		if (strcmp(p, *r) == 0)
			return;
	abort();
}

/* A string without NUL (what jansson accepted) written by jsonw reads back the same. */
static void rewrite(const char *s, size_t n)
{
	if (memchr(s, 0, n))
		return;
	struct sp_buf b;
	struct sp_jsonw w;
	sp_buf_init(&b, 8 * n + 64);
	sp_jsonw_init(&w, &b);
	sp_jsonw_string(&w, s);
	if (sp_jsonw_status(&w) != SP_OK)
		abort(); /* jansson accepted it, so it is valid UTF-8 */
	json_t *back = json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL);
	if (!back || !json_is_string(back) || json_string_length(back) != n ||
	    memcmp(json_string_value(back), s, n) != 0)
		abort();
	json_decref(back);
	sp_buf_free(&b);
}

static void visit(json_t *j, int depth)
{
	struct sp_err err = {0};
	if (depth > 64)
		return;
	if (json_is_string(j))
		rewrite(json_string_value(j), json_string_length(j));
	if (json_is_array(j)) {
		size_t i;
		json_t *v;
		json_array_foreach(j, i, v) visit(v, depth + 1);
		return;
	}
	/* The getters also run on non-objects: they must refuse them cleanly. */
	const char *s;
	int64_t n;
	bool b;
	static const char *const allowed[] = {"name", "id", "dob", "calendar", NULL};
	int rc = sp_json_get_str(j, "name", false, &s, &err);
	if (rc == SP_OK && !s)
		abort();
	check_quiet(&err);
	(void)sp_json_get_int(j, "id", true, &n, &err);
	check_quiet(&err);
	(void)sp_json_get_bool(j, "estimated", false, &b, &err);
	(void)sp_json_only_keys(j, allowed, &err);
	check_quiet(&err);
	if (!json_is_object(j))
		return;
	const char *key;
	json_t *v;
	json_object_foreach(j, key, v)
	{
		rc = sp_json_get_str(j, key, true, &s, &err);
		if ((rc == SP_OK) != json_is_string(v))
			abort();
		rc = sp_json_get_int(j, key, true, &n, &err);
		if ((rc == SP_OK) != json_is_integer(v) ||
		    (rc == SP_OK && n != json_integer_value(v)))
			abort();
		rc = sp_json_get_bool(j, key, false, &b, &err);
		if (json_is_null(v) ? rc != SP_ENOTFOUND : (rc == SP_OK) != json_is_boolean(v))
			abort();
		check_quiet(&err);
		visit(v, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_err err = {0};
	json_t *j = sp_json_parse((const char *)data, size, &err);
	if (!j) {
		if (err.code != SP_EINVAL)
			abort();
		check_parse_error(&err);
		return 0;
	}
	visit(j, 0);

	char *text = sp_json_dump(j);
	if (!text)
		abort();
	json_t *k = sp_json_parse(text, strlen(text), &err);
	if (!k)
		abort();
	char *again = sp_json_dump(k);
	if (!again || strcmp(text, again) != 0)
		abort();
	sp_json_free(again);
	sp_json_free(text);
	json_decref(k);
	json_decref(j);
	return 0;
}
