/* safepath store copy --from URL --to URL: move a deployment between stores (sqlite:PATH or
 * postgresql://...). Every table the source lists is copied, in one transaction on the
 * target, which must be empty and is migrated first; row counts are compared per table; a
 * failure leaves the target empty (sp_store_copy). The copy is recorded in the source's audit
 * trail first (store.copy, flagged to the DPO), so the target's trail holds it too. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static int sp_cmd_store(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_store = {
	"store", "copy a deployment's data store into another, empty store",
	"store copy --from URL --to URL",
	sp_cmd_store,
};

static void table_progress(void *ctx, const char *table, int64_t done, int64_t total)
{
	static int64_t last = -1;
	const struct sp_cli *cli = ctx;
	if (cli->json || !isatty(2) || done == last)
		return;
	last = done;
	fprintf(stderr, "\r%-24s %lld/%lld", table, (long long)done, (long long)total);
	if (done >= total)
		fputc('\n', stderr);
}

/* The record of the copy, in the source's own trail (and so in the copy). */
static int audit_copy(struct sp_cli *cli, struct sp_store *from, struct sp_err *err)
{
	struct sp_master *m = NULL;
	struct sp_keys *k = NULL;
	struct sp_audit_keys *ak = NULL;
	int rc = sp_master_open(sp_config_get(&cli->cfg, "key-file"),
				sp_config_get(&cli->cfg, "data"), cli->passphrase_fd, &m, err);
	if (!rc)
		rc = sp_keys_open(from, m, &k, err);
	if (rc == SP_ECRYPTO)
		sp_err_set(err, rc, "key-file", "this master key does not open the source");
	if (!rc)
		rc = sp_audit_keys_new(k, &ak, err);
	if (!rc)
		rc = sp_store_begin_write(from, err);
	if (!rc) {
		struct sp_audit_rec rec = {.action = "store.copy", .flags = SP_AUDIT_F_DPO};
		rc = sp_audit_append(from, ak, &rec, NULL, err);
		if (!rc)
			rc = sp_store_commit(from, err);
		sp_store_rollback(from);
	}
	sp_audit_keys_free(ak);
	sp_keys_free(k);
	sp_master_free(m);
	return rc;
}

static int store_copy(struct sp_cli *cli, const char *from_url, const char *to_url)
{
	struct sp_err err = {0};
	struct sp_store *from = NULL, *to = NULL;
	struct sp_store_copy_report rep;
	const struct sp_store_options src = {
		.busy_timeout_ms = (int)sp_config_get_int(&cli->cfg, "busy-timeout-ms")};
	const struct sp_store_options dst = {.busy_timeout_ms = src.busy_timeout_ms, .create = 1};
	int rc = sp_store_open(from_url, &src, &from, &err);
	if (rc)
		snprintf(err.field, sizeof err.field, "from");
	if (!rc && (rc = sp_store_open(to_url, &dst, &to, &err)))
		snprintf(err.field, sizeof err.field, "to");
	if (!rc)
		rc = sp_store_migrate(from, &err); /* as any command run on it would */
	if (!rc)
		rc = sp_store_migrate(to, &err);
	if (!rc)
		rc = sp_store_check_empty(to, &err); /* before the record of a copy that cannot be */
	if (!rc)
		rc = audit_copy(cli, from, &err);
	if (!rc)
		rc = sp_store_copy(from, to, table_progress, cli, &rep, &err);
	sp_store_close(from);
	sp_store_close(to);
	if (rc)
		return sp_cli_fail(&err, "store copy");
	if (cli->json)
		printf("{\"copied\":true,\"schema_version\":%d,\"tables\":%zu,\"rows\":%lld}\n",
		       rep.schema_version, rep.tables, (long long)rep.rows);
	else
		printf("copied %zu tables, %lld rows (schema version %d); every table's row count "
		       "matches\n",
		       rep.tables, (long long)rep.rows, rep.schema_version);
	return SP_EXIT_OK;
}

static int sp_cmd_store(struct sp_cli *cli, int argc, char **argv)
{
	const char *from = NULL, *to = NULL;
	if (argc < 2 || strcmp(argv[1], "copy") != 0)
		return sp_cli_usage(&sp_cli_cmd_store, "store needs the subcommand copy");
	for (int i = 2; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--from") == 0 && !from)
			from = argv[i + 1];
		else if (strcmp(argv[i], "--to") == 0 && !to)
			to = argv[i + 1];
		else
			return sp_cli_usage(&sp_cli_cmd_store, "unknown or repeated option %s", argv[i]);
	}
	if (argc % 2 != 0 || !from || !to || !*from || !*to)
		return sp_cli_usage(&sp_cli_cmd_store, "store copy needs --from URL and --to URL");
	if (strcmp(from, to) == 0)
		return sp_cli_usage(&sp_cli_cmd_store, "--from and --to name the same store");
	return store_copy(cli, from, to);
}
