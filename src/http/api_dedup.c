/* The review queue of `safepath dedup` (safepath/dedup.h): the pairs of persons likely
 * registered twice that the user may read both of, with each comparison's level and
 * contribution and both persons' identity side by side; a decision on one (confirmed: the
 * two persons linked; rejected: never proposed again; proposed: the decision undone) at the
 * version read (If-Match). */
#include <string.h>

#include "http/http.h"
#include "safepath/dedup.h"

static const struct http_field decision_fields[] = {
	{"state", HTTP_F_STRING, 1, 16},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_match_pair_decision = {decision_fields};

/* ---- GET /api/v1/match-pairs?state=&cursor=&limit= ---- */

int http_api_match_pairs(struct http_req *r)
{
	static const char *const params[] = {"state", "cursor", "limit", NULL};
	long limit = 20;
	size_t n = 0;
	struct sp_id buf, next;
	struct sp_match_pair page[SP_PAIR_PAGE_MAX];
	struct sp_casework cw;
	struct sp_err err = {0};
	if (http_query_only(r, params))
		return 1;
	const char *s = http_query(r, "state");
	int state = s ? sp_pair_state_parse(s) : SP_PAIR_PROPOSED;
	if (state < 0)
		http_invalid(r, "/state", "must be proposed, confirmed or rejected");
	const struct sp_id *after = http_query_cursor(r, &buf);
	http_query_limit(r, SP_PAIR_PAGE_MAX, &limit);
	if (r->is_problem)
		return 1;
	http_casework(r, &cw);
	if (sp_match_pair_list(&cw, (enum sp_pair_state)state, after, (size_t)limit, page, &n,
			       &next, &err))
		return http_problem_from_err(r, &err);
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		if (json_array_append_new(items, sp_match_pair_encode(&page[i]))) {
			json_decref(items);
			items = NULL;
		}
	return http_reply_page(r, items, &next);
}

/* ---- POST /api/v1/match-pairs/:id/decision {state} (If-Match) ---- */

int http_api_match_pair_decide(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_match_pair p;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	int to = sp_pair_state_parse(json_string_value(json_object_get(r->json, "state")));
	if (to < 0)
		return http_invalid(r, "/state", "must be proposed, confirmed or rejected");
	http_casework(r, &cw);
	if (sp_match_pair_decide(&cw, &id, r->if_version, (enum sp_pair_state)to, &p, &err))
		return http_problem_from_err(r, &err);
	http_etag_version(r, p.version);
	return http_reply_json(r, 200, sp_match_pair_encode(&p));
}
