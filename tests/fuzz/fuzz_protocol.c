/* Fuzz the protocol loader (sp_protocol_load): never a crash, UB or leak; a refused file has
 * at least one error, each at a JSON pointer ("" or starting with '/'); an accepted one
 * evaluates with no answers and its result encodes, in English and French. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol_init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_diag d;
	sp_diag_init(&d);
	struct sp_protocol *p = NULL;
	int rc = sp_protocol_load((const char *)data, size, sp_protocols_vocab(fuzz_reg), &p, &d);
	if (rc) {
		if (p || d.n == 0)
			abort();
		for (size_t i = 0; i < d.n; i++)
			if (d.items[i].pointer[0] && d.items[i].pointer[0] != '/')
				abort();
		sp_diag_free(&d);
		return 0;
	}
	if (d.n)
		abort();
	struct sp_answers ans;
	struct sp_result r;
	struct sp_facts f;
	sp_facts_init(&f);
	if (sp_answers_init(&ans, p) || sp_result_init(&r, p))
		abort();
	sp_evaluate(p, &ans, &f, &r);
	for (int k = 0; k < 2; k++) {
		struct sp_buf out;
		sp_buf_init(&out, 1u << 24);
		if (sp_result_json(&r, k ? "fr" : "en", &out) != SP_OK)
			abort();
		sp_buf_free(&out);
	}
	sp_result_free(&r);
	sp_answers_free(&ans);
	sp_protocol_free(p);
	sp_diag_free(&d);
	return 0;
}
