/* Versioned data keys in table data_keys (migration 0001; this file owns the table): each
 * row holds one key wrapped by the master key's wrapping subkey, bound to its version:
 *   wrapped = sp_wrap_key_(wrap subkey, key, ad = "safepath.data_key" ‖ version u32 BE).
 * Opening loads every version (old data keeps opening); rotating adds the next one. */
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "safepath/store.h"

#define VERSION_MAX 0x7fffffff

static const char ad_label[] = "safepath.data_key";
#define AD_LEN (sizeof ad_label - 1 + 4)

static void wrap_ad(uint32_t version, unsigned char ad[AD_LEN])
{
	memcpy(ad, ad_label, sizeof ad_label - 1);
	sp_put32(ad + sizeof ad_label - 1, version);
}

/* Load the versions above `after` into k, inside one read transaction. */
static int load(struct sp_store *s, struct sp_keys *k, uint32_t after, struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	unsigned char *keys = NULL;
	uint32_t *versions = NULL;
	size_t count = 0, n = 0;
	int rc = sp_store_begin_read(s, err);
	if (rc)
		return rc;
	rc = sp_store_prepare(s, "SELECT COUNT(*) FROM data_keys WHERE version > ?", &st, err);
	if (rc)
		goto out;
	if ((rc = sp_stmt_bind_int64(st, 1, after)) == SP_OK)
		rc = sp_stmt_step(st, err);
	if (rc == 1) {
		int64_t c = sp_stmt_int64(st, 0);
		rc = c < 0 || c > VERSION_MAX ? SP_FAIL(err, SP_EINTERNAL, "", "data_keys: bad count") : SP_OK;
		count = (size_t)c;
	} else if (rc == 0) {
		rc = SP_FAIL(err, SP_EINTERNAL, "", "data_keys: no count");
	}
	sp_stmt_done(st);
	st = NULL;
	if (rc || count == 0)
		goto out;
	keys = sodium_malloc(count * SP_KEY_LEN);
	versions = calloc(count, sizeof *versions);
	if (!keys || !versions) {
		rc = SP_FAIL(err, SP_ENOMEM, "", "out of memory for data keys");
		goto out;
	}
	rc = sp_store_prepare(s, "SELECT version, wrapped FROM data_keys WHERE version > ? "
				 "ORDER BY version", &st, err);
	if (rc)
		goto out;
	if ((rc = sp_stmt_bind_int64(st, 1, after)))
		goto out;
	while ((rc = sp_stmt_step(st, err)) == 1) {
		int64_t v = sp_stmt_int64(st, 0);
		size_t wlen;
		const void *w = sp_stmt_blob(st, 1, &wlen);
		unsigned char ad[AD_LEN];
		if (n == count || v <= after || v > VERSION_MAX) {
			rc = SP_FAIL(err, SP_EINTERNAL, "", "data_keys: unexpected row");
			break;
		}
		versions[n] = (uint32_t)v;
		wrap_ad(versions[n], ad);
		if (sp_unwrap_key_(k->sub + SP_SUB_WRAP, w, wlen, ad, AD_LEN,
				   keys + n * SP_KEY_LEN) != SP_OK) {
			rc = SP_FAIL(err, SP_ECRYPTO, "key-file",
				     "the master key does not open the data keys (wrong key file or passphrase?)");
			break;
		}
		n++;
	}
	if (rc == 0 && n != count)
		rc = SP_FAIL(err, SP_EINTERNAL, "", "data_keys changed while loading");
	if (rc == 0)
		rc = sp_keys_add_data_keys_(k, versions, keys, n, err);
out:
	if (st)
		sp_stmt_done(st);
	if (sp_store_in_transaction(s)) {
		if (rc == SP_OK)
			rc = sp_store_commit(s, err);
		if (rc)
			sp_store_rollback(s);
	}
	sodium_free(keys);
	free(versions);
	return rc;
}

/* In a write transaction: add version max+1 (or 1). With only_if_empty, do nothing when a
 * version exists (another process created the first one). */
static int add_version(struct sp_store *s, const struct sp_keys *k, int only_if_empty,
		       struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	unsigned char *key = NULL;
	int rc = sp_store_begin_write(s, err);
	if (rc)
		return rc;
	int64_t max = 0;
	rc = sp_store_prepare(s, "SELECT COALESCE(MAX(version), 0) FROM data_keys", &st, err);
	if (rc)
		goto out;
	rc = sp_stmt_step(st, err);
	if (rc == 1) {
		max = sp_stmt_int64(st, 0);
		rc = SP_OK;
	} else if (rc == 0) {
		rc = SP_FAIL(err, SP_EINTERNAL, "", "data_keys: no maximum");
	}
	sp_stmt_done(st);
	st = NULL;
	if (rc || (only_if_empty && max > 0))
		goto out;
	if (max < 0 || max >= VERSION_MAX) {
		rc = SP_FAIL(err, SP_EINTERNAL, "", "data_keys: no version left");
		goto out;
	}
	uint32_t version = (uint32_t)max + 1;
	unsigned char ad[AD_LEN], wrapped[SP_WRAPPED_LEN];
	if (!(key = sodium_malloc(SP_KEY_LEN))) {
		rc = SP_FAIL(err, SP_ENOMEM, "", "out of memory");
		goto out;
	}
	crypto_aead_xchacha20poly1305_ietf_keygen(key);
	wrap_ad(version, ad);
	sp_wrap_key_(k->sub + SP_SUB_WRAP, key, ad, AD_LEN, wrapped);
	rc = sp_store_prepare(s, "INSERT INTO data_keys (version, wrapped, created_us) VALUES (?, ?, ?)",
			      &st, err);
	if (rc)
		goto out;
	if ((rc = sp_stmt_bind_int64(st, 1, version)) || (rc = sp_stmt_bind_blob(st, 2, wrapped, sizeof wrapped)) ||
	    (rc = sp_stmt_bind_int64(st, 3, sp_now_us())))
		goto out;
	rc = sp_stmt_step(st, err);
	if (rc > 0)
		rc = SP_OK;
out:
	if (st)
		sp_stmt_done(st);
	if (rc == SP_OK)
		rc = sp_store_commit(s, err);
	if (rc)
		sp_store_rollback(s);
	sodium_free(key); /* wipes: the next load unwraps it from the row just written */
	return rc;
}

int sp_keys_open(struct sp_store *store, const struct sp_master *m, struct sp_keys **out,
		 struct sp_err *err)
{
	struct sp_keys *k;
	*out = NULL;
	int rc = sp_keys_derive_(m, &k, err);
	if (rc)
		return rc;
	rc = load(store, k, 0, err);
	if (!rc && k->count == 0) {
		rc = add_version(store, k, 1, err);
		if (!rc)
			rc = load(store, k, 0, err);
		if (!rc && k->count == 0)
			rc = SP_FAIL(err, SP_EINTERNAL, "", "no data key after creating one");
	}
	if (rc) {
		sp_keys_free(k);
		return rc;
	}
	*out = k;
	return SP_OK;
}

int sp_keys_rotate(struct sp_store *store, struct sp_keys *k, struct sp_err *err)
{
	int rc = add_version(store, k, 0, err);
	/* Also picks up versions other processes added meanwhile. */
	return rc ? rc : load(store, k, sp_keys_data_version(k), err);
}
