/* Tasks of a case (DESIGN.md §5 "task and deadline"): work someone must do for the case, by
 * a due date, with a priority. A task always belongs to a case. Its kind is a code of the
 * "tasks" vocabulary, its title free text sealed under the case person's key; one of them at
 * least. The assignee must be a user of the case's agency whom the policy lets work on the
 * case (task.write): assigning grants nothing. Every operation is one transaction with its
 * policy check and its audit record. */
#ifndef SAFEPATH_TASK_H
#define SAFEPATH_TASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/case.h"
#include "safepath/need.h"

#define SP_TASK_TITLE_MAX 500 /* bytes */
#define SP_TASK_PAGE_MAX 50

enum sp_task_status { SP_TASK_OPEN, SP_TASK_DONE, SP_TASK_CANCELLED, SP_TASK_STATUS_COUNT };
/* The vocabulary's priorities (protocols/codes.json "priorities"), least pressing first. */
enum sp_task_priority {
	SP_TASK_ROUTINE,
	SP_TASK_SOON,
	SP_TASK_URGENT,
	SP_TASK_IMMEDIATE,
	SP_TASK_PRIORITY_COUNT
};

struct sp_task {
	struct sp_id id;
	struct sp_id case_id;
	char kind[SP_KIND_MAX];              /* "" when none */
	const char *title;                   /* in cw->arena; NULL when none or not shown */
	bool has_title;                      /* the task has a title (shown or not) */
	struct sp_id assignee;
	int64_t due_us;                      /* 0 when none */
	enum sp_task_priority priority;
	enum sp_task_status status;
	struct sp_id created_by;
	int64_t created_us;
	int64_t updated_us;
	int64_t completed_us;                /* 0 while open */
	int64_t version;
	char case_number[SP_CASE_NUMBER_MAX]; /* filled by the lists */
};

const char *sp_task_status_name(enum sp_task_status s);
int sp_task_status_parse(const char *s) SP_MUST;
const char *sp_task_priority_name(enum sp_task_priority p);
int sp_task_priority_parse(const char *s) SP_MUST;
/* open -> done, open -> cancelled, done -> open (reopened). Staying put is no move (true). */
bool sp_task_may_move(enum sp_task_status from, enum sp_task_status to);

/* A new task: kind and/or title, the assignee (NULL: the subject), due (0: none). Open. */
struct sp_task_new {
	const char *kind;
	const char *title;
	const struct sp_id *assignee;
	int64_t due_us;
	enum sp_task_priority priority;
};
int sp_task_add(struct sp_casework *cw, const struct sp_id *case_id, const struct sp_task_new *in,
		struct sp_task *out, struct sp_err *err) SP_MUST;
/* The same inside an operation on a case (safepath/caseop.h) that has named its case, as
 * sp_need_add_in. */
struct sp_caseop;
int sp_task_add_in(struct sp_caseop *op, const struct sp_task_new *in, struct sp_task *out,
		   struct sp_err *err) SP_MUST;

/* Change what is set; version as for needs. Done or cancelled sets completed_us, reopening
 * clears it. set_due with due_us 0 removes the due date. */
struct sp_task_change {
	int64_t version;
	bool set_status;
	enum sp_task_status status;
	bool set_assignee;
	struct sp_id assignee;
	bool set_due;
	int64_t due_us;
	bool set_priority;
	enum sp_task_priority priority;
};
int sp_task_update(struct sp_casework *cw, const struct sp_id *id,
		   const struct sp_task_change *ch, struct sp_task *out,
		   struct sp_err *err) SP_MUST;

/* The case's tasks, oldest first, titles opened, in cw->arena; one audit record. */
int sp_task_list(struct sp_casework *cw, const struct sp_id *case_id, struct sp_task **out,
		 size_t *n, struct sp_err *err) SP_MUST;

/* "My tasks": the open tasks assigned to the subject, by due date (none last), then priority
 * (immediate first), then id; a page of at most max (and SP_TASK_PAGE_MAX) after the task
 * `after` (NULL: from the start); *next the cursor for the next page, zero after the last.
 * Each row has its case number; the title is opened only where the policy lets the subject
 * read the case's tasks. One audit record names the page's tasks. Refused up front for a
 * subject who may work on no case at all. */
int sp_task_mine(struct sp_casework *cw, const struct sp_id *after, struct sp_task *out,
		 size_t max, size_t *n, struct sp_id *next, struct sp_err *err) SP_MUST;

/* {"id", "case_id", "case_number" (lists), "kind", "title", "assignee", "due_at", "priority",
 * "status", "created_by", "created_at", "updated_at", "completed_at", "version"}; the title
 * only with with_title. Defined once as the writer's form (sp_task_write, for streamed
 * responses); the jansson value is that form read back. */
json_t *sp_task_encode(const struct sp_task *t, bool with_title);
void sp_task_write(struct sp_jsonw *w, const struct sp_task *t, bool with_title); /* the same */

#endif
