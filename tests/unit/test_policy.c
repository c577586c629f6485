/* access/policy: the hand-written golden matrix (tests/data/policy/matrix.tsv), its coverage,
 * the names tables and malformed input. The expected values live only in the matrix and in
 * this file's own tables, never in anything computed by the policy. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/policy.h"

static const char *argv0 = "";

#define MAX_ROWS 2000
#define A(x) SP_FIELD(SP_FC_##x)

/* What each action reads or writes when no fields are named (DESIGN.md §4, written here by
 * hand; a separate test compares it with the policy's own table). */
static const unsigned default_fields[SP_ACTION_COUNT] = {
	[SP_ACT_CASE_READ] = SP_FIELDS_ALL,
	[SP_ACT_CASE_UPDATE] = SP_FIELDS_ALL,
	[SP_ACT_CASE_LIST] = A(STAT) | A(REFERRAL),
	[SP_ACT_CASE_SEARCH] = A(STAT) | A(REFERRAL),
	[SP_ACT_NOTE_ADD] = A(NOTES),
	[SP_ACT_NOTE_READ] = A(NOTES),
	[SP_ACT_PERSON_READ_IDENTITY] = A(IDENTITY),
	[SP_ACT_CASE_BREAK_GLASS] = SP_FIELDS_ALL,
	[SP_ACT_DECISION_WRITE] = A(STAT) | A(IDENTITY) | A(TRAFFICKING) | A(NOTES),
	[SP_ACT_DECISION_READ] = A(STAT) | A(IDENTITY) | A(TRAFFICKING) | A(NOTES),
	[SP_ACT_SUBJECT_EXPORT] = SP_FIELDS_ALL,
	[SP_ACT_REFERRAL_WRITE] = A(STAT) | A(REFERRAL),
	[SP_ACT_REFERRAL_READ] = A(STAT) | A(REFERRAL) | A(NOTES),
	[SP_ACT_REFERRAL_RESPOND] = A(REFERRAL),
};

struct row {
	int line;
	char text[512];
	struct sp_subject sub;
	struct sp_policy_object obj;
	int has_obj;
	struct sp_policy_request req;
	int relation; /* 0 none, 1 own_assigned, 2 own_unassigned, 3 other */
	int expect_allow;
	enum sp_reason expect_reason;
	unsigned expect_dropped;
	unsigned char expect_field_reason[SP_FIELD_CLASS_COUNT];
	int expect_dpo;
};

static struct row rows[MAX_ROWS];
static int nrows;

static FILE *open_matrix(void)
{
	FILE *f = fopen("tests/data/policy/matrix.tsv", "r");
	if (f)
		return f;
	/* build/PROFILE/tests/test_policy -> the repository root is three folders up */
	char path[4096];
	const char *slash = strrchr(argv0, '/');
	if (!slash)
		return NULL;
	snprintf(path, sizeof path, "%.*s/../../../tests/data/policy/matrix.tsv",
		 (int)(slash - argv0), argv0);
	return fopen(path, "r");
}

static int split(char *s, char sep, char **out, int max)
{
	int n = 0;
	for (;;) {
		if (n == max)
			return -1;
		out[n++] = s;
		char *p = strchr(s, sep);
		if (!p)
			return n;
		*p = '\0';
		s = p + 1;
	}
}

/* "-" = 0, "all", or "identity+gbv". */
static int parse_fields(char *s, unsigned *out)
{
	*out = 0;
	if (strcmp(s, "-") == 0)
		return 0;
	if (strcmp(s, "all") == 0) {
		*out = SP_FIELDS_ALL;
		return 0;
	}
	char *parts[SP_FIELD_CLASS_COUNT + 1];
	int n = split(s, '+', parts, SP_FIELD_CLASS_COUNT + 1);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		enum sp_field_class c;
		if (sp_field_class_parse(parts[i], &c))
			return -1;
		*out |= SP_FIELD(c);
	}
	return 0;
}

static int parse_kind(const char *s, enum sp_agency_kind *k)
{
	return sp_agency_kind_parse(s, k) ? -1 : 0;
}

static int parse_row(struct row *r, char *line)
{
	char *col[10];
	if (split(line, '\t', col, 10) != 10)
		return -1;
	memset(&r->sub.user, 0x11, sizeof r->sub.user);
	memset(&r->sub.agency, 0xa1, sizeof r->sub.agency);
	/* roles */
	if (sp_roles_parse(col[0], &r->sub.roles, NULL))
		return -1;
	if (parse_kind(col[1], &r->sub.agency_kind))
		return -1;
	/* relation */
	r->has_obj = 1;
	r->obj.agency = r->sub.agency;
	r->obj.agency_kind = r->sub.agency_kind;
	if (strcmp(col[2], "none") == 0) {
		r->has_obj = 0;
	} else if (strcmp(col[2], "own_assigned") == 0) {
		r->relation = 1;
		r->obj.assigned = 1;
	} else if (strcmp(col[2], "own_unassigned") == 0 || strcmp(col[2], "own") == 0) {
		r->relation = 2;
	} else if (strncmp(col[2], "other:", 6) == 0) {
		r->relation = 3;
		memset(&r->obj.agency, 0xb2, sizeof r->obj.agency);
		if (parse_kind(col[2] + 6, &r->obj.agency_kind))
			return -1;
	} else {
		return -1;
	}
	/* flags */
	if (strcmp(col[3], "-") != 0) {
		char *flags[8];
		int n = split(col[3], ',', flags, 8);
		if (n < 0)
			return -1;
		for (int i = 0; i < n; i++) {
			if (strcmp(flags[i], "restricted") == 0)
				r->obj.restricted = 1;
			else if (strcmp(flags[i], "pending") == 0)
				r->obj.referral = SP_REFERRAL_PENDING;
			else if (strcmp(flags[i], "accepted") == 0)
				r->obj.referral = SP_REFERRAL_ACCEPTED;
			else if (strncmp(flags[i], "profile=", 8) == 0) {
				if (parse_fields(flags[i] + 8, &r->obj.referral_fields))
					return -1;
			} else if (strcmp(flags[i], "reason") == 0)
				r->req.reason = "the person called at night: safe contact needed";
			else if (strcmp(flags[i], "blank_reason") == 0)
				r->req.reason = "  \t ";
			else if (strncmp(flags[i], "target=", 7) == 0) {
				if (parse_kind(flags[i] + 7, &r->obj.target_kind))
					return -1;
			} else
				return -1;
		}
	}
	if (sp_action_parse(col[4], &r->req.action))
		return -1;
	if (parse_fields(col[5], &r->req.fields))
		return -1;
	if (strcmp(col[6], "allow") == 0)
		r->expect_allow = 1;
	else if (strcmp(col[6], "deny") != 0)
		return -1;
	if (sp_reason_parse(col[7], &r->expect_reason))
		return -1;
	if (strcmp(col[8], "-") != 0) {
		char *groups[SP_FIELD_CLASS_COUNT];
		int n = split(col[8], ',', groups, SP_FIELD_CLASS_COUNT);
		if (n < 0)
			return -1;
		for (int i = 0; i < n; i++) {
			char *eq = strchr(groups[i], '=');
			enum sp_reason why;
			unsigned set;
			if (!eq)
				return -1;
			*eq = '\0';
			if (sp_reason_parse(eq + 1, &why) || parse_fields(groups[i], &set))
				return -1;
			r->expect_dropped |= set;
			for (int c = 0; c < SP_FIELD_CLASS_COUNT; c++)
				if (set & SP_FIELD(c))
					r->expect_field_reason[c] = (unsigned char)why;
		}
	}
	if (strcmp(col[9], "0") == 0)
		r->expect_dpo = 0;
	else if (strcmp(col[9], "1") == 0)
		r->expect_dpo = 1;
	else
		return -1;
	return 0;
}

static int load_matrix(void **state)
{
	(void)state;
	FILE *f = open_matrix();
	if (!f) {
		fprintf(stderr, "matrix: cannot open tests/data/policy/matrix.tsv "
				"(run from the repository root)\n");
		return -1;
	}
	char line[512];
	int lineno = 0, bad = 0;
	nrows = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (nrows == MAX_ROWS) {
			fprintf(stderr, "matrix: more than %d rows\n", MAX_ROWS);
			bad++;
			break;
		}
		struct row *r = &rows[nrows];
		memset(r, 0, sizeof *r);
		r->line = lineno;
		snprintf(r->text, sizeof r->text, "%s", line);
		if (parse_row(r, line)) {
			fprintf(stderr, "matrix:%d: cannot parse: %s\n", lineno, r->text);
			bad++;
			continue;
		}
		nrows++;
	}
	fclose(f);
	return bad ? -1 : 0;
}

static void fields_str(unsigned set, const unsigned char *why, char *out, size_t n)
{
	size_t len = 0;
	out[0] = '\0';
	for (int c = 0; c < SP_FIELD_CLASS_COUNT && len < n; c++)
		if (set & SP_FIELD(c)) {
			int w = snprintf(out + len, n - len, "%s%s=%s", len ? "," : "",
					 sp_field_class_name((enum sp_field_class)c),
					 why ? sp_reason_name((enum sp_reason)why[c]) : "");
			if (w < 0)
				break;
			len += (size_t)w;
		}
	if (!out[0])
		snprintf(out, n, "-");
}

static void golden_matrix(void **state)
{
	(void)state;
	int mismatches = 0;
	for (int i = 0; i < nrows; i++) {
		struct row *r = &rows[i];
		struct sp_decision d;
		memset(&d, 0x5a, sizeof d); /* the policy must fill every field */
		sp_policy_decide(&r->sub, &r->req, r->has_obj ? &r->obj : NULL, &d);

		unsigned requested = r->req.fields ? r->req.fields : default_fields[r->req.action];
		unsigned expect_fields = r->expect_allow ? requested & ~r->expect_dropped : 0;
		int ok = d.allow == r->expect_allow && d.reason == r->expect_reason &&
			 d.dropped == r->expect_dropped && d.fields == expect_fields &&
			 d.flag_dpo == r->expect_dpo;
		for (int c = 0; ok && c < SP_FIELD_CLASS_COUNT; c++)
			if ((r->expect_dropped & SP_FIELD(c)) &&
			    d.field_reason[c] != r->expect_field_reason[c])
				ok = 0;
		if (ok)
			continue;
		mismatches++;
		char got[256], want[256];
		fields_str(d.dropped, d.field_reason, got, sizeof got);
		fields_str(r->expect_dropped, r->expect_field_reason, want, sizeof want);
		fprintf(stderr,
			"matrix.tsv:%d: MISMATCH  %s\n"
			"    want %s %s dropped %s dpo %d\n"
			"    got  %s %s dropped %s dpo %d (fields 0x%x, want 0x%x)\n",
			r->line, r->text, r->expect_allow ? "allow" : "deny",
			sp_reason_name(r->expect_reason), want, r->expect_dpo,
			d.allow ? "allow" : "deny", sp_reason_name(d.reason), got, d.flag_dpo,
			d.fields, expect_fields);
	}
	fprintf(stderr, "matrix: %d rows, %d match, %d mismatch\n", nrows, nrows - mismatches,
		mismatches);
	assert_true(nrows > 0);
	assert_int_equal(mismatches, 0);
}

/* The matrix must cover every role x case action x relation (own assigned, own not assigned,
 * other agency), every role x action on no case, and use every reason. */
static void matrix_covers_every_cell(void **state)
{
	(void)state;
	static unsigned char seen[SP_ROLE_COUNT][SP_ACTION_COUNT][4];
	static unsigned char read_class[SP_ROLE_COUNT][4][SP_FIELD_CLASS_COUNT];
	static int reason_seen[SP_REASON_COUNT];
	int firewall_rows = 0, restricted_rows = 0, pending_rows = 0, accepted_rows = 0;
	memset(seen, 0, sizeof seen);
	memset(read_class, 0, sizeof read_class);
	for (int i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		reason_seen[r->expect_reason] = 1;
		for (int c = 0; c < SP_FIELD_CLASS_COUNT; c++)
			if (r->expect_dropped & SP_FIELD(c))
				reason_seen[r->expect_field_reason[c]] = 1;
		if (r->expect_reason == SP_REASON_FIREWALL)
			firewall_rows++;
		if (r->has_obj && r->obj.restricted)
			restricted_rows++;
		if (r->has_obj && r->obj.referral == SP_REFERRAL_PENDING)
			pending_rows++;
		if (r->has_obj && r->obj.referral == SP_REFERRAL_ACCEPTED)
			accepted_rows++;
		/* single-role rows with no flag besides a break-glass reason or a target */
		if (__builtin_popcount(r->sub.roles) != 1 || r->obj.restricted || r->obj.referral)
			continue;
		int role = __builtin_ctz(r->sub.roles);
		seen[role][r->req.action][r->relation] = 1;
		if (r->req.action == SP_ACT_CASE_READ && __builtin_popcount(r->req.fields) == 1)
			read_class[role][r->relation][__builtin_ctz(r->req.fields)] = 1;
	}
	int missing = 0;
	for (int role = 0; role < SP_ROLE_COUNT; role++)
		for (int a = 0; a < SP_ACTION_COUNT; a++) {
			int on_case = default_fields[a] || a == SP_ACT_CASE_CREATE ||
				      a == SP_ACT_CONSENT_ADD || a == SP_ACT_CONSENT_READ ||
				      a == SP_ACT_CASE_TRANSFER || a == SP_ACT_NEED_WRITE ||
				      a == SP_ACT_NEED_READ || a == SP_ACT_TASK_WRITE ||
				      a == SP_ACT_TASK_READ;
			int from = on_case ? 1 : 0, to = on_case ? 3 : 0;
			if (a == SP_ACT_APPROVAL_GRANT || a == SP_ACT_APPROVAL_DECIDE ||
			    a == SP_ACT_TRACING_REQUEST)
				from = to = 2;
			for (int rel = from; rel <= to; rel++)
				if (!seen[role][a][rel]) {
					fprintf(stderr, "matrix: no row for %s %s relation %d\n",
						sp_role_name(1u << role),
						sp_action_name((enum sp_action)a), rel);
					missing++;
				}
		}
	/* sensitivity: each staff role reads each class alone, assigned and not */
	static const unsigned staff[] = {SP_ROLE_SCREENER, SP_ROLE_IDENTIFIER, SP_ROLE_CASEWORKER,
					 SP_ROLE_FOCAL_POINT, SP_ROLE_SUPERVISOR};
	for (size_t k = 0; k < sizeof staff / sizeof staff[0]; k++)
		for (int rel = 1; rel <= 2; rel++)
			for (int c = 0; c < SP_FIELD_CLASS_COUNT; c++)
				if (!read_class[__builtin_ctz(staff[k])][rel][c]) {
					fprintf(stderr, "matrix: no case.read %s row for %s relation %d\n",
						sp_field_class_name((enum sp_field_class)c),
						sp_role_name(staff[k]), rel);
					missing++;
				}
	/* jurisdiction is decided above the policy (identify/decision.c), never by it; four eyes
	 * and a person to avoid by casework's approvals and consents */
	for (int why = 0; why < SP_REASON_COUNT; why++)
		if (!reason_seen[why] && why != SP_REASON_JURISDICTION && why != SP_REASON_FOUR_EYES &&
		    why != SP_REASON_PERSON_TO_AVOID) {
			fprintf(stderr, "matrix: reason %s never expected\n",
				sp_reason_name((enum sp_reason)why));
			missing++;
		}
	fprintf(stderr, "matrix: %d firewall, %d restricted, %d pending, %d accepted rows\n",
		firewall_rows, restricted_rows, pending_rows, accepted_rows);
	assert_int_equal(missing, 0);
	assert_true(firewall_rows >= 50);
	assert_true(restricted_rows >= 20);
	assert_true(pending_rows >= 5 && accepted_rows >= 5);
}

static void default_fields_match_the_documented_ones(void **state)
{
	(void)state;
	for (int a = 0; a < SP_ACTION_COUNT; a++)
		assert_int_equal(sp_action_default_fields((enum sp_action)a), default_fields[a]);
}

static void names_round_trip(void **state)
{
	(void)state;
	static const char *const roles[] = {"screener", "identifier", "caseworker",
					    "focal_point", "provider", "supervisor",
					    "coordinator", "dpo", "admin"};
	for (int i = 0; i < SP_ROLE_COUNT; i++) {
		unsigned bit;
		assert_int_equal(sp_role_parse(roles[i], &bit), SP_OK);
		assert_int_equal(bit, 1u << i);
		assert_string_equal(sp_role_name(bit), roles[i]);
	}
	assert_null(sp_role_name(3));
	assert_null(sp_role_name(1u << SP_ROLE_COUNT));
	unsigned bit;
	assert_int_equal(sp_role_parse("root", &bit), SP_EINVAL);

	static const char *const kinds[] = {
		"immigration", "police", "labour_inspection", "child_protection", "ngo", "health",
		"shelter", "legal_aid", "guardian_service", "international_organisation",
		"partner_authority_abroad"};
	assert_int_equal(sizeof kinds / sizeof kinds[0], SP_AGENCY_KIND_COUNT);
	for (int i = 0; i < SP_AGENCY_KIND_COUNT; i++) {
		enum sp_agency_kind k;
		assert_int_equal(sp_agency_kind_parse(kinds[i], &k), SP_OK);
		assert_string_equal(sp_agency_kind_name(k), kinds[i]);
		assert_int_equal(sp_agency_kind_is_enforcement(k),
				 k == SP_AGENCY_IMMIGRATION || k == SP_AGENCY_POLICE);
	}
	assert_true(sp_agency_kind_is_enforcement((enum sp_agency_kind)99));
	assert_string_equal(sp_agency_kind_name((enum sp_agency_kind)99), "?");

	static const char *const acts[] = {
		"case.create", "case.read", "case.update", "case.list", "case.search", "note.add",
		"note.read", "consent.add", "consent.read", "person.read_identity",
		"case.transfer", "case.break_glass", "audit.read", "user.manage", "agency.manage",
		"approval.grant", "stats.read", "need.write", "need.read", "task.write",
		"task.read", "decision.write", "decision.read", "service.manage", "retention.run",
		"subject.export", "referral.write", "referral.read", "referral.respond",
		"approval.decide", "match.dedup",
		"tracing.request"};
	assert_int_equal(sizeof acts / sizeof acts[0], SP_ACTION_COUNT);
	for (int i = 0; i < SP_ACTION_COUNT; i++) {
		enum sp_action a;
		assert_int_equal(sp_action_parse(acts[i], &a), SP_OK);
		assert_int_equal(a, i);
		assert_string_equal(sp_action_name(a), acts[i]);
	}
	for (int i = 0; i < SP_REASON_COUNT; i++) {
		enum sp_reason r;
		assert_int_equal(sp_reason_parse(sp_reason_name((enum sp_reason)i), &r), SP_OK);
		assert_int_equal(r, i);
	}
	for (int i = 0; i < SP_FIELD_CLASS_COUNT; i++) {
		enum sp_field_class c;
		assert_int_equal(sp_field_class_parse(sp_field_class_name((enum sp_field_class)i), &c),
				 SP_OK);
		assert_int_equal(c, i);
	}
}

static void roles_parse_and_format(void **state)
{
	(void)state;
	unsigned m;
	struct sp_err err = {0};
	assert_int_equal(sp_roles_parse("supervisor,caseworker", &m, &err), SP_OK);
	assert_int_equal(m, SP_ROLE_SUPERVISOR | SP_ROLE_CASEWORKER);
	char out[128];
	assert_int_equal(sp_roles_format(m, out, sizeof out), SP_OK);
	assert_string_equal(out, "caseworker,supervisor");
	assert_int_equal(sp_roles_format(SP_ROLES_ALL, out, sizeof out), SP_OK);
	assert_string_equal(out, "screener,identifier,caseworker,focal_point,provider,supervisor,"
				 "coordinator,dpo,admin");
	assert_int_equal(sp_roles_format(0, out, sizeof out), SP_OK);
	assert_string_equal(out, "");
	assert_int_equal(sp_roles_format(m, out, 10), SP_ETOOBIG);
	assert_string_equal(out, "");
	assert_int_equal(sp_roles_format(1u << 20, out, sizeof out), SP_EINVAL);
	static const char *const bad[] = {"", ",", "caseworker,", ",caseworker", "caseworker,,dpo",
					  "caseworker,caseworker", "Caseworker", "root",
					  "averyveryveryverylongrolenamethatoverflows"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(sp_roles_parse(bad[i], &m, &err), SP_EINVAL);
		assert_string_equal(err.field, "roles");
	}
	assert_int_equal(SP_ROLES_DATA & (SP_ROLE_ADMIN | SP_ROLE_COORDINATOR), 0);
	assert_int_equal(SP_ROLES_DATA | SP_ROLE_ADMIN | SP_ROLE_COORDINATOR, SP_ROLES_ALL);
}

/* Deny by default on anything malformed. */
static void malformed_input_is_denied(void **state)
{
	(void)state;
	struct sp_subject sub = {.agency_kind = SP_AGENCY_NGO, .roles = SP_ROLE_SUPERVISOR};
	struct sp_policy_object obj = {.agency_kind = SP_AGENCY_NGO, .assigned = 1};
	struct sp_policy_request req = {.action = SP_ACT_CASE_READ};
	struct sp_decision d;

	sp_policy_decide(&sub, &req, &obj, &d);
	assert_true(d.allow); /* the baseline is allowed */

	struct sp_policy_request bad_action = {.action = (enum sp_action)SP_ACTION_COUNT};
	sp_policy_decide(&sub, &bad_action, &obj, &d);
	assert_false(d.allow);
	assert_int_equal(d.reason, SP_REASON_INVALID);

	struct sp_policy_request bad_fields = {.action = SP_ACT_CASE_READ, .fields = 1u << 20};
	sp_policy_decide(&sub, &bad_fields, &obj, &d);
	assert_int_equal(d.reason, SP_REASON_INVALID);

	struct sp_subject bad_roles = sub;
	bad_roles.roles |= 1u << 15;
	sp_policy_decide(&bad_roles, &req, &obj, &d);
	assert_int_equal(d.reason, SP_REASON_INVALID);

	struct sp_subject no_roles = sub;
	no_roles.roles = 0;
	sp_policy_decide(&no_roles, &req, &obj, &d);
	assert_false(d.allow);
	assert_int_equal(d.reason, SP_REASON_NO_ROLE);

	struct sp_subject bad_kind = sub;
	bad_kind.agency_kind = (enum sp_agency_kind)-1;
	sp_policy_decide(&bad_kind, &req, &obj, &d);
	assert_int_equal(d.reason, SP_REASON_INVALID);

	struct sp_policy_object odd = obj; /* own agency id, another kind: inconsistent */
	odd.agency_kind = SP_AGENCY_POLICE;
	sp_policy_decide(&sub, &req, &odd, &d);
	assert_int_equal(d.reason, SP_REASON_INVALID);

	odd = obj;
	odd.referral = (enum sp_referral_state)7;
	sp_policy_decide(&sub, &req, &odd, &d);
	assert_int_equal(d.reason, SP_REASON_INVALID);

	odd = obj;
	odd.referral_fields = 1u << 12;
	sp_policy_decide(&sub, &req, &odd, &d);
	assert_int_equal(d.reason, SP_REASON_INVALID);

	struct sp_policy_request transfer = {.action = SP_ACT_CASE_TRANSFER};
	odd = obj;
	odd.target_kind = (enum sp_agency_kind)SP_AGENCY_KIND_COUNT;
	sp_policy_decide(&sub, &transfer, &odd, &d);
	assert_int_equal(d.reason, SP_REASON_INVALID);

	sp_policy_decide(&sub, &req, NULL, &d);
	assert_int_equal(d.reason, SP_REASON_INVALID);
	assert_int_equal(d.fields, 0);

	struct sp_err err = {0};
	assert_int_equal(sp_policy_check(&sub, &req, NULL, &d, &err), SP_EDENIED);
	assert_string_equal(err.msg, "case.read: denied: invalid");
	assert_string_equal(err.reason, "invalid"); /* the code, apart from the message */
	assert_int_equal(sp_policy_check(&sub, &req, &obj, &d, &err), SP_OK);
	/* any later error clears it: a reason never outlives its refusal */
	sp_err_set(&err, SP_EINVAL, "x", "bad");
	assert_string_equal(err.reason, "");
}

/* Which refusals a search may turn into "a possible match exists elsewhere". */
static void hints_never_cross_the_firewall(void **state)
{
	(void)state;
	for (int r = 0; r < SP_REASON_COUNT; r++) {
		struct sp_decision d = {.allow = 0, .reason = (enum sp_reason)r};
		int want = r == SP_REASON_OTHER_AGENCY || r == SP_REASON_NOT_ASSIGNED;
		assert_int_equal(sp_policy_may_hint(&d), want);
	}
	struct sp_decision ok = {.allow = 1, .reason = SP_REASON_OK};
	assert_false(sp_policy_may_hint(&ok));

	/* a police screener's search over an NGO's case: no hint */
	struct sp_subject police = {.agency_kind = SP_AGENCY_POLICE, .roles = SP_ROLE_SCREENER};
	memset(&police.agency, 1, sizeof police.agency);
	struct sp_policy_object ngo_case = {.agency_kind = SP_AGENCY_NGO};
	memset(&ngo_case.agency, 2, sizeof ngo_case.agency);
	struct sp_policy_request search = {.action = SP_ACT_CASE_SEARCH};
	struct sp_decision d;
	sp_policy_decide(&police, &search, &ngo_case, &d);
	assert_false(sp_policy_may_hint(&d));
	/* an NGO caseworker's search over a shelter's case: a hint */
	struct sp_subject ngo = {.agency_kind = SP_AGENCY_NGO, .roles = SP_ROLE_CASEWORKER};
	struct sp_policy_object shelter_case = {.agency_kind = SP_AGENCY_SHELTER};
	memset(&shelter_case.agency, 3, sizeof shelter_case.agency);
	sp_policy_decide(&ngo, &search, &shelter_case, &d);
	assert_true(sp_policy_may_hint(&d));
}

int main(int argc, char **argv)
{
	(void)argc;
	argv0 = argv[0];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(golden_matrix),
		cmocka_unit_test(matrix_covers_every_cell),
		cmocka_unit_test(default_fields_match_the_documented_ones),
		cmocka_unit_test(names_round_trip),
		cmocka_unit_test(roles_parse_and_format),
		cmocka_unit_test(malformed_input_is_denied),
		cmocka_unit_test(hints_never_cross_the_firewall),
	};
	return cmocka_run_group_tests(tests, load_matrix, NULL);
}
