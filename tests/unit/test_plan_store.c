/* A case's support plan on a real store (SQLite, or PostgreSQL with SAFEPATH_TEST_PG): the
 * goal statuses against a hand-written from x to matrix, overdue reviews, who may and may not
 * add, list and change goals (the assigned caseworker and the supervisor yes; a colleague, a
 * screener, immigration across the firewall and a coordinator no), every bad field named and
 * nothing written, versions, the goal text sealed (never in clear in the database), the audit
 * records, and a fault walk of an add and a change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "safepath/plan.h"

#include "helpers.h"
#include "world.h"

static struct sp_id ngo, imm;
static struct sp_subject cw, colleague, sup, screener, officer, coord;

static int setup(void **state)
{
	(void)state;
	if (world_open("plan"))
		return -1;
	add_agency(&ngo, "NGO", "ngo");
	add_agency(&imm, "IMM", "immigration");
	add_user(&cw, "cw", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&colleague, "cw2", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&sup, "sup", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&screener, "scr", &ngo, SP_AGENCY_NGO, SP_ROLE_SCREENER);
	add_user(&officer, "imm", &imm, SP_AGENCY_IMMIGRATION, SP_ROLE_CASEWORKER);
	add_user(&coord, "coord", &ngo, SP_AGENCY_NGO, SP_ROLE_COORDINATOR);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return world_close();
}

static int64_t at(const char *rfc3339)
{
	int64_t us;
	assert_int_equal(sp_time_parse(rfc3339, &us), SP_OK);
	return us;
}

static struct sp_case plan_case(void)
{
	return open_case(&cw, "{\"names\": [{\"role\": \"given\", \"romanised\": \"Planova\"}]}", 0);
}

static int64_t goals(void)
{
	return test_scalar(store, "SELECT COUNT(*) FROM plan_goals");
}

static int64_t audited(const char *action)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM audit_log WHERE action = '%s'", action);
	return test_scalar(store, sql);
}

/* Every from x to, written out: P planned, I in progress, A achieved, D discontinued. */
static void statuses_follow_the_table(void **state)
{
	(void)state;
	static const char *const allowed[SP_GOAL_STATUS_COUNT] = {
		/* to:        P I A D */
		[SP_GOAL_PLANNED] = "yyny",
		[SP_GOAL_IN_PROGRESS] = "yyyy",
		[SP_GOAL_ACHIEVED] = "nyyn",
		[SP_GOAL_DISCONTINUED] = "ynny",
	};
	for (int from = 0; from < SP_GOAL_STATUS_COUNT; from++)
		for (int to = 0; to < SP_GOAL_STATUS_COUNT; to++)
			if (sp_goal_may_move((enum sp_goal_status)from, (enum sp_goal_status)to) !=
			    (allowed[from][to] == 'y'))
				fail_msg("%s -> %s", sp_goal_status_name((enum sp_goal_status)from),
					 sp_goal_status_name((enum sp_goal_status)to));
	assert_false(sp_goal_may_move(SP_GOAL_PLANNED, SP_GOAL_STATUS_COUNT));
	assert_false(sp_goal_may_move(SP_GOAL_STATUS_COUNT, SP_GOAL_PLANNED));
	const char *const names[] = {"planned", "in_progress", "achieved", "discontinued"};
	for (int i = 0; i < SP_GOAL_STATUS_COUNT; i++) {
		assert_string_equal(sp_goal_status_name((enum sp_goal_status)i), names[i]);
		assert_int_equal(sp_goal_status_parse(names[i]), i);
	}
	assert_int_equal(sp_goal_status_parse("done"), -1);
	assert_int_equal(sp_goal_status_parse(NULL), -1);
}

/* A review date past while planned or in progress is overdue; not on the instant itself, not
 * without a date, not once achieved or discontinued. */
static void reviews_fall_overdue(void **state)
{
	(void)state;
	const int64_t now = at("2026-06-10T12:00:00Z");
	const struct {
		enum sp_goal_status status;
		const char *review;
		bool overdue;
	} rows[] = {
		{SP_GOAL_PLANNED, "2026-06-10T11:59:59Z", true},
		{SP_GOAL_IN_PROGRESS, "2026-06-01", true},
		{SP_GOAL_PLANNED, "2026-06-10T12:00:00Z", false},
		{SP_GOAL_IN_PROGRESS, "2026-06-11", false},
		{SP_GOAL_ACHIEVED, "2026-06-01", false},
		{SP_GOAL_DISCONTINUED, "2026-06-01", false},
		{SP_GOAL_PLANNED, NULL, false},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct sp_goal g = {.status = rows[i].status,
				    .review_us = rows[i].review ? at(rows[i].review) : 0};
		if (sp_goal_review_overdue(&g, now) != rows[i].overdue)
			fail_msg("row %zu", i);
	}
}

/* The assigned caseworker adds, lists and changes; the text is sealed; each step audited. */
static void a_goal_through_its_life(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_case c = plan_case();
	struct sp_casework me = as(&cw);
	const char *text = "Goal-text-5e1d: enrol at the Dorvale language school";
	struct sp_goal_new in = {.type = "health", .goal = "Goal-text-9b07: see the dentist",
				 .review_us = at("2026-07-01")};
	struct sp_goal g1, g2, changed, *list;
	size_t n = 0;
	int64_t adds = audited("plan.add"), updates = audited("plan.update");
	ok(sp_plan_add(&me, &c.id, &in, &g1, &err), &err, "add");
	assert_int_equal(g1.status, SP_GOAL_PLANNED);
	assert_int_equal(g1.version, 1);
	assert_int_equal(g1.review_us, at("2026-07-01"));
	assert_string_equal(g1.type, "health");
	in = (struct sp_goal_new){.type = "legal", .goal = text};
	ok(sp_plan_add(&me, &c.id, &in, &g2, &err), &err, "add without a review date");
	assert_int_equal(g2.review_us, 0);
	assert_int_equal(audited("plan.add"), adds + 2);

	int64_t reads = audited("plan.read");
	ok(sp_plan_list(&me, &c.id, &list, &n, &err), &err, "list");
	assert_int_equal(n, 2);
	assert_memory_equal(list[0].id.b, g1.id.b, SP_ID_LEN);
	assert_string_equal(list[0].goal, "Goal-text-9b07: see the dentist");
	assert_string_equal(list[1].goal, text);
	assert_int_equal(audited("plan.read"), reads + 1);

	/* moves with the version read; a stale version and a move the table lacks refused */
	struct sp_goal_change ch = {.version = 1, .set_status = true, .status = SP_GOAL_ACHIEVED};
	assert_int_equal(sp_plan_update(&me, &g2.id, &ch, NULL, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/status");
	ch.status = SP_GOAL_IN_PROGRESS;
	ok(sp_plan_update(&me, &g2.id, &ch, &changed, &err), &err, "in progress");
	assert_int_equal(changed.version, 2);
	assert_int_equal(changed.status, SP_GOAL_IN_PROGRESS);
	assert_int_equal(sp_plan_update(&me, &g2.id, &ch, NULL, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/version");
	ch = (struct sp_goal_change){.version = 2, .set_goal = true,
				     .goal = "Goal-text-c4a8: evening classes instead",
				     .set_review = true, .review_us = at("2026-09-01"),
				     .set_type = true, .type = "health"};
	ok(sp_plan_update(&me, &g2.id, &ch, &changed, &err), &err, "text, date, type");
	assert_int_equal(changed.review_us, at("2026-09-01"));
	assert_string_equal(changed.type, "health");
	ch = (struct sp_goal_change){.version = 3, .set_review = true, .review_us = 0};
	ok(sp_plan_update(&me, &g2.id, &ch, &changed, &err), &err, "no date");
	assert_int_equal(changed.review_us, 0);
	assert_int_equal(changed.status, SP_GOAL_IN_PROGRESS);
	assert_int_equal(audited("plan.update"), updates + 3);
	ok(sp_plan_list(&me, &c.id, &list, &n, &err), &err, "list again");
	assert_string_equal(list[1].goal, "Goal-text-c4a8: evening classes instead");
	assert_int_equal(list[1].version, 4);

	/* the text is sealed: nowhere in clear, on either store */
	const char *const clear[] = {"Goal-text-9b07", "Goal-text-5e1d", "Goal-text-c4a8"};
	for (size_t i = 0; i < 3; i++) {
		char sql[200];
		snprintf(sql, sizeof sql,
			 test_pg() ? "SELECT COUNT(*) FROM plan_goals WHERE position(convert_to('%s', "
				     "'UTF8') in goal) > 0"
				   : "SELECT COUNT(*) FROM plan_goals WHERE instr(goal, CAST('%s' AS "
				     "BLOB)) > 0",
			 clear[i]);
		assert_int_equal(test_scalar(store, sql), 0);
		if (!test_pg())
			assert_false(file_contains(db_path, clear[i]));
	}
}

/* Bad fields are named, and nothing is written. */
static void bad_goals_are_named(void **state)
{
	(void)state;
	struct sp_case c = plan_case();
	struct sp_casework me = as(&cw);
	char longer[SP_PLAN_GOAL_MAX + 2];
	memset(longer, 'g', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	const struct {
		struct sp_goal_new in;
		int code;
		const char *field;
	} rows[] = {
		{{.goal = "x"}, SP_EINVAL, "/type"},
		{{.type = "spaceship", .goal = "x"}, SP_EINVAL, "/type"},
		{{.type = "medical", .goal = "x"}, SP_EINVAL, "/type"}, /* a need, not a support type */
		{{.type = "health"}, SP_EINVAL, "/goal"},
		{{.type = "health", .goal = "   "}, SP_EINVAL, "/goal"},
		{{.type = "health", .goal = "a\001b"}, SP_EINVAL, "/goal"},
		{{.type = "health", .goal = longer}, SP_ETOOBIG, "/goal"},
		{{.type = "health", .goal = "x", .review_us = -5}, SP_EINVAL, "/review_at"},
	};
	int64_t before = goals();
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct sp_err err = {0};
		assert_int_equal(sp_plan_add(&me, &c.id, &rows[i].in, NULL, &err), rows[i].code);
		assert_string_equal(err.field, rows[i].field);
	}
	struct sp_err err = {0};
	struct sp_goal g;
	struct sp_goal_new fine = {.type = "legal", .goal = "Renew the permit"};
	ok(sp_plan_add(&me, &c.id, &fine, &g, &err), &err, "fine");
	assert_int_equal(goals(), before + 1);
	const struct sp_goal_change bad[] = {
		{.version = 1, .set_type = true, .type = "spaceship"},
		{.version = 1, .set_goal = true, .goal = NULL},
		{.version = 1, .set_status = true, .status = SP_GOAL_STATUS_COUNT},
		{.version = 1, .set_review = true, .review_us = -1},
	};
	const char *const fields[] = {"/type", "/goal", "/status", "/review_at"};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(sp_plan_update(&me, &g.id, &bad[i], NULL, &err), SP_EINVAL);
		assert_string_equal(err.field, fields[i]);
	}
	struct sp_id nothing;
	sp_id_new(&nothing);
	struct sp_goal_change ch = {.version = 1, .set_status = true, .status = SP_GOAL_IN_PROGRESS};
	assert_int_equal(sp_plan_update(&me, &nothing, &ch, NULL, &err), SP_ENOTFOUND);
	assert_int_equal(sp_plan_add(&me, &nothing, &fine, NULL, &err), SP_ENOTFOUND);
}

/* The audience of the case's needs: its caseworker and the agency's supervisor; not a
 * colleague, a screener, immigration across the firewall or a coordinator. */
static void who_may_and_may_not(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_case c = plan_case();
	struct sp_goal g, *list;
	size_t n;
	struct sp_goal_new in = {.type = "health", .goal = "A check-up"};
	struct sp_casework boss = as(&sup);
	ok(sp_plan_add(&boss, &c.id, &in, &g, &err), &err, "supervisor adds");
	ok(sp_plan_list(&boss, &c.id, &list, &n, &err), &err, "supervisor lists");
	assert_int_equal(n, 1);
	const struct sp_subject *const refused[] = {&colleague, &screener, &officer, &coord};
	int64_t before = goals();
	for (size_t i = 0; i < 4; i++) {
		struct sp_casework other = as(refused[i]);
		struct sp_goal_change ch = {.version = 1, .set_status = true,
					    .status = SP_GOAL_IN_PROGRESS};
		assert_int_equal(sp_plan_add(&other, &c.id, &in, NULL, &err), SP_EDENIED);
		assert_int_equal(sp_plan_list(&other, &c.id, &list, &n, &err), SP_EDENIED);
		assert_int_equal(sp_plan_update(&other, &g.id, &ch, NULL, &err), SP_EDENIED);
	}
	assert_int_equal(goals(), before);
	/* refusals are on the trail too */
	assert_true(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = 'plan.add' "
				       "AND reason LIKE 'denied:%'") >= 4);
}

struct walk {
	struct sp_case c;
	struct sp_goal g;
};

static int walk_op(void *ctx, int which, struct sp_err *err)
{
	struct walk *w = ctx;
	struct sp_casework me = as(&cw);
	if (which == 0) {
		struct sp_goal_new in = {.type = "legal", .goal = "Walk the goal", .review_us = 1};
		return sp_plan_add(&me, &w->c.id, &in, &w->g, err);
	}
	struct sp_goal_change ch = {.version = w->g.version, .set_status = true,
				    .status = SP_GOAL_IN_PROGRESS, .set_goal = true,
				    .goal = "Walked on"};
	return sp_plan_update(&me, &w->g.id, &ch, NULL, err);
}

/* A failure at any store call of an add or a change leaves the goals and the trail as they
 * were. */
static void fault_walk(void **state)
{
	(void)state;
	struct walk w = {.c = plan_case()};
	static const char *const tables[] = {"plan_goals", "audit_log"};
	fault_walk_over(tables, 2, 2, walk_op, &w);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM plan_goals WHERE status = "
					    "'in_progress' AND version = 2"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(statuses_follow_the_table),
		cmocka_unit_test(reviews_fall_overdue),
		cmocka_unit_test(a_goal_through_its_life),
		cmocka_unit_test(bad_goals_are_named),
		cmocka_unit_test(who_may_and_may_not),
		cmocka_unit_test(fault_walk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
