/* The dashboard: the subject's open cases, tasks due and overdue deadlines, each section read
 * by its table's owner (search.c, task.c, deadline.c) inside one read transaction, and one
 * audit record naming the cases of every row shown; then the caller's section (the referrals)
 * in the same transaction, its record durable with this one. */
#include <string.h>

#include "casework/casework.h"
#include "safepath/dashboard.h"

/* Room for the cases of every row the dashboard shows, each named once. */
#define DASHBOARD_OBJECTS (SP_DASHBOARD_CASES + SP_DASHBOARD_TASKS + SP_DASHBOARD_DEADLINES)

static void name_case(struct sp_id *ids, size_t *n, const struct sp_id *id)
{
	for (size_t i = 0; i < *n; i++)
		if (memcmp(ids[i].b, id->b, SP_ID_LEN) == 0)
			return;
	ids[(*n)++] = *id;
}

/* The audit record: the cases shown, and the classes shown ("identity": a name, "notes": a
 * task's title). */
static int dashboard_audit(struct sp_casework *cw, const struct sp_dashboard *d, bool names,
			   bool titles, struct sp_err *err)
{
	struct sp_id ids[DASHBOARD_OBJECTS];
	size_t n = 0;
	for (size_t i = 0; i < d->n_cases; i++)
		name_case(ids, &n, &d->cases[i].case_id);
	for (size_t i = 0; i < d->n_tasks; i++)
		name_case(ids, &n, &d->tasks[i].case_id);
	for (size_t i = 0; i < d->n_deadlines; i++)
		name_case(ids, &n, &d->deadlines[i].case_id);
	static const char *const fields[2][2] = {{"stat", "stat,notes"},
						 {"stat,identity", "stat,identity,notes"}};
	return cw_audit_many(cw, CW_DASHBOARD_READ, "case", ids, n, fields[names][titles], err);
}

int sp_dashboard_read(struct sp_casework *cw, int64_t now, const struct sp_dashboard_section *more,
		      struct sp_dashboard *d, struct sp_err *err)
{
	memset(d, 0, sizeof *d);
	d->now = now;
	d->due_before = now + (int64_t)SP_DASHBOARD_DUE_DAYS * 86400 * 1000000;
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	bool names = false, titles = false;
	rc = cw_authorise_any(cw, CW_DASHBOARD_READ, err);
	if (!rc)
		rc = cw_case_mine_open(cw, d->by_priority, d->cases, SP_DASHBOARD_CASES,
				       &d->n_cases, &names, err);
	for (int p = 0; p < SP_PRIORITY_COUNT; p++)
		d->open_cases += d->by_priority[p];
	d->has_tasks = !rc && cw_allowed_any(cw, CW_TASK_MINE);
	if (d->has_tasks)
		rc = cw_task_due(cw, now, d->due_before, d->tasks, SP_DASHBOARD_TASKS, &d->n_tasks,
				 &d->tasks_overdue, &d->tasks_due, &titles, err);
	d->has_deadlines = !rc && cw_allowed_any(cw, CW_DEADLINE_LIST);
	d->agency_scope = cw_actor_is_supervisor(cw);
	if (d->has_deadlines)
		rc = cw_deadline_overdue(cw, d->agency_scope, now, d->deadlines,
					 SP_DASHBOARD_DEADLINES, &d->n_deadlines,
					 &d->deadlines_overdue, err);
	if (!rc)
		rc = dashboard_audit(cw, d, names, titles, err);
	if (!rc && more)
		rc = more->read(cw, more->ctx, err);
	return cw_finish(cw, rc, err);
}
