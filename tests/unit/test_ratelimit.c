/* http/ratelimit.c: a burst then the refill rate, per address and per session apart, the
 * wait it reports, settings out of range refused, a full table that forgives (a new key
 * takes the slot touched longest ago) rather than failing or punishing, and two servers on
 * one database charging each other through the counters there (access/ratecount.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "access/access.h"
#include "crypto/crypto.h"
#include "http/http.h"
#include "safepath/init.h"

#include "helpers.h"

#define S 1000000LL
#define T0 (1800000000LL * S)

static struct http_ratelimit *make(const char *per_s, const char *burst, const char *a_per_s,
				   const char *a_burst)
{
	struct sp_config cfg;
	struct sp_err err = {0};
	struct http_ratelimit *rl = NULL;
	sp_config_init(&cfg);
	assert_int_equal(sp_config_set(&cfg, "rate-limit-per-s", per_s, SP_CONF_FLAG, &err), 0);
	assert_int_equal(sp_config_set(&cfg, "rate-limit-burst", burst, SP_CONF_FLAG, &err), 0);
	assert_int_equal(sp_config_set(&cfg, "rate-limit-address-per-s", a_per_s, SP_CONF_FLAG, &err),
			 0);
	assert_int_equal(sp_config_set(&cfg, "rate-limit-address-burst", a_burst, SP_CONF_FLAG, &err),
			 0);
	int rc = http_ratelimit_new(&cfg, &rl, &err);
	sp_config_free(&cfg);
	return rc ? NULL : rl;
}

static void sessions_get_a_burst_then_the_rate(void **state)
{
	(void)state;
	struct http_ratelimit *rl = make("2", "5", "1000", "1000");
	assert_non_null(rl);
	struct sp_id a = {{1}}, b = {{2}};
	for (int i = 0; i < 5; i++)
		assert_int_equal(http_ratelimit_take(rl, "192.0.2.1", &a, T0, NULL), 0);
	assert_int_equal(http_ratelimit_take(rl, "192.0.2.1", &a, T0, NULL), 1);
	/* another session from the same address has its own bucket */
	assert_int_equal(http_ratelimit_take(rl, "192.0.2.1", &b, T0, NULL), 0);
	/* half a second later, one token has come back (2 a second), and only one */
	assert_int_equal(http_ratelimit_take(rl, "192.0.2.1", &a, T0 + S / 2, NULL), 0);
	assert_int_equal(http_ratelimit_take(rl, "192.0.2.1", &a, T0 + S / 2, NULL), 1);
	/* long after, the bucket is full again but no fuller than the burst */
	for (int i = 0; i < 5; i++)
		assert_int_equal(http_ratelimit_take(rl, NULL, &a, T0 + 3600 * S, NULL), 0);
	assert_true(http_ratelimit_take(rl, NULL, &a, T0 + 3600 * S, NULL) > 0);
	/* no session, no address: nothing to charge */
	assert_int_equal(http_ratelimit_take(rl, NULL, NULL, T0, NULL), 0);
	http_ratelimit_free(rl);
}

static void addresses_are_limited_with_or_without_a_session(void **state)
{
	(void)state;
	struct http_ratelimit *rl = make("1000", "1000", "1", "3");
	assert_non_null(rl);
	struct sp_id a = {{1}};
	assert_int_equal(http_ratelimit_take(rl, "2001:db8::1", NULL, T0, NULL), 0);
	assert_int_equal(http_ratelimit_take(rl, "2001:db8::1", &a, T0, NULL), 0);
	assert_int_equal(http_ratelimit_take(rl, "2001:db8::1", NULL, T0, NULL), 0);
	assert_int_equal(http_ratelimit_take(rl, "2001:db8::1", &a, T0, NULL), 1);
	assert_int_equal(http_ratelimit_take(rl, "2001:db8::2", NULL, T0, NULL), 0);
	/* at 1 a second with a quarter token left, the wait rounds up to a whole second */
	assert_int_equal(http_ratelimit_take(rl, "2001:db8::1", NULL, T0 + S / 4, NULL), 1);
	http_ratelimit_free(rl);
}

static void settings_out_of_range_are_refused(void **state)
{
	(void)state;
	assert_null(make("0", "10", "10", "10"));
	assert_null(make("10", "-1", "10", "10"));
	assert_null(make("10", "10", "10", "1000001"));
	struct sp_config cfg;
	struct sp_err err = {0};
	struct http_ratelimit *rl = NULL;
	sp_config_init(&cfg);
	assert_int_equal(http_ratelimit_new(&cfg, &rl, &err), 0); /* the defaults */
	http_ratelimit_free(rl);
	sp_config_free(&cfg);
}

/* Far more keys than slots: every newcomer gets a full bucket, nobody fails. */
static void a_full_table_forgives(void **state)
{
	(void)state;
	struct http_ratelimit *rl = make("1", "1", "1", "1");
	assert_non_null(rl);
	char addr[32];
	for (int i = 0; i < 50000; i++) {
		snprintf(addr, sizeof addr, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
		assert_int_equal(http_ratelimit_take(rl, addr, NULL, T0 + i, NULL), 0);
	}
	/* the most recent key is still remembered */
	assert_int_equal(http_ratelimit_take(rl, addr, NULL, T0 + 50000, NULL), 1);
	http_ratelimit_free(rl);
}

static struct sp_store *open_db(const char *url)
{
	struct sp_store_options opt = {.busy_timeout_ms = 5000, .create = 1};
	struct sp_store *s = NULL;
	struct sp_err err = {0};
	assert_int_equal(sp_store_open(url, &opt, &s, &err), SP_OK);
	assert_int_equal(sp_store_migrate(s, &err), SP_OK);
	return s;
}

static int64_t level(struct sp_store *s)
{
	return test_scalar(s, "SELECT level_m FROM rate_counters");
}

/* Two servers (two limiters, each with its own connection) on one database, a session limited
 * to 1 a second with a burst of 10: each sync adds what a server charged to the key's bucket in
 * the database, which drains at the rate, and gives every server the level all of them made.
 * A failed sync loses no count. */
static void servers_on_one_database_share_their_counts(void **state)
{
	(void)state;
	char dir[] = "/tmp/sp-rate-XXXXXX", path[64], url[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/t.db", dir);
	test_db_url(url, sizeof url, path, "sp_ratelimit");
	struct sp_store *s1 = open_db(url), *s2 = open_db(url), *look = open_db(url);
	struct sp_err err = {0};
	struct sp_master *m;
	unsigned char raw[SP_KEY_LEN];
	randombytes_buf(raw, sizeof raw);
	assert_int_equal(sp_master_from_bytes_(raw, &m, &err), SP_OK);
	struct sp_keys *k;
	assert_int_equal(sp_keys_open(look, m, &k, &err), SP_OK);
	sp_master_free(m);
	struct http_ratelimit *a = make("1", "10", "1000", "1000"),
			      *b = make("1", "10", "1000", "1000");
	assert_non_null(a);
	assert_non_null(b);
	/* an interval of a minute: the test syncs by itself */
	assert_int_equal(http_ratelimit_share(a, k, s1, 60000, &err), SP_OK);
	assert_int_equal(http_ratelimit_share(b, k, s2, 60000, &err), SP_OK);
	struct sp_id sess = {{7}};
	for (int i = 0; i < 4; i++) { /* 4 on each server */
		assert_int_equal(http_ratelimit_take(a, NULL, &sess, T0, NULL), 0);
		assert_int_equal(http_ratelimit_take(b, NULL, &sess, T0, NULL), 0);
	}
	assert_int_equal(http_ratelimit_sync(a, s1, T0, &err), SP_OK);
	assert_int_equal(test_scalar(look, "SELECT COUNT(*) FROM rate_counters"), 1);
	assert_int_equal(test_scalar(look, "SELECT length(key) FROM rate_counters"), 16);
	assert_int_equal(level(look), 4000);
	assert_int_equal(http_ratelimit_sync(b, s2, T0, &err), SP_OK);
	assert_int_equal(level(look), 8000); /* the same key on both: the keyed hash is shared */
	/* b learnt of a's 4: 2 left */
	assert_int_equal(http_ratelimit_take(b, NULL, &sess, T0, NULL), 0);
	assert_int_equal(http_ratelimit_take(b, NULL, &sess, T0, NULL), 0);
	assert_int_equal(http_ratelimit_take(b, NULL, &sess, T0, NULL), 1);
	/* a took 1 more before its sync, which tells it of b's first 4: 1 left */
	assert_int_equal(http_ratelimit_take(a, NULL, &sess, T0, NULL), 0);
	assert_int_equal(http_ratelimit_sync(a, s1, T0, &err), SP_OK);
	assert_int_equal(level(look), 9000);
	assert_int_equal(http_ratelimit_take(a, NULL, &sess, T0, NULL), 0);
	assert_int_equal(http_ratelimit_take(a, NULL, &sess, T0, NULL), 1);
	assert_int_equal(http_ratelimit_sync(b, s2, T0, &err), SP_OK);
	assert_int_equal(http_ratelimit_sync(a, s1, T0, &err), SP_OK);
	assert_int_equal(level(look), 12000); /* 12 taken at T0, 2 past the burst of 10 */
	/* 5 seconds later the level has drained by 5: a sync without a charge of its own reads
	 * it (and writes nothing) */
	assert_int_equal(http_ratelimit_sync(a, s1, T0 + 5 * S, &err), SP_OK);
	assert_int_equal(level(look), 12000);

	/* a sync that fails (a fault at its first store call) keeps its count for the next */
	assert_int_equal(http_ratelimit_take(b, NULL, &sess, T0 + 5 * S, NULL), 0);
	sp_store_fail_at(s2, 1);
	assert_int_not_equal(http_ratelimit_sync(b, s2, T0 + 5 * S, &err), SP_OK);
	sp_store_fail_at(s2, 0);
	assert_int_equal(level(look), 12000);
	assert_int_equal(http_ratelimit_sync(b, s2, T0 + 5 * S, &err), SP_OK);
	assert_int_equal(level(look), 12000 - 5000 + 1000);
	/* a had read 7 a moment before b's 1: it gives 3 (one interval's slack), then learns */
	for (int i = 0; i < 3; i++)
		assert_int_equal(http_ratelimit_take(a, NULL, &sess, T0 + 5 * S, NULL), 0);
	assert_int_equal(http_ratelimit_take(a, NULL, &sess, T0 + 5 * S, NULL), 1);
	assert_int_equal(http_ratelimit_sync(a, s1, T0 + 5 * S, &err), SP_OK);
	assert_int_equal(level(look), 11000);
	/* 1 past the burst, half a second later: 1.5 tokens short at 1 a second, 2 s to wait */
	assert_int_equal(http_ratelimit_take(a, NULL, &sess, T0 + 5 * S + S / 2, NULL), 2);
	/* a third server meeting the session for the first time starts from its level (read
	 * with the request thread's connection), not from a full bucket */
	struct http_ratelimit *c = make("1", "10", "1000", "1000");
	assert_non_null(c);
	assert_int_equal(http_ratelimit_share(c, k, open_db(url), 60000, &err), SP_OK);
	assert_int_equal(http_ratelimit_take(c, NULL, &sess, T0 + 5 * S + S / 2, look), 2);
	http_ratelimit_free(c);

	http_ratelimit_free(a); /* stops the threads, closes s1 and s2 */
	http_ratelimit_free(b);
	sp_keys_free(k);
	sp_store_close(look);
	assert_int_equal(test_rmtree(dir), 0);
}

struct adder {
	struct sp_store *s;
	struct sp_rate_count c;
	int rc;
};

static void *add_batch(void *arg)
{
	struct adder *a = arg;
	struct sp_err err = {0};
	a->rc = sp_ratecount_add(a->s, &a->c, 1, T0, false, &err);
	return NULL;
}

/* Two servers charging a key no row holds yet, at the same moment: the first's insert not
 * yet committed when the second's batch looks for the row (none to lock) and inserts too. The
 * second waits for the first, then adds its charge to the row the first committed: both
 * charges count (on SQLite the write lock makes the second wait from its start). */
static void a_new_key_charged_by_two_servers_at_once_keeps_both(void **state)
{
	(void)state;
	char dir[] = "/tmp/sp-rate-XXXXXX", path[64], url[256];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/t.db", dir);
	test_db_url(url, sizeof url, path, "sp_ratelimit_race");
	struct sp_store *s1 = open_db(url), *s2 = open_db(url);
	struct sp_err err = {0};
	struct adder second = {.s = s2, .c = {.add = 3, .per_s = 1}};
	memset(second.c.key, 0x5a, SP_RATE_KEY_LEN);
	/* the first server's batch: the new key's row, 4 charges, not committed yet */
	struct sp_stmt *st;
	assert_int_equal(sp_store_begin_write(s1, &err), SP_OK);
	assert_int_equal(sp_store_prepare(s1, "INSERT INTO rate_counters (key, level_m, updated_us) "
					      "VALUES (?, 4000, ?)", &st, &err), SP_OK);
	assert_int_equal(sp_stmt_bind_blob(st, 1, second.c.key, SP_RATE_KEY_LEN), SP_OK);
	assert_int_equal(sp_stmt_bind_int64(st, 2, T0), SP_OK);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, add_batch, &second), 0);
	struct timespec pause = {.tv_nsec = 300 * 1000000L};
	nanosleep(&pause, NULL); /* the second batch is waiting on the first's row by now */
	assert_int_equal(sp_store_commit(s1, &err), SP_OK);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(second.rc, SP_OK);
	assert_int_equal(level(s1), 7000);
	sp_store_close(s1);
	sp_store_close(s2);
	assert_int_equal(test_rmtree(dir), 0);
}

int main(void)
{
	if (sp_init() != SP_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sessions_get_a_burst_then_the_rate),
		cmocka_unit_test(addresses_are_limited_with_or_without_a_session),
		cmocka_unit_test(settings_out_of_range_are_refused),
		cmocka_unit_test(a_full_table_forgives),
		cmocka_unit_test(servers_on_one_database_share_their_counts),
		cmocka_unit_test(a_new_key_charged_by_two_servers_at_once_keeps_both),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
