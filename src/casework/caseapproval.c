/* Supervisor approvals on cases (owner of the case_approvals table): the kinds and what
 * approving each does, requests, four-eyes decisions, the agency's queue and a case's list.
 * Each public operation is one transaction with its audit record; notes are sealed under the
 * case person's key and opened only for whom the policy lets read the case's notes. */
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/caseapproval.h"
#include "safepath/caseop.h"
#include "safepath/json.h"
#include "safepath/names.h"
#include "safepath/notification.h"
#include "safepath/store.h"

static const char *const status_names[SP_CASEAPPR_STATUS_COUNT] = {
	[SP_CASEAPPR_PENDING] = "pending",
	[SP_CASEAPPR_APPROVED] = "approved",
	[SP_CASEAPPR_REJECTED] = "rejected",
};

/* A kind is its name and the effect of approving it, run in the decision's transaction;
 * NULL: the approval only records the supervisor's word (whoever asked checks it). */
typedef int (*effect_fn)(struct sp_casework *cw, struct sp_case *c,
			 const struct sp_case_approval *a, struct sp_err *err);
static const struct {
	const char *name;
	effect_fn effect;
} kinds[SP_CASEAPPR_KIND_COUNT] = {
	[SP_CASEAPPR_CLOSURE] = {"closure", cw_effect_closure},
	[SP_CASEAPPR_CONSENT_OVERRIDE] = {"consent_override", NULL},
	[SP_CASEAPPR_BREAK_GLASS_REVIEW] = {"break_glass_review", NULL},
	[SP_CASEAPPR_TRANSFER] = {"transfer", cw_effect_transfer},
	[SP_CASEAPPR_REOPEN] = {"reopen", cw_effect_reopen},
};

const char *sp_caseappr_kind_name(enum sp_caseappr_kind k)
{
	return (unsigned)k < SP_CASEAPPR_KIND_COUNT ? kinds[k].name : "?";
}

int sp_caseappr_kind_parse(const char *s)
{
	for (int i = 0; s && i < SP_CASEAPPR_KIND_COUNT; i++)
		if (strcmp(s, kinds[i].name) == 0)
			return i;
	return -1;
}

const char *sp_caseappr_status_name(enum sp_caseappr_status s)
{
	return sp_name_of(status_names, SP_CASEAPPR_STATUS_COUNT, (int)s);
}

int sp_caseappr_status_parse(const char *s)
{
	return sp_name_index(status_names, SP_CASEAPPR_STATUS_COUNT, s);
}

json_t *sp_case_approval_encode(const struct sp_case_approval *a)
{
	char id[SP_ID_STRLEN + 1], kase[SP_ID_STRLEN + 1], agency[SP_ID_STRLEN + 1],
		object[SP_ID_STRLEN + 1], by[SP_ID_STRLEN + 1], decider[SP_ID_STRLEN + 1];
	char at[SP_TIME_STRLEN + 1], decided[SP_TIME_STRLEN + 1];
	sp_id_format(&a->id, id);
	sp_id_format(&a->case_id, kase);
	sp_id_format(&a->agency, agency);
	sp_id_format(&a->object, object);
	sp_id_format(&a->requested_by, by);
	sp_id_format(&a->decided_by, decider);
	sp_time_format(a->requested_us, at);
	sp_time_format(a->decided_us, decided);
	struct sp_err err = {0};
	json_t *payload = sp_json_parse(a->payload ? a->payload : "{}",
					a->payload ? strlen(a->payload) : 2, &err);
	json_t *j = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:o, s:s, s:s, s:s?, s:s?, s:I}", "id", id,
		"case", kase, "case_number", a->case_number, "kind", sp_caseappr_kind_name(a->kind),
		"status", sp_caseappr_status_name(a->status), "agency", agency, "object",
		sp_id_is_zero(&a->object) ? NULL : object, "reason", a->reason[0] ? a->reason : NULL,
		"payload", payload ? payload : json_object(), "requested_by", by, "requested_at", at,
		"decided_by", a->decided_us ? decider : NULL, "decided_at",
		a->decided_us ? decided : NULL, "version", (json_int_t)a->version);
	if (j && a->notes_shown &&
	    (json_object_set_new(j, "request_note",
				 a->request_note ? json_string(a->request_note) : json_null()) ||
	     json_object_set_new(j, "decision_note", a->decision_note
							     ? json_string(a->decision_note)
							     : json_null()))) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* ---- rows ---- */

#define APPROVAL_COLUMNS                                                                      \
	"a.id, a.case_id, c.number, a.kind, a.status, a.agency_id, a.object_id, a.reason, "   \
	"a.payload, a.request_note, a.requested_by, a.requested_us, a.decided_by, "           \
	"a.decided_us, a.decision_note, a.version, c.person_id "                              \
	"FROM case_approvals a JOIN cases c ON c.id = a.case_id"

/* Open the sealed note in column col of the row into the arena; NULL when none, or when the
 * person was erased (the approval stays). */
static int row_note(struct sp_casework *cw, struct sp_stmt *st, int col, const char *column,
		    const struct sp_id *person, const struct sp_id *id, const char **out,
		    struct sp_err *err)
{
	*out = NULL;
	size_t n, len;
	const void *ct = sp_stmt_is_null(st, col) ? NULL : sp_stmt_blob(st, col, &n);
	int rc = ct ? cw_open(cw, person, "case_approvals", column, id, ct, n, out, &len, err)
		    : SP_OK;
	if (rc == SP_ENOTFOUND) {
		*out = NULL;
		rc = SP_OK;
	}
	return rc;
}

/* Read a row selected with APPROVAL_COLUMNS; notes opened when show. */
static int approval_row(struct sp_casework *cw, struct sp_stmt *st, bool show,
			struct sp_case_approval *a, struct sp_err *err)
{
	memset(a, 0, sizeof *a);
	struct sp_id person;
	const char *number = sp_stmt_text(st, 2), *reason = sp_stmt_text(st, 7),
		   *payload = sp_stmt_text(st, 8);
	int kind = sp_caseappr_kind_parse(sp_stmt_text(st, 3));
	int status = sp_caseappr_status_parse(sp_stmt_text(st, 4));
	if (sp_stmt_id(st, 0, &a->id) || sp_stmt_id(st, 1, &a->case_id) ||
	    sp_stmt_id(st, 5, &a->agency) ||
	    (!sp_stmt_is_null(st, 6) && sp_stmt_id(st, 6, &a->object)) ||
	    sp_stmt_id(st, 10, &a->requested_by) ||
	    (!sp_stmt_is_null(st, 12) && sp_stmt_id(st, 12, &a->decided_by)) ||
	    sp_stmt_id(st, 16, &person) || !number || !payload || kind < 0 || status < 0 ||
	    sp_text_copy(a->case_number, sizeof a->case_number, number) ||
	    sp_text_copy(a->reason, sizeof a->reason, reason ? reason : ""))
		return sp_err_set(err, SP_EINTERNAL, "", "malformed approval row");
	a->kind = (enum sp_caseappr_kind)kind;
	a->status = (enum sp_caseappr_status)status;
	a->payload = sp_arena_strdup(cw->arena, payload);
	a->requested_us = sp_stmt_int64(st, 11);
	a->decided_us = sp_stmt_is_null(st, 13) ? 0 : sp_stmt_int64(st, 13);
	a->version = sp_stmt_int64(st, 15);
	a->notes_shown = show;
	if (!a->payload)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	int rc = show ? row_note(cw, st, 9, "request_note", &person, &a->id, &a->request_note,
				 err)
		      : SP_OK;
	if (!rc && show)
		rc = row_note(cw, st, 14, "decision_note", &person, &a->id, &a->decision_note, err);
	return rc;
}

/* The approval by id in the open transaction and its case; its notes opened when with_notes
 * and the policy lets the subject read the case's notes. */
static int approval_load(struct sp_casework *cw, const struct sp_id *id, bool with_notes,
			 struct sp_case_approval *a, struct sp_case *c, struct sp_err *err)
{
	struct sp_stmt *st;
	struct sp_id case_id;
	bool show = false;
	int rc = cw_select_id(cw, "SELECT " APPROVAL_COLUMNS " WHERE a.id = ?", id, "approval",
			      &st, err);
	if (rc)
		return rc;
	rc = sp_stmt_id(st, 1, &case_id) ? sp_err_set(err, SP_EINTERNAL, "", "malformed approval row")
					 : cw_case_load(cw, &case_id, c, err);
	if (!rc && with_notes)
		rc = cw_may(cw, CW_NOTE_READ, c, &show, err);
	if (!rc)
		rc = approval_row(cw, st, show, a, err);
	sp_stmt_done(st);
	return rc;
}

/* Is a pending approval of this kind and object waiting on the case? */
static int pending_exists(struct sp_casework *cw, const struct sp_id *case_id,
			  enum sp_caseappr_kind kind, const struct sp_id *object, bool *out,
			  struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  object ? "SELECT 1 FROM case_approvals WHERE case_id = ? AND "
					   "kind = ? AND status = 'pending' AND object_id = ?"
					 : "SELECT 1 FROM case_approvals WHERE case_id = ? AND "
					   "kind = ? AND status = 'pending' AND object_id IS NULL",
				  &st, err);
	if (rc)
		return rc;
	int b = sp_stmt_bind_id(st, 1, case_id) |
		sp_stmt_bind_text(st, 2, sp_caseappr_kind_name(kind));
	if (object)
		b |= sp_stmt_bind_id(st, 3, object);
	rc = b ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : sp_stmt_step(st, err);
	sp_stmt_done(st);
	if (rc < 0)
		return rc;
	*out = rc == 1;
	return SP_OK;
}

/* Seal a note of approval id under the case person's key into out (nothing when NULL). */
static int seal_note(struct sp_casework *cw, const struct sp_case *c, const char *column,
		     const struct sp_id *id, const char *note, struct sp_buf *out,
		     struct sp_err *err)
{
	return note ? cw_seal(cw, &c->person, "case_approvals", column, id, note, strlen(note),
			      out, err)
		    : SP_OK;
}

int cw_approval_insert(struct sp_casework *cw, const struct sp_case *c,
		       const struct cw_approval_new *in, struct sp_case_approval *out,
		       struct sp_err *err)
{
	bool busy = false;
	int rc = pending_exists(cw, &c->id, in->kind, in->object, &busy, err);
	if (!rc && busy)
		rc = sp_err_set(err, SP_ECONFLICT, "",
				"a %s request is already waiting for a supervisor",
				sp_caseappr_kind_name(in->kind));
	if (rc)
		return rc;
	struct sp_case_approval a = {0};
	sp_id_new(&a.id);
	a.case_id = c->id;
	memcpy(a.case_number, c->number, sizeof a.case_number);
	a.kind = in->kind;
	a.status = in->decided ? SP_CASEAPPR_APPROVED : SP_CASEAPPR_PENDING;
	a.agency = *in->agency;
	if (in->object)
		a.object = *in->object;
	if (in->reason && sp_text_copy(a.reason, sizeof a.reason, in->reason))
		return sp_err_set(err, SP_EINVAL, "/reason", "too long");
	a.requested_by = *cw_actor(cw);
	a.requested_us = cw_now(cw);
	if (in->decided) {
		a.decided_by = a.requested_by;
		a.decided_us = a.requested_us;
	}
	a.version = 1;
	char *payload = in->payload ? sp_json_dump(in->payload) : NULL;
	if (in->payload && !payload)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	a.payload = sp_arena_strdup(cw->arena, payload ? payload : "{}");
	if (payload)
		sp_json_free(payload);
	if (!a.payload)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");

	struct sp_buf note;
	struct sp_stmt *st = NULL;
	sp_buf_init(&note, SP_SEAL_LIMIT);
	rc = seal_note(cw, c, "request_note", &a.id, in->note, &note, err);
	if (!rc)
		rc = sp_store_prepare(
			cw->store,
			"INSERT INTO case_approvals (id, case_id, kind, status, agency_id, object_id, "
			"reason, payload, request_note, requested_by, requested_us, decided_by, "
			"decided_us, decision_note, version) "
			"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
			&st, err);
	if (rc)
		goto out;
	int b = sp_stmt_bind_id(st, 1, &a.id);
	b |= sp_stmt_bind_id(st, 2, &a.case_id);
	b |= sp_stmt_bind_text(st, 3, sp_caseappr_kind_name(a.kind));
	b |= sp_stmt_bind_text(st, 4, sp_caseappr_status_name(a.status));
	b |= sp_stmt_bind_id(st, 5, &a.agency);
	b |= in->object ? sp_stmt_bind_id(st, 6, &a.object) : sp_stmt_bind_null(st, 6);
	b |= a.reason[0] ? sp_stmt_bind_text(st, 7, a.reason) : sp_stmt_bind_null(st, 7);
	b |= sp_stmt_bind_text(st, 8, a.payload);
	b |= in->note ? sp_stmt_bind_blob(st, 9, note.data, note.len) : sp_stmt_bind_null(st, 9);
	b |= sp_stmt_bind_id(st, 10, &a.requested_by);
	b |= sp_stmt_bind_int64(st, 11, a.requested_us);
	b |= in->decided ? sp_stmt_bind_id(st, 12, &a.decided_by) : sp_stmt_bind_null(st, 12);
	b |= in->decided ? sp_stmt_bind_int64(st, 13, a.decided_us) : sp_stmt_bind_null(st, 13);
	b |= sp_stmt_bind_int64(st, 14, a.version);
	if (b) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		goto out;
	}
	rc = cw_exec_done(st, err);
	st = NULL;
	if (!rc && !in->decided) { /* what waits: the deciding agency's supervisors are told */
		const struct sp_notice n = {.kind = SP_NOTIFY_CASE_APPROVAL_PENDING,
					    .agency = a.agency,
					    .roles = SP_ROLE_SUPERVISOR,
					    .object = a.id,
					    .case_id = &a.case_id,
					    .now_us = a.requested_us};
		rc = sp_notify(cw->store, &n, NULL, err);
	}
	if (!rc) {
		a.notes_shown = true;
		a.request_note = in->note ? sp_arena_strdup(cw->arena, in->note) : NULL;
		*out = a;
	}
out:
	sp_stmt_done(st);
	sp_buf_free(&note);
	return rc;
}

/* ---- requests ---- */

int cw_approval_file(struct sp_casework *cw, const struct sp_case *c,
		     const struct cw_approval_new *in, enum cw_action act,
		     struct sp_case_approval *out, struct sp_err *err)
{
	int rc = cw_approval_insert(cw, c, in, out, err);
	if (!rc)
		rc = cw_audit_act(cw, cw_act(act), "case", &c->id, 1, in->note ? "stat,notes" : "stat",
				  in->reason, err);
	return rc ? rc : cw_idem_record(cw, "approval", &out->id, &c->id, err);
}

/* A request of a kind without a request of its own, and its note. */
static int request_check(const struct sp_caseappr_request *in, struct sp_err *err)
{
	if ((unsigned)in->kind >= SP_CASEAPPR_KIND_COUNT || kinds[in->kind].effect)
		return sp_err_set(err, SP_EINVAL, "/kind",
				  "is asked for through its own request (closure, transfer, "
				  "reopening)");
	return in->note ? cw_text_check(in->note, SP_CASEAPPR_NOTE_MAX, "/note", err) : SP_OK;
}

int sp_case_approval_request_in(struct sp_caseop *op, const struct sp_caseappr_request *in,
				struct sp_case_approval *out, struct sp_err *err)
{
	int rc = request_check(in, err);
	if (!rc)
		rc = cw_authorise(op->cw, CW_APPROVAL_REQUEST, &op->c, err);
	if (!rc) {
		const struct cw_approval_new n = {in->kind, &op->c.agency, in->object, in->reason,
						  in->payload, in->note, false};
		rc = cw_approval_file(op->cw, &op->c, &n, CW_APPROVAL_REQUEST, out, err);
	}
	return rc;
}

int sp_case_approval_latest_in(struct sp_caseop *op, enum sp_caseappr_kind kind,
			       const struct sp_id *object, enum sp_caseappr_status *status,
			       bool *found, struct sp_err *err)
{
	struct sp_stmt *st;
	*found = false;
	int rc = sp_store_prepare(op->cw->store,
				  "SELECT status FROM case_approvals WHERE case_id = ? AND kind = ? "
				  "AND object_id = ? ORDER BY requested_us DESC, id DESC",
				  &st, err);
	if (rc)
		return rc;
	int b = sp_stmt_bind_id(st, 1, &op->c.id) |
		sp_stmt_bind_text(st, 2, sp_caseappr_kind_name(kind)) |
		sp_stmt_bind_id(st, 3, object);
	rc = b ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : sp_stmt_step(st, err);
	if (rc == 1) {
		int s = sp_caseappr_status_parse(sp_stmt_text(st, 0));
		rc = s < 0 ? sp_err_set(err, SP_EINTERNAL, "", "malformed approval row") : SP_OK;
		*status = (enum sp_caseappr_status)(s < 0 ? 0 : s);
		*found = s >= 0;
	}
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

int sp_case_approval_request(struct sp_casework *cw, const struct sp_id *case_id,
			     const struct sp_caseappr_request *in, struct sp_case_approval *out,
			     struct sp_err *err)
{
	int rc = request_check(in, err);
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	struct sp_case c = {0};
	struct sp_case_approval a = {0};
	rc = cw_case_load_for(cw, CW_APPROVAL_REQUEST, case_id, &c, err);
	if (!rc) {
		const struct cw_approval_new n = {in->kind, &c.agency, in->object, in->reason,
						  in->payload, in->note, false};
		rc = cw_approval_file(cw, &c, &n, CW_APPROVAL_REQUEST, &a, err);
	}
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = a;
	return rc;
}

/* ---- decisions ---- */

/* Write the decision over the pending row at a->version. */
static int decision_write(struct sp_casework *cw, const struct sp_case *c,
			  struct sp_case_approval *a, const char *note, struct sp_err *err)
{
	struct sp_buf ct;
	struct sp_stmt *st = NULL;
	int64_t was = a->version;
	a->version++;
	a->decided_by = *cw_actor(cw);
	a->decided_us = cw_now(cw);
	sp_buf_init(&ct, SP_SEAL_LIMIT);
	int rc = seal_note(cw, c, "decision_note", &a->id, note, &ct, err);
	if (!rc)
		rc = sp_store_prepare(cw->store,
				      "UPDATE case_approvals SET status = ?, decided_by = ?, "
				      "decided_us = ?, decision_note = ?, version = ? "
				      "WHERE id = ? AND version = ? AND status = 'pending'",
				      &st, err);
	if (rc)
		goto out;
	int b = sp_stmt_bind_text(st, 1, sp_caseappr_status_name(a->status));
	b |= sp_stmt_bind_id(st, 2, &a->decided_by);
	b |= sp_stmt_bind_int64(st, 3, a->decided_us);
	b |= note ? sp_stmt_bind_blob(st, 4, ct.data, ct.len) : sp_stmt_bind_null(st, 4);
	b |= sp_stmt_bind_int64(st, 5, a->version);
	b |= sp_stmt_bind_id(st, 6, &a->id);
	b |= sp_stmt_bind_int64(st, 7, was);
	if (b) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		goto out;
	}
	rc = cw_step_versioned(st, "approval", err);
out:
	sp_stmt_done(st);
	sp_buf_free(&ct);
	return rc;
}

int sp_case_approval_decide(struct sp_casework *cw, const struct sp_id *id,
			    const struct sp_caseappr_decision *d, struct sp_case_approval *out,
			    struct sp_err *err)
{
	int rc = d->note ? cw_text_check(d->note, SP_CASEAPPR_NOTE_MAX, "/note", err)
		 : d->approve ? SP_OK
			      : sp_err_set(err, SP_EINVAL, "/note", "a rejection needs a note");
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	struct sp_case_approval a = {0};
	struct sp_case c = {0};
	rc = approval_load(cw, id, false, &a, &c, err);
	if (!rc)
		rc = cw_authorise_decide(cw, &a.agency, &c.id, err);
	if (!rc && memcmp(a.requested_by.b, cw_actor(cw)->b, SP_ID_LEN) == 0)
		rc = cw_refuse(cw_act(CW_APPROVAL_DECIDE), &c.id, SP_REASON_FOUR_EYES,
			       "four eyes: another supervisor decides what you asked for", err);
	if (!rc && a.status != SP_CASEAPPR_PENDING)
		rc = sp_err_set(err, SP_ECONFLICT, "/status", "the approval is %s already",
				sp_caseappr_status_name(a.status));
	if (!rc && a.version != d->version)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the approval was changed meanwhile");
	if (rc)
		goto out;
	a.status = d->approve ? SP_CASEAPPR_APPROVED : SP_CASEAPPR_REJECTED;
	if (d->approve && kinds[a.kind].effect)
		rc = kinds[a.kind].effect(cw, &c, &a, err);
	if (!rc)
		rc = decision_write(cw, &c, &a, d->note, err);
	if (!rc)
		rc = cw_audit_act(cw, cw_act(CW_APPROVAL_DECIDE), "approval", &a.id, 1,
				  d->note ? "stat,notes" : "stat", sp_caseappr_status_name(a.status),
				  err);
	if (!rc)
		rc = cw_may(cw, CW_NOTE_READ, &c, &a.notes_shown, err);
	if (!rc)
		a.decision_note = a.notes_shown && d->note ? sp_arena_strdup(cw->arena, d->note)
							   : NULL;
out:
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = a;
	return rc;
}

/* ---- reading ---- */

/* May the subject see approval a of case c: a supervisor of the deciding agency, or one the
 * policy lets read the case. Records the policy's refusal otherwise. */
static int may_see(struct sp_casework *cw, const struct sp_case_approval *a,
		   const struct sp_case *c, struct sp_err *err)
{
	bool decides = false;
	int rc = cw_may_decide(cw, &a->agency, &decides, err);
	return rc || decides ? rc : cw_authorise(cw, CW_APPROVAL_READ, c, err);
}

int sp_case_approval_get(struct sp_casework *cw, const struct sp_id *id,
			 struct sp_case_approval *out, struct sp_err *err)
{
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	struct sp_case_approval a = {0};
	struct sp_case c = {0};
	rc = approval_load(cw, id, true, &a, &c, err);
	if (!rc)
		rc = may_see(cw, &a, &c, err);
	if (!rc)
		rc = cw_audit(cw, CW_APPROVAL_READ, "approval", &a.id,
			      a.notes_shown ? "stat,notes" : "stat", err);
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = a;
	return rc;
}

/* The rows of st into a growing arena array; each shown with notes when the subject may read
 * its case's notes. */
static int collect(struct sp_casework *cw, struct sp_stmt *st, struct sp_case_approval **out,
		   size_t *n, size_t max, struct sp_err *err)
{
	size_t cap = 0;
	struct sp_case_approval *items = NULL;
	int rc = SP_OK;
	while (*n < max && (rc = sp_stmt_step(st, err)) == 1) {
		struct sp_case c;
		struct sp_id case_id;
		if (sp_stmt_id(st, 1, &case_id))
			return sp_err_set(err, SP_EINTERNAL, "", "malformed approval row");
		if ((rc = cw_case_load(cw, &case_id, &c, err)))
			return rc;
		items = cw_array_grow(cw->arena, items, *n, &cap, sizeof *items);
		if (!items)
			return sp_err_set(err, SP_ENOMEM, "", "out of memory");
		bool show = false;
		if ((rc = cw_may(cw, CW_NOTE_READ, &c, &show, err)) ||
		    (rc = approval_row(cw, st, show, &items[*n], err)))
			return rc;
		(*n)++;
	}
	*out = items;
	return rc < 0 ? rc : SP_OK;
}

int sp_case_approval_list(struct sp_casework *cw, const struct sp_caseappr_query *q,
			  struct sp_case_approval **out, size_t *n, size_t max,
			  struct sp_err *err)
{
	*out = NULL;
	*n = 0;
	if (max > SP_CASEAPPR_PAGE_MAX)
		max = SP_CASEAPPR_PAGE_MAX;
	if (q->status >= SP_CASEAPPR_STATUS_COUNT)
		return sp_err_set(err, SP_EINVAL, "/status", "unknown status");
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	struct sp_case c = {0};
	struct sp_stmt *st = NULL;
	if (q->case_id)
		rc = cw_case_load_for(cw, CW_APPROVAL_READ, q->case_id, &c, err);
	else
		rc = cw_authorise_decide(cw, cw_actor_agency(cw), NULL, err);
	if (!rc)
		rc = sp_store_prepare(
			cw->store,
			q->case_id ? (q->status >= 0
					      ? "SELECT " APPROVAL_COLUMNS " WHERE a.case_id = ? AND "
						"a.status = ? ORDER BY a.requested_us DESC, a.id"
					      : "SELECT " APPROVAL_COLUMNS " WHERE a.case_id = ? "
						"ORDER BY a.requested_us DESC, a.id")
				   : (q->status >= 0
					      ? "SELECT " APPROVAL_COLUMNS " WHERE a.agency_id = ? AND "
						"a.status = ? ORDER BY a.requested_us DESC, a.id"
					      : "SELECT " APPROVAL_COLUMNS " WHERE a.agency_id = ? "
						"ORDER BY CASE a.status WHEN 'pending' THEN 0 ELSE 1 END, "
						"a.requested_us DESC, a.id"),
			&st, err);
	if (rc)
		goto out;
	int b = sp_stmt_bind_id(st, 1, q->case_id ? q->case_id : cw_actor_agency(cw));
	if (q->status >= 0)
		b |= sp_stmt_bind_text(st, 2,
				       sp_caseappr_status_name((enum sp_caseappr_status)q->status));
	rc = b ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : collect(cw, st, out, n, max, err);
	sp_stmt_done(st);
	if (rc)
		goto out;
	struct sp_id ids[SP_CASEAPPR_PAGE_MAX];
	bool notes = false;
	const struct sp_case_approval *items = *out;
	for (size_t i = 0; items && i < *n; i++) {
		ids[i] = items[i].id;
		notes |= items[i].notes_shown;
	}
	rc = cw_audit_many(cw, CW_APPROVAL_READ, "approval", ids, *n, notes ? "stat,notes" : "stat",
			   err);
out:
	rc = cw_finish(cw, rc, err);
	if (rc) {
		*out = NULL;
		*n = 0;
	}
	return rc;
}
