/* access/throttle.c on a temporary SQLite database: counts per user name and per address,
 * the window's expiry on an injected clock, the reset on success (and no write without
 * failures), counters shared by two connections (two servers), and keyed storage: neither the
 * user name nor the address is anywhere in the database file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "safepath/init.h"
#include "safepath/access.h"
#include "crypto/crypto.h"

#include "helpers.h"

#define S 1000000LL /* microseconds in a second */
#define T0 (1800000000LL * S)

static char dir[64];
static char url[128];
static struct sp_store *store, *store2;
static struct sp_access acc, acc2;
static struct sp_keys *keys;
static const struct sp_kdf_params cost = {.ops = 1, .mem = 8192};
static const struct sp_throttle_limits lim = {.max_user = 3, .max_addr = 5, .window_s = 60};

static int setup(void **state)
{
	(void)state;
	struct sp_err err = {0};
	snprintf(dir, sizeof dir, "/tmp/sp-throttle-XXXXXX");
	if (!mkdtemp(dir) || sp_init() != SP_OK)
		return -1;
	char path[96];
	snprintf(path, sizeof path, "%s/t.db", dir);
	test_db_url(url, sizeof url, path, "sp_throttle");
	struct sp_store_options opt = {.busy_timeout_ms = 1000, .create = 1};
	unsigned char raw[SP_KEY_LEN];
	struct sp_master *m = NULL;
	randombytes_buf(raw, sizeof raw);
	if (sp_store_open(url, &opt, &store, &err) || sp_store_migrate(store, &err) ||
	    sp_access_init_params(&acc, store, &cost, &err) ||
	    sp_store_open(url, &opt, &store2, &err) ||
	    sp_access_init_params(&acc2, store2, &cost, &err) ||
	    sp_master_from_bytes_(raw, &m, &err) || sp_keys_open(store, m, &keys, &err)) {
		fprintf(stderr, "setup: %s\n", err.msg);
		return -1;
	}
	sp_master_free(m);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_keys_free(keys);
	sp_store_close(store2);
	sp_store_close(store);
	return test_rmtree(dir);
}

static struct sp_throttle check_on(struct sp_access *a, const char *user, const char *addr,
				   int64_t now)
{
	struct sp_throttle t;
	struct sp_err err = {0};
	assert_int_equal(sp_throttle_check(a, keys, &lim, user, addr, now, &t, &err), SP_OK);
	return t;
}

static struct sp_throttle check(const char *user, const char *addr, int64_t now)
{
	return check_on(&acc, user, addr, now);
}

static void failed_once(const char *user, const char *addr, int64_t now)
{
	struct sp_err err = {0};
	struct sp_throttle t = check(user, addr, now);
	assert_int_equal(sp_throttle_failed(&acc, &lim, &t, now, &err), SP_OK);
}

static void counts_per_user_name_until_the_window_closes(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++) {
		struct sp_throttle t = check("Alice", "192.0.2.1", T0 + i * S);
		assert_int_equal(t.retry_after_s, 0);
		assert_int_equal(t.user_failures, i);
		failed_once("Alice", "192.0.2.1", T0 + i * S);
	}
	/* the window opened at T0: 60 s from then, seen 10 s in */
	struct sp_throttle t = check("alice", "198.51.100.7", T0 + 10 * S);
	assert_int_equal(t.retry_after_s, 50);
	t = check("ALICE", NULL, T0 + 59 * S + 1);
	assert_int_equal(t.retry_after_s, 1);
	/* a second server on the same database sees the same counter */
	t = check_on(&acc2, "alice", "203.0.113.9", T0 + 30 * S);
	assert_int_equal(t.retry_after_s, 30);
	/* another user name is not affected */
	t = check("bob", "198.51.100.7", T0 + 10 * S);
	assert_int_equal(t.retry_after_s, 0);
	/* the window closes: a failure then opens a new one at 1 */
	t = check("alice", "198.51.100.7", T0 + 60 * S);
	assert_int_equal(t.retry_after_s, 0);
	assert_int_equal(t.user_failures, 0);
	failed_once("alice", "198.51.100.7", T0 + 61 * S);
	t = check("alice", NULL, T0 + 62 * S);
	assert_int_equal(t.user_failures, 1);
	assert_int_equal(t.retry_after_s, 0);
	/* the closed windows' rows went with that failure */
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM login_throttle WHERE window_start_us < "
				 "1800000060000000"),
			 0);
}

static void counts_per_address(void **state)
{
	(void)state;
	/* five user names from one address: each under its own limit, the address at its own */
	const char *names[] = {"u1", "u2", "u3", "u4", "u5"};
	for (int i = 0; i < 5; i++)
		failed_once(names[i], "2001:db8::1", T0 + i * S);
	struct sp_throttle t = check("u6", "2001:db8::1", T0 + 5 * S);
	assert_int_equal(t.retry_after_s, 55);
	t = check("u6", "2001:db8::2", T0 + 5 * S);
	assert_int_equal(t.retry_after_s, 0);
	/* the longer of the two waits is the answer */
	for (int i = 0; i < 3; i++)
		failed_once("carol", "2001:db8::3", T0 + (20 + i) * S);
	t = check("carol", "2001:db8::1", T0 + 30 * S);
	assert_int_equal(t.retry_after_s, 50);
}

static void a_success_clears_the_user_name_only(void **state)
{
	(void)state;
	struct sp_err err = {0};
	/* no failures: a success writes nothing (no row appears, none needed) */
	struct sp_throttle t = check("dave", "192.0.2.5", T0);
	assert_int_equal(sp_throttle_succeeded(&acc, &t, &err), SP_OK);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM login_throttle"), 0);

	failed_once("dave", "192.0.2.5", T0);
	failed_once("dave", "192.0.2.5", T0 + S);
	t = check("dave", "192.0.2.5", T0 + 2 * S);
	assert_int_equal(t.user_failures, 2);
	assert_int_equal(sp_throttle_succeeded(&acc, &t, &err), SP_OK);
	t = check("dave", "192.0.2.5", T0 + 3 * S);
	assert_int_equal(t.user_failures, 0);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM login_throttle"), 1); /* the address's */
	assert_int_equal(test_scalar(store, "SELECT failures FROM login_throttle"), 2);
}

static int file_holds(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	size_t m = strlen(needle);
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(buf + i, needle, m) == 0)
			return 1;
	return 0;
}

/* A user name may be a password typed in the wrong box: only keyed hashes are stored. */
static void only_keyed_hashes_are_stored(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		failed_once("Correct-Horse-Battery", "198.51.100.77", T0 + i * S);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM login_throttle WHERE length(key) = 32"), 2);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM login_throttle"), 2);
	/* both files of the database, the write-ahead log included (on SQLite: PostgreSQL's
	 * files belong to its server) */
	const char *suffix[] = {"/t.db", "/t.db-wal"};
	for (size_t i = 0; i < 2 && !test_pg(); i++) {
		char path[128];
		snprintf(path, sizeof path, "%s%s", dir, suffix[i]);
		assert_false(file_holds(path, "Correct-Horse-Battery"));
		assert_false(file_holds(path, "correct-horse-battery"));
		assert_false(file_holds(path, "198.51.100.77"));
	}
	/* without the key the hashes say nothing: another key, another counter */
	struct sp_throttle t = check("correct-horse-battery", NULL, T0 + 4 * S);
	assert_int_equal(t.user_failures, 3);
	sp_throttle_clear(&t);
	assert_int_equal(t.user_failures, 0);
}

static void limits_come_from_the_configuration(void **state)
{
	(void)state;
	struct sp_config cfg;
	struct sp_err err = {0};
	struct sp_throttle_limits l;
	sp_config_init(&cfg);
	assert_int_equal(sp_throttle_limits_from_config(&cfg, &l, &err), SP_OK);
	assert_int_equal(l.max_user, 5);
	assert_int_equal(l.max_addr, 20);
	assert_int_equal(l.window_s, 900);
	assert_int_equal(sp_config_set(&cfg, "login-max-failures", "0", SP_CONF_FLAG, &err), SP_OK);
	assert_int_equal(sp_throttle_limits_from_config(&cfg, &l, &err), SP_EINVAL);
	assert_string_equal(err.field, "login-max-failures");
	assert_int_equal(sp_config_set(&cfg, "login-max-failures", "2", SP_CONF_FLAG, &err), SP_OK);
	assert_int_equal(sp_config_set(&cfg, "login-window-s", "-5", SP_CONF_ENV, &err), SP_OK);
	assert_int_equal(sp_throttle_limits_from_config(&cfg, &l, &err), SP_EINVAL);
	assert_string_equal(err.field, "login-window-s");
	sp_config_free(&cfg);

	/* a check with limits out of range refuses rather than letting everything through */
	struct sp_throttle t;
	struct sp_throttle_limits bad = {.max_user = 0, .max_addr = 1, .window_s = 1};
	assert_int_equal(sp_throttle_check(&acc, keys, &bad, "x", NULL, T0, &t, &err), SP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(counts_per_user_name_until_the_window_closes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(counts_per_address, setup, teardown),
		cmocka_unit_test_setup_teardown(a_success_clears_the_user_name_only, setup, teardown),
		cmocka_unit_test_setup_teardown(only_keyed_hashes_are_stored, setup, teardown),
		cmocka_unit_test_setup_teardown(limits_come_from_the_configuration, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
