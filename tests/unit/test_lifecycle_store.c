/* A case's life on a real store (SQLite, or PostgreSQL under unit-pg) with real keys, policy,
 * audit and the shipped vocabulary: closure only through a supervisor's approval (four eyes,
 * the owning agency's supervisors only), rejection, reopening, the approvals queue, break-glass
 * (reason required, lapsing at the injected clock's time, every read flagged to the DPO, the
 * firewall), transfer (accepted, rejected, the firewall), reassignment with the tasks handed
 * over, a consent override as a kind without an effect, sealing, and the fault walk. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/caseapproval.h"
#include "safepath/caselife.h"
#include "safepath/protocol.h"
#include "safepath/task.h"

#include "helpers.h"
#include "world.h"

static struct sp_vocab *vocab;
static struct sp_id ngo, shelter, imm;
/* worker: the caseworker who opens the cases; boss and boss2: the NGO's supervisors;
 * colleague: another caseworker there; coord: its coordinator; shl_boss: the shelter's
 * supervisor; imm_worker and imm_boss: the immigration service's. */
static struct sp_subject worker, boss, boss2, colleague, coord, shl_boss, imm_worker, imm_boss;

static const char *const tables[] = {"cases", "case_approvals", "break_glass", "tasks",
				     "audit_log"};
#define N_TABLES (sizeof tables / sizeof tables[0])

/* 2026-06-01T00:00:00Z: 2026-01-10 is day 20463 after the epoch, and 21 + 28 + 31 + 30 + 31
 * + 1 = 142 days later comes 1 June. */
#define T0 (INT64_C(20605) * 86400 * 1000000)
#define MINUTE (INT64_C(60) * 1000000)

#define PERSON                                                                                \
	"{\"names\": [{\"role\": \"given\", \"romanised\": \"Selam\"}], \"sex\": \"female\", "   \
	"\"safety\": {\"never_use\": \"Never call after dark\"}}"

static int setup(void **state)
{
	(void)state;
	struct sp_diag d;
	sp_diag_init(&d);
	if (world_open("lifecycle") || sp_vocab_load_embedded(&vocab, &d))
		return -1;
	sp_diag_free(&d);
	static struct sp_vocabulary v;
	sp_vocab_for_casework(vocab, &v);
	world_vocabulary = &v;
	add_agency(&ngo, "NGO", "ngo");
	add_agency(&shelter, "SHL", "shelter");
	add_agency(&imm, "IMM", "immigration");
	add_user(&worker, "worker", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&boss, "boss", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&boss2, "boss2", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&colleague, "colleague", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&coord, "coord", &ngo, SP_AGENCY_NGO, SP_ROLE_COORDINATOR);
	add_user(&shl_boss, "shl.boss", &shelter, SP_AGENCY_SHELTER, SP_ROLE_SUPERVISOR);
	add_user(&imm_worker, "imm.worker", &imm, SP_AGENCY_IMMIGRATION, SP_ROLE_CASEWORKER);
	add_user(&imm_boss, "imm.boss", &imm, SP_AGENCY_IMMIGRATION, SP_ROLE_SUPERVISOR);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_vocab_free(vocab);
	return world_close();
}

/* A casework context for who at the clock's time t. */
static struct sp_casework at(const struct sp_subject *who, int64_t t)
{
	struct sp_casework cw = as(who);
	cw.now_us = t;
	return cw;
}

static struct sp_case get_case(const struct sp_subject *who, const struct sp_id *id)
{
	struct sp_casework cw = as(who);
	struct sp_case c;
	struct sp_err err = {0};
	ok(sp_case_get(&cw, id, &c, &err), &err, "get");
	return c;
}

static int64_t count(const char *sql)
{
	return test_scalar(store, sql);
}

static int decide(const struct sp_subject *who, const struct sp_case_approval *a, bool approve,
		  const char *note, struct sp_case_approval *out, struct sp_err *err)
{
	struct sp_casework cw = at(who, T0 + 5 * MINUTE);
	const struct sp_caseappr_decision d = {a->version, approve, note};
	return sp_case_approval_decide(&cw, &a->id, &d, out, err);
}

static void closure_only_through_approval(void **state)
{
	(void)state;
	struct sp_case c = open_case(&worker, PERSON, 0);
	struct sp_casework cw = at(&worker, T0);
	struct sp_err err = {0};
	struct sp_case_approval a, b, got;
	/* an update never closes, not even a supervisor's */
	struct sp_casework sup = at(&boss, T0);
	struct sp_case u;
	const struct sp_case_change close = {
		.version = c.version, .set_status = true, .status = SP_CASE_CLOSED};
	assert_int_equal(sp_case_update(&sup, &c.id, &close, &u, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/status");
	/* bad requests name their field */
	struct sp_closure_request in = {NULL, NULL, NULL};
	assert_int_equal(sp_case_closure_request(&cw, &c.id, &in, &a, &err), SP_EINVAL);
	assert_string_equal(err.field, "/reason");
	in.reason = "bored";
	assert_int_equal(sp_case_closure_request(&cw, &c.id, &in, &a, &err), SP_EINVAL);
	assert_string_equal(err.field, "/reason");
	in.reason = "objectives_met";
	in.follow_up = "2026-02-30";
	assert_int_equal(sp_case_closure_request(&cw, &c.id, &in, &a, &err), SP_EINVAL);
	assert_string_equal(err.field, "/follow_up");
	in.follow_up = "2026-05-31"; /* the day before the clock's */
	assert_int_equal(sp_case_closure_request(&cw, &c.id, &in, &a, &err), SP_EINVAL);
	assert_string_equal(err.field, "/follow_up");
	in.follow_up = "2026-06-01";
	in.note = "Settled with her sister in Lyon";
	/* a colleague who is not assigned may not ask */
	struct sp_casework other = at(&colleague, T0);
	assert_int_equal(sp_case_closure_request(&other, &c.id, &in, &a, &err), SP_EDENIED);
	assert_int_equal(count("SELECT COUNT(*) FROM case_approvals"), 0);

	ok(sp_case_closure_request(&cw, &c.id, &in, &a, &err), &err, "request");
	assert_int_equal(a.kind, SP_CASEAPPR_CLOSURE);
	assert_int_equal(a.status, SP_CASEAPPR_PENDING);
	assert_string_equal(a.reason, "objectives_met");
	assert_string_equal(a.payload, "{\"follow_up\":\"2026-06-01\"}");
	assert_memory_equal(a.agency.b, ngo.b, SP_ID_LEN);
	assert_memory_equal(a.requested_by.b, worker.user.b, SP_ID_LEN);
	assert_true(a.requested_us == T0);
	assert_int_equal(a.version, 1);
	/* it waits for the agency's supervisors: one notification, ids only, to the queue */
	assert_int_equal(count("SELECT COUNT(*) FROM notifications WHERE kind = "
			       "'case_approval.pending' AND object_type = 'case_approval' AND "
			       "user_id IS NULL AND roles = 32"),
			 1);
	/* one pending closure at a time */
	assert_int_equal(sp_case_closure_request(&cw, &c.id, &in, &b, &err), SP_ECONFLICT);
	/* the caseworker, another agency's supervisor and the coordinator do not decide */
	assert_int_equal(decide(&worker, &a, true, NULL, &got, &err), SP_EDENIED);
	assert_string_equal(err.reason, "no_role");
	assert_int_equal(decide(&shl_boss, &a, true, NULL, &got, &err), SP_EDENIED);
	assert_string_equal(err.reason, "other_agency");
	assert_int_equal(decide(&coord, &a, true, NULL, &got, &err), SP_EDENIED);
	/* a rejection needs a note; a stale version is a conflict */
	assert_int_equal(decide(&boss, &a, false, NULL, &got, &err), SP_EINVAL);
	assert_string_equal(err.field, "/note");
	struct sp_case_approval stale = a;
	stale.version = 7;
	assert_int_equal(decide(&boss, &stale, true, NULL, &got, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/version");
	assert_int_equal(get_case(&worker, &c.id).status, SP_CASE_OPEN);

	ok(decide(&boss, &a, true, "Follow-up call booked", &got, &err), &err, "approve");
	assert_int_equal(got.status, SP_CASEAPPR_APPROVED);
	assert_memory_equal(got.decided_by.b, boss.user.b, SP_ID_LEN);
	assert_true(got.decided_us == T0 + 5 * MINUTE);
	assert_int_equal(got.version, 2);
	struct sp_case closed = get_case(&worker, &c.id);
	assert_int_equal(closed.status, SP_CASE_CLOSED);
	assert_true(closed.closed_us == T0 + 5 * MINUTE);
	assert_int_equal(closed.version, c.version + 1);
	/* decided once */
	assert_int_equal(decide(&boss2, &got, false, "no", &b, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/status");
	/* a closed case asks no closure again */
	assert_int_equal(sp_case_closure_request(&cw, &c.id, &in, &b, &err), SP_ECONFLICT);
	/* the case's list: the worker reads both notes */
	struct sp_case_approval *list;
	size_t n;
	const struct sp_caseappr_query q = {&c.id, -1};
	ok(sp_case_approval_list(&cw, &q, &list, &n, 10, &err), &err, "list");
	assert_int_equal(n, 1);
	assert_true(list[0].notes_shown);
	assert_string_equal(list[0].request_note, "Settled with her sister in Lyon");
	assert_string_equal(list[0].decision_note, "Follow-up call booked");
	/* the audit: the request, the closure and the decision, named by tokens */
	assert_int_equal(count("SELECT COUNT(*) FROM audit_log WHERE action = 'case.close' AND "
			       "reason = 'objectives_met' AND object_type = 'case'"),
			 1);
	assert_int_equal(count("SELECT COUNT(*) FROM audit_log WHERE action = 'approval.decide' "
			       "AND reason = 'approved' AND fields = 'stat,notes'"),
			 1);
	assert_int_equal(count("SELECT COUNT(*) FROM audit_log WHERE action = "
			       "'case.closure_request' AND reason = 'objectives_met'"),
			 1);
	assert_int_equal(count("SELECT COUNT(*) FROM audit_log WHERE action = 'approval.decide' "
			       "AND reason = 'denied:other_agency'"),
			 1);
	/* the notes never reached the disk in clear */
	if (!test_pg()) {
		assert_false(file_contains(db_path, "sister in Lyon"));
		assert_false(file_contains(db_path, "call booked"));
	}
	sp_arena_release(&arena);
}

static void four_eyes_and_rejection(void **state)
{
	(void)state;
	struct sp_case c = open_case(&worker, PERSON, 0);
	struct sp_casework sup = at(&boss, T0);
	struct sp_err err = {0};
	struct sp_case_approval a, got, again;
	const struct sp_closure_request in = {"lost_contact", NULL, NULL};
	ok(sp_case_closure_request(&sup, &c.id, &in, &a, &err), &err, "boss asks");
	assert_string_equal(a.payload, "{}");
	/* the supervisor who asked does not approve it */
	assert_int_equal(decide(&boss, &a, true, NULL, &got, &err), SP_EDENIED);
	assert_string_equal(err.reason, "four_eyes");
	assert_int_equal(count("SELECT COUNT(*) FROM audit_log WHERE action = 'approval.decide' "
			       "AND reason = 'denied:four_eyes'"),
			 1);
	/* another supervisor rejects, with a note */
	ok(decide(&boss2, &a, false, "She called back yesterday", &got, &err), &err, "reject");
	assert_int_equal(got.status, SP_CASEAPPR_REJECTED);
	assert_int_equal(get_case(&worker, &c.id).status, SP_CASE_OPEN);
	/* rejected: a new request may follow */
	ok(sp_case_closure_request(&sup, &c.id, &in, &again, &err), &err, "again");
	/* the queue: pending first; the coordinator has none */
	struct sp_case_approval *list;
	size_t n;
	const struct sp_caseappr_query queue = {NULL, -1};
	struct sp_casework s2 = at(&boss2, T0);
	ok(sp_case_approval_list(&s2, &queue, &list, &n, SP_CASEAPPR_PAGE_MAX, &err), &err,
	   "queue");
	assert_true(n >= 3);
	assert_int_equal(list[0].status, SP_CASEAPPR_PENDING);
	assert_memory_equal(list[0].id.b, again.id.b, SP_ID_LEN);
	for (size_t i = 1; i < n; i++)
		assert_int_not_equal(list[i].status, SP_CASEAPPR_PENDING);
	const struct sp_caseappr_query pending = {NULL, SP_CASEAPPR_PENDING};
	ok(sp_case_approval_list(&s2, &pending, &list, &n, SP_CASEAPPR_PAGE_MAX, &err), &err,
	   "pending");
	assert_int_equal(n, 1);
	struct sp_casework co = at(&coord, T0);
	assert_int_equal(sp_case_approval_list(&co, &queue, &list, &n, 10, &err), SP_EDENIED);
	/* the shelter's queue holds none of the NGO's */
	struct sp_casework shl = at(&shl_boss, T0);
	ok(sp_case_approval_list(&shl, &pending, &list, &n, 10, &err), &err, "shelter queue");
	assert_int_equal(n, 0);
	sp_arena_release(&arena);
}

static void reopening(void **state)
{
	(void)state;
	struct sp_case c = open_case(&worker, PERSON, 0);
	struct sp_casework cw = at(&worker, T0);
	struct sp_casework sup = at(&boss, T0);
	struct sp_err err = {0};
	struct sp_case_approval a, got, r;
	bool reopened = true;
	assert_int_equal(sp_case_reopen(&sup, &c.id, "New threat reported", &r, &reopened, &err),
			 SP_ECONFLICT); /* it is open */
	const struct sp_closure_request in = {"moved_away", NULL, NULL};
	ok(sp_case_closure_request(&cw, &c.id, &in, &a, &err), &err, "request");
	ok(decide(&boss, &a, true, NULL, &got, &err), &err, "close");
	/* a reason is required */
	assert_int_equal(sp_case_reopen(&cw, &c.id, NULL, &r, &reopened, &err), SP_EINVAL);
	assert_string_equal(err.field, "/reason");
	assert_int_equal(sp_case_reopen(&cw, &c.id, " \n", &r, &reopened, &err), SP_EINVAL);
	/* the assigned caseworker asks; a supervisor approves */
	ok(sp_case_reopen(&cw, &c.id, "She came back to the office", &r, &reopened, &err), &err,
	   "ask");
	assert_false(reopened);
	assert_int_equal(r.kind, SP_CASEAPPR_REOPEN);
	assert_int_equal(r.status, SP_CASEAPPR_PENDING);
	assert_int_equal(get_case(&worker, &c.id).status, SP_CASE_CLOSED);
	ok(decide(&boss2, &r, true, NULL, &got, &err), &err, "approve reopen");
	struct sp_case back = get_case(&worker, &c.id);
	assert_int_equal(back.status, SP_CASE_ACTIVE);
	assert_true(back.closed_us == 0);
	/* closed again; a supervisor reopens at once, recorded as decided by them */
	ok(sp_case_closure_request(&cw, &c.id, &in, &a, &err), &err, "request 2");
	ok(decide(&boss, &a, true, NULL, &got, &err), &err, "close 2");
	ok(sp_case_reopen(&sup, &c.id, "Court hearing next week", &r, &reopened, &err), &err,
	   "reopen");
	assert_true(reopened);
	assert_int_equal(r.status, SP_CASEAPPR_APPROVED);
	assert_memory_equal(r.decided_by.b, boss.user.b, SP_ID_LEN);
	assert_int_equal(get_case(&worker, &c.id).status, SP_CASE_ACTIVE);
	assert_int_equal(count("SELECT COUNT(*) FROM audit_log WHERE action = 'case.reopen'"), 2);
	/* an unassigned colleague may not reopen */
	ok(sp_case_closure_request(&cw, &c.id, &in, &a, &err), &err, "request 3");
	ok(decide(&boss, &a, true, NULL, &got, &err), &err, "close 3");
	struct sp_casework other = at(&colleague, T0);
	assert_int_equal(sp_case_reopen(&other, &c.id, "Why not", &r, &reopened, &err),
			 SP_EDENIED);
	if (!test_pg())
		assert_false(file_contains(db_path, "Court hearing next week"));
	sp_arena_release(&arena);
}

static void break_glass(void **state)
{
	(void)state;
	struct sp_case c = open_case(&worker, PERSON, 0);
	struct sp_casework before = at(&colleague, T0);
	struct sp_err err = {0};
	struct sp_case got;
	struct sp_person p;
	bool has = true;
	/* without a grant the colleague sees the case row, not the person */
	ok(sp_case_read(&before, &c.id, &got, &p, &has, &err), &err, "read");
	assert_false(has);
	/* a reason is required, and the span is checked */
	struct sp_break_glass g;
	assert_int_equal(sp_case_break_glass(&before, &c.id, NULL, 240, &g, &err), SP_EINVAL);
	assert_string_equal(err.field, "/reason");
	assert_int_equal(sp_case_break_glass(&before, &c.id, "  ", 240, &g, &err), SP_EINVAL);
	assert_string_equal(err.field, "/reason");
	assert_int_equal(sp_case_break_glass(&before, &c.id, "Night call", 0, &g, &err), SP_EINVAL);
	/* the assigned worker has access already; the coordinator never */
	struct sp_casework own = at(&worker, T0);
	assert_int_equal(sp_case_break_glass(&own, &c.id, "Night call", 240, &g, &err),
			 SP_ECONFLICT);
	struct sp_casework co = at(&coord, T0);
	assert_int_equal(sp_case_break_glass(&co, &c.id, "Night call", 240, &g, &err), SP_EDENIED);
	/* the firewall: immigration never breaks glass into an NGO's case */
	struct sp_casework im = at(&imm_worker, T0);
	assert_int_equal(sp_case_break_glass(&im, &c.id, "Border alert", 240, &g, &err),
			 SP_EDENIED);
	assert_string_equal(err.reason, "firewall");
	assert_int_equal(count("SELECT COUNT(*) FROM break_glass"), 0);

	ok(sp_case_break_glass(&before, &c.id, "Police found her alone at the station", 240, &g,
			       &err),
	   &err, "break glass");
	assert_true(g.granted_us == T0);
	assert_true(g.expires_us == T0 + 240 * MINUTE);
	assert_memory_equal(g.user.b, colleague.user.b, SP_ID_LEN);
	/* a second one while the first holds */
	assert_int_equal(sp_case_break_glass(&before, &c.id, "Again", 240, &g, &err), SP_ECONFLICT);
	/* under the grant: the person with the safety block, flagged to the DPO */
	struct sp_casework during = at(&colleague, T0 + 239 * MINUTE);
	ok(sp_case_read(&during, &c.id, &got, &p, &has, &err), &err, "read during");
	assert_true(has);
	assert_true(p.has_safety);
	assert_int_equal(count("SELECT flags FROM audit_log WHERE action = 'case.read' ORDER BY "
			       "seq DESC LIMIT 1"),
			 SP_AUDIT_F_DPO | SP_AUDIT_F_BREAK_GLASS);
	assert_int_equal(count("SELECT COUNT(*) FROM audit_log WHERE action = 'case.read' AND "
			       "fields = 'stat,identity,safety' AND reason = 'break_glass'"),
			 1);
	assert_int_equal(count("SELECT flags FROM audit_log WHERE action = 'case.break_glass' "
			       "AND reason = 'break_glass'"),
			 SP_AUDIT_F_DPO | SP_AUDIT_F_BREAK_GLASS);
	/* notes stay need-to-know */
	struct sp_note *notes;
	size_t n;
	assert_int_equal(sp_note_list(&during, &c.id, &notes, &n, &err), SP_EDENIED);
	/* the grant lapses at its time */
	struct sp_casework after = at(&colleague, T0 + 240 * MINUTE);
	ok(sp_case_read(&after, &c.id, &got, &p, &has, &err), &err, "read after");
	assert_false(has);
	/* the review waits for a supervisor of the owning agency */
	struct sp_case_approval *list;
	const struct sp_caseappr_query pending = {&c.id, SP_CASEAPPR_PENDING};
	struct sp_casework sup = at(&boss, T0);
	ok(sp_case_approval_list(&sup, &pending, &list, &n, 10, &err), &err, "reviews");
	assert_int_equal(n, 1);
	assert_int_equal(list[0].kind, SP_CASEAPPR_BREAK_GLASS_REVIEW);
	assert_memory_equal(list[0].object.b, g.id.b, SP_ID_LEN);
	assert_memory_equal(list[0].id.b, g.review.b, SP_ID_LEN);
	struct sp_case_approval done;
	ok(decide(&boss, &list[0], true, NULL, &done, &err), &err, "reviewed");
	/* a restricted case: no break-glass for the unassigned */
	struct sp_case r = open_case(&worker, PERSON, SP_CASE_RESTRICTED);
	assert_int_equal(sp_case_break_glass(&before, &r.id, "Night call", 240, &g, &err),
			 SP_EDENIED);
	assert_string_equal(err.reason, "restricted");
	if (!test_pg())
		assert_false(file_contains(db_path, "alone at the station"));
	sp_arena_release(&arena);
}

static void transfer(void **state)
{
	(void)state;
	struct sp_case c = open_case(&worker, PERSON, 0);
	struct sp_casework cw = at(&worker, T0);
	struct sp_casework sup = at(&boss, T0);
	struct sp_err err = {0};
	struct sp_case_approval a, got;
	/* only the owning agency's supervisor asks */
	assert_int_equal(sp_case_transfer_request(&cw, &c.id, &shelter, NULL, &a, &err),
			 SP_EDENIED);
	/* never to immigration (the firewall), nor to the own agency or none */
	assert_int_equal(sp_case_transfer_request(&sup, &c.id, &imm, NULL, &a, &err), SP_EDENIED);
	assert_string_equal(err.reason, "firewall");
	assert_int_equal(sp_case_transfer_request(&sup, &c.id, &ngo, NULL, &a, &err), SP_EINVAL);
	assert_string_equal(err.field, "/to_agency");
	struct sp_id nowhere;
	sp_id_new(&nowhere);
	assert_int_equal(sp_case_transfer_request(&sup, &c.id, &nowhere, NULL, &a, &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "/to_agency");

	ok(sp_case_transfer_request(&sup, &c.id, &shelter, "Needs a safe bed tonight", &a, &err),
	   &err, "transfer");
	assert_int_equal(a.kind, SP_CASEAPPR_TRANSFER);
	assert_memory_equal(a.agency.b, shelter.b, SP_ID_LEN);
	char want[80], to[SP_ID_STRLEN + 1];
	sp_id_format(&shelter, to);
	snprintf(want, sizeof want, "{\"to_agency\":\"%s\"}", to);
	assert_string_equal(a.payload, want);
	/* the shelter's supervisor sees it in their queue, without the note */
	struct sp_casework shl = at(&shl_boss, T0);
	struct sp_case_approval *list;
	size_t n;
	const struct sp_caseappr_query queue = {NULL, SP_CASEAPPR_PENDING};
	ok(sp_case_approval_list(&shl, &queue, &list, &n, 10, &err), &err, "queue");
	assert_int_equal(n, 1);
	assert_false(list[0].notes_shown);
	assert_null(list[0].request_note);
	/* the owning side does not decide its own transfer */
	assert_int_equal(decide(&boss2, &a, true, NULL, &got, &err), SP_EDENIED);
	assert_string_equal(err.reason, "other_agency");
	ok(decide(&shl_boss, &a, true, NULL, &got, &err), &err, "accept");
	struct sp_case moved = get_case(&shl_boss, &c.id);
	assert_memory_equal(moved.agency.b, shelter.b, SP_ID_LEN);
	assert_true(sp_id_is_zero(&moved.assigned));
	/* the NGO's staff lose it */
	struct sp_case x;
	assert_int_equal(sp_case_get(&cw, &c.id, &x, &err), SP_EDENIED);
	assert_string_equal(err.reason, "other_agency");
	assert_int_equal(count("SELECT COUNT(*) FROM audit_log WHERE action = "
			       "'case.transfer_accept'"),
			 1);
	/* rejected: nothing moves */
	struct sp_case d = open_case(&worker, PERSON, 0);
	ok(sp_case_transfer_request(&sup, &d.id, &shelter, NULL, &a, &err), &err, "transfer 2");
	ok(decide(&shl_boss, &a, false, "No beds this month", &got, &err), &err, "reject");
	assert_memory_equal(get_case(&worker, &d.id).agency.b, ngo.b, SP_ID_LEN);
	/* the firewall guards one way only: immigration's own case may go to a protection actor */
	struct sp_case e = open_case(&imm_worker, PERSON, 0);
	struct sp_casework isup = at(&imm_boss, T0);
	ok(sp_case_transfer_request(&isup, &e.id, &ngo, NULL, &a, &err), &err, "imm to ngo");
	if (!test_pg())
		assert_false(file_contains(db_path, "safe bed tonight"));
	sp_arena_release(&arena);
}

static void reassignment(void **state)
{
	(void)state;
	struct sp_case c = open_case(&worker, PERSON, 0);
	struct sp_casework cw = at(&worker, T0);
	struct sp_err err = {0};
	struct sp_task t1, t2, t3;
	const struct sp_task_new tn = {.kind = "appoint_guardian"};
	ok(sp_task_add(&cw, &c.id, &tn, &t1, &err), &err, "task 1");
	ok(sp_task_add(&cw, &c.id, &tn, &t2, &err), &err, "task 2");
	ok(sp_task_add(&cw, &c.id, &tn, &t3, &err), &err, "task 3");
	const struct sp_task_change done = {
		.version = t3.version, .set_status = true, .status = SP_TASK_DONE};
	ok(sp_task_update(&cw, &t3.id, &done, &t3, &err), &err, "done");
	struct sp_case now;
	unsigned moved = 9;
	/* not the caseworker's to do */
	assert_int_equal(sp_case_reassign(&cw, &c.id, c.version, &colleague.user, &now, &moved,
					  &err),
			 SP_EDENIED);
	struct sp_casework sup = at(&boss, T0);
	/* nobody outside the agency, nobody the policy keeps off the case, no stale version */
	assert_int_equal(sp_case_reassign(&sup, &c.id, c.version, &shl_boss.user, &now, &moved,
					  &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "/assigned");
	assert_int_equal(sp_case_reassign(&sup, &c.id, c.version, &coord.user, &now, &moved, &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "/assigned");
	assert_int_equal(sp_case_reassign(&sup, &c.id, c.version + 3, &colleague.user, &now,
					  &moved, &err),
			 SP_ECONFLICT);
	ok(sp_case_reassign(&sup, &c.id, c.version, &colleague.user, &now, &moved, &err), &err,
	   "reassign");
	assert_int_equal(moved, 2);
	assert_memory_equal(now.assigned.b, colleague.user.b, SP_ID_LEN);
	assert_int_equal(now.version, c.version + 1);
	/* the open tasks went with the case; the done one stays the worker's */
	struct sp_casework col = at(&colleague, T0);
	struct sp_task *tasks;
	size_t n;
	ok(sp_task_list(&col, &c.id, &tasks, &n, &err), &err, "tasks");
	assert_int_equal(n, 3);
	unsigned colleague_open = 0, worker_done = 0;
	for (size_t i = 0; i < n; i++) {
		if (memcmp(tasks[i].assignee.b, colleague.user.b, SP_ID_LEN) == 0 &&
		    tasks[i].status == SP_TASK_OPEN)
			colleague_open++;
		if (memcmp(tasks[i].assignee.b, worker.user.b, SP_ID_LEN) == 0 &&
		    tasks[i].status == SP_TASK_DONE)
			worker_done++;
	}
	assert_int_equal(colleague_open, 2);
	assert_int_equal(worker_done, 1);
	/* the worker is off the case now */
	struct sp_case x;
	bool has;
	struct sp_person p;
	ok(sp_case_read(&cw, &c.id, &x, &p, &has, &err), &err, "row");
	assert_false(has);
	assert_int_equal(count("SELECT COUNT(*) FROM audit_log WHERE action = 'case.reassign' "
			       "AND reason NOT LIKE 'denied:%'"),
			 1);
	sp_arena_release(&arena);
}

static void consent_override_kind(void **state)
{
	(void)state;
	struct sp_case c = open_case(&worker, PERSON, 0);
	struct sp_casework cw = at(&worker, T0);
	struct sp_err err = {0};
	struct sp_case_approval a, got;
	struct sp_id referral;
	sp_id_new(&referral);
	json_t *payload = json_pack("{s:s}", "legal_basis", "child_protection");
	struct sp_caseappr_request in = {SP_CASEAPPR_CLOSURE, &referral, NULL, payload, NULL};
	/* a kind with its own request is not asked for here */
	assert_int_equal(sp_case_approval_request(&cw, &c.id, &in, &a, &err), SP_EINVAL);
	assert_string_equal(err.field, "/kind");
	in.kind = SP_CASEAPPR_CONSENT_OVERRIDE;
	in.note = "The guardian cannot be reached before Monday";
	ok(sp_case_approval_request(&cw, &c.id, &in, &a, &err), &err, "override");
	assert_string_equal(a.payload, "{\"legal_basis\":\"child_protection\"}");
	assert_memory_equal(a.object.b, referral.b, SP_ID_LEN);
	assert_int_equal(sp_case_approval_request(&cw, &c.id, &in, &got, &err), SP_ECONFLICT);
	ok(decide(&boss, &a, true, NULL, &got, &err), &err, "approve");
	assert_int_equal(got.status, SP_CASEAPPR_APPROVED);
	/* no effect on the case */
	assert_int_equal(get_case(&worker, &c.id).version, c.version);
	/* one approval read back, with its note for the worker, without for the colleague */
	struct sp_case_approval one;
	ok(sp_case_approval_get(&cw, &a.id, &one, &err), &err, "get");
	assert_string_equal(one.request_note, "The guardian cannot be reached before Monday");
	struct sp_casework col = at(&colleague, T0);
	ok(sp_case_approval_get(&col, &a.id, &one, &err), &err, "get colleague");
	assert_false(one.notes_shown);
	struct sp_casework shl = at(&shl_boss, T0);
	assert_int_equal(sp_case_approval_get(&shl, &a.id, &one, &err), SP_EDENIED);
	json_t *j = sp_case_approval_encode(&got);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "consent_override");
	assert_string_equal(json_string_value(json_object_get(j, "status")), "approved");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "payload"),
							      "legal_basis")),
			    "child_protection");
	assert_string_equal(json_string_value(json_object_get(j, "decided_at")),
			    "2026-06-01T00:05:00.000000Z");
	json_decref(j);
	json_decref(payload);
	sp_arena_release(&arena);
}

/* The fault walk: a closure request, then its approval, each failing at every store call. */
static struct sp_case_approval walked;
static int walk_op(void *ctx, int which, struct sp_err *err)
{
	const struct sp_case *c = ctx;
	struct sp_casework cw = at(&worker, T0);
	if (which == 0) {
		const struct sp_closure_request in = {"objectives_met", "2026-07-01", "All done"};
		return sp_case_closure_request(&cw, &c->id, &in, &walked, err);
	}
	return decide(&boss, &walked, true, "Agreed", NULL, err);
}

static void fault_walk(void **state)
{
	(void)state;
	struct sp_case c = open_case(&worker, PERSON, 0);
	fault_walk_over(tables, N_TABLES, 2, walk_op, &c);
	assert_int_equal(get_case(&boss, &c.id).status, SP_CASE_CLOSED);
	sp_arena_release(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(closure_only_through_approval),
		cmocka_unit_test(four_eyes_and_rejection),
		cmocka_unit_test(reopening),
		cmocka_unit_test(break_glass),
		cmocka_unit_test(transfer),
		cmocka_unit_test(reassignment),
		cmocka_unit_test(consent_override_kind),
		cmocka_unit_test(fault_walk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
