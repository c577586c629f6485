-- refer: referrals of a case's needs to services (issue 6, items 3, 6 and 7; owner
-- src/refer/referral.c). The workflow columns are in clear for inboxes and statistics: the
-- type (a services kind), the urgency (a priorities code), the status (the state machine of
-- src/refer/referral_machine.c), the decline reason and outcome codes, the due instant of
-- the acknowledgement or the answer. profile: the field names the referral shares once
-- accepted, fixed at creation (config/referrals.json may change later without widening an
-- existing referral). summary: the person's age band, sex and language for the provider
-- before acceptance; feedback: the provider's outcome text; both sealed under the case
-- person's key, bound to this table, the column and the referral's id. provider_agency_id
-- is the safepath agency of the service's organisation (NULL: a provider not on safepath,
-- whose answers the caseworker records by hand). source: how an incoming referral came
-- (hotline, organisation, self, other), NULL for one made here.
CREATE TABLE referrals (
	id {id} PRIMARY KEY,
	case_id {id} NOT NULL REFERENCES cases (id),
	need_id {id} REFERENCES needs (id),
	service_id {id} REFERENCES services (id),
	organization_id {id} REFERENCES organizations (id),
	provider_agency_id {id} REFERENCES agencies (id),
	agency_id {id} NOT NULL REFERENCES agencies (id),
	type {text} NOT NULL,
	urgency {text} NOT NULL,
	status {text} NOT NULL,
	profile {text} NOT NULL,
	fields {int} NOT NULL,
	reason {text},
	outcome {text},
	source {text},
	due_us {int64},
	summary {blob},
	feedback {blob},
	created_by {id} NOT NULL,
	created_us {int64} NOT NULL,
	updated_us {int64} NOT NULL,
	version {int64} NOT NULL
);
CREATE INDEX referrals_case ON referrals (case_id, created_us);
CREATE INDEX referrals_provider ON referrals (provider_agency_id, status, updated_us);
CREATE INDEX referrals_agency ON referrals (agency_id, status, updated_us);
CREATE INDEX referrals_due ON referrals (status, due_us);

-- Every transition: the event, the states before and after, who fired it from which agency
-- and side (sender, receiver, system; manual: the sender recorded a provider's answer by
-- hand), when, and a decline's reason. Never changed nor deleted.
CREATE TABLE referral_events (
	id {id} PRIMARY KEY,
	referral_id {id} NOT NULL REFERENCES referrals (id),
	event {text} NOT NULL,
	from_status {text} NOT NULL,
	to_status {text} NOT NULL,
	side {text} NOT NULL,
	manual {bool} NOT NULL,
	actor {id},
	agency_id {id},
	at_us {int64} NOT NULL,
	reason {text}
);
CREATE INDEX referral_events_referral ON referral_events (referral_id, at_us);
