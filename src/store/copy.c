/* Copies generic over the schema: the tables as the database itself lists them (through the
 * driver's list_tables), ordered for their foreign keys; row counts; the "empty store" check;
 * and sp_store_copy, which `store copy`, `restore` and the backup of a store without an
 * online-backup method share. Tables added by later migrations are included by themselves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/buf.h"
#include "safepath/store.h"

static const char migrations_table[] = "schema_migrations";

/* Names come from the database and go into SQL text: plain lower-case identifiers only. */
static int ident_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static void strings_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void table_free(struct sp_store_table *t)
{
	free(t->name);
	strings_free(t->columns, t->ncolumns);
	strings_free(t->refs, t->nrefs);
	free(t->kinds);
	memset(t, 0, sizeof *t);
}

void sp_store_schema_free(struct sp_store_schema *sc)
{
	for (size_t i = 0; sc->tables && i < sc->n; i++)
		table_free(&sc->tables[i]);
	free(sc->tables);
	memset(sc, 0, sizeof *sc);
}

static char **strings_dup(const char *const *v, size_t n)
{
	char **out = calloc(n ? n : 1, sizeof *out);
	for (size_t i = 0; out && i < n; i++) {
		if (!(out[i] = strdup(v[i]))) {
			strings_free(out, i);
			return NULL;
		}
	}
	return out;
}

struct collect {
	struct sp_store_schema *sc;
	size_t cap;
	struct sp_err *err;
};

static int collect_table(void *ctx, const char *table, const char *const *columns,
			 const enum sp_store_col_kind *kinds, size_t ncolumns,
			 const char *const *refs, size_t nrefs)
{
	struct collect *c = ctx;
	if (!ident_ok(table))
		return sp_err_set(c->err, SP_EINVAL, "db", "a table name is not a plain identifier");
	for (size_t i = 0; i < ncolumns; i++)
		if (!ident_ok(columns[i]))
			return sp_err_set(c->err, SP_EINVAL, "db",
					  "table %s: a column name is not a plain identifier", table);
	if (ncolumns == 0)
		return sp_err_set(c->err, SP_EINVAL, "db", "table %s has no columns", table);
	if (c->sc->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 32;
		struct sp_store_table *t = realloc(c->sc->tables, cap * sizeof *t);
		if (!t)
			return sp_err_set(c->err, SP_ENOMEM, "", "out of memory");
		c->sc->tables = t;
		c->cap = cap;
	}
	struct sp_store_table *t = &c->sc->tables[c->sc->n];
	memset(t, 0, sizeof *t);
	t->name = strdup(table);
	t->columns = strings_dup(columns, ncolumns);
	t->ncolumns = t->columns ? ncolumns : 0;
	t->refs = strings_dup(refs, nrefs);
	t->nrefs = t->refs ? nrefs : 0;
	t->kinds = calloc(ncolumns, sizeof *t->kinds);
	if (!t->name || !t->columns || !t->refs || !t->kinds) {
		table_free(t);
		return sp_err_set(c->err, SP_ENOMEM, "", "out of memory");
	}
	memcpy(t->kinds, kinds, ncolumns * sizeof *kinds);
	c->sc->n++;
	return SP_OK;
}

static long find_table(const struct sp_store_schema *sc, const char *name)
{
	for (size_t i = 0; i < sc->n; i++)
		if (strcmp(sc->tables[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* Order the tables so each follows those it references (a reference to itself is left to
 * the rows' own order); a cycle or a reference to a missing table is refused. */
static int order_tables(struct sp_store_schema *sc, struct sp_err *err)
{
	struct sp_store_table *sorted = calloc(sc->n ? sc->n : 1, sizeof *sorted);
	char *placed = calloc(sc->n ? sc->n : 1, 1);
	int rc = SP_OK;
	if (!sorted || !placed) {
		sp_err_set(err, SP_ENOMEM, "", "out of memory");
		rc = SP_ENOMEM;
	}
	size_t done = 0;
	while (!rc && done < sc->n) {
		size_t before = done;
		for (size_t i = 0; i < sc->n; i++) {
			const struct sp_store_table *t = &sc->tables[i];
			int ready = !placed[i];
			for (size_t r = 0; ready && r < t->nrefs; r++) {
				long j = find_table(sc, t->refs[r]);
				if (j < 0) {
					rc = sp_err_set(err, SP_EINVAL, "db",
							"table %s references a missing table", t->name);
					break;
				}
				ready = (size_t)j == i || placed[j];
			}
			if (rc)
				break;
			if (ready) {
				placed[i] = 1;
				sorted[done++] = *t;
			}
		}
		if (!rc && done == before)
			rc = sp_err_set(err, SP_EINVAL, "db",
					"the tables' foreign keys form a cycle: no order to copy them in");
	}
	if (!rc) {
		free(sc->tables);
		sc->tables = sorted;
		sorted = NULL;
	}
	free(sorted);
	free(placed);
	return rc;
}

int sp_store_schema_load(struct sp_store *s, struct sp_store_schema *out, struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	struct collect c = {.sc = out, .err = err};
	int rc = sp_store_list_tables(s, collect_table, &c, err);
	if (!rc)
		rc = order_tables(out, err);
	if (rc)
		sp_store_schema_free(out);
	return rc;
}

/* "VERB table" statements: one integer from a one-row query, or a statement run to its end. */
static int run_on_table(struct sp_store *s, const char *verb, const char *table, int64_t *out,
			struct sp_err *err)
{
	if (!ident_ok(table))
		return sp_err_set(err, SP_EINVAL, "db", "a table name is not a plain identifier");
	char sql[160];
	snprintf(sql, sizeof sql, "%s %s", verb, table);
	struct sp_stmt *st;
	int rc = sp_store_prepare(s, sql, &st, err);
	if (rc)
		return rc;
	rc = sp_stmt_step(st, err);
	if (rc == 1 && out)
		*out = sp_stmt_int64(st, 0);
	sp_stmt_done(st);
	if (rc == 0 && out)
		rc = sp_err_set(err, SP_EINTERNAL, "", "COUNT returned no row");
	return rc < 0 ? rc : SP_OK;
}

int sp_store_count_rows(struct sp_store *s, const char *table, int64_t *out, struct sp_err *err)
{
	return run_on_table(s, "SELECT COUNT(*) FROM", table, out, err);
}

/* The rows a freshly migrated store holds per table (what migrations seed), from a private
 * in-memory SQLite store: the same migration files serve every driver. */
static int seeded_rows(const char *table, const struct sp_store_schema *fresh_sc,
		       struct sp_store *fresh, int64_t *out, struct sp_err *err)
{
	*out = 0;
	return find_table(fresh_sc, table) < 0 ? SP_OK : sp_store_count_rows(fresh, table, out, err);
}

int sp_store_check_empty(struct sp_store *s, struct sp_err *err)
{
	struct sp_store_schema sc = {0}, fresh_sc = {0};
	struct sp_store *fresh = NULL;
	const struct sp_store_options opt = {.create = 1};
	int rc = sp_store_open("sqlite::memory:", &opt, &fresh, err);
	if (!rc)
		rc = sp_store_migrate(fresh, err);
	if (!rc)
		rc = sp_store_schema_load(fresh, &fresh_sc, err);
	if (!rc)
		rc = sp_store_schema_load(s, &sc, err);
	for (size_t i = 0; !rc && i < sc.n; i++) {
		const char *name = sc.tables[i].name;
		int64_t have = 0, seeded = 0;
		if (strcmp(name, migrations_table) == 0)
			continue;
		rc = sp_store_count_rows(s, name, &have, err);
		if (!rc)
			rc = seeded_rows(name, &fresh_sc, fresh, &seeded, err);
		if (!rc && have > seeded)
			rc = sp_err_set(err, SP_ECONFLICT, "db",
					"the store is not empty: table %s holds %lld rows; restore and "
					"copy only fill an empty store",
					name, (long long)have);
	}
	sp_store_schema_free(&sc);
	sp_store_schema_free(&fresh_sc);
	sp_store_close(fresh);
	return rc;
}

/* Both stores must hold the same tables with the same columns in the same order. */
static int same_tables(const struct sp_store_schema *a, const struct sp_store_schema *b,
		       struct sp_err *err)
{
	if (a->n != b->n)
		return sp_err_set(err, SP_ECONFLICT, "to",
				  "the target has %zu tables, the source %zu", b->n, a->n);
	for (size_t i = 0; i < a->n; i++) {
		const struct sp_store_table *x = &a->tables[i];
		long j = find_table(b, x->name);
		const struct sp_store_table *y = j >= 0 ? &b->tables[j] : NULL;
		int same = y && y->ncolumns == x->ncolumns;
		for (size_t c = 0; same && c < x->ncolumns; c++)
			same = strcmp(x->columns[c], y->columns[c]) == 0;
		if (!same)
			return sp_err_set(err, SP_ECONFLICT, "to",
					  "table %s differs between the source and the target",
					  x->name);
	}
	return SP_OK;
}

static int column_list(struct sp_buf *b, const struct sp_store_table *t, const char *each)
{
	int rc = SP_OK;
	for (size_t c = 0; !rc && c < t->ncolumns; c++)
		rc = sp_buf_addf(b, "%s%s", c ? ", " : "", each ? each : t->columns[c]);
	return rc;
}

static int bind_value(struct sp_stmt *from, struct sp_stmt *to, int col,
		      enum sp_store_col_kind kind)
{
	size_t n = 0;
	const void *p;
	if (sp_stmt_is_null(from, col))
		return sp_stmt_bind_null(to, col + 1);
	switch (kind) {
	case SP_COL_INT:
		return sp_stmt_bind_int64(to, col + 1, sp_stmt_int64(from, col));
	case SP_COL_TEXT:
		return sp_stmt_bind_text(to, col + 1, sp_stmt_text(from, col));
	default:
		p = sp_stmt_blob(from, col, &n);
		return sp_stmt_bind_blob(to, col + 1, p, n);
	}
}

struct copy {
	struct sp_store *from, *to;
	sp_store_progress_fn progress;
	void *ctx;
	struct sp_err *err;
	int64_t *counts;  /* the source's rows per table, in its snapshot */
	int64_t copied;   /* rows copied so far, all tables */
	int64_t total;    /* rows to copy, all tables */
};

static int copy_table(struct copy *c, const struct sp_store_table *t)
{
	struct sp_buf sel, ins;
	struct sp_stmt *st = NULL, *in = NULL;
	int64_t done = 0;
	int rc = SP_OK;
	sp_buf_init(&sel, 1 << 16);
	sp_buf_init(&ins, 1 << 16);
	if ((sp_buf_adds(&sel, "SELECT ") || column_list(&sel, t, NULL) ||
		    sp_buf_addf(&sel, " FROM %s", t->name) ||
		    sp_buf_addf(&ins, "INSERT INTO %s (", t->name) || column_list(&ins, t, NULL) ||
		    sp_buf_adds(&ins, ") VALUES (") || column_list(&ins, t, "?") ||
		    sp_buf_adds(&ins, ")")))
		rc = sp_err_set(c->err, SP_ETOOBIG, "db", "table %s: too many columns", t->name);
	if (!rc)
		rc = sp_store_prepare(c->from, sel.data, &st, c->err);
	if (!rc)
		sp_stmt_stream(st); /* a table of any size: its rows as they come */
	while (!rc && (rc = sp_stmt_step(st, c->err)) == 1) {
		rc = sp_store_prepare(c->to, ins.data, &in, c->err);
		for (size_t col = 0; !rc && col < t->ncolumns; col++)
			if (bind_value(st, in, (int)col, t->kinds[col]))
				rc = sp_err_set(c->err, SP_EINTERNAL, "", "table %s: cannot bind a value",
						t->name);
		if (!rc)
			rc = sp_stmt_step(in, c->err);
		sp_stmt_done(in);
		in = NULL;
		if (rc >= 0) {
			rc = SP_OK;
			if (++done % SP_STORE_PROGRESS_ROWS == 0 && c->progress)
				c->progress(c->ctx, t->name, c->copied + done, c->total);
		}
	}
	sp_stmt_done(st);
	c->copied += done;
	if (rc == 0 && c->progress)
		c->progress(c->ctx, t->name, c->copied, c->total);
	sp_buf_free(&sel);
	sp_buf_free(&ins);
	return rc;
}

/* The source's rows per table, in its snapshot, and their sum. */
static int count_source(struct copy *c, const struct sp_store_schema *sc)
{
	if (!(c->counts = calloc(sc->n ? sc->n : 1, sizeof *c->counts))) {
		sp_err_set(c->err, SP_ENOMEM, "", "out of memory");
		return SP_ENOMEM;
	}
	for (size_t i = 0; i < sc->n; i++) {
		if (strcmp(sc->tables[i].name, migrations_table) == 0)
			continue;
		int rc = sp_store_count_rows(c->from, sc->tables[i].name, &c->counts[i], c->err);
		if (rc)
			return rc;
		c->total += c->counts[i];
	}
	return SP_OK;
}

/* Every table's rows in the target, inside its transaction, against the source's. */
static int compare_counts(struct copy *c, const struct sp_store_schema *sc)
{
	for (size_t i = 0; i < sc->n; i++) {
		const char *name = sc->tables[i].name;
		int64_t a = c->counts[i], b = 0;
		if (strcmp(name, migrations_table) == 0)
			continue;
		int rc = sp_store_count_rows(c->to, name, &b, c->err);
		if (!rc && a != b)
			rc = sp_err_set(c->err, SP_EINTERNAL, "to",
					"table %s: %lld rows in the source, %lld in the target", name,
					(long long)a, (long long)b);
		if (rc)
			return rc;
	}
	return SP_OK;
}

/* The copy proper, once both ends are known to hold the same tables: from read in one read
 * transaction (one snapshot, however long the copy takes, while writers go on), to written in
 * one write transaction, counts compared before the commit. */
static int copy_tables(struct copy *c, const struct sp_store_schema *sf,
		       struct sp_store_copy_report *out)
{
	int rc = sp_store_begin_read(c->from, c->err);
	if (!rc)
		rc = count_source(c, sf);
	if (!rc)
		rc = sp_store_begin_write(c->to, c->err);
	/* What the migrations seeded gives way to the source's rows: children first. */
	for (size_t i = sf->n; !rc && i-- > 0;)
		if (strcmp(sf->tables[i].name, migrations_table) != 0)
			rc = run_on_table(c->to, "DELETE FROM", sf->tables[i].name, NULL, c->err);
	for (size_t i = 0; !rc && i < sf->n; i++) {
		if (strcmp(sf->tables[i].name, migrations_table) == 0)
			continue;
		rc = copy_table(c, &sf->tables[i]);
		out->tables++;
	}
	if (!rc)
		rc = compare_counts(c, sf);
	if (!rc)
		rc = sp_store_commit(c->to, c->err);
	sp_store_rollback(c->to); /* nothing when committed */
	sp_store_rollback(c->from);
	out->rows = c->copied;
	free(c->counts);
	c->counts = NULL;
	return rc;
}

/* Both schemas, compared; then the copy. */
static int load_and_copy(struct copy *c, struct sp_store_copy_report *out)
{
	struct sp_store_schema sf = {0}, stt = {0};
	int rc = sp_store_schema_load(c->from, &sf, c->err);
	if (!rc)
		rc = sp_store_schema_load(c->to, &stt, c->err);
	if (!rc)
		rc = same_tables(&sf, &stt, c->err);
	if (!rc)
		rc = copy_tables(c, &sf, out);
	sp_store_schema_free(&sf);
	sp_store_schema_free(&stt);
	return rc;
}

int sp_store_copy(struct sp_store *from, struct sp_store *to, sp_store_progress_fn progress,
		  void *ctx, struct sp_store_copy_report *out, struct sp_err *err)
{
	struct copy c = {.from = from, .to = to, .progress = progress, .ctx = ctx, .err = err};
	int vf = 0, vt = 0;
	memset(out, 0, sizeof *out);
	int rc = sp_store_migrate(to, err);
	if (!rc)
		rc = sp_store_schema_version(from, &vf, err);
	if (!rc)
		rc = sp_store_schema_version(to, &vt, err);
	if (!rc && vf != vt)
		rc = sp_err_set(err, SP_ECONFLICT, "from",
				"the source is at schema version %d, this program at %d: migrate the "
				"source first (any safepath command run on it does)",
				vf, vt);
	if (!rc)
		rc = sp_store_check_empty(to, err);
	if (!rc)
		rc = load_and_copy(&c, out);
	out->schema_version = vf;
	return rc;
}

/* Every table of s holds no row. */
static int no_rows(struct sp_store *s, struct sp_err *err)
{
	struct sp_store_schema sc = {0};
	int rc = sp_store_schema_load(s, &sc, err);
	for (size_t i = 0; !rc && i < sc.n; i++) {
		int64_t n = 0;
		rc = sp_store_count_rows(s, sc.tables[i].name, &n, err);
		if (!rc && n > 0)
			rc = sp_err_set(err, SP_ECONFLICT, "db",
					"the store is not empty: table %s holds %lld rows; a copy only "
					"fills an empty store",
					sc.tables[i].name, (long long)n);
	}
	sp_store_schema_free(&sc);
	return rc;
}

int sp_store_copy_plain(struct sp_store *from, struct sp_store *to,
			sp_store_progress_fn progress, void *ctx, struct sp_store_copy_report *out,
			struct sp_err *err)
{
	struct copy c = {.from = from, .to = to, .progress = progress, .ctx = ctx, .err = err};
	memset(out, 0, sizeof *out);
	int rc = no_rows(to, err);
	return rc ? rc : load_and_copy(&c, out);
}

int sp_store_copy_to_file(struct sp_store *s, const char *path, sp_store_make_fn make,
			  void *mctx, sp_store_progress_fn progress, void *ctx, struct sp_err *err)
{
	const struct sp_store_driver *d = sp_store_driver_of(s);
	if ((d->caps & SP_STORE_CAP_BACKUP) && d->backup_to)
		return sp_store_backup_to(s, path, err);
	char url[4300];
	int n = snprintf(url, sizeof url, "sqlite:%s", path);
	if (n < 0 || (size_t)n >= sizeof url)
		return sp_err_set(err, SP_EINVAL, "to", "path too long");
	const struct sp_store_options opt = {.busy_timeout_ms = 5000, .create = 1};
	struct sp_store *c = NULL;
	struct sp_store_copy_report rep;
	int rc = sp_store_open(url, &opt, &c, err);
	if (!rc && make)
		rc = make(c, mctx, err);
	if (!rc)
		rc = make ? sp_store_copy_plain(s, c, progress, ctx, &rep, err)
			  : sp_store_copy(s, c, progress, ctx, &rep, err);
	sp_store_close(c);
	if (rc)
		sp_store_sqlite_remove(path);
	return rc;
}
