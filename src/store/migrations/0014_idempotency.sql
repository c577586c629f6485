-- Safe retries of creates (owner: src/access/idempotency.c): one row per Idempotency-Key a
-- user sent with a create, written in the create's own transaction, so a retry after a lost
-- answer finds what the first request made. No personal data: the key and the request's
-- fingerprint are keyed BLAKE2b hashes; the rest are ids, a status and a kind. Rows expire
-- (idempotency-ttl-s) and are purged by the next create that records a key.
CREATE TABLE idempotency_keys (
	user_id {id} NOT NULL REFERENCES users (id),
	key_hash {blob} NOT NULL,
	request_hash {blob} NOT NULL,
	status {int} NOT NULL,
	kind {text} NOT NULL,
	resource_id {id} NOT NULL,
	parent_id {id},
	created_us {int64} NOT NULL,
	expires_us {int64} NOT NULL,
	PRIMARY KEY (user_id, key_hash)
);

CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_us);
