/* The vocabulary kinds of needs and tasks are checked against, read from the embedded
 * protocols/codes.json (its "needs" and "tasks" lists of {"id", "title"}). An interim
 * implementation of struct sp_vocabulary: the protocols wing, which owns that file, replaces
 * it with its own loader at integration; casework itself only sees the interface. */
#include <pthread.h>
#include <string.h>

#include "safepath/case.h"
#include "safepath/embedded.h"
#include "safepath/json.h"

#define CODES_PATH "protocols/codes.json"

static pthread_once_t codes_once = PTHREAD_ONCE_INIT;
static json_t *codes; /* parsed once, read-only afterwards, kept for the process */

static void load_codes(void)
{
	for (const struct sp_embedded *e = sp_embedded_files; e->path; e++)
		if (strcmp(e->path, CODES_PATH) == 0)
			codes = sp_json_parse(e->data, e->len, NULL);
}

static bool codes_has(void *ctx, const char *list, const char *code)
{
	(void)ctx;
	json_t *items = json_object_get(codes, list), *item;
	size_t i;
	json_array_foreach(items, i, item) {
		const char *id = json_string_value(json_object_get(item, "id"));
		if (id && code && strcmp(id, code) == 0)
			return true;
	}
	return false;
}

static const struct sp_vocabulary embedded = {.has = codes_has, .ctx = NULL};

const struct sp_vocabulary *sp_vocabulary_embedded(void)
{
	pthread_once(&codes_once, load_codes);
	return codes ? &embedded : NULL;
}
