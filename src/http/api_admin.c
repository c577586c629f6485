/* The agency and user resources: an administrator's work. Every request is one access
 * operation (src/access/), which checks the actor against the policy and audits its writes in
 * its own transaction; reading user accounts is audited here, one record per page. A one-time
 * password is in the one answer that hands it out and nowhere else. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http/http.h"

#define ADMIN_PAGE_MAX 100 /* a user page's rows: one audit record names them all */

static const struct http_field agency_create_fields[] = {
	{"code", HTTP_F_STRING, 1, SP_AGENCY_CODE_MAX - 1},
	{"name", HTTP_F_STRING, 1, SP_AGENCY_NAME_MAX - 1},
	{"kind", HTTP_F_STRING, 1, 32},
	{"country", HTTP_F_STRING, 1, 3},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_agency_create = {agency_create_fields};

static const struct http_field user_create_fields[] = {
	{"username", HTTP_F_STRING, 1, SP_USERNAME_MAX - 1},
	{"agency", HTTP_F_STRING, 1, SP_ID_STRLEN},
	{"roles", HTTP_F_ARRAY, 1, 0},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_user_create = {user_create_fields};

/* One change a request: each is its own transaction in the library, so two in one request
 * could be half done. */
static const struct http_field user_patch_fields[] = {
	{"grant_roles", HTTP_F_ARRAY, 0, 0},
	{"revoke_roles", HTTP_F_ARRAY, 0, 0},
	{"disabled", HTTP_F_BOOL, 0, 0},
	{NULL, HTTP_F_STRING, 0, 0},
};
const struct http_schema http_schema_user_patch = {user_patch_fields};

/* A page's position in a list the library hands over whole, in its own order: rows after
 * the one whose id is the cursor, at most limit of them. */
struct page {
	struct sp_id after;
	int has_after, passed;
	long limit;
	size_t n;
	struct sp_id ids[ADMIN_PAGE_MAX];
	int more;
	json_t *items;
};

static int page_init(struct http_req *r, struct page *pg, long max)
{
	memset(pg, 0, sizeof *pg);
	pg->limit = 20;
	const char *v = http_query(r, "cursor");
	if (v && sp_id_parse(v, &pg->after) != SP_OK)
		http_invalid(r, "/cursor", "must be a next_cursor value");
	pg->has_after = v != NULL;
	http_query_limit(r, max, &pg->limit);
	if (r->is_problem)
		return 1;
	pg->items = json_array();
	return pg->items ? 0 : http_problem(r, 500, "internal", "Internal error", NULL);
}

/* Take a row with this id and JSON (stolen) if it is on the page; 1 stops the walk. */
static int page_take(struct page *pg, const struct sp_id *id, json_t *row)
{
	if (pg->has_after && !pg->passed) {
		pg->passed = memcmp(id->b, pg->after.b, SP_ID_LEN) == 0;
		json_decref(row);
		return 0;
	}
	if ((long)pg->n == pg->limit) {
		pg->more = 1;
		json_decref(row);
		return 1;
	}
	pg->ids[pg->n++] = *id;
	return json_array_append_new(pg->items, row) ? -1 : 0;
}

static int page_reply(struct http_req *r, struct page *pg)
{
	char cursor[SP_ID_STRLEN + 1];
	if (pg->more)
		sp_id_format(&pg->ids[pg->n - 1], cursor);
	return http_reply_json(r, 200, json_pack("{s:o, s:s?}", "items", pg->items, "next_cursor",
						 pg->more ? cursor : NULL));
}

/* ---- agencies ---- */

static json_t *agency_json(const struct sp_agency *ag)
{
	char id[SP_ID_STRLEN + 1], created[SP_TIME_STRLEN + 1];
	sp_id_format(&ag->id, id);
	sp_time_format(ag->created_us, created);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "code", ag->code, "name",
			 ag->name, "kind", sp_agency_kind_name(ag->kind), "country", ag->country,
			 "created_at", created);
}

static int agency_row(const struct sp_agency *ag, void *ctx)
{
	json_t *j = agency_json(ag);
	return j ? page_take(ctx, &ag->id, j) : -1;
}

int http_api_agency_list(struct http_req *r)
{
	static const char *const params[] = {"cursor", "limit", NULL};
	struct sp_err err = {0};
	struct page pg;
	if (http_query_only(r, params) || page_init(r, &pg, ADMIN_PAGE_MAX))
		return 1;
	int rc = sp_agency_list(&r->w->access, agency_row, &pg, &err);
	if (rc < 0 && !err.code)
		sp_err_set(&err, SP_ENOMEM, "", "out of memory");
	if (rc < 0) {
		json_decref(pg.items);
		return http_problem_from_err(r, &err);
	}
	return page_reply(r, &pg);
}

/* The thread's access context with this request's idempotency key, for one create. */
static struct sp_access keyed_access(const struct http_req *r)
{
	struct sp_access a = r->w->access;
	a.idem = r->idem;
	return a;
}

static int agency_created(struct http_req *r, int status, const struct sp_agency *ag)
{
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&ag->id, id);
	snprintf(r->location, sizeof r->location, "/api/v1/agencies/%s", id);
	return http_reply_json(r, status, agency_json(ag));
}

int http_api_agency_replay(struct http_req *r, const struct sp_idem_record *rec)
{
	struct sp_err err = {0};
	struct sp_agency ag;
	if (sp_agency_get(&r->w->access, &rec->resource, &ag, &err))
		return http_problem_from_err(r, &err);
	return agency_created(r, rec->status, &ag);
}

int http_api_agency_get(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_id id;
	struct sp_agency ag;
	if (http_query_only(r, NULL) || http_path_id(r, 0, &id))
		return 1;
	if (sp_agency_get(&r->w->access, &id, &ag, &err))
		return http_problem_from_err(r, &err);
	return http_reply_json(r, 200, agency_json(&ag));
}

static void copy_member(struct http_req *r, const char *name, char *dst, size_t n)
{
	const char *s = json_string_value(json_object_get(r->json, name));
	char pointer[16];
	snprintf(pointer, sizeof pointer, "/%s", name);
	if (strlen(s) >= n)
		http_invalid(r, pointer, "is too long");
	else
		memcpy(dst, s, strlen(s) + 1);
}

/* The library checks an agency's fields in turn and stops at the first bad one: each field
 * is checked here beside known-good others, so that every bad one is named. */
static void agency_fields_check(struct http_req *r, const struct sp_agency *in)
{
	static const struct sp_agency good = {.code = "AA", .name = "a", .country = "ZZ"};
	struct sp_err err = {0};
	struct sp_agency probe = good;
	memcpy(probe.code, in->code, sizeof probe.code);
	if (sp_agency_check(&probe, &err))
		http_invalid(r, "/code", err.msg);
	probe = good;
	memcpy(probe.name, in->name, sizeof probe.name);
	if (sp_agency_check(&probe, &err))
		http_invalid(r, "/name", err.msg);
	probe = good;
	memcpy(probe.country, in->country, sizeof probe.country);
	if (sp_agency_check(&probe, &err))
		http_invalid(r, "/country", err.msg);
}

int http_api_agency_create(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_agency in = {0}, out;
	if (http_query_only(r, NULL))
		return 1;
	copy_member(r, "code", in.code, sizeof in.code);
	copy_member(r, "name", in.name, sizeof in.name);
	copy_member(r, "country", in.country, sizeof in.country);
	if (sp_agency_kind_parse(json_string_value(json_object_get(r->json, "kind")), &in.kind))
		http_invalid(r, "/kind", "unknown agency kind");
	agency_fields_check(r, &in);
	if (r->is_problem)
		return 1;
	struct sp_access a = keyed_access(r);
	if (sp_agency_add(&a, &r->subject, &in, &out, &err))
		return http_problem_from_err(r, &err);
	return agency_created(r, 201, &out);
}

/* ---- users ---- */

/* What an administrator sees of an account: never its password hash. */
static json_t *user_json(const struct sp_user *u)
{
	json_t *j = http_user_json(u);
	char created[SP_TIME_STRLEN + 1], updated[SP_TIME_STRLEN + 1];
	sp_time_format(u->created_us, created);
	sp_time_format(u->updated_us, updated);
	if (j && (json_object_set_new(j, "disabled", json_boolean(u->disabled)) ||
		  json_object_set_new(j, "version", json_integer((json_int_t)u->version)) ||
		  json_object_set_new(j, "created_at", json_string(created)) ||
		  json_object_set_new(j, "updated_at", json_string(updated)))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static int user_row(const struct sp_user *u, void *ctx)
{
	json_t *j = user_json(u);
	return j ? page_take(ctx, &u->id, j) : -1;
}

#define USER_FIELDS "username,agency,roles,disabled"

int http_api_user_list(struct http_req *r)
{
	static const char *const params[] = {"cursor", "limit", NULL};
	struct sp_err err = {0};
	struct page pg;
	if (http_query_only(r, params) || page_init(r, &pg, ADMIN_PAGE_MAX))
		return 1;
	int rc = sp_user_list(&r->w->access, &r->subject, user_row, &pg, &err);
	if (rc < 0 && !err.code)
		sp_err_set(&err, SP_ENOMEM, "", "out of memory");
	if (rc < 0) {
		json_decref(pg.items);
		return http_problem_from_err(r, &err);
	}
	if (http_audit_read(r, "user.list", "user", pg.ids, pg.n, USER_FIELDS, NULL)) {
		json_decref(pg.items);
		return 1;
	}
	return page_reply(r, &pg);
}

/* The user the path names, if the actor may manage users: reading an account is managing
 * it (the library's user list asks the same). 1 with a problem set otherwise. */
static int user_by_id(struct http_req *r, const struct sp_id *id, struct sp_user *u)
{
	struct sp_err err = {0};
	const struct sp_policy_request req = {.action = SP_ACT_USER_MANAGE};
	struct sp_decision d;
	if (sp_policy_check(&r->subject, &req, NULL, &d, &err) ||
	    sp_user_get(&r->w->access, id, u, &err))
		return http_problem_from_err(r, &err);
	return 0;
}

static int user_of_path(struct http_req *r, struct sp_user *u)
{
	struct sp_id id;
	return http_path_id(r, 0, &id) || user_by_id(r, &id, u);
}

int http_api_user_get(struct http_req *r)
{
	struct sp_user u = {0};
	if (http_query_only(r, NULL) || user_of_path(r, &u) ||
	    http_audit_read(r, "user.read", "user", &u.id, 1, USER_FIELDS, NULL))
		return 1;
	http_etag_version(r, u.version);
	return http_reply_json(r, 200, user_json(&u));
}

static void user_location(struct http_req *r, const struct sp_user *u)
{
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&u->id, id);
	snprintf(r->location, sizeof r->location, "/api/v1/users/%s", id);
}

/* A role-name array as a mask, each unknown or repeated name reported below pointer. */
static unsigned roles_decode(struct http_req *r, const char *member)
{
	json_t *list = json_object_get(r->json, member), *v;
	size_t i;
	unsigned mask = 0, bit;
	char pointer[40];
	if (json_array_size(list) == 0) {
		snprintf(pointer, sizeof pointer, "/%s", member);
		http_invalid(r, pointer, "name at least one role");
	}
	json_array_foreach(list, i, v) {
		snprintf(pointer, sizeof pointer, "/%s/%zu", member, i);
		if (!json_is_string(v) || sp_role_parse(json_string_value(v), &bit) != SP_OK)
			http_invalid(r, pointer, "unknown role");
		else if (mask & bit)
			http_invalid(r, pointer, "is repeated");
		else
			mask |= bit;
	}
	return mask;
}

/* Add the one-time password (wiped here) and a pending approval to an answer. */
static json_t *with_secrets(json_t *j, char otp[SP_OTP_SIZE], const struct sp_id *approval)
{
	char ap[SP_ID_STRLEN + 1];
	sp_id_format(approval, ap);
	if (j && otp[0] && json_object_set_new(j, "one_time_password", json_string(otp)))
		j = NULL;
	if (j && !sp_id_is_zero(approval) && json_object_set_new(j, "approval", json_string(ap)))
		j = NULL;
	sodium_memzero(otp, SP_OTP_SIZE);
	return j;
}

int http_api_user_create(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_id agency_id, approval = {{0}};
	struct sp_agency ag;
	struct sp_user u = {0};
	char otp[SP_OTP_SIZE] = "";
	if (http_query_only(r, NULL))
		return 1;
	const char *username = json_string_value(json_object_get(r->json, "username"));
	if (sp_username_check(username, &err))
		http_invalid(r, "/username", err.msg);
	if (sp_id_parse(json_string_value(json_object_get(r->json, "agency")), &agency_id))
		http_invalid(r, "/agency", "must be an agency id");
	unsigned roles = roles_decode(r, "roles");
	if (r->is_problem)
		return 1;
	int rc = sp_agency_get(&r->w->access, &agency_id, &ag, &err);
	if (rc == SP_ENOTFOUND)
		return http_invalid(r, "/agency", "no such agency");
	struct sp_access a = keyed_access(r);
	if (!rc)
		rc = sp_user_add(&a, &r->subject, username, ag.code, roles, otp, &u, &approval,
				 &err);
	if (rc) {
		sodium_memzero(otp, sizeof otp);
		return http_problem_from_err(r, &err);
	}
	user_location(r, &u);
	return http_reply_json(r, 201, with_secrets(user_json(&u), otp, &approval));
}

/* A repeated create: the account as it is now, read (and audited) as a GET reads it. Its
 * one-time password was in the first answer only, and is not kept anywhere to be shown
 * again: when that answer was lost, reset the password. */
int http_api_user_replay(struct http_req *r, const struct sp_idem_record *rec)
{
	struct sp_user u = {0};
	if (user_by_id(r, &rec->resource, &u) ||
	    http_audit_read(r, "user.read", "user", &u.id, 1, USER_FIELDS, NULL))
		return 1;
	user_location(r, &u);
	return http_reply_json(r, rec->status, user_json(&u));
}

int http_api_user_patch(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_user u = {0};
	struct sp_id approval = {{0}};
	char otp[SP_OTP_SIZE] = "";
	int64_t version = r->if_version;
	if (http_query_only(r, NULL))
		return 1;
	json_t *only = json_object_iter_value(json_object_iter(r->json));
	if (json_object_size(r->json) != 1 || json_is_null(only))
		return http_invalid(r, "", "give exactly one of grant_roles, revoke_roles, disabled");
	json_t *disabled = json_object_get(r->json, "disabled");
	unsigned grant = json_object_get(r->json, "grant_roles") ? roles_decode(r, "grant_roles") : 0;
	unsigned revoke =
		json_object_get(r->json, "revoke_roles") ? roles_decode(r, "revoke_roles") : 0;
	if (r->is_problem || user_of_path(r, &u))
		return 1;
	struct sp_access *a = &r->w->access;
	const char *name = u.username;
	int rc = grant    ? sp_user_grant_roles(a, &r->subject, name, version, grant, &approval, &err)
		 : revoke ? sp_user_revoke_roles(a, &r->subject, name, version, revoke, &err)
		 : json_is_true(disabled) ? sp_user_disable(a, &r->subject, name, version, &err)
					  : sp_user_enable(a, &r->subject, name, version, &err);
	if (!rc)
		rc = sp_user_get(a, &u.id, &u, &err);
	if (!rc)
		http_etag_version(r, u.version);
	if (rc == SP_EINVAL) /* the library names its own argument: point at the member sent */
		snprintf(err.field, sizeof err.field, "/%s",
			 json_object_iter_key(json_object_iter(r->json)));
	if (rc)
		return http_problem_from_err(r, &err);
	return http_reply_json(r, 200, with_secrets(user_json(&u), otp, &approval));
}

int http_api_user_password_reset(struct http_req *r)
{
	struct sp_err err = {0};
	struct sp_user u = {0};
	struct sp_id approval = {{0}};
	char otp[SP_OTP_SIZE] = "";
	int64_t version = r->if_version;
	if (http_query_only(r, NULL) || user_of_path(r, &u))
		return 1;
	if (sp_user_reset_password(&r->w->access, &r->subject, u.username, version, otp,
				   &approval, &err)) {
		sodium_memzero(otp, sizeof otp);
		if (err.code == SP_EINVAL) /* the user is in the path: no body member to name */
			err.field[0] = '\0';
		return http_problem_from_err(r, &err);
	}
	/* a data-reading account's reset waits for a supervisor, who hands the password over;
	 * the account's new ETag goes with the answer (the reset moved its version on) */
	if (sp_user_get(&r->w->access, &u.id, &u, &err) == SP_OK)
		http_etag_version(r, u.version);
	int status = otp[0] ? 200 : 202;
	return http_reply_json(r, status, with_secrets(json_object(), otp, &approval));
}
