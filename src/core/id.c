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
	return sodium_is_zero(id->b, SP_ID_LEN);
}
