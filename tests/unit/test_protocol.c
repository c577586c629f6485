/* identify/protocol.c, codes.c, registry.c: protocol files loaded, refused with every error
 * (golden files tests/data/protocols/invalid/NAME.json + NAME.err, written by hand), hashed,
 * and found by id and version. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "safepath/init.h"
#include "safepath/protocol.h"

#define DATA "tests/data/protocols/"

static char *slurp(const char *path, size_t *len)
{
	char *text = NULL;
	if (sp_protocols_read_file(path, &text, len) != SP_OK)
		fail_msg("cannot read %s", path);
	return text;
}

static struct sp_vocab *vocab(void)
{
	struct sp_diag d;
	struct sp_vocab *v = NULL;
	sp_diag_init(&d);
	assert_int_equal(sp_vocab_load_embedded(&v, &d), SP_OK);
	sp_diag_free(&d);
	return v;
}

static void vocabulary_loads(void **state)
{
	(void)state;
	struct sp_vocab *v = vocab();
	/* counted by hand in protocols/codes.json */
	assert_int_equal(sp_vocab_count(v, SP_VOCAB_PRIORITIES), 4);
	assert_int_equal(sp_vocab_count(v, SP_VOCAB_INTERVENTION_LEVELS), 3);
	assert_int_equal(sp_vocab_find(v, SP_VOCAB_PRIORITIES, "routine"), 0);
	assert_int_equal(sp_vocab_find(v, SP_VOCAB_PRIORITIES, "immediate"), 3);
	assert_int_equal(sp_vocab_find(v, SP_VOCAB_INTERVENTION_LEVELS, "high"), 2);
	assert_int_equal(sp_vocab_find(v, SP_VOCAB_NEEDS, "teleportation"), -1);
	int i = sp_vocab_find(v, SP_VOCAB_TASKS, "appoint_guardian");
	assert_true(i >= 0);
	assert_string_equal(sp_vocab_title(v, SP_VOCAB_TASKS, (size_t)i, "fr"),
			    "Désigner un tuteur ou un représentant");
	assert_string_equal(sp_vocab_title(v, SP_VOCAB_TASKS, (size_t)i, "ar"),
			    "Appoint a guardian or representative"); /* English when missing */
	/* the support plan's types: HTCDS spl_Type, in its order */
	assert_int_equal(sp_vocab_count(v, SP_VOCAB_SUPPORT_TYPES), 9);
	i = sp_vocab_find(v, SP_VOCAB_SUPPORT_TYPES, "labour_exploitation_rehabilitation");
	assert_int_equal(i, 3);
	assert_string_equal(sp_vocab_title(v, SP_VOCAB_SUPPORT_TYPES, (size_t)i, "fr"),
			    "Réadaptation après une exploitation par le travail");
	assert_string_equal(sp_vocab_id(v, SP_VOCAB_SUPPORT_TYPES, 8), "social_care");
	sp_vocab_free(v);
}

static void vocabulary_refuses_duplicates(void **state)
{
	(void)state;
	const char *text = "{\"version\":1,\"languages\":[\"en\"],\"needs\":[{\"id\":\"a\",\"title\":"
			   "{\"en\":\"A\"}},{\"id\":\"a\",\"title\":{\"en\":\"A\"}}],\"services\":[],"
			   "\"red_flags\":[],\"tasks\":[],\"placements\":[],\"priorities\":[],"
			   "\"intervention_levels\":[],\"best_interests_outcomes\":[],"
			   "\"age_methods\":[],\"decline_reasons\":[],\"support_types\":[],\"closure_reasons\":[],"
			   "\"extra\":1}";
	struct sp_diag d;
	struct sp_vocab *v = NULL;
	sp_diag_init(&d);
	assert_int_equal(sp_vocab_load(text, strlen(text), &v, &d), SP_EINVAL);
	assert_null(v);
	assert_int_equal(d.n, 2);
	assert_string_equal(d.items[0].pointer, "/extra");
	assert_string_equal(d.items[1].pointer, "/needs/1/id");
	assert_string_equal(d.items[1].msg, "is listed twice");
	sp_diag_free(&d);
}

static void test_protocol_loads(void **state)
{
	(void)state;
	struct sp_vocab *v = vocab();
	size_t len;
	char *text = slurp(DATA "test-labour@1.json", &len);
	struct sp_diag d;
	sp_diag_init(&d);
	struct sp_protocol *p = NULL;
	int rc = sp_protocol_load(text, len, v, &p, &d);
	if (rc)
		fail_msg("%s: %s", d.n ? d.items[0].pointer : "", d.n ? d.items[0].msg : "");
	assert_string_equal(p->id, "test-labour");
	assert_int_equal(p->version, 1);
	assert_int_equal(p->status, SP_PROTO_LOCAL);
	assert_int_equal(p->kind, SP_KIND_TRAFFICKING);
	assert_int_equal(p->age_group, SP_AGE_ADULT);
	assert_string_equal(p->variant_child, "test-labour-child");
	/* counted by hand in the file */
	assert_int_equal(p->n_sections, 3);
	assert_int_equal(p->n_questions, 17);
	assert_int_equal(p->n_dimensions, 6);
	assert_int_equal(p->n_indicators, 15);
	assert_int_equal(p->n_readings, 2);
	assert_int_equal(p->readings[1].n_steps, 3);
	assert_int_equal(p->n_outcomes, 5);
	assert_int_equal(p->sections[1].first, 3);
	assert_int_equal(p->sections[1].count, 6);
	/* b2sum -l 256 tests/data/protocols/test-labour@1.json */
	assert_string_equal(p->hash,
			    "187b0e53cb14d5faebe9588e9ccd955915c1841e643cfc297797a141763235cd");
	int q = sp_protocol_question(p, "debt_by_work");
	assert_int_equal(q, 8);
	assert_non_null(p->questions[q].show_if);
	assert_string_equal(sp_text_get(p, &p->questions[q].text, "fr"),
			    "Remboursez-vous cette dette en travaillant ?");
	assert_string_equal(sp_text_get(p, &p->questions[q].text, "ar"),
			    "Do you repay that debt by working?");
	q = sp_protocol_question(p, "conditions");
	assert_int_equal(p->questions[q].type, SP_Q_MULTI);
	assert_int_equal(p->questions[q].n_options, 3);
	assert_true(p->questions[sp_protocol_question(p, "violence")].sensitive);
	/* debt bondage: medium in D2, strong in D5 */
	const struct sp_indicator *ind = &p->indicators[4];
	assert_string_equal(ind->id, "debt_bondage");
	assert_int_equal(ind->n_in, 2);
	assert_int_equal(ind->in[0].dimension, 1);
	assert_int_equal(ind->in[0].strength, SP_MEDIUM);
	assert_int_equal(ind->in[1].dimension, 4);
	assert_int_equal(ind->in[1].strength, SP_STRONG);
	const struct sp_outcome *o = &p->outcomes[0];
	assert_int_equal(o->n_tasks, 1);
	assert_int_equal(o->tasks[0].due_hours, 72);
	assert_int_equal(o->tasks[0].priority, sp_vocab_find(v, SP_VOCAB_PRIORITIES, "urgent"));
	sp_protocol_free(p);
	free(text);
	sp_diag_free(&d);
	sp_vocab_free(v);
}

/* Every tests/data/protocols/invalid/NAME.json gives exactly NAME.err. */
static void invalid_files_give_their_golden_errors(void **state)
{
	(void)state;
	struct sp_vocab *v = vocab();
	DIR *dir = opendir(DATA "invalid");
	assert_non_null(dir);
	struct dirent *e;
	int seen = 0;
	while ((e = readdir(dir))) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		char path[512], errpath[512];
		snprintf(path, sizeof path, DATA "invalid/%s", e->d_name);
		snprintf(errpath, sizeof errpath, DATA "invalid/%.*s.err", (int)(n - 5), e->d_name);
		size_t len, elen;
		char *text = slurp(path, &len), *want = slurp(errpath, &elen);
		struct sp_diag d;
		sp_diag_init(&d);
		struct sp_protocol *p = NULL;
		assert_int_not_equal(sp_protocol_load(text, len, v, &p, &d), SP_OK);
		assert_null(p);
		struct sp_buf got;
		sp_buf_init(&got, 1 << 20);
		assert_int_equal(sp_diag_format(&d, &got), SP_OK);
		if (strcmp(got.data ? got.data : "", want) != 0)
			fail_msg("%s:\n--- got\n%s--- want\n%s", path, got.data ? got.data : "", want);
		sp_buf_free(&got);
		sp_diag_free(&d);
		free(text);
		free(want);
		seen++;
	}
	closedir(dir);
	assert_true(seen >= 10);
	sp_vocab_free(v);
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

/* A data folder's protocols: new versions join the list, the old ones stay loadable, a file
 * must be named after what it holds, and a version's content never changes. */
static void registry_versions_and_local_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/sp-test-protocols-XXXXXX";
	assert_non_null(mkdtemp(dir));
	size_t len;
	char *v1 = slurp(DATA "test-labour@1.json", &len);
	char path[512];
	snprintf(path, sizeof path, "%s/test-labour@1.json", dir);
	write_file(path, v1, len);
	/* version 2: the same with "version": 2 */
	char *v2 = strdup(v1);
	char *at = strstr(v2, "\"version\": 1");
	assert_non_null(at);
	at[11] = '2';
	snprintf(path, sizeof path, "%s/test-labour@2.json", dir);
	write_file(path, v2, len);
	struct sp_protocols *r = NULL;
	struct sp_diag d;
	sp_diag_init(&d);
	assert_int_equal(sp_protocols_load(dir, &r, &d), SP_OK);
	const struct sp_protocol *p = sp_protocols_lookup(r, "test-labour");
	assert_non_null(p);
	assert_int_equal(p->version, 2);
	p = sp_protocols_lookup(r, "test-labour@1");
	assert_non_null(p);
	assert_int_equal(p->version, 1);
	assert_string_equal(p->hash,
			    "187b0e53cb14d5faebe9588e9ccd955915c1841e643cfc297797a141763235cd");
	assert_null(sp_protocols_lookup(r, "test-labour@3"));
	assert_null(sp_protocols_lookup(r, "test-labour@"));
	assert_null(sp_protocols_lookup(r, "test-labour@0"));
	assert_null(sp_protocols_lookup(r, "test-labour@1x"));
	assert_null(sp_protocols_lookup(r, "nothing"));
	/* the child variant is not in this folder: the adult set stays */
	struct sp_facts f;
	sp_facts_init(&f);
	f.has_age = true;
	f.age = 15;
	f.age_unknown = SP_TRI_NO;
	assert_ptr_equal(sp_protocols_variant(r, p, NULL, &f), p);
	sp_protocols_free(r);

	/* a misnamed file */
	snprintf(path, sizeof path, "%s/test-labour@3.json", dir);
	write_file(path, v1, len);
	assert_int_equal(sp_protocols_load(dir, &r, &d), SP_EINVAL);
	assert_null(r);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.items[0].msg + strlen(dir) + 1,
			    "test-labour@3.json: the file of test-labour version 1 must be named "
			    "test-labour@1.json");
	unlink(path);
	sp_diag_free(&d);

	snprintf(path, sizeof path, "%s/test-labour@2.json", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/test-labour@1.json", dir);
	unlink(path);
	/* a missing folder is no error */
	sp_diag_init(&d);
	assert_int_equal(sp_protocols_load("/nonexistent/protocols", &r, &d), SP_OK);
	sp_protocols_free(r);
	sp_diag_free(&d);
	rmdir(dir);
	free(v1);
	free(v2);
}

/* A local file with a shipped protocol's id and version but other bytes is refused: a version
 * never changes. The same bytes are accepted (and ignored). Needs a shipped protocol. */
static void shipped_versions_never_change(void **state)
{
	(void)state;
	struct sp_protocols *r = NULL;
	struct sp_diag d;
	sp_diag_init(&d);
	assert_int_equal(sp_protocols_load(NULL, &r, &d), SP_OK);
	if (sp_protocols_count(r) == 0) {
		sp_protocols_free(r);
		sp_diag_free(&d);
		skip(); /* nothing shipped on this branch yet */
	}
	const struct sp_protocol *p = sp_protocols_at(r, 0);
	char dir[] = "/tmp/sp-test-shipped-XXXXXX", path[512];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/%s@%d.json", dir, p->id, p->version);
	write_file(path, p->file_text, p->file_len);
	struct sp_protocols *r2 = NULL;
	assert_int_equal(sp_protocols_load(dir, &r2, &d), SP_OK);
	assert_int_equal(sp_protocols_count(r2), sp_protocols_count(r));
	sp_protocols_free(r2);
	/* one more space at the end: the same JSON, other bytes, another hash */
	char *changed = malloc(p->file_len + 1);
	assert_non_null(changed);
	memcpy(changed, p->file_text, p->file_len);
	changed[p->file_len] = ' ';
	write_file(path, changed, p->file_len + 1);
	assert_int_equal(sp_protocols_load(dir, &r2, &d), SP_ECONFLICT);
	assert_null(r2);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.items[0].msg, "is shipped with other content: a version never "
						"changes, raise the version"));
	unlink(path);
	rmdir(dir);
	free(changed);
	sp_protocols_free(r);
	sp_diag_free(&d);
}

static void child_variant_is_picked_for_a_child(void **state)
{
	(void)state;
	struct sp_protocols *r = NULL;
	struct sp_diag d;
	sp_diag_init(&d);
	assert_int_equal(sp_protocols_load(DATA, &r, &d), SP_OK);
	const struct sp_protocol *adult = sp_protocols_lookup(r, "test-labour@1");
	const struct sp_protocol *child = sp_protocols_lookup(r, "test-labour-child");
	assert_non_null(adult);
	assert_non_null(child);
	struct sp_facts f;
	sp_facts_init(&f);
	f.has_age = true;
	f.age = 15;
	f.age_unknown = SP_TRI_NO;
	assert_ptr_equal(sp_protocols_variant(r, adult, NULL, &f), child);
	f.age = 19;
	assert_ptr_equal(sp_protocols_variant(r, adult, NULL, &f), adult);
	/* age unknown, reason to believe under 18: presumed a child */
	f.has_age = false;
	f.age_unknown = SP_TRI_YES;
	f.reason_to_believe_minor = SP_TRI_YES;
	assert_ptr_equal(sp_protocols_variant(r, adult, NULL, &f), child);
	/* ... until an age assessment says adult */
	f.age_decision = SP_AGE_DECISION_ADULT;
	assert_ptr_equal(sp_protocols_variant(r, adult, NULL, &f), adult);
	sp_protocols_free(r);
	sp_diag_free(&d);
}

int main(void)
{
	if (sp_init() != SP_OK)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vocabulary_loads),
		cmocka_unit_test(vocabulary_refuses_duplicates),
		cmocka_unit_test(test_protocol_loads),
		cmocka_unit_test(invalid_files_give_their_golden_errors),
		cmocka_unit_test(registry_versions_and_local_files),
		cmocka_unit_test(shipped_versions_never_change),
		cmocka_unit_test(child_variant_is_picked_for_a_child),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
