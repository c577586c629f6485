/* The CSV reader (safepath/csv.h): one pass over a copy of the input, values unquoted in place
 * (a value never grows), so every string points into one buffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/csv.h"

struct parser {
	char *p;	    /* the copy: read at r, write at w (w <= r) */
	size_t len, r, w;
	size_t line;	    /* of the read position */
	const char *name;
	char **vals;	    /* every value of every row, header first */
	size_t n_vals, cap_vals;
	size_t *row_lines;
	size_t n_rows, cap_rows;
	struct sp_err *err;
};

static int fail(struct parser *ps, int code, size_t line, size_t col, const char *reason)
{
	return sp_err_set(ps->err, code, ps->name, "line %zu, column %zu: %s", line, col, reason);
}

/* Whether s holds valid UTF-8 (no overlong forms, surrogates or values past U+10FFFF). */
static bool valid_utf8(const unsigned char *s)
{
	while (*s) {
		unsigned c = *s;
		size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3
				 : (c & 0xF8) == 0xF0		 ? 4 : 0;
		if (!n)
			return false;
		unsigned long cp = n == 1 ? c : c & (0x7Fu >> n);
		for (size_t k = 1; k < n; k++) {
			if ((s[k] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[k] & 0x3Fu);
		}
		static const unsigned long min[5] = {0, 0, 0x80, 0x800, 0x10000};
		if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		s += n;
	}
	return true;
}

static int push_value(struct parser *ps, char *v)
{
	if (ps->n_vals == ps->cap_vals) {
		size_t cap = ps->cap_vals ? ps->cap_vals * 2 : 1024;
		char **vals = realloc(ps->vals, cap * sizeof *vals);
		if (!vals)
			return sp_err_set(ps->err, SP_ENOMEM, ps->name, "out of memory");
		ps->vals = vals, ps->cap_vals = cap;
	}
	ps->vals[ps->n_vals++] = v;
	return SP_OK;
}

static int push_row(struct parser *ps, size_t line)
{
	if (ps->n_rows == ps->cap_rows) {
		size_t cap = ps->cap_rows ? ps->cap_rows * 2 : 256;
		size_t *rows = realloc(ps->row_lines, cap * sizeof *rows);
		if (!rows)
			return sp_err_set(ps->err, SP_ENOMEM, ps->name, "out of memory");
		ps->row_lines = rows, ps->cap_rows = cap;
	}
	ps->row_lines[ps->n_rows++] = line;
	return SP_OK;
}

/* One value at the read position, written at w and ended by a NUL; *end says whether the row
 * ends after it. */
static int read_value(struct parser *ps, size_t col, bool *end)
{
	char *p = ps->p;
	size_t start_line = ps->line, w0 = ps->w;
	while (ps->r < ps->len && p[ps->r] == ' ')
		ps->r++;
	if (ps->r < ps->len && p[ps->r] == '"') {
		ps->r++;
		for (;;) {
			if (ps->r >= ps->len)
				return fail(ps, SP_EINVAL, start_line, col, "a quoted value is not closed");
			char c = p[ps->r++];
			if (c == '"') {
				if (ps->r < ps->len && p[ps->r] == '"')
					ps->r++;
				else
					break;
			} else if (c == '\n') {
				ps->line++;
			}
			p[ps->w++] = c;
		}
		while (ps->r < ps->len && p[ps->r] == ' ')
			ps->r++;
		if (ps->r < ps->len && p[ps->r] != ',' && p[ps->r] != '\n' &&
		    !(p[ps->r] == '\r' && ps->r + 1 < ps->len && p[ps->r + 1] == '\n'))
			return fail(ps, SP_EINVAL, ps->line, col, "text after a closing quote");
	} else {
		size_t kept = ps->w;
		while (ps->r < ps->len && p[ps->r] != ',' && p[ps->r] != '\n' &&
		       !(p[ps->r] == '\r' && ps->r + 1 < ps->len && p[ps->r + 1] == '\n')) {
			char c = p[ps->r++];
			if (c == '"')
				return fail(ps, SP_EINVAL, ps->line, col,
					    "a quote inside an unquoted value (quote the whole value)");
			p[ps->w++] = c;
			if (c != ' ')
				kept = ps->w;
		}
		ps->w = kept;
	}
	/* the delimiter is read before the NUL goes where it may stand */
	*end = true;
	if (ps->r < ps->len && p[ps->r] == ',') {
		*end = false;
		ps->r++;
	} else if (ps->r < ps->len) {
		ps->r += p[ps->r] == '\r' ? 2 : 1;
		ps->line++;
	}
	if (ps->w - w0 > SP_CSV_MAX_VALUE)
		return fail(ps, SP_ETOOBIG, start_line, col, "the value is over 65536 bytes");
	if (memchr(p + w0, '\0', ps->w - w0))
		return fail(ps, SP_EINVAL, start_line, col, "the value holds a NUL byte");
	p[ps->w++] = '\0';
	if (!valid_utf8((const unsigned char *)p + w0))
		return fail(ps, SP_EINVAL, start_line, col, "the value is not valid UTF-8");
	return push_value(ps, p + w0);
}

/* Every row: its values and the line it starts on. Empty lines are skipped. */
static int read_rows(struct parser *ps, size_t *n_cols)
{
	int rc = SP_OK;
	*n_cols = 0;
	while (!rc && ps->r < ps->len) {
		if (ps->p[ps->r] == '\n' || (ps->p[ps->r] == '\r' && ps->r + 1 < ps->len &&
					     ps->p[ps->r + 1] == '\n')) {
			ps->r += ps->p[ps->r] == '\r' ? 2 : 1;
			ps->line++;
			continue;
		}
		size_t line = ps->line, col = 0;
		bool end = false;
		while (!rc && !end) {
			if (++col > SP_CSV_MAX_COLS)
				return fail(ps, SP_ETOOBIG, line, col, "more than 256 columns");
			rc = read_value(ps, col, &end);
		}
		if (rc)
			return rc;
		if (ps->n_rows == 0)
			*n_cols = col;
		else if (col != *n_cols) {
			char why[96];
			snprintf(why, sizeof why, "the row has %zu values, the header %zu", col,
				 *n_cols);
			return fail(ps, SP_EINVAL, line, col < *n_cols ? col : *n_cols + 1, why);
		}
		if (ps->n_rows > SP_CSV_MAX_ROWS)
			return fail(ps, SP_ETOOBIG, line, 1, "more than 50000000 rows");
		rc = push_row(ps, line);
	}
	return rc;
}

static bool is_hxl_row(char **v, size_t n)
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		if (v[i][0] && v[i][0] != '#')
			return false;
		any |= v[i][0] == '#';
	}
	return any;
}

static int check_header(struct parser *ps, size_t n_cols)
{
	for (size_t i = 0; i < n_cols; i++) {
		if (!ps->vals[i][0])
			return fail(ps, SP_EINVAL, ps->row_lines[0], i + 1, "a column has no name");
		for (size_t k = 0; k < i; k++)
			if (strcmp(ps->vals[k], ps->vals[i]) == 0)
				return fail(ps, SP_EINVAL, ps->row_lines[0], i + 1,
					    "the column name is already used");
	}
	return SP_OK;
}

int sp_csv_parse(const char *data, size_t len, const char *name, struct sp_csv *out,
		 struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	if (len > SP_CSV_MAX_BYTES)
		return sp_err_set(err, SP_ETOOBIG, name, "the file is over 1 GiB");
	struct parser ps = {.len = len, .line = 1, .name = name, .err = err};
	ps.p = malloc(len + 1);
	if (!ps.p)
		return sp_err_set(err, SP_ENOMEM, name, "out of memory");
	memcpy(ps.p, data, len);
	if (len >= 3 && memcmp(ps.p, "\xEF\xBB\xBF", 3) == 0)
		ps.r = 3;
	size_t n_cols = 0;
	int rc = read_rows(&ps, &n_cols);
	if (!rc && ps.n_rows == 0)
		rc = sp_err_set(err, SP_EINVAL, name, "line 1, column 1: no header row");
	if (!rc)
		rc = check_header(&ps, n_cols);
	if (rc) {
		free(ps.p), free(ps.vals), free(ps.row_lines);
		return rc;
	}
	out->text = ps.p;
	out->n_cols = n_cols;
	out->header = ps.vals;
	size_t skip = 1;
	if (ps.n_rows > 1 && is_hxl_row(ps.vals + n_cols, n_cols)) {
		out->hxl = ps.vals + n_cols;
		skip = 2;
	}
	out->cells = ps.vals + skip * n_cols;
	out->n_rows = ps.n_rows - skip;
	if (out->n_rows && ps.row_lines) /* the lines of the header and HXL rows go */
		memmove(ps.row_lines, ps.row_lines + skip, out->n_rows * sizeof *ps.row_lines);
	out->lines = ps.row_lines;
	return SP_OK;
}

int sp_csv_read(const char *path, struct sp_csv *out, struct sp_err *err)
{
	memset(out, 0, sizeof *out);
	FILE *f = fopen(path, "rb");
	if (!f)
		return sp_err_set(err, SP_EIO, path, "cannot open: %s", strerror(errno));
	char *data = NULL;
	size_t len = 0, cap = 0;
	int rc = SP_OK;
	for (;;) {
		if (len == cap) {
			if (cap > SP_CSV_MAX_BYTES) {
				rc = sp_err_set(err, SP_ETOOBIG, path, "the file is over 1 GiB");
				break;
			}
			cap = cap ? cap * 2 : 65536;
			char *more = realloc(data, cap);
			if (!more) {
				rc = sp_err_set(err, SP_ENOMEM, path, "out of memory");
				break;
			}
			data = more;
		}
		size_t n = fread(data + len, 1, cap - len, f);
		len += n;
		if (n == 0) {
			if (ferror(f))
				rc = sp_err_set(err, SP_EIO, path, "cannot read: %s", strerror(errno));
			break;
		}
	}
	fclose(f);
	if (!rc)
		rc = sp_csv_parse(data ? data : "", len, path, out, err);
	free(data);
	return rc;
}

void sp_csv_free(struct sp_csv *c)
{
	if (!c)
		return;
	free(c->text);
	free(c->header);
	free(c->lines);
	memset(c, 0, sizeof *c);
}

int sp_csv_column(const struct sp_csv *c, const char *name)
{
	for (size_t i = 0; i < c->n_cols; i++)
		if (strcmp(c->header[i], name) == 0 || (c->hxl && strcmp(c->hxl[i], name) == 0))
			return (int)i;
	return -1;
}
