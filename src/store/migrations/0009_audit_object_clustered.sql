-- The index of the objects each audit record names (owned by src/audit/trail.c) becomes one
-- B-tree keyed by (object_id, seq): a caseload page's record adds 50 rows, and each used to
-- be written twice, into the rowid table and into its primary key's index. Same rows, same
-- look-up by object for the DPO's "who saw this record".
CREATE TABLE audit_object_by_key (
	object_id {id} NOT NULL,
	seq {int64} NOT NULL,
	PRIMARY KEY (object_id, seq)
) {clustered};
INSERT INTO audit_object_by_key (object_id, seq) SELECT object_id, seq FROM audit_object;
DROP TABLE audit_object;
ALTER TABLE audit_object_by_key RENAME TO audit_object;
