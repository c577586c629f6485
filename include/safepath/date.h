/* Partial and estimated dates (of birth, of events), entered in the calendar a document shows
 * and stored as Gregorian ISO 8601. A date is the span of days it may be: one day for a full
 * date, a month or a year for a partial one, so nothing claims more precision than its input.
 * Non-Gregorian calendars go through ICU (see sp_date_from_calendar). */
#ifndef SAFEPATH_DATE_H
#define SAFEPATH_DATE_H

#include <stdbool.h>
#include <stdint.h>

#include "safepath/err.h"

/* Calendars a date may be entered in. The Islamic variant is part of the value: the same
 * Hijri date can be a different Gregorian day in each. */
enum sp_calendar {
	SP_CAL_GREGORIAN,
	SP_CAL_PERSIAN,		 /* Solar Hijri, as used in Iran and Afghanistan */
	SP_CAL_ISLAMIC_UMALQURA, /* Saudi Umm al-Qura tables: the default Islamic variant */
	SP_CAL_ISLAMIC_CIVIL,	 /* tabular (arithmetic) Islamic calendar, Friday epoch */
	SP_CAL_ETHIOPIAN,	 /* Amete Mihret era, 13 months */
	SP_CAL_COUNT
};

/* "gregorian", "persian", "islamic-umalqura", "islamic-civil", "ethiopian"; "unknown" for a
 * value out of range, never NULL. */
const char *sp_calendar_name(enum sp_calendar cal);
/* The calendar of one of the names above (exact, lower case). */
int sp_calendar_parse(const char *name, enum sp_calendar *out, struct sp_err *err) SP_MUST;

/* Gregorian years a date may fall in; a calendar date whose span leaves them is refused. */
#define SP_DATE_MIN_YEAR 1800
#define SP_DATE_MAX_YEAR 2200

/* The span [first, last] of days the date may be, as days since 1970-01-01 in the proleptic
 * Gregorian calendar (UTC; a date has no time zone). A full date has first == last; "2006-05"
 * is 2006-05-01..2006-05-31; a Solar Hijri year is the Gregorian days from its Nowruz to the
 * day before the next one. `estimated` is the caseworker's flag that the value itself is an
 * estimate (an age assessment, "about 2006"): it does not widen the span. `entered_in` is the
 * calendar the value was entered in, kept to show it back as the document has it.
 * Build one with sp_date_parse_iso or sp_date_from_calendar; other values are not dates. */
struct sp_date {
	int32_t first;
	int32_t last;
	bool estimated;
	enum sp_calendar entered_in;
};

/* Room for the longest ISO text, "YYYY-MM-DD/YYYY-MM-DD", and its NUL. */
#define SP_DATE_ISO_SIZE 22

/* Parse the stored ISO 8601 form, strictly: "YYYY", "YYYY-MM", "YYYY-MM-DD", or an interval
 * "YYYY-MM-DD/YYYY-MM-DD" (first <= last) for a span that is no single Gregorian year, month or
 * day, such as a Solar Hijri year. Years SP_DATE_MIN_YEAR..SP_DATE_MAX_YEAR, real months and
 * days (leap years included), nothing before or after. The result has estimated = false and
 * entered_in = SP_CAL_GREGORIAN: those two are stored beside the text. Errors name the reason,
 * never the value. */
int sp_date_parse_iso(const char *s, struct sp_date *out, struct sp_err *err) SP_MUST;
/* Today in UTC (sp_now_us), as a full Gregorian date. */
int sp_date_today(struct sp_date *out, struct sp_err *err) SP_MUST;

/* Write the canonical ISO text of d: the shortest of the forms above that says exactly its span.
 * Formatting what sp_date_parse_iso returned and parsing it again gives the same span. */
void sp_date_format_iso(const struct sp_date *d, char out[SP_DATE_ISO_SIZE]);

/* A date as written in calendar cal: year, month (1-based; 0 = unknown) and day (0 = unknown;
 * must be 0 when the month is). Months are 1..12, and 1..13 in the Ethiopian calendar, whose
 * 13th month (Pagume) has 5 days, or 6 in its leap years; the day is checked against the length
 * of that month in that calendar and year (Esfand has 29 or 30 days, an Umm al-Qura month 29 or
 * 30 as its table says).
 * A partial date becomes the span of Gregorian days its month or year covers in that calendar:
 * Solar Hijri 1385 is 2006-03-21/2007-03-20, never "2006", because a person born in Esfand 1385
 * was born in 2007 and calling them older would take a child's protection away.
 * Years: Ethiopian years are Amete Mihret (the era in use; 2017 began on 2024-09-11). Persian
 * input ends with 1501 AP: ICU 72 uses the 33-year arithmetic rule, which matches the official
 * astronomical calendar from 1178 to 1501 AP only. Umm al-Qura input is 1300..1600 AH, the years
 * ICU has tables for (outside them ICU would silently compute another calendar). Every calendar
 * must also land within SP_DATE_MIN_YEAR..SP_DATE_MAX_YEAR. */
int sp_date_from_calendar(enum sp_calendar cal, int year, int month, int day, bool estimated,
			  struct sp_date *out, struct sp_err *err) SP_MUST;

/* The reverse, for display: d as year, month, day of cal, where month and day are 0 when d is a
 * whole month or year of cal (Solar Hijri 1385 shows as 1385/0/0 again). SP_EINVAL when d is no
 * whole day, month or year of cal (the Gregorian "2006" is not one Solar Hijri year) or is
 * outside the years cal supports here. */
int sp_date_to_calendar(const struct sp_date *d, enum sp_calendar cal, int *year, int *month,
			int *day, struct sp_err *err) SP_MUST;

/* Total order: by earliest possible day, then the more precise first (earlier last day), then
 * not estimated before estimated, then by calendar. 0 only for equal values. Returns <0, 0, >0. */
int sp_date_compare(const struct sp_date *a, const struct sp_date *b);

/* Age in completed years on the day(s) `on`, as a range over both spans: *min_age from the
 * latest possible birth day and the earliest `on`, *max_age the other way round; equal for two
 * full dates. A year is completed on the Gregorian anniversary (the law of the receiving state,
 * whatever calendar the document used: born 1 Farvardin 1385 = 2006-03-21, a person is 18 on
 * 2024-03-21, a day after 1 Farvardin 1403); born on 29 February, on 1 March in common years.
 * SP_EINVAL when `on` is surely before the birth; a span overlapping it counts as age 0. */
int sp_date_age_at(const struct sp_date *dob, const struct sp_date *on, int *min_age, int *max_age,
		   struct sp_err *err) SP_MUST;

enum sp_child {
	SP_CHILD_NO,	  /* 18 or older on every possible day */
	SP_CHILD_YES,	  /* under 18 on every possible day */
	SP_CHILD_UNKNOWN, /* the spans allow both: treat as a child until assessed */
};
/* "no", "yes", "unknown", never NULL. */
const char *sp_child_name(enum sp_child c);

/* Whether the person born on dob is a child (under 18, UN CRC art. 1) on `on`, from
 * sp_date_age_at's range. The `estimated` flag does not change the answer: an estimated date
 * is an assessment the caller weighs, not a wider span. */
int sp_date_is_child_at(const struct sp_date *dob, const struct sp_date *on, enum sp_child *out,
			struct sp_err *err) SP_MUST;

/* Proleptic Gregorian day numbers (days since 1970-01-01) of a year, month (1-based) and day,
 * and back; for the years SP_DATE_MIN_YEAR..SP_DATE_MAX_YEAR. The caller checks the fields. */
int32_t sp_date_day_number(int year, int month, int day);
void sp_date_civil(int32_t day, int *year, int *month, int *mday);
/* The day months later (or earlier, when negative) on the same day of the month; the 29th to
 * 31st of a shorter month fall on its last day (31 January + 1 month = 28 or 29 February). */
int32_t sp_date_add_months(int32_t day, int months);

/* ICU calendars are opened once per thread and calendar and reused; they are closed when the
 * thread exits, or now by this call (which a thread may make at any time). */
void sp_date_release_thread_cache(void);

#endif
