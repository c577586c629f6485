/* crypto/ internals shared by its files: the layout of struct sp_keys, the subkey map and
 * the small wrapping helpers. Not for other wings. */
#ifndef SAFEPATH_CRYPTO_INT_H
#define SAFEPATH_CRYPTO_INT_H

#include <assert.h>

#include <sodium.h>

#include "safepath/crypto.h"

/* sp_err_set whose result the analyser can see (it cannot look into err.c). */
#define SP_FAIL(err, code, ...) (sp_err_set((err), (code), __VA_ARGS__), (code))

/* Subkeys: crypto_kdf_derive_from_key(master, context, id). Changing any of these makes
 * existing data unreadable: they are part of the format. */
#define SP_KDF_CTX_KEYS "spkeys01"
#define SP_KDF_CTX_BLIND "spblind1" /* subkey id = enum sp_blind_kind */
enum {
	SP_SUBKEY_WRAP = 1,        /* wraps data keys */
	SP_SUBKEY_AUDIT_CHAIN = 2, /* keyed BLAKE2b chain of the audit trail */
	SP_SUBKEY_AUDIT_SIGN = 3,  /* Ed25519 seed of checkpoint signatures */
	SP_SUBKEY_TOKEN = 4,       /* keyed BLAKE2b of session, CSRF and API tokens */
	SP_SUBKEY_BACKUP = 5,      /* encrypted backups (sealfile.c) */
};
#define SP_BLIND_KINDS 5

#define SP_NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SP_TAG_LEN crypto_aead_xchacha20poly1305_ietf_ABYTES

struct sp_master {
	unsigned char *key; /* sodium_malloc, SP_KEY_LEN, read-only */
};

struct sp_data_key {
	uint32_t version;
	unsigned char *key; /* points into sp_keys.dk */
};

/* Every secret of an open key set sits in two guarded sodium_malloc regions, read-only once
 * filled: the subkeys, and the data keys (reallocated whole on rotation, which is rare). */
struct sp_keys {
	unsigned char *sub;       /* the layout below */
	unsigned char *dk;        /* count * SP_KEY_LEN */
	struct sp_data_key *data; /* sorted by version, ascending */
	size_t count;
	unsigned char sign_pk[SP_SIGN_PK_LEN];
};
enum {
	SP_SUB_WRAP = 0,
	SP_SUB_CHAIN = SP_SUB_WRAP + SP_KEY_LEN,
	SP_SUB_SIGN_SK = SP_SUB_CHAIN + SP_KEY_LEN,
	SP_SUB_TOKEN = SP_SUB_SIGN_SK + SP_SIGN_SK_LEN,
	SP_SUB_BACKUP = SP_SUB_TOKEN + SP_KEY_LEN,
	SP_SUB_BLIND = SP_SUB_BACKUP + SP_KEY_LEN, /* SP_BLIND_KINDS keys */
	SP_SUB_SCRATCH = SP_SUB_BLIND + SP_BLIND_KINDS * SP_KEY_LEN, /* seed while deriving */
	SP_SUB_SIZE = SP_SUB_SCRATCH + SP_KEY_LEN,
};

/* The person key store (keystore.c; its backups in keystore_backup.c). */
struct sp_keystore {
	struct sp_store *store;
	uint64_t tag; /* names this key store in the thread caches */
	char *path;   /* the file of a SQLite key store; NULL for a server database */
	char *backups; /* its backups' folder when set (sp_keystore_set_backup_dir) */
};
/* The key store's one table (keystore.c owns it), made if missing: for sp_keystore_open and
 * the plain copies of a key store's backups (an sp_store_make_fn; ctx unused). */
int sp_keystore_schema_(struct sp_store *s, void *ctx, struct sp_err *err);
/* The one DELETE of a person's row (keystore.c owns the table), in the caller's transaction;
 * *deleted (if not NULL) gets the rows it removed. */
int sp_keystore_delete_(struct sp_store *s, const struct sp_id *person, int64_t *deleted,
			struct sp_err *err);

/* Write all n bytes (retrying short writes and EINTR): 0, or -1 with errno set. */
int sp_write_all_(int fd, const unsigned char *p, size_t n);
/* Make the missing folders above file_path, each 0700 (nothing for a bare file name). */
int sp_private_dirs_(const char *file_path, struct sp_err *err);
/* A master key object around fresh sodium memory (tests, restore). */
int sp_master_from_bytes_(const unsigned char key[SP_KEY_LEN], struct sp_master **out,
			  struct sp_err *err);
/* Derive the subkeys; no data keys yet. */
int sp_keys_derive_(const struct sp_master *m, struct sp_keys **out, struct sp_err *err);
/* Install data-key versions (appended; versions must grow). The keys are copied. */
int sp_keys_add_data_keys_(struct sp_keys *k, const uint32_t *versions,
			   const unsigned char *keys, size_t n, struct sp_err *err);
const unsigned char *sp_keys_backup_key_(const struct sp_keys *k); /* SP_KEY_LEN */
const unsigned char *sp_keys_data_key_(const struct sp_keys *k, uint32_t version);
/* Seal/open with an explicit key (data or person), for sealing and for key wrapping. */
int sp_seal_with_(const unsigned char key[SP_KEY_LEN], enum sp_key_kind kind, uint32_t version,
		  const struct sp_field *f, const void *pt, size_t n, struct sp_buf *out,
		  struct sp_err *err);
/* Lock the person key's cache and point at the key (SP_ENOTFOUND when the reference is
 * stale or from another thread); unlock right after use so destruction can wipe it. */
int sp_person_key_lock_(const struct sp_person_key *pk, uint32_t version,
			const unsigned char **key);
void sp_person_key_unlock_(const struct sp_person_key *pk);
/* The thread's key cache (keycache.c). find: SP_OK with pk filled, or SP_ENOTFOUND. claim
 * reserves a wiped slot to load a key into; publish names it (SP_EBUSY: a key was destroyed
 * since epoch, the slot is wiped, load again) or abandon wipes it. forget wipes a person's
 * key in every thread's cache. */
int sp_keycache_find_(uint64_t tag, const struct sp_id *person, struct sp_person_key *pk,
		      struct sp_err *err);
uint64_t sp_keycache_epoch_(void);
int sp_keycache_claim_(uint32_t *slot, unsigned char **mem, struct sp_err *err);
void sp_keycache_abandon_(uint32_t slot);
int sp_keycache_publish_(uint32_t slot, uint64_t tag, const struct sp_id *person,
			 uint32_t version, uint64_t epoch, struct sp_person_key *pk);
void sp_keycache_forget_(const struct sp_id *person);
size_t sp_keycache_used_(void);
/* Wrap one key: out = 0x01 ‖ nonce ‖ ct ‖ tag (SP_WRAPPED_LEN bytes); ad names what it is. */
#define SP_WRAPPED_LEN (1 + SP_NONCE_LEN + SP_KEY_LEN + SP_TAG_LEN)
void sp_wrap_key_(const unsigned char kek[SP_KEY_LEN], const unsigned char key[SP_KEY_LEN],
		  const unsigned char *ad, size_t ad_len, unsigned char out[SP_WRAPPED_LEN]);
int sp_unwrap_key_(const unsigned char kek[SP_KEY_LEN], const unsigned char *wrapped, size_t n,
		   const unsigned char *ad, size_t ad_len, unsigned char key[SP_KEY_LEN]);

/* Big-endian helpers for the byte formats. */
static inline void sp_put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}
static inline uint32_t sp_get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void sp_put64(unsigned char *p, uint64_t v)
{
	sp_put32(p, (uint32_t)(v >> 32));
	sp_put32(p + 4, (uint32_t)v);
}
static inline uint64_t sp_get64(const unsigned char *p)
{
	return (uint64_t)sp_get32(p) << 32 | sp_get32(p + 4);
}

#endif
