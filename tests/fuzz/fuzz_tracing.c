/* Fuzz the family tracing request's decoder (the body of POST /api/v1/tracing/requests and of
 * `tracing create`). Never a crash, UB or leak; what decodes encodes to JSON that decodes again
 * to the same encoding; a refusal names its reason. abort() when not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/init.h"
#include "safepath/json.h"
#include "safepath/tracing.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sp_init() != SP_OK)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_err err = {0};
	struct sp_arena a;
	struct sp_tracing_details d, again;
	json_t *j = sp_json_parse((const char *)data, size, &err);
	if (!j)
		return 0;
	sp_arena_init(&a, 4096, 1u << 20);
	int rc = sp_tracing_decode(j, &a, &d, &err);
	if (rc != SP_OK) {
		if (err.code != rc || err.msg[0] == '\0')
			abort();
	} else {
		json_t *enc = sp_tracing_details_encode(&d);
		if (!enc || sp_tracing_decode(enc, &a, &again, &err) != SP_OK)
			abort();
		json_t *enc2 = sp_tracing_details_encode(&again);
		if (!enc2 || !json_equal(enc, enc2))
			abort();
		json_decref(enc2);
		json_decref(enc);
	}
	sp_arena_release(&a);
	json_decref(j);
	return 0;
}
