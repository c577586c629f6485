/* The CSV reader of safepath match: RFC 4180 quoting ("" inside quotes, line breaks in a
 * quoted value), CRLF and LF, a byte-order mark, spaces around unquoted values, empty lines,
 * the HXL hashtag row, and every error with its file, line and column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "safepath/csv.h"

static void parse_ok(const char *text, struct sp_csv *c)
{
	struct sp_err err = {0};
	if (sp_csv_parse(text, strlen(text), "t.csv", c, &err))
		fail_msg("%s: %s", err.field, err.msg);
}

static void reads(void **state)
{
	(void)state;
	struct sp_csv c;
	parse_ok("\xEF\xBB\xBFid, name ,city\r\n"
		 "1, \"Amina, A.\" ,\"say \"\"hi\"\"\"\r\n"
		 "\n"
		 "2,  Yusuf  ,\"two\nlines\"\n"
		 "3,,\n",
		 &c);
	assert_int_equal(c.n_cols, 3);
	assert_int_equal(c.n_rows, 3);
	assert_null(c.hxl);
	assert_string_equal(c.header[0], "id"); /* the mark is not part of the name */
	assert_string_equal(c.header[1], "name");
	assert_string_equal(c.cells[1], "Amina, A.");
	assert_string_equal(c.cells[2], "say \"hi\"");
	assert_string_equal(c.cells[4], "Yusuf");
	assert_string_equal(c.cells[5], "two\nlines");
	assert_string_equal(c.cells[7], "");
	assert_string_equal(c.cells[8], "");
	assert_int_equal(c.lines[0], 2);
	assert_int_equal(c.lines[1], 4); /* the empty line 3 skipped */
	assert_int_equal(c.lines[2], 6); /* the quoted line break counts */
	assert_int_equal(sp_csv_column(&c, "city"), 2);
	assert_int_equal(sp_csv_column(&c, "#city"), -1);
	sp_csv_free(&c);

	/* an HXL row; the last line without its line end; a quoted value keeps its spaces */
	parse_ok("id,given,family\n#id,#name+given,\n7,\" Ali \",Hassan", &c);
	assert_int_equal(c.n_rows, 1);
	assert_non_null(c.hxl);
	assert_string_equal(c.hxl[1], "#name+given");
	assert_int_equal(sp_csv_column(&c, "#name+given"), 1);
	assert_string_equal(c.cells[1], " Ali ");
	assert_string_equal(c.cells[2], "Hassan");
	sp_csv_free(&c);

	/* a second row of values starting with # only where every value does */
	parse_ok("a,b\n#x,y\n", &c);
	assert_null(c.hxl);
	assert_int_equal(c.n_rows, 1);
	sp_csv_free(&c);
}

static void fails(const char *text, size_t len, int code, const char *msg)
{
	struct sp_csv c;
	struct sp_err err = {0};
	assert_int_equal(sp_csv_parse(text, len, "t.csv", &c, &err), code);
	assert_string_equal(err.field, "t.csv");
	assert_string_equal(err.msg, msg);
	assert_int_equal(c.n_rows, 0);
	assert_null(c.text);
}

#define FAILS(text, code, msg) fails(text, sizeof text - 1, code, msg)

static void errors(void **state)
{
	(void)state;
	FAILS("a,b\n1,\"two\n", SP_EINVAL, "line 2, column 2: a quoted value is not closed");
	FAILS("a,b\n1,t\"wo\n", SP_EINVAL,
	      "line 2, column 2: a quote inside an unquoted value (quote the whole value)");
	FAILS("a,b\n\"1\"x,2\n", SP_EINVAL, "line 2, column 1: text after a closing quote");
	FAILS("a,b\n1,2\n1,2,3\n", SP_EINVAL, "line 3, column 3: the row has 3 values, the header 2");
	FAILS("a,b\n1\n", SP_EINVAL, "line 2, column 1: the row has 1 values, the header 2");
	FAILS("a,b\n1,\xC3\x28\n", SP_EINVAL, "line 2, column 2: the value is not valid UTF-8");
	FAILS("a,b\n1,\xED\xA0\x80\n", SP_EINVAL, "line 2, column 2: the value is not valid UTF-8");
	FAILS("a,b\nx\0y,2\n", SP_EINVAL, "line 2, column 1: the value holds a NUL byte");
	FAILS("", SP_EINVAL, "line 1, column 1: no header row");
	FAILS("\n\n", SP_EINVAL, "line 1, column 1: no header row");
	FAILS("a,,c\n", SP_EINVAL, "line 1, column 2: a column has no name");
	FAILS("a,b,a\n", SP_EINVAL, "line 1, column 3: the column name is already used");

	static char wide[2000];
	size_t at = 0;
	for (int i = 0; i < 257; i++)
		at += (size_t)snprintf(wide + at, sizeof wide - at, "%sc%d", i ? "," : "", i);
	fails(wide, at, SP_ETOOBIG, "line 1, column 257: more than 256 columns");

	static char big[SP_CSV_MAX_VALUE + 16];
	memcpy(big, "a\n", 2);
	memset(big + 2, 'x', SP_CSV_MAX_VALUE + 1);
	fails(big, SP_CSV_MAX_VALUE + 3, SP_ETOOBIG, "line 2, column 1: the value is over 65536 bytes");

	struct sp_csv c;
	struct sp_err err = {0};
	assert_int_equal(sp_csv_read("tests/data/matching/no-such.csv", &c, &err), SP_EIO);
	assert_string_equal(err.field, "tests/data/matching/no-such.csv");
	assert_string_equal(err.msg, "cannot open: No such file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads),
		cmocka_unit_test(errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
