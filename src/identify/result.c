/* The engine's result as JSON (docs/protocols.md "The result") and the explanation a person
 * can follow, in the language asked for, built from the protocol's and the vocabulary's texts.
 * The engine never says "victim": a rule that fires has identified nobody, the official
 * decides. Not on the evaluation's hot path: this may allocate. */
#include <stdlib.h>
#include <string.h>

#include "safepath/jsonw.h"
#include "identify/protocol.h"

#define SENTENCE_MAX 4096

struct words {
	const char *lang;
	const char *child, *presumed, *age_open, *adult_decided;
	const char *because, *dim_prefix, *dim_suffix, *found_list, *could_apply, *which_step, *gaps_one, *gaps_many;
	const char *provisional, *strength[3], *list_sep, *colon;
};

static const struct words words[] = {
	{"en",
	 "The person is a child (under 18): the child protocols and protections apply.",
	 "The person is presumed a child: the age is unknown or disputed and there is reason to "
	 "believe they are under 18, so they are treated as a child until an age-assessment "
	 "decision says otherwise.",
	 "Whether the person is a child is not known yet: the age is unknown or disputed and the "
	 "answers do not settle the presumption; treat them as a child while in doubt.",
	 NULL,
	 " because ", "", " holds", "indicators found: ",
	 "could apply once these questions are answered: ",
	 ": a step holds; which one depends on these questions: ",
	 "1 question was answered \"unknown\" or not at all: it is a gap, not a \"no\".",
	 " questions were answered \"unknown\" or not at all: they are gaps, not \"no\".",
	 "This protocol is provisional (incomplete or from secondary sources): use its result "
	 "with care.",
	 {"strong", "medium", "weak"}, "; ", ": "},
	{"fr",
	 "La personne est un enfant (moins de 18 ans) : les protocoles et protections de l'enfance "
	 "s'appliquent.",
	 "La personne est présumée mineure : son âge est inconnu ou contesté et il y a des raisons "
	 "de croire qu'elle a moins de 18 ans ; elle est traitée comme un enfant jusqu'à une "
	 "décision d'évaluation de l'âge.",
	 "On ne sait pas encore si la personne est un enfant : son âge est inconnu ou contesté et "
	 "les réponses ne tranchent pas la présomption ; dans le doute, la traiter comme un "
	 "enfant.",
	 NULL,
	 " parce que ", "la dimension ", " est présente", "indicateurs relevés : ",
	 "pourrait s'appliquer une fois ces questions répondues : ",
	 " : une étape est atteinte ; laquelle dépend de ces questions : ",
	 "1 question a reçu la réponse « inconnu » ou aucune réponse : c'est une lacune, pas un "
	 "« non ».",
	 " questions ont reçu la réponse « inconnu » ou aucune réponse : ce sont des lacunes, "
	 "pas des « non ».",
	 "Ce protocole est provisoire (incomplet ou tiré de sources secondaires) : utiliser son "
	 "résultat avec prudence.",
	 {"fort", "moyen", "faible"}, " ; ", " : "},
};

static const struct words *words_for(const char *lang)
{
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (lang && strcmp(words[i].lang, lang) == 0)
			return &words[i];
	return &words[0];
}

static bool is_gap(const struct sp_result *r, unsigned q)
{
	const struct sp_protocol *p = r->p;
	if (!r->asked[q] || p->questions[q].type == SP_Q_TEXT)
		return false;
	return !r->answers || r->answers->a[q].state != SP_ANS_GIVEN;
}

/* ---- the questions behind an unknown: the gaps an expression reaches ---- */

struct reach {
	const struct sp_result *r;
	unsigned char *question, *indicator, *reading, *dimension; /* visited / marked */
	bool child;
};

static void reach_expr(struct reach *x, const struct sp_expr *e);

static void reach_indicator(struct reach *x, unsigned i)
{
	if (x->indicator[i])
		return;
	x->indicator[i] = 1;
	reach_expr(x, x->r->p->indicators[i].when);
}

static void reach_dimension(struct reach *x, unsigned d)
{
	const struct sp_protocol *p = x->r->p;
	if (x->dimension[d])
		return;
	x->dimension[d] = 1;
	for (unsigned i = 0; i < p->n_indicators; i++)
		for (unsigned k = 0; k < p->indicators[i].n_in; k++)
			if (p->indicators[i].in[k].dimension == d &&
			    x->r->indicator[i] == SP_TRI_UNKNOWN)
				reach_indicator(x, i);
}

static void reach_expr(struct reach *x, const struct sp_expr *e)
{
	if (!e)
		return;
	const struct sp_protocol *p = x->r->p;
	switch ((enum sp_op)e->op) {
	case SP_OP_YES:
	case SP_OP_NO:
	case SP_OP_IS:
	case SP_OP_NUM:
	case SP_OP_ANSWERED:
		if (is_gap(x->r, e->a))
			x->question[e->a] = 1;
		return;
	/* only what is itself unknown leads to gaps: a settled part has none behind it */
	case SP_OP_FOUND:
		if (x->r->indicator[e->a] == SP_TRI_UNKNOWN)
			reach_indicator(x, e->a);
		return;
	case SP_OP_DIM:
		if (x->r->dimension[e->a] == SP_TRI_UNKNOWN)
			reach_dimension(x, e->a);
		return;
	case SP_OP_READING:
	case SP_OP_STEP:
		if (x->reading[e->a] || x->r->reading[e->a] == SP_TRI_NO ||
		    (x->r->reading[e->a] == SP_TRI_YES && x->r->reading_step[e->a] >= 0))
			return;
		x->reading[e->a] = 1;
		reach_expr(x, p->readings[e->a].when);
		for (unsigned s = 0; s < p->readings[e->a].n_steps; s++)
			reach_expr(x, p->readings[e->a].steps[s].when);
		return;
	case SP_OP_CHILD:
	case SP_OP_PRESUMED:
		if (!x->child) {
			x->child = true;
			reach_expr(x, p->child_presumption);
		}
		return;
	default:
		reach_expr(x, e->l);
		reach_expr(x, e->r);
		return;
	}
}

static int reach_init(struct reach *x, const struct sp_result *r)
{
	const struct sp_protocol *p = r->p;
	memset(x, 0, sizeof *x);
	x->r = r;
	size_t n = p->n_questions + p->n_indicators + p->n_readings + p->n_dimensions + 1;
	x->question = calloc(n, 1);
	if (!x->question)
		return SP_ENOMEM;
	x->indicator = x->question + p->n_questions;
	x->reading = x->indicator + p->n_indicators;
	x->dimension = x->reading + p->n_readings;
	return SP_OK;
}

static void reach_reset(struct reach *x)
{
	const struct sp_protocol *p = x->r->p;
	memset(x->question, 0,
	       p->n_questions + p->n_indicators + p->n_readings + p->n_dimensions);
	x->child = false;
}

/* "pending": the questions (in the protocol's order) behind an unknown. */
static void write_pending(struct sp_jsonw *w, struct reach *x)
{
	sp_jsonw_key(w, "pending");
	sp_jsonw_array(w);
	for (unsigned q = 0; q < x->r->p->n_questions; q++)
		if (x->question[q])
			sp_jsonw_string(w, x->r->p->questions[q].id);
	sp_jsonw_array_end(w);
}

/* ---- sentences ---- */

/* Append s, with its first letter (ASCII) upper- or lower-cased. */
static int add_cased(struct sp_buf *b, const char *s, bool upper)
{
	if (!*s)
		return SP_OK;
	char c = s[0];
	if (upper && c >= 'a' && c <= 'z')
		c = (char)(c - 'a' + 'A');
	else if (!upper && c >= 'A' && c <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z'))
		c = (char)(c - 'A' + 'a');
	int rc = sp_buf_addc(b, c);
	return rc ? rc : sp_buf_adds(b, s + 1);
}

static int end_sentence(struct sp_buf *b)
{
	if (b->len && (b->data[b->len - 1] == '.' || b->data[b->len - 1] == '!'))
		return SP_OK;
	return sp_buf_addc(b, '.');
}

/* The dimensions (held) and indicators (found) an expression names, in its order. */
static void collect_refs(const struct sp_expr *e, unsigned char *dims, unsigned char *inds)
{
	if (!e)
		return;
	if (e->op == SP_OP_DIM)
		dims[e->a] = 1;
	else if (e->op == SP_OP_FOUND)
		inds[e->a] = 1;
	collect_refs(e->l, dims, inds);
	collect_refs(e->r, dims, inds);
}

static int because_clause(struct sp_buf *b, const struct sp_result *r, const struct sp_expr *e,
			  const struct words *wd, const char *lang)
{
	const struct sp_protocol *p = r->p;
	unsigned char *dims = calloc(p->n_dimensions + p->n_indicators + 1, 1);
	if (!dims)
		return SP_ENOMEM;
	unsigned char *inds = dims + p->n_dimensions;
	collect_refs(e, dims, inds);
	int rc = SP_OK;
	bool first = true;
	for (unsigned d = 0; !rc && d < p->n_dimensions; d++) {
		if (!dims[d] || r->dimension[d] != SP_TRI_YES)
			continue;
		rc = sp_buf_adds(b, first ? wd->because : ", ");
		first = false;
		if (!rc)
			rc = sp_buf_addf(b, "%s%s (%s)%s", wd->dim_prefix, p->dimensions[d].id,
					 sp_text_get(p, &p->dimensions[d].title, lang), wd->dim_suffix);
		if (!rc)
			rc = sp_buf_adds(b, " (");
		bool f2 = true;
		for (unsigned i = 0; !rc && i < p->n_indicators; i++) {
			if (r->indicator[i] != SP_TRI_YES)
				continue;
			for (unsigned k = 0; !rc && k < p->indicators[i].n_in; k++)
				if (p->indicators[i].in[k].dimension == d) {
					rc = sp_buf_addf(b, "%s%s%s%s", f2 ? "" : wd->list_sep,
							 sp_text_get(p, &p->indicators[i].title, lang),
							 wd->colon,
							 wd->strength[p->indicators[i].in[k].strength]);
					f2 = false;
				}
		}
		if (!rc)
			rc = sp_buf_addc(b, ')');
	}
	bool f3 = true;
	for (unsigned i = 0; !rc && i < p->n_indicators; i++) {
		if (!inds[i] || r->indicator[i] != SP_TRI_YES)
			continue;
		if (f3)
			rc = sp_buf_addf(b, "%s%s", first ? wd->because : ", ", wd->found_list);
		else
			rc = sp_buf_adds(b, wd->list_sep);
		f3 = first = false;
		if (!rc)
			rc = sp_buf_adds(b, sp_text_get(p, &p->indicators[i].title, lang));
	}
	free(dims);
	return rc;
}

static void sentence(struct sp_jsonw *w, struct sp_buf *s)
{
	if (s->len)
		sp_jsonw_string(w, s->data);
	sp_buf_reset(s);
}

static int pending_list(struct sp_buf *s, const struct reach *x)
{
	int rc = SP_OK;
	bool first = true;
	for (unsigned q = 0; !rc && q < x->r->p->n_questions; q++)
		if (x->question[q]) {
			rc = sp_buf_addf(s, "%s%s", first ? "" : ", ", x->r->p->questions[q].id);
			first = false;
		}
	return rc;
}

static int explain(struct sp_jsonw *w, const struct sp_result *r, const char *lang,
		   struct reach *x)
{
	const struct sp_protocol *p = r->p;
	const struct sp_vocab *v = p->vocab;
	const struct words *wd = words_for(lang);
	struct sp_buf s;
	sp_buf_init(&s, SENTENCE_MAX);
	int rc = SP_OK;
	sp_jsonw_key(w, "explanation");
	sp_jsonw_array(w);
	if (r->presumed_child)
		rc = sp_buf_adds(&s, wd->presumed);
	else if (r->group == SP_PERSON_CHILD)
		rc = sp_buf_adds(&s, wd->child);
	else if (r->group == SP_PERSON_UNKNOWN)
		rc = sp_buf_adds(&s, wd->age_open);
	sentence(w, &s);
	if (!rc && p->status == SP_PROTO_PROVISIONAL)
		rc = sp_buf_adds(&s, wd->provisional);
	sentence(w, &s);
	for (unsigned i = 0; !rc && i < p->n_readings; i++) {
		const struct sp_reading *rd = &p->readings[i];
		if (r->reading[i] == SP_TRI_YES && (!rd->n_steps || r->reading_step[i] >= 0)) {
			const struct sp_text *finding = rd->n_steps
				? &rd->steps[r->reading_step[i]].finding : &rd->finding;
			const struct sp_expr *e = rd->n_steps ? rd->steps[r->reading_step[i]].when
							      : rd->when;
			rc = add_cased(&s, sp_text_get(p, finding, lang), true);
			if (!rc)
				rc = because_clause(&s, r, e, wd, lang);
			if (!rc)
				rc = end_sentence(&s);
		} else if (r->reading[i] != SP_TRI_NO) {
			reach_reset(x);
			reach_expr(x, rd->when);
			for (unsigned k = 0; k < rd->n_steps; k++)
				reach_expr(x, rd->steps[k].when);
			rc = add_cased(&s, sp_text_get(p, &rd->title, lang), true);
			if (!rc)
				rc = sp_buf_addf(&s, "%s%s",
						 r->reading[i] == SP_TRI_YES ? wd->which_step : wd->colon,
						 r->reading[i] == SP_TRI_YES ? "" : wd->could_apply);
			if (!rc)
				rc = pending_list(&s, x);
			if (!rc)
				rc = end_sentence(&s);
		}
		sentence(w, &s);
	}
	for (unsigned i = 0; !rc && i < p->n_outcomes; i++) {
		const struct sp_outcome *o = &p->outcomes[i];
		if (r->outcome[i] == SP_TRI_NO)
			continue;
		rc = add_cased(&s, sp_text_get(p, &o->because, lang), true);
		if (!rc && r->outcome[i] == SP_TRI_YES) {
			/* what to do: its tasks, or else the needs it names */
			bool tasks = o->n_tasks > 0;
			unsigned n = tasks ? o->n_tasks : o->n_needs;
			for (unsigned k = 0; !rc && k < n; k++) {
				rc = sp_buf_adds(&s, k ? wd->list_sep : wd->colon);
				if (!rc)
					rc = add_cased(&s, tasks ? sp_vocab_title(v, SP_VOCAB_TASKS,
										  o->tasks[k].task, lang)
								 : sp_vocab_title(v, SP_VOCAB_NEEDS,
										  o->needs[k], lang),
						       false);
			}
		} else if (!rc) {
			reach_reset(x);
			reach_expr(x, o->when);
			rc = sp_buf_addf(&s, "%s%s", wd->colon,
					 wd->could_apply);
			if (!rc)
				rc = pending_list(&s, x);
		}
		if (!rc)
			rc = end_sentence(&s);
		sentence(w, &s);
	}
	unsigned gaps = 0;
	for (unsigned q = 0; q < p->n_questions; q++)
		gaps += is_gap(r, q);
	if (!rc && gaps)
		rc = gaps == 1 ? sp_buf_adds(&s, wd->gaps_one) : sp_buf_addf(&s, "%u%s", gaps, wd->gaps_many);
	sentence(w, &s);
	sp_jsonw_array_end(w);
	sp_buf_free(&s);
	return rc;
}

/* ---- the document ---- */

static void code_list(struct sp_jsonw *w, const char *key, const struct sp_vocab *v,
		      enum sp_vocab_kind k, const unsigned *list, unsigned n)
{
	sp_jsonw_key(w, key);
	sp_jsonw_array(w);
	for (unsigned i = 0; i < n; i++)
		sp_jsonw_string(w, sp_vocab_id(v, k, list[i]));
	sp_jsonw_array_end(w);
}

static void code_or_null(struct sp_jsonw *w, const char *key, const struct sp_vocab *v,
			 enum sp_vocab_kind k, int i)
{
	sp_jsonw_key(w, key);
	sp_jsonw_string(w, i >= 0 ? sp_vocab_id(v, k, (size_t)i) : NULL);
}

static void write_dimensions(struct sp_jsonw *w, const struct sp_result *r, struct reach *x)
{
	const struct sp_protocol *p = r->p;
	sp_jsonw_key(w, "dimensions");
	sp_jsonw_array(w);
	for (unsigned d = 0; d < p->n_dimensions; d++) {
		sp_jsonw_object(w);
		sp_jsonw_key(w, "id");
		sp_jsonw_string(w, p->dimensions[d].id);
		sp_jsonw_key(w, "holds");
		sp_jsonw_string(w, sp_tri_name((enum sp_tri)r->dimension[d]));
		for (int pass = 0; pass < 2; pass++) {
			enum sp_tri want = pass ? SP_TRI_UNKNOWN : SP_TRI_YES;
			sp_jsonw_key(w, pass ? "gaps" : "found");
			sp_jsonw_array(w);
			for (unsigned i = 0; i < p->n_indicators; i++)
				for (unsigned k = 0; k < p->indicators[i].n_in; k++)
					if (p->indicators[i].in[k].dimension == d &&
					    r->indicator[i] == want) {
						sp_jsonw_object(w);
						sp_jsonw_key(w, "indicator");
						sp_jsonw_string(w, p->indicators[i].id);
						sp_jsonw_key(w, "strength");
						sp_jsonw_string(w, sp_strength_name(
									  p->indicators[i].in[k].strength));
						sp_jsonw_object_end(w);
					}
			sp_jsonw_array_end(w);
		}
		if (r->dimension[d] == SP_TRI_UNKNOWN) {
			reach_reset(x);
			reach_dimension(x, d);
			write_pending(w, x);
		}
		sp_jsonw_object_end(w);
	}
	sp_jsonw_array_end(w);
}

static void write_readings(struct sp_jsonw *w, const struct sp_result *r, struct reach *x)
{
	const struct sp_protocol *p = r->p;
	sp_jsonw_key(w, "readings");
	sp_jsonw_array(w);
	for (unsigned i = 0; i < p->n_readings; i++) {
		const struct sp_reading *rd = &p->readings[i];
		sp_jsonw_object(w);
		sp_jsonw_key(w, "id");
		sp_jsonw_string(w, rd->id);
		sp_jsonw_key(w, "holds");
		sp_jsonw_string(w, sp_tri_name((enum sp_tri)r->reading[i]));
		sp_jsonw_key(w, "step");
		sp_jsonw_string(w, r->reading_step[i] >= 0 ? rd->steps[r->reading_step[i]].id : NULL);
		if (rd->n_steps) {
			sp_jsonw_key(w, "steps");
			sp_jsonw_array(w);
			for (unsigned s = 0; s < rd->n_steps; s++) {
				sp_jsonw_object(w);
				sp_jsonw_key(w, "id");
				sp_jsonw_string(w, rd->steps[s].id);
				sp_jsonw_key(w, "holds");
				sp_jsonw_string(w, sp_tri_name((enum sp_tri)r->step[r->step_first[i] + s]));
				sp_jsonw_object_end(w);
			}
			sp_jsonw_array_end(w);
		}
		if (r->reading[i] == SP_TRI_UNKNOWN ||
		    (rd->n_steps && r->reading_step[i] < 0 && r->reading[i] == SP_TRI_YES)) {
			reach_reset(x);
			reach_expr(x, rd->when);
			for (unsigned k = 0; k < rd->n_steps; k++)
				reach_expr(x, rd->steps[k].when);
			write_pending(w, x);
		}
		sp_jsonw_object_end(w);
	}
	sp_jsonw_array_end(w);
}

static void write_outcomes(struct sp_jsonw *w, const struct sp_result *r, struct reach *x)
{
	const struct sp_protocol *p = r->p;
	sp_jsonw_key(w, "outcomes");
	sp_jsonw_array(w);
	for (unsigned i = 0; i < p->n_outcomes; i++) {
		if (r->outcome[i] == SP_TRI_NO)
			continue;
		sp_jsonw_object(w);
		sp_jsonw_key(w, "id");
		sp_jsonw_string(w, p->outcomes[i].id);
		sp_jsonw_key(w, "holds");
		sp_jsonw_string(w, sp_tri_name((enum sp_tri)r->outcome[i]));
		if (r->outcome[i] == SP_TRI_UNKNOWN) {
			reach_reset(x);
			reach_expr(x, p->outcomes[i].when);
			write_pending(w, x);
		}
		sp_jsonw_object_end(w);
	}
	sp_jsonw_array_end(w);
}

int sp_result_json(const struct sp_result *r, const char *lang, struct sp_buf *out)
{
	const struct sp_protocol *p = r->p;
	const struct sp_vocab *v = p->vocab;
	struct reach x;
	if (reach_init(&x, r))
		return SP_ENOMEM;
	struct sp_jsonw w;
	sp_jsonw_init(&w, out);
	sp_jsonw_object(&w);
	sp_jsonw_key(&w, "protocol");
	sp_jsonw_object(&w);
	sp_jsonw_key(&w, "id");
	sp_jsonw_string(&w, p->id);
	sp_jsonw_key(&w, "version");
	sp_jsonw_int(&w, p->version);
	sp_jsonw_key(&w, "hash");
	sp_jsonw_string(&w, p->hash);
	sp_jsonw_key(&w, "status");
	sp_jsonw_string(&w, sp_proto_status_name(p->status));
	sp_jsonw_object_end(&w);
	sp_jsonw_key(&w, "person");
	sp_jsonw_object(&w);
	sp_jsonw_key(&w, "age_group");
	sp_jsonw_string(&w, r->group == SP_PERSON_CHILD	  ? "child"
			    : r->group == SP_PERSON_ADULT ? "adult"
							  : "unknown");
	sp_jsonw_key(&w, "presumed_child");
	sp_jsonw_bool(&w, r->presumed_child);
	sp_jsonw_object_end(&w);
	for (int pass = 0; pass < 2; pass++) {
		sp_jsonw_key(&w, pass ? "gaps" : "skipped");
		sp_jsonw_array(&w);
		for (unsigned q = 0; q < p->n_questions; q++)
			if (pass ? is_gap(r, q) : !r->asked[q])
				sp_jsonw_string(&w, p->questions[q].id);
		sp_jsonw_array_end(&w);
	}
	write_dimensions(&w, r, &x);
	sp_jsonw_key(&w, "indicators");
	sp_jsonw_array(&w);
	for (unsigned i = 0; i < p->n_indicators; i++) {
		if (r->indicator[i] == SP_TRI_NO)
			continue;
		sp_jsonw_object(&w);
		sp_jsonw_key(&w, "id");
		sp_jsonw_string(&w, p->indicators[i].id);
		sp_jsonw_key(&w, "state");
		sp_jsonw_string(&w, r->indicator[i] == SP_TRI_YES ? "found" : "gap");
		sp_jsonw_object_end(&w);
	}
	sp_jsonw_array_end(&w);
	write_readings(&w, r, &x);
	write_outcomes(&w, r, &x);
	code_list(&w, "needs", v, SP_VOCAB_NEEDS, r->needs, r->n_needs);
	code_list(&w, "red_flags", v, SP_VOCAB_RED_FLAGS, r->red_flags, r->n_red_flags);
	sp_jsonw_key(&w, "referrals");
	sp_jsonw_array(&w);
	for (unsigned i = 0; i < r->n_referrals; i++) {
		sp_jsonw_object(&w);
		sp_jsonw_key(&w, "need");
		sp_jsonw_string(&w, sp_vocab_id(v, SP_VOCAB_NEEDS, r->referrals[i].need));
		sp_jsonw_key(&w, "service");
		sp_jsonw_string(&w, sp_vocab_id(v, SP_VOCAB_SERVICES, r->referrals[i].service));
		sp_jsonw_object_end(&w);
	}
	sp_jsonw_array_end(&w);
	sp_jsonw_key(&w, "tasks");
	sp_jsonw_array(&w);
	for (unsigned i = 0; i < r->n_tasks; i++) {
		sp_jsonw_object(&w);
		sp_jsonw_key(&w, "task");
		sp_jsonw_string(&w, sp_vocab_id(v, SP_VOCAB_TASKS, r->tasks[i].task));
		code_or_null(&w, "priority", v, SP_VOCAB_PRIORITIES, r->tasks[i].priority);
		sp_jsonw_key(&w, "due_hours");
		if (r->tasks[i].due_hours >= 0)
			sp_jsonw_int(&w, r->tasks[i].due_hours);
		else
			sp_jsonw_null(&w);
		sp_jsonw_object_end(&w);
	}
	sp_jsonw_array_end(&w);
	code_or_null(&w, "priority", v, SP_VOCAB_PRIORITIES, r->priority);
	code_or_null(&w, "intervention_level", v, SP_VOCAB_INTERVENTION_LEVELS,
		     r->intervention_level);
	code_list(&w, "placement", v, SP_VOCAB_PLACEMENTS, r->placement, r->n_placement);
	sp_jsonw_key(&w, "warnings");
	sp_jsonw_array(&w);
	if (p->status == SP_PROTO_PROVISIONAL)
		sp_jsonw_string(&w, "provisional");
	sp_jsonw_array_end(&w);
	int rc = explain(&w, r, lang, &x);
	sp_jsonw_object_end(&w);
	free(x.question);
	if (rc)
		return rc;
	return sp_jsonw_status(&w);
}
