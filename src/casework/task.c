/* Tasks of a case (owner of the tasks table): a kind from the "tasks" vocabulary and/or a
 * title sealed under the case person's key (tasks/title/<task id>), an assignee the policy
 * lets work on the case, a due date, a priority, and a status moved along a small table; and
 * "my tasks", the open tasks of the subject across cases. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/caseop.h"
#include "safepath/jsonw.h"
#include "safepath/names.h"
#include "safepath/notification.h"
#include "safepath/store.h"
#include "safepath/task.h"

static const char *const status_names[SP_TASK_STATUS_COUNT] = {
	[SP_TASK_OPEN] = "open",
	[SP_TASK_DONE] = "done",
	[SP_TASK_CANCELLED] = "cancelled",
};

static const char *const priority_names[SP_TASK_PRIORITY_COUNT] = {
	[SP_TASK_ROUTINE] = "routine",
	[SP_TASK_SOON] = "soon",
	[SP_TASK_URGENT] = "urgent",
	[SP_TASK_IMMEDIATE] = "immediate",
};

/* from x to: an open task is done or cancelled; a done one may be reopened (it was not done
 * after all). A cancelled task stays cancelled: the work is given again as a new task. */
static const bool moves[SP_TASK_STATUS_COUNT][SP_TASK_STATUS_COUNT] = {
	[SP_TASK_OPEN] = {[SP_TASK_DONE] = true, [SP_TASK_CANCELLED] = true},
	[SP_TASK_DONE] = {[SP_TASK_OPEN] = true},
	[SP_TASK_CANCELLED] = {0},
};

/* Tasks without a due date sort after every dated one ("my tasks" and its index). */
#define NO_DUE INT64_MAX

const char *sp_task_status_name(enum sp_task_status s)
{
	return sp_name_of(status_names, SP_TASK_STATUS_COUNT, (int)s);
}
int sp_task_status_parse(const char *s)
{
	return sp_name_index(status_names, SP_TASK_STATUS_COUNT, s);
}
const char *sp_task_priority_name(enum sp_task_priority p)
{
	return sp_name_of(priority_names, SP_TASK_PRIORITY_COUNT, (int)p);
}
int sp_task_priority_parse(const char *s)
{
	return sp_name_index(priority_names, SP_TASK_PRIORITY_COUNT, s);
}

bool sp_task_may_move(enum sp_task_status from, enum sp_task_status to)
{
	if ((unsigned)from >= SP_TASK_STATUS_COUNT || (unsigned)to >= SP_TASK_STATUS_COUNT)
		return false;
	return from == to || moves[from][to];
}

/* 0 sorts first: immediate, urgent, soon, routine. */
static int priority_order(enum sp_task_priority p)
{
	return SP_TASK_PRIORITY_COUNT - 1 - (int)p;
}

#define TASK_COLUMNS                                                                         \
	"id, case_id, kind, title, assignee_id, due_us, priority, status, created_by, "     \
	"created_us, updated_us, completed_us, version"

/* A row selected with TASK_COLUMNS; the sealed title is left in *ct (NULL when none). */
static int task_row(struct sp_stmt *st, struct sp_task *t, const void **ct, size_t *ct_len,
		    struct sp_err *err)
{
	memset(t, 0, sizeof *t);
	const char *kind = sp_stmt_is_null(st, 2) ? "" : sp_stmt_text(st, 2);
	int priority = sp_task_priority_parse(sp_stmt_text(st, 6));
	int status = sp_task_status_parse(sp_stmt_text(st, 7));
	if (sp_stmt_id(st, 0, &t->id) || sp_stmt_id(st, 1, &t->case_id) ||
	    sp_stmt_id(st, 4, &t->assignee) || sp_stmt_id(st, 8, &t->created_by) || !kind ||
	    strlen(kind) >= sizeof t->kind || priority < 0 || status < 0)
		return sp_err_set(err, SP_EINTERNAL, "", "malformed task row");
	memcpy(t->kind, kind, strlen(kind) + 1);
	*ct = sp_stmt_is_null(st, 3) ? NULL : sp_stmt_blob(st, 3, ct_len);
	t->has_title = *ct != NULL;
	t->due_us = sp_stmt_is_null(st, 5) ? 0 : sp_stmt_int64(st, 5);
	t->priority = (enum sp_task_priority)priority;
	t->status = (enum sp_task_status)status;
	t->created_us = sp_stmt_int64(st, 9);
	t->updated_us = sp_stmt_int64(st, 10);
	t->completed_us = sp_stmt_is_null(st, 11) ? 0 : sp_stmt_int64(st, 11);
	t->version = sp_stmt_int64(st, 12);
	return SP_OK;
}

/* Open a task's title into the arena; an erased person's is left out, not an error. */
static int open_title(struct sp_casework *cw, const struct sp_id *person, struct sp_task *t,
		      const void *ct, size_t len, struct sp_err *err)
{
	size_t tlen;
	if (!ct)
		return SP_OK;
	int rc = cw_open(cw, person, "tasks", "title", &t->id, ct, len, &t->title, &tlen, err);
	if (rc == SP_ENOTFOUND) {
		t->title = NULL;
		return SP_OK;
	}
	return rc;
}

static int check_new(const struct sp_casework *cw, const struct sp_task_new *in,
		     struct sp_err *err)
{
	if (!in->kind && !in->title)
		return sp_err_set(err, SP_EINVAL, "", "give a kind, a title or both");
	int rc = in->kind ? cw_kind_check(cw, "tasks", in->kind, "/kind", err) : SP_OK;
	if (!rc && in->title)
		rc = cw_text_check(in->title, SP_TASK_TITLE_MAX, "/title", err);
	if (!rc && (unsigned)in->priority >= SP_TASK_PRIORITY_COUNT)
		rc = sp_err_set(err, SP_EINVAL, "/priority", "unknown priority");
	if (!rc && in->due_us < 0)
		rc = sp_err_set(err, SP_EINVAL, "/due_at", "is not a time");
	return rc;
}

/* Write row t (insert, or update at version `was`) with its sealed title bytes. */
static int task_write(struct sp_casework *cw, const struct sp_task *t, const void *ct,
		      size_t ct_len, int64_t was, struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	int rc = was ? sp_store_prepare(cw->store,
					"UPDATE tasks SET kind = ?, title = ?, assignee_id = ?, "
					"due_us = ?, due_order = ?, priority = ?, "
					"priority_order = ?, status = ?, created_by = ?, "
					"created_us = ?, updated_us = ?, completed_us = ?, "
					"version = ? WHERE id = ? AND version = ?",
					&st, err)
		     : sp_store_prepare(cw->store,
					"INSERT INTO tasks (kind, title, assignee_id, due_us, "
					"due_order, priority, priority_order, status, created_by, "
					"created_us, updated_us, completed_us, version, id, case_id) "
					"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
					&st, err);
	if (rc)
		return rc;
	int b = t->kind[0] ? sp_stmt_bind_text(st, 1, t->kind) : sp_stmt_bind_null(st, 1);
	b |= ct ? sp_stmt_bind_blob(st, 2, ct, ct_len) : sp_stmt_bind_null(st, 2);
	b |= sp_stmt_bind_id(st, 3, &t->assignee);
	b |= t->due_us ? sp_stmt_bind_int64(st, 4, t->due_us) : sp_stmt_bind_null(st, 4);
	b |= sp_stmt_bind_int64(st, 5, t->due_us ? t->due_us : NO_DUE);
	b |= sp_stmt_bind_text(st, 6, sp_task_priority_name(t->priority));
	b |= sp_stmt_bind_int64(st, 7, priority_order(t->priority));
	b |= sp_stmt_bind_text(st, 8, sp_task_status_name(t->status));
	b |= sp_stmt_bind_id(st, 9, &t->created_by);
	b |= sp_stmt_bind_int64(st, 10, t->created_us);
	b |= sp_stmt_bind_int64(st, 11, t->updated_us);
	b |= t->completed_us ? sp_stmt_bind_int64(st, 12, t->completed_us)
			     : sp_stmt_bind_null(st, 12);
	b |= sp_stmt_bind_int64(st, 13, t->version);
	b |= sp_stmt_bind_id(st, 14, &t->id);
	b |= was ? sp_stmt_bind_int64(st, 15, was) : sp_stmt_bind_id(st, 15, &t->case_id);
	if (b) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	rc = sp_stmt_step(st, err);
	if (rc == 0 && sp_stmt_changes(st) != 1)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the task was changed meanwhile");
	else if (rc > 0)
		rc = sp_err_set(err, SP_EINTERNAL, "", "unexpected row");
	sp_stmt_done(st);
	return rc;
}

/* Tell the assignee of task t (case c) that it is theirs, unless they gave it to
 * themselves; keyed by the task's version, so a task that comes back to them after going
 * elsewhere is notified again. */
static int notify_assignee(struct sp_casework *cw, const struct sp_case *c,
			   const struct sp_task *t, struct sp_err *err)
{
	char id[SP_ID_STRLEN + 1], key[SP_NOTIFICATION_DEDUPE_MAX];
	if (memcmp(t->assignee.b, cw_actor(cw)->b, SP_ID_LEN) == 0)
		return SP_OK;
	sp_id_format(&t->id, id);
	snprintf(key, sizeof key, "task.assigned:%s@%lld", id, (long long)t->version);
	struct sp_notice n = {.kind = SP_NOTIFY_TASK_ASSIGNED,
			      .user = &t->assignee,
			      .agency = c->agency,
			      .object = t->id,
			      .case_id = &c->id,
			      .dedupe = key,
			      .now_us = t->updated_us};
	return sp_notify(cw->store, &n, NULL, err);
}

/* A new task of case c in the open transaction, the policy having allowed task.write on c:
 * the assignee's own right to work on c, the sealed title, the row and its audit record. */
static int task_insert(struct sp_casework *cw, const struct sp_case *c,
		       const struct sp_task_new *in, struct sp_task *t, struct sp_err *err)
{
	struct sp_buf title;
	sp_buf_init(&title, SP_SEAL_LIMIT);
	memset(t, 0, sizeof *t);
	sp_id_new(&t->id);
	t->case_id = c->id;
	snprintf(t->kind, sizeof t->kind, "%s", in->kind ? in->kind : "");
	t->has_title = in->title != NULL;
	t->assignee = in->assignee ? *in->assignee : *cw_actor(cw);
	t->due_us = in->due_us;
	t->priority = in->priority;
	t->status = SP_TASK_OPEN;
	t->created_by = *cw_actor(cw);
	t->created_us = t->updated_us = sp_now_us();
	t->version = 1;
	int rc = cw_user_may(cw, &t->assignee, CW_TASK_UPDATE, c, "/assignee", err);
	if (!rc && in->title)
		rc = cw_seal(cw, &c->person, "tasks", "title", &t->id, in->title, strlen(in->title),
			     &title, err);
	if (!rc)
		rc = task_write(cw, t, in->title ? title.data : NULL, title.len, 0, err);
	if (!rc)
		rc = notify_assignee(cw, c, t, err);
	if (!rc)
		rc = cw_audit(cw, CW_TASK_ADD, "task", &t->id, in->title ? "stat,notes" : "stat",
			      err);
	sp_buf_free(&title);
	if (!rc) {
		t->title = in->title ? sp_arena_strdup(cw->arena, in->title) : NULL;
		snprintf(t->case_number, sizeof t->case_number, "%s", c->number);
	}
	return rc;
}

int sp_task_add(struct sp_casework *cw, const struct sp_id *case_id, const struct sp_task_new *in,
		struct sp_task *out, struct sp_err *err)
{
	int rc = check_new(cw, in, err);
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	struct sp_case c = {0};
	struct sp_task t = {0};
	rc = cw_case_load_for(cw, CW_TASK_ADD, case_id, &c, err);
	if (!rc)
		rc = task_insert(cw, &c, in, &t, err);
	if (!rc)
		rc = cw_idem_record(cw, "task", &t.id, case_id, err);
	rc = cw_finish(cw, rc, err);
	if (!rc && out)
		*out = t;
	return rc;
}

int sp_task_add_in(struct sp_caseop *op, const struct sp_task_new *in, struct sp_task *out,
		   struct sp_err *err)
{
	struct sp_task t = {0};
	int rc = check_new(op->cw, in, err);
	if (!rc)
		rc = cw_caseop_allow(op, CW_TASK_ADD, err);
	if (!rc)
		rc = task_insert(op->cw, &op->c, in, &t, err);
	if (!rc && out)
		*out = t;
	return rc;
}

/* The task by id in the open transaction, its sealed title copied into ct. */
static int task_load(struct sp_casework *cw, const struct sp_id *id, struct sp_task *t,
		     struct sp_buf *ct, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store, "SELECT " TASK_COLUMNS " FROM tasks WHERE id = ?",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, id))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	if (!rc)
		rc = sp_stmt_step(st, err);
	if (rc == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "", "no such task");
	if (rc == 1) {
		const void *p = NULL;
		size_t len = 0;
		rc = task_row(st, t, &p, &len, err);
		if (!rc && p && sp_buf_add(ct, p, len))
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	sp_stmt_done(st);
	return rc;
}

static int check_change(const struct sp_task_change *ch, struct sp_err *err)
{
	if (ch->set_status && (unsigned)ch->status >= SP_TASK_STATUS_COUNT)
		return sp_err_set(err, SP_EINVAL, "/status", "unknown status");
	if (ch->set_priority && (unsigned)ch->priority >= SP_TASK_PRIORITY_COUNT)
		return sp_err_set(err, SP_EINVAL, "/priority", "unknown priority");
	if (ch->set_due && ch->due_us < 0)
		return sp_err_set(err, SP_EINVAL, "/due_at", "is not a time");
	return SP_OK;
}

int sp_task_update(struct sp_casework *cw, const struct sp_id *id,
		   const struct sp_task_change *ch, struct sp_task *out, struct sp_err *err)
{
	int rc = check_change(ch, err);
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	struct sp_case c = {0};
	struct sp_task t = {0};
	struct sp_buf title;
	sp_buf_init(&title, SP_SEAL_LIMIT);
	rc = task_load(cw, id, &t, &title, err);
	if (!rc)
		rc = cw_case_load_for(cw, CW_TASK_UPDATE, &t.case_id, &c, err);
	if (!rc && t.version != ch->version)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the task was changed meanwhile");
	if (!rc && ch->set_status && !sp_task_may_move(t.status, ch->status))
		rc = sp_err_set(err, SP_ECONFLICT, "/status", "a task cannot go from %s to %s",
				sp_task_status_name(t.status), sp_task_status_name(ch->status));
	if (!rc && ch->set_assignee)
		rc = cw_user_may(cw, &ch->assignee, CW_TASK_UPDATE, &c, "/assignee", err);
	if (rc)
		goto out;
	int64_t was = t.version, now = sp_now_us();
	bool reassigned = ch->set_assignee && memcmp(ch->assignee.b, t.assignee.b, SP_ID_LEN) != 0;
	if (ch->set_status && ch->status != t.status)
		t.completed_us = ch->status == SP_TASK_OPEN ? 0 : now;
	if (ch->set_status)
		t.status = ch->status;
	if (ch->set_assignee)
		t.assignee = ch->assignee;
	if (ch->set_due)
		t.due_us = ch->due_us;
	if (ch->set_priority)
		t.priority = ch->priority;
	t.updated_us = now > t.updated_us ? now : t.updated_us + 1;
	t.version++;
	rc = task_write(cw, &t, t.has_title ? title.data : NULL, title.len, was, err);
	if (!rc && reassigned)
		rc = notify_assignee(cw, &c, &t, err);
	if (!rc)
		rc = cw_audit(cw, CW_TASK_UPDATE, "task", id, "stat", err);
out:
	sp_buf_free(&title);
	rc = cw_finish(cw, rc, err);
	if (!rc && out) {
		snprintf(t.case_number, sizeof t.case_number, "%s", c.number);
		*out = t;
	}
	return rc;
}

int sp_task_list(struct sp_casework *cw, const struct sp_id *case_id, struct sp_task **out,
		 size_t *n, struct sp_err *err)
{
	*out = NULL;
	*n = 0;
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	struct sp_case c = {0};
	struct sp_stmt *st = NULL;
	struct sp_task *list = NULL;
	size_t count = 0, cap = 0;
	rc = cw_case_load_for(cw, CW_TASK_READ, case_id, &c, err);
	if (!rc)
		rc = sp_store_prepare(cw->store,
				      "SELECT " TASK_COLUMNS " FROM tasks WHERE case_id = ? "
				      "ORDER BY created_us, id",
				      &st, err);
	if (rc)
		goto out;
	if (sp_stmt_bind_id(st, 1, case_id)) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		goto out;
	}
	while ((rc = sp_stmt_step(st, err)) == 1) {
		struct sp_task *grown = cw_array_grow(cw->arena, list, count, &cap, sizeof *list);
		if (!grown) {
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
			goto out;
		}
		list = grown;
		const void *ct = NULL;
		size_t len = 0;
		rc = task_row(st, &list[count], &ct, &len, err);
		if (!rc)
			rc = open_title(cw, &c.person, &list[count], ct, len, err);
		if (rc)
			goto out;
		snprintf(list[count].case_number, sizeof list[count].case_number, "%s", c.number);
		count++;
	}
	if (rc == 0)
		rc = cw_audit(cw, CW_TASK_READ, "case", case_id, "stat,notes", err);
out:
	sp_stmt_done(st);
	rc = cw_finish(cw, rc, err);
	if (!rc) {
		*out = list;
		*n = count;
	}
	return rc;
}

/* Where the page after task `after` starts: its sort key (due_order, priority_order, id). */
static int mine_anchor(struct sp_casework *cw, const struct sp_id *after, int64_t *due,
		       int64_t *prio, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  "SELECT due_order, priority_order FROM tasks "
				  "WHERE id = ? AND assignee_id = ?",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, after) || sp_stmt_bind_id(st, 2, cw_actor(cw)))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	if (!rc)
		rc = sp_stmt_step(st, err);
	if (rc == 0)
		rc = sp_err_set(err, SP_EINVAL, "/cursor", "is not a task of this list");
	if (rc == 1) {
		*due = sp_stmt_int64(st, 0);
		*prio = sp_stmt_int64(st, 1);
		rc = SP_OK;
	}
	sp_stmt_done(st);
	return rc;
}

/* One row of "my tasks": its case's number, and its title when the policy lets the subject
 * read the case's tasks. */
static int mine_row(struct sp_casework *cw, struct sp_task *t, const void *ct, size_t len,
		    struct sp_err *err)
{
	struct sp_case c;
	int rc = cw_case_load(cw, &t->case_id, &c, err);
	if (rc)
		return rc;
	snprintf(t->case_number, sizeof t->case_number, "%s", c.number);
	return cw_allowed(cw, CW_TASK_READ, &c) ? open_title(cw, &c.person, t, ct, len, err)
						: SP_OK;
}

/* The rows of "my tasks" st returns, at most max into out (*more when st has another), each
 * made a mine_row: their cases read ahead with one statement, not one a row (the dashboard's
 * tasks, a page of My tasks). The titles' bytes are kept in the arena past their step. */
static int mine_rows(struct sp_casework *cw, struct sp_stmt *st, struct sp_task *out,
		     size_t max, size_t *n, bool *more, struct sp_err *err)
{
	struct {
		const void *ct;
		size_t len;
	} titles[SP_TASK_PAGE_MAX];
	struct sp_id cases[SP_TASK_PAGE_MAX];
	size_t count = 0;
	int rc;
	*n = 0;
	*more = false;
	if (max > SP_TASK_PAGE_MAX)
		return sp_err_set(err, SP_EINTERNAL, "", "too many tasks for one page");
	while ((rc = sp_stmt_step(st, err)) == 1) {
		if (count == max) {
			*more = true;
			break;
		}
		const void *ct = NULL;
		size_t len = 0;
		if ((rc = task_row(st, &out[count], &ct, &len, err)))
			return rc;
		void *copy = ct ? sp_arena_alloc(cw->arena, len ? len : 1) : NULL;
		if (ct && !copy)
			return sp_err_set(err, SP_ENOMEM, "", "out of memory");
		if (copy && len)
			memcpy(copy, ct, len);
		titles[count].ct = copy;
		titles[count].len = len;
		cases[count] = out[count].case_id;
		count++;
	}
	if (rc < 0)
		return rc;
	rc = count ? cw_cases_prefetch(cw, cases, count, err) : SP_OK;
	for (size_t i = 0; !rc && i < count; i++)
		rc = mine_row(cw, &out[i], titles[i].ct, titles[i].len, err);
	if (!rc)
		*n = count;
	return rc;
}

int sp_task_mine(struct sp_casework *cw, const struct sp_id *after, struct sp_task *out,
		 size_t max, size_t *n, struct sp_id *next, struct sp_err *err)
{
	*n = 0;
	memset(next, 0, sizeof *next);
	if (max > SP_TASK_PAGE_MAX)
		max = SP_TASK_PAGE_MAX;
	int rc = cw_begin_read(cw, err);
	if (rc)
		return rc;
	struct sp_stmt *st = NULL;
	struct sp_id ids[SP_TASK_PAGE_MAX];
	int64_t due = 0, prio = 0;
	size_t count = 0;
	bool more = false;
	rc = cw_authorise_any(cw, CW_TASK_MINE, err);
	if (!rc && after)
		rc = mine_anchor(cw, after, &due, &prio, err);
	if (!rc)
		rc = sp_store_prepare(
			cw->store,
			after ? "SELECT " TASK_COLUMNS " FROM tasks WHERE assignee_id = ? AND "
				"status = 'open' AND (due_order > ? OR (due_order = ? AND "
				"(priority_order > ? OR (priority_order = ? AND id > ?)))) "
				"ORDER BY due_order, priority_order, id LIMIT ?"
			      : "SELECT " TASK_COLUMNS " FROM tasks WHERE assignee_id = ? AND "
				"status = 'open' ORDER BY due_order, priority_order, id LIMIT ?",
			&st, err);
	if (rc)
		goto out;
	int b = sp_stmt_bind_id(st, 1, cw_actor(cw));
	if (after) {
		b |= sp_stmt_bind_int64(st, 2, due) | sp_stmt_bind_int64(st, 3, due);
		b |= sp_stmt_bind_int64(st, 4, prio) | sp_stmt_bind_int64(st, 5, prio);
		b |= sp_stmt_bind_id(st, 6, after);
	}
	/* one row past the page says whether there is a next one */
	b |= sp_stmt_bind_int64(st, after ? 7 : 2, (int64_t)max + 1);
	if (b) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		goto out;
	}
	rc = mine_rows(cw, st, out, max, &count, &more, err);
	for (size_t i = 0; !rc && i < count; i++)
		ids[i] = out[i].id;
	if (rc == 0)
		rc = cw_audit_many(cw, CW_TASK_MINE, "task", ids, count, "stat,notes", err);
out:
	sp_stmt_done(st);
	rc = cw_finish(cw, rc, err);
	if (!rc) {
		*n = count;
		if (more && count)
			*next = out[count - 1].id;
	}
	return rc;
}

void sp_task_write(struct sp_jsonw *w, const struct sp_task *t, bool with_title)
{
	sp_jsonw_object(w); /* members in sorted order, as sp_json_dump writes them */
	sp_jsonw_key(w, "assignee");
	sp_jsonw_id(w, &t->assignee);
	sp_jsonw_key(w, "case_id");
	sp_jsonw_id(w, &t->case_id);
	sp_jsonw_key(w, "case_number");
	sp_jsonw_string(w, t->case_number[0] ? t->case_number : NULL);
	sp_jsonw_key(w, "completed_at");
	sp_jsonw_opt_time(w, t->completed_us);
	sp_jsonw_key(w, "created_at");
	sp_jsonw_time(w, t->created_us);
	sp_jsonw_key(w, "created_by");
	sp_jsonw_id(w, &t->created_by);
	sp_jsonw_key(w, "due_at");
	sp_jsonw_opt_time(w, t->due_us);
	sp_jsonw_key(w, "id");
	sp_jsonw_id(w, &t->id);
	sp_jsonw_key(w, "kind");
	sp_jsonw_string(w, t->kind[0] ? t->kind : NULL);
	sp_jsonw_key(w, "priority");
	sp_jsonw_string(w, sp_task_priority_name(t->priority));
	sp_jsonw_key(w, "status");
	sp_jsonw_string(w, sp_task_status_name(t->status));
	sp_jsonw_key(w, "title");
	sp_jsonw_string(w, with_title ? t->title : NULL);
	sp_jsonw_key(w, "updated_at");
	sp_jsonw_time(w, t->updated_us);
	sp_jsonw_key(w, "version");
	sp_jsonw_int(w, (int64_t)t->version);
	sp_jsonw_object_end(w);
}

static void task_titled(struct sp_jsonw *w, const void *t)
{
	sp_task_write(w, t, true);
}

static void task_untitled(struct sp_jsonw *w, const void *t)
{
	sp_task_write(w, t, false);
}

json_t *sp_task_encode(const struct sp_task *t, bool with_title)
{
	return sp_jsonw_read(with_title ? task_titled : task_untitled, t);
}

/* The subject's open tasks due before `before` (the dashboard's "due soon", overdue ones
 * first): how many are due before now and before `before`, from the index of "my tasks", and
 * the first max in its order, each with its case number and its title where the policy lets
 * the subject read the case's tasks (*titles when one was opened). */
int cw_task_due(struct sp_casework *cw, int64_t now, int64_t before, struct sp_task *out,
		size_t max, size_t *n, size_t *overdue, size_t *due, bool *titles,
		struct sp_err *err)
{
	*n = *overdue = *due = 0;
	*titles = false;
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  "SELECT COUNT(CASE WHEN due_order < ? THEN 1 END), COUNT(*) FROM "
				  "tasks WHERE assignee_id = ? AND status = 'open' AND due_order < ?",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_int64(st, 1, now) || sp_stmt_bind_id(st, 2, cw_actor(cw)) ||
	    sp_stmt_bind_int64(st, 3, before))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	if (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		*overdue = (size_t)sp_stmt_int64(st, 0);
		*due = (size_t)sp_stmt_int64(st, 1);
		rc = SP_OK;
	}
	sp_stmt_done(st);
	if (rc)
		return rc < 0 ? rc : sp_err_set(err, SP_EINTERNAL, "", "no count");
	rc = sp_store_prepare(cw->store,
			      "SELECT " TASK_COLUMNS " FROM tasks WHERE assignee_id = ? AND "
			      "status = 'open' AND due_order < ? ORDER BY due_order, "
			      "priority_order, id LIMIT ?",
			      &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, cw_actor(cw)) || sp_stmt_bind_int64(st, 2, before) ||
	    sp_stmt_bind_int64(st, 3, (int64_t)max))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	bool more = false;
	if (!rc)
		rc = mine_rows(cw, st, out, max, n, &more, err);
	sp_stmt_done(st);
	for (size_t i = 0; !rc && i < *n; i++)
		*titles |= out[i].title != NULL;
	return rc;
}

int cw_task_handover(struct sp_casework *cw, const struct sp_id *case_id,
		     const struct sp_id *from, const struct sp_id *to, int64_t now, unsigned *n,
		     struct sp_err *err)
{
	struct sp_stmt *st;
	*n = 0;
	int rc = sp_store_prepare(cw->store,
				  "UPDATE tasks SET assignee_id = ?, updated_us = ?, version = version + 1 "
				  "WHERE case_id = ? AND assignee_id = ? AND status = 'open'",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, to) | sp_stmt_bind_int64(st, 2, now) |
	    sp_stmt_bind_id(st, 3, case_id) | sp_stmt_bind_id(st, 4, from))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 0)
		*n = (unsigned)sp_stmt_changes(st);
	else if (rc > 0)
		rc = sp_err_set(err, SP_EINTERNAL, "", "unexpected row");
	sp_stmt_done(st);
	return rc;
}
