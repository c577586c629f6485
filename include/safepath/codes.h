/* Country, language and script codes, checked against Debian's iso-codes data
 * (/usr/share/iso-codes/json), plus the codes the field needs that strict ISO rejects:
 * ZZ (unknown), XXA (stateless, ICAO 9303) and XK (Kosovo, alpha-3 XKX).
 *
 * The lists are loaded once, on first use, thread-safely. Lookups ignore case and write the
 * canonical form: countries as ISO 3166-1 alpha-2 where one exists (XXA has none), languages as
 * ISO 639-1 where one exists and ISO 639-3 otherwise (DESIGN.md §6), scripts as ISO 15924
 * ("Arab", "Ethi"). Errors name no input value, only that it is not a known code. */
#ifndef SAFEPATH_CODES_H
#define SAFEPATH_CODES_H

#include "safepath/err.h"

/* Room for any canonical code with its terminator. */
#define SP_CODE_MAX 5

/* Where the iso-codes JSON files are read from. */
#ifndef SP_ISO_CODES_DIR
#define SP_ISO_CODES_DIR "/usr/share/iso-codes/json"
#endif

/* Load the lists now (otherwise the first lookup does). SP_EUNAVAIL when the files are missing
 * or unreadable; every later lookup then fails the same way. */
int sp_codes_load(struct sp_err *err) SP_MUST;

/* Check a country code (alpha-2 or alpha-3, any case) and write its canonical form to out.
 * SP_EINVAL (field "") when unknown, SP_EUNAVAIL when the lists could not be loaded. */
int sp_country_code(const char *code, char out[SP_CODE_MAX], struct sp_err *err) SP_MUST;
/* Same for a language (ISO 639-1 or 639-3; a 639-3 code with a 639-1 twin becomes the twin). */
int sp_language_code(const char *code, char out[SP_CODE_MAX], struct sp_err *err) SP_MUST;
/* Same for a writing system (ISO 15924 alpha-4). */
int sp_script_code(const char *code, char out[SP_CODE_MAX], struct sp_err *err) SP_MUST;

/* English name of a canonical country or language code, NULL if unknown. */
const char *sp_country_name(const char *code);
const char *sp_language_name(const char *code);

#endif
