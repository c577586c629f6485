/* identify/decision.c on a real store (SQLite, or PostgreSQL under unit-pg) with real keys,
 * policy, audit and the shipped jurisdiction files: recording and reading back, the current
 * decision of a type, every bad field with its pointer, a conclusive-grounds decision only
 * after a positive reasonable-grounds one, the jurisdiction's refusal audited like the
 * policy's, need-to-know (withheld decisions), sealing, the age assessment settling the child
 * presumption of later screenings, and the fault walk: nothing half-written. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "safepath/caseevent.h"
#include "safepath/decision.h"
#include "safepath/json.h"
#include "safepath/protocol.h"
#include "safepath/screening.h"

#include "helpers.h"
#include "world.h"

static struct sp_protocols *reg;
static struct sp_jurisdictions jurs;
static const struct sp_jurisdiction *coe, *gb;
static struct sp_id cpa, imm, ngo;
/* boss: supervisor and identifier at the child-protection authority, who may record every
 * type under coe; the others each lack something. */
static struct sp_subject boss, screener, childworker, ngo_identifier, imm_identifier,
	coordinator;

static const char *const tables[] = {"decisions", "deadlines", "audit_log", "idempotency_keys"};
#define N_TABLES (sizeof tables / sizeof tables[0])

static int setup(void **state)
{
	(void)state;
	struct sp_diag d;
	struct sp_err err = {0};
	sp_diag_init(&d);
	if (world_open("decision") || sp_protocols_load("tests/data/protocols", &reg, &d) ||
	    sp_jurisdictions_load(NULL, &jurs, &err))
		return -1;
	sp_diag_free(&d);
	coe = sp_jurisdictions_find(&jurs, "coe");
	gb = sp_jurisdictions_find(&jurs, "gb-eng-wls");
	if (!coe || !gb)
		return -1;
	static struct sp_vocabulary vocab;
	sp_vocab_for_casework(sp_protocols_vocab(reg), &vocab);
	world_vocabulary = &vocab;
	add_agency(&cpa, "CPA", "child_protection");
	add_agency(&imm, "IMM", "immigration");
	add_agency(&ngo, "NGO", "ngo");
	add_user(&boss, "boss", &cpa, SP_AGENCY_CHILD_PROTECTION,
		 SP_ROLE_SUPERVISOR | SP_ROLE_IDENTIFIER);
	add_user(&screener, "scr", &cpa, SP_AGENCY_CHILD_PROTECTION, SP_ROLE_SCREENER);
	add_user(&childworker, "cw", &cpa, SP_AGENCY_CHILD_PROTECTION, SP_ROLE_CASEWORKER);
	add_user(&ngo_identifier, "ngo.id", &ngo, SP_AGENCY_NGO, SP_ROLE_IDENTIFIER);
	add_user(&imm_identifier, "imm.id", &imm, SP_AGENCY_IMMIGRATION, SP_ROLE_IDENTIFIER);
	add_user(&coordinator, "coord", &cpa, SP_AGENCY_CHILD_PROTECTION, SP_ROLE_COORDINATOR);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_protocols_free(reg);
	sp_jurisdictions_free(&jurs);
	return world_close();
}

#define ADULT "{\"names\": [{\"role\": \"given\", \"romanised\": \"Samuel\"}], \"sex\": \"male\"}"

/* A decision with the given grounds text; the age members absent. */
static struct sp_decision_new grounds_decision(const char *type, const char *outcome,
					       const char *at, const char *grounds)
{
	struct sp_decision_new in = {.type = type, .outcome = outcome, .decided_at = at,
				     .grounds = grounds, .grounds_len = strlen(grounds),
				     .benefit_of_doubt = -1, .assessed_age = -1};
	return in;
}

static struct sp_decision_new age_decision(const char *outcome, const char *at, const char *method,
					   int doubt, int64_t age)
{
	struct sp_decision_new in = grounds_decision("age_assessment", outcome, at,
						     "Interview with the social worker on arrival");
	in.method = method;
	in.benefit_of_doubt = doubt;
	in.assessed_age = age;
	return in;
}

static int add(const struct sp_subject *who, const struct sp_jurisdiction *j,
	       const struct sp_case *c, const struct sp_decision_new *in,
	       struct sp_case_decision *out, struct sp_err *err)
{
	struct sp_casework cw = as(who);
	struct sp_diag d;
	sp_diag_init(&d);
	int rc = sp_decision_add(&cw, &jurs, j, &c->id, in, out, &d, err);
	sp_diag_free(&d);
	return rc;
}

static int64_t count_decisions(const struct sp_case *c)
{
	struct sp_stmt *st;
	struct sp_err err = {0};
	ok(sp_store_prepare(store, "SELECT COUNT(*) FROM decisions WHERE case_id = ?", &st, &err),
	   &err, "count");
	assert_int_equal(sp_stmt_bind_id(st, 1, &c->id), 0);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	int64_t n = sp_stmt_int64(st, 0);
	sp_stmt_done(st);
	return n;
}

/* Recorded, read back as written, listed newest decided first; a correction becomes the
 * current decision of its type, and a tie on the decided instant goes to the later record. */
static void record_read_list(void **state)
{
	(void)state;
	struct sp_case c = open_case(&boss, ADULT, SP_CASE_AGE_DISPUTED);
	struct sp_casework cw = as(&boss);
	struct sp_err err = {0};
	struct sp_case_decision d, got, fix;
	struct sp_decision_new in = age_decision("child", "2026-01-10T09:30:00Z",
						 "holistic_assessment", 1, 16);
	ok(add(&boss, coe, &c, &in, &d, &err), &err, "age");
	assert_int_equal(d.type, SP_DECISION_AGE_ASSESSMENT);
	assert_string_equal(d.outcome, "child");
	assert_string_equal(d.jurisdiction_id, "coe");
	assert_string_equal(d.jurisdiction_version, "1.0.0");
	assert_string_equal(d.recorded_by_name, "boss");
	assert_true(d.current);
	ok(sp_decision_get(&cw, &d.id, &got, &err), &err, "get");
	assert_string_equal(got.grounds, "Interview with the social worker on arrival");
	assert_string_equal(got.method, "holistic_assessment");
	assert_int_equal(got.benefit_of_doubt, 1);
	assert_int_equal(got.assessed_age, 16);
	assert_true(got.current);
	assert_memory_equal(got.agency.b, cpa.b, SP_ID_LEN);
	/* 2026-01-10T09:30:00Z: 20463 days and 34200 s after the epoch */
	assert_true(got.decided_us == (INT64_C(20463) * 86400 + 34200) * 1000000);
	json_t *j = sp_decision_encode(&got);
	assert_string_equal(json_string_value(json_object_get(j, "decided_at")),
			    "2026-01-10T09:30:00.000000Z");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "recorded_by"),
							       "name")),
			    "boss");
	assert_true(json_is_true(json_object_get(j, "benefit_of_doubt")));
	json_decref(j);
	/* a correction decided later: adult, no age given */
	struct sp_decision_new later = age_decision("adult", "2026-02-01T08:00:00Z", "documents", 0,
						    -1);
	ok(add(&boss, coe, &c, &later, &fix, &err), &err, "correction");
	assert_true(fix.current);
	ok(sp_decision_get(&cw, &d.id, &got, &err), &err, "get the first again");
	assert_false(got.current);
	ok(sp_decision_get(&cw, &fix.id, &got, &err), &err, "get the correction");
	assert_int_equal(got.assessed_age, -1);
	assert_int_equal(got.benefit_of_doubt, 0);
	/* one recorded now but decided before both: not current */
	struct sp_decision_new old = age_decision("child", "2025-12-01T00:00:00Z", "other", 0, -1);
	ok(add(&boss, coe, &c, &old, &got, &err), &err, "late record of an old decision");
	assert_false(got.current);
	/* two reasonable-grounds decisions at one instant: the later record is current */
	struct sp_case_decision rg1, rg2;
	struct sp_decision_new rg = grounds_decision("reasonable_grounds", "negative",
						     "2026-03-01T10:00:00Z", "First reading");
	ok(add(&boss, coe, &c, &rg, &rg1, &err), &err, "rg 1");
	rg.outcome = "positive";
	ok(add(&boss, coe, &c, &rg, &rg2, &err), &err, "rg 2");
	assert_true(rg2.current);
	struct sp_case_decision *list;
	size_t n, withheld;
	ok(sp_decision_list(&cw, &c.id, &list, &n, &withheld, &err), &err, "list");
	assert_int_equal(n, 5);
	assert_int_equal(withheld, 0);
	/* newest decided first, the tie by the later record */
	assert_memory_equal(list[0].id.b, rg2.id.b, SP_ID_LEN);
	assert_memory_equal(list[1].id.b, rg1.id.b, SP_ID_LEN);
	assert_memory_equal(list[2].id.b, fix.id.b, SP_ID_LEN);
	assert_memory_equal(list[3].id.b, d.id.b, SP_ID_LEN);
	const bool current[5] = {true, false, true, false, false};
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(list[i].current, current[i]);
	assert_string_equal(list[1].grounds, "First reading");
	/* every record and read audited */
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'decision.record' AND reason = ''"),
			 5);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'decision.read' AND fields = 'stat,identity'"),
			 3);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'decision.list' AND fields = "
					    "'stat,identity,trafficking'"),
			 1);
}

/* Every bad field, named; nothing written. */
static void bad_fields(void **state)
{
	(void)state;
	struct sp_case c = open_case(&boss, ADULT, 0);
	struct sp_casework cw = as(&boss);
	struct sp_err err = {0};
	struct sp_case_decision out;
	char *huge = malloc(SP_DECISION_GROUNDS_MAX + 2);
	assert_non_null(huge);
	memset(huge, 'g', SP_DECISION_GROUNDS_MAX + 1);
	huge[SP_DECISION_GROUNDS_MAX + 1] = '\0';
	struct {
		struct sp_decision_new in;
		const char *pointer, *reason;
	} bad[] = {
		{grounds_decision(NULL, "positive", NULL, "g"), "/type", "is required"},
		{grounds_decision("nrm_referral", "positive", NULL, "g"), "/type",
		 "must be age_assessment, reasonable_grounds, conclusive_grounds or best_interests"},
		{grounds_decision("reasonable_grounds", NULL, NULL, "g"), "/outcome", "is required"},
		{grounds_decision("reasonable_grounds", "child", NULL, "g"), "/outcome",
		 "must be positive or negative"},
		{grounds_decision("best_interests", "positive", NULL, "g"), "/outcome",
		 "unknown best_interests_outcomes code"},
		{age_decision("positive", NULL, "documents", 0, -1), "/outcome",
		 "must be child or adult"},
		{grounds_decision("reasonable_grounds", "positive", NULL, ""), "/grounds",
		 "is required"},
		{grounds_decision("reasonable_grounds", "positive", NULL, huge), "/grounds",
		 "is longer than 20000 bytes"},
		{grounds_decision("reasonable_grounds", "positive", NULL, "caf\xc3"), "/grounds",
		 "must be UTF-8 text without NUL"},
		{grounds_decision("reasonable_grounds", "positive", "2026-02-30T00:00:00Z", "g"),
		 "/decided_at",
		 "must be an RFC 3339 instant in UTC from 1970 on (2026-03-01T10:00:00Z)"},
		{grounds_decision("reasonable_grounds", "positive", "1969-12-31T23:59:59Z", "g"),
		 "/decided_at",
		 "must be an RFC 3339 instant in UTC from 1970 on (2026-03-01T10:00:00Z)"},
		{grounds_decision("reasonable_grounds", "positive", "9999-01-01T00:00:00Z", "g"),
		 "/decided_at", "is in the future"},
		{age_decision("child", NULL, NULL, 1, -1), "/method",
		 "is required for an age assessment"},
		{age_decision("child", NULL, "x_ray", 1, -1), "/method", "unknown age_methods code"},
		{age_decision("child", NULL, "documents", -1, -1), "/benefit_of_doubt",
		 "is required for an age assessment"},
		{age_decision("adult", NULL, "documents", 1, -1), "/benefit_of_doubt",
		 "can only be given with the outcome child"},
		{age_decision("child", NULL, "documents", 0, 121), "/assessed_age",
		 "must be between 0 and 120"},
		{age_decision("child", NULL, "documents", 0, -2), "/assessed_age",
		 "must be between 0 and 120"},
		{age_decision("child", NULL, "documents", 0, 18), "/assessed_age",
		 "must be under 18 for the outcome child"},
		{age_decision("adult", NULL, "documents", 0, 17), "/assessed_age",
		 "must be 18 or more for the outcome adult"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct sp_diag d;
		sp_diag_init(&d);
		int rc = sp_decision_add(&cw, &jurs, coe, &c.id, &bad[i].in, &out, &d, &err);
		if (rc != SP_EINVAL || strcmp(err.field, bad[i].pointer) != 0 ||
		    strcmp(err.msg, bad[i].reason) != 0)
			fail_msg("case %zu: %s at %s: %s", i, sp_status_name(rc), err.field, err.msg);
		assert_int_equal(d.n, 1);
		sp_diag_free(&d);
	}
	/* a grounds decision takes no age member; each is named, all at once */
	struct sp_decision_new mixed = grounds_decision("reasonable_grounds", "maybe", NULL, "");
	mixed.method = "documents";
	mixed.benefit_of_doubt = 0;
	mixed.assessed_age = 30;
	struct sp_diag d;
	sp_diag_init(&d);
	assert_int_equal(sp_decision_add(&cw, &jurs, coe, &c.id, &mixed, &out, &d, &err), SP_EINVAL);
	const char *pointers[] = {"/outcome", "/method", "/benefit_of_doubt", "/assessed_age",
				  "/grounds"};
	assert_int_equal(d.n, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(d.items[i].pointer, pointers[i]);
	assert_string_equal(d.items[1].msg, "is only for an age assessment");
	sp_diag_free(&d);
	/* a NUL inside the grounds (the CLI reads them from a file) */
	struct sp_decision_new nul = grounds_decision("reasonable_grounds", "positive", NULL, "ab");
	nul.grounds = "a\0b";
	nul.grounds_len = 3;
	assert_int_equal(add(&boss, coe, &c, &nul, &out, &err), SP_EINVAL);
	assert_string_equal(err.field, "/grounds");
	/* exactly the limit is fine, and five minutes ahead is still now */
	huge[SP_DECISION_GROUNDS_MAX] = '\0';
	struct sp_decision_new full = grounds_decision("reasonable_grounds", "positive", NULL, huge);
	ok(add(&boss, coe, &c, &full, &out, &err), &err, "20000 bytes");
	free(huge);
	assert_int_equal(count_decisions(&c), 1);
	/* no such case */
	struct sp_case none = c;
	sp_id_new(&none.id);
	struct sp_decision_new fine = grounds_decision("reasonable_grounds", "positive", NULL, "g");
	assert_int_equal(add(&boss, coe, &none, &fine, &out, &err), SP_ENOTFOUND);
}

/* A conclusive-grounds decision needs a positive reasonable-grounds one decided before it. */
static void conclusive_after_reasonable(void **state)
{
	(void)state;
	struct sp_case c = open_case(&boss, ADULT, 0);
	struct sp_err err = {0};
	struct sp_case_decision out;
	const char *reason = "a conclusive-grounds decision needs a positive reasonable-grounds "
			     "decision on the case before it";
	struct sp_decision_new cg = grounds_decision("conclusive_grounds", "positive",
						     "2026-05-01T12:00:00Z", "Full inquiry");
	assert_int_equal(add(&boss, coe, &c, &cg, &out, &err), SP_EINVAL);
	assert_string_equal(err.field, "/type");
	assert_string_equal(err.msg, reason);
	struct sp_decision_new rg = grounds_decision("reasonable_grounds", "negative",
						     "2026-04-01T12:00:00Z", "Too little known");
	ok(add(&boss, coe, &c, &rg, &out, &err), &err, "negative rg");
	assert_int_equal(add(&boss, coe, &c, &cg, &out, &err), SP_EINVAL);
	assert_string_equal(err.msg, reason);
	/* a positive one decided after the conclusive decision's instant does not count */
	rg.outcome = "positive";
	rg.decided_at = "2026-05-02T12:00:00Z";
	ok(add(&boss, coe, &c, &rg, &out, &err), &err, "positive rg after");
	assert_int_equal(add(&boss, coe, &c, &cg, &out, &err), SP_EINVAL);
	rg.decided_at = "2026-04-15T12:00:00Z";
	ok(add(&boss, coe, &c, &rg, &out, &err), &err, "positive rg before");
	ok(add(&boss, coe, &c, &cg, &out, &err), &err, "cg");
	assert_int_equal(count_decisions(&c), 4);
}

/* The jurisdiction names who records a type: a refusal says who, and is audited. */
static void jurisdiction_refusal(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_case_decision out;
	struct sp_decision_new rg = grounds_decision("reasonable_grounds", "positive", NULL,
						     "Indicators of forced labour");
	/* In England and Wales, competent authorities sit in the Home Office. */
	struct sp_case c = open_case(&ngo_identifier, ADULT, 0);
	assert_int_equal(add(&ngo_identifier, gb, &c, &rg, &out, &err), SP_EDENIED);
	assert_string_equal(err.reason, "jurisdiction");
	assert_string_equal(err.msg,
			    "In England and Wales (UK National Referral Mechanism) "
			    "reasonable-grounds decisions are recorded by: identifier at an "
			    "immigration agency");
	assert_int_equal(count_decisions(&c), 0);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'decision.record' AND reason = 'denied:jurisdiction' "
					    "AND object_type = 'case'"),
			 1);
	/* ... which the Council of Europe default leaves to any identifier */
	ok(add(&ngo_identifier, coe, &c, &rg, &out, &err), &err, "coe");
	struct sp_case ic = open_case(&imm_identifier, ADULT, 0);
	ok(add(&imm_identifier, gb, &ic, &rg, &out, &err), &err, "home office");
	/* A caseworker of the child-protection authority assesses age, but not the grounds. */
	struct sp_case k = open_case(&childworker, ADULT, 0);
	struct sp_decision_new age = age_decision("child", NULL, "holistic_assessment", 1, 15);
	ok(add(&childworker, coe, &k, &age, &out, &err), &err, "age by the childworker");
	assert_int_equal(add(&childworker, coe, &k, &rg, &out, &err), SP_EDENIED);
	assert_string_equal(err.msg, "In Council of Europe default reasonable-grounds decisions "
				     "are recorded by: identifier");
	/* ... and an identifier at an NGO may not assess age under coe */
	assert_int_equal(add(&ngo_identifier, coe, &c, &age, &out, &err), SP_EDENIED);
	assert_string_equal(err.msg, "In Council of Europe default age assessments are recorded "
				     "by: identifier or caseworker at a child protection agency");
	char who[160];
	sp_decision_recorders(coe, SP_DECISION_BEST_INTERESTS, who, sizeof who);
	assert_string_equal(who, "caseworker or supervisor at a child protection or guardian "
				 "service agency");
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'decision.record' AND reason = 'denied:jurisdiction'"),
			 3);
}

/* The policy first: need-to-know keeps grounds decisions from a screener, who sees them
 * counted as withheld; a coordinator sees nothing. */
static void policy_and_withheld(void **state)
{
	(void)state;
	struct sp_err err = {0};
	struct sp_case_decision out, rg_out;
	struct sp_case c = open_case(&screener, ADULT, 0);
	struct sp_decision_new rg = grounds_decision("reasonable_grounds", "positive", NULL,
						     "Debt bondage");
	int64_t before = test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'decision.record' AND reason = 'denied:need_to_know'");
	assert_int_equal(add(&screener, coe, &c, &rg, &out, &err), SP_EDENIED);
	assert_string_equal(err.reason, "need_to_know");
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'decision.record' AND reason = 'denied:need_to_know'"),
			 before + 1);
	/* the supervisor records both on the screener's case */
	ok(add(&boss, coe, &c, &rg, &rg_out, &err), &err, "rg by the supervisor");
	struct sp_decision_new age = age_decision("adult", NULL, "documents", 0, 30);
	ok(add(&boss, coe, &c, &age, &out, &err), &err, "age by the supervisor");
	struct sp_casework scw = as(&screener);
	struct sp_case_decision *list;
	size_t n, withheld;
	ok(sp_decision_list(&scw, &c.id, &list, &n, &withheld, &err), &err, "screener's list");
	assert_int_equal(n, 1);
	assert_int_equal(withheld, 1);
	assert_int_equal(list[0].type, SP_DECISION_AGE_ASSESSMENT);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'decision.list' AND fields = 'stat,identity'"),
			 1);
	assert_int_equal(sp_decision_get(&scw, &rg_out.id, &out, &err), SP_EDENIED);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'decision.read' AND reason = 'denied:need_to_know'"),
			 1);
	struct sp_casework ccw = as(&coordinator);
	assert_int_equal(sp_decision_list(&ccw, &c.id, &list, &n, &withheld, &err), SP_EDENIED);
	assert_int_equal(sp_decision_get(&ccw, &rg_out.id, &out, &err), SP_EDENIED);
	struct sp_id none;
	sp_id_new(&none);
	assert_int_equal(sp_decision_get(&scw, &none, &out, &err), SP_ENOTFOUND);
}

/* No grounds in clear in the database file. */
static void grounds_are_sealed(void **state)
{
	(void)state;
	TEST_SQLITE_ONLY("reads the SQLite file");
	struct sp_case c = open_case(&boss, ADULT, 0);
	struct sp_err err = {0};
	struct sp_case_decision out;
	struct sp_decision_new rg = grounds_decision("reasonable_grounds", "positive", NULL,
						     "Held at the Juniper Quarry near Ostvik");
	ok(add(&boss, coe, &c, &rg, &out, &err), &err, "rg");
	struct sp_decision_new age = age_decision("child", NULL, "medical_examination", 1, 16);
	age.grounds = "Wrist x-ray by Doctor Albatross";
	age.grounds_len = strlen(age.grounds);
	ok(add(&boss, coe, &c, &age, &out, &err), &err, "age");
	exec_sql("PRAGMA wal_checkpoint(TRUNCATE)");
	assert_false(file_contains(db_path, "Juniper Quarry"));
	assert_false(file_contains(db_path, "Doctor Albatross"));
	assert_false(file_contains(db_path, "medical_examination"));
	assert_true(file_contains(db_path, "reasonable_grounds")); /* the type is in clear */
}

/* The person's group the engine reads from a screening's facts, for test-labour. */
static enum sp_person_group group_of(const struct sp_screening *s, bool *presumed)
{
	json_t *f = sp_json_parse(s->facts, strlen(s->facts), NULL);
	struct sp_facts facts;
	struct sp_diag d;
	enum sp_person_group g;
	sp_diag_init(&d);
	assert_int_equal(sp_facts_decode(f, &facts, &d), 0);
	sp_diag_free(&d);
	sp_person_group(sp_protocols_lookup(reg, "test-labour"), NULL, &facts, &g, presumed);
	json_decref(f);
	return g;
}

/* The current age assessment settles the age group of every later screening: a 15-year-old
 * by the documents assessed adult gets the adult protocol and no presumption; a man of
 * disputed age assessed a child gets the child variant. */
static void age_assessment_settles_screenings(void **state)
{
	(void)state;
	char person[512];
	struct sp_err err = {0};
	struct sp_case_decision out;
	struct sp_screening s;
	struct sp_screening_start in = {"test-labour", "en", NULL};
	struct sp_casework cw = as(&boss);
	bool presumed;
	struct sp_case young = open_case(&boss, child_json(person, sizeof person),
				       SP_CASE_UNACCOMPANIED_CHILD);
	ok(sp_screening_start(&cw, reg, &young.id, &in, &s, &err), &err, "before");
	assert_string_equal(s.protocol_id, "test-labour-child");
	struct sp_decision_new adult = age_decision("adult", NULL, "documents", 0, 19);
	ok(add(&boss, coe, &young, &adult, &out, &err), &err, "assessed adult");
	ok(sp_screening_start(&cw, reg, &young.id, &in, &s, &err), &err, "after adult");
	assert_string_equal(s.protocol_id, "test-labour");
	json_t *f = sp_json_parse(s.facts, strlen(s.facts), NULL);
	assert_string_equal(json_string_value(json_object_get(f, "age_assessment")), "adult");
	json_decref(f);
	assert_int_equal(group_of(&s, &presumed), SP_PERSON_ADULT);
	assert_false(presumed);
	/* disputed age, no date of birth: unknown until assessed */
	struct sp_case disputed = open_case(&boss, ADULT, SP_CASE_AGE_DISPUTED);
	ok(sp_screening_start(&cw, reg, &disputed.id, &in, &s, &err), &err, "before child");
	assert_string_equal(s.protocol_id, "test-labour");
	assert_int_equal(group_of(&s, &presumed), SP_PERSON_UNKNOWN);
	struct sp_decision_new child = age_decision("child", NULL, "holistic_assessment", 1, -1);
	ok(add(&boss, coe, &disputed, &child, &out, &err), &err, "assessed child");
	ok(sp_screening_start(&cw, reg, &disputed.id, &in, &s, &err), &err, "after child");
	assert_string_equal(s.protocol_id, "test-labour-child");
	assert_int_equal(group_of(&s, &presumed), SP_PERSON_CHILD);
	/* a correction back to adult, decided later, is the current one */
	ok(add(&boss, coe, &disputed, &adult, &out, &err), &err, "corrected");
	ok(sp_screening_start(&cw, reg, &disputed.id, &in, &s, &err), &err, "after correction");
	assert_string_equal(s.protocol_id, "test-labour");
}

/* Every store call of a record fails in turn: the tables stay as they were. */
static int walk_op(void *ctx, int which, struct sp_err *err)
{
	const struct sp_case *c = ctx;
	struct sp_case_decision out;
	struct sp_decision_new in = grounds_decision(which ? "conclusive_grounds"
							   : "reasonable_grounds",
						     which ? "negative" : "positive", NULL,
						     "the walk's grounds");
	return add(&boss, coe, c, &in, &out, err);
}

/* The decisions are events for the deadlines (Council of Europe, time zone UTC, worked out by
 * hand): a positive reasonable-grounds decision starts assistance at once, the recovery period
 * (30 days, same wall time) and no removal until the conclusive decision, which ends it; an
 * age assessment that finds an adult makes the child presumption's protection lapse. */
static void decisions_start_and_close_deadlines(void **state)
{
	(void)state;
	struct sp_case c = open_case(&boss, ADULT, 0);
	struct sp_casework cw = as(&boss);
	struct sp_err err = {0};
	struct sp_case_decision rg, cg;
	struct sp_decision_new in = grounds_decision("reasonable_grounds", "positive",
						     "2026-05-04T08:00:00Z",
						     "Consistent account of debt bondage");
	ok(add(&boss, coe, &c, &in, &rg, &err), &err, "rg");
	struct sp_deadline *list;
	size_t n, withheld;
	ok(sp_deadline_list(&cw, &c.id, &list, &n, &withheld, &err), &err, "deadlines");
	assert_int_equal(n, 3);
	int64_t due;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(list[i].source, SP_DEADLINE_FROM_DECISION);
		assert_memory_equal(list[i].source_id.b, rg.id.b, SP_ID_LEN);
		assert_string_equal(list[i].trigger, "rg_positive");
		assert_true(list[i].trafficking);
		if (strcmp(list[i].rule, "recovery_reflection") == 0) {
			assert_int_equal(sp_time_parse("2026-06-03T08:00:00Z", &due), SP_OK);
			assert_true(list[i].has_due && list[i].due_us == due);
		} else if (strcmp(list[i].rule, "assistance") == 0) {
			assert_true(list[i].has_due && list[i].due_us == rg.decided_us);
		} else {
			assert_string_equal(list[i].rule, "no_removal");
			assert_false(list[i].has_due);
		}
	}
	in = grounds_decision("conclusive_grounds", "positive", "2026-06-20T08:00:00Z",
			      "Corroborated by the labour inspectorate");
	ok(add(&boss, coe, &c, &in, &cg, &err), &err, "cg");
	ok(sp_deadline_list(&cw, &c.id, &list, &n, &withheld, &err), &err, "deadlines");
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(list[i].status, strcmp(list[i].rule, "no_removal") == 0
							 ? SP_DEADLINE_ENDED
							 : SP_DEADLINE_OPEN);

	/* a presumed child's protection, then an adult finding */
	struct sp_case y = open_case(&boss, ADULT, SP_CASE_AGE_DISPUTED);
	static const struct sp_case_act act = {SP_ACT_DECISION_WRITE, SP_FIELD(SP_FC_STAT),
					       "test.event"};
	struct sp_caseop op;
	const struct sp_case_event presumed = {SP_EVENT_CHILD_PRESUMED, sp_now_us(),
					       SP_DEADLINE_FROM_SCREENING, NULL};
	ok(sp_caseop_begin(&cw, &act, true, &op, &err), &err, "begin");
	int rc = sp_caseop_case(&op, &y.id, &err);
	if (!rc)
		rc = sp_case_event_in(&op, &jurs, coe, &presumed, NULL, &err);
	ok(sp_caseop_finish(&op, rc, &err), &err, "presumed");
	struct sp_decision_new adult = age_decision("adult", NULL, "holistic_assessment", 0, 24);
	struct sp_case_decision a;
	ok(add(&boss, coe, &y, &adult, &a, &err), &err, "adult");
	ok(sp_deadline_list(&cw, &y.id, &list, &n, &withheld, &err), &err, "deadlines");
	assert_int_equal(n, 1);
	assert_string_equal(list[0].rule, "child_assistance");
	assert_int_equal(list[0].status, SP_DEADLINE_LAPSED);
	assert_string_equal(list[0].closed_by, "age_adult");
}

static void fault_walk(void **state)
{
	(void)state;
	struct sp_case c = open_case(&boss, ADULT, 0);
	fault_walk_over(tables, N_TABLES, 2, walk_op, &c);
	assert_int_equal(count_decisions(&c), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_read_list),
		cmocka_unit_test(bad_fields),
		cmocka_unit_test(conclusive_after_reasonable),
		cmocka_unit_test(jurisdiction_refusal),
		cmocka_unit_test(policy_and_withheld),
		cmocka_unit_test(grounds_are_sealed),
		cmocka_unit_test(age_assessment_settles_screenings),
		cmocka_unit_test(decisions_start_and_close_deadlines),
		cmocka_unit_test(fault_walk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
