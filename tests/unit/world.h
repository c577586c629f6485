/* One test world shared by the store tests of casework and the wings above it: a store, keys,
 * a key store and audit keys in a temporary folder (SQLite, or PostgreSQL through
 * test_db_url), agencies and users written straight into access's tables, a casework context
 * per subject, and the checks on what reached the disk. Include after helpers.h. */
#ifndef SAFEPATH_TEST_WORLD_H
#define SAFEPATH_TEST_WORLD_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "safepath/access.h"
#include "safepath/audit.h"
#include "safepath/buf.h"
#include "safepath/case.h"
#include "safepath/crypto.h"
#include "safepath/init.h"
#include "safepath/json.h"
#include "safepath/person.h"
#include "safepath/protocol.h"
#include "safepath/store.h"

/* One test world: a store, keys, a key store, two agencies (an NGO and the immigration
 * service) and their staff. */
static char dir[64];
static char db_path[128];
static char db_url[200], ks_url[200]; /* SQLite files, or PostgreSQL databases (helpers.h) */
static struct sp_store *store;
static struct sp_keys *keys;
static struct sp_keystore *keystore;
static struct sp_audit_keys *akeys;
static struct sp_access access_ctx;
static struct sp_arena arena;

__attribute__((unused)) static void ok(int rc, const struct sp_err *err, const char *what)
{
	if (rc)
		fail_msg("%s: %s (%s) %s", what, sp_status_name(rc), err->field, err->msg);
}

__attribute__((unused)) static void exec_sql(const char *sql)
{
	struct sp_err err = {0};
	ok(sp_store_exec(store, sql, &err), &err, sql);
}

/* Agencies and users go straight into access's tables: this test is about casework, and the
 * approval flow that grants data-reading roles is access's own test. */
__attribute__((unused)) static void add_agency(struct sp_id *id, const char *code, const char *kind)
{
	sp_id_new(id);
	struct sp_stmt *st;
	struct sp_err err = {0};
	ok(sp_store_prepare(store,
			    "INSERT INTO agencies (id, code, name, kind, country, created_us) "
			    "VALUES (?, ?, ?, ?, 'DE', 0)",
			    &st, &err),
	   &err, "agency");
	assert_int_equal(sp_stmt_bind_id(st, 1, id) | sp_stmt_bind_text(st, 2, code) |
				 sp_stmt_bind_text(st, 3, code) | sp_stmt_bind_text(st, 4, kind),
			 0);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
}

__attribute__((unused)) static void add_user(struct sp_subject *s, const char *name, const struct sp_id *agency,
		     enum sp_agency_kind kind, unsigned roles)
{
	memset(s, 0, sizeof *s);
	sp_id_new(&s->user);
	s->agency = *agency;
	s->agency_kind = kind;
	s->roles = roles;
	struct sp_stmt *st;
	struct sp_err err = {0};
	ok(sp_store_prepare(store,
			    "INSERT INTO users (id, username, agency_id, roles, password_hash, "
			    "must_change_password, disabled, created_us, updated_us) "
			    "VALUES (?, ?, ?, ?, 'x', 0, 0, 0, 0)",
			    &st, &err),
	   &err, "user");
	assert_int_equal(sp_stmt_bind_id(st, 1, &s->user) | sp_stmt_bind_text(st, 2, name) |
				 sp_stmt_bind_id(st, 3, agency) | sp_stmt_bind_int64(st, 4, roles),
			 0);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
}

/* Open the world's store (sqlite file or the PostgreSQL database sp_NAME), keys, key store
 * and audit keys in a new temporary folder: 0, or -1 for cmocka's setup. */
__attribute__((unused)) static int world_open(const char *name)
{
	char pg[64], pg_keys[64];
	snprintf(pg, sizeof pg, "sp_%s", name);
	snprintf(pg_keys, sizeof pg_keys, "sp_%s_keys", name);
	if (sp_init() != SP_OK)
		return -1;
	snprintf(dir, sizeof dir, "/tmp/sp-world-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char key[160], data[160], ks_path[160];
	snprintf(db_path, sizeof db_path, "%s/var/safepath.db", dir);
	snprintf(data, sizeof data, "%s/var", dir);
	test_db_url(db_url, sizeof db_url, db_path, pg);
	snprintf(key, sizeof key, "%s/keys/master.key", dir);
	snprintf(ks_path, sizeof ks_path, "%s/keys/persons.db", dir);
	test_db_url(ks_url, sizeof ks_url, ks_path, pg_keys);
	char mk[200];
	snprintf(mk, sizeof mk, "mkdir -p %s/var", dir);
	if (system(mk) != 0)
		return -1;
	struct sp_err err = {0};
	struct sp_store_options opt = {.busy_timeout_ms = 1000, .create = 1};
	struct sp_master *m = NULL;
	if (sp_store_open(db_url, &opt, &store, &err) || sp_store_migrate(store, &err) ||
	    sp_master_key_file_create(key, data, &m, &err) || sp_keys_open(store, m, &keys, &err) ||
	    sp_keystore_open(ks_url, 1, &keystore, &err)) {
		fprintf(stderr, "setup: %s %s\n", err.field, err.msg);
		return -1;
	}
	sp_master_free(m);
	if (sp_audit_keys_new(keys, &akeys, &err))
		return -1;
	memset(&access_ctx, 0, sizeof access_ctx);
	access_ctx.store = store;
	sp_arena_init(&arena, 8192, 0);
	return 0;
}

__attribute__((unused)) static int world_close(void)
{
	sp_arena_release(&arena);
	sp_keystore_close(keystore);
	sp_keys_free(keys);
	sp_store_close(store);
	sp_audit_keys_free(akeys);
	return test_rmtree(dir);
}

/* A test double of the vocabulary: two needs, two tasks and two support types, nothing else. */
static bool vocab_has(const void *ctx, const char *list, const char *code)
{
	static const char *const known[][2] = {{"needs", "safe_shelter"},
					       {"needs", "medical"},
					       {"tasks", "appoint_guardian"},
					       {"tasks", "medical_check"},
					       {"support_types", "health"},
					       {"support_types", "legal"},
					       {"closure_reasons", "objectives_met"}};
	(void)ctx;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(known[i][0], list) == 0 && strcmp(known[i][1], code) == 0)
			return true;
	return false;
}
static const struct sp_vocabulary world_vocab = {.has = vocab_has, .ctx = NULL};
/* What as() gives: the double, unless a test sets the real vocabulary. */
static const struct sp_vocabulary *world_vocabulary = &world_vocab;

__attribute__((unused)) static struct sp_casework as(const struct sp_subject *s)
{
	struct sp_casework cw = {
		.store = store,
		.access = &access_ctx,
		.keys = keys,
		.keystore = keystore,
		.audit = akeys,
		.subject = s,
		.arena = &arena,
		.request_id = "test",
		.vocabulary = world_vocabulary,
	};
	return cw;
}

/* Whether the bytes of s appear anywhere in the database file. */
__attribute__((unused)) static int file_contains(const char *path, const char *s)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	size_t k = strlen(s);
	int found = 0;
	for (long i = 0; !found && i + (long)k <= n; i++)
		found = memcmp(buf + i, s, k) == 0;
	free(buf);
	return found;
}

/* The same through libpq: each row as PostgreSQL's text of the whole row, in that order. */
__attribute__((unused)) static char *snapshot_pg(const char *const *tables, size_t n_tables)
{
	PGconn *c = PQconnectdb(db_url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	struct sp_buf b;
	sp_buf_init(&b, 64u << 20);
	for (size_t t = 0; t < n_tables; t++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT r::text FROM %s r ORDER BY 1", tables[t]);
		PGresult *res = PQexec(c, sql);
		assert_int_equal(PQresultStatus(res), PGRES_TUPLES_OK);
		assert_int_equal(sp_buf_addf(&b, "[%s]\n", tables[t]), 0);
		for (int i = 0; i < PQntuples(res); i++)
			assert_int_equal(sp_buf_addf(&b, "%s\n", PQgetvalue(res, i, 0)), 0);
		PQclear(res);
	}
	PQfinish(c);
	size_t n;
	return sp_buf_detach(&b, &n);
}

/* Every row of every domain table (and the audit trail), as text, read through the engine's
 * own client library: independent of the code under test. */
__attribute__((unused)) static char *snapshot(const char *const *tables, size_t n_tables)
{
	if (test_pg())
		return snapshot_pg(tables, n_tables);
	sqlite3 *db;
	assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	struct sp_buf b;
	sp_buf_init(&b, 64u << 20);
	for (size_t t = 0; t < n_tables; t++) {
		char sql[128];
		snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY rowid", tables[t]);
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sp_buf_addf(&b, "[%s]\n", tables[t]), 0);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int i = 0; i < sqlite3_column_count(st); i++) {
				const unsigned char *v = sqlite3_column_blob(st, i);
				int n = sqlite3_column_bytes(st, i);
				assert_int_equal(sp_buf_addf(&b, "%d:", sqlite3_column_type(st, i)),
						 0);
				for (int k = 0; k < n; k++)
					assert_int_equal(sp_buf_addf(&b, "%02x", v[k]), 0);
				assert_int_equal(sp_buf_addc(&b, '|'), 0);
			}
			assert_int_equal(sp_buf_addc(&b, '\n'), 0);
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	size_t n;
	return sp_buf_detach(&b, &n);
}

/* A case opened by who for the person given as JSON, with case flags. */
__attribute__((unused)) static struct sp_case open_case(const struct sp_subject *who,
							const char *person, unsigned flags)
{
	struct sp_casework cw = as(who);
	struct sp_err err = {0};
	struct sp_person p;
	json_t *j = sp_json_parse(person, strlen(person), &err);
	assert_non_null(j);
	ok(sp_person_decode(j, &arena, &p, &err), &err, "person");
	struct sp_case_open in = {.person = &p, .priority = SP_PRIORITY_NORMAL, .flags = flags};
	struct sp_case c;
	ok(sp_case_open(&cw, &in, &c, &err), &err, "open");
	json_decref(j);
	return c;
}

/* A person born in March of the year 15 years ago (the test runs after March or not: 14 or
 * 15), as JSON in buf. */
__attribute__((unused)) static const char *child_json(char *buf, size_t n)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(buf, n,
		 "{\"names\": [{\"role\": \"given\", \"romanised\": \"Yonas\"}], \"sex\": \"male\", "
		 "\"date_of_birth\": {\"date\": \"%d-03-01\"}}",
		 tm.tm_year + 1900 - 15);
	return buf;
}

/* The fault walk: operation `which` (0 to n_ops - 1, in turn) run by op(ctx, which, err) with
 * the Nth store call failing, for N = 1, 2, ... until it succeeds: every failure must leave
 * the tables as they were and no transaction open. */
typedef int (*world_op)(void *ctx, int which, struct sp_err *err);
__attribute__((unused)) static void fault_walk_over(const char *const *tables, size_t n_tables,
						    int n_ops, world_op op, void *ctx)
{
	for (int which = 0; which < n_ops; which++) {
		for (long n = 1;; n++) {
			struct sp_err err = {0};
			char *before = snapshot(tables, n_tables);
			sp_store_fail_at(store, n);
			int rc = op(ctx, which, &err);
			long calls = sp_store_calls(store);
			sp_store_fail_at(store, 0);
			assert_false(sp_store_in_transaction(store));
			if (rc == SP_OK) {
				free(before);
				assert_true(calls < n);
				assert_true(n > 3);
				break;
			}
			if (rc != SP_EFAULT)
				fail_msg("operation %d, call %ld: %s (%s) %s", which, n,
					 sp_status_name(rc), err.field, err.msg);
			char *after = snapshot(tables, n_tables);
			if (strcmp(before, after) != 0)
				fail_msg("operation %d: failing call %ld left rows behind", which, n);
			free(after);
			free(before);
		}
	}
}

/* The single integer a query with one id parameter gives (a count, a flag column). */
__attribute__((unused)) static int64_t world_count_id(const char *sql, const struct sp_id *id)
{
	struct sp_stmt *st;
	struct sp_err err = {0};
	ok(sp_store_prepare(store, sql, &st, &err), &err, sql);
	assert_int_equal(sp_stmt_bind_id(st, 1, id), 0);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	int64_t n = sp_stmt_int64(st, 0);
	sp_stmt_done(st);
	return n;
}

/* The rows of a table of the world's store. */
__attribute__((unused)) static int64_t world_count(const char *table)
{
	int64_t n = -1;
	struct sp_err err = {0};
	ok(sp_store_count_rows(store, table, &n, &err), &err, table);
	return n;
}

/* The embedded vocabulary (protocols/codes.json) as casework and the directory check codes
 * against it: 0, or -1 for cmocka's setup. Free *codes with sp_vocab_free. */
__attribute__((unused)) static int world_codes(struct sp_vocab **codes, struct sp_vocabulary *out)
{
	struct sp_diag diag;
	sp_diag_init(&diag);
	int rc = sp_vocab_load_embedded(codes, &diag);
	sp_diag_free(&diag);
	if (rc)
		return -1;
	sp_vocab_for_casework(*codes, out);
	return 0;
}

#endif
