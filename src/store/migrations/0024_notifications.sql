-- In-app notifications (owner: src/access/notification.c): one row per thing that waits for
-- someone (a task assigned to them, an approval pending for a supervisor, a referral awaiting
-- a provider's answer, an overdue deadline). No personal data: ids, a kind token and an
-- object type only; the words are made from the kind when shown, from the message catalogs.
-- A notification goes to one user (user_id), or, with user_id NULL, to every user of
-- agency_id holding one of the roles in the mask (for "any supervisor of agency X").
-- dedupe is unique: notifying the same thing twice adds nothing. delivered_us is set once
-- the notifier (a spool folder today) has taken the message: NULL rows are the delivery
-- queue, walked in id order. Readers list newest first (created_us, id).
CREATE TABLE notifications (
	id {id} PRIMARY KEY,
	user_id {id},
	agency_id {id} NOT NULL,
	roles {int64} NOT NULL,
	kind {text} NOT NULL,
	object_type {text} NOT NULL,
	object_id {id} NOT NULL,
	case_id {id},
	dedupe {text} NOT NULL UNIQUE,
	created_us {int64} NOT NULL,
	delivered_us {int64}
);
CREATE INDEX notifications_user ON notifications (user_id, created_us, id);
CREATE INDEX notifications_agency ON notifications (agency_id, created_us, id);
CREATE INDEX notifications_undelivered ON notifications (delivered_us, id);

-- Who has read what: one row per notification and reader, since a notification to the
-- supervisors of an agency is read by each of them on their own.
CREATE TABLE notification_reads (
	notification_id {id} NOT NULL REFERENCES notifications (id),
	user_id {id} NOT NULL,
	read_us {int64} NOT NULL,
	PRIMARY KEY (notification_id, user_id)
);
