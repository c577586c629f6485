/* What a case shares with another agency through its referrals (the case_shares table): the
 * row is written only by the refer wing inside a referral's transaction (sp_caseop_share), and
 * read by the policy's view of a case (deps.c), so a provider reads exactly what the live
 * referral to its agency gives, and nothing once it ends. */
#include <string.h>

#include "casework/casework.h"
#include "safepath/caseop.h"
#include "safepath/store.h"

int sp_caseop_share(struct sp_caseop *op, const struct sp_id *agency,
		    const struct sp_id *referral, enum sp_referral_state state, unsigned fields,
		    struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	if (!op->has_case || !op->write)
		return sp_err_set(err, SP_EINTERNAL, "", "a share is written in a write operation "
							 "on an allowed case");
	if ((unsigned)state > SP_REFERRAL_ACCEPTED || (fields & ~SP_FIELDS_ALL))
		return sp_err_set(err, SP_EINTERNAL, "", "bad share");
	int rc = sp_store_prepare(op->cw->store, "DELETE FROM case_shares WHERE referral_id = ?",
				  &st, err);
	if (!rc && sp_stmt_bind_id(st, 1, referral)) {
		sp_stmt_done(st);
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	} else if (!rc) {
		rc = cw_exec_done(st, err);
	}
	if (rc || state == SP_REFERRAL_NONE)
		return rc;
	rc = sp_store_prepare(op->cw->store,
			      "INSERT INTO case_shares (referral_id, case_id, agency_id, state, "
			      "fields) VALUES (?, ?, ?, ?, ?)",
			      &st, err);
	if (rc)
		return rc;
	int b = sp_stmt_bind_id(st, 1, referral);
	b |= sp_stmt_bind_id(st, 2, &op->c.id);
	b |= sp_stmt_bind_id(st, 3, agency);
	b |= sp_stmt_bind_int64(st, 4, (int64_t)state);
	b |= sp_stmt_bind_int64(st, 5, (int64_t)fields);
	if (b) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	return cw_exec_done(st, err);
}

int cw_share_read(struct sp_casework *cw, const struct sp_id *case_id, const struct sp_id *agency,
		  enum sp_referral_state *state, unsigned *fields, struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	*state = SP_REFERRAL_NONE;
	*fields = 0;
	if (cw_share_ahead(case_id, agency, state, fields))
		return SP_OK;
	int rc = sp_store_prepare(cw->store,
				  "SELECT state, fields FROM case_shares WHERE case_id = ? AND "
				  "agency_id = ?",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, case_id) | sp_stmt_bind_id(st, 2, agency)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	/* accepted beats pending; the profiles of several accepted referrals add up */
	while ((rc = sp_stmt_step(st, err)) > 0) {
		int64_t s = sp_stmt_int64(st, 0), f = sp_stmt_int64(st, 1);
		if (s < SP_REFERRAL_PENDING || s > SP_REFERRAL_ACCEPTED || f < 0 ||
		    ((unsigned)f & ~SP_FIELDS_ALL)) {
			rc = sp_err_set(err, SP_EINTERNAL, "", "malformed case share row");
			break;
		}
		if (s > (int64_t)*state)
			*state = (enum sp_referral_state)s;
		if (s == SP_REFERRAL_ACCEPTED)
			*fields |= (unsigned)f;
	}
	sp_stmt_done(st);
	if (rc) {
		*state = SP_REFERRAL_NONE;
		*fields = 0;
	}
	return rc;
}
