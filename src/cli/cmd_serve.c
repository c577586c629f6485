/* safepath serve: the HTTP API. Opens the keys and the database like every command, then
 * serves until SIGTERM or SIGINT, with core dumps off (a dump would hold keys and decrypted
 * data); on the way out it stops the server, which closes every thread's store connection,
 * and writes an audit checkpoint. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "cli/cli.h"
#include "safepath/buf.h"
#include "safepath/http.h"
#include "safepath/jurisdiction.h"
#include "safepath/referral.h"
#include "safepath/log.h"
#include "safepath/notification.h"
#include "safepath/protocol.h"

static int cmd_serve(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_serve = {
	"serve",
	"serve the HTTP API",
	"serve [--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE]\n"
	"  --listen ADDR:PORT  address to listen on: 127.0.0.1:8080 (the setting 'listen'),\n"
	"                      or [::1]:8080 for IPv6\n"
	"  --tls-cert FILE     serve HTTPS with this PEM certificate chain (the setting\n"
	"                      'tls-cert'); needs --tls-key\n"
	"  --tls-key FILE      the certificate's PEM private key (the setting 'tls-key')\n"
	"Runs until SIGTERM or SIGINT; logs one line per request (route, status, time)",
	cmd_serve,
};

static int no_core_dumps(void)
{
	struct rlimit none = {0, 0};
	return setrlimit(RLIMIT_CORE, &none) == 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? 0
												 : -1;
}

/* "--NAME VALUE" or "--NAME=VALUE" at argv[*i]: 1 with *val set (and *i past the value). */
static int option_value(const char *name, int argc, char **argv, int *i, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, "--", 2) != 0 || strncmp(a + 2, name, n) != 0)
		return 0;
	if (a[2 + n] == '=') {
		*val = a + 3 + n;
		return 1;
	}
	if (a[2 + n] != '\0' || *i + 1 >= argc)
		return 0;
	*val = argv[++*i];
	return 1;
}

static int cmd_serve(struct sp_cli *cli, int argc, char **argv)
{
	if (sp_cli_wants_help(&sp_cli_cmd_serve, argc, argv))
		return SP_EXIT_OK;
	static const char *const names[] = {"listen", "tls-cert", "tls-key"};
	const char *val[3];
	for (size_t k = 0; k < 3; k++)
		val[k] = sp_config_get(&cli->cfg, names[k]);
	for (int i = 1; i < argc; i++) {
		size_t k = 0;
		while (k < 3 && !option_value(names[k], argc, argv, &i, &val[k]))
			k++;
		if (k == 3)
			return sp_cli_usage(&sp_cli_cmd_serve, "unexpected '%s'", argv[i]);
	}
	const char *listen = val[0];
	if (!*val[1] != !*val[2])
		return sp_cli_usage(&sp_cli_cmd_serve, "--tls-cert and --tls-key go together");
	struct sp_http_tls tls = {0};
	struct sp_err err = {0};
	/* read before anything is opened: a bad file is a usage error, found at once */
	if (*val[1] && sp_http_tls_load(val[1], val[2], &tls, &err)) {
		sp_cli_fail(&err, "serve");
		return SP_EXIT_USAGE;
	}
	if (no_core_dumps()) {
		fprintf(stderr, "safepath: serve: cannot disable core dumps\n");
		sp_http_tls_free(&tls);
		return SP_EXIT_FAIL;
	}
	/* Protocols are loaded once, before serving: a bad local file stops the start. */
	struct sp_protocols *reg = NULL;
	if (sp_cli_protocols_open(cli, &reg)) {
		sp_http_tls_free(&tls);
		return SP_EXIT_FAIL;
	}
	/* So are the jurisdiction files, and the deployment's one must be among them. */
	struct sp_jurisdictions jurs = {0};
	const struct sp_jurisdiction *jur = NULL;
	if (sp_cli_jurisdictions_open(cli, &jurs, &jur)) {
		sp_http_tls_free(&tls);
		sp_protocols_free(reg);
		return SP_EXIT_FAIL;
	}
	struct sp_app app;
	struct sp_notifier notifier = {0};
	int rc = sp_app_open(cli, 0, &app); /* a passphrase prompt can still be interrupted */
	/* the notifier's spool folder, made if missing, in the data folder that is there now */
	if (!rc && sp_cli_notifier_open(cli, &notifier, &err)) {
		rc = sp_cli_fail(&err, "serve");
		sp_app_close(&app);
	}
	if (rc) {
		sp_http_tls_free(&tls);
		sp_protocols_free(reg);
		sp_jurisdictions_free(&jurs);
		return rc;
	}
	/* Blocked before the server's threads start, so they inherit the mask and the signals
	 * reach only sigwait below. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct sp_vocabulary vocab;
	sp_vocab_for_casework(sp_protocols_vocab(reg), &vocab);
	/* the referral types are checked against that vocabulary: a bad file stops the start */
	struct sp_referral_types *types = NULL;
	if (sp_referral_types_shipped(&vocab, &types, &err)) {
		rc = sp_cli_fail(&err, "serve");
		sp_app_close(&app);
		sp_protocols_free(reg);
		sp_jurisdictions_free(&jurs);
		sp_http_tls_free(&tls);
		return rc;
	}
	char subject_dir[4096];
	int w = snprintf(subject_dir, sizeof subject_dir, "%s/subject-access", app.data_dir);
	struct sp_http_options opt = {
		.listen = listen,
		.db_url = app.db_url,
		.keystore_url = app.ks_url,
		.keystore_backups = app.ks_backups,
		.store = {.busy_timeout_ms = (int)sp_config_get_int(&cli->cfg, "busy-timeout-ms")},
		.cfg = &cli->cfg,
		.keys = app.keys,
		.audit_keys = app.akeys,
		.tls = tls.cert ? &tls : NULL,
		.audit_dir = app.audit_dir,
		.subject_dir = w > 0 && (size_t)w < sizeof subject_dir ? subject_dir : NULL,
		.protocols = reg,
		.vocabulary = &vocab,
		.jurisdiction = jur,
		.jurisdictions = &jurs,
		.referral_types = types,
		.notifier = &notifier,
	};
	struct sp_http_server *srv = NULL;
	rc = sp_http_server_start(&opt, &srv, &err);
	/* the server holds the key in GnuTLS's credentials now: our copy is wiped */
	sp_http_tls_free(&tls);
	opt.tls = NULL;
	if (rc) {
		rc = sp_cli_fail(&err, "serve");
		sp_app_close(&app);
		sp_protocols_free(reg);
		sp_jurisdictions_free(&jurs);
		sp_referral_types_free(types);
		sp_notifier_close(&notifier);
		return rc;
	}
	char port[8];
	snprintf(port, sizeof port, "%u", sp_http_server_port(srv));
	sp_log(SP_LOG_INFO, "serve.listening", "listen", listen, "port", port,
	       (const char *)NULL);
	int sig = 0;
	while (sigwait(&stop, &sig) != 0)
		;
	sp_log(SP_LOG_INFO, "serve.stopping", "signal", sig == SIGTERM ? "TERM" : "INT",
	       (const char *)NULL);
	sp_http_server_stop(srv);
	rc = sp_app_close(&app) ? SP_EXIT_FAIL : SP_EXIT_OK;
	sp_protocols_free(reg);
	sp_jurisdictions_free(&jurs);
	sp_referral_types_free(types);
	sp_notifier_close(&notifier);
	sp_log(SP_LOG_INFO, "serve.stopped", (const char *)NULL);
	return rc;
}
