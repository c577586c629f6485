/* The service directory on a real store (SQLite, or PostgreSQL with SAFEPATH_TEST_PG): import
 * of tests/data/services/directory.json (written by hand) and its export, the policy's
 * service.manage, errors named by JSON pointer with nothing imported, a confidential
 * location's address for its own agency only, capacity updates with versions, the search's
 * eligibility, area ranking and reasons, the audit records, and a fault walk. Every expected
 * value below was worked out by hand from that file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "safepath/protocol.h"
#include "safepath/service.h"

#include "helpers.h"
#include "world.h"

#define DIRECTORY "tests/data/services/directory.json"
#define SAFE_HOUSE "01900000-0000-7000-8000-000000000101"
#define KREUZBERG "01900000-0000-7000-8000-000000000105"

static const char *const tables[] = {"organizations", "services", "locations",
				     "service_at_location", "service_phones", "service_languages",
				     "schedules", "service_areas", "audit_log"};
#define N_TABLES (sizeof tables / sizeof tables[0])

static struct sp_vocab *codes;
static struct sp_vocabulary vocabulary;
static const struct sp_vocabulary *vocab = &vocabulary;
static struct sp_id ngo, shl;
static struct sp_subject supervisor, focal, caseworker, provider, admin;

static json_t *load(const char *path)
{
	json_error_t je;
	json_t *doc = json_load_file(path, 0, &je);
	if (!doc)
		fail_msg("%s:%d: %s", path, je.line, je.text);
	return doc;
}

static int import_file(const struct sp_subject *who, json_t *doc, size_t *count,
		       struct sp_diag *diag, struct sp_err *err)
{
	return sp_services_import(&access_ctx, who, vocab, doc, count, diag, err);
}

static int setup(void **state)
{
	(void)state;
	if (world_open("service") || world_codes(&codes, &vocabulary))
		return -1;
	sp_access_set_audit_keys(&access_ctx, akeys);
	add_agency(&ngo, "NGO", "ngo");
	add_agency(&shl, "SHL", "shelter");
	add_user(&supervisor, "sup", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&focal, "focal", &ngo, SP_AGENCY_NGO, SP_ROLE_FOCAL_POINT);
	add_user(&caseworker, "cw", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&provider, "prov", &shl, SP_AGENCY_SHELTER, SP_ROLE_PROVIDER);
	add_user(&admin, "adm", &ngo, SP_AGENCY_NGO, SP_ROLE_ADMIN);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_vocab_free(codes);
	return world_close();
}

/* A copy of the directory with one value replaced: doc[table][row][col] = v (NULL removes). */
static json_t *with(const char *table, size_t row, const char *col, json_t *v)
{
	json_t *doc = load(DIRECTORY);
	json_t *r = json_array_get(json_object_get(doc, table), row);
	assert_non_null(r);
	if (v)
		json_object_set_new(r, col, v);
	else
		json_object_del(r, col);
	return doc;
}

/* Runs first: bad documents import nothing and name each error; then the real import. */
static void bad_documents_name_the_row_and_column(void **state)
{
	(void)state;
	static const struct {
		const char *table;
		size_t row;
		const char *col;
		const char *value; /* JSON, NULL: removed */
		const char *pointer, *message;
	} cases[] = {
		{"service", 2, "minimum_age", "-1", "/service/2/minimum_age",
		 "must be a whole number from 0 to 120"},
		{"service", 2, "maximum_age", "13", "/service/2/maximum_age",
		 "must not be below minimum_age"},
		{"service", 0, "x_kinds", "[\"shelter\", \"spaceship\"]", "/service/0/x_kinds",
		 "item 1 is not a code of the services vocabulary"},
		{"service", 0, "x_kinds", "[\"shelter\", \"shelter\"]", "/service/0/x_kinds",
		 "item 1 is listed twice"},
		{"service", 1, "x_nationalities", "[\"XX\"]", "/service/1/x_nationalities",
		 "item 0 is not an ISO 3166-1 country code"},
		{"service", 0, "x_capacity_available", "11", "/service/0/x_capacity_available",
		 "needs x_capacity_total, and must not exceed it"},
		{"service", 0, "x_referral_route", "\"email\"", "/service/0/x_referral_route",
		 "must be direct or focal_point_only"},
		{"service", 3, "status", NULL, "/service/3/status", "is required"},
		{"service", 4, "organization_id", "\"01900000-0000-7000-8000-000000000009\"",
		 "/service/4/organization_id", "no organization with this id in the document"},
		{"service", 4, "fees", "\"none\"", "/service/4/fees", "is not a column of service"},
		{"location", 0, "x_area", "\"de-be\"", "/location/0/x_area",
		 "must be a country code (\"DE\") or an area code within one (\"DE-BE\", "
		 "\"GB-ENG/LND\"): A-Z, 0-9, '-' and '/'"},
		{"location", 2, "latitude", "52.4", "/location/2/longitude",
		 "latitude and longitude come together"},
		{"location", 0, "latitude", "91", "/location/0/latitude",
		 "must be a number of degrees from -90 to 90"},
		{"schedule", 1, "closes_at", "\"08:00\"", "/schedule/1/closes_at",
		 "must be after opens_at"},
		{"schedule", 0, "opens_at", "\"9:00\"", "/schedule/0/opens_at",
		 "must be a time of day \"HH:MM\" from 00:00 to 23:59"},
		{"schedule", 0, "byday", "\"MONDAY\"", "/schedule/0/byday",
		 "must be MO, TU, WE, TH, FR, SA or SU"},
		{"language", 3, "code", "\"german\"", "/language/3/code",
		 "must be an ISO 639 language code"},
		{"organization", 0, "x_safepath_agency", "\"NOPE\"",
		 "/organization/0/x_safepath_agency", "must be the code of a safepath agency"},
		{"phone", 1, "id", "\"01900000-0000-7000-8000-000000000401\"", "/phone/1/id",
		 "the id of row 0 again"},
		{"phone", 0, "number", "\"\"", "/phone/0/number",
		 "must be text of 1 to 256 bytes without control characters"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		json_t *v = cases[i].value ? json_loads(cases[i].value, JSON_DECODE_ANY, NULL) : NULL;
		json_t *doc = with(cases[i].table, cases[i].row, cases[i].col, v);
		struct sp_diag diag;
		struct sp_err err = {0};
		sp_diag_init(&diag);
		assert_int_equal(import_file(&supervisor, doc, NULL, &diag, &err), SP_EINVAL);
		if (diag.n != 1)
			fail_msg("case %zu: %zu errors, first %s: %s", i, diag.n,
				 diag.n ? diag.items[0].pointer : "", diag.n ? diag.items[0].msg : "");
		assert_string_equal(diag.items[0].pointer, cases[i].pointer);
		assert_string_equal(diag.items[0].msg, cases[i].message);
		assert_string_equal(err.field, cases[i].pointer);
		sp_diag_free(&diag);
		json_decref(doc);
	}
	/* Every error at once, each named. */
	json_t *doc = with("service", 0, "minimum_age", json_string("twelve"));
	json_object_set_new(json_array_get(json_object_get(doc, "location"), 1), "x_area",
			    json_string("ZZZ"));
	struct sp_diag diag;
	struct sp_err err = {0};
	sp_diag_init(&diag);
	assert_int_equal(import_file(&supervisor, doc, NULL, &diag, &err), SP_EINVAL);
	assert_int_equal(diag.n, 2);
	assert_string_equal(diag.items[0].pointer, "/service/0/minimum_age");
	assert_string_equal(diag.items[1].pointer, "/location/1/x_area");
	sp_diag_free(&diag);
	json_decref(doc);
	for (size_t t = 0; t < N_TABLES; t++)
		assert_int_equal(world_count(tables[t]), 0);
}

static void only_managers_import(void **state)
{
	(void)state;
	const struct sp_subject *refused[] = {&caseworker, &provider, &admin};
	for (size_t i = 0; i < 3; i++) {
		json_t *doc = load(DIRECTORY);
		struct sp_diag diag;
		struct sp_err err = {0};
		sp_diag_init(&diag);
		assert_int_equal(import_file(refused[i], doc, NULL, &diag, &err), SP_EDENIED);
		assert_string_equal(err.reason, "no_role");
		sp_diag_free(&diag);
		json_decref(doc);
	}
	assert_int_equal(world_count("services"), 0);
}

/* The import and its fault walk: every failing store call leaves every table as it was. */
static int walk_op(void *ctx, int which, struct sp_err *err)
{
	(void)ctx;
	if (which == 0) {
		json_t *doc = load(DIRECTORY);
		struct sp_diag diag;
		size_t n = 0;
		sp_diag_init(&diag);
		int rc = import_file(&focal, doc, &n, &diag, err);
		sp_diag_free(&diag);
		json_decref(doc);
		if (!rc)
			assert_int_equal(n, 5);
		return rc;
	}
	struct sp_id id;
	assert_int_equal(sp_id_parse(KREUZBERG, &id), SP_OK);
	struct sp_service_change ch = {.capacity_total = -1, .capacity_available = 1};
	return sp_service_update(&access_ctx, &supervisor, &id, 0, &ch, NULL, err);
}

static void import_is_whole_and_audited(void **state)
{
	(void)state;
	fault_walk_over(tables, N_TABLES, 2, walk_op, NULL);
	assert_int_equal(world_count("organizations"), 2);
	assert_int_equal(world_count("services"), 5);
	assert_int_equal(world_count("locations"), 4);
	assert_int_equal(world_count("service_at_location"), 5);
	assert_int_equal(world_count("service_phones"), 2);
	assert_int_equal(world_count("schedules"), 2);
	assert_int_equal(world_count("service_languages"), 6);
	assert_int_equal(world_count("service_areas"), 1);
	/* One service.import record naming the 5 services, one service.update. */
	struct sp_stmt *st;
	struct sp_err err = {0};
	ok(sp_store_prepare(store,
			    "SELECT action, object_type, fields, objects FROM audit_log "
			    "ORDER BY seq",
			    &st, &err),
	   &err, "audit");
	assert_int_equal(sp_stmt_step(st, &err), 1);
	assert_string_equal(sp_stmt_text(st, 0), "service.import");
	assert_string_equal(sp_stmt_text(st, 1), "service");
	assert_string_equal(sp_stmt_text(st, 2), "organization,service,location,"
						 "service_at_location,phone,schedule,language,"
						 "service_area");
	size_t nb = 0;
	const unsigned char *objs = sp_stmt_blob(st, 3, &nb);
	struct sp_id first;
	assert_int_equal(sp_id_parse(SAFE_HOUSE, &first), SP_OK);
	assert_int_equal(nb, 5 * SP_ID_LEN);
	assert_memory_equal(objs, first.b, SP_ID_LEN);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	assert_string_equal(sp_stmt_text(st, 0), "service.update");
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);

	/* The same ids again: a conflict named by the first row, and nothing more written. */
	json_t *doc = load(DIRECTORY);
	struct sp_diag diag;
	sp_diag_init(&diag);
	assert_int_equal(import_file(&supervisor, doc, NULL, &diag, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/organization/0/id");
	assert_string_equal(diag.items[0].msg, "a row with this id is already in the directory");
	sp_diag_free(&diag);
	json_decref(doc);
	assert_int_equal(world_count("services"), 5);
}

/* The export equals the file, for a user of the agency that runs the confidential shelter
 * (the Kreuzberg capacity was set to 1 by the walk above). */
static void export_round_trip(void **state)
{
	(void)state;
	json_t *want = load(DIRECTORY), *got = NULL;
	json_object_set_new(json_array_get(json_object_get(want, "service"), 4),
			    "x_capacity_available", json_integer(1));
	struct sp_err err = {0};
	ok(sp_services_export(&access_ctx, &provider, &got, &err), &err, "export");
	if (!json_equal(want, got)) {
		char *s = json_dumps(got, JSON_SORT_KEYS | JSON_INDENT(1));
		fail_msg("export differs:\n%s", s);
	}
	json_decref(got);
	/* Anyone else: the safe house's area, not its address or coordinates. */
	ok(sp_services_export(&access_ctx, &caseworker, &got, &err), &err, "export");
	json_t *loc = json_array_get(json_object_get(got, "location"), 0);
	assert_string_equal(json_string_value(json_object_get(loc, "x_area")), "DE-BE");
	assert_null(json_object_get(loc, "x_address"));
	assert_null(json_object_get(loc, "latitude"));
	assert_null(json_object_get(loc, "longitude"));
	assert_true(json_is_true(json_object_get(loc, "x_withheld")));
	/* An address that is not confidential is everyone's. */
	loc = json_array_get(json_object_get(got, "location"), 1);
	assert_string_equal(json_string_value(json_object_get(loc, "x_address")),
			    "Main Road 5, 10117 Berlin");
	json_decref(got);
	json_decref(want);
}

static void one_service_with_its_parts(void **state)
{
	(void)state;
	struct sp_id id;
	struct sp_err err = {0};
	json_t *s = NULL;
	assert_int_equal(sp_id_parse(SAFE_HOUSE, &id), SP_OK);
	ok(sp_service_get(&access_ctx, &caseworker, &id, &s, &err), &err, "get");
	assert_string_equal(json_string_value(json_object_get(s, "name")),
			    "Safe House for Women and Girls");
	assert_string_equal(json_string_value(json_object_get(s, "x_referral_route")),
			    "focal_point_only");
	assert_int_equal(json_integer_value(json_object_get(s, "version")), 1);
	json_t *org = json_array_get(json_object_get(s, "organization"), 0);
	assert_string_equal(json_string_value(json_object_get(org, "name")), "Haven Shelters");
	json_t *loc = json_object_get(s, "location");
	assert_int_equal(json_array_size(loc), 1);
	assert_null(json_object_get(json_array_get(loc, 0), "x_address"));
	assert_int_equal(json_array_size(json_object_get(s, "language")), 2);
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(s, "phone"), 0), "number")),
			    "+49 30 000 0001");
	json_decref(s);
	/* The running agency's provider sees the address. */
	ok(sp_service_get(&access_ctx, &provider, &id, &s, &err), &err, "get");
	loc = json_array_get(json_object_get(s, "location"), 0);
	assert_string_equal(json_string_value(json_object_get(loc, "x_address")),
			    "Hidden Street 1, 10115 Berlin");
	json_decref(s);
	assert_int_equal(sp_id_parse("01900000-0000-7000-8000-000000000999", &id), SP_OK);
	assert_int_equal(sp_service_get(&access_ctx, &caseworker, &id, &s, &err), SP_ENOTFOUND);
}

static void capacity_updates(void **state)
{
	(void)state;
	struct sp_id id;
	struct sp_err err = {0};
	int64_t v = 0;
	assert_int_equal(sp_id_parse(SAFE_HOUSE, &id), SP_OK);
	struct sp_service_change ch = {.capacity_total = -1, .capacity_available = 0};
	assert_int_equal(sp_service_update(&access_ctx, &caseworker, &id, 0, &ch, NULL, &err),
			 SP_EDENIED);
	assert_int_equal(sp_service_update(&access_ctx, &focal, &id, 2, &ch, NULL, &err),
			 SP_ECONFLICT);
	assert_string_equal(err.field, "/version");
	ch.capacity_available = 11;
	assert_int_equal(sp_service_update(&access_ctx, &focal, &id, 1, &ch, NULL, &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "capacity_available");
	ch.capacity_available = 0;
	ch.status = "closed";
	assert_int_equal(sp_service_update(&access_ctx, &focal, &id, 1, &ch, NULL, &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "status");
	ch.status = NULL;
	ok(sp_service_update(&access_ctx, &focal, &id, 1, &ch, &v, &err), &err, "update");
	assert_int_equal(v, 2);
	json_t *s = NULL;
	ok(sp_service_get(&access_ctx, &caseworker, &id, &s, &err), &err, "get");
	assert_int_equal(json_integer_value(json_object_get(s, "x_capacity_available")), 0);
	assert_int_equal(json_integer_value(json_object_get(s, "x_capacity_total")), 10);
	assert_int_equal(json_integer_value(json_object_get(s, "version")), 2);
	json_decref(s);
	ch.capacity_available = 3;
	ok(sp_service_update(&access_ctx, &supervisor, &id, 2, &ch, &v, &err), &err, "update");
}

/* The ids of the hits, in order, joined by spaces (the last 3 hex digits of each). */
static void ids_of(const json_t *hits, char *out, size_t n)
{
	out[0] = 0;
	for (size_t i = 0; i < json_array_size(hits); i++) {
		const char *id = json_string_value(json_object_get(json_array_get(hits, i), "id"));
		size_t len = strlen(out);
		snprintf(out + len, n - len, "%s%s", i ? " " : "", id + strlen(id) - 3);
	}
}

static void search(const struct sp_service_query *q, const char *want)
{
	json_t *hits = NULL;
	struct sp_err err = {0};
	char got[200];
	ok(sp_service_search(&access_ctx, vocab, q, &hits, &err), &err, "search");
	ids_of(hits, got, sizeof got);
	assert_string_equal(got, want);
	json_decref(hits);
}

static void search_ranks_eligible_services(void **state)
{
	(void)state;
	/* A girl of 16 in Friedrichshain-Kreuzberg who needs a safe shelter: the Kreuzberg
	 * shelter (same area), the safe house (Berlin, its parent), the youth shelter in
	 * Brandenburg (elsewhere); the inactive night shelter never. */
	struct sp_service_query q = {.need = "safe_shelter", .area = "DE-BE/FK", .age = 16,
				     .sex = "female"};
	search(&q, "105 101 103");
	q.with_capacity = true; /* the youth shelter is full */
	search(&q, "105 101");
	q.with_capacity = false;
	q.language = "ar";
	search(&q, "105 101");
	q.language = "ara"; /* ISO 639-3 with a 639-1 twin */
	search(&q, "105 101");
	q.language = NULL;
	q.sex = "male"; /* the safe house takes women and girls */
	search(&q, "105 103");
	q.sex = "female";
	q.age = 10; /* the safe house from 12, the youth shelter from 14 */
	search(&q, "105");
	q.age = 18; /* the youth shelter up to 17 */
	search(&q, "105 101");
	/* Legal advice: its office and service area are national, the parent two levels up. */
	struct sp_service_query l = {.kind = "legal_aid", .area = "DE-BE/FK", .age = -1};
	search(&l, "102");
	/* No area: by name. */
	struct sp_service_query all = {.kind = "shelter", .age = -1};
	search(&all, "105 101 103");

	/* The reasons, in words. */
	json_t *hits = NULL;
	struct sp_err err = {0};
	q.age = 16;
	q.language = "ar";
	ok(sp_service_search(&access_ctx, vocab, &q, &hits, &err), &err, "search");
	json_t *h = json_array_get(hits, 1);
	json_t *want = json_pack("[s, s, s, s, s, s]", "meets the need safe_shelter", "works in ar",
				 "age 16: from 12", "takes people of the sex female",
				 "3 places free", "serves DE-BE, which contains DE-BE/FK");
	assert_true(json_equal(json_object_get(h, "why"), want));
	json_decref(want);
	assert_string_equal(json_string_value(json_object_get(h, "area_match")), "parent");
	assert_string_equal(json_string_value(json_object_get(h, "area")), "DE-BE");
	assert_string_equal(json_string_value(json_object_get(h, "referral_route")),
			    "focal_point_only");
	assert_string_equal(json_string_value(json_object_get(h, "organization")),
			    "Haven Shelters");
	h = json_array_get(hits, 0);
	assert_string_equal(json_string_value(json_object_get(h, "area_match")), "same");
	assert_string_equal(json_string_value(json_array_get(json_object_get(h, "why"), 5)),
			    "in the area DE-BE/FK");
	json_decref(hits);
	q.language = NULL;
	ok(sp_service_search(&access_ctx, vocab, &q, &hits, &err), &err, "search");
	h = json_array_get(hits, 2);
	assert_string_equal(json_string_value(json_object_get(h, "area_match")), "other");
	assert_true(json_is_null(json_object_get(h, "area")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(h, "why"), 3)),
			    "0 places free");
	json_decref(hits);

	/* Bad criteria, each named. */
	static const struct {
		struct sp_service_query q;
		const char *field;
	} badq[] = {
		{{.need = "shelter", .age = -1}, "need"},
		{{.kind = "safe_shelter", .age = -1}, "kind"},
		{{.area = "Berlin", .age = -1}, "area"},
		{{.language = "xx-yy", .age = -1}, "language"},
		{{.age = 121}, "age"},
		{{.sex = "f", .age = -1}, "sex"},
	};
	for (size_t i = 0; i < sizeof badq / sizeof badq[0]; i++) {
		assert_int_equal(sp_service_search(&access_ctx, vocab, &badq[i].q, &hits, &err),
				 SP_EINVAL);
		assert_string_equal(err.field, badq[i].field);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_documents_name_the_row_and_column),
		cmocka_unit_test(only_managers_import),
		cmocka_unit_test(import_is_whole_and_audited),
		cmocka_unit_test(export_round_trip),
		cmocka_unit_test(one_service_with_its_parts),
		cmocka_unit_test(capacity_updates),
		cmocka_unit_test(search_ranks_eligible_services),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
