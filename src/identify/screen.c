/* One screening from JSON to JSON, as the command line, the golden vignettes and (later) the
 * API run it: the protocol by reference, the person's facts, the child variant for a child or
 * a presumed child, the answers decoded against the protocol used, the engine, the result. */
#include <stdio.h>
#include <string.h>

#include "identify/protocol.h"

/* Put the errors from item from on under the member name of the document. */
static void prefix(struct sp_diag *diag, size_t from, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = from; i < diag->n; i++) {
		char *ptr = diag->items[i].pointer;
		size_t len = strnlen(ptr, sizeof diag->items[i].pointer - 1);
		if (len + n >= sizeof diag->items[i].pointer)
			len = sizeof diag->items[i].pointer - 1 - n;
		memmove(ptr + n, ptr, len);
		memcpy(ptr, name, n);
		ptr[len + n] = '\0';
	}
}

int sp_screen_json(const struct sp_protocols *reg, const char *ref, void *answers, void *facts,
		   const char *lang, struct sp_buf *out, struct sp_diag *diag)
{
	const struct sp_protocol *p = sp_protocols_lookup(reg, ref);
	if (!p) {
		sp_diag_add(diag, "", "no protocol %s", ref);
		return SP_ENOTFOUND;
	}
	struct sp_facts f;
	sp_facts_init(&f);
	if (facts) {
		size_t before = diag->n;
		int rc = sp_facts_decode(facts, &f, diag);
		prefix(diag, before, "/facts");
		if (rc)
			return rc;
	}
	p = sp_protocols_variant(reg, p, NULL, &f);
	struct sp_answers ans;
	struct sp_result r;
	int rc = sp_answers_init(&ans, p);
	if (rc)
		return rc;
	size_t before = diag->n;
	rc = sp_answers_decode(p, answers, &ans, diag);
	prefix(diag, before, "/answers");
	if (!rc)
		rc = sp_result_init(&r, p);
	if (!rc) {
		sp_evaluate(p, &ans, &f, &r);
		rc = sp_result_json(&r, lang, out);
		sp_result_free(&r);
	}
	sp_answers_free(&ans);
	return rc;
}
