/* crypto/ with stores: data keys in data_keys (open, rotate, wrong master), a copy of the data
 * folder that decrypts nothing without the key, the person key store with crypto-shredding
 * across threads, and fault injection over every store call of key creation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto/crypto.h"
#include "safepath/init.h"
#include "safepath/crypto.h"
#include "safepath/store.h"

#include "helpers.h"

static char root[64], data[128], keydir[128], keyfile[160], dburl[192], ksurl[192];

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/sp-cstore-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(data, sizeof data, "%s/var", root);
	snprintf(keydir, sizeof keydir, "%s/keys", root);
	snprintf(keyfile, sizeof keyfile, "%s/master.key", keydir);
	char path[192];
	snprintf(path, sizeof path, "%s/safepath.db", data);
	test_db_url(dburl, sizeof dburl, path, "sp_cstore");
	snprintf(path, sizeof path, "%s/persons.db", keydir);
	test_db_url(ksurl, sizeof ksurl, path, "sp_cstore_keys");
	return mkdir(data, 0700);
}

static int teardown(void **state)
{
	(void)state;
	sp_keycache_thread_release();
	return test_rmtree(root);
}

static struct sp_store *open_db(const char *url)
{
	struct sp_store_options opt = {.busy_timeout_ms = 2000, .create = 1};
	struct sp_store *s = NULL;
	struct sp_err err = {0};
	assert_int_equal(sp_store_open(url, &opt, &s, &err), SP_OK);
	assert_int_equal(sp_store_migrate(s, &err), SP_OK);
	return s;
}

static struct sp_master *new_master(void)
{
	struct sp_master *m;
	struct sp_err err = {0};
	assert_int_equal(sp_master_key_file_create(keyfile, data, &m, &err), SP_OK);
	return m;
}

static int64_t count_rows(struct sp_store *s, const char *sql)
{
	struct sp_stmt *st;
	struct sp_err err = {0};
	assert_int_equal(sp_store_prepare(s, sql, &st, &err), SP_OK);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	int64_t n = sp_stmt_int64(st, 0);
	sp_stmt_done(st);
	return n;
}

static void data_keys_open_rotate_reopen(void **state)
{
	(void)state;
	struct sp_store *s = open_db(dburl);
	struct sp_master *m = new_master();
	struct sp_keys *k, *k2;
	struct sp_err err = {0};
	assert_int_equal(sp_keys_open(s, m, &k, &err), SP_OK);
	assert_int_equal(sp_keys_data_version(k), 1);
	assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM data_keys"), 1);

	struct sp_id rec;
	sp_id_new(&rec);
	struct sp_field f = {"persons", "name", &rec};
	struct sp_buf c1, c2, pt;
	sp_buf_init(&c1, 4096);
	sp_buf_init(&c2, 4096);
	sp_buf_init(&pt, 4096);
	assert_int_equal(sp_field_seal(k, &f, "Amina", 5, &c1, &err), SP_OK);
	assert_int_equal(sp_keys_rotate(s, k, &err), SP_OK);
	assert_int_equal(sp_keys_data_version(k), 2);
	assert_int_equal(sp_keys_data_count(k), 2);
	assert_int_equal(sp_field_seal(k, &f, "Yusuf", 5, &c2, &err), SP_OK);
	enum sp_key_kind kind;
	uint32_t v;
	assert_int_equal(sp_field_key_of(c2.data, c2.len, &kind, &v), SP_OK);
	assert_int_equal(v, 2);

	/* A fresh open with the same master key reads both versions. */
	assert_int_equal(sp_keys_open(s, m, &k2, &err), SP_OK);
	assert_int_equal(sp_keys_data_count(k2), 2);
	assert_int_equal(sp_field_open(k2, NULL, &f, c1.data, c1.len, &pt, &err), SP_OK);
	assert_string_equal(pt.data, "Amina");
	sp_buf_reset(&pt);
	assert_int_equal(sp_field_open(k2, NULL, &f, c2.data, c2.len, &pt, &err), SP_OK);
	assert_string_equal(pt.data, "Yusuf");
	/* The subkeys come from the master key alone: same on both. */
	assert_int_equal(sodium_memcmp(sp_keys_audit_chain_key(k), sp_keys_audit_chain_key(k2), 32), 0);
	sp_keys_free(k2);

	/* Another master key opens nothing. */
	struct sp_master *other;
	unsigned char raw[32];
	randombytes_buf(raw, sizeof raw);
	assert_int_equal(sp_master_from_bytes_(raw, &other, &err), SP_OK);
	assert_int_equal(sp_keys_open(s, other, &k2, &err), SP_ECRYPTO);
	assert_null(k2);
	assert_string_equal(err.field, "key-file");
	assert_int_equal(sp_store_in_transaction(s), 0);
	sp_master_free(other);

	sp_buf_free(&c1);
	sp_buf_free(&c2);
	sp_buf_free(&pt);
	sp_keys_free(k);
	sp_master_free(m);
	sp_store_close(s);
}

/* Does any file in dir contain needle? */
static int folder_contains(const char *dir, const void *needle, size_t n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;
	assert_non_null(d);
	while (!found && (e = readdir(d))) {
		char path[512];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		static unsigned char buf[1 << 20];
		size_t len = fread(buf, 1, sizeof buf, f);
		fclose(f);
		for (size_t i = 0; i + n <= len && !found; i++)
			found = memcmp(buf + i, needle, n) == 0;
	}
	closedir(d);
	return found;
}

/* Acceptance 10: copy the data folder alone elsewhere; nothing in it opens. */
static void data_folder_copy_decrypts_nothing(void **state)
{
	(void)state;
	TEST_SQLITE_ONLY("copies the data folder's SQLite file");
	const char secret[] = "Nadia K., born 2009, Tripoli";
	struct sp_store *s = open_db(dburl);
	struct sp_master *m = new_master();
	struct sp_keys *k;
	struct sp_err err = {0};
	assert_int_equal(sp_keys_open(s, m, &k, &err), SP_OK);
	assert_int_equal(sp_store_exec(s, "CREATE TABLE t (id BLOB PRIMARY KEY, v BLOB)", &err), SP_OK);
	struct sp_id rec;
	sp_id_new(&rec);
	struct sp_field f = {"t", "v", &rec};
	struct sp_buf ct;
	sp_buf_init(&ct, 4096);
	assert_int_equal(sp_field_seal(k, &f, secret, sizeof secret - 1, &ct, &err), SP_OK);
	struct sp_stmt *st;
	assert_int_equal(sp_store_prepare(s, "INSERT INTO t (id, v) VALUES (?, ?)", &st, &err), SP_OK);
	assert_int_equal(sp_stmt_bind_id(st, 1, &rec), SP_OK);
	assert_int_equal(sp_stmt_bind_blob(st, 2, ct.data, ct.len), SP_OK);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
	sp_keys_free(k);
	sp_store_close(s);

	char elsewhere[192], cmd[512], url2[256];
	snprintf(elsewhere, sizeof elsewhere, "%s/elsewhere", root);
	snprintf(cmd, sizeof cmd, "cp -a '%s' '%s'", data, elsewhere);
	assert_int_equal(system(cmd), 0);
	snprintf(url2, sizeof url2, "sqlite:%s/safepath.db", elsewhere);

	/* Neither the value nor the master key is anywhere in the copy. */
	assert_false(folder_contains(elsewhere, secret, sizeof secret - 1));
	assert_false(folder_contains(elsewhere, m->key, SP_KEY_LEN));

	/* No key file beside the copy: nothing to load. */
	char nokey[256];
	struct sp_master *m2 = NULL;
	snprintf(nokey, sizeof nokey, "%s/elsewhere-keys/master.key", root);
	assert_int_equal(sp_master_key_file_load(nokey, elsewhere, &m2, &err), SP_ENOTFOUND);
	/* A new key (what someone holding only the copy could make) opens no data key... */
	assert_int_equal(sp_master_key_file_create(nokey, elsewhere, &m2, &err), SP_OK);
	s = open_db(url2);
	assert_int_equal(sp_keys_open(s, m2, &k, &err), SP_ECRYPTO);
	/* ...nor, with a key set of its own making, the sealed row. */
	struct sp_keys *forged;
	uint32_t v1 = 1;
	unsigned char guess[32] = {0};
	assert_int_equal(sp_keys_derive_(m2, &forged, &err), SP_OK);
	assert_int_equal(sp_keys_add_data_keys_(forged, &v1, guess, 1, &err), SP_OK);
	assert_int_equal(sp_store_prepare(s, "SELECT v FROM t", &st, &err), SP_OK);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	size_t n;
	const void *c = sp_stmt_blob(st, 0, &n);
	struct sp_buf pt;
	sp_buf_init(&pt, 4096);
	assert_int_equal(sp_field_open(forged, NULL, &f, c, n, &pt, &err), SP_ECRYPTO);
	sp_stmt_done(st);
	sp_keys_free(forged);
	sp_master_free(m2);
	sp_store_close(s);

	/* With the real key the copy opens: the folder moved, nothing else. */
	s = open_db(url2);
	assert_int_equal(sp_keys_open(s, m, &k, &err), SP_OK);
	assert_int_equal(sp_store_prepare(s, "SELECT v FROM t", &st, &err), SP_OK);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	c = sp_stmt_blob(st, 0, &n);
	assert_int_equal(sp_field_open(k, NULL, &f, c, n, &pt, &err), SP_OK);
	assert_string_equal(pt.data, secret);
	sp_stmt_done(st);
	sp_buf_free(&pt);
	sp_buf_free(&ct);
	sp_keys_free(k);
	sp_master_free(m);
	sp_store_close(s);
}

/* The data store, a master key, the data keys and the person-key store of the test. */
struct key_world {
	struct sp_store *s;
	struct sp_master *m;
	struct sp_keys *k;
	struct sp_keystore *ks;
};

static struct key_world key_world_open(void)
{
	struct key_world w = {open_db(dburl), new_master(), NULL, NULL};
	struct sp_err err = {0};
	assert_int_equal(sp_keys_open(w.s, w.m, &w.k, &err), SP_OK);
	assert_int_equal(sp_keystore_open(ksurl, 1, &w.ks, &err), SP_OK);
	return w;
}

static void key_world_close(struct key_world *w)
{
	sp_keystore_close(w->ks);
	sp_keys_free(w->k);
	sp_store_close(w->s);
	sp_master_free(w->m);
}

static void person_keys_seal_and_shred(void **state)
{
	(void)state;
	struct key_world w = key_world_open();
	struct sp_store *s = w.s;
	struct sp_master *m = w.m;
	struct sp_keys *k = w.k;
	struct sp_keystore *ks = w.ks;
	struct sp_err err = {0};

	struct sp_id person, other, rec;
	sp_id_new(&person);
	sp_id_new(&other);
	sp_id_new(&rec);
	struct sp_person_key pk, pk2;
	assert_int_equal(sp_person_key_get(ks, k, &person, 0, &pk, &err), SP_ENOTFOUND);
	assert_int_equal(sp_person_key_get(ks, k, &person, 1, &pk, &err), SP_OK);
	assert_int_equal(sp_person_key_get(ks, k, &other, 1, &pk2, &err), SP_OK);
	struct sp_field f = {"notes", "body", &rec};
	struct sp_buf ct, pt;
	sp_buf_init(&ct, 4096);
	sp_buf_init(&pt, 4096);
	assert_int_equal(sp_field_seal_person(&pk, &f, "disclosed in interview", 22, &ct, &err), SP_OK);
	assert_int_equal(sp_field_open(k, &pk, &f, ct.data, ct.len, &pt, &err), SP_OK);
	assert_string_equal(pt.data, "disclosed in interview");
	/* Another person's key, or the data key, does not open it. */
	sp_buf_reset(&pt);
	assert_int_equal(sp_field_open(k, &pk2, &f, ct.data, ct.len, &pt, &err), SP_ECRYPTO);
	assert_int_equal(sp_field_open(k, NULL, &f, ct.data, ct.len, &pt, &err), SP_EINVAL);

	/* From the key store, not the cache: a new thread cache reads the same key. */
	sp_keycache_thread_release();
	assert_int_equal(sp_person_key_get(ks, k, &person, 0, &pk, &err), SP_OK);
	sp_buf_reset(&pt);
	assert_int_equal(sp_field_open(k, &pk, &f, ct.data, ct.len, &pt, &err), SP_OK);
	/* Rotation leaves person keys readable (wrapped by version 1, still loaded). */
	assert_int_equal(sp_keys_rotate(s, k, &err), SP_OK);
	sp_keycache_thread_release();
	assert_int_equal(sp_person_key_get(ks, k, &person, 0, &pk, &err), SP_OK);
	/* The key store lives beside the key file, not in the data folder. */
	struct stat st;
	char path[256];
	snprintf(path, sizeof path, "%s/persons.db", keydir);
	assert_int_equal(stat(path, &st), test_pg() ? -1 : 0);
	assert_int_equal(count_rows(sp_keystore_store(ks), "SELECT COUNT(*) FROM person_keys"), 2);

	/* Read the wrapped key so we can look for it on disk afterwards. */
	unsigned char wrapped[SP_WRAPPED_LEN];
	struct sp_stmt *q;
	size_t n;
	assert_int_equal(sp_store_prepare(sp_keystore_store(ks), "SELECT wrapped FROM person_keys WHERE person_id = ?", &q, &err), SP_OK);
	assert_int_equal(sp_stmt_bind_id(q, 1, &person), SP_OK);
	assert_int_equal(sp_stmt_step(q, &err), 1);
	memcpy(wrapped, sp_stmt_blob(q, 0, &n), sizeof wrapped);
	assert_int_equal(n, sizeof wrapped);
	sp_stmt_done(q);
	/* on SQLite the wrapped key is in the file until shredded (PostgreSQL's files are its
	 * server's) */
	assert_true(test_pg() || folder_contains(keydir, wrapped, sizeof wrapped));

	assert_int_equal(sp_person_key_destroy(ks, &person, &err), SP_OK);
	sp_buf_reset(&pt);
	assert_int_equal(sp_field_open(k, &pk, &f, ct.data, ct.len, &pt, &err), SP_ENOTFOUND);
	assert_int_equal(sp_field_seal_person(&pk, &f, "x", 1, &ct, &err), SP_ENOTFOUND);
	assert_int_equal(sp_person_key_get(ks, k, &person, 0, &pk, &err), SP_ENOTFOUND);
	assert_false(!test_pg() && folder_contains(keydir, wrapped, sizeof wrapped));
	assert_int_equal(count_rows(sp_keystore_store(ks), "SELECT COUNT(*) FROM person_keys"), 1);
	assert_int_equal(sp_person_key_destroy(ks, &person, &err), SP_OK); /* again: fine */
	/* The other person is untouched. */
	assert_int_equal(sp_person_key_get(ks, k, &other, 0, &pk2, &err), SP_OK);

	sp_buf_free(&ct);
	sp_buf_free(&pt);
	sp_keystore_close(ks);

	/* Passphrase mode has no key folder yet: creating the key store makes it, 0700 (a
	 * SQLite file). */
	char url2[256], sub[192];
	snprintf(sub, sizeof sub, "%s/nokeys/sub", root);
	snprintf(url2, sizeof url2, "sqlite:%s/persons.db", sub);
	if (test_pg())
		goto out;
	assert_int_equal(sp_keystore_open(url2, 0, &ks, &err), SP_EUNAVAIL);
	assert_int_equal(sp_keystore_open(url2, 1, &ks, &err), SP_OK);
	assert_int_equal(stat(sub, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	sp_keystore_close(ks);
out:
	sp_keys_free(k);
	sp_master_free(m);
	sp_store_close(s);
}

/* A worker thread holds a person key in its cache; another thread destroys it. */
struct worker {
	const struct sp_keys *k;
	struct sp_id person;
	int go[2], done[2];
	int got, after_lock, after_find;
};

static void *worker_main(void *p)
{
	struct worker *w = p;
	struct sp_keystore *ks;
	struct sp_person_key pk;
	struct sp_err err = {0};
	const unsigned char *key;
	char c = 0;
	w->got = -100;
	if (sp_keystore_open(ksurl, 0, &ks, &err) == SP_OK) {
		w->got = sp_person_key_get(ks, w->k, &w->person, 0, &pk, &err);
		if (write(w->done[1], "1", 1) != 1 || read(w->go[0], &c, 1) != 1)
			w->got = -101;
		w->after_lock = sp_person_key_lock_(&pk, 1, &key);
		if (w->after_lock == SP_OK)
			sp_person_key_unlock_(&pk);
		w->after_find = (int)sp_keycache_used_();
		sp_keystore_close(ks);
	}
	sp_keycache_thread_release();
	if (write(w->done[1], "2", 1) != 1)
		w->got = -102;
	return NULL;
}

static void shredding_reaches_other_threads(void **state)
{
	(void)state;
	struct sp_store *s = open_db(dburl);
	struct sp_master *m = new_master();
	struct sp_keys *k;
	struct sp_keystore *ks;
	struct sp_person_key pk;
	struct sp_err err = {0};
	struct worker w = {0};
	pthread_t t;
	char c;
	assert_int_equal(sp_keys_open(s, m, &k, &err), SP_OK);
	assert_int_equal(sp_keystore_open(ksurl, 1, &ks, &err), SP_OK);
	sp_id_new(&w.person);
	assert_int_equal(sp_person_key_get(ks, k, &w.person, 1, &pk, &err), SP_OK);
	w.k = k;
	assert_int_equal(pipe(w.go), 0);
	assert_int_equal(pipe(w.done), 0);
	assert_int_equal(pthread_create(&t, NULL, worker_main, &w), 0);
	assert_int_equal(read(w.done[0], &c, 1), 1); /* the worker has it cached */
	assert_int_equal(sp_person_key_destroy(ks, &w.person, &err), SP_OK);
	assert_int_equal(write(w.go[1], "g", 1), 1);
	assert_int_equal(read(w.done[0], &c, 1), 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.got, SP_OK);
	assert_int_equal(w.after_lock, SP_ENOTFOUND); /* its reference went stale */
	assert_int_equal(w.after_find, 0);            /* and its cache holds nothing */
	for (int i = 0; i < 2; i++) {
		close(w.go[i]);
		close(w.done[i]);
	}
	sp_keystore_close(ks);
	sp_keys_free(k);
	sp_master_free(m);
	sp_store_close(s);
}

/* Workers seal and open with person keys while the main thread destroys half of them: a
 * reference either works (and round-trips) or is stale, never a wrong or half-wiped key. */
#define STRESS_PERSONS 16
#define STRESS_THREADS 4
struct stress {
	const struct sp_keys *k;
	const struct sp_id *persons;
	int bad, ok, stale;
};

static void *stress_main(void *p)
{
	struct stress *w = p;
	struct sp_keystore *ks;
	struct sp_err err = {0};
	struct sp_buf ct, pt;
	struct sp_id rec;
	sp_id_new(&rec);
	struct sp_field f = {"notes", "body", &rec};
	sp_buf_init(&ct, 4096);
	sp_buf_init(&pt, 4096);
	if (sp_keystore_open(ksurl, 0, &ks, &err) != SP_OK) {
		w->bad = 1000;
		return NULL;
	}
	for (int i = 0; i < 400; i++) {
		struct sp_person_key pk;
		int rc = sp_person_key_get(ks, w->k, &w->persons[i % STRESS_PERSONS], 0, &pk, &err);
		if (rc == SP_ENOTFOUND) {
			w->stale++;
			continue;
		}
		if (rc != SP_OK) {
			w->bad++;
			continue;
		}
		sp_buf_reset(&ct);
		sp_buf_reset(&pt);
		rc = sp_field_seal_person(&pk, &f, "stress", 6, &ct, &err);
		if (rc == SP_OK)
			rc = sp_field_open(w->k, &pk, &f, ct.data, ct.len, &pt, &err);
		if (rc == SP_OK && pt.len == 6 && memcmp(pt.data, "stress", 6) == 0)
			w->ok++;
		else if (rc == SP_ENOTFOUND)
			w->stale++;
		else
			w->bad++;
	}
	sp_buf_free(&ct);
	sp_buf_free(&pt);
	sp_keystore_close(ks);
	sp_keycache_thread_release();
	return NULL;
}

static void person_keys_under_concurrent_shredding(void **state)
{
	(void)state;
	struct sp_store *s = open_db(dburl);
	struct sp_master *m = new_master();
	struct sp_keys *k;
	struct sp_keystore *ks;
	struct sp_person_key pk;
	struct sp_err err = {0};
	struct sp_id persons[STRESS_PERSONS];
	struct stress w[STRESS_THREADS] = {{0}};
	pthread_t t[STRESS_THREADS];
	assert_int_equal(sp_keys_open(s, m, &k, &err), SP_OK);
	assert_int_equal(sp_keystore_open(ksurl, 1, &ks, &err), SP_OK);
	for (int i = 0; i < STRESS_PERSONS; i++) {
		sp_id_new(&persons[i]);
		assert_int_equal(sp_person_key_get(ks, k, &persons[i], 1, &pk, &err), SP_OK);
	}
	for (int i = 0; i < STRESS_THREADS; i++) {
		w[i].k = k;
		w[i].persons = persons;
		assert_int_equal(pthread_create(&t[i], NULL, stress_main, &w[i]), 0);
	}
	for (int i = 0; i < STRESS_PERSONS; i += 2) {
		int rc = sp_person_key_destroy(ks, &persons[i], &err);
		if (rc != SP_OK) /* say why: seen once under ASan on PostgreSQL, not reproduced */
			fail_msg("destroy %d: %s %s %s", i, sp_status_name(rc), err.field, err.msg);
	}
	for (int i = 0; i < STRESS_THREADS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].bad, 0);
		assert_true(w[i].ok > 0);
	}
	sp_keycache_thread_release();
	for (int i = 0; i < STRESS_PERSONS; i++)
		assert_int_equal(sp_person_key_get(ks, k, &persons[i], 0, &pk, &err),
				 i % 2 ? SP_OK : SP_ENOTFOUND);
	sp_keystore_close(ks);
	sp_keys_free(k);
	sp_master_free(m);
	sp_store_close(s);
}

/* Fail every store call of first-time key creation in turn: each failure leaves either no
 * data key or exactly one, and a retry then works. Same for a person key. */
static void key_creation_survives_every_fault(void **state)
{
	(void)state;
	struct sp_master *m = new_master();
	struct sp_err err = {0};
	char url[256];
	int faults = 0;
	for (long n = 1; n < 100; n++) {
		char path[200];
		snprintf(path, sizeof path, "%s/f%ld.db", data, n);
		test_db_url(url, sizeof url, path, "sp_cstore_faults");
		struct sp_store *s = open_db(url);
		struct sp_keys *k = NULL;
		sp_store_fail_at(s, n);
		int rc = sp_keys_open(s, m, &k, &err);
		sp_store_fail_at(s, 0);
		assert_int_equal(sp_store_in_transaction(s), 0);
		int64_t rows = count_rows(s, "SELECT COUNT(*) FROM data_keys");
		assert_true(rows == 0 || rows == 1);
		if (rc == SP_OK) {
			assert_int_equal(rows, 1);
			sp_keys_free(k);
			sp_store_close(s);
			break;
		}
		faults++;
		assert_int_equal(rc, SP_EFAULT);
		assert_null(k);
		assert_int_equal(sp_keys_open(s, m, &k, &err), SP_OK);
		assert_int_equal(count_rows(s, "SELECT COUNT(*) FROM data_keys"), 1);
		sp_keys_free(k);
		sp_store_close(s);
	}
	assert_true(faults >= 5);

	struct sp_store *s = open_db(dburl);
	struct sp_keys *k;
	struct sp_keystore *ks;
	struct sp_person_key pk;
	assert_int_equal(sp_keys_open(s, m, &k, &err), SP_OK);
	assert_int_equal(sp_keystore_open(ksurl, 1, &ks, &err), SP_OK);
	faults = 0;
	for (long n = 1; n < 100; n++) {
		struct sp_id person;
		size_t cached = sp_keycache_used_();
		sp_id_new(&person);
		sp_store_fail_at(sp_keystore_store(ks), n);
		int rc = sp_person_key_get(ks, k, &person, 1, &pk, &err);
		sp_store_fail_at(sp_keystore_store(ks), 0);
		assert_int_equal(sp_store_in_transaction(sp_keystore_store(ks)), 0);
		if (rc == SP_OK)
			break;
		faults++;
		assert_int_equal(rc, SP_EFAULT);
		assert_int_equal(sp_keycache_used_(), cached); /* the claimed slot was wiped */
		/* Nothing half-made: either no key, or one that opens. */
		rc = sp_person_key_get(ks, k, &person, 0, &pk, &err);
		assert_true(rc == SP_ENOTFOUND || rc == SP_OK);
	}
	assert_true(faults >= 3);
	sp_keystore_close(ks);
	sp_keys_free(k);
	sp_store_close(s);
	sp_master_free(m);
}

/* The batch path's keys: made in one key-store transaction (all or none under every fault),
 * then read back into the cache SP_PERSON_KEYS_CACHED at a time with one statement, so
 * that asking for them touches the key store no more; a person without a key is left out,
 * and the keys read are the ones made. */
static void batch_keys_made_and_read_back(void **state)
{
	(void)state;
	struct key_world w = key_world_open();
	struct sp_keys *k = w.k;
	struct sp_keystore *ks = w.ks;
	struct sp_err err = {0};
	struct sp_store *kss = sp_keystore_store(ks);
	enum { N = SP_PERSON_KEYS_CACHED + 2 };
	static struct sp_id ids[N];
	for (int i = 0; i < N; i++)
		sp_id_new(&ids[i]);
	/* the store calls: begin, a prepare and a step a key, the commit (on PostgreSQL the rows
	 * go after it, as multi-row INSERTs); a fault at any leaves no key; unarmed (0), all */
	static const long at[] = {1, 2, 3, 2 * N + 1, 2 * N + 2, 2 * N + 3, 2 * N + 4, 0};
	int faults = 0, rc = SP_EFAULT;
	for (size_t i = 0; rc != SP_OK && i < sizeof at / sizeof at[0]; i++) {
		sp_store_fail_at(kss, at[i]);
		rc = sp_person_keys_create(ks, k, ids, N, &err);
		sp_store_fail_at(kss, 0);
		assert_int_equal(sp_store_in_transaction(kss), 0);
		int64_t rows = count_rows(kss, "SELECT COUNT(*) FROM person_keys");
		assert_int_equal(rows, rc == SP_OK ? N : 0);
		if (rc != SP_OK) {
			faults++;
			assert_int_equal(rc, SP_EFAULT);
		}
	}
	assert_int_equal(rc, SP_OK);
	assert_int_equal(faults, test_pg() ? 7 : 5);
	/* a seal under the first key, read from the store */
	sp_keycache_thread_release();
	struct sp_person_key pk;
	struct sp_id rec;
	sp_id_new(&rec);
	struct sp_field f = {"persons", "profile", &rec};
	struct sp_buf ct, pt;
	sp_buf_init(&ct, 4096);
	sp_buf_init(&pt, 4096);
	assert_int_equal(sp_person_key_get(ks, k, &ids[0], 0, &pk, &err), SP_OK);
	assert_int_equal(sp_field_seal_person(&pk, &f, "Selam", 5, &ct, &err), SP_OK);
	sp_keycache_thread_release();
	assert_int_equal(sp_person_keys_cache(ks, k, ids, 0, &err), SP_EINVAL);
	assert_int_equal(sp_person_keys_cache(ks, k, ids, SP_PERSON_KEYS_CACHED + 1, &err),
			 SP_EINVAL);
	/* the first 127 and one person without a key */
	struct sp_id ask[SP_PERSON_KEYS_CACHED], stranger;
	sp_id_new(&stranger);
	memcpy(ask, ids, sizeof ask);
	ask[SP_PERSON_KEYS_CACHED - 1] = stranger;
	/* begin, prepare, the step of each row and the last, the commit: a fault at any leaves
	 * no transaction open */
	faults = 0;
	rc = SP_EFAULT;
	for (long n = 1; rc != SP_OK; n++) {
		sp_store_fail_at(kss, n);
		rc = sp_person_keys_cache(ks, k, ask, SP_PERSON_KEYS_CACHED, &err);
		sp_store_fail_at(kss, 0);
		assert_int_equal(sp_store_in_transaction(kss), 0);
		if (rc != SP_OK) {
			faults++;
			assert_int_equal(rc, SP_EFAULT);
			sp_keycache_thread_release();
		}
	}
	assert_int_equal(faults, 3 + SP_PERSON_KEYS_CACHED);
	assert_int_equal(sp_keycache_used_(), SP_PERSON_KEYS_CACHED - 1);
	/* every store call fails from now: the cached keys need none */
	sp_store_fail_at(kss, 1);
	for (int i = 0; i < SP_PERSON_KEYS_CACHED - 1; i++)
		assert_int_equal(sp_person_key_get(ks, k, &ids[i], 0, &pk, &err), SP_OK);
	assert_int_equal(sp_field_open(k, &pk, &f, ct.data, ct.len, &pt, &err), SP_ECRYPTO);
	assert_int_equal(sp_person_key_get(ks, k, &ids[0], 0, &pk, &err), SP_OK);
	assert_int_equal(sp_field_open(k, &pk, &f, ct.data, ct.len, &pt, &err), SP_OK);
	assert_string_equal(pt.data, "Selam");
	/* the stranger and the keys past the chunk were not read */
	assert_int_equal(sp_person_key_get(ks, k, &stranger, 0, &pk, &err), SP_EFAULT);
	sp_store_fail_at(kss, 1);
	assert_int_equal(sp_person_key_get(ks, k, &ids[N - 1], 0, &pk, &err), SP_EFAULT);
	sp_store_fail_at(kss, 0);
	assert_int_equal(sp_person_key_get(ks, k, &stranger, 0, &pk, &err), SP_ENOTFOUND);
	sp_buf_free(&ct);
	sp_buf_free(&pt);
	key_world_close(&w);
}

int main(void)
{
	if (sp_init() != SP_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(data_keys_open_rotate_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(data_folder_copy_decrypts_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(person_keys_seal_and_shred, setup, teardown),
		cmocka_unit_test_setup_teardown(shredding_reaches_other_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(person_keys_under_concurrent_shredding, setup, teardown),
		cmocka_unit_test_setup_teardown(key_creation_survives_every_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(batch_keys_made_and_read_back, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
