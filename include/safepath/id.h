/* Record ids: UUIDv7 (RFC 9562), 16 bytes, time-ordered so inserts stay local in indexes. */
#ifndef SAFEPATH_ID_H
#define SAFEPATH_ID_H

#include <stdint.h>

#include "safepath/err.h"

#define SP_ID_LEN 16
#define SP_ID_STRLEN 36

struct sp_id {
	unsigned char b[SP_ID_LEN];
};

/* A new UUIDv7: 48-bit Unix milliseconds, version 7, variant 10, random rest. */
void sp_id_new(struct sp_id *id);
/* Canonical lower-case form with hyphens; out holds SP_ID_STRLEN + 1 bytes. */
void sp_id_format(const struct sp_id *id, char out[SP_ID_STRLEN + 1]);
/* Parse the canonical form (either case); rejects anything else. */
int sp_id_parse(const char *s, struct sp_id *id) SP_MUST;
int sp_id_is_zero(const struct sp_id *id);

/* Wall clock in microseconds since the epoch, UTC: the timestamp type of every table. */
int64_t sp_now_us(void);

/* RFC 3339 in UTC with microseconds, as the API and --json output show times:
 * 1700000000123456 -> "2023-11-14T22:13:20.123456Z". */
#define SP_TIME_STRLEN 27
void sp_time_format(int64_t us, char out[SP_TIME_STRLEN + 1]);
/* The other way: "2023-11-14T22:13:20Z", with up to six fraction digits, or a date alone
 * ("2023-11-14", its midnight UTC); years 1970 to 9999. SP_EINVAL for anything else. */
int sp_time_parse(const char *s, int64_t *us) SP_MUST;

#endif
