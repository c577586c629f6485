/* Fuzz the jurisdiction loader (sp_jurisdiction_parse, sp_jurisdiction_check) and the deadline
 * arithmetic over what it accepts. Never a crash, UB or leak; parse and check agree (valid for
 * both or neither, the same first error); every error has a JSON pointer or is about the whole
 * document; and for an accepted file, every rule's due instant is at or after its trigger, a
 * target is overdue right after it and a minimum never, the formatted time and the working days
 * left answer without failing where the due instant did. abort() when not.
 *
 * The whole input is the file; the trigger instants are fixed points around DST changes, year
 * ends and the edges of the years the arithmetic takes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/jurisdiction.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int64_t triggers[] = {
	0,			     /* 1970-01-01T00:00:00Z */
	1774746000000000LL,	     /* 2026-03-29T01:00:00Z: the London spring change */
	1792890000000000LL,	     /* 2026-10-25T01:00:00Z: the London autumn change */
	1798761599999999LL,	     /* 2026-12-31T23:59:59.999999Z */
	-2208988800000000LL,	     /* 1900-01-01T00:00:00Z */
	7258118399000000LL,	     /* 2199-12-31T23:59:59Z */
	INT64_MIN / 2,
};

static void check_rules(const struct sp_jurisdiction *j)
{
	for (size_t i = 0; i < j->n_rules; i++) {
		const struct sp_jur_rule *r = &j->rules[i];
		if (sp_jurisdiction_rule(j, r->id) != r)
			abort();
		for (size_t k = 0; k < sizeof triggers / sizeof triggers[0]; k++) {
			int64_t due = 0;
			struct sp_err err = {0};
			if (sp_deadline_due(j, r, triggers[k], &due, &err) != SP_OK)
				continue;
			if (due < triggers[k])
				abort();
			if (r->unit == SP_UNIT_IMMEDIATELY && due != triggers[k])
				abort();
			if ((r->unit == SP_UNIT_UNTIL_EVENT) != (due == SP_DUE_OPEN))
				abort();
			if (due == SP_DUE_OPEN)
				continue;
			if (sp_deadline_overdue(r, due, due) ||
			    sp_deadline_overdue(r, due, due + 1) != (r->kind == SP_KIND_TARGET))
				abort();
			char out[SP_JUR_TIME_SIZE];
			if (sp_jurisdiction_format_time(j, due, out, &err) != SP_OK)
				abort();
			int left;
			if (r->unit == SP_UNIT_WORKING_DAYS &&
			    (sp_deadline_working_days_left(j, triggers[k], due, &left, &err) !=
				     SP_OK ||
			     left != r->amount))
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a buffer of exactly the input's size, so ASan sees a read past its end */
	char *text = malloc(size ? size : 1);
	if (!text)
		abort();
	if (size)
		memcpy(text, data, size);
	struct sp_jurisdiction *j = NULL;
	struct sp_err err = {0}, errs[8];
	size_t n = 0;
	int rc = sp_jurisdiction_parse(text, size, &j, &err);
	int rc2 = sp_jurisdiction_check(text, size, errs, 8, &n);
	free(text);
	if ((rc == SP_OK) != (rc2 == SP_OK) || (rc == SP_OK) != (j != NULL) ||
	    (rc2 == SP_OK) != (n == 0))
		abort();
	if (rc != SP_OK) {
		if (rc == SP_EINVAL && (strcmp(err.field, errs[0].field) != 0 ||
					strcmp(err.msg, errs[0].msg) != 0))
			abort();
		for (size_t i = 0; i < n; i++)
			if (errs[i].field[0] && errs[i].field[0] != '/')
				abort();
		return 0;
	}
	check_rules(j);
	sp_jurisdiction_free(j);
	return 0;
}
