/* safepath focal: the agency's protection focal points and its routing rules, and where a
 * need goes first (docs/cli/focal.md, docs/focal-points.md). */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/focal.h"
#include "safepath/names.h"

static int cmd_focal(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_focal = {
	"focal",
	"protection focal points and routing rules of your agency",
	"focal list --as USER\n"
	"       safepath focal add [--country CC] [--need CODE]... [--default] --as USER USERNAME\n"
	"       safepath focal remove --as USER FOCAL-POINT-ID\n"
	"       safepath focal rules --as USER\n"
	"       safepath focal rule (--service SERVICE-ID | --to USERNAME) --as USER NEED\n"
	"       safepath focal unrule --as USER RULE-ID\n"
	"       safepath focal route --as USER NEED\n"
	"add names USERNAME (a user of your agency holding the focal_point role) as a focal point\n"
	"for the agency, or with --country for hand-overs with that country; --need (repeated)\n"
	"limits it to those needs, --default makes it the scope's default. rule routes a need of\n"
	"your agency's cases to a service of the directory or to a focal point; route says where\n"
	"a need goes first and why. Changes need a supervisor or focal point. NEED and CODE are\n"
	"codes of the needs vocabulary (protocols/codes.json).",
	cmd_focal,
};

struct focal_opts {
	struct sp_focal_point fp;
	const char *service; /* --service */
	const char *to;      /* --to USERNAME */
	const char *arg;     /* USERNAME, ID or NEED */
};

static int print_json(json_t *j)
{
	sp_cli_print_json(j);
	json_decref(j);
	return SP_OK;
}

static int user_id(struct sp_app *app, const char *name, const char *field, struct sp_id *out,
		   struct sp_err *err)
{
	struct sp_user u;
	int rc = sp_user_get_by_name(&app->access, name, &u, err);
	if (rc == SP_ENOTFOUND)
		return sp_err_set(err, SP_EINVAL, field, "no such user");
	if (!rc)
		*out = u.id;
	return rc;
}

static int parse_id(const char *s, const char *field, struct sp_id *out, struct sp_err *err)
{
	return sp_id_parse(s, out) ? sp_err_set(err, SP_EINVAL, field, "must be an id (a UUID)")
				   : SP_OK;
}

static int focal_list(struct sp_cli *cli, struct sp_app *app, const void *args,
		      struct sp_err *err)
{
	(void)args;
	struct sp_focal_point *fps = NULL;
	size_t n = 0;
	int rc = sp_focal_list(&app->access, &app->subject, &fps, &n, err);
	if (rc)
		return rc;
	json_t *items = cli->json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		const struct sp_focal_point *fp = &fps[i];
		if (items) {
			json_array_append_new(items, sp_focal_json(fp));
			continue;
		}
		char id[SP_ID_STRLEN + 1];
		sp_id_format(&fp->id, id);
		printf("%s  %s  %s%s%s%s  needs:", id, fp->username, sp_focal_scope_name(fp->scope),
		       fp->country[0] ? " " : "", fp->country, fp->is_default ? " (default)" : "");
		for (size_t k = 0; k < fp->n_needs; k++)
			printf(" %s", fp->needs[k]);
		printf("%s\n", fp->n_needs ? "" : " every need");
	}
	if (!n && !items)
		printf("your agency has no focal point\n");
	free(fps);
	return items ? print_json(json_pack("{s:o}", "items", items)) : SP_OK;
}

static int focal_add(struct sp_cli *cli, struct sp_app *app, const void *args,
		     struct sp_err *err)
{
	const struct focal_opts *o = args;
	struct sp_focal_point fp = o->fp;
	int rc = user_id(app, o->arg, "USERNAME", &fp.user, err);
	if (!rc)
		rc = sp_cli_vocabulary(app, err);
	if (!rc)
		rc = sp_focal_add(&app->access, &app->subject, &app->vocabulary, &fp, err);
	if (rc)
		return rc;
	snprintf(fp.username, sizeof fp.username, "%s", o->arg);
	if (cli->json)
		return print_json(sp_focal_json(&fp));
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&fp.id, id);
	printf("focal point %s: %s\n", id, o->arg);
	return SP_OK;
}

static int focal_remove(struct sp_cli *cli, struct sp_app *app, const void *args,
			struct sp_err *err)
{
	(void)cli;
	const struct focal_opts *o = args;
	struct sp_id id;
	int rc = parse_id(o->arg, "FOCAL-POINT-ID", &id, err);
	if (!rc)
		rc = sp_focal_remove(&app->access, &app->subject, &id, err);
	if (!rc && !cli->json)
		printf("removed focal point %s\n", o->arg);
	return rc;
}

static int focal_rules(struct sp_cli *cli, struct sp_app *app, const void *args,
		       struct sp_err *err)
{
	(void)args;
	struct sp_route_rule *rules = NULL;
	size_t n = 0;
	int rc = sp_route_list(&app->access, &app->subject, &rules, &n, err);
	if (rc)
		return rc;
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		json_array_append_new(items, sp_route_rule_json(&rules[i]));
	free(rules);
	if (cli->json)
		return print_json(json_pack("{s:o}", "items", items));
	for (size_t i = 0; i < json_array_size(items); i++) {
		const json_t *r = json_array_get(items, i);
		const char *to = json_string_value(json_object_get(r, "service"));
		printf("%s  %s -> %s %s (%s)\n", json_string_value(json_object_get(r, "id")),
		       json_string_value(json_object_get(r, "need")), to ? "service" : "focal point",
		       json_string_value(json_object_get(r, "target_name")),
		       to ? to : json_string_value(json_object_get(r, "focal_point")));
	}
	if (!n)
		printf("your agency has no routing rule\n");
	json_decref(items);
	return SP_OK;
}

static int focal_rule(struct sp_cli *cli, struct sp_app *app, const void *args,
		      struct sp_err *err)
{
	const struct focal_opts *o = args;
	struct sp_route_rule rule = {0};
	if (sp_text_copy(rule.need, sizeof rule.need, o->arg))
		return sp_err_set(err, SP_EINVAL, "NEED", "is not a code of the needs vocabulary");
	rule.target = o->service ? SP_ROUTE_SERVICE : SP_ROUTE_FOCAL_POINT;
	int rc = o->service ? parse_id(o->service, "--service", &rule.service, err)
			    : user_id(app, o->to, "--to", &rule.focal_user, err);
	if (!rc)
		rc = sp_cli_vocabulary(app, err);
	if (!rc)
		rc = sp_route_add(&app->access, &app->subject, &app->vocabulary, &rule, err);
	if (rc)
		return rc;
	if (cli->json)
		return print_json(sp_route_rule_json(&rule));
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&rule.id, id);
	printf("routing rule %s: %s -> %s\n", id, rule.need, o->service ? o->service : o->to);
	return SP_OK;
}

static int focal_unrule(struct sp_cli *cli, struct sp_app *app, const void *args,
			struct sp_err *err)
{
	const struct focal_opts *o = args;
	struct sp_id id;
	int rc = parse_id(o->arg, "RULE-ID", &id, err);
	if (!rc)
		rc = sp_route_remove(&app->access, &app->subject, &id, err);
	if (!rc && !cli->json)
		printf("removed routing rule %s\n", o->arg);
	return rc;
}

static int focal_route(struct sp_cli *cli, struct sp_app *app, const void *args,
		       struct sp_err *err)
{
	const struct focal_opts *o = args;
	json_t *route = NULL;
	int rc = sp_cli_vocabulary(app, err);
	if (!rc)
		rc = sp_route_resolve(&app->access, &app->subject, &app->vocabulary, o->arg, &route,
				      err);
	if (rc)
		return rc;
	if (cli->json)
		return print_json(route);
	const json_t *svc = json_object_get(route, "service");
	const json_t *fp = json_object_get(route, "focal_point");
	printf("%s: %s", o->arg, json_string_value(json_object_get(route, "route")));
	if (json_is_object(svc))
		printf(" %s (%s)", json_string_value(json_object_get(svc, "name")),
		       json_string_value(json_object_get(svc, "id")));
	if (json_is_object(fp))
		printf("%s %s", json_is_object(svc) ? " through" : "",
		       json_string_value(json_object_get(fp, "username")));
	printf("\n  %s\n", json_string_value(json_object_get(route, "why")));
	json_decref(route);
	return SP_OK;
}

static const struct sp_cli_sub subcommands[] = {
	{"list", focal_list, 0},   {"add", focal_add, 1},	 {"remove", focal_remove, 1},
	{"rules", focal_rules, 0}, {"rule", focal_rule, 1},	 {"unrule", focal_unrule, 1},
	{"route", focal_route, 1}, {NULL, NULL, 0},
};

static int parse_options(const struct sp_cli_cmd *cmd, int argc, char **argv,
			 struct focal_opts *o)
{
	static const struct option opts[] = {
		{"country", required_argument, NULL, 'c'}, {"need", required_argument, NULL, 'n'},
		{"default", no_argument, NULL, 'd'},	   {"service", required_argument, NULL, 's'},
		{"to", required_argument, NULL, 't'},	   {NULL, 0, NULL, 0},
	};
	int ch;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (sp_text_copy(o->fp.country, sizeof o->fp.country, optarg))
				return sp_cli_usage(cmd, "--country must be a country code");
			o->fp.scope = SP_FOCAL_COUNTRY;
			break;
		case 'n':
			if (o->fp.n_needs == SP_FOCAL_NEEDS_MAX ||
			    sp_text_copy(o->fp.needs[o->fp.n_needs], SP_NEED_CODE_MAX, optarg))
				return sp_cli_usage(cmd, "--need: at most %d codes of the needs "
							 "vocabulary",
						    SP_FOCAL_NEEDS_MAX);
			o->fp.n_needs++;
			break;
		case 'd':
			o->fp.is_default = true;
			break;
		case 's':
			o->service = optarg;
			break;
		case 't':
			o->to = optarg;
			break;
		default:
			return sp_cli_usage(cmd, "unknown option");
		}
	}
	return SP_EXIT_OK;
}

static int cmd_focal(struct sp_cli *cli, int argc, char **argv)
{
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_focal;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(cmd, "focal needs a subcommand");
	struct focal_opts o = {0};
	int rc = parse_options(cmd, argc, argv, &o);
	if (rc)
		return rc;
	const struct sp_cli_sub *sub = sp_cli_sub_find(subcommands, argv[1]);
	if (!sub)
		return sp_cli_usage(cmd, "no focal subcommand '%s'", argv[1]);
	bool adding = sub->run == focal_add, ruling = sub->run == focal_rule;
	if (!adding && (o.fp.country[0] || o.fp.n_needs || o.fp.is_default))
		return sp_cli_usage(cmd, "--country, --need and --default are for focal add");
	if (ruling && !o.service == !o.to)
		return sp_cli_usage(cmd, "focal rule needs either --service or --to");
	if (!ruling && (o.service || o.to))
		return sp_cli_usage(cmd, "--service and --to are for focal rule");
	if (argc - 1 - optind != sub->takes_arg)
		return sp_cli_usage(cmd, "focal %s needs %s", sub->name,
				    sub->takes_arg ? "one argument" : "no argument");
	o.arg = sub->takes_arg ? argv[1 + optind] : NULL;
	return sp_cli_sub_run(cli, cmd, sub, &o);
}
