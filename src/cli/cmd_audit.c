/* safepath audit: `verify` checks the whole trail against its keyed chain and the signed
 * checkpoints in DATA/audit (exit 0 intact, 1 altered or could not check); `checkpoint`
 * signs the current head into DATA/audit/checkpoints. The keys come from the master key as
 * for every command (--key-file, or a passphrase). */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "cli/cli.h"
#include "safepath/audit.h"
#include "safepath/crypto.h"
#include "safepath/store.h"

int sp_cmd_audit(struct sp_cli *cli, int argc, char **argv);

static const struct sp_cli_cmd audit_cmd = {
	"audit", "verify the audit trail, or checkpoint its head",
	"audit verify\n"
	"       safepath audit checkpoint",
	sp_cmd_audit,
};

struct audit_ctx {
	struct sp_cli *cli;
	struct sp_store *store;
	struct sp_audit_keys *keys; /* sodium_malloc: the audit subkeys */
	char dir[4096];             /* DATA/audit */
};

/* Open the database and derive the audit keys; the master and data keys are dropped again
 * at once, only the audit subkeys stay. */
static int audit_open(struct audit_ctx *c, struct sp_err *err)
{
	const char *data = sp_config_get(&c->cli->cfg, "data");
	const char *db = sp_config_get(&c->cli->cfg, "db");
	char url[4200];
	int n = db && *db ? snprintf(url, sizeof url, "%s", db)
			  : snprintf(url, sizeof url, "sqlite:%s/safepath.db", data);
	if (n < 0 || (size_t)n >= sizeof url)
		return sp_err_set(err, SP_ETOOBIG, "db", "database URL too long");
	n = snprintf(c->dir, sizeof c->dir, "%s/audit", data);
	if (n < 0 || (size_t)n >= sizeof c->dir)
		return sp_err_set(err, SP_ETOOBIG, "data", "data folder path too long");
	struct sp_store_options opt = {
		.busy_timeout_ms = (int)sp_config_get_int(&c->cli->cfg, "busy-timeout-ms"),
		.create = 0,
	};
	struct sp_master *m = NULL;
	struct sp_keys *k = NULL;
	int rc = sp_store_open(url, &opt, &c->store, err);
	if (!rc)
		rc = sp_master_open(sp_config_get(&c->cli->cfg, "key-file"), data,
				    c->cli->passphrase_fd, &m, err);
	if (!rc)
		rc = sp_keys_open(c->store, m, &k, err);
	if (!rc && !(c->keys = sodium_malloc(sizeof *c->keys)))
		rc = sp_err_set(err, SP_ENOMEM, NULL, "out of memory");
	if (!rc) {
		const unsigned char *ck = k ? sp_keys_audit_chain_key(k) : NULL, *pk = NULL, *sk = NULL;
		if (k)
			sp_keys_audit_signing(k, &pk, &sk);
		if (!ck || !pk || !sk || !c->keys) {
			rc = sp_err_set(err, SP_EINTERNAL, NULL, "the audit keys are unavailable");
		} else {
			memcpy(c->keys->chain_key, ck, sizeof c->keys->chain_key);
			memcpy(c->keys->sign_pk, pk, sizeof c->keys->sign_pk);
			memcpy(c->keys->sign_sk, sk, sizeof c->keys->sign_sk);
		}
	}
	sp_keys_free(k);
	sp_master_free(m);
	return rc;
}

static void print_json(const struct sp_audit_report *r)
{
	printf("{\"ok\":%s,\"records\":%lld,\"last_seq\":%lld,\"head_seq\":%lld,"
	       "\"checkpoints\":%ld,\"restores\":%ld,\"rolled_back\":%ld,"
	       "\"last_checkpoint_seq\":%lld,\"torn_last_line\":%s,\"problems\":%zu,\"findings\":[",
	       r->ok ? "true" : "false", (long long)r->records, (long long)r->last_seq,
	       (long long)r->head_seq, r->checkpoints, r->restores, r->rolled_back,
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
		printf(", %ld checkpoints rolled back by a restore", r->rolled_back);
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

static int audit_verify(struct audit_ctx *c, struct sp_err *err)
{
	struct sp_audit_report rep;
	int rc = sp_audit_verify(c->store, c->keys, c->dir, &rep, err);
	if (rc)
		return rc;
	if (c->cli->json)
		print_json(&rep);
	else
		print_text(&rep);
	return rep.ok ? SP_OK : 1; /* found problems: exit 1, nothing more to say */
}

static int audit_checkpoint(struct audit_ctx *c, struct sp_err *err)
{
	int rc = sp_audit_checkpoint(c->store, c->keys, c->dir, err);
	if (!rc && c->cli->json)
		printf("{\"checkpoint\":\"written\"}\n");
	return rc;
}

static const struct {
	const char *name;
	int (*run)(struct audit_ctx *c, struct sp_err *err);
} subcommands[] = {
	{"verify", audit_verify},
	{"checkpoint", audit_checkpoint},
};

int sp_cmd_audit(struct sp_cli *cli, int argc, char **argv)
{
	if (argc != 2)
		return sp_cli_usage(&audit_cmd, "audit needs one subcommand: verify or checkpoint");
	size_t which = 0, n = sizeof subcommands / sizeof subcommands[0];
	while (which < n && strcmp(subcommands[which].name, argv[1]) != 0)
		which++;
	if (which == n)
		return sp_cli_usage(&audit_cmd, "no audit subcommand '%s'", argv[1]);
	struct audit_ctx c = {.cli = cli};
	struct sp_err err = {0};
	int rc = audit_open(&c, &err);
	if (!rc)
		rc = subcommands[which].run(&c, &err);
	if (c.keys)
		sodium_free(c.keys);
	sp_store_close(c.store);
	if (rc == 1)
		return SP_EXIT_FAIL;
	if (rc) {
		char what[32];
		snprintf(what, sizeof what, "audit %s", argv[1]);
		if (!err.msg[0])
			sp_err_set(&err, rc, "", "%s", sp_status_name(rc));
		return sp_cli_fail(&err, what);
	}
	return SP_EXIT_OK;
}
