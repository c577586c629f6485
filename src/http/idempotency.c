/* Safe retries: a create sent with an Idempotency-Key runs once per user and key. The key's
 * record is written by the library's create in its own transaction (safepath/idempotency.h),
 * so a retry after an answer lost past the commit finds it and is answered with what the
 * first request made, read again through the policy and the audit like a GET. This file only
 * checks the header, fingerprints the request and picks the answer: it holds no SQL. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http/http.h"
#include "safepath/json.h"

/* The routes that create, with the replay answering a repeat of each. */
static const struct create {
	int (*handle)(struct http_req *r);
	int (*replay)(struct http_req *r, const struct sp_idem_record *rec);
	int status; /* the create's answer */
} creates[] = {
	{http_api_case_create, http_api_case_replay, 201},
	{http_api_note_add, http_api_note_replay, 201},
	{http_api_consent_add, http_api_consent_replay, 201},
	{http_api_need_add, http_api_need_replay, 201},
	{http_api_plan_add, http_api_plan_replay, 201},
	{http_api_tracing_create, http_api_tracing_replay, 201},
	{http_api_task_add, http_api_task_replay, 201},
	{http_api_agency_create, http_api_agency_replay, 201},
	{http_api_user_create, http_api_user_replay, 201},
	{http_api_screening_start, http_api_screening_replay, 201},
	{http_api_decision_add, http_api_decision_replay, 201},
	{http_api_referral_create, http_api_referral_replay, 201},
	{http_api_referral_incoming, http_api_referral_incoming_replay, 201},
	{http_api_closure_request, http_api_approval_replay, 201},
	{http_api_reopen, http_api_approval_replay, 201},
	{http_api_transfer_request, http_api_approval_replay, 201},
};

static const struct create *create_of(const struct http_route *rt)
{
	for (size_t i = 0; i < sizeof creates / sizeof creates[0]; i++)
		if (creates[i].handle == rt->handle)
			return &creates[i];
	return NULL;
}

/* The key's context: its hash, and the request's fingerprint (method, route, path and the
 * body in a canonical form, so that a retry with its members in another order matches). The
 * body is personal data: only its hash is kept, the text is wiped. */
static int fingerprint(struct http_req *r, const struct create *c, struct sp_idem *ctx)
{
	char *body = r->json ? sp_json_dump(r->json) : NULL;
	if (r->json && !body)
		return http_problem(r, 500, "internal", "Internal error", NULL);
	const char *parts[] = {http_method_name(r->method), r->route->pattern, r->path,
			       body ? body : ""};
	sp_idem_init(ctx, r->opt->keys, &r->subject.user, r->idem_key, parts,
		     sizeof parts / sizeof parts[0], c->status,
		     sp_config_get_int(r->opt->cfg, "idempotency-ttl-s"));
	if (body) {
		sodium_memzero(body, strlen(body));
		sp_json_free(body);
	}
	return 0;
}

static int replay(struct http_req *r, const struct create *c, const struct sp_idem_record *rec)
{
	if (!rec->same_request)
		return http_problem(r, 422, "idempotency-key-reused",
				    "The Idempotency-Key was used for another request",
				    "Repeat a request with its own key; a new request needs a new key.");
	return c->replay(r, rec);
}

/* Forget an answer the handler started (a problem), to give the replay's instead. */
static void reply_clear(struct http_req *r)
{
	json_decref(r->out);
	r->out = NULL;
	r->status = 0;
	r->is_problem = 0;
	r->location[0] = '\0';
	r->etag[0] = '\0';
}

int http_route_creates(const struct http_route *rt)
{
	return create_of(rt) != NULL;
}

int http_handle_keyed(struct http_req *r)
{
	const struct create *c = create_of(r->route);
	if (!c || !r->idem_key)
		return r->route->handle(r);
	struct sp_err err = {0};
	struct sp_idem ctx;
	struct sp_idem_record rec;
	if (sp_idem_key_check(r->idem_key, &err)) {
		char detail[sizeof err.msg + sizeof HTTP_IDEM_HEADER + 2];
		snprintf(detail, sizeof detail, HTTP_IDEM_HEADER " %s.", err.msg);
		return http_problem(r, 400, "validation", "Invalid " HTTP_IDEM_HEADER " header",
				    detail);
	}
	if (fingerprint(r, c, &ctx))
		return 1;
	int rc = sp_idem_find(r->w->store, &ctx, &rec, &err);
	if (rc == SP_OK)
		return replay(r, c, &rec);
	if (rc != SP_ENOTFOUND)
		return http_problem_from_err(r, &err);
	if ((rc = sp_idem_claim(&ctx, &err)))
		return rc == SP_ECONFLICT
			       ? http_problem(r, 409, "idempotency-key-in-use",
					      "A request with this Idempotency-Key is still running",
					      "Wait for its answer, or retry in a moment.")
			       : http_problem_from_err(r, &err);
	r->idem = &ctx;
	int out = r->route->handle(r);
	r->idem = NULL;
	sp_idem_release(&ctx);
	/* Another server recorded the key while ours ran: its create committed first, ours
	 * rolled back on the key (409). Answer with what the first made. */
	if (r->status == 409 && sp_idem_find(r->w->store, &ctx, &rec, &err) == SP_OK) {
		reply_clear(r);
		return replay(r, c, &rec);
	}
	return out;
}
