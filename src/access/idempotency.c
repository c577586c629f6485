/* Idempotency keys (the idempotency_keys table): what a create made under a client's key, so
 * that a retry gets the first answer instead of a second resource. The record is written by
 * the create's owning operation in the create's own transaction (sp_idem_record), so a
 * response lost after the commit is found on retry; keys and fingerprints are keyed hashes. */
#include <pthread.h>
#include <string.h>

#include <sodium.h>

#include "safepath/idempotency.h"

#define CLAIMS_MAX 256 /* keys served at once in one process */

static pthread_mutex_t claims_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char claims[CLAIMS_MAX][SP_KEY_LEN];
static unsigned char claimed[CLAIMS_MAX];

int sp_idem_key_check(const char *key, struct sp_err *err)
{
	size_t n = key ? strlen(key) : 0;
	if (n == 0 || n > SP_IDEM_KEY_MAX)
		return sp_err_set(err, SP_EINVAL, "Idempotency-Key", "must be 1 to 255 characters");
	for (size_t i = 0; i < n; i++)
		if (key[i] < 0x20 || key[i] > 0x7e)
			return sp_err_set(err, SP_EINVAL, "Idempotency-Key",
					  "must be printable ASCII characters only");
	return SP_OK;
}

/* A part with its length first, so that ("ab", "c") and ("a", "bc") differ. */
static void hash_part(crypto_generichash_state *st, const void *p, size_t n)
{
	unsigned char len[8];
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)((uint64_t)n >> (8 * i));
	crypto_generichash_update(st, len, sizeof len);
	crypto_generichash_update(st, p, n);
}

static void keyed_hash(const struct sp_keys *k, const char *tag, const struct sp_id *user,
		       const char *const *parts, size_t n, unsigned char out[SP_KEY_LEN])
{
	crypto_generichash_state st;
	crypto_generichash_init(&st, sp_keys_token_key(k), SP_KEY_LEN, SP_KEY_LEN);
	hash_part(&st, tag, strlen(tag));
	hash_part(&st, user->b, SP_ID_LEN);
	for (size_t i = 0; i < n; i++)
		hash_part(&st, parts[i], parts[i] ? strlen(parts[i]) : 0);
	crypto_generichash_final(&st, out, SP_KEY_LEN);
	sodium_memzero(&st, sizeof st);
}

void sp_idem_init(struct sp_idem *ctx, const struct sp_keys *k, const struct sp_id *user,
		  const char *key, const char *const *parts, size_t n_parts, int status,
		  int64_t ttl_s)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->user = *user;
	ctx->status = status;
	ctx->ttl_s = ttl_s;
	keyed_hash(k, "safepath idempotency key", user, &key, 1, ctx->key_hash);
	keyed_hash(k, "safepath idempotency request", user, parts, n_parts, ctx->request_hash);
}

int sp_idem_find(struct sp_store *s, const struct sp_idem *ctx, struct sp_idem_record *out,
		 struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(s,
				  "SELECT request_hash, status, kind, resource_id, parent_id "
				  "FROM idempotency_keys "
				  "WHERE user_id = ? AND key_hash = ? AND expires_us >= ?",
				  &st, err);
	if (rc)
		return rc;
	memset(out, 0, sizeof *out);
	if (sp_stmt_bind_id(st, 1, &ctx->user) ||
	    sp_stmt_bind_blob(st, 2, ctx->key_hash, SP_KEY_LEN) ||
	    sp_stmt_bind_int64(st, 3, sp_now_us()))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "/idempotency-key", "no such key");
	if (rc == 1) {
		size_t n = 0;
		const void *h = sp_stmt_blob(st, 0, &n);
		const char *kind = sp_stmt_text(st, 2);
		int64_t status = sp_stmt_int64(st, 1);
		if (!h || n != SP_KEY_LEN || !kind || strlen(kind) >= sizeof out->kind ||
		    status < 100 || status > 599 || sp_stmt_id(st, 3, &out->resource) ||
		    (!sp_stmt_is_null(st, 4) && sp_stmt_id(st, 4, &out->parent))) {
			rc = sp_err_set(err, SP_EINTERNAL, "", "malformed idempotency_keys row");
		} else {
			out->same_request = sodium_memcmp(h, ctx->request_hash, SP_KEY_LEN) == 0;
			out->status = (int)status;
			memcpy(out->kind, kind, strlen(kind) + 1);
			rc = SP_OK;
		}
	}
	sp_stmt_done(st);
	return rc;
}

static int purge_expired(struct sp_store *s, int64_t now, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(s, "DELETE FROM idempotency_keys WHERE expires_us < ?", &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_int64(st, 1, now))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

int sp_idem_record(struct sp_store *s, const struct sp_idem *ctx, const char *kind,
		   const struct sp_id *resource, const struct sp_id *parent, struct sp_err *err)
{
	int64_t now = sp_now_us();
	int rc = purge_expired(s, now, err);
	struct sp_stmt *st = NULL;
	if (!rc)
		rc = sp_store_prepare(s,
				      "INSERT INTO idempotency_keys (user_id, key_hash, request_hash, "
				      "status, kind, resource_id, parent_id, created_us, expires_us) "
				      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
				      &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_id(st, 1, &ctx->user) ||
	    sp_stmt_bind_blob(st, 2, ctx->key_hash, SP_KEY_LEN) ||
	    sp_stmt_bind_blob(st, 3, ctx->request_hash, SP_KEY_LEN) ||
	    sp_stmt_bind_int64(st, 4, ctx->status) || sp_stmt_bind_text(st, 5, kind) ||
	    sp_stmt_bind_id(st, 6, resource) ||
	    (parent ? sp_stmt_bind_id(st, 7, parent) : sp_stmt_bind_null(st, 7)) ||
	    sp_stmt_bind_int64(st, 8, now) ||
	    sp_stmt_bind_int64(st, 9, now + ctx->ttl_s * 1000000))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	if (rc == SP_ECONFLICT)
		return sp_err_set(err, SP_ECONFLICT, "/idempotency-key",
				  "the key was used by another request meanwhile");
	return rc < 0 ? rc : SP_OK;
}

int sp_idem_claim(const struct sp_idem *ctx, struct sp_err *err)
{
	int free_slot = -1, rc = SP_OK;
	pthread_mutex_lock(&claims_lock);
	for (int i = 0; i < CLAIMS_MAX && rc == SP_OK; i++) {
		if (!claimed[i])
			free_slot = free_slot < 0 ? i : free_slot;
		else if (memcmp(claims[i], ctx->key_hash, SP_KEY_LEN) == 0)
			rc = sp_err_set(err, SP_ECONFLICT, "/idempotency-key",
					"a request with this key is still running");
	}
	if (rc == SP_OK && free_slot < 0)
		rc = sp_err_set(err, SP_EBUSY, "", "too many keyed requests at once");
	if (rc == SP_OK) {
		memcpy(claims[free_slot], ctx->key_hash, SP_KEY_LEN);
		claimed[free_slot] = 1;
	}
	pthread_mutex_unlock(&claims_lock);
	return rc;
}

void sp_idem_release(const struct sp_idem *ctx)
{
	pthread_mutex_lock(&claims_lock);
	for (int i = 0; i < CLAIMS_MAX; i++)
		if (claimed[i] && memcmp(claims[i], ctx->key_hash, SP_KEY_LEN) == 0) {
			claimed[i] = 0;
			break;
		}
	pthread_mutex_unlock(&claims_lock);
}
