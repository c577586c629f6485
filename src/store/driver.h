/* What the store's drivers share (internal to src/store/). */
#ifndef SAFEPATH_STORE_DRIVER_H
#define SAFEPATH_STORE_DRIVER_H

/* A driver's DDL type tokens: pairs of token and type, ended by a NULL token. */
struct sp_type_token {
	const char *token, *type;
};

/* The type of token t in map, NULL if unknown. */
const char *sp_store_type_lookup(const struct sp_type_token *map, const char *t);

#endif
