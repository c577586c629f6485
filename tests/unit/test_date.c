/* core/date.c: partial dates, ISO 8601 text, calendar conversions against hand-written golden
 * files (tests/data/dates/), ordering, age ranges and child status. Runs from the repo root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucal.h>

#include "safepath/date.h"

#define CONVERSIONS "tests/data/dates/conversions.tsv"
#define AGES "tests/data/dates/ages.tsv"

/* A golden file: one row of tab-separated fields per line, '#' comments and blank lines skipped. */
struct tsv {
	FILE *f;
	char line[256];
	int lineno;
	char *field[10];
	int nfields;
};

static void tsv_open(struct tsv *t, const char *path)
{
	memset(t, 0, sizeof *t);
	t->f = fopen(path, "r");
	if (!t->f)
		fail_msg("cannot open %s (run from the repository root)", path);
}

static bool tsv_next(struct tsv *t)
{
	while (fgets(t->line, sizeof t->line, t->f)) {
		t->lineno++;
		t->line[strcspn(t->line, "\r\n")] = '\0';
		if (t->line[0] == '#' || t->line[0] == '\0')
			continue;
		t->nfields = 0;
		char *p = t->line;
		for (;;) {
			if (t->nfields == (int)(sizeof t->field / sizeof t->field[0]))
				fail_msg("line %d: too many fields", t->lineno);
			t->field[t->nfields++] = p;
			char *tab = strchr(p, '\t');
			if (!tab)
				break;
			*tab = '\0';
			p = tab + 1;
		}
		return true;
	}
	fclose(t->f);
	t->f = NULL;
	return false;
}

static int num(const struct tsv *t, int i)
{
	char *end;
	errno = 0;
	long v = strtol(t->field[i], &end, 10);
	if (errno || *end || end == t->field[i] || v < -100000 || v > 100000)
		fail_msg("line %d: field %d is not a number", t->lineno, i + 1);
	return (int)v;
}

static enum sp_calendar cal_field(const struct tsv *t, int i)
{
	enum sp_calendar cal;
	struct sp_err err = {0};
	if (sp_calendar_parse(t->field[i], &cal, &err) != SP_OK)
		fail_msg("line %d: unknown calendar", t->lineno);
	return cal;
}

static void golden_conversions_both_ways(void **state)
{
	(void)state;
	struct tsv t;
	int rows = 0, refused = 0;
	tsv_open(&t, CONVERSIONS);
	while (tsv_next(&t)) {
		if (t.nfields != 5)
			fail_msg("line %d: want 5 fields", t.lineno);
		enum sp_calendar cal = cal_field(&t, 0);
		int y = num(&t, 1), m = num(&t, 2), d = num(&t, 3);
		const char *want = t.field[4];
		struct sp_date date;
		struct sp_err err = {0};
		int rc = sp_date_from_calendar(cal, y, m, d, false, &date, &err);
		rows++;
		if (strcmp(want, "error") == 0) {
			if (rc != SP_EINVAL)
				fail_msg("line %d: accepted, want an error", t.lineno);
			assert_true(err.msg[0] != '\0');
			refused++;
			continue;
		}
		if (rc != SP_OK)
			fail_msg("line %d: refused (%s), want %s", t.lineno, err.msg, want);
		char got[SP_DATE_ISO_SIZE];
		sp_date_format_iso(&date, got);
		if (strcmp(got, want) != 0)
			fail_msg("line %d: got %s, want %s", t.lineno, got, want);
		assert_int_equal(date.entered_in, cal);
		assert_false(date.estimated);

		/* Backwards: the stored text shows as the same calendar date again. */
		struct sp_date back;
		assert_int_equal(sp_date_parse_iso(want, &back, &err), SP_OK);
		assert_int_equal(back.first, date.first);
		assert_int_equal(back.last, date.last);
		int by, bm, bd;
		if (sp_date_to_calendar(&back, cal, &by, &bm, &bd, &err) != SP_OK)
			fail_msg("line %d: no way back (%s)", t.lineno, err.msg);
		if (by != y || bm != m || bd != d)
			fail_msg("line %d: back as %d/%d/%d", t.lineno, by, bm, bd);
	}
	assert_true(rows >= 60);
	assert_true(refused >= 15);
}

static void golden_ages_and_child_status(void **state)
{
	(void)state;
	struct tsv t;
	int rows = 0;
	tsv_open(&t, AGES);
	while (tsv_next(&t)) {
		if (t.nfields != 8)
			fail_msg("line %d: want 8 fields", t.lineno);
		struct sp_date dob, on;
		struct sp_err err = {0};
		if (sp_date_from_calendar(cal_field(&t, 0), num(&t, 1), num(&t, 2), num(&t, 3),
					  false, &dob, &err) != SP_OK ||
		    sp_date_parse_iso(t.field[4], &on, &err) != SP_OK)
			fail_msg("line %d: bad date (%s)", t.lineno, err.msg);
		int lo, hi;
		enum sp_child child;
		assert_int_equal(sp_date_age_at(&dob, &on, &lo, &hi, &err), SP_OK);
		assert_int_equal(sp_date_is_child_at(&dob, &on, &child, &err), SP_OK);
		if (lo != num(&t, 5) || hi != num(&t, 6) ||
		    strcmp(sp_child_name(child), t.field[7]))
			fail_msg("line %d: got %d..%d %s", t.lineno, lo, hi, sp_child_name(child));
		rows++;
	}
	assert_true(rows >= 20);
}

static void iso_parse_is_strict_and_quiet(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"2024-",
		"2024-1",
		"2024-1-01",
		"2024-01-1",
		" 2024",
		"2024 ",
		"+2024",
		"-2024",
		"2024-01-01 ",
		"2024-01-01T00:00",
		"20240101",
		"2024--01",
		"2024-00",
		"2024-13",
		"2024-02-30",
		"2023-02-29",
		"1900-02-29",
		"2024-04-31",
		"2024-00-10",
		"2024-01-00",
		"1799",
		"2201",
		"0000",
		"99999",
		"2024/2025",
		"2024-01/2024-02",
		"2024-01-01/",
		"/2024-01-01",
		"2024-01-01/2023-12-31",
		"2024-01-01//2024-01-02",
		"2024-01-01/2024-01-02/",
		"2024-01-01-2024-01-02",
		"2024-01-01/2024-01-0x",
		"\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa4",
		"2O24",
		"2024-01-01\n",
		"2024-01-01/2024-01-02 extra text that runs on",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sp_date d = {.first = 7, .last = 7};
		struct sp_err err = {0};
		if (sp_date_parse_iso(bad[i], &d, &err) != SP_EINVAL)
			fail_msg("accepted bad input #%zu", i);
		assert_int_equal(d.first, 7); /* untouched on error */
		assert_true(err.msg[0] != '\0');
		/* Reasons only: the message never holds a value from the input. */
		assert_null(strstr(err.msg, "2024"));
		assert_null(strstr(err.msg, "2023"));
		assert_null(strstr(err.msg, "1799"));
	}

	/* Canonical text: the shortest form that says the same span. */
	static const char *const pairs[][2] = {
		{"2024", "2024"},
		{"2024-02", "2024-02"},
		{"2024-02-29", "2024-02-29"},
		{"1800-01-01", "1800-01-01"},
		{"2200-12-31", "2200-12-31"},
		{"2024-01-01/2024-12-31", "2024"},
		{"2024-02-01/2024-02-29", "2024-02"},
		{"2024-03-05/2024-03-05", "2024-03-05"},
		{"2024-02-01/2024-02-28", "2024-02-01/2024-02-28"},
		{"2006-03-21/2007-03-20", "2006-03-21/2007-03-20"},
		{"2024-01-01/2025-12-31", "2024-01-01/2025-12-31"},
		{"2024-12-01/2024-12-31", "2024-12"},
	};
	for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
		struct sp_date d;
		struct sp_err err = {0};
		assert_int_equal(sp_date_parse_iso(pairs[i][0], &d, &err), SP_OK);
		assert_false(d.estimated);
		assert_int_equal(d.entered_in, SP_CAL_GREGORIAN);
		char out[SP_DATE_ISO_SIZE];
		sp_date_format_iso(&d, out);
		assert_string_equal(out, pairs[i][1]);
	}

	/* Values no constructor makes are not printed as dates. */
	struct sp_date junk = {.first = 5, .last = 4};
	char out[SP_DATE_ISO_SIZE];
	sp_date_format_iso(&junk, out);
	assert_string_equal(out, "invalid");
}

static struct sp_date iso(const char *s)
{
	struct sp_date d;
	struct sp_err err = {0};
	if (sp_date_parse_iso(s, &d, &err) != SP_OK)
		fail_msg("bad test date");
	return d;
}

static int compare_void(const void *a, const void *b)
{
	return sp_date_compare(a, b);
}

static void compare_is_a_total_order(void **state)
{
	(void)state;
	struct sp_date want[8];
	want[0] = iso("2005-12-31");
	want[1] = iso("2006-01-01");
	want[2] = iso("2006-01-01");
	want[2].estimated = true;
	want[3] = iso("2006-01");
	want[4] = iso("2006");
	want[5] = want[4];
	want[5].entered_in = SP_CAL_PERSIAN;
	want[6] = iso("2006-01-02");
	want[7] = iso("2006-03-21/2007-03-20");
	struct sp_date shuffled[8];
	static const int order[8] = {7, 4, 0, 6, 2, 5, 1, 3};
	for (int i = 0; i < 8; i++)
		shuffled[i] = want[order[i]];
	qsort(shuffled, 8, sizeof shuffled[0], compare_void);
	for (int i = 0; i < 8; i++) {
		assert_int_equal(sp_date_compare(&shuffled[i], &want[i]), 0);
		for (int j = 0; j < 8; j++) {
			int c = sp_date_compare(&want[i], &want[j]);
			assert_true(i < j ? c < 0 : i > j ? c > 0 : c == 0);
		}
	}
}

static void calendar_names_round_trip(void **state)
{
	(void)state;
	static const char *const names[SP_CAL_COUNT] = {"gregorian", "persian", "islamic-umalqura",
							"islamic-civil", "ethiopian"};
	for (int i = 0; i < SP_CAL_COUNT; i++) {
		enum sp_calendar c;
		struct sp_err err = {0};
		assert_string_equal(sp_calendar_name((enum sp_calendar)i), names[i]);
		assert_int_equal(sp_calendar_parse(names[i], &c, &err), SP_OK);
		assert_int_equal(c, i);
	}
	enum sp_calendar c = SP_CAL_PERSIAN;
	struct sp_err err = {0};
	assert_int_equal(sp_calendar_parse("islamic", &c, &err), SP_EINVAL); /* variant required */
	assert_int_equal(sp_calendar_parse("Persian", &c, &err), SP_EINVAL);
	assert_int_equal(sp_calendar_parse("ethiopic", &c, &err), SP_EINVAL);
	assert_int_equal(c, SP_CAL_PERSIAN);
	assert_string_equal(sp_calendar_name(SP_CAL_COUNT), "unknown");
	assert_string_equal(sp_calendar_name((enum sp_calendar) - 1), "unknown");
	assert_int_equal(
		sp_date_from_calendar(SP_CAL_COUNT, 2000, 1, 1, false, &(struct sp_date){0}, &err),
		SP_EINVAL);
	assert_string_equal(sp_child_name(SP_CHILD_UNKNOWN), "unknown");
	assert_string_equal(sp_child_name((enum sp_child)9), "unknown");
}

static void calendar_entry_keeps_flags_and_refuses_nonsense(void **state)
{
	(void)state;
	struct sp_date d;
	struct sp_err err = {0};
	assert_int_equal(sp_date_from_calendar(SP_CAL_ETHIOPIAN, 2000, 1, 1, true, &d, &err),
			 SP_OK);
	assert_true(d.estimated);
	assert_int_equal(d.entered_in, SP_CAL_ETHIOPIAN);

	static const int bad[][4] = {
		{SP_CAL_PERSIAN, 1403, 0, 5}, /* a day without a month */
		{SP_CAL_PERSIAN, 1403, -1, 0},
		{SP_CAL_PERSIAN, 1403, 1, -1},
		{SP_CAL_PERSIAN, 1403, 1, 32},
		{SP_CAL_PERSIAN, -5, 1, 1},
		{SP_CAL_PERSIAN, 1000, 1, 1},
		{SP_CAL_PERSIAN, 2147483647, 1, 1},
		{SP_CAL_ETHIOPIAN, -2147483647 - 1, 1, 1},
		{SP_CAL_ISLAMIC_CIVIL, 1213, 1, 1}, /* before 1800 */
		{SP_CAL_ISLAMIC_CIVIL, 1640, 1, 1}, /* after 2200 */
		{SP_CAL_ETHIOPIAN, 1791, 1, 1},
		{SP_CAL_ETHIOPIAN, 2194, 1, 1},
		{SP_CAL_GREGORIAN, 2024, 2, 30},
		{SP_CAL_GREGORIAN, 2024, 1, 2147483647},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		d.first = 7;
		if (sp_date_from_calendar((enum sp_calendar)bad[i][0], bad[i][1], bad[i][2],
					  bad[i][3], false, &d, &err) != SP_EINVAL)
			fail_msg("accepted bad entry #%zu", i);
		assert_int_equal(d.first, 7);
	}
}

static void to_calendar_refuses_what_it_cannot_say(void **state)
{
	(void)state;
	int y, m, d;
	struct sp_err err = {0};
	struct sp_date g = iso("2006");
	/* The Gregorian year is no Solar Hijri, Islamic or Ethiopian year or month. */
	for (int c = SP_CAL_PERSIAN; c < SP_CAL_COUNT; c++)
		assert_int_equal(sp_date_to_calendar(&g, (enum sp_calendar)c, &y, &m, &d, &err),
				 SP_EINVAL);
	struct sp_date span = iso("2006-03-21/2006-04-19");
	assert_int_equal(sp_date_to_calendar(&span, SP_CAL_GREGORIAN, &y, &m, &d, &err), SP_EINVAL);
	assert_int_equal(sp_date_to_calendar(&span, SP_CAL_PERSIAN, &y, &m, &d, &err), SP_EINVAL);
	/* Farvardin 1385 has 31 days: 2006-03-21..2006-04-20. */
	span = iso("2006-03-21/2006-04-20");
	assert_int_equal(sp_date_to_calendar(&span, SP_CAL_PERSIAN, &y, &m, &d, &err), SP_OK);
	assert_int_equal(y, 1385);
	assert_int_equal(m, 1);
	assert_int_equal(d, 0);
	/* Past 1501 AP (2123-03-21 on) ICU's Persian arithmetic is not the official calendar. */
	struct sp_date late = iso("2150-01-01");
	assert_int_equal(sp_date_to_calendar(&late, SP_CAL_PERSIAN, &y, &m, &d, &err), SP_EINVAL);
	assert_int_equal(sp_date_to_calendar(&late, SP_CAL_ISLAMIC_UMALQURA, &y, &m, &d, &err),
			 SP_OK);
	struct sp_date early = iso("1850-06-01");
	assert_int_equal(sp_date_to_calendar(&early, SP_CAL_ISLAMIC_UMALQURA, &y, &m, &d, &err),
			 SP_EINVAL);
	assert_int_equal(sp_date_to_calendar(&early, SP_CAL_ISLAMIC_CIVIL, &y, &m, &d, &err),
			 SP_OK);
	assert_int_equal(sp_date_to_calendar(&g, SP_CAL_COUNT, &y, &m, &d, &err), SP_EINVAL);
	struct sp_date junk = {.first = 1, .last = 0};
	assert_int_equal(sp_date_to_calendar(&junk, SP_CAL_GREGORIAN, &y, &m, &d, &err), SP_EINVAL);
}

/* The month (or, with month 0, the year) y/m of calendar c is exactly the days z0..z1, and shows
 * as y/m again. */
static void check_span(enum sp_calendar c, int y, int m, int32_t z0, int32_t z1)
{
	struct sp_date span;
	struct sp_err err = {0};
	int by, bm, bd;
	if (sp_date_from_calendar(c, y, m, 0, false, &span, &err) != SP_OK || span.first != z0 ||
	    span.last != z1)
		fail_msg("%s %d/%d: want days %d..%d", sp_calendar_name(c), y, m, z0, z1);
	assert_int_equal(sp_date_to_calendar(&span, c, &by, &bm, &bd, &err), SP_OK);
	assert_true(by == y && bm == m && bd == 0);
}

static void every_day_survives_every_calendar(void **state)
{
	(void)state;
	/* Each day of 1800..2200 goes to each calendar and back to the same day; the months and
	 * years read off the days are the spans entered as months and years: ICU's two
	 * directions and our month lengths agree on every day. */
	struct sp_date first = iso("1800-01-01"), last = iso("2200-12-31");
	struct sp_err err = {0};
	for (int c = SP_CAL_GREGORIAN; c < SP_CAL_COUNT; c++) {
		enum sp_calendar cal = (enum sp_calendar)c;
		int py = 0, pm = 0, supported = 0;
		int32_t month_first = 0, year_first = 0;
		bool have_month = false, have_year = false;
		for (int32_t z = first.first; z <= last.first; z++) {
			struct sp_date day = {.first = z, .last = z}, back;
			int y, m, d;
			int rc = sp_date_to_calendar(&day, cal, &y, &m, &d, &err);
			if (rc == SP_EINVAL) { /* outside the years cal supports here */
				have_month = have_year = false;
				continue;
			}
			assert_int_equal(rc, SP_OK);
			supported++;
			if (sp_date_from_calendar(cal, y, m, d, false, &back, &err) != SP_OK ||
			    back.first != z || back.last != z)
				fail_msg("%s: day %d does not come back", sp_calendar_name(c), z);
			if (d == 1) {
				if (have_month)
					check_span(cal, py, pm, month_first, z - 1);
				month_first = z;
				have_month = true;
			}
			if (m == 1 && d == 1) {
				if (have_year) {
					assert_int_equal(pm, cal == SP_CAL_ETHIOPIAN ? 13 : 12);
					check_span(cal, py, 0, year_first, z - 1);
				}
				year_first = z;
				have_year = true;
			}
			py = y;
			pm = m;
		}
		assert_true(supported > 100 * 365);
	}
}

static void display_agrees_with_icu_fields(void **state)
{
	(void)state;
	/* sp_date_to_calendar takes shortcuts (Umm al-Qura goes by the civil calendar and month
	 * starts): on every day it must say what ICU's own field computation says. */
	static const char *const locale[SP_CAL_COUNT] = {
		[SP_CAL_PERSIAN] = "@calendar=persian",
		[SP_CAL_ISLAMIC_UMALQURA] = "@calendar=islamic-umalqura",
		[SP_CAL_ISLAMIC_CIVIL] = "@calendar=islamic-civil",
		[SP_CAL_ETHIOPIAN] = "@calendar=ethiopic",
	};
	static const UChar utc[] = {'U', 'T', 'C', 0};
	struct sp_date first = iso("1800-01-01"), last = iso("2200-12-31");
	for (int c = SP_CAL_PERSIAN; c < SP_CAL_COUNT; c++) {
		UErrorCode st = U_ZERO_ERROR;
		UCalendar *u = ucal_open(utc, -1, locale[c], UCAL_DEFAULT, &st);
		assert_true(U_SUCCESS(st));
		int shown = 0;
		for (int32_t z = first.first; z <= last.first; z++) {
			struct sp_date day = {.first = z, .last = z};
			struct sp_err err = {0};
			int y, m, d;
			if (sp_date_to_calendar(&day, (enum sp_calendar)c, &y, &m, &d, &err) !=
			    SP_OK)
				continue;
			ucal_setMillis(u, (UDate)z * 86400000.0, &st);
			int iy = ucal_get(u, UCAL_EXTENDED_YEAR, &st);
			int im = ucal_get(u, UCAL_MONTH, &st) + 1;
			int id = ucal_get(u, UCAL_DATE, &st);
			assert_true(U_SUCCESS(st));
			if (y != iy || m != im || d != id)
				fail_msg("%s: day %d is %d/%d/%d, ICU says %d/%d/%d",
					 sp_calendar_name(c), z, y, m, d, iy, im, id);
			if (c == SP_CAL_ETHIOPIAN)
				assert_int_equal(ucal_get(u, UCAL_ERA, &st), 1); /* Amete Mihret */
			shown++;
		}
		assert_true(shown > 100 * 365);
		ucal_close(u);
	}
}

static void age_needs_a_birth_first(void **state)
{
	(void)state;
	struct sp_date dob = iso("2006-05-10"), on = iso("2006-05-09");
	int lo, hi;
	enum sp_child c;
	struct sp_err err = {0};
	assert_int_equal(sp_date_age_at(&dob, &on, &lo, &hi, &err), SP_EINVAL);
	assert_int_equal(sp_date_is_child_at(&dob, &on, &c, &err), SP_EINVAL);
	on = iso("2006-05-10");
	assert_int_equal(sp_date_age_at(&dob, &on, &lo, &hi, &err), SP_OK);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 0);
	/* A partial "on" that overlaps a partial birth: age 0 at the least. */
	dob = iso("2006");
	on = iso("2006-05");
	assert_int_equal(sp_date_age_at(&dob, &on, &lo, &hi, &err), SP_OK);
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 0);
	/* A partial "on" widens the range both ways. */
	dob = iso("2006-06-15");
	on = iso("2024");
	assert_int_equal(sp_date_age_at(&dob, &on, &lo, &hi, &err), SP_OK);
	assert_int_equal(lo, 17);
	assert_int_equal(hi, 18);
	assert_int_equal(sp_date_is_child_at(&dob, &on, &c, &err), SP_OK);
	assert_int_equal(c, SP_CHILD_UNKNOWN);
	/* An estimated date is weighed by the caller, not widened here. */
	dob.estimated = true;
	on = iso("2030-01-01");
	assert_int_equal(sp_date_is_child_at(&dob, &on, &c, &err), SP_OK);
	assert_int_equal(c, SP_CHILD_NO);
	struct sp_date junk = {.first = 9, .last = 8};
	assert_int_equal(sp_date_age_at(&junk, &on, &lo, &hi, &err), SP_EINVAL);
	assert_int_equal(sp_date_age_at(&on, &junk, &lo, &hi, &err), SP_EINVAL);
}

static void *convert_in_thread(void *arg)
{
	int *failures = arg;
	for (int i = 0; i < 2000; i++) {
		struct sp_date d;
		struct sp_err err = {0};
		char s[SP_DATE_ISO_SIZE];
		if (sp_date_from_calendar(SP_CAL_PERSIAN, 1403, 1, 1, false, &d, &err) != SP_OK)
			(*failures)++;
		sp_date_format_iso(&d, s);
		if (strcmp(s, "2024-03-20") != 0)
			(*failures)++;
		if (sp_date_from_calendar(SP_CAL_ETHIOPIAN, 2017, 1, 1, false, &d, &err) != SP_OK)
			(*failures)++;
		sp_date_format_iso(&d, s);
		if (strcmp(s, "2024-09-11") != 0)
			(*failures)++;
		if (i % 500 == 0)
			sp_date_release_thread_cache(); /* and reopen on the next call */
	}
	return NULL;
}

static void threads_keep_their_own_calendars(void **state)
{
	(void)state;
	pthread_t th[4];
	int failures[4] = {0};
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, convert_in_thread, &failures[i]), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(failures[i], 0);
	}
	sp_date_release_thread_cache();
	sp_date_release_thread_cache();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(golden_conversions_both_ways),
		cmocka_unit_test(golden_ages_and_child_status),
		cmocka_unit_test(iso_parse_is_strict_and_quiet),
		cmocka_unit_test(compare_is_a_total_order),
		cmocka_unit_test(calendar_names_round_trip),
		cmocka_unit_test(calendar_entry_keeps_flags_and_refuses_nonsense),
		cmocka_unit_test(to_calendar_refuses_what_it_cannot_say),
		cmocka_unit_test(every_day_survives_every_calendar),
		cmocka_unit_test(display_agrees_with_icu_fields),
		cmocka_unit_test(age_needs_a_birth_first),
		cmocka_unit_test(threads_keep_their_own_calendars),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	sp_date_release_thread_cache();
	return rc;
}
