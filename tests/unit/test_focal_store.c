/* Focal points and routing on a real store (SQLite, or PostgreSQL with SAFEPATH_TEST_PG): each
 * member checked with its reason and nothing written, who may change them (service.manage, own
 * agency only), the default per scope, routing rules to a service of the hand-written directory
 * (tests/data/services/directory.json) or to a focal point, where a need goes first and why,
 * the audit records, and a fault walk of every change. Every expected value was worked out by
 * hand from that directory and the users below. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "safepath/focal.h"
#include "safepath/protocol.h"
#include "safepath/service.h"

#include "helpers.h"
#include "world.h"

#define DIRECTORY "tests/data/services/directory.json"
#define SAFE_HOUSE "01900000-0000-7000-8000-000000000101" /* safe_shelter, gbv: focal only */
#define LEGAL "01900000-0000-7000-8000-000000000102"      /* legal_assistance */
#define YOUTH "01900000-0000-7000-8000-000000000103"      /* safe_shelter, direct */
#define NIGHT "01900000-0000-7000-8000-000000000104"      /* safe_shelter, inactive */

static const char *const tables[] = {"focal_points", "routing_rules", "audit_log"};
#define N_TABLES (sizeof tables / sizeof tables[0])

static struct sp_vocab *codes;
static struct sp_vocabulary vocabulary;
static const struct sp_vocabulary *vocab = &vocabulary;
static struct sp_id ngo, shl;
static struct sp_subject sup, fp1, fp2, cw, gone, sup2;

static int setup(void **state)
{
	(void)state;
	if (world_open("focal") || world_codes(&codes, &vocabulary))
		return -1;
	sp_access_set_audit_keys(&access_ctx, akeys);
	add_agency(&ngo, "NGO", "ngo");
	add_agency(&shl, "SHL", "shelter");
	add_user(&sup, "sup", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&fp1, "fp1", &ngo, SP_AGENCY_NGO, SP_ROLE_FOCAL_POINT);
	add_user(&fp2, "fp2", &ngo, SP_AGENCY_NGO, SP_ROLE_FOCAL_POINT | SP_ROLE_CASEWORKER);
	add_user(&cw, "cw", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&gone, "gone", &ngo, SP_AGENCY_NGO, SP_ROLE_FOCAL_POINT);
	add_user(&sup2, "sup2", &shl, SP_AGENCY_SHELTER, SP_ROLE_SUPERVISOR);
	exec_sql("UPDATE users SET disabled = 1 WHERE username = 'gone'");
	json_error_t je;
	json_t *doc = json_load_file(DIRECTORY, 0, &je);
	struct sp_err err = {0};
	size_t n = 0;
	struct sp_diag diag;
	sp_diag_init(&diag);
	int rc = doc ? sp_services_import(&access_ctx, &sup, vocab, doc, &n, &diag, &err) : -1;
	sp_diag_free(&diag);
	json_decref(doc);
	return rc;
}

static int teardown(void **state)
{
	(void)state;
	sp_vocab_free(codes);
	return world_close();
}

static struct sp_focal_point focal(const struct sp_subject *who, const char *country,
				   const char *need, bool is_default)
{
	struct sp_focal_point fp = {.user = who->user, .is_default = is_default};
	if (country) {
		fp.scope = SP_FOCAL_COUNTRY;
		snprintf(fp.country, sizeof fp.country, "%s", country);
	}
	if (need) {
		snprintf(fp.needs[0], sizeof fp.needs[0], "%s", need);
		fp.n_needs = 1;
	}
	return fp;
}

static struct sp_route_rule rule_to_service(const char *need, const char *service)
{
	struct sp_route_rule r = {.target = SP_ROUTE_SERVICE};
	snprintf(r.need, sizeof r.need, "%s", need);
	assert_int_equal(sp_id_parse(service, &r.service), SP_OK);
	return r;
}

static struct sp_route_rule rule_to_focal(const char *need, const struct sp_subject *who)
{
	struct sp_route_rule r = {.target = SP_ROUTE_FOCAL_POINT, .focal_user = who->user};
	snprintf(r.need, sizeof r.need, "%s", need);
	return r;
}

static void expect_error(int rc, const struct sp_err *err, int code, const char *field,
			 const char *msg)
{
	if (rc != code || strcmp(err->field, field) != 0 || strcmp(err->msg, msg) != 0)
		fail_msg("got %s %s: %s; want %s %s: %s", sp_status_name(rc), err->field, err->msg,
			 sp_status_name(code), field, msg);
}

/* Runs first, on empty tables: each bad member refused with its reason, nothing written. */
static void each_bad_member_is_named(void **state)
{
	(void)state;
	static const struct {
		int which; /* 0 fp1, 1 gone, 2 cw, 3 sup2 (other agency) */
		const char *country, *need;
		int scope; /* -1: as focal() sets it */
		const char *field, *msg;
	} cases[] = {
		{3, NULL, NULL, -1, "user", "is not a user of your agency"},
		{1, NULL, NULL, -1, "user", "is disabled"},
		{2, NULL, NULL, -1, "user", "does not hold the focal_point role"},
		{0, NULL, NULL, 7, "scope", "must be agency or country"},
		{0, NULL, NULL, SP_FOCAL_COUNTRY, "country", "is required for the country scope"},
		{0, "XY", NULL, -1, "country", "is not an ISO 3166-1 country code"},
		{0, "FR", NULL, SP_FOCAL_AGENCY, "country", "is only for the country scope"},
		{0, NULL, "spaceship", -1, "needs", "item 0 is not a code of the needs vocabulary"},
	};
	const struct sp_subject *who[] = {&fp1, &gone, &cw, &sup2};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sp_err err = {0};
		struct sp_focal_point fp = focal(who[cases[i].which], cases[i].country,
						 cases[i].need, false);
		if (cases[i].scope >= 0)
			fp.scope = (enum sp_focal_scope)cases[i].scope;
		expect_error(sp_focal_add(&access_ctx, &sup, vocab, &fp, &err), &err, SP_EINVAL,
			     cases[i].field, cases[i].msg);
	}
	struct sp_err err = {0};
	struct sp_focal_point fp = focal(&fp1, NULL, "medical", false);
	snprintf(fp.needs[1], sizeof fp.needs[1], "medical");
	fp.n_needs = 2;
	expect_error(sp_focal_add(&access_ctx, &sup, vocab, &fp, &err), &err, SP_EINVAL, "needs",
		     "item 1 is listed twice");
	/* Only service.manage changes them: a caseworker is refused by the policy. */
	fp = focal(&fp1, NULL, NULL, false);
	assert_int_equal(sp_focal_add(&access_ctx, &cw, vocab, &fp, &err), SP_EDENIED);
	struct sp_route_rule r = rule_to_service("safe_shelter", YOUTH);
	assert_int_equal(sp_route_add(&access_ctx, &cw, vocab, &r, &err), SP_EDENIED);
	/* Rules: the need, the service's state and needs, the focal point. */
	r = rule_to_service("rocket_fuel", YOUTH);
	expect_error(sp_route_add(&access_ctx, &sup, vocab, &r, &err), &err, SP_EINVAL, "need",
		     "is not a code of the needs vocabulary");
	r = rule_to_service("safe_shelter", NIGHT);
	expect_error(sp_route_add(&access_ctx, &sup, vocab, &r, &err), &err, SP_EINVAL, "service",
		     "is not active");
	r = rule_to_service("safe_shelter", LEGAL);
	expect_error(sp_route_add(&access_ctx, &sup, vocab, &r, &err), &err, SP_EINVAL, "service",
		     "does not meet the need safe_shelter");
	r = rule_to_service("safe_shelter", "01900000-0000-7000-8000-000000000999");
	expect_error(sp_route_add(&access_ctx, &sup, vocab, &r, &err), &err, SP_EINVAL, "service",
		     "is not in the directory");
	r = rule_to_focal("medical", &fp1);
	expect_error(sp_route_add(&access_ctx, &sup, vocab, &r, &err), &err, SP_EINVAL,
		     "focal_point", "is not a focal point of your agency for the need medical");
	assert_int_equal(world_count("focal_points"), 0);
	assert_int_equal(world_count("routing_rules"), 0);
	/* A refused change writes no audit record either (the directory's import is the one). */
	assert_int_equal(world_count("audit_log"), 1);
}

static json_t *resolve(const struct sp_subject *who, const char *need)
{
	json_t *out = NULL;
	struct sp_err err = {0};
	ok(sp_route_resolve(&access_ctx, who, vocab, need, &out, &err), &err, need);
	return out;
}

static void expect_route(json_t *got, const char *route, const char *service,
			 const struct sp_subject *focal_user, const char *why)
{
	assert_string_equal(json_string_value(json_object_get(got, "route")), route);
	const json_t *svc = json_object_get(got, "service");
	if (service)
		assert_string_equal(json_string_value(json_object_get(svc, "id")), service);
	else
		assert_true(json_is_null(svc));
	const json_t *fp = json_object_get(got, "focal_point");
	if (focal_user) {
		char id[SP_ID_STRLEN + 1];
		sp_id_format(&focal_user->user, id);
		assert_string_equal(json_string_value(json_object_get(fp, "user")), id);
	} else {
		assert_true(json_is_null(fp));
	}
	assert_string_equal(json_string_value(json_object_get(got, "why")), why);
	json_decref(got);
}

static void focal_points_defaults_and_lists(void **state)
{
	(void)state;
	struct sp_err err = {0};
	expect_route(resolve(&cw, "medical"), "none", NULL, NULL,
		     "Your agency has no routing rule and no focal point for this need: choose a "
		     "service from the directory.");
	struct sp_focal_point a = focal(&fp1, NULL, NULL, true);
	ok(sp_focal_add(&access_ctx, &sup, vocab, &a, &err), &err, "fp1");
	struct sp_focal_point again = focal(&fp1, NULL, "medical", false);
	expect_error(sp_focal_add(&access_ctx, &sup, vocab, &again, &err), &err, SP_ECONFLICT,
		     "user", "is a focal point of your agency for this scope already");
	/* fp2 for GBV, made the default: fp1 is no longer the agency scope's default. */
	struct sp_focal_point b = focal(&fp2, NULL, "gbv_response", true);
	ok(sp_focal_add(&access_ctx, &fp1, vocab, &b, &err), &err, "fp2");
	struct sp_focal_point c = focal(&fp1, "fr", NULL, false);
	ok(sp_focal_add(&access_ctx, &sup, vocab, &c, &err), &err, "fp1 FR");
	assert_string_equal(c.country, "FR");
	struct sp_focal_point *list = NULL;
	size_t n = 0;
	ok(sp_focal_list(&access_ctx, &cw, &list, &n, &err), &err, "list");
	assert_int_equal(n, 3);
	/* defaults first, then scope (agency, country), then user name */
	assert_string_equal(list[0].username, "fp2");
	assert_true(list[0].is_default);
	assert_int_equal(list[0].n_needs, 1);
	assert_string_equal(list[0].needs[0], "gbv_response");
	assert_string_equal(list[1].username, "fp1");
	assert_false(list[1].is_default);
	assert_int_equal(list[1].scope, SP_FOCAL_AGENCY);
	assert_int_equal(list[1].n_needs, 0);
	assert_string_equal(list[2].username, "fp1");
	assert_int_equal(list[2].scope, SP_FOCAL_COUNTRY);
	assert_string_equal(list[2].country, "FR");
	free(list);
	/* Another agency sees none of them. */
	ok(sp_focal_list(&access_ctx, &sup2, &list, &n, &err), &err, "list");
	assert_int_equal(n, 0);
	free(list);
	/* The focal point named for the need before the one for every need. */
	expect_route(resolve(&cw, "gbv_response"), "focal_point", NULL, &fp2,
		     "It goes to the focal point your agency named for this need.");
	expect_route(resolve(&cw, "medical"), "focal_point", NULL, &fp1,
		     "It goes to your agency's focal point for every need.");
	expect_route(resolve(&sup2, "medical"), "none", NULL, NULL,
		     "Your agency has no routing rule and no focal point for this need: choose a "
		     "service from the directory.");
}

static void rules_route_needs(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_route_rule shelter = rule_to_service("safe_shelter", YOUTH);
	ok(sp_route_add(&access_ctx, &sup, vocab, &shelter, &err), &err, "shelter");
	struct sp_route_rule twice = rule_to_service("safe_shelter", SAFE_HOUSE);
	expect_error(sp_route_add(&access_ctx, &sup, vocab, &twice, &err), &err, SP_ECONFLICT,
		     "need", "is routed already: remove that rule first");
	struct sp_route_rule gbv = rule_to_service("gbv_response", SAFE_HOUSE);
	ok(sp_route_add(&access_ctx, &sup, vocab, &gbv, &err), &err, "gbv");
	struct sp_route_rule legal = rule_to_focal("legal_assistance", &fp1);
	ok(sp_route_add(&access_ctx, &sup, vocab, &legal, &err), &err, "legal");
	expect_route(resolve(&cw, "safe_shelter"), "service", YOUTH, NULL,
		     "Your agency routes this need to this service.");
	/* The safe house takes referrals only through a focal point: fp2 is the GBV one. */
	expect_route(resolve(&cw, "gbv_response"), "service", SAFE_HOUSE, &fp2,
		     "Your agency routes this need to this service, which takes referrals only "
		     "through a focal point: fp2.");
	expect_route(resolve(&cw, "legal_assistance"), "focal_point", NULL, &fp1,
		     "Your agency routes this need to this focal point.");
	/* The rules are the agency's: another agency's supervisor cannot remove one. */
	expect_error(sp_route_remove(&access_ctx, &sup2, &shelter.id, &err), &err, SP_ENOTFOUND,
		     "routing_rule", "no such routing rule in your agency");
	struct sp_route_rule *rules = NULL;
	size_t n = 0;
	ok(sp_route_list(&access_ctx, &cw, &rules, &n, &err), &err, "rules");
	assert_int_equal(n, 3);
	assert_string_equal(rules[0].need, "gbv_response");
	assert_string_equal(rules[0].target_name, "Safe House for Women and Girls");
	assert_string_equal(rules[1].need, "legal_assistance");
	assert_int_equal(rules[1].target, SP_ROUTE_FOCAL_POINT);
	assert_string_equal(rules[1].target_name, "fp1");
	assert_string_equal(rules[2].need, "safe_shelter");
	assert_string_equal(rules[2].target_name, "Youth Shelter Brandenburg");
	free(rules);
	/* The youth shelter closes: its rule no longer stands, and the need falls back. */
	struct sp_service_change ch = {.capacity_total = -1, .capacity_available = -1,
				       .status = "inactive"};
	struct sp_id youth;
	assert_int_equal(sp_id_parse(YOUTH, &youth), SP_OK);
	ok(sp_service_update(&access_ctx, &sup, &youth, 0, &ch, NULL, &err), &err, "close");
	expect_route(resolve(&cw, "safe_shelter"), "focal_point", NULL, &fp1,
		     "The rule for this need no longer stands (its service is not active, or its "
		     "focal point was removed). It goes to your agency's focal point for every "
		     "need.");
}

static void removing_a_focal_point_takes_its_rules(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_focal_point *list = NULL;
	size_t n = 0;
	ok(sp_focal_list(&access_ctx, &sup, &list, &n, &err), &err, "list");
	assert_int_equal(n, 3);
	struct sp_id fp1_agency = list[1].id, fp1_fr = list[2].id;
	free(list);
	expect_error(sp_focal_remove(&access_ctx, &sup2, &fp1_agency, &err), &err, SP_ENOTFOUND,
		     "focal_point", "no such focal point in your agency");
	/* fp1 stays for France: a country-scope focal point routes nothing, so the legal rule
	 * to fp1 goes with the agency scope. */
	ok(sp_focal_remove(&access_ctx, &sup, &fp1_agency, &err), &err, "remove");
	assert_int_equal(world_count("routing_rules"), 2);
	expect_route(resolve(&cw, "legal_assistance"), "none", NULL, NULL,
		     "Your agency has no routing rule and no focal point for this need: choose a "
		     "service from the directory.");
	ok(sp_focal_remove(&access_ctx, &sup, &fp1_fr, &err), &err, "remove FR");
	assert_int_equal(world_count("focal_points"), 1);
	/* Every change audited, with the user named. */
	struct sp_stmt *st;
	ok(sp_store_prepare(store,
			    "SELECT action, object_type, count(*) FROM audit_log WHERE action LIKE "
			    "'focal_point.%' OR action LIKE 'routing.%' GROUP BY action, object_type "
			    "ORDER BY action",
			    &st, &err),
	   &err, "audit");
	static const char *const want[][3] = {
		{"focal_point.add", "focal_point", "3"},    {"focal_point.remove", "focal_point", "2"},
		{"routing.add", "routing_rule", "3"},	    {"routing.remove", "routing_rule", "1"},
	};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(sp_stmt_step(st, &err), 1);
		assert_string_equal(sp_stmt_text(st, 0), want[i][0]);
		assert_string_equal(sp_stmt_text(st, 1), want[i][1]);
		char count[8];
		snprintf(count, sizeof count, "%lld", (long long)sp_stmt_int64(st, 2));
		assert_string_equal(count, want[i][2]);
	}
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
}

/* Each change fails whole at every store call: add (with a default to replace), a rule, the
 * removal of a focal point with its rule; then a rule's removal. */
struct walk {
	struct sp_id focal, rule;
};

static int walk_op(void *ctx, int which, struct sp_err *err)
{
	struct walk *w = ctx;
	struct sp_focal_point fp = focal(&fp1, NULL, "legal_assistance", true);
	struct sp_route_rule r = rule_to_focal("legal_assistance", &fp1);
	int rc;
	switch (which) {
	case 0:
		rc = sp_focal_add(&access_ctx, &sup, vocab, &fp, err);
		w->focal = fp.id;
		return rc;
	case 1:
		rc = sp_route_add(&access_ctx, &sup, vocab, &r, err);
		w->rule = r.id;
		return rc;
	default:
		return sp_focal_remove(&access_ctx, &sup, &w->focal, err);
	}
}

static void every_change_fails_whole(void **state)
{
	(void)state;
	struct walk w = {0};
	fault_walk_over(tables, N_TABLES, 3, walk_op, &w);
	assert_int_equal(world_count("focal_points"), 1);
	struct sp_err err = {0};
	struct sp_route_rule *rules = NULL;
	size_t n = 0;
	ok(sp_route_list(&access_ctx, &sup, &rules, &n, &err), &err, "rules");
	struct sp_id shelter_rule = {0};
	for (size_t i = 0; i < n; i++)
		if (strcmp(rules[i].need, "safe_shelter") == 0)
			shelter_rule = rules[i].id;
	free(rules);
	w.rule = shelter_rule;
	/* the remaining operation: a rule's removal, walked on its own */
	for (long k = 1;; k++) {
		char *before = snapshot(tables, N_TABLES);
		sp_store_fail_at(store, k);
		int rc = sp_route_remove(&access_ctx, &sup, &w.rule, &err);
		sp_store_fail_at(store, 0);
		assert_false(sp_store_in_transaction(store));
		char *after = snapshot(tables, N_TABLES);
		if (rc == SP_OK) {
			free(before);
			free(after);
			break;
		}
		assert_int_equal(rc, SP_EFAULT);
		assert_string_equal(before, after);
		free(before);
		free(after);
	}
	assert_int_equal(world_count("routing_rules"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_bad_member_is_named),
		cmocka_unit_test(focal_points_defaults_and_lists),
		cmocka_unit_test(rules_route_needs),
		cmocka_unit_test(removing_a_focal_point_takes_its_rules),
		cmocka_unit_test(every_change_fails_whole),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
