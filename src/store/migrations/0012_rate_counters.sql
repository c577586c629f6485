-- Rate-limit counters shared by every server on one database (owned by src/access/ratecount.c):
-- one leaky bucket per key, its level in thousandths of a request as of updated_us, draining at
-- the key's rate. Each server keeps token buckets in memory and, every rate-limit-share-ms, adds
-- what it charged a key since the last time and takes the level back as the truth for its own
-- bucket. key is a keyed BLAKE2b of the session id or the client address, never either in
-- clear; a key idle for an hour is removed.
CREATE TABLE rate_counters (
	key {blob} PRIMARY KEY,
	level_m {int64} NOT NULL,
	updated_us {int64} NOT NULL
) {clustered};
CREATE INDEX rate_counters_updated ON rate_counters (updated_us);
