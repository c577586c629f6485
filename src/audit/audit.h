/* Inside the audit wing: the canonical record encoding and the checkpoint line format, shared
 * by the trail (append, list), the checkpoint writer and verify. */
#ifndef SAFEPATH_AUDIT_INT_H
#define SAFEPATH_AUDIT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "safepath/audit.h"

/* Canonical encoding v1, fixed field order, integers big-endian, strings as a u32 length
 * then the bytes, ids as 16 raw bytes:
 *   u8 version (1) | i64 seq | i64 ts_us | actor | agency | roles | action | object_type |
 *   object_id | u32 nobjects, then each object id | fields | reason | u32 flags | request_id
 * It is what the chain MACs, so it is the same whichever store holds the rows. */
#define SP_AUDIT_ENC_VERSION 1
#define SP_AUDIT_ENC_MAX                                                                   \
	(1 + 8 + 8 + 3 * SP_ID_LEN + 4 + 6 * 4 + 5 * SP_AUDIT_TOKEN_MAX + SP_AUDIT_FIELDS_MAX + \
	 4 + SP_AUDIT_OBJECTS_MAX * SP_ID_LEN)

/* Encode a checked record into out (at least SP_AUDIT_ENC_MAX bytes); returns the length. */
size_t sp_audit_encode(const struct sp_audit_rec *rec, unsigned char out[SP_AUDIT_ENC_MAX]);
/* The chain step over an encoding. */
void sp_audit_mac_enc(const unsigned char key[SP_AUDIT_KEY_LEN],
		      const unsigned char prev[SP_AUDIT_MAC_LEN], const unsigned char *enc,
		      size_t len, unsigned char out[SP_AUDIT_MAC_LEN]);

/* A checkpoint line: "v1 KIND SEQ TS_US MAC_HEX SIG_HEX\n", KIND "checkpoint" or "restore". */
struct sp_audit_cp {
	enum sp_audit_cp_kind kind;
	int64_t seq;
	int64_t ts_us;
	unsigned char mac[SP_AUDIT_MAC_LEN];
	unsigned char sig[SP_AUDIT_SIG_LEN];
};
#define SP_AUDIT_CP_LINE_MAX 256

void sp_audit_cp_sign(struct sp_audit_cp *cp, const unsigned char sk[64]);
/* 0 if the signature is good, SP_ECRYPTO if not. */
int sp_audit_cp_check(const struct sp_audit_cp *cp, const unsigned char pk[32]) SP_MUST;
/* Format into line (SP_AUDIT_CP_LINE_MAX bytes), newline included; returns the length. */
size_t sp_audit_cp_format(const struct sp_audit_cp *cp, char line[SP_AUDIT_CP_LINE_MAX]);
/* Parse one line without its newline; SP_EINVAL if it is not exactly the format. */
int sp_audit_cp_parse(const char *line, size_t n, struct sp_audit_cp *cp) SP_MUST;
/* Append one line to DIR/checkpoints and fsync it (creating DIR and the file if needed). */
int sp_audit_cp_append(const char *dir, const struct sp_audit_cp *cp, struct sp_err *err) SP_MUST;

/* Read DIR/checkpoints line by line: fn gets each complete line (without its newline) and its
 * 1-based number; a non-zero return stops and is returned. *torn is set when the file ends
 * in a partial line, which is not passed to fn. A missing file reads as empty. */
typedef int (*sp_audit_line_fn)(void *ctx, const char *line, size_t n, long lineno);
int sp_audit_cp_read(const char *dir, sp_audit_line_fn fn, void *ctx, int *torn,
		     struct sp_err *err) SP_MUST;

struct sp_stmt;

/* The audit_log columns in the order sp_audit_row_read expects them. */
#define SP_AUDIT_COLUMNS                                                                   \
	"seq, ts_us, actor, agency, roles, action, object_type, object_id, fields, reason, " \
	"flags, request_id, mac, objects"
/* Read a row selected with SP_AUDIT_COLUMNS; strings and objects point into the statement
 * (SQL NULL reads as ""). SP_EINVAL when an id, the objects or the mac have the wrong size:
 * the row was tampered with. Tokens are not checked here. */
int sp_audit_row_read(struct sp_stmt *st, struct sp_audit_rec *rec) SP_MUST;
/* The object index (audit_object, migration 0010) is coarse: one row per object, span of
 * SP_AUDIT_SPAN sequence numbers and actor whose records in that span may name the object. */
#define SP_AUDIT_SPAN 1024

/* Which index rows this process has committed: a direct-mapped cache, so a miss costs only an
 * insert that the primary key turns into nothing. It claims only committed rows: the owner
 * calls sp_audit_seen_forget after any rollback of an append that used it. */
struct sp_audit_seen;
struct sp_audit_seen *sp_audit_seen_new(void);
void sp_audit_seen_forget(struct sp_audit_seen *seen);
void sp_audit_seen_free(struct sp_audit_seen *seen);
/* sp_audit_append_batch that skips the index rows seen says exist (seen may be NULL). */
int sp_audit_append_seen(struct sp_store *s, const struct sp_audit_keys *keys,
			 const struct sp_audit_rec *recs, size_t n, struct sp_audit_seen *seen,
			 int64_t *first_seq, struct sp_err *err) SP_MUST;

/* The head row: *seq and mac (32 zero bytes at seq 0). With lock, the row is locked for
 * the rest of the write transaction where the driver needs it (PostgreSQL). */
int sp_audit_head_read(struct sp_store *s, int lock, int64_t *seq,
		       unsigned char mac[SP_AUDIT_MAC_LEN], struct sp_err *err) SP_MUST;

#endif
