/* Keys, field sealing, blind indexes and passwords (DESIGN.md §4).
 *
 * The master key lives outside the data folder (a key file, or a passphrase stretched with
 * Argon2id); it wraps versioned data keys kept in the database (table data_keys); data keys
 * wrap per-person keys kept in a separate key store, so destroying one person's key makes
 * their data unreadable everywhere (crypto-shredding). Fields are sealed one by one with
 * XChaCha20-Poly1305, bound to their table, column, record and key. All key material lives
 * in sodium_malloc memory. Call sodium_init() before anything here. */
#ifndef SAFEPATH_CRYPTO_H
#define SAFEPATH_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "safepath/arena.h"
#include "safepath/buf.h"
#include "safepath/err.h"
#include "safepath/id.h"

struct sp_config;
struct sp_store;

#define SP_KEY_LEN 32       /* every symmetric key and subkey */
#define SP_BLIND_LEN 32     /* a blind index value */
#define SP_SIGN_PK_LEN 32   /* Ed25519 public key */
#define SP_SIGN_SK_LEN 64   /* Ed25519 secret key (libsodium layout: seed ‖ public key) */
#define SP_FIELD_NAME_MAX 64 /* longest table or column name bound into a seal */
#define SP_SEAL_MAX (64u << 20) /* largest plaintext a field may hold */
/* A sealed field: 6-byte header ‖ 24-byte nonce ‖ ciphertext ‖ 16-byte tag. */
#define SP_SEAL_HEADER_LEN 6
#define SP_SEAL_OVERHEAD (SP_SEAL_HEADER_LEN + 24 + 16)
#define SP_PWHASH_LEN 128   /* crypto_pwhash_STRBYTES: a stored password hash, NUL included */

/* Argon2id cost: passes and memory in bytes. */
struct sp_kdf_params {
	unsigned long long ops;
	size_t mem;
};

/* ---- master key ---------------------------------------------------------------------- */

struct sp_master;

/* Create a new random master key in key_path: missing folders are made 0700, the file 0600
 * (never overwriting one). Refused when key_path resolves (symlinks and ".." followed) to
 * the data folder or anywhere inside it, and when its folder is writable by others. */
int sp_master_key_file_create(const char *key_path, const char *data_dir, struct sp_master **out,
			      struct sp_err *err) SP_MUST;
/* Load the key file: it must be a regular file owned by us (or root) with no group or other
 * permissions, outside the data folder. A missing file is SP_ENOTFOUND. */
int sp_master_key_file_load(const char *key_path, const char *data_dir, struct sp_master **out,
			    struct sp_err *err) SP_MUST;
/* Derive the master key from a passphrase with Argon2id. Salt and cost are not secret and
 * live in DATA/master.salt (format in src/crypto/master.c). With create != NULL a missing salt file
 * is made with those parameters; with create == NULL it must exist (SP_ENOTFOUND). A wrong
 * passphrase is only detected later, when the data keys fail to open (SP_ECRYPTO). */
int sp_master_from_passphrase(const char *data_dir, const char *pass, size_t pass_len,
			      const struct sp_kdf_params *create, struct sp_master **out,
			      struct sp_err *err) SP_MUST;
void sp_master_free(struct sp_master *m);
/* What every command does: with passphrase_fd >= 0, passphrase mode (read from that fd);
 * else the key file when it exists; else, when DATA/master.salt exists, passphrase mode
 * asking on the terminal; else SP_ENOTFOUND ("run init"). Nothing is created. */
int sp_master_open(const char *key_path, const char *data_dir, int passphrase_fd,
		   struct sp_master **out, struct sp_err *err) SP_MUST;

/* Read a passphrase from file descriptor fd (up to a newline or end of file), or, with fd < 0,
 * from the controlling terminal with echo off after printing prompt. Never from the
 * environment. *out is sodium_malloc memory: release it with sp_passphrase_free. An empty
 * passphrase is SP_EINVAL. */
int sp_passphrase_read(int fd, const char *prompt, char **out, size_t *len,
		       struct sp_err *err) SP_MUST;
void sp_passphrase_free(char *p);

/* The default cost for master and recovery passphrases (Argon2id "moderate": 3 passes,
 * 256 MiB, about a second) and the bounds a file may ask for. */
extern const struct sp_kdf_params sp_kdf_master_default;
int sp_kdf_params_check(const struct sp_kdf_params *p, struct sp_err *err) SP_MUST;

#define SP_RECOVERY_MIN 12 /* bytes of a recovery passphrase */
/* Wrap the master key under a recovery passphrase (Argon2id + XChaCha20-Poly1305) into a
 * new file (0600, never overwritten) with a versioned header. */
int sp_master_backup(const struct sp_master *m, const char *backup_path, const char *pass,
		     size_t pass_len, const struct sp_kdf_params *kdf, struct sp_err *err) SP_MUST;
/* Open a backup and write its master key to key_path as sp_master_key_file_create does.
 * A wrong passphrase or a changed file is SP_ECRYPTO; an existing key_path SP_ECONFLICT.
 * out may be NULL. */
int sp_master_restore(const char *backup_path, const char *pass, size_t pass_len,
		      const char *key_path, const char *data_dir, struct sp_master **out,
		      struct sp_err *err) SP_MUST;

/* ---- keys: subkeys and versioned data keys ------------------------------------------- */

struct sp_keys;

/* Derive the internal subkeys from the master key and load the data keys from the store's
 * data_keys table (migration 0001), creating version 1 when the table is empty. A master key
 * that does not open them is SP_ECRYPTO. The master key is not kept. Opened keys may be
 * shared read-only by threads; sp_keys_rotate must not run concurrently with other use. */
int sp_keys_open(struct sp_store *store, const struct sp_master *m, struct sp_keys **out,
		 struct sp_err *err) SP_MUST;
/* The subkeys alone, no data keys (nothing is read or written): what a restore into an empty
 * store, or a test, works with before the store holds data keys. */
int sp_keys_derive(const struct sp_master *m, struct sp_keys **out, struct sp_err *err) SP_MUST;
void sp_keys_free(struct sp_keys *k);
/* Add a new data-key version; new seals use it, older versions still open. */
int sp_keys_rotate(struct sp_store *store, struct sp_keys *k, struct sp_err *err) SP_MUST;
uint32_t sp_keys_data_version(const struct sp_keys *k); /* the newest */
size_t sp_keys_data_count(const struct sp_keys *k);

/* Subkeys for other modules (borrowed, valid until sp_keys_free). */
const unsigned char *sp_keys_audit_chain_key(const struct sp_keys *k); /* SP_KEY_LEN */
/* The audit checkpoint Ed25519 key pair, derived from the master key. */
void sp_keys_audit_signing(const struct sp_keys *k, const unsigned char **pk,
			   const unsigned char **sk);
const unsigned char *sp_keys_token_key(const struct sp_keys *k); /* SP_KEY_LEN */
/* Keyed BLAKE2b of a session, CSRF or API token (what the store keeps instead of it). */
void sp_keys_token_hash(const struct sp_keys *k, const void *token, size_t n,
			unsigned char out[SP_KEY_LEN]);

/* ---- encrypted files: backups (sealfile.c) ------------------------------------------- */

/* A file encrypted under the backup subkey with crypto_secretstream_xchacha20poly1305 in
 * 64 KiB chunks, the last one tagged final (so a cut file is detected), after an
 * authenticated header the caller defines (its kind named by an 8-byte magic). */
#define SP_SEALFILE_MAGIC_LEN 8
#define SP_SEALFILE_HEADER_MAX 1024
typedef void (*sp_sealfile_progress_fn)(void *ctx, uint64_t done, uint64_t total);
/* Encrypt the file src into dst atomically: a temporary file in dst's folder (0600), written,
 * fsynced and renamed over dst, the folder fsynced. progress (may be NULL) hears the bytes. */
int sp_sealfile_write(const struct sp_keys *k, const char magic[SP_SEALFILE_MAGIC_LEN],
		      const void *header, size_t header_len, const char *src, const char *dst,
		      sp_sealfile_progress_fn progress, void *ctx, struct sp_err *err) SP_MUST;
/* The same for n bytes in memory (a document never to be on disk in clear). */
int sp_sealfile_write_mem(const struct sp_keys *k, const char magic[SP_SEALFILE_MAGIC_LEN],
			  const void *header, size_t header_len, const void *data, size_t n,
			  const char *dst, struct sp_err *err) SP_MUST;
/* Decrypt src into a new file dst (0600; it must not exist) and its header into header (cap
 * bytes, *header_len its length). Not such a file: SP_EINVAL; made under another master
 * key, changed or cut short: SP_ECRYPTO, saying which. On failure dst is removed. */
int sp_sealfile_read(const struct sp_keys *k, const char magic[SP_SEALFILE_MAGIC_LEN],
		     const char *src, const char *dst, void *header, size_t cap, size_t *header_len,
		     sp_sealfile_progress_fn progress, void *ctx, struct sp_err *err) SP_MUST;
/* The same into dst, a capped buffer (SP_ETOOBIG past its cap; emptied on failure), for a
 * document never to be on disk in clear; the caller wipes it (sp_buf_free). */
int sp_sealfile_read_mem(const struct sp_keys *k, const char magic[SP_SEALFILE_MAGIC_LEN],
			 const char *src, struct sp_buf *dst, void *header, size_t cap,
			 size_t *header_len, struct sp_err *err) SP_MUST;

/* ---- person keys: a key store apart from the data ------------------------------------ */

struct sp_keystore;
struct sp_keycache;

/* A borrowed reference to a person key in this thread's key cache. It stays valid until the
 * slot is reused (the cache holds SP_KEYCACHE_SLOTS keys) or the key destroyed; a stale or
 * foreign-thread reference fails cleanly (SP_ENOTFOUND), so get it again just before use.
 * The fields are private. */
#define SP_KEYCACHE_SLOTS 256
struct sp_person_key {
	struct sp_keycache *cache_;
	uint64_t gen_;
	uint32_t slot_;
	uint32_t version_;
};

/* Open (with create, make) the key store: a separate database holding table person_keys,
 * opened with sp_store_open (see sp_keystore_default_url). */
int sp_keystore_open(const char *url, int create, struct sp_keystore **out,
		     struct sp_err *err) SP_MUST;
void sp_keystore_close(struct sp_keystore *ks);
/* The default key store URL: with a postgresql:// data URL, the same server's database named
 * like the data's with "_keys" appended; otherwise "sqlite:" + the key file's folder +
 * "/persons.db". SP_EINVAL when a PostgreSQL URL names no database. */
int sp_keystore_default_url(const char *key_path, const char *db_url, struct sp_buf *out) SP_MUST;
/* Direct access to its store (fault injection in tests). */
struct sp_store *sp_keystore_store(struct sp_keystore *ks);
/* The person's key from the thread's cache, else unwrapped from the key store; with create,
 * a missing key is made and stored (wrapped by the newest data key), else SP_ENOTFOUND. */
int sp_person_key_get(struct sp_keystore *ks, const struct sp_keys *k,
		      const struct sp_id *person, int create, struct sp_person_key *out,
		      struct sp_err *err) SP_MUST;
/* Make the keys of n new persons in one key-store transaction (the batch path of synthetic
 * data: one durable write for many keys, its rows sent as multi-row INSERTs); none of them
 * may exist. Not cached: sp_person_keys_cache reads them back a chunk at a time. */
int sp_person_keys_create(struct sp_keystore *ks, const struct sp_keys *k,
			  const struct sp_id *persons, size_t n, struct sp_err *err) SP_MUST;
/* Read the keys of n persons (1 to SP_PERSON_KEYS_CACHED) into this thread's key cache with
 * one statement (the batch path, before it seals their data: one read for many instead of
 * one each); a person without a key is left out, and read (or refused) when asked for. */
#define SP_PERSON_KEYS_CACHED (SP_KEYCACHE_SLOTS / 2)
int sp_person_keys_cache(struct sp_keystore *ks, const struct sp_keys *k,
			 const struct sp_id *persons, size_t n, struct sp_err *err) SP_MUST;
/* Crypto-shredding: delete the person's wrapped key and wipe every thread's cached copy.
 * Destroying a missing key is not an error. */
int sp_person_key_destroy(struct sp_keystore *ks, const struct sp_id *person,
			  struct sp_err *err) SP_MUST;
/* Wipe and free the calling thread's key cache (also done at thread exit). */
void sp_keycache_thread_release(void);

/* ---- the key store's own backups (keystore_backup.c) --------------------------------- */

/* Short-lived (DESIGN.md §4): encrypted copies (sealfile) of the key store, one file
 * persons-<creation time in µs>.ksb each, in a folder (0700): persons-backups/ beside a SQLite
 * key store, or the folder set with sp_keystore_set_backup_dir (the command line and the
 * server set persons-backups/ beside the key file for a key store in a server database). The
 * copy is SQLite's online backup of a key-store file, else a copy of its table in one
 * snapshot into a SQLite file (sp_store_copy_to_file). Only the newest `keep` are kept, and
 * none older than max_days; erasing a person rewrites every retained one without that
 * person's key, so no backup opens their data afterwards. Writers and rewriters take turns on
 * a lock file in the folder. */
struct sp_keystore_backup_policy {
	long keep;     /* at least 1 */
	long max_days; /* at least 1 */
};
struct sp_keystore_backup_report {
	char file[64];  /* the name written, in the folder */
	size_t retained;
	size_t removed;
};
int sp_keystore_backup(struct sp_keystore *ks, const struct sp_keys *k,
		       const struct sp_keystore_backup_policy *p,
		       struct sp_keystore_backup_report *out, struct sp_err *err) SP_MUST;
/* The folder of the key store's backups, for a key store in a server database (a file's are
 * beside it unless this names another). */
int sp_keystore_set_backup_dir(struct sp_keystore *ks, const char *dir,
			       struct sp_err *err) SP_MUST;
/* After the person's key was destroyed: rewrite the retained backups that hold it, without
 * it (*rewritten, if not NULL, counts them). SP_OK when there are none, or when the key
 * store has no backup folder (a server database's, not set). */
int sp_keystore_backups_forget(struct sp_keystore *ks, const struct sp_keys *k,
			       const struct sp_id *person, size_t *rewritten,
			       struct sp_err *err) SP_MUST;
/* Decrypt a key-store backup into path, a new file (0600; it must not exist). */
int sp_keystore_restore(const struct sp_keys *k, const char *backup, const char *path,
			struct sp_err *err) SP_MUST;
/* Restore a key-store backup into ks, a key store in a server database that holds no key:
 * decrypted in a working folder in its backup folder, then copied in one transaction
 * (sp_store_copy_plain; a failure leaves it empty). SP_ECONFLICT when it holds keys. */
int sp_keystore_restore_into(struct sp_keystore *ks, const struct sp_keys *k,
			     const char *backup, struct sp_err *err) SP_MUST;

/* ---- field sealing ------------------------------------------------------------------- */

/* Where a sealed value lives; all three are bound into the associated data, so a ciphertext
 * moved to another table, column or record fails to open. */
struct sp_field {
	const char *table;
	const char *column;
	const struct sp_id *record;
};

enum sp_key_kind { SP_KEY_DATA = 1, SP_KEY_PERSON = 2 };

/* Seal n bytes under the newest data key, or under a person's key, appending the ciphertext
 * (n + SP_SEAL_OVERHEAD bytes) to out. */
int sp_field_seal(const struct sp_keys *k, const struct sp_field *f, const void *pt, size_t n,
		  struct sp_buf *out, struct sp_err *err) SP_MUST;
int sp_field_seal_person(const struct sp_person_key *pk, const struct sp_field *f,
			 const void *pt, size_t n, struct sp_buf *out, struct sp_err *err) SP_MUST;
/* Open a sealed field; its header says which key: a data-key version from k, or the person
 * key pk (NULL when the caller has none: SP_EINVAL). Anything that fails to authenticate is
 * SP_ECRYPTO. The plaintext is appended to out (sp_buf_free zeroes it) or put, NUL-terminated,
 * in the request arena. */
int sp_field_open(const struct sp_keys *k, const struct sp_person_key *pk,
		  const struct sp_field *f, const void *ct, size_t n, struct sp_buf *out,
		  struct sp_err *err) SP_MUST;
int sp_field_open_arena(const struct sp_keys *k, const struct sp_person_key *pk,
			const struct sp_field *f, const void *ct, size_t n, struct sp_arena *a,
			unsigned char **pt, size_t *pt_len, struct sp_err *err) SP_MUST;
/* The key a sealed field names, without opening it (for re-sealing after rotation). */
int sp_field_key_of(const void *ct, size_t n, enum sp_key_kind *kind, uint32_t *version) SP_MUST;

/* ---- blind indexes ------------------------------------------------------------------- */

/* Each kind has its own key derived from the master key. */
enum sp_blind_kind {
	SP_BLIND_DOCUMENT = 1, /* type code ‖ issuing country ‖ number */
	SP_BLIND_PHONE = 2,
	SP_BLIND_CASE = 3,
	SP_BLIND_NAME = 4,     /* one name part, already normalised (sp_name_normalise) */
	SP_BLIND_MATCH = 5,    /* a matching model's blocking key: rule number ‖ key text */
};

/* Document: type a code [a-z0-9_] (lower-cased), country 2 or 3 letters (upper-cased),
 * number upper-cased keeping only A-Z and 0-9. The index covers "type|COUNTRY|NUMBER". */
int sp_blind_document(const struct sp_keys *k, const char *type, const char *country,
		      const char *number, unsigned char out[SP_BLIND_LEN], struct sp_err *err) SP_MUST;
/* Phone: digits only; a leading '+' (the first non-space character) is kept. */
int sp_blind_phone(const struct sp_keys *k, const char *phone, unsigned char out[SP_BLIND_LEN],
		   struct sp_err *err) SP_MUST;
/* Case number: upper-cased, keeping only A-Z and 0-9. */
int sp_blind_case(const struct sp_keys *k, const char *case_no, unsigned char out[SP_BLIND_LEN],
		  struct sp_err *err) SP_MUST;
/* Name part: the exact UTF-8 bytes given (normalise first). */
int sp_blind_name(const struct sp_keys *k, const char *name, size_t n,
		  unsigned char out[SP_BLIND_LEN], struct sp_err *err) SP_MUST;

/* Blocking key of a matching model (fsmodel.h's sp_fs_row_keys): the rule's number (4 bytes,
 * big-endian) then the key's n bytes, so equal keys of two rules blind apart. */
int sp_blind_match(const struct sp_keys *k, int rule, const char *key, size_t n,
		   unsigned char out[SP_BLIND_LEN], struct sp_err *err) SP_MUST;

/* The normalisations, exposed so callers and tests can see what is indexed. Each appends
 * to out; input with nothing left after normalising is SP_EINVAL. */
int sp_norm_document(const char *type, const char *country, const char *number,
		     struct sp_buf *out, struct sp_err *err) SP_MUST;
int sp_norm_phone(const char *phone, struct sp_buf *out, struct sp_err *err) SP_MUST;
int sp_norm_case(const char *case_no, struct sp_buf *out, struct sp_err *err) SP_MUST;
/* Names (ICU): Unicode case fold, NFD, drop non-spacing marks (diacritics), whitespace runs
 * collapsed to one space and trimmed. "  José MARÍA " -> "jose maria". Invalid UTF-8 is
 * SP_EINVAL. */
int sp_name_normalise(const char *in, size_t n, struct sp_buf *out, struct sp_err *err) SP_MUST;

/* ---- passwords ----------------------------------------------------------------------- */

/* The cost from configuration (argon2-ops, argon2-mem-kib), checked against sane bounds. */
int sp_pwhash_params_from_config(const struct sp_config *c, struct sp_kdf_params *out,
				 struct sp_err *err) SP_MUST;
/* Argon2id hash string ($argon2id$v=19$m=...) with the given cost. */
int sp_password_hash(const char *pw, size_t n, const struct sp_kdf_params *p,
		     char out[SP_PWHASH_LEN], struct sp_err *err) SP_MUST;
/* 0 when pw matches stored, SP_EDENIED when not. stored == NULL (unknown user) verifies
 * against a dummy hash of the same cost, so the answer takes as long and is SP_EDENIED.
 * On success *rehash (if not NULL) says the hash used another cost: store a new one. */
int sp_password_verify(const char *stored, const char *pw, size_t n,
		       const struct sp_kdf_params *p, int *rehash, struct sp_err *err) SP_MUST;

#endif
