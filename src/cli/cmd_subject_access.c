/* safepath subject-access: the DPO's export of everything held about the person of one case
 * (safepath/subject.h), encrypted, with the requester read from standard input (personal data
 * never comes on the command line); and opening an export on the DPO's machine. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/policy.h"
#include "safepath/protocol.h"
#include "safepath/subject.h"

static int cmd_subject_access(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_subject_access = {
	"subject-access",
	"the DPO's subject-access export of one case, encrypted; open one",
	"subject-access export --case CASE --out FILE --as DPO < REQUESTER\n"
	"       safepath subject-access open --in FILE --out CLEAR-FILE --as DPO\n"
	"export: everything held about the case's person (the person with their safety block,\n"
	"the case, notes, consents, needs, tasks, screenings, decisions, deadlines and the audit\n"
	"records about them) as one JSON document, with the members to redact before release\n"
	"listed by JSON pointer (third parties, staff, staff notes), encrypted into FILE under this\n"
	"installation's keys. Standard input says who asked and on what authority (one line, at\n"
	"most 400 bytes); it is kept sealed. The export is audited and flagged to the DPO.\n"
	"open: decrypt an export into CLEAR-FILE (a new file, mode 0600), audited too.",
	cmd_subject_access,
};

struct sar_opts {
	const char *case_ref;
	const char *in;
	const char *out;
	struct sp_protocols *reg;
};

static int sar_export(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *unused,
		      const void *opts, struct sp_err *err)
{
	(void)unused;
	const struct sar_opts *o = opts;
	const char *requester;
	int rc = sp_subject_access_may(cw, err);
	if (!rc)
		rc = sp_cli_read_stdin_text(cw->arena, SP_SUBJECT_REQUESTER_MAX, "requester",
					    &requester, err);
	/* The DPO finds the case as the export reads it: under subject.export, audited. */
	struct sp_casework as_export = *cw;
	as_export.subject_export = true;
	struct sp_id case_id;
	if (!rc)
		rc = sp_cli_case_resolve(&as_export, o->case_ref, &case_id, err);
	struct sp_subject_export rep;
	if (!rc)
		rc = sp_subject_access_export(cw, o->reg, &case_id, requester, o->out, &rep, err);
	if (rc)
		return rc;
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&rep.id, id);
	if (cli->json) {
		json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:b}", "export", id, "file", o->out,
				      "sections", (json_int_t)rep.sections, "redactions",
				      (json_int_t)rep.redactions, "encrypted", 1);
		sp_cli_print_json(j);
		json_decref(j);
	} else {
		printf("export %s written to %s, encrypted: %zu sections, %zu members marked for "
		       "redaction\n",
		       id, o->out, rep.sections, rep.redactions);
	}
	return SP_OK;
}

/* Decrypting an export is the DPO's alone, and audited like the export. */
static int sar_open(struct sp_cli *cli, struct sp_app *app, const void *args, struct sp_err *err)
{
	const struct sar_opts *o = args;
	if (!(app->subject.roles & SP_ROLE_DPO))
		return sp_err_set(err, SP_EDENIED, "--as", "only the DPO opens a subject-access export");
	int rc = sp_subject_access_open(app->keys, o->in, o->out, err);
	struct sp_audit_rec rec = {.action = "subject_access.open", .object_type = "file",
				   .fields = "stat,identity,safety,gbv,trafficking,notes,screening",
				   .flags = SP_AUDIT_F_DPO};
	if (!rc)
		rc = sp_app_audit(app, &rec, err);
	if (!rc && !cli->json)
		printf("%s decrypted into %s: handle it as the person's own data\n", o->in, o->out);
	return rc;
}

static const struct sp_cli_sub open_sub = {"open", sar_open, 0};
static const struct sp_cli_case_sub export_sub = {"export", sar_export, 0};

static int cmd_subject_access(struct sp_cli *cli, int argc, char **argv)
{
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_subject_access;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	if (argc < 2)
		return sp_cli_usage(cmd, "subject-access needs a subcommand");
	static const struct option opts[] = {
		{"case", required_argument, NULL, 'c'},
		{"in", required_argument, NULL, 'i'},
		{"out", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	struct sar_opts o = {0};
	int ch;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.case_ref = optarg;
			break;
		case 'i':
			o.in = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		default:
			return sp_cli_usage(cmd, "unknown option");
		}
	}
	if (argc - 1 != optind)
		return sp_cli_usage(cmd, "subject-access takes options only");
	if (!o.out)
		return sp_cli_usage(cmd, "subject-access %s needs --out FILE", argv[1]);
	if (strcmp(argv[1], "open") == 0) {
		if (!o.in || o.case_ref)
			return sp_cli_usage(cmd, "subject-access open needs --in FILE, and no --case");
		return sp_cli_sub_run(cli, cmd, &open_sub, &o);
	}
	if (strcmp(argv[1], "export") != 0)
		return sp_cli_usage(cmd, "no subject-access subcommand '%s'", argv[1]);
	if (!o.case_ref || o.in)
		return sp_cli_usage(cmd, "subject-access export needs --case CASE, and no --in");
	int rc = sp_cli_protocols_open(cli, &o.reg);
	if (rc)
		return rc;
	rc = sp_cli_case_sub_run(cli, cmd, &export_sub, NULL, &o);
	sp_protocols_free(o.reg);
	return rc;
}
