/* Fuzz the matching model loader (sp_fs_model_parse): never a crash, UB or leak; an error has a
 * JSON pointer or is about the whole document and leaves the model empty; an accepted model
 * holds together: 2 to 8 levels per comparison ending with else and only there, each test one
 * its kind answers, every field index in range, thresholds and the prior in their ranges, every
 * blocking and training rule with 1 to 4 keys, every comparison left free by a training rule
 * when there are any, the m floor in range. abort() when not. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/fsmodel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_rules(const struct sp_fs_model *m, const struct sp_fs_rule *rules, int n)
{
	for (int r = 0; r < n; r++) {
		if (rules[r].n_keys < 1 || rules[r].n_keys > SP_FS_RULE_KEYS_MAX)
			abort();
		for (int k = 0; k < rules[r].n_keys; k++)
			if (rules[r].keys[k].field < 0 || rules[r].keys[k].field >= m->n_fields)
				abort();
	}
}

static void check(const struct sp_fs_model *m)
{
	if (m->n_fields < 1 || m->n_comparisons < 1 || m->n_rules < 1 || !m->id[0] ||
	    !(m->threshold >= 0 && m->threshold <= 1) || !(m->prior > 0 && m->prior <= 0.5))
		abort();
	for (int c = 0; c < m->n_comparisons; c++) {
		const struct sp_comparison *cmp = &m->comparisons[c];
		if (cmp->field < 0 || cmp->field >= m->n_fields || cmp->n_levels < 2 ||
		    cmp->n_levels > SP_CMP_LEVELS_MAX)
			abort();
		for (int l = 0; l < cmp->n_levels; l++)
			if ((cmp->levels[l].test == SP_TEST_ELSE) != (l == cmp->n_levels - 1) ||
			    !sp_cmp_test_allowed(cmp->kind, cmp->levels[l].test))
				abort();
		/* a comparison of two values answers a level or missing */
		int lv = sp_compare(cmp, "1990-01-02", "abc");
		if (lv < SP_LEVEL_MISSING || lv >= cmp->n_levels)
			abort();
	}
	check_rules(m, m->rules, m->n_rules);
	check_rules(m, m->training, m->n_training);
	if (!(m->m_floor >= 1e-9 && m->m_floor <= 0.01))
		abort();
	for (int c = 0; m->n_training && c < m->n_comparisons; c++) {
		bool free_somewhere = false;
		for (int r = 0; r < m->n_training; r++)
			free_somewhere |= !sp_fs_rule_fixes(m, &m->training[r], c);
		if (!free_somewhere)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a buffer of exactly the input's size, so ASan sees a read past its end */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	if (size)
		memcpy(text, data, size);
	static struct sp_fs_model m;
	struct sp_err err = {0};
	int rc = sp_fs_model_parse(text, size, &m, &err);
	free(text);
	if (rc != SP_OK) {
		if ((err.field[0] && err.field[0] != '/') || m.n_fields || m.n_comparisons)
			abort();
		return 0;
	}
	check(&m);
	return 0;
}
