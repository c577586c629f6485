/* The audit trail (DESIGN.md §4): append-only records of who did what to which object and
 * which fields, holding ids and field-name tokens only, never personal values. Records carry
 * gap-free sequence numbers and a keyed BLAKE2b-256 chain over a canonical byte encoding;
 * signed checkpoints (Ed25519) live in a file outside the database, so verify detects an
 * edited, deleted or reordered record and a truncated tail. */
#ifndef SAFEPATH_AUDIT_H
#define SAFEPATH_AUDIT_H

#include <jansson.h>

#include <stddef.h>
#include <stdint.h>

#include "safepath/err.h"
#include "safepath/id.h"

struct sp_store;

#define SP_AUDIT_MAC_LEN 32
#define SP_AUDIT_KEY_LEN 32
#define SP_AUDIT_SIG_LEN 64
/* Longest token in any string field, and longest field-name list. */
#define SP_AUDIT_TOKEN_MAX 128
#define SP_AUDIT_FIELDS_MAX 2048
/* Most further objects one record names (the rows of a list page). */
#define SP_AUDIT_OBJECTS_MAX 256

/* The caller keeps this in sodium_malloc memory; the audit module only borrows it. */
struct sp_audit_keys {
	unsigned char chain_key[SP_AUDIT_KEY_LEN]; /* keyed BLAKE2b chain */
	unsigned char sign_pk[32];                 /* Ed25519: checkpoint signatures */
	unsigned char sign_sk[64];
};

struct sp_keys;
/* The audit keys of an open key set, in sodium_malloc memory (keys.c); free with
 * sp_audit_keys_free, which wipes them. */
int sp_audit_keys_new(const struct sp_keys *k, struct sp_audit_keys **out,
		      struct sp_err *err) SP_MUST;
void sp_audit_keys_free(struct sp_audit_keys *ak);

enum sp_audit_flag {
	SP_AUDIT_F_DPO = 1u << 0,         /* flagged to the data protection officer */
	SP_AUDIT_F_BREAK_GLASS = 1u << 1, /* emergency access; reason holds its category */
};
#define SP_AUDIT_F_ALL (SP_AUDIT_F_DPO | SP_AUDIT_F_BREAK_GLASS)

/* One record. Every string is a token: [A-Za-z0-9._:,/-] only (NULL counts as ""), so a name
 * or a note cannot be slipped in; append rejects anything else with SP_EINVAL naming the
 * field. Strings are borrowed: append copies them into the database, read-back records point
 * into statement memory valid only during the callback. */
struct sp_audit_rec {
	int64_t seq;              /* 1..n, assigned by append (ignored on input) */
	int64_t ts_us;            /* microseconds since the epoch, UTC; 0 on input = now */
	struct sp_id actor;       /* user id; all zero = the system */
	struct sp_id agency;      /* actor's agency; all zero = none */
	const char *roles;        /* "caseworker,supervisor" */
	const char *action;       /* "case.read", "user.login", "export" (required) */
	const char *object_type;  /* "case", "person", "" */
	struct sp_id object_id;   /* all zero = none */
	const struct sp_id *objects; /* further objects of object_type, e.g. a list page's rows */
	size_t nobjects;          /* 0..SP_AUDIT_OBJECTS_MAX, none zero or repeated */
	const char *fields;       /* "names,dob,documents" */
	const char *reason;       /* a code such as a break-glass category, never free text */
	const char *request_id;   /* correlates with logs */
	unsigned flags;           /* enum sp_audit_flag */
	unsigned char mac[SP_AUDIT_MAC_LEN]; /* set by append and on read-back */
};

/* Check that rec holds tokens only, known flags and a valid objects list; err->field names
 * the bad field. */
int sp_audit_rec_check(const struct sp_audit_rec *rec, struct sp_err *err) SP_MUST;

/* mac_n = BLAKE2b-256(key = chain_key, mac_{n-1} || encoding(rec_n)); mac_0 is 32 zero
 * bytes. rec->seq and rec->ts_us are taken as given. Fails on a record that is not valid. */
int sp_audit_mac(const unsigned char chain_key[SP_AUDIT_KEY_LEN],
		 const unsigned char prev[SP_AUDIT_MAC_LEN], const struct sp_audit_rec *rec,
		 unsigned char out[SP_AUDIT_MAC_LEN], struct sp_err *err) SP_MUST;

/* Append one record inside the caller's write transaction (sp_store_begin_write): reads the
 * chain head, assigns seq = head + 1, chains, inserts, moves the head. *seq_out (if not
 * NULL) gets the seq. Nothing is written on failure; the caller rolls back. */
int sp_audit_append(struct sp_store *s, const struct sp_audit_keys *keys,
		    const struct sp_audit_rec *rec, int64_t *seq_out, struct sp_err *err) SP_MUST;
/* Append n records in order in the same way (group commit: one transaction, one head
 * update). *first_seq (if not NULL) gets the seq of recs[0]; the rest follow it. */
int sp_audit_append_batch(struct sp_store *s, const struct sp_audit_keys *keys,
			  const struct sp_audit_rec *recs, size_t n, int64_t *first_seq,
			  struct sp_err *err) SP_MUST;

/* Checkpoints: lines appended (and fsynced) to DIR/checkpoints, DIR created 0700 if missing.
 * A checkpoint signs ("safepath-audit-checkpoint v1" || seq || head mac || ts); a restore
 * checkpoint, written by `safepath restore` after it replaced the database, signs
 * ("safepath-audit-restore v1" || ...) and tells verify that the checkpoints before it with a
 * higher seq were rolled back by that restore rather than cut off. Both sign the committed
 * head row, so they run outside any transaction (SP_EINVAL inside one), and refuse
 * (SP_ECONFLICT) a head that disagrees with the last record. */
#define SP_AUDIT_CHECKPOINT_FILE "checkpoints"
enum sp_audit_cp_kind { SP_AUDIT_CP_CHECKPOINT = 0, SP_AUDIT_CP_RESTORE = 1 };
int sp_audit_checkpoint(struct sp_store *s, const struct sp_audit_keys *keys, const char *dir,
			struct sp_err *err) SP_MUST;
int sp_audit_checkpoint_restore(struct sp_store *s, const struct sp_audit_keys *keys,
				const char *dir, struct sp_err *err) SP_MUST;

/* What verify found. Each kind has a name (sp_audit_problem_name). */
enum sp_audit_problem {
	SP_AUDIT_P_NONE = 0,
	SP_AUDIT_P_EDITED,              /* the record at seq no longer matches its mac */
	SP_AUDIT_P_DELETED,             /* seq is missing: a gap */
	SP_AUDIT_P_REORDERED,           /* the chain breaks at seq: a record moved there */
	SP_AUDIT_P_TRUNCATED,           /* records from seq on are gone (checkpoint or head) */
	SP_AUDIT_P_HEAD_MISMATCH,       /* the head row disagrees with the last record */
	SP_AUDIT_P_CHECKPOINT_MISMATCH, /* the record at a checkpoint's seq has another mac */
	SP_AUDIT_P_BAD_SIGNATURE,       /* a checkpoint line fails its signature */
	SP_AUDIT_P_BAD_CHECKPOINT_LINE, /* a checkpoint line cannot be parsed */
	SP_AUDIT_P_COUNT_
};
const char *sp_audit_problem_name(enum sp_audit_problem p);

struct sp_audit_finding {
	enum sp_audit_problem kind;
	int64_t seq;   /* where it shows; 0 for a checkpoint line problem */
	long line;     /* checkpoint file line (1-based), 0 if the problem is in the database */
};

#define SP_AUDIT_REPORT_MAX 32
struct sp_audit_report {
	int ok;                   /* 1: nothing found */
	size_t nfound;            /* findings, all counted */
	size_t nkept;             /* the first SP_AUDIT_REPORT_MAX, in the order found */
	struct sp_audit_finding found[SP_AUDIT_REPORT_MAX];
	int64_t records;          /* records walked */
	int64_t last_seq;         /* highest seq in the database */
	int64_t head_seq;         /* the head row's seq */
	long checkpoints;         /* valid checkpoint lines checked against the database */
	long restores;            /* valid restore checkpoints */
	long rolled_back;         /* checkpoints rolled back by a later restore */
	int64_t rolled_back_from; /* the records those checkpoints covered past the restore */
	int64_t rolled_back_to;   /* point: seqs from..to of the earlier trail (0 if none) */
	int64_t last_checkpoint_seq;
	int torn_last_line;       /* the file ends in a partial line (a crash while writing) */
};

/* Walk the whole trail in seq order and check it against the checkpoints in DIR/checkpoints
 * (a missing file means no checkpoints). Returns 0 when the check ran, whatever it found
 * (out->ok says), or a negative code when it could not run. Findings come in this order: the
 * database walk (gaps, edits, reorders), the head row, then the checkpoint file. */
int sp_audit_verify(struct sp_store *s, const struct sp_audit_keys *keys, const char *dir,
		    struct sp_audit_report *out, struct sp_err *err) SP_MUST;

/* The DPO's view: records in seq order matching every filter given. */
struct sp_audit_query {
	int64_t from_us;                 /* ts_us >= from_us; 0 = no lower bound */
	int64_t to_us;                   /* ts_us < to_us; 0 = no upper bound */
	const struct sp_id *actor;       /* NULL = anyone (a zero id = the system) */
	const char *object_type;         /* NULL = any; with object_id for one object */
	const struct sp_id *object_id;   /* NULL = any; matches object_id and objects */
	int64_t after_seq;               /* page cursor: records with seq > after_seq */
	int limit;                       /* 1..SP_AUDIT_PAGE_MAX */
	const char *action;              /* NULL = any; "case.read" */
};
#define SP_AUDIT_PAGE_MAX 1000
/* A record as JSON: {"seq", "at", "actor", "agency", "roles", "action", "object_type",
 * "object_id", "objects", "fields", "reason", "flags": ["dpo", "break_glass"]}, empty strings
 * and zero ids left out. A new reference, NULL when out of memory. */
json_t *sp_audit_rec_encode(const struct sp_audit_rec *rec);
/* Called per record (strings valid during the call only); a non-zero return stops the walk
 * and is returned. */
typedef int (*sp_audit_row_fn)(void *ctx, const struct sp_audit_rec *rec);
/* *next_seq gets the cursor for the next page, or 0 when this page was the last. */
int sp_audit_list(struct sp_store *s, const struct sp_audit_query *q, sp_audit_row_fn fn,
		  void *ctx, int64_t *next_seq, struct sp_err *err) SP_MUST;

/* Group commit for reads (DESIGN.md §3): one writer thread collects records from many
 * request threads and appends each batch in one write transaction; submit returns only once
 * its record's batch is committed, so a response never goes out before its audit record is
 * durable. While one batch commits, the next gathers. */
struct sp_audit_writer;
struct sp_audit_writer_options {
	int max_batch; /* records per transaction; 0 = 256 */
};
/* Start the writer thread on s, which it uses alone until sp_audit_writer_stop (the caller
 * still owns s and closes it afterwards). keys are borrowed for as long. */
int sp_audit_writer_start(struct sp_store *s, const struct sp_audit_keys *keys,
			  const struct sp_audit_writer_options *opt, struct sp_audit_writer **out,
			  struct sp_err *err) SP_MUST;
/* Queue rec (checked here first, borrowed until return) and wait until its batch committed.
 * A failed batch fails every record in it with the store's error; SP_EUNAVAIL once stopping.
 * *seq_out (if not NULL) gets the record's seq. Safe from any number of threads. */
int sp_audit_writer_submit(struct sp_audit_writer *w, const struct sp_audit_rec *rec,
			   int64_t *seq_out, struct sp_err *err) SP_MUST;
/* The same for n records of one operation (1 to the writer's max_batch): committed together,
 * in order, in one batch, with one wait; *seq_out gets the first's seq. */
int sp_audit_writer_submit_many(struct sp_audit_writer *w, const struct sp_audit_rec *recs,
				size_t n, int64_t *seq_out, struct sp_err *err) SP_MUST;
struct sp_audit_writer_stats {
	long batches;  /* transactions committed */
	long records;  /* records committed */
	long failed;   /* records whose batch failed */
	long pending;  /* submitted and not yet answered */
};
void sp_audit_writer_stats(struct sp_audit_writer *w, struct sp_audit_writer_stats *out);
/* Refuse new records, commit those already queued, join the thread and free w. */
void sp_audit_writer_stop(struct sp_audit_writer *w);

#endif
