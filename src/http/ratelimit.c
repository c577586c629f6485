/* Rate limits per session and per client address: token buckets in this process's memory,
 * checked in the pipeline's rate_limit phase. A known limit: each server keeps its own
 * buckets, so N servers on one database allow N times the configured rate (DESIGN.md §7
 * wants counters in the database, written in batches). The table has a fixed size: a key
 * that finds no room takes the slot touched longest ago, whose bucket has usually refilled,
 * so eviction can only ever forgive, never punish. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "http/http.h"

#define SHARDS 16
#define SLOTS 512 /* per shard */
#define PROBE 8
#define KEY_LEN 16

struct bucket {
	unsigned char key[KEY_LEN]; /* all zero: free */
	double tokens;
	int64_t last_us;
};

struct shard {
	pthread_mutex_t lock;
	struct bucket slot[SLOTS];
};

struct http_ratelimit {
	struct http_rate session, address;
	unsigned char hash_key[crypto_generichash_KEYBYTES]; /* random: no one can aim at a slot */
	struct shard shard[SHARDS];
};

static int rate_from_config(const struct sp_config *cfg, const char *per_s_name,
			    const char *burst_name, struct http_rate *out, struct sp_err *err)
{
	long long per_s = sp_config_get_int(cfg, per_s_name);
	long long burst = sp_config_get_int(cfg, burst_name);
	if (per_s < 1 || per_s > HTTP_RATE_MAX)
		return sp_err_set(err, SP_EINVAL, per_s_name, "must be 1 to %d", HTTP_RATE_MAX);
	if (burst < 1 || burst > HTTP_RATE_MAX)
		return sp_err_set(err, SP_EINVAL, burst_name, "must be 1 to %d", HTTP_RATE_MAX);
	out->per_s = (double)per_s;
	out->burst = (double)burst;
	return SP_OK;
}

int http_ratelimit_new(const struct sp_config *cfg, struct http_ratelimit **out,
		       struct sp_err *err)
{
	struct http_rate session, address;
	int rc = rate_from_config(cfg, "rate-limit-per-s", "rate-limit-burst", &session, err);
	if (!rc)
		rc = rate_from_config(cfg, "rate-limit-address-per-s", "rate-limit-address-burst",
				      &address, err);
	if (rc)
		return rc;
	struct http_ratelimit *rl = calloc(1, sizeof *rl);
	if (!rl)
		return sp_err_set(err, SP_ENOMEM, "", "out of memory");
	rl->session = session;
	rl->address = address;
	randombytes_buf(rl->hash_key, sizeof rl->hash_key);
	for (int i = 0; i < SHARDS; i++) {
		if (pthread_mutex_init(&rl->shard[i].lock, NULL) != 0) {
			while (i-- > 0)
				pthread_mutex_destroy(&rl->shard[i].lock);
			free(rl);
			return sp_err_set(err, SP_EINTERNAL, "", "cannot make a mutex");
		}
	}
	*out = rl;
	return SP_OK;
}

void http_ratelimit_free(struct http_ratelimit *rl)
{
	if (!rl)
		return;
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_destroy(&rl->shard[i].lock);
	free(rl);
}

/* Take one token from the bucket of (kind, id): 0, or the seconds to wait (>= 1). */
static int64_t take(struct http_ratelimit *rl, const struct http_rate *rate, char kind,
		    const void *id, size_t n, int64_t now_us)
{
	unsigned char key[KEY_LEN];
	crypto_generichash_state st;
	crypto_generichash_init(&st, rl->hash_key, sizeof rl->hash_key, sizeof key);
	crypto_generichash_update(&st, (const unsigned char *)&kind, 1);
	crypto_generichash_update(&st, id, n);
	crypto_generichash_final(&st, key, sizeof key);
	key[0] |= 1; /* never all zero, the free mark */
	uint64_t h;
	memcpy(&h, key + 8, sizeof h);
	struct shard *sh = &rl->shard[h % SHARDS];
	size_t base = (size_t)((h / SHARDS) % SLOTS);

	int64_t wait = 0;
	pthread_mutex_lock(&sh->lock);
	struct bucket *b = NULL, *oldest = NULL;
	for (size_t i = 0; i < PROBE && !b; i++) {
		struct bucket *c = &sh->slot[(base + i) % SLOTS];
		if (memcmp(c->key, key, KEY_LEN) == 0)
			b = c;
		else if (!oldest || c->last_us < oldest->last_us)
			oldest = c; /* a free slot has last_us 0: the oldest of all */
	}
	if (!b) {
		b = oldest;
		memcpy(b->key, key, KEY_LEN);
		b->tokens = rate->burst;
		b->last_us = now_us;
	}
	if (now_us > b->last_us) {
		b->tokens += (double)(now_us - b->last_us) / 1e6 * rate->per_s;
		if (b->tokens > rate->burst)
			b->tokens = rate->burst;
		b->last_us = now_us;
	}
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
	} else {
		wait = (int64_t)ceil((1.0 - b->tokens) / rate->per_s);
		if (wait < 1)
			wait = 1;
	}
	pthread_mutex_unlock(&sh->lock);
	return wait;
}

int64_t http_ratelimit_take(struct http_ratelimit *rl, const char *addr,
			    const struct sp_id *session, int64_t now_us)
{
	int64_t wait = 0;
	if (addr && *addr)
		wait = take(rl, &rl->address, 'a', addr, strlen(addr), now_us);
	if (!wait && session)
		wait = take(rl, &rl->session, 's', session, sizeof *session, now_us);
	return wait;
}
