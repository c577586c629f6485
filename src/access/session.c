/* Sessions (the sessions table): the HTTP API's log-ins. Tokens are random and shown once;
 * the table holds their keyed BLAKE2b hashes only. A look-up joins the user so a disabled
 * account's session is dead even before its rows are gone. */
#include <string.h>

#include <sodium.h>

#include "access/access.h"

#define TOKEN_BYTES 32

/* 32 random bytes as 43 characters of unpadded base64url. */
static void token_new(char out[SP_SESSION_TOKEN_SIZE])
{
	unsigned char raw[TOKEN_BYTES];
	randombytes_buf(raw, sizeof raw);
	sodium_bin2base64(out, SP_SESSION_TOKEN_SIZE, raw, sizeof raw,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof raw);
}

/* Only well-formed tokens are hashed and looked up: anything else is simply no session. */
static int token_wellformed(const char *t)
{
	if (!t || strlen(t) != SP_SESSION_TOKEN_STRLEN)
		return 0;
	for (const char *p = t; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return 0;
	return 1;
}

/* A user's expired sessions go at their next log-in, so the table holds about one row per
 * user and device rather than one per log-in ever made. */
static int sweep_expired(struct sp_access *a, const struct sp_id *user, int64_t now,
			 struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store,
				  "DELETE FROM sessions WHERE user_id = ? AND expires_us <= ?", &st,
				  err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, user) || sp_stmt_bind_int64(st, 2, now))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

int sp_session_create(struct sp_access *a, const struct sp_keys *k, const struct sp_user *u,
		      int64_t ttl_s, char token[SP_SESSION_TOKEN_SIZE],
		      char csrf[SP_SESSION_TOKEN_SIZE], struct sp_session *out, struct sp_err *err)
{
	struct sp_session s;
	unsigned char token_hash[SP_KEY_LEN];
	memset(&s, 0, sizeof s);
	token[0] = csrf[0] = '\0';
	if (ttl_s <= 0 || ttl_s > 30LL * 24 * 3600)
		return sp_err_set(err, SP_EINVAL, "session-ttl-s", "must be 1 second to 30 days");
	token_new(token);
	token_new(csrf);
	sp_keys_token_hash(k, token, SP_SESSION_TOKEN_STRLEN, token_hash);
	sp_keys_token_hash(k, csrf, SP_SESSION_TOKEN_STRLEN, s.csrf_hash);
	sp_id_new(&s.id);
	s.user = u->id;
	s.created_us = sp_now_us();
	s.expires_us = s.created_us + ttl_s * 1000000;

	struct sp_subject who;
	sp_user_subject(u, &who);
	struct access_event ev = {.action = "session.create", .actor = &who,
				  .object_kind = "session", .object = s.id};
	struct sp_stmt *st = NULL;
	int rc = sp_store_begin_write(a->store, err);
	if (rc)
		goto out;
	rc = sp_store_prepare(a->store,
			      "INSERT INTO sessions (id, token_hash, csrf_hash, user_id, created_us, "
			      "expires_us) VALUES (?, ?, ?, ?, ?, ?)",
			      &st, err);
	if (!rc) {
		if (sp_stmt_bind_id(st, 1, &s.id) ||
		    sp_stmt_bind_blob(st, 2, token_hash, sizeof token_hash) ||
		    sp_stmt_bind_blob(st, 3, s.csrf_hash, sizeof s.csrf_hash) ||
		    sp_stmt_bind_id(st, 4, &s.user) || sp_stmt_bind_int64(st, 5, s.created_us) ||
		    sp_stmt_bind_int64(st, 6, s.expires_us))
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		else
			rc = sp_stmt_step(st, err);
		sp_stmt_done(st);
	}
	if (rc >= 0)
		rc = sweep_expired(a, &s.user, s.created_us, err);
	rc = access_finish(a, rc < 0 ? rc : SP_OK, &ev, err);
out:
	sodium_memzero(token_hash, sizeof token_hash);
	if (rc) {
		sodium_memzero(token, SP_SESSION_TOKEN_SIZE);
		sodium_memzero(csrf, SP_SESSION_TOKEN_SIZE);
		return rc;
	}
	*out = s;
	return SP_OK;
}

int sp_session_lookup(struct sp_access *a, const struct sp_keys *k, const char *token,
		      struct sp_session *out, struct sp_user *user, struct sp_err *err)
{
	if (!token_wellformed(token))
		return sp_err_set(err, SP_ENOTFOUND, "", "no such session");
	unsigned char h[SP_KEY_LEN];
	sp_keys_token_hash(k, token, SP_SESSION_TOKEN_STRLEN, h);
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store,
				  "SELECT s.id, s.user_id, s.created_us, s.expires_us, s.csrf_hash, "
				  ACCESS_USER_COLS " FROM sessions s JOIN users u ON u.id = s.user_id "
				  "JOIN agencies g ON g.id = u.agency_id "
				  "WHERE s.token_hash = ? AND s.expires_us > ? AND u.disabled = 0",
				  &st, err);
	if (rc)
		goto out;
	if (sp_stmt_bind_blob(st, 1, h, sizeof h) || sp_stmt_bind_int64(st, 2, sp_now_us()))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 1) {
		size_t n = 0;
		const void *csrf = sp_stmt_blob(st, 4, &n);
		memset(out, 0, sizeof *out);
		if (sp_stmt_id(st, 0, &out->id) || sp_stmt_id(st, 1, &out->user) || !csrf ||
		    n != sizeof out->csrf_hash) {
			rc = sp_err_set(err, SP_EINTERNAL, "", "malformed sessions row");
		} else {
			out->created_us = sp_stmt_int64(st, 2);
			out->expires_us = sp_stmt_int64(st, 3);
			memcpy(out->csrf_hash, csrf, n);
			rc = user ? access_user_row(st, 5, user, NULL, err) : SP_OK;
		}
	} else if (rc == 0) {
		rc = sp_err_set(err, SP_ENOTFOUND, "", "no such session");
	}
	sp_stmt_done(st);
out:
	sodium_memzero(h, sizeof h);
	return rc;
}

int sp_session_csrf_ok(const struct sp_keys *k, const struct sp_session *s, const char *csrf)
{
	if (!token_wellformed(csrf))
		return 0;
	unsigned char h[SP_KEY_LEN];
	sp_keys_token_hash(k, csrf, SP_SESSION_TOKEN_STRLEN, h);
	int ok = sodium_memcmp(h, s->csrf_hash, sizeof h) == 0;
	sodium_memzero(h, sizeof h);
	return ok;
}

int sp_session_end(struct sp_access *a, const struct sp_session *s, struct sp_err *err)
{
	struct sp_user u = {0};
	struct sp_subject who;
	int rc = sp_user_get(a, &s->user, &u, err);
	if (rc)
		return rc;
	sp_user_subject(&u, &who);
	struct access_event ev = {.action = "session.end", .actor = &who,
				  .object_kind = "session", .object = s->id};
	rc = sp_store_begin_write(a->store, err);
	if (rc)
		return rc;
	struct sp_stmt *st;
	rc = sp_store_prepare(a->store, "DELETE FROM sessions WHERE id = ?", &st, err);
	if (!rc) {
		if (sp_stmt_bind_id(st, 1, &s->id))
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		else
			rc = sp_stmt_step(st, err);
		if (rc == 0 && sp_stmt_changes(st) != 1)
			rc = sp_err_set(err, SP_ENOTFOUND, "", "no such session");
		sp_stmt_done(st);
	}
	return access_finish(a, rc < 0 ? rc : SP_OK, &ev, err);
}

int access_session_end_user(struct sp_access *a, const struct sp_id *user, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store, "DELETE FROM sessions WHERE user_id = ?", &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, user))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}
