/* safepath referral: draft a referral of a case's need (or of a screening's suggestion), list
 * a case's referrals, show one, move it along its state machine, ask to send it without
 * consent on the jurisdiction's legal basis, print it for a provider not on safepath, list the
 * agency's inbox, and expire the overdue ones (docs/cli/referral.md). A provider's feedback
 * and an override's note come from a file or standard input, never the command line. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/caseapproval.h"
#include "safepath/jurisdiction.h"
#include "safepath/referral.h"

static int cmd_referral(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_referral = {
	"referral",
	"draft, list, show, move, override, print and expire referrals; the agency's inbox",
	"referral create (--need NEED-ID | --screening ID --suggestion N) [--service ID]\n"
	"              [--type T] [--urgency U] --as USER CASE\n"
	"       safepath referral list --as USER CASE\n"
	"       safepath referral show --as USER REFERRAL-ID\n"
	"       safepath referral event --event E [--reason R] [--outcome O]\n"
	"              [--feedback-file FILE|-] [--manual] [--version N] --as USER REFERRAL-ID\n"
	"       safepath referral override --basis B [--note-file FILE|-] [--version N]\n"
	"              --as USER REFERRAL-ID\n"
	"       safepath referral print --as USER REFERRAL-ID\n"
	"       safepath referral inbox [--box incoming|outgoing] [--status S] [--limit N] --as USER\n"
	"       safepath referral expire [--now TIME] --as USER\n"
	"       safepath referral incoming --source S --kind KIND [--urgency U] [--flag F]...\n"
	"              --as USER  < person.json\n"
	"T: a referral type of config/referrals.json (the service's kind's when absent). U: routine,\n"
	"soon, urgent or immediate. E: send, acknowledge, accept, decline (--reason a\n"
	"decline_reasons code), start, complete (--outcome service_provided, partly_provided,\n"
	"not_provided or person_withdrew, and the provider's feedback from FILE or standard\n"
	"input), close or cancel; --manual records the answer of a provider not on safepath.\n"
	"--version: the referral's version the change is made from (its current one when absent).\n"
	"override asks a supervisor to let a draft go without consent on the jurisdiction's legal\n"
	"basis B: child_without_consent (a child) or duty_to_notify (an adult who refused; a\n"
	"referral of type duty_to_notify, sent as an anonymous report); the note for the\n"
	"supervisor from FILE or standard input.\n"
	"expire (a supervisor) expires the agency's referrals unanswered at TIME (RFC 3339 in UTC;\n"
	"now when absent). incoming registers a referral from a hotline, an organisation, the person\n"
	"themself or another source (S: hotline, organisation, self, other) as a new case with a\n"
	"need of KIND (a needs code), the person's JSON on standard input.",
	cmd_referral,
};

struct referral_opts {
	struct sp_referral_new in;
	struct sp_id need, service, screening;
	struct sp_referral_change ch;
	const char *feedback_file, *note_file, *basis;
	const char *box, *status, *now;
	const char *source, *need_kind;
	unsigned flags;
	long limit;
	const char *id; /* a referral's */
	const struct sp_jurisdiction *j;
};

static void print_one(const struct sp_case_referral *r)
{
	char id[SP_ID_STRLEN + 1], due[SP_TIME_STRLEN + 1] = "";
	sp_id_format(&r->id, id);
	if (r->due_us)
		sp_time_format(r->due_us, due);
	printf("%s  %-12s %-26s %-9s%s%s%s\n", id, sp_referral_status_name(r->status), r->type,
	       r->urgency, due[0] ? " due " : "", due,
	       sp_id_is_zero(&r->provider_agency) ? "  (provider not on safepath)" : "");
	if (r->has_summary)
		printf("    need %s, age band %s, sex %s, language %s\n",
		       r->need_kind[0] ? r->need_kind : "-", r->age_band, r->sex,
		       r->language[0] ? r->language : "-");
	if (r->reason[0])
		printf("    declined: %s\n", r->reason);
	if (r->outcome[0])
		printf("    outcome: %s\n", r->outcome);
	if (r->feedback)
		printf("    feedback: %s\n", r->feedback);
}

static void print_referral(const struct sp_cli *cli, const struct sp_case_referral *r)
{
	json_t *j = sp_referral_encode(r);
	if (cli->json || !j) {
		sp_cli_print_json(j);
	} else {
		print_one(r);
		json_t *person = json_object_get(j, "person");
		if (person) {
			char *text = json_dumps(person, JSON_COMPACT | JSON_SORT_KEYS);
			printf("    shared: %s\n", text ? text : "");
			free(text);
		}
		for (size_t i = 0; i < r->n_events; i++) {
			char at[SP_TIME_STRLEN + 1];
			sp_time_format(r->events[i].at_us, at);
			printf("    %s  %-11s %s -> %s by the %s%s\n", at,
			       sp_referral_event_name(r->events[i].event),
			       sp_referral_status_name(r->events[i].from),
			       sp_referral_status_name(r->events[i].to),
			       sp_referral_side_name(r->events[i].side),
			       r->events[i].manual ? " (recorded by hand)" : "");
		}
	}
	json_decref(j);
}

static void print_list(const struct sp_cli *cli, const struct sp_case_referral *list, size_t n,
		       json_t *more)
{
	if (!cli->json) {
		for (size_t i = 0; i < n; i++)
			print_one(&list[i]);
		json_decref(more);
		return;
	}
	json_t *items = json_array();
	for (size_t i = 0; items && i < n; i++)
		json_array_append_new(items, sp_referral_encode(&list[i]));
	json_t *j = json_pack("{s:o}", "items", items);
	if (j && more)
		json_object_update(j, more);
	json_decref(more);
	sp_cli_print_json(j);
	json_decref(j);
}

static int referral_id(const struct referral_opts *o, struct sp_id *id, struct sp_err *err)
{
	if (sp_id_parse(o->id, id) != SP_OK)
		return sp_err_set(err, SP_EINVAL, "REFERRAL-ID", "is not a referral id");
	return SP_OK;
}

static int referral_create(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *case_id,
			   const void *opts, struct sp_err *err)
{
	const struct referral_opts *o = opts;
	struct sp_referral_types *types = NULL;
	struct sp_case_referral r;
	int rc = sp_referral_types_shipped(cw->vocabulary, &types, err);
	if (!rc)
		rc = sp_referral_create(cw, types, case_id, &o->in, &r, err);
	sp_referral_types_free(types);
	if (!rc)
		print_referral(cli, &r);
	return rc;
}

static int referral_list(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *case_id,
			 const void *opts, struct sp_err *err)
{
	(void)opts;
	struct sp_case_referral *list;
	size_t n;
	int rc = sp_referral_list(cw, case_id, &list, &n, err);
	if (!rc)
		print_list(cli, list, n, NULL);
	return rc;
}

/* One referral read by fn (get, or the printable form), printed. */
static int read_one(struct sp_cli *cli, struct sp_casework *cw, const void *opts,
		    int (*fn)(struct sp_casework *, const struct sp_id *, struct sp_case_referral *,
			      struct sp_err *),
		    struct sp_err *err)
{
	struct sp_id id;
	struct sp_case_referral r;
	int rc = referral_id(opts, &id, err);
	if (!rc)
		rc = fn(cw, &id, &r, err);
	if (!rc)
		print_referral(cli, &r);
	return rc;
}

static int referral_show(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			 const void *opts, struct sp_err *err)
{
	(void)unused;
	return read_one(cli, cw, opts, sp_referral_get, err);
}

static int referral_print(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			  const void *opts, struct sp_err *err)
{
	(void)unused;
	return read_one(cli, cw, opts, sp_referral_print, err);
}

/* A text of at most max bytes from the file named, or standard input for "-"; option names
 * it in errors. */
static int read_text(struct sp_casework *cw, const char *file, size_t max, const char *option,
		     const char **out, struct sp_err *err)
{
	if (strcmp(file, "-") == 0)
		return sp_cli_read_stdin_text(cw->arena, max, option, out, err);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sp_err_set(err, SP_EIO, option, "cannot be opened");
	int rc = sp_cli_read_fd_text(fd, cw->arena, max, option, out, err);
	close(fd);
	return rc;
}

static int referral_event(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			  const void *opts, struct sp_err *err)
{
	(void)unused;
	const struct referral_opts *o = opts;
	struct sp_referral_change ch = o->ch;
	struct sp_id id;
	struct sp_case_referral r;
	int rc = referral_id(o, &id, err);
	if (!rc && o->feedback_file)
		rc = read_text(cw, o->feedback_file, SP_REFERRAL_FEEDBACK_MAX, "--feedback-file",
			       &ch.feedback, err);
	if (!rc && ch.version == 0) { /* the current version: read it first */
		rc = sp_referral_get(cw, &id, &r, err);
		ch.version = r.version;
	}
	if (!rc)
		rc = sp_referral_change(cw, o->j, &id, &ch, &r, err);
	if (!rc)
		print_referral(cli, &r);
	return rc;
}

static int referral_override(struct sp_cli *cli, struct sp_casework *cw,
			     const struct sp_id *unused, const void *opts, struct sp_err *err)
{
	(void)unused;
	const struct referral_opts *o = opts;
	struct sp_referral_override in = {.version = o->ch.version, .basis = o->basis};
	struct sp_id id;
	struct sp_case_referral r;
	struct sp_case_approval a;
	int rc = referral_id(o, &id, err);
	if (!rc && o->note_file)
		rc = read_text(cw, o->note_file, SP_CASEAPPR_NOTE_MAX, "--note-file", &in.note,
			       err);
	if (!rc && in.version == 0) { /* the current version: read it first */
		rc = sp_referral_get(cw, &id, &r, err);
		in.version = r.version;
	}
	if (!rc)
		rc = sp_referral_override(cw, o->j, &id, &in, &r, &a, err);
	if (rc)
		return rc;
	if (cli->json) {
		json_t *j = json_pack("{s:o, s:o}", "referral", sp_referral_encode(&r), "approval",
				      sp_case_approval_encode(&a));
		sp_cli_print_json(j);
		json_decref(j);
		return SP_OK;
	}
	char aid[SP_ID_STRLEN + 1];
	sp_id_format(&a.id, aid);
	print_one(&r);
	printf("    without consent on %s (%s %s): approval %s waits for a supervisor\n",
	       r.legal_basis, r.basis_jurisdiction, r.basis_version, aid);
	return SP_OK;
}

static int referral_inbox(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			  const void *opts, struct sp_err *err)
{
	(void)unused;
	const struct referral_opts *o = opts;
	struct sp_case_referral *list;
	size_t n, withheld;
	bool incoming = !o->box || strcmp(o->box, "incoming") == 0;
	int status = o->status ? sp_referral_status_parse(o->status) : -1;
	if (o->box && !incoming && strcmp(o->box, "outgoing") != 0)
		return sp_err_set(err, SP_EINVAL, "--box", "must be incoming or outgoing");
	if (o->status && status < 0)
		return sp_err_set(err, SP_EINVAL, "--status", "is not a referral status");
	int rc = sp_referral_inbox(cw, incoming ? SP_REFERRAL_INCOMING : SP_REFERRAL_OUTGOING,
				   status, (size_t)o->limit, &list, &n, &withheld, err);
	if (rc)
		return rc;
	print_list(cli, list, n,
		   json_pack("{s:s, s:I}", "box", incoming ? "incoming" : "outgoing", "withheld",
			     (json_int_t)withheld));
	if (!cli->json && withheld)
		printf("(%zu more you may not read)\n", withheld);
	return SP_OK;
}

static int referral_expire(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
			   const void *opts, struct sp_err *err)
{
	(void)unused;
	const struct referral_opts *o = opts;
	int64_t now = sp_now_us();
	size_t count = 0;
	if (o->now && sp_time_parse(o->now, &now))
		return sp_err_set(err, SP_EINVAL, "--now", "must be an RFC 3339 instant in UTC");
	int rc = sp_referral_expire(cw, now, &count, err);
	if (rc)
		return rc;
	if (cli->json) {
		json_t *j = json_pack("{s:I}", "expired", (json_int_t)count);
		sp_cli_print_json(j);
		json_decref(j);
	} else
		printf("%zu referral%s expired\n", count, count == 1 ? "" : "s");
	return SP_OK;
}

static int referral_incoming(struct sp_cli *cli, struct sp_casework *cw,
			     const struct sp_id *unused, const void *opts, struct sp_err *err)
{
	(void)unused;
	const struct referral_opts *o = opts;
	json_t *body = NULL;
	struct sp_person p;
	struct sp_case c;
	struct sp_case_referral r;
	int rc = sp_cli_read_stdin_json(&body, err);
	if (!rc)
		rc = sp_person_decode(body, cw->arena, &p, err);
	json_decref(body);
	const struct sp_referral_incoming in = {.person = &p, .flags = o->flags,
						.source = o->source, .need = o->need_kind,
						.urgency = o->in.urgency};
	if (!rc)
		rc = sp_referral_incoming(cw, &in, &c, &r, err);
	if (rc)
		return rc;
	if (!cli->json)
		printf("case %s\n", c.number);
	print_referral(cli, &r);
	return SP_OK;
}

static const struct sp_cli_case_sub subcommands[] = {
	{"create", referral_create, 1}, {"list", referral_list, 1},
	{"show", referral_show, 0},	{"event", referral_event, 0},
	{"override", referral_override, 0},
	{"print", referral_print, 0},	{"inbox", referral_inbox, 0},
	{"expire", referral_expire, 0}, {"incoming", referral_incoming, 0},
	{NULL, NULL, 0},
};

static int id_option(const struct sp_cli_cmd *cmd, const char *name, struct sp_id *out,
		     const struct sp_id **ptr)
{
	if (sp_id_parse(optarg, out) != SP_OK)
		return sp_cli_usage(cmd, "%s is not an id", name);
	*ptr = out;
	return SP_EXIT_OK;
}

/* The options into o; 0, or the usage error's exit code. */
static int parse(const struct sp_cli_cmd *cmd, int argc, char **argv, struct referral_opts *o)
{
	static const struct option opts[] = {
		{"need", required_argument, NULL, 'n'},
		{"service", required_argument, NULL, 's'},
		{"type", required_argument, NULL, 't'},
		{"urgency", required_argument, NULL, 'u'},
		{"screening", required_argument, NULL, 'S'},
		{"suggestion", required_argument, NULL, 'g'},
		{"event", required_argument, NULL, 'e'},
		{"reason", required_argument, NULL, 'r'},
		{"outcome", required_argument, NULL, 'o'},
		{"feedback-file", required_argument, NULL, 'f'},
		{"manual", no_argument, NULL, 'm'},
		{"version", required_argument, NULL, 'v'},
		{"box", required_argument, NULL, 'b'},
		{"status", required_argument, NULL, 'x'},
		{"limit", required_argument, NULL, 'l'},
		{"now", required_argument, NULL, 'w'},
		{"source", required_argument, NULL, 'O'},
		{"kind", required_argument, NULL, 'k'},
		{"flag", required_argument, NULL, 'F'},
		{"basis", required_argument, NULL, 'B'},
		{"note-file", required_argument, NULL, 'N'},
		{NULL, 0, NULL, 0},
	};
	int ch, rc = SP_EXIT_OK;
	optind = 0;
	opterr = 0;
	while (!rc && (ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		char *end = NULL;
		switch (ch) {
		case 'n':
			rc = id_option(cmd, "--need", &o->need, &o->in.need);
			break;
		case 's':
			rc = id_option(cmd, "--service", &o->service, &o->in.service);
			break;
		case 'S':
			rc = id_option(cmd, "--screening", &o->screening, &o->in.screening);
			break;
		case 't':
			o->in.type = optarg;
			break;
		case 'u':
			o->in.urgency = optarg;
			break;
		case 'g':
			o->in.suggestion = (int)strtol(optarg, &end, 10);
			if (!*optarg || *end || o->in.suggestion < 0)
				rc = sp_cli_usage(cmd, "--suggestion must be a whole number from 0");
			break;
		case 'e':
			o->ch.event = optarg;
			break;
		case 'r':
			o->ch.reason = optarg;
			break;
		case 'o':
			o->ch.outcome = optarg;
			break;
		case 'f':
			o->feedback_file = optarg;
			break;
		case 'm':
			o->ch.manual = true;
			break;
		case 'v':
			o->ch.version = strtoll(optarg, &end, 10);
			if (!*optarg || *end || o->ch.version < 1)
				rc = sp_cli_usage(cmd, "--version must be a whole number from 1");
			break;
		case 'b':
			o->box = optarg;
			break;
		case 'x':
			o->status = optarg;
			break;
		case 'l':
			o->limit = strtol(optarg, &end, 10);
			if (!*optarg || *end || o->limit < 1 || o->limit > 200)
				rc = sp_cli_usage(cmd, "--limit must be 1 to 200");
			break;
		case 'w':
			o->now = optarg;
			break;
		case 'O':
			o->source = optarg;
			break;
		case 'k':
			o->need_kind = optarg;
			break;
		case 'B':
			o->basis = optarg;
			break;
		case 'N':
			o->note_file = optarg;
			break;
		case 'F':
			if (!sp_case_flag_parse(optarg))
				rc = sp_cli_usage(cmd, "--flag: unknown case flag '%s'", optarg);
			o->flags |= sp_case_flag_parse(optarg);
			break;
		default:
			rc = sp_cli_usage(cmd, "unknown option");
		}
	}
	return rc;
}

static int cmd_referral(struct sp_cli *cli, int argc, char **argv)
{
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_referral;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(cmd, "referral needs a subcommand");
	struct referral_opts o = {.limit = 50};
	int rc = parse(cmd, argc, argv, &o);
	if (rc)
		return rc;
	const struct sp_cli_case_sub *sub = sp_cli_case_sub_find(subcommands, argv[1]);
	if (!sub)
		return sp_cli_usage(cmd, "no referral subcommand '%s'", argv[1]);
	bool none = sub->run == referral_inbox || sub->run == referral_expire ||
		    sub->run == referral_incoming;
	if (sub->run == referral_incoming && (!o.source || !o.need_kind))
		return sp_cli_usage(cmd, "referral incoming needs --source and --kind");
	if (argc - 1 - optind != (none ? 0 : 1))
		return sp_cli_usage(cmd, "referral %s needs %s", sub->name,
				    none ? "no argument" : sub->takes_case ? "one CASE"
									: "one REFERRAL-ID");
	const char *arg = none ? NULL : argv[1 + optind];
	if (!sub->takes_case)
		o.id = arg;
	if (sub->run == referral_event && !o.ch.event)
		return sp_cli_usage(cmd, "referral event needs --event");
	if (sub->run == referral_override && !o.basis)
		return sp_cli_usage(cmd, "referral override needs --basis");
	struct sp_jurisdictions set = {0};
	bool needs_j = sub->run == referral_event || sub->run == referral_override;
	if (needs_j && (rc = sp_cli_jurisdictions_open(cli, &set, &o.j)))
		return rc;
	rc = sp_cli_case_sub_run(cli, cmd, sub, sub->takes_case ? arg : NULL, &o);
	sp_jurisdictions_free(&set);
	return rc;
}
