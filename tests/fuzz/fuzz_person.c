/* Fuzz the person decoder every case body and sealed profile goes through: JSON text ->
 * sp_person_decode. Never a crash, UB or leak; a decoded person encodes to JSON that decodes
 * again and encodes the same (the stored form is stable), with and without the safety block.
 * abort() when not. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "safepath/codes.h"
#include "safepath/date.h"
#include "safepath/init.h"
#include "safepath/json.h"
#include "safepath/person.h"

#include "codes_init.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the decoder promises about a name: 1 to SP_PERSON_MAX_PARTS parts, each with an
 * original or a romanised form, a script exactly when there is an original. */
static void check_name(const struct sp_name *n)
{
	if (n->n_parts == 0 || n->n_parts > SP_PERSON_MAX_PARTS)
		abort();
	for (size_t i = 0; i < n->n_parts; i++) {
		const struct sp_name_part *part = &n->parts[i];
		if ((!part->original && !part->romanised) ||
		    (part->original != NULL) != (part->script[0] != '\0') ||
		    !sp_name_role_name(part->role))
			abort();
	}
}

static void check_person(const struct sp_person *p)
{
	check_name(&p->name);
	if (p->n_aliases > SP_PERSON_MAX_ALIASES || p->n_nationalities > SP_PERSON_MAX_LIST ||
	    p->n_languages > SP_PERSON_MAX_LIST || p->n_documents > SP_PERSON_MAX_LIST ||
	    p->n_contacts > SP_PERSON_MAX_LIST || !sp_sex_name(p->sex) ||
	    !sp_gender_name(p->gender_identity))
		abort();
	for (size_t i = 0; i < p->n_aliases; i++)
		check_name(&p->aliases[i]);
	/* Codes are canonical: checking one again gives it back unchanged. */
	char c[SP_CODE_MAX];
	for (size_t i = 0; i < p->n_nationalities; i++)
		if (sp_country_code(p->nationalities[i], c, NULL) != SP_OK ||
		    strcmp(c, p->nationalities[i]) != 0)
			abort();
	for (size_t i = 0; i < p->n_languages; i++)
		if (sp_language_code(p->languages[i], c, NULL) != SP_OK ||
		    strcmp(c, p->languages[i]) != 0)
			abort();
	for (size_t i = 0; i < p->n_documents; i++)
		if (!p->documents[i].number || !sp_doc_type_name(p->documents[i].type))
			abort();
	for (size_t i = 0; i < p->n_contacts; i++)
		if (!p->contacts[i].value || !sp_contact_kind_name(p->contacts[i].kind))
			abort();
	if (p->has_birth && p->birth.first > p->birth.last)
		abort();
}

/* Decode j into a fresh arena, encode, and return the encoding (NULL when refused). */
static json_t *decode_encode(json_t *j, bool with_safety, bool *has_safety)
{
	struct sp_arena a;
	struct sp_err err = {0};
	struct sp_person p;
	sp_arena_init(&a, 4096, 1u << 20);
	json_t *out = NULL;
	if (sp_person_decode(j, &a, &p, &err) == SP_OK) {
		check_person(&p);
		out = sp_person_encode(&p, with_safety);
		if (!out)
			abort();
		*has_safety = p.has_safety;
	} else if (err.code == SP_OK || err.msg[0] == '\0') {
		abort(); /* a refusal always says why */
	}
	sp_arena_release(&a);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_err err = {0};
	json_t *j = sp_json_parse((const char *)data, size, &err);
	if (!j)
		return 0;
	bool safety = false, again_safety = false;
	json_t *enc = decode_encode(j, true, &safety);
	json_decref(j);
	if (enc) {
		/* Round trip: the encoding is a valid person that encodes to itself. */
		json_t *again = decode_encode(enc, true, &again_safety);
		if (!again || !json_equal(enc, again) || again_safety != safety)
			abort();
		json_decref(again);
		/* Without the safety block: still valid, and it is really gone. */
		json_t *bare = decode_encode(enc, false, &again_safety);
		if (!bare || json_object_get(bare, "safety"))
			abort();
		json_t *bare_again = decode_encode(bare, true, &again_safety);
		if (!bare_again || again_safety || !json_equal(bare, bare_again))
			abort();
		json_decref(bare_again);
		json_decref(bare);
		json_decref(enc);
	}
	sp_date_release_thread_cache();
	return 0;
}
