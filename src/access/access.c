/* The access context (store + password parameters), the audit call site of every access
 * operation, and the checks the table files share. */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "access/access.h"
#include "safepath/log.h"

int sp_access_init_params(struct sp_access *a, struct sp_store *s, const struct sp_kdf_params *pw,
			  struct sp_err *err)
{
	memset(a, 0, sizeof *a);
	if (sodium_init() < 0)
		return sp_err_set(err, SP_ECRYPTO, "", "libsodium failed to initialise");
	int rc = sp_kdf_params_check(pw, err);
	if (rc)
		return rc;
	a->store = s;
	a->pw = *pw;
	return SP_OK;
}

int sp_access_init(struct sp_access *a, struct sp_store *s, const struct sp_config *cfg,
		   struct sp_err *err)
{
	struct sp_kdf_params pw;
	int rc = sp_pwhash_params_from_config(cfg, &pw, err);
	return rc ? rc : sp_access_init_params(a, s, &pw, err);
}

void sp_access_set_audit_keys(struct sp_access *a, const struct sp_audit_keys *keys)
{
	a->audit_keys = keys;
}

/* "roles:caseworker/supervisor": the audit trail's tokens allow no '=' or spaces. */
static int roles_token(unsigned roles, char *out, size_t n)
{
	char list[256];
	if (sp_roles_format(roles, list, sizeof list))
		return -1;
	for (char *p = list; *p; p++)
		if (*p == ',')
			*p = '/';
	int w = snprintf(out, n, "roles:%s", list);
	return w < 0 || (size_t)w >= n ? -1 : 0;
}

int access_audit(struct sp_access *a, const struct access_event *ev, struct sp_err *err)
{
	if (!a->audit_keys) /* no access write ever goes unrecorded */
		return sp_err_set(err, SP_EINTERNAL, "", "access writes need the audit keys");
	char actor_roles[256] = "", fields[512], granted[300] = "", reason[64] = "";
	if (ev->actor && sp_roles_format(ev->actor->roles, actor_roles, sizeof actor_roles))
		return sp_err_set(err, SP_EINTERNAL, "", "audit: bad actor roles");
	if (ev->roles && roles_token(ev->roles, granted, sizeof granted))
		return sp_err_set(err, SP_EINTERNAL, "", "audit: bad roles");
	const char *changed = ev->fields ? ev->fields : "";
	int w = snprintf(fields, sizeof fields, "%s%s%s", changed, *changed && *granted ? "," : "",
			 granted);
	if (w < 0 || (size_t)w >= sizeof fields)
		return sp_err_set(err, SP_EINTERNAL, "", "audit: field list too long");
	if (!sp_id_is_zero(&ev->approval)) {
		char id[SP_ID_STRLEN + 1];
		sp_id_format(&ev->approval, id);
		snprintf(reason, sizeof reason, "approval:%s", id);
	}
	struct sp_audit_rec rec = {
		.roles = actor_roles,
		.action = ev->action,
		.object_type = ev->object_kind,
		.object_id = ev->object,
		.fields = fields,
		.reason = reason,
		.flags = ev->flag_dpo ? SP_AUDIT_F_DPO : 0,
	};
	if (ev->actor) {
		rec.actor = ev->actor->user;
		rec.agency = ev->actor->agency;
	}
	return sp_audit_append(a->store, a->audit_keys, &rec, NULL, err);
}

int access_allowed(const struct sp_subject *actor, enum sp_action action,
		   const struct sp_id *target_agency, enum sp_agency_kind target_kind,
		   struct sp_err *err)
{
	struct sp_policy_request req = {.action = action};
	struct sp_policy_object obj = {.agency_kind = target_kind};
	struct sp_decision d;
	if (target_agency)
		obj.agency = *target_agency;
	return sp_policy_check(actor, &req, target_agency ? &obj : NULL, &d, err);
}

int sp_username_check(const char *username, struct sp_err *err)
{
	size_t n = strnlen(username, SP_USERNAME_MAX);
	if (n < 2 || n >= SP_USERNAME_MAX)
		return sp_err_set(err, SP_EINVAL, "username", "must be 2 to %d characters",
				  SP_USERNAME_MAX - 1);
	if (!(username[0] >= 'a' && username[0] <= 'z'))
		return sp_err_set(err, SP_EINVAL, "username", "must start with a letter a-z");
	for (size_t i = 0; i < n; i++) {
		char c = username[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return sp_err_set(err, SP_EINVAL, "username",
					  "may hold only a-z, 0-9, '.', '_' and '-'");
	}
	return SP_OK;
}

int access_step_key(struct sp_stmt *st, const char *text, const struct sp_id *id,
		    struct sp_err *err)
{
	int rc = text ? sp_stmt_bind_text(st, 1, text) : id ? sp_stmt_bind_id(st, 1, id) : SP_EINVAL;
	return rc ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : sp_stmt_step(st, err);
}

int access_each_row(struct sp_stmt *st,
		    int (*row)(struct sp_stmt *st, void *ctx, struct sp_err *err), void *ctx,
		    struct sp_err *err)
{
	int rc;
	while ((rc = sp_stmt_step(st, err)) == 1)
		if ((rc = row(st, ctx, err)))
			break;
	sp_stmt_done(st);
	return rc;
}

int access_recheck(struct sp_access *a, const struct sp_subject *actor, enum sp_action action,
		   struct sp_subject *out, struct sp_err *err)
{
	int rc = access_actor_refresh(a, actor, out, err);
	return rc ? rc : access_allowed(out, action, NULL, SP_AGENCY_NGO, err);
}

int access_finish(struct sp_access *a, int rc, const struct access_event *ev, struct sp_err *err)
{
	if (!rc)
		rc = access_audit(a, ev, err);
	if (!rc)
		rc = sp_store_commit(a->store, err);
	if (rc)
		sp_store_rollback(a->store);
	return rc;
}
