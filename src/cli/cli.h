/* The command line: a table of commands, each in its own cmd_*.c file, sharing the global
 * options and the opened context. Exit codes: 0 done, 1 failed, 2 usage error. */
#ifndef SAFEPATH_CLI_H
#define SAFEPATH_CLI_H

#include <stdio.h>

#include "safepath/config.h"
#include "safepath/err.h"

enum { SP_EXIT_OK = 0, SP_EXIT_FAIL = 1, SP_EXIT_USAGE = 2 };

struct sp_cli {
	struct sp_config cfg;   /* data, db, key-file, log-level, ... after file, env and flags */
	int json;               /* --json: machine-readable output */
	const char *as_user;    /* --as USER */
	int password_fd;        /* --password-fd N, -1 = terminal */
	int passphrase_fd;      /* --passphrase-fd N, -1 = use the key file */
	const char *prog;
};

struct sp_cli_cmd {
	const char *name;
	const char *summary;
	const char *usage;  /* shown by `safepath CMD --help` */
	int (*run)(struct sp_cli *cli, int argc, char **argv);
};

/* The commands, each defined in its cmd_*.c file; the table is in main.c. */
extern const struct sp_cli_cmd sp_cli_cmd_init, sp_cli_cmd_key, sp_cli_cmd_audit,
	sp_cli_cmd_agency, sp_cli_cmd_user, sp_cli_cmd_approval, sp_cli_cmd_case, sp_cli_cmd_note,
	sp_cli_cmd_need, sp_cli_cmd_task, sp_cli_cmd_notifications, sp_cli_cmd_plan,
	sp_cli_cmd_tracing, sp_cli_cmd_consent, sp_cli_cmd_demo, sp_cli_cmd_serve, sp_cli_cmd_lifecycle;
extern const struct sp_cli_cmd sp_cli_cmd_backup, sp_cli_cmd_restore, sp_cli_cmd_store,
	sp_cli_cmd_protocols, sp_cli_cmd_jurisdictions, sp_cli_cmd_decision,
	sp_cli_cmd_deadline, sp_cli_cmd_services, sp_cli_cmd_focal, sp_cli_cmd_referral;
extern const struct sp_cli_cmd sp_cli_cmd_retention, sp_cli_cmd_subject_access, sp_cli_cmd_match,
	sp_cli_cmd_registry, sp_cli_cmd_dedup;

/* Print "safepath: <what>: <message> (field)" to stderr and return the exit code for err. */
int sp_cli_fail(const struct sp_err *err, const char *what);
/* Print a usage error and return SP_EXIT_USAGE. */
int sp_cli_usage(const struct sp_cli_cmd *cmd, const char *fmt, ...) SP_PRINTF(2, 3);
/* True when argv asks for help (-h, --help); prints the usage then. */
int sp_cli_wants_help(const struct sp_cli_cmd *cmd, int argc, char **argv);
const struct sp_cli_cmd *sp_cli_find(const char *name);

/* The screening protocols: shipped ones and DATA/protocols (cmd_protocols.c); errors printed,
 * SP_EXIT_FAIL then. */
struct sp_protocols;
int sp_cli_protocols_open(struct sp_cli *cli, struct sp_protocols **reg);
/* The jurisdiction files (shipped and DATA/jurisdictions, cmd_jurisdictions.c) and, in *j, the
 * deployment's own (the `jurisdiction` setting); errors printed, SP_EXIT_FAIL then, when a file
 * is invalid or no file has that id. Free the set with sp_jurisdictions_free. */
struct sp_jurisdictions;
struct sp_jurisdiction;
int sp_cli_jurisdictions_open(struct sp_cli *cli, struct sp_jurisdictions *set,
			      const struct sp_jurisdiction **j);

#endif

#include <jansson.h>

#include "safepath/access.h"
#include "safepath/arena.h"
#include "safepath/audit.h"
#include "safepath/case.h"
#include "safepath/crypto.h"
#include "safepath/store.h"

/* Everything a command works with, opened from the configuration: the database, the keys,
 * the person-key store, the access context and the acting user. */
struct sp_vocab;
struct sp_app {
	struct sp_cli *cli;
	const char *data_dir;
	const char *key_file;
	char db_url[4096];
	char ks_url[4200]; /* the person-key store (sp_keystore_default_url, or keystore-db) */
	char ks_backups[4200]; /* its backups' folder when it is a server database, else "" */
	char audit_dir[4096];
	struct sp_store *store;
	struct sp_keys *keys;
	struct sp_keystore *ks;
	struct sp_audit_keys *akeys; /* sodium_malloc */
	struct sp_access access;
	int has_user;                /* --as given and authenticated */
	struct sp_user user;
	struct sp_subject subject;   /* the user, or the system (all zero) */
	struct sp_vocab *vocab;      /* the protocols' vocabulary, loaded by sp_cli_casework */
	struct sp_vocabulary vocabulary;
};

enum sp_app_flags {
	SP_APP_USER = 1 << 0,      /* --as USER is required and authenticated */
	SP_APP_ALLOW_OTP = 1 << 1, /* a one-time password is enough (user passwd) */
	SP_APP_CREATE = 1 << 2,    /* init: create the database, keys and key store */
};

/* Open what the command needs; prints the reason on failure and returns the exit code. */
int sp_app_open(struct sp_cli *cli, unsigned flags, struct sp_app *app);
/* Write an audit checkpoint for what the command did, and close everything. */
int sp_app_close(struct sp_app *app);
/* The database URL (--db, else sqlite:DATA/safepath.db) and DATA/audit; SP_EINVAL if too long. */
int sp_cli_paths(struct sp_cli *cli, char *db_url, size_t db_cap, char *audit_dir,
		 size_t audit_cap);
/* The backup folder of a key store in a server database: persons-backups/ beside the key
 * file (where a SQLite key store's would be); SP_EINVAL if too long. */
int sp_cli_ks_backups(const char *key_file, char *out, size_t cap, struct sp_err *err);
/* Progress of long work on standard error, only on a terminal and without --json (ctx: the
 * struct sp_cli). */
void sp_cli_progress(void *ctx, const char *phase, uint64_t done, uint64_t total);
/* backup and restore (cmd_backup.c): the FILE of their one option "--to FILE" or
 * "--from FILE" (NULL: usage error), and their report, as text or JSON. */
struct sp_backup_report;
const char *sp_cli_file_option(int argc, char **argv, const char *name);
void sp_cli_backup_print(const struct sp_cli *cli, const char *what,
			 const struct sp_backup_report *r);
/* Shared by the casework commands (app.c): a casework context over the app and a fresh
 * request arena; the JSON document on standard input (personal data never comes on the
 * command line); a case number or id to the case id; JSON output. */
struct sp_casework;
void sp_cli_casework(struct sp_app *app, struct sp_arena *arena, struct sp_casework *cw);
/* The protocols' vocabulary (needs, services, ... codes) in app->vocabulary, loaded once. */
int sp_cli_vocabulary(struct sp_app *app, struct sp_err *err) SP_MUST;
int sp_cli_read_stdin_json(json_t **out, struct sp_err *err);
/* The whole of standard input as text in the arena, trailing newlines removed ("" when it is
 * empty): SP_ETOOBIG over max bytes, SP_EINVAL when it holds a NUL, both naming field. */
struct sp_arena;
int sp_cli_read_stdin_text(struct sp_arena *a, size_t max, const char *field, const char **out,
			   struct sp_err *err);
/* The same from an open file descriptor (SP_EIO naming field when a read fails). */
int sp_cli_read_fd_text(int fd, struct sp_arena *a, size_t max, const char *field,
			const char **out, struct sp_err *err);
/* The id of the user named name; SP_EINVAL naming option when there is none. */
int sp_cli_user_id(struct sp_casework *cw, const char *name, const char *option,
		   struct sp_id *out, struct sp_err *err);
int sp_cli_case_resolve(struct sp_casework *cw, const char *ref, struct sp_id *out,
			struct sp_err *err);
void sp_cli_print_json(json_t *j);
/* The UTC day of instant us ("2031-04-01") in buf, or "-" for 0 (none). */
const char *sp_cli_day(int64_t us, char buf[SP_TIME_STRLEN + 1]);
/* One item of a list, encoded as j (taken): appended to arr when there is one, else printed
 * when --json (or j is NULL: "null"); false when the caller prints its own line instead. */
bool sp_cli_json_item(const struct sp_cli *cli, json_t *j, json_t *arr);
/* The end of a page: arr (the --json items; NULL: printed line by line already), then, when
 * next is not zero, "more: --after ID" on standard error. */
void sp_cli_print_page(json_t *arr, const struct sp_id *next);

/* A subcommand of a casework command, in its command's table (ended by a NULL name). run
 * gets the case its CASE argument names (NULL when it takes none) and the command's parsed
 * options; it returns a status and leaves the detail in err. */
struct sp_cli_case_sub {
	const char *name;
	int (*run)(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *case_id,
		   const void *opts, struct sp_err *err);
	int takes_case; /* one CASE argument */
};
const struct sp_cli_case_sub *sp_cli_case_sub_find(const struct sp_cli_case_sub *subs,
						   const char *name);
/* Open the app as the --as user, resolve ref (a case number or id; NULL for none), run the
 * subcommand, close (the audit checkpoint) and return the exit code; a failure is printed
 * as "CMD SUB". */
int sp_cli_case_sub_run(struct sp_cli *cli, const struct sp_cli_cmd *cmd,
			const struct sp_cli_case_sub *sub, const char *ref, const void *opts);
/* The whole of a `CMD SUB CASE` command with no options (note, consent): help, the
 * arguments, then sp_cli_case_sub_run. */
int sp_cli_case_command(struct sp_cli *cli, const struct sp_cli_cmd *cmd,
			const struct sp_cli_case_sub *subs, int argc, char **argv);

/* Append one audit record as the acting user (or the system), in its own transaction when
 * the store has none open. */
int sp_app_audit(struct sp_app *app, struct sp_audit_rec *rec, struct sp_err *err);

/* A subcommand of an administrative command (agency, approval, user), in its command's table
 * (ended by a NULL name). run works on the opened app with the command's parsed arguments and
 * prints what it did; it returns a status and leaves the detail in err. */
struct sp_cli_sub {
	const char *name;
	int (*run)(struct sp_cli *cli, struct sp_app *app, const void *args, struct sp_err *err);
	int takes_arg; /* one positional argument (ID, USERNAME) */
};
/* The notifier of the setting notify-spool (default DATA/spool/notify), folder made 0700. */
struct sp_notifier;
int sp_cli_notifier_open(struct sp_cli *cli, struct sp_notifier *out, struct sp_err *err) SP_MUST;

const struct sp_cli_sub *sp_cli_sub_find(const struct sp_cli_sub *subs, const char *name);
/* Open the app as the --as user, run the subcommand, print a failure as "CMD SUB" and close
 * (the audit checkpoint); returns the exit code. */
int sp_cli_sub_run(struct sp_cli *cli, const struct sp_cli_cmd *cmd, const struct sp_cli_sub *sub,
		   const void *args);
