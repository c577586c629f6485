/* Request bodies against the schema declared next to their route: an object whose members
 * are known, of the declared type and size, with the required ones present. Every bad field
 * is reported, by pointer and reason; values are never repeated back. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "safepath/json.h"

static const struct http_field *field_of(const struct http_schema *s, const char *name)
{
	for (const struct http_field *f = s->fields; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

static void check_value(struct http_req *r, const struct http_field *f, json_t *v)
{
	char pointer[80];
	snprintf(pointer, sizeof pointer, "/%s", f->name);
	switch (f->type) {
	case HTTP_F_STRING:
		if (!json_is_string(v))
			http_invalid(r, pointer, "must be a string");
		else if (f->max_len && json_string_length(v) > f->max_len)
			http_invalid(r, pointer, "is too long");
		else if (strlen(json_string_value(v)) != json_string_length(v))
			http_invalid(r, pointer, "must not contain NUL");
		break;
	case HTTP_F_BOOL:
		if (!json_is_boolean(v))
			http_invalid(r, pointer, "must be true or false");
		break;
	case HTTP_F_INT:
		if (!json_is_integer(v))
			http_invalid(r, pointer, "must be an integer");
		break;
	case HTTP_F_OBJECT:
		if (!json_is_object(v))
			http_invalid(r, pointer, "must be an object");
		break;
	case HTTP_F_ARRAY:
		if (!json_is_array(v))
			http_invalid(r, pointer, "must be an array");
		break;
	}
}

int http_schema_check(struct http_req *r, const struct http_schema *s)
{
	if (!json_is_object(r->json))
		return http_invalid(r, "", "must be a JSON object");
	const char *key;
	json_t *v;
	json_object_foreach(r->json, key, v) {
		const struct http_field *f = field_of(s, key);
		if (!f) {
			char pointer[80];
			if (sp_json_name_plain(key)) {
				snprintf(pointer, sizeof pointer, "/%s", key);
				http_invalid(r, pointer, "is not a known field");
			} else {
				http_invalid(r, "", "has a member that is not a known field");
			}
			continue;
		}
		if (json_is_null(v) && !f->required)
			continue;
		check_value(r, f, v);
	}
	for (const struct http_field *f = s->fields; f->name; f++) {
		json_t *m = json_object_get(r->json, f->name);
		if (f->required && (!m || json_is_null(m))) {
			char pointer[80];
			snprintf(pointer, sizeof pointer, "/%s", f->name);
			http_invalid(r, pointer, "is required");
		}
	}
	return r->is_problem;
}

/* ---- members the handlers read past the schema's types ---- */

bool http_member_enum(struct http_req *r, const char *name, int (*parse)(const char *), int *out)
{
	json_t *v = json_object_get(r->json, name);
	char pointer[40];
	snprintf(pointer, sizeof pointer, "/%s", name);
	if (!v)
		return false;
	int x = json_is_null(v) ? -1 : parse(json_string_value(v));
	if (x < 0) {
		http_invalid(r, pointer, json_is_null(v) ? "must not be null" : "unknown value");
		return false;
	}
	*out = x;
	return true;
}

bool http_member_time(struct http_req *r, const char *name, int64_t *us)
{
	json_t *v = json_object_get(r->json, name);
	char pointer[40];
	snprintf(pointer, sizeof pointer, "/%s", name);
	*us = 0;
	if (!v)
		return false;
	if (!json_is_null(v) && (sp_time_parse(json_string_value(v), us) != SP_OK || *us <= 0)) {
		http_invalid(r, pointer, "must be an RFC 3339 time in UTC or a date");
		return false;
	}
	return true;
}
