/* Partial dates as spans of Gregorian days: ISO 8601 text in and out, entry and display in the
 * Solar Hijri, Islamic and Ethiopian calendars through ICU, ordering and age ranges. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <unicode/ucal.h>

#include "safepath/date.h"
#include "safepath/id.h"

/* Fill err and yield code. sp_err_set returns its code too, but from another file, where the
 * static analyser cannot see that an error path never returns 0. */
#define FAIL(err, code, ...) (sp_err_set((err), (code), "", __VA_ARGS__), (code))

/* ---- Gregorian day numbers (days since 1970-01-01), after H. Hinnant's civil algorithms ---- */

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* Valid for the years 1..9999; callers stay within SP_DATE_MIN_YEAR..SP_DATE_MAX_YEAR. */
static int32_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int era = y / 400;
	int yoe = y - era * 400;
	int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int32_t z, int *y, int *m, int *d)
{
	z += 719468;
	int era = z / 146097;
	int doe = z - era * 146097;
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yoe + era * 400 + (*m <= 2);
}

int32_t sp_date_day_number(int year, int month, int day)
{
	return days_from_civil(year, month, day);
}

void sp_date_civil(int32_t day, int *year, int *month, int *mday)
{
	civil_from_days(day, year, month, mday);
}

int32_t sp_date_add_months(int32_t day, int months)
{
	int y, m, d;
	sp_date_civil(day, &y, &m, &d);
	int total = y * 12 + (m - 1) + months;
	int floor_div = total >= 0 ? total / 12 : -((-total + 11) / 12);
	y = floor_div;
	m = total - floor_div * 12 + 1;
	int last = month_days(y, m);
	return sp_date_day_number(y, m, d > last ? last : d);
}

#define DAY_MIN days_from_civil(SP_DATE_MIN_YEAR, 1, 1)
#define DAY_MAX days_from_civil(SP_DATE_MAX_YEAR, 12, 31)

static bool day_in_range(int32_t z)
{
	return z >= DAY_MIN && z <= DAY_MAX;
}

/* ---- calendar names ---- */

static const struct {
	const char *name;
	const char *icu_locale; /* NULL: plain arithmetic, no ICU */
	const char *icu_type;	/* what ucal_getType must answer, or ICU fell back to Gregorian */
} calendars[SP_CAL_COUNT] = {
	[SP_CAL_GREGORIAN] = {"gregorian", NULL, NULL},
	[SP_CAL_PERSIAN] = {"persian", "@calendar=persian", "persian"},
	[SP_CAL_ISLAMIC_UMALQURA] = {"islamic-umalqura", "@calendar=islamic-umalqura",
				     "islamic-umalqura"},
	[SP_CAL_ISLAMIC_CIVIL] = {"islamic-civil", "@calendar=islamic-civil", "islamic-civil"},
	[SP_CAL_ETHIOPIAN] = {"ethiopian", "@calendar=ethiopic", "ethiopic"},
};

static bool cal_valid(enum sp_calendar cal)
{
	return (unsigned)cal < SP_CAL_COUNT;
}

const char *sp_calendar_name(enum sp_calendar cal)
{
	return cal_valid(cal) ? calendars[cal].name : "unknown";
}

int sp_calendar_parse(const char *name, enum sp_calendar *out, struct sp_err *err)
{
	for (int i = 0; i < SP_CAL_COUNT; i++) {
		if (strcmp(name, calendars[i].name) == 0) {
			*out = (enum sp_calendar)i;
			return SP_OK;
		}
	}
	return FAIL(err, SP_EINVAL, "is not a known calendar");
}

/* ---- ISO 8601 text ---- */

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

#define ISO_SHAPE "must be YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DD/YYYY-MM-DD"

/* One "YYYY", "YYYY-MM" or "YYYY-MM-DD" of len bytes at s, as a span. */
static int parse_one(const char *s, size_t len, int32_t *first, int32_t *last, struct sp_err *err)
{
	if (len != 4 && len != 7 && len != 10)
		return FAIL(err, SP_EINVAL, ISO_SHAPE);
	int y = digits(s, 4), m = 0, d = 0;
	if (len >= 7 && (s[4] != '-' || (m = digits(s + 5, 2)) < 0))
		return FAIL(err, SP_EINVAL, ISO_SHAPE);
	if (len == 10 && (s[7] != '-' || (d = digits(s + 8, 2)) < 0))
		return FAIL(err, SP_EINVAL, ISO_SHAPE);
	if (y < 0)
		return FAIL(err, SP_EINVAL, ISO_SHAPE);
	if (y < SP_DATE_MIN_YEAR || y > SP_DATE_MAX_YEAR) {
		return FAIL(err, SP_EINVAL, "year must be %d-%d", SP_DATE_MIN_YEAR,
			    SP_DATE_MAX_YEAR);
	}
	if (len >= 7 && (m < 1 || m > 12))
		return FAIL(err, SP_EINVAL, "month must be 01-12");
	if (len == 10 && (d < 1 || d > month_days(y, m)))
		return FAIL(err, SP_EINVAL, "day is not in that month");
	*first = days_from_civil(y, m ? m : 1, d ? d : 1);
	*last = days_from_civil(y, m ? m : 12, d ? d : (m ? month_days(y, m) : 31));
	return SP_OK;
}

int sp_date_parse_iso(const char *s, struct sp_date *out, struct sp_err *err)
{
	size_t len = strnlen(s, SP_DATE_ISO_SIZE);
	if (len >= SP_DATE_ISO_SIZE)
		return FAIL(err, SP_EINVAL, ISO_SHAPE);
	int32_t first = 0, last = 0, unused;
	int rc;
	const char *slash = memchr(s, '/', len);
	if (!slash) {
		rc = parse_one(s, len, &first, &last, err);
		if (rc)
			return rc;
	} else {
		/* An interval is of two full dates: "2006/2007" would be a second way to say
		 * "2006-01-01/2007-12-31" and the canonical text must stay unique. */
		size_t n1 = (size_t)(slash - s);
		if (n1 != 10 || len - n1 - 1 != 10)
			return FAIL(err, SP_EINVAL, ISO_SHAPE);
		if ((rc = parse_one(s, 10, &first, &unused, err)) != 0 ||
		    (rc = parse_one(slash + 1, 10, &last, &unused, err)) != 0)
			return rc;
		if (last < first)
			return FAIL(err, SP_EINVAL, "interval ends before it starts");
	}
	*out = (struct sp_date){
		.first = first, .last = last, .estimated = false, .entered_in = SP_CAL_GREGORIAN};
	return SP_OK;
}

/* Four digits, or two: the caller guarantees the value fits. */
static char *put_num(char *p, int v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

static char *put_day(char *p, int32_t z)
{
	int y, m, d;
	civil_from_days(z, &y, &m, &d);
	p = put_num(p, y, 4);
	*p++ = '-';
	p = put_num(p, m, 2);
	*p++ = '-';
	return put_num(p, d, 2);
}

void sp_date_format_iso(const struct sp_date *d, char out[SP_DATE_ISO_SIZE])
{
	int32_t first = d->first, last = d->last;
	if (!day_in_range(first) || !day_in_range(last) || last < first) {
		/* Not a date sp_date_* made: say so rather than print a wrong one. */
		memcpy(out, "invalid", sizeof "invalid");
		return;
	}
	int y1, m1, d1, y2, m2, d2;
	civil_from_days(first, &y1, &m1, &d1);
	civil_from_days(last, &y2, &m2, &d2);
	char *p = out;
	if (first == last) {
		p = put_day(p, first);
	} else if (y1 == y2 && m1 == 1 && d1 == 1 && m2 == 12 && d2 == 31) {
		p = put_num(p, y1, 4);
	} else if (y1 == y2 && m1 == m2 && d1 == 1 && d2 == month_days(y2, m2)) {
		p = put_num(p, y1, 4);
		*p++ = '-';
		p = put_num(p, m1, 2);
	} else {
		p = put_day(p, first);
		*p++ = '/';
		p = put_day(p, last);
	}
	*p = '\0';
}

/* ---- ICU calendars, one of each kind per thread ---- */

struct cal_cache {
	UCalendar *cal[SP_CAL_COUNT];
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;
static bool cache_key_ok;

static void cache_free(void *p)
{
	struct cal_cache *c = p;
	if (!c)
		return;
	for (int i = 0; i < SP_CAL_COUNT; i++)
		if (c->cal[i])
			ucal_close(c->cal[i]);
	free(c);
}

static void cache_key_create(void)
{
	cache_key_ok = pthread_key_create(&cache_key, cache_free) == 0;
}

void sp_date_release_thread_cache(void)
{
	if (pthread_once(&cache_once, cache_key_create) != 0 || !cache_key_ok)
		return;
	struct cal_cache *c = pthread_getspecific(cache_key);
	if (c) {
		pthread_setspecific(cache_key, NULL);
		cache_free(c);
	}
}

static int icu_calendar(enum sp_calendar cal, UCalendar **out, struct sp_err *err)
{
	if (pthread_once(&cache_once, cache_key_create) != 0 || !cache_key_ok)
		return FAIL(err, SP_EINTERNAL, "cannot create the calendar cache");
	struct cal_cache *c = pthread_getspecific(cache_key);
	if (!c) {
		c = calloc(1, sizeof *c);
		if (!c)
			return FAIL(err, SP_ENOMEM, "out of memory");
		if (pthread_setspecific(cache_key, c) != 0) {
			free(c);
			return FAIL(err, SP_EINTERNAL, "cannot keep the calendar cache");
		}
	}
	if (!c->cal[cal]) {
		/* UTC: a date is a day, and a zone with a midnight DST jump would skip one. */
		static const UChar utc[] = {'U', 'T', 'C', 0};
		UErrorCode st = U_ZERO_ERROR;
		UCalendar *u = ucal_open(utc, -1, calendars[cal].icu_locale, UCAL_DEFAULT, &st);
		if (U_FAILURE(st) || !u) {
			if (u)
				ucal_close(u);
			return FAIL(err, SP_EUNAVAIL, "ICU cannot open the %s calendar",
				    calendars[cal].name);
		}
		const char *type = ucal_getType(u, &st);
		if (U_FAILURE(st) || !type || strcmp(type, calendars[cal].icu_type) != 0) {
			ucal_close(u);
			return FAIL(err, SP_EUNAVAIL, "ICU has no %s calendar",
				    calendars[cal].name);
		}
		c->cal[cal] = u;
	}
	*out = c->cal[cal];
	return SP_OK;
}

#define MS_PER_DAY 86400000.0

/* Day number of year/month(1-based)/day in an ICU calendar, fields checked by the caller.
 * UCAL_EXTENDED_YEAR, not UCAL_YEAR: it has no era to get wrong. In ICU's "ethiopic" calendar it
 * is the Amete Mihret year (ERA 1) for every date we accept (Amete Alem, ERA 0, only counts the
 * years before 1 AM); in the Persian and Islamic ones it is the plain year. */
static int icu_to_days(UCalendar *u, int year, int month, int day, int32_t *out)
{
	UErrorCode st = U_ZERO_ERROR;
	ucal_clear(u);
	ucal_set(u, UCAL_EXTENDED_YEAR, year);
	ucal_set(u, UCAL_MONTH, month - 1);
	ucal_set(u, UCAL_DATE, day);
	/* The time only: ucal_get would also compute every field back from it, which for
	 * Umm al-Qura scans its years from 1300 (33 us a call in ICU 72, 1 us this way). */
	UDate ms = ucal_getMillis(u, &st);
	if (U_FAILURE(st))
		return SP_EINTERNAL;
	*out = (int32_t)floor(ms / MS_PER_DAY);
	return SP_OK;
}

static int icu_from_days(UCalendar *u, int32_t z, int *year, int *month, int *day)
{
	UErrorCode st = U_ZERO_ERROR;
	ucal_clear(u);
	ucal_setMillis(u, (UDate)z * MS_PER_DAY, &st);
	int y = ucal_get(u, UCAL_EXTENDED_YEAR, &st);
	int m = ucal_get(u, UCAL_MONTH, &st);
	int d = ucal_get(u, UCAL_DATE, &st);
	if (U_FAILURE(st))
		return SP_EINTERNAL;
	*year = y;
	*month = m + 1;
	*day = d;
	return SP_OK;
}

/* Per calendar, the years accepted: about SP_DATE_MIN_YEAR..SP_DATE_MAX_YEAR (the exact bound is
 * the Gregorian range of the result), narrowed where ICU is not the real calendar. Checked before
 * ICU is asked, which also keeps its int arithmetic far from overflow. */
static const struct {
	int min_year, max_year;
} cal_years[SP_CAL_COUNT] = {
	[SP_CAL_GREGORIAN] = {SP_DATE_MIN_YEAR, SP_DATE_MAX_YEAR},
	/* ICU 72 uses the 33-year rule; the official calendar (astronomical, 52.5 E) first
	 * differs in 1502 AP, which is not a leap year although the rule makes it one. */
	[SP_CAL_PERSIAN] = {1178, 1501},
	[SP_CAL_ISLAMIC_UMALQURA] = {1300, 1600}, /* ICU's tables; beyond, it computes civil */
	[SP_CAL_ISLAMIC_CIVIL] = {1214, 1628},
	[SP_CAL_ETHIOPIAN] = {1792, 2193},
};

static int months_in_year(enum sp_calendar cal)
{
	return cal == SP_CAL_ETHIOPIAN ? 13 : 12;
}

/* First day and length of a month of cal. */
static int month_span(UCalendar *u, enum sp_calendar cal, int year, int month, int32_t *first,
		      int *len)
{
	int32_t next;
	int ny = month == months_in_year(cal) ? year + 1 : year;
	int nm = month == months_in_year(cal) ? 1 : month + 1;
	int rc = icu_to_days(u, year, month, 1, first);
	if (!rc)
		rc = icu_to_days(u, ny, nm, 1, &next);
	if (rc)
		return rc;
	*len = (int)(next - *first);
	return SP_OK;
}

/* Umm al-Qura from a day. ICU 72 finds the year by scanning its tables from 1300 (14 us a call);
 * the civil calendar, never more than days away, names the month, and the Umm al-Qura month
 * starts, cheap to compute, settle it. */
static int umalqura_from_days(UCalendar *uq, UCalendar *civil, int32_t z, int *year, int *month,
			      int *day)
{
	int y, m, d;
	if (icu_from_days(civil, z, &y, &m, &d) != 0)
		return SP_EINTERNAL;
	for (int step = 0; step < 4; step++) {
		int32_t start;
		int len;
		if (month_span(uq, SP_CAL_ISLAMIC_UMALQURA, y, m, &start, &len) != 0)
			return SP_EINTERNAL;
		if (z < start) {
			y -= m == 1;
			m = m == 1 ? 12 : m - 1;
		} else if (z >= start + len) {
			y += m == 12;
			m = m == 12 ? 1 : m + 1;
		} else {
			*year = y;
			*month = m;
			*day = (int)(z - start) + 1;
			return SP_OK;
		}
	}
	return SP_EINTERNAL;
}

/* First day and length of a year of cal. */
static int year_span(UCalendar *u, int year, int32_t *first, int *len)
{
	int32_t next;
	int rc = icu_to_days(u, year, 1, 1, first);
	if (!rc)
		rc = icu_to_days(u, year + 1, 1, 1, &next);
	if (rc)
		return rc;
	*len = (int)(next - *first);
	return SP_OK;
}

static int out_of_range(struct sp_err *err, enum sp_calendar cal)
{
	if (cal == SP_CAL_GREGORIAN)
		return FAIL(err, SP_EINVAL, "year must be %d-%d", SP_DATE_MIN_YEAR,
			    SP_DATE_MAX_YEAR);
	return FAIL(err, SP_EINVAL, "year must be %d-%d in the %s calendar",
		    cal_years[cal].min_year, cal_years[cal].max_year, calendars[cal].name);
}

int sp_date_from_calendar(enum sp_calendar cal, int year, int month, int day, bool estimated,
			  struct sp_date *out, struct sp_err *err)
{
	if (!cal_valid(cal))
		return FAIL(err, SP_EINVAL, "is not a known calendar");
	if (year < cal_years[cal].min_year || year > cal_years[cal].max_year)
		return out_of_range(err, cal);
	if (month < 0 || month > months_in_year(cal))
		return FAIL(err, SP_EINVAL, "month must be 1-%d in the %s calendar",
			    months_in_year(cal), calendars[cal].name);
	if (day < 0 || (month == 0 && day != 0))
		return FAIL(err, SP_EINVAL, "day needs a month");

	int32_t first, last;
	if (cal == SP_CAL_GREGORIAN) {
		if (day > (month ? month_days(year, month) : 0))
			return FAIL(err, SP_EINVAL, "day is not in that month");
		first = days_from_civil(year, month ? month : 1, day ? day : 1);
		last = days_from_civil(year, month ? month : 12,
				       day ? day : (month ? month_days(year, month) : 31));
	} else {
		UCalendar *u;
		int rc = icu_calendar(cal, &u, err);
		if (rc)
			return rc;
		int len;
		rc = month ? month_span(u, cal, year, month, &first, &len)
			   : year_span(u, year, &first, &len);
		if (rc)
			return FAIL(err, SP_EINTERNAL, "ICU failed on the %s calendar",
				    calendars[cal].name);
		if (day > len)
			return FAIL(err, SP_EINVAL, "day is not in that month");
		if (day)
			first += day - 1;
		last = day ? first : first + len - 1;
	}
	if (!day_in_range(first) || !day_in_range(last))
		return FAIL(err, SP_EINVAL, "date must fall in the years %d-%d", SP_DATE_MIN_YEAR,
			    SP_DATE_MAX_YEAR);
	*out = (struct sp_date){
		.first = first, .last = last, .estimated = estimated, .entered_in = cal};
	return SP_OK;
}

int sp_date_to_calendar(const struct sp_date *d, enum sp_calendar cal, int *year, int *month,
			int *day, struct sp_err *err)
{
	if (!cal_valid(cal))
		return FAIL(err, SP_EINVAL, "is not a known calendar");
	if (!day_in_range(d->first) || !day_in_range(d->last) || d->last < d->first)
		return FAIL(err, SP_EINVAL, "is not a date");
	int y, m, dd;
	if (cal == SP_CAL_GREGORIAN) {
		civil_from_days(d->first, &y, &m, &dd);
		int ly, lm, ld;
		civil_from_days(d->last, &ly, &lm, &ld);
		if (d->first == d->last) {
			/* one day */
		} else if (dd == 1 && ly == y && lm == m && ld == month_days(y, m)) {
			dd = 0;
		} else if (dd == 1 && m == 1 && ly == y && lm == 12 && ld == 31) {
			m = dd = 0;
		} else {
			return FAIL(err, SP_EINVAL,
				    "is no whole day, month or year of that calendar");
		}
	} else {
		UCalendar *u;
		int rc = icu_calendar(cal, &u, err);
		if (rc)
			return rc;
		UCalendar *civil = NULL;
		if (cal == SP_CAL_ISLAMIC_UMALQURA &&
		    (rc = icu_calendar(SP_CAL_ISLAMIC_CIVIL, &civil, err)) != 0)
			return rc;
		if (civil ? umalqura_from_days(u, civil, d->first, &y, &m, &dd) != 0
			  : icu_from_days(u, d->first, &y, &m, &dd) != 0)
			return FAIL(err, SP_EINTERNAL, "ICU failed on the %s calendar",
				    calendars[cal].name);
		if (y < cal_years[cal].min_year || y > cal_years[cal].max_year)
			return out_of_range(err, cal);
		if (d->first != d->last) {
			int32_t mfirst, yfirst;
			int mlen, ylen;
			rc = month_span(u, cal, y, m, &mfirst, &mlen);
			if (!rc)
				rc = year_span(u, y, &yfirst, &ylen);
			if (rc)
				return FAIL(err, SP_EINTERNAL, "ICU failed on the %s calendar",
					    calendars[cal].name);
			if (d->first == mfirst && d->last == mfirst + mlen - 1)
				dd = 0;
			else if (d->first == yfirst && d->last == yfirst + ylen - 1)
				m = dd = 0;
			else
				return FAIL(err, SP_EINVAL,
					    "is no whole day, month or year of that calendar");
		}
	}
	*year = y;
	*month = m;
	*day = dd;
	return SP_OK;
}

/* ---- order and age ---- */

static int cmp_int(long a, long b)
{
	return (a > b) - (a < b);
}

int sp_date_compare(const struct sp_date *a, const struct sp_date *b)
{
	int c = cmp_int(a->first, b->first);
	if (!c)
		c = cmp_int(a->last, b->last);
	if (!c)
		c = cmp_int(a->estimated, b->estimated);
	if (!c)
		c = cmp_int(a->entered_in, b->entered_in);
	return c;
}

/* Completed years from birth day b to day t (t >= b). */
static int age_days(int32_t b, int32_t t)
{
	int by, bm, bd, ty, tm, td;
	civil_from_days(b, &by, &bm, &bd);
	civil_from_days(t, &ty, &tm, &td);
	/* (month, day) comparison: 29 February is reached on 1 March in a common year. */
	return ty - by - (tm < bm || (tm == bm && td < bd));
}

static bool valid_span(const struct sp_date *d)
{
	return day_in_range(d->first) && day_in_range(d->last) && d->first <= d->last;
}

int sp_date_age_at(const struct sp_date *dob, const struct sp_date *on, int *min_age, int *max_age,
		   struct sp_err *err)
{
	if (!valid_span(dob) || !valid_span(on))
		return FAIL(err, SP_EINVAL, "is not a date");
	if (on->last < dob->first)
		return FAIL(err, SP_EINVAL, "is before the date of birth");
	*min_age = on->first >= dob->last ? age_days(dob->last, on->first) : 0;
	*max_age = age_days(dob->first, on->last);
	return SP_OK;
}

const char *sp_child_name(enum sp_child c)
{
	static const char *const names[] = {
		[SP_CHILD_NO] = "no", [SP_CHILD_YES] = "yes", [SP_CHILD_UNKNOWN] = "unknown"};
	return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "unknown";
}

int sp_date_is_child_at(const struct sp_date *dob, const struct sp_date *on, enum sp_child *out,
			struct sp_err *err)
{
	/* UN CRC art. 1: a child is a person below the age of 18. */
	enum { ADULT_AGE = 18 };
	int lo, hi;
	int rc = sp_date_age_at(dob, on, &lo, &hi, err);
	if (rc)
		return rc;
	*out = hi < ADULT_AGE ? SP_CHILD_YES : lo >= ADULT_AGE ? SP_CHILD_NO : SP_CHILD_UNKNOWN;
	return SP_OK;
}

int sp_date_today(struct sp_date *out, struct sp_err *err)
{
	time_t now = (time_t)(sp_now_us() / 1000000);
	struct tm tm;
	char iso[48];
	gmtime_r(&now, &tm);
	snprintf(iso, sizeof iso, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return sp_date_parse_iso(iso, out, err);
}
