/* safepath note: add a note to a case (the text on standard input) and list a case's notes. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "safepath/case.h"

static int cmd_note(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_note = {
	"note",
	"add a note to a case, or list its notes",
	"note add --as USER CASE  < text\n"
	"       safepath note list --as USER CASE\n"
	"The note's text comes on standard input (at most 20000 bytes), so pass the password\n"
	"with --password-fd 3 or type it at the terminal.",
	cmd_note,
};

static int note_add(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		    const void *opts, struct sp_err *err)
{
	(void)opts;
	const char *text = NULL;
	struct sp_note note;
	int rc = sp_cli_read_stdin_text(cw->arena, SP_NOTE_MAX, "/text", &text, err);
	if (!rc)
		rc = sp_note_add(cw, id, text, &note, err);
	if (!rc) {
		char nid[SP_ID_STRLEN + 1];
		sp_id_format(&note.id, nid);
		printf(cli->json ? "{\"id\":\"%s\"}\n" : "%s\n", nid);
	}
	return rc;
}

static int note_list(struct sp_cli *cli, struct sp_casework *cw, const struct sp_id *id,
		     const void *opts, struct sp_err *err)
{
	(void)opts;
	struct sp_note *notes;
	size_t n;
	int rc = sp_note_list(cw, id, &notes, &n, err);
	json_t *arr = rc ? NULL : json_array();
	for (size_t i = 0; arr && i < n; i++) {
		json_array_append_new(arr, sp_note_encode(&notes[i], true));
		if (!cli->json) {
			char when[SP_TIME_STRLEN + 1], author[SP_ID_STRLEN + 1];
			sp_time_format(notes[i].created_us, when);
			sp_id_format(&notes[i].author, author);
			printf("--- %.19sZ by %s\n%s\n", when, author, notes[i].text);
		}
	}
	if (arr && cli->json)
		sp_cli_print_json(arr);
	json_decref(arr);
	return rc;
}

static const struct sp_cli_case_sub subcommands[] = {
	{"add", note_add, 1},
	{"list", note_list, 1},
	{NULL, NULL, 0},
};

static int cmd_note(struct sp_cli *cli, int argc, char **argv)
{
	return sp_cli_case_command(cli, &sp_cli_cmd_note, subcommands, argc, argv);
}
