/* The session resource and the signed-in user: POST /api/v1/session logs in, DELETE logs
 * out, GET /api/v1/me says who, POST /api/v1/me/password changes the password (the one
 * request a one-time-password session may make, besides logging out). */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "http/http.h"
#include "safepath/log.h"
#include "safepath/policy.h"

static const struct http_field session_fields[] = {
	{"username", HTTP_F_STRING, 1, 256},
	{"password", HTTP_F_STRING, 1, SP_PASSWORD_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_session = {session_fields};

static const struct http_field password_fields[] = {
	{"current", HTTP_F_STRING, 1, SP_PASSWORD_MAX},
	{"new", HTTP_F_STRING, 1, SP_PASSWORD_MAX},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_password = {password_fields};

/* Ids, the user name, the agency and roles: what the client shows. */
json_t *http_user_json(const struct sp_user *u)
{
	char id[SP_ID_STRLEN + 1], agency[SP_ID_STRLEN + 1];
	sp_id_format(&u->id, id);
	sp_id_format(&u->agency, agency);
	json_t *roles = json_array();
	for (unsigned bit = 0; roles && bit < SP_ROLE_COUNT; bit++)
		if (u->roles & (1u << bit))
			json_array_append_new(roles, json_string(sp_role_name(1u << bit)));
	return json_pack("{s:s, s:s, s:s, s:s, s:o*, s:b}", "id", id, "username", u->username,
			 "agency", agency, "agency_kind", sp_agency_kind_name(u->agency_kind),
			 "roles", roles, "must_change_password", u->must_change_password);
}

static void session_cookie(struct http_req *r, const char *token, int64_t max_age)
{
	snprintf(r->set_cookie, sizeof r->set_cookie,
		 HTTP_SESSION_COOKIE "=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
		 token, (long long)max_age, r->tls ? "; Secure" : "");
}

/* Before any hashing: the counters of failed attempts for this user name and address. 0 to
 * go on with t filled; 1 with the response set (429, or an error). */
static int throttle_check(struct http_req *r, const char *username,
			  struct sp_throttle_limits *lim, struct sp_throttle *t)
{
	struct sp_err err = {0};
	int rc = sp_throttle_limits_from_config(r->opt->cfg, lim, &err);
	if (!rc)
		rc = sp_throttle_check(&r->w->access, r->opt->keys, lim, username, r->client_addr,
				       sp_now_us(), t, &err);
	if (rc)
		return http_problem_from_err(r, &err);
	if (t->retry_after_s <= 0)
		return 0;
	/* a locked-out guesser costs a read, not an Argon2id */
	r->retry_after_s = t->retry_after_s;
	sp_throttle_clear(t);
	sp_log(SP_LOG_INFO, "http.login_throttled", (const char *)NULL);
	return http_problem(r, 429, "login-throttled", "Too many failed log-ins",
			    "Wait for the time in Retry-After before trying again.");
}

/* After a wrong password: count it. The refusal stands even when counting fails; the log
 * says so. */
static void throttle_failed(struct http_req *r, const struct sp_throttle_limits *lim,
			    struct sp_throttle *t)
{
	struct sp_err err = {0};
	if (sp_throttle_failed(&r->w->access, lim, t, sp_now_us(), &err))
		sp_log(SP_LOG_WARN, "http.login_count_failed", "status", sp_status_name(err.code),
		       (const char *)NULL);
	sp_throttle_clear(t);
}

int http_api_session_create(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_user u;
	const char *username = json_string_value(json_object_get(r->json, "username"));
	const char *password = json_string_value(json_object_get(r->json, "password"));
	struct sp_throttle_limits lim;
	struct sp_throttle t;
	if (throttle_check(r, username, &lim, &t))
		return 1;
	http_hash_begin(r);
	int rc = sp_user_authenticate(&r->w->access, username, password, &u, &err);
	http_hash_end(r);
	if (rc == SP_EDENIED) { /* one answer for unknown users, wrong passwords, disabled accounts */
		throttle_failed(r, &lim, &t);
		return http_problem(r, 401, "login-failed", "Wrong username or password", NULL);
	}
	if (!rc) {
		struct sp_err ignored = {0};
		if (sp_throttle_succeeded(&r->w->access, &t, &ignored))
			sp_log(SP_LOG_WARN, "http.login_reset_failed", "status",
			       sp_status_name(ignored.code), (const char *)NULL);
	}
	sp_throttle_clear(&t);
	if (rc)
		return http_problem_from_err(r, &err);
	int64_t ttl = sp_config_get_int(r->opt->cfg, "session-ttl-s");
	char token[SP_SESSION_TOKEN_SIZE], csrf[SP_SESSION_TOKEN_SIZE];
	struct sp_session s;
	rc = sp_session_create(&r->w->access, r->opt->keys, &u, ttl, token, csrf, &s, &err);
	if (rc)
		return http_problem_from_err(r, &err);
	session_cookie(r, token, ttl);
	rc = http_reply_json(r, 201,
			     json_pack("{s:s, s:o*, s:b}", "csrf_token", csrf, "user", http_user_json(&u),
				       "must_change_password", u.must_change_password));
	sodium_memzero(token, sizeof token);
	sodium_memzero(csrf, sizeof csrf);
	return rc;
}

int http_api_session_delete(struct http_req *r)
{
	struct sp_err err = {0};
	int rc = sp_session_end(&r->w->access, &r->session, &err);
	if (rc && rc != SP_ENOTFOUND)
		return http_problem_from_err(r, &err);
	session_cookie(r, "", 0);
	return http_reply_empty(r, 204);
}

int http_api_me(struct http_req *r)
{
	return http_reply_json(r, 200, http_user_json(&r->user));
}

static int colleague_item(const struct sp_user *u, void *ctx)
{
	json_t *j = http_user_json(u);
	if (j)
		json_object_del(j, "must_change_password");
	return j && json_array_append_new(ctx, j) == 0 ? 0 : -1;
}

/* GET /api/v1/me/colleagues?role=ROLE,ROLE: the enabled users of the caller's agency holding
 * one of the roles (all of them without ?role), to pick an assignee or a focal point. */
int http_api_me_colleagues(struct http_req *r)
{
	static const char *const params[] = {"role", NULL};
	struct sp_err err = {0};
	if (http_query_only(r, params))
		return 1;
	const char *role = http_query(r, "role");
	unsigned roles = SP_ROLES_ALL;
	if (role && sp_roles_parse(role, &roles, &err))
		return http_invalid(r, "/role", "must be roles separated by commas");
	json_t *items = json_array();
	int rc = items ? sp_user_colleagues(&r->w->access, &r->subject, roles, colleague_item,
					    items, &err)
		       : SP_ENOMEM;
	if (rc) {
		json_decref(items);
		if (!err.code) /* the list ran out of memory, not the store */
			sp_err_set(&err, SP_ENOMEM, "", "out of memory");
		return http_problem_from_err(r, &err);
	}
	return http_reply_json(r, 200, json_pack("{s:o}", "items", items));
}

int http_api_me_password(struct http_req *r)
{
	struct sp_err err = {0};
	const char *current = json_string_value(json_object_get(r->json, "current"));
	const char *fresh = json_string_value(json_object_get(r->json, "new"));
	/* whoever holds a session must not get to guess its user's password at full speed:
	 * the same counters as logging in */
	struct sp_throttle_limits lim;
	struct sp_throttle t;
	if (throttle_check(r, r->user.username, &lim, &t))
		return 1;
	http_hash_begin(r);
	int rc = sp_user_passwd(&r->w->access, r->user.username, current, fresh, &err);
	http_hash_end(r);
	if (rc == SP_EDENIED)
		throttle_failed(r, &lim, &t);
	sp_throttle_clear(&t);
	if (rc == SP_EDENIED) {
		http_problem(r, 400, "validation", "The request has invalid fields", NULL);
		http_problem_field(r, "/current", "is not the current password");
		return 1;
	}
	if (rc == SP_EINVAL) {
		http_problem(r, 400, "validation", "The request has invalid fields", NULL);
		http_problem_field(r, "/new", err.msg);
		return 1;
	}
	if (rc)
		return http_problem_from_err(r, &err);
	return http_reply_empty(r, 204);
}
