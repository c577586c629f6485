/* The person key store: a database apart from the data (by default keys/persons.db beside
 * the master key file, or on PostgreSQL the data database's name + "_keys" on the same
 * server; this file owns its one table), holding each person's key wrapped by
 * a data key:
 *   person_keys(person_id, key_version, data_version, wrapped, created_us)
 *   wrapped = sp_wrap_key_(data key data_version, key,
 *             ad = "safepath.person_key" ‖ person id ‖ key_version u32 ‖ data_version u32)
 * Keys are unwrapped straight into a slot of the thread's key cache (keycache.c). Deleting a
 * row is crypto-shredding: the SQLite driver runs with secure_delete, and the store is
 * compacted afterwards (sp_store_compact: SQLite checkpoints and truncates its write-ahead
 * log) so no copy of the wrapped key stays behind. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "safepath/log.h"
#include "safepath/store.h"

#define PERSON_KEY_VERSION 1 /* per-person rotation would add versions */
#define LOAD_TRIES 4

static const char ad_label[] = "safepath.person_key";
#define AD_LEN (sizeof ad_label - 1 + SP_ID_LEN + 8)

static void wrap_ad(const struct sp_id *person, uint32_t kv, uint32_t dv, unsigned char ad[AD_LEN])
{
	unsigned char *p = ad;
	memcpy(p, ad_label, sizeof ad_label - 1);
	p += sizeof ad_label - 1;
	memcpy(p, person->b, SP_ID_LEN);
	p += SP_ID_LEN;
	sp_put32(p, kv);
	sp_put32(p + 4, dv);
}

int sp_keystore_schema_(struct sp_store *s, void *ctx, struct sp_err *err)
{
	(void)ctx;
	char sql[512];
	const struct sp_store_driver *d = sp_store_driver_of(s);
	const char *id = d->type_token("id"), *i32 = d->type_token("int"),
		   *i64 = d->type_token("int64"), *blob = d->type_token("blob");
	if (!id || !i32 || !i64 || !blob)
		return SP_FAIL(err, SP_EINTERNAL, "", "key store: driver lacks a type");
	snprintf(sql, sizeof sql,
		 "CREATE TABLE IF NOT EXISTS person_keys (person_id %s PRIMARY KEY, "
		 "key_version %s NOT NULL, data_version %s NOT NULL, wrapped %s NOT NULL, "
		 "created_us %s NOT NULL)",
		 id, i32, i32, blob, i64);
	return sp_store_exec(s, sql, err);
}

int sp_keystore_open(const char *url, int create, struct sp_keystore **out, struct sp_err *err)
{
	struct sp_store_options opt = {.busy_timeout_ms = 5000, .create = create};
	struct sp_store *s;
	*out = NULL;
	/* A file beside the key file: its folder may not exist yet (passphrase mode). */
	if (create && (strncmp(url, "sqlite:", 7) == 0 || !strstr(url, "://"))) {
		int rc = sp_private_dirs_(strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url, err);
		if (rc)
			return rc;
	}
	int rc = sp_store_open(url, &opt, &s, err);
	if (rc)
		return rc;
	if ((rc = sp_keystore_schema_(s, NULL, err))) {
		sp_store_close(s);
		return rc;
	}
	struct sp_keystore *ks = calloc(1, sizeof *ks);
	if (!ks) {
		sp_store_close(s);
		return SP_FAIL(err, SP_ENOMEM, "", "out of memory");
	}
	unsigned char h[8];
	crypto_generichash(h, sizeof h, (const unsigned char *)url, strlen(url), NULL, 0);
	for (int i = 0; i < 8; i++)
		ks->tag = ks->tag << 8 | h[i];
	ks->store = s;
	const char *path = strncmp(url, "sqlite:", 7) == 0 ? url + 7 : url;
	if (!strstr(url, "://") && !(ks->path = strdup(path))) {
		sp_keystore_close(ks);
		return SP_FAIL(err, SP_ENOMEM, "", "out of memory");
	}
	*out = ks;
	return SP_OK;
}

void sp_keystore_close(struct sp_keystore *ks)
{
	if (!ks)
		return;
	sp_store_close(ks->store);
	free(ks->path);
	free(ks->backups);
	free(ks);
}

int sp_keystore_set_backup_dir(struct sp_keystore *ks, const char *dir, struct sp_err *err)
{
	char *d = strdup(dir);
	if (!d)
		return SP_FAIL(err, SP_ENOMEM, "", "out of memory");
	free(ks->backups);
	ks->backups = d;
	return SP_OK;
}

int sp_keystore_default_url(const char *key_path, const char *db_url, struct sp_buf *out)
{
	if (db_url && (strncmp(db_url, "postgresql://", 13) == 0 ||
		       strncmp(db_url, "postgres://", 11) == 0))
		return sp_store_sibling_url(db_url, "_keys", out);
	const char *slash = strrchr(key_path, '/');
	int rc = sp_buf_adds(out, "sqlite:");
	if (!rc && slash)
		rc = sp_buf_add(out, key_path, (size_t)(slash - key_path) + 1);
	return rc ? rc : sp_buf_adds(out, "persons.db");
}

struct sp_store *sp_keystore_store(struct sp_keystore *ks)
{
	return ks->store;
}

/* Unwrap the key of a row whose columns from col are key_version, data_version and wrapped
 * into mem: SP_OK, or the error. */
static int unwrap_row(struct sp_stmt *st, int col, const struct sp_keys *k,
		      const struct sp_id *person, unsigned char *mem, uint32_t *kv,
		      struct sp_err *err)
{
	int64_t v = sp_stmt_int64(st, col), dv = sp_stmt_int64(st, col + 1);
	size_t wlen;
	const void *w = sp_stmt_blob(st, col + 2, &wlen);
	unsigned char ad[AD_LEN];
	const unsigned char *dk = dv > 0 && dv <= UINT32_MAX ? sp_keys_data_key_(k, (uint32_t)dv) : NULL;
	if (v <= 0 || v > UINT32_MAX || !dk)
		return SP_FAIL(err, SP_ECRYPTO, "", "person key wrapped by an unknown data key");
	*kv = (uint32_t)v;
	wrap_ad(person, *kv, (uint32_t)dv, ad);
	if (sp_unwrap_key_(dk, w, wlen, ad, AD_LEN, mem) != SP_OK)
		return SP_FAIL(err, SP_ECRYPTO, "", "a person key does not open");
	return SP_OK;
}

/* Read the person's row and unwrap it into mem. 1 = found, 0 = no row, < 0 = error. */
static int read_key(struct sp_store *s, const struct sp_keys *k, const struct sp_id *person,
		    unsigned char *mem, uint32_t *kv, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(s, "SELECT key_version, data_version, wrapped FROM person_keys "
				     "WHERE person_id = ?", &st, err);
	if (rc)
		return rc;
	if ((rc = sp_stmt_bind_id(st, 1, person)) == SP_OK)
		rc = sp_stmt_step(st, err);
	if (rc == 1 && (rc = unwrap_row(st, 0, k, person, mem, kv, err)) == SP_OK)
		rc = 1;
	sp_stmt_done(st);
	return rc;
}

static int insert_key(struct sp_store *s, const struct sp_keys *k, const struct sp_id *person,
		      unsigned char *mem, struct sp_err *err)
{
	struct sp_stmt *st;
	unsigned char ad[AD_LEN], wrapped[SP_WRAPPED_LEN];
	uint32_t dv = sp_keys_data_version(k);
	const unsigned char *dk = sp_keys_data_key_(k, dv);
	if (!dk)
		return SP_FAIL(err, SP_EINTERNAL, "", "no data key loaded");
	crypto_aead_xchacha20poly1305_ietf_keygen(mem);
	wrap_ad(person, PERSON_KEY_VERSION, dv, ad);
	sp_wrap_key_(dk, mem, ad, AD_LEN, wrapped);
	int rc = sp_store_prepare(s, "INSERT INTO person_keys (person_id, key_version, data_version, "
				     "wrapped, created_us) VALUES (?, ?, ?, ?, ?)", &st, err);
	if (rc)
		return rc;
	if ((rc = sp_stmt_bind_id(st, 1, person)) || (rc = sp_stmt_bind_int64(st, 2, PERSON_KEY_VERSION)) ||
	    (rc = sp_stmt_bind_int64(st, 3, dv)) || (rc = sp_stmt_bind_blob(st, 4, wrapped, sizeof wrapped)) ||
	    (rc = sp_stmt_bind_int64(st, 5, sp_now_us())))
		rc = SP_FAIL(err, rc, "", "key store: bind failed");
	else
		rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

/* Read the key, or (with create) make it; one transaction, key written into mem. */
static int load_or_create(struct sp_store *s, const struct sp_keys *k, const struct sp_id *person,
			  int create, unsigned char *mem, uint32_t *kv, struct sp_err *err)
{
	int rc = create ? sp_store_begin_write(s, err) : sp_store_begin_read(s, err);
	if (rc)
		return rc;
	rc = read_key(s, k, person, mem, kv, err);
	if (rc == 0 && !create)
		rc = SP_FAIL(err, SP_ENOTFOUND, "", "no key for this person");
	else if (rc == 0) {
		*kv = PERSON_KEY_VERSION;
		rc = insert_key(s, k, person, mem, err);
	} else if (rc == 1) {
		rc = SP_OK;
	}
	if (rc == SP_OK)
		rc = sp_store_commit(s, err);
	if (rc)
		sp_store_rollback(s);
	return rc;
}

int sp_person_key_get(struct sp_keystore *ks, const struct sp_keys *k,
		      const struct sp_id *person, int create, struct sp_person_key *out,
		      struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	int rc = sp_keycache_find_(ks->tag, person, out, err);
	if (rc != SP_ENOTFOUND)
		return rc;
	for (int tries = 0; tries < LOAD_TRIES; tries++) {
		uint32_t slot, kv = 0;
		unsigned char *mem;
		uint64_t epoch = sp_keycache_epoch_();
		if ((rc = sp_keycache_claim_(&slot, &mem, err)))
			return rc;
		rc = load_or_create(ks->store, k, person, create, mem, &kv, err);
		if (rc) {
			sp_keycache_abandon_(slot);
			return rc;
		}
		rc = sp_keycache_publish_(slot, ks->tag, person, kv, epoch, out);
		if (rc != SP_EBUSY)
			return rc;
	}
	return SP_FAIL(err, SP_EBUSY, "", "person keys kept being destroyed while loading: retry");
}

int sp_person_keys_create(struct sp_keystore *ks, const struct sp_keys *k,
			  const struct sp_id *persons, size_t n, struct sp_err *err)
{
	/* one scratch key, wiped and freed by sodium_free: nothing is cached */
	unsigned char *mem = sodium_malloc(SP_KEY_LEN);
	if (!mem)
		return SP_FAIL(err, SP_ENOMEM, "", "out of memory");
	int rc = sp_store_begin_write(ks->store, err);
	if (!rc)
		rc = sp_store_defer_begin(ks->store, err);
	for (size_t i = 0; !rc && i < n; i++)
		rc = insert_key(ks->store, k, &persons[i], mem, err);
	if (!rc)
		rc = sp_store_commit(ks->store, err);
	if (rc)
		sp_store_rollback(ks->store);
	sodium_free(mem);
	return rc;
}

/* The IN list of sp_person_keys_cache: SP_PERSON_KEYS_CACHED placeholders, one statement
 * whatever the count (the ids missing repeat the first). */
static void in_list(char *sql, size_t cap)
{
	size_t at = (size_t)snprintf(sql, cap, "SELECT person_id, key_version, data_version, "
					       "wrapped FROM person_keys WHERE person_id IN (?");
	for (int i = 1; i < SP_PERSON_KEYS_CACHED && at + 4 < cap; i++, at += 3)
		memcpy(sql + at, ", ?", 4);
	if (at + 2 <= cap)
		memcpy(sql + at, ")", 2);
}

int sp_person_keys_cache(struct sp_keystore *ks, const struct sp_keys *k,
			 const struct sp_id *persons, size_t n, struct sp_err *err)
{
	if (n == 0 || n > SP_PERSON_KEYS_CACHED)
		return SP_FAIL(err, SP_EINVAL, "", "1 to %d keys at a time", SP_PERSON_KEYS_CACHED);
	char sql[128 + 3 * SP_PERSON_KEYS_CACHED];
	in_list(sql, sizeof sql);
	struct sp_stmt *st = NULL;
	uint64_t epoch = sp_keycache_epoch_();
	int rc = sp_store_begin_read(ks->store, err);
	if (!rc)
		rc = sp_store_prepare(ks->store, sql, &st, err);
	for (int i = 0; !rc && i < SP_PERSON_KEYS_CACHED; i++)
		if (sp_stmt_bind_id(st, i + 1, &persons[(size_t)i < n ? (size_t)i : 0]))
			rc = SP_FAIL(err, SP_EINTERNAL, "", "key store: bind failed");
	while (!rc && (rc = sp_stmt_step(st, err)) == 1) {
		struct sp_id person;
		struct sp_person_key pk;
		uint32_t slot, kv = 0;
		unsigned char *mem;
		rc = sp_stmt_id(st, 0, &person) ? SP_FAIL(err, SP_ECRYPTO, "", "a person key row without its person")
						 : sp_keycache_claim_(&slot, &mem, err);
		if (rc)
			break;
		rc = unwrap_row(st, 1, k, &person, mem, &kv, err);
		if (rc)
			sp_keycache_abandon_(slot);
		else /* a key destroyed meanwhile: publish wipes the slot, the key is read again */
			(void)sp_keycache_publish_(slot, ks->tag, &person, kv, epoch, &pk);
	}
	sp_stmt_done(st);
	if (!rc)
		rc = sp_store_commit(ks->store, err);
	if (rc)
		sp_store_rollback(ks->store);
	return rc;
}

int sp_keystore_delete_(struct sp_store *s, const struct sp_id *person, int64_t *deleted,
			struct sp_err *err)
{
	struct sp_stmt *st = NULL;
	int rc = sp_store_prepare(s, "DELETE FROM person_keys WHERE person_id = ?", &st, err);
	if (!rc && (rc = sp_stmt_bind_id(st, 1, person)))
		rc = SP_FAIL(err, rc, "", "key store: bind failed");
	if (!rc)
		rc = sp_stmt_step(st, err);
	if (rc >= 0 && deleted)
		*deleted = sp_stmt_changes(st);
	if (st)
		sp_stmt_done(st);
	return rc > 0 ? SP_OK : rc;
}

int sp_person_key_destroy(struct sp_keystore *ks, const struct sp_id *person, struct sp_err *err)
{
	int rc = sp_store_begin_write(ks->store, err);
	if (!rc)
		rc = sp_keystore_delete_(ks->store, person, NULL, err);
	if (rc == SP_OK)
		rc = sp_store_commit(ks->store, err);
	if (rc)
		sp_store_rollback(ks->store);
	/* Wipe cached copies whatever happened: a wiped cache only costs a reload. */
	sp_keycache_forget_(person);
	if (rc == SP_OK) {
		struct sp_err ignore = {0};
		/* Best effort (a reader can hold the log): the row is already gone from the
		 * database pages, which secure_delete overwrote. */
		if (sp_store_compact(ks->store, &ignore) != SP_OK)
			sp_log(SP_LOG_WARN, "crypto.keystore_checkpoint", "status",
			       sp_status_name(ignore.code), (const char *)NULL);
	}
	return rc;
}
