/* Subject access through the API (docs/retention.md#subject-access): the DPO asks for the
 * export of a case with the requester's identity and authority, lists the exports of a case
 * or of their agency, reviews one (its sections and the members to redact, nothing of the
 * person's data) and downloads its document in clear as an attachment. The export is sealed
 * into the data folder's subject-access/; the policy (subject.export) decides every request
 * and each is audited, flagged to the DPO. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "safepath/json.h"
#include "safepath/subject.h"

static const struct http_field export_fields[] = {
	{"requester", HTTP_F_STRING, 1, SP_SUBJECT_REQUESTER_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_subject_export = {export_fields};

static const struct http_field export_case_fields[] = {
	{"case", HTTP_F_STRING, 1, 64},
	{"requester", HTTP_F_STRING, 1, SP_SUBJECT_REQUESTER_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_subject_export_case = {export_case_fields};

static json_t *row_json(const struct sp_subject_export_row *e)
{
	char id[SP_ID_STRLEN + 1], case_id[SP_ID_STRLEN + 1], at[SP_TIME_STRLEN + 1];
	sp_id_format(&e->id, id);
	sp_id_format(&e->case_id, case_id);
	sp_time_format(e->exported_us, at);
	json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "case_id", case_id,
			      "case_number", e->case_number, "exported_by", e->exported_by,
			      "exported_at", at);
	if (j && e->requester)
		json_object_set_new(j, "requester", json_string(e->requester));
	return j;
}

/* The export's row with the document's sections and redactions (pointers and reasons: the
 * person's data stays in the file). */
static int reply_export(struct http_req *r, int status, const struct sp_subject_export_row *e,
			const struct sp_buf *doc)
{
	json_t *d = json_loadb(doc->data, doc->len, 0, NULL);
	json_t *j = row_json(e);
	json_t *sections = json_object_get(d, "sections"), *redactions = json_object_get(d, "redactions");
	if (!j || !json_is_array(sections) || !json_is_array(redactions)) {
		json_decref(d);
		json_decref(j);
		return http_problem(r, 500, "internal", "Internal error", NULL);
	}
	json_object_set(j, "sections", sections);
	json_object_set(j, "redactions", redactions);
	json_decref(d);
	return http_reply_json(r, status, j);
}

/* Read export id as the DPO: its row and its document into doc; 1 with a problem. */
static int read_export(struct http_req *r, const struct sp_id *id, bool download,
		       struct sp_subject_export_row *e, struct sp_buf *doc)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	http_casework(r, &cw);
	if (sp_subject_export_read(&cw, r->opt->subject_dir, id, download, e, doc, &err))
		return http_problem_from_err(r, &err);
	return 0;
}

/* Export the case; at_case: an unknown case is a 400 at /case (it came in the body). */
static int export_case(struct http_req *r, const struct sp_id *case_id, bool at_case)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_subject_export rep;
	if (!r->opt->protocols || !r->opt->subject_dir)
		return http_problem(r, 503, "unavailable", "Try again shortly",
				    "Subject-access exports are not set up on this server.");
	http_casework(r, &cw);
	/* the policy first: anyone but the DPO is refused before the body is looked at */
	if (sp_subject_access_may(&cw, &err))
		return http_problem_from_err(r, &err);
	if (sp_subject_access_export_dir(&cw, r->opt->protocols, case_id,
					 json_string_value(json_object_get(r->json, "requester")),
					 r->opt->subject_dir, &rep, &err))
		return at_case && err.code == SP_ENOTFOUND
			       ? http_invalid(r, "/case", "no case has this number or id")
			       : http_problem_from_err(r, &err);
	/* answered as a review of what was written: the file read back proves it opens */
	struct sp_subject_export_row e;
	struct sp_buf doc;
	sp_buf_init(&doc, r->text.max);
	int rc = read_export(r, &rep.id, false, &e, &doc);
	if (!rc) {
		char id[SP_ID_STRLEN + 1];
		sp_id_format(&rep.id, id);
		snprintf(r->location, sizeof r->location, "/api/v1/subject-exports/%s", id);
		rc = reply_export(r, 201, &e, &doc);
	}
	sp_buf_free(&doc);
	return rc;
}

int http_api_subject_export_create(struct http_req *r)
{
	struct sp_id case_id;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &case_id))
		return 1;
	return export_case(r, &case_id, false);
}

/* The case named by its number or id in the body: the DPO's page, since the DPO does not
 * browse cases. The number is looked up as the export reads (subject.export, audited); a
 * caller the policy refuses learns nothing of the case (the lookup itself asks the policy). */
int http_api_subject_export_create_by_case(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id case_id;
	struct sp_case_hit hit;
	if (http_query_only(r, NULL))
		return 1;
	const char *ref = json_string_value(json_object_get(r->json, "case"));
	if (sp_id_parse(ref, &case_id) == SP_OK)
		return export_case(r, &case_id, true);
	http_casework(r, &cw);
	cw.subject_export = true;
	int rc = sp_case_find_number(&cw, ref, &hit, &err);
	if (rc == SP_ENOTFOUND || rc == SP_EINVAL)
		return http_invalid(r, "/case", "no case has this number or id");
	if (rc)
		return http_problem_from_err(r, &err);
	return export_case(r, &hit.case_id, true);
}

static int reply_rows(struct http_req *r, const struct sp_subject_export_row *v, size_t n)
{
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		if (json_array_append_new(items, row_json(&v[i]))) {
			json_decref(items);
			items = NULL;
		}
	return http_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

int http_api_subject_export_list_case(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id case_id;
	struct sp_subject_export_row *v;
	size_t n;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &case_id))
		return 1;
	http_casework(r, &cw);
	if (sp_subject_export_list(&cw, &case_id, &v, &n, &err))
		return http_problem_from_err(r, &err);
	return reply_rows(r, v, n);
}

int http_api_subject_export_list(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_subject_export_row *v;
	size_t n;
	if (http_query_only(r, NULL))
		return 1;
	http_casework(r, &cw);
	if (sp_subject_export_list(&cw, NULL, &v, &n, &err))
		return http_problem_from_err(r, &err);
	return reply_rows(r, v, n);
}

int http_api_subject_export_get(struct http_req *r)
{
	struct sp_id id;
	struct sp_subject_export_row e;
	struct sp_buf doc;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	sp_buf_init(&doc, r->text.max);
	int rc = read_export(r, &id, false, &e, &doc);
	if (!rc)
		rc = reply_export(r, 200, &e, &doc);
	sp_buf_free(&doc);
	return rc;
}

/* The document in clear, as a file to save: never kept by a browser or a proxy (every API
 * answer is no-store). */
int http_api_subject_export_document(struct http_req *r)
{
	struct sp_id id;
	struct sp_subject_export_row e;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	if (read_export(r, &id, true, &e, &r->text))
		return 1;
	r->text_type = "application/json";
	snprintf(r->disposition, sizeof r->disposition,
		 "attachment; filename=\"subject-access-%s.json\"", e.case_number);
	return http_reply_empty(r, 200);
}
