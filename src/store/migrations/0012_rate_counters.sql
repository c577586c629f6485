-- Rate-limit counters shared by every server on one database (owned by src/access/ratecount.c).
-- Each server keeps its token buckets in memory and, every rate-limit-share-ms, adds what it
-- charged to a key since the last time and reads back the total, charging its own bucket with
-- what the other servers took meanwhile. key is a keyed BLAKE2b of the session id or the
-- client address, never either in clear; a key idle for an hour is removed.
CREATE TABLE rate_counters (
	key {blob} PRIMARY KEY,
	hits {int64} NOT NULL,
	updated_us {int64} NOT NULL
) {clustered};
CREATE INDEX rate_counters_updated ON rate_counters (updated_us);
