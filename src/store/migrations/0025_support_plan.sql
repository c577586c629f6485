-- A case's support plan (owner: src/casework/plan.c): its goals, one row each. type is a code
-- of the support_types vocabulary (protocols/codes.json, HTCDS spl_Type) in clear for workflow
-- and statistics; the goal itself is free text, sealed under the case person's key like a
-- need's note (bound to table, column and row id), so erasing the person shreds it. status:
-- planned, in_progress, achieved, discontinued. review_us is when the goal is to be reviewed
-- (NULL: no date); a review date past while the goal is planned or in progress is overdue.
-- version is bumped by every change (the API's ETag; UPDATE ... WHERE version = ?).
CREATE TABLE plan_goals (
	id {id} PRIMARY KEY,
	case_id {id} NOT NULL REFERENCES cases (id),
	type {text} NOT NULL,
	goal {blob} NOT NULL,
	status {text} NOT NULL,
	review_us {int64},
	created_by {id} NOT NULL,
	created_us {int64} NOT NULL,
	updated_us {int64} NOT NULL,
	version {int64} NOT NULL
);
CREATE INDEX plan_goals_case ON plan_goals (case_id, created_us);
