-- Family tracing (owner: src/casework/tracing.c; docs/tracing.md). A request is recorded by a
-- tracing officer of agency_id for a relative looking for a child. details is the sealed JSON
-- of who asks and who is sought (names, nicknames, dates, places, relatives), sealed under a
-- key of the request's own in the key store (the request's id names it, as a person's id
-- names theirs), so that erasing the request shreds it. status is the requester's side's:
-- open, possible_match, verifying, contact_approved, contact_declined, closed. version is
-- bumped by every change.
CREATE TABLE tracing_requests (
	id {id} PRIMARY KEY,
	agency_id {id} NOT NULL REFERENCES agencies (id),
	created_by {id} NOT NULL,
	status {text} NOT NULL,
	details {blob} NOT NULL,
	created_us {int64} NOT NULL,
	updated_us {int64} NOT NULL,
	closed_us {int64},
	version {int64} NOT NULL
);
CREATE INDEX tracing_requests_agency ON tracing_requests (agency_id, created_us);

-- A possible match of a request with a child's case, the child's side's to review. state:
-- proposed, verifying, ruled_out, contact_approved, contact_declined. score and explanation
-- hold counts and words only ("names 2 of 2 words; birth year agrees"), never a value. The
-- verification's method and outcome, the best-interests assessment's outcome and who recorded
-- each are clear workflow columns; their notes and grounds are sealed under the child's person
-- key (bound to this table, the column and the match's id), so erasing the child shreds them.
CREATE TABLE tracing_matches (
	id {id} PRIMARY KEY,
	request_id {id} NOT NULL REFERENCES tracing_requests (id),
	case_id {id} NOT NULL REFERENCES cases (id),
	state {text} NOT NULL,
	score {int} NOT NULL,
	explanation {text} NOT NULL,
	verify_method {text},
	verify_confirmed {bool},
	verified_by {id},
	verified_us {int64},
	verify_note {blob},
	bia_outcome {text},
	assessed_by {id},
	assessed_us {int64},
	bia_grounds {blob},
	decided_by {id},
	decided_us {int64},
	decision_note {blob},
	created_us {int64} NOT NULL,
	updated_us {int64} NOT NULL,
	version {int64} NOT NULL,
	UNIQUE (request_id, case_id)
);
CREATE INDEX tracing_matches_case ON tracing_matches (case_id, created_us);
