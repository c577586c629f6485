/* http/ratelimit.c: a burst then the refill rate, per address and per session apart, the
 * wait it reports, settings out of range refused, and a full table that forgives (a new key
 * takes the slot touched longest ago) rather than failing or punishing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "http/http.h"
#include "safepath/init.h"

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

int main(void)
{
	if (sp_init() != SP_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sessions_get_a_burst_then_the_rate),
		cmocka_unit_test(addresses_are_limited_with_or_without_a_session),
		cmocka_unit_test(settings_out_of_range_are_refused),
		cmocka_unit_test(a_full_table_forgives),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
