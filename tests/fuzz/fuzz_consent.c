/* Fuzz the consent decoder (the body of `consent add` and POST .../consents) and the rules
 * between its fields. Never a crash, UB or leak. What decodes passes sp_consent_check and
 * encodes to JSON whose recordable members decode again to the same encoding; a record built
 * from raw bytes is either refused by sp_consent_check or encodes. abort() when not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/case.h"
#include "safepath/codes.h"
#include "safepath/init.h"
#include "safepath/json.h"

#include "codes_init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* sp_consent_encode adds what sp_consent_record sets (id, case, who, when); the body a
 * client sends has the rest. */
static void drop_recorded(json_t *o)
{
	static const char *const set_by_record[] = {"id", "case", "recorded_by", "recorded_at",
						    NULL};
	for (const char *const *k = set_by_record; *k; k++)
		if (json_object_del(o, *k) != 0)
			abort();
}

static void round_trip(json_t *j)
{
	struct sp_arena a;
	struct sp_err err = {0};
	struct sp_consent c, again;
	sp_arena_init(&a, 4096, 1u << 20);
	int rc = sp_consent_decode(j, &a, &c, &err);
	if (rc != SP_OK) {
		if (err.code != rc || err.msg[0] == '\0')
			abort();
		sp_arena_release(&a);
		return;
	}
	if (sp_consent_check(&c, &err) != SP_OK)
		abort();
	json_t *enc = sp_consent_encode(&c);
	if (!enc)
		abort();
	json_t *body = json_deep_copy(enc);
	if (!body)
		abort();
	drop_recorded(body);
	if (sp_consent_decode(body, &a, &again, &err) != SP_OK)
		abort();
	json_t *enc2 = sp_consent_encode(&again);
	if (!enc2 || !json_equal(enc, enc2))
		abort();
	json_decref(enc2);
	json_decref(body);
	json_decref(enc);
	sp_arena_release(&a);
}

/* A record as a caller could hand it to sp_consent_record: enumerations from raw bytes (out
 * of range too), scope and interpreter fields present or not. */
static void raw_record(const uint8_t *data, size_t size)
{
	struct sp_consent c;
	struct sp_err err = {0};
	uint8_t b[12] = {0};
	memcpy(b, data, size < sizeof b ? size : sizeof b);
	memset(&c, 0, sizeof c);
	c.purpose = (enum sp_consent_purpose)(int8_t)b[0];
	c.status = (enum sp_consent_status)(int8_t)b[1];
	c.method = (enum sp_consent_method)(int8_t)b[2];
	c.by = (enum sp_consent_by)(int8_t)b[3];
	c.child_assent = (enum sp_assent)(int8_t)b[4];
	c.interpreter_used = b[5] & 1;
	if (b[5] & 2)
		c.scope_agency.b[15] = 1;
	if (b[5] & 4)
		memcpy(c.scope_country, "ER", 3);
	if (b[5] & 8)
		memcpy(c.interpreter_language, "ti", 3);
	if (b[5] & 16)
		c.note = "a note";
	if (sp_consent_check(&c, &err) != SP_OK) {
		if (err.msg[0] == '\0')
			abort();
		return;
	}
	json_t *enc = sp_consent_encode(&c);
	if (!enc)
		abort();
	json_decref(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_err err = {0};
	/* A leading NUL byte selects the raw record; JSON text never starts with one. */
	if (size > 0 && data[0] == 0) {
		raw_record(data + 1, size - 1);
		return 0;
	}
	json_t *j = sp_json_parse((const char *)data, size, &err);
	if (!j)
		return 0;
	round_trip(j);
	json_decref(j);
	return 0;
}
