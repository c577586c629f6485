/* Decoding a screening's answers ({question_id: value}) and the person's facts from JSON,
 * against the protocol: types, options, number bounds, partial dates, text sizes. Errors name
 * the JSON pointer and the reason, never the value (answers are personal data). */
#include <stdlib.h>
#include <string.h>

#include "safepath/date.h"
#include "identify/protocol.h"

#define TEXT_ANSWER_MAX 8000

int sp_answers_init(struct sp_answers *ans, const struct sp_protocol *p)
{
	ans->n = p->n_questions;
	ans->a = calloc(ans->n + 1, sizeof *ans->a);
	return ans->a ? SP_OK : SP_ENOMEM;
}

void sp_answers_free(struct sp_answers *ans)
{
	free(ans->a);
	ans->a = NULL;
	ans->n = 0;
}

static int option(const struct sp_question *q, json_t *v)
{
	for (unsigned i = 0; json_is_string(v) && i < q->n_options; i++)
		if (strcmp(q->options[i].id, json_string_value(v)) == 0)
			return (int)i;
	return -1;
}

/* One answer; an error at w's pointer. */
static void decode_one(struct sp_walk *w, const struct sp_question *q, json_t *v,
		       struct sp_answer *a)
{
	a->state = SP_ANS_MISSING;
	if (json_is_string(v) && strcmp(json_string_value(v), "unknown") == 0 &&
	    q->type != SP_Q_TEXT) {
		a->state = SP_ANS_UNKNOWN;
		return;
	}
	switch (q->type) {
	case SP_Q_YES_NO:
		if (json_is_string(v) && (strcmp(json_string_value(v), "yes") == 0 ||
					  strcmp(json_string_value(v), "no") == 0)) {
			a->v.yes = json_string_value(v)[0] == 'y';
			a->state = SP_ANS_GIVEN;
			return;
		}
		sp_walk_error(w, "must be \"yes\", \"no\" or \"unknown\"");
		return;
	case SP_Q_CHOICE: {
		int o = option(q, v);
		if (o >= 0) {
			a->v.choice = (unsigned)o;
			a->state = SP_ANS_GIVEN;
			return;
		}
		sp_walk_error(w, "must be one of the question's options or \"unknown\"");
		return;
	}
	case SP_Q_MULTI: {
		if (!json_is_array(v)) {
			sp_walk_error(w, "must be a list of the question's options or \"unknown\"");
			return;
		}
		uint64_t bits = 0;
		size_t i;
		json_t *m;
		bool ok = true;
		json_array_foreach(v, i, m) {
			int o = option(q, m);
			size_t saved = sp_walk_enter_index(w, i);
			if (o < 0)
				sp_walk_error(w, "is not one of the question's options");
			else if (bits & (1ULL << o))
				sp_walk_error(w, "is listed twice");
			else
				bits |= 1ULL << o;
			ok &= o >= 0;
			sp_walk_leave(w, saved);
		}
		if (ok) {
			a->v.multi = bits;
			a->state = SP_ANS_GIVEN;
		}
		return;
	}
	case SP_Q_NUMBER:
		if (!json_is_integer(v)) {
			sp_walk_error(w, "must be an integer or \"unknown\"");
			return;
		}
		if ((q->has_min && json_integer_value(v) < q->min) ||
		    (q->has_max && json_integer_value(v) > q->max)) {
			sp_walk_error(w, "must be from %lld to %lld",
				      (long long)(q->has_min ? q->min : INT64_MIN),
				      (long long)(q->has_max ? q->max : INT64_MAX));
			return;
		}
		a->v.number = (int64_t)json_integer_value(v);
		a->state = SP_ANS_GIVEN;
		return;
	case SP_Q_PARTIAL_DATE: {
		struct sp_date d;
		struct sp_err err = {0};
		const char *s = json_is_string(v) ? json_string_value(v) : "";
		size_t n = strlen(s);
		if (!json_is_string(v) || (n != 4 && n != 7 && n != 10) ||
		    sp_date_parse_iso(s, &d, &err) != SP_OK) {
			sp_walk_error(w, "must be a date YYYY, YYYY-MM or YYYY-MM-DD, or \"unknown\"");
			return;
		}
		memcpy(a->v.date, s, n + 1);
		a->state = SP_ANS_GIVEN;
		return;
	}
	case SP_Q_TEXT:
		if (!json_is_string(v) || json_string_length(v) > TEXT_ANSWER_MAX ||
		    strlen(json_string_value(v)) != json_string_length(v)) {
			sp_walk_error(w, "must be a text of at most %d bytes", TEXT_ANSWER_MAX);
			return;
		}
		a->v.text = json_string_value(v);
		a->state = json_string_length(v) ? SP_ANS_GIVEN : SP_ANS_MISSING;
		return;
	}
}

int sp_answers_decode(const struct sp_protocol *p, void *json, struct sp_answers *ans,
		      struct sp_diag *diag)
{
	json_t *obj = json;
	struct sp_walk w = {.diag = diag};
	size_t before = diag->n + diag->dropped;
	memset(ans->a, 0, ans->n * sizeof *ans->a);
	if (!json_is_object(obj)) {
		sp_walk_error(&w, "must be an object from question id to answer");
		return SP_EINVAL;
	}
	const char *key;
	json_t *v;
	json_object_foreach(obj, key, v) {
		size_t saved = sp_walk_enter(&w, key);
		int q = sp_protocol_question(p, key);
		if (q < 0 || (unsigned)q >= ans->n)
			sp_walk_error(&w, "is not a question of %s@%d", p->id, p->version);
		else
			decode_one(&w, &p->questions[q], v, &ans->a[q]);
		sp_walk_leave(&w, saved);
	}
	return diag->n + diag->dropped == before ? SP_OK : SP_EINVAL;
}

void sp_facts_init(struct sp_facts *f)
{
	memset(f, 0, sizeof *f);
	f->age_unknown = f->age_disputed = f->unaccompanied = f->separated =
		f->reason_to_believe_minor = SP_TRI_UNKNOWN;
}

int sp_facts_decode(void *json, struct sp_facts *f, struct sp_diag *diag)
{
	json_t *obj = json;
	struct sp_walk w = {.diag = diag};
	size_t before = diag->n + diag->dropped;
	sp_facts_init(f);
	static const char *const allowed[] = {"age", "age_unknown", "age_disputed",
					      "unaccompanied", "separated",
					      "reason_to_believe_minor", "sex", "age_assessment",
					      NULL};
	if (!sp_walk_object(&w, obj, allowed))
		return SP_EINVAL;
	json_t *age = json_object_get(obj, "age");
	if (age && !json_is_null(age)) {
		if (!json_is_integer(age) || json_integer_value(age) < 0 ||
		    json_integer_value(age) > 130)
			sp_walk_error_at(&w, "age", "must be a whole number of years from 0 to 130, "
					 "or null");
		else
			f->has_age = true, f->age = (int)json_integer_value(age);
	}
	enum sp_tri *tri[] = {&f->age_unknown, &f->age_disputed, &f->unaccompanied, &f->separated,
			      &f->reason_to_believe_minor};
	for (int i = 0; i < 5; i++) {
		json_t *v = json_object_get(obj, allowed[i + 1]);
		if (!v || json_is_null(v))
			continue;
		if (!json_is_boolean(v))
			sp_walk_error_at(&w, allowed[i + 1], "must be true, false or null");
		else
			*tri[i] = json_is_true(v) ? SP_TRI_YES : SP_TRI_NO;
	}
	/* an age nobody gave is an unknown age, unless the caller says otherwise */
	if (f->age_unknown == SP_TRI_UNKNOWN)
		f->age_unknown = f->has_age ? SP_TRI_NO : SP_TRI_YES;
	json_t *sex = json_object_get(obj, "sex");
	if (sex && !json_is_null(sex)) {
		const char *s = json_is_string(sex) ? json_string_value(sex) : "";
		if (strlen(s) != 1 || !strchr("FMXU", s[0]))
			sp_walk_error_at(&w, "sex", "must be F, M, X or U, or null");
		else
			f->sex = s[0];
	}
	json_t *dec = json_object_get(obj, "age_assessment");
	if (dec && !json_is_null(dec)) {
		const char *s = json_is_string(dec) ? json_string_value(dec) : "";
		if (strcmp(s, "child") == 0)
			f->age_decision = SP_AGE_DECISION_CHILD;
		else if (strcmp(s, "adult") == 0)
			f->age_decision = SP_AGE_DECISION_ADULT;
		else
			sp_walk_error_at(&w, "age_assessment", "must be child, adult or null");
	}
	return diag->n + diag->dropped == before ? SP_OK : SP_EINVAL;
}
