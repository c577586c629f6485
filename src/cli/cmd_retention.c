/* safepath retention: the run that anonymises closed cases past the jurisdiction's retention
 * period (or, with --dry-run, says which it would), and legal holds, which keep a case from it
 * while proceedings are open. docs/retention.md. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/jurisdiction.h"
#include "safepath/retention.h"

static int cmd_retention(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_retention = {
	"retention",
	"anonymise closed cases past their retention period; legal holds",
	"retention run [--dry-run] [--now TIME] --as USER\n"
	"       safepath retention hold --reason REASON --as USER CASE\n"
	"       safepath retention lift --as USER CASE\n"
	"run: every closed case whose closure plus the period of the `jurisdiction` setting's file\n"
	"(its retention.case member) has passed is anonymised: the person's key destroyed, so no\n"
	"backup opens their data again, the case kept with its statistics and flagged anonymised.\n"
	"Cases on legal hold are listed and kept. Closed family tracing requests past their own\n"
	"period (retention.tracing_request, when the file sets one) are erased with their matches.\n"
	"The DPO runs it for every agency, a supervisor\n"
	"for their own. --dry-run lists what it would do and changes nothing. --now TIME (RFC 3339,\n"
	"UTC) sets the clock: for tests, and to check ahead what a later run would do.\n"
	"hold, lift: a supervisor of the case's agency puts the case on legal hold or lifts it.\n"
	"REASON: criminal_proceedings, civil_proceedings, immigration_proceedings,\n"
	"identification_review or complaint.",
	cmd_retention,
};

struct retention_opts {
	bool dry_run;
	bool now_given;
	int64_t now_us;
	const char *reason;
	int months;
	int tracing_months; /* 0: the file sets no period for tracing requests */
	char jurisdiction[64];
};

struct run_out {
	struct sp_cli *cli;
	json_t *cases;    /* --json */
	json_t *requests; /* --json */
	int months, tracing_months;
	size_t lines;
};

static int run_item(void *ctx, const struct sp_retention_item *it)
{
	struct run_out *o = ctx;
	char closed[SP_TIME_STRLEN + 1] = "", due[SP_TIME_STRLEN + 1] = "";
	char request[SP_ID_STRLEN + 1] = "";
	if (it->closed_us) {
		sp_time_format(it->closed_us, closed);
		sp_time_format(it->due_us, due);
	}
	if (it->request)
		sp_id_format(&it->request_id, request);
	const char *action = sp_retention_action_name(it->action);
	if (o->cases && it->request)
		return json_array_append_new(o->requests,
					     json_pack("{s:s, s:s, s:s, s:s}", "id", request,
						       "closed_at", closed, "due_at", due, "action",
						       action))
			       ? SP_ENOMEM
			       : SP_OK;
	if (o->cases)
		return json_array_append_new(
			       o->cases, json_pack("{s:s, s:s?, s:s?, s:s}", "number", it->number,
						   "closed_at", it->closed_us ? closed : NULL,
						   "due_at", it->closed_us ? due : NULL, "action",
						   action))
			       ? SP_ENOMEM
			       : SP_OK;
	if (o->lines++ == 0)
		printf("%-22s %-10s %-7s %-10s %s\n", "case", "closed on", "period", "due on",
		       "action");
	char period[16];
	snprintf(period, sizeof period, "%dm", it->request ? o->tracing_months : o->months);
	printf("%-22s %-10.10s %-7s %-10.10s %s%s%s\n", it->request ? "tracing request" : it->number,
	       it->closed_us ? closed : "-", it->closed_us ? period : "-",
	       it->closed_us ? due : "-", action,
	       it->action == SP_RETENTION_HELD ? " (kept: on legal hold)"
	       : it->action == SP_RETENTION_FINISHED ? " (key destroyed now)"
	       : it->request ? " "
						      : "",
	       request);
	return SP_OK;
}

static void run_progress(void *ctx, size_t done, size_t total)
{
	struct run_out *o = ctx;
	sp_cli_progress(o->cli, "retention", done, total);
}

static int retention_run(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			 const void *opts, struct sp_err *err)
{
	(void)unused;
	const struct retention_opts *ro = opts;
	struct run_out o = {.cli = cli, .cases = cli->json ? json_array() : NULL,
			    .requests = cli->json ? json_array() : NULL, .months = ro->months,
			    .tracing_months = ro->tracing_months};
	const struct sp_retention_run in = {.months = ro->months,
					    .tracing_months = ro->tracing_months,
					    .now_us = ro->now_us,
					    .dry_run = ro->dry_run,
					    .each = run_item,
					    .progress = run_progress,
					    .ctx = &o};
	struct sp_retention_report rep;
	int rc = sp_retention_run(cw, &in, &rep, err);
	if (o.cases && !rc) {
		char now[SP_TIME_STRLEN + 1];
		sp_time_format(ro->now_us, now);
		json_t *j = json_pack("{s:s, s:i, s:i, s:s, s:b, s:O, s:I, s:I, s:I, s:O, s:I}",
				      "jurisdiction", ro->jurisdiction, "period_months", ro->months,
				      "tracing_period_months", ro->tracing_months, "now", now,
				      "dry_run", ro->dry_run, "cases", o.cases,
				      ro->dry_run ? "would_anonymise" : "anonymised",
				      (json_int_t)rep.anonymised, "held", (json_int_t)rep.held,
				      "shredding_finished", (json_int_t)rep.finished,
				      "tracing_requests", o.requests,
				      ro->dry_run ? "requests_would_erase" : "requests_erased",
				      (json_int_t)rep.requests);
		sp_cli_print_json(j);
		json_decref(j);
	} else if (!rc) {
		printf("%s%zu case(s) %s, %zu kept on legal hold", o.lines ? "\n" : "",
		       rep.anonymised, ro->dry_run ? "would be anonymised" : "anonymised",
		       rep.held);
		if (rep.finished)
			printf(", %zu earlier anonymisation(s) %s", rep.finished,
			       ro->dry_run ? "still to shred" : "shredded");
		printf(" (%s, %d months after closure)", ro->jurisdiction, ro->months);
		if (ro->tracing_months)
			printf("; %zu closed tracing request(s) %s (%d months after closure)",
			       rep.requests, ro->dry_run ? "would be erased" : "erased",
			       ro->tracing_months);
		printf("%s\n", ro->dry_run ? "; dry run: nothing changed" : "");
	}
	json_decref(o.cases);
	json_decref(o.requests);
	return rc;
}

static void print_case(const struct sp_cli *cli, const struct sp_case *c, const char *what)
{
	if (cli->json) {
		json_t *j = sp_case_encode(c);
		sp_cli_print_json(j);
		json_decref(j);
	} else {
		printf("%s %s\n", c->number, what);
	}
}

static int retention_hold(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
			  const void *opts, struct sp_err *err)
{
	const struct retention_opts *ro = opts;
	int reason = sp_hold_reason_parse(ro->reason);
	if (reason < 0)
		return sp_err_set(err, SP_EINVAL, "--reason",
				  "must be criminal_proceedings, civil_proceedings, "
				  "immigration_proceedings, identification_review or complaint");
	struct sp_case c;
	int rc = sp_legal_hold_set(cw, id, (enum sp_hold_reason)reason, &c, err);
	if (!rc)
		print_case(cli, &c, "is on legal hold: the retention run keeps it");
	return rc;
}

static int retention_lift(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
			  const void *opts, struct sp_err *err)
{
	(void)opts;
	struct sp_case c;
	int rc = sp_legal_hold_lift(cw, id, &c, err);
	if (!rc)
		print_case(cli, &c, "is no longer on legal hold");
	return rc;
}

static const struct sp_cli_case_sub subcommands[] = {
	{"run", retention_run, 0},
	{"hold", retention_hold, 1},
	{"lift", retention_lift, 1},
	{NULL, NULL, 0},
};

static int parse_options(const struct sp_cli_cmd *cmd, int argc, char **argv,
			 struct retention_opts *o)
{
	static const struct option opts[] = {
		{"dry-run", no_argument, NULL, 'd'},
		{"now", required_argument, NULL, 'n'},
		{"reason", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			o->dry_run = true;
			break;
		case 'n':
			if (sp_time_parse(optarg, &o->now_us) != SP_OK)
				return sp_cli_usage(cmd, "--now must be an RFC 3339 time in UTC");
			o->now_given = true;
			break;
		case 'r':
			o->reason = optarg;
			break;
		default:
			return sp_cli_usage(cmd, "unknown option");
		}
	}
	return SP_EXIT_OK;
}

/* The period of the deployment's jurisdiction, or the reason there is none. */
static int period_of(struct sp_cli *cli, struct retention_opts *o)
{
	struct sp_jurisdictions jurs;
	const struct sp_jurisdiction *jur;
	int rc = sp_cli_jurisdictions_open(cli, &jurs, &jur);
	if (rc)
		return rc;
	/* copied out: the set, and the file with it, is freed here */
	bool present = jur->retention[SP_JUR_RECORD_CASE].present;
	o->months = jur->retention[SP_JUR_RECORD_CASE].months;
	o->tracing_months = jur->retention[SP_JUR_RECORD_TRACING_REQUEST].present
				    ? jur->retention[SP_JUR_RECORD_TRACING_REQUEST].months
				    : 0;
	snprintf(o->jurisdiction, sizeof o->jurisdiction, "%s", jur->id);
	sp_jurisdictions_free(&jurs);
	if (!present) {
		struct sp_err err = {0};
		sp_err_set(&err, SP_EINVAL, "/retention/case",
			   "the jurisdiction %s sets no retention period for cases",
			   o->jurisdiction);
		return sp_cli_fail(&err, "retention run");
	}
	return SP_EXIT_OK;
}

static int cmd_retention(struct sp_cli *cli, int argc, char **argv)
{
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_retention;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(cmd, "retention needs a subcommand");
	struct retention_opts o = {.now_us = sp_now_us()};
	int rc = parse_options(cmd, argc, argv, &o);
	if (rc)
		return rc;
	const struct sp_cli_case_sub *sub = sp_cli_case_sub_find(subcommands, argv[1]);
	if (!sub)
		return sp_cli_usage(cmd, "no retention subcommand '%s'", argv[1]);
	if (argc - 1 - optind != sub->takes_case)
		return sp_cli_usage(cmd, "retention %s needs %s", sub->name,
				    sub->takes_case ? "one CASE" : "no argument");
	if (sub->run == retention_hold && !o.reason)
		return sp_cli_usage(cmd, "retention hold needs --reason");
	if (sub->run != retention_run && (o.dry_run || o.now_given))
		return sp_cli_usage(cmd, "--dry-run and --now are for retention run");
	if (sub->run != retention_hold && o.reason)
		return sp_cli_usage(cmd, "--reason is for retention hold");
	if (sub->run == retention_run && (rc = period_of(cli, &o)))
		return rc;
	return sp_cli_case_sub_run(cli, cmd, sub, sub->takes_case ? argv[1 + optind] : NULL, &o);
}
