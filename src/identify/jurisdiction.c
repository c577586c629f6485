/* Jurisdiction files: strict parsing and validation of config/jurisdictions/ID.json (deadlines,
 * working week, holidays, time zone, who may decide), every error with its JSON pointer, and the
 * set of shipped files with a data folder's overrides and additions. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucal.h>
#include <unicode/ustring.h>

#include "identify/identify.h"
#include "safepath/buf.h"
#include "safepath/date.h"
#include "safepath/embedded.h"
#include "safepath/json.h"
#include "safepath/names.h"
#include "safepath/policy.h"

#define SHIPPED_PREFIX "config/jurisdictions/"
#define FILE_MAX (1u << 20)  /* a jurisdiction file is a few kilobytes */
#define RULES_MAX 64
#define HOLIDAYS_MAX 2000
#define TEXT_MAX 4000
#define YEAR_MIN 1900
#define YEAR_MAX 2200
#define DAYS_MAX 3660	    /* ten years */
#define HOURS_MAX (24 * 366)

/* ---- names ---- */

static const char *const status_names[SP_JUR_STATUS_COUNT] = {"reference", "provisional",
							       "local"};
static const char *const event_names[SP_EVENT_COUNT] = {
	"referral",    "identification", "rg_positive", "rg_negative",
	"cg_positive", "cg_negative",	 "cg_decision", "child_presumed",
	"age_adult",
};
static const char *const unit_names[SP_UNIT_COUNT] = {"immediately", "hours", "calendar_days",
						      "working_days", "until_event"};
static const char *const kind_names[SP_KIND_COUNT] = {"target", "minimum"};
static const char *const decision_names[SP_DECISION_TYPE_COUNT] = {
	"age_assessment", "reasonable_grounds", "conclusive_grounds", "best_interests"};
static const char *const record_names[SP_JUR_RECORD_COUNT] = {"case", "tracing_request"};
static const char *const urgency_names[SP_URGENCY_COUNT] = {"routine", "soon", "urgent",
								 "immediate"};
static const char *const step_names[SP_REF_STEP_COUNT] = {"acknowledge", "respond"};
static const char *const weekday_names[7] = {"monday", "tuesday",  "wednesday", "thursday",
					     "friday", "saturday", "sunday"};

static const char *name_of(const char *const *names, int n, int i)
{
	const char *s = sp_name_of(names, n, i);
	return s ? s : "?";
}

const char *sp_jur_status_name(enum sp_jur_status s)
{
	return name_of(status_names, SP_JUR_STATUS_COUNT, (int)s);
}
const char *sp_jur_event_name(enum sp_jur_event e)
{
	return name_of(event_names, SP_EVENT_COUNT, (int)e);
}
const char *sp_jur_unit_name(enum sp_jur_unit u)
{
	return name_of(unit_names, SP_UNIT_COUNT, (int)u);
}
const char *sp_jur_kind_name(enum sp_jur_kind k)
{
	return name_of(kind_names, SP_KIND_COUNT, (int)k);
}
const char *sp_decision_type_name(enum sp_decision_type t)
{
	return name_of(decision_names, SP_DECISION_TYPE_COUNT, (int)t);
}

const char *sp_jur_record_name(enum sp_jur_record r)
{
	return name_of(record_names, SP_JUR_RECORD_COUNT, (int)r);
}

const char *sp_jur_urgency_name(enum sp_jur_urgency u)
{
	return name_of(urgency_names, SP_URGENCY_COUNT, u);
}

int sp_jur_urgency_parse(const char *name)
{
	return sp_name_index(urgency_names, SP_URGENCY_COUNT, name);
}

int sp_jur_event_parse(const char *name, enum sp_jur_event *out)
{
	int i = sp_name_index(event_names, SP_EVENT_COUNT, name);
	if (i < 0)
		return SP_EINVAL;
	*out = (enum sp_jur_event)i;
	return SP_OK;
}

int sp_decision_type_parse(const char *name, enum sp_decision_type *out)
{
	int i = sp_name_index(decision_names, SP_DECISION_TYPE_COUNT, name);
	if (i < 0)
		return SP_EINVAL;
	*out = (enum sp_decision_type)i;
	return SP_OK;
}

/* ---- the validator: collects every error, each at its JSON pointer ---- */

struct jv {
	struct sp_err *errs;
	size_t cap, n;
};

SP_PRINTF(3, 4)
static void fail(struct jv *v, const char *ptr, const char *fmt, ...)
{
	if (v->n < v->cap) {
		struct sp_err *e = &v->errs[v->n];
		char msg[sizeof e->msg];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		sp_err_set(e, SP_EINVAL, ptr, "%s", msg);
	}
	v->n++; /* counted beyond cap too: any error makes the file invalid */
}

/* ptr + "/" + key, or + "/" + index, cut at SP_JUR_PTR_SIZE (a file's pointers are a few
 * levels of short names). Keys here are our own field names or checked ones, never input. */
static void path(char *out, const char *base, const char *key)
{
	size_t nb = strnlen(base, SP_JUR_PTR_SIZE - 1);
	memmove(out, base, nb);
	size_t room = SP_JUR_PTR_SIZE - 1 - nb;
	size_t nk = strnlen(key, room ? room - 1 : 0);
	if (room) {
		out[nb++] = '/';
		memcpy(out + nb, key, nk);
		nb += nk;
	}
	out[nb] = '\0';
}

static void path_i(char *out, const char *base, size_t i)
{
	char num[24];
	snprintf(num, sizeof num, "%zu", i);
	path(out, base, num);
}

/* Refuse members outside `allowed`; an unknown name is repeated only when it is a plain field
 * name (sp_json_name_plain). */
static void only_keys(struct jv *v, json_t *obj, const char *base, const char *const *allowed)
{
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		const char *const *a = allowed;
		while (*a && strcmp(*a, key) != 0)
			a++;
		if (*a)
			continue;
		char p[SP_JUR_PTR_SIZE];
		if (sp_json_name_plain(key)) {
			path(p, base, key);
			fail(v, p, "is not a known field");
		} else {
			fail(v, base, "has a member that is not a known field");
		}
	}
}

/* Member key of obj with its pointer in p; NULL when absent, which is an error when required. */
static json_t *member(struct jv *v, json_t *obj, const char *base, const char *key, bool required,
		      char p[SP_JUR_PTR_SIZE])
{
	path(p, base, key);
	json_t *m = json_object_get(obj, key);
	if (!m && required)
		fail(v, p, "is required");
	return m;
}

static bool lower_id(const char *s, size_t max, bool dash)
{
	size_t n = strlen(s);
	if (n == 0 || n > max || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      (dash && *s == '-')))
			return false;
	return true;
}

/* A member that must be a non-empty string of at most max bytes (NULL when absent or bad). */
static const char *get_str(struct jv *v, json_t *obj, const char *base, const char *key,
			   bool required, size_t max)
{
	char p[SP_JUR_PTR_SIZE];
	json_t *m = member(v, obj, base, key, required, p);
	if (!m)
		return NULL;
	if (!json_is_string(m)) {
		fail(v, p, "must be a string");
		return NULL;
	}
	size_t n = json_string_length(m);
	if (n == 0 || n > max) {
		fail(v, p, "must be 1 to %zu bytes long", max);
		return NULL;
	}
	if (strlen(json_string_value(m)) != n) {
		fail(v, p, "must not hold a NUL character");
		return NULL;
	}
	return json_string_value(m);
}

/* A name from a table; -1 when absent or unknown (the error lists the choices). */
static int get_name(struct jv *v, json_t *obj, const char *base, const char *key, bool required,
		    const char *const *names, int count, const char *what)
{
	const char *s = get_str(v, obj, base, key, required, 64);
	if (!s)
		return -1;
	int i = sp_name_index(names, count, s);
	if (i < 0) {
		char p[SP_JUR_PTR_SIZE], list[256] = "";
		size_t at = 0;
		for (int k = 0; k < count && at < sizeof list; k++)
			at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", k ? ", " : "",
					       names[k]);
		path(p, base, key);
		fail(v, p, "is not a known %s (%s)", what, list);
	}
	return i;
}

static int get_int(struct jv *v, json_t *obj, const char *base, const char *key, long long lo,
		   long long hi, int absent)
{
	char p[SP_JUR_PTR_SIZE];
	json_t *m = member(v, obj, base, key, true, p);
	if (!m)
		return absent;
	if (!json_is_integer(m) || json_integer_value(m) < lo || json_integer_value(m) > hi) {
		fail(v, p, "must be an integer from %lld to %lld", lo, hi);
		return absent;
	}
	return (int)json_integer_value(m);
}

static char get_tag(struct jv *v, json_t *obj, const char *base)
{
	static const char *const tags[] = {"P", "S", "U"};
	int i = get_name(v, obj, base, "tag", true, tags, 3, "confidence tag");
	if (i < 0)
		return '?';
	return tags[i][0];
}

/* A texts object {"en": "...", "fr": "..."}: language codes of 2 or 3 lower-case letters,
 * English required (the fallback of every other language). */
static const json_t *get_texts(struct jv *v, json_t *obj, const char *base, const char *key,
			       bool required)
{
	char p[SP_JUR_PTR_SIZE];
	json_t *m = member(v, obj, base, key, required, p);
	if (!m)
		return NULL;
	if (!json_is_object(m)) {
		fail(v, p, "must be an object of texts by language");
		return NULL;
	}
	size_t before = v->n;
	const char *lang;
	json_t *t;
	json_object_foreach(m, lang, t) {
		size_t n = strlen(lang);
		bool code = n >= 2 && n <= 3;
		for (size_t i = 0; i < n; i++)
			code = code && lang[i] >= 'a' && lang[i] <= 'z';
		if (!code) {
			fail(v, p, "has a member that is not a language code (2 or 3 lower-case "
				   "letters)");
			continue;
		}
		(void)get_str(v, m, p, lang, true, TEXT_MAX);
	}
	if (!json_object_get(m, "en")) {
		char q[SP_JUR_PTR_SIZE];
		path(q, p, "en");
		fail(v, q, "is required (English is every text's fallback)");
	}
	return v->n == before ? m : NULL;
}

/* ---- the parts of a file ---- */

static void check_time_zone(struct jv *v, json_t *doc, struct sp_jurisdiction *j)
{
	const char *tz = get_str(v, doc, "", "time_zone", true, SP_JUR_TZ_MAX);
	if (!tz)
		return;
	/* Only ICU's own ids: ucal_open would take an unknown one silently as "Etc/Unknown"
	 * (GMT). The characters are checked first: u_charsToUChars takes invariant ones only. */
	bool plain = true;
	for (const char *c = tz; *c; c++)
		plain = plain && ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
				  (*c >= '0' && *c <= '9') || *c == '/' || *c == '_' ||
				  *c == '-' || *c == '+');
	UChar id[SP_JUR_TZ_MAX + 1], canon[128];
	UBool system = 0;
	UErrorCode st = U_ZERO_ERROR;
	if (plain) {
		u_charsToUChars(tz, id, (int32_t)strlen(tz) + 1);
		ucal_getCanonicalTimeZoneID(id, -1, canon, (int32_t)(sizeof canon / sizeof canon[0]),
					    &system, &st);
	}
	if (!plain || U_FAILURE(st) || !system) {
		fail(v, "/time_zone", "is not a time zone ICU knows (an IANA id such as "
				      "Europe/London)");
		return;
	}
	j->time_zone = tz;
}

static void check_week(struct jv *v, json_t *doc, struct sp_jurisdiction *j)
{
	char p0[SP_JUR_PTR_SIZE];
	json_t *w = member(v, doc, "", "working_week", true, p0);
	if (!w)
		return;
	if (!json_is_array(w) || json_array_size(w) == 0) {
		fail(v, "/working_week", "must be a non-empty array of weekday names");
		return;
	}
	size_t i;
	json_t *d;
	json_array_foreach(w, i, d) {
		char p[SP_JUR_PTR_SIZE];
		path_i(p, "/working_week", i);
		int k = json_is_string(d) ? sp_name_index(weekday_names, 7, json_string_value(d)) : -1;
		if (k < 0)
			fail(v, p, "is not a weekday name (monday .. sunday, lower case)");
		else if (j->working_week & (1u << k))
			fail(v, p, "names a weekday twice");
		else
			j->working_week |= 1u << k;
	}
}

static int cmp_day(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

static void check_holidays(struct jv *v, json_t *doc, struct sp_jurisdiction *j, int32_t **days)
{
	json_t *h = json_object_get(doc, "holidays");
	if (!h)
		return;
	if (!json_is_object(h)) {
		fail(v, "/holidays", "must be an object");
		return;
	}
	static const char *const keys[] = {"from_year", "to_year", "dates", "source", "tag", NULL};
	only_keys(v, h, "/holidays", keys);
	int from = get_int(v, h, "/holidays", "from_year", YEAR_MIN, YEAR_MAX, 0);
	int to = get_int(v, h, "/holidays", "to_year", YEAR_MIN, YEAR_MAX, 0);
	j->holidays_source = get_str(v, h, "/holidays", "source", true, TEXT_MAX);
	j->holidays_tag = get_tag(v, h, "/holidays");
	if (from && to && from > to) {
		fail(v, "/holidays/to_year", "must not be before from_year");
		from = to = 0;
	}
	char p0[SP_JUR_PTR_SIZE];
	json_t *dates = member(v, h, "/holidays", "dates", true, p0);
	if (!dates)
		return;
	if (!json_is_array(dates) || json_array_size(dates) > HOLIDAYS_MAX) {
		fail(v, "/holidays/dates", "must be an array of at most %d holidays", HOLIDAYS_MAX);
		return;
	}
	int32_t *out = calloc(json_array_size(dates) + 1, sizeof *out);
	if (!out) {
		fail(v, "/holidays/dates", "out of memory");
		return;
	}
	size_t n = 0, i;
	json_t *d;
	json_array_foreach(dates, i, d) {
		char p[SP_JUR_PTR_SIZE];
		path_i(p, "/holidays/dates", i);
		if (!json_is_object(d)) {
			fail(v, p, "must be an object with a date and a name");
			continue;
		}
		static const char *const dkeys[] = {"date", "name", NULL};
		only_keys(v, d, p, dkeys);
		(void)get_str(v, d, p, "name", true, 200);
		const char *s = get_str(v, d, p, "date", true, 10);
		struct sp_date day;
		struct sp_err e = {0};
		char q[SP_JUR_PTR_SIZE];
		path(q, p, "date");
		if (!s)
			continue;
		if (strlen(s) != 10 || sp_date_parse_iso(s, &day, &e) != SP_OK ||
		    day.first != day.last) {
			fail(v, q, "is not a real date YYYY-MM-DD");
			continue;
		}
		int y, m, md;
		sp_date_civil(day.first, &y, &m, &md);
		if (from && to && (y < from || y > to)) {
			fail(v, q, "lies outside the years the list covers (from_year to to_year)");
			continue;
		}
		bool dup = false;
		for (size_t k = 0; k < n; k++)
			dup = dup || out[k] == day.first;
		if (dup) {
			fail(v, q, "is listed twice");
			continue;
		}
		out[n++] = day.first;
	}
	qsort(out, n, sizeof *out, cmp_day);
	j->holiday_from = from;
	j->holiday_to = to;
	j->n_holidays = n;
	*days = out;
}

/* A list of names of a table as a bit mask; `refused` bits may not appear. */
static unsigned get_names_mask(struct jv *v, json_t *obj, const char *base, const char *key,
			       bool required, int (*parse)(const char *, unsigned *),
			       unsigned refused, const char *what)
{
	char p[SP_JUR_PTR_SIZE];
	json_t *a = member(v, obj, base, key, required, p);
	if (!a)
		return 0;
	if (!json_is_array(a) || json_array_size(a) == 0) {
		fail(v, p, "must be a non-empty array of %s names", what);
		return 0;
	}
	unsigned mask = 0, bit = 0;
	size_t i;
	json_t *s;
	json_array_foreach(a, i, s) {
		char q[SP_JUR_PTR_SIZE];
		path_i(q, p, i);
		if (!json_is_string(s) || parse(json_string_value(s), &bit) != SP_OK)
			fail(v, q, "is not a known %s", what);
		else if (mask & bit)
			fail(v, q, "repeats an earlier %s", what);
		else if (bit & refused)
			fail(v, q, "is a %s without access to case data: it cannot decide", what);
		else
			mask |= bit;
	}
	return mask;
}

static int parse_event(const char *name, unsigned *out)
{
	int i = sp_name_index(event_names, SP_EVENT_COUNT, name);
	if (i < 0)
		return SP_EINVAL;
	*out = 1u << i;
	return SP_OK;
}

static void check_rule(struct jv *v, json_t *r, const char *p, const struct sp_jurisdiction *j,
		       struct sp_jur_rule *out)
{
	static const char *const keys[] = {"id",    "trigger", "amount", "unit",   "kind",
					   "until", "met_by",  "lapses_on", "title", "text",
					   "source", "tag", NULL};
	only_keys(v, r, p, keys);
	char q[SP_JUR_PTR_SIZE];
	out->id = get_str(v, r, p, "id", true, 40);
	if (out->id && !lower_id(out->id, 40, false)) {
		path(q, p, "id");
		fail(v, q, "must be lower-case letters, digits and _, starting with a letter");
		out->id = NULL;
	}
	int trig = get_name(v, r, p, "trigger", true, event_names, SP_EVENT_COUNT, "event");
	int unit = get_name(v, r, p, "unit", true, unit_names, SP_UNIT_COUNT, "unit");
	int kind = get_name(v, r, p, "kind", true, kind_names, SP_KIND_COUNT, "kind");
	out->trigger = trig < 0 ? SP_EVENT_REFERRAL : (enum sp_jur_event)trig;
	out->unit = unit < 0 ? SP_UNIT_IMMEDIATELY : (enum sp_jur_unit)unit;
	out->kind = kind < 0 ? SP_KIND_TARGET : (enum sp_jur_kind)kind;
	out->title = get_texts(v, r, p, "title", true);
	out->text = get_texts(v, r, p, "text", false);
	out->source = get_str(v, r, p, "source", true, TEXT_MAX);
	out->tag = get_tag(v, r, p);

	bool counted = unit == SP_UNIT_HOURS || unit == SP_UNIT_CALENDAR_DAYS ||
		       unit == SP_UNIT_WORKING_DAYS;
	path(q, p, "amount");
	if (counted)
		out->amount = get_int(v, r, p, "amount", 1,
				      unit == SP_UNIT_HOURS ? HOURS_MAX : DAYS_MAX, 0);
	else if (unit >= 0 && json_object_get(r, "amount"))
		fail(v, q, "must be absent for the unit %s", unit_names[unit]);

	path(q, p, "until");
	if (unit == SP_UNIT_UNTIL_EVENT) {
		int until = get_name(v, r, p, "until", true, event_names, SP_EVENT_COUNT, "event");
		out->until = until < 0 ? SP_EVENT_CG_DECISION : (enum sp_jur_event)until;
	} else if (json_object_get(r, "until")) {
		fail(v, q, "is only for the unit until_event");
	}
	out->met_by = get_names_mask(v, r, p, "met_by", false, parse_event, 0, "event");
	if (out->met_by && kind == SP_KIND_MINIMUM) {
		path(q, p, "met_by");
		fail(v, q, "is only for a target: a minimum period is not met, it runs");
	}
	out->lapses_on = get_names_mask(v, r, p, "lapses_on", false, parse_event, 0, "event");
	if (unit == SP_UNIT_WORKING_DAYS && !json_object_get(j->doc, "holidays")) {
		path(q, p, "unit");
		fail(v, q, "working days need a holiday list (/holidays)");
	}
}

static void check_rules(struct jv *v, json_t *doc, struct sp_jurisdiction *j,
			struct sp_jur_rule **rules)
{
	char p0[SP_JUR_PTR_SIZE];
	json_t *a = member(v, doc, "", "deadlines", true, p0);
	if (!a)
		return;
	if (!json_is_array(a) || json_array_size(a) > RULES_MAX) {
		fail(v, "/deadlines", "must be an array of at most %d rules", RULES_MAX);
		return;
	}
	struct sp_jur_rule *out = calloc(json_array_size(a) + 1, sizeof *out);
	if (!out) {
		fail(v, "/deadlines", "out of memory");
		return;
	}
	size_t i;
	json_t *r;
	json_array_foreach(a, i, r) {
		char p[SP_JUR_PTR_SIZE];
		path_i(p, "/deadlines", i);
		if (!json_is_object(r)) {
			fail(v, p, "must be an object");
			continue;
		}
		check_rule(v, r, p, j, &out[i]);
		for (size_t k = 0; k < i && out[i].id; k++)
			if (out[k].id && strcmp(out[k].id, out[i].id) == 0) {
				char q[SP_JUR_PTR_SIZE];
				path(q, p, "id");
				fail(v, q, "repeats the id of /deadlines/%zu", k);
			}
	}
	j->n_rules = json_array_size(a);
	*rules = out;
}

static int parse_role(const char *name, unsigned *out)
{
	return sp_role_parse(name, out);
}

static int parse_kind(const char *name, unsigned *out)
{
	enum sp_agency_kind k;
	if (sp_agency_kind_parse(name, &k) != SP_OK)
		return SP_EINVAL;
	*out = 1u << k;
	return SP_OK;
}

static void check_decisions(struct jv *v, json_t *doc, struct sp_jurisdiction *j)
{
	char p0[SP_JUR_PTR_SIZE];
	json_t *d = member(v, doc, "", "decisions", true, p0);
	if (!d)
		return;
	if (!json_is_object(d)) {
		fail(v, "/decisions", "must be an object keyed by decision type");
		return;
	}
	const char *key;
	json_t *m;
	json_object_foreach(d, key, m) {
		int t = sp_name_index(decision_names, SP_DECISION_TYPE_COUNT, key);
		if (t < 0) {
			char p[SP_JUR_PTR_SIZE];
			if (sp_json_name_plain(key)) {
				path(p, "/decisions", key);
				fail(v, p, "is not a decision type (age_assessment, "
					   "reasonable_grounds, conclusive_grounds, best_interests)");
			} else {
				fail(v, "/decisions", "has a member that is not a decision type");
			}
			continue;
		}
		char p[SP_JUR_PTR_SIZE];
		path(p, "/decisions", key);
		if (!json_is_object(m)) {
			fail(v, p, "must be an object");
			continue;
		}
		static const char *const keys[] = {"roles", "agency_kinds", "source", "tag", NULL};
		only_keys(v, m, p, keys);
		struct sp_jur_decision *o = &j->decisions[t];
		o->present = true;
		o->roles = get_names_mask(v, m, p, "roles", true, parse_role,
					  SP_ROLE_ADMIN | SP_ROLE_COORDINATOR, "role");
		o->agency_kinds = get_names_mask(v, m, p, "agency_kinds", false, parse_kind, 0,
						 "agency kind");
		o->source = get_str(v, m, p, "source", true, TEXT_MAX);
		o->tag = get_tag(v, m, p);
	}
}

/* The `retention` member: {"case": {"years": 6 | "months": 18, "source", "tag"},
 * "tracing_request": {...}}. Optional (a deployment without a case period cannot run
 * retention, which says so; without a tracing_request period, closed requests are kept). */
static void check_retention(struct jv *v, json_t *doc, struct sp_jurisdiction *j)
{
	char p0[SP_JUR_PTR_SIZE];
	json_t *r = member(v, doc, "", "retention", false, p0);
	if (!r)
		return;
	if (!json_is_object(r)) {
		fail(v, p0, "must be an object keyed by record type (case, tracing_request)");
		return;
	}
	const char *key;
	json_t *m;
	json_object_foreach(r, key, m) {
		char p[SP_JUR_PTR_SIZE];
		int t = sp_name_index(record_names, SP_JUR_RECORD_COUNT, key);
		if (t < 0) {
			if (sp_json_name_plain(key)) {
				path(p, p0, key);
				fail(v, p, "is not a record type (case, tracing_request)");
			} else {
				fail(v, p0, "has a member that is not a record type");
			}
			continue;
		}
		path(p, p0, key);
		if (!json_is_object(m)) {
			fail(v, p, "must be an object");
			continue;
		}
		static const char *const keys[] = {"years", "months", "source", "tag", NULL};
		only_keys(v, m, p, keys);
		struct sp_jur_retention *o = &j->retention[t];
		bool years = json_object_get(m, "years") != NULL;
		if (years == (json_object_get(m, "months") != NULL)) {
			fail(v, p, "needs exactly one of years and months");
		} else {
			int n = years ? get_int(v, m, p, "years", 1, 100, 0)
				      : get_int(v, m, p, "months", 1, 1200, 0);
			o->months = years ? 12 * n : n;
		}
		o->source = get_str(v, m, p, "source", true, TEXT_MAX);
		o->tag = get_tag(v, m, p);
		o->present = o->months > 0;
	}
}

/* One step's time {"amount", "unit"}: hours, calendar or working days, as a target rule. */
static void check_ref_step(struct jv *v, json_t *o, const char *p, const struct sp_jurisdiction *j,
			   struct sp_jur_rule *out)
{
	static const char *const keys[] = {"amount", "unit", NULL};
	only_keys(v, o, p, keys);
	int unit = get_name(v, o, p, "unit", true, unit_names, SP_UNIT_COUNT, "unit");
	char q[SP_JUR_PTR_SIZE];
	path(q, p, "unit");
	if (unit == SP_UNIT_IMMEDIATELY || unit == SP_UNIT_UNTIL_EVENT) {
		fail(v, q, "must be hours, calendar_days or working_days");
		unit = -1;
	} else if (unit == SP_UNIT_WORKING_DAYS && !json_object_get(j->doc, "holidays")) {
		fail(v, q, "working days need a holiday list (/holidays)");
	}
	out->unit = unit < 0 ? SP_UNIT_HOURS : (enum sp_jur_unit)unit;
	out->kind = SP_KIND_TARGET;
	out->trigger = SP_EVENT_REFERRAL;
	out->amount = get_int(v, o, p, "amount", 1, unit == SP_UNIT_HOURS ? HOURS_MAX : DAYS_MAX, 1);
}

/* "referrals": {"source", "tag", and per urgency {"acknowledge": step, "respond": step}}. */
static void check_referrals(struct jv *v, json_t *doc, struct sp_jurisdiction *j)
{
	char p0[SP_JUR_PTR_SIZE];
	json_t *r = member(v, doc, "", "referrals", false, p0);
	if (!r)
		return;
	if (!json_is_object(r)) {
		fail(v, "/referrals", "must be an object keyed by urgency");
		return;
	}
	static const char *const keys[] = {"source", "tag",    "routine", "soon",
					   "urgent", "immediate", NULL};
	only_keys(v, r, "/referrals", keys);
	const char *source = get_str(v, r, "/referrals", "source", true, TEXT_MAX);
	char tag = get_tag(v, r, "/referrals");
	for (int u = 0; u < SP_URGENCY_COUNT; u++) {
		char p[SP_JUR_PTR_SIZE];
		json_t *m = member(v, r, "/referrals", urgency_names[u], true, p);
		if (m && !json_is_object(m))
			fail(v, p, "must be an object with acknowledge and respond");
		if (!m || !json_is_object(m))
			continue;
		static const char *const steps[] = {"acknowledge", "respond", NULL};
		only_keys(v, m, p, steps);
		for (int s = 0; s < SP_REF_STEP_COUNT; s++) {
			char q[SP_JUR_PTR_SIZE];
			json_t *o = member(v, m, p, step_names[s], true, q);
			if (o && !json_is_object(o))
				fail(v, q, "must be an object with amount and unit");
			else if (o)
				check_ref_step(v, o, q, j, &j->referral_due[u][s]);
			j->referral_due[u][s].id = step_names[s];
			j->referral_due[u][s].source = source;
			j->referral_due[u][s].tag = tag;
		}
	}
	j->has_referrals = true;
}

static const char *const basis_names[SP_JUR_BASIS_COUNT] = {
	[SP_JUR_BASIS_CHILD] = "child_without_consent",
	[SP_JUR_BASIS_DUTY_TO_NOTIFY] = "duty_to_notify",
};

const char *sp_jur_basis_name(enum sp_jur_basis b)
{
	return sp_name_of(basis_names, SP_JUR_BASIS_COUNT, (int)b);
}

int sp_jur_basis_parse(const char *name)
{
	return sp_name_index(basis_names, SP_JUR_BASIS_COUNT, name);
}

/* "consent": {"child_without_consent": basis, "duty_to_notify": basis + "authority",
 * "notes": texts}, each basis {"basis": texts, "source", "tag"}; every member optional. */
static void check_consent(struct jv *v, json_t *doc, struct sp_jurisdiction *j)
{
	char p0[SP_JUR_PTR_SIZE];
	json_t *c = member(v, doc, "", "consent", false, p0);
	if (!c)
		return;
	if (!json_is_object(c)) {
		fail(v, p0, "must be an object");
		return;
	}
	static const char *const keys[] = {"child_without_consent", "duty_to_notify", "notes",
					   NULL};
	only_keys(v, c, p0, keys);
	j->consent_notes = get_texts(v, c, p0, "notes", false);
	for (int b = 0; b < SP_JUR_BASIS_COUNT; b++) {
		char p[SP_JUR_PTR_SIZE];
		json_t *m = member(v, c, p0, basis_names[b], false, p);
		if (!m)
			continue;
		if (!json_is_object(m)) {
			fail(v, p, "must be an object with basis, source and tag");
			continue;
		}
		static const char *const child[] = {"basis", "source", "tag", NULL};
		static const char *const notify[] = {"basis", "source", "tag", "authority", NULL};
		bool duty = b == SP_JUR_BASIS_DUTY_TO_NOTIFY;
		only_keys(v, m, p, duty ? notify : child);
		struct sp_jur_consent_basis *o = &j->consent[b];
		o->basis = get_texts(v, m, p, "basis", true);
		o->source = get_str(v, m, p, "source", true, TEXT_MAX);
		o->tag = get_tag(v, m, p);
		if (duty) {
			o->authority = get_str(v, m, p, "authority", true, 64);
			if (o->authority && !lower_id(o->authority, 64, false)) {
				char q[SP_JUR_PTR_SIZE];
				path(q, p, "authority");
				fail(v, q, "must be a services kind (lower-case letters, digits and _)");
			}
		}
		o->present = true;
	}
}

static void check_doc(struct jv *v, json_t *doc, struct sp_jurisdiction *j, int32_t **days,
		      struct sp_jur_rule **rules)
{
	if (!json_is_object(doc)) {
		fail(v, "", "must be an object");
		return;
	}
	static const char *const keys[] = {"id",	   "version",	   "source",   "status",
					   "title",	   "notes",	   "time_zone", "working_week",
					   "holidays",	   "deadlines",	   "decisions", "retention",
					   "referrals",	   "consent",	   NULL};
	only_keys(v, doc, "", keys);
	j->id = get_str(v, doc, "", "id", true, SP_JUR_ID_MAX);
	if (j->id && !lower_id(j->id, SP_JUR_ID_MAX, true)) {
		fail(v, "/id", "must be lower-case letters, digits, - and _, starting with a letter");
		j->id = NULL;
	}
	j->version = get_str(v, doc, "", "version", true, 32);
	j->source = get_str(v, doc, "", "source", true, TEXT_MAX);
	int st = get_name(v, doc, "", "status", true, status_names, SP_JUR_STATUS_COUNT, "status");
	j->status = st < 0 ? SP_JUR_LOCAL : (enum sp_jur_status)st;
	j->title = get_texts(v, doc, "", "title", true);
	j->notes = get_texts(v, doc, "", "notes", false);
	check_time_zone(v, doc, j);
	check_week(v, doc, j);
	check_holidays(v, doc, j, days);
	check_rules(v, doc, j, rules);
	check_decisions(v, doc, j);
	check_retention(v, doc, j);
	check_referrals(v, doc, j);
	check_consent(v, doc, j);
}

/* Parse and check; on success *out owns the document. */
static int parse(const char *text, size_t len, struct jv *v, struct sp_jurisdiction **out)
{
	struct sp_err perr = {0};
	json_t *doc = sp_json_parse(text, len, &perr);
	if (!doc) {
		if (v->n < v->cap)
			v->errs[v->n] = perr;
		v->n++;
		return SP_EINVAL;
	}
	struct sp_jurisdiction *j = calloc(1, sizeof *j);
	int32_t *days = NULL;
	struct sp_jur_rule *rules = NULL;
	if (!j) {
		json_decref(doc);
		if (v->n < v->cap)
			sp_err_set(&v->errs[v->n], SP_ENOMEM, "", "out of memory");
		v->n++;
		return SP_ENOMEM;
	}
	j->doc = doc;
	check_doc(v, doc, j, &days, &rules);
	j->holidays = days;
	j->rules = rules;
	if (v->n) {
		sp_jurisdiction_free(j);
		return SP_EINVAL;
	}
	*out = j;
	return SP_OK;
}

int sp_jurisdiction_parse(const char *text, size_t len, struct sp_jurisdiction **out,
			  struct sp_err *err)
{
	struct sp_err first = {0};
	struct jv v = {.errs = &first, .cap = 1};
	*out = NULL;
	int rc = parse(text, len, &v, out);
	if (rc && err)
		*err = first;
	return rc;
}

int sp_jurisdiction_check(const char *text, size_t len, struct sp_err *errs, size_t cap,
			  size_t *n_errs)
{
	struct jv v = {.errs = errs, .cap = cap};
	struct sp_jurisdiction *j = NULL;
	int rc = parse(text, len, &v, &j);
	sp_jurisdiction_free(j);
	*n_errs = v.n < cap ? v.n : cap;
	return rc;
}

void sp_jurisdiction_free(struct sp_jurisdiction *j)
{
	if (!j)
		return;
	free(j->holidays);
	free(j->rules);
	json_decref(j->doc);
	free(j);
}

const char *sp_jur_text(const json_t *texts, const char *lang)
{
	const char *s = lang ? json_string_value(json_object_get(texts, lang)) : NULL;
	return s ? s : json_string_value(json_object_get(texts, "en"));
}

const struct sp_jur_rule *sp_jurisdiction_rule(const struct sp_jurisdiction *j, const char *id)
{
	for (size_t i = 0; i < j->n_rules; i++)
		if (strcmp(j->rules[i].id, id) == 0)
			return &j->rules[i];
	return NULL;
}

int sp_jurisdiction_referral_due(const struct sp_jurisdiction *j, enum sp_jur_urgency u,
				 enum sp_jur_ref_step step, int64_t trigger, int64_t *due,
				 struct sp_err *err)
{
	if ((unsigned)u >= SP_URGENCY_COUNT || (unsigned)step >= SP_REF_STEP_COUNT)
		return sp_err_set(err, SP_EINVAL, "/urgency", "unknown urgency");
	if (!j->has_referrals)
		return sp_err_set(err, SP_ENOTFOUND, "", "the jurisdiction %s sets no referral due "
							 "dates", j->id);
	return sp_deadline_due(j, &j->referral_due[u][step], trigger, due, err);
}

bool sp_jurisdiction_may_decide(const struct sp_jurisdiction *j, enum sp_decision_type t,
				unsigned roles, int agency_kind)
{
	if ((int)t < 0 || t >= SP_DECISION_TYPE_COUNT || !j->decisions[t].present)
		return false;
	const struct sp_jur_decision *d = &j->decisions[t];
	if (!(d->roles & roles))
		return false;
	if (!d->agency_kinds)
		return true;
	return agency_kind >= 0 && agency_kind < 32 && (d->agency_kinds & (1u << agency_kind));
}

/* ---- the set: shipped files, then a folder's ---- */

static int cmp_jur(const void *a, const void *b)
{
	const struct sp_jurisdiction *x = *(struct sp_jurisdiction *const *)a;
	const struct sp_jurisdiction *y = *(struct sp_jurisdiction *const *)b;
	return strcmp(x->id, y->id);
}

/* Add j (taking it) to the set, replacing one with the same id. */
static int set_put(struct sp_jurisdictions *set, size_t *cap, struct sp_jurisdiction *j)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->items[i]->id, j->id) == 0) {
			sp_jurisdiction_free(set->items[i]);
			set->items[i] = j;
			return SP_OK;
		}
	if (set->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct sp_jurisdiction **it = realloc(set->items, ncap * sizeof(struct sp_jurisdiction *));
		if (!it) {
			sp_jurisdiction_free(j);
			return SP_ENOMEM;
		}
		set->items = it;
		*cap = ncap;
	}
	set->items[set->n++] = j;
	return SP_OK;
}

/* Parse one file named `name` (its id + ".json") and add it; errors name the file. */
static int load_one(struct sp_jurisdictions *set, size_t *cap, const char *label,
		    const char *name, const char *text, size_t len, struct sp_err *err)
{
	struct sp_jurisdiction *j = NULL;
	struct sp_err e = {0};
	int rc = sp_jurisdiction_parse(text, len, &j, &e);
	if (!rc && (!j || !j->id)) {
		rc = SP_EINTERNAL;
		sp_err_set(&e, rc, "", "no id after a successful parse");
	}
	if (rc) {
		sp_jurisdiction_free(j);
		return sp_err_set(err, rc, e.field, "%s: %s", label, e.msg);
	}
	size_t n = strlen(j->id);
	if (strncmp(name, j->id, n) != 0 || strcmp(name + n, ".json") != 0) {
		sp_jurisdiction_free(j);
		return sp_err_set(err, SP_EINVAL, "/id", "%s: the file must be named after its id "
							 "(ID.json)", label);
	}
	rc = set_put(set, cap, j);
	if (rc)
		return sp_err_set(err, rc, "", "out of memory");
	return SP_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int read_file(const char *file, struct sp_buf *b, struct sp_err *err)
{
	FILE *f = fopen(file, "rb");
	if (!f)
		return sp_err_set(err, SP_EIO, "", "%s: cannot open: %s", file, strerror(errno));
	char chunk[8192];
	size_t n;
	int rc = SP_OK;
	while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = sp_buf_add(b, chunk, n);
	if (!rc && ferror(f))
		rc = SP_EIO;
	fclose(f);
	if (rc)
		return sp_err_set(err, rc, "", "%s: %s", file,
				  rc == SP_ETOOBIG ? "larger than 1 MiB" : "cannot read");
	return SP_OK;
}

int sp_jurisdiction_check_file(const char *file, struct sp_err *errs, size_t cap,
			       size_t *n_errs)
{
	struct sp_buf b;
	struct sp_err ioerr = {0};
	sp_buf_init(&b, FILE_MAX);
	int rc = read_file(file, &b, &ioerr);
	if (rc) {
		*n_errs = cap ? 1 : 0;
		if (cap)
			errs[0] = ioerr;
	} else {
		rc = sp_jurisdiction_check(b.data ? b.data : "", b.len, errs, cap, n_errs);
	}
	sp_buf_free(&b);
	return rc;
}

static int load_dir(struct sp_jurisdictions *set, size_t *cap, const char *dir,
		    struct sp_err *err)
{
	DIR *d = opendir(dir);
	if (!d) {
		if (errno == ENOENT)
			return SP_OK;
		return sp_err_set(err, SP_EIO, "", "%s: cannot open the folder: %s", dir,
				  strerror(errno));
	}
	char **names = NULL;
	size_t n = 0, ncap = 0;
	int rc = SP_OK;
	struct dirent *e;
	while (!rc && (e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.' || len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		if (n == ncap) {
			ncap = ncap ? ncap * 2 : 8;
			char **nn = realloc(names, ncap * sizeof *nn);
			if (!nn) {
				rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
				break;
			}
			names = nn;
		}
		names[n] = strdup(e->d_name);
		if (!names[n])
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
		else
			n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; !rc && i < n; i++) {
		char file[4096];
		snprintf(file, sizeof file, "%s/%s", dir, names[i]);
		struct sp_buf b;
		sp_buf_init(&b, FILE_MAX);
		rc = read_file(file, &b, err);
		if (!rc)
			rc = load_one(set, cap, file, names[i], b.data ? b.data : "", b.len, err);
		sp_buf_free(&b);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

int sp_jurisdictions_load(const char *dir, struct sp_jurisdictions *out, struct sp_err *err)
{
	struct sp_jurisdictions set = {0};
	size_t cap = 0;
	int rc = SP_OK;
	const size_t plen = strlen(SHIPPED_PREFIX);
	for (const struct sp_embedded *e = sp_embedded_files; !rc && e->path; e++)
		if (strncmp(e->path, SHIPPED_PREFIX, plen) == 0)
			rc = load_one(&set, &cap, e->path, e->path + plen, e->data, e->len, err);
	if (!rc && dir)
		rc = load_dir(&set, &cap, dir, err);
	if (rc) {
		sp_jurisdictions_free(&set);
		return rc;
	}
	if (set.n)
		qsort(set.items, set.n, sizeof(struct sp_jurisdiction *), cmp_jur);
	*out = set;
	return SP_OK;
}

void sp_jurisdictions_free(struct sp_jurisdictions *set)
{
	for (size_t i = 0; i < set->n; i++)
		sp_jurisdiction_free(set->items[i]);
	free(set->items);
	set->items = NULL;
	set->n = 0;
}

const struct sp_jurisdiction *sp_jurisdictions_find(const struct sp_jurisdictions *set,
						    const char *id)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->items[i]->id, id) == 0)
			return set->items[i];
	return NULL;
}
