/* Model files of the Fellegi–Sunter model (config/matching/ID.json, docs/matching.md): read and
 * checked member by member, the first error named by its JSON pointer. A model is a fixed-size
 * struct: nothing to free. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "match.h"
#include "safepath/embedded.h"
#include "safepath/fsmodel.h"
#include "safepath/json.h"

#define SHIPPED_DIR "config/matching/"

/* A string member copied into out (cap bytes): required, 1 to cap - 1 bytes. */
static int get_text(json_t *o, const char *key, char *out, size_t cap, struct sp_err *err)
{
	const char *s;
	int rc = sp_json_get_str(o, key, true, &s, err);
	if (rc)
		return rc;
	size_t n = strlen(s);
	if (n == 0 || n >= cap) {
		char path[80];
		snprintf(path, sizeof path, "/%s", key);
		return sp_err_set(err, SP_EINVAL, path, "must be 1 to %zu bytes", cap - 1);
	}
	memcpy(out, s, n + 1);
	return SP_OK;
}

/* An identifier: lower-case letters, digits and _, starting with a letter. */
static bool plain_id(const char *s)
{
	if (!(*s >= 'a' && *s <= 'z'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

static int get_id(json_t *o, const char *key, char *out, size_t cap, struct sp_err *err)
{
	int rc = get_text(o, key, out, cap, err);
	if (rc == SP_OK && !plain_id(out)) {
		char path[80];
		snprintf(path, sizeof path, "/%s", key);
		return sp_err_set(err, SP_EINVAL, path,
				  "must be lower-case letters, digits and _, starting with a letter");
	}
	return rc;
}

/* A number member in [lo, hi], an integer when integer; absent gives *out = dflt when not
 * required. */
static int get_range(json_t *o, const char *key, bool required, bool integer, double lo,
		     double hi, double dflt, double *out, struct sp_err *err)
{
	char path[80];
	snprintf(path, sizeof path, "/%s", key);
	json_t *v = json_object_get(o, key);
	*out = dflt;
	if (!v)
		return required ? sp_err_set(err, SP_EINVAL, path, "is required") : SP_OK;
	if (!(integer ? json_is_integer(v) : json_is_number(v)) ||
	    !(json_number_value(v) >= lo && json_number_value(v) <= hi))
		return sp_err_set(err, SP_EINVAL, path, "must be %s from %.10g to %.10g",
				  integer ? "an integer" : "a number", lo, hi);
	*out = json_number_value(v);
	return SP_OK;
}

static int get_number(json_t *o, const char *key, bool required, double lo, double hi,
		      double dflt, double *out, struct sp_err *err)
{
	return get_range(o, key, required, false, lo, hi, dflt, out, err);
}

static int get_count(json_t *o, const char *key, bool required, double lo, double hi,
		     double dflt, uint64_t *out, struct sp_err *err)
{
	double d;
	int rc = get_range(o, key, required, true, lo, hi, dflt, &d, err);
	*out = (uint64_t)d;
	return rc;
}

/* A member that must be an array of 1 to max items. */
static int get_array(json_t *o, const char *key, size_t max, json_t **out, struct sp_err *err)
{
	char path[80];
	snprintf(path, sizeof path, "/%s", key);
	json_t *a = json_object_get(o, key);
	if (!a)
		return sp_err_set(err, SP_EINVAL, path, "is required");
	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > max)
		return sp_err_set(err, SP_EINVAL, path, "must be an array of 1 to %zu items", max);
	*out = a;
	return SP_OK;
}

static int parse_level(json_t *j, enum sp_cmp_kind kind, struct sp_cmp_level *out,
		       struct sp_err *err)
{
	static const char *const keys[] = {"test", "min", "max", NULL};
	const char *test;
	int rc = sp_json_only_keys(j, keys, err);
	if (!rc)
		rc = sp_json_get_str(j, "test", true, &test, err);
	if (rc)
		return rc;
	int t = sp_cmp_test_parse(test);
	if (t < 0)
		return sp_err_set(err, SP_EINVAL, "/test",
				  "is not a known test (exact, jaro_winkler, damerau, year_month, "
				  "year, weak_exact, weak_year, overlap, skeleton, phonetic, else)");
	if (!sp_cmp_test_allowed(kind, (enum sp_cmp_test)t))
		return sp_err_set(err, SP_EINVAL, "/test", "does not apply to the kind %s",
				  sp_cmp_kind_name(kind));
	out->test = (enum sp_cmp_test)t;
	bool wants_min = t == SP_TEST_JARO_WINKLER;
	bool wants_max = t == SP_TEST_DAMERAU || t == SP_TEST_YEAR || t == SP_TEST_WEAK_YEAR;
	if (!wants_min && json_object_get(j, "min"))
		return sp_err_set(err, SP_EINVAL, "/min", "is only for the test jaro_winkler");
	if (!wants_max && json_object_get(j, "max"))
		return sp_err_set(err, SP_EINVAL, "/max",
				  "is only for the tests damerau, year and weak_year");
	if (wants_min)
		return get_number(j, "min", true, 0, 1, 0, &out->min, err);
	if (wants_max) {
		uint64_t mx;
		rc = get_count(j, "max", true, 0, 16, 0, &mx, err);
		out->max = (int)mx;
	}
	return rc;
}

static int parse_comparison(json_t *j, struct sp_fs_model *m, struct sp_comparison *c,
			    struct sp_err *err)
{
	static const char *const keys[] = {"id", "field", "kind", "term_frequency", "levels", NULL};
	const char *field, *kind;
	json_t *levels = NULL;
	int rc = sp_json_only_keys(j, keys, err);
	if (!rc)
		rc = get_id(j, "id", c->id, sizeof c->id, err);
	if (!rc)
		rc = sp_json_get_str(j, "field", true, &field, err);
	if (rc)
		return rc;
	c->field = sp_fs_model_field(m, field);
	if (c->field < 0)
		return sp_err_set(err, SP_EINVAL, "/field", "is not one of the model's fields");
	rc = sp_json_get_str(j, "kind", true, &kind, err);
	if (rc)
		return rc;
	int k = sp_cmp_kind_parse(kind);
	if (k < 0)
		return sp_err_set(err, SP_EINVAL, "/kind",
				  "is not a known kind (string, name, date, sex, codes, name_set)");
	c->kind = (enum sp_cmp_kind)k;
	rc = sp_json_get_bool(j, "term_frequency", false, &c->term_frequency, err);
	if (rc && rc != SP_ENOTFOUND)
		return rc;
	if (c->term_frequency && c->kind != SP_CMP_NAME && c->kind != SP_CMP_STRING)
		return sp_err_set(err, SP_EINVAL, "/term_frequency",
				  "is only for the kinds name and string");
	rc = get_array(j, "levels", SP_CMP_LEVELS_MAX, &levels, err);
	if (rc)
		return rc;
	size_t i;
	json_t *l;
	json_array_foreach(levels, i, l) {
		rc = parse_level(l, c->kind, &c->levels[i], err);
		if (!rc && (c->levels[i].test == SP_TEST_ELSE) != (i + 1 == json_array_size(levels)))
			rc = sp_err_set(err, SP_EINVAL, "/test",
					"else must be the last level, and only the last");
		if (rc) {
			char seg[24];
			snprintf(seg, sizeof seg, "%zu", i);
			sp_err_prefix(err, seg);
			sp_err_prefix(err, "levels");
			return rc;
		}
	}
	if (json_array_size(levels) < 2)
		return sp_err_set(err, SP_EINVAL, "/levels", "must have a level besides else");
	c->n_levels = (int)json_array_size(levels);
	return SP_OK;
}

/* A key part's flag that applies to a name field only (skeleton, phonetic, pairs). */
static int name_flag(json_t *j, const struct sp_fs_model *m, const struct sp_fs_key *key,
		     const char *flag, bool *on, struct sp_err *err)
{
	char path[16];
	snprintf(path, sizeof path, "/%s", flag);
	int rc = sp_json_get_bool(j, flag, false, on, err);
	if (rc && rc != SP_ENOTFOUND)
		return rc;
	if (*on && m->field_kind[key->field] != SP_CMP_NAME)
		return sp_err_set(err, SP_EINVAL, path, "is only for a name field");
	return SP_OK;
}

static int parse_key(json_t *j, const struct sp_fs_model *m, struct sp_fs_key *out,
		     struct sp_err *err)
{
	static const char *const keys[] = {"field",    "prefix",   "year", "skeleton",
					   "phonetic", "pairs", NULL};
	const char *field;
	int rc = sp_json_only_keys(j, keys, err);
	if (!rc)
		rc = sp_json_get_str(j, "field", true, &field, err);
	if (rc)
		return rc;
	out->field = sp_fs_model_field(m, field);
	if (out->field < 0)
		return sp_err_set(err, SP_EINVAL, "/field", "is not one of the model's fields");
	uint64_t prefix;
	rc = get_count(j, "prefix", false, 1, 64, 0, &prefix, err);
	out->prefix = (int)prefix;
	if (!rc)
		rc = sp_json_get_bool(j, "year", false, &out->year, err);
	if (rc && rc != SP_ENOTFOUND)
		return rc;
	if (out->year && m->field_kind[out->field] != SP_CMP_DATE)
		return sp_err_set(err, SP_EINVAL, "/year", "is only for a date field");
	if (out->year && out->prefix)
		return sp_err_set(err, SP_EINVAL, "/prefix", "cannot go with year");
	bool skeleton = false, phonetic = false;
	rc = name_flag(j, m, out, "skeleton", &skeleton, err);
	if (!rc)
		rc = name_flag(j, m, out, "phonetic", &phonetic, err);
	if (!rc)
		rc = name_flag(j, m, out, "pairs", &out->pairs, err);
	if (rc)
		return rc;
	if (skeleton && phonetic)
		return sp_err_set(err, SP_EINVAL, "/phonetic", "cannot go with skeleton");
	out->form = skeleton ? SP_FS_KEY_SKELETON : phonetic ? SP_FS_KEY_PHONETIC : SP_FS_KEY_VALUE;
	if (out->pairs && out->prefix)
		return sp_err_set(err, SP_EINVAL, "/pairs", "cannot go with prefix");
	return SP_OK;
}

/* An array of key rules (blocking or training) into rules, its count into *n; errors prefixed
 * with the rule's and the key's index. */
static int parse_rules(json_t *a, const struct sp_fs_model *m, struct sp_fs_rule *rules, int *n,
		       struct sp_err *err)
{
	int rc = SP_OK;
	size_t i, k;
	json_t *r, *key;
	json_array_foreach(a, i, r) {
		if (rc)
			break;
		char seg[24];
		snprintf(seg, sizeof seg, "%zu", i);
		if (!json_is_array(r) || json_array_size(r) == 0 ||
		    json_array_size(r) > SP_FS_RULE_KEYS_MAX) {
			rc = sp_err_set(err, SP_EINVAL, "", "must be an array of 1 to %d keys",
					SP_FS_RULE_KEYS_MAX);
		}
		json_array_foreach(r, k, key) {
			if (rc)
				break;
			rc = parse_key(key, m, &rules[i].keys[k], err);
			if (rc) {
				char kseg[24];
				snprintf(kseg, sizeof kseg, "%zu", k);
				sp_err_prefix(err, kseg);
			}
		}
		rules[i].n_keys = (int)json_array_size(r);
		if (rc)
			sp_err_prefix(err, seg);
	}
	*n = a ? (int)json_array_size(a) : 0;
	return rc;
}

static int parse_blocking(json_t *root, struct sp_fs_model *m, struct sp_err *err)
{
	static const char *const keys[] = {"rules", "max_block_pairs", "max_pairs", NULL};
	json_t *b = json_object_get(root, "blocking");
	if (!b)
		return sp_err_set(err, SP_EINVAL, "/blocking", "is required");
	json_t *rules = NULL;
	int rc = sp_json_only_keys(b, keys, err);
	if (!rc)
		rc = get_array(b, "rules", SP_FS_RULES_MAX, &rules, err);
	if (!rc)
		rc = get_count(b, "max_block_pairs", false, 1, 1e9, 10000, &m->max_block_pairs, err);
	if (!rc)
		rc = get_count(b, "max_pairs", false, 1, 1e10, 50e6, &m->max_pairs, err);
	if (!rc && (rc = parse_rules(rules, m, m->rules, &m->n_rules, err)))
		sp_err_prefix(err, "rules");
	if (rc)
		sp_err_prefix(err, "blocking");
	return rc;
}

/* The training rules: each session estimates m of the comparisons its rule leaves free (those
 * over a field none of its keys reads), so every comparison must be free in one of them. */
static int parse_training(json_t *e, struct sp_fs_model *m, struct sp_err *err)
{
	json_t *t = json_object_get(e, "training");
	if (!t)
		return SP_OK;
	if (!json_is_array(t) || json_array_size(t) == 0 || json_array_size(t) > SP_FS_RULES_MAX)
		return sp_err_set(err, SP_EINVAL, "/training", "must be an array of 1 to %d rules",
				  SP_FS_RULES_MAX);
	int rc = parse_rules(t, m, m->training, &m->n_training, err);
	if (rc) {
		sp_err_prefix(err, "training");
		return rc;
	}
	for (int c = 0; c < m->n_comparisons; c++) {
		bool free_somewhere = false;
		for (int k = 0; k < m->n_training && !free_somewhere; k++)
			free_somewhere = !sp_fs_rule_fixes(m, &m->training[k], c);
		if (!free_somewhere)
			return sp_err_set(err, SP_EINVAL, "/training",
					  "every rule reads the field of the comparison %s, so no "
					  "session estimates its m: add a rule without it",
					  m->comparisons[c].id);
	}
	if (m->estimate_u)
		return sp_err_set(err, SP_EINVAL, "/training",
				  "cannot go with estimate_u (u comes from the random pairs)");
	return SP_OK;
}

bool sp_fs_rule_fixes(const struct sp_fs_model *m, const struct sp_fs_rule *rule, int c)
{
	for (int k = 0; k < rule->n_keys; k++)
		if (rule->keys[k].field == m->comparisons[c].field)
			return true;
	return false;
}

static int parse_estimation(json_t *root, struct sp_fs_model *m, struct sp_err *err)
{
	static const char *const keys[] = {"prior",	    "random_pairs", "seed",
					   "em_iterations", "estimate_u",   "lambda_only",
					   "training",	    "m_floor",	    NULL};
	json_t *e = json_object_get(root, "estimation");
	if (!e)
		return sp_err_set(err, SP_EINVAL, "/estimation", "is required");
	uint64_t iters = 0;
	int rc = sp_json_only_keys(e, keys, err);
	if (!rc)
		rc = get_number(e, "prior", true, 1e-9, 0.5, 0, &m->prior, err);
	if (!rc)
		rc = get_count(e, "random_pairs", false, 1000, 1e8, 1e6, &m->random_pairs, err);
	if (!rc)
		rc = get_count(e, "seed", false, 0, 4294967295.0, 1, &m->seed, err);
	if (!rc)
		rc = get_count(e, "em_iterations", false, 0, 1000, 100, &iters, err);
	m->em_iterations = (int)iters;
	if (!rc)
		rc = get_number(e, "m_floor", false, 1e-9, 0.01, 1e-6, &m->m_floor, err);
	if (!rc) {
		rc = sp_json_get_bool(e, "estimate_u", false, &m->estimate_u, err);
		rc = rc == SP_ENOTFOUND ? SP_OK : rc;
	}
	if (!rc) {
		rc = sp_json_get_bool(e, "lambda_only", false, &m->lambda_only, err);
		rc = rc == SP_ENOTFOUND ? SP_OK : rc;
	}
	if (!rc)
		rc = parse_training(e, m, err);
	if (rc)
		sp_err_prefix(err, "estimation");
	return rc;
}

static int parse_threshold(json_t *root, struct sp_fs_model *m, struct sp_err *err)
{
	static const char *const keys[] = {"probability", "chosen", NULL};
	json_t *t = json_object_get(root, "threshold");
	if (!t)
		return sp_err_set(err, SP_EINVAL, "/threshold", "is required");
	int rc = sp_json_only_keys(t, keys, err);
	if (!rc)
		rc = get_number(t, "probability", true, 0, 1, 0, &m->threshold, err);
	if (!rc)
		rc = get_text(t, "chosen", m->threshold_chosen, sizeof m->threshold_chosen, err);
	if (rc)
		sp_err_prefix(err, "threshold");
	return rc;
}

static int parse_fields(json_t *root, struct sp_fs_model *m, struct sp_err *err)
{
	json_t *fields = NULL;
	int rc = get_array(root, "fields", SP_FS_FIELDS_MAX, &fields, err);
	if (rc)
		return rc;
	size_t i;
	json_t *f;
	json_array_foreach(fields, i, f) {
		char path[48];
		snprintf(path, sizeof path, "/fields/%zu", i);
		const char *s = json_string_value(f);
		if (!s || !*s || strlen(s) >= sizeof m->fields[0] || !plain_id(s))
			return sp_err_set(err, SP_EINVAL, path,
					  "must be lower-case letters, digits and _, starting "
					  "with a letter");
		if (sp_fs_model_field(m, s) >= 0)
			return sp_err_set(err, SP_EINVAL, path, "is already a field");
		memcpy(m->fields[i], s, strlen(s) + 1);
		m->n_fields = (int)i + 1;
	}
	return SP_OK;
}

static int parse_comparisons(json_t *root, struct sp_fs_model *m, struct sp_err *err)
{
	json_t *cs = NULL;
	int rc = get_array(root, "comparisons", SP_FS_COMPARISONS_MAX, &cs, err);
	if (rc)
		return rc;
	bool seen[SP_FS_FIELDS_MAX] = {false};
	size_t i;
	json_t *c;
	json_array_foreach(cs, i, c) {
		struct sp_comparison *cmp = &m->comparisons[i];
		rc = parse_comparison(c, m, cmp, err);
		for (size_t k = 0; !rc && k < i; k++)
			if (strcmp(m->comparisons[k].id, cmp->id) == 0)
				rc = sp_err_set(err, SP_EINVAL, "/id", "is already a comparison");
		if (rc) {
			char seg[24];
			snprintf(seg, sizeof seg, "%zu", i);
			sp_err_prefix(err, seg);
			sp_err_prefix(err, "comparisons");
			return rc;
		}
		if (!seen[cmp->field])
			m->field_kind[cmp->field] = cmp->kind, seen[cmp->field] = true;
		m->n_comparisons = (int)i + 1;
	}
	return SP_OK;
}

int sp_fs_model_parse(const char *text, size_t len, struct sp_fs_model *out, struct sp_err *err)
{
	static const char *const keys[] = {"id", "version", "source", "title", "fields",
					   "comparisons", "blocking", "estimation", "threshold",
					   "parameters", NULL};
	memset(out, 0, sizeof *out);
	if (len > SP_FS_MODEL_MAX_BYTES)
		return sp_err_set(err, SP_ETOOBIG, "", "is over %zu bytes", SP_FS_MODEL_MAX_BYTES);
	json_t *root = sp_json_parse(text, len, err);
	if (!root)
		return SP_EINVAL;
	int rc = sp_json_only_keys(root, keys, err);
	if (!rc)
		rc = get_id(root, "id", out->id, sizeof out->id, err);
	if (!rc)
		rc = get_text(root, "version", out->version, sizeof out->version, err);
	if (!rc)
		rc = get_text(root, "source", out->source, sizeof out->source, err);
	if (!rc)
		rc = get_text(root, "title", out->title, sizeof out->title, err);
	if (!rc)
		rc = parse_fields(root, out, err);
	if (!rc)
		rc = parse_comparisons(root, out, err);
	if (!rc)
		rc = parse_blocking(root, out, err);
	if (!rc)
		rc = parse_estimation(root, out, err);
	if (!rc)
		rc = parse_threshold(root, out, err);
	json_t *params = json_object_get(root, "parameters");
	if (!rc && params) {
		rc = fs_params_read(out, params, false, &out->params, err);
		out->has_params = rc == SP_OK;
		if (rc)
			sp_err_prefix(err, "parameters");
	}
	if (!rc && out->em_iterations == 0 && !out->has_params)
		rc = sp_err_set(err, SP_EINVAL, "/estimation/em_iterations",
				"0 (no EM) needs the model's parameters to score with");
	if (!rc && out->lambda_only && !out->has_params && !out->n_training)
		rc = sp_err_set(err, SP_EINVAL, "/estimation/lambda_only",
				"needs the model's parameters or training rules (m and u to keep)");
	json_decref(root);
	if (rc)
		memset(out, 0, sizeof *out);
	return rc;
}

int sp_fs_model_shipped(const char *id, struct sp_fs_model *out, struct sp_err *err)
{
	char path[128];
	int n = snprintf(path, sizeof path, SHIPPED_DIR "%s.json", id);
	for (const struct sp_embedded *e = sp_embedded_files; n > 0 && (size_t)n < sizeof path &&
							      e->path;
	     e++) {
		if (strcmp(e->path, path) != 0)
			continue;
		int rc = sp_fs_model_parse(e->data, e->len, out, err);
		if (rc)
			sp_err_prefix(err, path); /* a shipped file is checked by the tests */
		return rc;
	}
	return sp_err_set(err, SP_ENOTFOUND, "model", "is not a shipped model (config/matching/)");
}

int sp_fs_model_field(const struct sp_fs_model *m, const char *name)
{
	for (int i = 0; i < m->n_fields; i++)
		if (strcmp(m->fields[i], name) == 0)
			return i;
	return -1;
}
