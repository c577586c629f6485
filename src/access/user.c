/* Users (the users table): accounts, their roles and Argon2id password hashes, one-time
 * passwords, login. Data-reading roles and resets of data-reading accounts go through
 * approvals (approval.c); everything else takes effect at once. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "access/access.h"

#define USER_COLS ACCESS_USER_COLS
#define USER_FROM " FROM users u JOIN agencies g ON g.id = u.agency_id "

static const char denied_msg[] = "wrong username or password";

void sp_user_subject(const struct sp_user *u, struct sp_subject *out)
{
	memset(out, 0, sizeof *out);
	out->user = u->id;
	out->agency = u->agency;
	out->agency_kind = u->agency_kind;
	out->roles = u->disabled ? 0 : u->roles;
}

static int roles_ok(unsigned roles, struct sp_err *err)
{
	if (roles == 0 || (roles & ~SP_ROLES_ALL))
		return sp_err_set(err, SP_EINVAL, "roles", "name at least one known role");
	if ((roles & SP_ROLE_ADMIN) && (roles & SP_ROLES_EXCLUSIVE_WITH_ADMIN))
		return sp_err_set(err, SP_EINVAL, "roles",
				  "admin cannot hold a role that reads case data");
	return SP_OK;
}

int access_user_row(struct sp_stmt *st, int col, struct sp_user *out, char *hash,
		    struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	const char *name = sp_stmt_text(st, col + 1);
	const char *kind = sp_stmt_text(st, col + 3);
	const char *h = sp_stmt_text(st, col + 9);
	int64_t roles = sp_stmt_int64(st, col + 4);
	if (sp_stmt_id(st, col, &out->id) || !name || strlen(name) >= sizeof out->username ||
	    sp_stmt_id(st, col + 2, &out->agency) || !kind ||
	    sp_agency_kind_parse(kind, &out->agency_kind) || roles < 0 ||
	    roles > (int64_t)SP_ROLES_ALL || !h || strlen(h) >= SP_PWHASH_SIZE)
		return sp_err_set(err, SP_EINTERNAL, "", "malformed users row");
	memcpy(out->username, name, strlen(name) + 1);
	out->roles = (unsigned)roles;
	out->must_change_password = sp_stmt_int64(st, col + 5) != 0;
	out->disabled = sp_stmt_int64(st, col + 6) != 0;
	out->created_us = sp_stmt_int64(st, col + 7);
	out->updated_us = sp_stmt_int64(st, col + 8);
	out->version = sp_stmt_int64(st, col + 10);
	if (hash)
		memcpy(hash, h, strlen(h) + 1);
	return SP_OK;
}

static int load(struct sp_access *a, const char *username, const struct sp_id *id,
		struct sp_user *out, char *hash, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store,
				  username ? "SELECT " USER_COLS USER_FROM "WHERE u.username = ?"
					   : "SELECT " USER_COLS USER_FROM "WHERE u.id = ?",
				  &st, err);
	if (rc)
		return rc;
	rc = access_step_key(st, username, id, err);
	if (rc == 1)
		rc = access_user_row(st, 0, out, hash, err);
	else if (rc == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "username", "no such user");
	sp_stmt_done(st);
	return rc;
}

int access_actor_refresh(struct sp_access *a, const struct sp_subject *actor,
			 struct sp_subject *out, struct sp_err *err)
{
	struct sp_user u = {0};
	int rc = load(a, NULL, &actor->user, &u, NULL, err);
	if (rc == SP_ENOTFOUND || (!rc && u.disabled))
		return sp_err_set(err, SP_EDENIED, "", "the acting user is unknown or disabled");
	if (rc)
		return rc;
	sp_user_subject(&u, out);
	return SP_OK;
}

int sp_user_get_by_name(struct sp_access *a, const char *username, struct sp_user *out,
			struct sp_err *err)
{
	return load(a, username, NULL, out, NULL, err);
}

int sp_user_get(struct sp_access *a, const struct sp_id *id, struct sp_user *out,
		struct sp_err *err)
{
	return load(a, NULL, id, out, NULL, err);
}

static int count(struct sp_access *a, const struct sp_id *agency, long *out, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store,
				  agency ? "SELECT COUNT(*) FROM users WHERE agency_id = ? AND "
					   "(roles & ?) <> 0"
					 : "SELECT COUNT(*) FROM users",
				  &st, err);
	if (rc)
		return rc;
	if (agency && (sp_stmt_bind_id(st, 1, agency) ||
		       sp_stmt_bind_int64(st, 2, SP_ROLE_SUPERVISOR)))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 1) {
		*out = (long)sp_stmt_int64(st, 0);
		rc = SP_OK;
	} else if (rc == 0) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "COUNT returned no row");
	}
	sp_stmt_done(st);
	return rc;
}

int access_user_count(struct sp_access *a, long *out, struct sp_err *err)
{
	return count(a, NULL, out, err);
}

int access_user_count_supervisors(struct sp_access *a, const struct sp_id *agency, long *out,
				  struct sp_err *err)
{
	return count(a, agency, out, err);
}

int access_user_insert(struct sp_access *a, const char *username, const struct sp_agency *ag,
		       unsigned roles, const char *pw_hash, int must_change, struct sp_user *out,
		       struct sp_err *err)
{
	struct sp_user u = {0};
	sp_id_new(&u.id);
	memcpy(u.username, username, strlen(username) + 1);
	u.agency = ag->id;
	u.agency_kind = ag->kind;
	u.roles = roles;
	u.must_change_password = must_change != 0;
	u.created_us = u.updated_us = sp_now_us();
	u.version = 1;
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store,
				  "INSERT INTO users (id, username, agency_id, roles, password_hash, "
				  "must_change_password, disabled, created_us, updated_us, version) "
				  "VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, 1)",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, &u.id) || sp_stmt_bind_text(st, 2, u.username) ||
	    sp_stmt_bind_id(st, 3, &u.agency) || sp_stmt_bind_int64(st, 4, u.roles) ||
	    sp_stmt_bind_text(st, 5, pw_hash) || sp_stmt_bind_int64(st, 6, u.must_change_password) ||
	    sp_stmt_bind_int64(st, 7, u.created_us) || sp_stmt_bind_int64(st, 8, u.updated_us))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	if (rc == SP_ECONFLICT)
		return sp_err_set(err, SP_ECONFLICT, "username", "this username is taken");
	if (rc < 0)
		return rc;
	*out = u;
	return SP_OK;
}

int access_user_grant(struct sp_access *a, const struct sp_id *user, unsigned add_roles,
		      const char *new_hash, int force_change, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store,
				  "UPDATE users SET roles = roles | ?, "
				  "password_hash = COALESCE(?, password_hash), "
				  "must_change_password = CASE WHEN ? = 1 THEN 1 "
				  "ELSE must_change_password END, updated_us = ? WHERE id = ?",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_int64(st, 1, add_roles) || sp_stmt_bind_text(st, 2, new_hash) ||
	    sp_stmt_bind_int64(st, 3, force_change ? 1 : 0) ||
	    sp_stmt_bind_int64(st, 4, sp_now_us()) || sp_stmt_bind_id(st, 5, user))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 0 && sp_stmt_changes(st) != 1)
		rc = sp_err_set(err, SP_ENOTFOUND, "username", "no such user");
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

int access_user_touch(struct sp_access *a, const struct sp_id *user, int64_t version,
		      struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store,
				  version ? "UPDATE users SET version = version + 1, updated_us = ? "
					    "WHERE id = ? AND version = ?"
					  : "UPDATE users SET version = version + 1, updated_us = ? "
					    "WHERE id = ?",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_int64(st, 1, sp_now_us()) || sp_stmt_bind_id(st, 2, user) ||
	    (version && sp_stmt_bind_int64(st, 3, version)))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 0 && sp_stmt_changes(st) != 1)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the user was changed meanwhile");
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

/* An account change sent with the version its client last read (0: none) stops here when
 * the account has moved on since, before any other check, so a stale request is always told
 * so; access_user_touch then makes the check hold against concurrent writers. */
static int version_check(const struct sp_user *u, int64_t version, struct sp_err *err)
{
	if (version && u->version != version)
		return sp_err_set(err, SP_ECONFLICT, "/version", "the user was changed meanwhile");
	return SP_OK;
}

/* The ending of the operations that hand out a one-time password: its hash is wiped either
 * way, the password itself unless all went well. Returns rc. */
static int otp_done(int rc, char hash[SP_PWHASH_SIZE], char otp[SP_OTP_SIZE])
{
	sodium_memzero(hash, SP_PWHASH_SIZE);
	if (rc)
		sodium_memzero(otp, SP_OTP_SIZE);
	return rc;
}

int sp_access_bootstrap(struct sp_access *a, const struct sp_agency *agency, const char *username,
			char otp[SP_OTP_SIZE], struct sp_user *out, struct sp_err *err)
{
	char hash[SP_PWHASH_SIZE];
	struct sp_user u = {0};
	struct sp_agency ag;
	long users = 0;
	otp[0] = '\0';
	int rc = sp_username_check(username, err);
	if (rc)
		return rc;
	/* hash before the write lock is taken: Argon2id is slow on purpose */
	rc = access_otp_new(a, otp, hash, err);
	if (rc)
		return rc;
	rc = sp_store_begin_write(a->store, err);
	if (rc)
		goto out;
	rc = access_user_count(a, &users, err);
	if (!rc && users)
		rc = sp_err_set(err, SP_ECONFLICT, "", "users exist already: not a new installation");
	if (!rc) {
		rc = sp_agency_get_by_code(a, agency->code, &ag, err);
		if (rc == SP_ENOTFOUND)
			rc = access_agency_insert(a, agency, &ag, err);
	}
	if (!rc)
		rc = access_user_insert(a, username, &ag, SP_ROLE_ADMIN, hash, 1, &u, err);
	struct access_event ev = {.action = "user.bootstrap", .object_kind = "user",
				  .object = u.id, .fields = "username,agency_id,password_hash",
				  .roles = SP_ROLE_ADMIN};
	rc = access_finish(a, rc, &ev, err);
out:
	if (otp_done(rc, hash, otp))
		return rc;
	if (out)
		*out = u;
	return SP_OK;
}

int sp_user_add(struct sp_access *a, const struct sp_subject *actor, const char *username,
		const char *agency_code, unsigned roles, char otp[SP_OTP_SIZE], struct sp_user *out,
		struct sp_id *approval, struct sp_err *err)
{
	char hash[SP_PWHASH_SIZE];
	struct sp_agency ag;
	struct sp_user u = {0};
	struct sp_id ap = {{0}};
	struct sp_subject me = *actor;
	otp[0] = '\0';
	int rc = access_allowed(actor, SP_ACT_USER_MANAGE, NULL, SP_AGENCY_NGO, err);
	if (!rc)
		rc = sp_username_check(username, err);
	if (!rc)
		rc = roles_ok(roles, err);
	if (rc)
		return rc;
	rc = access_otp_new(a, otp, hash, err);
	if (rc)
		return rc;
	rc = sp_store_begin_write(a->store, err);
	if (rc)
		goto out;
	rc = access_recheck(a, actor, SP_ACT_USER_MANAGE, &me, err);
	if (!rc)
		rc = sp_agency_get_by_code(a, agency_code, &ag, err);
	if (!rc)
		rc = access_user_insert(a, username, &ag, roles & ~SP_ROLES_DATA, hash, 1, &u, err);
	if (!rc && (roles & SP_ROLES_DATA))
		rc = access_approval_insert(a, SP_APPROVAL_GRANT_ROLE, &u, &me.user,
					    roles & SP_ROLES_DATA, &ap, err);
	if (!rc && a->idem)
		rc = sp_idem_record(a->store, a->idem, "user", &u.id, NULL, err);
	struct access_event ev = {.action = "user.add", .actor = &me, .object_kind = "user",
				  .object = u.id, .fields = "username,agency_id,password_hash",
				  .roles = roles, .approval = ap};
	rc = access_finish(a, rc, &ev, err);
out:
	if (otp_done(rc, hash, otp))
		return rc;
	if (out)
		*out = u;
	if (approval)
		*approval = ap;
	return SP_OK;
}

struct list_ctx {
	int (*cb)(const struct sp_user *u, void *ctx);
	void *ctx;
};

static int list_row(struct sp_stmt *st, void *ctx, struct sp_err *err)
{
	const struct list_ctx *l = ctx;
	struct sp_user u;
	int rc = access_user_row(st, 0, &u, NULL, err);
	return rc ? rc : l->cb(&u, l->ctx);
}

int sp_user_list(struct sp_access *a, const struct sp_subject *actor,
		 int (*cb)(const struct sp_user *u, void *ctx), void *ctx, struct sp_err *err)
{
	struct sp_subject me;
	int rc = access_recheck(a, actor, SP_ACT_USER_MANAGE, &me, err);
	if (rc)
		return rc;
	struct sp_stmt *st;
	rc = sp_store_prepare(a->store, "SELECT " USER_COLS USER_FROM "ORDER BY u.username", &st,
			      err);
	struct list_ctx l = {cb, ctx};
	return rc ? rc : access_each_row(st, list_row, &l, err);
}

/* The colleagues' row filter: holding one of the roles asked for. */
struct colleague_ctx {
	unsigned roles;
	int (*cb)(const struct sp_user *u, void *ctx);
	void *ctx;
};

static int colleague_cb(const struct sp_user *u, void *ctx)
{
	const struct colleague_ctx *c = ctx;
	return (u->roles & c->roles) ? c->cb(u, c->ctx) : 0;
}

int sp_user_colleagues(struct sp_access *a, const struct sp_subject *viewer, unsigned roles,
		       int (*cb)(const struct sp_user *u, void *ctx), void *ctx, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store,
				  "SELECT " USER_COLS USER_FROM
				  "WHERE u.agency_id = ? AND u.disabled = 0 ORDER BY u.username",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, &viewer->agency)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	struct colleague_ctx c = {roles, cb, ctx};
	struct list_ctx l = {colleague_cb, &c};
	return access_each_row(st, list_row, &l, err);
}

int sp_user_grant_roles(struct sp_access *a, const struct sp_subject *actor, const char *username,
			int64_t version, unsigned roles, struct sp_id *approval, struct sp_err *err)
{
	struct sp_user u = {0};
	struct sp_id ap = {{0}};
	int pending = 0;
	int rc = access_allowed(actor, SP_ACT_USER_MANAGE, NULL, SP_AGENCY_NGO, err);
	if (!rc)
		rc = roles_ok(roles, err);
	if (rc)
		return rc;
	rc = sp_store_begin_write(a->store, err);
	if (rc)
		return rc;
	struct sp_subject me = *actor;
	rc = access_recheck(a, actor, SP_ACT_USER_MANAGE, &me, err);
	if (!rc)
		rc = load(a, username, NULL, &u, NULL, err);
	if (!rc)
		rc = version_check(&u, version, err);
	unsigned add = roles & ~u.roles;
	if (!rc && u.disabled)
		rc = sp_err_set(err, SP_ECONFLICT, "username", "the user is disabled");
	if (!rc && add == 0)
		rc = sp_err_set(err, SP_ECONFLICT, "roles", "the user holds these roles already");
	if (!rc)
		rc = roles_ok(u.roles | add, err);
	if (!rc)
		rc = access_user_touch(a, &u.id, u.version, err);
	if (!rc && (add & SP_ROLES_DATA)) {
		rc = access_approval_pending(a, &u.id, SP_APPROVAL_GRANT_ROLE, &pending, err);
		if (!rc && pending)
			rc = sp_err_set(err, SP_ECONFLICT, "username",
					"a role grant for this user is pending already");
		if (!rc)
			rc = access_approval_insert(a, SP_APPROVAL_GRANT_ROLE, &u, &me.user,
						    add & SP_ROLES_DATA, &ap, err);
	}
	if (!rc && (add & ~SP_ROLES_DATA))
		rc = access_user_grant(a, &u.id, add & ~SP_ROLES_DATA, NULL, 0, err);
	struct access_event ev = {.action = "user.grant_roles", .actor = &me, .object_kind = "user",
				  .object = u.id, .roles = add, .approval = ap};
	rc = access_finish(a, rc, &ev, err);
	if (!rc && approval)
		*approval = ap;
	return rc;
}

/* Disable, enable or take roles away: one statement on the users row, with the actor
 * rechecked, in one transaction with its audit record. Disabling ends the user's sessions in
 * that same transaction; a role taken away is gone from the user's next request, which
 * reloads the account. */
struct account_change {
	const char *action; /* "user.disable" */
	const char *fields; /* what the audit record says changed */
	int disabled;       /* the account's new state; -1 keeps it */
	unsigned revoke;    /* roles to take away (user.revoke_roles) */
};

static int account_change(struct sp_access *a, const struct sp_subject *actor,
			  const char *username, int64_t version, const struct account_change *ch,
			  struct sp_err *err)
{
	struct sp_user u = {0};
	int rc = access_allowed(actor, SP_ACT_USER_MANAGE, NULL, SP_AGENCY_NGO, err);
	if (rc)
		return rc;
	rc = sp_store_begin_write(a->store, err);
	if (rc)
		return rc;
	struct sp_subject me = *actor;
	rc = access_recheck(a, actor, SP_ACT_USER_MANAGE, &me, err);
	if (!rc)
		rc = load(a, username, NULL, &u, NULL, err);
	if (!rc)
		rc = version_check(&u, version, err);
	if (!rc && memcmp(u.id.b, actor->user.b, SP_ID_LEN) == 0)
		rc = sp_err_set(err, SP_EINVAL, "username", "you cannot change your own account");
	if (!rc && ch->revoke && !(u.roles & ch->revoke))
		rc = sp_err_set(err, SP_ECONFLICT, "roles", "the user holds none of these roles");
	if (!rc && ch->revoke)
		rc = roles_ok(u.roles & ~ch->revoke, err);
	int disabled = ch->disabled < 0 ? u.disabled : ch->disabled;
	if (!rc && !ch->revoke && u.disabled == ch->disabled)
		rc = sp_err_set(err, SP_ECONFLICT, "disabled",
				ch->disabled ? "the user is disabled already" : "the user is not disabled");
	struct sp_stmt *st = NULL;
	if (!rc)
		rc = access_user_touch(a, &u.id, u.version, err);
	if (!rc)
		rc = sp_store_prepare(a->store,
				      "UPDATE users SET disabled = ?, roles = roles & ?, "
				      "updated_us = ? WHERE id = ?",
				      &st, err);
	if (!rc) {
		if (sp_stmt_bind_int64(st, 1, disabled) ||
		    sp_stmt_bind_int64(st, 2, (int64_t)(SP_ROLES_ALL & ~ch->revoke)) ||
		    sp_stmt_bind_int64(st, 3, sp_now_us()) || sp_stmt_bind_id(st, 4, &u.id))
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		else
			rc = sp_stmt_step(st, err);
		sp_stmt_done(st);
	}
	/* Sessions end with the account, in this same transaction. */
	if (!rc && disabled)
		rc = access_session_end_user(a, &u.id, err);
	struct access_event ev = {.action = ch->action, .actor = &me, .object_kind = "user",
				  .object = u.id, .fields = ch->fields, .roles = ch->revoke & u.roles};
	return access_finish(a, rc < 0 ? rc : SP_OK, &ev, err);
}

int sp_user_disable(struct sp_access *a, const struct sp_subject *actor, const char *username,
		    int64_t version, struct sp_err *err)
{
	const struct account_change ch = {"user.disable", "disabled", 1, 0};
	return account_change(a, actor, username, version, &ch, err);
}

int sp_user_enable(struct sp_access *a, const struct sp_subject *actor, const char *username,
		   int64_t version, struct sp_err *err)
{
	const struct account_change ch = {"user.enable", "disabled", 0, 0};
	return account_change(a, actor, username, version, &ch, err);
}

int sp_user_revoke_roles(struct sp_access *a, const struct sp_subject *actor,
			 const char *username, int64_t version, unsigned roles, struct sp_err *err)
{
	if (roles == 0 || (roles & ~SP_ROLES_ALL))
		return sp_err_set(err, SP_EINVAL, "roles", "name at least one known role");
	const struct account_change ch = {"user.revoke_roles", "roles", -1, roles};
	return account_change(a, actor, username, version, &ch, err);
}

/* Replace the hash only if it is still `old` (someone may have changed it meanwhile). */
static int swap_hash(struct sp_access *a, const struct sp_id *id, const char *old,
		     const char *new_hash, int clear_must_change, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store,
				  "UPDATE users SET password_hash = ?, must_change_password = "
				  "CASE WHEN ? = 1 THEN 0 ELSE must_change_password END, "
				  "updated_us = ?, version = version + 1 "
				  "WHERE id = ? AND password_hash = ?",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_text(st, 1, new_hash) || sp_stmt_bind_int64(st, 2, clear_must_change) ||
	    sp_stmt_bind_int64(st, 3, sp_now_us()) || sp_stmt_bind_id(st, 4, id) ||
	    sp_stmt_bind_text(st, 5, old))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 0 && sp_stmt_changes(st) != 1)
		rc = sp_err_set(err, SP_ECONFLICT, "password", "the password changed meanwhile");
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

/* Look the user up and verify the password, spending the same Argon2id work whether the user
 * exists or not (the crypto module verifies an unknown user against a dummy hash). */
static int check_password(struct sp_access *a, const char *username, const char *password,
			  struct sp_user *u, char hash[SP_PWHASH_SIZE], int *rehash,
			  struct sp_err *err)
{
	int known = 0, rc;
	if (sp_username_check(username, NULL) == SP_OK) {
		rc = load(a, username, NULL, u, hash, err);
		if (rc && rc != SP_ENOTFOUND)
			return rc;
		known = rc == SP_OK;
	}
	if (!known)
		memset(u, 0, sizeof *u);
	rc = access_pw_verify(a, known ? hash : NULL, password, rehash, err);
	if (rc == SP_EDENIED || (!rc && u->disabled))
		return sp_err_set(err, SP_EDENIED, "", "%s", denied_msg);
	return rc;
}

int sp_user_authenticate(struct sp_access *a, const char *username, const char *password,
			 struct sp_user *out, struct sp_err *err)
{
	struct sp_user u = {0};
	struct sp_subject who;
	char hash[SP_PWHASH_SIZE] = "";
	char upgraded[SP_PWHASH_SIZE] = "";
	int rehash = 0;
	int rc = check_password(a, username, password, &u, hash, &rehash, err);
	sp_user_subject(&u, &who);
	struct access_event ev = {.action = "user.login", .actor = &who, .object_kind = "user",
				  .object = u.id};
	if (rc == SP_EDENIED) {
		/* recorded with the account it named, if any; the refusal stands even when
		 * recording fails */
		struct sp_err ignored;
		ev.action = "user.login_failed";
		ev.actor = NULL;
		if (sp_store_begin_write(a->store, &ignored) == SP_OK)
			(void)access_finish(a, SP_OK, &ev, &ignored);
		goto out;
	}
	if (rc)
		goto out;
	if (rehash) {
		rc = access_pw_hash(a, password, upgraded, err);
		if (rc)
			goto out;
	}
	rc = sp_store_begin_write(a->store, err);
	if (rc)
		goto out;
	if (upgraded[0]) {
		rc = swap_hash(a, &u.id, hash, upgraded, 0, err);
		if (rc == SP_ECONFLICT) /* changed meanwhile: the login stands, the upgrade waits */
			rc = SP_OK;
		else if (!rc)
			ev.fields = "password_hash";
	}
	rc = access_finish(a, rc, &ev, err);
	if (!rc && out)
		*out = u;
out:
	sodium_memzero(hash, sizeof hash);
	sodium_memzero(upgraded, sizeof upgraded);
	return rc;
}

int sp_user_passwd(struct sp_access *a, const char *username, const char *old_password,
		   const char *new_password, struct sp_err *err)
{
	struct sp_user u = {0};
	struct sp_subject who;
	char hash[SP_PWHASH_SIZE] = "";
	char fresh[SP_PWHASH_SIZE] = "";
	int rc = access_pw_acceptable(new_password, err);
	if (rc)
		return rc;
	if (strcmp(old_password, new_password) == 0)
		return sp_err_set(err, SP_EINVAL, "password", "must differ from the old one");
	rc = check_password(a, username, old_password, &u, hash, NULL, err);
	if (!rc)
		rc = access_pw_hash(a, new_password, fresh, err);
	if (!rc)
		rc = sp_store_begin_write(a->store, err);
	if (!rc) {
		rc = swap_hash(a, &u.id, hash, fresh, 1, err);
		sp_user_subject(&u, &who);
		struct access_event ev = {.action = "user.passwd", .actor = &who,
					  .object_kind = "user", .object = u.id,
					  .fields = "password_hash,must_change_password"};
		rc = access_finish(a, rc, &ev, err);
	}
	sodium_memzero(hash, sizeof hash);
	sodium_memzero(fresh, sizeof fresh);
	return rc;
}

int sp_user_reset_password(struct sp_access *a, const struct sp_subject *actor,
			   const char *username, int64_t version, char otp[SP_OTP_SIZE],
			   struct sp_id *approval, struct sp_err *err)
{
	char hash[SP_PWHASH_SIZE] = "";
	struct sp_user u = {0};
	struct sp_id ap = {{0}};
	int pending = 0;
	otp[0] = '\0';
	int rc = access_allowed(actor, SP_ACT_USER_MANAGE, NULL, SP_AGENCY_NGO, err);
	if (!rc)
		rc = load(a, username, NULL, &u, NULL, err);
	if (!rc)
		rc = version_check(&u, version, err);
	if (!rc && memcmp(u.id.b, actor->user.b, SP_ID_LEN) == 0)
		rc = sp_err_set(err, SP_EINVAL, "username", "change your own password with passwd");
	if (!rc && u.disabled)
		rc = sp_err_set(err, SP_ECONFLICT, "username", "the user is disabled");
	if (rc)
		return rc;
	int gated = (u.roles & SP_ROLES_DATA) != 0;
	if (!gated) {
		rc = access_otp_new(a, otp, hash, err);
		if (rc)
			return rc;
	}
	rc = sp_store_begin_write(a->store, err);
	if (rc)
		goto out;
	struct sp_subject me = *actor;
	rc = access_recheck(a, actor, SP_ACT_USER_MANAGE, &me, err);
	if (!rc) /* read before the transaction: without a version, whatever it is now */
		rc = access_user_touch(a, &u.id, version, err);
	if (rc) {
		sp_store_rollback(a->store);
		goto out;
	}
	if (gated) {
		rc = access_approval_pending(a, &u.id, SP_APPROVAL_RESET_PASSWORD, &pending, err);
		if (!rc && pending)
			rc = sp_err_set(err, SP_ECONFLICT, "username",
					"a password reset for this user is pending already");
		if (!rc)
			rc = access_approval_insert(a, SP_APPROVAL_RESET_PASSWORD, &u, &actor->user, 0,
						    &ap, err);
	} else {
		/* the user may have been granted a data-reading role since load(): the update
		 * then still only touches an account whose roles we re-check here */
		struct sp_user now = {0};
		rc = load(a, NULL, &u.id, &now, NULL, err);
		if (!rc && (now.roles & SP_ROLES_DATA))
			rc = sp_err_set(err, SP_ECONFLICT, "username", "the user's roles changed");
		if (!rc)
			rc = access_user_grant(a, &u.id, 0, hash, 1, err);
	}
	struct access_event ev = {.action = "user.reset_password", .actor = &me,
				  .object_kind = "user", .object = u.id,
				  .fields = gated ? "" : "password_hash,must_change_password",
				  .approval = ap};
	rc = access_finish(a, rc, &ev, err);
out:
	if (otp_done(rc, hash, otp))
		return rc;
	if (approval)
		*approval = ap;
	return SP_OK;
}
