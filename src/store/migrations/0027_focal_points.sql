-- Protection focal points and referral routing (owner: src/refer/focal.c). No case data: ids,
-- codes and staff. needs is a list written ",a,b," (NULL: every need) so that one
-- LIKE '%,a,%' finds a member on both stores; country is "" for the agency scope, so that the
-- unique key holds on both stores (NULLs never collide).
CREATE TABLE focal_points (
	id {id} PRIMARY KEY,
	agency_id {id} NOT NULL REFERENCES agencies (id),
	user_id {id} NOT NULL REFERENCES users (id),
	scope {text} NOT NULL,
	country {text} NOT NULL,
	needs {text},
	is_default {bool} NOT NULL,
	created_by {id} NOT NULL,
	created_us {int64} NOT NULL,
	UNIQUE (agency_id, user_id, scope, country)
);

-- One rule per need and agency: to a service of the directory, or to a focal point (a user).
CREATE TABLE routing_rules (
	id {id} PRIMARY KEY,
	agency_id {id} NOT NULL REFERENCES agencies (id),
	need {text} NOT NULL,
	target {text} NOT NULL,
	service_id {id} REFERENCES services (id),
	focal_user_id {id} REFERENCES users (id),
	created_by {id} NOT NULL,
	created_us {int64} NOT NULL,
	UNIQUE (agency_id, need)
);
