/* A CSV reader for lists of people (safepath match; docs/cli/match.md): RFC 4180 quoting, UTF-8
 * (a byte-order mark is skipped), a header row naming the columns, then an optional HXL hashtag
 * row (every non-empty cell starting with #), CRLF or LF line ends. Spaces around an unquoted
 * value are not part of it (spreadsheet exports, FEBRL's ", " separator); a quoted value keeps
 * its spaces. Hard caps on size, columns, rows and value length. Errors name the file, the line
 * and the column (1-based), never a value. */
#ifndef SAFEPATH_CSV_H
#define SAFEPATH_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "safepath/err.h"

#define SP_CSV_MAX_BYTES ((size_t)1 << 30)
#define SP_CSV_MAX_COLS 256
#define SP_CSV_MAX_ROWS ((size_t)50 * 1000 * 1000)
#define SP_CSV_MAX_VALUE ((size_t)64 * 1024)

struct sp_csv {
	size_t n_cols, n_rows;
	char **header;	/* n_cols names */
	char **hxl;	/* n_cols hashtags ("" where none), or NULL without an HXL row */
	char **cells;	/* n_rows × n_cols values */
	size_t *lines;	/* the line each row starts on */
	char *text;	/* owns every string above */
};

/* Parse len bytes of data (need not be NUL-terminated); name is the file named in errors
 * (err->field). SP_EINVAL "line L, column C: reason", SP_ETOOBIG over a cap, SP_ENOMEM. On
 * failure *out is empty. Free with sp_csv_free. */
int sp_csv_parse(const char *data, size_t len, const char *name, struct sp_csv *out,
		 struct sp_err *err) SP_MUST;
/* Read and parse the file at path (SP_EIO naming it when it cannot be read). */
int sp_csv_read(const char *path, struct sp_csv *out, struct sp_err *err) SP_MUST;
void sp_csv_free(struct sp_csv *c);
/* The column whose header name or HXL hashtag is name (exact), or -1. */
int sp_csv_column(const struct sp_csv *c, const char *name);

#endif
