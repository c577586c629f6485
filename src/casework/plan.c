/* A case's support plan (owner of the plan_goals table): goals of a support type (HTCDS
 * spl_Type, the "support_types" vocabulary), their text sealed under the case person's key
 * (plan_goals/goal/<goal id>), a status moved along a small table, a review date. Read and
 * written by the audience of the case's needs (safepath/plan.h says why). */
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/names.h"
#include "safepath/plan.h"
#include "safepath/store.h"

static const char *const status_names[SP_GOAL_STATUS_COUNT] = {
	[SP_GOAL_PLANNED] = "planned",
	[SP_GOAL_IN_PROGRESS] = "in_progress",
	[SP_GOAL_ACHIEVED] = "achieved",
	[SP_GOAL_DISCONTINUED] = "discontinued",
};

/* from x to: work starts on a planned goal, or it is dropped; a goal in progress is achieved,
 * dropped, or put back to planned; an achieved goal may turn out not to hold, a dropped one
 * be taken up again. */
static const bool moves[SP_GOAL_STATUS_COUNT][SP_GOAL_STATUS_COUNT] = {
	[SP_GOAL_PLANNED] = {[SP_GOAL_IN_PROGRESS] = true, [SP_GOAL_DISCONTINUED] = true},
	[SP_GOAL_IN_PROGRESS] = {[SP_GOAL_ACHIEVED] = true,
				 [SP_GOAL_DISCONTINUED] = true,
				 [SP_GOAL_PLANNED] = true},
	[SP_GOAL_ACHIEVED] = {[SP_GOAL_IN_PROGRESS] = true},
	[SP_GOAL_DISCONTINUED] = {[SP_GOAL_PLANNED] = true},
};

const char *sp_goal_status_name(enum sp_goal_status s)
{
	return sp_name_of(status_names, SP_GOAL_STATUS_COUNT, (int)s);
}
int sp_goal_status_parse(const char *s)
{
	return sp_name_index(status_names, SP_GOAL_STATUS_COUNT, s);
}

bool sp_goal_may_move(enum sp_goal_status from, enum sp_goal_status to)
{
	if ((unsigned)from >= SP_GOAL_STATUS_COUNT || (unsigned)to >= SP_GOAL_STATUS_COUNT)
		return false;
	return from == to || moves[from][to];
}

bool sp_goal_review_overdue(const struct sp_goal *g, int64_t now_us)
{
	return g->review_us && g->review_us < now_us &&
	       (g->status == SP_GOAL_PLANNED || g->status == SP_GOAL_IN_PROGRESS);
}

/* The columns every statement names, in this order; an INSERT adds id and case_id, an UPDATE
 * binds them as its WHERE (id, version). */
#define GOAL_SET "type, goal, status, review_us, created_by, created_us, updated_us, version"
#define GOAL_SELECT "SELECT id, case_id, " GOAL_SET " FROM plan_goals "

/* A row of GOAL_SELECT; the sealed text stays in *ct, valid until the next step. */
static int goal_row(struct sp_stmt *st, struct sp_goal *g, const void **ct, size_t *ct_len,
		    struct sp_err *err)
{
	memset(g, 0, sizeof *g);
	int status = sp_goal_status_parse(sp_stmt_text(st, 4));
	*ct = sp_stmt_blob(st, 3, ct_len);
	if (sp_stmt_id(st, 0, &g->id) || sp_stmt_id(st, 1, &g->case_id) ||
	    sp_text_copy(g->type, sizeof g->type, sp_stmt_text(st, 2)) || !*ct || status < 0 ||
	    sp_stmt_id(st, 6, &g->created_by))
		return sp_err_set(err, SP_EINTERNAL, "", "malformed plan goal row");
	g->status = (enum sp_goal_status)status;
	g->review_us = sp_stmt_is_null(st, 5) ? 0 : sp_stmt_int64(st, 5);
	g->created_us = sp_stmt_int64(st, 7);
	g->updated_us = sp_stmt_int64(st, 8);
	g->version = sp_stmt_int64(st, 9);
	return SP_OK;
}

/* The goal's text into the arena; an erased person's stays NULL, which is no error. */
static int goal_open(struct sp_casework *cw, const struct sp_case *c, struct sp_goal *g,
		     const void *ct, size_t len, struct sp_err *err)
{
	size_t n;
	int rc = cw_open(cw, &c->person, "plan_goals", "goal", &g->id, ct, len, &g->goal, &n, err);
	if (rc != SP_ENOTFOUND)
		return rc;
	g->goal = NULL;
	return SP_OK;
}

static int check_type(const struct sp_casework *cw, const char *type, struct sp_err *err)
{
	return cw_kind_check(cw, "support_types", type, "/type", err);
}

static int check_goal(const char *goal, struct sp_err *err)
{
	if (!goal)
		return sp_err_set(err, SP_EINVAL, "/goal", "is required");
	return cw_text_check(goal, SP_PLAN_GOAL_MAX, "/goal", err);
}

static int check_review(int64_t review_us, struct sp_err *err)
{
	return review_us < 0 ? sp_err_set(err, SP_EINVAL, "/review_at", "is not a time") : SP_OK;
}

/* Store goal g: a new row (was 0) or the row at version was, with the sealed text ct. */
static int goal_store(struct sp_casework *cw, const struct sp_goal *g, const void *ct,
		      size_t ct_len, int64_t was, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(cw->store,
				  was ? "UPDATE plan_goals SET (" GOAL_SET ") = (?, ?, ?, ?, ?, ?, "
					"?, ?) WHERE id = ? AND version = ?"
				      : "INSERT INTO plan_goals (" GOAL_SET ", id, case_id) VALUES "
					"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				  &st, err);
	if (rc)
		return rc;
	int b = sp_stmt_bind_text(st, 1, g->type) | sp_stmt_bind_blob(st, 2, ct, ct_len) |
		sp_stmt_bind_text(st, 3, sp_goal_status_name(g->status)) |
		(g->review_us ? sp_stmt_bind_int64(st, 4, g->review_us) : sp_stmt_bind_null(st, 4)) |
		sp_stmt_bind_id(st, 5, &g->created_by) | sp_stmt_bind_int64(st, 6, g->created_us) |
		sp_stmt_bind_int64(st, 7, g->updated_us) | sp_stmt_bind_int64(st, 8, g->version) |
		sp_stmt_bind_id(st, 9, &g->id) |
		(was ? sp_stmt_bind_int64(st, 10, was) : sp_stmt_bind_id(st, 10, &g->case_id));
	rc = b ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : sp_stmt_step(st, err);
	if (rc == 0 && sp_stmt_changes(st) != 1)
		rc = sp_err_set(err, SP_ECONFLICT, "/version", "the goal was changed meanwhile");
	else if (rc > 0)
		rc = sp_err_set(err, SP_EINTERNAL, "", "unexpected row");
	sp_stmt_done(st);
	return rc;
}

/* Seal text as goal g's of case c into ct. */
static int goal_seal(struct sp_casework *cw, const struct sp_case *c, const struct sp_goal *g,
		     const char *text, struct sp_buf *ct, struct sp_err *err)
{
	return cw_seal(cw, &c->person, "plan_goals", "goal", &g->id, text, strlen(text), ct, err);
}

int sp_plan_add(struct sp_casework *cw, const struct sp_id *case_id, const struct sp_goal_new *in,
		struct sp_goal *out, struct sp_err *err)
{
	int rc = check_type(cw, in->type, err);
	if (!rc)
		rc = check_goal(in->goal, err);
	if (!rc)
		rc = check_review(in->review_us, err);
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	struct sp_case c = {0};
	struct sp_goal g = {.status = SP_GOAL_PLANNED, .review_us = in->review_us, .version = 1};
	struct sp_buf ct;
	sp_buf_init(&ct, SP_SEAL_LIMIT);
	sp_id_new(&g.id);
	g.case_id = *case_id;
	snprintf(g.type, sizeof g.type, "%s", in->type);
	g.created_by = *cw_actor(cw);
	g.created_us = g.updated_us = sp_now_us();
	rc = cw_case_load_for(cw, CW_PLAN_ADD, case_id, &c, err);
	if (!rc)
		rc = goal_seal(cw, &c, &g, in->goal, &ct, err);
	if (!rc)
		rc = goal_store(cw, &g, ct.data, ct.len, 0, err);
	if (!rc)
		rc = cw_audit(cw, CW_PLAN_ADD, "plan_goal", &g.id, "stat,notes", err);
	if (!rc)
		rc = cw_idem_record(cw, "plan_goal", &g.id, case_id, err);
	sp_buf_free(&ct);
	rc = cw_finish(cw, rc, err);
	if (!rc && out) {
		g.goal = sp_arena_strdup(cw->arena, in->goal);
		*out = g;
	}
	return rc;
}

/* The goal by id in the open transaction, its sealed text copied into ct. */
static int goal_load(struct sp_casework *cw, const struct sp_id *id, struct sp_goal *g,
		     struct sp_buf *ct, struct sp_err *err)
{
	struct sp_stmt *st;
	const void *p = NULL;
	size_t len = 0;
	int rc = sp_store_prepare(cw->store, GOAL_SELECT "WHERE id = ?", &st, err);
	if (rc)
		return rc;
	rc = sp_stmt_bind_id(st, 1, id) ? sp_err_set(err, SP_EINTERNAL, "", "bind failed")
					: sp_stmt_step(st, err);
	if (rc == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "", "no such goal");
	else if (rc == 1 && !(rc = goal_row(st, g, &p, &len, err)) && sp_buf_add(ct, p, len))
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	sp_stmt_done(st);
	return rc;
}

static int check_change(const struct sp_casework *cw, const struct sp_goal_change *ch,
			struct sp_err *err)
{
	if (ch->set_type && check_type(cw, ch->type, err))
		return err->code;
	if (ch->set_goal && check_goal(ch->goal, err))
		return err->code;
	if (ch->set_status && (unsigned)ch->status >= SP_GOAL_STATUS_COUNT)
		return sp_err_set(err, SP_EINVAL, "/status", "unknown status");
	return ch->set_review ? check_review(ch->review_us, err) : SP_OK;
}

/* Apply ch to g (loaded at its version): the move's check, the new fields, version on. */
static int goal_apply(struct sp_goal *g, const struct sp_goal_change *ch, struct sp_err *err)
{
	if (g->version != ch->version)
		return sp_err_set(err, SP_ECONFLICT, "/version", "the goal was changed meanwhile");
	if (ch->set_status && !sp_goal_may_move(g->status, ch->status))
		return sp_err_set(err, SP_ECONFLICT, "/status", "a goal cannot go from %s to %s",
				  sp_goal_status_name(g->status), sp_goal_status_name(ch->status));
	if (ch->set_type)
		snprintf(g->type, sizeof g->type, "%s", ch->type);
	if (ch->set_status)
		g->status = ch->status;
	if (ch->set_review)
		g->review_us = ch->review_us;
	int64_t now = sp_now_us();
	g->updated_us = now > g->updated_us ? now : g->updated_us + 1;
	g->version++;
	return SP_OK;
}

int sp_plan_update(struct sp_casework *cw, const struct sp_id *id,
		   const struct sp_goal_change *ch, struct sp_goal *out, struct sp_err *err)
{
	int rc = check_change(cw, ch, err);
	if (rc || (rc = cw_begin(cw, err)))
		return rc;
	struct sp_case c = {0};
	struct sp_goal g = {0};
	struct sp_buf ct, fresh;
	sp_buf_init(&ct, SP_SEAL_LIMIT);
	sp_buf_init(&fresh, SP_SEAL_LIMIT);
	int64_t was = ch->version;
	rc = goal_load(cw, id, &g, &ct, err);
	if (!rc)
		rc = cw_case_load_for(cw, CW_PLAN_UPDATE, &g.case_id, &c, err);
	if (!rc)
		rc = goal_apply(&g, ch, err);
	if (!rc && ch->set_goal)
		rc = goal_seal(cw, &c, &g, ch->goal, &fresh, err);
	struct sp_buf *text = ch->set_goal ? &fresh : &ct;
	if (!rc)
		rc = goal_store(cw, &g, text->data, text->len, was, err);
	if (!rc)
		rc = cw_audit(cw, CW_PLAN_UPDATE, "plan_goal", id,
			      ch->set_goal ? "stat,notes" : "stat", err);
	sp_buf_free(&fresh);
	sp_buf_free(&ct);
	rc = cw_finish(cw, rc, err);
	if (!rc && out) {
		g.goal = ch->set_goal ? sp_arena_strdup(cw->arena, ch->goal) : NULL;
		*out = g;
	}
	return rc;
}

int sp_plan_list(struct sp_casework *cw, const struct sp_id *case_id, struct sp_goal **out,
		 size_t *n, struct sp_err *err)
{
	struct sp_case c = {0};
	struct sp_stmt *st = NULL;
	struct sp_goal *goals = NULL;
	size_t count = 0, cap = 0;
	*out = NULL;
	*n = 0;
	int rc = cw_begin_read(cw, err);
	if (!rc)
		rc = cw_case_load_for(cw, CW_PLAN_READ, case_id, &c, err);
	if (!rc)
		rc = sp_store_prepare(cw->store, GOAL_SELECT "WHERE case_id = ? ORDER BY created_us, id",
				      &st, err);
	if (!rc && sp_stmt_bind_id(st, 1, case_id))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	while (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		const void *p = NULL;
		size_t len = 0;
		struct sp_goal *grown = cw_array_grow(cw->arena, goals, count, &cap, sizeof *goals);
		if (!grown) {
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
			break;
		}
		goals = grown;
		rc = goal_row(st, &goals[count], &p, &len, err);
		if (!rc)
			rc = goal_open(cw, &c, &goals[count++], p, len, err);
	}
	if (rc == 0)
		rc = cw_audit(cw, CW_PLAN_READ, "case", case_id, "stat,notes", err);
	sp_stmt_done(st);
	rc = cw_finish(cw, rc, err);
	if (!rc) {
		*out = goals;
		*n = count;
	}
	return rc;
}

json_t *sp_goal_encode(const struct sp_goal *g, bool with_goal)
{
	char review[SP_TIME_STRLEN + 1], created[SP_TIME_STRLEN + 1], updated[SP_TIME_STRLEN + 1];
	char id[SP_ID_STRLEN + 1], case_id[SP_ID_STRLEN + 1], by[SP_ID_STRLEN + 1];
	sp_time_format(g->review_us, review);
	sp_time_format(g->created_us, created);
	sp_time_format(g->updated_us, updated);
	sp_id_format(&g->id, id);
	sp_id_format(&g->case_id, case_id);
	sp_id_format(&g->created_by, by);
	return json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s?, s:s, s:s, s:s, s:I}", "id", id,
			 "case_id", case_id, "type", g->type, "goal", with_goal ? g->goal : NULL,
			 "status", sp_goal_status_name(g->status), "review_at",
			 g->review_us ? review : NULL, "created_by", by, "created_at", created,
			 "updated_at", updated, "version", (json_int_t)g->version);
}
