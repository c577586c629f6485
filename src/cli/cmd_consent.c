/* safepath consent: record a consent for a case (JSON on standard input) and list a case's
 * consent records, newest last. */
#include <stdio.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/case.h"

static int cmd_consent(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_consent = {
	"consent",
	"record a consent for a case, or list its consents",
	"consent add --as USER CASE  < consent.json\n"
	"       safepath consent list --as USER CASE\n"
	"consent.json: {\"purpose\": services|referral|data_sharing|statistics|tracing,\n"
	"  \"status\": given|refused|withdrawn, \"method\": verbal|written|interpreter,\n"
	"  \"interpreter_used\": bool, \"interpreter_language\": LANG,\n"
	"  \"by\": person|guardian|representative, \"given_by_name\": NAME (guardian, representative),\n"
	"  \"child_assent\": given|refused|not_able,\n"
	"  \"scope_agency\": AGENCY-ID (referral), \"scope_country\": CC (data_sharing), \"note\": "
	"TEXT}",
	cmd_consent,
};

static void print_consent(const struct sp_cli *cli, const struct sp_consent *c)
{
	json_t *j = sp_consent_encode(c);
	if (cli->json || !j) {
		sp_cli_print_json(j);
	} else {
		printf("%-13s %-9s %-11s by %s", sp_consent_purpose_name(c->purpose),
		       sp_consent_status_name(c->status), sp_consent_method_name(c->method),
		       sp_consent_by_name(c->by));
		if (c->child_assent != SP_ASSENT_NONE)
			printf(", child assent %s", sp_assent_name(c->child_assent));
		if (c->scope_country[0])
			printf(", country %s", c->scope_country);
		printf("\n");
	}
	json_decref(j);
}

static int consent_add(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		       const void *opts, struct sp_err *err)
{
	(void)opts;
	json_t *body = NULL;
	struct sp_consent in, out;
	int rc = sp_cli_read_stdin_json(&body, err);
	if (!rc)
		rc = sp_consent_decode(body, cw->arena, &in, err);
	json_decref(body);
	if (!rc)
		rc = sp_consent_record(cw, id, &in, &out, err);
	if (!rc)
		print_consent(cli, &out);
	return rc;
}

static int consent_list(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
			const void *opts, struct sp_err *err)
{
	(void)opts;
	struct sp_consent *list;
	size_t n;
	int rc = sp_consent_list(cw, id, &list, &n, err);
	for (size_t i = 0; !rc && i < n; i++)
		print_consent(cli, &list[i]);
	return rc;
}

static const struct sp_cli_case_sub subcommands[] = {
	{"add", consent_add, 1},
	{"list", consent_list, 1},
	{NULL, NULL, 0},
};

static int cmd_consent(struct sp_cli *cli, int argc, char **argv)
{
	return sp_cli_case_command(cli, &sp_cli_cmd_consent, subcommands, argc, argv);
}
