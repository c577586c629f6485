/* safepath audit: `verify` checks the whole trail against its keyed chain and the signed
 * checkpoints in DATA/audit (exit 0 intact, 1 altered or could not check); `checkpoint`
 * signs the current head into DATA/audit/checkpoints (every command also does so when it
 * closes). Ids and counts only: no --as user needed. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static int sp_cmd_audit(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_audit = {
	"audit", "verify the audit trail, or checkpoint its head",
	"audit verify\n"
	"       safepath audit checkpoint",
	sp_cmd_audit,
};

static void print_json(const struct sp_audit_report *r)
{
	printf("{\"ok\":%s,\"records\":%lld,\"last_seq\":%lld,\"head_seq\":%lld,"
	       "\"checkpoints\":%ld,\"restores\":%ld,\"rolled_back\":%ld,"
	       "\"rolled_back_from\":%lld,\"rolled_back_to\":%lld,"
	       "\"last_checkpoint_seq\":%lld,\"torn_last_line\":%s,\"problems\":%zu,\"findings\":[",
	       r->ok ? "true" : "false", (long long)r->records, (long long)r->last_seq,
	       (long long)r->head_seq, r->checkpoints, r->restores, r->rolled_back,
	       (long long)r->rolled_back_from, (long long)r->rolled_back_to,
	       (long long)r->last_checkpoint_seq, r->torn_last_line ? "true" : "false", r->nfound);
	for (size_t i = 0; i < r->nkept; i++)
		printf("%s{\"kind\":\"%s\",\"seq\":%lld,\"line\":%ld}", i ? "," : "",
		       sp_audit_problem_name(r->found[i].kind), (long long)r->found[i].seq,
		       r->found[i].line);
	printf("]}\n");
}

static void print_text(const struct sp_audit_report *r)
{
	printf("%lld records (head %lld), %ld checkpoints, %ld restores", (long long)r->records,
	       (long long)r->head_seq, r->checkpoints, r->restores);
	if (r->rolled_back)
		printf(", %ld checkpoints rolled back by a restore (records %lld to %lld of the "
		       "earlier trail)",
		       r->rolled_back, (long long)r->rolled_back_from, (long long)r->rolled_back_to);
	printf("\n");
	if (r->torn_last_line)
		printf("note: the checkpoint file ends in a partial line (a crash while writing)\n");
	for (size_t i = 0; i < r->nkept; i++) {
		const struct sp_audit_finding *f = &r->found[i];
		printf("%s at seq %lld", sp_audit_problem_name(f->kind), (long long)f->seq);
		if (f->line)
			printf(" (checkpoint file line %ld)", f->line);
		printf("\n");
	}
	if (r->nfound > r->nkept)
		printf("... and %zu more\n", r->nfound - r->nkept);
	if (r->ok)
		printf("audit trail intact\n");
	else
		printf("audit trail ALTERED: %zu problem(s)\n", r->nfound);
}

static int audit_verify(struct sp_app *app, struct sp_err *err)
{
	struct sp_audit_report rep;
	int rc = sp_audit_verify(app->store, app->akeys, app->audit_dir, &rep, err);
	if (rc)
		return rc;
	if (app->cli->json)
		print_json(&rep);
	else
		print_text(&rep);
	return rep.ok ? SP_OK : 1; /* found problems: exit 1, the report said it all */
}

/* Every command's sp_app_close signs the head (and reports a failure): nothing to add. */
static int audit_checkpoint(struct sp_app *app, struct sp_err *err)
{
	(void)app;
	(void)err;
	return SP_OK;
}

static const struct {
	const char *name;
	int (*run)(struct sp_app *app, struct sp_err *err);
} subcommands[] = {
	{"verify", audit_verify},
	{"checkpoint", audit_checkpoint},
};

static int sp_cmd_audit(struct sp_cli *cli, int argc, char **argv)
{
	if (argc != 2)
		return sp_cli_usage(&sp_cli_cmd_audit, "audit needs one subcommand: verify or checkpoint");
	size_t which = 0, n = sizeof subcommands / sizeof subcommands[0];
	while (which < n && strcmp(subcommands[which].name, argv[1]) != 0)
		which++;
	if (which == n)
		return sp_cli_usage(&sp_cli_cmd_audit, "no audit subcommand '%s'", argv[1]);
	struct sp_app app;
	int code = sp_app_open(cli, 0, &app);
	if (code != SP_EXIT_OK)
		return code;
	struct sp_err err = {0};
	int rc = subcommands[which].run(&app, &err);
	int closed = sp_app_close(&app);
	if (rc == 1)
		return SP_EXIT_FAIL;
	if (rc) {
		char what[32];
		snprintf(what, sizeof what, "audit %s", argv[1]);
		if (!err.msg[0])
			sp_err_set(&err, rc, "", "%s", sp_status_name(rc));
		return sp_cli_fail(&err, what);
	}
	if (closed)
		return SP_EXIT_FAIL;
	if (subcommands[which].run == audit_checkpoint && cli->json)
		printf("{\"checkpoint\":\"written\"}\n");
	return SP_EXIT_OK;
}
