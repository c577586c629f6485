/* safepath user: add, list, grant, revoke, disable, enable, reset-password (an administrator's work, data-
 * reading roles and such resets waiting for a supervisor's approval) and passwd (one's own
 * password, the one-time one included). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cli/cli.h"
#include "safepath/access.h"

static int sp_cmd_user(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_user = {
	"user", "add, list, grant and revoke roles, disable and enable users; reset and change passwords",
	"user add USERNAME --agency CODE --roles ROLE[,ROLE...] --as ADMIN\n"
	"       safepath user list --as ADMIN\n"
	"       safepath user grant USERNAME --roles ROLE[,ROLE...] --as ADMIN\n"
	"       safepath user revoke USERNAME --roles ROLE[,ROLE...] --as ADMIN\n"
	"       safepath user disable USERNAME --as ADMIN\n"
	"       safepath user enable USERNAME --as ADMIN\n"
	"       safepath user reset-password USERNAME --as ADMIN\n"
	"       safepath user passwd --as USER\n"
	"ROLE: screener, identifier, caseworker, focal_point, provider, supervisor, coordinator,\n"
	"      dpo, admin. Every role but admin and coordinator reads personal data: granting it\n"
	"      waits for a supervisor of the user's agency (safepath approval grant).\n"
	"passwd reads the current and the new password from --password-fd N (two lines) or the\n"
	"terminal",
	sp_cmd_user,
};

static void print_otp(const struct sp_cli *cli, const char *username, const char *otp,
		      const struct sp_id *approval)
{
	char id[SP_ID_STRLEN + 1] = "";
	int pending = approval && !sp_id_is_zero(approval);
	if (pending)
		sp_id_format(approval, id);
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:s?, s:s?}", "username", username, "one_time_password",
				      otp && *otp ? otp : NULL, "approval", pending ? id : NULL);
		sp_cli_print_json(j);
		json_decref(j);
		return;
	}
	if (otp && *otp)
		printf("one-time password for %s: %s\n"
		       "(shown once; it must be changed at the first login)\n",
		       username, otp);
	if (pending)
		printf("pending approval %s: a supervisor of the user's agency grants it with\n"
		       "  safepath approval grant %s --as SUPERVISOR\n",
		       id, id);
}

static int parse_roles_opt(const char *v, unsigned *roles)
{
	struct sp_err err = {0};
	if (sp_roles_parse(v, roles, &err)) {
		sp_cli_fail(&err, "--roles");
		return -1;
	}
	return 0;
}

static int user_print(const struct sp_user *u, void *ctx)
{
	const struct sp_cli *cli = ctx;
	char roles[256];
	char id[SP_ID_STRLEN + 1];
	if (sp_roles_format(u->roles, roles, sizeof roles))
		roles[0] = '\0';
	sp_id_format(&u->id, id);
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:b, s:b}", "id", id, "username", u->username,
				      "roles", roles, "must_change_password", u->must_change_password,
				      "disabled", u->disabled);
		sp_cli_print_json(j);
		json_decref(j);
	} else {
		printf("%-24s %-40s%s%s\n", u->username, roles[0] ? roles : "(no role yet)",
		       u->disabled ? " disabled" : "", u->must_change_password ? " must-change" : "");
	}
	return 0;
}

static int usage(const char *msg)
{
	return sp_cli_usage(&sp_cli_cmd_user, "user: %s", msg);
}

/* Read one secret (sodium_malloc memory) into buf; 0 or -1 after printing why. */
static int secret(struct sp_cli *cli, const char *prompt, char *buf, size_t n)
{
	struct sp_err err = {0};
	char *p = NULL;
	size_t len = 0;
	if (sp_passphrase_read(cli->password_fd, prompt, &p, &len, &err)) {
		sp_err_set(&err, err.code, "password", "cannot read the password");
		sp_cli_fail(&err, "user passwd");
		return -1;
	}
	int rc = len < n ? 0 : -1;
	if (!rc)
		memcpy(buf, p, len + 1);
	else
		fprintf(stderr, "safepath: user passwd: the password is too long\n");
	sp_passphrase_free(p);
	return rc;
}

/* Change one's own password: no login first, sp_user_passwd checks the current one. */
static int passwd(struct sp_cli *cli)
{
	struct sp_app app;
	struct sp_err err = {0};
	char *old = sodium_malloc(SP_PASSWORD_MAX + 1), *fresh = sodium_malloc(SP_PASSWORD_MAX + 1),
	     *again = sodium_malloc(SP_PASSWORD_MAX + 1);
	int rc = SP_EXIT_FAIL;
	if (!old || !fresh || !again) {
		fprintf(stderr, "safepath: out of memory\n");
		goto out;
	}
	if (secret(cli, "Current password: ", old, SP_PASSWORD_MAX + 1) ||
	    secret(cli, "New password: ", fresh, SP_PASSWORD_MAX + 1))
		goto out;
	if (cli->password_fd < 0) {
		if (secret(cli, "New password again: ", again, SP_PASSWORD_MAX + 1))
			goto out;
		if (strcmp(fresh, again) != 0) {
			fprintf(stderr, "safepath: user passwd: the new passwords differ\n");
			goto out;
		}
	}
	rc = sp_app_open(cli, 0, &app);
	if (rc)
		goto out;
	if (sp_user_passwd(&app.access, cli->as_user, old, fresh, &err)) {
		rc = sp_cli_fail(&err, "user passwd");
		sp_app_close(&app);
		goto out;
	}
	rc = sp_app_close(&app) ? SP_EXIT_FAIL : SP_EXIT_OK;
	if (!rc && !cli->json)
		printf("password changed\n");
out:
	sodium_free(old);
	sodium_free(fresh);
	sodium_free(again);
	return rc;
}

struct user_args {
	const char *name; /* USERNAME */
	const char *agency;
	unsigned roles;
};

static int user_add(struct sp_cli *cli, struct sp_app *app, const void *args, struct sp_err *err)
{
	const struct user_args *a = args;
	char otp[SP_OTP_SIZE] = "";
	struct sp_id approval = {{0}};
	int rc = sp_user_add(&app->access, &app->subject, a->name, a->agency, a->roles, otp, NULL,
			     &approval, err);
	if (!rc)
		print_otp(cli, a->name, otp, &approval);
	sodium_memzero(otp, sizeof otp);
	return rc;
}

static int user_list(struct sp_cli *cli, struct sp_app *app, const void *args, struct sp_err *err)
{
	(void)args;
	return sp_user_list(&app->access, &app->subject, user_print, cli, err);
}

static int user_grant(struct sp_cli *cli, struct sp_app *app, const void *args,
		      struct sp_err *err)
{
	const struct user_args *a = args;
	struct sp_id approval = {{0}};
	int rc = sp_user_grant_roles(&app->access, &app->subject, a->name, 0, a->roles, &approval,
				     err);
	if (!rc)
		print_otp(cli, a->name, NULL, &approval);
	return rc;
}

static int user_revoke(struct sp_cli *cli, struct sp_app *app, const void *args,
		       struct sp_err *err)
{
	const struct user_args *a = args;
	int rc = sp_user_revoke_roles(&app->access, &app->subject, a->name, 0, a->roles, err);
	if (!rc && !cli->json)
		printf("%s: roles revoked\n", a->name);
	return rc;
}

static int user_disable(struct sp_cli *cli, struct sp_app *app, const void *args,
			struct sp_err *err)
{
	const struct user_args *a = args;
	int rc = sp_user_disable(&app->access, &app->subject, a->name, 0, err);
	if (!rc && !cli->json)
		printf("%s disabled\n", a->name);
	return rc;
}

static int user_enable(struct sp_cli *cli, struct sp_app *app, const void *args,
		       struct sp_err *err)
{
	const struct user_args *a = args;
	int rc = sp_user_enable(&app->access, &app->subject, a->name, 0, err);
	if (!rc && !cli->json)
		printf("%s enabled\n", a->name);
	return rc;
}

static int user_reset_password(struct sp_cli *cli, struct sp_app *app, const void *args,
			       struct sp_err *err)
{
	const struct user_args *a = args;
	char otp[SP_OTP_SIZE] = "";
	struct sp_id approval = {{0}};
	int rc = sp_user_reset_password(&app->access, &app->subject, a->name, 0, otp, &approval,
					err);
	if (!rc)
		print_otp(cli, a->name, otp, &approval);
	sodium_memzero(otp, sizeof otp);
	return rc;
}

/* passwd has no run: it reads the passwords before opening the app, with no login. */
static const struct sp_cli_sub subcommands[] = {
	{"add", user_add, 1},
	{"list", user_list, 0},
	{"grant", user_grant, 1},
	{"revoke", user_revoke, 1},
	{"disable", user_disable, 1},
	{"enable", user_enable, 1},
	{"reset-password", user_reset_password, 1},
	{"passwd", NULL, 0},
	{NULL, NULL, 0},
};

static int sp_cmd_user(struct sp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"agency", required_argument, NULL, 'a'},
		{"roles", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	if (argc < 2)
		return usage("which subcommand?");
	const char *agency = NULL;
	unsigned roles = 0;
	int c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (c == 'a')
			agency = optarg;
		else if (c == 'r') {
			if (parse_roles_opt(optarg, &roles))
				return SP_EXIT_USAGE;
		} else
			return usage("unknown option");
	}
	int nargs = argc - 1 - optind;
	struct user_args a = {.name = nargs >= 1 ? argv[1 + optind] : NULL, .agency = agency,
			      .roles = roles};
	if (nargs > 1)
		return usage("too many arguments");

	const struct sp_cli_sub *sub = sp_cli_sub_find(subcommands, argv[1]);
	if (!sub)
		return usage("unknown subcommand");
	if (sub->takes_arg != (a.name != NULL))
		return usage(a.name ? "this subcommand takes no USERNAME" : "USERNAME missing");
	if (sub->run == user_add && (!agency || !roles))
		return usage("add needs --agency and --roles");
	if ((sub->run == user_grant || sub->run == user_revoke) && !roles)
		return usage("grant and revoke need --roles");

	if (!cli->as_user)
		return usage("name the acting user with --as USER");
	if (!sub->run)
		return passwd(cli);
	return sp_cli_sub_run(cli, &sp_cli_cmd_user, sub, &a);
}
