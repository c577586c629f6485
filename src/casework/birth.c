/* Date of birth in a person's JSON, the one place that hands it to core's partial dates.
 * Input: {"date": ISO 8601 text ("2006", "2006-05", "2006-05-14", or an interval), "estimated"}
 * or, as the document shows it, {"calendar": "persian", "year": 1385, "month": 0, "day": 0,
 * "estimated"}. Output holds both: the ISO span, and the calendar form when the date was entered
 * in another calendar, so it can be shown back as the document has it. */
#include <stdio.h>
#include <string.h>

#include "casework/casework.h"
#include "safepath/json.h"

static int get_int(json_t *j, const char *key, int lo, int hi, int *out, struct sp_err *err)
{
	int64_t v = 0;
	int rc = sp_json_get_int(j, key, false, &v, err);
	if (rc == SP_ENOTFOUND)
		return SP_OK;
	if (rc)
		return rc;
	if (v < lo || v > hi) {
		char path[32];
		snprintf(path, sizeof path, "/%s", key);
		return sp_err_set(err, SP_EINVAL, path, "out of range");
	}
	*out = (int)v;
	return SP_OK;
}

static int decode(json_t *j, struct sp_date *out, struct sp_err *err)
{
	static const char *const keys[] = {"date",  "estimated", "calendar", "year",
					   "month", "day",       NULL};
	const char *iso = NULL, *cal_name = NULL;
	bool est = false;
	int rc = sp_json_only_keys(j, keys, err);
	if (rc)
		return rc;
	if ((rc = sp_json_get_str(j, "date", false, &iso, err)) && rc != SP_ENOTFOUND)
		return rc;
	if ((rc = sp_json_get_str(j, "calendar", false, &cal_name, err)) && rc != SP_ENOTFOUND)
		return rc;
	if ((rc = sp_json_get_bool(j, "estimated", false, &est, err)) && rc != SP_ENOTFOUND)
		return rc;
	enum sp_calendar cal = SP_CAL_GREGORIAN;
	if (cal_name && (rc = sp_calendar_parse(cal_name, &cal, err)))
		return cw_err_at(err, rc, "/calendar");
	struct sp_date from_iso = {0};
	if (iso && (rc = sp_date_parse_iso(iso, &from_iso, err)))
		return cw_err_at(err, rc, "/date");
	if (cal_name && cal != SP_CAL_GREGORIAN) {
		int y = 0, m = 0, d = 0;
		if ((rc = get_int(j, "year", 1, 9999, &y, err)) ||
		    (rc = get_int(j, "month", 0, 13, &m, err)) ||
		    (rc = get_int(j, "day", 0, 31, &d, err)))
			return rc;
		if (!y)
			return sp_err_set(err, SP_EINVAL, "/year", "is required with a calendar");
		if ((rc = sp_date_from_calendar(cal, y, m, d, est, out, err)))
			return cw_err_at(err, rc, "/year");
		if (iso && (from_iso.first != out->first || from_iso.last != out->last))
			return sp_err_set(err, SP_EINVAL, "/date",
					  "disagrees with the calendar date");
		return SP_OK;
	}
	if (json_object_get(j, "year") || json_object_get(j, "month") || json_object_get(j, "day"))
		return sp_err_set(err, SP_EINVAL, "/year", "only with a non-Gregorian calendar");
	if (!iso)
		return sp_err_set(err, SP_EINVAL, "/date", "is required");
	*out = from_iso;
	out->estimated = est;
	return SP_OK;
}

int cw_birth_decode(json_t *person, struct sp_arena *a, struct sp_person *p, struct sp_err *err)
{
	(void)a;
	json_t *j = json_object_get(person, "date_of_birth");
	if (!j || json_is_null(j))
		return SP_OK;
	int rc = decode(j, &p->birth, err);
	if (rc) {
		sp_err_prefix(err, "date_of_birth");
		return rc;
	}
	p->has_birth = true;
	return SP_OK;
}

int cw_birth_encode(const struct sp_person *p, json_t *obj)
{
	if (!p->has_birth)
		return 0;
	char iso[SP_DATE_ISO_SIZE];
	sp_date_format_iso(&p->birth, iso);
	json_t *d = json_pack("{s:s, s:b}", "date", iso, "estimated", p->birth.estimated);
	if (!d)
		return -1;
	int y, m, day;
	if (p->birth.entered_in != SP_CAL_GREGORIAN &&
	    sp_date_to_calendar(&p->birth, p->birth.entered_in, &y, &m, &day, NULL) == SP_OK) {
		if (json_object_set_new(d, "calendar",
					json_string(sp_calendar_name(p->birth.entered_in))) ||
		    json_object_set_new(d, "year", json_integer(y)) ||
		    (m && json_object_set_new(d, "month", json_integer(m))) ||
		    (day && json_object_set_new(d, "day", json_integer(day)))) {
			json_decref(d);
			return -1;
		}
	}
	return json_object_set_new(obj, "date_of_birth", d);
}

int cw_birth_years(const struct sp_person *p, int *min, int *max)
{
	if (!p->has_birth)
		return -1;
	/* Days since 1970-01-01 to the Gregorian year (proleptic; civil-from-days). */
	int32_t days[2] = {p->birth.first, p->birth.last};
	int years[2];
	for (int i = 0; i < 2; i++) {
		int64_t z = (int64_t)days[i] + 719468;
		int64_t era = (z >= 0 ? z : z - 146096) / 146097;
		int64_t doe = z - era * 146097;
		int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
		int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
		int64_t mp = (5 * doy + 2) / 153;
		int64_t month = mp < 10 ? mp + 3 : mp - 9;
		years[i] = (int)(yoe + era * 400 + (month <= 2));
	}
	*min = years[0];
	*max = years[1];
	return 0;
}
