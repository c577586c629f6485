/* Library start-up: libsodium, and a jansson allocator that zeroes memory before freeing it. */
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "safepath/init.h"

/* Each block carries its size in front, so that free can wipe it. */
#define HEADER alignof(max_align_t)

static void *wiping_malloc(size_t n)
{
	if (n > SIZE_MAX - HEADER)
		return NULL;
	unsigned char *p = malloc(n + HEADER);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof n);
	return p + HEADER;
}

/* Zero a block from wiping_malloc; returns the pointer to hand to free(). */
static void *wipe(void *q)
{
	unsigned char *p = (unsigned char *)q - HEADER;
	size_t n;
	memcpy(&n, p, sizeof n);
	sodium_memzero(q, n);
	return p;
}

static void wiping_free(void *q)
{
	if (q)
		free(wipe(q));
}

int sp_init(void)
{
	if (sodium_init() < 0)
		return SP_EINTERNAL;
	json_set_alloc_funcs(wiping_malloc, wiping_free);
	return SP_OK;
}
