-- Data keys: one row per version, each wrapped by the master key (owner: src/crypto/datakeys.c).
-- wrapped = format byte 1, 24-byte nonce, XChaCha20-Poly1305 of the 32-byte key (73 bytes).
CREATE TABLE data_keys (
	version {int} PRIMARY KEY,
	wrapped {blob} NOT NULL,
	created_us {int64} NOT NULL
);
