/* A case's life after it is opened (safepath/caselife.h): closure and reopening, transfer to
 * another agency and reassignment within one. Requests go into the approvals queue
 * (caseapproval.c); the effects here run when a supervisor approves. Every operation is one
 * transaction with its audit records. */
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/caselife.h"
#include "safepath/date.h"

/* ---- closure ---- */

/* A follow-up date: a full ISO day, not before today (UTC at cw's clock). */
static int check_follow_up(const struct sp_casework *cw, const char *s, struct sp_err *err)
{
	struct sp_date d;
	if (strlen(s) != 10 || sp_date_parse_iso(s, &d, NULL) || d.first != d.last)
		return sp_err_set(err, SP_EINVAL, "/follow_up", "must be a date YYYY-MM-DD");
	int64_t day_us = (int64_t)86400 * 1000000;
	int64_t today = sp_date_day_number(1970, 1, 1) + cw_now(cw) / day_us;
	if (d.first < today)
		return sp_err_set(err, SP_EINVAL, "/follow_up", "must not be in the past");
	return SP_OK;
}

static int check_closure(const struct sp_casework *cw, const struct sp_closure_request *in,
			 struct sp_err *err)
{
	if (!in->reason)
		return sp_err_set(err, SP_EINVAL, "/reason", "is required (a closure_reasons code)");
	int rc = cw_kind_check(cw, SP_CLOSURE_REASONS, in->reason, "/reason", err);
	if (!rc && in->follow_up)
		rc = check_follow_up(cw, in->follow_up, err);
	if (!rc && in->note)
		rc = cw_text_check(in->note, SP_CASEAPPR_NOTE_MAX, "/note", err);
	return rc;
}

int sp_case_closure_request(struct sp_casework *cw, const struct sp_id *case_id,
			    const struct sp_closure_request *in, struct sp_case_approval *out,
			    struct sp_err *err)
{
	int rc = check_closure(cw, in, err);
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	struct sp_case c = {0};
	struct sp_case_approval a = {0};
	json_t *payload = NULL;
	rc = cw_case_load_for(cw, CW_CLOSURE_REQUEST, case_id, &c, err);
	if (!rc && c.status == SP_CASE_CLOSED)
		rc = sp_err_set(err, SP_ECONFLICT, "/status", "the case is closed already");
	if (!rc) {
		payload = in->follow_up ? json_pack("{s:s}", "follow_up", in->follow_up)
					: json_object();
		if (!payload)
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	if (!rc) {
		const struct cw_approval_new n = {SP_CASEAPPR_CLOSURE, &c.agency, NULL, in->reason,
						  payload, in->note, false};
		rc = cw_approval_file(cw, &c, &n, CW_CLOSURE_REQUEST, &a, err);
	}
	json_decref(payload);
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = a;
	return rc;
}

int cw_effect_closure(struct sp_casework *cw, struct sp_case *c,
		      const struct sp_case_approval *a, struct sp_err *err)
{
	if (c->status == SP_CASE_CLOSED)
		return sp_err_set(err, SP_ECONFLICT, "/status", "the case is closed already");
	int64_t now = cw_now(cw);
	c->status = SP_CASE_CLOSED;
	c->closed_us = now;
	int rc = cw_case_write(cw, c, now, err);
	return rc ? rc
		  : cw_audit_act(cw, cw_act(CW_CLOSE), "case", &c->id, 1, "stat", a->reason, err);
}

/* ---- reopening ---- */

int sp_case_reopen(struct sp_casework *cw, const struct sp_id *case_id, const char *reason,
		   struct sp_case_approval *out, bool *reopened, struct sp_err *err)
{
	*reopened = false;
	int rc = cw_text_check(reason, SP_CASEAPPR_NOTE_MAX, "/reason", err);
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	struct sp_case c = {0};
	struct sp_case_approval a = {0};
	rc = cw_case_load_for(cw, CW_REOPEN, case_id, &c, err);
	if (!rc && c.status != SP_CASE_CLOSED)
		rc = sp_err_set(err, SP_ECONFLICT, "/status", "only a closed case is reopened");
	/* A supervisor of the owning agency reopens at once; the case's staff ask one. */
	bool at_once = false;
	if (!rc)
		rc = cw_may_decide(cw, &c.agency, &at_once, err);
	if (!rc) {
		const struct cw_approval_new n = {SP_CASEAPPR_REOPEN, &c.agency, NULL, NULL, NULL,
						  reason, at_once};
		rc = cw_approval_file(cw, &c, &n, CW_APPROVAL_REQUEST, &a, err);
	}
	if (!rc && at_once)
		rc = cw_effect_reopen(cw, &c, &a, err);
	rc = cw_finish(cw, rc, err);
	if (!rc) {
		*reopened = at_once;
		if (out)
			*out = a;
	}
	return rc;
}

int cw_effect_reopen(struct sp_casework *cw, struct sp_case *c,
		     const struct sp_case_approval *a, struct sp_err *err)
{
	(void)a;
	if (c->status != SP_CASE_CLOSED)
		return sp_err_set(err, SP_ECONFLICT, "/status", "only a closed case is reopened");
	c->status = SP_CASE_ACTIVE;
	c->closed_us = 0;
	int rc = cw_case_write(cw, c, cw_now(cw), err);
	return rc ? rc : cw_audit(cw, CW_REOPEN, "case", &c->id, "stat,notes", err);
}

/* ---- transfer ---- */

int sp_case_transfer_request(struct sp_casework *cw, const struct sp_id *case_id,
			     const struct sp_id *to_agency, const char *note,
			     struct sp_case_approval *out, struct sp_err *err)
{
	int rc = note ? cw_text_check(note, SP_CASEAPPR_NOTE_MAX, "/note", err) : SP_OK;
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	struct sp_case c = {0};
	struct sp_case_approval a = {0};
	enum sp_agency_kind kind = SP_AGENCY_NGO;
	json_t *payload = NULL;
	char to[SP_ID_STRLEN + 1];
	sp_id_format(to_agency, to);
	rc = cw_case_load(cw, case_id, &c, err);
	if (!rc)
		rc = cw_agency_kind(cw, to_agency, "/to_agency", &kind, err);
	if (!rc)
		rc = cw_authorise_ext(cw, CW_TRANSFER, &c, NULL, kind, err);
	if (!rc && memcmp(to_agency->b, c.agency.b, SP_ID_LEN) == 0)
		rc = sp_err_set(err, SP_EINVAL, "/to_agency", "is the case's own agency");
	if (!rc && c.status == SP_CASE_CLOSED)
		rc = sp_err_set(err, SP_ECONFLICT, "/status", "a closed case is not transferred");
	if (!rc && !(payload = json_pack("{s:s}", "to_agency", to)))
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	if (!rc) {
		const struct cw_approval_new n = {SP_CASEAPPR_TRANSFER, to_agency, NULL, NULL,
						  payload, note, false};
		rc = cw_approval_file(cw, &c, &n, CW_TRANSFER, &a, err);
	}
	json_decref(payload);
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = a;
	return rc;
}

/* The receiving agency's supervisor accepts: the case is theirs, nobody assigned yet. The
 * firewall was the policy's word on the request, and agencies never change kind. */
int cw_effect_transfer(struct sp_casework *cw, struct sp_case *c,
		       const struct sp_case_approval *a, struct sp_err *err)
{
	if (c->status == SP_CASE_CLOSED)
		return sp_err_set(err, SP_ECONFLICT, "/status", "a closed case is not transferred");
	c->agency = a->agency;
	memset(&c->assigned, 0, sizeof c->assigned);
	int rc = cw_case_write(cw, c, cw_now(cw), err);
	return rc ? rc : cw_audit(cw, CW_TRANSFER_ACCEPT, "case", &c->id, "stat", err);
}

/* ---- reassignment ---- */

int sp_case_reassign(struct sp_casework *cw, const struct sp_id *case_id, int64_t version,
		     const struct sp_id *to_user, struct sp_case *out, unsigned *tasks_moved,
		     struct sp_err *err)
{
	*tasks_moved = 0;
	int rc = cw_begin(cw, err);
	if (rc)
		return rc;
	struct sp_case c = {0};
	rc = cw_case_load_for(cw, CW_REASSIGN, case_id, &c, err);
	bool decides = false;
	if (!rc)
		rc = cw_may_decide(cw, &c.agency, &decides, err);
	if (!rc && !decides)
		rc = cw_refuse(cw_act(CW_REASSIGN), &c.id, SP_REASON_NO_ROLE,
			       "only a supervisor of the owning agency reassigns a case", err);
	if (!rc && c.version != version)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the case was changed meanwhile");
	struct sp_id was = c.assigned;
	if (!rc) { /* the new assignee must be one the policy lets work on the case */
		c.assigned = *to_user;
		rc = cw_user_may(cw, to_user, CW_CASE_UPDATE, &c, "/assigned", err);
	}
	int64_t now = cw_now(cw);
	if (!rc)
		rc = cw_case_write(cw, &c, now, err);
	if (!rc && !sp_id_is_zero(&was) && memcmp(was.b, to_user->b, SP_ID_LEN) != 0)
		rc = cw_task_handover(cw, &c.id, &was, to_user, now, tasks_moved, err);
	if (!rc)
		rc = cw_audit(cw, CW_REASSIGN, "case", &c.id, "stat", err);
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = c;
	return rc;
}
