/* A length-carrying byte buffer with a hard size cap (like curl's dynbuf): every append
 * checks the cap and fails with SP_ETOOBIG instead of growing without bound. The data is
 * always NUL-terminated so it can be printed; len excludes the terminator. */
#ifndef SAFEPATH_BUF_H
#define SAFEPATH_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "safepath/err.h"

struct sp_buf {
	char *data;   /* NULL until the first append */
	size_t len;
	size_t cap;   /* allocated bytes */
	size_t max;   /* hard cap on len */
};

void sp_buf_init(struct sp_buf *b, size_t max);
/* Zero the contents (they may hold personal data) and free. */
void sp_buf_free(struct sp_buf *b);
void sp_buf_reset(struct sp_buf *b);
int sp_buf_add(struct sp_buf *b, const void *p, size_t n) SP_MUST;
/* Make room for n more bytes at once (a guess: appends past it still grow the buffer). */
int sp_buf_reserve(struct sp_buf *b, size_t n);
int sp_buf_adds(struct sp_buf *b, const char *s) SP_MUST;
int sp_buf_addc(struct sp_buf *b, char c) SP_MUST;
int sp_buf_addf(struct sp_buf *b, const char *fmt, ...) SP_PRINTF(2, 3) SP_MUST;
int sp_buf_vaddf(struct sp_buf *b, const char *fmt, va_list ap) SP_PRINTF(2, 0) SP_MUST;
/* Hand the data over to the caller (who frees it); b is left empty. */
char *sp_buf_detach(struct sp_buf *b, size_t *len);

#endif
