/* The caseworker's dashboard (issue 6, item 13): what waits for the subject, read in one
 * transaction with one audit record ("dashboard.read", naming the cases whose rows are shown
 * and the field classes shown), and the sections of wings above casework in the same
 * transaction (each with its own record, durable with it). Its sections: the subject's open
 * cases counted per priority and the first of them, urgent first; the subject's open tasks
 * due within SP_DASHBOARD_DUE_DAYS (overdue ones first); the overdue deadlines on the
 * subject's cases, or for a supervisor on every case of the agency. A section the subject's
 * roles do not read (tasks or deadlines) is absent; the whole is refused to a subject who may
 * list no case. */
#ifndef SAFEPATH_DASHBOARD_H
#define SAFEPATH_DASHBOARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "safepath/case.h"
#include "safepath/deadline.h"
#include "safepath/task.h"

#define SP_DASHBOARD_CASES 20	  /* rows of each section */
#define SP_DASHBOARD_TASKS 10
#define SP_DASHBOARD_DEADLINES 10
#define SP_DASHBOARD_DUE_DAYS 7

struct sp_dashboard {
	int64_t now;
	/* open cases (status open or active) assigned to the subject in its agency */
	size_t open_cases;
	size_t by_priority[SP_PRIORITY_COUNT];
	struct sp_case_hit cases[SP_DASHBOARD_CASES];
	size_t n_cases;
	/* open tasks assigned to the subject due before due_before (now + the due days) */
	bool has_tasks;
	int64_t due_before;
	size_t tasks_due;     /* overdue ones included */
	size_t tasks_overdue;
	struct sp_task tasks[SP_DASHBOARD_TASKS];
	size_t n_tasks;
	/* open targets due before now, on the subject's cases or (agency_scope) its agency's */
	bool has_deadlines;
	bool agency_scope;
	size_t deadlines_overdue;
	struct sp_deadline deadlines[SP_DASHBOARD_DEADLINES];
	size_t n_deadlines;
};

/* A section of the page that a wing above casework reads (the agency's referrals awaiting an
 * answer: sp_referral_awaiting), run inside the dashboard's read transaction after its own
 * sections, so that one commit and one wait for the audit writer serve the whole page: its
 * audit record (its own, naming what it shows) is made durable with dashboard.read's. A
 * failure fails the whole read. */
struct sp_dashboard_section {
	int (*read)(struct sp_casework *cw, void *ctx, struct sp_err *err);
	void *ctx;
};

/* Fill d as of `now` (cw->arena holds the names and titles opened), and read `more` (NULL:
 * none) in the same operation. SP_EDENIED when the subject may list no case at all (an
 * administrator, a coordinator, the DPO). */
int sp_dashboard_read(struct sp_casework *cw, int64_t now, const struct sp_dashboard_section *more,
		      struct sp_dashboard *d, struct sp_err *err) SP_MUST;

#endif
