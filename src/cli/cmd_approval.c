/* safepath approval: the supervisor's side of the four-eyes gate on data-reading roles and
 * password resets — list, grant (prints a fresh one-time password when there is one to hand
 * over), deny. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cli/cli.h"
#include "safepath/access.h"

static int sp_cmd_approval(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_approval = {
	"approval", "list, grant or deny pending role grants and password resets",
	"approval list [--pending] --as USER\n"
	"       safepath approval grant ID --as SUPERVISOR\n"
	"       safepath approval deny ID --as SUPERVISOR\n"
	"A supervisor of the user's agency decides, never the requester nor the user; a grant\n"
	"forces a password change and is flagged to the DPO. list shows a supervisor its\n"
	"agency's approvals, an administrator all, the DPO those flagged to it",
	sp_cmd_approval,
};

static int usage(const char *msg)
{
	return sp_cli_usage(&sp_cli_cmd_approval, "approval: %s", msg);
}

struct list_ctx {
	const struct sp_cli *cli;
	struct sp_access *acc;
};

static int approval_print(const struct sp_approval *ap, void *ctx)
{
	const struct list_ctx *lc = ctx;
	char id[SP_ID_STRLEN + 1], roles[256];
	struct sp_user target;
	struct sp_err err = {0};
	sp_id_format(&ap->id, id);
	if (sp_roles_format(ap->requested_roles, roles, sizeof roles))
		roles[0] = '\0';
	if (sp_user_get(lc->acc, &ap->target, &target, &err))
		snprintf(target.username, sizeof target.username, "?");
	if (lc->cli->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b}", "id", id, "kind",
				      sp_approval_kind_name(ap->kind), "user", target.username,
				      "roles", roles, "status", sp_approval_status_name(ap->status),
				      "flagged_to_dpo", ap->flagged_to_dpo);
		sp_cli_print_json(j);
		json_decref(j);
	} else {
		printf("%s %-8s %-15s %-24s %s\n", id, sp_approval_status_name(ap->status),
		       sp_approval_kind_name(ap->kind), target.username, roles);
	}
	return 0;
}

static void print_grant(const struct sp_cli *cli, const char *otp)
{
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:s?}", "status", "granted", "one_time_password",
				      otp[0] ? otp : NULL);
		sp_cli_print_json(j);
		json_decref(j);
		return;
	}
	printf("granted; flagged to the DPO; the user must change the password at the next "
	       "login\n");
	if (otp[0])
		printf("one-time password to hand to the user: %s (shown once)\n", otp);
}

struct approval_args {
	int pending;     /* list --pending */
	struct sp_id id; /* grant, deny */
};

static int approval_list(struct sp_cli *cli, struct sp_app *app, const void *args,
			 struct sp_err *err)
{
	const struct approval_args *a = args;
	struct list_ctx lc = {cli, &app->access};
	return sp_approval_list(&app->access, &app->subject, a->pending, approval_print, &lc, err);
}

static int approval_grant(struct sp_cli *cli, struct sp_app *app, const void *args,
			  struct sp_err *err)
{
	const struct approval_args *a = args;
	char otp[SP_OTP_SIZE];
	int rc = sp_approval_grant(&app->access, &app->subject, &a->id, otp, err);
	if (!rc)
		print_grant(cli, otp);
	sodium_memzero(otp, sizeof otp);
	return rc;
}

static int approval_deny(struct sp_cli *cli, struct sp_app *app, const void *args,
			 struct sp_err *err)
{
	const struct approval_args *a = args;
	int rc = sp_approval_deny(&app->access, &app->subject, &a->id, err);
	if (!rc && !cli->json)
		printf("denied\n");
	return rc;
}

static const struct sp_cli_sub subcommands[] = {
	{"list", approval_list, 0},
	{"grant", approval_grant, 1},
	{"deny", approval_deny, 1},
	{NULL, NULL, 0},
};

static int sp_cmd_approval(struct sp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"pending", no_argument, NULL, 'p'},
		{NULL, 0, NULL, 0},
	};
	if (argc < 2)
		return usage("which subcommand?");
	int pending = 0, c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (c == 'p')
			pending = 1;
		else
			return usage("unknown option");
	}
	int nargs = argc - 1 - optind;
	const struct sp_cli_sub *sub = sp_cli_sub_find(subcommands, argv[1]);
	if (!sub)
		return usage("unknown subcommand");
	if (nargs != sub->takes_arg)
		return usage(sub->takes_arg ? "ID missing" : "list takes no argument");
	struct approval_args a = {.pending = pending};
	if (sub->takes_arg && sp_id_parse(argv[1 + optind], &a.id))
		return usage("ID must be an approval id, as approval list prints it");
	return sp_cli_sub_run(cli, &sp_cli_cmd_approval, sub, &a);
}
