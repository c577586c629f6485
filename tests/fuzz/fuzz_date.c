/* Fuzz the date parsers: ISO 8601 text and calendar entry in every calendar. Never a crash, UB or
 * leak; and what is accepted must come back unchanged: text -> date -> text -> date, and
 * calendar date -> stored text -> calendar date. abort() when it does not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/date.h"

static bool same_span(const struct sp_date *a, const struct sp_date *b)
{
	return a->first == b->first && a->last == b->last;
}

/* A parsed or entered date: its text parses to the same span, and its canonical text is fixed;
 * shown in each calendar and entered again, it is the same span. */
static void check_date(const struct sp_date *d)
{
	struct sp_err err = {0};
	char text[SP_DATE_ISO_SIZE], again[SP_DATE_ISO_SIZE];
	struct sp_date back;
	sp_date_format_iso(d, text);
	if (sp_date_parse_iso(text, &back, &err) != SP_OK || !same_span(d, &back))
		abort();
	sp_date_format_iso(&back, again);
	if (strcmp(text, again) != 0)
		abort();
	for (int c = 0; c < SP_CAL_COUNT; c++) {
		int y, m, dd;
		if (sp_date_to_calendar(d, (enum sp_calendar)c, &y, &m, &dd, &err) != SP_OK)
			continue;
		if (sp_date_from_calendar((enum sp_calendar)c, y, m, dd, false, &back, &err) !=
			    SP_OK ||
		    !same_span(d, &back))
			abort();
	}
}

static int32_t take32(const uint8_t **p, size_t *n)
{
	uint32_t v = 0;
	for (int i = 0; i < 4 && *n; i++, (*p)++, (*n)--)
		v = v << 8 | **p;
	return (int32_t)v;
}

static uint8_t take8(const uint8_t **p, size_t *n)
{
	if (!*n)
		return 0;
	(*n)--;
	return *(*p)++;
}

/* Years near each calendar's current era, so most inputs reach the conversions. */
static const int base_year[] = {2000, 1400, 1420, 1420, 1990, 0};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	struct sp_err err = {0};
	struct sp_date a, b;
	int lo, hi;
	enum sp_child child;

	if (data[0] & 1) {
		/* ISO text: the rest of the input, up to an optional NUL that starts a second date,
		 * each in a buffer of its own size so ASan sees any read past the end. */
		const uint8_t *nul = memchr(p, 0, n);
		size_t n1 = nul ? (size_t)(nul - p) : n;
		size_t n2 = nul ? n - n1 - 1 : 0;
		char *s1 = malloc(n1 + 1), *s2 = malloc(n2 + 1);
		if (!s1 || !s2)
			abort();
		memcpy(s1, p, n1);
		s1[n1] = '\0';
		if (n2)
			memcpy(s2, nul + 1, n2);
		s2[n2] = '\0';
		int rc1 = sp_date_parse_iso(s1, &a, &err);
		int rc2 = sp_date_parse_iso(s2, &b, &err);
		free(s1);
		free(s2);
		if (rc1 != SP_OK)
			return 0;
		check_date(&a);
		if (rc2 == SP_OK) {
			int c = sp_date_compare(&a, &b);
			if (c != -sp_date_compare(&b, &a) || (c == 0) != same_span(&a, &b))
				abort();
			if (sp_date_age_at(&a, &b, &lo, &hi, &err) == SP_OK) {
				if (lo < 0 || lo > hi ||
				    sp_date_is_child_at(&a, &b, &child, &err) != SP_OK)
					abort();
			}
		}
		return 0;
	}

	/* Calendar entry: a calendar (or no valid one), a year near its era or any int, month
	 * and day. */
	uint8_t sel = take8(&p, &n);
	enum sp_calendar cal = (enum sp_calendar)(sel % (SP_CAL_COUNT + 1));
	int year = (sel & 0x80) ? take32(&p, &n) : base_year[cal] + (int8_t)take8(&p, &n);
	int month = (int8_t)take8(&p, &n);
	int day = (int8_t)take8(&p, &n);
	if (data[0] & 2)
		day = take32(&p, &n);
	bool estimated = data[0] & 4;
	if (sp_date_from_calendar(cal, year, month, day, estimated, &a, &err) != SP_OK)
		return 0;
	if (a.entered_in != cal || a.estimated != estimated || a.first > a.last)
		abort();
	check_date(&a);
	int y, m, d;
	if (sp_date_to_calendar(&a, cal, &y, &m, &d, &err) != SP_OK || y != year || m != month ||
	    d != day)
		abort();
	if (sp_date_age_at(&a, &a, &lo, &hi, &err) != SP_OK || lo != 0 ||
	    sp_date_is_child_at(&a, &a, &child, &err) != SP_OK || child != SP_CHILD_YES)
		abort();
	return 0;
}
