/* safepath plan: a case's support plan (HTCDS spl_) — add a goal (its text on standard
 * input), list the goals, change one (status, type, review date, or its text). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/plan.h"

static int cmd_plan(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_plan = {
	"plan",
	"add a goal to a case's support plan, list the plan, or change a goal",
	"plan add --type TYPE [--review DATE] --as USER CASE  < goal\n"
	"       safepath plan list --as USER CASE\n"
	"       safepath plan update --version N [--status S] [--type TYPE] [--review DATE|none]\n"
	"                            [--goal] --as USER GOAL-ID  [< goal]\n"
	"TYPE is a code of the support_types list (protocols/codes.json: HTCDS spl_Type —\n"
	"education, financial, health, legal, livelihood, social_care, ...). S: planned,\n"
	"in_progress, achieved, discontinued. DATE: YYYY-MM-DD or an RFC 3339 time in UTC. add\n"
	"and update --goal read the goal's text on standard input, so pass the password with\n"
	"--password-fd 3 or type it at the terminal.",
	cmd_plan,
};

struct plan_opts {
	const char *type;
	int status;    /* -1: not given */
	bool review;   /* --review given (review_us 0: none) */
	int64_t review_us;
	bool goal;     /* update: a new text on standard input */
	int64_t version;
	const char *id;
};

static void print_goal(const struct sp_cli *cli, const struct sp_goal *g, bool with_goal,
		       json_t *arr)
{
	char id[SP_ID_STRLEN + 1], day[SP_TIME_STRLEN + 1];
	if (sp_cli_json_item(cli, sp_goal_encode(g, with_goal), arr))
		return;
	sp_id_format(&g->id, id);
	printf("%s  %-36s %-13s review %s  version %lld\n", id, g->type,
	       sp_goal_status_name(g->status), sp_cli_day(g->review_us, day), (long long)g->version);
	if (with_goal && g->goal)
		printf("    %s\n", g->goal);
}

static int read_goal(struct sp_casework *cw, const char **out, struct sp_err *err)
{
	return sp_cli_read_stdin_text(cw->arena, SP_PLAN_GOAL_MAX, "/goal", out, err);
}

static int plan_add(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *case_id,
		    const void *opts, struct sp_err *err)
{
	const struct plan_opts *o = opts;
	struct sp_goal_new in = {.type = o->type, .review_us = o->review_us};
	struct sp_goal g;
	if (read_goal(cw, &in.goal, err) || sp_plan_add(cw, case_id, &in, &g, err))
		return err->code;
	print_goal(cli, &g, false, NULL);
	return SP_OK;
}

static int plan_list(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *case_id,
		     const void *opts, struct sp_err *err)
{
	(void)opts;
	struct sp_goal *list;
	size_t n;
	if (sp_plan_list(cw, case_id, &list, &n, err))
		return err->code;
	json_t *arr = cli->json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++)
		print_goal(cli, &list[i], true, arr);
	sp_cli_print_page(arr, NULL);
	json_decref(arr);
	return SP_OK;
}

static int plan_update(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
		       const void *opts, struct sp_err *err)
{
	struct sp_goal g;
	struct sp_id id;
	const struct plan_opts *o = opts;
	(void)unused;
	struct sp_goal_change ch = {.version = o->version,
				    .set_type = o->type != NULL,
				    .type = o->type,
				    .set_status = o->status >= 0,
				    .status = (enum sp_goal_status)(o->status < 0 ? 0 : o->status),
				    .set_review = o->review,
				    .review_us = o->review_us,
				    .set_goal = o->goal};
	if (sp_id_parse(o->id, &id) != SP_OK)
		return sp_err_set(err, SP_EINVAL, "GOAL-ID", "is not a goal id");
	int rc = o->goal ? read_goal(cw, &ch.goal, err) : SP_OK;
	if (!rc)
		rc = sp_plan_update(cw, &id, &ch, &g, err);
	if (!rc)
		print_goal(cli, &g, false, NULL);
	return rc;
}

static const struct sp_cli_case_sub subcommands[] = {
	{"add", plan_add, 1},
	{"list", plan_list, 1},
	{"update", plan_update, 0}, /* takes a goal, not a case */
	{NULL, NULL, 0},
};

static int parse_opt(const struct sp_cli_cmd *cmd, int ch, struct plan_opts *o)
{
	char *end = NULL;
	if (ch == 't') {
		o->type = optarg;
	} else if (ch == 's') {
		if ((o->status = sp_goal_status_parse(optarg)) < 0)
			return sp_cli_usage(cmd, "unknown --status");
	} else if (ch == 'r') {
		o->review = true;
		o->review_us = 0;
		if (strcmp(optarg, "none") != 0 &&
		    (sp_time_parse(optarg, &o->review_us) != SP_OK || o->review_us <= 0))
			return sp_cli_usage(cmd, "--review must be YYYY-MM-DD, an RFC 3339 time or none");
	} else if (ch == 'g') {
		o->goal = true;
	} else if (ch == 'v') {
		o->version = strtoll(optarg, &end, 10);
		if (!*optarg || *end || o->version < 1)
			return sp_cli_usage(cmd, "--version must be a positive number");
	} else {
		return sp_cli_usage(cmd, "unknown option");
	}
	return 0;
}

static int cmd_plan(struct sp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"type", required_argument, NULL, 't'},   {"status", required_argument, NULL, 's'},
		{"review", required_argument, NULL, 'r'}, {"goal", no_argument, NULL, 'g'},
		{"version", required_argument, NULL, 'v'}, {NULL, 0, NULL, 0},
	};
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_plan;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(cmd, "plan needs a subcommand");
	const struct sp_cli_case_sub *sub = sp_cli_case_sub_find(subcommands, argv[1]);
	if (!sub)
		return sp_cli_usage(cmd, "no plan subcommand '%s'", argv[1]);
	struct plan_opts o = {.status = -1, .version = -1};
	optind = 0;
	opterr = 0;
	for (int ch, rc; (ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1;)
		if ((rc = parse_opt(cmd, ch, &o)))
			return rc;
	if (argc - 1 - optind != 1)
		return sp_cli_usage(cmd, "plan %s needs one %s", sub->name,
				    sub->takes_case ? "CASE" : "GOAL-ID");
	bool add = sub->run == plan_add, update = sub->run == plan_update;
	if (add && !o.type)
		return sp_cli_usage(cmd, "plan add needs --type");
	if (update && o.version < 0)
		return sp_cli_usage(cmd, "plan update needs --version (see plan list)");
	if ((!add && !update && (o.type || o.review)) || (!update && (o.status >= 0 || o.goal)))
		return sp_cli_usage(cmd, "plan %s takes no such option", sub->name);
	const char *arg = argv[1 + optind];
	o.id = arg;
	return sp_cli_case_sub_run(cli, cmd, sub, sub->takes_case ? arg : NULL, &o);
}
