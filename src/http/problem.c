/* RFC 9457 problem documents (application/problem+json): type, title, status, detail and an
 * errors array of {pointer, reason}, one per bad field. A problem names fields and reasons,
 * never the value that was sent. */
#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "safepath/log.h"

int http_problem(struct http_req *r, int status, const char *slug, const char *title,
		 const char *detail)
{
	char type[96];
	snprintf(type, sizeof type, "urn:safepath:problem:%s", slug);
	if (r->out)
		json_decref(r->out);
	r->out = json_pack("{s:s, s:s, s:i}", "type", type, "title", title, "status", status);
	if (r->out && detail)
		json_object_set_new(r->out, "detail", json_string(detail));
	r->status = status;
	r->is_problem = 1;
	return 1;
}

int http_invalid(struct http_req *r, const char *pointer, const char *reason)
{
	if (!r->is_problem)
		http_problem(r, 400, "validation", "The request has invalid fields", NULL);
	http_problem_field(r, pointer, reason);
	return 1;
}

void http_problem_field(struct http_req *r, const char *pointer, const char *reason)
{
	if (!r->out)
		return;
	json_t *errors = json_object_get(r->out, "errors");
	if (!errors) {
		errors = json_array();
		if (!errors || json_object_set_new(r->out, "errors", errors))
			return;
	}
	json_array_append_new(errors, json_pack("{s:s, s:s}", "pointer", pointer, "reason", reason));
}

int http_problem_from_err(struct http_req *r, const struct sp_err *err)
{
	return http_problem_from_err_at(r, err, "");
}

int http_problem_from_err_at(struct http_req *r, const struct sp_err *err, const char *prefix)
{
	char pointer[sizeof err->field + 64];
	switch (err->code) {
	case SP_EINVAL:
		http_problem(r, 400, "validation", "The request has invalid fields", NULL);
		/* library fields are option-style names ("password") or pointers ("/name/0") */
		snprintf(pointer, sizeof pointer, "%s%s%s", prefix,
			 err->field[0] && err->field[0] != '/' ? "/" : "", err->field);
		http_problem_field(r, pointer, err->msg[0] ? err->msg : "is not valid");
		return 1;
	case SP_ETOOBIG:
		return http_problem(r, 413, "too-large", "The request is too large", err->msg);
	case SP_EDENIED:
		http_problem(r, 403, "forbidden", "Not allowed", err->msg);
		if (r->out && err->reason[0]) /* the policy's reason code, set with the refusal */
			json_object_set_new(r->out, "reason", json_string(err->reason));
		return 1;
	case SP_ENOTFOUND:
		return http_problem(r, 404, "not-found", "Not found", NULL);
	case SP_ECONFLICT: /* an update made from a version that is no longer current: 412 */
		if (strcmp(err->field, "/version") == 0)
			return http_precondition_failed(r);
		http_problem(r, 409, "conflict", "Conflict", err->msg);
		/* a conflict with the case's state names what is missing ("/consent") */
		if (err->field[0] == '/')
			http_problem_field(r, err->field, err->msg);
		if (r->out && err->reason[0])
			json_object_set_new(r->out, "reason", json_string(err->reason));
		return 1;
	case SP_EBUSY:
	case SP_EUNAVAIL:
		return http_problem(r, 503, "unavailable", "Try again shortly", NULL);
	case SP_EUNKNOWN: /* the database went during the commit */
		return http_problem(r, 503, "outcome-unknown", "The outcome is unknown",
				    "The change may or may not have been saved: send it again with the "
				    "same Idempotency-Key, or read the resource first.");
	default:
		/* the detail stays in the log, by status name only: no message reaches it */
		sp_log(SP_LOG_ERROR, "http.internal_error", "status", sp_status_name(err->code),
		       "route", http_req_template(r), (const char *)NULL);
		return http_problem(r, 500, "internal", "Internal error", NULL);
	}
}
