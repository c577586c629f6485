/* The drift test: docs/openapi.yaml (converted to JSON by tools/yaml2json at build time)
 * against the route table (src/http/routes.c) and the body schemas declared next to each
 * route. Every API route of the table is in the document with its method and path, and the
 * document has no operation the table lacks; its security says what the route's auth and
 * roles say; every declared body field is in the document's request schema with its
 * required-ness, JSON type and byte cap, and nothing else is; an update route declares
 * If-Match and answers 412 and 428, a create declares Idempotency-Key and answers 409 and 422,
 * and no other route declares either. Static web routes (paths outside
 * /api/, /healthz and /metrics) are not the document's business.
 *
 * The same comparison runs on deliberately altered tables, schemas and documents and must find
 * each alteration: a checker that cannot fail would prove nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/http.h"
#include "safepath/case.h"
#include "safepath/init.h"
#include "safepath/policy.h"

#ifndef SP_OPENAPI_JSON
#error "the Makefile defines SP_OPENAPI_JSON: the path of build/PROFILE/openapi.json"
#endif

static json_t *doc; /* the document, loaded once */

/* ---- the checker ---- */

struct drift {
	FILE *log; /* where each finding is printed; NULL: counted only */
	int n;
};

static void found(struct drift *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void found(struct drift *d, const char *fmt, ...)
{
	d->n++;
	if (!d->log)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("openapi drift: ", d->log);
	vfprintf(d->log, fmt, ap);
	fputc('\n', d->log);
	va_end(ap);
}

/* The routes the document describes; static web routes are out of its scope. */
static int documented(const char *pattern)
{
	return strncmp(pattern, "/api/", 5) == 0 || strcmp(pattern, "/healthz") == 0 ||
	       strcmp(pattern, "/metrics") == 0;
}

/* "/api/v1/cases/:id/notes" as the document writes it: "/api/v1/cases/{id}/notes". */
static void doc_path(const char *pattern, char *out, size_t n)
{
	size_t used = 0;
	out[0] = '\0';
	while (*pattern && used + 1 < n) {
		size_t seg = strcspn(pattern + 1, "/") + 1; /* "/name" or "/:name" */
		int w = pattern[1] == ':' ? snprintf(out + used, n - used, "/{%.*s}", (int)seg - 2,
						     pattern + 2)
					  : snprintf(out + used, n - used, "%.*s", (int)seg, pattern);
		if (w < 0 || (size_t)w >= n - used)
			break;
		used += (size_t)w;
		pattern += seg;
	}
}

/* "get", "post": the document's operation key of a method. */
static void method_key(enum http_method m, char out[16])
{
	snprintf(out, 16, "%s", http_method_name(m));
	for (char *c = out; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
}

/* Follow a local "$ref" ("#/components/schemas/Case") until a value without one. */
static json_t *resolve(json_t *d, json_t *v)
{
	for (int hops = 0; v && hops < 16; hops++) {
		const char *ref = json_string_value(json_object_get(v, "$ref"));
		if (!ref)
			return v;
		if (strncmp(ref, "#/", 2) != 0)
			return NULL;
		json_t *at = d;
		for (const char *p = ref + 2; at && *p;) {
			size_t n = strcspn(p, "/");
			char key[128];
			snprintf(key, sizeof key, "%.*s", (int)n, p);
			at = json_object_get(at, key);
			p += n + (p[n] == '/');
		}
		v = at;
	}
	return NULL;
}

enum { T_STRING = 1, T_BOOL = 2, T_INT = 4, T_OBJECT = 8, T_ARRAY = 16, T_NULL = 32, T_NUM = 64 };

static unsigned type_bit(const char *t)
{
	static const struct {
		const char *name;
		unsigned bit;
	} types[] = {{"string", T_STRING}, {"boolean", T_BOOL}, {"integer", T_INT},
		     {"object", T_OBJECT}, {"array", T_ARRAY},  {"null", T_NULL},
		     {"number", T_NUM}};
	for (size_t i = 0; t && i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i].name, t) == 0)
			return types[i].bit;
	return 0;
}

/* The JSON types a schema accepts: its "type" (a name or a list of names), else the union of
 * its oneOf branches; $refs followed. 0 when it says nothing the checker understands. */
static unsigned types_of(json_t *d, json_t *schema)
{
	json_t *t = json_object_get(schema, "type");
	if (!t && json_object_get(schema, "$ref"))
		return types_of(d, resolve(d, schema));
	if (json_is_string(t))
		return type_bit(json_string_value(t));
	unsigned mask = 0;
	size_t i;
	json_t *e;
	json_array_foreach(t, i, e) mask |= type_bit(json_string_value(e));
	json_array_foreach(json_object_get(schema, "oneOf"), i, e) mask |= types_of(d, e);
	return mask;
}

static unsigned field_bit(enum http_ftype t)
{
	switch (t) {
	case HTTP_F_STRING:
		return T_STRING;
	case HTTP_F_BOOL:
		return T_BOOL;
	case HTTP_F_INT:
		return T_INT;
	case HTTP_F_OBJECT:
		return T_OBJECT;
	case HTTP_F_ARRAY:
		return T_ARRAY;
	}
	return 0;
}

static int in_string_array(json_t *arr, const char *s)
{
	size_t i;
	json_t *e;
	json_array_foreach(arr, i, e) if (json_is_string(e) && strcmp(json_string_value(e), s) == 0)
		return 1;
	return 0;
}

/* The byte cap of a field: on the property itself (beside a $ref) or on what it refers to. */
static json_int_t max_bytes(json_t *d, json_t *prop)
{
	json_t *v = json_object_get(prop, "x-max-bytes");
	if (!v)
		v = json_object_get(resolve(d, prop), "x-max-bytes");
	return v ? (json_is_integer(v) ? json_integer_value(v) : -1) : 0;
}

/* The operation's request schema against the route's declared body schema. */
static void check_body(json_t *d, struct drift *dr, const char *where, json_t *op,
		       const struct http_schema *s)
{
	json_t *body = json_object_get(op, "requestBody");
	if (!s) {
		if (body)
			found(dr, "%s: the document has a request body, the route takes none", where);
		return;
	}
	json_t *schema = resolve(d, json_object_get(
					    json_object_get(json_object_get(body, "content"),
							    "application/json"),
					    "schema"));
	if (!schema) {
		found(dr, "%s: the route takes a body, the document has no application/json schema",
		      where);
		return;
	}
	if (!json_is_true(json_object_get(body, "required")))
		found(dr, "%s: the request body must be marked required", where);
	if (types_of(d, schema) != T_OBJECT)
		found(dr, "%s: the request schema must be of type object", where);
	if (!json_is_false(json_object_get(schema, "additionalProperties")))
		found(dr, "%s: the request schema needs additionalProperties: false", where);
	json_t *props = json_object_get(schema, "properties"), *req = json_object_get(schema,
									      "required");
	size_t n_fields = 0, n_required = 0;
	for (const struct http_field *f = s->fields; f->name; f++) {
		n_fields++;
		n_required += f->required != 0;
		json_t *p = json_object_get(props, f->name);
		if (!p) {
			found(dr, "%s: field %s is not in the document", where, f->name);
			continue;
		}
		if (!f->required != !in_string_array(req, f->name))
			found(dr, "%s: field %s is %s in the table but not in the document", where,
			      f->name, f->required ? "required" : "optional");
		/* an optional field may be null (schema.c lets a null through as absent) */
		unsigned want = field_bit(f->type) | (f->required ? 0 : T_NULL);
		unsigned have = types_of(d, p);
		if (have != want)
			found(dr, "%s: field %s: the document's types (mask %u) are not the table's (%u)",
			      where, f->name, have, want);
		json_int_t cap = max_bytes(d, p);
		if (f->type == HTTP_F_STRING && cap != (json_int_t)f->max_len)
			found(dr, "%s: field %s: x-max-bytes %lld, the table says %zu", where, f->name,
			      (long long)cap, f->max_len);
		if (f->type != HTTP_F_STRING && cap)
			found(dr, "%s: field %s: x-max-bytes on a field that is not a string", where,
			      f->name);
	}
	if (json_object_size(props) != n_fields)
		found(dr, "%s: the document has %zu fields, the table %zu", where,
		      json_object_size(props), n_fields);
	if (json_array_size(req) != n_required)
		found(dr, "%s: the document requires %zu fields, the table %zu", where,
		      json_array_size(req), n_required);
}

/* Who may call: no session for HTTP_AUTH_NONE (security: []), else the session cookie, with
 * the CSRF header on a mutating method; the route's roles as x-roles. */
static void check_security(json_t *d, struct drift *dr, const char *where, json_t *op,
			   const struct http_route *rt)
{
	json_t *sec = json_object_get(op, "security");
	if (!sec)
		sec = json_object_get(d, "security");
	if (rt->auth == HTTP_AUTH_NONE) {
		if (!json_is_array(sec) || json_array_size(sec) != 0)
			found(dr, "%s: anyone may call it: security must be []", where);
	} else {
		json_t *req = json_array_get(sec, 0);
		int csrf = http_method_mutates(rt->method);
		if (json_array_size(sec) != 1 || !json_object_get(req, "session") ||
		    !json_object_get(req, "csrf") != !csrf ||
		    json_object_size(req) != 1 + (size_t)csrf)
			found(dr, "%s: security must be the session%s", where,
			      csrf ? " and the CSRF header" : " alone");
	}
	json_t *roles = json_object_get(op, "x-roles");
	size_t n = 0;
	for (unsigned bit = 0; bit < SP_ROLE_COUNT; bit++) {
		if (!(rt->roles & (1u << bit)))
			continue;
		n++;
		if (!in_string_array(roles, sp_role_name(1u << bit)))
			found(dr, "%s: role %s is not in x-roles", where, sp_role_name(1u << bit));
	}
	if (json_array_size(roles) != n)
		found(dr, "%s: x-roles lists %zu roles, the route %zu", where,
		      json_array_size(roles), n);
}

/* Each {name} of the path is a path parameter of the operation or of its path item. */
static void check_path_params(json_t *d, struct drift *dr, const char *where, const char *path,
			      json_t *item, json_t *op)
{
	for (const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{')) {
		size_t n = strcspn(p + 1, "}");
		int seen = 0;
		json_t *lists[2] = {json_object_get(op, "parameters"),
				    json_object_get(item, "parameters")};
		for (int l = 0; l < 2 && !seen; l++) {
			size_t i;
			json_t *e;
			json_array_foreach(lists[l], i, e) {
				json_t *prm = resolve(d, e);
				const char *name = json_string_value(json_object_get(prm, "name"));
				const char *in = json_string_value(json_object_get(prm, "in"));
				if (name && in && strlen(name) == n && strncmp(name, p + 1, n) == 0 &&
				    strcmp(in, "path") == 0 &&
				    json_is_true(json_object_get(prm, "required")))
					seen = 1;
			}
		}
		if (!seen)
			found(dr, "%s: path parameter %.*s is not declared (in: path, required)",
			      where, (int)n, p + 1);
	}
}

/* Does the operation declare header parameter name? */
static int has_header(json_t *d, json_t *op, const char *name)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(op, "parameters"), i, e) {
		json_t *prm = resolve(d, e);
		const char *n = json_string_value(json_object_get(prm, "name"));
		const char *in = json_string_value(json_object_get(prm, "in"));
		if (n && in && strcasecmp(n, name) == 0 && strcmp(in, "header") == 0)
			return 1;
	}
	return 0;
}

/* The conditions of a request: an update (http_route_updates) declares If-Match and answers
 * 412 and 428; a create (http_route_creates) declares Idempotency-Key and answers 409 and
 * 422; no other route declares either header. */
static void check_conditions(json_t *d, struct drift *dr, const char *where, json_t *op,
			     const struct http_route *rt)
{
	static const struct {
		int (*applies)(const struct http_route *rt);
		const char *header, *statuses[2];
	} conds[] = {{http_route_updates, "If-Match", {"412", "428"}},
		     {http_route_creates, "Idempotency-Key", {"409", "422"}}};
	json_t *responses = json_object_get(op, "responses");
	for (size_t c = 0; c < sizeof conds / sizeof conds[0]; c++) {
		int applies = conds[c].applies(rt);
		if (applies != has_header(d, op, conds[c].header))
			found(dr, "%s: %s must be declared %s", where, conds[c].header,
			      applies ? "here" : "only where the route checks it");
		for (size_t s = 0; applies && s < 2; s++)
			if (!json_object_get(responses, conds[c].statuses[s]))
				found(dr, "%s: %s is not among its answers", where,
				      conds[c].statuses[s]);
	}
}

static const char *const doc_methods[] = {"get",     "put",  "post",  "delete",
					  "options", "head", "patch", "trace"};

/* Compare the document d with the route table (ended by a NULL pattern); the findings'
 * count. */
static int drift_check(json_t *d, const struct http_route *routes, FILE *log)
{
	struct drift dr = {log, 0};
	json_t *paths = json_object_get(d, "paths");
	if (!json_is_object(paths)) {
		found(&dr, "the document has no paths");
		return dr.n;
	}
	/* the table's routes are in the document */
	for (const struct http_route *rt = routes; rt->pattern; rt++) {
		if (!documented(rt->pattern))
			continue;
		char path[HTTP_PATH_MAX], m[16], where[HTTP_PATH_MAX + 24];
		doc_path(rt->pattern, path, sizeof path);
		method_key(rt->method, m);
		snprintf(where, sizeof where, "%s %s", http_method_name(rt->method), path);
		json_t *item = json_object_get(paths, path);
		json_t *op = json_object_get(item, m);
		if (!json_is_object(op)) {
			found(&dr, "%s is in the route table, not in the document", where);
			continue;
		}
		check_body(d, &dr, where, op, rt->body);
		check_security(d, &dr, where, op, rt);
		check_path_params(d, &dr, where, path, item, op);
		check_conditions(d, &dr, where, op, rt);
	}
	/* and the document's operations are in the table */
	const char *path;
	json_t *item;
	json_object_foreach(paths, path, item) {
		for (size_t i = 0; i < sizeof doc_methods / sizeof doc_methods[0]; i++) {
			if (!json_object_get(item, doc_methods[i]))
				continue;
			int known = 0;
			for (const struct http_route *rt = routes; rt->pattern && !known; rt++) {
				char p[HTTP_PATH_MAX], m[16];
				doc_path(rt->pattern, p, sizeof p);
				method_key(rt->method, m);
				known = documented(rt->pattern) && strcmp(p, path) == 0 &&
					strcmp(m, doc_methods[i]) == 0;
			}
			if (!known)
				found(&dr, "%s %s is in the document, not in the route table",
				      doc_methods[i], path);
		}
	}
	return dr.n;
}

/* ---- the tests ---- */

static int load(void **state)
{
	(void)state;
	json_error_t e;
	doc = json_load_file(SP_OPENAPI_JSON, 0, &e);
	if (!doc)
		fprintf(stderr, "%s:%d: %s\n", SP_OPENAPI_JSON, e.line, e.text);
	return doc ? 0 : -1;
}

static int unload(void **state)
{
	(void)state;
	json_decref(doc);
	return 0;
}

static void document_matches_the_route_table(void **state)
{
	(void)state;
	assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
	assert_int_equal(drift_check(doc, http_routes, stderr), 0);
}

/* The findings on an altered table or document beyond those on the real ones (which the test
 * above reports): each alteration's count, whatever the state of the rest. */
static int extra(json_t *d, const struct http_route *routes)
{
	return drift_check(d, routes, NULL) - drift_check(doc, http_routes, NULL);
}

/* A copy of the route table with room for changes. */
static size_t table_copy(struct http_route *out, size_t cap)
{
	size_t n = 0;
	while (http_routes[n].pattern && n + 1 < cap) {
		out[n] = http_routes[n];
		n++;
	}
	out[n] = http_routes[n]; /* the end marker (or a route, which fails the test below) */
	assert_null(out[n].pattern);
	return n;
}

static size_t route_index(const struct http_route *t, enum http_method m, const char *pattern)
{
	for (size_t i = 0; t[i].pattern; i++)
		if (t[i].method == m && strcmp(t[i].pattern, pattern) == 0)
			return i;
	fail_msg("no route %s %s", http_method_name(m), pattern);
	return 0;
}

static void undocumented_or_missing_routes_are_found(void **state)
{
	(void)state;
	struct http_route t[224];
	size_t n = table_copy(t, 216);

	/* a route added to the table without documenting it */
	t[n + 1] = t[n];
	t[n] = (struct http_route){HTTP_POST, "/api/v1/cases/:id/close", HTTP_AUTH_SESSION, 0, NULL,
				   http_api_case_get};
	assert_int_equal(extra(doc, t), 1);

	/* a static web route is not the document's business */
	t[n] = (struct http_route){HTTP_GET, "/assets/app.js", HTTP_AUTH_NONE, 0, NULL,
				   http_api_healthz};
	assert_int_equal(extra(doc, t), 0);

	/* a route gone from the table that the document still has */
	table_copy(t, 216);
	size_t i = route_index(t, HTTP_GET, "/api/v1/cases/:id/consents");
	memmove(&t[i], &t[i + 1], (n - i) * sizeof t[0]);
	assert_int_equal(extra(doc, t), 1);

	/* another method: both sides miss one */
	table_copy(t, 216);
	t[route_index(t, HTTP_GET, "/api/v1/me")].method = HTTP_PUT;
	assert_true(extra(doc, t) >= 2);

	/* another path parameter name */
	table_copy(t, 216);
	t[route_index(t, HTTP_GET, "/api/v1/cases/:id")].pattern = "/api/v1/cases/:case";
	assert_true(extra(doc, t) >= 2);

	/* who may call: anyone, or a role the document does not list */
	table_copy(t, 216);
	t[route_index(t, HTTP_GET, "/api/v1/me")].auth = HTTP_AUTH_NONE;
	assert_int_equal(extra(doc, t), 1);
	table_copy(t, 216);
	t[route_index(t, HTTP_GET, "/api/v1/cases")].roles = 1u << 0;
	assert_int_equal(extra(doc, t), 2);
}

/* The note route with another body schema (NULL: none): what the checker finds. */
static int with_note_body(const struct http_schema *s)
{
	struct http_route t[224];
	table_copy(t, 216);
	t[route_index(t, HTTP_POST, "/api/v1/cases/:id/notes")].body = s;
	return extra(doc, t);
}

static int with_note_fields(const struct http_field *fields)
{
	const struct http_schema s = {fields};
	return with_note_body(&s);
}

static void schema_changes_are_found(void **state)
{
	(void)state;
	/* as declared: nothing */
	assert_int_equal(with_note_fields(http_schema_note.fields), 0);
	/* a field added without documenting it */
	const struct http_field added[] = {{"text", HTTP_F_STRING, 1, SP_NOTE_MAX},
					   {"pinned", HTTP_F_BOOL, 0, 0},
					   {NULL, HTTP_F_STRING, 0, 0}};
	assert_int_equal(with_note_fields(added), 2); /* not there; the counts differ */
	/* required-ness, type and cap */
	const struct http_field optional[] = {{"text", HTTP_F_STRING, 0, SP_NOTE_MAX},
					      {NULL, HTTP_F_STRING, 0, 0}};
	assert_true(with_note_fields(optional) >= 2);
	const struct http_field typed[] = {{"text", HTTP_F_ARRAY, 1, 0},
					   {NULL, HTTP_F_STRING, 0, 0}};
	assert_true(with_note_fields(typed) >= 2);
	const struct http_field capped[] = {{"text", HTTP_F_STRING, 1, 100},
					    {NULL, HTTP_F_STRING, 0, 0}};
	assert_int_equal(with_note_fields(capped), 1);
	/* a route that takes no body where the document has one */
	assert_int_equal(with_note_body(NULL), 1);
}

static void document_changes_are_found(void **state)
{
	(void)state;
	json_t *d = json_deep_copy(doc);
	assert_non_null(d);
	json_t *schemas = json_object_get(json_object_get(d, "components"), "schemas");
	json_t *consent = json_object_get(schemas, "ConsentCreate");
	/* a field dropped from the document */
	assert_int_equal(json_object_del(json_object_get(consent, "properties"), "note"), 0);
	assert_int_equal(extra(d, http_routes), 2);
	/* an optional field that no longer takes null */
	json_object_set_new(json_object_get(json_object_get(consent, "properties"), "by"), "type",
			    json_string("string"));
	assert_int_equal(extra(d, http_routes), 3);
	/* extra members allowed */
	json_object_set_new(consent, "additionalProperties", json_true());
	assert_int_equal(extra(d, http_routes), 4);
	/* a request body on a route that takes none */
	json_t *me = json_object_get(json_object_get(json_object_get(d, "paths"), "/api/v1/me"),
				     "get");
	json_object_set(me, "requestBody", json_object_get(json_object_get(json_object_get(
								   d, "paths"),
								   "/api/v1/session"),
							   "post"));
	assert_int_equal(extra(d, http_routes), 5);
	/* an operation the table does not have */
	json_object_set_new(json_object_get(json_object_get(d, "paths"), "/api/v1/me"), "delete",
			    json_object());
	assert_int_equal(extra(d, http_routes), 6);
	/* a create without its Idempotency-Key, an update without If-Match or its 428 */
	json_t *paths = json_object_get(d, "paths");
	json_t *create = json_object_get(json_object_get(paths, "/api/v1/agencies"), "post");
	assert_int_equal(json_array_remove(json_object_get(create, "parameters"), 0), 0);
	assert_int_equal(extra(d, http_routes), 7);
	json_t *update = json_object_get(json_object_get(paths, "/api/v1/users/{id}"), "patch");
	assert_int_equal(json_object_del(json_object_get(update, "responses"), "428"), 0);
	assert_int_equal(extra(d, http_routes), 8);
	json_object_set(json_object_get(json_object_get(paths, "/api/v1/users/{id}"), "get"),
			"parameters", json_object_get(update, "parameters"));
	assert_int_equal(extra(d, http_routes), 9); /* If-Match on a read */
	json_decref(d);
}

int main(void)
{
	if (sp_init() != SP_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(document_matches_the_route_table),
		cmocka_unit_test(undocumented_or_missing_routes_are_found),
		cmocka_unit_test(schema_changes_are_found),
		cmocka_unit_test(document_changes_are_found),
	};
	return cmocka_run_group_tests(tests, load, unload);
}
