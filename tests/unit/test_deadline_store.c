/* Deadlines on a case, on a real store (SQLite, or PostgreSQL with SAFEPATH_TEST_PG): events
 * start the shipped jurisdictions' rules and close them (met_by, until, lapses_on), a working
 * day outside the holiday years is a problem and not a guess, the class of a deadline and the
 * policy decide who sees it, the agency's list, marking a target met by hand. Every expected
 * instant below was worked out by hand from the files in config/jurisdictions/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "safepath/caseevent.h"
#include "safepath/deadline.h"
#include "safepath/jurisdiction.h"

#include "helpers.h"
#include "world.h"

static struct sp_jurisdictions jurs;
static const struct sp_jurisdiction *gb, *coe;
static struct sp_id ngo, other;
static struct sp_subject caseworker, supervisor, screener, outsider;

static int setup(void **state)
{
	(void)state;
	struct sp_err err = {0};
	if (world_open("deadline") || sp_jurisdictions_load(NULL, &jurs, &err))
		return -1;
	gb = sp_jurisdictions_find(&jurs, "gb-eng-wls");
	coe = sp_jurisdictions_find(&jurs, "coe");
	if (!gb || !coe)
		return -1;
	add_agency(&ngo, "NGO", "ngo");
	add_agency(&other, "OTH", "ngo");
	add_user(&caseworker, "cw", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&supervisor, "sup", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&screener, "scr", &ngo, SP_AGENCY_NGO, SP_ROLE_SCREENER);
	add_user(&outsider, "out", &other, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_jurisdictions_free(&jurs);
	return world_close();
}

static int64_t at(const char *rfc3339)
{
	int64_t us;
	assert_int_equal(sp_time_parse(rfc3339, &us), SP_OK);
	return us;
}

#define NAMED "{\"names\": [{\"role\": \"given\", \"romanised\": \"Termina\"}]}"

/* An event as a decision or a screening fires it: inside an operation on the case. */
static const struct sp_case_act fire_act = {SP_ACT_DECISION_WRITE, SP_FIELD(SP_FC_STAT),
					    "test.event"};

static struct sp_case_event_effect fire(const struct sp_subject *who, const struct sp_case *c,
					const struct sp_jurisdiction *j, enum sp_jur_event e,
					const char *when)
{
	struct sp_casework cw = as(who);
	struct sp_err err = {0};
	struct sp_caseop op;
	struct sp_case_event_effect fx = {0};
	const struct sp_case_event ev = {e, at(when), SP_DEADLINE_FROM_DECISION, NULL};
	ok(sp_caseop_begin(&cw, &fire_act, true, &op, &err), &err, "begin");
	int rc = sp_caseop_case(&op, &c->id, &err);
	if (!rc)
		rc = sp_case_event_in(&op, &jurs, j, &ev, &fx, &err);
	ok(sp_caseop_finish(&op, rc, &err), &err, "event");
	return fx;
}

static const struct sp_deadline *find(const struct sp_deadline *list, size_t n, const char *rule)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].rule, rule) == 0)
			return &list[i];
	fail_msg("no deadline %s", rule);
	abort();
}

static void assert_due(const struct sp_deadline *d, const char *when)
{
	assert_true(d->has_due);
	char got[SP_TIME_STRLEN + 1];
	sp_time_format(d->due_us, got);
	if (d->due_us != at(when))
		fail_msg("%s due %s, expected %s", d->rule, got, when);
}

static const char *state_at(const struct sp_deadline *d, const char *now)
{
	json_t *v = sp_deadline_view(d, &jurs, "en", at(now));
	assert_non_null(v);
	static char state[32];
	snprintf(state, sizeof state, "%s", json_string_value(json_object_get(v, "state")));
	json_decref(v);
	return state;
}

/* England and Wales: the referral starts the reasonable-grounds target (5 working days, the
 * referral's day not counted, end of the local day in BST); a positive decision meets it and
 * starts the recovery period (30 days, same wall time), the earliest conclusive decision and
 * no removal (open); the conclusive decision ends no removal and starts move-on support. */
static void nrm_path_in_england_and_wales(void **state)
{
	(void)state;
	struct sp_case c = open_case(&caseworker, NAMED, 0);
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_case_event_effect fx;
	/* Monday 1 June 2026, 11:00 in London */
	ok(sp_case_event_record(&cw, &jurs, gb, &c.id, SP_EVENT_REFERRAL,
				at("2026-06-01T10:00:00Z"), &fx, &err),
	   &err, "referral");
	assert_int_equal(fx.n_started, 1);
	assert_int_equal(fx.n_closed, 0);
	assert_string_equal(fx.started[0].rule, "rg_decision");
	assert_true(fx.started[0].trafficking);
	assert_false(fx.started[0].minimum);
	/* Tue 2, Wed 3, Thu 4, Fri 5, Mon 8: the end of Monday 8 June in BST */
	assert_due(&fx.started[0], "2026-06-08T22:59:59.999999Z");
	assert_string_equal(state_at(&fx.started[0], "2026-06-08T22:00:00Z"), "due");
	assert_string_equal(state_at(&fx.started[0], "2026-06-08T23:00:00Z"), "overdue");
	/* a second referral while the first target runs starts nothing new */
	ok(sp_case_event_record(&cw, &jurs, gb, &c.id, SP_EVENT_REFERRAL,
				at("2026-06-02T10:00:00Z"), &fx, &err),
	   &err, "referral again");
	assert_int_equal(fx.n_started, 0);

	/* Thursday 4 June 15:00 BST: positive reasonable grounds */
	fx = fire(&caseworker, &c, gb, SP_EVENT_RG_POSITIVE, "2026-06-04T14:00:00Z");
	assert_int_equal(fx.n_closed, 1);
	assert_string_equal(fx.closed[0].rule, "rg_decision");
	assert_int_equal(fx.closed[0].status, SP_DEADLINE_MET);
	assert_string_equal(fx.closed[0].closed_by, "rg_positive");
	assert_int_equal(fx.n_started, 3);
	assert_due(find(fx.started, 3, "recovery_reflection"), "2026-07-04T14:00:00Z");
	assert_due(find(fx.started, 3, "cg_decision_earliest"), "2026-07-04T14:00:00Z");
	const struct sp_deadline *nr = find(fx.started, 3, "no_removal");
	assert_false(nr->has_due);
	assert_true(nr->minimum);
	assert_string_equal(state_at(nr, "2026-07-10T00:00:00Z"), "in_force");
	assert_string_equal(state_at(find(fx.started, 3, "recovery_reflection"),
				     "2026-07-04T13:59:59Z"),
			    "in_force");
	assert_string_equal(state_at(find(fx.started, 3, "recovery_reflection"),
				     "2026-07-04T14:00:00Z"),
			    "elapsed");

	/* Monday 20 July 10:00 BST: positive conclusive grounds */
	fx = fire(&caseworker, &c, gb, SP_EVENT_CG_POSITIVE, "2026-07-20T09:00:00Z");
	assert_int_equal(fx.n_closed, 0);
	assert_int_equal(fx.n_started, 1);
	assert_due(&fx.started[0], "2026-09-03T09:00:00Z"); /* 45 days, still BST */
	fx = fire(&caseworker, &c, gb, SP_EVENT_CG_DECISION, "2026-07-20T09:00:00Z");
	assert_int_equal(fx.n_closed, 1);
	assert_string_equal(fx.closed[0].rule, "no_removal");
	assert_int_equal(fx.closed[0].status, SP_DEADLINE_ENDED);
	assert_int_equal(fx.n_started, 0);

	struct sp_deadline *all;
	size_t n, withheld;
	ok(sp_deadline_list(&cw, &c.id, &all, &n, &withheld, &err), &err, "list");
	assert_int_equal(n, 5);
	assert_int_equal(withheld, 0);
	assert_string_equal(all[0].rule, "rg_decision"); /* oldest trigger first */
	assert_int_equal(all[0].status, SP_DEADLINE_MET);
	assert_int_equal(find(all, n, "no_removal")->status, SP_DEADLINE_ENDED);
	assert_int_equal(find(all, n, "move_on")->status, SP_DEADLINE_OPEN);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'deadline.add'"),
			 5);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'case.event' AND reason = 'referral'"),
			 2);
}

/* The Council of Europe default: a presumed child is protected at once; an age assessment
 * that finds an adult makes that rule lapse. */
static void child_presumption_lapses_on_an_adult_finding(void **state)
{
	(void)state;
	struct sp_case c = open_case(&caseworker, NAMED, 0);
	struct sp_case_event_effect fx =
		fire(&caseworker, &c, coe, SP_EVENT_CHILD_PRESUMED, "2026-03-10T12:00:00Z");
	assert_int_equal(fx.n_started, 1);
	assert_string_equal(fx.started[0].rule, "child_assistance");
	assert_false(fx.started[0].trafficking);
	assert_due(&fx.started[0], "2026-03-10T12:00:00Z");
	fx = fire(&caseworker, &c, coe, SP_EVENT_AGE_ADULT, "2026-03-12T09:00:00Z");
	assert_int_equal(fx.n_closed, 1);
	assert_int_equal(fx.closed[0].status, SP_DEADLINE_LAPSED);
	assert_string_equal(state_at(&fx.closed[0], "2026-03-13T00:00:00Z"), "lapsed");
}

/* 5 working days from Tuesday 28 December 2027 reach into 2028, past the holiday list
 * (2025-2027): the deadline is kept without a due instant, with the reason. */
static void working_days_past_the_holiday_years_are_not_guessed(void **state)
{
	(void)state;
	struct sp_case c = open_case(&caseworker, NAMED, 0);
	struct sp_case_event_effect fx =
		fire(&caseworker, &c, gb, SP_EVENT_REFERRAL, "2027-12-28T10:00:00Z");
	assert_int_equal(fx.n_started, 1);
	assert_false(fx.started[0].has_due);
	assert_non_null(strstr(fx.started[0].problem, "2028"));
	assert_string_equal(state_at(&fx.started[0], "2028-01-10T00:00:00Z"), "uncomputable");
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_deadline *all;
	size_t n, withheld;
	ok(sp_deadline_list(&cw, &c.id, &all, &n, &withheld, &err), &err, "list");
	assert_int_equal(n, 1);
	assert_string_equal(all[0].problem, fx.started[0].problem);
}

/* A screener assigned to a case sees its child-protection deadline but not those that tell
 * of trafficking, and may not record a referral; another agency sees nothing. */
static void class_and_policy_decide_who_sees(void **state)
{
	(void)state;
	struct sp_case c = open_case(&screener, NAMED, 0);
	struct sp_casework sup = as(&supervisor), scr = as(&screener), out = as(&outsider);
	struct sp_err err = {0};
	ok(sp_case_event_record(&sup, &jurs, gb, &c.id, SP_EVENT_REFERRAL,
				at("2026-11-02T10:00:00Z"), NULL, &err),
	   &err, "referral by the supervisor");
	fire(&supervisor, &c, coe, SP_EVENT_CHILD_PRESUMED, "2026-11-02T10:00:00Z");
	struct sp_deadline *list;
	size_t n, withheld;
	ok(sp_deadline_list(&scr, &c.id, &list, &n, &withheld, &err), &err, "screener's list");
	assert_int_equal(n, 1);
	assert_int_equal(withheld, 1);
	assert_string_equal(list[0].rule, "child_assistance");
	assert_int_equal(sp_case_event_record(&scr, &jurs, gb, &c.id, SP_EVENT_REFERRAL,
					      at("2026-11-02T11:00:00Z"), NULL, &err),
			 SP_EDENIED);
	assert_int_equal(sp_deadline_list(&out, &c.id, &list, &n, &withheld, &err), SP_EDENIED);
	/* events that come with decisions and screenings are not recorded by hand */
	assert_int_equal(sp_case_event_record(&sup, &jurs, gb, &c.id, SP_EVENT_RG_POSITIVE,
					      at("2026-11-02T11:00:00Z"), NULL, &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "/event");
	assert_int_equal(sp_case_event_record(&sup, &jurs, gb, &c.id, SP_EVENT_REFERRAL,
					      sp_now_us() + (int64_t)3600 * 1000000, NULL, &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "/at");
}

/* The agency's open deadlines: soonest first, open-ended last, overdue only, in pages, only
 * what the subject may read; a target marked met by hand leaves the list. */
static void agency_list_and_marking_met(void **state)
{
	(void)state;
	struct sp_casework sup = as(&supervisor);
	struct sp_err err = {0};
	struct sp_deadline page[SP_DEADLINE_PAGE_MAX];
	size_t n, total = 0;
	struct sp_id next;
	/* what the earlier tests left open in the agency, counted page by page */
	const struct sp_id *after = NULL;
	struct sp_id cursor;
	int64_t last = INT64_MIN;
	do {
		ok(sp_deadline_agency(&sup, false, sp_now_us(), after, page, 2, &n, &next, &err),
		   &err, "page");
		for (size_t i = 0; i < n; i++) {
			int64_t key = page[i].has_due ? page[i].due_us : INT64_MAX;
			assert_true(key >= last);
			last = key;
			assert_int_equal(page[i].status, SP_DEADLINE_OPEN);
			assert_true(page[i].case_number[0] != '\0');
		}
		total += n;
		cursor = next;
		after = &cursor;
	} while (!sp_id_is_zero(&next));
	int64_t open = test_scalar(store, "SELECT COUNT(*) FROM deadlines JOIN cases ON "
					  "cases.id = deadlines.case_id WHERE deadlines.status = "
					  "'open' AND cases.agency_id IN (SELECT agency_id FROM "
					  "users WHERE username = 'sup')");
	assert_int_equal((int64_t)total, open);

	/* a fresh overdue target, then met by hand */
	struct sp_case c = open_case(&caseworker, NAMED, 0);
	struct sp_casework cw = as(&caseworker);
	struct sp_case_event_effect fx;
	ok(sp_case_event_record(&cw, &jurs, gb, &c.id, SP_EVENT_REFERRAL,
				at("2026-10-05T10:00:00Z"), &fx, &err),
	   &err, "referral");
	ok(sp_deadline_agency(&cw, true, sp_now_us(), NULL, page, SP_DEADLINE_PAGE_MAX, &n, &next,
			      &err),
	   &err, "overdue");
	bool seen = false;
	for (size_t i = 0; i < n; i++) {
		assert_false(page[i].minimum);
		assert_true(page[i].has_due && page[i].due_us < sp_now_us());
		seen |= memcmp(&page[i].id, &fx.started[0].id, sizeof page[i].id) == 0;
	}
	assert_true(seen);
	struct sp_deadline d;
	assert_int_equal(sp_deadline_set_met(&cw, &fx.started[0].id, 7, &d, &err), SP_ECONFLICT);
	ok(sp_deadline_set_met(&cw, &fx.started[0].id, 1, &d, &err), &err, "met");
	assert_int_equal(d.status, SP_DEADLINE_MET);
	assert_string_equal(d.closed_by, "person");
	assert_int_equal(d.version, 2);
	assert_int_equal(sp_deadline_set_met(&cw, &fx.started[0].id, 2, &d, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/status");
	/* a minimum period is never "met" */
	fx = fire(&caseworker, &c, gb, SP_EVENT_RG_POSITIVE, "2026-10-06T10:00:00Z");
	const struct sp_deadline *rr = find(fx.started, fx.n_started, "recovery_reflection");
	assert_int_equal(sp_deadline_set_met(&cw, &rr->id, 1, &d, &err), SP_EINVAL);
	assert_string_equal(err.field, "/status");
	/* the other agency's caseworker lists nothing of ours */
	struct sp_casework out = as(&outsider);
	ok(sp_deadline_agency(&out, false, sp_now_us(), NULL, page, SP_DEADLINE_PAGE_MAX, &n,
			      &next, &err),
	   &err, "outsider");
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nrm_path_in_england_and_wales),
		cmocka_unit_test(child_presumption_lapses_on_an_adult_finding),
		cmocka_unit_test(working_days_past_the_holiday_years_are_not_guessed),
		cmocka_unit_test(class_and_policy_decide_who_sees),
		cmocka_unit_test(agency_list_and_marking_met),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
