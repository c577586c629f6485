/* Internal to src/refer/: what the files that keep the referral pathways' configuration (the
 * service directory, focal points and routing) share — who may change it, the transaction
 * of a change and its audit record. */
#ifndef SAFEPATH_REFER_INT_H
#define SAFEPATH_REFER_INT_H

#include <stddef.h>

#include "safepath/access.h"
#include "safepath/err.h"
#include "safepath/id.h"
#include "safepath/policy.h"

/* The policy's service.manage for actor: SP_OK, or SP_EDENIED naming the action and reason. */
int refer_may_manage(const struct sp_subject *actor, struct sp_err *err) SP_MUST;

/* Begin a change: refer_may_manage, then a write transaction. */
int refer_begin(struct sp_access *a, const struct sp_subject *actor, struct sp_err *err) SP_MUST;
/* End a change begun with a write transaction: commit when rc is SP_OK or a row count (a
 * step's 1), else roll back; the final status. */
int refer_end(struct sp_access *a, int rc, struct sp_err *err) SP_MUST;

/* One change's audit record, inside the caller's write transaction: object (or NULL) of
 * object_type, or up to SP_AUDIT_OBJECTS_MAX objects, and the fields changed as tokens. */
int refer_audit(struct sp_access *a, const struct sp_subject *actor, const char *action,
		const char *object_type, const struct sp_id *object, const struct sp_id *objects,
		size_t nobjects, const char *fields, struct sp_err *err) SP_MUST;

#endif
