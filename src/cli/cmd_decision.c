/* safepath decision: record a formal decision on a case under the deployment's jurisdiction
 * (its grounds from a file or standard input, never the command line: they are personal data),
 * list a case's decisions, show one. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/decision.h"

static int cmd_decision(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_decision = {
	"decision",
	"record a decision on a case, list a case's decisions, or show one",
	"decision add --type T --outcome O --grounds-file FILE|- [--decided-at TIME]\n"
	"              [--method M] [--benefit-of-doubt yes|no] [--assessed-age N] --as USER CASE\n"
	"       safepath decision list --as USER CASE\n"
	"       safepath decision show --as USER DECISION-ID\n"
	"T: age_assessment, reasonable_grounds, conclusive_grounds, best_interests. O: child or\n"
	"adult; positive or negative; a best_interests_outcomes code (protocols/codes.json). An age\n"
	"assessment also needs --method (an age_methods code) and --benefit-of-doubt. The grounds\n"
	"come from FILE, or standard input with -, so pass the password with --password-fd 3 or\n"
	"type it at the terminal. TIME: RFC 3339 in UTC (2026-03-01T10:00:00Z); now when absent.",
	cmd_decision,
};

struct decision_opts {
	struct sp_decision_new in;
	const char *grounds_file;
	const char *id; /* show: the decision */
	const struct sp_jurisdiction *j;
	const struct sp_jurisdictions *jurs;
};

static void print_decision(const struct sp_cli *cli, const struct sp_case_decision *d)
{
	json_t *j = sp_decision_encode(d);
	if (cli->json || !j) {
		sp_cli_print_json(j);
	} else {
		char id[SP_ID_STRLEN + 1], at[SP_TIME_STRLEN + 1];
		sp_id_format(&d->id, id);
		sp_time_format(d->decided_us, at);
		printf("%s  %-20s %-22s decided %s%s\n", id, sp_decision_type_name(d->type),
		       d->outcome, at, d->current ? "  current" : "");
		if (d->method)
			printf("    method %s, benefit of the doubt %s", d->method,
			       d->benefit_of_doubt > 0 ? "yes" : "no");
		if (d->method && d->assessed_age >= 0)
			printf(", assessed age %d", d->assessed_age);
		if (d->method)
			printf("\n");
		printf("    recorded by %s under %s %s\n    %s\n",
		       d->recorded_by_name[0] ? d->recorded_by_name : "(a removed user)",
		       d->jurisdiction_id, d->jurisdiction_version, d->grounds ? d->grounds : "");
	}
	json_decref(j);
}

/* The grounds from the file named, or standard input for "-". */
static int read_grounds(struct sp_casework *cw, const char *file, const char **out,
			struct sp_err *err)
{
	if (strcmp(file, "-") == 0)
		return sp_cli_read_stdin_text(cw->arena, SP_DECISION_GROUNDS_MAX, "--grounds-file",
					      out, err);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sp_err_set(err, SP_EIO, "--grounds-file", "cannot be opened");
	int rc = sp_cli_read_fd_text(fd, cw->arena, SP_DECISION_GROUNDS_MAX, "--grounds-file", out,
				     err);
	close(fd);
	return rc;
}

static int decision_add(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
			const void *opts, struct sp_err *err)
{
	const struct decision_opts *o = opts;
	struct sp_decision_new in = o->in;
	struct sp_case_decision d;
	struct sp_diag diag;
	int rc = read_grounds(cw, o->grounds_file, &in.grounds, err);
	if (rc)
		return rc;
	in.grounds_len = strlen(in.grounds);
	sp_diag_init(&diag);
	rc = sp_decision_add(cw, o->jurs, o->j, id, &in, &d, &diag, err);
	/* every bad field but the first (which err names, printed by the caller) */
	for (size_t i = 1; rc == SP_EINVAL && i < diag.n; i++)
		fprintf(stderr, "safepath: decision add: %s: %s\n", diag.items[i].pointer,
			diag.items[i].msg);
	sp_diag_free(&diag);
	if (!rc)
		print_decision(cli, &d);
	return rc;
}

static int decision_list(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
			 const void *opts, struct sp_err *err)
{
	(void)opts;
	struct sp_case_decision *list;
	size_t n, withheld;
	int rc = sp_decision_list(cw, id, &list, &n, &withheld, err);
	if (rc)
		return rc;
	json_t *arr = cli->json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		if (arr)
			json_array_append_new(arr, sp_decision_encode(&list[i]));
		else
			print_decision(cli, &list[i]);
	}
	if (arr)
		sp_cli_print_json(json_pack("{s:o, s:I}", "items", arr, "withheld",
					    (json_int_t)withheld));
	else if (withheld)
		printf("(%zu more you may not read)\n", withheld);
	return SP_OK;
}

static int decision_show(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			 const void *opts, struct sp_err *err)
{
	(void)unused;
	const struct decision_opts *o = opts;
	struct sp_id id;
	struct sp_case_decision d;
	if (sp_id_parse(o->id, &id) != SP_OK)
		return sp_err_set(err, SP_EINVAL, "DECISION-ID", "is not a decision id");
	int rc = sp_decision_get(cw, &id, &d, err);
	if (!rc)
		print_decision(cli, &d);
	return rc;
}

static const struct sp_cli_case_sub subcommands[] = {
	{"add", decision_add, 1},
	{"list", decision_list, 1},
	{"show", decision_show, 0}, /* takes a decision, not a case */
	{NULL, NULL, 0},
};

/* The options into o; 0, or the usage error's exit code. */
static int parse(const struct sp_cli_cmd *cmd, int argc, char **argv, struct decision_opts *o)
{
	static const struct option opts[] = {
		{"type", required_argument, NULL, 't'},
		{"outcome", required_argument, NULL, 'o'},
		{"decided-at", required_argument, NULL, 'd'},
		{"method", required_argument, NULL, 'm'},
		{"benefit-of-doubt", required_argument, NULL, 'b'},
		{"assessed-age", required_argument, NULL, 'a'},
		{"grounds-file", required_argument, NULL, 'g'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		char *end = NULL;
		switch (ch) {
		case 't':
			o->in.type = optarg;
			break;
		case 'o':
			o->in.outcome = optarg;
			break;
		case 'd':
			o->in.decided_at = optarg;
			break;
		case 'm':
			o->in.method = optarg;
			break;
		case 'b':
			if (strcmp(optarg, "yes") != 0 && strcmp(optarg, "no") != 0)
				return sp_cli_usage(cmd, "--benefit-of-doubt is yes or no");
			o->in.benefit_of_doubt = strcmp(optarg, "yes") == 0;
			break;
		case 'a':
			o->in.assessed_age = strtoll(optarg, &end, 10);
			if (!*optarg || *end || o->in.assessed_age < 0)
				return sp_cli_usage(cmd, "--assessed-age must be a whole number of years");
			break;
		case 'g':
			o->grounds_file = optarg;
			break;
		default:
			return sp_cli_usage(cmd, "unknown option");
		}
	}
	return SP_EXIT_OK;
}

static int cmd_decision(struct sp_cli *cli, int argc, char **argv)
{
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_decision;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(cmd, "decision needs a subcommand");
	struct decision_opts o = {.in = {.benefit_of_doubt = -1, .assessed_age = -1}};
	int rc = parse(cmd, argc, argv, &o);
	if (rc)
		return rc;
	const struct sp_cli_case_sub *sub = sp_cli_case_sub_find(subcommands, argv[1]);
	if (!sub)
		return sp_cli_usage(cmd, "no decision subcommand '%s'", argv[1]);
	if (argc - 1 - optind != 1)
		return sp_cli_usage(cmd, "decision %s needs one %s", sub->name,
				    sub->takes_case ? "CASE" : "DECISION-ID");
	const char *arg = argv[1 + optind];
	if (sub->run != decision_add)
		o.id = arg;
	else if (!o.in.type || !o.in.outcome || !o.grounds_file)
		return sp_cli_usage(cmd, "decision add needs --type, --outcome and --grounds-file");
	struct sp_jurisdictions set = {0};
	o.jurs = &set;
	if (sub->run == decision_add && (rc = sp_cli_jurisdictions_open(cli, &set, &o.j)))
		return rc;
	rc = sp_cli_case_sub_run(cli, cmd, sub, sub->takes_case ? arg : NULL, &o);
	sp_jurisdictions_free(&set);
	return rc;
}
