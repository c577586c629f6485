-- Optimistic concurrency on accounts (owner: src/access/user.c): every change to a users row
-- bumps its version, the API's ETag of the account; a change sent with a stale version is
-- refused (UPDATE ... WHERE id = ? AND version = ?), whichever server runs it.
ALTER TABLE users ADD COLUMN version {int64} NOT NULL DEFAULT 1;
