/* Rate limits per session and per client address: token buckets in this process's memory,
 * checked in the pipeline's rate_limit phase, and shared with the other servers on the same
 * database in batches (DESIGN.md §4, §7): every rate-limit-share-ms a thread adds what this
 * server charged each key to the key's leaky bucket in the database (access/ratecount.c) and
 * takes that bucket's level back as the truth for its own. So N servers allow the configured
 * rate, give or take one interval's requests. The table has a fixed size: a key
 * that finds no room takes the slot touched longest ago, whose bucket has usually refilled, so
 * eviction can only ever forgive, never punish. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "http/http.h"
#include "safepath/log.h"

#define SHARDS 16
#define SLOTS 512 /* per shard */
#define PROBE 8
#define KEY_LEN SP_RATE_KEY_LEN
#define SYNC_MAX 4096 /* keys sent in one batch; the rest wait for the next */
#define RECENT_US (60LL * 1000000) /* a key used here this recently learns the others' use */

struct bucket {
	unsigned char key[KEY_LEN]; /* all zero: free */
	double tokens;
	int64_t last_us;
	int64_t pending; /* charged here since the last sync */
	const struct http_rate *rate;
};

struct shard {
	pthread_mutex_t lock;
	struct bucket slot[SLOTS];
};

struct http_ratelimit {
	struct http_rate session, address;
	/* random, or derived from the token key when shared: no one can aim at a slot */
	unsigned char hash_key[crypto_generichash_KEYBYTES];
	struct shard shard[SHARDS];
	struct sp_rate_count batch[SYNC_MAX];
	long syncs;
	/* the sync thread, when shared */
	struct sp_store *store;
	pthread_t thread;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	int stopping, running;
	int64_t interval_us;
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
	if (rl->running) {
		pthread_mutex_lock(&rl->stop_lock);
		rl->stopping = 1;
		pthread_cond_signal(&rl->stop_cond);
		pthread_mutex_unlock(&rl->stop_lock);
		pthread_join(rl->thread, NULL);
		pthread_cond_destroy(&rl->stop_cond);
		pthread_mutex_destroy(&rl->stop_lock);
	}
	sp_store_close(rl->store);
	for (int i = 0; i < SHARDS; i++)
		pthread_mutex_destroy(&rl->shard[i].lock);
	free(rl);
}

/* The bucket holding key, or NULL; *oldest (if not NULL) gets the probed slot touched longest
 * ago, for a key that finds none. The shard is locked by the caller. */
static struct bucket *probe(struct shard *sh, const unsigned char *key, struct bucket **oldest)
{
	uint64_t h;
	memcpy(&h, key + 8, sizeof h);
	size_t base = (size_t)((h / SHARDS) % SLOTS);
	for (size_t i = 0; i < PROBE; i++) {
		struct bucket *c = &sh->slot[(base + i) % SLOTS];
		if (memcmp(c->key, key, KEY_LEN) == 0)
			return c;
		if (oldest && (!*oldest || c->last_us < (*oldest)->last_us))
			*oldest = c; /* a free slot has last_us 0: the oldest of all */
	}
	return NULL;
}

static struct shard *shard_of(struct http_ratelimit *rl, const unsigned char *key)
{
	uint64_t h;
	memcpy(&h, key + 8, sizeof h);
	return &rl->shard[h % SHARDS];
}

/* Take one token from the bucket of (kind, id): 0, or the seconds to wait (>= 1). A key this
 * server meets for the first time starts from its level in the database when shared (read
 * with s, the request thread's connection), else from a full bucket. */
static int64_t take(struct http_ratelimit *rl, const struct http_rate *rate, char kind,
		    const void *id, size_t n, int64_t now_us, struct sp_store *s)
{
	unsigned char key[KEY_LEN];
	crypto_generichash_state st;
	crypto_generichash_init(&st, rl->hash_key, sizeof rl->hash_key, sizeof key);
	crypto_generichash_update(&st, (const unsigned char *)&kind, 1);
	crypto_generichash_update(&st, id, n);
	crypto_generichash_final(&st, key, sizeof key);
	key[0] |= 1; /* never all zero, the free mark */
	struct shard *sh = shard_of(rl, key);

	double start = rate->burst;
	if (rl->store && s) {
		pthread_mutex_lock(&sh->lock);
		int known = probe(sh, key, NULL) != NULL;
		pthread_mutex_unlock(&sh->lock);
		int64_t level_m = 0;
		struct sp_err err = {0};
		if (!known && sp_ratecount_level(s, key, (int64_t)rate->per_s, now_us, &level_m,
						 &err) == SP_OK)
			start = rate->burst - (double)level_m / 1000.0;
	}

	int64_t wait = 0;
	pthread_mutex_lock(&sh->lock);
	struct bucket *oldest = NULL, *b = probe(sh, key, &oldest);
	if (!b) {
		b = oldest;
		memcpy(b->key, key, KEY_LEN);
		b->tokens = start;
		b->last_us = now_us;
		b->pending = 0;
	}
	b->rate = rate;
	if (now_us > b->last_us) {
		b->tokens += (double)(now_us - b->last_us) / 1e6 * rate->per_s;
		if (b->tokens > rate->burst)
			b->tokens = rate->burst;
		b->last_us = now_us;
	}
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		b->pending++;
	} else {
		wait = (int64_t)ceil((1.0 - b->tokens) / rate->per_s);
		if (wait < 1)
			wait = 1;
	}
	pthread_mutex_unlock(&sh->lock);
	return wait;
}

int64_t http_ratelimit_take(struct http_ratelimit *rl, const char *addr,
			    const struct sp_id *session, int64_t now_us, struct sp_store *s)
{
	int64_t wait = 0;
	if (addr && *addr)
		wait = take(rl, &rl->address, 'a', addr, strlen(addr), now_us, s);
	if (!wait && session)
		wait = take(rl, &rl->session, 's', session, sizeof *session, now_us, s);
	return wait;
}

int http_ratelimit_sync(struct http_ratelimit *rl, struct sp_store *s, int64_t now_us,
			struct sp_err *err)
{
	size_t n = 0;
	for (int i = 0; i < SHARDS && n < SYNC_MAX; i++) {
		struct shard *sh = &rl->shard[i];
		pthread_mutex_lock(&sh->lock);
		for (size_t k = 0; k < SLOTS && n < SYNC_MAX; k++) {
			struct bucket *b = &sh->slot[k];
			/* what this server charged, or news of the others for a key still in use */
			if (!b->rate || (b->pending == 0 && now_us - b->last_us > RECENT_US))
				continue;
			memcpy(rl->batch[n].key, b->key, KEY_LEN);
			rl->batch[n].per_s = (int64_t)b->rate->per_s;
			rl->batch[n].add = b->pending;
			n++;
			b->pending = 0;
		}
		pthread_mutex_unlock(&sh->lock);
	}
	if (n == 0)
		return SP_OK;
	int rc = sp_ratecount_add(s, rl->batch, n, now_us, ++rl->syncs % 600 == 0, err);
	for (size_t i = 0; i < n; i++) {
		const struct sp_rate_count *c = &rl->batch[i];
		struct shard *sh = shard_of(rl, c->key);
		pthread_mutex_lock(&sh->lock);
		struct bucket *b = probe(sh, c->key, NULL);
		if (b && rc) {
			b->pending += c->add; /* not counted: send it again next time */
		} else if (b) {
			/* the level of every server's use, less what was charged here meanwhile */
			b->tokens = b->rate->burst - (double)c->level_m / 1000.0 - (double)b->pending;
			if (b->last_us < now_us)
				b->last_us = now_us;
		}
		pthread_mutex_unlock(&sh->lock);
	}
	return rc;
}

static void *sync_main(void *arg)
{
	struct http_ratelimit *rl = arg;
	pthread_mutex_lock(&rl->stop_lock);
	while (!rl->stopping) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		int64_t ns = until.tv_nsec + rl->interval_us * 1000;
		until.tv_sec += (time_t)(ns / 1000000000);
		until.tv_nsec = (long)(ns % 1000000000);
		int w = 0;
		while (!rl->stopping && w != ETIMEDOUT)
			w = pthread_cond_timedwait(&rl->stop_cond, &rl->stop_lock, &until);
		if (rl->stopping)
			break;
		pthread_mutex_unlock(&rl->stop_lock);
		struct sp_err err = {0};
		if (http_ratelimit_sync(rl, rl->store, sp_now_us(), &err))
			sp_log(SP_LOG_WARN, "http.ratelimit_sync_failed", "status", sp_status_name(err.code),
			       (const char *)NULL);
		pthread_mutex_lock(&rl->stop_lock);
	}
	pthread_mutex_unlock(&rl->stop_lock);
	return NULL;
}

int http_ratelimit_share(struct http_ratelimit *rl, const struct sp_keys *keys,
			 struct sp_store *store, int64_t interval_ms, struct sp_err *err)
{
	if (interval_ms < 1 || interval_ms > 60000)
		return sp_err_set(err, SP_EINVAL, "rate-limit-share-ms", "must be 1 to 60000");
	/* The same key on every server, so they name a session or an address alike. */
	static const char ctx[] = "safepath rate-limit keys";
	crypto_generichash(rl->hash_key, sizeof rl->hash_key, (const unsigned char *)ctx,
			   sizeof ctx - 1, sp_keys_token_key(keys), SP_KEY_LEN);
	rl->store = store;
	rl->interval_us = interval_ms * 1000;
	if (pthread_mutex_init(&rl->stop_lock, NULL))
		return sp_err_set(err, SP_EINTERNAL, "", "cannot make a mutex");
	if (pthread_cond_init(&rl->stop_cond, NULL)) {
		pthread_mutex_destroy(&rl->stop_lock);
		return sp_err_set(err, SP_EINTERNAL, "", "cannot make a condition");
	}
	if (pthread_create(&rl->thread, NULL, sync_main, rl)) {
		pthread_cond_destroy(&rl->stop_cond);
		pthread_mutex_destroy(&rl->stop_lock);
		return sp_err_set(err, SP_EINTERNAL, "", "cannot start the rate-limit thread");
	}
	rl->running = 1;
	return SP_OK;
}
