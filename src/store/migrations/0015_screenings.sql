-- identify: screenings (issue 5). One row per screening of a case with one protocol, in the
-- protocol's exact version (id, version and the content hash of its file, so any past
-- screening can be evaluated again). Answers, the person's facts the engine was given, the
-- engine's result and the official's own conclusion are sealed under the person's key, bound
-- to this table, the column and the screening's id. Clear columns are the workflow ones; kind
-- is the protocol's (first_contact, trafficking_indicators, forced_labour), which decides the
-- field class the policy is asked about.
CREATE TABLE screenings (
	id {id} PRIMARY KEY,
	case_id {id} NOT NULL REFERENCES cases (id),
	protocol_id {text} NOT NULL,
	protocol_version {int} NOT NULL,
	protocol_hash {text} NOT NULL,
	kind {text} NOT NULL,
	status {text} NOT NULL,
	lang {text} NOT NULL,
	interpreter {text},
	facts {blob} NOT NULL,
	answers {blob} NOT NULL,
	result {blob},
	conclusion {blob},
	differs {bool},
	started_by {id} NOT NULL,
	started_us {int64} NOT NULL,
	updated_us {int64} NOT NULL,
	completed_us {int64},
	version {int64} NOT NULL
);
CREATE INDEX screenings_case ON screenings (case_id, started_us);
