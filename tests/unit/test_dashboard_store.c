/* The dashboard on a real store (SQLite, or PostgreSQL with SAFEPATH_TEST_PG): a caseworker's
 * open cases counted per priority and listed urgent first, then the latest update (a closed
 * case and a colleague's left out); the open tasks due within seven days of an injected now,
 * overdue ones counted apart; the overdue targets on the caseworker's cases, and on the whole
 * agency for a supervisor; one audit record naming the cases shown; a subject who may list no
 * case refused and the refusal recorded; the tasks' cases read ahead, not one by one; a
 * section of another wing (the referrals awaiting an answer) read in the same transaction,
 * its record written with the dashboard's. Every expected value below is worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "safepath/caseapproval.h"
#include "safepath/caseevent.h"
#include "safepath/caselife.h"
#include "safepath/dashboard.h"
#include "safepath/jurisdiction.h"
#include "safepath/referral.h"

#include "helpers.h"
#include "world.h"

static struct sp_jurisdictions jurs;
static struct sp_id ngo, other;
static struct sp_subject caseworker, colleague, supervisor, coordinator, outsider;
/* the caseworker's cases, and the colleague's */
static struct sp_case c_low, c_urgent, c_normal1, c_normal2, c_high, c_closed, c_theirs;
static struct sp_task t_overdue, t_soon;

static int64_t at(const char *rfc3339)
{
	int64_t us;
	assert_int_equal(sp_time_parse(rfc3339, &us), SP_OK);
	return us;
}

static struct sp_case with_priority(const struct sp_subject *who, const char *name,
				    enum sp_case_priority p)
{
	char person[128];
	snprintf(person, sizeof person, "{\"names\": [{\"role\": \"given\", \"romanised\": \"%s\"}]}",
		 name);
	struct sp_case c = open_case(who, person, 0);
	if (p == SP_PRIORITY_NORMAL)
		return c;
	struct sp_casework cw = as(who);
	struct sp_err err = {0};
	struct sp_case_change ch = {.version = c.version, .set_priority = true, .priority = p};
	ok(sp_case_update(&cw, &c.id, &ch, &c, &err), &err, "priority");
	return c;
}

static struct sp_task task(const struct sp_case *c, const char *title, const char *due,
			   enum sp_task_priority p)
{
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_task t;
	const struct sp_task_new in = {.kind = title ? NULL : "medical_check",
				       .title = title,
				       .due_us = due ? at(due) : 0,
				       .priority = p};
	ok(sp_task_add(&cw, &c->id, &in, &t, &err), &err, "task");
	return t;
}

static void referral(const struct sp_subject *who, const struct sp_case *c, const char *when)
{
	struct sp_casework cw = as(who);
	struct sp_err err = {0};
	struct sp_case_event_effect fx;
	ok(sp_case_event_record(&cw, &jurs, sp_jurisdictions_find(&jurs, "gb-eng-wls"), &c->id,
				SP_EVENT_REFERRAL, at(when), &fx, &err),
	   &err, "referral");
	assert_int_equal(fx.n_started, 1);
}

static int setup(void **state)
{
	(void)state;
	struct sp_err err = {0};
	if (world_open("dashboard") || sp_jurisdictions_load(NULL, &jurs, &err))
		return -1;
	add_agency(&ngo, "NGO", "ngo");
	add_agency(&other, "OTH", "ngo");
	add_user(&caseworker, "cw", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&colleague, "cw2", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&supervisor, "sup", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&coordinator, "coord", &ngo, SP_AGENCY_NGO, SP_ROLE_COORDINATOR);
	add_user(&outsider, "out", &other, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	c_low = with_priority(&caseworker, "Lowe", SP_PRIORITY_LOW);
	c_urgent = with_priority(&caseworker, "Urgenta", SP_PRIORITY_URGENT);
	c_normal1 = with_priority(&caseworker, "Normanda", SP_PRIORITY_NORMAL);
	c_normal2 = with_priority(&caseworker, "Normanta", SP_PRIORITY_NORMAL);
	c_high = with_priority(&caseworker, "Haya", SP_PRIORITY_HIGH);
	c_closed = with_priority(&caseworker, "Clotilde", SP_PRIORITY_URGENT);
	c_theirs = with_priority(&colleague, "Otherine", SP_PRIORITY_URGENT);
	/* the first normal case changes last, so it comes before the second */
	struct sp_casework cw = as(&caseworker);
	struct sp_case_change flag = {.version = c_normal1.version,
				      .flags_on = SP_CASE_SEPARATED_CHILD};
	ok(sp_case_update(&cw, &c_normal1.id, &flag, &c_normal1, &err), &err, "flag");
	struct sp_casework boss = as(&supervisor);
	/* closed as cases close: the caseworker asks, the supervisor approves */
	const struct sp_closure_request ask = {.reason = "objectives_met"};
	struct sp_case_approval ap;
	ok(sp_case_closure_request(&cw, &c_closed.id, &ask, &ap, &err), &err, "closure request");
	const struct sp_caseappr_decision yes = {.version = ap.version, .approve = true};
	ok(sp_case_approval_decide(&boss, &ap.id, &yes, &ap, &err), &err, "close");
	ok(sp_case_get(&boss, &c_closed.id, &c_closed, &err), &err, "closed case");
	/* now is 1 July 2026 00:00 UTC: due before 8 July 00:00 */
	t_overdue = task(&c_high, "Call the clinic back", "2026-06-30T09:00:00Z", SP_TASK_SOON);
	t_soon = task(&c_urgent, NULL, "2026-07-05T09:00:00Z", SP_TASK_URGENT);
	(void)task(&c_urgent, NULL, "2026-07-08T00:00:00Z", SP_TASK_ROUTINE); /* not before */
	(void)task(&c_low, NULL, NULL, SP_TASK_ROUTINE);		      /* no due date */
	struct sp_task done = task(&c_low, NULL, "2026-07-02T09:00:00Z", SP_TASK_IMMEDIATE);
	struct sp_task_change mark = {.version = done.version,
				      .set_status = true,
				      .status = SP_TASK_DONE};
	ok(sp_task_update(&cw, &done.id, &mark, &done, &err), &err, "done");
	/* England and Wales: a referral on Monday 1 June is due at the end of Monday 8 June;
	 * one on Wednesday 24 June at the end of Wednesday 1 July, not overdue yet */
	referral(&caseworker, &c_normal2, "2026-06-01T10:00:00Z");
	referral(&caseworker, &c_high, "2026-06-24T10:00:00Z");
	referral(&colleague, &c_theirs, "2026-06-02T10:00:00Z");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_jurisdictions_free(&jurs);
	return world_close();
}

static int64_t audit_rows(void)
{
	return test_scalar(store, "SELECT COUNT(*) FROM audit_log");
}

/* The newest audit record's action, object and further objects. */
static struct sp_audit_rec last_record(struct sp_id *objects, size_t *n)
{
	struct sp_stmt *st;
	struct sp_err err = {0};
	ok(sp_store_prepare(store,
			    "SELECT action, fields, reason, object_id, objects FROM audit_log "
			    "ORDER BY seq DESC LIMIT 1",
			    &st, &err),
	   &err, "audit");
	assert_int_equal(sp_stmt_step(st, &err), 1);
	static char action[64], fields[64], reason[64];
	snprintf(action, sizeof action, "%s", sp_stmt_text(st, 0));
	snprintf(fields, sizeof fields, "%s", sp_stmt_text(st, 1));
	snprintf(reason, sizeof reason, "%s", sp_stmt_text(st, 2));
	struct sp_audit_rec rec = {.action = action, .fields = fields, .reason = reason};
	assert_int_equal(sp_stmt_id(st, 3, &rec.object_id), 0);
	size_t len = 0;
	const void *more = sp_stmt_blob(st, 4, &len);
	*n = len / SP_ID_LEN;
	if (len)
		memcpy(objects, more, len);
	sp_stmt_done(st);
	return rec;
}

static void assert_id(const struct sp_id *got, const struct sp_id *want)
{
	assert_memory_equal(got->b, want->b, SP_ID_LEN);
}

static void caseworker_sees_own_work(void **state)
{
	(void)state;
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_dashboard d;
	int64_t before = audit_rows();
	ok(sp_dashboard_read(&cw, at("2026-07-01T00:00:00Z"), NULL, &d, &err), &err, "dashboard");
	assert_int_equal(audit_rows(), before + 1);
	/* five open cases: the closed one and the colleague's are not the caseworker's */
	assert_int_equal(d.open_cases, 5);
	assert_int_equal(d.by_priority[SP_PRIORITY_LOW], 1);
	assert_int_equal(d.by_priority[SP_PRIORITY_NORMAL], 2);
	assert_int_equal(d.by_priority[SP_PRIORITY_HIGH], 1);
	assert_int_equal(d.by_priority[SP_PRIORITY_URGENT], 1);
	assert_int_equal(d.n_cases, 5);
	const struct sp_case *order[] = {&c_urgent, &c_high, &c_normal1, &c_normal2, &c_low};
	const char *names[] = {"Urgenta", "Haya", "Normanda", "Normanta", "Lowe"};
	for (size_t i = 0; i < 5; i++) {
		assert_id(&d.cases[i].case_id, &order[i]->id);
		assert_string_equal(d.cases[i].name, names[i]);
	}
	/* tasks: the overdue one, then the one due on 5 July; not the one due on 8 July at
	 * midnight (not before it), the undated one or the done one */
	assert_true(d.has_tasks);
	assert_int_equal(d.due_before, at("2026-07-08T00:00:00Z"));
	assert_int_equal(d.tasks_due, 2);
	assert_int_equal(d.tasks_overdue, 1);
	assert_int_equal(d.n_tasks, 2);
	assert_id(&d.tasks[0].id, &t_overdue.id);
	assert_string_equal(d.tasks[0].title, "Call the clinic back");
	assert_string_equal(d.tasks[0].case_number, c_high.number);
	assert_id(&d.tasks[1].id, &t_soon.id);
	assert_null(d.tasks[1].title);
	/* the target of 1 June (due 8 June) is overdue; the one of 24 June is not yet, and the
	 * colleague's is the colleague's */
	assert_true(d.has_deadlines);
	assert_false(d.agency_scope);
	assert_int_equal(d.deadlines_overdue, 1);
	assert_int_equal(d.n_deadlines, 1);
	assert_id(&d.deadlines[0].case_id, &c_normal2.id);
	assert_string_equal(d.deadlines[0].rule, "rg_decision");
	assert_string_equal(d.deadlines[0].case_number, c_normal2.number);
	/* one record naming the five cases shown, in the order shown */
	struct sp_id more[SP_AUDIT_OBJECTS_MAX];
	size_t n = 0;
	struct sp_audit_rec rec = last_record(more, &n);
	assert_string_equal(rec.action, "dashboard.read");
	assert_string_equal(rec.fields, "stat,identity,notes");
	assert_id(&rec.object_id, &c_urgent.id);
	assert_int_equal(n, 4);
	assert_id(&more[0], &c_high.id);
	assert_id(&more[1], &c_normal1.id);
	assert_id(&more[2], &c_normal2.id);
	assert_id(&more[3], &c_low.id);
}

/* A week later the target of 24 June (due 1 July) is overdue too, soonest first; the task
 * due on 5 July is overdue, and the one of 8 July is due. */
static void a_week_later(void **state)
{
	(void)state;
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_dashboard d;
	ok(sp_dashboard_read(&cw, at("2026-07-08T00:00:00Z"), NULL, &d, &err), &err, "dashboard");
	assert_int_equal(d.tasks_due, 3);
	assert_int_equal(d.tasks_overdue, 2);
	assert_int_equal(d.deadlines_overdue, 2);
	assert_id(&d.deadlines[0].case_id, &c_normal2.id);
	assert_id(&d.deadlines[1].case_id, &c_high.id);
}

/* The supervisor's deadlines are the agency's: the caseworker's and the colleague's. The
 * supervisor is assigned no case: no case row, no task. */
static void supervisor_sees_the_agency(void **state)
{
	(void)state;
	struct sp_casework cw = as(&supervisor);
	struct sp_err err = {0};
	struct sp_dashboard d;
	ok(sp_dashboard_read(&cw, at("2026-07-01T00:00:00Z"), NULL, &d, &err), &err, "dashboard");
	assert_int_equal(d.open_cases, 0);
	assert_int_equal(d.n_cases, 0);
	assert_true(d.agency_scope);
	assert_int_equal(d.deadlines_overdue, 2);
	assert_id(&d.deadlines[0].case_id, &c_normal2.id); /* due 8 June */
	assert_id(&d.deadlines[1].case_id, &c_theirs.id);  /* due 9 June */
	struct sp_id more[SP_AUDIT_OBJECTS_MAX];
	size_t n = 0;
	struct sp_audit_rec rec = last_record(more, &n);
	assert_string_equal(rec.action, "dashboard.read");
	assert_string_equal(rec.fields, "stat");
	assert_id(&rec.object_id, &c_normal2.id);
	assert_int_equal(n, 1);
	assert_id(&more[0], &c_theirs.id);
}

/* Another agency's caseworker: nothing of the NGO's, and still one record (naming none). */
static void outsider_sees_nothing(void **state)
{
	(void)state;
	struct sp_casework cw = as(&outsider);
	struct sp_err err = {0};
	struct sp_dashboard d;
	int64_t before = audit_rows();
	ok(sp_dashboard_read(&cw, at("2026-07-01T00:00:00Z"), NULL, &d, &err), &err, "dashboard");
	assert_int_equal(audit_rows(), before + 1);
	assert_int_equal(d.open_cases + d.n_cases + d.tasks_due + d.n_tasks, 0);
	assert_int_equal(d.deadlines_overdue + d.n_deadlines, 0);
}

/* A coordinator sees aggregates only: refused, and the refusal is on the trail. */
static void coordinator_refused(void **state)
{
	(void)state;
	struct sp_casework cw = as(&coordinator);
	struct sp_err err = {0};
	struct sp_dashboard d;
	assert_int_equal(sp_dashboard_read(&cw, at("2026-07-01T00:00:00Z"), NULL, &d, &err),
			 SP_EDENIED);
	assert_string_equal(err.reason, "aggregates_only");
	struct sp_id more[SP_AUDIT_OBJECTS_MAX];
	size_t n = 0;
	struct sp_audit_rec rec = last_record(more, &n);
	assert_string_equal(rec.action, "dashboard.read");
	assert_string_equal(rec.reason, "denied:aggregates_only");
}

/* The store calls of the caseworker's dashboard on 1 July (sp_store_calls). */
static long dashboard_calls(void)
{
	struct sp_casework cw = as(&caseworker);
	struct sp_err err = {0};
	struct sp_dashboard d;
	sp_store_fail_at(store, 0); /* counts from zero, fails nothing */
	ok(sp_dashboard_read(&cw, at("2026-07-01T00:00:00Z"), NULL, &d, &err), &err, "dashboard");
	return sp_store_calls(store);
}

/* The tasks' cases are read ahead with one statement, not one a task: three more tasks due,
 * on three of the caseworker's cases the dashboard already shows, cost six calls — a step
 * of the tasks' statement and a step of the read-ahead's each — where a read of each case
 * would cost nine (its prepare and its step instead of the read-ahead's row). */
static void tasks_cases_read_ahead(void **state)
{
	(void)state;
	long before = dashboard_calls();
	(void)task(&c_normal1, NULL, "2026-07-03T09:00:00Z", SP_TASK_ROUTINE);
	(void)task(&c_normal2, NULL, "2026-07-03T09:00:00Z", SP_TASK_ROUTINE);
	(void)task(&c_low, NULL, "2026-07-03T09:00:00Z", SP_TASK_ROUTINE);
	assert_int_equal(dashboard_calls(), before + 6);
}

/* The referrals section as the API adds it: the agency's referrals awaiting an answer (none
 * in this world's NGO). */
static int awaiting_section(struct sp_casework *cw, void *ctx, struct sp_err *err)
{
	size_t *awaiting = ctx, n = 0, withheld = 0;
	struct sp_case_referral *list = NULL;
	return sp_referral_awaiting(cw, 10, awaiting, &list, &n, &withheld, err);
}

static int failing_section(struct sp_casework *cw, void *ctx, struct sp_err *err)
{
	(void)cw;
	(void)ctx;
	return sp_err_set(err, SP_EUNAVAIL, "", "the section failed");
}

/* The audit records from seq on, each "action|n" (n: its object and its further objects; a
 * record naming none has a zero object), in order, into out. */
static void records_from(int64_t seq, char *out, size_t size)
{
	struct sp_stmt *st;
	struct sp_err err = {0};
	ok(sp_store_prepare(store,
			    "SELECT action, objects FROM audit_log WHERE seq >= ? ORDER BY seq", &st,
			    &err),
	   &err, "records");
	assert_int_equal(sp_stmt_bind_int64(st, 1, seq), 0);
	size_t at = 0;
	out[0] = '\0';
	while (sp_stmt_step(st, &err) == 1) {
		size_t len = 0;
		(void)sp_stmt_blob(st, 1, &len);
		at += (size_t)snprintf(out + at, size - at, "%s|%zu ", sp_stmt_text(st, 0),
				       len / SP_ID_LEN + 1);
		assert_true(at < size);
	}
	sp_stmt_done(st);
}

/* A section of a wing above casework runs in the dashboard's read: with the group-commit
 * writer, dashboard.read and the section's own referral.list are submitted together and
 * written one after the other; a failing section fails the whole read, and neither record
 * is written (nothing was shown). Without a writer (the CLI's way), the same. */
static void a_section_in_the_same_read(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_store *ws = NULL;
	struct sp_store_options opt = {.busy_timeout_ms = 1000};
	ok(sp_store_open(db_url, &opt, &ws, &err), &err, "writer's store");
	struct sp_audit_writer *w = NULL;
	ok(sp_audit_writer_start(ws, akeys, NULL, &w, &err), &err, "writer");
	struct sp_dashboard d;
	char got[256];
	for (int with_writer = 0; with_writer < 2; with_writer++) {
		struct sp_casework cw = as(&caseworker);
		cw.read_audit = with_writer ? w : NULL;
		size_t awaiting = 99;
		const struct sp_dashboard_section more = {awaiting_section, &awaiting};
		int64_t next = test_scalar(store, "SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_log");
		ok(sp_dashboard_read(&cw, at("2026-07-01T00:00:00Z"), &more, &d, &err), &err,
		   "dashboard");
		assert_int_equal(awaiting, 0);
		assert_int_equal(d.n_cases, 5);
		/* the five cases shown; no referral shown, the count audited */
		records_from(next, got, sizeof got);
		assert_string_equal(got, "dashboard.read|5 referral.list|1 ");
		const struct sp_dashboard_section broken = {failing_section, NULL};
		next += 2;
		assert_int_equal(sp_dashboard_read(&cw, at("2026-07-01T00:00:00Z"), &broken, &d, &err),
				 SP_EUNAVAIL);
		records_from(next, got, sizeof got);
		assert_string_equal(got, "");
	}
	sp_audit_writer_stop(w);
	sp_store_close(ws);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(caseworker_sees_own_work),
		cmocka_unit_test(a_week_later),
		cmocka_unit_test(supervisor_sees_the_agency),
		cmocka_unit_test(outsider_sees_nothing),
		cmocka_unit_test(coordinator_refused),
		cmocka_unit_test(tasks_cases_read_ahead),
		cmocka_unit_test(a_section_in_the_same_read),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
