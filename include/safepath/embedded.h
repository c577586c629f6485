/* Data files compiled into the binary by tools/embed.c (migrations, protocols, config). */
#ifndef SAFEPATH_EMBEDDED_H
#define SAFEPATH_EMBEDDED_H

#include <stddef.h>

struct sp_embedded {
	const char *path;  /* as in the source tree, e.g. "src/store/migrations/0001_store.sql" */
	const char *data;  /* NUL-terminated */
	size_t len;
};

/* Ended by an entry whose path is NULL; sorted by path. */
extern const struct sp_embedded sp_embedded_files[];

#endif
