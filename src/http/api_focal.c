/* Focal points and routing (docs/focal-points.md): the agency's focal points and routing
 * rules, listed for its users and changed under service.manage; where a need goes first. */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "safepath/focal.h"

/* POST /api/v1/focal-points */
static const struct http_field focal_fields[] = {
	{"user", HTTP_F_STRING, 1, SP_ID_STRLEN},
	{"scope", HTTP_F_STRING, 1, 16},
	{"country", HTTP_F_STRING, 0, 3},
	{"needs", HTTP_F_ARRAY, 0, 0},
	{"default", HTTP_F_BOOL, 0, 0},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_focal_create = {focal_fields};

/* POST /api/v1/routing-rules: a service or a focal point (a user), not both */
static const struct http_field rule_fields[] = {
	{"need", HTTP_F_STRING, 1, SP_NEED_CODE_MAX - 1},
	{"service", HTTP_F_STRING, 0, SP_ID_STRLEN},
	{"focal_point", HTTP_F_STRING, 0, SP_ID_STRLEN},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_routing_create = {rule_fields};

static int id_member(struct http_req *r, const char *name, struct sp_id *out)
{
	const char *s = json_string_value(json_object_get(r->json, name));
	char pointer[32];
	snprintf(pointer, sizeof pointer, "/%s", name);
	if (s && sp_id_parse(s, out) != SP_OK)
		return http_invalid(r, pointer, "must be an id");
	return 0;
}

int http_api_focal_list(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_focal_point *fps = NULL;
	size_t n = 0;
	if (http_query_only(r, NULL))
		return 1;
	if (sp_focal_list(&r->w->access, &r->subject, &fps, &n, &err))
		return http_problem_from_err(r, &err);
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		json_array_append_new(items, sp_focal_json(&fps[i]));
	free(fps);
	return http_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

int http_api_focal_create(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_focal_point fp = {0};
	if (http_query_only(r, NULL))
		return 1;
	id_member(r, "user", &fp.user);
	const char *scope = json_string_value(json_object_get(r->json, "scope"));
	if (strcmp(scope, "agency") == 0)
		fp.scope = SP_FOCAL_AGENCY;
	else if (strcmp(scope, "country") == 0)
		fp.scope = SP_FOCAL_COUNTRY;
	else
		http_invalid(r, "/scope", "must be agency or country");
	const char *country = json_string_value(json_object_get(r->json, "country"));
	if (country)
		snprintf(fp.country, sizeof fp.country, "%s", country);
	const json_t *needs = json_object_get(r->json, "needs");
	if (json_array_size(needs) > SP_FOCAL_NEEDS_MAX)
		http_invalid(r, "/needs", "may name at most 16 needs");
	for (size_t i = 0; i < json_array_size(needs) && i < SP_FOCAL_NEEDS_MAX; i++) {
		const char *v = json_string_value(json_array_get(needs, i));
		char pointer[32];
		snprintf(pointer, sizeof pointer, "/needs/%zu", i);
		if (!v || strlen(v) >= SP_NEED_CODE_MAX)
			http_invalid(r, pointer, "must be a needs code");
		else
			memcpy(fp.needs[fp.n_needs++], v, strlen(v) + 1);
	}
	fp.is_default = json_is_true(json_object_get(r->json, "default"));
	if (r->is_problem)
		return 1;
	if (sp_focal_add(&r->w->access, &r->subject, r->opt->vocabulary, &fp, &err))
		return http_problem_from_err(r, &err);
	struct sp_user u;
	if (sp_user_get(&r->w->access, &fp.user, &u, &err) == SP_OK)
		memcpy(fp.username, u.username, sizeof fp.username);
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&fp.id, id);
	snprintf(r->location, sizeof r->location, "/api/v1/focal-points/%s", id);
	return http_reply_json(r, 201, sp_focal_json(&fp));
}

int http_api_focal_delete(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_id id;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	if (sp_focal_remove(&r->w->access, &r->subject, &id, &err))
		return http_problem_from_err(r, &err);
	return http_reply_empty(r, 204);
}

int http_api_routing_list(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_route_rule *rules = NULL;
	size_t n = 0;
	if (http_query_only(r, NULL))
		return 1;
	if (sp_route_list(&r->w->access, &r->subject, &rules, &n, &err))
		return http_problem_from_err(r, &err);
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		json_array_append_new(items, sp_route_rule_json(&rules[i]));
	free(rules);
	return http_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

int http_api_routing_create(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_route_rule rule = {0};
	if (http_query_only(r, NULL))
		return 1;
	const char *need = json_string_value(json_object_get(r->json, "need"));
	memcpy(rule.need, need, strlen(need) + 1);
	bool svc = json_object_get(r->json, "service") != NULL;
	bool focal = json_object_get(r->json, "focal_point") != NULL;
	if (svc == focal)
		return http_invalid(r, "", "give either service or focal_point");
	rule.target = svc ? SP_ROUTE_SERVICE : SP_ROUTE_FOCAL_POINT;
	if (id_member(r, svc ? "service" : "focal_point", svc ? &rule.service : &rule.focal_user))
		return 1;
	if (sp_route_add(&r->w->access, &r->subject, r->opt->vocabulary, &rule, &err))
		return http_problem_from_err(r, &err);
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&rule.id, id);
	snprintf(r->location, sizeof r->location, "/api/v1/routing-rules/%s", id);
	return http_reply_json(r, 201, sp_route_rule_json(&rule));
}

int http_api_routing_delete(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_id id;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	if (sp_route_remove(&r->w->access, &r->subject, &id, &err))
		return http_problem_from_err(r, &err);
	return http_reply_empty(r, 204);
}

/* GET /api/v1/routing?need=CODE */
int http_api_routing_resolve(struct http_req *r)
{
	static const char *const params[] = {"need", NULL};
	struct sp_err err = {0};
	if (http_query_only(r, params))
		return 1;
	const char *need = http_query(r, "need");
	if (!need)
		return http_invalid(r, "/need", "is required");
	json_t *out = NULL;
	if (sp_route_resolve(&r->w->access, &r->subject, r->opt->vocabulary, need, &out, &err))
		return http_problem_from_err(r, &err);
	return http_reply_json(r, 200, out);
}
