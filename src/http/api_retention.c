/* Legal holds through the API (docs/retention.md): a supervisor of the case's agency puts a
 * case on hold with a reason code, or lifts it; the answer is the case, its flags showing
 * legal_hold. The retention run is the command line's; the subject-access export is api_subject.c. */
#include <jansson.h>

#include "http/http.h"
#include "safepath/retention.h"

static const struct http_field hold_fields[] = {
	{"reason", HTTP_F_STRING, 1, 64},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_legal_hold = {hold_fields};

static int reply(struct http_req *r, const struct sp_case *c)
{
	http_etag_version(r, c->version);
	return http_reply_json(r, 200, sp_case_encode(c));
}

int http_api_legal_hold_set(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_case c;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	int reason = sp_hold_reason_parse(json_string_value(json_object_get(r->json, "reason")));
	if (reason < 0)
		return http_invalid(r, "/reason",
				    "must be criminal_proceedings, civil_proceedings, "
				    "immigration_proceedings, identification_review or complaint");
	http_casework(r, &cw);
	if (sp_legal_hold_set(&cw, &id, (enum sp_hold_reason)reason, &c, &err))
		return http_problem_from_err(r, &err);
	return reply(r, &c);
}

int http_api_legal_hold_lift(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_case c;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	http_casework(r, &cw);
	if (sp_legal_hold_lift(&cw, &id, &c, &err))
		return http_problem_from_err(r, &err);
	return reply(r, &c);
}
