/* The streaming JSON writer (jsonw.h): commas by depth, RFC 8259 string escapes, UTF-8
 * checked as it is copied (overlong forms, surrogates and code points past U+10FFFF
 * refused, as jansson refuses them). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/json.h"
#include "safepath/jsonw.h"

void sp_jsonw_init(struct sp_jsonw *w, struct sp_buf *out)
{
	memset(w, 0, sizeof *w);
	w->out = out;
}

void sp_jsonw_fail(struct sp_jsonw *w, int rc)
{
	if (!w->rc)
		w->rc = rc;
}

static void add_slow(struct sp_jsonw *w, const char *p, size_t n)
{
	int rc = sp_buf_add(w->out, p, n);
	if (rc)
		sp_jsonw_fail(w, rc);
}

/* Most pieces are a few bytes into a buffer with room: copied in place, inline, without the
 * checked append's call (the cap is checked there, and cap never exceeds max + 1). */
static inline void add(struct sp_jsonw *w, const char *p, size_t n)
{
	struct sp_buf *b = w->out;
	if (w->rc)
		return;
	if (b->data && n < b->cap - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return;
	}
	add_slow(w, p, n);
}

/* Before any value: the comma between array items; a member's value follows its key. */
static void value_start(struct sp_jsonw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	if (w->more[w->depth])
		add(w, ",", 1);
	w->more[w->depth] = 1;
}

static void container_begin(struct sp_jsonw *w, char c)
{
	value_start(w);
	if (w->depth >= SP_JSONW_DEPTH) {
		sp_jsonw_fail(w, SP_ETOOBIG);
		return;
	}
	add(w, &c, 1);
	w->more[++w->depth] = 0;
}

static void container_end(struct sp_jsonw *w, char c)
{
	if (w->depth == 0 || w->after_key) {
		sp_jsonw_fail(w, SP_EINTERNAL);
		return;
	}
	w->depth--;
	add(w, &c, 1);
}

void sp_jsonw_object(struct sp_jsonw *w)
{
	container_begin(w, '{');
}

void sp_jsonw_object_end(struct sp_jsonw *w)
{
	container_end(w, '}');
}

void sp_jsonw_array(struct sp_jsonw *w)
{
	container_begin(w, '[');
}

void sp_jsonw_array_end(struct sp_jsonw *w)
{
	container_end(w, ']');
}

/* Length of the UTF-8 sequence at s (1 to 4), or 0 if it is not a valid one. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
	if (n == 0 || c > 0xf4)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
		return 0; /* overlong, surrogate, past U+10FFFF */
	return n;
}

/* Whether the 8 bytes of x are all printable ASCII other than '"' and '\\' (bit tricks from
 * "Bit Twiddling Hacks": a byte below 0x20, a zero byte after XOR, or a high bit shows). */
static int plain8(uint64_t x)
{
	const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
	uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
	uint64_t special = ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((bs - ones) & ~bs) | x;
	return (special & highs) == 0;
}

/* Copied in runs: a run ends only where a character must be escaped (valid UTF-8 sequences
 * stay in the run), so a name in Arabic or Ge'ez script is one copy, not one per letter.
 * Plain ASCII is skipped 8 bytes at a time. */
static void quoted(struct sp_jsonw *w, const char *s)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	const unsigned char *end = p + strlen(s);
	add(w, "\"", 1);
	while (*p && !w->rc) {
		uint64_t x;
		if (end - p >= 8 && (memcpy(&x, p, sizeof x), plain8(x))) {
			p += 8;
			continue;
		}
		unsigned c = *p;
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0x80) {
			size_t n = utf8_len(p);
			if (!n) {
				sp_jsonw_fail(w, SP_EINVAL);
				return;
			}
			p += n;
			continue;
		}
		add(w, (const char *)run, (size_t)(p - run));
		char esc[8];
		const char *e = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n"
			      : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
		if (!e) {
			snprintf(esc, sizeof esc, "\\u%04x", c);
			e = esc;
		}
		add(w, e, strlen(e));
		p++;
		run = p;
	}
	add(w, (const char *)run, (size_t)(p - run));
	add(w, "\"", 1);
}

void sp_jsonw_key(struct sp_jsonw *w, const char *name)
{
	if (w->after_key || w->depth == 0) {
		sp_jsonw_fail(w, SP_EINTERNAL);
		return;
	}
	value_start(w);
	quoted(w, name);
	add(w, ":", 1);
	w->after_key = 1;
}

void sp_jsonw_string(struct sp_jsonw *w, const char *s)
{
	if (!s) {
		sp_jsonw_null(w);
		return;
	}
	value_start(w);
	quoted(w, s);
}

void sp_jsonw_int(struct sp_jsonw *w, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof num, "%lld", (long long)v);
	value_start(w);
	add(w, num, (size_t)n);
}

void sp_jsonw_bool(struct sp_jsonw *w, int v)
{
	value_start(w);
	add(w, v ? "true" : "false", v ? 4 : 5);
}

void sp_jsonw_null(struct sp_jsonw *w)
{
	value_start(w);
	add(w, "null", 4);
}

void sp_jsonw_id(struct sp_jsonw *w, const struct sp_id *id)
{
	char s[SP_ID_STRLEN + 1];
	sp_id_format(id, s);
	sp_jsonw_string(w, s);
}

void sp_jsonw_opt_id(struct sp_jsonw *w, const struct sp_id *id)
{
	if (sp_id_is_zero(id))
		sp_jsonw_null(w);
	else
		sp_jsonw_id(w, id);
}

void sp_jsonw_time(struct sp_jsonw *w, int64_t us)
{
	char s[SP_TIME_STRLEN + 1];
	sp_time_format(us, s);
	sp_jsonw_string(w, s);
}

void sp_jsonw_opt_time(struct sp_jsonw *w, int64_t us)
{
	if (us)
		sp_jsonw_time(w, us);
	else
		sp_jsonw_null(w);
}

void sp_jsonw_real(struct sp_jsonw *w, double v)
{
	char num[40];
	int n = snprintf(num, sizeof num - 2, "%.17g", v);
	if (!strchr(num, '.') && !strchr(num, 'e')) { /* it would read back as an integer */
		memcpy(num + n, ".0", 3);
		n += 2;
	}
	char *e = strchr(num, 'e');
	if (e) { /* the exponent without its '+' and leading zeros: 1e+20 -> 1e20, 1e-05 -> 1e-5 */
		char *at = e + 1 + (e[1] == '-'), *from = e + 2;
		while (*from == '0' && from[1])
			from++;
		memmove(at, from, strlen(from) + 1);
		n = (int)strlen(num);
	}
	value_start(w);
	add(w, num, (size_t)n);
}

static int key_order(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void object_value(struct sp_jsonw *w, json_t *v)
{
	size_t n = json_object_size(v), i = 0;
	const char *key;
	json_t *member;
	sp_jsonw_object(w);
	if (n) {
		const char **keys = malloc(n * sizeof *keys);
		if (!keys) {
			sp_jsonw_fail(w, SP_ENOMEM);
			return;
		}
		json_object_foreach(v, key, member) if (i < n) keys[i++] = key;
		qsort(keys, i, sizeof *keys, key_order);
		for (size_t k = 0; k < i; k++) {
			sp_jsonw_key(w, keys[k]);
			sp_jsonw_value(w, json_object_get(v, keys[k]));
		}
		free(keys);
	}
	sp_jsonw_object_end(w);
}

void sp_jsonw_value(struct sp_jsonw *w, json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		object_value(w, v);
		return;
	case JSON_ARRAY:
		sp_jsonw_array(w);
		for (size_t i = 0; i < json_array_size(v); i++)
			sp_jsonw_value(w, json_array_get(v, i));
		sp_jsonw_array_end(w);
		return;
	case JSON_STRING:
		sp_jsonw_string(w, json_string_value(v));
		return;
	case JSON_INTEGER:
		sp_jsonw_int(w, (int64_t)json_integer_value(v));
		return;
	case JSON_REAL:
		sp_jsonw_real(w, json_real_value(v));
		return;
	case JSON_TRUE:
	case JSON_FALSE:
		sp_jsonw_bool(w, json_is_true(v));
		return;
	case JSON_NULL:
		sp_jsonw_null(w);
		return;
	}
}

json_t *sp_jsonw_read(sp_jsonw_fn *write, const void *arg)
{
	struct sp_buf b;
	struct sp_jsonw w;
	struct sp_err err = {0};
	sp_buf_init(&b, (size_t)1 << 26); /* 64 MiB: any one record's form */
	sp_jsonw_init(&w, &b);
	write(&w, arg);
	json_t *j = sp_jsonw_status(&w) ? NULL : sp_json_parse(b.data, b.len, &err);
	sp_buf_free(&b);
	return j;
}

int sp_jsonw_status(const struct sp_jsonw *w)
{
	if (w->rc)
		return w->rc;
	return w->depth || w->after_key ? SP_EINTERNAL : SP_OK;
}
