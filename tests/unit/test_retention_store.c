/* Retention on both stores (tests/unit/world.h): legal holds, the dry run that changes no
 * byte, the run under a fixed clock with periods worked out by hand, the run failing at every
 * store call and finishing when run again, the audit trail verifying after, and
 * crypto-shredding: a backup taken before the anonymisation, restored after it, with the key
 * store's backup of the same time, opens nothing of the person. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "safepath/backup.h"
#include "safepath/caseapproval.h"
#include "safepath/caselife.h"
#include "safepath/retention.h"
#include "safepath/tracing.h"

#include "helpers.h"
#include "world.h"

static struct sp_id ngo, cpa;
static struct sp_subject cw_a, sup, dpo, sup_cpa;

static const char *const tables[] = {"cases",	     "persons",	    "person_index",
				     "person_nationalities", "case_notes", "legal_holds",
				     "anonymisations", "audit_log"};
#define N_TABLES (sizeof tables / sizeof tables[0])

static int setup(void **state)
{
	(void)state;
	if (world_open("retention"))
		return -1;
	add_agency(&ngo, "NGO", "ngo");
	add_agency(&cpa, "CPA", "child_protection");
	add_user(&cw_a, "cw_a", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&sup, "sup", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&dpo, "dpo", &ngo, SP_AGENCY_NGO, SP_ROLE_DPO);
	add_user(&sup_cpa, "sup_cpa", &cpa, SP_AGENCY_CHILD_PROTECTION, SP_ROLE_SUPERVISOR);
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

/* A case of who's agency for a person named name, closed with its supervisor's approval, its closure then
 * back-dated to closed (the history a test needs; the clock of a closure is not under test). */
static struct sp_case closed_case(const struct sp_subject *who, const struct sp_subject *boss,
				  const char *name, const char *closed)
{
	char person[256];
	snprintf(person, sizeof person,
		 "{\"names\": [{\"role\": \"given\", \"romanised\": \"%s\"}], \"sex\": \"female\"}",
		 name);
	struct sp_case c = open_case(who, person, SP_CASE_POSSIBLE_VOT);
	struct sp_casework s = as(boss);
	struct sp_err err = {0};
	struct sp_casework w = as(who);
	struct sp_note note;
	ok(sp_note_add(&w, &c.id, "Met at the station with her cousin", &note, &err), &err, "note");
	/* the caseworker asks, the supervisor approves (four eyes) */
	const struct sp_closure_request req = {.reason = "objectives_met"};
	struct sp_case_approval ap;
	ok(sp_case_closure_request(&w, &c.id, &req, &ap, &err), &err, "closure request");
	const struct sp_caseappr_decision yes = {.version = ap.version, .approve = true};
	ok(sp_case_approval_decide(&s, &ap.id, &yes, &ap, &err), &err, "close");
	ok(sp_case_get(&s, &c.id, &c, &err), &err, "closed case");
	if (closed) {
		struct sp_stmt *st;
		ok(sp_store_prepare(store, "UPDATE cases SET closed_us = ? WHERE id = ?", &st, &err),
		   &err, "back-date");
		assert_int_equal(sp_stmt_bind_int64(st, 1, at(closed)) | sp_stmt_bind_id(st, 2, &c.id),
				 0);
		assert_int_equal(sp_stmt_step(st, &err), 0);
		sp_stmt_done(st);
		c.closed_us = at(closed);
	}
	sp_arena_release(&arena);
	return c;
}

static unsigned flags_of(const struct sp_id *case_id)
{
	return (unsigned)world_count_id("SELECT flags FROM cases WHERE id = ?", case_id);
}

static bool key_exists(const struct sp_id *person)
{
	struct sp_person_key pk;
	struct sp_err err = {0};
	int rc = sp_person_key_get(keystore, keys, person, 0, &pk, &err);
	assert_true(rc == SP_OK || rc == SP_ENOTFOUND);
	return rc == SP_OK;
}

/* Whether the case is whole (flag clear, index rows, key, no anonymisation record) or wholly
 * anonymised (flag, no index rows, one anonymisations row and one audit record); anything
 * in between fails the test. `shredded` asks for the key to be gone too. */
static bool anonymised(const struct sp_case *c, bool shredded)
{
	bool flag = (flags_of(&c->id) & SP_CASE_ANONYMISED) != 0;
	int64_t index = world_count_id("SELECT COUNT(*) FROM person_index WHERE person_id = ?",
				  &c->person);
	int64_t rows = world_count_id("SELECT COUNT(*) FROM anonymisations WHERE case_id = ?", &c->id);
	int64_t records = world_count_id("SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND "
				    "action = 'retention.anonymise'",
				    &c->id);
	if (!flag) {
		assert_true(index > 0);
		assert_int_equal(rows, 0);
		assert_int_equal(records, 0);
		assert_true(key_exists(&c->person));
		return false;
	}
	assert_int_equal(index, 0);
	assert_int_equal(rows, 1);
	assert_int_equal(records, 1);
	if (shredded) {
		assert_false(key_exists(&c->person));
		assert_int_equal(world_count_id("SELECT COUNT(*) FROM anonymisations WHERE case_id = ? "
					   "AND shredded_us IS NULL",
					   &c->id),
				 0);
	}
	return true;
}

/* What the run reported, one line per case: "NUMBER action". */
struct heard {
	char lines[2048];
	size_t len;
	size_t progress;
};

static int hear(void *ctx, const struct sp_retention_item *it)
{
	struct heard *h = ctx;
	h->len += (size_t)snprintf(h->lines + h->len, sizeof h->lines - h->len, "%s %s\n",
				   it->request ? "request" : it->number,
				   sp_retention_action_name(it->action));
	return 0;
}

static void progress(void *ctx, size_t done, size_t total)
{
	struct heard *h = ctx;
	assert_true(done <= total);
	h->progress = done;
}

static void verify_trail(void)
{
	char audit_dir[128];
	struct sp_audit_report report;
	struct sp_err err = {0};
	snprintf(audit_dir, sizeof audit_dir, "%s/var/audit", dir);
	ok(sp_audit_verify(store, akeys, audit_dir, &report, &err), &err, "verify");
	assert_true(report.ok);
}

/* Periods by hand: the same instant on the same day of the month, the month's last day when
 * it is shorter. */
static void due_instants_by_hand(void **state)
{
	(void)state;
	assert_int_equal(sp_retention_due(at("2026-03-09T12:00:00Z"), 60),
			 at("2031-03-09T12:00:00Z"));
	assert_int_equal(sp_retention_due(at("2024-02-29T10:30:00Z"), 12),
			 at("2025-02-28T10:30:00Z"));
	assert_int_equal(sp_retention_due(at("2026-01-31T23:59:59Z"), 1),
			 at("2026-02-28T23:59:59Z"));
	assert_int_equal(sp_retention_due(at("2027-10-31T00:00:00Z"), 18),
			 at("2029-04-30T00:00:00Z"));
	assert_int_equal(sp_retention_due(at("1970-01-31T06:00:00Z"), 1),
			 at("1970-02-28T06:00:00Z"));
}

static void legal_hold_is_a_supervisors_with_a_reason(void **state)
{
	(void)state;
	struct sp_case c = closed_case(&cw_a, &sup, "Hiwet", NULL);
	struct sp_casework w = as(&cw_a), s = as(&sup), other = as(&sup_cpa), d = as(&dpo);
	struct sp_err err = {0};
	struct sp_case after;
	assert_int_equal(sp_legal_hold_set(&w, &c.id, SP_HOLD_CRIMINAL_PROCEEDINGS, NULL, &err),
			 SP_EDENIED);
	assert_int_equal(sp_legal_hold_set(&d, &c.id, SP_HOLD_CRIMINAL_PROCEEDINGS, NULL, &err),
			 SP_EDENIED);
	assert_int_equal(sp_legal_hold_set(&other, &c.id, SP_HOLD_CRIMINAL_PROCEEDINGS, NULL,
					   &err),
			 SP_EDENIED);
	assert_string_equal(err.reason, "other_agency");
	assert_int_equal(sp_legal_hold_set(&s, &c.id, SP_HOLD_REASON_COUNT, NULL, &err), SP_EINVAL);
	assert_string_equal(err.field, "/reason");
	assert_int_equal(sp_legal_hold_lift(&s, &c.id, NULL, &err), SP_ECONFLICT);
	ok(sp_legal_hold_set(&s, &c.id, SP_HOLD_CIVIL_PROCEEDINGS, &after, &err), &err, "hold");
	assert_true(after.flags & SP_CASE_LEGAL_HOLD);
	assert_int_equal(after.version, c.version + 1);
	assert_int_equal(sp_legal_hold_set(&s, &c.id, SP_HOLD_COMPLAINT, NULL, &err), SP_ECONFLICT);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM legal_holds WHERE case_id = ? AND "
				   "reason = 'civil_proceedings' AND lifted_us IS NULL",
				   &c.id),
			 1);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND "
				   "action = 'case.legal_hold' AND reason = 'civil_proceedings'",
				   &c.id),
			 1);
	/* the flag is not a case update's to change, either way */
	const struct sp_case_change off = {.version = after.version,
					   .flags_off = SP_CASE_LEGAL_HOLD};
	assert_int_equal(sp_case_update(&s, &c.id, &off, NULL, &err), SP_EINVAL);
	assert_string_equal(err.field, "/flags");
	const struct sp_case_change anon = {.version = after.version,
					    .flags_on = SP_CASE_ANONYMISED};
	assert_int_equal(sp_case_update(&s, &c.id, &anon, NULL, &err), SP_EINVAL);
	assert_string_equal(err.field, "/flags");
	ok(sp_legal_hold_lift(&s, &c.id, &after, &err), &err, "lift");
	assert_false(after.flags & SP_CASE_LEGAL_HOLD);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM legal_holds WHERE case_id = ? AND "
				   "lifted_us IS NOT NULL",
				   &c.id),
			 1);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND "
				   "action = 'case.legal_hold_lift'",
				   &c.id),
			 1);
	assert_int_equal(sp_hold_reason_parse("immigration_proceedings"),
			 SP_HOLD_IMMIGRATION_PROCEEDINGS);
	assert_int_equal(sp_hold_reason_parse("because"), -1);
	verify_trail();
}

/* Now 2031-03-10 12:00 UTC, five years (60 months): closed 5 years and 1 day ago goes, exactly
 * 5 years ago goes, 1 day short stays, on hold stays (reported), open stays. */
static void dry_run_then_run_with_a_fixed_clock(void **state)
{
	(void)state;
	exec_sql("DELETE FROM anonymisations");
	exec_sql("UPDATE cases SET status = 'active', closed_us = NULL"); /* earlier tests' */
	struct sp_case gone = closed_case(&cw_a, &sup, "Almaz", "2026-03-09T12:00:00Z");
	struct sp_case edge = closed_case(&cw_a, &sup, "Berhane", "2026-03-10T12:00:00Z");
	struct sp_case shy = closed_case(&cw_a, &sup, "Dawit", "2026-03-11T12:00:00Z");
	struct sp_case held = closed_case(&cw_a, &sup, "Eden", "2026-01-01T00:00:00Z");
	struct sp_case open = open_case(&cw_a, "{\"names\": [{\"role\": \"given\", "
					       "\"romanised\": \"Fiori\"}], \"sex\": \"female\"}",
					0);
	struct sp_casework s = as(&sup), d = as(&dpo), w = as(&cw_a), other = as(&sup_cpa);
	struct sp_err err = {0};
	ok(sp_legal_hold_set(&s, &held.id, SP_HOLD_CRIMINAL_PROCEEDINGS, &held, &err), &err,
	   "hold");
	struct heard h = {0};
	struct sp_retention_run in = {.months = 60,
				      .now_us = at("2031-03-10T12:00:00Z"),
				      .dry_run = true,
				      .each = hear,
				      .progress = progress,
				      .ctx = &h};
	struct sp_retention_report rep;

	/* a caseworker may not run it (and the refusal is recorded) */
	int64_t denials = test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					     "'retention.run' AND reason = 'denied:no_role'");
	assert_int_equal(sp_retention_run(&w, &in, &rep, &err), SP_EDENIED);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'retention.run' AND reason = 'denied:no_role'"),
			 denials + 1);
	in.months = 0;
	assert_int_equal(sp_retention_run(&d, &in, &rep, &err), SP_EINVAL);
	in.months = 60;

	/* the dry run: the same answer, no byte changed */
	char *before = snapshot(tables, N_TABLES);
	ok(sp_retention_run(&d, &in, &rep, &err), &err, "dry run");
	char *after = snapshot(tables, N_TABLES);
	assert_string_equal(before, after);
	free(before);
	free(after);
	char want[512];
	snprintf(want, sizeof want, "%s held\n%s would_anonymise\n%s would_anonymise\n",
		 held.number, gone.number, edge.number);
	assert_string_equal(h.lines, want);
	assert_int_equal(rep.anonymised, 2);
	assert_int_equal(rep.held, 1);
	assert_int_equal(rep.finished, 0);
	assert_int_equal(h.progress, 4); /* held, gone, edge, and shy within the bound's slack */

	/* another agency's supervisor: its own agency only, where nothing is due */
	struct heard h2 = {0};
	in.dry_run = false;
	in.ctx = &h2;
	ok(sp_retention_run(&other, &in, &rep, &err), &err, "other agency");
	assert_int_equal(rep.anonymised + rep.held, 0);
	assert_string_equal(h2.lines, "");

	/* the run, as the DPO */
	struct heard h3 = {0};
	in.ctx = &h3;
	ok(sp_retention_run(&d, &in, &rep, &err), &err, "run");
	snprintf(want, sizeof want, "%s held\n%s anonymised\n%s anonymised\n", held.number,
		 gone.number, edge.number);
	assert_string_equal(h3.lines, want);
	assert_int_equal(rep.anonymised, 2);
	assert_int_equal(rep.held, 1);
	assert_true(anonymised(&gone, true));
	assert_true(anonymised(&edge, true));
	assert_false(anonymised(&shy, false));
	assert_false(anonymised(&held, false));
	assert_false(anonymised(&open, false));
	/* statistics kept: status, flags, dates, sex, the case row and the person row */
	struct sp_case g;
	ok(sp_case_get(&s, &gone.id, &g, &err), &err, "get");
	assert_int_equal(g.status, SP_CASE_CLOSED);
	assert_int_equal(g.closed_us, at("2026-03-09T12:00:00Z"));
	assert_int_equal(g.flags, SP_CASE_POSSIBLE_VOT | SP_CASE_ANONYMISED);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM persons WHERE id = ? AND sex = 'female'",
				   &gone.person),
			 1);
	/* the person cannot be read any more: the case page shows the case alone */
	struct sp_person p;
	bool has = true;
	ok(sp_case_read(&s, &gone.id, &g, &p, &has, &err), &err, "read");
	assert_false(has);
	/* the retention record names the period */
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND "
				   "action = 'retention.anonymise' AND reason = 'P60M' AND "
				   "fields = 'identity,safety,notes'",
				   &gone.id),
			 1);
	/* run again: nothing more to do; the hold lifted, the held case goes too */
	struct heard h4 = {0};
	in.ctx = &h4;
	ok(sp_retention_run(&d, &in, &rep, &err), &err, "again");
	assert_int_equal(rep.anonymised, 0);
	assert_int_equal(rep.held, 1);
	ok(sp_legal_hold_lift(&s, &held.id, NULL, &err), &err, "lift");
	ok(sp_retention_run(&s, &in, &rep, &err), &err, "supervisor's run");
	assert_int_equal(rep.anonymised, 1);
	assert_true(anonymised(&held, true));
	/* an anonymised case can no longer be held */
	assert_int_equal(sp_legal_hold_set(&s, &gone.id, SP_HOLD_COMPLAINT, NULL, &err),
			 SP_ECONFLICT);
	verify_trail();
	sp_arena_release(&arena);
}

/* Every store call of a run fails in turn, each time over two new due cases: each case is
 * either untouched or wholly anonymised, and the next run finishes the job (shredding what an
 * earlier run recorded). */
static void a_run_failing_anywhere_finishes_when_run_again(void **state)
{
	(void)state;
	struct sp_casework d = as(&dpo);
	struct sp_retention_run in = {.months = 12, .now_us = at("2031-01-01T00:00:00Z")};
	struct sp_retention_report rep;
	struct sp_err err = {0};
	ok(sp_retention_run(&d, &in, &rep, &err), &err, "earlier cases first");
	long finished = 0;
	for (long n = 1;; n++) {
		struct sp_case a = closed_case(&cw_a, &sup, "Genet", "2020-05-01T08:00:00Z");
		struct sp_case b = closed_case(&cw_a, &sup, "Hagos", "2020-06-01T08:00:00Z");
		sp_store_fail_at(store, n);
		int rc = sp_retention_run(&d, &in, &rep, &err);
		long calls = sp_store_calls(store);
		sp_store_fail_at(store, 0);
		assert_false(sp_store_in_transaction(store));
		if (rc == SP_OK) {
			assert_true(calls < n);
			assert_true(n > 10);
			assert_true(anonymised(&a, true) && anonymised(&b, true));
			break;
		}
		if (rc != SP_EFAULT)
			fail_msg("call %ld: %s (%s) %s", n, sp_status_name(rc), err.field, err.msg);
		(void)anonymised(&a, false);
		(void)anonymised(&b, false);
		ok(sp_retention_run(&d, &in, &rep, &err), &err, "again");
		finished += (long)rep.finished;
		assert_true(anonymised(&a, true) && anonymised(&b, true));
	}
	assert_true(finished > 0); /* some failures fell between anonymising and shredding */
	verify_trail();
}

/* A tracing request recorded by cw_a looking for "Selam Tesfay" born in 2016 (matched with
 * any consenting child of that name and year). */
static struct sp_tracing_request tracing_request(void)
{
	static const char json[] =
		"{\"requester\": {\"name\": \"Tsega Tesfay\", \"relationship\": \"aunt\"}, "
		"\"child\": {\"names\": [\"Selam Tesfay\"], \"sex\": \"female\", "
		"\"date_of_birth\": \"2016\"}}";
	struct sp_err err = {0};
	json_t *j = sp_json_parse(json, strlen(json), &err);
	struct sp_tracing_details d;
	ok(sp_tracing_decode(j, &arena, &d, &err), &err, "decode");
	json_decref(j);
	struct sp_casework w = as(&cw_a);
	struct sp_tracing_request r;
	size_t matched;
	ok(sp_tracing_create(&w, &d, &r, &matched, &err), &err, "tracing request");
	return r;
}

/* A closed tracing request two years (the tracing period given) past its closure, worked out
 * by hand, is erased by the run with its matches: its key destroyed, its rows gone, one
 * tracing.erase record; a second earlier, a dry run, another agency's supervisor and an open
 * request leave everything as it was. */
static void closed_tracing_requests_are_erased(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_case child = open_case(&cw_a,
					 "{\"names\": [{\"role\": \"given\", \"romanised\": "
					 "\"Selam\"}, {\"role\": \"family\", \"romanised\": "
					 "\"Tesfay\"}], \"sex\": \"female\", \"date_of_birth\": "
					 "{\"date\": \"2016\"}}",
					 SP_CASE_UNACCOMPANIED_CHILD);
	struct sp_casework w = as(&cw_a), d = as(&dpo), other = as(&sup_cpa);
	struct sp_consent c = {.purpose = SP_PURPOSE_TRACING, .status = SP_CONSENT_GIVEN,
			       .method = SP_METHOD_VERBAL, .by = SP_BY_PERSON};
	ok(sp_consent_record(&w, &child.id, &c, NULL, &err), &err, "consent");
	struct sp_tracing_request gone = tracing_request(), open = tracing_request();
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM tracing_matches WHERE request_id = ?",
					&gone.id),
			 1);
	ok(sp_tracing_close(&w, &gone.id, &gone, &err), &err, "close");
	struct sp_stmt *st;
	ok(sp_store_prepare(store, "UPDATE tracing_requests SET closed_us = ? WHERE id = ?", &st,
			    &err),
	   &err, "back-date");
	assert_int_equal(sp_stmt_bind_int64(st, 1, at("2026-03-09T12:00:00Z")) |
				 sp_stmt_bind_id(st, 2, &gone.id),
			 0);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);

	static const char *const tracing_tables[] = {"tracing_requests", "tracing_matches",
						     "audit_log"};
	struct heard h = {0};
	struct sp_retention_run in = {.months = 60, .tracing_months = 1201,
				      .now_us = at("2028-03-09T11:59:59Z"), .dry_run = true,
				      .each = hear, .ctx = &h};
	struct sp_retention_report rep;
	assert_int_equal(sp_retention_run(&d, &in, &rep, &err), SP_EINVAL);
	assert_string_equal(err.field, "/retention/tracing_request");
	/* a second before its due instant (2026-03-09T12:00:00Z and 24 months): not due */
	in.tracing_months = 24;
	ok(sp_retention_run(&d, &in, &rep, &err), &err, "early");
	assert_int_equal(rep.requests, 0);
	assert_null(strstr(h.lines, "request"));
	/* due: the dry run lists it and changes nothing */
	in.now_us = at("2028-03-09T12:00:00Z");
	char *before = snapshot(tracing_tables, 3);
	ok(sp_retention_run(&d, &in, &rep, &err), &err, "dry run");
	char *after = snapshot(tracing_tables, 3);
	assert_string_equal(before, after);
	free(before);
	free(after);
	assert_int_equal(rep.requests, 1);
	assert_non_null(strstr(h.lines, "request would_erase\n"));
	assert_true(key_exists(&gone.id));
	/* another agency's supervisor: its own agency's requests only */
	in.dry_run = false;
	ok(sp_retention_run(&other, &in, &rep, &err), &err, "other agency");
	assert_int_equal(rep.requests, 0);
	/* the DPO's run */
	struct heard h2 = {0};
	in.ctx = &h2;
	ok(sp_retention_run(&d, &in, &rep, &err), &err, "run");
	assert_int_equal(rep.requests, 1);
	assert_non_null(strstr(h2.lines, "request erased\n"));
	assert_false(key_exists(&gone.id));
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM tracing_requests WHERE id = ?",
					&gone.id),
			 0);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM tracing_matches WHERE request_id = ?",
					&gone.id),
			 0);
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM audit_log WHERE object_id = ? AND "
					"action = 'tracing.erase' AND reason = 'P24M'",
					&gone.id),
			 1);
	struct sp_tracing_request r;
	assert_int_equal(sp_tracing_get(&w, &gone.id, &r, &err), SP_ENOTFOUND);
	/* the open request, its match and its key untouched */
	ok(sp_tracing_get(&w, &open.id, &r, &err), &err, "the open request");
	assert_string_equal(r.details.requester_name, "Tsega Tesfay");
	assert_int_equal(world_count_id("SELECT COUNT(*) FROM tracing_matches WHERE request_id = ?",
					&open.id),
			 1);
	/* again: nothing more */
	ok(sp_retention_run(&d, &in, &rep, &err), &err, "again");
	assert_int_equal(rep.requests, 0);
	verify_trail();
	sp_arena_release(&arena);
}

static void backup_dirs(char *ksb, size_t n)
{
	struct sp_err err = {0};
	snprintf(ksb, n, "%s/keys/persons-backups", dir);
	ok(sp_keystore_set_backup_dir(keystore, ksb, &err), &err, "backup folder");
}

/* Issue 6, item 17: a backup of the data and one of the key store, both taken before the
 * anonymisation and restored after it, open nothing of the person: the key is gone from the
 * key store, and its retained backups were rewritten without it. Another person's data, in
 * the same backups, still opens. */
static void a_backup_from_before_cannot_bring_the_person_back(void **state)
{
	(void)state;
	struct sp_case gone = closed_case(&cw_a, &sup, "Iyasu", "2020-01-01T00:00:00Z");
	struct sp_case kept = closed_case(&cw_a, &sup, "Kidane", NULL);
	struct sp_err err = {0};
	char ksb[160], file[160], work[160];
	backup_dirs(ksb, sizeof ksb);
	const struct sp_keystore_backup_policy pol = {.keep = 3, .max_days = 7};
	struct sp_keystore_backup_report krep;
	ok(sp_keystore_backup(keystore, keys, &pol, &krep, &err), &err, "key store backup");
	char kfile[320];
	snprintf(kfile, sizeof kfile, "%s/%s", ksb, krep.file);
	snprintf(file, sizeof file, "%s/before.spb", dir);
	struct sp_backup_report brep;
	ok(sp_backup_write(store, keys, akeys, file, NULL, NULL, &brep, &err), &err, "backup");

	struct sp_casework d = as(&dpo);
	struct sp_retention_run in = {.months = 60, .now_us = at("2026-06-01T00:00:00Z")};
	struct sp_retention_report rep;
	ok(sp_retention_run(&d, &in, &rep, &err), &err, "run");
	assert_true(anonymised(&gone, true));

	/* the data backup into an empty store, the key-store backup into a key store of its own */
	char rpath[160], rurl[220], kpath[160], kurl[220];
	snprintf(rpath, sizeof rpath, "%s/restored.db", dir);
	test_db_url(rurl, sizeof rurl, rpath, "sp_retention_restored");
	snprintf(kpath, sizeof kpath, "%s/restored-keys.db", dir);
	ok(sp_keystore_restore(keys, kfile, kpath, &err), &err, "key store restore");
	snprintf(kurl, sizeof kurl, "sqlite:%s", kpath);
	struct sp_store_options opt = {.busy_timeout_ms = 1000, .create = 1};
	struct sp_store *rs = NULL;
	struct sp_keystore *rks = NULL;
	ok(sp_store_open(rurl, &opt, &rs, &err), &err, "open restored");
	ok(sp_store_migrate(rs, &err), &err, "migrate restored");
	snprintf(work, sizeof work, "%s/restore-audit", dir);
	ok(sp_backup_restore(file, rs, keys, akeys, dir, work, NULL, NULL, &brep, &err), &err,
	   "restore");
	ok(sp_keystore_open(kurl, 0, &rks, &err), &err, "open restored key store");

	/* the restored data holds the person's sealed profile, which nothing opens */
	struct sp_casework r = as(&sup);
	r.store = rs;
	r.keystore = rks;
	struct sp_person p;
	struct sp_case c;
	bool has = true;
	ok(sp_case_read(&r, &gone.id, &c, &p, &has, &err), &err, "read restored");
	assert_false(c.flags & SP_CASE_ANONYMISED); /* as it was before */
	assert_false(has);
	assert_int_equal(sp_case_person(&r, &gone.id, false, &p, &err), SP_ENOTFOUND);
	struct sp_person_key pk;
	assert_int_equal(sp_person_key_get(rks, keys, &gone.person, 0, &pk, &err), SP_ENOTFOUND);
	/* ... while the other person, in the same backups, opens */
	ok(sp_case_read(&r, &kept.id, &c, &p, &has, &err), &err, "read kept");
	assert_true(has);
	assert_string_equal(p.name.parts[0].romanised, "Kidane");
	sp_keystore_close(rks);
	sp_store_close(rs);
	sp_arena_release(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(due_instants_by_hand),
		cmocka_unit_test(legal_hold_is_a_supervisors_with_a_reason),
		cmocka_unit_test(dry_run_then_run_with_a_fixed_clock),
		cmocka_unit_test(a_run_failing_anywhere_finishes_when_run_again),
		cmocka_unit_test(a_backup_from_before_cannot_bring_the_person_back),
		cmocka_unit_test(closed_tracing_requests_are_erased),
	};
	return cmocka_run_group_tests_name("retention_store", tests, setup, teardown);
}
