/* Deadlines of a case (owner of the deadlines table): rows the identify wing starts and closes
 * inside its operations on a case (safepath/caseevent.h), a case's list and an agency's list
 * through the policy, and a target marked met by hand. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/caseop.h"
#include "safepath/deadline.h"
#include "safepath/jsonw.h"
#include "safepath/names.h"
#include "safepath/notification.h"
#include "safepath/store.h"

static const char *const status_names[SP_DEADLINE_STATUS_COUNT] = {
	[SP_DEADLINE_OPEN] = "open",
	[SP_DEADLINE_MET] = "met",
	[SP_DEADLINE_ENDED] = "ended",
	[SP_DEADLINE_LAPSED] = "lapsed",
};

static const char *const source_names[SP_DEADLINE_SOURCE_COUNT] = {
	[SP_DEADLINE_FROM_DECISION] = "decision",
	[SP_DEADLINE_FROM_SCREENING] = "screening",
	[SP_DEADLINE_FROM_EVENT] = "event",
};

/* Open-ended deadlines, and those without a computable instant, sort after every dated one. */
#define NO_DUE INT64_MAX
/* Rows the agency's list reads at a time while it fills a page past rows it may not show. */
#define AGENCY_BATCH 256

const char *sp_deadline_status_name(enum sp_deadline_status s)
{
	return sp_name_of(status_names, SP_DEADLINE_STATUS_COUNT, (int)s);
}

const char *sp_deadline_source_name(enum sp_deadline_source s)
{
	return sp_name_of(source_names, SP_DEADLINE_SOURCE_COUNT, (int)s);
}

#define DEADLINE_COLUMNS                                                                     \
	"deadlines.id, case_id, jurisdiction_id, jurisdiction_version, rule_id, kind, class, " \
	"trigger_event, trigger_us, due_us, problem, deadlines.status, closed_by, "           \
	"deadlines.closed_us, source, source_id, created_by, deadlines.created_us, "          \
	"deadlines.updated_us, deadlines.version"

/* A row selected with DEADLINE_COLUMNS. */
static int deadline_row(struct sp_stmt *st, struct sp_deadline *d, struct sp_err *err)
{
	memset(d, 0, sizeof *d);
	const char *kind = sp_stmt_text(st, 5), *cls = sp_stmt_text(st, 6);
	int status = sp_name_index(status_names, SP_DEADLINE_STATUS_COUNT, sp_stmt_text(st, 11));
	int source = sp_name_index(source_names, SP_DEADLINE_SOURCE_COUNT, sp_stmt_text(st, 14));
	bool ok = !sp_stmt_id(st, 0, &d->id) && !sp_stmt_id(st, 1, &d->case_id) &&
		  !sp_text_copy(d->jurisdiction, sizeof d->jurisdiction, sp_stmt_text(st, 2)) &&
		  !sp_text_copy(d->jurisdiction_version, sizeof d->jurisdiction_version,
				sp_stmt_text(st, 3)) &&
		  !sp_text_copy(d->rule, sizeof d->rule, sp_stmt_text(st, 4)) && kind && cls &&
		  !sp_text_copy(d->trigger, sizeof d->trigger, sp_stmt_text(st, 7)) &&
		  (sp_stmt_is_null(st, 10) ||
		   !sp_text_copy(d->problem, sizeof d->problem, sp_stmt_text(st, 10))) &&
		  (sp_stmt_is_null(st, 12) ||
		   !sp_text_copy(d->closed_by, sizeof d->closed_by, sp_stmt_text(st, 12))) &&
		  (sp_stmt_is_null(st, 15) || !sp_stmt_id(st, 15, &d->source_id)) &&
		  !sp_stmt_id(st, 16, &d->created_by) && status >= 0 && source >= 0;
	if (!ok)
		return sp_err_set(err, SP_EINTERNAL, "", "malformed deadline row");
	d->minimum = strcmp(kind, "minimum") == 0;
	d->trafficking = strcmp(cls, "trafficking") == 0;
	d->trigger_us = sp_stmt_int64(st, 8);
	d->has_due = !sp_stmt_is_null(st, 9);
	d->due_us = d->has_due ? sp_stmt_int64(st, 9) : 0;
	d->status = (enum sp_deadline_status)status;
	d->closed_us = sp_stmt_is_null(st, 13) ? 0 : sp_stmt_int64(st, 13);
	d->source = (enum sp_deadline_source)source;
	d->created_us = sp_stmt_int64(st, 17);
	d->updated_us = sp_stmt_int64(st, 18);
	d->version = sp_stmt_int64(st, 19);
	return SP_OK;
}

/* Step a write that must change exactly one row. */
static int step_one(struct sp_stmt *st, int bind_failed, struct sp_err *err)
{
	int rc = bind_failed ? sp_err_set(err, SP_EINTERNAL, "", "bind failed")
			     : sp_stmt_step(st, err);
	if (rc == 0 && sp_stmt_changes(st) != 1)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the deadline was changed meanwhile");
	else if (rc > 0)
		rc = sp_err_set(err, SP_EINTERNAL, "", "unexpected row");
	sp_stmt_done(st);
	return rc;
}

int sp_deadline_add_in(struct sp_caseop *op, const struct sp_deadline *in,
		       struct sp_deadline *out, struct sp_err *err)
{
	struct sp_casework *cw = op->cw;
	if ((unsigned)in->source >= SP_DEADLINE_SOURCE_COUNT || !in->jurisdiction[0] ||
	    !in->rule[0] || !in->trigger[0])
		return sp_err_set(err, SP_EINTERNAL, "", "incomplete deadline");
	int rc = cw_caseop_allow(op, CW_DEADLINE_ADD, err);
	if (rc)
		return rc;
	struct sp_deadline d = *in;
	sp_id_new(&d.id);
	d.case_id = op->c.id;
	d.status = SP_DEADLINE_OPEN;
	d.closed_by[0] = '\0';
	d.closed_us = 0;
	d.created_by = *cw_actor(cw);
	d.created_us = d.updated_us = sp_now_us();
	d.version = 1;
	d.case_number[0] = '\0';
	struct sp_stmt *st;
	rc = sp_store_prepare(
		cw->store,
		"INSERT INTO deadlines (id, case_id, jurisdiction_id, jurisdiction_version, rule_id, "
		"kind, class, trigger_event, trigger_us, due_us, due_order, problem, status, "
		"source, source_id, created_by, created_us, updated_us, version) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		&st, err);
	if (rc)
		return rc;
	int b = sp_stmt_bind_id(st, 1, &d.id);
	b |= sp_stmt_bind_id(st, 2, &d.case_id);
	b |= sp_stmt_bind_text(st, 3, d.jurisdiction);
	b |= sp_stmt_bind_text(st, 4, d.jurisdiction_version);
	b |= sp_stmt_bind_text(st, 5, d.rule);
	b |= sp_stmt_bind_text(st, 6, d.minimum ? "minimum" : "target");
	b |= sp_stmt_bind_text(st, 7, d.trafficking ? "trafficking" : "stat");
	b |= sp_stmt_bind_text(st, 8, d.trigger);
	b |= sp_stmt_bind_int64(st, 9, d.trigger_us);
	b |= d.has_due ? sp_stmt_bind_int64(st, 10, d.due_us) : sp_stmt_bind_null(st, 10);
	b |= sp_stmt_bind_int64(st, 11, d.has_due ? d.due_us : NO_DUE);
	b |= d.problem[0] ? sp_stmt_bind_text(st, 12, d.problem) : sp_stmt_bind_null(st, 12);
	b |= sp_stmt_bind_text(st, 13, status_names[SP_DEADLINE_OPEN]);
	b |= sp_stmt_bind_text(st, 14, source_names[d.source]);
	b |= sp_id_is_zero(&d.source_id) ? sp_stmt_bind_null(st, 15)
					 : sp_stmt_bind_id(st, 15, &d.source_id);
	b |= sp_stmt_bind_id(st, 16, &d.created_by);
	b |= sp_stmt_bind_int64(st, 17, d.created_us);
	b |= sp_stmt_bind_int64(st, 18, d.updated_us);
	b |= sp_stmt_bind_int64(st, 19, d.version);
	rc = step_one(st, b, err);
	if (!rc)
		rc = cw_audit(cw, CW_DEADLINE_ADD, "deadline", &d.id, "stat", err);
	if (!rc && out)
		*out = d;
	return rc;
}

/* The rows of one statement whose only parameter is the case id, into an arena array. */
static int case_rows(struct sp_casework *cw, const char *sql, const struct sp_id *case_id,
		     struct sp_deadline **out, size_t *n, struct sp_err *err)
{
	*out = NULL;
	*n = 0;
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store, sql, &st, err);
	if (rc)
		return rc;
	size_t cap = 0;
	if (sp_stmt_bind_id(st, 1, case_id))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	while (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		struct sp_deadline *grown = cw_array_grow(cw->arena, *out, *n, &cap, sizeof **out);
		if (!grown) {
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
			break;
		}
		*out = grown;
		rc = deadline_row(st, &grown[*n], err);
		if (!rc)
			++*n;
	}
	sp_stmt_done(st);
	return rc;
}

int sp_deadline_open_in(struct sp_caseop *op, struct sp_deadline **out, size_t *n,
			struct sp_err *err)
{
	return case_rows(op->cw,
			 "SELECT " DEADLINE_COLUMNS " FROM deadlines WHERE case_id = ? AND "
			 "status = 'open' ORDER BY trigger_us, id",
			 &op->c.id, out, n, err);
}

/* Write d's status and closing at `was`, stepping its version on. */
static int close_row(struct sp_casework *cw, struct sp_deadline *d, enum sp_deadline_status to,
		     const char *by, int64_t at, struct sp_err *err)
{
	struct sp_deadline next = *d;
	next.status = to;
	if (sp_text_copy(next.closed_by, sizeof next.closed_by, by))
		return sp_err_set(err, SP_EINTERNAL, "", "closing event name");
	int64_t now = sp_now_us();
	next.closed_us = at;
	next.updated_us = now > d->updated_us ? now : d->updated_us + 1;
	next.version = d->version + 1;
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  "UPDATE deadlines SET status = ?, closed_by = ?, closed_us = ?, "
				  "updated_us = ?, version = ? WHERE id = ? AND version = ? AND "
				  "status = 'open'",
				  &st, err);
	if (rc)
		return rc;
	int b = sp_stmt_bind_text(st, 1, status_names[to]);
	b |= sp_stmt_bind_text(st, 2, next.closed_by);
	b |= sp_stmt_bind_int64(st, 3, next.closed_us);
	b |= sp_stmt_bind_int64(st, 4, next.updated_us);
	b |= sp_stmt_bind_int64(st, 5, next.version);
	b |= sp_stmt_bind_id(st, 6, &d->id);
	b |= sp_stmt_bind_int64(st, 7, d->version);
	rc = step_one(st, b, err);
	if (!rc)
		rc = cw_audit(cw, d->trafficking ? CW_DEADLINE_UPDATE_TRAFFICKING : CW_DEADLINE_UPDATE,
			      "deadline", &d->id, d->trafficking ? "stat,trafficking" : "stat", err);
	if (!rc)
		*d = next;
	return rc;
}

int sp_deadline_close_in(struct sp_caseop *op, struct sp_deadline *d,
			 enum sp_deadline_status status, const char *by, int64_t at,
			 struct sp_err *err)
{
	if (status == SP_DEADLINE_OPEN || (unsigned)status >= SP_DEADLINE_STATUS_COUNT)
		return sp_err_set(err, SP_EINTERNAL, "", "a deadline closes as met, ended or lapsed");
	int rc = cw_caseop_allow(op, CW_DEADLINE_UPDATE, err);
	return rc ? rc : close_row(op->cw, d, status, by, at, err);
}

int sp_deadline_list(struct sp_casework *cw, const struct sp_id *case_id,
		     struct sp_deadline **out, size_t *n, size_t *withheld, struct sp_err *err)
{
	*out = NULL;
	*n = *withheld = 0;
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	struct sp_case c = {0};
	struct sp_deadline *all = NULL;
	size_t count = 0;
	rc = cw_case_load_for(cw, CW_DEADLINE_READ, case_id, &c, err);
	if (!rc)
		rc = case_rows(cw,
			       "SELECT " DEADLINE_COLUMNS " FROM deadlines WHERE case_id = ? "
			       "ORDER BY trigger_us, id",
			       case_id, &all, &count, err);
	bool trafficking = !rc && cw_allowed(cw, CW_DEADLINE_READ_TRAFFICKING, &c);
	size_t kept = 0;
	for (size_t i = 0; !rc && i < count; i++)
		if (trafficking || !all[i].trafficking)
			all[kept++] = all[i];
	if (!rc)
		rc = cw_audit(cw, trafficking ? CW_DEADLINE_READ_TRAFFICKING : CW_DEADLINE_READ,
			      "case", case_id, trafficking ? "stat,trafficking" : "stat", err);
	rc = cw_finish(cw, rc, err);
	if (!rc) {
		*out = all;
		*n = kept;
		*withheld = count - kept;
	}
	return rc;
}

/* May the subject see row d of case c: the case, and the row's class on it. */
static bool row_shown(struct sp_casework *cw, struct sp_deadline *d, const struct sp_case *c)
{
	snprintf(d->case_number, sizeof d->case_number, "%s", c->number);
	return cw_allowed(cw, CW_DEADLINE_READ, c) &&
	       (!d->trafficking || cw_allowed(cw, CW_DEADLINE_READ_TRAFFICKING, c));
}

/* The same for a row of the agency's list, its case loaded. */
static int agency_row(struct sp_casework *cw, struct sp_deadline *d, bool *show,
		      struct sp_err *err)
{
	struct sp_case c;
	int rc = cw_case_load(cw, &d->case_id, &c, err);
	if (!rc)
		*show = row_shown(cw, d, &c);
	return rc;
}

/* Where the page after deadline `after` starts: its sort key (due_order, id). */
static int agency_anchor(struct sp_casework *cw, const struct sp_id *after, int64_t *due,
			 struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store, "SELECT due_order FROM deadlines WHERE id = ?", &st,
				  err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, after))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	if (!rc)
		rc = sp_stmt_step(st, err);
	if (rc == 0)
		rc = sp_err_set(err, SP_EINVAL, "/cursor", "is not a deadline of this list");
	if (rc == 1) {
		*due = sp_stmt_int64(st, 0);
		rc = SP_OK;
	}
	sp_stmt_done(st);
	return rc;
}

/* One batch of the agency's open deadlines after (due, id), kept into out[*n..max] when the
 * subject may see them; *more when a row past a full page exists, *last the batch's last row
 * read (to go on from), *read how many rows the batch had. */
static int agency_batch(struct sp_casework *cw, bool overdue_only, int64_t now, bool from_start,
			int64_t due, const struct sp_id *after, struct sp_deadline *out,
			size_t max, size_t *n, bool *more, size_t *read, int64_t *last_due,
			struct sp_id *last_id, struct sp_err *err)
{
	char sql[1024];
	snprintf(sql, sizeof sql,
		 "SELECT " DEADLINE_COLUMNS " FROM deadlines JOIN cases ON cases.id = "
		 "deadlines.case_id WHERE cases.agency_id = ? AND deadlines.status = 'open'%s%s "
		 "ORDER BY due_order, deadlines.id LIMIT ?",
		 overdue_only ? " AND kind = 'target' AND due_order < ?" : "",
		 from_start ? "" : " AND (due_order > ? OR (due_order = ? AND deadlines.id > ?))");
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store, sql, &st, err);
	if (rc)
		return rc;
	int i = 1;
	int b = sp_stmt_bind_id(st, i++, cw_actor_agency(cw));
	if (overdue_only)
		b |= sp_stmt_bind_int64(st, i++, now);
	if (!from_start) {
		b |= sp_stmt_bind_int64(st, i, due);
		b |= sp_stmt_bind_int64(st, i + 1, due);
		b |= sp_stmt_bind_id(st, i + 2, after);
		i += 3;
	}
	b |= sp_stmt_bind_int64(st, i, AGENCY_BATCH);
	if (b)
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	*read = 0;
	struct sp_deadline d;
	while (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		rc = deadline_row(st, &d, err);
		if (rc)
			break;
		++*read;
		*last_due = d.has_due ? d.due_us : NO_DUE;
		*last_id = d.id;
		bool show = false;
		rc = agency_row(cw, &d, &show, err);
		if (rc || !show)
			continue;
		if (*n == max) {
			*more = true;
			rc = 0;
			break;
		}
		out[(*n)++] = d;
	}
	sp_stmt_done(st);
	return rc;
}

int sp_deadline_agency(struct sp_casework *cw, bool overdue_only, int64_t now,
		       const struct sp_id *after, struct sp_deadline *out, size_t max, size_t *n,
		       struct sp_id *next, struct sp_err *err)
{
	*n = 0;
	memset(next, 0, sizeof *next);
	if (max > SP_DEADLINE_PAGE_MAX)
		max = SP_DEADLINE_PAGE_MAX;
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	int64_t due = 0;
	struct sp_id from = {0};
	bool more = false, from_start = after == NULL;
	rc = cw_authorise_any(cw, CW_DEADLINE_LIST, err);
	if (!rc && after) {
		rc = agency_anchor(cw, after, &due, err);
		from = *after;
	}
	size_t read = AGENCY_BATCH;
	/* rows the subject may not see are skipped: read on until the page and one more are
	 * found or the rows run out */
	while (!rc && !more && read == AGENCY_BATCH) {
		rc = agency_batch(cw, overdue_only, now, from_start, due, &from, out, max, n, &more,
				  &read, &due, &from, err);
		from_start = false;
	}
	struct sp_id ids[SP_DEADLINE_PAGE_MAX];
	for (size_t i = 0; i < *n; i++)
		ids[i] = out[i].id;
	if (!rc)
		rc = cw_audit_many(cw, CW_DEADLINE_LIST, "deadline", ids, *n, "stat", err);
	rc = cw_finish(cw, rc, err);
	if (rc)
		*n = 0;
	else if (more && *n)
		*next = out[*n - 1].id;
	return rc;
}

/* The deadline by id in the open transaction. */
static int deadline_load(struct sp_casework *cw, const struct sp_id *id, struct sp_deadline *d,
			 struct sp_err *err)
{
	struct sp_deadline *rows;
	size_t n;
	int rc = case_rows(cw, "SELECT " DEADLINE_COLUMNS " FROM deadlines WHERE id = ?", id,
			   &rows, &n, err);
	if (rc)
		return rc;
	if (n == 0 || !rows)
		return sp_err_set(err, SP_ENOTFOUND, "", "no such deadline");
	*d = rows[0];
	return SP_OK;
}

int sp_deadline_set_met(struct sp_casework *cw, const struct sp_id *id, int64_t version,
			struct sp_deadline *out, struct sp_err *err)
{
	int rc = cw_begin(cw, err);
	if (rc)
		return rc;
	struct sp_deadline d = {0};
	struct sp_case c = {0};
	rc = deadline_load(cw, id, &d, err);
	if (!rc)
		rc = cw_case_load_for(cw,
				      d.trafficking ? CW_DEADLINE_UPDATE_TRAFFICKING
						    : CW_DEADLINE_UPDATE,
				      &d.case_id, &c, err);
	if (!rc && d.minimum)
		rc = sp_err_set(err, SP_EINVAL, "/status",
				"a minimum period is not met: it runs until its end");
	if (!rc && d.version != version)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the deadline was changed meanwhile");
	if (!rc && d.status != SP_DEADLINE_OPEN)
		rc = sp_err_set(err, SP_ECONFLICT, "/status", "the deadline is %s already",
				status_names[d.status]);
	if (!rc)
		rc = close_row(cw, &d, SP_DEADLINE_MET, "person", sp_now_us(), err);
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = d;
	return rc;
}

/* ---- overdue targets, notified ---- */

struct overdue {
	struct sp_id id, case_id, agency, assigned;
	int64_t due;
};

/* One batch of open targets falling due in [since, now) after (due, id): the deadline, its
 * case, the case's agency and caseworker. */
static int overdue_batch(struct sp_store *s, int64_t since, int64_t now, int64_t due,
			 const struct sp_id *after, struct overdue *out, size_t *n,
			 struct sp_err *err)
{
	struct sp_stmt *st;
	*n = 0;
	int rc = sp_store_prepare(s,
				  "SELECT deadlines.id, case_id, cases.agency_id, cases.assigned_to, "
				  "due_order FROM deadlines JOIN cases ON cases.id = deadlines.case_id "
				  "WHERE deadlines.status = 'open' AND kind = 'target' AND "
				  "due_order >= ? AND due_order < ? AND (due_order > ? OR "
				  "(due_order = ? AND deadlines.id > ?)) "
				  "ORDER BY due_order, deadlines.id LIMIT ?",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_int64(st, 1, since) | sp_stmt_bind_int64(st, 2, now) |
	    sp_stmt_bind_int64(st, 3, due) | sp_stmt_bind_int64(st, 4, due) |
	    sp_stmt_bind_id(st, 5, after) | sp_stmt_bind_int64(st, 6, AGENCY_BATCH))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	while (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		struct overdue *o = &out[*n];
		memset(o, 0, sizeof *o);
		if (sp_stmt_id(st, 0, &o->id) || sp_stmt_id(st, 1, &o->case_id) ||
		    sp_stmt_id(st, 2, &o->agency) ||
		    (!sp_stmt_is_null(st, 3) && sp_stmt_id(st, 3, &o->assigned))) {
			rc = sp_err_set(err, SP_EINTERNAL, "", "malformed deadline row");
			break;
		}
		o->due = sp_stmt_int64(st, 4);
		++*n;
		rc = 0;
	}
	sp_stmt_done(st);
	return rc;
}

/* The first notice: the case's caseworker, or, when nobody is assigned, its agency's
 * supervisors. The escalation: the agency's focal points and supervisors, under a key of its
 * own so that it is not taken for the first. */
static int overdue_notify(struct sp_store *s, const struct overdue *o, bool escalate,
			  int64_t now, size_t *added, struct sp_err *err)
{
	char id[SP_ID_STRLEN + 1], key[SP_NOTIFICATION_DEDUPE_MAX];
	bool fresh = false, by_role = escalate || sp_id_is_zero(&o->assigned);
	struct sp_notice n = {.kind = SP_NOTIFY_DEADLINE_OVERDUE,
			      .user = by_role ? NULL : &o->assigned,
			      .agency = o->agency,
			      .roles = escalate   ? SP_ROLE_FOCAL_POINT | SP_ROLE_SUPERVISOR
				       : by_role ? SP_ROLE_SUPERVISOR
						 : 0,
			      .object = o->id,
			      .case_id = &o->case_id,
			      .now_us = now};
	if (escalate) {
		sp_id_format(&o->id, id);
		snprintf(key, sizeof key, "deadline.overdue:%s:escalated", id);
		n.dedupe = key;
	}
	int rc = sp_notify(s, &n, &fresh, err);
	if (!rc && fresh)
		++*added;
	return rc;
}

/* One pass over the open targets falling due in [since_us, now_us): each batch read first,
 * and written only when it holds something, so that a sweep that finds nothing (most of
 * them) takes no write lock. */
static int overdue_pass(struct sp_store *s, int64_t since_us, int64_t until_us, bool escalate,
			int64_t now_us, size_t *added, struct sp_err *err)
{
	struct overdue batch[AGENCY_BATCH];
	struct sp_id after = {{0}};
	int64_t due = INT64_MIN;
	size_t n = 0, fresh = 0;
	int rc = SP_OK;
	do {
		rc = sp_store_begin_read(s, err);
		if (!rc)
			rc = overdue_batch(s, since_us, until_us, due, &after, batch, &n, err);
		if (!rc)
			rc = sp_store_commit(s, err);
		if (!rc && n)
			rc = sp_store_begin_write(s, err);
		fresh = 0;
		for (size_t i = 0; !rc && i < n; i++)
			rc = overdue_notify(s, &batch[i], escalate, now_us, &fresh, err);
		if (!rc && n)
			rc = sp_store_commit(s, err);
		if (rc)
			sp_store_rollback(s);
		else
			*added += fresh;
		if (!rc && n) {
			due = batch[n - 1].due;
			after = batch[n - 1].id;
		}
	} while (!rc && n == AGENCY_BATCH);
	return rc;
}

int sp_deadline_notify_overdue(struct sp_store *s, int64_t since_us, int64_t now_us,
			       size_t *added, struct sp_err *err)
{
	*added = 0;
	int rc = overdue_pass(s, since_us, now_us, false, now_us, added, err);
	/* the escalation's window is the same one, a grace period earlier: what is still open
	 * a day after it fell due (a sweep from 0 looks from 0) */
	if (!rc)
		rc = overdue_pass(s, since_us ? since_us - SP_DEADLINE_ESCALATION_US : 0,
				  now_us - SP_DEADLINE_ESCALATION_US, true, now_us, added, err);
	return rc;
}

/* A member whose value is a string or null. */
static void text_member(struct sp_jsonw *w, const char *key, const char *v)
{
	sp_jsonw_key(w, key);
	sp_jsonw_string(w, v);
}

void sp_deadline_write(struct sp_jsonw *w, const struct sp_deadline *d,
		       const struct sp_deadline_reading *v)
{
	sp_jsonw_object(w); /* members in sorted order, as sp_json_dump writes them */
	sp_jsonw_key(w, "case_id");
	sp_jsonw_id(w, &d->case_id);
	text_member(w, "case_number", d->case_number[0] ? d->case_number : NULL);
	text_member(w, "class", d->trafficking ? "trafficking" : "stat");
	sp_jsonw_key(w, "closed_at");
	if (d->status != SP_DEADLINE_OPEN)
		sp_jsonw_time(w, d->closed_us);
	else
		sp_jsonw_null(w);
	text_member(w, "closed_by", d->closed_by[0] ? d->closed_by : NULL);
	sp_jsonw_key(w, "created_at");
	sp_jsonw_time(w, d->created_us);
	sp_jsonw_key(w, "created_by");
	sp_jsonw_id(w, &d->created_by);
	sp_jsonw_key(w, "due_at");
	if (d->has_due)
		sp_jsonw_time(w, d->due_us);
	else
		sp_jsonw_null(w);
	if (v)
		text_member(w, "due_local", v->due_local);
	sp_jsonw_key(w, "id");
	sp_jsonw_id(w, &d->id);
	sp_jsonw_key(w, "jurisdiction");
	sp_jsonw_object(w);
	text_member(w, "id", d->jurisdiction);
	text_member(w, "version", d->jurisdiction_version);
	sp_jsonw_object_end(w);
	text_member(w, "kind", d->minimum ? "minimum" : "target");
	if (v) {
		sp_jsonw_key(w, "overdue");
		sp_jsonw_bool(w, v->overdue);
	}
	text_member(w, "problem", d->problem[0] ? d->problem : NULL);
	text_member(w, "rule", d->rule);
	text_member(w, "source", source_names[d->source]);
	sp_jsonw_key(w, "source_id");
	sp_jsonw_opt_id(w, &d->source_id);
	if (v)
		text_member(w, "state", v->state);
	text_member(w, "status", status_names[d->status]);
	if (v) {
		text_member(w, "tag", v->tag);
		text_member(w, "text", v->text);
		text_member(w, "time_zone", v->time_zone);
		text_member(w, "title", v->title);
	}
	text_member(w, "trigger", d->trigger);
	sp_jsonw_key(w, "trigger_at");
	sp_jsonw_time(w, d->trigger_us);
	sp_jsonw_key(w, "updated_at");
	sp_jsonw_time(w, d->updated_us);
	sp_jsonw_key(w, "version");
	sp_jsonw_int(w, (int64_t)d->version);
	if (v) {
		sp_jsonw_key(w, "working_days_left");
		if (v->has_days_left)
			sp_jsonw_int(w, v->days_left);
		else
			sp_jsonw_null(w);
	}
	sp_jsonw_object_end(w);
}

static void deadline_write(struct sp_jsonw *w, const void *d)
{
	sp_deadline_write(w, d, NULL);
}

json_t *sp_deadline_encode(const struct sp_deadline *d)
{
	return sp_jsonw_read(deadline_write, d);
}

/* The overdue targets (open, due before now) on the cases assigned to the subject, or with
 * agency on every case of its agency, soonest due first: *count those the subject may see
 * (agency_row), the first max of them into out. Each row goes through the policy, so the
 * rows are read to the end: an agency's overdue work, not its whole history. */
int cw_deadline_overdue(struct sp_casework *cw, bool agency, int64_t now,
			struct sp_deadline *out, size_t max, size_t *n, size_t *count,
			struct sp_err *err)
{
	*n = *count = 0;
	/* each row with its case's columns: the policy asks about the case without a query
	 * per row */
	enum { CASE_AT = 20 };
	struct sp_stmt *st;
	int rc = sp_store_prepare(
		cw->store,
		agency ? "SELECT " DEADLINE_COLUMNS ", " CW_CASE_COLUMNS_JOINED " FROM deadlines "
			 "JOIN cases ON cases.id = deadlines.case_id WHERE cases.agency_id = ? AND "
			 "deadlines.status = 'open' AND kind = 'target' AND due_order < ? "
			 "ORDER BY due_order, deadlines.id"
		       : "SELECT " DEADLINE_COLUMNS ", " CW_CASE_COLUMNS_JOINED " FROM deadlines "
			 "JOIN cases ON cases.id = deadlines.case_id WHERE cases.assigned_to = ? "
			 "AND cases.agency_id = ? AND cases.status IN ('open', 'active') AND "
			 "deadlines.status = 'open' AND kind = 'target' AND due_order < ? "
			 "ORDER BY due_order, deadlines.id",
		&st, err);
	if (rc)
		return rc;
	int i = 1;
	int b = agency ? 0 : sp_stmt_bind_id(st, i++, cw_actor(cw));
	b |= sp_stmt_bind_id(st, i++, cw_actor_agency(cw));
	b |= sp_stmt_bind_int64(st, i, now);
	if (b)
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	struct sp_deadline d;
	struct sp_case c;
	while (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		rc = deadline_row(st, &d, err);
		if (!rc)
			rc = cw_case_row_at(st, CASE_AT, &c, err);
		if (rc || !row_shown(cw, &d, &c))
			continue;
		if (*n < max)
			out[(*n)++] = d;
		++*count;
	}
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}
