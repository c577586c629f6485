/* A case's needs: add one (a person's own entry; needs from a screening are added by the
 * screening), list them with their notes, and move one along its status table or change its
 * note (PATCH with If-Match). Each request is one casework operation: the policy decides, the
 * audit records, the library holds the SQL. */
#include <string.h>

#include "http/http.h"
#include "safepath/need.h"

static const struct http_field need_create_fields[] = {
	{"kind", HTTP_F_STRING, 1, SP_KIND_MAX - 1},
	{"note", HTTP_F_STRING, 0, SP_NEED_NOTE_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_need_create = {need_create_fields};

static const struct http_field need_patch_fields[] = {
	{"status", HTTP_F_STRING, 0, 32},
	{"note", HTTP_F_STRING, 0, SP_NEED_NOTE_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_need_patch = {need_patch_fields};

/* The need as answered to a create or a change: its note is not sent back (the client has
 * it, and answers are logged by proxies), its version is the ETag. */
static int need_reply(struct http_req *r, int status, const struct sp_need *n)
{
	http_etag_version(r, n->version);
	return http_reply_json(r, status, sp_need_encode(n, false));
}

int http_api_need_add(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_need n;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	struct sp_need_new in = {
		.kind = json_string_value(json_object_get(r->json, "kind")),
		.source = SP_NEED_FROM_PERSON,
		.note = json_string_value(json_object_get(r->json, "note")),
	};
	http_casework(r, &cw);
	if (sp_need_add(&cw, &id, &in, &n, &err))
		return http_problem_from_err(r, &err);
	return need_reply(r, 201, &n);
}

/* A repeated add: found among the case's needs, read (and audited) as their list is. */
int http_api_need_replay(struct http_req *r, const struct sp_idem_record *rec)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_need *list;
	size_t n;
	http_casework(r, &cw);
	if (sp_need_list(&cw, &rec->parent, &list, &n, &err))
		return http_problem_from_err(r, &err);
	for (size_t i = 0; i < n; i++)
		if (memcmp(list[i].id.b, rec->resource.b, SP_ID_LEN) == 0)
			return need_reply(r, rec->status, &list[i]);
	return http_problem(r, 404, "not-found", "Not found", NULL);
}

int http_api_need_list(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_need *list;
	size_t n;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	if (sp_need_list(&cw, &id, &list, &n, &err))
		return http_problem_from_err(r, &err);
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		if (json_array_append_new(items, sp_need_encode(&list[i], true))) {
			json_decref(items);
			items = NULL;
		}
	return http_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

int http_api_need_patch(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_need n;
	struct sp_need_change ch = {0};
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	ch.version = r->if_version;
	if (json_object_size(r->json) == 0)
		return http_invalid(r, "", "name at least one field to change");
	json_t *v = json_object_get(r->json, "status");
	if (v) {
		int st = json_is_null(v) ? -1 : sp_need_status_parse(json_string_value(v));
		if (st < 0)
			return http_invalid(r, "/status", json_is_null(v) ? "must not be null"
									 : "unknown status");
		ch.set_status = true;
		ch.status = (enum sp_need_status)st;
	}
	if (json_object_get(r->json, "note")) { /* null: no note any more */
		ch.set_note = true;
		ch.note = json_string_value(json_object_get(r->json, "note"));
	}
	http_casework(r, &cw);
	if (sp_need_update(&cw, &id, &ch, &n, &err))
		return http_problem_from_err(r, &err);
	return need_reply(r, 200, &n);
}
