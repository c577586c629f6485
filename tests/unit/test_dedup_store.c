/* The review queue of safepath dedup on both stores (tests/unit/world.h): pairs written
 * straight into match_pairs as a run leaves them (the run itself is tests/cli/dedup.sh's),
 * then listed by who may read both persons only, paged, decided with versions and states
 * checked (a confirmation linking the persons in the registry, a rejection remembered there,
 * an undo undoing it), refused to who may not update both cases, and every list and decision
 * audited.
 * Expected values written by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "safepath/dedup.h"

#include "helpers.h"
#include "world.h"

static struct sp_id ngo, imm;
static struct sp_subject cw, cw2, sup, sup_imm, dpo;
static struct sp_case n1, n2, n3, i1;
static struct sp_id p1, p2, p3;

/* A pair as a run stores it: proposed, version 1, weight in millionths, one field. */
static void add_pair(struct sp_id *id, const char *id_text, const struct sp_case *a,
		     const struct sp_case *b, int64_t weight_micro)
{
	assert_int_equal(sp_id_parse(id_text, id), SP_OK);
	struct sp_stmt *st;
	struct sp_err err = {0};
	ok(sp_store_prepare(store,
			    "INSERT INTO match_pairs (id, person_a, person_b, case_a, case_b, "
			    "agency_a, agency_b, model_version, weight_micro, fields, state, "
			    "found_us, version) VALUES (?, ?, ?, ?, ?, ?, ?, '0.1.0', ?, "
			    "'[{\"comparison\":\"name\",\"level\":\"exact\",\"contribution\":7.5}]', "
			    "'proposed', 1000000, 1)",
			    &st, &err),
	   &err, "pair");
	assert_int_equal(sp_stmt_bind_id(st, 1, id) | sp_stmt_bind_id(st, 2, &a->person) |
				 sp_stmt_bind_id(st, 3, &b->person) | sp_stmt_bind_id(st, 4, &a->id) |
				 sp_stmt_bind_id(st, 5, &b->id) | sp_stmt_bind_id(st, 6, &a->agency) |
				 sp_stmt_bind_id(st, 7, &b->agency) |
				 sp_stmt_bind_int64(st, 8, weight_micro),
			 0);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
}

static struct sp_case person_case(const struct sp_subject *who, const char *given)
{
	char person[256];
	snprintf(person, sizeof person,
		 "{\"names\": [{\"role\": \"given\", \"romanised\": \"%s\"}, {\"role\": \"family\", "
		 "\"romanised\": \"Osman\"}], \"sex\": \"female\", \"date_of_birth\": {\"date\": "
		 "\"2001-05-04\"}, \"nationalities\": [\"SD\"]}",
		 given);
	struct sp_case c = open_case(who, person, 0);
	sp_arena_release(&arena);
	return c;
}

static int setup(void **state)
{
	(void)state;
	if (world_open("dedup"))
		return -1;
	add_agency(&ngo, "NGO", "ngo");
	add_agency(&imm, "IMM", "immigration");
	add_user(&cw, "cw", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&cw2, "cw2", &ngo, SP_AGENCY_NGO, SP_ROLE_CASEWORKER);
	add_user(&sup, "sup", &ngo, SP_AGENCY_NGO, SP_ROLE_SUPERVISOR);
	add_user(&dpo, "dpo", &ngo, SP_AGENCY_NGO, SP_ROLE_DPO);
	add_user(&sup_imm, "sup_imm", &imm, SP_AGENCY_IMMIGRATION, SP_ROLE_SUPERVISOR);
	n1 = person_case(&cw, "Amina");
	n2 = person_case(&cw, "Aminah");
	n3 = person_case(&cw, "Amna");
	i1 = person_case(&sup_imm, "Amina");
	/* ids in this order (a run's pairs are ranked by their ids): the queue lists p1, p3 */
	add_pair(&p1, "01a20000-0000-7000-8000-000000000001", &n1, &n2, 12000000);
	/* across agencies: listed to no one */
	add_pair(&p2, "01a20000-0000-7000-8000-000000000002", &n1, &i1, 10000000);
	add_pair(&p3, "01a20000-0000-7000-8000-000000000003", &n2, &n3, 3000000);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return world_close();
}

/* The audit records of action done (denied false) or refused (denied true). */
static int64_t audits_of(const char *action, bool denied)
{
	struct sp_stmt *st;
	struct sp_err err = {0};
	ok(sp_store_prepare(store,
			    denied ? "SELECT COUNT(*) FROM audit_log WHERE action = ? AND reason LIKE "
				     "'denied:%'"
				   : "SELECT COUNT(*) FROM audit_log WHERE action = ? AND (reason IS "
				     "NULL OR reason NOT LIKE 'denied:%')",
			    &st, &err),
	   &err, "audit count");
	assert_int_equal(sp_stmt_bind_text(st, 1, action), 0);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	int64_t n = sp_stmt_int64(st, 0);
	sp_stmt_done(st);
	return n;
}

static int64_t audits(const char *action)
{
	return audits_of(action, false);
}

/* The registry's link between two cases' persons as its agency decided it: "confirmed",
 * "rejected", "undone", or "" when there is none (matchreg.c's person_links). */
static const char *link_of(const struct sp_case *a, const struct sp_case *b)
{
	static char out[16];
	const struct sp_id *lo = memcmp(a->person.b, b->person.b, SP_ID_LEN) < 0 ? &a->person : &b->person;
	const struct sp_id *hi = lo == &a->person ? &b->person : &a->person;
	struct sp_stmt *st;
	struct sp_err err = {0};
	ok(sp_store_prepare(store,
			    "SELECT state, undone_us FROM person_links WHERE person_a = ? AND "
			    "person_b = ?",
			    &st, &err),
	   &err, "link");
	assert_int_equal(sp_stmt_bind_id(st, 1, lo) | sp_stmt_bind_id(st, 2, hi), 0);
	int rc = sp_stmt_step(st, &err);
	assert_true(rc >= 0);
	snprintf(out, sizeof out, "%s",
		 rc == 0 ? "" : !sp_stmt_is_null(st, 1) ? "undone" : sp_stmt_text(st, 0));
	sp_stmt_done(st);
	return out;
}

static void list(const struct sp_subject *who, enum sp_pair_state state, const struct sp_id *after,
		 size_t max, struct sp_match_pair *out, size_t *n, struct sp_id *next)
{
	struct sp_casework w = as(who);
	struct sp_err err = {0};
	ok(sp_match_pair_list(&w, state, after, max, out, n, next, &err), &err, "list");
}

static void the_supervisor_and_the_assigned_caseworker_see_their_agencys_pairs(void **state)
{
	(void)state;
	struct sp_match_pair page[SP_PAIR_PAGE_MAX];
	size_t n;
	struct sp_id next;
	int64_t before = audits("match_pair.list");
	list(&sup, SP_PAIR_PROPOSED, NULL, 20, page, &n, &next);
	assert_int_equal(n, 2);
	assert_memory_equal(page[0].id.b, p1.b, SP_ID_LEN);
	assert_memory_equal(page[1].id.b, p3.b, SP_ID_LEN);
	assert_true(sp_id_is_zero(&next));
	/* weight 12: probability 1 / (1 + 2^-12) = 4096 / 4097 */
	assert_true(fabs(page[0].weight - 12.0) < 1e-9);
	assert_true(fabs(page[0].probability - 4096.0 / 4097.0) < 1e-12);
	/* weight 3: 8 / 9 */
	assert_true(fabs(page[1].probability - 8.0 / 9.0) < 1e-12);
	assert_string_equal(page[0].number_a, n1.number);
	assert_string_equal(page[0].number_b, n2.number);
	assert_int_equal(page[0].n_fields, 1);
	assert_string_equal(page[0].fields[0].comparison, "name");
	assert_string_equal(page[0].fields[0].level, "exact");
	assert_true(fabs(page[0].fields[0].contribution - 7.5) < 1e-12);
	assert_true(page[0].has_persons);
	assert_string_equal(page[0].a.name.parts[0].romanised, "Amina");
	assert_string_equal(page[0].b.name.parts[0].romanised, "Aminah");
	assert_int_equal(page[0].state, SP_PAIR_PROPOSED);
	assert_int_equal(page[0].version, 1);
	/* one record for the page */
	assert_int_equal(audits("match_pair.list"), before + 1);
	/* the caseworker assigned to all three NGO cases sees the same two */
	list(&cw, SP_PAIR_PROPOSED, NULL, 20, page, &n, &next);
	assert_int_equal(n, 2);
	sp_arena_release(&arena);
}

static void others_see_nothing_and_the_dpo_is_refused(void **state)
{
	(void)state;
	struct sp_match_pair page[SP_PAIR_PAGE_MAX];
	size_t n = 9;
	struct sp_id next;
	/* a colleague not assigned to the cases: no identity, no pair */
	list(&cw2, SP_PAIR_PROPOSED, NULL, 20, page, &n, &next);
	assert_int_equal(n, 0);
	/* the immigration supervisor: its one case's pair is across agencies */
	list(&sup_imm, SP_PAIR_PROPOSED, NULL, 20, page, &n, &next);
	assert_int_equal(n, 0);
	struct sp_casework w = as(&dpo);
	struct sp_err err = {0};
	assert_int_equal(sp_match_pair_list(&w, SP_PAIR_PROPOSED, NULL, 20, page, &n, &next, &err),
			 SP_EDENIED);
	/* bad arguments name their field */
	w = as(&sup);
	assert_int_equal(sp_match_pair_list(&w, SP_PAIR_PROPOSED, NULL, 0, page, &n, &next, &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "/limit");
	assert_int_equal(sp_match_pair_list(&w, (enum sp_pair_state)7, NULL, 5, page, &n, &next,
					    &err),
			 SP_EINVAL);
	assert_string_equal(err.field, "/state");
	sp_arena_release(&arena);
}

static void pages_follow_the_cursor(void **state)
{
	(void)state;
	struct sp_match_pair page[SP_PAIR_PAGE_MAX];
	size_t n;
	struct sp_id next;
	list(&sup, SP_PAIR_PROPOSED, NULL, 1, page, &n, &next);
	assert_int_equal(n, 1);
	assert_memory_equal(page[0].id.b, p1.b, SP_ID_LEN);
	assert_memory_equal(next.b, p1.b, SP_ID_LEN);
	struct sp_id after = next;
	list(&sup, SP_PAIR_PROPOSED, &after, 1, page, &n, &next);
	assert_int_equal(n, 1);
	assert_memory_equal(page[0].id.b, p3.b, SP_ID_LEN);
	after = next;
	list(&sup, SP_PAIR_PROPOSED, &after, 1, page, &n, &next);
	assert_int_equal(n, 0);
	assert_true(sp_id_is_zero(&next));
	sp_arena_release(&arena);
}

static void decisions_check_version_state_and_both_cases(void **state)
{
	(void)state;
	struct sp_match_pair p;
	struct sp_err err = {0};
	struct sp_casework w = as(&sup);
	ok(sp_match_pair_decide(&w, &p1, 1, SP_PAIR_CONFIRMED, &p, &err), &err, "confirm");
	assert_int_equal(p.state, SP_PAIR_CONFIRMED);
	assert_int_equal(p.version, 2);
	assert_memory_equal(p.decided_by.b, sup.user.b, SP_ID_LEN);
	assert_true(p.decided_us > 0);
	assert_int_equal(audits("match_pair.confirm"), 1);
	/* the two persons linked in the registry, by its own audited operation */
	assert_string_equal(link_of(&n1, &n2), "confirmed");
	assert_int_equal(audits("person.link"), 1);
	/* the same move again: its state; an old version: the version */
	assert_int_equal(sp_match_pair_decide(&w, &p1, 2, SP_PAIR_CONFIRMED, &p, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/state");
	assert_int_equal(sp_match_pair_decide(&w, &p1, 1, SP_PAIR_REJECTED, &p, &err), SP_ECONFLICT);
	assert_string_equal(err.field, "/version");
	/* the immigration supervisor may update neither NGO case; an unassigned caseworker
	 * neither; the pair across agencies is refused to the NGO's supervisor too */
	struct sp_casework wi = as(&sup_imm), w2 = as(&cw2);
	assert_int_equal(sp_match_pair_decide(&wi, &p1, 2, SP_PAIR_PROPOSED, &p, &err), SP_EDENIED);
	assert_int_equal(sp_match_pair_decide(&w2, &p1, 2, SP_PAIR_PROPOSED, &p, &err), SP_EDENIED);
	assert_int_equal(sp_match_pair_decide(&w, &p2, 1, SP_PAIR_REJECTED, &p, &err), SP_EDENIED);
	struct sp_id none;
	sp_id_new(&none);
	assert_int_equal(sp_match_pair_decide(&w, &none, 1, SP_PAIR_REJECTED, &p, &err),
			 SP_ENOTFOUND);
	/* undone: proposed again at version 3, then listed again */
	ok(sp_match_pair_decide(&w, &p1, 2, SP_PAIR_PROPOSED, &p, &err), &err, "undo");
	assert_int_equal(p.state, SP_PAIR_PROPOSED);
	assert_int_equal(p.version, 3);
	assert_true(sp_id_is_zero(&p.decided_by));
	assert_int_equal(p.decided_us, 0);
	assert_int_equal(audits("match_pair.undo"), 1);
	assert_string_equal(link_of(&n1, &n2), "undone");
	/* the two refused undos and the refused rejection, recorded as refusals */
	assert_int_equal(audits_of("match_pair.undo", true), 2);
	assert_int_equal(audits_of("match_pair.reject", true), 1);
	/* rejected: only in the rejected list */
	ok(sp_match_pair_decide(&w, &p3, 1, SP_PAIR_REJECTED, &p, &err), &err, "reject");
	assert_int_equal(audits("match_pair.reject"), 1);
	assert_string_equal(link_of(&n2, &n3), "rejected");
	/* no link where nothing was decided */
	assert_string_equal(link_of(&n1, &i1), "");
	struct sp_match_pair page[SP_PAIR_PAGE_MAX];
	size_t n;
	struct sp_id next;
	list(&sup, SP_PAIR_REJECTED, NULL, 20, page, &n, &next);
	assert_int_equal(n, 1);
	assert_memory_equal(page[0].id.b, p3.b, SP_ID_LEN);
	assert_int_equal(page[0].state, SP_PAIR_REJECTED);
	list(&sup, SP_PAIR_PROPOSED, NULL, 20, page, &n, &next);
	assert_int_equal(n, 1);
	assert_memory_equal(page[0].id.b, p1.b, SP_ID_LEN);
	sp_arena_release(&arena);
}

/* A run over more cells than the caller's arena may hold (a command's is capped): the run
 * keeps them in an arena of its own, and the caller's is as it was. */
static void a_run_holds_the_cells_in_its_own_arena(void **state)
{
	(void)state;
	static const char *const given[] = {"Halima", "Halima", "Hawa", "Hadiza", "Habiba",
					    "Hafsa", "Hanan", "Hayat", "Hibo", "Huda"};
	for (size_t i = 0; i < sizeof given / sizeof given[0]; i++)
		(void)person_case(&cw, given[i]);
	struct sp_arena small;
	sp_arena_init(&small, 1024, 2048);
	struct sp_casework c = as(&sup);
	c.arena = &small;
	struct sp_dedup_report r;
	struct sp_err err = {0};
	ok(sp_dedup_run(&c, -1, NULL, NULL, NULL, NULL, &r, &err), &err, "run");
	/* the four of setup and the ten above, all sharing their blocking keys */
	assert_int_equal(r.persons, 14);
	assert_int_equal(r.candidates, 14);
	assert_int_equal(r.pairs, 14 * 13 / 2);
	assert_true(r.above >= 1); /* Halima and Halima at least */
	assert_ptr_equal(c.arena, &small);
	assert_int_equal(small.total, 0);
	sp_arena_release(&small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_supervisor_and_the_assigned_caseworker_see_their_agencys_pairs),
		cmocka_unit_test(others_see_nothing_and_the_dpo_is_refused),
		cmocka_unit_test(pages_follow_the_cursor),
		cmocka_unit_test(decisions_check_version_state_and_both_cases),
		/* last: the run proposes pairs of its own */
		cmocka_unit_test(a_run_holds_the_cells_in_its_own_arena),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
