-- casework: persons and their blind indexes, cases and their numbering, notes, consents.
-- Personal values live only in sealed blobs (XChaCha20-Poly1305 under the person's key,
-- bound to table, column and record id). Clear columns are the workflow and statistics ones.

-- One row per person. profile is the sealed JSON of names, aliases, gender identity, date of
-- birth, languages, documents and contacts; safety (need-to-know) is sealed on its own so a
-- reader without that need never decrypts it. birth_year_min and birth_year_max are the
-- Gregorian years the date of birth may fall in (equal for a Gregorian date; a Solar Hijri
-- year spans two).
CREATE TABLE persons (
	id {id} PRIMARY KEY,
	created_us {int64} NOT NULL,
	updated_us {int64} NOT NULL,
	sex {text} NOT NULL,
	birth_year_min {int},
	birth_year_max {int},
	birth_estimated {bool} NOT NULL,
	profile {blob} NOT NULL,
	safety {blob}
);

-- Nationality codes in clear for statistics (ISO 3166-1 alpha-2, ZZ unknown, XXA stateless).
CREATE TABLE person_nationalities (
	person_id {id} NOT NULL REFERENCES persons (id),
	code {text} NOT NULL,
	PRIMARY KEY (person_id, code)
);

-- Exact look-ups without decrypting: kind is name, document or phone; value the keyed
-- BLAKE2b of the normalised text (one row per word of every name part, original and
-- romanised, of the name and the aliases).
CREATE TABLE person_index (
	kind {text} NOT NULL,
	value {blob} NOT NULL,
	person_id {id} NOT NULL REFERENCES persons (id),
	PRIMARY KEY (kind, value, person_id)
);
CREATE INDEX person_index_person ON person_index (person_id);

-- The last case number given per agency and year, bumped inside the case's transaction.
CREATE TABLE case_sequences (
	agency_id {id} NOT NULL,
	year {int} NOT NULL,
	last_number {int64} NOT NULL,
	PRIMARY KEY (agency_id, year)
);

-- flags is a bit set (case.h enum sp_case_flag; bit positions never change).
CREATE TABLE cases (
	id {id} PRIMARY KEY,
	number {text} NOT NULL UNIQUE,
	person_id {id} NOT NULL REFERENCES persons (id),
	agency_id {id} NOT NULL,
	status {text} NOT NULL,
	priority {text} NOT NULL,
	flags {int64} NOT NULL,
	assigned_to {id},
	created_us {int64} NOT NULL,
	updated_us {int64} NOT NULL,
	closed_us {int64},
	version {int64} NOT NULL
);
CREATE INDEX cases_person ON cases (person_id);
CREATE INDEX cases_agency_status ON cases (agency_id, status);
CREATE INDEX cases_assigned ON cases (assigned_to, status);

CREATE TABLE case_notes (
	id {id} PRIMARY KEY,
	case_id {id} NOT NULL REFERENCES cases (id),
	author_id {id} NOT NULL,
	created_us {int64} NOT NULL,
	body {blob} NOT NULL
);
CREATE INDEX case_notes_case ON case_notes (case_id, created_us);

-- Append-only: a withdrawal is a new row; the newest row per purpose and scope holds.
CREATE TABLE consents (
	id {id} PRIMARY KEY,
	case_id {id} NOT NULL REFERENCES cases (id),
	purpose {text} NOT NULL,
	scope_agency_id {id},
	scope_country {text},
	status {text} NOT NULL,
	method {text} NOT NULL,
	interpreter_used {bool} NOT NULL,
	interpreter_language {text},
	given_by {text} NOT NULL,
	child_assent {text},
	recorded_by {id} NOT NULL,
	recorded_us {int64} NOT NULL,
	note {blob}
);
CREATE INDEX consents_case ON consents (case_id, purpose, recorded_us);
