/* The per-thread person-key cache: one sodium_malloc slab of SP_KEYCACHE_SLOTS keys per
 * thread, allocated once (an allocation costs tens of µs and a guard page), with clock
 * eviction that wipes the slot it reuses.
 *
 * Crypto-shredding must reach every thread, so the caches sit in a process-wide registry:
 * destroying a person's key bumps a global epoch and wipes matching slots in every cache. A
 * loader notes the epoch before reading the key store and publishes its slot only if no
 * destruction happened meanwhile (else it reads again), so a key deleted while another
 * thread was loading it never survives in a cache. Each cache has a mutex that only its own
 * thread and a destroyer ever take, so it is uncontended in practice. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"

struct slot {
	struct sp_id person;
	uint64_t tag;     /* which key store */
	uint64_t gen;     /* unique per fill, process-wide: stale references never match */
	uint32_t version;
	unsigned char used, claimed, ref;
};

struct sp_keycache {
	pthread_mutex_t lock;
	unsigned char *slab; /* SP_KEYCACHE_SLOTS * SP_KEY_LEN, sodium_malloc */
	struct slot slots[SP_KEYCACHE_SLOTS];
	uint32_t hand;
	struct sp_keycache *prev, *next; /* registry */
};

static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_key_t tls;
static int tls_ok;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sp_keycache *registry;
static _Atomic uint64_t destroy_epoch;
static _Atomic uint64_t next_gen = 1;

static void wipe_slot(struct sp_keycache *c, uint32_t i)
{
	sodium_memzero(c->slab + (size_t)i * SP_KEY_LEN, SP_KEY_LEN);
	memset(&c->slots[i], 0, sizeof c->slots[i]);
}

static void cache_free(void *p)
{
	struct sp_keycache *c = p;
	if (!c)
		return;
	pthread_mutex_lock(&registry_lock);
	if (c->prev)
		c->prev->next = c->next;
	else
		registry = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&registry_lock);
	sodium_free(c->slab); /* wipes */
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void make_key(void)
{
	tls_ok = pthread_key_create(&tls, cache_free) == 0;
}

static struct sp_keycache *mine(void)
{
	pthread_once(&once, make_key);
	return tls_ok ? pthread_getspecific(tls) : NULL;
}

static struct sp_keycache *mine_or_new(struct sp_err *err)
{
	struct sp_keycache *c = mine();
	if (c)
		return c;
	if (!tls_ok) {
		sp_err_set(err, SP_EINTERNAL, "", "cannot set up the key cache");
		return NULL;
	}
	c = calloc(1, sizeof *c);
	if (!c || !(c->slab = sodium_malloc((size_t)SP_KEYCACHE_SLOTS * SP_KEY_LEN))) {
		free(c);
		sp_err_set(err, SP_ENOMEM, "", "out of memory for the key cache");
		return NULL;
	}
	sodium_memzero(c->slab, (size_t)SP_KEYCACHE_SLOTS * SP_KEY_LEN);
	if (pthread_mutex_init(&c->lock, NULL) != 0 || pthread_setspecific(tls, c) != 0) {
		sodium_free(c->slab);
		free(c);
		sp_err_set(err, SP_EINTERNAL, "", "cannot set up the key cache");
		return NULL;
	}
	pthread_mutex_lock(&registry_lock);
	c->next = registry;
	if (registry)
		registry->prev = c;
	registry = c;
	pthread_mutex_unlock(&registry_lock);
	return c;
}

void sp_keycache_thread_release(void)
{
	struct sp_keycache *c = mine();
	if (!c)
		return;
	(void)pthread_setspecific(tls, NULL);
	cache_free(c);
}

static void fill_ref(struct sp_keycache *c, uint32_t i, struct sp_person_key *pk)
{
	pk->cache_ = c;
	pk->slot_ = i;
	pk->gen_ = c->slots[i].gen;
	pk->version_ = c->slots[i].version;
}

int sp_keycache_find_(uint64_t tag, const struct sp_id *person, struct sp_person_key *pk,
		      struct sp_err *err)
{
	struct sp_keycache *c = mine_or_new(err);
	if (!c)
		return err ? err->code : SP_ENOMEM;
	int rc = SP_ENOTFOUND;
	pthread_mutex_lock(&c->lock);
	for (uint32_t i = 0; i < SP_KEYCACHE_SLOTS; i++) {
		struct slot *s = &c->slots[i];
		if (s->used && s->tag == tag && memcmp(s->person.b, person->b, SP_ID_LEN) == 0) {
			s->ref = 1;
			fill_ref(c, i, pk);
			rc = SP_OK;
			break;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

uint64_t sp_keycache_epoch_(void)
{
	return atomic_load(&destroy_epoch);
}

int sp_keycache_claim_(uint32_t *slot, unsigned char **mem, struct sp_err *err)
{
	struct sp_keycache *c = mine_or_new(err);
	if (!c)
		return err ? err->code : SP_ENOMEM;
	pthread_mutex_lock(&c->lock);
	/* Clock: skip recently used slots once, then take the first that is not. */
	uint32_t i = 0, n;
	for (n = 0; n < 3 * SP_KEYCACHE_SLOTS; n++) {
		i = c->hand;
		c->hand = (c->hand + 1) % SP_KEYCACHE_SLOTS;
		struct slot *s = &c->slots[i];
		if (s->claimed)
			continue; /* being loaded by this thread */
		if (!s->used || !s->ref)
			break;
		s->ref = 0;
	}
	if (n == 3 * SP_KEYCACHE_SLOTS) {
		pthread_mutex_unlock(&c->lock);
		return sp_err_set(err, SP_EINTERNAL, "", "key cache: every slot is being loaded");
	}
	wipe_slot(c, i);
	c->slots[i].claimed = 1;
	pthread_mutex_unlock(&c->lock);
	*slot = i;
	*mem = c->slab + (size_t)i * SP_KEY_LEN;
	return SP_OK;
}

void sp_keycache_abandon_(uint32_t slot)
{
	struct sp_keycache *c = mine();
	if (!c || slot >= SP_KEYCACHE_SLOTS)
		return;
	pthread_mutex_lock(&c->lock);
	wipe_slot(c, slot);
	pthread_mutex_unlock(&c->lock);
}

int sp_keycache_publish_(uint32_t slot, uint64_t tag, const struct sp_id *person,
			 uint32_t version, uint64_t epoch, struct sp_person_key *pk)
{
	struct sp_keycache *c = mine();
	if (!c || slot >= SP_KEYCACHE_SLOTS)
		return SP_EINTERNAL;
	int rc = SP_OK;
	pthread_mutex_lock(&c->lock);
	if (atomic_load(&destroy_epoch) != epoch) {
		wipe_slot(c, slot); /* a key was destroyed while this one loaded: load again */
		rc = SP_EBUSY;
	} else {
		struct slot *s = &c->slots[slot];
		s->person = *person;
		s->tag = tag;
		s->version = version;
		s->gen = atomic_fetch_add(&next_gen, 1);
		s->used = 1;
		s->claimed = 0;
		s->ref = 0; /* set on a hit: a key used again survives one sweep of the hand */
		fill_ref(c, slot, pk);
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

void sp_keycache_forget_(const struct sp_id *person)
{
	/* Bump first: a loader that read the key store before the deletion cannot publish. */
	atomic_fetch_add(&destroy_epoch, 1);
	pthread_mutex_lock(&registry_lock);
	for (struct sp_keycache *c = registry; c; c = c->next) {
		pthread_mutex_lock(&c->lock);
		for (uint32_t i = 0; i < SP_KEYCACHE_SLOTS; i++)
			if (c->slots[i].used &&
			    memcmp(c->slots[i].person.b, person->b, SP_ID_LEN) == 0)
				wipe_slot(c, i);
		pthread_mutex_unlock(&c->lock);
	}
	pthread_mutex_unlock(&registry_lock);
}

int sp_person_key_lock_(const struct sp_person_key *pk, uint32_t version,
			const unsigned char **key)
{
	struct sp_keycache *c = mine();
	if (!pk || !c || pk->cache_ != c || pk->slot_ >= SP_KEYCACHE_SLOTS)
		return SP_ENOTFOUND;
	pthread_mutex_lock(&c->lock);
	const struct slot *s = &c->slots[pk->slot_];
	if (!s->used || s->gen != pk->gen_ || s->version != version) {
		pthread_mutex_unlock(&c->lock);
		return SP_ENOTFOUND;
	}
	*key = c->slab + (size_t)pk->slot_ * SP_KEY_LEN;
	return SP_OK;
}

void sp_person_key_unlock_(const struct sp_person_key *pk)
{
	pthread_mutex_unlock(&pk->cache_->lock);
}

/* For tests: how many slots of this thread's cache hold a key. */
size_t sp_keycache_used_(void)
{
	struct sp_keycache *c = mine();
	size_t n = 0;
	if (!c)
		return 0;
	pthread_mutex_lock(&c->lock);
	for (uint32_t i = 0; i < SP_KEYCACHE_SLOTS; i++)
		n += c->slots[i].used;
	pthread_mutex_unlock(&c->lock);
	return n;
}
