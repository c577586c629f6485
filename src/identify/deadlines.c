/* Events on a case and the deadlines they start and close (safepath/caseevent.h): the
 * jurisdiction file's rules applied to the case's stored deadlines inside one operation, an
 * event recorded by hand, and a deadline as people read it. */
#include <string.h>

#include "safepath/arena.h"
#include "safepath/caseevent.h"
#include "safepath/jsonw.h"

/* A referral, an identification and the grounds decisions tell of suspected trafficking; a
 * child presumption and an age assessment do not. */
static bool event_trafficking(enum sp_jur_event e)
{
	return e != SP_EVENT_CHILD_PRESUMED && e != SP_EVENT_AGE_ADULT;
}

bool sp_case_event_by_hand(enum sp_jur_event e)
{
	return e == SP_EVENT_REFERRAL || e == SP_EVENT_IDENTIFICATION;
}

/* What event bit does to an open deadline of rule r: SP_DEADLINE_OPEN for nothing. */
static enum sp_deadline_status closing(const struct sp_jur_rule *r, const struct sp_deadline *d,
				       const struct sp_case_event *ev)
{
	unsigned bit = 1u << ev->event;
	if (r->unit == SP_UNIT_UNTIL_EVENT && r->until == ev->event)
		return SP_DEADLINE_ENDED;
	if (r->kind == SP_KIND_TARGET && (r->met_by & bit) && ev->at >= d->trigger_us)
		return SP_DEADLINE_MET;
	if (r->lapses_on & bit)
		return SP_DEADLINE_LAPSED;
	return SP_DEADLINE_OPEN;
}

static const struct sp_jur_rule *rule_of(const struct sp_jurisdictions *set,
					 const struct sp_deadline *d,
					 const struct sp_jurisdiction **j)
{
	*j = sp_jurisdictions_find(set, d->jurisdiction);
	return *j ? sp_jurisdiction_rule(*j, d->rule) : NULL;
}

static bool running(const struct sp_deadline *open, size_t n, const struct sp_jurisdiction *j,
		    const struct sp_jur_rule *r)
{
	for (size_t i = 0; i < n; i++)
		if (open[i].status == SP_DEADLINE_OPEN && strcmp(open[i].jurisdiction, j->id) == 0 &&
		    strcmp(open[i].rule, r->id) == 0)
			return true;
	return false;
}

/* The new deadline of rule r for ev: its due instant, or the refusal as its problem. */
static int new_deadline(const struct sp_jurisdiction *j, const struct sp_jur_rule *r,
			const struct sp_case_event *ev, struct sp_deadline *d, struct sp_err *err)
{
	memset(d, 0, sizeof *d);
	snprintf(d->jurisdiction, sizeof d->jurisdiction, "%s", j->id);
	snprintf(d->jurisdiction_version, sizeof d->jurisdiction_version, "%s", j->version);
	snprintf(d->rule, sizeof d->rule, "%s", r->id);
	snprintf(d->trigger, sizeof d->trigger, "%s", sp_jur_event_name(ev->event));
	d->minimum = r->kind == SP_KIND_MINIMUM;
	d->trafficking = event_trafficking(ev->event);
	d->trigger_us = ev->at;
	d->source = ev->source;
	if (ev->source_id)
		d->source_id = *ev->source_id;
	if (r->unit == SP_UNIT_UNTIL_EVENT)
		return SP_OK;
	struct sp_err e = {0};
	int rc = sp_deadline_due(j, r, ev->at, &d->due_us, &e);
	if (rc == SP_OK) {
		d->has_due = true;
		return SP_OK;
	}
	if (strcmp(e.reason, "holidays_not_covered") != 0) {
		*err = e;
		return rc;
	}
	snprintf(d->problem, sizeof d->problem, "%s", e.msg);
	return SP_OK;
}

int sp_case_event_in(struct sp_caseop *op, const struct sp_jurisdictions *set,
		     const struct sp_jurisdiction *j, const struct sp_case_event *ev,
		     struct sp_case_event_effect *effect, struct sp_err *err)
{
	struct sp_case_event_effect none;
	if (!effect)
		effect = &none;
	memset(effect, 0, sizeof *effect);
	if ((unsigned)ev->event >= SP_EVENT_COUNT)
		return sp_err_set(err, SP_EINTERNAL, "", "unknown event");
	struct sp_deadline *open = NULL;
	size_t n = 0;
	int rc = sp_deadline_open_in(op, &open, &n, err);
	if (rc)
		return rc;
	struct sp_arena *a = op->cw->arena;
	effect->closed = n ? sp_arena_alloc(a, n * sizeof *effect->closed) : NULL;
	effect->started = j->n_rules ? sp_arena_alloc(a, j->n_rules * sizeof *effect->started)
				     : NULL;
	if ((n && !effect->closed) || (j->n_rules && !effect->started))
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	for (size_t i = 0; !rc && i < n; i++) {
		const struct sp_jurisdiction *dj;
		const struct sp_jur_rule *r = rule_of(set, &open[i], &dj);
		enum sp_deadline_status to = r ? closing(r, &open[i], ev) : SP_DEADLINE_OPEN;
		if (to == SP_DEADLINE_OPEN)
			continue;
		rc = sp_deadline_close_in(op, &open[i], to, sp_jur_event_name(ev->event), ev->at,
					  err);
		if (!rc)
			effect->closed[effect->n_closed++] = open[i];
	}
	for (size_t k = 0; !rc && k < j->n_rules; k++) {
		const struct sp_jur_rule *r = &j->rules[k];
		if (r->trigger != ev->event || running(open, n, j, r))
			continue;
		struct sp_deadline d;
		rc = new_deadline(j, r, ev, &d, err);
		if (!rc)
			rc = sp_deadline_add_in(op, &d, &effect->started[effect->n_started], err);
		if (!rc)
			effect->n_started++;
	}
	return rc;
}

/* Recording an event by hand: the policy's decision.write with trafficking. */
static const struct sp_case_act record_act = {
	SP_ACT_DECISION_WRITE, SP_FIELD(SP_FC_STAT) | SP_FIELD(SP_FC_TRAFFICKING), "case.event"};

int sp_case_event_record(struct sp_casework *cw, const struct sp_jurisdictions *set,
			 const struct sp_jurisdiction *j, const struct sp_id *case_id,
			 enum sp_jur_event event, int64_t at, struct sp_case_event_effect *effect,
			 struct sp_err *err)
{
	if (!sp_case_event_by_hand(event))
		return sp_err_set(err, SP_EINVAL, "/event",
				  "only referral and identification are recorded by hand; the "
				  "others come with the decision or screening that makes them");
	/* a clock a few minutes ahead is no future event */
	if (at > sp_now_us() + (int64_t)300 * 1000000)
		return sp_err_set(err, SP_EINVAL, "/at", "is in the future");
	struct sp_caseop op;
	int rc = sp_caseop_begin(cw, &record_act, true, &op, err);
	if (rc)
		return rc;
	const struct sp_case_event ev = {event, at, SP_DEADLINE_FROM_EVENT, NULL};
	rc = sp_caseop_case(&op, case_id, err);
	if (!rc)
		rc = sp_case_event_in(&op, set, j, &ev, effect, err);
	if (!rc)
		rc = sp_caseop_audit(&op, "case", case_id, "stat,trafficking",
				     sp_jur_event_name(event), err);
	return sp_caseop_finish(&op, rc, err);
}

/* ---- reading ---- */

static const char *state_of(const struct sp_deadline *d, int64_t now, bool *overdue)
{
	*overdue = false;
	if (d->status != SP_DEADLINE_OPEN)
		return sp_deadline_status_name(d->status);
	if (d->problem[0])
		return "uncomputable";
	if (!d->minimum) {
		*overdue = d->has_due && now > d->due_us;
		return *overdue ? "overdue" : "due";
	}
	return !d->has_due || now < d->due_us ? "in_force" : "elapsed";
}

void sp_deadline_view_write(struct sp_jsonw *w, const struct sp_deadline *d,
			    const struct sp_jurisdictions *set, const char *lang, int64_t now)
{
	const struct sp_jurisdiction *j;
	const struct sp_jur_rule *r = rule_of(set, d, &j);
	struct sp_deadline_reading v = {0};
	v.state = state_of(d, now, &v.overdue);
	if (r && r->unit == SP_UNIT_WORKING_DAYS && d->status == SP_DEADLINE_OPEN && d->has_due) {
		struct sp_err e = {0};
		v.has_days_left =
			sp_deadline_working_days_left(j, now, d->due_us, &v.days_left, &e) == SP_OK;
	}
	char local[SP_JUR_TIME_SIZE] = "";
	struct sp_err e = {0};
	if (j && d->has_due && sp_jurisdiction_format_time(j, d->due_us, local, &e))
		local[0] = '\0';
	const char *title = r ? sp_jur_text(r->title, lang) : NULL;
	char tag[2] = {0};
	if (r)
		tag[0] = r->tag;
	v.title = title ? title : d->rule;
	v.text = r && r->text ? sp_jur_text(r->text, lang) : NULL;
	v.tag = tag[0] ? tag : NULL;
	v.due_local = local[0] ? local : NULL;
	v.time_zone = j ? j->time_zone : NULL;
	sp_deadline_write(w, d, &v);
}

struct view_args {
	const struct sp_deadline *d;
	const struct sp_jurisdictions *set;
	const char *lang;
	int64_t now;
};

static void view_write(struct sp_jsonw *w, const void *arg)
{
	const struct view_args *a = arg;
	sp_deadline_view_write(w, a->d, a->set, a->lang, a->now);
}

json_t *sp_deadline_view(const struct sp_deadline *d, const struct sp_jurisdictions *set,
			 const char *lang, int64_t now)
{
	const struct view_args a = {d, set, lang, now};
	return sp_jsonw_read(view_write, &a);
}
