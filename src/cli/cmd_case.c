/* safepath case: open a case for a person, show it, change it, find it. Personal input (the
 * person, search terms) is read as JSON from standard input, never from the command line,
 * where other local users could read it (ps, shell history). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/access.h"
#include "safepath/case.h"
#include "safepath/crypto.h"
#include "safepath/json.h"
#include "safepath/store.h"

static int cmd_case(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_case = {
	"case",
	"add, show, update, search and list cases",
	"case add [--priority P] [--flag F]... [--assign USER] --as USER  < person.json\n"
	"       safepath case show [--person] [--safety] --as USER CASE\n"
	"       safepath case update --version N [--status S] [--priority P] [--flag F]...\n"
	"                            [--unflag F]... [--assign USER | --unassign] --as USER CASE\n"
	"       safepath case search --as USER  < query.json\n"
	"       safepath case list [--mine] [--status S] [--after CASE] [--limit N] --as USER\n"
	"CASE is a case number (NGO-2026-000123) or a case id. Personal data comes on standard\n"
	"input, never on the command line, so pass the password with --password-fd 3 (or type\n"
	"it at the terminal).\n"
	"query.json: {\"number\": N} | {\"phone\": P} | {\"names\": [PART, ...]} |\n"
	"            {\"document\": {\"type\": T, \"country\": CC, \"number\": N}}\n"
	"P: low, normal, high, urgent. S: open, active, closed.\n"
	"F: unaccompanied_child, separated_child, possible_victim_of_trafficking, restricted,\n"
	"   age_disputed, synthetic (legal_hold and anonymised are shown, never set here: see\n"
	"   safepath retention)",
	cmd_case,
};

/* ---- case ---- */

struct case_opts {
	int priority; /* -1 = not given */
	int status; /* -1 = not given */
	unsigned flags_on, flags_off;
	const char *assign;
	int unassign;
	int64_t version; /* -1 = not given */
	int person, safety;
	int mine;
	const char *after;
	long limit;
};

static void print_case(const struct sp_cli *cli, const struct sp_case *c)
{
	if (cli->json) {
		json_t *j = sp_case_encode(c);
		sp_cli_print_json(j);
		json_decref(j);
		return;
	}
	printf("%s  %s  %s  version %lld", c->number, sp_case_status_name(c->status),
	       sp_case_priority_name(c->priority), (long long)c->version);
	for (unsigned bit = 1; bit <= SP_CASE_FLAGS_ALL; bit <<= 1)
		if (c->flags & bit)
			printf("  %s", sp_case_flag_name(bit));
	printf("\n");
}

static int case_open(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *case_id,
		     const void *opts, struct sp_err *err)
{
	(void)case_id;
	const struct case_opts *o = opts;
	json_t *body = NULL;
	struct sp_person p;
	struct sp_id assignee = {{0}};
	struct sp_case c;
	int rc = sp_cli_read_stdin_json(&body, err);
	if (!rc)
		rc = sp_person_decode(body, cw->arena, &p, err);
	json_decref(body);
	if (!rc && o->assign)
		rc = sp_cli_user_id(cw, o->assign, "--assign", &assignee, err);
	struct sp_case_open in = {.person = &p,
				  .priority = o->priority < 0 ? SP_PRIORITY_NORMAL
							      : (enum sp_case_priority)o->priority,
				  .flags = o->flags_on,
				  .assigned = o->assign ? &assignee : NULL};
	if (!rc)
		rc = sp_case_open(cw, &in, &c, err);
	if (!rc)
		print_case(cli, &c);
	return rc;
}

static int case_show(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		     const void *opts, struct sp_err *err)
{
	const struct case_opts *o = opts;
	struct sp_case c;
	struct sp_person p;
	int rc = sp_case_get(cw, id, &c, err);
	if (rc)
		return rc;
	if (!o->person && !o->safety) {
		print_case(cli, &c);
		return SP_OK;
	}
	if ((rc = sp_case_person(cw, id, o->safety, &p, err)))
		return rc;
	json_t *j = sp_case_encode(&c);
	json_t *pj = sp_person_encode(&p, o->safety);
	if (!j || !pj || json_object_set_new(j, "person", pj))
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	else
		sp_cli_print_json(j); /* a person is structured: JSON either way */
	json_decref(j);
	return rc;
}

static int case_update(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		       const void *opts, struct sp_err *err)
{
	const struct case_opts *o = opts;
	struct sp_case c;
	struct sp_case_change ch = {
		.version = o->version,
		.set_status = o->status >= 0,
		.status = (enum sp_case_status)(o->status < 0 ? 0 : o->status),
		.set_priority = o->priority >= 0,
		.priority = (enum sp_case_priority)(o->priority < 0 ? 0 : o->priority),
		.flags_on = o->flags_on,
		.flags_off = o->flags_off,
		.set_assigned = o->assign || o->unassign};
	int rc = o->assign ? sp_cli_user_id(cw, o->assign, "--assign", &ch.assigned, err) : SP_OK;
	if (!rc)
		rc = sp_case_update(cw, id, &ch, &c, err);
	if (!rc)
		print_case(cli, &c);
	return rc;
}

/* One line a case: number, status, priority, flags (a child's case stands out), id, and the
 * person's name where the user may see it ("-" otherwise). */
static void print_hits(const struct sp_cli *cli, const struct sp_case_hit *h, size_t n)
{
	json_t *arr = cli->json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++) {
		if (arr) {
			json_array_append_new(arr, sp_case_hit_encode(&h[i]));
			continue;
		}
		char id[SP_ID_STRLEN + 1], flags[256] = "";
		sp_id_format(&h[i].case_id, id);
		for (unsigned bit = 1; bit <= SP_CASE_FLAGS_ALL; bit <<= 1) {
			if (!(h[i].flags & bit))
				continue;
			size_t len = strlen(flags);
			snprintf(flags + len, sizeof flags - len, "%s%s", len ? "," : "",
				 sp_case_flag_name(bit));
		}
		printf("%-16s  %-6s  %-7s  %-40s  %s  %s\n", h[i].number,
		       sp_case_status_name(h[i].status), sp_case_priority_name(h[i].priority),
		       flags[0] ? flags : "-", id, h[i].name ? h[i].name : "-");
	}
	if (arr) {
		sp_cli_print_json(arr);
		json_decref(arr);
	}
}

static int case_find(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *case_id,
		     const void *opts, struct sp_err *err)
{
	(void)case_id;
	(void)opts;
	static const char *const keys[] = {"number", "phone", "names", "document", NULL};
	json_t *q = NULL;
	struct sp_case_hit hits[SP_SEARCH_MAX_HITS];
	size_t n = 0;
	int rc = sp_cli_read_stdin_json(&q, err);
	if (!rc)
		rc = sp_json_only_keys(q, keys, err);
	if (!rc && json_object_size(q) != 1)
		rc = sp_err_set(err, SP_EINVAL, "",
				"give exactly one of number, phone, names, document");
	const char *s_val = NULL;
	json_t *v = q ? json_object_get(q, "number") : NULL;
	if (!rc && v) {
		if (!rc && !(rc = sp_json_get_str(q, "number", true, &s_val, err)))
			rc = sp_case_find_number(cw, s_val, &hits[0], err);
		n = rc == SP_OK;
		if (rc == SP_ENOTFOUND)
			rc = SP_OK;
	} else if (!rc && json_object_get(q, "phone")) {
		if (!(rc = sp_json_get_str(q, "phone", true, &s_val, err)))
			rc = sp_case_find_phone(cw, s_val, hits, SP_SEARCH_MAX_HITS, &n, err);
	} else if (!rc && (v = json_object_get(q, "names"))) {
		const char *parts[SP_SEARCH_MAX_PARTS];
		size_t np = json_array_size(v);
		if (!json_is_array(v) || np == 0 || np > SP_SEARCH_MAX_PARTS)
			rc = sp_err_set(err, SP_EINVAL, "/names", "must be 1 to %d strings",
					SP_SEARCH_MAX_PARTS);
		for (size_t i = 0; !rc && i < np; i++)
			if (!(parts[i] = json_string_value(json_array_get(v, i))))
				rc = sp_err_set(err, SP_EINVAL, "/names", "must be strings");
		if (!rc)
			rc = sp_case_find_name(cw, parts, np, hits, SP_SEARCH_MAX_HITS, &n, err);
	} else if (!rc && (v = json_object_get(q, "document"))) {
		static const char *const dkeys[] = {"type", "country", "number", NULL};
		struct sp_document d = {0};
		const char *t = NULL, *cc = NULL;
		rc = sp_json_only_keys(v, dkeys, err);
		if (!rc)
			rc = sp_json_get_str(v, "type", true, &t, err);
		if (!rc)
			rc = sp_json_get_str(v, "country", true, &cc, err);
		if (!rc)
			rc = sp_json_get_str(v, "number", true, &d.number, err);
		if (!rc && sp_doc_type_parse(t) < 0)
			rc = sp_err_set(err, SP_EINVAL, "/document/type", "unknown document type");
		if (!rc && (rc = sp_country_code(cc, d.country, err)))
			snprintf(err->field, sizeof err->field, "/document/country");
		if (!rc) {
			d.type = (enum sp_doc_type)sp_doc_type_parse(t);
			rc = sp_case_find_document(cw, &d, hits, SP_SEARCH_MAX_HITS, &n, err);
		}
	}
	if (!rc)
		print_hits(cli, hits, n);
	json_decref(q);
	return rc;
}

static int case_list(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *case_id,
		     const void *opts, struct sp_err *err)
{
	(void)case_id;
	const struct case_opts *o = opts;
	struct sp_case_hit hits[SP_SEARCH_MAX_HITS];
	struct sp_id after, next;
	size_t n = 0;
	struct sp_case_query q = {.mine = o->mine, .status = o->status, .after = NULL};
	int rc = SP_OK;
	if (o->after && !(rc = sp_cli_case_resolve(cw, o->after, &after, err)))
		q.after = &after;
	if (!rc)
		rc = sp_case_list(cw, &q, hits, (size_t)o->limit, &n, &next, err);
	if (rc)
		return rc;
	print_hits(cli, hits, n);
	if (!sp_id_is_zero(&next)) {
		char id[SP_ID_STRLEN + 1];
		sp_id_format(&next, id);
		fprintf(stderr, "more: --after %s\n", id);
	}
	return SP_OK;
}

static int parse_flag(const char *name, unsigned *acc)
{
	unsigned f = sp_case_flag_parse(name);
	if (!f)
		return -1;
	*acc |= f;
	return 0;
}

static const struct sp_cli_case_sub subcommands[] = {
	{"add", case_open, 0},
	{"show", case_show, 1},
	{"update", case_update, 1},
	{"search", case_find, 0},
	{"list", case_list, 0},
	{NULL, NULL, 0},
};

static int cmd_case(struct sp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"priority", required_argument, NULL, 'p'},
		{"status", required_argument, NULL, 's'},
		{"flag", required_argument, NULL, 'f'},
		{"unflag", required_argument, NULL, 'F'},
		{"assign", required_argument, NULL, 'a'},
		{"unassign", no_argument, NULL, 'U'},
		{"version", required_argument, NULL, 'v'},
		{"person", no_argument, NULL, 'P'},
		{"safety", no_argument, NULL, 'S'},
		{"mine", no_argument, NULL, 'm'},
		{"after", required_argument, NULL, 'A'},
		{"limit", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	if (sp_cli_wants_help(&sp_cli_cmd_case, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(&sp_cli_cmd_case, "case needs a subcommand");
	struct case_opts o = {.priority = -1, .status = -1, .version = -1, .limit = 20};
	int ch;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		char *end = NULL;
		switch (ch) {
		case 'p':
			if ((o.priority = sp_case_priority_parse(optarg)) < 0)
				return sp_cli_usage(&sp_cli_cmd_case, "unknown --priority");
			break;
		case 's':
			if ((o.status = sp_case_status_parse(optarg)) < 0)
				return sp_cli_usage(&sp_cli_cmd_case, "unknown --status");
			break;
		case 'f':
			if (parse_flag(optarg, &o.flags_on))
				return sp_cli_usage(&sp_cli_cmd_case, "unknown --flag");
			break;
		case 'F':
			if (parse_flag(optarg, &o.flags_off))
				return sp_cli_usage(&sp_cli_cmd_case, "unknown --unflag");
			break;
		case 'a':
			o.assign = optarg;
			break;
		case 'U':
			o.unassign = 1;
			break;
		case 'v':
			o.version = strtoll(optarg, &end, 10);
			if (!*optarg || *end || o.version < 1)
				return sp_cli_usage(&sp_cli_cmd_case,
						    "--version must be a positive number");
			break;
		case 'P':
			o.person = 1;
			break;
		case 'S':
			o.safety = 1;
			break;
		case 'm':
			o.mine = 1;
			break;
		case 'A':
			o.after = optarg;
			break;
		case 'l':
			o.limit = strtol(optarg, &end, 10);
			if (!*optarg || *end || o.limit < 1 || o.limit > SP_SEARCH_MAX_HITS)
				return sp_cli_usage(&sp_cli_cmd_case, "--limit must be 1 to %d",
						    SP_SEARCH_MAX_HITS);
			break;
		default:
			return sp_cli_usage(&sp_cli_cmd_case, "unknown option");
		}
	}
	int rest = argc - 1 - optind;
	const char *ref = rest == 1 ? argv[1 + optind] : NULL;
	const struct sp_cli_case_sub *sub = sp_cli_case_sub_find(subcommands, argv[1]);
	if (!sub)
		return sp_cli_usage(&sp_cli_cmd_case, "no case subcommand '%s'", argv[1]);
	if (sub->takes_case != (rest == 1) || rest > 1)
		return sp_cli_usage(&sp_cli_cmd_case, "case %s %s", sub->name,
				    sub->takes_case ? "needs one CASE" : "takes no CASE");
	if (sub->run == case_update && o.version < 0)
		return sp_cli_usage(&sp_cli_cmd_case,
				    "case update needs --version (see case show)");
	if (o.assign && o.unassign)
		return sp_cli_usage(&sp_cli_cmd_case, "--assign or --unassign, not both");
	return sp_cli_case_sub_run(cli, &sp_cli_cmd_case, sub, ref, &o);
}
