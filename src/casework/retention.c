/* Retention (owner of the legal_holds and anonymisations tables): legal holds set and lifted by
 * a supervisor with a reason code, and the run that anonymises closed cases past their period
 * by crypto-shredding their person (the key destroyed after the anonymisation committed, as
 * sp_case_person_erase does), in one transaction per case so that a failure loses nothing and
 * a second run finishes the job. docs/retention.md says what is kept. */
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/case.h"
#include "safepath/caseop.h"
#include "safepath/date.h"
#include "safepath/names.h"
#include "safepath/policy.h"
#include "safepath/retention.h"
#include "safepath/store.h"

#define US_PER_DAY INT64_C(86400000000)
#define PAGE 64 /* the LIMIT of scan_page */

static const char *const hold_names[SP_HOLD_REASON_COUNT] = {
	[SP_HOLD_CRIMINAL_PROCEEDINGS] = "criminal_proceedings",
	[SP_HOLD_CIVIL_PROCEEDINGS] = "civil_proceedings",
	[SP_HOLD_IMMIGRATION_PROCEEDINGS] = "immigration_proceedings",
	[SP_HOLD_IDENTIFICATION_REVIEW] = "identification_review",
	[SP_HOLD_COMPLAINT] = "complaint",
};

static const char *const action_names[SP_RETENTION_ACTION_COUNT] = {
	[SP_RETENTION_ANONYMISED] = "anonymised",
	[SP_RETENTION_WOULD_ANONYMISE] = "would_anonymise",
	[SP_RETENTION_HELD] = "held",
	[SP_RETENTION_FINISHED] = "shredding_finished",
	[SP_RETENTION_ERASED] = "erased",
	[SP_RETENTION_WOULD_ERASE] = "would_erase",
};

const char *sp_hold_reason_name(enum sp_hold_reason r)
{
	return sp_name_of(hold_names, SP_HOLD_REASON_COUNT, (int)r);
}

int sp_hold_reason_parse(const char *s)
{
	return sp_name_index(hold_names, SP_HOLD_REASON_COUNT, s);
}

const char *sp_retention_action_name(enum sp_retention_action a)
{
	return sp_name_of(action_names, SP_RETENTION_ACTION_COUNT, (int)a);
}

/* ---- legal holds ---------------------------------------------------------------------- */

static int hold_insert(struct sp_casework *cw, const struct sp_case *c, enum sp_hold_reason why,
		       int64_t now, struct sp_err *err)
{
	struct sp_stmt *st;
	struct sp_id id = {0};
	sp_id_new(&id);
	int rc = sp_store_prepare(cw->store,
				  "INSERT INTO legal_holds (id, case_id, reason, set_by, set_us) "
				  "VALUES (?, ?, ?, ?, ?)",
				  &st, err);
	if (rc)
		return rc;
	int b = sp_stmt_bind_id(st, 1, &id);
	b |= sp_stmt_bind_id(st, 2, &c->id);
	b |= sp_stmt_bind_text(st, 3, sp_hold_reason_name(why));
	b |= sp_stmt_bind_id(st, 4, cw_actor(cw));
	b |= sp_stmt_bind_int64(st, 5, now);
	if (b) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	return cw_exec_done(st, err);
}

static int hold_close(struct sp_casework *cw, const struct sp_case *c, int64_t now,
		      struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  "UPDATE legal_holds SET lifted_by = ?, lifted_us = ? "
				  "WHERE case_id = ? AND lifted_us IS NULL",
				  &st, err);
	if (rc)
		return rc;
	int b = sp_stmt_bind_id(st, 1, cw_actor(cw));
	b |= sp_stmt_bind_int64(st, 2, now);
	b |= sp_stmt_bind_id(st, 3, &c->id);
	if (b) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	rc = sp_stmt_step(st, err);
	if (rc == 0 && sp_stmt_changes(st) != 1)
		rc = sp_err_set(err, SP_EINTERNAL, "", "the legal hold flag has no open hold");
	else if (rc > 0)
		rc = sp_err_set(err, SP_EINTERNAL, "", "unexpected row");
	sp_stmt_done(st);
	return rc;
}

/* The frame both hold operations share: a supervisor, the case under case.update, then op. */
static int hold_change(struct sp_casework *cw, const struct sp_id *case_id, bool set,
		       enum sp_hold_reason why, struct sp_case *out, struct sp_err *err)
{
	if (!cw_actor_is_supervisor(cw))
		return sp_err_set(err, SP_EDENIED, "", "only a supervisor may set or lift a legal hold");
	if (set && !sp_hold_reason_name(why))
		return sp_err_set(err, SP_EINVAL, "/reason", "unknown legal hold reason");
	int rc = cw_begin(cw, err);
	if (rc)
		return rc;
	enum cw_action action = set ? CW_LEGAL_HOLD_SET : CW_LEGAL_HOLD_LIFT;
	struct sp_case c = {0};
	int64_t now = sp_now_us();
	rc = cw_case_load_for(cw, action, case_id, &c, err);
	bool held = (c.flags & SP_CASE_LEGAL_HOLD) != 0;
	if (!rc && set && (c.flags & SP_CASE_ANONYMISED))
		rc = sp_err_set(err, SP_ECONFLICT, "", "the case was anonymised: nothing is left to hold");
	else if (!rc && set && held)
		rc = sp_err_set(err, SP_ECONFLICT, "", "the case is on legal hold already");
	else if (!rc && !set && !held)
		rc = sp_err_set(err, SP_ECONFLICT, "", "the case is not on legal hold");
	if (!rc)
		rc = set ? hold_insert(cw, &c, why, now, err) : hold_close(cw, &c, now, err);
	if (!rc)
		rc = cw_case_flags_write(cw, &c, set ? SP_CASE_LEGAL_HOLD : 0,
					 set ? 0 : SP_CASE_LEGAL_HOLD, err);
	if (!rc)
		rc = cw_audit_act(cw, cw_act(action), "case", case_id, 1, "stat",
				  set ? sp_hold_reason_name(why) : NULL, err);
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = c;
	return rc;
}

int sp_legal_hold_set(struct sp_casework *cw, const struct sp_id *case_id,
		      enum sp_hold_reason reason, struct sp_case *out, struct sp_err *err)
{
	return hold_change(cw, case_id, true, reason, out, err);
}

int sp_legal_hold_lift(struct sp_casework *cw, const struct sp_id *case_id, struct sp_case *out,
		       struct sp_err *err)
{
	return hold_change(cw, case_id, false, SP_HOLD_REASON_COUNT, out, err);
}

/* ---- the run -------------------------------------------------------------------------- */

int64_t sp_retention_due(int64_t closed_us, int months)
{
	int64_t day = closed_us / US_PER_DAY;
	int64_t rest = closed_us % US_PER_DAY;
	if (rest < 0) {
		rest += US_PER_DAY;
		day--;
	}
	return (int64_t)sp_date_add_months((int32_t)day, months) * US_PER_DAY + rest;
}

static int bind_fail(struct sp_stmt *st, struct sp_err *err)
{
	sp_stmt_done(st);
	return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
}

/* The selection: closed, not anonymised, closed at or before the bound (a month is at least
 * 28 days: every due case is in it, and the exact due instant is checked per case), of one
 * agency or all (agency NULL); after the cursor (closed_us, id) when given. */
struct scan {
	int64_t bound;
	const struct sp_id *agency;
	bool started;
	int64_t after_us;
	struct sp_id after_id;
};

#define SCAN_WHERE                                                                  \
	" FROM cases WHERE status = 'closed' AND closed_us <= ? AND (flags & ?) = 0" \
	" AND (? = 0 OR agency_id = ?)"

static int scan_bind(struct sp_stmt *st, const struct scan *sc)
{
	static const struct sp_id none;
	int b = sp_stmt_bind_int64(st, 1, sc->bound);
	b |= sp_stmt_bind_int64(st, 2, SP_CASE_ANONYMISED);
	b |= sp_stmt_bind_int64(st, 3, sc->agency ? 1 : 0);
	b |= sp_stmt_bind_id(st, 4, sc->agency ? sc->agency : &none);
	return b;
}

static int scan_count(struct sp_casework *cw, const struct scan *sc, size_t *n,
		      struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store, "SELECT COUNT(*)" SCAN_WHERE, &st, err);
	if (rc)
		return rc;
	if (scan_bind(st, sc))
		return bind_fail(st, err);
	rc = sp_stmt_step(st, err);
	if (rc == 1) {
		*n = (size_t)sp_stmt_int64(st, 0);
		rc = SP_OK;
	}
	sp_stmt_done(st);
	return rc;
}

/* The next page of cases to look at, oldest closure first. */
static int scan_page(struct sp_casework *cw, struct scan *sc, struct sp_case *out, size_t *n,
		     struct sp_err *err)
{
	struct sp_stmt *st;
	*n = 0;
	int rc = sp_store_prepare(cw->store,
				  "SELECT " CW_CASE_COLUMNS SCAN_WHERE
				  " AND (? = 0 OR closed_us > ? OR (closed_us = ? AND id > ?))"
				  " ORDER BY closed_us, id LIMIT 64",
				  &st, err);
	if (rc)
		return rc;
	int b = scan_bind(st, sc);
	b |= sp_stmt_bind_int64(st, 5, sc->started ? 1 : 0);
	b |= sp_stmt_bind_int64(st, 6, sc->after_us);
	b |= sp_stmt_bind_int64(st, 7, sc->after_us);
	b |= sp_stmt_bind_id(st, 8, &sc->after_id);
	if (b)
		return bind_fail(st, err);
	while (*n < PAGE && (rc = sp_stmt_step(st, err)) == 1) {
		rc = cw_case_row(st, &out[*n], err);
		if (rc)
			break;
		(*n)++;
	}
	sp_stmt_done(st);
	if (rc < 0)
		return rc;
	if (*n) {
		sc->started = true;
		sc->after_us = out[*n - 1].closed_us;
		sc->after_id = out[*n - 1].id;
	}
	return SP_OK;
}

static int mark_insert(struct sp_casework *cw, const struct sp_case *c, int64_t now,
		       struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  "INSERT INTO anonymisations (case_id, person_id, anonymised_by, "
				  "anonymised_us) VALUES (?, ?, ?, ?)",
				  &st, err);
	if (rc)
		return rc;
	int b = sp_stmt_bind_id(st, 1, &c->id);
	b |= sp_stmt_bind_id(st, 2, &c->person);
	b |= sp_stmt_bind_id(st, 3, cw_actor(cw));
	b |= sp_stmt_bind_int64(st, 4, now);
	return b ? bind_fail(st, err) : cw_exec_done(st, err);
}

/* The person's key destroyed (and forgotten by the key store's backups), then the row marked;
 * both repeatable. */
static int shred(struct sp_casework *cw, const struct sp_id *case_id, const struct sp_id *person,
		 int64_t now, struct sp_err *err)
{
	int rc = cw_person_key_destroy(cw, person, err);
	if (rc)
		return rc;
	struct sp_stmt *st;
	if ((rc = sp_store_begin_write(cw->store, err)))
		return rc;
	rc = sp_store_prepare(cw->store,
			      "UPDATE anonymisations SET shredded_us = ? WHERE case_id = ?", &st,
			      err);
	if (!rc) {
		int b = sp_stmt_bind_int64(st, 1, now);
		b |= sp_stmt_bind_id(st, 2, case_id);
		rc = b ? bind_fail(st, err) : cw_exec_done(st, err);
	}
	if (!rc)
		rc = sp_store_commit(cw->store, err);
	if (rc)
		sp_store_rollback(cw->store);
	return rc;
}

/* One case in its own transaction, checked again inside it (it may have moved on since the
 * page was read): still closed, due, not held, not anonymised. *done says whether it was. */
static int anonymise(struct sp_casework *cw, const struct sp_retention_run *in,
		     const struct sp_id *case_id, bool *done, struct sp_err *err)
{
	char period[16];
	snprintf(period, sizeof period, "P%dM", in->months);
	*done = false;
	int rc = cw_begin(cw, err);
	if (rc)
		return rc;
	struct sp_case c = {0};
	rc = cw_case_load(cw, case_id, &c, err);
	bool due = !rc && c.status == SP_CASE_CLOSED && c.closed_us &&
		   !(c.flags & (SP_CASE_LEGAL_HOLD | SP_CASE_ANONYMISED)) &&
		   sp_retention_due(c.closed_us, in->months) <= in->now_us;
	int64_t now = sp_now_us();
	if (due) {
		rc = mark_insert(cw, &c, now, err);
		if (!rc)
			rc = cw_person_unindex(cw, &c.person, err);
		if (!rc)
			rc = cw_case_flags_write(cw, &c, SP_CASE_ANONYMISED, 0, err);
		if (!rc)
			rc = cw_audit_act(cw, cw_act(CW_RETENTION_ANONYMISE), "case", &c.id, 1,
					  "identity,safety,notes", period, err);
	}
	rc = cw_finish(cw, rc, err);
	/* Only once the anonymisation is recorded (sp_case_person_erase's order). */
	if (!rc && due)
		rc = shred(cw, &c.id, &c.person, now, err);
	*done = !rc && due;
	return rc;
}

/* Anonymisations an earlier run recorded but could not shred, in case id order. */
static int finish_pending(struct sp_casework *cw, const struct sp_retention_run *in,
			  struct sp_retention_report *out, struct sp_err *err)
{
	struct sp_retention_item it = {.action = SP_RETENTION_FINISHED};
	for (;;) {
		struct sp_stmt *st;
		struct sp_id person;
		int rc = sp_store_prepare(cw->store,
					  "SELECT a.case_id, a.person_id, c.number FROM anonymisations a "
					  "JOIN cases c ON c.id = a.case_id WHERE a.shredded_us IS NULL "
					  "AND a.case_id > ? ORDER BY a.case_id LIMIT 1",
					  &st, err);
		if (rc)
			return rc;
		if (sp_stmt_bind_id(st, 1, &it.case_id))
			return bind_fail(st, err);
		rc = sp_stmt_step(st, err);
		const char *number = rc == 1 ? sp_stmt_text(st, 2) : NULL;
		if (rc == 1 && (sp_stmt_id(st, 0, &it.case_id) || sp_stmt_id(st, 1, &person) ||
				!number || strlen(number) >= sizeof it.number))
			rc = sp_err_set(err, SP_EINTERNAL, "", "malformed anonymisation row");
		else if (rc == 1)
			memcpy(it.number, number, strlen(number) + 1);
		sp_stmt_done(st);
		if (rc <= 0)
			return rc;
		/* a dry run reports it and leaves it for a real run */
		if (!in->dry_run && (rc = shred(cw, &it.case_id, &person, sp_now_us(), err)))
			return rc;
		out->finished++;
		if (in->each && (rc = in->each(in->ctx, &it)))
			return rc;
	}
}

/* The cases of the scan, each anonymised (or reported) in turn. */
static int cases_run(struct sp_casework *cw, const struct sp_retention_run *in, struct scan *sc,
		     size_t total, struct sp_retention_report *out, struct sp_err *err)
{
	size_t seen = 0;
	struct sp_case page[PAGE];
	for (;;) {
		size_t n;
		int rc = scan_page(cw, sc, page, &n, err);
		if (rc || n == 0)
			return rc;
		for (size_t i = 0; i < n; i++) {
			const struct sp_case *c = &page[i];
			struct sp_retention_item it = {.case_id = c->id,
						       .closed_us = c->closed_us,
						       .due_us = sp_retention_due(c->closed_us,
										  in->months)};
			memcpy(it.number, c->number, sizeof it.number);
			bool report = it.due_us <= in->now_us;
			if (!report) {
				/* within the bound's slack: not due yet */
			} else if (c->flags & SP_CASE_LEGAL_HOLD) {
				it.action = SP_RETENTION_HELD;
				out->held++;
			} else if (in->dry_run) {
				it.action = SP_RETENTION_WOULD_ANONYMISE;
				out->anonymised++;
			} else {
				bool done;
				if ((rc = anonymise(cw, in, &c->id, &done, err)))
					return rc;
				report = done;
				it.action = SP_RETENTION_ANONYMISED;
				out->anonymised += done;
			}
			if (report && in->each && (rc = in->each(in->ctx, &it)))
				return rc;
			if (in->progress)
				in->progress(in->ctx, ++seen, total);
		}
	}
}

/* A tracing request erased (or that would be), told to the caller's each. */
static int request_item(void *ctx, const struct sp_id *request, int64_t closed_us,
			int64_t due_us)
{
	const struct sp_retention_run *in = ctx;
	struct sp_retention_item it = {.request = true,
				       .request_id = *request,
				       .closed_us = closed_us,
				       .due_us = due_us,
				       .action = in->dry_run ? SP_RETENTION_WOULD_ERASE
							     : SP_RETENTION_ERASED};
	return in->each ? in->each(in->ctx, &it) : SP_OK;
}

int sp_retention_run(struct sp_casework *cw, const struct sp_retention_run *in,
		     struct sp_retention_report *out, struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	if (in->months < 1 || in->months > 1200)
		return sp_err_set(err, SP_EINVAL, "/retention/case",
				  "the period must be 1 to 1200 months");
	if (in->tracing_months < 0 || in->tracing_months > 1200)
		return sp_err_set(err, SP_EINVAL, "/retention/tracing_request",
				  "the period must be 1 to 1200 months");
	int rc = sp_caseop_authorise_any(cw, cw_act(CW_RETENTION_RUN), err);
	if (rc)
		return rc;
	/* A supervisor keeps its own agency's records; the DPO the deployment's. */
	const struct sp_id *agency = (cw->subject->roles & SP_ROLE_DPO) ? NULL : cw_actor_agency(cw);
	struct scan sc = {
		.bound = in->now_us - (int64_t)in->months * 28 * US_PER_DAY,
		.agency = agency,
	};
	size_t total = 0;
	if ((rc = finish_pending(cw, in, out, err)) || (rc = scan_count(cw, &sc, &total, err)) ||
	    (rc = cases_run(cw, in, &sc, total, out, err)) || !in->tracing_months)
		return rc;
	struct sp_retention_run told = *in; /* request_item's context */
	const struct cw_tracing_expiry ex = {.months = in->tracing_months,
					     .now_us = in->now_us,
					     .agency = agency,
					     .dry_run = in->dry_run,
					     .each = request_item,
					     .ctx = &told};
	return cw_tracing_expire(cw, &ex, &out->requests, err);
}
