/* Family tracing on a real store (SQLite, or PostgreSQL with SAFEPATH_TEST_PG): the match
 * state table and the request's status against hand-written tables; a request matched only
 * against children whose current consent for tracing is given (none before it, none after it
 * is withdrawn, never an adult, never a child of an enforcement agency's case); the child's
 * side refused contact without a confirmed verification and a favourable best-interests
 * assessment (409 naming each); what each side may do; every bad field named and nothing
 * written; the request sealed (never in clear in the database); every step audited. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "safepath/notification.h"
#include "safepath/tracing.h"

#include "helpers.h"
#include "world.h"

static struct sp_id ngo, cp, imm;
static struct sp_subject tracer, tracer_sup, child_cw, child_focal, child_colleague, officer,
	officer_cw, coord;

static int setup(void **state)
{
	(void)state;
	if (world_open("tracing"))
		return -1;
	add_agency(&ngo, "RCF", "ngo");
	add_agency(&cp, "CPS", "child_protection");
	add_agency(&imm, "IMM", "immigration");
	add_user(&tracer, "tracer", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&tracer_sup, "tracer.sup", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&child_cw, "child.cw", &cp, SP_AGENCY_CHILD_PROTECTION, SP_ROLE_CASEWORKER);
	add_user(&child_focal, "child.focal", &cp, SP_AGENCY_CHILD_PROTECTION,
		 SP_ROLE_FOCAL_POINT);
	add_user(&child_colleague, "child.cw2", &cp, SP_AGENCY_CHILD_PROTECTION,
		 SP_ROLE_CASEWORKER);
	add_user(&officer, "imm", &imm, SP_AGENCY_IMMIGRATION, SP_ROLE_FOCAL_POINT);
	add_user(&officer_cw, "imm.cw", &imm, SP_AGENCY_IMMIGRATION, SP_ROLE_CASEWORKER);
	add_user(&coord, "coord", &ngo, SP_AGENCY_NGO, SP_ROLE_COORDINATOR);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return world_close();
}

static int64_t audited(const char *action)
{
	char sql[160];
	snprintf(sql, sizeof sql, "SELECT COUNT(*) FROM audit_log WHERE action = '%s'", action);
	return test_scalar(store, sql);
}

static int this_year(void)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	return tm.tm_year + 1900;
}

/* A person with a given and a family name, a sex and a birth year (0: none), as JSON. */
static struct sp_case person_case(const struct sp_subject *who, const char *given,
				  const char *family, const char *sex, int born, unsigned flags)
{
	char json[400];
	char birth[64] = "";
	if (born)
		snprintf(birth, sizeof birth, ", \"date_of_birth\": {\"date\": \"%d\"}", born);
	snprintf(json, sizeof json,
		 "{\"names\": [{\"role\": \"given\", \"romanised\": \"%s\"}, {\"role\": "
		 "\"family\", \"romanised\": \"%s\"}], \"sex\": \"%s\"%s}",
		 given, family, sex, birth);
	return open_case(who, json, flags);
}

static void consent(const struct sp_case *c, enum sp_consent_status status)
{
	struct sp_casework cw = as(&child_cw);
	struct sp_err err = {0};
	struct sp_consent in = {.purpose = SP_PURPOSE_TRACING, .status = status,
				.method = SP_METHOD_VERBAL, .by = SP_BY_PERSON};
	ok(sp_consent_record(&cw, &c->id, &in, NULL, &err), &err, "consent");
}

/* A request looking for given family (sex, born; 0: no year) as decoded details. */
static struct sp_tracing_details sought(const char *name, const char *nickname, const char *sex,
					int born)
{
	char json[600], birth[48] = "", nick[80] = "";
	if (born)
		snprintf(birth, sizeof birth, ", \"date_of_birth\": \"%d\"", born);
	if (nickname)
		snprintf(nick, sizeof nick, ", \"nicknames\": [\"%s\"]", nickname);
	snprintf(json, sizeof json,
		 "{\"requester\": {\"name\": \"Saba Tesfay\", \"relationship\": \"mother\", "
		 "\"contact\": \"+41 79 555 01 02\"}, \"child\": {\"names\": [\"%s\"]%s, \"sex\": "
		 "\"%s\"%s, \"place_of_separation\": \"Agadez bus station\", "
		 "\"date_of_separation\": \"2025-03\", \"relatives\": [\"Mehari Tesfay\"]}}",
		 name, nick, sex, birth);
	struct sp_err err = {0};
	json_t *j = sp_json_parse(json, strlen(json), &err);
	assert_non_null(j);
	struct sp_tracing_details d;
	ok(sp_tracing_decode(j, &arena, &d, &err), &err, "decode");
	json_decref(j);
	return d;
}

static struct sp_tracing_request create(const struct sp_tracing_details *d, size_t *matched)
{
	struct sp_casework cw = as(&tracer);
	struct sp_err err = {0};
	struct sp_tracing_request r;
	ok(sp_tracing_create(&cw, d, &r, matched, &err), &err, "create");
	return r;
}

/* Every (from, event) written out: V verifying, P proposed, R ruled out, A approved, D
 * declined, - refused. Events: verify confirmed, verify not confirmed, assess, approve,
 * decline. */
static void the_state_table(void **state)
{
	(void)state;
	static const char *const table[SP_MATCH_STATE_COUNT] = {
		[SP_MATCH_PROPOSED] = "VRP-D",
		[SP_MATCH_VERIFYING] = "VRVAD",
		[SP_MATCH_RULED_OUT] = "-----",
		[SP_MATCH_CONTACT_APPROVED] = "-----",
		[SP_MATCH_CONTACT_DECLINED] = "-----",
	};
	const char letter[SP_MATCH_STATE_COUNT] = {
		[SP_MATCH_PROPOSED] = 'P', [SP_MATCH_VERIFYING] = 'V', [SP_MATCH_RULED_OUT] = 'R',
		[SP_MATCH_CONTACT_APPROVED] = 'A', [SP_MATCH_CONTACT_DECLINED] = 'D'};
	for (int s = 0; s < SP_MATCH_STATE_COUNT; s++)
		for (int e = 0; e < SP_MEV_COUNT; e++) {
			int to = sp_match_next((enum sp_match_state)s, (enum sp_match_event)e);
			char got = to < 0 ? '-' : letter[to];
			if (got != table[s][e])
				fail_msg("%s x %s: %c, want %c",
					 sp_match_state_name((enum sp_match_state)s),
					 sp_match_event_name((enum sp_match_event)e), got,
					 table[s][e]);
		}
	assert_int_equal(sp_match_next(SP_MATCH_STATE_COUNT, SP_MEV_ASSESS), -1);
	assert_int_equal(sp_match_next(SP_MATCH_PROPOSED, SP_MEV_COUNT), -1);
	/* the request's status: approved beats verifying beats proposed beats declined */
	const struct {
		enum sp_match_state s[3];
		size_t n;
		const char *want;
	} rows[] = {
		{{0}, 0, "open"},
		{{SP_MATCH_RULED_OUT}, 1, "open"},
		{{SP_MATCH_PROPOSED, SP_MATCH_RULED_OUT}, 2, "possible_match"},
		{{SP_MATCH_CONTACT_DECLINED, SP_MATCH_PROPOSED}, 2, "possible_match"},
		{{SP_MATCH_PROPOSED, SP_MATCH_VERIFYING}, 2, "verifying"},
		{{SP_MATCH_VERIFYING, SP_MATCH_CONTACT_APPROVED, SP_MATCH_PROPOSED}, 3,
		 "contact_approved"},
		{{SP_MATCH_CONTACT_DECLINED, SP_MATCH_RULED_OUT}, 2, "contact_declined"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		assert_string_equal(sp_tracing_status_name(sp_tracing_status_of(rows[i].s, rows[i].n)),
				    rows[i].want);
	const char *const names[] = {"open", "possible_match", "verifying", "contact_approved",
				     "contact_declined", "closed"};
	for (int i = 0; i < SP_TRACING_STATUS_COUNT; i++)
		assert_int_equal(sp_tracing_status_parse(names[i]), i);
	assert_int_equal(sp_verify_method_parse("child_recognised"), SP_VERIFY_RECOGNISED);
	assert_int_equal(sp_bia_outcome_parse("contact_not_in_best_interests"), SP_BIA_NO_CONTACT);
}

/* The whole flow on one child: no consent, no match; consent given, a match, the child's side
 * told; contact refused until both records are there and favourable; each step audited. */
static void the_flow(void **state)
{
	(void)state;
	struct sp_err err = {0};
	int y = this_year();
	struct sp_case child = person_case(&child_cw, "Yonas", "Tesfay", "male", y - 12,
					   SP_CASE_UNACCOMPANIED_CHILD);
	struct sp_tracing_details d = sought("Yonas Tesfay", "Yoni", "male", y - 12);
	size_t matched = 9;
	struct sp_tracing_request r = create(&d, &matched);
	assert_int_equal(matched, 0);
	assert_string_equal(sp_tracing_status_name(r.status), "open");
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM tracing_matches"), 0);

	consent(&child, SP_CONSENT_GIVEN);
	struct sp_casework cw = as(&tracer);
	ok(sp_tracing_rematch(&cw, &r.id, &r, &matched, &err), &err, "rematch");
	assert_int_equal(matched, 1);
	assert_string_equal(sp_tracing_status_name(r.status), "possible_match");
	/* again: the match is known, nothing new */
	ok(sp_tracing_rematch(&cw, &r.id, &r, &matched, &err), &err, "rematch");
	assert_int_equal(matched, 0);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM tracing_matches"), 1);
	/* the child's caseworker by name and the agency's focal points by role, ids only */
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM notifications WHERE kind = "
					    "'tracing.match'"),
			 2);

	/* the requester's side: the status, its own details, nothing of the case */
	struct sp_tracing_request got;
	ok(sp_tracing_get(&cw, &r.id, &got, &err), &err, "get");
	assert_string_equal(sp_tracing_status_name(got.status), "possible_match");
	assert_string_equal(got.details.requester_name, "Saba Tesfay");
	json_t *enc = sp_tracing_request_encode(&got);
	char *text = sp_json_dump(enc);
	char case_id[SP_ID_STRLEN + 1];
	sp_id_format(&child.id, case_id);
	assert_null(strstr(text, case_id));
	assert_null(strstr(text, child.number));
	sp_json_free(text);
	json_decref(enc);

	/* the child's side */
	struct sp_casework ccw = as(&child_cw);
	struct sp_tracing_match *list;
	size_t n;
	ok(sp_tracing_case_matches(&ccw, &child.id, &list, &n, &err), &err, "case matches");
	assert_int_equal(n, 1);
	struct sp_tracing_match m = list[0];
	/* the model's contributions log2(m/u) of the shipped parameters, by hand: name exact
	 * log2(0.394795/0.000226) = +10.77, a year-only date (weak) agreeing
	 * log2(0.187450/0.001561) = +6.91, sex log2(0.999001/0.528915) = +0.92, the prior
	 * log2(0.0000391/0.9999609) = -14.64: weight 3.95, probability 2^3.95 / (1 + 2^3.95) =
	 * 0.94. The request's place and date of separation and relatives are missing on the
	 * child's side: not in the explanation. */
	assert_int_equal(m.score, 94);
	assert_string_equal(m.explanation, "name: exact +10.77; date_of_birth: weak date, agree "
					   "+6.91; sex: exact +0.92; probability 0.94");
	struct sp_tracing_request seen;
	ok(sp_tracing_review(&ccw, &m.id, &m, &seen, &err), &err, "review");
	assert_string_equal(seen.details.requester_relationship, "mother");
	assert_string_equal(seen.details.relatives[0], "Mehari Tesfay");

	assert_int_equal(sp_tracing_contact(&ccw, &m.id, m.version, true, NULL, NULL, &err),
			 SP_ECONFLICT);
	assert_string_equal(err.field, "/verification");
	ok(sp_tracing_verify(&ccw, &m.id, m.version, SP_VERIFY_QUESTIONS, true,
			     "Knew the name of the family's goat", &m, &err),
	   &err, "verify");
	assert_string_equal(sp_match_state_name(m.state), "verifying");
	assert_int_equal(sp_tracing_contact(&ccw, &m.id, m.version, true, NULL, NULL, &err),
			 SP_ECONFLICT);
	assert_string_equal(err.field, "/best_interests");
	assert_string_equal(err.msg, "no best-interests assessment is recorded");
	ok(sp_tracing_assess(&ccw, &m.id, m.version, SP_BIA_NO_CONTACT,
			     "The mother's partner is a risk", &m, &err),
	   &err, "assess");
	assert_int_equal(sp_tracing_contact(&ccw, &m.id, m.version, true, NULL, NULL, &err),
			 SP_ECONFLICT);
	assert_string_equal(err.field, "/best_interests");
	/* a stale version */
	assert_int_equal(sp_tracing_assess(&ccw, &m.id, m.version - 1, SP_BIA_CONTACT, "Safe now",
					   NULL, &err),
			 SP_ECONFLICT);
	assert_string_equal(err.field, "/version");
	ok(sp_tracing_assess(&ccw, &m.id, m.version, SP_BIA_CONTACT, "The partner has left", &m,
			     &err),
	   &err, "assess again");
	ok(sp_tracing_contact(&ccw, &m.id, m.version, true, NULL, &m, &err), &err, "approve");
	assert_string_equal(sp_match_state_name(m.state), "contact_approved");
	assert_int_equal(sp_tracing_contact(&ccw, &m.id, m.version, false, "changed", NULL, &err),
			 SP_ECONFLICT);
	assert_string_equal(err.field, "/state");
	ok(sp_tracing_get(&cw, &r.id, &got, &err), &err, "get");
	assert_string_equal(sp_tracing_status_name(got.status), "contact_approved");

	/* every step audited, under its own name */
	assert_int_equal(audited("tracing.create"), 1);
	assert_true(audited("tracing.match") >= 3);
	assert_int_equal(audited("tracing.read"), 2);
	assert_int_equal(audited("tracing.case_matches"), 1);
	assert_int_equal(audited("tracing.review"), 1);
	assert_int_equal(audited("tracing.verify"), 1);
	assert_int_equal(audited("tracing.assess"), 2);
	assert_int_equal(audited("tracing.contact"), 1);
	/* refusals too: the three 409s are not policy refusals, so none of them is recorded */
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action LIKE "
					    "'tracing.%' AND reason LIKE 'denied:%'"),
			 0);
	/* sealed: the requester's name, contact and the notes never reach the disk in clear */
	if (!test_pg()) {
		assert_false(file_contains(db_path, "Saba Tesfay"));
		assert_false(file_contains(db_path, "555 01 02"));
		assert_false(file_contains(db_path, "goat"));
		assert_false(file_contains(db_path, "partner has left"));
	}
	/* the requester's side told of each change of status — possible match, verifying,
	 * contact approved — by name (the recording officer) and by role (the agency's focal
	 * points), about no case; the assessments and the refusals changed none */
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM notifications WHERE kind = "
					    "'tracing.status' AND object_type = 'tracing_request' "
					    "AND case_id IS NULL"),
			 6);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM notifications WHERE kind = "
					    "'tracing.status' AND user_id IS NULL AND roles = 8"),
			 3);
	/* closing: the child's side can no longer act */
	ok(sp_tracing_close(&cw, &r.id, &got, &err), &err, "close");
	assert_string_equal(sp_tracing_status_name(got.status), "closed");
	assert_int_equal(sp_tracing_close(&cw, &r.id, &got, &err), SP_ECONFLICT);
	assert_int_equal(sp_tracing_rematch(&cw, &r.id, &got, &matched, &err), SP_ECONFLICT);
}

/* Only a child whose newest tracing consent is given: withdrawn stops it, refused never
 * starts it; adults, closed cases and an enforcement agency's children are never matched. */
static void the_consent_filter(void **state)
{
	(void)state;
	int y = this_year();
	struct sp_case withdrawn = person_case(&child_cw, "Amanuel", "Gebre", "male", y - 10, 0);
	struct sp_case refused = person_case(&child_cw, "Amanuel", "Gebre", "male", y - 10, 0);
	struct sp_case adult = person_case(&child_cw, "Amanuel", "Gebre", "male", y - 30, 0);
	struct sp_case unknown_age = person_case(&child_cw, "Amanuel", "Gebre", "male", 0,
						 SP_CASE_SEPARATED_CHILD);
	struct sp_case enforcement = person_case(&officer_cw, "Amanuel", "Gebre", "male", y - 10, 0);
	consent(&withdrawn, SP_CONSENT_GIVEN);
	consent(&withdrawn, SP_CONSENT_WITHDRAWN);
	consent(&refused, SP_CONSENT_REFUSED);
	consent(&adult, SP_CONSENT_GIVEN);
	consent(&unknown_age, SP_CONSENT_GIVEN);
	{
		struct sp_casework icw = as(&officer_cw);
		struct sp_err err = {0};
		struct sp_consent in = {.purpose = SP_PURPOSE_TRACING, .status = SP_CONSENT_GIVEN,
					.method = SP_METHOD_VERBAL, .by = SP_BY_PERSON};
		ok(sp_consent_record(&icw, &enforcement.id, &in, NULL, &err), &err, "consent");
	}
	struct sp_tracing_details d = sought("Amanuel Gebre", NULL, "male", y - 10);
	size_t matched = 9;
	struct sp_tracing_request r = create(&d, &matched);
	/* none: the withdrawn, the refused and the enforcement agency's child are scored (the
	 * three sharing the year's keys) but not traceable; the adult shares no key; the child of
	 * unknown age neither: every blocking rule of the model needs a date of birth (or a
	 * nationality, which a request does not hold) */
	assert_int_equal(matched, 0);
	struct sp_casework ccw = as(&child_cw);
	struct sp_err err = {0};
	struct sp_tracing_match *list;
	size_t n;
	const struct sp_case *none[] = {&withdrawn, &refused, &adult, &unknown_age};
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
		ok(sp_tracing_case_matches(&ccw, &none[i]->id, &list, &n, &err), &err, "matches");
		assert_int_equal(n, 0);
	}
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM tracing_matches"), 1); /* the_flow's */
	/* the withdrawn child's consent given again: matched at the next run */
	consent(&withdrawn, SP_CONSENT_GIVEN);
	struct sp_casework cw = as(&tracer);
	ok(sp_tracing_rematch(&cw, &r.id, &r, &matched, &err), &err, "rematch");
	assert_int_equal(matched, 1);
	ok(sp_tracing_case_matches(&ccw, &withdrawn.id, &list, &n, &err), &err, "matches");
	assert_int_equal(n, 1);
	/* name exact +10.77, weak date agreeing +6.91, sex +0.92, prior -14.64: weight 3.95 */
	assert_int_equal(list[0].score, 94);
	/* a different sex and a birth year far off: no key shared, nothing scored */
	struct sp_tracing_details other = sought("Amanuel Gebre", NULL, "female", y - 16);
	create(&other, &matched);
	assert_int_equal(matched, 0);
	/* the same year, a sex that differs: scored, below (sex log2(0.000999/0.471085) =
	 * -8.88: weight -5.85, probability 0.02) */
	struct sp_tracing_details girl = sought("Amanuel Gebre", NULL, "female", y - 10);
	create(&girl, &matched);
	assert_int_equal(matched, 0);
	/* a nickname alone carries the name: the best probe wins */
	struct sp_tracing_details nick = sought("Selam Haile", "Amanuel Gebre", "male", y - 10);
	create(&nick, &matched);
	assert_int_equal(matched, 1);
}

/* A child "Mohammed Ahmed Ali" (given, father's, grandfather's name) of an estimated birth
 * year y - 12, as the registry records one; original false: romanised, true: in Arabic
 * script alone. */
static struct sp_case mohammed(int born, bool arabic, bool estimated)
{
	char json[600];
	snprintf(json, sizeof json,
		 arabic ? "{\"names\": [{\"role\": \"given\", \"original\": \"محمد\", \"script\": "
			  "\"Arab\"}, {\"role\": \"father\", \"original\": \"أحمد\", \"script\": "
			  "\"Arab\"}, {\"role\": \"grandfather\", \"original\": \"علي\", "
			  "\"script\": \"Arab\"}], \"sex\": \"male\", \"date_of_birth\": {\"date\": "
			  "\"%d\", \"estimated\": %s}}"
			: "{\"names\": [{\"role\": \"given\", \"romanised\": \"Mohammed\"}, {\"role\": "
			  "\"father\", \"romanised\": \"Ahmed\"}, {\"role\": \"grandfather\", "
			  "\"romanised\": \"Ali\"}], \"sex\": \"male\", \"date_of_birth\": {\"date\": "
			  "\"%d\", \"estimated\": %s}}",
		 born, estimated ? "true" : "false");
	return open_case(&child_cw, json, SP_CASE_UNACCOMPANIED_CHILD);
}

static size_t matches_of(const struct sp_case *c, struct sp_tracing_match *first)
{
	struct sp_casework ccw = as(&child_cw);
	struct sp_err err = {0};
	struct sp_tracing_match *list;
	size_t n;
	ok(sp_tracing_case_matches(&ccw, &c->id, &list, &n, &err), &err, "case matches");
	if (n && first)
		*first = list[0];
	return n;
}

/* The registry's person model finds a child by a relative's spelling of the name, a nickname
 * and an age: "Muhammad Ahmad", "Hamada", 12 against "Mohammed Ahmed Ali" of an estimated year;
 * in Arabic script too. Never an adult namesake, a child without a tracing consent, or one
 * whose consent was withdrawn. The contributions are log2(m/u) of the shipped parameters
 * (config/matching/person.json), worked out by hand: the names agree on their skeleton keys
 * log2(0.062434/0.005409) = +3.53, the estimated years agree log2(0.187450/0.001561) = +6.91,
 * sex log2(0.999001/0.528915) = +0.92, the prior log2(0.0000391/0.9999609) = -14.64: weight
 * -3.29, probability 2^-3.29 / (1 + 2^-3.29) = 0.09. That is far below the model's threshold
 * (0.46) and above tracing's (SP_TRACING_THRESHOLD, 0.05): why tracing has its own. */
static void the_model_finds(void **state)
{
	(void)state;
	int y = this_year();
	struct sp_case child = mohammed(y - 12, false, true);
	struct sp_case adult = mohammed(y - 35, false, false);
	struct sp_case no_consent = mohammed(y - 12, false, true);
	struct sp_case withdrawn = mohammed(y - 12, false, true);
	consent(&child, SP_CONSENT_GIVEN);
	consent(&adult, SP_CONSENT_GIVEN);
	consent(&withdrawn, SP_CONSENT_GIVEN);
	consent(&withdrawn, SP_CONSENT_WITHDRAWN);
	char json[600];
	snprintf(json, sizeof json,
		 "{\"requester\": {\"name\": \"Fatima Hassan\", \"relationship\": \"mother\"}, "
		 "\"child\": {\"names\": [\"Muhammad Ahmad\"], \"nicknames\": [\"Hamada\"], \"sex\": "
		 "\"male\", \"age\": 12}}");
	struct sp_err err = {0};
	json_t *j = sp_json_parse(json, strlen(json), &err);
	struct sp_tracing_details d;
	ok(sp_tracing_decode(j, &arena, &d, &err), &err, "decode");
	json_decref(j);
	size_t matched = 0;
	static const char *const opened3 = "SELECT COUNT(*) FROM audit_log WHERE action = "
					   "'tracing.match' AND object_type = 'case' AND reason = "
					   "'opened:3'";
	int64_t before = test_scalar(store, opened3);
	struct sp_tracing_request r = create(&d, &matched);
	assert_int_equal(matched, 1);
	struct sp_tracing_match m;
	assert_int_equal(matches_of(&child, &m), 1);
	static const char *const why = "name: same skeleton keys +3.53; date_of_birth: weak date, "
				       "agree +6.91; sex: exact +0.92; probability 0.09";
	assert_int_equal(m.score, 9);
	assert_string_equal(m.explanation, why);
	assert_int_equal(matches_of(&adult, NULL), 0);
	assert_int_equal(matches_of(&no_consent, NULL), 0);
	assert_int_equal(matches_of(&withdrawn, NULL), 0);
	/* the record names the case proposed and how many persons' cells were opened: the three
	 * of the year (the adult shares no key) */
	assert_int_equal(test_scalar(store, opened3), before + 1);
	/* in Arabic script alone, registered after: found at the next run */
	struct sp_case arabic = mohammed(y - 12, true, true);
	consent(&arabic, SP_CONSENT_GIVEN);
	struct sp_casework cw = as(&tracer);
	ok(sp_tracing_rematch(&cw, &r.id, &r, &matched, &err), &err, "rematch");
	assert_int_equal(matched, 1);
	assert_int_equal(matches_of(&arabic, &m), 1);
	assert_int_equal(m.score, 9);
	assert_string_equal(m.explanation, why);
	/* the consent withdrawn: a new request matches the romanised child only (the match
	 * proposed before stays the child's side's to review) */
	consent(&arabic, SP_CONSENT_WITHDRAWN);
	create(&d, &matched);
	assert_int_equal(matched, 1);
	assert_int_equal(matches_of(&arabic, NULL), 1);
	assert_int_equal(matches_of(&child, NULL), 2);
}

/* Who may: the requester's agency's staff on the request; never enforcement, another agency,
 * a coordinator; the child's side only with the child's case. */
static void who_may(void **state)
{
	(void)state;
	struct sp_err err = {0};
	int y = this_year();
	struct sp_case child = person_case(&child_cw, "Hagos", "Berhe", "male", y - 9, 0);
	consent(&child, SP_CONSENT_GIVEN);
	struct sp_tracing_details d = sought("Hagos Berhe", NULL, "male", y - 9);
	struct sp_tracing_request r, got;
	size_t matched;
	int64_t before = test_scalar(store, "SELECT COUNT(*) FROM tracing_requests");
	struct sp_casework icw = as(&officer);
	assert_int_equal(sp_tracing_create(&icw, &d, &r, &matched, &err), SP_EDENIED);
	assert_string_equal(err.reason, "firewall");
	struct sp_casework kcw = as(&coord);
	assert_int_equal(sp_tracing_create(&kcw, &d, &r, &matched, &err), SP_EDENIED);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM tracing_requests"), before);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'tracing.create' AND reason = 'denied:firewall'"),
			 1);
	r = create(&d, &matched);
	assert_int_equal(matched, 1);
	struct sp_casework scw = as(&tracer_sup);
	ok(sp_tracing_get(&scw, &r.id, &got, &err), &err, "the supervisor reads it");
	struct sp_casework ccw = as(&child_cw);
	assert_int_equal(sp_tracing_get(&ccw, &r.id, &got, &err), SP_EDENIED);
	assert_string_equal(err.reason, "other_agency");
	/* the child's side: the case's caseworker yes; a colleague not assigned, the requester's
	 * side and the focal point not assigned no */
	struct sp_tracing_match *list;
	size_t n;
	ok(sp_tracing_case_matches(&ccw, &child.id, &list, &n, &err), &err, "matches");
	assert_int_equal(n, 1);
	struct sp_tracing_match m;
	struct sp_tracing_request seen;
	const struct sp_subject *refused[] = {&child_colleague, &tracer, &tracer_sup, &officer};
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		struct sp_casework x = as(refused[i]);
		assert_int_equal(sp_tracing_review(&x, &list[0].id, &m, &seen, &err), SP_EDENIED);
		assert_int_equal(sp_tracing_verify(&x, &list[0].id, list[0].version,
						   SP_VERIFY_DOCUMENTS, true, NULL, NULL, &err),
				 SP_EDENIED);
	}
	/* each refusal recorded as such; nothing else written */
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'tracing.verify' AND reason LIKE 'denied:%'"),
			 4);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM audit_log WHERE action = "
					    "'tracing.review' AND reason LIKE 'denied:%'"),
			 4);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM tracing_matches WHERE "
					    "verified_by IS NOT NULL"),
			 1);
	/* the list: the agency's own requests only */
	struct sp_tracing_request *mine;
	ok(sp_tracing_list(&scw, &mine, &n, &err), &err, "list");
	assert_int_equal((int64_t)n, test_scalar(store, "SELECT COUNT(*) FROM tracing_requests"));
	assert_false(mine[0].has_details);
}

/* Each bad field named, nothing written. */
static void bad_requests_are_named(void **state)
{
	(void)state;
	const struct {
		const char *json, *field;
	} rows[] = {
		{"[]", ""},
		{"{\"child\": {\"names\": [\"A\"]}}", "/requester"},
		{"{\"requester\": {\"name\": \"S\", \"relationship\": \"mother\"}}", "/child"},
		{"{\"requester\": {\"relationship\": \"mother\"}, \"child\": {\"names\": [\"A\"]}}",
		 "/requester/name"},
		{"{\"requester\": {\"name\": \" \", \"relationship\": \"mother\"}, \"child\": "
		 "{\"names\": [\"A\"]}}",
		 "/requester/name"},
		{"{\"requester\": {\"name\": \"S\", \"relationship\": \"mother\", \"phone\": \"1\"}, "
		 "\"child\": {\"names\": [\"A\"]}}",
		 "/requester/phone"},
		{"{\"requester\": {\"name\": \"S\", \"relationship\": \"mother\"}, \"child\": "
		 "{\"names\": []}}",
		 "/child/names"},
		{"{\"requester\": {\"name\": \"S\", \"relationship\": \"mother\"}, \"child\": "
		 "{\"names\": [\"A\", 3]}}",
		 "/child/names/1"},
		{"{\"requester\": {\"name\": \"S\", \"relationship\": \"mother\"}, \"child\": "
		 "{\"names\": [\"A\"], \"sex\": \"boy\"}}",
		 "/child/sex"},
		{"{\"requester\": {\"name\": \"S\", \"relationship\": \"mother\"}, \"child\": "
		 "{\"names\": [\"A\"], \"date_of_birth\": \"2014-13\"}}",
		 "/child/date_of_birth"},
		{"{\"requester\": {\"name\": \"S\", \"relationship\": \"mother\"}, \"child\": "
		 "{\"names\": [\"A\"], \"date_of_birth\": \"2014\", \"age\": 11}}",
		 "/child/age"},
		{"{\"requester\": {\"name\": \"S\", \"relationship\": \"mother\"}, \"child\": "
		 "{\"names\": [\"A\"], \"age\": 31}}",
		 "/child/age"},
		{"{\"requester\": {\"name\": \"S\", \"relationship\": \"mother\"}, \"child\": "
		 "{\"names\": [\"A\"], \"birth_estimated\": true}}",
		 "/child/birth_estimated"},
		{"{\"requester\": {\"name\": \"S\", \"relationship\": \"mother\"}, \"child\": "
		 "{\"names\": [\"A\"], \"date_of_separation\": \"2024-01-01/2024-02-01\"}}",
		 "/child/date_of_separation"},
		{"{\"requester\": {\"name\": \"S\", \"relationship\": \"mother\"}, \"child\": "
		 "{\"names\": [\"A\"]}, \"extra\": 1}",
		 "/extra"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		struct sp_err err = {0};
		json_t *j = sp_json_parse(rows[i].json, strlen(rows[i].json), &err);
		assert_non_null(j);
		struct sp_tracing_details d;
		int rc = sp_tracing_decode(j, &arena, &d, &err);
		json_decref(j);
		if (rc == SP_OK || strcmp(err.field, rows[i].field) != 0)
			fail_msg("row %zu: %d at '%s' (%s), want '%s'", i, rc, err.field, err.msg,
				 rows[i].field);
	}
	/* a nickname of signs only names nothing to match */
	{
		struct sp_casework cw = as(&tracer);
		struct sp_err err = {0};
		struct sp_tracing_details d = sought("Ruth Gebremariam", "--", "female", 0);
		struct sp_tracing_request r;
		size_t matched;
		int64_t before = test_scalar(store, "SELECT COUNT(*) FROM tracing_requests");
		assert_int_equal(sp_tracing_create(&cw, &d, &r, &matched, &err), SP_EINVAL);
		assert_string_equal(err.field, "/child/nicknames/0");
		assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM tracing_requests"), before);
	}
	/* the child's side's own fields */
	struct sp_casework ccw = as(&child_cw);
	struct sp_err err = {0};
	struct sp_id none;
	sp_id_new(&none);
	assert_int_equal(sp_tracing_assess(&ccw, &none, 1, SP_BIA_CONTACT, NULL, NULL, &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "/grounds");
	assert_int_equal(sp_tracing_contact(&ccw, &none, 1, false, NULL, NULL, &err), SP_EINVAL);
	assert_string_equal(err.field, "/note");
	assert_int_equal(sp_tracing_verify(&ccw, &none, 1, SP_VERIFY_METHOD_COUNT, true, NULL, NULL,
					   &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "/method");
	assert_int_equal(sp_tracing_verify(&ccw, &none, 1, SP_VERIFY_DOCUMENTS, true, NULL, NULL,
					   &err),
			 SP_ENOTFOUND);
}

/* A create (the request, its match, the notifications, the audit records) and a verification,
 * each with every store call failing in turn: nothing is left half-written. */
struct walk {
	struct sp_tracing_details d;
	struct sp_id match;
};

static int walk_create(void *ctx, int which, struct sp_err *err)
{
	struct walk *w = ctx;
	struct sp_casework cw = as(&tracer);
	size_t matched;
	(void)which;
	return sp_tracing_create(&cw, &w->d, NULL, &matched, err);
}

static int walk_verify(void *ctx, int which, struct sp_err *err)
{
	struct walk *w = ctx;
	struct sp_casework cw = as(&child_cw);
	(void)which;
	return sp_tracing_verify(&cw, &w->match, 1, SP_VERIFY_DOCUMENTS, true, "Passport seen", NULL,
				 err);
}

static void fault_walk(void **state)
{
	(void)state;
	int y = this_year();
	struct sp_case child = person_case(&child_cw, "Mebrat", "Okbazghi", "female", y - 13, 0);
	consent(&child, SP_CONSENT_GIVEN);
	struct walk w = {.d = sought("Mebrat Okbazghi", NULL, "female", y - 13)};
	static const char *const tables[] = {"tracing_requests", "tracing_matches", "notifications",
					     "audit_log"};
	fault_walk_over(tables, 4, 1, walk_create, &w);
	struct sp_casework ccw = as(&child_cw);
	struct sp_err err = {0};
	struct sp_tracing_match *list;
	size_t n;
	ok(sp_tracing_case_matches(&ccw, &child.id, &list, &n, &err), &err, "matches");
	assert_int_equal(n, 1);
	w.match = list[0].id;
	fault_walk_over(tables, 4, 1, walk_verify, &w);
	assert_int_equal(test_scalar(store, "SELECT COUNT(*) FROM tracing_matches WHERE state = "
					    "'verifying' AND version = 2 AND verify_method = "
					    "'documents'"),
			 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_state_table),
		cmocka_unit_test(the_flow),
		cmocka_unit_test(the_consent_filter),
		cmocka_unit_test(the_model_finds),
		cmocka_unit_test(who_may),
		cmocka_unit_test(bad_requests_are_named),
		cmocka_unit_test(fault_walk),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
