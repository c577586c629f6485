/* The route table: every route with its method, path pattern, who may call it, its body
 * schema and its handler. Paths match strictly, segment by segment: case counts, and no
 * trailing slash, empty segment or dot segment ever matches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

const struct http_route http_routes[] = {
	{HTTP_GET, "/healthz", HTTP_AUTH_NONE, 0, NULL, http_api_healthz},
	{HTTP_GET, "/metrics", HTTP_AUTH_NONE, 0, NULL, http_api_metrics},
	{HTTP_POST, "/api/v1/session", HTTP_AUTH_NONE, 0, &http_schema_session,
	 http_api_session_create},
	{HTTP_DELETE, "/api/v1/session", HTTP_AUTH_OTP_OK, 0, NULL, http_api_session_delete},
	{HTTP_GET, "/api/v1/me", HTTP_AUTH_SESSION, 0, NULL, http_api_me},
	{HTTP_POST, "/api/v1/me/password", HTTP_AUTH_OTP_OK, 0, &http_schema_password,
	 http_api_me_password},
	{HTTP_GET, "/api/v1/me/colleagues", HTTP_AUTH_SESSION, 0, NULL, http_api_me_colleagues},
	{HTTP_POST, "/api/v1/cases", HTTP_AUTH_SESSION, 0, &http_schema_case_create,
	 http_api_case_create},
	{HTTP_GET, "/api/v1/cases", HTTP_AUTH_SESSION, 0, NULL, http_api_case_list},
	{HTTP_POST, "/api/v1/cases/search", HTTP_AUTH_SESSION, 0, &http_schema_case_search,
	 http_api_case_search},
	{HTTP_GET, "/api/v1/cases/:id", HTTP_AUTH_SESSION, 0, NULL, http_api_case_get},
	{HTTP_POST, "/api/v1/persons/match-check", HTTP_AUTH_SESSION, 0, &http_schema_match_check,
	 http_api_match_check},
	{HTTP_POST, "/api/v1/cases/:id/links", HTTP_AUTH_SESSION, 0, &http_schema_link,
	 http_api_link_add},
	{HTTP_GET, "/api/v1/cases/:id/links", HTTP_AUTH_SESSION, 0, NULL, http_api_link_list},
	{HTTP_DELETE, "/api/v1/cases/:id/links/:other", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_link_undo},
	{HTTP_PATCH, "/api/v1/cases/:id", HTTP_AUTH_SESSION, 0, &http_schema_case_patch,
	 http_api_case_patch},
	{HTTP_POST, "/api/v1/cases/:id/notes", HTTP_AUTH_SESSION, 0, &http_schema_note,
	 http_api_note_add},
	{HTTP_GET, "/api/v1/cases/:id/notes", HTTP_AUTH_SESSION, 0, NULL, http_api_note_list},
	{HTTP_POST, "/api/v1/cases/:id/consents", HTTP_AUTH_SESSION, 0, &http_schema_consent,
	 http_api_consent_add},
	{HTTP_GET, "/api/v1/cases/:id/consents", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_consent_list},
	{HTTP_GET, "/api/v1/protocols", HTTP_AUTH_SESSION, 0, NULL, http_api_protocol_list},
	{HTTP_GET, "/api/v1/protocols/:ref", HTTP_AUTH_SESSION, 0, NULL, http_api_protocol_get},
	{HTTP_POST, "/api/v1/cases/:id/screenings", HTTP_AUTH_SESSION, 0,
	 &http_schema_screening_start, http_api_screening_start},
	{HTTP_GET, "/api/v1/cases/:id/screenings", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_screening_list},
	{HTTP_GET, "/api/v1/screenings/:id", HTTP_AUTH_SESSION, 0, NULL, http_api_screening_get},
	{HTTP_PATCH, "/api/v1/screenings/:id", HTTP_AUTH_SESSION, 0, &http_schema_screening_patch,
	 http_api_screening_patch},
	{HTTP_POST, "/api/v1/screenings/:id/complete", HTTP_AUTH_SESSION, 0,
	 &http_schema_screening_complete, http_api_screening_complete},
	{HTTP_POST, "/api/v1/cases/:id/decisions", HTTP_AUTH_SESSION, 0,
	 &http_schema_decision_create, http_api_decision_add},
	{HTTP_GET, "/api/v1/cases/:id/decisions", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_decision_list},
	{HTTP_GET, "/api/v1/decisions/:id", HTTP_AUTH_SESSION, 0, NULL, http_api_decision_get},
	{HTTP_GET, "/api/v1/jurisdiction", HTTP_AUTH_SESSION, 0, NULL, http_api_jurisdiction_get},
	{HTTP_POST, "/api/v1/cases/:id/needs", HTTP_AUTH_SESSION, 0, &http_schema_need_create,
	 http_api_need_add},
	{HTTP_GET, "/api/v1/cases/:id/needs", HTTP_AUTH_SESSION, 0, NULL, http_api_need_list},
	{HTTP_PATCH, "/api/v1/needs/:id", HTTP_AUTH_SESSION, 0, &http_schema_need_patch,
	 http_api_need_patch},
	{HTTP_POST, "/api/v1/cases/:id/plan", HTTP_AUTH_SESSION, 0, &http_schema_goal_create,
	 http_api_plan_add},
	{HTTP_GET, "/api/v1/cases/:id/plan", HTTP_AUTH_SESSION, 0, NULL, http_api_plan_list},
	{HTTP_PATCH, "/api/v1/plan/:id", HTTP_AUTH_SESSION, 0, &http_schema_goal_patch,
	 http_api_plan_patch},
	{HTTP_POST, "/api/v1/tracing/requests", HTTP_AUTH_SESSION, 0, &http_schema_tracing_create,
	 http_api_tracing_create},
	{HTTP_GET, "/api/v1/tracing/requests", HTTP_AUTH_SESSION, 0, NULL, http_api_tracing_list},
	{HTTP_GET, "/api/v1/tracing/requests/:id", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_tracing_get},
	{HTTP_POST, "/api/v1/tracing/requests/:id/match", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_tracing_rematch},
	{HTTP_POST, "/api/v1/tracing/requests/:id/close", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_tracing_close},
	{HTTP_GET, "/api/v1/cases/:id/tracing-matches", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_case_tracing},
	{HTTP_GET, "/api/v1/tracing/matches/:id", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_tracing_match_get},
	{HTTP_POST, "/api/v1/tracing/matches/:id/verification", HTTP_AUTH_SESSION, 0,
	 &http_schema_tracing_verification, http_api_tracing_verify},
	{HTTP_POST, "/api/v1/tracing/matches/:id/assessment", HTTP_AUTH_SESSION, 0,
	 &http_schema_tracing_assessment, http_api_tracing_assess},
	{HTTP_POST, "/api/v1/tracing/matches/:id/contact", HTTP_AUTH_SESSION, 0,
	 &http_schema_tracing_contact, http_api_tracing_contact},
	{HTTP_POST, "/api/v1/cases/:id/tasks", HTTP_AUTH_SESSION, 0, &http_schema_task_create,
	 http_api_task_add},
	{HTTP_GET, "/api/v1/cases/:id/tasks", HTTP_AUTH_SESSION, 0, NULL, http_api_task_list},
	{HTTP_PATCH, "/api/v1/tasks/:id", HTTP_AUTH_SESSION, 0, &http_schema_task_patch,
	 http_api_task_patch},
	{HTTP_GET, "/api/v1/me/tasks", HTTP_AUTH_SESSION, 0, NULL, http_api_me_tasks},
	{HTTP_GET, "/api/v1/me/dashboard", HTTP_AUTH_SESSION, 0, NULL, http_api_me_dashboard},
	{HTTP_GET, "/api/v1/me/notifications", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_me_notifications},
	{HTTP_GET, "/api/v1/me/notifications/count", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_me_notification_count},
	{HTTP_POST, "/api/v1/me/notifications/:id/read", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_me_notification_read},
	{HTTP_POST, "/api/v1/me/notifications/read-all", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_me_notification_read_all},
	{HTTP_GET, "/api/v1/cases/:id/deadlines", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_deadline_list},
	{HTTP_GET, "/api/v1/deadlines", HTTP_AUTH_SESSION, 0, NULL, http_api_agency_deadlines},
	{HTTP_GET, "/api/v1/services", HTTP_AUTH_SESSION, 0, NULL, http_api_service_search},
	{HTTP_POST, "/api/v1/services", HTTP_AUTH_SESSION, 0, &http_schema_services_import,
	 http_api_services_import},
	{HTTP_GET, "/api/v1/services/:id", HTTP_AUTH_SESSION, 0, NULL, http_api_service_get},
	{HTTP_PATCH, "/api/v1/services/:id", HTTP_AUTH_SESSION, 0, &http_schema_service_patch,
	 http_api_service_patch},
	{HTTP_GET, "/api/v1/focal-points", HTTP_AUTH_SESSION, 0, NULL, http_api_focal_list},
	{HTTP_POST, "/api/v1/focal-points", HTTP_AUTH_SESSION, 0, &http_schema_focal_create,
	 http_api_focal_create},
	{HTTP_DELETE, "/api/v1/focal-points/:id", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_focal_delete},
	{HTTP_GET, "/api/v1/routing-rules", HTTP_AUTH_SESSION, 0, NULL, http_api_routing_list},
	{HTTP_POST, "/api/v1/routing-rules", HTTP_AUTH_SESSION, 0, &http_schema_routing_create,
	 http_api_routing_create},
	{HTTP_DELETE, "/api/v1/routing-rules/:id", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_routing_delete},
	{HTTP_GET, "/api/v1/routing", HTTP_AUTH_SESSION, 0, NULL, http_api_routing_resolve},
	{HTTP_PATCH, "/api/v1/deadlines/:id", HTTP_AUTH_SESSION, 0, &http_schema_deadline_patch,
	 http_api_deadline_patch},
	{HTTP_POST, "/api/v1/cases/:id/events", HTTP_AUTH_SESSION, 0, &http_schema_case_event,
	 http_api_case_event},
	{HTTP_POST, "/api/v1/cases/:id/legal-hold", HTTP_AUTH_SESSION, 0, &http_schema_legal_hold,
	 http_api_legal_hold_set},
	{HTTP_DELETE, "/api/v1/cases/:id/legal-hold", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_legal_hold_lift},
	{HTTP_POST, "/api/v1/cases/:id/subject-exports", HTTP_AUTH_SESSION, 0,
	 &http_schema_subject_export, http_api_subject_export_create},
	{HTTP_GET, "/api/v1/cases/:id/subject-exports", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_subject_export_list_case},
	{HTTP_GET, "/api/v1/subject-exports", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_subject_export_list},
	{HTTP_POST, "/api/v1/subject-exports", HTTP_AUTH_SESSION, 0,
	 &http_schema_subject_export_case, http_api_subject_export_create_by_case},
	{HTTP_GET, "/api/v1/subject-exports/:id", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_subject_export_get},
	{HTTP_GET, "/api/v1/subject-exports/:id/document", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_subject_export_document},
	{HTTP_POST, "/api/v1/cases/:id/referrals", HTTP_AUTH_SESSION, 0,
	 &http_schema_referral_create, http_api_referral_create},
	{HTTP_GET, "/api/v1/cases/:id/referrals", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_referral_list},
	{HTTP_GET, "/api/v1/referrals", HTTP_AUTH_SESSION, 0, NULL, http_api_referral_inbox},
	{HTTP_POST, "/api/v1/referrals/incoming", HTTP_AUTH_SESSION, 0,
	 &http_schema_referral_incoming, http_api_referral_incoming},
	{HTTP_POST, "/api/v1/referrals/expiry", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_referral_expire},
	{HTTP_GET, "/api/v1/referrals/:id", HTTP_AUTH_SESSION, 0, NULL, http_api_referral_get},
	{HTTP_POST, "/api/v1/referrals/:id/events", HTTP_AUTH_SESSION, 0,
	 &http_schema_referral_event, http_api_referral_event},
	{HTTP_GET, "/api/v1/referrals/:id/print", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_referral_print},
	{HTTP_POST, "/api/v1/referrals/:id/override", HTTP_AUTH_SESSION, 0,
	 &http_schema_referral_override, http_api_referral_override},
	{HTTP_GET, "/api/v1/match-pairs", HTTP_AUTH_SESSION, 0, NULL, http_api_match_pairs},
	{HTTP_POST, "/api/v1/match-pairs/:id/decision", HTTP_AUTH_SESSION, 0,
	 &http_schema_match_pair_decision, http_api_match_pair_decide},
	{HTTP_POST, "/api/v1/cases/:id/closure", HTTP_AUTH_SESSION, 0, &http_schema_closure,
	 http_api_closure_request},
	{HTTP_POST, "/api/v1/cases/:id/reopen", HTTP_AUTH_SESSION, 0, &http_schema_reopen,
	 http_api_reopen},
	{HTTP_POST, "/api/v1/cases/:id/transfer", HTTP_AUTH_SESSION, 0, &http_schema_transfer,
	 http_api_transfer_request},
	{HTTP_POST, "/api/v1/cases/:id/reassign", HTTP_AUTH_SESSION, 0, &http_schema_reassign,
	 http_api_reassign},
	{HTTP_POST, "/api/v1/cases/:id/break-glass", HTTP_AUTH_SESSION, 0,
	 &http_schema_break_glass, http_api_break_glass},
	{HTTP_GET, "/api/v1/cases/:id/approvals", HTTP_AUTH_SESSION, 0, NULL,
	 http_api_case_approvals},
	{HTTP_GET, "/api/v1/approvals", HTTP_AUTH_SESSION, 0, NULL, http_api_approval_list},
	{HTTP_GET, "/api/v1/approvals/:id", HTTP_AUTH_SESSION, 0, NULL, http_api_approval_get},
	{HTTP_POST, "/api/v1/approvals/:id/decision", HTTP_AUTH_SESSION, 0,
	 &http_schema_approval_decision, http_api_approval_decide},
	{HTTP_GET, "/api/v1/agencies", HTTP_AUTH_SESSION, 0, NULL, http_api_agency_list},
	{HTTP_POST, "/api/v1/agencies", HTTP_AUTH_SESSION, 0, &http_schema_agency_create,
	 http_api_agency_create},
	{HTTP_GET, "/api/v1/agencies/:id", HTTP_AUTH_SESSION, 0, NULL, http_api_agency_get},
	{HTTP_GET, "/api/v1/users", HTTP_AUTH_SESSION, 0, NULL, http_api_user_list},
	{HTTP_POST, "/api/v1/users", HTTP_AUTH_SESSION, 0, &http_schema_user_create,
	 http_api_user_create},
	{HTTP_GET, "/api/v1/users/:id", HTTP_AUTH_SESSION, 0, NULL, http_api_user_get},
	{HTTP_PATCH, "/api/v1/users/:id", HTTP_AUTH_SESSION, 0, &http_schema_user_patch,
	 http_api_user_patch},
	{HTTP_POST, "/api/v1/users/:id/password-reset", HTTP_AUTH_SESSION, 0,
	 NULL, http_api_user_password_reset},
	{HTTP_GET, "/api/v1/audit", HTTP_AUTH_SESSION, 0, NULL, http_api_audit_list},
	{HTTP_GET, "/api/v1/audit/verify", HTTP_AUTH_SESSION, 0, NULL, http_api_audit_verify},
	/* the web shell (static.c): its files, and its pages, which are all index.html */
	{HTTP_GET, "/", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/login", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/cases", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/cases/:id", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/screenings/:id", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/tasks", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/notifications", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/deadlines", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/services", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/services/import", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/services/:id", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/focal-points", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/referrals", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/referrals/:id", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/referrals/:id/print", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/approvals", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/duplicates", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/subject-access", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/referrals/incoming/new", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/tracing", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/tracing/requests/:id", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/tracing/matches/:id", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/users", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/agencies", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/audit", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/assets/app.js", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/assets/app.css", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_GET, "/assets/icon.svg", HTTP_AUTH_NONE, 0, NULL, http_static_get},
	{HTTP_METHOD_OTHER, NULL, HTTP_AUTH_NONE, 0, NULL, NULL},
};

int http_route_is_static(const struct http_route *rt)
{
	return rt->handle == http_static_get;
}

/* One path segment: what a ":name" pattern segment accepts (ids, case numbers, protocol
 * references "ID@VERSION"). */
static int param_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '@'))
			return 0;
	}
	return 1;
}

int http_path_match(const char *pattern, const char *path)
{
	if (*pattern != '/' || *path != '/')
		return 0;
	if (pattern[1] == '\0')
		return path[1] == '\0';
	while (*pattern && *path) {
		pattern++; /* the '/' of both */
		path++;
		size_t pn = strcspn(pattern, "/"), sn = strcspn(path, "/");
		if (sn == 0 || (sn == 1 && path[0] == '.') ||
		    (sn == 2 && path[0] == '.' && path[1] == '.'))
			return 0; /* empty, "." or ".." segment */
		if (pn > 1 && pattern[0] == ':') {
			if (!param_ok(path, sn))
				return 0;
		} else if (pn != sn || memcmp(pattern, path, sn) != 0) {
			return 0;
		}
		pattern += pn;
		path += sn;
	}
	return *pattern == '\0' && *path == '\0';
}

/* Where the path's n-th parameter segment starts and how long it is; 0 if there is none. */
static int path_param(const char *pattern, const char *path, size_t n, const char **at,
		      size_t *len)
{
	while (*pattern == '/' && *path == '/') {
		pattern++;
		path++;
		size_t pn = strcspn(pattern, "/"), sn = strcspn(path, "/");
		if (pn > 1 && pattern[0] == ':' && n-- == 0) {
			*at = path;
			*len = sn;
			return 1;
		}
		pattern += pn;
		path += sn;
	}
	return 0;
}

int http_path_id(struct http_req *r, size_t n, struct sp_id *out)
{
	char s[SP_ID_STRLEN + 1];
	const char *at;
	size_t len;
	if (!r->route || !path_param(r->route->pattern, r->path, n, &at, &len) ||
	    len != SP_ID_STRLEN)
		return http_problem(r, 404, "not-found", "Not found", NULL);
	memcpy(s, at, len);
	s[len] = '\0';
	if (sp_id_parse(s, out) != SP_OK)
		return http_problem(r, 404, "not-found", "Not found", NULL);
	return 0;
}

const char *http_query(const struct http_req *r, const char *name)
{
	for (size_t i = 0; i < r->n_query && i < HTTP_QUERY_MAX; i++)
		if (strcmp(r->query[i].name, name) == 0)
			return r->query[i].value ? r->query[i].value : "";
	return NULL;
}

const struct sp_id *http_query_cursor(struct http_req *r, struct sp_id *buf)
{
	const char *v = http_query(r, "cursor");
	if (!v)
		return NULL;
	if (sp_id_parse(v, buf) != SP_OK) {
		http_invalid(r, "/cursor", "must be a next_cursor value");
		return NULL;
	}
	return buf;
}

int http_query_limit(struct http_req *r, long max, long *limit)
{
	const char *v = http_query(r, "limit");
	if (!v)
		return 0;
	char *end = NULL;
	long n = strtol(v, &end, 10);
	if (!*v || *end || n < 1 || n > max) {
		char reason[40];
		snprintf(reason, sizeof reason, "must be 1 to %ld", max);
		return http_invalid(r, "/limit", reason);
	}
	*limit = n;
	return 0;
}

const char *http_query_lang(struct http_req *r, const char *fallback, char buf[SP_CODE_MAX])
{
	const char *q = http_query(r, "lang");
	struct sp_err err = {0};
	if (!q)
		return fallback;
	if (sp_language_code(q, buf, &err)) {
		http_invalid(r, "/lang", "unknown language");
		return NULL;
	}
	return buf;
}

int http_query_time(struct http_req *r, const char *name, int64_t *us)
{
	const char *v = http_query(r, name);
	char pointer[24];
	snprintf(pointer, sizeof pointer, "/%s", name);
	if (v && (sp_time_parse(v, us) != SP_OK || *us == 0))
		return http_invalid(r, pointer, "must be an RFC 3339 time in UTC or a date");
	return 0;
}

int http_query_only(struct http_req *r, const char *const *allowed)
{
	if (r->n_query > HTTP_QUERY_MAX)
		return http_problem(r, 400, "validation", "Too many query parameters", NULL);
	for (size_t i = 0; i < r->n_query; i++) {
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->query[j].name, r->query[i].name) == 0)
				return http_problem(r, 400, "validation",
						    "A query parameter is repeated", NULL);
		size_t k = 0;
		while (allowed && allowed[k] && strcmp(allowed[k], r->query[i].name) != 0)
			k++;
		if (!allowed || !allowed[k]) /* the name is not repeated: it is client input */
			return http_problem(r, 400, "validation", "Unknown query parameter",
					    "This request takes no other query parameters.");
	}
	return 0;
}

const struct http_route *http_route_find(enum http_method method, const char *path,
					 int *path_known, char *allow, size_t allow_n)
{
	*path_known = 0;
	if (allow_n)
		allow[0] = '\0';
	size_t used = 0;
	for (const struct http_route *rt = http_routes; rt->pattern; rt++) {
		if (!http_path_match(rt->pattern, path))
			continue;
		if (rt->method == method)
			return rt;
		*path_known = 1;
		int w = snprintf(allow + used, allow_n - used, "%s%s", used ? ", " : "",
				 http_method_name(rt->method));
		if (w > 0 && (size_t)w < allow_n - used)
			used += (size_t)w;
	}
	return NULL;
}

bool http_jurisdiction_loaded(struct http_req *r)
{
	if (r->opt->jurisdiction && r->opt->jurisdictions)
		return true;
	http_problem(r, 503, "unavailable", "Try again shortly", "No jurisdiction file is loaded.");
	return false;
}

const char *http_query_lang_only(struct http_req *r, const char *fallback, char buf[SP_CODE_MAX])
{
	static const char *const allowed[] = {"lang", NULL};
	return http_query_only(r, allowed) ? NULL : http_query_lang(r, fallback, buf);
}
