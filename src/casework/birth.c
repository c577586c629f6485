/* Date of birth in a person's JSON: {"date": "1998", "1998-04" or "1998-04-12", "estimated": bool}.
 * Interim codec until core's partial dates (safepath/date.h) land; then this file is the single
 * place that hands the member to them and keeps the entered calendar. */
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/json.h"

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : d[m - 1];
}

static int parse_iso(const char *s, struct sp_person_birth *b)
{
	size_t n = strlen(s);
	memset(b, 0, sizeof *b);
	if ((n != 4 && n != 7 && n != 10) || digits(s, 4, &b->year) || b->year < 1)
		return -1;
	if (n >= 7 && (s[4] != '-' || digits(s + 5, 2, &b->month) || b->month < 1 || b->month > 12))
		return -1;
	if (n == 10 && (s[7] != '-' || digits(s + 8, 2, &b->day) || b->day < 1 ||
			b->day > days_in_month(b->year, b->month)))
		return -1;
	return 0;
}

int cw_birth_decode(json_t *person, struct sp_arena *a, struct sp_person *p, struct sp_err *err)
{
	(void)a;
	json_t *j = json_object_get(person, "date_of_birth");
	if (!j || json_is_null(j))
		return SP_OK;
	static const char *const keys[] = {"date", "estimated", NULL};
	const char *s;
	bool est = false;
	int rc = sp_json_only_keys(j, keys, err);
	if (!rc)
		rc = sp_json_get_str(j, "date", true, &s, err);
	if (!rc) {
		rc = sp_json_get_bool(j, "estimated", false, &est, err);
		if (rc == SP_ENOTFOUND)
			rc = SP_OK;
	}
	if (!rc && parse_iso(s, &p->birth))
		rc = sp_err_set(err, SP_EINVAL, "/date", "must be YYYY, YYYY-MM or YYYY-MM-DD");
	if (rc) {
		sp_err_prefix(err, "date_of_birth");
		return rc;
	}
	p->birth.estimated = est;
	p->has_birth = true;
	return SP_OK;
}

int cw_birth_encode(const struct sp_person *p, json_t *obj)
{
	if (!p->has_birth)
		return 0;
	char s[16];
	const struct sp_person_birth *b = &p->birth;
	if (b->day)
		snprintf(s, sizeof s, "%04d-%02d-%02d", b->year, b->month, b->day);
	else if (b->month)
		snprintf(s, sizeof s, "%04d-%02d", b->year, b->month);
	else
		snprintf(s, sizeof s, "%04d", b->year);
	json_t *d = json_pack("{s:s, s:b}", "date", s, "estimated", b->estimated);
	return !d || json_object_set_new(obj, "date_of_birth", d);
}
