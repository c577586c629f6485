/* safepath jurisdictions list | show ID | check FILE: the jurisdiction files in use (the shipped
 * ones, replaced or joined by DATA/jurisdictions/ID.json), one of them with its deadline rules,
 * holidays and who may decide, and a file checked before it is installed. Reads no database,
 * no key and no personal data. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "safepath/json.h"
#include "safepath/jurisdiction.h"
#include "safepath/policy.h"

static int cmd_jurisdictions(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_jurisdictions = {
	"jurisdictions",
	"list the jurisdictions (deadlines, holidays, time zones), show one, check a file",
	"jurisdictions list\n"
	"       safepath jurisdictions show ID\n"
	"       safepath jurisdictions check FILE\n"
	"The shipped files are replaced or joined by DATA/jurisdictions/ID.json. check prints each\n"
	"error as FILE: POINTER: reason and exits 1 when there is one",
	cmd_jurisdictions,
};

#define CHECK_ERRORS 64

static int load(struct sp_cli *cli, struct sp_jurisdictions *set)
{
	char dir[4096];
	struct sp_err err = {0};
	int n = snprintf(dir, sizeof dir, "%s/jurisdictions", sp_config_get(&cli->cfg, "data"));
	if (n < 0 || (size_t)n >= sizeof dir) {
		sp_err_set(&err, SP_EINVAL, "data", "the path is too long");
		return sp_cli_fail(&err, "jurisdictions");
	}
	if (sp_jurisdictions_load(dir, set, &err))
		return sp_cli_fail(&err, "jurisdictions");
	return SP_EXIT_OK;
}

int sp_cli_jurisdictions_open(struct sp_cli *cli, struct sp_jurisdictions *set,
			      const struct sp_jurisdiction **j)
{
	int rc = load(cli, set);
	if (rc)
		return rc;
	const char *id = sp_config_get(&cli->cfg, "jurisdiction");
	*j = sp_jurisdictions_find(set, id);
	if (*j)
		return SP_EXIT_OK;
	struct sp_err err = {0};
	sp_err_set(&err, SP_EINVAL, "jurisdiction",
		   "no jurisdiction file has the id '%s' (safepath jurisdictions list)", id);
	sp_jurisdictions_free(set);
	return sp_cli_fail(&err, "jurisdictions");
}

static json_t *summary_json(const struct sp_jurisdiction *j)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:O}", "id", j->id, "version", j->version,
			 "status", sp_jur_status_name(j->status), "source", j->source,
			 "time_zone", j->time_zone, "title", j->title);
}

static int jur_list(struct sp_cli *cli)
{
	struct sp_jurisdictions set = {0};
	int rc = load(cli, &set);
	if (rc)
		return rc;
	if (cli->json) {
		json_t *a = json_array();
		for (size_t i = 0; i < set.n; i++)
			json_array_append_new(a, summary_json(set.items[i]));
		sp_cli_print_json(a);
		json_decref(a);
	} else {
		for (size_t i = 0; i < set.n; i++) {
			const struct sp_jurisdiction *j = set.items[i];
			printf("%-16s %-10s %-12s %s\n", j->id, j->version,
			       sp_jur_status_name(j->status), sp_jur_text(j->title, "en"));
		}
	}
	sp_jurisdictions_free(&set);
	return SP_EXIT_OK;
}

static void print_amount(const struct sp_jur_rule *r)
{
	char what[64];
	if (r->unit == SP_UNIT_UNTIL_EVENT)
		snprintf(what, sizeof what, "until %s", sp_jur_event_name(r->until));
	else if (r->unit == SP_UNIT_IMMEDIATELY)
		snprintf(what, sizeof what, "immediately");
	else
		snprintf(what, sizeof what, "%d %s", r->amount, sp_jur_unit_name(r->unit));
	printf("  %-22s %-8s %-24s from %-15s [%c] %s\n", r->id, sp_jur_kind_name(r->kind), what,
	       sp_jur_event_name(r->trigger), r->tag, sp_jur_text(r->title, "en"));
}

static void print_decisions(const struct sp_jurisdiction *j)
{
	printf("decisions:\n");
	for (int t = 0; t < SP_DECISION_TYPE_COUNT; t++) {
		const struct sp_jur_decision *d = &j->decisions[t];
		if (!d->present)
			continue;
		char roles[256];
		if (sp_roles_format(d->roles, roles, sizeof roles))
			snprintf(roles, sizeof roles, "?");
		printf("  %-20s roles %s", sp_decision_type_name((enum sp_decision_type)t), roles);
		if (d->agency_kinds) {
			printf(", agencies");
			const char *sep = " ";
			for (int k = 0; k < SP_AGENCY_KIND_COUNT; k++)
				if (d->agency_kinds & (1u << k)) {
					printf("%s%s", sep, sp_agency_kind_name((enum sp_agency_kind)k));
					sep = ",";
				}
		}
		printf(" [%c]\n", d->tag);
	}
}

static int jur_show(struct sp_cli *cli, const char *id)
{
	struct sp_jurisdictions set = {0};
	int rc = load(cli, &set);
	if (rc)
		return rc;
	const struct sp_jurisdiction *j = sp_jurisdictions_find(&set, id);
	if (!j) {
		struct sp_err err = {0};
		sp_err_set(&err, SP_ENOTFOUND, "ID", "no such jurisdiction");
		sp_jurisdictions_free(&set);
		return sp_cli_fail(&err, "jurisdictions show");
	}
	if (cli->json) {
		sp_cli_print_json(j->doc);
	} else {
		printf("%s %s (%s): %s\n", j->id, j->version, sp_jur_status_name(j->status),
		       sp_jur_text(j->title, "en"));
		printf("source: %s\ntime zone: %s\n", j->source, j->time_zone);
		if (j->holiday_from)
			printf("holidays: %zu in %d-%d [%c]\n", j->n_holidays, j->holiday_from,
			       j->holiday_to, j->holidays_tag);
		else
			printf("holidays: none (working days refused)\n");
		printf("deadlines:\n");
		for (size_t i = 0; i < j->n_rules; i++)
			print_amount(&j->rules[i]);
		print_decisions(j);
	}
	sp_jurisdictions_free(&set);
	return SP_EXIT_OK;
}

static int jur_check(struct sp_cli *cli, const char *file)
{
	struct sp_err errs[CHECK_ERRORS];
	size_t n = 0;
	int rc = sp_jurisdiction_check_file(file, errs, CHECK_ERRORS, &n);
	if (rc && rc != SP_EINVAL)
		return sp_cli_fail(&errs[0], "jurisdictions check");
	if (cli->json) {
		json_t *list = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(list, json_pack("{s:s, s:s}", "pointer",
							      errs[i].field, "reason",
							      errs[i].msg));
		json_t *o = json_pack("{s:s, s:b, s:o}", "file", file, "valid", rc == SP_OK,
				      "errors", list);
		sp_cli_print_json(o);
		json_decref(o);
	} else if (rc == SP_OK) {
		printf("%s: valid\n", file);
	} else {
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, "%s: %s: %s\n", file,
				errs[i].field[0] ? errs[i].field : "(document)", errs[i].msg);
	}
	return rc == SP_OK ? SP_EXIT_OK : SP_EXIT_FAIL;
}

static int jur_list_run(struct sp_cli *cli, const char *arg)
{
	(void)arg;
	return jur_list(cli);
}

/* The subcommands: name, whether it takes one argument (ID, FILE), what runs it. */
static const struct {
	const char *name;
	int takes_arg;
	int (*run)(struct sp_cli *cli, const char *arg);
} subcommands[] = {
	{"list", 0, jur_list_run},
	{"show", 1, jur_show},
	{"check", 1, jur_check},
};

static int cmd_jurisdictions(struct sp_cli *cli, int argc, char **argv)
{
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_jurisdictions;
	if (argc < 2)
		return sp_cli_usage(cmd, "jurisdictions needs a subcommand");
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1])
			return sp_cli_usage(cmd, "unknown option");
	for (size_t i = 0; i < sizeof subcommands / sizeof subcommands[0]; i++) {
		if (strcmp(argv[1], subcommands[i].name) != 0)
			continue;
		if (argc != 2 + subcommands[i].takes_arg)
			return sp_cli_usage(cmd, "wrong number of arguments");
		return subcommands[i].run(cli, subcommands[i].takes_arg ? argv[2] : NULL);
	}
	return sp_cli_usage(cmd, "unknown subcommand");
}
