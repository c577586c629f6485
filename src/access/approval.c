/* Approvals (the approvals table): the four-eyes gate on data-reading roles and on resetting
 * the password of an account that holds one. A supervisor of the user's agency, who is
 * neither the requester nor the user, grants or denies; a grant forces a password change and
 * is flagged to the DPO. */
#include <string.h>

#include <sodium.h>

#include "access/access.h"
#include "safepath/notification.h"

static const char *const kind_names[SP_APPROVAL_KIND_COUNT] = {
	[SP_APPROVAL_GRANT_ROLE] = "grant_role",
	[SP_APPROVAL_RESET_PASSWORD] = "reset_password",
};

static const char *const status_names[SP_APPROVAL_STATUS_COUNT] = {
	[SP_APPROVAL_PENDING] = "pending",
	[SP_APPROVAL_GRANTED] = "granted",
	[SP_APPROVAL_DENIED] = "denied",
};

const char *sp_approval_kind_name(enum sp_approval_kind k)
{
	return (unsigned)k < SP_APPROVAL_KIND_COUNT ? kind_names[k] : "?";
}

const char *sp_approval_status_name(enum sp_approval_status s)
{
	return (unsigned)s < SP_APPROVAL_STATUS_COUNT ? status_names[s] : "?";
}

static int parse_name(const char *const *names, int count, const char *s, int *out)
{
	for (int i = 0; s && i < count; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

#define APPROVAL_COLS                                                                      \
	"p.id, p.kind, p.target_user_id, u.agency_id, p.requested_by, p.requested_roles, " \
	"p.status, p.requested_us, p.decided_by, p.decided_us, p.flagged_to_dpo"
#define APPROVAL_FROM " FROM approvals p JOIN users u ON u.id = p.target_user_id "

static int read_row(struct sp_stmt *st, struct sp_approval *out, struct sp_err *err)
{
	int kind, status;
	int64_t roles = sp_stmt_int64(st, 5);
	memset(out, 0, sizeof *out);
	if (sp_stmt_id(st, 0, &out->id) ||
	    parse_name(kind_names, SP_APPROVAL_KIND_COUNT, sp_stmt_text(st, 1), &kind) ||
	    sp_stmt_id(st, 2, &out->target) || sp_stmt_id(st, 3, &out->target_agency) ||
	    sp_stmt_id(st, 4, &out->requested_by) || roles < 0 || roles > (int64_t)SP_ROLES_ALL ||
	    parse_name(status_names, SP_APPROVAL_STATUS_COUNT, sp_stmt_text(st, 6), &status) ||
	    (!sp_stmt_is_null(st, 8) && sp_stmt_id(st, 8, &out->decided_by)))
		return sp_err_set(err, SP_EINTERNAL, "", "malformed approvals row");
	out->kind = (enum sp_approval_kind)kind;
	out->status = (enum sp_approval_status)status;
	out->requested_roles = (unsigned)roles;
	out->requested_us = sp_stmt_int64(st, 7);
	out->decided_us = sp_stmt_is_null(st, 9) ? 0 : sp_stmt_int64(st, 9);
	out->flagged_to_dpo = sp_stmt_int64(st, 10) != 0;
	return SP_OK;
}

int access_approval_insert(struct sp_access *a, enum sp_approval_kind kind,
			   const struct sp_user *target, const struct sp_id *requested_by,
			   unsigned roles, struct sp_id *out, struct sp_err *err)
{
	struct sp_id id = {{0}};
	sp_id_new(&id);
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store,
				  "INSERT INTO approvals (id, kind, target_user_id, requested_by, "
				  "requested_roles, status, requested_us, flagged_to_dpo) "
				  "VALUES (?, ?, ?, ?, ?, 'pending', ?, 0)",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, &id) || sp_stmt_bind_text(st, 2, sp_approval_kind_name(kind)) ||
	    sp_stmt_bind_id(st, 3, &target->id) || sp_stmt_bind_id(st, 4, requested_by) ||
	    sp_stmt_bind_int64(st, 5, roles) || sp_stmt_bind_int64(st, 6, sp_now_us()))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	/* it waits for a supervisor of the user's agency */
	struct sp_notice n = {.kind = SP_NOTIFY_APPROVAL_PENDING, .agency = target->agency,
			      .roles = SP_ROLE_SUPERVISOR, .object = id};
	if (rc >= 0)
		rc = sp_notify(a->store, &n, NULL, err);
	if (rc < 0)
		return rc;
	*out = id;
	return SP_OK;
}

int access_approval_pending(struct sp_access *a, const struct sp_id *user,
			    enum sp_approval_kind kind, int *yes, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store,
				  "SELECT 1 FROM approvals WHERE target_user_id = ? AND kind = ? "
				  "AND status = 'pending'",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, user) || sp_stmt_bind_text(st, 2, sp_approval_kind_name(kind)))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	if (rc < 0)
		return rc;
	*yes = rc == 1;
	return SP_OK;
}

int sp_approval_get(struct sp_access *a, const struct sp_id *id, struct sp_approval *out,
		    struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store, "SELECT " APPROVAL_COLS APPROVAL_FROM "WHERE p.id = ?",
				  &st, err);
	if (rc)
		return rc;
	rc = access_step_key(st, NULL, id, err);
	if (rc == 1)
		rc = read_row(st, out, err);
	else if (rc == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "approval", "no such approval");
	sp_stmt_done(st);
	return rc;
}

struct list_ctx {
	int (*cb)(const struct sp_approval *ap, void *ctx);
	void *ctx;
};

static int list_row(struct sp_stmt *st, void *ctx, struct sp_err *err)
{
	const struct list_ctx *l = ctx;
	struct sp_approval ap;
	int rc = read_row(st, &ap, err);
	return rc ? rc : l->cb(&ap, l->ctx);
}

int sp_approval_list(struct sp_access *a, const struct sp_subject *actor, int pending_only,
		     int (*cb)(const struct sp_approval *ap, void *ctx), void *ctx,
		     struct sp_err *err)
{
	struct sp_subject me;
	int rc = access_actor_refresh(a, actor, &me, err);
	if (rc)
		return rc;
	int all = (me.roles & SP_ROLE_ADMIN) != 0;
	int agency = (me.roles & SP_ROLE_SUPERVISOR) != 0;
	int flagged = (me.roles & SP_ROLE_DPO) != 0;
	if (!all && !agency && !flagged)
		return sp_err_set(err, SP_EDENIED, "", "approval.list: denied: no_role");
	struct sp_stmt *st;
	rc = sp_store_prepare(a->store,
				  "SELECT " APPROVAL_COLS APPROVAL_FROM
				  "WHERE (? = 1 OR (? = 1 AND u.agency_id = ?) "
				  "OR (? = 1 AND p.flagged_to_dpo = 1)) "
				  "AND (? = 0 OR p.status = 'pending') ORDER BY p.requested_us, p.id",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_int64(st, 1, all) || sp_stmt_bind_int64(st, 2, agency) ||
	    sp_stmt_bind_id(st, 3, &me.agency) || sp_stmt_bind_int64(st, 4, flagged) ||
	    sp_stmt_bind_int64(st, 5, pending_only ? 1 : 0)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	struct list_ctx l = {cb, ctx};
	return access_each_row(st, list_row, &l, err);
}

static int same(const struct sp_id *x, const struct sp_id *y)
{
	return memcmp(x->b, y->b, SP_ID_LEN) == 0;
}

/* Everything a decision needs, checked inside the write transaction.
 *
 * The approver is a supervisor of the user's agency (policy: approval.grant). An agency that
 * never had a supervisor (a new installation, a new agency) could never get its first one,
 * so there, and only there, another administrator may decide; it is still four eyes (never
 * the requester nor the user) and every grant is flagged to the DPO. *bootstrap says so.
 * Disabled supervisors count as had: disabling them all does not reopen this path. */
static int decidable(struct sp_access *a, const struct sp_subject *actor, const struct sp_id *id,
		     struct sp_approval *ap, struct sp_user *target, struct sp_subject *me,
		     int *bootstrap, struct sp_err *err)
{
	long supervisors = 0;
	*bootstrap = 0;
	int rc = access_actor_refresh(a, actor, me, err);
	if (!rc)
		rc = sp_approval_get(a, id, ap, err);
	if (!rc)
		rc = sp_user_get(a, &ap->target, target, err);
	if (rc)
		return rc;
	actor = me;
	rc = access_allowed(actor, SP_ACT_APPROVAL_GRANT, &target->agency, target->agency_kind,
			    err);
	if (rc == SP_EDENIED && (actor->roles & SP_ROLE_ADMIN)) {
		struct sp_err keep = *err;
		rc = access_user_count_supervisors(a, &target->agency, &supervisors, err);
		if (rc)
			return rc;
		if (supervisors > 0) {
			*err = keep;
			return SP_EDENIED;
		}
		*bootstrap = 1;
	}
	if (rc)
		return rc;
	if (same(&actor->user, &ap->requested_by))
		return sp_err_set(err, SP_EDENIED, "approval", "the requester cannot decide it");
	if (same(&actor->user, &ap->target))
		return sp_err_set(err, SP_EDENIED, "approval", "nobody decides on their own access");
	if (ap->status != SP_APPROVAL_PENDING)
		return sp_err_set(err, SP_ECONFLICT, "approval", "already %s",
				  sp_approval_status_name(ap->status));
	return SP_OK;
}

static int set_status(struct sp_access *a, const struct sp_id *id, const struct sp_id *by,
		      enum sp_approval_status status, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store,
				  "UPDATE approvals SET status = ?, decided_by = ?, decided_us = ?, "
				  "flagged_to_dpo = ? WHERE id = ? AND status = 'pending'",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_text(st, 1, sp_approval_status_name(status)) ||
	    sp_stmt_bind_id(st, 2, by) || sp_stmt_bind_int64(st, 3, sp_now_us()) ||
	    sp_stmt_bind_int64(st, 4, status == SP_APPROVAL_GRANTED) || sp_stmt_bind_id(st, 5, id))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 0 && sp_stmt_changes(st) != 1)
		rc = sp_err_set(err, SP_ECONFLICT, "approval", "no longer pending");
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

int sp_approval_grant(struct sp_access *a, const struct sp_subject *actor, const struct sp_id *id,
		      char otp[SP_OTP_SIZE], struct sp_err *err)
{
	struct sp_approval ap = {0};
	struct sp_user target = {0};
	char hash[SP_PWHASH_SIZE] = "";
	struct sp_subject me = *actor;
	int bootstrap = 0;
	otp[0] = '\0';
	/* Argon2id before the write lock; thrown away when the grant does not need it */
	int rc = access_otp_new(a, otp, hash, err);
	if (rc)
		return rc;
	rc = sp_store_begin_write(a->store, err);
	if (rc)
		goto out;
	rc = decidable(a, actor, id, &ap, &target, &me, &bootstrap, err);
	if (!rc && target.disabled)
		rc = sp_err_set(err, SP_ECONFLICT, "approval", "the user is disabled");
	if (!rc && ap.kind == SP_APPROVAL_GRANT_ROLE && (target.roles & SP_ROLE_ADMIN))
		rc = sp_err_set(err, SP_EINVAL, "approval",
				"admin cannot hold a role that reads case data");
	/* A new one-time password when resetting, or when the account still holds the one an
	 * administrator was shown: the admin must never hold a data-reading credential. */
	int fresh = ap.kind == SP_APPROVAL_RESET_PASSWORD || target.must_change_password;
	if (!rc)
		rc = set_status(a, id, &me.user, SP_APPROVAL_GRANTED, err);
	if (!rc)
		rc = access_user_grant(a, &target.id,
				       ap.kind == SP_APPROVAL_GRANT_ROLE ? ap.requested_roles : 0,
				       fresh ? hash : NULL, 1, err);
	if (!rc)
		rc = access_user_touch(a, &target.id, 0, err);
	struct access_event ev = {.action = bootstrap ? "approval.grant_bootstrap" : "approval.grant",
				  .actor = &me,
				  .object_kind = "user",
				  .object = target.id,
				  .fields = fresh ? "approval_status,must_change_password,password_hash"
						  : "approval_status,must_change_password",
				  .roles = ap.kind == SP_APPROVAL_GRANT_ROLE ? ap.requested_roles : 0,
				  .approval = *id,
				  .flag_dpo = 1};
	if (!rc)
		rc = access_audit(a, &ev, err);
	if (!rc)
		rc = sp_store_commit(a->store, err);
	if (rc)
		sp_store_rollback(a->store);
	if (!rc && !fresh)
		sodium_memzero(otp, SP_OTP_SIZE);
out:
	sodium_memzero(hash, sizeof hash);
	if (rc)
		sodium_memzero(otp, SP_OTP_SIZE);
	return rc;
}

int sp_approval_deny(struct sp_access *a, const struct sp_subject *actor, const struct sp_id *id,
		     struct sp_err *err)
{
	struct sp_approval ap = {0};
	struct sp_user target = {0};
	struct sp_subject me = *actor;
	int bootstrap = 0;
	int rc = sp_store_begin_write(a->store, err);
	if (rc)
		return rc;
	rc = decidable(a, actor, id, &ap, &target, &me, &bootstrap, err);
	if (!rc)
		rc = set_status(a, id, &me.user, SP_APPROVAL_DENIED, err);
	struct access_event ev = {.action = "approval.deny", .actor = &me, .object_kind = "user",
				  .object = target.id, .fields = "approval_status",
				  .roles = ap.requested_roles, .approval = *id};
	if (!rc)
		rc = access_audit(a, &ev, err);
	if (!rc)
		rc = sp_store_commit(a->store, err);
	if (rc)
		sp_store_rollback(a->store);
	return rc;
}
