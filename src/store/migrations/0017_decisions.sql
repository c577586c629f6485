-- identify: formal decisions on a case (issue 5; owner src/identify/decision.c): age
-- assessments, reasonable- and conclusive-grounds decisions, best-interests determinations.
-- A decision is never changed nor deleted: a correction is a new decision of the same type, and
-- the case's current one of a type is the latest decided (then the latest recorded). type and
-- outcome stay in clear for workflow and statistics; the grounds, the age-assessment method,
-- the benefit of the doubt and the assessed age are one JSON text sealed under the person's key,
-- bound to this table, the column and the decision's id. The jurisdiction whose rules let the
-- recorder decide is kept with its version, as the deadlines it starts depend on them.
CREATE TABLE decisions (
	id {id} PRIMARY KEY,
	case_id {id} NOT NULL REFERENCES cases (id),
	type {text} NOT NULL,
	outcome {text} NOT NULL,
	decided_us {int64} NOT NULL,
	jurisdiction_id {text} NOT NULL,
	jurisdiction_version {text} NOT NULL,
	details {blob} NOT NULL,
	recorded_by {id} NOT NULL,
	agency_id {id} NOT NULL,
	recorded_us {int64} NOT NULL,
	version {int64} NOT NULL
);
CREATE INDEX decisions_case ON decisions (case_id, decided_us);
