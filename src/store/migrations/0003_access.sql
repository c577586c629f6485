-- Access: agencies, users and the approvals that gate data-reading roles (src/access/).
-- Agency kinds and approval kinds and statuses are stored as their names; roles as the
-- bitmask of include/safepath/policy.h, whose bit positions never change.

CREATE TABLE agencies (
	id {id} PRIMARY KEY,
	code {text} NOT NULL UNIQUE,
	name {text} NOT NULL,
	kind {text} NOT NULL,
	country {text} NOT NULL,
	created_us {int64} NOT NULL
);

CREATE TABLE users (
	id {id} PRIMARY KEY,
	username {text} NOT NULL UNIQUE,
	agency_id {id} NOT NULL REFERENCES agencies (id),
	roles {int} NOT NULL,
	password_hash {text} NOT NULL,
	must_change_password {bool} NOT NULL,
	disabled {bool} NOT NULL,
	created_us {int64} NOT NULL,
	updated_us {int64} NOT NULL
);

CREATE INDEX users_agency ON users (agency_id);

CREATE TABLE approvals (
	id {id} PRIMARY KEY,
	kind {text} NOT NULL CHECK (kind IN ('grant_role', 'reset_password')),
	target_user_id {id} NOT NULL REFERENCES users (id),
	requested_by {id} NOT NULL REFERENCES users (id),
	requested_roles {int} NOT NULL,
	status {text} NOT NULL CHECK (status IN ('pending', 'granted', 'denied')),
	requested_us {int64} NOT NULL,
	decided_by {id} REFERENCES users (id),
	decided_us {int64},
	flagged_to_dpo {bool} NOT NULL
);

CREATE INDEX approvals_target ON approvals (target_user_id, status);
CREATE INDEX approvals_status ON approvals (status, requested_us);
