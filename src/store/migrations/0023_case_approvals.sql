-- A case's life beyond its status (owners: src/casework/caseapproval.c for case_approvals,
-- src/casework/breakglass.c for break_glass).
--
-- case_approvals: one queue of what waits for a supervisor's word, and the case's lifecycle
-- history. kind: closure, consent_override, break_glass_review, transfer, reopen. status:
-- pending, approved, rejected. agency_id is the agency whose supervisors decide (the owning
-- agency; for a transfer the receiving one). object_id names what the approval is about
-- beyond the case (a break-glass grant, a referral), NULL when nothing. reason is the
-- request's code (a closure_reasons code), NULL when none; payload a JSON object of clear
-- codes and dates only (a closure's follow-up date, a transfer's receiving agency), an empty object
-- when none. The free-text notes of the request and of the decision are sealed under the
-- case person's key (NULL when none). version steps on with the decision (If-Match).
CREATE TABLE case_approvals (
	id {id} PRIMARY KEY,
	case_id {id} NOT NULL REFERENCES cases (id),
	kind {text} NOT NULL,
	status {text} NOT NULL,
	agency_id {id} NOT NULL,
	object_id {id},
	reason {text},
	payload {text} NOT NULL,
	request_note {blob},
	requested_by {id} NOT NULL,
	requested_us {int64} NOT NULL,
	decided_by {id},
	decided_us {int64},
	decision_note {blob},
	version {int64} NOT NULL
);
CREATE INDEX case_approvals_queue ON case_approvals (agency_id, status, requested_us);
CREATE INDEX case_approvals_case ON case_approvals (case_id, requested_us);

-- Break-glass grants: user_id may read case_id's case page and person (identity and safety,
-- never gbv, trafficking or notes) until expires_us, each read flagged to the DPO. The reason
-- is sealed under the case person's key.
CREATE TABLE break_glass (
	id {id} PRIMARY KEY,
	case_id {id} NOT NULL REFERENCES cases (id),
	user_id {id} NOT NULL,
	reason {blob} NOT NULL,
	granted_us {int64} NOT NULL,
	expires_us {int64} NOT NULL
);
CREATE INDEX break_glass_user ON break_glass (user_id, case_id, expires_us);
