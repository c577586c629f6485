-- Sessions of the HTTP API (owned by src/access/session.c). The session and CSRF tokens are
-- 256 random bits handed to the client once; only their keyed BLAKE2b hashes are kept, so a
-- copy of the database gives no way into a session. Disabling a user deletes their rows in
-- the same transaction.
CREATE TABLE sessions (
	id {id} PRIMARY KEY,
	token_hash {blob} NOT NULL UNIQUE,
	csrf_hash {blob} NOT NULL,
	user_id {id} NOT NULL REFERENCES users (id),
	created_us {int64} NOT NULL,
	expires_us {int64} NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_us);
