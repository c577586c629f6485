/* safepath registry: the registry side of matching people (docs/registry-matching.md) —
 * rebuild every person's matching cells and blinded keys (a store written before migration
 * 0031, or after the model changed), and decide on two cases' persons: one person (link), not
 * the same (reject), or undo the decision; list a case's decisions. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/matchreg.h"

static int cmd_registry(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_registry = {
	"registry",
	"rebuild the registry's matching index; link or reject two cases' persons",
	"registry reindex --as USER\n"
	"       safepath registry link|reject|unlink --as USER CASE OTHER_CASE\n"
	"       safepath registry links --as USER CASE\n"
	"reindex (a supervisor) rebuilds every person's sealed matching cells and blinded\n"
	"blocking keys, a batch per transaction, with a progress bar on a terminal. link confirms\n"
	"that the persons of CASE and OTHER_CASE are one person, reject that they are not (never\n"
	"proposed again to your agency), unlink undoes either; neither widens anyone's access.",
	cmd_registry,
};

static int reindex(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
		   const void *opts, struct sp_err *err)
{
	(void)unused;
	(void)opts;
	uint64_t n = 0;
	int rc = sp_matchreg_reindex(cw, sp_cli_progress, cli, &n, err);
	if (!rc)
		printf(cli->json ? "{\"persons\":%llu}\n" : "%llu person(s) reindexed\n",
		       (unsigned long long)n);
	return rc;
}

static int other_case(struct sp_casework *cw, const void *opts, struct sp_id *out,
		      struct sp_err *err)
{
	int rc = sp_cli_case_resolve(cw, opts, out, err);
	return rc == SP_ENOTFOUND ? sp_err_set(err, rc, "OTHER_CASE", "no such case") : rc;
}

static int decide(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		  const void *opts, enum sp_link_state d, struct sp_err *err)
{
	struct sp_id other;
	int rc = other_case(cw, opts, &other, err);
	if (!rc)
		rc = sp_matchreg_decide(cw, id, &other, d, err);
	if (!rc)
		printf(cli->json ? "{\"state\":\"%s\"}\n" : "%s\n", sp_link_state_name(d));
	return rc;
}

static int link_pair(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		const void *opts, struct sp_err *err)
{
	return decide(cli, cw, id, opts, SP_LINK_CONFIRMED, err);
}

static int reject_pair(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		  const void *opts, struct sp_err *err)
{
	return decide(cli, cw, id, opts, SP_LINK_REJECTED, err);
}

static int unlink_pair(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		       const void *opts, struct sp_err *err)
{
	struct sp_id other;
	int rc = other_case(cw, opts, &other, err);
	if (!rc)
		rc = sp_matchreg_undo(cw, id, &other, err);
	if (!rc)
		printf(cli->json ? "{\"state\":\"undone\"}\n" : "undone\n");
	return rc;
}

static int links(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		 const void *opts, struct sp_err *err)
{
	(void)opts;
	struct sp_matchreg_link l[SP_MATCHREG_LINKS_MAX];
	size_t n = 0;
	int rc = sp_matchreg_links(cw, id, l, &n, err);
	json_t *arr = !rc && cli->json ? json_array() : NULL;
	for (size_t i = 0; !rc && i < n; i++) {
		const char *state = sp_link_state_name(l[i].state);
		const char *who = l[i].visible ? l[i].number : "elsewhere";
		if (arr)
			json_array_append_new(arr, json_pack("{s:s, s:s}", "case", who, "state", state));
		else
			printf("%-22s %s\n", who, state);
	}
	if (arr)
		sp_cli_print_json(arr);
	json_decref(arr);
	return rc;
}

static const struct sp_cli_case_sub subcommands[] = {
	{"reindex", reindex, 0}, {"link", link_pair, 2},	    {"reject", reject_pair, 2},
	{"unlink", unlink_pair, 2}, {"links", links, 1}, {NULL, NULL, 0},
};

static int cmd_registry(struct sp_cli *cli, int argc, char **argv)
{
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_registry;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(cmd, "registry needs a subcommand");
	const struct sp_cli_case_sub *sub = sp_cli_case_sub_find(subcommands, argv[1]);
	if (!sub)
		return sp_cli_usage(cmd, "no registry subcommand '%s'", argv[1]);
	if (argc - 2 != sub->takes_case)
		return sp_cli_usage(cmd, "registry %s needs %s", sub->name,
				    sub->takes_case == 2   ? "CASE and OTHER_CASE"
				    : sub->takes_case == 1 ? "one CASE"
							   : "no argument");
	return sp_cli_case_sub_run(cli, cmd, sub, sub->takes_case ? argv[2] : NULL,
				   sub->takes_case == 2 ? argv[3] : NULL);
}
