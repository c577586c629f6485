/* safepath deadline: a case's deadlines as the jurisdiction files word them, the agency's open
 * ones, a referral or identification recorded by hand (with the deadlines it starts and
 * closes), and a target marked met. The deployment's jurisdiction is the `jurisdiction`
 * setting. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/caseevent.h"
#include "safepath/codes.h"

static int cmd_deadline(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_deadline = {
	"deadline",
	"a case's deadlines, the agency's open ones, record a referral, mark a target met",
	"deadline list [--lang L] --as USER CASE\n"
	"       safepath deadline agency [--overdue] [--lang L] --as USER\n"
	"       safepath deadline event --event referral|identification [--at TIME] --as USER CASE\n"
	"       safepath deadline met --version N --as USER DEADLINE-ID\n"
	"The rules come from the jurisdiction file the `jurisdiction` setting names (default coe;\n"
	"safepath jurisdictions list). TIME is RFC 3339 in UTC (2026-06-01T10:00:00Z).",
	cmd_deadline,
};

struct deadline_opts {
	const char *lang;
	bool overdue;
	const char *event;
	const char *at;
	int64_t version;
	const char *id; /* met: the deadline */
	struct sp_jurisdictions jurs;
	const struct sp_jurisdiction *jur;
};

static void print_deadline(const struct deadline_opts *o, const struct sp_deadline *d,
			   json_t *arr)
{
	json_t *v = sp_deadline_view(d, &o->jurs, o->lang, sp_now_us());
	if (arr) {
		json_array_append_new(arr, v);
		return;
	}
	const char *due = json_string_value(json_object_get(v, "due_local"));
	const char *problem = json_string_value(json_object_get(v, "problem"));
	printf("%s  %-20s %-12s %-32s %s%s%s\n", json_string_value(json_object_get(v, "id")),
	       d->rule, json_string_value(json_object_get(v, "state")),
	       due ? due : problem ? "(no due date)" : "(open-ended)",
	       json_string_value(json_object_get(v, "title")), d->case_number[0] ? "  " : "",
	       d->case_number);
	if (problem)
		printf("    %s\n", problem);
	json_decref(v);
}

/* Print a list: one JSON array, or a line each. */
static void print_all(const struct sp_cli *cli, const struct deadline_opts *o,
		      const struct sp_deadline *list, size_t n)
{
	json_t *arr = cli->json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++)
		print_deadline(o, &list[i], arr);
	if (arr)
		sp_cli_print_json(arr);
	json_decref(arr);
}

static int deadline_list(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
			 const void *opts, struct sp_err *err)
{
	const struct deadline_opts *o = opts;
	struct sp_deadline *list;
	size_t n, withheld;
	int rc = sp_deadline_list(cw, id, &list, &n, &withheld, err);
	if (rc)
		return rc;
	print_all(cli, o, list, n);
	if (withheld && !cli->json)
		printf("(%zu more you may not read)\n", withheld);
	return SP_OK;
}

static int deadline_agency(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			   const void *opts, struct sp_err *err)
{
	(void)unused;
	const struct deadline_opts *o = opts;
	struct sp_deadline page[SP_DEADLINE_PAGE_MAX];
	struct sp_id next = {0};
	const struct sp_id *after = NULL;
	json_t *arr = cli->json ? json_array() : NULL;
	int rc;
	do {
		size_t n;
		rc = sp_deadline_agency(cw, o->overdue, sp_now_us(), after, page,
					SP_DEADLINE_PAGE_MAX, &n, &next, err);
		for (size_t i = 0; !rc && i < n; i++)
			print_deadline(o, &page[i], arr);
		after = &next;
	} while (!rc && !sp_id_is_zero(&next));
	if (!rc && arr)
		sp_cli_print_json(arr);
	json_decref(arr);
	return rc;
}

static int deadline_event(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
			  const void *opts, struct sp_err *err)
{
	const struct deadline_opts *o = opts;
	enum sp_jur_event event;
	int64_t at = sp_now_us();
	struct sp_case_event_effect fx;
	if (sp_jur_event_parse(o->event, &event) != SP_OK || !sp_case_event_by_hand(event))
		return sp_err_set(err, SP_EINVAL, "--event", "must be referral or identification");
	if (o->at && sp_time_parse(o->at, &at) != SP_OK)
		return sp_err_set(err, SP_EINVAL, "--at", "must be an RFC 3339 time in UTC");
	int rc = sp_case_event_record(cw, &o->jurs, o->jur, id, event, at, &fx, err);
	if (rc)
		return rc;
	if (!cli->json) {
		printf("%s recorded under %s: %zu deadline(s) started, %zu closed\n", o->event,
		       o->jur->id, fx.n_started, fx.n_closed);
		print_all(cli, o, fx.started, fx.n_started);
		print_all(cli, o, fx.closed, fx.n_closed);
		return SP_OK;
	}
	json_t *started = json_array(), *closed = json_array();
	for (size_t i = 0; i < fx.n_started; i++)
		print_deadline(o, &fx.started[i], started);
	for (size_t i = 0; i < fx.n_closed; i++)
		print_deadline(o, &fx.closed[i], closed);
	json_t *j = json_pack("{s:s, s:s, s:o, s:o}", "event", o->event, "jurisdiction",
			      o->jur->id, "started", started, "closed", closed);
	sp_cli_print_json(j);
	json_decref(j);
	return SP_OK;
}

static int deadline_met(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			const void *opts, struct sp_err *err)
{
	(void)unused;
	const struct deadline_opts *o = opts;
	struct sp_id id;
	struct sp_deadline d;
	if (sp_id_parse(o->id, &id) != SP_OK)
		return sp_err_set(err, SP_EINVAL, "DEADLINE-ID", "is not a deadline id");
	int rc = sp_deadline_set_met(cw, &id, o->version, &d, err);
	if (!rc)
		print_all(cli, o, &d, 1);
	return rc;
}

static const struct sp_cli_case_sub subcommands[] = {
	{"list", deadline_list, 1},
	{"agency", deadline_agency, 0},
	{"event", deadline_event, 1},
	{"met", deadline_met, 0}, /* takes a deadline, not a case */
	{NULL, NULL, 0},
};

static int parse_options(const struct sp_cli_cmd *cmd, int argc, char **argv,
			 struct deadline_opts *o, char lang[SP_CODE_MAX])
{
	static const struct option opts[] = {
		{"lang", required_argument, NULL, 'l'},	  {"overdue", no_argument, NULL, 'o'},
		{"event", required_argument, NULL, 'e'},  {"at", required_argument, NULL, 'a'},
		{"version", required_argument, NULL, 'v'}, {NULL, 0, NULL, 0},
	};
	int ch;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		char *end = NULL;
		struct sp_err err = {0};
		switch (ch) {
		case 'l':
			if (sp_language_code(optarg, lang, &err) != SP_OK)
				return sp_cli_usage(cmd, "unknown --lang");
			o->lang = lang;
			break;
		case 'o':
			o->overdue = true;
			break;
		case 'e':
			o->event = optarg;
			break;
		case 'a':
			o->at = optarg;
			break;
		case 'v':
			o->version = strtoll(optarg, &end, 10);
			if (!*optarg || *end || o->version < 1)
				return sp_cli_usage(cmd, "--version must be a positive number");
			break;
		default:
			return sp_cli_usage(cmd, "unknown option");
		}
	}
	return SP_EXIT_OK;
}

static int cmd_deadline(struct sp_cli *cli, int argc, char **argv)
{
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_deadline;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(cmd, "deadline needs a subcommand");
	struct deadline_opts o = {.lang = "en", .version = -1};
	char lang[SP_CODE_MAX];
	int rc = parse_options(cmd, argc, argv, &o, lang);
	if (rc)
		return rc;
	const struct sp_cli_case_sub *sub = sp_cli_case_sub_find(subcommands, argv[1]);
	if (!sub)
		return sp_cli_usage(cmd, "no deadline subcommand '%s'", argv[1]);
	int want = sub->run == deadline_agency ? 0 : 1;
	if (argc - 1 - optind != want)
		return sp_cli_usage(cmd, "deadline %s needs %s", sub->name,
				    !want		     ? "no argument"
				    : sub->takes_case ? "one CASE"
						      : "one DEADLINE-ID");
	if (sub->run == deadline_event && !o.event)
		return sp_cli_usage(cmd, "deadline event needs --event");
	if (sub->run == deadline_met && o.version < 0)
		return sp_cli_usage(cmd, "deadline met needs --version (see deadline list)");
	const char *arg = want ? argv[1 + optind] : NULL;
	o.id = arg;
	rc = sp_cli_jurisdictions_open(cli, &o.jurs, &o.jur);
	if (rc)
		return rc;
	rc = sp_cli_case_sub_run(cli, cmd, sub, sub->takes_case ? arg : NULL, &o);
	sp_jurisdictions_free(&o.jurs);
	return rc;
}
