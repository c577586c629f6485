/* refer/referral_machine.c: the whole state x event x side x role table against
 * tests/data/referral/transitions.tsv, written by hand (each combination exactly once); the
 * names of states, events and sides both ways; the decline reason rule against the shipped
 * vocabulary; the refusals' words; the final states and what each state gives the provider.
 * Runs from the repository root. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "safepath/protocol.h"
#include "safepath/referral.h"

#define TRANSITIONS "tests/data/referral/transitions.tsv"

/* The names, in the order of the header's enumerations, written here by hand: the table is
 * read through them, not through the parsers under test. */
static const char *const states[SP_REF_STATUS_COUNT] = {
	"draft",       "sent",	    "acknowledged", "accepted", "declined",
	"in_progress", "completed", "closed",	    "cancelled", "expired"};
static const char *const events[SP_REF_EVENT_COUNT] = {
	"send", "acknowledge", "accept", "decline", "start", "complete", "close", "cancel", "expire"};
static const char *const sides[SP_REFERRAL_SIDE_COUNT] = {"sender", "receiver", "system"};
#define ROLE_TOKENS 10
static const struct {
	const char *name;
	unsigned mask;
} roles[ROLE_TOKENS] = {
	{"none", 0},
	{"screener", SP_ROLE_SCREENER},
	{"identifier", SP_ROLE_IDENTIFIER},
	{"caseworker", SP_ROLE_CASEWORKER},
	{"focal_point", SP_ROLE_FOCAL_POINT},
	{"provider", SP_ROLE_PROVIDER},
	{"supervisor", SP_ROLE_SUPERVISOR},
	{"coordinator", SP_ROLE_COORDINATOR},
	{"dpo", SP_ROLE_DPO},
	{"admin", SP_ROLE_ADMIN},
};

static struct sp_vocab *vocab;
static struct sp_vocabulary vocabulary;

static int setup(void **state)
{
	(void)state;
	struct sp_diag d;
	sp_diag_init(&d);
	int rc = sp_vocab_load_embedded(&vocab, &d);
	sp_diag_free(&d);
	if (rc)
		return -1;
	sp_vocab_for_casework(vocab, &vocabulary);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sp_vocab_free(vocab);
	return 0;
}

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

/* "a,b,c" -> a bit per index of names (n of them); fails on a name it does not know. */
static unsigned parse_list(const char *list, const char *const *names, int n, int lineno)
{
	unsigned bits = 0;
	char item[32];
	for (const char *p = list; *p;) {
		size_t len = strcspn(p, ",");
		if (len == 0 || len >= sizeof item)
			fail_msg("%s:%d: bad list %s", TRANSITIONS, lineno, list);
		memcpy(item, p, len);
		item[len] = '\0';
		int i = lookup(names, n, item);
		if (i < 0)
			fail_msg("%s:%d: unknown %s", TRANSITIONS, lineno, item);
		bits |= 1u << i;
		p += len + (p[len] == ',');
	}
	return bits;
}

static void test_table(void **state)
{
	(void)state;
	const char *role_names[ROLE_TOKENS];
	for (int r = 0; r < ROLE_TOKENS; r++)
		role_names[r] = roles[r].name;
	static unsigned char seen[SP_REF_STATUS_COUNT][SP_REF_EVENT_COUNT][SP_REFERRAL_SIDE_COUNT]
				 [ROLE_TOKENS];
	FILE *f = fopen(TRANSITIONS, "r");
	if (!f)
		fail_msg("cannot open %s (run from the repository root)", TRANSITIONS);
	char line[512];
	int lineno = 0, checked = 0, moved = 0;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		char st[32], ev[32], sd[64], rl[256], expect[32];
		if (sscanf(line, "%31[^\t]\t%31[^\t]\t%63[^\t]\t%255[^\t]\t%31s", st, ev, sd, rl,
			   expect) != 5)
			fail_msg("%s:%d: 5 fields expected", TRANSITIONS, lineno);
		int from = lookup(states, SP_REF_STATUS_COUNT, st);
		int event = lookup(events, SP_REF_EVENT_COUNT, ev);
		if (from < 0 || event < 0)
			fail_msg("%s:%d: unknown state or event", TRANSITIONS, lineno);
		unsigned side_bits = parse_list(sd, sides, SP_REFERRAL_SIDE_COUNT, lineno);
		unsigned role_bits = parse_list(rl, role_names, ROLE_TOKENS, lineno);
		int next = lookup(states, SP_REF_STATUS_COUNT, expect);
		bool denied = strcmp(expect, "denied") == 0;
		bool conflict = strcmp(expect, "conflict") == 0;
		if (next < 0 && !denied && !conflict)
			fail_msg("%s:%d: bad expectation %s", TRANSITIONS, lineno, expect);
		const char *reason = event == SP_REF_DECLINE ? "no_capacity" : NULL;
		for (int s = 0; s < SP_REFERRAL_SIDE_COUNT; s++)
			for (int r = 0; r < ROLE_TOKENS; r++) {
				if (!(side_bits & 1u << s) || !(role_bits & 1u << r))
					continue;
				seen[from][event][s][r]++;
				enum sp_referral_status to = SP_REF_STATUS_COUNT;
				struct sp_err err = {0};
				int rc = sp_referral_fire((enum sp_referral_status)from,
							  (enum sp_referral_event)event,
							  (enum sp_referral_side)s, roles[r].mask,
							  reason, &vocabulary, &to, &err);
				int want = denied ? SP_EDENIED : conflict ? SP_ECONFLICT : SP_OK;
				if (rc != want || (next >= 0 && (int)to != next) ||
				    (next < 0 && to != SP_REF_STATUS_COUNT))
					fail_msg("%s:%d: %s %s by %s %s: got %d (%s) to %d, expected %s",
						 TRANSITIONS, lineno, st, ev, sides[s],
						 roles[r].name, rc, err.msg, (int)to, expect);
				checked++;
				moved += rc == SP_OK;
			}
	}
	fclose(f);
	for (int a = 0; a < SP_REF_STATUS_COUNT; a++)
		for (int b = 0; b < SP_REF_EVENT_COUNT; b++)
			for (int s = 0; s < SP_REFERRAL_SIDE_COUNT; s++)
				for (int r = 0; r < ROLE_TOKENS; r++)
					if (seen[a][b][s][r] != 1)
						fail_msg("%s %s by %s %s: %d rows, 1 expected",
							 states[a], events[b], sides[s],
							 roles[r].name, seen[a][b][s][r]);
	assert_int_equal(checked, 10 * 9 * 3 * 10);
	/* 14 moves in the table (counted in DESIGN.md's flow), each by 4 sender roles, 2 receiver
	 * roles or the system: send 4, cancel 5 x 4, close 4, acknowledge, accept, decline,
	 * start, complete 2 each, expire 2 x 1 */
	assert_int_equal(moved, 4 + 20 + 4 + 10 + 2);
}

static void test_names(void **state)
{
	(void)state;
	for (int i = 0; i < SP_REF_STATUS_COUNT; i++) {
		assert_string_equal(sp_referral_status_name((enum sp_referral_status)i), states[i]);
		assert_int_equal(sp_referral_status_parse(states[i]), i);
	}
	for (int i = 0; i < SP_REF_EVENT_COUNT; i++) {
		assert_string_equal(sp_referral_event_name((enum sp_referral_event)i), events[i]);
		assert_int_equal(sp_referral_event_parse(events[i]), i);
	}
	for (int i = 0; i < SP_REFERRAL_SIDE_COUNT; i++) {
		assert_string_equal(sp_referral_side_name((enum sp_referral_side)i), sides[i]);
		assert_int_equal(sp_referral_side_parse(sides[i]), i);
	}
	assert_null(sp_referral_status_name(SP_REF_STATUS_COUNT));
	assert_null(sp_referral_status_name((enum sp_referral_status)-1));
	assert_null(sp_referral_event_name(SP_REF_EVENT_COUNT));
	assert_null(sp_referral_side_name(SP_REFERRAL_SIDE_COUNT));
	assert_int_equal(sp_referral_status_parse("in progress"), -1);
	assert_int_equal(sp_referral_status_parse("Draft"), -1);
	assert_int_equal(sp_referral_status_parse(""), -1);
	assert_int_equal(sp_referral_status_parse(NULL), -1);
	assert_int_equal(sp_referral_event_parse("sent"), -1); /* a state, not an event */
	assert_int_equal(sp_referral_event_parse(NULL), -1);
	assert_int_equal(sp_referral_side_parse("provider"), -1); /* a role, not a side */
	assert_int_equal(sp_referral_side_parse(NULL), -1);
}

/* fire's answer and message for one case. */
static void expect_fire(enum sp_referral_status from, enum sp_referral_event event,
			enum sp_referral_side side, unsigned who, const char *reason,
			const struct sp_vocabulary *v, int code, const char *field,
			const char *msg)
{
	enum sp_referral_status to = SP_REF_STATUS_COUNT;
	struct sp_err err = {0};
	assert_int_equal(sp_referral_fire(from, event, side, who, reason, v, &to, &err), code);
	assert_string_equal(err.field, field);
	assert_string_equal(err.msg, msg);
	assert_int_equal(to, SP_REF_STATUS_COUNT); /* left alone */
}

static void test_decline_reasons(void **state)
{
	(void)state;
	/* the six codes of protocols/codes.json, each with English and French titles */
	static const char *const codes[][3] = {
		{"no_capacity", "No capacity at present", "Pas de capacité actuellement"},
		{"not_eligible", "Not eligible for this service", "Non éligible à ce service"},
		{"outside_area", "Outside the service's area", "Hors de la zone desservie"},
		{"service_suspended", "Service suspended", "Service suspendu"},
		{"person_declined", "The person declined the service",
		 "La personne a refusé le service"},
		{"other", "Other reason", "Autre motif"},
	};
	assert_int_equal(sp_vocab_count(vocab, SP_VOCAB_DECLINE_REASONS), 6);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(sp_vocab_id(vocab, SP_VOCAB_DECLINE_REASONS, i), codes[i][0]);
		assert_string_equal(sp_vocab_title(vocab, SP_VOCAB_DECLINE_REASONS, i, "en"),
				    codes[i][1]);
		assert_string_equal(sp_vocab_title(vocab, SP_VOCAB_DECLINE_REASONS, i, "fr"),
				    codes[i][2]);
		enum sp_referral_status to = SP_REF_STATUS_COUNT;
		struct sp_err err = {0};
		assert_int_equal(sp_referral_fire(SP_REF_ACKNOWLEDGED, SP_REF_DECLINE,
						  SP_REFERRAL_RECEIVER, SP_ROLE_PROVIDER,
						  codes[i][0], &vocabulary, &to, &err),
				 SP_OK);
		assert_int_equal(to, SP_REF_DECLINED);
	}
	const enum sp_referral_status ack = SP_REF_ACKNOWLEDGED;
	const enum sp_referral_side rcv = SP_REFERRAL_RECEIVER;
	expect_fire(ack, SP_REF_DECLINE, rcv, SP_ROLE_PROVIDER, NULL, &vocabulary, SP_EINVAL,
		    "/reason", "a decline needs a reason (a decline_reasons code)");
	expect_fire(ack, SP_REF_DECLINE, rcv, SP_ROLE_PROVIDER, "", &vocabulary, SP_EINVAL,
		    "/reason", "a decline needs a reason (a decline_reasons code)");
	expect_fire(ack, SP_REF_DECLINE, rcv, SP_ROLE_FOCAL_POINT, "too_busy", &vocabulary,
		    SP_EINVAL, "/reason", "unknown decline_reasons code");
	/* a code of another list is no reason */
	expect_fire(ack, SP_REF_DECLINE, rcv, SP_ROLE_PROVIDER, "medical_examination",
		    &vocabulary, SP_EINVAL, "/reason", "unknown decline_reasons code");
	/* no vocabulary: every code refused */
	expect_fire(ack, SP_REF_DECLINE, rcv, SP_ROLE_PROVIDER, "no_capacity", NULL, SP_EINVAL,
		    "/reason", "unknown decline_reasons code");
	/* only a decline takes one */
	expect_fire(ack, SP_REF_ACCEPT, rcv, SP_ROLE_PROVIDER, "no_capacity", &vocabulary,
		    SP_EINVAL, "/reason", "only a decline takes a reason");
	expect_fire(SP_REF_SENT, SP_REF_CANCEL, SP_REFERRAL_SENDER, SP_ROLE_CASEWORKER, "other",
		    &vocabulary, SP_EINVAL, "/reason", "only a decline takes a reason");
	/* who and when come first: a refusal never says whether the reason was good */
	expect_fire(ack, SP_REF_DECLINE, SP_REFERRAL_SENDER, SP_ROLE_CASEWORKER, NULL,
		    &vocabulary, SP_EDENIED, "",
		    "only the receiving provider or its focal point may decline a referral");
	expect_fire(SP_REF_SENT, SP_REF_DECLINE, rcv, SP_ROLE_PROVIDER, "too_busy", &vocabulary,
		    SP_ECONFLICT, "/event", "a referral cannot be declined from sent");
}

static void test_messages(void **state)
{
	(void)state;
	const struct sp_vocabulary *v = &vocabulary;
	expect_fire(SP_REF_DRAFT, SP_REF_ACCEPT, SP_REFERRAL_RECEIVER, SP_ROLE_PROVIDER, NULL, v,
		    SP_ECONFLICT, "/event", "a referral cannot be accepted from draft");
	expect_fire(SP_REF_IN_PROGRESS, SP_REF_START, SP_REFERRAL_RECEIVER, SP_ROLE_PROVIDER,
		    NULL, v, SP_ECONFLICT, "/event",
		    "a referral cannot be started from in_progress");
	expect_fire(SP_REF_CLOSED, SP_REF_CANCEL, SP_REFERRAL_SENDER, SP_ROLE_SUPERVISOR, NULL,
		    v, SP_ECONFLICT, "/event", "a referral cannot be cancelled from closed");
	expect_fire(SP_REF_DRAFT, SP_REF_SEND, SP_REFERRAL_SENDER, SP_ROLE_SCREENER, NULL, v,
		    SP_EDENIED, "",
		    "only the referring side's caseworker, identifier, focal point or supervisor "
		    "may send a referral");
	expect_fire(SP_REF_SENT, SP_REF_ACKNOWLEDGE, SP_REFERRAL_SENDER, SP_ROLE_FOCAL_POINT,
		    NULL, v, SP_EDENIED, "",
		    "only the receiving provider or its focal point may acknowledge a referral");
	expect_fire(SP_REF_SENT, SP_REF_EXPIRE, SP_REFERRAL_SENDER, SP_ROLE_SUPERVISOR, NULL, v,
		    SP_EDENIED, "",
		    "only the system, when the referral's due date passes, may expire a referral");
	/* a user never acts as the system, whatever the role */
	expect_fire(SP_REF_SENT, SP_REF_EXPIRE, SP_REFERRAL_SYSTEM, SP_ROLE_ADMIN, NULL, v,
		    SP_EDENIED, "",
		    "only the system, when the referral's due date passes, may expire a referral");
	/* nor the system as a side's user */
	expect_fire(SP_REF_DRAFT, SP_REF_SEND, SP_REFERRAL_SYSTEM, 0, NULL, v, SP_EDENIED, "",
		    "only the referring side's caseworker, identifier, focal point or supervisor "
		    "may send a referral");
	/* values out of range */
	expect_fire(SP_REF_STATUS_COUNT, SP_REF_SEND, SP_REFERRAL_SENDER, SP_ROLE_CASEWORKER,
		    NULL, v, SP_EINVAL, "/status", "unknown referral status");
	expect_fire(SP_REF_DRAFT, SP_REF_EVENT_COUNT, SP_REFERRAL_SENDER, SP_ROLE_CASEWORKER,
		    NULL, v, SP_EINVAL, "/event", "unknown referral event");
	expect_fire(SP_REF_DRAFT, SP_REF_SEND, SP_REFERRAL_SIDE_COUNT, SP_ROLE_CASEWORKER, NULL,
		    v, SP_EINVAL, "/side", "unknown referral side");
}

static void test_several_roles(void **state)
{
	(void)state;
	enum sp_referral_status to = SP_REF_STATUS_COUNT;
	struct sp_err err = {0};
	/* one role of the side is enough, whatever else the user holds */
	assert_int_equal(sp_referral_fire(SP_REF_ACKNOWLEDGED, SP_REF_ACCEPT, SP_REFERRAL_RECEIVER,
					  SP_ROLE_CASEWORKER | SP_ROLE_PROVIDER, NULL, &vocabulary,
					  &to, &err),
			 SP_OK);
	assert_int_equal(to, SP_REF_ACCEPTED);
	assert_int_equal(sp_referral_fire(SP_REF_COMPLETED, SP_REF_CLOSE, SP_REFERRAL_SENDER,
					  SP_ROLE_DPO | SP_ROLE_SUPERVISOR, NULL, &vocabulary, &to,
					  &err),
			 SP_OK);
	assert_int_equal(to, SP_REF_CLOSED);
	/* roles of the other side do not count */
	assert_int_equal(sp_referral_fire(SP_REF_ACKNOWLEDGED, SP_REF_ACCEPT, SP_REFERRAL_RECEIVER,
					  SP_ROLE_CASEWORKER | SP_ROLE_SUPERVISOR, NULL,
					  &vocabulary, &to, &err),
			 SP_EDENIED);
	assert_int_equal(to, SP_REF_CLOSED);
	/* every role together: still no user fires as the system */
	assert_int_equal(sp_referral_fire(SP_REF_SENT, SP_REF_EXPIRE, SP_REFERRAL_SYSTEM,
					  SP_ROLES_ALL, NULL, &vocabulary, &to, &err),
			 SP_EDENIED);
	assert_string_equal(err.field, "");
}

static void test_terminal_and_access(void **state)
{
	(void)state;
	/* written by hand: DESIGN.md §4 and issue 6 item 5 */
	static const struct {
		enum sp_referral_status s;
		bool terminal;
		enum sp_referral_state access;
	} want[SP_REF_STATUS_COUNT] = {
		{SP_REF_DRAFT, false, SP_REFERRAL_NONE},
		{SP_REF_SENT, false, SP_REFERRAL_PENDING},
		{SP_REF_ACKNOWLEDGED, false, SP_REFERRAL_PENDING},
		{SP_REF_ACCEPTED, false, SP_REFERRAL_ACCEPTED},
		{SP_REF_DECLINED, true, SP_REFERRAL_NONE},
		{SP_REF_IN_PROGRESS, false, SP_REFERRAL_ACCEPTED},
		{SP_REF_COMPLETED, false, SP_REFERRAL_ACCEPTED},
		{SP_REF_CLOSED, true, SP_REFERRAL_NONE},
		{SP_REF_CANCELLED, true, SP_REFERRAL_NONE},
		{SP_REF_EXPIRED, true, SP_REFERRAL_NONE},
	};
	for (int i = 0; i < SP_REF_STATUS_COUNT; i++) {
		assert_int_equal(want[i].s, i);
		assert_int_equal(sp_referral_terminal(want[i].s), want[i].terminal);
		assert_int_equal(sp_referral_provider_access(want[i].s), want[i].access);
	}
	assert_false(sp_referral_terminal(SP_REF_STATUS_COUNT));
	assert_int_equal(sp_referral_provider_access(SP_REF_STATUS_COUNT), SP_REFERRAL_NONE);
	assert_int_equal(sp_referral_provider_access((enum sp_referral_status)-1),
			 SP_REFERRAL_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_decline_reasons),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_several_roles),
		cmocka_unit_test(test_terminal_and_access),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
