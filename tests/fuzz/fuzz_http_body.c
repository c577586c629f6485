/* Fuzz the request-body decoders: every route that takes a body, run through the pipeline
 * with the input as its body and no store behind it. The answer is always a well-formed
 * problem document (400 for a bad body, 503 for a good one with no store), each error
 * pointing at "" or a plain field name; never a crash, UB or leak (abort() otherwise).
 * Routes that need a session get their declared schema checked the same way; their
 * handlers, with their own decoders, run signed in over a real store in fuzz_http_routes.c. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "safepath/init.h"
#include "safepath/json.h"

static int plain_pointer(const char *p)
{
	if (p[0] == '\0')
		return 1;
	if (p[0] != '/' || strlen(p) > 65 || p[1] == '\0')
		return 0;
	return strspn(p + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
	       strlen(p + 1);
}

static void one(const struct http_route *rt, const uint8_t *data, size_t size)
{
	struct http_req r;
	http_req_init(&r);
	r.method = rt->method;
	r.path = rt->pattern;
	r.content_type = "application/json";
	if (size > HTTP_BODY_MAX || sp_buf_add(&r.body, data, size))
		abort();
	r.body_seen = size;
	http_pipeline_run(&r);
	if ((r.status != 400 && r.status != 503) || !r.is_problem || !r.encoded)
		abort();
	struct sp_err err = {0};
	json_t *doc = sp_json_parse(r.encoded, r.encoded_len, &err);
	if (!doc || json_integer_value(json_object_get(doc, "status")) != r.status)
		abort();
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(doc, "errors"), i, e)
	{
		const char *p = json_string_value(json_object_get(e, "pointer"));
		if (!p || !plain_pointer(p) || !json_is_string(json_object_get(e, "reason")))
			abort();
	}
	json_decref(doc);
	http_req_free(&r);
}

/* The schema of a signed-in route: 0 or 1 with a 400 naming plain fields only. */
static void schema_only(const struct http_route *rt, const uint8_t *data, size_t size)
{
	struct http_req r;
	struct sp_err err = {0};
	http_req_init(&r);
	r.route = rt;
	r.json = sp_json_parse((const char *)data, size, &err);
	if (r.json) {
		int rc = http_schema_check(&r, rt->body);
		if (rc != r.is_problem || (rc && r.status != 400))
			abort();
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(r.out, "errors"), i, e)
		{
			const char *p = json_string_value(json_object_get(e, "pointer"));
			if (!p || !plain_pointer(p))
				abort();
		}
	}
	http_req_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		if (sp_init() != SP_OK)
			abort();
		ready = 1;
	}
	for (const struct http_route *rt = http_routes; rt->pattern; rt++)
		if (rt->body && rt->auth == HTTP_AUTH_NONE)
			one(rt, data, size);
		else if (rt->body)
			schema_only(rt, data, size);
	return 0;
}
