/* safepath protocols: the screening protocols the program knows (shipped, and the data
 * folder's protocols/), one shown whole, protocol files checked before they are installed, and
 * a screening evaluated from files (docs/cli/protocols.md). Protocols are data, not personal
 * data: no database, key or user is opened. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "safepath/json.h"
#include "safepath/protocol.h"
#include "cli/cli.h"

static int sp_cmd_protocols(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_protocols = {
	"protocols", "list, show and check screening protocols; evaluate answers against one",
	"protocols list [--lang L]\n"
	"       safepath protocols show ID[@VERSION]\n"
	"       safepath protocols check FILE...\n"
	"       safepath protocols evaluate ID[@VERSION] --answers FILE [--facts FILE] [--lang L]",
	sp_cmd_protocols,
};

int sp_cli_protocols_open(struct sp_cli *cli, struct sp_protocols **reg)
{
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/protocols", sp_config_get(&cli->cfg, "data"));
	struct sp_diag d;
	sp_diag_init(&d);
	int rc = sp_protocols_load(dir, reg, &d);
	if (rc) {
		fprintf(stderr, "safepath: protocols: cannot load the protocols:\n");
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "  %s%s%s\n", d.items[i].pointer,
				d.items[i].pointer[0] ? ": " : "", d.items[i].msg);
	}
	sp_diag_free(&d);
	return rc ? SP_EXIT_FAIL : SP_EXIT_OK;
}

/* The value of option name among argv[from...], or def; NULL for a missing value. */
static int options(int argc, char **argv, int from, const char *const *names, const char **vals,
		   const char **positional, int *n_pos, int max_pos)
{
	*n_pos = 0;
	for (int i = from; i < argc; i++) {
		int k = 0;
		while (names[k] && strcmp(argv[i], names[k]) != 0)
			k++;
		if (names[k]) {
			if (i + 1 >= argc || vals[k])
				return -1;
			vals[k] = argv[++i];
		} else if (argv[i][0] == '-' || *n_pos >= max_pos) {
			return -1;
		} else {
			positional[(*n_pos)++] = argv[i];
		}
	}
	return 0;
}

static int do_list(struct sp_cli *cli, int argc, char **argv)
{
	static const char *const names[] = {"--lang", NULL};
	const char *vals[1] = {NULL}, *pos[1];
	int n_pos;
	if (options(argc, argv, 2, names, vals, pos, &n_pos, 0))
		return sp_cli_usage(&sp_cli_cmd_protocols, "protocols list takes only --lang L");
	struct sp_protocols *reg = NULL;
	if (sp_cli_protocols_open(cli, &reg))
		return SP_EXIT_FAIL;
	json_t *arr = json_array();
	for (size_t i = 0; i < sp_protocols_count(reg); i++) {
		const struct sp_protocol *p = sp_protocols_at(reg, i);
		const char *title = sp_text_get(p, &p->title, vals[0]);
		if (cli->json)
			json_array_append_new(
				arr, json_pack("{ss si ss ss ss ss ss}", "id", p->id, "version",
					       p->version, "status", sp_proto_status_name(p->status),
					       "kind", sp_proto_kind_name(p->kind), "age_group",
					       sp_age_group_name(p->age_group), "title", title,
					       "hash", p->hash));
		else
			printf("%-32s %3d  %-11s  %s\n", p->id, p->version,
			       sp_proto_status_name(p->status), title);
	}
	if (cli->json)
		sp_cli_print_json(arr);
	json_decref(arr);
	sp_protocols_free(reg);
	return SP_EXIT_OK;
}

static int do_show(struct sp_cli *cli, int argc, char **argv)
{
	if (argc != 3 || argv[2][0] == '-')
		return sp_cli_usage(&sp_cli_cmd_protocols, "protocols show needs ID or ID@VERSION");
	struct sp_protocols *reg = NULL;
	if (sp_cli_protocols_open(cli, &reg))
		return SP_EXIT_FAIL;
	const struct sp_protocol *p = sp_protocols_lookup(reg, argv[2]);
	int rc = SP_EXIT_OK;
	if (!p) {
		fprintf(stderr, "safepath: protocols show: no protocol %s\n", argv[2]);
		rc = SP_EXIT_FAIL;
	} else if (cli->json) {
		json_t *doc = json_loadb(p->file_text, p->file_len, 0, NULL);
		json_t *out = json_pack("{ss so}", "hash", p->hash, "protocol",
					doc ? doc : json_null());
		sp_cli_print_json(out);
		json_decref(out);
	} else {
		printf("%s@%d  %s  %s\n", p->id, p->version, sp_proto_status_name(p->status),
		       sp_text_get(p, &p->title, "en"));
		printf("hash: %s\nsource: %s\nkind: %s, for %s\nlanguages:", p->hash, p->source,
		       sp_proto_kind_name(p->kind), sp_age_group_name(p->age_group));
		for (unsigned i = 0; i < p->n_languages; i++)
			printf(" %s", p->languages[i]);
		printf("\n%s\n", sp_text_get(p, &p->summary, "en"));
		printf("%u sections, %u questions, %u dimensions, %u indicators, %u readings, "
		       "%u outcomes\n",
		       p->n_sections, p->n_questions, p->n_dimensions, p->n_indicators,
		       p->n_readings, p->n_outcomes);
		if (p->variant_adult)
			printf("variants: adult %s, child %s\n", p->variant_adult, p->variant_child);
		for (unsigned i = 0; i < p->n_notes; i++)
			printf("note: %s\n", sp_text_get(p, &p->notes[i], "en"));
	}
	sp_protocols_free(reg);
	return rc;
}

/* Check one file: every error, printed (or added to arr for --json). 0 when clean. */
static int check_file(struct sp_cli *cli, const struct sp_vocab *vocab, const char *path,
		      json_t *arr)
{
	struct sp_diag d;
	sp_diag_init(&d);
	char *text = NULL;
	size_t len = 0;
	struct sp_protocol *p = NULL;
	int rc = sp_protocols_read_file(path, &text, &len);
	if (rc)
		sp_diag_add(&d, "", rc == SP_ETOOBIG ? "larger than 4 MiB" : "cannot be read");
	else
		rc = sp_protocol_load(text, len, vocab, &p, &d);
	if (!rc && !sp_protocol_name_ok(path, p)) {
		sp_diag_add(&d, "", "the file must be named %s@%d.json", p->id, p->version);
		rc = SP_EINVAL;
	}
	if (cli->json) {
		json_t *errs = json_array();
		for (size_t i = 0; i < d.n; i++)
			json_array_append_new(errs, json_pack("{ss ss}", "pointer", d.items[i].pointer,
							      "message", d.items[i].msg));
		json_t *o = json_pack("{ss sb so}", "file", path, "ok", !rc, "errors", errs);
		if (p)
			json_object_set_new(o, "hash", json_string(p->hash));
		json_array_append_new(arr, o);
	} else if (rc) {
		for (size_t i = 0; i < d.n; i++)
			printf("%s: %s%s%s\n", path, d.items[i].pointer,
			       d.items[i].pointer[0] ? ": " : "", d.items[i].msg);
		if (d.dropped)
			printf("%s: ... and %zu more errors\n", path, d.dropped);
	} else {
		printf("%s: ok (%s@%d, %s)\n", path, p->id, p->version, p->hash);
	}
	sp_protocol_free(p);
	free(text);
	sp_diag_free(&d);
	return rc;
}

static int do_check(struct sp_cli *cli, int argc, char **argv)
{
	if (argc < 3)
		return sp_cli_usage(&sp_cli_cmd_protocols, "protocols check needs FILE...");
	struct sp_diag d;
	sp_diag_init(&d);
	struct sp_vocab *vocab = NULL;
	if (sp_vocab_load_embedded(&vocab, &d)) {
		fprintf(stderr, "safepath: protocols check: the vocabulary does not load\n");
		sp_diag_free(&d);
		return SP_EXIT_FAIL;
	}
	json_t *arr = json_array();
	int bad = 0;
	for (int i = 2; i < argc; i++)
		bad |= check_file(cli, vocab, argv[i], arr) != 0;
	if (cli->json)
		sp_cli_print_json(arr);
	json_decref(arr);
	sp_vocab_free(vocab);
	sp_diag_free(&d);
	return bad ? SP_EXIT_FAIL : SP_EXIT_OK;
}

static json_t *read_json_file(const char *what, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	/* "-": standard input, so that answers need not be written to a file */
	if (sp_protocols_read_file(strcmp(path, "-") == 0 ? "/dev/stdin" : path, &text, &len)) {
		fprintf(stderr, "safepath: protocols evaluate: %s: cannot be read\n", what);
		return NULL;
	}
	struct sp_err err = {0};
	json_t *j = sp_json_parse(text, len, &err);
	free(text);
	if (!j)
		fprintf(stderr, "safepath: protocols evaluate: %s: %s\n", what, err.msg);
	return j;
}

static int do_evaluate(struct sp_cli *cli, int argc, char **argv)
{
	static const char *const names[] = {"--answers", "--facts", "--lang", NULL};
	const char *vals[3] = {NULL, NULL, NULL}, *pos[1];
	int n_pos;
	if (options(argc, argv, 2, names, vals, pos, &n_pos, 1) || n_pos != 1 || !vals[0])
		return sp_cli_usage(&sp_cli_cmd_protocols,
				    "protocols evaluate needs ID[@VERSION] and --answers FILE");
	const char *lang = vals[2] ? vals[2] : "en";
	if (strcmp(lang, "en") != 0 && strcmp(lang, "fr") != 0)
		return sp_cli_usage(&sp_cli_cmd_protocols, "--lang must be en or fr");
	if (vals[1] && strcmp(vals[0], "-") == 0 && strcmp(vals[1], "-") == 0)
		return sp_cli_usage(&sp_cli_cmd_protocols, "only one of --answers and --facts can be -");
	struct sp_protocols *reg = NULL;
	if (sp_cli_protocols_open(cli, &reg))
		return SP_EXIT_FAIL;
	int rc = SP_EXIT_FAIL;
	json_t *answers = read_json_file("--answers", vals[0]);
	json_t *facts = vals[1] ? read_json_file("--facts", vals[1]) : NULL;
	if (answers && (facts || !vals[1])) {
		struct sp_diag d;
		struct sp_buf out;
		sp_diag_init(&d);
		sp_buf_init(&out, 1u << 22);
		if (sp_screen_json(reg, pos[0], answers, facts, lang, &out, &d) == SP_OK) {
			printf("%s\n", out.data);
			rc = SP_EXIT_OK;
		} else {
			for (size_t i = 0; i < d.n; i++)
				fprintf(stderr, "safepath: protocols evaluate: %s%s%s\n",
					d.items[i].pointer, d.items[i].pointer[0] ? ": " : "",
					d.items[i].msg);
		}
		sp_buf_free(&out);
		sp_diag_free(&d);
	}
	json_decref(answers);
	json_decref(facts);
	sp_protocols_free(reg);
	return rc;
}

static int sp_cmd_protocols(struct sp_cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(struct sp_cli *, int, char **);
	} subs[] = {{"list", do_list}, {"show", do_show}, {"check", do_check},
		    {"evaluate", do_evaluate}};
	if (argc < 2)
		return sp_cli_usage(&sp_cli_cmd_protocols,
				    "protocols needs a subcommand: list, show, check or evaluate");
	for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
		if (strcmp(argv[1], subs[i].name) == 0)
			return subs[i].run(cli, argc, argv);
	return sp_cli_usage(&sp_cli_cmd_protocols, "unknown subcommand %s", argv[1]);
}
