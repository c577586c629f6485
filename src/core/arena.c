/* Per-request arena: bump allocation in chained blocks, zeroed on release. */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "safepath/arena.h"

struct sp_arena_block {
	struct sp_arena_block *next;
	size_t size;
	size_t used;
	alignas(max_align_t) unsigned char mem[];
};

void sp_arena_init(struct sp_arena *a, size_t block_size, size_t max)
{
	a->head = NULL;
	a->block_size = block_size ? block_size : 8192;
	a->total = 0;
	a->max = max;
}

void sp_arena_release(struct sp_arena *a)
{
	struct sp_arena_block *b = a->head;
	while (b) {
		struct sp_arena_block *next = b->next;
		sodium_memzero(b->mem, b->used);
		free(b);
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}

void *sp_arena_alloc(struct sp_arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	if (n == 0)
		n = 1;
	if (n > SIZE_MAX - align)
		return NULL;
	n = (n + align - 1) & ~(align - 1);
	if (a->max && (n > a->max || a->total > a->max - n))
		return NULL;
	struct sp_arena_block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t size = n > a->block_size ? n : a->block_size;
		b = malloc(sizeof *b + size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->mem + b->used;
	b->used += n;
	a->total += n;
	memset(p, 0, n);
	return p;
}

char *sp_arena_strndup(struct sp_arena *a, const char *s, size_t n)
{
	char *q = sp_arena_alloc(a, n + 1);
	if (q) {
		memcpy(q, s, n);
		q[n] = '\0';
	}
	return q;
}

char *sp_arena_strdup(struct sp_arena *a, const char *s)
{
	return sp_arena_strndup(a, s, strlen(s));
}

void *sp_arena_grow(struct sp_arena *a, void *items, size_t count, size_t *cap, size_t size)
{
	if (count < *cap)
		return items;
	size_t want = *cap ? *cap * 2 : 16;
	void *grown = sp_arena_alloc(a, want * size);
	if (!grown)
		return NULL;
	if (count)
		memcpy(grown, items, count * size);
	*cap = want;
	return grown;
}
