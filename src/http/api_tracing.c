/* Family tracing (safepath/tracing.h, docs/tracing.md). The requester's side: record a request
 * (matched at once), list the agency's, read one, match it again, close it — answered with its
 * status and its own details only, never anything of a child's case. The child's side: a
 * case's matches, one match with the request's details, and the steps (verification,
 * best-interests assessment, contact) with If-Match on the match's version. */
#include <string.h>

#include "http/http.h"
#include "safepath/tracing.h"

static const struct http_field request_create_fields[] = {
	{"requester", HTTP_F_OBJECT, 1, 0},
	{"child", HTTP_F_OBJECT, 1, 0},
	{"note", HTTP_F_STRING, 0, SP_TRACING_NOTE_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_tracing_create = {request_create_fields};

static const struct http_field verification_fields[] = {
	{"method", HTTP_F_STRING, 1, 32},
	{"confirmed", HTTP_F_BOOL, 1, 0},
	{"note", HTTP_F_STRING, 0, SP_TRACING_NOTE_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_tracing_verification = {verification_fields};

static const struct http_field assessment_fields[] = {
	{"outcome", HTTP_F_STRING, 1, 40},
	{"grounds", HTTP_F_STRING, 1, SP_TRACING_NOTE_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_tracing_assessment = {assessment_fields};

static const struct http_field contact_fields[] = {
	{"approve", HTTP_F_BOOL, 1, 0},
	{"note", HTTP_F_STRING, 0, SP_TRACING_NOTE_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_tracing_contact = {contact_fields};

/* {"items": [...]}: n items of size bytes each, encoded by encode. */
static int items_reply(struct http_req *r, const void *list, size_t size, size_t n,
		       json_t *(*encode)(const void *item))
{
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		if (json_array_append_new(items, encode((const char *)list + i * size))) {
			json_decref(items);
			items = NULL;
		}
	return http_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

static json_t *request_item(const void *item)
{
	return sp_tracing_request_encode(item);
}

static json_t *match_item(const void *item)
{
	return sp_tracing_match_encode(item);
}

/* The requester's side's answer: {"request": {...}, "matched": n?}. */
static int request_reply(struct http_req *r, int status, const struct sp_tracing_request *t,
			 const size_t *matched)
{
	json_t *body = sp_tracing_request_encode(t);
	if (body && matched && json_object_set_new(body, "matched", json_integer((json_int_t)*matched))) {
		json_decref(body);
		body = NULL;
	}
	return http_reply_json(r, status, body);
}

int http_api_tracing_create(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_tracing_details d;
	struct sp_tracing_request t;
	size_t matched = 0;
	if (http_query_only(r, NULL))
		return 1;
	if (sp_tracing_decode(r->json, &r->arena, &d, &err))
		return http_problem_from_err(r, &err);
	http_casework(r, &cw);
	if (sp_tracing_create(&cw, &d, &t, &matched, &err))
		return http_problem_from_err(r, &err);
	t.has_details = false; /* the client has them */
	return request_reply(r, 201, &t, &matched);
}

/* A repeated create: the request as it is now, read (and audited) as a GET is, without its
 * details and without the count of the first run's matches. */
int http_api_tracing_replay(struct http_req *r, const struct sp_idem_record *rec)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_tracing_request t;
	http_casework(r, &cw);
	if (sp_tracing_get(&cw, &rec->resource, &t, &err))
		return http_problem_from_err(r, &err);
	t.has_details = false;
	return request_reply(r, rec->status, &t, NULL);
}

int http_api_tracing_list(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_tracing_request *list;
	size_t n;
	if (http_query_only(r, NULL))
		return 1;
	http_casework(r, &cw);
	if (sp_tracing_list(&cw, &list, &n, &err))
		return http_problem_from_err(r, &err);
	return items_reply(r, list, sizeof *list, n, request_item);
}

/* What the requester's side does to one request (its id in the path). */
enum request_step { REQUEST_GET, REQUEST_MATCH, REQUEST_CLOSE };

static int request_step(struct http_req *r, enum request_step step)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_tracing_request t;
	size_t matched = 0;
	int rc = SP_OK;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	switch (step) {
	case REQUEST_GET:
		rc = sp_tracing_get(&cw, &id, &t, &err);
		break;
	case REQUEST_MATCH:
		rc = sp_tracing_rematch(&cw, &id, &t, &matched, &err);
		break;
	case REQUEST_CLOSE:
		rc = sp_tracing_close(&cw, &id, &t, &err);
		break;
	}
	if (rc)
		return http_problem_from_err(r, &err);
	return request_reply(r, 200, &t, step == REQUEST_MATCH ? &matched : NULL);
}

int http_api_tracing_get(struct http_req *r)
{
	return request_step(r, REQUEST_GET);
}

int http_api_tracing_rematch(struct http_req *r)
{
	return request_step(r, REQUEST_MATCH);
}

int http_api_tracing_close(struct http_req *r)
{
	return request_step(r, REQUEST_CLOSE);
}

/* ---- the child's side ---- */

static int match_reply(struct http_req *r, const struct sp_tracing_match *m, json_t *extra)
{
	json_t *body = sp_tracing_match_encode(m);
	if (body && extra && json_object_set_new(body, "request", extra)) {
		json_decref(body);
		body = NULL;
	} else if (!body)
		json_decref(extra);
	http_etag_version(r, m->version);
	return http_reply_json(r, 200, body);
}

int http_api_case_tracing(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id case_id;
	struct sp_tracing_match *list;
	size_t n;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &case_id))
		return 1;
	http_casework(r, &cw);
	if (sp_tracing_case_matches(&cw, &case_id, &list, &n, &err))
		return http_problem_from_err(r, &err);
	return items_reply(r, list, sizeof *list, n, match_item);
}

int http_api_tracing_match_get(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_tracing_match m;
	struct sp_tracing_request t;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	if (sp_tracing_review(&cw, &id, &m, &t, &err))
		return http_problem_from_err(r, &err);
	return match_reply(r, &m, sp_tracing_details_encode(&t.details));
}

/* What the child's side records on one match (its id in the path, If-Match its version). */
enum match_step { MATCH_VERIFY, MATCH_ASSESS, MATCH_CONTACT };

static int match_step(struct http_req *r, enum match_step step)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_tracing_match m;
	int code = 0, rc = SP_OK;
	const char *note = json_string_value(json_object_get(r->json, "note"));
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	if (step == MATCH_VERIFY)
		http_member_enum(r, "method", sp_verify_method_parse, &code);
	else if (step == MATCH_ASSESS)
		http_member_enum(r, "outcome", sp_bia_outcome_parse, &code);
	if (r->is_problem)
		return 1;
	http_casework(r, &cw);
	switch (step) {
	case MATCH_VERIFY:
		rc = sp_tracing_verify(&cw, &id, r->if_version, (enum sp_verify_method)code,
				       json_is_true(json_object_get(r->json, "confirmed")), note, &m,
				       &err);
		break;
	case MATCH_ASSESS:
		rc = sp_tracing_assess(&cw, &id, r->if_version, (enum sp_bia_outcome)code,
				       json_string_value(json_object_get(r->json, "grounds")), &m,
				       &err);
		break;
	case MATCH_CONTACT:
		rc = sp_tracing_contact(&cw, &id, r->if_version,
					json_is_true(json_object_get(r->json, "approve")), note, &m,
					&err);
		break;
	}
	if (rc)
		return http_problem_from_err(r, &err);
	return match_reply(r, &m, NULL);
}

int http_api_tracing_verify(struct http_req *r)
{
	return match_step(r, MATCH_VERIFY);
}

int http_api_tracing_assess(struct http_req *r)
{
	return match_step(r, MATCH_ASSESS);
}

int http_api_tracing_contact(struct http_req *r)
{
	return match_step(r, MATCH_CONTACT);
}
