/* safepath task: add a task to a case (its title, optional, on standard input), list a case's
 * tasks or one's own open tasks, and mark one done. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/task.h"

static int cmd_task(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_task = {
	"task",
	"add a task to a case, list tasks (a case's or one's own), or mark one done",
	"task add [--kind KIND] [--assign USER] [--due DATE] [--priority P] --as USER CASE\n"
	"                                                                      [< title]\n"
	"       safepath task list --as USER CASE\n"
	"       safepath task list --mine [--after TASK-ID] [--limit N] --as USER\n"
	"       safepath task done --version N --as USER TASK-ID\n"
	"KIND is a code of the tasks list (protocols/codes.json); a kind, a title or both.\n"
	"P: routine, soon, urgent, immediate. DATE: YYYY-MM-DD or an RFC 3339 time in UTC.\n"
	"add reads the title on standard input (empty: none).",
	cmd_task,
};

struct task_opts {
	const char *kind, *assign, *after, *id;
	int64_t due_us;
	int priority;
	int mine;
	long limit;
	int64_t version;
};

static void print_task(const struct sp_cli *cli, const struct sp_task *t, bool with_title,
		       json_t *arr)
{
	if (sp_cli_json_item(cli, sp_task_encode(t, with_title), arr))
		return;
	char id[SP_ID_STRLEN + 1], due[SP_TIME_STRLEN + 1];
	sp_id_format(&t->id, id);
	printf("%s  %-16s %-9s %-9s due %s  %s  %s\n", id, t->case_number,
	       sp_task_status_name(t->status), sp_task_priority_name(t->priority),
	       sp_cli_day(t->due_us, due),
	       t->kind[0] ? t->kind : "-", with_title && t->title ? t->title : "");
}

static int task_add(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		    const void *opts, struct sp_err *err)
{
	const struct task_opts *o = opts;
	struct sp_id assignee;
	struct sp_task t;
	struct sp_task_new in = {.kind = o->kind,
				 .due_us = o->due_us,
				 .priority = (enum sp_task_priority)o->priority};
	int rc = sp_cli_read_stdin_text(cw->arena, SP_TASK_TITLE_MAX, "/title", &in.title, err);
	if (!rc && !*in.title)
		in.title = NULL;
	if (!rc && o->assign && !(rc = sp_cli_user_id(cw, o->assign, "--assign", &assignee, err)))
		in.assignee = &assignee;
	if (!rc)
		rc = sp_task_add(cw, id, &in, &t, err);
	if (!rc)
		print_task(cli, &t, false, NULL);
	return rc;
}

static int task_list(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		     const void *opts, struct sp_err *err)
{
	const struct task_opts *o = opts;
	struct sp_task page[SP_TASK_PAGE_MAX], *list = page;
	struct sp_id after, next = {0};
	size_t n = 0;
	int rc = SP_OK;
	if (!o->mine)
		rc = sp_task_list(cw, id, &list, &n, err);
	else if (o->after && sp_id_parse(o->after, &after) != SP_OK)
		rc = sp_err_set(err, SP_EINVAL, "--after", "is not a task id");
	else
		rc = sp_task_mine(cw, o->after ? &after : NULL, page, (size_t)o->limit, &n, &next,
				  err);
	json_t *arr = rc || !cli->json ? NULL : json_array();
	for (size_t i = 0; !rc && i < n; i++)
		print_task(cli, &list[i], true, arr);
	if (!rc)
		sp_cli_print_page(arr, &next);
	json_decref(arr);
	return rc;
}

static int task_done(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
		     const void *opts, struct sp_err *err)
{
	(void)unused;
	const struct task_opts *o = opts;
	struct sp_id id;
	struct sp_task t;
	const struct sp_task_change ch = {.version = o->version,
					  .set_status = true,
					  .status = SP_TASK_DONE};
	if (sp_id_parse(o->id, &id) != SP_OK)
		return sp_err_set(err, SP_EINVAL, "TASK-ID", "is not a task id");
	int rc = sp_task_update(cw, &id, &ch, &t, err);
	if (!rc)
		print_task(cli, &t, false, NULL);
	return rc;
}

static const struct sp_cli_case_sub subcommands[] = {
	{"add", task_add, 1},
	{"list", task_list, 1}, /* with --mine: no CASE */
	{"done", task_done, 0}, /* takes a task, not a case */
	{NULL, NULL, 0},
};

static int parse_opt(const struct sp_cli_cmd *cmd, int ch, struct task_opts *o)
{
	char *end = NULL;
	switch (ch) {
	case 'k':
		o->kind = optarg;
		return 0;
	case 'a':
		o->assign = optarg;
		return 0;
	case 'd':
		if (sp_time_parse(optarg, &o->due_us) != SP_OK || o->due_us <= 0)
			return sp_cli_usage(cmd, "--due must be YYYY-MM-DD or an RFC 3339 time");
		return 0;
	case 'p':
		if ((o->priority = sp_task_priority_parse(optarg)) < 0)
			return sp_cli_usage(cmd, "unknown --priority");
		return 0;
	case 'm':
		o->mine = 1;
		return 0;
	case 'A':
		o->after = optarg;
		return 0;
	case 'l':
		o->limit = strtol(optarg, &end, 10);
		if (!*optarg || *end || o->limit < 1 || o->limit > SP_TASK_PAGE_MAX)
			return sp_cli_usage(cmd, "--limit must be 1 to %d", SP_TASK_PAGE_MAX);
		return 0;
	case 'v':
		o->version = strtoll(optarg, &end, 10);
		if (!*optarg || *end || o->version < 1)
			return sp_cli_usage(cmd, "--version must be a positive number");
		return 0;
	default:
		return sp_cli_usage(cmd, "unknown option");
	}
}

static int cmd_task(struct sp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"kind", required_argument, NULL, 'k'},   {"assign", required_argument, NULL, 'a'},
		{"due", required_argument, NULL, 'd'},    {"priority", required_argument, NULL, 'p'},
		{"mine", no_argument, NULL, 'm'},         {"after", required_argument, NULL, 'A'},
		{"limit", required_argument, NULL, 'l'},  {"version", required_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_task;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(cmd, "task needs a subcommand");
	struct task_opts o = {.priority = SP_TASK_ROUTINE, .limit = 20, .version = -1};
	int ch, rc;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1)
		if ((rc = parse_opt(cmd, ch, &o)))
			return rc;
	const struct sp_cli_case_sub *sub = sp_cli_case_sub_find(subcommands, argv[1]);
	if (!sub)
		return sp_cli_usage(cmd, "no task subcommand '%s'", argv[1]);
	int rest = argc - 1 - optind;
	bool takes_case = sub->takes_case && !o.mine;
	bool takes_arg = takes_case || sub->run == task_done;
	if (rest != (takes_arg ? 1 : 0))
		return sp_cli_usage(cmd, "task %s %s", sub->name,
				    takes_case ? "needs one CASE"
				    : takes_arg ? "needs one TASK-ID" : "takes no CASE");
	if (o.mine && sub->run != task_list)
		return sp_cli_usage(cmd, "--mine goes with task list");
	if (sub->run == task_done && o.version < 0)
		return sp_cli_usage(cmd, "task done needs --version (see task list)");
	const char *arg = rest ? argv[1 + optind] : NULL;
	o.id = arg;
	return sp_cli_case_sub_run(cli, cmd, sub, takes_case ? arg : NULL, &o);
}
