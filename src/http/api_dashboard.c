/* GET /api/v1/me/dashboard?lang=: the subject's open cases by priority, tasks due and overdue
 * deadlines (safepath/dashboard.h), one casework read with one audit record; and, a section
 * of the same read, the agency's referrals awaiting a response (with their own audit record,
 * durable with the dashboard's). Written by the streaming writer, each row in its wing's
 * form (the response is asked for on every visit to the start page). */
#include <stdint.h>
#include <string.h>

#include "http/http.h"
#include "safepath/caseevent.h"
#include "safepath/dashboard.h"
#include "safepath/jsonw.h"
#include "safepath/referral.h"

/* {"by_priority": {name: count}, "items": [case rows], "open"}, members in sorted order. */
static void cases_section(struct sp_jsonw *w, const struct sp_dashboard *d)
{
	int order[SP_PRIORITY_COUNT];
	for (int p = 0; p < SP_PRIORITY_COUNT; p++) { /* the names in sorted order */
		int k = p;
		for (; k > 0 && strcmp(sp_case_priority_name((enum sp_case_priority)order[k - 1]),
				       sp_case_priority_name((enum sp_case_priority)p)) > 0;
		     k--)
			order[k] = order[k - 1];
		order[k] = p;
	}
	sp_jsonw_object(w);
	sp_jsonw_key(w, "by_priority");
	sp_jsonw_object(w);
	for (int i = 0; i < SP_PRIORITY_COUNT; i++) {
		sp_jsonw_key(w, sp_case_priority_name((enum sp_case_priority)order[i]));
		sp_jsonw_int(w, (int64_t)d->by_priority[order[i]]);
	}
	sp_jsonw_object_end(w);
	sp_jsonw_key(w, "items");
	sp_jsonw_array(w);
	for (size_t i = 0; i < d->n_cases; i++)
		sp_case_hit_write(w, &d->cases[i]);
	sp_jsonw_array_end(w);
	sp_jsonw_key(w, "open");
	sp_jsonw_int(w, (int64_t)d->open_cases);
	sp_jsonw_object_end(w);
}

/* {"due", "due_before", "items": [tasks], "overdue"}, or null without the section. */
static void tasks_section(struct sp_jsonw *w, const struct sp_dashboard *d)
{
	if (!d->has_tasks) {
		sp_jsonw_null(w);
		return;
	}
	sp_jsonw_object(w);
	sp_jsonw_key(w, "due");
	sp_jsonw_int(w, (int64_t)d->tasks_due);
	sp_jsonw_key(w, "due_before");
	sp_jsonw_time(w, d->due_before);
	sp_jsonw_key(w, "items");
	sp_jsonw_array(w);
	for (size_t i = 0; i < d->n_tasks; i++)
		sp_task_write(w, &d->tasks[i], true);
	sp_jsonw_array_end(w);
	sp_jsonw_key(w, "overdue");
	sp_jsonw_int(w, (int64_t)d->tasks_overdue);
	sp_jsonw_object_end(w);
}

/* {"items": [deadlines as people read them], "overdue", "scope"}, or null. */
static void deadlines_section(struct sp_jsonw *w, struct http_req *r,
			      const struct sp_dashboard *d, const char *lang)
{
	if (!d->has_deadlines) {
		sp_jsonw_null(w);
		return;
	}
	sp_jsonw_object(w);
	sp_jsonw_key(w, "items");
	sp_jsonw_array(w);
	for (size_t i = 0; i < d->n_deadlines; i++)
		sp_deadline_view_write(w, &d->deadlines[i], r->opt->jurisdictions, lang, d->now);
	sp_jsonw_array_end(w);
	sp_jsonw_key(w, "overdue");
	sp_jsonw_int(w, (int64_t)d->deadlines_overdue);
	sp_jsonw_key(w, "scope");
	sp_jsonw_string(w, d->agency_scope ? "agency" : "mine");
	sp_jsonw_object_end(w);
}

#define DASH_REFERRALS 10 /* rows of the referrals section */

/* The referrals section as read: how many of the agency's referrals are sent and not yet
 * answered (sent or acknowledged), and the first of them, soonest due first; `denied` for a
 * user who may not read them. */
struct referrals_read {
	bool denied;
	size_t awaiting, n;
	struct sp_case_referral *list;
};

/* sp_referral_awaiting, a section of the dashboard's read (its own audit record). */
static int referrals_section(struct sp_casework *cw, void *ctx, struct sp_err *err)
{
	struct referrals_read *x = ctx;
	size_t withheld = 0;
	int rc = sp_referral_awaiting(cw, DASH_REFERRALS, &x->awaiting, &x->list, &x->n,
				      &withheld, err);
	if (rc == SP_EDENIED) {
		x->denied = true;
		return SP_OK;
	}
	return rc;
}

/* {"awaiting", "items": [referrals]}, or null for a user who may not read them. */
static void referrals_write(struct sp_jsonw *w, const struct referrals_read *x)
{
	if (x->denied) {
		sp_jsonw_null(w);
		return;
	}
	sp_jsonw_object(w);
	sp_jsonw_key(w, "awaiting");
	sp_jsonw_int(w, (int64_t)x->awaiting);
	sp_jsonw_key(w, "items");
	sp_jsonw_array(w);
	for (size_t i = 0; i < x->n; i++)
		sp_referral_write(w, &x->list[i]);
	sp_jsonw_array_end(w);
	sp_jsonw_object_end(w);
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
	struct referrals_read referrals = {0};
	const struct sp_dashboard_section more = {referrals_section, &referrals};
	if (sp_dashboard_read(&cw, sp_now_us(), &more, d, &err))
		return http_problem_from_err(r, &err);
	struct sp_jsonw w;
	http_jsonw_begin(r, &w, 32768); /* 27 kB with every section full */
	sp_jsonw_object(&w);
	sp_jsonw_key(&w, "cases");
	cases_section(&w, d);
	sp_jsonw_key(&w, "deadlines");
	deadlines_section(&w, r, d, lang);
	sp_jsonw_key(&w, "generated_at");
	sp_jsonw_time(&w, d->now);
	sp_jsonw_key(&w, "referrals");
	referrals_write(&w, &referrals);
	sp_jsonw_key(&w, "tasks");
	tasks_section(&w, d);
	sp_jsonw_object_end(&w);
	return http_jsonw_reply(r, &w);
}
