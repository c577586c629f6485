/* GET /api/v1/me/dashboard?lang=: the subject's open cases by priority, tasks due and overdue
 * deadlines (safepath/dashboard.h), one casework read with one audit record; and, a section
 * of the same read, the agency's referrals awaiting a response (with their own audit record,
 * durable with the dashboard's). */
#include <stdint.h>

#include "http/http.h"
#include "safepath/caseevent.h"
#include "safepath/dashboard.h"
#include "safepath/referral.h"

/* items with every encoded value appended; NULL (items released) when one is NULL. */
static json_t *append_all(json_t *items, json_t *const *values, size_t n)
{
	for (size_t i = 0; items && i < n; i++)
		if (json_array_append_new(items, values[i])) {
			json_decref(items);
			items = NULL;
		}
	return items;
}

/* {"open", "by_priority": {name: count}, "items": [case rows]}, NULL when out of memory. */
static json_t *cases_section(const struct sp_dashboard *d)
{
	json_t *by = json_object(), *rows[SP_DASHBOARD_CASES];
	for (int p = 0; by && p < SP_PRIORITY_COUNT; p++)
		if (json_object_set_new(by, sp_case_priority_name((enum sp_case_priority)p),
					json_integer((json_int_t)d->by_priority[p]))) {
			json_decref(by);
			by = NULL;
		}
	for (size_t i = 0; i < d->n_cases; i++)
		rows[i] = sp_case_hit_encode(&d->cases[i]);
	return json_pack("{s:I, s:o, s:o}", "open", (json_int_t)d->open_cases, "by_priority", by,
			 "items", append_all(json_array(), rows, d->n_cases));
}

/* {"due_before", "due", "overdue", "items": [tasks]}, or null without the section. */
static json_t *tasks_section(const struct sp_dashboard *d)
{
	if (!d->has_tasks)
		return json_null();
	json_t *rows[SP_DASHBOARD_TASKS];
	for (size_t i = 0; i < d->n_tasks; i++)
		rows[i] = sp_task_encode(&d->tasks[i], true);
	char before[SP_TIME_STRLEN + 1];
	sp_time_format(d->due_before, before);
	return json_pack("{s:s, s:I, s:I, s:o}", "due_before", before, "due",
			 (json_int_t)d->tasks_due, "overdue", (json_int_t)d->tasks_overdue, "items",
			 append_all(json_array(), rows, d->n_tasks));
}

/* {"scope", "overdue", "items": [deadlines as people read them]}, or null. */
static json_t *deadlines_section(struct http_req *r, const struct sp_dashboard *d,
				 const char *lang)
{
	if (!d->has_deadlines)
		return json_null();
	json_t *rows[SP_DASHBOARD_DEADLINES];
	for (size_t i = 0; i < d->n_deadlines; i++)
		rows[i] = sp_deadline_view(&d->deadlines[i], r->opt->jurisdictions, lang, d->now);
	return json_pack("{s:s, s:I, s:o}", "scope", d->agency_scope ? "agency" : "mine",
			 "overdue", (json_int_t)d->deadlines_overdue, "items",
			 append_all(json_array(), rows, d->n_deadlines));
}

#define DASH_REFERRALS 10 /* rows of the referrals section */

/* {"awaiting", "items": [referrals]}: how many of the agency's referrals are sent and not yet
 * answered (sent or acknowledged), and the first of them, soonest due first
 * (sp_referral_awaiting: its own audit record, a section of the dashboard's read); null for a
 * user who may not read them. ctx is the json_t * to set. */
static int referrals_section(struct sp_casework *cw, void *ctx, struct sp_err *err)
{
	json_t **out = ctx;
	struct sp_case_referral *list = NULL;
	size_t n = 0, withheld = 0, waiting = 0;
	int rc = sp_referral_awaiting(cw, DASH_REFERRALS, &waiting, &list, &n, &withheld, err);
	if (rc == SP_EDENIED) {
		*out = json_null();
		return SP_OK;
	}
	if (rc)
		return rc;
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		if (json_array_append_new(items, sp_referral_encode(&list[i]))) {
			json_decref(items);
			items = NULL;
		}
	*out = json_pack("{s:I, s:o}", "awaiting", (json_int_t)waiting, "items", items);
	return *out ? SP_OK : sp_err_set(err, SP_ENOMEM, "", "out of memory");
}

int http_api_me_dashboard(struct http_req *r)
{
	struct sp_casework cw;
	struct sp_err err = {0};
	char buf[SP_CODE_MAX];
	if (!http_jurisdiction_loaded(r))
		return 1;
	const char *lang = http_query_lang_only(r, "en", buf);
	if (!lang)
		return 1;
	struct sp_dashboard *d = sp_arena_alloc(&r->arena, sizeof *d);
	if (!d)
		return http_problem(r, 500, "internal", "Internal error", NULL);
	http_casework(r, &cw);
	json_t *referrals = NULL;
	const struct sp_dashboard_section more = {referrals_section, &referrals};
	if (sp_dashboard_read(&cw, sp_now_us(), &more, d, &err)) {
		json_decref(referrals);
		return http_problem_from_err(r, &err);
	}
	char now[SP_TIME_STRLEN + 1];
	sp_time_format(d->now, now);
	return http_reply_json(r, 200,
			       json_pack("{s:s, s:o, s:o, s:o, s:o}", "generated_at", now, "cases",
					 cases_section(d), "tasks", tasks_section(d), "deadlines",
					 deadlines_section(r, d, lang), "referrals", referrals));
}
