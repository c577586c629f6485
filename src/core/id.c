/* UUIDv7 ids and the microsecond clock. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "safepath/id.h"

int64_t sp_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void sp_time_format(int64_t us, char out[SP_TIME_STRLEN + 1])
{
	int64_t secs = us / 1000000, frac = us % 1000000;
	if (frac < 0) { /* before 1970: floor, so the fraction stays positive */
		secs -= 1;
		frac += 1000000;
	}
	time_t t = (time_t)secs;
	struct tm tm;
	gmtime_r(&t, &tm);
	char date[20];
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, SP_TIME_STRLEN + 1, "%.19s.%06lldZ", date, (long long)frac);
}

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

/* Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int y, int m, int d)
{
	y -= m <= 2;
	int64_t era = y / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int sp_time_parse(const char *s, int64_t *us)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	size_t n = strlen(s);
	if (n < 10 || s[4] != '-' || s[7] != '-')
		return SP_EINVAL;
	int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	int h = 0, mi = 0, sec = 0;
	int64_t frac = 0;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return SP_EINVAL;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return SP_EINVAL;
	if (n > 10) {
		if (n < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[n - 1] != 'Z')
			return SP_EINVAL;
		h = digits(s + 11, 2);
		mi = digits(s + 14, 2);
		sec = digits(s + 17, 2);
		if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
			return SP_EINVAL;
		size_t nf = n - 20; /* "." and the fraction's digits */
		if (nf == 1 || nf > 7 || (nf && s[19] != '.'))
			return SP_EINVAL;
		for (size_t i = 0; i < 6; i++) {
			int dg = i + 1 < nf ? digits(s + 20 + i, 1) : 0;
			if (dg < 0)
				return SP_EINVAL;
			frac = frac * 10 + dg;
		}
	}
	int64_t secs = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + sec;
	*us = secs * 1000000 + frac;
	return SP_OK;
}

void sp_id_new(struct sp_id *id)
{
	uint64_t ms = (uint64_t)(sp_now_us() / 1000);
	randombytes_buf(id->b + 6, SP_ID_LEN - 6);
	for (int i = 0; i < 6; i++)
		id->b[i] = (unsigned char)(ms >> (8 * (5 - i)));
	id->b[6] = (unsigned char)(0x70 | (id->b[6] & 0x0f));
	id->b[8] = (unsigned char)(0x80 | (id->b[8] & 0x3f));
}

void sp_id_format(const struct sp_id *id, char out[SP_ID_STRLEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	for (int i = 0; i < SP_ID_LEN; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[id->b[i] >> 4];
		out[o++] = hex[id->b[i] & 15];
	}
	out[o] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sp_id_parse(const char *s, struct sp_id *id)
{
	if (strlen(s) != SP_ID_STRLEN)
		return SP_EINVAL;
	size_t o = 0;
	for (size_t i = 0; i < SP_ID_STRLEN;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return SP_EINVAL;
			i++;
			continue;
		}
		int hi = hexval(s[i]), lo = hexval(s[i + 1]);
		if (hi < 0 || lo < 0)
			return SP_EINVAL;
		id->b[o++] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	return SP_OK;
}

int sp_id_is_zero(const struct sp_id *id)
{
	static const struct sp_id zero; /* ids are not secret: no constant-time compare */
	return memcmp(id->b, zero.b, SP_ID_LEN) == 0;
}
