/* Backups, restores and store copies on real stores with real keys, on SQLite and, with
 * SAFEPATH_TEST_PG set, on PostgreSQL (the copies then go from PostgreSQL into the backups'
 * SQLite files and back): the schema as the database lists it (foreign-key order, column
 * kinds), a copy of every table with the fault walk (a failure anywhere leaves the target
 * empty), the encrypted file refusing another key, a changed byte and a cut file, and a
 * backup restored into an empty store only, after which the audit trail verifies and names
 * the checkpoints the restore rolled back. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "safepath/audit.h"
#include "safepath/backup.h"
#include "safepath/crypto.h"
#include "safepath/init.h"
#include "safepath/store.h"

#include "helpers.h"

static char dir[64];
static char cpdir[128]; /* the data folder's audit checkpoints */
static struct sp_store *src;
static struct sp_keys *keys;
static struct sp_audit_keys *akeys;

static void ok(int rc, const struct sp_err *err, const char *what)
{
	if (rc)
		fail_msg("%s: %s (%s) %s", what, sp_status_name(rc), err->field, err->msg);
}

/* A store named name: the file dir/name.db, or on PostgreSQL the database sp_backup_<name>,
 * made empty. */
static struct sp_store *open_at(const char *name)
{
	char url[300], path[160], pg[64];
	snprintf(path, sizeof path, "%s/%s.db", dir, name);
	snprintf(pg, sizeof pg, "sp_backup_%s", name);
	test_db_url(url, sizeof url, path, pg);
	struct sp_store_options opt = {.busy_timeout_ms = 5000, .create = 1};
	struct sp_store *s = NULL;
	struct sp_err err = {0};
	ok(sp_store_open(url, &opt, &s, &err), &err, name);
	ok(sp_store_migrate(s, &err), &err, "migrate");
	return s;
}

static void exec(struct sp_store *s, const char *sql)
{
	struct sp_err err = {0};
	ok(sp_store_exec(s, sql, &err), &err, sql);
}

/* One row whose id (and, when ref is not 0, second id) ends in the byte given: ids are bound,
 * as blob literals are not portable. */
static void add_row(struct sp_store *s, const char *sql, int id, int ref)
{
	struct sp_id a = {0}, b = {0};
	struct sp_stmt *st;
	struct sp_err err = {0};
	a.b[15] = (unsigned char)id;
	b.b[15] = (unsigned char)ref;
	ok(sp_store_prepare(s, sql, &st, &err), &err, sql);
	assert_int_equal(sp_stmt_bind_id(st, 1, &a), SP_OK);
	if (ref)
		assert_int_equal(sp_stmt_bind_id(st, 2, &b), SP_OK);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
}

static void append_n(struct sp_store *s, int n)
{
	struct sp_err err = {0};
	for (int i = 0; i < n; i++) {
		struct sp_audit_rec r = {.action = "case.read", .object_type = "case",
					 .fields = "names"};
		r.object_id.b[15] = (unsigned char)(i + 1);
		ok(sp_store_begin_write(s, &err), &err, "begin");
		ok(sp_audit_append(s, akeys, &r, NULL, &err), &err, "append");
		ok(sp_store_commit(s, &err), &err, "commit");
	}
}

static void checkpoint(struct sp_store *s)
{
	struct sp_err err = {0};
	ok(sp_audit_checkpoint(s, akeys, cpdir, &err), &err, "checkpoint");
}

static int setup(void **state)
{
	(void)state;
	if (sp_init() != SP_OK)
		return -1;
	snprintf(dir, sizeof dir, "/tmp/sp-backup-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cpdir, sizeof cpdir, "%s/audit", dir);
	char key[128];
	snprintf(key, sizeof key, "%s/keys/master.key", dir);
	struct sp_err err = {0};
	struct sp_master *m = NULL;
	src = open_at("src");
	if (sp_master_key_file_create(key, cpdir, &m, &err) || sp_keys_open(src, m, &keys, &err))
		return -1;
	sp_master_free(m);
	if (sp_audit_keys_new(keys, &akeys, &err))
		return -1;
	/* two agencies, a user of each (users reference agencies), and five audit records */
	add_row(src, "INSERT INTO agencies (id, code, name, kind, country, created_us) VALUES "
		     "(?, 'NGO', 'NGO', 'ngo', 'DE', 1)", 0x01, 0);
	add_row(src, "INSERT INTO agencies (id, code, name, kind, country, created_us) VALUES "
		     "(?, 'IMM', 'IMM', 'immigration', 'DE', 2)", 0x02, 0);
	add_row(src, "INSERT INTO users (id, agency_id, username, roles, password_hash, "
		     "must_change_password, disabled, created_us, updated_us) VALUES "
		     "(?, ?, 'ana', 1, 'x', 0, 0, 0, 0)", 0xa1, 0x01);
	add_row(src, "INSERT INTO users (id, agency_id, username, roles, password_hash, "
		     "must_change_password, disabled, created_us, updated_us) VALUES "
		     "(?, ?, 'ben', 1, 'x', 0, 0, 0, 0)", 0xa2, 0x02);
	append_n(src, 5);
	checkpoint(src);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_store_close(src);
	sp_keys_free(keys);
	sp_audit_keys_free(akeys);
	return test_rmtree(dir);
}

static long index_of(const struct sp_store_schema *sc, const char *name)
{
	for (size_t i = 0; i < sc->n; i++)
		if (strcmp(sc->tables[i].name, name) == 0)
			return (long)i;
	return -1;
}

static enum sp_store_col_kind kind_of(const struct sp_store_schema *sc, const char *table,
				      const char *column)
{
	const struct sp_store_table *t = &sc->tables[index_of(sc, table)];
	for (size_t c = 0; c < t->ncolumns; c++)
		if (strcmp(t->columns[c], column) == 0)
			return t->kinds[c];
	fail_msg("no column %s.%s", table, column);
	return 0;
}

static void schema_lists_every_table_in_foreign_key_order(void **state)
{
	(void)state;
	struct sp_store_schema sc;
	struct sp_err err = {0};
	ok(sp_store_schema_load(src, &sc, &err), &err, "schema");
	const char *const expected[] = {"schema_migrations", "data_keys", "audit_log",
					"audit_head", "agencies", "users", "approvals", "persons",
					"cases", "case_notes", "consents", "sessions"};
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
		assert_true(index_of(&sc, expected[i]) >= 0);
	assert_int_equal(index_of(&sc, "person_keys"), -1); /* the key store is apart */
	assert_true(index_of(&sc, "agencies") < index_of(&sc, "users"));
	assert_true(index_of(&sc, "users") < index_of(&sc, "approvals"));
	assert_true(index_of(&sc, "users") < index_of(&sc, "sessions"));
	assert_true(index_of(&sc, "persons") < index_of(&sc, "cases"));
	assert_true(index_of(&sc, "cases") < index_of(&sc, "case_notes"));
	assert_int_equal(kind_of(&sc, "audit_log", "seq"), SP_COL_INT);
	assert_int_equal(kind_of(&sc, "agencies", "code"), SP_COL_TEXT);
	assert_int_equal(kind_of(&sc, "agencies", "id"), SP_COL_BLOB);
	sp_store_schema_free(&sc);
}

static int64_t count(struct sp_store *s, const char *table)
{
	int64_t n = -1;
	struct sp_err err = {0};
	ok(sp_store_count_rows(s, table, &n, &err), &err, table);
	return n;
}

static void copy_moves_every_table_and_refuses_a_store_with_data(void **state)
{
	(void)state;
	struct sp_store *dst = open_at("dst");
	struct sp_store_copy_report rep;
	struct sp_err err = {0};
	ok(sp_store_copy(src, dst, NULL, NULL, &rep, &err), &err, "copy");
	/* agencies, users, audit records, their object index rows, the head, the data key */
	assert_int_equal(rep.rows, 2 + 2 + 5 + 5 + 1 + 1);
	assert_int_equal(count(dst, "agencies"), 2);
	assert_int_equal(count(dst, "users"), 2);
	assert_int_equal(count(dst, "audit_log"), 5);
	assert_int_equal(count(dst, "audit_head"), 1); /* the seeded head row was replaced */
	assert_int_equal(test_scalar(dst, "SELECT seq FROM audit_head"), 5);
	/* the same trail: it verifies against the source's checkpoints */
	struct sp_audit_report ar;
	ok(sp_audit_verify(dst, akeys, cpdir, &ar, &err), &err, "verify");
	assert_true(ar.ok);
	assert_int_equal(ar.checkpoints, 1);
	/* a second copy into it is refused, naming a table that holds data */
	assert_int_equal(sp_store_copy(src, dst, NULL, NULL, &rep, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "db");
	assert_non_null(strstr(err.msg, "holds"));
	assert_int_equal(count(dst, "agencies"), 2);
	sp_store_close(dst);
}

/* Told once per table here (none reaches SP_STORE_PROGRESS_ROWS rows). */
static void table_done(void *ctx, const char *table, int64_t done, int64_t total)
{
	(void)table;
	assert_true(done <= total && total == 2 + 2 + 5 + 5 + 1 + 1);
	++*(int *)ctx;
}

/* Every fallible store call of the copy on the target is made to fail in turn: each time,
 * the target holds no row beyond what its migrations seeded. */
static void copy_failing_half_way_leaves_the_target_empty(void **state)
{
	(void)state;
	struct sp_store *dst = open_at("dst");
	struct sp_store_copy_report rep;
	struct sp_err err = {0};
	long n = 1;
	int rc, tables = 0, most_tables = 0;
	for (;; n++) {
		sp_store_fail_at(dst, n);
		tables = 0;
		rc = sp_store_copy(src, dst, table_done, &tables, &rep, &err);
		sp_store_fail_at(dst, 0);
		if (rc == SP_OK)
			break;
		most_tables = tables > most_tables ? tables : most_tables;
		assert_int_equal(rc, SP_EFAULT);
		assert_false(sp_store_in_transaction(src));
		ok(sp_store_check_empty(dst, &err), &err, "empty after a fault");
		assert_int_equal(count(dst, "audit_log"), 0);
		assert_int_equal(count(dst, "agencies"), 0);
		assert_int_equal(test_scalar(dst, "SELECT seq FROM audit_head"), 0);
	}
	/* the walk went past the set-up and the rows: faults struck even once every table
	 * (all of the schema but schema_migrations) was in the open transaction, in the count
	 * comparison and the commit, and the target still came out empty */
	struct sp_store_schema sc;
	ok(sp_store_schema_load(src, &sc, &err), &err, "schema");
	assert_true(sc.n > 16);
	assert_int_equal(most_tables, (int)sc.n - 1);
	assert_int_equal(tables, (int)sc.n - 1);
	sp_store_schema_free(&sc);
	assert_int_equal(count(dst, "users"), 2);
	sp_store_close(dst);
}

static void write_pattern(const char *path, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		fputc((int)(i * 7 % 251), f);
	fclose(f);
}

static long file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void flip_byte(const char *path, long at)
{
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	fseek(f, at, SEEK_SET);
	int c = fgetc(f);
	fseek(f, at, SEEK_SET);
	fputc(c ^ 0x01, f);
	fclose(f);
}

static void copy_file(const char *from, const char *to, long len)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "head -c %ld '%s' > '%s'", len, from, to);
	assert_int_equal(system(cmd), 0);
}

static const char test_magic[SP_SEALFILE_MAGIC_LEN] = {'S', 'P', 'T', 'E', 'S', 'T', '0', '1'};

/* 1 = opened, else the status; out is removed each time. */
static int try_open(const struct sp_keys *k, const char *file, struct sp_err *err)
{
	char out[128], header[64];
	size_t hlen = 0;
	snprintf(out, sizeof out, "%s/opened", dir);
	int rc = sp_sealfile_read(k, test_magic, file, out, header, sizeof header, &hlen, NULL, NULL,
				  err);
	if (rc)
		assert_int_equal(file_size(out), -1); /* nothing left behind */
	unlink(out);
	return rc;
}

static void sealed_file_refuses_another_key_a_changed_byte_and_a_cut_file(void **state)
{
	(void)state;
	char plain[128], sealed[128], bad[128], out[128], key2[128];
	snprintf(plain, sizeof plain, "%s/plain", dir);
	snprintf(sealed, sizeof sealed, "%s/sealed", dir);
	snprintf(bad, sizeof bad, "%s/bad", dir);
	snprintf(out, sizeof out, "%s/opened", dir);
	const size_t n = 3 * 65536 + 100; /* three full chunks and a short one */
	write_pattern(plain, n);
	struct sp_err err = {0};
	ok(sp_sealfile_write(keys, test_magic, "hdr", 3, plain, sealed, NULL, NULL, &err), &err,
	   "seal");
	struct stat st;
	assert_int_equal(stat(sealed, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* prefix 56, header 3 + 17, four chunks of 17 bytes overhead each */
	assert_int_equal(st.st_size, 56 + 20 + (long)n + 4 * 17);
	char header[64];
	size_t hlen = 0;
	ok(sp_sealfile_read(keys, test_magic, sealed, out, header, sizeof header, &hlen, NULL, NULL,
			    &err),
	   &err, "open");
	assert_int_equal(hlen, 3);
	assert_memory_equal(header, "hdr", 3);
	char cmp[512];
	snprintf(cmp, sizeof cmp, "cmp -s '%s' '%s'", plain, out);
	assert_int_equal(system(cmp), 0);
	unlink(out);

	/* another master key */
	struct sp_master *m2 = NULL;
	struct sp_keys *k2 = NULL;
	snprintf(key2, sizeof key2, "%s/keys2/master.key", dir);
	ok(sp_master_key_file_create(key2, cpdir, &m2, &err), &err, "key 2");
	ok(sp_keys_derive(m2, &k2, &err), &err, "derive");
	sp_master_free(m2);
	assert_int_equal(try_open(k2, sealed, &err), SP_ECRYPTO);
	assert_non_null(strstr(err.msg, "another master key"));
	sp_keys_free(k2);
	/* another kind of file */
	assert_int_equal(try_open(keys, plain, &err), SP_EINVAL);
	/* a changed byte: in the header message, a middle chunk, the last chunk */
	const long at[] = {60, 56 + 20 + 65536 + 40, st.st_size - 5};
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		copy_file(sealed, bad, st.st_size);
		flip_byte(bad, at[i]);
		assert_int_equal(try_open(keys, bad, &err), SP_ECRYPTO);
	}
	/* cut after the third chunk (a whole chunk gone: only the final tag tells) */
	copy_file(sealed, bad, 56 + 20 + 3 * (65536 + 17));
	assert_int_equal(try_open(keys, bad, &err), SP_ECRYPTO);
	assert_non_null(strstr(err.msg, "cut short"));
	/* a byte more after the end (read with the last chunk, which then fails) */
	char cmd[512];
	snprintf(cmd, sizeof cmd, "cp '%s' '%s' && printf x >> '%s'", sealed, bad, bad);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(try_open(keys, bad, &err), SP_ECRYPTO);
}

/* Nothing of a backup's work is left beside it. */
static int leftovers(void)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d)))
		n += strncmp(e->d_name, ".safepath-backup-", 17) == 0 || strstr(e->d_name, ".tmp-") != NULL;
	closedir(d);
	return n;
}

/* A backup of the source into DIR/b.spb (file gets the path). */
static struct sp_backup_report back_up(char file[128])
{
	struct sp_backup_report rep;
	struct sp_err err = {0};
	snprintf(file, 128, "%s/b.spb", dir);
	ok(sp_backup_write(src, keys, akeys, file, NULL, NULL, &rep, &err), &err, "backup");
	return rep;
}

static void backup_restores_into_an_empty_store_only(void **state)
{
	(void)state;
	char file[128];
	struct sp_backup_report rep = back_up(file);
	struct sp_err err = {0};
	assert_int_equal(rep.header.audit_seq, 5);
	assert_int_equal(rep.audit_records, 5);
	assert_int_equal(rep.rows, 16);
	assert_string_equal(rep.header.store_kind, test_pg() ? "postgresql" : "sqlite");
	assert_int_equal((long)rep.bytes, file_size(file));
	assert_int_equal(leftovers(), 0);
	struct stat st;
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* life goes on after the backup: records 6..9, checkpointed */
	append_n(src, 4);
	checkpoint(src);

	struct sp_store *dst = open_at("restored");
	struct sp_backup_report back;
	ok(sp_backup_restore(file, dst, keys, akeys, dir, cpdir, NULL, NULL, &back, &err), &err,
	   "restore");
	assert_int_equal(back.header.audit_seq, 5);
	assert_int_equal(back.header.created_us, rep.header.created_us);
	assert_int_equal(back.rows, 16);
	assert_int_equal((long)back.bytes, file_size(file));
	assert_int_equal(count(dst, "users"), 2);
	assert_int_equal(leftovers(), 0);
	struct sp_audit_report ar;
	ok(sp_audit_verify(dst, akeys, cpdir, &ar, &err), &err, "verify");
	assert_true(ar.ok);
	assert_int_equal(ar.restores, 1);
	assert_int_equal(ar.rolled_back, 1);     /* the checkpoint at 9 */
	assert_int_equal(ar.rolled_back_from, 6);
	assert_int_equal(ar.rolled_back_to, 9);
	/* not twice: the store holds data now */
	assert_int_equal(sp_backup_restore(file, dst, keys, akeys, dir, cpdir, NULL, NULL, &back,
					   &err),
			 SP_ECONFLICT);
	assert_non_null(strstr(err.msg, "not empty"));
	sp_store_close(dst);
}

static void a_changed_backup_restores_nothing(void **state)
{
	(void)state;
	char file[128];
	struct sp_backup_report rep = back_up(file);
	struct sp_err err = {0};
	flip_byte(file, file_size(file) / 2);
	char cpfile[160];
	snprintf(cpfile, sizeof cpfile, "%s/checkpoints", cpdir);
	long cp_before = file_size(cpfile);
	struct sp_store *dst = open_at("restored");
	assert_int_equal(sp_backup_restore(file, dst, keys, akeys, dir, cpdir, NULL, NULL, &rep,
					   &err),
			 SP_ECRYPTO);
	assert_string_equal(err.field, "from");
	ok(sp_store_check_empty(dst, &err), &err, "still empty");
	assert_int_equal(count(dst, "audit_log"), 0);
	assert_int_equal(file_size(cpfile), cp_before); /* no restore checkpoint */
	assert_int_equal(leftovers(), 0);
	sp_store_close(dst);
}

/* The driver's own check (SQLite's integrity_check), which backup runs on the copy and on
 * the file read back: a page overwritten behind SQLite's back is found. */
static void store_check_finds_a_damaged_page(void **state)
{
	(void)state;
	TEST_SQLITE_ONLY("SQLite's integrity_check (the PostgreSQL driver has no check: postgres.c)");
	struct sp_store *s = open_at("damaged");
	struct sp_err err = {0};
	exec(s, "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT); CREATE INDEX tb ON t (b); "
		"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000) "
		"INSERT INTO t SELECT x, 'v' || x FROM c");
	ok(sp_store_check(s, &err), &err, "a sound database");
	sp_store_close(s);
	char path[128];
	snprintf(path, sizeof path, "%s/damaged.db", dir);
	long size = file_size(path);
	assert_true(size > 16 * 4096);
	FILE *f = fopen(path, "r+b");
	assert_non_null(f);
	fseek(f, size - 3 * 4096 + 200, SEEK_SET); /* the last pages: the new table's rows */
	for (int i = 0; i < 64; i++)
		fputc(0xff, f);
	fclose(f);
	s = open_at("damaged");
	assert_int_equal(sp_store_check(s, &err), SP_EUNAVAIL);
	assert_non_null(strstr(err.msg, "damaged"));
	sp_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(schema_lists_every_table_in_foreign_key_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(copy_moves_every_table_and_refuses_a_store_with_data,
						setup, teardown),
		cmocka_unit_test_setup_teardown(copy_failing_half_way_leaves_the_target_empty, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			sealed_file_refuses_another_key_a_changed_byte_and_a_cut_file, setup, teardown),
		cmocka_unit_test_setup_teardown(backup_restores_into_an_empty_store_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(a_changed_backup_restores_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(store_check_finds_a_damaged_page, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
