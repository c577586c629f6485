/* core/: capped buffer, arena, JSON helpers, ids, configuration precedence, log redaction. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <sodium.h>

#include "safepath/arena.h"
#include "safepath/buf.h"
#include "safepath/config.h"
#include "safepath/cputime.h"
#include "safepath/id.h"
#include "safepath/init.h"

#include "../../src/core/init.c"
#include "safepath/json.h"
#include "safepath/jsonw.h"
#include "safepath/log.h"

static void buf_caps_and_appends(void **state)
{
	(void)state;
	struct sp_buf b;
	sp_buf_init(&b, 10);
	assert_int_equal(sp_buf_adds(&b, "hello"), SP_OK);
	assert_int_equal(sp_buf_addf(&b, "%d", 1234), SP_OK);
	assert_string_equal(b.data, "hello1234");
	assert_int_equal(b.len, 9);
	assert_int_equal(sp_buf_adds(&b, "xy"), SP_ETOOBIG);
	assert_string_equal(b.data, "hello1234"); /* a refused append changes nothing */
	assert_int_equal(sp_buf_addc(&b, '!'), SP_OK);
	assert_int_equal(b.len, 10);
	assert_int_equal(sp_buf_addf(&b, "%s", "z"), SP_ETOOBIG);
	size_t n;
	char *p = sp_buf_detach(&b, &n);
	assert_int_equal(n, 10);
	assert_null(b.data);
	free(p);
	sp_buf_free(&b);
}

static void arena_allocates_aligned_and_caps(void **state)
{
	(void)state;
	struct sp_arena a;
	sp_arena_init(&a, 64, 1000);
	char *s = sp_arena_strdup(&a, "abc");
	assert_string_equal(s, "abc");
	double *d = sp_arena_alloc(&a, sizeof(double) * 3);
	assert_non_null(d);
	assert_int_equal((uintptr_t)d % _Alignof(max_align_t), 0);
	void *big = sp_arena_alloc(&a, 500); /* larger than a block: own block */
	assert_non_null(big);
	assert_null(sp_arena_alloc(&a, 600)); /* over the cap */
	sp_arena_release(&a);
	assert_null(a.head);
	assert_non_null(sp_arena_alloc(&a, 10)); /* reusable */
	sp_arena_release(&a);
}

static void json_rejects_duplicates_and_names_fields(void **state)
{
	(void)state;
	struct sp_err err = {0};
	const char *dup = "{\"name\":\"a\",\"name\":\"b\"}";
	assert_null(sp_json_parse(dup, strlen(dup), &err));
	assert_int_equal(err.code, SP_EINVAL);
	assert_non_null(strstr(err.msg, "duplicate"));
	assert_null(strstr(err.msg, "name")); /* the message never quotes input */
	assert_string_equal(err.field, "/name"); /* a plain field name is pointed at */
	const char *odd = "{\"a b\":1,\"a b\":2}";
	assert_null(sp_json_parse(odd, strlen(odd), &err));
	assert_string_equal(err.field, ""); /* anything else is not repeated */
	const char *nested = "{\"a\":{\"name\":1,\"name\":2}}";
	assert_null(sp_json_parse(nested, strlen(nested), &err));
	assert_string_equal(err.field, ""); /* not "/name": its path is /a/name */
	const char *later = "{\"s\":\"{[\\\"\",\"name\":1,\"name\":2}";
	assert_null(sp_json_parse(later, strlen(later), &err));
	assert_string_equal(err.field, "/name"); /* brackets inside strings do not count */

	const char *trailing = "{} x";
	assert_null(sp_json_parse(trailing, strlen(trailing), &err));

	const char *ok = "{\"a\":\"x\",\"n\":5,\"b\":true,\"q\":1}";
	json_t *j = sp_json_parse(ok, strlen(ok), &err);
	assert_non_null(j);
	const char *s;
	int64_t n;
	bool b;
	assert_int_equal(sp_json_get_str(j, "a", true, &s, &err), SP_OK);
	assert_string_equal(s, "x");
	assert_int_equal(sp_json_get_int(j, "n", true, &n, &err), SP_OK);
	assert_int_equal(n, 5);
	assert_int_equal(sp_json_get_bool(j, "b", true, &b, &err), SP_OK);
	assert_true(b);
	assert_int_equal(sp_json_get_str(j, "n", true, &s, &err), SP_EINVAL);
	assert_string_equal(err.field, "/n");
	assert_int_equal(sp_json_get_str(j, "missing", true, &s, &err), SP_EINVAL);
	assert_string_equal(err.field, "/missing");
	assert_string_equal(err.msg, "is required");
	assert_int_equal(sp_json_get_str(j, "missing", false, &s, &err), SP_ENOTFOUND);
	static const char *const allowed[] = {"a", "n", "b", NULL};
	assert_int_equal(sp_json_only_keys(j, allowed, &err), SP_EINVAL);
	assert_string_equal(err.field, "/q");
	json_decref(j);
	/* a member name that is not a plain field name could be a value: it is not repeated */
	j = sp_json_parse("{\"a\":1,\"Amanuel Tesfay\":2}", 26, &err);
	assert_non_null(j);
	assert_int_equal(sp_json_only_keys(j, allowed, &err), SP_EINVAL);
	assert_string_equal(err.field, "");
	assert_string_equal(err.msg, "has a member that is not a known field");
	json_decref(j);
	assert_true(sp_json_name_plain("date_of_birth"));
	assert_true(sp_json_name_plain("x-max.bytes"));
	assert_false(sp_json_name_plain(""));
	assert_false(sp_json_name_plain("romanis!d"));
	assert_false(sp_json_name_plain("a/b"));
	assert_false(sp_json_name_plain("a~1"));
	assert_false(sp_json_name_plain("é"));
	assert_true(sp_json_name_plain("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	assert_false(sp_json_name_plain("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

static void uuid7_layout_and_round_trip(void **state)
{
	(void)state;
	struct sp_id a, b;
	sp_id_new(&a);
	sp_id_new(&b);
	assert_int_equal(a.b[6] >> 4, 7);
	assert_int_equal(a.b[8] >> 6, 2);
	assert_true(memcmp(a.b, b.b, 6) <= 0); /* time-ordered prefix */
	char s[SP_ID_STRLEN + 1];
	sp_id_format(&a, s);
	assert_int_equal(strlen(s), 36);
	assert_int_equal(s[14], '7');
	struct sp_id c;
	assert_int_equal(sp_id_parse(s, &c), SP_OK);
	assert_memory_equal(a.b, c.b, 16);
	assert_int_equal(sp_id_parse("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5", &c), SP_EINVAL);
	assert_int_equal(sp_id_parse("0190a1b2xc3d4-7e5f-8a9b-0c1d2e3f4a5b", &c), SP_EINVAL);
	assert_int_equal(sp_id_parse("0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B", &c), SP_OK);
	assert_int_equal(c.b[0], 0x01);
	assert_int_equal(c.b[15], 0x5b);
}

static void times_are_rfc3339_utc_with_microseconds(void **state)
{
	(void)state;
	char t[SP_TIME_STRLEN + 1];
	sp_time_format(0, t);
	assert_string_equal(t, "1970-01-01T00:00:00.000000Z");
	sp_time_format(1700000000123456LL, t); /* 1700000000 s is 2023-11-14 22:13:20 UTC */
	assert_string_equal(t, "2023-11-14T22:13:20.123456Z");
	sp_time_format(951782400000001LL, t); /* a leap day: 2000-02-29 00:00:00 UTC */
	assert_string_equal(t, "2000-02-29T00:00:00.000001Z");
	sp_time_format(-1, t); /* one microsecond before the epoch */
	assert_string_equal(t, "1969-12-31T23:59:59.999999Z");
}

static void times_parse_back(void **state)
{
	(void)state;
	int64_t us = 0;
	assert_int_equal(sp_time_parse("2023-11-14T22:13:20.123456Z", &us), SP_OK);
	assert_int_equal(us, 1700000000123456LL);
	assert_int_equal(sp_time_parse("2023-11-14T22:13:20Z", &us), SP_OK);
	assert_int_equal(us, 1700000000000000LL);
	assert_int_equal(sp_time_parse("2023-11-14T22:13:20.5Z", &us), SP_OK);
	assert_int_equal(us, 1700000000500000LL);
	assert_int_equal(sp_time_parse("2000-02-29", &us), SP_OK);
	assert_int_equal(us, 951782400000000LL);
	assert_int_equal(sp_time_parse("1970-01-01", &us), SP_OK);
	assert_int_equal(us, 0);
	static const char *const bad[] = {
		"", "2023-11-14T22:13:20", "2023-11-14 22:13:20Z", "2023-11-14T24:00:00Z",
		"2023-11-14T22:60:00Z", "2023-02-29", "2100-02-29", "2023-04-31", "2023-13-01",
		"1969-12-31", "2023-11-14T22:13:20.Z", "2023-11-14T22:13:20.1234567Z",
		"2023-11-14T22:13:20+01:00", "20231114", "2023-1x-14", "2023-11-14Z",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(sp_time_parse(bad[i], &us), SP_EINVAL);
}

static void config_precedence_file_env_flag(void **state)
{
	(void)state;
	char path[] = "/tmp/sp-conf-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "# test\nlog-level = warn\nlisten = 0.0.0.0:1\nbusy-timeout-ms=7\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct sp_config c;
	struct sp_err err = {0};
	sp_config_init(&c);
	assert_string_equal(sp_config_get(&c, "log-level"), "info"); /* default */
	assert_int_equal(sp_config_load_file(&c, path, &err), SP_OK);
	char e1[] = "SAFEPATH_LISTEN=127.0.0.1:9", e2[] = "SAFEPATH_BUSY_TIMEOUT_MS=8",
	     e3[] = "OTHER=1";
	char *env[] = {e1, e2, e3, NULL};
	assert_int_equal(sp_config_load_env(&c, env, &err), SP_OK);
	assert_int_equal(sp_config_set(&c, "busy-timeout-ms", "9", SP_CONF_FLAG, &err), SP_OK);
	assert_string_equal(sp_config_get(&c, "log-level"), "warn");	 /* file */
	assert_string_equal(sp_config_get(&c, "listen"), "127.0.0.1:9"); /* env over file */
	assert_int_equal(sp_config_get_int(&c, "busy-timeout-ms"), 9);	 /* flag over env */
	assert_int_equal(sp_config_source_of(&c, "listen"), SP_CONF_ENV);
	assert_int_equal(sp_config_set(&c, "passphrase", "x", SP_CONF_FLAG, &err), SP_EINVAL);
	assert_string_equal(err.field, "passphrase");
	sp_config_free(&c);

	fd = open(path, O_WRONLY | O_TRUNC);
	const char *bad = "nonsense here\n";
	assert_int_equal(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
	close(fd);
	sp_config_init(&c);
	assert_int_equal(sp_config_load_file(&c, path, &err), SP_EINVAL);
	assert_non_null(strstr(err.msg, "line 1"));
	sp_config_free(&c);
	unlink(path);
}

static void log_prints_tokens_and_redacts_the_rest(void **state)
{
	(void)state;
	char path[] = "/tmp/sp-log-XXXXXX";
	int fd = mkstemp(path);
	sp_log_set_fd(fd);
	sp_log(SP_LOG_INFO, "case.create", "case", "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "name",
	       "Amina Yusuf", "count", "3", NULL);
	sp_log(SP_LOG_DEBUG, "hidden", NULL); /* below the default level */
	sp_log_set_fd(2);
	char out[512] = {0};
	assert_true(pread(fd, out, sizeof out - 1, 0) > 0);
	close(fd);
	unlink(path);
	assert_non_null(strstr(out, "level=info event=case.create case=0190a1b2-"));
	assert_non_null(strstr(out, "name=[redacted] count=3\n"));
	assert_null(strstr(out, "Amina"));
	assert_null(strstr(out, "hidden"));
}

/* jansson's memory is wiped on free: a decrypted name must not linger in the heap. */
static void json_memory_is_wiped(void **state)
{
	(void)state;
	json_malloc_t m;
	json_free_t f;
	json_get_alloc_funcs(&m, &f);
	assert_ptr_equal(m, wiping_malloc); /* sp_init installed them */
	assert_ptr_equal(f, wiping_free);
	static const char secret[] = "Zarghunashtra Qadirovna";
	char *p = wiping_malloc(sizeof secret);
	assert_non_null(p);
	if (!p)
		return;
	memcpy(p, secret, sizeof secret);
	void *base = wipe(p);
	for (size_t i = 0; i < sizeof secret; i++)
		assert_int_equal(p[i], 0);
	free(base);
	json_t *j = json_string(secret); /* and jansson works through them */
	assert_string_equal(json_string_value(j), secret);
	json_decref(j);
}

static void jsonw_commas_escapes_and_failures(void **state)
{
	(void)state;
	struct sp_buf b;
	struct sp_jsonw w;
	sp_buf_init(&b, 4096);
	sp_jsonw_init(&w, &b);
	sp_jsonw_object(&w);
	sp_jsonw_key(&w, "a");
	sp_jsonw_array(&w);
	sp_jsonw_int(&w, -12);
	sp_jsonw_bool(&w, 1);
	sp_jsonw_null(&w);
	sp_jsonw_object(&w);
	sp_jsonw_object_end(&w);
	sp_jsonw_array(&w);
	sp_jsonw_array_end(&w);
	sp_jsonw_string(&w, NULL);
	sp_jsonw_array_end(&w);
	sp_jsonw_key(&w, "q\"k");
	sp_jsonw_string(&w, "tab\there \"q\" back\\ nl\n \x01 \xd8\xa3\xd9\x85\xd9\x8a\xd8\xb1 \xf0\x9f\x98\x80");
	sp_jsonw_key(&w, "n");
	sp_jsonw_bool(&w, 0);
	sp_jsonw_object_end(&w);
	assert_int_equal(sp_jsonw_status(&w), SP_OK);
	assert_string_equal(b.data, "{\"a\":[-12,true,null,{},[],null],\"q\\\"k\":"
				    "\"tab\\there \\\"q\\\" back\\\\ nl\\n \\u0001 "
				    "\xd8\xa3\xd9\x85\xd9\x8a\xd8\xb1 \xf0\x9f\x98\x80\",\"n\":false}");
	/* what jansson reads back is what was written */
	struct sp_err err = {0};
	json_t *j = sp_json_parse(b.data, b.len, &err);
	assert_non_null(j);
	json_decref(j);

	/* a character to escape (or a non-ASCII one) at each place of a 24-byte run: the writer
	 * skips plain ASCII 8 bytes at a time and must see it wherever it falls */
	static const struct {
		const char *in, *out;
	} odd[] = {{"\"", "\\\""}, {"\\", "\\\\"}, {"\n", "\\n"}, {"\x01", "\\u0001"},
		   {"\x1f", "\\u001f"}, {"\x7f", "\x7f"}, {"\xc3\xa9", "\xc3\xa9"}, {" ", " "}};
	for (size_t k = 0; k < sizeof odd / sizeof odd[0]; k++) {
		for (size_t at = 0; at < 24; at++) {
			char in[64], want[64];
			snprintf(in, sizeof in, "%.*s%s%.*s", (int)at, "abcdefghijklmnopqrstuvwx",
				 odd[k].in, (int)(23 - at), "ABCDEFGHIJKLMNOPQRSTUVWX");
			snprintf(want, sizeof want, "\"%.*s%s%.*s\"", (int)at,
				 "abcdefghijklmnopqrstuvwx", odd[k].out, (int)(23 - at),
				 "ABCDEFGHIJKLMNOPQRSTUVWX");
			sp_buf_reset(&b);
			sp_jsonw_init(&w, &b);
			sp_jsonw_string(&w, in);
			assert_int_equal(sp_jsonw_status(&w), SP_OK);
			assert_string_equal(b.data, want);
		}
	}

	/* invalid UTF-8: overlong, a surrogate, past U+10FFFF, a cut sequence */
	static const char *const bad[] = {"\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ab\xe2\x82"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sp_buf_reset(&b);
		sp_jsonw_init(&w, &b);
		sp_jsonw_string(&w, bad[i]);
		assert_int_equal(sp_jsonw_status(&w), SP_EINVAL);
	}
	/* unclosed, a key outside an object, a value missing after a key */
	sp_jsonw_init(&w, &b);
	sp_jsonw_array(&w);
	assert_int_equal(sp_jsonw_status(&w), SP_EINTERNAL);
	sp_jsonw_init(&w, &b);
	sp_jsonw_key(&w, "x");
	assert_int_equal(sp_jsonw_status(&w), SP_EINTERNAL);
	sp_jsonw_init(&w, &b);
	sp_jsonw_object(&w);
	sp_jsonw_key(&w, "x");
	sp_jsonw_object_end(&w);
	assert_int_equal(sp_jsonw_status(&w), SP_EINTERNAL);
	sp_buf_free(&b);
	/* over the buffer's cap: the first failure sticks */
	sp_buf_init(&b, 8);
	sp_jsonw_init(&w, &b);
	sp_jsonw_array(&w);
	sp_jsonw_string(&w, "longer than eight");
	sp_jsonw_array_end(&w);
	assert_int_equal(sp_jsonw_status(&w), SP_ETOOBIG);
	sp_buf_free(&b);
}

/* A writer for sp_jsonw_read: one object, or a failure half-way when arg says so. */
static void jsonw_sample(struct sp_jsonw *w, const void *arg)
{
	sp_jsonw_object(w);
	sp_jsonw_key(w, "k");
	sp_jsonw_int(w, 7);
	if (arg)
		sp_jsonw_fail(w, SP_ENOMEM);
	sp_jsonw_object_end(w);
}

static void jsonw_values_ids_times_and_read_back(void **state)
{
	(void)state;
	struct sp_buf b;
	struct sp_jsonw w;
	struct sp_id id, zero = {0};
	assert_int_equal(sp_id_parse("01900000-0000-7000-8000-0000000000a1", &id), SP_OK);
	sp_buf_init(&b, 4096);
	sp_jsonw_init(&w, &b);
	sp_jsonw_array(&w);
	sp_jsonw_id(&w, &id);
	sp_jsonw_opt_id(&w, &zero);
	sp_jsonw_id(&w, &zero);
	sp_jsonw_time(&w, 1700000000123456);
	sp_jsonw_opt_time(&w, 0);
	/* a jansson value: members sorted whatever their order, nested, every type */
	json_t *v = json_pack("{s:[i, f, f, b, n], s:{s:s, s:b}, s:s}", "z", -3, 2.0, 0.5, 0, "b",
			      "y", "\xc3\xa9", "x", 1, "a", "q\"");
	assert_non_null(v);
	sp_jsonw_value(&w, v);
	json_decref(v);
	sp_jsonw_array_end(&w);
	assert_int_equal(sp_jsonw_status(&w), SP_OK);
	assert_string_equal(b.data, "[\"01900000-0000-7000-8000-0000000000a1\",null,"
				    "\"00000000-0000-0000-0000-000000000000\","
				    "\"2023-11-14T22:13:20.123456Z\",null,"
				    "{\"a\":\"q\\\"\",\"b\":{\"x\":true,\"y\":\"\xc3\xa9\"},"
				    "\"z\":[-3,2.0,0.5,false,null]}]");
	sp_buf_free(&b);
	/* read back as jansson; a failure half-way gives NULL */
	json_t *j = sp_jsonw_read(jsonw_sample, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "k")), 7);
	json_decref(j);
	assert_null(sp_jsonw_read(jsonw_sample, "fail"));
	/* reals written as jansson writes them: its own dump is the reference */
	static const double reals[] = {2.0, 0.5, -3.25, 1e20, 1.5e-7, 0.1, 123456789.0, -0.0,
				       6.02214076e23, -1e-300, 3.0e-5, 10.770528};
	for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
		struct sp_buf rb;
		sp_buf_init(&rb, 64);
		sp_jsonw_init(&w, &rb);
		sp_jsonw_real(&w, reals[i]);
		assert_int_equal(sp_jsonw_status(&w), SP_OK);
		json_t *r = json_real(reals[i]);
		char *want = json_dumps(r, JSON_ENCODE_ANY);
		assert_string_equal(rb.data, want);
		sp_json_free(want);
		json_decref(r);
		sp_buf_free(&rb);
	}
}

/* Busy for at least ms of this thread's CPU. */
static void spin_cpu_ms(long ms)
{
	struct timespec t0, t;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	do
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	while ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 < ms);
}

static void cputime_charges_the_phase_in_force(void **state)
{
	(void)state;
	int64_t ns[SP_CPU_PHASES];
	/* not counting: a switch is a no-op that hands back what it was given */
	assert_int_equal(sp_cpu_enter(SP_CPU_AUDIT), SP_CPU_AUDIT);
	sp_cpu_begin(SP_CPU_DECODE);
	spin_cpu_ms(20);
	assert_int_equal(sp_cpu_enter(SP_CPU_DECRYPT), SP_CPU_DECODE);
	spin_cpu_ms(40);
	enum sp_cpu_phase was = sp_cpu_enter(SP_CPU_AUDIT); /* nested, then put back */
	assert_int_equal(was, SP_CPU_DECRYPT);
	spin_cpu_ms(10);
	assert_int_equal(sp_cpu_enter(was), SP_CPU_AUDIT);
	assert_int_equal(sp_cpu_enter(SP_CPU_PHASES), SP_CPU_DECRYPT); /* out of range: ignored */
	sp_cpu_end(ns);
	assert_in_range(ns[SP_CPU_DECODE], 20000000, 30000000);
	assert_in_range(ns[SP_CPU_DECRYPT], 40000000, 50000000);
	assert_in_range(ns[SP_CPU_AUDIT], 10000000, 20000000);
	assert_int_equal(ns[SP_CPU_STORE] + ns[SP_CPU_POLICY] + ns[SP_CPU_ENCODE], 0);
	assert_string_equal(sp_cpu_phase_name(SP_CPU_STORE), "store");
	assert_string_equal(sp_cpu_phase_name(SP_CPU_DECRYPT), "decrypt");
	/* ended: nothing more is charged */
	int64_t again[SP_CPU_PHASES];
	spin_cpu_ms(5);
	sp_cpu_end(again);
	assert_memory_equal(again, ns, sizeof ns);
}

int main(void)
{
	if (sp_init() != SP_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_caps_and_appends),
		cmocka_unit_test(arena_allocates_aligned_and_caps),
		cmocka_unit_test(json_rejects_duplicates_and_names_fields),
		cmocka_unit_test(uuid7_layout_and_round_trip),
		cmocka_unit_test(times_are_rfc3339_utc_with_microseconds),
		cmocka_unit_test(times_parse_back),
		cmocka_unit_test(config_precedence_file_env_flag),
		cmocka_unit_test(log_prints_tokens_and_redacts_the_rest),
		cmocka_unit_test(json_memory_is_wiped),
		cmocka_unit_test(cputime_charges_the_phase_in_force),
		cmocka_unit_test(jsonw_commas_escapes_and_failures),
		cmocka_unit_test(jsonw_values_ids_times_and_read_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
