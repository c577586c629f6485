/* http/: strict path matching, the route table's 404/405 answers, body schemas, the
 * pipeline's refusals before any handler runs, and the web shell's files with their ETags (no
 * store needed for those). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "safepath/init.h"

static void paths_match_strictly(void **state)
{
	(void)state;
	assert_true(http_path_match("/api/v1/me", "/api/v1/me"));
	assert_false(http_path_match("/api/v1/me", "/api/v1/me/"));
	assert_false(http_path_match("/api/v1/me", "/api/v1/ME"));
	assert_false(http_path_match("/api/v1/me", "/api//v1/me"));
	assert_false(http_path_match("/api/v1/me", "/api/v1"));
	assert_false(http_path_match("/api/v1/me", "/api/v1/me/x"));
	assert_false(http_path_match("/api/v1/me", "api/v1/me"));
	assert_true(http_path_match("/cases/:id/notes", "/cases/0192-ab_C/notes"));
	assert_false(http_path_match("/cases/:id/notes", "/cases//notes"));
	assert_false(http_path_match("/cases/:id/notes", "/cases/../notes"));
	assert_false(http_path_match("/cases/:id/notes", "/cases/./notes"));
	assert_false(http_path_match("/cases/:id/notes", "/cases/a.b/notes"));
	assert_false(http_path_match("/cases/:id", "/cases/a%20b"));
}

static void routes_say_404_or_405_with_allow(void **state)
{
	(void)state;
	int known;
	char allow[64];
	const struct http_route *rt =
		http_route_find(HTTP_POST, "/api/v1/session", &known, allow, sizeof allow);
	assert_non_null(rt);
	assert_non_null(rt->body);
	assert_null(http_route_find(HTTP_PUT, "/api/v1/session", &known, allow, sizeof allow));
	assert_true(known);
	assert_string_equal(allow, "POST, DELETE");
	assert_null(http_route_find(HTTP_GET, "/nowhere", &known, allow, sizeof allow));
	assert_false(known);
	/* every route has a handler, and only known methods */
	for (const struct http_route *r = http_routes; r->pattern; r++) {
		assert_non_null(r->handle);
		assert_true(r->method < HTTP_METHOD_OTHER);
	}
}

static void run(struct http_req *r, enum http_method m, const char *path, const char *ct,
		const char *body)
{
	http_req_init(r);
	r->method = m;
	r->path = path;
	r->content_type = ct;
	if (body) {
		assert_int_equal(sp_buf_adds(&r->body, body), SP_OK);
		r->body_seen = r->body.len;
	}
	http_pipeline_run(r);
}

static const char *problem_type(struct http_req *r)
{
	return json_string_value(json_object_get(r->out, "type"));
}

static void pipeline_refuses_before_the_handler(void **state)
{
	(void)state;
	struct http_req r;
	run(&r, HTTP_GET, "/api/v1/me", NULL, NULL);
	assert_int_equal(r.status, 401);
	assert_string_equal(r.encoded_type, "application/problem+json");
	http_req_free(&r);

	run(&r, HTTP_DELETE, "/api/v1/me", NULL, NULL);
	assert_int_equal(r.status, 405);
	assert_string_equal(r.allow, "GET");
	http_req_free(&r);

	run(&r, HTTP_POST, "/api/v1/session", "text/plain", "{}");
	assert_int_equal(r.status, 415);
	http_req_free(&r);

	run(&r, HTTP_POST, "/api/v1/session", "application/json; charset=utf-8",
	    "{\"username\":\"Secret Value\",\"username\":1}");
	assert_int_equal(r.status, 400);
	assert_string_equal(problem_type(&r), "urn:safepath:problem:malformed-json");
	assert_null(strstr(r.encoded, "Secret"));
	http_req_free(&r);

	run(&r, HTTP_POST, "/api/v1/session", "application/json",
	    "{\"username\":true,\"extra\":\"Secret Value\",\"Secret Key\":1}");
	assert_int_equal(r.status, 400);
	json_t *errors = json_object_get(r.out, "errors");
	assert_int_equal(json_array_size(errors), 4); /* type, unknown, unnamed unknown, missing */
	assert_null(strstr(r.encoded, "Secret"));
	http_req_free(&r);

	run(&r, HTTP_POST, "/api/v1/session", "application/json", "[1]");
	assert_int_equal(r.status, 400);
	http_req_free(&r);

	http_req_init(&r);
	r.method = HTTP_POST;
	r.path = "/api/v1/session";
	r.body_seen = HTTP_BODY_MAX + 1;
	http_pipeline_run(&r);
	assert_int_equal(r.status, 413);
	http_req_free(&r);

	/* a valid request with no store behind it: 503, not a crash */
	run(&r, HTTP_POST, "/api/v1/session", "application/json",
	    "{\"username\":\"a\",\"password\":\"b\"}");
	assert_int_equal(r.status, 503);
	http_req_free(&r);
}

/* GET path with an If-None-Match header (NULL: none). */
static void get(struct http_req *r, const char *path, const char *if_none_match)
{
	http_req_init(r);
	r->method = HTTP_GET;
	r->path = path;
	r->if_none_match = if_none_match;
	http_pipeline_run(r);
}

static void web_shell_is_served_with_etags(void **state)
{
	(void)state;
	struct http_req r;
	char etag[HTTP_ETAG_SIZE], header[80];

	/* the page, with nothing inline for the CSP to refuse, and its ETag */
	get(&r, "/", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.asset_type, "text/html; charset=utf-8");
	assert_non_null(strstr(r.asset, "<script type=\"module\" src=\"/assets/app.js\"></script>"));
	assert_null(strstr(r.asset, "<script>"));
	assert_null(strstr(r.asset, "style="));
	assert_int_equal(strlen(r.etag), 18);
	assert_true(r.etag[0] == '"' && r.etag[17] == '"');
	assert_int_equal(strspn(r.etag + 1, "0123456789abcdef"), 16);
	memcpy(etag, r.etag, sizeof etag);
	const char *page = r.asset;
	http_req_free(&r);

	/* every page of the shell is the same document, whatever the store says */
	get(&r, "/cases/0192aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee", NULL);
	assert_int_equal(r.status, 200);
	assert_ptr_equal(r.asset, page);
	assert_string_equal(r.etag, etag);
	http_req_free(&r);
	const char *pages[] = {"/screenings/0192aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee", "/tasks", "/deadlines",
			       "/referrals", "/referrals/0192aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee",
			       "/referrals/0192aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee/print", "/focal-points",
			       "/services", "/services/import",
			       "/services/0192aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee"};
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		get(&r, pages[i], NULL);
		assert_int_equal(r.status, 200);
		assert_ptr_equal(r.asset, page);
		http_req_free(&r);
	}

	/* a matching ETag, alone, weak or in a list: 304 without a body */
	const char *before[] = {"", "W/", "\"0000000000000000\", ", NULL};
	for (size_t i = 0; i < sizeof before / sizeof before[0]; i++) {
		if (before[i])
			snprintf(header, sizeof header, "%s%s", before[i], etag);
		else
			snprintf(header, sizeof header, "*");
		get(&r, "/login", header);
		assert_int_equal(r.status, 304);
		assert_null(r.asset);
		assert_string_equal(r.etag, etag);
		http_req_free(&r);
	}
	get(&r, "/", "\"0000000000000000\"");
	assert_int_equal(r.status, 200);
	http_req_free(&r);

	get(&r, "/assets/app.js", NULL);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.asset_type, "text/javascript; charset=utf-8");
	assert_true(r.asset_len > 1000);
	assert_string_not_equal(r.etag, etag);
	http_req_free(&r);
	get(&r, "/assets/app.css", NULL);
	assert_string_equal(r.asset_type, "text/css; charset=utf-8");
	http_req_free(&r);

	/* no catch-all: other paths stay 404, the API's are not shadowed */
	const char *missing[] = {"/assets/app.js/", "/assets/../web/app.js", "/assets/main.js",
				 "/cases/", "/screenings/", "/web/app.js", "//"};
	for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
		get(&r, missing[i], NULL);
		assert_int_equal(r.status, 404);
		assert_null(r.asset);
		http_req_free(&r);
	}
	get(&r, "/api/v1/cases", NULL);
	assert_int_equal(r.status, 401);
	http_req_free(&r);

	int known;
	char allow[64];
	const struct http_route *rt = http_route_find(HTTP_GET, "/", &known, allow, sizeof allow);
	assert_non_null(rt);
	assert_true(http_route_is_static(rt));
	rt = http_route_find(HTTP_GET, "/api/v1/me", &known, allow, sizeof allow);
	assert_false(http_route_is_static(rt));
}

int main(void)
{
	if (sp_init() != SP_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(paths_match_strictly),
		cmocka_unit_test(routes_say_404_or_405_with_allow),
		cmocka_unit_test(pipeline_refuses_before_the_handler),
		cmocka_unit_test(web_shell_is_served_with_etags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
