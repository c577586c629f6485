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

extern const struct sp_cli_cmd sp_cli_commands[];

/* Print "safepath: <what>: <message> (field)" to stderr and return the exit code for err. */
int sp_cli_fail(const struct sp_err *err, const char *what);
/* Print a usage error and return SP_EXIT_USAGE. */
int sp_cli_usage(const struct sp_cli_cmd *cmd, const char *fmt, ...) SP_PRINTF(2, 3);
/* True when argv asks for help (-h, --help); prints the usage then. */
int sp_cli_wants_help(const struct sp_cli_cmd *cmd, int argc, char **argv);
const struct sp_cli_cmd *sp_cli_find(const char *name);

#endif
