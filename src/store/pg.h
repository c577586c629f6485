/* The PostgreSQL driver's internals its unit test reaches: placeholder rewriting. */
#ifndef SAFEPATH_STORE_PG_H
#define SAFEPATH_STORE_PG_H

#include "safepath/buf.h"
#include "safepath/store.h"

/* Copy sql to out with each `?` outside string literals, quoted identifiers and comments
 * replaced by $1, $2, ... in order; *nparams gets their count. SP_EINVAL for an unterminated
 * literal, identifier or comment; SP_ENOMEM when out is full. */
int sp_pg_rewrite(const char *sql, struct sp_buf *out, int *nparams) SP_MUST;

#endif
