/* Up-only schema migrations: the embedded src/store/migrations/NNNN_name.sql files, each
 * applied once, in number order, in its own write transaction, and recorded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/buf.h"
#include "safepath/embedded.h"
#include "safepath/store.h"

static const char migrations_dir[] = "src/store/migrations/";

/* Replace {token} with the driver's type; an unknown token is an error. */
static int expand(const struct sp_store_driver *drv, const char *sql, struct sp_buf *out,
		  struct sp_err *err)
{
	for (const char *p = sql; *p;) {
		const char *open = strchr(p, '{');
		if (!open)
			return sp_buf_adds(out, p) ? sp_err_set(err, SP_ENOMEM, "", "out of memory") : 0;
		const char *close = strchr(open, '}');
		if (!close || close - open > 16)
			return sp_err_set(err, SP_EINTERNAL, "", "migration: unterminated type token");
		char tok[17];
		memcpy(tok, open + 1, (size_t)(close - open - 1));
		tok[close - open - 1] = '\0';
		const char *type = drv->type_token(tok);
		if (!type)
			return sp_err_set(err, SP_EINTERNAL, "", "migration: unknown type token {%s}",
					  tok);
		if (sp_buf_add(out, p, (size_t)(open - p)) || sp_buf_adds(out, type))
			return sp_err_set(err, SP_ENOMEM, "", "out of memory");
		p = close + 1;
	}
	return SP_OK;
}

static int applied(struct sp_store *s, int number, int *yes, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(s, "SELECT 1 FROM schema_migrations WHERE number = ?", &st, err);
	if (rc)
		return rc;
	rc = sp_stmt_bind_int64(st, 1, number);
	if (!rc)
		rc = sp_stmt_step(st, err);
	if (rc >= 0) {
		*yes = rc == 1;
		rc = SP_OK;
	}
	sp_stmt_done(st);
	return rc;
}

static int apply(struct sp_store *s, const struct sp_embedded *m, int number, struct sp_err *err)
{
	const char *name = m->path + sizeof migrations_dir - 1;
	struct sp_buf sql;
	sp_buf_init(&sql, 1 << 20);
	/* Processes starting at once on a database this migration has not reached: the second
	 * waits here (SQLite: at BEGIN IMMEDIATE), then finds it recorded. */
	int rc = sp_store_begin_write(s, err);
	if (!rc)
		rc = sp_store_lock_schema(s, err);
	if (rc)
		goto out;
	int done = 0;
	rc = applied(s, number, &done, err);
	if (rc || done)
		goto out; /* another process got there first */
	rc = expand(sp_store_driver_of(s), m->data, &sql, err);
	if (!rc)
		rc = sp_store_exec(s, sql.data ? sql.data : "", err);
	if (rc) {
		char msg[sizeof err->msg];
		snprintf(msg, sizeof msg, "migration %.60s: %.150s", name, err->msg);
		memcpy(err->msg, msg, sizeof msg);
		goto out;
	}
	struct sp_stmt *st;
	rc = sp_store_prepare(s, "INSERT INTO schema_migrations (number, name, applied_us) "
				 "VALUES (?, ?, ?)", &st, err);
	if (rc)
		goto out;
	if (sp_stmt_bind_int64(st, 1, number) || sp_stmt_bind_text(st, 2, name) ||
	    sp_stmt_bind_int64(st, 3, sp_now_us()))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
out:
	if (rc == SP_OK && sp_store_in_transaction(s))
		rc = sp_store_commit(s, err);
	if (rc)
		sp_store_rollback(s);
	sp_buf_free(&sql);
	return rc < 0 ? rc : SP_OK;
}

static int number_of(const struct sp_embedded *m)
{
	const char *name = m->path + sizeof migrations_dir - 1;
	int n = 0, digits = 0;
	for (; name[digits] >= '0' && name[digits] <= '9' && digits < 4; digits++)
		n = n * 10 + (name[digits] - '0');
	return digits == 4 && name[4] == '_' ? n : -1;
}

int sp_store_migrate(struct sp_store *s, struct sp_err *err)
{
	struct sp_buf ddl;
	sp_buf_init(&ddl, 4096);
	int rc = expand(sp_store_driver_of(s),
			"CREATE TABLE IF NOT EXISTS schema_migrations (number {int} PRIMARY KEY, "
			"name {text} NOT NULL, applied_us {int64} NOT NULL)",
			&ddl, err);
	if (!rc)
		rc = sp_store_begin_write(s, err);
	if (!rc && !(rc = sp_store_lock_schema(s, err)) && !(rc = sp_store_exec(s, ddl.data, err)))
		rc = sp_store_commit(s, err);
	if (rc)
		sp_store_rollback(s);
	sp_buf_free(&ddl);
	int last = 0;
	for (const struct sp_embedded *m = sp_embedded_files; !rc && m->path; m++) {
		if (strncmp(m->path, migrations_dir, sizeof migrations_dir - 1) != 0)
			continue;
		int n = number_of(m);
		if (n <= last)
			return sp_err_set(err, SP_EINTERNAL, "", "migration file name %s out of order",
					  m->path);
		last = n;
		rc = apply(s, m, n, err);
	}
	return rc;
}

int sp_store_schema_version(struct sp_store *s, int *out, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(s, "SELECT COALESCE(MAX(number), 0) FROM schema_migrations", &st,
				  err);
	if (rc)
		return rc;
	rc = sp_stmt_step(st, err);
	if (rc == 1) {
		*out = (int)sp_stmt_int64(st, 0);
		rc = SP_OK;
	}
	sp_stmt_done(st);
	return rc;
}
