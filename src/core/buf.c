/* Capped, length-carrying buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "safepath/buf.h"

void sp_buf_init(struct sp_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void sp_buf_free(struct sp_buf *b)
{
	if (b->data) {
		sodium_memzero(b->data, b->cap);
		free(b->data);
	}
	b->data = NULL;
	b->len = b->cap = 0;
}

void sp_buf_reset(struct sp_buf *b)
{
	if (b->data) {
		sodium_memzero(b->data, b->len);
		b->data[0] = '\0';
	}
	b->len = 0;
}

static int grow(struct sp_buf *b, size_t need)
{
	if (need > b->max || need + 1 < need)
		return SP_ETOOBIG;
	if (need + 1 <= b->cap)
		return SP_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need + 1)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	char *p = malloc(cap);
	if (!p)
		return SP_ENOMEM;
	if (b->data) {
		memcpy(p, b->data, b->len + 1);
		sodium_memzero(b->data, b->cap);
		free(b->data);
	}
	b->data = p;
	b->cap = cap;
	return SP_OK;
}

int sp_buf_reserve(struct sp_buf *b, size_t n)
{
	if (b->len + n < b->len)
		return SP_ETOOBIG;
	return grow(b, b->len + n);
}

int sp_buf_add(struct sp_buf *b, const void *p, size_t n)
{
	if (b->len + n < b->len)
		return SP_ETOOBIG;
	int rc = grow(b, b->len + n);
	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return SP_OK;
}

int sp_buf_adds(struct sp_buf *b, const char *s)
{
	return sp_buf_add(b, s, strlen(s));
}

int sp_buf_addc(struct sp_buf *b, char c)
{
	return sp_buf_add(b, &c, 1);
}

int sp_buf_vaddf(struct sp_buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return SP_EINVAL;
	int rc = grow(b, b->len + (size_t)n);
	if (rc)
		return rc;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return SP_OK;
}

int sp_buf_addf(struct sp_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = sp_buf_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

char *sp_buf_detach(struct sp_buf *b, size_t *len)
{
	char *p = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
