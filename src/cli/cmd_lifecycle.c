/* safepath lifecycle: a case's life after it is opened — ask for its closure, reopen it,
 * transfer it, reassign it, break glass — and the supervisors' approvals (the queue, a case's
 * list, approve or reject). Free text (notes, reasons) comes on standard input, never on the
 * command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/access.h"
#include "safepath/caselife.h"

static int cmd_lifecycle(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_lifecycle = {
	"lifecycle",
	"close, reopen, transfer and reassign cases, break glass, decide approvals",
	"lifecycle close --reason R [--follow-up YYYY-MM-DD] --as USER CASE  [< note]\n"
	"       safepath lifecycle reopen --as USER CASE  < reason\n"
	"       safepath lifecycle transfer --to AGENCY-CODE --as USER CASE  [< note]\n"
	"       safepath lifecycle reassign --to USER --version N --as USER CASE\n"
	"       safepath lifecycle break-glass --as USER CASE  < reason\n"
	"       safepath lifecycle list [--status S] --as USER CASE\n"
	"       safepath lifecycle queue [--status S] --as USER\n"
	"       safepath lifecycle decide (--approve | --reject) --version N --as USER APPROVAL-ID\n"
	"                                 [< note]\n"
	"close asks for the case's closure: another supervisor of the owning agency approves it\n"
	"(lifecycle decide). R is a closure_reasons code (objectives_met, referred_elsewhere,\n"
	"moved_away, returned_home, person_withdrew, lost_contact, not_a_victim, deceased,\n"
	"duplicate, other). A supervisor reopens at once, the case's staff ask. transfer goes to\n"
	"another agency, whose supervisor decides. break-glass grants the case for\n"
	"break-glass-minutes, flagged to the DPO. queue is a supervisor's. S: pending, approved,\n"
	"rejected. A rejection needs a note. Notes and reasons are read on standard input, so pass\n"
	"the password with --password-fd 3 or type it at the terminal.",
	cmd_lifecycle,
};

struct life_opts {
	const char *reason;
	const char *follow_up;
	const char *to;
	int64_t version; /* -1 = not given */
	int status;      /* -1 = any */
	int decision;    /* 0 none, 1 approve, 2 reject */
	const char *id;  /* decide: the approval */
};

static void print_approval(const struct sp_cli *cli, const struct sp_case_approval *a)
{
	json_t *j = sp_case_approval_encode(a);
	if (cli->json || !j) {
		sp_cli_print_json(j);
	} else {
		char id[SP_ID_STRLEN + 1];
		sp_id_format(&a->id, id);
		printf("%s  %s  %-18s %-8s %s  version %lld\n", id, a->case_number,
		       sp_caseappr_kind_name(a->kind), sp_caseappr_status_name(a->status),
		       a->reason[0] ? a->reason : "-", (long long)a->version);
		if (a->request_note)
			printf("    asked: %s\n", a->request_note);
		if (a->decision_note)
			printf("    decided: %s\n", a->decision_note);
	}
	json_decref(j);
}

/* Standard input as text; NULL when it is empty. */
static int read_text(struct sp_casework *cw, size_t max, const char *field, const char **out,
		     struct sp_err *err)
{
	int rc = sp_cli_read_stdin_text(cw->arena, max, field, out, err);
	if (!rc && !**out)
		*out = NULL;
	return rc;
}

static int life_close(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		      const void *opts, struct sp_err *err)
{
	const struct life_opts *o = opts;
	struct sp_closure_request in = {o->reason, o->follow_up, NULL};
	struct sp_case_approval a;
	int rc = read_text(cw, SP_CASEAPPR_NOTE_MAX, "/note", &in.note, err);
	if (!rc)
		rc = sp_case_closure_request(cw, id, &in, &a, err);
	if (!rc)
		print_approval(cli, &a);
	return rc;
}

static int life_reopen(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		       const void *opts, struct sp_err *err)
{
	(void)opts;
	const char *reason;
	struct sp_case_approval a;
	bool reopened;
	int rc = read_text(cw, SP_CASEAPPR_NOTE_MAX, "/reason", &reason, err);
	if (!rc)
		rc = sp_case_reopen(cw, id, reason, &a, &reopened, err);
	if (!rc)
		print_approval(cli, &a);
	return rc;
}

static int life_transfer(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
			 const void *opts, struct sp_err *err)
{
	const struct life_opts *o = opts;
	const char *note;
	struct sp_agency ag;
	struct sp_case_approval a;
	int rc = sp_agency_get_by_code(cw->access, o->to, &ag, err);
	if (rc == SP_ENOTFOUND)
		rc = sp_err_set(err, SP_EINVAL, "--to", "no such agency");
	if (!rc)
		rc = read_text(cw, SP_CASEAPPR_NOTE_MAX, "/note", &note, err);
	if (!rc)
		rc = sp_case_transfer_request(cw, id, &ag.id, note, &a, err);
	if (!rc)
		print_approval(cli, &a);
	return rc;
}

static int life_reassign(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
			 const void *opts, struct sp_err *err)
{
	const struct life_opts *o = opts;
	struct sp_id to;
	struct sp_case c;
	unsigned moved = 0;
	int rc = sp_cli_user_id(cw, o->to, "--to", &to, err);
	if (!rc)
		rc = sp_case_reassign(cw, id, o->version, &to, &c, &moved, err);
	if (rc)
		return rc;
	json_t *j = sp_case_encode(&c);
	if (cli->json && j && !json_object_set_new(j, "tasks_moved", json_integer(moved)))
		sp_cli_print_json(j);
	else
		printf("%s  assigned to %s  version %lld  %u open task(s) handed over\n", c.number,
		       o->to, (long long)c.version, moved);
	json_decref(j);
	return SP_OK;
}

static int life_break_glass(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
			    const void *opts, struct sp_err *err)
{
	(void)opts;
	const char *reason;
	struct sp_break_glass g;
	int rc = read_text(cw, SP_BREAK_GLASS_REASON_MAX, "/reason", &reason, err);
	if (!rc)
		rc = sp_case_break_glass(cw, id, reason,
					 (int)sp_config_get_int(&cli->cfg, "break-glass-minutes"), &g,
					 err);
	if (rc)
		return rc;
	json_t *j = sp_break_glass_encode(&g);
	if (cli->json || !j) {
		sp_cli_print_json(j);
	} else {
		char until[SP_TIME_STRLEN + 1];
		sp_time_format(g.expires_us, until);
		printf("break-glass access until %s, flagged to the DPO; a supervisor reviews it\n",
		       until);
	}
	json_decref(j);
	return SP_OK;
}

static int print_list(struct sp_cli *cli, struct sp_casework *cw,
		      const struct sp_caseappr_query *q, struct sp_err *err)
{
	struct sp_case_approval *list;
	size_t n;
	int rc = sp_case_approval_list(cw, q, &list, &n, SP_CASEAPPR_PAGE_MAX, err);
	json_t *arr = rc || !cli->json ? NULL : json_array();
	for (size_t i = 0; !rc && i < n; i++) {
		if (arr)
			json_array_append_new(arr, sp_case_approval_encode(&list[i]));
		else
			print_approval(cli, &list[i]);
	}
	if (arr)
		sp_cli_print_json(arr);
	json_decref(arr);
	return rc;
}

static int life_list(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		     const void *opts, struct sp_err *err)
{
	const struct life_opts *o = opts;
	const struct sp_caseappr_query q = {id, o->status};
	return print_list(cli, cw, &q, err);
}

static int life_queue(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
		      const void *opts, struct sp_err *err)
{
	(void)unused;
	const struct life_opts *o = opts;
	const struct sp_caseappr_query q = {NULL, o->status};
	return print_list(cli, cw, &q, err);
}

static int life_decide(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
		       const void *opts, struct sp_err *err)
{
	(void)unused;
	const struct life_opts *o = opts;
	struct sp_id id;
	struct sp_case_approval a;
	struct sp_caseappr_decision d = {o->version, o->decision == 1, NULL};
	if (sp_id_parse(o->id, &id) != SP_OK)
		return sp_err_set(err, SP_EINVAL, "APPROVAL-ID", "is not an approval id");
	int rc = read_text(cw, SP_CASEAPPR_NOTE_MAX, "/note", &d.note, err);
	if (!rc)
		rc = sp_case_approval_decide(cw, &id, &d, &a, err);
	if (!rc)
		print_approval(cli, &a);
	return rc;
}

static const struct sp_cli_case_sub subcommands[] = {
	{"close", life_close, 1},
	{"reopen", life_reopen, 1},
	{"transfer", life_transfer, 1},
	{"reassign", life_reassign, 1},
	{"break-glass", life_break_glass, 1},
	{"list", life_list, 1},
	{"queue", life_queue, 0},
	{"decide", life_decide, 0}, /* takes an approval, not a case */
	{NULL, NULL, 0},
};

/* What a subcommand cannot go without. NULL when it has it all. */
static const char *missing(const struct sp_cli_case_sub *sub, const struct life_opts *o)
{
	if (sub->run == life_close && !o->reason)
		return "lifecycle close needs --reason";
	if ((sub->run == life_transfer || sub->run == life_reassign) && !o->to)
		return "needs --to";
	if ((sub->run == life_reassign || sub->run == life_decide) && o->version < 0)
		return "needs --version (see case show or lifecycle list)";
	if (sub->run == life_decide && !o->decision)
		return "lifecycle decide needs --approve or --reject";
	return NULL;
}

static int cmd_lifecycle(struct sp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"reason", required_argument, NULL, 'r'},
		{"follow-up", required_argument, NULL, 'f'},
		{"to", required_argument, NULL, 't'},
		{"version", required_argument, NULL, 'v'},
		{"status", required_argument, NULL, 's'},
		{"approve", no_argument, NULL, 'a'},
		{"reject", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_lifecycle;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(cmd, "lifecycle needs a subcommand");
	struct life_opts o = {.version = -1, .status = -1};
	int ch;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		char *end = NULL;
		switch (ch) {
		case 'r':
			o.reason = optarg;
			break;
		case 'f':
			o.follow_up = optarg;
			break;
		case 't':
			o.to = optarg;
			break;
		case 'v':
			o.version = strtoll(optarg, &end, 10);
			if (!*optarg || *end || o.version < 1)
				return sp_cli_usage(cmd, "--version must be a positive number");
			break;
		case 's':
			if ((o.status = sp_caseappr_status_parse(optarg)) < 0)
				return sp_cli_usage(cmd, "unknown --status");
			break;
		case 'a':
		case 'j':
			if (o.decision)
				return sp_cli_usage(cmd, "--approve or --reject, not both");
			o.decision = ch == 'a' ? 1 : 2;
			break;
		default:
			return sp_cli_usage(cmd, "unknown option");
		}
	}
	const struct sp_cli_case_sub *sub = sp_cli_case_sub_find(subcommands, argv[1]);
	if (!sub)
		return sp_cli_usage(cmd, "no lifecycle subcommand '%s'", argv[1]);
	int want = sub->run == life_queue ? 0 : 1;
	if (argc - 1 - optind != want)
		return sp_cli_usage(cmd, "lifecycle %s needs %s", sub->name,
				    !want		   ? "no argument"
				    : sub->takes_case ? "one CASE"
						      : "one APPROVAL-ID");
	const char *why = missing(sub, &o);
	if (why)
		return sp_cli_usage(cmd, "%s", why);
	o.id = want ? argv[1 + optind] : NULL;
	return sp_cli_case_sub_run(cli, cmd, sub, sub->takes_case ? o.id : NULL, &o);
}
