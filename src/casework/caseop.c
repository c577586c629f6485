/* One operation on a case for the wings above casework (safepath/caseop.h): casework's own
 * operation steps (cw_begin, the policy, sealing, the audit, cw_finish) behind a descriptor,
 * so identify and refer never include casework's internal header. */
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/caseop.h"

int sp_caseop_begin(struct sp_casework *cw, const struct sp_case_act *act, bool write,
		    struct sp_caseop *op, struct sp_err *err)
{
	memset(op, 0, sizeof *op);
	op->cw = cw;
	op->act = act;
	op->write = write;
	return write ? cw_begin(cw, err) : cw_begin_read(cw, err);
}

int sp_caseop_begin_read_in(struct sp_casework *cw, const struct sp_case_act *act,
			    struct sp_caseop *op, struct sp_err *err)
{
	if (!sp_store_in_transaction(cw->store))
		return sp_caseop_begin(cw, act, false, op, err);
	cw_facts_section();
	memset(op, 0, sizeof *op);
	op->cw = cw;
	op->act = act;
	op->joined = true;
	return SP_OK;
}

int sp_caseop_authorise_any(struct sp_casework *cw, const struct sp_case_act *act,
			    struct sp_err *err)
{
	cw_denial_clear();
	int rc = cw_authorise_any_act(cw, act, err);
	if (rc == SP_EDENIED)
		(void)cw_denial_record(cw, rc);
	return rc;
}

int sp_caseop_case(struct sp_caseop *op, const struct sp_id *case_id, struct sp_err *err)
{
	int rc = cw_case_load(op->cw, case_id, &op->c, err);
	if (!rc)
		rc = cw_authorise_act(op->cw, op->act, &op->c, err);
	op->has_case = rc == SP_OK;
	return rc;
}

int sp_caseop_prefetch(struct sp_caseop *op, const struct sp_id *ids, size_t n,
		       struct sp_err *err)
{
	if (op->write)
		return sp_err_set(err, SP_EINTERNAL, "", "cases are read ahead in a read operation");
	return cw_cases_prefetch(op->cw, ids, n < SP_CASEOP_PREFETCH ? n : SP_CASEOP_PREFETCH, err);
}

int sp_caseop_select(struct sp_caseop *op, const char *sql, struct sp_stmt **st,
		     struct sp_err *err)
{
	*st = NULL;
	if (!op->has_case)
		return sp_err_set(err, SP_EINTERNAL, "", "no case in the operation");
	int rc = sp_store_prepare(op->cw->store, sql, st, err);
	if (!rc && sp_stmt_bind_id(*st, 1, &op->c.id)) {
		sp_stmt_done(*st);
		*st = NULL;
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	return rc;
}

int cw_caseop_then(struct sp_casework *cw, const struct sp_case_act *act, const struct sp_case *c,
		   int (*fn)(struct sp_caseop *op, void *ctx, struct sp_err *err), void *ctx,
		   struct sp_err *err)
{
	struct sp_caseop op = {.cw = cw, .act = act, .write = true, .c = *c};
	int rc = cw_authorise_act(cw, act, c, err);
	op.has_case = rc == SP_OK;
	return rc ? rc : fn(&op, ctx, err);
}

/* Every step that touches the case's data needs the case allowed first. */
static int need_case(const struct sp_caseop *op, struct sp_err *err)
{
	return op->has_case ? SP_OK
			    : sp_err_set(err, SP_EINTERNAL, "", "no case allowed in this operation");
}

int cw_caseop_allow(struct sp_caseop *op, enum cw_action action, struct sp_err *err)
{
	int rc = need_case(op, err);
	return rc ? rc : cw_authorise(op->cw, action, &op->c, err);
}

int sp_caseop_seal(struct sp_caseop *op, const char *table, const char *column,
		   const struct sp_id *record, const void *pt, size_t n, struct sp_buf *out,
		   struct sp_err *err)
{
	int rc = need_case(op, err);
	return rc ? rc : cw_seal(op->cw, &op->c.person, table, column, record, pt, n, out, err);
}

int sp_caseop_open(struct sp_caseop *op, const char *table, const char *column,
		   const struct sp_id *record, const void *ct, size_t n, const char **pt,
		   size_t *len, struct sp_err *err)
{
	int rc = need_case(op, err);
	return rc ? rc
		  : cw_open(op->cw, &op->c.person, table, column, record, ct, n, pt, len, err);
}

bool sp_caseop_may(struct sp_caseop *op, const struct sp_case_act *act)
{
	return op->has_case && cw_allowed_act(op->cw, act, &op->c);
}

int sp_caseop_refuse(struct sp_caseop *op, enum sp_reason reason, const char *detail,
		     struct sp_err *err)
{
	int rc = need_case(op, err);
	return rc ? rc : cw_refuse(op->act, &op->c.id, reason, detail, err);
}

int sp_caseop_person(struct sp_caseop *op, struct sp_person *out, bool *has, struct sp_err *err)
{
	*has = false;
	int rc = need_case(op, err);
	if (rc || !cw_allowed(op->cw, CW_PERSON_READ, &op->c))
		return rc;
	rc = cw_person_load(op->cw, &op->c.person, false, out, err);
	if (rc == SP_ENOTFOUND) /* erased: what is known of them is unknown now */
		return SP_OK;
	*has = rc == SP_OK;
	return rc;
}

int sp_caseop_flags_on(struct sp_caseop *op, unsigned flags, struct sp_err *err)
{
	int rc = need_case(op, err);
	if (!rc && !op->write)
		rc = sp_err_set(err, SP_EINTERNAL, "", "flags set in a read operation");
	return rc ? rc : cw_case_flags_on(op->cw, &op->c, flags, err);
}

int sp_caseop_audit(struct sp_caseop *op, const char *object_type, const struct sp_id *object,
		    const char *fields, const char *reason, struct sp_err *err)
{
	return cw_audit_act(op->cw, op->act, object_type, object, 1, fields, reason, err);
}

int sp_caseop_audit_many(struct sp_caseop *op, const char *object_type,
			 const struct sp_id *objects, size_t n, const char *fields,
			 struct sp_err *err)
{
	return cw_audit_act(op->cw, op->act, object_type, objects, n, fields, NULL, err);
}

int sp_caseop_idem(struct sp_caseop *op, const char *kind, const struct sp_id *object,
		   struct sp_err *err)
{
	int rc = need_case(op, err);
	return rc ? rc : cw_idem_record(op->cw, kind, object, &op->c.id, err);
}

int sp_caseop_finish(struct sp_caseop *op, int rc, struct sp_err *err)
{
	return op->joined ? rc : cw_finish(op->cw, rc, err);
}
