/* A case's life through the API: asking for its closure, reopening, transfer to another
 * agency, reassignment and break-glass access, the case's approvals, and the supervisors'
 * queue with its decisions (If-Match on the approval's version). Each request is one casework
 * operation: the policy decides, the audit records, the library holds the SQL. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "safepath/caselife.h"
#include "safepath/config.h"

static const struct http_field closure_fields[] = {
	{"reason", HTTP_F_STRING, 1, SP_CASEAPPR_REASON_MAX - 1},
	{"follow_up", HTTP_F_STRING, 0, 10},
	{"note", HTTP_F_STRING, 0, SP_CASEAPPR_NOTE_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_closure = {closure_fields};

static const struct http_field reopen_fields[] = {
	{"reason", HTTP_F_STRING, 1, SP_CASEAPPR_NOTE_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_reopen = {reopen_fields};

static const struct http_field transfer_fields[] = {
	{"to_agency", HTTP_F_STRING, 1, SP_ID_STRLEN},
	{"note", HTTP_F_STRING, 0, SP_CASEAPPR_NOTE_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_transfer = {transfer_fields};

static const struct http_field reassign_fields[] = {
	{"assigned", HTTP_F_STRING, 1, SP_ID_STRLEN},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_reassign = {reassign_fields};

static const struct http_field break_glass_fields[] = {
	{"reason", HTTP_F_STRING, 1, SP_BREAK_GLASS_REASON_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_break_glass = {break_glass_fields};

static const struct http_field decision_fields[] = {
	{"decision", HTTP_F_STRING, 1, 8},
	{"note", HTTP_F_STRING, 0, SP_CASEAPPR_NOTE_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_approval_decision = {decision_fields};

static const char *member(const struct http_req *r, const char *name)
{
	return json_string_value(json_object_get(r->json, name));
}

/* An approval as answered: its version is the ETag, its address the Location of a create. */
static int approval_reply(struct http_req *r, int status, const struct sp_case_approval *a)
{
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&a->id, id);
	if (status == 201)
		snprintf(r->location, sizeof r->location, "/api/v1/approvals/%s", id);
	http_etag_version(r, a->version);
	return http_reply_json(r, status, sp_case_approval_encode(a));
}

int http_api_closure_request(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_case_approval a;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	const struct sp_closure_request in = {member(r, "reason"), member(r, "follow_up"),
					      member(r, "note")};
	http_casework(r, &cw);
	if (sp_case_closure_request(&cw, &id, &in, &a, &err))
		return http_problem_from_err(r, &err);
	return approval_reply(r, 201, &a);
}

int http_api_reopen(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_case_approval a;
	bool reopened;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	if (sp_case_reopen(&cw, &id, member(r, "reason"), &a, &reopened, &err))
		return http_problem_from_err(r, &err);
	return approval_reply(r, 201, &a);
}

int http_api_transfer_request(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id, to;
	struct sp_case_approval a;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	if (sp_id_parse(member(r, "to_agency"), &to))
		return http_invalid(r, "/to_agency", "must be an agency id");
	http_casework(r, &cw);
	if (sp_case_transfer_request(&cw, &id, &to, member(r, "note"), &a, &err))
		return http_problem_from_err(r, &err);
	return approval_reply(r, 201, &a);
}

/* A repeated request: the approval it made, read (and audited) as a GET. */
int http_api_approval_replay(struct http_req *r, const struct sp_idem_record *rec)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_case_approval a;
	http_casework(r, &cw);
	if (sp_case_approval_get(&cw, &rec->resource, &a, &err))
		return http_problem_from_err(r, &err);
	return approval_reply(r, rec->status, &a);
}

int http_api_reassign(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id, to;
	struct sp_case c;
	unsigned moved;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	if (sp_id_parse(member(r, "assigned"), &to))
		return http_invalid(r, "/assigned", "must be a user id");
	http_casework(r, &cw);
	if (sp_case_reassign(&cw, &id, r->if_version, &to, &c, &moved, &err))
		return http_problem_from_err(r, &err);
	http_etag_version(r, c.version);
	return http_reply_json(r, 200, sp_case_encode(&c));
}

int http_api_break_glass(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_break_glass g;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	if (sp_case_break_glass(&cw, &id, member(r, "reason"),
				(int)sp_config_get_int(r->opt->cfg, "break-glass-minutes"), &g,
				&err))
		return http_problem_from_err(r, &err);
	return http_reply_json(r, 201, sp_break_glass_encode(&g));
}

/* ?status= of a list: -1 when absent, 1 with a problem when unknown. */
static int status_query(struct http_req *r, int *status)
{
	const char *s = http_query(r, "status");
	*status = s ? sp_caseappr_status_parse(s) : -1;
	return s && *status < 0 ? http_invalid(r, "/status", "unknown status") : 0;
}

static int list_reply(struct http_req *r, const struct sp_caseappr_query *q)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_case_approval *list;
	size_t n;
	http_casework(r, &cw);
	if (sp_case_approval_list(&cw, q, &list, &n, SP_CASEAPPR_PAGE_MAX, &err))
		return http_problem_from_err(r, &err);
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		if (json_array_append_new(items, sp_case_approval_encode(&list[i]))) {
			json_decref(items);
			items = NULL;
		}
	return http_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

int http_api_case_approvals(struct http_req *r)
{
	static const char *const allowed[] = {"status", NULL};
	struct sp_id id;
	struct sp_caseappr_query q = {&id, -1};
	if (http_query_only(r, allowed) || http_path_id(r, 0, &id) || status_query(r, &q.status))
		return 1;
	return list_reply(r, &q);
}

int http_api_approval_list(struct http_req *r)
{
	static const char *const allowed[] = {"status", NULL};
	struct sp_caseappr_query q = {NULL, -1};
	if (http_query_only(r, allowed) || status_query(r, &q.status))
		return 1;
	return list_reply(r, &q);
}

int http_api_approval_get(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_case_approval a;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	if (sp_case_approval_get(&cw, &id, &a, &err))
		return http_problem_from_err(r, &err);
	return approval_reply(r, 200, &a);
}

int http_api_approval_decide(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_case_approval a;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	const char *decision = member(r, "decision");
	bool approve = strcmp(decision, "approve") == 0;
	if (!approve && strcmp(decision, "reject") != 0)
		return http_invalid(r, "/decision", "must be approve or reject");
	const struct sp_caseappr_decision d = {r->if_version, approve, member(r, "note")};
	http_casework(r, &cw);
	if (sp_case_approval_decide(&cw, &id, &d, &a, &err))
		return http_problem_from_err(r, &err);
	return approval_reply(r, 200, &a);
}
