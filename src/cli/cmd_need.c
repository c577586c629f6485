/* safepath need: add a need to a case (its note, optional, on standard input), list a case's
 * needs, and move one along its status table or give it a new note. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/need.h"

static int cmd_need(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_need = {
	"need",
	"add a need to a case, list its needs, or change one",
	"need add --kind KIND --as USER CASE  [< note]\n"
	"       safepath need list --as USER CASE\n"
	"       safepath need set --version N [--status S] [--note] --as USER NEED-ID  [< note]\n"
	"KIND is a code of the needs list (protocols/codes.json). S: unmet, referred, met,\n"
	"no_longer_needed. add and set --note read the note on standard input (empty: none), so\n"
	"pass the password with --password-fd 3 or type it at the terminal.",
	cmd_need,
};

struct need_opts {
	const char *kind;
	int status; /* -1 = not given */
	int note;   /* set: replace the note with standard input */
	int64_t version;
	const char *id; /* set: the need */
};

static void print_need(const struct sp_cli *cli, const struct sp_need *n, bool with_note)
{
	json_t *j = sp_need_encode(n, with_note);
	if (cli->json || !j) {
		sp_cli_print_json(j);
	} else {
		char id[SP_ID_STRLEN + 1];
		sp_id_format(&n->id, id);
		printf("%s  %-24s %-16s version %lld\n", id, n->kind, sp_need_status_name(n->status),
		       (long long)n->version);
		if (with_note && n->note)
			printf("    %s\n", n->note);
	}
	json_decref(j);
}

/* The note on standard input; NULL when it is empty. */
static int read_note(struct sp_casework *cw, const char **out, struct sp_err *err)
{
	int rc = sp_cli_read_stdin_text(cw->arena, SP_NEED_NOTE_MAX, "/note", out, err);
	if (!rc && !**out)
		*out = NULL;
	return rc;
}

static int need_add(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		    const void *opts, struct sp_err *err)
{
	const struct need_opts *o = opts;
	struct sp_need_new in = {.kind = o->kind, .source = SP_NEED_FROM_PERSON};
	struct sp_need n;
	int rc = read_note(cw, &in.note, err);
	if (!rc)
		rc = sp_need_add(cw, id, &in, &n, err);
	if (!rc)
		print_need(cli, &n, false);
	return rc;
}

static int need_list(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		     const void *opts, struct sp_err *err)
{
	(void)opts;
	struct sp_need *list;
	size_t n;
	int rc = sp_need_list(cw, id, &list, &n, err);
	json_t *arr = rc || !cli->json ? NULL : json_array();
	for (size_t i = 0; !rc && i < n; i++) {
		if (arr)
			json_array_append_new(arr, sp_need_encode(&list[i], true));
		else
			print_need(cli, &list[i], true);
	}
	if (arr)
		sp_cli_print_json(arr);
	json_decref(arr);
	return rc;
}

static int need_set(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
		    const void *opts, struct sp_err *err)
{
	(void)unused;
	const struct need_opts *o = opts;
	struct sp_id id;
	struct sp_need n;
	struct sp_need_change ch = {.version = o->version,
				    .set_status = o->status >= 0,
				    .status = (enum sp_need_status)(o->status < 0 ? 0 : o->status),
				    .set_note = o->note != 0};
	if (sp_id_parse(o->id, &id) != SP_OK)
		return sp_err_set(err, SP_EINVAL, "NEED-ID", "is not a need id");
	int rc = o->note ? read_note(cw, &ch.note, err) : SP_OK;
	if (!rc)
		rc = sp_need_update(cw, &id, &ch, &n, err);
	if (!rc)
		print_need(cli, &n, false);
	return rc;
}

static const struct sp_cli_case_sub subcommands[] = {
	{"add", need_add, 1},
	{"list", need_list, 1},
	{"set", need_set, 0}, /* takes a need, not a case */
	{NULL, NULL, 0},
};

static int cmd_need(struct sp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"kind", required_argument, NULL, 'k'},
		{"status", required_argument, NULL, 's'},
		{"note", no_argument, NULL, 'n'},
		{"version", required_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_need;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(cmd, "need needs a subcommand");
	struct need_opts o = {.status = -1, .version = -1};
	int ch;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		char *end = NULL;
		switch (ch) {
		case 'k':
			o.kind = optarg;
			break;
		case 's':
			if ((o.status = sp_need_status_parse(optarg)) < 0)
				return sp_cli_usage(cmd, "unknown --status");
			break;
		case 'n':
			o.note = 1;
			break;
		case 'v':
			o.version = strtoll(optarg, &end, 10);
			if (!*optarg || *end || o.version < 1)
				return sp_cli_usage(cmd, "--version must be a positive number");
			break;
		default:
			return sp_cli_usage(cmd, "unknown option");
		}
	}
	const struct sp_cli_case_sub *sub = sp_cli_case_sub_find(subcommands, argv[1]);
	if (!sub)
		return sp_cli_usage(cmd, "no need subcommand '%s'", argv[1]);
	if (argc - 1 - optind != 1)
		return sp_cli_usage(cmd, "need %s needs one %s", sub->name,
				    sub->takes_case ? "CASE" : "NEED-ID");
	const char *arg = argv[1 + optind];
	if (sub->run == need_add && !o.kind)
		return sp_cli_usage(cmd, "need add needs --kind");
	if (sub->run == need_set && o.version < 0)
		return sp_cli_usage(cmd, "need set needs --version (see need list)");
	o.id = arg;
	return sp_cli_case_sub_run(cli, cmd, sub, sub->takes_case ? arg : NULL, &o);
}
