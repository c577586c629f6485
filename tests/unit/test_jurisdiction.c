/* identify/jurisdiction.c and identify/deadline.c: the shipped jurisdiction files, a folder's
 * overrides, validator messages against golden files (tests/data/jurisdictions/invalid/NAME.json
 * with NAME.err), and deadline arithmetic against a table worked out by hand
 * (tests/data/deadlines/due.tsv). Runs from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "safepath/date.h"
#include "safepath/jurisdiction.h"
#include "safepath/policy.h"

#include "golden.h"

#define DUE_TSV "tests/data/deadlines/due.tsv"
#define FOLDER "tests/data/jurisdictions/folder"
#define INVALID "tests/data/jurisdictions/invalid"

/* ---- RFC 3339 read here, independently of the code under test ---- */

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			fail_msg("bad digit in a time");
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* "YYYY-MM-DDTHH:MM:SS[.ffffff](+|-)HH:MM" -> UTC microseconds. */
static int64_t rfc3339(const char *s)
{
	int64_t day = sp_date_day_number(digits(s, 4), digits(s + 5, 2), digits(s + 8, 2));
	int64_t secs = day * 86400 + digits(s + 11, 2) * 3600 + digits(s + 14, 2) * 60 +
		       digits(s + 17, 2);
	const char *p = s + 19;
	int64_t frac = 0;
	if (*p == '.') {
		int n = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, n++)
			frac = frac * 10 + (*p - '0');
		for (; n < 6; n++)
			frac *= 10;
	}
	if ((*p != '+' && *p != '-') || strlen(p) != 6)
		fail_msg("no offset in %s", s);
	int off = digits(p + 1, 2) * 60 + digits(p + 4, 2);
	secs -= (*p == '-' ? -off : off) * 60;
	return secs * 1000000 + frac;
}

static void split_tabs(char *line, char **field, int max, int *n)
{
	*n = 0;
	for (char *p = line; *n < max;) {
		field[(*n)++] = p;
		char *tab = strchr(p, '\t');
		if (!tab)
			break;
		*tab = '\0';
		p = tab + 1;
	}
}

static struct sp_jurisdictions shipped, folder;

static int setup(void **state)
{
	(void)state;
	struct sp_err err = {0};
	if (sp_jurisdictions_load(NULL, &shipped, &err) != SP_OK)
		fail_msg("shipped: %s %s", err.field, err.msg);
	if (sp_jurisdictions_load(FOLDER, &folder, &err) != SP_OK)
		fail_msg("folder: %s %s", err.field, err.msg);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_jurisdictions_free(&shipped);
	sp_jurisdictions_free(&folder);
	return 0;
}

static const struct sp_jurisdiction *jur(const char *id)
{
	const struct sp_jurisdiction *j = sp_jurisdictions_find(&shipped, id);
	if (!j)
		j = sp_jurisdictions_find(&folder, id);
	if (!j)
		fail_msg("no jurisdiction %s", id);
	return j;
}

static const struct sp_jur_rule *rule(const struct sp_jurisdiction *j, const char *id)
{
	const struct sp_jur_rule *r = sp_jurisdiction_rule(j, id);
	if (!r)
		fail_msg("no rule %s in %s", id, j->id);
	return r;
}

static void test_due_golden(void **state)
{
	(void)state;
	FILE *f = fopen(DUE_TSV, "r");
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", DUE_TSV);
	char line[512];
	int lineno = 0, rows = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char *fld[5];
		int n;
		split_tabs(line, fld, 5, &n);
		if (n != 5)
			fail_msg("%s:%d: 5 fields expected", DUE_TSV, lineno);
		const struct sp_jurisdiction *j = jur(fld[0]);
		const struct sp_jur_rule *r = rule(j, fld[1]);
		int64_t due = 0;
		struct sp_err err = {0};
		int rc = sp_deadline_due(j, r, rfc3339(fld[2]), &due, &err);
		if (strcmp(fld[3], "refused") == 0) {
			if (rc != SP_EINVAL || strcmp(err.reason, "holidays_not_covered") != 0)
				fail_msg("%s:%d: not refused (rc %d)", DUE_TSV, lineno, rc);
		} else if (strcmp(fld[3], "open") == 0) {
			if (rc != SP_OK || due != SP_DUE_OPEN)
				fail_msg("%s:%d: not open (rc %d %s)", DUE_TSV, lineno, rc, err.msg);
		} else {
			if (rc != SP_OK)
				fail_msg("%s:%d: %s", DUE_TSV, lineno, err.msg);
			char got[SP_JUR_TIME_SIZE];
			if (sp_jurisdiction_format_time(j, due, got, &err) != SP_OK)
				fail_msg("%s:%d: format: %s", DUE_TSV, lineno, err.msg);
			if (due != rfc3339(fld[3]) || strcmp(got, fld[3]) != 0)
				fail_msg("%s:%d: %s %s from %s: got %s, expected %s (%s)", DUE_TSV,
					 lineno, fld[0], fld[1], fld[2], got, fld[3], fld[4]);
		}
		rows++;
	}
	fclose(f);
	assert_true(rows >= 40);
}

static void test_shipped(void **state)
{
	(void)state;
	assert_int_equal(shipped.n, 2);
	assert_string_equal(shipped.items[0]->id, "coe");
	assert_string_equal(shipped.items[1]->id, "gb-eng-wls");
	const struct sp_jurisdiction *gb = jur("gb-eng-wls");
	assert_string_equal(gb->time_zone, "Europe/London");
	assert_int_equal(gb->status, SP_JUR_PROVISIONAL);
	assert_int_equal(gb->holiday_from, 2025);
	assert_int_equal(gb->holiday_to, 2027);
	assert_int_equal(gb->n_holidays, 24);
	assert_int_equal(gb->working_week, 0x1f);
	/* retention after closure: six years here, five in the default, both assumptions */
	assert_true(gb->retention[SP_JUR_RECORD_CASE].present);
	assert_int_equal(gb->retention[SP_JUR_RECORD_CASE].months, 72);
	assert_int_equal(gb->retention[SP_JUR_RECORD_CASE].tag, 'U');
	assert_int_equal(jur("coe")->retention[SP_JUR_RECORD_CASE].months, 60);
	/* a closed tracing request: two years in both, an assumption too */
	assert_int_equal(gb->retention[SP_JUR_RECORD_TRACING_REQUEST].months, 24);
	assert_int_equal(jur("coe")->retention[SP_JUR_RECORD_TRACING_REQUEST].months, 24);
	assert_int_equal(jur("coe")->retention[SP_JUR_RECORD_TRACING_REQUEST].tag, 'U');
	assert_string_equal(sp_jur_record_name(SP_JUR_RECORD_TRACING_REQUEST), "tracing_request");
	assert_string_equal(sp_jur_record_name(SP_JUR_RECORD_CASE), "case");
	assert_string_equal(sp_jur_text(gb->title, "fr"),
			    "Angleterre et pays de Galles (mécanisme national d'orientation du "
			    "Royaume-Uni)");
	assert_string_equal(sp_jur_text(gb->title, "ar"),
			    "England and Wales (UK National Referral Mechanism)");

	const struct sp_jur_rule *rg = rule(gb, "rg_decision");
	assert_int_equal(rg->trigger, SP_EVENT_REFERRAL);
	assert_int_equal(rg->unit, SP_UNIT_WORKING_DAYS);
	assert_int_equal(rg->kind, SP_KIND_TARGET);
	assert_int_equal(rg->amount, 5);
	assert_int_equal(rg->tag, 'P');
	const struct sp_jur_rule *mo = rule(gb, "move_on");
	assert_int_equal(mo->trigger, SP_EVENT_CG_POSITIVE);
	assert_int_equal(mo->amount, 45);
	assert_int_equal(mo->kind, SP_KIND_MINIMUM);
	assert_int_equal(rule(gb, "recovery_reflection")->amount, 30);
	assert_int_equal(rule(gb, "cg_decision_earliest")->tag, 'U');
	assert_null(sp_jurisdiction_rule(gb, "nothing"));

	const struct sp_jurisdiction *coe = jur("coe");
	const struct sp_jur_rule *rr = rule(coe, "recovery_reflection");
	assert_int_equal(rr->trigger, SP_EVENT_RG_POSITIVE);
	assert_int_equal(rr->amount, 30);
	assert_int_equal(rr->kind, SP_KIND_MINIMUM);
	assert_int_equal(rule(coe, "assistance")->unit, SP_UNIT_IMMEDIATELY);
	const struct sp_jur_rule *nr = rule(coe, "no_removal");
	assert_int_equal(nr->unit, SP_UNIT_UNTIL_EVENT);
	assert_int_equal(nr->until, SP_EVENT_CG_DECISION);
	assert_int_equal(coe->holiday_from, 0);

	/* acting without consent: both bases in England and Wales, none in the default */
	const struct sp_jur_consent_basis *child = &gb->consent[SP_JUR_BASIS_CHILD];
	const struct sp_jur_consent_basis *notify = &gb->consent[SP_JUR_BASIS_DUTY_TO_NOTIFY];
	assert_true(child->present);
	assert_int_equal(child->tag, 'S');
	assert_null(child->authority);
	assert_non_null(strstr(sp_jur_text(child->basis, "fr"), "sans son consentement"));
	assert_true(notify->present);
	assert_int_equal(notify->tag, 'S');
	assert_string_equal(notify->authority, "duty_to_notify");
	assert_non_null(strstr(notify->source, "s.52"));
	assert_null(gb->consent_notes);
	assert_false(coe->consent[SP_JUR_BASIS_CHILD].present);
	assert_false(coe->consent[SP_JUR_BASIS_DUTY_TO_NOTIFY].present);
	assert_non_null(strstr(sp_jur_text(coe->consent_notes, "en"), "Art. 12(7)"));
	assert_string_equal(sp_jur_basis_name(SP_JUR_BASIS_DUTY_TO_NOTIFY), "duty_to_notify");
	assert_int_equal(sp_jur_basis_parse("child_without_consent"), SP_JUR_BASIS_CHILD);
	assert_int_equal(sp_jur_basis_parse("necessity"), -1);
}

static void test_decisions(void **state)
{
	(void)state;
	const struct sp_jurisdiction *gb = jur("gb-eng-wls");
	assert_true(sp_jurisdiction_may_decide(gb, SP_DECISION_REASONABLE_GROUNDS,
					       SP_ROLE_IDENTIFIER, SP_AGENCY_IMMIGRATION));
	assert_false(sp_jurisdiction_may_decide(gb, SP_DECISION_REASONABLE_GROUNDS,
						SP_ROLE_IDENTIFIER, SP_AGENCY_NGO));
	assert_false(sp_jurisdiction_may_decide(gb, SP_DECISION_REASONABLE_GROUNDS,
						SP_ROLE_CASEWORKER, SP_AGENCY_IMMIGRATION));
	assert_true(sp_jurisdiction_may_decide(gb, SP_DECISION_AGE_ASSESSMENT,
					       SP_ROLE_SCREENER | SP_ROLE_CASEWORKER,
					       SP_AGENCY_CHILD_PROTECTION));
	assert_false(sp_jurisdiction_may_decide(gb, SP_DECISION_AGE_ASSESSMENT, SP_ROLE_SCREENER,
						SP_AGENCY_CHILD_PROTECTION));
	assert_true(sp_jurisdiction_may_decide(gb, SP_DECISION_BEST_INTERESTS, SP_ROLE_SUPERVISOR,
					       SP_AGENCY_GUARDIAN_SERVICE));
	assert_false(sp_jurisdiction_may_decide(gb, SP_DECISION_BEST_INTERESTS, SP_ROLES_ALL,
						SP_AGENCY_POLICE));
	assert_false(sp_jurisdiction_may_decide(gb, SP_DECISION_TYPE_COUNT, SP_ROLES_ALL, 0));
	/* coe: any agency may hold the identifier who decides reasonable grounds. */
	const struct sp_jurisdiction *coe = jur("coe");
	assert_true(sp_jurisdiction_may_decide(coe, SP_DECISION_REASONABLE_GROUNDS,
					       SP_ROLE_IDENTIFIER, SP_AGENCY_NGO));
	assert_false(sp_jurisdiction_may_decide(coe, SP_DECISION_REASONABLE_GROUNDS,
						SP_ROLE_ADMIN, SP_AGENCY_NGO));
	/* the folder's coe has no decisions at all */
	const struct sp_jurisdiction *fc = sp_jurisdictions_find(&folder, "coe");
	assert_non_null(fc);
	assert_false(sp_jurisdiction_may_decide(fc, SP_DECISION_REASONABLE_GROUNDS, SP_ROLES_ALL,
						SP_AGENCY_NGO));
}

static void test_names(void **state)
{
	(void)state;
	enum sp_jur_event e;
	enum sp_decision_type t;
	assert_int_equal(sp_jur_event_parse("cg_positive", &e), SP_OK);
	assert_int_equal(e, SP_EVENT_CG_POSITIVE);
	assert_int_equal(sp_jur_event_parse("arrest", &e), SP_EINVAL);
	assert_int_equal(sp_decision_type_parse("best_interests", &t), SP_OK);
	assert_int_equal(t, SP_DECISION_BEST_INTERESTS);
	assert_int_equal(sp_decision_type_parse("Best_interests", &t), SP_EINVAL);
	assert_string_equal(sp_jur_unit_name(SP_UNIT_WORKING_DAYS), "working_days");
	assert_string_equal(sp_jur_kind_name(SP_KIND_MINIMUM), "minimum");
	assert_string_equal(sp_jur_status_name(SP_JUR_LOCAL), "local");
	assert_string_equal(sp_jur_event_name(SP_EVENT_COUNT), "?");
	assert_string_equal(sp_decision_type_name(SP_DECISION_AGE_ASSESSMENT), "age_assessment");
}

static void test_folder(void **state)
{
	(void)state;
	assert_int_equal(folder.n, 4);
	static const char *const ids[] = {"coe", "gb-eng-wls", "xx-havana", "xx-london"};
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(folder.items[i]->id, ids[i]);
	/* the folder's coe.json replaced the shipped one */
	const struct sp_jurisdiction *c = sp_jurisdictions_find(&folder, "coe");
	assert_string_equal(c->version, "0.0.1-test");
	assert_int_equal(c->n_rules, 1);
	assert_int_equal(c->rules[0].amount, 60);
	assert_null(sp_jurisdictions_find(&folder, "xx-nowhere"));

	struct sp_jurisdictions s;
	struct sp_err err = {0};
	assert_int_equal(sp_jurisdictions_load("tests/data/jurisdictions/no-such-folder", &s, &err),
			 SP_OK);
	assert_int_equal(s.n, 2);
	sp_jurisdictions_free(&s);

	assert_int_equal(sp_jurisdictions_load("tests/data/jurisdictions/badname", &s, &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "/id");
	assert_string_equal(err.msg, "tests/data/jurisdictions/badname/xx-havana.json: the file "
				     "must be named after its id (ID.json)");
	assert_null(s.items);

	assert_int_equal(sp_jurisdictions_load("tests/data/jurisdictions/badfile", &s, &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "");
	assert_string_equal(err.msg, "tests/data/jurisdictions/badfile/xx-broken.json: line 4 "
				     "column 10: syntax error");
}

static void test_working_days(void **state)
{
	(void)state;
	const struct sp_jurisdiction *gb = jur("gb-eng-wls");
	struct sp_err err = {0};
	bool w;
	assert_int_equal(sp_jurisdiction_is_working_day(gb, sp_date_day_number(2026, 6, 6), &w,
							&err),
			 SP_OK);
	assert_false(w); /* Saturday */
	assert_int_equal(sp_jurisdiction_is_working_day(gb, sp_date_day_number(2026, 12, 28), &w,
							&err),
			 SP_OK);
	assert_false(w); /* Boxing Day substitute */
	assert_int_equal(sp_jurisdiction_is_working_day(gb, sp_date_day_number(2026, 12, 29), &w,
							&err),
			 SP_OK);
	assert_true(w);
	assert_int_equal(sp_jurisdiction_is_working_day(gb, sp_date_day_number(2028, 1, 3), &w,
							&err),
			 SP_EINVAL);
	assert_string_equal(err.reason, "holidays_not_covered");
	assert_string_equal(err.msg, "working days in 2028: the holiday list covers 2025 to 2027 "
				     "only");
	assert_int_equal(sp_jurisdiction_is_working_day(jur("coe"), 20000, &w, &err), SP_EINVAL);
	assert_string_equal(err.msg, "working days: the jurisdiction has no holiday list");

	int left;
	int64_t due = rfc3339("2027-01-04T23:59:59.999999+00:00");
	/* 24, 29, 30, 31 Dec and 4 Jan */
	assert_int_equal(sp_deadline_working_days_left(gb, rfc3339("2026-12-23T10:00:00+00:00"),
						       due, &left, &err),
			 SP_OK);
	assert_int_equal(left, 5);
	assert_int_equal(sp_deadline_working_days_left(gb, rfc3339("2027-01-04T08:00:00+00:00"),
						       due, &left, &err),
			 SP_OK);
	assert_int_equal(left, 0);
	/* two days late: 5 and 6 Jan */
	assert_int_equal(sp_deadline_working_days_left(gb, rfc3339("2027-01-06T08:00:00+00:00"),
						       due, &left, &err),
			 SP_OK);
	assert_int_equal(left, -2);
	/* Friday 23:30 UTC in summer is Saturday in London: Monday is the first day left */
	assert_int_equal(sp_deadline_working_days_left(gb, rfc3339("2026-06-05T23:30:00+00:00"),
						       rfc3339("2026-06-08T12:00:00+01:00"), &left,
						       &err),
			 SP_OK);
	assert_int_equal(left, 1);
	assert_int_equal(sp_deadline_working_days_left(gb, rfc3339("2027-12-30T08:00:00+00:00"),
						       rfc3339("2028-01-05T08:00:00+00:00"), &left,
						       &err),
			 SP_EINVAL);
	assert_string_equal(err.reason, "holidays_not_covered");
}

static void test_overdue(void **state)
{
	(void)state;
	const struct sp_jurisdiction *gb = jur("gb-eng-wls");
	int64_t due = rfc3339("2026-06-08T23:59:59.999999+01:00");
	assert_false(sp_deadline_overdue(rule(gb, "rg_decision"), due, due));
	assert_true(sp_deadline_overdue(rule(gb, "rg_decision"), due, due + 1));
	assert_false(sp_deadline_overdue(rule(gb, "rg_decision"), due, due - 1));
	/* a minimum period and an open rule are never overdue */
	assert_false(sp_deadline_overdue(rule(gb, "recovery_reflection"), due, due + 1));
	assert_false(sp_deadline_overdue(rule(gb, "no_removal"), SP_DUE_OPEN, INT64_MAX));
	const struct sp_jur_rule *now = rule(jur("coe"), "assistance");
	assert_true(sp_deadline_overdue(now, due, due + 1));
}

/* A referral's times to acknowledge and to answer, per urgency, from the shipped files; the
 * instants worked out by hand from the calendar (Europe/London, Monday to Friday, the bank
 * holidays of England and Wales). */
static void test_referral_due(void **state)
{
	(void)state;
	const struct sp_jurisdiction *gb = jur("gb-eng-wls");
	static const struct {
		enum sp_jur_urgency u;
		enum sp_jur_ref_step step;
		const char *trigger, *due;
	} cases[] = {
		/* Monday 2 March 2026, 10:00 GMT: the trigger day never counts */
		{SP_URGENCY_ROUTINE, SP_REF_STEP_ACKNOWLEDGE, "2026-03-02T10:00:00+00:00",
		 "2026-03-04T23:59:59.999999+00:00"},
		{SP_URGENCY_ROUTINE, SP_REF_STEP_RESPOND, "2026-03-02T10:00:00+00:00",
		 "2026-03-09T23:59:59.999999+00:00"},
		{SP_URGENCY_SOON, SP_REF_STEP_ACKNOWLEDGE, "2026-03-02T10:00:00+00:00",
		 "2026-03-03T23:59:59.999999+00:00"},
		{SP_URGENCY_SOON, SP_REF_STEP_RESPOND, "2026-03-02T10:00:00+00:00",
		 "2026-03-04T23:59:59.999999+00:00"},
		{SP_URGENCY_URGENT, SP_REF_STEP_ACKNOWLEDGE, "2026-03-02T10:00:00+00:00",
		 "2026-03-02T14:00:00+00:00"},
		{SP_URGENCY_URGENT, SP_REF_STEP_RESPOND, "2026-03-02T10:00:00+00:00",
		 "2026-03-03T10:00:00+00:00"},
		{SP_URGENCY_IMMEDIATE, SP_REF_STEP_ACKNOWLEDGE, "2026-03-02T10:00:00+00:00",
		 "2026-03-02T11:00:00+00:00"},
		{SP_URGENCY_IMMEDIATE, SP_REF_STEP_RESPOND, "2026-03-02T10:00:00+00:00",
		 "2026-03-02T14:00:00+00:00"},
		/* Thursday 2 April 2026 (BST): Good Friday and Easter Monday are not working days */
		{SP_URGENCY_ROUTINE, SP_REF_STEP_ACKNOWLEDGE, "2026-04-02T12:00:00+00:00",
		 "2026-04-08T23:59:59.999999+01:00"},
		/* Friday 27 March 2026, 22:30 GMT; 24 elapsed hours cross the change to BST */
		{SP_URGENCY_URGENT, SP_REF_STEP_RESPOND, "2026-03-27T22:30:00+00:00",
		 "2026-03-28T22:30:00+00:00"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int64_t due = 0;
		struct sp_err err = {0};
		assert_int_equal(sp_jurisdiction_referral_due(gb, cases[i].u, cases[i].step,
							      rfc3339(cases[i].trigger), &due, &err),
				 SP_OK);
		if (due != rfc3339(cases[i].due))
			fail_msg("case %zu: due %lld, want %s", i, (long long)due, cases[i].due);
	}
	/* coe counts calendar days in UTC: the routine acknowledgement by the end of the third
	 * day after the trigger's (Monday 2 March 2026) */
	int64_t due = 0;
	struct sp_err err = {0};
	assert_int_equal(sp_jurisdiction_referral_due(jur("coe"), SP_URGENCY_ROUTINE,
						      SP_REF_STEP_ACKNOWLEDGE,
						      rfc3339("2026-03-02T10:00:00+00:00"), &due, &err),
			 SP_OK);
	assert_true(due == rfc3339("2026-03-05T23:59:59.999999+00:00"));
	/* a file without "referrals" sets no due dates */
	const struct sp_jurisdiction *fc = sp_jurisdictions_find(&folder, "coe");
	assert_int_equal(sp_jurisdiction_referral_due(fc, SP_URGENCY_ROUTINE,
						      SP_REF_STEP_ACKNOWLEDGE, 0, &due, &err),
			 SP_ENOTFOUND);
	assert_string_equal(sp_jur_urgency_name(SP_URGENCY_SOON), "soon");
	assert_int_equal(sp_jur_urgency_parse("immediate"), SP_URGENCY_IMMEDIATE);
	assert_int_equal(sp_jur_urgency_parse("whenever"), -1);
}

static void test_years(void **state)
{
	(void)state;
	struct sp_err err = {0};
	int64_t due;
	char out[SP_JUR_TIME_SIZE];
	const struct sp_jurisdiction *gb = jur("gb-eng-wls");
	/* year 2200 ends the range of dates: ten years past it is refused, never wrapped */
	int64_t late = rfc3339("2200-12-20T10:00:00+00:00");
	assert_int_equal(sp_deadline_due(gb, rule(gb, "move_on"), late, &due, &err), SP_EINVAL);
	assert_string_equal(err.msg, "the date lies outside the years 1900 to 2200");
	assert_int_equal(sp_jurisdiction_format_time(gb, rfc3339("1899-12-31T10:00:00+00:00"), out,
						     &err),
			 SP_EINVAL);
	assert_int_equal(sp_jurisdiction_format_time(gb, 0, out, &err), SP_OK);
	/* 1970: London was on British Standard Time, UTC+1 all year */
	assert_string_equal(out, "1970-01-01T01:00:00+01:00");
}

/* Every file in tests/data/jurisdictions/invalid: its errors, one "POINTER: message" line
 * each ("(document)" for the whole file), must be exactly NAME.err. */
static void test_invalid_golden(void **state)
{
	(void)state;
	DIR *d = opendir(INVALID);
	assert_non_null(d);
	struct dirent *e;
	int files = 0;
	while ((e = readdir(d)) != NULL) {
		static char text[65536], want[8192], got[8192];
		char path[512];
		size_t len;
		if (!golden_pair(INVALID, e->d_name, path, sizeof path, text, sizeof text, &len,
				 want, sizeof want))
			continue;
		struct sp_err errs[32];
		size_t nerr = 0;
		assert_int_not_equal(sp_jurisdiction_check(text, len, errs, 32, &nerr), SP_OK);
		size_t at = 0;
		for (size_t i = 0; i < nerr; i++)
			at += (size_t)snprintf(got + at, sizeof got - at, "%s: %s\n",
					       errs[i].field[0] ? errs[i].field : "(document)",
					       errs[i].msg);
		if (strcmp(got, want) != 0)
			fail_msg("%s: errors differ\n--- expected\n%s--- got\n%s", path, want, got);
		/* the first error is the one sp_jurisdiction_parse reports */
		struct sp_jurisdiction *j = NULL;
		struct sp_err one = {0};
		assert_int_equal(sp_jurisdiction_parse(text, len, &j, &one), SP_EINVAL);
		assert_null(j);
		assert_string_equal(one.field, errs[0].field);
		assert_string_equal(one.msg, errs[0].msg);
		files++;
	}
	closedir(d);
	assert_true(files >= 12);
}

/* Errors beyond the room given still make a file invalid; with room for none, none are kept. */
static void test_check_cap(void **state)
{
	(void)state;
	struct sp_err errs[2];
	size_t n = 99;
	assert_int_equal(sp_jurisdiction_check("{}", 2, errs, 0, &n), SP_EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(sp_jurisdiction_check("{}", 2, errs, 2, &n), SP_EINVAL);
	assert_int_equal(n, 2);
	assert_string_equal(errs[1].field, "/version");
	struct sp_jurisdiction *j = NULL;
	struct sp_err err = {0};
	assert_int_equal(sp_jurisdiction_parse("{}", 2, &j, &err), SP_EINVAL);
	assert_null(j);
	assert_string_equal(err.field, "/id");
}

/* Start-up cost: loading every shipped file (parse, validate, ICU zone check), in CPU time (the
 * machine may be busy with other work). */
static void test_load_time(void **state)
{
	(void)state;
	struct timespec a, b;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	enum { N = 50 };
	for (int i = 0; i < N; i++) {
		struct sp_jurisdictions s;
		struct sp_err err = {0};
		assert_int_equal(sp_jurisdictions_load(NULL, &s, &err), SP_OK);
		sp_jurisdictions_free(&s);
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / N /
		    1e3;
	print_message("loading the shipped jurisdictions: %.0f us of CPU time\n", us);
	/* well under 2 ms in an optimised build; the sanitizer build is several times slower */
	assert_true(us < 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_golden),   cmocka_unit_test(test_shipped),
		cmocka_unit_test(test_decisions),    cmocka_unit_test(test_names),
		cmocka_unit_test(test_folder),	     cmocka_unit_test(test_working_days),
		cmocka_unit_test(test_overdue),	     cmocka_unit_test(test_years),
		cmocka_unit_test(test_invalid_golden), cmocka_unit_test(test_referral_due), cmocka_unit_test(test_check_cap),
		cmocka_unit_test(test_load_time),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
