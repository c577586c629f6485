/* Tasks: a case's tasks (add, list), a change to one (PATCH with If-Match: status, assignee,
 * due date, priority), and the subject's own open tasks across cases (GET /api/v1/me/tasks,
 * paged by cursor). Each request is one casework operation. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "safepath/task.h"

static const struct http_field task_create_fields[] = {
	{"kind", HTTP_F_STRING, 0, SP_KIND_MAX - 1},
	{"title", HTTP_F_STRING, 0, SP_TASK_TITLE_MAX},
	{"assignee", HTTP_F_STRING, 0, SP_ID_STRLEN},
	{"due_at", HTTP_F_STRING, 0, 40},
	{"priority", HTTP_F_STRING, 0, 16},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_task_create = {task_create_fields};

static const struct http_field task_patch_fields[] = {
	{"status", HTTP_F_STRING, 0, 16},
	{"assignee", HTTP_F_STRING, 0, SP_ID_STRLEN},
	{"due_at", HTTP_F_STRING, 0, 40},
	{"priority", HTTP_F_STRING, 0, 16},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_task_patch = {task_patch_fields};

/* The task as answered to a create or a change: its title is not sent back, its version is
 * the ETag. */
static int task_reply(struct http_req *r, int status, const struct sp_task *t)
{
	http_etag_version(r, t->version);
	return http_reply_json(r, status, sp_task_encode(t, false));
}

/* "assignee": a user id. */
static bool member_assignee(struct http_req *r, struct sp_id *out)
{
	json_t *v = json_object_get(r->json, "assignee");
	if (!v)
		return false;
	if (json_is_null(v) || sp_id_parse(json_string_value(v), out) != SP_OK) {
		http_invalid(r, "/assignee", "must be a user id");
		return false;
	}
	return true;
}

int http_api_task_add(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id, assignee;
	struct sp_task t;
	int priority = SP_TASK_ROUTINE;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	struct sp_task_new in = {
		.kind = json_string_value(json_object_get(r->json, "kind")),
		.title = json_string_value(json_object_get(r->json, "title")),
	};
	if (member_assignee(r, &assignee))
		in.assignee = &assignee;
	http_member_time(r, "due_at", &in.due_us);
	http_member_enum(r, "priority", sp_task_priority_parse, &priority);
	in.priority = (enum sp_task_priority)priority;
	if (r->is_problem)
		return 1;
	http_casework(r, &cw);
	if (sp_task_add(&cw, &id, &in, &t, &err))
		return http_problem_from_err(r, &err);
	return task_reply(r, 201, &t);
}

/* A repeated add: found among the case's tasks, read (and audited) as their list is. */
int http_api_task_replay(struct http_req *r, const struct sp_idem_record *rec)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_task *list;
	size_t n;
	http_casework(r, &cw);
	if (sp_task_list(&cw, &rec->parent, &list, &n, &err))
		return http_problem_from_err(r, &err);
	for (size_t i = 0; i < n; i++)
		if (memcmp(list[i].id.b, rec->resource.b, SP_ID_LEN) == 0)
			return task_reply(r, rec->status, &list[i]);
	return http_problem(r, 404, "not-found", "Not found", NULL);
}

/* {"items": [...]} or, with next, {"items": [...], "next_cursor": id or null}. */
static int task_items(struct http_req *r, const struct sp_task *list, size_t n,
		      const struct sp_id *next)
{
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		if (json_array_append_new(items, sp_task_encode(&list[i], true))) {
			json_decref(items);
			items = NULL;
		}
	json_t *page = json_pack("{s:o}", "items", items);
	if (page && next) {
		char cursor[SP_ID_STRLEN + 1];
		sp_id_format(next, cursor);
		if (json_object_set_new(page, "next_cursor",
					sp_id_is_zero(next) ? json_null() : json_string(cursor))) {
			json_decref(page);
			page = NULL;
		}
	}
	return http_reply_json(r, 200, page);
}

int http_api_task_list(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_task *list;
	size_t n;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	if (sp_task_list(&cw, &id, &list, &n, &err))
		return http_problem_from_err(r, &err);
	return task_items(r, list, n, NULL);
}

int http_api_task_patch(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_task t;
	struct sp_task_change ch = {0};
	int status = 0, priority = 0;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	ch.version = r->if_version;
	if (json_object_size(r->json) == 0)
		return http_invalid(r, "", "name at least one field to change");
	ch.set_status = http_member_enum(r, "status", sp_task_status_parse, &status);
	ch.status = (enum sp_task_status)status;
	ch.set_priority = http_member_enum(r, "priority", sp_task_priority_parse, &priority);
	ch.priority = (enum sp_task_priority)priority;
	ch.set_assignee = member_assignee(r, &ch.assignee);
	ch.set_due = http_member_time(r, "due_at", &ch.due_us);
	if (r->is_problem)
		return 1;
	http_casework(r, &cw);
	if (sp_task_update(&cw, &id, &ch, &t, &err))
		return http_problem_from_err(r, &err);
	return task_reply(r, 200, &t);
}

/* ---- GET /api/v1/me/tasks?cursor=&limit= ---- */

int http_api_me_tasks(struct http_req *r)
{
	static const char *const params[] = {"cursor", "limit", NULL};
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_task page[SP_TASK_PAGE_MAX];
	struct sp_id buf, next;
	size_t n = 0;
	long limit = 20;
	if (http_query_only(r, params))
		return 1;
	const struct sp_id *after = http_query_cursor(r, &buf);
	http_query_limit(r, SP_TASK_PAGE_MAX, &limit);
	if (r->is_problem)
		return 1;
	http_casework(r, &cw);
	if (sp_task_mine(&cw, after, page, (size_t)limit, &n, &next, &err))
		return http_problem_from_err(r, &err);
	return task_items(r, page, n, &next);
}
