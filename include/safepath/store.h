/* The store: one driver interface (SQLite, PostgreSQL) behind a thin wrapper that
 * counts calls for fault injection and caches prepared statements.
 *
 * SQL is portable text (DESIGN.md §2): `?` placeholders bound in order; timestamps INTEGER
 * microseconds; booleans SMALLINT 0/1; ids 16-byte blobs made by the application; DDL type
 * tokens {id} {int64} {int} {text} {blob} {bool} expanded by the driver, and {clustered} after a
 * table's definition: its rows stored in its primary key's order (SQLite: WITHOUT ROWID). */
#ifndef SAFEPATH_STORE_H
#define SAFEPATH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "safepath/buf.h"
#include "safepath/err.h"
#include "safepath/id.h"

#define SP_STORE_DRIVER_VERSION 1

struct sp_db;   /* a driver's connection */
struct sp_dstmt; /* a driver's prepared statement */

enum sp_store_caps {
	SP_STORE_CAP_ROW_LOCKS = 1 << 0,  /* "begin for write" needs SELECT ... FOR UPDATE */
	SP_STORE_CAP_BACKUP = 1 << 1,
	SP_STORE_CAP_REMOTE = 1 << 2,     /* each statement a round trip to a server */
};

/* A column's kind, so a copy moves values between engines whatever the schema. */
enum sp_store_col_kind { SP_COL_INT = 1, SP_COL_TEXT = 2, SP_COL_BLOB = 3 };

/* Called by a driver's list_tables once per table: its name, its columns in order with their
 * kinds, and the tables its foreign keys reference. Everything is borrowed for the call. A
 * non-zero return stops the listing and is returned. */
typedef int (*sp_store_table_fn)(void *ctx, const char *table, const char *const *columns,
				 const enum sp_store_col_kind *kinds, size_t ncolumns,
				 const char *const *refs, size_t nrefs);

struct sp_store_options {
	int busy_timeout_ms;
	int create;  /* create the database if missing */
};

/* A driver. Methods return 0 or a negative SP_E* code classified as the store's error classes:
 * SP_EBUSY (retry), SP_ECONFLICT (constraint), SP_EUNAVAIL, SP_EUNKNOWN (outcome unknown). */
struct sp_store_driver {
	int version;
	const char *name;
	unsigned caps;
	int (*open)(const char *target, const struct sp_store_options *opt, struct sp_db **out,
		    struct sp_err *err);
	void (*close)(struct sp_db *db);
	/* Run text with no parameters (may hold several statements: migrations). */
	int (*exec)(struct sp_db *db, const char *sql, struct sp_err *err);
	int (*begin_read)(struct sp_db *db, struct sp_err *err);
	int (*begin_write)(struct sp_db *db, struct sp_err *err);
	int (*commit)(struct sp_db *db, struct sp_err *err);
	void (*rollback)(struct sp_db *db);
	int (*prepare)(struct sp_db *db, const char *sql, struct sp_dstmt **out, struct sp_err *err);
	int (*bind_int64)(struct sp_dstmt *st, int idx, int64_t v);
	int (*bind_text)(struct sp_dstmt *st, int idx, const char *s, size_t n);
	int (*bind_blob)(struct sp_dstmt *st, int idx, const void *p, size_t n);
	int (*bind_null)(struct sp_dstmt *st, int idx);
	/* 1 = a row is ready, 0 = done, < 0 = error. */
	int (*step)(struct sp_dstmt *st, struct sp_err *err);
	int (*column_is_null)(struct sp_dstmt *st, int col);
	int64_t (*column_int64)(struct sp_dstmt *st, int col);
	const void *(*column_blob)(struct sp_dstmt *st, int col, size_t *n);
	const char *(*column_text)(struct sp_dstmt *st, int col, size_t *n);
	/* Rows changed by the last step of an INSERT/UPDATE/DELETE. */
	int64_t (*changes)(struct sp_dstmt *st);
	/* Clear bindings and rewind, for reuse. */
	void (*reset)(struct sp_dstmt *st);
	void (*finalize)(struct sp_dstmt *st);
	/* Expand a DDL token ("id", "int64", ..., "clustered") or NULL if unknown. */
	const char *(*type_token)(const char *token);
	/* Optional: online copy of the whole database to a file (SP_STORE_CAP_BACKUP). */
	int (*backup_to)(struct sp_db *db, const char *path, struct sp_err *err);
	/* Optional: make deleted data unrecoverable on disk, where the engine keeps copies
	 * outside the live pages (SQLite: the write-ahead log). NULL: nothing to do. */
	int (*compact)(struct sp_db *db, struct sp_err *err);
	/* Optional: after a bulk load, the upkeep the engine's background would do later, done at
	 * once, outside any transaction (PostgreSQL: vacuum and analyse). NULL: nothing to do. */
	int (*settle)(struct sp_db *db, struct sp_err *err);
	/* Optional: inside a write transaction, make other connections' schema changes wait for
	 * this one's end (migrations from processes starting at once). NULL: the write
	 * transaction excludes them already (SQLite). */
	int (*lock_schema)(struct sp_db *db, struct sp_err *err);
	/* Optional: every table of the database (none of the engine's own), in name order, to fn.
	 * NULL: store copy, restore and the generic backup refuse this driver. */
	int (*list_tables)(struct sp_db *db, sp_store_table_fn fn, void *ctx, struct sp_err *err);
	/* Optional: the engine's own consistency check of the whole database (SQLite:
	 * integrity_check). NULL: nothing to check. */
	int (*check)(struct sp_db *db, struct sp_err *err);
	/* Optional: the rows of st's next execution fetched as they are stepped, not the whole
	 * result at once (until its reset). NULL: the driver's steps are row by row already. */
	void (*stream)(struct sp_dstmt *st);
};

extern const struct sp_store_driver sp_store_sqlite;
extern const struct sp_store_driver sp_store_postgres;

struct sp_store;
struct sp_stmt;

/* Open by URL: "sqlite:PATH", a plain PATH, or "postgresql://..." (also "postgres://"; any
 * libpq connection URI, e.g. postgresql:///safepath?host=/run/postgresql). */
int sp_store_open(const char *url, const struct sp_store_options *opt, struct sp_store **out,
		  struct sp_err *err) SP_MUST;
void sp_store_close(struct sp_store *s);
/* For a postgresql:// URL, the URL of the database on the same server named like url's with
 * suffix appended ("postgresql://h/app?x=y" + "_keys" -> "postgresql://h/app_keys?x=y");
 * SP_EINVAL when url names no database in its path. */
int sp_store_sibling_url(const char *url, const char *suffix, struct sp_buf *out) SP_MUST;
const struct sp_store_driver *sp_store_driver_of(const struct sp_store *s);

/* Fault injection: make the Nth fallible call from now on (1-based) fail with SP_EFAULT;
 * 0 turns it off. sp_store_calls() counts the fallible calls made since the last arm. */
void sp_store_fail_at(struct sp_store *s, long n);
long sp_store_calls(const struct sp_store *s);

int sp_store_exec(struct sp_store *s, const char *sql, struct sp_err *err) SP_MUST;
int sp_store_begin_read(struct sp_store *s, struct sp_err *err) SP_MUST;
/* BEGIN IMMEDIATE on SQLite: take the write lock up front so the transaction never
 * fails half-way for lock upgrade. */
int sp_store_begin_write(struct sp_store *s, struct sp_err *err) SP_MUST;
int sp_store_commit(struct sp_store *s, struct sp_err *err) SP_MUST;
void sp_store_rollback(struct sp_store *s);
int sp_store_in_transaction(const struct sp_store *s);

/* Deferred inserts, for the batch path (inside a write transaction, until it ends), on a
 * driver whose statements are round trips to a server (SP_STORE_CAP_REMOTE: PostgreSQL;
 * elsewhere nothing changes): a step of a single-row "INSERT INTO t (...) VALUES (?, ...)"
 * (no tail, or ON CONFLICT ... DO UPDATE) only records its row, and answers 0 with one row
 * changed. The rows of each such statement go to the database as multi-row INSERTs (64 rows
 * to a statement, one round trip), the statements in the order of their first rows in the
 * transaction (a parent's before its children's): before any statement whose text names one
 * of their tables, and at the commit. An error of theirs (a constraint) comes from that
 * statement or the commit, and fails the transaction as a whole. PostgreSQL refuses one
 * statement that upserts a key twice: a caller that may do so names the table in between. */
int sp_store_defer_begin(struct sp_store *s, struct sp_err *err) SP_MUST;

/* Prepare (from a per-connection cache keyed by the SQL text); release with sp_stmt_done. */
int sp_store_prepare(struct sp_store *s, const char *sql, struct sp_stmt **out,
		     struct sp_err *err) SP_MUST;
int sp_stmt_bind_int64(struct sp_stmt *st, int idx, int64_t v) SP_MUST;
int sp_stmt_bind_text(struct sp_stmt *st, int idx, const char *s) SP_MUST;  /* NULL binds NULL */
int sp_stmt_bind_blob(struct sp_stmt *st, int idx, const void *p, size_t n) SP_MUST;
int sp_stmt_bind_id(struct sp_stmt *st, int idx, const struct sp_id *id) SP_MUST;
int sp_stmt_bind_null(struct sp_stmt *st, int idx) SP_MUST;
/* 1 = row, 0 = done, < 0 = error (err filled). */
int sp_stmt_step(struct sp_stmt *st, struct sp_err *err) SP_MUST;
int sp_stmt_is_null(struct sp_stmt *st, int col);
int64_t sp_stmt_int64(struct sp_stmt *st, int col);
const void *sp_stmt_blob(struct sp_stmt *st, int col, size_t *n);
const char *sp_stmt_text(struct sp_stmt *st, int col);  /* NULL for SQL NULL */
/* Copy a 16-byte id column; SP_EINVAL if it is not 16 bytes. */
int sp_stmt_id(struct sp_stmt *st, int col, struct sp_id *out) SP_MUST;
int64_t sp_stmt_changes(struct sp_stmt *st);
/* Return the statement to the cache (reset, bindings cleared). */
void sp_stmt_done(struct sp_stmt *st);
/* Before its first step: fetch the rows as they are stepped rather than all at once (a
 * whole table read by a copy fits in memory whatever its size). Until the statement is done
 * (or has given its last row), no other statement may run on its connection. */
void sp_stmt_stream(struct sp_stmt *st);

/* Online copy of the whole database into a new file (SQLite backup API). */
int sp_store_backup_to(struct sp_store *s, const char *path, struct sp_err *err) SP_MUST;
/* After deleting what must not be recoverable (crypto-shredding): the driver's compact,
 * outside any transaction; SP_OK at once for a driver that keeps no such copies. */
int sp_store_compact(struct sp_store *s, struct sp_err *err) SP_MUST;
/* After a bulk load (the batch paths): the driver's settle, outside any transaction. On
 * PostgreSQL the tables are vacuumed and analysed, as autovacuum would do some time later:
 * the visibility map lets a covering index answer a count without reading the table, and the
 * planner gets the load's statistics. SP_OK at once for a driver with nothing to do. */
int sp_store_settle(struct sp_store *s, struct sp_err *err) SP_MUST;

/* Inside a write transaction: serialise schema changes with other connections until it ends
 * (the driver's lock_schema; nothing to do where the write transaction does already). */
int sp_store_lock_schema(struct sp_store *s, struct sp_err *err) SP_MUST;

/* Apply every embedded migration (src/store/migrations/NNNN_name.sql) not yet recorded in
 * schema_migrations, each in its own write transaction, in order. Up only. */
int sp_store_migrate(struct sp_store *s, struct sp_err *err) SP_MUST;
/* Highest applied migration number, 0 for an empty database. */
int sp_store_schema_version(struct sp_store *s, int *out, struct sp_err *err) SP_MUST;

/* Remove a SQLite database file and the files SQLite keeps beside it (-wal, -shm, -journal);
 * what is missing is skipped. For the plain copies backups make and drop. */
void sp_store_sqlite_remove(const char *path);

/* ---- the schema, read from the database, and copies generic over it (copy.c) ---------- */

/* The driver's check of the database's own consistency: SP_OK, or SP_EUNAVAIL saying what
 * is wrong; SP_OK at once for a driver without one. */
int sp_store_check(struct sp_store *s, struct sp_err *err) SP_MUST;
/* The driver's list_tables; SP_EINVAL naming the driver when it has none. */
int sp_store_list_tables(struct sp_store *s, sp_store_table_fn fn, void *ctx,
			 struct sp_err *err) SP_MUST;

struct sp_store_table {
	char *name;
	size_t ncolumns;
	char **columns;
	enum sp_store_col_kind *kinds;
	size_t nrefs;
	char **refs; /* tables its foreign keys reference */
};
struct sp_store_schema {
	size_t n;
	struct sp_store_table *tables; /* each after the tables it references */
};
/* Read the tables of s through its driver's list_tables (SP_EINVAL for a driver without
 * one), ordered so that copying them in turn satisfies every foreign key. Names that are not
 * plain identifiers, and reference cycles, are refused. */
int sp_store_schema_load(struct sp_store *s, struct sp_store_schema *out,
			 struct sp_err *err) SP_MUST;
void sp_store_schema_free(struct sp_store_schema *sc);
int sp_store_count_rows(struct sp_store *s, const char *table, int64_t *out,
			struct sp_err *err) SP_MUST;

/* No table holds more rows than a freshly migrated store: SP_OK, else SP_ECONFLICT naming
 * the first table with data (err->field "db"). The store must be migrated. */
int sp_store_check_empty(struct sp_store *s, struct sp_err *err) SP_MUST;

/* Told every SP_STORE_PROGRESS_ROWS rows of a table, and at each table's end: the table and
 * the rows copied so far of all the tables' (done == total after the last). */
#define SP_STORE_PROGRESS_ROWS 2000
typedef void (*sp_store_progress_fn)(void *ctx, const char *table, int64_t done, int64_t total);
struct sp_store_copy_report {
	int schema_version;
	size_t tables;
	int64_t rows;
};
/* Copy every table of from into to (schema_migrations excepted: to is migrated first and
 * must reach from's version): to must be empty (sp_store_check_empty), rows the migrations
 * seeded there are replaced, and everything happens in one write transaction on to, after
 * the row counts of every table were compared, so a failure leaves to as empty as it was.
 * from is read in one read transaction (one snapshot). progress may be NULL. */
int sp_store_copy(struct sp_store *from, struct sp_store *to, sp_store_progress_fn progress,
		  void *ctx, struct sp_store_copy_report *out, struct sp_err *err) SP_MUST;

/* sp_store_copy for a store outside the migrations (the person-key store): from and to hold
 * the same tables, made by their owning module, and every table of to must hold no row; the
 * same snapshot, transaction and counts. */
int sp_store_copy_plain(struct sp_store *from, struct sp_store *to,
			sp_store_progress_fn progress, void *ctx, struct sp_store_copy_report *out,
			struct sp_err *err) SP_MUST;

/* Make the tables of a new, empty store (its owning module's). */
typedef int (*sp_store_make_fn)(struct sp_store *s, void *ctx, struct sp_err *err);
/* An online copy of s into a new SQLite file at path, for the backups: the driver's backup_to
 * where it has one (SQLite: its online backup API), else a copy generic over the schema, in
 * one snapshot of s: with make NULL, s is a data store and the file is migrated and filled by
 * sp_store_copy; else make creates the file's tables and sp_store_copy_plain fills them. A
 * failed generic copy removes the file. */
int sp_store_copy_to_file(struct sp_store *s, const char *path, sp_store_make_fn make,
			  void *mctx, sp_store_progress_fn progress, void *ctx,
			  struct sp_err *err) SP_MUST;


#endif
