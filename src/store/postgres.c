/* The PostgreSQL driver (libpq): `?` rewritten to $n, statements prepared once per connection
 * and SQL text, blobs and integers sent in binary, results read in binary, SQLSTATEs mapped
 * onto the store's error classes, and a broken connection re-established at the next begin.
 *
 * Isolation: writes run in READ COMMITTED with explicit row locks. Every write path that reads
 * a shared row and then changes it takes the row's lock first: the audit head is read with
 * SELECT ... FOR UPDATE (SP_STORE_CAP_ROW_LOCKS), case numbers are bumped with UPDATE before
 * they are read, and the failed-login counters are one INSERT ... ON CONFLICT DO UPDATE. Under
 * REPEATABLE READ or SERIALIZABLE every concurrent append to the audit chain (each request's
 * write) would fail with a serialization error and be redone; with the locks writers queue on
 * the head row instead, and what fails is a deadlock (40P01) or a lock wait past the busy
 * timeout (55P03), both SP_EBUSY for the callers' retry paths, like serialization failures
 * (40001). Read transactions are REPEATABLE READ: one snapshot, as SQLite's reads see. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "safepath/store.h"
#include "store/driver.h"
#include "store/pg.h"

/* Type OIDs (catalog/pg_type.h is a server header). */
enum {
	OID_BOOL = 16, OID_BYTEA = 17, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23,
	OID_TEXT = 25, OID_OID = 26, OID_FLOAT8 = 701, OID_NUMERIC = 1700,
};

struct sp_db {
	PGconn *c;
	unsigned gen;    /* bumped at each reconnect: prepared statements are per connection */
	unsigned names;  /* statement names handed out on this connection */
	int in_tx;
};

struct sp_dstmt {
	struct sp_db *db;
	char *sql;       /* rewritten to $n */
	int n;           /* parameters */
	char name[16];
	unsigned gen;    /* db->gen when prepared; 0: not prepared */
	Oid *types;      /* declared at prepare; 0 lets the server infer (a NULL bound first) */
	Oid *bound;      /* this execution's; 0 for NULL */
	char **vals;
	int *lens;
	int *fmts;
	PGresult *res;
	int row, rows;
	int stream;      /* this execution's rows one at a time (single-row mode); 2: all read */
	int streaming;   /* sent, and rows or its end still to be read from the connection */
	int64_t changes;
	char num[24]; /* a number column read as text */
};

static void quiet(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res; /* "relation already exists, skipping" and the like are not for stderr */
}

/* busy (retry), conflict (constraint), unavailable (connection), unknown, internal. */
static int classify(const char *state, PGconn *c)
{
	/* no SQLSTATE: libpq's own error, which is the connection's (a server that went away
	 * can leave libpq a failed result before it marks the connection bad) */
	if (!state)
		return SP_EUNAVAIL;
	if (strlen(state) != 5)
		return PQstatus(c) == CONNECTION_OK ? SP_EINTERNAL : SP_EUNAVAIL;
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") ||
	    !strcmp(state, "57014"))
		return SP_EBUSY;
	if (!strcmp(state, "40003"))
		return SP_EUNKNOWN;
	if (!strncmp(state, "23", 2))
		return SP_ECONFLICT;
	if (!strncmp(state, "08", 2) || !strncmp(state, "53", 2) || !strncmp(state, "57P", 3))
		return SP_EUNAVAIL;
	if (!strcmp(state, "54000"))
		return SP_ETOOBIG;
	return PQstatus(c) == CONNECTION_OK ? SP_EINTERNAL : SP_EUNAVAIL;
}

/* Fill err from res (or the connection). Only the SQLSTATE, the constraint's name and, but for
 * data exceptions (class 22, whose messages quote the value), the primary message: never the
 * detail, which shows key values. */
static int fail(PGconn *c, const PGresult *res, struct sp_err *err, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	int code = classify(state, c);
	const char *cons = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!msg && !res)
		msg = PQerrorMessage(c);
	if (state && !strncmp(state, "22", 2))
		msg = "invalid value";
	char line[160];
	snprintf(line, sizeof line, "%s", msg ? msg : "no answer");
	line[strcspn(line, "\n")] = '\0';
	return sp_err_set(err, code, "", "postgresql %s: %s%s%s%s%s", what, state ? state : "",
			  state ? " " : "", line, cons ? ", constraint " : "", cons ? cons : "");
}

/* ---- placeholders ---- */

static int ident_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

/* The end of the quoted run starting at p (a ' or "), doubled quotes inside; NULL if open. */
static const char *skip_quoted(const char *p)
{
	char q = *p++;
	for (;;) {
		const char *e = strchr(p, q);
		if (!e)
			return NULL;
		if (e[1] != q)
			return e + 1;
		p = e + 2;
	}
}

/* The end of the block comment starting at p ("/ *"); PostgreSQL nests them. */
static const char *skip_comment(const char *p)
{
	int depth = 0;
	while (*p) {
		if (p[0] == '/' && p[1] == '*') {
			depth++;
			p += 2;
		} else if (p[0] == '*' && p[1] == '/') {
			p += 2;
			if (--depth == 0)
				return p;
		} else {
			p++;
		}
	}
	return NULL;
}

/* The end of a dollar-quoted string ($tag$ ... $tag$) starting at p, p itself when p starts
 * no dollar quote, NULL when it is not closed. */
static const char *skip_dollar(const char *p)
{
	const char *t = p + 1;
	while (ident_char(*t) && !(*t >= '0' && *t <= '9'))
		t++;
	if (*t != '$')
		return p;
	size_t tag = (size_t)(t - p) + 1;
	for (const char *q = t + 1; (q = strchr(q, '$')) != NULL; q++)
		if (strncmp(q, p, tag) == 0)
			return q + tag;
	return NULL;
}

int sp_pg_rewrite(const char *sql, struct sp_buf *out, int *nparams)
{
	int n = 0;
	const char *p = sql, *from = sql;
	while (*p) {
		const char *end = p + 1;
		if (*p == '\'' || *p == '"') {
			end = skip_quoted(p);
		} else if (p[0] == '-' && p[1] == '-') {
			end = p + strcspn(p, "\n");
		} else if (p[0] == '/' && p[1] == '*') {
			end = skip_comment(p);
		} else if (*p == '$' && (p == sql || !ident_char(p[-1]))) {
			end = skip_dollar(p);
			if (end == p)
				end = p + 1;
		} else if (*p == '?') {
			if (sp_buf_add(out, from, (size_t)(p - from)) || sp_buf_addf(out, "$%d", ++n))
				return SP_ENOMEM;
			from = p + 1;
		}
		if (!end)
			return SP_EINVAL;
		p = end;
	}
	if (sp_buf_add(out, from, (size_t)(p - from)))
		return SP_ENOMEM;
	*nparams = n;
	return SP_OK;
}

int sp_store_sibling_url(const char *url, const char *suffix, struct sp_buf *out)
{
	const char *auth = strstr(url, "://");
	if (!auth)
		return SP_EINVAL;
	const char *path = auth + 3 + strcspn(auth + 3, "/?#");
	if (*path != '/')
		return SP_EINVAL;
	size_t name = strcspn(path + 1, "?#");
	if (name == 0)
		return SP_EINVAL;
	const char *after = path + 1 + name;
	if (sp_buf_add(out, url, (size_t)(after - url)) || sp_buf_adds(out, suffix) ||
	    sp_buf_adds(out, after))
		return SP_ENOMEM;
	return SP_OK;
}

/* ---- connections ---- */

static PGconn *connect_to(const char *url, const char *dbname, int busy_ms)
{
	char opts[64];
	snprintf(opts, sizeof opts, "-c lock_timeout=%d", busy_ms);
	/* Later keywords override earlier ones: the URL's own settings win over these defaults,
	 * and dbname (when given) over the URL's database. */
	const char *keys[] = {"application_name", "connect_timeout", "options", "dbname",
			      dbname ? "dbname" : NULL, NULL};
	const char *vals[] = {"safepath", "10", opts, url, dbname, NULL};
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	if (c)
		PQsetNoticeReceiver(c, quiet, NULL);
	return c;
}

/* Create the URL's database when it does not exist (init on an empty server). */
static int create_database(const char *url, int busy_ms, struct sp_err *err)
{
	char *msg = NULL;
	PQconninfoOption *info = PQconninfoParse(url, &msg);
	PQfreemem(msg);
	const char *name = NULL;
	for (PQconninfoOption *o = info; o && o->keyword; o++)
		if (!strcmp(o->keyword, "dbname") && o->val && *o->val)
			name = o->val;
	int rc = SP_OK;
	PGconn *c = NULL;
	if (!name) {
		rc = sp_err_set(err, SP_EINVAL, "db", "the URL names no database");
		goto out;
	}
	c = connect_to(url, "postgres", busy_ms);
	if (!c || PQstatus(c) != CONNECTION_OK) {
		rc = fail(c, NULL, err, "connect");
		goto out;
	}
	char *q = PQescapeIdentifier(c, name, strlen(name));
	struct sp_buf sql;
	sp_buf_init(&sql, 4096);
	if (!q || sp_buf_addf(&sql, "CREATE DATABASE %s", q)) {
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
	} else {
		PGresult *res = PQexec(c, sql.data);
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		/* 42P04: another process created it meanwhile */
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !(state && !strcmp(state, "42P04")))
			rc = fail(c, res, err, "create database");
		PQclear(res);
	}
	sp_buf_free(&sql);
	PQfreemem(q);
out:
	PQfinish(c);
	PQconninfoFree(info);
	return rc;
}

static int pg_open(const char *target, const struct sp_store_options *opt, struct sp_db **out,
		   struct sp_err *err)
{
	int busy = opt && opt->busy_timeout_ms ? opt->busy_timeout_ms : 5000;
	PGconn *c = connect_to(target, NULL, busy);
	if ((!c || PQstatus(c) != CONNECTION_OK) && opt && opt->create) {
		PQfinish(c);
		int rc = create_database(target, busy, err);
		if (rc)
			return rc;
		c = connect_to(target, NULL, busy);
	}
	if (!c || PQstatus(c) != CONNECTION_OK) {
		/* libpq's message names host and database, never a password */
		char msg[200];
		snprintf(msg, sizeof msg, "%s", c ? PQerrorMessage(c) : "out of memory");
		msg[strcspn(msg, "\n")] = '\0';
		PQfinish(c);
		return sp_err_set(err, SP_EUNAVAIL, "db", "cannot open the database: %s", msg);
	}
	struct sp_db *db = calloc(1, sizeof *db);
	if (!db) {
		PQfinish(c);
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	db->c = c;
	db->gen = 1;
	*out = db;
	return SP_OK;
}

static void pg_close(struct sp_db *db)
{
	if (!db)
		return;
	PQfinish(db->c);
	free(db);
}

/* Outside a transaction, a connection that broke (server restart, network) is made anew; its
 * prepared statements went with it. */
static int ensure(struct sp_db *db, struct sp_err *err)
{
	if (db->in_tx || PQstatus(db->c) == CONNECTION_OK)
		return SP_OK;
	PQreset(db->c);
	db->gen++;
	if (PQstatus(db->c) != CONNECTION_OK)
		return fail(db->c, NULL, err, "reconnect");
	PQsetNoticeReceiver(db->c, quiet, NULL);
	return SP_OK;
}

static int run(struct sp_db *db, const char *sql, struct sp_err *err, const char *what)
{
	PGresult *res = PQexec(db->c, sql);
	ExecStatusType s = PQresultStatus(res);
	int rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? SP_OK : fail(db->c, res, err, what);
	PQclear(res);
	return rc;
}

static int pg_exec(struct sp_db *db, const char *sql, struct sp_err *err)
{
	int rc = ensure(db, err);
	return rc ? rc : run(db, sql, err, "exec");
}

/* VACUUM cannot run in a transaction block: on its own, as every statement outside one. */
static int pg_settle(struct sp_db *db, struct sp_err *err)
{
	int rc = ensure(db, err);
	return rc ? rc : run(db, "VACUUM (ANALYZE)", err, "settle");
}

static int begin(struct sp_db *db, const char *sql, struct sp_err *err)
{
	int rc = ensure(db, err);
	if (!rc)
		rc = run(db, sql, err, "begin");
	/* libpq learns that the server went (a restart) only when it next talks to it: once
	 * more on a new connection; nothing had begun. */
	if (rc == SP_EUNAVAIL) {
		if (PQstatus(db->c) == CONNECTION_OK) { /* it may not know yet: reconnect anyway */
			PQreset(db->c);
			db->gen++;
		}
		if (!(rc = ensure(db, err)))
			rc = run(db, sql, err, "begin");
	}
	db->in_tx = rc == SP_OK;
	return rc;
}

static int pg_begin_read(struct sp_db *db, struct sp_err *err)
{
	return begin(db, "BEGIN ISOLATION LEVEL REPEATABLE READ", err);
}

static int pg_begin_write(struct sp_db *db, struct sp_err *err)
{
	return begin(db, "BEGIN ISOLATION LEVEL READ COMMITTED", err);
}

static int pg_commit(struct sp_db *db, struct sp_err *err)
{
	PGresult *res = PQexec(db->c, "COMMIT");
	int rc = SP_OK;
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		rc = fail(db->c, res, err, "commit");
		/* The connection died with the COMMIT on its way: it may or may not have happened. */
		if (rc == SP_EUNAVAIL)
			err->code = rc = SP_EUNKNOWN;
	} else if (strcmp(PQcmdStatus(res), "COMMIT") != 0) {
		/* COMMIT of a transaction a failed statement had aborted answers ROLLBACK */
		rc = sp_err_set(err, SP_EINTERNAL, "", "postgresql commit: the transaction had failed");
	}
	PQclear(res);
	if (PQtransactionStatus(db->c) == PQTRANS_IDLE)
		db->in_tx = 0;
	return rc;
}

static void pg_rollback(struct sp_db *db)
{
	PGTransactionStatusType t = PQtransactionStatus(db->c);
	if (t == PQTRANS_INTRANS || t == PQTRANS_INERROR)
		PQclear(PQexec(db->c, "ROLLBACK"));
	db->in_tx = 0;
}

/* ---- statements ---- */

static void clear_params(struct sp_dstmt *s)
{
	if (!s->vals || !s->lens || !s->bound)
		return; /* a statement whose making ran out of memory */
	for (int i = 0; i < s->n; i++) {
		free(s->vals[i]);
		s->vals[i] = NULL;
		s->lens[i] = 0;
		s->bound[i] = 0;
	}
}

/* A streamed execution left before its end: cancelled on the server, and what is still on
 * its way read and dropped, so the connection takes commands again. (Inside a transaction the
 * cancel fails it: only a copy streams, and it ends its read transaction then.) */
static void stream_stop(struct sp_dstmt *s)
{
	PGresult *r;
	if (!s->streaming)
		return;
	PGcancel *cn = PQgetCancel(s->db->c);
	char buf[256];
	if (cn) {
		(void)PQcancel(cn, buf, sizeof buf);
		PQfreeCancel(cn);
	}
	while ((r = PQgetResult(s->db->c)) != NULL)
		PQclear(r);
	s->streaming = 0;
}

static void pg_reset(struct sp_dstmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	stream_stop(s);
	s->stream = 0;
	s->row = s->rows = 0;
	s->changes = 0;
	clear_params(s);
}

static void pg_finalize(struct sp_dstmt *s)
{
	if (!s)
		return;
	pg_reset(s);
	free(s->sql);
	free(s->types);
	free(s->bound);
	free((void *)s->vals);
	free(s->lens);
	free(s->fmts);
	free(s);
}

static int pg_prepare(struct sp_db *db, const char *sql, struct sp_dstmt **out,
		      struct sp_err *err)
{
	struct sp_dstmt *s = calloc(1, sizeof *s);
	struct sp_buf text;
	sp_buf_init(&text, 1 << 20);
	if (!s)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	int rc = sp_pg_rewrite(sql, &text, &s->n);
	if (rc) {
		free(s);
		sp_buf_free(&text);
		return rc == SP_EINVAL ? sp_err_set(err, rc, "", "postgresql prepare: unterminated "
							       "literal, identifier or comment")
				       : sp_err_set(err, rc, "", "out of memory");
	}
	s->db = db;
	s->sql = strdup(text.data ? text.data : "");
	sp_buf_free(&text);
	size_t n = (size_t)s->n + 1; /* never a zero-size allocation */
	s->types = calloc(n, sizeof *s->types);
	s->bound = calloc(n, sizeof *s->bound);
	s->vals = calloc(n, sizeof *s->vals);
	s->lens = calloc(n, sizeof *s->lens);
	s->fmts = calloc(n, sizeof *s->fmts);
	if (!s->sql || !s->types || !s->bound || !s->vals || !s->lens || !s->fmts) {
		pg_finalize(s);
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	}
	*out = s;
	return SP_OK;
}

static int bind(struct sp_dstmt *s, int i, Oid type, const void *p, size_t n)
{
	if (i < 1 || i > s->n)
		return SP_EINVAL;
	if (n > (size_t)1 << 30)
		return SP_ETOOBIG;
	char *v = NULL;
	if (p) {
		v = malloc(n + 1);
		if (!v)
			return SP_ENOMEM;
		memcpy(v, p, n);
		v[n] = '\0';
	}
	free(s->vals[i - 1]);
	s->vals[i - 1] = v;
	s->lens[i - 1] = (int)n;
	s->fmts[i - 1] = type == OID_TEXT ? 0 : 1;
	s->bound[i - 1] = type;
	return SP_OK;
}

static int pg_bind_int64(struct sp_dstmt *s, int i, int64_t v)
{
	unsigned char be[8];
	for (int k = 0; k < 8; k++)
		be[k] = (unsigned char)((uint64_t)v >> (56 - 8 * k));
	return bind(s, i, OID_INT8, be, sizeof be);
}

static int pg_bind_text(struct sp_dstmt *s, int i, const char *p, size_t n)
{
	return bind(s, i, OID_TEXT, p, n);
}

static int pg_bind_blob(struct sp_dstmt *s, int i, const void *p, size_t n)
{
	return bind(s, i, OID_BYTEA, p ? p : "", n); /* an empty blob is still a blob */
}

static int pg_bind_null(struct sp_dstmt *s, int i)
{
	return bind(s, i, 0, NULL, 0);
}

/* Prepare on this connection, with the parameter types of this execution: a statement first
 * run with a NULL leaves that type to the server, and is prepared again when a value of
 * another kind comes. */
static int make_ready(struct sp_dstmt *s, struct sp_err *err)
{
	struct sp_db *db = s->db;
	int again = s->gen == db->gen;
	int fits = again;
	for (int i = 0; i < s->n && fits; i++)
		fits = !s->bound[i] || s->bound[i] == s->types[i];
	if (fits)
		return SP_OK;
	if (again) {
		char sql[40];
		snprintf(sql, sizeof sql, "DEALLOCATE %s", s->name);
		int rc = run(db, sql, err, "deallocate");
		if (rc)
			return rc;
	}
	for (int i = 0; i < s->n; i++)
		if (s->bound[i] || !again)
			s->types[i] = s->bound[i];
	snprintf(s->name, sizeof s->name, "sp%u", ++db->names);
	/* A NULL the server cannot type from its place ("? IS NULL") fails the prepare, and in a
	 * transaction the failure would end it: try under a savepoint, then call it text. */
	int unknown = 0;
	for (int i = 0; i < s->n; i++)
		unknown |= !s->types[i];
	int guard = unknown && db->in_tx;
	int rc = guard ? run(db, "SAVEPOINT sp_prepare", err, "prepare") : SP_OK;
	if (rc)
		return rc;
	PGresult *res = PQprepare(db->c, s->name, s->sql, s->n, s->types);
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (state && !strcmp(state, "42P18")) {
		for (int i = 0; i < s->n; i++)
			if (!s->types[i])
				s->types[i] = OID_TEXT;
		PQclear(res);
		rc = guard ? run(db, "ROLLBACK TO SAVEPOINT sp_prepare", err, "prepare") : SP_OK;
		res = rc ? NULL : PQprepare(db->c, s->name, s->sql, s->n, s->types);
	}
	if (!rc)
		rc = PQresultStatus(res) == PGRES_COMMAND_OK ? SP_OK : fail(db->c, res, err, "prepare");
	PQclear(res);
	if (!rc && guard)
		rc = run(db, "RELEASE SAVEPOINT sp_prepare", err, "prepare");
	s->gen = rc ? 0 : db->gen;
	return rc;
}

static void pg_stream(struct sp_dstmt *s)
{
	s->stream = 1;
}

/* The next row of a streamed execution: one single-row result each, then the end (a result
 * with no row) and NULL. 1 = a row, 0 = the end, < 0 = an error. */
static int stream_next(struct sp_dstmt *s, struct sp_err *err)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = s->rows = 0;
	if (!s->streaming)
		return 0;
	PGresult *res = PQgetResult(s->db->c);
	ExecStatusType st = PQresultStatus(res);
	if (st == PGRES_SINGLE_TUPLE) {
		s->res = res;
		s->rows = 1;
		return 1;
	}
	int rc = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK ? 0 : fail(s->db->c, res, err, "step");
	PQclear(res);
	while ((res = PQgetResult(s->db->c)) != NULL)
		PQclear(res);
	s->streaming = 0;
	s->stream = 2; /* further steps: done, as after a whole result's last row */
	return rc;
}

/* Send a streamed execution; its rows come with the steps. */
static int stream_start(struct sp_dstmt *s, struct sp_err *err)
{
	if (!PQsendQueryPrepared(s->db->c, s->name, s->n, (const char *const *)s->vals, s->lens,
				 s->fmts, 1))
		return fail(s->db->c, NULL, err, "step");
	s->streaming = 1;
	if (!PQsetSingleRowMode(s->db->c)) {
		stream_stop(s);
		return sp_err_set(err, SP_EINTERNAL, "", "postgresql step: no single-row mode");
	}
	return stream_next(s, err);
}

static int pg_step(struct sp_dstmt *s, struct sp_err *err)
{
	if (s->streaming)
		return stream_next(s, err);
	if (s->stream == 2)
		return 0;
	if (s->res)
		return ++s->row < s->rows ? 1 : 0;
	int rc = ensure(s->db, err);
	if (!rc)
		rc = make_ready(s, err);
	if (rc)
		return rc;
	if (s->stream)
		return stream_start(s, err);
	PGresult *res = PQexecPrepared(s->db->c, s->name, s->n, (const char *const *)s->vals,
				       s->lens, s->fmts, 1);
	ExecStatusType st = PQresultStatus(res);
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		rc = fail(s->db->c, res, err, "step");
		PQclear(res);
		return rc;
	}
	s->res = res;
	s->row = 0;
	s->rows = PQntuples(res);
	const char *changed = PQcmdTuples(res);
	s->changes = *changed ? strtoll(changed, NULL, 10) : 0;
	return s->rows > 0 ? 1 : 0;
}

static int present(const struct sp_dstmt *s, int c)
{
	return s->res && s->row < s->rows && c >= 0 && c < PQnfields(s->res) &&
	       !PQgetisnull(s->res, s->row, c);
}

static int pg_column_is_null(struct sp_dstmt *s, int c)
{
	return !present(s, c);
}

static uint64_t be_uint(const unsigned char *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The integer part of a binary NUMERIC (SUM of bigints): base-10000 digits after a header of
 * ndigits, weight, sign and display scale. */
static int64_t numeric_int(const unsigned char *p, int len)
{
	if (len < 8)
		return 0;
	int ndigits = (int16_t)be_uint(p, 2), weight = (int16_t)be_uint(p + 2, 2);
	unsigned sign = (unsigned)be_uint(p + 4, 2);
	int64_t v = 0;
	for (size_t i = 0; (int)i <= weight; i++) {
		size_t at = 8 + 2 * i;
		int64_t d = (int)i < ndigits && at + 2 <= (size_t)len ? (int64_t)be_uint(p + at, 2) : 0;
		v = v * 10000 + d;
	}
	return sign == 0x4000 ? -v : v;
}

static int64_t pg_column_int64(struct sp_dstmt *s, int c)
{
	if (!present(s, c))
		return 0;
	const unsigned char *p = (const unsigned char *)PQgetvalue(s->res, s->row, c);
	int len = PQgetlength(s->res, s->row, c);
	switch (PQftype(s->res, c)) {
	case OID_INT8:
		return len == 8 ? (int64_t)be_uint(p, 8) : 0;
	case OID_INT4:
		return len == 4 ? (int32_t)be_uint(p, 4) : 0;
	case OID_INT2:
		return len == 2 ? (int16_t)be_uint(p, 2) : 0;
	case OID_OID:
		return len == 4 ? (int64_t)be_uint(p, 4) : 0;
	case OID_BOOL:
		return len == 1 ? p[0] != 0 : 0;
	case OID_NUMERIC:
		return numeric_int(p, len);
	case OID_FLOAT8: {
		uint64_t bits = be_uint(p, 8);
		double d;
		memcpy(&d, &bits, sizeof d);
		return len == 8 ? (int64_t)d : 0;
	}
	default:
		return strtoll((const char *)p, NULL, 10);
	}
}

static const void *pg_column_blob(struct sp_dstmt *s, int c, size_t *n)
{
	*n = 0;
	if (!present(s, c))
		return NULL;
	*n = (size_t)PQgetlength(s->res, s->row, c);
	return PQgetvalue(s->res, s->row, c);
}

static const char *pg_column_text(struct sp_dstmt *s, int c, size_t *n)
{
	size_t len = 0;
	const char *p = pg_column_blob(s, c, &len); /* libpq ends every value with a NUL */
	Oid t = p ? PQftype(s->res, c) : 0;
	if (t == OID_INT8 || t == OID_INT4 || t == OID_INT2 || t == OID_BOOL || t == OID_NUMERIC ||
	    t == OID_OID) {
		/* as SQLite gives an integer column as text: its decimal digits */
		int w = snprintf(s->num, sizeof s->num, "%lld", (long long)pg_column_int64(s, c));
		len = w > 0 ? (size_t)w : 0;
		p = s->num;
	}
	if (n)
		*n = len;
	return p;
}

static int64_t pg_changes(struct sp_dstmt *s)
{
	return s->changes;
}

/* A transaction-scoped advisory lock on one key of our own: released at COMMIT or ROLLBACK. */
static int pg_lock_schema(struct sp_db *db, struct sp_err *err)
{
	return run(db, "SELECT pg_advisory_xact_lock(7305966424103715185)", err, "schema lock");
}

/* ---- the schema, for copies generic over it ---- */

/* A column's kind by its type's name; 0 for a type a copy cannot carry. */
static enum sp_store_col_kind kind_of(const char *type)
{
	static const struct {
		const char *type;
		enum sp_store_col_kind kind;
	} kinds[] = {
		{"int8", SP_COL_INT},   {"int4", SP_COL_INT},    {"int2", SP_COL_INT},
		{"text", SP_COL_TEXT}, {"varchar", SP_COL_TEXT}, {"bytea", SP_COL_BLOB},
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].type, type) == 0)
			return kinds[i].kind;
	return 0;
}

/* One catalog query with one text parameter (a table's oid) or none; text results. */
static int catalog(struct sp_db *db, const char *sql, const char *param, PGresult **out,
		   struct sp_err *err)
{
	*out = PQexecParams(db->c, sql, param ? 1 : 0, NULL, param ? &param : NULL, NULL, NULL, 0);
	if (PQresultStatus(*out) == PGRES_TUPLES_OK)
		return SP_OK;
	int rc = fail(db->c, *out, err, "list tables");
	PQclear(*out);
	*out = NULL;
	return rc;
}

/* The columns (ordinal order, generated ones left out as SQLite's table_info does) and the
 * referenced tables of the table with oid, to fn. */
static int pg_list_table(struct sp_db *db, const char *oid, const char *table,
			 sp_store_table_fn fn, void *ctx, struct sp_err *err)
{
	PGresult *cols = NULL, *refs = NULL;
	const char **cp = NULL, **rp = NULL;
	enum sp_store_col_kind *kinds = NULL;
	int rc = catalog(db,
			 "SELECT a.attname, t.typname FROM pg_attribute a JOIN pg_type t ON "
			 "t.oid = a.atttypid WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT "
			 "a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
			 oid, &cols, err);
	if (!rc)
		rc = catalog(db,
			     "SELECT DISTINCT r.relname FROM pg_constraint k JOIN pg_class r ON "
			     "r.oid = k.confrelid WHERE k.conrelid = $1::oid AND k.contype = 'f' "
			     "ORDER BY 1",
			     oid, &refs, err);
	if (rc)
		goto out;
	size_t nc = (size_t)PQntuples(cols), nr = (size_t)PQntuples(refs);
	cp = calloc(nc + 1, sizeof *cp);
	rp = calloc(nr + 1, sizeof *rp);
	kinds = calloc(nc + 1, sizeof *kinds);
	if (!cp || !rp || !kinds) {
		rc = sp_err_set(err, SP_ENOMEM, "", "out of memory");
		goto out;
	}
	for (size_t i = 0; !rc && i < nc; i++) {
		cp[i] = PQgetvalue(cols, (int)i, 0);
		kinds[i] = kind_of(PQgetvalue(cols, (int)i, 1));
		if (!kinds[i])
			rc = sp_err_set(err, SP_EINVAL, "db",
					"table %.64s: column %.64s has type %.64s, which a copy "
					"cannot carry (only integers, text and bytea)",
					table, cp[i], PQgetvalue(cols, (int)i, 1));
	}
	for (size_t i = 0; !rc && i < nr; i++)
		rp[i] = PQgetvalue(refs, (int)i, 0);
	if (!rc)
		rc = fn(ctx, table, cp, kinds, nc, rp, nr);
out:
	free((void *)cp);
	free((void *)rp);
	free(kinds);
	PQclear(cols);
	PQclear(refs);
	return rc;
}

/* The ordinary tables of the first schema on the search path (current_schema(): "public"
 * unless the role or URL sets another), never the catalog's; by name in byte order, as
 * SQLite's listing is. Partitions are left to their parent. */
static int pg_list_tables(struct sp_db *db, sp_store_table_fn fn, void *ctx, struct sp_err *err)
{
	PGresult *tables = NULL;
	int rc = ensure(db, err);
	if (!rc)
		rc = catalog(db,
			     "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON "
			     "n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND NOT "
			     "c.relispartition AND n.nspname = current_schema() ORDER BY "
			     "c.relname COLLATE \"C\"",
			     NULL, &tables, err);
	for (int i = 0; !rc && i < PQntuples(tables); i++)
		rc = pg_list_table(db, PQgetvalue(tables, i, 0), PQgetvalue(tables, i, 1), fn, ctx,
				   err);
	PQclear(tables);
	return rc;
}

/* No check: PostgreSQL has no cheap whole-database check of its own. With data checksums on
 * (initdb -k) it verifies each page as it reads it, and a copy reads every row, so a damaged
 * page fails the copy itself; amcheck, which checks indexes, is an extension a superuser must
 * install, and a server's checksum-failure counter (pg_stat_database) stays up after the
 * damage is repaired, so it would refuse every later backup. */

static const char *pg_type_token(const char *t)
{
	static const struct sp_type_token map[] = {
		{"id", "BYTEA"},    {"int64", "BIGINT"}, {"int", "INTEGER"},
		{"text", "TEXT"},   {"blob", "BYTEA"},   {"bool", "SMALLINT"},
		{"clustered", ""}, /* a heap and its primary key's index: nothing to ask for */
		{NULL, NULL},
	};
	return sp_store_type_lookup(map, t);
}

const struct sp_store_driver sp_store_postgres = {
	.version = SP_STORE_DRIVER_VERSION,
	.name = "postgresql",
	.caps = SP_STORE_CAP_ROW_LOCKS | SP_STORE_CAP_REMOTE,
	.open = pg_open,
	.close = pg_close,
	.exec = pg_exec,
	.begin_read = pg_begin_read,
	.begin_write = pg_begin_write,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.prepare = pg_prepare,
	.bind_int64 = pg_bind_int64,
	.bind_text = pg_bind_text,
	.bind_blob = pg_bind_blob,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.column_is_null = pg_column_is_null,
	.column_int64 = pg_column_int64,
	.column_blob = pg_column_blob,
	.column_text = pg_column_text,
	.changes = pg_changes,
	.reset = pg_reset,
	.finalize = pg_finalize,
	.type_token = pg_type_token,
	.backup_to = NULL,
	.compact = NULL,
	.settle = pg_settle,
	.lock_schema = pg_lock_schema,
	.list_tables = pg_list_tables,
	.check = NULL,
	.stream = pg_stream,
};
