/* Rate-limit counters in the database (the rate_counters table; owner: this file): a running
 * total of requests per key, added to in batches by every server on one database, so that
 * their in-memory token buckets (src/http/ratelimit.c) can charge each other's use. */
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "safepath/store.h"

#define IDLE_US (3600LL * 1000000) /* a key unused this long is removed */

static int by_key(const void *a, const void *b)
{
	return memcmp(((const struct sp_rate_count *)a)->key, ((const struct sp_rate_count *)b)->key,
		      SP_RATE_KEY_LEN);
}

static int add_one(struct sp_store *s, struct sp_rate_count *c, int64_t now_us,
		   struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(s,
				  "INSERT INTO rate_counters (key, hits, updated_us) VALUES (?, ?, ?) "
				  "ON CONFLICT (key) DO UPDATE SET hits = rate_counters.hits + "
				  "excluded.hits, updated_us = excluded.updated_us RETURNING hits",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_blob(st, 1, c->key, SP_RATE_KEY_LEN) || sp_stmt_bind_int64(st, 2, c->add) ||
	    sp_stmt_bind_int64(st, 3, now_us))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 1) {
		c->total = sp_stmt_int64(st, 0);
		rc = SP_OK;
	} else if (rc == 0) {
		rc = sp_err_set(err, SP_EINTERNAL, "", "the counter returned no total");
	}
	sp_stmt_done(st);
	return rc;
}

int sp_ratecount_add(struct sp_store *s, struct sp_rate_count *c, size_t n, int64_t now_us,
		     bool prune, struct sp_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].add < 0)
			return sp_err_set(err, SP_EINVAL, "add", "must not be negative");
	/* One order for every server, so two batches never wait on each other's rows. */
	qsort(c, n, sizeof *c, by_key);
	int rc = sp_store_begin_write(s, err);
	for (size_t i = 0; !rc && i < n; i++)
		rc = add_one(s, &c[i], now_us, err);
	if (!rc && prune) {
		struct sp_stmt *st;
		rc = sp_store_prepare(s, "DELETE FROM rate_counters WHERE updated_us < ?", &st, err);
		if (!rc) {
			rc = sp_stmt_bind_int64(st, 1, now_us - IDLE_US)
				     ? sp_err_set(err, SP_EINTERNAL, "", "bind failed")
				     : sp_stmt_step(st, err);
			sp_stmt_done(st);
			if (rc > 0)
				rc = SP_OK;
		}
	}
	if (!rc)
		rc = sp_store_commit(s, err);
	if (rc)
		sp_store_rollback(s);
	return rc;
}
