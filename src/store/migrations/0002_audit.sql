-- The audit trail (owned by src/audit/trail.c): append-only records holding ids and
-- field-name tokens only, and the one-row chain head moved in the same transaction as each
-- append, so two writers on one database never fork the chain. objects holds further object
-- ids (a list page's rows) as concatenated 16-byte ids; audit_object indexes every object a
-- record names, for the DPO's "who saw this record" (it is derived, not chained).
CREATE TABLE audit_log (
	seq {int64} PRIMARY KEY,
	ts_us {int64} NOT NULL,
	actor {id} NOT NULL,
	agency {id} NOT NULL,
	roles {text} NOT NULL,
	action {text} NOT NULL,
	object_type {text} NOT NULL,
	object_id {id} NOT NULL,
	fields {text} NOT NULL,
	reason {text} NOT NULL,
	flags {int} NOT NULL,
	request_id {text} NOT NULL,
	mac {blob} NOT NULL,
	objects {blob} NOT NULL
);
CREATE INDEX audit_log_ts ON audit_log (ts_us, seq);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);

CREATE TABLE audit_object (
	object_id {id} NOT NULL,
	seq {int64} NOT NULL,
	PRIMARY KEY (object_id, seq)
);

-- mac is NULL while seq is 0 (the chain starts from 32 zero bytes).
CREATE TABLE audit_head (
	id {int} PRIMARY KEY CHECK (id = 1),
	seq {int64} NOT NULL,
	mac {blob}
);
INSERT INTO audit_head (id, seq, mac) VALUES (1, 0, NULL);
