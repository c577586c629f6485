/* safepath consent: record a consent for a case (JSON on standard input) and list a case's
 * consent records, newest last. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/case.h"

/* From cmd_case.c. */
static int cmd_consent(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_consent = {
	"consent",
	"record a consent for a case, or list its consents",
	"consent add --as USER CASE  < consent.json\n"
	"       safepath consent list --as USER CASE\n"
	"consent.json: {\"purpose\": services|referral|data_sharing|statistics|tracing,\n"
	"  \"status\": given|refused|withdrawn, \"method\": verbal|written|interpreter,\n"
	"  \"interpreter_used\": bool, \"interpreter_language\": LANG,\n"
	"  \"by\": person|guardian|representative, \"child_assent\": given|refused|not_able,\n"
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

static int cmd_consent(struct sp_cli *cli, int argc, char **argv)
{
	if (sp_cli_wants_help(&sp_cli_cmd_consent, argc, argv))
		return SP_EXIT_OK;
	if (argc != 3)
		return sp_cli_usage(&sp_cli_cmd_consent, "consent needs a subcommand and a CASE");
	int is_add = strcmp(argv[1], "add") == 0, is_list = strcmp(argv[1], "list") == 0;
	if (!is_add && !is_list)
		return sp_cli_usage(&sp_cli_cmd_consent, "no consent subcommand '%s'", argv[1]);
	struct sp_app app;
	int rc = sp_app_open(cli, SP_APP_USER, &app);
	if (rc)
		return rc;
	struct sp_arena arena;
	struct sp_casework cw;
	sp_cli_casework(&app, &arena, &cw);
	struct sp_err err = {0};
	struct sp_id id;
	rc = sp_cli_case_resolve(&cw, argv[2], &id, &err);
	if (!rc && is_add) {
		json_t *body = NULL;
		struct sp_consent in, out;
		rc = sp_cli_read_stdin_json(&body, &err);
		if (!rc)
			rc = sp_consent_decode(body, &arena, &in, &err);
		json_decref(body);
		if (!rc)
			rc = sp_consent_record(&cw, &id, &in, &out, &err);
		if (!rc)
			print_consent(cli, &out);
	} else if (!rc) {
		struct sp_consent *list;
		size_t n;
		rc = sp_consent_list(&cw, &id, &list, &n, &err);
		for (size_t i = 0; !rc && i < n; i++)
			print_consent(cli, &list[i]);
	}
	sp_arena_release(&arena);
	int closed = sp_app_close(&app); /* the audit checkpoint */
	if (rc) {
		char cmd[64];
		snprintf(cmd, sizeof cmd, "consent %s", argv[1]);
		return sp_cli_fail(&err, cmd);
	}
	return closed ? SP_EXIT_FAIL : SP_EXIT_OK;
}
