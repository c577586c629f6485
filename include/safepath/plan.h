/* A case's support plan (issue 6 item 9; HTCDS spl_): goals, each of a support type (the
 * "support_types" vocabulary: HTCDS spl_Type — education, financial, health, legal, …), its
 * goal text sealed under the case person's key, a status moved along a small table and a date
 * to review it by. The plan is the caseworker's work with the person, read and written by
 * those who read and write the case's needs: the policy's need.read and need.write, on the
 * case itself (a goal answers a need; both are case-management notes of the same
 * sensitivity). Audited as plan.add, plan.update and plan.read. Every operation is one
 * transaction with its policy check and its audit record. */
#ifndef SAFEPATH_PLAN_H
#define SAFEPATH_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "safepath/case.h"
#include "safepath/need.h"

#define SP_PLAN_GOAL_MAX 2000 /* bytes of goal text */

enum sp_goal_status {
	SP_GOAL_PLANNED,
	SP_GOAL_IN_PROGRESS,
	SP_GOAL_ACHIEVED,
	SP_GOAL_DISCONTINUED,
	SP_GOAL_STATUS_COUNT
};

struct sp_goal {
	struct sp_id id;
	struct sp_id case_id;
	char type[SP_KIND_MAX];   /* a support_types code */
	const char *goal;         /* in cw->arena; NULL when not sent back or erased */
	enum sp_goal_status status;
	int64_t review_us;        /* 0: no review date */
	struct sp_id created_by;
	int64_t created_us;
	int64_t updated_us;
	int64_t version;
};

const char *sp_goal_status_name(enum sp_goal_status s);
int sp_goal_status_parse(const char *s) SP_MUST;
/* planned -> in_progress | discontinued; in_progress -> achieved | discontinued | planned
 * (put back); achieved -> in_progress (it did not hold); discontinued -> planned (taken up
 * again). Staying put is no move (true). */
bool sp_goal_may_move(enum sp_goal_status from, enum sp_goal_status to);
/* Whether the goal's review date is past at now while it is still planned or in progress. */
bool sp_goal_review_overdue(const struct sp_goal *g, int64_t now_us);

/* A new goal: a support type and its text (both required), a review date (0: none). It
 * starts planned. */
struct sp_goal_new {
	const char *type;
	const char *goal;
	int64_t review_us;
};
int sp_plan_add(struct sp_casework *cw, const struct sp_id *case_id, const struct sp_goal_new *in,
		struct sp_goal *out, struct sp_err *err) SP_MUST;

/* Change what is set, from version (SP_ECONFLICT on "/version" when the goal moved on); a
 * status move outside sp_goal_may_move is SP_ECONFLICT on "/status"; review_us 0 with
 * set_review removes the date. */
struct sp_goal_change {
	int64_t version;
	bool set_type;
	const char *type;
	bool set_goal;
	const char *goal;
	bool set_status;
	enum sp_goal_status status;
	bool set_review;
	int64_t review_us;
};
int sp_plan_update(struct sp_casework *cw, const struct sp_id *id,
		   const struct sp_goal_change *ch, struct sp_goal *out,
		   struct sp_err *err) SP_MUST;

/* The case's goals, oldest first, their text opened, in cw->arena; one audit record. */
int sp_plan_list(struct sp_casework *cw, const struct sp_id *case_id, struct sp_goal **out,
		 size_t *n, struct sp_err *err) SP_MUST;

/* {"id", "case_id", "type", "goal", "status", "review_at", "created_by", "created_at",
 * "updated_at", "version"}; the goal text only with with_goal. */
json_t *sp_goal_encode(const struct sp_goal *g, bool with_goal);

#endif
