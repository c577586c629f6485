/* Fuzz the answers and facts decoders (sp_answers_decode, sp_facts_decode) and the official's
 * conclusion (sp_conclusion_decode) against the test protocol: never a crash, UB or leak; an
 * error names a JSON pointer and never the value; a decoded set of answers evaluates and its
 * result encodes and compares with a decoded conclusion. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/json.h"
#include "safepath/screening.h"
#include "protocol_init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The decoders' messages are our own words: never a value of the input. */
static void quiet(const char *msg)
{
	static const char *const ours[] = {
		"must be \"yes\", \"no\" or \"unknown\"",
		"must be one of the question's options or \"unknown\"",
		"must be a list of the question's options or \"unknown\"",
		"is not one of the question's options",
		"is listed twice",
		"must be an integer or \"unknown\"",
		"must be from ",
		"must be a date YYYY, YYYY-MM or YYYY-MM-DD, or \"unknown\"",
		"must be a text of at most ",
		"is not a question of test-labour@1",
		"must be an object",
		"is not a known member",
		"must be a whole number of years from 0 to 130, or null",
		"must be true, false or null",
		"must be F, M, X or U, or null",
		"must be child, adult or null",
		/* the conclusion */
		"is required",
		"must be a string",
		"unknown intervention_levels",
		"unknown priorities",
		"must be \"yes\", \"no\" or \"undetermined\"",
		"must be true or false",
		"is not a known field",
		"has a member that is not a known field",
		NULL,
	};
	for (const char *const *m = ours; *m; m++)
		if (strncmp(msg, *m, strlen(*m)) == 0)
			return;
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_err err = {0};
	json_t *j = sp_json_parse((const char *)data, size, &err);
	if (!j)
		return 0;
	struct sp_diag d;
	sp_diag_init(&d);
	struct sp_facts f;
	if (sp_facts_decode(j, &f, &d) != SP_OK)
		sp_facts_init(&f);
	struct sp_answers ans;
	if (sp_answers_init(&ans, fuzz_p))
		abort();
	int rc = sp_answers_decode(fuzz_p, j, &ans, &d);
	for (size_t i = 0; i < d.n; i++) {
		if (d.items[i].pointer[0] && d.items[i].pointer[0] != '/')
			abort();
		quiet(d.items[i].msg);
	}
	struct sp_conclusion c;
	struct sp_err cerr = {0};
	int crc = sp_conclusion_decode(fuzz_p, j, &c, &cerr);
	if (crc && (crc != SP_EINVAL || (cerr.field[0] && cerr.field[0] != '/' &&
					  !sp_json_name_plain(cerr.field))))
		abort();
	if (crc)
		quiet(cerr.msg);
	if (rc == SP_OK) {
		struct sp_result r;
		struct sp_buf out;
		if (sp_result_init(&r, fuzz_p))
			abort();
		sp_evaluate(fuzz_p, &ans, &f, &r);
		if (crc == SP_OK && sp_conclusion_differs(&r, &c) > 15)
			abort();
		sp_buf_init(&out, 1u << 24);
		if (sp_result_json(&r, "en", &out) != SP_OK)
			abort();
		sp_buf_free(&out);
		sp_result_free(&r);
	}
	sp_answers_free(&ans);
	sp_diag_free(&d);
	json_decref(j);
	return 0;
}
