/* The screening engine (docs/protocols.md "The result"): one pure, deterministic function of a
 * loaded protocol, the decoded answers and the person's facts. It works in the result's
 * arrays, sized once per protocol, and allocates nothing: questions asked or skipped, the
 * indicators found, each dimension's rule, the readings, the outcomes and what they add up
 * to. Unknown answers stay unknown all the way through (Kleene), never "no". */
#include <stdlib.h>
#include <string.h>

#include "identify/protocol.h"

int sp_result_init(struct sp_result *r, const struct sp_protocol *p)
{
	memset(r, 0, sizeof *r);
	unsigned n_steps = 0, n_refs = 0;
	for (unsigned i = 0; i < p->n_readings; i++)
		n_steps += p->readings[i].n_steps;
	for (unsigned i = 0; i < p->n_outcomes; i++)
		n_refs += p->outcomes[i].n_referrals;
	const struct sp_vocab *v = p->vocab;
	size_t bytes = p->n_questions + p->n_indicators + p->n_dimensions + p->n_readings +
		       n_steps + p->n_outcomes;
	r->asked = calloc(bytes + 1, 1);
	r->reading_step = calloc(p->n_readings + 1, sizeof *r->reading_step);
	r->step_first = calloc(p->n_readings + 1, sizeof *r->step_first);
	r->needs = calloc(sp_vocab_count(v, SP_VOCAB_NEEDS) + 1, sizeof *r->needs);
	r->red_flags = calloc(sp_vocab_count(v, SP_VOCAB_RED_FLAGS) + 1, sizeof *r->red_flags);
	r->placement = calloc(sp_vocab_count(v, SP_VOCAB_PLACEMENTS) + 1, sizeof *r->placement);
	r->referrals = calloc(n_refs + 1, sizeof *r->referrals);
	r->tasks = calloc(sp_vocab_count(v, SP_VOCAB_TASKS) + 1, sizeof *r->tasks);
	if (!r->asked || !r->reading_step || !r->step_first || !r->needs || !r->red_flags ||
	    !r->placement || !r->referrals || !r->tasks) {
		sp_result_free(r);
		return SP_ENOMEM;
	}
	r->p = p;
	r->indicator = r->asked + p->n_questions;
	r->dimension = r->indicator + p->n_indicators;
	r->reading = r->dimension + p->n_dimensions;
	r->step = r->reading + p->n_readings;
	r->outcome = r->step + n_steps;
	for (unsigned i = 0, k = 0; i < p->n_readings; k += p->readings[i].n_steps, i++)
		r->step_first[i] = k;
	return SP_OK;
}

void sp_result_free(struct sp_result *r)
{
	free(r->asked);
	free(r->reading_step);
	free(r->step_first);
	free(r->needs);
	free(r->red_flags);
	free(r->placement);
	free(r->referrals);
	free(r->tasks);
	memset(r, 0, sizeof *r);
}

void sp_person_group(const struct sp_protocol *p, const struct sp_answers *ans,
		     const struct sp_facts *facts, enum sp_person_group *group,
		     bool *presumed_child)
{
	*presumed_child = false;
	/* an age-assessment decision settles it, whatever was believed before */
	if (facts->age_decision != SP_AGE_DECISION_NONE) {
		*group = facts->age_decision == SP_AGE_DECISION_CHILD ? SP_PERSON_CHILD
								       : SP_PERSON_ADULT;
		return;
	}
	bool uncertain = !facts->has_age || facts->age_unknown == SP_TRI_YES ||
			 facts->age_disputed == SP_TRI_YES;
	if (!uncertain) {
		*group = facts->age < 18 ? SP_PERSON_CHILD : SP_PERSON_ADULT;
		return;
	}
	struct sp_eval ev = {.p = p, .ans = ans, .facts = facts, .child = SP_TRI_UNKNOWN,
			     .presumed = SP_TRI_UNKNOWN};
	enum sp_tri t = p->child_presumption ? sp_expr_truth(p->child_presumption, &ev)
					     : SP_TRI_UNKNOWN;
	*group = t == SP_TRI_YES ? SP_PERSON_CHILD : t == SP_TRI_NO ? SP_PERSON_ADULT
								    : SP_PERSON_UNKNOWN;
	*presumed_child = t == SP_TRI_YES;
}

static bool has(const unsigned *list, unsigned n, unsigned v)
{
	for (unsigned i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

static void add_unique(unsigned *list, unsigned *n, const unsigned *add, unsigned n_add)
{
	for (unsigned i = 0; i < n_add; i++)
		if (!has(list, *n, add[i]))
			list[(*n)++] = add[i];
}

/* What an outcome that holds adds: unions, the highest priority and level, placements in the
 * outcomes' order (each lists its own least restrictive first). */
static void merge(struct sp_result *r, const struct sp_outcome *o)
{
	add_unique(r->needs, &r->n_needs, o->needs, o->n_needs);
	add_unique(r->red_flags, &r->n_red_flags, o->red_flags, o->n_red_flags);
	add_unique(r->placement, &r->n_placement, o->placement, o->n_placement);
	for (unsigned i = 0; i < o->n_referrals; i++) {
		unsigned k = 0;
		while (k < r->n_referrals && (r->referrals[k].need != o->referrals[i].need ||
					      r->referrals[k].service != o->referrals[i].service))
			k++;
		if (k == r->n_referrals)
			r->referrals[r->n_referrals++] = o->referrals[i];
	}
	for (unsigned i = 0; i < o->n_tasks; i++) {
		const struct sp_task_advice *t = &o->tasks[i];
		unsigned k = 0;
		while (k < r->n_tasks && r->tasks[k].task != t->task)
			k++;
		if (k == r->n_tasks) {
			r->tasks[r->n_tasks++] = (struct sp_result_task){t->task, t->priority,
									 t->due_hours};
			continue;
		}
		/* the same task from two outcomes: the more pressing of the two */
		struct sp_result_task *m = &r->tasks[k];
		if (t->priority > m->priority)
			m->priority = t->priority;
		if (t->due_hours >= 0 && (m->due_hours < 0 || t->due_hours < m->due_hours))
			m->due_hours = t->due_hours;
	}
	if (o->priority > r->priority)
		r->priority = o->priority;
	if (o->intervention_level > r->intervention_level)
		r->intervention_level = o->intervention_level;
}

static void dimensions(const struct sp_protocol *p, struct sp_eval *ev, struct sp_result *r)
{
	for (unsigned d = 0; d < p->n_dimensions; d++) {
		memset(ev->count_lo, 0, sizeof ev->count_lo);
		memset(ev->count_hi, 0, sizeof ev->count_hi);
		for (unsigned i = 0; i < p->n_indicators; i++) {
			const struct sp_indicator *ind = &p->indicators[i];
			for (unsigned k = 0; k < ind->n_in; k++) {
				if (ind->in[k].dimension != d || r->indicator[i] == SP_TRI_NO)
					continue;
				/* found counts for sure; unknown might */
				ev->count_hi[ind->in[k].strength]++;
				if (r->indicator[i] == SP_TRI_YES)
					ev->count_lo[ind->in[k].strength]++;
			}
		}
		r->dimension[d] = (unsigned char)(p->dimension_rule
							  ? sp_expr_truth(p->dimension_rule, ev)
							  : SP_TRI_NO);
	}
}

static void readings(const struct sp_protocol *p, const struct sp_eval *ev, struct sp_result *r)
{
	for (unsigned i = 0; i < p->n_readings; i++) {
		const struct sp_reading *rd = &p->readings[i];
		r->reading_step[i] = -1;
		if (!rd->n_steps) {
			r->reading[i] = (unsigned char)sp_expr_truth(rd->when, ev);
			continue;
		}
		/* step(R, S): S holds and no earlier step does; the reading holds when a step does */
		enum sp_tri before = SP_TRI_NO;
		unsigned char *st = r->step + r->step_first[i];
		for (unsigned s = 0; s < rd->n_steps; s++) {
			enum sp_tri w = sp_expr_truth(rd->steps[s].when, ev);
			enum sp_tri not_before = before == SP_TRI_UNKNOWN ? SP_TRI_UNKNOWN
						 : before == SP_TRI_YES	   ? SP_TRI_NO
									   : SP_TRI_YES;
			enum sp_tri here = w == SP_TRI_NO || not_before == SP_TRI_NO ? SP_TRI_NO
					   : w == SP_TRI_YES && not_before == SP_TRI_YES
						   ? SP_TRI_YES
						   : SP_TRI_UNKNOWN;
			st[s] = (unsigned char)here;
			if (here == SP_TRI_YES)
				r->reading_step[i] = (int)s;
			before = before == SP_TRI_YES || w == SP_TRI_YES ? SP_TRI_YES
				 : before == SP_TRI_NO && w == SP_TRI_NO ? SP_TRI_NO
									 : SP_TRI_UNKNOWN;
		}
		r->reading[i] = (unsigned char)before;
	}
}

void sp_evaluate(const struct sp_protocol *p, const struct sp_answers *ans,
		 const struct sp_facts *facts, struct sp_result *r)
{
	r->p = p;
	r->answers = ans;
	r->n_needs = r->n_red_flags = r->n_placement = r->n_referrals = r->n_tasks = 0;
	r->priority = r->intervention_level = -1;
	sp_person_group(p, ans, facts, &r->group, &r->presumed_child);
	r->child = r->group == SP_PERSON_CHILD ? SP_TRI_YES
		   : r->group == SP_PERSON_ADULT ? SP_TRI_NO
						 : SP_TRI_UNKNOWN;
	struct sp_eval ev = {.p = p, .ans = ans, .facts = facts, .r = r, .child = r->child,
			     .presumed = r->presumed_child		? SP_TRI_YES
					 : r->group == SP_PERSON_UNKNOWN ? SP_TRI_UNKNOWN
									 : SP_TRI_NO};
	/* a question is skipped only when its condition surely does not hold */
	for (unsigned i = 0; i < p->n_questions; i++)
		r->asked[i] = 1;
	for (unsigned i = 0; i < p->n_questions; i++)
		if (p->questions[i].show_if)
			r->asked[i] = sp_expr_truth(p->questions[i].show_if, &ev) != SP_TRI_NO;
	for (unsigned i = 0; i < p->n_indicators; i++)
		r->indicator[i] = (unsigned char)sp_expr_truth(p->indicators[i].when, &ev);
	dimensions(p, &ev, r);
	readings(p, &ev, r);
	for (unsigned i = 0; i < p->n_outcomes; i++) {
		r->outcome[i] = (unsigned char)sp_expr_truth(p->outcomes[i].when, &ev);
		if (r->outcome[i] == SP_TRI_YES)
			merge(r, &p->outcomes[i]);
	}
}
