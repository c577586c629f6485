-- Needs and tasks of a case (owners: src/casework/need.c and src/casework/task.c). Both belong
-- to exactly one case: a task is always work on a case (case_id NOT NULL). kind is a code of
-- the needs or tasks vocabulary (protocols/codes.json) in clear for workflow and statistics;
-- a need's note and a task's title are free text, sealed under the case person's key like
-- case_notes.body (bound to table, column and row id), so erasing the person shreds them.
-- version is bumped by every change (the API's ETag; UPDATE ... WHERE version = ?).

-- source is 'screening' (screening_id names it; a plain id: the screenings table comes
-- later) or 'person' (entered by hand). status: unmet, referred, met, no_longer_needed.
CREATE TABLE needs (
	id {id} PRIMARY KEY,
	case_id {id} NOT NULL REFERENCES cases (id),
	kind {text} NOT NULL,
	status {text} NOT NULL,
	source {text} NOT NULL,
	screening_id {id},
	note {blob},
	created_by {id} NOT NULL,
	created_us {int64} NOT NULL,
	updated_us {int64} NOT NULL,
	version {int64} NOT NULL
);
CREATE INDEX needs_case ON needs (case_id, created_us);

-- One of kind and title at least. priority: routine, soon, urgent, immediate; priority_order
-- sorts them (0 = immediate first, 3 = routine). due_order is due_us, or the largest int64 when there is
-- no due date: "my tasks" lists by it so that tasks without a date come last, with an index
-- and a cursor and without NULLS LAST. status: open, done, cancelled; completed_us is set
-- while done or cancelled.
CREATE TABLE tasks (
	id {id} PRIMARY KEY,
	case_id {id} NOT NULL REFERENCES cases (id),
	kind {text},
	title {blob},
	assignee_id {id} NOT NULL,
	due_us {int64},
	due_order {int64} NOT NULL,
	priority {text} NOT NULL,
	priority_order {int} NOT NULL,
	status {text} NOT NULL,
	created_by {id} NOT NULL,
	created_us {int64} NOT NULL,
	updated_us {int64} NOT NULL,
	completed_us {int64},
	version {int64} NOT NULL
);
CREATE INDEX tasks_mine ON tasks (assignee_id, status, due_order, priority_order, id);
CREATE INDEX tasks_case ON tasks (case_id, created_us);
