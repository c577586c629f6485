/* Deadline arithmetic over a jurisdiction: due instants of its rules in its own time zone (an
 * ICU calendar, never the process's TZ), working days over its week and holidays, and the
 * refusal to count a day the holiday list does not cover. Pure: same input, same answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include "identify/identify.h"
#include "safepath/date.h"

#define US_PER_MS 1000LL
#define US_PER_HOUR 3600000000LL
#define YEAR_MIN 1900
#define YEAR_MAX 2200

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

/* A Gregorian calendar in the jurisdiction's zone (how it reads a skipped or repeated wall time
 * is set by each use: day_start and add_days). */
static int open_cal(const struct sp_jurisdiction *j, UCalendar **out, struct sp_err *err)
{
	UChar id[SP_JUR_TZ_MAX + 1];
	size_t n = strlen(j->time_zone);
	if (n > SP_JUR_TZ_MAX)
		return sp_err_set(err, SP_EINVAL, "/time_zone", "is too long");
	u_charsToUChars(j->time_zone, id, (int32_t)n + 1);
	UErrorCode st = U_ZERO_ERROR;
	UCalendar *c = ucal_open(id, -1, "en_GB", UCAL_GREGORIAN, &st);
	if (U_FAILURE(st) || !c) {
		if (c)
			ucal_close(c);
		return sp_err_set(err, SP_EUNAVAIL, "", "ICU cannot open a calendar in the zone");
	}
	*out = c;
	return SP_OK;
}

static int out_of_years(struct sp_err *err)
{
	return sp_err_set(err, SP_EINVAL, "", "the date lies outside the years %d to %d",
			  YEAR_MIN, YEAR_MAX);
}

/* The local date and wall time of instant t, and the zone's offset then (ms). */
struct local {
	int year, month, day, hour, minute, second, offset_ms;
};

static int local_time(UCalendar *c, int64_t t, struct local *out, struct sp_err *err)
{
	UErrorCode st = U_ZERO_ERROR;
	ucal_setMillis(c, (UDate)floor_div(t, US_PER_MS), &st);
	*out = (struct local){
		.year = ucal_get(c, UCAL_EXTENDED_YEAR, &st),
		.month = ucal_get(c, UCAL_MONTH, &st) + 1,
		.day = ucal_get(c, UCAL_DATE, &st),
		.hour = ucal_get(c, UCAL_HOUR_OF_DAY, &st),
		.minute = ucal_get(c, UCAL_MINUTE, &st),
		.second = ucal_get(c, UCAL_SECOND, &st),
		.offset_ms = ucal_get(c, UCAL_ZONE_OFFSET, &st) + ucal_get(c, UCAL_DST_OFFSET, &st),
	};
	if (U_FAILURE(st))
		return sp_err_set(err, SP_EINTERNAL, "", "ICU cannot read the local time");
	if (out->year < YEAR_MIN || out->year > YEAR_MAX)
		return out_of_years(err);
	return SP_OK;
}

/* The local date (days since 1970-01-01) of instant t. */
static int local_day(UCalendar *c, int64_t t, int32_t *day, struct sp_err *err)
{
	struct local l;
	int rc = local_time(c, t, &l, err);
	if (!rc)
		*day = sp_date_day_number(l.year, l.month, l.day);
	return rc;
}

/* The first instant (µs) of local date `day`. */
static int day_start(UCalendar *c, int32_t day, int64_t *out, struct sp_err *err)
{
	int y, m, d;
	sp_date_civil(day, &y, &m, &d);
	if (y < YEAR_MIN || y > YEAR_MAX)
		return out_of_years(err);
	/* A midnight a DST jump skips is the first valid instant after the gap; a repeated one
	 * is its first occurrence: either way the day's first instant. */
	ucal_setAttribute(c, UCAL_SKIPPED_WALL_TIME, UCAL_WALLTIME_NEXT_VALID);
	ucal_setAttribute(c, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_FIRST);
	UErrorCode st = U_ZERO_ERROR;
	ucal_clear(c);
	ucal_setDateTime(c, y, m - 1, d, 0, 0, 0, &st);
	UDate ms = ucal_getMillis(c, &st);
	if (U_FAILURE(st))
		return sp_err_set(err, SP_EINTERNAL, "", "ICU cannot compute the start of a day");
	*out = (int64_t)ms * US_PER_MS;
	return SP_OK;
}

/* The last microsecond of local date `day`. */
static int day_end(UCalendar *c, int32_t day, int64_t *out, struct sp_err *err)
{
	int64_t next = 0;
	int rc = day_start(c, day + 1, &next, err);
	if (!rc)
		*out = next - 1;
	return rc;
}

static int cmp_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

int sp_jurisdiction_is_working_day(const struct sp_jurisdiction *j, int32_t day, bool *out,
				   struct sp_err *err)
{
	int y, m, d;
	sp_date_civil(day, &y, &m, &d);
	if (!j->holiday_from || y < j->holiday_from || y > j->holiday_to) {
		int rc = j->holiday_from
				 ? sp_err_set(err, SP_EINVAL, "",
					      "working days in %d: the holiday list covers %d to %d "
					      "only",
					      y, j->holiday_from, j->holiday_to)
				 : sp_err_set(err, SP_EINVAL, "",
					      "working days: the jurisdiction has no holiday list");
		if (err)
			snprintf(err->reason, sizeof err->reason, "holidays_not_covered");
		return rc;
	}
	/* 1970-01-01 was a Thursday: weekday 3 counting from Monday = 0. */
	int wd = (int)floor_mod((int64_t)day + 3, 7);
	*out = (j->working_week & (1u << wd)) &&
	       !bsearch(&day, j->holidays, j->n_holidays, sizeof *j->holidays, cmp_day);
	return SP_OK;
}

/* The nth working day after local date `from` (which itself does not count). */
static int add_working_days(const struct sp_jurisdiction *j, int32_t from, int n, int32_t *out,
			    struct sp_err *err)
{
	int32_t day = from;
	while (n > 0) {
		bool w = false;
		int rc = sp_jurisdiction_is_working_day(j, ++day, &w, err);
		if (rc)
			return rc;
		n -= w;
	}
	*out = day;
	return SP_OK;
}

/* The same local wall time n local days after instant t (DST changes between them kept out).
 * A wall time the change skips or repeats on the last day is read as the later instant (a
 * skipped one with the offset from before the change): a minimum period never ends before n
 * whole days have passed. */
static int same_time_later(UCalendar *c, int64_t t, int n, int64_t *out, struct sp_err *err)
{
	struct local l;
	int rc = local_time(c, t, &l, err);
	if (rc)
		return rc;
	int y, m, d;
	sp_date_civil(sp_date_day_number(l.year, l.month, l.day) + n, &y, &m, &d);
	if (y > YEAR_MAX)
		return out_of_years(err);
	ucal_setAttribute(c, UCAL_SKIPPED_WALL_TIME, UCAL_WALLTIME_LAST);
	ucal_setAttribute(c, UCAL_REPEATED_WALL_TIME, UCAL_WALLTIME_LAST);
	UErrorCode st = U_ZERO_ERROR;
	ucal_clear(c);
	ucal_setDateTime(c, y, m - 1, d, l.hour, l.minute, l.second, &st);
	UDate ms = ucal_getMillis(c, &st);
	if (U_FAILURE(st))
		return sp_err_set(err, SP_EINTERNAL, "", "ICU cannot compute a local time");
	/* milliseconds and microseconds carried over as they were */
	*out = (int64_t)ms * US_PER_MS + floor_mod(t, 1000000);
	return SP_OK;
}

static int due_in(const struct sp_jurisdiction *j, const struct sp_jur_rule *r, UCalendar *c,
		  int64_t trigger, int64_t *due, struct sp_err *err)
{
	int32_t today = 0, day = 0;
	int rc = local_day(c, trigger, &today, err);
	if (rc)
		return rc;
	switch (r->unit) {
	case SP_UNIT_IMMEDIATELY:
		*due = trigger;
		return SP_OK;
	case SP_UNIT_UNTIL_EVENT:
		*due = SP_DUE_OPEN;
		return SP_OK;
	case SP_UNIT_HOURS:
		*due = trigger + (int64_t)r->amount * US_PER_HOUR;
		return local_day(c, *due, &day, err);
	case SP_UNIT_CALENDAR_DAYS:
		if (r->kind == SP_KIND_TARGET)
			return day_end(c, today + r->amount, due, err);
		return same_time_later(c, trigger, r->amount, due, err);
	case SP_UNIT_WORKING_DAYS:
		rc = add_working_days(j, today, r->amount, &day, err);
		return rc ? rc : day_end(c, day, due, err);
	case SP_UNIT_COUNT:
		break;
	}
	return sp_err_set(err, SP_EINVAL, "", "the rule has no known unit");
}

int sp_deadline_due(const struct sp_jurisdiction *j, const struct sp_jur_rule *r, int64_t trigger,
		    int64_t *due, struct sp_err *err)
{
	UCalendar *c = NULL;
	int rc = open_cal(j, &c, err);
	if (rc)
		return rc;
	rc = due_in(j, r, c, trigger, due, err);
	ucal_close(c);
	return rc;
}

bool sp_deadline_overdue(const struct sp_jur_rule *r, int64_t due, int64_t now)
{
	return r->kind == SP_KIND_TARGET && due != SP_DUE_OPEN && now > due;
}

int sp_deadline_working_days_left(const struct sp_jurisdiction *j, int64_t now, int64_t due,
				  int *out, struct sp_err *err)
{
	UCalendar *c = NULL;
	int rc = open_cal(j, &c, err);
	if (rc)
		return rc;
	int32_t a = 0, b = 0;
	rc = local_day(c, now, &a, err);
	if (!rc)
		rc = local_day(c, due, &b, err);
	ucal_close(c);
	if (rc)
		return rc;
	int32_t lo = a < b ? a : b, hi = a < b ? b : a;
	int count = 0;
	for (int32_t d = lo + 1; d <= hi; d++) {
		bool w = false;
		rc = sp_jurisdiction_is_working_day(j, d, &w, err);
		if (rc)
			return rc;
		count += w;
	}
	*out = b >= a ? count : -count;
	return SP_OK;
}

int sp_jurisdiction_format_time(const struct sp_jurisdiction *j, int64_t t,
				char out[SP_JUR_TIME_SIZE], struct sp_err *err)
{
	UCalendar *c = NULL;
	int rc = open_cal(j, &c, err);
	if (rc)
		return rc;
	struct local l;
	rc = local_time(c, t, &l, err);
	ucal_close(c);
	if (rc)
		return rc;
	int64_t frac = floor_mod(t, 1000000);
	int off = l.offset_ms / 60000, aoff = off < 0 ? -off : off;
	char fs[16] = "";
	if (frac)
		snprintf(fs, sizeof fs, ".%06lld", (long long)frac);
	snprintf(out, SP_JUR_TIME_SIZE, "%04d-%02d-%02dT%02d:%02d:%02d%s%c%02d:%02d", l.year,
		 l.month, l.day, l.hour, l.minute, l.second, fs, off < 0 ? '-' : '+', aoff / 60,
		 aoff % 60);
	return SP_OK;
}
