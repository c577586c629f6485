/* audit/ on a real SQLite database: append inside the caller's transaction, the head row,
 * checkpoints, and verify catching an edited, a deleted and a reordered record, a truncated
 * tail, a forged checkpoint, and a rewritten chain; restores; the DPO listing; faults. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "audit/audit.h"
#include "safepath/init.h"
#include "safepath/store.h"

#include "helpers.h"

static char dir[64];     /* the data folder of one test */
static char url[128];
static char cpdir[128];  /* DATA/audit: the checkpoints */
static struct sp_audit_keys *keys;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/sp-audit-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	char path[96];
	snprintf(path, sizeof path, "%s/t.db", dir);
	test_db_url(url, sizeof url, path, "sp_audit");
	snprintf(cpdir, sizeof cpdir, "%s/audit", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return test_rmtree(dir);
}

static struct sp_store *open_db(const char *u)
{
	struct sp_store_options opt = {.busy_timeout_ms = 5000, .create = 1};
	struct sp_store *s = NULL;
	struct sp_err err = {0};
	assert_int_equal(sp_store_open(u, &opt, &s, &err), SP_OK);
	assert_int_equal(sp_store_migrate(s, &err), SP_OK);
	return s;
}

static void exec(struct sp_store *s, const char *sql)
{
	struct sp_err err = {0};
	if (sp_store_exec(s, sql, &err) != SP_OK)
		fail_msg("%s: %s", sql, err.msg);
}

static const char *const actions[] = {"case.read", "case.update", "user.login", "export"};

static void sample(struct sp_audit_rec *r, int i)
{
	memset(r, 0, sizeof *r);
	r->ts_us = 1764331200000000 + i;
	r->actor.b[15] = (unsigned char)(1 + i % 3);
	r->agency.b[15] = 9;
	r->roles = "caseworker";
	r->action = actions[i % 4];
	r->object_type = "case";
	r->object_id.b[15] = (unsigned char)(100 + i % 2);
	r->fields = "names,dob";
	r->request_id = "req-1";
}

/* n records, one write transaction each. */
static void append_n(struct sp_store *s, int n)
{
	struct sp_err err = {0};
	for (int i = 0; i < n; i++) {
		struct sp_audit_rec r;
		sample(&r, i);
		int64_t seq = 0;
		assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
		assert_int_equal(sp_audit_append(s, keys, &r, &seq, &err), SP_OK);
		assert_int_equal(sp_store_commit(s, &err), SP_OK);
		assert_true(seq > 0);
	}
}

static void checkpoint(struct sp_store *s)
{
	struct sp_err err = {0};
	if (sp_audit_checkpoint(s, keys, cpdir, &err) != SP_OK)
		fail_msg("checkpoint: %s", err.msg);
}

static struct sp_audit_report verify(struct sp_store *s)
{
	struct sp_audit_report rep;
	struct sp_err err = {0};
	if (sp_audit_verify(s, keys, cpdir, &rep, &err) != SP_OK)
		fail_msg("verify: %s", err.msg);
	return rep;
}

static void expect_first(const struct sp_audit_report *rep, enum sp_audit_problem kind,
			 int64_t seq)
{
	assert_false(rep->ok);
	assert_true(rep->nkept > 0);
	if (rep->found[0].kind != kind || rep->found[0].seq != seq)
		fail_msg("first finding %s at %lld, expected %s at %lld",
			 sp_audit_problem_name(rep->found[0].kind), (long long)rep->found[0].seq,
			 sp_audit_problem_name(kind), (long long)seq);
}

static void clean_trail_verifies(void **state)
{
	(void)state;
	struct sp_store *s = open_db(url);
	struct sp_audit_report rep = verify(s);
	assert_true(rep.ok); /* empty, no checkpoint file */
	assert_int_equal(rep.records, 0);
	checkpoint(s); /* of the empty trail */

	append_n(s, 5);
	struct sp_audit_rec batch[3];
	for (int i = 0; i < 3; i++)
		sample(&batch[i], 10 + i);
	struct sp_err err = {0};
	int64_t first = 0;
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	assert_int_equal(sp_audit_append_batch(s, keys, batch, 3, &first, &err), SP_OK);
	assert_int_equal(sp_store_commit(s, &err), SP_OK);
	assert_int_equal(first, 6);
	checkpoint(s);
	append_n(s, 2);
	checkpoint(s);

	rep = verify(s);
	assert_true(rep.ok);
	assert_int_equal(rep.nfound, 0);
	assert_int_equal(rep.records, 10);
	assert_int_equal(rep.last_seq, 10);
	assert_int_equal(rep.head_seq, 10);
	assert_int_equal(rep.checkpoints, 3);
	assert_int_equal(rep.last_checkpoint_seq, 10);
	assert_int_equal(test_scalar(s, "SELECT seq FROM audit_head"), 10);
	/* ts_us 0 on input means now */
	struct sp_audit_rec now = {.action = "user.logout"};
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	assert_int_equal(sp_audit_append(s, keys, &now, NULL, &err), SP_OK);
	assert_int_equal(sp_store_commit(s, &err), SP_OK);
	assert_true(test_scalar(s, "SELECT ts_us FROM audit_log WHERE seq = 11") > 1764331200000000);
	assert_true(verify(s).ok);
	sp_store_close(s);
}

static void append_rules(void **state)
{
	(void)state;
	struct sp_store *s = open_db(url);
	struct sp_err err = {0};
	struct sp_audit_rec r;
	sample(&r, 0);
	assert_int_equal(sp_audit_append(s, keys, &r, NULL, &err), SP_EINVAL); /* no transaction */

	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	struct sp_audit_rec batch[2];
	sample(&batch[0], 0);
	sample(&batch[1], 1);
	batch[1].reason = "told me her name is Amina";
	assert_int_equal(sp_audit_append_batch(s, keys, batch, 2, NULL, &err), SP_EINVAL);
	assert_string_equal(err.field, "/1/reason");
	assert_null(strstr(err.msg, "Amina"));
	sp_store_rollback(s);
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM audit_log"), 0);
	assert_int_equal(test_scalar(s, "SELECT seq FROM audit_head"), 0);
	sp_store_close(s);
}

/* The four tampering tests of the acceptance item, each with plain SQL on a trail of 10. */
static struct sp_store *trail_of_10(void)
{
	struct sp_store *s = open_db(url);
	append_n(s, 10);
	checkpoint(s);
	assert_true(verify(s).ok);
	return s;
}

static void detects_edited_record(void **state)
{
	(void)state;
	struct sp_store *s = trail_of_10();
	exec(s, "UPDATE audit_log SET action = 'case.close' WHERE seq = 5");
	struct sp_audit_report rep = verify(s);
	expect_first(&rep, SP_AUDIT_P_EDITED, 5);
	assert_int_equal(rep.nfound, 1); /* the next link still holds: the damage is local */
	sp_store_close(s);
}

static void detects_deleted_record(void **state)
{
	(void)state;
	struct sp_store *s = trail_of_10();
	exec(s, "DELETE FROM audit_log WHERE seq = 5");
	struct sp_audit_report rep = verify(s);
	expect_first(&rep, SP_AUDIT_P_DELETED, 5);
	assert_int_equal(rep.nfound, 1);
	assert_int_equal(rep.records, 9);
	sp_store_close(s);
}

static void detects_reordered_records(void **state)
{
	(void)state;
	struct sp_store *s = trail_of_10();
	/* Swap records 3 and 4, macs and all: every row is genuine, the order is not. */
	exec(s, "UPDATE audit_log SET seq = -4 WHERE seq = 4");
	exec(s, "UPDATE audit_log SET seq = 4 WHERE seq = 3");
	exec(s, "UPDATE audit_log SET seq = 3 WHERE seq = -4");
	struct sp_audit_report rep = verify(s);
	expect_first(&rep, SP_AUDIT_P_REORDERED, 3);
	for (size_t i = 0; i < rep.nkept; i++)
		assert_int_equal(rep.found[i].kind, SP_AUDIT_P_REORDERED);
	sp_store_close(s);
}

static void detects_truncated_tail(void **state)
{
	(void)state;
	struct sp_store *s = trail_of_10();
	/* A careful attacker cuts records 9 and 10 and moves the head back to 8 to match. */
	exec(s, "DELETE FROM audit_log WHERE seq > 8");
	exec(s, "UPDATE audit_head SET seq = 8, mac = (SELECT mac FROM audit_log WHERE seq = 8)");
	struct sp_audit_report rep = verify(s);
	expect_first(&rep, SP_AUDIT_P_TRUNCATED, 9);
	assert_int_equal(rep.found[0].line, 1); /* only the checkpoint outside knew */
	assert_int_equal(rep.nfound, 1);
	sp_store_close(s);
}

static void detects_truncated_tail_by_head(void **state)
{
	(void)state;
	struct sp_store *s = open_db(url);
	append_n(s, 6); /* no checkpoint at all: the head row still tells */
	exec(s, "DELETE FROM audit_log WHERE seq = 6");
	struct sp_audit_report rep = verify(s);
	expect_first(&rep, SP_AUDIT_P_TRUNCATED, 6);
	assert_int_equal(rep.found[0].line, 0);
	sp_store_close(s);
}

static void detects_forged_checkpoint(void **state)
{
	(void)state;
	struct sp_store *s = trail_of_10();
	/* Someone without the signing key writes a checkpoint for a shorter trail. */
	struct sp_audit_cp cp = {.kind = SP_AUDIT_CP_RESTORE, .seq = 8, .ts_us = 1};
	unsigned char pk[32], sk[64];
	crypto_sign_keypair(pk, sk);
	struct sp_stmt *st;
	struct sp_err err = {0};
	assert_int_equal(sp_store_prepare(s, "SELECT mac FROM audit_log WHERE seq = 8", &st, &err), SP_OK);
	assert_int_equal(sp_stmt_step(st, &err), 1);
	memcpy(cp.mac, sp_stmt_blob(st, 0, &(size_t){0}), 32);
	sp_stmt_done(st);
	sp_audit_cp_sign(&cp, sk);
	assert_int_equal(sp_audit_cp_append(cpdir, &cp, &err), SP_OK);
	struct sp_audit_report rep = verify(s);
	expect_first(&rep, SP_AUDIT_P_BAD_SIGNATURE, 8);
	assert_int_equal(rep.found[0].line, 2);
	assert_int_equal(rep.rolled_back, 0); /* a forged restore excuses nothing */

	/* And a line that is not a checkpoint at all. */
	char path[256];
	snprintf(path, sizeof path, "%s/%s", cpdir, SP_AUDIT_CHECKPOINT_FILE);
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fputs("v1 checkpoint ten\n", f);
	fclose(f);
	rep = verify(s);
	assert_int_equal(rep.nfound, 2);
	assert_int_equal(rep.found[1].kind, SP_AUDIT_P_BAD_CHECKPOINT_LINE);
	assert_int_equal(rep.found[1].line, 3);
	sp_store_close(s);
}

/* An attacker who holds the chain key can rewrite a record and recompute every MAC after it
 * and the head: the chain is consistent again, but the signed checkpoint is not fooled. */
static void detects_rewritten_chain(void **state)
{
	(void)state;
	struct sp_store *s = trail_of_10();
	struct sp_err err = {0};
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	exec(s, "UPDATE audit_log SET fields = 'names' WHERE seq = 4");
	unsigned char prev[32];
	for (int64_t seq = 4; seq <= 10; seq++) {
		struct sp_stmt *st;
		assert_int_equal(sp_store_prepare(s, "SELECT " SP_AUDIT_COLUMNS " FROM audit_log "
						  "WHERE seq = ?", &st, &err), SP_OK);
		assert_int_equal(sp_stmt_bind_int64(st, 1, seq), SP_OK);
		assert_int_equal(sp_stmt_step(st, &err), 1);
		struct sp_audit_rec r;
		assert_int_equal(sp_audit_row_read(st, &r), SP_OK);
		if (seq == 4) {
			struct sp_stmt *p;
			assert_int_equal(sp_store_prepare(s, "SELECT mac FROM audit_log WHERE seq = 3", &p, &err), SP_OK);
			assert_int_equal(sp_stmt_step(p, &err), 1);
			memcpy(prev, sp_stmt_blob(p, 0, &(size_t){0}), 32);
			sp_stmt_done(p);
		}
		unsigned char mac[32];
		assert_int_equal(sp_audit_mac(keys->chain_key, prev, &r, mac, &err), SP_OK);
		sp_stmt_done(st);
		memcpy(prev, mac, 32);
		assert_int_equal(sp_store_prepare(s, "UPDATE audit_log SET mac = ? WHERE seq = ?", &st, &err), SP_OK);
		assert_int_equal(sp_stmt_bind_blob(st, 1, mac, 32), SP_OK);
		assert_int_equal(sp_stmt_bind_int64(st, 2, seq), SP_OK);
		assert_int_equal(sp_stmt_step(st, &err), 0);
		sp_stmt_done(st);
	}
	struct sp_stmt *st;
	assert_int_equal(sp_store_prepare(s, "UPDATE audit_head SET mac = ?", &st, &err), SP_OK);
	assert_int_equal(sp_stmt_bind_blob(st, 1, prev, 32), SP_OK);
	assert_int_equal(sp_stmt_step(st, &err), 0);
	sp_stmt_done(st);
	assert_int_equal(sp_store_commit(s, &err), SP_OK);

	struct sp_audit_report rep = verify(s);
	expect_first(&rep, SP_AUDIT_P_CHECKPOINT_MISMATCH, 10);
	assert_int_equal(rep.nfound, 1);
	sp_store_close(s);
}

/* A checkpoint never vouches for a head that disagrees with the records. */
static void checkpoint_refuses_moved_head(void **state)
{
	(void)state;
	struct sp_store *s = trail_of_10();
	exec(s, "DELETE FROM audit_log WHERE seq = 10");
	struct sp_err err = {0};
	assert_int_equal(sp_audit_checkpoint(s, keys, cpdir, &err), SP_ECONFLICT);
	exec(s, "UPDATE audit_head SET seq = 9");
	assert_int_equal(sp_audit_checkpoint(s, keys, cpdir, &err), SP_ECONFLICT);
	sp_store_close(s);
}

/* `safepath restore` puts back an older copy of the database and writes a restore
 * checkpoint: the checkpoints past it are reported as rolled back, not as tampering. */
static void restore_checkpoint_excuses_rolled_back_tail(void **state)
{
	(void)state;
	TEST_SQLITE_ONLY("the copy is made with SQLite's online backup API");
	struct sp_store *s = open_db(url);
	append_n(s, 6);
	checkpoint(s);
	char backup[128];
	snprintf(backup, sizeof backup, "%s/backup.db", dir);
	struct sp_err err = {0};
	assert_int_equal(sp_store_backup_to(s, backup, &err), SP_OK);
	append_n(s, 4);
	checkpoint(s); /* at 10: lost with the restore */
	sp_store_close(s);

	char burl[160];
	snprintf(burl, sizeof burl, "sqlite:%s", backup);
	s = open_db(burl);
	struct sp_audit_report rep = verify(s);
	expect_first(&rep, SP_AUDIT_P_TRUNCATED, 7); /* before the restore checkpoint: tampering */

	assert_int_equal(sp_audit_checkpoint_restore(s, keys, cpdir, &err), SP_OK);
	rep = verify(s);
	assert_true(rep.ok);
	assert_int_equal(rep.rolled_back, 1);
	assert_int_equal(rep.rolled_back_from, 7); /* the records 7..10 the restore took back */
	assert_int_equal(rep.rolled_back_to, 10);
	assert_int_equal(rep.restores, 1);
	assert_int_equal(rep.checkpoints, 1);

	/* The trail goes on from 6: new records 7..9 reuse the rolled-back seqs. */
	append_n(s, 3);
	checkpoint(s);
	rep = verify(s);
	assert_true(rep.ok);
	assert_int_equal(rep.last_seq, 9);
	assert_int_equal(rep.last_checkpoint_seq, 9);

	/* A later cut is tampering again: the restore excuses only what was before it. */
	exec(s, "DELETE FROM audit_log WHERE seq = 9");
	exec(s, "UPDATE audit_head SET seq = 8, mac = (SELECT mac FROM audit_log WHERE seq = 8)");
	rep = verify(s);
	expect_first(&rep, SP_AUDIT_P_TRUNCATED, 9);
	sp_store_close(s);
}

struct page {
	int n;
	int64_t seq[16];
};

static int take(void *ctx, const struct sp_audit_rec *rec)
{
	struct page *p = ctx;
	if (p->n < 16)
		p->seq[p->n++] = rec->seq;
	return 0;
}

static void dpo_listing_filters_and_pages(void **state)
{
	(void)state;
	struct sp_store *s = open_db(url);
	append_n(s, 10); /* actor 1 + i%3, object 100 + i%2, ts base + i */
	struct sp_err err = {0};
	struct sp_id actor2 = {{0}}, obj101 = {{0}};
	actor2.b[15] = 2;
	obj101.b[15] = 101;

	struct page p = {0};
	int64_t next = -1;
	struct sp_audit_query q = {.actor = &actor2, .limit = 2};
	assert_int_equal(sp_audit_list(s, &q, take, &p, &next, &err), SP_OK);
	assert_int_equal(p.n, 2); /* actor 2: i = 1, 4, 7 -> seq 2, 5, 8 */
	assert_int_equal(p.seq[0], 2);
	assert_int_equal(p.seq[1], 5);
	assert_int_equal(next, 5);
	q.after_seq = next;
	assert_int_equal(sp_audit_list(s, &q, take, &p, &next, &err), SP_OK);
	assert_int_equal(p.n, 3);
	assert_int_equal(p.seq[2], 8);
	assert_int_equal(next, 0);

	memset(&p, 0, sizeof p);
	struct sp_audit_query q2 = {.object_type = "case", .object_id = &obj101,
				    .from_us = 1764331200000000 + 2, .to_us = 1764331200000000 + 8,
				    .limit = 10};
	assert_int_equal(sp_audit_list(s, &q2, take, &p, &next, &err), SP_OK);
	assert_int_equal(p.n, 3); /* i odd in [2, 8): 3, 5, 7 -> seq 4, 6, 8 */
	assert_int_equal(p.seq[0], 4);
	assert_int_equal(p.seq[2], 8);
	assert_int_equal(next, 0);

	/* A list page is one record naming every row shown: found by any of them. */
	struct sp_id rows[3] = {{{0}}};
	for (int i = 0; i < 3; i++)
		rows[i].b[0] = (unsigned char)(0xa0 + i);
	struct sp_audit_rec page = {.action = "case.list", .object_type = "case",
				    .objects = rows, .nobjects = 3, .fields = "names,status",
				    .ts_us = 1764331300000000};
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	assert_int_equal(sp_audit_append(s, keys, &page, NULL, &err), SP_OK);
	assert_int_equal(sp_store_commit(s, &err), SP_OK);
	memset(&p, 0, sizeof p);
	struct sp_audit_query q3 = {.object_id = &rows[1], .limit = 10};
	assert_int_equal(sp_audit_list(s, &q3, take, &p, &next, &err), SP_OK);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.seq[0], 11);
	memset(&p, 0, sizeof p);
	q2.from_us = 0;
	q2.to_us = 0;
	assert_int_equal(sp_audit_list(s, &q2, take, &p, &next, &err), SP_OK);
	assert_int_equal(p.n, 5); /* object 101 as the record's own object: seq 2, 4, 6, 8, 10 */
	assert_true(verify(s).ok);
	exec(s, "UPDATE audit_log SET objects = substr(objects, 1, 32) WHERE seq = 11");
	struct sp_audit_report rep = verify(s);
	expect_first(&rep, SP_AUDIT_P_EDITED, 11); /* dropping a row from a page shows */

	struct sp_audit_query bad = {.limit = 0};
	assert_int_equal(sp_audit_list(s, &bad, take, &p, &next, &err), SP_EINVAL);
	assert_string_equal(err.field, "limit");
	bad.limit = 5;
	bad.object_type = "case'--";
	assert_int_equal(sp_audit_list(s, &bad, take, &p, &next, &err), SP_EINVAL);
	sp_store_close(s);
}

struct tally {
	int n;
	int64_t first, last;
	int in_order;
};

static int count_rec(void *ctx, const struct sp_audit_rec *rec)
{
	struct tally *t = ctx;
	if (t->n == 0) {
		t->first = rec->seq;
		t->in_order = 1;
	} else if (rec->seq <= t->last) {
		t->in_order = 0;
	}
	t->last = rec->seq;
	t->n++;
	return 0;
}

/* The object index is coarse (object, span of 1024 seqs, actor) and the records decide: 1,030
 * records of one actor naming the same two cases make 4 index rows, and the look-up by a case
 * returns exactly the records naming it, across the span boundary, page by page. */
static void object_index_is_coarse_and_exact(void **state)
{
	(void)state;
	struct sp_store *s = open_db(url);
	struct sp_err err = {0};
	enum { N = 1030 };
	struct sp_id shown[2] = {{{0}}}, other = {{0}}, actor1 = {{0}}, actor2 = {{0}};
	shown[0].b[0] = 0xa1;
	shown[1].b[0] = 0xa2;
	other.b[0] = 0xb1;
	actor1.b[15] = 1;
	actor2.b[15] = 2;
	struct sp_audit_rec *recs = calloc(N + 2, sizeof *recs);
	assert_non_null(recs);
	for (int i = 0; i < N; i++)
		recs[i] = (struct sp_audit_rec){.action = "case.list", .object_type = "case",
						.actor = actor1, .objects = shown, .nobjects = 2,
						.fields = "stat"};
	/* in span 1 too: actor 1 naming nothing, actor 2 naming another case */
	recs[N] = (struct sp_audit_rec){.action = "user.login", .actor = actor1};
	recs[N + 1] = (struct sp_audit_rec){.action = "case.read", .object_type = "case",
					    .actor = actor2, .object_id = other, .fields = "stat"};
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	assert_int_equal(sp_audit_append_batch(s, keys, recs, N + 2, NULL, &err), SP_OK);
	assert_int_equal(sp_store_commit(s, &err), SP_OK);
	free(recs);
	/* seq 1-1030 name the two cases: spans 0 (seq 1-1023) and 1 (1024-1030); seq 1032 the other */
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM audit_object"), 2 * 2 + 1);

	struct tally pages[4] = {{0}};
	int npages = 0;
	int64_t next = 0;
	do {
		struct sp_audit_query q = {.object_id = &shown[1], .after_seq = next, .limit = 500};
		assert_int_equal(sp_audit_list(s, &q, count_rec, &pages[npages++], &next, &err), SP_OK);
	} while (next && npages < 4);
	assert_int_equal(npages, 3);
	assert_int_equal(pages[0].n, 500);
	assert_int_equal(pages[0].first, 1);
	assert_int_equal(pages[1].n, 500);
	assert_int_equal(pages[1].first, 501);
	assert_int_equal(pages[2].n, 30);
	assert_int_equal(pages[2].first, 1001);
	assert_int_equal(pages[2].last, 1030); /* not 1031: actor 1's record naming nothing */
	assert_true(pages[0].in_order && pages[1].in_order && pages[2].in_order);

	struct tally t = {0};
	struct sp_audit_query q = {.object_id = &other, .limit = 10};
	assert_int_equal(sp_audit_list(s, &q, count_rec, &t, &next, &err), SP_OK);
	assert_int_equal(t.n, 1);
	assert_int_equal(t.first, 1032);
	assert_true(verify(s).ok);
	sp_store_close(s);
}

/* The audit writer's cache of committed index rows: a page re-read in the same span costs no
 * index statement, and a rolled-back append is forgotten so its rows are written again. */
static void index_cache_skips_committed_rows_and_forgets_rollbacks(void **state)
{
	(void)state;
	struct sp_store *s = open_db(url);
	struct sp_err err = {0};
	struct sp_id rows[3] = {{{0}}};
	for (int i = 0; i < 3; i++)
		rows[i].b[0] = (unsigned char)(0xc0 + i);
	struct sp_audit_rec page = {.action = "case.list", .object_type = "case", .objects = rows,
				    .nobjects = 3, .fields = "stat"};
	page.actor.b[15] = 7;
	struct sp_audit_seen *seen = sp_audit_seen_new();
	assert_non_null(seen);
	long calls[2];
	for (int round = 0; round < 2; round++) {
		sp_store_fail_at(s, 0); /* counts the calls from here */
		assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
		assert_int_equal(sp_audit_append_seen(s, keys, &page, 1, seen, NULL, &err), SP_OK);
		assert_int_equal(sp_store_commit(s, &err), SP_OK);
		calls[round] = sp_store_calls(s);
	}
	/* the second page: 3 index inserts (prepare, binds, step each) fewer */
	assert_true(calls[1] < calls[0]);
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM audit_object"), 3);

	/* a new span (seq 1024 on) after a rolled-back append: forgotten, so written */
	exec(s, "UPDATE audit_head SET seq = 1023, mac = (SELECT mac FROM audit_log WHERE seq = 2) "
		"WHERE id = 1");
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	assert_int_equal(sp_audit_append_seen(s, keys, &page, 1, seen, NULL, &err), SP_OK);
	sp_store_rollback(s);
	sp_audit_seen_forget(seen);
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	assert_int_equal(sp_audit_append_seen(s, keys, &page, 1, seen, NULL, &err), SP_OK);
	assert_int_equal(sp_store_commit(s, &err), SP_OK);
	assert_int_equal(test_scalar(s, "SELECT COUNT(*) FROM audit_object WHERE span = 1"), 3);
	sp_audit_seen_free(seen);
	sp_store_close(s);
}

/* Fail every store call of "begin, append a batch, commit" in turn: each failure rolls back
 * whole, and the trail verifies with either all or none of the batch. */
static void faults_leave_nothing_half_written(void **state)
{
	(void)state;
	struct sp_store *s = open_db(url);
	append_n(s, 2);
	struct sp_audit_rec batch[3];
	for (int i = 0; i < 3; i++)
		sample(&batch[i], i);
	long calls = 0;
	for (long n = 1;; n++) {
		struct sp_err err = {0};
		int64_t before = test_scalar(s, "SELECT COUNT(*) FROM audit_log");
		sp_store_fail_at(s, n);
		int rc = sp_store_begin_write(s, &err);
		if (rc == 0)
			rc = sp_audit_append_batch(s, keys, batch, 3, NULL, &err);
		if (rc == 0)
			rc = sp_store_commit(s, &err);
		calls = sp_store_calls(s);
		sp_store_fail_at(s, 0);
		if (rc)
			sp_store_rollback(s);
		int64_t after = test_scalar(s, "SELECT COUNT(*) FROM audit_log");
		assert_true(after == before || (rc == 0 && after == before + 3));
		assert_true(verify(s).ok);
		if (rc == 0 && n > calls)
			break; /* walked past the last call */
		assert_int_not_equal(rc, 0);
	}
	assert_true(calls >= 6);
	sp_store_close(s);
}

/* Several connections append at once: the head row serialises them, the chain never forks. */
static void *appender(void *arg)
{
	(void)arg;
	struct sp_store_options opt = {.busy_timeout_ms = 10000};
	struct sp_store *s = NULL;
	struct sp_err err = {0};
	if (sp_store_open(url, &opt, &s, &err))
		return (void *)1;
	for (int i = 0; i < 25; i++) {
		struct sp_audit_rec r;
		sample(&r, i);
		if (sp_store_begin_write(s, &err) || sp_audit_append(s, keys, &r, NULL, &err) ||
		    sp_store_commit(s, &err)) {
			sp_store_close(s);
			return (void *)1;
		}
	}
	sp_store_close(s);
	return NULL;
}

static void concurrent_appenders_never_fork(void **state)
{
	(void)state;
	struct sp_store *s = open_db(url);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, appender, NULL), 0);
	for (int i = 0; i < 4; i++) {
		void *rv;
		assert_int_equal(pthread_join(t[i], &rv), 0);
		assert_null(rv);
	}
	struct sp_audit_report rep = verify(s);
	assert_true(rep.ok);
	assert_int_equal(rep.records, 100);
	assert_int_equal(rep.head_seq, 100);
	sp_store_close(s);
}

static long count_lines(void)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", cpdir, SP_AUDIT_CHECKPOINT_FILE);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	long n = 0;
	int c;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

/* A checkpoint signs committed records only, and a failing store call writes no line. */
static void checkpoint_faults_write_nothing(void **state)
{
	(void)state;
	struct sp_store *s = open_db(url);
	append_n(s, 3);
	struct sp_err err = {0};
	assert_int_equal(sp_store_begin_write(s, &err), SP_OK);
	assert_int_equal(sp_audit_checkpoint(s, keys, cpdir, &err), SP_EINVAL);
	sp_store_rollback(s);
	for (long n = 1;; n++) {
		long before = count_lines();
		sp_store_fail_at(s, n);
		int rc = sp_audit_checkpoint(s, keys, cpdir, &err);
		long calls = sp_store_calls(s);
		sp_store_fail_at(s, 0);
		if (rc == SP_OK) {
			assert_int_equal(count_lines(), before + 1);
			assert_true(n > calls);
			break;
		}
		assert_int_equal(rc, SP_EFAULT);
		assert_int_equal(count_lines(), before);
	}
	assert_true(verify(s).ok);
	sp_store_close(s);
}

/* Rows past the head (inserted behind append's back) and a head pointing at another MAC. */
static void detects_head_disagreeing(void **state)
{
	(void)state;
	struct sp_store *s = trail_of_10();
	exec(s, "INSERT INTO audit_log (" SP_AUDIT_COLUMNS ") SELECT 11, ts_us, actor, agency, "
		"roles, action, object_type, object_id, fields, reason, flags, request_id, mac, "
		"objects FROM audit_log WHERE seq = 10");
	struct sp_audit_report rep = verify(s);
	expect_first(&rep, SP_AUDIT_P_REORDERED, 11); /* record 10's MAC, at 11 */
	assert_int_equal(rep.nfound, 2);
	assert_int_equal(rep.found[1].kind, SP_AUDIT_P_HEAD_MISMATCH);
	assert_int_equal(rep.found[1].seq, 11);
	exec(s, "DELETE FROM audit_log WHERE seq = 11");
	exec(s, "UPDATE audit_head SET mac = (SELECT mac FROM audit_log WHERE seq = 9)");
	rep = verify(s);
	expect_first(&rep, SP_AUDIT_P_HEAD_MISMATCH, 10);
	assert_int_equal(rep.nfound, 1);
	sp_store_close(s);
}

/* A crash while writing a checkpoint leaves a partial last line: noted, not a problem. */
static void torn_checkpoint_line_is_noted_not_failed(void **state)
{
	(void)state;
	struct sp_store *s = trail_of_10();
	char path[256];
	snprintf(path, sizeof path, "%s/%s", cpdir, SP_AUDIT_CHECKPOINT_FILE);
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fputs("v1 checkpoint 10 17643", f);
	fclose(f);
	struct sp_audit_report rep = verify(s);
	assert_true(rep.ok);
	assert_int_equal(rep.torn_last_line, 1);
	checkpoint(s); /* cuts the partial line off first */
	rep = verify(s);
	assert_true(rep.ok);
	assert_int_equal(rep.torn_last_line, 0);
	assert_int_equal(rep.checkpoints, 2);
	sp_store_close(s);
}

/* Verify that cannot read says so; it never reports a trail it did not finish as intact
 * or as tampered with. */
static void verify_faults_are_errors_not_findings(void **state)
{
	(void)state;
	struct sp_store *s = trail_of_10();
	exec(s, "UPDATE audit_log SET action = 'case.close' WHERE seq = 5"); /* reach classify too */
	for (long n = 1;; n++) {
		struct sp_audit_report rep;
		struct sp_err err = {0};
		sp_store_fail_at(s, n);
		int rc = sp_audit_verify(s, keys, cpdir, &rep, &err);
		long calls = sp_store_calls(s);
		sp_store_fail_at(s, 0);
		assert_false(sp_store_in_transaction(s));
		if (rc == SP_OK) {
			assert_true(n > calls);
			expect_first(&rep, SP_AUDIT_P_EDITED, 5);
			break;
		}
		assert_int_equal(rc, SP_EFAULT);
		assert_false(rep.ok);
	}
	sp_store_close(s);
}

struct submitter {
	struct sp_audit_writer *w;
	int n;
	int64_t seq[25];
	int rc;
};

static void *submit_some(void *arg)
{
	struct submitter *t = arg;
	for (int i = 0; i < t->n && t->rc == 0; i++) {
		struct sp_audit_rec r;
		sample(&r, i);
		r.action = "case.read";
		struct sp_err err = {0};
		t->rc = sp_audit_writer_submit(t->w, &r, &t->seq[i], &err);
	}
	return NULL;
}

/* While the database is busy, reads queue up; once it is free they go in one batch. */
static void writer_groups_reads_into_one_transaction(void **state)
{
	(void)state;
	struct sp_store *ws = open_db(url), *blocker = open_db(url);
	struct sp_err err = {0};
	struct sp_audit_writer *w;
	assert_int_equal(sp_audit_writer_start(ws, keys, NULL, &w, &err), SP_OK);
	/* hold the write lock: SQLite's from the begin, PostgreSQL's the audit head row's */
	assert_int_equal(sp_store_begin_write(blocker, &err), SP_OK);
	int64_t head;
	unsigned char mac[SP_AUDIT_MAC_LEN];
	assert_int_equal(sp_audit_head_read(blocker, 1, &head, mac, &err), SP_OK);

	struct submitter t[8];
	pthread_t th[8];
	for (int i = 0; i < 8; i++) {
		t[i] = (struct submitter){.w = w, .n = 1};
		assert_int_equal(pthread_create(&th[i], NULL, submit_some, &t[i]), 0);
	}
	struct sp_audit_writer_stats st;
	for (int spin = 0; spin < 5000; spin++) {
		sp_audit_writer_stats(w, &st);
		if (st.pending == 8)
			break;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	assert_int_equal(st.pending, 8);
	assert_int_equal(st.batches, 0); /* nobody answered while the database is busy */
	sp_store_rollback(blocker);
	int seen[9] = {0};
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(t[i].rc, SP_OK);
		assert_true(t[i].seq[0] >= 1 && t[i].seq[0] <= 8);
		seen[t[i].seq[0]]++;
	}
	for (int i = 1; i <= 8; i++)
		assert_int_equal(seen[i], 1);
	sp_audit_writer_stats(w, &st);
	assert_int_equal(st.records, 8);
	assert_true(st.batches <= 2); /* the one taken before the lock was seen, then the rest */
	assert_int_equal(st.pending, 0);
	sp_audit_writer_stop(w);
	assert_true(verify(ws).ok);
	sp_store_close(blocker);
	sp_store_close(ws);
}

/* A writer of at most max_batch records a transaction on a store of its own (*ws). */
static struct sp_audit_writer *writer_of(int max_batch, struct sp_store **ws)
{
	struct sp_err err = {0};
	struct sp_audit_writer *w;
	struct sp_audit_writer_options opt = {.max_batch = max_batch};
	*ws = open_db(url);
	assert_int_equal(sp_audit_writer_start(*ws, keys, &opt, &w, &err), SP_OK);
	return w;
}

static void writer_under_load_keeps_the_chain(void **state)
{
	(void)state;
	struct sp_store *ws;
	struct sp_audit_writer *w = writer_of(16, &ws);
	struct submitter t[8];
	pthread_t th[8];
	for (int i = 0; i < 8; i++) {
		t[i] = (struct submitter){.w = w, .n = 25};
		assert_int_equal(pthread_create(&th[i], NULL, submit_some, &t[i]), 0);
	}
	for (int i = 0; i < 8; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(t[i].rc, SP_OK);
		for (int j = 1; j < 25; j++)
			assert_true(t[i].seq[j] > t[i].seq[j - 1]); /* each thread's own order holds */
	}
	struct sp_audit_writer_stats st;
	sp_audit_writer_stats(w, &st);
	assert_int_equal(st.records, 200);
	assert_int_equal(st.failed, 0);
	sp_audit_writer_stop(w);
	struct sp_audit_report rep = verify(ws);
	assert_true(rep.ok);
	assert_int_equal(rep.records, 200);
	sp_store_close(ws);
}

/* A failed transaction fails every record of its batch, and the writer goes on. A bad record
 * is refused before it can spoil a batch. */
static void writer_reports_failures(void **state)
{
	(void)state;
	struct sp_store *ws = open_db(url);
	struct sp_err err = {0};
	sp_store_fail_at(ws, 1); /* the first batch's begin */
	struct sp_audit_writer *w;
	assert_int_equal(sp_audit_writer_start(ws, keys, NULL, &w, &err), SP_OK);
	struct sp_audit_rec r;
	sample(&r, 0);
	int64_t seq = -1;
	assert_int_equal(sp_audit_writer_submit(w, &r, &seq, &err), SP_EFAULT);
	assert_int_equal(sp_audit_writer_submit(w, &r, &seq, &err), SP_OK);
	assert_int_equal(seq, 1);
	r.fields = "names,Jean Dupont";
	assert_int_equal(sp_audit_writer_submit(w, &r, &seq, &err), SP_EINVAL);
	assert_string_equal(err.field, "fields");
	struct sp_audit_writer_stats st;
	sp_audit_writer_stats(w, &st);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.records, 1);
	sp_audit_writer_stop(w);
	struct sp_audit_report rep = verify(ws);
	assert_true(rep.ok);
	assert_int_equal(rep.records, 1);
	sp_store_close(ws);
}

/* An operation's records submitted together commit in one batch, in order, with one wait:
 * consecutive seqs from the one returned. More than a batch holds, or a bad one among them,
 * is refused and none is written. */
static void writer_commits_a_submission_together(void **state)
{
	(void)state;
	struct sp_store *ws;
	struct sp_audit_writer *w = writer_of(2, &ws);
	struct sp_err err = {0};
	struct sp_audit_rec r[3];
	for (int i = 0; i < 3; i++)
		sample(&r[i], i);
	int64_t seq = -1;
	assert_int_equal(sp_audit_writer_submit(w, &r[0], &seq, &err), SP_OK);
	assert_int_equal(seq, 1);
	assert_int_equal(sp_audit_writer_submit_many(w, &r[1], 2, &seq, &err), SP_OK);
	assert_int_equal(seq, 2);
	assert_int_equal(sp_audit_writer_submit_many(w, r, 3, &seq, &err), SP_EINVAL);
	r[2].fields = "names,Jean Dupont";
	assert_int_equal(sp_audit_writer_submit_many(w, &r[1], 2, &seq, &err), SP_EINVAL);
	assert_string_equal(err.field, "fields");
	struct sp_audit_writer_stats st;
	sp_audit_writer_stats(w, &st);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.batches, 2); /* the one record, then the two together */
	sp_audit_writer_stop(w);
	struct sp_audit_report rep = verify(ws);
	assert_true(rep.ok);
	assert_int_equal(rep.records, 3);
	assert_int_equal(test_scalar(ws, "SELECT COUNT(*) FROM audit_log WHERE (seq = 2 AND "
					 "action = 'case.update') OR (seq = 3 AND action = 'user.login')"),
			 2);
	sp_store_close(ws);
}

int main(void)
{
	if (sp_init() != SP_OK)
		return 1;
	keys = sodium_malloc(sizeof *keys);
	if (!keys)
		return 1;
	randombytes_buf(keys->chain_key, sizeof keys->chain_key);
	crypto_sign_keypair(keys->sign_pk, keys->sign_sk);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(clean_trail_verifies, setup, teardown),
		cmocka_unit_test_setup_teardown(append_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(detects_edited_record, setup, teardown),
		cmocka_unit_test_setup_teardown(detects_deleted_record, setup, teardown),
		cmocka_unit_test_setup_teardown(detects_reordered_records, setup, teardown),
		cmocka_unit_test_setup_teardown(detects_truncated_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(detects_truncated_tail_by_head, setup, teardown),
		cmocka_unit_test_setup_teardown(detects_forged_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(detects_rewritten_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(detects_head_disagreeing, setup, teardown),
		cmocka_unit_test_setup_teardown(torn_checkpoint_line_is_noted_not_failed, setup, teardown),
		cmocka_unit_test_setup_teardown(checkpoint_refuses_moved_head, setup, teardown),
		cmocka_unit_test_setup_teardown(restore_checkpoint_excuses_rolled_back_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(dpo_listing_filters_and_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(faults_leave_nothing_half_written, setup, teardown),
		cmocka_unit_test_setup_teardown(concurrent_appenders_never_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(checkpoint_faults_write_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(verify_faults_are_errors_not_findings, setup, teardown),
		cmocka_unit_test_setup_teardown(writer_groups_reads_into_one_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(writer_under_load_keeps_the_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(writer_reports_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(writer_commits_a_submission_together, setup, teardown),
		cmocka_unit_test_setup_teardown(object_index_is_coarse_and_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(index_cache_skips_committed_rows_and_forgets_rollbacks,
						setup, teardown),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	sodium_free(keys);
	return rc;
}
