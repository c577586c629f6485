/* Per-request arena: many small allocations freed at once. Decrypted personal data lives
 * here, so releasing the arena zeroes every byte it handed out. */
#ifndef SAFEPATH_ARENA_H
#define SAFEPATH_ARENA_H

#include <stddef.h>

struct sp_arena_block;

struct sp_arena {
	struct sp_arena_block *head;
	size_t block_size;
	size_t total;      /* bytes handed out, for caps and tests */
	size_t max;        /* hard cap; 0 = none */
};

void sp_arena_init(struct sp_arena *a, size_t block_size, size_t max);
/* Zero and free everything. The arena can be used again afterwards. */
void sp_arena_release(struct sp_arena *a);
/* NULL when out of memory or over the cap. Memory is zero-filled, aligned for any type. */
void *sp_arena_alloc(struct sp_arena *a, size_t n);
char *sp_arena_strndup(struct sp_arena *a, const char *s, size_t n);
char *sp_arena_strdup(struct sp_arena *a, const char *s);
/* Room for one more of count items of size bytes in an arena array of *cap slots: items itself
 * when there is room, else a copy twice as large (16 slots at first) with *cap updated; NULL
 * when out of memory (items is left as it was). */
void *sp_arena_grow(struct sp_arena *a, void *items, size_t count, size_t *cap, size_t size);

#endif
