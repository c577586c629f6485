-- Retention (owner: src/casework/retention.c; docs/retention.md). legal_holds: a hold on a
-- case while proceedings are open, which the retention run never anonymises; reason is a code
-- (criminal_proceedings, ...), never free text, so nothing here is personal; lifted_us NULL
-- while it holds. At most one hold is open per case (the case's legal_hold flag mirrors it).
-- anonymisations: the cases the retention run anonymised, with when; shredded_us NULL until
-- the person's key was destroyed (after the anonymisation's own transaction), so that a run
-- that failed between the two finishes the shredding when run again.
CREATE TABLE legal_holds (
	id {id} PRIMARY KEY,
	case_id {id} NOT NULL REFERENCES cases (id),
	reason {text} NOT NULL,
	set_by {id} NOT NULL,
	set_us {int64} NOT NULL,
	lifted_by {id},
	lifted_us {int64}
);
CREATE INDEX legal_holds_case ON legal_holds (case_id, set_us);

CREATE TABLE anonymisations (
	case_id {id} PRIMARY KEY REFERENCES cases (id),
	person_id {id} NOT NULL,
	anonymised_by {id} NOT NULL,
	anonymised_us {int64} NOT NULL,
	shredded_us {int64}
);
CREATE INDEX anonymisations_pending ON anonymisations (shredded_us);

-- The retention run's look-up: closed cases in order of closure.
CREATE INDEX cases_closed ON cases (status, closed_us, id);

-- The DPO's subject-access exports (owner: src/refer/subject_access.c): which case, who
-- exported it and when, and who asked for it (requester: sealed under the case person's key,
-- bound to subject_exports/requester/<id>; the person's erasure shreds it with the rest).
CREATE TABLE subject_exports (
	id {id} PRIMARY KEY,
	case_id {id} NOT NULL REFERENCES cases (id),
	exported_by {id} NOT NULL,
	exported_us {int64} NOT NULL,
	requester {blob} NOT NULL
);
CREATE INDEX subject_exports_case ON subject_exports (case_id, exported_us);
