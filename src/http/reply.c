/* Responses written straight into the request's capped text buffer with the streaming JSON
 * writer, for the pages that are asked for most (the caseload, the dashboard, the referral
 * boxes): no jansson tree to build, dump and free. The rows' forms are the wings' writers
 * (sp_case_hit_write, ...), shared with --json. And the page of a list built as a jansson
 * array. */
#include "http/http.h"
#include "safepath/case.h"
#include "safepath/jsonw.h"

void http_jsonw_begin(struct http_req *r, struct sp_jsonw *w, size_t expect)
{
	sp_buf_reset(&r->text);
	(void)sp_buf_reserve(&r->text, expect); /* one allocation, not one per doubling (a
						  * failure is no error) */
	sp_jsonw_init(w, &r->text);
}

int http_jsonw_reply(struct http_req *r, struct sp_jsonw *w)
{
	if (sp_jsonw_status(w)) {
		sp_buf_reset(&r->text);
		return http_problem(r, 500, "internal", "Internal error", NULL);
	}
	r->text_type = "application/json";
	return http_reply_empty(r, 200);
}

int http_reply_case_hits(struct http_req *r, const struct sp_case_hit *hits, size_t n,
			 const struct sp_id *next)
{
	struct sp_jsonw w;
	http_jsonw_begin(r, &w, 64 + 256 * n); /* about 200 bytes a row */
	sp_jsonw_object(&w);
	sp_jsonw_key(&w, "items");
	sp_jsonw_array(&w);
	for (size_t i = 0; i < n; i++)
		sp_case_hit_write(&w, &hits[i]);
	sp_jsonw_array_end(&w);
	if (next) { /* a list page: null after the last */
		sp_jsonw_key(&w, "next_cursor");
		sp_jsonw_opt_id(&w, next);
	}
	sp_jsonw_object_end(&w);
	return http_jsonw_reply(r, &w);
}

int http_reply_page(struct http_req *r, json_t *items, const struct sp_id *next)
{
	char cursor[SP_ID_STRLEN + 1];
	sp_id_format(next, cursor);
	return http_reply_json(r, 200,
			       json_pack("{s:o, s:s?}", "items", items, "next_cursor",
					 sp_id_is_zero(next) ? NULL : cursor));
}
