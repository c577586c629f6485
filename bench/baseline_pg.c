/* Baseline for the write benchmark on PostgreSQL: a plain libpq program that writes, per
 * transaction, rows of the same number and sizes as creating a case with its person through
 * libsafepath (person row with its sealed profile, blind-index rows, the case-number counter,
 * the case row, one audit row and the audit head, locked first as the library locks it), with
 * the same durability (the server's synchronous_commit), plus the person-key row that the
 * library commits first in its separate key database. Binary parameters, statements prepared
 * once. No crypto, no validation, no policy: the floor that the library is compared against.
 * Usage: baseline_pg DATA_CONNINFO KEYS_CONNINFO N PROFILE_BYTES INDEX_ROWS */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "clock.h"

static void check(PGconn *c, PGresult *r, const char *what)
{
	ExecStatusType s = PQresultStatus(r);
	if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK) {
		fprintf(stderr, "%s: %s", what, PQerrorMessage(c));
		exit(1);
	}
}

static void run(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	check(c, r, sql);
	PQclear(r);
}

static void prepare(PGconn *c, const char *name, const char *sql)
{
	PGresult *r = PQprepare(c, name, sql, 0, NULL);
	check(c, r, name);
	PQclear(r);
}

/* Run prepared name with n binary parameters; returns the result (the caller clears it). */
static PGresult *exec(PGconn *c, const char *name, int n, const char *const *v, const int *len)
{
	int fmt[8] = {1, 1, 1, 1, 1, 1, 1, 1};
	PGresult *r = PQexecPrepared(c, name, n, v, len, fmt, 1);
	check(c, r, name);
	return r;
}

static void be64(int64_t v, char out[8])
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (char)(v & 0xff);
}

static PGconn *connect_to(const char *conninfo)
{
	PGconn *c = PQconnectdb(conninfo);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "connect: %s", PQerrorMessage(c));
		exit(1);
	}
	return c;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: baseline_pg DATA_CONNINFO KEYS_CONNINFO N PROFILE_BYTES INDEX_ROWS\n");
		return 2;
	}
	long n = strtol(argv[3], NULL, 10), profile = strtol(argv[4], NULL, 10),
	     nindex = strtol(argv[5], NULL, 10);
	PGconn *db = connect_to(argv[1]), *kdb = connect_to(argv[2]);
	run(kdb, "DROP TABLE IF EXISTS k; CREATE TABLE k (id bytea PRIMARY KEY, v integer, d integer,"
		 " w bytea, t bigint)");
	run(db, "DROP TABLE IF EXISTS p, ix, c, seq, a, ah;"
		"CREATE TABLE p (id bytea PRIMARY KEY, born integer, sex integer, body bytea);"
		"CREATE TABLE ix (kind integer, v bytea, pid bytea, PRIMARY KEY (kind, v, pid));"
		"CREATE TABLE c (id bytea PRIMARY KEY, pid bytea, num text, flags integer, created bigint);"
		"CREATE TABLE seq (name text PRIMARY KEY, v bigint);"
		"INSERT INTO seq VALUES ('c', 0);"
		"CREATE TABLE a (seq bigint PRIMARY KEY, ts bigint, actor bytea, action text, obj bytea,"
		" fields text, mac bytea);"
		"CREATE TABLE ah (id integer PRIMARY KEY, seq bigint, mac bytea);"
		"INSERT INTO ah VALUES (1, 0, decode(repeat('00', 32), 'hex'))");
	prepare(kdb, "k", "INSERT INTO k VALUES ($1, 1, 1, $2, 0)");
	prepare(db, "p", "INSERT INTO p VALUES ($1, 1990, 1, $2)");
	prepare(db, "ix", "INSERT INTO ix VALUES ($1::integer, $2, $3)");
	prepare(db, "head", "SELECT seq, mac FROM ah WHERE id = 1 FOR UPDATE");
	prepare(db, "seq", "UPDATE seq SET v = v + 1 WHERE name = 'c' RETURNING v");
	prepare(db, "c", "INSERT INTO c VALUES ($1, $2, $3::text, 0, $4::bigint)");
	prepare(db, "a", "INSERT INTO a VALUES ($1::bigint, $2::bigint, $3, 'case.create', $4, "
			 "'person', $5)");
	prepare(db, "ah", "UPDATE ah SET seq = $1::bigint, mac = $2 WHERE id = 1");
	char id[16], cid[16], v[32], mac[32], wrapped[72], i8[8], s8[8], k4[4];
	char *body = malloc((size_t)profile);
	memset(body, 0x5a, (size_t)profile);
	memset(mac, 7, sizeof mac);
	memset(wrapped, 3, sizeof wrapped);
	double t0 = now_s(), c0 = user_s(), s0 = sys_s();
	for (long i = 0; i < n; i++) {
		memcpy(id, &i, sizeof i);
		memset(id + 8, 1, 8);
		memcpy(cid, &i, sizeof i);
		memset(cid + 8, 2, 8);
		run(kdb, "BEGIN");
		const char *kv[] = {id, wrapped};
		int kl[] = {16, (int)sizeof wrapped};
		PQclear(exec(kdb, "k", 2, kv, kl));
		run(kdb, "COMMIT");
		run(db, "BEGIN");
		PGresult *h = exec(db, "head", 0, NULL, NULL);
		PQclear(h);
		const char *pv[] = {id, body};
		int pl[] = {16, (int)profile};
		PQclear(exec(db, "p", 2, pv, pl));
		for (long k = 0; k < nindex; k++) {
			memcpy(v, &i, sizeof i);
			memcpy(v + 8, &k, sizeof k);
			uint32_t kind = (uint32_t)(k % 4);
			k4[0] = 0, k4[1] = 0, k4[2] = 0, k4[3] = (char)kind;
			const char *iv[] = {k4, v, id};
			int il[] = {4, 32, 16};
			PQclear(exec(db, "ix", 3, iv, il));
		}
		PGresult *s = exec(db, "seq", 0, NULL, NULL);
		int64_t seq = 0;
		for (int b = 0; b < 8; b++)
			seq = seq << 8 | (unsigned char)PQgetvalue(s, 0, 0)[b];
		PQclear(s);
		char num[32];
		snprintf(num, sizeof num, "IMM-2026-%06lld", (long long)seq);
		be64(i, i8);
		const char *cv[] = {cid, id, num, i8};
		int cl[] = {16, 16, (int)strlen(num), 8};
		PQclear(exec(db, "c", 4, cv, cl));
		be64(i + 1, s8);
		const char *av[] = {s8, i8, id, cid, mac};
		int al[] = {8, 8, 16, 16, 32};
		PQclear(exec(db, "a", 5, av, al));
		const char *hv[] = {s8, mac};
		int hl[] = {8, 32};
		PQclear(exec(db, "ah", 2, hv, hl));
		run(db, "COMMIT");
	}
	double wall = now_s() - t0, cpu = user_s() - c0, sys = sys_s() - s0;
	printf("baseline_pg n=%ld profile_bytes=%ld index_rows=%ld wall_s=%.3f rate_per_s=%.0f "
	       "user_cpu_us_per_op=%.1f sys_cpu_us_per_op=%.1f\n",
	       n, profile, nindex, wall, (double)n / wall, cpu * 1e6 / (double)n,
	       sys * 1e6 / (double)n);
	PQfinish(kdb);
	PQfinish(db);
	free(body);
	return 0;
}
