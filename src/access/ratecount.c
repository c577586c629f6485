/* Rate-limit counters in the database (the rate_counters table; owner: this file): one leaky
 * bucket per key, filled in batches by every server on one database and draining at the key's
 * rate, so that their in-memory token buckets (src/http/ratelimit.c) agree on each key's use. */
#include <stdbool.h>
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

/* The stored level of c's key drained to now_us (0 when there is none), plus c->add; with
 * lock, its row locked for the rest of the write transaction where the driver needs it;
 * *found (when not NULL) says whether there was a row. */
static int level_now(struct sp_store *s, struct sp_rate_count *c, int64_t now_us, bool lock,
		     bool *found, struct sp_err *err)
{
	int locks = lock && (sp_store_driver_of(s)->caps & SP_STORE_CAP_ROW_LOCKS) != 0;
	struct sp_stmt *st;
	int rc = sp_store_prepare(s,
				  locks ? "SELECT level_m, updated_us FROM rate_counters WHERE key = ? "
					  "FOR UPDATE"
					: "SELECT level_m, updated_us FROM rate_counters WHERE key = ?",
				  &st, err);
	if (rc)
		return rc;
	rc = sp_stmt_bind_blob(st, 1, c->key, SP_RATE_KEY_LEN)
		     ? sp_err_set(err, SP_EINTERNAL, "", "bind failed")
		     : sp_stmt_step(st, err);
	int64_t level = 0;
	bool level_found = rc == 1;
	if (rc == 1) {
		level = sp_stmt_int64(st, 0);
		int64_t since = now_us - sp_stmt_int64(st, 1); /* another server's clock may lag */
		if (since > 0 && since < IDLE_US)
			level -= since * c->per_s / 1000; /* per_s requests a second, in thousandths */
		else if (since >= IDLE_US)
			level = 0;
		if (level < 0)
			level = 0;
		rc = SP_OK;
	}
	sp_stmt_done(st);
	c->level_m = level + c->add * 1000;
	if (found)
		*found = rc == SP_OK && level_found;
	return rc;
}

int sp_ratecount_level(struct sp_store *s, const unsigned char key[SP_RATE_KEY_LEN],
		       int64_t per_s, int64_t now_us, int64_t *level_m, struct sp_err *err)
{
	struct sp_rate_count c = {.per_s = per_s};
	memcpy(c.key, key, SP_RATE_KEY_LEN);
	*level_m = 0;
	if (per_s < 1)
		return sp_err_set(err, SP_EINVAL, "per_s", "must be positive");
	int rc = level_now(s, &c, now_us, false, NULL, err);
	if (!rc)
		*level_m = c.level_m;
	return rc;
}

/* Run sql, bound (level, time, key), in a write; *changed: the rows it changed. */
static int write_level(struct sp_store *s, const char *sql, const struct sp_rate_count *c,
		       int64_t now_us, int64_t *changed, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(s, sql, &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_int64(st, 1, c->level_m) || sp_stmt_bind_int64(st, 2, now_us) ||
	    sp_stmt_bind_blob(st, 3, c->key, SP_RATE_KEY_LEN))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	*changed = sp_stmt_changes(st);
	sp_stmt_done(st);
	return rc > 0 ? sp_err_set(err, SP_EINTERNAL, "", "statement returned a row") : rc;
}

/* Add c's charge to its key's row, locked by level_now when found. A key no row held yet may
 * be inserted by another server at the same moment (no row to lock): the insert then does
 * nothing, and the row the other one committed is read again, locked, and charged. */
static int store_level(struct sp_store *s, struct sp_rate_count *c, bool found, int64_t now_us,
		       struct sp_err *err)
{
	int64_t changed = 0;
	int rc = SP_OK;
	if (!found) {
		rc = write_level(s,
				 "INSERT INTO rate_counters (level_m, updated_us, key) VALUES (?, ?, ?) "
				 "ON CONFLICT (key) DO NOTHING",
				 c, now_us, &changed, err);
		if (rc || changed)
			return rc;
		if ((rc = level_now(s, c, now_us, true, &found, err)))
			return rc;
		if (!found)
			return sp_err_set(err, SP_EBUSY, "", "rate counter row gone; retry");
	}
	return write_level(s, "UPDATE rate_counters SET level_m = ?, updated_us = ? WHERE key = ?", c,
			   now_us, &changed, err);
}

int sp_ratecount_add(struct sp_store *s, struct sp_rate_count *c, size_t n, int64_t now_us,
		     bool prune, struct sp_err *err)
{
	for (size_t i = 0; i < n; i++)
		if (c[i].add < 0 || c[i].per_s < 1)
			return sp_err_set(err, SP_EINVAL, c[i].add < 0 ? "add" : "per_s",
					  "must be positive");
	/* One order for every server, so two batches never wait on each other's rows. */
	qsort(c, n, sizeof *c, by_key);
	int rc = sp_store_begin_write(s, err);
	for (size_t i = 0; !rc && i < n; i++) {
		bool found;
		rc = level_now(s, &c[i], now_us, true, &found, err);
		if (!rc && c[i].add)
			rc = store_level(s, &c[i], found, now_us, err);
	}
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
