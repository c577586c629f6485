/* safepath agency: add an agency (an administrator's work) and list them. Agencies own
 * cases; their code prefixes case numbers, their kind decides the firewall. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/access.h"

static int sp_cmd_agency(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_agency = {
	"agency", "add and list agencies",
	"agency add --code CODE --name NAME --kind KIND --country CC --as ADMIN\n"
	"       safepath agency list --as USER\n"
	"  --code     case-number prefix, 2 to 6 letters A-Z (\"IMM\")\n"
	"  --name     the organisation's name (never a person's)\n"
	"  --kind     immigration, police, labour_inspection, child_protection, ngo, health,\n"
	"             shelter, legal_aid, guardian_service, international_organisation,\n"
	"             partner_authority_abroad (immigration and police are enforcement)\n"
	"  --country  ISO 3166-1 alpha-2 code",
	sp_cmd_agency,
};

static int usage(const char *msg)
{
	return sp_cli_usage(&sp_cli_cmd_agency, "agency: %s", msg);
}

static int agency_print(const struct sp_agency *ag, void *ctx)
{
	const struct sp_cli *cli = ctx;
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&ag->id, id);
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "code", ag->code, "name",
				      ag->name, "kind", sp_agency_kind_name(ag->kind), "country",
				      ag->country);
		sp_cli_print_json(j);
		json_decref(j);
	} else {
		printf("%-6s %-2s %-26s %s\n", ag->code, ag->country, sp_agency_kind_name(ag->kind),
		       ag->name);
	}
	return 0;
}

static int copy_opt(char *dst, size_t n, const char *v)
{
	if (strlen(v) >= n)
		return -1;
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

static int agency_add(struct sp_cli *cli, struct sp_app *app, const void *args,
		      struct sp_err *err)
{
	struct sp_agency out;
	int rc = sp_agency_add(&app->access, &app->subject, args, &out, err);
	if (!rc)
		agency_print(&out, cli);
	return rc;
}

static int agency_list(struct sp_cli *cli, struct sp_app *app, const void *args,
		       struct sp_err *err)
{
	(void)args;
	return sp_agency_list(&app->access, agency_print, cli, err);
}

static const struct sp_cli_sub subcommands[] = {
	{"add", agency_add, 0},
	{"list", agency_list, 0},
	{NULL, NULL, 0},
};

static int sp_cmd_agency(struct sp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"code", required_argument, NULL, 'c'},	   {"name", required_argument, NULL, 'n'},
		{"kind", required_argument, NULL, 'k'},	   {"country", required_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	if (argc < 2)
		return usage("which subcommand?");
	struct sp_agency in = {.kind = SP_AGENCY_KIND_COUNT};
	int have = 0, c;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (copy_opt(in.code, sizeof in.code, optarg))
				return usage("--code is too long");
			have |= 1;
			break;
		case 'n':
			if (copy_opt(in.name, sizeof in.name, optarg))
				return usage("--name is too long");
			have |= 2;
			break;
		case 'k':
			if (sp_agency_kind_parse(optarg, &in.kind))
				return usage("--kind: unknown kind");
			have |= 4;
			break;
		case 'C':
			if (copy_opt(in.country, sizeof in.country, optarg))
				return usage("--country must be a two-letter code");
			have |= 8;
			break;
		default:
			return usage("unknown option");
		}
	}
	if (optind != argc - 1)
		return usage("unexpected argument");
	const struct sp_cli_sub *sub = sp_cli_sub_find(subcommands, argv[1]);
	if (!sub)
		return usage("unknown subcommand");
	if (sub->run == agency_add && have != 15)
		return usage("add needs --code, --name, --kind and --country");
	if (sub->run == agency_list && have)
		return usage("list takes no options");
	return sp_cli_sub_run(cli, &sp_cli_cmd_agency, sub, &in);
}
