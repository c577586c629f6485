-- The review queue of `safepath dedup` (issue 7; docs/registry-matching.md), owned by
-- src/casework/dedup.c: the pairs of persons a deduplication run found at or above the
-- model's threshold. person_a < person_b by bytes, one row per pair whatever the runs: a run
-- refreshes a proposed pair's score and leaves a decided one as it is, so a rejected pair is
-- never proposed again. The cases and their owning agencies as they were at the run (the
-- list's first filter; the policy decides each row). weight is log2 of the odds in
-- millionths; fields the comparisons' levels in words and their contributions (JSON, no
-- values: nothing personal). Ids are UUIDv7 made in descending probability within a run, so
-- the queue's id order is each run's best first.
CREATE TABLE match_pairs (
	id {id} PRIMARY KEY,
	person_a {id} NOT NULL REFERENCES persons (id),
	person_b {id} NOT NULL REFERENCES persons (id),
	case_a {id} NOT NULL,
	case_b {id} NOT NULL,
	agency_a {id} NOT NULL,
	agency_b {id} NOT NULL,
	model_version {text} NOT NULL,
	weight_micro {int64} NOT NULL,
	fields {text} NOT NULL,
	state {text} NOT NULL,
	found_us {int64} NOT NULL,
	decided_by {id},
	decided_us {int64},
	version {int64} NOT NULL,
	UNIQUE (person_a, person_b)
);
CREATE INDEX match_pairs_queue ON match_pairs (state, agency_a, agency_b, id);
