/* safepath agency: add an agency (an administrator's work) and list them. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/access.h"

/* From cmd_user.c (cli.h should take them). */
struct sp_cli_access;
int sp_cli_access_open(struct sp_cli *cli, int with_keys, struct sp_cli_access **out);
void sp_cli_access_close(struct sp_cli_access *ca);
struct sp_access *sp_cli_access_get(struct sp_cli_access *ca);
int sp_cli_access_login(struct sp_cli *cli, struct sp_access *acc, struct sp_subject *as);
int cmd_agency(struct sp_cli *cli, int argc, char **argv);

static const char agency_usage[] =
	"agency add --code CODE --name NAME --kind KIND --country CC --as ADMIN\n"
	"       safepath agency list\n"
	"KIND: immigration, police, labour_inspection, child_protection, ngo, health, shelter,\n"
	"      legal_aid, guardian_service, international_organisation, partner_authority_abroad";

static int usage(const char *msg)
{
	fprintf(stderr, "safepath: agency: %s\nusage: safepath %s\n", msg, agency_usage);
	return SP_EXIT_USAGE;
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
		char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		if (s)
			printf("%s\n", s);
		free(s);
		json_decref(j);
	} else {
		printf("%-6s %-2s %-26s %s\n", ag->code, ag->country, sp_agency_kind_name(ag->kind),
		       ag->name);
	}
	return 0;
}

static int copy_opt(char *dst, size_t n, const char *v, const char *what)
{
	if (strlen(v) >= n) {
		fprintf(stderr, "safepath: agency: %s is too long\n", what);
		return -1;
	}
	memcpy(dst, v, strlen(v) + 1);
	return 0;
}

int cmd_agency(struct sp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"code", required_argument, NULL, 'c'},	   {"name", required_argument, NULL, 'n'},
		{"kind", required_argument, NULL, 'k'},	   {"country", required_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	if (argc < 2)
		return usage("which subcommand?");
	const char *sub = argv[1];
	struct sp_agency in = {.kind = SP_AGENCY_KIND_COUNT};
	int have = 0, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (copy_opt(in.code, sizeof in.code, optarg, "--code"))
				return SP_EXIT_USAGE;
			have |= 1;
			break;
		case 'n':
			if (copy_opt(in.name, sizeof in.name, optarg, "--name"))
				return SP_EXIT_USAGE;
			have |= 2;
			break;
		case 'k':
			if (sp_agency_kind_parse(optarg, &in.kind))
				return usage("unknown --kind");
			have |= 4;
			break;
		case 'C':
			if (copy_opt(in.country, sizeof in.country, optarg, "--country"))
				return SP_EXIT_USAGE;
			have |= 8;
			break;
		default:
			return usage("unknown option");
		}
	}
	if (optind != argc - 1)
		return usage("unexpected argument");
	int is_add = strcmp(sub, "add") == 0, is_list = strcmp(sub, "list") == 0;
	if (!is_add && !is_list)
		return usage("unknown subcommand");
	if (is_add && have != 15)
		return usage("add needs --code, --name, --kind and --country");
	if (is_list && have)
		return usage("list takes no options");

	struct sp_cli_access *ca = NULL;
	struct sp_err err = {0};
	int rc = sp_cli_access_open(cli, is_add, &ca);
	if (rc)
		return rc;
	struct sp_access *acc = sp_cli_access_get(ca);
	if (is_list) {
		if (sp_agency_list(acc, agency_print, cli, &err))
			rc = sp_cli_fail(&err, "agency list");
		goto out;
	}
	struct sp_subject as;
	rc = sp_cli_access_login(cli, acc, &as);
	if (rc)
		goto out;
	struct sp_agency out;
	if (sp_agency_add(acc, &as, &in, &out, &err))
		rc = sp_cli_fail(&err, "agency add");
	else
		agency_print(&out, cli);
out:
	sp_cli_access_close(ca);
	return rc;
}
