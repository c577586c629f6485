-- Deadlines of a case (owner: src/casework/deadline.c; which rules start and end them:
-- src/identify/deadlines.c). One row per jurisdiction rule an event on the case started: the
-- jurisdiction file's id and version and the rule's id, its kind (target, minimum), the event
-- and instant that started it, and the instant it falls due (due_us NULL: open-ended, lasting
-- until an event; due_order is due_us or the largest int64, so that the agency's list sorts
-- open-ended ones last with an index). problem names why no due instant could be computed (a
-- working day outside the holiday list's years): the engine refuses rather than guesses. A
-- deadline holds no personal data; class is the field class a reader needs (stat, or
-- trafficking for those the grounds decisions and referrals start). status: open, met (a
-- target done: closed_by names the event, or "person" when marked by hand), ended (an open
-- period's closing event), lapsed (the rule no longer applies). source: decision, screening,
-- event (recorded by hand); source_id names the decision or screening.
CREATE TABLE deadlines (
	id {id} PRIMARY KEY,
	case_id {id} NOT NULL REFERENCES cases (id),
	jurisdiction_id {text} NOT NULL,
	jurisdiction_version {text} NOT NULL,
	rule_id {text} NOT NULL,
	kind {text} NOT NULL,
	class {text} NOT NULL,
	trigger_event {text} NOT NULL,
	trigger_us {int64} NOT NULL,
	due_us {int64},
	due_order {int64} NOT NULL,
	problem {text},
	status {text} NOT NULL,
	closed_by {text},
	closed_us {int64},
	source {text} NOT NULL,
	source_id {id},
	created_by {id} NOT NULL,
	created_us {int64} NOT NULL,
	updated_us {int64} NOT NULL,
	version {int64} NOT NULL
);
CREATE INDEX deadlines_case ON deadlines (case_id, trigger_us);
CREATE INDEX deadlines_open ON deadlines (status, due_order, id);
