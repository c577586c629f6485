/* safepath dedup: deduplicate the registry (safepath/dedup.h; docs/cli/dedup.md) — the pairs
 * of persons already registered that are likely one person, kept for review and written to a
 * file, encrypted unless a clear format is asked for; and opening such a file. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "safepath/buf.h"
#include "safepath/dedup.h"
#include "safepath/json.h"

static int cmd_dedup(struct sp_cli *cli, int argc, char **argv);

const struct sp_cli_cmd sp_cli_cmd_dedup = {
	"dedup",
	"find the persons of the registry likely registered twice, for review",
	"dedup --out FILE [--format sealed|csv|json] [--threshold P] --as USER\n"
	"       safepath dedup --open FILE --out CLEAR-FILE --as USER\n"
	"Blocks on the stored blinded keys, opens only the candidates' matching cells, estimates\n"
	"the model's parameters on them (kept for the registration check) and keeps the pairs\n"
	"at or above --threshold (default: the model's) in the review queue, a rejected pair\n"
	"never again. The pairs whose two persons USER may read go to FILE, by descending\n"
	"probability: encrypted under this installation's keys (sealed, the default; `--open`\n"
	"decrypts one into a new CLEAR-FILE), or in clear with --format csv or json (created\n"
	"0600). The others are only counted, and their agencies' focal points told. A\n"
	"supervisor's work; audited (one record: the counts)",
	cmd_dedup,
};

enum format { FORMAT_SEALED, FORMAT_CSV, FORMAT_JSON };

struct dedup_opts {
	const char *out, *open;
	enum format format;
	double threshold; /* < 0: the model's */
};

/* The pairs the run hands over, as the file will hold them. */
struct collect {
	enum format format;
	struct sp_buf out;
	size_t n;
	int failed;
};

static int csv_pair(struct collect *c, const struct sp_match_pair *p)
{
	int rc = SP_OK;
	if (c->n == 0) {
		rc = sp_buf_adds(&c->out, "pair_id,case_a,case_b,probability,weight");
		for (size_t i = 0; !rc && i < p->n_fields; i++)
			rc = sp_buf_addf(&c->out, ",%s", p->fields[i].comparison);
		if (!rc)
			rc = sp_buf_adds(&c->out, "\n");
	}
	char id[SP_ID_STRLEN + 1];
	sp_id_format(&p->id, id);
	if (!rc)
		rc = sp_buf_addf(&c->out, "%s,%s,%s,%.6f,%.3f", id, p->number_a, p->number_b,
				 p->probability, p->weight);
	for (size_t i = 0; !rc && i < p->n_fields; i++)
		rc = sp_buf_addf(&c->out, ",%.3f", p->fields[i].contribution);
	return rc ? rc : sp_buf_adds(&c->out, "\n");
}

static int json_pair(struct collect *c, const struct sp_match_pair *p)
{
	json_t *j = sp_match_pair_encode(p);
	char *text = j ? sp_json_dump(j) : NULL;
	json_decref(j);
	int rc = text ? sp_buf_addf(&c->out, "%s%s", c->n ? ",\n" : "[", text) : SP_ENOMEM;
	sp_json_free(text);
	return rc;
}

static int collect_pair(void *ctx, const struct sp_match_pair *p, struct sp_err *err)
{
	struct collect *c = ctx;
	int rc = c->format == FORMAT_CSV ? csv_pair(c, p) : json_pair(c, p);
	if (rc)
		return sp_err_set(err, SP_ENOMEM, "--out", "the pairs do not fit in memory");
	c->n++;
	return SP_OK;
}

/* The pairs in clear into path (0600). */
static int write_clear(const char *path, const struct sp_buf *b, struct sp_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return sp_err_set(err, SP_EIO, "--out", "cannot create the file: %s", strerror(errno));
	size_t done = 0;
	while (done < b->len) {
		ssize_t w = write(fd, b->data + done, b->len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			close(fd);
			return sp_err_set(err, SP_EIO, "--out", "cannot write the file");
		}
		done += (size_t)w;
	}
	return close(fd) ? sp_err_set(err, SP_EIO, "--out", "cannot write the file") : SP_OK;
}

static void print_report(const struct sp_cli *cli, const struct sp_dedup_report *r,
			 const struct dedup_opts *o)
{
	double cps = r->compare_seconds > 0 ? (double)r->comparisons / r->compare_seconds : 0;
	if (cli->json) {
		json_t *j = json_pack(
			"{s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:I, s:I, s:I, s:I, s:b, s:f, s:f, s:f, s:s, s:s}",
			"persons", (json_int_t)r->persons, "keys", (json_int_t)r->keys, "capped_keys",
			(json_int_t)r->capped_keys, "candidates", (json_int_t)r->candidates, "pairs",
			(json_int_t)r->pairs, "comparisons", (json_int_t)r->comparisons,
			"comparisons_per_second", cps, "above_threshold", (json_int_t)r->above,
			"proposed", (json_int_t)r->proposed, "decided", (json_int_t)r->decided,
			"hidden", (json_int_t)r->hidden, "agencies_told", (json_int_t)r->agencies_told,
			"parameters_kept", r->parameters_kept,
			"threshold", r->threshold, "seconds", r->seconds, "compare_seconds",
			r->compare_seconds, "file",
			o->out, "format",
			o->format == FORMAT_SEALED ? "sealed" : o->format == FORMAT_CSV ? "csv" : "json");
		sp_cli_print_json(j);
		json_decref(j);
		return;
	}
	printf("persons            %llu\n"
	       "blocking keys      %llu shared, %llu capped (held by too many persons)\n"
	       "candidates         %llu persons, %llu pairs after blocking\n"
	       "comparisons        %llu (%.0f a second)\n"
	       "at or above %.2f   %llu pairs: %llu proposed, %llu decided before\n"
	       "not yours to see   %llu pairs (their agencies' focal points and supervisors told: %llu)\n"
	       "parameters         %s\n"
	       "time               %.1f s\n"
	       "written to %s (%s)\n",
	       (unsigned long long)r->persons, (unsigned long long)r->keys,
	       (unsigned long long)r->capped_keys, (unsigned long long)r->candidates,
	       (unsigned long long)r->pairs, (unsigned long long)r->comparisons, cps, r->threshold, (unsigned long long)r->above,
	       (unsigned long long)r->proposed, (unsigned long long)r->decided,
	       (unsigned long long)r->hidden, (unsigned long long)r->agencies_told,
	       r->parameters_kept ? "estimated on the candidates, kept for the registration check"
				  : "estimated on too few pairs (under 1000): not kept",
	       r->seconds,
	       o->out,
	       o->format == FORMAT_SEALED ? "encrypted; open it with safepath dedup --open"
					  : "in clear: keep it safe, delete it after use");
}

static int dedup_run(struct sp_cli *cli, struct sp_app *app, const void *args, struct sp_err *err)
{
	const struct dedup_opts *o = args;
	struct sp_arena arena;
	struct sp_casework cw;
	sp_cli_casework(app, &arena, &cw);
	struct collect c = {.format = o->format == FORMAT_CSV ? FORMAT_CSV : FORMAT_JSON};
	sp_buf_init(&c.out, (size_t)1 << 34); /* far beyond any registry's pairs */
	struct sp_dedup_report r;
	int rc = sp_dedup_run(&cw, o->threshold, sp_cli_progress, cli, collect_pair, &c, &r, err);
	if (!rc && c.format == FORMAT_JSON)
		rc = sp_buf_adds(&c.out, c.n ? "]\n" : "[]\n") ? sp_err_set(err, SP_ENOMEM, "", "out of memory")
							       : SP_OK;
	if (!rc)
		rc = o->format == FORMAT_SEALED ? sp_dedup_seal(app->keys, c.out.data, c.out.len, o->out, err)
						: write_clear(o->out, &c.out, err);
	if (!rc)
		print_report(cli, &r, o);
	sp_buf_free(&c.out); /* wipes */
	sp_arena_release(&arena);
	return rc;
}

static int dedup_open(struct sp_cli *cli, struct sp_app *app, const void *args, struct sp_err *err)
{
	const struct dedup_opts *o = args;
	int rc = sp_dedup_open(app->keys, o->open, o->out, err);
	if (!rc && !cli->json)
		printf("%s decrypted into %s: handle it as personal data, delete it after use\n",
		       o->open, o->out);
	return rc;
}

static const struct sp_cli_sub run_sub = {"run", dedup_run, 0};
static const struct sp_cli_sub open_sub = {"--open", dedup_open, 0};

static int cmd_dedup(struct sp_cli *cli, int argc, char **argv)
{
	const struct sp_cli_cmd *cmd = &sp_cli_cmd_dedup;
	if (sp_cli_wants_help(cmd, argc, argv))
		return SP_EXIT_OK;
	static const struct option longs[] = {
		{"out", required_argument, NULL, 'o'},	     {"open", required_argument, NULL, 'O'},
		{"format", required_argument, NULL, 'f'},    {"threshold", required_argument, NULL, 't'},
		{NULL, 0, NULL, 0},
	};
	struct dedup_opts o = {.threshold = -1};
	bool has_run_option = false;
	optind = 1;
	opterr = 0;
	int ch;
	while ((ch = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		char *end;
		switch (ch) {
		case 'o': o.out = optarg; break;
		case 'O': o.open = optarg; break;
		case 'f':
			has_run_option = true;
			if (strcmp(optarg, "sealed") == 0)
				o.format = FORMAT_SEALED;
			else if (strcmp(optarg, "csv") == 0)
				o.format = FORMAT_CSV;
			else if (strcmp(optarg, "json") == 0)
				o.format = FORMAT_JSON;
			else
				return sp_cli_usage(cmd, "--format: sealed, csv or json");
			break;
		case 't':
			has_run_option = true;
			o.threshold = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(o.threshold >= 0 && o.threshold <= 1))
				return sp_cli_usage(cmd, "--threshold: a probability from 0 to 1");
			break;
		default:
			return sp_cli_usage(cmd, "unknown option or missing value: %s", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return sp_cli_usage(cmd, "dedup takes options only");
	if (!o.out)
		return sp_cli_usage(cmd, "dedup needs --out FILE");
	if (o.open && has_run_option)
		return sp_cli_usage(cmd, "--open takes only --out CLEAR-FILE");
	return sp_cli_sub_run(cli, cmd, o.open ? &open_sub : &run_sub, &o);
}
