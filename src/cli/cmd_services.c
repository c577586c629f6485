/* safepath services: the service directory (docs/cli/services.md) — import and export it as
 * Open Referral HSDS JSON, search it for a person's need, show one service and change its
 * capacity or status. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/service.h"

static int cmd_services(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_services = {
	"services",
	"the service directory: import, export, search, show, update",
	"services import FILE.json --as USER\n"
	"       safepath services import --csv DIR --as USER\n"
	"       safepath services export [--csv DIR] --as USER\n"
	"       safepath services search [--need CODE] [--kind CODE] [--area AREA] [--language L]\n"
	"                [--age YEARS] [--sex female|male|other] [--with-capacity] --as USER\n"
	"       safepath services show --as USER SERVICE-ID\n"
	"       safepath services update [--total N] [--available N] [--status STATUS]\n"
	"                [--version N] --as USER SERVICE-ID\n"
	"FILE.json is an Open Referral HSDS document, DIR its tabular package of CSV files\n"
	"(docs/services.md); one bad row imports nothing, and every error is printed with its\n"
	"JSON pointer, or its file, row and column. Import and update need a\n"
	"supervisor or focal point. AREA is an area code (\"DE-BE\", \"GB-ENG/LND\"); CODE a code\n"
	"of the needs or services vocabulary (protocols/codes.json).",
	cmd_services,
};

struct services_opts {
	struct sp_service_query q;
	struct sp_service_change ch;
	int64_t version;
	const char *csv; /* --csv DIR */
	const char *arg; /* FILE or SERVICE-ID */
};

/* Each error where the user will find it: its JSON pointer in FILE, or its file, row and
 * column in the package DIR. */
static void print_errors(const struct services_opts *o, const struct sp_diag *d)
{
	const char *where = o->csv ? o->csv : o->arg;
	for (size_t i = 0; i < d->n; i++) {
		char at[200];
		const char *p = d->items[i].pointer;
		if (o->csv && sp_services_csv_where(p, at, sizeof at) == 0)
			p = at;
		fprintf(stderr, "%s: %s%s%s\n", where, p, p[0] ? ": " : "", d->items[i].msg);
	}
	if (d->dropped)
		fprintf(stderr, "%s: ... and %zu more errors\n", where, d->dropped);
}

static int services_import(struct sp_cli *cli, struct sp_app *app, const void *args,
			   struct sp_err *err)
{
	const struct services_opts *o = args;
	json_error_t je;
	json_t *doc = NULL;
	struct sp_diag d;
	sp_diag_init(&d);
	size_t n = 0;
	int rc = SP_OK;
	if (o->csv)
		rc = sp_services_csv_read(o->csv, &doc, &d, err);
	else if (!(doc = json_load_file(o->arg, JSON_REJECT_DUPLICATES, &je)))
		rc = sp_err_set(err, SP_EINVAL, "", "%s: line %d: %s", o->arg, je.line, je.text);
	if (!rc)
		rc = sp_cli_vocabulary(app, err);
	if (!rc)
		rc = sp_services_import(&app->access, &app->subject, &app->vocabulary, doc, &n, &d,
					err);
	if (rc && d.n) {
		print_errors(o, &d);
		rc = sp_err_set(err, rc, "", "%zu error%s: nothing was imported", d.n + d.dropped,
				d.n + d.dropped == 1 ? "" : "s");
	}
	if (!rc && cli->json) {
		json_t *j = json_pack("{s:I}", "imported", (json_int_t)n);
		sp_cli_print_json(j);
		json_decref(j);
	} else if (!rc) {
		printf("imported %zu services from %s\n", n, o->csv ? o->csv : o->arg);
	}
	sp_diag_free(&d);
	json_decref(doc);
	return rc;
}

static int print_doc(json_t *j)
{
	int rc = json_dumpf(j, stdout, JSON_INDENT(2)) ? SP_EIO : SP_OK;
	fputc('\n', stdout);
	json_decref(j);
	return rc;
}

static int services_export(struct sp_cli *cli, struct sp_app *app, const void *args,
			   struct sp_err *err)
{
	const struct services_opts *o = args;
	json_t *doc = NULL;
	int rc = sp_services_export(&app->access, &app->subject, &doc, err);
	if (rc || !o->csv)
		return rc ? rc : print_doc(doc);
	rc = sp_services_csv_write(doc, o->csv, err);
	if (!rc && !cli->json)
		printf("exported %zu services to %s\n",
		       json_array_size(json_object_get(doc, "service")), o->csv);
	json_decref(doc);
	return rc;
}

static int services_show(struct sp_cli *cli, struct sp_app *app, const void *args,
			 struct sp_err *err)
{
	(void)cli;
	const struct services_opts *o = args;
	struct sp_id id;
	json_t *s = NULL;
	if (sp_id_parse(o->arg, &id))
		return sp_err_set(err, SP_EINVAL, "SERVICE-ID", "must be a service id (a UUID)");
	int rc = sp_service_get(&app->access, &app->subject, &id, &s, err);
	return rc ? rc : print_doc(s);
}

static int services_update(struct sp_cli *cli, struct sp_app *app, const void *args,
			   struct sp_err *err)
{
	const struct services_opts *o = args;
	struct sp_id id;
	int64_t v = 0;
	if (sp_id_parse(o->arg, &id))
		return sp_err_set(err, SP_EINVAL, "SERVICE-ID", "must be a service id (a UUID)");
	int rc = sp_service_update(&app->access, &app->subject, &id, o->version, &o->ch, &v, err);
	if (rc)
		return rc;
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:I}", "id", o->arg, "version", (json_int_t)v);
		sp_cli_print_json(j);
		json_decref(j);
	} else {
		printf("updated %s (version %lld)\n", o->arg, (long long)v);
	}
	return SP_OK;
}

static int services_search(struct sp_cli *cli, struct sp_app *app, const void *args,
			   struct sp_err *err)
{
	const struct services_opts *o = args;
	json_t *hits = NULL;
	int rc = sp_cli_vocabulary(app, err);
	if (!rc)
		rc = sp_service_search(&app->access, &app->vocabulary, &o->q, &hits, err);
	if (rc)
		return rc;
	if (cli->json)
		return print_doc(hits);
	for (size_t i = 0; i < json_array_size(hits); i++) {
		const json_t *h = json_array_get(hits, i);
		printf("%s  %s (%s)  area: %s%s\n", json_string_value(json_object_get(h, "id")),
		       json_string_value(json_object_get(h, "name")),
		       json_string_value(json_object_get(h, "organization")),
		       json_string_value(json_object_get(h, "area_match")),
		       strcmp(json_string_value(json_object_get(h, "referral_route")), "direct")
			       ? "  referral through a focal point only"
			       : "");
		const json_t *why = json_object_get(h, "why");
		for (size_t k = 0; k < json_array_size(why); k++)
			printf("    %s\n", json_string_value(json_array_get(why, k)));
	}
	if (!json_array_size(hits))
		printf("no service matches\n");
	json_decref(hits);
	return SP_OK;
}

static const struct sp_cli_sub subcommands[] = {
	{"import", services_import, 1}, {"export", services_export, 0},
	{"search", services_search, 0}, {"show", services_show, 1},
	{"update", services_update, 1}, {NULL, NULL, 0},
};

static int number(const char *s, int64_t lo, int64_t hi, int64_t *out)
{
	char *end = NULL;
	long long v = strtoll(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_options(const struct sp_cli_cmd *cmd, int argc, char **argv,
			 struct services_opts *o)
{
	static const struct option opts[] = {
		{"need", required_argument, NULL, 'n'},	     {"kind", required_argument, NULL, 'k'},
		{"area", required_argument, NULL, 'a'},	     {"language", required_argument, NULL, 'l'},
		{"age", required_argument, NULL, 'g'},	     {"sex", required_argument, NULL, 's'},
		{"with-capacity", no_argument, NULL, 'c'},  {"total", required_argument, NULL, 't'},
		{"available", required_argument, NULL, 'v'}, {"status", required_argument, NULL, 'S'},
		{"version", required_argument, NULL, 'V'},  {"csv", required_argument, NULL, 'C'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	int64_t v;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'n':
			o->q.need = optarg;
			break;
		case 'k':
			o->q.kind = optarg;
			break;
		case 'a':
			o->q.area = optarg;
			break;
		case 'l':
			o->q.language = optarg;
			break;
		case 'g':
			if (number(optarg, 0, 120, &v))
				return sp_cli_usage(cmd, "--age must be a number of years, 0 to 120");
			o->q.age = (int)v;
			break;
		case 's':
			o->q.sex = optarg;
			break;
		case 'c':
			o->q.with_capacity = true;
			break;
		case 't':
		case 'v':
			if (number(optarg, 0, INT32_MAX, &v))
				return sp_cli_usage(cmd, "--%s must be a number of places",
						    ch == 't' ? "total" : "available");
			*(ch == 't' ? &o->ch.capacity_total : &o->ch.capacity_available) = v;
			break;
		case 'S':
			o->ch.status = optarg;
			break;
		case 'C':
			o->csv = optarg;
			break;
		case 'V':
			if (number(optarg, 1, INT64_MAX, &o->version))
				return sp_cli_usage(cmd, "--version must be a positive number");
			break;
		default:
			return sp_cli_usage(cmd, "unknown option");
		}
	}
	return SP_EXIT_OK;
}

static int cmd_services(struct sp_cli *cli, int argc, char **argv)
{
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_services;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(cmd, "services needs a subcommand");
	struct services_opts o = {.q = {.age = -1},
				  .ch = {.capacity_total = -1, .capacity_available = -1}};
	int rc = parse_options(cmd, argc, argv, &o);
	if (rc)
		return rc;
	const struct sp_cli_sub *sub = sp_cli_sub_find(subcommands, argv[1]);
	if (!sub)
		return sp_cli_usage(cmd, "no services subcommand '%s'", argv[1]);
	if (o.csv && sub->run != services_import && sub->run != services_export)
		return sp_cli_usage(cmd, "--csv is for import and export");
	int want = sub->run == services_import && o.csv ? 0 : sub->takes_arg;
	if (argc - 1 - optind != want)
		return sp_cli_usage(cmd, "services %s needs %s", sub->name,
				    !want				 ? "no argument"
				    : sub->run == services_import ? "one FILE"
								  : "one SERVICE-ID");
	if (sub->run == services_update && o.ch.capacity_total < 0 &&
	    o.ch.capacity_available < 0 && !o.ch.status)
		return sp_cli_usage(cmd, "services update needs --total, --available or --status");
	o.arg = want ? argv[1 + optind] : NULL;
	return sp_cli_sub_run(cli, cmd, sub, &o);
}
