/* A case's support plan: add a goal (Idempotency-Key), list the goals with their text, and
 * change one (PATCH with If-Match: type, text, status, review date). Each request is one
 * casework operation (safepath/plan.h): the policy decides, the audit records. */
#include <string.h>

#include "http/http.h"
#include "safepath/plan.h"

static const struct http_field goal_create_fields[] = {
	{"type", HTTP_F_STRING, 1, SP_KIND_MAX - 1},
	{"goal", HTTP_F_STRING, 1, SP_PLAN_GOAL_MAX},
	{"review_at", HTTP_F_STRING, 0, 40},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_goal_create = {goal_create_fields};

static const struct http_field goal_patch_fields[] = {
	{"type", HTTP_F_STRING, 0, SP_KIND_MAX - 1},
	{"goal", HTTP_F_STRING, 0, SP_PLAN_GOAL_MAX},
	{"status", HTTP_F_STRING, 0, 32},
	{"review_at", HTTP_F_STRING, 0, 40},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_goal_patch = {goal_patch_fields};

/* A goal as answered to a create or a change: without its text (the client has it); its
 * version is the ETag. */
static int goal_reply(struct http_req *r, int status, const struct sp_goal *g)
{
	http_etag_version(r, g->version);
	return http_reply_json(r, status, sp_goal_encode(g, false));
}

int http_api_plan_add(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id case_id;
	struct sp_goal g;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &case_id))
		return 1;
	struct sp_goal_new in = {.type = json_string_value(json_object_get(r->json, "type")),
				 .goal = json_string_value(json_object_get(r->json, "goal"))};
	http_member_time(r, "review_at", &in.review_us);
	if (r->is_problem)
		return 1;
	http_casework(r, &cw);
	if (sp_plan_add(&cw, &case_id, &in, &g, &err))
		return http_problem_from_err(r, &err);
	return goal_reply(r, 201, &g);
}

/* {"items": [...]}, every goal with its text. */
static int plan_items(struct http_req *r, const struct sp_goal *list, size_t n)
{
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		if (json_array_append_new(items, sp_goal_encode(&list[i], true))) {
			json_decref(items);
			items = NULL;
		}
	return http_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

/* A repeated add: the goal found in the case's plan, read (and audited) as the list is. */
int http_api_plan_replay(struct http_req *r, const struct sp_idem_record *rec)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_goal *list;
	size_t n;
	http_casework(r, &cw);
	if (sp_plan_list(&cw, &rec->parent, &list, &n, &err))
		return http_problem_from_err(r, &err);
	for (size_t i = 0; i < n; i++)
		if (memcmp(list[i].id.b, rec->resource.b, SP_ID_LEN) == 0)
			return goal_reply(r, rec->status, &list[i]);
	return http_problem(r, 404, "not-found", "Not found", NULL);
}

int http_api_plan_list(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id case_id;
	struct sp_goal *list;
	size_t n;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &case_id))
		return 1;
	http_casework(r, &cw);
	if (sp_plan_list(&cw, &case_id, &list, &n, &err))
		return http_problem_from_err(r, &err);
	return plan_items(r, list, n);
}

int http_api_plan_patch(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_goal g;
	struct sp_goal_change ch = {.version = r->if_version};
	int status = 0;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	if (json_object_size(r->json) == 0)
		return http_invalid(r, "", "name at least one field to change");
	json_t *type = json_object_get(r->json, "type"), *goal = json_object_get(r->json, "goal");
	if (json_is_null(type))
		http_invalid(r, "/type", "must not be null");
	if (json_is_null(goal))
		http_invalid(r, "/goal", "must not be null");
	ch.set_type = type != NULL;
	ch.type = json_string_value(type);
	ch.set_goal = goal != NULL;
	ch.goal = json_string_value(goal);
	ch.set_status = http_member_enum(r, "status", sp_goal_status_parse, &status);
	ch.status = (enum sp_goal_status)status;
	ch.set_review = http_member_time(r, "review_at", &ch.review_us);
	if (r->is_problem)
		return 1;
	http_casework(r, &cw);
	if (sp_plan_update(&cw, &id, &ch, &g, &err))
		return http_problem_from_err(r, &err);
	return goal_reply(r, 200, &g);
}
