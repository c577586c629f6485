/* Fuzz the rule language (sp_expr_compile, sp_expr_truth) against the test protocol, in the
 * widest scope: never a crash or UB; an error says "column N: ..." or names the whole
 * expression; an accepted rule is three-valued and monotonic: a yes or no it gives with every
 * answer unknown stays when the answers are filled in (Kleene), unless it reads answered(),
 * which asks about the answers themselves. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol_init.h"
#include "identify/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Fill in every answer from the input's bytes (a deterministic choice per question). */
static void fill(struct sp_answers *ans, const uint8_t *data, size_t size)
{
	for (unsigned q = 0; q < ans->n; q++) {
		uint8_t b = size ? data[q % size] ^ (uint8_t)(q * 37) : (uint8_t)q;
		const struct sp_question *qq = &fuzz_p->questions[q];
		struct sp_answer *a = &ans->a[q];
		a->state = SP_ANS_GIVEN;
		switch (qq->type) {
		case SP_Q_YES_NO:
			a->v.yes = b & 1;
			break;
		case SP_Q_CHOICE:
			a->v.choice = b % qq->n_options;
			break;
		case SP_Q_MULTI:
			a->v.multi = b & ((1ULL << qq->n_options) - 1);
			break;
		case SP_Q_NUMBER:
			a->v.number = qq->min + b % (qq->max - qq->min + 1);
			break;
		default:
			a->state = SP_ANS_MISSING;
		}
	}
}

static enum sp_tri eval(const struct sp_expr *e, const struct sp_answers *ans,
			const struct sp_facts *f, struct sp_result *r)
{
	sp_evaluate(fuzz_p, ans, f, r);
	struct sp_eval ev = {.p = fuzz_p, .ans = ans, .facts = f, .r = r, .child = r->child,
			     .presumed = r->presumed_child ? SP_TRI_YES : SP_TRI_NO};
	ev.count_hi[0] = ev.count_hi[1] = ev.count_hi[2] = 1;
	enum sp_tri t = sp_expr_truth(e, &ev);
	if ((unsigned)t > SP_TRI_UNKNOWN)
		abort();
	return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 8192)
		return 0;
	char *src = malloc(size + 1);
	if (!src)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	struct sp_arena arena;
	sp_arena_init(&arena, 4096, 1u << 20);
	struct sp_scope sc = {.p = fuzz_p,
			      .allow = SP_ALLOW_ANSWERS | SP_ALLOW_PERSON | SP_ALLOW_CHILD |
				       SP_ALLOW_FOUND | SP_ALLOW_DIM | SP_ALLOW_READING,
			      .questions = fuzz_p->n_questions,
			      .indicators = fuzz_p->n_indicators,
			      .readings = fuzz_p->n_readings};
	/* counts too, half the time: the dimension rule's scope */
	if (size && (data[0] & 1))
		sc.allow |= SP_ALLOW_COUNTS;
	const struct sp_expr *e = NULL;
	char msg[200];
	int rc = sp_expr_compile(src, &sc, &arena, &e, msg, sizeof msg);
	if (rc) {
		if (e || (strncmp(msg, "column ", 7) != 0 && strcmp(msg, "is empty") != 0 &&
			  strncmp(msg, "longer than", 11) != 0))
			abort();
		goto out;
	}
	struct sp_answers unknown, filled;
	struct sp_result r;
	struct sp_facts f;
	sp_facts_init(&f);
	f.has_age = true;
	f.age = 30;
	f.age_unknown = f.age_disputed = SP_TRI_NO;
	if (sp_answers_init(&unknown, fuzz_p) || sp_answers_init(&filled, fuzz_p) ||
	    sp_result_init(&r, fuzz_p))
		abort();
	fill(&filled, data, size);
	enum sp_tri before = eval(e, &unknown, &f, &r);
	enum sp_tri after = eval(e, &filled, &f, &r);
	if (before != SP_TRI_UNKNOWN && after != before && !strstr(src, "answered"))
		abort();
	sp_result_free(&r);
	sp_answers_free(&unknown);
	sp_answers_free(&filled);
out:
	sp_arena_release(&arena);
	free(src);
	return 0;
}
