/* Failed-login throttling (the login_throttle table): counters per user name and per client
 * address, read before any password is hashed, bumped after a failure, cleared by a success.
 * They live in the database so that several servers on it share them; only failures (rare)
 * and the first success after failures write. */
#include <limits.h>
#include <string.h>

#include <sodium.h>

#include "access/access.h"

static const char tag_user[] = "safepath-login-user";
static const char tag_addr[] = "safepath-login-addr";

#define FAILURES_MAX 1000000
#define WINDOW_MAX_S (30LL * 24 * 3600)

static int setting(const struct sp_config *cfg, const char *name, long long lo, long long hi,
		   long long *out, struct sp_err *err)
{
	*out = sp_config_get_int(cfg, name);
	if (*out < lo || *out > hi)
		return sp_err_set(err, SP_EINVAL, name, "must be %lld to %lld", lo, hi);
	return SP_OK;
}

int sp_throttle_limits_from_config(const struct sp_config *cfg, struct sp_throttle_limits *out,
				   struct sp_err *err)
{
	long long user, addr, window;
	int rc = setting(cfg, "login-max-failures", 1, FAILURES_MAX, &user, err);
	if (!rc)
		rc = setting(cfg, "login-max-failures-per-address", 1, FAILURES_MAX, &addr, err);
	if (!rc)
		rc = setting(cfg, "login-window-s", 1, WINDOW_MAX_S, &window, err);
	if (rc)
		return rc;
	out->max_user = (int)user;
	out->max_addr = (int)addr;
	out->window_s = window;
	return SP_OK;
}

static int limits_ok(const struct sp_throttle_limits *lim, struct sp_err *err)
{
	if (lim->max_user < 1 || lim->max_addr < 1 || lim->max_user > FAILURES_MAX ||
	    lim->max_addr > FAILURES_MAX)
		return sp_err_set(err, SP_EINVAL, "login-max-failures", "out of range");
	if (lim->window_s < 1 || lim->window_s > WINDOW_MAX_S)
		return sp_err_set(err, SP_EINVAL, "login-window-s", "out of range");
	return SP_OK;
}

/* Keyed BLAKE2b of the tag (with its NUL, so no tag is a prefix of another's input) and the
 * text, ASCII letters lower-cased when fold is set. Streamed: the text is never copied
 * whole, and its length is not limited here. */
static void counter_key(const struct sp_keys *k, const char *tag, size_t tag_n, const char *text,
			int fold, unsigned char out[SP_KEY_LEN])
{
	crypto_generichash_state st;
	unsigned char chunk[64];
	crypto_generichash_init(&st, sp_keys_token_key(k), SP_KEY_LEN, SP_KEY_LEN);
	crypto_generichash_update(&st, (const unsigned char *)tag, tag_n);
	for (const char *p = text; *p;) {
		size_t n = 0;
		for (; *p && n < sizeof chunk; p++) {
			unsigned char c = (unsigned char)*p;
			chunk[n++] = fold && c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
		}
		crypto_generichash_update(&st, chunk, n);
	}
	crypto_generichash_final(&st, out, SP_KEY_LEN);
	sodium_memzero(chunk, sizeof chunk);
	sodium_memzero(&st, sizeof st);
}

/* Failures in the counter's open window at now_us (0 when none) and when that window opened. */
static int read_counter(struct sp_access *a, const unsigned char key[SP_KEY_LEN], int64_t since_us,
			int *failures, int64_t *start_us, struct sp_err *err)
{
	struct sp_stmt *st;
	*failures = 0;
	*start_us = 0;
	int rc = sp_store_prepare(a->store,
				  "SELECT failures, window_start_us FROM login_throttle "
				  "WHERE key = ? AND window_start_us > ?",
				  &st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_blob(st, 1, key, SP_KEY_LEN) || sp_stmt_bind_int64(st, 2, since_us))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	if (rc == 1) {
		int64_t n = sp_stmt_int64(st, 0);
		*failures = n < 0 ? 0 : n > INT_MAX ? INT_MAX : (int)n;
		*start_us = sp_stmt_int64(st, 1);
	}
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

/* Seconds until the window that opened at start_us closes, rounded up; at least 1. */
static int64_t wait_s(const struct sp_throttle_limits *lim, int64_t start_us, int64_t now_us)
{
	int64_t left = start_us + lim->window_s * 1000000 - now_us;
	int64_t s = (left + 999999) / 1000000;
	return s < 1 ? 1 : s;
}

int sp_throttle_check(struct sp_access *a, const struct sp_keys *k,
		      const struct sp_throttle_limits *lim, const char *username, const char *addr,
		      int64_t now_us, struct sp_throttle *out, struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	int rc = limits_ok(lim, err);
	if (rc)
		return rc;
	counter_key(k, tag_user, sizeof tag_user, username ? username : "", 1, out->user_key);
	out->has_addr = addr && *addr;
	if (out->has_addr)
		counter_key(k, tag_addr, sizeof tag_addr, addr, 0, out->addr_key);

	int64_t since = now_us - lim->window_s * 1000000, start = 0;
	int n = 0;
	rc = read_counter(a, out->user_key, since, &n, &start, err);
	if (rc)
		goto out;
	out->user_failures = n;
	if (n >= lim->max_user)
		out->retry_after_s = wait_s(lim, start, now_us);
	if (out->has_addr) {
		rc = read_counter(a, out->addr_key, since, &n, &start, err);
		if (rc)
			goto out;
		if (n >= lim->max_addr) {
			int64_t w = wait_s(lim, start, now_us);
			if (w > out->retry_after_s)
				out->retry_after_s = w;
		}
	}
out:
	if (rc)
		sp_throttle_clear(out);
	return rc;
}

/* One more failure on a counter: a fresh window when there is none or it has closed. */
static int bump(struct sp_access *a, const unsigned char key[SP_KEY_LEN], int64_t since_us,
		int64_t now_us, struct sp_err *err)
{
	struct sp_stmt *st;
	int rc = sp_store_prepare(
		a->store,
		"INSERT INTO login_throttle (key, failures, window_start_us) VALUES (?, 1, ?) "
		"ON CONFLICT (key) DO UPDATE SET "
		"failures = CASE WHEN login_throttle.window_start_us > ? "
		"THEN login_throttle.failures + 1 ELSE 1 END, "
		"window_start_us = CASE WHEN login_throttle.window_start_us > ? "
		"THEN login_throttle.window_start_us ELSE excluded.window_start_us END",
		&st, err);
	if (rc)
		return rc;
	if (sp_stmt_bind_blob(st, 1, key, SP_KEY_LEN) || sp_stmt_bind_int64(st, 2, now_us) ||
	    sp_stmt_bind_int64(st, 3, since_us) || sp_stmt_bind_int64(st, 4, since_us))
		rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
	else
		rc = sp_stmt_step(st, err);
	sp_stmt_done(st);
	return rc < 0 ? rc : SP_OK;
}

int sp_throttle_failed(struct sp_access *a, const struct sp_throttle_limits *lim,
		       const struct sp_throttle *t, int64_t now_us, struct sp_err *err)
{
	int rc = limits_ok(lim, err);
	if (rc)
		return rc;
	int64_t since = now_us - lim->window_s * 1000000;
	rc = sp_store_begin_write(a->store, err);
	if (rc)
		return rc;
	struct sp_stmt *st;
	rc = sp_store_prepare(a->store, "DELETE FROM login_throttle WHERE window_start_us <= ?",
			      &st, err);
	if (!rc) {
		if (sp_stmt_bind_int64(st, 1, since))
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		else
			rc = sp_stmt_step(st, err);
		sp_stmt_done(st);
		rc = rc < 0 ? rc : SP_OK;
	}
	if (!rc)
		rc = bump(a, t->user_key, since, now_us, err);
	if (!rc && t->has_addr)
		rc = bump(a, t->addr_key, since, now_us, err);
	if (!rc)
		rc = sp_store_commit(a->store, err);
	if (rc)
		sp_store_rollback(a->store);
	return rc;
}

int sp_throttle_succeeded(struct sp_access *a, const struct sp_throttle *t, struct sp_err *err)
{
	if (t->user_failures == 0)
		return SP_OK;
	int rc = sp_store_begin_write(a->store, err);
	if (rc)
		return rc;
	struct sp_stmt *st;
	rc = sp_store_prepare(a->store, "DELETE FROM login_throttle WHERE key = ?", &st, err);
	if (!rc) {
		if (sp_stmt_bind_blob(st, 1, t->user_key, SP_KEY_LEN))
			rc = sp_err_set(err, SP_EINTERNAL, "", "bind failed");
		else
			rc = sp_stmt_step(st, err);
		sp_stmt_done(st);
		rc = rc < 0 ? rc : SP_OK;
	}
	if (!rc)
		rc = sp_store_commit(a->store, err);
	if (rc)
		sp_store_rollback(a->store);
	return rc;
}

void sp_throttle_clear(struct sp_throttle *t)
{
	sodium_memzero(t, sizeof *t);
}
