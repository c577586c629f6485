/* Notifications on a real store (SQLite, or PostgreSQL with SAFEPATH_TEST_PG): who sees a
 * notice (by name, by role in the agency, nobody else), dedupe keys, bad notices at their
 * field, marks read per reader, pages; what notifies today (a task given to someone else, a
 * pending approval, an overdue target, with an injected clock); a failure anywhere in a task's
 * create leaving neither task nor notification; and the delivery through the spool driver:
 * every file byte for byte as written by hand here, 0600, sent once, sent again after a lost
 * mark as the same file, a failing driver losing nothing, and no name or title anywhere. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "safepath/deadline.h"
#include "safepath/notification.h"
#include "safepath/task.h"

#include "helpers.h"
#include "world.h"

static struct sp_id ngo, other;
static struct sp_subject admin, caseworker, colleague, supervisor, supervisor2, focal, screener,
	outsider, outside_sup;

static int setup(void **state)
{
	(void)state;
	if (world_open("notification"))
		return -1;
	sp_access_set_audit_keys(&access_ctx, akeys);
	access_ctx.pw = (struct sp_kdf_params){.ops = 1, .mem = 8192};
	add_agency(&ngo, "NGO", "ngo");
	add_agency(&other, "OTH", "ngo");
	add_user(&admin, "adm", &ngo, SP_AGENCY_NGO, SP_ROLE_ADMIN);
	add_user(&caseworker, "cw", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&colleague, "cw2", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&supervisor, "sup", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&supervisor2, "sup2", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR | SP_ROLE_CASEWORKER);
	add_user(&focal, "fp", &ngo, SP_AGENCY_NGO, SP_ROLE_FOCAL_POINT);
	add_user(&screener, "scr", &ngo, SP_AGENCY_NGO, SP_ROLE_SCREENER);
	add_user(&outsider, "out", &other, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&outside_sup, "osup", &other, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return world_close();
}

/* Each test starts with no notification. */
static int empty(void **state)
{
	(void)state;
	exec_sql("DELETE FROM notification_reads");
	exec_sql("DELETE FROM notifications");
	exec_sql("DELETE FROM deadlines");
	return 0;
}

static int64_t at(const char *rfc3339)
{
	int64_t us;
	assert_int_equal(sp_time_parse(rfc3339, &us), SP_OK);
	return us;
}

static int notify(const struct sp_notice *n, bool *added, struct sp_err *err)
{
	struct sp_err e2 = {0};
	ok(sp_store_begin_write(store, &e2), &e2, "begin");
	int rc = sp_notify(store, n, added, err);
	if (rc)
		sp_store_rollback(store);
	else
		ok(sp_store_commit(store, &e2), &e2, "commit");
	return rc;
}

static size_t list(const struct sp_subject *who, bool unread, struct sp_notification *out)
{
	struct sp_err err = {0};
	struct sp_id next;
	size_t n = 0;
	ok(sp_notification_list(store, who, unread, NULL, out, SP_NOTIFICATION_PAGE_MAX, &n, &next,
				&err),
	   &err, "list");
	assert_true(sp_id_is_zero(&next));
	return n;
}

static int64_t unread(const struct sp_subject *who)
{
	struct sp_err err = {0};
	int64_t n = -1;
	ok(sp_notification_unread(store, who, &n, &err), &err, "unread");
	return n;
}

/* A case the caseworker opens for a person of that given name. */
static struct sp_case named_case(const char *given)
{
	char person[160];
	snprintf(person, sizeof person,
		 "{\"names\": [{\"role\": \"given\", \"romanised\": \"%s\"}]}", given);
	return open_case(&caseworker, person, 0);
}

static bool same(const struct sp_id *a, const struct sp_id *b)
{
	return memcmp(a->b, b->b, SP_ID_LEN) == 0;
}

/* A notice to one user reaches them only; one to the supervisors of an agency reaches each
 * supervisor of that agency (also one with another role beside it) and nobody else. */
static void who_sees_what(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_notification page[SP_NOTIFICATION_PAGE_MAX];
	struct sp_id task, approval, kase;
	sp_id_new(&task);
	sp_id_new(&approval);
	sp_id_new(&kase);
	bool added = false;
	struct sp_notice direct = {.kind = SP_NOTIFY_TASK_ASSIGNED, .user = &colleague.user,
				   .agency = ngo, .object = task, .case_id = &kase};
	ok(notify(&direct, &added, &err), &err, "direct");
	assert_true(added);
	struct sp_notice role = {.kind = SP_NOTIFY_APPROVAL_PENDING, .agency = ngo,
				 .roles = SP_ROLE_SUPERVISOR, .object = approval};
	ok(notify(&role, &added, &err), &err, "role");
	assert_true(added);

	assert_int_equal(list(&colleague, false, page), 1);
	assert_int_equal(page[0].kind, SP_NOTIFY_TASK_ASSIGNED);
	assert_true(same(&page[0].object, &task));
	assert_true(same(&page[0].case_id, &kase));
	assert_false(page[0].for_role);
	assert_int_equal(page[0].read_us, 0);
	char link[80], id[SP_ID_STRLEN + 1];
	sp_id_format(&kase, id);
	snprintf(link, sizeof link, "/cases/%s", id);
	assert_string_equal(page[0].link, link);

	assert_int_equal(list(&supervisor, false, page), 1);
	assert_int_equal(page[0].kind, SP_NOTIFY_APPROVAL_PENDING);
	assert_true(page[0].for_role);
	assert_true(sp_id_is_zero(&page[0].case_id));
	assert_string_equal(page[0].link, "");
	assert_int_equal(list(&supervisor2, false, page), 1);

	assert_int_equal(list(&caseworker, false, page), 0);
	assert_int_equal(list(&screener, false, page), 0);
	assert_int_equal(list(&outsider, false, page), 0);
	assert_int_equal(list(&outside_sup, false, page), 0);
	assert_int_equal(list(&admin, false, page), 0);
	assert_int_equal(unread(&colleague), 1);
	assert_int_equal(unread(&supervisor), 1);
	assert_int_equal(unread(&outside_sup), 0);

	/* the same thing again adds nothing: by the default key, and by a key given */
	ok(notify(&role, &added, &err), &err, "role again");
	assert_false(added);
	direct.dedupe = "task.assigned:x@1";
	ok(notify(&direct, &added, &err), &err, "keyed");
	assert_true(added);
	ok(notify(&direct, &added, &err), &err, "keyed again");
	assert_false(added);
	assert_int_equal(unread(&colleague), 2);
	assert_int_equal(unread(&supervisor), 1);
}

/* Every bad notice is refused at its field and writes nothing; outside a transaction too. */
static void bad_notices(void **state)
{
	(void)state;
	struct sp_id object, kase;
	sp_id_new(&object);
	sp_id_new(&kase);
	char long_key[SP_NOTIFICATION_DEDUPE_MAX + 1];
	memset(long_key, 'k', sizeof long_key - 1);
	long_key[sizeof long_key - 1] = '\0';
	static const struct sp_id zero = {{0}};
	const struct {
		struct sp_notice n;
		const char *field;
	} cases[] = {
		{{.kind = SP_NOTIFY_KIND_COUNT, .user = &colleague.user, .agency = ngo,
		  .object = object, .case_id = &kase},
		 "kind"},
		{{.kind = SP_NOTIFY_APPROVAL_PENDING, .agency = ngo, .object = object}, "roles"},
		{{.kind = SP_NOTIFY_APPROVAL_PENDING, .agency = ngo, .roles = 1u << 12,
		  .object = object},
		 "roles"},
		{{.kind = SP_NOTIFY_APPROVAL_PENDING, .agency = zero, .roles = SP_ROLE_SUPERVISOR,
		  .object = object},
		 "agency"},
		{{.kind = SP_NOTIFY_APPROVAL_PENDING, .agency = ngo, .roles = SP_ROLE_SUPERVISOR,
		  .object = zero},
		 "object"},
		{{.kind = SP_NOTIFY_APPROVAL_PENDING, .agency = ngo, .roles = SP_ROLE_SUPERVISOR,
		  .object = object, .case_id = &kase},
		 "case_id"},
		{{.kind = SP_NOTIFY_TASK_ASSIGNED, .user = &colleague.user, .agency = ngo,
		  .object = object},
		 "case_id"},
		{{.kind = SP_NOTIFY_TASK_ASSIGNED, .user = &colleague.user, .agency = ngo,
		  .object = object, .case_id = &kase, .dedupe = ""},
		 "dedupe"},
		{{.kind = SP_NOTIFY_TASK_ASSIGNED, .user = &colleague.user, .agency = ngo,
		  .object = object, .case_id = &kase, .dedupe = long_key},
		 "dedupe"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct sp_err err = {0};
		assert_int_equal(notify(&cases[i].n, NULL, &err), SP_EINVAL);
		assert_string_equal(err.field, cases[i].field);
	}
	struct sp_err err = {0};
	struct sp_notice fine = {.kind = SP_NOTIFY_APPROVAL_PENDING, .agency = ngo,
				 .roles = SP_ROLE_SUPERVISOR, .object = object};
	assert_int_equal(sp_notify(store, &fine, NULL, &err), SP_EINTERNAL);
	struct sp_notification page[SP_NOTIFICATION_PAGE_MAX];
	assert_int_equal(list(&supervisor, false, page), 0);
	assert_int_equal(list(&colleague, false, page), 0);
}

/* Read marks are each reader's own; read-all marks only the reader's; a notification of
 * someone else is not found, like one that does not exist. */
static void reads_are_per_reader(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_notification page[SP_NOTIFICATION_PAGE_MAX], got;
	struct sp_id a1, a2, task, kase, nobody;
	sp_id_new(&a1);
	sp_id_new(&a2);
	sp_id_new(&task);
	sp_id_new(&kase);
	sp_id_new(&nobody);
	struct sp_notice n1 = {.kind = SP_NOTIFY_APPROVAL_PENDING, .agency = ngo,
			       .roles = SP_ROLE_SUPERVISOR, .object = a1,
			       .now_us = at("2026-06-01T09:00:00Z")};
	struct sp_notice n2 = n1;
	n2.object = a2;
	n2.now_us = at("2026-06-01T10:00:00Z");
	struct sp_notice n3 = {.kind = SP_NOTIFY_TASK_ASSIGNED, .user = &supervisor.user,
			       .agency = ngo, .object = task, .case_id = &kase};
	ok(notify(&n1, NULL, &err), &err, "n1");
	ok(notify(&n2, NULL, &err), &err, "n2");
	ok(notify(&n3, NULL, &err), &err, "n3");
	assert_int_equal(list(&supervisor, false, page), 3);
	assert_int_equal(unread(&supervisor), 3);
	assert_int_equal(unread(&supervisor2), 2);

	/* newest first: n3, n2, n1 */
	assert_true(same(&page[0].object, &task));
	assert_true(same(&page[1].object, &a2));
	assert_true(same(&page[2].object, &a1));
	struct sp_id first_id = page[2].id;

	ok(sp_notification_read(store, &supervisor, &first_id, at("2026-06-02T08:00:00Z"), &got,
				&err),
	   &err, "read");
	assert_int_equal(got.read_us, at("2026-06-02T08:00:00Z"));
	/* again: still read at the first instant */
	ok(sp_notification_read(store, &supervisor, &first_id, at("2026-06-03T08:00:00Z"), &got,
				&err),
	   &err, "read again");
	assert_int_equal(got.read_us, at("2026-06-02T08:00:00Z"));
	assert_int_equal(unread(&supervisor), 2);
	assert_int_equal(unread(&supervisor2), 2);
	assert_int_equal(list(&supervisor, true, page), 2);
	assert_true(same(&page[0].object, &task));
	assert_true(same(&page[1].object, &a2));

	/* not theirs, or nothing at all: the same answer */
	assert_int_equal(sp_notification_read(store, &outside_sup, &first_id, 0, NULL, &err),
			 SP_ENOTFOUND);
	assert_int_equal(sp_notification_read(store, &caseworker, &first_id, 0, NULL, &err),
			 SP_ENOTFOUND);
	assert_int_equal(sp_notification_read(store, &supervisor, &nobody, 0, NULL, &err),
			 SP_ENOTFOUND);

	int64_t marked = -1;
	ok(sp_notification_read_all(store, &supervisor2, 0, &marked, &err), &err, "read all");
	assert_int_equal(marked, 2);
	assert_int_equal(unread(&supervisor2), 0);
	assert_int_equal(unread(&supervisor), 2);
	ok(sp_notification_read_all(store, &supervisor2, 0, &marked, &err), &err, "again");
	assert_int_equal(marked, 0);
	ok(sp_notification_read_all(store, &supervisor, 0, &marked, &err), &err, "sup");
	assert_int_equal(marked, 2);
	assert_int_equal(list(&supervisor, true, page), 0);
	assert_int_equal(list(&supervisor, false, page), 3);
}

/* Seven notices to the caseworker, the i-th at 09:00 plus i * step microseconds. */
static void seven_notices(const struct sp_id *objects, const struct sp_id *kase, int64_t step)
{
	struct sp_err err = {0};
	exec_sql("DELETE FROM notifications");
	for (int i = 0; i < 7; i++) {
		struct sp_notice n = {.kind = SP_NOTIFY_TASK_ASSIGNED, .user = &caseworker.user,
				      .agency = ngo, .object = objects[i], .case_id = kase,
				      .now_us = at("2026-06-01T09:00:00Z") + i * step};
		ok(notify(&n, NULL, &err), &err, "notify");
	}
}

/* The caseworker's list in pages of three: 3, 3, 1, each cursor the page's last, the last
 * page's zero; all seven into out in the order read. */
static void three_pages(struct sp_notification out[7])
{
	struct sp_err err = {0};
	struct sp_id next, after;
	size_t n = 0, got = 0;
	const size_t sizes[] = {3, 3, 1};
	for (int p = 0; p < 3; p++) {
		ok(sp_notification_list(store, &caseworker, false, p ? &after : NULL, out + got, 3,
					&n, &next, &err),
		   &err, "page");
		assert_int_equal(n, sizes[p]);
		assert_int_equal(sp_id_is_zero(&next), p == 2);
		got += n;
		after = next;
	}
}

/* Seven notices in pages of three, newest first; seven at one instant, each exactly once. */
static void pages(void **state)
{
	(void)state;
	struct sp_id objects[7], kase;
	struct sp_notification all[7];
	sp_id_new(&kase);
	for (int i = 0; i < 7; i++)
		sp_id_new(&objects[i]);
	seven_notices(objects, &kase, 1);
	three_pages(all);
	for (int i = 0; i < 7; i++)
		assert_true(same(&all[i].object, &objects[6 - i]));

	seven_notices(objects, &kase, 0);
	three_pages(all);
	for (int k = 0; k < 7; k++) {
		int seen = 0;
		for (int i = 0; i < 7; i++)
			seen += same(&all[i].object, &objects[k]);
		assert_int_equal(seen, 1);
	}
}

/* A task the supervisor gives to the case's caseworker notifies the caseworker; one the
 * caseworker keeps does not; a reassignment notifies the new assignee, and a task coming back
 * notifies again; a change that keeps the assignee notifies nobody. */
static void tasks_notify_their_assignee(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_notification page[SP_NOTIFICATION_PAGE_MAX];
	struct sp_case c = named_case("Notifa");
	struct sp_casework cw = as(&caseworker), sup = as(&supervisor);
	struct sp_task mine, given;
	struct sp_task_new keep = {.title = "Call the shelter", .priority = SP_TASK_ROUTINE};
	ok(sp_task_add(&cw, &c.id, &keep, &mine, &err), &err, "mine");
	struct sp_task_new give = {.kind = "medical_check", .assignee = &caseworker.user,
				   .priority = SP_TASK_URGENT};
	ok(sp_task_add(&sup, &c.id, &give, &given, &err), &err, "given");
	assert_int_equal(list(&supervisor, false, page), 0);
	assert_int_equal(list(&caseworker, false, page), 1);
	assert_int_equal(page[0].kind, SP_NOTIFY_TASK_ASSIGNED);
	assert_true(same(&page[0].object, &given.id));
	assert_true(same(&page[0].case_id, &c.id));

	/* the supervisor gives the caseworker's own task to the other supervisor, then back */
	struct sp_task_change ch = {.version = mine.version, .set_assignee = true,
				    .assignee = supervisor2.user};
	ok(sp_task_update(&sup, &mine.id, &ch, &mine, &err), &err, "to supervisor2");
	assert_int_equal(list(&supervisor2, false, page), 1);
	assert_true(same(&page[0].object, &mine.id));
	ch = (struct sp_task_change){.version = mine.version, .set_assignee = true,
				     .assignee = caseworker.user};
	ok(sp_task_update(&sup, &mine.id, &ch, &mine, &err), &err, "back");
	assert_int_equal(list(&caseworker, false, page), 2);
	assert_true(same(&page[0].object, &mine.id));
	ch = (struct sp_task_change){.version = mine.version, .set_priority = true,
				     .priority = SP_TASK_SOON, .set_assignee = true,
				     .assignee = caseworker.user};
	ok(sp_task_update(&sup, &mine.id, &ch, &mine, &err), &err, "priority");
	assert_int_equal(list(&caseworker, false, page), 2);
	assert_int_equal(list(&supervisor2, false, page), 1);

	/* a refused assignee (a colleague not on the case) writes neither task nor notice */
	struct sp_task_new bad = {.kind = "medical_check", .assignee = &colleague.user};
	assert_int_equal(sp_task_add(&sup, &c.id, &bad, NULL, &err), SP_EINVAL);
	assert_string_equal(err.field, "/assignee");
	assert_int_equal(list(&colleague, false, page), 0);

	/* the title and the person's name are nowhere near a notification */
	if (!test_pg()) {
		assert_false(file_contains(db_path, "Call the shelter"));
		assert_false(file_contains(db_path, "Notifa"));
	}
}

struct task_walk {
	struct sp_case c;
};

static int task_walk_op(void *ctx, int which, struct sp_err *err)
{
	struct task_walk *w = ctx;
	struct sp_casework sup = as(&supervisor);
	struct sp_task_new give = {.kind = "appoint_guardian", .title = "Walk",
				   .assignee = &caseworker.user};
	(void)which;
	return sp_task_add(&sup, &w->c.id, &give, NULL, err);
}

/* A failure at any store call of a task given to the caseworker leaves no task, no
 * notification and no audit record; the last run writes one of each. */
static void task_add_fault_walk(void **state)
{
	(void)state;
	struct task_walk w = {.c = named_case("Walka")};
	static const char *const tables[] = {"tasks", "notifications", "audit_log"};
	struct sp_notification page[SP_NOTIFICATION_PAGE_MAX];
	fault_walk_over(tables, 3, 1, task_walk_op, &w);
	assert_int_equal(list(&caseworker, false, page), 1);
}

/* A data-reading role requested by the administrator waits for a supervisor of the user's
 * agency: each of them is told, nobody else. */
static void pending_approvals_notify_supervisors(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_notification page[SP_NOTIFICATION_PAGE_MAX];
	char otp[SP_OTP_SIZE];
	struct sp_user u;
	struct sp_id approval;
	ok(sp_user_add(&access_ctx, &admin, "newcw", "NGO", SP_ROLE_CASEWORKER, otp, &u, &approval,
		       &err),
	   &err, "user add");
	assert_false(sp_id_is_zero(&approval));
	assert_int_equal(list(&supervisor, false, page), 1);
	assert_int_equal(page[0].kind, SP_NOTIFY_APPROVAL_PENDING);
	assert_true(same(&page[0].object, &approval));
	assert_int_equal(list(&supervisor2, false, page), 1);
	assert_int_equal(list(&outside_sup, false, page), 0);
	assert_int_equal(list(&admin, false, page), 0);
	assert_int_equal(list(&caseworker, false, page), 0);
}

static void add_deadline(struct sp_id *id, const struct sp_case *c, const char *kind,
			 const char *status, int64_t due)
{
	struct sp_err err = {0};
	struct sp_stmt *st;
	sp_id_new(id);
	ok(sp_store_prepare(store,
			    "INSERT INTO deadlines (id, case_id, jurisdiction_id, "
			    "jurisdiction_version, rule_id, kind, class, trigger_event, trigger_us, "
			    "due_us, due_order, status, source, created_by, created_us, "
			    "updated_us, version) VALUES (?, ?, 'coe', '1', 'rule', ?, 'stat', "
			    "'referral', 0, ?, ?, ?, 'event', ?, 0, 0, 1)",
			    &st, &err),
	   &err, "deadline");
	assert_int_equal(sp_stmt_bind_id(st, 1, id) | sp_stmt_bind_id(st, 2, &c->id) |
				 sp_stmt_bind_text(st, 3, kind) | sp_stmt_bind_int64(st, 4, due) |
				 sp_stmt_bind_int64(st, 5, due) | sp_stmt_bind_text(st, 6, status) |
				 sp_stmt_bind_id(st, 7, &caseworker.user),
			 0);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
}

static void set_status(const struct sp_id *deadline, const char *status)
{
	struct sp_err err = {0};
	struct sp_stmt *st;
	ok(sp_store_prepare(store, "UPDATE deadlines SET status = ? WHERE id = ?", &st, &err), &err,
	   "status");
	assert_int_equal(sp_stmt_bind_text(st, 1, status) | sp_stmt_bind_id(st, 2, deadline), 0);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
}

/* One sweep from since (NULL: from 0) to now: how many notices it added. */
static size_t sweep(const char *since, const char *now)
{
	struct sp_err err = {0};
	size_t added = 99;
	ok(sp_deadline_notify_overdue(store, since ? at(since) : 0, at(now), &added, &err), &err,
	   now);
	return added;
}

/* Open targets become overdue by the clock given: the case's caseworker is told once; a
 * case nobody is assigned to tells its agency's supervisors; met targets and minimum periods
 * never. A target still open a day after it fell due is escalated once to the agency's focal
 * points and supervisors; one met within that day is not. Sweeps may overlap: nothing is told
 * twice. */
static void overdue_targets_notify_and_escalate_once(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_notification page[SP_NOTIFICATION_PAGE_MAX];
	struct sp_case c = named_case("Dueda");
	struct sp_case orphan = named_case("Orfana");
	struct sp_stmt *st;
	ok(sp_store_prepare(store, "UPDATE cases SET assigned_to = NULL WHERE id = ?", &st, &err),
	   &err, "unassign");
	assert_int_equal(sp_stmt_bind_id(st, 1, &orphan.id), 0);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
	assert_false(sp_id_is_zero(&c.assigned));
	assert_true(same(&c.assigned, &caseworker.user));

	struct sp_id target, later, met, minimum, unassigned, settled;
	add_deadline(&target, &c, "target", "open", at("2026-06-08T22:59:59.999999Z"));
	add_deadline(&later, &c, "target", "open", at("2026-06-20T12:00:00Z"));
	add_deadline(&met, &c, "target", "met", at("2026-06-01T12:00:00Z"));
	add_deadline(&minimum, &c, "minimum", "open", at("2026-06-01T12:00:00Z"));
	add_deadline(&unassigned, &orphan, "target", "open", at("2026-06-05T00:00:00Z"));
	add_deadline(&settled, &c, "target", "open", at("2026-06-07T12:00:00Z"));

	/* the due instant itself is not past yet */
	assert_int_equal(sweep(NULL, "2026-06-05T00:00:00Z"), 0);

	/* settled and unassigned are overdue; unassigned, more than a day, is escalated too */
	assert_int_equal(sweep(NULL, "2026-06-07T18:00:00Z"), 3);
	assert_int_equal(list(&caseworker, false, page), 1);
	assert_int_equal(page[0].kind, SP_NOTIFY_DEADLINE_OVERDUE);
	assert_true(same(&page[0].object, &settled));
	assert_true(same(&page[0].case_id, &c.id));
	assert_int_equal(page[0].created_us, at("2026-06-07T18:00:00Z"));
	assert_int_equal(list(&supervisor, false, page), 2);
	assert_true(same(&page[0].object, &unassigned));
	assert_true(same(&page[1].object, &unassigned));
	assert_true(same(&page[0].case_id, &orphan.id));
	assert_int_equal(list(&supervisor2, false, page), 2);
	assert_int_equal(list(&focal, false, page), 1);
	assert_true(same(&page[0].object, &unassigned));
	assert_true(page[0].for_role);
	assert_int_equal(list(&colleague, false, page), 0);

	/* settled is met within its day: never escalated; target falls due */
	set_status(&settled, "met");
	assert_int_equal(sweep("2026-06-07T18:00:00Z", "2026-06-09T08:00:00Z"), 1);
	assert_int_equal(list(&caseworker, false, page), 2);
	assert_true(same(&page[0].object, &target));
	assert_int_equal(list(&focal, false, page), 1);

	/* again, overlapping from the start: nothing new */
	assert_int_equal(sweep(NULL, "2026-06-09T09:00:00Z"), 0);

	/* a day after target fell due, still open: escalated, not told to its caseworker again */
	assert_int_equal(sweep("2026-06-09T09:00:00Z", "2026-06-10T00:00:00Z"), 1);
	assert_int_equal(list(&focal, false, page), 2);
	assert_true(same(&page[0].object, &target));
	assert_true(same(&page[0].case_id, &c.id));
	assert_int_equal(list(&supervisor, false, page), 3);
	assert_int_equal(list(&caseworker, false, page), 2);
	assert_int_equal(list(&colleague, false, page), 0);
	assert_int_equal(list(&outside_sup, false, page), 0);

	/* the window that holds the later target finds it alone, and its escalation a day on */
	assert_int_equal(sweep("2026-06-10T00:00:00Z", "2026-06-21T00:00:00Z"), 1);
	assert_int_equal(list(&caseworker, false, page), 3);
	assert_true(same(&page[0].object, &later));
	assert_int_equal(sweep("2026-06-21T00:00:00Z", "2026-06-22T00:00:00Z"), 1);
	assert_int_equal(list(&focal, false, page), 3);
	assert_true(same(&page[0].object, &later));
	assert_int_equal(sweep("2026-06-22T00:00:00Z", "2026-06-23T00:00:00Z"), 0);
}

/* ---- delivery ---- */

static char spool[200];

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	static char buf[4096];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static int count_files(const char *d)
{
	char cmd[300];
	snprintf(cmd, sizeof cmd, "exit $(ls -A %s | wc -l)", d);
	int st = system(cmd);
	return WEXITSTATUS(st);
}

/* A driver that fails its second message. */
static int fails_second(void *self, const struct sp_message *m, struct sp_err *err)
{
	int *calls = self;
	(void)m;
	return ++*calls == 2 ? sp_err_set(err, SP_EIO, "test", "the gateway is down") : SP_OK;
}
static const struct sp_notifier_driver failing = {SP_NOTIFIER_VERSION, "failing", fails_second,
						  NULL};

static void spool_files_byte_for_byte(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_notification page[SP_NOTIFICATION_PAGE_MAX];
	struct sp_notifier nf;
	snprintf(spool, sizeof spool, "%s/var/spool/notify", dir);
	ok(sp_notifier_spool_open(spool, &nf, &err), &err, "spool");
	struct stat sb;
	assert_int_equal(stat(spool, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);

	struct sp_case c = named_case("Spoolina");
	struct sp_id deadline, approval;
	add_deadline(&deadline, &c, "target", "open", at("2026-06-08T12:00:00Z"));
	sp_id_new(&approval);
	struct sp_notice role = {.kind = SP_NOTIFY_APPROVAL_PENDING, .agency = ngo,
				 .roles = SP_ROLE_SUPERVISOR | SP_ROLE_FOCAL_POINT,
				 .object = approval, .now_us = at("2026-06-01T09:30:00Z")};
	ok(notify(&role, NULL, &err), &err, "role");
	size_t added = 0;
	ok(sp_deadline_notify_overdue(store, 0, at("2026-06-09T08:00:00Z"), &added, &err), &err,
	   "sweep");
	assert_int_equal(added, 1);

	size_t sent = 9;
	ok(sp_notify_deliver(store, &nf, 0, at("2026-06-09T08:00:01Z"), &sent, &err), &err,
	   "deliver");
	assert_int_equal(sent, 2);
	assert_int_equal(count_files(spool), 2);

	char path[400], expect[1024], n_id[SP_ID_STRLEN + 1], who[SP_ID_STRLEN + 1];
	char case_id[SP_ID_STRLEN + 1];
	assert_int_equal(list(&supervisor, false, page), 1);
	sp_id_format(&page[0].id, n_id);
	sp_id_format(&ngo, who);
	snprintf(expect, sizeof expect,
		 "{\"created_at\":\"2026-06-01T09:30:00.000000Z\",\"id\":\"%s\","
		 "\"kind\":\"approval.pending\",\"link\":null,\"to\":{\"agency\":\"%s\","
		 "\"roles\":[\"focal_point\",\"supervisor\"]}}\n",
		 n_id, who);
	snprintf(path, sizeof path, "%s/%s.json", spool, n_id);
	assert_string_equal(read_text(path), expect);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	assert_int_equal(list(&caseworker, false, page), 1);
	sp_id_format(&page[0].id, n_id);
	sp_id_format(&caseworker.user, who);
	sp_id_format(&c.id, case_id);
	snprintf(expect, sizeof expect,
		 "{\"created_at\":\"2026-06-09T08:00:00.000000Z\",\"id\":\"%s\","
		 "\"kind\":\"deadline.overdue\",\"link\":\"/cases/%s\",\"to\":{\"user\":\"%s\"}}\n",
		 n_id, case_id, who);
	snprintf(path, sizeof path, "%s/%s.json", spool, n_id);
	assert_string_equal(read_text(path), expect);
	assert_null(strstr(read_text(path), c.number));

	/* delivered: nothing more to send */
	ok(sp_notify_deliver(store, &nf, 0, 0, &sent, &err), &err, "again");
	assert_int_equal(sent, 0);

	/* a mark lost in a crash: sent again as the same file, byte for byte */
	exec_sql("UPDATE notifications SET delivered_us = NULL");
	unlink(path);
	ok(sp_notify_deliver(store, &nf, 0, 0, &sent, &err), &err, "re-deliver");
	assert_int_equal(sent, 2);
	assert_int_equal(count_files(spool), 2);
	assert_string_equal(read_text(path), expect);

	/* a failing driver: the first is delivered, the second and the rest wait */
	exec_sql("UPDATE notifications SET delivered_us = NULL");
	int calls = 0;
	struct sp_notifier down = {&failing, &calls};
	assert_int_equal(sp_notify_deliver(store, &down, 0, 0, &sent, &err), SP_EIO);
	assert_int_equal(sent, 1);
	calls = 10;
	ok(sp_notify_deliver(store, &down, 0, 0, &sent, &err), &err, "back up");
	assert_int_equal(sent, 1);
	ok(sp_notify_deliver(store, &nf, 0, 0, &sent, &err), &err, "none left");
	assert_int_equal(sent, 0);
	sp_notifier_close(&nf);

	/* a spool path that is a file is refused at the setting */
	char bad[300];
	snprintf(bad, sizeof bad, "%s/%s.json/x", spool, n_id);
	assert_int_equal(sp_notifier_spool_open(bad, &nf, &err), SP_EIO);
	assert_string_equal(err.field, "notify-spool");
}

/* max bounds one run; the rest go next time, oldest first. */
static void delivery_in_order_and_bounded(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_notifier nf;
	snprintf(spool, sizeof spool, "%s/var/spool/bounded", dir);
	ok(sp_notifier_spool_open(spool, &nf, &err), &err, "spool");
	exec_sql("UPDATE notifications SET delivered_us = 1");
	struct sp_id kase;
	sp_id_new(&kase);
	for (int i = 0; i < 70; i++) {
		struct sp_id object;
		sp_id_new(&object);
		struct sp_notice n = {.kind = SP_NOTIFY_TASK_ASSIGNED, .user = &colleague.user,
				      .agency = ngo, .object = object, .case_id = &kase};
		ok(notify(&n, NULL, &err), &err, "notify");
	}
	size_t sent = 0;
	ok(sp_notify_deliver(store, &nf, 5, 0, &sent, &err), &err, "five");
	assert_int_equal(sent, 5);
	assert_int_equal(count_files(spool), 5);
	ok(sp_notify_deliver(store, &nf, 0, 0, &sent, &err), &err, "rest");
	assert_int_equal(sent, 65);
	assert_int_equal(count_files(spool), 70);
	sp_notifier_close(&nf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(who_sees_what, empty),
		cmocka_unit_test_setup(bad_notices, empty),
		cmocka_unit_test_setup(reads_are_per_reader, empty),
		cmocka_unit_test_setup(pages, empty),
		cmocka_unit_test_setup(tasks_notify_their_assignee, empty),
		cmocka_unit_test_setup(task_add_fault_walk, empty),
		cmocka_unit_test_setup(pending_approvals_notify_supervisors, empty),
		cmocka_unit_test_setup(overdue_targets_notify_and_escalate_once, empty),
		cmocka_unit_test_setup(spool_files_byte_for_byte, empty),
		cmocka_unit_test_setup(delivery_in_order_and_bounded, empty),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
