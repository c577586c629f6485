/* Backups of the data store (DESIGN.md §4): an online copy, encrypted under the backup
 * subkey with an authenticated header, written atomically and verified by reading it back;
 * and the restore of such a file into an empty store, followed by the signed restore
 * checkpoint. Never the per-person key store: that one has its own short-lived backups
 * (sp_keystore_backup_*, in crypto.h). */
#ifndef SAFEPATH_BACKUP_H
#define SAFEPATH_BACKUP_H

#include <stdint.h>

#include "safepath/audit.h"
#include "safepath/crypto.h"
#include "safepath/store.h"

#define SP_BACKUP_FORMAT 1
#define SP_BACKUP_KIND_MAX 16

/* What the file says of itself, authenticated with the rest. */
struct sp_backup_header {
	int format;                      /* SP_BACKUP_FORMAT */
	char store_kind[SP_BACKUP_KIND_MAX]; /* the driver it was taken from: "sqlite" */
	int schema_version;
	int64_t audit_seq;               /* the audit chain's head in the backup */
	unsigned char audit_mac[SP_AUDIT_MAC_LEN];
	int64_t created_us;
};

struct sp_backup_report {
	struct sp_backup_header header;
	size_t tables;
	int64_t rows;           /* in every table but schema_migrations */
	int64_t audit_records;  /* walked by the chain verification */
	uint64_t bytes;         /* of the encrypted file */
};

/* Phases: "copy", "encrypt", "verify" (write); "decrypt", "restore" (restore). done and total
 * count bytes, or rows while rows are copied. */
typedef void (*sp_backup_progress_fn)(void *ctx, const char *phase, uint64_t done,
				      uint64_t total);

/* Back s up into path: the driver's online backup (SQLite's backup API) or, for a driver
 * without one, a generic copy (sp_store_copy) into a SQLite file, in a private folder beside
 * path; encrypted into path (temporary file, fsync, rename, 0600); then read back: decrypted,
 * opened, integrity-checked (schema version, audit head and every table's row count equal to
 * what was copied) and the audit chain verified. A backup that does not verify is removed.
 * The server may be running meanwhile. */
int sp_backup_write(struct sp_store *s, const struct sp_keys *k, const struct sp_audit_keys *ak,
		    const char *path, sp_backup_progress_fn progress, void *ctx,
		    struct sp_backup_report *out, struct sp_err *err) SP_MUST;

/* Restore path into target, which must be empty (migrated here; SP_ECONFLICT naming a table
 * with data otherwise): decrypted into a private folder under work_dir, its header and audit
 * chain checked, the schema migrated to this program's, copied in one transaction
 * (sp_store_copy), then the signed restore checkpoint appended to audit_dir. A wrong key, a
 * changed or cut file: SP_ECRYPTO or SP_EINVAL, and nothing is written to target. */
int sp_backup_restore(const char *path, struct sp_store *target, const struct sp_keys *k,
		      const struct sp_audit_keys *ak, const char *work_dir, const char *audit_dir,
		      sp_backup_progress_fn progress, void *ctx, struct sp_backup_report *out,
		      struct sp_err *err) SP_MUST;

#endif
