-- casework: what a case shares with another agency through one of its referrals (issue 6,
-- item 5; owner src/casework/share.c, written only through sp_caseop_share inside the
-- referral's own transaction). state is the policy's enum sp_referral_state (1 pending: the
-- referral's summary; 2 accepted: the summary and the referral's profile), fields the
-- profile's field classes (SP_FIELD bits). A referral that ends (declined, cancelled,
-- expired, closed) deletes its row, so the provider's access ends with it. The policy reads
-- the rows of (case, the subject's agency) with one indexed query.
CREATE TABLE case_shares (
	referral_id {id} PRIMARY KEY,
	case_id {id} NOT NULL REFERENCES cases (id),
	agency_id {id} NOT NULL REFERENCES agencies (id),
	state {int} NOT NULL,
	fields {int} NOT NULL
);
CREATE INDEX case_shares_case_agency ON case_shares (case_id, agency_id);
