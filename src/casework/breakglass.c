/* Break-glass access (owner of the break_glass table): a time-limited grant of a case's page
 * and person to a user outside their normal access, with a sealed reason. The policy decides
 * who may break glass (case.break_glass); deps.c reads the grants when the policy refuses a
 * read for want of assignment, and flags every read under one to the DPO. */
#include <string.h>

#include "casework/casework.h"
#include "safepath/caselife.h"
#include "safepath/store.h"

json_t *sp_break_glass_encode(const struct sp_break_glass *g)
{
	char id[SP_ID_STRLEN + 1], kase[SP_ID_STRLEN + 1], user[SP_ID_STRLEN + 1],
		review[SP_ID_STRLEN + 1];
	char granted[SP_TIME_STRLEN + 1], expires[SP_TIME_STRLEN + 1];
	sp_id_format(&g->id, id);
	sp_id_format(&g->case_id, kase);
	sp_id_format(&g->user, user);
	sp_id_format(&g->review, review);
	sp_time_format(g->granted_us, granted);
	sp_time_format(g->expires_us, expires);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "id", id, "case", kase, "user", user,
			 "granted_at", granted, "expires_at", expires, "review", review);
}

int cw_glass_active(struct sp_casework *cw, const struct sp_id *case_id,
		    const struct sp_id *user, int64_t now, bool *out, struct sp_err *err)
{
	struct sp_stmt *st;
	*out = false;
	int rc = sp_store_prepare(cw->store,
				  "SELECT 1 FROM break_glass WHERE user_id = ? AND case_id = ? AND "
				  "expires_us > ? AND granted_us <= ?",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, user) | sp_stmt_bind_id(st, 2, case_id) |
	    sp_stmt_bind_int64(st, 3, now) | sp_stmt_bind_int64(st, 4, now))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	if (rc < 0)
		return rc;
	*out = rc == 1;
	return SP_OK;
}

static int grant_insert(struct sp_casework *cw, const struct sp_case *c,
			const struct sp_break_glass *g, const char *reason, struct sp_err *err)
{
	struct sp_buf ct;
	struct sp_stmt *st = NULL;
	sp_buf_init(&ct, SP_SEAL_LIMIT);
	int rc = cw_seal(cw, &c->person, "break_glass", "reason", &g->id, reason, strlen(reason),
			 &ct, err);
	if (!rc)
		rc = sp_store_prepare(cw->store,
				      "INSERT INTO break_glass (id, case_id, user_id, reason, "
				      "granted_us, expires_us) VALUES (?, ?, ?, ?, ?, ?)",
				      &st, err);
	if (!rc && (sp_stmt_bind_id(st, 1, &g->id) | sp_stmt_bind_id(st, 2, &g->case_id) |
		    sp_stmt_bind_id(st, 3, &g->user) | sp_stmt_bind_blob(st, 4, ct.data, ct.len) |
		    sp_stmt_bind_int64(st, 5, g->granted_us) |
		    sp_stmt_bind_int64(st, 6, g->expires_us)))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	if (!rc) {
		rc = cw_exec_done(st, err);
		st = NULL;
	}
	sp_stmt_done(st);
	sp_buf_free(&ct);
	return rc;
}

int sp_case_break_glass(struct sp_casework *cw, const struct sp_id *case_id, const char *reason,
			int minutes, struct sp_break_glass *out, struct sp_err *err)
{
	if (!reason)
		return sp_err_set(err, SP_EINVAL, "/reason",
				  "is required: say why the emergency needs this case");
	int rc = cw_text_check(reason, SP_BREAK_GLASS_REASON_MAX, "/reason", err);
	if (!rc && (minutes < 1 || minutes > 24 * 60))
		rc = sp_err_set(err, SP_EINVAL, "break-glass-minutes",
				"must be between 1 and 1440 minutes");
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	struct sp_case c = {0};
	struct sp_break_glass g = {0};
	struct sp_case_approval review = {0};
	rc = cw_case_load(cw, case_id, &c, err);
	if (!rc)
		rc = cw_authorise_ext(cw, CW_BREAK_GLASS, &c, reason, SP_AGENCY_NGO, err);
	bool reads = false;
	if (!rc)
		rc = cw_may(cw, CW_PERSON_READ, &c, &reads, err);
	if (!rc && reads)
		rc = sp_err_set(err, SP_ECONFLICT, "", "you can read this case already");
	if (rc)
		goto out;
	sp_id_new(&g.id);
	g.case_id = c.id;
	g.user = *cw_actor(cw);
	g.granted_us = cw_now(cw);
	g.expires_us = g.granted_us + (int64_t)minutes * 60 * 1000000;
	rc = grant_insert(cw, &c, &g, reason, err);
	if (!rc) {
		const struct cw_approval_new n = {SP_CASEAPPR_BREAK_GLASS_REVIEW, &c.agency, &g.id,
						  NULL, NULL, NULL, false};
		rc = cw_approval_insert(cw, &c, &n, &review, err);
	}
	g.review = review.id;
	if (!rc)
		rc = cw_audit_glass(cw, &c.id, err);
out:
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = g;
	return rc;
}
