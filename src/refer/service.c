/* The service directory (safepath/service.h): the owning module of organizations, services,
 * locations, service_at_location, service_phones, service_languages, schedules and
 * service_areas. The HSDS tables are declared once below, column by column; import, export,
 * one service and the checks all walk that declaration. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refer/refer.h"
#include "safepath/audit.h"
#include "safepath/case.h"
#include "safepath/codes.h"
#include "safepath/date.h"
#include "safepath/person.h"
#include "safepath/service.h"
#include "safepath/store.h"

#define TEXT_MAX 256       /* a name, an e-mail, an address line, a phone number */
#define LONG_TEXT_MAX 4000 /* a description */
#define LIST_MAX 2048      /* a stored ",a,b," list */
#define AGE_MAX 120
#define CAPACITY_MAX 100000
#define AREA_RULE                                                                          \
	"must be a country code (\"DE\") or an area code within one (\"DE-BE\", "            \
	"\"GB-ENG/LND\"): A-Z, 0-9, '-' and '/'"

/* ---- the HSDS tables ---- */

enum ctype {
	C_ID,          /* the row's HSDS id: a UUID */
	C_REF,         /* the id of a row of table `ref` in the same document */
	C_TEXT,        /* one line of text, up to TEXT_MAX bytes */
	C_LONG_TEXT,   /* text up to LONG_TEXT_MAX bytes */
	C_STATUS,      /* the HSDS service status */
	C_ROUTE,       /* direct | focal_point_only; default direct */
	C_AGE,         /* whole years 0..AGE_MAX */
	C_CAPACITY,    /* places 0..CAPACITY_MAX */
	C_KINDS,       /* list of services codes */
	C_NEEDS,       /* list of needs codes */
	C_SEXES,       /* list of female, male, other */
	C_COUNTRIES,   /* list of ISO 3166-1 codes, stored alpha-2 */
	C_TOKENS,      /* list of lower-case words (legal statuses) */
	C_AREA,        /* an administrative area code */
	C_LATITUDE,    /* degrees, stored in millionths */
	C_LONGITUDE,
	C_BOOL,        /* default false */
	C_WEEKDAY,     /* MO..SU, stored 1..7 */
	C_TIME,        /* HH:MM */
	C_LANGUAGE,    /* ISO 639 */
	C_AGENCY,      /* a safepath agency's code, stored as its id */
};

#define REQ 1u

struct col {
	const char *json;
	const char *sql;
	enum ctype t;
	unsigned flags;
	int ref; /* C_REF: the table it names */
};

enum { T_ORGANIZATION, T_SERVICE, T_LOCATION, T_SERVICE_AT_LOCATION, T_PHONE, T_SCHEDULE,
       T_LANGUAGE, T_SERVICE_AREA, T_COUNT };

/* stamps: 2 = created_us, updated_us and version (rows that change); 1 = created_us. */
struct table {
	const char *json, *sql;
	const struct col *cols;
	size_t ncols;
	int stamps;
	const char *csv; /* its file in the tabular package */
};

static const struct col organization_cols[] = {
	{"id", "id", C_ID, REQ, 0},
	{"name", "name", C_TEXT, REQ, 0},
	{"description", "description", C_LONG_TEXT, 0, 0},
	{"email", "email", C_TEXT, 0, 0},
	{"website", "website", C_TEXT, 0, 0},
	{"x_safepath_agency", "agency_id", C_AGENCY, 0, 0},
};
static const struct col service_cols[] = {
	{"id", "id", C_ID, REQ, 0},
	{"organization_id", "organization_id", C_REF, REQ, T_ORGANIZATION},
	{"name", "name", C_TEXT, REQ, 0},
	{"description", "description", C_LONG_TEXT, 0, 0},
	{"status", "status", C_STATUS, REQ, 0},
	{"email", "email", C_TEXT, 0, 0},
	{"url", "url", C_TEXT, 0, 0},
	{"minimum_age", "age_min", C_AGE, 0, 0},
	{"maximum_age", "age_max", C_AGE, 0, 0},
	{"x_kinds", "kinds", C_KINDS, REQ, 0},
	{"x_needs", "needs", C_NEEDS, 0, 0},
	{"x_sexes", "sexes", C_SEXES, 0, 0},
	{"x_nationalities", "nationalities", C_COUNTRIES, 0, 0},
	{"x_legal_statuses", "legal_statuses", C_TOKENS, 0, 0},
	{"x_referral_route", "referral_route", C_ROUTE, 0, 0},
	{"x_capacity_total", "capacity_total", C_CAPACITY, 0, 0},
	{"x_capacity_available", "capacity_available", C_CAPACITY, 0, 0},
};
static const struct col location_cols[] = {
	{"id", "id", C_ID, REQ, 0},
	{"organization_id", "organization_id", C_REF, REQ, T_ORGANIZATION},
	{"name", "name", C_TEXT, REQ, 0},
	{"x_area", "area", C_AREA, REQ, 0},
	{"x_address", "address", C_TEXT, 0, 0},
	{"latitude", "latitude_e6", C_LATITUDE, 0, 0},
	{"longitude", "longitude_e6", C_LONGITUDE, 0, 0},
	{"x_confidential", "confidential", C_BOOL, 0, 0},
};
static const struct col service_at_location_cols[] = {
	{"id", "id", C_ID, REQ, 0},
	{"service_id", "service_id", C_REF, REQ, T_SERVICE},
	{"location_id", "location_id", C_REF, REQ, T_LOCATION},
};
static const struct col phone_cols[] = {
	{"id", "id", C_ID, REQ, 0},
	{"service_id", "service_id", C_REF, REQ, T_SERVICE},
	{"number", "number", C_TEXT, REQ, 0},
	{"description", "description", C_TEXT, 0, 0},
};
static const struct col schedule_cols[] = {
	{"id", "id", C_ID, REQ, 0},
	{"service_id", "service_id", C_REF, REQ, T_SERVICE},
	{"byday", "weekday", C_WEEKDAY, REQ, 0},
	{"opens_at", "opens", C_TIME, REQ, 0},
	{"closes_at", "closes", C_TIME, REQ, 0},
};
static const struct col language_cols[] = {
	{"id", "id", C_ID, REQ, 0},
	{"service_id", "service_id", C_REF, REQ, T_SERVICE},
	{"code", "language", C_LANGUAGE, REQ, 0},
};
static const struct col service_area_cols[] = {
	{"id", "id", C_ID, REQ, 0},
	{"service_id", "service_id", C_REF, REQ, T_SERVICE},
	{"x_area", "area", C_AREA, REQ, 0},
};

#define COLS(c) (c), sizeof(c) / sizeof((c)[0])
static const struct table tables[T_COUNT] = {
	[T_ORGANIZATION] = {"organization", "organizations", COLS(organization_cols), 2,
			    "organizations.csv"},
	[T_SERVICE] = {"service", "services", COLS(service_cols), 2, "services.csv"},
	[T_LOCATION] = {"location", "locations", COLS(location_cols), 1, "locations.csv"},
	[T_SERVICE_AT_LOCATION] = {"service_at_location", "service_at_location",
				   COLS(service_at_location_cols), 0, "service_at_location.csv"},
	[T_PHONE] = {"phone", "service_phones", COLS(phone_cols), 0, "phones.csv"},
	[T_SCHEDULE] = {"schedule", "schedules", COLS(schedule_cols), 0, "schedules.csv"},
	[T_LANGUAGE] = {"language", "service_languages", COLS(language_cols), 0, "languages.csv"},
	[T_SERVICE_AREA] = {"service_area", "service_areas", COLS(service_area_cols), 0,
			    "service_areas.csv"},
};

static const char *const statuses[] = {"active", "inactive", "defunct", "temporarily closed",
				       NULL};
static const char *const routes[] = {"direct", "focal_point_only", NULL};
static const char *const weekdays[] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU", NULL};
static const char *const sexes[] = {"female", "male", "other", NULL};

static int word_index(const char *const *words, const char *s)
{
	for (int i = 0; words[i]; i++)
		if (strcmp(words[i], s) == 0)
			return i;
	return -1;
}

/* ---- values ---- */

struct val {
	int null;
	int64_t i;
	const char *s; /* text to bind: into the document or buf */
	struct sp_id id;
	char buf[LIST_MAX];
};

struct ctx {
	struct sp_access *a;
	const struct sp_vocabulary *vocab;
	/* A look-up that failed for want of the store (not of a bad value): its status and error,
	 * which the import returns rather than blaming the document. */
	int *store_rc;
	struct sp_err *store_err;
};

static int text_ok(const char *s, size_t max, int multiline)
{
	size_t n = strlen(s);
	if (n == 0 || n > max)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && !(multiline && c == '\n')) || c == 0x7f)
			return 0;
	}
	return 1;
}

int sp_service_area_check(const char *area, struct sp_err *err)
{
	size_t n = strnlen(area, SP_SERVICE_AREA_MAX);
	char cc[3] = {0}, canon[SP_CODE_MAX];
	if (n < 2 || n >= SP_SERVICE_AREA_MAX || (n > 2 && area[2] != '-' && area[2] != '/'))
		goto bad_area;
	for (size_t i = 0; i < n; i++) {
		char c = area[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '/') ||
		    ((c == '-' || c == '/') && (i + 1 == n || area[i + 1] == '-' || area[i + 1] == '/')))
			goto bad_area;
	}
	memcpy(cc, area, 2);
	int rc = sp_country_code(cc, canon, err);
	if (rc == SP_EINVAL)
		goto bad_area;
	return rc;
bad_area:
	return sp_err_set(err, SP_EINVAL, "area", "%s", AREA_RULE);
}

/* "HH:MM", 00:00 to 23:59; the minutes of the day, or -1. */
static int minutes_of(const char *s)
{
	if (strlen(s) != 5 || s[2] != ':' || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[3]) ||
	    !isdigit((unsigned char)s[4]))
		return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	return h > 23 || m > 59 ? -1 : h * 60 + m;
}

/* One list member, canonical into out (SP_CODE_MAX bytes or more); a message when bad. */
static const char *list_member(const struct ctx *cx, enum ctype t, const char *s, char *out,
			       size_t n)
{
	struct sp_err e = {0};
	char canon[SP_CODE_MAX];
	switch (t) {
	case C_KINDS:
		if (!cx->vocab->has(cx->vocab->ctx, "services", s))
			return "is not a code of the services vocabulary";
		break;
	case C_NEEDS:
		if (!cx->vocab->has(cx->vocab->ctx, "needs", s))
			return "is not a code of the needs vocabulary";
		break;
	case C_SEXES:
		if (word_index(sexes, s) < 0)
			return "must be female, male or other";
		break;
	case C_COUNTRIES:
		if (sp_country_code(s, canon, &e) || strlen(canon) != 2)
			return "is not an ISO 3166-1 country code";
		s = canon;
		break;
	default: /* C_TOKENS */
		if (!*s || strlen(s) > 48)
			return "must be a word of 1 to 48 letters a-z and '_'";
		for (const char *p = s; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
				return "must be a word of 1 to 48 letters a-z and '_'";
		break;
	}
	if (strlen(s) >= n)
		return "is too long";
	memcpy(out, s, strlen(s) + 1);
	return NULL;
}

/* A list column: a non-empty array of distinct members, stored ",a,b,". */
static int convert_list(const struct ctx *cx, const struct col *c, const json_t *v,
			struct val *out, char *msg, size_t mn)
{
	if (!json_is_array(v) || json_array_size(v) == 0) {
		snprintf(msg, mn, "must be a non-empty array of codes");
		return -1;
	}
	size_t used = 1;
	out->buf[0] = ',';
	out->buf[1] = 0;
	for (size_t i = 0; i < json_array_size(v); i++) {
		const char *s = json_string_value(json_array_get(v, i));
		char m[64], needle[72];
		const char *why = s ? list_member(cx, c->t, s, m, sizeof m) : "must be a string";
		if (!why) {
			snprintf(needle, sizeof needle, ",%s,", m);
			if (strstr(out->buf, needle))
				why = "is listed twice";
		}
		if (!why && used + strlen(m) + 1 >= sizeof out->buf)
			why = "makes the list too long";
		if (why) {
			snprintf(msg, mn, "item %zu %s", i, why);
			return -1;
		}
		memcpy(out->buf + used, m, strlen(m));
		used += strlen(m);
		out->buf[used++] = ',';
		out->buf[used] = 0;
	}
	out->s = out->buf;
	return 0;
}

static int convert_int(const json_t *v, int64_t lo, int64_t hi, struct val *out, char *msg,
		       size_t mn)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
		snprintf(msg, mn, "must be a whole number from %lld to %lld", (long long)lo,
			 (long long)hi);
		return -1;
	}
	out->i = json_integer_value(v);
	return 0;
}

static int convert_degrees(const json_t *v, double lim, struct val *out, char *msg, size_t mn)
{
	double d = json_number_value(v);
	if (!json_is_number(v) || !isfinite(d) || d < -lim || d > lim) {
		snprintf(msg, mn, "must be a number of degrees from %g to %g", -lim, lim);
		return -1;
	}
	out->i = llround(d * 1e6);
	return 0;
}

static int convert_word(const char *const *words, const json_t *v, struct val *out,
			const char *allowed, char *msg, size_t mn)
{
	const char *s = json_string_value(v);
	int k = s ? word_index(words, s) : -1;
	if (k < 0) {
		snprintf(msg, mn, "must be %s", allowed);
		return -1;
	}
	out->s = words[k];
	out->i = k + 1;
	return 0;
}

/* One value of column c from the document (v NULL when absent) into out; -1 with msg. */
static int convert(const struct ctx *cx, const struct col *c, const json_t *v, struct val *out,
		   char *msg, size_t mn)
{
	memset(out, 0, offsetof(struct val, buf));
	if (!v || json_is_null(v)) {
		if (c->flags & REQ) {
			snprintf(msg, mn, "is required");
			return -1;
		}
		out->null = 1;
		if (c->t == C_ROUTE) {
			out->null = 0;
			out->s = routes[0];
		} else if (c->t == C_BOOL) {
			out->null = 0;
			out->i = 0;
		}
		return 0;
	}
	const char *s = json_string_value(v);
	struct sp_err e = {0};
	switch (c->t) {
	case C_ID:
	case C_REF:
		if (!s || sp_id_parse(s, &out->id)) {
			snprintf(msg, mn, "must be a UUID");
			return -1;
		}
		return 0;
	case C_TEXT:
	case C_LONG_TEXT:
		if (!s || !text_ok(s, c->t == C_TEXT ? TEXT_MAX : LONG_TEXT_MAX, c->t == C_LONG_TEXT)) {
			snprintf(msg, mn, "must be text of 1 to %d bytes without control characters",
				 c->t == C_TEXT ? TEXT_MAX : LONG_TEXT_MAX);
			return -1;
		}
		out->s = s;
		return 0;
	case C_STATUS:
		return convert_word(statuses, v, out,
				    "active, inactive, defunct or temporarily closed", msg, mn);
	case C_ROUTE:
		return convert_word(routes, v, out, "direct or focal_point_only", msg, mn);
	case C_WEEKDAY:
		return convert_word(weekdays, v, out, "MO, TU, WE, TH, FR, SA or SU", msg, mn);
	case C_AGE:
		return convert_int(v, 0, AGE_MAX, out, msg, mn);
	case C_CAPACITY:
		return convert_int(v, 0, CAPACITY_MAX, out, msg, mn);
	case C_KINDS:
	case C_NEEDS:
	case C_SEXES:
	case C_COUNTRIES:
	case C_TOKENS:
		return convert_list(cx, c, v, out, msg, mn);
	case C_AREA:
		if (!s || sp_service_area_check(s, &e)) {
			snprintf(msg, mn, "%s", AREA_RULE);
			return -1;
		}
		out->s = s;
		return 0;
	case C_LATITUDE:
		return convert_degrees(v, 90, out, msg, mn);
	case C_LONGITUDE:
		return convert_degrees(v, 180, out, msg, mn);
	case C_BOOL:
		if (!json_is_boolean(v)) {
			snprintf(msg, mn, "must be true or false");
			return -1;
		}
		out->i = json_is_true(v);
		return 0;
	case C_TIME:
		if (!s || minutes_of(s) < 0) {
			snprintf(msg, mn, "must be a time of day \"HH:MM\" from 00:00 to 23:59");
			return -1;
		}
		out->s = s;
		out->i = minutes_of(s);
		return 0;
	case C_LANGUAGE:
		if (!s || sp_language_code(s, out->buf, &e)) {
			snprintf(msg, mn, "must be an ISO 639 language code");
			return -1;
		}
		out->s = out->buf;
		return 0;
	case C_AGENCY: {
		struct sp_agency ag;
		int rc = s ? sp_agency_get_by_code(cx->a, s, &ag, &e) : SP_ENOTFOUND;
		if (rc && rc != SP_ENOTFOUND && !*cx->store_rc) {
			*cx->store_rc = rc;
			*cx->store_err = e;
		}
		if (rc) {
			snprintf(msg, mn, "must be the code of a safepath agency");
			return -1;
		}
		out->id = ag.id;
		return 0;
	}
	}
	snprintf(msg, mn, "unknown column type");
	return -1;
}

/* ---- checking a document ---- */

/* One error of row r of table t, at column col (NULL: the row). */
static void bad(struct sp_diag *diag, int t, size_t r, const char *col, const char *fmt, ...)
	SP_PRINTF(5, 6);
static void bad(struct sp_diag *diag, int t, size_t r, const char *col, const char *fmt, ...)
{
	char at[160], m[224];
	snprintf(at, sizeof at, "/%s/%zu%s%s", tables[t].json, r, col ? "/" : "", col ? col : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m, sizeof m, fmt, ap);
	va_end(ap);
	sp_diag_add(diag, at, "%s", m);
}

struct key {
	struct sp_id id;
	size_t row;
};

static int key_cmp(const void *x, const void *y)
{
	return memcmp(((const struct key *)x)->id.b, ((const struct key *)y)->id.b, SP_ID_LEN);
}

struct checked {
	struct key *keys[T_COUNT];
	size_t n[T_COUNT];
};

static void checked_free(struct checked *ck)
{
	for (int t = 0; t < T_COUNT; t++)
		free(ck->keys[t]);
}

static int has_key(const struct checked *ck, int t, const struct sp_id *id)
{
	struct key k = {.id = *id};
	return ck->keys[t] && bsearch(&k, ck->keys[t], ck->n[t], sizeof k, key_cmp) != NULL;
}

static const json_t *rows_of(const json_t *doc, int t)
{
	return json_object_get(doc, tables[t].json);
}

/* Checks that need more than one value of a row. */
static void row_rules(const struct ctx *cx, int t, const json_t *row, size_t r,
		      struct sp_diag *diag)
{
	struct val a, b;
	char m[160];
	const struct col *cs = tables[t].cols;
	if (t == T_SERVICE) {
		if (!convert(cx, &cs[7], json_object_get(row, "minimum_age"), &a, m, sizeof m) &&
		    !convert(cx, &cs[8], json_object_get(row, "maximum_age"), &b, m, sizeof m) &&
		    !a.null && !b.null && a.i > b.i)
			bad(diag, t, r, "maximum_age", "must not be below minimum_age");
		if (!convert(cx, &cs[15], json_object_get(row, "x_capacity_total"), &a, m, sizeof m) &&
		    !convert(cx, &cs[16], json_object_get(row, "x_capacity_available"), &b, m,
			     sizeof m) &&
		    !b.null && (a.null || b.i > a.i))
			bad(diag, t, r, "x_capacity_available",
			    "needs x_capacity_total, and must not exceed it");
	} else if (t == T_LOCATION) {
		if ((json_object_get(row, "latitude") == NULL) !=
		    (json_object_get(row, "longitude") == NULL))
			bad(diag, t, r, "longitude", "latitude and longitude come together");
	} else if (t == T_SCHEDULE) {
		if (!convert(cx, &cs[3], json_object_get(row, "opens_at"), &a, m, sizeof m) &&
		    !convert(cx, &cs[4], json_object_get(row, "closes_at"), &b, m, sizeof m) &&
		    b.i <= a.i)
			bad(diag, t, r, "closes_at", "must be after opens_at");
	}
}

static void check_row(const struct ctx *cx, int t, json_t *row, size_t r,
		      struct checked *ck, struct sp_diag *diag)
{
	char m[200];
	if (!json_is_object(row)) {
		bad(diag, t, r, NULL, "must be an object");
		return;
	}
	const char *name;
	json_t *v;
	json_object_foreach(row, name, v) {
		size_t c = 0;
		while (c < tables[t].ncols && strcmp(tables[t].cols[c].json, name) != 0)
			c++;
		if (c == tables[t].ncols)
			bad(diag, t, r, name, "is not a column of %s", tables[t].json);
	}
	for (size_t c = 0; c < tables[t].ncols; c++) {
		const struct col *col = &tables[t].cols[c];
		struct val *val = malloc(sizeof *val);
		if (!val) {
			bad(diag, t, r, NULL, "out of memory");
			return;
		}
		if (convert(cx, col, json_object_get(row, col->json), val, m, sizeof m))
			bad(diag, t, r, col->json, "%s", m);
		else if (col->t == C_REF && !has_key(ck, col->ref, &val->id))
			bad(diag, t, r, col->json, "no %s with this id in the document",
			    tables[col->ref].json);
		free(val);
	}
	row_rules(cx, t, row, r, diag);
}

/* The ids of table t, sorted, with duplicates reported. */
static int collect_keys(int t, const json_t *rows, struct checked *ck, struct sp_diag *diag)
{
	size_t n = json_array_size(rows);
	ck->keys[t] = calloc(n ? n : 1, sizeof(struct key));
	if (!ck->keys[t])
		return SP_ENOMEM;
	for (size_t r = 0; r < n; r++) {
		const char *s = json_string_value(json_object_get(json_array_get(rows, r), "id"));
		if (s && !sp_id_parse(s, &ck->keys[t][ck->n[t]].id))
			ck->keys[t][ck->n[t]++].row = r;
	}
	qsort(ck->keys[t], ck->n[t], sizeof(struct key), key_cmp);
	for (size_t i = 1; i < ck->n[t]; i++)
		if (!key_cmp(&ck->keys[t][i - 1], &ck->keys[t][i]))
			bad(diag, t, ck->keys[t][i].row, "id", "the id of row %zu again",
			    ck->keys[t][i - 1].row);
	return SP_OK;
}

static int check_doc(const struct ctx *cx, json_t *doc, struct checked *ck,
		     struct sp_diag *diag)
{
	if (!json_is_object(doc)) {
		sp_diag_add(diag, "", "must be an HSDS document: an object of tables");
		return SP_OK;
	}
	const char *name;
	json_t *v;
	json_object_foreach(doc, name, v) {
		int t = 0;
		while (t < T_COUNT && strcmp(tables[t].json, name) != 0)
			t++;
		if (t == T_COUNT)
			sp_diag_add(diag, "", "%s: is not a table safepath imports (organization, "
				    "service, location, service_at_location, phone, schedule, "
				    "language, service_area)", name);
		else if (!json_is_array(v))
			sp_diag_add(diag, "", "%s: must be an array of rows", name);
	}
	for (int t = 0; t < T_COUNT; t++) {
		const json_t *rows = json_is_array(rows_of(doc, t)) ? rows_of(doc, t) : NULL;
		int rc = collect_keys(t, rows, ck, diag);
		if (rc)
			return rc;
	}
	for (int t = 0; t < T_COUNT; t++) {
		const json_t *rows = rows_of(doc, t);
		for (size_t r = 0; json_is_array(rows) && r < json_array_size(rows); r++)
			check_row(cx, t, json_array_get(rows, r), r, ck, diag);
	}
	return SP_OK;
}

/* ---- writing ---- */

static int bind_val(struct sp_stmt *st, int idx, const struct col *c, const struct val *v)
{
	if (v->null)
		return sp_stmt_bind_null(st, idx);
	switch (c->t) {
	case C_ID:
	case C_REF:
	case C_AGENCY:
		return sp_stmt_bind_id(st, idx, &v->id);
	case C_AGE:
	case C_CAPACITY:
	case C_LATITUDE:
	case C_LONGITUDE:
	case C_BOOL:
	case C_WEEKDAY:
		return sp_stmt_bind_int64(st, idx, v->i);
	default:
		return sp_stmt_bind_text(st, idx, v->s);
	}
}

static int insert_row(const struct ctx *cx, int t, const json_t *row, size_t r, int64_t now,
		      struct sp_diag *diag, struct sp_err *err)
{
	const struct table *tb = &tables[t];
	char sql[1024], m[200];
	size_t len = (size_t)snprintf(sql, sizeof sql, "INSERT INTO %s (", tb->sql);
	for (size_t c = 0; c < tb->ncols; c++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s%s", c ? ", " : "",
					tb->cols[c].sql);
	if (tb->stamps)
		len += (size_t)snprintf(sql + len, sizeof sql - len, ", created_us%s",
					tb->stamps == 2 ? ", updated_us, version" : "");
	len += (size_t)snprintf(sql + len, sizeof sql - len, ") VALUES (");
	size_t nparams = tb->ncols + (tb->stamps == 2 ? 3 : (size_t)tb->stamps);
	for (size_t i = 0; i < nparams; i++)
		len += (size_t)snprintf(sql + len, sizeof sql - len, "%s?", i ? ", " : "");
	snprintf(sql + len, sizeof sql - len, ")");

	struct sp_stmt *st;
	int rc = sp_store_prepare(cx->a->store, sql, &st, err);
	if (rc)
		return rc;
	struct val *v = malloc(sizeof *v);
	if (!v) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	int idx = 1, failed = 0;
	for (size_t c = 0; c < tb->ncols && !failed; c++) {
		if (convert(cx, &tb->cols[c], json_object_get(row, tb->cols[c].json), v, m, sizeof m))
			failed = 1; /* checked before: the store changed between (an agency went) */
		else
			failed = bind_val(st, idx++, &tb->cols[c], v) != 0;
	}
	free(v);
	if (tb->stamps && !failed)
		failed = sp_stmt_bind_int64(st, idx++, now) != 0;
	if (tb->stamps == 2 && !failed)
		failed = sp_stmt_bind_int64(st, idx++, now) || sp_stmt_bind_int64(st, idx, 1);
	if (failed)
		rc = *cx->store_rc ? *cx->store_rc : sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	if (rc == SP_ECONFLICT) {
		bad(diag, t, r, "id", "a row with this id is already in the directory");
		return sp_err_set(err, SP_ECONFLICT, diag->items[diag->n - 1].pointer,
				  "a row with this id is already in the directory");
	}
	return rc < 0 ? rc : SP_OK;
}

static int write_doc(const struct ctx *cx, const struct sp_subject *actor, const json_t *doc,
		     const struct checked *ck, struct sp_diag *diag, struct sp_err *err)
{
	int64_t now = sp_now_us();
	int rc = SP_OK;
	for (int t = 0; t < T_COUNT && !rc; t++) {
		const json_t *rows = rows_of(doc, t);
		for (size_t r = 0; r < json_array_size(rows) && !rc; r++)
			rc = insert_row(cx, t, json_array_get(rows, r), r, now, diag, err);
	}
	/* One record per SP_AUDIT_OBJECTS_MAX services, naming them. */
	size_t n = ck->n[T_SERVICE], done = 0;
	struct sp_id ids[SP_AUDIT_OBJECTS_MAX];
	do {
		size_t k = 0;
		for (; k < SP_AUDIT_OBJECTS_MAX && done + k < n; k++)
			ids[k] = ck->keys[T_SERVICE][done + k].id;
		if (!rc)
			rc = refer_audit(cx->a, actor, "service.import", "service", NULL, ids, k,
				   "organization,service,location,service_at_location,phone,"
				   "schedule,language,service_area", err);
		done += k;
	} while (done < n && !rc);
	return rc;
}

int sp_services_import(struct sp_access *a, const struct sp_subject *actor,
		       const struct sp_vocabulary *vocab, json_t *doc, size_t *count,
		       struct sp_diag *diag, struct sp_err *err)
{
	int rc = refer_may_manage(actor, err);
	if (rc)
		return rc;
	int store_rc = SP_OK;
	struct ctx cx = {a, vocab, &store_rc, err};
	struct checked ck = {0};
	size_t before = diag->n + diag->dropped;
	rc = check_doc(&cx, doc, &ck, diag);
	if (!rc)
		rc = store_rc;
	if (!rc && diag->n + diag->dropped > before) {
		const struct sp_diag_item *first = &diag->items[before < diag->n ? before : 0];
		rc = sp_err_set(err, SP_EINVAL, first->pointer, "%s", first->msg);
	}
	if (!rc)
		rc = sp_store_begin_write(a->store, err);
	if (!rc) {
		rc = write_doc(&cx, actor, doc, &ck, diag, err);
		if (!rc)
			rc = sp_store_commit(a->store, err);
		if (rc)
			sp_store_rollback(a->store);
	}
	if (!rc && count)
		*count = ck.n[T_SERVICE];
	checked_free(&ck);
	return rc;
}

/* ---- reading ---- */

static json_t *list_json(const char *stored)
{
	json_t *arr = json_array();
	const char *p = stored + 1;
	while (arr && *p) {
		const char *e = strchr(p, ',');
		if (!e)
			break;
		json_array_append_new(arr, json_stringn(p, (size_t)(e - p)));
		p = e + 1;
	}
	return arr;
}

static json_t *column_json(struct sp_stmt *st, int i, const struct col *c)
{
	if (sp_stmt_is_null(st, i))
		return NULL;
	struct sp_id id;
	char s[SP_ID_STRLEN + 1];
	int64_t v = sp_stmt_int64(st, i);
	switch (c->t) {
	case C_ID:
	case C_REF:
		if (sp_stmt_id(st, i, &id))
			return NULL;
		sp_id_format(&id, s);
		return json_string(s);
	case C_AGE:
	case C_CAPACITY:
		return json_integer(v);
	case C_LATITUDE:
	case C_LONGITUDE:
		return json_real((double)v / 1e6);
	case C_BOOL:
		return v ? json_true() : NULL;
	case C_WEEKDAY:
		return v >= 1 && v <= 7 ? json_string(weekdays[v - 1]) : NULL;
	case C_KINDS:
	case C_NEEDS:
	case C_SEXES:
	case C_COUNTRIES:
	case C_TOKENS:
		return list_json(sp_stmt_text(st, i));
	default: /* text, and the agency's code selected in its place */
		return json_string(sp_stmt_text(st, i));
	}
}

/* The rows of table t where `where` (with one id bound, or none), as viewer may see them,
 * appended to arr. */
static int dump_table(struct sp_access *a, const struct sp_subject *viewer, int t,
		      const char *where, const struct sp_id *key, json_t *arr, struct sp_err *err)
{
	const struct table *tb = &tables[t];
	char sql[1500];
	size_t len = (size_t)snprintf(sql, sizeof sql, "SELECT ");
	for (size_t c = 0; c < tb->ncols; c++) {
		if (tb->cols[c].t == C_AGENCY)
			len += (size_t)snprintf(sql + len, sizeof sql - len,
						"%s(SELECT code FROM agencies g WHERE g.id = t.%s)",
						c ? ", " : "", tb->cols[c].sql);
		else
			len += (size_t)snprintf(sql + len, sizeof sql - len, "%st.%s",
						c ? ", " : "", tb->cols[c].sql);
	}
	if (t == T_LOCATION)
		len += (size_t)snprintf(sql + len, sizeof sql - len,
					", (SELECT agency_id FROM organizations o WHERE o.id = "
					"t.organization_id)");
	if (t == T_SERVICE)
		len += (size_t)snprintf(sql + len, sizeof sql - len, ", t.version");
	snprintf(sql + len, sizeof sql - len, " FROM %s t %s ORDER BY t.id", tb->sql,
		 where ? where : "");
	struct sp_stmt *st;
	int rc = sp_store_prepare(a->store, sql, &st, err);
	if (rc)
		return rc;
	if (key && sp_stmt_bind_id(st, 1, key)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	while ((rc = sp_stmt_step(st, err)) == 1) {
		json_t *row = json_object();
		for (size_t c = 0; row && c < tb->ncols; c++) {
			json_t *v = column_json(st, (int)c, &tb->cols[c]);
			if (v)
				json_object_set_new(row, tb->cols[c].json, v);
		}
		struct sp_id agency;
		if (row && t == T_LOCATION && json_is_true(json_object_get(row, "x_confidential")) &&
		    (sp_stmt_is_null(st, (int)tb->ncols) ||
		     sp_stmt_id(st, (int)tb->ncols, &agency) ||
		     memcmp(agency.b, viewer->agency.b, SP_ID_LEN) != 0)) {
			json_object_del(row, "x_address");
			json_object_del(row, "latitude");
			json_object_del(row, "longitude");
			json_object_set_new(row, "x_withheld", json_true());
		}
		if (row && key && t == T_SERVICE)
			json_object_set_new(row, "version",
					    json_integer(sp_stmt_int64(st, (int)tb->ncols)));
		if (!row || json_array_append_new(arr, row)) {
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
			break;
		}
	}
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

int sp_services_export(struct sp_access *a, const struct sp_subject *viewer, json_t **out,
		       struct sp_err *err)
{
	json_t *doc = json_object();
	int rc = doc ? SP_OK : sp_err_set(err, SP_ENOMEM, "", "out of memory");
	for (int t = 0; t < T_COUNT && !rc; t++) {
		json_t *arr = json_array();
		if (!arr || json_object_set_new(doc, tables[t].json, arr))
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
		else
			rc = dump_table(a, viewer, t, NULL, NULL, arr, err);
	}
	if (rc) {
		json_decref(doc);
		return rc;
	}
	*out = doc;
	return SP_OK;
}

/* What a service holds inside it in sp_service_get, and how each is found. */
static const struct {
	int table;
	const char *where;
} parts[] = {
	{T_ORGANIZATION, "WHERE t.id = (SELECT organization_id FROM services WHERE id = ?)"},
	{T_LOCATION, "WHERE t.id IN (SELECT location_id FROM service_at_location WHERE "
		     "service_id = ?)"},
	{T_PHONE, "WHERE t.service_id = ?"},
	{T_SCHEDULE, "WHERE t.service_id = ?"},
	{T_LANGUAGE, "WHERE t.service_id = ?"},
	{T_SERVICE_AREA, "WHERE t.service_id = ?"},
};

int sp_service_get(struct sp_access *a, const struct sp_subject *viewer, const struct sp_id *id,
		   json_t **out, struct sp_err *err)
{
	json_t *one = json_array();
	if (!one)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	int rc = dump_table(a, viewer, T_SERVICE, "WHERE t.id = ?", id, one, err);
	if (!rc && json_array_size(one) == 0)
		rc = sp_err_set(err, SP_ENOTFOUND, "service", "no such service");
	json_t *svc = json_array_get(one, 0);
	for (size_t i = 0; !rc && i < sizeof parts / sizeof parts[0]; i++) {
		json_t *arr = json_array();
		if (!arr || json_object_set_new(svc, tables[parts[i].table].json, arr))
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
		else
			rc = dump_table(a, viewer, parts[i].table, parts[i].where, id, arr, err);
	}
	if (!rc) {
		*out = json_incref(svc);
		if (!*out)
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	json_decref(one);
	return rc;
}

/* ---- changing ---- */

int sp_service_update(struct sp_access *a, const struct sp_subject *actor,
		      const struct sp_id *id, int64_t version, const struct sp_service_change *ch,
		      int64_t *new_version, struct sp_err *err)
{
	int rc = refer_may_manage(actor, err);
	if (rc)
		return rc;
	if (ch->capacity_total > CAPACITY_MAX)
		return sp_err_set(err, SP_EINVAL, "capacity_total",
				  "must be a whole number from 0 to %d", CAPACITY_MAX);
	if (ch->capacity_available > CAPACITY_MAX)
		return sp_err_set(err, SP_EINVAL, "capacity_available",
				  "must be a whole number from 0 to %d", CAPACITY_MAX);
	if (ch->status && word_index(statuses, ch->status) < 0)
		return sp_err_set(err, SP_EINVAL, "status",
				  "must be active, inactive, defunct or temporarily closed");
	rc = sp_store_begin_write(a->store, err);
	if (rc)
		return rc;
	struct sp_stmt *st;
	int64_t cur = 0, total = -1, avail = -1;
	const char *status = NULL;
	char status_buf[32] = "";
	rc = sp_store_prepare(a->store,
			      "SELECT version, capacity_total, capacity_available, status FROM "
			      "services WHERE id = ?",
			      &st, err);
	if (!rc) {
		rc = sp_stmt_bind_id(st, 1, id) ? sp_err_set(err, SP_EINTERNAL, "", "bind failed")
						: sp_stmt_step(st, err);
		if (rc == 1) {
			cur = sp_stmt_int64(st, 0);
			total = sp_stmt_is_null(st, 1) ? -1 : sp_stmt_int64(st, 1);
			avail = sp_stmt_is_null(st, 2) ? -1 : sp_stmt_int64(st, 2);
			snprintf(status_buf, sizeof status_buf, "%s",
				 sp_stmt_text(st, 3) ? sp_stmt_text(st, 3) : "");
			rc = SP_OK;
		} else if (rc == 0) {
			rc = sp_err_set(err, SP_ENOTFOUND, "service", "no such service");
		}
		sp_stmt_done(st);
	}
	if (!rc && version && version != cur)
		rc = sp_err_set(err, SP_ECONFLICT, "/version",
				"the service changed since it was read (version %lld now)",
				(long long)cur);
	if (!rc) {
		if (ch->capacity_total >= 0)
			total = ch->capacity_total;
		if (ch->capacity_available >= 0)
			avail = ch->capacity_available;
		status = ch->status ? ch->status : status_buf;
		if (avail >= 0 && (total < 0 || avail > total))
			rc = sp_err_set(err, SP_EINVAL, "capacity_available",
					"must not exceed capacity_total (%lld)", (long long)total);
	}
	int64_t now = sp_now_us();
	if (!rc)
		rc = sp_store_prepare(a->store,
				      "UPDATE services SET capacity_total = ?, capacity_available = ?, "
				      "capacity_updated_us = ?, status = ?, updated_us = ?, "
				      "version = version + 1 WHERE id = ? AND version = ?",
				      &st, err);
	if (!rc) {
		int failed = (total < 0 ? sp_stmt_bind_null(st, 1) : sp_stmt_bind_int64(st, 1, total)) |
			  (avail < 0 ? sp_stmt_bind_null(st, 2) : sp_stmt_bind_int64(st, 2, avail)) |
			  sp_stmt_bind_int64(st, 3, now) | sp_stmt_bind_text(st, 4, status) |
			  sp_stmt_bind_int64(st, 5, now) | sp_stmt_bind_id(st, 6, id) |
			  sp_stmt_bind_int64(st, 7, cur);
		rc = failed ? sp_err_set(err, SP_EINTERNAL, "", "bind failed") : sp_stmt_step(st, err);
		if (rc >= 0)
			rc = sp_stmt_changes(st) == 1
				     ? SP_OK
				     : sp_err_set(err, SP_ECONFLICT, "/version",
						  "the service changed since it was read");
		sp_stmt_done(st);
	}
	if (!rc)
		rc = refer_audit(a, actor, "service.update", "service", id, NULL, 0,
			   "capacity_total,capacity_available,status", err);
	if (!rc)
		rc = sp_store_commit(a->store, err);
	if (rc) {
		sp_store_rollback(a->store);
		return rc;
	}
	if (new_version)
		*new_version = cur + 1;
	return SP_OK;
}

/* ---- searching ---- */

/* The parent of an area code in place: "GB-ENG/LND" -> "GB-ENG" -> "GB"; 0 at the top. */
static int area_parent(char *area)
{
	char *cut = strrchr(area, '/');
	if (!cut)
		cut = strrchr(area, '-');
	if (!cut)
		return 0;
	*cut = 0;
	return 1;
}

/* How near the service's areas are to the query's: 0 the same, d a parent d levels up,
 * INT_MAX none; the matching area into best. */
static int area_rank(struct sp_access *a, const struct sp_id *svc, const char *area,
		     char *best, size_t bn, int *rank, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(
		a->store,
		"SELECT l.area FROM locations l JOIN service_at_location sl ON sl.location_id = "
		"l.id WHERE sl.service_id = ? UNION SELECT area FROM service_areas WHERE "
		"service_id = ?",
		&st, err);
	if (rc)
		return rc;
	*rank = -1;
	best[0] = 0;
	if (sp_stmt_bind_id(st, 1, svc) || sp_stmt_bind_id(st, 2, svc)) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	while ((rc = sp_stmt_step(st, err)) == 1) {
		const char *s = sp_stmt_text(st, 0);
		char walk[SP_SERVICE_AREA_MAX];
		snprintf(walk, sizeof walk, "%s", area);
		int d = 0;
		while (s && strcmp(walk, s) != 0 && area_parent(walk))
			d++;
		if (s && strcmp(walk, s) == 0 && (*rank < 0 || d < *rank)) {
			*rank = d;
			snprintf(best, bn, "%s", s);
		}
	}
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

static int check_query(const struct sp_vocabulary *vocab, const struct sp_service_query *q,
		       struct sp_err *err)
{
	char canon[SP_CODE_MAX];
	struct sp_err e = {0};
	if (q->need && !vocab->has(vocab->ctx, "needs", q->need))
		return sp_err_set(err, SP_EINVAL, "need", "is not a code of the needs vocabulary");
	if (q->kind && !vocab->has(vocab->ctx, "services", q->kind))
		return sp_err_set(err, SP_EINVAL, "kind",
				  "is not a code of the services vocabulary");
	if (q->area && sp_service_area_check(q->area, err))
		return SP_EINVAL;
	if (q->language && sp_language_code(q->language, canon, &e))
		return sp_err_set(err, SP_EINVAL, "language", "must be an ISO 639 language code");
	if (q->age < -1 || q->age > AGE_MAX)
		return sp_err_set(err, SP_EINVAL, "age", "must be a whole number from 0 to %d",
				  AGE_MAX);
	if (q->sex && strcmp(q->sex, "unknown") != 0 && word_index(sexes, q->sex) < 0)
		return sp_err_set(err, SP_EINVAL, "sex", "must be female, male, other or unknown");
	return SP_OK;
}

struct hit {
	json_t *j;
	int rank;
	const char *name;
};

static int hit_cmp(const void *x, const void *y)
{
	const struct hit *a = x, *b = y;
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return strcmp(a->name, b->name);
}

static void why_add(json_t *why, const char *fmt, ...) SP_PRINTF(2, 3);
static void why_add(json_t *why, const char *fmt, ...)
{
	char s[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	json_array_append_new(why, json_string(s));
}

/* The eligibility reasons of one candidate row (columns as selected in sp_service_search). */
static void why_eligible(struct sp_stmt *st, const struct sp_service_query *q,
			 const char *lang, json_t *why)
{
	if (q->kind)
		why_add(why, "a service of the kind %s", q->kind);
	if (q->need)
		why_add(why, "meets the need %s", q->need);
	if (lang)
		why_add(why, "works in %s", lang);
	if (q->age >= 0) {
		if (sp_stmt_is_null(st, 4) && sp_stmt_is_null(st, 5))
			why_add(why, "takes people of every age (%d)", q->age);
		else if (sp_stmt_is_null(st, 5))
			why_add(why, "age %d: from %lld", q->age, (long long)sp_stmt_int64(st, 4));
		else if (sp_stmt_is_null(st, 4))
			why_add(why, "age %d: up to %lld", q->age, (long long)sp_stmt_int64(st, 5));
		else
			why_add(why, "age %d: from %lld to %lld", q->age,
				(long long)sp_stmt_int64(st, 4), (long long)sp_stmt_int64(st, 5));
	}
	if (q->sex && strcmp(q->sex, "unknown") != 0)
		why_add(why, sp_stmt_is_null(st, 6) ? "takes people of every sex"
						    : "takes people of the sex %s",
			q->sex);
	if (!sp_stmt_is_null(st, 3))
		why_add(why, "%lld places free", (long long)sp_stmt_int64(st, 3));
}

int sp_service_search(struct sp_access *a, const struct sp_vocabulary *vocab,
		      const struct sp_service_query *q, json_t **out, struct sp_err *err)
{
	int rc = check_query(vocab, q, err);
	if (rc)
		return rc;
	char lang[SP_CODE_MAX] = "", kind[80], need[80], sex[24];
	struct sp_err e = {0};
	if (q->language && sp_language_code(q->language, lang, &e))
		return sp_err_set(err, SP_EINVAL, "language", "must be an ISO 639 language code");
	int has_sex = q->sex && strcmp(q->sex, "unknown") != 0;
	char sql[1200];
	size_t len = (size_t)snprintf(
		sql, sizeof sql,
		"SELECT s.id, s.name, o.name, s.capacity_available, s.age_min, s.age_max, s.sexes, "
		"s.referral_route FROM services s JOIN organizations o ON o.id = s.organization_id "
		"WHERE s.status = 'active'");
	if (q->kind)
		len += (size_t)snprintf(sql + len, sizeof sql - len, " AND s.kinds LIKE ?");
	if (q->need)
		len += (size_t)snprintf(sql + len, sizeof sql - len, " AND s.needs LIKE ?");
	if (q->age >= 0)
		len += (size_t)snprintf(sql + len, sizeof sql - len,
					" AND (s.age_min IS NULL OR s.age_min <= ?) AND "
					"(s.age_max IS NULL OR s.age_max >= ?)");
	if (has_sex)
		len += (size_t)snprintf(sql + len, sizeof sql - len,
					" AND (s.sexes IS NULL OR s.sexes LIKE ?)");
	if (q->with_capacity)
		len += (size_t)snprintf(sql + len, sizeof sql - len,
					" AND s.capacity_available > 0");
	if (q->language)
		snprintf(sql + len, sizeof sql - len,
			 " AND EXISTS (SELECT 1 FROM service_languages l WHERE l.service_id = s.id AND "
			 "l.language = ?)");
	struct sp_stmt *st;
	rc = sp_store_prepare(a->store, sql, &st, err);
	if (rc)
		return rc;
	int idx = 1, failed = 0;
	snprintf(kind, sizeof kind, "%%,%s,%%", q->kind ? q->kind : "");
	snprintf(need, sizeof need, "%%,%s,%%", q->need ? q->need : "");
	snprintf(sex, sizeof sex, "%%,%s,%%", has_sex ? q->sex : "");
	if (q->kind)
		failed |= sp_stmt_bind_text(st, idx++, kind);
	if (q->need)
		failed |= sp_stmt_bind_text(st, idx++, need);
	if (q->age >= 0) {
		failed |= sp_stmt_bind_int64(st, idx++, q->age);
		failed |= sp_stmt_bind_int64(st, idx++, q->age);
	}
	if (has_sex)
		failed |= sp_stmt_bind_text(st, idx++, sex);
	if (q->language)
		failed |= sp_stmt_bind_text(st, idx, lang);
	if (failed) {
		sp_stmt_done(st);
		return sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	}
	struct hit *hits = NULL;
	size_t n = 0, cap = 0;
	while ((rc = sp_stmt_step(st, err)) == 1) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct hit *h = realloc(hits, nc * sizeof *h);
			if (!h) {
				rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
				break;
			}
			hits = h;
			cap = nc;
		}
		struct sp_id id;
		char ids[SP_ID_STRLEN + 1];
		if (sp_stmt_id(st, 0, &id)) {
			rc = sp_err_set(err, SP_EINTERNAL, "", "malformed services row");
			break;
		}
		sp_id_format(&id, ids);
		json_t *why = json_array();
		json_t *h = json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", ids, "name",
				      sp_stmt_text(st, 1), "organization", sp_stmt_text(st, 2),
				      "referral_route", sp_stmt_text(st, 7), "why", why);
		if (!h) {
			rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
			break;
		}
		if (!sp_stmt_is_null(st, 3))
			json_object_set_new(h, "capacity_available",
					    json_integer(sp_stmt_int64(st, 3)));
		why_eligible(st, q, q->language ? lang : NULL, why);
		hits[n++] = (struct hit){h, 0, json_string_value(json_object_get(h, "name"))};
	}
	sp_stmt_done(st);
	for (size_t i = 0; rc >= 0 && i < n; i++) {
		json_t *h = hits[i].j, *why = json_object_get(h, "why");
		struct sp_id id;
		if (!q->area) {
			json_object_set_new(h, "area", json_null());
			json_object_set_new(h, "area_match", json_string("any"));
			continue;
		}
		char best[SP_SERVICE_AREA_MAX];
		int r = -1;
		if (sp_id_parse(json_string_value(json_object_get(h, "id")), &id))
			rc = sp_err_set(err, SP_EINTERNAL, "", "failed id");
		else
			rc = area_rank(a, &id, q->area, best, sizeof best, &r, err);
		if (rc < 0)
			break;
		hits[i].rank = r < 0 ? 1000 : r;
		json_object_set_new(h, "area", r < 0 ? json_null() : json_string(best));
		json_object_set_new(h, "area_match",
				    json_string(r < 0 ? "other" : r == 0 ? "same" : "parent"));
		if (r == 0)
			why_add(why, "in the area %s", best);
		else if (r > 0)
			why_add(why, "serves %s, which contains %s", best, q->area);
		else
			why_add(why, "outside %s and the areas that contain it", q->area);
	}
	json_t *arr = rc >= 0 ? json_array() : NULL;
	if (rc >= 0 && !arr)
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	if (arr && hits)
		qsort(hits, n, sizeof *hits, hit_cmp);
	for (size_t i = 0; i < n; i++) {
		if (arr)
			json_array_append(arr, hits[i].j);
		json_decref(hits[i].j);
	}
	free(hits);
	if (rc < 0) {
		json_decref(arr);
		return rc;
	}
	*out = arr;
	return SP_OK;
}

/* ---- the tabular package: one CSV file per table (RFC 4180), HSDS column names ---- */

#define CSV_FILE_MAX ((size_t)16 << 20)
#define CSV_LIST_SEP ';' /* between the members of a list column */

static int is_list(enum ctype t)
{
	return t == C_KINDS || t == C_NEEDS || t == C_SEXES || t == C_COUNTRIES || t == C_TOKENS;
}

/* One cell as the document has it: by the column's type, or the text as it is when it is not
 * of that type (the import then says what is wrong with it). NULL for an empty cell. */
static json_t *cell_json(const struct col *c, const char *s)
{
	if (!*s)
		return NULL;
	char *end = NULL;
	if (c->t == C_AGE || c->t == C_CAPACITY) {
		long long v = strtoll(s, &end, 10);
		return *end ? json_string(s) : json_integer(v);
	}
	if (c->t == C_LATITUDE || c->t == C_LONGITUDE) {
		double v = strtod(s, &end);
		return *end ? json_string(s) : json_real(v);
	}
	if (c->t == C_BOOL && (strcmp(s, "true") == 0 || strcmp(s, "false") == 0))
		return json_boolean(strcmp(s, "true") == 0);
	if (!is_list(c->t))
		return json_string(s);
	json_t *arr = json_array();
	for (const char *p = s; arr;) {
		const char *e = strchr(p, CSV_LIST_SEP);
		size_t n = e ? (size_t)(e - p) : strlen(p);
		json_array_append_new(arr, json_stringn(p, n));
		if (!e)
			break;
		p = e + 1;
	}
	return arr;
}

/* Parse one CSV text into rows of fields (NUL-terminated in place in text). A field is bare
 * or quoted ("" inside a quoted one is a quote); lines end with \n or \r\n. -1 with the line
 * when malformed. */
struct csv_row {
	char **f;
	size_t n;
};

static void csv_free(struct csv_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(rows[i].f);
	free(rows);
}

static int csv_push(struct csv_row *row, char *field)
{
	char **f = realloc(row->f, (row->n + 1) * sizeof *f);
	if (!f)
		return -1;
	row->f = f;
	row->f[row->n++] = field;
	return 0;
}

static int csv_parse(char *text, size_t len, struct csv_row **out, size_t *nrows,
		     size_t *bad_line)
{
	struct csv_row *rows = NULL;
	size_t n = 0, line = 1;
	char *p = text, *end = text + len;
	int failed = 0;
	while (p < end && !failed) {
		struct csv_row row = {NULL, 0};
		for (;;) {
			char *w = p, *start = p;
			if (p < end && *p == '"') {
				size_t opened = line; /* an unclosed quote is named where it opened */
				p++;
				for (;;) {
					if (p >= end) {
						line = opened;
						failed = 1;
						break;
					}
					if (*p == '"' && p + 1 < end && p[1] == '"') {
						*w++ = '"';
						p += 2;
					} else if (*p == '"') {
						p++;
						break;
					} else {
						if (*p == '\n')
							line++;
						*w++ = *p++;
					}
				}
				if (!failed && p < end && *p != ',' && *p != '\n' && *p != '\r')
					failed = 1;
			} else {
				while (p < end && *p != ',' && *p != '\n' && *p != '\r') {
					if (*p == '"')
						failed = 1;
					w++;
					p++;
				}
			}
			if (failed)
				break;
			int sep = p < end ? *p : '\n';
			*w = 0;
			if (csv_push(&row, start)) {
				failed = 1;
				break;
			}
			p++;
			if (sep == '\r') {
				if (p < end && *p == '\n')
					p++;
				else if (p < end) {
					failed = 1;
					break;
				}
			}
			if (sep != ',')
				break;
		}
		if (failed) {
			free(row.f);
			break;
		}
		struct csv_row *r = realloc(rows, (n + 1) * sizeof *r);
		if (!r) {
			free(row.f);
			failed = 1;
			break;
		}
		rows = r;
		rows[n++] = row;
		line++;
	}
	if (failed) {
		csv_free(rows, n);
		*bad_line = line;
		return -1;
	}
	*out = rows;
	*nrows = n;
	return 0;
}

static int read_all(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return SP_ENOTFOUND;
	char *buf = malloc(CSV_FILE_MAX + 1);
	size_t n = buf ? fread(buf, 1, CSV_FILE_MAX + 1, f) : 0;
	int rc = !buf ? SP_ENOMEM : ferror(f) ? SP_EIO : n > CSV_FILE_MAX ? SP_ETOOBIG : SP_OK;
	fclose(f);
	if (rc) {
		free(buf);
		return rc;
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	return SP_OK;
}

/* One table's CSV text into its array of rows in doc. */
static void csv_table(int t, char *text, size_t len, json_t *doc, struct sp_diag *diag)
{
	const struct table *tb = &tables[t];
	struct csv_row *rows = NULL;
	size_t n = 0, line = 0;
	if (memchr(text, 0, len)) {
		sp_diag_add(diag, tb->csv, "holds a NUL byte");
		return;
	}
	if (csv_parse(text, len, &rows, &n, &line)) {
		sp_diag_add(diag, tb->csv, "line %zu: not CSV (a quote out of place, or one not closed)",
			    line);
		return;
	}
	int col_of[64];
	size_t ncols = n ? rows[0].n : 0;
	if (ncols > sizeof col_of / sizeof col_of[0]) {
		sp_diag_add(diag, tb->csv, "the header has %zu columns, more than any table", ncols);
		csv_free(rows, n);
		return;
	}
	for (size_t i = 0; i < ncols; i++) {
		col_of[i] = -1;
		for (size_t c = 0; c < tb->ncols; c++)
			if (strcmp(rows[0].f[i], tb->cols[c].json) == 0)
				col_of[i] = (int)c;
		if (col_of[i] < 0)
			sp_diag_add(diag, tb->csv, "column %s is not a column of %s", rows[0].f[i],
				    tb->json);
	}
	json_t *arr = json_array();
	for (size_t r = 1; arr && r < n; r++) {
		if (rows[r].n == 1 && !rows[r].f[0][0] && r + 1 == n)
			break; /* a last empty line */
		if (rows[r].n != ncols) {
			sp_diag_add(diag, tb->csv, "row %zu: %zu fields, the header has %zu", r,
				    rows[r].n, ncols);
			continue;
		}
		json_t *row = json_object();
		for (size_t i = 0; row && i < ncols; i++) {
			json_t *v = col_of[i] >= 0 ? cell_json(&tb->cols[col_of[i]], rows[r].f[i]) : NULL;
			if (v)
				json_object_set_new(row, rows[0].f[i], v);
		}
		json_array_append_new(arr, row);
	}
	json_object_set_new(doc, tb->json, arr);
	csv_free(rows, n);
}

int sp_services_csv_read(const char *dir, json_t **out, struct sp_diag *diag, struct sp_err *err)
{
	json_t *doc = json_object();
	if (!doc)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	size_t before = diag->n + diag->dropped;
	int rc = SP_OK, found = 0;
	for (int t = 0; t < T_COUNT && !rc; t++) {
		char path[4200], *text = NULL;
		size_t len = 0;
		snprintf(path, sizeof path, "%s/%s", dir, tables[t].csv);
		int r = read_all(path, &text, &len);
		if (r == SP_ENOTFOUND)
			continue; /* a table the package leaves out */
		if (r == SP_ETOOBIG || r == SP_EIO)
			sp_diag_add(diag, tables[t].csv, r == SP_ETOOBIG ? "larger than 16 MiB"
									 : "cannot be read");
		else if (r)
			rc = sp_err_set(err, r, "", "out of memory");
		else
			csv_table(t, text, len, doc, diag);
		found = 1;
		free(text);
	}
	if (!rc && !found)
		sp_diag_add(diag, "", "%s holds none of the package's files (organizations.csv, "
			    "services.csv, ...)", dir);
	if (!rc && diag->n + diag->dropped > before)
		rc = sp_err_set(err, SP_EINVAL, diag->items[before < diag->n ? before : 0].pointer,
				"%s", diag->items[before < diag->n ? before : 0].msg);
	if (rc) {
		json_decref(doc);
		return rc;
	}
	*out = doc;
	return SP_OK;
}

/* One cell of a document value, quoted when it must be. */
static void csv_cell(FILE *f, const json_t *v)
{
	char buf[LIST_MAX];
	const char *s = buf;
	buf[0] = 0;
	if (json_is_string(v)) {
		s = json_string_value(v);
	} else if (json_is_integer(v)) {
		snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		snprintf(buf, sizeof buf, "%.6f", json_real_value(v));
	} else if (json_is_boolean(v)) {
		s = json_is_true(v) ? "true" : "false";
	} else if (json_is_array(v)) {
		size_t used = 0;
		for (size_t i = 0; i < json_array_size(v) && used < sizeof buf; i++) {
			const char *m = json_string_value(json_array_get(v, i));
			used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", i ? ";" : "",
						 m ? m : "");
		}
	}
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

int sp_services_csv_write(const json_t *doc, const char *dir, struct sp_err *err)
{
	for (int t = 0; t < T_COUNT; t++) {
		const struct table *tb = &tables[t];
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", dir, tb->csv);
		FILE *f = fopen(path, "w");
		if (!f)
			return sp_err_set(err, SP_EIO, "", "%s cannot be written", path);
		for (size_t c = 0; c < tb->ncols; c++)
			fprintf(f, "%s%s", c ? "," : "", tb->cols[c].json);
		fputs("\r\n", f);
		const json_t *rows = json_object_get(doc, tb->json);
		for (size_t r = 0; r < json_array_size(rows); r++) {
			for (size_t c = 0; c < tb->ncols; c++) {
				if (c)
					fputc(',', f);
				csv_cell(f, json_object_get(json_array_get(rows, r),
							    tb->cols[c].json));
			}
			fputs("\r\n", f);
		}
		if (fclose(f))
			return sp_err_set(err, SP_EIO, "", "%s cannot be written", path);
	}
	return SP_OK;
}

int sp_services_csv_where(const char *pointer, char *out, size_t n)
{
	char table[40] = "";
	unsigned long row = 0;
	int used = 0;
	if (sscanf(pointer, "/%39[a-z_]/%lu%n", table, &row, &used) != 2)
		return -1;
	for (int t = 0; t < T_COUNT; t++)
		if (strcmp(tables[t].json, table) == 0) {
			const char *col = pointer + used;
			snprintf(out, n, "%s row %lu%s%s", tables[t].csv, row + 1,
				 *col ? ", column " : "", *col ? col + 1 : "");
			return 0;
		}
	return -1;
}

int sp_service_query_from_case(struct sp_casework *cw, const struct sp_id *case_id,
			       struct sp_service_query *q, char lang[SP_CODE_MAX],
			       struct sp_err *err)
{
	struct sp_case c;
	struct sp_person p;
	bool has = false;
	int rc = sp_case_read(cw, case_id, &c, &p, &has, err);
	if (rc || !has)
		return rc;
	if (!q->sex && p.sex != SP_SEX_UNKNOWN)
		q->sex = sp_sex_name(p.sex);
	if (!q->language && p.n_languages) {
		snprintf(lang, SP_CODE_MAX, "%s", p.languages[0]);
		q->language = lang;
	}
	struct sp_date today;
	struct sp_err e = {0};
	int lo, hi;
	if (q->age < 0 && p.has_birth && !sp_date_today(&today, &e) &&
	    !sp_date_age_at(&p.birth, &today, &lo, &hi, &e))
		q->age = lo; /* the youngest it may be: a possible child is searched as one */
	return SP_OK;
}
