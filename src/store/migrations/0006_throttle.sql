-- Failed log-ins counted per user name and per client address (owned by
-- src/access/throttle.c), shared by every server on the database. key is the keyed BLAKE2b
-- of a domain tag and the lower-cased user name or the address, never either in clear: a
-- user name is sometimes a mistyped password. A row lives for one window from its first
-- failure; expired rows go at the next failure.
CREATE TABLE login_throttle (
	key {blob} PRIMARY KEY,
	failures {int} NOT NULL,
	window_start_us {int64} NOT NULL
);
CREATE INDEX login_throttle_window ON login_throttle (window_start_us);
