/* Changing the referral pathways' configuration (src/refer/refer.h): the policy's
 * service.manage, and one audit record per change holding ids and field names only. */
#include "refer/refer.h"

#include "safepath/audit.h"
#include "safepath/store.h"

int refer_may_manage(const struct sp_subject *actor, struct sp_err *err)
{
	struct sp_policy_request req = {.action = SP_ACT_SERVICE_MANAGE};
	struct sp_decision d;
	return sp_policy_check(actor, &req, NULL, &d, err);
}

int refer_audit(struct sp_access *a, const struct sp_subject *actor, const char *action,
		const char *object_type, const struct sp_id *object, const struct sp_id *objects,
		size_t nobjects, const char *fields, struct sp_err *err)
{
	char roles[256];
	if (!a->audit_keys)
		return sp_err_set(err, SP_EINTERNAL, "", "changes to referral pathways need the "
							 "audit keys");
	if (sp_roles_format(actor->roles, roles, sizeof roles))
		return sp_err_set(err, SP_EINTERNAL, "", "audit: bad actor roles");
	struct sp_audit_rec rec = {.actor = actor->user, .agency = actor->agency, .roles = roles,
				   .action = action, .object_type = object_type,
				   .objects = objects, .nobjects = nobjects, .fields = fields};
	if (object)
		rec.object_id = *object;
	return sp_audit_append(a->store, a->audit_keys, &rec, NULL, err);
}

int refer_begin(struct sp_access *a, const struct sp_subject *actor, struct sp_err *err)
{
	int rc = refer_may_manage(actor, err);
	return rc ? rc : sp_store_begin_write(a->store, err);
}

int refer_end(struct sp_access *a, int rc, struct sp_err *err)
{
	if (rc >= 0)
		rc = sp_store_commit(a->store, err);
	if (rc)
		sp_store_rollback(a->store);
	return rc;
}
