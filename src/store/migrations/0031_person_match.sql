-- The registry side of matching people (issue 7; docs/registry-matching.md), owned by
-- src/casework/matchreg.c.
--
-- person_match: each person's cells in the matching model's field order (config/matching/
-- person.json: prepared names, dates, codes, relatives), one JSON array sealed under the
-- person's key and bound to person_match/cells/<person id>; written with the person, deleted
-- at erasure and anonymisation (the destroyed key shreds it anyway).
CREATE TABLE person_match (
	person_id {id} PRIMARY KEY REFERENCES persons (id),
	model {text} NOT NULL,
	cells {blob} NOT NULL
);

-- Blocking without plaintext: every blocking key of a person's cells (rule, key), blinded
-- with the match-key subkey (keyed BLAKE2b of rule and key). A look-up reads the persons that
-- share a key; a key held by too many persons is skipped at query time.
CREATE TABLE person_match_keys (
	rule {int} NOT NULL,
	mkey {blob} NOT NULL,
	person_id {id} NOT NULL REFERENCES persons (id),
	PRIMARY KEY (rule, mkey, person_id)
);
CREATE INDEX person_match_keys_person ON person_match_keys (person_id);

-- The estimated parameters of a model (m, u, the share of matches: nothing personal) from the
-- last deduplication run; without a row the model's shipped defaults score.
CREATE TABLE match_params (
	model {text} PRIMARY KEY,
	model_version {text} NOT NULL,
	params {text} NOT NULL,
	updated_us {int64} NOT NULL
);

-- Decisions on a pair of persons (person_a < person_b by bytes), per deciding agency:
-- confirmed (the same person: a link) or rejected (not the same: never proposed again to that
-- agency). Undoing a link sets undone_us; a new decision on the pair replaces the row. A
-- link is a fact about two records, never a grant: the policy reads nothing here.
CREATE TABLE person_links (
	person_a {id} NOT NULL REFERENCES persons (id),
	person_b {id} NOT NULL REFERENCES persons (id),
	agency_id {id} NOT NULL,
	state {text} NOT NULL,
	decided_by {id} NOT NULL,
	decided_us {int64} NOT NULL,
	undone_by {id},
	undone_us {int64},
	PRIMARY KEY (person_a, person_b, agency_id)
);
CREATE INDEX person_links_b ON person_links (person_b);
