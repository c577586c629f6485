/* safepath tracing: family tracing (docs/tracing.md). The requester's side records a request
 * (JSON on standard input), lists, shows, matches again and closes its agency's requests and
 * is told their status only; the child's side lists a case's matches, reviews one, records the
 * verification and the best-interests assessment, and approves or declines contact. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/json.h"
#include "safepath/tracing.h"

static int cmd_tracing(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_tracing = {
	"tracing",
	"family tracing: record a relative's request, its status; review, verify, assess, contact",
	"tracing create --as USER  < request.json\n"
	"       safepath tracing list --as USER\n"
	"       safepath tracing show|match|close --as USER REQUEST-ID\n"
	"       safepath tracing matches --as USER CASE\n"
	"       safepath tracing review --as USER MATCH-ID\n"
	"       safepath tracing verify --version N --method M (--confirmed|--not-confirmed)\n"
	"                               --as USER MATCH-ID  [< note]\n"
	"       safepath tracing assess --version N --outcome O --as USER MATCH-ID  < grounds\n"
	"       safepath tracing approve|decline --version N --as USER MATCH-ID  [< note]\n"
	"request.json: {\"requester\": {\"name\", \"relationship\", \"contact\"}, \"child\":\n"
	"{\"names\": [...], \"nicknames\", \"sex\", \"date_of_birth\" or \"age\", \"place_of_separation\",\n"
	"\"date_of_separation\", \"relatives\"}, \"note\"}. M: documents, questions,\n"
	"child_recognised. O: contact_in_best_interests, contact_not_in_best_interests. approve\n"
	"needs a confirmed verification and a favourable assessment; decline reads its note on\n"
	"standard input (pass the password with --password-fd 3 then). The requester's side sees\n"
	"a request's status, never the child's case.",
	cmd_tracing,
};

struct tracing_opts {
	int64_t version;
	int method;    /* -1: not given */
	int confirmed; /* -1: not given */
	int outcome;   /* -1: not given */
	const char *id;
};

static void print_request(const struct sp_cli *cli, const struct sp_tracing_request *t,
			  const size_t *matched, json_t *arr)
{
	char id[SP_ID_STRLEN + 1], day[SP_TIME_STRLEN + 1];
	json_t *j = sp_tracing_request_encode(t);
	if (j && matched && json_object_set_new(j, "matched", json_integer((json_int_t)*matched))) {
		json_decref(j);
		j = NULL;
	}
	if (sp_cli_json_item(cli, j, arr))
		return;
	sp_id_format(&t->id, id);
	printf("%s  %-17s since %s", id, sp_tracing_status_name(t->status),
	       sp_cli_day(t->created_us, day));
	if (matched)
		printf("  new possible matches %zu", *matched);
	printf("\n");
	if (t->has_details) {
		const struct sp_tracing_details *d = &t->details;
		printf("    requester: %s (%s)\n    child: %s", d->requester_name,
		       d->requester_relationship, d->names[0]);
		for (size_t i = 1; i < d->n_names; i++)
			printf(", %s", d->names[i]);
		printf("\n");
	}
}

static void print_match(const struct sp_cli *cli, const struct sp_tracing_match *m, json_t *arr)
{
	char id[SP_ID_STRLEN + 1];
	if (sp_cli_json_item(cli, sp_tracing_match_encode(m), arr))
		return;
	sp_id_format(&m->id, id);
	printf("%s  %-16s version %lld  %s\n", id, sp_match_state_name(m->state),
	       (long long)m->version, m->explanation);
}

static int match_id(const struct tracing_opts *o, struct sp_id *id, struct sp_err *err)
{
	return sp_id_parse(o->id, id) == SP_OK
		       ? SP_OK
		       : sp_err_set(err, SP_EINVAL, "ID", "is not a tracing request or match id");
}

static int tracing_create(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			  const void *opts, struct sp_err *err)
{
	json_t *body = NULL;
	struct sp_tracing_details d;
	struct sp_tracing_request t;
	size_t matched = 0;
	(void)unused;
	(void)opts;
	int rc = sp_cli_read_stdin_json(&body, err);
	if (!rc)
		rc = sp_tracing_decode(body, cw->arena, &d, err);
	json_decref(body);
	if (!rc)
		rc = sp_tracing_create(cw, &d, &t, &matched, err);
	if (!rc) {
		t.has_details = false;
		print_request(cli, &t, &matched, NULL);
	}
	return rc;
}

static int tracing_list(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			const void *opts, struct sp_err *err)
{
	struct sp_tracing_request *list;
	size_t n;
	(void)unused;
	(void)opts;
	if (sp_tracing_list(cw, &list, &n, err))
		return err->code;
	json_t *arr = cli->json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++)
		print_request(cli, &list[i], NULL, arr);
	sp_cli_print_page(arr, NULL);
	json_decref(arr);
	return SP_OK;
}

/* show, match and close: one request by id. */
static int tracing_request(struct sp_cli *cli, struct sp_casework *cw, const char *what,
			   const struct tracing_opts *o, struct sp_err *err)
{
	struct sp_id id;
	struct sp_tracing_request t;
	size_t matched = 0;
	int rc = match_id(o, &id, err);
	if (rc)
		return rc;
	if (strcmp(what, "show") == 0)
		rc = sp_tracing_get(cw, &id, &t, err);
	else if (strcmp(what, "match") == 0)
		rc = sp_tracing_rematch(cw, &id, &t, &matched, err);
	else
		rc = sp_tracing_close(cw, &id, &t, err);
	if (!rc)
		print_request(cli, &t, strcmp(what, "match") == 0 ? &matched : NULL, NULL);
	return rc;
}

static int tracing_show(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			const void *opts, struct sp_err *err)
{
	(void)unused;
	return tracing_request(cli, cw, "show", opts, err);
}

static int tracing_rematch(struct sp_cli *cli, struct sp_casework *cw,
			   const struct sp_id *unused, const void *opts, struct sp_err *err)
{
	(void)unused;
	return tracing_request(cli, cw, "match", opts, err);
}

static int tracing_close(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			 const void *opts, struct sp_err *err)
{
	(void)unused;
	return tracing_request(cli, cw, "close", opts, err);
}

static int tracing_matches(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *case_id,
			   const void *opts, struct sp_err *err)
{
	struct sp_tracing_match *list;
	size_t n;
	(void)opts;
	if (sp_tracing_case_matches(cw, case_id, &list, &n, err))
		return err->code;
	json_t *arr = cli->json ? json_array() : NULL;
	for (size_t i = 0; i < n; i++)
		print_match(cli, &list[i], arr);
	sp_cli_print_page(arr, NULL);
	json_decref(arr);
	return SP_OK;
}

static int tracing_review(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			  const void *opts, struct sp_err *err)
{
	struct sp_id id;
	struct sp_tracing_match m;
	struct sp_tracing_request t;
	(void)unused;
	if (match_id(opts, &id, err) || sp_tracing_review(cw, &id, &m, &t, err))
		return err->code;
	if (cli->json) {
		json_t *j = sp_tracing_match_encode(&m);
		if (j)
			json_object_set_new(j, "request", sp_tracing_details_encode(&t.details));
		sp_cli_print_json(j);
		json_decref(j);
		return SP_OK;
	}
	print_match(cli, &m, NULL);
	json_t *d = sp_tracing_details_encode(&t.details);
	char *text = d ? sp_json_dump(d) : NULL;
	printf("    request: %s\n", text ? text : "");
	sp_json_free(text);
	json_decref(d);
	return SP_OK;
}

/* verify, assess, approve and decline: one match by id at --version, text on standard input
 * (the verification's note and a decline's optional and required, the grounds required). */
static int tracing_step(struct sp_cli *cli, struct sp_casework *cw, const char *what,
			const struct tracing_opts *o, struct sp_err *err)
{
	struct sp_id id;
	struct sp_tracing_match m;
	const char *text = NULL;
	bool approve = strcmp(what, "approve") == 0;
	int rc = match_id(o, &id, err);
	if (!rc && !approve)
		rc = sp_cli_read_stdin_text(cw->arena, SP_TRACING_NOTE_MAX,
					    strcmp(what, "assess") == 0 ? "/grounds" : "/note", &text,
					    err);
	if (!rc && text && !*text)
		text = NULL;
	if (rc)
		return rc;
	if (strcmp(what, "verify") == 0)
		rc = sp_tracing_verify(cw, &id, o->version, (enum sp_verify_method)o->method,
				       o->confirmed == 1, text, &m, err);
	else if (strcmp(what, "assess") == 0)
		rc = sp_tracing_assess(cw, &id, o->version, (enum sp_bia_outcome)o->outcome, text, &m,
				       err);
	else
		rc = sp_tracing_contact(cw, &id, o->version, approve, text, &m, err);
	if (!rc)
		print_match(cli, &m, NULL);
	return rc;
}

static int tracing_verify(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			  const void *opts, struct sp_err *err)
{
	(void)unused;
	return tracing_step(cli, cw, "verify", opts, err);
}

static int tracing_assess(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			  const void *opts, struct sp_err *err)
{
	(void)unused;
	return tracing_step(cli, cw, "assess", opts, err);
}

static int tracing_approve(struct sp_cli *cli, struct sp_casework *cw,
			   const struct sp_id *unused, const void *opts, struct sp_err *err)
{
	(void)unused;
	return tracing_step(cli, cw, "approve", opts, err);
}

static int tracing_decline(struct sp_cli *cli, struct sp_casework *cw,
			   const struct sp_id *unused, const void *opts, struct sp_err *err)
{
	(void)unused;
	return tracing_step(cli, cw, "decline", opts, err);
}

static const struct sp_cli_case_sub subcommands[] = {
	{"create", tracing_create, 0},   {"list", tracing_list, 0},
	{"show", tracing_show, 0},       {"match", tracing_rematch, 0},
	{"close", tracing_close, 0},     {"matches", tracing_matches, 1},
	{"review", tracing_review, 0},   {"verify", tracing_verify, 0},
	{"assess", tracing_assess, 0},   {"approve", tracing_approve, 0},
	{"decline", tracing_decline, 0}, {NULL, NULL, 0},
};

static int parse_opt(const struct sp_cli_cmd *cmd, int ch, struct tracing_opts *o)
{
	char *end = NULL;
	switch (ch) {
	case 'v':
		o->version = strtoll(optarg, &end, 10);
		if (!*optarg || *end || o->version < 1)
			return sp_cli_usage(cmd, "--version must be a positive number");
		return 0;
	case 'm':
		if ((o->method = sp_verify_method_parse(optarg)) < 0)
			return sp_cli_usage(cmd, "unknown --method");
		return 0;
	case 'o':
		if ((o->outcome = sp_bia_outcome_parse(optarg)) < 0)
			return sp_cli_usage(cmd, "unknown --outcome");
		return 0;
	case 'c':
	case 'n':
		o->confirmed = ch == 'c';
		return 0;
	default:
		return sp_cli_usage(cmd, "unknown option");
	}
}

/* What each subcommand needs beyond its one argument; NULL when it has what it needs. */
static const char *missing(const struct sp_cli_case_sub *sub, const struct tracing_opts *o)
{
	bool step = sub->run == tracing_verify || sub->run == tracing_assess ||
		    sub->run == tracing_approve || sub->run == tracing_decline;
	if (step && o->version < 0)
		return "needs --version (see tracing review)";
	if (!step && (o->version >= 0 || o->method >= 0 || o->outcome >= 0 || o->confirmed >= 0))
		return "takes no such option";
	if (sub->run == tracing_verify && (o->method < 0 || o->confirmed < 0))
		return "needs --method and --confirmed or --not-confirmed";
	if (sub->run != tracing_verify && (o->method >= 0 || o->confirmed >= 0))
		return "takes no --method, --confirmed or --not-confirmed";
	if ((sub->run == tracing_assess) != (o->outcome >= 0))
		return sub->run == tracing_assess ? "needs --outcome" : "takes no --outcome";
	return NULL;
}

static int cmd_tracing(struct sp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"version", required_argument, NULL, 'v'}, {"method", required_argument, NULL, 'm'},
		{"outcome", required_argument, NULL, 'o'}, {"confirmed", no_argument, NULL, 'c'},
		{"not-confirmed", no_argument, NULL, 'n'}, {NULL, 0, NULL, 0},
	};
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_tracing;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(cmd, "tracing needs a subcommand");
	const struct sp_cli_case_sub *sub = sp_cli_case_sub_find(subcommands, argv[1]);
	if (!sub)
		return sp_cli_usage(cmd, "no tracing subcommand '%s'", argv[1]);
	struct tracing_opts o = {.version = -1, .method = -1, .confirmed = -1, .outcome = -1};
	optind = 0;
	opterr = 0;
	for (int ch, rc; (ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1;)
		if ((rc = parse_opt(cmd, ch, &o)))
			return rc;
	bool none = sub->run == tracing_create || sub->run == tracing_list;
	if (argc - 1 - optind != (none ? 0 : 1))
		return sp_cli_usage(cmd, "tracing %s needs %s", sub->name,
				    none ? "no argument" : sub->takes_case ? "one CASE" : "one id");
	const char *why = missing(sub, &o);
	if (why)
		return sp_cli_usage(cmd, "tracing %s %s", sub->name, why);
	o.id = none ? NULL : argv[1 + optind];
	return sp_cli_case_sub_run(cli, cmd, sub, sub->takes_case ? o.id : NULL, &o);
}
