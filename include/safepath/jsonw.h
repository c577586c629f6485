/* A streaming JSON writer onto a capped buffer (sp_buf): for responses on the hot path,
 * where building a jansson tree and dumping it costs more than the request's own work. The
 * writer places the commas; strings are escaped as RFC 8259 requires and must be valid
 * UTF-8. The first failure (over the buffer's cap, invalid UTF-8, out of memory, nesting
 * deeper than SP_JSONW_DEPTH) sticks: later calls do nothing and sp_jsonw_status reports it. */
#ifndef SAFEPATH_JSONW_H
#define SAFEPATH_JSONW_H

#include <stdint.h>

#include <jansson.h>

#include "safepath/buf.h"
#include "safepath/id.h"

#define SP_JSONW_DEPTH 16

struct sp_jsonw {
	struct sp_buf *out;             /* borrowed */
	int rc;                         /* 0, or the first failure */
	unsigned depth;
	unsigned char more[SP_JSONW_DEPTH + 1]; /* a value was written at this depth: comma next */
	unsigned char after_key;        /* the next value is an object member's */
};

void sp_jsonw_init(struct sp_jsonw *w, struct sp_buf *out);
void sp_jsonw_object(struct sp_jsonw *w);
void sp_jsonw_object_end(struct sp_jsonw *w);
void sp_jsonw_array(struct sp_jsonw *w);
void sp_jsonw_array_end(struct sp_jsonw *w);
/* A member's name, then its value with one of the calls below. */
void sp_jsonw_key(struct sp_jsonw *w, const char *name);
void sp_jsonw_string(struct sp_jsonw *w, const char *s); /* NULL writes null */
void sp_jsonw_int(struct sp_jsonw *w, int64_t v);
void sp_jsonw_bool(struct sp_jsonw *w, int v);
void sp_jsonw_null(struct sp_jsonw *w);
/* A real as jansson writes one (%.17g, ".0" when it would read as an integer, the exponent
 * without '+' or leading zeros); finite values only. */
void sp_jsonw_real(struct sp_jsonw *w, double v);
/* An id or a time (sp_time_format); the opt_ forms write null for the zero id or time 0. */
void sp_jsonw_id(struct sp_jsonw *w, const struct sp_id *id);
void sp_jsonw_opt_id(struct sp_jsonw *w, const struct sp_id *id);
void sp_jsonw_time(struct sp_jsonw *w, int64_t us);
void sp_jsonw_opt_time(struct sp_jsonw *w, int64_t us);
/* A jansson value, objects' members in sorted order (as sp_json_dump writes them). */
void sp_jsonw_value(struct sp_jsonw *w, json_t *v);
/* A failure of the caller's own (out of memory building a value): it sticks like the
 * writer's. */
void sp_jsonw_fail(struct sp_jsonw *w, int rc);
/* 0 when everything was written and every object and array closed, else the failure. */
int sp_jsonw_status(const struct sp_jsonw *w) SP_MUST;

/* What write(w, arg) writes, read back as a jansson value (NULL when it failed or out of
 * memory): for callers that build a tree around a form defined once as a writer. */
typedef void sp_jsonw_fn(struct sp_jsonw *w, const void *arg);
json_t *sp_jsonw_read(sp_jsonw_fn *write, const void *arg);

#endif
