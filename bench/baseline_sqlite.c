/* Baseline for bench_case: a plain C program that writes, per transaction, rows of the same
 * number and sizes as creating a case with its person through libsafepath (person row with
 * its sealed profile, blind-index rows, the case row, the case-number counter, one audit row
 * and the audit head), into SQLite with the same durability (WAL, synchronous=FULL), plus the
 * person-key row that the library commits first in its separate key store (DB.keys). No
 * crypto, no validation, no policy: the floor that the library is compared against.
 * Usage: baseline_sqlite DB N PROFILE_BYTES INDEX_ROWS [off]   (off: synchronous=OFF, to
 * measure the CPU spent outside the fsync) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "clock.h"

static void check(int rc, sqlite3 *db, const char *what)
{
	if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: baseline_sqlite DB N PROFILE_BYTES INDEX_ROWS [off]\n");
		return 2;
	}
	long n = strtol(argv[2], NULL, 10), profile = strtol(argv[3], NULL, 10),
	     nindex = strtol(argv[4], NULL, 10);
	sqlite3 *db, *kdb;
	char kpath[4096];
	snprintf(kpath, sizeof kpath, "%s.keys", argv[1]);
	check(sqlite3_open(kpath, &kdb), kdb, "open keys");
	check(sqlite3_exec(kdb, "PRAGMA journal_mode=WAL; CREATE TABLE k (id BLOB PRIMARY KEY, v INTEGER,"
				" d INTEGER, w BLOB, t INTEGER)", NULL, NULL, NULL),
	      kdb, "keys schema");
	check(sqlite3_exec(kdb, argc == 6 ? "PRAGMA synchronous=OFF" : "PRAGMA synchronous=FULL", NULL,
			   NULL, NULL),
	      kdb, "synchronous");
	sqlite3_stmt *ik;
	check(sqlite3_prepare_v2(kdb, "INSERT INTO k VALUES (?, 1, 1, ?, 0)", -1, &ik, NULL), kdb, "k");
	unsigned char wrapped[72];
	memset(wrapped, 3, sizeof wrapped);
	check(sqlite3_open(argv[1], &db), db, "open");
	check(sqlite3_exec(db,
			   "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
			   "CREATE TABLE p (id BLOB PRIMARY KEY, born INTEGER, sex INTEGER, body BLOB);"
			   "CREATE TABLE ix (kind INTEGER, v BLOB, pid BLOB, PRIMARY KEY (kind, v, pid));"
			   "CREATE TABLE c (id BLOB PRIMARY KEY, pid BLOB, num TEXT, flags INTEGER,"
			   " created INTEGER);"
			   "CREATE TABLE seq (name TEXT PRIMARY KEY, v INTEGER);"
			   "INSERT INTO seq VALUES ('c', 0);"
			   "CREATE TABLE a (seq INTEGER PRIMARY KEY, ts INTEGER, actor BLOB, action TEXT,"
			   " obj BLOB, fields TEXT, mac BLOB);"
			   "CREATE TABLE ah (id INTEGER PRIMARY KEY, seq INTEGER, mac BLOB);"
			   "INSERT INTO ah VALUES (1, 0, zeroblob(32));",
			   NULL, NULL, NULL),
	      db, "schema");
	check(sqlite3_exec(db, argc == 6 ? "PRAGMA synchronous=OFF" : "PRAGMA synchronous=FULL", NULL,
			   NULL, NULL),
	      db, "synchronous");
	sqlite3_stmt *ip, *ii, *ic, *is, *ia, *ih;
	check(sqlite3_prepare_v2(db, "INSERT INTO p VALUES (?, 1990, 1, ?)", -1, &ip, NULL), db, "p");
	check(sqlite3_prepare_v2(db, "INSERT INTO ix VALUES (?, ?, ?)", -1, &ii, NULL), db, "ix");
	check(sqlite3_prepare_v2(db, "INSERT INTO c VALUES (?, ?, ?, 0, ?)", -1, &ic, NULL), db, "c");
	check(sqlite3_prepare_v2(db, "UPDATE seq SET v = v + 1 WHERE name = 'c' RETURNING v", -1, &is,
				 NULL),
	      db, "seq");
	check(sqlite3_prepare_v2(db, "INSERT INTO a VALUES (?, ?, ?, 'case.create', ?, 'person', ?)",
				 -1, &ia, NULL),
	      db, "a");
	check(sqlite3_prepare_v2(db, "UPDATE ah SET seq = ?, mac = ? WHERE id = 1", -1, &ih, NULL), db,
	      "ah");
	unsigned char id[16], cid[16], v[32], mac[32];
	unsigned char *body = malloc((size_t)profile);
	memset(body, 0x5a, (size_t)profile);
	memset(mac, 7, sizeof mac);
	double t0 = now_s(), c0 = user_s(), s0 = sys_s();
	for (long i = 0; i < n; i++) {
		memcpy(id, &i, sizeof i);
		memset(id + 8, 1, 8);
		memcpy(cid, &i, sizeof i);
		memset(cid + 8, 2, 8);
		check(sqlite3_exec(kdb, "BEGIN IMMEDIATE", NULL, NULL, NULL), kdb, "begin keys");
		sqlite3_bind_blob(ik, 1, id, 16, SQLITE_STATIC);
		sqlite3_bind_blob(ik, 2, wrapped, sizeof wrapped, SQLITE_STATIC);
		check(sqlite3_step(ik), kdb, "k");
		sqlite3_reset(ik);
		check(sqlite3_exec(kdb, "COMMIT", NULL, NULL, NULL), kdb, "commit keys");
		check(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), db, "begin");
		sqlite3_bind_blob(ip, 1, id, 16, SQLITE_STATIC);
		sqlite3_bind_blob(ip, 2, body, (int)profile, SQLITE_STATIC);
		check(sqlite3_step(ip), db, "p");
		sqlite3_reset(ip);
		for (long k = 0; k < nindex; k++) {
			memcpy(v, &i, sizeof i);
			memcpy(v + 8, &k, sizeof k);
			sqlite3_bind_int(ii, 1, (int)k % 4);
			sqlite3_bind_blob(ii, 2, v, 32, SQLITE_STATIC);
			sqlite3_bind_blob(ii, 3, id, 16, SQLITE_STATIC);
			check(sqlite3_step(ii), db, "ix");
			sqlite3_reset(ii);
		}
		check(sqlite3_step(is), db, "seq");
		char num[32];
		snprintf(num, sizeof num, "IMM-2026-%06lld", (long long)sqlite3_column_int64(is, 0));
		sqlite3_reset(is);
		sqlite3_bind_blob(ic, 1, cid, 16, SQLITE_STATIC);
		sqlite3_bind_blob(ic, 2, id, 16, SQLITE_STATIC);
		sqlite3_bind_text(ic, 3, num, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ic, 4, i);
		check(sqlite3_step(ic), db, "c");
		sqlite3_reset(ic);
		sqlite3_bind_int64(ia, 1, i + 1);
		sqlite3_bind_int64(ia, 2, i);
		sqlite3_bind_blob(ia, 3, id, 16, SQLITE_STATIC);
		sqlite3_bind_blob(ia, 4, cid, 16, SQLITE_STATIC);
		sqlite3_bind_blob(ia, 5, mac, 32, SQLITE_STATIC);
		check(sqlite3_step(ia), db, "a");
		sqlite3_reset(ia);
		sqlite3_bind_int64(ih, 1, i + 1);
		sqlite3_bind_blob(ih, 2, mac, 32, SQLITE_STATIC);
		check(sqlite3_step(ih), db, "ah");
		sqlite3_reset(ih);
		check(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), db, "commit");
	}
	double wall = now_s() - t0, cpu = user_s() - c0, sys = sys_s() - s0;
	printf("baseline_sqlite sync=%s n=%ld profile_bytes=%ld index_rows=%ld wall_s=%.3f "
	       "rate_per_s=%.0f user_cpu_us_per_op=%.1f sys_cpu_us_per_op=%.1f\n",
	       argc == 6 ? "off" : "full", n, profile, nindex, wall, (double)n / wall,
	       cpu * 1e6 / (double)n, sys * 1e6 / (double)n);
	sqlite3_finalize(ip);
	sqlite3_finalize(ii);
	sqlite3_finalize(ic);
	sqlite3_finalize(is);
	sqlite3_finalize(ia);
	sqlite3_finalize(ih);
	sqlite3_finalize(ik);
	sqlite3_close(kdb);
	sqlite3_close(db);
	free(body);
	return 0;
}
