/* Deadlines: a case's (with the rules' texts in ?lang), the agency's open ones soonest first,
 * a target marked met by hand (PATCH with If-Match), and an event recorded by hand on a case
 * (a referral to the identification mechanism) with the deadlines it started and closed. The
 * deployment's jurisdiction file decides which rules an event starts. */
#include <string.h>

#include "http/http.h"
#include "safepath/caseevent.h"
#include "safepath/codes.h"

static const struct http_field event_fields[] = {
	{"event", HTTP_F_STRING, 1, 32},
	{"at", HTTP_F_STRING, 0, 40},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_case_event = {event_fields};

static const struct http_field deadline_patch_fields[] = {
	{"status", HTTP_F_STRING, 1, 16},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_deadline_patch = {deadline_patch_fields};

/* An array of n deadlines as people read them now, or NULL when out of memory. */
static json_t *views(struct http_req *r, const struct sp_deadline *list, size_t n,
		     const char *lang, int64_t now)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, sp_deadline_view(&list[i], r->opt->jurisdictions, lang,
							      now))) {
			json_decref(a);
			a = NULL;
		}
	return a;
}

int http_api_deadline_list(struct http_req *r)
{
	static const char *const params[] = {"lang", NULL};
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_deadline *list;
	size_t n, withheld;
	char buf[SP_CODE_MAX];
	if (!http_jurisdiction_loaded(r) || http_query_only(r, params) || http_path_id(r, 0, &id))
		return 1;
	const char *lang = http_query_lang(r, "en", buf);
	if (!lang)
		return 1;
	http_casework(r, &cw);
	if (sp_deadline_list(&cw, &id, &list, &n, &withheld, &err))
		return http_problem_from_err(r, &err);
	return http_reply_json(r, 200,
			       json_pack("{s:o, s:I}", "items", views(r, list, n, lang, sp_now_us()),
					 "withheld", (json_int_t)withheld));
}

/* ---- GET /api/v1/deadlines?state=open|overdue&cursor=&limit=&lang= ---- */

int http_api_agency_deadlines(struct http_req *r)
{
	static const char *const params[] = {"state", "cursor", "limit", "lang", NULL};
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_deadline page[SP_DEADLINE_PAGE_MAX];
	struct sp_id after, next;
	size_t n = 0;
	long limit = 50;
	char buf[SP_CODE_MAX];
	if (!http_jurisdiction_loaded(r) || http_query_only(r, params))
		return 1;
	const char *state = http_query(r, "state");
	if (state && strcmp(state, "open") != 0 && strcmp(state, "overdue") != 0)
		http_invalid(r, "/state", "must be open or overdue");
	const char *v = http_query(r, "cursor");
	if (v && sp_id_parse(v, &after) != SP_OK)
		http_invalid(r, "/cursor", "must be a next_cursor value");
	http_query_limit(r, SP_DEADLINE_PAGE_MAX, &limit);
	const char *lang = http_query_lang(r, "en", buf);
	if (r->is_problem || !lang)
		return 1;
	http_casework(r, &cw);
	int64_t now = sp_now_us();
	if (sp_deadline_agency(&cw, state && strcmp(state, "overdue") == 0, now, v ? &after : NULL,
			       page, (size_t)limit, &n, &next, &err))
		return http_problem_from_err(r, &err);
	char cursor[SP_ID_STRLEN + 1];
	sp_id_format(&next, cursor);
	return http_reply_json(r, 200,
			       json_pack("{s:o, s:s?}", "items", views(r, page, n, lang, now),
					 "next_cursor", sp_id_is_zero(&next) ? NULL : cursor));
}

int http_api_deadline_patch(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_deadline d;
	if (!http_jurisdiction_loaded(r) || http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	const char *status = json_string_value(json_object_get(r->json, "status"));
	if (strcmp(status, "met") != 0)
		return http_invalid(r, "/status", "a deadline is marked met by hand; the rest follows "
						  "from events");
	http_casework(r, &cw);
	if (sp_deadline_set_met(&cw, &id, r->if_version, &d, &err))
		return http_problem_from_err(r, &err);
	http_etag_version(r, d.version);
	return http_reply_json(r, 200, sp_deadline_view(&d, r->opt->jurisdictions, "en",
							 sp_now_us()));
}

/* ---- POST /api/v1/cases/:id/events {"event", "at"} ---- */

int http_api_case_event(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	struct sp_id id;
	enum sp_jur_event event = SP_EVENT_REFERRAL;
	int64_t at = sp_now_us();
	struct sp_case_event_effect fx;
	if (!http_jurisdiction_loaded(r) || http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	const char *name = json_string_value(json_object_get(r->json, "event"));
	const char *when = json_string_value(json_object_get(r->json, "at"));
	if (sp_jur_event_parse(name, &event) != SP_OK || !sp_case_event_by_hand(event))
		http_invalid(r, "/event", "must be referral or identification");
	if (when && sp_time_parse(when, &at) != SP_OK)
		http_invalid(r, "/at", "must be an RFC 3339 time in UTC");
	if (r->is_problem)
		return 1;
	http_casework(r, &cw);
	if (sp_case_event_record(&cw, r->opt->jurisdictions, r->opt->jurisdiction, &id, event, at,
				 &fx, &err))
		return http_problem_from_err(r, &err);
	char t[SP_TIME_STRLEN + 1];
	sp_time_format(at, t);
	int64_t now = sp_now_us();
	return http_reply_json(r, 201,
			       json_pack("{s:s, s:s, s:s, s:o, s:o}", "event", name, "at", t,
					 "jurisdiction", r->opt->jurisdiction->id, "started",
					 views(r, fx.started, fx.n_started, "en", now), "closed",
					 views(r, fx.closed, fx.n_closed, "en", now)));
}
