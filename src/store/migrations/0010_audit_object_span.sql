-- The index of the objects audit records name (owned by src/audit/trail.c) turns coarse: a row
-- (object_id, span, actor) says that the actor's records with seq in [span * 1024, span * 1024 +
-- 1024) may name the object (SP_AUDIT_SPAN in src/audit/audit.h; changing it takes a migration).
-- The DPO's look-up by object reads those records and keeps the ones that name it, so the
-- answer is exactly what the chained records say. A caseworker who lists the same caseload again
-- and again adds one row per case per span instead of one per case per page.
CREATE TABLE audit_object_span (
	object_id {id} NOT NULL,
	span {int64} NOT NULL,
	actor {id} NOT NULL,
	PRIMARY KEY (object_id, span, actor)
) {clustered};
INSERT INTO audit_object_span (object_id, span, actor)
	SELECT DISTINCT o.object_id, o.seq / 1024, l.actor FROM audit_object o
	JOIN audit_log l ON l.seq = o.seq;
DROP TABLE audit_object;
ALTER TABLE audit_object_span RENAME TO audit_object;
