/* Names tables and bounded copies (safepath/names.h). */
#include <string.h>

#include "safepath/names.h"

const char *sp_name_of(const char *const *names, int n, int i)
{
	return i >= 0 && i < n ? names[i] : NULL;
}

int sp_name_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return i;
	return -1;
}

int sp_text_copy(char *dst, size_t cap, const char *s)
{
	size_t len = s ? strlen(s) : 0;
	if (!s || len >= cap)
		return -1;
	memcpy(dst, s, len + 1);
	return 0;
}
