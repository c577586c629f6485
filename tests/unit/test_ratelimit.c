/* http/ratelimit.c: a burst then the refill rate, per address and per session apart, the
 * wait it reports, settings out of range refused, a full table that forgives (a new key
 * takes the slot touched longest ago) rather than failing or punishing, and two servers on
 * one database charging each other through the counters there (access/ratecount.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

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
		assert_int_equal(http_ratelimit_take(rl, "192.0.2.1", &a, T0), 0);
	assert_int_equal(http_ratelimit_take(rl, "192.0.2.1", &a, T0), 1);
	/* another session from the same address has its own bucket */
	assert_int_equal(http_ratelimit_take(rl, "192.0.2.1", &b, T0), 0);
	/* half a second later, one token has come back (2 a second), and only one */
	assert_int_equal(http_ratelimit_take(rl, "192.0.2.1", &a, T0 + S / 2), 0);
	assert_int_equal(http_ratelimit_take(rl, "192.0.2.1", &a, T0 + S / 2), 1);
	/* long after, the bucket is full again but no fuller than the burst */
	for (int i = 0; i < 5; i++)
		assert_int_equal(http_ratelimit_take(rl, NULL, &a, T0 + 3600 * S), 0);
	assert_true(http_ratelimit_take(rl, NULL, &a, T0 + 3600 * S) > 0);
	/* no session, no address: nothing to charge */
	assert_int_equal(http_ratelimit_take(rl, NULL, NULL, T0), 0);
	http_ratelimit_free(rl);
}

static void addresses_are_limited_with_or_without_a_session(void **state)
{
	(void)state;
	struct http_ratelimit *rl = make("1000", "1000", "1", "3");
	assert_non_null(rl);
	struct sp_id a = {{1}};
	assert_int_equal(http_ratelimit_take(rl, "2001:db8::1", NULL, T0), 0);
	assert_int_equal(http_ratelimit_take(rl, "2001:db8::1", &a, T0), 0);
	assert_int_equal(http_ratelimit_take(rl, "2001:db8::1", NULL, T0), 0);
	assert_int_equal(http_ratelimit_take(rl, "2001:db8::1", &a, T0), 1);
	assert_int_equal(http_ratelimit_take(rl, "2001:db8::2", NULL, T0), 0);
	/* at 1 a second with a quarter token left, the wait rounds up to a whole second */
	assert_int_equal(http_ratelimit_take(rl, "2001:db8::1", NULL, T0 + S / 4), 1);
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
		assert_int_equal(http_ratelimit_take(rl, addr, NULL, T0 + i), 0);
	}
	/* the most recent key is still remembered */
	assert_int_equal(http_ratelimit_take(rl, addr, NULL, T0 + 50000), 1);
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

/* Two servers (two limiters, each with its own connection) on one database, 10 a second with
 * a burst of 10 for a session: what one takes, the other learns at its next sync, and a
 * session spread over both gets the configured burst, not twice it. A failed sync loses no
 * count. */
static void servers_on_one_database_share_their_counts(void **state)
{
	(void)state;
	char dir[] = "/tmp/sp-rate-XXXXXX", url[64];
	assert_non_null(mkdtemp(dir));
	snprintf(url, sizeof url, "sqlite:%s/t.db", dir);
	struct sp_store *s1 = open_db(url), *s2 = open_db(url), *look = open_db(url);
	struct sp_err err = {0};
	struct sp_master *m;
	unsigned char raw[SP_KEY_LEN];
	randombytes_buf(raw, sizeof raw);
	assert_int_equal(sp_master_from_bytes_(raw, &m, &err), SP_OK);
	struct sp_keys *k;
	assert_int_equal(sp_keys_open(look, m, &k, &err), SP_OK);
	sp_master_free(m);
	struct http_ratelimit *a = make("10", "10", "1000", "1000"),
			      *b = make("10", "10", "1000", "1000");
	assert_non_null(a);
	assert_non_null(b);
	/* an interval of a minute: the tests call sync themselves */
	assert_int_equal(http_ratelimit_share(a, k, s1, 60000, &err), SP_OK);
	assert_int_equal(http_ratelimit_share(b, k, s2, 60000, &err), SP_OK);
	struct sp_id sess = {{7}};
	/* 4 on server a, 4 on server b, all at T0 */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(http_ratelimit_take(a, NULL, &sess, T0), 0);
		assert_int_equal(http_ratelimit_take(b, NULL, &sess, T0), 0);
	}
	assert_int_equal(http_ratelimit_sync(a, s1, T0, &err), SP_OK);
	assert_int_equal(http_ratelimit_sync(b, s2, T0, &err), SP_OK);
	/* one row: the key is a keyed hash, the same on both */
	assert_int_equal(test_scalar(look, "SELECT COUNT(*) FROM rate_counters"), 1);
	assert_int_equal(test_scalar(look, "SELECT hits FROM rate_counters"), 8);
	assert_int_equal(test_scalar(look, "SELECT length(key) FROM rate_counters"), 16);
	/* b learnt of a's 4 at its first sync? No: a first sync counts nothing from before it.
	 * a's next sync learns b's 4: a has 10 - 4 - 4 = 2 left. */
	assert_int_equal(http_ratelimit_take(a, NULL, &sess, T0), 0);
	assert_int_equal(http_ratelimit_sync(a, s1, T0, &err), SP_OK);
	assert_int_equal(http_ratelimit_take(a, NULL, &sess, T0), 0);
	assert_int_equal(http_ratelimit_take(a, NULL, &sess, T0), 1); /* 10 taken in all */
	/* b, after its sync, learns a's 1 + 1 since: 10 - 4 - 2 = 4, and then a's burst is gone */
	assert_int_equal(http_ratelimit_sync(a, s1, T0, &err), SP_OK);
	assert_int_equal(http_ratelimit_sync(b, s2, T0, &err), SP_OK);
	assert_int_equal(test_scalar(look, "SELECT hits FROM rate_counters"), 10);
	for (int i = 0; i < 4; i++)
		assert_int_equal(http_ratelimit_take(b, NULL, &sess, T0), 0);
	assert_int_equal(http_ratelimit_take(b, NULL, &sess, T0), 1);

	/* a sync that fails (a fault at its first store call) keeps its counts for the next */
	assert_int_equal(http_ratelimit_take(b, NULL, &sess, T0 + S), 0); /* refilled */
	sp_store_fail_at(s2, 1);
	assert_int_not_equal(http_ratelimit_sync(b, s2, T0 + S, &err), SP_OK);
	sp_store_fail_at(s2, 0);
	assert_int_equal(test_scalar(look, "SELECT hits FROM rate_counters"), 10);
	assert_int_equal(http_ratelimit_sync(b, s2, T0 + S, &err), SP_OK);
	/* b's 4 and 1 since its last good sync */
	assert_int_equal(test_scalar(look, "SELECT hits FROM rate_counters"), 15);

	http_ratelimit_free(a); /* stops the threads, closes s1 and s2 */
	http_ratelimit_free(b);
	sp_keys_free(k);
	sp_store_close(look);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
