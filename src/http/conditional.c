/* Optimistic concurrency for every updatable resource: its ETag is its row version, and an
 * update names the version it was made from in If-Match. The library makes the compare and
 * set (UPDATE ... WHERE version = ?); this file only turns versions into entity tags and
 * back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

/* The routes that update a resource in place: each needs If-Match, checked by the pipeline
 * before the handler (which finds the version in r->if_version). */
static int (*const updates[])(struct http_req *r) = {
	http_api_case_patch,
	http_api_need_patch,
	http_api_plan_patch,
	http_api_task_patch,
	http_api_user_patch,
	http_api_user_password_reset,
	http_api_screening_patch,
	http_api_screening_complete,
	http_api_deadline_patch,
	http_api_service_patch,
	http_api_referral_event,
	http_api_referral_override,
	http_api_reassign,
	http_api_approval_decide,
	http_api_match_pair_decide,
	http_api_tracing_verify,
	http_api_tracing_assess,
	http_api_tracing_contact,
};

int http_route_updates(const struct http_route *rt)
{
	for (size_t i = 0; i < sizeof updates / sizeof updates[0]; i++)
		if (updates[i] == rt->handle)
			return 1;
	return 0;
}

void http_etag_version(struct http_req *r, int64_t version)
{
	snprintf(r->etag, sizeof r->etag, "\"%lld\"", (long long)version);
}

int http_precondition_failed(struct http_req *r)
{
	return http_problem(r, 412, "precondition-failed", "The resource has changed",
			    "Read it again and send its new ETag in If-Match.");
}

int http_if_match(struct http_req *r, int64_t *version)
{
	if (!r->if_match)
		return http_problem(r, 428, "precondition-required", "If-Match is required",
				    "Send the ETag of the resource as last read in If-Match.");
	const char *s = r->if_match;
	size_t n = strlen(s);
	char *end = NULL;
	long long v = n > 2 && n < 24 && s[0] == '"' && s[1] >= '1' && s[1] <= '9'
			      ? strtoll(s + 1, &end, 10)
			      : -1;
	if (v < 1 || !end || end != s + n - 1 || *end != '"')
		return http_precondition_failed(r); /* not one of our tags: it cannot match */
	*version = v;
	return 0;
}
