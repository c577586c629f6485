/* safepath match --left A.csv [--right B.csv] [--map FIELD=COLUMN,...]: the pairs of two lists
 * the user already holds (two agencies' registrations, say) that are likely the same person,
 * by a Fellegi–Sunter model (docs/cli/match.md). Reads no store, no key and needs no --as: the
 * lists come from the user and the pairs go back to them (a file made 0600, or standard
 * output); nothing is kept. `safepath match evaluate --as USER` checks the registry's model
 * against the pairs people decided (safepath/matcheval.h): figures only. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "safepath/csv.h"
#include "safepath/fsmodel.h"
#include "safepath/matcheval.h"

static int cmd_match(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_match = {
	"match",
	"find the pairs of two CSV lists (or within one) that are likely the same person",
	"match --left A.csv [--right B.csv] [--map FIELD=COLUMN,...] [--id COLUMN]\n"
	"       [--model ID|FILE.json] [--threshold P] [--out FILE] [--explain]\n"
	"       safepath match evaluate --as USER\n"
	"Without --right, the pairs within the left list (duplicates). FIELD is a field of the\n"
	"model (person: name date_of_birth sex nationality place_of_separation\n"
	"date_of_separation relatives aliases; febrl: its data sets' columns); COLUMN a header\n"
	"name or HXL hashtag, several joined by ; into one value (name=first;last, one field\n"
	"only), alternatives separated by | (each file uses the first it has); a field not\n"
	"mapped is taken from the column of its own name, if any, else left missing.\n"
	"--id: the column naming each row (default: the first; several separated by | too).\n"
	"--model: a shipped model (default person) or a model file. --threshold: the least\n"
	"probability written (default: the model's). Writes CSV, by descending probability:\n"
	"left_id,right_id,probability,weight, then each comparison's contribution (and with\n"
	"--explain the explanation in words) to --out FILE (created 0600) or standard output.\n"
	"Reads no data folder and needs no --as: both lists are the user's own.\n"
	"evaluate: the registry's model against the pairs people confirmed or rejected (links\n"
	"at registration, the review queue's decisions), each scored with the current\n"
	"parameters: precision, recall and F1 of the model's decision at its threshold and the\n"
	"count of labels; no personal data printed. A supervisor's work; audited",
	cmd_match,
};

struct opts {
	const char *left, *right, *map, *id, *model, *out;
	double threshold;
	bool has_threshold, explain;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{"left", required_argument, NULL, 'l'},	 {"right", required_argument, NULL, 'r'},
		{"map", required_argument, NULL, 'm'},	 {"id", required_argument, NULL, 'i'},
		{"model", required_argument, NULL, 'M'}, {"threshold", required_argument, NULL, 't'},
		{"out", required_argument, NULL, 'o'},	 {"explain", no_argument, NULL, 'e'},
		{NULL, 0, NULL, 0},
	};
	memset(o, 0, sizeof *o);
	o->model = "person";
	optind = 1;
	opterr = 0;
	int c;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'l': o->left = optarg; break;
		case 'r': o->right = optarg; break;
		case 'm': o->map = optarg; break;
		case 'i': o->id = optarg; break;
		case 'M': o->model = optarg; break;
		case 'o': o->out = optarg; break;
		case 'e': o->explain = true; break;
		case 't':
			o->threshold = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(o->threshold >= 0 && o->threshold <= 1))
				return sp_cli_usage(&sp_cli_cmd_match,
						    "--threshold: must be a probability from 0 to 1");
			o->has_threshold = true;
			break;
		default:
			return sp_cli_usage(&sp_cli_cmd_match, "unknown option or missing value: %s",
					    argv[optind - 1]);
		}
	}
	if (optind < argc)
		return sp_cli_usage(&sp_cli_cmd_match, "unexpected argument: %s", argv[optind]);
	if (!o->left)
		return sp_cli_usage(&sp_cli_cmd_match, "--left: the first list is required");
	return SP_EXIT_OK;
}

/* A model: shipped by id, or a file (a name ending in .json). */
static int open_model(const char *what, struct sp_fs_model *m)
{
	struct sp_err err = {0};
	size_t n = strlen(what);
	if (n < 5 || strcmp(what + n - 5, ".json") != 0) {
		if (sp_fs_model_shipped(what, m, &err))
			return sp_cli_fail(&err, "match: --model");
		return SP_EXIT_OK;
	}
	FILE *f = fopen(what, "rb");
	if (!f) {
		fprintf(stderr, "safepath: match: %s: cannot open: %s\n", what, strerror(errno));
		return SP_EXIT_FAIL;
	}
	static char text[SP_FS_MODEL_MAX_BYTES + 1];
	size_t len = fread(text, 1, sizeof text, f);
	fclose(f);
	int rc = sp_fs_model_parse(text, len, m, &err);
	if (rc) {
		fprintf(stderr, "safepath: match: %s: %s: %s\n", what,
			err.field[0] ? err.field : "(document)", err.msg);
		return SP_EXIT_FAIL;
	}
	return SP_EXIT_OK;
}

/* The column of each model field from --map ("" where none), checked against the model. */
static int parse_map(const struct sp_fs_model *m, const char *map,
		     char cols[SP_FS_FIELDS_MAX][128])
{
	for (int f = 0; f < m->n_fields; f++)
		snprintf(cols[f], sizeof cols[f], "%s", m->fields[f]);
	if (!map)
		return SP_EXIT_OK;
	char buf[4096];
	if (snprintf(buf, sizeof buf, "%s", map) >= (int)sizeof buf)
		return sp_cli_usage(&sp_cli_cmd_match, "--map: too long");
	for (char *item = buf, *next; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		char *eq = strchr(item, '=');
		if (!eq || eq == item || !eq[1] || strlen(eq + 1) >= sizeof cols[0])
			return sp_cli_usage(&sp_cli_cmd_match,
					    "--map: each item must be FIELD=COLUMN, separated by commas");
		*eq = '\0';
		int f = sp_fs_model_field(m, item);
		if (f < 0) {
			fprintf(stderr, "safepath: --map: '%s' is not a field of the model %s:", item,
				m->id);
			for (int k = 0; k < m->n_fields; k++)
				fprintf(stderr, " %s", m->fields[k]);
			fputc('\n', stderr);
			return SP_EXIT_USAGE;
		}
		snprintf(cols[f], sizeof cols[f], "%s", eq + 1);
	}
	return SP_EXIT_OK;
}

/* One list: its CSV, its cells in the model's field order (NULL where unmapped), the column
 * of its row ids, and the values of fields made of several columns joined. */
#define JOINED_MAX 4 /* columns of one field */
struct list {
	struct sp_csv csv;
	const char **cells;
	int id_col;
	char *joined;
};

/* The columns of the first alternative in spec (NAME;NAME|NAME;NAME|...) whose columns the
 * file all has: how many (at most JOINED_MAX), 0 when none. */
static int find_columns(const struct sp_csv *csv, const char *spec, int cols[JOINED_MAX])
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", spec);
	for (char *alt = buf, *next; alt; alt = next) {
		next = strchr(alt, '|');
		if (next)
			*next++ = '\0';
		int n = 0;
		bool all = true;
		for (char *name = alt, *more; name && all; name = more) {
			more = strchr(name, ';');
			if (more)
				*more++ = '\0';
			cols[n] = sp_csv_column(csv, name);
			all = cols[n] >= 0 && ++n <= JOINED_MAX - (more != NULL);
		}
		if (all)
			return n;
	}
	return 0;
}

static int find_column(const struct sp_csv *csv, const char *spec)
{
	int cols[JOINED_MAX];
	return find_columns(csv, spec, cols) == 1 ? cols[0] : -1;
}

/* Field f of every row: the column's cells, or the columns' values joined by a space (as
 * name parts are) into l->joined, the pointers set once it is complete. */
static int fill_field(struct list *l, size_t nf, size_t f, const int *cols, int ncols)
{
	size_t n = l->csv.n_rows;
	if (ncols == 1) {
		for (size_t r = 0; r < n; r++)
			l->cells[r * nf + f] = l->csv.cells[r * l->csv.n_cols + (size_t)cols[0]];
		return SP_EXIT_OK;
	}
	size_t total = 1;
	for (size_t r = 0; r < n; r++)
		for (int k = 0; k < ncols; k++)
			total += strlen(l->csv.cells[r * l->csv.n_cols + (size_t)cols[k]]) + 1;
	char *text = malloc(total);
	size_t *at = malloc((n ? n : 1) * sizeof *at);
	if (!text || !at) {
		free(text), free(at);
		fprintf(stderr, "safepath: match: out of memory\n");
		return SP_EXIT_FAIL;
	}
	size_t used = 0;
	for (size_t r = 0; r < n; r++) {
		at[r] = used;
		for (int k = 0; k < ncols; k++) {
			const char *v = l->csv.cells[r * l->csv.n_cols + (size_t)cols[k]];
			size_t len = strlen(v);
			if (!len)
				continue;
			if (used > at[r])
				text[used++] = ' ';
			memcpy(text + used, v, len);
			used += len;
		}
		text[used++] = '\0';
	}
	for (size_t r = 0; r < n; r++)
		l->cells[r * nf + f] = text + at[r];
	free(at);
	/* one field of several columns per list is kept; a second one is refused by open_list */
	l->joined = text;
	return SP_EXIT_OK;
}

static int open_list(const char *path, const struct sp_fs_model *m,
		     char cols[SP_FS_FIELDS_MAX][128], bool explicit_map, const char *id,
		     struct list *l)
{
	struct sp_err err = {0};
	if (sp_csv_read(path, &l->csv, &err))
		return sp_cli_fail(&err, "match");
	l->id_col = id ? find_column(&l->csv, id) : 0;
	if (l->id_col < 0) {
		fprintf(stderr, "safepath: match: --id: %s has no column '%s'\n", path, id);
		return SP_EXIT_FAIL;
	}
	size_t n = l->csv.n_rows, nf = (size_t)m->n_fields;
	l->cells = calloc(n * nf + 1, sizeof *l->cells);
	if (!l->cells) {
		fprintf(stderr, "safepath: match: out of memory\n");
		return SP_EXIT_FAIL;
	}
	int mapped = 0;
	for (size_t f = 0; f < nf; f++) {
		int col[JOINED_MAX], ncols = find_columns(&l->csv, cols[f], col);
		bool named = explicit_map && strcmp(cols[f], m->fields[f]) != 0;
		if (!ncols && named) {
			fprintf(stderr, "safepath: match: --map: %s has no column %s (for %s)\n",
				path, cols[f], m->fields[f]);
			return SP_EXIT_FAIL;
		}
		if (ncols > 1 && l->joined) {
			fprintf(stderr, "safepath: match: --map: only one field may join columns\n");
			return SP_EXIT_FAIL;
		}
		if (!ncols)
			continue;
		mapped++;
		int rc = fill_field(l, nf, f, col, ncols);
		if (rc)
			return rc;
	}
	if (!mapped) {
		fprintf(stderr,
			"safepath: match: --map: no column of %s is a field of the model %s\n", path,
			m->id);
		return SP_EXIT_FAIL;
	}
	return SP_EXIT_OK;
}

static void list_free(struct list *l)
{
	sp_csv_free(&l->csv);
	free(l->cells);
	free(l->joined);
}

/* A CSV value, quoted when it must be (RFC 4180). */
static void put_value(FILE *f, const char *v)
{
	size_t n = strlen(v);
	if (!strpbrk(v, ",\"\r\n") && !(n && (v[0] == ' ' || v[n - 1] == ' '))) {
		fputs(v, f);
		return;
	}
	fputc('"', f);
	for (; *v; v++) {
		if (*v == '"')
			fputc('"', f);
		fputc(*v, f);
	}
	fputc('"', f);
}

static size_t write_pairs(FILE *f, const struct sp_fs_result *r, const struct list *l,
			  const struct list *rt, double threshold, bool explain)
{
	const struct sp_fs_model *m = r->model;
	fputs("left_id,right_id,probability,weight", f);
	for (int c = 0; c < m->n_comparisons; c++)
		fprintf(f, ",%s", m->comparisons[c].id);
	fputs(explain ? ",explanation\n" : "\n", f);
	size_t written = 0;
	for (size_t i = 0; i < r->n_pairs && r->pairs[i].probability >= threshold; i++) {
		const struct sp_fs_pair *p = &r->pairs[i];
		put_value(f, l->csv.cells[p->left * l->csv.n_cols + (size_t)l->id_col]);
		fputc(',', f);
		put_value(f, rt->csv.cells[p->right * rt->csv.n_cols + (size_t)rt->id_col]);
		fprintf(f, ",%.6f,%.3f", p->probability, p->weight);
		for (int c = 0; c < m->n_comparisons; c++)
			fprintf(f, ",%.3f", sp_fs_contribution(r, i, c));
		if (explain) {
			char words[2048];
			sp_fs_explain(r, i, words, sizeof words);
			fputc(',', f);
			put_value(f, words);
		}
		fputc('\n', f);
		written++;
	}
	return written;
}

static FILE *open_out(const char *path)
{
	if (!path)
		return stdout;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, "safepath: match: --out: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	return f;
}

static int run(struct sp_cli *cli, const struct opts *o, const struct sp_fs_model *m)
{
	char cols[SP_FS_FIELDS_MAX][128];
	int rc = parse_map(m, o->map, cols);
	if (rc)
		return rc;
	struct list l = {0}, rt = {0};
	rc = open_list(o->left, m, cols, o->map != NULL, o->id, &l);
	if (!rc && o->right)
		rc = open_list(o->right, m, cols, o->map != NULL, o->id, &rt);
	struct sp_fs_result *r = NULL;
	if (!rc) {
		struct sp_fs_table tl = {.n_rows = l.csv.n_rows, .cells = l.cells},
				   tr = {.n_rows = rt.csv.n_rows, .cells = rt.cells};
		struct sp_err err = {0};
		if (sp_fs_link(m, &tl, o->right ? &tr : NULL, sp_cli_progress, cli, &r, &err))
			rc = sp_cli_fail(&err, "match");
	}
	FILE *f = rc ? NULL : open_out(o->out);
	if (!rc && !f)
		rc = SP_EXIT_FAIL;
	if (!rc) {
		double threshold = o->has_threshold ? o->threshold : m->threshold;
		size_t n = write_pairs(f, r, &l, o->right ? &rt : &l, threshold, o->explain);
		if ((f == stdout ? fflush(f) : fclose(f)) != 0 || ferror(stdout)) {
			fprintf(stderr, "safepath: match: cannot write the pairs: %s\n", strerror(errno));
			rc = SP_EXIT_FAIL;
		} else if (!cli->json) {
			fprintf(stderr,
				"match: %zu pairs at probability >= %g of %zu candidates after "
				"blocking (%llu comparisons, %llu over-frequent keys skipped)\n",
				n, threshold, r->n_pairs, (unsigned long long)r->comparisons,
				(unsigned long long)r->capped_keys);
		}
	}
	sp_fs_result_free(r);
	list_free(&l);
	list_free(&rt);
	return rc;
}

static int match_evaluate(struct sp_cli *cli, struct sp_app *app, const void *args,
			  struct sp_err *err)
{
	(void)args;
	struct sp_arena arena;
	struct sp_casework cw;
	sp_cli_casework(app, &arena, &cw);
	struct sp_match_evaluation e;
	int rc = sp_match_evaluate(&cw, &e, err);
	sp_arena_release(&arena);
	if (rc)
		return rc;
	const struct sp_fs_quality *q = &e.quality;
	const char *params = e.registry_params ? "registry" : "shipped";
	if (cli->json) {
		json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:I, s:s, s:f, s:I, s:I, s:I, s:f, s:f, "
				      "s:f}",
				      "labels", (json_int_t)e.labels, "confirmed",
				      (json_int_t)e.confirmed, "rejected", (json_int_t)e.rejected,
				      "conflicting", (json_int_t)e.conflicting, "unscored",
				      (json_int_t)e.unscored, "parameters", params, "threshold",
				      q->threshold, "true_positives", (json_int_t)q->true_pos,
				      "false_positives", (json_int_t)q->false_pos, "false_negatives",
				      (json_int_t)q->false_neg, "precision", q->precision, "recall",
				      q->recall, "f1", q->f1);
		sp_cli_print_json(j);
		json_decref(j);
		return SP_OK;
	}
	if (e.labels == 0) { /* no figure to give: say how to get some */
		printf("labelled pairs     0: no pair has been confirmed or rejected yet; decide pairs "
		       "of the review queue (safepath dedup, the Possible duplicates page) or link "
		       "registrations, then evaluate again\n");
		return SP_OK;
	}
	printf("labelled pairs     %llu (%llu confirmed, %llu rejected); left out: %llu "
	       "conflicting, %llu without cells\n"
	       "parameters         %s\n"
	       "at or above %.2f   %llu true, %llu false; %llu confirmed pairs below\n"
	       "precision          %.4f\n"
	       "recall             %.4f\n"
	       "F1                 %.4f\n",
	       (unsigned long long)e.labels, (unsigned long long)e.confirmed,
	       (unsigned long long)e.rejected, (unsigned long long)e.conflicting,
	       (unsigned long long)e.unscored,
	       e.registry_params ? "the registry's (the last deduplication's)"
				 : "the model's shipped ones (no deduplication yet)",
	       q->threshold, (unsigned long long)q->true_pos, (unsigned long long)q->false_pos,
	       (unsigned long long)q->false_neg, q->precision, q->recall, q->f1);
	return SP_OK;
}

static int cmd_match(struct sp_cli *cli, int argc, char **argv)
{
	if (sp_cli_wants_help(&sp_cli_cmd_match, argc, argv))
		return SP_EXIT_OK;
	if (argc > 1 && strcmp(argv[1], "evaluate") == 0) {
		static const struct sp_cli_sub evaluate = {"evaluate", match_evaluate, 0};
		if (argc != 2)
			return sp_cli_usage(&sp_cli_cmd_match, "match evaluate takes no option "
							       "but --as (and --json)");
		return sp_cli_sub_run(cli, &sp_cli_cmd_match, &evaluate, NULL);
	}
	struct opts o;
	int rc = parse_opts(argc, argv, &o);
	if (rc)
		return rc;
	struct sp_fs_model *m = malloc(sizeof *m);
	if (!m) {
		fprintf(stderr, "safepath: match: out of memory\n");
		return SP_EXIT_FAIL;
	}
	rc = open_model(o.model, m);
	if (!rc)
		rc = run(cli, &o, m);
	free(m);
	return rc;
}
